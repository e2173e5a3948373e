/*
 * libFuzzer target for the configuration layout readers: the file splitter
 * (lib/config.c, with and without closers, trailing comments) and the
 * shell's merge of the daemons' running configurations (vtysh_merge.c).
 *
 *     tests/fuzz/build.sh /tmp/fuzz      (needs KLD_BUILDDIR for proto/)
 *     /tmp/fuzz/fuzz_config_layout -max_total_time=60 tests/fuzz/corpus/config
 *
 * Input: up to five daemon texts separated by NUL bytes. Besides "no
 * crash, no leak", it checks properties:
 *  - split lines are never empty, never start or end with a blank, and the
 *    split without closers is the split with them minus the closers;
 *  - the merge is a fixed point: its output merged again (as one daemon's
 *    text) comes back unchanged, and every line of the first daemon's
 *    text that is not layout appears in it at least as often.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "util.h"
#include "vty.h"
#include "vtysh/vtysh_merge.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

/* config.c's apply path runs lines through the vty; not reached here. */
int vty_execute_here(struct vty *vty, struct cmd_tree *tree, const char *line, bool dry_run)
{
	abort();
}

static void fuzz_split(const char *text)
{
	struct kld_config_line *all, *some;
	size_t nall = kld_config_split_all(text, &all), nsome = kld_config_split(text, &some),
	       j = 0;

	for (size_t i = 0; i < nall; i++) {
		size_t len = strlen(all[i].text);

		CHECK(len && all[i].text[0] != ' ' && all[i].text[0] != '\t');
		CHECK(all[i].text[len - 1] != ' ' && all[i].text[len - 1] != '\t');
		if (all[i].closer)
			continue;
		CHECK(j < nsome && !strcmp(some[j].text, all[i].text) &&
		      some[j].lineno == all[i].lineno);
		j++;
	}
	CHECK(j == nsome);
	kld_config_lines_free(all, nall);
	kld_config_lines_free(some, nsome);
}

static char *merged(const char *const *texts, size_t n)
{
	struct vtysh_merge *m = vtysh_merge_new();
	struct kld_buf out;

	for (size_t i = 0; i < n; i++)
		vtysh_merge_add(m, texts[i]);
	kld_buf_init(&out);
	vtysh_merge_write(m, &out);
	vtysh_merge_free(m);
	return out.data ? kld_buf_steal(&out) : kld_xstrdup("");
}

static size_t count_lines(const char *text, const char *line)
{
	size_t n = 0, len = strlen(line);

	for (const char *p = text; (p = strstr(p, line)); p += len)
		if ((p == text || p[-1] == '\n') && (p[len] == '\n' || !p[len]))
			n++;
	return n;
}

/* The top-level lines of the first text (content, not layout) survive
 * the merge, as lines of their own. */
static void fuzz_keeps_lines(const char *first, const char *out)
{
	char *copy = kld_xstrdup(first), *save = NULL;

	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t n = strlen(l);

		while (n && (l[n - 1] == ' ' || l[n - 1] == '\r'))
			l[--n] = '\0';
		if (!n || l[0] == ' ' || l[0] == '!' || kld_config_is_closer(l))
			continue;
		CHECK(count_lines(out, l) >= 1);
	}
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *copy = kld_xcalloc(size + 1, 1);
	const char *texts[5];
	size_t n = 0;
	char *once, *twice;

	memcpy(copy, data, size);
	for (char *p = copy; n < KLD_ARRAY_SIZE(texts) && p <= copy + size; p += strlen(p) + 1)
		texts[n++] = p;
	fuzz_split(texts[0]);
	once = merged(texts, n);
	twice = merged((const char *const *)&once, 1);
	CHECK(!strcmp(once, twice));
	fuzz_keeps_lines(texts[0], once);
	free(once);
	free(twice);
	free(copy);
	return 0;
}
