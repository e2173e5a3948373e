/*
 * Path-compressed binary trie (PATRICIA) for one address family.
 *
 * Shape. Every node holds a masked key of `len` bits. A child's key extends
 * its parent's and child[b] is the one whose bit `parent->len` is b, so the
 * lengths strictly grow along any path and the depth is at most bits + 1.
 * Nodes exist only for stored prefixes and for branch points; a branch node
 * without a value always has two children, which bounds the trie to 2N-1
 * nodes. Delete restores that invariant by splicing out the node it frees
 * and, when that leaves a valueless parent with one child, the parent too.
 *
 * Memory. A full table means millions of nodes, so a node carries only what
 * it must: two children, the value, the length, a "has value" flag and the
 * key bytes of this family (4 or 16), i.e. 32 bytes for IPv4 and 48 for IPv6
 * on 64-bit. No parent pointer: every operation that needs the path keeps
 * it on a bounded stack instead. Nodes come from per-trie slabs that grow
 * geometrically (a small trie stays small) and are recycled through a free
 * list, which saves malloc's per-chunk header and keeps nodes dense; the
 * slabs go back to malloc when the trie empties or is freed. Building with
 * -DKLD_TRIE_NO_POOL makes every node its own malloc() so that valgrind can
 * see node-level use-after-free while debugging.
 *
 * Order. A pre-order walk (node, child[0], child[1]) is exactly ascending
 * kld_prefix_cmp() order: a node's masked key is the smallest address in its
 * subtree and it is shorter than any descendant with the same bytes, and
 * every key under child[0] is below every key under child[1]. The walks and
 * the resumable walk are therefore iterative pre-order traversals whose
 * explicit stack needs at most one pending right child per level.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "trie.h"
#include "util.h"

struct kld_trie_node {
	struct kld_trie_node *child[2];
	void *value;
	uint8_t len;
	uint8_t has_value;
	uint8_t key[]; /* kld_family_bytes() of the trie's family */
};

/* Pending right children (one per length 0..127) plus the current node. */
#define KLD_TRIE_STACK 130

/* Slabs double from 512 bytes to just under 128 KiB: with malloc's header
 * a slab stays below glibc's default mmap threshold, so slabs come from the
 * heap without a system call or page rounding each. */
#define KLD_TRIE_SLAB_MIN 512
#define KLD_TRIE_SLAB_MAX (128 * 1024 - 64)

struct kld_trie_slab {
	struct kld_trie_slab *next;
	void *pad; /* keeps the nodes that follow 16-byte aligned */
};

struct kld_trie {
	struct kld_trie_node *root;
	size_t count;
	/* changes with every delete: a cursor's nodes may be freed. An insert
	 * frees none; a node it adds between two of a cursor's keeps them
	 * ancestor and descendant, which is all a cursor relies on. */
	uint64_t gen;
	uint8_t family;
	uint8_t bits;
	uint8_t keylen;
	size_t node_size;
	/* Node pool. */
	struct kld_trie_slab *slabs;
	struct kld_trie_node *free_nodes; /* linked through child[0] */
	char *fresh, *fresh_end;	  /* never-used tail of the newest slab */
	size_t slab_bytes;		  /* size of the next slab */
};

struct kld_trie_iter {
	const struct kld_trie_node *stack[KLD_TRIE_STACK];
	unsigned sp;
};

/* ---- key bit helpers ---- */

static int kld_key_bit(const uint8_t *key, unsigned i)
{
	return (key[i / 8] >> (7 - i % 8)) & 1;
}

/* First bit index below limit where a and b differ, or limit. */
static unsigned kld_key_diff(const uint8_t *a, const uint8_t *b, unsigned limit)
{
	unsigned i;

	for (i = 0; i < limit; i += 8) {
		uint8_t x = a[i / 8] ^ b[i / 8];

		if (x) {
			unsigned d = i + (unsigned)__builtin_clz(x) - 24;

			return d < limit ? d : limit;
		}
	}
	return limit;
}

static bool kld_key_match(const struct kld_trie_node *n, const uint8_t *key)
{
	return kld_key_diff(n->key, key, n->len) == n->len;
}

/* ---- node pool ---- */

#ifdef KLD_TRIE_NO_POOL
static struct kld_trie_node *kld_node_get(struct kld_trie *t)
{
	return kld_xmalloc(t->node_size);
}

static void kld_node_put(struct kld_trie *t, struct kld_trie_node *n)
{
	free(n);
}

static void kld_pool_release(struct kld_trie *t)
{
}
#else
static void kld_pool_grow(struct kld_trie *t)
{
	size_t hdr = sizeof(struct kld_trie_slab);
	size_t nodes = (t->slab_bytes - hdr) / t->node_size;
	struct kld_trie_slab *s = kld_xmalloc(hdr + nodes * t->node_size);

	s->next = t->slabs;
	t->slabs = s;
	t->fresh = (char *)s + hdr;
	t->fresh_end = t->fresh + nodes * t->node_size;
	t->slab_bytes = KLD_MIN(t->slab_bytes * 2, KLD_TRIE_SLAB_MAX);
}

static struct kld_trie_node *kld_node_get(struct kld_trie *t)
{
	struct kld_trie_node *n = t->free_nodes;

	if (n) {
		t->free_nodes = n->child[0];
		return n;
	}
	if (t->fresh == t->fresh_end)
		kld_pool_grow(t);
	n = (struct kld_trie_node *)t->fresh;
	t->fresh += t->node_size;
	return n;
}

static void kld_node_put(struct kld_trie *t, struct kld_trie_node *n)
{
	n->child[0] = t->free_nodes;
	t->free_nodes = n;
}

/* Only valid once no node is in use any more. */
static void kld_pool_release(struct kld_trie *t)
{
	while (t->slabs) {
		struct kld_trie_slab *s = t->slabs;

		t->slabs = s->next;
		free(s);
	}
	t->free_nodes = NULL;
	t->fresh = t->fresh_end = NULL;
	t->slab_bytes = KLD_TRIE_SLAB_MIN;
}
#endif

static struct kld_trie_node *kld_node_new(struct kld_trie *t, const uint8_t *key, unsigned len)
{
	struct kld_trie_node *n = kld_node_get(t);
	unsigned whole = len / 8;

	n->child[0] = n->child[1] = NULL;
	n->value = NULL;
	n->len = (uint8_t)len;
	n->has_value = 0;
	/* Copy only the first len bits: a branch node takes a longer key. */
	memcpy(n->key, key, whole);
	memset(n->key + whole, 0, t->keylen - whole);
	if (len % 8)
		n->key[whole] = key[whole] & (uint8_t)(0xff << (8 - len % 8));
	return n;
}

static void kld_node_prefix(const struct kld_trie *t, const struct kld_trie_node *n,
			    struct kld_prefix *p)
{
	memset(p, 0, sizeof(*p));
	p->family = t->family;
	p->len = n->len;
	memcpy(p->u.bytes, n->key, t->keylen);
}

/* ---- lifecycle ---- */

struct kld_trie *kld_trie_new(uint8_t family)
{
	struct kld_trie *t;
	size_t keylen = kld_family_bytes(family);
	size_t align = sizeof(void *);

	if (keylen == 0)
		return NULL;
	t = kld_xcalloc(1, sizeof(*t));
	t->family = family;
	t->bits = (uint8_t)kld_family_bits(family);
	t->keylen = (uint8_t)keylen;
	t->node_size = (offsetof(struct kld_trie_node, key) + keylen + align - 1) & ~(align - 1);
	t->slab_bytes = KLD_TRIE_SLAB_MIN;
	return t;
}

static void kld_iter_push(struct kld_trie_iter *it, const struct kld_trie_node *n)
{
	if (!n)
		return;
	if (it->sp >= KLD_TRIE_STACK)
		abort(); /* the depth bound above was violated: a corrupt trie */
	it->stack[it->sp++] = n;
}

/* Next node in pre-order, valueless branch nodes included. */
static const struct kld_trie_node *kld_iter_next_node(struct kld_trie_iter *it)
{
	const struct kld_trie_node *n;

	if (it->sp == 0)
		return NULL;
	n = it->stack[--it->sp];
	kld_iter_push(it, n->child[1]);
	kld_iter_push(it, n->child[0]);
	return n;
}

static const struct kld_trie_node *kld_iter_next(struct kld_trie_iter *it)
{
	const struct kld_trie_node *n;

	while ((n = kld_iter_next_node(it)) && !n->has_value)
		;
	return n;
}

void kld_trie_free(struct kld_trie *t, void (*free_value)(void *))
{
	struct kld_trie_iter it = { .sp = 0 };
	const struct kld_trie_node *n;

	if (!t)
		return;
	kld_iter_push(&it, t->root);
	/* Children are pushed before the node is handed back, so it is safe
	 * to release each node as soon as it is popped. */
	while ((n = kld_iter_next_node(&it))) {
		struct kld_trie_node *m = (struct kld_trie_node *)n;

		if (m->has_value && free_value)
			free_value(m->value);
		kld_node_put(t, m);
	}
	kld_pool_release(t);
	free(t);
}

/* ---- insert / delete / exact lookup ---- */

static bool kld_trie_accepts(const struct kld_trie *t, const struct kld_prefix *p)
{
	return t && p && p->family == t->family && p->len <= t->bits;
}

/* The link *link holds n, which does not lie on p's path. Put p's node
 * above n, either directly (p contains n) or beside it under a new branch
 * node at their first differing bit. */
static struct kld_trie_node *kld_trie_split(struct kld_trie *t, struct kld_trie_node **link,
					    const struct kld_prefix *p)
{
	struct kld_trie_node *n = *link;
	struct kld_trie_node *leaf = kld_node_new(t, p->u.bytes, p->len);
	unsigned d = kld_key_diff(n->key, p->u.bytes, KLD_MIN(n->len, p->len));

	if (d == p->len) {
		leaf->child[kld_key_bit(n->key, d)] = n;
		*link = leaf;
		return leaf;
	}
	struct kld_trie_node *branch = kld_node_new(t, p->u.bytes, d);

	branch->child[kld_key_bit(p->u.bytes, d)] = leaf;
	branch->child[kld_key_bit(n->key, d)] = n;
	*link = branch;
	return leaf;
}

void *kld_trie_insert(struct kld_trie *t, const struct kld_prefix *p, void *value)
{
	struct kld_prefix key;
	struct kld_trie_node **link, *n;
	void *old;

	if (!kld_trie_accepts(t, p))
		return NULL;
	key = *p;
	kld_prefix_mask(&key);
	link = &t->root;
	while ((n = *link) && n->len <= key.len && kld_key_match(n, key.u.bytes)) {
		if (n->len == key.len)
			break;
		link = &n->child[kld_key_bit(key.u.bytes, n->len)];
	}
	if (!n)
		n = *link = kld_node_new(t, key.u.bytes, key.len);
	else if (n->len != key.len || !kld_key_match(n, key.u.bytes))
		n = kld_trie_split(t, link, &key);
	old = n->has_value ? n->value : NULL;
	if (!n->has_value)
		t->count++;
	n->value = value;
	n->has_value = 1;
	return old;
}

/* Descend to the node holding exactly key; *plink receives the link to its
 * parent (NULL at the root). The descent tests one bit per node and the
 * whole key only at the end (PATRICIA): a node on the way that does not
 * match leads to a subtree that cannot match either, so the last check
 * catches it, and a match means every node passed was an ancestor. This
 * runs once per received prefix. */
static struct kld_trie_node **kld_trie_find(const struct kld_trie *t, const struct kld_prefix *key,
					    struct kld_trie_node ***plink)
{
	struct kld_trie_node **link = (struct kld_trie_node **)&t->root;
	struct kld_trie_node *n;

	*plink = NULL;
	while ((n = *link) && n->len < key->len) {
		*plink = link;
		link = &n->child[kld_key_bit(key->u.bytes, n->len)];
	}
	if (!n || n->len != key->len || !n->has_value || !kld_key_match(n, key->u.bytes))
		return NULL;
	return link;
}

/* Replace the node at *link, which has at most one child, by that child. */
static void kld_trie_splice(struct kld_trie *t, struct kld_trie_node **link)
{
	struct kld_trie_node *n = *link;

	*link = n->child[0] ? n->child[0] : n->child[1];
	kld_node_put(t, n);
}

void *kld_trie_delete(struct kld_trie *t, const struct kld_prefix *p)
{
	struct kld_prefix key;
	struct kld_trie_node **link, **plink, *n;
	void *value;
	bool leaf;

	if (!kld_trie_accepts(t, p))
		return NULL;
	key = *p;
	kld_prefix_mask(&key);
	link = kld_trie_find(t, &key, &plink);
	if (!link)
		return NULL;
	t->gen++;
	n = *link;
	value = n->value;
	n->value = NULL;
	n->has_value = 0;
	t->count--;
	if (n->child[0] && n->child[1])
		return value; /* still a branch point */
	leaf = !n->child[0] && !n->child[1];
	kld_trie_splice(t, link);
	/* A valueless parent that just lost a child is no longer a branch
	 * (if n had a child, that child took n's place and nothing changes). */
	if (leaf && plink && !(*plink)->has_value)
		kld_trie_splice(t, plink);
#ifndef KLD_TRIE_NO_POOL
	if (!t->root)
		kld_pool_release(t);
#endif
	return value;
}

void *kld_trie_lookup(const struct kld_trie *t, const struct kld_prefix *p)
{
	struct kld_prefix key;
	struct kld_trie_node **link, **plink;

	if (!kld_trie_accepts(t, p))
		return NULL;
	key = *p;
	kld_prefix_mask(&key);
	link = kld_trie_find(t, &key, &plink);
	return link ? (*link)->value : NULL;
}

void *kld_trie_lookup_near(const struct kld_trie *t, struct kld_trie_cursor *c,
			   const struct kld_prefix *p)
{
	struct kld_prefix key;
	const struct kld_trie_node *n;

	if (!kld_trie_accepts(t, p))
		return NULL;
	key = *p;
	kld_prefix_mask(&key);
	if (c->t != t || c->gen != t->gen) {
		c->t = t;
		c->gen = t->gen;
		c->n = 0;
	}
	/* The path goes from ancestor to descendant, so once a node contains
	 * key all the ones above it do too. */
	while (c->n) {
		n = c->path[c->n - 1];
		if (n->len <= key.len && kld_key_match(n, key.u.bytes))
			break;
		c->n--;
	}
	n = c->n ? c->path[--c->n] : t->root;
	/* as kld_trie_find: one bit per node, the whole key at the end; at
	 * most one node per length shorter than key's is pushed */
	while (n && n->len < key.len) {
		c->path[c->n++] = n;
		n = n->child[kld_key_bit(key.u.bytes, n->len)];
	}
	if (!n || n->len != key.len || !n->has_value || !kld_key_match(n, key.u.bytes))
		return NULL;
	return n->value;
}

size_t kld_trie_count(const struct kld_trie *t)
{
	return t ? t->count : 0;
}

/* ---- longest prefix match ---- */

/* Deepest valued node on the path of key whose length is at most maxlen. */
static void *kld_trie_best(const struct kld_trie *t, const uint8_t *key, unsigned maxlen,
			   struct kld_prefix *matched)
{
	const struct kld_trie_node *n = t->root, *best = NULL;

	while (n && n->len <= maxlen && kld_key_match(n, key)) {
		if (n->has_value)
			best = n;
		if (n->len == maxlen)
			break;
		n = n->child[kld_key_bit(key, n->len)];
	}
	if (!best)
		return NULL;
	if (matched)
		kld_node_prefix(t, best, matched);
	return best->value;
}

void *kld_trie_match(const struct kld_trie *t, const struct kld_addr *a, struct kld_prefix *matched)
{
	if (!t || !a || a->family != t->family)
		return NULL;
	return kld_trie_best(t, a->u.bytes, t->bits, matched);
}

void *kld_trie_match_prefix(const struct kld_trie *t, const struct kld_prefix *p,
			    struct kld_prefix *matched)
{
	struct kld_prefix key;

	if (!kld_trie_accepts(t, p))
		return NULL;
	key = *p;
	kld_prefix_mask(&key);
	return kld_trie_best(t, key.u.bytes, key.len, matched);
}

/* ---- walks ---- */

/* Fill the iterator so that it yields exactly the nodes after `after` in
 * kld_prefix_cmp order. At each node on after's path: the node itself is
 * not after it; child[0]'s subtree is entirely before it when after turns
 * right there, and child[1]'s entirely after it when after turns left. */
static void kld_iter_seek(const struct kld_trie *t, struct kld_trie_iter *it,
			  const struct kld_prefix *after)
{
	const struct kld_trie_node *n = t->root;
	const uint8_t *key = after->u.bytes;

	while (n) {
		unsigned d = kld_key_diff(n->key, key, KLD_MIN(n->len, after->len));

		if (d < n->len) {
			/* Paths diverge (or after is a shorter prefix of n's
			 * bytes): the whole subtree is on one side. */
			if (d == after->len || kld_key_bit(n->key, d) > kld_key_bit(key, d))
				kld_iter_push(it, n);
			return;
		}
		if (n->len == after->len) {
			kld_iter_push(it, n->child[1]);
			kld_iter_push(it, n->child[0]);
			return;
		}
		if (kld_key_bit(key, n->len)) {
			n = n->child[1];
		} else {
			kld_iter_push(it, n->child[1]);
			n = n->child[0];
		}
	}
}

int kld_trie_walk(const struct kld_trie *t, kld_trie_walk_fn fn, void *arg)
{
	struct kld_trie_iter it = { .sp = 0 };
	const struct kld_trie_node *n;
	struct kld_prefix p;
	int r;

	if (!t)
		return 0;
	kld_iter_push(&it, t->root);
	while ((n = kld_iter_next(&it))) {
		kld_node_prefix(t, n, &p);
		r = fn(&p, n->value, arg);
		if (r)
			return r;
	}
	return 0;
}

size_t kld_trie_walk_from(const struct kld_trie *t, const struct kld_prefix *after, size_t budget,
			  kld_trie_walk_fn fn, void *arg, struct kld_prefix *last)
{
	struct kld_trie_iter it = { .sp = 0 };
	const struct kld_trie_node *n;
	struct kld_prefix key, p;
	size_t visited = 0;

	if (!t || budget == 0)
		return 0;
	if (!after || after->family < t->family) {
		kld_iter_push(&it, t->root);
	} else if (after->family == t->family) {
		/* after may alias *last, so work on a copy. */
		key = *after;
		kld_prefix_mask(&key);
		kld_iter_seek(t, &it, &key);
	}
	while (visited < budget && (n = kld_iter_next(&it))) {
		kld_node_prefix(t, n, &p);
		visited++;
		if (last)
			*last = p;
		if (fn(&p, n->value, arg))
			break;
	}
	return visited;
}
