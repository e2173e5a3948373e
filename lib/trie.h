/*
 * A path-compressed binary trie (PATRICIA) keyed by kld_prefix, one per
 * address family. Values are opaque pointers owned by the caller.
 *
 * Internal nodes exist only where two stored prefixes diverge, so a table
 * of N prefixes has at most 2N-1 nodes. A node is 32 (IPv4) or 48 (IPv6)
 * bytes, carved from pooled blocks: 64 bytes of RSS per IPv4 prefix for 1M
 * random prefixes, small enough for full BGP tables.
 */
#ifndef KLD_TRIE_H
#define KLD_TRIE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "prefix.h"

struct kld_trie;

struct kld_trie *kld_trie_new(uint8_t family);
/* free_value (may be NULL) is called for each stored value. */
void kld_trie_free(struct kld_trie *t, void (*free_value)(void *));

/* Insert or replace; returns the previous value (or NULL). The prefix is
 * copied and masked. Returns NULL and does nothing on a family mismatch. */
void *kld_trie_insert(struct kld_trie *t, const struct kld_prefix *p, void *value);
/* Remove; returns the value that was stored, or NULL. */
void *kld_trie_delete(struct kld_trie *t, const struct kld_prefix *p);
void *kld_trie_lookup(const struct kld_trie *t, const struct kld_prefix *p);

/* Look-ups of nearby prefixes one after the other (the NLRI of a BGP
 * UPDATE, often consecutive): the cursor keeps the nodes of the last
 * descent, and the next one starts from the deepest of them that contains
 * the new prefix instead of the root. A delete makes the next look-up
 * start from the root again. A zeroed cursor is ready to use; it must not
 * be used after its trie is freed. */
#define KLD_TRIE_CURSOR_DEPTH 129
struct kld_trie_cursor {
	const struct kld_trie *t;
	uint64_t gen;
	unsigned n;
	const void *path[KLD_TRIE_CURSOR_DEPTH];
};
void *kld_trie_lookup_near(const struct kld_trie *t, struct kld_trie_cursor *c,
			   const struct kld_prefix *p);
/* Longest prefix match; *matched (if not NULL) receives the stored prefix. */
void *kld_trie_match(const struct kld_trie *t, const struct kld_addr *a,
		     struct kld_prefix *matched);
/* Longest stored prefix that contains p (p itself included). */
void *kld_trie_match_prefix(const struct kld_trie *t, const struct kld_prefix *p,
			    struct kld_prefix *matched);
size_t kld_trie_count(const struct kld_trie *t);

/* In-order walk (ascending by kld_prefix_cmp). The callback returns 0 to go
 * on, anything else to stop (that value is returned). The callback must not
 * change the trie; collect first, then change. */
typedef int (*kld_trie_walk_fn)(const struct kld_prefix *p, void *value, void *arg);
int kld_trie_walk(const struct kld_trie *t, kld_trie_walk_fn fn, void *arg);

/* Resumable walk for long tables that must yield to the event loop: visits
 * up to `budget` entries strictly after `after` (or from the start when after
 * is NULL) and stores the last visited prefix in *last. Returns the number
 * visited; fewer than budget means the walk is done. */
size_t kld_trie_walk_from(const struct kld_trie *t, const struct kld_prefix *after,
			  size_t budget, kld_trie_walk_fn fn, void *arg,
			  struct kld_prefix *last);

#endif
