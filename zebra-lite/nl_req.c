/*
 * Requests: each object's build function queued on the batch under a
 * cookie (zl_nl_enqueue() in nl.c answers it exactly once).
 *
 * They live apart from the codecs (nl_route.c, nl_link.c, ...) so that the
 * codecs stay pure: nl.c's dispatcher calls their parsers, and a parser
 * returns its object to its caller; only this file, above nl.c, calls the
 * batch. See doc/ARCHITECTURE.md, "Layers".
 */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "nl.h"

/* ---- route ---- */

static int route_build_cb(void *buf, size_t size, uint16_t type, uint16_t flags,
			  const void *obj)
{
	return zl_nl_route_build(buf, size, type, flags, obj);
}

int zl_nl_route_replace(struct zl_nl *nl, const struct zl_nl_route *r, uint64_t cookie)
{
	return zl_nl_enqueue(nl, route_build_cb, RTM_NEWROUTE,
			     NLM_F_CREATE | NLM_F_REPLACE, r, cookie);
}

int zl_nl_route_delete(struct zl_nl *nl, const struct zl_nl_route *r, uint64_t cookie)
{
	return zl_nl_enqueue(nl, route_build_cb, RTM_DELROUTE, 0, r, cookie);
}

/* ---- addr ---- */

static int addr_build_cb(void *buf, size_t size, uint16_t type, uint16_t flags,
			 const void *obj)
{
	return zl_nl_addr_build(buf, size, type, flags, obj);
}

int zl_nl_addr_add(struct zl_nl *nl, const struct zl_nl_addr *a, uint64_t cookie)
{
	return zl_nl_enqueue(nl, addr_build_cb, RTM_NEWADDR, NLM_F_CREATE | NLM_F_REPLACE,
			     a, cookie);
}

int zl_nl_addr_delete(struct zl_nl *nl, const struct zl_nl_addr *a, uint64_t cookie)
{
	return zl_nl_enqueue(nl, addr_build_cb, RTM_DELADDR, 0, a, cookie);
}

/* ---- link ---- */

static int create_cb(void *buf, size_t size, uint16_t type, uint16_t flags, const void *obj)
{
	return zl_nl_link_build_create(buf, size, flags, obj);
}

static int change_cb(void *buf, size_t size, uint16_t type, uint16_t flags, const void *obj)
{
	int len = zl_nl_link_build_change(buf, size, obj);

	if (len > 0)
		((struct nlmsghdr *)buf)->nlmsg_flags |= flags;
	return len;
}

static int delete_cb(void *buf, size_t size, uint16_t type, uint16_t flags, const void *obj)
{
	int len = zl_nl_link_build_delete(buf, size, *(const int *)obj);

	if (len > 0)
		((struct nlmsghdr *)buf)->nlmsg_flags |= flags;
	return len;
}

int zl_nl_link_create(struct zl_nl *nl, const struct zl_nl_link_spec *s, uint64_t cookie)
{
	return zl_nl_enqueue(nl, create_cb, RTM_NEWLINK, 0, s, cookie);
}

int zl_nl_link_delete(struct zl_nl *nl, int ifindex, uint64_t cookie)
{
	return zl_nl_enqueue(nl, delete_cb, RTM_DELLINK, 0, &ifindex, cookie);
}

int zl_nl_link_change(struct zl_nl *nl, const struct zl_nl_link_change *c, uint64_t cookie)
{
	return zl_nl_enqueue(nl, change_cb, RTM_NEWLINK, 0, c, cookie);
}

int zl_nl_link_set_up(struct zl_nl *nl, int ifindex, bool up, uint64_t cookie)
{
	struct zl_nl_link_change c = { .ifindex = ifindex, .set_up = true, .up = up };

	return zl_nl_link_change(nl, &c, cookie);
}

int zl_nl_link_set_mtu(struct zl_nl *nl, int ifindex, uint32_t mtu, uint64_t cookie)
{
	struct zl_nl_link_change c = { .ifindex = ifindex, .set_mtu = true, .mtu = mtu };

	return zl_nl_link_change(nl, &c, cookie);
}

int zl_nl_link_set_master(struct zl_nl *nl, int ifindex, int master, uint64_t cookie)
{
	struct zl_nl_link_change c = { .ifindex = ifindex, .set_master = true, .master = master };

	return zl_nl_link_change(nl, &c, cookie);
}

/* ---- neigh ---- */

static int neigh_build_cb(void *buf, size_t size, uint16_t type, uint16_t flags,
			  const void *obj)
{
	return zl_nl_neigh_build(buf, size, type, flags, obj);
}

int zl_nl_neigh_replace(struct zl_nl *nl, const struct zl_nl_neigh *n, uint64_t cookie)
{
	return zl_nl_enqueue(nl, neigh_build_cb, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE,
			     n, cookie);
}

int zl_nl_neigh_append(struct zl_nl *nl, const struct zl_nl_neigh *n, uint64_t cookie)
{
	if (n->family != AF_BRIDGE)
		return -EINVAL;
	return zl_nl_enqueue(nl, neigh_build_cb, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND,
			     n, cookie);
}

int zl_nl_neigh_delete(struct zl_nl *nl, const struct zl_nl_neigh *n, uint64_t cookie)
{
	return zl_nl_enqueue(nl, neigh_build_cb, RTM_DELNEIGH, 0, n, cookie);
}

/* ---- rule ---- */

static int rule_build_cb(void *buf, size_t size, uint16_t type, uint16_t flags, const void *obj)
{
	return zl_nl_rule_build(buf, size, type, flags, obj);
}

int zl_nl_rule_add(struct zl_nl *nl, const struct zl_nl_rule *r, uint64_t cookie)
{
	return zl_nl_enqueue(nl, rule_build_cb, RTM_NEWRULE, NLM_F_CREATE | NLM_F_EXCL, r, cookie);
}

int zl_nl_rule_delete(struct zl_nl *nl, const struct zl_nl_rule *r, uint64_t cookie)
{
	return zl_nl_enqueue(nl, rule_build_cb, RTM_DELRULE, 0, r, cookie);
}
