/* vxland: wiring. Its domain logic arrives with its own issue. */
#include "daemon_run.h"
#include "util.h"

static void vxland_install(struct cmd_tree *tree)
{
}

static void vxland_write_config(struct vty *vty)
{
}

static const struct kld_ipc_ops vxland_zebra_ops = { 0 };

static const struct kld_proto_daemon_desc vxland_desc = {
	.name = "vxland",
	.install = vxland_install,
	.write_config = vxland_write_config,
	.zebra_ops = &vxland_zebra_ops,
};

int main(int argc, char **argv)
{
	struct kld_proto_daemon p = { 0 };

	return kld_proto_daemon_main(&vxland_desc, &p, &p, argc, argv);
}
