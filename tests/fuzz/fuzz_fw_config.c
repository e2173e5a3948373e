/*
 * libFuzzer target for fwd's configuration block (fwd/fwd_vty.c,
 * fwd/fwd_conf.c), driven the way a configuration file is loaded.
 *
 *     tests/fuzz/build.sh /tmp/fuzz     (needs KLD_BUILDDIR: libkld.a, protobuf code)
 *     /tmp/fuzz/fuzz_fw_config -max_total_time=60 tests/fuzz/corpus/fw_config
 *
 * Input: configuration text. Properties:
 *  - whatever fwd accepts compiles into a rule set that zebra-lite's
 *    parser (zebra-lite/fw_set.c) accepts, after a trip through protobuf;
 *  - the running config fwd writes loads into a fresh fwd without a
 *    refused line and writes out identically (the round trip).
 */
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "config.h"
#include "fwd/fwd.h"
#include "zebra-lite/fw_set.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

/* fwd_zebra.c is not linked: pushes go nowhere. */
void fwd_schedule_push(struct fwd *f)
{
	(void)f;
}

/* fwd_metrics.c is not linked: the endpoint is remembered, not served. */
int fwd_metrics_set(struct fwd *f, const struct kld_addr *addr, uint16_t port)
{
	f->metrics.addr = *addr;
	f->metrics.port = port;
	return 0;
}

static struct cmd_tree *tree;

static char *running(struct fwd *f)
{
	struct vty vty = { .arg = f };
	char *s;

	kld_buf_init(&vty.out);
	fwd_write_config(&vty);
	s = strndup(vty.out.data ? vty.out.data : "", vty.out.len);
	kld_buf_free(&vty.out);
	return s;
}

static void check_compiles(const struct fwd *f)
{
	Kld__FwRuleSet *m = fwd_compile(f), *back;
	size_t len = kld__fw_rule_set__get_packed_size(m);
	uint8_t *buf = malloc(len + 1);
	struct fw_set s;
	char err[256];

	kld__fw_rule_set__pack(m, buf);
	back = kld__fw_rule_set__unpack(NULL, len, buf);
	CHECK(back);
	CHECK(fw_set_from_msg(back, &s, err, sizeof(err)) == 0);
	fw_set_free(&s);
	kld__fw_rule_set__free_unpacked(back, NULL);
	fwd_ruleset_free(m);
	free(buf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fwd f = { 0 }, g = { 0 };
	struct kld_buf errors;
	char *text = strndup((const char *)data, size), *first, *second;

	if (!tree) {
		tree = cmd_tree_new();
		fwd_vty_install(tree);
	}
	kld_buf_init(&errors);
	fwd_conf_init(&f);
	kld_config_apply_text(tree, &f, text, &errors);
	check_compiles(&f);
	first = running(&f);
	fwd_conf_init(&g);
	CHECK(kld_config_apply_text(tree, &g, first, &errors) == 0);
	second = running(&g);
	CHECK(!strcmp(first, second));
	fwd_free_all(&f);
	fwd_free_all(&g);
	kld_buf_free(&errors);
	free(first);
	free(second);
	free(text);
	return 0;
}
