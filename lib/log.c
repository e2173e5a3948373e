/*
 * Logging. One process-wide sink, configured once by kld_log_init(); the
 * state is a single struct so a test can re-initialise it at will.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "log.h"

static struct {
	char ident[32];
	int level;
	bool to_stderr;
} kld_log_state = { "kldnet", LOG_INFO, true };

static const char *const kld_level_names[] = {
	[LOG_EMERG] = "emergencies", [LOG_ALERT] = "alerts",
	[LOG_CRIT] = "critical",     [LOG_ERR] = "errors",
	[LOG_WARNING] = "warnings",  [LOG_NOTICE] = "notifications",
	[LOG_INFO] = "informational", [LOG_DEBUG] = "debugging",
};

void kld_log_init(const char *ident, int level, bool to_stderr)
{
	snprintf(kld_log_state.ident, sizeof(kld_log_state.ident), "%s", ident);
	kld_log_state.level = level;
	kld_log_state.to_stderr = to_stderr;
	if (!to_stderr)
		openlog(kld_log_state.ident, LOG_PID | LOG_NDELAY, LOG_DAEMON);
}

void kld_log_set_level(int level)
{
	kld_log_state.level = level;
}

int kld_log_level(void)
{
	return kld_log_state.level;
}

const char *kld_log_ident(void)
{
	return kld_log_state.ident;
}

const char *kld_log_destination(void)
{
	return kld_log_state.to_stderr ? "stderr" : "syslog";
}

/* Accepts FRR's level names and the short syslog ones. */
int kld_log_level_parse(const char *name)
{
	static const struct { const char *name; int level; } aliases[] = {
		{ "err", LOG_ERR },	    { "error", LOG_ERR },
		{ "warning", LOG_WARNING }, { "warn", LOG_WARNING },
		{ "notice", LOG_NOTICE },   { "info", LOG_INFO },
		{ "debug", LOG_DEBUG },
	};
	for (size_t i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (!strcmp(name, aliases[i].name))
			return aliases[i].level;
	for (int l = LOG_EMERG; l <= LOG_DEBUG; l++)
		if (!strcmp(name, kld_level_names[l]))
			return l;
	return -1;
}

const char *kld_log_level_name(int level)
{
	if (level < LOG_EMERG || level > LOG_DEBUG)
		return "unknown";
	return kld_level_names[level];
}

static void kld_log_stderr(int level, const char *fmt, va_list ap)
{
	struct timespec ts;
	struct tm tm;
	char when[32];

	clock_gettime(CLOCK_REALTIME, &ts);
	localtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y/%m/%d %H:%M:%S", &tm);
	fprintf(stderr, "%s.%03ld %s: [%s] ", when, ts.tv_nsec / 1000000,
		kld_log_state.ident, kld_log_level_name(level));
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void kld_log(int level, const char *fmt, ...)
{
	va_list ap;

	if (level > kld_log_state.level)
		return;
	va_start(ap, fmt);
	if (kld_log_state.to_stderr)
		kld_log_stderr(level, fmt, ap);
	else
		vsyslog(level, fmt, ap);
	va_end(ap);
}

bool kld_ratelimit_allow(struct kld_ratelimit *rl, unsigned burst, unsigned interval,
			 unsigned *suppressed)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	*suppressed = 0;
	if (ts.tv_sec - rl->window_start >= (time_t)interval) {
		*suppressed = rl->suppressed;
		rl->window_start = ts.tv_sec;
		rl->count = 0;
		rl->suppressed = 0;
	}
	if (rl->count < burst) {
		rl->count++;
		return true;
	}
	rl->suppressed++;
	return false;
}
