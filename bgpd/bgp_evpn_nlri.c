/*
 * BGP EVPN wire format (see bgp_evpn_nlri.h). Lengths are checked before
 * every read: the input is the internet's.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "bgp_evpn_nlri.h"

static int addr_cmp(const struct kld_addr *a, const struct kld_addr *b)
{
	if (a->family != b->family)
		return a->family < b->family ? -1 : 1;
	return memcmp(a->u.bytes, b->u.bytes, kld_family_bytes(a->family));
}

int bgp_evpn_key_cmp(const struct bgp_evpn_route *a, const struct bgp_evpn_route *b)
{
	int d;

	if (a->type != b->type)
		return a->type < b->type ? -1 : 1;
	if ((d = memcmp(a->rd, b->rd, 8)))
		return d;
	if (a->etag != b->etag)
		return a->etag < b->etag ? -1 : 1;
	if (a->type == BGP_EVPN_MACIP && (d = memcmp(a->mac, b->mac, 6)))
		return d;
	if (a->type == BGP_EVPN_PREFIX && a->plen != b->plen)
		return a->plen < b->plen ? -1 : 1;
	return a->ip.family || b->ip.family ? addr_cmp(&a->ip, &b->ip) : 0;
}

static void put24(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 16);
	p[1] = (uint8_t)(v >> 8);
	p[2] = (uint8_t)v;
}

static uint32_t get24(const uint8_t *p)
{
	return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

/* An IP of bits 0, 32 or 128 at p; false for another length. */
static bool ip_take(struct kld_addr *a, unsigned bits, const uint8_t *p)
{
	memset(a, 0, sizeof(*a));
	if (bits == 0)
		return true;
	if (bits != 32 && bits != 128)
		return false;
	kld_addr_set(a, bits == 32 ? AF_INET : AF_INET6, p);
	return true;
}

/* Type 2 (RFC 7432 7.2): RD 8, ESI 10, tag 4, MAC len 1, MAC 6, IP len 1,
 * IP 0/4/16, label1 3, label2 3 optional. */
static bool parse_macip(const uint8_t *v, size_t len, struct bgp_evpn_route *r)
{
	size_t iplen;

	if (len < 33 || v[22] != 48)
		return false;
	iplen = v[29] / 8;
	if ((v[29] % 8) || (len != 30 + iplen + 3 && len != 30 + iplen + 6))
		return false;
	if (!ip_take(&r->ip, v[29], v + 30))
		return false;
	memcpy(r->rd, v, 8);
	memcpy(r->esi, v + 8, 10);
	r->etag = bgp_get32(v + 18);
	memcpy(r->mac, v + 23, 6);
	r->vni = get24(v + 30 + iplen);
	return true;
}

/* Type 3 (7.3): RD 8, tag 4, IP len 1, originating IP 4/16. */
static bool parse_imet(const uint8_t *v, size_t len, struct bgp_evpn_route *r)
{
	if (len < 13 || (v[12] != 32 && v[12] != 128) || len != 13 + (size_t)v[12] / 8)
		return false;
	memcpy(r->rd, v, 8);
	r->etag = bgp_get32(v + 8);
	return ip_take(&r->ip, v[12], v + 13);
}

/* Type 5 (RFC 9136 3.1): RD 8, ESI 10, tag 4, prefix len 1, prefix 4/16,
 * gateway 4/16, label 3: 34 or 58 octets. */
static bool parse_prefix(const uint8_t *v, size_t len, struct bgp_evpn_route *r)
{
	size_t alen = len == 34 ? 4 : len == 58 ? 16 : 0;

	if (!alen || v[22] > alen * 8)
		return false;
	memcpy(r->rd, v, 8);
	memcpy(r->esi, v + 8, 10);
	r->etag = bgp_get32(v + 18);
	r->plen = v[22];
	ip_take(&r->ip, (unsigned)alen * 8, v + 23);
	ip_take(&r->gw, (unsigned)alen * 8, v + 23 + alen);
	r->vni = get24(v + 23 + 2 * alen);
	return true;
}

int bgp_evpn_nlri_parse(const uint8_t *p, size_t len, struct bgp_evpn_route **out, size_t *n,
			size_t *cap, size_t *bad)
{
	size_t off = 0;
	int got = 0;

	while (off < len) {
		struct bgp_evpn_route r;
		size_t rlen;
		bool ok;

		if (len - off < 2 || (rlen = p[off + 1]) > len - off - 2)
			return -1;
		memset(&r, 0, sizeof(r));
		r.type = p[off];
		if (r.type == BGP_EVPN_MACIP)
			ok = parse_macip(p + off + 2, rlen, &r);
		else if (r.type == BGP_EVPN_IMET)
			ok = parse_imet(p + off + 2, rlen, &r);
		else if (r.type == BGP_EVPN_PREFIX)
			ok = parse_prefix(p + off + 2, rlen, &r);
		else
			ok = false, r.type = 0; /* unknown type: skipped */
		off += 2 + rlen;
		if (!ok) {
			*bad += r.type != 0;
			continue;
		}
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 16;
			*out = kld_xrealloc(*out, *cap * sizeof(**out));
		}
		(*out)[(*n)++] = r;
		got++;
	}
	return got;
}

static size_t ip_put(uint8_t *p, const struct kld_addr *a)
{
	size_t n = a->family ? kld_family_bytes(a->family) : 0;

	memcpy(p, a->u.bytes, n);
	return n;
}

int bgp_evpn_nlri_encode(const struct bgp_evpn_route *r, uint8_t *buf, size_t size)
{
	uint8_t v[64];
	size_t len = 0;

	memcpy(v, r->rd, 8);
	if (r->type == BGP_EVPN_MACIP) {
		memcpy(v + 8, r->esi, 10);
		bgp_put32(v + 18, r->etag);
		v[22] = 48;
		memcpy(v + 23, r->mac, 6);
		v[29] = (uint8_t)(r->ip.family ? kld_family_bytes(r->ip.family) * 8 : 0);
		len = 30 + ip_put(v + 30, &r->ip);
		put24(v + len, r->vni);
		len += 3;
	} else if (r->type == BGP_EVPN_IMET) {
		if (!r->ip.family)
			return -EINVAL;
		bgp_put32(v + 8, r->etag);
		v[12] = (uint8_t)(kld_family_bytes(r->ip.family) * 8);
		len = 13 + ip_put(v + 13, &r->ip);
	} else if (r->type == BGP_EVPN_PREFIX) {
		memcpy(v + 8, r->esi, 10);
		bgp_put32(v + 18, r->etag);
		v[22] = r->plen;
		len = 23 + ip_put(v + 23, &r->ip);
		len += ip_put(v + len, &r->gw);
		put24(v + len, r->vni);
		len += 3;
	} else {
		return -EINVAL;
	}
	if (len + 2 > size)
		return -EMSGSIZE;
	buf[0] = r->type;
	buf[1] = (uint8_t)len;
	memcpy(buf + 2, v, len);
	return (int)len + 2;
}

/* ---- route distinguishers ---- */

void bgp_evpn_rd_fmt(const uint8_t *rd, char *buf, size_t size)
{
	uint16_t t = bgp_get16(rd);

	if (t == 0)
		snprintf(buf, size, "%u:%u", bgp_get16(rd + 2), bgp_get32(rd + 4));
	else if (t == 1)
		snprintf(buf, size, "%u.%u.%u.%u:%u", rd[2], rd[3], rd[4], rd[5], bgp_get16(rd + 6));
	else if (t == 2)
		snprintf(buf, size, "%u:%u", bgp_get32(rd + 2), bgp_get16(rd + 6));
	else
		snprintf(buf, size, "unknown-rd-type-%u", t);
}

static int split_admin(const char *s, char *left, size_t lsize, unsigned long *right)
{
	const char *colon = strrchr(s, ':');
	char *end;

	if (!colon || (size_t)(colon - s) >= lsize || colon == s || !colon[1])
		return -1;
	memcpy(left, s, (size_t)(colon - s));
	left[colon - s] = 0;
	*right = strtoul(colon + 1, &end, 10);
	return *end || colon[1] == '-' ? -1 : 0;
}

static int parse_u32(const char *s, unsigned long *v)
{
	char *end;

	if (!*s || *s == '-')
		return -1;
	*v = strtoul(s, &end, 10);
	return *end || *v > UINT32_MAX ? -1 : 0;
}

/* "A:N": type 0 (2-octet AS, 4-octet N), 1 (IPv4, 2-octet N) or 2
 * (4-octet AS, 2-octet N); out gets [type:2][value:6]. */
static int admin_parse(const char *s, uint8_t *out)
{
	char left[32];
	unsigned long n, asn;
	struct in_addr ip;

	if (split_admin(s, left, sizeof(left), &n) < 0)
		return -1;
	if (inet_pton(AF_INET, left, &ip) == 1) {
		if (n > UINT16_MAX)
			return -1;
		bgp_put16(out, 1);
		memcpy(out + 2, &ip, 4);
		bgp_put16(out + 6, (uint16_t)n);
		return 0;
	}
	if (parse_u32(left, &asn) < 0 || n > UINT32_MAX)
		return -1;
	if (asn <= UINT16_MAX) {
		bgp_put16(out, 0);
		bgp_put16(out + 2, (uint16_t)asn);
		bgp_put32(out + 4, (uint32_t)n);
		return 0;
	}
	if (n > UINT16_MAX)
		return -1;
	bgp_put16(out, 2);
	bgp_put32(out + 2, (uint32_t)asn);
	bgp_put16(out + 6, (uint16_t)n);
	return 0;
}

int bgp_evpn_rd_parse(const char *s, uint8_t *rd)
{
	return admin_parse(s, rd);
}

void bgp_evpn_rd_auto(uint8_t *rd, uint32_t router_id, uint16_t index)
{
	bgp_put16(rd, 1);
	bgp_put32(rd + 2, router_id);
	bgp_put16(rd + 6, index);
}

/* ---- extended communities ---- */

int bgp_ecomm_rt_parse(const char *s, uint8_t *out)
{
	if (admin_parse(s, out) < 0)
		return -1;
	/* The RD's type is the community's high octet; sub-type 2: RT. */
	out[0] = out[1];
	out[1] = 0x02;
	return 0;
}

void bgp_ecomm_rt_make(uint8_t *out, uint32_t asn, uint32_t val)
{
	if (asn <= UINT16_MAX) {
		out[0] = 0x00;
		out[1] = 0x02;
		bgp_put16(out + 2, (uint16_t)asn);
		bgp_put32(out + 4, val);
		return;
	}
	out[0] = 0x02;
	out[1] = 0x02;
	bgp_put32(out + 2, asn);
	bgp_put16(out + 6, (uint16_t)val);
}

bool bgp_ecomm_is_rt(const uint8_t *e)
{
	return (e[0] == 0x00 || e[0] == 0x01 || e[0] == 0x02) && e[1] == 0x02;
}

size_t bgp_ecomm_fmt(const uint8_t *e, char *buf, size_t size)
{
	uint8_t rd[8];
	char t[48];

	if (bgp_ecomm_is_rt(e)) {
		bgp_put16(rd, e[0]);
		memcpy(rd + 2, e + 2, 6);
		bgp_evpn_rd_fmt(rd, t, sizeof(t));
		return (size_t)snprintf(buf, size, "RT:%s", t);
	}
	if (e[0] == 0x03 && e[1] == 0x0c)
		return (size_t)snprintf(buf, size, "ET:%u", bgp_get16(e + 6));
	if (e[0] == 0x06 && e[1] == 0x00)
		return (size_t)snprintf(buf, size, "MM:%u%s", bgp_get32(e + 4),
					(e[2] & 1) ? ", sticky MAC" : "");
	if (e[0] == 0x03 && e[1] == 0x0d)
		return (size_t)snprintf(buf, size, "Default Gateway");
	return (size_t)snprintf(buf, size, "0x%02x%02x:%02x%02x%02x%02x%02x%02x", e[0], e[1], e[2],
				e[3], e[4], e[5], e[6], e[7]);
}

/* RFC 9012 4.1 / RFC 8365 5.1.3: tunnel type 8, VXLAN. */
void bgp_ecomm_encap_vxlan(uint8_t *out)
{
	memset(out, 0, 8);
	out[0] = 0x03;
	out[1] = 0x0c;
	bgp_put16(out + 6, 8);
}

/* RFC 7432 7.7. */
void bgp_ecomm_mac_mobility(uint8_t *out, uint32_t seq, bool sticky)
{
	memset(out, 0, 8);
	out[0] = 0x06;
	out[2] = sticky ? 1 : 0;
	bgp_put32(out + 4, seq);
}

/* RFC 7432 7.8. */
void bgp_ecomm_default_gw(uint8_t *out)
{
	memset(out, 0, 8);
	out[0] = 0x03;
	out[1] = 0x0d;
}

bool bgp_ecomm_mac_seq(const uint8_t *ecomm, size_t n, uint32_t *seq, bool *sticky)
{
	for (size_t i = 0; i < n; i++) {
		const uint8_t *e = ecomm + i * 8;

		if (e[0] == 0x06 && e[1] == 0x00) {
			*seq = bgp_get32(e + 4);
			*sticky = e[2] & 1;
			return true;
		}
	}
	return false;
}

bool bgp_ecomm_has_default_gw(const uint8_t *ecomm, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (ecomm[i * 8] == 0x03 && ecomm[i * 8 + 1] == 0x0d)
			return true;
	return false;
}

/* ---- PMSI ---- */

size_t bgp_pmsi_build(uint8_t *out, uint32_t vni, const struct kld_addr *vtep)
{
	size_t alen = kld_family_bytes(vtep->family);

	out[0] = BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_TRANSITIVE;
	out[1] = BGP_ATTR_PMSI_TUNNEL;
	bgp_put16(out + 2, (uint16_t)(5 + alen));
	out[4] = 0; /* flags: no leaf information required */
	out[5] = BGP_PMSI_INGRESS_REPL;
	put24(out + 6, vni);
	memcpy(out + 9, vtep->u.bytes, alen);
	return 9 + alen;
}

bool bgp_pmsi_find(const uint8_t *unknown, size_t len, uint8_t *tunnel_type, uint32_t *label,
		   struct kld_addr *ep)
{
	size_t off = 0;

	while (off + 4 <= len) {
		size_t vl = bgp_get16(unknown + off + 2);
		const uint8_t *v = unknown + off + 4;

		if (off + 4 + vl > len)
			return false;
		if (unknown[off + 1] == BGP_ATTR_PMSI_TUNNEL && vl >= 5) {
			*tunnel_type = v[1];
			*label = get24(v + 2);
			memset(ep, 0, sizeof(*ep));
			if (vl == 9 || vl == 21)
				kld_addr_set(ep, vl == 9 ? AF_INET : AF_INET6, v + 5);
			return true;
		}
		off += 4 + vl;
	}
	return false;
}

/* ---- UPDATE ---- */

static size_t hdr_put(uint8_t *buf, size_t len)
{
	memset(buf, 0xff, 16);
	bgp_put16(buf + 16, (uint16_t)len);
	buf[18] = BGP_MSG_UPDATE;
	return BGP_HDR_LEN;
}

int bgp_evpn_update_encode(const uint8_t *attrs, size_t alen, const struct kld_addr *nh,
			   const struct bgp_evpn_route *r, size_t n, uint8_t *buf, size_t size,
			   size_t *len)
{
	size_t limit = KLD_MIN(size, (size_t)BGP_MAX_MSG_LEN);
	bool reach = attrs != NULL;
	size_t nhlen = reach ? kld_family_bytes(nh->family) : 0;
	/* header, withdrawn len, attr len, the MP attribute's 4-octet
	 * header (extended length), AFI/SAFI and, reaching, next hop + 1 */
	size_t fixed = BGP_HDR_LEN + 4 + alen + 4 + 3 + (reach ? 1 + nhlen + 1 : 0);
	size_t off = fixed, mp;
	int done = 0;

	if (fixed > limit)
		return -EMSGSIZE;
	for (size_t i = 0; i < n; i++) {
		int w = bgp_evpn_nlri_encode(&r[i], buf + off, limit - off);

		if (w < 0)
			break;
		off += (size_t)w;
		done++;
	}
	if (!done)
		return -EMSGSIZE;
	hdr_put(buf, off);
	bgp_put16(buf + BGP_HDR_LEN, 0);
	bgp_put16(buf + BGP_HDR_LEN + 2, (uint16_t)(off - BGP_HDR_LEN - 4));
	mp = BGP_HDR_LEN + 4;
	/* MP_REACH first (RFC 7606 5.1), then the other attributes */
	buf[mp] = BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_EXTLEN;
	buf[mp + 1] = reach ? 14 : 15;
	bgp_put16(buf + mp + 2, (uint16_t)(off - fixed + 3 + (reach ? 2 + nhlen : 0)));
	bgp_put16(buf + mp + 4, BGP_AFI_L2VPN);
	buf[mp + 6] = BGP_SAFI_EVPN;
	if (reach) {
		buf[mp + 7] = (uint8_t)nhlen;
		memcpy(buf + mp + 8, nh->u.bytes, nhlen);
		buf[mp + 8 + nhlen] = 0;
	}
	{
		/* Layout written: [hdr][wlen][alen][MP hdr + fields][attrs room][nlri].
		 * The MP attribute must hold its NLRI contiguously: rotate the
		 * attribute bytes to the end. */
		size_t mpfix = mp + 4 + 3 + (reach ? 1 + nhlen + 1 : 0);
		size_t nlri_len = off - fixed;

		memmove(buf + mpfix, buf + fixed, nlri_len);
		memcpy(buf + mpfix + nlri_len, attrs ? attrs : (const uint8_t *)"", alen);
	}
	*len = off;
	return done;
}

int bgp_evpn_eor_encode(uint8_t *buf, size_t size)
{
	size_t len = BGP_HDR_LEN + 4 + 7;

	if (size < len)
		return -EMSGSIZE;
	hdr_put(buf, len);
	bgp_put16(buf + BGP_HDR_LEN, 0);
	bgp_put16(buf + BGP_HDR_LEN + 2, 7);
	buf[BGP_HDR_LEN + 4] = BGP_ATTR_FLAG_OPTIONAL | BGP_ATTR_FLAG_EXTLEN;
	buf[BGP_HDR_LEN + 5] = 15;
	bgp_put16(buf + BGP_HDR_LEN + 6, 3);
	bgp_put16(buf + BGP_HDR_LEN + 8, BGP_AFI_L2VPN);
	buf[BGP_HDR_LEN + 10] = BGP_SAFI_EVPN;
	return (int)len;
}
