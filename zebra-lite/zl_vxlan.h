/*
 * zebra-lite's table of vxland's links and FDB (layer 2: object table).
 *
 * Each link (a VXLAN device or a bridge) has an owner, the client slot
 * that asked for it. Links carry the alias "kldnet:vxland" in the kernel,
 * so a restarted zebra-lite finds and adopts them (and the static FDB
 * entries of the VXLAN devices among them) as stale objects of vxland's
 * slot. A client that goes away leaves its links stale too. Stale objects
 * stay in the kernel untouched; the owner's replay makes them fresh again
 * without a kernel write when nothing changed; its LinkReplayDone, or the
 * end of the grace time when it never comes back, deletes the rest.
 *
 * Links are created and changed through a synchronous socket (the new
 * ifindex is needed at once); FDB entries go through nl.c's batch.
 */
#ifndef ZL_VXLAN_H
#define ZL_VXLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nl_vxlink.h"

struct zl;

/* One static FDB entry of a VXLAN device: MAC (zero: flood) -> VTEP. */
struct zl_vx_fdb {
	uint8_t mac[6];
	struct kld_addr dst;
};

/* What a client wants of one link. */
struct zl_vx_want {
	struct zl_nl_vxdev dev;		/* name, kind, vx (dev unused), mtu */
	char underlay[ZL_NL_IFNAMSIZ];	/* "" : none */
	char master[ZL_NL_IFNAMSIZ];	/* "" : none */
	struct kld_prefix *addrs;
	size_t naddrs;
	char (*members)[ZL_NL_IFNAMSIZ];
	size_t nmembers;
	bool evpn; /* VXLAN: `flood evpn`, handed to bgpd's EVPN */
};

struct zl_vx_result {
	int err;
	char reason[256];
	int ifindex;
	uint32_t mtu;
	uint32_t added, deleted;
};

/* slot_of names the client slot of a daemon (zl_client_slot): adopted
 * links are given to "vxland"'s. Passed in so the table does not call
 * the client side. */
int zl_vx_init(struct zl *zl, uint16_t (*slot_of)(struct zl *zl, const char *name, bool create));
/* The client slot of a daemon, through the slot_of zl_vx_init was given. */
uint16_t zl_vx_slot(struct zl *zl, const char *name, bool create);
void zl_vx_fini(struct zl *zl);

void zl_vx_link_set(struct zl *zl, uint16_t owner, const struct zl_vx_want *w,
		    struct zl_vx_result *res);
void zl_vx_link_delete(struct zl *zl, uint16_t owner, const char *name, struct zl_vx_result *res);
/* The whole static FDB of one VXLAN device (entries need not be sorted). */
void zl_vx_fdb_set(struct zl *zl, uint16_t owner, const char *name, struct zl_vx_fdb *e, size_t n,
		   struct zl_vx_result *res);
/* The owner replayed; its links not named are deleted. */
void zl_vx_replay_done(struct zl *zl, uint16_t owner, char **names, size_t n);
/* The owner's connection went away: its links are kept, stale, for the
 * grace time. */
void zl_vx_owner_down(struct zl *zl, uint16_t owner);
/* A returning owner asked for a (longer) grace time: what it left stale
 * (links and EVPN FDB entries) is counted, and kept that long. */
size_t zl_vx_owner_grace(struct zl *zl, uint16_t owner);
/* `zebra graceful-restart time` changed: running grace timers take it. */
void zl_vx_rearm_grace(struct zl *zl);

/* The kernel's FDB events: MACs learned on a client's VXLAN device are
 * announced through the hook (the client side registers it at start). */
typedef void (*zl_vx_learned_fn)(struct zl *zl, uint16_t owner, const char *ifname,
				 const struct zl_nl_neigh *n, bool del);
void zl_vx_set_learned_hook(zl_vx_learned_fn fn);
void zl_vx_fdb_event(struct zl *zl, const struct zl_nl_neigh *n, bool del);
/* zl_vxlan_zserv.c's hook. */
void zl_vx_zserv_learned(struct zl *zl, uint16_t owner, const char *ifname,
			 const struct zl_nl_neigh *n, bool del);

/* ---- EVPN (bgpd): VNIs and local MACs up, remote entries down ---- */
typedef void (*zl_vx_evpn_vni_fn)(struct zl *zl, uint32_t vni, const char *ifname,
				  const char *bridge, const struct kld_addr *local, bool del);
/* A MAC learned on a local port of the VNI's bridge (del: forgotten, or
 * now behind the VXLAN device). */
typedef void (*zl_vx_evpn_mac_fn)(struct zl *zl, uint32_t vni, const uint8_t *mac, bool del);
/* A full read of the VNI's local MACs begins (end false) or ends. */
typedef void (*zl_vx_evpn_list_fn)(struct zl *zl, uint32_t vni, bool end);
void zl_vx_evpn_set_hooks(zl_vx_evpn_vni_fn vni, zl_vx_evpn_mac_fn mac, zl_vx_evpn_list_fn list);
/* Every VNI now, through fn; the local MACs now, through the mac hook. */
void zl_vx_evpn_walk(struct zl *zl, zl_vx_evpn_vni_fn fn);
void zl_vx_evpn_dump_macs(struct zl *zl);
/* Add or delete remote entries of a VNI for owner: -ENODEV, no such VNI. */
int zl_vx_evpn_fdb(struct zl *zl, uint16_t owner, uint32_t vni, const struct zl_vx_fdb *e, size_t n,
		   bool del);
/* The owner sent everything again: its stale entries go. */
void zl_vx_evpn_replay_done(struct zl *zl, uint16_t owner);

/* Live FDB of the owner's VXLAN devices (name NULL: all of them). */
void zl_vx_fdb_walk(struct zl *zl, uint16_t owner, const char *name,
		    void (*cb)(void *arg, const char *ifname, const struct zl_nl_neigh *n),
		    void *arg);

/* zl_vxlan_zserv.c: the client side, envelope fields 80-99. */
struct kld_ipc_conn;
void zl_vx_handle(struct kld_ipc_conn *c, const struct Kld__Envelope *env, void *arg);
void zl_vx_client_down(struct zl *zl, struct kld_ipc_conn *c);

/* zl_wgmesh.c: wgd's meshes relayed to subscribers (fields 66-67). */
struct Kld__WgMeshes;
void zl_wgmesh_update(struct kld_ipc_conn *c, const struct Kld__WgMeshes *m);
void zl_wgmesh_subscribe(struct kld_ipc_conn *c);
void zl_wgmesh_client_down(struct kld_ipc_conn *c);
void zl_wgmesh_fini(void);

#endif
