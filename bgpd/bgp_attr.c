/*
 * BGP path attributes: parse (with RFC 7606 verdicts), encode, intern, and
 * the AS path / community helpers. See bgp_attr.h for the data layout.
 *
 * RFC 7606 decisions implemented here and in bgp_packet.c
 * (TaW = treat-as-withdraw, discard = attribute discard, reset = session
 * reset with UPDATE Message Error / subcode):
 *
 *  what                                         approach        where
 *  -------------------------------------------  --------------  -----------
 *  Withdrawn len + attr len + 23 > msg length   reset /1        3(b)
 *  Withdrawn Routes / NLRI field syntax         reset /10       3(i), 5.3
 *  attribute header truncated (<3 or <4 left)   TaW             4
 *  attribute length runs past Total Attr Len    TaW             4
 *  O/T flag bits conflict with the type         as malformed    3(c)
 *  MP_REACH/MP_UNREACH twice                    reset /1        3(g)
 *  any other attribute twice                    discard later   3(g)
 *  well-known mandatory missing (with NLRI)     TaW             3(d)
 *  unrecognized well-known attribute            reset /2        4271 6.3
 *  ORIGIN length != 1 or value > 2              TaW             7.1
 *  AS_PATH segment overrun/underrun/zero count  TaW             7.2
 *    or unknown segment type
 *  AS_PATH confed segment from a non-confed     TaW             7.2, 5065
 *    external peer
 *  AS 0 in AS_PATH                              TaW             RFC 7607
 *  NEXT_HOP length != 4                         TaW             7.3
 *  NEXT_HOP not a unicast host address          TaW             7.3, 4271 6.3
 *  MULTI_EXIT_DISC length != 4                  TaW             7.4
 *  LOCAL_PREF from an external peer             discard         7.5
 *  LOCAL_PREF length != 4                       TaW             7.5
 *  ATOMIC_AGGREGATE length != 0                 discard         7.6
 *  AGGREGATOR length != 6 (8 on 4-octet)        discard         7.7
 *  AGGREGATOR / AS4_AGGREGATOR AS 0             discard         RFC 7607
 *  COMMUNITIES length not non-zero multiple 4   TaW             7.8
 *  ORIGINATOR_ID from external peer             discard         7.9
 *  ORIGINATOR_ID length != 4                    TaW             7.9
 *  CLUSTER_LIST from external peer              discard         7.10
 *  CLUSTER_LIST length not non-zero mult. 4     TaW             7.10
 *  MP_REACH next hop length wrong for AFI/SAFI  reset /9        7.11
 *  MP_REACH/UNREACH too short for AFI/SAFI hdr  reset /9        7.11, 5.3
 *  MP_REACH/UNREACH NLRI syntax                 reset /9        5.3, 4760 7
 *  MP_* for an AFI/SAFI not negotiated          discard         4760 6
 *  EXTENDED COMMUNITIES not non-zero mult. 8    TaW             7.14
 *  LARGE_COMMUNITIES not non-zero mult. 12      TaW             RFC 8092 6
 *  AS4_PATH / AS4_AGGREGATOR malformed          discard         RFC 6793 6
 *  AS4_* received on a 4-octet session          discard         RFC 6793 6
 *  AS4_PATH confed segments                     segments drop   RFC 6793 6
 *  unknown optional non-transitive              dropped quietly 4271 5
 *  unknown optional transitive                  kept, Partial   4271 5
 *
 * Several errors in one UPDATE: the strongest approach wins (3(h)).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "util.h"
#include "bgp_attr.h"
#include "bgp_evpn_nlri.h"

/* ======================================================================
 * scratch arena
 * ====================================================================== */

struct bgp_scratch_blk {
	struct bgp_scratch_blk *next;
	size_t cap;
	size_t used;
	uint64_t data[];
};

#define SCRATCH_BLK_MIN 16384

void bgp_scratch_init(struct bgp_scratch *s)
{
	s->head = NULL;
}

void *bgp_scratch_alloc(struct bgp_scratch *s, size_t n)
{
	struct bgp_scratch_blk *b = s->head;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (!b || b->cap - b->used < n) {
		size_t cap = KLD_MAX(n, (size_t)SCRATCH_BLK_MIN);

		b = kld_xmalloc(sizeof(*b) + cap);
		b->cap = cap;
		b->used = 0;
		b->next = s->head;
		s->head = b;
	}
	p = (uint8_t *)b->data + b->used;
	b->used += n;
	return p;
}

void bgp_scratch_reset(struct bgp_scratch *s)
{
	struct bgp_scratch_blk *b = s->head, *next;

	if (!b)
		return;
	for (next = b->next; next; next = b->next) {
		b->next = next->next;
		free(next);
	}
	b->used = 0;
}

void bgp_scratch_free(struct bgp_scratch *s)
{
	struct bgp_scratch_blk *b, *next;

	for (b = s->head; b; b = next) {
		next = b->next;
		free(b);
	}
	s->head = NULL;
}

/* ======================================================================
 * small helpers
 * ====================================================================== */

static size_t addr_bytes(uint8_t family)
{
	if (family == AF_INET)
		return 4;
	if (family == AF_INET6)
		return 16;
	return 0;
}

static bool addr_eq(const struct kld_addr *a, const struct kld_addr *b)
{
	return a->family == b->family && !memcmp(a->u.bytes, b->u.bytes, addr_bytes(a->family));
}

static void addr_set(struct kld_addr *a, uint8_t family, const uint8_t *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = family;
	memcpy(a->u.bytes, bytes, addr_bytes(family));
}

/* Keeps the snprintf contract across several appends. */
struct fmt {
	char *buf;
	size_t size;
	size_t len;
};

static void fmt_puts(struct fmt *f, const char *s)
{
	size_t n = strlen(s);

	if (f->len < f->size) {
		size_t room = f->size - f->len - 1;

		memcpy(f->buf + f->len, s, KLD_MIN(n, room));
		f->buf[f->len + KLD_MIN(n, room)] = '\0';
	}
	f->len += n;
}

static void fmt_u32(struct fmt *f, uint32_t v)
{
	char tmp[16];

	snprintf(tmp, sizeof(tmp), "%u", v);
	fmt_puts(f, tmp);
}

static void fmt_init(struct fmt *f, char *buf, size_t size)
{
	f->buf = buf;
	f->size = size;
	f->len = 0;
	if (size)
		buf[0] = '\0';
}

/* ======================================================================
 * the set: init, setters, names
 * ====================================================================== */

void bgp_attrs_init(struct bgp_attrs *a)
{
	memset(a, 0, sizeof(*a));
	a->origin = BGP_ORIGIN_IGP;
}

void bgp_attrs_set_med(struct bgp_attrs *a, uint32_t med)
{
	a->med = med;
	a->present |= BGP_ATTRF_MED;
}

void bgp_attrs_set_local_pref(struct bgp_attrs *a, uint32_t lp)
{
	a->local_pref = lp;
	a->present |= BGP_ATTRF_LOCAL_PREF;
}

const char *bgp_origin_str(uint8_t origin)
{
	static const char *const names[] = {"IGP", "EGP", "incomplete"};

	return origin < KLD_ARRAY_SIZE(names) ? names[origin] : "?";
}

char bgp_origin_char(uint8_t origin)
{
	return origin < 3 ? "ie?"[origin] : '?';
}

/* ======================================================================
 * hashing, equality, interning
 * ====================================================================== */

static uint32_t hbytes(uint32_t h, const uint8_t *p, size_t n)
{
	uint32_t tail = 0;
	size_t i;

	for (; n >= 4; p += 4, n -= 4)
		h = kld_hash_block(h, bgp_get32(p));
	for (i = 0; i < n; i++)
		tail = tail << 8 | p[i];
	return kld_hash_block(h, tail ^ (uint32_t)n << 24);
}

static uint32_t hash_addr(uint32_t h, const struct kld_addr *a)
{
	h = kld_hash_block(h, a->family);
	return hbytes(h, a->u.bytes, addr_bytes(a->family));
}

static uint32_t hash_u32s(uint32_t h, const uint32_t *v, size_t n)
{
	size_t i;

	h = kld_hash_block(h, (uint32_t)n);
	for (i = 0; i < n; i++)
		h = kld_hash_block(h, v[i]);
	return h;
}

/* Absent scalars do not take part: a set built by hand with garbage in an
 * absent field still equals the decoded one. */
uint32_t bgp_attrs_hash(const struct bgp_attrs *a)
{
	uint32_t h = 0x6b67;

	h = kld_hash_block(h, a->present);
	h = kld_hash_block(h, a->origin);
	if (a->present & BGP_ATTRF_MED)
		h = kld_hash_block(h, a->med);
	if (a->present & BGP_ATTRF_LOCAL_PREF)
		h = kld_hash_block(h, a->local_pref);
	if (a->present & BGP_ATTRF_AGGREGATOR)
		h = kld_hash_block(kld_hash_block(h, a->aggr_as), a->aggr_id);
	if (a->present & BGP_ATTRF_ORIGINATOR_ID)
		h = kld_hash_block(h, a->originator_id);
	h = hash_addr(h, &a->nexthop);
	h = hash_addr(h, &a->nexthop_ll);
	h = hbytes(h, a->aspath, a->aspath_len);
	h = hash_u32s(h, a->comm, a->ncomm);
	h = hash_u32s(h, (const uint32_t *)a->lcomm, (size_t)a->nlcomm * 3);
	h = hbytes(h, a->ecomm, (size_t)a->necomm * 8);
	h = hash_u32s(h, a->cluster, a->ncluster);
	h = hbytes(h, a->unknown, a->unknown_len);
	return kld_hash_final(h);
}

static bool mem_eq(const void *a, const void *b, size_t n)
{
	return n == 0 || !memcmp(a, b, n);
}

bool bgp_attrs_eq(const struct bgp_attrs *a, const struct bgp_attrs *b)
{
	uint32_t p = a->present;

	if (p != b->present || a->origin != b->origin)
		return false;
	if ((p & BGP_ATTRF_MED) && a->med != b->med)
		return false;
	if ((p & BGP_ATTRF_LOCAL_PREF) && a->local_pref != b->local_pref)
		return false;
	if ((p & BGP_ATTRF_AGGREGATOR) && (a->aggr_as != b->aggr_as || a->aggr_id != b->aggr_id))
		return false;
	if ((p & BGP_ATTRF_ORIGINATOR_ID) && a->originator_id != b->originator_id)
		return false;
	if (!addr_eq(&a->nexthop, &b->nexthop) || !addr_eq(&a->nexthop_ll, &b->nexthop_ll))
		return false;
	if (a->aspath_len != b->aspath_len || a->ncomm != b->ncomm || a->nlcomm != b->nlcomm ||
	    a->necomm != b->necomm || a->ncluster != b->ncluster ||
	    a->unknown_len != b->unknown_len)
		return false;
	return mem_eq(a->aspath, b->aspath, a->aspath_len) &&
	       mem_eq(a->comm, b->comm, (size_t)a->ncomm * 4) &&
	       mem_eq(a->lcomm, b->lcomm, (size_t)a->nlcomm * sizeof(struct bgp_lcomm)) &&
	       mem_eq(a->ecomm, b->ecomm, (size_t)a->necomm * 8) &&
	       mem_eq(a->cluster, b->cluster, (size_t)a->ncluster * 4) &&
	       mem_eq(a->unknown, b->unknown, a->unknown_len);
}

struct bgp_attr_table {
	struct bgp_attrs **buckets;
	size_t nbuckets; /* power of two */
	size_t count;
	size_t bytes;
};

struct bgp_attr_table *bgp_attr_table_new(void)
{
	struct bgp_attr_table *t = kld_xcalloc(1, sizeof(*t));

	t->nbuckets = 256;
	t->buckets = kld_xcalloc(t->nbuckets, sizeof(*t->buckets));
	return t;
}

void bgp_attr_table_free(struct bgp_attr_table *t)
{
	size_t i;

	if (!t)
		return;
	for (i = 0; i < t->nbuckets; i++) {
		struct bgp_attrs *a, *next;

		for (a = t->buckets[i]; a; a = next) {
			next = a->hnext;
			free(a);
		}
	}
	free(t->buckets);
	free(t);
}

size_t bgp_attr_table_count(const struct bgp_attr_table *t)
{
	return t->count;
}

size_t bgp_attr_table_bytes(const struct bgp_attr_table *t)
{
	return t->bytes + t->nbuckets * sizeof(*t->buckets) + sizeof(*t);
}

static void table_grow(struct bgp_attr_table *t)
{
	size_t n = t->nbuckets * 2, i;
	struct bgp_attrs **nb = kld_xcalloc(n, sizeof(*nb));

	for (i = 0; i < t->nbuckets; i++) {
		struct bgp_attrs *a, *next;

		for (a = t->buckets[i]; a; a = next) {
			next = a->hnext;
			a->hnext = nb[a->hash & (n - 1)];
			nb[a->hash & (n - 1)] = a;
		}
	}
	free(t->buckets);
	t->buckets = nb;
	t->nbuckets = n;
}

static size_t attrs_var_size(const struct bgp_attrs *a)
{
	return (size_t)a->ncomm * 4 + (size_t)a->nlcomm * sizeof(struct bgp_lcomm) +
	       (size_t)a->ncluster * 4 + a->aspath_len + (size_t)a->necomm * 8 + a->unknown_len;
}

/* Copy n bytes to *cursor and advance; NULL for an empty array so that an
 * interned set never points at a neighbour's data. */
static const void *take(uint8_t **cursor, const void *src, size_t n)
{
	void *dst = *cursor;

	if (!n)
		return NULL;
	memcpy(dst, src, n);
	*cursor += n;
	return dst;
}

/* One allocation per set: the struct, then the 4-byte-aligned arrays,
 * then the byte arrays. */
static struct bgp_attrs *attrs_clone(const struct bgp_attrs *tmp, size_t *bytes)
{
	size_t size = sizeof(*tmp) + attrs_var_size(tmp);
	struct bgp_attrs *a = kld_xmalloc(size);
	uint8_t *cur = (uint8_t *)(a + 1);
	uint32_t p = tmp->present;

	memset(a, 0, sizeof(*a));
	a->present = p;
	a->origin = tmp->origin;
	a->med = (p & BGP_ATTRF_MED) ? tmp->med : 0;
	a->local_pref = (p & BGP_ATTRF_LOCAL_PREF) ? tmp->local_pref : 0;
	if (p & BGP_ATTRF_AGGREGATOR) {
		a->aggr_as = tmp->aggr_as;
		a->aggr_id = tmp->aggr_id;
	}
	a->originator_id = (p & BGP_ATTRF_ORIGINATOR_ID) ? tmp->originator_id : 0;
	addr_set(&a->nexthop, tmp->nexthop.family, tmp->nexthop.u.bytes);
	addr_set(&a->nexthop_ll, tmp->nexthop_ll.family, tmp->nexthop_ll.u.bytes);
	a->aspath_len = tmp->aspath_len;
	a->ncomm = tmp->ncomm;
	a->nlcomm = tmp->nlcomm;
	a->necomm = tmp->necomm;
	a->ncluster = tmp->ncluster;
	a->unknown_len = tmp->unknown_len;
	a->comm = take(&cur, tmp->comm, (size_t)tmp->ncomm * 4);
	a->lcomm = take(&cur, tmp->lcomm, (size_t)tmp->nlcomm * sizeof(struct bgp_lcomm));
	a->cluster = take(&cur, tmp->cluster, (size_t)tmp->ncluster * 4);
	a->aspath = take(&cur, tmp->aspath, tmp->aspath_len);
	a->ecomm = take(&cur, tmp->ecomm, (size_t)tmp->necomm * 8);
	a->unknown = take(&cur, tmp->unknown, tmp->unknown_len);
	*bytes = size;
	return a;
}

const struct bgp_attrs *bgp_attr_intern(struct bgp_attr_table *t, const struct bgp_attrs *tmp)
{
	uint32_t h = bgp_attrs_hash(tmp);
	struct bgp_attrs *a;
	size_t bytes;

	for (a = t->buckets[h & (t->nbuckets - 1)]; a; a = a->hnext) {
		if (a->hash == h && bgp_attrs_eq(a, tmp)) {
			a->refcnt++;
			return a;
		}
	}
	if (t->count >= t->nbuckets)
		table_grow(t);
	a = attrs_clone(tmp, &bytes);
	a->hash = h;
	a->refcnt = 1;
	a->hnext = t->buckets[h & (t->nbuckets - 1)];
	t->buckets[h & (t->nbuckets - 1)] = a;
	t->count++;
	t->bytes += bytes;
	return a;
}

const struct bgp_attrs *bgp_attr_ref(const struct bgp_attrs *a)
{
	/* The refcount is bookkeeping, not part of the value: mutating it
	 * through a const pointer is the point of sharing. */
	((struct bgp_attrs *)a)->refcnt++;
	return a;
}

void bgp_attr_unref(struct bgp_attr_table *t, const struct bgp_attrs *ca)
{
	struct bgp_attrs *a = (struct bgp_attrs *)ca, **pp;

	if (!a || --a->refcnt)
		return;
	for (pp = &t->buckets[a->hash & (t->nbuckets - 1)]; *pp; pp = &(*pp)->hnext) {
		if (*pp == a) {
			*pp = a->hnext;
			t->count--;
			t->bytes -= sizeof(*a) + attrs_var_size(a);
			break;
		}
	}
	free(a);
}

/* ======================================================================
 * AS path
 * ====================================================================== */

#define SEG_HDR 2
#define SEG_MAX 255

static bool seg_is_confed(uint8_t type)
{
	return type == BGP_AS_CONFED_SEQUENCE || type == BGP_AS_CONFED_SET;
}

bool bgp_aspath_valid(const uint8_t *p, size_t len)
{
	size_t off = 0;

	while (off < len) {
		if (len - off < SEG_HDR)
			return false;
		if (p[off] < BGP_AS_SET || p[off] > BGP_AS_CONFED_SET || p[off + 1] == 0)
			return false;
		if ((size_t)p[off + 1] * 4 > len - off - SEG_HDR)
			return false;
		off += SEG_HDR + (size_t)p[off + 1] * 4;
	}
	return true;
}

/* The caller guarantees validity; these walkers trust the counts. */
unsigned bgp_aspath_length(const uint8_t *p, size_t len)
{
	unsigned n = 0;
	size_t off;

	for (off = 0; off + SEG_HDR <= len; off += SEG_HDR + (size_t)p[off + 1] * 4) {
		if (p[off] == BGP_AS_SEQUENCE)
			n += p[off + 1];
		else if (p[off] == BGP_AS_SET)
			n++;
	}
	return n;
}

uint32_t bgp_aspath_first(const uint8_t *p, size_t len)
{
	if (len < SEG_HDR + 4 || p[0] != BGP_AS_SEQUENCE)
		return 0;
	return bgp_get32(p + SEG_HDR);
}

unsigned bgp_aspath_count_as(const uint8_t *p, size_t len, uint32_t asn)
{
	unsigned n = 0;
	size_t off, i;

	for (off = 0; off + SEG_HDR <= len; off += SEG_HDR + (size_t)p[off + 1] * 4)
		for (i = 0; i < p[off + 1]; i++)
			n += bgp_get32(p + off + SEG_HDR + i * 4) == asn;
	return n;
}

bool bgp_aspath_contains(const uint8_t *p, size_t len, uint32_t asn)
{
	return bgp_aspath_count_as(p, len, asn) > 0;
}

size_t bgp_aspath_fmt(const uint8_t *p, size_t len, char *buf, size_t size)
{
	static const char open[] = {0, '{', 0, '(', '['};
	static const char close[] = {0, '}', 0, ')', ']'};
	struct fmt f;
	size_t off, i;

	fmt_init(&f, buf, size);
	for (off = 0; off + SEG_HDR <= len; off += SEG_HDR + (size_t)p[off + 1] * 4) {
		uint8_t type = p[off];
		bool set = type == BGP_AS_SET || type == BGP_AS_CONFED_SET;
		char delim[2] = {0, 0};

		if (type < BGP_AS_SET || type > BGP_AS_CONFED_SET)
			break;
		if (off)
			fmt_puts(&f, " ");
		delim[0] = open[type];
		fmt_puts(&f, delim);
		for (i = 0; i < p[off + 1]; i++) {
			if (i)
				fmt_puts(&f, set ? "," : " ");
			fmt_u32(&f, bgp_get32(p + off + SEG_HDR + i * 4));
		}
		delim[0] = close[type];
		fmt_puts(&f, delim);
	}
	return f.len;
}

static uint8_t *put_seg(uint8_t *o, uint8_t type, const uint32_t *asns, size_t n)
{
	size_t i;

	*o++ = type;
	*o++ = (uint8_t)n;
	for (i = 0; i < n; i++, o += 4)
		bgp_put32(o, asns[i]);
	return o;
}

int bgp_attrs_aspath_prepend(struct bgp_attrs *tmp, struct bgp_scratch *s, uint32_t asn,
			     unsigned times)
{
	const uint8_t *old = tmp->aspath;
	size_t oldlen = tmp->aspath_len, need, i;
	uint8_t *out, *o;
	bool merge;

	if (!times)
		return 0;
	need = oldlen + (size_t)times * 4 + ((size_t)times / SEG_MAX + 1) * SEG_HDR;
	if (need > UINT16_MAX)
		return -EMSGSIZE;
	o = out = bgp_scratch_alloc(s, need);
	merge = oldlen >= SEG_HDR && old[0] == BGP_AS_SEQUENCE && old[1] + times <= SEG_MAX;
	while (times > 0) {
		unsigned chunk = merge ? times : KLD_MIN(times, (unsigned)SEG_MAX);

		*o++ = BGP_AS_SEQUENCE;
		*o++ = (uint8_t)(merge ? chunk + old[1] : chunk);
		for (i = 0; i < chunk; i++, o += 4)
			bgp_put32(o, asn);
		times -= chunk;
	}
	if (merge) {
		/* The merged head segment's ASNs continue right after ours. */
		memcpy(o, old + SEG_HDR, oldlen - SEG_HDR);
		o += oldlen - SEG_HDR;
	} else if (oldlen) {
		memcpy(o, old, oldlen);
		o += oldlen;
	}
	tmp->aspath = out;
	tmp->aspath_len = (uint16_t)(o - out);
	tmp->present |= BGP_ATTRF_AS_PATH;
	return 0;
}

/* Split an over-long segment collected by the text parser. */
static uint8_t *flush_seg(uint8_t *o, uint8_t type, const uint32_t *asns, size_t n)
{
	while (n > 0) {
		size_t chunk = KLD_MIN(n, (size_t)SEG_MAX);

		o = put_seg(o, type, asns, chunk);
		asns += chunk;
		n -= chunk;
	}
	return o;
}

static uint8_t close_type(char c)
{
	switch (c) {
	case '}':
		return BGP_AS_SET;
	case ')':
		return BGP_AS_CONFED_SEQUENCE;
	case ']':
		return BGP_AS_CONFED_SET;
	default:
		return 0;
	}
}

static uint8_t open_type(char c)
{
	switch (c) {
	case '{':
		return BGP_AS_SET;
	case '(':
		return BGP_AS_CONFED_SEQUENCE;
	case '[':
		return BGP_AS_CONFED_SET;
	default:
		return 0;
	}
}

int bgp_attrs_aspath_parse(struct bgp_attrs *tmp, struct bgp_scratch *s, const char *str)
{
	size_t slen = strlen(str), n = 0;
	/* Every ASN needs at least one character plus a separator. */
	uint32_t *asns = bgp_scratch_alloc(s, (slen / 2 + 1) * 4);
	uint8_t *out = bgp_scratch_alloc(s, (slen / 2 + 1) * 6 + SEG_HDR), *o = out;
	uint8_t type = BGP_AS_SEQUENCE;
	const char *c = str;

	while (*c) {
		char *end;
		unsigned long v;

		if (*c == ' ' || *c == ',') {
			c++;
		} else if (open_type(*c)) {
			if (type != BGP_AS_SEQUENCE)
				return -EINVAL;
			o = flush_seg(o, type, asns, n);
			n = 0;
			type = open_type(*c++);
		} else if (close_type(*c)) {
			if (close_type(*c) != type || n == 0)
				return -EINVAL;
			o = flush_seg(o, type, asns, n);
			n = 0;
			type = BGP_AS_SEQUENCE;
			c++;
		} else if (*c >= '0' && *c <= '9') {
			errno = 0;
			v = strtoul(c, &end, 10);
			if (errno || v > UINT32_MAX)
				return -EINVAL;
			asns[n++] = (uint32_t)v;
			c = end;
		} else {
			return -EINVAL;
		}
	}
	if (type != BGP_AS_SEQUENCE)
		return -EINVAL;
	o = flush_seg(o, type, asns, n);
	if (o - out > UINT16_MAX)
		return -EMSGSIZE;
	tmp->aspath = out;
	tmp->aspath_len = (uint16_t)(o - out);
	tmp->present |= BGP_ATTRF_AS_PATH;
	return 0;
}

/* Counting rule of RFC 6793 section 4.2.3 (the same as path length). */
size_t bgp_aspath_merge_as4(const uint8_t *path, size_t path_len, const uint8_t *as4,
			    size_t as4_len, uint8_t *out)
{
	unsigned n_path = bgp_aspath_length(path, path_len);
	unsigned n_as4 = bgp_aspath_length(as4, as4_len);
	unsigned need;
	uint8_t *o = out, *last_seq = NULL;
	bool adjacent = true; /* the start counts as adjacent to nothing taken */
	size_t off;

	if (n_path < n_as4) {
		if (path_len)
			memcpy(out, path, path_len);
		return path_len;
	}
	need = n_path - n_as4;
	for (off = 0; off + SEG_HDR <= path_len; off += SEG_HDR + (size_t)path[off + 1] * 4) {
		uint8_t type = path[off], cnt = path[off + 1];
		size_t take_n = cnt;

		if (seg_is_confed(type)) {
			/* Kept if leading or next to a taken segment. */
			if (!adjacent)
				break;
		} else {
			if (!need)
				break;
			if (type == BGP_AS_SEQUENCE)
				take_n = KLD_MIN((size_t)need, (size_t)cnt);
			need -= type == BGP_AS_SEQUENCE ? (unsigned)take_n : 1;
			adjacent = take_n == cnt;
		}
		last_seq = type == BGP_AS_SEQUENCE ? o : NULL;
		*o++ = type;
		*o++ = (uint8_t)take_n;
		memcpy(o, path + off + SEG_HDR, take_n * 4);
		o += take_n * 4;
	}
	/* Join the taken head to AS4_PATH's first sequence when it fits, so
	 * the result equals what a 4-octet speaker would have sent. */
	if (last_seq && as4_len >= SEG_HDR && as4[0] == BGP_AS_SEQUENCE &&
	    last_seq[1] + as4[1] <= SEG_MAX) {
		last_seq[1] = (uint8_t)(last_seq[1] + as4[1]);
		memcpy(o, as4 + SEG_HDR, as4_len - SEG_HDR);
		o += as4_len - SEG_HDR;
	} else if (as4_len) {
		memcpy(o, as4, as4_len);
		o += as4_len;
	}
	return (size_t)(o - out);
}

/* Widen a wire AS path (2- or 4-octet ASNs) into our form. Returns the
 * length written or -1 if malformed per RFC 7606 section 7.2. */
#define ASP_CONFED 1u
#define ASP_AS0 2u

static int aspath_from_wire(const uint8_t *p, size_t len, unsigned asn_size, uint8_t *out,
			    unsigned *flags)
{
	size_t off = 0, i;
	uint8_t *o = out;

	*flags = 0;
	while (off < len) {
		uint8_t type, cnt;

		if (len - off < SEG_HDR)
			return -1; /* underrun: a lone octet */
		type = p[off];
		cnt = p[off + 1];
		if (type < BGP_AS_SET || type > BGP_AS_CONFED_SET || cnt == 0)
			return -1;
		if ((size_t)cnt * asn_size > len - off - SEG_HDR)
			return -1; /* overrun */
		if (seg_is_confed(type))
			*flags |= ASP_CONFED;
		*o++ = type;
		*o++ = cnt;
		for (i = 0; i < cnt; i++, o += 4) {
			const uint8_t *a = p + off + SEG_HDR + i * asn_size;
			uint32_t asn = asn_size == 4 ? bgp_get32(a) : bgp_get16(a);

			if (!asn)
				*flags |= ASP_AS0;
			bgp_put32(o, asn);
		}
		off += SEG_HDR + (size_t)cnt * asn_size;
	}
	return (int)(o - out);
}

/* Compact away confederation segments in place. */
static size_t aspath_strip_confed(uint8_t *p, size_t len)
{
	size_t off = 0, w = 0;

	while (off + SEG_HDR <= len) {
		size_t seg = SEG_HDR + (size_t)p[off + 1] * 4;

		if (!seg_is_confed(p[off])) {
			memmove(p + w, p + off, seg);
			w += seg;
		}
		off += seg;
	}
	return w;
}

/* ======================================================================
 * communities
 * ====================================================================== */

static const struct {
	uint32_t value;
	const char *name;
} wellknown_comms[] = {
    {BGP_COMM_GSHUT, "graceful-shutdown"},
    {BGP_COMM_ACCEPT_OWN, "accept-own"},
    {BGP_COMM_RT_FILTER_TRANSLATED_V4, "route-filter-translated-v4"},
    {BGP_COMM_RT_FILTER_V4, "route-filter-v4"},
    {BGP_COMM_RT_FILTER_TRANSLATED_V6, "route-filter-translated-v6"},
    {BGP_COMM_RT_FILTER_V6, "route-filter-v6"},
    {BGP_COMM_LLGR_STALE, "llgr-stale"},
    {BGP_COMM_NO_LLGR, "no-llgr"},
    {BGP_COMM_ACCEPT_OWN_NEXTHOP, "accept-own-nexthop"},
    {BGP_COMM_BLACKHOLE, "blackhole"},
    {BGP_COMM_NO_EXPORT, "no-export"},
    {BGP_COMM_NO_ADVERTISE, "no-advertise"},
    {BGP_COMM_NO_EXPORT_SUBCONFED, "local-AS"},
    {BGP_COMM_NO_PEER, "no-peer"},
};

const char *bgp_comm_wellknown_name(uint32_t comm)
{
	size_t i;

	for (i = 0; i < KLD_ARRAY_SIZE(wellknown_comms); i++)
		if (wellknown_comms[i].value == comm)
			return wellknown_comms[i].name;
	return NULL;
}

static int parse_u32(const char *s, char **end, uint32_t max, uint32_t *v)
{
	unsigned long x;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	x = strtoul(s, end, 10);
	if (errno || x > max)
		return -1;
	*v = (uint32_t)x;
	return 0;
}

int bgp_comm_parse(const char *s, uint32_t *comm)
{
	uint32_t hi, lo;
	char *end;
	size_t i;

	for (i = 0; i < KLD_ARRAY_SIZE(wellknown_comms); i++) {
		if (!strcmp(s, wellknown_comms[i].name)) {
			*comm = wellknown_comms[i].value;
			return 0;
		}
	}
	if (parse_u32(s, &end, UINT16_MAX, &hi) || *end != ':')
		return -1;
	if (parse_u32(end + 1, &end, UINT16_MAX, &lo) || *end)
		return -1;
	*comm = hi << 16 | lo;
	return 0;
}

size_t bgp_comm_fmt(const uint32_t *comm, size_t n, char *buf, size_t size)
{
	struct fmt f;
	size_t i;

	fmt_init(&f, buf, size);
	for (i = 0; i < n; i++) {
		const char *name = bgp_comm_wellknown_name(comm[i]);
		char tmp[16];

		if (i)
			fmt_puts(&f, " ");
		if (name) {
			fmt_puts(&f, name);
			continue;
		}
		snprintf(tmp, sizeof(tmp), "%u:%u", comm[i] >> 16, comm[i] & 0xFFFF);
		fmt_puts(&f, tmp);
	}
	return f.len;
}

bool bgp_comm_contains(const struct bgp_attrs *a, uint32_t comm)
{
	size_t i;

	for (i = 0; i < a->ncomm; i++)
		if (a->comm[i] == comm)
			return true;
	return false;
}

int bgp_attrs_comm_add(struct bgp_attrs *tmp, struct bgp_scratch *s, uint32_t comm)
{
	uint32_t *v;

	if (bgp_comm_contains(tmp, comm))
		return 0;
	if (tmp->ncomm >= BGP_MAX_MSG_LEN / 4)
		return -EMSGSIZE;
	v = bgp_scratch_alloc(s, ((size_t)tmp->ncomm + 1) * 4);
	if (tmp->ncomm)
		memcpy(v, tmp->comm, (size_t)tmp->ncomm * 4);
	v[tmp->ncomm++] = comm;
	tmp->comm = v;
	return 0;
}

int bgp_attrs_comm_del(struct bgp_attrs *tmp, struct bgp_scratch *s, uint32_t comm)
{
	uint32_t *v;
	size_t i, n = 0;

	if (!bgp_comm_contains(tmp, comm))
		return 0;
	v = bgp_scratch_alloc(s, (size_t)tmp->ncomm * 4);
	for (i = 0; i < tmp->ncomm; i++)
		if (tmp->comm[i] != comm)
			v[n++] = tmp->comm[i];
	tmp->comm = n ? v : NULL;
	tmp->ncomm = (uint16_t)n;
	return 0;
}

static bool lcomm_eq(const struct bgp_lcomm *a, const struct bgp_lcomm *b)
{
	return a->global == b->global && a->local1 == b->local1 && a->local2 == b->local2;
}

bool bgp_lcomm_contains(const struct bgp_attrs *a, const struct bgp_lcomm *lc)
{
	size_t i;

	for (i = 0; i < a->nlcomm; i++)
		if (lcomm_eq(&a->lcomm[i], lc))
			return true;
	return false;
}

int bgp_attrs_lcomm_add(struct bgp_attrs *tmp, struct bgp_scratch *s, const struct bgp_lcomm *lc)
{
	struct bgp_lcomm *v;

	if (bgp_lcomm_contains(tmp, lc))
		return 0;
	if (tmp->nlcomm >= BGP_MAX_MSG_LEN / 12)
		return -EMSGSIZE;
	v = bgp_scratch_alloc(s, ((size_t)tmp->nlcomm + 1) * sizeof(*v));
	if (tmp->nlcomm)
		memcpy(v, tmp->lcomm, (size_t)tmp->nlcomm * sizeof(*v));
	v[tmp->nlcomm++] = *lc;
	tmp->lcomm = v;
	return 0;
}

int bgp_lcomm_parse(const char *s, struct bgp_lcomm *lc)
{
	char *end;

	if (parse_u32(s, &end, UINT32_MAX, &lc->global) || *end != ':')
		return -1;
	if (parse_u32(end + 1, &end, UINT32_MAX, &lc->local1) || *end != ':')
		return -1;
	if (parse_u32(end + 1, &end, UINT32_MAX, &lc->local2) || *end)
		return -1;
	return 0;
}

size_t bgp_lcomm_fmt(const struct bgp_lcomm *lc, size_t n, char *buf, size_t size)
{
	struct fmt f;
	size_t i;

	fmt_init(&f, buf, size);
	for (i = 0; i < n; i++) {
		char tmp[40];

		snprintf(tmp, sizeof(tmp), "%s%u:%u:%u", i ? " " : "", lc[i].global, lc[i].local1,
			 lc[i].local2);
		fmt_puts(&f, tmp);
	}
	return f.len;
}

/* ======================================================================
 * RFC 7606 verdict
 * ====================================================================== */

const char *bgp_eh_action_str(enum bgp_eh_action a)
{
	switch (a) {
	case BGP_EH_NONE:
		return "none";
	case BGP_EH_ATTR_DISCARD:
		return "attribute-discard";
	case BGP_EH_TREAT_AS_WITHDRAW:
		return "treat-as-withdraw";
	case BGP_EH_SESSION_RESET:
		return "session-reset";
	}
	return "?";
}

void bgp_eh_clear(struct bgp_eh *eh)
{
	eh->action = BGP_EH_NONE;
	eh->attr_type = 0;
	eh->reason = NULL;
	memset(eh->discarded, 0, sizeof(eh->discarded));
	eh->notify.code = 0;
	eh->notify.subcode = 0;
	eh->notify.datalen = 0;
}

void bgp_eh_raise(struct bgp_eh *eh, enum bgp_eh_action act, uint8_t attr_type, const char *reason)
{
	if (act == BGP_EH_ATTR_DISCARD && attr_type)
		eh->discarded[attr_type / 32] |= 1u << (attr_type % 32);
	if (act <= eh->action)
		return;
	eh->action = act;
	eh->attr_type = attr_type;
	eh->reason = reason;
}

void bgp_eh_reset(struct bgp_eh *eh, uint8_t subcode, uint8_t attr_type, const char *reason,
		  const void *data, size_t datalen)
{
	if (eh->action == BGP_EH_SESSION_RESET)
		return; /* the first reset's NOTIFICATION stands */
	bgp_eh_raise(eh, BGP_EH_SESSION_RESET, attr_type, reason);
	bgp_notify_set(&eh->notify, BGP_ERR_UPDATE, subcode, data, datalen);
}

bool bgp_eh_discarded(const struct bgp_eh *eh, uint8_t attr_type)
{
	return eh->discarded[attr_type / 32] & (1u << (attr_type % 32));
}

/* ======================================================================
 * parsing
 * ====================================================================== */

struct unknown_ref {
	uint8_t flags;
	uint8_t type;
	uint16_t len;
	const uint8_t *val;
};

/* Everything one attribute handler may need. */
struct attr_in {
	const struct bgp_codec_ctx *ctx;
	const uint8_t *val;
	size_t len;
	const uint8_t *raw; /* flags..value, for NOTIFICATION data */
	size_t rawlen;
	uint8_t flags;
	uint8_t type;
	struct bgp_attrs *out;
	struct bgp_scratch *s;
	struct bgp_attr_parsed *mp;
	struct bgp_eh *eh;
	/* AS4_* are merged after the loop (they may precede AS_PATH). */
	const uint8_t *as4_path;
	size_t as4_path_len;
	bool as4_aggr;
	uint32_t as4_aggr_as;
	uint32_t as4_aggr_id;
	struct unknown_ref unknown[256];
	size_t nunknown;
};

/* A handler returns NULL when the attribute was accepted, or the reason it
 * is malformed; the caller then applies the attribute's RFC 7606 action. */
typedef const char *(*attr_fn)(struct attr_in *in);

static bool is_ebgp(const struct bgp_codec_ctx *ctx)
{
	return ctx->ebgp && !ctx->confed;
}

static const char *attr_origin(struct attr_in *in)
{
	if (in->len != 1)
		return "ORIGIN length";
	if (in->val[0] > BGP_ORIGIN_INCOMPLETE)
		return "ORIGIN value";
	in->out->origin = in->val[0];
	in->out->present |= BGP_ATTRF_ORIGIN;
	return NULL;
}

static const char *attr_as_path(struct attr_in *in)
{
	unsigned asn_size = in->ctx->as4 ? 4 : 2, flags;
	uint8_t *buf;
	int n;

	buf = bgp_scratch_alloc(in->s, in->len * 2 + 1);
	n = aspath_from_wire(in->val, in->len, asn_size, buf, &flags);
	if (n < 0)
		return "AS_PATH segment";
	if ((flags & ASP_CONFED) && is_ebgp(in->ctx))
		return "AS_PATH confederation segment from external peer";
	if (flags & ASP_AS0)
		return "AS_PATH contains AS 0";
	if (n > UINT16_MAX)
		return "AS_PATH too long";
	in->out->aspath = n ? buf : NULL;
	in->out->aspath_len = (uint16_t)n;
	in->out->present |= BGP_ATTRF_AS_PATH;
	return NULL;
}

static const char *attr_next_hop(struct attr_in *in)
{
	if (in->len != 4)
		return "NEXT_HOP length";
	addr_set(&in->out->nexthop, AF_INET, in->val);
	in->out->present |= BGP_ATTRF_NEXT_HOP;
	return NULL;
}

static const char *attr_med(struct attr_in *in)
{
	if (in->len != 4)
		return "MULTI_EXIT_DISC length";
	bgp_attrs_set_med(in->out, bgp_get32(in->val));
	return NULL;
}

static const char *attr_local_pref(struct attr_in *in)
{
	if (in->len != 4)
		return "LOCAL_PREF length";
	bgp_attrs_set_local_pref(in->out, bgp_get32(in->val));
	return NULL;
}

static const char *attr_atomic(struct attr_in *in)
{
	if (in->len != 0)
		return "ATOMIC_AGGREGATE length";
	in->out->present |= BGP_ATTRF_ATOMIC_AGGREGATE;
	return NULL;
}

static const char *attr_aggregator(struct attr_in *in)
{
	size_t want = in->ctx->as4 ? 8 : 6;
	uint32_t as;

	if (in->len != want)
		return "AGGREGATOR length";
	as = in->ctx->as4 ? bgp_get32(in->val) : bgp_get16(in->val);
	if (!as)
		return "AGGREGATOR AS 0";
	in->out->aggr_as = as;
	in->out->aggr_id = bgp_get32(in->val + want - 4);
	in->out->present |= BGP_ATTRF_AGGREGATOR;
	return NULL;
}

static uint32_t *get_u32s(struct attr_in *in, size_t n)
{
	uint32_t *v = bgp_scratch_alloc(in->s, n * 4);
	size_t i;

	for (i = 0; i < n; i++)
		v[i] = bgp_get32(in->val + i * 4);
	return v;
}

static const char *attr_communities(struct attr_in *in)
{
	if (in->len == 0 || in->len % 4)
		return "COMMUNITIES length";
	in->out->comm = get_u32s(in, in->len / 4);
	in->out->ncomm = (uint16_t)(in->len / 4);
	return NULL;
}

static const char *attr_originator(struct attr_in *in)
{
	if (in->len != 4)
		return "ORIGINATOR_ID length";
	in->out->originator_id = bgp_get32(in->val);
	in->out->present |= BGP_ATTRF_ORIGINATOR_ID;
	return NULL;
}

static const char *attr_cluster_list(struct attr_in *in)
{
	if (in->len == 0 || in->len % 4)
		return "CLUSTER_LIST length";
	in->out->cluster = get_u32s(in, in->len / 4);
	in->out->ncluster = (uint16_t)(in->len / 4);
	return NULL;
}

static const char *attr_ext_communities(struct attr_in *in)
{
	uint8_t *v;

	if (in->len == 0 || in->len % 8)
		return "EXTENDED_COMMUNITIES length";
	v = bgp_scratch_alloc(in->s, in->len);
	memcpy(v, in->val, in->len);
	in->out->ecomm = v;
	in->out->necomm = (uint16_t)(in->len / 8);
	return NULL;
}

static const char *attr_large_communities(struct attr_in *in)
{
	struct bgp_lcomm *v;
	size_t i, n = in->len / 12;

	if (in->len == 0 || in->len % 12)
		return "LARGE_COMMUNITIES length";
	v = bgp_scratch_alloc(in->s, n * sizeof(*v));
	for (i = 0; i < n; i++) {
		v[i].global = bgp_get32(in->val + i * 12);
		v[i].local1 = bgp_get32(in->val + i * 12 + 4);
		v[i].local2 = bgp_get32(in->val + i * 12 + 8);
	}
	in->out->lcomm = v;
	in->out->nlcomm = (uint16_t)n;
	return NULL;
}

static const char *attr_as4_path(struct attr_in *in)
{
	unsigned flags;
	uint8_t *buf;
	int n;

	if (in->ctx->as4)
		return "AS4_PATH on a 4-octet session";
	buf = bgp_scratch_alloc(in->s, in->len + 1);
	n = aspath_from_wire(in->val, in->len, 4, buf, &flags);
	if (n < 0)
		return "AS4_PATH segment";
	if (flags & ASP_AS0)
		return "AS4_PATH contains AS 0";
	in->as4_path = buf;
	in->as4_path_len = (flags & ASP_CONFED) ? aspath_strip_confed(buf, (size_t)n) : (size_t)n;
	return NULL;
}

static const char *attr_as4_aggregator(struct attr_in *in)
{
	if (in->ctx->as4)
		return "AS4_AGGREGATOR on a 4-octet session";
	if (in->len != 8)
		return "AS4_AGGREGATOR length";
	if (!bgp_get32(in->val))
		return "AS4_AGGREGATOR AS 0";
	in->as4_aggr = true;
	in->as4_aggr_as = bgp_get32(in->val);
	in->as4_aggr_id = bgp_get32(in->val + 4);
	return NULL;
}

/* MP next hop lengths (RFC 4760 section 3, RFC 2545 section 3). */
static bool mp_nexthop_ok(enum bgp_af af, size_t nhlen)
{
	if (af == BGP_AF_IPV4_UNICAST)
		return nhlen == 4;
	return nhlen == 16 || nhlen == 32;
}

/* Reads AFI/SAFI; returns false (attribute ignored) for a family that is
 * not ours or not negotiated. That is no malformed attribute: RFC 4760 8
 * exchanges only the families both OPENs listed, so such NLRI are
 * ignored (the session stays, as FRR does) and recorded for the log. */
static bool mp_family(struct attr_in *in, struct bgp_mp_attr *mp)
{
	int af = bgp_af_from_afisafi(bgp_get16(in->val), in->val[2]);

	mp->evpn = bgp_get16(in->val) == BGP_AFI_L2VPN && in->val[2] == BGP_SAFI_EVPN &&
		   (in->ctx->af_mask & BGP_EVPN_BIT);
	if (mp->evpn) {
		mp->af = BGP_AF_IPV4_UNICAST;
		mp->raw = in->raw;
		mp->raw_len = in->rawlen;
		return true;
	}
	if (af < 0 || !(in->ctx->af_mask & BGP_AF_BIT(af))) {
		in->mp->unneg = true;
		in->mp->unneg_afi = bgp_get16(in->val);
		in->mp->unneg_safi = in->val[2];
		return false;
	}
	mp->af = (enum bgp_af)af;
	mp->raw = in->raw;
	mp->raw_len = in->rawlen;
	return true;
}

static const char *attr_mp_reach(struct attr_in *in)
{
	struct bgp_mp_attr *mp = &in->mp->reach;
	size_t nhlen;
	uint8_t fam;

	if (in->len < 5) {
		bgp_eh_reset(in->eh, BGP_UPD_OPTIONAL_ATTR, in->type, "MP_REACH_NLRI too short",
			     in->raw, in->rawlen);
		return NULL;
	}
	if (!mp_family(in, mp))
		return NULL;
	nhlen = in->val[3];
	if ((mp->evpn ? nhlen != 4 && nhlen != 16 : !mp_nexthop_ok(mp->af, nhlen)) ||
	    4 + nhlen + 1 > in->len) {
		bgp_eh_reset(in->eh, BGP_UPD_OPTIONAL_ATTR, in->type,
			     "MP_REACH_NLRI next hop length", in->raw, in->rawlen);
		return NULL;
	}
	fam = mp->evpn ? (nhlen == 4 ? AF_INET : AF_INET6) : bgp_af_family(mp->af);
	addr_set(&mp->nh, fam, in->val + 4);
	if (nhlen == 32)
		addr_set(&mp->nh_ll, AF_INET6, in->val + 4 + 16);
	else
		memset(&mp->nh_ll, 0, sizeof(mp->nh_ll));
	/* One reserved octet (formerly the SNPA count) follows the next hop. */
	mp->nlri = in->val + 4 + nhlen + 1;
	mp->nlri_len = in->len - 4 - nhlen - 1;
	mp->present = true;
	return NULL;
}

static const char *attr_mp_unreach(struct attr_in *in)
{
	struct bgp_mp_attr *mp = &in->mp->unreach;

	if (in->len < 3) {
		bgp_eh_reset(in->eh, BGP_UPD_OPTIONAL_ATTR, in->type, "MP_UNREACH_NLRI too short",
			     in->raw, in->rawlen);
		return NULL;
	}
	if (!mp_family(in, mp))
		return NULL;
	mp->nlri = in->val + 3;
	mp->nlri_len = in->len - 3;
	mp->present = true;
	return NULL;
}

struct attr_desc {
	attr_fn parse;
	uint8_t flags;	   /* expected Optional/Transitive bits */
	uint8_t malformed; /* enum bgp_eh_action for a malformed instance */
	bool ibgp_only;	   /* discarded when received from an external peer */
};

#define OPT BGP_ATTR_FLAG_OPTIONAL
#define TRANS BGP_ATTR_FLAG_TRANSITIVE
#define TAW BGP_EH_TREAT_AS_WITHDRAW
#define DISCARD BGP_EH_ATTR_DISCARD

/* The per-attribute rows of the table in the file comment. MP_* are
 * judged inside their handlers (their errors are resets). */
static const struct attr_desc attr_descs[256] = {
    [BGP_ATTR_ORIGIN] = {attr_origin, TRANS, TAW, false},
    [BGP_ATTR_AS_PATH] = {attr_as_path, TRANS, TAW, false},
    [BGP_ATTR_NEXT_HOP] = {attr_next_hop, TRANS, TAW, false},
    [BGP_ATTR_MED] = {attr_med, OPT, TAW, false},
    [BGP_ATTR_LOCAL_PREF] = {attr_local_pref, TRANS, TAW, true},
    [BGP_ATTR_ATOMIC_AGGREGATE] = {attr_atomic, TRANS, DISCARD, false},
    [BGP_ATTR_AGGREGATOR] = {attr_aggregator, OPT | TRANS, DISCARD, false},
    [BGP_ATTR_COMMUNITIES] = {attr_communities, OPT | TRANS, TAW, false},
    [BGP_ATTR_ORIGINATOR_ID] = {attr_originator, OPT, TAW, true},
    [BGP_ATTR_CLUSTER_LIST] = {attr_cluster_list, OPT, TAW, true},
    [BGP_ATTR_MP_REACH_NLRI] = {attr_mp_reach, OPT, TAW, false},
    [BGP_ATTR_MP_UNREACH_NLRI] = {attr_mp_unreach, OPT, TAW, false},
    [BGP_ATTR_EXT_COMMUNITIES] = {attr_ext_communities, OPT | TRANS, TAW, false},
    [BGP_ATTR_AS4_PATH] = {attr_as4_path, OPT | TRANS, DISCARD, false},
    [BGP_ATTR_AS4_AGGREGATOR] = {attr_as4_aggregator, OPT | TRANS, DISCARD, false},
    [BGP_ATTR_LARGE_COMMUNITIES] = {attr_large_communities, OPT | TRANS, TAW, false},
};

static bool is_mp(uint8_t type)
{
	return type == BGP_ATTR_MP_REACH_NLRI || type == BGP_ATTR_MP_UNREACH_NLRI;
}

static void attr_unknown(struct attr_in *in)
{
	if (!(in->flags & BGP_ATTR_FLAG_OPTIONAL)) {
		bgp_eh_reset(in->eh, BGP_UPD_UNRECOGNIZED_WELLKNOWN, in->type,
			     "unrecognized well-known attribute", in->raw, in->rawlen);
		return;
	}
	if (!(in->flags & BGP_ATTR_FLAG_TRANSITIVE))
		return; /* optional non-transitive: quietly ignored */
	in->unknown[in->nunknown++] = (struct unknown_ref){
	    .flags = (uint8_t)((in->flags | BGP_ATTR_FLAG_PARTIAL) & ~BGP_ATTR_FLAG_EXTLEN),
	    .type = in->type,
	    .len = (uint16_t)in->len,
	    .val = in->val,
	};
}

static void attr_known(struct attr_in *in, const struct attr_desc *d)
{
	const char *err;

	if (d->ibgp_only && is_ebgp(in->ctx)) {
		bgp_eh_raise(in->eh, DISCARD, in->type,
			     "attribute not accepted from external peer");
		return;
	}
	if ((in->flags & (OPT | TRANS)) != d->flags) {
		/* 3(c): malformed. MP_* are still read so that their NLRI
		 * can be withdrawn. */
		bgp_eh_raise(in->eh, d->malformed, in->type, "attribute flags conflict");
		if (is_mp(in->type))
			d->parse(in);
		return;
	}
	err = d->parse(in);
	if (err)
		bgp_eh_raise(in->eh, d->malformed, in->type, err);
}

static int unknown_cmp(const void *a, const void *b)
{
	return ((const struct unknown_ref *)a)->type - ((const struct unknown_ref *)b)->type;
}

static void unknown_store(struct attr_in *in)
{
	size_t i, total = 0;
	uint8_t *o, *buf;

	if (!in->nunknown)
		return;
	qsort(in->unknown, in->nunknown, sizeof(in->unknown[0]), unknown_cmp);
	for (i = 0; i < in->nunknown; i++)
		total += 4 + in->unknown[i].len;
	o = buf = bgp_scratch_alloc(in->s, total);
	for (i = 0; i < in->nunknown; i++) {
		const struct unknown_ref *u = &in->unknown[i];

		*o++ = u->flags;
		*o++ = u->type;
		bgp_put16(o, u->len);
		memcpy(o + 2, u->val, u->len);
		o += 2 + u->len;
	}
	in->out->unknown = buf;
	in->out->unknown_len = (uint16_t)total;
}

/* RFC 6793 section 4.2.3, for routes from a 2-octet speaker. */
static void as4_merge(struct attr_in *in)
{
	struct bgp_attrs *a = in->out;
	uint8_t *buf;
	size_t n;

	if (in->ctx->as4)
		return;
	if ((a->present & BGP_ATTRF_AGGREGATOR) && a->aggr_as != BGP_AS_TRANS)
		return; /* AS4_AGGREGATOR and AS4_PATH are to be ignored */
	if (in->as4_aggr && (a->present & BGP_ATTRF_AGGREGATOR)) {
		a->aggr_as = in->as4_aggr_as;
		a->aggr_id = in->as4_aggr_id;
	}
	if (!in->as4_path || !(a->present & BGP_ATTRF_AS_PATH))
		return;
	buf = bgp_scratch_alloc(in->s, (size_t)a->aspath_len + in->as4_path_len + 1);
	n = bgp_aspath_merge_as4(a->aspath, a->aspath_len, in->as4_path, in->as4_path_len, buf);
	if (n > UINT16_MAX)
		return;
	a->aspath = n ? buf : NULL;
	a->aspath_len = (uint16_t)n;
}

static bool seen_test_and_set(uint32_t *seen, uint8_t type)
{
	uint32_t bit = 1u << (type % 32);
	bool was = seen[type / 32] & bit;

	seen[type / 32] |= bit;
	return was;
}

/* One attribute header at p[off]; returns its total size, or 0 after
 * raising the RFC 7606 section 4 error that stops the walk. */
static size_t attr_header(const uint8_t *p, size_t len, size_t off, struct bgp_eh *eh, size_t *hl,
			  size_t *alen)
{
	size_t left = len - off;

	if (left < 3) {
		bgp_eh_raise(eh, TAW, 0, "attribute header truncated");
		return 0;
	}
	*hl = (p[off] & BGP_ATTR_FLAG_EXTLEN) ? 4 : 3;
	if (left < *hl) {
		bgp_eh_raise(eh, TAW, p[off + 1], "attribute header truncated");
		return 0;
	}
	*alen = *hl == 4 ? bgp_get16(p + off + 2) : p[off + 2];
	if (*alen > left - *hl) {
		bgp_eh_raise(eh, TAW, p[off + 1], "attribute length overrun");
		return 0;
	}
	return *hl + *alen;
}

void bgp_attrs_parse(const uint8_t *p, size_t len, const struct bgp_codec_ctx *ctx,
		     struct bgp_attrs *out, struct bgp_scratch *s, struct bgp_attr_parsed *mp,
		     struct bgp_eh *eh)
{
	struct attr_in *in = bgp_scratch_alloc(s, sizeof(*in));
	uint32_t seen[8] = {0};
	size_t off = 0;

	memset(in, 0, sizeof(*in));
	memset(mp, 0, sizeof(*mp));
	bgp_attrs_init(out);
	in->ctx = ctx;
	in->out = out;
	in->s = s;
	in->mp = mp;
	in->eh = eh;

	while (off < len) {
		size_t hl, alen, total = attr_header(p, len, off, eh, &hl, &alen);
		const struct attr_desc *d;

		if (!total)
			break;
		in->raw = p + off;
		in->rawlen = total;
		in->flags = p[off];
		in->type = p[off + 1];
		in->val = p + off + hl;
		in->len = alen;
		off += total;
		mp->any = true;

		if (seen_test_and_set(seen, in->type)) {
			if (is_mp(in->type))
				bgp_eh_reset(eh, BGP_UPD_MALFORMED_ATTR_LIST, in->type,
					     "duplicate MP attribute", NULL, 0);
			else
				bgp_eh_raise(eh, DISCARD, in->type, "duplicate attribute");
			continue;
		}
		d = &attr_descs[in->type];
		if (d->parse)
			attr_known(in, d);
		else
			attr_unknown(in);
	}
	as4_merge(in);
	unknown_store(in);
}

/* ======================================================================
 * encoding
 * ====================================================================== */

struct wbuf {
	uint8_t *p;
	size_t size;
	size_t len;
	bool overflow;
};

static uint8_t *wb_attr(struct wbuf *w, uint8_t flags, uint8_t type, size_t vlen)
{
	bool ext = vlen > 255;
	size_t hl = ext ? 4 : 3;
	uint8_t *h;

	if (w->overflow || vlen > UINT16_MAX || w->size - w->len < hl + vlen) {
		w->overflow = true;
		return NULL;
	}
	h = w->p + w->len;
	h[0] = (uint8_t)((flags & ~BGP_ATTR_FLAG_EXTLEN) | (ext ? BGP_ATTR_FLAG_EXTLEN : 0));
	h[1] = type;
	if (ext)
		bgp_put16(h + 2, (uint16_t)vlen);
	else
		h[2] = (uint8_t)vlen;
	w->len += hl + vlen;
	return h + hl;
}

static void wb_u32(struct wbuf *w, uint8_t flags, uint8_t type, uint32_t v)
{
	uint8_t *o = wb_attr(w, flags, type, 4);

	if (o)
		bgp_put32(o, v);
}

static void wb_u32s(struct wbuf *w, uint8_t flags, uint8_t type, const uint32_t *v, size_t n)
{
	uint8_t *o = wb_attr(w, flags, type, n * 4);
	size_t i;

	for (i = 0; o && i < n; i++)
		bgp_put32(o + i * 4, v[i]);
}

/* AS path in 2-octet form (AS_TRANS for what does not fit). */
static size_t aspath_narrow_len(const uint8_t *p, size_t len)
{
	size_t off, n = 0;

	for (off = 0; off + SEG_HDR <= len; off += SEG_HDR + (size_t)p[off + 1] * 4)
		n += SEG_HDR + (size_t)p[off + 1] * 2;
	return n;
}

static void aspath_narrow(const uint8_t *p, size_t len, uint8_t *o)
{
	size_t off, i, w = 0;

	for (off = 0; off + SEG_HDR <= len; off += SEG_HDR + (size_t)p[off + 1] * 4) {
		o[w++] = p[off];
		o[w++] = p[off + 1];
		for (i = 0; i < p[off + 1]; i++, w += 2) {
			uint32_t asn = bgp_get32(p + off + SEG_HDR + i * 4);

			bgp_put16(o + w, asn > UINT16_MAX ? BGP_AS_TRANS : (uint16_t)asn);
		}
	}
}

/* Bytes of the path without its confederation segments. */
static size_t aspath_noconfed_len(const uint8_t *p, size_t len)
{
	size_t off, n = 0;

	for (off = 0; off + SEG_HDR <= len; off += SEG_HDR + (size_t)p[off + 1] * 4)
		if (!seg_is_confed(p[off]))
			n += SEG_HDR + (size_t)p[off + 1] * 4;
	return n;
}

static bool aspath_needs_as4(const uint8_t *p, size_t len)
{
	size_t off, i;

	for (off = 0; off + SEG_HDR <= len; off += SEG_HDR + (size_t)p[off + 1] * 4) {
		if (seg_is_confed(p[off]))
			continue;
		for (i = 0; i < p[off + 1]; i++)
			if (bgp_get32(p + off + SEG_HDR + i * 4) > UINT16_MAX)
				return true;
	}
	return false;
}

static void enc_aspath(struct wbuf *w, const struct bgp_attrs *a, bool as4)
{
	size_t n = as4 ? a->aspath_len : aspath_narrow_len(a->aspath, a->aspath_len);
	uint8_t *o = wb_attr(w, TRANS, BGP_ATTR_AS_PATH, n);

	if (!o || !n)
		return;
	if (as4)
		memcpy(o, a->aspath, n);
	else
		aspath_narrow(a->aspath, a->aspath_len, o);
}

/* RFC 6793 4.2.2: AS4_PATH carries the real path minus confed segments. */
static void enc_as4_path(struct wbuf *w, const struct bgp_attrs *a)
{
	const uint8_t *p = a->aspath;
	size_t off, seg;
	uint8_t *o;

	if (!aspath_needs_as4(p, a->aspath_len))
		return;
	o = wb_attr(w, OPT | TRANS, BGP_ATTR_AS4_PATH, aspath_noconfed_len(p, a->aspath_len));
	for (off = 0; o && off + SEG_HDR <= a->aspath_len; off += seg) {
		seg = SEG_HDR + (size_t)p[off + 1] * 4;
		if (seg_is_confed(p[off]))
			continue;
		memcpy(o, p + off, seg);
		o += seg;
	}
}

static void enc_aggregator(struct wbuf *w, const struct bgp_attrs *a, bool as4)
{
	uint8_t *o;

	if (as4) {
		o = wb_attr(w, OPT | TRANS, BGP_ATTR_AGGREGATOR, 8);
		if (o) {
			bgp_put32(o, a->aggr_as);
			bgp_put32(o + 4, a->aggr_id);
		}
		return;
	}
	o = wb_attr(w, OPT | TRANS, BGP_ATTR_AGGREGATOR, 6);
	if (o) {
		bgp_put16(o, a->aggr_as > UINT16_MAX ? BGP_AS_TRANS : (uint16_t)a->aggr_as);
		bgp_put32(o + 2, a->aggr_id);
	}
}

static void enc_as4_aggregator(struct wbuf *w, const struct bgp_attrs *a)
{
	uint8_t *o = wb_attr(w, OPT | TRANS, BGP_ATTR_AS4_AGGREGATOR, 8);

	if (o) {
		bgp_put32(o, a->aggr_as);
		bgp_put32(o + 4, a->aggr_id);
	}
}

static void enc_lcomm(struct wbuf *w, const struct bgp_attrs *a)
{
	uint8_t *o = wb_attr(w, OPT | TRANS, BGP_ATTR_LARGE_COMMUNITIES, (size_t)a->nlcomm * 12);
	size_t i;

	for (i = 0; o && i < a->nlcomm; i++) {
		bgp_put32(o + i * 12, a->lcomm[i].global);
		bgp_put32(o + i * 12 + 4, a->lcomm[i].local1);
		bgp_put32(o + i * 12 + 8, a->lcomm[i].local2);
	}
}

/* Unknown attributes are interleaved so the output stays in type order. */
struct unknown_cursor {
	const uint8_t *p;
	size_t left;
};

static void enc_unknown_upto(struct wbuf *w, struct unknown_cursor *u, unsigned type)
{
	while (u->left >= 4 && u->p[1] < type) {
		size_t vlen = bgp_get16(u->p + 2);
		uint8_t *o = wb_attr(w, u->p[0], u->p[1], vlen);

		if (o)
			memcpy(o, u->p + 4, vlen);
		u->p += 4 + vlen;
		u->left -= 4 + vlen;
	}
}

static void enc_scalars(struct wbuf *w, const struct bgp_attrs *a, const struct bgp_codec_ctx *ctx,
			bool with_nexthop, struct unknown_cursor *u)
{
	uint8_t *o;

	enc_unknown_upto(w, u, BGP_ATTR_ORIGIN);
	o = wb_attr(w, TRANS, BGP_ATTR_ORIGIN, 1);
	if (o)
		*o = a->origin;
	enc_unknown_upto(w, u, BGP_ATTR_AS_PATH);
	enc_aspath(w, a, ctx->as4);
	enc_unknown_upto(w, u, BGP_ATTR_NEXT_HOP);
	if (with_nexthop) {
		o = wb_attr(w, TRANS, BGP_ATTR_NEXT_HOP, 4);
		if (o)
			memcpy(o, a->nexthop.u.bytes, 4);
	}
	enc_unknown_upto(w, u, BGP_ATTR_MED);
	if (a->present & BGP_ATTRF_MED)
		wb_u32(w, OPT, BGP_ATTR_MED, a->med);
	enc_unknown_upto(w, u, BGP_ATTR_LOCAL_PREF);
	if ((a->present & BGP_ATTRF_LOCAL_PREF) && !is_ebgp(ctx))
		wb_u32(w, TRANS, BGP_ATTR_LOCAL_PREF, a->local_pref);
	enc_unknown_upto(w, u, BGP_ATTR_ATOMIC_AGGREGATE);
	if (a->present & BGP_ATTRF_ATOMIC_AGGREGATE)
		wb_attr(w, TRANS, BGP_ATTR_ATOMIC_AGGREGATE, 0);
	enc_unknown_upto(w, u, BGP_ATTR_AGGREGATOR);
	if (a->present & BGP_ATTRF_AGGREGATOR)
		enc_aggregator(w, a, ctx->as4);
}

static void enc_lists(struct wbuf *w, const struct bgp_attrs *a, const struct bgp_codec_ctx *ctx,
		      struct unknown_cursor *u)
{
	uint8_t *o;

	enc_unknown_upto(w, u, BGP_ATTR_COMMUNITIES);
	if (a->ncomm)
		wb_u32s(w, OPT | TRANS, BGP_ATTR_COMMUNITIES, a->comm, a->ncomm);
	enc_unknown_upto(w, u, BGP_ATTR_ORIGINATOR_ID);
	if ((a->present & BGP_ATTRF_ORIGINATOR_ID) && !is_ebgp(ctx))
		wb_u32(w, OPT, BGP_ATTR_ORIGINATOR_ID, a->originator_id);
	enc_unknown_upto(w, u, BGP_ATTR_CLUSTER_LIST);
	if (a->ncluster && !is_ebgp(ctx))
		wb_u32s(w, OPT, BGP_ATTR_CLUSTER_LIST, a->cluster, a->ncluster);
	enc_unknown_upto(w, u, BGP_ATTR_EXT_COMMUNITIES);
	if (a->necomm) {
		o = wb_attr(w, OPT | TRANS, BGP_ATTR_EXT_COMMUNITIES, (size_t)a->necomm * 8);
		if (o)
			memcpy(o, a->ecomm, (size_t)a->necomm * 8);
	}
	enc_unknown_upto(w, u, BGP_ATTR_AS4_PATH);
	if (!ctx->as4)
		enc_as4_path(w, a);
	enc_unknown_upto(w, u, BGP_ATTR_AS4_AGGREGATOR);
	if (!ctx->as4 && (a->present & BGP_ATTRF_AGGREGATOR) && a->aggr_as > UINT16_MAX)
		enc_as4_aggregator(w, a);
	enc_unknown_upto(w, u, BGP_ATTR_LARGE_COMMUNITIES);
	if (a->nlcomm)
		enc_lcomm(w, a);
	enc_unknown_upto(w, u, 256);
}

int bgp_attrs_encode(const struct bgp_attrs *a, const struct bgp_codec_ctx *ctx, bool with_nexthop,
		     uint8_t *buf, size_t size)
{
	struct wbuf w = {.p = buf, .size = size};
	struct unknown_cursor u = {.p = a->unknown, .left = a->unknown_len};

	if (with_nexthop && a->nexthop.family != AF_INET)
		return -EINVAL;
	enc_scalars(&w, a, ctx, with_nexthop, &u);
	enc_lists(&w, a, ctx, &u);
	if (w.overflow)
		return -EMSGSIZE;
	return (int)w.len;
}
