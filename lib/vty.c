/*
 * The vty server and line execution.
 *
 * A daemon's commands are matched and run here; the shell only decides
 * which daemons a line goes to. The server answers two requests: describe
 * (the whole command tree, so the shell builds completion and help from
 * the daemon itself) and exec (one line, with the node-entering lines above
 * it, see vty.h).
 */
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "ipc.h"
#include "log.h"
#include "util.h"
#include "vty.h"

struct vty_stream;

struct vty_server {
	struct kld_loop *loop;
	struct vty_stream *streams; /* long outputs being sent */
	struct kld_ipc_server *ipc;
	struct kld_ipc_ops ops;
	struct cmd_tree *tree;
	vty_write_fn write_config;
	void *arg;
	char daemon[32];
};

/* The write function of the daemon that runs in this process: `show
 * running-config` is a common command and needs to find it. One vty server
 * per process, so one slot. */
static vty_write_fn vty_running_writer;
/* The level set by `log syslog` (-1: never configured). A level given on
 * the command line is not configuration and is not written back. */
static int vty_log_level_conf = -1;
/* The level the daemon ran at before `log syslog` first changed it (its
 * command line's, or the default): what `no log syslog` returns to. */
static int vty_log_level_start = -1;

void vty_out(struct vty *vty, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kld_buf_vprintf(&vty->out, fmt, ap);
	va_end(ap);
}

void vty_defer(struct vty *vty, vty_more_fn fn, void *state, void (*free_state)(void *))
{
	vty->more = fn;
	vty->more_state = state;
	vty->more_free = free_state;
}

static void vty_more_end(struct vty *vty)
{
	if (vty->more_free)
		vty->more_free(vty->more_state);
	vty->more = NULL;
	vty->more_state = NULL;
	vty->more_free = NULL;
}

void vty_set_ctx(struct vty *vty, void *obj)
{
	if (vty->depth < VTY_MAX_DEPTH)
		vty->ctx[vty->depth] = obj;
}

void *vty_ctx(const struct vty *vty, int level)
{
	if (level < 0 || level >= vty->depth || level >= VTY_MAX_DEPTH)
		return NULL;
	return vty->ctx[level];
}

void *vty_ctx_top(const struct vty *vty)
{
	return vty_ctx(vty, vty->depth - 1);
}

void vty_write_running(struct vty *vty)
{
	if (vty_log_level_conf >= 0)
		vty_out(vty, "log syslog %s\n!\n", kld_log_level_name(vty_log_level_conf));
	if (vty_running_writer)
		vty_running_writer(vty);
}

static int vty_status_of(enum cmd_match_result r)
{
	switch (r) {
	case CMD_MATCH:
	case CMD_EMPTY:
		return KLD__VTY_STATUS__VTY_OK;
	case CMD_INCOMPLETE:
		return KLD__VTY_STATUS__VTY_ERR_INCOMPLETE;
	case CMD_AMBIGUOUS:
		return KLD__VTY_STATUS__VTY_ERR_AMBIGUOUS;
	default:
		return KLD__VTY_STATUS__VTY_ERR_NO_MATCH;
	}
}

/* Match and (unless dry) run one line in vty's current node. */
static int vty_run_line(struct vty *vty, struct cmd_tree *tree, const char *line,
			bool dry_run, size_t *err_pos)
{
	const struct cmd_def *def = NULL;
	struct cmd_args *args = NULL;
	enum cmd_match_result r = cmd_tree_match(tree, vty->node, line, &def, &args, err_pos);
	int rc = CMD_SUCCESS;

	if (r == CMD_EMPTY)
		return KLD__VTY_STATUS__VTY_OK;
	if (r != CMD_MATCH)
		return vty_status_of(r);
	vty->enters = def->enters;
	if (!dry_run && def->fn)
		rc = def->fn(vty, args);
	cmd_args_free(args);
	if (rc != CMD_SUCCESS)
		return KLD__VTY_STATUS__VTY_ERR_FAILED;
	if (vty->enters) {
		vty->node = vty->enters;
		vty->depth++;
	}
	return KLD__VTY_STATUS__VTY_OK;
}

/* A file written by hand may abbreviate, as vtysh -b and -C accept; only
 * a line this daemon does not take as written is expanded, so another
 * daemon's line is never read as an abbreviation of one of ours. */
static int vty_run_line_abbrev(struct vty *vty, struct cmd_tree *tree, const char *line,
			       bool dry_run)
{
	const struct cmd_tree *trees[] = { tree };
	int rc = vty_run_line(vty, tree, line, dry_run, NULL);
	char *full = NULL;

	if (rc != KLD__VTY_STATUS__VTY_ERR_NO_MATCH && rc != KLD__VTY_STATUS__VTY_ERR_INCOMPLETE)
		return rc;
	if (cmd_expand(trees, 1, vty->node, line, &full) == 0 && strcmp(full, line))
		rc = vty_run_line(vty, tree, full, dry_run, NULL);
	free(full);
	return rc;
}

int vty_execute_here(struct vty *vty, struct cmd_tree *tree, const char *line, bool dry_run)
{
	int rc;

	vty->enters = NULL;
	rc = vty_run_line_abbrev(vty, tree, line, dry_run);
	while (vty->more && !vty->more(vty, vty->more_state))
		;
	vty_more_end(vty);
	return rc;
}

/* Run the context lines, then the line, into a vty the caller set up. */
static int vty_execute_into(struct vty *vty, struct cmd_tree *tree, const char *const *context,
			    size_t ncontext, const char *line, bool dry_run, size_t *err_pos)
{
	int rc = KLD__VTY_STATUS__VTY_OK;

	for (size_t i = 0; i < ncontext && rc == KLD__VTY_STATUS__VTY_OK; i++) {
		vty->enters = NULL;
		rc = vty_run_line(vty, tree, context[i], dry_run, NULL);
		if (rc == KLD__VTY_STATUS__VTY_OK && !vty->enters)
			rc = KLD__VTY_STATUS__VTY_ERR_NO_MATCH;
	}
	if (rc != KLD__VTY_STATUS__VTY_OK) {
		kld_buf_puts(&vty->out, "% The node of this command no longer exists\n");
		return rc;
	}
	vty->enters = NULL;
	rc = vty_run_line(vty, tree, line, dry_run, err_pos);
	if (rc != KLD__VTY_STATUS__VTY_OK)
		vty->enters = NULL;
	return rc;
}

int vty_execute(struct cmd_tree *tree, void *arg, const char *root,
		const char *const *context, size_t ncontext, const char *line, bool dry_run,
		struct kld_buf *out, const char **enters, size_t *err_pos)
{
	struct vty vty = { .arg = arg, .node = root, .dry_run = dry_run };
	int rc;

	kld_buf_init(&vty.out);
	rc = vty_execute_into(&vty, tree, context, ncontext, line, dry_run, err_pos);
	while (vty.more && !vty.more(&vty, vty.more_state))
		;
	vty_more_end(&vty);
	if (enters)
		*enters = vty.enters;
	kld_buf_append(out, vty.out.data, vty.out.len);
	kld_buf_free(&vty.out);
	return rc;
}

/* ---- requests from the shell ---- */

/* A long output on its way to the shell: one chunk per event-loop turn. */
struct vty_stream {
	struct vty_server *srv;
	struct kld_ipc_conn *conn;
	uint32_t seq;
	int status;
	struct vty vty;
	struct kld_timer *timer;
	struct vty_stream *next;
};

/* Past this much unsent output, wait for the shell to read. */
#define VTY_STREAM_BACKLOG (1u << 20)

static void vty_send_result(struct kld_ipc_conn *c, uint32_t seq, int status, struct vty *vty,
			    size_t err_pos, bool more)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__VtyResult res = KLD__VTY_RESULT__INIT;

	res.status = status;
	res.output = vty->out.data ? vty->out.data : (char *)"";
	res.enters = (char *)(vty->enters ? vty->enters : "");
	res.error_pos = (uint32_t)err_pos;
	res.more = more;
	env.seq = seq;
	env.body_case = KLD__ENVELOPE__BODY_VTY_RESULT;
	env.vty_result = &res;
	kld_ipc_send(c, &env);
	kld_buf_reset(&vty->out);
}

static void vty_stream_free(struct vty_stream *st)
{
	for (struct vty_stream **pp = &st->srv->streams; *pp; pp = &(*pp)->next) {
		if (*pp == st) {
			*pp = st->next;
			break;
		}
	}
	vty_more_end(&st->vty);
	kld_timer_free(st->timer);
	kld_buf_free(&st->vty.out);
	free(st);
}

static void vty_stream_step(void *arg)
{
	struct vty_stream *st = arg;
	bool done;

	if (kld_ipc_pending(st->conn) > VTY_STREAM_BACKLOG) {
		kld_timer_arm(st->timer, 10);
		return;
	}
	done = st->vty.more(&st->vty, st->vty.more_state);
	vty_send_result(st->conn, st->seq, st->status, &st->vty, 0, !done);
	if (done)
		vty_stream_free(st);
	else
		kld_timer_arm(st->timer, 0);
}

static void vty_stream_start(struct vty_server *s, struct vty_stream *st)
{
	st->srv = s;
	st->next = s->streams;
	s->streams = st;
	st->timer = kld_timer_new(s->loop, vty_stream_step, st);
	kld_timer_arm(st->timer, 0);
}

/* The shell went away: drop what it was still being sent. */
static void vty_conn_down(struct kld_ipc_conn *c, void *arg)
{
	struct vty_server *s = arg;
	struct vty_stream *st = s->streams, *next;

	for (; st; st = next) {
		next = st->next;
		if (st->conn == c)
			vty_stream_free(st);
	}
}

static void vty_handle_exec(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct vty_server *s = arg;
	const Kld__VtyExec *ex = env->vty_exec;
	struct vty_stream *st = kld_xcalloc(1, sizeof(*st));
	size_t err_pos = 0;

	st->conn = c;
	st->seq = env->seq;
	st->vty.arg = s->arg;
	st->vty.node = ex->node[0] ? ex->node : "view";
	st->vty.dry_run = ex->dry_run;
	kld_buf_init(&st->vty.out);
	st->status = vty_execute_into(&st->vty, s->tree, (const char *const *)ex->context,
				      ex->n_context, ex->line, ex->dry_run, &err_pos);
	vty_send_result(c, st->seq, st->status, &st->vty, err_pos, st->vty.more != NULL);
	if (st->vty.more) {
		/* Both point into the request, which is freed when we return. */
		st->vty.enters = NULL;
		st->vty.node = NULL;
		vty_stream_start(s, st);
		return;
	}
	kld_buf_free(&st->vty.out);
	free(st);
}

/* Help lines of a def, split at '\n' into a malloc'd vector. */
static size_t vty_split_help(const char *help, char ***lines)
{
	size_t n = 0;
	char *copy = kld_xstrdup(help ? help : ""), *save = NULL;

	*lines = NULL;
	for (char *tok = strtok_r(copy, "\n", &save); tok; tok = strtok_r(NULL, "\n", &save)) {
		*lines = kld_xrealloc(*lines, (n + 1) * sizeof(char *));
		(*lines)[n++] = kld_xstrdup(tok);
	}
	free(copy);
	return n;
}

/* The tree as the shell sees it. */
struct vty_describe {
	Kld__VtyDescribe d;
	Kld__VtyCommand *cmds;
	Kld__VtyCommand **ptrs;
};

static void vty_describe_build(struct cmd_tree *tree, const char *daemon,
			       struct vty_describe *v)
{
	size_t n = cmd_tree_count(tree);

	kld__vty_describe__init(&v->d);
	v->cmds = kld_xcalloc(n + 1, sizeof(*v->cmds));
	v->ptrs = kld_xcalloc(n + 1, sizeof(*v->ptrs));
	for (size_t i = 0; i < n; i++) {
		const struct cmd_def *def = cmd_tree_get(tree, i);

		kld__vty_command__init(&v->cmds[i]);
		v->cmds[i].node = (char *)def->node;
		v->cmds[i].syntax = (char *)def->syntax;
		v->cmds[i].enters = (char *)(def->enters ? def->enters : "");
		v->cmds[i].hidden = (def->flags & CMD_HIDDEN) != 0;
		v->cmds[i].n_help = vty_split_help(def->help, &v->cmds[i].help);
		v->ptrs[i] = &v->cmds[i];
	}
	v->d.daemon = (char *)daemon;
	v->d.version = (char *)PACKAGE_VERSION;
	v->d.n_commands = n;
	v->d.commands = v->ptrs;
}

static void vty_describe_free(struct vty_describe *v)
{
	for (size_t i = 0; i < v->d.n_commands; i++) {
		for (size_t j = 0; j < v->cmds[i].n_help; j++)
			free(v->cmds[i].help[j]);
		free(v->cmds[i].help);
	}
	free(v->cmds);
	free(v->ptrs);
}

static void vty_handle_describe(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct vty_server *s = arg;
	Kld__Envelope reply = KLD__ENVELOPE__INIT;
	struct vty_describe v;

	vty_describe_build(s->tree, s->daemon, &v);
	reply.seq = env->seq;
	reply.body_case = KLD__ENVELOPE__BODY_VTY_DESCRIBE;
	reply.vty_describe = &v.d;
	kld_ipc_send(c, &reply);
	vty_describe_free(&v);
}

/* The tree is also left beside the socket, in SOCKET.commands (written
 * whole, then renamed): a shell that finds the daemon down can still tell
 * whether a line was this daemon's, and say that it is not running only
 * then. A daemon that never ran here leaves no file. Best effort. */
static void vty_save_describe(const struct vty_server *s, const char *sockpath)
{
	char path[4200], tmp[4216];
	struct vty_describe v;
	uint8_t *buf;
	size_t len;
	FILE *f;

	snprintf(path, sizeof(path), "%s.commands", sockpath);
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	vty_describe_build(s->tree, s->daemon, &v);
	len = kld__vty_describe__get_packed_size(&v.d);
	buf = kld_xmalloc(len + 1);
	kld__vty_describe__pack(&v.d, buf);
	vty_describe_free(&v);
	f = fopen(tmp, "we");
	if (f) {
		bool ok = fwrite(buf, 1, len, f) == len;

		if (fclose(f) == 0 && ok)
			rename(tmp, path);
		else
			unlink(tmp);
	}
	free(buf);
}

int vty_describe_write(struct cmd_tree *tree, const char *daemon, FILE *f)
{
	struct vty_describe v;
	uint8_t *buf;
	size_t len;
	int rc = 0;

	vty_describe_build(tree, daemon, &v);
	len = kld__vty_describe__get_packed_size(&v.d);
	buf = kld_xmalloc(len + 1);
	kld__vty_describe__pack(&v.d, buf);
	vty_describe_free(&v);
	if (fwrite(buf, 1, len, f) != len || fflush(f) != 0)
		rc = -1;
	free(buf);
	return rc;
}

struct vty_server *vty_server_new(struct kld_loop *l, const char *path, const char *daemon,
				  struct cmd_tree *tree, vty_write_fn write_config, void *arg)
{
	struct vty_server *s = kld_xcalloc(1, sizeof(*s));

	s->tree = tree;
	s->write_config = write_config;
	s->arg = arg;
	snprintf(s->daemon, sizeof(s->daemon), "%s", daemon);
	s->loop = l;
	s->ops.on_down = vty_conn_down;
	s->ops.handlers[KLD__ENVELOPE__BODY_VTY_EXEC] = vty_handle_exec;
	s->ops.handlers[KLD__ENVELOPE__BODY_VTY_DESCRIBE_REQUEST] = vty_handle_describe;
	s->ipc = kld_ipc_server_new(l, path, daemon, &s->ops, s);
	if (!s->ipc) {
		free(s);
		return NULL;
	}
	vty_save_describe(s, path);
	vty_running_writer = write_config;
	return s;
}

void vty_server_free(struct vty_server *s)
{
	if (!s)
		return;
	while (s->streams)
		vty_stream_free(s->streams);
	kld_ipc_server_free(s->ipc);
	if (vty_running_writer == s->write_config)
		vty_running_writer = NULL;
	free(s);
}

/* ---- commands every daemon has ---- */

static int vty_cmd_show_running(struct vty *vty, const struct cmd_args *args)
{
	vty_write_running(vty);
	return CMD_SUCCESS;
}

/* Per daemon (vtysh shows every daemon's answer): where its lines go and
 * from which level, in the level names `log syslog` takes. */
static int vty_cmd_show_logging(struct vty *vty, const struct cmd_args *args)
{
	bool syslog = !strcmp(kld_log_destination(), "syslog");
	const char *level = kld_log_level_name(kld_log_level());

	vty_out(vty, "%s:\n", kld_log_ident());
	if (syslog)
		vty_out(vty, " Syslog logging: level %s, facility daemon\n", level);
	else
		vty_out(vty, " Syslog logging: disabled\n");
	if (syslog)
		vty_out(vty, " Stderr logging: disabled\n");
	else
		vty_out(vty, " Stderr logging: level %s (the journal, under systemd)\n", level);
	return CMD_SUCCESS;
}

static int vty_cmd_log_level(struct vty *vty, const struct cmd_args *args)
{
	const char *name = cmd_arg(args, "level");
	int level = name ? kld_log_level_parse(name) : LOG_INFO;

	if (vty_log_level_start < 0)
		vty_log_level_start = kld_log_level();
	if (cmd_has(args, "no"))
		level = vty_log_level_start;
	kld_log_set_level(level);
	vty_log_level_conf = cmd_has(args, "no") ? -1 : level;
	return CMD_SUCCESS;
}

#define VTY_LEVELS "<emergencies|alerts|critical|errors|warnings|notifications|informational|debugging>$level"
#define VTY_LEVEL_HELP "Emergencies\nAlerts\nCritical\nErrors\nWarnings\nNotifications\nInformational\nDebugging\n"

static const struct cmd_def vty_common_cmds[] = {
	{ "view", "show running-config", "Show running system information\nCurrent operating configuration\n",
	  vty_cmd_show_running, NULL, 0 },
	{ "view", "show logging", "Show running system information\nShow current logging configuration\n",
	  vty_cmd_show_logging, NULL, 0 },
	{ "config", "[no] log syslog [" VTY_LEVELS "]",
	  "Negate a command\nLogging control\nSet syslog logging level\n" VTY_LEVEL_HELP,
	  vty_cmd_log_level, NULL, 0 },
};

void vty_install_common(struct cmd_tree *tree)
{
	cmd_tree_add_all(tree, vty_common_cmds, KLD_ARRAY_SIZE(vty_common_cmds));
}
