/*
 * bgpd's pure parts: prefix-lists (the seed's ALLOWED and SAFE lists, ge/le,
 * any, missing lists), the best-path comparison, and the Adj-RIB-Out table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgpd/bgpd.h"

static struct kld_prefix P(const char *s)
{
	struct kld_prefix p;

	assert_int_equal(kld_prefix_parse(s, &p, false), 0);
	return p;
}

static void add(struct bgpd *bd, const char *name, uint32_t seq, bool permit, const char *pfx,
		uint8_t ge, uint8_t le)
{
	struct bgp_plist_entry e = { .seq = seq, .permit = permit, .ge = ge, .le = le };

	if (pfx)
		e.p = P(pfx);
	else
		e.any = true;
	assert_int_equal(bgp_plist_set(bgp_plist_get(bd, name, AF_INET), &e), 0);
}

static bool permit(struct bgpd *bd, const char *name, const char *pfx)
{
	struct kld_prefix p = P(pfx);

	return bgp_plist_permit(bd, name, &p);
}

static void test_allowed(void **state)
{
	struct bgpd bd = { 0 };

	(void)state;
	add(&bd, "ALLOWED", 10, true, "10.100.0.0/16", 0, 24);
	add(&bd, "ALLOWED", 100, false, NULL, 0, 0);
	assert_true(permit(&bd, "ALLOWED", "10.100.20.0/24"));
	assert_true(permit(&bd, "ALLOWED", "10.100.0.0/16"));
	assert_true(permit(&bd, "ALLOWED", "10.100.128.0/17"));
	assert_false(permit(&bd, "ALLOWED", "10.100.20.0/25"));
	assert_false(permit(&bd, "ALLOWED", "10.0.0.0/8"));
	assert_false(permit(&bd, "ALLOWED", "0.0.0.0/0"));
	assert_false(permit(&bd, "ALLOWED", "10.101.0.0/24"));
	bgp_plist_free_all(&bd);
}

static void test_safe_and_ranges(void **state)
{
	struct bgpd bd = { 0 };

	(void)state;
	add(&bd, "SAFE", 30, true, "192.168.0.0/16", 0, 24);
	add(&bd, "SAFE", 10, true, "10.0.0.0/8", 0, 24);
	add(&bd, "SAFE", 20, true, "172.16.0.0/12", 0, 24);
	add(&bd, "SAFE", 100, false, NULL, 0, 0);
	assert_int_equal(bgp_plist_find(&bd, "SAFE", AF_INET)->e[0].seq, 10); /* sorted */
	assert_true(permit(&bd, "SAFE", "172.17.0.0/24"));
	assert_true(permit(&bd, "SAFE", "192.168.3.0/24"));
	assert_false(permit(&bd, "SAFE", "10.3.0.0/25"));
	assert_false(permit(&bd, "SAFE", "203.0.113.0/24"));
	assert_false(permit(&bd, "SAFE", "172.32.0.0/24"));
	/* ge alone runs to the family's length; exact match without ge/le */
	add(&bd, "GE", 5, true, "10.0.0.0/8", 16, 0);
	assert_true(permit(&bd, "GE", "10.1.2.3/32"));
	assert_false(permit(&bd, "GE", "10.1.0.0/15"));
	add(&bd, "EXACT", 5, true, "10.0.0.0/8", 0, 0);
	assert_true(permit(&bd, "EXACT", "10.0.0.0/8"));
	assert_false(permit(&bd, "EXACT", "10.0.0.0/9"));
	/* a missing list denies; deleting the last entry deletes the list */
	assert_false(permit(&bd, "NOPE", "10.0.0.0/8"));
	assert_int_equal(bgp_plist_del(&bd, bgp_plist_find(&bd, "EXACT", AF_INET), 5), 0);
	assert_null(bgp_plist_find(&bd, "EXACT", AF_INET));
	assert_int_equal(bgp_plist_del(&bd, bgp_plist_find(&bd, "SAFE", AF_INET), 77), -1);
	bgp_plist_free_all(&bd);
}

static void test_entry_fmt(void **state)
{
	struct bgp_plist_entry e = { .seq = 10, .permit = true, .le = 24 };
	char buf[128];

	(void)state;
	e.p = P("10.100.0.0/16");
	bgp_plist_entry_fmt(&e, buf, sizeof(buf));
	assert_string_equal(buf, "seq 10 permit 10.100.0.0/16 le 24");
	e.ge = 18;
	bgp_plist_entry_fmt(&e, buf, sizeof(buf));
	assert_string_equal(buf, "seq 10 permit 10.100.0.0/16 ge 18 le 24");
	e = (struct bgp_plist_entry){ .seq = 100, .any = true };
	bgp_plist_entry_fmt(&e, buf, sizeof(buf));
	assert_string_equal(buf, "seq 100 deny any");
}

/* ---- decision ---- */

struct fixture {
	struct bgp_attr_table *t;
	struct bgp_scratch s;
	struct bgp bgp;
	struct bgp_peer pa, pb;
};

static const struct bgp_attrs *mk(struct fixture *f, const char *path, uint8_t origin,
				  int med, int lp)
{
	struct bgp_attrs a;

	bgp_attrs_init(&a);
	a.present |= BGP_ATTRF_ORIGIN | BGP_ATTRF_AS_PATH | BGP_ATTRF_NEXT_HOP;
	a.origin = origin;
	assert_int_equal(bgp_attrs_aspath_parse(&a, &f->s, path), 0);
	if (med >= 0)
		bgp_attrs_set_med(&a, (uint32_t)med);
	if (lp >= 0)
		bgp_attrs_set_local_pref(&a, (uint32_t)lp);
	return bgp_attr_intern(f->t, &a);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	f->t = bgp_attr_table_new();
	bgp_scratch_init(&f->s);
	f->bgp.asn = 65001;
	f->pa.bgp = f->pb.bgp = &f->bgp;
	f->pa.ebgp = f->pb.ebgp = true;
	f->pa.ropen.bgp_id = 2;
	f->pb.ropen.bgp_id = 3;
	kld_addr_parse("10.0.0.2", &f->pa.addr);
	kld_addr_parse("10.0.0.3", &f->pb.addr);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	bgp_attr_table_free(f->t);
	bgp_scratch_free(&f->s);
	free(f);
	return 0;
}

static int cmp(struct fixture *f, struct bgp_peer *pa, const struct bgp_attrs *a,
	       struct bgp_peer *pb, const struct bgp_attrs *b)
{
	struct bgp_path x = { .peer = pa, .attrs = a }, y = { .peer = pb, .attrs = b };

	return bgp_path_cmp(&f->bgp, &x, &y);
}

static void test_decision(void **state)
{
	struct fixture *f = *state;
	const struct bgp_attrs *short_p = mk(f, "65002", 0, -1, -1);
	const struct bgp_attrs *long_p = mk(f, "65003 65004", 0, -1, -1);
	const struct bgp_attrs *egp = mk(f, "65003", 1, -1, -1);
	const struct bgp_attrs *med5 = mk(f, "65002", 0, 5, -1);
	const struct bgp_attrs *med9 = mk(f, "65002", 0, 9, -1);
	const struct bgp_attrs *med1_other = mk(f, "65003", 0, 1, -1);
	const struct bgp_attrs *lp200 = mk(f, "65002 65005 65006", 0, -1, 200);

	/* locally originated (weight 32768) beats everything */
	assert_true(cmp(f, NULL, long_p, &f->pa, short_p) < 0);
	/* shorter AS path */
	assert_true(cmp(f, &f->pa, short_p, &f->pb, long_p) < 0);
	assert_true(cmp(f, &f->pb, long_p, &f->pa, short_p) > 0);
	/* origin IGP over EGP at equal length */
	assert_true(cmp(f, &f->pb, short_p, &f->pa, egp) < 0);
	/* MED: lower wins between paths from the same AS only */
	assert_true(cmp(f, &f->pb, med5, &f->pa, med9) < 0);
	/* ...from different ASes MED is skipped: router id decides (pa lower) */
	assert_true(cmp(f, &f->pa, med9, &f->pb, med1_other) < 0);
	/* eBGP over iBGP */
	f->pb.ebgp = false;
	assert_true(cmp(f, &f->pa, short_p, &f->pb, short_p) < 0);
	/* LOCAL_PREF counts from iBGP, beats a shorter path */
	assert_true(cmp(f, &f->pb, lp200, &f->pa, short_p) < 0);
	/* ...and from eBGP too: one present there is our inbound policy's (the
	 * peer's own was discarded on receipt), issue 14 */
	f->pb.ebgp = true;
	assert_true(cmp(f, &f->pb, lp200, &f->pa, short_p) < 0);
	/* an absent LOCAL_PREF counts as 100, below 200 and above 50 */
	assert_int_equal(bgp_path_local_pref(&(struct bgp_path){.peer = &f->pa, .attrs = short_p}),
			 100);
	assert_true(cmp(f, &f->pa, short_p, &f->pb, mk(f, "65002", 0, -1, 50)) < 0);
	/* last tie-break: BGP identifier, then address */
	f->pb.ropen.bgp_id = 2;
	assert_true(cmp(f, &f->pa, short_p, &f->pb, short_p) < 0);
	assert_int_equal(cmp(f, &f->pa, short_p, &f->pa, short_p), 0);
	const struct bgp_attrs *all[] = { short_p, long_p, egp, med5, med9, med1_other, lp200 };

	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++)
		bgp_attr_unref(f->t, all[i]);
}

/* ---- the nexthop cache in the decision ---- */

static const struct bgp_attrs *mk_nh(struct fixture *f, const char *nh)
{
	struct bgp_attrs a;

	bgp_attrs_init(&a);
	a.present |= BGP_ATTRF_ORIGIN | BGP_ATTRF_AS_PATH | BGP_ATTRF_NEXT_HOP;
	assert_int_equal(bgp_attrs_aspath_parse(&a, &f->s, "65002"), 0);
	assert_int_equal(kld_addr_parse(nh, &a.nexthop), 0);
	return bgp_attr_intern(f->t, &a);
}

static void test_nexthop_cache(void **state)
{
	struct fixture *f = *state;
	struct bgpd bd = { 0 };
	const struct bgp_attrs *near = mk_nh(f, "10.9.0.1"), *far = mk_nh(f, "10.9.0.2");
	struct bgp_path x = { .peer = &f->pb, .attrs = near }, y = { .peer = &f->pa, .attrs = far };
	struct kld_addr a;

	f->bgp.bd = &bd;
	/* Unknown next hops are assumed usable at metric 0 and queued for
	 * registration: the router id decides (pa is lower). */
	assert_true(bgp_path_valid(&x) && bgp_path_valid(&y));
	assert_int_equal(bd.nht.unregistered, 2);
	assert_true(bgp_path_cmp(&f->bgp, &x, &y) > 0);
	/* zebra-lite's metrics come before the router id. */
	kld_addr_parse("10.9.0.1", &a);
	assert_true(bgp_nht_set(&bd.nht, &a, true, 10));
	assert_false(bgp_nht_set(&bd.nht, &a, true, 10)); /* no change, no work */
	kld_addr_parse("10.9.0.2", &a);
	assert_true(bgp_nht_set(&bd.nht, &a, true, 20));
	assert_true(bgp_path_cmp(&f->bgp, &x, &y) < 0);
	assert_false(bgp_path_multipath_eq(&f->bgp, &x, &y));
	/* Unresolved: not a candidate. */
	assert_true(bgp_nht_set(&bd.nht, &a, false, 0));
	assert_false(bgp_path_valid(&y));
	assert_true(bgp_path_valid(&x));
	/* Many next hops: the table grows and still finds every one. */
	for (int i = 0; i < 100; i++) {
		char s[32];

		snprintf(s, sizeof(s), "10.8.%d.1", i);
		kld_addr_parse(s, &a);
		bgp_nht_get(&bd.nht, &a)->metric = (uint32_t)i;
	}
	for (int i = 99; i >= 0; i--) {
		char s[32];

		snprintf(s, sizeof(s), "10.8.%d.1", i);
		kld_addr_parse(s, &a);
		assert_int_equal(bgp_nht_find(&bd.nht, &a)->metric, i);
	}
	assert_int_equal(bd.nht.n, 102);
	kld_addr_parse("10.9.0.2", &a);
	assert_false(bgp_nht_find(&bd.nht, &a)->resolved);
	bgp_nht_free(&bd.nht);
	f->bgp.bd = NULL;
	bgp_attr_unref(f->t, near);
	bgp_attr_unref(f->t, far);
}

/* RFC 4456 9: a reflected path's ORIGINATOR_ID stands for the peer's
 * BGP identifier, and a shorter CLUSTER_LIST wins before the address. */
static void test_decision_reflected(void **state)
{
	struct fixture *f = *state;
	struct bgp_attrs a;
	const struct bgp_attrs *plain = mk(f, "", 0, -1, 100), *orig1, *cl1, *cl2;
	uint32_t clusters[2] = { 7, 8 };

	f->pa.ebgp = f->pb.ebgp = false;
	a = *plain;
	a.hnext = NULL;
	a.hash = a.refcnt = 0;
	a.originator_id = 1;
	a.present |= BGP_ATTRF_ORIGINATOR_ID;
	orig1 = bgp_attr_intern(f->t, &a);
	/* pa's identifier is 2, pb's is 3; via pb, the route's originator is 1 */
	assert_true(cmp(f, &f->pb, orig1, &f->pa, plain) < 0);
	a = *plain;
	a.hnext = NULL;
	a.hash = a.refcnt = 0;
	a.cluster = clusters;
	a.ncluster = 1;
	cl1 = bgp_attr_intern(f->t, &a);
	a.ncluster = 2;
	cl2 = bgp_attr_intern(f->t, &a);
	f->pb.ropen.bgp_id = 2; /* same identifier: the cluster list decides */
	assert_true(cmp(f, &f->pb, cl1, &f->pa, cl2) < 0);
	assert_true(cmp(f, &f->pa, plain, &f->pb, cl1) < 0);
	bgp_attr_unref(f->t, plain);
	bgp_attr_unref(f->t, orig1);
	bgp_attr_unref(f->t, cl1);
	bgp_attr_unref(f->t, cl2);
}

/* ---- Adj-RIB-Out ---- */

static void walk_cb(const struct kld_prefix *p, const struct bgp_attrs *a, void *arg)
{
	size_t *n = arg;

	(void)a;
	if (p->family == AF_INET && p->len == 24 && (ntohl(p->u.v4.s_addr) >> 24) == 11)
		n[0]++;
	else
		n[1]++;
}

static void count_cb(const struct bgp_attrs *a, void *arg)
{
	(void)a;
	(*(size_t *)arg)++;
}

static void test_adj(void **state)
{
	struct fixture *f = *state;
	const struct bgp_attrs *a = mk(f, "65002", 0, -1, -1), *b = mk(f, "65003", 0, -1, -1);
	struct bgp_adj *t = bgp_adj_new(AF_INET), *t6 = bgp_adj_new(AF_INET6);
	struct kld_prefix p;
	size_t n = 0;

	for (uint32_t i = 0; i < 5000; i++) {
		p = P("11.0.0.0/24");
		p.u.v4.s_addr = htonl((11u << 24) + (i << 8));
		assert_null(bgp_adj_set(t, &p, i % 2 ? a : b));
	}
	/* same address, other length: a different entry */
	p = P("11.0.0.0/16");
	assert_null(bgp_adj_set(t, &p, a));
	assert_int_equal(bgp_adj_count(t), 5001);
	p = P("11.0.1.0/24");
	assert_ptr_equal(bgp_adj_get(t, &p), a);
	assert_ptr_equal(bgp_adj_set(t, &p, b), a);
	assert_ptr_equal(bgp_adj_get(t, &p), b);
	/* delete half, then the rest is still found through the tombstones */
	for (uint32_t i = 0; i < 5000; i += 2) {
		p.u.v4.s_addr = htonl((11u << 24) + (i << 8));
		assert_ptr_equal(bgp_adj_set(t, &p, NULL), b);
	}
	assert_int_equal(bgp_adj_count(t), 2501);
	for (uint32_t i = 1; i < 5000; i += 2) {
		p.u.v4.s_addr = htonl((11u << 24) + (i << 8));
		assert_non_null(bgp_adj_get(t, &p));
	}
	p.u.v4.s_addr = htonl(11u << 24);
	assert_null(bgp_adj_get(t, &p));
	p = P("2001:db8::/32");
	assert_null(bgp_adj_set(t6, &p, a));
	assert_ptr_equal(bgp_adj_get(t6, &p), a);
	/* the walk gives back prefixes (not just sets): 2500 /24s, the /16 */
	size_t seen[2] = { 0, 0 };

	bgp_adj_walk(t, walk_cb, seen);
	assert_int_equal(seen[0], 2500);
	assert_int_equal(seen[1], 1);
	bgp_adj_walk(t6, walk_cb, seen);
	assert_int_equal(seen[1], 2);
	bgp_adj_free(t, count_cb, &n);
	assert_int_equal(n, 2501);
	bgp_adj_free(t6, count_cb, &n);
	assert_int_equal(n, 2502);
	bgp_attr_unref(f->t, a);
	bgp_attr_unref(f->t, b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_allowed),
		cmocka_unit_test(test_safe_and_ranges),
		cmocka_unit_test(test_entry_fmt),
		cmocka_unit_test_setup_teardown(test_decision, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nexthop_cache, setup, teardown),
		cmocka_unit_test_setup_teardown(test_decision_reflected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_adj, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
