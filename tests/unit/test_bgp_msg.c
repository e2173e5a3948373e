/*
 * BGP message codec: header checks, OPEN (golden vector with every
 * capability we speak, errors, negotiation), KEEPALIVE, NOTIFICATION,
 * ROUTE-REFRESH, and the UPDATE packer: round trips of every attribute
 * over 4-octet and 2-octet sessions, and 10,000-prefix packing checked
 * against the optimum with every prefix decoded back exactly once.
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

#define MARKER                                                                                     \
	0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,  \
	    0xff

/* ---- header ----------------------------------------------------------- */

static void test_hdr_ok_and_short(void **state)
{
	uint8_t m[] = {MARKER, 0x00, 0x13, 0x04};
	struct bgp_notify err;
	struct bgp_hdr h;

	assert_int_equal(bgp_hdr_decode(m, 18, &h, &err), -EAGAIN);
	assert_int_equal(bgp_hdr_decode(m, sizeof(m), &h, &err), 0);
	assert_int_equal(h.len, 19);
	assert_int_equal(h.type, BGP_MSG_KEEPALIVE);
}

static void hdr_err(uint8_t *m, uint8_t subcode, const void *data, size_t dlen)
{
	struct bgp_notify err;
	struct bgp_hdr h;

	assert_int_equal(bgp_hdr_decode(m, 19, &h, &err), -EBADMSG);
	assert_int_equal(err.code, BGP_ERR_HEADER);
	assert_int_equal(err.subcode, subcode);
	assert_int_equal(err.datalen, dlen);
	if (dlen)
		assert_memory_equal(err.data, data, dlen);
}

static void test_hdr_errors(void **state)
{
	uint8_t m[] = {MARKER, 0x00, 0x13, 0x04};

	m[5] = 0xfe;
	hdr_err(m, BGP_HDR_CONN_NOT_SYNC, NULL, 0);
	m[5] = 0xff;
	m[17] = 18; /* length 18 */
	hdr_err(m, BGP_HDR_BAD_LENGTH, "\x00\x12", 2);
	m[16] = 0x10;
	m[17] = 0x01; /* 4097 */
	hdr_err(m, BGP_HDR_BAD_LENGTH, "\x10\x01", 2);
	m[16] = 0;
	m[17] = 20; /* KEEPALIVE must be exactly 19 */
	hdr_err(m, BGP_HDR_BAD_LENGTH, "\x00\x14", 2);
	m[17] = 28;
	m[18] = BGP_MSG_OPEN; /* OPEN is at least 29 */
	hdr_err(m, BGP_HDR_BAD_LENGTH, "\x00\x1c", 2);
	m[17] = 22;
	m[18] = BGP_MSG_UPDATE; /* UPDATE is at least 23 */
	hdr_err(m, BGP_HDR_BAD_LENGTH, "\x00\x16", 2);
	m[17] = 19;
	m[18] = 6;
	hdr_err(m, BGP_HDR_BAD_TYPE, "\x06", 1);
}

/* ---- OPEN ------------------------------------------------------------- */

/*
 * AS 4200000001 (so My AS is AS_TRANS), hold 90, id 10.0.0.1, one
 * Capabilities parameter: MP ipv4/ipv6 unicast, route refresh (2 and 128),
 * 4-octet AS, graceful restart (R bit, 120 s, ipv4 with F, ipv6 without),
 * and two capabilities we do not interpret (70, 73).
 */
/* clang-format off */
static const uint8_t golden_open[] = {
	MARKER, 0x00, 0x48, 0x01,
	0x04,		/* version */
	0x5b, 0xa0,	/* My AS 23456 */
	0x00, 0x5a,	/* hold 90 */
	10, 0, 0, 1,	/* BGP identifier */
	0x2b,		/* optional parameters length 43 */
	0x02, 0x29,	/* capabilities, 41 bytes */
	0x01, 0x04, 0x00, 0x01, 0x00, 0x01,
	0x01, 0x04, 0x00, 0x02, 0x00, 0x01,
	0x02, 0x00,
	0x80, 0x00,
	0x41, 0x04, 0xfa, 0x56, 0xea, 0x01,
	0x40, 0x0a, 0x80, 0x78, 0x00, 0x01, 0x01, 0x80, 0x00, 0x02, 0x01, 0x00,
	0x46, 0x00,
	0x49, 0x03, 'a', 'b', 'c',
};
/* clang-format on */

static void test_open_golden(void **state)
{
	struct bgp_open o;
	struct bgp_notify err;
	uint8_t buf[256];

	assert_int_equal(sizeof(golden_open), 72);
	assert_int_equal(bgp_open_decode(golden_open, sizeof(golden_open), &o, &err), 0);
	assert_int_equal(o.version, 4);
	assert_int_equal(o.my_as, BGP_AS_TRANS);
	assert_int_equal(bgp_open_asn(&o), 4200000001u);
	assert_int_equal(o.hold_time, 90);
	assert_int_equal(o.bgp_id, 0x0a000001);
	assert_int_equal(o.caps.mp_mask, BGP_AF_MASK_ALL);
	assert_true(o.caps.present & BGP_CAPF_MP);
	assert_true(o.caps.present & BGP_CAPF_ROUTE_REFRESH);
	assert_true(o.caps.present & BGP_CAPF_ROUTE_REFRESH_OLD);
	assert_true(o.caps.present & BGP_CAPF_AS4);
	assert_true(o.caps.present & BGP_CAPF_GR);
	assert_int_equal(o.caps.gr.flags, BGP_GR_FLAG_RESTART);
	assert_int_equal(o.caps.gr.time, 120);
	assert_int_equal(o.caps.gr.af_mask, BGP_AF_MASK_ALL);
	assert_int_equal(o.caps.gr.af_fwd_mask, BGP_AF_BIT(BGP_AF_IPV4_UNICAST));
	assert_int_equal(o.caps.nunknown, 2);
	assert_int_equal(o.caps.unknown_len, 7);
	assert_memory_equal(o.caps.unknown,
			    "\x46\x00\x49\x03"
			    "abc",
			    7);
	/* Re-encoding the decoded OPEN gives the same bytes. */
	assert_int_equal(bgp_open_encode(&o, buf, sizeof(buf)), sizeof(golden_open));
	assert_memory_equal(buf, golden_open, sizeof(golden_open));
}

/* The same capabilities, each in its own parameter, decode the same. */
static void test_open_caps_in_separate_params(void **state)
{
	static const uint8_t m[] = {
	    MARKER, 0x00, 0x33, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0xb4, 1,	  2,	3,    4,
	    0x16,   0x02, 0x06, 0x01, 0x04, 0x00, 0x02, 0x00, 0x01, 0x02, 0x02, 0x02, 0x00,
	    0x02,   0x06, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9, 0x02, 0x00, /* an empty parameter is
									     legal */
	};
	struct bgp_open o;
	struct bgp_notify err;

	assert_int_equal(sizeof(m), 0x33);
	assert_int_equal(bgp_open_decode(m, sizeof(m), &o, &err), 0);
	assert_int_equal(bgp_open_asn(&o), 65001);
	assert_int_equal(o.hold_time, 180);
	assert_int_equal(o.caps.mp_mask, BGP_AF_BIT(BGP_AF_IPV6_UNICAST));
	assert_true(o.caps.present & BGP_CAPF_ROUTE_REFRESH);
	assert_false(o.caps.present & BGP_CAPF_GR);
}

/* RFC 9072 extended optional parameters. */
static void test_open_extended_params(void **state)
{
	static const uint8_t m[] = {
	    MARKER, 0x00, 0x2b, 0x01, 0x04, 0xfd, 0xe9, 0x00, 0xb4, 1,	  2,	3,    4,    0xff,
	    0xff,   0x00, 0x0b, 0x02, 0x00, 0x08, 0x41, 0x04, 0x00, 0x00, 0xfd, 0xe9, 0x02, 0x00,
	};
	struct bgp_open o;
	struct bgp_notify err;

	assert_int_equal(sizeof(m), 0x2b);
	assert_int_equal(bgp_open_decode(m, sizeof(m), &o, &err), 0);
	assert_true(o.caps.present & BGP_CAPF_AS4);
	assert_true(o.caps.present & BGP_CAPF_ROUTE_REFRESH);
}

static void test_open_round_trip(void **state)
{
	struct bgp_open o, d;
	struct bgp_notify err;
	uint8_t buf[256];
	int len;

	bgp_open_init(&o, 65001, 9, 0xc0000201);
	o.caps.present |= BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_GR;
	o.caps.mp_mask = BGP_AF_MASK_ALL;
	o.caps.gr.flags = BGP_GR_FLAG_NOTIFY;
	o.caps.gr.time = 4095;
	o.caps.gr.af_mask = BGP_AF_BIT(BGP_AF_IPV6_UNICAST);
	o.caps.gr.af_fwd_mask = BGP_AF_BIT(BGP_AF_IPV6_UNICAST);
	len = bgp_open_encode(&o, buf, sizeof(buf));
	assert_true(len > 29);
	assert_int_equal(bgp_open_decode(buf, (size_t)len, &d, &err), 0);
	assert_int_equal(d.my_as, 65001);
	assert_int_equal(bgp_open_asn(&d), 65001);
	assert_int_equal(d.hold_time, 9);
	assert_int_equal(d.bgp_id, 0xc0000201);
	assert_int_equal(d.caps.present, o.caps.present);
	assert_int_equal(d.caps.mp_mask, BGP_AF_MASK_ALL);
	assert_memory_equal(&d.caps.gr, &o.caps.gr, sizeof(o.caps.gr));
	assert_int_equal(bgp_open_encode(&o, buf, 40), -EMSGSIZE);

	/* A 4-octet AS goes out as AS_TRANS plus the capability. */
	bgp_open_init(&o, 4200000001u, 90, 1);
	assert_int_equal(o.my_as, BGP_AS_TRANS);
	len = bgp_open_encode(&o, buf, sizeof(buf));
	assert_int_equal(bgp_open_decode(buf, (size_t)len, &d, &err), 0);
	assert_int_equal(bgp_open_asn(&d), 4200000001u);
}

static void open_decode_err(const uint8_t *m, size_t len, uint8_t subcode)
{
	struct bgp_open o;
	struct bgp_notify err;

	assert_int_equal(bgp_open_decode(m, len, &o, &err), -EBADMSG);
	assert_int_equal(err.code, BGP_ERR_OPEN);
	assert_int_equal(err.subcode, subcode);
}

static void test_open_decode_errors(void **state)
{
	uint8_t m[64];
	struct bgp_open o;
	struct bgp_notify err;
	int len;

	bgp_open_init(&o, 65001, 90, 1);
	len = bgp_open_encode(&o, m, sizeof(m)); /* one param: AS4 cap */
	assert_int_equal(len, 37);

	m[19] = 3; /* version */
	open_decode_err(m, (size_t)len, BGP_OPEN_BAD_VERSION);
	assert_int_equal(bgp_open_decode(m, (size_t)len, &o, &err), -EBADMSG);
	assert_int_equal(err.datalen, 2);
	assert_memory_equal(err.data, "\x00\x04", 2);
	m[19] = 4;

	m[29] = 1; /* parameter type 1 (authentication, deprecated) */
	open_decode_err(m, (size_t)len, BGP_OPEN_UNSUP_PARAM);
	m[29] = 2;

	m[32] = 2; /* AS4 capability of length 2 inside a 6-byte parameter */
	open_decode_err(m, (size_t)len, BGP_OPEN_UNSPECIFIC);
	m[32] = 4;

	m[30] = 9; /* parameter longer than the optional parameters */
	open_decode_err(m, (size_t)len, BGP_OPEN_UNSPECIFIC);
	m[30] = 6;

	m[28] = 7; /* optional parameters length != rest of message */
	open_decode_err(m, (size_t)len, BGP_OPEN_UNSPECIFIC);
	m[28] = 8;

	assert_int_equal(bgp_open_decode(m, (size_t)len, &o, &err), 0);
	/* Not an OPEN. */
	m[18] = BGP_MSG_KEEPALIVE;
	assert_int_equal(bgp_open_decode(m, (size_t)len, &o, &err), -EBADMSG);
	assert_int_equal(err.code, BGP_ERR_HEADER);
}

static void open_check_err(const struct bgp_open *o, const struct bgp_open_expect *x,
			   uint8_t subcode)
{
	struct bgp_notify err;

	assert_int_equal(bgp_open_check(o, x, &err), -EBADMSG);
	assert_int_equal(err.code, BGP_ERR_OPEN);
	assert_int_equal(err.subcode, subcode);
}

static void test_open_check(void **state)
{
	struct bgp_open_expect x = {.peer_as = 65002, .local_as = 65001, .local_id = 0x01010101};
	struct bgp_notify err;
	struct bgp_open o;

	bgp_open_init(&o, 65002, 90, 0x02020202);
	assert_int_equal(bgp_open_check(&o, &x, &err), 0);

	o.hold_time = 1;
	open_check_err(&o, &x, BGP_OPEN_BAD_HOLD_TIME);
	o.hold_time = 2;
	open_check_err(&o, &x, BGP_OPEN_BAD_HOLD_TIME);
	o.hold_time = 0; /* no keepalives: acceptable */
	assert_int_equal(bgp_open_check(&o, &x, &err), 0);
	o.hold_time = 3;
	assert_int_equal(bgp_open_check(&o, &x, &err), 0);

	bgp_open_init(&o, 65003, 90, 0x02020202);
	open_check_err(&o, &x, BGP_OPEN_BAD_PEER_AS);
	x.peer_as = 0; /* any AS will do ... */
	assert_int_equal(bgp_open_check(&o, &x, &err), 0);
	bgp_open_init(&o, 0, 90, 0x02020202); /* ... but 0 */
	open_check_err(&o, &x, BGP_OPEN_BAD_PEER_AS);

	bgp_open_init(&o, 65002, 90, 0);
	open_check_err(&o, &x, BGP_OPEN_BAD_BGP_ID);
	/* Our own identifier: wrong inside the AS, fine from outside. */
	bgp_open_init(&o, 65001, 90, 0x01010101);
	open_check_err(&o, &x, BGP_OPEN_BAD_BGP_ID);
	bgp_open_init(&o, 65002, 90, 0x01010101);
	assert_int_equal(bgp_open_check(&o, &x, &err), 0);

	/* A 4-octet peer AS is compared through the capability. */
	x.peer_as = 4200000001u;
	bgp_open_init(&o, 4200000001u, 90, 0x02020202);
	assert_int_equal(bgp_open_check(&o, &x, &err), 0);
	o.caps.present = 0; /* an old speaker claiming AS_TRANS */
	open_check_err(&o, &x, BGP_OPEN_BAD_PEER_AS);

	o.version = 5;
	open_check_err(&o, &x, BGP_OPEN_BAD_VERSION);
}

/* RFC 4760 8: any MP capability, even of a family we do not speak, ends
 * the implicit IPv4 unicast; an OPEN sharing no family with ours is
 * refused with Unsupported Capability listing the ones we require. */
static void test_open_families(void **state)
{
	static const uint8_t evpn_only[] = {0xff,
					    0xff,
					    0xff,
					    0xff,
					    0xff,
					    0xff,
					    0xff,
					    0xff,
					    0xff,
					    0xff,
					    0xff,
					    0xff,
					    0xff,
					    0xff,
					    0xff,
					    0xff,
					    0,
					    37,
					    BGP_MSG_OPEN,
					    4,
					    0xfd,
					    0xea,
					    0,
					    90,
					    2,
					    2,
					    2,
					    2,
					    8,
					    2,
					    6,
					    1,
					    4,
					    0,
					    25,
					    0,
					    70};
	static const uint8_t want_v4v6[] = {1, 4, 0, 1, 0, 1, 1, 4, 0, 2, 0, 1};
	struct bgp_open_expect x = {.local_as = 65001, .local_id = 1, .af_mask = BGP_AF_MASK_ALL};
	struct bgp_open l, o;
	struct bgp_negotiated n;
	struct bgp_notify err;

	(void)state;
	assert_int_equal(bgp_open_decode(evpn_only, sizeof(evpn_only), &o, &err), 0);
	assert_true(o.caps.present & BGP_CAPF_MP);
	/* EVPN is a family we speak, outside enum bgp_af (bgp_evpn_nlri.h) */
	assert_int_equal(o.caps.mp_mask, BGP_EVPN_BIT);
	bgp_open_init(&l, 65001, 90, 1);
	l.caps.present |= BGP_CAPF_MP;
	l.caps.mp_mask = BGP_AF_MASK_ALL | BGP_EVPN_BIT;
	bgp_negotiate(&l, &o, &n);
	assert_int_equal(n.af_mask, BGP_EVPN_BIT); /* EVPN only, not IPv4 */
	x.af_mask = l.caps.mp_mask;
	assert_int_equal(bgp_open_check(&o, &x, &err), 0);
	x.af_mask = BGP_AF_MASK_ALL;
	bgp_open_init(&l, 65001, 90, 1);
	l.caps.present |= BGP_CAPF_MP;
	l.caps.mp_mask = BGP_AF_MASK_ALL;
	bgp_negotiate(&l, &o, &n);
	assert_int_equal(n.af_mask, 0); /* not IPv4 */
	assert_int_equal(bgp_open_check(&o, &x, &err), -EBADMSG);
	assert_int_equal(err.code, BGP_ERR_OPEN);
	assert_int_equal(err.subcode, BGP_OPEN_UNSUP_CAPABILITY);
	assert_int_equal(err.datalen, sizeof(want_v4v6));
	assert_memory_equal(err.data, want_v4v6, sizeof(want_v4v6));

	/* IPv6 only against our IPv4 only: refused, and the other way round */
	bgp_open_init(&o, 65002, 90, 2);
	o.caps.present |= BGP_CAPF_MP;
	o.caps.mp_mask = BGP_AF_BIT(BGP_AF_IPV6_UNICAST);
	x.af_mask = BGP_AF_BIT(BGP_AF_IPV4_UNICAST);
	open_check_err(&o, &x, BGP_OPEN_UNSUP_CAPABILITY);
	x.af_mask = BGP_AF_MASK_ALL; /* one family in common will do */
	assert_int_equal(bgp_open_check(&o, &x, &err), 0);
	/* an old speaker (no capabilities) speaks IPv4 unicast */
	o.caps.present = 0;
	x.af_mask = BGP_AF_BIT(BGP_AF_IPV6_UNICAST);
	open_check_err(&o, &x, BGP_OPEN_UNSUP_CAPABILITY);
	x.af_mask = BGP_AF_BIT(BGP_AF_IPV4_UNICAST);
	assert_int_equal(bgp_open_check(&o, &x, &err), 0);
	x.af_mask = 0; /* not checked */
	o.caps.present = BGP_CAPF_MP;
	o.caps.mp_mask = 0;
	assert_int_equal(bgp_open_check(&o, &x, &err), 0);
}

static void test_negotiate(void **state)
{
	struct bgp_open l, r;
	struct bgp_negotiated n;

	bgp_open_init(&l, 65001, 90, 1);
	l.caps.present |= BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH;
	l.caps.mp_mask = BGP_AF_MASK_ALL;

	/* An old speaker: no capabilities at all. */
	memset(&r, 0, sizeof(r));
	r.version = 4;
	r.my_as = 65002;
	r.hold_time = 30;
	bgp_negotiate(&l, &r, &n);
	assert_false(n.as4);
	assert_false(n.route_refresh);
	assert_int_equal(n.af_mask, BGP_AF_BIT(BGP_AF_IPV4_UNICAST));
	assert_int_equal(n.hold_time, 30);
	assert_int_equal(n.keepalive, 10);
	assert_false(n.peer_gr);

	bgp_open_init(&r, 65002, 180, 2);
	r.caps.present |= BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH_OLD | BGP_CAPF_GR;
	r.caps.mp_mask = BGP_AF_BIT(BGP_AF_IPV6_UNICAST);
	r.caps.gr.time = 120;
	bgp_negotiate(&l, &r, &n);
	assert_true(n.as4);
	assert_true(n.route_refresh);
	assert_int_equal(n.af_mask, BGP_AF_BIT(BGP_AF_IPV6_UNICAST));
	assert_int_equal(n.hold_time, 90);
	assert_int_equal(n.keepalive, 30);
	assert_true(n.peer_gr);
	assert_int_equal(n.gr.time, 120);

	r.hold_time = 0;
	bgp_negotiate(&l, &r, &n);
	assert_int_equal(n.hold_time, 0);
	assert_int_equal(n.keepalive, 0);
}

/* Graceful restart, the helper's side (RFC 4724 4.2). */
static void gr_neg(struct bgp_negotiated *n, uint32_t af, uint32_t fwd, uint16_t time)
{
	memset(n, 0, sizeof(*n));
	n->af_mask = BGP_AF_MASK_ALL;
	n->peer_gr = true;
	n->gr.time = time;
	n->gr.af_mask = af;
	n->gr.af_fwd_mask = fwd;
}

static void test_gr_retain(void **state)
{
	const uint32_t v4 = BGP_AF_BIT(BGP_AF_IPV4_UNICAST), v6 = BGP_AF_BIT(BGP_AF_IPV6_UNICAST);
	struct bgp_negotiated n;

	(void)state;
	gr_neg(&n, v4 | v6, 0, 120);
	/* A TCP failure keeps the families the capability listed, F or not. */
	assert_int_equal(bgp_gr_retain_mask(&n, true, false), v4 | v6);
	/* Not for a family the session did not negotiate. */
	n.af_mask = v4;
	assert_int_equal(bgp_gr_retain_mask(&n, true, false), v4);
	/* A NOTIFICATION (sent or received, hold timer included) ends it. */
	assert_int_equal(bgp_gr_retain_mask(&n, true, true), 0);
	/* We did not send the capability (graceful-restart-disable). */
	assert_int_equal(bgp_gr_retain_mask(&n, false, false), 0);
	/* A helper-only peer (no families) or restart time 0: nothing kept. */
	gr_neg(&n, 0, 0, 120);
	assert_int_equal(bgp_gr_retain_mask(&n, true, false), 0);
	gr_neg(&n, v4, v4, 0);
	assert_int_equal(bgp_gr_retain_mask(&n, true, false), 0);
	/* A peer without the capability. */
	memset(&n, 0, sizeof(n));
	n.af_mask = v4;
	assert_int_equal(bgp_gr_retain_mask(&n, true, false), 0);
}

static void test_gr_keep(void **state)
{
	const uint32_t v4 = BGP_AF_BIT(BGP_AF_IPV4_UNICAST), v6 = BGP_AF_BIT(BGP_AF_IPV6_UNICAST);
	struct bgp_negotiated n;

	(void)state;
	/* Back with F for both: the stale routes wait for End-of-RIB. */
	gr_neg(&n, v4 | v6, v4 | v6, 120);
	assert_int_equal(bgp_gr_keep_mask(v4 | v6, &n), v4 | v6);
	/* Only what was stale. */
	assert_int_equal(bgp_gr_keep_mask(v4, &n), v4);
	/* No F bit for IPv6: its stale routes go at once. */
	gr_neg(&n, v4 | v6, v4, 120);
	assert_int_equal(bgp_gr_keep_mask(v4 | v6, &n), v4);
	/* IPv6 no longer listed. */
	gr_neg(&n, v4, v4, 120);
	assert_int_equal(bgp_gr_keep_mask(v4 | v6, &n), v4);
	/* The family no longer negotiated at all. */
	gr_neg(&n, v4 | v6, v4 | v6, 120);
	n.af_mask = v6;
	assert_int_equal(bgp_gr_keep_mask(v4 | v6, &n), v6);
	/* The new OPEN lacks the capability: everything goes. */
	memset(&n, 0, sizeof(n));
	n.af_mask = BGP_AF_MASK_ALL;
	assert_int_equal(bgp_gr_keep_mask(v4 | v6, &n), 0);
}

/* ---- KEEPALIVE, NOTIFICATION, ROUTE-REFRESH ---------------------------- */

static void test_keepalive(void **state)
{
	static const uint8_t want[] = {MARKER, 0x00, 0x13, 0x04};
	uint8_t buf[32];
	struct bgp_notify err;
	struct bgp_hdr h;

	assert_int_equal(bgp_keepalive_encode(buf, sizeof(buf)), 19);
	assert_memory_equal(buf, want, 19);
	assert_int_equal(bgp_hdr_decode(buf, 19, &h, &err), 0);
	assert_int_equal(h.type, BGP_MSG_KEEPALIVE);
	assert_int_equal(bgp_keepalive_encode(buf, 18), -EMSGSIZE);
}

static void test_notification(void **state)
{
	static const uint8_t want[] = {MARKER, 0x00, 0x1a, 0x03, 0x06, 0x02,
				       0x04,   'b',  'y',  'e',	 '!'};
	struct bgp_notify n, d, err;
	uint8_t buf[4200];
	int len;

	bgp_notify_set(&n, BGP_ERR_CEASE, BGP_CEASE_ADMIN_SHUTDOWN,
		       "\x04"
		       "bye!",
		       5);
	len = bgp_notify_encode(&n, buf, sizeof(buf));
	assert_int_equal(len, 26);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(bgp_notify_decode(buf, (size_t)len, &d, &err), 0);
	assert_int_equal(d.code, BGP_ERR_CEASE);
	assert_int_equal(d.subcode, BGP_CEASE_ADMIN_SHUTDOWN);
	assert_int_equal(d.datalen, 5);
	assert_memory_equal(d.data,
			    "\x04"
			    "bye!",
			    5);
	assert_string_equal(bgp_notify_code_str(d.code), "Cease");
	assert_string_equal(bgp_notify_subcode_str(d.code, d.subcode), "Administrative Shutdown");

	/* The largest NOTIFICATION fits 4096 exactly. */
	memset(&n, 0, sizeof(n));
	n.code = BGP_ERR_UPDATE;
	n.datalen = BGP_NOTIFY_MAX_DATA;
	assert_int_equal(bgp_notify_encode(&n, buf, sizeof(buf)), 4096);
	assert_int_equal(bgp_notify_decode(buf, 4096, &d, &err), 0);
	assert_int_equal(d.datalen, BGP_NOTIFY_MAX_DATA);

	/* Too short for code and subcode. */
	buf[16] = 0;
	buf[17] = 20;
	assert_int_equal(bgp_notify_decode(buf, 20, &d, &err), -EBADMSG);
	assert_int_equal(err.code, BGP_ERR_HEADER);
	assert_int_equal(err.subcode, BGP_HDR_BAD_LENGTH);
}

static void shut(struct bgp_notify *n, uint8_t subcode, const char *data, size_t len)
{
	bgp_notify_set(n, BGP_ERR_CEASE, subcode, data, len);
}

/* RFC 8203 / RFC 9003: the text after a length octet, safe to print. */
static void test_notification_shutdown_text(void **state)
{
	struct bgp_notify n;
	char t[BGP_SHUTDOWN_TEXT_MAX];
	uint8_t big[256];

	shut(&n, BGP_CEASE_ADMIN_SHUTDOWN,
	     "\x0b"
	     "maintenance",
	     12);
	assert_int_equal(bgp_notify_shutdown_text(&n, t, sizeof(t)), 11);
	assert_string_equal(t, "maintenance");
	shut(&n, BGP_CEASE_ADMIN_RESET,
	     "\x06"
	     "caf\xc3\xa9!",
	     7); /* UTF-8 kept */
	assert_int_equal(bgp_notify_shutdown_text(&n, t, sizeof(t)), 6);
	assert_string_equal(t, "caf\xc3\xa9!");
	/* control octets and invalid UTF-8 are escaped, never printed raw */
	shut(&n, BGP_CEASE_ADMIN_SHUTDOWN,
	     "\x04"
	     "a\n\xff\xc3",
	     5);
	assert_int_equal(bgp_notify_shutdown_text(&n, t, sizeof(t)), 13);
	assert_string_equal(t, "a\\x0a\\xff\\xc3");
	/* none: another subcode, no data, zero length; malformed: too long */
	shut(&n, BGP_CEASE_MAX_PREFIX, "\x01x", 2);
	assert_int_equal(bgp_notify_shutdown_text(&n, t, sizeof(t)), -1);
	shut(&n, BGP_CEASE_ADMIN_SHUTDOWN, NULL, 0);
	assert_int_equal(bgp_notify_shutdown_text(&n, t, sizeof(t)), -1);
	shut(&n, BGP_CEASE_ADMIN_SHUTDOWN, "\x00", 1);
	assert_int_equal(bgp_notify_shutdown_text(&n, t, sizeof(t)), -1);
	shut(&n, BGP_CEASE_ADMIN_SHUTDOWN,
	     "\x05"
	     "abc",
	     4);
	assert_int_equal(bgp_notify_shutdown_text(&n, t, sizeof(t)), -1);
	assert_string_equal(t, "");
	/* the longest (255 control octets) fits; a small buffer truncates */
	memset(big, 0x01, sizeof(big));
	big[0] = 255;
	shut(&n, BGP_CEASE_ADMIN_SHUTDOWN, (const char *)big, sizeof(big));
	assert_int_equal(bgp_notify_shutdown_text(&n, t, sizeof(t)), 255 * 4);
	assert_int_equal(bgp_notify_shutdown_text(&n, t, 10), 8);
	assert_string_equal(t, "\\x01\\x01");
}

static void test_route_refresh(void **state)
{
	static const uint8_t want[] = {MARKER, 0x00, 0x17, 0x05, 0x00, 0x02, 0x00, 0x01};
	struct bgp_route_refresh r = {.afi = BGP_AFI_IPV6, .safi = BGP_SAFI_UNICAST}, d;
	struct bgp_notify err;
	uint8_t buf[64];

	assert_int_equal(bgp_rrefresh_encode(&r, buf, sizeof(buf)), 23);
	assert_memory_equal(buf, want, sizeof(want));
	assert_int_equal(bgp_rrefresh_decode(buf, 23, &d, &err), 0);
	assert_int_equal(d.afi, BGP_AFI_IPV6);
	assert_int_equal(d.safi, BGP_SAFI_UNICAST);
	assert_int_equal(d.subtype, 0);

	buf[17] = 24;
	buf[23] = 1;
	assert_int_equal(bgp_rrefresh_decode(buf, 24, &d, &err), -EBADMSG);
	assert_int_equal(err.code, BGP_ERR_RREFRESH);
	assert_int_equal(err.subcode, 1);
}

/* ---- UPDATE packer ---------------------------------------------------- */

struct sink {
	const struct bgp_codec_ctx *ctx;
	struct bgp_update u;
	const struct bgp_attrs *want; /* expected attrs (NULL: withdrawals) */
	uint8_t *seen;		      /* per prefix index */
	size_t nmsg;
	size_t total_prefixes;
	uint8_t family;
};

/* Index of a test prefix: its first three (v4) or bytes 4-5 (v6). */
static size_t pfx_index(const struct kld_prefix *p)
{
	if (p->family == AF_INET)
		return (size_t)p->u.bytes[0] << 16 | (size_t)p->u.bytes[1] << 8 | p->u.bytes[2];
	return (size_t)p->u.bytes[4] << 8 | p->u.bytes[5];
}

static void mark(struct sink *s, const struct bgp_prefix_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++) {
		size_t idx = pfx_index(&l->p[i]);

		assert_int_equal(l->p[i].family, s->family);
		assert_true(idx < 10000);
		assert_int_equal(s->seen[idx], 0);
		s->seen[idx] = 1;
		s->total_prefixes++;
	}
}

static int sink_emit(void *arg, const uint8_t *msg, size_t len)
{
	struct sink *s = arg;
	struct bgp_attrs a;

	assert_true(len <= BGP_MAX_MSG_LEN);
	assert_int_equal(bgp_update_decode(&s->u, msg, len, s->ctx), 0);
	assert_int_equal(s->u.eh.action, BGP_EH_NONE);
	s->nmsg++;
	if (!s->want) {
		assert_int_equal(s->u.nlri.n + s->u.mp_nlri.n, 0);
		mark(s, &s->u.withdrawn);
		return 0;
	}
	assert_int_equal(s->u.withdrawn.n, 0);
	if (s->u.mp_nlri.n) {
		assert_int_equal(s->u.nlri.n, 0);
		bgp_update_mp_attrs(&s->u, &a);
		assert_true(bgp_attrs_eq(&a, s->want));
		mark(s, &s->u.mp_nlri);
	} else {
		assert_true(bgp_attrs_eq(&s->u.attrs, s->want));
		mark(s, &s->u.nlri);
	}
	return 0;
}

/* 10,000 distinct prefixes: IPv4 i<<8 with lengths 24..32, or IPv6
 * 2001:db8:i::/48..64. */
static struct kld_prefix *make_prefixes(uint8_t family, size_t n, size_t *wire_bytes)
{
	struct kld_prefix *p = calloc(n, sizeof(*p));
	size_t i;

	*wire_bytes = 0;
	for (i = 0; i < n; i++) {
		p[i].family = family;
		if (family == AF_INET) {
			p[i].len = (uint8_t)(24 + i % 9);
			p[i].u.bytes[0] = (uint8_t)(i >> 16);
			p[i].u.bytes[1] = (uint8_t)(i >> 8);
			p[i].u.bytes[2] = (uint8_t)i;
		} else {
			p[i].len = (uint8_t)(48 + i % 17);
			memcpy(p[i].u.bytes, "\x20\x01\x0d\xb8", 4);
			p[i].u.bytes[4] = (uint8_t)(i >> 8);
			p[i].u.bytes[5] = (uint8_t)i;
		}
		*wire_bytes += 1 + (p[i].len + 7) / 8;
	}
	return p;
}

static void base_attrs(struct bgp_attrs *a, struct bgp_scratch *s)
{
	bgp_attrs_init(a);
	a->present |= BGP_ATTRF_ORIGIN;
	assert_int_equal(bgp_attrs_aspath_parse(a, s, "65001 65002"), 0);
	bgp_attrs_set_med(a, 7);
	assert_int_equal(bgp_attrs_comm_add(a, s, 0xfde80064), 0);
	assert_int_equal(bgp_attrs_comm_add(a, s, BGP_COMM_NO_EXPORT), 0);
}

static void check_all_seen(const struct sink *s, size_t n)
{
	size_t i;

	assert_int_equal(s->total_prefixes, n);
	for (i = 0; i < n; i++)
		assert_int_equal(s->seen[i], 1);
}

/* Messages must be between the ideal count and next-fit's bound. */
static void check_optimal(size_t nmsg, size_t wire, size_t capacity, size_t max_item)
{
	size_t lower = (wire + capacity - 1) / capacity;
	size_t upper = (wire + capacity - max_item) / (capacity - max_item + 1);

	assert_true(nmsg >= lower);
	assert_true(nmsg <= upper);
	assert_true(nmsg <= lower + 1);
}

static void test_pack_10000_ipv4(void **state)
{
	struct bgp_codec_ctx ctx = {.as4 = true, .ebgp = true, .af_mask = BGP_AF_MASK_ALL};
	struct sink s = {.ctx = &ctx, .family = AF_INET};
	struct bgp_scratch sc;
	struct bgp_attrs a;
	uint8_t enc[4096];
	size_t wire;
	struct kld_prefix *p = make_prefixes(AF_INET, 10000, &wire);
	int n, alen;

	bgp_scratch_init(&sc);
	base_attrs(&a, &sc);
	a.present |= BGP_ATTRF_NEXT_HOP;
	a.nexthop.family = AF_INET;
	memcpy(a.nexthop.u.bytes, "\xc0\x00\x02\x01", 4);
	alen = bgp_attrs_encode(&a, &ctx, true, enc, sizeof(enc));
	assert_true(alen > 0);

	bgp_update_init(&s.u);
	s.want = &a;
	s.seen = calloc(10000, 1);
	n = bgp_update_pack(&ctx, &a, p, 10000, sink_emit, &s);
	assert_int_equal(n, (int)s.nmsg);
	check_all_seen(&s, 10000);
	check_optimal(s.nmsg, wire, 4096 - 23 - (size_t)alen, 5);

	/* Withdrawals the same way. */
	memset(s.seen, 0, 10000);
	s.total_prefixes = 0;
	s.nmsg = 0;
	s.want = NULL;
	n = bgp_withdraw_pack(&ctx, p, 10000, sink_emit, &s);
	assert_int_equal(n, (int)s.nmsg);
	check_all_seen(&s, 10000);
	check_optimal(s.nmsg, wire, 4096 - 23, 5);

	bgp_update_fini(&s.u);
	bgp_scratch_free(&sc);
	free(s.seen);
	free(p);
}

static void test_pack_10000_ipv6(void **state)
{
	struct bgp_codec_ctx ctx = {.as4 = true, .ebgp = true, .af_mask = BGP_AF_MASK_ALL};
	struct sink s = {.ctx = &ctx, .family = AF_INET6};
	struct bgp_scratch sc;
	struct bgp_attrs a;
	uint8_t enc[4096];
	size_t wire;
	struct kld_prefix *p = make_prefixes(AF_INET6, 10000, &wire);
	int n, alen;

	bgp_scratch_init(&sc);
	base_attrs(&a, &sc);
	a.nexthop.family = AF_INET6;
	memcpy(a.nexthop.u.bytes, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	a.nexthop_ll.family = AF_INET6;
	memcpy(a.nexthop_ll.u.bytes, "\xfe\x80\0\0\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
	alen = bgp_attrs_encode(&a, &ctx, false, enc, sizeof(enc));
	assert_true(alen > 0);

	bgp_update_init(&s.u);
	s.want = &a;
	s.seen = calloc(10000, 1);
	n = bgp_update_pack(&ctx, &a, p, 10000, sink_emit, &s);
	assert_int_equal(n, (int)s.nmsg);
	check_all_seen(&s, 10000);
	/* MP_REACH header: 4 + AFI/SAFI/len 4 + 32 next hop + reserved 1 */
	check_optimal(s.nmsg, wire, 4096 - 23 - (size_t)alen - 41, 9);

	memset(s.seen, 0, 10000);
	s.total_prefixes = 0;
	s.nmsg = 0;
	s.want = NULL;
	n = bgp_withdraw_pack(&ctx, p, 10000, sink_emit, &s);
	assert_int_equal(n, (int)s.nmsg);
	check_all_seen(&s, 10000);
	check_optimal(s.nmsg, wire, 4096 - 23 - 7, 9);

	bgp_update_fini(&s.u);
	bgp_scratch_free(&sc);
	free(s.seen);
	free(p);
}

/* IPv4 carried in MP_REACH/MP_UNREACH when asked to. */
static void test_pack_ipv4_mp(void **state)
{
	struct bgp_codec_ctx ctx = {
	    .as4 = true, .ebgp = true, .ipv4_mp = true, .af_mask = BGP_AF_MASK_ALL};
	struct sink s = {.ctx = &ctx, .family = AF_INET};
	struct bgp_scratch sc;
	struct bgp_attrs a;
	size_t wire;
	struct kld_prefix *p = make_prefixes(AF_INET, 3000, &wire);
	int n;

	bgp_scratch_init(&sc);
	base_attrs(&a, &sc);
	a.nexthop.family = AF_INET;
	memcpy(a.nexthop.u.bytes, "\x0a\0\0\x01", 4);
	bgp_update_init(&s.u);
	s.want = &a;
	s.seen = calloc(10000, 1);
	n = bgp_update_pack(&ctx, &a, p, 3000, sink_emit, &s);
	assert_true(n >= 4);
	check_all_seen(&s, 3000);
	memset(s.seen, 0, 10000);
	s.total_prefixes = 0;
	s.want = NULL;
	assert_true(bgp_withdraw_pack(&ctx, p, 3000, sink_emit, &s) >= 4);
	check_all_seen(&s, 3000);
	bgp_update_fini(&s.u);
	bgp_scratch_free(&sc);
	free(s.seen);
	free(p);
}

static int fail_emit(void *arg, const uint8_t *msg, size_t len)
{
	(*(int *)arg)++;
	return -EPIPE;
}

static void test_pack_errors(void **state)
{
	struct bgp_codec_ctx ctx = {.as4 = true, .ebgp = true, .af_mask = BGP_AF_MASK_ALL};
	struct kld_prefix p[2] = {{.family = AF_INET, .len = 8}, {.family = AF_INET6, .len = 8}};
	struct bgp_attrs a;
	int calls = 0;

	bgp_attrs_init(&a);
	a.nexthop.family = AF_INET;
	assert_int_equal(bgp_update_pack(&ctx, &a, p, 0, fail_emit, &calls), 0);
	/* Mixed families. */
	assert_int_equal(bgp_update_pack(&ctx, &a, p, 2, fail_emit, &calls), -EINVAL);
	assert_int_equal(bgp_withdraw_pack(&ctx, p, 2, fail_emit, &calls), -EINVAL);
	/* Next hop of the wrong family. */
	assert_int_equal(bgp_update_pack(&ctx, &a, p + 1, 1, fail_emit, &calls), -EINVAL);
	/* A prefix length the family cannot have. */
	p[0].len = 33;
	assert_int_equal(bgp_update_pack(&ctx, &a, p, 1, fail_emit, &calls), -EINVAL);
	p[0].len = 8;
	assert_int_equal(calls, 0);
	/* The callback's error stops packing and comes back. */
	assert_int_equal(bgp_update_pack(&ctx, &a, p, 1, fail_emit, &calls), -EPIPE);
	assert_int_equal(calls, 1);
}

/* ---- attribute round trips --------------------------------------------- */

struct one {
	const struct bgp_codec_ctx *ctx;
	struct bgp_update u;
	int n;
};

static int one_emit(void *arg, const uint8_t *msg, size_t len)
{
	struct one *o = arg;

	o->n++;
	return bgp_update_decode(&o->u, msg, len, o->ctx);
}

/* Everything we parse, including confed segments, a 4-octet aggregator,
 * ORIGINATOR_ID/CLUSTER_LIST and two unknown transitive attributes (one
 * needing the extended length form). */
static void full_attrs(struct bgp_attrs *a, struct bgp_scratch *s, bool confed)
{
	static uint8_t big[300];
	static const uint32_t cl[] = {0x01010101, 0x02020202};
	struct bgp_lcomm lc = {4200000001u, 1, 2};
	uint8_t *unk = bgp_scratch_alloc(s, 4 + 2 + 4 + sizeof(big));

	bgp_attrs_init(a);
	a->present |= BGP_ATTRF_ORIGIN | BGP_ATTRF_NEXT_HOP | BGP_ATTRF_ATOMIC_AGGREGATE |
		      BGP_ATTRF_AGGREGATOR | BGP_ATTRF_ORIGINATOR_ID;
	a->origin = BGP_ORIGIN_EGP;
	assert_int_equal(
	    bgp_attrs_aspath_parse(a, s,
				   confed ? "(65010 65011) [65012,65013] 65001 {1,2} 4200000001"
					  : "65001 {1,2} 4200000001 65002"),
	    0);
	a->nexthop.family = AF_INET;
	memcpy(a->nexthop.u.bytes, "\x0a\x01\x02\x03", 4);
	bgp_attrs_set_med(a, 0);
	bgp_attrs_set_local_pref(a, 4000000000u);
	a->aggr_as = 4200000009u;
	a->aggr_id = 0x0a000009;
	a->originator_id = 0x0a0000ff;
	a->cluster = cl;
	a->ncluster = 2;
	assert_int_equal(bgp_attrs_comm_add(a, s, 0xfde80064), 0);
	assert_int_equal(bgp_attrs_comm_add(a, s, BGP_COMM_NO_ADVERTISE), 0);
	assert_int_equal(bgp_attrs_lcomm_add(a, s, &lc), 0);
	a->ecomm = (const uint8_t *)"\x00\x02\xfd\xe8\x00\x00\x00\x64";
	a->necomm = 1;
	memset(big, 0x5a, sizeof(big));
	memcpy(unk,
	       "\xe0\x63\x00\x02"
	       "hi",
	       6);
	memcpy(unk + 6, "\xe0\xc8\x01\x2c", 4);
	memcpy(unk + 10, big, sizeof(big));
	a->unknown = unk;
	a->unknown_len = (uint16_t)(10 + sizeof(big));
}

static void round_trip(const struct bgp_codec_ctx *ctx, bool confed)
{
	struct one o = {.ctx = ctx};
	struct kld_prefix p = {.family = AF_INET, .len = 24, .u.bytes = {10, 9, 8}};
	struct bgp_scratch s;
	struct bgp_attrs a, want;

	bgp_scratch_init(&s);
	bgp_update_init(&o.u);
	full_attrs(&a, &s, confed);
	assert_int_equal(bgp_update_pack(ctx, &a, &p, 1, one_emit, &o), 1);
	assert_int_equal(o.u.eh.action, BGP_EH_NONE);
	assert_int_equal(o.u.nlri.n, 1);
	want = a;
	if (ctx->ebgp && !ctx->confed) {
		/* Not sent to external peers. */
		want.present &= ~(BGP_ATTRF_LOCAL_PREF | BGP_ATTRF_ORIGINATOR_ID);
		want.ncluster = 0;
	}
	assert_true(bgp_attrs_eq(&o.u.attrs, &want));
	bgp_update_fini(&o.u);
	bgp_scratch_free(&s);
}

static void test_round_trip_ibgp_as4(void **state)
{
	struct bgp_codec_ctx ctx = {.as4 = true, .af_mask = BGP_AF_MASK_ALL};

	round_trip(&ctx, true);
	round_trip(&ctx, false);
}

/* Over a 2-octet session the path and aggregator are narrowed with
 * AS_TRANS and come back whole through AS4_PATH / AS4_AGGREGATOR. */
static void test_round_trip_ibgp_as2(void **state)
{
	struct bgp_codec_ctx ctx = {.as4 = false, .af_mask = BGP_AF_MASK_ALL};

	round_trip(&ctx, true);
	round_trip(&ctx, false);
}

static void test_round_trip_ebgp(void **state)
{
	struct bgp_codec_ctx c4 = {.as4 = true, .ebgp = true, .af_mask = BGP_AF_MASK_ALL};
	struct bgp_codec_ctx c2 = {.as4 = false, .ebgp = true, .af_mask = BGP_AF_MASK_ALL};

	round_trip(&c4, false);
	round_trip(&c2, false);
}

/* What a 2-octet peer actually sees on the wire. */
static void test_encode_as2_wire(void **state)
{
	struct bgp_codec_ctx ctx = {.as4 = false, .ebgp = true, .af_mask = BGP_AF_MASK_ALL};
	struct bgp_scratch s;
	struct bgp_attrs a;
	uint8_t buf[512];
	static const uint8_t
	    want[] =
		{
		    0x40, 0x01, 0x01, 0x00, 0x40, 0x02, 0x06, 0x02,
		    0x02, 0xfd, 0xe9, 0x5b, 0xa0, /* 65001 AS_TRANS */
		    0x40, 0x03, 0x04, 10,   0,	  0,	1,    0xc0,
		    0x07, 0x06, 0x5b, 0xa0, 10,	  0,	0,    9, /* AGGREGATOR AS_TRANS */
		    0xc0, 0x11, 0x0a, 0x02, 0x02, 0x00, 0x00, 0xfd,
		    0xe9, 0xfa, 0x56, 0xea, 0x01, 0xc0, 0x12, 0x08,
		    0xfa, 0x56, 0xea, 0x09, 10,	  0,	0,    9, /* AS4_AGGREGATOR */
		};

	bgp_scratch_init(&s);
	bgp_attrs_init(&a);
	assert_int_equal(bgp_attrs_aspath_parse(&a, &s, "65001 4200000001"), 0);
	a.nexthop.family = AF_INET;
	memcpy(a.nexthop.u.bytes, "\x0a\0\0\x01", 4);
	a.present |= BGP_ATTRF_AGGREGATOR;
	a.aggr_as = 4200000009u;
	a.aggr_id = 0x0a000009;
	assert_int_equal(bgp_attrs_encode(&a, &ctx, true, buf, sizeof(buf)), sizeof(want));
	assert_memory_equal(buf, want, sizeof(want));
	/* Too small a buffer. */
	assert_int_equal(bgp_attrs_encode(&a, &ctx, true, buf, 20), -EMSGSIZE);
	bgp_scratch_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_hdr_ok_and_short),
	    cmocka_unit_test(test_hdr_errors),
	    cmocka_unit_test(test_open_golden),
	    cmocka_unit_test(test_open_caps_in_separate_params),
	    cmocka_unit_test(test_open_extended_params),
	    cmocka_unit_test(test_open_round_trip),
	    cmocka_unit_test(test_open_decode_errors),
	    cmocka_unit_test(test_open_check),
	    cmocka_unit_test(test_open_families),
	    cmocka_unit_test(test_negotiate),
	    cmocka_unit_test(test_gr_retain),
	    cmocka_unit_test(test_gr_keep),
	    cmocka_unit_test(test_keepalive),
	    cmocka_unit_test(test_notification),
	    cmocka_unit_test(test_notification_shutdown_text),
	    cmocka_unit_test(test_route_refresh),
	    cmocka_unit_test(test_pack_10000_ipv4),
	    cmocka_unit_test(test_pack_10000_ipv6),
	    cmocka_unit_test(test_pack_ipv4_mp),
	    cmocka_unit_test(test_pack_errors),
	    cmocka_unit_test(test_round_trip_ibgp_as4),
	    cmocka_unit_test(test_round_trip_ibgp_as2),
	    cmocka_unit_test(test_round_trip_ebgp),
	    cmocka_unit_test(test_encode_as2_wire),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
