/*
 * WireGuard keys on top of libsodium.
 *
 * libsodium supplies the parts that must be right and fast: the X25519
 * base-point multiplication, the system CSPRNG and a memory wipe the
 * compiler cannot drop. The text encodings are written here because they
 * must be both strict (one spelling per key) and branch-free on key
 * material: character classes are computed with arithmetic masks rather
 * than table lookups or comparisons, so timing and cache traces do not
 * depend on the key. Decoders fold every error into one accumulator and
 * decide only at the end.
 */
#include <string.h>
#include <sodium.h>

#include "wg_key.h"

int wg_key_init(void)
{
	return sodium_init() < 0 ? -1 : 0;
}

void wg_key_clamp(uint8_t key[WG_KEY_SIZE])
{
	key[0] &= 248;
	key[31] &= 127;
	key[31] |= 64;
}

int wg_key_generate_private(uint8_t priv[WG_KEY_SIZE])
{
	if (wg_key_init() < 0)
		return -1;
	randombytes_buf(priv, WG_KEY_SIZE);
	wg_key_clamp(priv);
	return 0;
}

int wg_key_generate_preshared(uint8_t psk[WG_KEY_SIZE])
{
	if (wg_key_init() < 0)
		return -1;
	randombytes_buf(psk, WG_KEY_SIZE);
	return 0;
}

int wg_key_public(uint8_t pub[WG_KEY_SIZE], const uint8_t priv[WG_KEY_SIZE])
{
	uint8_t scalar[WG_KEY_SIZE];
	int ret;

	if (wg_key_init() < 0)
		return -1;
	/* libsodium clamps too; clamping a copy here keeps the result
	 * independent of that detail and lets pub alias priv. */
	memcpy(scalar, priv, WG_KEY_SIZE);
	wg_key_clamp(scalar);
	ret = crypto_scalarmult_curve25519_base(pub, scalar);
	sodium_memzero(scalar, sizeof(scalar));
	return ret == 0 ? 0 : -1;
}

/* 6-bit value to a character of the standard alphabet, without branches:
 * each "(limit - v) >> 8" is all ones exactly when v is past limit. */
static char b64_char(unsigned v)
{
	int x = (int)v;

	return (char)('A' + x + (((25 - x) >> 8) & 6) + (((51 - x) >> 8) & -75) +
		      (((61 - x) >> 8) & -15) + (((62 - x) >> 8) & 3));
}

/* Character to its 6-bit value, or -1; "((lo - 1 - c) & (c - hi - 1)) >> 8"
 * is all ones exactly when lo <= c <= hi. */
static int b64_value(unsigned char ch)
{
	int c = ch, v = -1;

	v += (((64 - c) & (c - 91)) >> 8) & (c - 64);  /* A-Z -> 0..25 */
	v += (((96 - c) & (c - 123)) >> 8) & (c - 70); /* a-z -> 26..51 */
	v += (((47 - c) & (c - 58)) >> 8) & (c + 5);   /* 0-9 -> 52..61 */
	v += (((42 - c) & (c - 44)) >> 8) & 63;	       /* + -> 62 */
	v += (((46 - c) & (c - 48)) >> 8) & 64;	       /* / -> 63 */
	return v;
}

void wg_key_to_base64(char out[WG_KEY_B64_SIZE], const uint8_t key[WG_KEY_SIZE])
{
	unsigned i, w;

	for (i = 0; i < WG_KEY_SIZE / 3; i++) {
		w = (unsigned)key[i * 3] << 16 | (unsigned)key[i * 3 + 1] << 8 | key[i * 3 + 2];
		out[i * 4 + 0] = b64_char(w >> 18 & 63);
		out[i * 4 + 1] = b64_char(w >> 12 & 63);
		out[i * 4 + 2] = b64_char(w >> 6 & 63);
		out[i * 4 + 3] = b64_char(w & 63);
	}
	/* 32 = 10 * 3 + 2: the last group carries 16 bits in 3 characters. */
	w = (unsigned)key[30] << 16 | (unsigned)key[31] << 8;
	out[40] = b64_char(w >> 18 & 63);
	out[41] = b64_char(w >> 12 & 63);
	out[42] = b64_char(w >> 6 & 63);
	out[43] = '=';
	out[44] = '\0';
}

int wg_key_from_base64(uint8_t key[WG_KEY_SIZE], const char *b64)
{
	uint8_t tmp[WG_KEY_SIZE];
	int bad = 0, a, b, c, d;
	unsigned i, w;

	if (!b64 || strnlen(b64, WG_KEY_B64_SIZE) != WG_KEY_B64_LEN ||
	    b64[WG_KEY_B64_LEN - 1] != '=')
		return -1;
	for (i = 0; i < WG_KEY_SIZE / 3; i++) {
		a = b64_value((unsigned char)b64[i * 4]);
		b = b64_value((unsigned char)b64[i * 4 + 1]);
		c = b64_value((unsigned char)b64[i * 4 + 2]);
		d = b64_value((unsigned char)b64[i * 4 + 3]);
		bad |= a | b | c | d; /* any -1 sets the sign bit */
		w = (unsigned)(a & 63) << 18 | (unsigned)(b & 63) << 12 | (unsigned)(c & 63) << 6 |
		    (unsigned)(d & 63);
		tmp[i * 3] = (uint8_t)(w >> 16);
		tmp[i * 3 + 1] = (uint8_t)(w >> 8);
		tmp[i * 3 + 2] = (uint8_t)w;
	}
	a = b64_value((unsigned char)b64[40]);
	b = b64_value((unsigned char)b64[41]);
	c = b64_value((unsigned char)b64[42]);
	bad |= a | b | c;
	bad |= -(c & 3); /* unused low bits must be zero: canonical form */
	w = (unsigned)(a & 63) << 18 | (unsigned)(b & 63) << 12 | (unsigned)(c & 63) << 6;
	tmp[30] = (uint8_t)(w >> 16);
	tmp[31] = (uint8_t)(w >> 8);
	if (bad < 0) {
		sodium_memzero(tmp, sizeof(tmp));
		return -1;
	}
	memcpy(key, tmp, WG_KEY_SIZE);
	sodium_memzero(tmp, sizeof(tmp));
	return 0;
}

void wg_key_to_hex(char out[WG_KEY_HEX_SIZE], const uint8_t key[WG_KEY_SIZE])
{
	unsigned i;
	int n;

	for (i = 0; i < WG_KEY_SIZE; i++) {
		n = key[i] >> 4;
		out[i * 2] = (char)(87 + n + (((n - 10) >> 8) & -39));
		n = key[i] & 15;
		out[i * 2 + 1] = (char)(87 + n + (((n - 10) >> 8) & -39));
	}
	out[WG_KEY_HEX_LEN] = '\0';
}

/* Hex digit to 0..15, or -1. */
static int hex_value(unsigned char ch)
{
	int c = ch, l = ch | 0x20, v = -1;

	v += (((47 - c) & (c - 58)) >> 8) & (c - 47);  /* 0-9 */
	v += (((96 - l) & (l - 103)) >> 8) & (l - 86); /* a-f, A-F */
	return v;
}

int wg_key_from_hex_n(uint8_t key[WG_KEY_SIZE], const char *hex, size_t len)
{
	uint8_t tmp[WG_KEY_SIZE];
	int bad = 0, hi, lo;
	unsigned i;

	if (!hex || len != WG_KEY_HEX_LEN)
		return -1;
	for (i = 0; i < WG_KEY_SIZE; i++) {
		hi = hex_value((unsigned char)hex[i * 2]);
		lo = hex_value((unsigned char)hex[i * 2 + 1]);
		bad |= hi | lo;
		tmp[i] = (uint8_t)((hi & 15) << 4 | (lo & 15));
	}
	if (bad < 0) {
		sodium_memzero(tmp, sizeof(tmp));
		return -1;
	}
	memcpy(key, tmp, WG_KEY_SIZE);
	sodium_memzero(tmp, sizeof(tmp));
	return 0;
}

int wg_key_from_hex(uint8_t key[WG_KEY_SIZE], const char *hex)
{
	if (!hex)
		return -1;
	return wg_key_from_hex_n(key, hex, strnlen(hex, WG_KEY_HEX_SIZE));
}

bool wg_key_equal(const uint8_t a[WG_KEY_SIZE], const uint8_t b[WG_KEY_SIZE])
{
	return sodium_memcmp(a, b, WG_KEY_SIZE) == 0;
}

bool wg_key_is_zero(const uint8_t key[WG_KEY_SIZE])
{
	return sodium_is_zero(key, WG_KEY_SIZE) == 1;
}

void wg_key_wipe(void *p, size_t len)
{
	sodium_memzero(p, len);
}
