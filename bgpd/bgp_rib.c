/*
 * The RIBs and the work queue.
 *
 * Per address family one PATRICIA trie maps a prefix to a destination that
 * holds its paths (the Adj-RIBs-In of every peer plus locally originated
 * paths, after inbound policy) and the best one (the Loc-RIB). Each peer
 * has a trie of what it was last sent (Adj-RIB-Out), holding interned
 * attribute sets, so a change that produces the same outbound attributes
 * sends nothing.
 *
 * A decoded UPDATE comes up from the session (bgp_session_hooks.on_update)
 * and goes through loop checks and inbound policy here. Best-path changes
 * go up to the zebra client through bgp_rib_hooks.
 *
 * Receiving an UPDATE only edits paths and marks destinations dirty; a
 * zero-delay timer then runs the decision process over the dirty ones in
 * slices (BGP_WORK_SLICE per turn of the loop, so a full table never
 * starves keepalives), queues the announcements per peer and the FIB
 * changes for zebra-lite, and flushes both in batches.
 */
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "util.h"
#include "bgpd.h"

#define BGP_WORK_SLICE 20000

/* Seconds are all a path's age needs: the coarse clock is the same
 * monotonic clock without reading the TSC, and this runs per prefix. */
uint32_t bgp_now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint32_t)ts.tv_sec;
}

static enum bgp_af bgp_af_of(const struct kld_prefix *p)
{
	return p->family == AF_INET ? BGP_AF_IPV4_UNICAST : BGP_AF_IPV6_UNICAST;
}

static void bgp_work(void *arg);

void bgp_rib_init(struct bgpd *bd)
{
	bd->attrs = bgp_attr_table_new();
	for (int af = 0; af < BGP_AF_MAX; af++)
		bd->rib[af] = kld_trie_new(bgp_af_family((enum bgp_af)af));
	bd->t_work = kld_timer_new(bd->p.d.loop, bgp_work, bd);
	bd->t_reeval = kld_timer_new(bd->p.d.loop, bgp_rib_reevaluate_step, bd);
	bgp_update_init(&bd->upd);
	bgp_pool_init(&bd->dest_pool, sizeof(struct bgp_dest));
	bgp_pool_init(&bd->path_pool, sizeof(struct bgp_path));
}

/* ---- pools: destinations and paths are many and small; carving them
 * from blocks saves malloc's per-object header and rounding. ---- */

#define BGP_POOL_BLOCK (64 * 1024)

struct bgp_pool_blk {
	struct bgp_pool_blk *next;
	size_t used;
	_Alignas(16) unsigned char data[];
};

void bgp_pool_init(struct bgp_pool *p, size_t size)
{
	memset(p, 0, sizeof(*p));
	p->size = (size + 7) & ~(size_t)7;
}

void *bgp_pool_alloc(struct bgp_pool *p)
{
	void *v = p->free;

	if (v) {
		p->free = *(void **)v;
		return v;
	}
	if (!p->blocks || p->blocks->used + p->size > BGP_POOL_BLOCK - sizeof(struct bgp_pool_blk)) {
		struct bgp_pool_blk *b = kld_xmalloc(BGP_POOL_BLOCK);

		b->next = p->blocks;
		b->used = 0;
		p->blocks = b;
	}
	v = p->blocks->data + p->blocks->used;
	p->blocks->used += p->size;
	return v;
}

void bgp_pool_free(struct bgp_pool *p, void *v)
{
	*(void **)v = p->free;
	p->free = v;
}

void bgp_pool_destroy(struct bgp_pool *p)
{
	while (p->blocks) {
		struct bgp_pool_blk *b = p->blocks;

		p->blocks = b->next;
		free(b);
	}
	p->free = NULL;
}

void bgp_rib_fini(struct bgpd *bd)
{
	/* Paths' attribute references are released with the table. */
	for (int af = 0; af < BGP_AF_MAX; af++) {
		kld_trie_free(bd->rib[af], NULL);
		bd->rib[af] = NULL;
	}
	bgp_pool_destroy(&bd->dest_pool);
	bgp_pool_destroy(&bd->path_pool);
	kld_timer_free(bd->t_work);
	bd->t_work = NULL;
	kld_timer_free(bd->t_reeval);
	bd->t_reeval = NULL;
	free(bd->dirty);
	bd->dirty = NULL;
	bgp_update_fini(&bd->upd);
	free(bd->zq);
	bgp_nht_free(&bd->nht);
	bgp_attr_table_free(bd->attrs);
	bd->attrs = NULL;
}

struct bgp_dest *bgp_rib_lookup(struct bgpd *bd, const struct kld_prefix *p)
{
	return kld_trie_lookup(bd->rib[bgp_af_of(p)], p);
}

/* A received prefix's destination: the UPDATE's prefixes are mostly
 * consecutive, so the look-up starts where the last one went down. */
static struct bgp_dest *bgp_dest_near(struct bgpd *bd, const struct kld_prefix *p)
{
	return kld_trie_lookup_near(bd->rib[bgp_af_of(p)], &bd->rib_cursor, p);
}

static struct bgp_dest *bgp_dest_get(struct bgpd *bd, const struct kld_prefix *p)
{
	struct bgp_dest *d = bgp_dest_near(bd, p);

	if (d)
		return d;
	d = bgp_pool_alloc(&bd->dest_pool);
	memset(d, 0, sizeof(*d));
	d->p = *p;
	kld_prefix_mask(&d->p);
	kld_trie_insert(bd->rib[bgp_af_of(p)], &d->p, d);
	return d;
}

static void bgp_dest_dirty(struct bgpd *bd, struct bgp_dest *d)
{
	if (d->dirty)
		return;
	d->dirty = true;
	if (bd->ndirty == bd->dirty_cap && bd->dirty_head) {
		/* reclaim the processed front once per fill, not per slice */
		bd->ndirty -= bd->dirty_head;
		memmove(bd->dirty, bd->dirty + bd->dirty_head, bd->ndirty * sizeof(*bd->dirty));
		bd->dirty_head = 0;
	}
	if (bd->ndirty == bd->dirty_cap) {
		bd->dirty_cap = bd->dirty_cap ? bd->dirty_cap * 2 : 1024;
		bd->dirty = kld_xrealloc(bd->dirty, bd->dirty_cap * sizeof(*bd->dirty));
	}
	bd->dirty[bd->ndirty++] = d;
	if (!kld_timer_pending(bd->t_work))
		kld_timer_arm(bd->t_work, 0);
}

static struct bgp_path **bgp_path_find_src(struct bgp_dest *d, const struct bgp_peer *peer,
					   uint8_t src)
{
	struct bgp_path **pp;

	for (pp = &d->paths; *pp; pp = &(*pp)->next)
		if ((*pp)->peer == peer && (*pp)->src == src)
			return pp;
	return pp;
}

static struct bgp_path **bgp_path_find(struct bgp_dest *d, const struct bgp_peer *peer)
{
	return bgp_path_find_src(d, peer, BGP_SRC_NETWORK);
}

static void bgp_rib_update_src(struct bgpd *bd, struct bgp_peer *peer, uint8_t src,
			       const struct kld_prefix *p, const struct bgp_attrs *a)
{
	struct bgp_dest *d = bgp_dest_get(bd, p);
	struct bgp_path **pp = bgp_path_find_src(d, peer, src);

	if (*pp) {
		/* Announced again (by a peer after its restart, by a new
		 * zebra-lite): fresh again. The decision does not look at
		 * it, so the same attributes need no new decision (no
		 * RouteAdd for a full table). */
		(*pp)->stale = false;
		if ((*pp)->attrs == a)
			return;
		bgp_attr_unref(bd->attrs, (*pp)->attrs);
		(*pp)->attrs = bgp_attr_ref(a);
		if (d->best == *pp)
			d->best = NULL; /* the best path changed: announce again */
	} else {
		*pp = bgp_pool_alloc(&bd->path_pool);
		(*pp)->next = NULL;
		(*pp)->stale = false;
		(*pp)->src = src;
		(*pp)->peer = peer;
		(*pp)->attrs = bgp_attr_ref(a);
		if (peer)
			peer->pfx_rcvd[bgp_af_of(p)]++;
	}
	(*pp)->since = bgp_now_s();
	bgp_dest_dirty(bd, d);
}

void bgp_rib_update(struct bgpd *bd, struct bgp_peer *peer, const struct kld_prefix *p,
		    const struct bgp_attrs *a)
{
	bgp_rib_update_src(bd, peer, BGP_SRC_NETWORK, p, a);
}

static void bgp_path_unlink(struct bgpd *bd, struct bgp_dest *d, struct bgp_path **pp)
{
	struct bgp_path *path = *pp;

	*pp = path->next;
	if (d->best == path)
		d->best = NULL;
	if (path->peer)
		path->peer->pfx_rcvd[bgp_af_of(&d->p)]--;
	bgp_attr_unref(bd->attrs, path->attrs);
	bgp_pool_free(&bd->path_pool, path);
	bgp_dest_dirty(bd, d);
}

void bgp_rib_withdraw(struct bgpd *bd, struct bgp_peer *peer, const struct kld_prefix *p)
{
	struct bgp_dest *d = bgp_dest_near(bd, p);
	struct bgp_path **pp;

	if (!d)
		return;
	pp = bgp_path_find(d, peer);
	if (*pp)
		bgp_path_unlink(bd, d, pp);
}

/* ---- soft-reconfiguration inbound: the routes as received ---- */

static void bgp_adj_unref(const struct bgp_attrs *a, void *arg)
{
	bgp_attr_unref(arg, a);
}

/* Keep (a interned) or forget (a NULL) what the peer sent for p, for the
 * families that asked for a copy. */
void bgp_soft_in_set(struct bgpd *bd, struct bgp_peer *peer, const struct kld_prefix *p,
		     const struct bgp_attrs *a)
{
	struct bgp_adj *t = peer->adj_in[bgp_af_of(p)];

	if (t)
		bgp_attr_unref(bd->attrs, bgp_adj_set(t, p, a ? bgp_attr_ref(a) : NULL));
}

/* Turn the copy on (empty) or off (freed); the table exists exactly
 * while soft_in[af] is set on a real peer. */
void bgp_soft_in_enable(struct bgpd *bd, struct bgp_peer *peer, enum bgp_af af, bool on)
{
	bool had = peer->adj_in[af] != NULL;

	peer->soft_in[af] = on;
	if (peer->is_group || on == had)
		return;
	if (!on) {
		bgp_adj_free(peer->adj_in[af], bgp_adj_unref, bd->attrs);
		peer->adj_in[af] = NULL;
		return;
	}
	peer->adj_in[af] = bgp_adj_new(bgp_af_family(af));
	/* Fill it: the peer sends its table again (as FRR does). One that
	 * cannot be asked (no route-refresh capability) would leave the copy
	 * empty: its session is reset instead, as FRR does. */
	if (peer->state == BGP_FSM_ESTABLISHED && bgp_peer_af_up(peer, af) &&
	    !peer->neg.route_refresh) {
		char a[KLD_ADDR_STRLEN];

		kld_notice("bgpd: neighbor %s: soft-reconfiguration inbound turned on, "
			   "it has no route-refresh capability: resetting the session",
			   kld_addr_fmt(&peer->addr, a, sizeof(a)));
		bgp_peer_stop(peer, BGP_CEASE_CONFIG_CHANGE);
		bgp_peer_start(peer);
		return;
	}
	bgp_peer_send_refresh(peer, af);
}

static void bgp_soft_in_reset(struct bgpd *bd, struct bgp_peer *peer)
{
	for (int af = 0; af < BGP_AF_MAX; af++) {
		if (!peer->adj_in[af])
			continue;
		bgp_adj_free(peer->adj_in[af], bgp_adj_unref, bd->attrs);
		peer->adj_in[af] = bgp_adj_new(bgp_af_family((enum bgp_af)af));
	}
}

void bgp_soft_in_free(struct bgpd *bd, struct bgp_peer *peer)
{
	for (int af = 0; af < BGP_AF_MAX; af++) {
		bgp_adj_free(peer->adj_in[af], bgp_adj_unref, bd->attrs);
		peer->adj_in[af] = NULL;
	}
}

static void bgp_soft_in_one(const struct kld_prefix *p, const struct bgp_attrs *a, void *arg)
{
	bgp_peer_in_route(arg, p, a);
}

/* Run inbound policy again over the copy: no ROUTE-REFRESH needed. */
void bgp_soft_in_reapply(struct bgp_peer *peer, enum bgp_af af)
{
	if (peer->adj_in[af] && peer->state == BGP_FSM_ESTABLISHED)
		bgp_adj_walk(peer->adj_in[af], bgp_soft_in_one, peer);
}

/* Inbound policy changed for the peer's family: from the copy if there
 * is one, else by asking the peer (ROUTE-REFRESH). False when neither is
 * possible (a family the session does not carry needs nothing). */
bool bgp_rib_soft_in(struct bgp_peer *peer, enum bgp_af af)
{
	if (peer->adj_in[af])
		bgp_soft_in_reapply(peer, af);
	else if (peer->neg.route_refresh || !bgp_peer_af_up(peer, af))
		bgp_peer_send_refresh(peer, af);
	else
		return false;
	return true;
}

struct bgp_rib_hooks bgp_rib_hooks;

/* ---- received routes (bgp_session_hooks.on_update) ---- */

static bool bgp_in_permitted(struct bgp_peer *peer, enum bgp_af af, const struct kld_prefix *p)
{
	const char *name = peer->plist[af][0];

	return !name[0] || bgp_plist_permit(peer->bgp->bd, name, p);
}

/* What the well-known communities of a route from an external peer ask of
 * us, after inbound policy (which may add or remove them), as FRR does:
 * BLACKHOLE stays in our AS, NO_EXPORT added (RFC 7999 3.2); a
 * GRACEFUL_SHUTDOWN path is preferred least, LOCAL_PREF 0 (RFC 8326). */
static bool bgp_in_blackhole(const struct bgp_attrs *a)
{
	return bgp_comm_contains(a, BGP_COMM_BLACKHOLE) &&
	       !bgp_comm_contains(a, BGP_COMM_NO_EXPORT);
}

static bool bgp_in_gshut(const struct bgp_attrs *a)
{
	bool lp0 = (a->present & BGP_ATTRF_LOCAL_PREF) && !a->local_pref;

	return !lp0 && bgp_comm_contains(a, BGP_COMM_GSHUT);
}

static bool bgp_in_wellknown(const struct bgp_peer *peer, const struct bgp_attrs *a)
{
	return peer->ebgp && a->ncomm && (bgp_in_blackhole(a) || bgp_in_gshut(a));
}

static void bgp_in_wellknown_apply(struct bgp_attrs *tmp, struct bgp_scratch *s)
{
	if (bgp_in_blackhole(tmp))
		bgp_attrs_comm_add(tmp, s, BGP_COMM_NO_EXPORT);
	if (bgp_in_gshut(tmp))
		bgp_attrs_set_local_pref(tmp, 0);
}

/* Inbound route-map (if any) and the edits made on receipt: a copy,
 * interned per prefix. */
static bool bgp_in_rmap(struct bgp_peer *peer, enum bgp_af af, const struct kld_prefix *p,
			const struct bgp_attrs *a)
{
	struct bgpd *bd = peer->bgp->bd;
	struct bgp_attrs tmp = *a;
	const struct bgp_attrs *in;
	bool ok;

	tmp.hnext = NULL;
	tmp.hash = tmp.refcnt = 0;
	ok = !peer->rmap[af][0][0] ||
	     bgp_rmap_apply(bd, peer->rmap[af][0], p, &tmp, &bd->rm_scratch);
	if (ok && bgp_in_wellknown(peer, &tmp))
		bgp_in_wellknown_apply(&tmp, &bd->rm_scratch);
	if (ok) {
		in = bgp_attr_intern(bd->attrs, &tmp);
		bgp_rib_update(bd, peer, p, in);
		bgp_attr_unref(bd->attrs, in);
	}
	bgp_scratch_reset(&bd->rm_scratch);
	return ok;
}

/* RFC 4271 9.1.2: our AS in the path; RFC 4456 8: our router id as
 * ORIGINATOR_ID or our cluster id in CLUSTER_LIST. Such a route has been
 * here before: it is unfeasible, and withdrawn if we had it. */
bool bgp_attrs_looped(const struct bgp *bgp, const struct bgp_attrs *a)
{
	uint32_t cid = bgp_cluster_id(bgp);

	if (bgp_aspath_contains(a->aspath, a->aspath_len, bgp->asn))
		return true;
	if ((a->present & BGP_ATTRF_ORIGINATOR_ID) &&
	    a->originator_id == ntohl(bgp->router_id.s_addr))
		return true;
	for (size_t i = 0; i < a->ncluster; i++)
		if (a->cluster[i] == cid)
			return true;
	return false;
}

static void bgp_in_apply(struct bgp_peer *peer, enum bgp_af af, const struct kld_prefix *p,
			 const struct bgp_attrs *a, bool loop)
{
	struct bgpd *bd = peer->bgp->bd;

	if (loop || !bgp_in_permitted(peer, af, p) || bgp_policy_missing(peer, af, 0))
		bgp_rib_withdraw(bd, peer, p);
	else if (!peer->rmap[af][0][0] && !bgp_in_wellknown(peer, a))
		bgp_rib_update(bd, peer, p, a); /* nothing to edit: the UPDATE's set */
	else if (!bgp_in_rmap(peer, af, p, a))
		bgp_rib_withdraw(bd, peer, p);
}

void bgp_peer_in_route(struct bgp_peer *peer, const struct kld_prefix *p,
		       const struct bgp_attrs *a)
{
	enum bgp_af af = p->family == AF_INET ? BGP_AF_IPV4_UNICAST : BGP_AF_IPV6_UNICAST;

	bgp_in_apply(peer, af, p, a, bgp_attrs_looped(peer->bgp, a));
}

static void bgp_process_nlri(struct bgp_peer *peer, const struct bgp_prefix_list *l,
			     const struct bgp_attrs *tmp)
{
	struct bgpd *bd = peer->bgp->bd;
	const struct bgp_attrs *a;
	bool loop;

	if (!l->n)
		return;
	a = bgp_attr_intern(bd->attrs, tmp); /* once per UPDATE, not per prefix */
	loop = bgp_attrs_looped(peer->bgp, a);

	for (size_t i = 0; i < l->n && peer->state == BGP_FSM_ESTABLISHED; i++) {
		const struct kld_prefix *p = &l->p[i];
		enum bgp_af af = p->family == AF_INET ? BGP_AF_IPV4_UNICAST : BGP_AF_IPV6_UNICAST;

		if (!peer->af_active[af]) {
			bgp_rib_withdraw(bd, peer, p);
			continue;
		}
		/* the copy holds what was received, looped or denied too */
		bgp_soft_in_set(bd, peer, p, a);
		bgp_in_apply(peer, af, p, a, loop);
		if (peer->max_prefix[af] && peer->pfx_rcvd[af] > peer->max_prefix[af]) {
			kld_warn("bgpd: maximum-prefix %u exceeded, stopping the session",
				 peer->max_prefix[af]);
			peer->pfx_overflow = true;
			bgp_peer_stop(peer, BGP_CEASE_MAX_PREFIX);
			snprintf(peer->last_reset, sizeof(peer->last_reset),
				 "Maximum prefix count exceeded");
		}
	}
	bgp_attr_unref(bd->attrs, a);
}

/* A decoded UPDATE from the session floor: withdrawals, then the routes
 * of the message's own and MP_REACH's NLRI through inbound policy. */
void bgp_rib_in_update(struct bgp_peer *peer, struct bgp_update *u)
{
	struct bgpd *bd = peer->bgp->bd;
	struct bgp_attrs mp;

	for (size_t i = 0; i < u->withdrawn.n; i++) {
		bgp_soft_in_set(bd, peer, &u->withdrawn.p[i], NULL);
		bgp_rib_withdraw(bd, peer, &u->withdrawn.p[i]);
	}
	bgp_process_nlri(peer, &u->nlri, &u->attrs);
	if (u->mp_nlri.n) {
		bgp_update_mp_attrs(u, &mp);
		bgp_process_nlri(peer, &u->mp_nlri, &mp);
	}
}

/* A ROUTE-REFRESH for a family we both have: the table again. */
void bgp_rib_on_refresh(struct bgp_peer *peer)
{
	bgp_rib_peer_up(peer->bgp->bd, peer);
}

/* A new peer's RIB side: its Adj-RIB-Out and the timers that send it the
 * table and drop its paths in slices. */
void bgp_rib_peer_init(struct bgp_peer *peer)
{
	struct kld_loop *l = peer->bgp->bd->p.d.loop;

	peer->t_dump = kld_timer_new(l, bgp_rib_dump_step, peer);
	peer->t_clear = kld_timer_new(l, bgp_rib_clear_step, peer);
	for (int af = 0; af < BGP_AF_MAX; af++)
		peer->adj_out[af] = bgp_adj_new(bgp_af_family((enum bgp_af)af));
}

/* A peer going away: out of its update group (stopping an established
 * member has taken it out already), its paths gone, its tables freed. */
void bgp_rib_peer_fini(struct bgp_peer *peer)
{
	struct bgpd *bd = peer->bgp->bd;

	if (peer->ug)
		bgp_updgrp_leave(bd, peer, false);
	kld_timer_free(peer->t_dump);
	bgp_rib_peer_clear_finish(bd, peer);
	kld_timer_free(peer->t_clear);
	for (int af = 0; af < BGP_AF_MAX; af++)
		bgp_adj_free(peer->adj_out[af], bgp_adj_unref, bd->attrs);
	bgp_out_cache_clear(bd, peer);
	bgp_soft_in_free(bd, peer);
}

/* ---- outbound ---- */

/* An iBGP path reaches an iBGP peer only by reflection (RFC 4456 6): a
 * client's goes to everyone, a non-client's to clients; none goes to the
 * router that originated it. */
static bool bgp_reflect_allowed(const struct bgp_peer *peer, const struct bgp_path *best,
				enum bgp_af af)
{
	const struct bgp_attrs *a = best->attrs;

	if (!best->peer->rr_client[af] && !peer->rr_client[af])
		return false;
	return !(a->present & BGP_ATTRF_ORIGINATOR_ID) || a->originator_id != peer->ropen.bgp_id;
}

static bool bgp_out_allowed(struct bgp_peer *peer, const struct bgp_path *best, enum bgp_af af,
			    const struct kld_prefix *p)
{
	const struct bgp_attrs *a = best->attrs;
	const char *pl = peer->plist[af][1];

	if (!bgp_peer_af_up(peer, af) || best->peer == peer || bgp_policy_missing(peer, af, 1))
		return false;
	if (best->peer && !best->peer->ebgp && !peer->ebgp && !bgp_reflect_allowed(peer, best, af))
		return false;
	/* Split horizon by AS, not by session, so that every member of an
	 * update group (one AS) gets the same: not back into the AS the
	 * route came from. */
	if (best->peer && best->peer->ebgp && peer->ebgp && best->peer->remote_as == peer->remote_as)
		return false;
	if (bgp_comm_contains(a, BGP_COMM_NO_ADVERTISE))
		return false;
	if (peer->ebgp && (bgp_comm_contains(a, BGP_COMM_NO_EXPORT) ||
			   bgp_comm_contains(a, BGP_COMM_NO_EXPORT_SUBCONFED)))
		return false;
	if (peer->ebgp && best->peer && bgp_aspath_contains(a->aspath, a->aspath_len,
							     peer->remote_as))
		return false; /* the peer would drop it as a loop */
	return !pl[0] || bgp_plist_permit(peer->bgp->bd, pl, p);
}

void bgp_out_cache_clear(struct bgpd *bd, struct bgp_peer *peer)
{
	if (!peer->ocache)
		return;
	for (size_t i = 0; i < BGP_OUT_CACHE; i++) {
		bgp_attr_unref(bd->attrs, peer->ocache[i].in);
		bgp_attr_unref(bd->attrs, peer->ocache[i].out);
	}
	free(peer->ocache);
	peer->ocache = NULL;
}

static const struct bgp_attrs *bgp_out_attrs_build(struct bgpd *bd, struct bgp_peer *peer,
						    const struct bgp_path *best, enum bgp_af af,
						    const struct kld_prefix *p,
						    struct bgp_scratch *s);

uint32_t bgp_cluster_id(const struct bgp *bgp)
{
	return ntohl(bgp->cluster_id.s_addr ? bgp->cluster_id.s_addr : bgp->router_id.s_addr);
}

/* Reflecting (an iBGP path to an iBGP peer): the ORIGINATOR_ID the path
 * carries, or else the BGP identifier of the peer it came from; 0 when
 * not reflecting. */
static uint32_t bgp_reflector_id(const struct bgp_peer *peer, const struct bgp_path *best)
{
	if (peer->ebgp || !best->peer || best->peer->ebgp)
		return 0;
	if (best->attrs->present & BGP_ATTRF_ORIGINATOR_ID)
		return best->attrs->originator_id;
	return best->peer->ropen.bgp_id;
}

/* RFC 4456 8: ORIGINATOR_ID set once, by the first reflector; each
 * reflector prepends its CLUSTER_ID to CLUSTER_LIST. */
void bgp_attrs_reflect(struct bgp_attrs *tmp, const struct bgp *bgp, uint32_t orig,
		       struct bgp_scratch *s)
{
	uint32_t *cl = bgp_scratch_alloc(s, ((size_t)tmp->ncluster + 1) * sizeof(*cl));

	tmp->originator_id = orig;
	tmp->present |= BGP_ATTRF_ORIGINATOR_ID;
	cl[0] = bgp_cluster_id(bgp);
	if (tmp->ncluster)
		memcpy(cl + 1, tmp->cluster, (size_t)tmp->ncluster * sizeof(*cl));
	tmp->cluster = cl;
	tmp->ncluster++;
}

/* The attributes this peer gets for the best path (interned, one
 * reference for the caller), or NULL. */
static const struct bgp_attrs *bgp_out_attrs(struct bgpd *bd, struct bgp_peer *peer,
					      const struct bgp_path *best, enum bgp_af af,
					      const struct kld_prefix *p, struct bgp_scratch *s)
{
	struct bgp_out_cache *c;
	uint32_t refl;
	bool local;

	if (!best || !bgp_out_allowed(peer, best, af, p))
		return NULL;
	local = !best->peer;
	refl = bgp_reflector_id(peer, best);
	/* A route-map may look at the prefix: no sharing by attribute set. */
	if (peer->rmap[af][1][0])
		return bgp_out_attrs_build(bd, peer, best, af, p, s);
	if (!peer->ocache)
		peer->ocache = kld_xcalloc(BGP_OUT_CACHE, sizeof(*peer->ocache));
	c = &peer->ocache[(best->attrs->hash ^ local) % BGP_OUT_CACHE];
	if (c->in == best->attrs && c->local == local && c->reflector == refl &&
	    c->out->nexthop.family == p->family)
		return bgp_attr_ref(c->out);
	bgp_attr_unref(bd->attrs, c->in);
	bgp_attr_unref(bd->attrs, c->out);
	c->in = bgp_attr_ref(best->attrs);
	c->local = local;
	c->reflector = refl;
	c->out = bgp_out_attrs_build(bd, peer, best, af, p, s);
	return bgp_attr_ref(c->out);
}

static const struct bgp_attrs *bgp_out_attrs_build(struct bgpd *bd, struct bgp_peer *peer,
						    const struct bgp_path *best, enum bgp_af af,
						    const struct kld_prefix *p,
						    struct bgp_scratch *s)
{
	struct bgp_attrs tmp;
	uint32_t refl = bgp_reflector_id(peer, best);

	tmp = *best->attrs;
	tmp.hnext = NULL;
	tmp.hash = 0;
	tmp.refcnt = 0;
	if (peer->ebgp) {
		tmp.present &= ~BGP_ATTRF_LOCAL_PREF;
		/* MED is not passed on to a third AS (RFC 4271 5.1.4). */
		if (best->peer)
			tmp.present &= ~BGP_ATTRF_MED;
	} else {
		if (!(tmp.present & BGP_ATTRF_LOCAL_PREF))
			bgp_attrs_set_local_pref(&tmp, 100);
		if (refl)
			bgp_attrs_reflect(&tmp, peer->bgp, refl, s);
	}
	/* Our address towards eBGP peers and for our own routes; with
	 * next-hop-self, not for reflected routes unless forced (FRR). */
	if (peer->ebgp || !best->peer || peer->nh_self[af] == BGP_NH_SELF_FORCE ||
	    (peer->nh_self[af] && !refl)) {
		if (peer->local.family == p->family)
			tmp.nexthop = peer->local;
		memset(&tmp.nexthop_ll, 0, sizeof(tmp.nexthop_ll));
	}
	tmp.present |= BGP_ATTRF_NEXT_HOP;
	if (peer->rmap[af][1][0] && !bgp_rmap_apply(bd, peer->rmap[af][1], p, &tmp, s))
		return NULL;
	/* Our AS last: in front of what the map prepended, so that the
	 * neighbour finds its peer's AS first (RFC 4271 5.1.2), and the map
	 * matched the path as we hold it (FRR does both). */
	if (peer->ebgp)
		bgp_attrs_aspath_prepend(&tmp, s, peer->bgp->asn, 1);
	return bgp_attr_intern(bd->attrs, &tmp);
}

static void bgp_outq_push(struct bgp_peer *peer, const struct kld_prefix *p,
			  const struct bgp_attrs *a)
{
	if (peer->noutq == peer->outq_cap) {
		peer->outq_cap = peer->outq_cap ? peer->outq_cap * 2 : 256;
		peer->outq = kld_xrealloc(peer->outq, peer->outq_cap * sizeof(*peer->outq));
	}
	peer->outq[peer->noutq].p = *p;
	peer->outq[peer->noutq++].attrs = a ? bgp_attr_ref(a) : NULL;
}

/* Compare with the Adj-RIB-Out and queue what changed. */
static void bgp_announce(struct bgpd *bd, struct bgp_peer *peer, const struct bgp_dest *d,
			 struct bgp_scratch *s, bool force)
{
	enum bgp_af af = bgp_af_of(&d->p);
	const struct bgp_attrs *a = bgp_out_attrs(bd, peer, d->best, af, &d->p, s);
	/* one probe of the table: store, then see what was there */
	const struct bgp_attrs *old = bgp_adj_set(peer->adj_out[af], &d->p, a);

	if (a == old) {
		/* unchanged (the table keeps its reference): sent again only
		 * on a full resend (refresh) */
		if (force && a)
			bgp_outq_push(peer, &d->p, a);
		bgp_attr_unref(bd->attrs, a);
		return;
	}
	if (a && !old)
		peer->pfx_sent[af]++;
	else if (!a)
		peer->pfx_sent[af]--;
	bgp_attr_unref(bd->attrs, old);
	bgp_outq_push(peer, &d->p, a);
}

/* ---- the decision process over dirty destinations ---- */

static struct bgp_path *bgp_select(const struct bgp *bgp, const struct bgp_dest *d)
{
	struct bgp_path *best = NULL;

	for (struct bgp_path *p = d->paths; p; p = p->next)
		if (bgp_path_valid(p) && (!best || bgp_path_cmp(bgp, p, best) < 0))
			best = p;
	return best;
}

/* maximum-paths: mark the paths equal to the best one (up to the limit,
 * distinct next hops only). */
static void bgp_select_multipath(const struct bgp *bgp, struct bgp_dest *d)
{
	const struct bgp_path *best = d->best;
	unsigned max = 1, n = 1;

	for (struct bgp_path *p = d->paths; p; p = p->next)
		p->multipath = false;
	if (!best || !best->peer)
		return;
	max = bgp->maxpaths[bgp_af_of(&d->p)][!best->peer->ebgp];
	for (struct bgp_path *p = d->paths; p && n < max; p = p->next) {
		bool dup = kld_addr_eq(&p->attrs->nexthop, &best->attrs->nexthop);

		for (struct bgp_path *q = d->paths; q != p && !dup; q = q->next)
			dup = q->multipath && kld_addr_eq(&p->attrs->nexthop, &q->attrs->nexthop);
		if (p == best || dup || !bgp_path_valid(p) || !bgp_path_multipath_eq(bgp, p, best))
			continue;
		p->multipath = true;
		n++;
	}
}

/* Once per update group, and for each established peer outside one (a
 * peer still receiving its initial table). */
static void bgp_dest_announce(struct bgpd *bd, const struct bgp_dest *d, struct bgp_scratch *s)
{
	enum bgp_af af = bgp_af_of(&d->p);

	if (!bd->bgp)
		return;
	for (struct bgp_updgrp *g = bd->bgp->updgrps; g; g = g->next)
		bgp_adj_prefetch(g->conf->adj_out[af], &d->p);
	for (struct bgp_updgrp *g = bd->bgp->updgrps; g; g = g->next)
		bgp_announce(bd, g->conf, d, s, false);
	for (struct bgp_peer *peer = bd->bgp->peers; peer; peer = peer->next)
		if (peer->state == BGP_FSM_ESTABLISHED && !peer->ug)
			bgp_announce(bd, peer, d, s, false);
	bgp_scratch_reset(s);
}

/* With maximum-paths the set installed can change while the best path
 * stays, so zebra-lite hears of every change of such a destination. */
static bool bgp_multipath_on(const struct bgp *bgp, const struct bgp_dest *d)
{
	const uint8_t *mp = bgp->maxpaths[bgp_af_of(&d->p)];

	return mp[0] > 1 || mp[1] > 1;
}

/* d->best, when set, is the path chosen last time with the attributes it
 * had then (a path that goes away or changes attributes clears it). When
 * the same path wins again, nothing changed for zebra-lite or any peer:
 * with many feeders most arriving paths lose, and skipping them spares a
 * look-up in every peer's Adj-RIB-Out. */
static void bgp_dest_process(struct bgpd *bd, struct bgp_dest *d, struct bgp_scratch *s)
{
	const struct bgp_path *old = d->best;

	d->dirty = false;
	if (!bd->bgp) {
		d->best = NULL;
	} else {
		d->best = bgp_select(bd->bgp, d);
		bgp_select_multipath(bd->bgp, d);
	}
	bd->table_version++;
	if (d->best && d->best == old && !bgp_multipath_on(bd->bgp, d))
		return;
	if (d->best && d->best->peer)
		bgp_rib_hooks.fib_route(bd, d, true);
	else if (d->installed)
		bgp_rib_hooks.fib_route(bd, d, false);
	/* After a restart's deferral, each peer gets the whole table once
	 * the selection is complete (bgp_gr_selection_done). */
	if ((d->best != old || !d->best) && !bd->gr_select_pending)
		bgp_dest_announce(bd, d, s);
	if (!d->paths) {
		kld_trie_delete(bd->rib[bgp_af_of(&d->p)], &d->p);
		bgp_pool_free(&bd->dest_pool, d);
	}
}

static void bgp_flush_all(struct bgpd *bd)
{
	/* groups first: their bytes go to the members' buffers, which the
	 * members' own flush then writes */
	for (struct bgp_updgrp *g = bd->bgp ? bd->bgp->updgrps : NULL; g; g = g->next)
		bgp_updgrp_flush(g);
	for (struct bgp_peer *peer = bd->bgp ? bd->bgp->peers : NULL; peer; peer = peer->next)
		bgp_peer_flush(peer);
	bgp_rib_hooks.fib_flush(bd);
}

static void bgp_work(void *arg)
{
	struct bgpd *bd = arg;
	struct bgp_scratch s;
	size_t end = bd->dirty_head + KLD_MIN(bd->ndirty - bd->dirty_head, (size_t)BGP_WORK_SLICE);

	/* Restarted: no selection until End-of-RIB from the peers (RFC 4724
	 * 4.1), so the routes zebra-lite kept do not flap. */
	if (bd->gr_deferring)
		return;
	bgp_scratch_init(&s);
	/* processing marks nothing dirty, so the array cannot be compacted
	 * (bgp_dest_dirty) under this loop */
	while (bd->dirty_head < end)
		bgp_dest_process(bd, bd->dirty[bd->dirty_head++], &s);
	bgp_scratch_free(&s);
	if (bd->dirty_head == bd->ndirty)
		bd->dirty_head = bd->ndirty = 0;
	bgp_flush_all(bd);
	if (bd->ndirty)
		kld_timer_arm(bd->t_work, 0);
	else
		bgp_rib_hooks.work_idle(bd);
}

/* ---- whole-table operations ---- */

struct bgp_walk {
	struct bgpd *bd;
	struct bgp_peer *peer;
	struct bgp_scratch s;
	struct bgp_dest **v;
	size_t n, cap;
};

static int bgp_walk_announce(const struct kld_prefix *p, void *value, void *arg)
{
	struct bgp_walk *w = arg;

	(void)p;
	bgp_announce(w->bd, w->peer, value, &w->s, true);
	bgp_scratch_reset(&w->s);
	return 0;
}

static void bgp_adj_out_drop(const struct bgp_attrs *a, void *arg)
{
	bgp_attr_unref(arg, a);
}

static void bgp_adj_out_clear(struct bgpd *bd, struct bgp_peer *peer)
{
	for (int af = 0; af < BGP_AF_MAX; af++) {
		bgp_adj_free(peer->adj_out[af], bgp_adj_out_drop, bd->attrs);
		peer->adj_out[af] = bgp_adj_new(bgp_af_family((enum bgp_af)af));
	}
	memset(peer->pfx_sent, 0, sizeof(peer->pfx_sent));
	bgp_out_cache_clear(bd, peer);
}

static void bgp_send_eor(struct bgp_peer *peer, enum bgp_af af)
{
	uint8_t buf[64];
	int len = bgp_eor_encode(&peer->ctx, af, buf, sizeof(buf));

	if (len > 0) {
		kld_buf_append(&peer->c.tx, buf, (size_t)len);
		peer->eor_sent |= BGP_AF_BIT(af);
	}
}

#define BGP_DUMP_SLICE 20000
#define BGP_DUMP_BACKLOG (4u << 20) /* bytes queued to the peer */

/* Send the whole table: to a new session (its Adj-RIB-Out is empty), on a
 * ROUTE-REFRESH, `clear soft out` or a policy change (everything allowed is
 * sent again, what is no longer allowed is withdrawn). The walk runs in
 * slices from a timer, so a full table never holds the loop, and pauses
 * while the peer has not read what it was sent. Changes that happen
 * meanwhile go through the work queue as usual; the Adj-RIB-Out keeps the
 * two consistent. */
void bgp_rib_peer_up(struct bgpd *bd, struct bgp_peer *peer)
{
	/* the resend is the peer's own; it joins a group again after it */
	if (peer->ug)
		bgp_updgrp_leave(bd, peer, true);
	bgp_out_cache_clear(bd, peer);
	peer->dump_af = 0;
	peer->dump_started = false;
	bgp_rib_dump_step(peer);
}

void bgp_rib_dump_step(void *arg)
{
	struct bgp_peer *peer = arg;
	struct bgpd *bd = peer->bgp->bd;
	struct bgp_walk w = { .bd = bd, .peer = peer };
	size_t n;

	if (peer->state != BGP_FSM_ESTABLISHED || bgp_gr_holding(bd))
		return; /* a restart's deferral: sent when the selection is done */
	if (bgp_peer_outq_bytes(peer) > BGP_DUMP_BACKLOG) {
		kld_timer_arm(peer->t_dump, 10);
		return;
	}
	while (peer->dump_af < BGP_AF_MAX && !bgp_peer_af_up(peer, (enum bgp_af)peer->dump_af))
		peer->dump_af++;
	if (peer->dump_af == BGP_AF_MAX) {
		for (int af = 0; af < BGP_AF_MAX; af++)
			if (bgp_peer_af_up(peer, (enum bgp_af)af))
				bgp_send_eor(peer, (enum bgp_af)af);
		bgp_peer_flush(peer);
		bgp_updgrp_join(bd, peer);
		return;
	}
	bgp_scratch_init(&w.s);
	n = kld_trie_walk_from(bd->rib[peer->dump_af], peer->dump_started ? &peer->dump_last : NULL,
			       BGP_DUMP_SLICE, bgp_walk_announce, &w, &peer->dump_last);
	bgp_scratch_free(&w.s);
	peer->dump_started = true;
	if (n < BGP_DUMP_SLICE) {
		peer->dump_af++;
		peer->dump_started = false;
	}
	bgp_peer_flush(peer);
	kld_timer_arm(peer->t_dump, 0);
}

/* ---- update groups: moving a peer's tables in and out ---- */

const struct bgp_peer *bgp_peer_out(const struct bgp_peer *peer)
{
	return peer->ug ? peer->ug->conf : peer;
}

static void bgp_adj_out_move(struct bgp_peer *to, struct bgp_peer *from)
{
	for (int af = 0; af < BGP_AF_MAX; af++) {
		to->adj_out[af] = from->adj_out[af];
		from->adj_out[af] = bgp_adj_new(bgp_af_family((enum bgp_af)af));
	}
	memcpy(to->pfx_sent, from->pfx_sent, sizeof(to->pfx_sent));
	memset(from->pfx_sent, 0, sizeof(from->pfx_sent));
}

/* The peer's table and the group's can differ only where a destination
 * is waiting for the decision process: anywhere else both were computed
 * from the same best path under the same policy. Send the peer the
 * group's version of those, so that the group's next changes apply to
 * it as to every member. */
static void bgp_updgrp_reconcile(struct bgpd *bd, struct bgp_peer *peer, struct bgp_updgrp *g)
{
	for (size_t i = bd->dirty_head; i < bd->ndirty; i++) {
		const struct kld_prefix *p = &bd->dirty[i]->p;
		enum bgp_af af = bgp_af_of(p);
		const struct bgp_attrs *mine = bgp_adj_get(peer->adj_out[af], p);
		const struct bgp_attrs *theirs = bgp_adj_get(g->conf->adj_out[af], p);

		if (mine != theirs && (mine || theirs))
			bgp_outq_push(peer, p, theirs);
	}
	bgp_peer_flush(peer);
}

/* After its initial table: into the group of peers like it, or a new
 * group that takes over the peer's table. */
void bgp_updgrp_join(struct bgpd *bd, struct bgp_peer *peer)
{
	struct bgp_updgrp *g;

	if (peer->ug || peer->state != BGP_FSM_ESTABLISHED)
		return;
	g = bgp_updgrp_find(peer->bgp, peer);
	if (!g) {
		g = bgp_updgrp_new(peer->bgp, peer);
		bgp_adj_out_move(g->conf, peer);
	} else {
		bgp_updgrp_flush(g); /* what is queued predates the peer */
		bgp_updgrp_reconcile(bd, peer, g);
		bgp_adj_out_clear(bd, peer);
	}
	bgp_out_cache_clear(bd, peer);
	bgp_updgrp_add(g, peer);
}

static void bgp_updgrp_release(struct bgpd *bd, struct bgp_updgrp *g)
{
	struct bgp_peer *c = g->conf;

	for (size_t i = 0; i < c->noutq; i++)
		bgp_attr_unref(bd->attrs, c->outq[i].attrs);
	free(c->outq);
	for (int af = 0; af < BGP_AF_MAX; af++)
		bgp_adj_free(c->adj_out[af], bgp_adj_out_drop, bd->attrs);
	bgp_out_cache_clear(bd, c);
	bgp_updgrp_free(c->bgp, g);
}

/* keep_adj: the peer goes on with a copy of the group's table (a full
 * resend follows and must withdraw what is no longer allowed). */
void bgp_updgrp_leave(struct bgpd *bd, struct bgp_peer *peer, bool keep_adj)
{
	struct bgp_updgrp *g = peer->ug;

	bgp_updgrp_del(peer);
	if (keep_adj) {
		for (int af = 0; af < BGP_AF_MAX; af++) {
			bgp_adj_free(peer->adj_out[af], bgp_adj_out_drop, bd->attrs);
			peer->adj_out[af] = bgp_adj_copy(g->conf->adj_out[af]);
		}
		memcpy(peer->pfx_sent, g->conf->pfx_sent, sizeof(peer->pfx_sent));
	}
	if (!g->nmembers)
		bgp_updgrp_release(bd, g);
}

static int bgp_walk_collect(const struct kld_prefix *p, void *value, void *arg)
{
	struct bgp_walk *w = arg;
	struct bgp_dest *d = value;

	(void)p;
	if (w->peer && !*bgp_path_find(d, w->peer))
		return 0;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->v = kld_xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	w->v[w->n++] = d;
	return 0;
}

/* The destinations holding a path of the peer, in the families of mask. */
static void bgp_rib_peer_collect(struct bgpd *bd, struct bgp_peer *peer, uint32_t mask,
				 struct bgp_walk *w)
{
	w->bd = bd;
	w->peer = peer;
	for (int af = 0; af < BGP_AF_MAX; af++)
		if (mask & BGP_AF_BIT(af))
			kld_trie_walk(bd->rib[af], bgp_walk_collect, w);
}

#define BGP_CLEAR_SLICE 20000

static int bgp_walk_clear(const struct kld_prefix *p, void *value, void *arg)
{
	struct bgp_walk *w = arg;
	struct bgp_dest *d = value;
	struct bgp_path **pp = bgp_path_find(d, w->peer);

	(void)p;
	if (!*pp)
		return 0;
	if (w->peer->clear_keep & BGP_AF_BIT(bgp_af_of(&d->p)))
		(*pp)->stale = true; /* still used: nothing to decide */
	else
		bgp_path_unlink(w->bd, d, pp); /* the dest goes in the work queue */
	return 0;
}

/* Walk on for budget destinations at most; true when all are done. The
 * walk resumes after the last prefix seen, so the work queue may free
 * destinations in between. */
static bool bgp_rib_clear_run(struct bgpd *bd, struct bgp_peer *peer, size_t budget)
{
	struct bgp_walk w = { .bd = bd, .peer = peer };

	while (peer->clearing && peer->clear_af < BGP_AF_MAX) {
		size_t n = kld_trie_walk_from(bd->rib[peer->clear_af],
					      peer->clear_started ? &peer->clear_last : NULL, budget,
					      bgp_walk_clear, &w, &peer->clear_last);

		peer->clear_started = true;
		if (n >= budget)
			return false;
		peer->clear_af++;
		peer->clear_started = false;
	}
	peer->clearing = false;
	return true;
}

void bgp_rib_clear_step(void *arg)
{
	struct bgp_peer *peer = arg;

	if (!bgp_rib_clear_run(peer->bgp->bd, peer, BGP_CLEAR_SLICE))
		kld_timer_arm(peer->t_clear, 0);
}

void bgp_rib_peer_clear_finish(struct bgpd *bd, struct bgp_peer *peer)
{
	if (!peer->clearing)
		return;
	kld_timer_cancel(peer->t_clear);
	bgp_rib_clear_run(bd, peer, SIZE_MAX);
}

/* A session ended: its paths go, or stay marked stale in the families
 * graceful restart keeps. A full table takes a few turns of the loop, so
 * a million paths never hold a keepalive back. */
void bgp_rib_peer_down(struct bgpd *bd, struct bgp_peer *peer, uint32_t keep)
{
	bgp_rib_peer_clear_finish(bd, peer);
	peer->clearing = true;
	peer->clear_keep = keep;
	peer->clear_af = 0;
	peer->clear_started = false;
	bgp_rib_clear_step(peer);
	if (peer->ug)
		bgp_updgrp_leave(bd, peer, false);
	bgp_adj_out_clear(bd, peer);
	bgp_soft_in_reset(bd, peer); /* a new session sends its table anew */
	peer->soft_in_warned = false;
}

size_t bgp_rib_peer_sweep_stale(struct bgpd *bd, struct bgp_peer *peer, uint32_t mask)
{
	struct bgp_walk w = { 0 };
	size_t swept = 0;

	bgp_rib_peer_clear_finish(bd, peer);
	bgp_rib_peer_collect(bd, peer, mask, &w);
	for (size_t i = 0; i < w.n; i++) {
		struct bgp_path **pp = bgp_path_find(w.v[i], peer);

		if (*pp && (*pp)->stale) {
			bgp_path_unlink(bd, w.v[i], pp);
			swept++;
		}
	}
	free(w.v);
	return swept;
}

/* Does the prefix-list (or RFC 8212) now deny the peer's path? A peer
 * with a soft-reconfiguration copy is judged from the copy instead,
 * unless it is down (graceful restart keeps its paths, the copy went
 * with the session). */
static bool bgp_in_denied(struct bgpd *bd, const struct bgp_peer *peer, enum bgp_af af,
			  const struct kld_prefix *p)
{
	const char *pl;

	if (!peer || (peer->adj_in[af] && peer->state == BGP_FSM_ESTABLISHED))
		return false;
	pl = peer->plist[af][0];
	return (pl[0] && !bgp_plist_permit(bd, pl, p)) || bgp_policy_missing(peer, af, 0);
}

#define BGP_REEVAL_DELAY_MS 200
#define BGP_REEVAL_SLICE 20000

static int bgp_walk_reevaluate(const struct kld_prefix *p, void *value, void *arg)
{
	struct bgpd *bd = arg;
	struct bgp_dest *d = value;
	struct bgp_path **pp = &d->paths;

	while (*pp)
		if (bgp_in_denied(bd, (*pp)->peer, bgp_af_of(p), p))
			bgp_path_unlink(bd, d, pp); /* the dest goes in the work queue */
		else
			pp = &(*pp)->next;
	return 0;
}

/* Does the peer's policy in one direction use a name that changed? */
static bool bgp_reeval_touches(struct bgpd *bd, const struct bgp_peer *peer, int dir)
{
	if (bd->reeval_all)
		return true;
	for (int af = 0; af < BGP_AF_MAX; af++) {
		const char *pl = peer->plist[af][dir], *rm = peer->rmap[af][dir];

		for (unsigned i = 0; i < bd->reeval_nnames; i++) {
			const char *name = bd->reeval_names[i];

			if (!strcmp(pl, name) || !strcmp(rm, name) ||
			    (rm[0] && bgp_rmap_uses(bd, rm, name)))
				return true;
		}
	}
	return false;
}

/* FRR applies a new inbound policy silently to what such a peer sends
 * later; we say so, once per session (bgp_rib_peer_down re-arms it). */
static void bgp_soft_in_warn(struct bgp_peer *peer)
{
	char a[KLD_ADDR_STRLEN];

	if (peer->soft_in_warned)
		return;
	peer->soft_in_warned = true;
	kld_addr_fmt(&peer->addr, a, sizeof(a));
	kld_warn("bgpd: neighbor %s: inbound policy changed, but it has neither route-refresh "
		 "capability nor soft-reconfiguration inbound: the new policy applies to the "
		 "routes it sends from now on (clear bgp %s re-learns them all)", a, a);
}

/* Every path has been judged again; a peer whose inbound policy changed is
 * asked for its routes (or its soft-reconfiguration copy is run through the
 * policy), one whose outbound policy changed is sent its table again. */
static void bgp_rib_reevaluate_done(struct bgpd *bd)
{
	for (struct bgp_peer *peer = bd->bgp->peers; peer; peer = peer->next) {
		if (peer->state != BGP_FSM_ESTABLISHED)
			continue;
		if (bgp_reeval_touches(bd, peer, 0))
			for (int af = 0; af < BGP_AF_MAX; af++)
				if (peer->af_active[af] && !bgp_rib_soft_in(peer, (enum bgp_af)af))
					bgp_soft_in_warn(peer);
		if (bgp_reeval_touches(bd, peer, 1))
			bgp_rib_peer_up(bd, peer);
	}
	bd->reeval_all = false;
	bd->reeval_nnames = 0;
}

void bgp_rib_reevaluate_step(void *arg)
{
	struct bgpd *bd = arg;
	size_t n;

	if (!bd->bgp)
		return;
	while (bd->reeval_af < BGP_AF_MAX) {
		n = kld_trie_walk_from(bd->rib[bd->reeval_af], bd->reeval_started ? &bd->reeval_last : NULL,
				       BGP_REEVAL_SLICE, bgp_walk_reevaluate, bd, &bd->reeval_last);
		bd->reeval_started = true;
		if (n == BGP_REEVAL_SLICE) {
			kld_timer_arm(bd->t_reeval, 0);
			return;
		}
		bd->reeval_af++;
		bd->reeval_started = false;
	}
	bgp_rib_reevaluate_done(bd);
}

/* Policy changed (a prefix-list, a route-map, a list they use, a binding).
 * The walk starts over from the first prefix after a short delay, so a
 * burst of lines costs one walk and one refresh of each peer; paths that
 * arrive meanwhile meet the new policy as they come. */
static void bgp_rib_reevaluate_start(struct bgpd *bd)
{
	bool waiting;

	if (!bd->bgp || !bd->t_reeval)
		return;
	/* Already waiting to start: the start is not pushed back, so a steady
	 * stream of lines cannot put it off for ever. */
	waiting = kld_timer_pending(bd->t_reeval) && !bd->reeval_af && !bd->reeval_started;
	bd->reeval_af = 0;
	bd->reeval_started = false;
	if (!waiting)
		kld_timer_arm(bd->t_reeval, BGP_REEVAL_DELAY_MS);
}

void bgp_rib_reevaluate(struct bgpd *bd)
{
	bd->reeval_all = true;
	bgp_rib_reevaluate_start(bd);
}

void bgp_rib_policy_changed(struct bgpd *bd, const char *name)
{
	unsigned i;

	for (i = 0; i < bd->reeval_nnames && strcmp(bd->reeval_names[i], name); i++)
		;
	if (i == bd->reeval_nnames && i < KLD_ARRAY_SIZE(bd->reeval_names))
		snprintf(bd->reeval_names[bd->reeval_nnames++], BGP_NAME_MAX, "%s", name);
	else if (i == bd->reeval_nnames)
		bd->reeval_all = true; /* more than we keep: everyone */
	bgp_rib_reevaluate_start(bd);
}

static int bgp_walk_redecide(const struct kld_prefix *p, void *value, void *arg)
{
	struct bgp_dest *d = value;

	(void)p;
	d->best = NULL; /* what is installed may change even if the best does not */
	bgp_dest_dirty(arg, d);
	return 0;
}

/* Run the decision process again everywhere (maximum-paths changed). */
void bgp_rib_redecide(struct bgpd *bd)
{
	for (int af = 0; af < BGP_AF_MAX; af++)
		kld_trie_walk(bd->rib[af], bgp_walk_redecide, bd);
}

struct bgp_nh_walk {
	struct bgpd *bd;
	const struct kld_addr *nh;
};

static int bgp_walk_nexthop(const struct kld_prefix *p, void *value, void *arg)
{
	struct bgp_nh_walk *w = arg;
	struct bgp_dest *d = value;

	(void)p;
	for (const struct bgp_path *path = d->paths; path; path = path->next) {
		if (path->peer && kld_addr_eq(&path->attrs->nexthop, w->nh)) {
			bgp_dest_dirty(w->bd, d);
			return 0;
		}
	}
	return 0;
}

/* A rare event (an IGP change), so a walk that only marks is enough; the
 * decision itself then runs in the work queue's slices. */
void bgp_rib_nexthop_changed(struct bgpd *bd, const struct kld_addr *nh)
{
	struct bgp_nh_walk w = { .bd = bd, .nh = nh };

	for (int af = 0; af < BGP_AF_MAX; af++)
		if (bd->rib[af])
			kld_trie_walk(bd->rib[af], bgp_walk_nexthop, &w);
}

void bgp_rib_network(struct bgpd *bd, const struct kld_prefix *p, bool add)
{
	struct bgp_attrs a;

	if (!add) {
		bgp_rib_withdraw(bd, NULL, p);
		return;
	}
	bgp_attrs_init(&a);
	a.present |= BGP_ATTRF_ORIGIN | BGP_ATTRF_AS_PATH | BGP_ATTRF_NEXT_HOP;
	a.origin = BGP_ORIGIN_IGP;
	bgp_attrs_set_med(&a, 0);
	a.nexthop.family = p->family;
	const struct bgp_attrs *in = bgp_attr_intern(bd->attrs, &a);

	bgp_rib_update(bd, NULL, p, in);
	bgp_attr_unref(bd->attrs, in);
}

/* ---- redistribution ---- */

void bgp_rib_redist(struct bgpd *bd, uint8_t src, const struct kld_prefix *p, uint32_t metric,
		    const struct kld_addr *gw, bool add)
{
	struct bgp_attrs a;
	const struct bgp_attrs *in;

	if (!add) {
		struct bgp_dest *d = bgp_rib_lookup(bd, p);
		struct bgp_path **pp;

		if (d && *(pp = bgp_path_find_src(d, NULL, src)))
			bgp_path_unlink(bd, d, pp);
		return;
	}
	bgp_attrs_init(&a);
	a.present |= BGP_ATTRF_ORIGIN | BGP_ATTRF_AS_PATH | BGP_ATTRF_NEXT_HOP;
	a.origin = BGP_ORIGIN_INCOMPLETE;
	bgp_attrs_set_med(&a, metric);
	if (gw && gw->family == p->family)
		a.nexthop = *gw;
	else
		a.nexthop.family = p->family;
	in = bgp_attr_intern(bd->attrs, &a);
	bgp_rib_update_src(bd, NULL, src, p, in);
	bgp_attr_unref(bd->attrs, in);
}

/* Walks over the local paths that redistribution brought. */
struct bgp_local_walk {
	bool (*match)(const struct bgp_path *path, const void *arg);
	const void *arg;
	struct bgp_dest **v;
	size_t n, cap;
};

static bool bgp_local_match(const struct bgp_local_walk *w, const struct bgp_path *path)
{
	return !path->peer && path->src != BGP_SRC_NETWORK && w->match(path, w->arg);
}

static int bgp_walk_local(const struct kld_prefix *p, void *value, void *arg)
{
	struct bgp_local_walk *w = arg;
	const struct bgp_path *path = ((struct bgp_dest *)value)->paths;

	(void)p;
	while (path && !bgp_local_match(w, path))
		path = path->next;
	if (!path)
		return 0;
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->v = kld_xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	w->v[w->n++] = value;
	return 0;
}

static void bgp_rib_unlink_local(struct bgpd *bd, int af, struct bgp_local_walk *w)
{
	kld_trie_walk(bd->rib[af], bgp_walk_local, w);
	for (size_t i = 0; i < w->n; i++) {
		struct bgp_path **pp = &w->v[i]->paths;

		while (*pp)
			if (bgp_local_match(w, *pp))
				bgp_path_unlink(bd, w->v[i], pp);
			else
				pp = &(*pp)->next;
	}
	free(w->v);
	w->v = NULL;
	w->n = w->cap = 0;
}

static bool bgp_path_of_src(const struct bgp_path *path, const void *arg)
{
	return path->src == *(const uint8_t *)arg;
}

/* `no redistribute X`: drop every path it brought. */
void bgp_rib_redist_flush(struct bgpd *bd, uint8_t src, uint8_t family)
{
	struct bgp_local_walk w = { .match = bgp_path_of_src, .arg = &src };

	bgp_rib_unlink_local(bd, family == AF_INET ? BGP_AF_IPV4_UNICAST : BGP_AF_IPV6_UNICAST, &w);
}

static int bgp_walk_mark_stale(const struct kld_prefix *p, void *value, void *arg)
{
	(void)p;
	(void)arg;
	for (struct bgp_path *path = ((struct bgp_dest *)value)->paths; path; path = path->next)
		if (!path->peer && path->src != BGP_SRC_NETWORK)
			path->stale = true;
	return 0;
}

/* zebra-lite (re)connected: what it redistributes again is refreshed,
 * what it no longer has (withdrawn while it was away) stays stale and is
 * swept once its answer to the new subscriptions is complete. */
void bgp_rib_redist_mark_stale(struct bgpd *bd)
{
	for (int af = 0; af < BGP_AF_MAX; af++)
		if (bd->rib[af])
			kld_trie_walk(bd->rib[af], bgp_walk_mark_stale, NULL);
}

static bool bgp_path_stale(const struct bgp_path *path, const void *arg)
{
	(void)arg;
	return path->stale;
}

void bgp_rib_redist_sweep(struct bgpd *bd)
{
	struct bgp_local_walk w = { .match = bgp_path_stale };

	for (int af = 0; af < BGP_AF_MAX; af++)
		if (bd->rib[af])
			bgp_rib_unlink_local(bd, af, &w);
}
