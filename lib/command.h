/*
 * The command parser shared by every daemon and by vtysh.
 *
 * A command is declared once as a syntax string that is the grammar and the
 * documentation at once (FRR's DEFPY idea), plus one help line per token:
 *
 *   word          a keyword, matched exactly by cmd_tree_match; cmd_expand
 *                 first turns unambiguous prefixes into it ("conf t")
 *   WORD          any single word (an uppercase placeholder)
 *   A.B.C.D       IPv4 address          A.B.C.D/M     IPv4 prefix
 *   X:X::X:X      IPv6 address          X:X::X:X/M    IPv6 prefix
 *   (1-65535)     integer in the range (bounds may be negative or up to 2^32-1)
 *   LINE...       one or more remaining words, bound as one string
 *   <a|b c|D>     exactly one of the alternatives; each may be a sequence
 *   [a b]         an optional sequence; [a|b] optional alternatives
 *   {a|b c}       one or more of the alternatives, each at most once, any order
 *   tok$name      binds the matched text to name
 *
 * Unnamed keywords bind under their own text ("no", "blackhole"); unnamed
 * placeholders bind under their lowercased type name ("word", "a.b.c.d").
 *
 * Help strings: one line per token, in the order the tokens appear in the
 * syntax (left to right, alternatives and optionals included), separated by
 * '\n'. A placeholder without a help line gets a generic one.
 *
 * Input words are separated by blanks; a word that starts with '#', and a
 * lone "!", begin a comment that runs to the end of the line (the seeds
 * write "neighbor X remote-as 65002 # Site B", FRR's files and doc/
 * "ip route 10.3.0.0/16 eth0 ! out of an interface").
 */
#ifndef KLD_COMMAND_H
#define KLD_COMMAND_H

#include <stdbool.h>
#include <stddef.h>
#include "prefix.h"

struct vty;
struct cmd_args;

typedef int (*cmd_handler)(struct vty *vty, const struct cmd_args *args);

enum cmd_status {
	CMD_SUCCESS = 0,
	CMD_WARNING = 1, /* the handler printed why it refused; nothing changed */
};

#define CMD_HIDDEN 0x1

struct cmd_def {
	const char *node;   /* "view", "config", "interface", "bgp", ... */
	const char *syntax;
	const char *help;   /* one line per token, '\n'-separated */
	cmd_handler fn;
	const char *enters; /* node entered on success, or NULL */
	unsigned flags;
};

struct cmd_tree;

struct cmd_tree *cmd_tree_new(void);
void cmd_tree_free(struct cmd_tree *t);
/* Returns 0, or -1 when the syntax string does not parse (a programming
 * error the caller should treat as fatal at start-up). The def must outlive
 * the tree; it is not copied. */
int cmd_tree_add(struct cmd_tree *t, const struct cmd_def *def);
/* Adds defs[0..n-1]; returns -1 (after adding the rest) if any failed. */
int cmd_tree_add_all(struct cmd_tree *t, const struct cmd_def *defs, size_t n);
size_t cmd_tree_count(const struct cmd_tree *t);
/* The i-th def in insertion order (for describing the tree to the shell). */
const struct cmd_def *cmd_tree_get(const struct cmd_tree *t, size_t i);

enum cmd_match_result {
	CMD_MATCH = 0,
	CMD_NO_MATCH,   /* err_pos: byte offset of the first word no command accepts */
	CMD_INCOMPLETE, /* the line is a proper prefix of a command */
	CMD_AMBIGUOUS,  /* two commands match equally well */
	CMD_EMPTY,      /* blank line or comment only */
};

/*
 * Match one line in one node. On CMD_MATCH, *def is the command and *args
 * (caller frees with cmd_args_free) holds the bound arguments. When several
 * commands match, the most specific wins: per word, keyword > typed
 * placeholder (address, prefix, range) > WORD > LINE.
 * err_pos may be NULL.
 */
enum cmd_match_result cmd_tree_match(const struct cmd_tree *t, const char *node,
				     const char *line, const struct cmd_def **def,
				     struct cmd_args **args, size_t *err_pos);

/*
 * Why a line that does not match (CMD_NO_MATCH) was refused, when the word
 * no command got past was refused for its value: "listen-port: 70000 is
 * out of range 1-65535", "address: a prefix length is needed, as in
 * 10.200.0.7/24" (the word before it, then what is wrong and what is
 * allowed). 0 with why filled, or -1 when there is nothing to say beyond
 * err_pos (an unknown keyword, a match, an incomplete line).
 */
int cmd_tree_explain(const struct cmd_tree *t, const char *node, const char *line, char *why,
		     size_t size);

struct cmd_completion {
	char *token; /* "neighbor", "A.B.C.D", "(1-65535)", "<cr>" */
	char *help;
	bool is_keyword;
};

/* What may come next after `line`. If line does not end in a blank, its last
 * word is a partial word and only tokens it can begin are returned (keywords
 * by prefix; placeholders whenever the partial word could still become a
 * valid value). "<cr>" is included when the line is already complete.
 * Returns the count; *out is an array the caller frees with
 * cmd_completions_free. Results are sorted and de-duplicated. */
size_t cmd_tree_complete(const struct cmd_tree *t, const char *node, const char *line,
			 struct cmd_completion **out);
void cmd_completions_free(struct cmd_completion *c, size_t n);

/*
 * Abbreviations, as FRR accepts them ("conf t", "sh ip bgp sum"). Expands
 * each word of line that is a prefix of exactly one keyword that may stand
 * at its place in node, over all the trees given (the shell passes every
 * daemon's tree and its own: an abbreviation is resolved against all the
 * line could mean). Words left to right, each against the words before it
 * as expanded. A word equal to such a keyword, or that no keyword at its
 * place begins with, stays as typed (a value); a keyword wins over a
 * placeholder, as in FRR. Only words that begin a longer keyword somewhere
 * in a tree are looked at, so full lines cost a lookup per word.
 * Returns 0 and *out, the line to match (line itself, copied, when nothing
 * changed; else the words joined by one blank, comment dropped), or -1 and
 * *out a message naming the ambiguous word and its candidates. The caller
 * frees *out.
 */
int cmd_expand(const struct cmd_tree *const *trees, size_t ntrees, const char *node,
	       const char *line, char **out);

/* Bound arguments. */
void cmd_args_free(struct cmd_args *a);
const char *cmd_arg(const struct cmd_args *a, const char *name); /* NULL if absent */
bool cmd_has(const struct cmd_args *a, const char *name);
/* Integer argument (already range-checked by the matcher), or dflt. */
long long cmd_arg_int(const struct cmd_args *a, const char *name, long long dflt);
int cmd_arg_prefix(const struct cmd_args *a, const char *name, struct kld_prefix *p);
int cmd_arg_addr(const struct cmd_args *a, const char *name, struct kld_addr *addr);
size_t cmd_args_count(const struct cmd_args *a);
/* i-th binding in match order */
const char *cmd_args_name(const struct cmd_args *a, size_t i);
const char *cmd_args_value(const struct cmd_args *a, size_t i);

/* Split a line into words (comments dropped). Returns the count; words and
 * their byte offsets in line are malloc'd arrays the caller frees with
 * cmd_words_free. */
size_t cmd_split(const char *line, char ***words, size_t **offsets);
void cmd_words_free(char **words, size_t *offsets, size_t n);

/* Is the syntax string well-formed? (Used by vtysh on trees it receives.) */
bool cmd_syntax_valid(const char *syntax);

#endif
