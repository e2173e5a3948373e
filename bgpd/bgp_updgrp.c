/*
 * Update groups: established peers whose outbound policy and UPDATE
 * encoding are the same share one Adj-RIB-Out, and their UPDATEs are
 * computed and packed once and appended to every member's send buffer.
 *
 * A group's `conf` is a peer object that never has a session (FRR's
 * updgrp->conf): it carries the settings the members share and the
 * group's Adj-RIB-Out, outbound cache and queue, so the outbound code of
 * bgp_rib.c runs on it exactly as on a peer of its own.
 *
 * Two peers belong together when everything the outbound computation and
 * the encoder read is the same (bgp_updgrp_same): the kind of session,
 * for eBGP the peer's AS (the sender-side loop check and split horizon
 * depend on it, so peers of one AS share), the family of our end of the
 * session, the address families, the outbound prefix-lists and
 * route-maps by name, next-hop-self, route-reflector-client (a
 * client gets what non-clients do not), and the encoding context (4-octet
 * AS, IPv4 in MP_REACH, negotiated families, message size). Our own
 * address as next hop differs between links: UPDATEs are packed with the
 * conf's and rewritten for a member on another link (as FRR does), so
 * peers on separate point-to-point links still share.
 *
 * The conf is no member, so split horizon and the ORIGINATOR_ID check of
 * route reflection do not hold per member: a client in a group may be
 * sent back a route it sent, which it drops as RFC 4456 8 asks (FRR's
 * update groups do the same with more than one peer).
 *
 * This file only decides and keeps membership; bgp_rib.c moves the
 * tables when a peer joins (after its own initial table) or leaves.
 */
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "bgpd.h"

static bool bgp_codec_ctx_eq(const struct bgp_codec_ctx *a, const struct bgp_codec_ctx *b)
{
	return a->as4 == b->as4 && a->ebgp == b->ebgp && a->confed == b->confed &&
	       a->ipv4_mp == b->ipv4_mp && a->af_mask == b->af_mask && a->max_msg == b->max_msg;
}

static bool bgp_af_policy_eq(const struct bgp_peer *a, const struct bgp_peer *b, int af)
{
	if (a->af_active[af] != b->af_active[af])
		return false;
	if (!a->af_active[af])
		return true;
	return a->nh_self[af] == b->nh_self[af] && a->rr_client[af] == b->rr_client[af] &&
	       !strcmp(a->plist[af][1], b->plist[af][1]) && !strcmp(a->rmap[af][1], b->rmap[af][1]);
}

bool bgp_updgrp_same(const struct bgp_peer *a, const struct bgp_peer *b)
{
	if (a->ebgp != b->ebgp || (a->ebgp && a->remote_as != b->remote_as))
		return false;
	if (a->local.family != b->local.family || !bgp_codec_ctx_eq(&a->ctx, &b->ctx))
		return false;
	for (int af = 0; af < BGP_AF_MAX; af++)
		if (!bgp_af_policy_eq(a, b, af))
			return false;
	return true;
}

struct bgp_updgrp *bgp_updgrp_find(struct bgp *bgp, const struct bgp_peer *peer)
{
	for (struct bgp_updgrp *g = bgp->updgrps; g; g = g->next)
		if (bgp_updgrp_same(g->conf, peer))
			return g;
	return NULL;
}

/* The settings of `like` that the outbound code reads; nothing that
 * belongs to a session (sockets, timers, buffers). */
static struct bgp_peer *bgp_updgrp_conf(const struct bgp_peer *like)
{
	struct bgp_peer *c = kld_xcalloc(1, sizeof(*c));

	c->bgp = like->bgp;
	c->addr = like->addr;
	c->remote_as = like->remote_as;
	c->as_type = like->as_type;
	c->ebgp = like->ebgp;
	c->local = like->local;
	c->ctx = like->ctx;
	c->neg = like->neg;
	memcpy(c->af_active, like->af_active, sizeof(c->af_active));
	memcpy(c->plist, like->plist, sizeof(c->plist));
	memcpy(c->rmap, like->rmap, sizeof(c->rmap));
	memcpy(c->nh_self, like->nh_self, sizeof(c->nh_self));
	memcpy(c->rr_client, like->rr_client, sizeof(c->rr_client));
	c->state = BGP_FSM_ESTABLISHED;
	c->c.fd = c->acc.fd = -1;
	return c;
}

struct bgp_updgrp *bgp_updgrp_new(struct bgp *bgp, const struct bgp_peer *like)
{
	struct bgp_updgrp *g = kld_xcalloc(1, sizeof(*g)), **gp;

	g->id = ++bgp->updgrp_last_id;
	g->created_ms = kld_now_ms();
	g->conf = bgp_updgrp_conf(like);
	g->conf->ug = g;
	for (gp = &bgp->updgrps; *gp; gp = &(*gp)->next)
		;
	*gp = g;
	return g;
}

void bgp_updgrp_add(struct bgp_updgrp *g, struct bgp_peer *peer)
{
	struct bgp_peer **pp;

	for (pp = &g->members; *pp; pp = &(*pp)->ug_next)
		;
	*pp = peer;
	peer->ug_next = NULL;
	peer->ug = g;
	g->nmembers++;
	g->joins++;
}

unsigned bgp_updgrp_del(struct bgp_peer *peer)
{
	struct bgp_updgrp *g = peer->ug;

	for (struct bgp_peer **pp = &g->members; *pp; pp = &(*pp)->ug_next) {
		if (*pp == peer) {
			*pp = peer->ug_next;
			g->nmembers--;
			g->prunes++;
			break;
		}
	}
	peer->ug = NULL;
	peer->ug_next = NULL;
	return g->nmembers;
}

/* Unlinks an empty group and frees it; its conf's tables are the
 * caller's to release first. */
void bgp_updgrp_free(struct bgp *bgp, struct bgp_updgrp *g)
{
	for (struct bgp_updgrp **gp = &bgp->updgrps; *gp; gp = &(*gp)->next) {
		if (*gp == g) {
			*gp = g->next;
			break;
		}
	}
	free(g->conf);
	free(g);
}
