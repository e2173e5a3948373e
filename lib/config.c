/*
 * Reading and writing the integrated configuration file. See config.h for
 * the layout; the structure of the file is carried by indentation, so a
 * daemon can pass over another daemon's whole block without knowing its
 * commands.
 */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include "config.h"
#include "proto/vty.pb-c.h"
#include "util.h"
#include "vty.h"

#define KLD_CONFIG_MAX_DEPTH VTY_MAX_DEPTH

bool kld_config_is_closer(const char *s)
{
	static const char *const closers[] = {
		"exit", "end", "exit-address-family", "exit-vrf", "exit-vni", "quit",
	};
	for (size_t i = 0; i < KLD_ARRAY_SIZE(closers); i++)
		if (!strcmp(s, closers[i]))
			return true;
	return false;
}

/* FRR writes these headers; they carry nothing kldnet needs. */
static bool kld_config_is_header(const char *s)
{
	return !strncmp(s, "frr version", 11) || !strncmp(s, "frr defaults", 12);
}

static void kld_config_trim(char *s)
{
	size_t n = strlen(s);

	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		s[--n] = '\0';
}

/* A lone "!" word begins a comment to the end of the line, as in the
 * examples of doc/ (`ip route 10.3.0.0/16 eth0   ! out of an interface`);
 * cmd_split() reads lines the same way. */
static void kld_config_strip_comment(char *s)
{
	for (char *p = s; (p = strchr(p, '!')); p++) {
		if (p > s && (p[-1] == ' ' || p[-1] == '\t') &&
		    (!p[1] || p[1] == ' ' || p[1] == '\t')) {
			*p = '\0';
			kld_config_trim(s);
			return;
		}
	}
}

static size_t kld_config_split_lines(const char *text, struct kld_config_line **lines,
				     bool keep_closers)
{
	size_t n = 0, cap = 0;
	unsigned lineno = 0;
	const char *p = text;

	*lines = NULL;
	while (p && *p) {
		const char *eol = strchr(p, '\n');
		size_t len = eol ? (size_t)(eol - p) : strlen(p);
		char *line = strndup(p, len);
		unsigned indent = 0;
		bool closer;

		lineno++;
		p = eol ? eol + 1 : NULL;
		while (line[indent] == ' ' || line[indent] == '\t')
			indent++;
		kld_config_trim(line);
		if (line[indent] && line[indent] != '!' && line[indent] != '#')
			kld_config_strip_comment(line + indent);
		closer = kld_config_is_closer(line + indent);
		if (!line[indent] || line[indent] == '!' || line[indent] == '#' ||
		    (closer && !keep_closers) || kld_config_is_header(line + indent)) {
			free(line);
			continue;
		}
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*lines = kld_xrealloc(*lines, cap * sizeof(**lines));
		}
		(*lines)[n].lineno = lineno;
		(*lines)[n].indent = indent;
		(*lines)[n].closer = closer;
		(*lines)[n].text = kld_xstrdup(line + indent);
		free(line);
		n++;
	}
	return n;
}

size_t kld_config_split(const char *text, struct kld_config_line **lines)
{
	return kld_config_split_lines(text, lines, false);
}

size_t kld_config_split_all(const char *text, struct kld_config_line **lines)
{
	return kld_config_split_lines(text, lines, true);
}

void kld_config_lines_free(struct kld_config_line *lines, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(lines[i].text);
	free(lines);
}

/* The node-entering lines above the current line, by indentation. */
struct kld_config_ctx {
	const char *text[KLD_CONFIG_MAX_DEPTH];
	unsigned indent[KLD_CONFIG_MAX_DEPTH];
	size_t depth;
	bool skipping;
	unsigned skip_indent;
};

static void kld_config_ctx_pop(struct kld_config_ctx *c, unsigned indent)
{
	while (c->depth && c->indent[c->depth - 1] >= indent)
		c->depth--;
	if (c->skipping && indent <= c->skip_indent)
		c->skipping = false;
}

void kld_config_walk(const struct kld_config_line *lines, size_t n, kld_config_visit_fn visit,
		     void *arg)
{
	struct kld_config_ctx c = { .depth = 0 };

	for (size_t i = 0; i < n; i++) {
		int rc;

		kld_config_ctx_pop(&c, lines[i].indent);
		if (c.skipping)
			continue;
		rc = visit(c.text, c.depth, &lines[i], arg);
		if (rc < 0) {
			c.skipping = true;
			c.skip_indent = lines[i].indent;
		} else if (rc > 0 && c.depth < KLD_CONFIG_MAX_DEPTH) {
			c.text[c.depth] = lines[i].text;
			c.indent[c.depth++] = lines[i].indent;
		}
	}
}

/* One vty walks the whole file: a node is entered once, and the lines below
 * it run with its object in place (no replay of the entering line per
 * line: a file of 30,000 peer lines costs 30,000 handler calls, not 90,000). */
struct kld_config_apply {
	struct cmd_tree *tree;
	const struct kld_config_line *first;
	bool *owned;
	bool dry_run;
	struct kld_buf *errors;
	int refused;
	struct vty vty;
	const char *node_at[KLD_CONFIG_MAX_DEPTH + 1];
	const struct kld_config_line *prev; /* the line visited last (dry run) */
	const char *prev_entered;	    /* the node it entered, or NULL */
};

/* A daemon reads by indentation: it cannot tell where another daemon's
 * unindented block ends. A line of its own block written without
 * indentation (FRR allows it; `vtysh -b` reads it) would be passed over
 * as another daemon's in silence: say so instead. Reliable for the
 * block's first line, which directly follows the line that opened it. */
static void kld_config_flat_check(struct kld_config_apply *a, const struct kld_config_line *line)
{
	const struct cmd_def *def = NULL;
	struct cmd_args *args = NULL;
	const struct kld_config_line *prev = line - 1;

	if (line == a->first || a->prev != prev || !a->prev_entered || prev->indent < line->indent)
		return;
	if (cmd_tree_match(a->tree, a->prev_entered, line->text, &def, &args, NULL) == CMD_MATCH) {
		a->refused++;
		kld_buf_printf(a->errors,
			       "line %u (%.*s ...): not indented below line %u (%.*s ...): "
			       "that block is not applied; indent it, or apply the file with "
			       "vtysh -b\n",
			       line->lineno, (int)strcspn(line->text, " "), line->text,
			       prev->lineno, (int)strcspn(prev->text, " "), prev->text);
	}
	cmd_args_free(args);
}

/* Pass one (dry run) marks the lines this daemon owns; pass two runs them.
 * A line another daemon owns returns -1, so its block is passed over. */
static int kld_config_visit(const char *const *ctx, size_t depth,
			    const struct kld_config_line *line, void *arg)
{
	struct kld_config_apply *a = arg;
	size_t i = (size_t)(line - a->first);
	int rc;

	if (!a->dry_run && !a->owned[i])
		return -1;
	a->vty.depth = (int)depth;
	a->vty.node = a->node_at[depth];
	kld_buf_reset(&a->vty.out);
	rc = vty_execute_here(&a->vty, a->tree, line->text, a->dry_run);
	if (a->dry_run) {
		a->owned[i] = rc == KLD__VTY_STATUS__VTY_OK;
		if (!a->owned[i])
			kld_config_flat_check(a, line);
		a->prev = line;
		a->prev_entered = a->owned[i] && a->vty.enters ? a->vty.node : NULL;
	} else if (rc != KLD__VTY_STATUS__VTY_OK) {
		/* The line is named by its first word only: a refused line may
		 * carry a secret (a BGP password), and this text goes to the log. */
		a->refused++;
		kld_buf_printf(a->errors, "line %u (%.*s ...): %s", line->lineno,
			       (int)strcspn(line->text, " "), line->text,
			       a->vty.out.len ? a->vty.out.data : "refused\n");
	}
	if (rc != KLD__VTY_STATUS__VTY_OK)
		return -1;
	if (!a->vty.enters || depth >= KLD_CONFIG_MAX_DEPTH)
		return 0;
	a->node_at[depth + 1] = a->vty.node;
	return 1;
}

static void kld_config_pass(struct kld_config_apply *a, const struct kld_config_line *lines,
			    size_t n, bool dry_run)
{
	a->dry_run = dry_run;
	a->vty.dry_run = dry_run;
	memset(a->vty.ctx, 0, sizeof(a->vty.ctx));
	kld_config_walk(lines, n, kld_config_visit, a);
}

int kld_config_apply_text(struct cmd_tree *tree, void *arg, const char *text,
			  struct kld_buf *errors)
{
	struct kld_config_line *lines;
	size_t n = kld_config_split(text, &lines);
	struct kld_config_apply a = {
		.tree = tree, .first = lines, .errors = errors,
		.vty = { .arg = arg }, .node_at = { "config" },
	};

	kld_buf_init(&a.vty.out);
	a.owned = kld_xcalloc(n ? n : 1, sizeof(bool));
	kld_config_pass(&a, lines, n, true);
	kld_config_pass(&a, lines, n, false);
	kld_buf_free(&a.vty.out);
	free(a.owned);
	kld_config_lines_free(lines, n);
	return a.refused;
}

char *kld_config_read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	struct kld_buf b;
	char chunk[4096];
	size_t n;

	if (!f)
		return NULL;
	kld_buf_init(&b);
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		kld_buf_append(&b, chunk, n);
	fclose(f);
	return kld_buf_steal(&b);
}

int kld_config_apply_file(struct cmd_tree *tree, void *arg, const char *path,
			  struct kld_buf *errors)
{
	char *text = kld_config_read_file(path);
	int rc;

	if (!text)
		return errno == ENOENT ? 0 : -1;
	rc = kld_config_apply_text(tree, arg, text, errors);
	free(text);
	return rc;
}

static int kld_write_all(int fd, const char *text)
{
	size_t len = strlen(text), off = 0;

	while (off < len) {
		ssize_t n = write(fd, text + off, len - off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

static int kld_fsync_dir(const char *path)
{
	char *copy = kld_xstrdup(path);
	int fd = open(dirname(copy), O_RDONLY | O_DIRECTORY);
	int rc = fd < 0 ? -1 : fsync(fd);

	if (fd >= 0)
		close(fd);
	free(copy);
	return rc;
}

/* The unprivileged daemons read the file through its group: take the
 * directory's group (root:kldnet 0750 /etc/kldnet when installed). */
static int kld_config_set_group(int fd, const char *path)
{
	char *copy = kld_xstrdup(path);
	struct stat st;
	int rc = stat(dirname(copy), &st);

	free(copy);
	if (rc < 0)
		return -1;
	return fchown(fd, (uid_t)-1, st.st_gid);
}

/* Keep the old file as .bak by hard link: the live name never disappears. */
static int kld_config_backup(const char *path)
{
	char bak[4096], tmp[4096];

	snprintf(bak, sizeof(bak), "%s.bak", path);
	snprintf(tmp, sizeof(tmp), "%s.bak.tmp", path);
	unlink(tmp);
	if (link(path, tmp) < 0)
		return errno == ENOENT ? 0 : -1;
	return rename(tmp, bak);
}

int kld_config_write_atomic(const char *path, const char *text)
{
	char tmp[4096];
	int fd, e;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = mkstemp(tmp);
	if (fd < 0)
		return -1;
	if (fchmod(fd, 0640) < 0 || kld_config_set_group(fd, path) < 0 || kld_write_all(fd, text) < 0 || fsync(fd) < 0)
		goto fail;
	close(fd);
	fd = -1;
	if (kld_config_backup(path) < 0 || rename(tmp, path) < 0)
		goto fail;
	return kld_fsync_dir(path);
fail:
	e = errno;
	if (fd >= 0)
		close(fd);
	unlink(tmp);
	errno = e;
	return -1;
}
