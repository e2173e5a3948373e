/* fwd's model and compiler (fwd/fwd_conf.c) and zebra-lite's checks of a
 * compiled rule set (zebra-lite/fw_set.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "fwd/fwd.h"
#include "zebra-lite/fw_set.h"

static void test_ports_parse(void **state)
{
	struct fwd_range r[8];
	char err[256];
	size_t n;

	assert_int_equal(fwd_ports_parse("22", r, 8, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 1);
	assert_int_equal(r[0].lo, 22);
	assert_int_equal(r[0].hi, 22);
	assert_int_equal(fwd_ports_parse("80,443,8000-8100", r, 8, &n, err, sizeof(err)), 0);
	assert_int_equal(n, 3);
	assert_int_equal(r[2].lo, 8000);
	assert_int_equal(r[2].hi, 8100);
	assert_int_equal(fwd_ports_parse("1-65535", r, 8, &n, err, sizeof(err)), 0);
	const char *bad[] = { "0", "65536", "10-5", "", ",", "1,,2", "a", "1-", "-1", "123456",
			      "1-2-3", "22,", " 22" };
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = 0;
		assert_int_equal(fwd_ports_parse(bad[i], r, 8, &n, err, sizeof(err)), -1);
		assert_true(err[0]);
	}
	assert_int_equal(fwd_ports_parse("1,2,3,4,5,6,7,8,9", r, 8, &n, err, sizeof(err)), -1);
}

static void test_rules_checked(void **state)
{
	struct fwd f = { 0 };
	struct fwd_zone *z;
	char err[256];

	fwd_conf_init(&f);
	z = fwd_zone_get(&f, "public", true);
	assert_non_null(z);
	assert_int_equal(fwd_rule_port(&f, z, FW_ACT_PASS, 6, "22,80", false, err, sizeof(err)), 0);
	/* the same line again is no change */
	assert_int_equal(fwd_rule_port(&f, z, FW_ACT_PASS, 6, "22,80", false, err, sizeof(err)), 0);
	assert_non_null(z->rules);
	assert_null(z->rules->next);
	/* blocking a port allowed in the same zone could never match */
	assert_int_equal(fwd_rule_port(&f, z, FW_ACT_DROP, 6, "70-90", false, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "could never match"));
	/* UDP is another table */
	assert_int_equal(fwd_rule_port(&f, z, FW_ACT_DROP, 17, "80", false, err, sizeof(err)), 0);
	assert_int_equal(fwd_rule_prefix(&f, z, FW_ACT_DROP, "10.0.0.1/8", false, err, sizeof(err)), -1);
	assert_int_equal(fwd_rule_prefix(&f, z, FW_ACT_DROP, "192.168.1.100/32", false, err, sizeof(err)), 0);
	assert_int_equal(fwd_rule_prefix(&f, z, FW_ACT_PASS, "192.168.1.100/32", false, err, sizeof(err)), -1);
	assert_int_equal(fwd_rule_prefix(&f, z, FW_ACT_PASS, "192.168.1.0/24", false, err, sizeof(err)), 0);
	assert_int_equal(fwd_rule_port(&f, z, FW_ACT_PASS, 6, "23", true, err, sizeof(err)), -1);
	assert_int_equal(fwd_rule_port(&f, z, FW_ACT_PASS, 6, "22,80", true, err, sizeof(err)), 0);
	fwd_free_all(&f);
}

static void test_compiled_set_accepted(void **state)
{
	struct fwd f = { 0 };
	struct fwd_zone *z;
	Kld__FwRuleSet *m;
	struct fw_set s;
	char err[256];

	fwd_conf_init(&f);
	f.enabled = true;
	z = fwd_zone_get(&f, "public", true);
	strcpy(z->ifnames[z->nifs++], "eth0");
	z->dflt = FW_ACT_DROP;
	z->stealth = true;
	assert_int_equal(fwd_rule_port(&f, z, FW_ACT_PASS, 17, "51820-51823", false, err, sizeof(err)), 0);
	assert_int_equal(fwd_rule_prefix(&f, z, FW_ACT_DROP, "2001:db8::/32", false, err, sizeof(err)), 0);
	m = fwd_compile(&f);
	assert_int_equal(fwd_ruleset_entries(m), 5);
	assert_int_equal(fw_set_from_msg(m, &s, err, sizeof(err)), 0);
	assert_int_equal(s.nifaces, 1);
	assert_int_equal(s.ifaces[0].zone.dflt_action, FW_ACT_DROP);
	assert_int_equal(s.ifaces[0].zone.flags, FW_ZF_STEALTH);
	assert_int_equal(s.nports, 4);
	assert_int_equal(s.ports[3].port, 51823);
	assert_int_equal(s.nprefixes, 1);
	assert_int_equal(s.prefixes[0].family, AF_INET6);
	fw_set_free(&s);
	/* an interface in two zones is refused by zebra-lite too */
	strcpy(m->zones[0]->ifnames[0], "eth0");
	Kld__FwZone z2 = *m->zones[0], **zones = calloc(2, sizeof(*zones));
	z2.zone = 2;
	zones[0] = m->zones[0];
	zones[1] = &z2;
	Kld__FwZone **old = m->zones;
	m->zones = zones;
	m->n_zones = 2;
	assert_int_equal(fw_set_from_msg(m, &s, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "two zones"));
	m->zones = old;
	m->n_zones = 1;
	free(zones);
	/* a port 0 never reaches a map */
	m->ports[0]->port_lo = 0;
	assert_int_equal(fw_set_from_msg(m, &s, err, sizeof(err)), -1);
	fwd_ruleset_free(m);
	fwd_free_all(&f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ports_parse),
		cmocka_unit_test(test_rules_checked),
		cmocka_unit_test(test_compiled_set_accepted),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
