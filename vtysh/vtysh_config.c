/*
 * vtysh's own commands: configure terminal, the merged running
 * configuration, write memory, show daemons, and applying a file (-b, -f).
 *
 * Merging the daemons' parts is vtysh_merge.c's.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "config.h"
#include "ipc_sync.h"
#include "util.h"
#include "vty.h"
#include "vtysh.h"
#include "vtysh_merge.h"


/* A daemon's reasons not to save its part now (KLD_CONFIG_UNSAVED lines),
 * one per line into unsaved. */
static void vtysh_unsaved_reasons(const char *text, struct kld_buf *unsaved)
{
	size_t ml = strlen(KLD_CONFIG_UNSAVED);

	for (const char *l = text; l && *l; l = strchr(l, '\n') ? strchr(l, '\n') + 1 : NULL)
		if (!strncmp(l, KLD_CONFIG_UNSAVED, ml))
			kld_buf_printf(unsaved, "%% Not saved: %.*s\n", (int)strcspn(l + ml, "\n"),
				       l + ml);
}

/* The merged configuration. missing (may be NULL) collects the daemons
 * that are in use but did not answer; unsaved (may be NULL) the reasons
 * daemons give not to save it now. */
static char *vtysh_running_config(struct vtysh *v, struct kld_buf *missing,
				  struct kld_buf *unsaved)
{
	struct vtysh_merge *m = vtysh_merge_new();
	struct kld_buf out;

	kld_buf_init(&out);
	kld_buf_printf(&out, "! %s\n!\n", PACKAGE_STRING);
	for (size_t i = 0; i < v->ndaemons; i++) {
		struct vtysh_daemon *d = &v->daemons[i];
		char *text = d->fd >= 0 ? vtysh_daemon_running(v, d) : NULL;

		if (!text && d->socket_present && missing)
			kld_buf_printf(missing, "%s%s", missing->len ? ", " : "", d->name);
		if (text && unsaved)
			vtysh_unsaved_reasons(text, unsaved);
		if (text)
			vtysh_merge_add(m, text);
		free(text);
	}
	vtysh_merge_write(m, &out);
	vtysh_merge_free(m);
	kld_buf_puts(&out, "end\n");
	return kld_buf_steal(&out);
}

static int vtysh_cmd_show_running(struct vty *vty, const struct cmd_args *args)
{
	struct kld_buf missing;
	char *text;

	kld_buf_init(&missing);
	text = vtysh_running_config(vty->arg, &missing, NULL);
	vty_out(vty, "Building configuration...\n\nCurrent configuration:\n");
	if (missing.len)
		vty_out(vty, "! not running, configuration not shown: %s\n", missing.data);
	vty_out(vty, "%s", text);
	free(text);
	kld_buf_free(&missing);
	return CMD_SUCCESS;
}

static int vtysh_cmd_write_memory(struct vty *vty, const struct cmd_args *args)
{
	struct vtysh *v = vty->arg;
	struct kld_buf missing, unsaved;
	char *text;
	int rc = CMD_SUCCESS;

	kld_buf_init(&missing);
	kld_buf_init(&unsaved);
	text = vtysh_running_config(v, &missing, &unsaved);
	vty_out(vty, "Building Configuration...\n");
	if (missing.len) {
		/* Writing now would silently drop those daemons' configuration. */
		vty_out(vty, "%% Not saved: %s in use but not answering\n", missing.data);
		rc = CMD_WARNING;
	} else if (unsaved.len) {
		vty_out(vty, "%s", unsaved.data); /* e.g. an unconfirmed firewall change */
		rc = CMD_WARNING;
	} else if (kld_config_write_atomic(v->config, text) < 0) {
		vty_out(vty, "%% Cannot write %s: %s\n", v->config, strerror(errno));
		rc = CMD_WARNING;
	} else {
		vty_out(vty, "Configuration saved to %s\n[OK]\n", v->config);
	}
	free(text);
	kld_buf_free(&missing);
	kld_buf_free(&unsaved);
	return rc;
}

/* One word for a daemon's state, so `show daemons` and `show version` agree. */
static const char *vtysh_daemon_state(const struct vtysh_daemon *d)
{
	if (d->fd >= 0)
		return "running";
	return d->socket_present ? "not answering" : "not running";
}

static int vtysh_cmd_show_daemons(struct vty *vty, const struct cmd_args *args)
{
	struct vtysh *v = vty->arg;

	for (size_t i = 0; i < v->ndaemons; i++)
		vty_out(vty, " %-12s %s\n", v->daemons[i].name, vtysh_daemon_state(&v->daemons[i]));
	return CMD_SUCCESS;
}

/* Every command of every running daemon, by node (FRR's `list`, for all
 * nodes at once): what a configuration may hold. */
static int vtysh_cmd_show_commands(struct vty *vty, const struct cmd_args *args)
{
	struct vtysh *v = vty->arg;

	for (size_t i = 0; i < v->ndaemons; i++) {
		const struct vtysh_daemon *d = &v->daemons[i];

		for (size_t j = 0; j < d->ndefs; j++)
			if (!(d->defs[j].flags & CMD_HIDDEN))
				vty_out(vty, "%s %s: %s%s%s\n", d->name, d->defs[j].node,
					d->defs[j].syntax, d->defs[j].enters ? " -> " : "",
					d->defs[j].enters ? d->defs[j].enters : "");
	}
	return CMD_SUCCESS;
}

static int vtysh_cmd_configure(struct vty *vty, const struct cmd_args *args)
{
	return CMD_SUCCESS;
}

/* One daemon's part, as it has it (FRR's `show running-config bgpd`). */
static int vtysh_cmd_show_running_daemon(struct vty *vty, const struct cmd_args *args)
{
	struct vtysh *v = vty->arg;
	const char *name = cmd_arg(args, "daemon");

	for (size_t i = 0; i < v->ndaemons; i++) {
		struct vtysh_daemon *d = &v->daemons[i];
		char *text;

		if (strcmp(d->name, name))
			continue;
		text = d->fd >= 0 ? vtysh_daemon_running(v, d) : NULL;
		if (!text) {
			vty_out(vty, "%% %s is not running\n", name);
			return CMD_WARNING;
		}
		vty_out(vty, "%s", text);
		free(text);
	}
	return CMD_SUCCESS;
}

/* The shell's own answer: it holds whatever daemon is down. */
static int vtysh_cmd_show_version(struct vty *vty, const struct cmd_args *args)
{
	struct vtysh *v = vty->arg;
	struct utsname u;

	uname(&u);
	vty_out(vty, "%s.\nRunning on %s %s (%s).\n", PACKAGE_STRING, u.sysname, u.release,
		u.machine);
	for (size_t i = 0; i < v->ndaemons; i++) {
		const struct vtysh_daemon *d = &v->daemons[i];

		vty_out(vty, " %-12s %s\n", d->name,
			d->fd >= 0 && d->version ? d->version : vtysh_daemon_state(d));
	}
	return CMD_SUCCESS;
}

static int vtysh_cmd_terminal_length(struct vty *vty, const struct cmd_args *args)
{
	struct vtysh *v = vty->arg;

	v->term_length = cmd_has(args, "no") ? -1 : (int)cmd_arg_int(args, "lines", 0);
	return CMD_SUCCESS;
}

/* Daemons log to the journal or syslog, not to the shell's terminal. */
static int vtysh_cmd_terminal_monitor(struct vty *vty, const struct cmd_args *args)
{
	vty_out(vty, "%% Logs are not sent to vtysh; follow them with: "
		     "journalctl -f -u 'kldnet*' -u zebra-lite -u bgpd\n");
	return CMD_SUCCESS;
}

/* end, exit, do: the shell runs them itself (vtysh_builtin); these
 * entries put them in `?`, TAB and abbreviations. */
static int vtysh_cmd_builtin(struct vty *vty, const struct cmd_args *args)
{
	return CMD_SUCCESS;
}

static const struct cmd_def vtysh_own_cmds[] = {
	{ "view", "configure [terminal]", "Configuration from vty interface\nConfiguration terminal\n",
	  vtysh_cmd_configure, "config", 0 },
	{ "view", "show running-config", "Show running system information\nCurrent operating configuration\n",
	  vtysh_cmd_show_running, NULL, 0 },
	{ "view", "write terminal", "Write running configuration to memory, network, or terminal\nWrite to terminal\n",
	  vtysh_cmd_show_running, NULL, 0 },
	{ "view", "write [memory|file]", "Write running configuration to memory, network, or terminal\nWrite configuration to the file (same as write file)\nWrite configuration to the file\n",
	  vtysh_cmd_write_memory, NULL, 0 },
	{ "view", "copy running-config startup-config", "Copy from one file to another\nCopy from current system configuration\nCopy to startup configuration\n",
	  vtysh_cmd_write_memory, NULL, 0 },
	{ "view", "show daemons", "Show running system information\nShow list of running daemons\n",
	  vtysh_cmd_show_daemons, NULL, 0 },
	{ "view", "show commands", "Show running system information\nEvery command of every running daemon, by node\n",
	  vtysh_cmd_show_commands, NULL, 0 },
	{ "view", "show running-config <zebra-lite|wgd|vxland|fwd|bgpd>$daemon",
	  "Show running system information\nCurrent operating configuration\nFor the zebra-lite daemon\nFor the wgd daemon\nFor the vxland daemon\nFor the fwd daemon\nFor the bgpd daemon\n",
	  vtysh_cmd_show_running_daemon, NULL, 0 },
	{ "view", "show version", "Show running system information\nDisplays kldnet and daemon versions\n",
	  vtysh_cmd_show_version, NULL, 0 },
	{ "view", "terminal length (0-512)$lines", "Set terminal line parameters\nSet number of lines on a screen\nNumber of lines on screen (0 for no pausing)\n",
	  vtysh_cmd_terminal_length, NULL, 0 },
	{ "view", "no terminal length", "Negate a command or set its defaults\nSet terminal line parameters\nSet number of lines on a screen\n",
	  vtysh_cmd_terminal_length, NULL, 0 },
	{ "view", "terminal monitor", "Set terminal line parameters\nCopy debug output to the current terminal line\n",
	  vtysh_cmd_terminal_monitor, NULL, 0 },
	{ "view", "exit", "Exit current mode and down to previous mode\n", vtysh_cmd_builtin, NULL, 0 },
	{ "view", "quit", "Exit current mode and down to previous mode\n", vtysh_cmd_builtin, NULL, 0 },
};

/* The shell's words in every configuration node. */
static const struct cmd_def vtysh_node_cmds[] = {
	{ NULL, "end", "End current mode and change to enable mode\n", vtysh_cmd_builtin, NULL, 0 },
	{ NULL, "exit", "Exit current mode and down to previous mode\n", vtysh_cmd_builtin, NULL, 0 },
	{ NULL, "quit", "Exit current mode and down to previous mode\n", vtysh_cmd_builtin, NULL, 0 },
	{ NULL, "do LINE...", "To run exec commands in config mode\nExec command\n", vtysh_cmd_builtin, NULL, 0 },
	{ NULL, "write [memory|file]", "Write running configuration to memory, network, or terminal\nWrite configuration to the file (same as write file)\nWrite configuration to the file\n",
	  vtysh_cmd_write_memory, NULL, 0 },
	{ NULL, "exit-address-family", "Exit from Address Family configuration mode\n", vtysh_cmd_builtin, NULL, 0 },
};

static bool vtysh_node_known(const struct vtysh *v, const char *node)
{
	for (size_t i = 0; i < v->nnode_cmds; i++)
		if (!strcmp(v->node_cmds[i][0].node, node))
			return true;
	return false;
}

/* Gives node the shell's words (exit-address-family only in the address
 * families); the defs live until vtysh_free. */
static void vtysh_own_add_node(struct vtysh *v, const char *node)
{
	size_t n = KLD_ARRAY_SIZE(vtysh_node_cmds);
	struct cmd_def *defs;

	if (!strcmp(node, "view") || vtysh_node_known(v, node) ||
	    v->nnode_cmds == KLD_ARRAY_SIZE(v->node_cmds))
		return;
	defs = kld_xcalloc(n, sizeof(*defs));
	memcpy(defs, vtysh_node_cmds, sizeof(vtysh_node_cmds));
	for (size_t i = 0; i < n; i++)
		defs[i].node = vtysh_intern_node(node);
	if (strncmp(node, "bgp-af", 6))
		n--;
	v->node_cmds[v->nnode_cmds++] = defs;
	cmd_tree_add_all(v->own, defs, n);
}

void vtysh_own_nodes(struct vtysh *v)
{
	vtysh_own_add_node(v, "config");
	for (size_t i = 0; i < v->ndaemons; i++)
		for (size_t j = 0; j < v->daemons[i].ndefs; j++)
			vtysh_own_add_node(v, v->daemons[i].defs[j].node);
}

/* ---- applying a file ---- */

/*
 * A file in FRR's layout, as FRR reads it: a line runs in the node the
 * lines above left open and, when no daemon has it there, in the nodes
 * above (so a flat file works: `router bgp 1`, `neighbor ...`, `exit`);
 * closers leave nodes. Indentation, where a block has it, closes the block
 * too: a line indented no deeper than the line that opened an indented
 * block is outside it. So FRR's own output, kldnet's, and files with
 * neither indentation nor closers all mean what they look like.
 *
 * The check pass decides each line's depth (its node) against every
 * daemon's tree; the run pass replays those depths on the shell's node
 * stack and sends each line as if typed.
 */

#define VTYSH_SKIP ((size_t)-1)

struct vtysh_open {
	unsigned indent;
	int kids_indent;  /* indentation of its first line, -1 before it */
	const char *node; /* NULL: an FRR-only block, passed over */
};

struct vtysh_apply {
	struct vtysh *v;
	struct vtysh_open open[VTYSH_MAX_DEPTH];
	size_t depth;
	size_t *at;    /* per line: the depth it runs at, or VTYSH_SKIP */
	bool *enters;  /* per line: it opens a node */
	bool explain;  /* print which command of which daemon takes each line */
	int errors;
	char *ambiguous; /* the current line's ambiguous word, as cmd_expand says */
};

/* FRR's lines that configure what kldnet does not have (its vty, its log
 * files, its daemons' services): a file copied from FRR keeps them, and
 * they are passed over with a warning. Everything else unknown is an
 * error. Words, matched from the start of the line. */
static const struct {
	const char *words;
	bool block; /* opens a node whose lines go with it */
} vtysh_frr_only[] = {
	{ "frr", false },	      { "service", false },	  { "no service", false },
	{ "log file", false },	      { "log stdout", false },	  { "log monitor", false },
	{ "log commands", false },    { "log timestamp", false }, { "log record-priority", false },
	{ "log facility", false },    { "no log", false },	  { "password", false },
	{ "enable password", false }, { "username", false },	  { "agentx", false },
	{ "no agentx", false },	      { "debug", false },	  { "no debug", false },
	{ "banner", false },	      { "no banner", false },	  { "line", true },
};

static int vtysh_frr_only_find(const char *text)
{
	for (size_t i = 0; i < KLD_ARRAY_SIZE(vtysh_frr_only); i++) {
		size_t n = strlen(vtysh_frr_only[i].words);

		if (!strncmp(text, vtysh_frr_only[i].words, n) && (!text[n] || text[n] == ' '))
			return (int)i;
	}
	return -1;
}

static const char *vtysh_open_node(const struct vtysh_apply *a, size_t depth)
{
	return depth == 0 ? "config" : a->open[depth - 1].node;
}

/* Whether a daemon takes the line in node; *enters gets the node it
 * opens. With explain, each daemon that takes it is named. */
static bool vtysh_apply_match(struct vtysh_apply *a, const char *node,
			      const struct kld_config_line *l, const char **enters)
{
	struct vtysh *v = a->v;
	bool found = false;
	char *text;

	if (!node)
		return false;
	/* abbreviations, as typed at the prompt */
	if (vtysh_expand(v, node, l->text, &text) < 0) {
		if (!a->ambiguous)
			a->ambiguous = text;
		else
			free(text);
		return false;
	}
	for (size_t i = 0; i < v->ndaemons; i++) {
		const struct cmd_def *def = NULL;
		struct cmd_args *args = NULL;

		if (v->daemons[i].tree &&
		    cmd_tree_match(v->daemons[i].tree, node, text, &def, &args, NULL) == CMD_MATCH) {
			if (!found && def->enters)
				*enters = vtysh_intern_node(def->enters);
			if (a->explain)
				printf("line %u: %s %s: %s\n", l->lineno, v->daemons[i].name, node,
				       def->syntax);
			found = true;
		}
		cmd_args_free(args);
	}
	free(text);
	return found;
}

/* A closer leaves the indented blocks that it is not inside, then one. */
static void vtysh_apply_closer(struct vtysh_apply *a, const struct kld_config_line *l)
{
	if (!strcmp(l->text, "end")) {
		a->depth = 0;
		return;
	}
	while (a->depth && a->open[a->depth - 1].kids_indent > (int)a->open[a->depth - 1].indent &&
	       a->open[a->depth - 1].indent > l->indent)
		a->depth--;
	if (a->depth)
		a->depth--;
}

/* Indentation: the line's first line decides whether a block is indented;
 * a line no deeper than an indented block's opening line is outside it. */
static void vtysh_apply_indent(struct vtysh_apply *a, const struct kld_config_line *l)
{
	struct vtysh_open *top = a->depth ? &a->open[a->depth - 1] : NULL;

	if (top && top->kids_indent < 0)
		top->kids_indent = (int)l->indent;
	while (a->depth) {
		top = &a->open[a->depth - 1];
		if (top->kids_indent <= (int)top->indent || l->indent > top->indent)
			break;
		a->depth--;
	}
}

static void vtysh_apply_push(struct vtysh_apply *a, const struct kld_config_line *l,
			     const char *node)
{
	if (a->depth >= VTYSH_MAX_DEPTH)
		return;
	a->open[a->depth++] = (struct vtysh_open){ .indent = l->indent, .kids_indent = -1,
						   .node = node };
}

/* A value a daemon's tree refuses (`dstport 70000`), explained as at the
 * prompt: the open node first, then the nodes above it. */
static bool vtysh_apply_explain(const struct vtysh_apply *a, const struct kld_config_line *l)
{
	const struct vtysh *v = a->v;
	char why[256];

	for (size_t d = a->depth + 1; d-- > 0;) {
		const char *node = vtysh_open_node(a, d);

		for (size_t i = 0; node && i < v->ndaemons; i++) {
			if (v->daemons[i].tree &&
			    cmd_tree_explain(v->daemons[i].tree, node, l->text, why, sizeof(why)) == 0) {
				printf("line %u: %% %s\n", l->lineno, why);
				return true;
			}
		}
	}
	return false;
}

/* No daemon has the line: an FRR-only line is passed over with a warning
 * (its block with it), a line inside such a block silently, the rest is
 * an error. */
static void vtysh_apply_unknown(struct vtysh_apply *a, const struct kld_config_line *l)
{
	int frr = vtysh_frr_only_find(l->text);

	if (a->depth && !a->open[a->depth - 1].node)
		return;
	if (frr < 0 && a->ambiguous) {
		printf("line %u: %s: %s\n", l->lineno, a->ambiguous, l->text);
		a->errors++;
		return;
	}
	if (frr < 0) {
		if (!vtysh_apply_explain(a, l))
			printf("line %u: %% Unknown command: %s\n", l->lineno, l->text);
		a->errors++;
		return;
	}
	/* Only the keywords: the rest may be a password. */
	printf("line %u: %% Warning: \"%s\" is FRR's, without meaning in kldnet: ignored\n",
	       l->lineno, vtysh_frr_only[frr].words);
	a->depth = 0;
	if (vtysh_frr_only[frr].block)
		vtysh_apply_push(a, l, NULL);
}

static void vtysh_apply_check(struct vtysh_apply *a, const struct kld_config_line *l, size_t i)
{
	const char *enters = NULL;
	size_t d;

	a->at[i] = VTYSH_SKIP;
	if (l->closer) {
		vtysh_apply_closer(a, l);
		return;
	}
	vtysh_apply_indent(a, l);
	/* The open node first, then the nodes above it, as FRR. */
	for (d = a->depth + 1; d-- > 0;)
		if (vtysh_apply_match(a, vtysh_open_node(a, d), l, &enters))
			break;
	if (d == VTYSH_SKIP)
		vtysh_apply_unknown(a, l);
	free(a->ambiguous);
	a->ambiguous = NULL;
	if (d == VTYSH_SKIP)
		return;
	a->depth = d;
	a->at[i] = d;
	a->enters[i] = enters != NULL;
	if (enters)
		vtysh_apply_push(a, l, enters);
}

/* Run: the shell's node stack is set to the line's depth, then the line
 * goes through the normal dispatch. A node that could not be entered takes
 * its lines with it (they would run in the wrong node). */
static void vtysh_apply_run(struct vtysh_apply *a, const struct kld_config_line *lines, size_t n)
{
	struct vtysh *v = a->v;
	size_t failed = VTYSH_SKIP;

	v->node[0] = "config";
	for (size_t i = 0; i < n; i++) {
		if (a->at[i] == VTYSH_SKIP || (failed != VTYSH_SKIP && a->at[i] > failed))
			continue;
		failed = VTYSH_SKIP;
		vtysh_pop_to(v, a->at[i]);
		if (vtysh_execute(v, lines[i].text) != 0) {
			printf("line %u: the command above failed: %s\n", lines[i].lineno,
			       lines[i].text);
			a->errors++;
		}
		if (a->enters[i] && v->depth != a->at[i] + 1)
			failed = a->at[i];
	}
	vtysh_pop_to(v, 0);
	v->node[0] = "view";
}

int vtysh_apply_file(struct vtysh *v, const char *path, bool dry_run, bool explain)
{
	char *text = kld_config_read_file(path);
	struct kld_config_line *lines;
	struct vtysh_apply a = { .v = v, .explain = explain };
	size_t n;

	if (!text) {
		printf("%% Cannot read %s: %s\n", path, strerror(errno));
		return 1;
	}
	n = kld_config_split_all(text, &lines);
	free(text);
	a.at = kld_xcalloc(n ? n : 1, sizeof(*a.at));
	a.enters = kld_xcalloc(n ? n : 1, sizeof(*a.enters));
	for (size_t i = 0; i < n; i++)
		vtysh_apply_check(&a, &lines[i], i);
	if (a.errors && *v->undescribed)
		printf("%% not running and not described (their commands were unknown): %s\n",
		       v->undescribed);
	if (a.errors)
		printf("%% %s: %d error(s), nothing applied\n", path, a.errors);
	else if (!dry_run)
		vtysh_apply_run(&a, lines, n);
	free(a.at);
	free(a.enters);
	kld_config_lines_free(lines, n);
	return a.errors ? 1 : 0;
}

void vtysh_own_install(struct cmd_tree *own)
{
	cmd_tree_add_all(own, vtysh_own_cmds, KLD_ARRAY_SIZE(vtysh_own_cmds));
}
