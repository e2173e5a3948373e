/*
 * FwRuleSet -> map entries. Everything a rule set can get wrong is found
 * here, before the first map write: ids out of range, an interface in two
 * zones, a port 0 or above 65535, a range upside down, a prefix with host
 * bits, more entries than the maps hold. A refused set changes nothing.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "fw_set.h"
#include "prefix.h"
#include "util.h"

static int fw_fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fw_fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static bool fw_action_ok(uint32_t a)
{
	return a == FW_ACT_PASS || a == FW_ACT_DROP;
}

static bool fw_rule_ok(uint32_t r)
{
	return r < FW_MAX_RULES;
}

static bool fw_ifname_ok(const char *n)
{
	size_t len = strlen(n);

	return len > 0 && len < IF_NAMESIZE && !strchr(n, '/') && !strchr(n, ':') &&
	       !strchr(n, ' ');
}

static bool fw_zone_known(const Kld__FwRuleSet *m, uint32_t zone)
{
	for (size_t i = 0; i < m->n_zones; i++)
		if (m->zones[i]->zone == zone)
			return true;
	return false;
}

static int fw_zone_check(const Kld__FwRuleSet *m, size_t i, char *err, size_t errlen)
{
	const Kld__FwZone *z = m->zones[i];

	if (!z->zone || z->zone >= FW_MAX_ZONES)
		return fw_fail(err, errlen, "zone id %u out of range", z->zone);
	for (size_t j = 0; j < i; j++)
		if (m->zones[j]->zone == z->zone)
			return fw_fail(err, errlen, "zone id %u given twice", z->zone);
	if (!fw_action_ok(z->default_action))
		return fw_fail(err, errlen, "zone %u: bad default action %u", z->zone,
			       z->default_action);
	if (!fw_rule_ok(z->default_rule) || !fw_rule_ok(z->icmp_rule) || !fw_rule_ok(z->ct_rule) ||
	    !fw_rule_ok(z->rate_rule) || !fw_rule_ok(z->stealth_rule))
		return fw_fail(err, errlen, "zone %u: rule id out of range", z->zone);
	if (z->flags & ~(uint32_t)(FW_ZF_ICMP | FW_ZF_STEALTH | FW_ZF_RATE))
		return fw_fail(err, errlen, "zone %u: unknown flags %#x", z->zone, z->flags);
	if ((z->flags & FW_ZF_RATE) && (!z->rate_pps || z->rate_pps > 1000000000u))
		return fw_fail(err, errlen, "zone %u: rate limit out of range", z->zone);
	return 0;
}

static int fw_ifaces_in(const Kld__FwRuleSet *m, struct fw_set *s, char *err, size_t errlen)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_zones; i++)
		n += m->zones[i]->n_ifnames;
	if (n > FW_MAX_IFACES)
		return fw_fail(err, errlen, "more than %d interfaces", FW_MAX_IFACES);
	s->ifaces = kld_xcalloc(n + 1, sizeof(*s->ifaces));
	for (size_t i = 0; i < m->n_zones; i++) {
		const Kld__FwZone *z = m->zones[i];

		if (fw_zone_check(m, i, err, errlen) < 0)
			return -1;
		for (size_t j = 0; j < z->n_ifnames; j++) {
			struct fw_set_iface *fi = &s->ifaces[s->nifaces];

			if (!fw_ifname_ok(z->ifnames[j]))
				return fw_fail(err, errlen, "bad interface name");
			for (size_t k = 0; k < s->nifaces; k++)
				if (!strcmp(s->ifaces[k].ifname, z->ifnames[j]))
					return fw_fail(err, errlen, "interface %s is in two zones",
						       z->ifnames[j]);
			snprintf(fi->ifname, sizeof(fi->ifname), "%s", z->ifnames[j]);
			fi->zone = (struct fw_zone){
				.zone = z->zone, .flags = z->flags,
				.dflt_action = z->default_action, .dflt_rule = z->default_rule,
				.icmp_rule = z->icmp_rule, .ct_rule = z->ct_rule,
				.rate_pps = z->rate_pps, .rate_burst = z->rate_burst,
				.rate_rule = z->rate_rule,
			};
			if (z->flags & FW_ZF_STEALTH)
				fi->zone.dflt_action = FW_ACT_DROP;
			fi->stealth_rule = z->stealth_rule;
			s->nifaces++;
		}
	}
	return 0;
}

static int fw_ports_in(const Kld__FwRuleSet *m, struct fw_set *s, char *err, size_t errlen)
{
	size_t n = 0;

	for (size_t i = 0; i < m->n_ports; i++) {
		const Kld__FwPortRule *r = m->ports[i];

		if (!fw_zone_known(m, r->zone))
			return fw_fail(err, errlen, "port rule in unknown zone %u", r->zone);
		if (r->proto != 6 && r->proto != 17)
			return fw_fail(err, errlen, "port rule for protocol %u", r->proto);
		if (!r->port_lo || r->port_hi > 65535 || r->port_lo > r->port_hi)
			return fw_fail(err, errlen, "port range %u-%u out of 1-65535", r->port_lo,
				       r->port_hi);
		if (!fw_action_ok(r->action) || !fw_rule_ok(r->rule))
			return fw_fail(err, errlen, "port rule with bad action or id");
		n += r->port_hi - r->port_lo + 1;
		if (n > FW_SET_MAX_PORTS)
			return fw_fail(err, errlen, "more than %d ports", FW_SET_MAX_PORTS);
	}
	s->ports = kld_xcalloc(n + 1, sizeof(*s->ports));
	for (size_t i = 0; i < m->n_ports; i++) {
		const Kld__FwPortRule *r = m->ports[i];

		/* Later rules win over earlier ones for the same port. */
		for (uint32_t p = r->port_lo; p <= r->port_hi; p++)
			s->ports[s->nports++] = (struct fw_set_port){
				.zone = (uint16_t)r->zone, .proto = (uint8_t)r->proto,
				.port = (uint16_t)p, .v = { r->action, r->rule } };
	}
	return 0;
}

static int fw_prefix_in(const Kld__FwPrefixRule *r, struct fw_set_prefix *out)
{
	const Kld__Prefix *p = r->prefix;
	struct kld_prefix x, masked;

	if (!p || (p->family != AF_INET && p->family != AF_INET6) ||
	    p->addr.len != kld_family_bytes((uint8_t)p->family) ||
	    p->len > kld_family_bits((uint8_t)p->family))
		return -1;
	if (kld_prefix_set(&x, (uint8_t)p->family, p->addr.data, (uint8_t)p->len) < 0)
		return -1;
	masked = x;
	kld_prefix_mask(&masked);
	if (memcmp(&masked, &x, sizeof(x)))
		return -1; /* host bits set: the operator meant something else */
	out->zone = (uint16_t)r->zone;
	out->family = x.family;
	out->len = x.len;
	memcpy(out->addr, x.u.bytes, sizeof(out->addr));
	out->v = (struct fw_verdict){ r->action, r->rule };
	return 0;
}

static int fw_prefixes_in(const Kld__FwRuleSet *m, struct fw_set *s, char *err, size_t errlen)
{
	if (m->n_prefixes > FW_SET_MAX_PREFIXES)
		return fw_fail(err, errlen, "more than %d prefixes", FW_SET_MAX_PREFIXES);
	s->prefixes = kld_xcalloc(m->n_prefixes + 1, sizeof(*s->prefixes));
	for (size_t i = 0; i < m->n_prefixes; i++) {
		const Kld__FwPrefixRule *r = m->prefixes[i];

		if (!fw_zone_known(m, r->zone))
			return fw_fail(err, errlen, "prefix rule in unknown zone %u", r->zone);
		if (!fw_action_ok(r->action) || !fw_rule_ok(r->rule))
			return fw_fail(err, errlen, "prefix rule with bad action or id");
		if (fw_prefix_in(r, &s->prefixes[s->nprefixes]) < 0)
			return fw_fail(err, errlen, "malformed prefix in rule %u", r->rule);
		s->nprefixes++;
	}
	return 0;
}

int fw_set_from_msg(const Kld__FwRuleSet *m, struct fw_set *s, char *err, size_t errlen)
{
	memset(s, 0, sizeof(*s));
	if (fw_ifaces_in(m, s, err, errlen) < 0 || fw_ports_in(m, s, err, errlen) < 0 ||
	    fw_prefixes_in(m, s, err, errlen) < 0) {
		fw_set_free(s);
		return -1;
	}
	return 0;
}

void fw_set_free(struct fw_set *s)
{
	free(s->ifaces);
	free(s->ports);
	free(s->prefixes);
	memset(s, 0, sizeof(*s));
}

/* ---- fingerprints: which rule an id counts for ---- */

/* FNV-1a, 64 bits: a fingerprint, not a table hash. */
static uint64_t fw_fp_mix(uint64_t h, const void *data, size_t len)
{
	const uint8_t *p = data;

	for (size_t i = 0; i < len; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h;
}

static uint64_t fw_fp_start(const char *zone, const char *kind, uint32_t action)
{
	uint64_t h = fw_fp_mix(0xcbf29ce484222325ull, zone, strlen(zone) + 1);

	h = fw_fp_mix(h, kind, strlen(kind) + 1);
	return fw_fp_mix(h, &action, sizeof(action));
}

/* Several entries (the ranges of one port rule) add up, in any order;
 * the low bit marks the id as used. */
static void fw_fp_add(uint64_t *fp, uint32_t id, uint64_t h)
{
	if (id)
		fp[id] = (fp[id] + h) | 1;
}

static const char *fw_zone_name(const Kld__FwRuleSet *m, uint32_t zone)
{
	for (size_t i = 0; i < m->n_zones; i++)
		if (m->zones[i]->zone == zone)
			return m->zones[i]->name;
	return "";
}

static void fw_fp_zones(const Kld__FwRuleSet *m, uint64_t *fp)
{
	for (size_t i = 0; i < m->n_zones; i++) {
		const Kld__FwZone *z = m->zones[i];

		fw_fp_add(fp, z->default_rule, fw_fp_start(z->name, "default", 0));
		fw_fp_add(fp, z->icmp_rule, fw_fp_start(z->name, "icmp", 0));
		fw_fp_add(fp, z->ct_rule, fw_fp_start(z->name, "conntrack", 0));
		fw_fp_add(fp, z->rate_rule, fw_fp_start(z->name, "rate-limit", 0));
		fw_fp_add(fp, z->stealth_rule, fw_fp_start(z->name, "stealth", 0));
	}
}

void fw_set_fingerprints(const Kld__FwRuleSet *m, uint64_t *fp)
{
	const char *names[FW_MAX_ZONES] = { 0 };

	memset(fp, 0, FW_MAX_RULES * sizeof(*fp));
	fw_fp_zones(m, fp);
	for (uint32_t z = 1; z < FW_MAX_ZONES; z++)
		names[z] = fw_zone_name(m, z);
	for (size_t i = 0; i < m->n_ports; i++) {
		const Kld__FwPortRule *r = m->ports[i];
		uint32_t range[3] = { r->proto, r->port_lo, r->port_hi };
		uint64_t h = fw_fp_start(names[r->zone], "port", r->action);

		fw_fp_add(fp, r->rule, fw_fp_mix(h, range, sizeof(range)));
	}
	for (size_t i = 0; i < m->n_prefixes; i++) {
		const Kld__FwPrefixRule *r = m->prefixes[i];
		uint64_t h = fw_fp_start(names[r->zone], "prefix", r->action);
		uint8_t len = (uint8_t)r->prefix->len;

		h = fw_fp_mix(h, r->prefix->addr.data, r->prefix->addr.len);
		fw_fp_add(fp, r->rule, fw_fp_mix(h, &len, 1));
	}
}
