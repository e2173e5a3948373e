/*
 * The daemon side of the shell: a server on <rundir>/<daemon>.vty that
 * describes the daemon's command tree and executes lines.
 *
 * Execution is stateless towards the shell: each VtyExec carries the
 * node-entering lines from the config root (its context); the daemon runs
 * them first, so a node-entering handler must be idempotent (enter the
 * existing object, create it only when missing). Handlers reach their
 * daemon through vty->arg and the objects of the nodes above them through
 * vty_ctx().
 */
#ifndef KLD_VTY_H
#define KLD_VTY_H

#include <stdbool.h>
#include <stdio.h>
#include "buf.h"
#include "command.h"
#include "event.h"

#define VTY_MAX_DEPTH 8

struct vty;
/* A continuation for long outputs: called until it returns true. */
typedef bool (*vty_more_fn)(struct vty *vty, void *state);

struct vty {
	struct kld_buf out;
	void *arg;          /* the daemon's state, given at server creation */
	bool dry_run;       /* match only; handlers are not called */
	bool json;          /* set by handlers that saw a `json` keyword */
	int depth;          /* nodes entered so far */
	const char *node;   /* current node name */
	void *ctx[VTY_MAX_DEPTH];
	const char *enters; /* node entered by the last handler */
	vty_more_fn more;   /* set by vty_defer() */
	void *more_state;
	void (*more_free)(void *state);
};

void vty_out(struct vty *vty, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* For a walk too long to do at once (a million routes): print the first
 * part, then defer the rest. The vty server sends each part as it comes and
 * returns to the event loop between parts, so keepalives and other clients
 * are served meanwhile; fn is called again until it returns true. Outside
 * the server (config files, tests) the parts run back to back. free_state
 * releases the state when the walk ends or the shell goes away. */
void vty_defer(struct vty *vty, vty_more_fn fn, void *state, void (*free_state)(void *));

/* Called by a node-entering handler: the object handlers below it see. */
void vty_set_ctx(struct vty *vty, void *obj);
/* Object of the level-th entered node (0 = outermost), or NULL. */
void *vty_ctx(const struct vty *vty, int level);
/* Object of the innermost entered node. */
void *vty_ctx_top(const struct vty *vty);

typedef void (*vty_write_fn)(struct vty *vty);

struct vty_server;

/* `write_config` prints the daemon's part of the running config, with
 * sub-node lines indented by one space and each node block closed by
 * "exit" (FRR's layout). */
struct vty_server *vty_server_new(struct kld_loop *l, const char *path, const char *daemon,
				  struct cmd_tree *tree, vty_write_fn write_config, void *arg);
void vty_server_free(struct vty_server *s);

/* Execute one line with its context, as a VtyExec does. Used by the
 * server, by config-file loading and by tests. `root` is "view" for
 * operational commands and "config" for configuration; the context lines
 * are matched from root down. Returns a KLD__VTY_STATUS__* value; output
 * goes to out; *enters (may be NULL) receives the node the line entered;
 * *err_pos (may be NULL) the byte offset of the offending word in line. */
int vty_execute(struct cmd_tree *tree, void *arg, const char *root,
		const char *const *context, size_t ncontext, const char *line, bool dry_run,
		struct kld_buf *out, const char **enters, size_t *err_pos);

/* Run one line in vty's current node (vty->node, vty->depth and the
 * objects of the nodes above already set: no context replay); a line that
 * enters a node moves vty into it. For config loading, which walks a whole
 * file with one vty. Returns a KLD__VTY_STATUS__* value. */
int vty_execute_here(struct vty *vty, struct cmd_tree *tree, const char *line, bool dry_run);

/* `DAEMON --describe`: the tree, as a packed VtyDescribe (what the vty
 * server answers a VtyDescribeRequest with), for `vtysh -C` to check a file
 * with no daemon running. 0 or -1. */
int vty_describe_write(struct cmd_tree *tree, const char *daemon, FILE *f);

/* Commands every daemon carries: `show running-config` (the daemon's own
 * part; vtysh merges them), `show logging`, `log syslog LEVEL`. */
void vty_install_common(struct cmd_tree *tree);
/* Print the daemon's running config (used by `show running-config`). */
void vty_write_running(struct vty *vty);

#endif
