/*
 * Path attributes: interning (sharing, reference counts, equality over
 * every field), the AS path and community helpers policy will use, and
 * RFC 6793 AS4_PATH / AS4_AGGREGATOR reconstruction, both on the helper
 * and through decoding an UPDATE from a 2-octet speaker.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgpd/bgp_packet.h"

static void path_str(const struct bgp_attrs *a, char *buf, size_t size)
{
	bgp_aspath_fmt(a->aspath, a->aspath_len, buf, size);
}

static void set_path(struct bgp_attrs *a, struct bgp_scratch *s, const char *str)
{
	assert_int_equal(bgp_attrs_aspath_parse(a, s, str), 0);
}

/* ---- interning -------------------------------------------------------- */

static void sample(struct bgp_attrs *a, struct bgp_scratch *s)
{
	bgp_attrs_init(a);
	a->present |= BGP_ATTRF_ORIGIN | BGP_ATTRF_NEXT_HOP;
	set_path(a, s, "65002 65003");
	a->nexthop.family = AF_INET;
	memcpy(a->nexthop.u.bytes, "\xc0\x00\x02\x01", 4);
	bgp_attrs_set_med(a, 10);
	assert_int_equal(bgp_attrs_comm_add(a, s, 0xfde80064), 0);
}

static void test_intern_shares(void **state)
{
	struct bgp_attr_table *t = bgp_attr_table_new();
	struct bgp_scratch s1, s2;
	struct bgp_attrs a, b;
	const struct bgp_attrs *ia, *ib, *ic;

	bgp_scratch_init(&s1);
	bgp_scratch_init(&s2);
	sample(&a, &s1);
	sample(&b, &s2); /* equal content, different storage */
	ia = bgp_attr_intern(t, &a);
	ib = bgp_attr_intern(t, &b);
	assert_ptr_equal(ia, ib);
	assert_int_equal(ia->refcnt, 2);
	assert_int_equal(bgp_attr_table_count(t), 1);
	/* The interned copy owns its arrays. */
	assert_ptr_not_equal(ia->aspath, a.aspath);
	bgp_scratch_free(&s1);
	bgp_scratch_free(&s2);
	assert_true(bgp_aspath_contains(ia->aspath, ia->aspath_len, 65003));

	/* An interned set can serve as a template. */
	ic = bgp_attr_intern(t, ia);
	assert_ptr_equal(ic, ia);
	assert_int_equal(ia->refcnt, 3);
	assert_ptr_equal(bgp_attr_ref(ia), ia);
	assert_int_equal(ia->refcnt, 4);

	bgp_attr_unref(t, ia);
	bgp_attr_unref(t, ib);
	bgp_attr_unref(t, ic);
	assert_int_equal(bgp_attr_table_count(t), 1);
	assert_int_equal(ia->refcnt, 1);
	bgp_attr_unref(t, ia);
	assert_int_equal(bgp_attr_table_count(t), 0);
	bgp_attr_unref(t, NULL);
	bgp_attr_table_free(t);
}

/* Every field takes part in equality. */
static void test_intern_distinguishes(void **state)
{
	struct bgp_attr_table *t = bgp_attr_table_new();
	struct bgp_scratch s;
	struct bgp_attrs base, v[14];
	const struct bgp_attrs *ib, *iv[14];
	struct bgp_lcomm lc = {1, 2, 3};
	size_t i, j;

	bgp_scratch_init(&s);
	sample(&base, &s);
	for (i = 0; i < 14; i++)
		v[i] = base;
	v[0].origin = BGP_ORIGIN_EGP;
	bgp_attrs_set_med(&v[1], 11);
	bgp_attrs_set_local_pref(&v[2], 100);
	v[3].nexthop.u.bytes[3] = 2;
	v[4].nexthop_ll.family = AF_INET6;
	set_path(&v[5], &s, "65002 {65003}");
	assert_int_equal(bgp_attrs_comm_add(&v[6], &s, 1), 0);
	assert_int_equal(bgp_attrs_lcomm_add(&v[7], &s, &lc), 0);
	v[8].ecomm = (const uint8_t *)"\0\2\0\1\0\0\0\1";
	v[8].necomm = 1;
	v[9].unknown = (const uint8_t *)"\xe0\x63\x00\x01x";
	v[9].unknown_len = 5;
	v[10].unknown = (const uint8_t *)"\xe0\x63\x00\x01y";
	v[10].unknown_len = 5;
	v[11].present |= BGP_ATTRF_ATOMIC_AGGREGATE;
	v[12].present |= BGP_ATTRF_AGGREGATOR;
	v[12].aggr_as = 1;
	v[13].cluster = (const uint32_t[]){7};
	v[13].ncluster = 1;

	ib = bgp_attr_intern(t, &base);
	for (i = 0; i < 14; i++) {
		iv[i] = bgp_attr_intern(t, &v[i]);
		assert_ptr_not_equal(iv[i], ib);
		for (j = 0; j < i; j++)
			assert_ptr_not_equal(iv[i], iv[j]);
	}
	assert_int_equal(bgp_attr_table_count(t), 15);
	for (i = 0; i < 14; i++)
		bgp_attr_unref(t, iv[i]);
	bgp_attr_unref(t, ib);
	assert_int_equal(bgp_attr_table_count(t), 0);
	bgp_attr_table_free(t);
	bgp_scratch_free(&s);
}

/* Absent scalars and unused address bytes are not part of the value. */
static void test_intern_ignores_absent(void **state)
{
	struct bgp_attr_table *t = bgp_attr_table_new();
	struct bgp_scratch s;
	struct bgp_attrs a, b;
	const struct bgp_attrs *ia, *ib;

	bgp_scratch_init(&s);
	sample(&a, &s);
	b = a;
	b.local_pref = 12345;	      /* not present */
	b.aggr_as = 99;		      /* not present */
	b.nexthop.u.bytes[10] = 0xee; /* beyond an IPv4 address */
	assert_int_equal(bgp_attrs_hash(&a), bgp_attrs_hash(&b));
	assert_true(bgp_attrs_eq(&a, &b));
	ia = bgp_attr_intern(t, &a);
	ib = bgp_attr_intern(t, &b);
	assert_ptr_equal(ia, ib);
	bgp_attr_unref(t, ia);
	bgp_attr_unref(t, ib);
	bgp_attr_table_free(t);
	bgp_scratch_free(&s);
}

/* Many sets force the table to grow; all stay findable. */
static void test_intern_many(void **state)
{
	struct bgp_attr_table *t = bgp_attr_table_new();
	const struct bgp_attrs **sets = calloc(5000, sizeof(*sets));
	struct bgp_scratch s;
	struct bgp_attrs a;
	size_t i;

	bgp_scratch_init(&s);
	sample(&a, &s);
	for (i = 0; i < 5000; i++) {
		bgp_attrs_set_med(&a, (uint32_t)i);
		sets[i] = bgp_attr_intern(t, &a);
	}
	assert_int_equal(bgp_attr_table_count(t), 5000);
	for (i = 0; i < 5000; i++) {
		bgp_attrs_set_med(&a, (uint32_t)i);
		assert_ptr_equal(bgp_attr_intern(t, &a), sets[i]);
		assert_int_equal(sets[i]->refcnt, 2);
		bgp_attr_unref(t, sets[i]);
	}
	/* Leaner than 200 bytes each, table overhead included. */
	assert_true(bgp_attr_table_bytes(t) < 5000 * 200);
	for (i = 0; i < 5000; i += 2)
		bgp_attr_unref(t, sets[i]);
	assert_int_equal(bgp_attr_table_count(t), 2500);
	/* Leftovers are freed with the table. */
	bgp_attr_table_free(t);
	bgp_scratch_free(&s);
	free(sets);
}

/* The decoded attributes of one UPDATE intern to the same set every time. */
static void test_intern_decoded(void **state)
{
	static const uint8_t m[] = {
	    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff, 0x00, 0x38, 0x02, 0x00, 0x00, 0x00, 0x19, 0x40, 0x01, 0x01, 0x00, 0x40,
	    0x02, 0x06, 0x02, 0x01, 0x00, 0x00, 0xfd, 0xea, 0x40, 0x03, 0x04, 192,  0,	  2,
	    1,	  0xc0, 0x63, 0x02, 'h',  'i',	24,   10,   0,	  0,	24,   10,   0,	  1,
	};
	struct bgp_codec_ctx ctx = {.as4 = true, .ebgp = true, .af_mask = BGP_AF_MASK_ALL};
	struct bgp_attr_table *t = bgp_attr_table_new();
	struct bgp_update u;
	const struct bgp_attrs *x, *y;

	bgp_update_init(&u);
	assert_int_equal(sizeof(m), 0x38);
	assert_int_equal(bgp_update_decode(&u, m, sizeof(m), &ctx), 0);
	x = bgp_attr_intern(t, &u.attrs);
	assert_int_equal(bgp_update_decode(&u, m, sizeof(m), &ctx), 0);
	y = bgp_attr_intern(t, &u.attrs);
	assert_ptr_equal(x, y);
	assert_int_equal(x->unknown_len, 6);
	bgp_attr_unref(t, x);
	bgp_attr_unref(t, y);
	bgp_update_fini(&u);
	bgp_attr_table_free(t);
}

static void test_attrs_struct_lean(void **state)
{
	/* The per-set fixed cost; the per-prefix cost is one pointer. */
	assert_true(sizeof(struct bgp_attrs) <= 160);
}

/* ---- AS path helpers -------------------------------------------------- */

static void test_aspath_helpers(void **state)
{
	struct bgp_scratch s;
	struct bgp_attrs a;
	char buf[128];

	bgp_scratch_init(&s);
	bgp_attrs_init(&a);
	set_path(&a, &s, "65002 65003 {1,2} 65004");
	path_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "65002 65003 {1,2} 65004");
	assert_int_equal(bgp_aspath_length(a.aspath, a.aspath_len), 4);
	assert_int_equal(bgp_aspath_first(a.aspath, a.aspath_len), 65002);
	assert_true(bgp_aspath_contains(a.aspath, a.aspath_len, 2));
	assert_true(bgp_aspath_contains(a.aspath, a.aspath_len, 65004));
	assert_false(bgp_aspath_contains(a.aspath, a.aspath_len, 65001));
	assert_true(bgp_aspath_valid(a.aspath, a.aspath_len));

	set_path(&a, &s, "(65010 65011) [65012,65013] 65001");
	path_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "(65010 65011) [65012,65013] 65001");
	assert_int_equal(bgp_aspath_length(a.aspath, a.aspath_len), 1);
	assert_int_equal(bgp_aspath_first(a.aspath, a.aspath_len), 0);
	assert_true(bgp_aspath_contains(a.aspath, a.aspath_len, 65012));

	set_path(&a, &s, "{7,8} 9");
	assert_int_equal(bgp_aspath_first(a.aspath, a.aspath_len), 0);
	assert_int_equal(bgp_aspath_length(a.aspath, a.aspath_len), 2);

	set_path(&a, &s, "");
	assert_int_equal(a.aspath_len, 0);
	assert_int_equal(bgp_aspath_length(a.aspath, a.aspath_len), 0);
	path_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "");

	assert_int_equal(bgp_attrs_aspath_parse(&a, &s, "1 {2"), -EINVAL);
	assert_int_equal(bgp_attrs_aspath_parse(&a, &s, "1 }"), -EINVAL);
	assert_int_equal(bgp_attrs_aspath_parse(&a, &s, "{}"), -EINVAL);
	assert_int_equal(bgp_attrs_aspath_parse(&a, &s, "1 x"), -EINVAL);
	assert_int_equal(bgp_attrs_aspath_parse(&a, &s, "4294967296"), -EINVAL);
	bgp_scratch_free(&s);
}

static void test_aspath_fmt_truncates(void **state)
{
	struct bgp_scratch s;
	struct bgp_attrs a;
	char buf[8];

	bgp_scratch_init(&s);
	bgp_attrs_init(&a);
	set_path(&a, &s, "65002 65003 {1,2}");
	assert_int_equal(bgp_aspath_fmt(a.aspath, a.aspath_len, buf, sizeof(buf)), 17);
	assert_string_equal(buf, "65002 6");
	assert_int_equal(bgp_aspath_fmt(a.aspath, a.aspath_len, NULL, 0), 17);
	bgp_scratch_free(&s);
}

static void test_aspath_prepend(void **state)
{
	struct bgp_scratch s;
	struct bgp_attrs a;
	char buf[4096];
	unsigned i;

	bgp_scratch_init(&s);
	bgp_attrs_init(&a);
	/* Onto an empty path. */
	assert_int_equal(bgp_attrs_aspath_prepend(&a, &s, 65001, 1), 0);
	path_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "65001");
	assert_true(a.present & BGP_ATTRF_AS_PATH);

	/* Merged into a leading sequence. */
	set_path(&a, &s, "65002 {1,2}");
	assert_int_equal(bgp_attrs_aspath_prepend(&a, &s, 65001, 3), 0);
	path_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "65001 65001 65001 65002 {1,2}");
	assert_int_equal(bgp_aspath_length(a.aspath, a.aspath_len), 5);
	assert_int_equal(a.aspath[1], 4); /* one segment of four */

	/* In front of a set: a new segment. */
	set_path(&a, &s, "{1,2}");
	assert_int_equal(bgp_attrs_aspath_prepend(&a, &s, 7, 2), 0);
	path_str(&a, buf, sizeof(buf));
	assert_string_equal(buf, "7 7 {1,2}");

	/* More than 255: split into valid segments. */
	set_path(&a, &s, "9");
	assert_int_equal(bgp_attrs_aspath_prepend(&a, &s, 8, 300), 0);
	assert_true(bgp_aspath_valid(a.aspath, a.aspath_len));
	assert_int_equal(bgp_aspath_length(a.aspath, a.aspath_len), 301);
	assert_int_equal(bgp_aspath_count_as(a.aspath, a.aspath_len, 8), 300);
	assert_int_equal(bgp_aspath_first(a.aspath, a.aspath_len), 8);
	for (i = 0; i + 2 <= a.aspath_len; i += 2 + a.aspath[i + 1] * 4u)
		assert_true(a.aspath[i + 1] > 0);
	bgp_scratch_free(&s);
}

/* ---- communities ------------------------------------------------------ */

static void test_communities(void **state)
{
	static const uint32_t wk[] = {
	    BGP_COMM_NO_EXPORT,
	    BGP_COMM_NO_ADVERTISE,
	    BGP_COMM_NO_EXPORT_SUBCONFED,
	    BGP_COMM_NO_PEER,
	    BGP_COMM_BLACKHOLE,
	    BGP_COMM_GSHUT,
	    BGP_COMM_ACCEPT_OWN,
	    BGP_COMM_LLGR_STALE,
	    BGP_COMM_NO_LLGR,
	    0xfde80064,
	    0,
	};
	struct bgp_scratch s;
	struct bgp_attrs a;
	char buf[256];
	uint32_t c;

	bgp_comm_fmt(wk, sizeof(wk) / sizeof(wk[0]), buf, sizeof(buf));
	assert_string_equal(buf,
			    "no-export no-advertise local-AS no-peer blackhole graceful-shutdown "
			    "accept-own llgr-stale no-llgr 65000:100 0:0");

	assert_int_equal(bgp_comm_parse("65000:100", &c), 0);
	assert_int_equal(c, 0xfde80064);
	assert_int_equal(bgp_comm_parse("no-export", &c), 0);
	assert_int_equal(c, BGP_COMM_NO_EXPORT);
	assert_int_equal(bgp_comm_parse("local-AS", &c), 0);
	assert_int_equal(c, BGP_COMM_NO_EXPORT_SUBCONFED);
	assert_int_equal(bgp_comm_parse("65536:1", &c), -1);
	assert_int_equal(bgp_comm_parse("1:", &c), -1);
	assert_int_equal(bgp_comm_parse("1", &c), -1);
	assert_int_equal(bgp_comm_parse("1:2:3", &c), -1);

	bgp_scratch_init(&s);
	bgp_attrs_init(&a);
	assert_false(bgp_comm_contains(&a, BGP_COMM_NO_EXPORT));
	assert_int_equal(bgp_attrs_comm_add(&a, &s, 0xfde80064), 0);
	assert_int_equal(bgp_attrs_comm_add(&a, &s, BGP_COMM_NO_EXPORT), 0);
	assert_int_equal(bgp_attrs_comm_add(&a, &s, 0xfde80064), 0); /* no duplicate */
	assert_int_equal(a.ncomm, 2);
	assert_true(bgp_comm_contains(&a, BGP_COMM_NO_EXPORT));
	bgp_comm_fmt(a.comm, a.ncomm, buf, sizeof(buf));
	assert_string_equal(buf, "65000:100 no-export");
	assert_int_equal(bgp_attrs_comm_del(&a, &s, 0xfde80064), 0);
	assert_int_equal(a.ncomm, 1);
	assert_false(bgp_comm_contains(&a, 0xfde80064));
	assert_int_equal(bgp_attrs_comm_del(&a, &s, BGP_COMM_NO_EXPORT), 0);
	assert_int_equal(a.ncomm, 0);
	bgp_scratch_free(&s);
}

static void test_large_communities(void **state)
{
	struct bgp_lcomm lc, bad, lc2 = {4200000000u, 0, 4294967295u};
	struct bgp_scratch s;
	struct bgp_attrs a;
	char buf[128];

	assert_int_equal(bgp_lcomm_parse("65000:1:2", &lc), 0);
	assert_int_equal(lc.global, 65000);
	assert_int_equal(lc.local1, 1);
	assert_int_equal(lc.local2, 2);
	assert_int_equal(bgp_lcomm_parse("1:2", &bad), -1);
	assert_int_equal(bgp_lcomm_parse("1:2:4294967296", &bad), -1);
	assert_int_equal(bgp_lcomm_parse("1:2:3:", &bad), -1);
	bgp_scratch_init(&s);
	bgp_attrs_init(&a);
	assert_int_equal(bgp_attrs_lcomm_add(&a, &s, &lc), 0);
	assert_int_equal(bgp_attrs_lcomm_add(&a, &s, &lc2), 0);
	assert_int_equal(bgp_attrs_lcomm_add(&a, &s, &lc), 0);
	assert_int_equal(a.nlcomm, 2);
	assert_true(bgp_lcomm_contains(&a, &lc2));
	bgp_lcomm_fmt(a.lcomm, a.nlcomm, buf, sizeof(buf));
	assert_string_equal(buf, "65000:1:2 4200000000:0:4294967295");
	bgp_scratch_free(&s);
}

static void test_scalars(void **state)
{
	struct bgp_attrs a;

	bgp_attrs_init(&a);
	assert_int_equal(bgp_attrs_origin(&a), BGP_ORIGIN_IGP);
	assert_int_equal(bgp_attrs_med(&a, 0), 0);
	assert_int_equal(bgp_attrs_med(&a, UINT32_MAX), UINT32_MAX);
	assert_int_equal(bgp_attrs_local_pref(&a, 100), 100);
	bgp_attrs_set_med(&a, 5);
	bgp_attrs_set_local_pref(&a, 300);
	assert_int_equal(bgp_attrs_med(&a, 0), 5);
	assert_int_equal(bgp_attrs_local_pref(&a, 100), 300);
	assert_string_equal(bgp_origin_str(BGP_ORIGIN_INCOMPLETE), "incomplete");
	assert_int_equal(bgp_origin_char(BGP_ORIGIN_IGP), 'i');
	assert_int_equal(bgp_origin_char(BGP_ORIGIN_EGP), 'e');
	assert_int_equal(bgp_origin_char(BGP_ORIGIN_INCOMPLETE), '?');
}

/* ---- RFC 6793 reconstruction ------------------------------------------ */

static void merge(const char *path, const char *as4, const char *want)
{
	struct bgp_scratch s;
	struct bgp_attrs p, q;
	uint8_t out[1024];
	char buf[256];
	size_t n;

	bgp_scratch_init(&s);
	bgp_attrs_init(&p);
	bgp_attrs_init(&q);
	set_path(&p, &s, path);
	set_path(&q, &s, as4);
	n = bgp_aspath_merge_as4(p.aspath, p.aspath_len, q.aspath, q.aspath_len, out);
	assert_true(bgp_aspath_valid(out, n));
	bgp_aspath_fmt(out, n, buf, sizeof(buf));
	assert_string_equal(buf, want);
	bgp_scratch_free(&s);
}

static void test_as4_merge(void **state)
{
	/* Section 4.2.3's main case: the leading part of AS_PATH. */
	merge("65001 23456 23456 65002", "4200000001 4200000002 65002",
	      "65001 4200000001 4200000002 65002");
	/* Equal lengths: AS4_PATH replaces it all. */
	merge("23456 65002", "4200000001 65002", "4200000001 65002");
	/* AS4_PATH longer than AS_PATH: ignored. */
	merge("23456 65002", "4200000001 4200000002 65002", "23456 65002");
	/* A set counts as one. */
	merge("65001 {1,2,3} 23456", "{1,2,3} 4200000001", "65001 {1,2,3} 4200000001");
	/* A set taken whole from the leading part. */
	merge("{1,2} 65001 23456", "65001 4200000001", "{1,2} 65001 4200000001");
	/* Leading confederation segments are kept. */
	merge("(65010 65011) 65001 23456", "65001 4200000001", "(65010 65011) 65001 4200000001");
	/* Several ASes added after the old speaker. */
	merge("65005 65004 65003 23456", "65003 4200000001", "65005 65004 65003 4200000001");
	/* Empty AS4_PATH. */
	merge("65001", "", "65001");
}

static size_t mk_update(uint8_t *m, const uint8_t *at, size_t al)
{
	static const uint8_t nlri[] = {24, 10, 0, 0};
	size_t len = 23 + al + sizeof(nlri);

	memset(m, 0xff, 16);
	bgp_put16(m + 16, (uint16_t)len);
	m[18] = BGP_MSG_UPDATE;
	bgp_put16(m + 19, 0);
	bgp_put16(m + 21, (uint16_t)al);
	memcpy(m + 23, at, al);
	memcpy(m + 23 + al, nlri, sizeof(nlri));
	return len;
}

static void test_as4_decode_2octet(void **state)
{
	/* AS_PATH 65001 23456 23456, AS4_PATH 4200000001 4200000002,
	 * AGGREGATOR 23456 10.0.0.9, AS4_AGGREGATOR 4200000009 10.0.0.9 */
	static const uint8_t at[] = {
	    0x40, 0x01, 0x01, 0x00, 0x40, 0x02, 0x08, 0x02, 0x03, 0xfd, 0xe9, 0x5b, 0xa0, 0x5b,
	    0xa0, 0x40, 0x03, 0x04, 10,	  0,	0,    1,    0xc0, 0x07, 0x06, 0x5b, 0xa0, 10,
	    0,	  0,	9,    0xc0, 0x11, 0x0a, 0x02, 0x02, 0xfa, 0x56, 0xea, 0x01, 0xfa, 0x56,
	    0xea, 0x02, 0xc0, 0x12, 0x08, 0xfa, 0x56, 0xea, 0x09, 10,	0,    0,    9,
	};
	struct bgp_codec_ctx ctx = {.as4 = false, .ebgp = true, .af_mask = BGP_AF_MASK_ALL};
	struct bgp_update u;
	uint8_t m[256];
	char buf[128];

	bgp_update_init(&u);
	assert_int_equal(bgp_update_decode(&u, m, mk_update(m, at, sizeof(at)), &ctx), 0);
	assert_int_equal(u.eh.action, BGP_EH_NONE);
	path_str(&u.attrs, buf, sizeof(buf));
	assert_string_equal(buf, "65001 4200000001 4200000002");
	assert_int_equal(u.attrs.aggr_as, 4200000009u);
	assert_int_equal(u.attrs.aggr_id, 0x0a000009);
	bgp_update_fini(&u);
}

/* AGGREGATOR with a real AS: AS4_AGGREGATOR and AS4_PATH are ignored. */
static void test_as4_ignored_when_aggregator_not_trans(void **state)
{
	static const uint8_t at[] = {
	    0x40, 0x01, 0x01, 0x00, 0x40, 0x02, 0x06, 0x02, 0x02, 0xfd, 0xe9, 0x5b, 0xa0,
	    0x40, 0x03, 0x04, 10,   0,	  0,	1,    0xc0, 0x07, 0x06, 0xfd, 0xea, 10,
	    0,	  0,	9,    0xc0, 0x11, 0x06, 0x02, 0x01, 0xfa, 0x56, 0xea, 0x01, 0xc0,
	    0x12, 0x08, 0xfa, 0x56, 0xea, 0x09, 10,   0,    0,	  9,
	};
	struct bgp_codec_ctx ctx = {.as4 = false, .ebgp = true, .af_mask = BGP_AF_MASK_ALL};
	struct bgp_update u;
	uint8_t m[256];
	char buf[128];

	bgp_update_init(&u);
	assert_int_equal(bgp_update_decode(&u, m, mk_update(m, at, sizeof(at)), &ctx), 0);
	path_str(&u.attrs, buf, sizeof(buf));
	assert_string_equal(buf, "65001 23456");
	assert_int_equal(u.attrs.aggr_as, 65002);
	bgp_update_fini(&u);
}

/* Confederation segments inside AS4_PATH are dropped (RFC 6793 6). */
static void test_as4_path_confed_segments_dropped(void **state)
{
	static const uint8_t at[] = {
	    0x40, 0x01, 0x01, 0x00, 0x40, 0x02, 0x06, 0x02, 0x02, 0xfd, 0xe9, 0x5b,
	    0xa0, 0x40, 0x03, 0x04, 10,	  0,	0,    1,    0xc0, 0x11, 0x0c, 0x03,
	    0x01, 0x00, 0x00, 0xfd, 0xf2, 0x02, 0x01, 0xfa, 0x56, 0xea, 0x01,
	};
	struct bgp_codec_ctx ctx = {.as4 = false, .ebgp = true, .af_mask = BGP_AF_MASK_ALL};
	struct bgp_update u;
	uint8_t m[256];
	char buf[128];

	bgp_update_init(&u);
	assert_int_equal(bgp_update_decode(&u, m, mk_update(m, at, sizeof(at)), &ctx), 0);
	assert_int_equal(u.eh.action, BGP_EH_NONE);
	path_str(&u.attrs, buf, sizeof(buf));
	assert_string_equal(buf, "65001 4200000001");
	bgp_update_fini(&u);
}

/* ---- scratch ---------------------------------------------------------- */

static void test_scratch(void **state)
{
	struct bgp_scratch s;
	uint8_t *a, *b, *big;

	bgp_scratch_init(&s);
	a = bgp_scratch_alloc(&s, 3);
	b = bgp_scratch_alloc(&s, 5);
	assert_int_equal((uintptr_t)a % 8, 0);
	assert_int_equal((uintptr_t)b % 8, 0);
	assert_true(b >= a + 3);
	memset(a, 1, 3);
	big = bgp_scratch_alloc(&s, 100000); /* bigger than a block */
	memset(big, 2, 100000);
	assert_int_equal(a[2], 1); /* older data untouched */
	bgp_scratch_reset(&s);
	a = bgp_scratch_alloc(&s, 16);
	memset(a, 3, 16);
	bgp_scratch_free(&s);
	bgp_scratch_free(&s); /* idempotent */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_intern_shares),
	    cmocka_unit_test(test_intern_distinguishes),
	    cmocka_unit_test(test_intern_ignores_absent),
	    cmocka_unit_test(test_intern_many),
	    cmocka_unit_test(test_intern_decoded),
	    cmocka_unit_test(test_attrs_struct_lean),
	    cmocka_unit_test(test_aspath_helpers),
	    cmocka_unit_test(test_aspath_fmt_truncates),
	    cmocka_unit_test(test_aspath_prepend),
	    cmocka_unit_test(test_communities),
	    cmocka_unit_test(test_large_communities),
	    cmocka_unit_test(test_scalars),
	    cmocka_unit_test(test_as4_merge),
	    cmocka_unit_test(test_as4_decode_2octet),
	    cmocka_unit_test(test_as4_ignored_when_aggregator_not_trans),
	    cmocka_unit_test(test_as4_path_confed_segments_dropped),
	    cmocka_unit_test(test_scratch),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
