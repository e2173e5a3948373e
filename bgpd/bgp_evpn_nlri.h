/*
 * BGP EVPN on the wire (RFC 7432, RFC 8365 for VXLAN): the NLRI of
 * AFI 25 / SAFI 70, its extended communities and the PMSI tunnel
 * attribute. Pure code in libbgp, like the rest of the codec: no
 * sockets, no logging.
 *
 * EVPN is not one of enum bgp_af's families (their tables are IP tries);
 * a session carries it when both OPENs list it, which the masks of
 * struct bgp_caps / bgp_negotiated / bgp_codec_ctx say with BGP_EVPN_BIT.
 */
#ifndef KLD_BGP_EVPN_NLRI_H
#define KLD_BGP_EVPN_NLRI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "prefix.h"
#include "bgp_types.h"

#define BGP_AFI_L2VPN 25
#define BGP_SAFI_EVPN 70
/* The family's bit in the af masks: far above enum bgp_af's. */
#define BGP_EVPN_BIT (1u << 31)

#define BGP_ATTR_PMSI_TUNNEL 22 /* RFC 6514 */
#define BGP_PMSI_INGRESS_REPL 6

enum bgp_evpn_type {
	BGP_EVPN_MACIP = 2,	/* MAC/IP advertisement */
	BGP_EVPN_IMET = 3,	/* inclusive multicast Ethernet tag */
	BGP_EVPN_PREFIX = 5,	/* IP prefix (RFC 9136): parsed, not used */
};

/* One EVPN route. The key (what a withdrawal names) is type, RD,
 * Ethernet tag, MAC and IP (type 2), originating IP (type 3), prefix
 * (type 5); ESI, labels and gateway are not part of it. */
struct bgp_evpn_route {
	uint8_t type;
	uint8_t rd[8];
	uint32_t etag;
	uint8_t esi[10];
	uint8_t mac[6];		/* type 2 */
	struct kld_addr ip;	/* type 2 (family 0: none), 3 (originator), 5 (prefix) */
	uint8_t plen;		/* type 5 */
	struct kld_addr gw;	/* type 5 */
	uint32_t vni;		/* type 2 and 5: the first label, a VNI for VXLAN */
};

/* Compare the keys: 0 when a withdrawal of one removes the other. */
int bgp_evpn_key_cmp(const struct bgp_evpn_route *a, const struct bgp_evpn_route *b);

/*
 * Parse an MP_REACH/MP_UNREACH NLRI field of EVPN routes. Returns -1 when
 * the field cannot be split into routes (a route's length runs past the
 * end: RFC 7606 5.3, the session or the family must go); otherwise the
 * number of routes appended to out (grown with realloc, *cap its size),
 * and *bad the number of routes of a known type whose content does not
 * fit the type (a wrong MAC or IP length): RFC 7606 5.4 treat-as-withdraw.
 * Routes of unknown types are skipped (RFC 7432 7).
 */
int bgp_evpn_nlri_parse(const uint8_t *p, size_t len, struct bgp_evpn_route **out, size_t *n,
			size_t *cap, size_t *bad);
/* One route in NLRI encoding; bytes written or -EMSGSIZE/-EINVAL. */
int bgp_evpn_nlri_encode(const struct bgp_evpn_route *r, uint8_t *buf, size_t size);

/* Route distinguisher "A:N" text (types 0, 1, 2), and its parse. */
void bgp_evpn_rd_fmt(const uint8_t *rd, char *buf, size_t size);
int bgp_evpn_rd_parse(const char *s, uint8_t *rd);
/* Type 1 RD router-id:index, FRR's automatic one. */
void bgp_evpn_rd_auto(uint8_t *rd, uint32_t router_id, uint16_t index);

/* ---- extended communities (8 wire bytes each) ---- */

/* Route target "ASN:NN" or "A.B.C.D:NN" -> 8 bytes; -1 if malformed. */
int bgp_ecomm_rt_parse(const char *s, uint8_t *out);
void bgp_ecomm_rt_make(uint8_t *out, uint32_t asn, uint32_t val);
bool bgp_ecomm_is_rt(const uint8_t *e);
/* "RT:65001:100", "ET:8", "MM:5", "ND:..." as FRR shows them; false if
 * not one we name (then shown as raw hex by the caller). */
size_t bgp_ecomm_fmt(const uint8_t *e, char *buf, size_t size);
void bgp_ecomm_encap_vxlan(uint8_t *out);
void bgp_ecomm_mac_mobility(uint8_t *out, uint32_t seq, bool sticky);
void bgp_ecomm_default_gw(uint8_t *out);
/* The MAC mobility sequence among n communities; false: none. */
bool bgp_ecomm_mac_seq(const uint8_t *ecomm, size_t n, uint32_t *seq, bool *sticky);
bool bgp_ecomm_has_default_gw(const uint8_t *ecomm, size_t n);

/* ---- PMSI tunnel attribute ---- */

/* The attribute in the attribute set's "unknown" form ([flags][type][len:2]
 * [value]): ingress replication, label = VNI, endpoint = the VTEP. Returns
 * the bytes written (4 + 9 or 4 + 21). */
size_t bgp_pmsi_build(uint8_t *out, uint32_t vni, const struct kld_addr *vtep);
/* Find and read it among an attribute set's unknown attributes. */
bool bgp_pmsi_find(const uint8_t *unknown, size_t len, uint8_t *tunnel_type, uint32_t *label,
		   struct kld_addr *ep);

/* ---- UPDATE ---- */

/* One UPDATE with attrs (encoded by bgp_attrs_encode, without NEXT_HOP)
 * and MP_REACH_NLRI of EVPN routes r[0..n) with next hop nh; or, attrs
 * NULL, an MP_UNREACH_NLRI of them. Returns the routes that fit (at least
 * one) with *len the message size, or -EMSGSIZE. */
int bgp_evpn_update_encode(const uint8_t *attrs, size_t alen, const struct kld_addr *nh,
			   const struct bgp_evpn_route *r, size_t n, uint8_t *buf, size_t size,
			   size_t *len);
/* The End-of-RIB marker of EVPN: an empty MP_UNREACH_NLRI. */
int bgp_evpn_eor_encode(uint8_t *buf, size_t size);

#endif
