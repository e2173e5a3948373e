/* fwd: wiring. Its domain logic arrives with its own issue. */
#include "daemon_run.h"
#include "util.h"

static void fwd_install(struct cmd_tree *tree)
{
}

static void fwd_write_config(struct vty *vty)
{
}

static const struct kld_ipc_ops fwd_zebra_ops = { 0 };

static const struct kld_proto_daemon_desc fwd_desc = {
	.name = "fwd",
	.install = fwd_install,
	.write_config = fwd_write_config,
	.zebra_ops = &fwd_zebra_ops,
};

int main(int argc, char **argv)
{
	struct kld_proto_daemon p = { 0 };

	return kld_proto_daemon_main(&fwd_desc, &p, &p, argc, argv);
}
