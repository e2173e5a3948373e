/*
 * fwd's model and its compiler (doc/fwd.md).
 *
 * Each configured rule gets a rule id derived from the rule (see "rule
 * ids"): the id names its counter in the dataplane, so `show firewall
 * counters` follows a rule across changes of the others and restarts. Zones get ids too, and each zone
 * holds ids for its implicit verdicts (default, icmp, conntrack replies,
 * rate limit, stealth ports) so that every packet is counted somewhere.
 *
 * Every change is checked before it is made: a port list with 0 or a
 * number above 65535, a range upside down, a prefix with host bits, a rule
 * that contradicts another one of the zone (it could never match) get an
 * error and leave the model as it was.
 */
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "fwd.h"
#include "util.h"

static int fwd_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fwd_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

/* ---- rule ids ----
 *
 * A rule's id is derived from the rule itself (its zone's name and its
 * text), not from the order of the lines: fwd restarted on the same file,
 * or on a file with the rules moved, gives every rule the id it had, so
 * it finds its counters in the dataplane again. Two rules whose hashes
 * meet take the next free id (linear probing); which of them gets which
 * can then depend on the order, and zebra-lite zeroes the counters of an
 * id whose rule changed (zl_fw.c, fw_set_fingerprints), so no rule ever
 * shows counts it did not get. */

int fwd_conf_init(struct fwd *f)
{
	f->ids = kld_xcalloc(FW_MAX_RULES / 8, 1);
	f->ids[0] = 1; /* id 0 is "no rule" */
	return 0;
}

static uint32_t fwd_text_hash(uint32_t h, const char *s)
{
	size_t n = strlen(s) + 1; /* the NUL separates zone and text */

	for (size_t i = 0; i < n; i++)
		h = kld_hash_block(h, (uint8_t)s[i]);
	return h;
}

static uint32_t fwd_id_alloc(struct fwd *f, const char *zone, const char *text)
{
	uint32_t h = kld_hash_final(fwd_text_hash(fwd_text_hash(0, zone), text));
	uint32_t start = 1 + h % (FW_MAX_RULES - 1);

	for (uint32_t n = 0; n < FW_MAX_RULES - 1; n++) {
		uint32_t id = 1 + (start - 1 + n) % (FW_MAX_RULES - 1);

		if (!(f->ids[id / 8] & (1u << (id % 8)))) {
			f->ids[id / 8] |= (uint8_t)(1u << (id % 8));
			return id;
		}
	}
	return 0; /* every id taken: counted nowhere, still enforced */
}

static void fwd_id_free(struct fwd *f, uint32_t id)
{
	if (id)
		f->ids[id / 8] &= (uint8_t)~(1u << (id % 8));
}

/* ---- zones ---- */

bool fwd_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (!n || n >= FWD_NAMESIZ)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isalnum((unsigned char)name[i]) && name[i] != '-' && name[i] != '_')
			return false;
	return true;
}

static uint32_t fwd_zone_id(const struct fwd *f)
{
	for (uint32_t id = 1; id < FW_MAX_ZONES; id++) {
		bool used = false;

		for (const struct fwd_zone *z = f->zones; z && !used; z = z->next)
			used = z->zone_id == id;
		if (!used)
			return id;
	}
	return 0;
}

struct fwd_zone *fwd_zone_get(struct fwd *f, const char *name, bool create)
{
	struct fwd_zone *z, **pp;
	uint32_t id;

	for (pp = &f->zones; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->name, name))
			return *pp;
	if (!create || !(id = fwd_zone_id(f)))
		return NULL;
	z = kld_xcalloc(1, sizeof(*z));
	snprintf(z->name, sizeof(z->name), "%s", name);
	z->zone_id = id;
	z->dflt = FW_ACT_PASS;
	/* The implicit rules' names cannot be typed as rules. */
	z->dflt_rule = fwd_id_alloc(f, name, "#default");
	z->icmp_rule = fwd_id_alloc(f, name, "#icmp");
	z->ct_rule = fwd_id_alloc(f, name, "#conntrack");
	z->rate_rule = fwd_id_alloc(f, name, "#rate-limit");
	z->stealth_rule = fwd_id_alloc(f, name, "#stealth");
	z->prefixes[0] = kld_trie_new(AF_INET);
	z->prefixes[1] = kld_trie_new(AF_INET6);
	*pp = z; /* zones keep their configuration order */
	return z;
}

static void fwd_rule_free(struct fwd *f, struct fwd_rule *r)
{
	fwd_id_free(f, r->id);
	free(r->ports);
	free(r->ranges);
	free(r);
}

static void fwd_zone_free(struct fwd *f, struct fwd_zone *z)
{
	while (z->rules) {
		struct fwd_rule *r = z->rules;

		z->rules = r->next;
		fwd_rule_free(f, r);
	}
	fwd_id_free(f, z->dflt_rule);
	fwd_id_free(f, z->icmp_rule);
	fwd_id_free(f, z->ct_rule);
	fwd_id_free(f, z->rate_rule);
	fwd_id_free(f, z->stealth_rule);
	kld_trie_free(z->prefixes[0], NULL);
	kld_trie_free(z->prefixes[1], NULL);
	free(z);
}

int fwd_zone_delete(struct fwd *f, const char *name)
{
	for (struct fwd_zone **pp = &f->zones; *pp; pp = &(*pp)->next) {
		if (!strcmp((*pp)->name, name)) {
			struct fwd_zone *z = *pp;

			*pp = z->next;
			fwd_zone_free(f, z);
			return 0;
		}
	}
	return -1;
}

struct fwd_zone *fwd_zone_of_iface(struct fwd *f, const char *ifname)
{
	for (struct fwd_zone *z = f->zones; z; z = z->next)
		for (size_t i = 0; i < z->nifs; i++)
			if (!strcmp(z->ifnames[i], ifname))
				return z;
	return NULL;
}

void fwd_free_all(struct fwd *f)
{
	while (f->zones) {
		struct fwd_zone *z = f->zones;

		f->zones = z->next;
		fwd_zone_free(f, z);
	}
	free(f->ids);
	f->ids = NULL;
	while (f->ifaces) {
		struct fwd_iface *i = f->ifaces;

		f->ifaces = i->next;
		free(i);
	}
}

/* ---- ports ---- */

static int fwd_port_num(const char *s, size_t len, uint16_t *out)
{
	unsigned long v = 0;

	if (!len || len > 5)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (!isdigit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v < 1 || v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

int fwd_ports_parse(const char *text, struct fwd_range *out, size_t max, size_t *n, char *err,
		    size_t errlen)
{
	const char *p = text;

	*n = 0;
	for (;;) {
		size_t len = strcspn(p, ",");
		const char *dash = memchr(p, '-', len);
		struct fwd_range r;

		if (*n == max)
			return fwd_fail(err, errlen, "Too many port ranges in %s (at most %zu)", text,
					max);
		if (dash ? fwd_port_num(p, (size_t)(dash - p), &r.lo) < 0 ||
				   fwd_port_num(dash + 1, len - (size_t)(dash - p) - 1, &r.hi) < 0
			 : fwd_port_num(p, len, &r.lo) < 0)
			return fwd_fail(err, errlen,
					"Invalid port list %s: ports are 1-65535, as N, LO-HI or a comma-separated list of them",
					text);
		if (!dash)
			r.hi = r.lo;
		if (r.lo > r.hi)
			return fwd_fail(err, errlen, "Invalid port range %.*s: %u is above %u",
					(int)len, p, r.lo, r.hi);
		out[(*n)++] = r;
		if (!p[len])
			return 0;
		p += len + 1;
	}
}

static char *fwd_ports_text(const struct fwd_range *r, size_t n)
{
	char buf[FWD_MAX_RANGES * 12 + 1];
	size_t off = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n; i++) {
		if (r[i].lo == r[i].hi)
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%u", i ? "," : "",
						r[i].lo);
		else
			off += (size_t)snprintf(buf + off, sizeof(buf) - off, "%s%u-%u",
						i ? "," : "", r[i].lo, r[i].hi);
	}
	return kld_xstrdup(buf);
}

static bool fwd_ranges_overlap(const struct fwd_range *a, size_t na, const struct fwd_range *b,
			       size_t nb)
{
	for (size_t i = 0; i < na; i++)
		for (size_t j = 0; j < nb; j++)
			if (a[i].lo <= b[j].hi && b[j].lo <= a[i].hi)
				return true;
	return false;
}

static const char *fwd_act_name(uint8_t a)
{
	return a == FW_ACT_DROP ? "block" : "allow";
}

static const char *fwd_proto_name(uint8_t p)
{
	return p == 6 ? "tcp" : "udp";
}

const char *fwd_rule_text(const struct fwd_rule *r, char *buf, size_t size)
{
	char pb[KLD_PREFIX_STRLEN];

	if (r->kind == FWD_RULE_PORT)
		snprintf(buf, size, "%s %s %s", fwd_act_name(r->action), fwd_proto_name(r->proto),
			 r->ports);
	else
		snprintf(buf, size, "%s prefix %s", fwd_act_name(r->action),
			 kld_prefix_fmt(&r->prefix, pb, sizeof(pb)));
	return buf;
}

static struct kld_trie *fwd_zone_trie(const struct fwd_zone *z, uint8_t family)
{
	return z->prefixes[family == AF_INET6];
}

/* Appending is O(1) (a file of 100,000 lines is loaded in linear time);
 * prefix rules are indexed by prefix. */
static void fwd_rule_append(struct fwd_zone *z, struct fwd_rule *r)
{
	if (z->last)
		z->last->next = r;
	else
		z->rules = r;
	z->last = r;
	if (r->kind == FWD_RULE_PREFIX)
		kld_trie_insert(fwd_zone_trie(z, r->prefix.family), &r->prefix, r);
}

static void fwd_rule_unlink(struct fwd_zone *z, struct fwd_rule *r)
{
	struct fwd_rule *prev = NULL;

	if (r->kind == FWD_RULE_PREFIX)
		kld_trie_delete(fwd_zone_trie(z, r->prefix.family), &r->prefix);
	for (struct fwd_rule **pp = &z->rules; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			if (z->last == r)
				z->last = prev;
			return;
		}
	}
}

int fwd_rule_port(struct fwd *f, struct fwd_zone *z, uint8_t action, uint8_t proto,
		  const char *ports, bool del, char *err, size_t errlen)
{
	struct fwd_range rg[FWD_MAX_RANGES];
	struct fwd_rule *r;
	char tb[256];
	size_t n;
	char *canon;

	if (fwd_ports_parse(ports, rg, FWD_MAX_RANGES, &n, err, errlen) < 0)
		return -1;
	canon = fwd_ports_text(rg, n);
	for (r = z->rules; r; r = r->next) {
		if (r->kind != FWD_RULE_PORT || r->proto != proto)
			continue;
		if (r->action == action && !strcmp(r->ports, canon))
			break;
		if (!del && r->action != action && fwd_ranges_overlap(r->ranges, r->nranges, rg, n)) {
			free(canon);
			return fwd_fail(err, errlen,
					"%s %s %s contradicts '%s' in zone %s: it could never match",
					fwd_act_name(action), fwd_proto_name(proto), ports,
					fwd_rule_text(r, tb, sizeof(tb)), z->name);
		}
	}
	if (del) {
		free(canon);
		if (!r)
			return fwd_fail(err, errlen, "No rule '%s %s %s' in zone %s",
					fwd_act_name(action), fwd_proto_name(proto), ports, z->name);
		fwd_rule_unlink(z, r);
		fwd_rule_free(f, r);
		return 0;
	}
	if (r) {
		free(canon);
		return 0; /* the same line again */
	}
	r = kld_xcalloc(1, sizeof(*r));
	r->kind = FWD_RULE_PORT;
	r->action = action;
	r->proto = proto;
	r->ports = canon;
	r->ranges = kld_xmalloc(n * sizeof(*r->ranges));
	memcpy(r->ranges, rg, n * sizeof(*rg));
	r->nranges = n;
	r->id = fwd_id_alloc(f, z->name, fwd_rule_text(r, tb, sizeof(tb)));
	fwd_rule_append(z, r);
	return 0;
}

int fwd_rule_prefix(struct fwd *f, struct fwd_zone *z, uint8_t action, const char *text, bool del,
		    char *err, size_t errlen)
{
	struct kld_prefix p;
	struct fwd_rule *r;
	char tb[256];

	if (kld_prefix_parse(text, &p, true) < 0)
		return fwd_fail(err, errlen, "Malformed prefix %s (host bits set?)", text);
	r = kld_trie_lookup(fwd_zone_trie(z, p.family), &p);
	if (r && r->action != action) {
		if (!del)
			return fwd_fail(err, errlen,
					"%s prefix %s contradicts '%s prefix %s' in zone %s: it could never match",
					fwd_act_name(action), text, fwd_act_name(r->action), text,
					z->name);
		r = NULL;
	}
	if (del) {
		if (!r)
			return fwd_fail(err, errlen, "No rule '%s prefix %s' in zone %s",
					fwd_act_name(action), text, z->name);
		fwd_rule_unlink(z, r);
		fwd_rule_free(f, r);
		return 0;
	}
	if (r)
		return 0;
	r = kld_xcalloc(1, sizeof(*r));
	r->kind = FWD_RULE_PREFIX;
	r->action = action;
	r->prefix = p;
	r->id = fwd_id_alloc(f, z->name, fwd_rule_text(r, tb, sizeof(tb)));
	fwd_rule_append(z, r);
	return 0;
}

/* ---- stealth ---- */

/* A line of zone z that would make a stealth zone answer (an allowed port,
 * ICMP answers, `default accept`), as text in buf, or NULL. `allow prefix`
 * is not one: it names the sources the zone trusts, not what it shows the
 * world (doc/fwd.md, Stealth). */
const char *fwd_stealth_opener(const struct fwd_zone *z, char *buf, size_t size)
{
	if (z->dflt_typed && z->dflt == FW_ACT_PASS)
		return snprintf(buf, size, "default accept"), buf;
	if (z->icmp)
		return snprintf(buf, size, "allow icmp"), buf;
	for (const struct fwd_rule *r = z->rules; r; r = r->next)
		if (r->kind == FWD_RULE_PORT && r->action == FW_ACT_PASS)
			return fwd_rule_text(r, buf, size);
	return NULL;
}

/* ---- the compiler ---- */

static Kld__FwZone *fwd_zone_msg(const struct fwd_zone *z)
{
	Kld__FwZone *m = kld_xmalloc(sizeof(*m));

	kld__fw_zone__init(m);
	m->zone = z->zone_id;
	m->name = (char *)z->name;
	m->n_ifnames = z->nifs;
	m->ifnames = kld_xcalloc(z->nifs + 1, sizeof(char *));
	for (size_t i = 0; i < z->nifs; i++)
		m->ifnames[i] = (char *)z->ifnames[i];
	m->flags = (z->icmp ? FW_ZF_ICMP : 0) | (z->stealth ? FW_ZF_STEALTH : 0) |
		   (z->rate_pps ? FW_ZF_RATE : 0);
	m->default_action = z->stealth ? FW_ACT_DROP : z->dflt;
	m->default_rule = z->dflt_rule;
	m->icmp_rule = z->icmp_rule;
	m->ct_rule = z->ct_rule;
	m->rate_pps = z->rate_pps;
	m->rate_burst = z->rate_burst ? z->rate_burst : z->rate_pps;
	m->rate_rule = z->rate_rule;
	m->stealth_rule = z->stealth_rule;
	return m;
}

static Kld__FwPrefixRule *fwd_prefix_msg(const struct fwd_zone *z, const struct fwd_rule *r)
{
	Kld__FwPrefixRule *m = kld_xmalloc(sizeof(*m) + sizeof(Kld__Prefix) + 16);
	Kld__Prefix *p = (Kld__Prefix *)(m + 1);

	kld__fw_prefix_rule__init(m);
	kld__prefix__init(p);
	p->family = r->prefix.family;
	p->len = r->prefix.len;
	p->addr.len = kld_family_bytes(r->prefix.family);
	p->addr.data = (uint8_t *)(p + 1);
	memcpy(p->addr.data, r->prefix.u.bytes, p->addr.len);
	m->zone = z->zone_id;
	m->prefix = p;
	m->action = r->action;
	m->rule = r->id;
	return m;
}

Kld__FwRuleSet *fwd_compile(const struct fwd *f)
{
	Kld__FwRuleSet *m = kld_xmalloc(sizeof(*m));
	size_t nz = 0, np = 0, nx = 0;

	kld__fw_rule_set__init(m);
	if (!f->enabled)
		return m; /* no firewall: every program comes off */
	for (const struct fwd_zone *z = f->zones; z; z = z->next, nz++)
		for (const struct fwd_rule *r = z->rules; r; r = r->next)
			r->kind == FWD_RULE_PORT ? (np += r->nranges) : nx++;
	m->zones = kld_xcalloc(nz + 1, sizeof(*m->zones));
	m->ports = kld_xcalloc(np + 1, sizeof(*m->ports));
	m->prefixes = kld_xcalloc(nx + 1, sizeof(*m->prefixes));
	for (const struct fwd_zone *z = f->zones; z; z = z->next) {
		m->zones[m->n_zones++] = fwd_zone_msg(z);
		for (const struct fwd_rule *r = z->rules; r; r = r->next) {
			if (r->kind == FWD_RULE_PREFIX) {
				m->prefixes[m->n_prefixes++] = fwd_prefix_msg(z, r);
				continue;
			}
			for (size_t i = 0; i < r->nranges; i++) {
				Kld__FwPortRule *pr = kld_xmalloc(sizeof(*pr));

				kld__fw_port_rule__init(pr);
				pr->zone = z->zone_id;
				pr->proto = r->proto;
				pr->port_lo = r->ranges[i].lo;
				pr->port_hi = r->ranges[i].hi;
				pr->action = r->action;
				pr->rule = r->id;
				m->ports[m->n_ports++] = pr;
			}
		}
	}
	return m;
}

size_t fwd_ruleset_entries(const Kld__FwRuleSet *m)
{
	size_t n = m->n_prefixes;

	for (size_t i = 0; i < m->n_ports; i++)
		n += m->ports[i]->port_hi - m->ports[i]->port_lo + 1;
	return n;
}

void fwd_ruleset_free(Kld__FwRuleSet *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n_zones; i++) {
		free(m->zones[i]->ifnames);
		free(m->zones[i]);
	}
	for (size_t i = 0; i < m->n_ports; i++)
		free(m->ports[i]);
	for (size_t i = 0; i < m->n_prefixes; i++)
		free(m->prefixes[i]);
	free(m->zones);
	free(m->ports);
	free(m->prefixes);
	free(m);
}
