/*
 * Daemon scaffolding shared by every kldnet daemon. main() of a daemon is
 * then: kld_daemon_init, build its state, kld_daemon_start, open sockets,
 * drop privileges, apply config, kld_daemon_ready, run the loop, finish.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/capability.h>
#include <systemd/sd-daemon.h>
#include "config.h"
#include "daemon.h"
#include "log.h"
#include "util.h"
#include "vty.h"

static void kld_daemon_usage(const struct kld_daemon *d, FILE *f)
{
	fprintf(f,
		"Usage: %s [OPTIONS]\n"
		"  --rundir DIR       sockets and pid file (default %s)\n"
		"  --config FILE      integrated configuration (default %s)\n"
		"  -d, --daemon       detach and log to syslog\n"
		"  --user USER        drop privileges to USER after start-up\n"
		"  --log-level LEVEL  " KLD_LOG_LEVEL_NAMES "\n"
		"                     (as `log syslog`; default informational)\n"
		"  --describe         print the command tree (for vtysh -C) and exit\n"
		"  --version          print the version and exit\n",
		d->name, KLD_RUNDIR_DEFAULT, KLD_CONFIG_DEFAULT);
}

static void kld_daemon_bad_option(const struct kld_daemon *d, const char *what)
{
	fprintf(stderr, "%s: %s\n", d->name, what);
	kld_daemon_usage(d, stderr);
	exit(2);
}

void kld_daemon_init(struct kld_daemon *d, const char *name, int argc, char **argv)
{
	static const struct option opts[] = {
		{ "rundir", required_argument, NULL, 'r' },
		{ "config", required_argument, NULL, 'c' },
		{ "daemon", no_argument, NULL, 'd' },
		{ "user", required_argument, NULL, 'u' },
		{ "log-level", required_argument, NULL, 'l' },
		{ "version", no_argument, NULL, 'v' },
		{ "help", no_argument, NULL, 'h' },
		{ "describe", no_argument, NULL, 'D' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	memset(d, 0, sizeof(*d));
	d->name = name;
	d->log_level = LOG_INFO;
	snprintf(d->rundir, sizeof(d->rundir), "%s", KLD_RUNDIR_DEFAULT);
	snprintf(d->config, sizeof(d->config), "%s", KLD_CONFIG_DEFAULT);
	optind = 1;
	while ((c = getopt_long(argc, argv, "dhv", opts, NULL)) != -1) {
		switch (c) {
		case 'r':
			snprintf(d->rundir, sizeof(d->rundir), "%s", optarg);
			break;
		case 'c':
			snprintf(d->config, sizeof(d->config), "%s", optarg);
			break;
		case 'd':
			d->daemonize = true;
			break;
		case 'u':
			snprintf(d->user, sizeof(d->user), "%s", optarg);
			break;
		case 'l':
			d->log_level = kld_log_level_parse(optarg);
			if (d->log_level < 0)
				kld_daemon_bad_option(d, "unknown log level");
			break;
		case 'v':
			printf("%s (%s)\n", d->name, PACKAGE_STRING);
			exit(0);
		case 'h':
			kld_daemon_usage(d, stdout);
			exit(0);
		case 'D':
			d->describe = true;
			break;
		default:
			kld_daemon_bad_option(d, "bad option");
		}
	}
	if (optind < argc)
		kld_daemon_bad_option(d, "unexpected argument");
}

void kld_daemon_path(const struct kld_daemon *d, const char *name, char *buf, size_t size)
{
	snprintf(buf, size, "%s/%s", d->rundir, name);
}

static void kld_daemon_on_signal(int signo, void *arg)
{
	struct kld_daemon *d = arg;

	kld_notice("received signal %d, stopping", signo);
	kld_loop_stop(d->loop);
}

static int kld_daemon_pidfile(const struct kld_daemon *d)
{
	char path[PATH_MAX + 16];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s.pid", d->rundir, d->name);
	f = fopen(path, "w");
	if (!f)
		return -1;
	fprintf(f, "%d\n", (int)getpid());
	return fclose(f);
}

int kld_daemon_describe(struct kld_daemon *d, struct cmd_tree *tree)
{
	if (vty_describe_write(tree, d->name, stdout) < 0) {
		fprintf(stderr, "%s: cannot write the command tree: %s\n", d->name, strerror(errno));
		return 1;
	}
	return 0;
}

int kld_daemon_start(struct kld_daemon *d)
{
	kld_log_init(d->name, d->log_level, !d->daemonize);
	if (mkdir(d->rundir, 0755) < 0 && errno != EEXIST) {
		kld_err("cannot create %s: %s", d->rundir, strerror(errno));
		return -1;
	}
	if (d->daemonize && daemon(0, 0) < 0) {
		kld_err("cannot daemonize: %s", strerror(errno));
		return -1;
	}
	/* A vtysh that went away must not kill us through a write. */
	signal(SIGPIPE, SIG_IGN);
	if (kld_daemon_pidfile(d) < 0)
		kld_warn("cannot write pid file in %s: %s", d->rundir, strerror(errno));
	d->loop = kld_loop_new();
	if (!d->loop)
		return -1;
	d->sigs[0] = kld_signal_new(d->loop, SIGTERM, kld_daemon_on_signal, d);
	d->sigs[1] = kld_signal_new(d->loop, SIGINT, kld_daemon_on_signal, d);
	return 0;
}

static int kld_capset(const int *keep, int n, bool ambient)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2];

	memset(data, 0, sizeof(data));
	for (int i = 0; i < n; i++) {
		data[keep[i] / 32].effective |= 1u << (keep[i] % 32);
		data[keep[i] / 32].permitted |= 1u << (keep[i] % 32);
		data[keep[i] / 32].inheritable |= 1u << (keep[i] % 32);
	}
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -1;
	for (int i = 0; ambient && i < n; i++)
		if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, keep[i], 0, 0) < 0)
			return -1;
	return 0;
}

int kld_daemon_drop_privileges(struct kld_daemon *d, const int *keep_caps, int ncaps)
{
	struct passwd *pw;

	if (!d->user[0])
		return 0;
	pw = getpwnam(d->user);
	if (!pw) {
		kld_err("unknown user %s", d->user);
		return -1;
	}
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setgroups(0, NULL) < 0 ||
	    setgid(pw->pw_gid) < 0 || setuid(pw->pw_uid) < 0) {
		kld_err("cannot switch to user %s: %s", d->user, strerror(errno));
		return -1;
	}
	if (kld_capset(keep_caps, ncaps, false) < 0) {
		kld_err("cannot set capabilities: %s", strerror(errno));
		return -1;
	}
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	kld_info("running as %s with %d capabilities", d->user, ncaps);
	return 0;
}

int kld_daemon_load_config(struct kld_daemon *d, struct cmd_tree *tree, void *arg)
{
	struct kld_buf errors;
	int rc;

	kld_buf_init(&errors);
	rc = kld_config_apply_file(tree, arg, d->config, &errors);
	if (rc < 0)
		kld_err("cannot read %s: %s", d->config, strerror(errno));
	else if (rc > 0)
		kld_err("%s: %d line(s) refused:\n%s", d->config, rc, errors.data);
	else
		kld_info("configuration applied from %s", d->config);
	kld_buf_free(&errors);
	return rc == 0 ? 0 : -1;
}

/* WatchdogSec= in the unit: a ping from the event loop at half the
 * interval, so a daemon whose loop is stuck is restarted (FRR's units do
 * the same). */
static void kld_daemon_watchdog(void *arg)
{
	struct kld_daemon *d = arg;

	sd_notify(0, "WATCHDOG=1");
	kld_timer_arm(d->watchdog, d->watchdog_ms);
}

void kld_daemon_ready(struct kld_daemon *d)
{
	uint64_t usec = 0;

	sd_notify(0, "READY=1");
	kld_notice("%s %s started", d->name, PACKAGE_VERSION);
	if (sd_watchdog_enabled(0, &usec) <= 0 || !d->loop)
		return;
	d->watchdog_ms = KLD_MAX(usec / 2000, 1ULL);
	d->watchdog = kld_timer_new(d->loop, kld_daemon_watchdog, d);
	kld_timer_arm(d->watchdog, d->watchdog_ms);
}

void kld_daemon_finish(struct kld_daemon *d)
{
	char path[PATH_MAX + 16];

	sd_notify(0, "STOPPING=1");
	snprintf(path, sizeof(path), "%s/%s.pid", d->rundir, d->name);
	unlink(path);
	for (size_t i = 0; i < KLD_ARRAY_SIZE(d->sigs); i++)
		kld_signal_free(d->sigs[i]);
	kld_timer_free(d->watchdog);
	d->watchdog = NULL;
	kld_loop_free(d->loop);
	d->loop = NULL;
	kld_notice("%s stopped", d->name);
}
