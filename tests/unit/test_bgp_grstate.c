/*
 * bgpd's state file (bgpd/bgp_grstate.c): the sessions that were up, as
 * written and read back after a restart; damaged files are refused whole,
 * damaged entries skipped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "bgpd/bgp_types.h"
#include "bgpd/bgp_grstate.h"

static int parse(const char *text, struct bgp_grstate_peer **p)
{
	return bgp_grstate_parse(text, strlen(text), p);
}

static void test_round_trip(void **state)
{
	struct bgp_grstate_peer in[2] = {0}, *out;
	char *text;

	kld_addr_parse("10.0.12.2", &in[0].addr);
	in[0].af_mask = BGP_AF_BIT(BGP_AF_IPV4_UNICAST);
	in[0].eor_mask = in[0].af_mask;
	kld_addr_parse("fd00:12::2", &in[1].addr);
	in[1].af_mask = BGP_AF_MASK_ALL;
	text = bgp_grstate_format(in, 2);
	assert_string_equal(text, "{\"peers\":[{\"address\":\"10.0.12.2\",\"families\":"
				  "[\"ipv4Unicast\"],\"endOfRib\":[\"ipv4Unicast\"]},"
				  "{\"address\":\"fd00:12::2\",\"families\":[\"ipv4Unicast\","
				  "\"ipv6Unicast\"],\"endOfRib\":[]}]}");
	assert_int_equal(parse(text, &out), 2);
	assert_true(kld_addr_eq(&out[0].addr, &in[0].addr));
	assert_true(kld_addr_eq(&out[1].addr, &in[1].addr));
	assert_int_equal(out[0].eor_mask, in[0].eor_mask);
	assert_int_equal(out[1].af_mask, BGP_AF_MASK_ALL);
	assert_int_equal(out[1].eor_mask, 0);
	free(out);
	free(text);
	text = bgp_grstate_format(NULL, 0);
	assert_int_equal(parse(text, &out), 0);
	free(out);
	free(text);
}

static void test_refused(void **state)
{
	static const char *const bad[] = {
	    "",
	    "null",
	    "[]",
	    "{}",
	    "{\"peers\":{}}",
	    "{\"peers\":[]} x",
	    "{\"peers\":[{\"address\":\"10.0.12.2\"}", /* cut short */
	};
	struct bgp_grstate_peer *out = (void *)1;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(parse(bad[i], &out), -1);
		assert_null(out);
	}
	/* a NUL inside the text ends nothing: refused */
	assert_int_equal(bgp_grstate_parse("{\"peers\":[]}\0x", 14, &out), -1);
	assert_int_equal(parse("{\"peers\":[]}\n", &out), 0);
	free(out);
}

static void test_bad_entries_skipped(void **state)
{
	struct bgp_grstate_peer *out;

	assert_int_equal(parse("{\"peers\":[{\"address\":\"nope\"},{\"address\":7},1,"
			       "{\"address\":\"10.0.14.4\",\"families\":[\"l2vpnEvpn\",3,"
			       "\"ipv4Unicast\"],\"endOfRib\":[\"ipv6Unicast\"]}]}",
			       &out),
			 1);
	assert_int_equal(out[0].af_mask, BGP_AF_BIT(BGP_AF_IPV4_UNICAST));
	assert_int_equal(out[0].eor_mask, 0); /* only of families it had */
	free(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_round_trip),
	    cmocka_unit_test(test_refused),
	    cmocka_unit_test(test_bad_entries_skipped),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
