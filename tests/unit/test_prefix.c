/*
 * Unit tests for lib/prefix.c: strict parsing, RFC 5952 formatting,
 * masking, containment, the total order and the hash.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <cmocka.h>
#include "prefix.h"

/* Parse that must succeed; returns the canonical text. */
static const char *parse_fmt(const char *in, bool strict, char *buf)
{
	struct kld_prefix p;

	assert_int_equal(kld_prefix_parse(in, &p, strict), 0);
	return kld_prefix_fmt(&p, buf, KLD_PREFIX_STRLEN);
}

static void test_parse_valid(void **state)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "0.0.0.0/0", "0.0.0.0/0" },
		{ "10.0.0.0/8", "10.0.0.0/8" },
		{ "192.0.2.1/32", "192.0.2.1/32" },
		{ "192.0.2.1", "192.0.2.1/32" },
		{ "255.255.255.255/32", "255.255.255.255/32" },
		{ "::/0", "::/0" },
		{ "::", "::/128" },
		{ "::1", "::1/128" },
		{ "2001:db8::/32", "2001:db8::/32" },
		{ "2001:DB8::/32", "2001:db8::/32" },
		{ "2001:0db8:0000:0000:0000:0000:0000:0001/128", "2001:db8::1/128" },
		{ "2001:db8:0:0:1:0:0:1/128", "2001:db8::1:0:0:1/128" },
		{ "2001:db8::1:0:0:0/128", "2001:db8:0:0:1::/128" },
		{ "2001:db8:0:1:1:1:1:1/128", "2001:db8:0:1:1:1:1:1/128" },
		{ "::ffff:192.0.2.1/128", "::ffff:192.0.2.1/128" },
		{ "fe80::/10", "fe80::/10" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128",
		  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128" },
	};
	char buf[KLD_PREFIX_STRLEN];

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		assert_string_equal(parse_fmt(cases[i].in, true, buf), cases[i].out);
}

static void test_parse_invalid(void **state)
{
	static const char *const bad[] = {
		"", "/", "/8", "10.0.0.0/", "10.0.0.0/33", "10.0.0.0/999",
		"10.0.0.0/1000", "10.0.0.0/4294967304", "10.0.0/8", "10.0.0", "10.1", "10.0.0.0.0/8",
		"256.0.0.0/8", "010.0.0.0/8", "10.0.0.0/8 ", " 10.0.0.0/8",
		"10.0.0.0 /8", "10.0.0.0/ 8", "10.0.0.0/+8", "10.0.0.0/-8",
		"10.0.0.0/08", "10.0.0.0/00", "10.0.0.0/8x", "10.0.0.0/8/8",
		"10.0.0.0x/8", "10.0.0.0/0x8", "::/129", "::/200", "2001:db8:::/48",
		"2001:db8::/", "2001:db8::g/64", "fe80::1%eth0/64", "1:2:3:4:5:6:7:8:9/128",
		"abc", "\t10.0.0.0/8", "10.0.0.0/8\n",
		"ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255:1/128",
	};
	struct kld_prefix p = { .family = 99 };

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (kld_prefix_parse(bad[i], &p, false) == 0)
			fail_msg("accepted \"%s\"", bad[i]);
	}
	/* A failed parse leaves the output alone. */
	assert_int_equal(p.family, 99);
	assert_int_equal(kld_prefix_parse(NULL, &p, false), -1);
}

static void test_parse_host_bits(void **state)
{
	struct kld_prefix p;
	char buf[KLD_PREFIX_STRLEN];

	assert_int_equal(kld_prefix_parse("10.0.0.1/8", &p, true), -1);
	assert_int_equal(kld_prefix_parse("10.128.0.0/8", &p, true), -1);
	assert_int_equal(kld_prefix_parse("2001:db8::1/64", &p, true), -1);
	assert_int_equal(kld_prefix_parse("0.0.0.1/0", &p, true), -1);
	assert_string_equal(parse_fmt("10.1.2.3/8", false, buf), "10.0.0.0/8");
	assert_string_equal(parse_fmt("10.255.255.255/9", false, buf), "10.128.0.0/9");
	assert_string_equal(parse_fmt("1.2.3.4/0", false, buf), "0.0.0.0/0");
	assert_string_equal(parse_fmt("2001:db8:ffff::1/33", false, buf), "2001:db8:8000::/33");
	assert_string_equal(parse_fmt("ff::ff/7", false, buf), "::/7");
	/* Non-strict masking must give exactly the strict result. */
	struct kld_prefix a, b;

	assert_int_equal(kld_prefix_parse("172.16.5.4/12", &a, false), 0);
	assert_int_equal(kld_prefix_parse("172.16.0.0/12", &b, true), 0);
	assert_true(kld_prefix_eq(&a, &b));
	assert_int_equal(memcmp(&a, &b, sizeof(a)), 0);
}

static void test_addr_parse_fmt(void **state)
{
	struct kld_addr a;
	char buf[KLD_ADDR_STRLEN];

	assert_int_equal(kld_addr_parse("192.0.2.1", &a), 0);
	assert_int_equal(a.family, AF_INET);
	assert_int_equal(a.u.bytes[0], 192);
	assert_int_equal(a.u.bytes[3], 1);
	assert_string_equal(kld_addr_fmt(&a, buf, sizeof(buf)), "192.0.2.1");
	assert_int_equal(kld_addr_parse("2001:db8::1", &a), 0);
	assert_int_equal(a.family, AF_INET6);
	assert_int_equal(a.u.bytes[15], 1);
	assert_string_equal(kld_addr_fmt(&a, buf, sizeof(buf)), "2001:db8::1");
	assert_int_equal(kld_addr_parse("10.0.0.0/8", &a), -1);
	assert_int_equal(kld_addr_parse("", &a), -1);
	assert_int_equal(kld_addr_parse(" 1.2.3.4", &a), -1);
	assert_int_equal(kld_addr_parse("1.2.3.4 ", &a), -1);
	assert_int_equal(kld_addr_parse("1.2.3", &a), -1);

	/* Unset family, and buffers too small, still give a valid string. */
	struct kld_addr z = { 0 };
	char tiny[4];

	assert_string_equal(kld_addr_fmt(&z, buf, sizeof(buf)), "(unset)");
	assert_int_equal(kld_addr_parse("192.0.2.100", &a), 0);
	assert_string_equal(kld_addr_fmt(&a, tiny, sizeof(tiny)), "192");
	assert_string_equal(kld_addr_fmt(&a, NULL, 0), "");
}

static void test_fmt_longest(void **state)
{
	struct kld_prefix p;
	char buf[KLD_PREFIX_STRLEN];
	const char *s = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255";

	/* The longest accepted input; only ::ffff:0:0/96 and ::/96 are printed
	 * with a dotted tail, so this comes back in plain hex. */
	assert_int_equal(kld_prefix_parse(s, &p, true), 0);
	kld_prefix_fmt(&p, buf, sizeof(buf));
	assert_string_equal(buf, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
	assert_true(strlen("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255/128") < KLD_PREFIX_STRLEN);
}

static void test_family(void **state)
{
	assert_int_equal(kld_family_bits(AF_INET), 32);
	assert_int_equal(kld_family_bits(AF_INET6), 128);
	assert_int_equal(kld_family_bits(0), 0);
	assert_int_equal(kld_family_bits(AF_UNIX), 0);
	assert_int_equal(kld_family_bytes(AF_INET), 4);
	assert_int_equal(kld_family_bytes(AF_INET6), 16);
	assert_int_equal(kld_family_bytes(0), 0);
}

static void test_set_and_convert(void **state)
{
	static const uint8_t v4[4] = { 10, 1, 2, 3 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1 };
	struct kld_prefix p;
	struct kld_addr a;
	char buf[KLD_PREFIX_STRLEN];

	assert_int_equal(kld_prefix_set(&p, AF_INET, v4, 16), 0);
	assert_string_equal(kld_prefix_fmt(&p, buf, sizeof(buf)), "10.1.0.0/16");
	assert_int_equal(kld_prefix_set(&p, AF_INET, v4, 33), -1);
	assert_int_equal(kld_prefix_set(&p, 0, v4, 8), -1);
	assert_int_equal(kld_prefix_set(&p, AF_INET6, v6, 129), -1);
	assert_int_equal(kld_prefix_set(&p, AF_INET6, v6, 128), 0);
	assert_string_equal(kld_prefix_fmt(&p, buf, sizeof(buf)), "2001:db8::1/128");

	assert_int_equal(kld_addr_set(&a, AF_INET, v4), 0);
	assert_string_equal(kld_addr_fmt(&a, buf, sizeof(buf)), "10.1.2.3");
	assert_int_equal(kld_addr_set(&a, 7, v4), -1);
	kld_prefix_from_addr(&p, &a, 24);
	assert_string_equal(kld_prefix_fmt(&p, buf, sizeof(buf)), "10.1.2.0/24");
	kld_prefix_from_addr(&p, &a, 40); /* clamped to the family */
	assert_int_equal(p.len, 32);
	kld_prefix_from_addr(&p, &a, 0);
	assert_string_equal(kld_prefix_fmt(&p, buf, sizeof(buf)), "0.0.0.0/0");

	struct kld_addr b;

	assert_int_equal(kld_prefix_parse("2001:db8::/32", &p, true), 0);
	memset(&b, 0xaa, sizeof(b));
	kld_addr_from_prefix(&b, &p);
	assert_int_equal(b.family, AF_INET6);
	assert_string_equal(kld_addr_fmt(&b, buf, sizeof(buf)), "2001:db8::");
	assert_int_equal(kld_prefix_parse("10.9.0.0/16", &p, true), 0);
	kld_addr_from_prefix(&b, &p);
	assert_int_equal(b.u.bytes[4], 0); /* tail cleared */
	assert_string_equal(kld_addr_fmt(&b, buf, sizeof(buf)), "10.9.0.0");
}

static void test_mask(void **state)
{
	struct kld_prefix p;
	char buf[KLD_PREFIX_STRLEN];

	memset(&p, 0xff, sizeof(p));
	p.family = AF_INET;
	p.len = 20;
	kld_prefix_mask(&p);
	assert_string_equal(kld_prefix_fmt(&p, buf, sizeof(buf)), "255.255.240.0/20");
	for (int i = 4; i < 16; i++)
		assert_int_equal(p.u.bytes[i], 0);
	memset(&p, 0xff, sizeof(p));
	p.family = AF_INET6;
	p.len = 0;
	kld_prefix_mask(&p);
	assert_string_equal(kld_prefix_fmt(&p, buf, sizeof(buf)), "::/0");
	memset(&p, 0xff, sizeof(p));
	p.family = AF_INET6;
	p.len = 128;
	kld_prefix_mask(&p);
	assert_string_equal(kld_prefix_fmt(&p, buf, sizeof(buf)),
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128");
}

static struct kld_prefix P(const char *s)
{
	struct kld_prefix p;

	assert_int_equal(kld_prefix_parse(s, &p, true), 0);
	return p;
}

static void test_contains(void **state)
{
	struct kld_prefix a = P("10.0.0.0/8"), b = P("10.1.0.0/16"), c = P("11.0.0.0/8");
	struct kld_prefix all4 = P("0.0.0.0/0"), all6 = P("::/0"), h = P("10.1.2.3/32");
	struct kld_addr x;

	assert_true(kld_prefix_contains(&a, &b));
	assert_false(kld_prefix_contains(&b, &a));
	assert_true(kld_prefix_contains(&a, &a));
	assert_false(kld_prefix_contains(&a, &c));
	assert_true(kld_prefix_contains(&all4, &c));
	assert_true(kld_prefix_contains(&all4, &h));
	assert_true(kld_prefix_contains(&b, &h));
	assert_true(kld_prefix_contains(&h, &h));
	/* Never across families, not even for the default routes. */
	assert_false(kld_prefix_contains(&all6, &a));
	assert_false(kld_prefix_contains(&all4, &all6));

	struct kld_prefix p9 = P("10.128.0.0/9");

	assert_true(kld_prefix_contains(&a, &p9));
	assert_false(kld_prefix_contains(&p9, &b));

	assert_int_equal(kld_addr_parse("10.200.1.1", &x), 0);
	assert_true(kld_prefix_contains_addr(&a, &x));
	assert_true(kld_prefix_contains_addr(&p9, &x));
	assert_false(kld_prefix_contains_addr(&b, &x));
	assert_true(kld_prefix_contains_addr(&all4, &x));
	assert_false(kld_prefix_contains_addr(&all6, &x));
	assert_int_equal(kld_addr_parse("2001:db8::1", &x), 0);
	assert_true(kld_prefix_contains_addr(&all6, &x));
	struct kld_prefix d6 = P("2001:db8::/32"), o6 = P("2001:db9::/32");

	assert_true(kld_prefix_contains_addr(&d6, &x));
	assert_false(kld_prefix_contains_addr(&o6, &x));
}

static void test_cmp_order(void **state)
{
	/* Ascending: family, then bytes, then length. */
	static const char *const sorted[] = {
		"0.0.0.0/0", "0.0.0.0/1", "0.0.0.0/32", "10.0.0.0/8", "10.0.0.0/16",
		"10.0.0.0/24", "10.0.0.1/32", "10.1.0.0/16", "10.128.0.0/9",
		"11.0.0.0/8", "255.255.255.255/32", "::/0", "::/128", "::1/128",
		"2001:db8::/32", "2001:db8::/64", "2001:db8:0:1::/64", "fe80::/10",
	};
	size_t n = sizeof(sorted) / sizeof(sorted[0]);

	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; j < n; j++) {
			struct kld_prefix a = P(sorted[i]), b = P(sorted[j]);
			int want = i < j ? -1 : i > j;

			assert_int_equal(kld_prefix_cmp(&a, &b), want);
			assert_int_equal(kld_prefix_eq(&a, &b), i == j);
		}
	}
	struct kld_addr x, y;

	assert_int_equal(kld_addr_parse("10.0.0.1", &x), 0);
	assert_int_equal(kld_addr_parse("10.0.0.2", &y), 0);
	assert_true(kld_addr_cmp(&x, &y) < 0);
	assert_true(kld_addr_cmp(&y, &x) > 0);
	assert_int_equal(kld_addr_cmp(&x, &x), 0);
	assert_true(kld_addr_eq(&x, &x));
	assert_false(kld_addr_eq(&x, &y));
	assert_int_equal(kld_addr_parse("::", &y), 0);
	assert_true(kld_addr_cmp(&x, &y) < 0); /* AF_INET sorts first */
}

static void test_bit(void **state)
{
	struct kld_prefix p = P("128.0.0.1/32");

	assert_int_equal(kld_prefix_bit(&p, 0), 1);
	assert_int_equal(kld_prefix_bit(&p, 1), 0);
	assert_int_equal(kld_prefix_bit(&p, 30), 0);
	assert_int_equal(kld_prefix_bit(&p, 31), 1);
	assert_int_equal(kld_prefix_bit(&p, 32), 0); /* past the end */
	p = P("::1");
	assert_int_equal(kld_prefix_bit(&p, 127), 1);
	assert_int_equal(kld_prefix_bit(&p, 126), 0);
	p = P("0100::/8");
	for (unsigned i = 0; i < 8; i++)
		assert_int_equal(kld_prefix_bit(&p, i), i == 7);
}

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

/* The length must be hashed: 10.0.0.0/8 and /16 must not collide, and
 * equal prefixes built different ways must hash the same. */
static void test_hash_consistency(void **state)
{
	struct kld_prefix a = P("10.0.0.0/8"), b = P("10.0.0.0/16"), c;
	struct kld_prefix v4z = P("0.0.0.0/0"), v6z = P("::/0");

	assert_int_not_equal(kld_prefix_hash(&a), kld_prefix_hash(&b));
	assert_int_not_equal(kld_prefix_hash(&v4z), kld_prefix_hash(&v6z));
	assert_int_equal(kld_prefix_parse("10.77.1.1/8", &c, false), 0);
	assert_true(kld_prefix_eq(&a, &c));
	assert_int_equal(kld_prefix_hash(&a), kld_prefix_hash(&c));
	static const uint8_t ten[4] = { 10, 0, 0, 0 };

	assert_int_equal(kld_prefix_set(&c, AF_INET, ten, 8), 0);
	assert_int_equal(kld_prefix_hash(&a), kld_prefix_hash(&c));
}

/* 2^16 sequential /24s (the worst case for a weak hash) into 4096
 * buckets: a good hash keeps every bucket near the mean of 16. */
static void test_hash_distribution(void **state)
{
	enum { N = 65536, B = 4096 };
	unsigned *bucket = calloc(B, sizeof(*bucket));
	unsigned max = 0, hi8[256] = { 0 };
	uint64_t seed = 0x9e3779b97f4a7c15ull;

	assert_non_null(bucket);
	for (unsigned i = 0; i < N; i++) {
		struct kld_prefix p;
		uint8_t v4[4] = { 10, (uint8_t)(i >> 8), (uint8_t)i, 0 };
		uint32_t h;

		assert_int_equal(kld_prefix_set(&p, AF_INET, v4, 24), 0);
		h = kld_prefix_hash(&p);
		bucket[h % B]++;
		hi8[h >> 24]++;
	}
	for (unsigned i = 0; i < B; i++)
		max = bucket[i] > max ? bucket[i] : max;
	assert_true(max < 48);
	for (unsigned i = 0; i < 256; i++)
		assert_true(hi8[i] > 128 && hi8[i] < 384); /* top bits mix too */
	/* Random IPv6 /48../64: no full 32-bit collisions expected among 4096. */
	uint32_t hs[4096];

	for (unsigned i = 0; i < 4096; i++) {
		uint8_t v6[16];
		struct kld_prefix p;

		for (unsigned j = 0; j < 16; j += 8) {
			uint64_t r = rng_next(&seed);

			memcpy(v6 + j, &r, 8);
		}
		assert_int_equal(kld_prefix_set(&p, AF_INET6, v6, (uint8_t)(48 + i % 17)), 0);
		hs[i] = kld_prefix_hash(&p);
		for (unsigned j = 0; j < i; j++)
			assert_int_not_equal(hs[i], hs[j]);
	}
	free(bucket);
}

/* Text round trip on random prefixes: fmt then parse gives the same value. */
static void test_roundtrip_random(void **state)
{
	uint64_t seed = 12345;
	char buf[KLD_PREFIX_STRLEN];

	for (int i = 0; i < 20000; i++) {
		uint8_t bytes[16];
		uint8_t fam = (i & 1) ? AF_INET6 : AF_INET;
		struct kld_prefix p, q;

		for (unsigned j = 0; j < 16; j += 8) {
			uint64_t r = rng_next(&seed);

			memcpy(bytes + j, &r, 8);
		}
		if (fam == AF_INET6 && (i & 2))
			memset(bytes + 4, 0, 8); /* exercise "::" compression */
		uint8_t len = (uint8_t)(rng_next(&seed) % (kld_family_bits(fam) + 1));

		assert_int_equal(kld_prefix_set(&p, fam, bytes, len), 0);
		kld_prefix_fmt(&p, buf, sizeof(buf));
		assert_int_equal(kld_prefix_parse(buf, &q, true), 0);
		assert_true(kld_prefix_eq(&p, &q));
		assert_int_equal(memcmp(&p, &q, sizeof(p)), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_valid),
		cmocka_unit_test(test_parse_invalid),
		cmocka_unit_test(test_parse_host_bits),
		cmocka_unit_test(test_addr_parse_fmt),
		cmocka_unit_test(test_fmt_longest),
		cmocka_unit_test(test_family),
		cmocka_unit_test(test_set_and_convert),
		cmocka_unit_test(test_mask),
		cmocka_unit_test(test_contains),
		cmocka_unit_test(test_cmp_order),
		cmocka_unit_test(test_bit),
		cmocka_unit_test(test_hash_consistency),
		cmocka_unit_test(test_hash_distribution),
		cmocka_unit_test(test_roundtrip_random),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
