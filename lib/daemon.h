/*
 * What every kldnet daemon does the same way: command-line options, logging,
 * the run directory, daemonizing, the pid file, privilege drop, systemd
 * notification and a clean stop on SIGTERM/SIGINT.
 *
 * Options: --rundir DIR, --config FILE, -d/--daemon, --user USER,
 * --log-level LEVEL, --version, --help, --describe (the daemon's main
 * builds its tree, kld_daemon_describe prints it and the process exits
 * before anything is opened: `vtysh -C` checks files with it).
 */
#ifndef KLD_DAEMON_H
#define KLD_DAEMON_H

#include <limits.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdint.h>
#include "event.h"

struct kld_daemon {
	const char *name;
	char rundir[PATH_MAX];
	char config[PATH_MAX];
	char user[64];
	int log_level;
	bool daemonize;
	bool describe; /* --describe: print the command tree and exit */
	struct kld_loop *loop;
	struct kld_signal *sigs[3];
	struct kld_timer *watchdog; /* sd_notify WATCHDOG=1, when WatchdogSec= */
	uint64_t watchdog_ms;
};

/* Fill from argv; prints and exits on --version, --help and bad options. */
void kld_daemon_init(struct kld_daemon *d, const char *name, int argc, char **argv);
/* Log, rundir, daemonize, pid file, signals; creates d->loop. 0 or -1. */
int kld_daemon_start(struct kld_daemon *d);
/* Path of a socket in the rundir: "<rundir>/<name>". */
void kld_daemon_path(const struct kld_daemon *d, const char *name, char *buf, size_t size);
/* Switch to d->user (if set) keeping only the listed capabilities
 * (CAP_* numbers). 0 or -1. */
int kld_daemon_drop_privileges(struct kld_daemon *d, const int *keep_caps, int ncaps);
struct cmd_tree;
/* Apply this daemon's part of d->config, logging refused lines. 0 or -1. */
int kld_daemon_load_config(struct kld_daemon *d, struct cmd_tree *tree, void *arg);

/* --describe: the tree to stdout as vtysh reads it; returns the exit code. */
int kld_daemon_describe(struct kld_daemon *d, struct cmd_tree *tree);

/* sd_notify READY=1 (a no-op outside systemd), then WATCHDOG=1 pings from
 * the loop when the unit sets WatchdogSec=. */
void kld_daemon_ready(struct kld_daemon *d);
/* STOPPING=1, remove the pid file, free the loop. */
void kld_daemon_finish(struct kld_daemon *d);

#endif
