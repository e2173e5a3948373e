/*
 * bgpd's side of zebra-lite: best paths learned from peers become
 * RouteAdd (type bgp, the ibgp flag choosing the distance) and RouteDelete
 * messages. Changes are queued by the work queue and sent in batches of up
 * to BGP_ZEBRA_BATCH routes, so a full table is a few hundred frames.
 *
 * zebra-lite keeps our routes for its grace time when we go away; when the
 * connection comes (back) up we replay every installed route and then send
 * ReplayDone, after which zebra-lite sweeps what we did not replay. After
 * our own restart ReplayDone waits until the peers that were up are back
 * with their tables (bgp_gr.c).
 *
 * Next hops are registered for tracking as the decision process meets
 * them (bgp_nht.c), in one NexthopRegister per flush; a NexthopUpdate that
 * changes a next hop's resolution or metric sends the destinations using
 * it back through the decision process.
 */
#include <string.h>
#include "ipc.h"
#include "log.h"
#include "util.h"
#include "proto/envelope.pb-c.h"
#include "bgpd.h"
#include "bgp_evpn.h"

#define BGP_ZEBRA_BATCH 4096

static struct kld_ipc_conn *bgp_zebra_conn(struct bgpd *bd)
{
	return bd->zebra_up ? kld_ipc_client_conn(bd->p.zclient) : NULL;
}

void bgp_zebra_route(struct bgpd *bd, struct bgp_dest *d, bool add)
{
	struct bgp_zroute *z;

	d->installed = add;
	if (bd->nzq == bd->zq_cap) {
		bd->zq_cap = bd->zq_cap ? bd->zq_cap * 2 : 256;
		bd->zq = kld_xrealloc(bd->zq, bd->zq_cap * sizeof(*bd->zq));
	}
	z = &bd->zq[bd->nzq++];
	memset(z, 0, sizeof(*z));
	z->p = d->p;
	z->add = add;
	if (!add)
		return;
	z->nh[z->nnh++] = d->best->attrs->nexthop;
	z->ibgp = !d->best->peer->ebgp;
	for (const struct bgp_path *p = d->paths; p && z->nnh < BGP_MAX_ECMP; p = p->next)
		if (p->multipath)
			z->nh[z->nnh++] = p->attrs->nexthop;
}

struct bgp_zmsg {
	Kld__Route r;
	Kld__Prefix p;
	Kld__Nexthop nh[BGP_MAX_ECMP], *nhp[BGP_MAX_ECMP];
	uint8_t pb[16], gw[BGP_MAX_ECMP][16];
};

static void bgp_zmsg_fill(struct bgp_zmsg *m, const struct bgp_zroute *z)
{
	kld__route__init(&m->r);
	kld__prefix__init(&m->p);
	memcpy(m->pb, z->p.u.bytes, 16);
	m->p.family = z->p.family;
	m->p.len = z->p.len;
	m->p.addr.data = m->pb;
	m->p.addr.len = kld_family_bytes(z->p.family);
	m->r.prefix = &m->p;
	m->r.type = KLD__ROUTE_TYPE__ROUTE_BGP;
	m->r.ibgp = z->ibgp;
	for (size_t i = 0; i < z->nnh; i++) {
		kld__nexthop__init(&m->nh[i]);
		memcpy(m->gw[i], z->nh[i].u.bytes, 16);
		m->nh[i].gateway.data = m->gw[i];
		m->nh[i].gateway.len = kld_family_bytes(z->nh[i].family);
		m->nhp[i] = &m->nh[i];
	}
	m->r.nexthops = m->nhp;
	m->r.n_nexthops = z->nnh;
}

/* Send zq[from..to) which are all adds or all deletes. */
static void bgp_zebra_send(struct kld_ipc_conn *c, const struct bgp_zroute *zq, size_t n, bool add)
{
	struct bgp_zmsg *m = kld_xcalloc(n, sizeof(*m));
	Kld__Route **ptrs = kld_xcalloc(n, sizeof(*ptrs));
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__RouteAdd ra = KLD__ROUTE_ADD__INIT;
	Kld__RouteDelete rd = KLD__ROUTE_DELETE__INIT;

	for (size_t i = 0; i < n; i++) {
		bgp_zmsg_fill(&m[i], &zq[i]);
		ptrs[i] = &m[i].r;
	}
	if (add) {
		ra.n_routes = n;
		ra.routes = ptrs;
		env.body_case = KLD__ENVELOPE__BODY_ROUTE_ADD;
		env.route_add = &ra;
	} else {
		rd.n_routes = n;
		rd.routes = ptrs;
		env.body_case = KLD__ENVELOPE__BODY_ROUTE_DELETE;
		env.route_delete = &rd;
	}
	kld_ipc_send(c, &env);
	free(m);
	free(ptrs);
}

static void bgp_zebra_prefix_of(Kld__Prefix *m, uint8_t *buf, const struct kld_addr *a)
{
	kld__prefix__init(m);
	memcpy(buf, a->u.bytes, 16);
	m->family = a->family;
	m->len = (uint32_t)kld_family_bytes(a->family) * 8;
	m->addr.data = buf;
	m->addr.len = kld_family_bytes(a->family);
}

/* Register the next hops the decision process met since the last flush. */
static void bgp_zebra_nht_flush(struct kld_ipc_conn *c, struct bgp_nht *t)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__NexthopRegister reg = KLD__NEXTHOP_REGISTER__INIT;
	Kld__Prefix *m, **ptrs;
	uint8_t (*bufs)[16];
	size_t n = 0;

	if (!t->unregistered)
		return;
	m = kld_xcalloc(t->unregistered, sizeof(*m));
	ptrs = kld_xcalloc(t->unregistered, sizeof(*ptrs));
	bufs = kld_xcalloc(t->unregistered, sizeof(*bufs));
	for (size_t i = 0; i < t->cap && n < t->unregistered; i++) {
		struct bgp_nh *nh = &t->slots[i];

		if (!nh->addr.family || nh->registered)
			continue;
		bgp_zebra_prefix_of(&m[n], bufs[n], &nh->addr);
		ptrs[n] = &m[n];
		nh->registered = true;
		n++;
	}
	reg.n_addrs = n;
	reg.addrs = ptrs;
	env.body_case = KLD__ENVELOPE__BODY_NEXTHOP_REGISTER;
	env.nexthop_register = &reg;
	kld_ipc_send(c, &env);
	t->unregistered = 0;
	free(m);
	free(ptrs);
	free(bufs);
}

void bgp_zebra_flush(struct bgpd *bd)
{
	struct kld_ipc_conn *c = bgp_zebra_conn(bd);
	size_t i = 0;

	if (!c) {
		bd->nzq = 0; /* replayed from the RIB on connect */
		return;
	}
	while (i < bd->nzq) {
		size_t j = i;

		while (j < bd->nzq && j - i < BGP_ZEBRA_BATCH && bd->zq[j].add == bd->zq[i].add)
			j++;
		bgp_zebra_send(c, bd->zq + i, j - i, bd->zq[i].add);
		i = j;
	}
	bd->nzq = 0;
	bgp_zebra_nht_flush(c, &bd->nht);
}

static void bgp_zebra_nexthop_update(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct bgpd *bd = arg;
	const Kld__NexthopUpdate *u = env->nexthop_update;
	struct kld_addr a;

	(void)c;
	if (!u || !u->addr || u->addr->addr.len != kld_family_bytes((uint8_t)u->addr->family) ||
	    kld_addr_set(&a, (uint8_t)u->addr->family, u->addr->addr.data) < 0)
		return;
	if (bgp_nht_set(&bd->nht, &a, u->resolved, u->resolved ? u->metric : 0))
		bgp_rib_nexthop_changed(bd, &a);
}

static void bgp_zebra_subscribe(struct kld_ipc_conn *c, uint8_t src, uint8_t family, bool on)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__RedistSubscribe rs = KLD__REDIST_SUBSCRIBE__INIT;

	rs.type = (Kld__RouteType)src;
	rs.family = family;
	rs.unsubscribe = !on;
	env.body_case = KLD__ENVELOPE__BODY_REDIST_SUBSCRIBE;
	env.redist_subscribe = &rs;
	kld_ipc_send(c, &env);
}

/* `redistribute X` changed. zebra-lite answers a subscription with the
 * current routes, then changes as they come. */
void bgp_zebra_redist(struct bgpd *bd, uint8_t src, uint8_t family, bool on)
{
	struct kld_ipc_conn *c = bgp_zebra_conn(bd);

	if (!on)
		bgp_rib_redist_flush(bd, src, family);
	if (c)
		bgp_zebra_subscribe(c, src, family, on);
}

static void bgp_zebra_redist_route(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct bgpd *bd = arg;
	const Kld__RedistRoute *rr = env->redist_route;
	const Kld__Route *r = rr ? rr->route : NULL;
	struct kld_prefix p;
	struct kld_addr gw = { 0 };
	int af;

	(void)c;
	if (!r || !r->prefix || !bd->bgp ||
	    kld_prefix_set(&p, (uint8_t)r->prefix->family, r->prefix->addr.data,
			   (uint8_t)r->prefix->len) < 0)
		return;
	af = p.family == AF_INET ? BGP_AF_IPV4_UNICAST : BGP_AF_IPV6_UNICAST;
	if (!bgp_src_redistributable((unsigned)r->type) ||
	    !(bd->bgp->redist[af] & (1u << r->type)))
		return;
	/* Loopback and link-local networks are not announced (martians). */
	if ((p.family == AF_INET && p.u.bytes[0] == 127) ||
	    (p.family == AF_INET6 && p.u.bytes[0] == 0xfe && (p.u.bytes[1] & 0xc0) == 0x80))
		return;
	if (r->n_nexthops && r->nexthops[0]->gateway.len)
		kld_addr_set(&gw, p.family, r->nexthops[0]->gateway.data);
	bgp_rib_redist(bd, (uint8_t)r->type, &p, r->metric, &gw, !rr->withdrawn);
}

static int bgp_zebra_replay_one(const struct kld_prefix *p, void *value, void *arg)
{
	struct bgp_dest *d = value;

	(void)p;
	if (d->best && d->best->peer)
		bgp_zebra_route(arg, d, true);
	return 0;
}

/* Interface events keep the automatic router-id true (FRR takes it from
 * zebra the same way): an address that appears after `router bgp` counts. */
static void bgp_zebra_subscribe_interfaces(struct kld_ipc_conn *c)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__InterfaceSubscribe is = KLD__INTERFACE_SUBSCRIBE__INIT;

	env.body_case = KLD__ENVELOPE__BODY_INTERFACE_SUBSCRIBE;
	env.interface_subscribe = &is;
	kld_ipc_send(c, &env);
}

static void bgp_zebra_interface(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct bgpd *bd = arg;

	if (bd->bgp)
		bgp_zebra_hooks.router_id_update(bd->bgp);
}

/* zebra-lite answers a Barrier after everything sent before it: here, the
 * routes of every subscription. */
static void bgp_zebra_barrier(struct kld_ipc_conn *c)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__Barrier b = KLD__BARRIER__INIT;

	env.body_case = KLD__ENVELOPE__BODY_BARRIER;
	env.barrier = &b;
	kld_ipc_send(c, &env);
}

static void bgp_zebra_barrier_done(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct bgpd *bd = arg;

	(void)c;
	(void)env;
	if (!bd->redist_sweep)
		return;
	bd->redist_sweep = false;
	bgp_rib_redist_sweep(bd);
}

/* Sent if zebra-lite is there (it is told everything again when it is). */
static bool bgp_zebra_send_env(struct bgpd *bd, Kld__Envelope *env)
{
	struct kld_ipc_conn *c = bgp_zebra_conn(bd);

	if (c)
		kld_ipc_send(c, env);
	return c;
}

void bgp_zebra_replay_done(struct bgpd *bd)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__ReplayDone rd = KLD__REPLAY_DONE__INIT;

	env.body_case = KLD__ENVELOPE__BODY_REPLAY_DONE;
	env.replay_done = &rd;
	if (bgp_zebra_send_env(bd, &env))
		kld_info("bgpd: routes replayed to zebra-lite");
}

void bgp_zebra_replay_routes(struct bgpd *bd)
{
	for (int af = 0; af < BGP_AF_MAX; af++)
		if (bd->rib[af])
			kld_trie_walk(bd->rib[af], bgp_zebra_replay_one, bd);
	bgp_zebra_flush(bd);
}

void bgp_zebra_replay(struct bgpd *bd)
{
	bgp_zebra_replay_routes(bd);
	bgp_zebra_replay_done(bd);
}

void bgp_zebra_client_grace(struct bgpd *bd, uint32_t seconds)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__ClientGrace cg = KLD__CLIENT_GRACE__INIT;

	cg.seconds = seconds;
	env.body_case = KLD__ENVELOPE__BODY_CLIENT_GRACE;
	env.client_grace = &cg;
	bgp_zebra_send_env(bd, &env);
}

static void bgp_zebra_grace_answer(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	(void)c;
	if (env->client_grace)
		bgp_gr_zebra_answer(arg, env->client_grace->stale_routes);
}

/* ---- EVPN: zebra-lite's VNIs and local MACs in, remote FDB out ---- */

static void bgp_zebra_evpn_vni(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	const Kld__EvpnVni *m = env->evpn_vni;
	struct kld_addr local;

	(void)c;
	if (!m->vni || m->vni > 0xffffff || kld_addr_from_bytes(&local, m->local.data, m->local.len) < 0) {
		kld_log_rl(LOG_WARNING, "bgpd: malformed EvpnVni from zebra-lite ignored");
		return;
	}
	bgp_evpn_zebra_vni(arg, m->vni, m->ifname, m->bridge, &local, m->deleted);
}

static void bgp_zebra_evpn_mac(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	const Kld__EvpnMac *m = env->evpn_mac;

	(void)c;
	if (m->list == 1 || m->list == 2) {
		bgp_evpn_zebra_mac_list(arg, m->vni, m->list == 2);
		return;
	}
	if (m->mac.len != 6 || m->list) {
		kld_log_rl(LOG_WARNING, "bgpd: malformed EvpnMac from zebra-lite ignored");
		return;
	}
	bgp_evpn_zebra_mac(arg, m->vni, m->mac.data, m->deleted);
}

void bgp_zebra_evpn_fdb(struct bgpd *bd, uint32_t vni, const struct bgp_evpn_fdb_entry *e,
			size_t n, bool del)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__EvpnFdb m = KLD__EVPN_FDB__INIT;
	Kld__FdbEntry *ent = kld_xcalloc(n + 1, sizeof(*ent));
	Kld__FdbEntry **ptr = kld_xcalloc(n + 1, sizeof(*ptr));

	for (size_t i = 0; i < n; i++) {
		kld__fdb_entry__init(&ent[i]);
		ent[i].mac.data = (uint8_t *)e[i].mac;
		ent[i].mac.len = 6;
		ent[i].dst.data = (uint8_t *)e[i].dst.u.bytes;
		ent[i].dst.len = kld_family_bytes(e[i].dst.family);
		ptr[i] = &ent[i];
	}
	m.vni = vni;
	m.entries = ptr;
	m.n_entries = n;
	m.deleted = del;
	env.body_case = KLD__ENVELOPE__BODY_EVPN_FDB;
	env.evpn_fdb = &m;
	bgp_zebra_send_env(bd, &env);
	free(ent);
	free(ptr);
}

void bgp_zebra_evpn_replay_done(struct bgpd *bd)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__EvpnReplayDone rd = KLD__EVPN_REPLAY_DONE__INIT;

	env.body_case = KLD__ENVELOPE__BODY_EVPN_REPLAY_DONE;
	env.evpn_replay_done = &rd;
	if (bgp_zebra_send_env(bd, &env))
		kld_info("bgpd: EVPN FDB entries replayed to zebra-lite");
}

static void bgp_zebra_evpn_subscribe(struct kld_ipc_conn *c)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__EvpnSubscribe m = KLD__EVPN_SUBSCRIBE__INIT;

	env.body_case = KLD__ENVELOPE__BODY_EVPN_SUBSCRIBE;
	env.evpn_subscribe = &m;
	kld_ipc_send(c, &env);
}

static void bgp_zebra_up(struct kld_ipc_conn *c, void *arg)
{
	struct bgpd *bd = arg;

	bd->zebra_up = true;
	bd->nzq = 0;
	bgp_nht_unregister_all(&bd->nht); /* a new zebra-lite knows none */
	/* After a restart, ReplayDone waits for the peers' tables and a
	 * restarting speaker's routes for its deferral (bgp_gr.c). */
	if (!bgp_gr_zebra_up(bd))
		bgp_zebra_replay(bd);
	else if (!bgp_gr_holding(bd))
		bgp_zebra_replay_routes(bd);
	bgp_rib_redist_mark_stale(bd);
	for (int af = 0; bd->bgp && af < BGP_AF_MAX; af++)
		for (uint8_t src = BGP_SRC_KERNEL; src <= BGP_SRC_LAST; src++)
			if (bgp_src_redistributable(src) && (bd->bgp->redist[af] & (1u << src)))
				bgp_zebra_subscribe(c, src, bgp_af_family((enum bgp_af)af), true);
	bgp_zebra_barrier(c);
	bd->redist_sweep = true;
	bgp_zebra_subscribe_interfaces(c);
	bgp_evpn_zebra_up(bd);
	bgp_zebra_evpn_subscribe(c);
	kld_info("bgpd: connected to zebra-lite");
}

static void bgp_zebra_down(struct kld_ipc_conn *c, void *arg)
{
	struct bgpd *bd = arg;

	(void)c;
	bd->zebra_up = false;
}

static void bgp_zebra_notify(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	const Kld__RouteNotify *n = env->route_notify;

	(void)c;
	(void)arg;
	if (n && n->status == KLD__ROUTE_STATUS__ROUTE_FAILED)
		kld_log_rl(LOG_WARNING, "bgpd: zebra-lite could not install a route: %s",
			   n->reason ? n->reason : "");
}

struct bgp_zebra_hooks bgp_zebra_hooks;

const struct kld_ipc_ops bgp_zebra_ops = {
	.on_up = bgp_zebra_up,
	.on_down = bgp_zebra_down,
	.handlers = {
		[KLD__ENVELOPE__BODY_ROUTE_NOTIFY] = bgp_zebra_notify,
		[KLD__ENVELOPE__BODY_REDIST_ROUTE] = bgp_zebra_redist_route,
		[KLD__ENVELOPE__BODY_INTERFACE] = bgp_zebra_interface,
		[KLD__ENVELOPE__BODY_NEXTHOP_UPDATE] = bgp_zebra_nexthop_update,
		[KLD__ENVELOPE__BODY_BARRIER] = bgp_zebra_barrier_done,
		[KLD__ENVELOPE__BODY_CLIENT_GRACE] = bgp_zebra_grace_answer,
		[KLD__ENVELOPE__BODY_EVPN_VNI] = bgp_zebra_evpn_vni,
		[KLD__ENVELOPE__BODY_EVPN_MAC] = bgp_zebra_evpn_mac,
	},
};
