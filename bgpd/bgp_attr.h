/*
 * BGP path attributes: the parsed set, its wire codec with RFC 7606 error
 * handling, the intern table that shares equal sets, and the helpers policy
 * and best-path selection need.
 *
 * Design (after BIRD's rta cache): a route does not own its attributes. It
 * holds a pointer to an interned, immutable, reference-counted struct
 * bgp_attrs; all routes with equal attributes share one copy. A full table
 * of a million prefixes typically has a few thousand distinct sets, so the
 * per-prefix cost is one pointer.
 *
 * A set is a fixed struct of scalars plus a few variable-length arrays
 * (AS path, communities, ...). In a *temporary* set (one being decoded or
 * edited by policy) the arrays point into a struct bgp_scratch arena or
 * into another interned set; bgp_attr_intern() deep-copies the whole set
 * into a single allocation, so temporaries never need freeing one by one.
 *
 * The AS path is kept in wire form with 4-octet AS numbers: segments of
 * [type:1][count:1][count x ASN:4, big-endian]. It is compact, hashes and
 * compares with memcmp, and is copied verbatim to 4-octet sessions.
 */
#ifndef KLD_BGP_ATTR_H
#define KLD_BGP_ATTR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"
#include "bgp_types.h"

/* ---- scratch arena ---------------------------------------------------- */

struct bgp_scratch_blk;

/* A bump allocator for temporary attribute data. Blocks never move, so
 * pointers stay valid until bgp_scratch_reset(). */
struct bgp_scratch {
	struct bgp_scratch_blk *head;
};

void bgp_scratch_init(struct bgp_scratch *s);
void *bgp_scratch_alloc(struct bgp_scratch *s, size_t n); /* 8-byte aligned; never NULL */
void bgp_scratch_reset(struct bgp_scratch *s);		  /* keeps one block for reuse */
void bgp_scratch_free(struct bgp_scratch *s);

/* ---- the attribute set ------------------------------------------------ */

/* Presence bits for the scalar attributes. */
#define BGP_ATTRF_ORIGIN (1u << 0)
#define BGP_ATTRF_AS_PATH (1u << 1)
#define BGP_ATTRF_NEXT_HOP (1u << 2)
#define BGP_ATTRF_MED (1u << 3)
#define BGP_ATTRF_LOCAL_PREF (1u << 4)
#define BGP_ATTRF_ATOMIC_AGGREGATE (1u << 5)
#define BGP_ATTRF_AGGREGATOR (1u << 6)
#define BGP_ATTRF_ORIGINATOR_ID (1u << 7)

struct bgp_lcomm {
	uint32_t global;
	uint32_t local1;
	uint32_t local2;
};

struct bgp_attrs {
	/* Intern bookkeeping: zero in a temporary set. */
	struct bgp_attrs *hnext;
	uint32_t hash;
	uint32_t refcnt;

	uint32_t present; /* BGP_ATTRF_* */
	uint8_t origin;	  /* enum bgp_origin */
	uint32_t med;
	uint32_t local_pref;
	uint32_t aggr_as;
	uint32_t aggr_id; /* host order, like originator_id and cluster ids */
	uint32_t originator_id;
	/* The next hop for the routes this set is attached to: from NEXT_HOP
	 * or from MP_REACH_NLRI; nexthop_ll is an IPv6 link-local second next
	 * hop (RFC 2545) or family 0. */
	struct kld_addr nexthop;
	struct kld_addr nexthop_ll;

	uint16_t aspath_len; /* bytes */
	uint16_t ncomm;
	uint16_t nlcomm;
	uint16_t necomm;
	uint16_t ncluster;
	uint16_t unknown_len; /* bytes */
	const uint8_t *aspath;
	const uint32_t *comm;	       /* RFC 1997 values, host order, as received */
	const struct bgp_lcomm *lcomm; /* RFC 8092 */
	const uint8_t *ecomm;	       /* RFC 4360, 8 wire bytes each */
	const uint32_t *cluster;       /* RFC 4456 */
	/* Unrecognized optional transitive attributes, sorted by type, each
	 * [flags:1][type:1][len:2 BE][value]; flags have Partial set and
	 * Extended Length clear (the encoder picks the length form). */
	const uint8_t *unknown;
};

/* An empty temporary set (origin IGP, no attributes present). */
void bgp_attrs_init(struct bgp_attrs *a);

/* ---- interning -------------------------------------------------------- */

struct bgp_attr_table;

struct bgp_attr_table *bgp_attr_table_new(void);
/* Frees the table and any set still in it (the owner should have dropped
 * its references; leftovers are freed to keep shutdown leak-free). */
void bgp_attr_table_free(struct bgp_attr_table *t);
size_t bgp_attr_table_count(const struct bgp_attr_table *t);
size_t bgp_attr_table_bytes(const struct bgp_attr_table *t); /* heap bytes held */

/* Returns the shared copy equal to tmp, with one more reference. tmp is
 * only read; it may itself be an interned set. */
const struct bgp_attrs *bgp_attr_intern(struct bgp_attr_table *t, const struct bgp_attrs *tmp);
const struct bgp_attrs *bgp_attr_ref(const struct bgp_attrs *a);
/* Drops one reference; frees the set at zero. NULL is ignored. */
void bgp_attr_unref(struct bgp_attr_table *t, const struct bgp_attrs *a);

uint32_t bgp_attrs_hash(const struct bgp_attrs *a);
bool bgp_attrs_eq(const struct bgp_attrs *a, const struct bgp_attrs *b);

/* ---- accessors -------------------------------------------------------- */

static inline uint8_t bgp_attrs_origin(const struct bgp_attrs *a)
{
	return a->origin;
}

/* MED and LOCAL_PREF when absent: the caller's default (RFC 4271 leaves
 * missing-MED treatment to configuration; LOCAL_PREF defaults to 100). */
static inline uint32_t bgp_attrs_med(const struct bgp_attrs *a, uint32_t dflt)
{
	return (a->present & BGP_ATTRF_MED) ? a->med : dflt;
}

static inline uint32_t bgp_attrs_local_pref(const struct bgp_attrs *a, uint32_t dflt)
{
	return (a->present & BGP_ATTRF_LOCAL_PREF) ? a->local_pref : dflt;
}

void bgp_attrs_set_med(struct bgp_attrs *a, uint32_t med);
void bgp_attrs_set_local_pref(struct bgp_attrs *a, uint32_t lp);
const char *bgp_origin_str(uint8_t origin); /* "IGP", "EGP", "incomplete" */
char bgp_origin_char(uint8_t origin);	    /* 'i', 'e', '?' as in show output */

/* ---- AS path ---------------------------------------------------------- */

/* Path length for best-path selection: an AS_SET counts 1 (RFC 4271
 * 9.1.2.2), confederation segments count 0 (RFC 5065 5.3). */
unsigned bgp_aspath_length(const uint8_t *path, size_t len);
/* Leftmost AS of a path that starts with an AS_SEQUENCE, else 0. */
uint32_t bgp_aspath_first(const uint8_t *path, size_t len);
bool bgp_aspath_contains(const uint8_t *path, size_t len, uint32_t asn);
unsigned bgp_aspath_count_as(const uint8_t *path, size_t len, uint32_t asn);
/* Is the path syntactically valid in our 4-octet form? */
bool bgp_aspath_valid(const uint8_t *path, size_t len);

/* Prepend asn `times` times to tmp's AS path (new storage from s). */
int bgp_attrs_aspath_prepend(struct bgp_attrs *tmp, struct bgp_scratch *s, uint32_t asn,
			     unsigned times);
/* Set tmp's path from text ("65002 65003 {1,2}", "(65010) 65002", ""). */
int bgp_attrs_aspath_parse(struct bgp_attrs *tmp, struct bgp_scratch *s, const char *str);

/* Text as FRR shows it: sequences space-separated, AS_SET "{1,2}",
 * AS_CONFED_SEQUENCE "(1 2)", AS_CONFED_SET "[1,2]". snprintf contract:
 * returns the length the full text needs. */
size_t bgp_aspath_fmt(const uint8_t *path, size_t len, char *buf, size_t size);

/*
 * Rebuild the 4-octet path of a route learned over a 2-octet session from
 * AS_PATH (already widened to our 4-octet form, AS_TRANS where the sender
 * could not fit an AS) and AS4_PATH (RFC 6793 section 4.2.3). Returns the
 * length written to out, which needs path_len + as4_len bytes.
 */
size_t bgp_aspath_merge_as4(const uint8_t *path, size_t path_len, const uint8_t *as4,
			    size_t as4_len, uint8_t *out);

/* ---- communities ------------------------------------------------------ */

bool bgp_comm_contains(const struct bgp_attrs *a, uint32_t comm);
/* Append if absent. */
int bgp_attrs_comm_add(struct bgp_attrs *tmp, struct bgp_scratch *s, uint32_t comm);
int bgp_attrs_comm_del(struct bgp_attrs *tmp, struct bgp_scratch *s, uint32_t comm);
/* "no-export" etc. for the well-known values FRR names, else NULL. */
const char *bgp_comm_wellknown_name(uint32_t comm);
/* Parse "65000:100" or a well-known name. Returns 0 or -1. */
int bgp_comm_parse(const char *s, uint32_t *comm);
/* Space-separated list as FRR prints it. snprintf contract. */
size_t bgp_comm_fmt(const uint32_t *comm, size_t n, char *buf, size_t size);

bool bgp_lcomm_contains(const struct bgp_attrs *a, const struct bgp_lcomm *lc);
int bgp_attrs_lcomm_add(struct bgp_attrs *tmp, struct bgp_scratch *s, const struct bgp_lcomm *lc);
int bgp_lcomm_parse(const char *s, struct bgp_lcomm *lc); /* "65000:1:2" */
size_t bgp_lcomm_fmt(const struct bgp_lcomm *lc, size_t n, char *buf, size_t size);

/* ---- RFC 7606 error handling ------------------------------------------ */

/* The approaches of RFC 7606 section 2, ordered by strength (section 3(h):
 * when several errors meet, the strongest wins). */
enum bgp_eh_action {
	BGP_EH_NONE = 0,
	BGP_EH_ATTR_DISCARD,	  /* drop the attribute, keep the routes */
	BGP_EH_TREAT_AS_WITHDRAW, /* the UPDATE's routes are withdrawn */
	BGP_EH_SESSION_RESET,	  /* send `notify` and drop the session */
};

const char *bgp_eh_action_str(enum bgp_eh_action a);

/* The verdict over one UPDATE. */
struct bgp_eh {
	enum bgp_eh_action action;
	uint8_t attr_type;	  /* attribute behind the verdict, 0 if none */
	const char *reason;	  /* static text for the log */
	uint32_t discarded[8];	  /* bitmap of attribute types dropped */
	struct bgp_notify notify; /* filled when action is SESSION_RESET */
};

void bgp_eh_clear(struct bgp_eh *eh);
/* Record an error; keeps the strongest (first of equals). */
void bgp_eh_raise(struct bgp_eh *eh, enum bgp_eh_action act, uint8_t attr_type, const char *reason);
/* Record a session reset with its NOTIFICATION (UPDATE Message Error). */
void bgp_eh_reset(struct bgp_eh *eh, uint8_t subcode, uint8_t attr_type, const char *reason,
		  const void *data, size_t datalen);
bool bgp_eh_discarded(const struct bgp_eh *eh, uint8_t attr_type);

/* ---- wire codec ------------------------------------------------------- */

/* MP_REACH_NLRI / MP_UNREACH_NLRI as found in the attribute block. */
struct bgp_mp_attr {
	bool present; /* seen, well-formed header, a family we speak */
	bool evpn;    /* AFI 25 / SAFI 70 (af unused): bgp_evpn_nlri.h */
	enum bgp_af af;
	struct kld_addr nh; /* MP_REACH only */
	struct kld_addr nh_ll;
	const uint8_t *nlri;
	size_t nlri_len;
	const uint8_t *raw; /* the whole attribute, for NOTIFICATION data */
	size_t raw_len;
};

struct bgp_attr_parsed {
	struct bgp_mp_attr reach;
	struct bgp_mp_attr unreach;
	bool any; /* the block held at least one attribute */
	/* an MP attribute of a family the session did not negotiate (or
	 * that kldnet does not speak), ignored with its NLRI: the last one */
	bool unneg;
	uint16_t unneg_afi;
	uint8_t unneg_safi;
};

/*
 * Parse a path attribute block. Fills `out` (arrays in s) and `mp`; every
 * error is judged per RFC 7606 into eh. The caller (bgp_update_decode)
 * adds the NLRI checks and the missing-attribute rule, which need the rest
 * of the UPDATE.
 */
void bgp_attrs_parse(const uint8_t *p, size_t len, const struct bgp_codec_ctx *ctx,
		     struct bgp_attrs *out, struct bgp_scratch *s, struct bgp_attr_parsed *mp,
		     struct bgp_eh *eh);

/*
 * Encode the attribute set for a peer, except MP_REACH/MP_UNREACH (the
 * UPDATE packer adds those). NEXT_HOP is written only if with_nexthop.
 * To a 2-octet peer the AS path and aggregator are narrowed with AS_TRANS
 * and AS4_PATH/AS4_AGGREGATOR added; to an external peer LOCAL_PREF,
 * ORIGINATOR_ID and CLUSTER_LIST are left out. Returns bytes written or
 * -EMSGSIZE.
 */
int bgp_attrs_encode(const struct bgp_attrs *a, const struct bgp_codec_ctx *ctx, bool with_nexthop,
		     uint8_t *buf, size_t size);

#endif
