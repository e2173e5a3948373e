/* wgd: wiring. Its domain logic arrives with its own issue. */
#include "daemon_run.h"
#include "util.h"

static void wgd_install(struct cmd_tree *tree)
{
}

static void wgd_write_config(struct vty *vty)
{
}

static const struct kld_ipc_ops wgd_zebra_ops = { 0 };

static const struct kld_proto_daemon_desc wgd_desc = {
	.name = "wgd",
	.install = wgd_install,
	.write_config = wgd_write_config,
	.zebra_ops = &wgd_zebra_ops,
};

int main(int argc, char **argv)
{
	struct kld_proto_daemon p = { 0 };

	return kld_proto_daemon_main(&wgd_desc, &p, &p, argc, argv);
}
