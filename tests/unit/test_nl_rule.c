/*
 * nl_rule: the RTM_NEWRULE/RTM_DELRULE messages of full-tunnel WireGuard,
 * checked attribute by attribute with libmnl.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "zebra-lite/nl.h"

struct seen {
	const struct nlattr *tb[FRA_MAX + 1];
};

static int collect(const struct nlattr *a, void *data)
{
	struct seen *s = data;

	if (mnl_attr_get_type(a) <= FRA_MAX)
		s->tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static const struct fib_rule_hdr *build(uint8_t *buf, size_t size, uint16_t type,
					const struct zl_nl_rule *r, struct seen *s)
{
	int len = zl_nl_rule_build(buf, size, type, NLM_F_CREATE | NLM_F_EXCL, r);
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	assert_true(len > 0);
	assert_int_equal(nlh->nlmsg_len, (unsigned)len);
	assert_int_equal(nlh->nlmsg_type, type);
	memset(s, 0, sizeof(*s));
	mnl_attr_parse(nlh, sizeof(struct fib_rule_hdr), collect, s);
	return mnl_nlmsg_get_payload(nlh);
}

static void test_not_fwmark_rule(void **state)
{
	struct zl_nl_rule r = {.family = AF_INET6,
			       .priority = 32765,
			       .table = 51820,
			       .invert = true,
			       .fwmark = 51820,
			       .suppress_prefixlen = -1};
	uint8_t buf[256];
	struct seen s;
	const struct fib_rule_hdr *h = build(buf, sizeof(buf), RTM_NEWRULE, &r, &s);

	(void)state;
	assert_int_equal(h->family, AF_INET6);
	assert_int_equal(h->action, FR_ACT_TO_TBL);
	assert_true(h->flags & FIB_RULE_INVERT);
	assert_int_equal(h->table, RT_TABLE_UNSPEC); /* > 255: only in FRA_TABLE */
	assert_int_equal(mnl_attr_get_u32(s.tb[FRA_TABLE]), 51820);
	assert_int_equal(mnl_attr_get_u32(s.tb[FRA_PRIORITY]), 32765);
	assert_int_equal(mnl_attr_get_u32(s.tb[FRA_FWMARK]), 51820);
	assert_int_equal(mnl_attr_get_u32(s.tb[FRA_FWMASK]), 0xffffffffu);
	assert_null(s.tb[FRA_SUPPRESS_PREFIXLEN]);
}

static void test_suppress_rule(void **state)
{
	struct zl_nl_rule r = {.family = AF_INET, .priority = 32764, .suppress_prefixlen = 0};
	uint8_t buf[256];
	struct seen s;
	const struct fib_rule_hdr *h = build(buf, sizeof(buf), RTM_DELRULE, &r, &s);

	(void)state;
	assert_int_equal(h->family, AF_INET);
	assert_false(h->flags & FIB_RULE_INVERT);
	assert_int_equal(h->table, RT_TABLE_MAIN);
	assert_int_equal(mnl_attr_get_u32(s.tb[FRA_TABLE]), RT_TABLE_MAIN);
	assert_int_equal(mnl_attr_get_u32(s.tb[FRA_SUPPRESS_PREFIXLEN]), 0);
	assert_null(s.tb[FRA_FWMARK]);
}

static void test_bad_rules(void **state)
{
	struct zl_nl_rule r = {.family = AF_BRIDGE, .suppress_prefixlen = -1};
	uint8_t buf[256];

	(void)state;
	assert_int_equal(zl_nl_rule_build(buf, sizeof(buf), RTM_NEWRULE, 0, &r), -EINVAL);
	r.family = AF_INET;
	r.fwmark = 1;
	assert_int_equal(zl_nl_rule_build(buf, 24, RTM_NEWRULE, 0, &r), -ENOSPC);
	assert_true(zl_nl_rule_build(buf, sizeof(buf), RTM_NEWRULE, 0, &r) > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_not_fwmark_rule),
	    cmocka_unit_test(test_suppress_rule),
	    cmocka_unit_test(test_bad_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
