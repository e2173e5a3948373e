/*
 * The integrated configuration file.
 *
 * Reading: a daemon applies the lines of the file that belong to it. The
 * file is FRR's layout: a node's lines are indented one blank deeper than
 * the line that entered it, "exit" closes a node, "!" lines are comments.
 * A line this daemon's tree does not match belongs to another daemon, and
 * so does everything indented below it. (A file without indentation is
 * vtysh -b's to read, which knows every daemon's tree; a daemon reports
 * its own unindented block as refused rather than guess.)
 *
 * Writing: atomically (temporary file in the same directory, fsync, rename,
 * fsync of the directory), keeping the previous file as FILE.bak. Mode 0640
 * with the directory's group: the protocol daemons run unprivileged in that
 * group and read their part; secrets themselves (keys, passwords) live in
 * separate 0600 files that the file only names.
 */
#ifndef KLD_CONFIG_H
#define KLD_CONFIG_H

#include <stddef.h>
#include "buf.h"
#include "command.h"

struct kld_config_line {
	unsigned lineno;
	unsigned indent;
	bool closer; /* "exit" and the like (kld_config_split_all only) */
	char *text;  /* without indentation, trailing blanks or comment */
};

/* Split text into lines, dropping blanks, "!" comments (whole lines, and
 * from a lone "!" word to the end of a line), FRR's headers and
 * "exit"-style closers (indentation carries the structure). Returns the
 * count. */
size_t kld_config_split(const char *text, struct kld_config_line **lines);
/* The same, keeping the closers (marked), for a reader that recovers the
 * structure of files without indentation (vtysh -b). */
size_t kld_config_split_all(const char *text, struct kld_config_line **lines);
void kld_config_lines_free(struct kld_config_line *lines, size_t n);
/* "exit", "end", "exit-address-family", ...: a line that closes a node. */
bool kld_config_is_closer(const char *s);

/* Walk the lines with the node-entering lines above each one (by
 * indentation). visit returns 1 if the line entered a node, 0 if it was
 * taken without entering one, -1 if it was not taken: then the lines
 * indented below it are passed over without a visit. */
typedef int (*kld_config_visit_fn)(const char *const *ctx, size_t depth,
				   const struct kld_config_line *line, void *arg);
void kld_config_walk(const struct kld_config_line *lines, size_t n, kld_config_visit_fn visit,
		     void *arg);

/* Apply this daemon's part of a config text: a first pass matches every
 * line (dry run) to find the ones this daemon owns, the second runs them.
 * A handler that refuses its line (a semantic error the matcher cannot
 * see) is reported in errors by its line number and first word (never
 * its whole text, which may carry a secret) and the rest goes on.
 * Returns the number of refused lines (0: all applied). */
int kld_config_apply_text(struct cmd_tree *tree, void *arg, const char *text,
			  struct kld_buf *errors);
/* Same for a file; a missing file is an empty configuration. */
int kld_config_apply_file(struct cmd_tree *tree, void *arg, const char *path,
			  struct kld_buf *errors);

int kld_config_write_atomic(const char *path, const char *text);

/* A daemon whose running configuration must not be saved as it is (fwd
 * while `firewall commit confirm` waits: the change may roll back) puts a
 * comment line starting with this in its running configuration, followed
 * by the reason; vtysh's `write memory` then refuses, printing
 * "% Not saved: REASON". A comment, so any file holding it stays valid. */
#define KLD_CONFIG_UNSAVED "! % Not saved: "
/* Read a whole file; NULL with errno on failure. */
char *kld_config_read_file(const char *path);

#endif
