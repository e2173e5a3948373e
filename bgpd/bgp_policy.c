/*
 * Prefix-lists (FRR's `ip prefix-list NAME seq N permit|deny P [ge N] [le N]`
 * and `any`). Entries are kept sorted by sequence number; the first that
 * matches decides, and a list where nothing matches denies. A list that is
 * referenced but not defined denies everything, as in FRR.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "bgpd.h"

/* `ip prefix-list` and `ipv6 prefix-list` are separate name spaces. */
struct bgp_plist *bgp_plist_find(struct bgpd *bd, const char *name, uint8_t family)
{
	for (struct bgp_plist *pl = bd->plists; pl; pl = pl->next)
		if (pl->family == family && !strcmp(pl->name, name))
			return pl;
	return NULL;
}

struct bgp_plist *bgp_plist_get(struct bgpd *bd, const char *name, uint8_t family)
{
	struct bgp_plist *pl = bgp_plist_find(bd, name, family), **pp;

	if (pl)
		return pl;
	pl = kld_xcalloc(1, sizeof(*pl));
	snprintf(pl->name, sizeof(pl->name), "%s", name);
	pl->family = family;
	for (pp = &bd->plists; *pp && strcmp((*pp)->name, name) < 0; pp = &(*pp)->next)
		;
	pl->next = *pp;
	*pp = pl;
	return pl;
}

int bgp_plist_set(struct bgp_plist *pl, const struct bgp_plist_entry *e)
{
	size_t i = 0;

	while (i < pl->n && pl->e[i].seq < e->seq)
		i++;
	if (i < pl->n && pl->e[i].seq == e->seq) {
		pl->e[i] = *e;
		return 0;
	}
	pl->e = kld_xrealloc(pl->e, (pl->n + 1) * sizeof(*pl->e));
	memmove(pl->e + i + 1, pl->e + i, (pl->n - i) * sizeof(*pl->e));
	pl->e[i] = *e;
	pl->n++;
	return 0;
}

static void bgp_plist_unlink(struct bgpd *bd, struct bgp_plist *pl)
{
	for (struct bgp_plist **pp = &bd->plists; *pp; pp = &(*pp)->next) {
		if (*pp == pl) {
			*pp = pl->next;
			break;
		}
	}
	free(pl->e);
	free(pl);
}

/* Same rule, sequence number aside (FRR finds a line without `seq` by it). */
static bool bgp_plist_entry_same(const struct bgp_plist_entry *a, const struct bgp_plist_entry *b)
{
	if (a->permit != b->permit || a->any != b->any)
		return false;
	return a->any || (kld_prefix_eq(&a->p, &b->p) && a->ge == b->ge && a->le == b->le);
}

/* The sequence number of an entry with e's content, or 0. */
uint32_t bgp_plist_seq_of(const struct bgp_plist *pl, const struct bgp_plist_entry *e)
{
	for (size_t i = 0; pl && i < pl->n; i++)
		if (bgp_plist_entry_same(&pl->e[i], e))
			return pl->e[i].seq;
	return 0;
}

/* FRR's number for a line typed without `seq`: 5 past the highest
 * multiple of 5 at or below the highest number in use. */
uint32_t bgp_plist_next_seq(const struct bgp_plist *pl)
{
	uint32_t max = 0;

	for (size_t i = 0; pl && i < pl->n; i++)
		if (pl->e[i].seq > max)
			max = pl->e[i].seq;
	return (max / 5 + 1) * 5;
}

/* seq 0 deletes the whole list. Returns -1 if there was nothing. */
int bgp_plist_del(struct bgpd *bd, struct bgp_plist *pl, uint32_t seq)
{
	size_t i;

	if (!seq) {
		bgp_plist_unlink(bd, pl);
		return 0;
	}
	for (i = 0; i < pl->n && pl->e[i].seq != seq; i++)
		;
	if (i == pl->n)
		return -1;
	memmove(pl->e + i, pl->e + i + 1, (pl->n - i - 1) * sizeof(*pl->e));
	pl->n--;
	if (!pl->n)
		bgp_plist_unlink(bd, pl);
	return 0;
}

void bgp_plist_free_all(struct bgpd *bd)
{
	while (bd->plists)
		bgp_plist_unlink(bd, bd->plists);
}

static bool bgp_plist_entry_match(const struct bgp_plist_entry *e, const struct kld_prefix *p)
{
	unsigned lo, hi;

	if (e->any)
		return true;
	if (e->p.family != p->family || !kld_prefix_contains(&e->p, p))
		return false;
	lo = e->ge ? e->ge : e->p.len;
	hi = e->le ? e->le : (e->ge ? kld_family_bits(p->family) : e->p.len);
	return p->len >= lo && p->len <= hi;
}

bool bgp_plist_permit(struct bgpd *bd, const char *name, const struct kld_prefix *p)
{
	struct bgp_plist *pl = bgp_plist_find(bd, name, p->family);

	if (!pl)
		return false;
	for (size_t i = 0; i < pl->n; i++)
		if (bgp_plist_entry_match(&pl->e[i], p))
			return pl->e[i].permit;
	return false;
}

void bgp_plist_entry_fmt(const struct bgp_plist_entry *e, char *buf, size_t size)
{
	char pfx[KLD_PREFIX_STRLEN];
	int n;

	if (e->any) {
		snprintf(buf, size, "seq %u %s any", e->seq, e->permit ? "permit" : "deny");
		return;
	}
	n = snprintf(buf, size, "seq %u %s %s", e->seq, e->permit ? "permit" : "deny",
		     kld_prefix_fmt(&e->p, pfx, sizeof(pfx)));
	if (n < 0 || (size_t)n >= size)
		return;
	if (e->ge)
		n += snprintf(buf + n, size - (size_t)n, " ge %u", e->ge);
	if (e->le && (size_t)n < size)
		snprintf(buf + n, size - (size_t)n, " le %u", e->le);
}

/* RFC 8212 with `bgp ebgp-requires-policy`: an eBGP session without a
 * policy in a direction exchanges nothing in that direction. */
bool bgp_policy_missing(const struct bgp_peer *peer, enum bgp_af af, int dir)
{
	return peer->bgp->ebgp_requires_policy && bgp_peer_is_ebgp(peer) &&
	       !peer->plist[af][dir][0] && !peer->rmap[af][dir][0];
}
