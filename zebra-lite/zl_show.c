/*
 * show ip route / show ipv6 route / show interface, in FRR's layout (codes
 * K C S B, '>' selected, '*' in the FIB, 'r' refused by the kernel) and
 * with a json variant each, built with json-c.
 */
#include <arpa/inet.h>
#include <json-c/json.h>
#include <net/if.h>
#include <stdio.h>
#include <string.h>
#include "util.h"
#include "zl.h"

static void zl_uptime(const struct zl *zl, uint32_t since, char *buf, size_t size)
{
	uint32_t s = zl_clock(zl) - since;

	if (s < 86400)
		snprintf(buf, size, "%02u:%02u:%02u", s / 3600, s / 60 % 60, s % 60);
	else if (s < 7 * 86400)
		snprintf(buf, size, "%ud%02uh%02um", s / 86400, s / 3600 % 24, s / 60 % 60);
	else
		snprintf(buf, size, "%02uw%ud%02uh", s / 604800, s / 86400 % 7, s / 3600 % 24);
}

static const char *zl_ifname(struct zl *zl, uint32_t ifindex, char *buf)
{
	struct zl_iface *ifp = zl_iface_by_index(zl, ifindex);

	if (ifp)
		return ifp->name;
	snprintf(buf, IF_NAMESIZE, "if%u", ifindex);
	return buf;
}

/* ---- text ---- */

struct zl_show {
	struct zl *zl;
	struct vty *vty;
	json_object *json;  /* one prefix's json, printed at the end */
	bool json_stream;   /* a whole table's json, printed prefix by prefix */
	size_t nprinted;
	int type;           /* 0: any */
	bool detail;
};

static void zl_show_nh_text(struct zl_show *w, const struct rib_route *r,
			    const struct rib_nh *nh, bool active)
{
	char gw[KLD_ADDR_STRLEN], ifb[IF_NAMESIZE];

	if (nh->kind == RIB_NH_BLACKHOLE) {
		vty_out(w->vty, "unreachable (blackhole)");
		return;
	}
	if (nh->kind == RIB_NH_REJECT) {
		vty_out(w->vty, "unreachable (ICMP unreachable)");
		return;
	}
	if (r->type == RIB_CONNECTED) {
		vty_out(w->vty, "is directly connected, %s", zl_ifname(w->zl, nh->ifindex, ifb));
		return;
	}
	if (nh->kind == RIB_NH_IFINDEX)
		vty_out(w->vty, "is directly connected, %s", zl_ifname(w->zl, nh->ifindex, ifb));
	else
		vty_out(w->vty, "via %s", kld_addr_fmt(&nh->gw, gw, sizeof(gw)));
	if (nh->kind == RIB_NH_GATEWAY && nh->ifindex)
		vty_out(w->vty, ", %s", zl_ifname(w->zl, nh->ifindex, ifb));
	if (!active)
		vty_out(w->vty, " inactive");
	if (r->type != RIB_KERNEL)
		vty_out(w->vty, ", weight %u", nh->weight ? nh->weight : 1);
}

static void zl_show_route_text(struct zl_show *w, const struct kld_prefix *p,
			       const struct rib_route *r)
{
	const struct rib_nhg *g = r->nhg;
	bool fib = (r->flags & RIB_F_SELECTED) && (r->flags & RIB_F_FIB);
	const struct rib_nh *list = g->active ? g->res : g->nh;
	uint16_t n = g->active ? g->nres : g->n;
	char pfx[KLD_PREFIX_STRLEN], head[96], up[32];
	int indent;

	kld_prefix_fmt(p, pfx, sizeof(pfx));
	zl_uptime(w->zl, r->since, up, sizeof(up));
	snprintf(head, sizeof(head), "%c%c%c %s", rib_type_code(r->type),
		 r->flags & RIB_F_SELECTED ? '>' : ' ',
		 r->flags & RIB_F_FAILED ? 'r' : fib ? '*' : ' ', pfx);
	if (r->type != RIB_CONNECTED)
		snprintf(head + strlen(head), sizeof(head) - strlen(head), " [%u/%u]", r->distance,
			 r->metric);
	vty_out(w->vty, "%s ", head);
	indent = (int)strlen(head) + 1;
	for (uint16_t i = 0; i < n; i++) {
		if (i)
			vty_out(w->vty, "  %c%*s", fib ? '*' : ' ', indent - 3, "");
		zl_show_nh_text(w, r, &list[i], g->active);
		vty_out(w->vty, ", %s\n", up);
	}
}

static void zl_show_detail(struct zl_show *w, const struct kld_prefix *p,
			   const struct rib_route *r)
{
	char pfx[KLD_PREFIX_STRLEN], up[32];
	const struct rib_nhg *g = r->nhg;

	zl_uptime(w->zl, r->since, up, sizeof(up));
	vty_out(w->vty, "Routing entry for %s\n", kld_prefix_fmt(p, pfx, sizeof(pfx)));
	vty_out(w->vty, "  Known via \"%s\", distance %u, metric %u%s\n", rib_type_name(r->type),
		r->distance, r->metric, r->flags & RIB_F_SELECTED ? ", best" : "");
	vty_out(w->vty, "  Last update %s ago\n", up);
	for (uint16_t i = 0; i < (g->active ? g->nres : g->n); i++) {
		vty_out(w->vty, "  %c ", (r->flags & RIB_F_FIB) ? '*' : ' ');
		zl_show_nh_text(w, r, g->active ? &g->res[i] : &g->nh[i], g->active);
		vty_out(w->vty, "\n");
	}
	vty_out(w->vty, "\n");
}

/* ---- json ---- */

static json_object *zl_nh_json(struct zl_show *w, const struct rib_route *r,
			       const struct rib_nh *nh, bool active)
{
	json_object *o = json_object_new_object();
	char gw[KLD_ADDR_STRLEN], ifb[IF_NAMESIZE];

	json_object_object_add(o, "fib", json_object_new_boolean(
		(r->flags & RIB_F_FIB) && (r->flags & RIB_F_SELECTED)));
	if (nh->gw.family) {
		json_object_object_add(o, "ip", json_object_new_string(
			kld_addr_fmt(&nh->gw, gw, sizeof(gw))));
		json_object_object_add(o, "afi", json_object_new_string(
			nh->gw.family == AF_INET ? "ipv4" : "ipv6"));
	}
	if (nh->ifindex) {
		json_object_object_add(o, "interfaceIndex", json_object_new_int((int)nh->ifindex));
		json_object_object_add(o, "interfaceName", json_object_new_string(
			zl_ifname(w->zl, nh->ifindex, ifb)));
	}
	if (r->type == RIB_CONNECTED || nh->kind == RIB_NH_IFINDEX)
		json_object_object_add(o, "directlyConnected", json_object_new_boolean(1));
	if (nh->kind == RIB_NH_BLACKHOLE || nh->kind == RIB_NH_REJECT)
		json_object_object_add(o, "unreachable", json_object_new_boolean(1));
	if (nh->kind == RIB_NH_BLACKHOLE)
		json_object_object_add(o, "blackhole", json_object_new_boolean(1));
	json_object_object_add(o, "active", json_object_new_boolean(active));
	json_object_object_add(o, "weight", json_object_new_int(nh->weight ? nh->weight : 1));
	return o;
}

static json_object *zl_route_json(struct zl_show *w, uint32_t table, const struct kld_prefix *p,
				  const struct rib_route *r)
{
	json_object *o = json_object_new_object(), *nhs = json_object_new_array();
	const struct rib_nhg *g = r->nhg;
	char pfx[KLD_PREFIX_STRLEN], up[32];

	kld_prefix_fmt(p, pfx, sizeof(pfx));
	zl_uptime(w->zl, r->since, up, sizeof(up));
	json_object_object_add(o, "prefix", json_object_new_string(pfx));
	json_object_object_add(o, "prefixLen", json_object_new_int(p->len));
	json_object_object_add(o, "protocol", json_object_new_string(rib_type_name(r->type)));
	json_object_object_add(o, "selected", json_object_new_boolean(r->flags & RIB_F_SELECTED));
	json_object_object_add(o, "installed", json_object_new_boolean(
		(r->flags & RIB_F_SELECTED) && (r->flags & RIB_F_FIB)));
	if (r->flags & RIB_F_FAILED)
		json_object_object_add(o, "failed", json_object_new_boolean(1));
	if (r->flags & RIB_F_STALE)
		json_object_object_add(o, "stale", json_object_new_boolean(1));
	json_object_object_add(o, "distance", json_object_new_int(r->distance));
	json_object_object_add(o, "metric", json_object_new_int64(r->metric));
	json_object_object_add(o, "table", json_object_new_int64(table));
	json_object_object_add(o, "uptime", json_object_new_string(up));
	for (uint16_t i = 0; i < (g->active ? g->nres : g->n); i++)
		json_object_array_add(nhs, zl_nh_json(w, r, g->active ? &g->res[i] : &g->nh[i],
						       g->active));
	json_object_object_add(o, "nexthops", nhs);
	return o;
}

static void zl_show_route_json(struct zl_show *w, uint32_t table, const struct kld_prefix *p,
			       const struct rib_route *r)
{
	char pfx[KLD_PREFIX_STRLEN];
	json_object *arr;

	kld_prefix_fmt(p, pfx, sizeof(pfx));
	if (!json_object_object_get_ex(w->json, pfx, &arr)) {
		arr = json_object_new_array();
		json_object_object_add(w->json, pfx, arr);
	}
	json_object_array_add(arr, zl_route_json(w, table, p, r));
}

/* FRR's layout, {"PREFIX": [route, ...], ...}, written a prefix at a time
 * so a full table streams like the text. */
static void zl_show_json_row(struct zl_show *w, uint32_t table, const struct kld_prefix *p,
			     const struct rib_route *list)
{
	json_object *arr = json_object_new_array();
	char pfx[KLD_PREFIX_STRLEN];

	for (; list; list = list->next)
		if (!w->type || list->type == w->type)
			json_object_array_add(arr, zl_route_json(w, table, p, list));
	if (json_object_array_length(arr))
		vty_out(w->vty, "%s\n  \"%s\": %s", w->nprinted++ ? "," : "",
			kld_prefix_fmt(p, pfx, sizeof(pfx)),
			json_object_to_json_string_ext(arr, JSON_C_TO_STRING_PLAIN));
	json_object_put(arr);
}

/* ---- walks ---- */

struct zl_show_walk {
	struct zl_show *w;
	uint32_t table;
};

static void zl_show_one(struct zl_show *w, uint32_t table, const struct kld_prefix *p,
			const struct rib_route *r)
{
	if (w->type && r->type != w->type)
		return;
	if (w->json)
		zl_show_route_json(w, table, p, r);
	else if (w->detail)
		zl_show_detail(w, p, r);
	else
		zl_show_route_text(w, p, r);
}

static int zl_show_walk_cb(const struct kld_prefix *p, const struct rib_route *list, void *arg)
{
	struct zl_show_walk *sw = arg;

	if (sw->w->json_stream) {
		zl_show_json_row(sw->w, sw->table, p, list);
		return 0;
	}
	for (; list; list = list->next)
		zl_show_one(sw->w, sw->table, p, list);
	return 0;
}

static void zl_show_codes(struct vty *vty)
{
	vty_out(vty, "Codes: K - kernel route, C - connected, S - static, B - BGP,\n"
		     "       W - WireGuard, X - VXLAN,\n"
		     "       > - selected route, * - FIB route, r - rejected route\n\n");
}

static int zl_show_finish(struct zl_show *w)
{
	if (w->json) {
		vty_out(w->vty, "%s\n", json_object_to_json_string_ext(w->json,
								      JSON_C_TO_STRING_PRETTY));
		json_object_put(w->json);
	}
	return CMD_SUCCESS;
}

static int zl_type_by_name(const char *name)
{
	for (uint8_t t = 1; t < RIB_TYPE_MAX; t++)
		if (!strcmp(rib_type_name(t), name))
			return t;
	return 0;
}

/* One prefix: an exact prefix, or the longest match of an address. */
static void zl_show_prefix(struct zl_show *w, uint8_t family, uint32_t table, const char *text)
{
	struct kld_prefix p, m;
	struct kld_addr a;
	const struct rib_route *list = NULL;

	if (strchr(text, '/')) {
		kld_prefix_parse(text, &p, false);
		list = rib_lookup(w->zl->rib, &p, table);
	} else if (kld_addr_parse(text, &a) == 0) {
		kld_prefix_from_addr(&p, &a, (uint8_t)kld_family_bits(family));
		for (int len = p.len; len >= 0 && !list; len--) {
			m = p;
			m.len = (uint8_t)len;
			kld_prefix_mask(&m);
			list = rib_lookup(w->zl->rib, &m, table);
		}
		p = m;
	}
	if (!list && !w->json)
		vty_out(w->vty, "%% Network not in table\n");
	for (; list; list = list->next)
		zl_show_one(w, table, &p, list);
}

/* A walk of a whole table, text or json, resumed chunk by chunk (see
 * vty_defer). */
#define ZL_SHOW_CHUNK 5000

struct zl_show_stream {
	struct zl_show w;
	uint8_t family;
	uint32_t table;
	bool started;
	struct kld_prefix last;
};

static bool zl_show_more(struct vty *vty, void *state)
{
	struct zl_show_stream *st = state;
	struct zl_show_walk sw = { &st->w, st->table };
	size_t n;

	st->w.vty = vty;
	n = rib_walk_from(st->w.zl->rib, st->family, st->table, st->started ? &st->last : NULL,
			  ZL_SHOW_CHUNK, zl_show_walk_cb, &sw, &st->last);
	st->started = true;
	if (n == ZL_SHOW_CHUNK)
		return false;
	if (st->w.json_stream)
		vty_out(vty, "%s}\n", st->w.nprinted ? "\n" : "");
	return true;
}

static int zl_cmd_show_route(struct vty *vty, const struct cmd_args *args)
{
	struct zl_show w = { .zl = vty->arg, .vty = vty };
	uint8_t family = cmd_has(args, "ipv6") ? AF_INET6 : AF_INET;
	uint32_t table = (uint32_t)cmd_arg_int(args, "table", RIB_TABLE_MAIN);
	const char *proto = cmd_arg(args, "proto"), *addr = cmd_arg(args, "addr");
	struct zl_show_stream *st;

	w.type = proto ? zl_type_by_name(proto) : 0;
	if (addr) {
		if (cmd_has(args, "json"))
			w.json = json_object_new_object();
		w.detail = true;
		zl_show_prefix(&w, family, table, addr);
		return zl_show_finish(&w);
	}
	if (cmd_has(args, "json")) {
		w.json_stream = true;
		vty_out(vty, "{");
	} else {
		zl_show_codes(vty);
	}
	st = kld_xcalloc(1, sizeof(*st));
	st->w = w;
	st->family = family;
	st->table = table;
	vty_defer(vty, zl_show_more, st, free);
	return CMD_SUCCESS;
}

/* ---- interfaces ---- */

static void zl_show_iface_text(struct zl *zl, struct vty *vty, const struct zl_iface *ifp)
{
	struct zl_iface_conf *c = zl_iface_conf_get(zl, ifp->name, false);
	char a[KLD_PREFIX_STRLEN];

	vty_out(vty, "Interface %s is %s, line protocol is %s\n", ifp->name,
		ifp->admin_up ? "up" : "down", ifp->oper_up ? "up" : "down");
	if (c && c->description)
		vty_out(vty, "  Description: %s\n", c->description);
	vty_out(vty, "  index %u mtu %u\n", ifp->ifindex, ifp->mtu);
	if (ifp->kind[0])
		vty_out(vty, "  Type: %s\n", ifp->kind);
	vty_out(vty, "  HWaddr: %02x:%02x:%02x:%02x:%02x:%02x\n", ifp->mac[0], ifp->mac[1],
		ifp->mac[2], ifp->mac[3], ifp->mac[4], ifp->mac[5]);
	for (const struct zl_addr *ad = ifp->addrs; ad; ad = ad->next)
		vty_out(vty, "  %s %s\n", ad->prefix.family == AF_INET ? "inet" : "inet6",
			kld_prefix_fmt(&ad->prefix, a, sizeof(a)));
}

static bool zl_link_local(const struct kld_prefix *p)
{
	return p->family == AF_INET6 && p->u.bytes[0] == 0xfe && (p->u.bytes[1] & 0xc0) == 0x80;
}

/* As FRR: IPv4 first, then global IPv6; link-local addresses are left out. */
static void zl_show_iface_brief_one(struct vty *vty, const struct zl_iface *ifp)
{
	static const uint8_t order[] = { AF_INET, AF_INET6 };
	char a[KLD_PREFIX_STRLEN];
	int shown = 0;

	vty_out(vty, "%-15s %-7s %-15s ", ifp->name,
		ifp->admin_up && ifp->oper_up ? "up" : "down", "default");
	for (size_t f = 0; f < KLD_ARRAY_SIZE(order); f++) {
		for (const struct zl_addr *ad = ifp->addrs; ad; ad = ad->next) {
			if (ad->prefix.family != order[f] || zl_link_local(&ad->prefix))
				continue;
			if (shown++)
				vty_out(vty, "\n%40s+ ", "");
			vty_out(vty, "%s", kld_prefix_fmt(&ad->prefix, a, sizeof(a)));
		}
	}
	vty_out(vty, "\n");
}

static void zl_show_iface_brief(struct zl *zl, struct vty *vty)
{
	vty_out(vty, "Interface       Status  VRF             Addresses\n"
		     "---------       ------  ---             ---------\n");
	for (const struct zl_iface *ifp = zl->ifaces; ifp; ifp = ifp->next)
		zl_show_iface_brief_one(vty, ifp);
}

static json_object *zl_iface_json(struct zl *zl, const struct zl_iface *ifp)
{
	json_object *o = json_object_new_object(), *addrs = json_object_new_array();
	struct zl_iface_conf *c = zl_iface_conf_get(zl, ifp->name, false);
	char a[KLD_PREFIX_STRLEN];

	json_object_object_add(o, "administrativeStatus",
			       json_object_new_string(ifp->admin_up ? "up" : "down"));
	json_object_object_add(o, "operationalStatus",
			       json_object_new_string(ifp->oper_up ? "up" : "down"));
	json_object_object_add(o, "index", json_object_new_int((int)ifp->ifindex));
	json_object_object_add(o, "mtu", json_object_new_int((int)ifp->mtu));
	json_object_object_add(o, "type", json_object_new_string(ifp->kind));
	if (c && c->description)
		json_object_object_add(o, "description", json_object_new_string(c->description));
	for (const struct zl_addr *ad = ifp->addrs; ad; ad = ad->next) {
		json_object *x = json_object_new_object();

		json_object_object_add(x, "address", json_object_new_string(
			kld_prefix_fmt(&ad->prefix, a, sizeof(a))));
		json_object_array_add(addrs, x);
	}
	json_object_object_add(o, "ipAddresses", addrs);
	return o;
}

static int zl_cmd_show_iface(struct vty *vty, const struct cmd_args *args)
{
	struct zl *zl = vty->arg;
	const char *name = cmd_arg(args, "ifname");
	json_object *json = cmd_has(args, "json") ? json_object_new_object() : NULL;
	int shown = 0;

	if (!json && cmd_has(args, "brief")) {
		zl_show_iface_brief(zl, vty);
		return CMD_SUCCESS;
	}
	for (const struct zl_iface *ifp = zl->ifaces; ifp; ifp = ifp->next) {
		if (name && strcmp(name, ifp->name))
			continue;
		shown++;
		if (json)
			json_object_object_add(json, ifp->name, zl_iface_json(zl, ifp));
		else
			zl_show_iface_text(zl, vty, ifp);
	}
	if (json) {
		vty_out(vty, "%s\n", json_object_to_json_string_ext(json, JSON_C_TO_STRING_PRETTY));
		json_object_put(json);
	} else if (name && !shown) {
		vty_out(vty, "%% Can't find interface %s\n", name);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

#define ZL_PROTOS "<kernel|connected|static|bgp|wireguard|vxlan>$proto"
#define ZL_PROTO_HELP "Kernel routes\nConnected routes\nStatic routes\nBGP routes\n" \
	"WireGuard allowed-ips routes\nVXLAN routes\n"
#define ZL_SHOW_V4 "Show running system information\nIP information\nIP routing table\n" \
	"Table to display\nThe table number\n"
#define ZL_SHOW_V6 "Show running system information\nIPv6 information\nIPv6 routing table\n" \
	"Table to display\nThe table number\n"

static const struct cmd_def zl_show_cmds[] = {
	{ "view", "show ip route [table (1-4294967295)$table] [json]",
	  ZL_SHOW_V4 "JavaScript Object Notation\n", zl_cmd_show_route, NULL, 0 },
	{ "view", "show ip route [table (1-4294967295)$table] <A.B.C.D|A.B.C.D/M>$addr [json]",
	  ZL_SHOW_V4 "Network in the IP routing table to display\nIP prefix <network>/<length>\n"
	  "JavaScript Object Notation\n", zl_cmd_show_route, NULL, 0 },
	{ "view", "show ip route [table (1-4294967295)$table] " ZL_PROTOS " [json]",
	  ZL_SHOW_V4 ZL_PROTO_HELP "JavaScript Object Notation\n", zl_cmd_show_route, NULL, 0 },
	{ "view", "show ipv6 route [table (1-4294967295)$table] [json]",
	  ZL_SHOW_V6 "JavaScript Object Notation\n", zl_cmd_show_route, NULL, 0 },
	{ "view", "show ipv6 route [table (1-4294967295)$table] <X:X::X:X|X:X::X:X/M>$addr [json]",
	  ZL_SHOW_V6 "IPv6 Address\nIPv6 prefix\nJavaScript Object Notation\n",
	  zl_cmd_show_route, NULL, 0 },
	{ "view", "show ipv6 route [table (1-4294967295)$table] " ZL_PROTOS " [json]",
	  ZL_SHOW_V6 ZL_PROTO_HELP "JavaScript Object Notation\n", zl_cmd_show_route, NULL, 0 },
	{ "view", "show interface [brief] [json]",
	  "Show running system information\nInterface status and configuration\nInterface status and configuration summary\nJavaScript Object Notation\n",
	  zl_cmd_show_iface, NULL, 0 },
	{ "view", "show interface IFNAME$ifname [json]",
	  "Show running system information\nInterface status and configuration\nInterface name\nJavaScript Object Notation\n",
	  zl_cmd_show_iface, NULL, 0 },
};

void zl_show_install(struct cmd_tree *tree)
{
	cmd_tree_add_all(tree, zl_show_cmds, KLD_ARRAY_SIZE(zl_show_cmds));
}
