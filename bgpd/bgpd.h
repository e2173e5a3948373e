/*
 * bgpd: the BGP instance and the daemon state. bgp_main.c wires, bgp_vty.c
 * holds the commands, the protocol core (codec, attributes, FSM) lives in
 * libbgp.
 */
#ifndef KLD_BGPD_H
#define KLD_BGPD_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "daemon_run.h"

struct bgp {
	uint32_t asn;
	struct in_addr router_id;
	bool router_id_set;
};

struct bgpd {
	struct kld_proto_daemon p;
	struct bgp *bgp; /* one default instance, as in the seeds */
};

void bgp_vty_install(struct cmd_tree *tree);
void bgp_write_config(struct vty *vty);

#endif
