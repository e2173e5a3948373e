/*
 * bgpd: the BGP instance, its peers, the RIBs and policy objects, and the
 * functions the daemon's files call in one another.
 *
 * Files: bgp_main.c wires; bgp_session.c owns sockets, timers and drives
 * the FSM table of libbgp; bgp_rib.c holds Adj-RIB-In (paths per prefix),
 * the Loc-RIB (best path per prefix) and Adj-RIB-Out (what each peer was
 * sent) and runs the work queue; bgp_decision.c compares paths;
 * bgp_policy.c holds prefix-lists; bgp_zebra.c installs best paths through
 * zebra-lite; bgp_vty.c and bgp_show.c are the commands.
 *
 * The files are floors (doc/ARCHITECTURE.md): wire (libbgp), session,
 * RIB and policy, glue, main. A file calls down only; news goes up
 * through the hook tables at the end of this header.
 *
 * Routes learned from a peer and routes originated by `network` are both
 * "paths" of a destination; a path holds an interned attribute set, so the
 * per-path cost is the path struct itself (see doc/bgpd.md).
 */
#ifndef KLD_BGPD_H
#define KLD_BGPD_H

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>
#include "buf.h"
#include "daemon_run.h"
#include "trie.h"
#include "bgp_attr.h"
#include "bgp_fsm.h"
#include "bgp_packet.h"
#include "bgp_grstate.h"

#define BGP_NAME_MAX 64
#define BGP_DEFAULT_HOLD 180
#define BGP_DEFAULT_KEEPALIVE 60
#define BGP_WEIGHT_LOCAL 32768
#define BGP_DEFAULT_LOCAL_PREF 100 /* a path without LOCAL_PREF counts as this */
#define BGP_RETRY_MIN_MS 1000
#define BGP_RETRY_MAX_MS 120000
#define BGP_PASSWORD_MAX 80 /* TCP_MD5SIG_MAXKEYLEN */

/* `neighbor X graceful-restart[-helper|-disable]`; INHERIT: the global mode */
enum bgp_gr_mode { BGP_GR_INHERIT = 0, BGP_GR_RESTART, BGP_GR_HELPER, BGP_GR_DISABLE };

/* ---- policy ---- */

struct bgp_plist_entry {
	uint32_t seq;
	bool permit;
	bool any;
	uint8_t ge, le; /* 0: not given */
	struct kld_prefix p;
};

struct bgp_plist {
	struct bgp_plist *next;
	char name[BGP_NAME_MAX];
	uint8_t family;
	struct bgp_plist_entry *e; /* sorted by seq */
	size_t n;
};

/* ---- peers ---- */

enum bgp_as_type { BGP_AS_NUMBER, BGP_AS_INTERNAL, BGP_AS_EXTERNAL };

struct bgp;

/* One TCP connection; a peer has a main one and, during a collision, the
 * one the peer opened towards us. */
struct bgp_conn {
	int fd;
	bool connecting;
	bool inbound; /* accepted: the peer opened it (its OPEN wait is short) */
	struct kld_io *rio, *wio;
	uint8_t *rx;
	size_t rxlen;
	struct kld_buf tx;
	size_t txoff;
};

struct bgp_peer {
	struct bgp_peer *next;
	struct bgp *bgp;
	struct kld_addr addr;
	bool is_group;              /* a peer-group: a template, never started */
	char name[BGP_NAME_MAX];    /* the group's name */
	char group[BGP_NAME_MAX];   /* a member: its group's name */
	bool dynamic;               /* accepted from a listen range (bgp_dynamic.c) */
	uint32_t remote_as;
	enum bgp_as_type as_type;
	bool af_active[BGP_AF_MAX];
	char plist[BGP_AF_MAX][2][BGP_NAME_MAX]; /* [af][0 in, 1 out] */
	char rmap[BGP_AF_MAX][2][BGP_NAME_MAX];
	char desc[80];
	bool shutdown;
	bool passive;
	uint8_t nh_self[BGP_AF_MAX]; /* BGP_NH_SELF* */
	uint32_t max_prefix[BGP_AF_MAX]; /* 0: no limit */
	bool pfx_overflow;               /* stopped by maximum-prefix until cleared */
	uint8_t multihop;                /* ebgp-multihop TTL; 0: not set */
	uint8_t gtsm_hops;               /* ttl-security hops (RFC 5082); 0: off */
	bool rr_client[BGP_AF_MAX];      /* route-reflector-client (RFC 4456) */
	bool soft_in[BGP_AF_MAX];        /* soft-reconfiguration inbound */
	bool soft_in_warned; /* logged this session: a policy change it cannot re-learn */
	struct kld_addr update_source;   /* family 0: not set */
	bool timers_set;
	uint16_t ka_cfg, hold_cfg;
	/* TCP-MD5 key (RFC 2385), "" for none: a secret, written only to the
	 * running configuration, never shown or logged. */
	char password[BGP_PASSWORD_MAX + 1];
	bool md5_listen; /* the listener holds the key for this address */
	uint8_t gtsm_listen; /* the hops the listener's GTSM filter has for it */

	enum bgp_fsm_state state;
	struct bgp_conn c;   /* the session's connection */
	struct bgp_conn acc; /* an accepted one waiting for its OPEN */
	bool acc_open_sent;  /* our OPEN went out on acc */
	struct kld_timer *t_acc; /* acc's OPEN wait (BGP_OPEN_WAIT_MS) */
	struct kld_timer *t_retry, *t_hold, *t_keepalive, *t_start;
	/* the table sent to a new session in slices (bgp_rib.c) */
	struct kld_timer *t_dump;
	int dump_af;
	bool dump_started;
	struct kld_prefix dump_last;
	/* the paths of a session that ended, dropped (or kept stale for
	 * graceful restart) in slices too */
	struct kld_timer *t_clear;
	int clear_af;
	bool clearing, clear_started;
	uint32_t clear_keep;
	struct kld_prefix clear_last;
	unsigned retry_count;
	uint32_t retry_ms;
	struct bgp_notify err; /* what ERROR_DROP sends */
	struct bgp_open lopen, ropen;
	struct bgp_negotiated neg;
	struct bgp_codec_ctx ctx;
	struct kld_addr local; /* our end of the session */
	bool ebgp;

	/* graceful restart (bgp_gr.c) */
	uint8_t gr_mode;             /* enum bgp_gr_mode: `neighbor X graceful-restart...` */
	uint32_t gr_stale;           /* families whose paths from the peer are stale */
	uint32_t eor_rcvd, eor_sent; /* End-of-RIB markers this session */
	struct kld_timer *t_gr;      /* restart time while down, stale-path time once back */
	uint64_t gr_timer_end_ms;    /* when t_gr fires, for show */
	/* after our own restart: the families whose table we wait for (it
	 * was up before), those it sent End-of-RIB for then, and when it last
	 * sent an UPDATE (a table without End-of-RIB is complete when quiet) */
	uint32_t gr_wait;
	uint32_t gr_was_eor;
	uint64_t gr_quiet_ms, gr_upd_seen;

	/* EVPN (bgp_evpn.c): `neighbor X activate` under l2vpn evpn */
	bool evpn_active;
	bool evpn_rr_client; /* route-reflector-client under l2vpn evpn */
	bool evpn_deferred;  /* up, our table not sent yet: our restart's deferral */
	bool evpn_eor_rcvd;
	struct kld_timer *t_evpn_stale; /* stale EVPN paths after a restart */
	uint32_t evpn_pfx_rcvd;

	/* statistics for show */
	uint64_t msg_in, msg_out, upd_in, upd_out, refresh_in, refresh_out;
	uint64_t uptime_ms; /* when Established was entered or left */
	unsigned established_count, dropped_count;
	uint32_t pfx_rcvd[BGP_AF_MAX], pfx_sent[BGP_AF_MAX];
	char last_reset[96];
	/* the shutdown communication (RFC 8203) of the last NOTIFICATION
	 * received, made safe to print; "" if it had none */
	char shutdown_msg[BGP_SHUTDOWN_TEXT_MAX];

	/* soft-reconfiguration inbound: prefix -> interned attributes as
	 * received, before inbound policy; NULL unless soft_in[af] */
	struct bgp_adj *adj_in[BGP_AF_MAX];
	/* Adj-RIB-Out: prefix -> interned attributes sent */
	struct bgp_adj *adj_out[BGP_AF_MAX];
	/* outbound attributes by inbound set: consecutive prefixes share
	 * sets, so the copy-prepend-intern is done once per set */
	struct bgp_out_cache *ocache;
	/* announcements queued by the work queue, flushed in batches */
	struct bgp_out_item *outq;
	size_t noutq, outq_cap;

	/* update group (bgp_updgrp.c): a member's own Adj-RIB-Out stays
	 * empty, the group's conf holds it; a group's conf points to its
	 * group too */
	struct bgp_updgrp *ug;
	struct bgp_peer *ug_next; /* the group's next member */
};

/* Does the session carry this family? Configured here and listed in both
 * OPENs (RFC 4760 8; a peer without any multiprotocol capability speaks
 * IPv4 unicast only). UPDATEs, End-of-RIB and ROUTE-REFRESH of any other
 * family are neither sent nor followed. */
static inline bool bgp_peer_af_up(const struct bgp_peer *p, enum bgp_af af)
{
	return p->af_active[af] && (p->neg.af_mask & BGP_AF_BIT(af));
}

/* Peers that share outbound policy and encoding: one Adj-RIB-Out, one
 * packing of UPDATEs for all members (see bgp_updgrp.c). */
struct bgp_updgrp {
	struct bgp_updgrp *next;
	uint32_t id;
	uint64_t created_ms;
	struct bgp_peer *conf;    /* shared settings, Adj-RIB-Out, queue */
	struct bgp_peer *members; /* linked by ug_next */
	unsigned nmembers;
	unsigned joins, prunes;
	uint64_t packets; /* UPDATEs packed, each sent to every member */
};

/* next-hop-self: not for reflected routes (RFC 4456 10), unless force */
#define BGP_NH_SELF 1
#define BGP_NH_SELF_FORCE 2

#define BGP_OUT_CACHE 1024

struct bgp_out_cache {
	const struct bgp_attrs *in, *out; /* both referenced */
	bool local;
	uint32_t reflector; /* reflected: the ORIGINATOR_ID added if absent; else 0 */
};

struct bgp_out_item {
	const struct bgp_attrs *attrs; /* NULL: withdraw; holds a reference */
	struct kld_prefix p;
};

/* ---- RIB ---- */

/* Where a local path (peer NULL) comes from. */
enum bgp_src {
	BGP_SRC_NETWORK = 0, /* `network`, and every path from a peer */
	BGP_SRC_KERNEL = 1,  /* `redistribute`: the zapi RouteType number */
	BGP_SRC_CONNECTED = 2,
	BGP_SRC_STATIC = 3,
	/* 4 is BGP itself: never redistributed into BGP */
	BGP_SRC_WIREGUARD = 5, /* WireGuard allowed-ips routes (wgd) */
	BGP_SRC_LAST = BGP_SRC_WIREGUARD,
};

/* Can `redistribute` name this source (a zapi RouteType)? */
static inline bool bgp_src_redistributable(unsigned src)
{
	return src >= BGP_SRC_KERNEL && src <= BGP_SRC_LAST && src != 4;
}

struct bgp_path {
	struct bgp_path *next;
	struct bgp_peer *peer; /* NULL: originated here */
	const struct bgp_attrs *attrs;
	uint32_t since; /* seconds, monotonic */
	uint8_t src;    /* enum bgp_src */
	bool multipath; /* installed with the best one (maximum-paths) */
	/* kept until confirmed: a redistributed path until a new zebra-lite
	 * has it again, a peer's path over the peer's restart (bgp_gr.c) */
	bool stale;
};

struct bgp_dest {
	struct kld_prefix p;
	bool dirty;
	bool installed; /* sent to zebra-lite */
	struct bgp_path *paths;
	struct bgp_path *best;
};

/* What zebra-lite says of one next hop (bgp_nht.c). */
struct bgp_nh {
	struct kld_addr addr; /* family 0: a free slot */
	uint32_t metric;
	bool resolved;	 /* assumed until answered */
	bool answered;	 /* zebra-lite has spoken */
	bool registered; /* NexthopRegister sent on this connection */
};

struct bgp_nht {
	struct bgp_nh *slots;
	size_t cap, n, unregistered;
	struct bgp_nh *memo; /* the last one asked for */
};

struct bgp_pool_blk;

/* Fixed-size objects carved from 64 KiB blocks, with a free list. */
struct bgp_pool {
	size_t size;
	struct bgp_pool_blk *blocks;
	void *free;
};

void bgp_pool_init(struct bgp_pool *p, size_t size);
void *bgp_pool_alloc(struct bgp_pool *p);
void bgp_pool_free(struct bgp_pool *p, void *v);
void bgp_pool_destroy(struct bgp_pool *p);

struct bgp_network {
	struct bgp_network *next;
	struct kld_prefix p;
};

struct bgp {
	struct bgpd *bd;
	uint32_t asn;
	struct in_addr router_id;
	bool router_id_set;
	struct in_addr cluster_id; /* bgp cluster-id; 0: the router id */
	bool ebgp_requires_policy;
	bool log_neighbor_changes; /* shown only: changes are always logged */
	bool timers_set;
	uint16_t ka_cfg, hold_cfg;
	struct bgp_peer *peers;
	struct bgp_peer *groups;
	struct bgp_network *networks[BGP_AF_MAX];
	uint32_t redist[BGP_AF_MAX]; /* bits (1 << enum bgp_src) */
	uint8_t maxpaths[BGP_AF_MAX][2]; /* [af][0 eBGP, 1 iBGP]; 0 means 1 */
	struct bgp_updgrp *updgrps;
	uint32_t updgrp_last_id;
	/* graceful restart (bgp_gr.c): helper unless disabled; restarting
	 * role with `bgp graceful-restart` */
	bool gr_restart, gr_disable, gr_preserve_fw;
	uint16_t gr_restart_time, gr_stale_time, gr_defer_time;
	/* `update-delay`: at most this long after a restart, zebra-lite keeps
	 * the routes of before while the peers that were up come back */
	uint16_t update_delay;
	/* FRR's establish-wait (`update-delay N M`; 0: not given): after M s
	 * the hold stops waiting for peers not Established by then */
	uint16_t establish_wait;
	struct bgp_dynamic *dyn; /* listen ranges and limit (bgp_dynamic.c) */
};

#define BGP_GR_RESTART_TIME 120
#define BGP_GR_STALE_TIME 360
#define BGP_GR_DEFER_TIME 360
#define BGP_UPDATE_DELAY 120

#define BGP_MAX_ECMP 16

struct bgp_evpn;

struct bgpd {
	struct kld_proto_daemon p;
	struct bgp *bgp; /* one default instance, as in the seeds */
	struct bgp_evpn *evpn; /* bgp_evpn.h */
	struct bgp_plist *plists;
	struct bgp_rmap *rmaps;
	struct bgp_clist *clists;
	struct bgp_scratch rm_scratch; /* route-map edits on received routes */
	struct bgp_attr_table *attrs;
	struct kld_trie *rib[BGP_AF_MAX];
	struct kld_trie_cursor rib_cursor; /* look-ups of received prefixes */
	struct bgp_pool dest_pool, path_pool;
	struct bgp_dest **dirty;
	size_t dirty_head, ndirty, dirty_cap; /* [dirty_head, ndirty) wait */
	struct kld_timer *t_work;
	/* a policy change: the walk over every path, in slices, after a
	 * short delay that gathers a burst of configuration lines */
	struct kld_timer *t_reeval;
	int reeval_af;
	bool reeval_started;
	struct kld_prefix reeval_last;
	/* what changed: peers whose policy uses none of these are left alone */
	bool reeval_all;
	uint8_t reeval_nnames;
	char reeval_names[8][BGP_NAME_MAX];
	int lfd, lfd6;
	struct kld_io *lio, *lio6;
	uint64_t table_version;
	uint16_t port; /* 179; BGPD_PORT in the environment for tests */
	struct bgp_update upd; /* decode buffers, reused */
	/* routes for zebra-lite, sent in batches */
	struct bgp_zroute *zq;
	size_t nzq, zq_cap;
	bool zebra_up;
	bool redist_sweep; /* stale redistributed paths wait for a Barrier */
	struct bgp_nht nht;
	/* restarting speaker (bgp_gr.c) */
	bool gr_probe;          /* asking zebra-lite whether our routes survived */
	bool gr_deferring;      /* restarted: selection waits for End-of-RIB */
	bool gr_select_pending; /* deferral over: the work queue runs, then ReplayDone */
	bool gr_restarted;      /* our forwarding state survived the restart */
	struct kld_timer *t_gr_probe, *t_gr_defer;
	uint64_t gr_defer_end_ms;
	/* the replay hold after any restart (bgp_gr.c): ReplayDone waits for
	 * the tables of the peers that were up, as the state file says */
	bool gr_hold;
	bool gr_estab_waiting; /* establish-wait not over yet */
	uint64_t gr_hold_ms;   /* when the hold began */
	bool gr_done_pending; /* ReplayDone once the work queue is empty */
	bool gr_exiting;      /* leaving: the state file stays as it was */
	struct bgp_grstate_peer *gr_was_up;
	int gr_nwas_up; /* -1: no state file, every configured peer counts */
	struct kld_timer *t_gr_hold, *t_gr_tick, *t_gr_save;
};

struct bgp_zroute {
	struct kld_prefix p;
	uint8_t nnh;
	bool ibgp;
	bool add;
	struct kld_addr nh[BGP_MAX_ECMP];
};

/* bgp_zebra.c: EVPN's FDB entries and replay (bgp_evpn_hooks) */
struct bgp_evpn_fdb_entry;
void bgp_zebra_evpn_fdb(struct bgpd *bd, uint32_t vni, const struct bgp_evpn_fdb_entry *e,
			size_t n, bool del);
void bgp_zebra_evpn_replay_done(struct bgpd *bd);

/* bgp_main.c / bgp_vty.c */
void bgp_vty_install(struct cmd_tree *tree);
void bgp_write_config(struct vty *vty);
void bgp_show_install(struct cmd_tree *tree);
void bgp_router_id_update(struct bgp *bgp);
struct bgp *bgp_instance_new(struct bgpd *bd, uint32_t asn);
void bgp_instance_free(struct bgp *bgp);

/* bgp_session.c */
int bgp_session_listen(struct bgpd *bd);
/* Bring the listeners' GTSM filter in line with the peers' ttl-security
 * (after a peer or its hop count changed); idempotent. */
void bgp_session_gtsm_sync(struct bgpd *bd);
void bgp_session_close_all(struct bgpd *bd);
struct bgp_peer *bgp_peer_new(struct bgp *bgp, const struct kld_addr *a);
void bgp_peer_free(struct bgp_peer *peer);
struct bgp_peer *bgp_peer_find(struct bgp *bgp, const struct kld_addr *a);
struct bgp_peer *bgp_group_new(struct bgp *bgp, const char *name);
struct bgp_peer *bgp_group_find(struct bgp *bgp, const char *name);
/* (Re)start, stop with a Cease subcode, or reset a session. */
void bgp_peer_start(struct bgp_peer *peer);
void bgp_peer_stop(struct bgp_peer *peer, uint8_t cease_subcode);
/* Close the session's sockets without a NOTIFICATION (leaving as a
 * restarting speaker: the peers must see a TCP failure). */
void bgp_peer_abandon(struct bgp_peer *peer);
/* Set (pw non-empty) or remove (NULL or "") the TCP-MD5 key: the
 * listener's entry for the peer's address follows and a session that
 * changes key starts over. -EINVAL: too long; -errno when the kernel
 * refuses the listener's key (the password is kept, connections from the
 * peer are refused until a key is in place). */
int bgp_peer_set_password(struct bgp_peer *peer, const char *pw);
/* The listener's TCP-MD5 key for a whole prefix (a listen range); NULL or
 * "" removes it. 0 or -errno. */
int bgp_session_md5_range(struct bgpd *bd, const struct kld_prefix *p, const char *key);
/* The hold time and keepalive interval configured for a peer. */
uint16_t bgp_peer_hold_cfg(const struct bgp_peer *peer);
uint16_t bgp_peer_ka_cfg(const struct bgp_peer *peer);
void bgp_peer_send_refresh(struct bgp_peer *peer, enum bgp_af af);
/* n whole UPDATE messages (EVPN's, packed by the caller) on an
 * established session. */
void bgp_peer_send_updates(struct bgp_peer *peer, const void *msgs, size_t len, unsigned n);
/* A route as received (interned) through loop checks and inbound policy
 * into the RIB, or withdrawn from it when denied. */
void bgp_peer_in_route(struct bgp_peer *peer, const struct kld_prefix *p,
		       const struct bgp_attrs *a);
void bgp_peer_flush(struct bgp_peer *peer);
/* An external peer? A question about configuration every floor asks (the
 * session for TTLs, policy for ebgp-requires-policy, show): inline, so no
 * floor has to own it. */
static inline bool bgp_peer_is_ebgp(const struct bgp_peer *peer)
{
	if (peer->as_type == BGP_AS_INTERNAL)
		return false;
	if (peer->as_type == BGP_AS_EXTERNAL)
		return true;
	return peer->remote_as != peer->bgp->asn;
}
uint64_t bgp_peer_outq_bytes(const struct bgp_peer *peer);

/* A decoded UPDATE, a ROUTE-REFRESH, a peer created or freed: the RIB's
 * side of the session's news (bgp_session_hooks). */
void bgp_rib_in_update(struct bgp_peer *peer, struct bgp_update *u);
void bgp_rib_on_refresh(struct bgp_peer *peer);
void bgp_rib_peer_init(struct bgp_peer *peer);
void bgp_rib_peer_fini(struct bgp_peer *peer);

/* bgp_rib.c */
void bgp_rib_init(struct bgpd *bd);
void bgp_rib_fini(struct bgpd *bd);
/* Add or replace the path of peer (NULL = local) for p; a is interned
 * (the RIB takes its own reference). */
void bgp_rib_update(struct bgpd *bd, struct bgp_peer *peer, const struct kld_prefix *p,
		    const struct bgp_attrs *attrs);
void bgp_rib_withdraw(struct bgpd *bd, struct bgp_peer *peer, const struct kld_prefix *p);
/* Local paths from redistribution (src != BGP_SRC_NETWORK). */
void bgp_rib_redist(struct bgpd *bd, uint8_t src, const struct kld_prefix *p, uint32_t metric,
		    const struct kld_addr *gw, bool add);
void bgp_rib_redist_flush(struct bgpd *bd, uint8_t src, uint8_t family);
void bgp_rib_redist_mark_stale(struct bgpd *bd);
void bgp_rib_redist_sweep(struct bgpd *bd);
/* Session down: remove the peer's paths, except those of the families in
 * keep (BGP_AF_BIT()s), which are marked stale (graceful restart). */
void bgp_rib_peer_down(struct bgpd *bd, struct bgp_peer *peer, uint32_t keep);
/* Remove the peer's stale paths of the families in mask; how many. */
size_t bgp_rib_peer_sweep_stale(struct bgpd *bd, struct bgp_peer *peer, uint32_t mask);
/* Send the whole Loc-RIB to a peer (session up, soft out), in slices. */
void bgp_rib_peer_up(struct bgpd *bd, struct bgp_peer *peer);
void bgp_rib_dump_step(void *peer);
void bgp_rib_clear_step(void *peer);
/* Finish a session's clearing at once (a new session, a sweep, a free). */
void bgp_rib_peer_clear_finish(struct bgpd *bd, struct bgp_peer *peer);
/* soft-reconfiguration inbound: the pre-policy copy (Adj-RIB-In). */
void bgp_soft_in_set(struct bgpd *bd, struct bgp_peer *peer, const struct kld_prefix *p,
		     const struct bgp_attrs *a);
void bgp_soft_in_enable(struct bgpd *bd, struct bgp_peer *peer, enum bgp_af af, bool on);
void bgp_soft_in_free(struct bgpd *bd, struct bgp_peer *peer);
void bgp_soft_in_reapply(struct bgp_peer *peer, enum bgp_af af);
/* Inbound policy changed: re-apply from the copy, or ROUTE-REFRESH. */
bool bgp_rib_soft_in(struct bgp_peer *peer, enum bgp_af af);
/* RFC 4456: bgp cluster-id, or the router id (host order). */
uint32_t bgp_cluster_id(const struct bgp *bgp);
/* Has the route been here before (our AS, ORIGINATOR_ID or cluster id)? */
bool bgp_attrs_looped(const struct bgp *bgp, const struct bgp_attrs *a);
/* Reflecting: set ORIGINATOR_ID (orig) once, prepend our cluster id. */
struct bgp_scratch;
void bgp_attrs_reflect(struct bgp_attrs *tmp, const struct bgp *bgp, uint32_t orig,
		       struct bgp_scratch *s);
/* Re-run policy on every path (prefix-list changes). */
void bgp_rib_reevaluate(struct bgpd *bd);
/* A named prefix-list, route-map, community- or as-path list changed:
 * only peers whose policy uses it are refreshed. */
void bgp_rib_policy_changed(struct bgpd *bd, const char *name);
void bgp_rib_reevaluate_step(void *bd);
void bgp_rib_network(struct bgpd *bd, const struct kld_prefix *p, bool add);
void bgp_rib_redecide(struct bgpd *bd);
/* A next hop's resolution changed: decide again where a path uses it. */
void bgp_rib_nexthop_changed(struct bgpd *bd, const struct kld_addr *nh);
/* Drop a peer's cache of outbound attributes (its policy changed). */
void bgp_out_cache_clear(struct bgpd *bd, struct bgp_peer *peer);
struct bgp_dest *bgp_rib_lookup(struct bgpd *bd, const struct kld_prefix *p);
uint32_t bgp_now_s(void);

/* bgp_dynamic.c: peer-group members, dynamic neighbors (listen ranges) */
struct bgp_dynamic;
/* A member takes its group's configuration; a changed session resets. */
void bgp_peer_inherit(struct bgp_peer *m, const struct bgp_peer *g);
void bgp_dynamic_install(struct cmd_tree *tree);
void bgp_dynamic_write_config(struct vty *vty, const struct bgp *bgp);
void bgp_dynamic_free(struct bgp *bgp);
/* accept_unknown (bgp_session_hooks): a dynamic peer for a, or NULL. */
struct bgp_peer *bgp_dynamic_accept(struct bgpd *bd, const struct kld_addr *a);
void bgp_dynamic_forget(struct bgp *bgp, const struct kld_addr *a);
int bgp_listen_range_add(struct bgp *bgp, const struct kld_prefix *p, const char *group,
			 char *err, size_t errlen);
int bgp_listen_range_del(struct bgp *bgp, const struct kld_prefix *p, const char *group);
void bgp_listen_group_gone(struct bgp *bgp, const char *group);
void bgp_listen_limit_set(struct bgp *bgp, uint32_t limit);
uint32_t bgp_listen_limit(const struct bgp *bgp);
/* The group's password changed: its ranges' listener keys follow.
 * 0 or the first -errno. */
int bgp_listen_password_sync(struct bgp *bgp, const char *group);
const struct kld_prefix *bgp_dynamic_range(const struct bgp_peer *peer);
bool bgp_listen_range_holds(struct bgp *bgp, const struct kld_addr *a);
unsigned bgp_dynamic_count(const struct bgp *bgp);

/* bgp_updgrp.c: update group membership */
bool bgp_updgrp_same(const struct bgp_peer *a, const struct bgp_peer *b);
struct bgp_updgrp *bgp_updgrp_find(struct bgp *bgp, const struct bgp_peer *peer);
/* A new empty group with like's settings, at the end of bgp->updgrps. */
struct bgp_updgrp *bgp_updgrp_new(struct bgp *bgp, const struct bgp_peer *like);
void bgp_updgrp_add(struct bgp_updgrp *g, struct bgp_peer *peer);
/* Takes the peer out of its group; returns the members left. */
unsigned bgp_updgrp_del(struct bgp_peer *peer);
void bgp_updgrp_free(struct bgp *bgp, struct bgp_updgrp *g);
/* bgp_rib.c: a peer joins after its initial table, leaves when it goes
 * down or needs its own full resend. */
void bgp_updgrp_join(struct bgpd *bd, struct bgp_peer *peer);
void bgp_updgrp_leave(struct bgpd *bd, struct bgp_peer *peer, bool keep_adj);
/* What the peer was sent: its group's table when it is a member. */
const struct bgp_peer *bgp_peer_out(const struct bgp_peer *peer);
/* bgp_session.c: pack the group's queue once, to every member */
void bgp_updgrp_flush(struct bgp_updgrp *g);

/* bgp_adj.c: Adj-RIB-Out tables */
struct bgp_adj;
struct bgp_adj *bgp_adj_new(uint8_t family);
const struct bgp_attrs *bgp_adj_get(const struct bgp_adj *t, const struct kld_prefix *p);
const struct bgp_attrs *bgp_adj_set(struct bgp_adj *t, const struct kld_prefix *p,
				    const struct bgp_attrs *a);
size_t bgp_adj_count(const struct bgp_adj *t);
void bgp_adj_prefetch(const struct bgp_adj *t, const struct kld_prefix *p);
/* A copy holding its own reference to every set. */
struct bgp_adj *bgp_adj_copy(const struct bgp_adj *t);
typedef void bgp_adj_fn(const struct kld_prefix *p, const struct bgp_attrs *a, void *arg);
void bgp_adj_walk(const struct bgp_adj *t, bgp_adj_fn *fn, void *arg);
void bgp_adj_free(struct bgp_adj *t, void (*fn)(const struct bgp_attrs *a, void *arg), void *arg);

/* bgp_decision.c: <0 when a is better */
int bgp_path_cmp(const struct bgp *bgp, const struct bgp_path *a, const struct bgp_path *b);
/* The step that decides between a and b, as FRR's selectionReason. */
const char *bgp_path_cmp_reason(const struct bgp *bgp, const struct bgp_path *a,
				const struct bgp_path *b);
/* Equal for ECMP: every step before the router-id tie-break, the same AS
 * path, both learned from peers of the same kind. */
bool bgp_path_multipath_eq(const struct bgp *bgp, const struct bgp_path *a,
			   const struct bgp_path *b);
uint32_t bgp_path_weight(const struct bgp_path *p);
/* The LOCAL_PREF the decision uses: the path's, after inbound policy. */
uint32_t bgp_path_local_pref(const struct bgp_path *p);

/* bgp_nht.c: the nexthop cache */
struct bgp_nh *bgp_nht_find(struct bgp_nht *t, const struct kld_addr *a);
/* Find, or add assumed resolved and queued for registration. */
struct bgp_nh *bgp_nht_get(struct bgp_nht *t, const struct kld_addr *a);
/* zebra-lite's answer; true when it changes what the decision sees. */
bool bgp_nht_set(struct bgp_nht *t, const struct kld_addr *a, bool resolved, uint32_t metric);
void bgp_nht_unregister_all(struct bgp_nht *t);
void bgp_nht_free(struct bgp_nht *t);
/* A path may be chosen only when its next hop resolves (RFC 4271 9.1.2). */
bool bgp_path_valid(const struct bgp_path *p);
uint32_t bgp_path_igp_metric(const struct bgp_path *p);

/* bgp_policy.c */
struct bgp_plist *bgp_plist_find(struct bgpd *bd, const char *name, uint8_t family);
struct bgp_plist *bgp_plist_get(struct bgpd *bd, const char *name, uint8_t family);
int bgp_plist_set(struct bgp_plist *pl, const struct bgp_plist_entry *e);
int bgp_plist_del(struct bgpd *bd, struct bgp_plist *pl, uint32_t seq);
/* The seq of the entry with e's content (seq aside), or 0. */
uint32_t bgp_plist_seq_of(const struct bgp_plist *pl, const struct bgp_plist_entry *e);
uint32_t bgp_plist_next_seq(const struct bgp_plist *pl);
void bgp_plist_free_all(struct bgpd *bd);
/* A named list that does not exist denies everything (as FRR). */
bool bgp_plist_permit(struct bgpd *bd, const char *name, const struct kld_prefix *p);
void bgp_plist_entry_fmt(const struct bgp_plist_entry *e, char *buf, size_t size);
bool bgp_policy_missing(const struct bgp_peer *peer, enum bgp_af af, int dir);

/* bgp_routemap.c */
struct bgp_rmap;
struct bgp_clist;
void bgp_rmap_install(struct cmd_tree *tree);
void bgp_rmap_write_config(struct vty *vty);
void bgp_rmap_free_all(struct bgpd *bd);
/* Run route-map `name` on a temporary set a (edits go to s). Returns
 * whether the route is permitted. A missing map denies. */
/* Does route-map map match on a list called name? */
bool bgp_rmap_uses(struct bgpd *bd, const char *map, const char *name);
bool bgp_rmap_apply(struct bgpd *bd, const char *name, const struct kld_prefix *p,
		    struct bgp_attrs *a, struct bgp_scratch *s);

/* bgp_gr.c: graceful restart (RFC 4724) */
void bgp_gr_init(struct bgpd *bd);
void bgp_gr_fini(struct bgpd *bd);
void bgp_gr_instance_init(struct bgp *bgp);
void bgp_gr_install(struct cmd_tree *tree);
void bgp_gr_write_config(struct vty *vty, const struct bgp *bgp);
/* The neighbor's own mode as its command's keyword, NULL when it inherits. */
const char *bgp_gr_peer_keyword(const struct bgp_peer *peer);
/* Tell zebra-lite how long to keep our routes (after a mode change). */
void bgp_gr_zebra_sync(struct bgp *bgp);
/* Our capability in an OPEN. */
void bgp_gr_open_fill(const struct bgp_peer *peer, struct bgp_open *o);
/* The session ended (tcp_failure: without a NOTIFICATION either way):
 * keep the peer's paths stale or drop them. */
void bgp_gr_peer_down(struct bgp_peer *peer, bool tcp_failure);
/* The session is established again: flush what the new OPEN does not
 * cover, wait for End-of-RIB for the rest. */
void bgp_gr_peer_up(struct bgp_peer *peer);
void bgp_gr_eor_rcvd(struct bgp_peer *peer, enum bgp_af af);
/* Stopped by us (clear, shutdown, deconfigured): stale paths go. */
void bgp_gr_peer_flush(struct bgp_peer *peer);
void bgp_gr_peer_timer(void *peer);
/* Peers wait for zebra-lite's answer before they start (restarting role). */
bool bgp_gr_start_held(const struct bgpd *bd);
/* zebra-lite is up: ask for our grace time; true while the replay waits. */
bool bgp_gr_zebra_up(struct bgpd *bd);
void bgp_gr_zebra_answer(struct bgpd *bd, uint32_t stale_routes);
/* The work queue is empty: after the deferral, the selection is done
 * (tables and ReplayDone go); after the hold, ReplayDone goes. */
void bgp_gr_work_idle(struct bgpd *bd);
/* The session's news that graceful restart and the RIB both hear, in
 * order (bgp_session_hooks): established, created, freed. */
void bgp_gr_on_established(struct bgp_peer *peer);
void bgp_gr_peer_init(struct bgp_peer *peer);
void bgp_gr_peer_fini(struct bgp_peer *peer);
/* A summary's Up/Down column: time since the session went up or down,
 * `never` when it never came up (bgp_show.c). */
void bgp_show_updown(const struct bgp_peer *p, char *buf, size_t size);
/* show bgp neighbors X [json] */
struct json_object;
void bgp_gr_show_caps(struct vty *vty, const struct bgp_peer *p);
void bgp_gr_show_neighbor(struct vty *vty, const struct bgp_peer *p);
struct json_object *bgp_gr_neighbor_json(const struct bgp_peer *p);
/* Peers the state file says were up and a listen range would accept
 * again, that have not reconnected yet (a dynamic peer exists only then). */
unsigned bgp_gr_dyn_absent(const struct bgpd *bd);
/* Is the peer's table awaited after our restart: the state file names
 * it, or there is no state file (we do not know who was up)? */
bool bgp_gr_peer_awaited(const struct bgpd *bd, const struct bgp_peer *p);
/* Selection and announcements are held (restarting speaker). */
static inline bool bgp_gr_holding(const struct bgpd *bd)
{
	return bd->gr_deferring || bd->gr_select_pending;
}

/* bgp_zebra.c */
extern const struct kld_ipc_ops bgp_zebra_ops;
void bgp_zebra_route(struct bgpd *bd, struct bgp_dest *d, bool add);
void bgp_zebra_flush(struct bgpd *bd);
void bgp_zebra_redist(struct bgpd *bd, uint8_t src, uint8_t family, bool on);
/* Every installed route, then ReplayDone (zebra-lite sweeps the rest). */
void bgp_zebra_replay(struct bgpd *bd);
/* Every installed route, without ReplayDone (a restart's hold). */
void bgp_zebra_replay_routes(struct bgpd *bd);
void bgp_zebra_replay_done(struct bgpd *bd);
void bgp_zebra_client_grace(struct bgpd *bd, uint32_t seconds);

/* ---- hooks: news going up a floor ----
 * A file calls only files of its own floor and the floors below it
 * (doc/ARCHITECTURE.md, tests/layers/layers.conf). What a lower floor has
 * to tell a higher one goes through these tables of function pointers,
 * defined by the lower file, filled once at start-up by bgp_main.c (the
 * top floor) before any peer exists; every entry is set. */

/* bgp_session.c (session floor) -> graceful restart and the RIB:
 *   peer_init       a peer was created: its RIB side (Adj-RIB-Out, timers)
 *   peer_fini       a peer is being freed: its paths and tables go
 *   open_fill       our OPEN is being built: add what GR advertises
 *   start_held      are session starts held (our restart waits for zebra)?
 *   on_established  the session is up: old paths gone, table sent
 *   on_down         the session ended (tcp_failure: no NOTIFICATION)
 *   on_stop         stopped by us (clear, shutdown, deconfigured)
 *   on_update       an UPDATE decoded: withdrawals and routes to take in
 *   on_eor          End-of-RIB for a family the session has
 *   on_refresh      ROUTE-REFRESH for a family the session has
 *   accept_unknown  a connection from an address that is no neighbor, or
 *                   a dynamic peer whose session is down: the dynamic peer
 *                   for it (listen range, limit), or NULL to refuse */
struct bgp_session_hooks {
	void (*peer_init)(struct bgp_peer *peer);
	void (*peer_fini)(struct bgp_peer *peer);
	void (*open_fill)(const struct bgp_peer *peer, struct bgp_open *o);
	bool (*start_held)(const struct bgpd *bd);
	void (*on_established)(struct bgp_peer *peer);
	void (*on_down)(struct bgp_peer *peer, bool tcp_failure);
	void (*on_stop)(struct bgp_peer *peer);
	void (*on_update)(struct bgp_peer *peer, struct bgp_update *u);
	void (*on_eor)(struct bgp_peer *peer, enum bgp_af af);
	void (*on_refresh)(struct bgp_peer *peer);
	struct bgp_peer *(*accept_unknown)(struct bgpd *bd, const struct kld_addr *a);
};
extern struct bgp_session_hooks bgp_session_hooks;

/* bgp_rib.c, bgp_gr.c (RIB floor) -> the zebra client and GR's top:
 *   fib_route        a destination's best path changed: install (add) or
 *                    remove it in zebra-lite
 *   fib_flush        send what fib_route queued (end of a work slice)
 *   fib_grace        ask zebra-lite to keep our routes for seconds
 *   fib_replay_done  our routes are all sent after a restart
 *   work_idle        the RIB's work queue ran dry (GR's selection is done) */
struct bgp_rib_hooks {
	void (*fib_route)(struct bgpd *bd, struct bgp_dest *d, bool add);
	void (*fib_flush)(struct bgpd *bd);
	void (*fib_grace)(struct bgpd *bd, uint32_t seconds);
	void (*fib_replay_done)(struct bgpd *bd);
	void (*work_idle)(struct bgpd *bd);
};
extern struct bgp_rib_hooks bgp_rib_hooks;

/* bgp_routemap.c (policy, below the RIB) -> the RIB:
 *   changed  a route-map (or a list it names) changed: re-run policy where
 *            it is used */
struct bgp_policy_hooks {
	void (*changed)(struct bgpd *bd, const char *name);
};
extern struct bgp_policy_hooks bgp_policy_hooks;

/* bgp_zebra.c (glue) -> the shell's instance management (bgp_vty.c):
 *   router_id_update  interfaces changed: maybe a new automatic router id */
struct bgp_zebra_hooks {
	void (*router_id_update)(struct bgp *bgp);
};
extern struct bgp_zebra_hooks bgp_zebra_hooks;

#endif
