/*
 * BGP-4 message codec: header, OPEN (with capabilities), KEEPALIVE,
 * NOTIFICATION, ROUTE-REFRESH and UPDATE, as pure functions over byte
 * buffers. No sockets, no timers, no logging: the daemon reads a header,
 * asks bgp_hdr_decode() how long the message is, reads the rest, and hands
 * the whole message to the decoder of its type. Every decoder that can
 * fail fills a struct bgp_notify with the NOTIFICATION to send.
 *
 * Encoders write complete messages (header included) into a caller
 * buffer and return the length, or -EMSGSIZE / -EINVAL. The UPDATE packer
 * instead hands each message it builds to a callback, because one call may
 * produce many messages.
 */
#ifndef KLD_BGP_PACKET_H
#define KLD_BGP_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"
#include "bgp_types.h"
#include "bgp_attr.h"
#include "bgp_evpn_nlri.h"

/* ---- header ----------------------------------------------------------- */

struct bgp_hdr {
	uint16_t len; /* whole message, header included */
	uint8_t type;
};

/*
 * Check the 19-byte header at buf (RFC 4271 6.1): marker, length in
 * 19..4096 and plausible for the type, known type. Returns 0, -EAGAIN if
 * fewer than 19 bytes were given, or -EBADMSG with err filled.
 */
int bgp_hdr_decode(const uint8_t *buf, size_t len, struct bgp_hdr *h, struct bgp_notify *err);
void bgp_hdr_encode(uint8_t *buf, uint16_t len, uint8_t type);
const char *bgp_msg_type_str(uint8_t type);

/* ---- OPEN ------------------------------------------------------------- */

#define BGP_CAPF_MP (1u << 0)
#define BGP_CAPF_ROUTE_REFRESH (1u << 1)
#define BGP_CAPF_ROUTE_REFRESH_OLD (1u << 2)
#define BGP_CAPF_AS4 (1u << 3)
#define BGP_CAPF_GR (1u << 4)

#define BGP_CAPS_UNKNOWN_MAX 512

struct bgp_gr_cap {
	uint8_t flags;	      /* BGP_GR_FLAG_RESTART | BGP_GR_FLAG_NOTIFY */
	uint16_t time;	      /* restart time, seconds (12 bits) */
	uint32_t af_mask;     /* families listed */
	uint32_t af_fwd_mask; /* ...with the forwarding-state bit */
};

struct bgp_caps {
	uint32_t present; /* BGP_CAPF_* */
	uint32_t mp_mask; /* BGP_AF_BIT()s of MP capabilities we know */
	uint32_t as4;	  /* the 4-octet AS capability's value */
	struct bgp_gr_cap gr;
	/* Capabilities we do not interpret (and MP ones for families we do
	 * not speak), raw [code][len][value], kept for display. */
	uint16_t unknown_len;
	uint16_t nunknown;
	uint8_t unknown[BGP_CAPS_UNKNOWN_MAX];
};

struct bgp_open {
	uint8_t version;
	uint16_t my_as; /* the 2-octet field; AS_TRANS for a 4-octet AS */
	uint16_t hold_time;
	uint32_t bgp_id; /* host order */
	struct bgp_caps caps;
};

/* An OPEN for the local side: my_as (AS_TRANS when needed) and the
 * 4-octet AS capability set from asn; add other capabilities after. */
void bgp_open_init(struct bgp_open *o, uint32_t asn, uint16_t hold_time, uint32_t bgp_id);
/* The speaker's AS: the 4-octet capability if sent, else my_as. */
uint32_t bgp_open_asn(const struct bgp_open *o);
int bgp_open_encode(const struct bgp_open *o, uint8_t *buf, size_t size);
/* Syntax (RFC 4271 6.2, RFC 5492, RFC 9072 extended parameters). */
int bgp_open_decode(const uint8_t *msg, size_t len, struct bgp_open *o, struct bgp_notify *err);

/* What the local configuration expects of the peer's OPEN. */
struct bgp_open_expect {
	uint32_t peer_as; /* 0: any */
	uint32_t local_as;
	uint32_t local_id; /* host order */
	uint32_t af_mask;  /* the families our OPEN lists; 0: not checked */
};

/* Semantics (RFC 4271 6.2, RFC 6286, RFC 6793): version, peer AS, BGP
 * identifier, hold time, and a family in common with af_mask (RFC 4760 8;
 * none: Unsupported Capability, as FRR). Returns 0 or -EBADMSG with err
 * filled. */
int bgp_open_check(const struct bgp_open *o, const struct bgp_open_expect *x,
		   struct bgp_notify *err);

/* The session parameters two OPENs agree on. */
struct bgp_negotiated {
	bool as4;
	bool route_refresh; /* the peer accepts ROUTE-REFRESH */
	uint32_t af_mask;
	uint16_t hold_time; /* min of both; 0 disables keepalives */
	uint16_t keepalive; /* hold_time / 3 */
	bool peer_gr;	    /* the peer sent graceful restart */
	struct bgp_gr_cap gr;
};

void bgp_negotiate(const struct bgp_open *local, const struct bgp_open *remote,
		   struct bgp_negotiated *n);

/* Graceful restart (RFC 4724), the helper's decisions as BGP_AF_BIT()s.
 * Which families' routes to keep, marked stale, when the session of n
 * ends: none unless we help (we sent the capability) and the session
 * ended without a NOTIFICATION (a TCP failure; a hold timer expiry sends
 * one); then those the peer's capability listed. */
uint32_t bgp_gr_retain_mask(const struct bgp_negotiated *n, bool helper, bool notification);
/* The session is back, negotiated as n: of the stale families, those
 * whose stale routes wait for End-of-RIB (the others are flushed now). */
uint32_t bgp_gr_keep_mask(uint32_t stale, const struct bgp_negotiated *n);

/* ---- KEEPALIVE, NOTIFICATION, ROUTE-REFRESH ---------------------------- */

int bgp_keepalive_encode(uint8_t *buf, size_t size);
int bgp_notify_encode(const struct bgp_notify *n, uint8_t *buf, size_t size);
/* A received NOTIFICATION into n; err only if the message itself is bad. */
int bgp_notify_decode(const uint8_t *msg, size_t len, struct bgp_notify *n, struct bgp_notify *err);
/* The shutdown communication (RFC 8203, RFC 9003) of a Cease/Administrative
 * Shutdown or Reset: a length octet, then up to 255 octets of UTF-8. Written
 * to buf made safe to print (control octets and invalid UTF-8 as \xHH), at
 * most BGP_SHUTDOWN_TEXT_MAX with its NUL. The text's length, or -1 when n
 * carries none (another code, no data, a zero length) or a malformed one
 * (the length octet says more than the data holds). */
#define BGP_SHUTDOWN_TEXT_MAX (255 * 4 + 1)
int bgp_notify_shutdown_text(const struct bgp_notify *n, char *buf, size_t size);

struct bgp_route_refresh {
	uint16_t afi;
	uint8_t subtype; /* 0 normal; 1/2 begin/end (RFC 7313) */
	uint8_t safi;
};

int bgp_rrefresh_encode(const struct bgp_route_refresh *r, uint8_t *buf, size_t size);
int bgp_rrefresh_decode(const uint8_t *msg, size_t len, struct bgp_route_refresh *r,
			struct bgp_notify *err);

/* ---- UPDATE decoding -------------------------------------------------- */

struct bgp_prefix_list {
	struct kld_prefix *p;
	size_t n;
	size_t cap;
};

/*
 * One decoded UPDATE. Reuse it across messages (init once, fini at the
 * end) so its buffers are recycled.
 *
 * After bgp_update_decode():
 *  - eh.action says what RFC 7606 decided. The lists below already
 *    reflect it: on treat-as-withdraw every announced prefix has been
 *    moved to `withdrawn`; on session-reset all lists are empty and
 *    eh.notify is the NOTIFICATION to send.
 *  - `nlri` (IPv4, from the NLRI field) goes with `attrs`;
 *    `mp_nlri` (from MP_REACH_NLRI) goes with `attrs` but the next hop
 *    `mp_nexthop`/`mp_nexthop_ll`; bgp_update_mp_attrs() builds that set.
 *  - attrs is temporary (arrays in `scratch`): intern it before the next
 *    decode.
 *  - the lists hold only families of ctx->af_mask: the NLRI fields (IPv4
 *    unicast) and MP attributes of any other family are ignored, and
 *    `unneg` says so.
 */
struct bgp_update {
	struct bgp_prefix_list withdrawn; /* both families */
	struct bgp_prefix_list nlri;
	struct bgp_prefix_list mp_nlri;
	struct bgp_attrs attrs;
	bool has_attrs; /* the attribute block was not empty */
	struct kld_addr mp_nexthop;
	struct kld_addr mp_nexthop_ll;
	bool eor; /* End-of-RIB marker (RFC 4724 section 2) for eor_af */
	enum bgp_af eor_af;
	/* NLRI of a family the session did not negotiate were left out of
	 * the lists (RFC 4760 8); the AFI/SAFI of the last, for the log */
	bool unneg;
	uint16_t unneg_afi;
	uint8_t unneg_safi;
	/* EVPN (AFI 25 / SAFI 70, when negotiated): routes announced with
	 * evpn_nh (and attrs), routes withdrawn (a treat-as-withdraw verdict
	 * has moved the announced ones here too), End-of-RIB */
	struct bgp_evpn_route *evpn_reach, *evpn_unreach;
	size_t nevpn_reach, nevpn_unreach, evpn_reach_cap, evpn_unreach_cap;
	struct kld_addr evpn_nh;
	bool evpn_eor;
	struct bgp_eh eh;
	struct bgp_scratch scratch;
};

void bgp_update_init(struct bgp_update *u);
void bgp_update_fini(struct bgp_update *u);
/* Returns 0, or -EBADMSG when the session must be reset (u->eh.notify). */
int bgp_update_decode(struct bgp_update *u, const uint8_t *msg, size_t len,
		      const struct bgp_codec_ctx *ctx);
/* u->attrs with the MP_REACH next hop, for the routes in u->mp_nlri
 * (shallow copy: valid as long as u's scratch is). */
void bgp_update_mp_attrs(const struct bgp_update *u, struct bgp_attrs *out);

/* ---- UPDATE encoding -------------------------------------------------- */

/* Receives each message built; a negative return aborts the packing and
 * is passed back to the caller. */
typedef int (*bgp_emit_fn)(void *arg, const uint8_t *msg, size_t len);

/*
 * Announce n prefixes of one family, all with attribute set a (whose next
 * hop must be of that family), in as few UPDATEs as fit in the session's
 * message size. IPv4 goes in the NLRI field unless ctx->ipv4_mp; IPv6 goes
 * in MP_REACH_NLRI (placed first, RFC 7606 5.1). Returns the number of
 * messages emitted, -EINVAL (mixed families, next hop of the wrong
 * family), -EPROTONOSUPPORT (a family not in ctx->af_mask: never sent),
 * -EMSGSIZE (attributes too big), or the callback's error.
 */
int bgp_update_pack(const struct bgp_codec_ctx *ctx, const struct bgp_attrs *a,
		    const struct kld_prefix *pfx, size_t n, bgp_emit_fn emit, void *arg);
/* Withdraw n prefixes of one family, packed the same way. */
int bgp_withdraw_pack(const struct bgp_codec_ctx *ctx, const struct kld_prefix *pfx, size_t n,
		      bgp_emit_fn emit, void *arg);
/* Messages buf[0..len) were packed with next hop `from` where the
 * sender put its own address: make those `to` (an update group's member
 * on another link than the one it was packed for). A NEXT_HOP or
 * MP_REACH_NLRI next hop equal to from changes; nothing else does.
 * -EINVAL: families differ or the messages are cut. */
int bgp_updates_rewrite_nexthop(uint8_t *buf, size_t len, const struct kld_addr *from,
				const struct kld_addr *to);
/* The End-of-RIB marker for a family; -EPROTONOSUPPORT if not negotiated. */
int bgp_eor_encode(const struct bgp_codec_ctx *ctx, enum bgp_af af, uint8_t *buf, size_t size);

#endif
