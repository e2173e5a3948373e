/* zebra-lite: wiring only. */
#include <string.h>
#include "log.h"
#include "zl.h"

static int zl_start(struct zl *zl, int argc, char **argv)
{
	char path[4200];

	kld_daemon_init(&zl->d, "zebra-lite", argc, argv);
	if (kld_daemon_start(&zl->d) < 0)
		return -1;
	zl->tree = cmd_tree_new();
	vty_install_common(zl->tree);
	zl_vty_install(zl->tree);
	kld_daemon_path(&zl->d, "zserv.sock", path, sizeof(path));
	zl->zserv = zl_zserv_new(zl, path);
	kld_daemon_path(&zl->d, "zebra-lite.vty", path, sizeof(path));
	zl->vty = vty_server_new(zl->d.loop, path, "zebra-lite", zl->tree, zl_write_config, zl);
	if (!zl->zserv || !zl->vty) {
		kld_err("cannot listen in %s: %m", zl->d.rundir);
		return -1;
	}
	kld_daemon_load_config(&zl->d, zl->tree, zl);
	return 0;
}

int main(int argc, char **argv)
{
	struct zl zl;
	int rc = 1;

	memset(&zl, 0, sizeof(zl));
	if (zl_start(&zl, argc, argv) == 0) {
		kld_daemon_ready(&zl.d);
		kld_loop_run(zl.d.loop);
		rc = 0;
	}
	vty_server_free(zl.vty);
	kld_ipc_server_free(zl.zserv);
	cmd_tree_free(zl.tree);
	if (zl.d.loop)
		kld_daemon_finish(&zl.d);
	return rc;
}
