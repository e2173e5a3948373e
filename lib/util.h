/* Small helpers used everywhere; nothing here allocates or logs. */
#ifndef KLD_UTIL_H
#define KLD_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define KLD_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KLD_CONTAINER_OF(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define KLD_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KLD_MAX(a, b) ((a) > (b) ? (a) : (b))
#define KLD_UNUSED __attribute__((unused))

/* MurmurHash3 (x86_32) steps, for the hash tables of every daemon: mix
 * 32-bit blocks in with kld_hash_block, end with kld_hash_final (the
 * algorithm is public domain). */
static inline uint32_t kld_rotl32(uint32_t x, unsigned r)
{
	return (x << r) | (x >> (32 - r));
}

static inline uint32_t kld_hash_block(uint32_t h, uint32_t k)
{
	k *= 0xcc9e2d51u;
	k = kld_rotl32(k, 15);
	k *= 0x1b873593u;
	h ^= k;
	h = kld_rotl32(h, 13);
	return h * 5 + 0xe6546b64u;
}

static inline uint32_t kld_hash_final(uint32_t h)
{
	h ^= h >> 16;
	h *= 0x85ebca6bu;
	h ^= h >> 13;
	h *= 0xc2b2ae35u;
	h ^= h >> 16;
	return h;
}

/* Allocation failure is not a condition a routing daemon can recover from
 * meaningfully; abort loudly instead of threading NULL checks everywhere. */
void *kld_xmalloc(size_t n);
void *kld_xcalloc(size_t n, size_t size);
void *kld_xrealloc(void *p, size_t n);
char *kld_xstrdup(const char *s);

/* The lists of named objects every daemon keeps (interfaces, planes,
 * meshes): a struct with a `next` pointer and a `name` array. Finds NAME,
 * or with CREATE appends a zeroed object with that name; NULL otherwise. */
void *kld_named_get(void *headp, size_t next_off, size_t name_off, size_t name_size,
		    size_t size, const char *name, bool create);
#define KLD_NAMED_GET(headp, type, key, create)                                            \
	((type *)kld_named_get((headp), offsetof(type, next), offsetof(type, name),        \
			       sizeof(((type *)0)->name), sizeof(type), (key), (create)))

#endif
