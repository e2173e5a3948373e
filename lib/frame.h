/*
 * Framing: every message on every kldnet socket is a 4-byte big-endian
 * length followed by a protobuf-c encoded kld.Envelope. These functions are
 * pure (no I/O) so that they can be unit-tested and fuzzed.
 */
#ifndef KLD_FRAME_H
#define KLD_FRAME_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "proto/envelope.pb-c.h"

#define KLD_FRAME_HDR 4
/* Large enough for a full `show` output or a 10,000-peer WireGuard set. */
#define KLD_FRAME_MAX_DEFAULT (64u << 20)

enum kld_frame_state {
	KLD_FRAME_NEED_MORE = 0,
	KLD_FRAME_READY = 1,
	KLD_FRAME_TOO_BIG = -1,
	KLD_FRAME_EMPTY = -2, /* a zero length: no Envelope is empty on the wire */
};

/* Look at buffered bytes. On READY, *body_len is the length of the message
 * that follows the 4-byte header. */
enum kld_frame_state kld_frame_check(const uint8_t *buf, size_t len, size_t max,
				     size_t *body_len);

/* Encode header + message into a malloc'd buffer. */
uint8_t *kld_frame_encode(const Kld__Envelope *env, size_t *len);

/* Decode and validate a body. Returns NULL with a reason when the bytes do
 * not decode, when the body is missing, or when an enum holds a value this
 * build does not know. Free with kld_frame_free(). */
Kld__Envelope *kld_frame_decode(const uint8_t *body, size_t len, const char **reason);
/* Frees; messages that may carry secrets (the WireGuard range: private and
 * preshared keys) have their string and bytes fields wiped first. */
void kld_frame_free(Kld__Envelope *env);
#define KLD_FRAME_SECRET_FIRST 60
#define KLD_FRAME_SECRET_LAST 79

/* Name of the body case for logs ("route_add"). */
const char *kld_frame_body_name(const Kld__Envelope *env);

#endif
