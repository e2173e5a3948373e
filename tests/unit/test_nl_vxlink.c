/*
 * nl_vxlink: VXLAN devices and bridges for vxland, built and parsed back
 * without a kernel, and the vxland MAC/flood helpers' inputs refused.
 */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>

#include "zebra-lite/nl_vxlink.h"

static struct zl_nl_vxdev vxlan100(void)
{
	struct zl_nl_vxdev d;

	memset(&d, 0, sizeof(d));
	strcpy(d.name, "vxlan100");
	d.kind = ZL_VXK_VXLAN;
	d.mtu = 1370;
	d.vx.vni = 100;
	kld_addr_parse("10.200.0.1", &d.vx.local);
	kld_addr_parse("10.200.0.2", &d.vx.remote);
	d.vx.dev = 7;
	d.vx.dstport = 4789;
	d.vx.port_min = 5000;
	d.vx.port_max = 6000;
	d.vx.ttl = 64;
	d.vx.tos = 1;
	d.vx.udpcsum = true;
	return d;
}

static void test_vxlan_round_trip(void **state)
{
	struct zl_nl_vxdev d = vxlan100(), back;
	uint32_t buf[256];
	int len = zl_nl_vxdev_build_create(buf, sizeof(buf), &d);
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;

	(void)state;
	assert_true(len > 0);
	assert_int_equal(nlh->nlmsg_type, RTM_NEWLINK);
	assert_true(nlh->nlmsg_flags & NLM_F_CREATE && nlh->nlmsg_flags & NLM_F_EXCL);
	assert_int_equal(zl_nl_vxdev_parse(nlh, &back), 0);
	assert_string_equal(back.name, "vxlan100");
	assert_int_equal(back.kind, ZL_VXK_VXLAN);
	assert_int_equal(back.mtu, 1370);
	assert_true(zl_nl_vx_same(&back.vx, &d.vx));
	assert_int_equal(back.vx.port_min, 5000);
	assert_int_equal(back.vx.port_max, 6000);
	assert_false(back.vx.learning);
	/* One option off is another device. */
	back.vx.learning = true;
	assert_false(zl_nl_vx_same(&back.vx, &d.vx));
}

static void test_bridge_and_alias(void **state)
{
	struct zl_nl_vxdev d, back;
	uint32_t buf[256];

	(void)state;
	memset(&d, 0, sizeof(d));
	strcpy(d.name, "br-overlay");
	d.kind = ZL_VXK_BRIDGE;
	assert_true(zl_nl_vxdev_build_create(buf, sizeof(buf), &d) > 0);
	assert_int_equal(zl_nl_vxdev_parse((struct nlmsghdr *)buf, &back), 0);
	assert_int_equal(back.kind, ZL_VXK_BRIDGE);
	assert_false(back.vlan_filtering);
	assert_true(zl_nl_vxdev_build_set(buf, sizeof(buf), 5, ZL_VX_ALIAS, 0, 3, true) > 0);
	assert_int_equal(zl_nl_vxdev_parse((struct nlmsghdr *)buf, &back), 0);
	assert_string_equal(back.alias, ZL_VX_ALIAS);
	assert_int_equal(back.master, 3);
	assert_true(back.up);
}

static void test_refused(void **state)
{
	struct zl_nl_vxdev d = vxlan100();
	uint32_t buf[256];

	(void)state;
	d.vx.vni = 0;
	assert_int_equal(zl_nl_vxdev_build_create(buf, sizeof(buf), &d), -EINVAL);
	d.vx.vni = 1u << 24;
	assert_int_equal(zl_nl_vxdev_build_create(buf, sizeof(buf), &d), -EINVAL);
	d = vxlan100();
	d.vx.port_min = 7000;
	assert_int_equal(zl_nl_vxdev_build_create(buf, sizeof(buf), &d), -EINVAL);
	d = vxlan100();
	kld_addr_parse("fd00::2", &d.vx.remote);
	assert_int_equal(zl_nl_vxdev_build_create(buf, sizeof(buf), &d), -EINVAL);
	d = vxlan100();
	assert_int_equal(zl_nl_vxdev_build_create(buf, 64, &d), -ENOSPC);
	assert_int_equal(zl_nl_vxdev_build_get(buf, sizeof(buf), ""), -EINVAL);
	assert_int_equal(zl_nl_vxdev_build_set(buf, sizeof(buf), 0, NULL, 0, -1, true), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_vxlan_round_trip),
	    cmocka_unit_test(test_bridge_and_alias),
	    cmocka_unit_test(test_refused),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
