/*
 * The firewall's Prometheus page, next to wgd's (doc/fwd.md, Metrics):
 * `firewall metrics listen A.B.C.D port N` serves it on that address only,
 * through lib/httpd.c (bounded: it faces the network).
 *
 * Read live on each scrape from the same reply of zebra-lite that `show
 * firewall counters` prints, so the two agree: per-rule packets and bytes
 * (labels zone, id, rule, action), the totals, the live generation, and
 * whether each interface of a zone carries the program. Per-source
 * counters are left out: up to 16,384 sources would be as many series.
 */
#include <event2/buffer.h>
#include <stdio.h>
#include "fwd.h"
#include "httpd.h"
#include "util.h"

/* The totals, indexed by fw_stat (lib/fw_map.h). */
static const struct {
	const char *name, *help;
} fwd_m_stats[FW_ST_MAX] = {
	[FW_ST_PASS] = { "firewall_passed_packets_total", "Packets the firewall let in" },
	[FW_ST_DROP] = { "firewall_dropped_packets_total", "Packets the firewall dropped" },
	[FW_ST_CT_REPLY] = { "firewall_conntrack_reply_packets_total",
			     "Packets let in as replies of connections the host opened" },
	[FW_ST_ND] = { "firewall_neighbor_discovery_packets_total",
		       "IPv6 neighbour discovery packets (always let in)" },
	[FW_ST_NOT_IP] = { "firewall_not_ip_packets_total", "Frames that are not IP (let in)" },
	[FW_ST_RATE_DROP] = { "firewall_rate_limited_packets_total",
			      "Packets dropped by a per-source rate limit" },
};

static uint64_t fwd_m_rule(const Kld__FwCounters *c, uint32_t id, bool bytes)
{
	uint64_t pk, by;

	fwd_rule_count(c, id, &pk, &by);
	return bytes ? by : pk;
}

static void fwd_m_sample(struct evbuffer *b, const char *name, const struct fwd_zone *z,
			 uint32_t id, const char *text, uint8_t action, uint64_t v)
{
	char lb[512];

	evbuffer_add_printf(b, "%s{zone=\"%s\",id=\"%u\",rule=\"%s\",action=\"%s\"} %llu\n", name,
			    z->name, id, kld_metrics_label(text, lb, sizeof(lb)),
			    action == FW_ACT_DROP ? "drop" : "pass", (unsigned long long)v);
}

/* Every rule of every zone, the implicit ones too (as `show firewall`
 * lists them). */
static void fwd_m_rules(struct evbuffer *b, const struct fwd *f, const Kld__FwCounters *c,
			const char *name, bool bytes)
{
	char tb[256];

	for (const struct fwd_zone *z = f->zones; z; z = z->next) {
		uint8_t dflt = z->dflt == FW_ACT_DROP || z->stealth ? FW_ACT_DROP : FW_ACT_PASS;

		for (const struct fwd_rule *r = z->rules; r; r = r->next)
			fwd_m_sample(b, name, z, r->id, fwd_rule_text(r, tb, sizeof(tb)), r->action,
				     fwd_m_rule(c, r->id, bytes));
		if (z->icmp) /* no series for a rule the zone does not have */
			fwd_m_sample(b, name, z, z->icmp_rule, "allow icmp", FW_ACT_PASS,
				     fwd_m_rule(c, z->icmp_rule, bytes));
		fwd_m_sample(b, name, z, z->ct_rule, "replies (conntrack)", FW_ACT_PASS,
			     fwd_m_rule(c, z->ct_rule, bytes));
		fwd_m_sample(b, name, z, z->stealth_rule, "stealth wireguard ports", FW_ACT_PASS,
			     fwd_m_rule(c, z->stealth_rule, bytes));
		fwd_m_sample(b, name, z, z->rate_rule, "rate-limit drops", FW_ACT_DROP,
			     fwd_m_rule(c, z->rate_rule, bytes));
		fwd_m_sample(b, name, z, z->dflt_rule, "default", dflt,
			     fwd_m_rule(c, z->dflt_rule, bytes));
	}
}

static void fwd_m_attached(struct evbuffer *b, const struct fwd *f, const Kld__FwCounters *c)
{
	char lb[64];

	kld_metrics_family(b, "firewall_interface_attached", "gauge",
			   "1 when the interface of a zone carries the XDP program (mode: native, "
			   "generic; none when not attached)");
	for (const struct fwd_zone *z = f->zones; z; z = z->next) {
		for (size_t i = 0; i < z->nifs; i++) {
			const Kld__FwAttachment *a = fwd_attachment(c, z->ifnames[i]);

			evbuffer_add_printf(b,
					    "firewall_interface_attached{zone=\"%s\",interface=\"%s\","
					    "mode=\"%s\"} %d\n",
					    z->name, kld_metrics_label(z->ifnames[i], lb, sizeof(lb)),
					    a ? a->mode : "none", a != NULL);
		}
	}
}

static void fwd_metrics_body(struct evbuffer *b, void *arg)
{
	struct fwd *f = arg;
	Kld__Envelope *rep = fwd_fetch_counters(f, false);
	const Kld__FwCounters *c = rep ? rep->fw_counters : NULL;

	kld_metrics_family(b, "firewall_up", "gauge", "Whether zebra-lite answered");
	evbuffer_add_printf(b, "firewall_up %d\n", c != NULL);
	uint32_t gen;

	kld_metrics_family(b, "firewall_generation", "gauge",
			   "The live rule set's generation (0 or 1: it flips at each switch)");
	if (fwd_generation(f, c, &gen)) /* no sample rather than a made-up 0 */
		evbuffer_add_printf(b, "firewall_generation %u\n", gen);
	kld_metrics_family(b, "firewall_rule_set_entries", "gauge",
			   "Map entries of the rule set fwd sent last");
	evbuffer_add_printf(b, "firewall_rule_set_entries %u\n", f->last_entries);
	kld_metrics_family(b, "firewall_rollback_pending", "gauge",
			   "1 while `firewall commit confirm` waits for `firewall commit`");
	evbuffer_add_printf(b, "firewall_rollback_pending %d\n", f->rollback != NULL);
	fwd_m_attached(b, f, c);
	for (size_t i = 0; i < FW_ST_MAX; i++) {
		kld_metrics_family(b, fwd_m_stats[i].name, "counter", fwd_m_stats[i].help);
		if (c && i < c->n_stats)
			evbuffer_add_printf(b, "%s %llu\n", fwd_m_stats[i].name,
					    (unsigned long long)c->stats[i]);
	}
	kld_metrics_family(b, "firewall_rule_packets_total", "counter", "Packets a rule decided");
	fwd_m_rules(b, f, c, "firewall_rule_packets_total", false);
	kld_metrics_family(b, "firewall_rule_bytes_total", "counter",
			   "Bytes of the packets a rule decided");
	fwd_m_rules(b, f, c, "firewall_rule_bytes_total", true);
	if (rep)
		kld_frame_free(rep);
}

int fwd_metrics_set(struct fwd *f, const struct kld_addr *addr, uint16_t port)
{
	return kld_metrics_set(&f->metrics, f->p.d.loop, addr, port, fwd_metrics_body, f);
}

void fwd_metrics_fini(struct fwd *f)
{
	kld_metrics_stop(&f->metrics);
}
