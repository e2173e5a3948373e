/*
 * Routes: struct zl_nl_route <-> RTM_NEWROUTE/RTM_DELROUTE.
 *
 * One nexthop travels as RTA_GATEWAY/RTA_OIF (the form the kernel dumps
 * it in), several as RTA_MULTIPATH with weights. A gateway of the other
 * family (IPv4 over an IPv6 nexthop, RFC 5549) travels as RTA_VIA. The
 * table always goes in RTA_TABLE, since rtm_table only has 8 bits.
 *
 * Install is NLM_F_CREATE|NLM_F_REPLACE: the kernel swaps the route in
 * place (one RTM_NEWROUTE notification, no delete), so a changed route
 * never flaps. Delete names the route by (dst, table, metric, protocol)
 * with a wildcard scope and type, as `ip route del` does, so it removes
 * whatever nexthops the route has now but never another protocol's.
 */
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/rtnetlink.h>

#include "nl.h"

static bool nh_valid(const struct zl_nl_nexthop *nh, uint8_t family)
{
	if (nh->gw.family == 0)
		return nh->ifindex > 0;
	if (nh->gw.family == family)
		return true;
	/* IPv4 over an IPv6 nexthop is the only cross-family form. */
	return family == AF_INET && nh->gw.family == AF_INET6;
}

static int route_validate(uint16_t type, const struct zl_nl_route *r)
{
	if (r->dst.family != AF_INET && r->dst.family != AF_INET6)
		return -EINVAL;
	if (r->dst.len > kld_family_bits(r->dst.family))
		return -EINVAL;
	if (type == RTM_DELROUTE || (r->type && r->type != RTN_UNICAST))
		return 0;
	if (r->nh_count == 0 || r->nh_count > ZL_NL_MAX_NEXTHOPS)
		return -EINVAL;
	for (unsigned int i = 0; i < r->nh_count; i++)
		if (!nh_valid(&r->nh[i], r->dst.family))
			return -EINVAL;
	return 0;
}

static uint8_t route_scope(uint16_t type, uint8_t rtype, const struct zl_nl_route *r)
{
	if (type == RTM_DELROUTE)
		return RT_SCOPE_NOWHERE; /* matches any scope */
	if (rtype == RTN_LOCAL)
		return RT_SCOPE_HOST;
	if (rtype != RTN_UNICAST)
		return RT_SCOPE_UNIVERSE;
	for (unsigned int i = 0; i < r->nh_count; i++)
		if (r->nh[i].gw.family)
			return RT_SCOPE_UNIVERSE;
	return RT_SCOPE_LINK;
}

static bool put_gateway(struct nlmsghdr *nlh, size_t size, uint8_t family,
			const struct kld_addr *gw)
{
	struct {
		uint16_t family;
		uint8_t addr[16];
	} via;
	size_t n;

	if (gw->family == 0)
		return true;
	if (gw->family == family)
		return zl_nl_attr_put_addr(nlh, size, RTA_GATEWAY, gw);
	n = kld_family_bytes(gw->family);
	via.family = gw->family;
	memcpy(via.addr, gw->u.bytes, n);
	return mnl_attr_put_check(nlh, size, RTA_VIA, sizeof(via.family) + n, &via);
}

static uint8_t nh_hops(const struct zl_nl_nexthop *nh)
{
	return nh->weight > 1 ? (uint8_t)(nh->weight - 1) : 0;
}

static bool put_single(struct nlmsghdr *nlh, size_t size, const struct zl_nl_route *r)
{
	const struct zl_nl_nexthop *nh = &r->nh[0];
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	rtm->rtm_flags |= nh->flags;
	if (!put_gateway(nlh, size, r->dst.family, &nh->gw))
		return false;
	return nh->ifindex == 0 ||
	       mnl_attr_put_u32_check(nlh, size, RTA_OIF, (uint32_t)nh->ifindex);
}

static bool put_one_hop(struct nlmsghdr *nlh, size_t size, uint8_t family,
			const struct zl_nl_nexthop *nh)
{
	struct rtnexthop *rtnh = mnl_nlmsg_get_payload_tail(nlh);

	if (nlh->nlmsg_len + RTNH_ALIGN(sizeof(*rtnh)) > size)
		return false;
	memset(rtnh, 0, sizeof(*rtnh));
	nlh->nlmsg_len += RTNH_ALIGN(sizeof(*rtnh));
	rtnh->rtnh_flags = nh->flags;
	rtnh->rtnh_hops = nh_hops(nh);
	rtnh->rtnh_ifindex = nh->ifindex;
	if (!put_gateway(nlh, size, family, &nh->gw))
		return false;
	rtnh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)rtnh);
	return true;
}

static bool put_multipath(struct nlmsghdr *nlh, size_t size, const struct zl_nl_route *r)
{
	struct nlattr *mp = mnl_attr_nest_start_check(nlh, size, RTA_MULTIPATH);

	if (!mp)
		return false;
	for (unsigned int i = 0; i < r->nh_count; i++)
		if (!put_one_hop(nlh, size, r->dst.family, &r->nh[i]))
			return false;
	mnl_attr_nest_end(nlh, mp);
	return true;
}

static bool put_nexthops(struct nlmsghdr *nlh, size_t size, uint8_t rtype,
			 const struct zl_nl_route *r)
{
	if (rtype != RTN_UNICAST)
		return true;
	if (r->nh_count == 1)
		return put_single(nlh, size, r);
	return put_multipath(nlh, size, r);
}

static bool put_route_attrs(struct nlmsghdr *nlh, size_t size, uint16_t type,
			    uint8_t rtype, const struct zl_nl_route *r)
{
	struct kld_addr dst;

	kld_addr_from_prefix(&dst, &r->dst);
	if (r->dst.len && !zl_nl_attr_put_addr(nlh, size, RTA_DST, &dst))
		return false;
	if (!mnl_attr_put_u32_check(nlh, size, RTA_TABLE, r->table ? r->table : RT_TABLE_MAIN))
		return false;
	if (r->metric && !mnl_attr_put_u32_check(nlh, size, RTA_PRIORITY, r->metric))
		return false;
	if (type == RTM_DELROUTE)
		return true;
	if (r->prefsrc.family && !zl_nl_attr_put_addr(nlh, size, RTA_PREFSRC, &r->prefsrc))
		return false;
	return put_nexthops(nlh, size, rtype, r);
}

int zl_nl_route_build(void *buf, size_t size, uint16_t type, uint16_t flags,
		      const struct zl_nl_route *r)
{
	uint8_t rtype = r->type ? r->type : RTN_UNICAST;
	struct nlmsghdr *nlh;
	struct rtmsg *rtm;
	uint32_t table = r->table ? r->table : RT_TABLE_MAIN;
	int err = route_validate(type, r);

	if (err < 0)
		return err;
	nlh = zl_nl_put_hdr(buf, size, type, flags, sizeof(*rtm));
	if (!nlh)
		return -ENOSPC;
	rtm = mnl_nlmsg_get_payload(nlh);
	rtm->rtm_family = r->dst.family;
	rtm->rtm_dst_len = r->dst.len;
	rtm->rtm_table = table < 256 ? (uint8_t)table : RT_TABLE_UNSPEC;
	rtm->rtm_protocol = r->protocol;
	rtm->rtm_scope = route_scope(type, rtype, r);
	rtm->rtm_type = type == RTM_DELROUTE ? RTN_UNSPEC : rtype;
	if (!put_route_attrs(nlh, size, type, rtype, r))
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

/* ---- parsing ------------------------------------------------------------ */

static int parse_via(const struct nlattr *a, struct kld_addr *gw)
{
	const uint8_t *p = mnl_attr_get_payload(a);
	uint16_t family;

	if (mnl_attr_get_payload_len(a) < sizeof(family))
		return -EINVAL;
	memcpy(&family, p, sizeof(family));
	if (family != AF_INET && family != AF_INET6)
		return -EINVAL;
	if (mnl_attr_get_payload_len(a) != sizeof(family) + kld_family_bytes((uint8_t)family))
		return -EINVAL;
	return kld_addr_set(gw, (uint8_t)family, p + sizeof(family)) < 0 ? -EINVAL : 0;
}

/* Gateway of a nexthop from RTA_GATEWAY or RTA_VIA in tb. */
static int parse_gateway(const struct nlattr **tb, uint8_t family, struct kld_addr *gw)
{
	if (tb[RTA_GATEWAY])
		return zl_nl_attr_get_addr(tb[RTA_GATEWAY], family, gw);
	if (tb[RTA_VIA])
		return parse_via(tb[RTA_VIA], gw);
	return 0;
}

static int parse_one_hop(const struct rtnexthop *rtnh, uint8_t family,
			 struct zl_nl_nexthop *nh)
{
	const struct nlattr *tb[RTA_MAX + 1];
	size_t alen = rtnh->rtnh_len - RTNH_ALIGN(sizeof(*rtnh));

	memset(nh, 0, sizeof(*nh));
	nh->ifindex = rtnh->rtnh_ifindex;
	nh->weight = (uint16_t)(rtnh->rtnh_hops + 1);
	nh->flags = rtnh->rtnh_flags;
	if (rtnh->rtnh_len <= RTNH_ALIGN(sizeof(*rtnh)))
		return 0;
	if (zl_nl_attr_table_payload(RTNH_DATA(rtnh), alen, tb, RTA_MAX) < 0)
		return -EINVAL;
	return parse_gateway(tb, family, &nh->gw);
}

static int parse_multipath(const struct nlattr *a, struct zl_nl_route *r)
{
	const struct rtnexthop *rtnh = mnl_attr_get_payload(a);
	size_t rem = mnl_attr_get_payload_len(a);

	while (rem >= sizeof(*rtnh)) {
		if (rtnh->rtnh_len < sizeof(*rtnh) || rtnh->rtnh_len > rem)
			return -EINVAL;
		if (r->nh_count == ZL_NL_MAX_NEXTHOPS) {
			r->nh_truncated = true;
			return 0;
		}
		if (parse_one_hop(rtnh, r->dst.family, &r->nh[r->nh_count]) < 0)
			return -EINVAL;
		r->nh_count++;
		if ((size_t)RTNH_ALIGN(rtnh->rtnh_len) >= rem)
			break;
		rem -= (size_t)RTNH_ALIGN(rtnh->rtnh_len);
		rtnh = RTNH_NEXT(rtnh);
	}
	return 0;
}

static int parse_single(const struct nlattr **tb, const struct rtmsg *rtm,
			struct zl_nl_route *r)
{
	struct zl_nl_nexthop *nh = &r->nh[0];

	if (!tb[RTA_GATEWAY] && !tb[RTA_VIA] && !tb[RTA_OIF])
		return 0;
	memset(nh, 0, sizeof(*nh));
	nh->weight = 1;
	nh->flags = rtm->rtm_flags & 0xff;
	if (tb[RTA_OIF]) {
		if (!zl_nl_attr_ok(tb[RTA_OIF], sizeof(uint32_t)))
			return -EINVAL;
		nh->ifindex = (int)mnl_attr_get_u32(tb[RTA_OIF]);
	}
	r->nh_count = 1;
	return parse_gateway(tb, r->dst.family, &nh->gw);
}

static int parse_u32(const struct nlattr *a, uint32_t *out)
{
	if (!a)
		return 0;
	if (!zl_nl_attr_ok(a, sizeof(uint32_t)))
		return -EINVAL;
	*out = mnl_attr_get_u32(a);
	return 0;
}

static int parse_dst(const struct nlattr *a, const struct rtmsg *rtm, struct kld_prefix *dst)
{
	struct kld_addr addr = { .family = rtm->rtm_family };

	if (rtm->rtm_dst_len > kld_family_bits(rtm->rtm_family))
		return -EINVAL;
	if (a && zl_nl_attr_get_addr(a, rtm->rtm_family, &addr) < 0)
		return -EINVAL;
	kld_prefix_from_addr(dst, &addr, rtm->rtm_dst_len);
	return 0;
}

static int parse_route_attrs(const struct nlattr **tb, const struct rtmsg *rtm,
			     struct zl_nl_route *r)
{
	if (parse_dst(tb[RTA_DST], rtm, &r->dst) < 0)
		return -EINVAL;
	if (parse_u32(tb[RTA_TABLE], &r->table) < 0 ||
	    parse_u32(tb[RTA_PRIORITY], &r->metric) < 0 ||
	    parse_u32(tb[RTA_NH_ID], &r->nhid) < 0)
		return -EINVAL;
	if (tb[RTA_PREFSRC] &&
	    zl_nl_attr_get_addr(tb[RTA_PREFSRC], rtm->rtm_family, &r->prefsrc) < 0)
		return -EINVAL;
	if (tb[RTA_MULTIPATH])
		return parse_multipath(tb[RTA_MULTIPATH], r);
	return parse_single(tb, rtm, r);
}

int zl_nl_route_parse(const struct nlmsghdr *nlh, struct zl_nl_route *r)
{
	const struct nlattr *tb[RTA_MAX + 1];
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWROUTE && nlh->nlmsg_type != RTM_DELROUTE)
		return -EINVAL;
	if (zl_nl_attr_table(nlh, sizeof(*rtm), tb, RTA_MAX) < 0)
		return -EINVAL;
	if (rtm->rtm_family != AF_INET && rtm->rtm_family != AF_INET6)
		return -ENOENT;
	if (rtm->rtm_flags & RTM_F_CLONED)
		return -ENOENT;
	/* The nexthop array is large and filled as parsed: clear the rest. */
	memset(r, 0, offsetof(struct zl_nl_route, nh));
	r->table = rtm->rtm_table;
	r->protocol = rtm->rtm_protocol;
	r->type = rtm->rtm_type;
	r->scope = rtm->rtm_scope;
	r->flags = rtm->rtm_flags;
	return parse_route_attrs(tb, rtm, r);
}
