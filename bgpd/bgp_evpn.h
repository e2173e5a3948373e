/*
 * bgpd's EVPN (RFC 7432, RFC 8365): the VNIs zebra-lite reports and their
 * configuration, the local MACs, the EVPN routes received, and what they
 * make: remote VTEPs' flood entries and remote MACs, sent to zebra-lite
 * as FDB entries. See doc/evpn.md.
 *
 * EVPN lives beside the IP RIB, not in it: its routes are not prefixes.
 * kldnet originates its own (type 3 per VNI, type 2 per local MAC),
 * imports the peers', and passes the best of each received route on as
 * BGP does (to eBGP peers with the next hop unchanged, FRR's behaviour
 * for EVPN; to iBGP peers only by reflection), so that a site reaches
 * every other through one neighbor.
 */
#ifndef KLD_BGP_EVPN_H
#define KLD_BGP_EVPN_H

#include <stdbool.h>
#include <stdint.h>
#include "bgpd.h"

#define BGP_EVPN_RT_MAX 8

struct bgp_evpn_fdb_entry {
	uint8_t mac[6]; /* all zero: a flood entry */
	struct kld_addr dst;
};

struct bgp_evpn_lmac {
	uint8_t mac[6];
	uint32_t seq;   /* MAC mobility (RFC 7432 15) */
	bool unlisted;  /* not (yet) in the bridge's list being read */
};

/* One VNI: what zebra-lite says of it and what `vni N` configures. */
struct bgp_evpn_vni {
	struct bgp_evpn_vni *next;
	uint32_t vni;
	bool present; /* zebra-lite reports its device */
	char ifname[16], bridge[16];
	struct kld_addr local;
	bool cfg; /* a `vni N` block */
	bool rd_set;
	uint8_t rd[8];
	uint16_t index; /* of the automatic RD router-id:index */
	uint8_t imp[BGP_EVPN_RT_MAX][8], exp[BGP_EVPN_RT_MAX][8];
	uint8_t nimp, nexp; /* 0: automatic AS:VNI */
	struct bgp_evpn_lmac *lmacs;
	size_t nlmacs;
	struct bgp_evpn_fdb_entry *fdb; /* sent to zebra-lite, sorted */
	size_t nfdb;
	bool dirty;
};

struct bgp_evpn_path {
	struct bgp_evpn_path *next;
	struct bgp_peer *peer;
	const struct bgp_attrs *attrs; /* interned; nexthop: the VTEP */
	uint32_t since;
	bool stale;
};

struct bgp_evpn_dest {
	struct bgp_evpn_dest *hnext;
	struct bgp_evpn_route r;
	struct bgp_evpn_path *paths;
	/* What was passed on to other peers: the chosen path's attributes
	 * (referenced) and its peer (NULL once that peer is gone). A
	 * destination without paths lives on until its withdrawal is sent. */
	const struct bgp_attrs *out;
	struct bgp_peer *out_src;
};

/* A route we advertise: one we originate (attrs NULL: built from the
 * fields below), or a received one passed on (attrs: its path's). */
struct bgp_evpn_adv {
	struct bgp_evpn_route r;
	struct kld_addr nh;
	uint8_t ecomm[BGP_EVPN_RT_MAX + 2][8];
	uint8_t necomm;
	bool pmsi;
	const struct bgp_attrs *attrs;
	struct bgp_peer *src;
};

struct bgp_evpn {
	struct bgpd *bd;
	bool advertise_all_vni;
	struct bgp_evpn_vni *vnis;
	struct bgp_evpn_dest **h;
	size_t hsize, count;
	struct bgp_evpn_adv *adv;
	size_t nadv;
	struct kld_timer *t_work, *t_replay;
	bool replay_sent;
	uint64_t started_ms;
	uint16_t next_index;
};

void bgp_evpn_init(struct bgpd *bd);
void bgp_evpn_fini(struct bgpd *bd);
/* The router bgp instance went away: its EVPN configuration with it. */
void bgp_evpn_instance_gone(struct bgpd *bd);

/* The session's news (wired by bgp_main.c beside the RIB's). */
void bgp_evpn_in_update(struct bgp_peer *peer, const struct bgp_update *u);
void bgp_evpn_peer_up(struct bgp_peer *peer);
void bgp_evpn_peer_down(struct bgp_peer *peer, bool tcp_failure);
void bgp_evpn_peer_fini(struct bgp_peer *peer);

/* zebra-lite's news (bgp_zebra.c calls down). */
void bgp_evpn_zebra_vni(struct bgpd *bd, uint32_t vni, const char *ifname, const char *bridge,
			const struct kld_addr *local, bool del);
void bgp_evpn_zebra_mac(struct bgpd *bd, uint32_t vni, const uint8_t *mac, bool del);
/* zebra-lite reads the VNI's bridge again: its full list of local MACs
 * begins (end false) or is over; a local MAC not in it is gone. */
void bgp_evpn_zebra_mac_list(struct bgpd *bd, uint32_t vni, bool end);
/* A (new) zebra-lite: everything we installed is sent again, then
 * EvpnReplayDone once the peers' tables are back. */
void bgp_evpn_zebra_up(struct bgpd *bd);

/* Configuration (bgp_evpn_vty.c). */
struct bgp_evpn_vni *bgp_evpn_vni_get(struct bgpd *bd, uint32_t vni, bool create);
void bgp_evpn_vni_unconfigure(struct bgpd *bd, struct bgp_evpn_vni *v);
/* Something our routes or imports depend on changed: originate again. */
void bgp_evpn_changed(struct bgpd *bd);
/* Who may receive which route changed (route-reflector-client): every
 * EVPN peer gets what it should have again. */
void bgp_evpn_resend(struct bgpd *bd);
/* The RD and route targets in effect (configured or automatic). */
void bgp_evpn_vni_rd(const struct bgpd *bd, const struct bgp_evpn_vni *v, uint8_t *rd);
size_t bgp_evpn_vni_rts(const struct bgpd *bd, const struct bgp_evpn_vni *v, bool import,
			uint8_t (*out)[8]);
/* How many EVPN routes the peer has from us: ours and those passed on
 * that it may have. */
size_t bgp_evpn_sent(const struct bgp_peer *peer);
/* The best path of a destination; its MAC mobility sequence. */
const struct bgp_evpn_path *bgp_evpn_best(const struct bgp_evpn_dest *d);
uint32_t bgp_evpn_path_seq(const struct bgp_evpn_path *p);
/* Does the path's route belong to this VNI (its route targets)? */
bool bgp_evpn_imports(const struct bgpd *bd, const struct bgp_evpn_vni *v,
		      const struct bgp_evpn_path *p);
/* The VTEP of a type-3 route: the PMSI tunnel's endpoint, else the
 * originating router's IP. */
void bgp_evpn_imet_vtep(const struct bgp_evpn_dest *d, const struct bgp_evpn_path *p,
			struct kld_addr *out);

/* bgp_evpn_vty.c: the commands, and the address-family block of the
 * running configuration (activate: the neighbors' lines, from bgp_vty.c). */
void bgp_evpn_vty_install(struct cmd_tree *tree);
void bgp_evpn_write_config(struct vty *vty, const struct bgp *bgp, const char *activate);

/* Hooks up (bgp_evpn.c -> bgp_zebra.c, filled by bgp_main.c). */
struct bgp_evpn_hooks {
	void (*fdb)(struct bgpd *bd, uint32_t vni, const struct bgp_evpn_fdb_entry *e, size_t n,
		    bool del);
	void (*replay_done)(struct bgpd *bd);
};
extern struct bgp_evpn_hooks bgp_evpn_hooks;

#endif
