/*
 * The nexthop cache: what zebra-lite says of each BGP next hop (resolves
 * or not, at what IGP metric). RFC 4271 9.1.2 excludes a path whose next
 * hop does not resolve from the decision, and the IGP metric to the next
 * hop is one of its tie-breaks.
 *
 * A full table has millions of paths but a handful of next hops, so the
 * cache is a small open-addressing table keyed by address, with a
 * one-entry memo in front of it: the decision process asks about the same
 * next hop for long runs of destinations. An address seen for the first
 * time is *assumed* to resolve at metric 0 and queued for registration;
 * zebra-lite's answer only costs work when it says otherwise, so a table
 * from a directly connected peer is never decided twice. Pure code: the
 * registration messages are bgp_zebra.c's.
 */
#include <string.h>
#include "util.h"
#include "bgpd.h"

static uint32_t bgp_nht_hash(const struct kld_addr *a)
{
	uint32_t h = a->family, w;

	for (int i = 0; i < 16; i += 4) {
		memcpy(&w, a->u.bytes + i, 4);
		h = kld_hash_block(h, w);
	}
	return kld_hash_final(h);
}

static struct bgp_nh *bgp_nht_slot(const struct bgp_nht *t, const struct kld_addr *a)
{
	size_t mask = t->cap - 1;

	for (size_t i = bgp_nht_hash(a) & mask;; i = (i + 1) & mask)
		if (!t->slots[i].addr.family || kld_addr_eq(&t->slots[i].addr, a))
			return &t->slots[i];
}

static void bgp_nht_grow(struct bgp_nht *t)
{
	struct bgp_nh *old = t->slots;
	size_t ocap = t->cap;

	t->cap = ocap ? ocap * 2 : 16;
	t->slots = kld_xcalloc(t->cap, sizeof(*t->slots));
	t->memo = NULL;
	for (size_t i = 0; i < ocap; i++)
		if (old[i].addr.family)
			*bgp_nht_slot(t, &old[i].addr) = old[i];
	free(old);
}

struct bgp_nh *bgp_nht_find(struct bgp_nht *t, const struct kld_addr *a)
{
	struct bgp_nh *nh;

	if (t->memo && kld_addr_eq(&t->memo->addr, a))
		return t->memo;
	if (!t->cap)
		return NULL;
	nh = bgp_nht_slot(t, a);
	if (!nh->addr.family)
		return NULL;
	t->memo = nh;
	return nh;
}

struct bgp_nh *bgp_nht_get(struct bgp_nht *t, const struct kld_addr *a)
{
	struct bgp_nh *nh = bgp_nht_find(t, a);

	if (nh)
		return nh;
	if (2 * (t->n + 1) > t->cap)
		bgp_nht_grow(t);
	nh = bgp_nht_slot(t, a);
	memset(nh, 0, sizeof(*nh));
	nh->addr = *a;
	nh->resolved = true; /* until zebra-lite says otherwise */
	t->n++;
	t->unregistered++;
	t->memo = nh;
	return nh;
}

bool bgp_nht_set(struct bgp_nht *t, const struct kld_addr *a, bool resolved, uint32_t metric)
{
	struct bgp_nh *nh = bgp_nht_find(t, a);

	if (!nh)
		return false; /* not ours (any more) */
	nh->answered = true;
	if (nh->resolved == resolved && nh->metric == metric)
		return false;
	nh->resolved = resolved;
	nh->metric = metric;
	return true;
}

void bgp_nht_unregister_all(struct bgp_nht *t)
{
	for (size_t i = 0; i < t->cap; i++)
		t->slots[i].registered = false;
	t->unregistered = t->n;
}

void bgp_nht_free(struct bgp_nht *t)
{
	free(t->slots);
	memset(t, 0, sizeof(*t));
}

/* Paths we originate have no next hop to resolve; nor has anything when
 * there is no daemon around the decision (unit tests). */
static struct bgp_nh *bgp_path_nh(const struct bgp_path *p)
{
	const struct bgp *bgp = p->peer ? p->peer->bgp : NULL;

	if (!bgp || !bgp->bd)
		return NULL;
	return bgp_nht_get(&bgp->bd->nht, &p->attrs->nexthop);
}

bool bgp_path_valid(const struct bgp_path *p)
{
	const struct bgp_nh *nh = bgp_path_nh(p);

	return !nh || nh->resolved;
}

uint32_t bgp_path_igp_metric(const struct bgp_path *p)
{
	const struct bgp_nh *nh = bgp_path_nh(p);

	return nh ? nh->metric : 0;
}
