/*
 * Update groups (bgpd/bgp_updgrp.c): which peers share their UPDATEs.
 * Peers of the same outbound policy and encoding land in one group; each
 * setting the outbound code or the encoder reads splits them; membership
 * follows joins and leaves.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include <errno.h>

#include "bgpd/bgpd.h"

static struct bgp the_bgp = { .asn = 65000 };

/* An established eBGP peer in AS 65200 behind 10.0.2.1, IPv4 only,
 * 4-octet AS, no policy. */
static void mkpeer(struct bgp_peer *p, const char *addr)
{
	memset(p, 0, sizeof(*p));
	p->bgp = &the_bgp;
	assert_int_equal(kld_addr_parse(addr, &p->addr), 0);
	assert_int_equal(kld_addr_parse("10.0.2.1", &p->local), 0);
	p->remote_as = 65200;
	p->ebgp = true;
	p->state = BGP_FSM_ESTABLISHED;
	p->af_active[BGP_AF_IPV4_UNICAST] = true;
	p->ctx.as4 = true;
	p->ctx.ebgp = true;
	p->ctx.af_mask = BGP_AF_BIT(BGP_AF_IPV4_UNICAST);
}

static void test_same_policy_shares(void **state)
{
	struct bgp_peer a, b;

	(void)state;
	mkpeer(&a, "10.0.2.2");
	mkpeer(&b, "10.0.2.3");
	assert_true(bgp_updgrp_same(&a, &b));
	strcpy(a.rmap[BGP_AF_IPV4_UNICAST][1], "OUT");
	strcpy(b.rmap[BGP_AF_IPV4_UNICAST][1], "OUT");
	assert_true(bgp_updgrp_same(&a, &b));
	/* inbound policy is the receiving side's business: still shared */
	strcpy(a.plist[BGP_AF_IPV4_UNICAST][0], "IN");
	assert_true(bgp_updgrp_same(&a, &b));
	/* an address family not active on either: its settings do not count */
	strcpy(a.rmap[BGP_AF_IPV6_UNICAST][1], "V6OUT");
	assert_true(bgp_updgrp_same(&a, &b));
}

/* Every setting that changes what is sent or how it is encoded. */
static void test_each_difference_splits(void **state)
{
	struct bgp_peer a, b;

	(void)state;
	mkpeer(&a, "10.0.2.2");

	mkpeer(&b, "10.0.2.3");
	b.remote_as = 65201; /* loop check and split horizon are per AS */
	assert_false(bgp_updgrp_same(&a, &b));

	mkpeer(&b, "10.0.2.3");
	b.ebgp = false;
	assert_false(bgp_updgrp_same(&a, &b));

	mkpeer(&b, "10.0.2.3");
	strcpy(b.rmap[BGP_AF_IPV4_UNICAST][1], "OTHER");
	assert_false(bgp_updgrp_same(&a, &b));

	mkpeer(&b, "10.0.2.3");
	strcpy(b.plist[BGP_AF_IPV4_UNICAST][1], "SAFE");
	assert_false(bgp_updgrp_same(&a, &b));

	mkpeer(&b, "10.0.2.3");
	b.nh_self[BGP_AF_IPV4_UNICAST] = true;
	assert_false(bgp_updgrp_same(&a, &b));

	mkpeer(&a, "10.0.2.2");
	a.ebgp = false;
	mkpeer(&b, "10.0.2.3");
	b.ebgp = false;
	b.rr_client[BGP_AF_IPV4_UNICAST] = true; /* reflected routes go to clients only */
	assert_false(bgp_updgrp_same(&a, &b));
	mkpeer(&a, "10.0.2.2");

	mkpeer(&b, "10.0.2.3");
	b.ctx.as4 = false; /* AS_PATH is encoded with 2-octet ASes */
	assert_false(bgp_updgrp_same(&a, &b));

	mkpeer(&b, "10.0.2.3");
	b.af_active[BGP_AF_IPV6_UNICAST] = true;
	b.ctx.af_mask |= BGP_AF_BIT(BGP_AF_IPV6_UNICAST);
	assert_false(bgp_updgrp_same(&a, &b));

	mkpeer(&b, "10.0.2.3");
	assert_int_equal(kld_addr_parse("fd00::1", &b.local), 0); /* a session over IPv6 */
	assert_false(bgp_updgrp_same(&a, &b));
}

/* Another link, another next hop of ours: still one group, the UPDATEs
 * are rewritten for it. */
static void test_other_link_shares(void **state)
{
	struct bgp_peer a, b;

	(void)state;
	mkpeer(&a, "10.0.2.2");
	mkpeer(&b, "10.0.3.2");
	assert_int_equal(kld_addr_parse("10.0.3.1", &b.local), 0);
	assert_true(bgp_updgrp_same(&a, &b));
}

static int collect(void *arg, const uint8_t *msg, size_t len)
{
	kld_buf_append(arg, msg, len);
	return 0;
}

/* The next hop ours for one link becomes ours for the other, in NEXT_HOP
 * and in MP_REACH_NLRI; a third party's next hop and the NLRI stay. */
static void test_nexthop_rewrite(void **state)
{
	struct bgp_codec_ctx ctx = { .as4 = true, .ebgp = true,
				     .af_mask = BGP_AF_BIT(BGP_AF_IPV4_UNICAST) |
						BGP_AF_BIT(BGP_AF_IPV6_UNICAST) };
	struct bgp_attrs self, other, self6;
	struct kld_addr l1, l2, l61, l62;
	struct kld_prefix p4[2], p6;
	struct kld_buf b;
	struct bgp_update u;

	(void)state;
	assert_int_equal(kld_addr_parse("10.0.2.1", &l1), 0);
	assert_int_equal(kld_addr_parse("10.0.3.1", &l2), 0);
	assert_int_equal(kld_addr_parse("fd00:2::1", &l61), 0);
	assert_int_equal(kld_addr_parse("fd00:3::1", &l62), 0);
	assert_int_equal(kld_prefix_parse("10.100.0.0/24", &p4[0], false), 0);
	/* an NLRI with the very bytes of the old next hop: left alone */
	assert_int_equal(kld_prefix_parse("10.0.2.1/32", &p4[1], false), 0);
	assert_int_equal(kld_prefix_parse("2001:db8::/48", &p6, false), 0);
	bgp_attrs_init(&self);
	self.present |= BGP_ATTRF_ORIGIN | BGP_ATTRF_AS_PATH | BGP_ATTRF_NEXT_HOP;
	self.nexthop = l1;
	other = self;
	assert_int_equal(kld_addr_parse("10.0.2.9", &other.nexthop), 0);
	self6 = self;
	self6.nexthop = l61;
	kld_buf_init(&b);
	assert_true(bgp_update_pack(&ctx, &self, p4, 2, collect, &b) > 0);
	assert_true(bgp_update_pack(&ctx, &other, p4, 1, collect, &b) > 0);
	assert_true(bgp_update_pack(&ctx, &self6, &p6, 1, collect, &b) > 0);
	assert_true(bgp_withdraw_pack(&ctx, p4, 1, collect, &b) > 0);

	assert_int_equal(bgp_updates_rewrite_nexthop((uint8_t *)b.data, b.len, &l1, &l2), 0);
	assert_int_equal(bgp_updates_rewrite_nexthop((uint8_t *)b.data, b.len, &l61, &l62), 0);
	assert_int_equal(bgp_updates_rewrite_nexthop((uint8_t *)b.data, b.len, &l1, &l62), -EINVAL);
	assert_int_equal(bgp_updates_rewrite_nexthop((uint8_t *)b.data, b.len - 1, &l1, &l2),
			 -EINVAL);

	/* decode each message again: what the member on the other link gets */
	bgp_update_init(&u);
	size_t off = 0;

	for (int i = 0; i < 4; i++) {
		size_t len = (size_t)(uint8_t)b.data[off + 16] << 8 | (uint8_t)b.data[off + 17];
		char s[KLD_ADDR_STRLEN];

		assert_int_equal(bgp_update_decode(&u, (uint8_t *)b.data + off, len, &ctx), 0);
		if (i == 0) {
			assert_true(kld_addr_eq(&u.attrs.nexthop, &l2));
			assert_int_equal(u.nlri.n, 2);
			assert_int_equal(kld_prefix_cmp(&u.nlri.p[1], &p4[1]), 0);
		} else if (i == 1) {
			assert_string_equal(kld_addr_fmt(&u.attrs.nexthop, s, sizeof(s)), "10.0.2.9");
		} else if (i == 2) {
			assert_int_equal(u.mp_nlri.n, 1);
			assert_true(kld_addr_eq(&u.mp_nexthop, &l62));
		} else {
			assert_int_equal(u.withdrawn.n, 1);
		}
		off += len;
	}
	bgp_update_fini(&u);
	kld_buf_free(&b);
}

/* Two iBGP peers of one policy share (next hops are theirs, no AS to
 * loop-check). */
static void test_ibgp_shares(void **state)
{
	struct bgp_peer a, b;

	(void)state;
	mkpeer(&a, "10.0.2.2");
	mkpeer(&b, "10.0.2.3");
	a.ebgp = b.ebgp = a.ctx.ebgp = b.ctx.ebgp = false;
	a.remote_as = b.remote_as = 65000;
	assert_true(bgp_updgrp_same(&a, &b));
}

static void test_membership(void **state)
{
	struct bgp_peer p[4];
	struct bgp_updgrp *g1, *g2;

	(void)state;
	for (int i = 0; i < 4; i++) {
		char a[16];

		snprintf(a, sizeof(a), "10.0.2.%d", 2 + i);
		mkpeer(&p[i], a);
	}
	strcpy(p[3].rmap[BGP_AF_IPV4_UNICAST][1], "OTHER");

	assert_null(bgp_updgrp_find(&the_bgp, &p[0]));
	g1 = bgp_updgrp_new(&the_bgp, &p[0]);
	bgp_updgrp_add(g1, &p[0]);
	/* the conf is a copy of the settings, never a session */
	assert_ptr_equal(g1->conf->ug, g1);
	assert_int_equal(g1->conf->c.fd, -1);
	assert_true(bgp_updgrp_same(g1->conf, &p[0]));

	assert_ptr_equal(bgp_updgrp_find(&the_bgp, &p[1]), g1);
	bgp_updgrp_add(g1, &p[1]);
	bgp_updgrp_add(bgp_updgrp_find(&the_bgp, &p[2]), &p[2]);
	assert_int_equal(g1->nmembers, 3);
	assert_null(bgp_updgrp_find(&the_bgp, &p[3]));
	g2 = bgp_updgrp_new(&the_bgp, &p[3]);
	bgp_updgrp_add(g2, &p[3]);
	assert_int_not_equal(g1->id, g2->id);
	assert_ptr_equal(the_bgp.updgrps, g1);
	assert_ptr_equal(g1->next, g2);

	/* members in join order; leaving keeps the others linked */
	assert_ptr_equal(g1->members, &p[0]);
	assert_int_equal(bgp_updgrp_del(&p[1]), 2);
	assert_null(p[1].ug);
	assert_ptr_equal(p[0].ug_next, &p[2]);
	assert_int_equal(bgp_updgrp_del(&p[0]), 1);
	assert_ptr_equal(g1->members, &p[2]);
	assert_int_equal(g1->joins, 3);
	assert_int_equal(g1->prunes, 2);
	assert_int_equal(bgp_updgrp_del(&p[2]), 0);
	bgp_updgrp_free(&the_bgp, g1);
	assert_ptr_equal(the_bgp.updgrps, g2);
	/* a peer that left finds the group still there for its policy */
	assert_null(bgp_updgrp_find(&the_bgp, &p[0]));
	assert_ptr_equal(bgp_updgrp_find(&the_bgp, &p[3]), g2);
	assert_int_equal(bgp_updgrp_del(&p[3]), 0);
	bgp_updgrp_free(&the_bgp, g2);
	assert_null(the_bgp.updgrps);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_same_policy_shares),
		cmocka_unit_test(test_each_difference_splits),
		cmocka_unit_test(test_ibgp_shares),
		cmocka_unit_test(test_other_link_shares),
		cmocka_unit_test(test_nexthop_rewrite),
		cmocka_unit_test(test_membership),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
