/* vxland: wiring. The domain lives in vxland_*.c (see vxland.h). */
#include "log.h"
#include "util.h"
#include "vxland.h"

static void vxland_install(struct cmd_tree *tree)
{
	vx_vty_install(tree);
	vx_show_install(tree);
}

static int vxland_init(struct kld_proto_daemon *p, void *arg)
{
	return vx_zebra_init(arg);
}

static void vxland_fini(struct kld_proto_daemon *p, void *arg)
{
	vx_zebra_fini(arg);
	vx_free_all(arg);
}

static const struct kld_proto_daemon_desc vxland_desc = {
	.name = "vxland",
	.install = vxland_install,
	.write_config = vx_write_config,
	.zebra_ops = &vx_zebra_ops,
	.init = vxland_init,
	.fini = vxland_fini,
};

int main(int argc, char **argv)
{
	static struct vxland v;

	return kld_proto_daemon_main(&vxland_desc, &v.p, &v, argc, argv);
}
