/*
 * The command parser: syntax strings compiled once, lines matched against
 * them by a backtracking walk.
 *
 * Compilation. cmd_tree_add parses a def's syntax into a small tree of
 * cnodes: tokens (the leaves) and four kinds of group, SEQ (a b c),
 * ALT <a|b>, OPT [a|b] and SET {a|b} (one or more of the branches, each at
 * most once, in any order: FRR's keyword groups). Each token gets its help
 * line and its binding name here, so matching never looks at the strings
 * again.
 *
 * Matching. A line is walked against one command's tree in
 * continuation-passing style: every way of consuming the words is tried,
 * and "what comes after this node" is a chain of frames on the C stack. So
 * optionals and sets need no graph surgery, and the walk allocates nothing
 * but the path it records. The walk reports three things: a token wanted
 * where the input ran out (completion, CMD_INCOMPLETE), the end of the
 * syntax reached with every word consumed (a match), and how far any token
 * got (err_pos). The public entry points differ only in what they do with
 * those.
 *
 * Why not FRR's merged graph: one tree per command is much simpler to get
 * right, and indexes keep it cheap. Each node indexes its commands by their
 * key, the last keyword every match must contain ("remote-as" in "[no]
 * neighbor X remote-as Y"), so a line is walked only against the few
 * commands whose key is one of its words; and by the keywords they can
 * begin with, which a line that matches nothing needs to find how far it
 * got (see match_node). 1000 commands x 10,000 lines take a few tens of
 * milliseconds (tests/unit/test_command.c measures it).
 *
 * Values. Keywords match exactly, case included (cmd_expand, below, turns
 * abbreviations into keywords before a line is matched). A range takes an
 * optional '-' and decimal digits (leading zeros allowed, as FRR's strtoll
 * does; no '+', no hex). A.B.C.D is a dotted quad, X:X::X:X anything
 * inet_pton takes for IPv6; the prefix forms need their "/M" and may have
 * host bits set (FRR accepts them and masks later; cmd_arg_prefix masks).
 *
 * Specificity. A full match gives one rank per word (keyword 0, typed
 * placeholder 1, WORD 2, LINE 3). Two matches are compared word by word,
 * the first difference decides and the lower rank wins. Two commands that
 * tie are ambiguous; two paths through one command never are (the better
 * one, or the first found, wins).
 *
 * Bindings. tok$name binds the word under name. An unnamed keyword binds
 * under its own text, an unnamed range under "range", any other unnamed
 * placeholder under its lowercased text ("word", "a.b.c.d/m", "ifname",
 * "line" for LINE...). A named group <..>$x, [..]$x or {..}$x binds x to the
 * words its matching branch consumed, joined by one blank (for the usual
 * one-token branch, the word itself). The tokens inside still bind under
 * their own names. LINE... binds the remaining words joined by single
 * blanks. A default name gives way to the same name given with $ on the
 * matched path ("[seq (1-4294967295)$seq]" binds the number as "seq").
 *
 * Errors. CMD_NO_MATCH's err_pos is the offset of the first word that no
 * command got past; CMD_INCOMPLETE's is the length of the line (where more
 * is wanted); otherwise it is 0.
 *
 * Completion names tokens by their syntax text (LINE... shows as "LINE"),
 * de-duplicated by that text (the first command added supplies the help),
 * sorted by strcmp with "<cr>" last. Hidden commands match but are never
 * offered.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "command.h"
#include "util.h"

#define CMD_SET_MAX 64
#define CMD_INT_MAX 4294967295LL

/* The four address types stay contiguous: the walk memoizes them by
 * their offset from TOK_IPV4. */
enum tok_type {
	TOK_KW,
	TOK_WORD,
	TOK_IPV4,
	TOK_IPV4_PFX,
	TOK_IPV6,
	TOK_IPV6_PFX,
	TOK_RANGE,
	TOK_TEXT,
};

enum cn_kind { CN_TOKEN, CN_SEQ, CN_ALT, CN_OPT, CN_SET };

struct cnode {
	enum cn_kind kind;
	enum tok_type type;
	char *text; /* token: as shown by completion */
	char *name; /* token: binding name; group: its $name or NULL */
	bool named; /* the name was given with $name */
	char *help; /* token: its help line, or NULL */
	long long lo, hi;
	struct cnode **kids;
	size_t nkids;
};

struct ccmd {
	const struct cmd_def *def;
	struct cnode *root;
	const char *key; /* a keyword every match contains, or NULL */
};

struct kw_ent {
	const char *kw;
	struct ccmd *cmd;
};

/* (keyword, command) pairs sorted by keyword, then insertion. */
struct kw_index {
	struct kw_ent *v;
	size_t n;
};

struct cmd_node {
	char *name;
	struct ccmd **cmds; /* insertion order */
	size_t ncmds;
	struct kw_index first; /* by the keywords a command can begin with */
	struct ccmd **wild;    /* may begin with a placeholder, or be empty */
	size_t nwild;
	struct kw_index bykey; /* commands with a key, by key */
};

struct cmd_tree {
	struct ccmd **all;
	size_t n;
	struct cmd_node *nodes;
	size_t nnodes;
	struct kw_index kws; /* every keyword of every command, for cmd_expand */
};

struct cmd_args {
	size_t n;
	char **names;
	char **values;
};

/* Makes room for element n of an array that only grows: the capacity is
 * 4, then doubles whenever n reaches a power of two, so it is implied by n
 * and needs no field of its own. */
static void *vec_grow(void *p, size_t n, size_t elsize)
{
	if (!n)
		return kld_xrealloc(p, 4 * elsize);
	if (n < 4 || (n & (n - 1)))
		return p;
	return kld_xrealloc(p, 2 * n * elsize);
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static char *join_words(char *const *words, size_t from, size_t to)
{
	size_t len = 0, i;
	char *s, *d;

	for (i = from; i < to; i++)
		len += strlen(words[i]) + 1;
	s = d = kld_xmalloc(len ? len : 1);
	*s = '\0';
	for (i = from; i < to; i++) {
		if (i > from)
			*d++ = ' ';
		d = stpcpy(d, words[i]);
	}
	return s;
}

/* ------------------------------------------------------------------ */
/* Splitting input lines                                               */

size_t cmd_split(const char *line, char ***words, size_t **offsets)
{
	size_t n = 0, i = 0;

	*words = NULL;
	*offsets = NULL;
	if (!line)
		return 0;
	while (is_blank(line[i]))
		i++;
	if (line[i] == '!')
		return 0;
	for (;;) {
		size_t st;

		while (is_blank(line[i]))
			i++;
		if (!line[i] || line[i] == '#')
			break;
		/* A lone "!" begins a trailing comment (FRR's files, doc/). */
		if (line[i] == '!' && (!line[i + 1] || is_blank(line[i + 1])))
			break;
		st = i;
		while (line[i] && !is_blank(line[i]))
			i++;
		*words = vec_grow(*words, n, sizeof(**words));
		*offsets = vec_grow(*offsets, n, sizeof(**offsets));
		(*words)[n] = strndup(line + st, i - st);
		if (!(*words)[n])
			abort();
		(*offsets)[n++] = st;
	}
	return n;
}

void cmd_words_free(char **words, size_t *offsets, size_t n)
{
	for (size_t i = 0; words && i < n; i++)
		free(words[i]);
	free(words);
	free(offsets);
}

/* ------------------------------------------------------------------ */
/* Value checks: full words, and partial words that may still grow     */

static bool all_of(const char *s, size_t len, const char *set)
{
	for (size_t i = 0; i < len; i++)
		if (!s[i] || !strchr(set, s[i]))
			return false;
	return true;
}

static bool parse_int(const char *w, long long *v)
{
	const char *d = w + (*w == '-');
	char *end;

	if (!*d || !all_of(d, strlen(d), "0123456789"))
		return false;
	errno = 0;
	*v = strtoll(w, &end, 10);
	return errno == 0 && !*end;
}

static bool match_range(const struct cnode *t, const char *w)
{
	long long v;

	return parse_int(w, &v) && v >= t->lo && v <= t->hi;
}

static bool match_addr(const char *w, uint8_t family)
{
	struct kld_addr a;

	if (family == AF_INET && !all_of(w, strlen(w), "0123456789."))
		return false;
	if (family == AF_INET6 && !strchr(w, ':'))
		return false;
	return kld_addr_parse(w, &a) == 0 && a.family == family;
}

/* A prefix needs its slash; host bits are accepted (FRR masks later). */
static bool match_prefix(const char *w, uint8_t family)
{
	const char *slash = strchr(w, '/');
	size_t mlen;
	struct kld_prefix p;

	if (!slash)
		return false;
	mlen = strlen(slash + 1);
	if (mlen < 1 || mlen > 3 || !all_of(slash + 1, mlen, "0123456789"))
		return false;
	if (family == AF_INET && !all_of(w, (size_t)(slash - w), "0123456789."))
		return false;
	if (family == AF_INET6 && !memchr(w, ':', (size_t)(slash - w)))
		return false;
	return kld_prefix_parse(w, &p, false) == 0 && p.family == family;
}

/* Words a token consumes at words[pos], 0 if it does not match. */
static size_t tok_match(const struct cnode *t, char *const *words, size_t pos, size_t n)
{
	const char *w = words[pos];

	switch (t->type) {
	case TOK_KW:
		return strcmp(w, t->text) == 0;
	case TOK_WORD:
		return 1;
	case TOK_TEXT:
		return n - pos;
	case TOK_RANGE:
		return match_range(t, w);
	case TOK_IPV4:
		return match_addr(w, AF_INET);
	case TOK_IPV6:
		return match_addr(w, AF_INET6);
	case TOK_IPV4_PFX:
		return match_prefix(w, AF_INET);
	case TOK_IPV6_PFX:
		return match_prefix(w, AF_INET6);
	}
	return 0;
}

/* Could s[0..len) grow into a dotted quad? (inet_pton rejects "01".) */
static bool partial_ipv4(const char *s, size_t len)
{
	unsigned dots = 0, digits = 0, val = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] == '.') {
			if (!digits || ++dots > 3)
				return false;
			digits = val = 0;
			continue;
		}
		if (!isdigit((unsigned char)s[i]) || (digits && !val))
			return false;
		val = val * 10 + (unsigned)(s[i] - '0');
		if (++digits > 3 || val > 255)
			return false;
	}
	return true;
}

/* Could s[0..len) grow into an IPv6 address? A structural check: hex
 * groups of up to four digits, at most one "::", at most eight groups, and
 * an embedded IPv4 tail only after a colon. */
static bool partial_ipv6(const char *s, size_t len)
{
	unsigned groups = 0, hexd = 0;
	bool dcolon = false;
	size_t gstart = 0;

	if (len > 1 && s[0] == ':' && s[1] != ':')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (isxdigit((unsigned char)s[i])) {
			if (++hexd > 4)
				return false;
		} else if (s[i] == ':') {
			if (i && s[i - 1] == ':') {
				if (dcolon)
					return false;
				dcolon = true;
			}
			groups += hexd > 0;
			hexd = 0;
			gstart = i + 1;
		} else if (s[i] == '.') {
			return gstart > 0 && groups + 2 <= (dcolon ? 7u : 8u) &&
			       partial_ipv4(s + gstart, len - gstart);
		} else {
			return false;
		}
	}
	groups += hexd > 0;
	return groups <= (dcolon ? 7u : 8u);
}

static bool partial_prefix(const char *s, size_t len, uint8_t family)
{
	const char *slash = memchr(s, '/', len);
	char addr[KLD_ADDR_STRLEN];
	size_t alen, mlen;
	unsigned m = 0;

	if (!slash)
		return family == AF_INET ? partial_ipv4(s, len) : partial_ipv6(s, len);
	alen = (size_t)(slash - s);
	mlen = len - alen - 1;
	if (alen >= sizeof(addr) || mlen > 3 || !all_of(slash + 1, mlen, "0123456789"))
		return false;
	memcpy(addr, s, alen);
	addr[alen] = '\0';
	if (!match_addr(addr, family))
		return false;
	for (size_t i = 0; i < mlen; i++)
		m = m * 10 + (unsigned)(slash[1 + i] - '0');
	return m <= (family == AF_INET ? 32u : 128u);
}

/* Could s[0..len) grow into an integer in [lo, hi]? The integers whose
 * digits begin with the digits typed so far (value v) and have j more of
 * them fill [v*10^j, v*10^j + 10^j - 1]; try each j. */
static bool partial_range(const struct cnode *t, const char *s, size_t len)
{
	bool neg = len && s[0] == '-';
	long long v = 0, lo, hi, scale = 1;
	size_t nd = len - neg;

	if (nd > 10 || !all_of(s + neg, nd, "0123456789"))
		return false;
	for (size_t i = neg; i < len; i++)
		v = v * 10 + (s[i] - '0');
	/* the magnitudes that are in range, for the sign typed */
	lo = neg ? (t->hi < 0 ? -t->hi : 0) : KLD_MAX(t->lo, 0LL);
	hi = neg ? -t->lo : t->hi;
	if (lo > hi)
		return false;
	if (!nd)
		return true;
	for (size_t j = 0; nd + j <= 10; j++, scale *= 10) {
		long long a = v * scale, b = a + scale - 1;

		if (a > hi)
			break;
		if (b >= lo)
			return true;
	}
	return false;
}

static bool tok_partial(const struct cnode *t, const char *s)
{
	size_t len = strlen(s);

	switch (t->type) {
	case TOK_KW:
		return strncmp(t->text, s, len) == 0;
	case TOK_WORD:
	case TOK_TEXT:
		return true;
	case TOK_RANGE:
		return partial_range(t, s, len);
	case TOK_IPV4:
		return partial_ipv4(s, len);
	case TOK_IPV6:
		return partial_ipv6(s, len);
	case TOK_IPV4_PFX:
		return partial_prefix(s, len, AF_INET);
	case TOK_IPV6_PFX:
		return partial_prefix(s, len, AF_INET6);
	}
	return false;
}

static unsigned tok_rank(const struct cnode *t)
{
	switch (t->type) {
	case TOK_KW:
		return 0;
	case TOK_WORD:
		return 2;
	case TOK_TEXT:
		return 3;
	default:
		return 1;
	}
}

static const char *tok_help(const struct cnode *t)
{
	static const char *const generic[] = {
		[TOK_KW] = "",
		[TOK_WORD] = "Word",
		[TOK_IPV4] = "IPv4 address",
		[TOK_IPV4_PFX] = "IPv4 prefix",
		[TOK_IPV6] = "IPv6 address",
		[TOK_IPV6_PFX] = "IPv6 prefix",
		[TOK_RANGE] = "Integer in range",
		[TOK_TEXT] = "Text",
	};

	return t->help && *t->help ? t->help : generic[t->type];
}

/* ------------------------------------------------------------------ */
/* Compiling syntax strings                                            */

struct sparse {
	const char *s;
	size_t i;
	bool varargs;     /* a LINE... was seen: no token may follow */
	const char *help; /* help lines not yet given to a token */
};

static struct cnode *cn_new(enum cn_kind kind)
{
	struct cnode *c = kld_xcalloc(1, sizeof(*c));

	c->kind = kind;
	return c;
}

static void cn_free(struct cnode *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nkids; i++)
		cn_free(c->kids[i]);
	free(c->kids);
	free(c->text);
	free(c->name);
	free(c->help);
	free(c);
}

static void cn_add(struct cnode *g, struct cnode *kid)
{
	g->kids = vec_grow(g->kids, g->nkids, sizeof(*g->kids));
	g->kids[g->nkids++] = kid;
}

static bool sp_special(char c)
{
	return c && strchr("<>[]{}|$()", c);
}

static void sp_blanks(struct sparse *p)
{
	while (is_blank(p->s[p->i]))
		p->i++;
}

static char *sp_next_help(struct sparse *p)
{
	const char *end;
	char *line;

	if (!p->help || !*p->help)
		return NULL;
	end = strchrnul(p->help, '\n');
	line = strndup(p->help, (size_t)(end - p->help));
	if (!line)
		abort();
	p->help = *end ? end + 1 : end;
	return line;
}

/* "$name" after a token or group: 1 if one was read, 0 if none, -1 if
 * malformed. */
static int sp_name(struct sparse *p, char **name)
{
	size_t st;

	if (p->s[p->i] != '$')
		return 0;
	st = ++p->i;
	while (isalnum((unsigned char)p->s[p->i]) || p->s[p->i] == '_' || p->s[p->i] == '-')
		p->i++;
	if (p->i == st)
		return -1;
	free(*name);
	*name = strndup(p->s + st, p->i - st);
	if (!*name)
		abort();
	return 1;
}

static bool is_placeholder(const char *s, size_t len)
{
	if (!len || !isupper((unsigned char)s[0]))
		return false;
	for (size_t i = 0; i < len; i++)
		if (islower((unsigned char)s[i]))
			return false;
	return true;
}

static const struct {
	const char *text;
	enum tok_type type;
} typed_tokens[] = {
	{ "A.B.C.D", TOK_IPV4 },
	{ "A.B.C.D/M", TOK_IPV4_PFX },
	{ "X:X::X:X", TOK_IPV6 },
	{ "X:X::X:X/M", TOK_IPV6_PFX },
};

static enum tok_type classify(const char *text, bool varargs)
{
	if (varargs)
		return TOK_TEXT;
	for (size_t i = 0; i < KLD_ARRAY_SIZE(typed_tokens); i++)
		if (!strcmp(text, typed_tokens[i].text))
			return typed_tokens[i].type;
	return is_placeholder(text, strlen(text)) ? TOK_WORD : TOK_KW;
}

/* Common tail of every token: help line, default name, "$name", and the
 * rule that nothing follows LINE... */
static struct cnode *sp_token_finish(struct sparse *p, struct cnode *t)
{
	int named;

	if (p->varargs) {
		cn_free(t);
		return NULL;
	}
	p->varargs = t->type == TOK_TEXT;
	t->help = sp_next_help(p);
	if (t->type == TOK_RANGE) {
		t->name = kld_xstrdup("range");
	} else {
		t->name = kld_xstrdup(t->text);
		if (t->type != TOK_KW)
			for (char *c = t->name; *c; c++)
				*c = (char)tolower((unsigned char)*c);
	}
	named = sp_name(p, &t->name);
	if (named < 0) {
		cn_free(t);
		return NULL;
	}
	t->named = named;
	return t;
}

static int sp_int(struct sparse *p, long long *v)
{
	bool neg = p->s[p->i] == '-';
	size_t nd = 0;
	long long x = 0;

	p->i += neg;
	while (isdigit((unsigned char)p->s[p->i])) {
		if (++nd > 10)
			return -1;
		x = x * 10 + (p->s[p->i++] - '0');
	}
	if (!nd || x > CMD_INT_MAX)
		return -1;
	*v = neg ? -x : x;
	return 0;
}

/* "(lo-hi)", blanks allowed inside as FRR allows "(-100 - 100)". */
static struct cnode *sp_range(struct sparse *p)
{
	long long lo, hi;
	struct cnode *t;
	char buf[64];

	p->i++;
	sp_blanks(p);
	if (sp_int(p, &lo) < 0)
		return NULL;
	sp_blanks(p);
	if (p->s[p->i++] != '-')
		return NULL;
	sp_blanks(p);
	if (sp_int(p, &hi) < 0)
		return NULL;
	sp_blanks(p);
	if (p->s[p->i++] != ')' || lo > hi)
		return NULL;
	t = cn_new(CN_TOKEN);
	t->type = TOK_RANGE;
	t->lo = lo;
	t->hi = hi;
	snprintf(buf, sizeof(buf), "(%lld-%lld)", lo, hi);
	t->text = kld_xstrdup(buf);
	return sp_token_finish(p, t);
}

static struct cnode *sp_word(struct sparse *p)
{
	size_t st = p->i, len;
	bool varargs;
	struct cnode *t;

	while (p->s[p->i] && !is_blank(p->s[p->i]) && !sp_special(p->s[p->i]))
		p->i++;
	len = p->i - st;
	varargs = len >= 3 && !strncmp(p->s + p->i - 3, "...", 3);
	len -= varargs ? 3 : 0;
	t = cn_new(CN_TOKEN);
	t->text = strndup(p->s + st, len);
	if (!t->text)
		abort();
	/* only word placeholders may repeat: LINE..., WORD... */
	if (varargs && classify(t->text, false) != TOK_WORD) {
		cn_free(t);
		return NULL;
	}
	t->type = classify(t->text, varargs);
	return sp_token_finish(p, t);
}

static struct cnode *sp_seq(struct sparse *p);

static struct cnode *sp_group(struct sparse *p)
{
	char open = p->s[p->i++];
	char close = open == '<' ? '>' : open == '[' ? ']' : '}';
	struct cnode *g = cn_new(open == '<' ? CN_ALT : open == '[' ? CN_OPT : CN_SET);

	for (;;) {
		struct cnode *seq = sp_seq(p);

		if (!seq)
			goto fail;
		cn_add(g, seq);
		sp_blanks(p);
		if (p->s[p->i] == '|') {
			p->i++;
			continue;
		}
		if (p->s[p->i] != close)
			goto fail;
		p->i++;
		break;
	}
	if (g->kind == CN_SET && g->nkids > CMD_SET_MAX)
		goto fail;
	if (sp_name(p, &g->name) < 0)
		goto fail;
	return g;
fail:
	cn_free(g);
	return NULL;
}

static struct cnode *sp_item(struct sparse *p)
{
	char c = p->s[p->i];

	if (c == '<' || c == '[' || c == '{')
		return sp_group(p);
	if (c == '(')
		return sp_range(p);
	if (sp_special(c))
		return NULL;
	return sp_word(p);
}

/* One or more items up to '|', a closing bracket or the end. A sequence
 * of one item is that item. */
static struct cnode *sp_seq(struct sparse *p)
{
	struct cnode *seq = cn_new(CN_SEQ), *only;

	for (;;) {
		struct cnode *it;

		sp_blanks(p);
		if (!p->s[p->i] || strchr("|>]}", p->s[p->i]))
			break;
		it = sp_item(p);
		if (!it) {
			cn_free(seq);
			return NULL;
		}
		cn_add(seq, it);
	}
	if (seq->nkids != 1) {
		if (seq->nkids)
			return seq;
		cn_free(seq);
		return NULL;
	}
	only = seq->kids[0];
	seq->nkids = 0;
	cn_free(seq);
	return only;
}

static struct cnode *cmd_compile(const char *syntax, const char *help)
{
	struct sparse p = { .s = syntax, .help = help };
	struct cnode *root;

	if (!syntax)
		return NULL;
	root = sp_seq(&p);
	if (root && p.s[p.i]) {
		cn_free(root);
		return NULL;
	}
	return root;
}

bool cmd_syntax_valid(const char *syntax)
{
	struct cnode *root = cmd_compile(syntax, NULL);

	cn_free(root);
	return root != NULL;
}

/* ------------------------------------------------------------------ */
/* The tree: nodes, and their first-keyword index                      */

struct tokvec {
	const struct cnode **v;
	size_t n;
};

static void tokvec_add(struct tokvec *tv, const struct cnode *t)
{
	tv->v = vec_grow(tv->v, tv->n, sizeof(*tv->v));
	tv->v[tv->n++] = t;
}

/* Collects the tokens that can consume the first word; returns whether the
 * node can match no words at all. */
static bool first_tokens(const struct cnode *c, struct tokvec *tv)
{
	bool nullable = false;

	switch (c->kind) {
	case CN_TOKEN:
		tokvec_add(tv, c);
		return false;
	case CN_SEQ:
		for (size_t i = 0; i < c->nkids; i++)
			if (!first_tokens(c->kids[i], tv))
				return false;
		return true;
	case CN_ALT:
	case CN_SET:
		for (size_t i = 0; i < c->nkids; i++)
			nullable |= first_tokens(c->kids[i], tv);
		return nullable;
	case CN_OPT:
		for (size_t i = 0; i < c->nkids; i++)
			first_tokens(c->kids[i], tv);
		return true;
	}
	return true;
}

struct cmd_tree *cmd_tree_new(void)
{
	return kld_xcalloc(1, sizeof(struct cmd_tree));
}

static void node_free(struct cmd_node *nd)
{
	free(nd->name);
	free(nd->cmds);
	free(nd->first.v);
	free(nd->wild);
	free(nd->bykey.v);
}

void cmd_tree_free(struct cmd_tree *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n; i++) {
		cn_free(t->all[i]->root);
		free(t->all[i]);
	}
	for (size_t i = 0; i < t->nnodes; i++)
		node_free(&t->nodes[i]);
	free(t->all);
	free(t->nodes);
	free(t->kws.v);
	free(t);
}

static struct cmd_node *node_find(const struct cmd_tree *t, const char *name)
{
	for (size_t i = 0; name && i < t->nnodes; i++)
		if (!strcmp(t->nodes[i].name, name))
			return &t->nodes[i];
	return NULL;
}

static struct cmd_node *node_get(struct cmd_tree *t, const char *name)
{
	struct cmd_node *nd = node_find(t, name);

	if (nd)
		return nd;
	t->nodes = vec_grow(t->nodes, t->nnodes, sizeof(*t->nodes));
	nd = &t->nodes[t->nnodes++];
	memset(nd, 0, sizeof(*nd));
	nd->name = kld_xstrdup(name);
	return nd;
}

/* First entry whose keyword is not below kw. */
static size_t kwi_lower(const struct kw_index *ix, const char *kw)
{
	size_t lo = 0, hi = ix->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (strcmp(ix->v[mid].kw, kw) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

static void kwi_insert(struct kw_index *ix, const char *kw, struct ccmd *c)
{
	size_t at = kwi_lower(ix, kw);

	while (at < ix->n && !strcmp(ix->v[at].kw, kw)) {
		if (ix->v[at].cmd == c)
			return;
		at++;
	}
	ix->v = vec_grow(ix->v, ix->n, sizeof(*ix->v));
	memmove(&ix->v[at + 1], &ix->v[at], (ix->n - at) * sizeof(*ix->v));
	ix->v[at] = (struct kw_ent){ kw, c };
	ix->n++;
}

/* The last keyword on every path through c: what a line must contain to
 * match. The last, because the first ("no", "neighbor", "ip") is the one
 * many commands share. */
static const char *key_keyword(const struct cnode *c)
{
	const char *k = NULL;

	switch (c->kind) {
	case CN_TOKEN:
		return c->type == TOK_KW ? c->text : NULL;
	case CN_SEQ:
		for (size_t i = c->nkids; i-- && !k;)
			k = key_keyword(c->kids[i]);
		return k;
	case CN_ALT:
		return c->nkids == 1 ? key_keyword(c->kids[0]) : NULL;
	default:
		return NULL;
	}
}

static void node_index(struct cmd_node *nd, struct ccmd *c)
{
	struct tokvec tv = { 0 };
	bool wild = first_tokens(c->root, &tv);

	for (size_t i = 0; i < tv.n; i++)
		wild |= tv.v[i]->type != TOK_KW;
	if (wild) {
		nd->wild = vec_grow(nd->wild, nd->nwild, sizeof(*nd->wild));
		nd->wild[nd->nwild++] = c;
	} else {
		for (size_t i = 0; i < tv.n; i++)
			kwi_insert(&nd->first, tv.v[i]->text, c);
	}
	free(tv.v);
	c->key = key_keyword(c->root);
	if (c->key)
		kwi_insert(&nd->bykey, c->key, c);
}

static void index_keywords(struct cmd_tree *t, const struct cnode *c)
{
	if (c->kind == CN_TOKEN && c->type == TOK_KW)
		kwi_insert(&t->kws, c->text, NULL);
	for (size_t i = 0; i < c->nkids; i++)
		index_keywords(t, c->kids[i]);
}

int cmd_tree_add(struct cmd_tree *t, const struct cmd_def *def)
{
	struct cnode *root;
	struct cmd_node *nd;
	struct ccmd *c;

	if (!t || !def || !def->node)
		return -1;
	root = cmd_compile(def->syntax, def->help);
	if (!root)
		return -1;
	c = kld_xcalloc(1, sizeof(*c));
	c->def = def;
	c->root = root;
	index_keywords(t, root);
	t->all = vec_grow(t->all, t->n, sizeof(*t->all));
	t->all[t->n++] = c;
	nd = node_get(t, def->node);
	nd->cmds = vec_grow(nd->cmds, nd->ncmds, sizeof(*nd->cmds));
	nd->cmds[nd->ncmds++] = c;
	node_index(nd, c);
	return 0;
}

int cmd_tree_add_all(struct cmd_tree *t, const struct cmd_def *defs, size_t n)
{
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		if (cmd_tree_add(t, &defs[i]) < 0)
			ret = -1;
	return ret;
}

size_t cmd_tree_count(const struct cmd_tree *t)
{
	return t ? t->n : 0;
}

const struct cmd_def *cmd_tree_get(const struct cmd_tree *t, size_t i)
{
	return t && i < t->n ? t->all[i]->def : NULL;
}

/* ------------------------------------------------------------------ */
/* The walk                                                            */

/* A token consumed words [pos, end); or a named group did. */
struct step {
	const struct cnode *nd;
	size_t pos, end;
};

enum kf_kind { KF_SEQ, KF_GROUP_END, KF_SET };

/* What remains to match once the current node is done. */
struct kframe {
	enum kf_kind kind;
	const struct cnode *nd;
	size_t idx;    /* KF_SEQ: next kid */
	uint64_t used; /* KF_SET: branches taken */
	size_t start;  /* KF_GROUP_END: where the group began; KF_SET: the branch */
	const struct kframe *up;
};

struct walk {
	char *const *words;
	size_t n; /* words to consume */
	bool completing;
	size_t maxpos;   /* furthest any token got */
	bool wants_more; /* some path consumed everything and wanted a token */
	bool at_end;     /* some path consumed everything and ended */
	/* per word, 2 bits per address type (known, matches): many commands
	 * ask the same word whether it is an address */
	uint8_t *addr_memo;
	struct step *path;
	size_t plen, pcap;
	/* matching: the best full path of the command being walked */
	bool have;
	struct step *best;
	size_t blen;
	unsigned char *ranks, *best_ranks;
	/* completion: tokens wanted where the input ran out */
	struct tokvec want;
	/* explaining: the tokens that refused the word at fail_pos, the
	 * furthest word any token refused */
	bool explaining;
	size_t fail_pos;
	const struct cnode *fails[8];
	size_t nfails;
};

static void w_node(struct walk *w, const struct cnode *c, size_t pos, const struct kframe *k);

static void w_push(struct walk *w, const struct cnode *c, size_t pos, size_t end)
{
	/* the path shrinks and grows all the time: vec_grow would not do */
	if (w->plen == w->pcap) {
		w->pcap = w->pcap ? 2 * w->pcap : 16;
		w->path = kld_xrealloc(w->path, w->pcap * sizeof(*w->path));
	}
	w->path[w->plen++] = (struct step){ c, pos, end };
}

/* Duplicates are kept here and dropped once, sorted, by compl_build. */
static void w_want(struct walk *w, const struct cnode *t)
{
	w->wants_more = true;
	if (w->completing)
		tokvec_add(&w->want, t);
}

static void w_matched(struct walk *w)
{
	size_t i, j;
	unsigned char *tmp;

	w->at_end = true;
	if (w->completing)
		return;
	for (i = 0; i < w->plen; i++) {
		const struct step *s = &w->path[i];

		if (s->nd->kind == CN_TOKEN)
			for (j = s->pos; j < s->end; j++)
				w->ranks[j] = (unsigned char)tok_rank(s->nd);
	}
	if (w->have && memcmp(w->ranks, w->best_ranks, w->n) >= 0)
		return;
	w->have = true;
	tmp = w->best_ranks;
	w->best_ranks = w->ranks;
	w->ranks = tmp;
	w->best = kld_xrealloc(w->best, (w->plen ? w->plen : 1) * sizeof(*w->best));
	memcpy(w->best, w->path, w->plen * sizeof(*w->best));
	w->blen = w->plen;
}

static void w_set_next(struct walk *w, const struct cnode *set, uint64_t used, size_t pos,
		       const struct kframe *up)
{
	for (size_t i = 0; i < set->nkids; i++) {
		struct kframe f = { .kind = KF_SET, .nd = set, .start = pos, .up = up };

		if (used & (1ULL << i))
			continue;
		f.used = used | (1ULL << i);
		w_node(w, set->kids[i], pos, &f);
	}
}

static void w_cont(struct walk *w, size_t pos, const struct kframe *k)
{
	struct kframe f;

	if (!k) {
		if (pos == w->n)
			w_matched(w);
		return;
	}
	switch (k->kind) {
	case KF_SEQ:
		if (k->idx == k->nd->nkids) {
			w_cont(w, pos, k->up);
			return;
		}
		f = *k;
		f.idx++;
		w_node(w, k->nd->kids[k->idx], pos, &f);
		return;
	case KF_GROUP_END:
		if (pos == k->start) {
			w_cont(w, pos, k->up);
			return;
		}
		w_push(w, k->nd, k->start, pos);
		w_cont(w, pos, k->up);
		w->plen--;
		return;
	case KF_SET:
		w_cont(w, pos, k->up);
		/* a branch that took no words may end the set but not go on:
		 * {[a]|[b]|[c]} would otherwise try every order of nothing */
		if (pos > k->start)
			w_set_next(w, k->nd, k->used, pos, k->up);
		return;
	}
}

static void w_refused(struct walk *w, const struct cnode *t, size_t pos)
{
	if (!w->nfails || pos > w->fail_pos) {
		w->fail_pos = pos;
		w->nfails = 0;
	}
	if (pos < w->fail_pos || w->nfails == KLD_ARRAY_SIZE(w->fails))
		return;
	for (size_t i = 0; i < w->nfails; i++)
		if (w->fails[i] == t)
			return;
	w->fails[w->nfails++] = t;
}

static size_t w_match(struct walk *w, const struct cnode *t, size_t pos)
{
	unsigned known;

	if (t->type < TOK_IPV4 || t->type > TOK_IPV6_PFX || !w->addr_memo)
		return tok_match(t, w->words, pos, w->n);
	known = 1u << (2 * (t->type - TOK_IPV4));
	if (!(w->addr_memo[pos] & known))
		w->addr_memo[pos] |= known | (tok_match(t, w->words, pos, w->n) ? known << 1 : 0);
	return !!(w->addr_memo[pos] & (known << 1));
}

static void w_token(struct walk *w, const struct cnode *t, size_t pos, const struct kframe *k)
{
	size_t len;

	if (pos >= w->n) {
		w_want(w, t);
		return;
	}
	len = w_match(w, t, pos);
	if (!len) {
		if (w->explaining)
			w_refused(w, t, pos);
		return;
	}
	if (pos + len > w->maxpos)
		w->maxpos = pos + len;
	if (t->type == TOK_TEXT && w->completing)
		w_want(w, t); /* it would take more words too */
	w_push(w, t, pos, pos + len);
	w_cont(w, pos + len, k);
	w->plen--;
}

static void w_node(struct walk *w, const struct cnode *c, size_t pos, const struct kframe *k)
{
	struct kframe f = { .kind = KF_GROUP_END, .nd = c, .start = pos, .up = k };
	const struct kframe *after = c->name ? &f : k;

	switch (c->kind) {
	case CN_TOKEN:
		w_token(w, c, pos, k);
		return;
	case CN_SEQ:
		f = (struct kframe){ .kind = KF_SEQ, .nd = c, .idx = 1, .up = k };
		w_node(w, c->kids[0], pos, &f);
		return;
	case CN_OPT:
		w_cont(w, pos, k);
		/* fall through */
	case CN_ALT:
		for (size_t i = 0; i < c->nkids; i++)
			w_node(w, c->kids[i], pos, after);
		return;
	case CN_SET:
		w_set_next(w, c, 0, pos, after);
		return;
	}
}

static void walk_free(struct walk *w)
{
	free(w->path);
	free(w->best);
	free(w->ranks);
	free(w->best_ranks);
	free(w->want.v);
	free(w->addr_memo);
}

/* ------------------------------------------------------------------ */
/* Matching                                                            */

static void args_add(struct cmd_args *a, const char *name, char *value)
{
	a->names = vec_grow(a->names, a->n, sizeof(*a->names));
	a->values = vec_grow(a->values, a->n, sizeof(*a->values));
	a->names[a->n] = kld_xstrdup(name);
	a->values[a->n++] = value;
}

static bool name_given(const struct step *path, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if ((path[i].nd->kind != CN_TOKEN || path[i].nd->named) &&
		    !strcmp(path[i].nd->name, name))
			return true;
	return false;
}

/* A default name gives way to the same name given with $: in
 * "[seq (1-4294967295)$seq]" the value, not the keyword, is "seq". */
static struct cmd_args *args_build(const struct step *path, size_t n, char *const *words)
{
	struct cmd_args *a = kld_xcalloc(1, sizeof(*a));

	for (size_t i = 0; i < n; i++) {
		const struct cnode *c = path[i].nd;

		if (c->kind == CN_TOKEN && !c->named && name_given(path, n, c->name))
			continue;
		args_add(a, c->name, join_words(words, path[i].pos, path[i].end));
	}
	return a;
}

/* The best match so far over all commands. */
struct best {
	const struct ccmd *cmd;
	bool ambiguous;
	struct step *path;
	size_t plen;
	unsigned char *ranks;
};

static void best_offer(struct best *b, const struct ccmd *c, struct walk *w)
{
	int cmp = b->cmd ? memcmp(w->best_ranks, b->ranks, w->n) : -1;
	unsigned char *tmp;

	if (cmp == 0)
		b->ambiguous = true;
	if (cmp >= 0)
		return;
	b->cmd = c;
	b->ambiguous = false;
	tmp = b->ranks;
	b->ranks = w->best_ranks;
	w->best_ranks = tmp;
	free(b->path);
	b->path = w->best;
	b->plen = w->blen;
	w->best = NULL;
	w->blen = 0;
}

static void match_one(struct walk *w, const struct ccmd *c, struct best *b)
{
	w->have = false;
	w_node(w, c->root, 0, NULL);
	if (w->have)
		best_offer(b, c, w);
}

/* Walks the commands indexed under kw; with keyless_only, only those
 * without a key. */
static void match_kw(struct walk *w, const struct kw_index *ix, const char *kw,
		     bool keyless_only, struct best *b)
{
	for (size_t i = kwi_lower(ix, kw); i < ix->n && !strcmp(ix->v[i].kw, kw); i++)
		if (!keyless_only || !ix->v[i].cmd->key)
			match_one(w, ix->v[i].cmd, b);
}

static bool word_seen(const struct walk *w, size_t i)
{
	for (size_t j = 0; j < i; j++)
		if (!strcmp(w->words[j], w->words[i]))
			return true;
	return false;
}

/*
 * Two passes. Any full match contains its command's key, so the first pass
 * walks only the commands whose key is one of the line's words (each
 * distinct word once, so no command is walked twice), plus the keyless
 * ones that can begin with the first word. That decides every match and
 * every ambiguity. Only a line that matches nothing needs the second pass,
 * over all commands that can take its first word, to tell CMD_INCOMPLETE
 * from CMD_NO_MATCH and find err_pos; it stops at the first command that
 * wants more words, since that makes the line CMD_INCOMPLETE.
 */
static void match_node(struct walk *w, const struct cmd_node *nd, struct best *b)
{
	for (size_t i = 0; i < w->n; i++)
		if (!word_seen(w, i))
			match_kw(w, &nd->bykey, w->words[i], false, b);
	match_kw(w, &nd->first, w->words[0], true, b);
	for (size_t i = 0; i < nd->nwild; i++)
		if (!nd->wild[i]->key)
			match_one(w, nd->wild[i], b);
	if (b->cmd || w->wants_more)
		return;
	match_kw(w, &nd->first, w->words[0], false, b);
	for (size_t i = 0; i < nd->nwild && !w->wants_more; i++)
		match_one(w, nd->wild[i], b);
}

static enum cmd_match_result match_result(const struct walk *w, const struct best *b,
					  const size_t *offsets, const char *line,
					  size_t *err_pos)
{
	if (b->cmd)
		return b->ambiguous ? CMD_AMBIGUOUS : CMD_MATCH;
	if (w->wants_more) {
		*err_pos = strlen(line);
		return CMD_INCOMPLETE;
	}
	*err_pos = offsets[KLD_MIN(w->maxpos, w->n - 1)];
	return CMD_NO_MATCH;
}

enum cmd_match_result cmd_tree_match(const struct cmd_tree *t, const char *node,
				     const char *line, const struct cmd_def **def,
				     struct cmd_args **args, size_t *err_pos)
{
	struct walk w = { 0 };
	struct best b = { 0 };
	const struct cmd_node *nd;
	enum cmd_match_result res;
	size_t *offsets, epos = 0;
	char **words;

	if (def)
		*def = NULL;
	if (args)
		*args = NULL;
	w.n = cmd_split(line, &words, &offsets);
	w.words = words;
	if (!w.n) {
		res = CMD_EMPTY;
		goto out;
	}
	w.ranks = kld_xcalloc(w.n, 1);
	w.best_ranks = kld_xcalloc(w.n, 1);
	w.addr_memo = kld_xcalloc(w.n, 1);
	b.ranks = kld_xcalloc(w.n, 1);
	nd = t ? node_find(t, node) : NULL;
	if (nd)
		match_node(&w, nd, &b);
	res = match_result(&w, &b, offsets, line, &epos);
	if (res == CMD_MATCH) {
		if (def)
			*def = b.cmd->def;
		if (args)
			*args = args_build(b.path, b.plen, words);
	}
out:
	if (err_pos)
		*err_pos = epos;
	free(b.path);
	free(b.ranks);
	walk_free(&w);
	cmd_words_free(words, offsets, w.n);
	return res;
}

/* ------------------------------------------------------------------ */
/* Explaining a refusal                                                */

/* The token of this type among those that refused the word, if any. */
static const struct cnode *refused_by(const struct walk *w, enum tok_type type)
{
	for (size_t i = 0; i < w->nfails; i++)
		if (w->fails[i]->type == type)
			return w->fails[i];
	return NULL;
}

static bool explain_range(const struct cnode *t, const char *word, char *why, size_t size)
{
	long long v;

	if (!t)
		return false;
	if (parse_int(word, &v))
		snprintf(why, size, "%s is out of range %lld-%lld", word, t->lo, t->hi);
	else
		snprintf(why, size, "%s is not a number (%lld-%lld)", word, t->lo, t->hi);
	return true;
}

/* A prefix or an address wanted: say which, with the word made right
 * when it only lacks (or has too much of) a prefix length. */
static bool explain_addr(const struct walk *w, const char *word, uint8_t family, char *why,
			 size_t size)
{
	bool v6 = family == AF_INET6;
	const struct cnode *pfx = refused_by(w, v6 ? TOK_IPV6_PFX : TOK_IPV4_PFX);
	const struct cnode *addr = refused_by(w, v6 ? TOK_IPV6 : TOK_IPV4);
	const char *slash = strchr(word, '/');
	char head[INET6_ADDRSTRLEN + 1];

	if (pfx && match_addr(word, family)) {
		snprintf(why, size, "a prefix length is needed, as in %s/%d", word, v6 ? 64 : 24);
		return true;
	}
	if (addr && !pfx && slash && match_prefix(word, family)) {
		snprintf(head, sizeof(head), "%.*s", (int)KLD_MIN((size_t)(slash - word), sizeof(head) - 1),
			 word);
		snprintf(why, size, "an address without prefix length is needed, as in %s", head);
		return true;
	}
	if (!pfx && !addr)
		return false;
	snprintf(why, size, "%s is not an %s %s (%s)", word, v6 ? "IPv6" : "IPv4",
		 pfx ? "prefix" : "address", pfx ? pfx->text : addr->text);
	return true;
}

static bool explain_word(const struct walk *w, const char *word, char *why, size_t size)
{
	const char *d = word + (*word == '-');
	bool numeric = *d && all_of(d, strlen(d), "0123456789");

	if (numeric && explain_range(refused_by(w, TOK_RANGE), word, why, size))
		return true;
	if (strchr(word, ':') && explain_addr(w, word, AF_INET6, why, size))
		return true;
	if (explain_addr(w, word, AF_INET, why, size))
		return true;
	return explain_range(refused_by(w, TOK_RANGE), word, why, size);
}

int cmd_tree_explain(const struct cmd_tree *t, const char *node, const char *line, char *why,
		     size_t size)
{
	struct walk w = { .explaining = true };
	struct best b = { 0 };
	const struct cmd_node *nd = t ? node_find(t, node) : NULL;
	size_t *offsets, epos;
	char **words, msg[160];
	int ret = -1;

	w.n = cmd_split(line, &words, &offsets);
	w.words = words;
	if (!w.n || !nd)
		goto out;
	w.ranks = kld_xcalloc(w.n, 1);
	w.best_ranks = kld_xcalloc(w.n, 1);
	w.addr_memo = kld_xcalloc(w.n, 1);
	b.ranks = kld_xcalloc(w.n, 1);
	match_node(&w, nd, &b);
	/* Only a word that no command got past, refused for its value (a
	 * keyword refused is an unknown command, not a bad value). */
	if (match_result(&w, &b, offsets, line, &epos) != CMD_NO_MATCH || !w.nfails ||
	    w.fail_pos != w.maxpos || !explain_word(&w, words[w.fail_pos], msg, sizeof(msg)))
		goto out;
	snprintf(why, size, "%s: %s", w.fail_pos ? words[w.fail_pos - 1] : "command", msg);
	ret = 0;
out:
	free(b.path);
	free(b.ranks);
	walk_free(&w);
	cmd_words_free(words, offsets, w.n);
	return ret;
}

/* ------------------------------------------------------------------ */
/* Completion                                                          */

struct wanted {
	const struct cnode *t;
	size_t order; /* first wanted first: it supplies the help */
};

static int wanted_cmp(const void *a, const void *b)
{
	const struct wanted *x = a, *y = b;
	int d = strcmp(x->t->text, y->t->text);

	if (d)
		return d;
	return x->order < y->order ? -1 : x->order > y->order;
}

static size_t compl_build(const struct tokvec *want, const char *partial, bool cr,
			  struct cmd_completion **out)
{
	struct wanted *v = kld_xcalloc(want->n, sizeof(*v));
	struct cmd_completion *c = NULL;
	size_t nv = 0, n = 0;

	for (size_t i = 0; i < want->n; i++)
		if (!partial || tok_partial(want->v[i], partial))
			v[nv++] = (struct wanted){ want->v[i], i };
	qsort(v, nv, sizeof(*v), wanted_cmp);
	for (size_t i = 0; i < nv; i++) {
		const struct cnode *t = v[i].t;

		if (i && !strcmp(v[i - 1].t->text, t->text))
			continue;
		c = vec_grow(c, n, sizeof(*c));
		c[n++] = (struct cmd_completion){ kld_xstrdup(t->text), kld_xstrdup(tok_help(t)),
						  t->type == TOK_KW };
	}
	if (cr) {
		c = vec_grow(c, n, sizeof(*c));
		c[n++] = (struct cmd_completion){ kld_xstrdup("<cr>"), kld_xstrdup(""), false };
	}
	free(v);
	*out = c;
	return n;
}

size_t cmd_tree_complete(const struct cmd_tree *t, const char *node, const char *line,
			 struct cmd_completion **out)
{
	struct walk w = { .completing = true };
	const struct cmd_node *nd = t ? node_find(t, node) : NULL;
	const char *partial = NULL;
	size_t *offsets, nwords, n = 0;
	char **words;

	*out = NULL;
	nwords = cmd_split(line, &words, &offsets);
	if (!nwords && line && line[strspn(line, " \t\r\n")])
		return 0; /* a comment: nothing to complete */
	w.words = words;
	w.n = nwords;
	/* the last word is partial when nothing (not even a comment) follows it */
	if (nwords && offsets[nwords - 1] + strlen(words[nwords - 1]) == strlen(line))
		partial = words[--w.n];
	for (size_t i = 0; nd && i < nd->ncmds; i++)
		if (!(nd->cmds[i]->def->flags & CMD_HIDDEN))
			w_node(&w, nd->cmds[i]->root, 0, NULL);
	if (nd)
		n = compl_build(&w.want, partial, w.at_end && !partial, out);
	walk_free(&w);
	cmd_words_free(words, offsets, nwords);
	return n;
}

void cmd_completions_free(struct cmd_completion *c, size_t n)
{
	for (size_t i = 0; c && i < n; i++) {
		free(c[i].token);
		free(c[i].help);
	}
	free(c);
}

/* ------------------------------------------------------------------ */
/* Abbreviations                                                       */

/*
 * A pass in front of matching rather than prefix matching inside the walk:
 * the walk and its indexes (by key, by first keyword) stay exact and fast,
 * and the shell resolves a prefix against all its trees at once, which no
 * one tree's walk could. Each word that begins a longer keyword somewhere
 * is resolved by completion of the words before it; completion already
 * knows which keywords may stand at a place.
 */

/* Does any keyword of t begin with w and go on? Only such a word can be an
 * abbreviation: the rest (values, full keywords that begin no longer one)
 * skip the completion walk, which keeps files of full lines fast. */
static bool kw_extends(const struct cmd_tree *t, const char *w)
{
	size_t len = strlen(w), i = kwi_lower(&t->kws, w);

	for (; i < t->kws.n && !strncmp(t->kws.v[i].kw, w, len); i++)
		if (t->kws.v[i].kw[len])
			return true;
	return false;
}

struct kwset {
	char **v;
	size_t n;
};

static void kwset_add(struct kwset *s, const char *kw)
{
	for (size_t i = 0; i < s->n; i++)
		if (!strcmp(s->v[i], kw))
			return;
	s->v = vec_grow(s->v, s->n, sizeof(*s->v));
	s->v[s->n++] = kld_xstrdup(kw);
}

static void kwset_free(struct kwset *s)
{
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
}

/* The keywords, over all trees, that may stand where the last word of
 * line (a partial word) is, and begin with it. */
static void expand_candidates(const struct cmd_tree *const *trees, size_t ntrees,
			      const char *node, const char *line, struct kwset *s)
{
	for (size_t i = 0; i < ntrees; i++) {
		struct cmd_completion *c;
		size_t n;

		if (!trees[i])
			continue;
		n = cmd_tree_complete(trees[i], node, line, &c);
		for (size_t j = 0; j < n; j++)
			if (c[j].is_keyword)
				kwset_add(s, c[j].token);
		cmd_completions_free(c, n);
	}
}

static bool expand_needed(const struct cmd_tree *const *trees, size_t ntrees, const char *w)
{
	for (size_t i = 0; i < ntrees; i++)
		if (trees[i] && kw_extends(trees[i], w))
			return true;
	return false;
}

static int kwset_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Resolves words[i] (words before it already full) in place; -1 with a
 * message in *msg when it is ambiguous. */
static int expand_word(const struct cmd_tree *const *trees, size_t ntrees, const char *node,
		       char **words, size_t i, char **msg)
{
	char *head = join_words(words, 0, i + 1);
	struct kwset s = { 0 };
	int rc = 0;

	expand_candidates(trees, ntrees, node, head, &s);
	free(head);
	for (size_t j = 0; j < s.n; j++)
		if (!strcmp(s.v[j], words[i]))
			goto out; /* a full keyword is never an abbreviation */
	if (s.n == 1) {
		free(words[i]);
		words[i] = kld_xstrdup(s.v[0]);
	} else if (s.n > 1) {
		char *cands;

		qsort(s.v, s.n, sizeof(*s.v), kwset_cmp);
		cands = join_words(s.v, 0, s.n);

		if (asprintf(msg, "%% Ambiguous command: \"%s\" could be: %s", words[i], cands) < 0)
			abort();
		free(cands);
		rc = -1;
	}
out:
	kwset_free(&s);
	return rc;
}

int cmd_expand(const struct cmd_tree *const *trees, size_t ntrees, const char *node,
	       const char *line, char **out)
{
	char **words;
	size_t *offsets, n = cmd_split(line, &words, &offsets);
	bool changed = false;
	int rc = 0;

	*out = NULL;
	for (size_t i = 0; i < n && !rc; i++) {
		char *before;

		if (!expand_needed(trees, ntrees, words[i]))
			continue;
		before = kld_xstrdup(words[i]);
		rc = expand_word(trees, ntrees, node, words, i, out);
		changed |= strcmp(before, words[i]) != 0;
		free(before);
	}
	/* an unchanged line keeps its comment and spacing */
	if (!rc)
		*out = changed ? join_words(words, 0, n) : kld_xstrdup(line);
	cmd_words_free(words, offsets, n);
	return rc;
}

/* ------------------------------------------------------------------ */
/* Bound arguments                                                     */

void cmd_args_free(struct cmd_args *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++) {
		free(a->names[i]);
		free(a->values[i]);
	}
	free(a->names);
	free(a->values);
	free(a);
}

const char *cmd_arg(const struct cmd_args *a, const char *name)
{
	for (size_t i = 0; a && name && i < a->n; i++)
		if (!strcmp(a->names[i], name))
			return a->values[i];
	return NULL;
}

bool cmd_has(const struct cmd_args *a, const char *name)
{
	return cmd_arg(a, name) != NULL;
}

long long cmd_arg_int(const struct cmd_args *a, const char *name, long long dflt)
{
	const char *v = cmd_arg(a, name);
	long long x;

	return v && parse_int(v, &x) ? x : dflt;
}

int cmd_arg_prefix(const struct cmd_args *a, const char *name, struct kld_prefix *p)
{
	const char *v = cmd_arg(a, name);

	return v ? kld_prefix_parse(v, p, false) : -1;
}

int cmd_arg_addr(const struct cmd_args *a, const char *name, struct kld_addr *addr)
{
	const char *v = cmd_arg(a, name);

	return v ? kld_addr_parse(v, addr) : -1;
}

size_t cmd_args_count(const struct cmd_args *a)
{
	return a ? a->n : 0;
}

const char *cmd_args_name(const struct cmd_args *a, size_t i)
{
	return a && i < a->n ? a->names[i] : NULL;
}

const char *cmd_args_value(const struct cmd_args *a, size_t i)
{
	return a && i < a->n ? a->values[i] : NULL;
}
