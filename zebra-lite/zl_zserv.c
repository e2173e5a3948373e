/*
 * The zserv socket: the client API of zebra-lite.
 *
 * A client is known by the daemon name of its Hello, and its slot (the
 * owner id of its routes) outlives the connection: when a client goes away
 * its routes stay, marked stale, for the grace time; when it comes back it
 * replays what it still wants and says ReplayDone, and only what it did not
 * replay is removed. Nothing a client still wants is ever deleted.
 *
 * A message that does not make sense (a prefix longer than its family, an
 * address of the wrong size, a route without nexthops) is a broken client:
 * it is disconnected and the others go on. What the kernel refuses is not
 * the client's fault: the route's owner hears of it in a RouteNotify.
 *
 * One identity per daemon: the name a client gives in its Hello must be
 * one of the daemons below, and the kernel's word on the client's uid
 * (SO_PEERCRED) must be that daemon's system user (kldnet-<daemon>,
 * systemd/kldnet-sysusers.conf) or root. Root is let through because a
 * root process can program the kernel itself: refusing it would protect
 * nothing (the units run every protocol daemon as its own user; tests on
 * machines without those users run them as root). Each daemon may then
 * send only the message types its job needs, and routes only of its own
 * type: only wgd touches WireGuard devices, only bgpd sends BGP routes.
 * A mismatch closes the connection with a logged reason.
 */
#include <errno.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "log.h"
#include "util.h"
#include "zl.h"
#include "zl_vxlan.h"

#define ZL_DEFAULT_GRACE 60
#define ZL_MAX_GRACE 7200 /* a client asks for at most this */

struct zl_role;

struct zl_conn_ref {
	struct zl *zl;
	uint16_t slot;
	const struct zl_role *role;
};

static struct zl *zl_of(void *arg)
{
	return arg;
}

/* ---- slots ---- */

uint16_t zl_client_slot(struct zl *zl, const char *name, bool create)
{
	uint16_t free_slot = 0;

	for (uint16_t i = 1; i < ZL_MAX_CLIENTS; i++) {
		if (!strcmp(zl->clients[i].name, name))
			return i;
		if (!free_slot && !zl->clients[i].name[0])
			free_slot = i;
	}
	if (!create || !free_slot)
		return 0;
	snprintf(zl->clients[free_slot].name, sizeof(zl->clients[free_slot].name), "%s", name);
	return free_slot;
}

uint16_t zl_owner_of_type(struct zl *zl, uint8_t type)
{
	switch (type) {
	case RIB_BGP: return zl_client_slot(zl, "bgpd", true);
	case RIB_WIREGUARD: return zl_client_slot(zl, "wgd", true);
	case RIB_VXLAN: return zl_client_slot(zl, "vxland", true);
	default: return ZL_OWNER_SELF; /* statics: reclaimed by our own config */
	}
}

static void zl_grace_expired(void *arg)
{
	struct zl_client *cl = arg;
	size_t n = rib_sweep_stale(cl->zl->rib, cl->slot);

	if (n)
		kld_notice("%s: grace time over, %zu stale route(s) removed",
			   cl->slot ? cl->name : "zebra-lite", n);
	zl_schedule_work(cl->zl);
}

/* The longer of zebra-lite's grace time and the one the client asked for. */
static uint32_t zl_grace_secs(const struct zl *zl, const struct zl_client *cl)
{
	uint32_t secs = zl->grace_secs ? zl->grace_secs : ZL_DEFAULT_GRACE;

	return KLD_MAX(secs, cl->grace_secs);
}

void zl_client_start_grace(struct zl *zl, uint16_t slot)
{
	struct zl_client *cl = &zl->clients[slot];

	cl->zl = zl;
	cl->slot = slot;
	if (!cl->grace)
		cl->grace = kld_timer_new(zl->d.loop, zl_grace_expired, cl);
	if (!kld_timer_pending(cl->grace))
		kld_timer_arm(cl->grace, (uint64_t)zl_grace_secs(zl, cl) * 1000);
}

/* The grace time was configured after timers started (the kernel is read
 * before the configuration): they run with the new time from now. */
void zl_client_rearm_grace(struct zl *zl)
{
	for (uint16_t i = 0; i < ZL_MAX_CLIENTS; i++) {
		struct zl_client *cl = &zl->clients[i];

		if (cl->grace && kld_timer_pending(cl->grace))
			kld_timer_arm(cl->grace, (uint64_t)zl_grace_secs(zl, cl) * 1000);
	}
}

/* A connection becomes a client (a slot, the owner id of routes) the first
 * time it sends something that needs one. Short-lived query connections
 * (wgd's `show wireguard` asks zebra-lite for live device state) never do,
 * so they leave no trace. NULL when no slot is left: the connection is
 * closed. */
static struct zl_client *zl_client_of(struct kld_ipc_conn *c, uint16_t *slot)
{
	struct zl_conn_ref *ref = kld_ipc_data(c);
	struct zl *zl = ref->zl;
	struct zl_client *cl;

	if (!ref->slot) {
		ref->slot = zl_client_slot(zl, kld_ipc_peer(c), true);
		if (!ref->slot) {
			kld_ipc_close(c, "too many clients");
			return NULL;
		}
		cl = &zl->clients[ref->slot];
		if (cl->conn && cl->conn != c)
			kld_ipc_close(cl->conn, "replaced by a new connection");
		cl->zl = zl;
		cl->slot = ref->slot;
		cl->conn = c;
		cl->connected_at = time(NULL);
		kld_info("zserv: client %s (pid %u) registered", kld_ipc_peer(c),
			 kld_ipc_peer_pid(c));
	}
	if (slot)
		*slot = ref->slot;
	return &zl->clients[ref->slot];
}

/* ---- who may say what ---- */

/* A set of Envelope body cases (field numbers, all under 128). */
typedef unsigned __int128 zl_msgset;
#define ZL_M(body) ((zl_msgset)1 << KLD__ENVELOPE__BODY_##body)
/* Asking: nothing changes in the kernel. */
#define ZL_ASKS                                                                                    \
	(ZL_M(INTERFACE_SUBSCRIBE) | ZL_M(NEXTHOP_REGISTER) | ZL_M(REDIST_SUBSCRIBE) |             \
	 ZL_M(BARRIER))
#define ZL_ROUTES (ZL_M(ROUTE_ADD) | ZL_M(ROUTE_DELETE) | ZL_M(REPLAY_DONE))
#define ZL_WG                                                                                      \
	(ZL_M(WG_DEVICE_SET) | ZL_M(WG_DEVICE_DELETE) | ZL_M(WG_STATE_REQUEST) |                   \
	 ZL_M(WG_REPLAY_DONE) | ZL_M(WG_MESHES))
#define ZL_VXLAN                                                                                   \
	(ZL_M(LINK_SET) | ZL_M(LINK_DELETE) | ZL_M(FDB_SET) | ZL_M(LINK_REPLAY_DONE) |             \
	 ZL_M(FDB_REQUEST) | ZL_M(WG_MESH_SUBSCRIBE))

/* bgpd's EVPN: the subscription, its remote FDB entries, its replay's end */
#define ZL_EVPN (ZL_M(EVPN_SUBSCRIBE) | ZL_M(EVPN_FDB) | ZL_M(EVPN_REPLAY_DONE))

struct zl_role {
	const char *name;   /* in the Hello */
	const char *user;   /* its system user */
	uint8_t route_type; /* the RIB_* type of its routes; 0: it sends none */
	zl_msgset msgs;     /* ZL_M() of the body cases it may send */
};

static const struct zl_role zl_roles[] = {
	{ "bgpd", "kldnet-bgpd", RIB_BGP, ZL_ASKS | ZL_ROUTES | ZL_M(CLIENT_GRACE) | ZL_EVPN },
	{ "wgd", "kldnet-wgd", RIB_WIREGUARD, ZL_ASKS | ZL_ROUTES | ZL_WG },
	/* wgd's short query connections (show, health, metrics, and a change
	 * typed at the prompt, which waits for the kernel's answer) */
	{ "wgd-query", "kldnet-wgd", 0,
	  ZL_M(WG_STATE_REQUEST) | ZL_M(WG_DEVICE_SET) | ZL_M(BARRIER) },
	{ "vxland", "kldnet-vxland", RIB_VXLAN, ZL_ASKS | ZL_ROUTES | ZL_VXLAN },
	/* vxland's short query connection (show vxlan fdb) */
	{ "vxland-query", "kldnet-vxland", 0, ZL_M(FDB_REQUEST) | ZL_M(BARRIER) },
	{ "fwd", "kldnet-fwd", 0, ZL_ASKS | ZL_M(FW_RULE_SET) | ZL_M(FW_COUNTERS_REQUEST) },
	/* fwd's short query connection (show firewall, counters) */
	{ "fwd-query", "kldnet-fwd", 0, ZL_M(FW_COUNTERS_REQUEST) | ZL_M(BARRIER) },
};

static const struct zl_role *zl_role_find(const char *name)
{
	for (size_t i = 0; i < KLD_ARRAY_SIZE(zl_roles); i++)
		if (!strcmp(zl_roles[i].name, name))
			return &zl_roles[i];
	return NULL;
}

/* The role the client claims, or NULL with the reason in why. */
static const struct zl_role *zl_role_check(struct kld_ipc_conn *c, char *why, size_t size)
{
	const struct zl_role *role = zl_role_find(kld_ipc_peer(c));
	const struct passwd *pw;
	uid_t uid;
	pid_t pid;

	if (!role) {
		snprintf(why, size, "no kldnet daemon has that name");
		return NULL;
	}
	if (kld_ipc_peer_cred(c, &uid, &pid) < 0) {
		snprintf(why, size, "its credentials are unknown");
		return NULL;
	}
	if (uid == 0)
		return role;
	pw = getpwnam(role->user);
	if (pw && pw->pw_uid == uid)
		return role;
	snprintf(why, size, "uid %u (pid %d) is not %s%s", (unsigned)uid, (int)pid, role->user,
		 pw ? "" : ", which does not exist here");
	return NULL;
}

static const char *zl_body_name(int body)
{
	const ProtobufCFieldDescriptor *f =
	    protobuf_c_message_descriptor_get_field(&kld__envelope__descriptor, (unsigned)body);

	return f ? f->name : "?";
}

/* The kernel's word on the client's pid, its Hello's if that is missing. */
static unsigned zl_client_pid(const struct kld_ipc_conn *c)
{
	pid_t pid;

	return kld_ipc_peer_cred(c, NULL, &pid) == 0 ? (unsigned)pid : kld_ipc_peer_pid(c);
}

static bool zl_zserv_may_send(struct kld_ipc_conn *c, int body, void *arg)
{
	const struct zl_conn_ref *ref = kld_ipc_data(c);

	(void)arg;
	if (ref && ref->role && body >= 0 && body < 128 &&
	    (ref->role->msgs & ((zl_msgset)1 << body)))
		return true;
	kld_log_rl(LOG_WARNING, "zserv: %s (pid %u) may not send %s: refused", kld_ipc_peer(c),
		   zl_client_pid(c), zl_body_name(body));
	return false;
}

/* Routes of the client's own type only, checked before the client takes
 * its slot (which would replace the real daemon's connection); false has
 * closed the connection. */
static bool zl_route_types_ok(struct kld_ipc_conn *c, Kld__Route *const *r, size_t n)
{
	const struct zl_conn_ref *ref = kld_ipc_data(c);

	for (size_t i = 0; i < n; i++) {
		if (ref->role->route_type && r[i]->type == ref->role->route_type)
			continue;
		kld_log_rl(LOG_WARNING, "zserv: %s (pid %u) may not send routes of type %d: refused",
			   kld_ipc_peer(c), zl_client_pid(c), (int)r[i]->type);
		kld_ipc_close(c, "a route of a type this daemon may not send");
		return false;
	}
	return true;
}

/* ---- connections ---- */

static void zl_zserv_up(struct kld_ipc_conn *c, void *arg)
{
	struct zl_conn_ref *ref;
	const struct zl_role *role;
	char why[160];

	role = zl_role_check(c, why, sizeof(why));
	if (!role) {
		kld_log_rl(LOG_WARNING, "zserv: a client calling itself %s refused: %s",
			   kld_ipc_peer(c), why);
		kld_ipc_close(c, "identity refused");
		return;
	}
	ref = kld_xcalloc(1, sizeof(*ref));
	ref->zl = zl_of(arg);
	ref->role = role;
	kld_ipc_set_data(c, ref);
	kld_debug("zserv: %s (pid %u) connected", kld_ipc_peer(c), kld_ipc_peer_pid(c));
}

static void zl_client_forget_subscriptions(struct zl_client *cl)
{
	memset(cl->redist, 0, sizeof(cl->redist));
	free(cl->nht);
	free(cl->nht_state);
	cl->nht = NULL;
	cl->nht_state = NULL;
	cl->nnht = 0;
	cl->ifsub = false;
}

static void zl_zserv_down(struct kld_ipc_conn *c, void *arg)
{
	struct zl_conn_ref *ref = kld_ipc_data(c);
	struct zl *zl;
	struct zl_client *cl;
	size_t n;

	if (!ref)
		return;
	zl = ref->zl;
	zl_wg_client_down(zl, c);
	zl_vx_client_down(zl, c);
	cl = ref->slot ? &zl->clients[ref->slot] : NULL;
	if (cl && cl->conn == c) {
		cl->conn = NULL;
		zl_client_forget_subscriptions(cl);
		n = rib_mark_stale(zl->rib, ref->slot);
		if (n)
			zl_client_start_grace(zl, ref->slot);
		kld_info("zserv: client %s disconnected; %zu route(s) kept for %us", cl->name, n,
			 zl_grace_secs(zl, cl));
	}
	free(ref);
}

/* ---- routes ---- */

static int zl_route_nh(struct zl *zl, const Kld__Nexthop *in, uint8_t family, struct rib_nh *nh)
{
	memset(nh, 0, sizeof(*nh));
	nh->weight = (uint8_t)KLD_MIN(in->weight, 255u);
	if (in->blackhole) {
		nh->kind = RIB_NH_BLACKHOLE;
		return 0;
	}
	if (in->ifname[0]) {
		struct zl_iface *ifp = zl_iface_by_name(zl, in->ifname);

		nh->ifindex = ifp ? ifp->ifindex : 0;
	} else {
		nh->ifindex = in->ifindex;
	}
	if (in->gateway.len == 0) {
		nh->kind = RIB_NH_IFINDEX;
		return in->ifname[0] || in->ifindex ? 0 : -1;
	}
	if (in->gateway.len != kld_family_bytes(family))
		return -1;
	nh->kind = RIB_NH_GATEWAY;
	return kld_addr_set(&nh->gw, family, in->gateway.data);
}

static int zl_prefix_from_msg(const Kld__Prefix *in, struct kld_prefix *p)
{
	if (!in || (in->family != AF_INET && in->family != AF_INET6) ||
	    in->addr.len != kld_family_bytes((uint8_t)in->family) ||
	    in->len > kld_family_bits((uint8_t)in->family))
		return -1;
	return kld_prefix_set(p, (uint8_t)in->family, in->addr.data, (uint8_t)in->len);
}

/* Decode one route; -1 means the client is broken. */
static int zl_route_from_msg(struct zl *zl, const Kld__Route *in, uint16_t slot,
			     struct kld_prefix *p, struct rib_route_spec *s, struct rib_nh *nh)
{
	if (zl_prefix_from_msg(in->prefix, p) < 0 || in->n_nexthops == 0 ||
	    in->n_nexthops > 32 || in->type <= KLD__ROUTE_TYPE__ROUTE_CONNECTED ||
	    in->distance > 255)
		return -1;
	memset(s, 0, sizeof(*s));
	s->type = (uint8_t)in->type;
	s->distance = (uint8_t)in->distance;
	s->owner = slot;
	s->metric = in->metric;
	s->table = in->table;
	s->ibgp = in->ibgp;
	s->notify = in->want_notify;
	s->nh = nh;
	s->nnh = (uint16_t)in->n_nexthops;
	for (size_t i = 0; i < in->n_nexthops; i++)
		if (zl_route_nh(zl, in->nexthops[i], p->family, &nh[i]) < 0)
			return -1;
	return 0;
}

static void zl_handle_route_add(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct zl *zl = zl_of(arg);
	uint16_t slot;
	struct zl_client *cl;
	struct rib_nh nh[32];
	struct rib_route_spec s;
	struct kld_prefix p;

	if (!zl_route_types_ok(c, env->route_add->routes, env->route_add->n_routes))
		return;
	cl = zl_client_of(c, &slot);
	if (!cl)
		return;
	rib_set_clock(zl->rib, zl_clock(zl));
	for (size_t i = 0; i < env->route_add->n_routes; i++) {
		if (zl_route_from_msg(zl, env->route_add->routes[i], slot, &p, &s, nh) < 0) {
			kld_ipc_close(c, "malformed route");
			break;
		}
		rib_add(zl->rib, &p, &s);
		cl->routes_in++;
	}
	zl_schedule_work(zl);
}

static void zl_handle_route_delete(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct zl *zl = zl_of(arg);
	uint16_t slot;
	struct kld_prefix p;

	if (!zl_route_types_ok(c, env->route_delete->routes, env->route_delete->n_routes) ||
	    !zl_client_of(c, &slot))
		return;
	for (size_t i = 0; i < env->route_delete->n_routes; i++) {
		const Kld__Route *r = env->route_delete->routes[i];

		if (zl_prefix_from_msg(r->prefix, &p) < 0) {
			kld_ipc_close(c, "malformed route");
			break;
		}
		rib_delete(zl->rib, &p, r->table, (uint8_t)r->type, slot);
	}
	zl_schedule_work(zl);
}

static void zl_handle_replay_done(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct zl *zl = zl_of(arg);
	uint16_t slot;
	struct zl_client *cl = zl_client_of(c, &slot);
	size_t n;

	if (!cl)
		return;
	n = rib_sweep_stale(zl->rib, slot);
	kld_info("zserv: %s replayed its state; %zu stale route(s) removed", cl->name, n);
	kld_timer_cancel(cl->grace);
	zl_schedule_work(zl);
}

static void zl_reply(struct kld_ipc_conn *c, uint32_t seq, Kld__Envelope *env)
{
	env->seq = seq;
	kld_ipc_send(c, env);
}

/* A restarting client (bgpd with graceful restart) needs its routes kept
 * longer than our own grace time, and wants to know whether we still hold
 * them, i.e. whether its forwarding state survived. */
static void zl_handle_client_grace(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct zl *zl = zl_of(arg);
	uint16_t slot;
	struct zl_client *cl = zl_client_of(c, &slot);
	Kld__Envelope out = KLD__ENVELOPE__INIT;
	Kld__ClientGrace ans = KLD__CLIENT_GRACE__INIT;

	if (!cl || !env->client_grace)
		return;
	cl->grace_secs = KLD_MIN(env->client_grace->seconds, ZL_MAX_GRACE);
	if (cl->grace && kld_timer_pending(cl->grace))
		kld_timer_arm(cl->grace, (uint64_t)zl_grace_secs(zl, cl) * 1000);
	/* A bgpd whose state is only EVPN (a transit site) restarted as
	 * gracefully as one with routes: its FDB entries count too. */
	ans.stale_routes = (uint32_t)(rib_count_stale(zl->rib, slot) + zl_vx_owner_grace(zl, slot));
	kld_info("zserv: %s asks for a grace time of %us; %u stale route(s) and FDB entries held",
		 cl->name, cl->grace_secs, ans.stale_routes);
	out.body_case = KLD__ENVELOPE__BODY_CLIENT_GRACE;
	out.client_grace = &ans;
	zl_reply(c, env->seq, &out);
}

static void zl_handle_barrier(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	Kld__Envelope out = KLD__ENVELOPE__INIT;
	Kld__Barrier b = KLD__BARRIER__INIT;

	zl_kernel_sync(zl_of(arg));
	out.body_case = KLD__ENVELOPE__BODY_BARRIER;
	out.barrier = &b;
	zl_reply(c, env->seq, &out);
}

/* ---- messages to clients ---- */

static void zl_prefix_to_msg(const struct kld_prefix *p, Kld__Prefix *out, uint8_t *buf)
{
	kld__prefix__init(out);
	out->family = p->family;
	out->len = p->len;
	memcpy(buf, p->u.bytes, kld_family_bytes(p->family));
	out->addr.data = buf;
	out->addr.len = kld_family_bytes(p->family);
}

/* A Route message for r; storage comes from the caller. */
struct zl_route_msg {
	Kld__Route route;
	Kld__Prefix prefix;
	uint8_t pbuf[16];
	Kld__Nexthop nh[32];
	Kld__Nexthop *nhp[32];
	uint8_t gw[32][16];
};

static void zl_route_to_msg(struct zl_route_msg *m, uint32_t table, const struct kld_prefix *p,
			    const struct rib_route *r)
{
	const struct rib_nhg *g = r->nhg;

	kld__route__init(&m->route);
	zl_prefix_to_msg(p, &m->prefix, m->pbuf);
	m->route.prefix = &m->prefix;
	m->route.type = (Kld__RouteType)r->type;
	m->route.distance = r->distance;
	m->route.metric = r->metric;
	m->route.table = table == RIB_TABLE_MAIN ? 0 : table;
	for (uint16_t i = 0; i < g->n && i < 32; i++) {
		kld__nexthop__init(&m->nh[i]);
		m->nh[i].ifindex = g->nh[i].ifindex;
		m->nh[i].blackhole = g->nh[i].kind == RIB_NH_BLACKHOLE;
		if (g->nh[i].gw.family) {
			memcpy(m->gw[i], g->nh[i].gw.u.bytes, kld_family_bytes(g->nh[i].gw.family));
			m->nh[i].gateway.data = m->gw[i];
			m->nh[i].gateway.len = kld_family_bytes(g->nh[i].gw.family);
		}
		m->nhp[i] = &m->nh[i];
		m->route.n_nexthops = i + 1u;
	}
	m->route.nexthops = m->nhp;
}

void zl_zserv_notify(struct zl *zl, uint32_t table, const struct kld_prefix *p,
		     const struct rib_route *r, int status, int err)
{
	struct zl_client *cl = &zl->clients[r->owner];
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__RouteNotify n = KLD__ROUTE_NOTIFY__INIT;
	struct zl_route_msg m;

	if (!cl->conn)
		return;
	zl_route_to_msg(&m, table, p, r);
	n.route = &m.route;
	n.status = (Kld__RouteStatus)status;
	n.reason = (char *)(err ? strerror(-err) : "");
	env.body_case = KLD__ENVELOPE__BODY_ROUTE_NOTIFY;
	env.route_notify = &n;
	kld_ipc_send(cl->conn, &env);
	cl->notifies_out++;
}

static void zl_send_redist(struct kld_ipc_conn *c, uint32_t table, const struct kld_prefix *p,
			   const struct rib_route *r, bool withdrawn)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__RedistRoute rr = KLD__REDIST_ROUTE__INIT;
	struct zl_route_msg m;

	zl_route_to_msg(&m, table, p, r);
	rr.route = &m.route;
	rr.withdrawn = withdrawn;
	env.body_case = KLD__ENVELOPE__BODY_REDIST_ROUTE;
	env.redist_route = &rr;
	kld_ipc_send(c, &env);
}

static bool zl_wants(const struct zl_client *cl, uint8_t family, uint8_t type)
{
	return cl->conn && (cl->redist[family == AF_INET6] & (1u << type));
}

void zl_zserv_route_selected(struct zl *zl, uint32_t table, const struct kld_prefix *p,
			     const struct rib_route *old, const struct rib_route *now)
{
	if (table != RIB_TABLE_MAIN)
		return;
	for (uint16_t i = 1; i < ZL_MAX_CLIENTS; i++) {
		struct zl_client *cl = &zl->clients[i];

		if (old && old != now && zl_wants(cl, p->family, old->type))
			zl_send_redist(cl->conn, table, p, old, true);
		if (now && zl_wants(cl, p->family, now->type) && now->owner != i)
			zl_send_redist(cl->conn, table, p, now, false);
	}
}

struct zl_redist_walk {
	struct zl_client *cl;
	uint8_t type;
};

static int zl_redist_walk_cb(const struct kld_prefix *p, const struct rib_route *list, void *arg)
{
	struct zl_redist_walk *w = arg;

	for (; list; list = list->next)
		if ((list->flags & RIB_F_SELECTED) && list->type == w->type)
			zl_send_redist(w->cl->conn, RIB_TABLE_MAIN, p, list, false);
	return 0;
}

static void zl_handle_redist(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct zl *zl = zl_of(arg);
	const Kld__RedistSubscribe *rs = env->redist_subscribe;
	struct zl_client *cl = zl_client_of(c, NULL);
	static const uint8_t families[] = { AF_INET, AF_INET6 };

	if (!cl)
		return;
	if (rs->type == KLD__ROUTE_TYPE__ROUTE_UNKNOWN || (int)rs->type >= (int)RIB_TYPE_MAX) {
		kld_ipc_close(c, "redistribution of an unknown route type");
		return;
	}
	for (size_t i = 0; i < KLD_ARRAY_SIZE(families); i++) {
		struct zl_redist_walk w = { cl, (uint8_t)rs->type };
		uint32_t bit = 1u << rs->type;

		if (rs->family && rs->family != families[i])
			continue;
		if (rs->unsubscribe) {
			cl->redist[i] &= ~bit;
			continue;
		}
		cl->redist[i] |= bit;
		rib_walk(zl->rib, families[i], RIB_TABLE_MAIN, zl_redist_walk_cb, &w);
	}
}

/* ---- nexthop tracking ---- */

static void zl_nht_send(struct zl *zl, struct zl_client *cl, size_t i)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__NexthopUpdate up = KLD__NEXTHOP_UPDATE__INIT;
	Kld__Prefix addr;
	uint8_t buf[16];
	struct kld_addr a;
	struct kld_prefix via;
	const struct rib_route *r;
	struct zl_route_msg m;
	uint8_t state;

	kld_addr_from_prefix(&a, &cl->nht[i]);
	r = rib_resolve_addr(zl->rib, &a, &via);
	state = r ? 2 : 1;
	if (cl->nht_state[i] == state && !r)
		return;
	cl->nht_state[i] = state;
	zl_prefix_to_msg(&cl->nht[i], &addr, buf);
	up.addr = &addr;
	up.resolved = r != NULL;
	if (r) {
		zl_route_to_msg(&m, RIB_TABLE_MAIN, &via, r);
		up.metric = r->metric;
		up.via_type = (Kld__RouteType)r->type;
		up.n_nexthops = m.route.n_nexthops;
		up.nexthops = m.route.nexthops;
	}
	env.body_case = KLD__ENVELOPE__BODY_NEXTHOP_UPDATE;
	env.nexthop_update = &up;
	kld_ipc_send(cl->conn, &env);
}

void zl_zserv_nht_refresh(struct zl *zl)
{
	for (uint16_t s = 1; s < ZL_MAX_CLIENTS; s++)
		for (size_t i = 0; zl->clients[s].conn && i < zl->clients[s].nnht; i++)
			zl_nht_send(zl, &zl->clients[s], i);
}

static void zl_nht_add(struct zl_client *cl, const struct kld_prefix *p)
{
	for (size_t i = 0; i < cl->nnht; i++)
		if (kld_prefix_eq(&cl->nht[i], p))
			return;
	cl->nht = kld_xrealloc(cl->nht, (cl->nnht + 1) * sizeof(*cl->nht));
	cl->nht_state = kld_xrealloc(cl->nht_state, cl->nnht + 1);
	cl->nht[cl->nnht] = *p;
	cl->nht_state[cl->nnht++] = 0;
}

static void zl_nht_del(struct zl_client *cl, const struct kld_prefix *p)
{
	for (size_t i = 0; i < cl->nnht; i++) {
		if (kld_prefix_eq(&cl->nht[i], p)) {
			cl->nht[i] = cl->nht[--cl->nnht];
			cl->nht_state[i] = cl->nht_state[cl->nnht];
			return;
		}
	}
}

static void zl_handle_nht(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct zl *zl = zl_of(arg);
	const Kld__NexthopRegister *reg = env->nexthop_register;
	struct zl_client *cl = zl_client_of(c, NULL);
	struct kld_prefix p;

	if (!cl)
		return;
	for (size_t i = 0; i < reg->n_addrs; i++) {
		if (zl_prefix_from_msg(reg->addrs[i], &p) < 0) {
			kld_ipc_close(c, "malformed nexthop");
			return;
		}
		if (reg->unregister) {
			zl_nht_del(cl, &p);
			continue;
		}
		zl_nht_add(cl, &p);
		zl_nht_send(zl, cl, cl->nnht - 1);
	}
}

/* ---- interfaces ---- */

static void zl_send_iface(struct kld_ipc_conn *c, const struct zl_iface *ifp, bool deleted)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__Interface m = KLD__INTERFACE__INIT;
	Kld__Prefix pfx[16], *pp[16];
	uint8_t buf[16][16];
	size_t n = 0;

	m.name = (char *)ifp->name;
	m.ifindex = ifp->ifindex;
	m.admin_up = ifp->admin_up;
	m.oper_up = ifp->oper_up;
	m.mtu = ifp->mtu;
	m.kind = (char *)ifp->kind;
	m.alias = (char *)ifp->alias;
	m.mac.data = (uint8_t *)ifp->mac;
	m.mac.len = 6;
	m.deleted = deleted;
	for (const struct zl_addr *a = ifp->addrs; a && n < 16; a = a->next, n++) {
		zl_prefix_to_msg(&a->prefix, &pfx[n], buf[n]);
		pp[n] = &pfx[n];
	}
	m.n_addrs = n;
	m.addrs = pp;
	env.body_case = KLD__ENVELOPE__BODY_INTERFACE;
	env.interface = &m;
	kld_ipc_send(c, &env);
}

void zl_zserv_iface_event(struct zl *zl, const struct zl_iface *ifp, bool deleted)
{
	for (uint16_t s = 1; s < ZL_MAX_CLIENTS; s++)
		if (zl->clients[s].conn && zl->clients[s].ifsub)
			zl_send_iface(zl->clients[s].conn, ifp, deleted);
}

static void zl_handle_ifsub(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct zl *zl = zl_of(arg);
	struct zl_client *cl = zl_client_of(c, NULL);

	if (!cl)
		return;
	cl->ifsub = true;
	for (const struct zl_iface *ifp = zl->ifaces; ifp; ifp = ifp->next)
		zl_send_iface(c, ifp, false);
}

/* Envelope fields 60-79 belong to WireGuard (zl_wg.c). */
#define ZL_WG_FIRST 60
#define ZL_WG_LAST 79
/* Envelope fields 80-99 belong to vxland's links and FDB (zl_vxlan_zserv.c). */
#define ZL_VX_FIRST 80
#define ZL_VX_LAST 99
/* Envelope fields 100-119 belong to the firewall (zl_fw.c). */
#define ZL_FW_FIRST 100
#define ZL_FW_LAST 119
/* Envelope fields 120-127 belong to EVPN (bgpd's side of zl_vxlan_zserv.c). */
#define ZL_EVPN_FIRST 120
#define ZL_EVPN_LAST 127

static struct kld_ipc_ops zl_zserv_ops = {
	.on_up = zl_zserv_up,
	.on_down = zl_zserv_down,
	.may_send = zl_zserv_may_send,
	.handlers = {
		[KLD__ENVELOPE__BODY_ROUTE_ADD] = zl_handle_route_add,
		[KLD__ENVELOPE__BODY_ROUTE_DELETE] = zl_handle_route_delete,
		[KLD__ENVELOPE__BODY_REPLAY_DONE] = zl_handle_replay_done,
		[KLD__ENVELOPE__BODY_REDIST_SUBSCRIBE] = zl_handle_redist,
		[KLD__ENVELOPE__BODY_NEXTHOP_REGISTER] = zl_handle_nht,
		[KLD__ENVELOPE__BODY_INTERFACE_SUBSCRIBE] = zl_handle_ifsub,
		[KLD__ENVELOPE__BODY_BARRIER] = zl_handle_barrier,
		[KLD__ENVELOPE__BODY_CLIENT_GRACE] = zl_handle_client_grace,
	},
};

void zl_zserv_init(struct zl *zl)
{
	zl->hooks.route_owner = zl_owner_of_type;
	zl->hooks.route_adopted = zl_client_start_grace;
	zl->hooks.route_selected = zl_zserv_route_selected;
	zl->hooks.route_notify = zl_zserv_notify;
	zl->hooks.nexthops_changed = zl_zserv_nht_refresh;
	zl->hooks.iface_changed = zl_zserv_iface_event;
}

struct kld_ipc_server *zl_zserv_new(struct zl *zl, const char *path)
{
	for (int i = ZL_WG_FIRST; i <= ZL_WG_LAST; i++)
		zl_zserv_ops.handlers[i] = zl_wg_handle;
	for (int i = ZL_VX_FIRST; i <= ZL_VX_LAST; i++)
		zl_zserv_ops.handlers[i] = zl_vx_handle;
	for (int i = ZL_FW_FIRST; i <= ZL_FW_LAST; i++)
		zl_zserv_ops.handlers[i] = zl_fw_handle;
	for (int i = ZL_EVPN_FIRST; i <= ZL_EVPN_LAST; i++)
		zl_zserv_ops.handlers[i] = zl_vx_handle;
	return kld_ipc_server_new(zl->d.loop, path, "zebra-lite", &zl_zserv_ops, zl);
}

static void zl_zserv_show_unregistered(struct kld_ipc_conn *c, void *arg)
{
	struct zl_conn_ref *ref = kld_ipc_data(c);

	if (ref && !ref->slot)
		vty_out(arg, "Client: %s\n  PID: %u  Connected, owns no routes\n", kld_ipc_peer(c),
			kld_ipc_peer_pid(c));
}

void zl_zserv_client_list(struct zl *zl, struct vty *vty)
{
	vty_out(vty, "Graceful-restart time: %us%s\n",
		zl->grace_secs ? zl->grace_secs : ZL_DEFAULT_GRACE,
		zl->grace_secs ? "" : " (default)");
	vty_out(vty, "Nexthops resolve via default: %s\n", zl->via_default ? "yes" : "no");
	for (uint16_t s = 1; s < ZL_MAX_CLIENTS; s++) {
		struct zl_client *cl = &zl->clients[s];
		long up = cl->conn ? (long)(time(NULL) - cl->connected_at) : 0;

		if (!cl->name[0])
			continue;
		vty_out(vty, "Client: %s\n", cl->name);
		if (cl->conn)
			vty_out(vty, "  PID: %u  Connected: %02ld:%02ld:%02ld\n",
				kld_ipc_peer_pid(cl->conn), up / 3600, up / 60 % 60, up % 60);
		else
			vty_out(vty, "  Not connected%s\n",
				cl->grace && kld_timer_pending(cl->grace) ? " (routes kept: grace time)" : "");
		vty_out(vty, "  Routes received: %llu  Notifications sent: %llu\n",
			(unsigned long long)cl->routes_in, (unsigned long long)cl->notifies_out);
	}
	kld_ipc_server_foreach(zl->zserv, zl_zserv_show_unregistered, vty);
}
