/*
 * IPv4/IPv6 addresses and prefixes.
 *
 * Both are stored in one fixed-size struct so that tables can hold them by
 * value; the address bytes are in network order. A prefix is always kept
 * canonical (host bits zero) once it has passed through kld_prefix_parse()
 * or kld_prefix_mask().
 */
#ifndef KLD_PREFIX_H
#define KLD_PREFIX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <netinet/in.h>

struct kld_addr {
	uint8_t family; /* AF_INET or AF_INET6; 0 means unset */
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} u;
};

struct kld_prefix {
	uint8_t family;
	uint8_t len;
	union {
		struct in_addr v4;
		struct in6_addr v6;
		uint8_t bytes[16];
	} u;
};

/* Longest text forms, including the terminating NUL. */
#define KLD_ADDR_STRLEN 46
#define KLD_PREFIX_STRLEN 50

/* Parse "192.0.2.1" / "2001:db8::1". Returns 0 or -1. */
int kld_addr_parse(const char *s, struct kld_addr *a);
/* Parse "192.0.2.0/24" / "2001:db8::/32". A bare address is a host prefix
 * (/32 or /128). Host bits set in the input are rejected (-1) when
 * strict is true and cleared when it is false. */
int kld_prefix_parse(const char *s, struct kld_prefix *p, bool strict);

/* An interface address: "10.0.0.1/24", host bits kept (the one place a
 * prefix is not canonical). Returns 0 or -1. */
int kld_ifaddr_parse(const char *s, struct kld_prefix *p);
void kld_ifaddr_from_addr(struct kld_prefix *p, const struct kld_addr *a, uint8_t len);

const char *kld_addr_fmt(const struct kld_addr *a, char *buf, size_t size);
const char *kld_prefix_fmt(const struct kld_prefix *p, char *buf, size_t size);

unsigned kld_family_bits(uint8_t family); /* 32, 128, or 0 */
size_t kld_family_bytes(uint8_t family);  /* 4, 16, or 0 */

void kld_prefix_mask(struct kld_prefix *p); /* clear host bits */
void kld_prefix_from_addr(struct kld_prefix *p, const struct kld_addr *a, uint8_t len);
void kld_addr_from_prefix(struct kld_addr *a, const struct kld_prefix *p);
/* Build from raw network-order bytes; returns -1 on bad family/length. */
int kld_prefix_set(struct kld_prefix *p, uint8_t family, const void *bytes, uint8_t len);
int kld_addr_set(struct kld_addr *a, uint8_t family, const void *bytes);
/* An address as a wire message carries it: 4 or 16 bytes, or none (len 0:
 * family 0, returns 0); -1 for another length. */
int kld_addr_from_bytes(struct kld_addr *a, const void *bytes, size_t len);

bool kld_addr_eq(const struct kld_addr *a, const struct kld_addr *b);
bool kld_prefix_eq(const struct kld_prefix *a, const struct kld_prefix *b);
/* Total order: family, then address bytes, then length. */
int kld_prefix_cmp(const struct kld_prefix *a, const struct kld_prefix *b);
int kld_addr_cmp(const struct kld_addr *a, const struct kld_addr *b);
/* Does outer contain inner (same family, outer->len <= inner->len, and the
 * first outer->len bits equal)? */
bool kld_prefix_contains(const struct kld_prefix *outer, const struct kld_prefix *inner);
bool kld_prefix_contains_addr(const struct kld_prefix *p, const struct kld_addr *a);
/* Bit i (0 = most significant of the first byte) of the address. */
int kld_prefix_bit(const struct kld_prefix *p, unsigned i);
uint32_t kld_prefix_hash(const struct kld_prefix *p);

#endif
