/*
 * The life of a protocol daemon (bgpd, wgd, vxland, fwd), which all have
 * the same shape: a vty server, a client connection to zebra-lite, their
 * part of the configuration, privileges dropped, then the loop.
 */
#ifndef KLD_DAEMON_RUN_H
#define KLD_DAEMON_RUN_H

#include "command.h"
#include "daemon.h"
#include "ipc.h"
#include "vty.h"

struct kld_proto_daemon {
	struct kld_daemon d;
	struct cmd_tree *tree;
	struct vty_server *vty;
	struct kld_ipc_client *zclient;
};

struct kld_proto_daemon_desc {
	const char *name;
	void (*install)(struct cmd_tree *tree);
	vty_write_fn write_config;
	const struct kld_ipc_ops *zebra_ops; /* messages from zebra-lite */
	const int *caps;                      /* capabilities kept after the drop */
	int ncaps;
	/* Called after the loop exists and before the config is applied. */
	int (*init)(struct kld_proto_daemon *p, void *arg);
	void (*fini)(struct kld_proto_daemon *p, void *arg);
};

/* One request to zebra-lite on a short-lived connection of its own, named
 * `who` (so the daemon's main connection and its slot stay), for show
 * commands that need live kernel facts. The reply, if its body is
 * `body_case`, else NULL (free with kld_frame_free()). */
Kld__Envelope *kld_proto_daemon_query(struct kld_proto_daemon *p, const char *who,
				      Kld__Envelope *req, int body_case, int timeout_ms);

/* Runs the daemon to its end; returns the process exit code. */
int kld_proto_daemon_main(const struct kld_proto_daemon_desc *desc, struct kld_proto_daemon *p,
			  void *arg, int argc, char **argv);

#endif
