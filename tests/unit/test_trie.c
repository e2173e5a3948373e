/*
 * Unit tests for lib/trie.c.
 *
 * Besides hand-picked edge cases, a randomized run drives the trie and a
 * reference model side by side with a fixed seed. The reference is a
 * sorted array of every prefix the run can ever use (the "universe") with
 * a present flag: exact lookups are a bsearch, longest-prefix match tries
 * every length from longest to shortest, and the expected walk is simply
 * the present entries in array order, so it also pins the walk to
 * kld_prefix_cmp() order.
 *
 * The trie's shape (no useless branch nodes after deletes, at most 2N-1
 * nodes, masked keys, bit-correct children) is not visible through the
 * API, so this file compiles trie.c itself to check it directly; the
 * linker then takes every kld_trie_* symbol from here, not libkld.a.
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
#include "trie.c"

#define V(x) ((void *)(uintptr_t)(x))
#define KLD_TEST_MIN(a, b) ((a) < (b) ? (a) : (b))

static uint64_t rng_next(uint64_t *s)
{
	*s ^= *s << 13;
	*s ^= *s >> 7;
	*s ^= *s << 17;
	return *s;
}

static void rng_bytes(uint64_t *s, uint8_t *out, size_t n)
{
	for (size_t i = 0; i < n; i += 8) {
		uint64_t r = rng_next(s);

		memcpy(out + i, &r, n - i < 8 ? n - i : 8);
	}
}

static struct kld_prefix P(const char *s)
{
	struct kld_prefix p;

	if (kld_prefix_parse(s, &p, true) != 0)
		fail_msg("bad test prefix %s", s);
	return p;
}

static struct kld_addr A(const char *s)
{
	struct kld_addr a;

	if (kld_addr_parse(s, &a) != 0)
		fail_msg("bad test address %s", s);
	return a;
}

static int cmp_qsort(const void *a, const void *b)
{
	return kld_prefix_cmp(a, b);
}

/* Walk collector. */
struct collect {
	struct kld_prefix *p;
	void **v;
	size_t n, cap;
	size_t stop_at; /* return nonzero after this many (0 = never) */
};

static int collect_fn(const struct kld_prefix *p, void *value, void *arg)
{
	struct collect *c = arg;

	if (c->n == c->cap) {
		c->cap = c->cap ? c->cap * 2 : 64;
		c->p = realloc(c->p, c->cap * sizeof(*c->p));
		c->v = realloc(c->v, c->cap * sizeof(*c->v));
		assert_non_null(c->p);
		assert_non_null(c->v);
	}
	c->p[c->n] = *p;
	c->v[c->n] = value;
	c->n++;
	return c->stop_at && c->n == c->stop_at ? 42 : 0;
}

static void collect_free(struct collect *c)
{
	free(c->p);
	free(c->v);
	memset(c, 0, sizeof(*c));
}

static void assert_prefix_eq(const struct kld_prefix *a, const struct kld_prefix *b)
{
	if (!kld_prefix_eq(a, b)) {
		char x[KLD_PREFIX_STRLEN], y[KLD_PREFIX_STRLEN];

		fail_msg("prefix %s != %s", kld_prefix_fmt(a, x, sizeof(x)),
			 kld_prefix_fmt(b, y, sizeof(y)));
	}
}

/* Walk every node and check the PATRICIA invariants; returns the count. */
static size_t check_shape(const struct kld_trie *t)
{
	struct kld_trie_iter it = { .sp = 0 };
	const struct kld_trie_node *n;
	size_t nodes = 0, valued = 0;

	kld_iter_push(&it, t->root);
	while ((n = kld_iter_next_node(&it))) {
		struct kld_prefix p, q;

		nodes++;
		valued += n->has_value;
		assert_true(n->len <= t->bits);
		if (!n->has_value) {
			assert_non_null(n->child[0]);
			assert_non_null(n->child[1]);
			assert_null(n->value);
		}
		kld_node_prefix(t, n, &p);
		q = p;
		kld_prefix_mask(&q);
		assert_int_equal(memcmp(&p, &q, sizeof(p)), 0);
		for (int b = 0; b < 2; b++) {
			const struct kld_trie_node *c = n->child[b];

			if (!c)
				continue;
			assert_true(c->len > n->len);
			assert_true(kld_key_match(n, c->key));
			assert_int_equal(kld_key_bit(c->key, n->len), b);
		}
	}
	assert_int_equal(valued, t->count);
	assert_true(nodes <= (t->count ? 2 * t->count - 1 : 0));
	return nodes;
}

/* ---- edge cases ---- */

static void test_new_empty(void **state)
{
	struct kld_trie *t;
	struct kld_prefix p = P("10.0.0.0/8"), last = P("1.1.1.1");
	struct kld_addr a = A("10.1.1.1");
	struct collect c = { 0 };

	assert_null(kld_trie_new(0));
	assert_null(kld_trie_new(AF_UNIX));
	kld_trie_free(NULL, NULL);
	t = kld_trie_new(AF_INET);
	assert_non_null(t);
	assert_int_equal(kld_trie_count(t), 0);
	assert_null(kld_trie_lookup(t, &p));
	assert_null(kld_trie_delete(t, &p));
	assert_null(kld_trie_match(t, &a, NULL));
	assert_null(kld_trie_match_prefix(t, &p, NULL));
	struct kld_prefix before = last;

	assert_int_equal(kld_trie_walk(t, collect_fn, &c), 0);
	assert_int_equal(kld_trie_walk_from(t, NULL, 10, collect_fn, &c, &last), 0);
	assert_int_equal(c.n, 0);
	/* Nothing visited: *last is left alone. */
	assert_int_equal(memcmp(&last, &before, sizeof(last)), 0);
	kld_trie_free(t, NULL);
}

static void test_v4_basic(void **state)
{
	struct kld_trie *t = kld_trie_new(AF_INET);
	struct kld_prefix m, def = P("0.0.0.0/0"), p8 = P("10.0.0.0/8"), p16 = P("10.1.0.0/16");
	struct kld_prefix h = P("10.1.2.3/32"), bc = P("255.255.255.255/32");
	struct kld_addr a;

	assert_null(kld_trie_insert(t, &p8, V(8)));
	assert_null(kld_trie_insert(t, &p16, V(16)));
	assert_null(kld_trie_insert(t, &h, V(32)));
	assert_int_equal(kld_trie_count(t), 3);

	/* No default route yet: an address outside 10/8 matches nothing. */
	a = A("11.0.0.1");
	assert_null(kld_trie_match(t, &a, &m));
	assert_null(kld_trie_insert(t, &def, V(100)));
	assert_null(kld_trie_insert(t, &bc, V(255)));
	assert_int_equal(kld_trie_count(t), 5);

	assert_ptr_equal(kld_trie_match(t, &a, &m), V(100));
	assert_prefix_eq(&m, &def);
	a = A("10.200.0.1");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(8));
	assert_prefix_eq(&m, &p8);
	a = A("10.1.9.9");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(16));
	a = A("10.1.2.3");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(32));
	assert_prefix_eq(&m, &h);
	a = A("10.1.2.2");
	assert_ptr_equal(kld_trie_match(t, &a, NULL), V(16));
	a = A("255.255.255.255");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(255));
	a = A("255.255.255.254");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(100));

	/* match_prefix includes p itself and never returns something longer. */
	struct kld_prefix q = P("10.1.0.0/16");

	assert_ptr_equal(kld_trie_match_prefix(t, &q, &m), V(16));
	q = P("10.0.0.0/15");
	assert_ptr_equal(kld_trie_match_prefix(t, &q, &m), V(8));
	assert_prefix_eq(&m, &p8);
	q = P("10.1.2.0/24");
	assert_ptr_equal(kld_trie_match_prefix(t, &q, &m), V(16));
	q = P("0.0.0.0/0");
	assert_ptr_equal(kld_trie_match_prefix(t, &q, &m), V(100));
	q = P("10.1.2.3/32");
	assert_ptr_equal(kld_trie_match_prefix(t, &q, &m), V(32));

	/* Exact lookups do not match covering prefixes. */
	q = P("10.1.2.0/24");
	assert_null(kld_trie_lookup(t, &q));
	assert_ptr_equal(kld_trie_lookup(t, &p16), V(16));
	assert_ptr_equal(kld_trie_lookup(t, &def), V(100));

	/* Replace returns the old value and keeps the count. */
	assert_ptr_equal(kld_trie_insert(t, &p16, V(1616)), V(16));
	assert_int_equal(kld_trie_count(t), 5);
	assert_ptr_equal(kld_trie_lookup(t, &p16), V(1616));

	/* Delete the default route: back to no match outside 10/8. */
	assert_ptr_equal(kld_trie_delete(t, &def), V(100));
	assert_null(kld_trie_delete(t, &def));
	a = A("11.0.0.1");
	assert_null(kld_trie_match(t, &a, NULL));
	assert_int_equal(kld_trie_count(t), 4);
	kld_trie_free(t, NULL);
}

/* Insert copies and masks; lookups mask too. */
static void test_insert_masks(void **state)
{
	struct kld_trie *t = kld_trie_new(AF_INET);
	struct kld_prefix raw = { .family = AF_INET, .len = 8 }, m;
	struct collect c = { 0 };

	raw.u.bytes[0] = 10;
	raw.u.bytes[1] = 99;
	raw.u.bytes[3] = 7;
	assert_null(kld_trie_insert(t, &raw, V(1)));
	raw.u.bytes[0] = 11; /* the trie keeps its own copy */
	struct kld_prefix ten = P("10.0.0.0/8");

	assert_ptr_equal(kld_trie_lookup(t, &ten), V(1));
	assert_int_equal(kld_trie_walk(t, collect_fn, &c), 0);
	assert_int_equal(c.n, 1);
	assert_prefix_eq(&c.p[0], &ten);
	assert_int_equal(memcmp(&c.p[0], &ten, sizeof(ten)), 0);
	raw.u.bytes[0] = 10;
	assert_ptr_equal(kld_trie_lookup(t, &raw), V(1));
	assert_ptr_equal(kld_trie_match_prefix(t, &raw, &m), V(1));
	assert_ptr_equal(kld_trie_delete(t, &raw), V(1));
	assert_int_equal(kld_trie_count(t), 0);
	collect_free(&c);
	kld_trie_free(t, NULL);
}

static void test_family_mismatch(void **state)
{
	struct kld_trie *t4 = kld_trie_new(AF_INET), *t6 = kld_trie_new(AF_INET6);
	struct kld_prefix p4 = P("0.0.0.0/0"), p6 = P("::/0"), bad = p4;
	struct kld_addr a4 = A("1.2.3.4"), a6 = A("::1");

	assert_null(kld_trie_insert(t4, &p4, V(4)));
	assert_null(kld_trie_insert(t6, &p6, V(6)));
	assert_null(kld_trie_insert(t4, &p6, V(66)));
	assert_null(kld_trie_insert(t6, &p4, V(44)));
	assert_int_equal(kld_trie_count(t4), 1);
	assert_int_equal(kld_trie_count(t6), 1);
	assert_null(kld_trie_lookup(t4, &p6));
	assert_null(kld_trie_lookup(t6, &p4));
	assert_null(kld_trie_match(t4, &a6, NULL));
	assert_null(kld_trie_match(t6, &a4, NULL));
	assert_null(kld_trie_match_prefix(t4, &p6, NULL));
	assert_null(kld_trie_delete(t4, &p6));
	assert_null(kld_trie_delete(t6, &p4));
	assert_ptr_equal(kld_trie_match(t4, &a4, NULL), V(4));
	assert_ptr_equal(kld_trie_match(t6, &a6, NULL), V(6));
	/* A length past the family is refused, not clamped. */
	bad.len = 33;
	assert_null(kld_trie_insert(t4, &bad, V(33)));
	assert_int_equal(kld_trie_count(t4), 1);
	kld_trie_free(t4, NULL);
	kld_trie_free(t6, NULL);
}

static void test_v6_edges(void **state)
{
	struct kld_trie *t = kld_trie_new(AF_INET6);
	static const char *const pfx[] = {
		"::/0", "::/128", "::1/128", "2001:db8::/32", "2001:db8::/64",
		"2001:db8::1/128", "fe80::/10",
		"ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128", "8000::/1",
	};
	struct kld_prefix m;
	struct kld_addr a;

	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		struct kld_prefix p = P(pfx[i]);

		assert_null(kld_trie_insert(t, &p, V(i + 1)));
	}
	assert_int_equal(kld_trie_count(t), 9);
	a = A("::");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(2));
	a = A("::1");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(3));
	a = A("::2");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(1));
	a = A("2001:db8::1");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(6));
	a = A("2001:db8::2");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(5));
	struct kld_prefix want = P("2001:db8::/64");

	assert_prefix_eq(&m, &want);
	a = A("2001:db8:1::1");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(4));
	a = A("fe80::1");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(7));
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(8));
	a = A("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	assert_ptr_equal(kld_trie_match(t, &a, &m), V(9));

	struct collect c = { 0 };

	assert_int_equal(kld_trie_walk(t, collect_fn, &c), 0);
	assert_int_equal(c.n, 9);
	for (size_t i = 1; i < c.n; i++)
		assert_true(kld_prefix_cmp(&c.p[i - 1], &c.p[i]) < 0);
	collect_free(&c);
	for (size_t i = 0; i < sizeof(pfx) / sizeof(pfx[0]); i++) {
		struct kld_prefix p = P(pfx[i]);

		assert_ptr_equal(kld_trie_delete(t, &p), V(i + 1));
	}
	assert_int_equal(kld_trie_count(t), 0);
	a = A("::1");
	assert_null(kld_trie_match(t, &a, NULL));
	kld_trie_free(t, NULL);
}

/* Branch nodes are invisible, can be turned into stored prefixes and back,
 * and are removed when they stop being branches. */
static void test_branch_nodes(void **state)
{
	struct kld_trie *t = kld_trie_new(AF_INET);
	struct kld_prefix a = P("10.0.0.0/24"), b = P("10.0.1.0/24"), br = P("10.0.0.0/23");
	struct collect c = { 0 };
	struct kld_addr x = A("10.0.1.77");

	kld_trie_insert(t, &a, V(1));
	assert_int_equal(check_shape(t), 1);
	kld_trie_insert(t, &b, V(2));
	assert_int_equal(check_shape(t), 3); /* a branch at /23 joins them */
	assert_null(kld_trie_lookup(t, &br));
	assert_null(kld_trie_match_prefix(t, &br, NULL));
	assert_null(kld_trie_delete(t, &br));
	assert_int_equal(kld_trie_count(t), 2);
	assert_null(kld_trie_insert(t, &br, V(3)));
	assert_int_equal(kld_trie_count(t), 3);
	assert_int_equal(check_shape(t), 3); /* stored on the branch node */
	assert_ptr_equal(kld_trie_match_prefix(t, &br, NULL), V(3));
	assert_ptr_equal(kld_trie_delete(t, &br), V(3));
	assert_int_equal(check_shape(t), 3); /* still needed as a branch */
	assert_null(kld_trie_lookup(t, &br));
	assert_ptr_equal(kld_trie_match(t, &x, NULL), V(2));
	assert_ptr_equal(kld_trie_delete(t, &a), V(1));
	assert_int_equal(check_shape(t), 1); /* the branch went with it */
	assert_ptr_equal(kld_trie_match(t, &x, NULL), V(2));
	assert_int_equal(kld_trie_walk(t, collect_fn, &c), 0);
	assert_int_equal(c.n, 1);
	assert_prefix_eq(&c.p[0], &b);
	collect_free(&c);
	assert_ptr_equal(kld_trie_delete(t, &b), V(2));
	assert_int_equal(kld_trie_count(t), 0);
	assert_int_equal(check_shape(t), 0);
	assert_null(t->root);
	/* A stored prefix above a branch: deleting a leaf under it must not
	 * remove the valued parent, and deleting the parent keeps the branch. */
	struct kld_prefix top = P("10.0.0.0/8");

	kld_trie_insert(t, &top, V(8));
	kld_trie_insert(t, &a, V(1));
	kld_trie_insert(t, &b, V(2));
	assert_int_equal(check_shape(t), 4);
	assert_ptr_equal(kld_trie_delete(t, &top), V(8));
	assert_int_equal(check_shape(t), 3);
	kld_trie_insert(t, &top, V(8));
	assert_ptr_equal(kld_trie_delete(t, &b), V(2));
	assert_int_equal(check_shape(t), 2);
	assert_ptr_equal(kld_trie_match(t, &x, NULL), V(8));
	assert_null(kld_trie_match(t, &(struct kld_addr){ .family = AF_INET }, NULL));
	kld_trie_free(t, NULL);
}

/* NULL is a legal value: it is stored, counted and walked. */
static void test_null_value(void **state)
{
	struct kld_trie *t = kld_trie_new(AF_INET);
	struct kld_prefix p = P("192.0.2.0/24");
	struct collect c = { 0 };

	assert_null(kld_trie_insert(t, &p, NULL));
	assert_int_equal(kld_trie_count(t), 1);
	assert_int_equal(kld_trie_walk(t, collect_fn, &c), 0);
	assert_int_equal(c.n, 1);
	assert_null(kld_trie_insert(t, &p, V(5)));
	assert_int_equal(kld_trie_count(t), 1);
	assert_ptr_equal(kld_trie_delete(t, &p), V(5));
	assert_int_equal(kld_trie_count(t), 0);
	collect_free(&c);
	kld_trie_free(t, NULL);
}

static size_t freed_values;

static void free_counted(void *v)
{
	freed_values++;
	free(v);
}

static void test_free_values(void **state)
{
	struct kld_trie *t = kld_trie_new(AF_INET6);
	uint64_t seed = 77;
	size_t stored;

	freed_values = 0;
	for (int i = 0; i < 3000; i++) {
		uint8_t b[16];
		struct kld_prefix p;

		rng_bytes(&seed, b, 16);
		assert_int_equal(kld_prefix_set(&p, AF_INET6, b, (uint8_t)(16 + rng_next(&seed) % 113)), 0);
		free(kld_trie_insert(t, &p, malloc(16)));
	}
	stored = kld_trie_count(t);
	assert_true(stored > 2900);
	kld_trie_free(t, free_counted);
	assert_int_equal(freed_values, stored);
}

/* Deepest possible IPv6 trie: the all-zero path at every length with a
 * right sibling hanging off each level, so the walk stack is at its bound. */
static void test_max_depth(void **state)
{
	struct kld_trie *t = kld_trie_new(AF_INET6);
	struct collect c = { 0 };
	struct kld_prefix p, last;
	uint8_t z[16] = { 0 };
	size_t n = 0;

	for (unsigned l = 0; l <= 128; l++) {
		kld_prefix_set(&p, AF_INET6, z, (uint8_t)l);
		assert_null(kld_trie_insert(t, &p, V(l + 1)));
		n++;
		if (l < 128) {
			uint8_t o[16] = { 0 };

			o[l / 8] = (uint8_t)(0x80 >> (l % 8));
			kld_prefix_set(&p, AF_INET6, o, 128);
			assert_null(kld_trie_insert(t, &p, V(1000 + l)));
			n++;
		}
	}
	assert_int_equal(kld_trie_count(t), n);
	assert_int_equal(check_shape(t), n);
	assert_int_equal(kld_trie_walk(t, collect_fn, &c), 0);
	assert_int_equal(c.n, n);
	for (size_t i = 1; i < c.n; i++)
		assert_true(kld_prefix_cmp(&c.p[i - 1], &c.p[i]) < 0);
	/* The zero path comes first, then the siblings from deepest up. */
	assert_ptr_equal(c.v[0], V(1));
	assert_ptr_equal(c.v[128], V(129));
	assert_ptr_equal(c.v[129], V(1000 + 127));
	assert_ptr_equal(c.v[n - 1], V(1000));
	/* Resuming from every position gives the rest, one at a time. */
	for (size_t i = 0; i + 1 < c.n; i++) {
		struct collect d = { 0 };

		assert_int_equal(kld_trie_walk_from(t, &c.p[i], 1, collect_fn, &d, &last), 1);
		assert_prefix_eq(&d.p[0], &c.p[i + 1]);
		assert_prefix_eq(&last, &c.p[i + 1]);
		collect_free(&d);
	}
	assert_int_equal(kld_trie_walk_from(t, &c.p[n - 1], 1, collect_fn, &c, &last), 0);
	struct kld_addr a;

	kld_addr_set(&a, AF_INET6, z);
	assert_ptr_equal(kld_trie_match(t, &a, NULL), V(129));
	collect_free(&c);
	kld_trie_free(t, NULL);
}

static void test_walk_stop(void **state)
{
	struct kld_trie *t = kld_trie_new(AF_INET);
	struct collect c = { .stop_at = 3 };
	struct kld_prefix last;

	for (unsigned i = 0; i < 10; i++) {
		uint8_t b[4] = { 10, (uint8_t)i, 0, 0 };
		struct kld_prefix p;

		kld_prefix_set(&p, AF_INET, b, 16);
		kld_trie_insert(t, &p, V(i + 1));
	}
	assert_int_equal(kld_trie_walk(t, collect_fn, &c), 42);
	assert_int_equal(c.n, 3);
	assert_ptr_equal(c.v[2], V(3));
	/* In a resumable walk, a stop is a short count and *last is where. */
	c.n = 0;
	assert_int_equal(kld_trie_walk_from(t, NULL, 8, collect_fn, &c, &last), 3);
	assert_prefix_eq(&last, &c.p[2]);
	c.stop_at = 0;
	c.n = 0;
	assert_int_equal(kld_trie_walk_from(t, NULL, 0, collect_fn, &c, &last), 0);
	assert_int_equal(kld_trie_walk_from(t, NULL, 4, collect_fn, &c, NULL), 4);
	assert_int_equal(kld_trie_walk_from(t, &c.p[3], 100, collect_fn, &c, NULL), 6);
	assert_int_equal(c.n, 10);
	for (unsigned i = 0; i < 10; i++)
		assert_ptr_equal(c.v[i], V(i + 1));
	collect_free(&c);
	kld_trie_free(t, NULL);
}

/* ---- randomized comparison with the reference ---- */

struct ref {
	struct kld_prefix *u; /* sorted, distinct */
	bool *present;
	void **value;
	size_t n, count;
	uint8_t family;
};

/* Prefixes cluster around a few bases so that they nest and share paths,
 * which is where a PATRICIA trie has its corner cases. */
static void gen_prefix(uint64_t *s, uint8_t fam, const uint8_t (*bases)[16], size_t nbases,
		       struct kld_prefix *p)
{
	unsigned bits = kld_family_bits(fam);
	uint8_t b[16], r[16];
	unsigned keep, len;

	rng_bytes(s, r, 16);
	memcpy(b, bases[rng_next(s) % nbases], 16);
	keep = (unsigned)(rng_next(s) % (bits + 1));
	for (unsigned i = keep; i < bits; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i % 8));

		b[i / 8] = (uint8_t)((b[i / 8] & ~m) | (r[i / 8] & m));
	}
	/* Mostly lengths near where the base stops, some anywhere. */
	if (rng_next(s) % 4)
		len = keep + (unsigned)(rng_next(s) % 9);
	else
		len = (unsigned)(rng_next(s) % (bits + 1));
	if (len > bits)
		len = bits;
	assert_int_equal(kld_prefix_set(p, fam, b, (uint8_t)len), 0);
}

/* Draws until the universe holds at least `want` distinct prefixes. */
static void ref_init(struct ref *r, uint8_t fam, size_t want, uint64_t *s)
{
	uint8_t bases[24][16];
	size_t cap = 4 * want;

	for (size_t i = 0; i < 24; i++)
		rng_bytes(s, bases[i], 16);
	r->family = fam;
	r->u = calloc(cap, sizeof(*r->u));
	assert_non_null(r->u);
	r->n = 0;
	while (r->n < want) {
		size_t j = 0, draw = KLD_TEST_MIN(want, cap - r->n);

		assert_true(draw > 0);
		for (size_t i = 0; i < draw; i++)
			gen_prefix(s, fam, (const uint8_t(*)[16])bases, 24, &r->u[r->n + i]);
		r->n += draw;
		qsort(r->u, r->n, sizeof(*r->u), cmp_qsort);
		for (size_t i = 0; i < r->n; i++)
			if (j == 0 || !kld_prefix_eq(&r->u[j - 1], &r->u[i]))
				r->u[j++] = r->u[i];
		r->n = j;
	}
	r->present = calloc(r->n, sizeof(*r->present));
	r->value = calloc(r->n, sizeof(*r->value));
	assert_non_null(r->present);
	assert_non_null(r->value);
	r->count = 0;
}

static void ref_free(struct ref *r)
{
	free(r->u);
	free(r->present);
	free(r->value);
}

static long ref_find(const struct ref *r, const struct kld_prefix *p)
{
	const struct kld_prefix *f = bsearch(p, r->u, r->n, sizeof(*r->u), cmp_qsort);

	return f ? f - r->u : -1;
}

/* Longest present prefix containing the first maxlen bits of bytes. */
static long ref_best(const struct ref *r, const uint8_t *bytes, unsigned maxlen)
{
	for (int l = (int)maxlen; l >= 0; l--) {
		struct kld_prefix q;
		long i;

		kld_prefix_set(&q, r->family, bytes, (uint8_t)l);
		i = ref_find(r, &q);
		if (i >= 0 && r->present[i])
			return i;
	}
	return -1;
}

static void ref_check_walk(const struct ref *r, const struct kld_trie *t)
{
	struct collect c = { 0 };
	size_t k = 0;

	assert_int_equal(kld_trie_count(t), r->count);
	check_shape(t);
	assert_int_equal(kld_trie_walk(t, collect_fn, &c), 0);
	assert_int_equal(c.n, r->count);
	for (size_t i = 0; i < r->n; i++) {
		if (!r->present[i])
			continue;
		assert_prefix_eq(&c.p[k], &r->u[i]);
		assert_ptr_equal(c.v[k], r->value[i]);
		k++;
	}
	collect_free(&c);
}

/* A query address: inside a universe prefix (random host bits) or anywhere. */
static void gen_addr(uint64_t *s, const struct ref *r, struct kld_addr *a)
{
	const struct kld_prefix *p = &r->u[rng_next(s) % r->n];
	unsigned bits = kld_family_bits(r->family);
	uint8_t b[16], x[16];

	rng_bytes(s, x, 16);
	memcpy(b, p->u.bytes, 16);
	if (rng_next(s) % 8 == 0)
		memcpy(b, x, 16);
	for (unsigned i = p->len; i < bits; i++) {
		uint8_t m = (uint8_t)(0x80 >> (i % 8));

		b[i / 8] = (uint8_t)((b[i / 8] & ~m) | (x[i / 8] & m));
	}
	kld_addr_set(a, r->family, b);
}

static void random_run(uint8_t fam, size_t universe, size_t ops, uint64_t seed)
{
	struct kld_trie *t = kld_trie_new(fam);
	struct kld_trie_cursor cur = { .n = 0 };
	struct ref r;
	uintptr_t serial = 1;
	uint64_t s = seed;

	ref_init(&r, fam, universe, &s);
	assert_true(r.n >= universe);
	for (size_t op = 0; op < ops; op++) {
		size_t i = rng_next(&s) % r.n;
		unsigned kind = (unsigned)(rng_next(&s) % 10);
		struct kld_prefix m;
		struct kld_addr a;
		long want;
		void *got;

		switch (kind) {
		case 0: case 1: case 2: case 3:
			got = kld_trie_insert(t, &r.u[i], V(serial));
			assert_ptr_equal(got, r.present[i] ? r.value[i] : NULL);
			r.count += !r.present[i];
			r.present[i] = true;
			r.value[i] = V(serial++);
			break;
		case 4: case 5: case 6:
			got = kld_trie_delete(t, &r.u[i]);
			assert_ptr_equal(got, r.present[i] ? r.value[i] : NULL);
			r.count -= r.present[i];
			r.present[i] = false;
			break;
		case 7:
			got = kld_trie_lookup(t, &r.u[i]);
			assert_ptr_equal(got, r.present[i] ? r.value[i] : NULL);
			/* the cursor: a run of neighbours in the universe, across
			 * the inserts and deletes between runs */
			for (size_t j = i; j < i + 8 && j < r.n; j++)
				assert_ptr_equal(kld_trie_lookup_near(t, &cur, &r.u[j]),
						 r.present[j] ? r.value[j] : NULL);
			break;
		case 8:
			gen_addr(&s, &r, &a);
			want = ref_best(&r, a.u.bytes, kld_family_bits(fam));
			got = kld_trie_match(t, &a, &m);
			assert_ptr_equal(got, want >= 0 ? r.value[want] : NULL);
			if (want >= 0)
				assert_prefix_eq(&m, &r.u[want]);
			break;
		default: {
			struct kld_prefix q;

			gen_addr(&s, &r, &a);
			kld_prefix_from_addr(&q, &a, (uint8_t)(rng_next(&s) % (kld_family_bits(fam) + 1)));
			want = ref_best(&r, q.u.bytes, q.len);
			got = kld_trie_match_prefix(t, &q, &m);
			assert_ptr_equal(got, want >= 0 ? r.value[want] : NULL);
			if (want >= 0)
				assert_prefix_eq(&m, &r.u[want]);
			break;
		}
		}
		if (op % 4096 == 0)
			ref_check_walk(&r, t);
	}
	ref_check_walk(&r, t);
	/* Empty it completely, in random order, checking along the way. */
	for (size_t left = r.count; left; left--) {
		size_t i = rng_next(&s) % r.n;

		while (!r.present[i])
			i = (i + 1) % r.n;
		assert_ptr_equal(kld_trie_delete(t, &r.u[i]), r.value[i]);
		r.present[i] = false;
		r.count--;
		if (left % 1000 == 0)
			ref_check_walk(&r, t);
	}
	assert_int_equal(kld_trie_count(t), 0);
	ref_check_walk(&r, t);
#ifndef KLD_TRIE_NO_POOL
	assert_null(t->slabs); /* an empty trie gives its memory back */
#endif
	/* An emptied trie is fully usable again. */
	assert_null(kld_trie_insert(t, &r.u[0], V(1)));
	assert_ptr_equal(kld_trie_lookup(t, &r.u[0]), V(1));
	kld_trie_free(t, NULL);
	ref_free(&r);
}

static void test_random_v4(void **state)
{
	random_run(AF_INET, 20000, 120000, 0x1234567887654321ull);
}

static void test_random_v6(void **state)
{
	random_run(AF_INET6, 20000, 60000, 0xfeedfacecafebeefull);
}

/* Dense small universe: almost every prefix of 8 bits is in play, so
 * inserts land on branch nodes and deletes collapse them constantly. */
static void test_random_dense(void **state)
{
	struct kld_trie *t = kld_trie_new(AF_INET);
	struct ref r = { .family = AF_INET };
	uint64_t s = 99;
	size_t k = 0;

	r.n = 511; /* every prefix of length 0..8 under 10.0.0.0/0 bits 0..7 */
	r.u = calloc(r.n, sizeof(*r.u));
	r.present = calloc(r.n, sizeof(*r.present));
	r.value = calloc(r.n, sizeof(*r.value));
	for (unsigned l = 0; l <= 8; l++)
		for (unsigned v = 0; v < (1u << l); v++) {
			uint8_t b[4] = { (uint8_t)(l ? v << (8 - l) : 0), 0, 0, 0 };

			kld_prefix_set(&r.u[k++], AF_INET, b, (uint8_t)l);
		}
	assert_int_equal(k, r.n);
	qsort(r.u, r.n, sizeof(*r.u), cmp_qsort);
	for (int op = 0; op < 50000; op++) {
		size_t i = rng_next(&s) % r.n;

		if (rng_next(&s) % 2) {
			assert_ptr_equal(kld_trie_insert(t, &r.u[i], V(op + 1)),
					 r.present[i] ? r.value[i] : NULL);
			r.count += !r.present[i];
			r.present[i] = true;
			r.value[i] = V(op + 1);
		} else {
			assert_ptr_equal(kld_trie_delete(t, &r.u[i]), r.present[i] ? r.value[i] : NULL);
			r.count -= r.present[i];
			r.present[i] = false;
		}
		uint8_t b[4] = { (uint8_t)rng_next(&s), 1, 2, 3 };
		struct kld_addr a;
		long want;

		kld_addr_set(&a, AF_INET, b);
		want = ref_best(&r, b, 8);
		assert_ptr_equal(kld_trie_match(t, &a, NULL), want >= 0 ? r.value[want] : NULL);
		if (op % 500 == 0)
			ref_check_walk(&r, t);
	}
	ref_check_walk(&r, t);
	kld_trie_free(t, NULL);
	ref_free(&r);
}

/* ---- resumable walk ---- */

static struct kld_trie *big_table(size_t n, uint64_t seed)
{
	struct kld_trie *t = kld_trie_new(AF_INET);
	uint64_t s = seed;
	uintptr_t v = 1;

	while (kld_trie_count(t) < n) {
		uint8_t b[4];
		struct kld_prefix p;

		rng_bytes(&s, b, 4);
		kld_prefix_set(&p, AF_INET, b, (uint8_t)(8 + rng_next(&s) % 25));
		kld_trie_insert(t, &p, V(v++));
	}
	return t;
}

static void test_walk_from_chunks(void **state)
{
	struct kld_trie *t = big_table(100000, 4242);
	struct collect full = { 0 }, part = { 0 };
	struct kld_prefix last;
	const struct kld_prefix *after = NULL;
	size_t got, rounds = 0;

	assert_int_equal(kld_trie_walk(t, collect_fn, &full), 0);
	assert_int_equal(full.n, 100000);
	for (size_t i = 1; i < full.n; i++)
		assert_true(kld_prefix_cmp(&full.p[i - 1], &full.p[i]) < 0);
	/* after aliases last on purpose: that is how callers will use it. */
	do {
		got = kld_trie_walk_from(t, after, 1000, collect_fn, &part, &last);
		after = &last;
		rounds++;
	} while (got == 1000);
	assert_int_equal(rounds, 101); /* the last round finds nothing */
	assert_int_equal(part.n, full.n);
	for (size_t i = 0; i < full.n; i++) {
		assert_prefix_eq(&part.p[i], &full.p[i]);
		assert_ptr_equal(part.v[i], full.v[i]);
	}
	collect_free(&part);

	/* Resume after a prefix that was deleted between chunks. */
	after = NULL;
	do {
		got = kld_trie_walk_from(t, after, 1000, collect_fn, &part, &last);
		if (got)
			assert_non_null(kld_trie_delete(t, &last));
		after = &last;
	} while (got == 1000);
	assert_int_equal(part.n, full.n);
	for (size_t i = 0; i < full.n; i++)
		assert_prefix_eq(&part.p[i], &full.p[i]);
	assert_int_equal(kld_trie_count(t), full.n - 100);
	check_shape(t);
	collect_free(&part);
	collect_free(&full);
	kld_trie_free(t, NULL);
}

/* Resume from arbitrary prefixes, mostly absent: the next entry must be
 * the upper bound of `after` in the sorted full walk. */
static void test_walk_from_anywhere(void **state)
{
	struct kld_trie *t = big_table(20000, 777);
	struct collect full = { 0 };
	uint64_t s = 31337;

	assert_int_equal(kld_trie_walk(t, collect_fn, &full), 0);
	for (int q = 0; q < 20000; q++) {
		struct kld_prefix after, last;
		struct collect c = { 0 };
		size_t lo = 0, hi = full.n, got;

		if (q % 3 == 0) {
			/* A neighbour of a stored prefix: same bytes, other length. */
			after = full.p[rng_next(&s) % full.n];
			after.len = (uint8_t)(rng_next(&s) % 33);
			kld_prefix_mask(&after);
		} else {
			uint8_t b[4];

			rng_bytes(&s, b, 4);
			kld_prefix_set(&after, AF_INET, b, (uint8_t)(rng_next(&s) % 33));
		}
		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (kld_prefix_cmp(&full.p[mid], &after) <= 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		got = kld_trie_walk_from(t, &after, 3, collect_fn, &c, &last);
		assert_int_equal(got, full.n - lo < 3 ? full.n - lo : 3);
		for (size_t i = 0; i < got; i++)
			assert_prefix_eq(&c.p[i], &full.p[lo + i]);
		collect_free(&c);
	}
	/* Other families order before and after AF_INET. */
	struct kld_prefix v6 = P("::/0"), unset = { 0 };
	struct collect c = { 0 };

	assert_int_equal(kld_trie_walk_from(t, &v6, 5, collect_fn, &c, NULL), 0);
	assert_int_equal(kld_trie_walk_from(t, &unset, 5, collect_fn, &c, NULL), 5);
	assert_prefix_eq(&c.p[0], &full.p[0]);
	collect_free(&c);
	collect_free(&full);
	kld_trie_free(t, NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_new_empty),
		cmocka_unit_test(test_v4_basic),
		cmocka_unit_test(test_insert_masks),
		cmocka_unit_test(test_family_mismatch),
		cmocka_unit_test(test_v6_edges),
		cmocka_unit_test(test_branch_nodes),
		cmocka_unit_test(test_null_value),
		cmocka_unit_test(test_free_values),
		cmocka_unit_test(test_max_depth),
		cmocka_unit_test(test_walk_stop),
		cmocka_unit_test(test_random_v4),
		cmocka_unit_test(test_random_v6),
		cmocka_unit_test(test_random_dense),
		cmocka_unit_test(test_walk_from_chunks),
		cmocka_unit_test(test_walk_from_anywhere),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
