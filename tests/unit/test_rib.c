/* The RIB without a kernel: a recording back end stands in for netlink. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>
#include "rib.h"

struct rec {
	int installs, uninstalls, notifies;
	int last_status;
	struct kld_prefix last;
};

static void rec_install(void *arg, uint32_t t, const struct kld_prefix *p, const struct rib_route *r)
{
	struct rec *rc = arg;

	rc->installs++;
	rc->last = *p;
}

static void rec_uninstall(void *arg, uint32_t t, const struct kld_prefix *p,
			  const struct rib_route *r)
{
	((struct rec *)arg)->uninstalls++;
}

static void rec_notify(void *arg, uint32_t t, const struct kld_prefix *p,
		       const struct rib_route *r, int status, int err)
{
	struct rec *rc = arg;

	rc->notifies++;
	rc->last_status = status;
}

static const struct rib_fib_ops rec_ops = {
	.install = rec_install, .uninstall = rec_uninstall, .notify = rec_notify,
};

static struct kld_prefix P(const char *s)
{
	struct kld_prefix p;

	assert_int_equal(kld_prefix_parse(s, &p, false), 0);
	return p;
}

static struct rib_nh gw(const char *a)
{
	struct rib_nh nh;

	memset(&nh, 0, sizeof(nh));
	nh.kind = RIB_NH_GATEWAY;
	assert_int_equal(kld_addr_parse(a, &nh.gw), 0);
	return nh;
}

static struct rib_nh dev(uint32_t ifindex)
{
	struct rib_nh nh;

	memset(&nh, 0, sizeof(nh));
	nh.kind = RIB_NH_IFINDEX;
	nh.ifindex = ifindex;
	return nh;
}

static int add(struct rib *rib, const char *pfx, uint8_t type, uint16_t owner, struct rib_nh nh)
{
	struct kld_prefix p = P(pfx);
	struct rib_route_spec s = { .type = type, .owner = owner, .nh = &nh, .nnh = 1 };

	return rib_add(rib, &p, &s);
}

static const struct rib_route *sel(struct rib *rib, const char *pfx)
{
	struct kld_prefix p = P(pfx);
	const struct rib_route *r = rib_lookup(rib, &p, 0);

	for (; r; r = r->next)
		if (r->flags & RIB_F_SELECTED)
			return r;
	return NULL;
}

static struct rib *setup(struct rec *rc)
{
	struct rib *rib = rib_new(&rec_ops, rc);

	memset(rc, 0, sizeof(*rc));
	rib_iface_set(rib, 2, true);
	add(rib, "10.0.0.0/24", RIB_CONNECTED, 0, dev(2));
	rib_reresolve(rib);
	return rib;
}

static void test_gateway_resolves_over_connected(void **state)
{
	struct rec rc;
	struct rib *rib = setup(&rc);
	const struct rib_route *r;

	assert_int_equal(add(rib, "20.0.0.0/24", RIB_BGP, 1, gw("10.0.0.2")), 0);
	r = sel(rib, "20.0.0.0/24");
	assert_non_null(r);
	assert_int_equal(r->distance, 20);
	assert_int_equal(r->nhg->nres, 1);
	assert_int_equal(r->nhg->res[0].ifindex, 2);
	assert_int_equal(rc.installs, 1);
	/* Connected routes are the kernel's: observed, never installed by us. */
	assert_true(sel(rib, "10.0.0.0/24")->flags & RIB_F_FIB);
	rib_free(rib);
}

static void test_unreachable_held_then_activated(void **state)
{
	struct rec rc;
	struct rib *rib = setup(&rc);
	struct kld_prefix p = P("30.0.0.0/16");

	add(rib, "30.0.0.0/16", RIB_STATIC, 0, gw("10.5.0.1"));
	assert_null(sel(rib, "30.0.0.0/16"));
	assert_non_null(rib_lookup(rib, &p, 0)); /* held, not rejected */
	assert_int_equal(rc.installs, 0);
	rib_iface_set(rib, 3, true);
	add(rib, "10.5.0.0/24", RIB_CONNECTED, 0, dev(3));
	assert_true(rib_needs_reresolve(rib));
	rib_reresolve(rib);
	assert_non_null(sel(rib, "30.0.0.0/16"));
	assert_int_equal(rc.installs, 1);
	/* The interface goes down: the route goes inactive and leaves the FIB. */
	rib_fib_result(rib, 0, &p, RIB_STATIC, 0, 0);
	rib_iface_set(rib, 3, false);
	rib_reresolve(rib);
	assert_null(sel(rib, "30.0.0.0/16"));
	assert_int_equal(rc.uninstalls, 1);
	rib_free(rib);
}

static void test_distance_and_notifications(void **state)
{
	struct rec rc;
	struct rib *rib = setup(&rc);

	add(rib, "40.0.0.0/24", RIB_STATIC, 0, gw("10.0.0.2"));
	add(rib, "40.0.0.0/24", RIB_BGP, 1, gw("10.0.0.3"));
	assert_int_equal(sel(rib, "40.0.0.0/24")->type, RIB_STATIC);
	assert_int_equal(rc.last_status, 2); /* BETTER_ADMIN_WON to the BGP owner */
	/* The static goes: BGP takes over by replacing in place (no uninstall). */
	struct kld_prefix p = P("40.0.0.0/24");
	rib_fib_result(rib, 0, &p, RIB_STATIC, 0, 0);
	assert_int_equal(rib_delete(rib, &p, 0, RIB_STATIC, 0), 0);
	assert_int_equal(sel(rib, "40.0.0.0/24")->type, RIB_BGP);
	assert_int_equal(rc.uninstalls, 0);
	assert_int_equal(rc.installs, 2);
	assert_int_equal(rib_delete(rib, &p, 0, RIB_STATIC, 0), -1);
	rib_free(rib);
}

/* Two kernel routes for one prefix at different priorities (an IGP's, or
 * a user's `ip route add ... metric N`) are two routes: the lower metric is
 * selected, and deleting one leaves the other. */
static void test_kernel_routes_per_priority(void **state)
{
	struct rec rc;
	struct rib *rib = setup(&rc);
	struct kld_prefix p = P("50.0.0.0/24");
	struct rib_nh nh = gw("10.0.0.2");
	struct rib_route_spec s = { .type = RIB_KERNEL, .nh = &nh, .nnh = 1, .metric = 20 };

	(void)state;
	assert_int_equal(rib_add(rib, &p, &s), 0);
	s.metric = 5;
	assert_int_equal(rib_add(rib, &p, &s), 0);
	assert_int_equal(sel(rib, "50.0.0.0/24")->metric, 5);
	assert_int_equal(rib_delete_kernel(rib, &p, 0, 20), 0);
	assert_non_null(sel(rib, "50.0.0.0/24"));
	assert_int_equal(sel(rib, "50.0.0.0/24")->metric, 5);
	assert_int_equal(rib_delete_kernel(rib, &p, 0, 20), -1);
	assert_int_equal(rib_delete_kernel(rib, &p, 0, 5), 0);
	assert_null(rib_lookup(rib, &p, 0));
	rib_free(rib);
}

/* After lost kernel events: a kernel route the new dump does not show is
 * forgotten, one it shows stays; an installed route of ours the dump does
 * not show is installed again. */
static void test_resync_after_lost_events(void **state)
{
	struct rec rc;
	struct rib *rib = setup(&rc);
	struct kld_prefix gone = P("60.0.0.0/24"), kept = P("61.0.0.0/24"), ours = P("62.0.0.0/24");

	(void)state;
	add(rib, "60.0.0.0/24", RIB_KERNEL, 0, gw("10.0.0.2"));
	add(rib, "61.0.0.0/24", RIB_KERNEL, 0, gw("10.0.0.2"));
	add(rib, "62.0.0.0/24", RIB_STATIC, 0, gw("10.0.0.2"));
	rib_fib_result(rib, 0, &ours, RIB_STATIC, 0, 0);
	assert_int_equal(rc.installs, 1);
	rib_resync_begin(rib);
	rib_resync_seen(rib, &kept, 0, RIB_KERNEL, 0, 0);
	assert_int_equal(rib_resync_end(rib), 2);
	assert_null(rib_lookup(rib, &gone, 0));
	assert_non_null(sel(rib, "61.0.0.0/24"));
	assert_non_null(sel(rib, "62.0.0.0/24"));
	assert_int_equal(rc.installs, 2);
	/* Nothing marked any more: a second end changes nothing. */
	assert_int_equal(rib_resync_end(rib), 0);
	rib_free(rib);
}

static void test_nexthop_sets_are_shared(void **state)
{
	struct rec rc;
	struct rib *rib = setup(&rc);
	char buf[32];
	size_t before = rib_nhg_count(rib);

	for (int i = 0; i < 1000; i++) {
		snprintf(buf, sizeof(buf), "50.%d.%d.0/24", i / 256, i % 256);
		add(rib, buf, RIB_BGP, 1, gw(i % 2 ? "10.0.0.2" : "10.0.0.3"));
	}
	assert_int_equal(rib_count(rib), 1001);
	assert_int_equal(rib_nhg_count(rib) - before, 2);
	rib_free(rib);
}

static void test_stale_sweep_and_reclaim(void **state)
{
	struct rec rc;
	struct rib *rib = setup(&rc);
	struct kld_prefix p = P("60.0.0.0/24"), q = P("61.0.0.0/24");
	struct rib_nh kernel_nh = gw("10.0.0.2");
	struct rib_route_spec s = { .type = RIB_BGP, .owner = 1, .nh = &kernel_nh, .nnh = 1,
				    .in_kernel = true };

	/* Adopted from the kernel (with its interface named): no install. */
	kernel_nh.ifindex = 2;
	rib_add(rib, &p, &s);
	rib_add(rib, &q, &s);
	assert_int_equal(rc.installs, 0);
	assert_true(sel(rib, "60.0.0.0/24")->flags & RIB_F_STALE);
	/* The owner replays one of them in its own words: still no kernel work. */
	add(rib, "60.0.0.0/24", RIB_BGP, 1, gw("10.0.0.2"));
	assert_int_equal(rc.installs, 0);
	assert_false(sel(rib, "60.0.0.0/24")->flags & RIB_F_STALE);
	/* What it did not replay goes. */
	assert_int_equal(rib_sweep_stale(rib, 1), 1);
	assert_null(rib_lookup(rib, &q, 0));
	assert_int_equal(rc.uninstalls, 1);
	rib_free(rib);
}

static void test_kernel_failure_is_reported(void **state)
{
	struct rec rc;
	struct rib *rib = setup(&rc);
	struct kld_prefix p = P("70.0.0.0/24");

	add(rib, "70.0.0.0/24", RIB_BGP, 1, gw("10.0.0.2"));
	rib_fib_result(rib, 0, &p, RIB_BGP, 1, -22);
	assert_int_equal(rc.last_status, 1);
	assert_true(sel(rib, "70.0.0.0/24")->flags & RIB_F_FAILED);
	assert_false(sel(rib, "70.0.0.0/24")->flags & RIB_F_FIB);
	rib_free(rib);
}

static void test_no_resolution_via_default_or_bgp(void **state)
{
	struct rec rc;
	struct rib *rib = setup(&rc);

	add(rib, "0.0.0.0/0", RIB_STATIC, 0, gw("10.0.0.1"));
	add(rib, "80.0.0.0/8", RIB_BGP, 1, gw("10.0.0.9"));
	add(rib, "90.0.0.0/24", RIB_BGP, 1, gw("99.0.0.1"));  /* only the default covers it */
	add(rib, "91.0.0.0/24", RIB_BGP, 1, gw("80.1.1.1"));  /* only a BGP route covers it */
	rib_reresolve(rib);
	assert_null(sel(rib, "90.0.0.0/24"));
	assert_null(sel(rib, "91.0.0.0/24"));
	rib_set_resolve_via_default(rib, true);
	rib_reresolve(rib);
	assert_non_null(sel(rib, "90.0.0.0/24"));
	/* The BGP /8 is passed over; the default (via 10.0.0.1) carries it. */
	assert_non_null(sel(rib, "91.0.0.0/24"));
	assert_int_equal(sel(rib, "91.0.0.0/24")->nhg->res[0].gw.u.v4.s_addr, htonl(0x0a000001));
	rib_free(rib);
}

/* A delete right behind an install, before the kernel answered: the
 * uninstall must still be sent, or the kernel keeps the route. */
static void test_delete_before_install_acked(void **state)
{
	struct rec rc;
	struct rib *rib = setup(&rc);
	struct kld_prefix p = P("75.0.0.0/24");

	add(rib, "75.0.0.0/24", RIB_BGP, 1, gw("10.0.0.2"));
	assert_int_equal(rc.installs, 1);
	assert_int_equal(rib_delete(rib, &p, 0, RIB_BGP, 1), 0);
	assert_int_equal(rc.uninstalls, 1);
	/* A route whose install was acked and later deleted: one uninstall. */
	add(rib, "75.0.0.0/24", RIB_BGP, 1, gw("10.0.0.2"));
	rib_fib_result(rib, 0, &p, RIB_BGP, 1, 0);
	assert_int_equal(rib_delete(rib, &p, 0, RIB_BGP, 1), 0);
	assert_int_equal(rc.uninstalls, 2);
	rib_free(rib);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_gateway_resolves_over_connected),
		cmocka_unit_test(test_unreachable_held_then_activated),
		cmocka_unit_test(test_distance_and_notifications),
		cmocka_unit_test(test_nexthop_sets_are_shared),
		cmocka_unit_test(test_kernel_routes_per_priority),
		cmocka_unit_test(test_resync_after_lost_events),
		cmocka_unit_test(test_stale_sweep_and_reclaim),
		cmocka_unit_test(test_kernel_failure_is_reported),
		cmocka_unit_test(test_no_resolution_via_default_or_bgp),
		cmocka_unit_test(test_delete_before_install_acked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
