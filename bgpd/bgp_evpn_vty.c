/*
 * EVPN's commands in FRR's syntax and layout: `address-family l2vpn evpn`
 * (advertise-all-vni, `vni N` with rd and route-target), its running
 * configuration, and `show bgp l2vpn evpn ...`, `show evpn vni`, `show
 * evpn mac vni N`, each with json. `neighbor X activate` of the family is
 * bgp_vty.c's (it owns the neighbor commands).
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "bgp_evpn.h"

/* ---- configuration ---- */

static struct bgpd *evpn_bd(struct vty *vty)
{
	return vty->arg;
}

static int evpn_cmd_af(struct vty *vty, const struct cmd_args *args)
{
	(void)args;
	vty_set_ctx(vty, vty_ctx_top(vty));
	return CMD_SUCCESS;
}

static int evpn_cmd_exit(struct vty *vty, const struct cmd_args *args)
{
	(void)vty;
	(void)args;
	return CMD_SUCCESS;
}

static int evpn_cmd_advertise(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_evpn *e = evpn_bd(vty)->evpn;
	bool on = !cmd_has(args, "no");

	if (e->advertise_all_vni == on)
		return CMD_SUCCESS;
	e->advertise_all_vni = on;
	bgp_evpn_changed(evpn_bd(vty));
	return CMD_SUCCESS;
}

static int evpn_cmd_vni(struct vty *vty, const struct cmd_args *args)
{
	uint32_t vni = (uint32_t)cmd_arg_int(args, "vni", 0);
	struct bgp_evpn_vni *v = bgp_evpn_vni_get(evpn_bd(vty), vni, true);

	if (!v->cfg) {
		v->cfg = true;
		bgp_evpn_changed(evpn_bd(vty));
	}
	vty_set_ctx(vty, v);
	return CMD_SUCCESS;
}

static int evpn_cmd_no_vni(struct vty *vty, const struct cmd_args *args)
{
	uint32_t vni = (uint32_t)cmd_arg_int(args, "vni", 0);
	struct bgp_evpn_vni *v = bgp_evpn_vni_get(evpn_bd(vty), vni, false);

	if (!v || !v->cfg) {
		vty_out(vty, "%% Failed to delete VNI %u: not configured\n", vni);
		return CMD_WARNING;
	}
	bgp_evpn_vni_unconfigure(evpn_bd(vty), v);
	return CMD_SUCCESS;
}

static int evpn_cmd_rd(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_evpn_vni *v = vty_ctx_top(vty);
	uint8_t rd[8];

	if (cmd_has(args, "no")) {
		if (v->rd_set) {
			v->rd_set = false;
			bgp_evpn_changed(evpn_bd(vty));
		}
		return CMD_SUCCESS;
	}
	if (bgp_evpn_rd_parse(cmd_arg(args, "rd"), rd) < 0) {
		vty_out(vty, "%% Malformed Route Distinguisher %s: ASN:NN or A.B.C.D:NN\n",
			cmd_arg(args, "rd"));
		return CMD_WARNING;
	}
	if (v->rd_set && !memcmp(v->rd, rd, 8))
		return CMD_SUCCESS;
	memcpy(v->rd, rd, 8);
	v->rd_set = true;
	bgp_evpn_changed(evpn_bd(vty));
	return CMD_SUCCESS;
}

/* Add (or remove) rt in a list; false when nothing changed. */
static bool rt_list_edit(uint8_t (*list)[8], uint8_t *n, const uint8_t *rt, bool del)
{
	for (uint8_t i = 0; i < *n; i++) {
		if (memcmp(list[i], rt, 8))
			continue;
		if (!del)
			return false;
		memmove(list[i], list[i + 1], (size_t)(*n - i - 1) * 8);
		(*n)--;
		return true;
	}
	if (del || *n >= BGP_EVPN_RT_MAX)
		return false;
	memcpy(list[(*n)++], rt, 8);
	return true;
}

static int evpn_cmd_rt(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_evpn_vni *v = vty_ctx_top(vty);
	bool del = cmd_has(args, "no");
	bool imp = cmd_has(args, "import") || cmd_has(args, "both");
	bool exp = cmd_has(args, "export") || cmd_has(args, "both");
	bool changed = false;
	uint8_t rt[8];

	if (bgp_ecomm_rt_parse(cmd_arg(args, "rt"), rt) < 0) {
		vty_out(vty, "%% Malformed Route Target list %s: ASN:NN or A.B.C.D:NN\n",
			cmd_arg(args, "rt"));
		return CMD_WARNING;
	}
	if (!del && ((imp && v->nimp >= BGP_EVPN_RT_MAX) || (exp && v->nexp >= BGP_EVPN_RT_MAX))) {
		vty_out(vty, "%% At most %d route targets each way\n", BGP_EVPN_RT_MAX);
		return CMD_WARNING;
	}
	if (imp)
		changed |= rt_list_edit(v->imp, &v->nimp, rt, del);
	if (exp)
		changed |= rt_list_edit(v->exp, &v->nexp, rt, del);
	if (changed)
		bgp_evpn_changed(evpn_bd(vty));
	return CMD_SUCCESS;
}

static const struct cmd_def evpn_cmds[] = {
	{ "bgp", "address-family l2vpn evpn",
	  "Enter Address Family command mode\nLayer 2 VPN\nEthernet Virtual Private Network\n",
	  evpn_cmd_af, "bgp-af-evpn", 0 },
	{ "bgp-af-evpn", "exit-address-family", "Exit from Address Family configuration mode\n",
	  evpn_cmd_exit, NULL, 0 },
	{ "bgp-af-evpn", "[no] advertise-all-vni",
	  "Negate a command\nAdvertise All local VNIs\n", evpn_cmd_advertise, NULL, 0 },
	{ "bgp-af-evpn", "vni (1-16777215)$vni", "VXLAN Network Identifier\nVNI number\n",
	  evpn_cmd_vni, "bgp-evpn-vni", 0 },
	{ "bgp-af-evpn", "no vni (1-16777215)$vni",
	  "Negate a command\nVXLAN Network Identifier\nVNI number\n", evpn_cmd_no_vni, NULL, 0 },
	{ "bgp-evpn-vni", "exit-vni", "Exit from VNI mode\n", evpn_cmd_exit, NULL, 0 },
	{ "bgp-evpn-vni", "rd WORD$rd",
	  "Route Distinguisher\nASN:XX or A.B.C.D:XX\n", evpn_cmd_rd, NULL, 0 },
	{ "bgp-evpn-vni", "no rd [WORD]",
	  "Negate a command\nRoute Distinguisher\nASN:XX or A.B.C.D:XX\n", evpn_cmd_rd, NULL, 0 },
	{ "bgp-evpn-vni", "[no] route-target <both|import|export> WORD$rt",
	  "Negate a command\nRoute Target\nImport and Export RT\nImport RT\nExport RT\n"
	  "Route target (A.B.C.D:MN|EF:OPQR|GHJK:MN)\n",
	  evpn_cmd_rt, NULL, 0 },
};

/* ---- running configuration ---- */

static void evpn_write_rts(struct vty *vty, const struct bgp_evpn_vni *v)
{
	char buf[48];

	/* A target in both lists is written once, as `both` (FRR's form). */
	for (uint8_t i = 0; i < v->nimp; i++) {
		bool both = false;

		for (uint8_t j = 0; j < v->nexp; j++)
			both |= !memcmp(v->imp[i], v->exp[j], 8);
		bgp_ecomm_fmt(v->imp[i], buf, sizeof(buf));
		vty_out(vty, "   route-target %s %s\n", both ? "both" : "import", buf + 3);
	}
	for (uint8_t j = 0; j < v->nexp; j++) {
		bool both = false;

		for (uint8_t i = 0; i < v->nimp; i++)
			both |= !memcmp(v->imp[i], v->exp[j], 8);
		if (both)
			continue;
		bgp_ecomm_fmt(v->exp[j], buf, sizeof(buf));
		vty_out(vty, "   route-target export %s\n", buf + 3);
	}
}

void bgp_evpn_write_config(struct vty *vty, const struct bgp *bgp, const char *activate)
{
	const struct bgp_evpn *e = bgp->bd->evpn;
	char buf[48];
	bool any = e->advertise_all_vni || activate[0];

	for (const struct bgp_evpn_vni *v = e->vnis; v; v = v->next)
		any |= v->cfg;
	if (!any)
		return;
	vty_out(vty, " !\n address-family l2vpn evpn\n%s", activate);
	if (e->advertise_all_vni)
		vty_out(vty, "  advertise-all-vni\n");
	for (const struct bgp_evpn_vni *v = e->vnis; v; v = v->next) {
		if (!v->cfg)
			continue;
		vty_out(vty, "  vni %u\n", v->vni);
		if (v->rd_set) {
			bgp_evpn_rd_fmt(v->rd, buf, sizeof(buf));
			vty_out(vty, "   rd %s\n", buf);
		}
		evpn_write_rts(vty, v);
		vty_out(vty, "  exit-vni\n");
	}
	vty_out(vty, " exit-address-family\n");
}

/* ---- show bgp l2vpn evpn ---- */

static void evpn_print_json(struct vty *vty, json_object *o)
{
	vty_out(vty, "%s\n", json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY));
	json_object_put(o);
}

static const char *evpn_mac_str(const uint8_t *m, char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

/* FRR's prefix text: [2]:[EthTag]:[MAClen]:[MAC]:[IPlen]:[IP],
 * [3]:[EthTag]:[IPlen]:[OrigIP], [5]:[EthTag]:[IPlen]:[IP]. */
static void evpn_prefix_str(const struct bgp_evpn_route *r, char *buf, size_t size)
{
	char mac[18], ip[KLD_ADDR_STRLEN] = "";
	unsigned iplen = r->ip.family ? (unsigned)kld_family_bytes(r->ip.family) * 8 : 0;

	if (r->ip.family)
		kld_addr_fmt(&r->ip, ip, sizeof(ip));
	if (r->type == BGP_EVPN_MACIP)
		snprintf(buf, size, "[2]:[%u]:[48]:[%s]%s%s%s", r->etag, evpn_mac_str(r->mac, mac),
			 iplen ? ":[" : "", iplen ? ip : "", iplen ? "]" : "");
	else if (r->type == BGP_EVPN_IMET)
		snprintf(buf, size, "[3]:[%u]:[%u]:[%s]", r->etag, iplen, ip);
	else
		snprintf(buf, size, "[5]:[%u]:[%u]:[%s]", r->etag, r->plen, ip);
}

static void evpn_ecomm_str(const uint8_t *ecomm, size_t n, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = 0;
	for (size_t i = 0; i < n && off < size; i++) {
		if (i)
			off += (size_t)snprintf(buf + off, size - off, " ");
		if (off < size)
			off += bgp_ecomm_fmt(ecomm + i * 8, buf + off, size - off);
	}
}

/* One line of the table, local or received. */
struct evpn_row {
	const struct bgp_evpn_route *r;
	struct kld_addr nh;
	const uint8_t *ecomm;
	size_t necomm;
	const struct bgp_peer *peer; /* NULL: ours */
	const struct bgp_attrs *attrs; /* a received path's */
	bool best, stale;
	char aspath[64];
};

static bool evpn_type_wanted(uint8_t type, const char *want)
{
	if (!want)
		return true;
	return (!strcmp(want, "macip") && type == BGP_EVPN_MACIP) ||
	       (!strcmp(want, "multicast") && type == BGP_EVPN_IMET) ||
	       (!strcmp(want, "prefix") && type == BGP_EVPN_PREFIX);
}

struct evpn_table {
	struct evpn_row *rows;
	size_t n, cap;
};

static void table_push(struct evpn_table *t, const struct evpn_row *r)
{
	if (t->n == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 64;
		t->rows = kld_xrealloc(t->rows, t->cap * sizeof(*t->rows));
	}
	t->rows[t->n++] = *r;
}

static int row_cmp(const void *a, const void *b)
{
	const struct evpn_row *x = a, *y = b;
	int d = memcmp(x->r->rd, y->r->rd, 8);

	if (d)
		return d;
	d = bgp_evpn_key_cmp(x->r, y->r);
	if (d)
		return d;
	return (x->peer != NULL) - (y->peer != NULL);
}

static void evpn_collect_rows(const struct bgp_evpn *e, const char *type, struct evpn_table *t)
{
	for (size_t i = 0; i < e->nadv; i++) {
		struct evpn_row r = { .r = &e->adv[i].r, .nh = e->adv[i].nh,
				      .ecomm = &e->adv[i].ecomm[0][0], .necomm = e->adv[i].necomm,
				      .best = true };

		if (evpn_type_wanted(r.r->type, type))
			table_push(t, &r);
	}
	for (size_t b = 0; b < e->hsize; b++) {
		for (const struct bgp_evpn_dest *d = e->h[b]; d; d = d->hnext) {
			const struct bgp_evpn_path *best = bgp_evpn_best(d);

			if (!evpn_type_wanted(d->r.type, type))
				continue;
			for (const struct bgp_evpn_path *p = d->paths; p; p = p->next) {
				struct evpn_row r = { .r = &d->r, .nh = p->attrs->nexthop,
						      .ecomm = p->attrs->ecomm,
						      .necomm = p->attrs->necomm, .peer = p->peer,
						      .attrs = p->attrs,
						      .best = p == best, .stale = p->stale };

				bgp_aspath_fmt(p->attrs->aspath, p->attrs->aspath_len, r.aspath,
					       sizeof(r.aspath));
				table_push(t, &r);
			}
		}
	}
	qsort(t->rows, t->n, sizeof(*t->rows), row_cmp);
}

/* Rows are sorted by RD and route: a prefix is a run of rows. */
static size_t evpn_count_prefixes(const struct evpn_table *t)
{
	size_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += !i || memcmp(t->rows[i].r->rd, t->rows[i - 1].r->rd, 8) ||
		     bgp_evpn_key_cmp(t->rows[i].r, t->rows[i - 1].r);
	return n;
}

static void evpn_show_text(struct vty *vty, const struct bgp *bgp, const struct evpn_table *t)
{
	char rid[INET_ADDRSTRLEN], rd[48], pfx[96], nh[KLD_ADDR_STRLEN], ec[512];
	const uint8_t *last_rd = NULL;

	vty_out(vty, "BGP table version is %" PRIu64 ", local router ID is %s\n",
		bgp->bd->table_version, inet_ntop(AF_INET, &bgp->router_id, rid, sizeof(rid)));
	vty_out(vty, "Status codes: s suppressed, d damped, h history, * valid, > best, i - internal\n"
		     "Origin codes: i - IGP, e - EGP, ? - incomplete\n"
		     "EVPN type-2 prefix: [2]:[EthTag]:[MAClen]:[MAC]:[IPlen]:[IP]\n"
		     "EVPN type-3 prefix: [3]:[EthTag]:[IPlen]:[OrigIP]\n"
		     "EVPN type-5 prefix: [5]:[EthTag]:[IPlen]:[IP]\n\n");
	vty_out(vty, "   Network          Next Hop            Metric LocPrf Weight Path\n");
	for (size_t i = 0; i < t->n; i++) {
		const struct evpn_row *r = &t->rows[i];

		if (!last_rd || memcmp(last_rd, r->r->rd, 8)) {
			bgp_evpn_rd_fmt(r->r->rd, rd, sizeof(rd));
			vty_out(vty, "Route Distinguisher: %s\n", rd);
			last_rd = r->r->rd;
		}
		evpn_prefix_str(r->r, pfx, sizeof(pfx));
		evpn_ecomm_str(r->ecomm, r->necomm, ec, sizeof(ec));
		vty_out(vty, "%s%s%s %s\n", r->stale ? "S" : "*", r->best ? ">" : " ",
			r->peer && !r->peer->ebgp ? "i" : " ", pfx);
		vty_out(vty, "                    %-20s %6s %6s %6u %s%si\n",
			kld_addr_fmt(&r->nh, nh, sizeof(nh)), "", r->peer && !r->peer->ebgp ? "100" : "",
			r->peer ? 0 : BGP_WEIGHT_LOCAL, r->aspath, r->aspath[0] ? " " : "");
		vty_out(vty, "                    %s\n", ec);
	}
	vty_out(vty, "\nDisplayed %zu prefixes (%zu paths)\n", evpn_count_prefixes(t), t->n);
}

/* A reflected path names its originator and the clusters it crossed
 * (RFC 4456), in FRR's json keys. */
static void evpn_reflect_json(json_object *path, const struct bgp_attrs *a)
{
	char id[INET_ADDRSTRLEN];
	json_object *cl, *list;

	if (!a)
		return;
	if (a->present & BGP_ATTRF_ORIGINATOR_ID) {
		struct in_addr o = { .s_addr = htonl(a->originator_id) };

		json_object_object_add(path, "originatorId",
				       json_object_new_string(inet_ntop(AF_INET, &o, id, sizeof(id))));
	}
	if (!a->ncluster)
		return;
	cl = json_object_new_object();
	list = json_object_new_array();
	for (size_t i = 0; i < a->ncluster; i++) {
		struct in_addr c = { .s_addr = htonl(a->cluster[i]) };

		json_object_array_add(list, json_object_new_string(inet_ntop(AF_INET, &c, id,
									     sizeof(id))));
	}
	json_object_object_add(cl, "list", list);
	json_object_object_add(path, "clusterList", cl);
}

static void evpn_show_json(struct vty *vty, const struct bgp *bgp, const struct evpn_table *t)
{
	json_object *top = json_object_new_object();
	char rid[INET_ADDRSTRLEN], rd[48], pfx[96], nh[KLD_ADDR_STRLEN], ec[512];
	size_t npfx = 0;

	json_object_object_add(top, "bgpTableVersion",
			       json_object_new_int64((int64_t)bgp->bd->table_version));
	json_object_object_add(top, "bgpLocalRouterId",
			       json_object_new_string(inet_ntop(AF_INET, &bgp->router_id, rid,
								sizeof(rid))));
	for (size_t i = 0; i < t->n; i++) {
		const struct evpn_row *r = &t->rows[i];
		json_object *jrd, *jp, *paths, *path = json_object_new_object(), *nhs, *n1, *jec;

		bgp_evpn_rd_fmt(r->r->rd, rd, sizeof(rd));
		evpn_prefix_str(r->r, pfx, sizeof(pfx));
		if (!json_object_object_get_ex(top, rd, &jrd)) {
			jrd = json_object_new_object();
			json_object_object_add(jrd, "rd", json_object_new_string(rd));
			json_object_object_add(top, rd, jrd);
		}
		if (!json_object_object_get_ex(jrd, pfx, &jp)) {
			jp = json_object_new_object();
			json_object_object_add(jp, "prefix", json_object_new_string(pfx));
			json_object_object_add(jp, "routeType", json_object_new_int(r->r->type));
			if (r->r->type == BGP_EVPN_MACIP) {
				char mac[18];

				json_object_object_add(jp, "mac", json_object_new_string(
								      evpn_mac_str(r->r->mac, mac)));
			}
			if (r->r->ip.family) {
				char ip[KLD_ADDR_STRLEN];

				json_object_object_add(jp, "ip", json_object_new_string(kld_addr_fmt(
									&r->r->ip, ip, sizeof(ip))));
			}
			json_object_object_add(jp, "paths", json_object_new_array());
			json_object_object_add(jrd, pfx, jp);
			npfx++;
		}
		json_object_object_get_ex(jp, "paths", &paths);
		json_object_object_add(path, "valid", json_object_new_boolean(true));
		json_object_object_add(path, "bestpath", json_object_new_boolean(r->best));
		json_object_object_add(path, "stale", json_object_new_boolean(r->stale));
		json_object_object_add(path, "local", json_object_new_boolean(!r->peer));
		if (r->peer) {
			char pa[KLD_ADDR_STRLEN];

			json_object_object_add(path, "peerId", json_object_new_string(kld_addr_fmt(
								       &r->peer->addr, pa, sizeof(pa))));
		}
		if (r->r->type != BGP_EVPN_IMET)
			json_object_object_add(path, "vni", json_object_new_int64(r->r->vni));
		json_object_object_add(path, "path", json_object_new_string(r->aspath));
		evpn_reflect_json(path, r->attrs);
		nhs = json_object_new_array();
		n1 = json_object_new_object();
		json_object_object_add(n1, "ip", json_object_new_string(kld_addr_fmt(&r->nh, nh,
										      sizeof(nh))));
		json_object_array_add(nhs, n1);
		json_object_object_add(path, "nexthops", nhs);
		evpn_ecomm_str(r->ecomm, r->necomm, ec, sizeof(ec));
		jec = json_object_new_object();
		json_object_object_add(jec, "string", json_object_new_string(ec));
		json_object_object_add(path, "extendedCommunity", jec);
		json_object_array_add(paths, path);
	}
	json_object_object_add(top, "numPrefix", json_object_new_int64((int64_t)npfx));
	json_object_object_add(top, "numPaths", json_object_new_int64((int64_t)t->n));
	evpn_print_json(vty, top);
}

static const struct bgp *evpn_show_bgp(struct vty *vty, bool json)
{
	const struct bgp *bgp = evpn_bd(vty)->bgp;

	if (!bgp)
		vty_out(vty, json ? "{}\n" : "No BGP process is configured\n");
	return bgp;
}

static int evpn_cmd_show_table(struct vty *vty, const struct cmd_args *args)
{
	bool json = cmd_has(args, "json");
	const struct bgp *bgp = evpn_show_bgp(vty, json);
	struct evpn_table t = { 0 };

	if (!bgp)
		return CMD_SUCCESS;
	evpn_collect_rows(evpn_bd(vty)->evpn, cmd_arg(args, "type"), &t);
	if (json)
		evpn_show_json(vty, bgp, &t);
	else
		evpn_show_text(vty, bgp, &t);
	free(t.rows);
	return CMD_SUCCESS;
}

static int evpn_cmd_show_summary(struct vty *vty, const struct cmd_args *args)
{
	bool json = cmd_has(args, "json");
	const struct bgp *bgp = evpn_show_bgp(vty, json);
	json_object *top, *peers;
	char rid[INET_ADDRSTRLEN], pa[KLD_ADDR_STRLEN];
	unsigned n = 0, ndyn = 0;

	if (!bgp)
		return CMD_SUCCESS;
	top = json_object_new_object();
	peers = json_object_new_object();
	inet_ntop(AF_INET, &bgp->router_id, rid, sizeof(rid));
	if (!json) {
		vty_out(vty, "BGP router identifier %s, local AS number %u vrf-id 0\n", rid, bgp->asn);
		vty_out(vty, "\nNeighbor        V         AS   MsgRcvd   MsgSent   Up/Down State/PfxRcd   PfxSnt\n");
	}
	for (const struct bgp_peer *p = bgp->peers; p; p = p->next) {
		bool up = p->state == BGP_FSM_ESTABLISHED && (p->neg.af_mask & BGP_EVPN_BIT);
		size_t sent = bgp_evpn_sent(p);
		json_object *jp;
		char st[32], updown[32];

		if (!p->evpn_active)
			continue;
		n++;
		ndyn += p->dynamic;
		kld_addr_fmt(&p->addr, pa, sizeof(pa));
		snprintf(st, sizeof(st), "%s", bgp_fsm_state_str(p->state));
		bgp_show_updown(p, updown, sizeof(updown));
		if (!json) {
			char pfx[16], a[KLD_ADDR_STRLEN + 1];

			/* FRR marks a dynamic neighbor with a star */
			snprintf(a, sizeof(a), "%s%s", p->dynamic ? "*" : "", pa);
			snprintf(pfx, sizeof(pfx), "%u", p->evpn_pfx_rcvd);
			vty_out(vty, "%-15s 4 %10u %9" PRIu64 " %9" PRIu64 " %9s %-16s %8zu\n", a,
				p->remote_as, p->msg_in, p->msg_out, updown, up ? pfx : st, sent);
			continue;
		}
		jp = json_object_new_object();
		json_object_object_add(jp, "remoteAs", json_object_new_int64(p->remote_as));
		json_object_object_add(jp, "state", json_object_new_string(st));
		json_object_object_add(jp, "peerUptime", json_object_new_string(updown));
		if (p->dynamic)
			json_object_object_add(jp, "dynamicPeer", json_object_new_boolean(1));
		json_object_object_add(jp, "pfxRcd", json_object_new_int64(p->evpn_pfx_rcvd));
		json_object_object_add(jp, "pfxSnt", json_object_new_int64((int64_t)sent));
		json_object_object_add(jp, "msgRcvd", json_object_new_int64((int64_t)p->msg_in));
		json_object_object_add(jp, "msgSent", json_object_new_int64((int64_t)p->msg_out));
		json_object_object_add(peers, pa, jp);
	}
	if (!json) {
		vty_out(vty, "\nTotal number of neighbors %u\n", n);
		if (ndyn)
			vty_out(vty, "* - dynamic neighbor\n%u dynamic neighbor(s)\n", ndyn);
		json_object_put(peers);
		json_object_put(top);
		return CMD_SUCCESS;
	}
	json_object_object_add(top, "routerId", json_object_new_string(rid));
	json_object_object_add(top, "as", json_object_new_int64(bgp->asn));
	json_object_object_add(top, "peers", peers);
	json_object_object_add(top, "totalPeers", json_object_new_int(n));
	evpn_print_json(vty, top);
	return CMD_SUCCESS;
}

/* ---- show evpn vni / mac ---- */

static size_t vni_vteps(const struct bgp_evpn_vni *v)
{
	static const uint8_t zero[6];
	size_t n = 0;

	for (size_t i = 0; i < v->nfdb; i++)
		n += !memcmp(v->fdb[i].mac, zero, 6);
	return n;
}

static json_object *vni_json(const struct bgpd *bd, const struct bgp_evpn_vni *v, bool detail)
{
	static const uint8_t zero[6];
	json_object *o = json_object_new_object(), *vteps;
	char a[KLD_ADDR_STRLEN], rd[48];
	uint8_t rdb[8];
	size_t nv = vni_vteps(v);

	json_object_object_add(o, "vni", json_object_new_int64(v->vni));
	json_object_object_add(o, "type", json_object_new_string("L2"));
	json_object_object_add(o, detail ? "vxlanInterface" : "vxlanIf",
			       json_object_new_string(v->ifname));
	json_object_object_add(o, "numMacs", json_object_new_int64((int64_t)(v->nlmacs + v->nfdb - nv)));
	json_object_object_add(o, "numRemoteVteps", json_object_new_int64((int64_t)nv));
	json_object_object_add(o, detail ? "vrf" : "tenantVrf", json_object_new_string("default"));
	if (!detail)
		return o;
	json_object_object_add(o, "vtepIp", json_object_new_string(
						    v->local.family ? kld_addr_fmt(&v->local, a, sizeof(a))
								    : "0.0.0.0"));
	json_object_object_add(o, "bridge", json_object_new_string(v->bridge));
	bgp_evpn_vni_rd(bd, v, rdb);
	bgp_evpn_rd_fmt(rdb, rd, sizeof(rd));
	json_object_object_add(o, "rd", json_object_new_string(rd));
	json_object_object_add(o, "advertised", json_object_new_boolean(
							 v->present && bd->evpn->advertise_all_vni));
	vteps = json_object_new_array();
	for (size_t i = 0; i < v->nfdb; i++) {
		json_object *t;

		if (memcmp(v->fdb[i].mac, zero, 6))
			continue;
		t = json_object_new_object();
		json_object_object_add(t, "ip", json_object_new_string(
							kld_addr_fmt(&v->fdb[i].dst, a, sizeof(a))));
		json_object_object_add(t, "flood", json_object_new_string("HER"));
		json_object_array_add(vteps, t);
	}
	json_object_object_add(o, "remoteVteps", vteps);
	return o;
}

static void vni_text_detail(struct vty *vty, const struct bgpd *bd, const struct bgp_evpn_vni *v)
{
	static const uint8_t zero[6];
	char a[KLD_ADDR_STRLEN], rd[48];
	uint8_t rdb[8];

	bgp_evpn_vni_rd(bd, v, rdb);
	bgp_evpn_rd_fmt(rdb, rd, sizeof(rd));
	vty_out(vty, "VNI: %u\n Type: L2\n Tenant VRF: default\n VxLAN interface: %s\n", v->vni,
		v->ifname);
	vty_out(vty, " Local VTEP IP: %s\n",
		v->local.family ? kld_addr_fmt(&v->local, a, sizeof(a)) : "0.0.0.0");
	vty_out(vty, " Bridge: %s\n RD: %s\n Advertised: %s\n", v->bridge[0] ? v->bridge : "-", rd,
		v->present && bd->evpn->advertise_all_vni ? "yes" : "no");
	vty_out(vty, " Remote VTEPs for this VNI:\n");
	for (size_t i = 0; i < v->nfdb; i++)
		if (!memcmp(v->fdb[i].mac, zero, 6))
			vty_out(vty, "  %s flood: HER\n", kld_addr_fmt(&v->fdb[i].dst, a, sizeof(a)));
	vty_out(vty, " Number of MACs (local and remote) known for this VNI: %zu\n",
		v->nlmacs + v->nfdb - vni_vteps(v));
}

static int evpn_cmd_show_vni(struct vty *vty, const struct cmd_args *args)
{
	const struct bgpd *bd = evpn_bd(vty);
	bool json = cmd_has(args, "json");
	uint32_t want = (uint32_t)cmd_arg_int(args, "vni", 0);
	json_object *top = json_object_new_object();
	char key[16];

	if (!json && !want)
		vty_out(vty, "VNI        Type VxLAN IF              # MACs   # ARPs   # Remote VTEPs  Tenant VRF\n");
	for (const struct bgp_evpn_vni *v = bd->evpn->vnis; v; v = v->next) {
		if (!v->present || (want && v->vni != want))
			continue;
		if (json && want) {
			json_object_put(top);
			top = vni_json(bd, v, true);
		} else if (json) {
			snprintf(key, sizeof(key), "%u", v->vni);
			json_object_object_add(top, key, vni_json(bd, v, false));
		} else if (want) {
			vni_text_detail(vty, bd, v);
		} else {
			vty_out(vty, "%-10u L2   %-21s %-8zu %-8u %-15zu default\n", v->vni, v->ifname,
				v->nlmacs + v->nfdb - vni_vteps(v), 0, vni_vteps(v));
		}
	}
	if (json)
		evpn_print_json(vty, top);
	else
		json_object_put(top);
	return CMD_SUCCESS;
}

static int evpn_cmd_show_mac(struct vty *vty, const struct cmd_args *args)
{
	static const uint8_t zero[6];
	const struct bgpd *bd = evpn_bd(vty);
	bool json = cmd_has(args, "json");
	uint32_t vni = (uint32_t)cmd_arg_int(args, "vni", 0);
	const struct bgp_evpn_vni *v = bgp_evpn_vni_get((struct bgpd *)bd, vni, false);
	json_object *top, *macs;
	char mac[18], a[KLD_ADDR_STRLEN];

	if (!v || !v->present) {
		if (json)
			vty_out(vty, "{}\n");
		else
			vty_out(vty, "%% VNI %u does not exist\n", vni);
		return json ? CMD_SUCCESS : CMD_WARNING;
	}
	top = json_object_new_object();
	macs = json_object_new_object();
	if (!json) {
		vty_out(vty, "Number of MACs (local and remote) known for this VNI: %zu\n",
			v->nlmacs + v->nfdb - vni_vteps(v));
		vty_out(vty, "MAC               Type   Flags Intf/Remote ES/VTEP            VLAN  Seq #'s\n");
	}
	for (size_t i = 0; i < v->nlmacs; i++) {
		json_object *m;

		evpn_mac_str(v->lmacs[i].mac, mac);
		if (!json) {
			vty_out(vty, "%-17s local        %-30s       %u/0\n", mac, v->bridge,
				v->lmacs[i].seq);
			continue;
		}
		m = json_object_new_object();
		json_object_object_add(m, "type", json_object_new_string("local"));
		json_object_object_add(m, "intf", json_object_new_string(v->bridge));
		json_object_object_add(m, "localSequence", json_object_new_int64(v->lmacs[i].seq));
		json_object_object_add(m, "remoteSequence", json_object_new_int(0));
		json_object_object_add(macs, mac, m);
	}
	for (size_t i = 0; i < v->nfdb; i++) {
		json_object *m;

		if (!memcmp(v->fdb[i].mac, zero, 6))
			continue;
		evpn_mac_str(v->fdb[i].mac, mac);
		kld_addr_fmt(&v->fdb[i].dst, a, sizeof(a));
		if (!json) {
			vty_out(vty, "%-17s remote       %-30s       0/0\n", mac, a);
			continue;
		}
		m = json_object_new_object();
		json_object_object_add(m, "type", json_object_new_string("remote"));
		json_object_object_add(m, "remoteVtep", json_object_new_string(a));
		json_object_object_add(macs, mac, m);
	}
	if (!json) {
		json_object_put(macs);
		json_object_put(top);
		return CMD_SUCCESS;
	}
	json_object_object_add(top, "numMacs",
			       json_object_new_int64((int64_t)(v->nlmacs + v->nfdb - vni_vteps(v))));
	json_object_object_add(top, "macs", macs);
	evpn_print_json(vty, top);
	return CMD_SUCCESS;
}

/* FRR's bgpd view of the VNIs: configured or present, with the RD and
 * route targets in effect. */
static json_object *bgp_vni_json(const struct bgpd *bd, const struct bgp_evpn_vni *v)
{
	json_object *o = json_object_new_object(), *imp = json_object_new_array(),
		    *exp = json_object_new_array();
	uint8_t rts[BGP_EVPN_RT_MAX][8], rd[8];
	char buf[48];
	size_t n;

	json_object_object_add(o, "vni", json_object_new_int64(v->vni));
	json_object_object_add(o, "inKernel", json_object_new_boolean(v->present));
	json_object_object_add(o, "configured", json_object_new_boolean(v->cfg));
	json_object_object_add(o, "advertised", json_object_new_boolean(
							 v->present && bd->evpn->advertise_all_vni));
	bgp_evpn_vni_rd(bd, v, rd);
	bgp_evpn_rd_fmt(rd, buf, sizeof(buf));
	json_object_object_add(o, "rd", json_object_new_string(buf));
	n = bgp_evpn_vni_rts(bd, v, true, rts);
	for (size_t i = 0; i < n; i++) {
		bgp_ecomm_fmt(rts[i], buf, sizeof(buf));
		json_object_array_add(imp, json_object_new_string(buf + 3));
	}
	n = bgp_evpn_vni_rts(bd, v, false, rts);
	for (size_t i = 0; i < n; i++) {
		bgp_ecomm_fmt(rts[i], buf, sizeof(buf));
		json_object_array_add(exp, json_object_new_string(buf + 3));
	}
	json_object_object_add(o, "importRts", imp);
	json_object_object_add(o, "exportRts", exp);
	return o;
}

static int evpn_cmd_show_bgp_vni(struct vty *vty, const struct cmd_args *args)
{
	const struct bgpd *bd = evpn_bd(vty);
	uint32_t want = (uint32_t)cmd_arg_int(args, "vni", 0);
	json_object *top = json_object_new_object(), *vnis = json_object_new_object();
	char key[16];

	json_object_object_add(top, "advertiseAllVnis",
			       json_object_new_boolean(bd->evpn->advertise_all_vni));
	for (const struct bgp_evpn_vni *v = bd->evpn->vnis; v; v = v->next) {
		if ((!v->cfg && !v->present) || (want && v->vni != want))
			continue;
		snprintf(key, sizeof(key), "%u", v->vni);
		json_object_object_add(vnis, key, bgp_vni_json(bd, v));
	}
	json_object_object_add(top, "vnis", vnis);
	if (cmd_has(args, "json")) {
		evpn_print_json(vty, top);
		return CMD_SUCCESS;
	}
	vty_out(vty, "Advertise All VNI flag: %s\n",
		bd->evpn->advertise_all_vni ? "Enabled" : "Disabled");
	vty_out(vty, "%-10s %-10s %-21s %-25s %s\n", "VNI", "In Kernel", "RD", "Import RT",
		"Export RT");
	json_object_object_foreach(vnis, k, o)
	{
		json_object *rd, *ik, *imp, *exp;

		json_object_object_get_ex(o, "rd", &rd);
		json_object_object_get_ex(o, "inKernel", &ik);
		json_object_object_get_ex(o, "importRts", &imp);
		json_object_object_get_ex(o, "exportRts", &exp);
		vty_out(vty, "%-10s %-10s %-21s %-25s %s\n", k, json_object_get_boolean(ik) ? "Yes" : "No",
			json_object_get_string(rd), json_object_to_json_string(imp),
			json_object_to_json_string(exp));
	}
	json_object_put(top);
	return CMD_SUCCESS;
}

static const struct cmd_def evpn_show_cmds[] = {
	{ "view", "show bgp l2vpn evpn vni [(1-16777215)$vni] [json]",
	  "Show running system information\nBGP information\nLayer 2 Virtual Private Network\n"
	  "Ethernet Virtual Private Network\nShow VNI\nVNI number\nJavaScript Object Notation\n",
	  evpn_cmd_show_bgp_vni, NULL, 0 },
	{ "view", "show bgp l2vpn evpn [route [type <macip|multicast|prefix>$type]] [json]",
	  "Show running system information\nBGP information\nLayer 2 Virtual Private Network\n"
	  "Ethernet Virtual Private Network\nEVPN route information\nSpecify Route type\n"
	  "MAC-IP (Type-2) route\nMulticast (Type-3) route\nPrefix (Type-5) route\n"
	  "JavaScript Object Notation\n",
	  evpn_cmd_show_table, NULL, 0 },
	{ "view", "show bgp l2vpn evpn summary [json]",
	  "Show running system information\nBGP information\nLayer 2 Virtual Private Network\n"
	  "Ethernet Virtual Private Network\nSummary of BGP neighbor status\n"
	  "JavaScript Object Notation\n",
	  evpn_cmd_show_summary, NULL, 0 },
	{ "view", "show evpn vni [(1-16777215)$vni] [json]",
	  "Show running system information\nEVPN\nVxLAN Network Identifier\nVNI number\n"
	  "JavaScript Object Notation\n",
	  evpn_cmd_show_vni, NULL, 0 },
	{ "view", "show evpn mac vni (1-16777215)$vni [json]",
	  "Show running system information\nEVPN\nMAC addresses\nVxLAN Network Identifier\n"
	  "VNI number\nJavaScript Object Notation\n",
	  evpn_cmd_show_mac, NULL, 0 },
};

void bgp_evpn_vty_install(struct cmd_tree *tree)
{
	cmd_tree_add_all(tree, evpn_cmds, KLD_ARRAY_SIZE(evpn_cmds));
	cmd_tree_add_all(tree, evpn_show_cmds, KLD_ARRAY_SIZE(evpn_show_cmds));
}
