/*
 * libFuzzer target for vxland's configuration blocks (vxland_vty.c,
 * vxland_conf.c): the input is a configuration text, applied as the
 * daemon applies its part of the integrated file.
 *
 * Property besides "no crash, no leak": the running config that results
 * is itself a valid configuration that re-applies without one refused
 * line and prints the same running config again (the `write memory`
 * round trip).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "vty.h"
#include "vxland/vxland.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

/* No zebra-lite here: what would be sent is dropped. */
void vx_schedule_push(struct vxland *v)
{
	(void)v;
}

void vx_zebra_delete(struct vxland *v, const char *ifname)
{
	(void)v;
	(void)ifname;
}

static struct cmd_tree *tree;

static char *running(struct vxland *v)
{
	struct vty vty;

	memset(&vty, 0, sizeof(vty));
	kld_buf_init(&vty.out);
	vty.arg = v;
	vx_write_config(&vty);
	kld_buf_append(&vty.out, "", 1);
	return kld_buf_steal(&vty.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct vxland v1, v2;
	struct kld_buf errs;
	char *text, *r1, *r2;

	if (size > 16384)
		return 0;
	if (!tree) {
		tree = cmd_tree_new();
		vx_vty_install(tree);
	}
	memset(&v1, 0, sizeof(v1));
	memset(&v2, 0, sizeof(v2));
	text = strndup((const char *)data, size);
	kld_buf_init(&errs);
	kld_config_apply_text(tree, &v1, text, &errs);
	r1 = running(&v1);
	CHECK(kld_config_apply_text(tree, &v2, r1, &errs) == 0);
	r2 = running(&v2);
	CHECK(!strcmp(r1, r2));
	free(r1);
	free(r2);
	free(text);
	kld_buf_free(&errs);
	vx_free_all(&v1);
	vx_free_all(&v2);
	return 0;
}
