/*
 * zebra-lite: the RIB and the only kldnet process that writes kernel state.
 * zl_main.c wires it; zl_vty.c holds commands; zl_zserv.c serves the
 * protocol daemons.
 */
#ifndef KLD_ZL_H
#define KLD_ZL_H

#include "command.h"
#include "daemon.h"
#include "ipc.h"
#include "vty.h"

struct zl {
	struct kld_daemon d;
	struct cmd_tree *tree;
	struct vty_server *vty;
	struct kld_ipc_server *zserv;
	char hostname[64];
	struct zl_iface_conf *ifaces;
	bool ip_forwarding, ipv6_forwarding;
};

void zl_vty_install(struct cmd_tree *tree);
void zl_write_config(struct vty *vty);

struct kld_ipc_server *zl_zserv_new(struct zl *zl, const char *path);
void zl_zserv_client_list(struct zl *zl, struct vty *vty);

#endif
