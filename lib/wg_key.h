/*
 * WireGuard key handling: Curve25519 private keys, public key derivation,
 * preshared keys, and the two text forms keys travel in (base64 in
 * configuration and `wg` output, lowercase hex on the userspace API socket).
 *
 * Keys are plain 32-byte arrays so they can live inside other structures
 * and be wiped with wg_key_wipe(). Every function that looks at key bytes
 * (encoders, decoders, comparisons) runs in time independent of the key
 * value: keys are secrets and the text forms pass through shared buffers.
 *
 * Decoders are strict: a base64 key is exactly 44 characters of the
 * standard alphabet ending in one '=' with the unused low bits zero, so
 * each key has exactly one accepted spelling (no aliasing of config lines).
 */
#ifndef WG_KEY_H
#define WG_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WG_KEY_SIZE 32
#define WG_KEY_B64_LEN 44 /* characters, without NUL */
#define WG_KEY_B64_SIZE (WG_KEY_B64_LEN + 1)
#define WG_KEY_HEX_LEN 64
#define WG_KEY_HEX_SIZE (WG_KEY_HEX_LEN + 1)

/* Initialise the crypto library; every function below calls it itself, so
 * calling it is only needed to surface a failure early. 0 or -1. */
int wg_key_init(void);

/* Apply the X25519 scalar clamping (RFC 7748 section 5) in place. */
void wg_key_clamp(uint8_t key[WG_KEY_SIZE]);

/* Fresh random private key, already clamped. 0 or -1. */
int wg_key_generate_private(uint8_t priv[WG_KEY_SIZE]);
/* Fresh random preshared key (uniform, not clamped). 0 or -1. */
int wg_key_generate_preshared(uint8_t psk[WG_KEY_SIZE]);
/* Public key = X25519(clamp(priv), 9). 0, or -1 if the result would be the
 * all-zero point (never for a real private key). pub may alias priv. */
int wg_key_public(uint8_t pub[WG_KEY_SIZE], const uint8_t priv[WG_KEY_SIZE]);

/* out gets 44 characters and a NUL. */
void wg_key_to_base64(char out[WG_KEY_B64_SIZE], const uint8_t key[WG_KEY_SIZE]);
/* Strict decode of a NUL-terminated string; key is untouched on failure.
 * 0 or -1. */
int wg_key_from_base64(uint8_t key[WG_KEY_SIZE], const char *b64);

/* out gets 64 lowercase hex digits and a NUL. */
void wg_key_to_hex(char out[WG_KEY_HEX_SIZE], const uint8_t key[WG_KEY_SIZE]);
/* Exactly 64 hex digits (either case), NUL-terminated. 0 or -1. */
int wg_key_from_hex(uint8_t key[WG_KEY_SIZE], const char *hex);
/* The same for a counted string (the UAPI parser works on slices). */
int wg_key_from_hex_n(uint8_t key[WG_KEY_SIZE], const char *hex, size_t len);

/* Constant-time comparisons. */
bool wg_key_equal(const uint8_t a[WG_KEY_SIZE], const uint8_t b[WG_KEY_SIZE]);
bool wg_key_is_zero(const uint8_t key[WG_KEY_SIZE]);

/* Zero memory in a way the compiler may not elide. */
void wg_key_wipe(void *p, size_t len);

#endif
