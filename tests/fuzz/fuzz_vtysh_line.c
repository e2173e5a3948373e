/*
 * libFuzzer target for what vtysh does to a typed line before matching:
 * abbreviations (cmd_expand over several trees) and the output filter
 * (`| include|exclude|begin|count REGEX`, vtysh_pipe_parse).
 *
 *     tests/fuzz/build.sh /tmp/fuzz      (needs KLD_BUILDDIR)
 *     /tmp/fuzz/fuzz_vtysh_line -max_total_time=60 tests/fuzz/corpus/vtysh_line
 *
 * Input: a node name byte, then the line. Besides "no crash, no leak":
 *  - an expansion is a fixed point: expanding its output again gives it back;
 *  - an expanded line matches in a tree exactly when some tree can take it,
 *    and never matches where the unexpanded line matched something else;
 *  - a filter's command is the text before its " | ".
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "command.h"
#include "util.h"
#include "vtysh/vtysh.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

static const struct cmd_def fuzz_a[] = {
	{ .node = "view", .syntax = "configure [terminal]" },
	{ .node = "view", .syntax = "show ip bgp [summary|neighbors [A.B.C.D]|nexthop]" },
	{ .node = "view", .syntax = "show interface [brief|WORD]" },
	{ .node = "config", .syntax = "ip prefix-list WORD seq (1-10) <permit|deny> <A.B.C.D/M|any> [le (0-32)]" },
	{ .node = "config", .syntax = "ipv6 forwarding" },
	{ .node = "config", .syntax = "router bgp (1-4294967295)", .enters = "bgp" },
	{ .node = "bgp", .syntax = "[no] neighbor <A.B.C.D|WORD>$peer remote-as <(1-4294967295)|internal|external>" },
	{ .node = "bgp", .syntax = "neighbor <A.B.C.D|WORD>$peer description LINE..." },
	{ .node = "bgp", .syntax = "network A.B.C.D/M" },
};

static const struct cmd_def fuzz_b[] = {
	{ .node = "view", .syntax = "copy running-config startup-config" },
	{ .node = "view", .syntax = "show {running-config|daemons}" },
	{ .node = "config", .syntax = "interface WORD", .enters = "interface" },
	{ .node = "interface", .syntax = "description LINE..." },
	{ .node = "bgp", .syntax = "neighbors-are-many" },
};

static const char *const fuzz_nodes[] = { "view", "config", "bgp", "interface" };

static struct cmd_tree *fuzz_trees[2];

static void fuzz_init(void)
{
	if (fuzz_trees[0])
		return;
	fuzz_trees[0] = cmd_tree_new();
	fuzz_trees[1] = cmd_tree_new();
	CHECK(cmd_tree_add_all(fuzz_trees[0], fuzz_a, sizeof(fuzz_a) / sizeof(fuzz_a[0])) == 0);
	CHECK(cmd_tree_add_all(fuzz_trees[1], fuzz_b, sizeof(fuzz_b) / sizeof(fuzz_b[0])) == 0);
}

static void fuzz_expand(const char *node, const char *line)
{
	const struct cmd_tree *trees[] = { fuzz_trees[0], fuzz_trees[1] };
	char *once, *twice;

	if (cmd_expand(trees, 2, node, line, &once) < 0) {
		CHECK(strstr(once, "could be:"));
		free(once);
		return;
	}
	CHECK(cmd_expand(trees, 2, node, once, &twice) == 0);
	CHECK(!strcmp(once, twice));
	free(twice);
	/* a line that matched as typed means the same expanded */
	for (size_t i = 0; i < 2; i++) {
		const struct cmd_def *d1 = NULL, *d2 = NULL;

		if (cmd_tree_match(fuzz_trees[i], node, line, &d1, NULL, NULL) == CMD_MATCH)
			CHECK(cmd_tree_match(fuzz_trees[i], node, once, &d2, NULL, NULL) == CMD_MATCH &&
			      d1 == d2);
	}
	free(once);
}

static void fuzz_pipe(const char *line)
{
	struct vtysh_pipe p;
	char *cmd = NULL;

	if (!vtysh_pipe_parse(NULL, line, &cmd, &p))
		return;
	CHECK(cmd && !strncmp(cmd, line, strlen(cmd)) && line[strlen(cmd)] == '|');
	free(cmd);
	vtysh_pipe_free(&p);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *line;

	if (size < 1 || size > 4096)
		return 0;
	fuzz_init();
	line = strndup((const char *)data + 1, size - 1);
	if (!line)
		return 0;
	fuzz_expand(fuzz_nodes[data[0] % 4], line);
	fuzz_pipe(line);
	free(line);
	return 0;
}
