/*
 * zebra-lite's WireGuard devices: wgd asks, zebra-lite programs them
 * through the back end that fits this machine (wg_backend.c) and sets
 * addresses, MTU, link state and full-tunnel rules with rtnetlink.
 *
 * wgd always sends the whole desired state of a device (WgDeviceSet).
 * Programming is a reconciliation: read the device, compare, and send
 * the back end only what differs -- the private key, port or mark when
 * they changed, each peer that is new or changed (with its own update
 * flags, never replace-peers), a remove for each peer that is no longer
 * wanted. Replace-peers is used once, when the interface is created. So
 * a live peer add, wgd's replay after its restart and our own restart
 * (wireguard-go keeps running, its socket is found and adopted) all
 * leave untouched peers, their sessions and their handshakes alone.
 *
 * Devices are never deleted because a client went away: WireGuard
 * traffic must survive a wgd restart. Only WgDeviceDelete removes one.
 *
 * What zebra-lite remembers per device is what it alone added through
 * rtnetlink (addresses and rules), so that a later set can remove what
 * is no longer asked for.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <net/if.h>
#include <sys/socket.h>
#include "log.h"
#include "nl.h"
#include "util.h"
#include "wg_dev.h"
#include "zl.h"
#include "zl_vxlan.h"

#define ZL_WG_RULE_PRIO_SUPPRESS 32764
#define ZL_WG_RULE_PRIO_MARK 32765
#define ZL_WG_DEFAULT_MTU 1420 /* what wg-quick, wireguard-go and the kernel start with */

/* An endpoint wgd asked a peer to have. */
struct zl_wg_asked {
	uint8_t key[WG_KEY_SIZE];
	union wg_endpoint ep;
};

/* What a WireGuard device has until told otherwise (kernel, wireguard-go). */
#define ZL_WG_DEFAULT_MTU 1420

struct zl_wg_dev {
	char name[IFNAMSIZ];
	uint32_t ifindex;
	struct kld_prefix *addrs;
	size_t naddrs;
	uint32_t rule_table;
	uint32_t rule_mark; /* the device's fwmark the rule exempts */
	/* The port wgd asked for last (0: none, the device picks). Going back
	 * to 0 needs a new random port, not the one that was configured: an
	 * operator who removes the port wants it closed. */
	uint16_t port_asked;
	uint32_t mtu_asked; /* the same for the MTU (0: the default) */
	/* The same for endpoints, sorted by key: a peer whose endpoint is no
	 * longer asked for forgets the one that was (not one it roamed to). */
	struct zl_wg_asked *asked;
	size_t nasked;
	struct zl_wg_dev *next;
};

struct zl_wg {
	struct wg_backend *be;
	int be_err;
	struct zl_wg_dev *devs;
	void (*hooks[4])(struct zl *zl); /* zl_wg_hook_add */
};

static struct zl_wg *zl_wg_of(struct zl *zl)
{
	return zl->wg;
}

int zl_wg_init(struct zl *zl)
{
	struct wg_backend_config cfg = {.kind = WG_BACKEND_AUTO};
	struct zl_wg *w = kld_xcalloc(1, sizeof(*w));

	zl->wg = w;
	/* A machine without WireGuard at all still runs zebra-lite; wgd's
	 * requests are then answered with the reason. */
	w->be_err = wg_backend_open(&cfg, &w->be);
	if (w->be_err < 0)
		kld_warn("wireguard: no back end available: %s", strerror(-w->be_err));
	else
		kld_info("wireguard: back end %s", wg_backend_kind_name(w->be));
	return 0;
}

void zl_wg_hook_add(struct zl *zl, void (*fn)(struct zl *zl))
{
	struct zl_wg *w = zl_wg_of(zl);

	for (size_t i = 0; w && i < KLD_ARRAY_SIZE(w->hooks); i++) {
		if (!w->hooks[i]) {
			w->hooks[i] = fn;
			return;
		}
	}
}

static void zl_wg_hooks_run(struct zl *zl)
{
	struct zl_wg *w = zl_wg_of(zl);

	for (size_t i = 0; i < KLD_ARRAY_SIZE(w->hooks) && w->hooks[i]; i++)
		w->hooks[i](zl);
}

static void zl_wg_dev_free(struct zl_wg_dev *d)
{
	free(d->asked);
	free(d->addrs);
	free(d);
}

void zl_wg_fini(struct zl *zl)
{
	struct zl_wg *w = zl_wg_of(zl);

	if (!w)
		return;
	while (w->devs) {
		struct zl_wg_dev *d = w->devs;

		w->devs = d->next;
		zl_wg_dev_free(d);
	}
	wg_backend_free(w->be);
	free(w);
	zl->wg = NULL;
}

void zl_wg_client_down(struct zl *zl, struct kld_ipc_conn *c)
{
	/* Devices outlive their client on purpose (see the top). */
	(void)zl;
	(void)c;
}

static struct zl_wg_dev *zl_wg_dev_get(struct zl_wg *w, const char *name, bool create)
{
	return KLD_NAMED_GET(&w->devs, struct zl_wg_dev, name, create);
}

/* ---- messages to structs ---- */

static int zl_wg_prefix_in(const Kld__Prefix *in, struct kld_prefix *p, bool host_bits)
{
	if (!in || (in->family != AF_INET && in->family != AF_INET6) ||
	    in->addr.len != kld_family_bytes((uint8_t)in->family) ||
	    in->len > kld_family_bits((uint8_t)in->family))
		return -1;
	memset(p, 0, sizeof(*p));
	p->family = (uint8_t)in->family;
	p->len = (uint8_t)in->len;
	memcpy(p->u.bytes, in->addr.data, in->addr.len);
	if (!host_bits)
		kld_prefix_mask(p);
	return 0;
}

static void zl_wg_prefix_out(const struct kld_prefix *p, Kld__Prefix *out, uint8_t *buf)
{
	kld__prefix__init(out);
	out->family = p->family;
	out->len = p->len;
	memcpy(buf, p->u.bytes, kld_family_bytes(p->family));
	out->addr.data = buf;
	out->addr.len = kld_family_bytes(p->family);
}

static int zl_wg_peer_in(struct wg_device *dev, const Kld__WgPeerConf *in)
{
	struct wg_peer *peer;
	struct kld_prefix p;

	if (in->public_key.len != WG_KEY_SIZE ||
	    (in->preshared_key.len && in->preshared_key.len != WG_KEY_SIZE))
		return -1;
	peer = wg_device_add_peer(dev, in->public_key.data);
	peer->flags =
	    WG_PEER_HAS_PRESHARED_KEY | WG_PEER_HAS_KEEPALIVE | WG_PEER_REPLACE_ALLOWEDIPS;
	if (in->preshared_key.len)
		memcpy(peer->preshared_key, in->preshared_key.data, WG_KEY_SIZE);
	if (in->keepalive > 65535)
		return -1;
	peer->keepalive = (uint16_t)in->keepalive;
	if (in->endpoint[0] &&
	    wg_endpoint_parse(&peer->endpoint, in->endpoint, strlen(in->endpoint)) < 0)
		return -1;
	for (size_t i = 0; i < in->n_allowed_ips; i++) {
		if (zl_wg_prefix_in(in->allowed_ips[i], &p, false) < 0)
			return -1;
		wg_peer_add_allowedip(peer, &p);
	}
	return 0;
}

/* The wanted device; NULL when the message is malformed. */
static struct wg_device *zl_wg_device_in(const Kld__WgDeviceSet *m)
{
	struct wg_device *dev = wg_device_new(m->ifname);

	if (!dev || m->private_key.len != WG_KEY_SIZE || m->listen_port > 65535)
		goto bad;
	memcpy(dev->private_key, m->private_key.data, WG_KEY_SIZE);
	dev->listen_port = (uint16_t)m->listen_port;
	dev->fwmark = m->fwmark;
	for (size_t i = 0; i < m->n_peers; i++)
		if (zl_wg_peer_in(dev, m->peers[i]) < 0)
			goto bad;
	return dev;
bad:
	wg_device_free(dev);
	return NULL;
}

/* ---- reconciliation ---- */

static int zl_wg_peer_cmp(const void *a, const void *b)
{
	/* Public keys are not secret: memcmp ordering is fine. */
	return memcmp(((const struct wg_peer *)a)->public_key,
		      ((const struct wg_peer *)b)->public_key, WG_KEY_SIZE);
}

static struct wg_peer *zl_wg_find_sorted(const struct wg_device *dev, const uint8_t *key)
{
	struct wg_peer k;

	memcpy(k.public_key, key, WG_KEY_SIZE);
	return bsearch(&k, dev->peers, dev->n_peers, sizeof(*dev->peers), zl_wg_peer_cmp);
}

static bool zl_wg_has_prefix(const struct wg_peer *p, const struct kld_prefix *x)
{
	for (size_t i = 0; i < p->n_allowedips; i++)
		if (kld_prefix_eq(&p->allowedips[i], x))
			return true;
	return false;
}

static bool zl_wg_peer_same(const struct wg_peer *cur, const struct wg_peer *want)
{
	if (!wg_key_equal(cur->preshared_key, want->preshared_key) ||
	    cur->keepalive != want->keepalive || cur->n_allowedips != want->n_allowedips)
		return false;
	/* No endpoint wanted: keep whatever the peer roamed to. */
	if (want->endpoint.sa.sa_family && !wg_endpoint_eq(&cur->endpoint, &want->endpoint))
		return false;
	for (size_t i = 0; i < want->n_allowedips; i++)
		if (!zl_wg_has_prefix(cur, &want->allowedips[i]))
			return false;
	return true;
}

static void zl_wg_copy_peer(struct wg_device *to, const struct wg_peer *p)
{
	struct wg_peer *n = wg_device_add_peer(to, p->public_key);

	memcpy(n->preshared_key, p->preshared_key, WG_KEY_SIZE);
	n->endpoint = p->endpoint;
	n->keepalive = p->keepalive;
	n->flags = p->flags;
	for (size_t i = 0; i < p->n_allowedips; i++)
		wg_peer_add_allowedip(n, &p->allowedips[i]);
}

/* A peer the device does not have yet needs no defaults spelt out: that
 * keeps the first set of a ten-thousand-peer device short. */
static void zl_wg_trim_new(struct wg_peer *p)
{
	p->flags &= ~(uint32_t)WG_PEER_REPLACE_ALLOWEDIPS;
	if (wg_key_is_zero(p->preshared_key))
		p->flags &= ~(uint32_t)WG_PEER_HAS_PRESHARED_KEY;
	if (!p->keepalive)
		p->flags &= ~(uint32_t)WG_PEER_HAS_KEEPALIVE;
}

static bool zl_wg_wanted(const struct wg_device *want, const uint8_t *key)
{
	return zl_wg_find_sorted(want, key) != NULL;
}

static int zl_wg_asked_cmp(const void *a, const void *b)
{
	return memcmp(((const struct zl_wg_asked *)a)->key, ((const struct zl_wg_asked *)b)->key,
		      WG_KEY_SIZE);
}

static const struct zl_wg_asked *zl_wg_asked_find(const struct zl_wg_asked *v, size_t n,
						  const uint8_t *key)
{
	struct zl_wg_asked k;

	memcpy(k.key, key, WG_KEY_SIZE);
	return n ? bsearch(&k, v, n, sizeof(*v), zl_wg_asked_cmp) : NULL;
}

/* Endpoints to forget: asked for last time, not now, and still the
 * device's (a peer that roamed since keeps where it went). */
struct zl_wg_forget {
	const struct zl_wg_asked *v;
	size_t n;
};

static bool zl_wg_forgets(const struct zl_wg_forget *f, const struct wg_peer *cur,
			  const struct wg_peer *want)
{
	const struct zl_wg_asked *a;

	if (!f || want->endpoint.sa.sa_family)
		return false;
	a = zl_wg_asked_find(f->v, f->n, want->public_key);
	return a && wg_endpoint_eq(&a->ep, &cur->endpoint);
}

/* What must be sent to turn cur into want (want's peers are sorted).
 * port_was: the port asked for before; when it was explicit and now none
 * is, the device gets a random one (port 0) instead of keeping it; a peer in
 * forget loses its endpoint. */
static struct wg_device *zl_wg_delta(struct wg_device *cur, const struct wg_device *want,
				     uint16_t port_was, const struct zl_wg_forget *forget)
{
	struct wg_device *d = wg_device_new(want->name);

	if (!wg_key_equal(cur->private_key, want->private_key)) {
		memcpy(d->private_key, want->private_key, WG_KEY_SIZE);
		d->flags |= WG_DEV_HAS_PRIVATE_KEY;
	}
	if (!want->listen_port && port_was && cur->listen_port == port_was) {
		d->listen_port = 0;
		d->flags |= WG_DEV_HAS_LISTEN_PORT;
	} else if (want->listen_port && want->listen_port != cur->listen_port) {
		d->listen_port = want->listen_port;
		d->flags |= WG_DEV_HAS_LISTEN_PORT;
	}
	if (want->fwmark != cur->fwmark) {
		d->fwmark = want->fwmark;
		d->flags |= WG_DEV_HAS_FWMARK;
	}
	qsort(cur->peers, cur->n_peers, sizeof(*cur->peers), zl_wg_peer_cmp);
	for (size_t i = 0; i < want->n_peers; i++) {
		struct wg_peer *c = zl_wg_find_sorted(cur, want->peers[i].public_key);

		if (!c) {
			zl_wg_copy_peer(d, &want->peers[i]);
			zl_wg_trim_new(&d->peers[d->n_peers - 1]);
		} else if (zl_wg_forgets(forget, c, &want->peers[i])) {
			/* WireGuard has no "clear endpoint": remove, add anew. */
			wg_device_add_peer(d, c->public_key)->flags = WG_PEER_REMOVE;
			zl_wg_copy_peer(d, &want->peers[i]);
			zl_wg_trim_new(&d->peers[d->n_peers - 1]);
		} else if (!zl_wg_peer_same(c, &want->peers[i])) {
			zl_wg_copy_peer(d, &want->peers[i]);
		}
	}
	for (size_t i = 0; i < cur->n_peers; i++) {
		if (zl_wg_wanted(want, cur->peers[i].public_key))
			continue;
		wg_device_add_peer(d, cur->peers[i].public_key)->flags = WG_PEER_REMOVE;
	}
	return d;
}

/* The operator's words for what the back end refused. */
static void zl_wg_why(const struct wg_device *sent, int err, char *why, size_t size)
{
	if (err == -EADDRINUSE && (sent->flags & WG_DEV_HAS_LISTEN_PORT) && sent->listen_port)
		snprintf(why, size, "listen-port %u: %s", sent->listen_port, strerror(-err));
	else
		snprintf(why, size, "%s", strerror(-err));
}

/* The device is missing (or unreadable): make it and set it whole. */
static int zl_wg_create(struct zl_wg *w, struct wg_device *want, char *why, size_t size)
{
	int ret = wg_backend_add_interface(w->be, want->name);
	bool existed = ret == -EEXIST;

	if (ret < 0 && !existed) {
		snprintf(why, size, "cannot create it: %s", strerror(-ret));
		return ret;
	}
	want->flags |= WG_DEV_HAS_PRIVATE_KEY | WG_DEV_HAS_LISTEN_PORT | WG_DEV_HAS_FWMARK |
		       WG_DEV_REPLACE_PEERS;
	for (size_t i = 0; i < want->n_peers; i++)
		zl_wg_trim_new(&want->peers[i]);
	ret = wg_backend_set_device(w->be, want);
	if (ret == 0)
		return 0;
	if (existed && ret != -EADDRINUSE) {
		/* Something has the name and no back end could read or set it
		 * as WireGuard: not ours to touch, let alone delete. */
		snprintf(why, size, "%s exists and is not a WireGuard interface (%s)", want->name,
			 strerror(-ret));
		return ret;
	}
	zl_wg_why(want, ret, why, size);
	/* Half a device (down, no address, maybe a random port) is worse
	 * than none: a refused set changes nothing. */
	if (!existed)
		wg_backend_del_interface(w->be, want->name);
	return ret;
}

/* A refused set may have half happened: wireguard-go that could not bind
 * the new port is left with none. Put back what the device had; wgd then
 * sends the state it falls back to, which reconciles the peers. */
static void zl_wg_restore(struct zl_wg *w, const struct wg_device *cur,
			  const struct wg_device *delta)
{
	struct wg_device *back = wg_device_new(cur->name);

	back->flags = delta->flags & (WG_DEV_HAS_LISTEN_PORT | WG_DEV_HAS_FWMARK);
	back->listen_port = cur->listen_port;
	back->fwmark = cur->fwmark;
	if (back->flags && wg_backend_set_device(w->be, back) < 0)
		kld_warn("wireguard: %s: cannot restore port %u after a refused change", cur->name,
			 cur->listen_port);
	wg_device_free(back);
}

static int zl_wg_program(struct zl_wg *w, struct wg_device *want, uint16_t port_was,
			 const struct zl_wg_forget *forget, bool *created, char *why, size_t size)
{
	struct wg_device *cur = NULL, *delta;
	int ret;

	*created = false;
	qsort(want->peers, want->n_peers, sizeof(*want->peers), zl_wg_peer_cmp);
	if (wg_backend_get_device(w->be, want->name, &cur) < 0) {
		ret = zl_wg_create(w, want, why, size);
		*created = ret == 0;
		return ret;
	}
	delta = zl_wg_delta(cur, want, port_was, forget);
	ret = 0;
	if (delta->flags || delta->n_peers)
		ret = wg_backend_set_device(w->be, delta);
	if (ret < 0) {
		zl_wg_why(delta, ret, why, size);
		zl_wg_restore(w, cur, delta);
	}
	wg_device_free(cur);
	wg_device_free(delta);
	return ret;
}

/* ---- rtnetlink side: addresses, MTU, up, rules ---- */

static void zl_wg_addr(struct zl *zl, uint32_t ifindex, const struct kld_prefix *p, bool del)
{
	struct zl_nl_addr a;

	memset(&a, 0, sizeof(a));
	a.ifindex = (int)ifindex;
	kld_addr_from_prefix(&a.addr, p);
	a.prefixlen = p->len;
	if (del)
		zl_nl_addr_delete(zl->nl, &a, ZL_COOKIE_OTHER);
	else
		zl_nl_addr_add(zl->nl, &a, ZL_COOKIE_OTHER);
}

static bool zl_wg_prefix_listed(const struct kld_prefix *list, size_t n, const struct kld_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(&list[i], p, sizeof(*p)))
			return true;
	return false;
}

static void zl_wg_set_addrs(struct zl *zl, struct zl_wg_dev *d, const Kld__WgDeviceSet *m)
{
	struct kld_prefix *want = kld_xcalloc(m->n_addresses + 1, sizeof(*want));
	size_t n = 0;

	for (size_t i = 0; i < m->n_addresses; i++)
		if (zl_wg_prefix_in(m->addresses[i], &want[n], true) == 0)
			n++;
	for (size_t i = 0; i < d->naddrs; i++)
		if (!zl_wg_prefix_listed(want, n, &d->addrs[i]))
			zl_wg_addr(zl, d->ifindex, &d->addrs[i], true);
	for (size_t i = 0; i < n; i++)
		zl_wg_addr(zl, d->ifindex, &want[i], false);
	free(d->addrs);
	d->addrs = want;
	d->naddrs = n;
}

static void zl_wg_rules(struct zl *zl, uint32_t table, uint32_t mark, bool del)
{
	static const uint8_t fams[] = {AF_INET, AF_INET6};
	struct zl_nl_rule r;

	for (size_t i = 0; i < KLD_ARRAY_SIZE(fams); i++) {
		memset(&r, 0, sizeof(r));
		r.family = fams[i];
		r.priority = ZL_WG_RULE_PRIO_MARK;
		r.table = table;
		r.invert = true;
		r.fwmark = mark ? mark : table;
		r.suppress_prefixlen = -1;
		if (del)
			zl_nl_rule_delete(zl->nl, &r, ZL_COOKIE_OTHER);
		else
			zl_nl_rule_add(zl->nl, &r, ZL_COOKIE_OTHER);
		memset(&r, 0, sizeof(r));
		r.family = fams[i];
		r.priority = ZL_WG_RULE_PRIO_SUPPRESS;
		r.table = 0;
		r.suppress_prefixlen = 0;
		if (del)
			zl_nl_rule_delete(zl->nl, &r, ZL_COOKIE_OTHER);
		else
			zl_nl_rule_add(zl->nl, &r, ZL_COOKIE_OTHER);
	}
}

static void zl_wg_set_link(struct zl *zl, struct zl_wg_dev *d, const Kld__WgDeviceSet *m)
{
	if (!zl->nl || !d->ifindex)
		return;
	/* No `mtu` is 1420 (doc/wgd.md): `no mtu` after `mtu N`, and an MTU
	 * changed behind our back, get it back. Only when it differs: a
	 * setlink of the same MTU still notifies every listener. */
	const struct zl_iface *ifp = zl_iface_by_name(zl, d->name);
	uint32_t mtu = m->mtu ? m->mtu : ZL_WG_DEFAULT_MTU;

	if (!ifp || ifp->mtu != mtu || m->mtu != d->mtu_asked)
		zl_nl_link_set_mtu(zl->nl, (int)d->ifindex, mtu, ZL_COOKIE_OTHER);
	d->mtu_asked = m->mtu;
	zl_wg_set_addrs(zl, d, m);
	zl_nl_link_set_up(zl->nl, (int)d->ifindex, true, ZL_COOKIE_OTHER);
	if (d->rule_table != m->rule_table || d->rule_mark != m->fwmark) {
		if (d->rule_table)
			zl_wg_rules(zl, d->rule_table, d->rule_mark, true);
		if (m->rule_table)
			zl_wg_rules(zl, m->rule_table, m->fwmark, false);
		/* As wg-quick: replies to the tunnel's own (marked) packets pass
		 * a strict rp_filter. Left on when the tunnel goes, as it does. */
		if (m->rule_table &&
		    zl_sysctl_set("/proc/sys/net/ipv4/conf/all/src_valid_mark", "1") < 0)
			kld_warn("wireguard: %s: cannot set src_valid_mark: %m", d->name);
		d->rule_table = m->rule_table;
		d->rule_mark = m->fwmark;
	}
	zl_schedule_work(zl);
}

/* ---- handlers ---- */

static void zl_wg_reply(struct kld_ipc_conn *c, uint32_t seq, const char *ifname, uint32_t ifindex,
			int err, const char *why)
{
	Kld__Envelope out = KLD__ENVELOPE__INIT;
	Kld__WgDeviceResult r = KLD__WG_DEVICE_RESULT__INIT;

	r.ifname = (char *)ifname;
	r.ifindex = ifindex;
	r.error = err;
	r.reason = (char *)(!err ? "" : why && why[0] ? why : strerror(-err));
	out.seq = seq;
	out.body_case = KLD__ENVELOPE__BODY_WG_DEVICE_RESULT;
	out.wg_device_result = &r;
	kld_ipc_send(c, &out);
}

/* The endpoints this set stops asking for: not given, not pending (a name
 * wgd has not resolved yet keeps what the device has). */
static void zl_wg_forget_list(const struct zl_wg_dev *d, const Kld__WgDeviceSet *m,
			      struct zl_wg_forget *f)
{
	struct zl_wg_asked *v;

	f->v = NULL;
	f->n = 0;
	if (!d || !d->nasked)
		return;
	v = kld_xcalloc(m->n_peers + 1, sizeof(*v));
	for (size_t i = 0; i < m->n_peers; i++) {
		const Kld__WgPeerConf *p = m->peers[i];
		const struct zl_wg_asked *a;

		if (p->endpoint[0] || p->endpoint_pending)
			continue;
		a = zl_wg_asked_find(d->asked, d->nasked, p->public_key.data);
		if (a)
			v[f->n++] = *a;
	}
	qsort(v, f->n, sizeof(*v), zl_wg_asked_cmp);
	f->v = v;
}

/* What was asked for now; a pending name keeps its last answer. */
static void zl_wg_remember_endpoints(struct zl_wg_dev *d, const Kld__WgDeviceSet *m)
{
	struct zl_wg_asked *v = kld_xcalloc(m->n_peers + 1, sizeof(*v));
	size_t n = 0;

	for (size_t i = 0; i < m->n_peers; i++) {
		const Kld__WgPeerConf *p = m->peers[i];
		const struct zl_wg_asked *old;

		memcpy(v[n].key, p->public_key.data, WG_KEY_SIZE);
		if (p->endpoint[0] &&
		    wg_endpoint_parse(&v[n].ep, p->endpoint, strlen(p->endpoint)) == 0) {
			n++;
			continue;
		}
		old = p->endpoint_pending ? zl_wg_asked_find(d->asked, d->nasked, v[n].key) : NULL;
		if (old)
			v[n++] = *old;
	}
	qsort(v, n, sizeof(*v), zl_wg_asked_cmp);
	free(d->asked);
	d->asked = v;
	d->nasked = n;
}

static void zl_wg_handle_set(struct zl *zl, struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	const Kld__WgDeviceSet *m = env->wg_device_set;
	struct zl_wg *w = zl_wg_of(zl);
	struct wg_device *want = zl_wg_device_in(m);
	struct zl_wg_forget forget = { 0 };
	struct zl_wg_dev *d;
	bool created = false;
	char why[160] = "";
	int ret;

	if (!want) {
		kld_ipc_close(c, "malformed WireGuard device");
		return;
	}
	d = zl_wg_dev_get(w, m->ifname, false);
	zl_wg_forget_list(d, m, &forget);
	ret = w->be ? zl_wg_program(w, want, d ? d->port_asked : 0, &forget, &created, why,
				    sizeof(why))
		    : w->be_err;
	wg_device_free(want);
	free((void *)forget.v);
	if (ret < 0) {
		/* The answer carries the reason to wgd, which shows it to the
		 * operator at the prompt; this line is for the log. */
		kld_warn("wireguard: %s: cannot program the device: %s", m->ifname,
			 why[0] ? why : strerror(-ret));
		zl_wg_reply(c, env->seq, m->ifname, 0, ret, why);
		return;
	}
	d = zl_wg_dev_get(w, m->ifname, true);
	d->port_asked = (uint16_t)m->listen_port;
	zl_wg_remember_endpoints(d, m);
	d->ifindex = if_nametoindex(m->ifname);
	if (created)
		kld_info("wireguard: %s created (ifindex %u)", d->name, d->ifindex);
	zl_wg_set_link(zl, d, m);
	zl_wg_reply(c, env->seq, m->ifname, d->ifindex, 0, NULL);
	zl_wg_hooks_run(zl);
}

static void zl_wg_forget(struct zl_wg *w, const char *name)
{
	for (struct zl_wg_dev **pp = &w->devs; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->name, name)) {
			struct zl_wg_dev *d = *pp;

			*pp = d->next;
			zl_wg_dev_free(d);
			return;
		}
	}
}

static void zl_wg_handle_delete(struct zl *zl, struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	const char *name = env->wg_device_delete->ifname;
	struct zl_wg *w = zl_wg_of(zl);
	struct zl_wg_dev *d;
	int ret;

	if (!wg_ifname_valid(name)) {
		kld_ipc_close(c, "malformed WireGuard interface name");
		return;
	}
	d = zl_wg_dev_get(w, name, false);
	if (d && d->rule_table && zl->nl) {
		zl_wg_rules(zl, d->rule_table, d->rule_mark, true);
		zl_schedule_work(zl);
	}
	ret = w->be ? wg_backend_del_interface(w->be, name) : w->be_err;
	if (ret == -ENODEV)
		ret = 0;
	zl_wg_forget(w, name);
	kld_info("wireguard: %s removed%s%s", name, ret ? ": " : "", ret ? strerror(-ret) : "");
	zl_wg_reply(c, env->seq, name, 0, ret, NULL);
	zl_wg_hooks_run(zl);
}

static bool zl_wg_named(const Kld__WgReplayDone *rd, const char *name)
{
	for (size_t i = 0; i < rd->n_ifnames; i++)
		if (!strcmp(rd->ifnames[i], name))
			return true;
	return false;
}

/* wgd replayed: what we made for it earlier and it no longer names goes.
 * After our own restart the list holds only what was replayed, so a
 * device someone else made is never touched. */
static void zl_wg_handle_replay_done(struct zl *zl, const Kld__Envelope *env)
{
	const Kld__WgReplayDone *rd = env->wg_replay_done;
	struct zl_wg *w = zl_wg_of(zl);
	struct zl_wg_dev *d = w->devs, *next;
	int ret;

	for (; d; d = next) {
		next = d->next;
		if (zl_wg_named(rd, d->name))
			continue;
		if (d->rule_table && zl->nl)
			zl_wg_rules(zl, d->rule_table, d->rule_mark, true);
		ret = w->be ? wg_backend_del_interface(w->be, d->name) : w->be_err;
		kld_info("wireguard: %s no longer configured in wgd, removed%s%s", d->name,
			 ret && ret != -ENODEV ? ": " : "",
			 ret && ret != -ENODEV ? strerror(-ret) : "");
		zl_wg_forget(w, d->name);
	}
	zl_schedule_work(zl);
}

/* The listen ports of every WireGuard device of this namespace, whoever
 * made it (after our restart wgd's devices are found before wgd replays):
 * what a stealth zone of the firewall leaves open. */
size_t zl_wg_listen_ports(struct zl *zl, uint16_t *ports, size_t max)
{
	struct zl_wg *w = zl_wg_of(zl);
	struct wg_ifnames l = { 0 };
	size_t n = 0;

	if (!w || !w->be || wg_backend_list_interfaces(w->be, &l) < 0)
		return 0;
	for (size_t i = 0; i < l.n && n < max; i++) {
		struct wg_device *dev = NULL;

		if (wg_backend_get_device(w->be, l.names[i], &dev) < 0)
			continue;
		if (dev->listen_port)
			ports[n++] = dev->listen_port;
		wg_device_free(dev);
	}
	wg_ifnames_free(&l);
	return n;
}

/* ---- state for show ---- */

struct zl_wg_state_buf {
	Kld__WgState st;
	Kld__WgDeviceState **devs;
};

static void zl_wg_peer_out(const struct wg_peer *p, Kld__WgPeerState *o)
{
	char ep[WG_ENDPOINT_STRLEN];

	kld__wg_peer_state__init(o);
	o->public_key.data = kld_xmalloc(WG_KEY_SIZE);
	memcpy(o->public_key.data, p->public_key, WG_KEY_SIZE);
	o->public_key.len = WG_KEY_SIZE;
	o->endpoint = kld_xstrdup(wg_endpoint_fmt(&p->endpoint, ep, sizeof(ep)));
	o->keepalive = p->keepalive;
	o->last_handshake_sec = p->stats.last_handshake_sec;
	o->rx_bytes = p->stats.rx_bytes;
	o->tx_bytes = p->stats.tx_bytes;
	o->has_preshared_key = (p->flags & WG_PEER_HAS_PRESHARED_KEY) != 0;
	o->n_allowed_ips = p->n_allowedips;
	o->allowed_ips = kld_xcalloc(p->n_allowedips + 1, sizeof(*o->allowed_ips));
	for (size_t i = 0; i < p->n_allowedips; i++) {
		Kld__Prefix *x = kld_xcalloc(1, sizeof(*x));

		zl_wg_prefix_out(&p->allowedips[i], x, kld_xmalloc(16));
		o->allowed_ips[i] = x;
	}
}

/* The link side: addresses, MTU, up, from the interface table. */
static void zl_wg_link_out(struct zl *zl, const char *name, Kld__WgDeviceState *o)
{
	const struct zl_iface *ifp = zl_iface_by_name(zl, name);
	size_t n = 0;

	if (!ifp)
		return;
	o->mtu = ifp->mtu;
	o->up = ifp->admin_up;
	for (const struct zl_addr *a = ifp->addrs; a; a = a->next)
		n++;
	o->addresses = kld_xcalloc(n + 1, sizeof(*o->addresses));
	for (const struct zl_addr *a = ifp->addrs; a; a = a->next) {
		Kld__Prefix *x = kld_xcalloc(1, sizeof(*x));

		zl_wg_prefix_out(&a->prefix, x, kld_xmalloc(16));
		o->addresses[o->n_addresses++] = x;
	}
}

static Kld__WgDeviceState *zl_wg_dev_out(struct zl *zl, struct zl_wg *w, const char *name)
{
	Kld__WgDeviceState *o = kld_xcalloc(1, sizeof(*o));
	struct wg_device *dev = NULL;

	kld__wg_device_state__init(o);
	o->ifname = kld_xstrdup(name);
	if (!w->be || wg_backend_get_device(w->be, name, &dev) < 0)
		return o;
	o->present = true;
	o->public_key.data = kld_xmalloc(WG_KEY_SIZE);
	memcpy(o->public_key.data, dev->public_key, WG_KEY_SIZE);
	o->public_key.len = WG_KEY_SIZE;
	o->listen_port = dev->listen_port;
	o->fwmark = dev->fwmark;
	o->ifindex = if_nametoindex(name);
	zl_wg_link_out(zl, name, o);
	o->n_peers = dev->n_peers;
	o->peers = kld_xcalloc(dev->n_peers + 1, sizeof(*o->peers));
	for (size_t i = 0; i < dev->n_peers; i++) {
		o->peers[i] = kld_xmalloc(sizeof(*o->peers[i]));
		zl_wg_peer_out(&dev->peers[i], o->peers[i]);
	}
	wg_device_free(dev);
	return o;
}

static void zl_wg_dev_out_free(Kld__WgDeviceState *o)
{
	for (size_t i = 0; i < o->n_peers; i++) {
		Kld__WgPeerState *p = o->peers[i];

		for (size_t j = 0; j < p->n_allowed_ips; j++) {
			free(p->allowed_ips[j]->addr.data);
			free(p->allowed_ips[j]);
		}
		free(p->allowed_ips);
		free(p->public_key.data);
		free(p->endpoint);
		free(p);
	}
	for (size_t i = 0; i < o->n_addresses; i++) {
		free(o->addresses[i]->addr.data);
		free(o->addresses[i]);
	}
	free(o->addresses);
	free(o->peers);
	free(o->public_key.data);
	free(o->ifname);
	free(o);
}

static void zl_wg_handle_state(struct zl *zl, struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	const char *name = env->wg_state_request->ifname;
	struct zl_wg *w = zl_wg_of(zl);
	Kld__Envelope out = KLD__ENVELOPE__INIT;
	Kld__WgState st = KLD__WG_STATE__INIT;
	size_t n = 0;

	for (struct zl_wg_dev *d = w->devs; d; d = d->next)
		n++;
	st.devices = kld_xcalloc(n + 1, sizeof(*st.devices));
	if (name[0]) {
		if (wg_ifname_valid(name))
			st.devices[st.n_devices++] = zl_wg_dev_out(zl, w, name);
	} else {
		for (struct zl_wg_dev *d = w->devs; d; d = d->next)
			st.devices[st.n_devices++] = zl_wg_dev_out(zl, w, d->name);
	}
	out.seq = env->seq;
	out.body_case = KLD__ENVELOPE__BODY_WG_STATE;
	out.wg_state = &st;
	kld_ipc_send(c, &out);
	for (size_t i = 0; i < st.n_devices; i++)
		zl_wg_dev_out_free(st.devices[i]);
	free(st.devices);
}

void zl_wg_handle(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct zl *zl = arg;

	switch (env->body_case) {
	case KLD__ENVELOPE__BODY_WG_DEVICE_SET:
		zl_wg_handle_set(zl, c, env);
		return;
	case KLD__ENVELOPE__BODY_WG_DEVICE_DELETE:
		zl_wg_handle_delete(zl, c, env);
		return;
	case KLD__ENVELOPE__BODY_WG_STATE_REQUEST:
		zl_wg_handle_state(zl, c, env);
		return;
	case KLD__ENVELOPE__BODY_WG_REPLAY_DONE:
		zl_wg_handle_replay_done(zl, env);
		return;
	case KLD__ENVELOPE__BODY_WG_MESHES:
		zl_wgmesh_update(c, env->wg_meshes);
		return;
	case KLD__ENVELOPE__BODY_WG_MESH_SUBSCRIBE:
		zl_wgmesh_subscribe(c);
		return;
	default:
		kld_ipc_close(c, "WireGuard message not served by zebra-lite");
		return;
	}
}
