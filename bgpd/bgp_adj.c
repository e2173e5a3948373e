/*
 * Adj-RIB-Out: what one peer was last sent, prefix -> interned attribute
 * set.
 *
 * Every announced prefix has an entry for every peer it went to, so this is
 * one of the biggest tables in the daemon. IPv4 entries live in an
 * open-addressing hash table of 16-byte slots (address, length, the set
 * pointer) kept between 3/8 and 3/4 full: 21 to 43 bytes per prefix, where
 * a trie costs 64 (a leaf plus an internal node). IPv6 uses the trie; its
 * tables are much smaller.
 *
 * Deleted slots become tombstones so probe chains stay intact; the table is
 * rebuilt when tombstones and entries together pass the load limit.
 */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "bgpd.h"

#define ADJ_EMPTY 0
#define ADJ_USED 1
#define ADJ_TOMB 2

struct bgp_adj_slot {
	uint32_t addr;
	uint8_t len;
	uint8_t state;
	const struct bgp_attrs *a;
};

struct bgp_adj {
	uint8_t family;
	struct kld_trie *trie; /* IPv6 */
	struct bgp_adj_slot *slot;
	size_t cap, n, tombs;
};

struct bgp_adj *bgp_adj_new(uint8_t family)
{
	struct bgp_adj *t = kld_xcalloc(1, sizeof(*t));

	t->family = family;
	if (family != AF_INET)
		t->trie = kld_trie_new(family);
	return t;
}

static uint32_t bgp_adj_hash(uint32_t addr, uint8_t len)
{
	uint64_t k = ((uint64_t)addr << 8 | len) * 0x9E3779B97F4A7C15ull;

	return (uint32_t)(k >> 32);
}

static uint32_t bgp_adj_key(const struct kld_prefix *p)
{
	return ntohl(p->u.v4.s_addr);
}

static struct bgp_adj_slot *bgp_adj_find(const struct bgp_adj *t, uint32_t addr, uint8_t len,
					 struct bgp_adj_slot **free_slot)
{
	size_t mask = t->cap - 1, i;

	if (free_slot)
		*free_slot = NULL;
	if (!t->cap)
		return NULL;
	for (i = bgp_adj_hash(addr, len) & mask;; i = (i + 1) & mask) {
		struct bgp_adj_slot *s = &t->slot[i];

		if (s->state == ADJ_EMPTY) {
			if (free_slot && !*free_slot)
				*free_slot = s;
			return NULL;
		}
		if (s->state == ADJ_TOMB) {
			if (free_slot && !*free_slot)
				*free_slot = s;
			continue;
		}
		if (s->addr == addr && s->len == len)
			return s;
	}
}

static void bgp_adj_grow(struct bgp_adj *t)
{
	struct bgp_adj_slot *old = t->slot;
	size_t oldcap = t->cap;

	if ((t->n + 1) * 2 > t->cap)
		t->cap = t->cap ? t->cap * 2 : 64;
	t->slot = kld_xcalloc(t->cap, sizeof(*t->slot));
	t->tombs = 0;
	for (size_t i = 0; i < oldcap; i++) {
		struct bgp_adj_slot *f;

		if (old[i].state != ADJ_USED)
			continue;
		bgp_adj_find(t, old[i].addr, old[i].len, &f);
		*f = old[i];
	}
	free(old);
}

/* Start loading p's first probe slot: the work queue looks up one prefix
 * in every group's table in turn, and the loads then overlap. */
void bgp_adj_prefetch(const struct bgp_adj *t, const struct kld_prefix *p)
{
	if (t->cap)
		__builtin_prefetch(&t->slot[bgp_adj_hash(bgp_adj_key(p), p->len) & (t->cap - 1)]);
}

const struct bgp_attrs *bgp_adj_get(const struct bgp_adj *t, const struct kld_prefix *p)
{
	struct bgp_adj_slot *s;

	if (t->trie)
		return kld_trie_lookup(t->trie, p);
	s = bgp_adj_find(t, bgp_adj_key(p), p->len, NULL);
	return s ? s->a : NULL;
}

/* Store a (NULL deletes); returns the set that was there (the caller
 * drops its reference). */
const struct bgp_attrs *bgp_adj_set(struct bgp_adj *t, const struct kld_prefix *p,
				    const struct bgp_attrs *a)
{
	struct bgp_adj_slot *s, *f;
	const struct bgp_attrs *old;
	uint32_t addr = bgp_adj_key(p);

	if (t->trie)
		return a ? kld_trie_insert(t->trie, p, (void *)a) : kld_trie_delete(t->trie, p);
	s = bgp_adj_find(t, addr, p->len, &f);
	if (s) {
		old = s->a;
		if (a) {
			s->a = a;
		} else {
			s->state = ADJ_TOMB;
			s->a = NULL;
			t->n--;
			t->tombs++;
		}
		return old;
	}
	if (!a)
		return NULL;
	if ((t->n + t->tombs + 1) * 4 > t->cap * 3) {
		bgp_adj_grow(t);
		bgp_adj_find(t, addr, p->len, &f);
	}
	if (f->state == ADJ_TOMB)
		t->tombs--;
	f->addr = addr;
	f->len = p->len;
	f->state = ADJ_USED;
	f->a = a;
	t->n++;
	return NULL;
}

size_t bgp_adj_count(const struct bgp_adj *t)
{
	return t->trie ? kld_trie_count(t->trie) : t->n;
}

static int bgp_adj_copy_one(const struct kld_prefix *p, void *v, void *arg)
{
	kld_trie_insert(arg, p, (void *)bgp_attr_ref(v));
	return 0;
}

struct bgp_adj *bgp_adj_copy(const struct bgp_adj *t)
{
	struct bgp_adj *c = bgp_adj_new(t->family);

	if (t->trie) {
		kld_trie_walk(t->trie, bgp_adj_copy_one, c->trie);
		return c;
	}
	if (!t->cap)
		return c;
	*c = *t;
	c->slot = kld_xmalloc(t->cap * sizeof(*t->slot));
	memcpy(c->slot, t->slot, t->cap * sizeof(*t->slot));
	for (size_t i = 0; i < t->cap; i++)
		if (c->slot[i].state == ADJ_USED)
			bgp_attr_ref(c->slot[i].a);
	return c;
}

struct bgp_adj_walk {
	bgp_adj_fn *fn;
	void *arg;
};

static int bgp_adj_walk_one(const struct kld_prefix *p, void *v, void *arg)
{
	struct bgp_adj_walk *w = arg;

	w->fn(p, v, w->arg);
	return 0;
}

/* Calls fn on every entry, in no particular order; fn must not change t. */
void bgp_adj_walk(const struct bgp_adj *t, bgp_adj_fn *fn, void *arg)
{
	struct bgp_adj_walk w = { fn, arg };

	if (t->trie) {
		kld_trie_walk(t->trie, bgp_adj_walk_one, &w);
		return;
	}
	for (size_t i = 0; i < t->cap; i++) {
		const struct bgp_adj_slot *s = &t->slot[i];
		struct kld_prefix p = { .family = AF_INET, .len = s->len };

		if (s->state != ADJ_USED)
			continue;
		p.u.v4.s_addr = htonl(s->addr);
		fn(&p, s->a, arg);
	}
}

struct bgp_adj_drop {
	void (*fn)(const struct bgp_attrs *a, void *arg);
	void *arg;
};

static void bgp_adj_drop_one(const struct kld_prefix *p, const struct bgp_attrs *a, void *arg)
{
	struct bgp_adj_drop *d = arg;

	(void)p;
	d->fn(a, d->arg);
}

/* Calls fn on every stored set, then frees the table. */
void bgp_adj_free(struct bgp_adj *t, void (*fn)(const struct bgp_attrs *a, void *arg), void *arg)
{
	struct bgp_adj_drop d = { fn, arg };

	if (!t)
		return;
	bgp_adj_walk(t, bgp_adj_drop_one, &d);
	if (t->trie)
		kld_trie_free(t->trie, NULL);
	free(t->slot);
	free(t);
}
