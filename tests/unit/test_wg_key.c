/*
 * lib/wg_key: X25519 against RFC 7748's vectors and against `wg pubkey`,
 * and the strictness of the base64/hex decoders.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <sodium.h>

#include "wg_key.h"

static void from_hex(uint8_t out[WG_KEY_SIZE], const char *hex)
{
	assert_int_equal(wg_key_from_hex(out, hex), 0);
}

/* RFC 7748 section 6.1: Alice's and Bob's key pairs and shared secret. */
static void test_rfc7748_public(void **state)
{
	uint8_t a_priv[32], b_priv[32], a_pub[32], b_pub[32], want[32], k1[32], k2[32];

	(void)state;
	from_hex(a_priv, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
	from_hex(b_priv, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
	assert_int_equal(wg_key_public(a_pub, a_priv), 0);
	from_hex(want, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a");
	assert_memory_equal(a_pub, want, 32);
	assert_int_equal(wg_key_public(b_pub, b_priv), 0);
	from_hex(want, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f");
	assert_memory_equal(b_pub, want, 32);

	/* The derived public keys agree on the shared secret. */
	assert_int_equal(crypto_scalarmult_curve25519(k1, a_priv, b_pub), 0);
	assert_int_equal(crypto_scalarmult_curve25519(k2, b_priv, a_pub), 0);
	from_hex(want, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742");
	assert_memory_equal(k1, want, 32);
	assert_memory_equal(k2, want, 32);
}

/* RFC 7748 section 5.2: the iterated X25519 vector, 1 and 1000 rounds,
 * with k and u starting at the base point. */
static void test_rfc7748_iterated(void **state)
{
	uint8_t k[32] = {9}, u[32] = {9}, r[32], want[32];
	int i;

	(void)state;
	for (i = 1; i <= 1000; i++) {
		assert_int_equal(crypto_scalarmult_curve25519(r, k, u), 0);
		memcpy(u, k, 32);
		memcpy(k, r, 32);
		if (i == 1) {
			from_hex(
			    want,
			    "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079");
			assert_memory_equal(k, want, 32);
			/* The base-point form used by wg_key_public agrees. */
			memset(u, 0, 32);
			u[0] = 9;
			assert_int_equal(wg_key_public(r, u), 0);
			assert_memory_equal(r, want, 32);
			memset(u, 0, 32);
			u[0] = 9;
		}
	}
	from_hex(want, "684cf59ba83309552800ef566f2f4d3c1c3887c49360e3875f2eb94d99532c51");
	assert_memory_equal(k, want, 32);
}

static void test_generate(void **state)
{
	uint8_t a[32], b[32], psk[32], pub[32];

	(void)state;
	assert_int_equal(wg_key_generate_private(a), 0);
	assert_int_equal(wg_key_generate_private(b), 0);
	assert_false(wg_key_equal(a, b));
	/* Clamped. */
	assert_int_equal(a[0] & 7, 0);
	assert_int_equal(a[31] & 0x80, 0);
	assert_int_equal(a[31] & 0x40, 0x40);
	assert_int_equal(wg_key_generate_preshared(psk), 0);
	assert_false(wg_key_is_zero(psk));
	/* Public key of an unclamped key equals that of its clamped form. */
	memcpy(b, a, 32);
	b[0] |= 7;
	b[31] |= 0x80;
	assert_int_equal(wg_key_public(pub, b), 0);
	assert_int_equal(wg_key_public(b, a), 0); /* and in place aliasing works */
	assert_memory_equal(pub, b, 32);
}

static void test_clamp(void **state)
{
	uint8_t k[32];

	(void)state;
	memset(k, 0xff, sizeof(k));
	wg_key_clamp(k);
	assert_int_equal(k[0], 0xf8);
	assert_int_equal(k[31], 0x7f);
	memset(k, 0, sizeof(k));
	wg_key_clamp(k);
	assert_int_equal(k[0], 0);
	assert_int_equal(k[31], 0x40);
}

static int run_capture(const char *cmd, char *out, size_t size)
{
	FILE *f = popen(cmd, "r");
	size_t n;

	if (!f)
		return -1;
	n = fread(out, 1, size - 1, f);
	out[n] = '\0';
	if (pclose(f) != 0)
		return -1;
	while (n && (out[n - 1] == '\n' || out[n - 1] == '\r'))
		out[--n] = '\0';
	return 0;
}

/* `wg` is the judge: it must derive the same public key from our private
 * key, and we the same from its. */
static void test_against_wg(void **state)
{
	char b64[WG_KEY_B64_SIZE], cmd[512], out[256];
	uint8_t priv[32], pub[32], theirs[32];
	int i;

	(void)state;
	if (access("/usr/bin/wg", X_OK) != 0)
		skip();
	for (i = 0; i < 4; i++) {
		assert_int_equal(wg_key_generate_private(priv), 0);
		wg_key_to_base64(b64, priv);
		snprintf(cmd, sizeof(cmd), "printf '%%s\\n' '%s' | wg pubkey", b64);
		assert_int_equal(run_capture(cmd, out, sizeof(out)), 0);
		assert_int_equal(wg_key_public(pub, priv), 0);
		wg_key_to_base64(b64, pub);
		assert_string_equal(out, b64);
	}
	assert_int_equal(run_capture("wg genkey", out, sizeof(out)), 0);
	assert_int_equal(wg_key_from_base64(priv, out), 0);
	snprintf(cmd, sizeof(cmd), "printf '%%s\\n' '%s' | wg pubkey", out);
	assert_int_equal(run_capture(cmd, out, sizeof(out)), 0);
	assert_int_equal(wg_key_from_base64(theirs, out), 0);
	assert_int_equal(wg_key_public(pub, priv), 0);
	assert_memory_equal(pub, theirs, 32);
	/* wg genpsk output decodes too. */
	assert_int_equal(run_capture("wg genpsk", out, sizeof(out)), 0);
	assert_int_equal(wg_key_from_base64(theirs, out), 0);
}

static void test_base64_known(void **state)
{
	uint8_t k[32], back[32];
	char b64[WG_KEY_B64_SIZE];
	int i;

	(void)state;
	memset(k, 0, sizeof(k));
	wg_key_to_base64(b64, k);
	assert_string_equal(b64, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=");
	memset(k, 0xff, sizeof(k));
	wg_key_to_base64(b64, k);
	assert_string_equal(b64, "//////////////////////////////////////////8=");
	for (i = 0; i < 32; i++)
		k[i] = (uint8_t)(i * 8 + 3);
	wg_key_to_base64(b64, k);
	/* python3 -c 'import base64;print(base64.b64encode(bytes(i*8+3 for i in range(32))))' */
	assert_string_equal(b64, "AwsTGyMrMztDS1NbY2tze4OLk5ujq7O7w8vT2+Pr8/s=");
	assert_int_equal(wg_key_from_base64(back, b64), 0);
	assert_memory_equal(back, k, 32);
	for (i = 0; i < 200; i++) {
		randombytes_buf(k, sizeof(k));
		wg_key_to_base64(b64, k);
		assert_int_equal(strlen(b64), 44);
		assert_int_equal(wg_key_from_base64(back, b64), 0);
		assert_memory_equal(back, k, 32);
	}
}

static void test_base64_strict(void **state)
{
	static const char *const bad[] = {
	    "",
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",   /* 43 */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", /* 45 */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA",  /* no padding */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==",  /* two pads */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAB=",  /* low bits set */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAD=",  /* low bits set */
	    "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA ",  /* space for pad */
	    "AAAAAAAAAAAAAAAAAAAA=AAAAAAAAAAAAAAAAAAAAAA=",  /* pad inside */
	    "AAAAAAAAAAAAAAAAAAAA-AAAAAAAAAAAAAAAAAAAAAA=",  /* url alphabet */
	    "AAAAAAAAAAAAAAAAAAAA_AAAAAAAAAAAAAAAAAAAAAA=",
	    "AAAAAAAAAAAAAAAAAAAA AAAAAAAAAAAAAAAAAAAAAA=",
	    "AAAAAAAAAAAAAAAAAAAA\nAAAAAAAAAAAAAAAAAAAAAA=",
	    "AAAAAAAAAAAAAAAAAAAA.AAAAAAAAAAAAAAAAAAAAAA=",
	    "AAAAAAAAAAAAAAAAAAAA\xc3\xa9"
	    "AAAAAAAAAAAAAAAAAAAAA=",
	    " AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=",
	};
	uint8_t k[32], orig[32];
	size_t i;

	(void)state;
	memset(orig, 0x5a, sizeof(orig));
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memcpy(k, orig, 32);
		if (wg_key_from_base64(k, bad[i]) == 0)
			fail_msg("accepted bad key #%zu '%s'", i, bad[i]);
		assert_memory_equal(k, orig, 32); /* untouched on failure */
	}
	assert_int_equal(wg_key_from_base64(k, NULL), -1);
	/* The canonical last characters are accepted: A, E, I, ... */
	assert_int_equal(wg_key_from_base64(k, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAE="), 0);
	assert_int_equal(k[31], 1);
	assert_int_equal(wg_key_from_base64(k, "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA8="), 0);
	assert_int_equal(k[31], 0x0f);
	/* Every alphabet character decodes in a valid position. */
	assert_int_equal(wg_key_from_base64(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopq="), -1);
	assert_int_equal(wg_key_from_base64(k, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopo="), 0);
	assert_int_equal(wg_key_from_base64(k, "rstuvwxyz0123456789+/ABCDEFGHIJKLMNOPQRSTUU="), 0);
}

static void test_hex(void **state)
{
	uint8_t k[32], back[32], orig[32];
	char hex[WG_KEY_HEX_SIZE];
	int i;

	(void)state;
	for (i = 0; i < 32; i++)
		k[i] = (uint8_t)(i * 7 + 0xa0);
	wg_key_to_hex(hex, k);
	assert_string_equal(hex,
			    "a0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b7279");
	assert_int_equal(wg_key_from_hex(back, hex), 0);
	assert_memory_equal(back, k, 32);
	assert_int_equal(
	    wg_key_from_hex(back,
			    "A0A7AEB5BCC3CAD1D8DFE6EDF4FB020910171E252C333A41484F565D646B7279"),
	    0);
	assert_memory_equal(back, k, 32);
	memset(orig, 0x11, 32);
	memcpy(back, orig, 32);
	assert_int_equal(wg_key_from_hex(back, "a0a7"), -1);
	assert_int_equal(
	    wg_key_from_hex(back,
			    "a0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b727"),
	    -1);
	assert_int_equal(
	    wg_key_from_hex(back,
			    "a0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b72799"),
	    -1);
	assert_int_equal(
	    wg_key_from_hex(back,
			    "g0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b7279"),
	    -1);
	assert_int_equal(
	    wg_key_from_hex(back,
			    "a0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b72 9"),
	    -1);
	assert_int_equal(
	    wg_key_from_hex(back,
			    "a0a7aeb5bcc3cad1d8dfe6edf4fb020910171e252c333a41484f565d646b72:9"),
	    -1);
	assert_memory_equal(back, orig, 32);
}

static void test_compare_wipe(void **state)
{
	uint8_t a[32], b[32];

	(void)state;
	memset(a, 0, 32);
	assert_true(wg_key_is_zero(a));
	a[31] = 1;
	assert_false(wg_key_is_zero(a));
	memcpy(b, a, 32);
	assert_true(wg_key_equal(a, b));
	b[0] ^= 0x80;
	assert_false(wg_key_equal(a, b));
	wg_key_wipe(b, 32);
	memset(a, 0, 32);
	assert_memory_equal(a, b, 32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc7748_public), cmocka_unit_test(test_rfc7748_iterated),
	    cmocka_unit_test(test_generate),	   cmocka_unit_test(test_clamp),
	    cmocka_unit_test(test_against_wg),	   cmocka_unit_test(test_base64_known),
	    cmocka_unit_test(test_base64_strict),  cmocka_unit_test(test_hex),
	    cmocka_unit_test(test_compare_wipe),
	};

	if (wg_key_init() < 0)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
