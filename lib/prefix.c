/*
 * IPv4/IPv6 addresses and prefixes.
 *
 * Parsing is deliberately stricter than inet_pton() callers usually are:
 * configuration and IPC input must have exactly one spelling per value, so
 * blanks, signs, leading zeros in the length, empty parts and trailing
 * characters are all refused rather than silently tolerated. Address text
 * itself is left to inet_pton(), whose IPv4 form is the four-part dotted
 * quad without leading zeros (no "10.1" or "010.0.0.1" shorthands).
 *
 * Canonical form: only the first kld_family_bytes() bytes of the address
 * carry information and the rest are kept zero, so equality, ordering and
 * hashing can all look at the same bytes and agree with each other. The
 * constructors also zero the struct padding, so values built here can be
 * compared with memcmp() or used as raw hash keys by other modules.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include "prefix.h"
#include "util.h"

unsigned kld_family_bits(uint8_t family)
{
	switch (family) {
	case AF_INET:
		return 32;
	case AF_INET6:
		return 128;
	default:
		return 0;
	}
}

size_t kld_family_bytes(uint8_t family)
{
	return kld_family_bits(family) / 8;
}

/* Bits [0, len) of a and b equal? */
static bool kld_bits_equal(const uint8_t *a, const uint8_t *b, unsigned len)
{
	unsigned whole = len / 8;
	unsigned rest = len % 8;

	if (memcmp(a, b, whole) != 0)
		return false;
	if (rest == 0)
		return true;
	uint8_t mask = (uint8_t)(0xff << (8 - rest));
	return ((a[whole] ^ b[whole]) & mask) == 0;
}

/* Address text -> family and bytes; the family follows from a ':'. */
static int kld_addr_text(const char *s, size_t n, uint8_t *family, uint8_t bytes[16])
{
	char tmp[INET6_ADDRSTRLEN];
	uint8_t fam;

	if (n == 0 || n >= sizeof(tmp))
		return -1;
	memcpy(tmp, s, n);
	tmp[n] = '\0';
	fam = memchr(tmp, ':', n) ? AF_INET6 : AF_INET;
	memset(bytes, 0, 16);
	if (inet_pton(fam, tmp, bytes) != 1)
		return -1;
	*family = fam;
	return 0;
}

/* Decimal length, no sign, no leading zero, at most 3 digits. */
static int kld_len_text(const char *s, unsigned *len)
{
	unsigned v = 0;
	size_t i;

	for (i = 0; s[i]; i++) {
		if (s[i] < '0' || s[i] > '9' || i >= 3)
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (i == 0 || (i > 1 && s[0] == '0'))
		return -1;
	*len = v;
	return 0;
}

int kld_addr_parse(const char *s, struct kld_addr *a)
{
	struct kld_addr tmp;

	if (!s || !a)
		return -1;
	memset(&tmp, 0, sizeof(tmp));
	if (kld_addr_text(s, strlen(s), &tmp.family, tmp.u.bytes) < 0)
		return -1;
	*a = tmp;
	return 0;
}

int kld_prefix_parse(const char *s, struct kld_prefix *p, bool strict)
{
	struct kld_prefix tmp;
	const char *slash;
	unsigned len;

	if (!s || !p)
		return -1;
	/* Padding too, so that whole structs can be compared or hashed. */
	memset(&tmp, 0, sizeof(tmp));
	slash = strchr(s, '/');
	if (kld_addr_text(s, slash ? (size_t)(slash - s) : strlen(s), &tmp.family,
			  tmp.u.bytes) < 0)
		return -1;
	len = kld_family_bits(tmp.family);
	if (slash && (kld_len_text(slash + 1, &len) < 0 || len > kld_family_bits(tmp.family)))
		return -1;
	tmp.len = (uint8_t)len;
	if (strict) {
		struct kld_prefix masked = tmp;

		kld_prefix_mask(&masked);
		if (!kld_prefix_eq(&masked, &tmp))
			return -1;
	}
	kld_prefix_mask(&tmp);
	*p = tmp;
	return 0;
}

/* Copy src into buf, truncating; never returns NULL so it can feed %s. */
static const char *kld_fmt_out(const char *src, char *buf, size_t size)
{
	if (!buf || size == 0)
		return "";
	snprintf(buf, size, "%s", src);
	return buf;
}

const char *kld_addr_fmt(const struct kld_addr *a, char *buf, size_t size)
{
	char tmp[KLD_ADDR_STRLEN];

	if (!a || !kld_family_bits(a->family) || !inet_ntop(a->family, a->u.bytes, tmp, sizeof(tmp)))
		return kld_fmt_out("(unset)", buf, size);
	return kld_fmt_out(tmp, buf, size);
}

const char *kld_prefix_fmt(const struct kld_prefix *p, char *buf, size_t size)
{
	char addr[KLD_ADDR_STRLEN];
	char tmp[KLD_PREFIX_STRLEN];

	if (!p || !kld_family_bits(p->family) || !inet_ntop(p->family, p->u.bytes, addr, sizeof(addr)))
		return kld_fmt_out("(unset)", buf, size);
	snprintf(tmp, sizeof(tmp), "%s/%u", addr, (unsigned)p->len);
	return kld_fmt_out(tmp, buf, size);
}

void kld_prefix_mask(struct kld_prefix *p)
{
	unsigned bits = kld_family_bits(p->family);
	unsigned whole, rest;

	if (p->len > bits)
		p->len = (uint8_t)bits;
	whole = p->len / 8;
	rest = p->len % 8;
	if (rest) {
		p->u.bytes[whole] &= (uint8_t)(0xff << (8 - rest));
		whole++;
	}
	memset(p->u.bytes + whole, 0, sizeof(p->u.bytes) - whole);
}

void kld_prefix_from_addr(struct kld_prefix *p, const struct kld_addr *a, uint8_t len)
{
	memset(p, 0, sizeof(*p));
	p->family = a->family;
	p->len = len;
	memcpy(p->u.bytes, a->u.bytes, kld_family_bytes(a->family));
	kld_prefix_mask(p);
}

void kld_addr_from_prefix(struct kld_addr *a, const struct kld_prefix *p)
{
	size_t n = kld_family_bytes(p->family);

	memset(a, 0, sizeof(*a));
	a->family = p->family;
	memcpy(a->u.bytes, p->u.bytes, n);
}

int kld_prefix_set(struct kld_prefix *p, uint8_t family, const void *bytes, uint8_t len)
{
	size_t n = kld_family_bytes(family);

	if (n == 0 || !bytes || len > kld_family_bits(family))
		return -1;
	memset(p, 0, sizeof(*p));
	p->family = family;
	p->len = len;
	memcpy(p->u.bytes, bytes, n);
	kld_prefix_mask(p);
	return 0;
}

int kld_addr_set(struct kld_addr *a, uint8_t family, const void *bytes)
{
	size_t n = kld_family_bytes(family);

	if (n == 0 || !bytes)
		return -1;
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->u.bytes, bytes, n);
	return 0;
}

int kld_addr_from_bytes(struct kld_addr *a, const void *bytes, size_t len)
{
	memset(a, 0, sizeof(*a));
	if (!len)
		return 0;
	if (len != 4 && len != 16)
		return -1;
	return kld_addr_set(a, len == 4 ? AF_INET : AF_INET6, bytes);
}

bool kld_addr_eq(const struct kld_addr *a, const struct kld_addr *b)
{
	return kld_addr_cmp(a, b) == 0;
}

bool kld_prefix_eq(const struct kld_prefix *a, const struct kld_prefix *b)
{
	return kld_prefix_cmp(a, b) == 0;
}

int kld_prefix_cmp(const struct kld_prefix *a, const struct kld_prefix *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->u.bytes, b->u.bytes, kld_family_bytes(a->family));
	if (r)
		return r < 0 ? -1 : 1;
	if (a->len != b->len)
		return a->len < b->len ? -1 : 1;
	return 0;
}

int kld_addr_cmp(const struct kld_addr *a, const struct kld_addr *b)
{
	int r;

	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	r = memcmp(a->u.bytes, b->u.bytes, kld_family_bytes(a->family));
	return r < 0 ? -1 : r > 0;
}

bool kld_prefix_contains(const struct kld_prefix *outer, const struct kld_prefix *inner)
{
	if (outer->family != inner->family || outer->len > inner->len)
		return false;
	if (outer->len > kld_family_bits(outer->family))
		return false;
	return kld_bits_equal(outer->u.bytes, inner->u.bytes, outer->len);
}

bool kld_prefix_contains_addr(const struct kld_prefix *p, const struct kld_addr *a)
{
	if (p->family != a->family || p->len > kld_family_bits(p->family))
		return false;
	return kld_bits_equal(p->u.bytes, a->u.bytes, p->len);
}

/* Bits past the end of the address read as 0, like the zero padding a
 * canonical prefix carries, so callers need no separate error path. */
int kld_prefix_bit(const struct kld_prefix *p, unsigned i)
{
	if (i >= kld_family_bits(p->family))
		return 0;
	return (p->u.bytes[i / 8] >> (7 - i % 8)) & 1;
}


/* Hashes exactly what kld_prefix_cmp() compares, so eq implies equal hash. */
uint32_t kld_prefix_hash(const struct kld_prefix *p)
{
	size_t n = kld_family_bytes(p->family);
	uint32_t h = 0x6b6c646eu; /* "kldn" */
	size_t i;

	h = kld_hash_block(h, (uint32_t)p->family << 8 | p->len);
	for (i = 0; i < n; i += 4) {
		uint32_t k;

		memcpy(&k, p->u.bytes + i, 4);
		h = kld_hash_block(h, k);
	}
	return kld_hash_final(h ^ (uint32_t)(n + 2));
}

int kld_ifaddr_parse(const char *s, struct kld_prefix *p)
{
	const char *slash = strchr(s, '/');
	char addr[KLD_ADDR_STRLEN];
	struct kld_addr a;

	if (!slash || (size_t)(slash - s) >= sizeof(addr) || kld_prefix_parse(s, p, false) < 0)
		return -1;
	memcpy(addr, s, (size_t)(slash - s));
	addr[slash - s] = '\0';
	if (kld_addr_parse(addr, &a) < 0)
		return -1;
	kld_ifaddr_from_addr(p, &a, p->len);
	return 0;
}

void kld_ifaddr_from_addr(struct kld_prefix *p, const struct kld_addr *a, uint8_t len)
{
	memset(p, 0, sizeof(*p));
	p->family = a->family;
	p->len = len;
	memcpy(p->u.bytes, a->u.bytes, kld_family_bytes(a->family));
}
