/*
 * vxland -> zebra-lite: links and FDB.
 *
 * Changes are coalesced: a command marks its object dirty and a short
 * timer pushes every dirty object's whole state (bridges first, so that a
 * segment finds its bridge). zebra-lite answers each LinkSet with a
 * LinkResult; a segment's FdbSet follows its successful LinkSet (the FDB
 * belongs to the device that now exists). A LinkSet refused with -ENODEV
 * (the underlay or bridge does not exist yet) leaves the segment held:
 * vxland follows zebra-lite's interface events and pushes it again when
 * the missing device appears, and re-derives the MTU when the underlay's
 * changes.
 *
 * After (re)connecting vxland replays everything and ends with
 * LinkReplayDone (the names it still wants) once every answer is in, so
 * zebra-lite deletes only what vxland no longer configures.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ipc_sync.h"
#include "log.h"
#include "util.h"
#include "vxland.h"

#define VX_PUSH_DELAY_MS 20

/* ---- protobuf helpers ---- */

static void vx_bytes(ProtobufCBinaryData *b, const struct kld_addr *a, uint8_t *buf)
{
	if (!a->family)
		return;
	b->len = kld_family_bytes(a->family);
	memcpy(buf, a->u.bytes, b->len);
	b->data = buf;
}

static Kld__Prefix **vx_prefixes(const struct kld_prefix *p, size_t n)
{
	Kld__Prefix **out = kld_xcalloc(n + 1, sizeof(*out));

	for (size_t i = 0; i < n; i++) {
		Kld__Prefix *m = kld_xcalloc(1, sizeof(*m) + 16);

		kld__prefix__init(m);
		m->family = p[i].family;
		m->len = p[i].len;
		m->addr.data = (uint8_t *)(m + 1);
		m->addr.len = kld_family_bytes(p[i].family);
		memcpy(m->addr.data, p[i].u.bytes, m->addr.len);
		out[i] = m;
	}
	return out;
}

static void vx_prefixes_free(Kld__Prefix **p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(p[i]);
	free(p);
}

static int vx_send(struct vxland *v, Kld__Envelope *env)
{
	env->seq = ++v->seq;
	if (kld_ipc_send(v->conn, env) < 0)
		return -1;
	v->pending++;
	return 0;
}

/* ---- pushes ---- */

/* The MTU the kernel gives a bridge nobody set one on: its smallest port's
 * (the ports vxland knows: members and segments), 1500 without ports. */
static uint32_t vx_bridge_auto_mtu(struct vxland *v, const struct vx_bridge *b)
{
	uint32_t mtu = 0, m;
	char why[64];

	for (size_t i = 0; i < b->nmembers; i++) {
		const struct vx_iface *p = vx_iface_get(v, b->members[i]);

		if (p && p->mtu && (!mtu || p->mtu < mtu))
			mtu = p->mtu;
	}
	for (const struct vx_seg *s = v->segs; s; s = s->next) {
		if (strcmp(s->bridge, b->name))
			continue;
		m = s->st.mtu ? s->st.mtu : vx_seg_mtu(v, s, why, sizeof(why));
		if (m && (!mtu || m < mtu))
			mtu = m;
	}
	return mtu ? mtu : VX_MTU_DEFAULT;
}

static void vx_push_bridge(struct vxland *v, struct vx_bridge *b)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__LinkSet m = KLD__LINK_SET__INIT;
	char **members = kld_xcalloc(b->nmembers + 1, sizeof(*members));

	m.ifname = b->name;
	m.kind = KLD__LINK_KIND__LINK_KIND_BRIDGE;
	m.mtu = b->mtu ? b->mtu : b->mtu_was_set ? vx_bridge_auto_mtu(v, b) : 0;
	m.n_addresses = b->naddrs;
	m.addresses = vx_prefixes(b->addrs, b->naddrs);
	for (size_t i = 0; i < b->nmembers; i++)
		members[i] = b->members[i];
	m.n_members = b->nmembers;
	m.members = members;
	env.body_case = KLD__ENVELOPE__BODY_LINK_SET;
	env.link_set = &m;
	b->st.dirty = false;
	vx_send(v, &env);
	vx_prefixes_free(m.addresses, m.n_addresses);
	free(members);
}

static void vx_push_seg(struct vxland *v, struct vx_seg *s)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__LinkSet m = KLD__LINK_SET__INIT;
	Kld__VxlanParams p = KLD__VXLAN_PARAMS__INIT;
	uint8_t lb[16], rb[16];
	char name[IFNAMSIZ], why[64];

	p.vni = s->vni;
	vx_bytes(&p.local, &s->local, lb);
	vx_bytes(&p.remote, s->group.family ? &s->group : &s->remote, rb);
	p.underlay = s->underlay;
	p.dstport = s->dstport;
	p.srcport_min = s->port_min;
	p.srcport_max = s->port_max;
	p.nolearning = s->nolearning;
	p.evpn = s->flood_evpn;
	p.ttl = s->ttl;
	p.tos = s->tos;
	p.noudpcsum = s->noudpcsum;
	p.udp6zerocsumtx = s->udp6zerocsumtx;
	p.udp6zerocsumrx = s->udp6zerocsumrx;
	m.ifname = (char *)vx_seg_ifname(s, name);
	m.kind = KLD__LINK_KIND__LINK_KIND_VXLAN;
	m.vxlan = &p;
	m.mtu = vx_seg_mtu(v, s, why, sizeof(why));
	m.master = s->bridge;
	m.n_addresses = s->naddrs;
	m.addresses = vx_prefixes(s->addrs, s->naddrs);
	env.body_case = KLD__ENVELOPE__BODY_LINK_SET;
	env.link_set = &m;
	s->st.dirty = false;
	s->st.awaiting_fdb = true;
	vx_send(v, &env);
	vx_prefixes_free(m.addresses, m.n_addresses);
}

/* The segment's static FDB: the flood list under the all-zero MAC, and
 * every static MAC pinned to its VTEP. */
static void vx_push_fdb(struct vxland *v, struct vx_seg *s)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__FdbSet m = KLD__FDB_SET__INIT;
	struct kld_addr *flood;
	size_t nflood = vx_seg_flood(v, s, &flood);
	size_t n = nflood + s->nmacs;
	Kld__FdbEntry *e = kld_xcalloc(n + 1, sizeof(*e)), **ep = kld_xcalloc(n + 1, sizeof(*ep));
	uint8_t (*dst)[16] = kld_xcalloc(n + 1, 16);
	static uint8_t zero[6];
	char name[IFNAMSIZ];

	for (size_t i = 0; i < n; i++) {
		const struct kld_addr *a = i < nflood ? &flood[i] : &s->macs[i - nflood].dst;

		kld__fdb_entry__init(&e[i]);
		e[i].mac.data = i < nflood ? zero : s->macs[i - nflood].mac;
		e[i].mac.len = 6;
		vx_bytes(&e[i].dst, a, dst[i]);
		ep[i] = &e[i];
	}
	m.ifname = (char *)vx_seg_ifname(s, name);
	m.n_entries = n;
	m.entries = ep;
	env.body_case = KLD__ENVELOPE__BODY_FDB_SET;
	env.fdb_set = &m;
	s->st.awaiting_fdb = false;
	vx_send(v, &env);
	free(e);
	free(ep);
	free(dst);
	free(flood);
}

static void vx_push_timer(void *arg)
{
	struct vxland *v = arg;

	if (!v->conn)
		return;
	for (struct vx_bridge *b = v->brs; b; b = b->next)
		if (b->st.dirty)
			vx_push_bridge(v, b);
	for (struct vx_seg *s = v->segs; s; s = s->next)
		if (s->st.dirty)
			vx_push_seg(v, s);
}

void vx_schedule_push(struct vxland *v)
{
	if (v->push_timer && !kld_timer_pending(v->push_timer))
		kld_timer_arm(v->push_timer, VX_PUSH_DELAY_MS);
}

void vx_zebra_delete(struct vxland *v, const char *ifname)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__LinkDelete d = KLD__LINK_DELETE__INIT;

	if (!v->conn)
		return; /* the replay's LinkReplayDone will not name it */
	d.ifname = (char *)ifname;
	env.body_case = KLD__ENVELOPE__BODY_LINK_DELETE;
	env.link_delete = &d;
	vx_send(v, &env);
}

/* ---- answers ---- */

static void vx_replay_done(struct vxland *v)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__LinkReplayDone rd = KLD__LINK_REPLAY_DONE__INIT;
	size_t n = 0;
	char (*names)[IFNAMSIZ];

	for (struct vx_seg *s = v->segs; s; s = s->next)
		n++;
	for (struct vx_bridge *b = v->brs; b; b = b->next)
		n++;
	names = kld_xcalloc(n + 1, IFNAMSIZ);
	rd.ifnames = kld_xcalloc(n + 1, sizeof(*rd.ifnames));
	for (struct vx_seg *s = v->segs; s; s = s->next, rd.n_ifnames++)
		rd.ifnames[rd.n_ifnames] = (char *)vx_seg_ifname(s, names[rd.n_ifnames]);
	for (struct vx_bridge *b = v->brs; b; b = b->next)
		rd.ifnames[rd.n_ifnames++] = b->name;
	v->replaying = false;
	env.body_case = KLD__ENVELOPE__BODY_LINK_REPLAY_DONE;
	env.link_replay_done = &rd;
	kld_ipc_send(v->conn, &env);
	free(rd.ifnames);
	free(names);
	kld_info("replayed to zebra-lite");
}

static void vx_status_set(struct vx_status *st, const Kld__LinkResult *r)
{
	st->ifindex = r->ifindex;
	if (r->error == -ENODEV) {
		st->state = VX_HELD;
	} else if (r->error) {
		st->state = VX_FAILED;
	} else {
		st->state = VX_UP;
		st->mtu = r->mtu;
	}
	snprintf(st->reason, sizeof(st->reason), "%s", r->reason);
}

static void vx_on_result(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct vxland *v = arg;
	const Kld__LinkResult *r = env->link_result;
	struct vx_seg *s = vx_seg_by_ifname(v, r->ifname);
	struct vx_bridge *b = s ? NULL : vx_bridge_get(v, r->ifname, false);

	if (v->pending)
		v->pending--;
	if (r->error && r->error != -ENODEV)
		kld_warn("%s: zebra-lite refused: %s", r->ifname, r->reason);
	if (s && s->st.awaiting_fdb) {
		vx_status_set(&s->st, r);
		s->st.awaiting_fdb = false;
		if (!r->error)
			vx_push_fdb(v, s);
	} else if (s && r->error) {
		snprintf(s->st.reason, sizeof(s->st.reason), "FDB: %s", r->reason);
	} else if (b) {
		vx_status_set(&b->st, r);
	}
	if (v->replaying && !v->pending)
		vx_replay_done(v);
}

/* An interface appeared, changed or went: held segments whose underlay
 * or bridge it is are pushed again; an underlay's MTU change re-derives
 * the segment's. */
static void vx_iface_touch(struct vxland *v, const char *name)
{
	for (struct vx_seg *s = v->segs; s; s = s->next) {
		if (!strcmp(s->underlay, name) ||
		    (s->st.state == VX_HELD && !strcmp(s->bridge, name))) {
			s->st.dirty = true;
			vx_schedule_push(v);
		}
	}
	for (struct vx_bridge *b = v->brs; b; b = b->next) {
		for (size_t i = 0; i < b->nmembers; i++) {
			if (!strcmp(b->members[i], name)) {
				b->st.dirty = true;
				vx_schedule_push(v);
			}
		}
	}
}

static void vx_on_interface(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct vxland *v = arg;
	const Kld__Interface *m = env->interface;
	struct vx_iface *i = vx_iface_get(v, m->name), **pp;
	bool changed = !i || i->mtu != m->mtu || m->deleted;

	if (m->deleted) {
		for (pp = &v->ifaces; *pp; pp = &(*pp)->next) {
			if (*pp == i) {
				*pp = i->next;
				free(i);
				break;
			}
		}
	} else {
		if (!i) {
			i = kld_xcalloc(1, sizeof(*i));
			snprintf(i->name, sizeof(i->name), "%s", m->name);
			i->next = v->ifaces;
			v->ifaces = i;
		}
		snprintf(i->kind, sizeof(i->kind), "%s", m->kind);
		i->ours = m->alias && !strcmp(m->alias, VX_ALIAS);
		i->ifindex = m->ifindex;
		i->mtu = m->mtu;
		i->up = m->admin_up;
	}
	if (changed && !m->deleted)
		vx_iface_touch(v, m->name);
}

/* wgd's meshes, relayed by zebra-lite: segments that flood to a mesh
 * get their FDB again (zebra-lite writes only the difference). */
static void vx_on_meshes(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct vxland *v = arg;
	const Kld__WgMeshes *ms = env->wg_meshes;

	vx_meshes_free(v);
	for (size_t i = ms->n_meshes; i-- > 0;) {
		const Kld__WgMesh *in = ms->meshes[i];
		struct vx_mesh *m = kld_xcalloc(1, sizeof(*m));

		snprintf(m->name, sizeof(m->name), "%s", in->name);
		m->peers = kld_xcalloc(in->n_peers + 1, sizeof(*m->peers));
		for (size_t j = 0; j < in->n_peers; j++) {
			const Kld__Prefix *p = in->peers[j];

			if (p && p->addr.len == kld_family_bytes((uint8_t)p->family) &&
			    kld_addr_set(&m->peers[m->npeers], (uint8_t)p->family, p->addr.data) == 0)
				m->npeers++;
		}
		m->next = v->meshes;
		v->meshes = m;
	}
	for (struct vx_seg *s = v->segs; s; s = s->next) {
		if (!s->flood_mesh[0])
			continue;
		if (s->st.state == VX_UP && !s->st.awaiting_fdb && !s->st.dirty && v->conn)
			vx_push_fdb(v, s);
		else
			s->st.dirty = true;
	}
	vx_schedule_push(v);
}

/* A MAC the kernel learned or forgot behind one of our devices, by the
 * device or by its bridge on the VXLAN port. Kept per segment, one entry
 * per MAC with who knows it: gone when neither does. Bounded, as the
 * kernel's table is not. */
#define VX_LEARNED_MAX 65536

static void vx_learned_forget(struct vx_seg *s, size_t i, uint8_t by)
{
	if (i >= s->nlearned)
		return;
	s->learned[i].by &= (uint8_t)~by;
	if (by == VX_BY_DEVICE)
		memset(&s->learned[i].dst, 0, sizeof(s->learned[i].dst));
	if (!s->learned[i].by)
		s->learned[i] = s->learned[--s->nlearned];
}

static void vx_on_fdb_event(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct vxland *v = arg;
	const Kld__FdbEvent *ev = env->fdb_event;
	const Kld__FdbRecord *r = ev->record;
	struct vx_seg *s = r ? vx_seg_by_ifname(v, r->ifname) : NULL;
	uint8_t by;
	size_t i;

	if (!s || r->mac.len != 6)
		return;
	by = r->on_bridge ? VX_BY_BRIDGE : VX_BY_DEVICE;
	for (i = 0; i < s->nlearned && memcmp(s->learned[i].mac, r->mac.data, 6); i++)
		;
	if (ev->deleted) {
		vx_learned_forget(s, i, by);
		return;
	}
	if (i == s->nlearned) {
		if (s->nlearned >= VX_LEARNED_MAX)
			return;
		s->learned = kld_xrealloc(s->learned, (s->nlearned + 1) * sizeof(*s->learned));
		memset(&s->learned[s->nlearned], 0, sizeof(*s->learned));
		memcpy(s->learned[s->nlearned++].mac, r->mac.data, 6);
	}
	s->learned[i].by |= by;
	if (r->dst.len == 4 || r->dst.len == 16)
		kld_addr_set(&s->learned[i].dst, r->dst.len == 4 ? AF_INET : AF_INET6, r->dst.data);
	kld_debug("vxlan %u: learned a MAC behind %s (%s)", s->vni, r->ifname,
		  r->on_bridge ? "its bridge" : "the device");
}

static void vx_on_up(struct kld_ipc_conn *c, void *arg)
{
	struct vxland *v = arg;
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__InterfaceSubscribe is = KLD__INTERFACE_SUBSCRIBE__INIT;
	Kld__WgMeshSubscribe ms = KLD__WG_MESH_SUBSCRIBE__INIT;

	kld_info("connected to zebra-lite; replaying");
	v->conn = c;
	v->replaying = true;
	v->pending = 0;
	/* Interfaces first: the MTU of a segment derives from its underlay's. */
	env.body_case = KLD__ENVELOPE__BODY_INTERFACE_SUBSCRIBE;
	env.interface_subscribe = &is;
	kld_ipc_send(c, &env);
	env.body_case = KLD__ENVELOPE__BODY_WG_MESH_SUBSCRIBE;
	env.wg_mesh_subscribe = &ms;
	kld_ipc_send(c, &env);
	for (struct vx_bridge *b = v->brs; b; b = b->next)
		b->st.dirty = true;
	for (struct vx_seg *s = v->segs; s; s = s->next)
		s->st.dirty = true;
	/* Pushed after the interface list has arrived (same connection,
	 * in order), by the timer. */
	if (!v->brs && !v->segs)
		vx_replay_done(v);
	else
		vx_schedule_push(v);
}

static void vx_on_down(struct kld_ipc_conn *c, void *arg)
{
	struct vxland *v = arg;

	kld_info("lost zebra-lite; will replay on reconnect");
	v->conn = NULL;
	v->replaying = false;
	v->pending = 0;
	/* What was learned is zebra-lite's news: it tells it all again after
	 * the replay (LinkReplayDone), and then as it comes. */
	for (struct vx_seg *s = v->segs; s; s = s->next)
		s->nlearned = 0;
}

const struct kld_ipc_ops vx_zebra_ops = {
	.on_up = vx_on_up,
	.on_down = vx_on_down,
	.handlers = {
		[KLD__ENVELOPE__BODY_LINK_RESULT] = vx_on_result,
		[KLD__ENVELOPE__BODY_INTERFACE] = vx_on_interface,
		[KLD__ENVELOPE__BODY_WG_MESHES] = vx_on_meshes,
		[KLD__ENVELOPE__BODY_FDB_EVENT] = vx_on_fdb_event,
	},
};

/* ---- synchronous FDB fetch (show vxlan fdb) ---- */

Kld__Envelope *vx_fetch_fdb(struct vxland *v, const char *ifname)
{
	Kld__Envelope req = KLD__ENVELOPE__INIT;
	Kld__FdbRequest fr = KLD__FDB_REQUEST__INIT;

	fr.ifname = (char *)(ifname ? ifname : "");
	req.body_case = KLD__ENVELOPE__BODY_FDB_REQUEST;
	req.fdb_request = &fr;
	/* On a connection of its own, so the main one is never replaced; a
	 * table of 100,000 MACs takes seconds on a busy machine. */
	return kld_proto_daemon_query(&v->p, "vxland-query", &req, KLD__ENVELOPE__BODY_FDB_STATE,
				      10000);
}

int vx_zebra_init(struct vxland *v)
{
	v->push_timer = kld_timer_new(v->p.d.loop, vx_push_timer, v);
	return 0;
}

void vx_zebra_fini(struct vxland *v)
{
	kld_timer_free(v->push_timer);
	v->push_timer = NULL;
}
