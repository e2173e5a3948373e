/* Framing: lengths, limits, round trips, and refusal of what we do not know. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "frame.h"

static Kld__Envelope *roundtrip(const Kld__Envelope *env, size_t *len)
{
	size_t body_len = 0;
	const char *reason = NULL;
	uint8_t *buf = kld_frame_encode(env, len);
	Kld__Envelope *out;

	assert_int_equal(kld_frame_check(buf, *len, KLD_FRAME_MAX_DEFAULT, &body_len),
			 KLD_FRAME_READY);
	assert_int_equal(body_len + KLD_FRAME_HDR, *len);
	out = kld_frame_decode(buf + KLD_FRAME_HDR, body_len, &reason);
	free(buf);
	return out;
}

static void test_hello_roundtrip(void **state)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT, *out;
	Kld__Hello hello = KLD__HELLO__INIT;
	size_t len;

	hello.version = 1;
	hello.daemon = "bgpd";
	hello.pid = 4242;
	env.seq = 7;
	env.body_case = KLD__ENVELOPE__BODY_HELLO;
	env.hello = &hello;
	out = roundtrip(&env, &len);
	assert_non_null(out);
	assert_int_equal(out->seq, 7);
	assert_int_equal(out->body_case, KLD__ENVELOPE__BODY_HELLO);
	assert_string_equal(out->hello->daemon, "bgpd");
	assert_int_equal(out->hello->pid, 4242);
	assert_string_equal(kld_frame_body_name(out), "hello");
	kld_frame_free(out);
}

static void test_check_partial_and_limits(void **state)
{
	uint8_t hdr[8] = { 0, 0, 0, 5, 1, 2, 3, 4 };
	uint8_t big[4] = { 0x7f, 0xff, 0xff, 0xff };
	uint8_t zero[4] = { 0 };
	size_t n = 0;

	assert_int_equal(kld_frame_check(hdr, 3, 100, &n), KLD_FRAME_NEED_MORE);
	assert_int_equal(kld_frame_check(hdr, 8, 100, &n), KLD_FRAME_NEED_MORE);
	assert_int_equal(n, 5);
	assert_int_equal(kld_frame_check(hdr, 8, 4, &n), KLD_FRAME_TOO_BIG);
	assert_int_equal(kld_frame_check(big, 4, KLD_FRAME_MAX_DEFAULT, &n), KLD_FRAME_TOO_BIG);
	assert_int_equal(kld_frame_check(zero, 4, 100, &n), KLD_FRAME_EMPTY);
}

static void test_decode_refuses_garbage(void **state)
{
	static const uint8_t garbage[] = { 0xff, 0xfe, 0xfd, 0xfc, 0xfb };
	static const uint8_t no_body[] = { 0x08, 0x05 };		/* seq=5 only */
	static const uint8_t bad_enum[] = { 0xba, 0x01, 0x02, 0x08, 0x63 }; /* status 99 */
	static const uint8_t truncated[] = { 0x52, 0x05, 0x08 };
	const char *reason = NULL;

	assert_null(kld_frame_decode(garbage, sizeof(garbage), &reason));
	assert_string_equal(reason, "undecodable message");
	assert_null(kld_frame_decode(no_body, sizeof(no_body), &reason));
	assert_string_equal(reason, "message without a known body");
	assert_null(kld_frame_decode(bad_enum, sizeof(bad_enum), &reason));
	assert_string_equal(reason, "unknown enum value");
	assert_null(kld_frame_decode(truncated, sizeof(truncated), &reason));
}

static void test_nested_enum_checked(void **state)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT, *out;
	Kld__RouteAdd add = KLD__ROUTE_ADD__INIT;
	Kld__Route r = KLD__ROUTE__INIT, *routes[1] = { &r };
	size_t len;

	add.n_routes = 1;
	add.routes = routes;
	env.body_case = KLD__ENVELOPE__BODY_ROUTE_ADD;
	env.route_add = &add;
	r.type = KLD__ROUTE_TYPE__ROUTE_BGP;
	out = roundtrip(&env, &len);
	assert_non_null(out);
	assert_int_equal(out->route_add->routes[0]->type, KLD__ROUTE_TYPE__ROUTE_BGP);
	kld_frame_free(out);
	/* A route type from the future, two messages deep, is refused. */
	r.type = (Kld__RouteType)77;
	out = roundtrip(&env, &len);
	assert_null(out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello_roundtrip),
		cmocka_unit_test(test_check_partial_and_limits),
		cmocka_unit_test(test_decode_refuses_garbage),
		cmocka_unit_test(test_nested_enum_checked),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
