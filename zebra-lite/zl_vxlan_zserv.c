/*
 * The client side of vxland's links and FDB (envelope fields 80-99):
 * messages in, zl_vxlan.c's table called, answers out. A malformed
 * message (a MAC that is not 6 bytes, an address of the wrong size, an
 * unknown kind) is a broken client and closes the connection; what the
 * kernel or the table refuses is answered in LinkResult.
 *
 * Each handler is one entry of zl_vx_handlers[] so that a per-daemon
 * allow-list of message types in zl_zserv.c can name them one by one.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/neighbour.h>
#include "log.h"
#include "util.h"
#include "zl.h"
#include "zl_vxlan.h"

/* One connection per owner is the one whose departure starts the grace. */
static struct kld_ipc_conn *zl_vx_conns[ZL_MAX_CLIENTS];

static uint16_t zl_vx_owner(struct zl *zl, struct kld_ipc_conn *c)
{
	uint16_t slot = zl_vx_slot(zl, kld_ipc_peer(c), true);

	if (!slot)
		kld_ipc_close(c, "too many clients");
	else
		zl_vx_conns[slot] = c;
	return slot;
}

/* The connection that subscribed to EVPN news (bgpd's): one at a time. */
static struct kld_ipc_conn *zl_evpn_conn;

void zl_vx_client_down(struct zl *zl, struct kld_ipc_conn *c)
{
	zl_wgmesh_client_down(c);
	if (zl_evpn_conn == c)
		zl_evpn_conn = NULL;
	for (uint16_t i = 1; i < ZL_MAX_CLIENTS; i++) {
		if (zl_vx_conns[i] == c) {
			zl_vx_conns[i] = NULL;
			zl_vx_owner_down(zl, i);
		}
	}
}

static void zl_vx_reply(struct kld_ipc_conn *c, uint32_t seq, const char *ifname,
			const struct zl_vx_result *r)
{
	Kld__Envelope out = KLD__ENVELOPE__INIT;
	Kld__LinkResult m = KLD__LINK_RESULT__INIT;

	m.ifname = (char *)ifname;
	m.ifindex = (uint32_t)KLD_MAX(r->ifindex, 0);
	m.error = r->err;
	m.reason = (char *)r->reason;
	m.mtu = r->mtu;
	m.fdb_added = r->added;
	m.fdb_deleted = r->deleted;
	out.seq = seq;
	out.body_case = KLD__ENVELOPE__BODY_LINK_RESULT;
	out.link_result = &m;
	kld_ipc_send(c, &out);
}

static bool zl_vx_name_ok(const char *s)
{
	size_t n = s ? strlen(s) : 0;

	return n > 0 && n < ZL_NL_IFNAMSIZ && !strchr(s, '/') && !strchr(s, ':') &&
	       !strchr(s, ' ');
}

static int zl_vx_addr_in(const ProtobufCBinaryData *b, struct kld_addr *a)
{
	return kld_addr_from_bytes(a, b->data, b->len);
}

static int zl_vx_params_in(const Kld__VxlanParams *p, struct zl_nl_vx *vx)
{
	if (!p || p->vni == 0 || p->vni > 0xffffff || p->dstport > 65535 || p->srcport_min > 65535 ||
	    p->srcport_max > 65535 || p->srcport_min > p->srcport_max || p->ttl > 255 ||
	    p->tos > 255)
		return -1;
	if (zl_vx_addr_in(&p->local, &vx->local) < 0 || zl_vx_addr_in(&p->remote, &vx->remote) < 0)
		return -1;
	vx->vni = p->vni;
	vx->dstport = (uint16_t)p->dstport;
	vx->port_min = (uint16_t)p->srcport_min;
	vx->port_max = (uint16_t)p->srcport_max;
	vx->learning = !p->nolearning;
	vx->ttl = (uint8_t)p->ttl;
	vx->tos = (uint8_t)p->tos;
	vx->udpcsum = !p->noudpcsum;
	vx->udp6zerocsumtx = p->udp6zerocsumtx;
	vx->udp6zerocsumrx = p->udp6zerocsumrx;
	return 0;
}

static int zl_vx_want_in(const Kld__LinkSet *m, struct zl_vx_want *w)
{
	memset(w, 0, sizeof(*w));
	if (!zl_vx_name_ok(m->ifname) || (m->master[0] && !zl_vx_name_ok(m->master)))
		return -1;
	snprintf(w->dev.name, sizeof(w->dev.name), "%s", m->ifname);
	snprintf(w->master, sizeof(w->master), "%s", m->master);
	w->dev.mtu = m->mtu;
	if (m->kind == KLD__LINK_KIND__LINK_KIND_VXLAN) {
		w->dev.kind = ZL_VXK_VXLAN;
		if (zl_vx_params_in(m->vxlan, &w->dev.vx) < 0 ||
		    (m->vxlan->underlay[0] && !zl_vx_name_ok(m->vxlan->underlay)))
			return -1;
		snprintf(w->underlay, sizeof(w->underlay), "%s", m->vxlan->underlay);
		w->evpn = m->vxlan->evpn;
	} else if (m->kind == KLD__LINK_KIND__LINK_KIND_BRIDGE) {
		w->dev.kind = ZL_VXK_BRIDGE;
	} else {
		return -1;
	}
	w->addrs = kld_xcalloc(m->n_addresses + 1, sizeof(*w->addrs));
	for (size_t i = 0; i < m->n_addresses; i++, w->naddrs++) {
		const Kld__Prefix *p = m->addresses[i];

		if (!p || (p->family != AF_INET && p->family != AF_INET6) ||
		    p->addr.len != kld_family_bytes((uint8_t)p->family) ||
		    kld_prefix_set(&w->addrs[i], (uint8_t)p->family, p->addr.data,
				   (uint8_t)p->len) < 0)
			return -1;
		/* kld_prefix_set masks; the interface's own address is wanted. */
		memcpy(w->addrs[i].u.bytes, p->addr.data, p->addr.len);
	}
	w->members = kld_xcalloc(m->n_members + 1, sizeof(*w->members));
	for (size_t i = 0; i < m->n_members; i++, w->nmembers++) {
		if (!zl_vx_name_ok(m->members[i]))
			return -1;
		snprintf(w->members[i], sizeof(w->members[i]), "%s", m->members[i]);
	}
	return 0;
}

static void zl_vx_on_set(struct zl *zl, struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	const Kld__LinkSet *m = env->link_set;
	struct zl_vx_result res;
	struct zl_vx_want w;
	uint16_t owner = zl_vx_owner(zl, c);

	if (!owner)
		return;
	if (zl_vx_want_in(m, &w) < 0) {
		free(w.addrs);
		free(w.members);
		kld_ipc_close(c, "malformed LinkSet");
		return;
	}
	zl_vx_link_set(zl, owner, &w, &res);
	free(w.addrs);
	free(w.members);
	if (res.err)
		kld_log_rl(LOG_WARNING, "vxlan: %s: %s", m->ifname, res.reason);
	zl_vx_reply(c, env->seq, m->ifname, &res);
}

static void zl_vx_on_delete(struct zl *zl, struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	const char *name = env->link_delete->ifname;
	struct zl_vx_result res;
	uint16_t owner = zl_vx_owner(zl, c);

	if (!owner)
		return;
	if (!zl_vx_name_ok(name)) {
		kld_ipc_close(c, "malformed LinkDelete");
		return;
	}
	zl_vx_link_delete(zl, owner, name, &res);
	zl_vx_reply(c, env->seq, name, &res);
}

static void zl_vx_on_fdb(struct zl *zl, struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	const Kld__FdbSet *m = env->fdb_set;
	struct zl_vx_fdb *e;
	struct zl_vx_result res;
	uint16_t owner = zl_vx_owner(zl, c);

	if (!owner)
		return;
	if (!zl_vx_name_ok(m->ifname)) {
		kld_ipc_close(c, "malformed FdbSet");
		return;
	}
	e = kld_xcalloc(m->n_entries + 1, sizeof(*e));
	for (size_t i = 0; i < m->n_entries; i++) {
		const Kld__FdbEntry *in = m->entries[i];

		if (!in || in->mac.len != 6 || zl_vx_addr_in(&in->dst, &e[i].dst) < 0 ||
		    !e[i].dst.family) {
			free(e);
			kld_ipc_close(c, "malformed FDB entry");
			return;
		}
		memcpy(e[i].mac, in->mac.data, 6);
	}
	zl_vx_fdb_set(zl, owner, m->ifname, e, m->n_entries, &res);
	free(e);
	zl_vx_reply(c, env->seq, m->ifname, &res);
}

static void zl_vx_on_replay_done(struct zl *zl, struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	const Kld__LinkReplayDone *rd = env->link_replay_done;
	uint16_t owner = zl_vx_owner(zl, c);

	if (owner)
		zl_vx_replay_done(zl, owner, rd->ifnames, rd->n_ifnames);
}

/* ---- FdbRequest: a query, answered from the kernel ---- */

struct zl_vx_state_buf {
	Kld__FdbRecord **recs;
	size_t n, cap;
};

static void zl_vx_rec_cb(void *arg, const char *ifname, const struct zl_nl_neigh *n)
{
	struct zl_vx_state_buf *b = arg;
	Kld__FdbRecord *r;
	uint8_t *mem;

	if (!n->has_mac)
		return;
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->recs = kld_xrealloc(b->recs, b->cap * sizeof(*b->recs));
	}
	r = kld_xcalloc(1, sizeof(*r) + 6 + 16 + ZL_NL_IFNAMSIZ);
	mem = (uint8_t *)(r + 1);
	kld__fdb_record__init(r);
	memcpy(mem, n->mac, 6);
	r->mac.data = mem;
	r->mac.len = 6;
	if (n->dst.family) {
		r->dst.len = kld_family_bytes(n->dst.family);
		memcpy(mem + 6, n->dst.u.bytes, r->dst.len);
		r->dst.data = mem + 6;
	}
	r->ifname = (char *)(mem + 22);
	snprintf(r->ifname, ZL_NL_IFNAMSIZ, "%s", ifname);
	r->vni = n->has_vni ? n->vni : 0;
	r->is_static = (n->state & (NUD_PERMANENT | NUD_NOARP)) != 0;
	/* The kernel marks the bridge's entries with NDA_MASTER, not with
	 * NTF_MASTER (that flag is for requests). */
	r->on_bridge = (n->flags & NTF_MASTER) || (!(n->flags & NTF_SELF) && n->master);
	r->bridge_local = r->on_bridge && (n->state & NUD_PERMANENT);
	r->evpn = (n->flags & NTF_EXT_LEARNED) != 0;
	r->vlan = n->vlan;
	b->recs[b->n++] = r;
}

static void zl_vx_on_request(struct zl *zl, struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	Kld__Envelope out = KLD__ENVELOPE__INIT;
	Kld__FdbState st = KLD__FDB_STATE__INIT;
	struct zl_vx_state_buf b = { 0 };

	/* Queries come on a connection of their own ("vxland-query"): the
	 * devices are those of the daemon it names. */
	char owner_name[32];
	const char *peer = kld_ipc_peer(c);
	size_t plen = strcspn(peer, "-");

	snprintf(owner_name, sizeof(owner_name), "%.*s", (int)plen, peer);
	zl_vx_fdb_walk(zl, zl_vx_slot(zl, owner_name, false) ?: 0xffff,
		       env->fdb_request->ifname, zl_vx_rec_cb, &b);
	st.records = b.recs;
	st.n_records = b.n;
	out.seq = env->seq;
	out.body_case = KLD__ENVELOPE__BODY_FDB_STATE;
	out.fdb_state = &st;
	kld_ipc_send(c, &out);
	for (size_t i = 0; i < b.n; i++)
		free(b.recs[i]);
	free(b.recs);
}

/* ---- learned MACs, as the kernel reports them ---- */

void zl_vx_zserv_learned(struct zl *zl, uint16_t owner, const char *ifname,
			 const struct zl_nl_neigh *n, bool del)
{
	Kld__Envelope out = KLD__ENVELOPE__INIT;
	Kld__FdbEvent ev = KLD__FDB_EVENT__INIT;
	struct zl_vx_state_buf b = { 0 };

	(void)zl;
	if (owner >= ZL_MAX_CLIENTS || !zl_vx_conns[owner])
		return;
	zl_vx_rec_cb(&b, ifname, n);
	if (!b.n)
		return;
	ev.record = b.recs[0];
	ev.deleted = del;
	out.body_case = KLD__ENVELOPE__BODY_FDB_EVENT;
	out.fdb_event = &ev;
	kld_ipc_send(zl_vx_conns[owner], &out);
	free(b.recs[0]);
	free(b.recs);
}

/* ---- EVPN: bgpd's subscription and its remote entries ---- */


static void zl_evpn_send_vni(struct zl *zl, uint32_t vni, const char *ifname, const char *bridge,
			     const struct kld_addr *local, bool del)
{
	Kld__Envelope out = KLD__ENVELOPE__INIT;
	Kld__EvpnVni m = KLD__EVPN_VNI__INIT;

	(void)zl;
	if (!zl_evpn_conn)
		return;
	m.vni = vni;
	m.ifname = (char *)ifname;
	m.bridge = (char *)bridge;
	if (local->family) {
		m.local.data = (uint8_t *)local->u.bytes;
		m.local.len = kld_family_bytes(local->family);
	}
	m.deleted = del;
	out.body_case = KLD__ENVELOPE__BODY_EVPN_VNI;
	out.evpn_vni = &m;
	kld_ipc_send(zl_evpn_conn, &out);
}

/* EvpnMac: a MAC (list 0), or a marker of a full read (mac NULL). */
static void zl_evpn_mac_out(uint32_t vni, const uint8_t *mac, bool del, uint32_t list)
{
	Kld__Envelope out = KLD__ENVELOPE__INIT;
	Kld__EvpnMac m = KLD__EVPN_MAC__INIT;

	if (!zl_evpn_conn)
		return;
	m.vni = vni;
	if (mac) {
		m.mac.data = (uint8_t *)mac;
		m.mac.len = 6;
	}
	m.deleted = del;
	m.list = list;
	out.body_case = KLD__ENVELOPE__BODY_EVPN_MAC;
	out.evpn_mac = &m;
	kld_ipc_send(zl_evpn_conn, &out);
}

static void zl_evpn_send_mac(struct zl *zl, uint32_t vni, const uint8_t *mac, bool del)
{
	(void)zl;
	zl_evpn_mac_out(vni, mac, del, 0);
}

static void zl_evpn_send_list(struct zl *zl, uint32_t vni, bool end)
{
	(void)zl;
	zl_evpn_mac_out(vni, NULL, false, end ? 2 : 1);
}

/* The walk's callbacks: a VNI and the start of its MACs' list; its end. */
static void zl_evpn_send_vni_listed(struct zl *zl, uint32_t vni, const char *ifname,
				    const char *bridge, const struct kld_addr *local, bool del)
{
	zl_evpn_send_vni(zl, vni, ifname, bridge, local, del);
	zl_evpn_send_list(zl, vni, false);
}

static void zl_evpn_send_list_end(struct zl *zl, uint32_t vni, const char *ifname,
				  const char *bridge, const struct kld_addr *local, bool del)
{
	(void)ifname;
	(void)bridge;
	(void)local;
	(void)del;
	zl_evpn_send_list(zl, vni, true);
}

/* Every VNI we know as EVPN's, then every MAC of their bridges, each
 * VNI's list framed: bgpd drops the local MACs of before that are gone. */
static void zl_evpn_on_subscribe(struct zl *zl, struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	(void)env;
	if (!zl_vx_owner(zl, c))
		return;
	zl_evpn_conn = c;
	zl_vx_evpn_set_hooks(zl_evpn_send_vni, zl_evpn_send_mac, zl_evpn_send_list);
	zl_vx_evpn_walk(zl, zl_evpn_send_vni_listed);
	zl_vx_evpn_dump_macs(zl);
	zl_vx_evpn_walk(zl, zl_evpn_send_list_end);
}

static void zl_evpn_on_fdb(struct zl *zl, struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	const Kld__EvpnFdb *m = env->evpn_fdb;
	uint16_t owner = zl_vx_owner(zl, c);
	struct zl_vx_fdb *e;

	if (!owner)
		return;
	if (!m->vni || m->vni > 0xffffff) {
		kld_ipc_close(c, "malformed EvpnFdb");
		return;
	}
	e = kld_xcalloc(m->n_entries + 1, sizeof(*e));
	for (size_t i = 0; i < m->n_entries; i++) {
		const Kld__FdbEntry *in = m->entries[i];

		if (!in || in->mac.len != 6 || zl_vx_addr_in(&in->dst, &e[i].dst) < 0 ||
		    !e[i].dst.family || (in->mac.data[0] & 1)) {
			free(e);
			kld_ipc_close(c, "malformed EVPN FDB entry");
			return;
		}
		memcpy(e[i].mac, in->mac.data, 6);
	}
	if (zl_vx_evpn_fdb(zl, owner, m->vni, e, m->n_entries, m->deleted) < 0)
		kld_log_rl(LOG_INFO, "vxlan: EVPN entries for VNI %u, which has no device here",
			   m->vni);
	free(e);
}

static void zl_evpn_on_replay_done(struct zl *zl, struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	uint16_t owner = zl_vx_owner(zl, c);

	(void)env;
	if (owner)
		zl_vx_evpn_replay_done(zl, owner);
}

typedef void (*zl_vx_handler)(struct zl *zl, struct kld_ipc_conn *c, const Kld__Envelope *env);

static const zl_vx_handler zl_vx_handlers[] = {
	[KLD__ENVELOPE__BODY_LINK_SET] = zl_vx_on_set,
	[KLD__ENVELOPE__BODY_LINK_DELETE] = zl_vx_on_delete,
	[KLD__ENVELOPE__BODY_FDB_SET] = zl_vx_on_fdb,
	[KLD__ENVELOPE__BODY_LINK_REPLAY_DONE] = zl_vx_on_replay_done,
	[KLD__ENVELOPE__BODY_FDB_REQUEST] = zl_vx_on_request,
	[KLD__ENVELOPE__BODY_EVPN_SUBSCRIBE] = zl_evpn_on_subscribe,
	[KLD__ENVELOPE__BODY_EVPN_FDB] = zl_evpn_on_fdb,
	[KLD__ENVELOPE__BODY_EVPN_REPLAY_DONE] = zl_evpn_on_replay_done,
};

void zl_vx_handle(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	unsigned int t = (unsigned int)env->body_case;

	if (t >= KLD_ARRAY_SIZE(zl_vx_handlers) || !zl_vx_handlers[t]) {
		kld_ipc_close(c, "VXLAN message not served by zebra-lite");
		return;
	}
	zl_vx_handlers[t](arg, c, env);
}
