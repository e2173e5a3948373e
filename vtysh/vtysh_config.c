/*
 * vtysh's own commands: configure terminal, the merged running
 * configuration, write memory, show daemons, and applying a file (-b, -f).
 *
 * Merging: each daemon prints its part as top-level lines with their
 * indented children. Blocks with the same top-level line (an `interface
 * eth0` that two daemons configure, a `log syslog` line all of them print)
 * become one block, children in first-seen order without repeats.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "config.h"
#include "ipc_sync.h"
#include "util.h"
#include "vty.h"
#include "vtysh.h"

struct vtysh_block {
	char *head;
	char **children;
	size_t nchildren;
};

struct vtysh_merge {
	struct vtysh_block *blocks;
	size_t n;
};

static struct vtysh_block *vtysh_block_get(struct vtysh_merge *m, const char *head)
{
	for (size_t i = 0; i < m->n; i++)
		if (!strcmp(m->blocks[i].head, head))
			return &m->blocks[i];
	m->blocks = kld_xrealloc(m->blocks, (m->n + 1) * sizeof(*m->blocks));
	m->blocks[m->n] = (struct vtysh_block){ .head = kld_xstrdup(head) };
	return &m->blocks[m->n++];
}

static void vtysh_block_add(struct vtysh_block *b, const char *child)
{
	for (size_t i = 0; i < b->nchildren; i++)
		if (!strcmp(b->children[i], child))
			return;
	b->children = kld_xrealloc(b->children, (b->nchildren + 1) * sizeof(char *));
	b->children[b->nchildren++] = kld_xstrdup(child);
}

/* Add one daemon's text: blank and "!" lines and top-level "exit" are
 * layout, the merge writes its own. */
static void vtysh_merge_text(struct vtysh_merge *m, const char *text)
{
	struct vtysh_block *cur = NULL;
	char *copy = kld_xstrdup(text), *save = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		if (!l[0] || l[0] == '!' || !strcmp(l, "exit") || !strcmp(l, "end"))
			continue;
		if (l[0] != ' ')
			cur = vtysh_block_get(m, l);
		else if (cur)
			vtysh_block_add(cur, l);
	}
	free(copy);
}

/* Runs of one-line blocks (static routes, prefix-list entries) stay
 * together; a "!" follows a node block and ends a run. */
static void vtysh_merge_out(struct vtysh_merge *m, struct kld_buf *out)
{
	for (size_t i = 0; i < m->n; i++) {
		struct vtysh_block *b = &m->blocks[i];
		bool next_single = i + 1 < m->n && m->blocks[i + 1].nchildren == 0;

		kld_buf_printf(out, "%s\n", b->head);
		for (size_t j = 0; j < b->nchildren; j++) {
			kld_buf_printf(out, "%s\n", b->children[j]);
			free(b->children[j]);
		}
		if (b->nchildren)
			kld_buf_puts(out, "exit\n");
		if (b->nchildren || !next_single ||
		    strcspn(b->head, " ") != strcspn(m->blocks[i + 1].head, " ") ||
		    strncmp(b->head, m->blocks[i + 1].head, strcspn(b->head, " ")))
			kld_buf_puts(out, "!\n");
		free(b->children);
		free(b->head);
	}
	free(m->blocks);
}

static char *vtysh_daemon_running(struct vtysh *v, struct vtysh_daemon *d)
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

/* The merged configuration. missing (may be NULL) collects the daemons
 * that are in use but did not answer. */
static char *vtysh_running_config(struct vtysh *v, struct kld_buf *missing)
{
	struct vtysh_merge m = { 0 };
	struct kld_buf out;

	kld_buf_init(&out);
	kld_buf_printf(&out, "! %s\n!\n", PACKAGE_STRING);
	for (size_t i = 0; i < v->ndaemons; i++) {
		struct vtysh_daemon *d = &v->daemons[i];
		char *text = d->fd >= 0 ? vtysh_daemon_running(v, d) : NULL;

		if (!text && d->socket_present && missing)
			kld_buf_printf(missing, "%s%s", missing->len ? ", " : "", d->name);
		if (text)
			vtysh_merge_text(&m, text);
		free(text);
	}
	vtysh_merge_out(&m, &out);
	kld_buf_puts(&out, "end\n");
	return kld_buf_steal(&out);
}

static int vtysh_cmd_show_running(struct vty *vty, const struct cmd_args *args)
{
	struct kld_buf missing;
	char *text;

	kld_buf_init(&missing);
	text = vtysh_running_config(vty->arg, &missing);
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
	struct kld_buf missing;
	char *text;
	int rc = CMD_SUCCESS;

	kld_buf_init(&missing);
	text = vtysh_running_config(v, &missing);
	vty_out(vty, "Building Configuration...\n");
	if (missing.len) {
		/* Writing now would silently drop those daemons' configuration. */
		vty_out(vty, "%% Not saved: %s in use but not answering\n", missing.data);
		rc = CMD_WARNING;
	} else if (kld_config_write_atomic(v->config, text) < 0) {
		vty_out(vty, "%% Cannot write %s: %s\n", v->config, strerror(errno));
		rc = CMD_WARNING;
	} else {
		vty_out(vty, "Configuration saved to %s\n[OK]\n", v->config);
	}
	free(text);
	kld_buf_free(&missing);
	return rc;
}

static int vtysh_cmd_show_daemons(struct vty *vty, const struct cmd_args *args)
{
	struct vtysh *v = vty->arg;

	for (size_t i = 0; i < v->ndaemons; i++) {
		struct vtysh_daemon *d = &v->daemons[i];
		const char *state = d->fd >= 0 ? "running" :
				    d->socket_present ? "not answering" : "not running";

		vty_out(vty, " %-12s %s\n", d->name, state);
	}
	return CMD_SUCCESS;
}

static int vtysh_cmd_configure(struct vty *vty, const struct cmd_args *args)
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
};

/* ---- applying a file ---- */

struct vtysh_apply {
	struct vtysh *v;
	const char *node_at[VTYSH_MAX_DEPTH + 1];
	bool dry_run;
	int errors;
};

static const char *vtysh_apply_node(struct vtysh_apply *a, size_t depth)
{
	return depth == 0 ? "config" : a->node_at[depth];
}

/* Dry run: every line must belong to some daemon. */
static int vtysh_apply_check(const char *const *ctx, size_t depth,
			     const struct kld_config_line *line, void *arg)
{
	struct vtysh_apply *a = arg;
	struct vtysh *v = a->v;
	const char *enters = NULL;

	for (size_t i = 0; i < v->ndaemons && !enters; i++) {
		const struct cmd_def *def = NULL;
		struct cmd_args *args = NULL;

		if (!v->daemons[i].tree)
			continue;
		if (cmd_tree_match(v->daemons[i].tree, vtysh_apply_node(a, depth), line->text,
				   &def, &args, NULL) == CMD_MATCH) {
			enters = def->enters ? def->enters : "";
		}
		cmd_args_free(args);
	}
	if (!enters) {
		printf("line %u: %% Unknown command: %s\n", line->lineno, line->text);
		a->errors++;
		return -1;
	}
	if (!enters[0] || depth >= VTYSH_MAX_DEPTH)
		return 0;
	a->node_at[depth + 1] = vtysh_intern_node(enters);
	return 1;
}

/* Apply: the shell's node stack is set to the line's context, then the line
 * goes through the normal dispatch. */
static int vtysh_apply_run(const char *const *ctx, size_t depth,
			   const struct kld_config_line *line, void *arg)
{
	struct vtysh_apply *a = arg;
	struct vtysh *v = a->v;
	size_t before;

	vtysh_pop_to(v, depth);
	before = v->depth;
	if (vtysh_execute(v, line->text) != 0) {
		printf("line %u: the command above failed: %s\n", line->lineno, line->text);
		a->errors++;
	}
	return v->depth > before ? 1 : 0;
}

int vtysh_apply_file(struct vtysh *v, const char *path, bool dry_run)
{
	char *text = kld_config_read_file(path);
	struct kld_config_line *lines;
	struct vtysh_apply a = { .v = v, .dry_run = dry_run };
	size_t n;

	if (!text) {
		printf("%% Cannot read %s: %s\n", path, strerror(errno));
		return 1;
	}
	n = kld_config_split(text, &lines);
	free(text);
	kld_config_walk(lines, n, vtysh_apply_check, &a);
	if (a.errors || dry_run) {
		if (a.errors)
			printf("%% %s: %d error(s), nothing applied\n", path, a.errors);
		kld_config_lines_free(lines, n);
		return a.errors ? 1 : 0;
	}
	v->node[0] = "config";
	kld_config_walk(lines, n, vtysh_apply_run, &a);
	vtysh_pop_to(v, 0);
	v->node[0] = "view";
	kld_config_lines_free(lines, n);
	return a.errors ? 1 : 0;
}

void vtysh_own_install(struct cmd_tree *own)
{
	cmd_tree_add_all(own, vtysh_own_cmds, KLD_ARRAY_SIZE(vtysh_own_cmds));
}
