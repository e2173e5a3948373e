/*
 * show bgp summary, show bgp ipv4 unicast [PREFIX], show ip prefix-list:
 * FRR 8.4's layout, and a json variant each built with json-c.
 *
 * The route table, text or json, is printed with vty_defer() in slices of
 * BGP_SHOW_SLICE destinations, resuming from the last prefix printed, so a
 * full table never holds the event loop long enough to delay a keepalive.
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "util.h"
#include "bgpd.h"

#define BGP_SHOW_SLICE 2000

static void bgp_uptime(uint64_t since_ms, char *buf, size_t size)
{
	uint64_t s = (kld_now_ms() - since_ms) / 1000;

	if (s < 86400)
		snprintf(buf, size, "%02u:%02u:%02u", (unsigned)(s / 3600), (unsigned)(s / 60 % 60),
			 (unsigned)(s % 60));
	else if (s < 7 * 86400)
		snprintf(buf, size, "%ud%02uh%02um", (unsigned)(s / 86400),
			 (unsigned)(s / 3600 % 24), (unsigned)(s / 60 % 60));
	else
		snprintf(buf, size, "%02uw%ud%02uh", (unsigned)(s / 604800),
			 (unsigned)(s / 86400 % 7), (unsigned)(s / 3600 % 24));
}

void bgp_show_updown(const struct bgp_peer *p, char *buf, size_t size)
{
	if (p->established_count || p->state == BGP_FSM_ESTABLISHED)
		bgp_uptime(p->uptime_ms, buf, size);
	else
		snprintf(buf, size, "never");
}

static const char *bgp_rid(const struct bgp *bgp, char *buf)
{
	return inet_ntop(AF_INET, &bgp->router_id, buf, INET_ADDRSTRLEN);
}

static void bgp_print_json(struct vty *vty, json_object *o)
{
	vty_out(vty, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

static struct bgp *bgp_show_instance(struct vty *vty, bool json)
{
	struct bgpd *bd = vty->arg;

	if (!bd->bgp)
		vty_out(vty, json ? "{}\n" : "No BGP process is configured\n");
	return bd->bgp;
}

/* ---- summary ---- */

static bool bgp_peer_policy_missing(const struct bgp_peer *p)
{
	return p->bgp->ebgp_requires_policy && bgp_peer_is_ebgp(p) &&
	       (!p->plist[BGP_AF_IPV4_UNICAST][0][0] || !p->plist[BGP_AF_IPV4_UNICAST][1][0]);
}

static const char *bgp_peer_state_name(const struct bgp_peer *p)
{
	if (p->shutdown)
		return "Idle (Admin)";
	return bgp_fsm_state_str(p->state);
}

/* FRR's TblVer: the table version the peer's Adj-RIB-Out is up to date
 * with. The decision process queues each change to every peer as it
 * counts it, so that is the table's version for a peer up in the family
 * (0 while down, or while a restart defers the selection). */
static uint64_t bgp_peer_tblver(const struct bgp_peer *p, enum bgp_af af)
{
	const struct bgpd *bd = p->bgp->bd;

	if (p->state != BGP_FSM_ESTABLISHED || !bgp_peer_af_up(p, af) || bgp_gr_holding(bd))
		return 0;
	return bd->table_version;
}

static void bgp_summary_peer_text(struct vty *vty, const struct bgp_peer *p, enum bgp_af af)
{
	char a[KLD_ADDR_STRLEN], up[32], st[32], snt[32];
	bool estab = p->state == BGP_FSM_ESTABLISHED;

	/* FRR marks a dynamic neighbor with a star before its address */
	snprintf(a, sizeof(a), "%s", p->dynamic ? "*" : "");
	kld_addr_fmt(&p->addr, a + strlen(a), sizeof(a) - strlen(a));
	bgp_show_updown(p, up, sizeof(up));
	if (estab && !bgp_peer_af_up(p, af)) {
		/* up, but not in this family: the OPENs did not both list it */
		snprintf(st, sizeof(st), "NoNeg");
		snprintf(snt, sizeof(snt), "NoNeg");
	} else if (estab && bgp_peer_policy_missing(p)) {
		snprintf(st, sizeof(st), "(Policy)");
		snprintf(snt, sizeof(snt), "(Policy)");
	} else if (estab) {
		snprintf(st, sizeof(st), "%u", p->pfx_rcvd[af]);
		snprintf(snt, sizeof(snt), "%u", bgp_peer_out(p)->pfx_sent[af]);
	} else {
		snprintf(st, sizeof(st), "%s", bgp_peer_state_name(p));
		snprintf(snt, sizeof(snt), "0");
	}
	vty_out(vty,
		"%-15s %1d %10u %9" PRIu64 " %9" PRIu64 " %8" PRIu64 " %4u %4u %8s %12s %8s %.20s\n",
		a, 4, p->remote_as, p->msg_in, p->msg_out, bgp_peer_tblver(p, af), 0u,
		(unsigned)(bgp_peer_outq_bytes(p) ? 1 : 0), up, st, snt,
		p->desc[0] ? p->desc : "N/A");
}

static size_t bgp_af_peers(const struct bgp *bgp, enum bgp_af af)
{
	size_t n = 0;

	for (const struct bgp_peer *p = bgp->peers; p; p = p->next)
		n += p->af_active[af];
	return n;
}

static void bgp_summary_text(struct vty *vty, struct bgpd *bd, enum bgp_af af)
{
	struct bgp *bgp = bd->bgp;
	char rid[INET_ADDRSTRLEN];
	size_t npeers = bgp_af_peers(bgp, af), nrib = kld_trie_count(bd->rib[af]);

	if (!npeers) {
		vty_out(vty, "%% No BGP neighbors found in VRF default\n");
		return;
	}
	vty_out(vty, "%s Summary (VRF default):\n",
		af == BGP_AF_IPV4_UNICAST ? "IPv4 Unicast" : "IPv6 Unicast");
	vty_out(vty, "BGP router identifier %s, local AS number %u vrf-id 0\n", bgp_rid(bgp, rid),
		bgp->asn);
	vty_out(vty, "BGP table version %" PRIu64 "\n", bd->table_version);
	vty_out(vty, "RIB entries %zu, using %zu bytes of memory\n", nrib,
		nrib * (sizeof(struct bgp_dest) + sizeof(struct bgp_path)));
	vty_out(vty, "Peers %zu, using %zu KiB of memory\n\n", npeers,
		(npeers * sizeof(struct bgp_peer) + 1023) / 1024);
	vty_out(vty, "Neighbor        V         AS   MsgRcvd   MsgSent   TblVer  InQ OutQ  Up/Down "
		     "State/PfxRcd   PfxSnt Desc\n");
	for (struct bgp_peer *p = bgp->peers; p; p = p->next)
		if (p->af_active[af])
			bgp_summary_peer_text(vty, p, af);
	vty_out(vty, "\nTotal number of neighbors %zu\n", npeers);
	if (bgp_dynamic_count(bgp))
		vty_out(vty, "* - dynamic neighbor\n%u dynamic neighbor(s), limit %u\n",
			bgp_dynamic_count(bgp), bgp_listen_limit(bgp));
}

static json_object *bgp_summary_peer_json(const struct bgp_peer *p, enum bgp_af af)
{
	json_object *o = json_object_new_object();
	char up[32];
	bool estab = p->state == BGP_FSM_ESTABLISHED;

	json_object_object_add(o, "remoteAs", json_object_new_int64(p->remote_as));
	json_object_object_add(o, "localAs", json_object_new_int64(p->bgp->asn));
	json_object_object_add(o, "version", json_object_new_int(4));
	json_object_object_add(o, "msgRcvd", json_object_new_int64((int64_t)p->msg_in));
	json_object_object_add(o, "msgSent", json_object_new_int64((int64_t)p->msg_out));
	json_object_object_add(o, "tableVersion",
			       json_object_new_int64((int64_t)bgp_peer_tblver(p, af)));
	json_object_object_add(o, "outq", json_object_new_int(bgp_peer_outq_bytes(p) ? 1 : 0));
	json_object_object_add(o, "inq", json_object_new_int(0));
	if (p->established_count || estab)
		bgp_uptime(p->uptime_ms, up, sizeof(up));
	else
		snprintf(up, sizeof(up), "never");
	json_object_object_add(o, "peerUptime", json_object_new_string(up));
	json_object_object_add(o, "peerUptimeMsec",
			       json_object_new_int64((int64_t)(kld_now_ms() - p->uptime_ms)));
	json_object_object_add(o, "pfxRcd", json_object_new_int64(p->pfx_rcvd[af]));
	json_object_object_add(o, "pfxSnt", json_object_new_int64(bgp_peer_out(p)->pfx_sent[af]));
	json_object_object_add(o, "state", json_object_new_string(bgp_peer_state_name(p)));
	json_object_object_add(o, "peerState",
			       json_object_new_string(p->shutdown ? "Admin" : bgp_peer_policy_missing(p)
									    ? "Policy" : "OK"));
	json_object_object_add(o, "connectionsEstablished",
			       json_object_new_int((int)p->established_count));
	json_object_object_add(o, "connectionsDropped", json_object_new_int((int)p->dropped_count));
	if (p->desc[0])
		json_object_object_add(o, "desc", json_object_new_string(p->desc));
	json_object_object_add(o, "idType", json_object_new_string(p->addr.family == AF_INET
									    ? "ipv4" : "ipv6"));
	if (p->dynamic)
		json_object_object_add(o, "dynamicPeer", json_object_new_boolean(true));
	return o;
}

static void bgp_summary_json(json_object *top, struct bgpd *bd, enum bgp_af fam)
{
	struct bgp *bgp = bd->bgp;
	json_object *af = json_object_new_object();
	json_object *peers = json_object_new_object();
	char rid[INET_ADDRSTRLEN], a[KLD_ADDR_STRLEN];
	int n = 0, failed = 0;

	for (struct bgp_peer *p = bgp->peers; p; p = p->next) {
		if (!p->af_active[fam])
			continue;
		json_object_object_add(peers, kld_addr_fmt(&p->addr, a, sizeof(a)),
				       bgp_summary_peer_json(p, fam));
		n++;
		/* FRR counts a session that is not up in the family, NoNeg too */
		failed += p->state != BGP_FSM_ESTABLISHED || !bgp_peer_af_up(p, fam);
	}
	json_object_object_add(af, "routerId", json_object_new_string(bgp_rid(bgp, rid)));
	json_object_object_add(af, "as", json_object_new_int64(bgp->asn));
	json_object_object_add(af, "vrfId", json_object_new_int(0));
	json_object_object_add(af, "vrfName", json_object_new_string("default"));
	json_object_object_add(af, "tableVersion", json_object_new_int64((int64_t)bd->table_version));
	json_object_object_add(af, "ribCount",
			       json_object_new_int64((int64_t)kld_trie_count(bd->rib[fam])));
	json_object_object_add(af, "peerCount", json_object_new_int(n));
	json_object_object_add(af, "peers", peers);
	json_object_object_add(af, "failedPeers", json_object_new_int(failed));
	json_object_object_add(af, "displayedPeers", json_object_new_int(n));
	json_object_object_add(af, "totalPeers", json_object_new_int(n));
	json_object_object_add(af, "dynamicPeers", json_object_new_int((int)bgp_dynamic_count(bgp)));
	json_object_object_add(af, "dynamicPeersLimit",
			       json_object_new_int((int)bgp_listen_limit(bgp)));
	json_object_object_add(top, fam == BGP_AF_IPV4_UNICAST ? "ipv4Unicast" : "ipv6Unicast", af);
}

/* No family given: IPv4, and IPv6 when a neighbor is active there. */
static int bgp_cmd_show_summary(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	bool json = cmd_has(args, "json");
	bool v6 = cmd_has(args, "ipv6"), v4 = !v6;
	json_object *top;

	if (!bgp_show_instance(vty, json))
		return CMD_SUCCESS;
	if (!v6 && !cmd_has(args, "ipv4"))
		v6 = bgp_af_peers(bd->bgp, BGP_AF_IPV6_UNICAST) > 0;
	if (!json) {
		if (v4)
			bgp_summary_text(vty, bd, BGP_AF_IPV4_UNICAST);
		if (v4 && v6)
			vty_out(vty, "\n");
		if (v6)
			bgp_summary_text(vty, bd, BGP_AF_IPV6_UNICAST);
		return CMD_SUCCESS;
	}
	top = json_object_new_object();
	if (v4)
		bgp_summary_json(top, bd, BGP_AF_IPV4_UNICAST);
	if (v6)
		bgp_summary_json(top, bd, BGP_AF_IPV6_UNICAST);
	bgp_print_json(vty, top);
	return CMD_SUCCESS;
}

/* ---- route table ---- */

static const char *bgp_nh_str(const struct bgp_attrs *a, char *buf)
{
	if (!a->nexthop.family)
		snprintf(buf, KLD_ADDR_STRLEN, "0.0.0.0");
	else
		kld_addr_fmt(&a->nexthop, buf, KLD_ADDR_STRLEN);
	return buf;
}

static void bgp_route_line(struct vty *vty, const struct bgp_dest *d, const struct bgp_path *p,
			   bool first)
{
	const struct bgp_attrs *a = p->attrs;
	char pfx[KLD_PREFIX_STRLEN], nh[KLD_ADDR_STRLEN], path[1024];
	bool ibgp = p->peer && !p->peer->ebgp;

	kld_prefix_fmt(&d->p, pfx, sizeof(pfx));
	vty_out(vty, "%c%c%c", p->stale ? 'S' : bgp_path_valid(p) ? '*' : ' ',
		p == d->best ? '>' : p->multipath ? '=' : ' ', ibgp ? 'i' : ' ');
	if (!first)
		vty_out(vty, "%-17s", "");
	else if (strlen(pfx) > 16)
		vty_out(vty, "%s\n%20s", pfx, "");
	else
		vty_out(vty, "%-17s", pfx);
	int len = (int)strlen(bgp_nh_str(a, nh));

	/* A long (IPv6) next hop pushes the columns to the next line. */
	if (len > 16)
		vty_out(vty, "%s\n%36s", nh, "");
	else
		vty_out(vty, "%-16s", bgp_nh_str(a, nh));
	if (a->present & BGP_ATTRF_MED)
		vty_out(vty, "%10u", a->med);
	else
		vty_out(vty, "%10s", "");
	if (a->present & BGP_ATTRF_LOCAL_PREF) /* ours or an iBGP peer's, as FRR */
		vty_out(vty, "%7u", a->local_pref);
	else
		vty_out(vty, "%7s", "");
	bgp_aspath_fmt(a->aspath, a->aspath_len, path, sizeof(path));
	vty_out(vty, "%7u %s%s%c\n", bgp_path_weight(p), path, path[0] ? " " : "",
		bgp_origin_char(a->origin));
}

struct bgp_table_walk {
	enum bgp_af af;
	struct kld_prefix last;
	bool started;
	size_t routes, paths;
};

static int bgp_table_row(const struct kld_prefix *pfx, void *value, void *arg)
{
	struct vty *vty = ((void **)arg)[0];
	struct bgp_table_walk *w = ((void **)arg)[1];
	const struct bgp_dest *d = value;
	bool first = true;

	(void)pfx;
	if (!d->paths)
		return 0;
	w->routes++;
	if (d->best) {
		bgp_route_line(vty, d, d->best, true);
		first = false;
		w->paths++;
	}
	for (const struct bgp_path *p = d->paths; p; p = p->next) {
		if (p == d->best)
			continue;
		bgp_route_line(vty, d, p, first);
		first = false;
		w->paths++;
	}
	return 0;
}

static bool bgp_table_more(struct vty *vty, void *state)
{
	struct bgpd *bd = vty->arg;
	struct bgp_table_walk *w = state;
	void *arg[2] = { vty, w };
	size_t n;

	if (!bd->bgp)
		return true;
	n = kld_trie_walk_from(bd->rib[w->af], w->started ? &w->last : NULL,
			       BGP_SHOW_SLICE, bgp_table_row, arg, &w->last);
	w->started = true;
	if (n == BGP_SHOW_SLICE)
		return false;
	if (w->routes)
		vty_out(vty, "\nDisplayed  %zu routes and %zu total paths\n", w->routes, w->paths);
	else
		vty_out(vty, "No BGP prefixes displayed, 0 exist\n");
	return true;
}

static void bgp_table_text(struct vty *vty, struct bgpd *bd, enum bgp_af af)
{
	struct bgp *bgp = bd->bgp;
	char rid[INET_ADDRSTRLEN];
	struct bgp_table_walk *w;

	if (!kld_trie_count(bd->rib[af])) {
		vty_out(vty, "No BGP prefixes displayed, 0 exist\n");
		return;
	}
	vty_out(vty, "BGP table version is %" PRIu64 ", local router ID is %s, vrf id 0\n",
		bd->table_version, bgp_rid(bgp, rid));
	vty_out(vty, "Default local pref 100, local AS %u\n", bgp->asn);
	vty_out(vty, "Status codes:  s suppressed, d damped, h history, * valid, > best, = "
		     "multipath,\n               i internal, r RIB-failure, S Stale, R Removed\n");
	vty_out(vty, "Nexthop codes: @NNN nexthop's vrf id, < announce-nh-self\n");
	vty_out(vty, "Origin codes:  i - IGP, e - EGP, ? - incomplete\n");
	vty_out(vty, "RPKI validation codes: V valid, I invalid, N Not found\n\n");
	vty_out(vty, "   Network          Next Hop            Metric LocPrf Weight Path\n");
	w = kld_xcalloc(1, sizeof(*w));
	w->af = af;
	if (bgp_table_more(vty, w))
		free(w);
	else
		vty_defer(vty, bgp_table_more, w, free);
}

static const char *bgp_id_str(uint32_t id, char *buf)
{
	struct in_addr in = { .s_addr = htonl(id) };

	return inet_ntop(AF_INET, &in, buf, INET_ADDRSTRLEN);
}

static bool bgp_path_from_client(const struct bgp_dest *d, const struct bgp_path *p)
{
	return p->peer && p->peer->rr_client[d->p.family == AF_INET ? BGP_AF_IPV4_UNICAST
								     : BGP_AF_IPV6_UNICAST];
}

/* RFC 4456 attributes as FRR shows them in a path's json. */
static void bgp_reflect_json(json_object *o, const struct bgp_dest *d, const struct bgp_path *p)
{
	const struct bgp_attrs *a = p->attrs;
	char id[INET_ADDRSTRLEN];

	if (bgp_path_from_client(d, p))
		json_object_object_add(o, "rxedFromRrClient", json_object_new_boolean(1));
	if (a->present & BGP_ATTRF_ORIGINATOR_ID)
		json_object_object_add(o, "originatorId",
				       json_object_new_string(bgp_id_str(a->originator_id, id)));
	if (a->ncluster) {
		json_object *cl = json_object_new_object(), *list = json_object_new_array();

		for (size_t i = 0; i < a->ncluster; i++)
			json_object_array_add(list, json_object_new_string(
							    bgp_id_str(a->cluster[i], id)));
		json_object_object_add(cl, "list", list);
		json_object_object_add(o, "clusterList", cl);
	}
}

/* The text forms, sized for the longest attribute (16383 communities). */
static char *bgp_comm_text(const struct bgp_attrs *a)
{
	size_t size = (size_t)a->ncomm * 32 + 1;
	char *t = kld_xmalloc(size);

	bgp_comm_fmt(a->comm, a->ncomm, t, size);
	return t;
}

static char *bgp_lcomm_text(const struct bgp_attrs *a)
{
	size_t size = (size_t)a->nlcomm * 36 + 1;
	char *t = kld_xmalloc(size);

	bgp_lcomm_fmt(a->lcomm, a->nlcomm, t, size);
	return t;
}

/* FRR's json names of the well-known communities; others are "AS:VAL". */
static const char *bgp_comm_json_name(uint32_t comm, char *buf, size_t size)
{
	static const struct {
		uint32_t value;
		const char *name;
	} names[] = {
		{ BGP_COMM_GSHUT, "gracefulShutdown" },
		{ BGP_COMM_ACCEPT_OWN, "acceptown" },
		{ BGP_COMM_RT_FILTER_TRANSLATED_V4, "routeFilterTranslatedV4" },
		{ BGP_COMM_RT_FILTER_V4, "routeFilterV4" },
		{ BGP_COMM_RT_FILTER_TRANSLATED_V6, "routeFilterTranslatedV6" },
		{ BGP_COMM_RT_FILTER_V6, "routeFilterV6" },
		{ BGP_COMM_LLGR_STALE, "llgrStale" },
		{ BGP_COMM_NO_LLGR, "noLlgr" },
		{ BGP_COMM_ACCEPT_OWN_NEXTHOP, "acceptownnexthop" },
		{ BGP_COMM_BLACKHOLE, "blackhole" },
		{ BGP_COMM_NO_EXPORT, "noExport" },
		{ BGP_COMM_NO_ADVERTISE, "noAdvertise" },
		{ BGP_COMM_NO_EXPORT_SUBCONFED, "localAs" },
		{ BGP_COMM_NO_PEER, "noPeer" },
	};

	for (size_t i = 0; i < KLD_ARRAY_SIZE(names); i++)
		if (names[i].value == comm)
			return names[i].name;
	snprintf(buf, size, "%u:%u", comm >> 16, comm & 0xFFFF);
	return buf;
}

/* FRR's {"string": the text form, "list": one member per value}. */
static json_object *bgp_comm_json(const struct bgp_attrs *a)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array();
	char *text = bgp_comm_text(a), one[16];

	for (size_t i = 0; i < a->ncomm; i++)
		json_object_array_add(list, json_object_new_string(
						    bgp_comm_json_name(a->comm[i], one, sizeof(one))));
	json_object_object_add(o, "string", json_object_new_string(text));
	json_object_object_add(o, "list", list);
	free(text);
	return o;
}

static json_object *bgp_lcomm_json(const struct bgp_attrs *a)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array();
	char *text = bgp_lcomm_text(a), one[40];

	for (size_t i = 0; i < a->nlcomm; i++) {
		bgp_lcomm_fmt(&a->lcomm[i], 1, one, sizeof(one));
		json_object_array_add(list, json_object_new_string(one));
	}
	json_object_object_add(o, "string", json_object_new_string(text));
	json_object_object_add(o, "list", list);
	free(text);
	return o;
}

/* FRR's multipath flag: a path installed with the best one, and the best
 * one itself only when it has such company (not a lone best path). */
static bool bgp_path_is_multipath(const struct bgp_dest *d, const struct bgp_path *p)
{
	if (p->multipath)
		return true;
	for (const struct bgp_path *q = d->paths; q && p == d->best; q = q->next)
		if (q->multipath)
			return true;
	return false;
}

/* Why the best path won, as FRR's selectionReason: the step that decided
 * against the strongest other candidate ("First path received" when it
 * has none). */
static const char *bgp_best_reason(const struct bgp *bgp, const struct bgp_dest *d)
{
	const struct bgp_path *second = NULL;

	for (const struct bgp_path *q = d->paths; q; q = q->next)
		if (q != d->best && bgp_path_valid(q) &&
		    (!second || bgp_path_cmp(bgp, q, second) < 0))
			second = q;
	return second ? bgp_path_cmp_reason(bgp, d->best, second) : "First path received";
}

static json_object *bgp_path_json(const struct bgp_dest *d, const struct bgp_path *p)
{
	const struct bgp_attrs *a = p->attrs;
	json_object *o = json_object_new_object(), *nhs = json_object_new_array();
	json_object *nho = json_object_new_object();
	char nh[KLD_ADDR_STRLEN], path[1024], pfx[KLD_PREFIX_STRLEN];

	if (p->stale)
		json_object_object_add(o, "stale", json_object_new_boolean(1));
	if (bgp_path_valid(p))
		json_object_object_add(o, "valid", json_object_new_boolean(1));
	if (p == d->best)
		json_object_object_add(o, "bestpath", json_object_new_boolean(1));
	if (bgp_path_is_multipath(d, p))
		json_object_object_add(o, "multipath", json_object_new_boolean(1));
	json_object_object_add(o, "pathFrom", json_object_new_string(
						      p->peer && !p->peer->ebgp ? "internal"
										: "external"));
	json_object_object_add(o, "prefix", json_object_new_string(
						    kld_prefix_fmt(&d->p, pfx, sizeof(pfx))));
	json_object_object_add(o, "prefixLen", json_object_new_int(d->p.len));
	json_object_object_add(o, "network", json_object_new_string(pfx));
	if (a->present & BGP_ATTRF_MED)
		json_object_object_add(o, "metric", json_object_new_int64(a->med));
	if ((a->present & BGP_ATTRF_LOCAL_PREF) || (p->peer && !p->peer->ebgp))
		json_object_object_add(o, "locPrf", json_object_new_int64(bgp_path_local_pref(p)));
	json_object_object_add(o, "weight", json_object_new_int64(bgp_path_weight(p)));
	bgp_aspath_fmt(a->aspath, a->aspath_len, path, sizeof(path));
	json_object_object_add(o, "path", json_object_new_string(path));
	json_object_object_add(o, "origin", json_object_new_string(bgp_origin_str(a->origin)));
	if (p->peer) {
		char pa[KLD_ADDR_STRLEN];

		json_object_object_add(o, "peerId", json_object_new_string(
							    kld_addr_fmt(&p->peer->addr, pa, sizeof(pa))));
	}
	bgp_reflect_json(o, d, p);
	json_object_object_add(nho, "ip", json_object_new_string(bgp_nh_str(a, nh)));
	json_object_object_add(nho, "afi", json_object_new_string(
						   d->p.family == AF_INET ? "ipv4" : "ipv6"));
	json_object_object_add(nho, "used", json_object_new_boolean(1));
	json_object_array_add(nhs, nho);
	json_object_object_add(o, "nexthops", nhs);
	return o;
}

/* The prefix view's paths: FRR's detail keys on top of the table's. */
static json_object *bgp_dest_detail_json(const struct bgp *bgp, const struct bgp_dest *d)
{
	json_object *arr = json_object_new_array();

	for (const struct bgp_path *p = d->paths; p; p = p->next) {
		json_object *o = bgp_path_json(d, p);

		if (p == d->best) {
			json_object *b = json_object_new_object();

			json_object_object_add(b, "overall", json_object_new_boolean(1));
			json_object_object_add(b, "selectionReason", json_object_new_string(
									 bgp_best_reason(bgp, d)));
			json_object_object_add(o, "bestpath", b); /* replaces the table's true */
		}

		if (p->attrs->ncomm)
			json_object_object_add(o, "community", bgp_comm_json(p->attrs));
		if (p->attrs->nlcomm)
			json_object_object_add(o, "largeCommunity", bgp_lcomm_json(p->attrs));
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *bgp_dest_json(const struct bgp_dest *d)
{
	json_object *arr = json_object_new_array();

	for (const struct bgp_path *p = d->paths; p; p = p->next)
		json_object_array_add(arr, bgp_path_json(d, p));
	return arr;
}

/* One "PREFIX": value member of a streamed json object (the index-th);
 * takes the value. */
static void bgp_json_member(struct vty *vty, size_t index, const struct kld_prefix *p,
			    json_object *value)
{
	char pfx[KLD_PREFIX_STRLEN];

	vty_out(vty, "%s\n    \"%s\": %s", index ? "," : "", kld_prefix_fmt(p, pfx, sizeof(pfx)),
		json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN));
	json_object_put(value);
}

/* The json table streams like the text one: the routes object is written
 * a destination at a time, each serialised by json-c, between a header and
 * a trailer written by hand. */
static int bgp_table_json_row(const struct kld_prefix *p, void *value, void *arg)
{
	struct vty *vty = ((void **)arg)[0];
	struct bgp_table_walk *w = ((void **)arg)[1];
	const struct bgp_dest *d = value;

	if (d->paths)
		bgp_json_member(vty, w->routes++, p, bgp_dest_json(d));
	return 0;
}

static bool bgp_table_json_more(struct vty *vty, void *state)
{
	struct bgpd *bd = vty->arg;
	struct bgp_table_walk *w = state;
	void *arg[2] = { vty, w };
	size_t n = 0;

	if (bd->bgp)
		n = kld_trie_walk_from(bd->rib[w->af], w->started ? &w->last : NULL,
				       BGP_SHOW_SLICE, bgp_table_json_row, arg, &w->last);
	w->started = true;
	if (n == BGP_SHOW_SLICE)
		return false;
	vty_out(vty, "\n  }\n}\n");
	return true;
}

static void bgp_table_json(struct vty *vty, struct bgpd *bd, enum bgp_af af)
{
	char rid[INET_ADDRSTRLEN];
	struct bgp_table_walk *w;

	vty_out(vty, "{\n  \"vrfId\": 0,\n  \"vrfName\": \"default\",\n  \"tableVersion\": %" PRIu64
		     ",\n  \"routerId\": \"%s\",\n  \"defaultLocPrf\": 100,\n  \"localAS\": %u,\n"
		     "  \"routes\": {",
		bd->table_version, bgp_rid(bd->bgp, rid), bd->bgp->asn);
	w = kld_xcalloc(1, sizeof(*w));
	w->af = af;
	if (bgp_table_json_more(vty, w))
		free(w);
	else
		vty_defer(vty, bgp_table_json_more, w, free);
}

/* ---- one prefix ---- */

/* FRR's words after the next hop: why it cannot be used, or its cost. */
static const char *bgp_nh_note(const struct bgp_path *p, char *buf)
{
	uint32_t metric = bgp_path_igp_metric(p);

	if (!bgp_path_valid(p))
		return " (inaccessible)";
	if (!metric)
		return "";
	snprintf(buf, 32, " (metric %u)", metric);
	return buf;
}

/* FRR's line: "Originator: A, Cluster list: B C " (each part when present). */
static void bgp_reflect_text(struct vty *vty, const struct bgp_attrs *a)
{
	char id[INET_ADDRSTRLEN];

	if (!(a->present & BGP_ATTRF_ORIGINATOR_ID) && !a->ncluster)
		return;
	vty_out(vty, "      ");
	if (a->present & BGP_ATTRF_ORIGINATOR_ID)
		vty_out(vty, "Originator: %s", bgp_id_str(a->originator_id, id));
	if (a->ncluster) {
		vty_out(vty, ", Cluster list: ");
		for (size_t i = 0; i < a->ncluster; i++)
			vty_out(vty, "%s ", bgp_id_str(a->cluster[i], id));
	}
	vty_out(vty, "\n");
}

/* FRR's lines, in FRR's order. */
static void bgp_comm_lines(struct vty *vty, const struct bgp_attrs *a)
{
	char *t;

	if (a->ncomm) {
		t = bgp_comm_text(a);
		vty_out(vty, "      Community: %s\n", t);
		free(t);
	}
	if (a->nlcomm) {
		t = bgp_lcomm_text(a);
		vty_out(vty, "      Large Community: %s\n", t);
		free(t);
	}
}

static void bgp_prefix_path_text(struct vty *vty, const struct bgp_dest *d,
				 const struct bgp_path *p)
{
	const struct bgp_attrs *a = p->attrs;
	char path[1024], nh[KLD_ADDR_STRLEN], pa[KLD_ADDR_STRLEN], rid[INET_ADDRSTRLEN];
	char note[32];
	struct in_addr id;

	bgp_aspath_fmt(a->aspath, a->aspath_len, path, sizeof(path));
	vty_out(vty, "  %s%s\n", path[0] ? path : "Local",
		bgp_path_from_client(d, p) ? ", (Received from a RR-client)" : "");
	if (p->peer) {
		/* a reflected path names its originator, as FRR */
		id.s_addr = htonl((a->present & BGP_ATTRF_ORIGINATOR_ID) ? a->originator_id
									  : p->peer->ropen.bgp_id);
		vty_out(vty, "    %s%s from %s (%s)\n", bgp_nh_str(a, nh), bgp_nh_note(p, note),
			kld_addr_fmt(&p->peer->addr, pa, sizeof(pa)),
			inet_ntop(AF_INET, &id, rid, sizeof(rid)));
	} else {
		vty_out(vty, "    0.0.0.0 from 0.0.0.0 (%s)\n",
			inet_ntop(AF_INET, &((struct bgpd *)vty->arg)->bgp->router_id, rid,
				  sizeof(rid)));
	}
	vty_out(vty, "      Origin %s", bgp_origin_str(a->origin));
	if (a->present & BGP_ATTRF_MED)
		vty_out(vty, ", metric %u", a->med);
	if ((a->present & BGP_ATTRF_LOCAL_PREF) || (p->peer && !p->peer->ebgp))
		vty_out(vty, ", localpref %u", bgp_path_local_pref(p));
	if (!p->peer)
		vty_out(vty, ", weight %u, valid, sourced, local", BGP_WEIGHT_LOCAL);
	else
		vty_out(vty, "%s, %s", bgp_path_valid(p) ? ", valid" : "",
			p->peer->ebgp ? "external" : "internal");
	vty_out(vty, "%s%s", p->stale ? ", stale" : "",
		bgp_path_is_multipath(d, p) ? ", multipath" : "");
	if (p == d->best)
		vty_out(vty, ", best (%s)", bgp_best_reason(((struct bgpd *)vty->arg)->bgp, d));
	vty_out(vty, "\n");
	bgp_comm_lines(vty, a);
	bgp_reflect_text(vty, a);
	time_t t = time(NULL) - (time_t)(bgp_now_s() - p->since);
	char tb[64];

	vty_out(vty, "      Last update: %s", ctime_r(&t, tb));
}

static void bgp_prefix_text(struct vty *vty, struct bgpd *bd, const struct bgp_dest *d)
{
	char pfx[KLD_PREFIX_STRLEN], a[KLD_ADDR_STRLEN];
	size_t n = 0, best = 0;
	bool any = false;

	for (const struct bgp_path *p = d->paths; p; p = p->next) {
		n++;
		if (p == d->best)
			best = n;
	}
	vty_out(vty, "BGP routing table entry for %s, version %" PRIu64 "\n",
		kld_prefix_fmt(&d->p, pfx, sizeof(pfx)), bd->table_version);
	vty_out(vty, "Paths: (%zu available", n);
	if (best)
		vty_out(vty, ", best #%zu", best);
	vty_out(vty, ", table default)\n");
	for (struct bgp_peer *p = bd->bgp->peers; p; p = p->next) {
		if (!bgp_adj_get(bgp_peer_out(p)->adj_out[d->p.family == AF_INET ? BGP_AF_IPV4_UNICAST
								   : BGP_AF_IPV6_UNICAST],
				 &d->p))
			continue;
		if (!any)
			vty_out(vty, "  Advertised to non peer-group peers:\n ");
		any = true;
		vty_out(vty, " %s", kld_addr_fmt(&p->addr, a, sizeof(a)));
	}
	vty_out(vty, any ? "\n" : "  Not advertised to any peer\n");
	for (const struct bgp_path *p = d->paths; p; p = p->next)
		bgp_prefix_path_text(vty, d, p);
}

static int bgp_cmd_show_table(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	bool json = cmd_has(args, "json");
	const char *what = cmd_arg(args, "addr");
	enum bgp_af af = cmd_has(args, "ipv6") ? BGP_AF_IPV6_UNICAST : BGP_AF_IPV4_UNICAST;
	struct kld_prefix p;
	struct kld_addr a;
	struct bgp_dest *d;

	if (!bgp_show_instance(vty, json))
		return CMD_SUCCESS;
	if (!what) {
		if (json)
			bgp_table_json(vty, bd, af);
		else
			bgp_table_text(vty, bd, af);
		return CMD_SUCCESS;
	}
	if (kld_prefix_parse(what, &p, false) < 0)
		return CMD_WARNING;
	kld_addr_from_prefix(&a, &p);
	if (strchr(what, '/'))
		d = kld_trie_lookup(bd->rib[af], &p);
	else
		d = kld_trie_match(bd->rib[af], &a, NULL);
	if (!d || !d->paths) {
		vty_out(vty, json ? "{}\n" : "%% Network not in table\n");
		return json ? CMD_SUCCESS : CMD_WARNING;
	}
	if (json) {
		json_object *o = json_object_new_object();
		char pfx[KLD_PREFIX_STRLEN];

		json_object_object_add(o, "prefix", json_object_new_string(
							    kld_prefix_fmt(&d->p, pfx, sizeof(pfx))));
		json_object_object_add(o, "paths", bgp_dest_detail_json(bd->bgp, d));
		bgp_print_json(vty, o);
	} else {
		bgp_prefix_text(vty, bd, d);
	}
	return CMD_SUCCESS;
}

/* ---- neighbors ---- */

static void bgp_neighbor_af_text(struct vty *vty, const struct bgp_peer *p, enum bgp_af af)
{
	const char *in = p->plist[af][0], *out = p->plist[af][1];
	uint8_t fam = bgp_af_family(af);

	vty_out(vty, "\n For address family: %s\n", af ? "IPv6 Unicast" : "IPv4 Unicast");
	/* FRR's line; a family the session does not carry is in no group */
	if (p->ug && bgp_peer_af_up(p, af))
		vty_out(vty, "  Update group %u, subgroup %u\n", p->ug->id, p->ug->id);
	else
		vty_out(vty, "  Not part of any update group\n");
	if (p->rr_client[af])
		vty_out(vty, "  Route-Reflector Client\n");
	if (p->soft_in[af])
		vty_out(vty, "  Inbound soft reconfiguration allowed\n");
	if (in[0])
		vty_out(vty, "  Incoming update prefix filter list is %s%s\n",
			bgp_plist_find(p->bgp->bd, in, fam) ? "" : "*", in);
	if (out[0])
		vty_out(vty, "  Outgoing update prefix filter list is %s%s\n",
			bgp_plist_find(p->bgp->bd, out, fam) ? "" : "*", out);
	if (p->rmap[af][0][0])
		vty_out(vty, "  Route map for incoming advertisements is %s\n", p->rmap[af][0]);
	if (p->rmap[af][1][0])
		vty_out(vty, "  Route map for outgoing advertisements is %s\n", p->rmap[af][1]);
	if (p->nh_self[af])
		vty_out(vty, "  NEXT_HOP is always this router%s\n",
			p->nh_self[af] == BGP_NH_SELF_FORCE ? ", reflected routes too (force)" : "");
	vty_out(vty, "  %u accepted prefixes\n", p->pfx_rcvd[af]);
	if (p->max_prefix[af])
		vty_out(vty, "  Maximum prefixes allowed %u\n", p->max_prefix[af]);
}

/* The multiprotocol capability (RFC 4760) for af in an OPEN. */
static bool bgp_caps_mp(const struct bgp_caps *c, enum bgp_af af)
{
	return (c->present & BGP_CAPF_MP) && (c->mp_mask & BGP_AF_BIT(af));
}

/* The families of both OPENs as FRR lists them: "advertised" (ours),
 * "received" (the peer's), both when the session carries the family. */
static bool bgp_caps_evpn(const struct bgp_caps *c)
{
	return (c->present & BGP_CAPF_MP) && (c->mp_mask & BGP_EVPN_BIT);
}

static void bgp_neighbor_mp_line(struct vty *vty, const char *family, bool adv, bool rcv)
{
	if (!adv && !rcv)
		return;
	vty_out(vty, "    Address Family %s:", family);
	if (adv)
		vty_out(vty, " advertised");
	if (rcv)
		vty_out(vty, " %sreceived", adv ? "and " : "");
	vty_out(vty, "\n");
}

static void bgp_neighbor_mp_text(struct vty *vty, const struct bgp_peer *p)
{
	for (int af = 0; af < BGP_AF_MAX; af++) {
		bool adv = bgp_caps_mp(&p->lopen.caps, (enum bgp_af)af);
		bool rcv = bgp_caps_mp(&p->ropen.caps, (enum bgp_af)af);

		bgp_neighbor_mp_line(vty, af ? "IPv6 Unicast" : "IPv4 Unicast", adv, rcv);
	}
	bgp_neighbor_mp_line(vty, "L2VPN EVPN", bgp_caps_evpn(&p->lopen.caps),
			     bgp_caps_evpn(&p->ropen.caps));
}

/* FRR's words for a capability in json: advertisedAndReceived, ... */
static const char *bgp_cap_word(bool adv, bool rcv)
{
	if (adv && rcv)
		return "advertisedAndReceived";
	return adv ? "advertised" : rcv ? "received" : NULL;
}

static json_object *bgp_neighbor_caps_json(const struct bgp_peer *p)
{
	json_object *o = json_object_new_object(), *mp = json_object_new_object();
	const struct bgp_caps *l = &p->lopen.caps, *r = &p->ropen.caps;
	const char *w = bgp_cap_word(l->present & BGP_CAPF_AS4, r->present & BGP_CAPF_AS4);

	if (w)
		json_object_object_add(o, "4byteAs", json_object_new_string(w));
	json_object_object_add(o, "routeRefresh",
			       json_object_new_string(p->neg.route_refresh
							  ? "advertisedAndReceivedNew"
							  : "advertised"));
	for (int af = 0; af < BGP_AF_MAX; af++) {
		json_object *f;

		w = bgp_cap_word(bgp_caps_mp(l, (enum bgp_af)af), bgp_caps_mp(r, (enum bgp_af)af));
		if (!w)
			continue;
		f = json_object_new_object();
		json_object_object_add(f, w, json_object_new_boolean(1));
		json_object_object_add(mp, af ? "ipv6Unicast" : "ipv4Unicast", f);
	}
	json_object_object_add(o, "multiprotocolExtensions", mp);
	return o;
}

/* What FRR shows as "may be up to N hops away": the GTSM radius, else
 * the TTL we send with. */
static unsigned bgp_peer_max_hops(const struct bgp_peer *p)
{
	if (p->gtsm_hops)
		return p->gtsm_hops;
	if (!bgp_peer_is_ebgp(p))
		return 255;
	return p->multihop ? p->multihop : 1;
}

/* FRR's lines for a group member, and for a dynamic one its range. */
static void bgp_neighbor_dynamic_text(struct vty *vty, const struct bgp_peer *p)
{
	char pfx[KLD_PREFIX_STRLEN];

	if (p->group[0])
		vty_out(vty, " Member of peer-group %s for session parameters\n", p->group);
	if (p->dynamic && bgp_dynamic_range(p))
		vty_out(vty, "  Dynamic peer, belongs to the listen range %s\n",
			kld_prefix_fmt(bgp_dynamic_range(p), pfx, sizeof(pfx)));
}

static void bgp_neighbor_text(struct vty *vty, const struct bgp_peer *p)
{
	const struct bgp *bgp = p->bgp;
	char a[KLD_ADDR_STRLEN], rid[INET_ADDRSTRLEN], lrid[INET_ADDRSTRLEN], up[32];
	struct in_addr id = { .s_addr = htonl(p->ropen.bgp_id) };
	bool estab = p->state == BGP_FSM_ESTABLISHED;

	vty_out(vty, "BGP neighbor is %s%s, remote AS %u, local AS %u, %s link\n",
		p->dynamic ? "*" : "", kld_addr_fmt(&p->addr, a, sizeof(a)), p->remote_as,
		bgp->asn, bgp_peer_is_ebgp(p) ? "external" : "internal");
	bgp_neighbor_dynamic_text(vty, p);
	vty_out(vty, "  BGP version 4, remote router ID %s, local router ID %s\n",
		inet_ntop(AF_INET, &id, rid, sizeof(rid)), bgp_rid(bgp, lrid));
	bgp_uptime(p->uptime_ms, up, sizeof(up));
	vty_out(vty, "  BGP state = %s", bgp_peer_state_name(p));
	if (estab)
		vty_out(vty, ", up for %s", up);
	vty_out(vty, "\n");
	if (estab)
		vty_out(vty, "  Hold time is %u, keepalive interval is %u seconds\n",
			p->neg.hold_time, p->neg.keepalive);
	vty_out(vty, "  Configured hold time is %u, keepalive interval is %u seconds\n",
		bgp_peer_hold_cfg(p), bgp_peer_ka_cfg(p));
	if (estab) {
		vty_out(vty, "  Neighbor capabilities:\n");
		vty_out(vty, "    4 Byte AS: advertised%s\n", p->neg.as4 ? " and received" : "");
		vty_out(vty, "    Route refresh: advertised%s\n",
			p->neg.route_refresh ? " and received(new)" : "");
		bgp_neighbor_mp_text(vty, p);
		bgp_gr_show_caps(vty, p);
	}
	bgp_gr_show_neighbor(vty, p);
	vty_out(vty, "  Message statistics:\n");
	vty_out(vty, "                         Sent       Rcvd\n");
	vty_out(vty, "    Updates:       %10" PRIu64 " %10" PRIu64 "\n", p->upd_out, p->upd_in);
	vty_out(vty, "    Route Refresh: %10" PRIu64 " %10" PRIu64 "\n", p->refresh_out,
		p->refresh_in);
	vty_out(vty, "    Total:         %10" PRIu64 " %10" PRIu64 "\n", p->msg_out, p->msg_in);
	for (int af = 0; af < BGP_AF_MAX; af++)
		if (p->af_active[af])
			bgp_neighbor_af_text(vty, p, (enum bgp_af)af);
	if (p->evpn_active) {
		vty_out(vty, "\n For address family: L2VPN EVPN\n");
		if (p->evpn_rr_client)
			vty_out(vty, "  Route-Reflector Client\n");
		vty_out(vty, "  %u accepted prefixes\n", p->evpn_pfx_rcvd);
	}
	vty_out(vty, "\n  Connections established %u; dropped %u\n", p->established_count,
		p->dropped_count);
	vty_out(vty, "  Last reset %s\n", p->last_reset[0] ? p->last_reset : "never");
	if (p->shutdown_msg[0])
		vty_out(vty, "    Message: \"%s\"\n", p->shutdown_msg);
	vty_out(vty, "  %s BGP neighbor may be up to %u hops away.\n",
		bgp_peer_is_ebgp(p) ? "External" : "Internal", bgp_peer_max_hops(p));
	if (p->update_source.family)
		vty_out(vty, "  Update source is %s\n", kld_addr_fmt(&p->update_source, a, sizeof(a)));
	if (p->password[0]) /* that one is set, never what it is */
		vty_out(vty, "  Peer Authentication Enabled\n");
	if (estab && p->local.family)
		vty_out(vty, "Local host: %s\n", kld_addr_fmt(&p->local, a, sizeof(a)));
	vty_out(vty, "\n");
}

static json_object *bgp_msg_stats_json(const struct bgp_peer *p)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "updatesSent", json_object_new_int64((int64_t)p->upd_out));
	json_object_object_add(o, "updatesRecv", json_object_new_int64((int64_t)p->upd_in));
	json_object_object_add(o, "routeRefreshSent",
			       json_object_new_int64((int64_t)p->refresh_out));
	json_object_object_add(o, "routeRefreshRecv", json_object_new_int64((int64_t)p->refresh_in));
	json_object_object_add(o, "totalSent", json_object_new_int64((int64_t)p->msg_out));
	json_object_object_add(o, "totalRecv", json_object_new_int64((int64_t)p->msg_in));
	return o;
}

static json_object *bgp_neighbor_af_json(const struct bgp_peer *p)
{
	json_object *o = json_object_new_object();

	for (int af = 0; af < BGP_AF_MAX; af++) {
		json_object *f;

		if (!p->af_active[af])
			continue;
		f = json_object_new_object();
		if (p->rr_client[af])
			json_object_object_add(f, "routeReflectorClient", json_object_new_boolean(1));
		if (p->soft_in[af])
			json_object_object_add(f, "inboundSoftConfigPermit",
					       json_object_new_boolean(1));
		if (p->ug && bgp_peer_af_up(p, (enum bgp_af)af)) {
			json_object_object_add(f, "updateGroupId",
					       json_object_new_int64(p->ug->id));
			json_object_object_add(f, "subGroupId", json_object_new_int64(p->ug->id));
		}
		json_object_object_add(f, "acceptedPrefixCounter",
				       json_object_new_int64(p->pfx_rcvd[af]));
		if (p->state == BGP_FSM_ESTABLISHED && bgp_peer_af_up(p, (enum bgp_af)af))
			json_object_object_add(
			    f, "sentPrefixCounter",
			    json_object_new_int64(bgp_peer_out(p)->pfx_sent[af]));
		json_object_object_add(o, af ? "ipv6Unicast" : "ipv4Unicast", f);
	}
	if (p->evpn_active) {
		json_object *f = json_object_new_object();

		if (p->evpn_rr_client)
			json_object_object_add(f, "routeReflectorClient", json_object_new_boolean(1));
		json_object_object_add(f, "acceptedPrefixCounter",
				       json_object_new_int64(p->evpn_pfx_rcvd));
		json_object_object_add(o, "l2VpnEvpn", f);
	}
	return o;
}

static json_object *bgp_neighbor_json(const struct bgp_peer *p)
{
	json_object *o = bgp_summary_peer_json(p, BGP_AF_IPV4_UNICAST);
	char rid[INET_ADDRSTRLEN];
	struct in_addr id = { .s_addr = htonl(p->ropen.bgp_id) };

	json_object_object_add(o, "nbrExternalLink", json_object_new_boolean(bgp_peer_is_ebgp(p)));
	if (p->group[0])
		json_object_object_add(o, "peerGroupMember", json_object_new_string(p->group));
	if (p->dynamic && bgp_dynamic_range(p)) {
		char pfx[KLD_PREFIX_STRLEN];

		json_object_object_add(o, "peerSubnetRangeGroup",
				       json_object_new_string(kld_prefix_fmt(bgp_dynamic_range(p),
									     pfx, sizeof(pfx))));
	}
	json_object_object_add(o, "remoteRouterId", json_object_new_string(
						    inet_ntop(AF_INET, &id, rid, sizeof(rid))));
	json_object_object_add(o, "bgpState", json_object_new_string(bgp_peer_state_name(p)));
	json_object_object_add(o, "bgpTimerHoldTimeMsecs",
			       json_object_new_int64(p->neg.hold_time * 1000ll));
	json_object_object_add(o, "bgpTimerKeepAliveIntervalMsecs",
			       json_object_new_int64(p->neg.keepalive * 1000ll));
	json_object_object_add(o, "bgpTimerConfiguredHoldTimeMsecs",
			       json_object_new_int64(bgp_peer_hold_cfg(p) * 1000ll));
	json_object_object_add(o, "lastResetDueTo", json_object_new_string(
						       p->last_reset[0] ? p->last_reset : "never"));
	if (p->shutdown_msg[0])
		json_object_object_add(o, "lastShutdownDescription",
				       json_object_new_string(p->shutdown_msg));
	json_object_object_add(o, "passive", json_object_new_boolean(p->passive));
	json_object_object_add(o, bgp_peer_is_ebgp(p) ? "externalBgpNbrMaxHopsAway"
						       : "internalBgpNbrMaxHopsAway",
			       json_object_new_int((int)bgp_peer_max_hops(p)));
	if (p->state == BGP_FSM_ESTABLISHED)
		json_object_object_add(o, "neighborCapabilities", bgp_neighbor_caps_json(p));
	json_object_object_add(o, "messageStats", bgp_msg_stats_json(p));
	json_object_object_add(o, "addressFamilyInfo", bgp_neighbor_af_json(p));
	json_object_object_add(o, "gracefulRestartInfo", bgp_gr_neighbor_json(p));
	return o;
}

static int bgp_cmd_show_neighbors(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	bool json = cmd_has(args, "json");
	const char *who = cmd_arg(args, "peer");
	json_object *top = NULL;
	struct kld_addr a;
	char name[KLD_ADDR_STRLEN];

	if (!bgp_show_instance(vty, json))
		return CMD_SUCCESS;
	if (who && kld_addr_parse(who, &a) < 0)
		return CMD_WARNING;
	if (json)
		top = json_object_new_object();
	for (const struct bgp_peer *p = bd->bgp->peers; p; p = p->next) {
		if (who && !kld_addr_eq(&p->addr, &a))
			continue;
		if (json)
			json_object_object_add(top, kld_addr_fmt(&p->addr, name, sizeof(name)),
					       bgp_neighbor_json(p));
		else
			bgp_neighbor_text(vty, p);
	}
	if (json)
		bgp_print_json(vty, top);
	return CMD_SUCCESS;
}

/* ---- one neighbor's routes ---- */

/* advertised-routes and routes stream like the table; the peer is looked
 * up again for every slice, since it may be deleted in between. */
struct bgp_nbr_walk {
	struct kld_addr peer;
	enum bgp_af af;
	bool advertised, json, started;
	struct kld_prefix last;
	size_t n;
};

static void bgp_nbr_row_out(struct vty *vty, struct bgp_nbr_walk *w, const struct bgp_dest *view,
			    const struct bgp_path *shown)
{
	if (w->json)
		bgp_json_member(vty, w->n, &view->p, bgp_path_json(view, shown));
	else
		bgp_route_line(vty, view, shown, true);
	w->n++;
}

static int bgp_nbr_route(const struct kld_prefix *pfx, void *value, void *arg)
{
	struct vty *vty = ((void **)arg)[0];
	struct bgp_nbr_walk *w = ((void **)arg)[1];
	const struct bgp_peer *peer = ((void **)arg)[2];
	const struct bgp_dest *d = value;

	for (const struct bgp_path *p = d->paths; p; p = p->next) {
		struct bgp_path shown = *p;

		if (w->advertised) {
			if (p != d->best || !(shown.attrs = bgp_adj_get(bgp_peer_out(peer)->adj_out[w->af], pfx)))
				continue;
		} else if (p->peer != peer) {
			continue;
		}
		struct bgp_dest view = *d;

		/* the advertised copy is shown as the best, as it is */
		view.best = p == d->best ? &shown : NULL;
		bgp_nbr_row_out(vty, w, &view, &shown);
	}
	return 0;
}

static bool bgp_nbr_more(struct vty *vty, void *state)
{
	struct bgpd *bd = vty->arg;
	struct bgp_nbr_walk *w = state;
	struct bgp_peer *peer = bd->bgp ? bgp_peer_find(bd->bgp, &w->peer) : NULL;
	void *arg[3] = { vty, w, peer };

	if (peer && kld_trie_walk_from(bd->rib[w->af], w->started ? &w->last : NULL, BGP_SHOW_SLICE,
				       bgp_nbr_route, arg, &w->last) == BGP_SHOW_SLICE) {
		w->started = true;
		return false;
	}
	if (w->json)
		vty_out(vty, "\n  },\n  \"totalPrefixCounter\": %zu\n}\n", w->n);
	else
		vty_out(vty, "\nTotal number of prefixes %zu\n", w->n);
	return true;
}

static void bgp_nbr_routes_header(struct vty *vty, struct bgpd *bd)
{
	char rid[INET_ADDRSTRLEN];

	vty_out(vty, "BGP table version is %" PRIu64 ", local router ID is %s, vrf id 0\n",
		bd->table_version, bgp_rid(bd->bgp, rid));
	vty_out(vty, "Default local pref 100, local AS %u\n", bd->bgp->asn);
	vty_out(vty, "Status codes:  s suppressed, d damped, h history, * valid, > best, = "
		     "multipath,\n               i internal, r RIB-failure, S Stale, R Removed\n");
	vty_out(vty, "Origin codes:  i - IGP, e - EGP, ? - incomplete\n\n");
	vty_out(vty, "   Network          Next Hop            Metric LocPrf Weight Path\n");
}

/* received-routes: the soft-reconfiguration copy, in prefix order (the
 * IPv4 table is a hash). */
struct bgp_rcvd {
	struct kld_prefix p;
	const struct bgp_attrs *a;
};

struct bgp_rcvd_walk {
	struct bgp_rcvd *v;
	size_t n, cap;
};

static void bgp_rcvd_collect(const struct kld_prefix *p, const struct bgp_attrs *a, void *arg)
{
	struct bgp_rcvd_walk *w = arg;

	if (w->n == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 256;
		w->v = kld_xrealloc(w->v, w->cap * sizeof(*w->v));
	}
	w->v[w->n].p = *p;
	w->v[w->n++].a = a;
}

static int bgp_rcvd_cmp(const void *a, const void *b)
{
	return kld_prefix_cmp(&((const struct bgp_rcvd *)a)->p, &((const struct bgp_rcvd *)b)->p);
}

/* Did inbound policy keep the peer's route for p? */
static bool bgp_rcvd_accepted(struct bgpd *bd, const struct bgp_peer *peer,
			      const struct kld_prefix *p)
{
	const struct bgp_dest *d = bgp_rib_lookup(bd, p);

	for (const struct bgp_path *q = d ? d->paths : NULL; q; q = q->next)
		if (q->peer == peer)
			return true;
	return false;
}

static int bgp_show_received(struct vty *vty, const struct bgp_peer *peer, enum bgp_af af,
			     bool json)
{
	struct bgpd *bd = vty->arg;
	struct bgp_rcvd_walk w = { 0 };
	json_object *top = NULL, *routes = NULL;
	char buf[KLD_PREFIX_STRLEN];
	size_t filtered = 0;

	if (!peer->adj_in[af] && json) { /* FRR's json form of the error */
		vty_out(vty, "{ \"warning\": \"Inbound soft reconfiguration not enabled\" }\n");
		return CMD_SUCCESS;
	}
	if (!peer->adj_in[af]) {
		vty_out(vty, "%% Inbound soft reconfiguration not enabled\n");
		return CMD_WARNING;
	}
	bgp_adj_walk(peer->adj_in[af], bgp_rcvd_collect, &w);
	qsort(w.v, w.n, sizeof(*w.v), bgp_rcvd_cmp);
	if (json) {
		top = json_object_new_object();
		routes = json_object_new_object();
	} else {
		bgp_nbr_routes_header(vty, bd);
	}
	for (size_t i = 0; i < w.n; i++) {
		struct bgp_path shown = { .peer = (struct bgp_peer *)peer, .attrs = w.v[i].a };
		struct bgp_dest view = { .p = w.v[i].p, .best = &shown, .paths = &shown };

		filtered += !bgp_rcvd_accepted(bd, peer, &view.p);
		if (json)
			json_object_object_add(routes, kld_prefix_fmt(&view.p, buf, sizeof(buf)),
					       bgp_path_json(&view, &shown));
		else
			bgp_route_line(vty, &view, &shown, true);
	}
	free(w.v);
	if (!json) {
		vty_out(vty, "\nTotal number of prefixes %zu\n", w.n);
		return CMD_SUCCESS;
	}
	json_object_object_add(top, "receivedRoutes", routes);
	json_object_object_add(top, "totalPrefixCounter", json_object_new_int64((int64_t)w.n));
	json_object_object_add(top, "filteredPrefixCounter", json_object_new_int64((int64_t)filtered));
	bgp_print_json(vty, top);
	return CMD_SUCCESS;
}

static int bgp_cmd_show_nbr_routes(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	bool json = cmd_has(args, "json");
	enum bgp_af af = cmd_has(args, "ipv6") ? BGP_AF_IPV6_UNICAST : BGP_AF_IPV4_UNICAST;
	struct bgp_nbr_walk *w;
	struct bgp_peer *peer;
	struct kld_addr a;

	if (!bgp_show_instance(vty, json))
		return CMD_SUCCESS;
	if (kld_addr_parse(cmd_arg(args, "peer"), &a) < 0 || !(peer = bgp_peer_find(bd->bgp, &a))) {
		vty_out(vty, "%% No such neighbor or address family\n");
		return CMD_WARNING;
	}
	if (cmd_has(args, "received-routes"))
		return bgp_show_received(vty, peer, af, json);
	w = kld_xcalloc(1, sizeof(*w));
	w->peer = a;
	w->af = af;
	w->json = json;
	w->advertised = cmd_has(args, "advertised-routes");
	if (json)
		vty_out(vty, "{\n  \"%s\": {", w->advertised ? "advertisedRoutes" : "routes");
	else
		bgp_nbr_routes_header(vty, bd);
	if (bgp_nbr_more(vty, w))
		free(w);
	else
		vty_defer(vty, bgp_nbr_more, w, free);
	return CMD_SUCCESS;
}

/* ---- prefix-lists ---- */

static int bgp_cmd_show_plist(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	const char *name = cmd_arg(args, "name");
	bool json = cmd_has(args, "json");
	uint8_t fam = cmd_has(args, "ipv6") ? AF_INET6 : AF_INET;
	json_object *top = json_object_new_object(), *bgpo = json_object_new_object();
	char line[160], pfx[KLD_PREFIX_STRLEN];

	for (const struct bgp_plist *pl = bd->plists; pl; pl = pl->next) {
		json_object *o, *entries;

		if ((name && strcmp(name, pl->name)) || pl->family != fam)
			continue;
		if (!json) {
			vty_out(vty, "BGP: %s prefix-list %s: %zu entries\n",
				fam == AF_INET ? "ip" : "ipv6", pl->name, pl->n);
			for (size_t i = 0; i < pl->n; i++) {
				bgp_plist_entry_fmt(&pl->e[i], line, sizeof(line));
				vty_out(vty, "   %s\n", line);
			}
			continue;
		}
		o = json_object_new_object();
		entries = json_object_new_array();
		for (size_t i = 0; i < pl->n; i++) {
			const struct bgp_plist_entry *e = &pl->e[i];
			json_object *eo = json_object_new_object();

			json_object_object_add(eo, "sequenceNumber", json_object_new_int64(e->seq));
			json_object_object_add(eo, "type",
					       json_object_new_string(e->permit ? "permit" : "deny"));
			json_object_object_add(eo, "prefix", json_object_new_string(
							      e->any ? "any"
								     : kld_prefix_fmt(&e->p, pfx,
										      sizeof(pfx))));
			if (e->ge)
				json_object_object_add(eo, "minimumPrefixLength",
						       json_object_new_int(e->ge));
			if (e->le)
				json_object_object_add(eo, "maximumPrefixLength",
						       json_object_new_int(e->le));
			json_object_array_add(entries, eo);
		}
		json_object_object_add(o, "addressFamily",
				       json_object_new_string(fam == AF_INET ? "IPv4" : "IPv6"));
		json_object_object_add(o, "entries", entries);
		json_object_object_add(bgpo, pl->name, o);
	}
	if (json) {
		json_object_object_add(top, "BGP", bgpo);
		bgp_print_json(vty, top);
	} else {
		json_object_put(top);
		json_object_put(bgpo);
	}
	return CMD_SUCCESS;
}

/* ---- update groups (FRR's `show bgp update-groups`, one subgroup per
 * group, so its lines are folded into the group's) ---- */

static size_t bgp_updgrp_adj_count(const struct bgp_updgrp *g)
{
	size_t n = 0;

	for (int af = 0; af < BGP_AF_MAX; af++)
		n += bgp_adj_count(g->conf->adj_out[af]);
	return n;
}

static void bgp_updgrp_text(struct vty *vty, const struct bgp_updgrp *g)
{
	const struct bgp_peer *c = g->conf;
	time_t t = time(NULL) - (time_t)((kld_now_ms() - g->created_ms) / 1000);
	char tb[64], a[KLD_ADDR_STRLEN];

	vty_out(vty, "Update-group %u:\n", g->id);
	vty_out(vty, "  Created: %s", ctime_r(&t, tb));
	if (c->ebgp)
		vty_out(vty, "  Type: external, remote AS %u\n", c->remote_as);
	else
		vty_out(vty, "  Type: internal\n");
	for (int af = 0; af < BGP_AF_MAX; af++) {
		const char *fam = af == BGP_AF_IPV4_UNICAST ? "" : " (IPv6 unicast)";

		if (c->af_active[af] && c->rmap[af][1][0])
			vty_out(vty, "  Outgoing route map%s: %s\n", fam, c->rmap[af][1]);
		if (c->af_active[af] && c->plist[af][1][0])
			vty_out(vty, "  Outgoing prefix list%s: %s\n", fam, c->plist[af][1]);
		if (c->af_active[af] && c->nh_self[af])
			vty_out(vty, "  Next hop self%s\n", fam);
	}
	vty_out(vty, "  Join events: %u\n", g->joins);
	vty_out(vty, "  Prune events: %u\n", g->prunes);
	vty_out(vty, "  Total packets enqueued: %" PRIu64 "\n", g->packets);
	vty_out(vty, "  Adj-out list count: %zu\n", bgp_updgrp_adj_count(g));
	vty_out(vty, "  Peers:\n");
	for (const struct bgp_peer *m = g->members; m; m = m->ug_next)
		vty_out(vty, "    - %s\n", kld_addr_fmt(&m->addr, a, sizeof(a)));
}

static json_object *bgp_updgrp_json(const struct bgp_updgrp *g)
{
	const struct bgp_peer *c = g->conf;
	json_object *o = json_object_new_object(), *peers = json_object_new_array();
	char a[KLD_ADDR_STRLEN];

	json_object_object_add(o, "groupCreateTime",
			       json_object_new_int64((int64_t)time(NULL) -
						     (int64_t)((kld_now_ms() - g->created_ms) / 1000)));
	json_object_object_add(o, "type", json_object_new_string(c->ebgp ? "external" : "internal"));
	if (c->ebgp)
		json_object_object_add(o, "remoteAs", json_object_new_int64(c->remote_as));
	if (c->rmap[BGP_AF_IPV4_UNICAST][1][0])
		json_object_object_add(o, "outRouteMap",
				       json_object_new_string(c->rmap[BGP_AF_IPV4_UNICAST][1]));
	if (c->plist[BGP_AF_IPV4_UNICAST][1][0])
		json_object_object_add(o, "outPrefixList",
				       json_object_new_string(c->plist[BGP_AF_IPV4_UNICAST][1]));
	json_object_object_add(o, "joinEvents", json_object_new_int(g->joins));
	json_object_object_add(o, "pruneEvents", json_object_new_int(g->prunes));
	json_object_object_add(o, "totalPacketsEnqueued", json_object_new_int64(g->packets));
	json_object_object_add(o, "adjListCount", json_object_new_int64(bgp_updgrp_adj_count(g)));
	for (const struct bgp_peer *m = g->members; m; m = m->ug_next)
		json_object_array_add(peers, json_object_new_string(kld_addr_fmt(&m->addr, a, sizeof(a))));
	json_object_object_add(o, "peers", peers);
	return o;
}

static int bgp_cmd_show_updgrps(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	bool json = cmd_has(args, "json");
	json_object *top, *grps;

	if (!bgp_show_instance(vty, json))
		return CMD_SUCCESS;
	if (!json) {
		for (const struct bgp_updgrp *g = bd->bgp->updgrps; g; g = g->next) {
			bgp_updgrp_text(vty, g);
			vty_out(vty, "%s", g->next ? "\n" : "");
		}
		return CMD_SUCCESS;
	}
	top = json_object_new_object();
	grps = json_object_new_object();
	for (const struct bgp_updgrp *g = bd->bgp->updgrps; g; g = g->next) {
		char id[16];

		snprintf(id, sizeof(id), "%u", g->id);
		json_object_object_add(grps, id, bgp_updgrp_json(g));
	}
	json_object_object_add(top, "default", grps);
	bgp_print_json(vty, top);
	return CMD_SUCCESS;
}

#define SHOW_BGP "show <bgp [ipv4 [unicast]]|ip bgp>"
#define SHOW_BGP_HELP                                                                              \
	"Show running system information\nBGP information\nAddress Family\n"                       \
	"Address Family modifier\nIP information\nBGP information\n"

/* ---- the nexthop cache ---- */

static void bgp_nexthop_text(struct vty *vty, const struct bgp_nh *nh)
{
	char a[KLD_ADDR_STRLEN];

	kld_addr_fmt(&nh->addr, a, sizeof(a));
	if (nh->resolved)
		vty_out(vty, " %s valid [IGP metric %u]%s\n", a, nh->metric,
			nh->answered ? "" : ", not yet answered by zebra-lite");
	else
		vty_out(vty, " %s invalid\n", a);
}

static json_object *bgp_nexthop_json(const struct bgp_nh *nh)
{
	json_object *o = json_object_new_object();

	json_object_object_add(o, "valid", json_object_new_boolean(nh->resolved));
	json_object_object_add(o, "complete", json_object_new_boolean(nh->answered));
	json_object_object_add(o, "igpMetric", json_object_new_int64(nh->metric));
	return o;
}

static int bgp_cmd_show_nexthop(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	bool json = cmd_has(args, "json");
	uint8_t only = cmd_has(args, "ipv4") ? AF_INET : cmd_has(args, "ipv6") ? AF_INET6 : 0;
	json_object *top = json_object_new_object();
	json_object *fam[2] = { json_object_new_object(), json_object_new_object() };
	char a[KLD_ADDR_STRLEN];

	if (!json)
		vty_out(vty, "Current BGP nexthop cache:\n");
	for (size_t i = 0; i < bd->nht.cap; i++) {
		const struct bgp_nh *nh = &bd->nht.slots[i];

		if (!nh->addr.family || (only && nh->addr.family != only))
			continue;
		if (!json)
			bgp_nexthop_text(vty, nh);
		else
			json_object_object_add(fam[nh->addr.family == AF_INET6],
					       kld_addr_fmt(&nh->addr, a, sizeof(a)), bgp_nexthop_json(nh));
	}
	json_object_object_add(top, "ipv4", fam[0]);
	json_object_object_add(top, "ipv6", fam[1]);
	if (json)
		bgp_print_json(vty, top);
	else
		json_object_put(top);
	return CMD_SUCCESS;
}

static const struct cmd_def bgp_show_cmds[] = {
	{ "view", SHOW_BGP " summary [json]",
	  SHOW_BGP_HELP "Summary of BGP neighbor status\nJavaScript Object Notation\n",
	  bgp_cmd_show_summary, NULL, 0 },
	{ "view", SHOW_BGP " [json]", SHOW_BGP_HELP "JavaScript Object Notation\n",
	  bgp_cmd_show_table, NULL, 0 },
	{ "view", SHOW_BGP " <A.B.C.D|A.B.C.D/M>$addr [json]",
	  SHOW_BGP_HELP "Network in the BGP routing table to display\nIPv4 prefix\n"
			"JavaScript Object Notation\n",
	  bgp_cmd_show_table, NULL, 0 },
	{ "view", "show <bgp [<ipv4|ipv6> [unicast]]|ip bgp> neighbors [<A.B.C.D|X:X::X:X>$peer] [json]",
	  "Show running system information\nBGP information\nAddress Family\nAddress Family\n"
	  "Address Family modifier\nIP information\nBGP information\n"
	  "Detailed information on TCP and BGP neighbor connections\n"
			"Neighbor to display information about\n"
			"Neighbor to display information about\nJavaScript Object Notation\n",
	  bgp_cmd_show_neighbors, NULL, 0 },
	{ "view", "show <bgp [<ipv4|ipv6> [unicast]]|ip bgp> neighbors <A.B.C.D|X:X::X:X>$peer "
		  "<advertised-routes|received-routes|routes> [json]",
	  "Show running system information\nBGP information\nAddress Family\nAddress Family\n"
	  "Address Family modifier\nIP information\nBGP information\n"
	  "Detailed information on TCP and BGP neighbor connections\nNeighbor to display\n"
	  "Neighbor to display\nDisplay the routes advertised to a BGP neighbor\n"
	  "Display the received routes from neighbor\nDisplay routes learned from neighbor\n"
	  "JavaScript Object Notation\n",
	  bgp_cmd_show_nbr_routes, NULL, 0 },
	{ "view", SHOW_BGP " update-groups [json]",
	  SHOW_BGP_HELP "Detailed info about dynamic update groups\nJavaScript Object Notation\n",
	  bgp_cmd_show_updgrps, NULL, 0 },
	{ "view", "show bgp ipv6 [unicast] summary [json]",
	  "Show running system information\nBGP information\nAddress Family\n"
	  "Address Family modifier\nSummary of BGP neighbor status\nJavaScript Object Notation\n",
	  bgp_cmd_show_summary, NULL, 0 },
	{ "view", "show bgp ipv6 [unicast] [json]",
	  "Show running system information\nBGP information\nAddress Family\n"
	  "Address Family modifier\nJavaScript Object Notation\n",
	  bgp_cmd_show_table, NULL, 0 },
	{ "view", "show bgp ipv6 [unicast] <X:X::X:X|X:X::X:X/M>$addr [json]",
	  "Show running system information\nBGP information\nAddress Family\n"
	  "Address Family modifier\nNetwork in the BGP routing table to display\nIPv6 prefix\n"
	  "JavaScript Object Notation\n",
	  bgp_cmd_show_table, NULL, 0 },
	{ "view", "show ipv6 prefix-list [WORD$name] [json]",
	  "Show running system information\nIPv6 information\nList IPv6 prefix-lists\n"
	  "Name of a prefix list\nJavaScript Object Notation\n",
	  bgp_cmd_show_plist, NULL, 0 },
	{ "view", "show bgp [<ipv4|ipv6>] nexthop [json]",
	  "Show running system information\nBGP information\nAddress Family\nAddress Family\n"
	  "BGP nexthop table\nJavaScript Object Notation\n",
	  bgp_cmd_show_nexthop, NULL, 0 },
	{ "view", "show ip prefix-list [WORD$name] [json]",
	  "Show running system information\nIP information\nList IP prefix-lists\n"
	  "Name of a prefix list\nJavaScript Object Notation\n",
	  bgp_cmd_show_plist, NULL, 0 },
};

void bgp_show_install(struct cmd_tree *tree)
{
	cmd_tree_add_all(tree, bgp_show_cmds, KLD_ARRAY_SIZE(bgp_show_cmds));
}
