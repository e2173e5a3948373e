/*
 * The zserv socket: protocol daemons connect here. This file keeps the
 * per-client bookkeeping; route, redistribution and nexthop messages are
 * dispatched to the RIB through the handler table.
 */
#include <stdio.h>
#include <time.h>
#include "log.h"
#include "util.h"
#include "zl.h"

struct zl_client {
	time_t connected_at;
	uint64_t msgs_in;
};

static void zl_zserv_up(struct kld_ipc_conn *c, void *arg)
{
	struct zl_client *cl = kld_xcalloc(1, sizeof(*cl));

	cl->connected_at = time(NULL);
	kld_ipc_set_data(c, cl);
	kld_info("zserv: client %s (pid %u) connected", kld_ipc_peer(c), kld_ipc_peer_pid(c));
}

static void zl_zserv_down(struct kld_ipc_conn *c, void *arg)
{
	kld_info("zserv: client %s disconnected", kld_ipc_peer(c));
	free(kld_ipc_data(c));
}

static const struct kld_ipc_ops zl_zserv_ops = {
	.on_up = zl_zserv_up,
	.on_down = zl_zserv_down,
};

struct kld_ipc_server *zl_zserv_new(struct zl *zl, const char *path)
{
	return kld_ipc_server_new(zl->d.loop, path, "zebra-lite", &zl_zserv_ops, zl);
}

static void zl_zserv_show_one(struct kld_ipc_conn *c, void *arg)
{
	struct vty *vty = arg;
	struct zl_client *cl = kld_ipc_data(c);
	long up = cl ? (long)(time(NULL) - cl->connected_at) : 0;

	vty_out(vty, "Client: %s\n  PID: %u  Connected: %02ld:%02ld:%02ld\n", kld_ipc_peer(c),
		kld_ipc_peer_pid(c), up / 3600, up / 60 % 60, up % 60);
}

void zl_zserv_client_list(struct zl *zl, struct vty *vty)
{
	kld_ipc_server_foreach(zl->zserv, zl_zserv_show_one, vty);
}
