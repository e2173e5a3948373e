/*
 * Unit tests for the command parser (lib/command.c): the syntax grammar,
 * the value types, FRR's own command strings, bindings, specificity,
 * errors, completion, comments, and a 1000 x 10,000 matching run.
 *
 * Each test builds its own tree from a table of defs, so they share no
 * state. Helpers report the line that failed, since one helper serves many
 * lines.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "command.h"

#define N(a) (sizeof(a) / sizeof((a)[0]))

static struct cmd_tree *tree_of(const struct cmd_def *defs, size_t n)
{
	struct cmd_tree *t = cmd_tree_new();

	assert_non_null(t);
	assert_int_equal(cmd_tree_add_all(t, defs, n), 0);
	assert_int_equal(cmd_tree_count(t), n);
	return t;
}

static const char *res_name(enum cmd_match_result r)
{
	static const char *const names[] = { "MATCH", "NO_MATCH", "INCOMPLETE", "AMBIGUOUS",
					     "EMPTY" };

	return r < N(names) ? names[r] : "?";
}

/* Match `line` and insist on `want`; returns the args (caller frees). */
static struct cmd_args *match_ok(const struct cmd_tree *t, const char *node, const char *line,
				 const struct cmd_def *want)
{
	const struct cmd_def *d = NULL;
	struct cmd_args *a = NULL;
	size_t ep = 99;
	enum cmd_match_result r = cmd_tree_match(t, node, line, &d, &a, &ep);

	if (r != CMD_MATCH)
		fail_msg("'%s': %s (err_pos %zu), expected MATCH", line, res_name(r), ep);
	if (d != want)
		fail_msg("'%s': matched '%s', expected '%s'", line, d ? d->syntax : "(null)",
			 want->syntax);
	assert_non_null(a);
	return a;
}

/* Match `line` and insist on a failure `want` at `err_pos` (NO_MATCH only). */
static void match_fail(const struct cmd_tree *t, const char *node, const char *line,
		       enum cmd_match_result want, size_t err_pos)
{
	const struct cmd_def *d = (const struct cmd_def *)1;
	struct cmd_args *a = (struct cmd_args *)1;
	size_t ep = 99;
	enum cmd_match_result r = cmd_tree_match(t, node, line, &d, &a, &ep);

	if (r != want)
		fail_msg("'%s': %s, expected %s", line, res_name(r), res_name(want));
	if (want == CMD_NO_MATCH && ep != err_pos)
		fail_msg("'%s': err_pos %zu, expected %zu", line, ep, err_pos);
	assert_null(d);
	assert_null(a);
}

static void arg_is(const struct cmd_args *a, const char *name, const char *value)
{
	const char *v = cmd_arg(a, name);

	if (!value && v)
		fail_msg("arg '%s' is '%s', expected absent", name, v);
	if (value && (!v || strcmp(v, value)))
		fail_msg("arg '%s' is '%s', expected '%s'", name, v ? v : "(absent)", value);
	assert_int_equal(cmd_has(a, name), value != NULL);
}

/* The completion tokens for `line`, blank-separated. */
static char *completions(const struct cmd_tree *t, const char *node, const char *line)
{
	static char buf[1024];
	struct cmd_completion *c;
	size_t n = cmd_tree_complete(t, node, line, &c);

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++) {
		assert_non_null(c[i].help);
		if (i)
			strcat(buf, " ");
		strcat(buf, c[i].token);
	}
	cmd_completions_free(c, n);
	return buf;
}

#define COMPLETES(t, node, line, want) assert_string_equal(completions(t, node, line), want)

/* The help shown for one completion token. */
static char *completion_help(const struct cmd_tree *t, const char *node, const char *line,
			     const char *token, bool *is_kw)
{
	static char buf[256];
	struct cmd_completion *c;
	size_t n = cmd_tree_complete(t, node, line, &c);

	buf[0] = '\0';
	for (size_t i = 0; i < n; i++)
		if (!strcmp(c[i].token, token)) {
			snprintf(buf, sizeof(buf), "%s", c[i].help);
			if (is_kw)
				*is_kw = c[i].is_keyword;
		}
	cmd_completions_free(c, n);
	return buf;
}

/* ---------------------------------------------------------------- */
/* Splitting                                                         */

static void test_split_words_and_offsets(void **state)
{
	char **w;
	size_t *off;
	size_t n = cmd_split("  neighbor\t10.0.0.1   remote-as 65002", &w, &off);

	assert_int_equal(n, 4);
	assert_string_equal(w[0], "neighbor");
	assert_string_equal(w[1], "10.0.0.1");
	assert_string_equal(w[2], "remote-as");
	assert_string_equal(w[3], "65002");
	assert_int_equal(off[0], 2);
	assert_int_equal(off[1], 11);
	assert_int_equal(off[2], 22);
	assert_int_equal(off[3], 32);
	cmd_words_free(w, off, n);

	n = cmd_split("", &w, &off);
	assert_int_equal(n, 0);
	cmd_words_free(w, off, n);
	n = cmd_split(" \t ", &w, &off);
	assert_int_equal(n, 0);
	cmd_words_free(w, off, n);
}

static void test_split_comments(void **state)
{
	char **w;
	size_t *off;
	size_t n = cmd_split("neighbor X remote-as 65002 # Site B", &w, &off);

	assert_int_equal(n, 4);
	assert_string_equal(w[3], "65002");
	cmd_words_free(w, off, n);

	/* '#' inside a word is not a comment */
	n = cmd_split("description a#b c", &w, &off);
	assert_int_equal(n, 3);
	assert_string_equal(w[1], "a#b");
	cmd_words_free(w, off, n);

	n = cmd_split("#whole line", &w, &off);
	assert_int_equal(n, 0);
	cmd_words_free(w, off, n);
	n = cmd_split("foo #bar baz", &w, &off);
	assert_int_equal(n, 1);
	cmd_words_free(w, off, n);
	n = cmd_split("  ! a comment with words", &w, &off);
	assert_int_equal(n, 0);
	cmd_words_free(w, off, n);
	/* '!' inside a line: a lone "!" word only (a password may start with it) */
	n = cmd_split("foo !bar", &w, &off);
	assert_int_equal(n, 2);
	assert_string_equal(w[1], "!bar");
	cmd_words_free(w, off, n);
	n = cmd_split("ip route 10.50.0.0/16 10.0.0.1 ! gw", &w, &off);
	assert_int_equal(n, 4);
	assert_string_equal(w[3], "10.0.0.1");
	cmd_words_free(w, off, n);
	n = cmd_split("description a b\t!", &w, &off);
	assert_int_equal(n, 3);
	cmd_words_free(w, off, n);
}

/* ---------------------------------------------------------------- */
/* Syntax                                                            */

static void test_syntax_valid(void **state)
{
	static const char *const good[] = {
		"show version",
		"[no] neighbor <A.B.C.D|X:X::X:X|WORD>$peer remote-as <(1-4294967295)$asn|internal|external>",
		"ip route A.B.C.D/M$prefix <A.B.C.D$gw|blackhole|WORD$ifname> [(1-255)$distance]",
		"ip prefix-list WORD$name [seq (1-4294967295)$seq] <permit|deny>$action "
		"<A.B.C.D/M$prefix [{ge (0-32)$ge|le (0-32)$le}]|any>",
		"show bgp [<ipv4|ipv6>$afi unicast] summary [json]",
		"description LINE...$text",
		"ipv6 route X:X::X:X/M X:X::X:X",
		"x (-100-100)",
		"x (-100 - 100)",
		"x ( -5 - -1 )",
		"x (0-0)",
		"x {a|b c|d}$g",
		"interface IFNAME",
		"x AA:NN M:A:C",
		"x [<a|b> [c]]",
		"clear bgp *",
		"x WORD...",
		"x <a|LINE...>",
	};
	for (size_t i = 0; i < N(good); i++)
		if (!cmd_syntax_valid(good[i]))
			fail_msg("rejected good syntax '%s'", good[i]);
}

static void test_syntax_invalid(void **state)
{
	static const char *const bad[] = {
		"",
		"   ",
		"<a|b",
		"a|b",
		"<a|>",
		"<|a>",
		"[]",
		"<>",
		"{}",
		"a>",
		"<a]",
		"{a|b",
		"[a|b>",
		"(5-1)",
		"(1-)",
		"(-1)",
		"(a-b)",
		"(1-4294967296)",
		"(1-99999999999)",
		"(1-2",
		")",
		"x ()",
		"$x",
		"a$",
		"a$ b",
		"<a|b>$",
		"LINE... foo",
		"x [LINE...] y",
		"<LINE...|none>",
		"word...",
		"A.B.C.D...",
		"(1-5)...",
		"x $y",
		"a || b",
		NULL,
	};
	for (size_t i = 0; i < N(bad); i++)
		if (cmd_syntax_valid(bad[i]))
			fail_msg("accepted bad syntax '%s'", bad[i]);
}

static void test_tree_add_and_order(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "config", .syntax = "alpha" },
		{ .node = "config", .syntax = "<broken" },
		{ .node = "bgp", .syntax = "beta WORD" },
		{ .node = NULL, .syntax = "gamma" },
		{ .node = "config", .syntax = "(9-1)" },
		{ .node = "config", .syntax = "delta" },
	};
	struct cmd_tree *t = cmd_tree_new();

	assert_int_equal(cmd_tree_add(t, &defs[0]), 0);
	assert_int_equal(cmd_tree_add(t, &defs[1]), -1);
	assert_int_equal(cmd_tree_count(t), 1);
	/* add_all reports the failure but adds the rest */
	assert_int_equal(cmd_tree_add_all(t, &defs[2], 4), -1);
	assert_int_equal(cmd_tree_count(t), 3);
	assert_ptr_equal(cmd_tree_get(t, 0), &defs[0]);
	assert_ptr_equal(cmd_tree_get(t, 1), &defs[2]);
	assert_ptr_equal(cmd_tree_get(t, 2), &defs[5]);
	assert_null(cmd_tree_get(t, 3));
	cmd_args_free(match_ok(t, "config", "delta", &defs[5]));
	match_fail(t, "config", "gamma", CMD_NO_MATCH, 0);
	cmd_tree_free(t);
}

/* ---------------------------------------------------------------- */
/* Value types                                                       */

static void test_keywords_exact(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "view", .syntax = "show version" },
		{ .node = "view", .syntax = "show version detail" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));

	cmd_args_free(match_ok(t, "view", "show version", &defs[0]));
	cmd_args_free(match_ok(t, "view", "  show\tversion  ", &defs[0]));
	cmd_args_free(match_ok(t, "view", "show version detail", &defs[1]));
	/* no abbreviations, no case folding */
	match_fail(t, "view", "sh version", CMD_NO_MATCH, 0);
	match_fail(t, "view", "show ver", CMD_NO_MATCH, 5);
	match_fail(t, "view", "Show version", CMD_NO_MATCH, 0);
	match_fail(t, "view", "show versions", CMD_NO_MATCH, 5);
	match_fail(t, "view", "show version detail more", CMD_NO_MATCH, 20);
	cmd_tree_free(t);
}

static void test_ranges(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "d (1-255)" },
		{ .node = "n", .syntax = "t (-100-100)" },
		{ .node = "n", .syntax = "asn (1-4294967295)" },
		{ .node = "n", .syntax = "z (0-0)" },
	};
	static const char *const ok[] = {
		"d 1", "d 255", "d 77", "t -100", "t 0", "t 100", "t -7",
		"asn 1", "asn 4294967295", "asn 65001", "z 0",
	};
	static const char *const ko[] = {
		"d 0", "d 256", "d 1a", "d +5", "d -1", "d 0x10", "d 1.5", "t -101",
		"t 101", "t --5", "asn 0", "asn 4294967296", "asn 99999999999999999999999",
		"z 1", "z -",
	};
	struct cmd_tree *t = tree_of(defs, N(defs));

	for (size_t i = 0; i < N(ok); i++) {
		const struct cmd_def *d;
		struct cmd_args *a;

		if (cmd_tree_match(t, "n", ok[i], &d, &a, NULL) != CMD_MATCH)
			fail_msg("range rejected '%s'", ok[i]);
		cmd_args_free(a);
	}
	for (size_t i = 0; i < N(ko); i++)
		match_fail(t, "n", ko[i], CMD_NO_MATCH, strchr(ko[i], ' ') - ko[i] + 1);

	struct cmd_args *a = match_ok(t, "n", "asn 4294967295", &defs[2]);
	assert_int_equal(cmd_arg_int(a, "range", 0), 4294967295LL);
	cmd_args_free(a);
	a = match_ok(t, "n", "t -42", &defs[1]);
	assert_int_equal(cmd_arg_int(a, "range", 0), -42);
	cmd_args_free(a);
	cmd_tree_free(t);
}

static void test_ipv4_types(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "a A.B.C.D" },
		{ .node = "n", .syntax = "p A.B.C.D/M" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));
	struct kld_prefix p;
	struct kld_addr ad;
	struct cmd_args *a;

	a = match_ok(t, "n", "a 10.0.0.1", &defs[0]);
	arg_is(a, "a.b.c.d", "10.0.0.1");
	assert_int_equal(cmd_arg_addr(a, "a.b.c.d", &ad), 0);
	assert_int_equal(ad.family, AF_INET);
	assert_int_equal(ntohl(ad.u.v4.s_addr), 0x0a000001);
	assert_int_equal(cmd_arg_prefix(a, "missing", &p), -1);
	cmd_args_free(a);
	cmd_args_free(match_ok(t, "n", "a 255.255.255.255", &defs[0]));
	match_fail(t, "n", "a 10.0.0", CMD_NO_MATCH, 2);
	match_fail(t, "n", "a 10.0.0.256", CMD_NO_MATCH, 2);
	match_fail(t, "n", "a 10.0.0.1/24", CMD_NO_MATCH, 2);
	match_fail(t, "n", "a abc", CMD_NO_MATCH, 2);
	match_fail(t, "n", "a ::1", CMD_NO_MATCH, 2);
	match_fail(t, "n", "a 1.2.3.4.5", CMD_NO_MATCH, 2);

	/* host bits are accepted and masked when read (FRR does the same) */
	a = match_ok(t, "n", "p 10.1.2.3/8", &defs[1]);
	arg_is(a, "a.b.c.d/m", "10.1.2.3/8");
	assert_int_equal(cmd_arg_prefix(a, "a.b.c.d/m", &p), 0);
	assert_int_equal(p.family, AF_INET);
	assert_int_equal(p.len, 8);
	assert_int_equal(ntohl(p.u.v4.s_addr), 0x0a000000);
	cmd_args_free(a);
	cmd_args_free(match_ok(t, "n", "p 0.0.0.0/0", &defs[1]));
	match_fail(t, "n", "p 10.0.0.0", CMD_NO_MATCH, 2);
	match_fail(t, "n", "p 10.0.0.0/33", CMD_NO_MATCH, 2);
	match_fail(t, "n", "p 10.0.0.0/", CMD_NO_MATCH, 2);
	match_fail(t, "n", "p 10.0.0.0/8x", CMD_NO_MATCH, 2);
	match_fail(t, "n", "p 2001:db8::/32", CMD_NO_MATCH, 2);
	cmd_tree_free(t);
}

static void test_ipv6_types(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "a X:X::X:X$addr" },
		{ .node = "n", .syntax = "p X:X::X:X/M$pfx" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));
	struct kld_prefix p;
	struct kld_addr ad;
	struct cmd_args *a;

	a = match_ok(t, "n", "a 2001:db8::1", &defs[0]);
	assert_int_equal(cmd_arg_addr(a, "addr", &ad), 0);
	assert_int_equal(ad.family, AF_INET6);
	assert_int_equal(ad.u.bytes[15], 1);
	cmd_args_free(a);
	cmd_args_free(match_ok(t, "n", "a ::", &defs[0]));
	cmd_args_free(match_ok(t, "n", "a ::ffff:10.0.0.1", &defs[0]));
	cmd_args_free(match_ok(t, "n", "a fe80::1:2:3:4", &defs[0]));
	match_fail(t, "n", "a 10.0.0.1", CMD_NO_MATCH, 2);
	match_fail(t, "n", "a 2001:db8:::1", CMD_NO_MATCH, 2);
	match_fail(t, "n", "a 2001:db8::/32", CMD_NO_MATCH, 2);
	match_fail(t, "n", "a fe80::g", CMD_NO_MATCH, 2);

	a = match_ok(t, "n", "p 2001:db8::1/32", &defs[1]);
	assert_int_equal(cmd_arg_prefix(a, "pfx", &p), 0);
	assert_int_equal(p.family, AF_INET6);
	assert_int_equal(p.len, 32);
	assert_int_equal(p.u.bytes[15], 0);
	cmd_args_free(a);
	match_fail(t, "n", "p 2001:db8::", CMD_NO_MATCH, 2);
	match_fail(t, "n", "p 2001:db8::/129", CMD_NO_MATCH, 2);
	match_fail(t, "n", "p 10.0.0.0/8", CMD_NO_MATCH, 2);
	cmd_tree_free(t);
}

static void test_word_and_line(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "interface IFNAME" },
		{ .node = "n", .syntax = "description LINE...$text" },
		{ .node = "n", .syntax = "banner LINE..." },
		{ .node = "n", .syntax = "x WORD" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));
	struct cmd_args *a;

	a = match_ok(t, "n", "interface wg-plane0", &defs[0]);
	arg_is(a, "ifname", "wg-plane0");
	cmd_args_free(a);
	a = match_ok(t, "n", "description  Link to\tsite  B  ", &defs[1]);
	arg_is(a, "text", "Link to site B");
	arg_is(a, "description", "description");
	assert_int_equal(cmd_args_count(a), 2);
	cmd_args_free(a);
	a = match_ok(t, "n", "banner one", &defs[2]);
	arg_is(a, "line", "one");
	cmd_args_free(a);
	/* a comment ends the text */
	a = match_ok(t, "n", "description uplink # not text", &defs[1]);
	arg_is(a, "text", "uplink");
	cmd_args_free(a);
	a = match_ok(t, "n", "x 10.0.0.1", &defs[3]);
	arg_is(a, "word", "10.0.0.1");
	cmd_args_free(a);
	/* LINE... needs at least one word, WORD exactly one */
	match_fail(t, "n", "description", CMD_INCOMPLETE, 0);
	match_fail(t, "n", "x a b", CMD_NO_MATCH, 4);
	cmd_tree_free(t);
}

/* ---------------------------------------------------------------- */
/* FRR's command strings                                             */

static const struct cmd_def frr_neighbor = {
	.node = "bgp",
	.syntax = "[no] neighbor <A.B.C.D|X:X::X:X|WORD>$peer remote-as "
		  "<(1-4294967295)$asn|internal|external>",
	.help = "Negate a command or set its defaults\nSpecify neighbor router\n"
		"Neighbor address\nNeighbor IPv6 address\nInterface name or neighbor tag\n"
		"Specify a BGP neighbor\nAS number\nInternal BGP peer\nExternal BGP peer\n",
};

static void test_frr_neighbor(void **state)
{
	struct cmd_tree *t = tree_of(&frr_neighbor, 1);
	struct cmd_args *a;

	a = match_ok(t, "bgp", "neighbor 10.200.0.2 remote-as 65002", &frr_neighbor);
	arg_is(a, "peer", "10.200.0.2");
	arg_is(a, "asn", "65002");
	arg_is(a, "no", NULL);
	arg_is(a, "neighbor", "neighbor");
	arg_is(a, "remote-as", "remote-as");
	assert_int_equal(cmd_arg_int(a, "asn", -1), 65002);
	/* the alternative that matched also binds under its own name */
	arg_is(a, "a.b.c.d", "10.200.0.2");
	arg_is(a, "word", NULL);
	assert_int_equal(cmd_args_count(a), 5);
	/* match order: a group binds after the tokens inside it */
	assert_string_equal(cmd_args_name(a, 0), "neighbor");
	assert_string_equal(cmd_args_name(a, 1), "a.b.c.d");
	assert_string_equal(cmd_args_name(a, 2), "peer");
	assert_string_equal(cmd_args_value(a, 2), "10.200.0.2");
	assert_string_equal(cmd_args_name(a, 3), "remote-as");
	assert_string_equal(cmd_args_name(a, 4), "asn");
	assert_string_equal(cmd_args_value(a, 4), "65002");
	assert_null(cmd_args_name(a, 5));
	assert_null(cmd_args_value(a, 5));
	cmd_args_free(a);

	a = match_ok(t, "bgp", "no neighbor fe80::1 remote-as internal", &frr_neighbor);
	arg_is(a, "no", "no");
	arg_is(a, "peer", "fe80::1");
	arg_is(a, "internal", "internal");
	arg_is(a, "asn", NULL);
	assert_int_equal(cmd_arg_int(a, "asn", 7), 7);
	cmd_args_free(a);

	a = match_ok(t, "bgp", "neighbor PEERS remote-as external", &frr_neighbor);
	arg_is(a, "peer", "PEERS");
	arg_is(a, "external", "external");
	cmd_args_free(a);

	/* the seeds' trailing comment */
	a = match_ok(t, "bgp", "neighbor 10.200.0.2 remote-as 65002 # Site B", &frr_neighbor);
	arg_is(a, "asn", "65002");
	cmd_args_free(a);

	match_fail(t, "bgp", "neighbor 10.200.0.2 remote-as 0", CMD_NO_MATCH, 30);
	match_fail(t, "bgp", "neighbor 10.200.0.2 remote-as bogus", CMD_NO_MATCH, 30);
	match_fail(t, "bgp", "neighbor 10.200.0.2 remote", CMD_NO_MATCH, 20);
	match_fail(t, "bgp", "neighbor 10.200.0.2", CMD_INCOMPLETE, 0);
	match_fail(t, "bgp", "no", CMD_INCOMPLETE, 0);
	match_fail(t, "bgp", "no no neighbor x remote-as 1", CMD_NO_MATCH, 3);
	cmd_tree_free(t);
}

static const struct cmd_def frr_route = {
	.node = "config",
	.syntax = "ip route A.B.C.D/M$prefix <A.B.C.D$gw|blackhole|WORD$ifname> [(1-255)$distance]",
	.help = "IP information\nStatic route\nPrefix\nNexthop address\nDrop\nInterface\n"
		"Distance\n",
};

static void test_frr_ip_route(void **state)
{
	struct cmd_tree *t = tree_of(&frr_route, 1);
	struct kld_prefix p;
	struct cmd_args *a;

	/* the typed alternative wins over WORD within one command */
	a = match_ok(t, "config", "ip route 10.0.0.0/8 192.0.2.1", &frr_route);
	arg_is(a, "prefix", "10.0.0.0/8");
	arg_is(a, "gw", "192.0.2.1");
	arg_is(a, "ifname", NULL);
	arg_is(a, "distance", NULL);
	assert_int_equal(cmd_arg_int(a, "distance", 1), 1);
	assert_int_equal(cmd_arg_prefix(a, "prefix", &p), 0);
	assert_int_equal(p.len, 8);
	cmd_args_free(a);

	/* the keyword wins over WORD too */
	a = match_ok(t, "config", "ip route 10.0.0.0/8 blackhole 200", &frr_route);
	arg_is(a, "blackhole", "blackhole");
	arg_is(a, "ifname", NULL);
	arg_is(a, "distance", "200");
	assert_int_equal(cmd_arg_int(a, "distance", 1), 200);
	cmd_args_free(a);

	a = match_ok(t, "config", "ip route 10.0.0.0/8 eth0", &frr_route);
	arg_is(a, "ifname", "eth0");
	arg_is(a, "gw", NULL);
	cmd_args_free(a);

	match_fail(t, "config", "ip route 10.0.0.0/8 eth0 256", CMD_NO_MATCH, 25);
	match_fail(t, "config", "ip route 10.0.0.0 eth0", CMD_NO_MATCH, 9);
	match_fail(t, "config", "ip route 10.0.0.0/8", CMD_INCOMPLETE, 0);
	cmd_tree_free(t);
}

static const struct cmd_def frr_plist = {
	.node = "config",
	.syntax = "ip prefix-list WORD$name [seq (1-4294967295)$seq] <permit|deny>$action "
		  "<A.B.C.D/M$prefix [{ge (0-32)$ge|le (0-32)$le}]|any>",
};

static void test_frr_prefix_list(void **state)
{
	struct cmd_tree *t = tree_of(&frr_plist, 1);
	struct cmd_args *a;

	a = match_ok(t, "config", "ip prefix-list SAFE seq 10 permit 10.0.0.0/8 le 24", &frr_plist);
	arg_is(a, "name", "SAFE");
	/* the explicit $seq wins over the keyword's default name */
	arg_is(a, "seq", "10");
	assert_int_equal(cmd_arg_int(a, "seq", 0), 10);
	for (size_t i = 0; i < cmd_args_count(a); i++)
		if (!strcmp(cmd_args_name(a, i), "seq"))
			assert_string_equal(cmd_args_value(a, i), "10");
	arg_is(a, "action", "permit");
	arg_is(a, "permit", "permit");
	arg_is(a, "prefix", "10.0.0.0/8");
	arg_is(a, "le", "24");
	arg_is(a, "ge", NULL);
	cmd_args_free(a);

	a = match_ok(t, "config", "ip prefix-list SAFE permit 10.0.0.0/8 ge 16 le 24", &frr_plist);
	arg_is(a, "seq", NULL);
	arg_is(a, "ge", "16");
	arg_is(a, "le", "24");
	cmd_args_free(a);

	/* any order */
	a = match_ok(t, "config", "ip prefix-list SAFE permit 10.0.0.0/8 le 24 ge 16", &frr_plist);
	arg_is(a, "ge", "16");
	arg_is(a, "le", "24");
	/* bindings follow the words */
	assert_string_equal(cmd_args_name(a, cmd_args_count(a) - 2), "le");
	assert_string_equal(cmd_args_name(a, cmd_args_count(a) - 1), "ge");
	cmd_args_free(a);

	a = match_ok(t, "config", "ip prefix-list SAFE permit 10.0.0.0/8 ge 16", &frr_plist);
	arg_is(a, "ge", "16");
	arg_is(a, "le", NULL);
	cmd_args_free(a);

	a = match_ok(t, "config", "ip prefix-list BLOCK seq 5 deny any", &frr_plist);
	arg_is(a, "action", "deny");
	arg_is(a, "any", "any");
	arg_is(a, "prefix", NULL);
	cmd_args_free(a);

	/* at most once each */
	match_fail(t, "config", "ip prefix-list S permit 10.0.0.0/8 le 24 le 24", CMD_NO_MATCH, 41);
	match_fail(t, "config", "ip prefix-list S permit 10.0.0.0/8 ge 33", CMD_NO_MATCH, 38);
	match_fail(t, "config", "ip prefix-list S permit any le 24", CMD_NO_MATCH, 28);
	match_fail(t, "config", "ip prefix-list S permit 10.0.0.0/8 le", CMD_INCOMPLETE, 0);
	match_fail(t, "config", "ip prefix-list S seq 10", CMD_INCOMPLETE, 0);
	cmd_tree_free(t);
}

static const struct cmd_def frr_show_bgp = {
	.node = "view",
	.syntax = "show bgp [<ipv4|ipv6>$afi unicast] summary [json]",
};

static void test_frr_show_bgp(void **state)
{
	struct cmd_tree *t = tree_of(&frr_show_bgp, 1);
	struct cmd_args *a;

	a = match_ok(t, "view", "show bgp summary", &frr_show_bgp);
	arg_is(a, "afi", NULL);
	arg_is(a, "json", NULL);
	arg_is(a, "summary", "summary");
	cmd_args_free(a);

	a = match_ok(t, "view", "show bgp ipv6 unicast summary json", &frr_show_bgp);
	arg_is(a, "afi", "ipv6");
	arg_is(a, "ipv6", "ipv6");
	arg_is(a, "unicast", "unicast");
	arg_is(a, "json", "json");
	cmd_args_free(a);

	match_fail(t, "view", "show bgp ipv4 summary", CMD_NO_MATCH, 14);
	match_fail(t, "view", "show bgp ipv4", CMD_INCOMPLETE, 0);
	match_fail(t, "view", "show bgp summary json json", CMD_NO_MATCH, 22);
	cmd_tree_free(t);
}

/* ---------------------------------------------------------------- */
/* Bindings                                                          */

static void test_default_binding_names(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "t A.B.C.D A.B.C.D/M X:X::X:X X:X::X:X/M (1-9) WORD NAME LINE..." },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));
	struct cmd_args *a;

	a = match_ok(t, "n", "t 1.2.3.4 1.2.3.0/24 ::1 ::/0 5 w n rest of it", &defs[0]);
	arg_is(a, "t", "t");
	arg_is(a, "a.b.c.d", "1.2.3.4");
	arg_is(a, "a.b.c.d/m", "1.2.3.0/24");
	arg_is(a, "x:x::x:x", "::1");
	arg_is(a, "x:x::x:x/m", "::/0");
	arg_is(a, "range", "5");
	arg_is(a, "word", "w");
	arg_is(a, "name", "n");
	arg_is(a, "line", "rest of it");
	assert_int_equal(cmd_args_count(a), 9);
	cmd_args_free(a);
	cmd_tree_free(t);
}

static void test_group_bindings(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "log <stdout|syslog|file WORD$path>$dest [<debugging|errors>]$level" },
		{ .node = "n", .syntax = "set {a$x|b (1-5)$y}$which" },
		{ .node = "n", .syntax = "k kw$alias" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));
	struct cmd_args *a;

	a = match_ok(t, "n", "log syslog errors", &defs[0]);
	arg_is(a, "dest", "syslog");
	arg_is(a, "level", "errors");
	cmd_args_free(a);
	/* a multi-word branch binds the words it consumed */
	a = match_ok(t, "n", "log file /tmp/x.log", &defs[0]);
	arg_is(a, "dest", "file /tmp/x.log");
	arg_is(a, "path", "/tmp/x.log");
	arg_is(a, "level", NULL);
	cmd_args_free(a);
	a = match_ok(t, "n", "set b 3 a", &defs[1]);
	arg_is(a, "which", "b 3 a");
	arg_is(a, "x", "a");
	arg_is(a, "y", "3");
	cmd_args_free(a);
	/* a named keyword binds under its name only */
	a = match_ok(t, "n", "k kw", &defs[2]);
	arg_is(a, "alias", "kw");
	arg_is(a, "kw", NULL);
	cmd_args_free(a);
	cmd_tree_free(t);
}

static void test_keyword_sets(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "x {a|b|c WORD}" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));
	struct cmd_args *a;

	cmd_args_free(match_ok(t, "n", "x a", &defs[0]));
	cmd_args_free(match_ok(t, "n", "x c foo b a", &defs[0]));
	a = match_ok(t, "n", "x b c foo", &defs[0]);
	arg_is(a, "word", "foo");
	arg_is(a, "a", NULL);
	cmd_args_free(a);
	/* at least one, each at most once */
	match_fail(t, "n", "x", CMD_INCOMPLETE, 0);
	match_fail(t, "n", "x a a", CMD_NO_MATCH, 4);
	match_fail(t, "n", "x a c", CMD_INCOMPLETE, 0);
	match_fail(t, "n", "x d", CMD_NO_MATCH, 2);
	cmd_tree_free(t);

	/* branches that take no words must not be tried in every order
	 * (20! of them): this returns at once or never */
	static const struct cmd_def empties[] = {
		{ .node = "n", .syntax = "y {[a]|[b]|[c]|[d]|[e]|[f]|[g]|[h]|[i]|[j]|[k]|[l]|[m]|"
					 "[n]|[o]|[p]|[q]|[r]|[s]|[t]} z" },
	};
	t = tree_of(empties, 1);
	cmd_args_free(match_ok(t, "n", "y z", &empties[0]));
	cmd_args_free(match_ok(t, "n", "y t a z", &empties[0]));
	match_fail(t, "n", "y a a z", CMD_NO_MATCH, 4);
	COMPLETES(t, "n", "y a ", "b c d e f g h i j k l m n o p q r s t z");
	cmd_tree_free(t);
}

static void test_arg_accessors(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "v WORD$w (1-10)$n" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));
	struct cmd_args *a = match_ok(t, "n", "v notanaddr 4", &defs[0]);
	struct kld_addr ad;
	struct kld_prefix p;

	assert_int_equal(cmd_arg_int(a, "n", 0), 4);
	assert_int_equal(cmd_arg_int(a, "w", 99), 99); /* not a number */
	assert_int_equal(cmd_arg_int(a, "nope", -3), -3);
	assert_int_equal(cmd_arg_addr(a, "w", &ad), -1);
	assert_int_equal(cmd_arg_prefix(a, "w", &p), -1);
	assert_null(cmd_arg(a, "nope"));
	assert_null(cmd_arg(NULL, "w"));
	assert_false(cmd_has(NULL, "w"));
	assert_int_equal(cmd_args_count(NULL), 0);
	cmd_args_free(a);
	cmd_args_free(NULL);
	cmd_completions_free(NULL, 0);
	cmd_tree_free(NULL);

	/* def, args and err_pos may all be NULL */
	assert_int_equal(cmd_tree_match(t, "n", "v a 1", NULL, NULL, NULL), CMD_MATCH);
	assert_int_equal(cmd_tree_match(t, "n", "v a 11", NULL, NULL, NULL), CMD_NO_MATCH);
	cmd_tree_free(t);
}

/* ---------------------------------------------------------------- */
/* Specificity and ambiguity                                         */

static void test_specificity_route(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "view", .syntax = "show ip route WORD$vrf" },
		{ .node = "view", .syntax = "show ip route A.B.C.D$addr" },
		{ .node = "view", .syntax = "show ip route LINE...$rest" },
		{ .node = "view", .syntax = "show ip route json" },
		{ .node = "view", .syntax = "show ip route A.B.C.D/M$pfx" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));
	struct cmd_args *a;

	a = match_ok(t, "view", "show ip route 10.0.0.1", &defs[1]);
	arg_is(a, "addr", "10.0.0.1");
	cmd_args_free(a);
	cmd_args_free(match_ok(t, "view", "show ip route 10.0.0.0/8", &defs[4]));
	a = match_ok(t, "view", "show ip route blue", &defs[0]);
	arg_is(a, "vrf", "blue");
	cmd_args_free(a);
	cmd_args_free(match_ok(t, "view", "show ip route json", &defs[3]));
	a = match_ok(t, "view", "show ip route blue json", &defs[2]);
	arg_is(a, "rest", "blue json");
	cmd_args_free(a);
	cmd_tree_free(t);
}

static void test_specificity_first_difference(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "a WORD b" },
		{ .node = "n", .syntax = "a b WORD" },
		{ .node = "n", .syntax = "p (1-100) LINE..." },
		{ .node = "n", .syntax = "p WORD x y" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));

	/* word 1 decides: keyword beats WORD although word 2 is the other way */
	cmd_args_free(match_ok(t, "n", "a b b", &defs[1]));
	cmd_args_free(match_ok(t, "n", "a c b", &defs[0]));
	/* range beats WORD at word 1, so LINE at word 2 does not matter */
	cmd_args_free(match_ok(t, "n", "p 5 x y", &defs[2]));
	cmd_args_free(match_ok(t, "n", "p 500 x y", &defs[3]));
	cmd_tree_free(t);
}

static void test_ambiguous(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "set WORD" },
		{ .node = "n", .syntax = "set NAME" },
		{ .node = "n", .syntax = "r (1-10)" },
		{ .node = "n", .syntax = "r (5-20)" },
		{ .node = "n", .syntax = "q <a|WORD>" },
		{ .node = "n", .syntax = "q a" },
		{ .node = "n", .syntax = "set x" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));

	match_fail(t, "n", "set foo", CMD_AMBIGUOUS, 0);
	match_fail(t, "n", "r 7", CMD_AMBIGUOUS, 0);
	cmd_args_free(match_ok(t, "n", "r 3", &defs[2]));
	cmd_args_free(match_ok(t, "n", "r 15", &defs[3]));
	match_fail(t, "n", "q a", CMD_AMBIGUOUS, 0);
	/* a better match clears an earlier tie */
	cmd_args_free(match_ok(t, "n", "set x", &defs[6]));
	cmd_tree_free(t);
}

/* Commands reached through every kind of index entry: by a keyword all
 * matches contain, by first keyword without one, beginning with a
 * placeholder with or without one; a key repeated in the line must not
 * make a command tie with itself. */
static void test_index_paths(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "<permit|deny> WORD" },
		{ .node = "n", .syntax = "WORD b" },
		{ .node = "n", .syntax = "a WORD" },
		{ .node = "n", .syntax = "WORD" },
		{ .node = "n", .syntax = "[x] y" },
		{ .node = "n", .syntax = "x x x" },
		{ .node = "n", .syntax = "<m WORD|(1-5)> tail" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));

	cmd_args_free(match_ok(t, "n", "permit foo", &defs[0]));
	cmd_args_free(match_ok(t, "n", "a b", &defs[2]));
	cmd_args_free(match_ok(t, "n", "z b", &defs[1]));
	cmd_args_free(match_ok(t, "n", "b b", &defs[1]));
	cmd_args_free(match_ok(t, "n", "zzz", &defs[3]));
	cmd_args_free(match_ok(t, "n", "deny", &defs[3]));
	cmd_args_free(match_ok(t, "n", "y", &defs[4]));
	cmd_args_free(match_ok(t, "n", "x y", &defs[4]));
	cmd_args_free(match_ok(t, "n", "x x x", &defs[5]));
	cmd_args_free(match_ok(t, "n", "a a", &defs[2]));
	cmd_args_free(match_ok(t, "n", "m q tail", &defs[6]));
	cmd_args_free(match_ok(t, "n", "3 tail", &defs[6]));
	match_fail(t, "n", "x x", CMD_INCOMPLETE, 0);
	match_fail(t, "n", "m q", CMD_INCOMPLETE, 0);
	match_fail(t, "n", "x x y", CMD_NO_MATCH, 4);
	match_fail(t, "n", "permit foo bar", CMD_NO_MATCH, 11);
	match_fail(t, "n", "9 tail", CMD_NO_MATCH, 2);
	cmd_tree_free(t);
}

/* ---------------------------------------------------------------- */
/* Errors, empty lines, nodes                                        */

static void test_err_pos_furthest(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "router bgp (1-4294967295)" },
		{ .node = "n", .syntax = "router ospf" },
		{ .node = "n", .syntax = "router bgp (1-4294967295) vrf WORD" },
		{ .node = "n", .syntax = "WORD thing" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));

	match_fail(t, "n", "router rip", CMD_NO_MATCH, 7);
	match_fail(t, "n", "router bgp 65001 vfr blue", CMD_NO_MATCH, 17);
	match_fail(t, "n", "   router   bgp   x", CMD_NO_MATCH, 18);
	/* the placeholder command gets one word further than the others */
	match_fail(t, "n", "bogus stuff", CMD_NO_MATCH, 6);
	match_fail(t, "n", "router bgp", CMD_INCOMPLETE, 0);
	/* a line that is complete for one command and a prefix of another */
	cmd_args_free(match_ok(t, "n", "router bgp 65001", &defs[0]));
	cmd_args_free(match_ok(t, "n", "router thing", &defs[3]));
	cmd_tree_free(t);
}

static void test_incomplete_err_pos(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "address-family ipv4 unicast" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));
	size_t ep = 0;

	assert_int_equal(cmd_tree_match(t, "n", "address-family ipv4 ", NULL, NULL, &ep),
			 CMD_INCOMPLETE);
	assert_int_equal(ep, strlen("address-family ipv4 "));
	cmd_tree_free(t);
}

static void test_empty_and_comments(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "[a]" },
		{ .node = "n", .syntax = "x" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));
	size_t ep = 42;

	match_fail(t, "n", "", CMD_EMPTY, 0);
	match_fail(t, "n", "   \t", CMD_EMPTY, 0);
	match_fail(t, "n", "# just a comment", CMD_EMPTY, 0);
	match_fail(t, "n", "! FRR style comment", CMD_EMPTY, 0);
	match_fail(t, "nonexistent", "", CMD_EMPTY, 0);
	assert_int_equal(cmd_tree_match(t, "n", "", NULL, NULL, &ep), CMD_EMPTY);
	assert_int_equal(ep, 0);
	cmd_args_free(match_ok(t, "n", "x # comment", &defs[1]));
	cmd_args_free(match_ok(t, "n", "a", &defs[0]));
	cmd_tree_free(t);
}

static void test_nodes(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "config", .syntax = "router bgp (1-4294967295)$asn", .enters = "bgp" },
		{ .node = "bgp", .syntax = "bgp router-id A.B.C.D" },
		{ .node = "af", .syntax = "exit-address-family" },
		{ .node = "bgp", .syntax = "address-family ipv4 unicast", .enters = "af" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));

	cmd_args_free(match_ok(t, "config", "router bgp 65001", &defs[0]));
	cmd_args_free(match_ok(t, "bgp", "bgp router-id 10.0.0.1", &defs[1]));
	cmd_args_free(match_ok(t, "bgp", "address-family ipv4 unicast", &defs[3]));
	cmd_args_free(match_ok(t, "af", "exit-address-family", &defs[2]));
	match_fail(t, "config", "bgp router-id 10.0.0.1", CMD_NO_MATCH, 0);
	match_fail(t, "bgp", "router bgp 65001", CMD_NO_MATCH, 0);
	match_fail(t, "nonexistent", "router bgp 65001", CMD_NO_MATCH, 0);
	match_fail(t, NULL, "router bgp 65001", CMD_NO_MATCH, 0);
	COMPLETES(t, "nonexistent", "", "");
	cmd_tree_free(t);
}

/* ---------------------------------------------------------------- */
/* Completion                                                        */

static const struct cmd_def bgp_defs[] = {
	{ .node = "bgp",
	  .syntax = "[no] neighbor <A.B.C.D|X:X::X:X|WORD>$peer remote-as "
		    "<(1-4294967295)$asn|internal|external>",
	  .help = "Negate a command or set its defaults\nSpecify neighbor router\n"
		  "Neighbor address\nNeighbor IPv6 address\nInterface name or neighbor tag\n"
		  "Specify a BGP neighbor\nAS number\nInternal BGP peer\nExternal BGP peer\n" },
	{ .node = "bgp",
	  .syntax = "[no] neighbor <A.B.C.D|X:X::X:X|WORD>$peer description LINE...$text",
	  .help = "Negate (second)\nNeighbor (second)\nAddr\nAddr6\nTag\nNeighbor specific "
		  "description\nUp to 80 characters describing this neighbor\n" },
	{ .node = "bgp", .syntax = "bgp router-id A.B.C.D",
	  .help = "BGP information\nOverride configured router identifier\nManually "
		  "configured router identifier\n" },
	{ .node = "bgp", .syntax = "debug-internals", .flags = CMD_HIDDEN },
	{ .node = "view", .syntax = "show bgp [<ipv4|ipv6>$afi unicast] summary [json]",
	  .help = "Show running system information\nBGP information\nAddress Family\n"
		  "Address Family\nAddress Family modifier\nSummary of BGP neighbor status\n"
		  "JavaScript Object Notation\n" },
};

static void test_complete_first_word(void **state)
{
	struct cmd_tree *t = tree_of(bgp_defs, N(bgp_defs));
	bool kw = false;

	COMPLETES(t, "bgp", "", "bgp neighbor no");
	COMPLETES(t, "bgp", "  ", "bgp neighbor no");
	COMPLETES(t, "bgp", "n", "neighbor no");
	COMPLETES(t, "bgp", "ne", "neighbor");
	COMPLETES(t, "bgp", "neighbor", "neighbor");
	COMPLETES(t, "bgp", "x", "");
	/* keyword help comes from its help line; the first command wins */
	assert_string_equal(completion_help(t, "bgp", "", "neighbor", &kw),
			    "Specify neighbor router");
	assert_true(kw);
	assert_string_equal(completion_help(t, "bgp", "n", "no", NULL),
			    "Negate a command or set its defaults");
	cmd_tree_free(t);
}

static void test_complete_next_word(void **state)
{
	struct cmd_tree *t = tree_of(bgp_defs, N(bgp_defs));
	bool kw = true;

	COMPLETES(t, "bgp", "neighbor ", "A.B.C.D WORD X:X::X:X");
	COMPLETES(t, "bgp", "no neighbor ", "A.B.C.D WORD X:X::X:X");
	COMPLETES(t, "bgp", "neighbor 10.0.0.1 ", "description remote-as");
	COMPLETES(t, "bgp", "neighbor 10.0.0.1 remote-as ", "(1-4294967295) external internal");
	COMPLETES(t, "bgp", "neighbor 10.0.0.1 remote-as e", "external");
	COMPLETES(t, "bgp", "neighbor 10.0.0.1 remote-as 6", "(1-4294967295)");
	COMPLETES(t, "bgp", "neighbor 10.0.0.1 remote-as 65001 ", "<cr>");
	COMPLETES(t, "bgp", "neighbor 10.0.0.1 bogus ", "");
	assert_string_equal(completion_help(t, "bgp", "neighbor ", "A.B.C.D", &kw),
			    "Neighbor address");
	assert_false(kw);
	assert_string_equal(completion_help(t, "bgp", "neighbor ", "X:X::X:X", NULL),
			    "Neighbor IPv6 address");
	assert_string_equal(completion_help(t, "bgp", "neighbor 1.2.3.4 remote-as ",
					    "(1-4294967295)", NULL),
			    "AS number");
	assert_string_equal(completion_help(t, "bgp", "neighbor 1.2.3.4 remote-as ",
					    "internal", NULL),
			    "Internal BGP peer");
	cmd_tree_free(t);
}

static void test_complete_cr_and_optionals(void **state)
{
	struct cmd_tree *t = tree_of(bgp_defs, N(bgp_defs));

	COMPLETES(t, "view", "show bgp ", "ipv4 ipv6 summary");
	COMPLETES(t, "view", "show bgp summary ", "json <cr>");
	COMPLETES(t, "view", "show bgp summary json ", "<cr>");
	/* a partial word lists what it can become, never <cr> */
	COMPLETES(t, "view", "show bgp summary", "summary");
	COMPLETES(t, "view", "show bgp ipv", "ipv4 ipv6");
	COMPLETES(t, "view", "show bgp ipv4 ", "unicast");
	assert_string_equal(completion_help(t, "view", "show bgp summary ", "json", NULL),
			    "JavaScript Object Notation");
	assert_string_equal(completion_help(t, "view", "show bgp summary ", "<cr>", NULL), "");
	cmd_tree_free(t);
}

static void test_complete_varargs_and_hidden(void **state)
{
	struct cmd_tree *t = tree_of(bgp_defs, N(bgp_defs));

	COMPLETES(t, "bgp", "neighbor x description ", "LINE");
	COMPLETES(t, "bgp", "neighbor x description some ", "LINE <cr>");
	COMPLETES(t, "bgp", "neighbor x description some", "LINE");
	assert_string_equal(completion_help(t, "bgp", "neighbor x description ", "LINE", NULL),
			    "Up to 80 characters describing this neighbor");
	/* hidden: never offered, still matched */
	COMPLETES(t, "bgp", "d", "");
	cmd_args_free(match_ok(t, "bgp", "debug-internals", &bgp_defs[3]));
	cmd_tree_free(t);
}

static void test_complete_placeholder_partials(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "x <A.B.C.D|A.B.C.D/M|X:X::X:X|X:X::X:X/M|(1-255)|WORD|"
					 "(-50-10)$neg|ten>" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));

	COMPLETES(t, "n", "x 10.0", "A.B.C.D A.B.C.D/M WORD");
	COMPLETES(t, "n", "x 10.0.0.1", "A.B.C.D A.B.C.D/M WORD");
	COMPLETES(t, "n", "x 10.0.0.1/", "A.B.C.D/M WORD");
	COMPLETES(t, "n", "x 10.0.0.1/3", "A.B.C.D/M WORD");
	COMPLETES(t, "n", "x 10.0.0.1/33", "WORD");
	COMPLETES(t, "n", "x 10.0.0/", "WORD");
	COMPLETES(t, "n", "x 1.2.3.4.", "WORD");
	COMPLETES(t, "n", "x 300.", "WORD");
	/* "abc" can begin an IPv6 address but never an IPv4 one */
	COMPLETES(t, "n", "x abc", "WORD X:X::X:X X:X::X:X/M");
	COMPLETES(t, "n", "x t", "WORD ten");
	COMPLETES(t, "n", "x 2001:db8::", "WORD X:X::X:X X:X::X:X/M");
	COMPLETES(t, "n", "x 2001:db8::/6", "WORD X:X::X:X/M");
	COMPLETES(t, "n", "x 2001:db8::/129", "WORD");
	COMPLETES(t, "n", "x ::ffff:1.2", "WORD X:X::X:X X:X::X:X/M");
	COMPLETES(t, "n", "x 1:2:3:4:5:6:7:8:9", "WORD");
	COMPLETES(t, "n", "x 12345", "WORD");
	COMPLETES(t, "n", "x ::1::", "WORD");
	COMPLETES(t, "n", "x :1", "WORD");
	/* ranges: could the digits still grow into a number in range? */
	COMPLETES(t, "n", "x 25", "(1-255) A.B.C.D A.B.C.D/M WORD X:X::X:X X:X::X:X/M");
	COMPLETES(t, "n", "x 1", "(-50-10) (1-255) A.B.C.D A.B.C.D/M WORD X:X::X:X X:X::X:X/M");
	COMPLETES(t, "n", "x 256", "WORD X:X::X:X X:X::X:X/M");
	COMPLETES(t, "n", "x -", "(-50-10) WORD");
	COMPLETES(t, "n", "x -5", "(-50-10) WORD");
	COMPLETES(t, "n", "x -51", "WORD");
	COMPLETES(t, "n", "x ", "(-50-10) (1-255) A.B.C.D A.B.C.D/M WORD X:X::X:X X:X::X:X/M ten");
	cmd_tree_free(t);
}

static void test_complete_generic_help(void **state)
{
	static const struct cmd_def defs[] = {
		{ .node = "n", .syntax = "x <kw|A.B.C.D|A.B.C.D/M|X:X::X:X|X:X::X:X/M|(1-9)|WORD|LINE...>",
		  .help = "Ex\n" },
		{ .node = "n", .syntax = "y <A.B.C.D|kw2>",
		  /* an empty line means "no help" for a placeholder */
		  .help = "Why\n\nKeyword two" },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));

	assert_string_equal(completion_help(t, "n", "", "x", NULL), "Ex");
	assert_string_equal(completion_help(t, "n", "x ", "A.B.C.D", NULL), "IPv4 address");
	assert_string_equal(completion_help(t, "n", "x ", "A.B.C.D/M", NULL), "IPv4 prefix");
	assert_string_equal(completion_help(t, "n", "x ", "X:X::X:X", NULL), "IPv6 address");
	assert_string_equal(completion_help(t, "n", "x ", "X:X::X:X/M", NULL), "IPv6 prefix");
	assert_string_equal(completion_help(t, "n", "x ", "(1-9)", NULL), "Integer in range");
	assert_string_equal(completion_help(t, "n", "x ", "WORD", NULL), "Word");
	assert_string_equal(completion_help(t, "n", "x ", "LINE", NULL), "Text");
	assert_string_equal(completion_help(t, "n", "x ", "kw", NULL), "");
	assert_string_equal(completion_help(t, "n", "y ", "A.B.C.D", NULL), "IPv4 address");
	assert_string_equal(completion_help(t, "n", "y ", "kw2", NULL), "Keyword two");
	cmd_tree_free(t);
}

static void test_complete_sets(void **state)
{
	struct cmd_tree *t = tree_of(&frr_plist, 1);

	COMPLETES(t, "config", "ip prefix-list S permit 10.0.0.0/8 ", "ge le <cr>");
	COMPLETES(t, "config", "ip prefix-list S permit 10.0.0.0/8 le 24 ", "ge <cr>");
	COMPLETES(t, "config", "ip prefix-list S permit 10.0.0.0/8 le 24 ge 8 ", "<cr>");
	COMPLETES(t, "config", "ip prefix-list S permit 10.0.0.0/8 le ", "(0-32)");
	COMPLETES(t, "config", "ip prefix-list S ", "deny permit seq");
	/* completion after a comment: the comment is not a partial word */
	COMPLETES(t, "config", "ip prefix-list S # note", "deny permit seq");
	cmd_tree_free(t);
}

/* ---------------------------------------------------------------- */
/* Scale                                                             */

#define PERF_CMDS 1000
#define PERF_LINES 10000
#define PERF_FOREIGN 2000 /* the slow path; kept short for valgrind runs */

/* 1000 commands, a third of them sharing "[no] neighbor" as FRR's bgp node
 * does, matched against 10,000 lines, then 2,000 lines that belong to
 * another daemon (they begin like 334 of ours but match none: the slow
 * path, which must find err_pos).
 * Reports the times; asserts only the results. */
/* Abbreviations: resolved over every tree given, left to right; a full
 * keyword stays; a word no keyword begins stays (a value); an ambiguous one
 * names its candidates; keywords win over placeholders. */
static void test_expand(void **state)
{
	static const struct cmd_def a[] = {
		{ .node = "view", .syntax = "configure [terminal]" },
		{ .node = "view", .syntax = "show ip bgp summary" },
		{ .node = "view", .syntax = "show ip bgp neighbors [A.B.C.D]" },
		{ .node = "view", .syntax = "show ip bgp nexthop" },
		{ .node = "view", .syntax = "show interface [brief|WORD]" },
		{ .node = "config", .syntax = "ip prefix-list WORD seq (1-10) <permit|deny> A.B.C.D/M" },
		{ .node = "config", .syntax = "ipv6 forwarding" },
	};
	static const struct cmd_def b[] = {
		{ .node = "view", .syntax = "copy running-config startup-config" },
		{ .node = "config", .syntax = "interface WORD" },
	};
	struct cmd_tree *ta = cmd_tree_new(), *tb = cmd_tree_new();
	const struct cmd_tree *both[] = { ta, tb };
	static const struct {
		const char *node, *in, *out; /* out NULL: ambiguous */
	} cases[] = {
		{ "view", "conf t", "configure terminal" },
		{ "view", "sh ip bgp sum", "show ip bgp summary" },
		{ "view", "show ip bgp summary", "show ip bgp summary" },
		{ "view", "sh ip bgp n", NULL },
		{ "view", "sh ip bgp nei 10.0.0.1", "show ip bgp neighbors 10.0.0.1" },
		{ "view", "sh int b", "show interface brief" },
		{ "view", "sh int eth0", "show interface eth0" },
		{ "view", "co t", NULL }, /* configure (a) or copy (b) */
		{ "config", "ip pre SPINE seq 5 per 10.0.0.0/8", "ip prefix-list SPINE seq 5 permit 10.0.0.0/8" },
		{ "config", "ip  prefix-list X seq 5 deny 10.0.0.0/8 # c", "ip  prefix-list X seq 5 deny 10.0.0.0/8 # c" },
		{ "config", "ipv forw", "ipv6 forwarding" },
		{ "config", "in eth0", "interface eth0" },
		{ "config", "# only a comment", "# only a comment" },
	};

	assert_int_equal(cmd_tree_add_all(ta, a, sizeof(a) / sizeof(a[0])), 0);
	assert_int_equal(cmd_tree_add_all(tb, b, sizeof(b) / sizeof(b[0])), 0);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char *out;
		int rc = cmd_expand(both, 2, cases[i].node, cases[i].in, &out);

		if (!cases[i].out) {
			if (rc != -1 || !strstr(out, "could be"))
				fail_msg("'%s' not ambiguous: %s", cases[i].in, out);
		} else if (rc != 0 || strcmp(out, cases[i].out)) {
			fail_msg("'%s' -> '%s', want '%s'", cases[i].in, out, cases[i].out);
		}
		free(out);
	}
	/* alone, tree a resolves "co" */
	{
		char *out;

		assert_int_equal(cmd_expand(both, 1, "view", "co t", &out), 0);
		assert_string_equal(out, "configure terminal");
		free(out);
		assert_int_equal(cmd_expand(both, 2, "view", "sh ip bgp n", &out), -1);
		assert_string_equal(out, "% Ambiguous command: \"n\" could be: neighbors nexthop");
		free(out);
	}
	cmd_tree_free(ta);
	cmd_tree_free(tb);
}

static void test_scale(void **state)
{
	static struct cmd_def defs[PERF_CMDS];
	static char syntax[PERF_CMDS][160];
	struct cmd_tree *t = cmd_tree_new();
	struct timespec t0, t1;
	char line[160];

	for (int i = 0; i < PERF_CMDS; i++) {
		switch (i % 3) {
		case 0:
			snprintf(syntax[i], sizeof(syntax[i]),
				 "[no] neighbor <A.B.C.D|X:X::X:X|WORD>$peer opt%d [(1-65535)$v]", i);
			break;
		case 1:
			snprintf(syntax[i], sizeof(syntax[i]),
				 "ip cmd%d A.B.C.D/M$p <A.B.C.D$gw|blackhole|WORD$if> [(1-255)$d]", i);
			break;
		default:
			snprintf(syntax[i], sizeof(syntax[i]),
				 "set%d [{ge (0-32)$ge|le (0-32)$le}] <permit|deny> LINE...", i);
			break;
		}
		defs[i] = (struct cmd_def){ .node = "bgp", .syntax = syntax[i] };
		assert_int_equal(cmd_tree_add(t, &defs[i]), 0);
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int l = 0; l < PERF_LINES; l++) {
		int i = (l * 7919) % PERF_CMDS;
		const struct cmd_def *d;
		struct cmd_args *a;

		switch (i % 3) {
		case 0:
			snprintf(line, sizeof(line), "neighbor 10.0.%d.1 opt%d %d", l % 250, i, l % 60000 + 1);
			break;
		case 1:
			snprintf(line, sizeof(line), "ip cmd%d 10.%d.0.0/16 eth%d 10", i, l % 250, l);
			break;
		default:
			snprintf(line, sizeof(line), "set%d le 24 ge 8 permit a b c # x", i);
			break;
		}
		if (cmd_tree_match(t, "bgp", line, &d, &a, NULL) != CMD_MATCH || d != &defs[i])
			fail_msg("'%s' did not match '%s'", line, defs[i].syntax);
		cmd_args_free(a);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("[ PERF     ] %d commands x %d matching lines: %.3f s\n", PERF_CMDS,
		      PERF_LINES, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);

	/* what the shell adds per line: cmd_expand over full lines */
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int l = 0; l < PERF_LINES; l++) {
		const struct cmd_tree *one[] = { t };
		char *out;

		snprintf(line, sizeof(line), "neighbor 10.0.%d.1 opt%d %d", l % 250,
			 (l % 333) * 3, l % 60000 + 1);
		if (cmd_expand(one, 1, "bgp", line, &out) != 0 || strcmp(out, line))
			fail_msg("'%s' expanded to '%s'", line, out);
		free(out);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("[ PERF     ] %d commands x %d full lines through cmd_expand: %.3f s\n",
		      PERF_CMDS, PERF_LINES,
		      (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int l = 0; l < PERF_FOREIGN; l++) {
		size_t ep;

		snprintf(line, sizeof(line), "neighbor 10.0.%d.1 elsewhere %d", l % 250, l);
		if (cmd_tree_match(t, "bgp", line, NULL, NULL, &ep) != CMD_NO_MATCH ||
		    ep != (size_t)(strstr(line, "elsewhere") - line))
			fail_msg("'%s' matched, or err_pos %zu", line, ep);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	print_message("[ PERF     ] %d commands x %d foreign lines: %.3f s\n", PERF_CMDS,
		      PERF_FOREIGN, (double)(t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9);
	cmd_tree_free(t);
}

/* Why a value was refused: the word before it, what is wrong, what is
 * allowed. Keywords and matches get nothing (the caret says enough). */
static void explains(const struct cmd_tree *t, const char *node, const char *line,
		     const char *want)
{
	char why[256] = "";
	int r = cmd_tree_explain(t, node, line, why, sizeof(why));

	if (!want && r == 0)
		fail_msg("'%s': explained as '%s', expected nothing", line, why);
	if (want && (r != 0 || strcmp(why, want)))
		fail_msg("'%s': '%s' (%d), expected '%s'", line, why, r, want);
}

static void test_explain_values(void **state)
{
	static const struct cmd_def defs[] = {
		{ "wireguard", "listen-port (1-65535)$port", "Port\nNumber\n", NULL, NULL, 0 },
		{ "wireguard", "no listen-port [(1-65535)]", "No\nPort\nNumber\n", NULL, NULL, 0 },
		{ "wireguard", "[no] address A.B.C.D/M$addr", "No\nAddr\nV4\n", NULL, NULL, 0 },
		{ "wireguard", "[no] address X:X::X:X/M$addr", "No\nAddr\nV6\n", NULL, NULL, 0 },
		{ "config", "ip route A.B.C.D/M A.B.C.D", "Ip\nRoute\nP\nGw\n", NULL, NULL, 0 },
		{ "config", "router bgp (1-4294967295)", "R\nB\nAsn\n", NULL, NULL, 0 },
	};
	struct cmd_tree *t = tree_of(defs, N(defs));

	(void)state;
	explains(t, "wireguard", "listen-port 70000", "listen-port: 70000 is out of range 1-65535");
	explains(t, "wireguard", "listen-port 0", "listen-port: 0 is out of range 1-65535");
	explains(t, "wireguard", "listen-port -3", "listen-port: -3 is out of range 1-65535");
	explains(t, "wireguard", "listen-port x1", "listen-port: x1 is not a number (1-65535)");
	explains(t, "wireguard", "no listen-port 99999", "listen-port: 99999 is out of range 1-65535");
	explains(t, "wireguard", "address 10.200.0.7",
		 "address: a prefix length is needed, as in 10.200.0.7/24");
	explains(t, "wireguard", "no address 2001:db8::7",
		 "address: a prefix length is needed, as in 2001:db8::7/64");
	explains(t, "wireguard", "address 10.0.0.1/33",
		 "address: 10.0.0.1/33 is not an IPv4 prefix (A.B.C.D/M)");
	explains(t, "config", "ip route 10.0.0.0/8 10.1.1.1/32",
		 "10.0.0.0/8: an address without prefix length is needed, as in 10.1.1.1");
	explains(t, "config", "ip route 10.0.0.0/8 10.1.1.300",
		 "10.0.0.0/8: 10.1.1.300 is not an IPv4 address (A.B.C.D)");
	explains(t, "config", "router bgp 4294967296",
		 "bgp: 4294967296 is out of range 1-4294967295");
	/* Nothing to add: an unknown keyword, extra words, a match, an
	 * incomplete line, an unknown node. */
	explains(t, "wireguard", "listen-prot 5", NULL);
	explains(t, "wireguard", "listen-port 5 6", NULL);
	explains(t, "wireguard", "listen-port 5", NULL);
	explains(t, "wireguard", "listen-port", NULL);
	explains(t, "nowhere", "listen-port 70000", NULL);
	explains(t, "wireguard", "", NULL);
	cmd_tree_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split_words_and_offsets),
		cmocka_unit_test(test_split_comments),
		cmocka_unit_test(test_syntax_valid),
		cmocka_unit_test(test_syntax_invalid),
		cmocka_unit_test(test_tree_add_and_order),
		cmocka_unit_test(test_keywords_exact),
		cmocka_unit_test(test_ranges),
		cmocka_unit_test(test_ipv4_types),
		cmocka_unit_test(test_ipv6_types),
		cmocka_unit_test(test_word_and_line),
		cmocka_unit_test(test_frr_neighbor),
		cmocka_unit_test(test_frr_ip_route),
		cmocka_unit_test(test_frr_prefix_list),
		cmocka_unit_test(test_frr_show_bgp),
		cmocka_unit_test(test_default_binding_names),
		cmocka_unit_test(test_group_bindings),
		cmocka_unit_test(test_keyword_sets),
		cmocka_unit_test(test_arg_accessors),
		cmocka_unit_test(test_specificity_route),
		cmocka_unit_test(test_specificity_first_difference),
		cmocka_unit_test(test_ambiguous),
		cmocka_unit_test(test_index_paths),
		cmocka_unit_test(test_err_pos_furthest),
		cmocka_unit_test(test_incomplete_err_pos),
		cmocka_unit_test(test_empty_and_comments),
		cmocka_unit_test(test_nodes),
		cmocka_unit_test(test_complete_first_word),
		cmocka_unit_test(test_complete_next_word),
		cmocka_unit_test(test_complete_cr_and_optionals),
		cmocka_unit_test(test_complete_varargs_and_hidden),
		cmocka_unit_test(test_complete_placeholder_partials),
		cmocka_unit_test(test_complete_generic_help),
		cmocka_unit_test(test_complete_sets),
		cmocka_unit_test(test_expand),
		cmocka_unit_test(test_scale),
		cmocka_unit_test(test_explain_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
