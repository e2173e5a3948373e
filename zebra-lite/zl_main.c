/*
 * zebra-lite: wiring. The order matters: the kernel is read before the
 * configuration is applied, so that routes left by an earlier zebra-lite
 * are known (adopted, stale) before the configuration replays them; after
 * the configuration, the statics it did not replay are swept at once.
 */
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "nl.h"
#include "zl.h"
#include "zl_vxlan.h"

static int zl_open_sockets(struct zl *zl)
{
	char path[4200];

	kld_daemon_path(&zl->d, "zserv.sock", path, sizeof(path));
	zl->zserv = zl_zserv_new(zl, path);
	kld_daemon_path(&zl->d, "zebra-lite.vty", path, sizeof(path));
	zl->vty = vty_server_new(zl->d.loop, path, "zebra-lite", zl->tree, zl_write_config, zl);
	if (!zl->zserv || !zl->vty) {
		kld_err("cannot listen in %s: %m", zl->d.rundir);
		return -1;
	}
	return 0;
}

static int zl_start(struct zl *zl, int argc, char **argv)
{
	kld_daemon_init(&zl->d, "zebra-lite", argc, argv);
	if (zl->d.describe) {
		zl->tree = cmd_tree_new();
		vty_install_common(zl->tree);
		zl_vty_install(zl->tree);
		exit(kld_daemon_describe(&zl->d, zl->tree));
	}
	if (kld_daemon_start(&zl->d) < 0)
		return -1;
	zl->start_ms = kld_now_ms();
	zl->rib = rib_new(&zl_fib_ops, zl);
	zl->tree = cmd_tree_new();
	vty_install_common(zl->tree);
	zl_vty_install(zl->tree);
	/* Hooks before the kernel is read: its dump is already news. */
	zl_iface_init(zl);
	zl_static_init(zl);
	zl_zserv_init(zl);
	if (zl_kernel_open(zl) < 0 || zl_wg_init(zl) < 0 || zl_vx_init(zl, zl_client_slot) < 0 ||
	    zl_fw_init(zl) < 0 || zl_open_sockets(zl) < 0)
		return -1;
	zl_forwarding_init(zl);
	zl_vx_set_learned_hook(zl_vx_zserv_learned);
	kld_daemon_load_config(&zl->d, zl->tree, zl);
	rib_sweep_stale(zl->rib, ZL_OWNER_SELF);
	zl_kernel_sync(zl);
	return 0;
}

static void zl_stop(struct zl *zl)
{
	vty_server_free(zl->vty);
	kld_ipc_server_free(zl->zserv);
	for (int i = 0; i < ZL_MAX_CLIENTS; i++)
		kld_timer_free(zl->clients[i].grace);
	zl_fw_fini(zl);
	zl_wg_fini(zl);
	zl_vx_fini(zl);
	zl_wgmesh_fini();
	zl_kernel_close(zl);
	/* Routes stay in the kernel: the next zebra-lite adopts them. */
	rib_free(zl->rib);
	zl_static_free_all(zl);
	zl_iface_free_all(zl);
	cmd_tree_free(zl->tree);
}

int main(int argc, char **argv)
{
	static struct zl zl;
	int rc = 1;

	if (zl_start(&zl, argc, argv) == 0) {
		kld_daemon_ready(&zl.d);
		kld_loop_run(zl.d.loop);
		rc = 0;
	}
	zl_stop(&zl);
	if (zl.d.loop)
		kld_daemon_finish(&zl.d);
	return rc;
}
