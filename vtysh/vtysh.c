/*
 * vtysh core: connections to the daemons, line dispatch, the node stack,
 * the merged running configuration and `write memory`.
 *
 * A line goes to every daemon whose tree matches it in the current node
 * (FRR sends `interface eth0` to all daemons that have interfaces). When no
 * tree matches in a configuration node, the nodes above are tried, as FRR
 * does, so `ip prefix-list ...` typed inside `router bgp` works and leaves
 * the bgp node.
 */
#include <ctype.h>
#include <errno.h>
#include <poll.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "ipc_sync.h"
#include "util.h"
#include "vty.h"
#include "vtysh.h"

#define VTYSH_CONNECT_MS 2000
#define VTYSH_EXEC_MS 120000

/* The order in which configuration is shown and written: the kernel side
 * first, then transport (WireGuard), overlays, the firewall, routing. */
static const char *const vtysh_daemon_names[VTYSH_NDAEMONS] = {
	"zebra-lite", "wgd", "vxland", "fwd", "bgpd",
};

/* ---- connections and command trees ---- */

static void vtysh_daemon_reset(struct vtysh_daemon *d)
{
	if (d->fd >= 0)
		close(d->fd);
	d->fd = -1;
	cmd_tree_free(d->tree);
	d->tree = NULL;
	for (size_t i = 0; i < d->ndefs; i++) {
		free((char *)d->defs[i].node);
		free((char *)d->defs[i].syntax);
		free((char *)d->defs[i].help);
		free((char *)d->defs[i].enters);
	}
	free(d->defs);
	d->defs = NULL;
	d->ndefs = 0;
	free(d->version);
	d->version = NULL;
}

static char *vtysh_join_help(const Kld__VtyCommand *c)
{
	struct kld_buf b;

	kld_buf_init(&b);
	for (size_t i = 0; i < c->n_help; i++)
		kld_buf_printf(&b, "%s\n", c->help[i]);
	return kld_buf_steal(&b);
}

static void vtysh_load_tree(struct vtysh_daemon *d, const Kld__VtyDescribe *desc)
{
	d->defs = kld_xcalloc(desc->n_commands ? desc->n_commands : 1, sizeof(*d->defs));
	d->tree = cmd_tree_new();
	d->version = desc->version && *desc->version ? kld_xstrdup(desc->version) : NULL;
	for (size_t i = 0; i < desc->n_commands; i++) {
		const Kld__VtyCommand *c = desc->commands[i];
		struct cmd_def *def = &d->defs[d->ndefs];

		def->node = kld_xstrdup(c->node);
		def->syntax = kld_xstrdup(c->syntax);
		def->help = vtysh_join_help(c);
		def->enters = c->enters[0] ? kld_xstrdup(c->enters) : NULL;
		def->flags = c->hidden ? CMD_HIDDEN : 0;
		d->ndefs++;
		/* A syntax this shell cannot parse stays unusable, not fatal. */
		cmd_tree_add(d->tree, def);
	}
}

static void vtysh_connect(struct vtysh *v, struct vtysh_daemon *d)
{
	Kld__Envelope req = KLD__ENVELOPE__INIT;
	Kld__VtyDescribeRequest dr = KLD__VTY_DESCRIBE_REQUEST__INIT;
	Kld__Envelope *reply;
	char path[4200];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s.vty", v->rundir, d->name);
	d->socket_present = stat(path, &st) == 0;
	d->fd = kld_sync_connect(path, "vtysh", VTYSH_CONNECT_MS, NULL, 0);
	if (d->fd < 0)
		return;
	req.body_case = KLD__ENVELOPE__BODY_VTY_DESCRIBE_REQUEST;
	req.vty_describe_request = &dr;
	reply = kld_sync_request(d->fd, &req, VTYSH_CONNECT_MS);
	if (!reply || reply->body_case != KLD__ENVELOPE__BODY_VTY_DESCRIBE) {
		kld_frame_free(reply);
		vtysh_daemon_reset(d);
		return;
	}
	vtysh_load_tree(d, reply->vty_describe);
	kld_frame_free(reply);
	v->own_hooks.nodes(v);
}

static bool vtysh_up(const struct vtysh_daemon *d)
{
	return (d->fd >= 0 || d->described) && d->tree;
}

/* Output of `path --describe`, or NULL. */
static uint8_t *vtysh_run_describe(const char *path, size_t *len)
{
	char *argv[] = { (char *)path, (char *)"--describe", NULL };
	posix_spawn_file_actions_t fa;
	struct kld_buf out;
	int pfd[2], status;
	char chunk[8192];
	ssize_t r;
	pid_t pid;

	if (access(path, X_OK) < 0 || pipe(pfd) < 0)
		return NULL;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], STDOUT_FILENO);
	posix_spawn_file_actions_addclose(&fa, pfd[0]);
	if (posix_spawn(&pid, path, &fa, NULL, argv, environ) != 0)
		pid = -1;
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	kld_buf_init(&out);
	while (pid > 0 && ((r = read(pfd[0], chunk, sizeof(chunk))) > 0 || (r < 0 && errno == EINTR)))
		if (r > 0)
			kld_buf_append(&out, chunk, (size_t)r);
	close(pfd[0]);
	if (pid < 0 || waitpid(pid, &status, 0) < 0 || !WIFEXITED(status) ||
	    WEXITSTATUS(status) != 0) {
		kld_buf_free(&out);
		return NULL;
	}
	*len = out.len;
	return (uint8_t *)kld_buf_steal(&out);
}

/*
 * vtysh -C: the trees of the daemons that do not run come from their
 * binaries (`DAEMON --describe` prints what the running daemon would
 * describe), so a file is checked before any daemon runs. A daemon with
 * neither has no commands: its lines are errors, and the summary names it.
 */
void vtysh_describe_all(struct vtysh *v, const char *dir)
{
	for (size_t i = 0; i < v->ndaemons; i++) {
		struct vtysh_daemon *d = &v->daemons[i];
		Kld__VtyDescribe *desc;
		char path[4200];
		uint8_t *raw;
		size_t len = 0;

		if (vtysh_up(d))
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->name);
		raw = vtysh_run_describe(path, &len);
		desc = raw ? kld__vty_describe__unpack(NULL, len, raw) : NULL;
		free(raw);
		if (!desc) {
			snprintf(v->undescribed + strlen(v->undescribed),
				 sizeof(v->undescribed) - strlen(v->undescribed), "%s%s",
				 *v->undescribed ? ", " : "", path);
			continue;
		}
		vtysh_load_tree(d, desc);
		kld__vty_describe__free_unpacked(desc, NULL);
		d->described = true;
	}
	v->own_hooks.nodes(v);
}

void vtysh_connect_all(struct vtysh *v)
{
	for (size_t i = 0; i < v->ndaemons; i++)
		vtysh_connect(v, &v->daemons[i]);
}

/* Between two lines nothing is due from a daemon: an idle connection that
 * is readable or hung up was closed by a daemon that went away. */
static bool vtysh_conn_stale(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

/* A daemon restarted during a session comes back into it: before each line
 * the shell replaces closed connections and retries the daemons it does not
 * have (a refused connect to a socket file costs microseconds; no socket
 * file, no attempt). */
static void vtysh_reconnect_missing(struct vtysh *v)
{
	char path[4200];
	struct stat st;

	for (size_t i = 0; i < v->ndaemons; i++) {
		struct vtysh_daemon *d = &v->daemons[i];

		if (d->fd >= 0 && vtysh_conn_stale(d->fd))
			vtysh_daemon_reset(d);
		if (d->fd >= 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s.vty", v->rundir, d->name);
		if (stat(path, &st) == 0)
			vtysh_connect(v, d);
	}
}

/* ---- node stack ---- */

const char *vtysh_node(const struct vtysh *v)
{
	return v->node[v->depth];
}

static bool vtysh_in_config(const struct vtysh *v)
{
	return strcmp(v->node[0], "view") != 0;
}

void vtysh_pop_to(struct vtysh *v, size_t depth)
{
	while (v->depth > depth) {
		v->depth--;
		free(v->line[v->depth]);
		v->line[v->depth] = NULL;
	}
}

static void vtysh_push(struct vtysh *v, const char *line, const char *node)
{
	if (v->depth >= VTYSH_MAX_DEPTH)
		return;
	v->line[v->depth++] = kld_xstrdup(line);
	v->node[v->depth] = node;
}

/* Node names live in the daemons' trees; keep one stable copy each. */
const char *vtysh_intern_node(const char *name)
{
	static char *names[64];

	for (size_t i = 0; i < KLD_ARRAY_SIZE(names) && names[i]; i++)
		if (!strcmp(names[i], name))
			return names[i];
	for (size_t i = 0; i < KLD_ARRAY_SIZE(names); i++)
		if (!names[i])
			return names[i] = kld_xstrdup(name);
	return "config";
}

/* The configured hostname, as zebra-lite has it; the system's without it. */
static void vtysh_hostname(struct vtysh *v, char *host, size_t size)
{
	struct vtysh_daemon *zebra = &v->daemons[0];
	struct kld_buf out;

	gethostname(host, size - 1);
	if (zebra->fd < 0)
		return;
	kld_buf_init(&out);
	if (vtysh_exec_on(v, zebra, "view", "show hostname", &out, NULL) ==
	    KLD__VTY_STATUS__VTY_OK && out.len > 1)
		snprintf(host, size, "%.*s", (int)strcspn(out.data, "\n"), out.data);
	kld_buf_free(&out);
}

void vtysh_prompt(struct vtysh *v, char *buf, size_t size)
{
	static const struct { const char *node, *prompt; } prompts[] = {
		{ "config", "(config)" },	   { "interface", "(config-if)" },
		{ "bgp", "(config-router)" },	   { "bgp-af-ipv4", "(config-router-af)" },
		{ "bgp-af-ipv6", "(config-router-af)" }, { "route-map", "(config-route-map)" },
	};
	const char *node = vtysh_node(v), *suffix = NULL;
	char host[64] = "kldnet", generic[80];

	vtysh_hostname(v, host, sizeof(host));
	for (size_t i = 0; i < KLD_ARRAY_SIZE(prompts); i++)
		if (!strcmp(prompts[i].node, node))
			suffix = prompts[i].prompt;
	if (!suffix && vtysh_in_config(v)) {
		snprintf(generic, sizeof(generic), "(config-%s)", node);
		suffix = generic;
	}
	snprintf(buf, size, "%s%s# ", host, suffix ? suffix : "");
}

/* ---- matching ---- */

struct vtysh_match {
	char *line;      /* the line as matched: abbreviations expanded */
	char *ambiguous_word; /* cmd_expand's message, when a word was */
	bool own;
	bool owners[VTYSH_NDAEMONS];
	size_t nowners;
	bool incomplete, ambiguous;
	size_t err_pos;
	/* the tree and node that got furthest: they can say why they refused */
	const struct cmd_tree *err_tree;
	const char *err_node;
};

static void vtysh_match_tree(const struct cmd_tree *t, const char *node, const char *line,
			     struct vtysh_match *m, bool *owner)
{
	const struct cmd_def *def;
	struct cmd_args *args = NULL;
	size_t pos = 0;
	enum cmd_match_result r = cmd_tree_match(t, node, line, &def, &args, &pos);

	cmd_args_free(args);
	if (r == CMD_MATCH) {
		*owner = true;
		m->nowners++;
	} else if (r == CMD_INCOMPLETE) {
		m->incomplete = true;
	} else if (r == CMD_AMBIGUOUS) {
		m->ambiguous = true;
	} else if (r == CMD_NO_MATCH && pos > m->err_pos) {
		m->err_pos = pos;
		m->err_tree = t;
		m->err_node = node;
	}
}

/* The shell's tree and every running daemon's: what a line may mean. */
size_t vtysh_trees(const struct vtysh *v, const struct cmd_tree **trees)
{
	size_t n = 0;

	trees[n++] = v->own;
	for (size_t i = 0; i < v->ndaemons; i++)
		if (vtysh_up(&v->daemons[i]))
			trees[n++] = v->daemons[i].tree;
	return n;
}

int vtysh_expand(const struct vtysh *v, const char *node, const char *line, char **out)
{
	const struct cmd_tree *trees[VTYSH_NDAEMONS + 1];

	return cmd_expand(trees, vtysh_trees(v, trees), node, line, out);
}

static void vtysh_match_free(struct vtysh_match *m)
{
	free(m->line);
	free(m->ambiguous_word);
	m->line = m->ambiguous_word = NULL;
}

static void vtysh_match(const struct vtysh *v, const char *node, const char *line,
			struct vtysh_match *m)
{
	char *full;

	memset(m, 0, sizeof(*m));
	if (vtysh_expand(v, node, line, &full) < 0) {
		m->ambiguous_word = full;
		m->line = kld_xstrdup(line);
		return;
	}
	m->line = full;
	vtysh_match_tree(v->own, node, full, m, &m->own);
	for (size_t i = 0; i < v->ndaemons; i++)
		if (vtysh_up(&v->daemons[i]))
			vtysh_match_tree(v->daemons[i].tree, node, full, m, &m->owners[i]);
}

/* The tree a down daemon left beside its socket when it last ran
 * (lib/vty.c); false when there is none or it does not parse. */
static bool vtysh_load_saved(const struct vtysh *v, struct vtysh_daemon *d)
{
	char path[4200], chunk[4096];
	Kld__VtyDescribe *desc;
	struct kld_buf b;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "%s/%s.vty.commands", v->rundir, d->name);
	f = fopen(path, "re");
	if (!f)
		return false;
	kld_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kld_buf_append(&b, chunk, n);
	fclose(f);
	desc = kld__vty_describe__unpack(NULL, b.len, (const uint8_t *)b.data);
	kld_buf_free(&b);
	if (!desc)
		return false;
	vtysh_load_tree(d, desc);
	kld__vty_describe__free_unpacked(desc, NULL);
	return true;
}

/* Would the down daemon have taken the line, here or in a node above? */
static bool vtysh_down_owns(const struct vtysh *v, const struct vtysh_daemon *down,
			    const char *line)
{
	struct vtysh_daemon saved = { .name = down->name, .fd = -1 };
	bool owns = false;

	if (!vtysh_load_saved(v, &saved))
		return false;
	for (size_t d = v->depth + 1; d-- > 0 && !owns;) {
		enum cmd_match_result r = cmd_tree_match(saved.tree, v->node[d], line, NULL, NULL, NULL);

		owns = r == CMD_MATCH || r == CMD_INCOMPLETE || r == CMD_AMBIGUOUS;
		if (!vtysh_in_config(v))
			break;
	}
	vtysh_daemon_reset(&saved);
	return owns;
}

/* Down daemons are named only when the line is theirs: a daemon that
 * never ran here (no saved tree), or whose commands do not include the
 * line, has nothing to do with the error. */
static void vtysh_report_down(const struct vtysh *v, const char *line)
{
	/* In the words of `show daemons`: a socket left behind by a killed
	 * daemon is "not answering", none at all "not running". */
	struct kld_buf b[2];

	kld_buf_init(&b[0]);
	kld_buf_init(&b[1]);
	for (size_t i = 0; i < v->ndaemons; i++) {
		const struct vtysh_daemon *d = &v->daemons[i];
		struct kld_buf *o = &b[d->socket_present];

		if (!vtysh_up(d) && vtysh_down_owns(v, d, line))
			kld_buf_printf(o, "%s%s", o->len ? ", " : "", d->name);
	}
	if (b[0].len)
		printf("%% Not running: %s (their commands are unavailable)\n", b[0].data);
	if (b[1].len)
		printf("%% Not answering: %s (their commands are unavailable)\n", b[1].data);
	kld_buf_free(&b[0]);
	kld_buf_free(&b[1]);
}

/* A line a running daemon recognised up to a bad value (`listen-port
 * 70000`) gets the reason; an unknown one the caret, and the down daemons
 * whose saved trees would have taken it. */
static void vtysh_report_error(const struct vtysh *v, const char *line,
			       const struct vtysh_match *m)
{
	char why[256];
	if (m->ambiguous) {
		printf("%% Ambiguous command: %s\n", line);
		return;
	}
	if (m->incomplete) {
		printf("%% Command incomplete: %s\n", line);
		return;
	}
	if (m->err_tree && cmd_tree_explain(m->err_tree, m->err_node, line, why, sizeof(why)) == 0) {
		printf("%% %s\n", why);
		return;
	}
	printf("%% Unknown command: %s\n", line);
	printf("%*s^\n", (int)(strlen("% Unknown command: ") + m->err_pos), "");
	vtysh_report_down(v, line);
}

/* ---- execution ---- */

static int vtysh_run_own(struct vtysh *v, const char *line)
{
	const char *enters = NULL;
	struct kld_buf out;
	int rc;

	kld_buf_init(&out);
	rc = vty_execute(v->own, v, vtysh_node(v), NULL, 0, line, false, &out, &enters, NULL);
	vtysh_out(v, out.data ? out.data : "");
	kld_buf_free(&out);
	if (rc == KLD__VTY_STATUS__VTY_OK && enters) {
		/* The shell's own node changes are mode changes, not context. */
		vtysh_pop_to(v, 0);
		v->node[0] = enters;
	}
	return rc == KLD__VTY_STATUS__VTY_OK ? 0 : 1;
}

static void vtysh_chunk(struct vtysh *v, const Kld__VtyResult *r, struct kld_buf *out)
{
	if (out)
		kld_buf_puts(out, r->output);
	else
		vtysh_out(v, r->output);
}

int vtysh_exec_on(struct vtysh *v, struct vtysh_daemon *d, const char *root,
		  const char *line, struct kld_buf *out, const char **enters)
{
	Kld__Envelope req = KLD__ENVELOPE__INIT;
	Kld__VtyExec ex = KLD__VTY_EXEC__INIT;
	Kld__Envelope *r;
	int status = -1;
	bool more;

	ex.node = (char *)root;
	ex.context = strcmp(root, "view") ? v->line : NULL;
	ex.n_context = strcmp(root, "view") ? v->depth : 0;
	ex.line = (char *)line;
	req.body_case = KLD__ENVELOPE__BODY_VTY_EXEC;
	req.vty_exec = &ex;
	r = kld_sync_request(d->fd, &req, VTYSH_EXEC_MS);
	do {
		if (!r || r->body_case != KLD__ENVELOPE__BODY_VTY_RESULT || r->seq != req.seq) {
			kld_frame_free(r);
			/* The daemon went away mid-session: forget it, say so. */
			printf("%% %s did not answer: %s\n", d->name, strerror(errno));
			vtysh_daemon_reset(d);
			return -1;
		}
		vtysh_chunk(v, r->vty_result, out);
		more = r->vty_result->more;
		status = r->vty_result->status;
		if (enters && r->vty_result->enters[0])
			*enters = vtysh_intern_node(r->vty_result->enters);
		kld_frame_free(r);
		r = more ? kld_sync_recv(d->fd, VTYSH_EXEC_MS) : NULL;
	} while (more);
	fflush(stdout);
	return status;
}

static int vtysh_run_daemons(struct vtysh *v, const char *line, const struct vtysh_match *m)
{
	const char *enters = NULL;
	int rc = 0;

	for (size_t i = 0; i < v->ndaemons; i++) {
		const char *entered = NULL;
		int status;

		if (!m->owners[i])
			continue;
		status = vtysh_exec_on(v, &v->daemons[i], v->node[0], line, NULL, &entered);
		if (status != KLD__VTY_STATUS__VTY_OK)
			rc = 1;
		else if (entered && !enters)
			enters = entered;
	}
	if (enters)
		vtysh_push(v, line, enters);
	return rc;
}

/* Find the depth at which the line matches: the current node, or in
 * configuration the nodes above it. */
static bool vtysh_find_depth(struct vtysh *v, const char *line, struct vtysh_match *m,
			     size_t *depth)
{
	struct vtysh_match here;

	vtysh_match(v, vtysh_node(v), line, &here);
	*m = here;
	*depth = v->depth;
	if (here.own || here.nowners)
		return true;
	for (size_t d = v->depth; d-- > 0 && vtysh_in_config(v);) {
		vtysh_match(v, v->node[d], line, m);
		if (m->own || m->nowners) {
			*depth = d;
			vtysh_match_free(&here);
			return true;
		}
		vtysh_match_free(m);
	}
	*m = here;
	return false;
}

static int vtysh_builtin(struct vtysh *v, char **words, const size_t *offs, size_t n,
			 const char *line, int *rc)
{
	if (n == 1 && (!strcmp(words[0], "exit") || !strcmp(words[0], "quit"))) {
		if (v->depth > 0)
			vtysh_pop_to(v, v->depth - 1);
		else if (vtysh_in_config(v))
			v->node[0] = "view";
		else
			v->quit = true;
		return 1;
	}
	/* FRR's closers of sub-nodes: back to the node above, like `exit`, but
	 * never out of configuration. */
	if (n == 1 && (!strcmp(words[0], "exit-address-family") || !strcmp(words[0], "exit-vrf") ||
		       !strcmp(words[0], "exit-vni"))) {
		if (v->depth > 0)
			vtysh_pop_to(v, v->depth - 1);
		return 1;
	}
	if (n == 1 && !strcmp(words[0], "end")) {
		vtysh_pop_to(v, 0);
		v->node[0] = "view";
		return 1;
	}
	if (n > 1 && !strcmp(words[0], "do") && vtysh_in_config(v)) {
		const char *saved = v->node[0];
		size_t saved_depth = v->depth;

		/* `do` runs an exec command without leaving the node. */
		v->depth = 0;
		v->node[0] = "view";
		*rc = vtysh_execute(v, line + offs[1]);
		v->node[0] = saved;
		v->depth = saved_depth;
		return 1;
	}
	return 0;
}

/* A daemon's own part of the running configuration, or NULL. */
char *vtysh_daemon_running(struct vtysh *v, struct vtysh_daemon *d)
{
	struct kld_buf out;

	kld_buf_init(&out);
	if (vtysh_exec_on(v, d, "view", "show running-config", &out, NULL) !=
	    KLD__VTY_STATUS__VTY_OK) {
		kld_buf_free(&out);
		return NULL;
	}
	return kld_buf_steal(&out);
}

/* The AS of the one BGP instance bgpd has, or 0. */
static unsigned long vtysh_bgp_instance(struct vtysh *v)
{
	struct vtysh_daemon *bgpd = &v->daemons[VTYSH_NDAEMONS - 1];
	char *text = bgpd->fd >= 0 ? vtysh_daemon_running(v, bgpd) : NULL, *p;
	unsigned long as = 0;
	int found = 0;

	for (p = text; p && (p = strstr(p, "router bgp ")); p++)
		if (p == text || p[-1] == '\n')
			found += sscanf(p, "router bgp %lu", &as) == 1;
	free(text);
	return found == 1 ? as : 0;
}

/* FRR: `router bgp` without the AS enters the instance there is. */
static char *vtysh_router_bgp(struct vtysh *v, const char *line)
{
	char *full, **words, *out = NULL;
	size_t *offs, n;
	unsigned long as;

	if (!vtysh_in_config(v) || vtysh_expand(v, "config", line, &full) < 0)
		return NULL;
	n = cmd_split(full, &words, &offs);
	if (n == 2 && !strcmp(words[0], "router") && !strcmp(words[1], "bgp") &&
	    (as = vtysh_bgp_instance(v)) != 0 && asprintf(&out, "router bgp %lu", as) < 0)
		abort();
	cmd_words_free(words, offs, n);
	free(full);
	return out;
}

static int vtysh_execute_full(struct vtysh *v, const char *line)
{
	struct vtysh_match m;
	size_t depth;
	char *bgp;
	int rc;

	bgp = vtysh_router_bgp(v, line);
	if (bgp) {
		rc = vtysh_execute_full(v, bgp);
		free(bgp);
		return rc;
	}
	if (!vtysh_find_depth(v, line, &m, &depth)) {
		vtysh_report_error(v, m.line, &m); /* err_pos is in the expanded line */
		vtysh_match_free(&m);
		return 1;
	}
	vtysh_pop_to(v, depth);
	rc = m.own ? vtysh_run_own(v, m.line) : vtysh_run_daemons(v, m.line, &m);
	vtysh_match_free(&m);
	return rc;
}

/* The shell's own words (end, exit, do) are matched after abbreviations
 * are expanded at the current node, so `en` is `end` as in FRR. */
static int vtysh_execute_line(struct vtysh *v, const char *line)
{
	char **words, *full;
	size_t *offs, n;
	int rc = 0;

	vtysh_reconnect_missing(v);
	if (vtysh_expand(v, vtysh_node(v), line, &full) < 0) {
		printf("%s\n", full);
		free(full);
		return 1;
	}
	n = cmd_split(full, &words, &offs);
	if (n == 0 || vtysh_builtin(v, words, offs, n, full, &rc)) {
		cmd_words_free(words, offs, n);
		free(full);
		return rc;
	}
	cmd_words_free(words, offs, n);
	free(full);
	return vtysh_execute_full(v, line);
}

int vtysh_execute(struct vtysh *v, const char *line)
{
	struct vtysh_pipe pipe;
	char *cmd;
	int rc;

	if (!vtysh_pipe_parse(v, line, &cmd, &pipe))
		return vtysh_execute_line(v, line);
	if (pipe.error) {
		printf("%s\n", pipe.error);
		vtysh_pipe_free(&pipe);
		free(cmd);
		return 1;
	}
	vtysh_pipe_begin(v, &pipe);
	rc = vtysh_execute_line(v, cmd);
	vtysh_pipe_end(v, &pipe, rc != 0);
	free(cmd);
	return rc;
}

/* Words typed short before the one being completed (`sh ip ro<TAB>`) are
 * read as their full keywords, as the line would be run; the last word is
 * left as typed, it is the one to complete. */
static char *vtysh_complete_line(const struct vtysh *v, const char *line)
{
	size_t cut = strlen(line);
	struct kld_buf b;
	char *head, *full;

	while (cut && !isspace((unsigned char)line[cut - 1]))
		cut--;
	head = kld_xstrdup(line);
	head[cut] = '\0';
	if (!cut || vtysh_expand(v, vtysh_node(v), head, &full) < 0) {
		if (cut)
			free(full);
		free(head);
		return kld_xstrdup(line);
	}
	kld_buf_init(&b);
	kld_buf_printf(&b, "%s %s", full, line + cut);
	free(full);
	free(head);
	return kld_buf_steal(&b);
}

size_t vtysh_complete(struct vtysh *v, const char *line_typed, struct cmd_completion **out)
{
	char *line = vtysh_complete_line(v, line_typed);
	struct cmd_completion *all = NULL;
	size_t n = 0;

	/* The shell's own commands first: where a daemon has the same word
	 * (`show version`), the shell runs it, so its help is the one shown. */
	for (size_t i = 0; i <= v->ndaemons; i++) {
		const struct cmd_tree *t = i == 0 ? v->own : v->daemons[i - 1].tree;
		struct cmd_completion *c;
		size_t k;

		if (!t)
			continue;
		k = cmd_tree_complete(t, vtysh_node(v), line, &c);
		for (size_t j = 0; j < k; j++) {
			bool dup = false;

			for (size_t x = 0; x < n && !dup; x++)
				dup = !strcmp(all[x].token, c[j].token);
			if (dup)
				continue;
			all = kld_xrealloc(all, (n + 1) * sizeof(*all));
			all[n].token = kld_xstrdup(c[j].token);
			all[n].help = kld_xstrdup(c[j].help);
			all[n++].is_keyword = c[j].is_keyword;
		}
		cmd_completions_free(c, k);
	}
	free(line);
	*out = all;
	return n;
}

/* The shell's own commands (vtysh_config.c, a floor above this file)
 * come through the caller's hooks, not a call up. */
void vtysh_init(struct vtysh *v, const char *rundir, const char *config,
		const struct vtysh_own_hooks *own)
{
	memset(v, 0, sizeof(*v));
	snprintf(v->rundir, sizeof(v->rundir), "%s", rundir);
	snprintf(v->config, sizeof(v->config), "%s", config);
	v->ndaemons = VTYSH_NDAEMONS;
	v->daemons = kld_xcalloc(v->ndaemons, sizeof(*v->daemons));
	for (size_t i = 0; i < v->ndaemons; i++) {
		v->daemons[i].name = vtysh_daemon_names[i];
		v->daemons[i].fd = -1;
	}
	v->node[0] = "view";
	v->term_length = -1;
	v->own = cmd_tree_new();
	v->own_hooks = *own;
	v->own_hooks.install(v->own);
	v->own_hooks.nodes(v);
}

void vtysh_free(struct vtysh *v)
{
	for (size_t i = 0; i < v->ndaemons; i++)
		vtysh_daemon_reset(&v->daemons[i]);
	free(v->daemons);
	vtysh_pop_to(v, 0);
	cmd_tree_free(v->own);
	for (size_t i = 0; i < v->nnode_cmds; i++)
		free(v->node_cmds[i]);
}
