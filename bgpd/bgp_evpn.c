/*
 * bgpd's EVPN table (see bgp_evpn.h and doc/evpn.md).
 *
 * Three things happen here:
 *  - origination: every VNI zebra-lite reports (with advertise-all-vni)
 *    gives a type-3 route, every MAC learned on a local port of its
 *    bridge a type-2 route; the set is rebuilt and compared with what was
 *    advertised, so a change sends only the routes that changed;
 *  - reception: received routes are kept per destination (RD and key),
 *    one path per peer;
 *  - import: a VNI's remote FDB (flood VTEPs and remote MACs) is computed
 *    from the paths whose route targets it imports and compared with what
 *    zebra-lite was told, so zebra-lite hears only the difference.
 * Both rebuilds run from a zero-delay timer that gathers a burst of
 * changes (an UPDATE of a thousand MACs is one rebuild).
 */
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "util.h"
#include "bgp_evpn.h"

#define BGP_EVPN_REPLAY_TICK_MS 1000
/* A burst of UPDATEs (a peer's table arriving) is imported in a few
 * passes, not one per message: each pass walks the table. */
#define BGP_EVPN_WORK_DELAY_MS 10

struct bgp_evpn_hooks bgp_evpn_hooks;

static struct bgp_evpn *evpn_of(const struct bgpd *bd)
{
	return bd->evpn;
}

/* ---- destinations ---- */

static uint32_t evpn_hash(const struct bgp_evpn_route *r)
{
	uint32_t h = 2166136261u;
	uint8_t k[8 + 4 + 6 + 17 + 2];

	memset(k, 0, sizeof(k));
	memcpy(k, r->rd, 8);
	bgp_put32(k + 8, r->etag);
	if (r->type == BGP_EVPN_MACIP)
		memcpy(k + 12, r->mac, 6);
	k[18] = r->ip.family;
	if (r->ip.family)
		memcpy(k + 19, r->ip.u.bytes, kld_family_bytes(r->ip.family));
	k[35] = r->type;
	k[36] = r->plen;
	for (size_t i = 0; i < sizeof(k); i++)
		h = (h ^ k[i]) * 16777619u;
	return h;
}

static void evpn_rehash(struct bgp_evpn *e)
{
	size_t nsize = e->hsize ? e->hsize * 2 : 1024;
	struct bgp_evpn_dest **nh = kld_xcalloc(nsize, sizeof(*nh));

	for (size_t i = 0; i < e->hsize; i++) {
		while (e->h[i]) {
			struct bgp_evpn_dest *d = e->h[i];
			size_t b = evpn_hash(&d->r) & (nsize - 1);

			e->h[i] = d->hnext;
			d->hnext = nh[b];
			nh[b] = d;
		}
	}
	free(e->h);
	e->h = nh;
	e->hsize = nsize;
}

static struct bgp_evpn_dest *evpn_dest(struct bgp_evpn *e, const struct bgp_evpn_route *r,
				       bool create)
{
	struct bgp_evpn_dest *d;
	size_t b;

	if (e->hsize) {
		b = evpn_hash(r) & (e->hsize - 1);
		for (d = e->h[b]; d; d = d->hnext)
			if (!bgp_evpn_key_cmp(&d->r, r))
				return d;
	}
	if (!create)
		return NULL;
	if (e->count >= e->hsize)
		evpn_rehash(e);
	b = evpn_hash(r) & (e->hsize - 1);
	d = kld_xcalloc(1, sizeof(*d));
	d->r = *r;
	d->hnext = e->h[b];
	e->h[b] = d;
	e->count++;
	return d;
}

static void evpn_dest_free_if_empty(struct bgp_evpn *e, struct bgp_evpn_dest *d)
{
	size_t b;

	if (d->paths || d->out)
		return; /* the work pass withdraws what was passed on, then frees */
	b = evpn_hash(&d->r) & (e->hsize - 1);
	for (struct bgp_evpn_dest **pp = &e->h[b]; *pp; pp = &(*pp)->hnext) {
		if (*pp == d) {
			*pp = d->hnext;
			free(d);
			e->count--;
			return;
		}
	}
}

static void evpn_path_free(struct bgpd *bd, struct bgp_evpn_path *p)
{
	bgp_attr_unref(bd->attrs, p->attrs);
	free(p);
}

/* ---- work ---- */

static void evpn_mark_all(struct bgp_evpn *e)
{
	for (struct bgp_evpn_vni *v = e->vnis; v; v = v->next)
		v->dirty = true;
	if (e->t_work && !kld_timer_pending(e->t_work))
		kld_timer_arm(e->t_work, BGP_EVPN_WORK_DELAY_MS);
}

void bgp_evpn_changed(struct bgpd *bd)
{
	evpn_mark_all(evpn_of(bd));
}

/* ---- RD, RT ---- */

void bgp_evpn_vni_rd(const struct bgpd *bd, const struct bgp_evpn_vni *v, uint8_t *rd)
{
	uint32_t id = bd->bgp ? ntohl(bd->bgp->router_id.s_addr) : 0;

	if (v->rd_set)
		memcpy(rd, v->rd, 8);
	else
		bgp_evpn_rd_auto(rd, id, v->index);
}

size_t bgp_evpn_vni_rts(const struct bgpd *bd, const struct bgp_evpn_vni *v, bool import,
			uint8_t (*out)[8])
{
	size_t n = import ? v->nimp : v->nexp;

	if (!n) {
		bgp_ecomm_rt_make(out[0], bd->bgp ? bd->bgp->asn : 0, v->vni);
		return 1;
	}
	memcpy(out, import ? v->imp : v->exp, n * 8);
	return n;
}

/* An automatic import RT (AS:VNI) matches any AS, as FRR does, so that
 * eBGP sites in different ASes import each other's VNI without
 * configuration; a configured one matches exactly. */
static bool evpn_rt_match(const uint8_t *want, const uint8_t *have, bool automatic)
{
	if (!bgp_ecomm_is_rt(have))
		return false;
	if (!automatic)
		return !memcmp(want, have, 8);
	if (have[0] == 0x00)
		return bgp_get32(have + 4) == bgp_get32(want + 4);
	if (have[0] == 0x02)
		return bgp_get16(have + 6) == (bgp_get32(want + 4) & 0xffff);
	return false;
}

bool bgp_evpn_imports(const struct bgpd *bd, const struct bgp_evpn_vni *v,
		      const struct bgp_evpn_path *p)
{
	uint8_t rts[BGP_EVPN_RT_MAX][8];
	size_t n = bgp_evpn_vni_rts(bd, v, true, rts);

	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < p->attrs->necomm; j++)
			if (evpn_rt_match(rts[i], p->attrs->ecomm + j * 8, !v->nimp))
				return true;
	return false;
}

/* ---- paths ---- */

uint32_t bgp_evpn_path_seq(const struct bgp_evpn_path *p)
{
	uint32_t seq = 0;
	bool sticky;

	bgp_ecomm_mac_seq(p->attrs->ecomm, p->attrs->necomm, &seq, &sticky);
	return seq;
}

static uint32_t evpn_path_lp(const struct bgp_evpn_path *p)
{
	if (p->peer->ebgp || !(p->attrs->present & BGP_ATTRF_LOCAL_PREF))
		return BGP_DEFAULT_LOCAL_PREF;
	return p->attrs->local_pref;
}

/* <0 when a is better: the steps of RFC 4271 9.1.2.2 that apply to the
 * same route heard from several peers (a copy passed on by a transit
 * site has the longer path, so the originator's own wins), fresh before
 * stale, then the older. */
static int evpn_path_cmp(const struct bgp_evpn_path *a, const struct bgp_evpn_path *b)
{
	unsigned la = bgp_aspath_length(a->attrs->aspath, a->attrs->aspath_len);
	unsigned lb = bgp_aspath_length(b->attrs->aspath, b->attrs->aspath_len);

	if (a->stale != b->stale)
		return a->stale ? 1 : -1;
	if (evpn_path_lp(a) != evpn_path_lp(b))
		return evpn_path_lp(a) > evpn_path_lp(b) ? -1 : 1;
	if (la != lb)
		return la < lb ? -1 : 1;
	if (a->peer->ebgp != b->peer->ebgp)
		return a->peer->ebgp ? -1 : 1;
	if (a->attrs->ncluster != b->attrs->ncluster)
		return a->attrs->ncluster < b->attrs->ncluster ? -1 : 1;
	return a->since <= b->since ? -1 : 1;
}

const struct bgp_evpn_path *bgp_evpn_best(const struct bgp_evpn_dest *d)
{
	const struct bgp_evpn_path *best = NULL;

	for (const struct bgp_evpn_path *p = d->paths; p; p = p->next)
		if (!best || evpn_path_cmp(p, best) < 0)
			best = p;
	return best;
}

void bgp_evpn_imet_vtep(const struct bgp_evpn_dest *d, const struct bgp_evpn_path *p,
			struct kld_addr *out)
{
	uint8_t tt;
	uint32_t label;

	if (bgp_pmsi_find(p->attrs->unknown, p->attrs->unknown_len, &tt, &label, out) &&
	    tt == BGP_PMSI_INGRESS_REPL && out->family)
		return;
	*out = d->r.ip;
}

/* ---- import: a VNI's remote FDB ---- */

struct evpn_cand {
	struct bgp_evpn_fdb_entry e;
	uint32_t seq;
};

struct evpn_want {
	struct evpn_cand *c;
	size_t n, cap;
};

static void want_push(struct evpn_want *w, const uint8_t *mac, const struct kld_addr *dst,
		      uint32_t seq)
{
	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 64;
		w->c = kld_xrealloc(w->c, w->cap * sizeof(*w->c));
	}
	memset(&w->c[w->n], 0, sizeof(w->c[w->n]));
	memcpy(w->c[w->n].e.mac, mac, 6);
	w->c[w->n].e.dst = *dst;
	w->c[w->n++].seq = seq;
}

static int fdb_cmp(const void *a, const void *b)
{
	const struct bgp_evpn_fdb_entry *x = a, *y = b;
	int d = memcmp(x->mac, y->mac, 6);

	if (d)
		return d;
	if (x->dst.family != y->dst.family)
		return x->dst.family < y->dst.family ? -1 : 1;
	return memcmp(x->dst.u.bytes, y->dst.u.bytes, 16);
}

static struct bgp_evpn_lmac *lmac_find(struct bgp_evpn_vni *v, const uint8_t *mac)
{
	for (size_t i = 0; i < v->nlmacs; i++)
		if (!memcmp(v->lmacs[i].mac, mac, 6))
			return &v->lmacs[i];
	return NULL;
}

static void lmac_del(struct bgp_evpn_vni *v, struct bgp_evpn_lmac *m)
{
	*m = v->lmacs[--v->nlmacs];
}

static const uint8_t evpn_zero_mac[6];

/* Every imported route of v: flood VTEPs (not our own) and, per MAC,
 * the candidates with their sequence numbers. */
static void evpn_collect(struct bgp_evpn *e, struct bgp_evpn_vni *v, struct evpn_want *w)
{
	for (size_t b = 0; b < e->hsize; b++) {
		for (struct bgp_evpn_dest *d = e->h[b]; d; d = d->hnext) {
			const struct bgp_evpn_path *p = bgp_evpn_best(d);
			struct kld_addr vtep;

			if (!p || !bgp_evpn_imports(e->bd, v, p))
				continue;
			if (d->r.type == BGP_EVPN_IMET) {
				bgp_evpn_imet_vtep(d, p, &vtep);
				if (!kld_addr_eq(&vtep, &v->local))
					want_push(w, evpn_zero_mac, &vtep, 0);
			} else if (d->r.type == BGP_EVPN_MACIP &&
				   !kld_addr_eq(&p->attrs->nexthop, &v->local)) {
				want_push(w, d->r.mac, &p->attrs->nexthop, bgp_evpn_path_seq(p));
			}
		}
	}
}

/* By MAC, then the winner first: the highest sequence number, then
 * the lowest VTEP. */
static int cand_cmp(const void *a, const void *b)
{
	const struct evpn_cand *x = a, *y = b;
	int d = memcmp(x->e.mac, y->e.mac, 6);

	if (d)
		return d;
	if (x->seq != y->seq)
		return x->seq > y->seq ? -1 : 1;
	return fdb_cmp(&x->e, &y->e);
}

/* RFC 7432 15: per MAC the highest sequence number wins, a tie goes to
 * the lowest VTEP address; a local MAC at least as new as every remote
 * claim stays local (no remote entry), an older one has moved away.
 * Flood entries (all-zero MAC) are all kept. */
static bool evpn_resolve_macs(struct bgp_evpn_vni *v, struct evpn_want *w)
{
	size_t out = 0, i = 0;
	bool moved = false;

	qsort(w->c, w->n, sizeof(*w->c), cand_cmp);
	while (i < w->n) {
		size_t j = i + 1;
		struct bgp_evpn_lmac *lm;

		if (!memcmp(w->c[i].e.mac, evpn_zero_mac, 6)) {
			w->c[out++] = w->c[i++];
			continue;
		}
		while (j < w->n && !memcmp(w->c[j].e.mac, w->c[i].e.mac, 6))
			j++;
		lm = lmac_find(v, w->c[i].e.mac);
		if (lm && lm->seq < w->c[i].seq) {
			kld_info("evpn: VNI %u: MAC %02x:%02x:%02x:%02x:%02x:%02x moved away (seq %u > %u)",
				 v->vni, lm->mac[0], lm->mac[1], lm->mac[2], lm->mac[3], lm->mac[4],
				 lm->mac[5], w->c[i].seq, lm->seq);
			lmac_del(v, lm);
			lm = NULL;
			moved = true;
		}
		if (!lm)
			w->c[out++] = w->c[i];
		i = j;
	}
	w->n = out;
	return moved;
}

/* Tell zebra-lite the difference between what v had and want. */
static void evpn_fdb_sync(struct bgp_evpn *e, struct bgp_evpn_vni *v, struct evpn_want *w)
{
	struct bgp_evpn_fdb_entry *want = kld_xcalloc(w->n + 1, sizeof(*want));
	struct bgp_evpn_fdb_entry *add = kld_xcalloc(w->n + 1, sizeof(*add));
	struct bgp_evpn_fdb_entry *del = kld_xcalloc(v->nfdb + 1, sizeof(*del));
	size_t i = 0, j = 0, na = 0, nd = 0;

	for (size_t k = 0; k < w->n; k++)
		want[k] = w->c[k].e;
	qsort(want, w->n, sizeof(*want), fdb_cmp);
	while (i < w->n || j < v->nfdb) {
		int d = i == w->n ? 1 : j == v->nfdb ? -1 : fdb_cmp(&want[i], &v->fdb[j]);

		if (d < 0)
			add[na++] = want[i];
		else if (d > 0)
			del[nd++] = v->fdb[j];
		i += d <= 0;
		j += d >= 0;
	}
	if (bgp_evpn_hooks.fdb && nd)
		bgp_evpn_hooks.fdb(e->bd, v->vni, del, nd, true);
	if (bgp_evpn_hooks.fdb && na)
		bgp_evpn_hooks.fdb(e->bd, v->vni, add, na, false);
	free(add);
	free(del);
	free(v->fdb);
	v->fdb = want;
	v->nfdb = w->n;
}

/* A VNI's remote FDB again; true when a local MAC turned out to have
 * moved (our routes change). */
static bool evpn_import_vni(struct bgp_evpn *e, struct bgp_evpn_vni *v)
{
	struct evpn_want w = { 0 };
	bool moved = false;

	v->dirty = false;
	if (v->present) {
		evpn_collect(e, v, &w);
		moved = evpn_resolve_macs(v, &w);
	}
	evpn_fdb_sync(e, v, &w);
	free(w.c);
	return moved;
}

/* ---- origination ---- */

static bool evpn_vni_advertised(const struct bgp_evpn *e, const struct bgp_evpn_vni *v)
{
	return v->present && e->advertise_all_vni && e->bd->bgp;
}

static void evpn_nh_of(const struct bgp_evpn *e, const struct bgp_evpn_vni *v, struct kld_addr *nh)
{
	if (v->local.family) {
		*nh = v->local;
		return;
	}
	memset(nh, 0, sizeof(*nh));
	nh->family = AF_INET;
	memcpy(nh->u.bytes, &e->bd->bgp->router_id, 4);
}

static void adv_push(struct bgp_evpn_adv **a, size_t *n, size_t *cap, const struct bgp_evpn_adv *x)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 32;
		*a = kld_xrealloc(*a, *cap * sizeof(**a));
	}
	(*a)[(*n)++] = *x;
}

static void evpn_adv_base(const struct bgp_evpn *e, const struct bgp_evpn_vni *v,
			  struct bgp_evpn_adv *x)
{
	uint8_t rts[BGP_EVPN_RT_MAX][8];
	size_t n = bgp_evpn_vni_rts(e->bd, v, false, rts);

	memset(x, 0, sizeof(*x));
	bgp_evpn_vni_rd(e->bd, v, x->r.rd);
	evpn_nh_of(e, v, &x->nh);
	memcpy(x->ecomm, rts, n * 8);
	bgp_ecomm_encap_vxlan(x->ecomm[n]);
	x->necomm = (uint8_t)(n + 1);
}

static int adv_cmp(const void *a, const void *b)
{
	return bgp_evpn_key_cmp(&((const struct bgp_evpn_adv *)a)->r,
				&((const struct bgp_evpn_adv *)b)->r);
}

static size_t evpn_originate(struct bgp_evpn *e, struct bgp_evpn_adv **out)
{
	size_t n = 0, cap = 0;

	*out = NULL;
	for (struct bgp_evpn_vni *v = e->vnis; v; v = v->next) {
		struct bgp_evpn_adv x;

		if (!evpn_vni_advertised(e, v))
			continue;
		evpn_adv_base(e, v, &x);
		x.r.type = BGP_EVPN_IMET;
		x.r.ip = x.nh;
		x.r.vni = v->vni;
		x.pmsi = true;
		adv_push(out, &n, &cap, &x);
		for (size_t i = 0; i < v->nlmacs; i++) {
			evpn_adv_base(e, v, &x);
			x.r.type = BGP_EVPN_MACIP;
			memcpy(x.r.mac, v->lmacs[i].mac, 6);
			x.r.vni = v->vni;
			if (v->lmacs[i].seq)
				bgp_ecomm_mac_mobility(x.ecomm[x.necomm++], v->lmacs[i].seq, false);
			adv_push(out, &n, &cap, &x);
		}
	}
	qsort(*out, n, sizeof(**out), adv_cmp);
	return n;
}

/* ---- sending ---- */

struct evpn_out {
	struct kld_buf b;
	unsigned n;
};

/* A received route passed on: its attributes as BGP changes them on
 * the way (RFC 4271 5.1, RFC 4456 8), the next hop left as it is: it
 * names the VTEP that originated the route, which every site reaches
 * over the mesh. */
static int evpn_transit_encode(const struct bgp_peer *peer, const struct bgp_evpn_adv *x,
			       uint8_t *buf, size_t size)
{
	struct bgp_attrs a = *x->attrs;
	struct bgp_scratch s;
	int len;

	a.hnext = NULL;
	bgp_scratch_init(&s);
	if (peer->ebgp) {
		a.present &= ~(BGP_ATTRF_LOCAL_PREF | BGP_ATTRF_MED);
		bgp_attrs_aspath_prepend(&a, &s, peer->bgp->asn, 1);
	} else {
		if (!(a.present & BGP_ATTRF_LOCAL_PREF))
			bgp_attrs_set_local_pref(&a, BGP_DEFAULT_LOCAL_PREF);
		if (!x->src->ebgp)
			bgp_attrs_reflect(&a, peer->bgp,
					  (a.present & BGP_ATTRF_ORIGINATOR_ID) ? a.originator_id
										 : x->src->ropen.bgp_id,
					  &s);
	}
	a.present &= ~BGP_ATTRF_NEXT_HOP; /* MP_REACH_NLRI carries it */
	len = bgp_attrs_encode(&a, &peer->ctx, false, buf, size);
	bgp_scratch_free(&s);
	return len;
}

/* The attributes of one advertised route for one peer, encoded. */
static int evpn_attrs_encode(const struct bgp_peer *peer, const struct bgp_evpn_adv *x,
			     uint8_t *buf, size_t size)
{
	struct bgp_attrs a;
	struct bgp_scratch s;
	uint8_t pmsi[32];
	int len;

	if (x->attrs)
		return evpn_transit_encode(peer, x, buf, size);
	bgp_attrs_init(&a);
	a.present |= BGP_ATTRF_AS_PATH;
	if (!peer->ebgp)
		bgp_attrs_set_local_pref(&a, BGP_DEFAULT_LOCAL_PREF);
	a.ecomm = &x->ecomm[0][0];
	a.necomm = x->necomm;
	if (x->pmsi) {
		a.unknown = pmsi;
		a.unknown_len = (uint16_t)bgp_pmsi_build(pmsi, x->r.vni, &x->nh);
	}
	bgp_scratch_init(&s);
	if (peer->ebgp)
		bgp_attrs_aspath_prepend(&a, &s, peer->bgp->asn, 1);
	len = bgp_attrs_encode(&a, &peer->ctx, false, buf, size);
	bgp_scratch_free(&s);
	return len;
}

static bool adv_same_attrs(const struct bgp_evpn_adv *a, const struct bgp_evpn_adv *b)
{
	if (a->attrs || b->attrs)
		return a->attrs == b->attrs && a->src == b->src;
	return a->necomm == b->necomm && !memcmp(a->ecomm, b->ecomm, (size_t)a->necomm * 8) &&
	       a->pmsi == b->pmsi && kld_addr_eq(&a->nh, &b->nh) &&
	       (!a->pmsi || a->r.vni == b->r.vni);
}

/* Announce (x non-NULL entries) or withdraw routes to one peer, packing
 * consecutive routes of equal attributes into one UPDATE. */
static void evpn_send(struct bgp_peer *peer, const struct bgp_evpn_adv *x, size_t n, bool withdraw)
{
	struct evpn_out o = { .n = 0 };
	struct bgp_evpn_route *r = kld_xcalloc(n + 1, sizeof(*r));
	uint8_t attrs[2048], msg[BGP_MAX_MSG_LEN];
	size_t i = 0;

	kld_buf_init(&o.b);
	for (size_t k = 0; k < n; k++)
		r[k] = x[k].r;
	while (i < n) {
		size_t j = i + 1, len = 0;
		int alen = 0, done;

		while (!withdraw && j < n && adv_same_attrs(&x[i], &x[j]))
			j++;
		if (withdraw)
			j = n;
		if (!withdraw && (alen = evpn_attrs_encode(peer, &x[i], attrs, sizeof(attrs))) < 0)
			break;
		done = bgp_evpn_update_encode(withdraw ? NULL : attrs, (size_t)alen, &x[i].nh, r + i,
					      j - i, msg, sizeof(msg), &len);
		if (done <= 0)
			break;
		kld_buf_append(&o.b, msg, len);
		o.n++;
		i += (size_t)done;
	}
	if (o.n)
		bgp_peer_send_updates(peer, o.b.data, o.b.len, o.n);
	kld_buf_free(&o.b);
	free(r);
}

/* A peer that gets our EVPN routes now (not one whose table waits for
 * our restart's deferral). */
static bool evpn_peer_up(const struct bgp_peer *p)
{
	return p->state == BGP_FSM_ESTABLISHED && p->evpn_active &&
	       (p->neg.af_mask & BGP_EVPN_BIT) && !p->evpn_deferred;
}

static void evpn_send_all(struct bgp_evpn *e, const struct bgp_evpn_adv *x, size_t n, bool withdraw)
{
	if (!n || !e->bd->bgp)
		return;
	for (struct bgp_peer *p = e->bd->bgp->peers; p; p = p->next)
		if (evpn_peer_up(p))
			evpn_send(p, x, n, withdraw);
}

/* Compare the routes we originate now with those advertised: withdraw
 * the ones gone, announce the new and changed ones. */
static void evpn_readvertise(struct bgp_evpn *e)
{
	struct bgp_evpn_adv *now, *gone, *upd;
	size_t n = evpn_originate(e, &now), i = 0, j = 0, ng = 0, nu = 0;

	gone = kld_xcalloc(e->nadv + 1, sizeof(*gone));
	upd = kld_xcalloc(n + 1, sizeof(*upd));
	while (i < n || j < e->nadv) {
		int d = i == n ? 1 : j == e->nadv ? -1 : adv_cmp(&now[i], &e->adv[j]);

		if (d < 0 || (d == 0 && (!adv_same_attrs(&now[i], &e->adv[j]) ||
					 now[i].r.vni != e->adv[j].r.vni)))
			upd[nu++] = now[i];
		else if (d > 0)
			gone[ng++] = e->adv[j];
		i += d <= 0;
		j += d >= 0;
	}
	evpn_send_all(e, gone, ng, true);
	evpn_send_all(e, upd, nu, false);
	free(gone);
	free(upd);
	free(e->adv);
	e->adv = now;
	e->nadv = n;
}

/* ---- passing received routes on ---- */

/* May a route received from src go to peer `to` (RFC 4271 9.1.3 and
 * 5.1.6, RFC 4456 6)? src NULL: the peer it came from is gone, so
 * anyone may have had it (used for withdrawals). */
static bool evpn_transit_ok(const struct bgp_peer *to, const struct bgp_peer *src,
			    const struct bgp_attrs *a)
{
	if (!src)
		return true;
	if (to == src || bgp_comm_contains(a, BGP_COMM_NO_ADVERTISE))
		return false;
	if (to->ebgp) {
		if (bgp_comm_contains(a, BGP_COMM_NO_EXPORT) ||
		    bgp_comm_contains(a, BGP_COMM_NO_EXPORT_SUBCONFED))
			return false;
		if (src->ebgp && src->remote_as == to->remote_as)
			return false;
		return !bgp_aspath_contains(a->aspath, a->aspath_len, to->remote_as);
	}
	if (src->ebgp)
		return true;
	if (!src->evpn_rr_client && !to->evpn_rr_client)
		return false;
	return !(a->present & BGP_ATTRF_ORIGINATOR_ID) || a->originator_id != to->ropen.bgp_id;
}

/* A change of what a destination passes on: the new route (x.attrs
 * NULL: nothing any more) and what went before. */
struct evpn_move {
	struct bgp_evpn_adv x;
	const struct bgp_attrs *old;
	struct bgp_peer *old_src;
};

struct evpn_moves {
	struct evpn_move *m;
	size_t n, cap;
};

static bool evpn_originated(const struct bgp_evpn *e, const struct bgp_evpn_route *r)
{
	struct bgp_evpn_adv key = { .r = *r };

	return e->nadv && bsearch(&key, e->adv, e->nadv, sizeof(key), adv_cmp);
}

static void evpn_adv_of(const struct bgp_evpn_dest *d, const struct bgp_evpn_path *p,
			struct bgp_evpn_adv *x)
{
	memset(x, 0, sizeof(*x));
	x->r = d->r;
	if (!p)
		return;
	x->nh = p->attrs->nexthop;
	x->attrs = p->attrs;
	x->src = p->peer;
}

static void moves_push(struct evpn_moves *mv, const struct evpn_move *m)
{
	if (mv->n == mv->cap) {
		mv->cap = mv->cap ? mv->cap * 2 : 64;
		mv->m = kld_xrealloc(mv->m, mv->cap * sizeof(*mv->m));
	}
	mv->m[mv->n++] = *m;
}

/* Choose what d passes on now; record a move when it changed. The
 * move holds the references d held. */
static void evpn_dest_choose(struct bgp_evpn *e, struct bgp_evpn_dest *d, struct evpn_moves *mv)
{
	const struct bgp_evpn_path *p = bgp_evpn_best(d);
	struct evpn_move m;

	/* A route of ours that comes back (a loop the checks missed): our
	 * own announcement has replaced the copy at every peer. */
	if (p && evpn_originated(e, &d->r)) {
		bgp_attr_unref(e->bd->attrs, d->out);
		d->out = NULL;
		d->out_src = NULL;
		return;
	}
	if ((p ? p->attrs : NULL) == d->out && (p ? p->peer : NULL) == d->out_src)
		return;
	evpn_adv_of(d, p, &m.x);
	if (m.x.attrs)
		bgp_attr_ref(m.x.attrs);
	m.old = d->out;
	m.old_src = d->out_src;
	moves_push(mv, &m);
	d->out = m.x.attrs ? bgp_attr_ref(m.x.attrs) : NULL;
	d->out_src = m.x.src;
}

/* Order for sending: equal attributes next to each other, so that
 * they share an UPDATE. */
static int move_cmp(const void *a, const void *b)
{
	const struct bgp_evpn_adv *x = a, *y = b;

	if (x->attrs != y->attrs)
		return (uintptr_t)x->attrs < (uintptr_t)y->attrs ? -1 : 1;
	if (x->src != y->src)
		return (uintptr_t)x->src < (uintptr_t)y->src ? -1 : 1;
	return bgp_evpn_key_cmp(&x->r, &y->r);
}

/* One peer's share of the moves: announce what it may have, withdraw
 * what it may have had and may not have now. */
static void evpn_moves_send(struct bgp_peer *peer, const struct evpn_moves *mv)
{
	struct bgp_evpn_adv *ann = kld_xcalloc(mv->n + 1, sizeof(*ann));
	struct bgp_evpn_adv *wd = kld_xcalloc(mv->n + 1, sizeof(*wd));
	size_t na = 0, nw = 0;

	for (size_t i = 0; i < mv->n; i++) {
		const struct evpn_move *m = &mv->m[i];

		if (m->x.attrs && evpn_transit_ok(peer, m->x.src, m->x.attrs))
			ann[na++] = m->x;
		else if (m->old && evpn_transit_ok(peer, m->old_src, m->old))
			wd[nw++] = m->x;
	}
	qsort(ann, na, sizeof(*ann), move_cmp);
	if (nw)
		evpn_send(peer, wd, nw, true);
	if (na)
		evpn_send(peer, ann, na, false);
	free(ann);
	free(wd);
}

static void evpn_moves_free(struct bgpd *bd, struct evpn_moves *mv)
{
	for (size_t i = 0; i < mv->n; i++) {
		bgp_attr_unref(bd->attrs, mv->m[i].x.attrs);
		bgp_attr_unref(bd->attrs, mv->m[i].old);
	}
	free(mv->m);
}

/* Every destination whose choice changed is sent on; destinations with
 * nothing left are freed once their withdrawal is out. */
static void evpn_transit(struct bgp_evpn *e)
{
	struct evpn_moves mv = { 0 };

	for (size_t b = 0; b < e->hsize; b++) {
		for (struct bgp_evpn_dest **pp = &e->h[b]; *pp;) {
			struct bgp_evpn_dest *d = *pp;

			evpn_dest_choose(e, d, &mv);
			if (d->paths || d->out) {
				pp = &d->hnext;
				continue;
			}
			*pp = d->hnext;
			free(d);
			e->count--;
		}
	}
	if (mv.n && e->bd->bgp)
		for (struct bgp_peer *p = e->bd->bgp->peers; p; p = p->next)
			if (evpn_peer_up(p))
				evpn_moves_send(p, &mv);
	evpn_moves_free(e->bd, &mv);
}

/* Everything a destination passes on, as moves from nothing: for a peer
 * that comes up, or after a change of who may receive what. */
static void evpn_transit_all(struct bgp_evpn *e, struct evpn_moves *mv, bool withdraw_others)
{
	for (size_t b = 0; b < e->hsize; b++) {
		for (const struct bgp_evpn_dest *d = e->h[b]; d; d = d->hnext) {
			struct evpn_move m = { .old = withdraw_others ? d->out : NULL };

			if (!d->out)
				continue;
			memset(&m.x, 0, sizeof(m.x));
			m.x.r = d->r;
			m.x.nh = d->out->nexthop;
			m.x.attrs = d->out;
			m.x.src = d->out_src;
			m.old_src = NULL;
			moves_push(mv, &m);
		}
	}
}

size_t bgp_evpn_sent(const struct bgp_peer *peer)
{
	const struct bgp_evpn *e = evpn_of(peer->bgp->bd);
	size_t n;

	if (!evpn_peer_up(peer))
		return 0;
	n = e->nadv;
	for (size_t b = 0; b < e->hsize; b++)
		for (const struct bgp_evpn_dest *d = e->h[b]; d; d = d->hnext)
			n += d->out && d->out_src && evpn_transit_ok(peer, d->out_src, d->out);
	return n;
}

void bgp_evpn_resend(struct bgpd *bd)
{
	struct bgp_evpn *e = evpn_of(bd);
	struct evpn_moves mv = { 0 };

	if (!e || !bd->bgp)
		return;
	evpn_transit_all(e, &mv, true);
	for (struct bgp_peer *p = bd->bgp->peers; p; p = p->next)
		if (evpn_peer_up(p))
			evpn_moves_send(p, &mv);
	free(mv.m); /* the references stay with the destinations */
}

static void evpn_vni_gc(struct bgp_evpn *e);

static void evpn_work(void *arg)
{
	struct bgp_evpn *e = arg;

	for (struct bgp_evpn_vni *v = e->vnis; v; v = v->next)
		if (v->dirty)
			evpn_import_vni(e, v);
	evpn_readvertise(e);
	evpn_transit(e);
	evpn_vni_gc(e);
}

/* ---- the session's news ---- */

static void evpn_path_set(struct bgp_evpn *e, struct bgp_peer *peer, const struct bgp_evpn_route *r,
			  const struct bgp_attrs *a)
{
	struct bgp_evpn_dest *d = evpn_dest(e, r, true);
	struct bgp_evpn_path *p;

	for (p = d->paths; p && p->peer != peer; p = p->next)
		;
	if (!p) {
		p = kld_xcalloc(1, sizeof(*p));
		p->peer = peer;
		p->next = d->paths;
		d->paths = p;
		peer->evpn_pfx_rcvd++;
	} else {
		bgp_attr_unref(e->bd->attrs, p->attrs);
	}
	d->r.vni = r->vni;
	p->attrs = bgp_attr_ref(a);
	p->stale = false;
	p->since = bgp_now_s();
}

static void evpn_path_del(struct bgp_evpn *e, struct bgp_peer *peer, const struct bgp_evpn_route *r)
{
	struct bgp_evpn_dest *d = evpn_dest(e, r, false);

	if (!d)
		return;
	for (struct bgp_evpn_path **pp = &d->paths; *pp; pp = &(*pp)->next) {
		if ((*pp)->peer == peer) {
			struct bgp_evpn_path *p = *pp;

			*pp = p->next;
			evpn_path_free(e->bd, p);
			peer->evpn_pfx_rcvd--;
			break;
		}
	}
	evpn_dest_free_if_empty(e, d);
}

/* Remove the peer's paths (all, or only the stale ones). */
static size_t evpn_peer_clear(struct bgp_evpn *e, struct bgp_peer *peer, bool stale_only)
{
	size_t n = 0;

	for (size_t b = 0; b < e->hsize; b++) {
		struct bgp_evpn_dest *d = e->h[b], *next;

		for (; d; d = next) {
			next = d->hnext;
			for (struct bgp_evpn_path **pp = &d->paths; *pp;) {
				struct bgp_evpn_path *p = *pp;

				if (p->peer != peer || (stale_only && !p->stale)) {
					pp = &p->next;
					continue;
				}
				*pp = p->next;
				evpn_path_free(e->bd, p);
				peer->evpn_pfx_rcvd--;
				n++;
			}
			evpn_dest_free_if_empty(e, d);
		}
	}
	if (n)
		evpn_mark_all(e);
	return n;
}

static void evpn_replay_check(struct bgp_evpn *e);

void bgp_evpn_in_update(struct bgp_peer *peer, const struct bgp_update *u)
{
	struct bgp_evpn *e = evpn_of(peer->bgp->bd);
	const struct bgp_attrs *a = NULL;
	bool loop;

	if (!(peer->neg.af_mask & BGP_EVPN_BIT) || !peer->evpn_active)
		return;
	for (size_t i = 0; i < u->nevpn_unreach; i++)
		evpn_path_del(e, peer, &u->evpn_unreach[i]);
	loop = bgp_attrs_looped(peer->bgp, &u->attrs);
	if (u->nevpn_reach) {
		struct bgp_attrs tmp = u->attrs;

		tmp.nexthop = u->evpn_nh;
		tmp.present &= ~BGP_ATTRF_NEXT_HOP;
		a = bgp_attr_intern(peer->bgp->bd->attrs, &tmp);
	}
	for (size_t i = 0; i < u->nevpn_reach; i++) {
		/* Been here before (our AS, RFC 4271 9.1.2; our router id or
		 * cluster id, RFC 4456 8): a loop, not a route. */
		if (loop)
			evpn_path_del(e, peer, &u->evpn_reach[i]);
		else
			evpn_path_set(e, peer, &u->evpn_reach[i], a);
	}
	bgp_attr_unref(peer->bgp->bd->attrs, a);
	if (u->nevpn_reach || u->nevpn_unreach)
		evpn_mark_all(e);
	if (u->evpn_eor) {
		peer->evpn_eor_rcvd = true;
		evpn_peer_clear(e, peer, true);
		kld_timer_cancel(peer->t_evpn_stale);
		evpn_replay_check(e);
	}
}

/* Restarted gracefully, before the tables of before are back: the peers
 * keep our routes (stale) until our End-of-RIB, which waits, so that what
 * we pass on is complete when it comes (RFC 4724 4.1, the deferral). */
static bool evpn_deferring(const struct bgp_evpn *e)
{
	return e->bd->gr_restarted && !e->replay_sent;
}

/* Ours, then what we pass on, then End-of-RIB. */
static void evpn_send_table(struct bgp_evpn *e, struct bgp_peer *peer)
{
	struct evpn_moves mv = { 0 };
	uint8_t eor[64];
	int len;

	evpn_send(peer, e->adv, e->nadv, false);
	evpn_transit_all(e, &mv, false);
	if (mv.n)
		evpn_moves_send(peer, &mv);
	free(mv.m);
	len = bgp_evpn_eor_encode(eor, sizeof(eor));
	if (len > 0)
		bgp_peer_send_updates(peer, eor, (size_t)len, 1);
}

void bgp_evpn_peer_up(struct bgp_peer *peer)
{
	struct bgp_evpn *e = evpn_of(peer->bgp->bd);

	peer->evpn_eor_rcvd = false;
	peer->evpn_deferred = false;
	if (!evpn_peer_up(peer))
		return;
	/* Stale paths of a restart wait for End-of-RIB (or the timer). */
	if (evpn_deferring(e)) {
		peer->evpn_deferred = true;
		return;
	}
	evpn_send_table(e, peer);
}

static void evpn_stale_expired(void *arg)
{
	struct bgp_peer *peer = arg;
	size_t n = evpn_peer_clear(evpn_of(peer->bgp->bd), peer, true);

	if (n)
		kld_info("evpn: %zu stale route(s) of a peer removed: restart time over", n);
}

/* Graceful restart's rules (RFC 4724): a session that ended without a
 * NOTIFICATION, from a peer whose capability listed EVPN, leaves its
 * routes (and so their FDB entries) stale for its restart time; any
 * other end removes them now. */
void bgp_evpn_peer_down(struct bgp_peer *peer, bool tcp_failure)
{
	struct bgp_evpn *e = evpn_of(peer->bgp->bd);
	bool helper = !peer->bgp->gr_disable && peer->gr_mode != BGP_GR_DISABLE;
	uint32_t keep = bgp_gr_retain_mask(&peer->neg, helper, !tcp_failure) & BGP_EVPN_BIT;

	peer->evpn_eor_rcvd = false;
	if (!keep) {
		evpn_peer_clear(e, peer, false);
		return;
	}
	for (size_t b = 0; b < e->hsize; b++)
		for (struct bgp_evpn_dest *d = e->h[b]; d; d = d->hnext)
			for (struct bgp_evpn_path *p = d->paths; p; p = p->next)
				if (p->peer == peer)
					p->stale = true;
	evpn_mark_all(e); /* a stale path ranks below a fresh copy */
	if (!peer->t_evpn_stale)
		peer->t_evpn_stale = kld_timer_new(e->bd->p.d.loop, evpn_stale_expired, peer);
	kld_timer_arm(peer->t_evpn_stale, (uint64_t)peer->neg.gr.time * 1000);
}

/* The peer is freed: what was passed on from it is withdrawn from
 * everyone at the next pass (it can no longer tell who had it). */
static void evpn_forget_src(struct bgp_evpn *e, const struct bgp_peer *peer)
{
	for (size_t b = 0; b < e->hsize; b++)
		for (struct bgp_evpn_dest *d = e->h[b]; d; d = d->hnext)
			if (d->out_src == peer)
				d->out_src = NULL;
}

void bgp_evpn_peer_fini(struct bgp_peer *peer)
{
	struct bgp_evpn *e = evpn_of(peer->bgp->bd);

	if (e) {
		evpn_peer_clear(e, peer, false);
		evpn_forget_src(e, peer);
	}
	kld_timer_free(peer->t_evpn_stale);
	peer->t_evpn_stale = NULL;
}

/* ---- zebra-lite's news ---- */

struct bgp_evpn_vni *bgp_evpn_vni_get(struct bgpd *bd, uint32_t vni, bool create)
{
	struct bgp_evpn *e = evpn_of(bd);
	struct bgp_evpn_vni **pp, *v;

	for (pp = &e->vnis; *pp && (*pp)->vni < vni; pp = &(*pp)->next)
		;
	if (*pp && (*pp)->vni == vni)
		return *pp;
	if (!create)
		return NULL;
	v = kld_xcalloc(1, sizeof(*v));
	v->vni = vni;
	v->index = ++e->next_index;
	v->next = *pp;
	*pp = v;
	return v;
}

/* A VNI neither configured nor present is forgotten once its FDB is gone. */
static void evpn_vni_gc(struct bgp_evpn *e)
{
	for (struct bgp_evpn_vni **pp = &e->vnis; *pp;) {
		struct bgp_evpn_vni *v = *pp;

		if (v->cfg || v->present || v->nfdb) {
			pp = &v->next;
			continue;
		}
		*pp = v->next;
		free(v->lmacs);
		free(v->fdb);
		free(v);
	}
}

void bgp_evpn_vni_unconfigure(struct bgpd *bd, struct bgp_evpn_vni *v)
{
	v->cfg = false;
	v->rd_set = false;
	v->nimp = v->nexp = 0;
	bgp_evpn_changed(bd);
}

void bgp_evpn_zebra_vni(struct bgpd *bd, uint32_t vni, const char *ifname, const char *bridge,
			const struct kld_addr *local, bool del)
{
	struct bgp_evpn_vni *v = bgp_evpn_vni_get(bd, vni, !del);

	if (!v)
		return;
	v->present = !del;
	/* Told again (the segment changed, its device may be new): what we
	 * installed goes again; zebra-lite writes only what is missing. */
	if (!del && v->nfdb && bgp_evpn_hooks.fdb)
		bgp_evpn_hooks.fdb(bd, vni, v->fdb, v->nfdb, false);
	snprintf(v->ifname, sizeof(v->ifname), "%s", ifname);
	snprintf(v->bridge, sizeof(v->bridge), "%s", bridge);
	v->local = *local;
	if (del)
		v->nlmacs = 0;
	kld_debug("evpn: VNI %u %s (%s)", vni, del ? "gone" : "present", ifname);
	bgp_evpn_changed(bd);
}

/* The highest sequence number a remote route claims for mac in v. */
static bool evpn_remote_seq(struct bgp_evpn *e, const struct bgp_evpn_vni *v, const uint8_t *mac,
			    uint32_t *seq)
{
	bool found = false;

	for (size_t b = 0; b < e->hsize; b++) {
		for (struct bgp_evpn_dest *d = e->h[b]; d; d = d->hnext) {
			const struct bgp_evpn_path *p;

			if (d->r.type != BGP_EVPN_MACIP || memcmp(d->r.mac, mac, 6))
				continue;
			p = bgp_evpn_best(d);
			if (!p || !bgp_evpn_imports(e->bd, v, p))
				continue;
			if (!found || bgp_evpn_path_seq(p) > *seq)
				*seq = bgp_evpn_path_seq(p);
			found = true;
		}
	}
	return found;
}

void bgp_evpn_zebra_mac(struct bgpd *bd, uint32_t vni, const uint8_t *mac, bool del)
{
	struct bgp_evpn *e = evpn_of(bd);
	struct bgp_evpn_vni *v = bgp_evpn_vni_get(bd, vni, false);
	struct bgp_evpn_lmac *m;
	uint32_t seq = 0;

	if (!v)
		return;
	m = lmac_find(v, mac);
	if (del) {
		if (m) {
			lmac_del(v, m);
			bgp_evpn_changed(bd);
		}
		return;
	}
	if (m) {
		m->unlisted = false;
		return;
	}
	v->lmacs = kld_xrealloc(v->lmacs, (v->nlmacs + 1) * sizeof(*v->lmacs));
	m = &v->lmacs[v->nlmacs++];
	memset(m, 0, sizeof(*m));
	memcpy(m->mac, mac, 6);
	/* RFC 7432 15.1: a MAC another VTEP advertised moved here: one more
	 * than the highest sequence number seen. */
	m->seq = evpn_remote_seq(e, v, mac, &seq) ? seq + 1 : 0;
	bgp_evpn_changed(bd);
}

void bgp_evpn_zebra_mac_list(struct bgpd *bd, uint32_t vni, bool end)
{
	struct bgp_evpn_vni *v = bgp_evpn_vni_get(bd, vni, false);
	size_t gone = 0;

	if (!v)
		return;
	for (size_t i = 0; i < v->nlmacs;) {
		if (!end) {
			v->lmacs[i++].unlisted = true;
		} else if (v->lmacs[i].unlisted) {
			lmac_del(v, &v->lmacs[i]); /* the last one moves to i */
			gone++;
		} else {
			i++;
		}
	}
	if (!gone)
		return;
	kld_info("evpn: VNI %u: %zu local MAC(s) gone while zebra-lite was not looking", vni,
		 gone);
	bgp_evpn_changed(bd);
}

/* ---- replay to zebra-lite ---- */

static bool evpn_peers_back(const struct bgp_evpn *e)
{
	if (!e->bd->bgp)
		return true;
	if (bgp_gr_dyn_absent(e->bd))
		return false; /* a dynamic neighbor of before: not even accepted yet */
	for (const struct bgp_peer *p = e->bd->bgp->peers; p; p = p->next)
		if (p->evpn_active && !p->shutdown && !p->evpn_eor_rcvd &&
		    bgp_gr_peer_awaited(e->bd, p))
			return false;
	return true;
}

static void evpn_release_deferred(struct bgp_evpn *e)
{
	for (struct bgp_peer *p = e->bd->bgp ? e->bd->bgp->peers : NULL; p; p = p->next) {
		if (!p->evpn_deferred)
			continue;
		p->evpn_deferred = false;
		if (evpn_peer_up(p))
			evpn_send_table(e, p);
	}
}

/* EvpnReplayDone once every EVPN neighbor is back with its table (its
 * End-of-RIB), or update-delay after our start: only then may zebra-lite
 * remove the entries of before that we did not send again. */
static void evpn_replay_check(struct bgp_evpn *e)
{
	uint16_t delay = e->bd->bgp ? e->bd->bgp->update_delay : BGP_UPDATE_DELAY;

	if (e->replay_sent || !e->bd->zebra_up)
		return;
	if (!evpn_peers_back(e) && kld_now_ms() - e->started_ms < (uint64_t)delay * 1000) {
		kld_timer_arm(e->t_replay, BGP_EVPN_REPLAY_TICK_MS);
		return;
	}
	/* what the tables make goes to zebra-lite first */
	evpn_work(e);
	e->replay_sent = true;
	if (bgp_evpn_hooks.replay_done)
		bgp_evpn_hooks.replay_done(e->bd);
	evpn_release_deferred(e);
}

static void evpn_replay_tick(void *arg)
{
	evpn_replay_check(arg);
}

void bgp_evpn_zebra_up(struct bgpd *bd)
{
	struct bgp_evpn *e = evpn_of(bd);

	for (struct bgp_evpn_vni *v = e->vnis; v; v = v->next)
		if (v->nfdb && bgp_evpn_hooks.fdb)
			bgp_evpn_hooks.fdb(bd, v->vni, v->fdb, v->nfdb, false);
	e->replay_sent = false;
	evpn_replay_check(e);
}

/* ---- life ---- */

void bgp_evpn_init(struct bgpd *bd)
{
	struct bgp_evpn *e = kld_xcalloc(1, sizeof(*e));

	e->bd = bd;
	e->t_work = kld_timer_new(bd->p.d.loop, evpn_work, e);
	e->t_replay = kld_timer_new(bd->p.d.loop, evpn_replay_tick, e);
	e->started_ms = kld_now_ms();
	bd->evpn = e;
}

void bgp_evpn_instance_gone(struct bgpd *bd)
{
	struct bgp_evpn *e = evpn_of(bd);

	e->advertise_all_vni = false;
	for (struct bgp_evpn_vni *v = e->vnis; v; v = v->next) {
		v->cfg = false;
		v->rd_set = false;
		v->nimp = v->nexp = 0;
	}
	bgp_evpn_changed(bd);
}

void bgp_evpn_fini(struct bgpd *bd)
{
	struct bgp_evpn *e = evpn_of(bd);

	if (!e)
		return;
	for (size_t b = 0; b < e->hsize; b++) {
		while (e->h[b]) {
			struct bgp_evpn_dest *d = e->h[b];

			e->h[b] = d->hnext;
			while (d->paths) {
				struct bgp_evpn_path *p = d->paths;

				d->paths = p->next;
				evpn_path_free(bd, p);
			}
			bgp_attr_unref(bd->attrs, d->out);
			free(d);
		}
	}
	free(e->h);
	while (e->vnis) {
		struct bgp_evpn_vni *v = e->vnis;

		e->vnis = v->next;
		free(v->lmacs);
		free(v->fdb);
		free(v);
	}
	free(e->adv);
	kld_timer_free(e->t_work);
	kld_timer_free(e->t_replay);
	free(e);
	bd->evpn = NULL;
}
