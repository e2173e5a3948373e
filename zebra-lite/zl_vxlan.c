/*
 * vxland's links and FDB in zebra-lite (see zl_vxlan.h for the rules).
 *
 * Reconciliation, never re-creation: a LinkSet reads the link from the
 * kernel and writes only what differs (alias, MTU, master, up, addresses,
 * members); a VXLAN device is re-created only when an option the kernel
 * cannot change in place differs (VNI, VTEPs, port, underlay...). The
 * static FDB of a device is kept as a sorted array of what is in the
 * kernel; an FdbSet is merged with it and only the difference is queued,
 * so a replay of an unchanged FDB writes nothing and `bridge monitor fdb`
 * stays silent.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/neighbour.h>
#include "log.h"
#include "util.h"
#include "zl.h"
#include "zl_vxlan.h"

#define ZL_VX_DEFAULT_GRACE 60

struct zl_vx_link {
	char name[ZL_NL_IFNAMSIZ];
	uint16_t owner;
	bool stale;
	int ifindex;
	enum zl_nl_vxkind kind;
	int master;
	/* The device's own remote or group: the kernel keeps it as the
	 * all-zero FDB entry; it belongs to the link, not to the FDB. */
	struct kld_addr dflt;
	struct kld_prefix *addrs; /* addresses we set */
	size_t naddrs;
	char (*members)[ZL_NL_IFNAMSIZ]; /* devices we enslaved */
	size_t nmembers;
	struct zl_vx_fdb *fdb; /* static entries in the kernel, sorted */
	size_t nfdb;
	/* VXLAN: what EVPN needs to know of the device; evpn: the segment
	 * says `flood evpn` (after an adoption: it had EVPN entries, until
	 * vxland's replay says) */
	bool evpn;
	uint32_t vni;
	struct kld_addr local;
	/* EVPN's remote entries (bgpd's, sorted as fdb); stale after bgpd
	 * went away until it sends them again */
	struct zl_vx_efdb *efdb;
	size_t nefdb;
	struct zl_vx_link *next;
};

/* One remote entry an EVPN route made. */
struct zl_vx_efdb {
	struct zl_vx_fdb e; /* first: the array sorts with zl_vx_fdb_cmp */
	uint16_t owner;
	bool stale;
	bool gone; /* marked for the next sweep pass */
};

struct zl_vx {
	struct zl *zl;
	zl_vx_evpn_vni_fn evpn_vni;
	zl_vx_evpn_mac_fn evpn_mac;
	zl_vx_evpn_list_fn evpn_list;
	struct zl_nl_sync *sk;
	struct zl_vx_link *links;
	uint16_t (*slot_of)(struct zl *zl, const char *name, bool create);
	struct kld_timer *grace[ZL_MAX_CLIENTS];
	uint16_t grace_slot[ZL_MAX_CLIENTS];
};

static struct zl_vx *zl_vx_state;

static struct zl_vx_link *zl_vx_find(struct zl_vx *v, const char *name)
{
	return KLD_NAMED_GET(&v->links, struct zl_vx_link, name, false);
}

static void zl_vx_link_free(struct zl_vx_link *l)
{
	free(l->addrs);
	free(l->members);
	free(l->fdb);
	free(l->efdb);
	free(l);
}

static void zl_vx_forget(struct zl_vx *v, struct zl_vx_link *l)
{
	for (struct zl_vx_link **pp = &v->links; *pp; pp = &(*pp)->next) {
		if (*pp == l) {
			*pp = l->next;
			zl_vx_link_free(l);
			return;
		}
	}
}

static int zl_vx_fdb_cmp(const void *a, const void *b)
{
	const struct zl_vx_fdb *x = a, *y = b;
	int d = memcmp(x->mac, y->mac, 6);

	if (d)
		return d;
	if (x->dst.family != y->dst.family)
		return x->dst.family < y->dst.family ? -1 : 1;
	return memcmp(x->dst.u.bytes, y->dst.u.bytes, kld_family_bytes(x->dst.family));
}

static bool zl_vx_mac_zero(const uint8_t *mac)
{
	static const uint8_t zero[6];

	return !memcmp(mac, zero, 6);
}

/* ---- grace ---- */

static void zl_vx_sweep(struct zl_vx *v, uint16_t owner, const char *why);
static void zl_vx_learned_replay(struct zl *zl, struct zl_vx *v, uint16_t owner);

static void zl_vx_grace_expired(void *arg)
{
	uint16_t *slot = arg;

	if (zl_vx_state)
		zl_vx_sweep(zl_vx_state, *slot, "grace time over");
}

static uint32_t zl_vx_grace_secs(struct zl *zl, uint16_t owner)
{
	uint32_t secs = zl->grace_secs ? zl->grace_secs : ZL_VX_DEFAULT_GRACE;

	return KLD_MAX(secs, zl->clients[owner].grace_secs);
}

static void zl_vx_grace_start(struct zl_vx *v, uint16_t owner)
{
	if (!v->grace[owner]) {
		v->grace_slot[owner] = owner;
		v->grace[owner] = kld_timer_new(v->zl->d.loop, zl_vx_grace_expired,
						&v->grace_slot[owner]);
	}
	if (!kld_timer_pending(v->grace[owner]))
		kld_timer_arm(v->grace[owner], (uint64_t)zl_vx_grace_secs(v->zl, owner) * 1000);
}

/* The grace time was configured after the timers started (the kernel,
 * and so the adopted links and entries, is read before the
 * configuration): they run with the new time from now, as routes do. */
void zl_vx_rearm_grace(struct zl *zl)
{
	struct zl_vx *v = zl_vx_state;

	for (uint16_t i = 0; v && i < ZL_MAX_CLIENTS; i++)
		if (v->grace[i] && kld_timer_pending(v->grace[i]))
			kld_timer_arm(v->grace[i], (uint64_t)zl_vx_grace_secs(zl, i) * 1000);
}

/* ---- adoption at start ---- */

static void zl_vx_adopt_link(void *arg, const struct zl_nl_vxdev *d)
{
	struct zl_vx *v = arg;
	struct zl_vx_link *l;

	if (strcmp(d->alias, ZL_VX_ALIAS) || d->kind == ZL_VXK_OTHER)
		return;
	l = KLD_NAMED_GET(&v->links, struct zl_vx_link, d->name, true);
	l->owner = v->slot_of(v->zl, "vxland", true);
	l->stale = true;
	l->ifindex = d->ifindex;
	l->kind = d->kind;
	l->master = d->master;
	l->dflt = d->vx.remote;
	l->vni = d->vx.vni;
	l->local = d->vx.local;
}

static bool zl_vx_is_dflt(const struct zl_vx_link *l, const uint8_t *mac, const struct kld_addr *dst)
{
	return l->dflt.family && zl_vx_mac_zero(mac) && kld_addr_eq(&l->dflt, dst);
}

static void zl_vx_adopt_efdb(struct zl_vx_link *l, const struct zl_nl_neigh *n)
{
	struct zl_vx_efdb *e;

	l->efdb = kld_xrealloc(l->efdb, (l->nefdb + 1) * sizeof(*l->efdb));
	e = &l->efdb[l->nefdb++];
	memset(e, 0, sizeof(*e));
	memcpy(e->e.mac, n->mac, 6);
	e->e.dst = n->dst;
	e->owner = zl_vx_state->slot_of(zl_vx_state->zl, "bgpd", true);
	e->stale = true;
}

static void zl_vx_adopt_fdb(void *arg, const struct zl_nl_neigh *n)
{
	struct zl_vx_link *l = arg;
	struct zl_vx_fdb *e;

	if (!(n->flags & NTF_SELF) || !n->dst.family || !n->has_mac ||
	    zl_vx_is_dflt(l, n->mac, &n->dst))
		return;
	/* EVPN's are extern_learn: bgpd's, kept for its replay. */
	if (n->flags & NTF_EXT_LEARNED) {
		zl_vx_adopt_efdb(l, n);
		return;
	}
	/* Ours are NTF_SELF, permanent, with a VTEP; learned ones are not. */
	if (!(n->state & NUD_PERMANENT))
		return;
	l->fdb = kld_xrealloc(l->fdb, (l->nfdb + 1) * sizeof(*l->fdb));
	e = &l->fdb[l->nfdb++];
	memcpy(e->mac, n->mac, 6);
	e->dst = n->dst;
}

uint16_t zl_vx_slot(struct zl *zl, const char *name, bool create)
{
	return zl_vx_state ? zl_vx_state->slot_of(zl, name, create) : 0;
}

int zl_vx_init(struct zl *zl, uint16_t (*slot_of)(struct zl *zl, const char *name, bool create))
{
	struct zl_vx *v = kld_xcalloc(1, sizeof(*v));
	size_t n = 0;
	int ret;

	v->zl = zl;
	v->slot_of = slot_of;
	zl->hooks.fdb_event = zl_vx_fdb_event;
	zl_vx_state = v;
	ret = zl_nl_sync_open(&v->sk);
	if (ret < 0) {
		kld_err("vxlan: cannot open the link socket: %s", strerror(-ret));
		return -1;
	}
	if (zl_nl_sync_dump_links(v->sk, zl_vx_adopt_link, v) < 0)
		kld_warn("vxlan: cannot read the links: %m");
	for (struct zl_vx_link *l = v->links; l; l = l->next, n++) {
		if (l->kind == ZL_VXK_VXLAN)
			zl_nl_sync_dump_fdb(v->sk, l->ifindex, zl_vx_adopt_fdb, l);
		qsort(l->fdb, l->nfdb, sizeof(*l->fdb), zl_vx_fdb_cmp);
		qsort(l->efdb, l->nefdb, sizeof(*l->efdb), zl_vx_fdb_cmp);
		l->evpn = l->nefdb > 0;
		zl_vx_grace_start(v, l->owner);
		if (l->nefdb)
			zl_vx_grace_start(v, l->efdb[0].owner);
	}
	if (n)
		kld_info("vxlan: %zu link(s) of an earlier zebra-lite adopted, kept for vxland's replay",
			 n);
	return 0;
}

void zl_vx_fini(struct zl *zl)
{
	struct zl_vx *v = zl_vx_state;

	(void)zl;
	if (!v)
		return;
	while (v->links) {
		struct zl_vx_link *l = v->links;

		v->links = l->next;
		zl_vx_link_free(l);
	}
	for (int i = 0; i < ZL_MAX_CLIENTS; i++)
		kld_timer_free(v->grace[i]);
	zl_nl_sync_close(v->sk);
	free(v);
	zl_vx_state = NULL;
}

/* ---- kernel helpers ---- */

static int zl_vx_fail(struct zl_vx_result *res, int err, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int zl_vx_fail(struct zl_vx_result *res, int err, const char *fmt, ...)
{
	va_list ap;

	res->err = err;
	va_start(ap, fmt);
	vsnprintf(res->reason, sizeof(res->reason), fmt, ap);
	va_end(ap);
	return err;
}

static int zl_vx_set(struct zl_vx *v, int ifindex, const char *alias, uint32_t mtu, int master,
		     char *msg, size_t msgsize)
{
	uint32_t buf[512];
	int len = zl_nl_vxdev_build_set(buf, sizeof(buf), ifindex, alias, mtu, master, true);

	if (len < 0)
		return len;
	return zl_nl_sync_do(v->sk, buf, msg, msgsize);
}

static int zl_vx_delete_link(struct zl_vx *v, int ifindex)
{
	uint32_t buf[64];
	int len = zl_nl_link_build_delete(buf, sizeof(buf), ifindex);

	if (len < 0)
		return len;
	((struct nlmsghdr *)buf)->nlmsg_flags |= NLM_F_ACK;
	len = zl_nl_sync_do(v->sk, buf, NULL, 0);
	return len == -ENODEV ? 0 : len;
}

static void zl_vx_addr(struct zl *zl, int ifindex, const struct kld_prefix *p, bool del)
{
	struct zl_nl_addr a;

	memset(&a, 0, sizeof(a));
	a.ifindex = ifindex;
	kld_addr_from_prefix(&a.addr, p);
	a.prefixlen = p->len;
	int ret = del ? zl_nl_addr_delete(zl->nl, &a, ZL_COOKIE_OTHER)
		      : zl_nl_addr_add(zl->nl, &a, ZL_COOKIE_OTHER);

	if (ret < 0)
		kld_warn("vxlan: address request refused: %s", strerror(-ret));
}

static bool zl_vx_prefix_in(const struct kld_prefix *list, size_t n, const struct kld_prefix *p)
{
	for (size_t i = 0; i < n; i++)
		if (kld_prefix_eq(&list[i], p))
			return true;
	return false;
}

static bool zl_vx_iface_has(const struct zl_iface *ifp, const struct kld_prefix *p)
{
	for (const struct zl_addr *a = ifp ? ifp->addrs : NULL; a; a = a->next)
		if (kld_prefix_eq(&a->prefix, p) && !memcmp(&a->prefix, p, sizeof(*p)))
			return true;
	return false;
}

/* Addresses: what we set before (or, after adoption, what the device has
 * apart from IPv6 link-local ones) and is no longer wanted goes. */
static void zl_vx_sync_addrs(struct zl_vx *v, struct zl_vx_link *l, const struct zl_vx_want *w)
{
	struct zl_iface *ifp = zl_iface_by_index(v->zl, (uint32_t)l->ifindex);

	for (size_t i = 0; i < l->naddrs; i++)
		if (!zl_vx_prefix_in(w->addrs, w->naddrs, &l->addrs[i]))
			zl_vx_addr(v->zl, l->ifindex, &l->addrs[i], true);
	for (struct zl_addr *a = ifp ? ifp->addrs : NULL; a; a = a->next) {
		bool ll = a->prefix.family == AF_INET6 && a->prefix.u.bytes[0] == 0xfe &&
			  (a->prefix.u.bytes[1] & 0xc0) == 0x80;

		if (!ll && !zl_vx_prefix_in(w->addrs, w->naddrs, &a->prefix) &&
		    !zl_vx_prefix_in(l->addrs, l->naddrs, &a->prefix))
			zl_vx_addr(v->zl, l->ifindex, &a->prefix, true);
	}
	/* Only what the device lacks: re-adding is harmless but not silent. */
	for (size_t i = 0; i < w->naddrs; i++)
		if (!zl_vx_iface_has(ifp, &w->addrs[i]))
			zl_vx_addr(v->zl, l->ifindex, &w->addrs[i], false);
	free(l->addrs);
	l->addrs = kld_xcalloc(w->naddrs + 1, sizeof(*l->addrs));
	memcpy(l->addrs, w->addrs, w->naddrs * sizeof(*l->addrs));
	l->naddrs = w->naddrs;
}

static bool zl_vx_member_in(char (*list)[ZL_NL_IFNAMSIZ], size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i], name))
			return true;
	return false;
}

/* Members: enslave the wanted ones that exist (the others when they
 * appear: vxland pushes again), release the ones we enslaved and that are
 * no longer wanted. Ports someone else added (VM taps) are left alone. */
static void zl_vx_sync_members(struct zl_vx *v, struct zl_vx_link *l, const struct zl_vx_want *w)
{
	struct zl_nl_vxdev d;

	for (size_t i = 0; i < l->nmembers; i++) {
		if (zl_vx_member_in(w->members, w->nmembers, l->members[i]))
			continue;
		if (zl_nl_sync_get(v->sk, l->members[i], &d) == 0 && d.master == l->ifindex)
			zl_vx_set(v, d.ifindex, NULL, 0, 0, NULL, 0);
	}
	for (size_t i = 0; i < w->nmembers; i++) {
		if (zl_nl_sync_get(v->sk, w->members[i], &d) < 0)
			continue;
		if (d.master != l->ifindex || !d.up)
			zl_vx_set(v, d.ifindex, NULL, 0, l->ifindex, NULL, 0);
	}
	free(l->members);
	l->members = kld_xcalloc(w->nmembers + 1, sizeof(*l->members));
	memcpy(l->members, w->members, w->nmembers * sizeof(*l->members));
	l->nmembers = w->nmembers;
}

/* ---- EVPN: the VNIs bgpd hears of ---- */

/* The bridge's name: ours from the table (zebra-lite's interface list
 * may not have heard of a bridge made a moment ago), else the kernel's. */
static const char *zl_vx_master_name(struct zl_vx *v, int master)
{
	const struct zl_iface *br;

	if (!master)
		return "";
	for (const struct zl_vx_link *b = v->links; b; b = b->next)
		if (b->ifindex == master)
			return b->name;
	br = zl_iface_by_index(v->zl, (uint32_t)master);
	return br ? br->name : "";
}

/* Only segments that say `flood evpn` are EVPN's (a VNI whose flood
 * list is typed or multicast is left alone). */
static void zl_vx_evpn_tell(struct zl_vx *v, const struct zl_vx_link *l, bool del)
{
	if (l->kind == ZL_VXK_VXLAN && l->vni && v->evpn_vni && (l->evpn || del))
		v->evpn_vni(v->zl, l->vni, l->name, zl_vx_master_name(v, l->master), &l->local,
			    del || !l->evpn);
}

void zl_vx_evpn_set_hooks(zl_vx_evpn_vni_fn vni, zl_vx_evpn_mac_fn mac, zl_vx_evpn_list_fn list)
{
	zl_vx_state->evpn_vni = vni;
	zl_vx_state->evpn_mac = mac;
	zl_vx_state->evpn_list = list;
}

static void zl_vx_evpn_link_dump(struct zl_vx *v, const struct zl_vx_link *l);

/* ---- LinkSet ---- */

static int zl_vx_resolve(struct zl_vx *v, const struct zl_vx_want *w, struct zl_nl_vxdev *want,
			 struct zl_vx_result *res)
{
	struct zl_nl_vxdev d;

	*want = w->dev;
	want->master = 0;
	if (w->underlay[0]) {
		if (zl_nl_sync_get(v->sk, w->underlay, &d) < 0)
			return zl_vx_fail(res, -ENODEV, "underlay %s does not exist (yet)", w->underlay);
		want->vx.dev = d.ifindex;
	}
	if (w->master[0]) {
		if (zl_nl_sync_get(v->sk, w->master, &d) < 0)
			return zl_vx_fail(res, -ENODEV, "bridge %s does not exist (yet)", w->master);
		if (d.kind != ZL_VXK_BRIDGE)
			return zl_vx_fail(res, -EINVAL, "%s is a %s device, not a bridge", w->master,
					  d.kind_name[0] ? d.kind_name : "physical");
		want->master = d.ifindex;
	}
	return 0;
}

/* The link exists: may we (re)use it? 1: yes as is, 0: re-create, <0: refuse. */
static int zl_vx_existing(struct zl_vx *v, uint16_t owner, const struct zl_nl_vxdev *cur,
			  const struct zl_nl_vxdev *want, struct zl_vx_result *res)
{
	struct zl_vx_link *l = zl_vx_find(v, want->name);

	if (!l && strcmp(cur->alias, ZL_VX_ALIAS))
		return zl_vx_fail(res, -EEXIST, "%s exists and was not made by vxland (a %s device)",
				  want->name, cur->kind_name[0] ? cur->kind_name : "physical");
	if (l && l->owner != owner)
		return zl_vx_fail(res, -EBUSY, "%s belongs to another client", want->name);
	if (cur->kind != want->kind)
		return 0;
	if (want->kind == ZL_VXK_VXLAN && !zl_nl_vx_same(&cur->vx, &want->vx))
		return 0;
	return 1;
}

static int zl_vx_create(struct zl_vx *v, const struct zl_nl_vxdev *want, struct zl_nl_vxdev *cur,
			struct zl_vx_result *res)
{
	uint32_t buf[512];
	char msg[200];
	int ret = zl_nl_vxdev_build_create(buf, sizeof(buf), want);

	if (ret < 0)
		return zl_vx_fail(res, ret, "invalid device %s", want->name);
	ret = zl_nl_sync_do(v->sk, buf, msg, sizeof(msg));
	if (ret < 0)
		return zl_vx_fail(res, ret, "kernel refused to create %s: %s", want->name,
				  msg[0] ? msg : strerror(-ret));
	ret = zl_nl_sync_get(v->sk, want->name, cur);
	if (ret < 0)
		return zl_vx_fail(res, ret, "%s vanished after creation", want->name);
	kld_info("vxlan: %s created (ifindex %d)", want->name, cur->ifindex);
	return 0;
}

static struct zl_vx_link *zl_vx_record(struct zl_vx *v, uint16_t owner, const struct zl_nl_vxdev *cur)
{
	struct zl_vx_link *l = KLD_NAMED_GET(&v->links, struct zl_vx_link, cur->name, true);

	if (l->ifindex != cur->ifindex) {
		/* A new device: nothing of the old one's FDB or addresses is
		 * there (bgpd sends its entries again when told of the VNI). */
		free(l->fdb);
		l->fdb = NULL;
		l->nfdb = 0;
		free(l->efdb);
		l->efdb = NULL;
		l->nefdb = 0;
		l->naddrs = 0;
	}
	l->owner = owner;
	l->stale = false;
	l->ifindex = cur->ifindex;
	l->kind = cur->kind;
	l->dflt = cur->vx.remote;
	l->vni = cur->vx.vni;
	l->local = cur->vx.local;
	return l;
}

void zl_vx_link_set(struct zl *zl, uint16_t owner, const struct zl_vx_want *w,
		    struct zl_vx_result *res)
{
	struct zl_vx *v = zl_vx_state;
	struct zl_nl_vxdev want, cur;
	struct zl_vx_link *l;
	char msg[200];
	bool was_evpn;
	int ret, was_master;

	memset(res, 0, sizeof(*res));
	if (zl_vx_resolve(v, w, &want, res) < 0)
		return;
	ret = zl_nl_sync_get(v->sk, want.name, &cur);
	if (ret == 0) {
		ret = zl_vx_existing(v, owner, &cur, &want, res);
		if (ret < 0)
			return;
		if (ret == 0) {
			kld_info("vxlan: %s changed in a way the kernel cannot apply in place: re-created",
				 want.name);
			zl_vx_delete_link(v, cur.ifindex);
			ret = -ENODEV;
		}
	}
	if (ret == -ENODEV && zl_vx_create(v, &want, &cur, res) < 0)
		return;
	if (ret < 0 && ret != -ENODEV) {
		zl_vx_fail(res, ret, "cannot read %s: %s", want.name, strerror(-ret));
		return;
	}
	l = zl_vx_record(v, owner, &cur);
	was_evpn = l->evpn;
	was_master = l->master;
	if (strcmp(cur.alias, ZL_VX_ALIAS) || (want.mtu && cur.mtu != want.mtu) ||
	    cur.master != want.master || !cur.up) {
		ret = zl_vx_set(v, cur.ifindex, strcmp(cur.alias, ZL_VX_ALIAS) ? ZL_VX_ALIAS : NULL,
				want.mtu && cur.mtu != want.mtu ? want.mtu : 0,
				cur.master != want.master ? want.master : -1, msg, sizeof(msg));
		if (ret < 0)
			kld_warn("vxlan: %s: cannot set mtu/master/up: %s", want.name,
				 msg[0] ? msg : strerror(-ret));
	}
	l->master = want.master;
	l->evpn = w->evpn;
	/* A segment that stops being EVPN's is gone for bgpd (its routes
	 * are withdrawn) though the device stays. */
	zl_vx_evpn_tell(v, l, was_evpn && !l->evpn);
	if (!was_evpn || was_master != l->master)
		zl_vx_evpn_link_dump(v, l);
	zl_vx_sync_addrs(v, l, w);
	if (l->kind == ZL_VXK_BRIDGE)
		zl_vx_sync_members(v, l, w);
	zl_schedule_work(zl);
	res->ifindex = cur.ifindex;
	res->mtu = want.mtu ? want.mtu : cur.mtu;
	if (ret < 0)
		zl_vx_fail(res, ret, "%s: %s", want.name, msg[0] ? msg : strerror(-ret));
}

/* ---- deletion and sweeps ---- */

static void zl_vx_remove(struct zl_vx *v, struct zl_vx_link *l, const char *why)
{
	int ret = l->ifindex ? zl_vx_delete_link(v, l->ifindex) : 0;

	kld_info("vxlan: %s removed (%s)%s%s", l->name, why, ret ? ": " : "",
		 ret ? strerror(-ret) : "");
	zl_vx_evpn_tell(v, l, true);
	zl_vx_forget(v, l);
}

void zl_vx_link_delete(struct zl *zl, uint16_t owner, const char *name, struct zl_vx_result *res)
{
	struct zl_vx *v = zl_vx_state;
	struct zl_vx_link *l = zl_vx_find(v, name);

	(void)zl;
	memset(res, 0, sizeof(*res));
	if (!l)
		return; /* gone already: deleting is idempotent */
	if (l->owner != owner) {
		zl_vx_fail(res, -EBUSY, "%s belongs to another client", name);
		return;
	}
	zl_vx_remove(v, l, "deleted by its owner");
}

static void zl_vx_evpn_sweep(struct zl_vx *v, uint16_t owner, const char *why);

static void zl_vx_sweep(struct zl_vx *v, uint16_t owner, const char *why)
{
	struct zl_vx_link *l, *next;

	zl_vx_evpn_sweep(v, owner, why);
	/* VXLAN devices first: a bridge going first would free its ports. */
	for (int pass = 0; pass < 2; pass++) {
		for (l = v->links; l; l = next) {
			next = l->next;
			if (l->owner == owner && l->stale &&
			    (l->kind == ZL_VXK_VXLAN) == (pass == 0))
				zl_vx_remove(v, l, why);
		}
	}
}

static bool zl_vx_named(char **names, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(names[i], name))
			return true;
	return false;
}

void zl_vx_replay_done(struct zl *zl, uint16_t owner, char **names, size_t n)
{
	struct zl_vx *v = zl_vx_state;

	(void)zl;
	/* Named but not replayed (held: its underlay is gone) stays too. */
	for (struct zl_vx_link *l = v->links; l; l = l->next)
		if (l->owner == owner)
			l->stale = !zl_vx_named(names, n, l->name);
	zl_vx_sweep(v, owner, "no longer configured in vxland");
	if (v->grace[owner])
		kld_timer_cancel(v->grace[owner]);
	zl_vx_learned_replay(zl, v, owner);
}

size_t zl_vx_owner_grace(struct zl *zl, uint16_t owner)
{
	struct zl_vx *v = zl_vx_state;
	size_t n = 0;

	if (!v)
		return 0;
	for (struct zl_vx_link *l = v->links; l; l = l->next) {
		n += l->owner == owner && l->stale;
		for (size_t i = 0; i < l->nefdb; i++)
			n += l->efdb[i].owner == owner && l->efdb[i].stale;
	}
	if (v->grace[owner] && kld_timer_pending(v->grace[owner]))
		kld_timer_arm(v->grace[owner], (uint64_t)zl_vx_grace_secs(zl, owner) * 1000);
	return n;
}

void zl_vx_owner_down(struct zl *zl, uint16_t owner)
{
	struct zl_vx *v = zl_vx_state;
	size_t n = 0;

	(void)zl;
	for (struct zl_vx_link *l = v->links; l; l = l->next) {
		if (l->owner == owner) {
			l->stale = true;
			n++;
		}
		for (size_t i = 0; i < l->nefdb; i++) {
			if (l->efdb[i].owner == owner) {
				l->efdb[i].stale = true;
				n++;
			}
		}
	}
	if (!n)
		return;
	/* From now: a timer still running since zebra-lite's own start (its
	 * adoption) would sweep the owner's entries before its grace time. */
	kld_timer_cancel(v->grace[owner]);
	zl_vx_grace_start(v, owner);
	kld_info("vxlan: %s went away; %zu link(s) and EVPN FDB entries kept for %us", zl->clients[owner].name, n,
		 zl_vx_grace_secs(zl, owner));
}

/* ---- FDB ---- */

/* One entry of a VXLAN device, and its bridge's entry for a unicast MAC
 * (so that frames to it go to the VXLAN port instead of being flooded).
 * vxland's are static: the device's permanent, the bridge's NOARP (a
 * permanent bridge entry would mean "this MAC is the bridge's own").
 * EVPN's are extern_learn, as FRR writes them (never aged, not taken for
 * configuration); a flood entry is appended either way. */
static void zl_vx_fdb_write(struct zl *zl, struct zl_vx_link *l, const struct zl_vx_fdb *e, bool del,
			    bool evpn)
{
	struct zl_nl_neigh n;
	bool flood = zl_vx_mac_zero(e->mac);

	memset(&n, 0, sizeof(n));
	n.family = AF_BRIDGE;
	n.ifindex = l->ifindex;
	n.flags = NTF_SELF | (evpn ? NTF_EXT_LEARNED : 0);
	n.state = !evpn ? 0 : flood ? NUD_PERMANENT | NUD_NOARP : NUD_REACHABLE;
	n.dst = e->dst;
	n.has_mac = true;
	memcpy(n.mac, e->mac, 6);
	if (del)
		zl_nl_neigh_delete(zl->nl, &n, ZL_COOKIE_OTHER);
	else if (flood)
		zl_nl_neigh_append(zl->nl, &n, ZL_COOKIE_OTHER);
	else
		zl_nl_neigh_replace(zl->nl, &n, ZL_COOKIE_OTHER);
	if (flood || !l->master)
		return;
	n.flags = NTF_MASTER | (evpn ? NTF_EXT_LEARNED : 0);
	n.state = evpn ? NUD_REACHABLE : NUD_NOARP;
	n.dst.family = 0;
	if (del)
		zl_nl_neigh_delete(zl->nl, &n, ZL_COOKIE_OTHER);
	else
		zl_nl_neigh_replace(zl->nl, &n, ZL_COOKIE_OTHER);
}

static void zl_vx_fdb_op(struct zl *zl, struct zl_vx_link *l, const struct zl_vx_fdb *e, bool del)
{
	zl_vx_fdb_write(zl, l, e, del, false);
}

static struct zl_vx_efdb *zl_vx_efind(const struct zl_vx_link *l, const struct zl_vx_fdb *e,
				     size_t *at);
static void zl_vx_efdb_op(struct zl *zl, struct zl_vx_link *l, const struct zl_vx_fdb *e, bool del);

/* A static entry vxland no longer wants: EVPN may want the same one (a
 * flood VTEP typed and learned, a MAC pinned and advertised), which then
 * stays, as EVPN's. */
static void zl_vx_static_gone(struct zl *zl, struct zl_vx_link *l, const struct zl_vx_fdb *e)
{
	const struct zl_vx_efdb *ee = zl_vx_efind(l, e, NULL);

	if (!ee) {
		zl_vx_fdb_op(zl, l, e, true);
		return;
	}
	if (!zl_vx_mac_zero(e->mac))
		zl_vx_efdb_op(zl, l, e, false);
}

static size_t zl_vx_dedup(const struct zl_vx_link *l, struct zl_vx_fdb *e, size_t n)
{
	size_t out = 0;

	qsort(e, n, sizeof(*e), zl_vx_fdb_cmp);
	for (size_t i = 0; i < n; i++)
		if ((!out || zl_vx_fdb_cmp(&e[out - 1], &e[i])) && !zl_vx_is_dflt(l, e[i].mac, &e[i].dst))
			e[out++] = e[i];
	return out;
}

void zl_vx_fdb_set(struct zl *zl, uint16_t owner, const char *name, struct zl_vx_fdb *e, size_t n,
		   struct zl_vx_result *res)
{
	struct zl_vx_link *l = zl_vx_find(zl_vx_state, name);
	size_t i = 0, j = 0;

	memset(res, 0, sizeof(*res));
	if (!l || l->owner != owner || l->kind != ZL_VXK_VXLAN || !l->ifindex) {
		zl_vx_fail(res, -ENODEV, "%s is not a VXLAN device of this client", name);
		return;
	}
	n = zl_vx_dedup(l, e, n);
	/* Both sorted: one merge yields what to add and what to delete. */
	while (i < n || j < l->nfdb) {
		int d = i == n ? 1 : j == l->nfdb ? -1 : zl_vx_fdb_cmp(&e[i], &l->fdb[j]);

		if (d < 0) {
			zl_vx_fdb_op(zl, l, &e[i], false);
			res->added++;
		} else if (d > 0) {
			zl_vx_static_gone(zl, l, &l->fdb[j]);
			res->deleted++;
		}
		i += d <= 0;
		j += d >= 0;
	}
	free(l->fdb);
	l->fdb = kld_xcalloc(n + 1, sizeof(*l->fdb));
	memcpy(l->fdb, e, n * sizeof(*e));
	l->nfdb = n;
	res->ifindex = l->ifindex;
	zl_schedule_work(zl);
}

static zl_vx_learned_fn zl_vx_learned;
static void zl_vx_evpn_bridge_mac(struct zl_vx *v, const struct zl_nl_neigh *n, bool del);

void zl_vx_set_learned_hook(zl_vx_learned_fn fn)
{
	zl_vx_learned = fn;
}

/* What the kernel learned, as opposed to what someone wrote: static
 * entries are configuration (ours or someone's), extern_learn ones
 * EVPN's, multicast ones the kernel's own lists. Learned in the VXLAN
 * device's own table (NTF_SELF, with the VTEP: `learning`) or in its
 * bridge's (the bridge learns the source MAC of each frame a port
 * brings in; on the VXLAN port even with `no learning`). */
static bool zl_vx_learned_entry(const struct zl_nl_neigh *n)
{
	if (n->family != AF_BRIDGE || !n->has_mac || (n->mac[0] & 1))
		return false;
	if ((n->flags & NTF_EXT_LEARNED) || (n->state & (NUD_PERMANENT | NUD_NOARP)))
		return false;
	return (n->flags & NTF_SELF) || n->master;
}

/* A MAC is behind a VXLAN device when the device learned it or its
 * bridge learned it on the VXLAN port: a remote MAC, learned by the data
 * plane. The bridge says a MAC moved (to a local port) with a new entry,
 * not a deletion: for the VXLAN device that is a MAC gone. */
static void zl_vx_learned_tell(struct zl *zl, struct zl_vx *v, const struct zl_nl_neigh *n,
			       bool del)
{
	bool on_bridge = !(n->flags & NTF_SELF);

	for (struct zl_vx_link *l = v->links; l; l = l->next) {
		if (l->kind != ZL_VXK_VXLAN || !l->ifindex)
			continue;
		if (l->ifindex == n->ifindex)
			zl_vx_learned(zl, l->owner, l->name, n, del);
		else if (on_bridge && l->master && l->master == n->master)
			zl_vx_learned(zl, l->owner, l->name, n, true);
	}
}

void zl_vx_fdb_event(struct zl *zl, const struct zl_nl_neigh *n, bool del)
{
	struct zl_vx *v = zl_vx_state;

	if (!v)
		return;
	if (n->family == AF_BRIDGE && !(n->flags & NTF_SELF))
		zl_vx_evpn_bridge_mac(v, n, del);
	if (zl_vx_learned && zl_vx_learned_entry(n))
		zl_vx_learned_tell(zl, v, n, del);
}

struct zl_vx_tell {
	struct zl *zl;
	const struct zl_vx_link *l;
};

static void zl_vx_tell_cb(void *arg, const struct zl_nl_neigh *n)
{
	struct zl_vx_tell *t = arg;

	if (zl_vx_learned_entry(n))
		zl_vx_learned(t->zl, t->l->owner, t->l->name, n, false);
}

/* What was learned before the owner (re)connected: events tell only
 * what changes, and a bridge entry is not news again until it moves or
 * ages out (minutes). */
static void zl_vx_learned_replay(struct zl *zl, struct zl_vx *v, uint16_t owner)
{
	for (struct zl_vx_link *l = v->links; l && zl_vx_learned; l = l->next) {
		struct zl_vx_tell t = { zl, l };

		if (l->kind == ZL_VXK_VXLAN && l->ifindex && l->owner == owner)
			zl_nl_sync_dump_fdb(v->sk, l->ifindex, zl_vx_tell_cb, &t);
	}
}

struct zl_vx_walk {
	const struct zl_vx_link *l;
	void (*cb)(void *arg, const char *ifname, const struct zl_nl_neigh *n);
	void *arg;
};

/* The kernel keeps one flags byte per MAC, not per VTEP: the all-zero
 * entry of a device is extern_learn or not as a whole. What EVPN wrote
 * is ours to say: a VTEP entry is marked extern_learn (EVPN's) when bgpd
 * asked for it, whatever the kernel's byte says. */
static void zl_vx_walk_cb(void *arg, const struct zl_nl_neigh *n)
{
	struct zl_vx_walk *w = arg;
	struct zl_nl_neigh m = *n;
	struct zl_vx_fdb e = { .dst = n->dst };

	if (n->has_mac && n->dst.family && (n->flags & NTF_SELF)) {
		memcpy(e.mac, n->mac, 6);
		m.flags &= (uint8_t)~NTF_EXT_LEARNED;
		if (zl_vx_efind(w->l, &e, NULL))
			m.flags |= NTF_EXT_LEARNED;
	}
	w->cb(w->arg, w->l->name, &m);
}

void zl_vx_fdb_walk(struct zl *zl, uint16_t owner, const char *name,
		    void (*cb)(void *arg, const char *ifname, const struct zl_nl_neigh *n),
		    void *arg)
{
	struct zl_vx *v = zl_vx_state;

	(void)zl;
	for (struct zl_vx_link *l = v->links; l; l = l->next) {
		struct zl_vx_walk w = { l, cb, arg };

		if (l->kind != ZL_VXK_VXLAN || (owner && l->owner != owner) ||
		    (name && name[0] && strcmp(name, l->name)))
			continue;
		zl_nl_sync_dump_fdb(v->sk, l->ifindex, zl_vx_walk_cb, &w);
	}
}

/* ---- EVPN's remote entries (bgpd's) ---- */

static struct zl_vx_link *zl_vx_by_vni(struct zl_vx *v, uint32_t vni)
{
	for (struct zl_vx_link *l = v->links; l; l = l->next)
		if (l->kind == ZL_VXK_VXLAN && l->vni == vni && l->ifindex)
			return l;
	return NULL;
}

/* Binary search of (mac, dst) in the sorted efdb; *at: where it goes. */
static struct zl_vx_efdb *zl_vx_efind(const struct zl_vx_link *l, const struct zl_vx_fdb *e,
				     size_t *at)
{
	size_t lo = 0, hi = l->nefdb;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int d = zl_vx_fdb_cmp(&l->efdb[mid].e, e);

		if (!d)
			return &l->efdb[mid];
		if (d < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (at)
		*at = lo;
	return NULL;
}

static bool zl_vx_static_has_mac(const struct zl_vx_link *l, const uint8_t *mac)
{
	for (size_t i = 0; i < l->nfdb; i++)
		if (!memcmp(l->fdb[i].mac, mac, 6))
			return true;
	return false;
}

static bool zl_vx_static_has(const struct zl_vx_link *l, const struct zl_vx_fdb *e)
{
	return bsearch(e, l->fdb, l->nfdb, sizeof(*l->fdb), zl_vx_fdb_cmp) != NULL;
}

static void zl_vx_efdb_op(struct zl *zl, struct zl_vx_link *l, const struct zl_vx_fdb *e, bool del)
{
	zl_vx_fdb_write(zl, l, e, del, true);
}

/* Does the kernel need to hear of e? Not when vxland has the same entry
 * (or pins the MAC: a typed MAC wins over a learned one). */
static bool zl_vx_efdb_shadowed(const struct zl_vx_link *l, const struct zl_vx_fdb *e)
{
	return zl_vx_mac_zero(e->mac) ? zl_vx_static_has(l, e) : zl_vx_static_has_mac(l, e->mac);
}

/* A burst of new remote MACs goes to the kernel in system calls of
 * ZL_VX_EVPN_BURST MACs (two requests each), not in nl.c's batches of
 * about 2,000 requests: each VXLAN entry takes a per-CPU allocation
 * (dst_cache_init) from an atomic pool which the kernel seems to refill
 * only between system calls. Measured on 100,000 MACs, one CPU: 1.0-2.2 s
 * of zebra-lite's CPU in large batches, 0.4-0.65 s in these (doc/evpn.md,
 * Benchmark). */
#define ZL_VX_EVPN_BURST 128

static void zl_vx_burst_step(struct zl *zl, size_t *written)
{
	if (++*written % ZL_VX_EVPN_BURST == 0)
		zl_nl_flush(zl->nl);
}

/* Adds in one merge: what zebra-lite has already (a replay after a
 * restart) only becomes fresh; the rest is sorted and merged, so a burst
 * of 100,000 MACs costs one sort, not 100,000 insertions. */
static void zl_vx_efdb_add_all(struct zl *zl, struct zl_vx_link *l, uint16_t owner,
			       const struct zl_vx_fdb *e, size_t n)
{
	struct zl_vx_efdb *nw = kld_xcalloc(n + 1, sizeof(*nw)), *merged;
	size_t m = 0, k = 0, i = 0, j = 0, written = 0;

	for (size_t x = 0; x < n; x++) {
		struct zl_vx_efdb *have = zl_vx_efind(l, &e[x], NULL);

		if (have) {
			have->stale = false;
			have->owner = owner;
			continue;
		}
		nw[m].e = e[x];
		nw[m++].owner = owner;
	}
	qsort(nw, m, sizeof(*nw), zl_vx_fdb_cmp);
	merged = kld_xcalloc(l->nefdb + m + 1, sizeof(*merged));
	while (i < l->nefdb || j < m) {
		if (j < m && k && !zl_vx_fdb_cmp(&merged[k - 1].e, &nw[j].e)) {
			j++; /* the same entry twice in one message */
			continue;
		}
		if (j == m || (i < l->nefdb && zl_vx_fdb_cmp(&l->efdb[i].e, &nw[j].e) < 0)) {
			merged[k++] = l->efdb[i++];
			continue;
		}
		merged[k++] = nw[j];
		if (!zl_vx_efdb_shadowed(l, &nw[j].e)) {
			zl_vx_efdb_op(zl, l, &nw[j].e, false);
			zl_vx_burst_step(zl, &written);
		}
		j++;
	}
	free(l->efdb);
	free(nw);
	l->efdb = merged;
	l->nefdb = k;
}

/* Remove the entries marked gone in one pass, then tell the kernel: not
 * what vxland also has, and not a MAC another VTEP still claims (the
 * newer VTEP's entry replaced this one in the kernel already: deleting
 * by MAC would remove the new one). Returns how many went. */
static size_t zl_vx_efdb_sweep_marked(struct zl *zl, struct zl_vx_link *l)
{
	struct zl_vx_fdb *gone = kld_xcalloc(l->nefdb + 1, sizeof(*gone));
	size_t k = 0, ng = 0;

	for (size_t i = 0; i < l->nefdb; i++) {
		if (l->efdb[i].gone)
			gone[ng++] = l->efdb[i].e;
		else
			l->efdb[k++] = l->efdb[i];
	}
	l->nefdb = k;
	for (size_t i = 0; i < ng; i++) {
		struct zl_vx_fdb probe = { .dst = { .family = 0 } };
		size_t at = 0;

		if (zl_vx_efdb_shadowed(l, &gone[i]))
			continue;
		memcpy(probe.mac, gone[i].mac, 6);
		if (!zl_vx_mac_zero(gone[i].mac) && !zl_vx_efind(l, &probe, &at) &&
		    at < l->nefdb && !memcmp(l->efdb[at].e.mac, gone[i].mac, 6))
			continue;
		zl_vx_efdb_op(zl, l, &gone[i], true);
	}
	free(gone);
	return ng;
}

int zl_vx_evpn_fdb(struct zl *zl, uint16_t owner, uint32_t vni, const struct zl_vx_fdb *e, size_t n,
		   bool del)
{
	struct zl_vx_link *l = zl_vx_by_vni(zl_vx_state, vni);

	if (!l)
		return -ENODEV;
	if (!del) {
		zl_vx_efdb_add_all(zl, l, owner, e, n);
	} else {
		for (size_t i = 0; i < n; i++) {
			struct zl_vx_efdb *have = zl_vx_efind(l, &e[i], NULL);

			if (have && have->owner == owner)
				have->gone = true;
		}
		zl_vx_efdb_sweep_marked(zl, l);
	}
	zl_schedule_work(zl);
	return 0;
}

static void zl_vx_evpn_sweep(struct zl_vx *v, uint16_t owner, const char *why)
{
	size_t n = 0;

	for (struct zl_vx_link *l = v->links; l; l = l->next) {
		for (size_t i = 0; i < l->nefdb; i++)
			l->efdb[i].gone = l->efdb[i].owner == owner && l->efdb[i].stale;
		n += zl_vx_efdb_sweep_marked(v->zl, l);
	}
	if (n) {
		kld_info("vxlan: %zu EVPN FDB entr%s removed (%s)", n, n == 1 ? "y" : "ies", why);
		zl_schedule_work(v->zl);
	}
}

/* Stale links of owner left (adopted, not replayed yet)? */
static bool zl_vx_owner_has_stale(const struct zl_vx *v, uint16_t owner)
{
	for (const struct zl_vx_link *l = v->links; l; l = l->next)
		if (l->owner == owner && l->stale)
			return true;
	return false;
}

void zl_vx_evpn_replay_done(struct zl *zl, uint16_t owner)
{
	struct zl_vx *v = zl_vx_state;

	(void)zl;
	zl_vx_evpn_sweep(v, owner, "not replayed by bgpd");
	/* Nothing of the owner's is stale now: its grace is over. */
	if (!zl_vx_owner_has_stale(v, owner))
		kld_timer_cancel(v->grace[owner]);
}

void zl_vx_evpn_walk(struct zl *zl, zl_vx_evpn_vni_fn vni)
{
	struct zl_vx *v = zl_vx_state;

	for (struct zl_vx_link *l = v->links; l; l = l->next)
		if (l->kind == ZL_VXK_VXLAN && l->vni && l->ifindex && l->evpn)
			vni(zl, l->vni, l->name, zl_vx_master_name(v, l->master), &l->local, false);
}

/* A MAC the kernel learned on a bridge port: the bridge's own addresses
 * (permanent) and what EVPN put there (extern_learn) are not news. */
static bool zl_vx_learned_port_mac(const struct zl_nl_neigh *n)
{
	return n->master && !(n->flags & (NTF_SELF | NTF_EXT_LEARNED)) &&
	       !(n->state & NUD_PERMANENT) && n->has_mac && !(n->mac[0] & 1);
}

/* A MAC on a VNI's bridge: local when on a port (a host behind this
 * VTEP), remote again when on the VXLAN device. */
static void zl_vx_evpn_link_mac(struct zl_vx *v, const struct zl_vx_link *l,
				const struct zl_nl_neigh *n, bool del)
{
	if (l->kind != ZL_VXK_VXLAN || !l->vni || !l->evpn || l->master != n->master)
		return;
	v->evpn_mac(v->zl, l->vni, n->mac, del || n->ifindex == l->ifindex);
}

static void zl_vx_evpn_bridge_mac(struct zl_vx *v, const struct zl_nl_neigh *n, bool del)
{
	if (!v->evpn_mac || !zl_vx_learned_port_mac(n))
		return;
	for (struct zl_vx_link *l = v->links; l; l = l->next)
		zl_vx_evpn_link_mac(v, l, n, del);
}

struct zl_vx_link_dump {
	struct zl_vx *v;
	const struct zl_vx_link *l;
};

static void zl_vx_evpn_link_dump_cb(void *arg, const struct zl_nl_neigh *n)
{
	struct zl_vx_link_dump *d = arg;

	if (zl_vx_learned_port_mac(n))
		zl_vx_evpn_link_mac(d->v, d->l, n, false);
}

/* A segment that becomes EVPN's, or moves to another bridge, has hosts
 * its bridge learned before: the kernel says nothing new of them, so they
 * are read now. This is also what a restarted zebra-lite needs when
 * bgpd subscribed before vxland's replay named the segment EVPN's (a
 * device adopted without EVPN entries is not known to be EVPN's). */
static void zl_vx_evpn_link_dump(struct zl_vx *v, const struct zl_vx_link *l)
{
	struct zl_vx_link_dump d = { v, l };

	if (!v->evpn_mac || !l->evpn || !l->master)
		return;
	if (v->evpn_list)
		v->evpn_list(v->zl, l->vni, false);
	zl_nl_sync_dump_fdb(v->sk, 0, zl_vx_evpn_link_dump_cb, &d);
	if (v->evpn_list)
		v->evpn_list(v->zl, l->vni, true);
}

static void zl_vx_evpn_dump_cb(void *arg, const struct zl_nl_neigh *n)
{
	zl_vx_evpn_bridge_mac(arg, n, false);
}

void zl_vx_evpn_dump_macs(struct zl *zl)
{
	struct zl_vx *v = zl_vx_state;

	(void)zl;
	zl_nl_sync_dump_fdb(v->sk, 0, zl_vx_evpn_dump_cb, v);
}
