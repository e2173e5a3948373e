/*
 * wgd -> zebra-lite: device state and allowed-ips routes.
 *
 * Changes are coalesced: a command marks its interface dirty and a short
 * timer pushes every dirty interface's whole desired state at once, so a
 * configuration file of 10,000 peer lines costs one WgDeviceSet, not
 * 10,000. zebra-lite answers each set with the interface's ifindex; only
 * then are routes sent, with the ifindex as nexthop (the name would not
 * resolve yet in zebra-lite's interface table, which learns the new link
 * from rtnetlink a moment later).
 *
 * Routes: each allowed-ips prefix of each peer becomes a WireGuard route
 * out of the interface, unless `no install-routes`. Default routes are
 * installed only for full-tunnel interfaces, into the full-tunnel table
 * that zebra-lite's policy rules consult (as wg-quick does); in the main
 * table they would capture the tunnel's own packets.
 *
 * After (re)connecting wgd replays everything and ends with ReplayDone
 * once every device has answered, so zebra-lite sweeps only what wgd no
 * longer wants.
 */
#include <errno.h>
#include <netdb.h>
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "ipc_sync.h"
#include "log.h"
#include "util.h"
#include "wgd.h"

#define WGD_PUSH_DELAY_MS 20
#define WGD_APPLY_MS 10000

static struct kld_ipc_conn *wgd_conn(struct wgd *w)
{
	return w->conn;
}

/* ---- protobuf helpers ---- */

static Kld__Prefix *wgd_prefix_msg(const struct kld_prefix *p)
{
	Kld__Prefix *m = kld_xcalloc(1, sizeof(*m) + 16);

	kld__prefix__init(m);
	m->family = p->family;
	m->len = p->len;
	m->addr.data = (uint8_t *)(m + 1);
	m->addr.len = kld_family_bytes(p->family);
	memcpy(m->addr.data, p->u.bytes, m->addr.len);
	return m;
}

static void wgd_peer_msg_free(Kld__WgPeerConf *pc)
{
	for (size_t i = 0; i < pc->n_allowed_ips; i++)
		free(pc->allowed_ips[i]);
	free(pc->allowed_ips);
	if (pc->preshared_key.data)
		wg_key_wipe(pc->preshared_key.data, pc->preshared_key.len);
	free(pc->preshared_key.data);
	if (pc->endpoint != protobuf_c_empty_string)
		free(pc->endpoint);
	free(pc);
}

static Kld__WgPeerConf *wgd_peer_msg(struct wgd *w, const struct wgd_if *ifp,
				     const struct wgd_epeer *e)
{
	Kld__WgPeerConf *pc = kld_xcalloc(1, sizeof(*pc));
	char err[256];
	const char *ep;

	kld__wg_peer_conf__init(pc);
	pc->public_key.data = (uint8_t *)e->pub;
	pc->public_key.len = WG_KEY_SIZE;
	pc->keepalive = e->keepalive;
	/* The last answer for a name (wgd_dns.c); none yet: no endpoint for
	 * now, the answer pushes again. */
	ep = e->endpoint && w->dns ? wgd_dns_get(w->dns, e->endpoint) : NULL;
	if (ep)
		pc->endpoint = kld_xstrdup(ep);
	pc->endpoint_pending = e->endpoint && !ep;
	if (e->psk_file) {
		pc->preshared_key.data = kld_xmalloc(WG_KEY_SIZE);
		pc->preshared_key.len = WG_KEY_SIZE;
		if (wgd_key_file_load(e->psk_file, pc->preshared_key.data, false, err,
				      sizeof(err)) < 0) {
			kld_warn("%s: preshared key: %s", ifp->name, err);
			free(pc->preshared_key.data);
			pc->preshared_key.data = NULL;
			pc->preshared_key.len = 0;
		}
	}
	pc->n_allowed_ips = e->naips;
	pc->allowed_ips = kld_xcalloc(e->naips + 1, sizeof(*pc->allowed_ips));
	for (size_t i = 0; i < e->naips; i++)
		pc->allowed_ips[i] = wgd_prefix_msg(&e->aips[i]);
	return pc;
}

/* ---- device push ---- */

/* The whole desired state of the device, and the effective peers its
 * messages point into (keys are not copied). */
struct wgd_set {
	Kld__WgDeviceSet m;
	struct wgd_epeer *e;
	size_t ne;
};

/* Free with wgd_set_free. */
static void wgd_set_build(struct wgd *w, struct wgd_if *ifp, struct wgd_set *s)
{
	Kld__WgDeviceSet *m = &s->m;
	struct kld_prefix *addrs;
	size_t na = wgd_if_addrs(w, ifp, &addrs);

	s->ne = wgd_if_epeers(w, ifp, &s->e);
	kld__wg_device_set__init(m);
	m->ifname = ifp->name;
	m->private_key.data = ifp->priv;
	m->private_key.len = WG_KEY_SIZE;
	m->listen_port = wgd_if_port(w, ifp);
	ifp->port_sent = (uint16_t)m->listen_port;
	m->rule_table = wgd_if_ft_table(ifp);
	m->fwmark = ifp->fwmark ? ifp->fwmark : m->rule_table;
	m->mtu = ifp->mtu;
	m->n_addresses = na;
	m->addresses = kld_xcalloc(na + 1, sizeof(*m->addresses));
	for (size_t i = 0; i < na; i++)
		m->addresses[i] = wgd_prefix_msg(&addrs[i]);
	m->n_peers = s->ne;
	m->peers = kld_xcalloc(s->ne + 1, sizeof(*m->peers));
	for (size_t i = 0; i < s->ne; i++)
		m->peers[i] = wgd_peer_msg(w, ifp, &s->e[i]);
	free(addrs);
}

static void wgd_set_free(struct wgd_set *s)
{
	Kld__WgDeviceSet *m = &s->m;

	for (size_t i = 0; i < m->n_addresses; i++)
		free(m->addresses[i]);
	for (size_t i = 0; i < m->n_peers; i++)
		wgd_peer_msg_free(m->peers[i]);
	free(m->addresses);
	free(m->peers);
	wgd_epeers_free(s->e, s->ne);
}

static int wgd_send_set(struct wgd *w, struct wgd_if *ifp, struct kld_ipc_conn *c)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	struct wgd_set s;
	int ret;

	wgd_set_build(w, ifp, &s);
	env.body_case = KLD__ENVELOPE__BODY_WG_DEVICE_SET;
	env.wg_device_set = &s.m;
	ret = kld_ipc_send(c, &env);
	wgd_set_free(&s);
	return ret;
}

static void wgd_push_if(struct wgd *w, struct wgd_if *ifp)
{
	struct kld_ipc_conn *c = wgd_conn(w);

	if (!c || !ifp->has_key)
		return;
	ifp->dirty = false;
	if (wgd_send_set(w, ifp, c) == 0)
		w->pending_results++;
}

/* The meshes' members, for the daemons that follow a mesh through
 * zebra-lite (vxland's `flood mesh`): the whole set, each push. */
static void wgd_send_meshes(struct wgd *w, struct kld_ipc_conn *c)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__WgMeshes ms = KLD__WG_MESHES__INIT;
	size_t n = 0;

	for (struct wgd_mesh *m = w->meshes; m; m = m->next)
		n++;
	ms.meshes = kld_xcalloc(n + 1, sizeof(*ms.meshes));
	for (struct wgd_mesh *m = w->meshes; m; m = m->next) {
		Kld__WgMesh *o = kld_xcalloc(1, sizeof(*o));

		kld__wg_mesh__init(o);
		o->name = m->name;
		o->ifname = m->ifname;
		o->peers = kld_xcalloc(m->nmembers + 1, sizeof(*o->peers));
		for (size_t i = 0; i < m->nmembers; i++)
			if (strcmp(m->members[i].name, m->self))
				o->peers[o->n_peers++] = wgd_prefix_msg(&m->members[i].addr);
		ms.meshes[ms.n_meshes++] = o;
	}
	env.body_case = KLD__ENVELOPE__BODY_WG_MESHES;
	env.wg_meshes = &ms;
	kld_ipc_send(c, &env);
	for (size_t i = 0; i < ms.n_meshes; i++) {
		for (size_t j = 0; j < ms.meshes[i]->n_peers; j++)
			free(ms.meshes[i]->peers[j]);
		free(ms.meshes[i]->peers);
		free(ms.meshes[i]);
	}
	free(ms.meshes);
}

static void wgd_push_timer(void *arg)
{
	struct wgd *w = arg;

	for (struct wgd_if *ifp = w->ifs; ifp; ifp = ifp->next)
		if (ifp->dirty)
			wgd_push_if(w, ifp);
	if (wgd_conn(w))
		wgd_send_meshes(w, wgd_conn(w));
}

void wgd_schedule_push(struct wgd *w, struct wgd_if *ifp)
{
	ifp->dirty = true;
	if (w->push_timer && !kld_timer_pending(w->push_timer))
		kld_timer_arm(w->push_timer, WGD_PUSH_DELAY_MS);
}

void wgd_schedule_mesh(struct wgd *w, const struct wgd_mesh *m)
{
	struct wgd_if *ifp = m->ifname[0] ? wgd_if_get(w, m->ifname, false) : NULL;

	if (ifp)
		wgd_schedule_push(w, ifp);
}

/* ---- routes ---- */

/* The interface's own networks: the kernel routes them out of it already
 * (a spoke's hub peer has the whole overlay). A second, WireGuard route
 * for the same prefix adds nothing and, installed while the kernel adds
 * its own, can replace it and then be withdrawn for the connected one. */
static bool wgd_is_connected(const struct kld_prefix *own, size_t n, const struct kld_prefix *x)
{
	for (size_t i = 0; i < n; i++) {
		struct kld_prefix net = own[i];

		kld_prefix_mask(&net);
		if (kld_prefix_eq(&net, x))
			return true;
	}
	return false;
}

static size_t wgd_want_routes(struct wgd *w, struct wgd_if *ifp, struct wgd_route **out)
{
	uint32_t ft = wgd_if_ft_table(ifp);
	struct wgd_route *r = NULL;
	struct wgd_epeer *e;
	struct kld_prefix *own;
	size_t ne = wgd_if_epeers(w, ifp, &e), n = 0, cap = 0;
	size_t nown = wgd_if_addrs(w, ifp, &own);

	for (size_t i = 0; i < ne; i++) {
		for (size_t j = 0; j < e[i].naips; j++) {
			bool dflt = e[i].aips[j].len == 0;

			if ((dflt && !ft) || (!dflt && ifp->no_routes) ||
			    (!dflt && wgd_is_connected(own, nown, &e[i].aips[j])))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 16;
				r = kld_xrealloc(r, cap * sizeof(*r));
			}
			r[n].prefix = e[i].aips[j];
			r[n].table = dflt ? ft : 0;
			n++;
		}
	}
	wgd_epeers_free(e, ne);
	free(own);
	*out = r;
	return n;
}

static int wgd_route_cmp(const void *a, const void *b)
{
	const struct wgd_route *x = a, *y = b;

	if (x->table != y->table)
		return x->table < y->table ? -1 : 1;
	return kld_prefix_cmp(&x->prefix, &y->prefix);
}

static void wgd_send_routes(struct kld_ipc_conn *c, const struct wgd_route *r, size_t n,
			    uint32_t ifindex, bool del)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__RouteAdd add = KLD__ROUTE_ADD__INIT;
	Kld__Nexthop nh = KLD__NEXTHOP__INIT;
	Kld__Nexthop *nhs[1] = {&nh};
	Kld__Route *rs, **rp;

	if (!n)
		return;
	rs = kld_xcalloc(n, sizeof(*rs));
	rp = kld_xcalloc(n, sizeof(*rp));
	nh.ifindex = ifindex;
	for (size_t i = 0; i < n; i++) {
		kld__route__init(&rs[i]);
		rs[i].prefix = wgd_prefix_msg(&r[i].prefix);
		rs[i].type = KLD__ROUTE_TYPE__ROUTE_WIREGUARD;
		rs[i].table = r[i].table;
		rs[i].n_nexthops = 1;
		rs[i].nexthops = nhs;
		rp[i] = &rs[i];
	}
	/* RouteAdd and RouteDelete have the same shape. */
	add.n_routes = n;
	add.routes = rp;
	if (del) {
		env.body_case = KLD__ENVELOPE__BODY_ROUTE_DELETE;
		env.route_delete = (Kld__RouteDelete *)&add;
	} else {
		env.body_case = KLD__ENVELOPE__BODY_ROUTE_ADD;
		env.route_add = &add;
	}
	kld_ipc_send(c, &env);
	for (size_t i = 0; i < n; i++)
		free(rs[i].prefix);
	free(rs);
	free(rp);
}

/* Bring zebra-lite's routes of this interface to what is wanted; all of
 * them again when the ifindex changed or after a reconnect. */
static void wgd_routes_sync(struct wgd *w, struct wgd_if *ifp, uint32_t ifindex, bool all)
{
	struct kld_ipc_conn *c = wgd_conn(w);
	struct wgd_route *want, *add, *del;
	size_t nw = wgd_want_routes(w, ifp, &want), na = 0, nd = 0;

	if (!c) {
		free(want);
		return;
	}
	all = all || ifindex != ifp->ifindex;
	add = kld_xcalloc(nw + 1, sizeof(*add));
	del = kld_xcalloc(ifp->nsent + 1, sizeof(*del));
	/* Both lists sorted: one merge finds what to add and withdraw. */
	qsort(want, nw, sizeof(*want), wgd_route_cmp);
	for (size_t i = 0, j = 0; i < nw || j < ifp->nsent;) {
		int d = i == nw ? 1 : j == ifp->nsent ? -1 : wgd_route_cmp(&want[i], &ifp->sent[j]);

		if (d < 0 || (d == 0 && all))
			add[na++] = want[i];
		if (d > 0)
			del[nd++] = ifp->sent[j];
		i += d <= 0;
		j += d >= 0;
	}
	wgd_send_routes(c, del, nd, ifindex, true);
	wgd_send_routes(c, add, na, ifindex, false);
	free(add);
	free(del);
	free(ifp->sent);
	ifp->sent = want;
	ifp->nsent = nw;
	ifp->ifindex = ifindex;
}

void wgd_zebra_delete(struct wgd *w, struct wgd_if *ifp)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__WgDeviceDelete d = KLD__WG_DEVICE_DELETE__INIT;
	struct kld_ipc_conn *c = wgd_conn(w);

	if (!c)
		return;
	wgd_send_routes(c, ifp->sent, ifp->nsent, ifp->ifindex, true);
	d.ifname = ifp->name;
	env.body_case = KLD__ENVELOPE__BODY_WG_DEVICE_DELETE;
	env.wg_device_delete = &d;
	if (kld_ipc_send(c, &env) == 0)
		w->pending_results++; /* answered like a set */
}

/* ---- messages from zebra-lite ---- */

static void wgd_send_wg_replay_done(struct wgd *w, struct kld_ipc_conn *c)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__WgReplayDone rd = KLD__WG_REPLAY_DONE__INIT;
	size_t n = 0;

	for (struct wgd_if *ifp = w->ifs; ifp; ifp = ifp->next)
		n++;
	rd.ifnames = kld_xcalloc(n + 1, sizeof(*rd.ifnames));
	for (struct wgd_if *ifp = w->ifs; ifp; ifp = ifp->next)
		rd.ifnames[rd.n_ifnames++] = ifp->name;
	env.body_case = KLD__ENVELOPE__BODY_WG_REPLAY_DONE;
	env.wg_replay_done = &rd;
	kld_ipc_send(c, &env);
	free(rd.ifnames);
}

static void wgd_replay_done(struct wgd *w, struct kld_ipc_conn *c)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__ReplayDone rd = KLD__REPLAY_DONE__INIT;

	w->replaying = false;
	wgd_send_wg_replay_done(w, c);
	env.body_case = KLD__ENVELOPE__BODY_REPLAY_DONE;
	env.replay_done = &rd;
	kld_ipc_send(c, &env);
	kld_info("replayed to zebra-lite");
}

static void wgd_on_result(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct wgd *w = arg;
	const Kld__WgDeviceResult *r = env->wg_device_result;
	struct wgd_if *ifp = wgd_if_get(w, r->ifname, false);

	if (w->pending_results)
		w->pending_results--;
	if (ifp && r->error) {
		snprintf(ifp->last_error, sizeof(ifp->last_error), "%s", r->reason);
		kld_warn("%s: zebra-lite could not program the device: %s", ifp->name, r->reason);
	} else if (ifp && r->ifindex) {
		ifp->last_error[0] = '\0';
		wgd_routes_sync(w, ifp, r->ifindex, w->replaying);
	}
	if (w->replaying && !w->pending_results)
		wgd_replay_done(w, c);
}

static void wgd_on_up(struct kld_ipc_conn *c, void *arg)
{
	struct wgd *w = arg;

	kld_info("connected to zebra-lite; replaying");
	w->conn = c;
	w->replaying = true;
	w->pending_results = 0;
	for (struct wgd_if *ifp = w->ifs; ifp; ifp = ifp->next)
		wgd_push_if(w, ifp);
	wgd_send_meshes(w, c);
	if (!w->pending_results)
		wgd_replay_done(w, c);
}

static void wgd_on_down(struct kld_ipc_conn *c, void *arg)
{
	struct wgd *w = arg;

	kld_info("lost zebra-lite; will replay on reconnect");
	w->conn = NULL;
	w->replaying = false;
	w->pending_results = 0;
}

/* Failures are the kernel's verdict on one of our routes: worth a line. */
static void wgd_on_notify(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	const Kld__RouteNotify *n = env->route_notify;
	struct kld_prefix p;
	char pb[KLD_PREFIX_STRLEN];

	if (n->status != KLD__ROUTE_STATUS__ROUTE_FAILED || !n->route || !n->route->prefix)
		return;
	if (kld_prefix_set(&p, (uint8_t)n->route->prefix->family, n->route->prefix->addr.data,
			   (uint8_t)n->route->prefix->len) < 0)
		return;
	kld_log_rl(LOG_WARNING, "route %s refused by the kernel: %s",
		   kld_prefix_fmt(&p, pb, sizeof(pb)), n->reason);
}

struct wgd_zebra_hooks wgd_zebra_hooks;

static void wgd_on_state(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	if (wgd_zebra_hooks.on_state)
		wgd_zebra_hooks.on_state(arg, env->wg_state);
}

void wgd_zebra_request_state(struct wgd *w)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__WgStateRequest sr = KLD__WG_STATE_REQUEST__INIT;
	struct kld_ipc_conn *c = wgd_conn(w);

	if (!c)
		return;
	sr.ifname = (char *)"";
	env.body_case = KLD__ENVELOPE__BODY_WG_STATE_REQUEST;
	env.wg_state_request = &sr;
	kld_ipc_send(c, &env);
}

const struct kld_ipc_ops wgd_zebra_ops = {
    .on_up = wgd_on_up,
    .on_down = wgd_on_down,
    .handlers =
	{
	    [KLD__ENVELOPE__BODY_WG_DEVICE_RESULT] = wgd_on_result,
	    [KLD__ENVELOPE__BODY_ROUTE_NOTIFY] = wgd_on_notify,
	    [KLD__ENVELOPE__BODY_WG_STATE] = wgd_on_state,
	},
};

/* ---- synchronous requests: show, metrics, commands ---- */

/* One request and its answer on a short connection of its own (the main
 * one is never blocked or replaced). NULL when zebra-lite does not answer
 * or answers with something else. */
static Kld__Envelope *wgd_query(struct wgd *w, Kld__Envelope *req, int timeout_ms,
				int want_case)
{
	char path[PATH_MAX + 32], peer[32];
	Kld__Envelope *rep;
	int fd;

	kld_daemon_path(&w->p.d, "zserv.sock", path, sizeof(path));
	fd = kld_sync_connect(path, "wgd-query", 2000, peer, sizeof(peer));
	if (fd < 0)
		return NULL;
	rep = kld_sync_request(fd, req, timeout_ms);
	close(fd);
	if (rep && (int)rep->body_case != want_case) {
		kld_frame_free(rep);
		return NULL;
	}
	return rep;
}

Kld__Envelope *wgd_fetch_state(struct wgd *w, const char *ifname)
{
	Kld__Envelope req = KLD__ENVELOPE__INIT;
	Kld__WgStateRequest sr = KLD__WG_STATE_REQUEST__INIT;

	sr.ifname = (char *)(ifname ? ifname : "");
	req.body_case = KLD__ENVELOPE__BODY_WG_STATE_REQUEST;
	req.wg_state_request = &sr;
	return wgd_query(w, &req, 5000, KLD__ENVELOPE__BODY_WG_STATE);
}

int wgd_apply_now(struct wgd *w, struct wgd_if *ifp, char *err, size_t errsize)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT, *rep;
	struct wgd_set s;
	int ret = 0;

	if (!w->conn || !ifp->has_key) {
		wgd_schedule_push(w, ifp);
		return 0;
	}
	wgd_set_build(w, ifp, &s);
	env.body_case = KLD__ENVELOPE__BODY_WG_DEVICE_SET;
	env.wg_device_set = &s.m;
	/* Creating a device may start wireguard-go: give it time. */
	rep = wgd_query(w, &env, WGD_APPLY_MS, KLD__ENVELOPE__BODY_WG_DEVICE_RESULT);
	wgd_set_free(&s);
	if (rep && rep->wg_device_result->error) {
		snprintf(err, errsize, "%s: %s", ifp->name, rep->wg_device_result->reason);
		ret = -1;
	}
	kld_frame_free(rep);
	/* Either way the main connection gets the state that stands (the
	 * new one, or the old one after the caller's undo): it orders the
	 * device's sets and brings the routes. */
	wgd_schedule_push(w, ifp);
	return ret;
}

/* A name answered with another address: every plane is pushed again (the
 * reconciliation in zebra-lite sends the device only what changed). */
static void wgd_dns_changed(void *arg)
{
	struct wgd *w = arg;

	for (struct wgd_if *ifp = w->ifs; ifp; ifp = ifp->next)
		wgd_schedule_push(w, ifp);
}

int wgd_zebra_init(struct wgd *w)
{
	w->push_timer = kld_timer_new(w->p.d.loop, wgd_push_timer, w);
	w->dns = wgd_dns_new(w->p.d.loop, wgd_dns_changed, w);
	return w->dns ? 0 : -1;
}

void wgd_zebra_fini(struct wgd *w)
{
	kld_timer_free(w->push_timer);
	w->push_timer = NULL;
	wgd_dns_free(w->dns);
	w->dns = NULL;
}
