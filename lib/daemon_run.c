/* The shared life cycle of protocol daemons; see daemon_run.h. */
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include "daemon_run.h"
#include "ipc_sync.h"
#include "log.h"

Kld__Envelope *kld_proto_daemon_query(struct kld_proto_daemon *p, const char *who,
				      Kld__Envelope *req, int body_case, int timeout_ms)
{
	char path[PATH_MAX + 32], peer[32];
	Kld__Envelope *rep;
	int fd;

	kld_daemon_path(&p->d, "zserv.sock", path, sizeof(path));
	fd = kld_sync_connect(path, who, 2000, peer, sizeof(peer));
	if (fd < 0)
		return NULL;
	rep = kld_sync_request(fd, req, timeout_ms);
	close(fd);
	if (rep && (int)rep->body_case != body_case) {
		kld_frame_free(rep);
		return NULL;
	}
	return rep;
}

static int kld_proto_daemon_open(const struct kld_proto_daemon_desc *desc,
				 struct kld_proto_daemon *p, void *arg)
{
	char path[4200], name[64];

	p->tree = cmd_tree_new();
	vty_install_common(p->tree);
	desc->install(p->tree);
	snprintf(name, sizeof(name), "%s.vty", desc->name);
	kld_daemon_path(&p->d, name, path, sizeof(path));
	p->vty = vty_server_new(p->d.loop, path, desc->name, p->tree, desc->write_config, arg);
	if (!p->vty) {
		kld_err("cannot listen on %s: %m", path);
		return -1;
	}
	kld_daemon_path(&p->d, "zserv.sock", path, sizeof(path));
	p->zclient = kld_ipc_client_new(p->d.loop, path, desc->name, desc->zebra_ops, arg);
	return 0;
}

int kld_proto_daemon_main(const struct kld_proto_daemon_desc *desc, struct kld_proto_daemon *p,
			  void *arg, int argc, char **argv)
{
	int rc = 1;

	kld_daemon_init(&p->d, desc->name, argc, argv);
	if (p->d.describe) {
		p->tree = cmd_tree_new();
		vty_install_common(p->tree);
		desc->install(p->tree);
		rc = kld_daemon_describe(&p->d, p->tree);
		cmd_tree_free(p->tree);
		return rc;
	}
	if (kld_daemon_start(&p->d) < 0)
		return 1;
	if (kld_proto_daemon_open(desc, p, arg) == 0 &&
	    (!desc->init || desc->init(p, arg) == 0) &&
	    kld_daemon_drop_privileges(&p->d, desc->caps, desc->ncaps) == 0) {
		kld_daemon_load_config(&p->d, p->tree, arg);
		kld_daemon_ready(&p->d);
		kld_loop_run(p->d.loop);
		rc = 0;
	}
	if (desc->fini)
		desc->fini(p, arg);
	kld_ipc_client_free(p->zclient);
	vty_server_free(p->vty);
	cmd_tree_free(p->tree);
	kld_daemon_finish(&p->d);
	return rc;
}
