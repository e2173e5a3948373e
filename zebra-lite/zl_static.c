/*
 * Static routes and the forwarding switches.
 *
 * Each `ip route` line is one nexthop. The lines of one prefix (and table)
 * with the lowest distance form one RIB route, so two gateways at the same
 * distance are ECMP and a second line at a higher distance is a floating
 * backup that takes over when the first is removed, as in FRR.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include "log.h"
#include "util.h"
#include "zl.h"

static bool zl_static_same(const struct zl_static *a, const struct zl_static *b)
{
	return kld_prefix_eq(&a->prefix, &b->prefix) && a->table == b->table &&
	       a->nh.kind == b->nh.kind && kld_addr_cmp(&a->nh.gw, &b->nh.gw) == 0 &&
	       !strcmp(a->ifname, b->ifname);
}

static bool zl_static_key(const struct zl_static *a, const struct kld_prefix *p, uint32_t table)
{
	return kld_prefix_eq(&a->prefix, p) && a->table == table;
}

/* The nexthop as the RIB wants it: an interface name becomes an index
 * (0, so inactive, while the interface does not exist). */
static struct rib_nh zl_static_nh(struct zl *zl, const struct zl_static *s)
{
	struct rib_nh nh = s->nh;
	struct zl_iface *ifp = s->ifname[0] ? zl_iface_by_name(zl, s->ifname) : NULL;

	if (s->ifname[0])
		nh.ifindex = ifp ? ifp->ifindex : 0;
	return nh;
}

/* Recompute the RIB route of one prefix from its lines. */
static void zl_static_sync(struct zl *zl, const struct kld_prefix *p, uint32_t table)
{
	struct rib_nh nh[32];
	struct rib_route_spec spec = { .type = RIB_STATIC, .table = table, .nh = nh };
	uint8_t best = 255;

	for (struct zl_static *s = zl->statics; s; s = s->next)
		if (zl_static_key(s, p, table) && s->distance < best)
			best = s->distance;
	memset(nh, 0, sizeof(nh));
	for (struct zl_static *s = zl->statics; s && spec.nnh < 32; s = s->next)
		if (zl_static_key(s, p, table) && s->distance == best)
			nh[spec.nnh++] = zl_static_nh(zl, s);
	if (spec.nnh == 0) {
		rib_delete(zl->rib, p, table, RIB_STATIC, ZL_OWNER_SELF);
		return;
	}
	spec.distance = best;
	rib_add(zl->rib, p, &spec);
}

int zl_static_set(struct zl *zl, const struct zl_static *s, bool del, struct vty *vty)
{
	struct zl_static **pp = &zl->statics;

	for (; *pp; pp = &(*pp)->next)
		if (zl_static_same(*pp, s))
			break;
	if (del) {
		struct zl_static *old = *pp;

		if (!old) {
			vty_out(vty, "%% Static route not found\n");
			return CMD_WARNING;
		}
		*pp = old->next;
		zl_static_sync(zl, &s->prefix, s->table);
		free(old);
	} else if (*pp) {
		(*pp)->distance = s->distance; /* re-typed with another distance */
		(*pp)->null0 = s->null0;       /* or with the other blackhole word */
		zl_static_sync(zl, &s->prefix, s->table);
	} else {
		*pp = kld_xmalloc(sizeof(**pp));
		**pp = *s;
		(*pp)->next = NULL;
		zl_static_sync(zl, &s->prefix, s->table);
	}
	zl_schedule_work(zl);
	return CMD_SUCCESS;
}

void zl_static_refresh(struct zl *zl)
{
	for (struct zl_static *s = zl->statics; s; s = s->next)
		if (s->ifname[0])
			zl_static_sync(zl, &s->prefix, s->table);
}

void zl_static_free_all(struct zl *zl)
{
	while (zl->statics) {
		struct zl_static *next = zl->statics->next;

		free(zl->statics);
		zl->statics = next;
	}
}

static const char *zl_forwarding_path(uint8_t family)
{
	return family == AF_INET ? "/proc/sys/net/ipv4/ip_forward"
				 : "/proc/sys/net/ipv6/conf/all/forwarding";
}

static bool zl_forwarding_read(uint8_t family)
{
	FILE *f = fopen(zl_forwarding_path(family), "r");
	int v = 0;

	if (!f)
		return false;
	if (fscanf(f, "%d", &v) != 1)
		v = 0;
	fclose(f);
	return v != 0;
}

void zl_forwarding_init(struct zl *zl)
{
	zl->fwd_start_v4 = zl->ip_forwarding = zl_forwarding_read(AF_INET);
	zl->fwd_start_v6 = zl->ipv6_forwarding = zl_forwarding_read(AF_INET6);
}

/* Forwarding is a per-namespace sysctl; zebra-lite owns it once configured. */
int zl_forwarding_set(struct zl *zl, uint8_t family, bool on)
{
	const char *path = zl_forwarding_path(family);

	if (zl_sysctl_set(path, on ? "1" : "0") < 0)
		return -1;
	if (family == AF_INET)
		zl->ip_forwarding = on;
	else
		zl->ipv6_forwarding = on;
	return 0;
}

void zl_static_init(struct zl *zl)
{
	zl->hooks.ifaces_changed = zl_static_refresh;
}
