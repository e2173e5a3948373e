/*
 * The BGP decision process: RFC 4271 9.1.2 with the tie-breaks FRR and
 * most implementations use, in this order: weight, LOCAL_PREF, locally
 * originated, AS path length, ORIGIN, MED (only between paths from the same
 * neighbouring AS, missing MED = 0), eBGP over iBGP, IGP metric to the next
 * hop (zebra-lite's, from the nexthop cache), the peer's BGP identifier
 * (the ORIGINATOR_ID of a reflected path), the CLUSTER_LIST length, the
 * peer's address. A path whose next hop does not resolve is not a
 * candidate at all (bgp_path_valid; the RIB skips it). A pure comparison,
 * so it is unit-testable and the RIB code only asks "which one is better".
 */
#include <string.h>
#include "bgpd.h"

uint32_t bgp_path_weight(const struct bgp_path *p)
{
	return p->peer ? 0 : BGP_WEIGHT_LOCAL;
}

static int bgp_cmp_u32(uint32_t a, uint32_t b)
{
	return a < b ? -1 : a > b;
}

/* What the path carries after inbound policy, eBGP and iBGP alike: a
 * LOCAL_PREF an external peer sent was discarded on receipt (bgp_attr.c),
 * so one present on an eBGP path is our policy's (RFC 4271 9.1.1). */
uint32_t bgp_path_local_pref(const struct bgp_path *p)
{
	return bgp_attrs_local_pref(p->attrs, BGP_DEFAULT_LOCAL_PREF);
}

static uint32_t bgp_path_neighbor_as(const struct bgp_path *p)
{
	return bgp_aspath_first(p->attrs->aspath, p->attrs->aspath_len);
}

static int bgp_cmp_med(const struct bgp_path *a, const struct bgp_path *b)
{
	if (bgp_path_neighbor_as(a) != bgp_path_neighbor_as(b))
		return 0;
	return bgp_cmp_u32(bgp_attrs_med(a->attrs, 0), bgp_attrs_med(b->attrs, 0));
}

/* RFC 4456 9: a reflected path is judged by its ORIGINATOR_ID in place
 * of the peer's BGP identifier. */
static uint32_t bgp_path_router_id(const struct bgp_path *p)
{
	if (p->attrs->present & BGP_ATTRF_ORIGINATOR_ID)
		return p->attrs->originator_id;
	return p->peer->ropen.bgp_id;
}

/* Each step below names itself in *why (FRR's selection reasons) when it
 * decides, for show; a tie leaves it as it was. */
#define BGP_STEP(name, expr)                                                                       \
	do {                                                                                       \
		if ((c = (expr))) {                                                                \
			*why = (name);                                                             \
			return c;                                                                  \
		}                                                                                  \
	} while (0)

/* The router id, then the shorter CLUSTER_LIST (RFC 4456 9), then the
 * peer's address. */
static int bgp_cmp_peer(const struct bgp_path *a, const struct bgp_path *b, const char **why)
{
	int c;

	if (!a->peer || !b->peer)
		return 0;
	BGP_STEP("Router ID", bgp_cmp_u32(bgp_path_router_id(a), bgp_path_router_id(b)));
	BGP_STEP("Cluster length", bgp_cmp_u32(a->attrs->ncluster, b->attrs->ncluster));
	BGP_STEP("Neighbor IP", kld_addr_cmp(&a->peer->addr, &b->peer->addr));
	return 0;
}

static int bgp_path_cmp_mp(const struct bgp *bgp, const struct bgp_path *a,
			   const struct bgp_path *b, const char **why)
{
	int c;

	(void)bgp;
	BGP_STEP("Weight", bgp_cmp_u32(bgp_path_weight(b), bgp_path_weight(a)));
	BGP_STEP("Local Pref", bgp_cmp_u32(bgp_path_local_pref(b), bgp_path_local_pref(a)));
	BGP_STEP("Local Route", (a->peer != NULL) - (b->peer != NULL));
	BGP_STEP("AS Path", bgp_cmp_u32(bgp_aspath_length(a->attrs->aspath, a->attrs->aspath_len),
					bgp_aspath_length(b->attrs->aspath, b->attrs->aspath_len)));
	BGP_STEP("ORIGIN", bgp_cmp_u32(a->attrs->origin, b->attrs->origin));
	BGP_STEP("MED", bgp_cmp_med(a, b));
	if (a->peer && b->peer)
		BGP_STEP("Peer Type", (int)b->peer->ebgp - (int)a->peer->ebgp);
	BGP_STEP("IGP Metric", bgp_cmp_u32(bgp_path_igp_metric(a), bgp_path_igp_metric(b)));
	return 0;
}

static int bgp_path_cmp_why(const struct bgp *bgp, const struct bgp_path *a,
			    const struct bgp_path *b, const char **why)
{
	int c = bgp_path_cmp_mp(bgp, a, b, why);

	return c ? c : bgp_cmp_peer(a, b, why);
}

int bgp_path_cmp(const struct bgp *bgp, const struct bgp_path *a, const struct bgp_path *b)
{
	const char *why;

	return bgp_path_cmp_why(bgp, a, b, &why);
}

const char *bgp_path_cmp_reason(const struct bgp *bgp, const struct bgp_path *a,
				const struct bgp_path *b)
{
	const char *why = "Nothing left to compare";

	bgp_path_cmp_why(bgp, a, b, &why);
	return why;
}

bool bgp_path_multipath_eq(const struct bgp *bgp, const struct bgp_path *a,
			   const struct bgp_path *b)
{
	if (!a->peer || !b->peer || a->peer->ebgp != b->peer->ebgp)
		return false;
	if (a->attrs->aspath_len != b->attrs->aspath_len ||
	    memcmp(a->attrs->aspath, b->attrs->aspath, a->attrs->aspath_len))
		return false;
	const char *why;

	return bgp_path_cmp_mp(bgp, a, b, &why) == 0;
}
