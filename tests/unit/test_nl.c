/*
 * Unit tests for zebra-lite's rtnetlink codecs (no sockets, no root).
 *
 * Built messages are checked attribute by attribute with libmnl directly,
 * and parse tests feed messages put together by hand in the layout the
 * kernel sends, so a bug shared by our builder and our parser cannot
 * cancel itself out. Round trips are checked on top of that.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "prefix.h"
#include "zebra-lite/nl.h"

#define BUFSZ 8192

static uint32_t buf[BUFSZ / 4];

static struct kld_addr A(const char *s)
{
	struct kld_addr a;

	assert_int_equal(kld_addr_parse(s, &a), 0);
	return a;
}

static struct kld_prefix P(const char *s)
{
	struct kld_prefix p;

	assert_int_equal(kld_prefix_parse(s, &p, true), 0);
	return p;
}

static const struct nlattr *attr_find(const struct nlmsghdr *nlh, size_t hdrlen, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each(a, nlh, hdrlen)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static const struct nlattr *nest_find(const struct nlattr *nest, uint16_t type)
{
	const struct nlattr *a;

	mnl_attr_for_each_nested(a, nest)
		if (mnl_attr_get_type(a) == type)
			return a;
	return NULL;
}

static void assert_attr_bytes(const struct nlattr *a, const void *bytes, size_t len)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), len);
	assert_memory_equal(mnl_attr_get_payload(a), bytes, len);
}

static void assert_attr_u32(const struct nlattr *a, uint32_t v)
{
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_payload_len(a), 4);
	assert_int_equal(mnl_attr_get_u32(a), v);
}

/* Building into every shorter buffer must fail cleanly with -ENOSPC. */
static void assert_enospc_below(int (*build)(void *, size_t, const void *), const void *obj, int len)
{
	static uint32_t small[BUFSZ / 4];

	for (int size = 0; size < len; size++)
		assert_int_equal(build(small, (size_t)size, obj), -ENOSPC);
	assert_int_equal(build(small, (size_t)len, obj), len);
}

/* ---- routes: build ------------------------------------------------------ */

static struct zl_nl_route route_v4_gw(void)
{
	struct zl_nl_route r = { 0 };

	r.dst = P("10.1.0.0/24");
	r.protocol = RTPROT_BGP;
	r.metric = 20;
	r.nh_count = 1;
	r.nh[0].gw = A("192.0.2.2");
	r.nh[0].ifindex = 7;
	return r;
}

static void test_route_build_v4_gateway(void **state)
{
	struct zl_nl_route r = route_v4_gw();
	const struct nlmsghdr *nlh = (void *)buf;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	int len = zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, NLM_F_CREATE | NLM_F_REPLACE, &r);
	uint8_t dst[4] = { 10, 1, 0, 0 }, gw[4] = { 192, 0, 2, 2 };

	assert_true(len > 0);
	assert_int_equal(nlh->nlmsg_len, len);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWROUTE);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_REPLACE);
	assert_int_equal(rtm->rtm_family, AF_INET);
	assert_int_equal(rtm->rtm_dst_len, 24);
	assert_int_equal(rtm->rtm_table, RT_TABLE_MAIN);
	assert_int_equal(rtm->rtm_protocol, RTPROT_BGP);
	assert_int_equal(rtm->rtm_type, RTN_UNICAST);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	assert_attr_bytes(attr_find(nlh, sizeof(*rtm), RTA_DST), dst, 4);
	assert_attr_bytes(attr_find(nlh, sizeof(*rtm), RTA_GATEWAY), gw, 4);
	assert_attr_u32(attr_find(nlh, sizeof(*rtm), RTA_OIF), 7);
	assert_attr_u32(attr_find(nlh, sizeof(*rtm), RTA_PRIORITY), 20);
	assert_attr_u32(attr_find(nlh, sizeof(*rtm), RTA_TABLE), RT_TABLE_MAIN);
	assert_null(attr_find(nlh, sizeof(*rtm), RTA_MULTIPATH));
}

static void test_route_build_device_route_scope_link(void **state)
{
	struct zl_nl_route r = { .dst = P("198.51.100.0/24"), .nh_count = 1 };
	const struct nlmsghdr *nlh = (void *)buf;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	r.nh[0].ifindex = 3;
	assert_true(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r) > 0);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_LINK);
	assert_null(attr_find(nlh, sizeof(*rtm), RTA_GATEWAY));
	assert_attr_u32(attr_find(nlh, sizeof(*rtm), RTA_OIF), 3);
	/* No metric: no RTA_PRIORITY, the kernel default applies. */
	assert_null(attr_find(nlh, sizeof(*rtm), RTA_PRIORITY));
}

static void test_route_build_big_table(void **state)
{
	struct zl_nl_route r = route_v4_gw();
	const struct nlmsghdr *nlh = (void *)buf;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	r.table = 1000;
	assert_true(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r) > 0);
	assert_int_equal(rtm->rtm_table, RT_TABLE_UNSPEC);
	assert_attr_u32(attr_find(nlh, sizeof(*rtm), RTA_TABLE), 1000);
	r.table = 100;
	assert_true(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r) > 0);
	assert_int_equal(rtm->rtm_table, 100);
	assert_attr_u32(attr_find(nlh, sizeof(*rtm), RTA_TABLE), 100);
}

static void test_route_build_multipath_weights(void **state)
{
	struct zl_nl_route r = { .dst = P("2001:db8:100::/48"), .protocol = RTPROT_BGP };
	const struct nlmsghdr *nlh = (void *)buf;
	const struct nlattr *mp;
	const struct rtnexthop *rtnh;
	struct kld_addr gw1 = A("2001:db8:1::2"), gw2 = A("2001:db8:1::3");
	size_t rem;

	r.nh_count = 2;
	r.nh[0] = (struct zl_nl_nexthop){ .gw = gw1, .ifindex = 4, .weight = 1 };
	r.nh[1] = (struct zl_nl_nexthop){ .gw = gw2, .ifindex = 5, .weight = 3 };
	assert_true(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r) > 0);
	assert_null(attr_find(nlh, sizeof(struct rtmsg), RTA_GATEWAY));
	assert_null(attr_find(nlh, sizeof(struct rtmsg), RTA_OIF));
	mp = attr_find(nlh, sizeof(struct rtmsg), RTA_MULTIPATH);
	assert_non_null(mp);
	rtnh = mnl_attr_get_payload(mp);
	rem = mnl_attr_get_payload_len(mp);
	/* rtnexthop (8) + RTA_GATEWAY (4 + 16) per hop */
	assert_int_equal(rem, 2 * (8 + 20));
	assert_int_equal(rtnh->rtnh_len, 28);
	assert_int_equal(rtnh->rtnh_ifindex, 4);
	assert_int_equal(rtnh->rtnh_hops, 0);
	assert_memory_equal((const char *)RTNH_DATA(rtnh) + 4, gw1.u.bytes, 16);
	rtnh = RTNH_NEXT(rtnh);
	assert_int_equal(rtnh->rtnh_ifindex, 5);
	assert_int_equal(rtnh->rtnh_hops, 2);
	assert_int_equal(((const struct nlattr *)RTNH_DATA(rtnh))->nla_type, RTA_GATEWAY);
	assert_memory_equal((const char *)RTNH_DATA(rtnh) + 4, gw2.u.bytes, 16);
}

static void test_route_build_blackhole(void **state)
{
	struct zl_nl_route r = { .dst = P("203.0.113.0/24"), .type = RTN_BLACKHOLE };
	const struct nlmsghdr *nlh = (void *)buf;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	/* Nexthops given with a blackhole are not sent. */
	r.nh_count = 1;
	r.nh[0].gw = A("192.0.2.2");
	assert_true(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r) > 0);
	assert_int_equal(rtm->rtm_type, RTN_BLACKHOLE);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_UNIVERSE);
	assert_null(attr_find(nlh, sizeof(*rtm), RTA_GATEWAY));
	assert_null(attr_find(nlh, sizeof(*rtm), RTA_OIF));
	assert_null(attr_find(nlh, sizeof(*rtm), RTA_MULTIPATH));
}

static void test_route_build_delete_is_wildcard(void **state)
{
	struct zl_nl_route r = route_v4_gw();
	const struct nlmsghdr *nlh = (void *)buf;
	const struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);

	r.table = 100;
	assert_true(zl_nl_route_build(buf, BUFSZ, RTM_DELROUTE, 0, &r) > 0);
	assert_int_equal(nlh->nlmsg_type, RTM_DELROUTE);
	assert_int_equal(rtm->rtm_type, RTN_UNSPEC);
	assert_int_equal(rtm->rtm_scope, RT_SCOPE_NOWHERE);
	assert_int_equal(rtm->rtm_protocol, RTPROT_BGP);
	assert_attr_u32(attr_find(nlh, sizeof(*rtm), RTA_TABLE), 100);
	assert_attr_u32(attr_find(nlh, sizeof(*rtm), RTA_PRIORITY), 20);
	assert_null(attr_find(nlh, sizeof(*rtm), RTA_GATEWAY));
	assert_null(attr_find(nlh, sizeof(*rtm), RTA_OIF));
	/* A delete needs no nexthop at all. */
	r.nh_count = 0;
	assert_true(zl_nl_route_build(buf, BUFSZ, RTM_DELROUTE, 0, &r) > 0);
}

static void test_route_build_v4_via_v6(void **state)
{
	struct zl_nl_route r = { .dst = P("10.9.0.0/16"), .nh_count = 1 };
	const struct nlmsghdr *nlh = (void *)buf;
	const struct nlattr *via;
	struct kld_addr gw = A("fe80::1");
	uint16_t fam;

	r.nh[0].gw = gw;
	r.nh[0].ifindex = 2;
	assert_true(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r) > 0);
	assert_null(attr_find(nlh, sizeof(struct rtmsg), RTA_GATEWAY));
	via = attr_find(nlh, sizeof(struct rtmsg), RTA_VIA);
	assert_non_null(via);
	assert_int_equal(mnl_attr_get_payload_len(via), 18);
	memcpy(&fam, mnl_attr_get_payload(via), 2);
	assert_int_equal(fam, AF_INET6);
	assert_memory_equal((const char *)mnl_attr_get_payload(via) + 2, gw.u.bytes, 16);
}

static void test_route_build_invalid(void **state)
{
	struct zl_nl_route r = route_v4_gw();

	r.nh_count = 0;
	assert_int_equal(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r), -EINVAL);
	r = route_v4_gw();
	r.nh_count = ZL_NL_MAX_NEXTHOPS + 1;
	assert_int_equal(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r), -EINVAL);
	r = route_v4_gw();
	r.dst.family = 0;
	assert_int_equal(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r), -EINVAL);
	r = route_v4_gw();
	r.dst.len = 33;
	assert_int_equal(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r), -EINVAL);
	/* A nexthop needs a gateway or an interface. */
	r = route_v4_gw();
	memset(&r.nh[0], 0, sizeof(r.nh[0]));
	assert_int_equal(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r), -EINVAL);
	/* IPv6 over an IPv4 gateway does not exist. */
	r.dst = P("2001:db8::/32");
	r.nh[0].gw = A("192.0.2.1");
	assert_int_equal(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r), -EINVAL);
}

static int build_route_new(void *b, size_t size, const void *obj)
{
	return zl_nl_route_build(b, size, RTM_NEWROUTE, 0, obj);
}

static void test_route_build_never_overflows(void **state)
{
	struct zl_nl_route r = { .dst = P("2001:db8::/32"), .nh_count = 8 };
	int len;

	for (int i = 0; i < 8; i++) {
		r.nh[i].gw = A("2001:db8:1::2");
		r.nh[i].gw.u.bytes[15] = (uint8_t)i;
		r.nh[i].ifindex = i + 1;
	}
	r.prefsrc = A("2001:db8:1::1");
	len = zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r);
	assert_true(len > 0);
	assert_enospc_below(build_route_new, &r, len);
	r = route_v4_gw();
	len = zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, &r);
	assert_enospc_below(build_route_new, &r, len);
}

/* ---- routes: parse ------------------------------------------------------ */

static struct nlmsghdr *kmsg_route(uint8_t family, uint8_t dst_len, uint8_t table)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct rtmsg *rtm;

	nlh->nlmsg_type = RTM_NEWROUTE;
	rtm = mnl_nlmsg_put_extra_header(nlh, sizeof(*rtm));
	rtm->rtm_family = family;
	rtm->rtm_dst_len = dst_len;
	rtm->rtm_table = table;
	rtm->rtm_protocol = RTPROT_BGP;
	rtm->rtm_scope = RT_SCOPE_UNIVERSE;
	rtm->rtm_type = RTN_UNICAST;
	return nlh;
}

static void put_hop(struct nlmsghdr *nlh, int ifindex, uint8_t hops, const struct kld_addr *gw)
{
	struct rtnexthop *rtnh = mnl_nlmsg_get_payload_tail(nlh);

	memset(rtnh, 0, sizeof(*rtnh));
	nlh->nlmsg_len += sizeof(*rtnh);
	rtnh->rtnh_ifindex = ifindex;
	rtnh->rtnh_hops = hops;
	if (gw)
		mnl_attr_put(nlh, RTA_GATEWAY, kld_family_bytes(gw->family), gw->u.bytes);
	rtnh->rtnh_len = (unsigned short)((char *)mnl_nlmsg_get_payload_tail(nlh) - (char *)rtnh);
}

static void test_route_parse_kernel_v6_multipath(void **state)
{
	struct nlmsghdr *nlh = kmsg_route(AF_INET6, 48, RT_TABLE_UNSPEC);
	struct kld_addr dst = A("2001:db8:100::"), gw1 = A("fe80::1"), gw2 = A("fe80::2");
	struct zl_nl_route *r = calloc(1, sizeof(*r));
	struct nlattr *mp;

	mnl_attr_put_u32(nlh, RTA_TABLE, 1000);
	mnl_attr_put(nlh, RTA_DST, 16, dst.u.bytes);
	mnl_attr_put_u32(nlh, RTA_PRIORITY, 1024);
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	put_hop(nlh, 4, 0, &gw1);
	put_hop(nlh, 5, 4, &gw2);
	mnl_attr_nest_end(nlh, mp);

	assert_int_equal(zl_nl_route_parse(nlh, r), 0);
	assert_true(kld_prefix_eq(&r->dst, &(struct kld_prefix){ 0 }) == false);
	assert_int_equal(r->dst.family, AF_INET6);
	assert_int_equal(r->dst.len, 48);
	assert_memory_equal(r->dst.u.bytes, dst.u.bytes, 16);
	assert_int_equal(r->table, 1000);
	assert_int_equal(r->metric, 1024);
	assert_int_equal(r->protocol, RTPROT_BGP);
	assert_int_equal(r->type, RTN_UNICAST);
	assert_int_equal(r->nh_count, 2);
	assert_false(r->nh_truncated);
	assert_int_equal(r->nh[0].ifindex, 4);
	assert_int_equal(r->nh[0].weight, 1);
	assert_true(kld_addr_eq(&r->nh[0].gw, &gw1));
	assert_int_equal(r->nh[1].ifindex, 5);
	assert_int_equal(r->nh[1].weight, 5);
	assert_true(kld_addr_eq(&r->nh[1].gw, &gw2));
	free(r);
}

static void test_route_parse_kernel_v4_single(void **state)
{
	struct nlmsghdr *nlh = kmsg_route(AF_INET, 0, RT_TABLE_MAIN);
	struct kld_addr gw = A("192.0.2.1"), src = A("192.0.2.10");
	struct zl_nl_route r;

	/* Default route: no RTA_DST at all. */
	mnl_attr_put_u32(nlh, RTA_TABLE, RT_TABLE_MAIN);
	mnl_attr_put(nlh, RTA_GATEWAY, 4, gw.u.bytes);
	mnl_attr_put(nlh, RTA_PREFSRC, 4, src.u.bytes);
	mnl_attr_put_u32(nlh, RTA_OIF, 9);
	/* An attribute type we do not know must not disturb us. */
	mnl_attr_put_u32(nlh, RTA_MAX + 7, 1);
	memset(&r, 0xa5, sizeof(r));
	assert_int_equal(zl_nl_route_parse(nlh, &r), 0);
	assert_int_equal(r.dst.family, AF_INET);
	assert_int_equal(r.dst.len, 0);
	assert_int_equal(r.dst.u.v4.s_addr, 0);
	assert_int_equal(r.table, RT_TABLE_MAIN);
	assert_int_equal(r.metric, 0);
	assert_int_equal(r.nhid, 0);
	assert_true(kld_addr_eq(&r.prefsrc, &src));
	assert_int_equal(r.nh_count, 1);
	assert_true(kld_addr_eq(&r.nh[0].gw, &gw));
	assert_int_equal(r.nh[0].ifindex, 9);
	assert_int_equal(r.nh[0].weight, 1);
}

static void test_route_parse_blackhole_table_from_header(void **state)
{
	struct nlmsghdr *nlh = kmsg_route(AF_INET, 24, 100);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	uint8_t dst[4] = { 203, 0, 113, 0 };
	struct zl_nl_route r;

	rtm->rtm_type = RTN_BLACKHOLE;
	mnl_attr_put(nlh, RTA_DST, 4, dst);
	assert_int_equal(zl_nl_route_parse(nlh, &r), 0);
	assert_int_equal(r.table, 100);
	assert_int_equal(r.type, RTN_BLACKHOLE);
	assert_int_equal(r.nh_count, 0);
	assert_memory_equal(r.dst.u.bytes, dst, 4);
}

static void test_route_parse_skips_foreign(void **state)
{
	struct nlmsghdr *nlh = kmsg_route(RTNL_FAMILY_IPMR, 32, RT_TABLE_DEFAULT);
	struct rtmsg *rtm = mnl_nlmsg_get_payload(nlh);
	struct zl_nl_route r;

	assert_int_equal(zl_nl_route_parse(nlh, &r), -ENOENT);
	rtm->rtm_family = AF_INET;
	rtm->rtm_flags = RTM_F_CLONED;
	assert_int_equal(zl_nl_route_parse(nlh, &r), -ENOENT);
}

static void test_route_parse_malformed(void **state)
{
	struct nlmsghdr *nlh;
	struct nlattr *mp;
	struct rtnexthop *rtnh;
	struct zl_nl_route r;
	uint8_t three[3] = { 1, 2, 3 };

	/* Short family header. */
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = RTM_NEWROUTE;
	mnl_nlmsg_put_extra_header(nlh, 4);
	assert_int_equal(zl_nl_route_parse(nlh, &r), -EINVAL);
	/* RTA_DST of the wrong size. */
	nlh = kmsg_route(AF_INET, 24, RT_TABLE_MAIN);
	mnl_attr_put(nlh, RTA_DST, 3, three);
	assert_int_equal(zl_nl_route_parse(nlh, &r), -EINVAL);
	/* Prefix length beyond the family. */
	nlh = kmsg_route(AF_INET, 33, RT_TABLE_MAIN);
	assert_int_equal(zl_nl_route_parse(nlh, &r), -EINVAL);
	/* RTA_TABLE too short. */
	nlh = kmsg_route(AF_INET, 0, RT_TABLE_MAIN);
	mnl_attr_put_u16(nlh, RTA_TABLE, 5);
	assert_int_equal(zl_nl_route_parse(nlh, &r), -EINVAL);
	/* A nexthop claiming more bytes than the attribute holds. */
	nlh = kmsg_route(AF_INET, 0, RT_TABLE_MAIN);
	mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);
	put_hop(nlh, 1, 0, NULL);
	rtnh = (struct rtnexthop *)mnl_attr_get_payload(mp);
	mnl_attr_nest_end(nlh, mp);
	rtnh->rtnh_len = 64;
	assert_int_equal(zl_nl_route_parse(nlh, &r), -EINVAL);
	/* Not a route message. */
	nlh = kmsg_route(AF_INET, 0, RT_TABLE_MAIN);
	nlh->nlmsg_type = RTM_NEWLINK;
	assert_int_equal(zl_nl_route_parse(nlh, &r), -EINVAL);
}

static void test_route_parse_truncates_huge_multipath(void **state)
{
	struct nlmsghdr *nlh = kmsg_route(AF_INET, 0, RT_TABLE_MAIN);
	struct zl_nl_route *r = calloc(1, sizeof(*r));
	struct nlattr *mp = mnl_attr_nest_start(nlh, RTA_MULTIPATH);

	for (int i = 0; i < ZL_NL_MAX_NEXTHOPS + 3; i++)
		put_hop(nlh, i + 1, 0, NULL);
	mnl_attr_nest_end(nlh, mp);
	assert_int_equal(zl_nl_route_parse(nlh, r), 0);
	assert_int_equal(r->nh_count, ZL_NL_MAX_NEXTHOPS);
	assert_true(r->nh_truncated);
	assert_int_equal(r->nh[ZL_NL_MAX_NEXTHOPS - 1].ifindex, ZL_NL_MAX_NEXTHOPS);
	free(r);
}

static void assert_route_same(const struct zl_nl_route *a, const struct zl_nl_route *b)
{
	assert_true(kld_prefix_eq(&a->dst, &b->dst));
	assert_int_equal(a->table ? a->table : RT_TABLE_MAIN, b->table);
	assert_int_equal(a->metric, b->metric);
	assert_int_equal(a->protocol, b->protocol);
	assert_int_equal(a->type ? a->type : RTN_UNICAST, b->type);
	assert_int_equal(a->prefsrc.family, b->prefsrc.family);
	if (b->type != RTN_UNICAST)
		return;
	assert_int_equal(a->nh_count, b->nh_count);
	for (unsigned int i = 0; i < a->nh_count; i++) {
		assert_true(kld_addr_eq(&a->nh[i].gw, &b->nh[i].gw));
		assert_int_equal(a->nh[i].ifindex, b->nh[i].ifindex);
		if (a->nh_count > 1)
			assert_int_equal(a->nh[i].weight ? a->nh[i].weight : 1, b->nh[i].weight);
	}
}

static void test_route_roundtrip(void **state)
{
	struct zl_nl_route *in = calloc(1, sizeof(*in)), *out = calloc(1, sizeof(*out));
	const struct nlmsghdr *nlh = (void *)buf;

	*in = route_v4_gw();
	in->table = 4000;
	in->prefsrc = A("192.0.2.1");
	assert_true(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, in) > 0);
	assert_int_equal(zl_nl_route_parse(nlh, out), 0);
	assert_route_same(in, out);
	assert_int_equal(out->scope, RT_SCOPE_UNIVERSE);

	memset(in, 0, sizeof(*in));
	in->dst = P("2001:db8::/32");
	in->protocol = ZL_RTPROT_WIREGUARD;
	in->nh_count = ZL_NL_MAX_NEXTHOPS;
	for (int i = 0; i < ZL_NL_MAX_NEXTHOPS; i++) {
		in->nh[i].gw = A("2001:db8:1::");
		in->nh[i].gw.u.bytes[15] = (uint8_t)(i + 1);
		in->nh[i].ifindex = 10;
		in->nh[i].weight = (uint16_t)(i * 4 + 1);
	}
	assert_true(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, in) > 0);
	assert_int_equal(zl_nl_route_parse(nlh, out), 0);
	assert_route_same(in, out);
	assert_false(out->nh_truncated);

	memset(in, 0, sizeof(*in));
	in->dst = P("2001:db8:dead::/48");
	in->type = RTN_UNREACHABLE;
	in->metric = 5;
	assert_true(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, in) > 0);
	assert_int_equal(zl_nl_route_parse(nlh, out), 0);
	assert_route_same(in, out);
	assert_int_equal(out->nh_count, 0);

	memset(in, 0, sizeof(*in));
	in->dst = P("10.0.0.0/8");
	in->nh_count = 1;
	in->nh[0].gw = A("fe80::1");
	in->nh[0].ifindex = 3;
	assert_true(zl_nl_route_build(buf, BUFSZ, RTM_NEWROUTE, 0, in) > 0);
	assert_int_equal(zl_nl_route_parse(nlh, out), 0);
	assert_route_same(in, out);
	free(in);
	free(out);
}

/* ---- links -------------------------------------------------------------- */

static void test_link_parse_vxlan(void **state)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct nlattr *info, *data;
	struct kld_addr local = A("192.0.2.1"), group = A("2001:db8::99");
	uint8_t mac[6] = { 0x02, 0, 0, 0, 0, 0x42 };
	struct zl_nl_link l;

	nlh->nlmsg_type = RTM_NEWLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_index = 12;
	ifi->ifi_type = 1;
	ifi->ifi_flags = IFF_UP | IFF_RUNNING | IFF_BROADCAST;
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "vx100");
	mnl_attr_put_u32(nlh, IFLA_MTU, 1450);
	mnl_attr_put(nlh, IFLA_ADDRESS, 6, mac);
	mnl_attr_put_u32(nlh, IFLA_MASTER, 11);
	mnl_attr_put_u8(nlh, IFLA_OPERSTATE, IF_OPER_UP);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, "vxlan");
	data = mnl_attr_nest_start(nlh, IFLA_INFO_DATA);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_ID, 100);
	mnl_attr_put(nlh, IFLA_VXLAN_LOCAL, 4, local.u.bytes);
	mnl_attr_put(nlh, IFLA_VXLAN_GROUP6, 16, group.u.bytes);
	mnl_attr_put_u16(nlh, IFLA_VXLAN_PORT, htons(4789));
	mnl_attr_put_u8(nlh, IFLA_VXLAN_LEARNING, 0);
	mnl_attr_put_u32(nlh, IFLA_VXLAN_LINK, 3);
	mnl_attr_put_u8(nlh, IFLA_VXLAN_TTL, 64);
	mnl_attr_nest_end(nlh, data);
	mnl_attr_nest_end(nlh, info);

	assert_int_equal(zl_nl_link_parse(nlh, &l), 0);
	assert_int_equal(l.ifindex, 12);
	assert_string_equal(l.name, "vx100");
	assert_string_equal(l.kind, "vxlan");
	assert_true(l.admin_up);
	assert_true(l.oper_up);
	assert_int_equal(l.operstate, IF_OPER_UP);
	assert_int_equal(l.mtu, 1450);
	assert_int_equal(l.hwaddr_len, 6);
	assert_memory_equal(l.hwaddr, mac, 6);
	assert_int_equal(l.master, 11);
	assert_int_equal(l.vxlan.vni, 100);
	assert_true(kld_addr_eq(&l.vxlan.local, &local));
	assert_true(kld_addr_eq(&l.vxlan.group, &group));
	assert_int_equal(l.vxlan.dstport, 4789);
	assert_false(l.vxlan.learning);
	assert_int_equal(l.vxlan.dev, 3);
	assert_int_equal(l.vxlan.ttl, 64);

	/* Down, physical (no linkinfo). */
	ifi->ifi_flags = 0;
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifi));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	assert_int_equal(zl_nl_link_parse(nlh, &l), 0);
	assert_false(l.admin_up);
	assert_false(l.oper_up);
	assert_string_equal(l.kind, "");
	assert_int_equal(l.master, 0);
	assert_string_equal(l.alias, "");

	/* The alias (whose link it is): a long one is cut, the link kept. */
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, "kldnet:vxland");
	assert_int_equal(zl_nl_link_parse(nlh, &l), 0);
	assert_string_equal(l.alias, "kldnet:vxland");
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifi));
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "eth0");
	mnl_attr_put_strz(nlh, IFLA_IFALIAS, "an alias far longer than the thirty-one kept");
	assert_int_equal(zl_nl_link_parse(nlh, &l), 0);
	assert_string_equal(l.alias, "an alias far longer than the th");
}

static void test_link_parse_rejects(void **state)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;
	struct zl_nl_link l;

	nlh->nlmsg_type = RTM_DELLINK;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_BRIDGE;
	ifi->ifi_index = 5;
	assert_int_equal(zl_nl_link_parse(nlh, &l), -ENOENT);
	ifi->ifi_family = AF_UNSPEC;
	assert_int_equal(zl_nl_link_parse(nlh, &l), 0);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, "a-name-far-too-long");
	assert_int_equal(zl_nl_link_parse(nlh, &l), -EINVAL);
	nlh->nlmsg_len = MNL_NLMSG_HDRLEN + MNL_ALIGN(sizeof(*ifi));
	mnl_attr_put(nlh, IFLA_IFNAME, 3, "abc"); /* not NUL-terminated */
	assert_int_equal(zl_nl_link_parse(nlh, &l), -EINVAL);
}

static void test_link_build_create_vxlan(void **state)
{
	struct zl_nl_link_spec s = {
		.name = "vx100", .kind = ZL_LINK_VXLAN, .mtu = 1450, .up = true,
		.vxlan = { .vni = 100, .local = A("192.0.2.1"), .dev = 3 },
	};
	const struct nlmsghdr *nlh = (void *)buf;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	const struct nlattr *info, *data, *a;
	struct zl_nl_link l;

	assert_true(zl_nl_link_build_create(buf, BUFSZ, 0, &s) > 0);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_EXCL);
	assert_int_equal(ifi->ifi_flags & IFF_UP, IFF_UP);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	assert_string_equal(mnl_attr_get_str(attr_find(nlh, sizeof(*ifi), IFLA_IFNAME)), "vx100");
	assert_attr_u32(attr_find(nlh, sizeof(*ifi), IFLA_MTU), 1450);
	info = attr_find(nlh, sizeof(*ifi), IFLA_LINKINFO);
	assert_non_null(info);
	assert_string_equal(mnl_attr_get_str(nest_find(info, IFLA_INFO_KIND)), "vxlan");
	data = nest_find(info, IFLA_INFO_DATA);
	assert_non_null(data);
	assert_attr_u32(nest_find(data, IFLA_VXLAN_ID), 100);
	assert_attr_u32(nest_find(data, IFLA_VXLAN_LINK), 3);
	assert_attr_bytes(nest_find(data, IFLA_VXLAN_LOCAL), s.vxlan.local.u.bytes, 4);
	assert_null(nest_find(data, IFLA_VXLAN_GROUP));
	a = nest_find(data, IFLA_VXLAN_PORT);
	assert_non_null(a);
	assert_int_equal(ntohs(mnl_attr_get_u16(a)), 4789); /* IANA, not Linux's 8472 */
	a = nest_find(data, IFLA_VXLAN_LEARNING);
	assert_non_null(a);
	assert_int_equal(mnl_attr_get_u8(a), 0);

	/* Our own parser reads back what we asked for. */
	((struct nlmsghdr *)buf)->nlmsg_flags = 0;
	assert_int_equal(zl_nl_link_parse(nlh, &l), 0);
	assert_string_equal(l.kind, "vxlan");
	assert_int_equal(l.vxlan.vni, 100);
	assert_int_equal(l.vxlan.dstport, 4789);
}

static void test_link_build_create_veth_and_plain(void **state)
{
	struct zl_nl_link_spec s = { .name = "v0", .kind = ZL_LINK_VETH, .veth_peer = "v0p",
				     .has_mac = true, .mac = { 2, 0, 0, 0, 0, 1 }, .master = 9 };
	const struct nlmsghdr *nlh = (void *)buf;
	const struct nlattr *info, *data, *peer;
	const struct nlattr *attr; /* name fixed by mnl_attr_for_each_payload */
	bool found = false;

	assert_true(zl_nl_link_build_create(buf, BUFSZ, 0, &s) > 0);
	assert_attr_bytes(attr_find(nlh, sizeof(struct ifinfomsg), IFLA_ADDRESS), s.mac, 6);
	assert_attr_u32(attr_find(nlh, sizeof(struct ifinfomsg), IFLA_MASTER), 9);
	info = attr_find(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO);
	data = nest_find(info, IFLA_INFO_DATA);
	peer = nest_find(data, VETH_INFO_PEER);
	assert_non_null(peer);
	/* The peer nest starts with an ifinfomsg, then the peer's attributes. */
	assert_true(mnl_attr_get_payload_len(peer) > sizeof(struct ifinfomsg));
	mnl_attr_for_each_payload((const void *)((const char *)mnl_attr_get_payload(peer) +
						 sizeof(struct ifinfomsg)),
				  mnl_attr_get_payload_len(peer) - sizeof(struct ifinfomsg)) {
		if (mnl_attr_get_type(attr) == IFLA_IFNAME) {
			assert_string_equal(mnl_attr_get_str(attr), "v0p");
			found = true;
		}
	}
	assert_true(found);

	for (int k = ZL_LINK_DUMMY; k <= ZL_LINK_WIREGUARD; k++) {
		static const char *const names[] = { "dummy", "bridge", "vxlan", "wireguard" };
		struct zl_nl_link_spec p = { .name = "x", .kind = k };

		assert_true(zl_nl_link_build_create(buf, BUFSZ, 0, &p) > 0);
		info = attr_find(nlh, sizeof(struct ifinfomsg), IFLA_LINKINFO);
		assert_string_equal(mnl_attr_get_str(nest_find(info, IFLA_INFO_KIND)), names[k]);
		assert_int_equal(nest_find(info, IFLA_INFO_DATA) != NULL, k == ZL_LINK_VXLAN);
	}
}

static void test_link_build_invalid(void **state)
{
	struct zl_nl_link_spec s = { .name = "0123456789abcdef", .kind = ZL_LINK_DUMMY };
	struct zl_nl_link_change c = { .ifindex = 3 };

	assert_int_equal(zl_nl_link_build_create(buf, BUFSZ, 0, &s), -EINVAL);
	s.name = "";
	assert_int_equal(zl_nl_link_build_create(buf, BUFSZ, 0, &s), -EINVAL);
	s.name = "v0";
	s.kind = ZL_LINK_VETH; /* without a peer */
	assert_int_equal(zl_nl_link_build_create(buf, BUFSZ, 0, &s), -EINVAL);
	s.kind = ZL_LINK_VXLAN;
	s.vxlan.vni = 1u << 24;
	assert_int_equal(zl_nl_link_build_create(buf, BUFSZ, 0, &s), -EINVAL);
	s.kind = 99;
	assert_int_equal(zl_nl_link_build_create(buf, BUFSZ, 0, &s), -EINVAL);
	/* A change that changes nothing is a bug in the caller. */
	assert_int_equal(zl_nl_link_build_change(buf, BUFSZ, &c), -EINVAL);
	c.set_mtu = true;
	c.ifindex = 0;
	assert_int_equal(zl_nl_link_build_change(buf, BUFSZ, &c), -EINVAL);
	assert_int_equal(zl_nl_link_build_delete(buf, BUFSZ, 0), -EINVAL);
	assert_int_equal(zl_nl_link_build_delete(buf, 8, 3), -ENOSPC);
}

static void test_link_build_change(void **state)
{
	struct zl_nl_link_change c = { .ifindex = 7, .set_up = true, .up = false,
				       .set_master = true, .master = 0 };
	const struct nlmsghdr *nlh = (void *)buf;
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	assert_true(zl_nl_link_build_change(buf, BUFSZ, &c) > 0);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_int_equal(nlh->nlmsg_flags & (NLM_F_CREATE | NLM_F_EXCL), 0);
	assert_int_equal(ifi->ifi_index, 7);
	assert_int_equal(ifi->ifi_flags, 0);
	assert_int_equal(ifi->ifi_change, IFF_UP);
	/* nomaster is IFLA_MASTER 0, and no MTU was asked for. */
	assert_attr_u32(attr_find(nlh, sizeof(*ifi), IFLA_MASTER), 0);
	assert_null(attr_find(nlh, sizeof(*ifi), IFLA_MTU));

	c = (struct zl_nl_link_change){ .ifindex = 7, .set_mtu = true, .mtu = 9000 };
	assert_true(zl_nl_link_build_change(buf, BUFSZ, &c) > 0);
	assert_int_equal(ifi->ifi_change, 0);
	assert_attr_u32(attr_find(nlh, sizeof(*ifi), IFLA_MTU), 9000);
	assert_null(attr_find(nlh, sizeof(*ifi), IFLA_MASTER));

	assert_true(zl_nl_link_build_delete(buf, BUFSZ, 7) > 0);
	assert_int_equal(nlh->nlmsg_type, RTM_DELLINK);
	assert_int_equal(ifi->ifi_index, 7);
}

/* ---- addresses ---------------------------------------------------------- */

static void test_addr_build(void **state)
{
	struct zl_nl_addr a = { .ifindex = 4, .addr = A("192.0.2.1"), .prefixlen = 24 };
	const struct nlmsghdr *nlh = (void *)buf;
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);
	struct kld_addr peer = A("192.0.2.254");

	assert_true(zl_nl_addr_build(buf, BUFSZ, RTM_NEWADDR, NLM_F_CREATE, &a) > 0);
	assert_int_equal(ifa->ifa_family, AF_INET);
	assert_int_equal(ifa->ifa_prefixlen, 24);
	assert_int_equal(ifa->ifa_index, 4);
	assert_attr_bytes(attr_find(nlh, sizeof(*ifa), IFA_LOCAL), a.addr.u.bytes, 4);
	assert_attr_bytes(attr_find(nlh, sizeof(*ifa), IFA_ADDRESS), a.addr.u.bytes, 4);
	assert_null(attr_find(nlh, sizeof(*ifa), IFA_FLAGS));

	a.peer = peer;
	a.flags = IFA_F_NOPREFIXROUTE; /* > 8 bits: needs IFA_FLAGS */
	assert_true(zl_nl_addr_build(buf, BUFSZ, RTM_NEWADDR, 0, &a) > 0);
	assert_attr_bytes(attr_find(nlh, sizeof(*ifa), IFA_LOCAL), a.addr.u.bytes, 4);
	assert_attr_bytes(attr_find(nlh, sizeof(*ifa), IFA_ADDRESS), peer.u.bytes, 4);
	assert_attr_u32(attr_find(nlh, sizeof(*ifa), IFA_FLAGS), IFA_F_NOPREFIXROUTE);

	a.prefixlen = 33;
	assert_int_equal(zl_nl_addr_build(buf, BUFSZ, RTM_NEWADDR, 0, &a), -EINVAL);
	a.prefixlen = 24;
	a.peer = A("2001:db8::1");
	assert_int_equal(zl_nl_addr_build(buf, BUFSZ, RTM_NEWADDR, 0, &a), -EINVAL);
	a.peer.family = 0;
	a.ifindex = 0;
	assert_int_equal(zl_nl_addr_build(buf, BUFSZ, RTM_NEWADDR, 0, &a), -EINVAL);
}

static struct nlmsghdr *kmsg_addr(uint8_t family, uint8_t plen, uint8_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifaddrmsg *ifa;

	nlh->nlmsg_type = RTM_NEWADDR;
	ifa = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifa));
	ifa->ifa_family = family;
	ifa->ifa_prefixlen = plen;
	ifa->ifa_flags = flags;
	ifa->ifa_index = 6;
	ifa->ifa_scope = RT_SCOPE_UNIVERSE;
	return nlh;
}

static void test_addr_parse(void **state)
{
	struct kld_addr v6 = A("2001:db8:1::1"), v4 = A("192.0.2.1"), peer = A("192.0.2.9");
	struct nlmsghdr *nlh;
	struct zl_nl_addr a;

	/* IPv6 sends IFA_ADDRESS only, and the 32-bit flags. */
	nlh = kmsg_addr(AF_INET6, 64, IFA_F_PERMANENT);
	mnl_attr_put(nlh, IFA_ADDRESS, 16, v6.u.bytes);
	mnl_attr_put_u32(nlh, IFA_FLAGS, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);
	assert_int_equal(zl_nl_addr_parse(nlh, &a), 0);
	assert_int_equal(a.ifindex, 6);
	assert_int_equal(a.prefixlen, 64);
	assert_true(kld_addr_eq(&a.addr, &v6));
	assert_int_equal(a.peer.family, 0);
	assert_int_equal(a.flags, IFA_F_PERMANENT | IFA_F_NOPREFIXROUTE);

	/* IPv4 point-to-point: LOCAL is ours, ADDRESS the peer. */
	nlh = kmsg_addr(AF_INET, 32, 0);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, peer.u.bytes);
	mnl_attr_put(nlh, IFA_LOCAL, 4, v4.u.bytes);
	assert_int_equal(zl_nl_addr_parse(nlh, &a), 0);
	assert_true(kld_addr_eq(&a.addr, &v4));
	assert_true(kld_addr_eq(&a.peer, &peer));

	/* Equal LOCAL and ADDRESS: no peer. */
	nlh = kmsg_addr(AF_INET, 24, 0);
	mnl_attr_put(nlh, IFA_ADDRESS, 4, v4.u.bytes);
	mnl_attr_put(nlh, IFA_LOCAL, 4, v4.u.bytes);
	assert_int_equal(zl_nl_addr_parse(nlh, &a), 0);
	assert_int_equal(a.peer.family, 0);

	/* Broken: no address, wrong size, other family, long prefix. */
	nlh = kmsg_addr(AF_INET, 24, 0);
	assert_int_equal(zl_nl_addr_parse(nlh, &a), -EINVAL);
	mnl_attr_put(nlh, IFA_ADDRESS, 16, v6.u.bytes);
	assert_int_equal(zl_nl_addr_parse(nlh, &a), -EINVAL);
	nlh = kmsg_addr(AF_PACKET, 0, 0);
	assert_int_equal(zl_nl_addr_parse(nlh, &a), -ENOENT);
	nlh = kmsg_addr(AF_INET6, 129, 0);
	mnl_attr_put(nlh, IFA_ADDRESS, 16, v6.u.bytes);
	assert_int_equal(zl_nl_addr_parse(nlh, &a), -EINVAL);
}

/* ---- neighbours / FDB --------------------------------------------------- */

static void test_neigh_build_fdb_flood(void **state)
{
	struct zl_nl_neigh n = { .ifindex = 8, .family = AF_BRIDGE, .has_mac = true,
				 .dst = A("198.51.100.7") };
	const struct nlmsghdr *nlh = (void *)buf;
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);
	uint8_t zero[6] = { 0 };

	assert_true(zl_nl_neigh_build(buf, BUFSZ, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_APPEND,
				      &n) > 0);
	assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_CREATE | NLM_F_APPEND);
	assert_int_equal(ndm->ndm_family, AF_BRIDGE);
	assert_int_equal(ndm->ndm_ifindex, 8);
	assert_int_equal(ndm->ndm_state, NUD_PERMANENT | NUD_NOARP);
	assert_int_equal(ndm->ndm_flags, NTF_SELF);
	assert_attr_bytes(attr_find(nlh, sizeof(*ndm), NDA_LLADDR), zero, 6);
	assert_attr_bytes(attr_find(nlh, sizeof(*ndm), NDA_DST), n.dst.u.bytes, 4);
	assert_null(attr_find(nlh, sizeof(*ndm), NDA_VNI));

	/* Explicit master flag and VNI are kept as given. */
	n.flags = NTF_MASTER;
	n.has_vni = true;
	n.vni = 4000;
	n.vlan = 10;
	assert_true(zl_nl_neigh_build(buf, BUFSZ, RTM_NEWNEIGH, 0, &n) > 0);
	assert_int_equal(ndm->ndm_flags, NTF_MASTER);
	assert_attr_u32(attr_find(nlh, sizeof(*ndm), NDA_VNI), 4000);
	assert_int_equal(mnl_attr_get_u16(attr_find(nlh, sizeof(*ndm), NDA_VLAN)), 10);
}

static void test_neigh_build_invalid(void **state)
{
	struct zl_nl_neigh n = { .ifindex = 8, .family = AF_BRIDGE };

	assert_int_equal(zl_nl_neigh_build(buf, BUFSZ, RTM_NEWNEIGH, 0, &n), -EINVAL);
	n.family = AF_INET;
	n.dst = A("2001:db8::1");
	n.has_mac = true;
	assert_int_equal(zl_nl_neigh_build(buf, BUFSZ, RTM_NEWNEIGH, 0, &n), -EINVAL);
	n.dst = A("192.0.2.5");
	assert_true(zl_nl_neigh_build(buf, BUFSZ, RTM_NEWNEIGH, 0, &n) > 0);
	assert_int_equal(((struct ndmsg *)mnl_nlmsg_get_payload((void *)buf))->ndm_state,
			 NUD_PERMANENT);
	n.has_mac = false; /* delete needs no MAC, add does */
	assert_int_equal(zl_nl_neigh_build(buf, BUFSZ, RTM_NEWNEIGH, 0, &n), -EINVAL);
	assert_true(zl_nl_neigh_build(buf, BUFSZ, RTM_DELNEIGH, 0, &n) > 0);
	n.ifindex = 0;
	assert_int_equal(zl_nl_neigh_build(buf, BUFSZ, RTM_DELNEIGH, 0, &n), -EINVAL);
}

static void test_neigh_parse_fdb_v6_vtep(void **state)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ndmsg *ndm;
	struct kld_addr vtep = A("2001:db8::7");
	uint8_t mac[6] = { 0xaa, 0xbb, 0xcc, 0, 0, 1 };
	struct zl_nl_neigh n;

	nlh->nlmsg_type = RTM_NEWNEIGH;
	ndm = mnl_nlmsg_put_extra_header(nlh, sizeof(*ndm));
	ndm->ndm_family = AF_BRIDGE;
	ndm->ndm_ifindex = 9;
	ndm->ndm_state = NUD_PERMANENT;
	ndm->ndm_flags = NTF_SELF;
	mnl_attr_put(nlh, NDA_LLADDR, 6, mac);
	mnl_attr_put(nlh, NDA_DST, 16, vtep.u.bytes);
	mnl_attr_put_u32(nlh, NDA_VNI, 100);
	mnl_attr_put_u32(nlh, NDA_MASTER, 4);
	assert_int_equal(zl_nl_neigh_parse(nlh, &n), 0);
	assert_int_equal(n.family, AF_BRIDGE);
	assert_int_equal(n.ifindex, 9);
	assert_int_equal(n.state, NUD_PERMANENT);
	assert_int_equal(n.flags, NTF_SELF);
	assert_true(n.has_mac);
	assert_memory_equal(n.mac, mac, 6);
	assert_true(kld_addr_eq(&n.dst, &vtep));
	assert_true(n.has_vni);
	assert_int_equal(n.vni, 100);
	assert_int_equal(n.master, 4);

	/* A VTEP address of an impossible size. */
	mnl_attr_put(nlh, NDA_DST, 5, mac);
	assert_int_equal(zl_nl_neigh_parse(nlh, &n), -EINVAL);
	ndm->ndm_family = AF_PACKET;
	assert_int_equal(zl_nl_neigh_parse(nlh, &n), -ENOENT);
}

static void test_neigh_roundtrip_ip(void **state)
{
	struct zl_nl_neigh in = { .ifindex = 3, .family = AF_INET6, .dst = A("fe80::5"),
				  .has_mac = true, .mac = { 2, 1, 2, 3, 4, 5 },
				  .state = NUD_REACHABLE },
			   out;

	assert_true(zl_nl_neigh_build(buf, BUFSZ, RTM_NEWNEIGH, 0, &in) > 0);
	assert_int_equal(zl_nl_neigh_parse((void *)buf, &out), 0);
	assert_true(kld_addr_eq(&in.dst, &out.dst));
	assert_memory_equal(in.mac, out.mac, 6);
	assert_int_equal(out.state, NUD_REACHABLE);
	assert_int_equal(out.family, AF_INET6);
	assert_false(out.has_vni);
}

/* ---- dumps and names ----------------------------------------------------- */

static void test_dump_build(void **state)
{
	static const struct {
		enum zl_nl_obj obj;
		uint16_t type;
		size_t hdr;
	} cases[] = {
		{ ZL_NL_LINK, RTM_GETLINK, sizeof(struct ifinfomsg) },
		{ ZL_NL_ADDR, RTM_GETADDR, sizeof(struct ifaddrmsg) },
		{ ZL_NL_ROUTE, RTM_GETROUTE, sizeof(struct rtmsg) },
		{ ZL_NL_NEIGH, RTM_GETNEIGH, sizeof(struct ndmsg) },
	};
	const struct nlmsghdr *nlh = (void *)buf;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		assert_true(zl_nl_dump_build(buf, BUFSZ, cases[i].obj, AF_INET6) > 0);
		assert_int_equal(nlh->nlmsg_type, cases[i].type);
		assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_DUMP);
		assert_int_equal(*(const uint8_t *)mnl_nlmsg_get_payload(nlh), AF_INET6);
		assert_true(nlh->nlmsg_len >= MNL_NLMSG_HDRLEN + cases[i].hdr);
	}
	assert_true(zl_nl_dump_build(buf, BUFSZ, ZL_NL_LINK, AF_UNSPEC) > 0);
	assert_attr_u32(attr_find(nlh, sizeof(struct ifinfomsg), IFLA_EXT_MASK),
			RTEXT_FILTER_SKIP_STATS);
	assert_int_equal(zl_nl_dump_build(buf, BUFSZ, ZL_NL_OBJ_MAX, 0), -EINVAL);
	assert_int_equal(zl_nl_dump_build(buf, 10, ZL_NL_ROUTE, 0), -ENOSPC);
}

static void test_rtprot_names(void **state)
{
	assert_string_equal(zl_nl_rtprot_name(ZL_RTPROT_WIREGUARD), "wireguard");
	assert_string_equal(zl_nl_rtprot_name(ZL_RTPROT_VXLAN), "vxlan");
	assert_null(zl_nl_rtprot_name(RTPROT_BGP));
	assert_non_null(strstr(zl_nl_rtprot_conf(), "240\twireguard\n"));
	assert_non_null(strstr(zl_nl_rtprot_conf(), "241\tvxlan\n"));
	/* Not a number the kernel, FRR or iproute2 already give out. */
	assert_true(ZL_RTPROT_WIREGUARD > 198 && ZL_RTPROT_VXLAN > 198);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_route_build_v4_gateway),
		cmocka_unit_test(test_route_build_device_route_scope_link),
		cmocka_unit_test(test_route_build_big_table),
		cmocka_unit_test(test_route_build_multipath_weights),
		cmocka_unit_test(test_route_build_blackhole),
		cmocka_unit_test(test_route_build_delete_is_wildcard),
		cmocka_unit_test(test_route_build_v4_via_v6),
		cmocka_unit_test(test_route_build_invalid),
		cmocka_unit_test(test_route_build_never_overflows),
		cmocka_unit_test(test_route_parse_kernel_v6_multipath),
		cmocka_unit_test(test_route_parse_kernel_v4_single),
		cmocka_unit_test(test_route_parse_blackhole_table_from_header),
		cmocka_unit_test(test_route_parse_skips_foreign),
		cmocka_unit_test(test_route_parse_malformed),
		cmocka_unit_test(test_route_parse_truncates_huge_multipath),
		cmocka_unit_test(test_route_roundtrip),
		cmocka_unit_test(test_link_parse_vxlan),
		cmocka_unit_test(test_link_parse_rejects),
		cmocka_unit_test(test_link_build_create_vxlan),
		cmocka_unit_test(test_link_build_create_veth_and_plain),
		cmocka_unit_test(test_link_build_invalid),
		cmocka_unit_test(test_link_build_change),
		cmocka_unit_test(test_addr_build),
		cmocka_unit_test(test_addr_parse),
		cmocka_unit_test(test_neigh_build_fdb_flood),
		cmocka_unit_test(test_neigh_build_invalid),
		cmocka_unit_test(test_neigh_parse_fdb_v6_vtep),
		cmocka_unit_test(test_neigh_roundtrip_ip),
		cmocka_unit_test(test_dump_build),
		cmocka_unit_test(test_rtprot_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
