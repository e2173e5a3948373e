/*
 * libFuzzer target for the BGP protocol core (bgpd/libbgp.a sources).
 *
 * Build and run (see tests/fuzz/README):
 *     tests/fuzz/build.sh /tmp/fuzz
 *     /tmp/fuzz/fuzz_bgp_packet -max_total_time=60 tests/fuzz/corpus/bgp
 *
 * Input layout: [session flags][message type][message body...]. The
 * harness writes the 19-byte header itself (marker, length, type) so the
 * fuzzer spends its time inside the decoders rather than guessing a
 * marker; the raw input also goes through bgp_hdr_decode() once.
 *
 * Besides "no crash, no leak", it checks properties:
 *  - OPEN, NOTIFICATION, ROUTE-REFRESH: what decodes re-encodes and
 *    decodes to the same value;
 *  - UPDATE on a 4-octet session: accepted routes re-packed with their
 *    attributes decode to the same interned set and the same prefixes;
 *  - EVPN routes (flag 64 negotiates AFI 25 / SAFI 70): none announced
 *    under treat-as-withdraw; each accepted route re-encodes and parses
 *    to the same key and label, and an UPDATE packed of them decodes to
 *    the same routes.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/bgp_packet.h"
#include "bgpd/bgp_fsm.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

/* Reused across runs like a daemon would; reachable, so not a leak. */
static struct bgp_update *dec;
static struct bgp_update *redec;

static void fuzz_open(const uint8_t *m, size_t len)
{
	struct bgp_open o, o2;
	struct bgp_open_expect x = {.peer_as = 0, .local_as = 65001, .local_id = 1};
	struct bgp_negotiated n;
	struct bgp_notify err;
	uint8_t buf[BGP_MAX_MSG_LEN];
	int elen;

	if (bgp_open_decode(m, len, &o, &err))
		return;
	bgp_open_check(&o, &x, &err);
	bgp_negotiate(&o, &o, &n);
	elen = bgp_open_encode(&o, buf, sizeof(buf));
	if (elen < 0)
		return; /* e.g. more capabilities than one parameter holds */
	CHECK(bgp_open_decode(buf, (size_t)elen, &o2, &err) == 0);
	CHECK(o2.my_as == o.my_as && o2.hold_time == o.hold_time && o2.bgp_id == o.bgp_id);
	CHECK(o2.caps.present == o.caps.present && o2.caps.mp_mask == o.caps.mp_mask);
	CHECK(o2.caps.as4 == o.caps.as4);
	CHECK(!(o.caps.present & BGP_CAPF_GR) ||
	      (o2.caps.gr.time == o.caps.gr.time && o2.caps.gr.af_mask == o.caps.gr.af_mask));
}

static void fuzz_notify(const uint8_t *m, size_t len)
{
	static struct bgp_notify n, n2, err;
	uint8_t buf[BGP_MAX_MSG_LEN];
	int elen;

	if (bgp_notify_decode(m, len, &n, &err))
		return;
	bgp_notify_code_str(n.code);
	bgp_notify_subcode_str(n.code, n.subcode);
	{
		char text[BGP_SHUTDOWN_TEXT_MAX];
		int tl = bgp_notify_shutdown_text(&n, text, sizeof(text));

		CHECK(tl < (int)sizeof(text) && (tl < 0 || strlen(text) == (size_t)tl));
	}
	elen = bgp_notify_encode(&n, buf, sizeof(buf));
	CHECK(elen == (int)len);
	CHECK(bgp_notify_decode(buf, (size_t)elen, &n2, &err) == 0);
	CHECK(n2.datalen == n.datalen && !memcmp(n2.data, n.data, n.datalen));
}

static void fuzz_rrefresh(const uint8_t *m, size_t len)
{
	struct bgp_route_refresh r, r2;
	struct bgp_notify err;
	uint8_t buf[64];

	if (bgp_rrefresh_decode(m, len, &r, &err))
		return;
	CHECK(bgp_rrefresh_encode(&r, buf, sizeof(buf)) == BGP_RREFRESH_LEN);
	CHECK(!memcmp(buf, m, BGP_RREFRESH_LEN));
	CHECK(bgp_rrefresh_decode(buf, BGP_RREFRESH_LEN, &r2, &err) == 0);
}

struct repack {
	const struct bgp_codec_ctx *ctx;
	struct bgp_attr_table *t;
	const struct bgp_attrs *want; /* interned */
	const struct bgp_prefix_list *pfx;
	size_t next;
	bool mp;
	bool strict;
};

static int repack_emit(void *arg, const uint8_t *msg, size_t len)
{
	struct repack *r = arg;
	const struct bgp_prefix_list *got;
	struct bgp_attrs mpa;
	const struct bgp_attrs *a;
	size_t i;

	CHECK(len <= BGP_MAX_MSG_LEN);
	CHECK(bgp_update_decode(redec, msg, len, r->ctx) == 0);
	if (!r->strict)
		return 0;
	CHECK(redec->eh.action == BGP_EH_NONE);
	got = r->mp ? &redec->mp_nlri : &redec->nlri;
	if (r->mp)
		bgp_update_mp_attrs(redec, &mpa);
	a = bgp_attr_intern(r->t, r->mp ? &mpa : &redec->attrs);
	CHECK(a == r->want);
	bgp_attr_unref(r->t, a);
	for (i = 0; i < got->n; i++, r->next++) {
		CHECK(r->next < r->pfx->n);
		CHECK(!memcmp(&got->p[i], &r->pfx->p[r->next], sizeof(got->p[i])));
	}
	return 0;
}

/* Re-announce what was accepted, with the attributes it was accepted
 * with, and check it comes back the same. */
static void repack(const struct bgp_codec_ctx *ctx, struct bgp_attr_table *t,
		   const struct bgp_attrs *tmp, const struct bgp_prefix_list *pfx)
{
	struct repack r = {.ctx = ctx, .t = t, .pfx = pfx};
	struct bgp_attrs want = *tmp;
	int rc;

	if (!pfx->n)
		return;
	/* Where the packer puts these prefixes decides whether the next hop
	 * travels as NEXT_HOP or inside MP_REACH_NLRI. */
	r.mp = pfx->p[0].family == AF_INET6 || ctx->ipv4_mp;
	if (r.mp)
		want.present &= ~BGP_ATTRF_NEXT_HOP;
	else
		want.present |= BGP_ATTRF_NEXT_HOP;
	r.want = bgp_attr_intern(t, &want);
	/* On 4-octet sessions the round trip must be exact. Over 2-octet
	 * ones AS_TRANS reconstruction is lossy by design (RFC 6793 4.2.3
	 * can ignore AS4_PATH), so only crashes count. */
	r.strict = ctx->as4;
	rc = bgp_update_pack(ctx, r.want, pfx->p, pfx->n, repack_emit, &r);
	CHECK(rc >= 0 || rc == -EMSGSIZE || rc == -EINVAL);
	if (rc > 0 && r.strict)
		CHECK(r.next == pfx->n);
	bgp_attr_unref(t, r.want);
}

static void fuzz_helpers(const struct bgp_attrs *a)
{
	char small[16];
	struct bgp_scratch s;
	struct bgp_attrs tmp = *a;

	bgp_aspath_fmt(a->aspath, a->aspath_len, small, sizeof(small));
	bgp_comm_fmt(a->comm, a->ncomm, small, sizeof(small));
	bgp_lcomm_fmt(a->lcomm, a->nlcomm, small, sizeof(small));
	bgp_aspath_length(a->aspath, a->aspath_len);
	bgp_aspath_contains(a->aspath, a->aspath_len, 65001);
	CHECK(bgp_aspath_valid(a->aspath, a->aspath_len));
	bgp_scratch_init(&s);
	if (bgp_attrs_aspath_prepend(&tmp, &s, 65001, 3) == 0)
		CHECK(bgp_aspath_valid(tmp.aspath, tmp.aspath_len));
	bgp_attrs_comm_add(&tmp, &s, BGP_COMM_NO_EXPORT);
	CHECK(bgp_comm_contains(&tmp, BGP_COMM_NO_EXPORT));
	bgp_scratch_free(&s);
}

static bool only_families(const struct bgp_prefix_list *l, uint32_t af_mask)
{
	for (size_t i = 0; i < l->n; i++) {
		enum bgp_af af =
		    l->p[i].family == AF_INET ? BGP_AF_IPV4_UNICAST : BGP_AF_IPV6_UNICAST;

		if (!(af_mask & BGP_AF_BIT(af)))
			return false;
	}
	return true;
}

static void fuzz_evpn(const struct bgp_update *u, const struct bgp_codec_ctx *ctx)
{
	uint8_t buf[BGP_MAX_MSG_LEN], attrs[64];
	char text[64];
	size_t mlen, done = 0;

	for (size_t i = 0; i < u->nevpn_reach; i++) {
		const struct bgp_evpn_route *r = &u->evpn_reach[i];
		struct bgp_evpn_route *back = NULL;
		size_t n = 0, cap = 0, bad = 0;
		int w = bgp_evpn_nlri_encode(r, buf, sizeof(buf));

		CHECK(w > 0);
		CHECK(bgp_evpn_nlri_parse(buf, (size_t)w, &back, &n, &cap, &bad) == 1 && !bad);
		CHECK(!bgp_evpn_key_cmp(r, back) && back->vni == r->vni);
		bgp_evpn_rd_fmt(r->rd, text, sizeof(text));
		free(back);
	}
	for (size_t i = 0; i < u->attrs.necomm; i++)
		bgp_ecomm_fmt(u->attrs.ecomm + i * 8, text, sizeof(text));
	/* packed again (ORIGIN and an empty AS_PATH), they decode the same */
	while (u->nevpn_reach && done < u->nevpn_reach) {
		static const uint8_t base[] = { 0x40, 1, 1, 0, 0x40, 2, 0 };
		int got;

		memcpy(attrs, base, sizeof(base));
		got = bgp_evpn_update_encode(attrs, sizeof(base), &u->evpn_nh, u->evpn_reach + done,
					     u->nevpn_reach - done, buf, sizeof(buf), &mlen);
		CHECK(got > 0);
		CHECK(bgp_update_decode(redec, buf, mlen, ctx) == 0);
		CHECK(redec->eh.action == BGP_EH_NONE && redec->nevpn_reach == (size_t)got);
		for (int k = 0; k < got; k++)
			CHECK(!bgp_evpn_key_cmp(&redec->evpn_reach[k], &u->evpn_reach[done + (size_t)k]));
		done += (size_t)got;
	}
}

static void fuzz_update(const uint8_t *m, size_t len, const struct bgp_codec_ctx *ctx)
{
	struct bgp_attr_table *t;
	struct bgp_attrs mpa;

	if (!dec) {
		dec = malloc(sizeof(*dec));
		redec = malloc(sizeof(*redec));
		bgp_update_init(dec);
		bgp_update_init(redec);
	}
	if (bgp_update_decode(dec, m, len, ctx)) {
		CHECK(dec->eh.action == BGP_EH_SESSION_RESET);
		CHECK(dec->eh.notify.code != 0);
		return;
	}
	CHECK(dec->eh.action != BGP_EH_SESSION_RESET);
	/* only the session's families get through (RFC 4760 8) */
	CHECK(only_families(&dec->withdrawn, ctx->af_mask) &&
	      only_families(&dec->nlri, ctx->af_mask) &&
	      only_families(&dec->mp_nlri, ctx->af_mask));
	CHECK((ctx->af_mask & BGP_EVPN_BIT) || (!dec->nevpn_reach && !dec->nevpn_unreach));
	if (dec->eh.action == BGP_EH_TREAT_AS_WITHDRAW) {
		CHECK(dec->nlri.n == 0 && dec->mp_nlri.n == 0 && dec->nevpn_reach == 0);
		return;
	}
	fuzz_evpn(dec, ctx);
	t = bgp_attr_table_new();
	fuzz_helpers(&dec->attrs);
	repack(ctx, t, &dec->attrs, &dec->nlri);
	bgp_update_mp_attrs(dec, &mpa);
	repack(ctx, t, &mpa, &dec->mp_nlri);
	if (dec->withdrawn.n)
		bgp_withdraw_pack(ctx, dec->withdrawn.p, dec->withdrawn.n, repack_emit,
				  &(struct repack){.ctx = ctx});
	CHECK(bgp_attr_table_count(t) == 0);
	bgp_attr_table_free(t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t msg[BGP_MAX_MSG_LEN];
	struct bgp_codec_ctx ctx = {0};
	struct bgp_notify err;
	struct bgp_hdr h;
	size_t body, len;
	uint8_t flags;

	if (size < 2)
		return 0;
	bgp_hdr_decode(data, size, &h, &err);
	flags = data[0];
	ctx.as4 = flags & 1;
	ctx.ebgp = flags & 2;
	ctx.confed = flags & 4;
	ctx.ipv4_mp = flags & 8;
	ctx.af_mask = (flags & 16) ? BGP_AF_BIT(BGP_AF_IPV4_UNICAST) : BGP_AF_MASK_ALL;
	if (flags & 32) /* an IPv6-only session (issue 12) */
		ctx.af_mask = BGP_AF_BIT(BGP_AF_IPV6_UNICAST);
	if (flags & 64)
		ctx.af_mask |= BGP_EVPN_BIT;
	bgp_fsm_step((enum bgp_fsm_state)(flags % BGP_FSM_STATE_MAX),
		     (enum bgp_fsm_event)(data[1] % BGP_FSM_EVENT_MAX));

	body = size - 2 > BGP_MAX_MSG_LEN - BGP_HDR_LEN ? BGP_MAX_MSG_LEN - BGP_HDR_LEN : size - 2;
	len = BGP_HDR_LEN + body;
	bgp_hdr_encode(msg, (uint16_t)len, data[1]);
	memcpy(msg + BGP_HDR_LEN, data + 2, body);

	switch (data[1]) {
	case BGP_MSG_OPEN:
		fuzz_open(msg, len);
		break;
	case BGP_MSG_UPDATE:
		fuzz_update(msg, len, &ctx);
		break;
	case BGP_MSG_NOTIFICATION:
		fuzz_notify(msg, len);
		break;
	case BGP_MSG_ROUTE_REFRESH:
		fuzz_rrefresh(msg, len);
		break;
	default:
		bgp_hdr_decode(msg, len, &h, &err);
		break;
	}
	return 0;
}
