/*
 * Interfaces: what the kernel has (struct zl_iface, from link and address
 * messages) and what the configuration wants (struct zl_iface_conf, which
 * may name an interface that does not exist yet: it is applied when the
 * interface appears). Addresses give the connected routes.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "nl.h"
#include "util.h"
#include "zl.h"

struct zl_iface *zl_iface_by_name(struct zl *zl, const char *name)
{
	for (struct zl_iface *i = zl->ifaces; i; i = i->next)
		if (!strcmp(i->name, name))
			return i;
	return NULL;
}

struct zl_iface *zl_iface_by_index(struct zl *zl, uint32_t ifindex)
{
	for (struct zl_iface *i = zl->ifaces; i; i = i->next)
		if (i->ifindex == ifindex)
			return i;
	return NULL;
}

static bool zl_addr_has(const struct zl_addr *list, const struct kld_prefix *p)
{
	for (; list; list = list->next)
		if (kld_prefix_cmp(&list->prefix, p) == 0)
			return true;
	return false;
}

static void zl_addr_add(struct zl_addr **list, const struct kld_prefix *p)
{
	struct zl_addr *a;

	if (zl_addr_has(*list, p))
		return;
	a = kld_xcalloc(1, sizeof(*a));
	a->prefix = *p;
	while (*list)
		list = &(*list)->next;
	*list = a;
}

static bool zl_addr_del(struct zl_addr **list, const struct kld_prefix *p)
{
	for (; *list; list = &(*list)->next) {
		if (kld_prefix_cmp(&(*list)->prefix, p) == 0) {
			struct zl_addr *a = *list;

			*list = a->next;
			free(a);
			return true;
		}
	}
	return false;
}

static void zl_addr_free_all(struct zl_addr *a)
{
	while (a) {
		struct zl_addr *next = a->next;

		free(a);
		a = next;
	}
}

/* ---- connected routes ---- */

static void zl_connected_set(struct zl *zl, const struct zl_iface *ifp,
			     const struct kld_prefix *addr, bool add)
{
	struct kld_prefix net = *addr;
	struct rib_nh nh;
	struct rib_route_spec s = { .type = RIB_CONNECTED, .nh = &nh, .nnh = 1 };

	kld_prefix_mask(&net);
	if (!add) {
		rib_delete(zl->rib, &net, 0, RIB_CONNECTED, ZL_OWNER_SELF);
		return;
	}
	memset(&nh, 0, sizeof(nh));
	nh.kind = RIB_NH_IFINDEX;
	nh.ifindex = ifp->ifindex;
	rib_add(zl->rib, &net, &s);
}

/* ---- kernel events ---- */

static struct zl_iface *zl_iface_new(struct zl *zl, uint32_t ifindex)
{
	struct zl_iface *ifp = kld_xcalloc(1, sizeof(*ifp));

	ifp->ifindex = ifindex;
	ifp->next = zl->ifaces;
	zl->ifaces = ifp;
	return ifp;
}

void zl_iface_hook_add(struct zl *zl, void (*fn)(struct zl *zl, const char *ifname))
{
	for (size_t i = 0; i < KLD_ARRAY_SIZE(zl->iface_hooks); i++) {
		if (!zl->iface_hooks[i]) {
			zl->iface_hooks[i] = fn;
			return;
		}
	}
}

static void zl_iface_hooks_run(struct zl *zl, const char *ifname)
{
	for (size_t i = 0; i < KLD_ARRAY_SIZE(zl->iface_hooks) && zl->iface_hooks[i]; i++)
		zl->iface_hooks[i](zl, ifname);
}

/* News for the floor above (clients, statics): through the hooks. */
static void zl_iface_changed(struct zl *zl, const struct zl_iface *ifp, bool deleted)
{
	if (zl->hooks.iface_changed)
		zl->hooks.iface_changed(zl, ifp, deleted);
}

static void zl_ifaces_changed(struct zl *zl)
{
	if (zl->hooks.ifaces_changed)
		zl->hooks.ifaces_changed(zl);
}

static void zl_iface_delete(struct zl *zl, struct zl_iface *ifp)
{
	for (struct zl_iface **pp = &zl->ifaces; *pp; pp = &(*pp)->next) {
		if (*pp == ifp) {
			*pp = ifp->next;
			break;
		}
	}
	for (struct zl_addr *a = ifp->addrs; a; a = a->next)
		zl_connected_set(zl, ifp, &a->prefix, false);
	rib_iface_set(zl->rib, ifp->ifindex, false);
	zl_iface_changed(zl, ifp, true);
	zl_iface_hooks_run(zl, ifp->name);
	zl_addr_free_all(ifp->addrs);
	free(ifp);
}

void zl_iface_link_event(struct zl *zl, const struct zl_nl_link *l, bool del)
{
	struct zl_iface *ifp = zl_iface_by_index(zl, (uint32_t)l->ifindex);
	bool appeared = !ifp || strcmp(ifp->name, l->name) != 0;
	struct zl_iface_conf *c;

	if (del) {
		if (ifp)
			zl_iface_delete(zl, ifp);
		zl_ifaces_changed(zl);
		return;
	}
	if (!ifp)
		ifp = zl_iface_new(zl, (uint32_t)l->ifindex);
	snprintf(ifp->name, sizeof(ifp->name), "%s", l->name);
	snprintf(ifp->kind, sizeof(ifp->kind), "%s", l->kind);
	snprintf(ifp->alias, sizeof(ifp->alias), "%s", l->alias);
	ifp->admin_up = l->admin_up;
	ifp->oper_up = l->oper_up;
	ifp->mtu = l->mtu;
	if (l->hwaddr_len == 6)
		memcpy(ifp->mac, l->hwaddr, 6);
	rib_iface_set(zl->rib, ifp->ifindex, ifp->admin_up && ifp->oper_up);
	zl_iface_changed(zl, ifp, false);
	if (!appeared)
		return;
	zl_iface_hooks_run(zl, ifp->name);
	c = zl_iface_conf_get(zl, ifp->name, false);
	if (c)
		zl_iface_apply(zl, c);
	zl_ifaces_changed(zl);
}

void zl_iface_addr_event(struct zl *zl, const struct zl_nl_addr *a, bool del)
{
	struct zl_iface *ifp = zl_iface_by_index(zl, (uint32_t)a->ifindex);
	struct kld_prefix p;

	if (!ifp)
		return;
	kld_ifaddr_from_addr(&p, &a->addr, a->prefixlen);
	if (del) {
		if (zl_addr_del(&ifp->addrs, &p))
			zl_connected_set(zl, ifp, &p, false);
	} else {
		zl_addr_add(&ifp->addrs, &p);
		zl_connected_set(zl, ifp, &p, true);
	}
	zl_iface_changed(zl, ifp, false);
}

/* ---- configuration ---- */

struct zl_iface_conf *zl_iface_conf_get(struct zl *zl, const char *name, bool create)
{
	return KLD_NAMED_GET(&zl->iface_confs, struct zl_iface_conf, name, create);
}

static void zl_iface_push_addr(struct zl *zl, const struct zl_iface *ifp,
			       const struct kld_prefix *p, bool del)
{
	struct zl_nl_addr a;

	memset(&a, 0, sizeof(a));
	a.ifindex = (int)ifp->ifindex;
	kld_addr_from_prefix(&a.addr, p);
	a.prefixlen = p->len;
	if (del)
		zl_nl_addr_delete(zl->nl, &a, ZL_COOKIE_OTHER);
	else
		zl_nl_addr_add(zl->nl, &a, ZL_COOKIE_OTHER);
	/* The request is only queued: without a flush it would wait for the
	 * next unrelated kernel event to go out. */
	zl_schedule_work(zl);
}

/* The MTU goes back to what the link had before the configuration first
 * changed it (kept in mtu_orig, which is 0 while untouched). */
static void zl_iface_apply_mtu(struct zl *zl, struct zl_iface *ifp, uint32_t want)
{
	if (!want) {
		if (ifp->mtu_orig && ifp->mtu_orig != ifp->mtu)
			zl_nl_link_set_mtu(zl->nl, (int)ifp->ifindex, ifp->mtu_orig,
					   ZL_COOKIE_OTHER);
		ifp->mtu_orig = 0;
		return;
	}
	if (want == ifp->mtu)
		return;
	if (!ifp->mtu_orig)
		ifp->mtu_orig = ifp->mtu;
	zl_nl_link_set_mtu(zl->nl, (int)ifp->ifindex, want, ZL_COOKIE_OTHER);
}

void zl_iface_apply(struct zl *zl, struct zl_iface_conf *c)
{
	struct zl_iface *ifp = zl_iface_by_name(zl, c->name);

	if (!ifp || !zl->nl)
		return;
	zl_iface_apply_mtu(zl, ifp, c->mtu);
	if (c->shutdown && ifp->admin_up)
		zl_nl_link_set_up(zl->nl, (int)ifp->ifindex, false, ZL_COOKIE_OTHER);
	for (struct zl_addr *a = c->addrs; a; a = a->next)
		if (!zl_addr_has(ifp->addrs, &a->prefix))
			zl_iface_push_addr(zl, ifp, &a->prefix, false);
	zl_schedule_work(zl);
}

static bool zl_same_addr(const struct kld_prefix *a, const struct kld_prefix *b)
{
	return a->family == b->family && !memcmp(&a->u, &b->u, kld_family_bytes(a->family));
}

/* An address may be configured on one interface only, like FRR. */
static bool zl_addr_taken(struct zl *zl, const struct zl_iface_conf *self,
			  const struct kld_prefix *p, const char **owner)
{
	for (struct zl_iface_conf *c = zl->iface_confs; c; c = c->next) {
		if (c == self)
			continue;
		for (struct zl_addr *a = c->addrs; a; a = a->next) {
			if (zl_same_addr(&a->prefix, p)) {
				*owner = c->name;
				return true;
			}
		}
	}
	return false;
}

int zl_iface_conf_addr(struct zl *zl, struct zl_iface_conf *c, const struct kld_prefix *p,
		       bool del, struct vty *vty)
{
	struct zl_iface *ifp = zl_iface_by_name(zl, c->name);
	const char *owner = NULL;

	if (del) {
		if (!zl_addr_del(&c->addrs, p)) {
			vty_out(vty, "%% Can't find address\n");
			return CMD_WARNING;
		}
		if (ifp && zl->nl)
			zl_iface_push_addr(zl, ifp, p, true);
		return CMD_SUCCESS;
	}
	if (zl_addr_taken(zl, c, p, &owner)) {
		vty_out(vty, "%% Address is already configured on %s\n", owner);
		return CMD_WARNING;
	}
	zl_addr_add(&c->addrs, p);
	if (ifp && zl->nl)
		zl_iface_push_addr(zl, ifp, p, false);
	return CMD_SUCCESS;
}

static void zl_iface_conf_free(struct zl_iface_conf *c)
{
	zl_addr_free_all(c->addrs);
	free(c->description);
	free(c);
}

/* `no interface X`: the block goes, and what it did to the link is undone
 * (its addresses removed, the MTU it had before, up if it was shut). */
int zl_iface_conf_remove(struct zl *zl, const char *name, struct vty *vty)
{
	struct zl_iface_conf **pp = &zl->iface_confs, *c;
	struct zl_iface *ifp = zl_iface_by_name(zl, name);

	while (*pp && strcmp((*pp)->name, name))
		pp = &(*pp)->next;
	if (!*pp) {
		vty_out(vty, "%% Interface %s is not configured\n", name);
		return CMD_WARNING;
	}
	c = *pp;
	*pp = c->next;
	if (ifp && zl->nl) {
		for (struct zl_addr *a = c->addrs; a; a = a->next)
			zl_iface_push_addr(zl, ifp, &a->prefix, true);
		zl_iface_apply_mtu(zl, ifp, 0);
		if (c->shutdown && !ifp->admin_up)
			zl_nl_link_set_up(zl->nl, (int)ifp->ifindex, true, ZL_COOKIE_OTHER);
		zl_schedule_work(zl);
	}
	zl_iface_conf_free(c);
	return CMD_SUCCESS;
}

void zl_iface_free_all(struct zl *zl)
{
	while (zl->ifaces) {
		struct zl_iface *next = zl->ifaces->next;

		zl_addr_free_all(zl->ifaces->addrs);
		free(zl->ifaces);
		zl->ifaces = next;
	}
	while (zl->iface_confs) {
		struct zl_iface_conf *next = zl->iface_confs->next;

		zl_iface_conf_free(zl->iface_confs);
		zl->iface_confs = next;
	}
}

void zl_iface_init(struct zl *zl)
{
	zl->hooks.link_event = zl_iface_link_event;
	zl->hooks.addr_event = zl_iface_addr_event;
}
