/*
 * vtysh: the one shell over all kldnet daemons.
 *
 * The shell holds no command tables of its own for the daemons: at start it
 * asks each running daemon to describe its tree and matches lines against
 * those trees to decide where a line goes, then lets the owners execute it.
 * It keeps the node stack (configure terminal -> router bgp -> address-family)
 * and sends, with every line, the node-entering lines above it.
 */
#ifndef KLD_VTYSH_H
#define KLD_VTYSH_H

#include <regex.h>
#include <stdbool.h>
#include <stddef.h>
#include "buf.h"
#include "command.h"

#define VTYSH_MAX_DEPTH 8
#define VTYSH_NDAEMONS 5

struct vtysh_daemon {
	const char *name;
	int fd;              /* -1 when not connected */
	bool socket_present; /* a vty socket exists: the daemon is in use */
	struct cmd_tree *tree;
	struct cmd_def *defs; /* owned copies of the described commands */
	size_t ndefs;
	char *version; /* as the daemon described itself */
	bool described; /* tree from `DAEMON --describe` (vtysh -C), not connected */
};

struct vtysh;

/* The shell's own commands live a floor above the dispatch (vtysh_config.c);
 * the dispatch hears of them through these, set by vtysh_main.c. */
struct vtysh_own_hooks {
	void (*install)(struct cmd_tree *own);	/* once, at init */
	void (*nodes)(struct vtysh *v);		/* a daemon described new nodes */
};

struct vtysh {
	char rundir[4096];
	char config[4096];
	struct vtysh_daemon *daemons;
	size_t ndaemons;
	/* The node stack: node[0] is "view" or "config"; line[i] entered node[i+1]. */
	const char *node[VTYSH_MAX_DEPTH + 1];
	char *line[VTYSH_MAX_DEPTH];
	size_t depth;
	struct cmd_tree *own; /* the shell's own commands */
	struct vtysh_own_hooks own_hooks;
	bool quit;
	int timeout_ms;
	struct kld_buf *capture; /* output collected for a filter, or NULL */
	int term_length;         /* `terminal length`; -1 unset; 0: no pager */
	char undescribed[1024];  /* -C: binaries that could not describe their tree */
	struct cmd_def *node_cmds[32]; /* the shell's words, per node */
	size_t nnode_cmds;
};

/* `CMD | include|exclude|begin|count REGEX` (vtysh_pipe.c). */
enum vtysh_pipe_kind {
	VTYSH_PIPE_INCLUDE,
	VTYSH_PIPE_EXCLUDE,
	VTYSH_PIPE_BEGIN,
	VTYSH_PIPE_COUNT,
};

struct vtysh_pipe {
	enum vtysh_pipe_kind kind;
	bool has_re;
	regex_t re;
	char *error; /* a filter with a bad or missing expression */
	struct kld_buf out;
	struct kld_buf *saved;
};

/* Whether line ends in a filter; then *cmd (caller frees) is the command
 * before it and p the filter, or p->error why it cannot be one. */
bool vtysh_pipe_parse(const struct vtysh *v, const char *line, char **cmd,
		      struct vtysh_pipe *p);
void vtysh_pipe_begin(struct vtysh *v, struct vtysh_pipe *p);
/* Prints what passed the filter, frees p. */
/* `failed`: the command was refused, so there is nothing to count. */
void vtysh_pipe_end(struct vtysh *v, struct vtysh_pipe *p, bool failed);
void vtysh_pipe_free(struct vtysh_pipe *p);
/* Command output: to the filter when one runs, else to stdout. */
void vtysh_out(struct vtysh *v, const char *text);
void vtysh_printf(struct vtysh *v, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The shell's tree and every running daemon's; returns how many. */
size_t vtysh_trees(const struct vtysh *v, const struct cmd_tree **trees);
/* cmd_expand over those trees at node. */
int vtysh_expand(const struct vtysh *v, const char *node, const char *line, char **out);

void vtysh_init(struct vtysh *v, const char *rundir, const char *config,
		const struct vtysh_own_hooks *own);
void vtysh_connect_all(struct vtysh *v);
/* vtysh -C: the trees of the daemons not connected, from `DIR/DAEMON
 * --describe`. */
void vtysh_describe_all(struct vtysh *v, const char *dir);
void vtysh_free(struct vtysh *v);

/* Execute one line as typed at the prompt. Output goes to stdout/stderr.
 * Returns 0 on success, 1 on an error. */
int vtysh_execute(struct vtysh *v, const char *line);
/* Apply a configuration file (vtysh -b / -f): every line is checked first;
 * on any error nothing is applied. explain names, for every line, the
 * daemons and commands that take it. Returns 0 or 1. */
int vtysh_apply_file(struct vtysh *v, const char *path, bool dry_run, bool explain);

/* The current node's name ("view", "config", "bgp", ...). */
const char *vtysh_node(const struct vtysh *v);
/* Completions for the partial line at the current node, from every tree. */
size_t vtysh_complete(struct vtysh *v, const char *line, struct cmd_completion **out);
/* The prompt for the current node. */
void vtysh_prompt(struct vtysh *v, char *buf, size_t size);

/* Run a line on one daemon and read its result, which may come in chunks.
 * Each chunk goes to out, or to stdout when out is NULL. Returns the
 * VtyStatus, or -1 when the daemon did not answer (it is then forgotten).
 * *enters (may be NULL) receives the node entered, interned. */
int vtysh_exec_on(struct vtysh *v, struct vtysh_daemon *d, const char *root,
		  const char *line, struct kld_buf *out, const char **enters);

/* One daemon's `show running-config`, or NULL (caller frees). */
char *vtysh_daemon_running(struct vtysh *v, struct vtysh_daemon *d);

/* Shared between the core and the shell's own commands. */
void vtysh_pop_to(struct vtysh *v, size_t depth);
const char *vtysh_intern_node(const char *name);
void vtysh_own_install(struct cmd_tree *own);
/* The shell's words (end, exit, do, write) in every node the trees have. */
void vtysh_own_nodes(struct vtysh *v);

/* Interactive loop with readline. */
int vtysh_readline_loop(struct vtysh *v);

#endif
