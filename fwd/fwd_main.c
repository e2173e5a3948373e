/* fwd: wiring. The domain lives in fwd_*.c (see fwd.h). */
#include "fwd.h"
#include "log.h"
#include "util.h"

static void fwd_install(struct cmd_tree *tree)
{
	fwd_vty_install(tree);
	fwd_show_install(tree);
}

static int fwd_init(struct kld_proto_daemon *p, void *arg)
{
	struct fwd *f = arg;

	if (fwd_conf_init(f) < 0 || fwd_zebra_init(f) < 0)
		return -1;
	return 0;
}

static void fwd_fini(struct kld_proto_daemon *p, void *arg)
{
	struct fwd *f = arg;

	fwd_confirm_fini(f);
	fwd_metrics_fini(f);
	fwd_zebra_fini(f);
	fwd_free_all(f);
}

static const struct kld_proto_daemon_desc fwd_desc = {
	.name = "fwd",
	.install = fwd_install,
	.write_config = fwd_write_config,
	.zebra_ops = &fwd_zebra_ops,
	.init = fwd_init,
	.fini = fwd_fini,
};

int main(int argc, char **argv)
{
	static struct fwd f;

	return kld_proto_daemon_main(&fwd_desc, &f.p, &f, argc, argv);
}
