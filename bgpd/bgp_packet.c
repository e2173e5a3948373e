/*
 * BGP-4 message codec (see bgp_packet.h for the contract).
 *
 * Decoders read with explicit bounds: every length field is checked
 * against what remains before it is trusted, and nothing is read past the
 * message the header announced. Errors become the NOTIFICATION RFC 4271
 * section 6 (and RFC 7606 for UPDATE) asks for; the decoder never decides
 * to close anything itself.
 *
 * The UPDATE packer encodes the attribute set once, then fills each
 * message with as many prefixes as fit after it: a greedy next-fit, which
 * wastes less than one prefix (at most 17 bytes) per message.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"
#include "bgp_packet.h"

/* ======================================================================
 * families, notifications
 * ====================================================================== */

static int af_of_family(uint8_t family)
{
	if (family == AF_INET)
		return BGP_AF_IPV4_UNICAST;
	if (family == AF_INET6)
		return BGP_AF_IPV6_UNICAST;
	return -1;
}

const char *bgp_notify_code_str(uint8_t code)
{
	static const char *const names[] = {
	    [BGP_ERR_HEADER] = "Message Header Error",
	    [BGP_ERR_OPEN] = "OPEN Message Error",
	    [BGP_ERR_UPDATE] = "UPDATE Message Error",
	    [BGP_ERR_HOLD_EXPIRED] = "Hold Timer Expired",
	    [BGP_ERR_FSM] = "Neighbor Events Error",
	    [BGP_ERR_CEASE] = "Cease",
	    [BGP_ERR_RREFRESH] = "ROUTE-REFRESH Message Error",
	};

	return code < KLD_ARRAY_SIZE(names) && names[code] ? names[code] : "Unknown";
}

/* clang-format off */
static const char *const hdr_sub[] = {
	[1] = "Connection Not Synchronized",
	[2] = "Bad Message Length",
	[3] = "Bad Message Type",
};
static const char *const open_sub[] = {
	[0] = "Unspecific",
	[1] = "Unsupported Version Number",
	[2] = "Bad Peer AS",
	[3] = "Bad BGP Identifier",
	[4] = "Unsupported Optional Parameter",
	[6] = "Unacceptable Hold Time",
	[7] = "Unsupported Capability",
};
static const char *const update_sub[] = {
	[0] = "Unspecific",
	[1] = "Malformed Attribute List",
	[2] = "Unrecognized Well-known Attribute",
	[3] = "Missing Well-known Attribute",
	[4] = "Attribute Flags Error",
	[5] = "Attribute Length Error",
	[6] = "Invalid ORIGIN Attribute",
	[8] = "Invalid NEXT_HOP Attribute",
	[9] = "Optional Attribute Error",
	[10] = "Invalid Network Field",
	[11] = "Malformed AS_PATH",
};
static const char *const fsm_sub[] = {
	[0] = "Unspecific",
	[1] = "Receive Unexpected Message in OpenSent State",
	[2] = "Receive Unexpected Message in OpenConfirm State",
	[3] = "Receive Unexpected Message in Established State",
};
static const char *const cease_sub[] = {
	[0] = "Unspecific",
	[1] = "Maximum Number of Prefixes Reached",
	[2] = "Administrative Shutdown",
	[3] = "Peer De-configured",
	[4] = "Administrative Reset",
	[5] = "Connection Rejected",
	[6] = "Other Configuration Change",
	[7] = "Connection Collision Resolution",
	[8] = "Out of Resources",
	[9] = "Hard Reset",
};
/* clang-format on */

#define SUB(tab, s) ((s) < KLD_ARRAY_SIZE(tab) && (tab)[s] ? (tab)[s] : "Unknown")

const char *bgp_notify_subcode_str(uint8_t code, uint8_t subcode)
{
	switch (code) {
	case BGP_ERR_HEADER:
		return SUB(hdr_sub, subcode);
	case BGP_ERR_OPEN:
		return SUB(open_sub, subcode);
	case BGP_ERR_UPDATE:
		return SUB(update_sub, subcode);
	case BGP_ERR_FSM:
		return SUB(fsm_sub, subcode);
	case BGP_ERR_CEASE:
		return SUB(cease_sub, subcode);
	case BGP_ERR_RREFRESH:
		return subcode == 1 ? "Invalid Message Length" : "Unspecific";
	default:
		return subcode ? "Unknown" : "Unspecific";
	}
}

/* ======================================================================
 * header
 * ====================================================================== */

static const uint8_t marker[BGP_MARKER_LEN] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
					       0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};

const char *bgp_msg_type_str(uint8_t type)
{
	static const char *const names[] = {
	    [BGP_MSG_OPEN] = "OPEN",
	    [BGP_MSG_UPDATE] = "UPDATE",
	    [BGP_MSG_NOTIFICATION] = "NOTIFICATION",
	    [BGP_MSG_KEEPALIVE] = "KEEPALIVE",
	    [BGP_MSG_ROUTE_REFRESH] = "ROUTE-REFRESH",
	};

	return type < KLD_ARRAY_SIZE(names) && names[type] ? names[type] : "UNKNOWN";
}

/* Is len acceptable for this type (RFC 4271 6.1)? */
static bool hdr_len_ok(uint8_t type, uint16_t len)
{
	switch (type) {
	case BGP_MSG_OPEN:
		return len >= BGP_OPEN_MIN_LEN;
	case BGP_MSG_UPDATE:
		return len >= BGP_UPDATE_MIN_LEN;
	case BGP_MSG_NOTIFICATION:
		return len >= BGP_NOTIFY_MIN_LEN;
	case BGP_MSG_KEEPALIVE:
		return len == BGP_KEEPALIVE_LEN;
	case BGP_MSG_ROUTE_REFRESH:
		return len >= BGP_RREFRESH_LEN;
	default:
		return true;
	}
}

int bgp_hdr_decode(const uint8_t *buf, size_t len, struct bgp_hdr *h, struct bgp_notify *err)
{
	if (len < BGP_HDR_LEN)
		return -EAGAIN;
	if (memcmp(buf, marker, BGP_MARKER_LEN)) {
		bgp_notify_set(err, BGP_ERR_HEADER, BGP_HDR_CONN_NOT_SYNC, NULL, 0);
		return -EBADMSG;
	}
	h->len = bgp_get16(buf + 16);
	h->type = buf[18];
	if (h->len < BGP_HDR_LEN || h->len > BGP_MAX_MSG_LEN || !hdr_len_ok(h->type, h->len)) {
		/* Data: the erroneous Length field. */
		bgp_notify_set(err, BGP_ERR_HEADER, BGP_HDR_BAD_LENGTH, buf + 16, 2);
		return -EBADMSG;
	}
	if (h->type < BGP_MSG_OPEN || h->type > BGP_MSG_ROUTE_REFRESH) {
		bgp_notify_set(err, BGP_ERR_HEADER, BGP_HDR_BAD_TYPE, buf + 18, 1);
		return -EBADMSG;
	}
	return 0;
}

void bgp_hdr_encode(uint8_t *buf, uint16_t len, uint8_t type)
{
	memcpy(buf, marker, BGP_MARKER_LEN);
	bgp_put16(buf + 16, len);
	buf[18] = type;
}

/* Header check for a whole message of an expected type: the message must
 * be exactly as long as its header says. */
static int msg_check(const uint8_t *msg, size_t len, uint8_t type, struct bgp_notify *err)
{
	struct bgp_hdr h;
	int rc = bgp_hdr_decode(msg, len, &h, err);

	if (rc == -EAGAIN) {
		bgp_notify_set(err, BGP_ERR_HEADER, BGP_HDR_BAD_LENGTH, NULL, 0);
		return -EBADMSG;
	}
	if (rc)
		return rc;
	if (h.type != type || h.len != len) {
		bgp_notify_set(err, BGP_ERR_HEADER,
			       h.type != type ? BGP_HDR_BAD_TYPE : BGP_HDR_BAD_LENGTH,
			       h.type != type ? msg + 18 : msg + 16, h.type != type ? 1 : 2);
		return -EBADMSG;
	}
	return 0;
}

/* ======================================================================
 * OPEN
 * ====================================================================== */

void bgp_open_init(struct bgp_open *o, uint32_t asn, uint16_t hold_time, uint32_t bgp_id)
{
	memset(o, 0, sizeof(*o));
	o->version = BGP_VERSION;
	o->my_as = asn > UINT16_MAX ? BGP_AS_TRANS : (uint16_t)asn;
	o->hold_time = hold_time;
	o->bgp_id = bgp_id;
	o->caps.present = BGP_CAPF_AS4;
	o->caps.as4 = asn;
}

uint32_t bgp_open_asn(const struct bgp_open *o)
{
	return (o->caps.present & BGP_CAPF_AS4) ? o->caps.as4 : o->my_as;
}

static uint8_t *cap_put(uint8_t *o, uint8_t code, uint8_t len)
{
	o[0] = code;
	o[1] = len;
	return o + 2;
}

/* All capabilities in one optional parameter, as FRR and BIRD send them. */
static size_t caps_encode(const struct bgp_caps *c, uint8_t *o0)
{
	uint8_t *o = o0;
	int af;

	for (af = 0; af < BGP_AF_MAX; af++) {
		if (!(c->present & BGP_CAPF_MP) || !(c->mp_mask & BGP_AF_BIT(af)))
			continue;
		o = cap_put(o, BGP_CAP_MP, 4);
		bgp_put16(o, bgp_af_afi(af));
		o[2] = 0;
		o[3] = bgp_af_safi(af);
		o += 4;
	}
	if ((c->present & BGP_CAPF_MP) && (c->mp_mask & BGP_EVPN_BIT)) {
		o = cap_put(o, BGP_CAP_MP, 4);
		bgp_put16(o, BGP_AFI_L2VPN);
		o[2] = 0;
		o[3] = BGP_SAFI_EVPN;
		o += 4;
	}
	if (c->present & BGP_CAPF_ROUTE_REFRESH)
		o = cap_put(o, BGP_CAP_ROUTE_REFRESH, 0);
	if (c->present & BGP_CAPF_ROUTE_REFRESH_OLD)
		o = cap_put(o, BGP_CAP_ROUTE_REFRESH_OLD, 0);
	if (c->present & BGP_CAPF_AS4) {
		o = cap_put(o, BGP_CAP_AS4, 4);
		bgp_put32(o, c->as4);
		o += 4;
	}
	if (c->present & BGP_CAPF_GR) {
		uint8_t *len = o + 1;

		o = cap_put(o, BGP_CAP_GRACEFUL_RESTART, 2);
		bgp_put16(o, (uint16_t)((c->gr.flags & 0xF) << 12 | (c->gr.time & 0xFFF)));
		o += 2;
		for (af = 0; af < BGP_AF_MAX; af++) {
			if (!(c->gr.af_mask & BGP_AF_BIT(af)))
				continue;
			bgp_put16(o, bgp_af_afi(af));
			o[2] = bgp_af_safi(af);
			o[3] = (c->gr.af_fwd_mask & BGP_AF_BIT(af)) ? BGP_GR_AF_FORWARDING : 0;
			o += 4;
			*len += 4;
		}
		if (c->gr.af_mask & BGP_EVPN_BIT) {
			bgp_put16(o, BGP_AFI_L2VPN);
			o[2] = BGP_SAFI_EVPN;
			o[3] = (c->gr.af_fwd_mask & BGP_EVPN_BIT) ? BGP_GR_AF_FORWARDING : 0;
			o += 4;
			*len += 4;
		}
	}
	memcpy(o, c->unknown, c->unknown_len);
	o += c->unknown_len;
	return (size_t)(o - o0);
}

int bgp_open_encode(const struct bgp_open *o, uint8_t *buf, size_t size)
{
	uint8_t caps[BGP_CAPS_UNKNOWN_MAX + 128];
	size_t clen = caps_encode(&o->caps, caps);
	size_t optlen = clen ? clen + 2 : 0;
	size_t total = BGP_OPEN_MIN_LEN + optlen;

	if (clen > 255 || total > size)
		return -EMSGSIZE;
	bgp_hdr_encode(buf, (uint16_t)total, BGP_MSG_OPEN);
	buf[19] = o->version;
	bgp_put16(buf + 20, o->my_as);
	bgp_put16(buf + 22, o->hold_time);
	bgp_put32(buf + 24, o->bgp_id);
	buf[28] = (uint8_t)optlen;
	if (clen) {
		buf[29] = BGP_OPT_PARAM_CAPABILITY;
		buf[30] = (uint8_t)clen;
		memcpy(buf + 31, caps, clen);
	}
	return (int)total;
}

static void cap_keep_unknown(struct bgp_caps *c, const uint8_t *raw, size_t rawlen)
{
	c->nunknown++;
	if (c->unknown_len + rawlen > sizeof(c->unknown))
		return; /* counted, not kept */
	memcpy(c->unknown + c->unknown_len, raw, rawlen);
	c->unknown_len = (uint16_t)(c->unknown_len + rawlen);
}

static int cap_mp(struct bgp_caps *c, const uint8_t *v, size_t len, const uint8_t *raw)
{
	int af;

	if (len != 4)
		return -1;
	/* Any MP capability, of a family we speak or not, ends RFC 4760's
	 * implicit IPv4 unicast: a peer that lists only EVPN gets no IPv4. */
	c->present |= BGP_CAPF_MP;
	if (bgp_get16(v) == BGP_AFI_L2VPN && v[3] == BGP_SAFI_EVPN) {
		c->mp_mask |= BGP_EVPN_BIT;
		return 0;
	}
	af = bgp_af_from_afisafi(bgp_get16(v), v[3]);
	if (af < 0) {
		cap_keep_unknown(c, raw, len + 2);
		return 0;
	}
	c->mp_mask |= BGP_AF_BIT(af);
	return 0;
}

static int cap_gr(struct bgp_caps *c, const uint8_t *v, size_t len)
{
	size_t off;

	if (len < 2 || (len - 2) % 4)
		return -1;
	memset(&c->gr, 0, sizeof(c->gr));
	c->present |= BGP_CAPF_GR;
	c->gr.flags = v[0] >> 4;
	c->gr.time = bgp_get16(v) & 0xFFF;
	for (off = 2; off < len; off += 4) {
		int af = bgp_af_from_afisafi(bgp_get16(v + off), v[off + 2]);
		uint32_t bit = af >= 0 ? BGP_AF_BIT(af) : 0;

		if (bgp_get16(v + off) == BGP_AFI_L2VPN && v[off + 2] == BGP_SAFI_EVPN)
			bit = BGP_EVPN_BIT;
		if (!bit)
			continue;
		c->gr.af_mask |= bit;
		if (v[off + 3] & BGP_GR_AF_FORWARDING)
			c->gr.af_fwd_mask |= bit;
	}
	return 0;
}

/* One capability; returns -1 if it is malformed (OPEN error subcode 0). */
static int cap_decode(struct bgp_caps *c, uint8_t code, const uint8_t *v, size_t len)
{
	switch (code) {
	case BGP_CAP_MP:
		return cap_mp(c, v, len, v - 2);
	case BGP_CAP_ROUTE_REFRESH:
		c->present |= BGP_CAPF_ROUTE_REFRESH;
		return 0;
	case BGP_CAP_ROUTE_REFRESH_OLD:
		c->present |= BGP_CAPF_ROUTE_REFRESH_OLD;
		return 0;
	case BGP_CAP_AS4:
		if (len != 4)
			return -1;
		c->present |= BGP_CAPF_AS4;
		c->as4 = bgp_get32(v);
		return 0;
	case BGP_CAP_GRACEFUL_RESTART:
		return cap_gr(c, v, len);
	default:
		cap_keep_unknown(c, v - 2, len + 2);
		return 0;
	}
}

static int caps_decode(struct bgp_caps *c, const uint8_t *p, size_t len, struct bgp_notify *err)
{
	size_t off = 0;

	while (off < len) {
		size_t clen;

		if (len - off < 2 || (clen = p[off + 1]) > len - off - 2 ||
		    cap_decode(c, p[off], p + off + 2, clen)) {
			bgp_notify_set(err, BGP_ERR_OPEN, BGP_OPEN_UNSPECIFIC, NULL, 0);
			return -EBADMSG;
		}
		off += 2 + clen;
	}
	return 0;
}

/* Optional parameters; ext selects RFC 9072's 2-octet lengths. */
static int params_decode(struct bgp_caps *c, const uint8_t *p, size_t len, bool ext,
			 struct bgp_notify *err)
{
	size_t hl = ext ? 3 : 2, off = 0;

	while (off < len) {
		size_t plen;
		int rc;

		if (len - off < hl) {
			bgp_notify_set(err, BGP_ERR_OPEN, BGP_OPEN_UNSPECIFIC, NULL, 0);
			return -EBADMSG;
		}
		plen = ext ? bgp_get16(p + off + 1) : p[off + 1];
		if (plen > len - off - hl) {
			bgp_notify_set(err, BGP_ERR_OPEN, BGP_OPEN_UNSPECIFIC, NULL, 0);
			return -EBADMSG;
		}
		if (p[off] != BGP_OPT_PARAM_CAPABILITY) {
			bgp_notify_set(err, BGP_ERR_OPEN, BGP_OPEN_UNSUP_PARAM, NULL, 0);
			return -EBADMSG;
		}
		rc = caps_decode(c, p + off + hl, plen, err);
		if (rc)
			return rc;
		off += hl + plen;
	}
	return 0;
}

static void notify_bad_version(struct bgp_notify *err)
{
	uint8_t v[2] = {0, BGP_VERSION}; /* largest version we support */

	bgp_notify_set(err, BGP_ERR_OPEN, BGP_OPEN_BAD_VERSION, v, sizeof(v));
}

int bgp_open_decode(const uint8_t *msg, size_t len, struct bgp_open *o, struct bgp_notify *err)
{
	const uint8_t *b = msg + BGP_HDR_LEN;
	size_t blen, optlen;
	int rc = msg_check(msg, len, BGP_MSG_OPEN, err);

	if (rc)
		return rc;
	memset(o, 0, sizeof(*o));
	blen = len - BGP_HDR_LEN;
	o->version = b[0];
	/* Checked first: a later version may lay the rest out differently. */
	if (o->version != BGP_VERSION) {
		notify_bad_version(err);
		return -EBADMSG;
	}
	o->my_as = bgp_get16(b + 1);
	o->hold_time = bgp_get16(b + 3);
	o->bgp_id = bgp_get32(b + 5);
	optlen = b[9];
	if (optlen == 255 && blen > 10 && b[10] == BGP_OPT_PARAM_EXTENDED) {
		/* RFC 9072: [255][255][len:2] then 3-octet parameter headers. */
		if (blen < 13 || bgp_get16(b + 11) != blen - 13) {
			bgp_notify_set(err, BGP_ERR_OPEN, BGP_OPEN_UNSPECIFIC, NULL, 0);
			return -EBADMSG;
		}
		return params_decode(&o->caps, b + 13, blen - 13, true, err);
	}
	if (optlen != blen - 10) {
		bgp_notify_set(err, BGP_ERR_OPEN, BGP_OPEN_UNSPECIFIC, NULL, 0);
		return -EBADMSG;
	}
	return params_decode(&o->caps, b + 10, optlen, false, err);
}

/* RFC 4760 section 8: a speaker without MP capabilities does IPv4
 * unicast only. */
static uint32_t caps_af_mask(const struct bgp_caps *c)
{
	return (c->present & BGP_CAPF_MP) ? c->mp_mask : BGP_AF_BIT(BGP_AF_IPV4_UNICAST);
}

/* No family in common (RFC 5492 5, as FRR): Unsupported Capability with
 * the MP capabilities we require as data. */
static void notify_no_common_af(struct bgp_notify *err, uint32_t af_mask)
{
	uint8_t data[6 * BGP_AF_MAX], *o = data;

	for (int af = 0; af < BGP_AF_MAX; af++) {
		if (!(af_mask & BGP_AF_BIT(af)))
			continue;
		o = cap_put(o, BGP_CAP_MP, 4);
		bgp_put16(o, bgp_af_afi((enum bgp_af)af));
		o[2] = 0;
		o[3] = bgp_af_safi((enum bgp_af)af);
		o += 4;
	}
	bgp_notify_set(err, BGP_ERR_OPEN, BGP_OPEN_UNSUP_CAPABILITY, data, (size_t)(o - data));
}

int bgp_open_check(const struct bgp_open *o, const struct bgp_open_expect *x,
		   struct bgp_notify *err)
{
	uint32_t asn = bgp_open_asn(o);

	if (o->version != BGP_VERSION) {
		notify_bad_version(err);
		return -EBADMSG;
	}
	/* AS 0 is never a valid peer AS (RFC 7607). */
	if (asn == 0 || (x->peer_as && asn != x->peer_as)) {
		bgp_notify_set(err, BGP_ERR_OPEN, BGP_OPEN_BAD_PEER_AS, NULL, 0);
		return -EBADMSG;
	}
	/* RFC 6286: any non-zero value; unique within the AS. */
	if (o->bgp_id == 0 || (asn == x->local_as && o->bgp_id == x->local_id)) {
		bgp_notify_set(err, BGP_ERR_OPEN, BGP_OPEN_BAD_BGP_ID, NULL, 0);
		return -EBADMSG;
	}
	if (o->hold_time == 1 || o->hold_time == 2) {
		bgp_notify_set(err, BGP_ERR_OPEN, BGP_OPEN_BAD_HOLD_TIME, NULL, 0);
		return -EBADMSG;
	}
	if (x->af_mask && !(caps_af_mask(&o->caps) & x->af_mask)) {
		notify_no_common_af(err, x->af_mask);
		return -EBADMSG;
	}
	return 0;
}

void bgp_negotiate(const struct bgp_open *local, const struct bgp_open *remote,
		   struct bgp_negotiated *n)
{
	const struct bgp_caps *l = &local->caps, *r = &remote->caps;

	memset(n, 0, sizeof(*n));
	n->as4 = (l->present & BGP_CAPF_AS4) && (r->present & BGP_CAPF_AS4);
	n->route_refresh = r->present & (BGP_CAPF_ROUTE_REFRESH | BGP_CAPF_ROUTE_REFRESH_OLD);
	n->af_mask = caps_af_mask(l) & caps_af_mask(r);
	n->hold_time = KLD_MIN(local->hold_time, remote->hold_time);
	n->keepalive = n->hold_time / 3;
	n->peer_gr = r->present & BGP_CAPF_GR;
	if (n->peer_gr)
		n->gr = r->gr;
}

uint32_t bgp_gr_retain_mask(const struct bgp_negotiated *n, bool helper, bool notification)
{
	/* RFC 4724 4.2: only a session that ended without a NOTIFICATION;
	 * RFC 8538 would extend it to NOTIFICATIONs, but only with the N
	 * bit, which we do not send. A restart time of 0 promises nothing
	 * to wait for. */
	if (!helper || notification || !n->peer_gr || !n->gr.time)
		return 0;
	return n->gr.af_mask & n->af_mask;
}

uint32_t bgp_gr_keep_mask(uint32_t stale, const struct bgp_negotiated *n)
{
	/* RFC 4724 4.2: a new OPEN without the capability, or without the
	 * family, or without its Forwarding State bit, means the peer kept
	 * nothing: its stale routes of that family go at once. */
	if (!n->peer_gr)
		return 0;
	return stale & n->gr.af_mask & n->gr.af_fwd_mask & n->af_mask;
}

/* ======================================================================
 * KEEPALIVE, NOTIFICATION, ROUTE-REFRESH
 * ====================================================================== */

int bgp_keepalive_encode(uint8_t *buf, size_t size)
{
	if (size < BGP_KEEPALIVE_LEN)
		return -EMSGSIZE;
	bgp_hdr_encode(buf, BGP_KEEPALIVE_LEN, BGP_MSG_KEEPALIVE);
	return BGP_KEEPALIVE_LEN;
}

int bgp_notify_encode(const struct bgp_notify *n, uint8_t *buf, size_t size)
{
	size_t total = BGP_NOTIFY_MIN_LEN + n->datalen;

	if (total > BGP_MAX_MSG_LEN || total > size)
		return -EMSGSIZE;
	bgp_hdr_encode(buf, (uint16_t)total, BGP_MSG_NOTIFICATION);
	buf[19] = n->code;
	buf[20] = n->subcode;
	memcpy(buf + 21, n->data, n->datalen);
	return (int)total;
}

int bgp_notify_decode(const uint8_t *msg, size_t len, struct bgp_notify *n, struct bgp_notify *err)
{
	int rc = msg_check(msg, len, BGP_MSG_NOTIFICATION, err);

	if (rc)
		return rc;
	bgp_notify_set(n, msg[19], msg[20], msg + 21, len - BGP_NOTIFY_MIN_LEN);
	return 0;
}

/* Length of the valid UTF-8 sequence at s (at most n octets), 0 if none. */
static size_t utf8_seq_len(const uint8_t *s, size_t n)
{
	size_t len = s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2;
	uint32_t cp;

	if (s[0] < 0xC2 || s[0] > 0xF4 || len > n)
		return 0;
	cp = s[0] & (0x7F >> len);
	for (size_t i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3F);
	}
	/* overlong forms, surrogates, beyond U+10FFFF */
	if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
	    (cp >= 0xD800 && cp <= 0xDFFF))
		return 0;
	return len;
}

int bgp_notify_shutdown_text(const struct bgp_notify *n, char *buf, size_t size)
{
	size_t len, o = 0;
	const uint8_t *t = n->data + 1;

	if (!size)
		return -1;
	buf[0] = '\0';
	if (n->code != BGP_ERR_CEASE || n->datalen < 1 ||
	    (n->subcode != BGP_CEASE_ADMIN_SHUTDOWN && n->subcode != BGP_CEASE_ADMIN_RESET))
		return -1;
	len = n->data[0];
	if (!len || len > (size_t)n->datalen - 1)
		return -1;
	for (size_t i = 0; i < len;) {
		size_t seq = t[i] >= 0x80 ? utf8_seq_len(t + i, len - i) : 0;
		bool plain = t[i] >= 0x20 && t[i] < 0x7F;
		size_t need = seq ? seq : plain ? 1 : 4;

		if (o + need >= size)
			break;
		if (seq || plain)
			memcpy(buf + o, t + i, need);
		else
			snprintf(buf + o, 5, "\\x%02x", t[i]);
		o += need;
		i += seq ? seq : 1;
	}
	buf[o] = '\0';
	return (int)o;
}

int bgp_rrefresh_encode(const struct bgp_route_refresh *r, uint8_t *buf, size_t size)
{
	if (size < BGP_RREFRESH_LEN)
		return -EMSGSIZE;
	bgp_hdr_encode(buf, BGP_RREFRESH_LEN, BGP_MSG_ROUTE_REFRESH);
	bgp_put16(buf + 19, r->afi);
	buf[21] = r->subtype;
	buf[22] = r->safi;
	return BGP_RREFRESH_LEN;
}

int bgp_rrefresh_decode(const uint8_t *msg, size_t len, struct bgp_route_refresh *r,
			struct bgp_notify *err)
{
	int rc = msg_check(msg, len, BGP_MSG_ROUTE_REFRESH, err);

	if (rc)
		return rc;
	/* Longer messages carry ORFs (RFC 5291), which we do not speak:
	 * RFC 7313 section 5 calls that an invalid length. */
	if (len != BGP_RREFRESH_LEN) {
		bgp_notify_set(err, BGP_ERR_RREFRESH, 1, msg, len);
		return -EBADMSG;
	}
	r->afi = bgp_get16(msg + 19);
	r->subtype = msg[21];
	r->safi = msg[22];
	return 0;
}

/* ======================================================================
 * UPDATE decoding
 * ====================================================================== */

static void plist_push(struct bgp_prefix_list *l, const struct kld_prefix *p)
{
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->p = kld_xrealloc(l->p, l->cap * sizeof(*l->p));
	}
	l->p[l->n++] = *p;
}

static void plist_free(struct bgp_prefix_list *l)
{
	free(l->p);
	memset(l, 0, sizeof(*l));
}

void bgp_update_init(struct bgp_update *u)
{
	memset(u, 0, sizeof(*u));
	bgp_scratch_init(&u->scratch);
	bgp_attrs_init(&u->attrs);
}

void bgp_update_fini(struct bgp_update *u)
{
	plist_free(&u->withdrawn);
	plist_free(&u->nlri);
	plist_free(&u->mp_nlri);
	free(u->evpn_reach);
	free(u->evpn_unreach);
	bgp_scratch_free(&u->scratch);
}

static void update_clear(struct bgp_update *u)
{
	u->withdrawn.n = 0;
	u->nlri.n = 0;
	u->mp_nlri.n = 0;
	u->nevpn_reach = u->nevpn_unreach = 0;
	u->evpn_eor = false;
	memset(&u->evpn_nh, 0, sizeof(u->evpn_nh));
	bgp_scratch_reset(&u->scratch);
	bgp_attrs_init(&u->attrs);
	u->has_attrs = false;
	memset(&u->mp_nexthop, 0, sizeof(u->mp_nexthop));
	memset(&u->mp_nexthop_ll, 0, sizeof(u->mp_nexthop_ll));
	u->eor = false;
	u->eor_af = BGP_AF_IPV4_UNICAST;
	u->unneg = false;
	bgp_eh_clear(&u->eh);
}

/* Prefixes in NLRI encoding (RFC 4271 4.3); -1 if the field is
 * syntactically incorrect (RFC 7606 5.3). Trailing bits past the prefix
 * length are cleared so the prefix is canonical. */
static int nlri_parse(const uint8_t *p, size_t len, uint8_t family, struct bgp_prefix_list *out)
{
	unsigned maxbits = family == AF_INET ? 32 : 128;
	size_t off = 0;

	while (off < len) {
		struct kld_prefix pfx;
		uint8_t plen = p[off++];
		size_t bytes = ((size_t)plen + 7) / 8;

		if (plen > maxbits || bytes > len - off)
			return -1;
		memset(&pfx, 0, sizeof(pfx));
		pfx.family = family;
		pfx.len = plen;
		memcpy(pfx.u.bytes, p + off, bytes);
		if (plen % 8)
			pfx.u.bytes[bytes - 1] &= (uint8_t)(0xFF << (8 - plen % 8));
		off += bytes;
		plist_push(out, &pfx);
	}
	return 0;
}

static void plist_move(struct bgp_prefix_list *to, struct bgp_prefix_list *from)
{
	size_t i;

	for (i = 0; i < from->n; i++)
		plist_push(to, &from->p[i]);
	from->n = 0;
}

static bool v4_unicast_host(const uint8_t *a)
{
	uint32_t v = bgp_get32(a);

	return v != 0 && v != 0xFFFFFFFFu && (v >> 28) != 0xE && (v >> 24) != 127;
}

static bool v6_unicast_host(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) != 0 && a[0] != 0xFF;
}

static bool nexthop_usable(const struct kld_addr *nh)
{
	if (nh->family == AF_INET)
		return v4_unicast_host(nh->u.bytes);
	return v6_unicast_host(nh->u.bytes);
}

/* RFC 7606 3(d), RFC 4271 5, RFC 4760 3: what routes need besides their
 * NLRI, and NEXT_HOP semantics (RFC 4271 6.3, RFC 7606 7.3). */
static void update_check_routes(struct bgp_update *u)
{
	bool classic = u->nlri.n > 0, mp = u->mp_nlri.n > 0;
	uint32_t need = BGP_ATTRF_ORIGIN | BGP_ATTRF_AS_PATH;

	if (u->nevpn_reach) {
		if ((u->attrs.present & need) != need)
			bgp_eh_raise(&u->eh, BGP_EH_TREAT_AS_WITHDRAW, 0, "missing well-known attribute");
		else if (!nexthop_usable(&u->evpn_nh))
			bgp_eh_raise(&u->eh, BGP_EH_TREAT_AS_WITHDRAW, BGP_ATTR_MP_REACH_NLRI,
				     "EVPN next hop not a unicast address");
	}
	if (!classic && !mp)
		return;
	if (classic)
		need |= BGP_ATTRF_NEXT_HOP;
	if ((u->attrs.present & need) != need) {
		bgp_eh_raise(&u->eh, BGP_EH_TREAT_AS_WITHDRAW, 0, "missing well-known attribute");
		return;
	}
	if (classic && !nexthop_usable(&u->attrs.nexthop))
		bgp_eh_raise(&u->eh, BGP_EH_TREAT_AS_WITHDRAW, BGP_ATTR_NEXT_HOP,
			     "NEXT_HOP not a unicast address");
	if (mp && !nexthop_usable(&u->mp_nexthop))
		bgp_eh_raise(&u->eh, BGP_EH_TREAT_AS_WITHDRAW, BGP_ATTR_MP_REACH_NLRI,
			     "MP_REACH_NLRI next hop not a unicast address");
}

/* MP_UNREACH / MP_REACH NLRI into the lists; a syntax error is a reset
 * (RFC 7606 5.3, RFC 4760 7: Optional Attribute Error, attribute as data). */
/* EVPN NLRI (RFC 7606 5.3 and 5.4): a field that cannot be split into
 * routes resets the session, as for the other families (the RFC's other
 * choice, AFI/SAFI disable, would leave the peer believing we have its
 * routes); a route of a known type whose content does not fit its type
 * makes the UPDATE treat-as-withdraw: its well-formed routes are
 * withdrawn, the malformed one (which cannot be keyed) is skipped. */
static void update_evpn_nlri(struct bgp_update *u, const struct bgp_attr_parsed *mp)
{
	size_t bad = 0;

	if (mp->unreach.present && mp->unreach.evpn &&
	    bgp_evpn_nlri_parse(mp->unreach.nlri, mp->unreach.nlri_len, &u->evpn_unreach,
				&u->nevpn_unreach, &u->evpn_unreach_cap, &bad) < 0)
		bgp_eh_reset(&u->eh, BGP_UPD_OPTIONAL_ATTR, BGP_ATTR_MP_UNREACH_NLRI,
			     "MP_UNREACH_NLRI EVPN route syntax", mp->unreach.raw,
			     mp->unreach.raw_len);
	bad = 0;
	if (!mp->reach.present || !mp->reach.evpn)
		return;
	u->evpn_nh = mp->reach.nh;
	if (bgp_evpn_nlri_parse(mp->reach.nlri, mp->reach.nlri_len, &u->evpn_reach,
				&u->nevpn_reach, &u->evpn_reach_cap, &bad) < 0) {
		bgp_eh_reset(&u->eh, BGP_UPD_OPTIONAL_ATTR, BGP_ATTR_MP_REACH_NLRI,
			     "MP_REACH_NLRI EVPN route syntax", mp->reach.raw, mp->reach.raw_len);
		return;
	}
	if (bad)
		bgp_eh_raise(&u->eh, BGP_EH_TREAT_AS_WITHDRAW, BGP_ATTR_MP_REACH_NLRI,
			     "malformed EVPN route");
}

static void update_mp_nlri(struct bgp_update *u, const struct bgp_attr_parsed *mp)
{
	update_evpn_nlri(u, mp);
	if (mp->unreach.present && !mp->unreach.evpn && nlri_parse(mp->unreach.nlri, mp->unreach.nlri_len,
					      bgp_af_family(mp->unreach.af), &u->withdrawn))
		bgp_eh_reset(&u->eh, BGP_UPD_OPTIONAL_ATTR, BGP_ATTR_MP_UNREACH_NLRI,
			     "MP_UNREACH_NLRI prefix syntax", mp->unreach.raw, mp->unreach.raw_len);
	if (mp->reach.present && !mp->reach.evpn) {
		u->mp_nexthop = mp->reach.nh;
		u->mp_nexthop_ll = mp->reach.nh_ll;
		if (nlri_parse(mp->reach.nlri, mp->reach.nlri_len, bgp_af_family(mp->reach.af),
			       &u->mp_nlri))
			bgp_eh_reset(&u->eh, BGP_UPD_OPTIONAL_ATTR, BGP_ATTR_MP_REACH_NLRI,
				     "MP_REACH_NLRI prefix syntax", mp->reach.raw,
				     mp->reach.raw_len);
	}
}

/* RFC 4724 section 2: an empty UPDATE (IPv4 unicast), or one whose only
 * content is an empty MP_UNREACH_NLRI. */
static void update_detect_eor(struct bgp_update *u, const struct bgp_attr_parsed *mp, size_t wlen,
			      size_t alen, size_t nlen)
{
	if (wlen || nlen)
		return;
	if (alen == 0) {
		u->eor = true;
		u->eor_af = BGP_AF_IPV4_UNICAST;
		return;
	}
	if (mp->unreach.present && !mp->reach.present && mp->unreach.nlri_len == 0 &&
	    mp->unreach.raw_len == alen) {
		u->eor = !mp->unreach.evpn;
		u->evpn_eor = mp->unreach.evpn;
		u->eor_af = mp->unreach.af;
	}
}

/* RFC 4760 8: the NLRI fields are IPv4 unicast, exchanged only when both
 * OPENs listed it (or neither sent a multiprotocol capability). A peer
 * that sends them anyway is not followed; the session stays. */
static void update_drop_unneg_ipv4(struct bgp_update *u, const struct bgp_codec_ctx *ctx)
{
	if ((ctx->af_mask & BGP_AF_BIT(BGP_AF_IPV4_UNICAST)) || !(u->withdrawn.n || u->nlri.n))
		return;
	u->withdrawn.n = 0;
	u->nlri.n = 0;
	u->unneg = true;
	u->unneg_afi = bgp_af_afi(BGP_AF_IPV4_UNICAST);
	u->unneg_safi = bgp_af_safi(BGP_AF_IPV4_UNICAST);
}

static void update_apply_verdict(struct bgp_update *u)
{
	if (u->eh.action == BGP_EH_SESSION_RESET) {
		u->withdrawn.n = 0;
		u->nlri.n = 0;
		u->mp_nlri.n = 0;
		u->nevpn_reach = u->nevpn_unreach = 0;
		u->eor = false;
		u->evpn_eor = false;
		return;
	}
	if (u->eh.action == BGP_EH_TREAT_AS_WITHDRAW) {
		plist_move(&u->withdrawn, &u->nlri);
		plist_move(&u->withdrawn, &u->mp_nlri);
		for (size_t i = 0; i < u->nevpn_reach; i++) {
			if (u->nevpn_unreach == u->evpn_unreach_cap) {
				u->evpn_unreach_cap = u->evpn_unreach_cap ? u->evpn_unreach_cap * 2 : 16;
				u->evpn_unreach = kld_xrealloc(u->evpn_unreach, u->evpn_unreach_cap *
								sizeof(*u->evpn_unreach));
			}
			u->evpn_unreach[u->nevpn_unreach++] = u->evpn_reach[i];
		}
		u->nevpn_reach = 0;
	}
}

int bgp_update_decode(struct bgp_update *u, const uint8_t *msg, size_t len,
		      const struct bgp_codec_ctx *ctx)
{
	struct bgp_attr_parsed mp;
	const uint8_t *b = msg + BGP_HDR_LEN;
	size_t blen, wlen, alen, nlen;
	int rc;

	update_clear(u);
	rc = msg_check(msg, len, BGP_MSG_UPDATE, &u->eh.notify);
	if (rc) {
		bgp_eh_raise(&u->eh, BGP_EH_SESSION_RESET, 0, "bad message header");
		return rc;
	}
	blen = len - BGP_HDR_LEN;
	wlen = bgp_get16(b);
	/* 3(b): Withdrawn Routes Length + Total Attribute Length + 23 must
	 * not exceed the message length. */
	if (wlen + 4 > blen || (alen = bgp_get16(b + 2 + wlen)) + wlen + 4 > blen) {
		bgp_eh_reset(&u->eh, BGP_UPD_MALFORMED_ATTR_LIST, 0, "length fields exceed message",
			     NULL, 0);
		return -EBADMSG;
	}
	nlen = blen - 4 - wlen - alen;
	if (nlri_parse(b + 2, wlen, AF_INET, &u->withdrawn) ||
	    nlri_parse(b + 4 + wlen + alen, nlen, AF_INET, &u->nlri)) {
		bgp_eh_reset(&u->eh, BGP_UPD_INVALID_NETWORK, 0, "NLRI field syntax", NULL, 0);
		update_apply_verdict(u);
		return -EBADMSG;
	}
	update_drop_unneg_ipv4(u, ctx);
	bgp_attrs_parse(b + 4 + wlen, alen, ctx, &u->attrs, &u->scratch, &mp, &u->eh);
	u->has_attrs = mp.any;
	if (mp.unneg) {
		u->unneg = true;
		u->unneg_afi = mp.unneg_afi;
		u->unneg_safi = mp.unneg_safi;
	}
	update_mp_nlri(u, &mp);
	update_check_routes(u);
	update_detect_eor(u, &mp, wlen, alen, nlen);
	update_apply_verdict(u);
	return u->eh.action == BGP_EH_SESSION_RESET ? -EBADMSG : 0;
}

void bgp_update_mp_attrs(const struct bgp_update *u, struct bgp_attrs *out)
{
	*out = u->attrs;
	out->present &= ~BGP_ATTRF_NEXT_HOP;
	out->nexthop = u->mp_nexthop;
	out->nexthop_ll = u->mp_nexthop_ll;
}

/* ======================================================================
 * UPDATE encoding
 * ====================================================================== */

#define UPD_FIXED (BGP_HDR_LEN + 4) /* header + two length fields */
#define MP_ATTR_HDR 4		    /* flags, type, 2-octet length */

static size_t prefix_wire_len(const struct kld_prefix *p)
{
	return 1 + ((size_t)p->len + 7) / 8;
}

static uint8_t *prefix_put(uint8_t *o, const struct kld_prefix *p)
{
	size_t bytes = ((size_t)p->len + 7) / 8;

	*o++ = p->len;
	memcpy(o, p->u.bytes, bytes);
	return o + bytes;
}

static size_t max_msg(const struct bgp_codec_ctx *ctx)
{
	return ctx->max_msg && ctx->max_msg < BGP_MAX_MSG_LEN ? ctx->max_msg : BGP_MAX_MSG_LEN;
}

/* All prefixes of one family we speak, with sane lengths; a family the
 * session did not negotiate is never put on the wire (RFC 4760 8). */
static int family_check(const struct bgp_codec_ctx *ctx, const struct kld_prefix *pfx, size_t n)
{
	int af = af_of_family(pfx[0].family);
	size_t i;

	if (af < 0)
		return -EINVAL;
	if (!(ctx->af_mask & BGP_AF_BIT(af)))
		return -EPROTONOSUPPORT;
	for (i = 0; i < n; i++)
		if (pfx[i].family != pfx[0].family ||
		    pfx[i].len > (pfx[0].family == AF_INET ? 32 : 128))
			return -EINVAL;
	return af;
}

/* Fill o with prefixes from *i on while they fit in room bytes. */
static uint8_t *pack_prefixes(uint8_t *o, size_t room, const struct kld_prefix *pfx, size_t n,
			      size_t *i)
{
	while (*i < n && prefix_wire_len(&pfx[*i]) <= room) {
		room -= prefix_wire_len(&pfx[*i]);
		o = prefix_put(o, &pfx[(*i)++]);
	}
	return o;
}

/* The MP_REACH_NLRI header up to (not including) its NLRI. */
static size_t mp_reach_hdr(uint8_t *o, enum bgp_af af, const struct bgp_attrs *a)
{
	size_t nhlen = a->nexthop.family == AF_INET ? 4 : 16;
	bool ll = af == BGP_AF_IPV6_UNICAST && a->nexthop_ll.family == AF_INET6;

	o[0] = BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_EXTLEN;
	o[1] = BGP_ATTR_MP_REACH_NLRI;
	bgp_put16(o + 4, bgp_af_afi(af));
	o[6] = bgp_af_safi(af);
	o[7] = (uint8_t)(ll ? 32 : nhlen);
	memcpy(o + 8, a->nexthop.u.bytes, nhlen);
	if (ll)
		memcpy(o + 8 + nhlen, a->nexthop_ll.u.bytes, 16);
	o[8 + (ll ? 32 : nhlen)] = 0; /* reserved */
	return 9 + (ll ? 32 : nhlen);
}

struct packer {
	const struct bgp_codec_ctx *ctx;
	enum bgp_af af;
	bool mp;
	uint8_t attrs[BGP_MAX_MSG_LEN];
	size_t alen;
	uint8_t mphdr[64];
	size_t mphdr_len;
	uint8_t msg[BGP_MAX_MSG_LEN];
};

/* One UPDATE from prefix *i on. Returns its length. */
static size_t pack_one(struct packer *pk, const struct kld_prefix *pfx, size_t n, size_t *i)
{
	uint8_t *m = pk->msg, *o = m + UPD_FIXED;
	size_t limit = max_msg(pk->ctx), attr_total;

	bgp_put16(m + BGP_HDR_LEN, 0); /* no withdrawn routes */
	if (pk->mp) {
		uint8_t *mp = o;

		memcpy(o, pk->mphdr, pk->mphdr_len);
		o = pack_prefixes(o + pk->mphdr_len,
				  limit - pk->alen - (size_t)(o - m) - pk->mphdr_len, pfx, n, i);
		bgp_put16(mp + 2, (uint16_t)(o - mp - MP_ATTR_HDR));
		memcpy(o, pk->attrs, pk->alen);
		o += pk->alen;
		attr_total = (size_t)(o - m) - UPD_FIXED;
	} else {
		memcpy(o, pk->attrs, pk->alen);
		o += pk->alen;
		attr_total = pk->alen;
		o = pack_prefixes(o, limit - (size_t)(o - m), pfx, n, i);
	}
	bgp_put16(m + BGP_HDR_LEN + 2, (uint16_t)attr_total);
	bgp_hdr_encode(m, (uint16_t)(o - m), BGP_MSG_UPDATE);
	return (size_t)(o - m);
}

static int packer_setup(struct packer *pk, const struct bgp_codec_ctx *ctx,
			const struct bgp_attrs *a, int af)
{
	int alen;

	pk->ctx = ctx;
	pk->af = (enum bgp_af)af;
	pk->mp = af != BGP_AF_IPV4_UNICAST || ctx->ipv4_mp;
	if (a->nexthop.family != bgp_af_family(pk->af))
		return -EINVAL;
	alen = bgp_attrs_encode(a, ctx, !pk->mp, pk->attrs, sizeof(pk->attrs));
	if (alen < 0)
		return alen;
	pk->alen = (size_t)alen;
	pk->mphdr_len = pk->mp ? mp_reach_hdr(pk->mphdr, pk->af, a) : 0;
	/* Room for at least the longest prefix of the family. */
	if (UPD_FIXED + pk->alen + pk->mphdr_len + 17 > max_msg(ctx))
		return -EMSGSIZE;
	return 0;
}

int bgp_update_pack(const struct bgp_codec_ctx *ctx, const struct bgp_attrs *a,
		    const struct kld_prefix *pfx, size_t n, bgp_emit_fn emit, void *arg)
{
	struct packer *pk;
	size_t i = 0;
	int af, rc, count = 0;

	if (!n)
		return 0;
	af = family_check(ctx, pfx, n);
	if (af < 0)
		return af;
	pk = kld_xmalloc(sizeof(*pk));
	rc = packer_setup(pk, ctx, a, af);
	while (!rc && i < n) {
		size_t mlen = pack_one(pk, pfx, n, &i);

		rc = emit(arg, pk->msg, mlen);
		count++;
	}
	free(pk);
	return rc < 0 ? rc : count;
}

/* One withdrawal UPDATE from prefix *i on. */
static size_t withdraw_one(uint8_t *m, size_t limit, enum bgp_af af, bool mp,
			   const struct kld_prefix *pfx, size_t n, size_t *i)
{
	uint8_t *o;

	if (!mp) {
		o = pack_prefixes(m + BGP_HDR_LEN + 2, limit - UPD_FIXED, pfx, n, i);
		bgp_put16(m + BGP_HDR_LEN, (uint16_t)(o - m - BGP_HDR_LEN - 2));
		bgp_put16(o, 0); /* no attributes */
		o += 2;
	} else {
		uint8_t *a = m + UPD_FIXED;

		bgp_put16(m + BGP_HDR_LEN, 0);
		a[0] = BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_EXTLEN;
		a[1] = BGP_ATTR_MP_UNREACH_NLRI;
		bgp_put16(a + 4, bgp_af_afi(af));
		a[6] = bgp_af_safi(af);
		o = pack_prefixes(a + 7, limit - UPD_FIXED - 7, pfx, n, i);
		bgp_put16(a + 2, (uint16_t)(o - a - MP_ATTR_HDR));
		bgp_put16(m + BGP_HDR_LEN + 2, (uint16_t)(o - a));
	}
	bgp_hdr_encode(m, (uint16_t)(o - m), BGP_MSG_UPDATE);
	return (size_t)(o - m);
}

int bgp_withdraw_pack(const struct bgp_codec_ctx *ctx, const struct kld_prefix *pfx, size_t n,
		      bgp_emit_fn emit, void *arg)
{
	uint8_t *msg;
	size_t i = 0;
	int af, rc = 0, count = 0;
	bool mp;

	if (!n)
		return 0;
	af = family_check(ctx, pfx, n);
	if (af < 0)
		return af;
	mp = af != BGP_AF_IPV4_UNICAST || ctx->ipv4_mp;
	if (max_msg(ctx) < UPD_FIXED + 7 + 17)
		return -EMSGSIZE; /* not even one prefix fits */
	msg = kld_xmalloc(BGP_MAX_MSG_LEN);
	while (!rc && i < n) {
		size_t mlen = withdraw_one(msg, max_msg(ctx), (enum bgp_af)af, mp, pfx, n, &i);

		rc = emit(arg, msg, mlen);
		count++;
	}
	free(msg);
	return rc < 0 ? rc : count;
}

int bgp_eor_encode(const struct bgp_codec_ctx *ctx, enum bgp_af af, uint8_t *buf, size_t size)
{
	bool mp = af != BGP_AF_IPV4_UNICAST || ctx->ipv4_mp;
	size_t total = mp ? UPD_FIXED + 6 : UPD_FIXED;

	if ((unsigned)af >= BGP_AF_MAX)
		return -EINVAL;
	if (!(ctx->af_mask & BGP_AF_BIT(af)))
		return -EPROTONOSUPPORT;
	if (size < total)
		return -EMSGSIZE;
	bgp_hdr_encode(buf, (uint16_t)total, BGP_MSG_UPDATE);
	bgp_put16(buf + BGP_HDR_LEN, 0);
	bgp_put16(buf + BGP_HDR_LEN + 2, (uint16_t)(total - UPD_FIXED));
	if (mp) {
		uint8_t *a = buf + UPD_FIXED;

		a[0] = BGP_ATTR_FLAG_OPTIONAL;
		a[1] = BGP_ATTR_MP_UNREACH_NLRI;
		a[2] = 3;
		bgp_put16(a + 3, bgp_af_afi(af));
		a[5] = bgp_af_safi(af);
	}
	return (int)total;
}

/* ---- next hop rewriting for update groups ---- */

static size_t bgp_rd16(const uint8_t *p)
{
	return (size_t)p[0] << 8 | p[1];
}

/* A next hop field of len bytes of from's family (IPv6: global, or global
 * and link-local) that starts with `from` becomes `to`. */
static void bgp_nh_swap(uint8_t *p, size_t len, const struct kld_addr *from,
			const struct kld_addr *to)
{
	size_t alen = from->family == AF_INET ? 4 : 16;

	if ((len == alen || (alen == 16 && len == 32)) && !memcmp(p, from->u.bytes, alen))
		memcpy(p, to->u.bytes, alen);
}

static void bgp_update_nh_rewrite(uint8_t *m, size_t len, const struct kld_addr *from,
				  const struct kld_addr *to)
{
	size_t off, end;

	if (len < BGP_UPDATE_MIN_LEN)
		return;
	off = BGP_HDR_LEN + 2 + bgp_rd16(m + BGP_HDR_LEN);
	if (off + 2 > len)
		return;
	end = off + 2 + bgp_rd16(m + off);
	off += 2;
	while (off + 3 <= end && end <= len) {
		bool ext = m[off] & BGP_ATTR_FLAG_EXTLEN;
		uint8_t type = m[off + 1];
		size_t vl;

		if (ext && off + 4 > end)
			return;
		vl = ext ? bgp_rd16(m + off + 2) : m[off + 2];
		off += ext ? 4 : 3;
		if (off + vl > end)
			return;
		if (type == BGP_ATTR_NEXT_HOP)
			bgp_nh_swap(m + off, vl, from, to);
		else if (type == BGP_ATTR_MP_REACH_NLRI && vl >= 4 && (size_t)m[off + 3] <= vl - 4)
			bgp_nh_swap(m + off + 4, m[off + 3], from, to);
		off += vl;
	}
}

int bgp_updates_rewrite_nexthop(uint8_t *buf, size_t len, const struct kld_addr *from,
				const struct kld_addr *to)
{
	size_t off = 0;

	if (from->family != to->family || (from->family != AF_INET && from->family != AF_INET6))
		return -EINVAL;
	while (off + BGP_HDR_LEN <= len) {
		size_t mlen = bgp_rd16(buf + off + BGP_MARKER_LEN);

		if (mlen < BGP_HDR_LEN || off + mlen > len)
			return -EINVAL;
		if (buf[off + BGP_MARKER_LEN + 2] == BGP_MSG_UPDATE)
			bgp_update_nh_rewrite(buf + off, mlen, from, to);
		off += mlen;
	}
	return off == len ? 0 : -EINVAL;
}
