/*
 * show firewall [zone NAME] [json], show firewall counters [json],
 * clear firewall counters.
 *
 * The policy is fwd's; the live facts (which interfaces carry the program,
 * in which XDP mode, under which program and link ids, the counters, the
 * WireGuard ports stealth opens) are zebra-lite's, asked for on a query
 * connection of their own. The ids are the ones `bpftool prog show` and
 * `bpftool link show` print.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include "fwd.h"
#include "util.h"

static const char *const fwd_stat_names[FW_ST_MAX] = {
	"passed", "dropped", "conntrackReplies", "neighborDiscovery", "notIp", "rateLimited",
};

/* ---- json ---- */

static json_object *fwd_counter_json(const Kld__FwCounters *c, uint32_t id, const char *text)
{
	json_object *o = json_object_new_object();
	uint64_t pk, by;

	fwd_rule_count(c, id, &pk, &by);
	json_object_object_add(o, "id", json_object_new_int64(id));
	json_object_object_add(o, "rule", json_object_new_string(text));
	json_object_object_add(o, "packets", json_object_new_int64((int64_t)pk));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)by));
	return o;
}

static json_object *fwd_zone_json(const struct fwd_zone *z, const Kld__FwCounters *c)
{
	json_object *o = json_object_new_object(), *ifs = json_object_new_array();
	json_object *rules = json_object_new_array();
	char tb[256];

	for (size_t i = 0; i < z->nifs; i++) {
		const Kld__FwAttachment *a = fwd_attachment(c, z->ifnames[i]);
		json_object *io = json_object_new_object();

		json_object_object_add(io, "name", json_object_new_string(z->ifnames[i]));
		json_object_object_add(io, "attached", json_object_new_boolean(a != NULL));
		if (a) {
			json_object_object_add(io, "mode", json_object_new_string(a->mode));
			json_object_object_add(io, "ifindex", json_object_new_int64(a->ifindex));
			json_object_object_add(io, "progId", json_object_new_int64(a->prog_id));
			json_object_object_add(io, "linkId", json_object_new_int64(a->link_id));
		}
		json_object_array_add(ifs, io);
	}
	json_object_object_add(o, "interfaces", ifs);
	json_object_object_add(o, "default",
			       json_object_new_string(z->dflt == FW_ACT_DROP || z->stealth ? "drop"
											    : "accept"));
	json_object_object_add(o, "icmp", json_object_new_boolean(z->icmp));
	json_object_object_add(o, "stealth", json_object_new_boolean(z->stealth));
	if (z->stealth && c) {
		json_object *ports = json_object_new_array();

		for (size_t i = 0; i < c->n_stealth_ports; i++)
			json_object_array_add(ports, json_object_new_int64(c->stealth_ports[i]));
		json_object_object_add(o, "wireguardPorts", ports);
	}
	json_object_object_add(o, "ratePps", json_object_new_int64(z->rate_pps));
	for (const struct fwd_rule *r = z->rules; r; r = r->next)
		json_object_array_add(rules, fwd_counter_json(c, r->id, fwd_rule_text(r, tb, sizeof(tb))));
	if (z->icmp) /* as in the text: a zone without the rule has no such line */
		json_object_array_add(rules, fwd_counter_json(c, z->icmp_rule, "allow icmp"));
	json_object_array_add(rules, fwd_counter_json(c, z->ct_rule, "replies (conntrack)"));
	json_object_array_add(rules, fwd_counter_json(c, z->stealth_rule, "stealth wireguard ports"));
	json_object_array_add(rules, fwd_counter_json(c, z->rate_rule, "rate-limit drops"));
	json_object_array_add(rules, fwd_counter_json(c, z->dflt_rule, "default"));
	json_object_object_add(o, "rules", rules);
	return o;
}

/* "1", "1 (as zebra-lite last said)" while it does not answer, "unknown". */
static const char *fwd_generation_text(const struct fwd *f, const Kld__FwCounters *c, char *buf,
				       size_t size)
{
	uint32_t gen;

	if (!fwd_generation(f, c, &gen))
		return "unknown";
	snprintf(buf, size, "%u%s", gen, c ? "" : " (as zebra-lite last said)");
	return buf;
}

static void fwd_state_json(json_object *o, const struct fwd *f, const Kld__FwCounters *c)
{
	json_object_object_add(o, "enabled", json_object_new_boolean(f->enabled));
	json_object_object_add(o, "zebraConnected", json_object_new_boolean(f->conn != NULL));
	json_object_object_add(o, "lastError", json_object_new_string(f->last_reason));
	uint32_t gen;
	bool known = fwd_generation(f, c, &gen);

	/* null when unknown: a script waiting for a change must not see one */
	json_object_object_add(o, "generation", known ? json_object_new_int64(gen) : NULL);
	json_object_object_add(o, "generationReported", json_object_new_boolean(known && !c));
	json_object_object_add(o, "lastEntries", json_object_new_int64(f->last_entries));
	json_object_object_add(o, "rollbackPending", json_object_new_boolean(f->rollback != NULL));
	json_object_object_add(o, "lastApplyUsec", json_object_new_int64((int64_t)f->last_usec));
	if (c && c->error[0])
		json_object_object_add(o, "dataplaneError", json_object_new_string(c->error));
	/* Said once something is pinned (or bound to be lost). */
	if (c && (c->pins_volatile[0] || c->n_attachments))
		json_object_object_add(o, "pinsSurviveRestart",
				       json_object_new_boolean(!c->pins_volatile[0]));
	if (c && c->pins_volatile[0])
		json_object_object_add(o, "pinsNote", json_object_new_string(c->pins_volatile));
}

/* ---- text ---- */

static void fwd_rule_line(struct vty *vty, const Kld__FwCounters *c, uint32_t id, const char *text)
{
	uint64_t pk, by;

	fwd_rule_count(c, id, &pk, &by);
	vty_out(vty, "    %-6u %-36s %12llu %14llu\n", id, text, (unsigned long long)pk,
		(unsigned long long)by);
}

static void fwd_zone_text(struct vty *vty, const struct fwd_zone *z, const Kld__FwCounters *c)
{
	char tb[256];

	vty_out(vty, "Zone %s\n  Interfaces:", z->name);
	for (size_t i = 0; i < z->nifs; i++) {
		const Kld__FwAttachment *a = fwd_attachment(c, z->ifnames[i]);

		if (a)
			vty_out(vty, " %s (xdp %s, prog %u, link %u)", z->ifnames[i], a->mode,
				a->prog_id, a->link_id);
		else
			vty_out(vty, " %s (not attached)", z->ifnames[i]);
	}
	vty_out(vty, "\n  Default: %s%s%s\n", z->dflt == FW_ACT_DROP || z->stealth ? "drop" : "accept",
		z->icmp ? ", ICMP allowed" : "", z->stealth ? ", stealth" : "");
	if (z->stealth && c) {
		vty_out(vty, "  WireGuard ports open:");
		for (size_t i = 0; i < c->n_stealth_ports; i++)
			vty_out(vty, " udp %u", c->stealth_ports[i]);
		vty_out(vty, "%s\n", c->n_stealth_ports ? "" : " none");
	}
	if (z->rate_pps)
		vty_out(vty, "  Rate limit: %u packets/s per source, burst %u\n", z->rate_pps,
			z->rate_burst ? z->rate_burst : z->rate_pps);
	vty_out(vty, "    %-6s %-36s %12s %14s\n", "Id", "Rule", "Packets", "Bytes");
	for (const struct fwd_rule *r = z->rules; r; r = r->next)
		fwd_rule_line(vty, c, r->id, fwd_rule_text(r, tb, sizeof(tb)));
	if (z->icmp)
		fwd_rule_line(vty, c, z->icmp_rule, "allow icmp");
	fwd_rule_line(vty, c, z->ct_rule, "replies (conntrack)");
	if (z->stealth)
		fwd_rule_line(vty, c, z->stealth_rule, "stealth wireguard ports");
	if (z->rate_pps)
		fwd_rule_line(vty, c, z->rate_rule, "rate-limit drops");
	fwd_rule_line(vty, c, z->dflt_rule, "default");
}

static int fwd_cmd_show(struct vty *vty, const struct cmd_args *args)
{
	struct fwd *f = vty->arg;
	const char *zname = cmd_arg(args, "zone");
	const struct fwd_zone *only = NULL;
	Kld__Envelope *rep;
	const Kld__FwCounters *c;

	if (zname && !(only = fwd_zone_get(f, zname, false))) {
		vty_out(vty, "%% Unknown zone %s\n", zname);
		return CMD_WARNING;
	}
	rep = fwd_fetch_counters(f, false);
	c = rep ? rep->fw_counters : NULL;
	if (cmd_has(args, "json")) {
		json_object *o = json_object_new_object(), *zones = json_object_new_object();

		fwd_state_json(o, f, c);
		for (const struct fwd_zone *z = f->zones; z; z = z->next)
			if (!only || z == only)
				json_object_object_add(zones, z->name, fwd_zone_json(z, c));
		json_object_object_add(o, "zones", zones);
		vty_out(vty, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
		json_object_put(o);
	} else {
		char gb[64];

		vty_out(vty, "Firewall: %s; zebra-lite %s; generation %s%s%s\n",
			f->enabled ? "configured" : "not configured",
			f->conn ? "connected" : "not connected", fwd_generation_text(f, c, gb, sizeof(gb)),
			f->last_reason[0] ? "; last refusal: " : "", f->last_reason);
		if (c && c->error[0])
			vty_out(vty, "Dataplane: %s\n", c->error);
		if (c && c->pins_volatile[0])
			vty_out(vty, "Pins survive restart: no (%s)\n", c->pins_volatile);
		else if (c && c->n_attachments)
			vty_out(vty, "Pins survive restart: yes\n");
		for (const struct fwd_zone *z = f->zones; z; z = z->next)
			if (!only || z == only)
				fwd_zone_text(vty, z, c);
	}
	kld_frame_free(rep);
	return CMD_SUCCESS;
}

static json_object *fwd_sources_json(const Kld__FwCounters *c)
{
	json_object *a = json_object_new_array();
	char pb[KLD_PREFIX_STRLEN];

	for (size_t i = 0; c && i < c->n_sources; i++) {
		const Kld__FwSourceCounter *s = c->sources[i];
		json_object *o = json_object_new_object();
		struct kld_prefix p;

		if (kld_prefix_set(&p, (uint8_t)s->source->family, s->source->addr.data,
				   (uint8_t)s->source->len) < 0)
			continue;
		kld_prefix_fmt(&p, pb, sizeof(pb));
		*strchr(pb, '/') = '\0';
		json_object_object_add(o, "source", json_object_new_string(pb));
		json_object_object_add(o, "passPackets", json_object_new_int64((int64_t)s->pass_packets));
		json_object_object_add(o, "passBytes", json_object_new_int64((int64_t)s->pass_bytes));
		json_object_object_add(o, "dropPackets", json_object_new_int64((int64_t)s->drop_packets));
		json_object_object_add(o, "dropBytes", json_object_new_int64((int64_t)s->drop_bytes));
		json_object_array_add(a, o);
	}
	return a;
}

static int fwd_cmd_show_counters(struct vty *vty, const struct cmd_args *args)
{
	struct fwd *f = vty->arg;
	Kld__Envelope *rep = fwd_fetch_counters(f, false);
	const Kld__FwCounters *c = rep ? rep->fw_counters : NULL;
	json_object *o = json_object_new_object(), *zones = json_object_new_object();
	json_object *stats = json_object_new_object(), *src;

	if (!rep) {
		vty_out(vty, "%% zebra-lite does not answer\n");
		json_object_put(o);
		return CMD_WARNING;
	}
	for (size_t i = 0; i < c->n_stats && i < FW_ST_MAX; i++)
		json_object_object_add(stats, fwd_stat_names[i], json_object_new_int64((int64_t)c->stats[i]));
	for (const struct fwd_zone *z = f->zones; z; z = z->next) {
		json_object *zj = fwd_zone_json(z, c);

		json_object_object_add(zones, z->name,
				       json_object_get(json_object_object_get(zj, "rules")));
		json_object_put(zj);
	}
	src = fwd_sources_json(c);
	if (cmd_has(args, "json")) {
		json_object_object_add(o, "totals", stats);
		json_object_object_add(o, "zones", zones);
		json_object_object_add(o, "sources", src);
		vty_out(vty, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	} else {
		vty_out(vty, "Totals:");
		for (size_t i = 0; i < c->n_stats && i < FW_ST_MAX; i++)
			vty_out(vty, " %s %llu", fwd_stat_names[i], (unsigned long long)c->stats[i]);
		vty_out(vty, "\n");
		for (const struct fwd_zone *z = f->zones; z; z = z->next)
			fwd_zone_text(vty, z, c);
		vty_out(vty, "Sources (%zu):\n", json_object_array_length(src));
		for (size_t i = 0; i < json_object_array_length(src); i++) {
			json_object *s = json_object_array_get_idx(src, i);

			vty_out(vty, "  %-40s passed %lld dropped %lld\n",
				json_object_get_string(json_object_object_get(s, "source")),
				(long long)json_object_get_int64(json_object_object_get(s, "passPackets")),
				(long long)json_object_get_int64(json_object_object_get(s, "dropPackets")));
		}
		json_object_put(stats);
		json_object_put(zones);
		json_object_put(src);
	}
	json_object_put(o);
	kld_frame_free(rep);
	return CMD_SUCCESS;
}

static const char *fwd_proto_text(uint32_t p, char *buf, size_t size)
{
	if (p == 6)
		return "tcp";
	if (p == 17)
		return "udp";
	if (p == 1 || p == 58)
		return p == 1 ? "icmp" : "icmpv6";
	snprintf(buf, size, "proto %u", p);
	return buf;
}

/* The rule a counter id names, for the drop sample. */
static const char *fwd_rule_name(const struct fwd *f, uint32_t id, char *buf, size_t size)
{
	for (const struct fwd_zone *z = f->zones; z; z = z->next) {
		for (const struct fwd_rule *r = z->rules; r; r = r->next)
			if (r->id == id)
				return fwd_rule_text(r, buf, size);
		if (id == z->dflt_rule)
			snprintf(buf, size, "zone %s default", z->name);
		else if (id == z->rate_rule)
			snprintf(buf, size, "zone %s rate-limit", z->name);
		else
			continue;
		return buf;
	}
	snprintf(buf, size, "rule %u", id);
	return buf;
}

static int fwd_cmd_show_drops(struct vty *vty, const struct cmd_args *args)
{
	struct fwd *f = vty->arg;
	Kld__Envelope *rep = fwd_fetch_counters(f, false);
	json_object *a = json_object_new_array();
	char pb[KLD_PREFIX_STRLEN], rb[256], xb[32];

	if (!rep) {
		vty_out(vty, "%% zebra-lite does not answer\n");
		json_object_put(a);
		return CMD_WARNING;
	}
	if (!cmd_has(args, "json"))
		vty_out(vty, "%-10s %-40s %-8s %-6s %-12s %s\n", "Age (ms)", "Source", "Proto", "Port",
			"Interface", "Rule");
	for (size_t i = 0; i < rep->fw_counters->n_drops; i++) {
		const Kld__FwDrop *d = rep->fw_counters->drops[i];
		struct kld_prefix p;
		json_object *o;

		if (kld_prefix_set(&p, (uint8_t)d->source->family, d->source->addr.data,
				   (uint8_t)d->source->len) < 0)
			continue;
		kld_prefix_fmt(&p, pb, sizeof(pb));
		*strchr(pb, '/') = '\0';
		fwd_rule_name(f, d->rule, rb, sizeof(rb));
		if (!cmd_has(args, "json")) {
			vty_out(vty, "%-10llu %-40s %-8s %-6u %-12s %s\n", (unsigned long long)d->age_ms,
				pb, fwd_proto_text(d->proto, xb, sizeof(xb)), d->dport, d->ifname, rb);
			continue;
		}
		o = json_object_new_object();
		json_object_object_add(o, "ageMs", json_object_new_int64((int64_t)d->age_ms));
		json_object_object_add(o, "source", json_object_new_string(pb));
		json_object_object_add(o, "proto", json_object_new_string(fwd_proto_text(d->proto, xb, sizeof(xb))));
		json_object_object_add(o, "port", json_object_new_int64(d->dport));
		json_object_object_add(o, "interface", json_object_new_string(d->ifname));
		json_object_object_add(o, "rule", json_object_new_string(rb));
		json_object_array_add(a, o);
	}
	if (cmd_has(args, "json"))
		vty_out(vty, "%s\n", json_object_to_json_string_ext(a, JSON_C_TO_STRING_PRETTY));
	json_object_put(a);
	kld_frame_free(rep);
	return CMD_SUCCESS;
}

static int fwd_cmd_clear(struct vty *vty, const struct cmd_args *args)
{
	Kld__Envelope *rep = fwd_fetch_counters(vty->arg, true);

	if (!rep) {
		vty_out(vty, "%% zebra-lite does not answer\n");
		return CMD_WARNING;
	}
	kld_frame_free(rep);
	return CMD_SUCCESS;
}

static const struct cmd_def fwd_show_cmds[] = {
	{ "view", "show firewall [zone WORD$zone] [json]",
	  "Show\nFirewall zones, attachments and rule counters\nOne zone\nZone name\nJSON output\n",
	  fwd_cmd_show, NULL, 0 },
	{ "view", "show firewall counters [json]",
	  "Show\nFirewall\nPer-rule, per-source and total counters\nJSON output\n",
	  fwd_cmd_show_counters, NULL, 0 },
	{ "view", "show firewall drops [json]",
	  "Show\nFirewall\nThe newest dropped packets (a bounded sample, per CPU)\nJSON output\n",
	  fwd_cmd_show_drops, NULL, 0 },
	{ "view", "clear firewall counters", "Reset\nFirewall\nEvery counter and the drop sample\n",
	  fwd_cmd_clear, NULL, 0 },
};

void fwd_show_install(struct cmd_tree *tree)
{
	cmd_tree_add_all(tree, fwd_show_cmds, KLD_ARRAY_SIZE(fwd_show_cmds));
}
