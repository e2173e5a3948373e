/*
 * Logging: stderr when in the foreground, syslog when daemonized.
 * Library code does not log; it returns errors and lets the caller decide.
 */
#ifndef KLD_LOG_H
#define KLD_LOG_H

#include <stdbool.h>
#include <syslog.h>
#include <time.h>

void kld_log_init(const char *ident, int level, bool to_stderr);
void kld_log_set_level(int level);
int kld_log_level(void);
/* One set of level names, FRR's, everywhere (`log syslog LEVEL`,
 * --log-level, logs, `show logging`): "emergencies" "alerts" "critical"
 * "errors" "warnings" "notifications" "informational" "debugging". The
 * short syslog names ("err", "warning", "info", ...) are accepted too.
 * -> LOG_*; -1 if unknown. */
int kld_log_level_parse(const char *name);
const char *kld_log_level_name(int level);
/* The levels, blank-separated, most severe first (for help texts). */
#define KLD_LOG_LEVEL_NAMES \
	"emergencies alerts critical errors warnings notifications informational debugging"
/* The daemon's name and where its lines go: "stderr" or "syslog". */
const char *kld_log_ident(void);
const char *kld_log_destination(void);

void kld_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define kld_err(...) kld_log(LOG_ERR, __VA_ARGS__)
#define kld_warn(...) kld_log(LOG_WARNING, __VA_ARGS__)
#define kld_notice(...) kld_log(LOG_NOTICE, __VA_ARGS__)
#define kld_info(...) kld_log(LOG_INFO, __VA_ARGS__)
#define kld_debug(...) kld_log(LOG_DEBUG, __VA_ARGS__)

/* Rate limit for lines a peer can trigger (malformed packets, bad frames):
 * at most `burst` lines per `interval` seconds per call site; the first line
 * after a quiet period reports how many were suppressed. */
struct kld_ratelimit {
	time_t window_start;
	unsigned count;
	unsigned suppressed;
};
bool kld_ratelimit_allow(struct kld_ratelimit *rl, unsigned burst, unsigned interval,
			 unsigned *suppressed);

#define kld_log_rl(level, ...)                                                    \
	do {                                                                      \
		static struct kld_ratelimit kld_rl_;                              \
		unsigned kld_sup_;                                                \
		if (kld_ratelimit_allow(&kld_rl_, 10, 60, &kld_sup_)) {           \
			if (kld_sup_)                                             \
				kld_log(level, "(%u similar lines suppressed)", kld_sup_); \
			kld_log(level, __VA_ARGS__);                              \
		}                                                                 \
	} while (0)

#endif
