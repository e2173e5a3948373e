/* wgd: wiring. The domain lives in wgd_*.c (see wgd.h). */
#include "log.h"
#include "util.h"
#include "wgd.h"

static void wgd_install(struct cmd_tree *tree)
{
	wgd_vty_install(tree);
	wgd_show_install(tree);
}

static int wgd_init(struct kld_proto_daemon *p, void *arg)
{
	struct wgd *w = arg;

	if (wg_key_init() < 0) {
		kld_err("cannot initialise libsodium");
		return -1;
	}
	if (wgd_zebra_init(w) < 0 || wgd_health_init(w) < 0)
		return -1;
	return 0;
}

static void wgd_fini(struct kld_proto_daemon *p, void *arg)
{
	struct wgd *w = arg;

	wgd_health_fini(w);
	wgd_zebra_fini(w);
	wgd_free_all(w);
}

static const struct kld_proto_daemon_desc wgd_desc = {
    .name = "wgd",
    .install = wgd_install,
    .write_config = wgd_write_config,
    .zebra_ops = &wgd_zebra_ops,
    .init = wgd_init,
    .fini = wgd_fini,
};

int main(int argc, char **argv)
{
	static struct wgd w;

	return kld_proto_daemon_main(&wgd_desc, &w.p, &w, argc, argv);
}
