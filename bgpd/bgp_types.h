/*
 * BGP-4 protocol constants shared by the codec, the attribute code and the
 * FSM: message types, NOTIFICATION codes, capability and attribute type
 * codes, address families.
 *
 * Only numbers that appear on the wire live here; anything about a running
 * session belongs to the daemon. The address families kldnet speaks are
 * folded into one small index (enum bgp_af) so that per-family state can be
 * a bitmask or an array instead of an (AFI, SAFI) lookup.
 */
#ifndef KLD_BGP_TYPES_H
#define KLD_BGP_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* RFC 4271 section 4.1 */
#define BGP_MARKER_LEN 16
#define BGP_HDR_LEN 19
#define BGP_MAX_MSG_LEN 4096
#define BGP_OPEN_MIN_LEN 29
#define BGP_UPDATE_MIN_LEN 23
#define BGP_NOTIFY_MIN_LEN 21
#define BGP_KEEPALIVE_LEN 19
#define BGP_RREFRESH_LEN 23
#define BGP_VERSION 4
#define BGP_PORT 179

/* Largest NOTIFICATION data that fits in a 4096-byte message. */
#define BGP_NOTIFY_MAX_DATA (BGP_MAX_MSG_LEN - BGP_NOTIFY_MIN_LEN)

enum bgp_msg_type {
	BGP_MSG_OPEN = 1,
	BGP_MSG_UPDATE = 2,
	BGP_MSG_NOTIFICATION = 3,
	BGP_MSG_KEEPALIVE = 4,
	BGP_MSG_ROUTE_REFRESH = 5, /* RFC 2918 */
};

/* NOTIFICATION error codes (RFC 4271 section 4.5) and subcodes. */
enum bgp_notify_code {
	BGP_ERR_HEADER = 1,
	BGP_ERR_OPEN = 2,
	BGP_ERR_UPDATE = 3,
	BGP_ERR_HOLD_EXPIRED = 4,
	BGP_ERR_FSM = 5,
	BGP_ERR_CEASE = 6,
	BGP_ERR_RREFRESH = 7, /* RFC 7313 */
};

enum bgp_header_subcode {
	BGP_HDR_CONN_NOT_SYNC = 1,
	BGP_HDR_BAD_LENGTH = 2,
	BGP_HDR_BAD_TYPE = 3,
};

enum bgp_open_subcode {
	BGP_OPEN_UNSPECIFIC = 0,
	BGP_OPEN_BAD_VERSION = 1,
	BGP_OPEN_BAD_PEER_AS = 2,
	BGP_OPEN_BAD_BGP_ID = 3,
	BGP_OPEN_UNSUP_PARAM = 4,
	BGP_OPEN_BAD_HOLD_TIME = 6,
	BGP_OPEN_UNSUP_CAPABILITY = 7, /* RFC 5492 */
};

enum bgp_update_subcode {
	BGP_UPD_UNSPECIFIC = 0,
	BGP_UPD_MALFORMED_ATTR_LIST = 1,
	BGP_UPD_UNRECOGNIZED_WELLKNOWN = 2,
	BGP_UPD_MISSING_WELLKNOWN = 3,
	BGP_UPD_ATTR_FLAGS = 4,
	BGP_UPD_ATTR_LENGTH = 5,
	BGP_UPD_INVALID_ORIGIN = 6,
	BGP_UPD_INVALID_NEXT_HOP = 8,
	BGP_UPD_OPTIONAL_ATTR = 9,
	BGP_UPD_INVALID_NETWORK = 10,
	BGP_UPD_MALFORMED_AS_PATH = 11,
};

/* RFC 6608 */
enum bgp_fsm_subcode {
	BGP_FSMERR_UNSPECIFIC = 0,
	BGP_FSMERR_OPENSENT = 1,
	BGP_FSMERR_OPENCONFIRM = 2,
	BGP_FSMERR_ESTABLISHED = 3,
};

/* RFC 4486 */
enum bgp_cease_subcode {
	BGP_CEASE_UNSPECIFIC = 0,
	BGP_CEASE_MAX_PREFIX = 1,
	BGP_CEASE_ADMIN_SHUTDOWN = 2,
	BGP_CEASE_PEER_DECONFIGURED = 3,
	BGP_CEASE_ADMIN_RESET = 4,
	BGP_CEASE_CONN_REJECTED = 5,
	BGP_CEASE_CONFIG_CHANGE = 6,
	BGP_CEASE_COLLISION = 7,
	BGP_CEASE_OUT_OF_RESOURCES = 8,
	BGP_CEASE_HARD_RESET = 9, /* RFC 8538 */
};

/* OPEN optional parameter types */
#define BGP_OPT_PARAM_CAPABILITY 2
#define BGP_OPT_PARAM_EXTENDED 255 /* RFC 9072 marker */

/* Capability codes (RFC 5492 registry) */
enum bgp_cap_code {
	BGP_CAP_MP = 1,			 /* RFC 4760 */
	BGP_CAP_ROUTE_REFRESH = 2,	 /* RFC 2918 */
	BGP_CAP_GRACEFUL_RESTART = 64,	 /* RFC 4724 */
	BGP_CAP_AS4 = 65,		 /* RFC 6793 */
	BGP_CAP_ROUTE_REFRESH_OLD = 128, /* pre-standard Cisco code */
};

/* RFC 4724 section 3 */
#define BGP_GR_FLAG_RESTART 0x8 /* R: the sender has restarted */
#define BGP_GR_FLAG_NOTIFY 0x4	/* N: RFC 8538 */
#define BGP_GR_AF_FORWARDING 0x80
#define BGP_GR_TIME_MAX 4095

/* Path attribute flags (RFC 4271 section 4.3) */
#define BGP_ATTR_FLAG_OPTIONAL 0x80
#define BGP_ATTR_FLAG_TRANSITIVE 0x40
#define BGP_ATTR_FLAG_PARTIAL 0x20
#define BGP_ATTR_FLAG_EXTLEN 0x10

enum bgp_attr_type {
	BGP_ATTR_ORIGIN = 1,
	BGP_ATTR_AS_PATH = 2,
	BGP_ATTR_NEXT_HOP = 3,
	BGP_ATTR_MED = 4,
	BGP_ATTR_LOCAL_PREF = 5,
	BGP_ATTR_ATOMIC_AGGREGATE = 6,
	BGP_ATTR_AGGREGATOR = 7,
	BGP_ATTR_COMMUNITIES = 8,	 /* RFC 1997 */
	BGP_ATTR_ORIGINATOR_ID = 9,	 /* RFC 4456 */
	BGP_ATTR_CLUSTER_LIST = 10,	 /* RFC 4456 */
	BGP_ATTR_MP_REACH_NLRI = 14,	 /* RFC 4760 */
	BGP_ATTR_MP_UNREACH_NLRI = 15,	 /* RFC 4760 */
	BGP_ATTR_EXT_COMMUNITIES = 16,	 /* RFC 4360 */
	BGP_ATTR_AS4_PATH = 17,		 /* RFC 6793 */
	BGP_ATTR_AS4_AGGREGATOR = 18,	 /* RFC 6793 */
	BGP_ATTR_LARGE_COMMUNITIES = 32, /* RFC 8092 */
};

enum bgp_origin {
	BGP_ORIGIN_IGP = 0,
	BGP_ORIGIN_EGP = 1,
	BGP_ORIGIN_INCOMPLETE = 2,
};

enum bgp_aspath_seg_type {
	BGP_AS_SET = 1,
	BGP_AS_SEQUENCE = 2,
	BGP_AS_CONFED_SEQUENCE = 3, /* RFC 5065 */
	BGP_AS_CONFED_SET = 4,
};

#define BGP_AS_TRANS 23456

/* Well-known communities (RFC 1997, 3765, 7999, 8326, 8642, IANA) */
#define BGP_COMM_GSHUT 0xFFFF0000u
#define BGP_COMM_ACCEPT_OWN 0xFFFF0001u
#define BGP_COMM_RT_FILTER_TRANSLATED_V4 0xFFFF0002u
#define BGP_COMM_RT_FILTER_V4 0xFFFF0003u
#define BGP_COMM_RT_FILTER_TRANSLATED_V6 0xFFFF0004u
#define BGP_COMM_RT_FILTER_V6 0xFFFF0005u
#define BGP_COMM_LLGR_STALE 0xFFFF0006u
#define BGP_COMM_NO_LLGR 0xFFFF0007u
#define BGP_COMM_ACCEPT_OWN_NEXTHOP 0xFFFF0008u
#define BGP_COMM_BLACKHOLE 0xFFFF029Au
#define BGP_COMM_NO_EXPORT 0xFFFFFF01u
#define BGP_COMM_NO_ADVERTISE 0xFFFFFF02u
#define BGP_COMM_NO_EXPORT_SUBCONFED 0xFFFFFF03u
#define BGP_COMM_NO_PEER 0xFFFFFF04u

/* AFI / SAFI numbers on the wire */
#define BGP_AFI_IPV4 1
#define BGP_AFI_IPV6 2
#define BGP_SAFI_UNICAST 1

/* The (AFI, SAFI) pairs kldnet speaks, as a dense index. */
enum bgp_af {
	BGP_AF_IPV4_UNICAST = 0,
	BGP_AF_IPV6_UNICAST = 1,
	BGP_AF_MAX,
};
#define BGP_AF_BIT(af) (1u << (af))
#define BGP_AF_MASK_ALL (BGP_AF_BIT(BGP_AF_MAX) - 1)

/* Returns the index, or -1 for a pair kldnet does not speak. */
int bgp_af_from_afisafi(uint16_t afi, uint8_t safi);
uint16_t bgp_af_afi(enum bgp_af af);
uint8_t bgp_af_safi(enum bgp_af af);
/* AF_INET / AF_INET6 of the family's addresses. */
uint8_t bgp_af_family(enum bgp_af af);
const char *bgp_af_name(enum bgp_af af); /* "ipv4 unicast" */

/*
 * What the codec needs to know about a session to read or write its
 * messages; the daemon fills it in once capabilities are negotiated.
 */
struct bgp_codec_ctx {
	bool as4;	  /* both sides sent the 4-octet AS capability */
	bool ebgp;	  /* the peer is in another AS */
	bool confed;	  /* ...but inside our confederation (RFC 5065) */
	bool ipv4_mp;	  /* carry IPv4 unicast in MP_REACH/MP_UNREACH */
	/* BGP_AF_BIT()s both OPENs listed (RFC 4760 8): routes of other
	 * families are neither encoded nor accepted */
	uint32_t af_mask;
	uint16_t max_msg; /* largest message to send; 0 means 4096 */
};

/* A NOTIFICATION to send or one received. Data is held inline so that a
 * decode result owns it outright. */
struct bgp_notify {
	uint8_t code;
	uint8_t subcode;
	uint16_t datalen;
	uint8_t data[BGP_NOTIFY_MAX_DATA];
};

void bgp_notify_set(struct bgp_notify *n, uint8_t code, uint8_t subcode, const void *data,
		    size_t datalen);
const char *bgp_notify_code_str(uint8_t code);
const char *bgp_notify_subcode_str(uint8_t code, uint8_t subcode);

/* Big-endian accessors shared by the codec files. */
static inline uint16_t bgp_get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t bgp_get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static inline void bgp_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static inline void bgp_put32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

#endif
