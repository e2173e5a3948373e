/*
 * UPDATE decoding: a golden message assembled by hand from RFC 4271 /
 * RFC 4760 layouts, then one test per RFC 7606 decision (the table at the
 * top of bgpd/bgp_attr.c), each built as raw bytes so that the encoder's
 * own idea of the format cannot hide a decoder bug.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "bgpd/bgp_packet.h"

/* ---- builders --------------------------------------------------------- */

struct ab {
	uint8_t b[4096];
	size_t len;
};

/* Append an attribute; the length form follows the EXTLEN flag. */
static void ab_add(struct ab *a, uint8_t flags, uint8_t type, const void *val, size_t len)
{
	a->b[a->len++] = flags;
	a->b[a->len++] = type;
	if (flags & BGP_ATTR_FLAG_EXTLEN) {
		a->b[a->len++] = (uint8_t)(len >> 8);
		a->b[a->len++] = (uint8_t)len;
	} else {
		a->b[a->len++] = (uint8_t)len;
	}
	memcpy(a->b + a->len, val, len);
	a->len += len;
}

static void ab_raw(struct ab *a, const void *p, size_t len)
{
	memcpy(a->b + a->len, p, len);
	a->len += len;
}

static const uint8_t v_origin_igp[] = {0};
static const uint8_t v_aspath4[] = {2, 2, 0, 0, 0xfd, 0xea, 0, 0, 0xfd, 0xeb}; /* 65002 65003 */
static const uint8_t v_aspath2[] = {2, 2, 0xfd, 0xea, 0xfd, 0xeb};
static const uint8_t v_nh[] = {192, 0, 2, 1};

/* ORIGIN, AS_PATH, NEXT_HOP: the well-known mandatory trio. */
static void ab_base(struct ab *a, bool as4)
{
	ab_add(a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	if (as4)
		ab_add(a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	else
		ab_add(a, 0x40, BGP_ATTR_AS_PATH, v_aspath2, sizeof(v_aspath2));
	ab_add(a, 0x40, BGP_ATTR_NEXT_HOP, v_nh, 4);
}

static size_t mk_update(uint8_t *m, const void *wd, size_t wl, const void *at, size_t al,
			const void *nl, size_t nlen)
{
	size_t len = 23 + wl + al + nlen;

	memset(m, 0xff, 16);
	bgp_put16(m + 16, (uint16_t)len);
	m[18] = BGP_MSG_UPDATE;
	bgp_put16(m + 19, (uint16_t)wl);
	memcpy(m + 21, wd, wl);
	bgp_put16(m + 21 + wl, (uint16_t)al);
	memcpy(m + 23 + wl, at, al);
	memcpy(m + 23 + wl + al, nl, nlen);
	return len;
}

static const uint8_t nlri_10_1[] = {16, 10, 1};			/* 10.1.0.0/16 */
static const uint8_t nlri_two[] = {16, 10, 1, 24, 192, 168, 7}; /* + 192.168.7.0/24 */

static struct bgp_codec_ctx ctx_ibgp4 = {
    .as4 = true,
    .ebgp = false,
    .af_mask = BGP_AF_MASK_ALL,
};
static struct bgp_codec_ctx ctx_ebgp4 = {
    .as4 = true,
    .ebgp = true,
    .af_mask = BGP_AF_MASK_ALL,
};
static struct bgp_codec_ctx ctx_ebgp2 = {
    .as4 = false,
    .ebgp = true,
    .af_mask = BGP_AF_MASK_ALL,
};

struct fx {
	struct bgp_update u;
	uint8_t msg[8192];
	size_t len;
	struct ab a;
};

static int setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));

	bgp_update_init(&f->u);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fx *f = *state;

	bgp_update_fini(&f->u);
	free(f);
	return 0;
}

/* Decode f->a with NLRI nl; returns the decoder's rc. */
static int run(struct fx *f, const struct bgp_codec_ctx *ctx, const void *nl, size_t nlen)
{
	f->len = mk_update(f->msg, NULL, 0, f->a.b, f->a.len, nl, nlen);
	return bgp_update_decode(&f->u, f->msg, f->len, ctx);
}

static void pfx_eq(const struct kld_prefix *p, uint8_t family, const char *addr, uint8_t len)
{
	uint8_t bytes[16] = {0};

	assert_int_equal(inet_pton(family, addr, bytes), 1);
	assert_int_equal(p->family, family);
	assert_int_equal(p->len, len);
	assert_memory_equal(p->u.bytes, bytes, family == AF_INET ? 4 : 16);
}

/* A treat-as-withdraw verdict: session stays, announced prefixes become
 * withdrawals. */
static void expect_taw(struct fx *f, int rc, uint8_t attr_type, size_t nwithdrawn)
{
	assert_int_equal(rc, 0);
	assert_int_equal(f->u.eh.action, BGP_EH_TREAT_AS_WITHDRAW);
	assert_int_equal(f->u.eh.attr_type, attr_type);
	assert_int_equal(f->u.nlri.n, 0);
	assert_int_equal(f->u.mp_nlri.n, 0);
	assert_int_equal(f->u.withdrawn.n, nwithdrawn);
}

static void expect_discard(struct fx *f, int rc, uint8_t attr_type)
{
	assert_int_equal(rc, 0);
	assert_int_equal(f->u.eh.action, BGP_EH_ATTR_DISCARD);
	assert_true(bgp_eh_discarded(&f->u.eh, attr_type));
	assert_int_equal(f->u.nlri.n, 1);
	assert_int_equal(f->u.withdrawn.n, 0);
}

static void expect_reset(struct fx *f, int rc, uint8_t subcode)
{
	assert_int_equal(rc, -EBADMSG);
	assert_int_equal(f->u.eh.action, BGP_EH_SESSION_RESET);
	assert_int_equal(f->u.eh.notify.code, BGP_ERR_UPDATE);
	assert_int_equal(f->u.eh.notify.subcode, subcode);
	assert_int_equal(f->u.nlri.n + f->u.mp_nlri.n + f->u.withdrawn.n, 0);
}

/* ---- golden messages -------------------------------------------------- */

/*
 * Hand-assembled IPv4 UPDATE (4-octet AS session, iBGP):
 *   withdrawn 172.16.0.0/12
 *   ORIGIN IGP, AS_PATH SEQ(65002 65003) SET(1 2), NEXT_HOP 192.0.2.1,
 *   MED 50, LOCAL_PREF 200, ATOMIC_AGGREGATE, AGGREGATOR 65003 10.0.0.3,
 *   COMMUNITIES 65000:100 no-export, LARGE_COMMUNITIES 65000:1:2,
 *   unknown optional transitive type 99 "ab"
 *   NLRI 10.1.0.0/16 192.168.7.0/24 0.0.0.0/0
 */
/* clang-format off */
static const uint8_t golden_update[] = {
	/* marker */
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x00, 0x7f, /* length 127 */
	0x02,	    /* UPDATE */
	0x00, 0x03, 12, 172, 16, /* withdrawn routes */
	0x00, 0x5d,		 /* total path attribute length 93 */
	0x40, 0x01, 0x01, 0x00,	 /* ORIGIN IGP */
	0x40, 0x02, 0x14,	 /* AS_PATH, 20 bytes */
	0x02, 0x02, 0x00, 0x00, 0xfd, 0xea, 0x00, 0x00, 0xfd, 0xeb,
	0x01, 0x02, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x02,
	0x40, 0x03, 0x04, 192, 0, 2, 1,		/* NEXT_HOP */
	0x80, 0x04, 0x04, 0x00, 0x00, 0x00, 0x32, /* MED 50 */
	0x40, 0x05, 0x04, 0x00, 0x00, 0x00, 0xc8, /* LOCAL_PREF 200 */
	0x40, 0x06, 0x00,			/* ATOMIC_AGGREGATE */
	0xc0, 0x07, 0x08, 0x00, 0x00, 0xfd, 0xeb, 10, 0, 0, 3, /* AGGREGATOR */
	0xc0, 0x08, 0x08, 0xfd, 0xe8, 0x00, 0x64, 0xff, 0xff, 0xff, 0x01, /* COMMUNITIES */
	0xc0, 0x20, 0x0c, 0x00, 0x00, 0xfd, 0xe8, 0x00, 0x00, 0x00, 0x01,
	0x00, 0x00, 0x00, 0x02,			/* LARGE_COMMUNITIES */
	0xc0, 0x63, 0x02, 'a', 'b',		/* unknown type 99 */
	16, 10, 1, 24, 192, 168, 7, 0,		/* NLRI */
};
/* clang-format on */

static void test_golden_update(void **state)
{
	struct fx *f = *state;
	const struct bgp_attrs *a = &f->u.attrs;
	char buf[128];

	assert_int_equal(sizeof(golden_update), 127);
	assert_int_equal(bgp_update_decode(&f->u, golden_update, sizeof(golden_update), &ctx_ibgp4),
			 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_int_equal(f->u.withdrawn.n, 1);
	pfx_eq(&f->u.withdrawn.p[0], AF_INET, "172.16.0.0", 12);
	assert_int_equal(f->u.nlri.n, 3);
	pfx_eq(&f->u.nlri.p[0], AF_INET, "10.1.0.0", 16);
	pfx_eq(&f->u.nlri.p[1], AF_INET, "192.168.7.0", 24);
	pfx_eq(&f->u.nlri.p[2], AF_INET, "0.0.0.0", 0);
	assert_int_equal(a->origin, BGP_ORIGIN_IGP);
	bgp_aspath_fmt(a->aspath, a->aspath_len, buf, sizeof(buf));
	assert_string_equal(buf, "65002 65003 {1,2}");
	assert_int_equal(bgp_aspath_length(a->aspath, a->aspath_len), 3);
	assert_int_equal(a->nexthop.family, AF_INET);
	assert_memory_equal(a->nexthop.u.bytes, v_nh, 4);
	assert_int_equal(bgp_attrs_med(a, 0), 50);
	assert_int_equal(bgp_attrs_local_pref(a, 100), 200);
	assert_true(a->present & BGP_ATTRF_ATOMIC_AGGREGATE);
	assert_int_equal(a->aggr_as, 65003);
	assert_int_equal(a->aggr_id, 0x0a000003);
	bgp_comm_fmt(a->comm, a->ncomm, buf, sizeof(buf));
	assert_string_equal(buf, "65000:100 no-export");
	bgp_lcomm_fmt(a->lcomm, a->nlcomm, buf, sizeof(buf));
	assert_string_equal(buf, "65000:1:2");
	/* Kept with the Partial bit set, Extended Length cleared. */
	assert_int_equal(a->unknown_len, 6);
	assert_memory_equal(a->unknown,
			    "\xe0\x63\x00\x02"
			    "ab",
			    6);
}

/*
 * Hand-assembled IPv6 UPDATE: MP_REACH_NLRI first (extended length) with
 * a global + link-local next hop, then ORIGIN and AS_PATH; MP_UNREACH
 * withdrawing 2001:db8:dead::/48.
 */
/* clang-format off */
static const uint8_t golden_update6[] = {
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	0x00, 0x7d, 0x02, /* length 125, UPDATE */
	0x00, 0x00,	  /* no withdrawn routes */
	0x00, 0x66,	  /* attributes: 102 */
	0x90, 0x0e, 0x00, 0x33, /* MP_REACH_NLRI, extended length 51 */
	0x00, 0x02, 0x01, 0x20, /* AFI 2, SAFI 1, next hop length 32 */
	0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, /* 2001:db8::1 */
	0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01,	    /* fe80::1 */
	0x00,							    /* reserved */
	0x20, 0x20, 0x01, 0x0d, 0xb8,				    /* 2001:db8::/32 */
	0x40, 0x20, 0x01, 0x0d, 0xb8, 0x00, 0x01, 0x00, 0x02,	    /* 2001:db8:1:2::/64 */
	0x40, 0x01, 0x01, 0x02, /* ORIGIN incomplete */
	0x40, 0x02, 0x0a, 0x02, 0x02, 0x00, 0x00, 0xfd, 0xea, 0x00, 0x00, 0xfd, 0xeb,
	0x80, 0x0f, 0x1b, 0x00, 0x02, 0x01, /* MP_UNREACH_NLRI, 27 bytes */
	0x30, 0x20, 0x01, 0x0d, 0xb8, 0xde, 0xad,
	0x80, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x09, /* /128 */
};
/* clang-format on */

static void test_golden_update6(void **state)
{
	struct fx *f = *state;
	struct bgp_attrs mpa;
	uint8_t ll[16] = {0xfe, 0x80, [15] = 1};

	assert_int_equal(sizeof(golden_update6), 125);
	assert_int_equal(
	    bgp_update_decode(&f->u, golden_update6, sizeof(golden_update6), &ctx_ebgp4), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_int_equal(f->u.nlri.n, 0);
	assert_int_equal(f->u.mp_nlri.n, 2);
	pfx_eq(&f->u.mp_nlri.p[0], AF_INET6, "2001:db8::", 32);
	pfx_eq(&f->u.mp_nlri.p[1], AF_INET6, "2001:db8:1:2::", 64);
	assert_int_equal(f->u.withdrawn.n, 2);
	pfx_eq(&f->u.withdrawn.p[0], AF_INET6, "2001:db8:dead::", 48);
	pfx_eq(&f->u.withdrawn.p[1], AF_INET6, "2001:db8::9", 128);
	bgp_update_mp_attrs(&f->u, &mpa);
	assert_int_equal(mpa.nexthop.family, AF_INET6);
	assert_int_equal(mpa.nexthop.u.bytes[0], 0x20);
	assert_int_equal(mpa.nexthop.u.bytes[15], 1);
	assert_int_equal(mpa.nexthop_ll.family, AF_INET6);
	assert_memory_equal(mpa.nexthop_ll.u.bytes, ll, 16);
	assert_int_equal(mpa.origin, BGP_ORIGIN_INCOMPLETE);
	assert_int_equal(bgp_aspath_first(mpa.aspath, mpa.aspath_len), 65002);
	assert_false(f->u.eor);
}

static void test_eor(void **state)
{
	struct fx *f = *state;
	struct bgp_codec_ctx c = ctx_ebgp4;
	uint8_t m[64];
	int len;

	len = bgp_eor_encode(&c, BGP_AF_IPV4_UNICAST, m, sizeof(m));
	assert_int_equal(len, 23);
	assert_int_equal(bgp_update_decode(&f->u, m, (size_t)len, &c), 0);
	assert_true(f->u.eor);
	assert_int_equal(f->u.eor_af, BGP_AF_IPV4_UNICAST);

	len = bgp_eor_encode(&c, BGP_AF_IPV6_UNICAST, m, sizeof(m));
	assert_int_equal(len, 29);
	assert_int_equal(bgp_update_decode(&f->u, m, (size_t)len, &c), 0);
	assert_true(f->u.eor);
	assert_int_equal(f->u.eor_af, BGP_AF_IPV6_UNICAST);
	assert_int_equal(f->u.withdrawn.n, 0);
}

/* ---- EVPN (RFC 7432, RFC 8365; RFC 7606 5.3/5.4) ---------------------- */

static const struct bgp_codec_ctx ctx_evpn = {
    .as4 = true,
    .af_mask = BGP_AF_MASK_ALL | BGP_EVPN_BIT,
};

/* RD 10.0.0.2:2, ESI 0, tag 0, MAC 52:54:00:12:ab:01 (MAC length ml), no
 * IP, label VNI 100. */
static size_t evpn_macip(uint8_t *o, uint8_t ml)
{
	static const uint8_t r[] = {2, 33, 0, 1, 10, 0, 0, 2, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
				    0, 0, 0, 0, 0, 0x52, 0x54, 0, 0x12, 0xab, 1, 0, 0, 0, 100};

	memcpy(o, r, sizeof(r));
	o[24] = ml;
	return sizeof(r);
}

/* RD 10.0.0.2:2, tag 0, originating IP 10.0.0.2 (ip length bits). */
static size_t evpn_imet(uint8_t *o, uint8_t bits)
{
	static const uint8_t r[] = {3, 17, 0, 1, 10, 0, 0, 2, 0, 2, 0, 0, 0, 0, 32, 10, 0, 0, 2};

	memcpy(o, r, sizeof(r));
	o[14] = bits;
	return sizeof(r);
}

/* MP_REACH_NLRI of AFI 25 / SAFI 70, next hop 10.0.0.2, then ORIGIN,
 * AS_PATH and RT 65001:100 + ET:8. */
static void ab_evpn(struct ab *a, const uint8_t *nlri, size_t nlen)
{
	static const uint8_t ec[] = {0, 2, 0xfd, 0xe9, 0, 0, 0, 100, 3, 0x0c, 0, 0, 0, 0, 0, 8};
	uint8_t v[512] = {0, 25, 70, 4, 10, 0, 0, 2, 0};

	memcpy(v + 9, nlri, nlen);
	ab_add(a, 0x90, BGP_ATTR_MP_REACH_NLRI, v, 9 + nlen);
	ab_add(a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(a, 0x40, BGP_ATTR_AS_PATH, ec, 0); /* empty: iBGP */
	ab_add(a, 0xc0, BGP_ATTR_EXT_COMMUNITIES, ec, sizeof(ec));
}

static void test_evpn_routes(void **state)
{
	struct fx *f = *state;
	uint8_t nl[128], enc[64];
	size_t n = evpn_macip(nl, 48);
	uint32_t seq;
	bool sticky;

	n += evpn_imet(nl + n, 32);
	nl[n++] = 9; /* an unknown route type is skipped (RFC 7432 7) */
	nl[n++] = 1;
	nl[n++] = 0;
	ab_evpn(&f->a, nl, n);
	assert_int_equal(run(f, &ctx_evpn, NULL, 0), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_int_equal(f->u.nevpn_reach, 2);
	assert_int_equal(f->u.evpn_reach[0].type, BGP_EVPN_MACIP);
	assert_int_equal(f->u.evpn_reach[0].vni, 100);
	assert_int_equal(f->u.evpn_reach[0].mac[5], 1);
	assert_int_equal(f->u.evpn_reach[1].type, BGP_EVPN_IMET);
	assert_int_equal(f->u.evpn_reach[1].ip.family, AF_INET);
	assert_int_equal(f->u.evpn_nh.family, AF_INET);
	assert_int_equal(f->u.attrs.necomm, 2);
	assert_false(bgp_ecomm_mac_seq(f->u.attrs.ecomm, f->u.attrs.necomm, &seq, &sticky));
	/* the encoder writes what the parser read */
	assert_int_equal(bgp_evpn_nlri_encode(&f->u.evpn_reach[0], enc, sizeof(enc)), 35);
	assert_memory_equal(enc, nl, 35);
	assert_int_equal(bgp_evpn_nlri_encode(&f->u.evpn_reach[1], enc, sizeof(enc)), 19);
	assert_memory_equal(enc, nl + 35, 19);
}

static void test_evpn_unnegotiated_ignored(void **state)
{
	struct fx *f = *state;
	uint8_t nl[64];

	ab_evpn(&f->a, nl, evpn_imet(nl, 32));
	assert_int_equal(run(f, &ctx_ebgp4, NULL, 0), 0);
	assert_int_equal(f->u.nevpn_reach, 0);
	assert_true(f->u.unneg);
	assert_int_equal(f->u.unneg_afi, 25);
}

/* A route of a known type that does not fit it: treat-as-withdraw of the
 * UPDATE's EVPN routes (RFC 7606 5.4), the session stays. */
static void test_evpn_bad_route_taw(void **state)
{
	struct fx *f = *state;
	uint8_t nl[128];
	size_t n = evpn_imet(nl, 32);

	n += evpn_macip(nl + n, 47);
	ab_evpn(&f->a, nl, n);
	assert_int_equal(run(f, &ctx_evpn, NULL, 0), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_TREAT_AS_WITHDRAW);
	assert_int_equal(f->u.nevpn_reach, 0);
	assert_int_equal(f->u.nevpn_unreach, 1);
	assert_int_equal(f->u.evpn_unreach[0].type, BGP_EVPN_IMET);
}

static void test_evpn_bad_iplen_taw(void **state)
{
	struct fx *f = *state;
	uint8_t nl[64];

	ab_evpn(&f->a, nl, evpn_imet(nl, 24));
	assert_int_equal(run(f, &ctx_evpn, NULL, 0), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_TREAT_AS_WITHDRAW);
	assert_int_equal(f->u.nevpn_reach, 0);
}

/* The NLRI cannot be split into routes: session reset (RFC 7606 5.3). */
static void test_evpn_overrun_reset(void **state)
{
	struct fx *f = *state;
	uint8_t nl[64];
	size_t n = evpn_imet(nl, 32);

	nl[1] = 40; /* the route claims more than the field holds */
	ab_evpn(&f->a, nl, n);
	assert_int_equal(run(f, &ctx_evpn, NULL, 0), -EBADMSG);
	assert_int_equal(f->u.eh.action, BGP_EH_SESSION_RESET);
	assert_int_equal(f->u.eh.notify.code, BGP_ERR_UPDATE);
	assert_int_equal(f->u.eh.notify.subcode, BGP_UPD_OPTIONAL_ATTR);
	assert_int_equal(f->u.nevpn_reach, 0);
}

static void test_evpn_eor_and_update_encode(void **state)
{
	struct fx *f = *state;
	uint8_t m[BGP_MAX_MSG_LEN], nl[64];
	static const uint8_t attrs[] = {0x40, 1, 1, 0, 0x40, 2, 0};
	struct bgp_evpn_route r[2];
	struct kld_addr nh;
	size_t len;
	int got;

	got = bgp_evpn_eor_encode(m, sizeof(m));
	assert_int_equal(bgp_update_decode(&f->u, m, (size_t)got, &ctx_evpn), 0);
	assert_true(f->u.evpn_eor);
	assert_false(f->u.eor);
	ab_evpn(&f->a, nl, evpn_imet(nl, 32));
	assert_int_equal(run(f, &ctx_evpn, NULL, 0), 0);
	r[0] = r[1] = f->u.evpn_reach[0];
	r[1].ip.u.bytes[3] = 3;
	kld_addr_set(&nh, AF_INET, (const uint8_t[]){10, 0, 0, 2});
	got = bgp_evpn_update_encode(attrs, sizeof(attrs), &nh, r, 2, m, sizeof(m), &len);
	assert_int_equal(got, 2);
	assert_int_equal(bgp_update_decode(&f->u, m, len, &ctx_evpn), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_int_equal(f->u.nevpn_reach, 2);
	assert_int_equal(bgp_evpn_key_cmp(&f->u.evpn_reach[1], &r[1]), 0);
	got = bgp_evpn_update_encode(NULL, 0, &nh, r, 2, m, sizeof(m), &len);
	assert_int_equal(bgp_update_decode(&f->u, m, len, &ctx_evpn), 0);
	assert_int_equal(f->u.nevpn_unreach, 2);
}

/* ---- RFC 7606 section 7: per attribute -------------------------------- */

static void test_origin_len2_taw(void **state)
{
	struct fx *f = *state;
	static const uint8_t v[] = {0, 0};

	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v, 2);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	ab_add(&f->a, 0x40, BGP_ATTR_NEXT_HOP, v_nh, 4);
	expect_taw(f, run(f, &ctx_ebgp4, nlri_two, sizeof(nlri_two)), BGP_ATTR_ORIGIN, 2);
	pfx_eq(&f->u.withdrawn.p[0], AF_INET, "10.1.0.0", 16);
	pfx_eq(&f->u.withdrawn.p[1], AF_INET, "192.168.7.0", 24);
}

static void test_origin_bad_value_taw(void **state)
{
	struct fx *f = *state;
	static const uint8_t v[] = {3};

	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	ab_add(&f->a, 0x40, BGP_ATTR_NEXT_HOP, v_nh, 4);
	expect_taw(f, run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), BGP_ATTR_ORIGIN, 1);
}

static void aspath_case(struct fx *f, const struct bgp_codec_ctx *c, const uint8_t *v, size_t len)
{
	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v, len);
	ab_add(&f->a, 0x40, BGP_ATTR_NEXT_HOP, v_nh, 4);
	expect_taw(f, run(f, c, nlri_10_1, sizeof(nlri_10_1)), BGP_ATTR_AS_PATH, 1);
}

static void test_aspath_overrun_taw(void **state)
{
	static const uint8_t v[] = {2, 3, 0, 0, 0xfd, 0xea, 0, 0, 0xfd, 0xeb};

	aspath_case(*state, &ctx_ebgp4, v, sizeof(v));
}

static void test_aspath_underrun_taw(void **state)
{
	static const uint8_t v[] = {2, 1, 0, 0, 0xfd, 0xea, 2};

	aspath_case(*state, &ctx_ebgp4, v, sizeof(v));
}

static void test_aspath_zero_segment_taw(void **state)
{
	static const uint8_t v[] = {2, 1, 0, 0, 0xfd, 0xea, 2, 0};

	aspath_case(*state, &ctx_ebgp4, v, sizeof(v));
}

static void test_aspath_bad_segment_type_taw(void **state)
{
	static const uint8_t v[] = {5, 1, 0, 0, 0xfd, 0xea};

	aspath_case(*state, &ctx_ebgp4, v, sizeof(v));
}

static void test_aspath_2octet_odd_taw(void **state)
{
	static const uint8_t v[] = {2, 2, 0xfd, 0xea, 0xfd};

	aspath_case(*state, &ctx_ebgp2, v, sizeof(v));
}

static void test_aspath_confed_from_ebgp_taw(void **state)
{
	static const uint8_t v[] = {3, 1, 0, 0, 0xfd, 0xf4, 2, 1, 0, 0, 0xfd, 0xea};

	aspath_case(*state, &ctx_ebgp4, v, sizeof(v));
}

static void test_aspath_confed_from_ibgp_ok(void **state)
{
	struct fx *f = *state;
	static const uint8_t v[] = {3, 1, 0, 0, 0xfd, 0xf4, 2, 1, 0, 0, 0xfd, 0xea};
	char buf[64];

	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v, sizeof(v));
	ab_add(&f->a, 0x40, BGP_ATTR_NEXT_HOP, v_nh, 4);
	assert_int_equal(run(f, &ctx_ibgp4, nlri_10_1, sizeof(nlri_10_1)), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	bgp_aspath_fmt(f->u.attrs.aspath, f->u.attrs.aspath_len, buf, sizeof(buf));
	assert_string_equal(buf, "(65012) 65002");
	/* Confederation segments do not count towards the length. */
	assert_int_equal(bgp_aspath_length(f->u.attrs.aspath, f->u.attrs.aspath_len), 1);
}

static void test_aspath_as0_taw(void **state)
{
	static const uint8_t v[] = {2, 2, 0, 0, 0xfd, 0xea, 0, 0, 0, 0};

	aspath_case(*state, &ctx_ebgp4, v, sizeof(v));
}

static void test_nexthop_len5_taw(void **state)
{
	struct fx *f = *state;
	static const uint8_t v[] = {192, 0, 2, 1, 0};

	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	ab_add(&f->a, 0x40, BGP_ATTR_NEXT_HOP, v, sizeof(v));
	expect_taw(f, run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), BGP_ATTR_NEXT_HOP, 1);
}

static void test_nexthop_martian_taw(void **state)
{
	struct fx *f = *state;
	static const uint8_t v[] = {224, 0, 0, 5};

	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	ab_add(&f->a, 0x40, BGP_ATTR_NEXT_HOP, v, sizeof(v));
	expect_taw(f, run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), BGP_ATTR_NEXT_HOP, 1);
}

/* Base attributes plus one more; expects the given verdict. */
static int one_more(struct fx *f, const struct bgp_codec_ctx *c, uint8_t flags, uint8_t type,
		    const void *v, size_t len)
{
	ab_base(&f->a, c->as4);
	ab_add(&f->a, flags, type, v, len);
	return run(f, c, nlri_10_1, sizeof(nlri_10_1));
}

static void test_med_len3_taw(void **state)
{
	struct fx *f = *state;

	expect_taw(f, one_more(f, &ctx_ebgp4, 0x80, BGP_ATTR_MED, "\0\0\1", 3), BGP_ATTR_MED, 1);
}

static void test_local_pref_len2_taw(void **state)
{
	struct fx *f = *state;

	expect_taw(f, one_more(f, &ctx_ibgp4, 0x40, BGP_ATTR_LOCAL_PREF, "\0\1", 2),
		   BGP_ATTR_LOCAL_PREF, 1);
}

static void test_local_pref_from_ebgp_discard(void **state)
{
	struct fx *f = *state;

	expect_discard(f, one_more(f, &ctx_ebgp4, 0x40, BGP_ATTR_LOCAL_PREF, "\0\0\0\x64", 4),
		       BGP_ATTR_LOCAL_PREF);
	assert_false(f->u.attrs.present & BGP_ATTRF_LOCAL_PREF);
}

static void test_local_pref_from_confed_kept(void **state)
{
	struct fx *f = *state;
	struct bgp_codec_ctx c = ctx_ebgp4;

	c.confed = true;
	assert_int_equal(one_more(f, &c, 0x40, BGP_ATTR_LOCAL_PREF, "\0\0\0\x64", 4), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_int_equal(bgp_attrs_local_pref(&f->u.attrs, 0), 100);
}

static void test_atomic_aggregate_len1_discard(void **state)
{
	struct fx *f = *state;

	expect_discard(f, one_more(f, &ctx_ebgp4, 0x40, BGP_ATTR_ATOMIC_AGGREGATE, "x", 1),
		       BGP_ATTR_ATOMIC_AGGREGATE);
	assert_false(f->u.attrs.present & BGP_ATTRF_ATOMIC_AGGREGATE);
}

static void test_aggregator_len7_discard(void **state)
{
	struct fx *f = *state;

	expect_discard(
	    f, one_more(f, &ctx_ebgp4, 0xc0, BGP_ATTR_AGGREGATOR, "\0\0\xfd\xea\x0a\0\0", 7),
	    BGP_ATTR_AGGREGATOR);
	assert_false(f->u.attrs.present & BGP_ATTRF_AGGREGATOR);
}

static void test_aggregator_len8_on_2octet_discard(void **state)
{
	struct fx *f = *state;

	expect_discard(
	    f, one_more(f, &ctx_ebgp2, 0xc0, BGP_ATTR_AGGREGATOR, "\0\0\xfd\xea\x0a\0\0\1", 8),
	    BGP_ATTR_AGGREGATOR);
}

static void test_aggregator_as0_discard(void **state)
{
	struct fx *f = *state;

	expect_discard(f,
		       one_more(f, &ctx_ebgp4, 0xc0, BGP_ATTR_AGGREGATOR, "\0\0\0\0\x0a\0\0\1", 8),
		       BGP_ATTR_AGGREGATOR);
}

static void test_communities_len6_taw(void **state)
{
	struct fx *f = *state;

	expect_taw(f, one_more(f, &ctx_ebgp4, 0xc0, BGP_ATTR_COMMUNITIES, "\xfd\xe8\0\x64\0\1", 6),
		   BGP_ATTR_COMMUNITIES, 1);
}

static void test_communities_len0_taw(void **state)
{
	struct fx *f = *state;

	expect_taw(f, one_more(f, &ctx_ebgp4, 0xc0, BGP_ATTR_COMMUNITIES, "", 0),
		   BGP_ATTR_COMMUNITIES, 1);
}

static void test_originator_len_taw(void **state)
{
	struct fx *f = *state;

	expect_taw(f, one_more(f, &ctx_ibgp4, 0x80, BGP_ATTR_ORIGINATOR_ID, "\1\2\3", 3),
		   BGP_ATTR_ORIGINATOR_ID, 1);
}

static void test_originator_from_ebgp_discard(void **state)
{
	struct fx *f = *state;

	expect_discard(f, one_more(f, &ctx_ebgp4, 0x80, BGP_ATTR_ORIGINATOR_ID, "\1\2\3\4", 4),
		       BGP_ATTR_ORIGINATOR_ID);
}

static void test_cluster_list_len_taw(void **state)
{
	struct fx *f = *state;

	expect_taw(f, one_more(f, &ctx_ibgp4, 0x80, BGP_ATTR_CLUSTER_LIST, "\1\2\3\4\5", 5),
		   BGP_ATTR_CLUSTER_LIST, 1);
}

static void test_ext_communities_len_taw(void **state)
{
	struct fx *f = *state;

	expect_taw(f,
		   one_more(f, &ctx_ebgp4, 0xc0, BGP_ATTR_EXT_COMMUNITIES, "\0\2\xfd\xe8\0\0", 6),
		   BGP_ATTR_EXT_COMMUNITIES, 1);
}

static void test_large_communities_len_taw(void **state)
{
	struct fx *f = *state;

	expect_taw(
	    f, one_more(f, &ctx_ebgp4, 0xc0, BGP_ATTR_LARGE_COMMUNITIES, "\0\0\xfd\xe8\0\0\0\1", 8),
	    BGP_ATTR_LARGE_COMMUNITIES, 1);
}

static void test_as4_path_malformed_discard(void **state)
{
	struct fx *f = *state;
	char buf[64];

	expect_discard(f, one_more(f, &ctx_ebgp2, 0xc0, BGP_ATTR_AS4_PATH, "\2\2\0\0\0\1", 6),
		       BGP_ATTR_AS4_PATH);
	/* The 2-octet AS_PATH stands. */
	bgp_aspath_fmt(f->u.attrs.aspath, f->u.attrs.aspath_len, buf, sizeof(buf));
	assert_string_equal(buf, "65002 65003");
}

static void test_as4_path_on_as4_session_discard(void **state)
{
	struct fx *f = *state;
	char buf[64];

	expect_discard(f, one_more(f, &ctx_ebgp4, 0xc0, BGP_ATTR_AS4_PATH, "\2\1\0\1\0\1", 6),
		       BGP_ATTR_AS4_PATH);
	bgp_aspath_fmt(f->u.attrs.aspath, f->u.attrs.aspath_len, buf, sizeof(buf));
	assert_string_equal(buf, "65002 65003");
}

static void test_as4_aggregator_len_discard(void **state)
{
	struct fx *f = *state;

	expect_discard(f,
		       one_more(f, &ctx_ebgp2, 0xc0, BGP_ATTR_AS4_AGGREGATOR, "\0\1\0\1\0\0\1", 7),
		       BGP_ATTR_AS4_AGGREGATOR);
}

/* ---- RFC 7606 section 3: general rules -------------------------------- */

static void test_missing_origin_taw(void **state)
{
	struct fx *f = *state;

	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	ab_add(&f->a, 0x40, BGP_ATTR_NEXT_HOP, v_nh, 4);
	expect_taw(f, run(f, &ctx_ebgp4, nlri_two, sizeof(nlri_two)), 0, 2);
}

static void test_missing_aspath_taw(void **state)
{
	struct fx *f = *state;

	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_NEXT_HOP, v_nh, 4);
	expect_taw(f, run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), 0, 1);
}

static void test_missing_nexthop_taw(void **state)
{
	struct fx *f = *state;

	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	expect_taw(f, run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), 0, 1);
}

/* RFC 4760: NEXT_HOP is not needed when all NLRI is in MP_REACH_NLRI. */
static void test_mp_only_needs_no_nexthop(void **state)
{
	struct fx *f = *state;
	static const uint8_t mp[] = {0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0,
				     0, 0, 0, 0,  0,	0,    0,    0,	  0,
				     0, 1, 0, 32, 0x20, 0x01, 0x0d, 0xb8};

	ab_add(&f->a, 0x80, BGP_ATTR_MP_REACH_NLRI, mp, sizeof(mp));
	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	assert_int_equal(run(f, &ctx_ebgp4, NULL, 0), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_int_equal(f->u.mp_nlri.n, 1);
	pfx_eq(&f->u.mp_nlri.p[0], AF_INET6, "2001:db8::", 32);
}

static void test_only_withdrawals_fine(void **state)
{
	struct fx *f = *state;
	static const uint8_t wd[] = {16, 10, 1, 32, 10, 9, 9, 9};

	f->len = mk_update(f->msg, wd, sizeof(wd), NULL, 0, NULL, 0);
	assert_int_equal(bgp_update_decode(&f->u, f->msg, f->len, &ctx_ebgp4), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_int_equal(f->u.withdrawn.n, 2);
	pfx_eq(&f->u.withdrawn.p[1], AF_INET, "10.9.9.9", 32);
	assert_false(f->u.eor);
}

/* A malformed attribute in an UPDATE without NLRI: treat-as-withdraw of
 * nothing; the withdrawals still go through. */
static void test_no_nlri_malformed_attr(void **state)
{
	struct fx *f = *state;
	static const uint8_t wd[] = {16, 10, 1};

	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, "\0\0", 2);
	f->len = mk_update(f->msg, wd, sizeof(wd), f->a.b, f->a.len, NULL, 0);
	expect_taw(f, bgp_update_decode(&f->u, f->msg, f->len, &ctx_ebgp4), BGP_ATTR_ORIGIN, 1);
}

static void test_flags_origin_optional_taw(void **state)
{
	struct fx *f = *state;

	ab_add(&f->a, 0xc0, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	ab_add(&f->a, 0x40, BGP_ATTR_NEXT_HOP, v_nh, 4);
	expect_taw(f, run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), BGP_ATTR_ORIGIN, 1);
}

static void test_flags_communities_nontransitive_taw(void **state)
{
	struct fx *f = *state;

	expect_taw(f, one_more(f, &ctx_ebgp4, 0x80, BGP_ATTR_COMMUNITIES, "\xfd\xe8\0\x64", 4),
		   BGP_ATTR_COMMUNITIES, 1);
}

/* Flag errors follow the attribute's own malformed handling: discard for
 * AGGREGATOR (3(c) "unless the specification ... mandates different"). */
static void test_flags_aggregator_discard(void **state)
{
	struct fx *f = *state;

	expect_discard(
	    f, one_more(f, &ctx_ebgp4, 0x80, BGP_ATTR_AGGREGATOR, "\0\0\xfd\xea\x0a\0\0\1", 8),
	    BGP_ATTR_AGGREGATOR);
}

/* The Partial and Extended Length bits are not checked. */
static void test_flags_partial_extlen_ok(void **state)
{
	struct fx *f = *state;

	ab_add(&f->a, 0x50, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	ab_add(&f->a, 0x40, BGP_ATTR_NEXT_HOP, v_nh, 4);
	ab_add(&f->a, 0xe0, BGP_ATTR_COMMUNITIES, "\xfd\xe8\0\x64", 4);
	assert_int_equal(run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_int_equal(f->u.attrs.ncomm, 1);
}

/* A flag error on MP_REACH_NLRI: its NLRI is still located and withdrawn. */
static void test_flags_mp_reach_taw(void **state)
{
	struct fx *f = *state;
	static const uint8_t mp[] = {0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0,
				     0, 0, 0, 0,  0,	0,    0,    0,	  0,
				     0, 1, 0, 32, 0x20, 0x01, 0x0d, 0xb8};

	ab_add(&f->a, 0xc0, BGP_ATTR_MP_REACH_NLRI, mp, sizeof(mp));
	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	expect_taw(f, run(f, &ctx_ebgp4, NULL, 0), BGP_ATTR_MP_REACH_NLRI, 1);
	pfx_eq(&f->u.withdrawn.p[0], AF_INET6, "2001:db8::", 32);
}

static void test_duplicate_origin_discard_later(void **state)
{
	struct fx *f = *state;

	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, "\1", 1);
	ab_base(&f->a, true);
	assert_int_equal(run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_ATTR_DISCARD);
	assert_true(bgp_eh_discarded(&f->u.eh, BGP_ATTR_ORIGIN));
	assert_int_equal(f->u.attrs.origin, BGP_ORIGIN_EGP); /* the first one */
	assert_int_equal(f->u.nlri.n, 1);
}

/* Duplicates of malformed attributes are discarded before being judged. */
static void test_duplicate_unknown_discard_later(void **state)
{
	struct fx *f = *state;

	ab_base(&f->a, true);
	ab_add(&f->a, 0xc0, 99, "one", 3);
	ab_add(&f->a, 0xc0, 99, "second", 6);
	ab_add(&f->a, 0xc0, BGP_ATTR_COMMUNITIES, "\0\0\0\1", 4);
	ab_add(&f->a, 0xc0, BGP_ATTR_COMMUNITIES, "\0\0", 2);
	assert_int_equal(run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_ATTR_DISCARD);
	assert_int_equal(f->u.attrs.unknown_len, 7);
	assert_memory_equal(f->u.attrs.unknown + 4, "one", 3);
	assert_int_equal(f->u.attrs.ncomm, 1);
}

static void test_duplicate_mp_reach_reset(void **state)
{
	struct fx *f = *state;
	static const uint8_t mp[] = {0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0,
				     0, 0, 0, 0,  0,	0,    0,    0,	  1, 0};

	ab_add(&f->a, 0x80, BGP_ATTR_MP_REACH_NLRI, mp, sizeof(mp));
	ab_add(&f->a, 0x80, BGP_ATTR_MP_REACH_NLRI, mp, sizeof(mp));
	ab_base(&f->a, true);
	expect_reset(f, run(f, &ctx_ebgp4, NULL, 0), BGP_UPD_MALFORMED_ATTR_LIST);
}

static void test_duplicate_mp_unreach_reset(void **state)
{
	struct fx *f = *state;

	ab_add(&f->a, 0x80, BGP_ATTR_MP_UNREACH_NLRI, "\0\2\1", 3);
	ab_add(&f->a, 0x80, BGP_ATTR_MP_UNREACH_NLRI, "\0\2\1", 3);
	expect_reset(f, run(f, &ctx_ebgp4, NULL, 0), BGP_UPD_MALFORMED_ATTR_LIST);
}

/* ---- RFC 7606 section 4: length fields -------------------------------- */

/* The last attribute's length runs past Total Attribute Length:
 * treat-as-withdraw, NLRI still found through Total Attribute Length. */
static void test_attr_length_overrun_taw(void **state)
{
	struct fx *f = *state;

	ab_base(&f->a, true);
	ab_raw(&f->a, "\xc0\x08\x08\xfd\xe8\x00\x64", 7); /* claims 8, has 4 */
	expect_taw(f, run(f, &ctx_ebgp4, nlri_two, sizeof(nlri_two)), BGP_ATTR_COMMUNITIES, 2);
	pfx_eq(&f->u.withdrawn.p[1], AF_INET, "192.168.7.0", 24);
}

/* Off by one: the attribute claims a single byte more than is left. */
static void test_attr_length_overrun_by_one_taw(void **state)
{
	struct fx *f = *state;

	ab_base(&f->a, true);
	ab_raw(&f->a, "\xc0\x63\x03zz", 5);
	expect_taw(f, run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), 99, 1);
	assert_int_equal(f->u.attrs.unknown_len, 0);
}

static void test_attr_header_truncated_taw(void **state)
{
	struct fx *f = *state;

	ab_base(&f->a, true);
	ab_raw(&f->a, "\xc0\x08", 2);
	expect_taw(f, run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), 0, 1);
}

static void test_attr_extlen_header_truncated_taw(void **state)
{
	struct fx *f = *state;

	ab_base(&f->a, true);
	ab_raw(&f->a, "\xd0\x08\x00", 3); /* extended length needs 4 */
	expect_taw(f, run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), BGP_ATTR_COMMUNITIES, 1);
}

/* 3(b): Total Attribute Length larger than the message: reset. */
static void test_total_attr_len_exceeds_message_reset(void **state)
{
	struct fx *f = *state;

	ab_base(&f->a, true);
	f->len = mk_update(f->msg, NULL, 0, f->a.b, f->a.len, nlri_10_1, sizeof(nlri_10_1));
	bgp_put16(f->msg + 21, (uint16_t)(f->a.len + sizeof(nlri_10_1) + 1));
	expect_reset(f, bgp_update_decode(&f->u, f->msg, f->len, &ctx_ebgp4),
		     BGP_UPD_MALFORMED_ATTR_LIST);
}

static void test_withdrawn_len_exceeds_message_reset(void **state)
{
	struct fx *f = *state;

	f->len = mk_update(f->msg, "\x10\x0a\x01", 3, NULL, 0, NULL, 0);
	bgp_put16(f->msg + 19, 4);
	expect_reset(f, bgp_update_decode(&f->u, f->msg, f->len, &ctx_ebgp4),
		     BGP_UPD_MALFORMED_ATTR_LIST);
}

/* ---- RFC 7606 section 5.3: NLRI syntax -------------------------------- */

static void test_nlri_prefix_too_long_reset(void **state)
{
	struct fx *f = *state;

	ab_base(&f->a, true);
	expect_reset(f, run(f, &ctx_ebgp4, "\x21\x0a\0\0\0\0", 6), BGP_UPD_INVALID_NETWORK);
}

static void test_nlri_overrun_reset(void **state)
{
	struct fx *f = *state;

	ab_base(&f->a, true);
	expect_reset(f, run(f, &ctx_ebgp4, "\x10\x0a\x01\x18\x0a", 5), BGP_UPD_INVALID_NETWORK);
}

static void test_withdrawn_syntax_reset(void **state)
{
	struct fx *f = *state;

	f->len = mk_update(f->msg, "\x18\x0a\x01", 3, NULL, 0, NULL, 0);
	expect_reset(f, bgp_update_decode(&f->u, f->msg, f->len, &ctx_ebgp4),
		     BGP_UPD_INVALID_NETWORK);
}

/* ---- MP_REACH_NLRI / MP_UNREACH_NLRI ---------------------------------- */

static void test_mp_reach_bad_nexthop_len_reset(void **state)
{
	struct fx *f = *state;
	static const uint8_t mp[] = {0, 2, 1, 12, 0x20, 0x01, 0x0d, 0xb8, 0,	0,    0,
				     0, 0, 0, 0,  1,	0,    32,   0x20, 0x01, 0x0d, 0xb8};

	ab_add(&f->a, 0x80, BGP_ATTR_MP_REACH_NLRI, mp, sizeof(mp));
	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	expect_reset(f, run(f, &ctx_ebgp4, NULL, 0), BGP_UPD_OPTIONAL_ATTR);
	/* Data: the erroneous attribute, header included. */
	assert_int_equal(f->u.eh.notify.datalen, 3 + sizeof(mp));
	assert_memory_equal(f->u.eh.notify.data, f->a.b, 3 + sizeof(mp));
}

static void test_mp_reach_ipv4_nexthop16_reset(void **state)
{
	struct fx *f = *state;
	static const uint8_t mp[] = {0, 1, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0,
				     0, 0, 0, 0,  0,	0,    0,    1,	  0, 8, 10};

	ab_add(&f->a, 0x80, BGP_ATTR_MP_REACH_NLRI, mp, sizeof(mp));
	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	expect_reset(f, run(f, &ctx_ebgp4, NULL, 0), BGP_UPD_OPTIONAL_ATTR);
}

static void test_mp_reach_too_short_reset(void **state)
{
	struct fx *f = *state;

	ab_add(&f->a, 0x80, BGP_ATTR_MP_REACH_NLRI, "\0\2\1\x10", 4);
	ab_base(&f->a, true);
	expect_reset(f, run(f, &ctx_ebgp4, NULL, 0), BGP_UPD_OPTIONAL_ATTR);
}

static void test_mp_reach_nlri_syntax_reset(void **state)
{
	struct fx *f = *state;
	static const uint8_t mp[] = {0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0, 0,	  0,   0,
				     0, 0, 0, 0,  0,	0,    0,    1,	  0, 129, 0x20};

	ab_add(&f->a, 0x80, BGP_ATTR_MP_REACH_NLRI, mp, sizeof(mp));
	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	expect_reset(f, run(f, &ctx_ebgp4, NULL, 0), BGP_UPD_OPTIONAL_ATTR);
}

static void test_mp_unreach_nlri_syntax_reset(void **state)
{
	struct fx *f = *state;

	ab_add(&f->a, 0x80, BGP_ATTR_MP_UNREACH_NLRI, "\0\2\1\x40\x20\x01", 6);
	expect_reset(f, run(f, &ctx_ebgp4, NULL, 0), BGP_UPD_OPTIONAL_ATTR);
}

/* RFC 4760 8: routes of a family the OPENs did not both list are
 * ignored, with no RFC 7606 verdict (nothing is malformed), and the
 * decoder says which AFI/SAFI it was. */
static void test_mp_unnegotiated_family_ignored(void **state)
{
	struct fx *f = *state;
	struct bgp_codec_ctx c = ctx_ebgp4;
	static const uint8_t mp[] = {0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0,
				     0, 0, 0, 0,  0,	0,    0,    0,	  0,
				     0, 1, 0, 32, 0x20, 0x01, 0x0d, 0xb8};

	c.af_mask = BGP_AF_BIT(BGP_AF_IPV4_UNICAST);
	ab_add(&f->a, 0x80, BGP_ATTR_MP_REACH_NLRI, mp, sizeof(mp));
	ab_base(&f->a, true);
	assert_int_equal(run(f, &c, nlri_10_1, sizeof(nlri_10_1)), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_true(f->u.unneg);
	assert_int_equal(f->u.unneg_afi, 2);
	assert_int_equal(f->u.unneg_safi, 1);
	assert_int_equal(f->u.mp_nlri.n, 0);
	assert_int_equal(f->u.nlri.n, 1); /* IPv4 is negotiated: kept */
}

/* A family kldnet does not speak (EVPN, AFI 25 SAFI 70) is never
 * negotiated: the same rule, whatever the families we add later. */
static void test_mp_unknown_family_ignored(void **state)
{
	struct fx *f = *state;
	static const uint8_t mp[] = {0, 25, 70, 4, 192, 0, 2, 1, 0, 2, 5, 0, 0, 0, 0, 0};
	static const uint8_t unr[] = {0, 25, 70, 2, 5, 0, 0, 0, 0, 0};

	ab_add(&f->a, 0x80, BGP_ATTR_MP_REACH_NLRI, mp, sizeof(mp));
	ab_add(&f->a, 0x80, BGP_ATTR_MP_UNREACH_NLRI, unr, sizeof(unr));
	ab_base(&f->a, true);
	assert_int_equal(run(f, &ctx_ebgp4, NULL, 0), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_true(f->u.unneg);
	assert_int_equal(f->u.unneg_afi, 25);
	assert_int_equal(f->u.unneg_safi, 70);
	assert_int_equal(f->u.mp_nlri.n + f->u.withdrawn.n + f->u.nlri.n, 0);
	assert_false(f->u.eor);
}

/* IPv4 in the NLRI fields of a session that negotiated IPv6 only:
 * announcements and withdrawals ignored, no verdict although NEXT_HOP is
 * missing (no IPv4 route is left to need it); the IPv6 routes of the
 * same UPDATE count. */
static void test_ipv4_fields_unnegotiated_ignored(void **state)
{
	struct fx *f = *state;
	struct bgp_codec_ctx c = ctx_ebgp4;
	static const uint8_t mp[] = {0, 2, 1, 16, 0x20, 0x01, 0x0d, 0xb8, 0,
				     0, 0, 0, 0,  0,	0,    0,    0,	  0,
				     0, 1, 0, 32, 0x20, 0x01, 0x0d, 0xb8};
	static const uint8_t wd[] = {24, 10, 9, 9};

	c.af_mask = BGP_AF_BIT(BGP_AF_IPV6_UNICAST);
	ab_add(&f->a, 0x80, BGP_ATTR_MP_REACH_NLRI, mp, sizeof(mp));
	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	f->len = mk_update(f->msg, wd, sizeof(wd), f->a.b, f->a.len, nlri_two, sizeof(nlri_two));
	assert_int_equal(bgp_update_decode(&f->u, f->msg, f->len, &c), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_true(f->u.unneg);
	assert_int_equal(f->u.unneg_afi, 1);
	assert_int_equal(f->u.unneg_safi, 1);
	assert_int_equal(f->u.nlri.n, 0);
	assert_int_equal(f->u.withdrawn.n, 0);
	assert_int_equal(f->u.mp_nlri.n, 1);
	pfx_eq(&f->u.mp_nlri.p[0], AF_INET6, "2001:db8::", 32);

	/* the same message with IPv4 negotiated: no flag, and judged: IPv4
	 * routes without NEXT_HOP are withdrawn */
	c.af_mask = BGP_AF_MASK_ALL;
	assert_int_equal(bgp_update_decode(&f->u, f->msg, f->len, &c), 0);
	assert_false(f->u.unneg);
	assert_int_equal(f->u.eh.action, BGP_EH_TREAT_AS_WITHDRAW);
	assert_int_equal(f->u.withdrawn.n, 4);
}

/* A syntax error in an ignored field still resets: the message is
 * malformed whatever it carries (RFC 7606 5.3). */
static void test_ipv4_fields_unnegotiated_bad_syntax_resets(void **state)
{
	struct fx *f = *state;
	struct bgp_codec_ctx c = ctx_ebgp4;
	static const uint8_t bad[] = {33, 10, 0, 0, 0, 0};

	c.af_mask = BGP_AF_BIT(BGP_AF_IPV6_UNICAST);
	ab_base(&f->a, true);
	assert_int_equal(run(f, &c, bad, sizeof(bad)), -EBADMSG);
	assert_int_equal(f->u.eh.action, BGP_EH_SESSION_RESET);
}

/* The encoder never puts a family the session did not negotiate on the
 * wire: announcements, withdrawals, End-of-RIB. */
static void test_encode_unnegotiated_refused(void **state)
{
	struct bgp_codec_ctx c = ctx_ebgp4;
	struct kld_prefix p = {.family = AF_INET, .len = 24, .u.bytes = {10, 1, 2}};
	struct bgp_attrs a;
	uint8_t m[64];

	(void)state;
	bgp_attrs_init(&a);
	a.present = BGP_ATTRF_ORIGIN | BGP_ATTRF_AS_PATH | BGP_ATTRF_NEXT_HOP;
	a.nexthop.family = AF_INET;
	memcpy(a.nexthop.u.bytes, v_nh, 4);
	c.af_mask = BGP_AF_BIT(BGP_AF_IPV6_UNICAST);
	assert_int_equal(bgp_update_pack(&c, &a, &p, 1, NULL, NULL), -EPROTONOSUPPORT);
	assert_int_equal(bgp_withdraw_pack(&c, &p, 1, NULL, NULL), -EPROTONOSUPPORT);
	assert_int_equal(bgp_eor_encode(&c, BGP_AF_IPV4_UNICAST, m, sizeof(m)), -EPROTONOSUPPORT);
	assert_int_equal(bgp_eor_encode(&c, BGP_AF_IPV6_UNICAST, m, sizeof(m)), 29);
	c.af_mask = BGP_AF_BIT(BGP_AF_IPV4_UNICAST);
	p.family = AF_INET6;
	assert_int_equal(bgp_withdraw_pack(&c, &p, 1, NULL, NULL), -EPROTONOSUPPORT);
	assert_int_equal(bgp_eor_encode(&c, BGP_AF_IPV6_UNICAST, m, sizeof(m)), -EPROTONOSUPPORT);
}

static void test_mp_reach_ipv4(void **state)
{
	struct fx *f = *state;
	static const uint8_t mp[] = {0, 1, 1, 4, 10, 0, 0, 1, 0, 24, 10, 2, 3};
	struct bgp_attrs a;

	ab_add(&f->a, 0x80, BGP_ATTR_MP_REACH_NLRI, mp, sizeof(mp));
	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, v_origin_igp, 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	assert_int_equal(run(f, &ctx_ebgp4, NULL, 0), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_int_equal(f->u.mp_nlri.n, 1);
	pfx_eq(&f->u.mp_nlri.p[0], AF_INET, "10.2.3.0", 24);
	bgp_update_mp_attrs(&f->u, &a);
	assert_int_equal(a.nexthop.family, AF_INET);
	assert_memory_equal(a.nexthop.u.bytes, "\x0a\0\0\1", 4);
}

/* ---- unknown attributes ----------------------------------------------- */

static void test_unknown_wellknown_reset(void **state)
{
	struct fx *f = *state;

	ab_base(&f->a, true);
	ab_add(&f->a, 0x40, 99, "zz", 2);
	expect_reset(f, run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)),
		     BGP_UPD_UNRECOGNIZED_WELLKNOWN);
	assert_int_equal(f->u.eh.notify.datalen, 5);
	assert_memory_equal(f->u.eh.notify.data, "\x40\x63\x02zz", 5);
}

static void test_unknown_optional_nontransitive_dropped(void **state)
{
	struct fx *f = *state;

	assert_int_equal(one_more(f, &ctx_ebgp4, 0x80, 99, "zz", 2), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_int_equal(f->u.attrs.unknown_len, 0);
	assert_int_equal(f->u.nlri.n, 1);
}

static void test_unknown_optional_transitive_kept(void **state)
{
	struct fx *f = *state;

	ab_base(&f->a, true);
	ab_add(&f->a, 0xd0, 200, "long", 4); /* extended length form */
	ab_add(&f->a, 0xc0, 99, "zz", 2);
	assert_int_equal(run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	/* Sorted by type, Partial set, Extended Length cleared. */
	assert_int_equal(f->u.attrs.unknown_len, 14);
	assert_memory_equal(f->u.attrs.unknown, "\xe0\x63\x00\x02zz\xe0\xc8\x00\x04long", 14);
}

/* ---- combinations (3(h)) ---------------------------------------------- */

static void test_discard_plus_taw_is_taw(void **state)
{
	struct fx *f = *state;

	ab_base(&f->a, true);
	ab_add(&f->a, 0x40, BGP_ATTR_ATOMIC_AGGREGATE, "x", 1);
	ab_add(&f->a, 0x80, BGP_ATTR_MED, "\0", 1);
	expect_taw(f, run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)), BGP_ATTR_MED, 1);
	assert_true(bgp_eh_discarded(&f->u.eh, BGP_ATTR_ATOMIC_AGGREGATE));
}

static void test_taw_plus_reset_is_reset(void **state)
{
	struct fx *f = *state;

	ab_add(&f->a, 0x40, BGP_ATTR_ORIGIN, "\7", 1);
	ab_add(&f->a, 0x40, BGP_ATTR_AS_PATH, v_aspath4, sizeof(v_aspath4));
	ab_add(&f->a, 0x40, BGP_ATTR_NEXT_HOP, v_nh, 4);
	ab_add(&f->a, 0x40, 77, "", 0);
	expect_reset(f, run(f, &ctx_ebgp4, nlri_10_1, sizeof(nlri_10_1)),
		     BGP_UPD_UNRECOGNIZED_WELLKNOWN);
}

/* ---- header errors ---------------------------------------------------- */

static void test_update_bad_marker(void **state)
{
	struct fx *f = *state;

	f->len = mk_update(f->msg, NULL, 0, NULL, 0, NULL, 0);
	f->msg[3] = 0;
	assert_int_equal(bgp_update_decode(&f->u, f->msg, f->len, &ctx_ebgp4), -EBADMSG);
	assert_int_equal(f->u.eh.action, BGP_EH_SESSION_RESET);
	assert_int_equal(f->u.eh.notify.code, BGP_ERR_HEADER);
	assert_int_equal(f->u.eh.notify.subcode, BGP_HDR_CONN_NOT_SYNC);
}

/* The decoder is reusable: a clean message after a reset decodes clean. */
static void test_reuse_after_reset(void **state)
{
	struct fx *f = *state;

	f->len = mk_update(f->msg, "\x18\x0a\x01", 3, NULL, 0, NULL, 0);
	assert_int_equal(bgp_update_decode(&f->u, f->msg, f->len, &ctx_ebgp4), -EBADMSG);
	assert_int_equal(bgp_update_decode(&f->u, golden_update, sizeof(golden_update), &ctx_ibgp4),
			 0);
	assert_int_equal(f->u.eh.action, BGP_EH_NONE);
	assert_int_equal(f->u.nlri.n, 3);
	assert_int_equal(f->u.withdrawn.n, 1);
}

#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)

int main(void)
{
	const struct CMUnitTest tests[] = {
	    T(test_golden_update),
	    T(test_golden_update6),
	    T(test_eor),
	    T(test_evpn_routes),
	    T(test_evpn_unnegotiated_ignored),
	    T(test_evpn_bad_route_taw),
	    T(test_evpn_bad_iplen_taw),
	    T(test_evpn_overrun_reset),
	    T(test_evpn_eor_and_update_encode),
	    T(test_origin_len2_taw),
	    T(test_origin_bad_value_taw),
	    T(test_aspath_overrun_taw),
	    T(test_aspath_underrun_taw),
	    T(test_aspath_zero_segment_taw),
	    T(test_aspath_bad_segment_type_taw),
	    T(test_aspath_2octet_odd_taw),
	    T(test_aspath_confed_from_ebgp_taw),
	    T(test_aspath_confed_from_ibgp_ok),
	    T(test_aspath_as0_taw),
	    T(test_nexthop_len5_taw),
	    T(test_nexthop_martian_taw),
	    T(test_med_len3_taw),
	    T(test_local_pref_len2_taw),
	    T(test_local_pref_from_ebgp_discard),
	    T(test_local_pref_from_confed_kept),
	    T(test_atomic_aggregate_len1_discard),
	    T(test_aggregator_len7_discard),
	    T(test_aggregator_len8_on_2octet_discard),
	    T(test_aggregator_as0_discard),
	    T(test_communities_len6_taw),
	    T(test_communities_len0_taw),
	    T(test_originator_len_taw),
	    T(test_originator_from_ebgp_discard),
	    T(test_cluster_list_len_taw),
	    T(test_ext_communities_len_taw),
	    T(test_large_communities_len_taw),
	    T(test_as4_path_malformed_discard),
	    T(test_as4_path_on_as4_session_discard),
	    T(test_as4_aggregator_len_discard),
	    T(test_missing_origin_taw),
	    T(test_missing_aspath_taw),
	    T(test_missing_nexthop_taw),
	    T(test_mp_only_needs_no_nexthop),
	    T(test_only_withdrawals_fine),
	    T(test_no_nlri_malformed_attr),
	    T(test_flags_origin_optional_taw),
	    T(test_flags_communities_nontransitive_taw),
	    T(test_flags_aggregator_discard),
	    T(test_flags_partial_extlen_ok),
	    T(test_flags_mp_reach_taw),
	    T(test_duplicate_origin_discard_later),
	    T(test_duplicate_unknown_discard_later),
	    T(test_duplicate_mp_reach_reset),
	    T(test_duplicate_mp_unreach_reset),
	    T(test_attr_length_overrun_taw),
	    T(test_attr_length_overrun_by_one_taw),
	    T(test_attr_header_truncated_taw),
	    T(test_attr_extlen_header_truncated_taw),
	    T(test_total_attr_len_exceeds_message_reset),
	    T(test_withdrawn_len_exceeds_message_reset),
	    T(test_nlri_prefix_too_long_reset),
	    T(test_nlri_overrun_reset),
	    T(test_withdrawn_syntax_reset),
	    T(test_mp_reach_bad_nexthop_len_reset),
	    T(test_mp_reach_ipv4_nexthop16_reset),
	    T(test_mp_reach_too_short_reset),
	    T(test_mp_reach_nlri_syntax_reset),
	    T(test_mp_unreach_nlri_syntax_reset),
	    T(test_mp_unnegotiated_family_ignored),
	    T(test_mp_unknown_family_ignored),
	    T(test_ipv4_fields_unnegotiated_ignored),
	    T(test_ipv4_fields_unnegotiated_bad_syntax_resets),
	    T(test_encode_unnegotiated_refused),
	    T(test_mp_reach_ipv4),
	    T(test_unknown_wellknown_reset),
	    T(test_unknown_optional_nontransitive_dropped),
	    T(test_unknown_optional_transitive_kept),
	    T(test_discard_plus_taw_is_taw),
	    T(test_taw_plus_reset_is_reset),
	    T(test_update_bad_marker),
	    T(test_reuse_after_reset),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
