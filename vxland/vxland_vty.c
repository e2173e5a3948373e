/*
 * vxland's configuration commands and its running config (doc/vxland.md).
 *
 * Every handler checks before it changes anything: a bad VNI, port, MAC
 * or address, a device name another segment or bridge already uses, a
 * remote beside a group, a bridge that is some other kind of device get
 * "% ..." and CMD_WARNING with the state untouched. Values are taken as
 * words and parsed here, so that the error names what is wrong instead of
 * the shell's generic "% Unknown command".
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "vxland.h"

#define NO "Negate a command or set its defaults\n"
#define ADDR_HELP "IPv4 or IPv6 address\n"

static struct vxland *vx_of(struct vty *vty)
{
	return vty->arg;
}

static struct vx_seg *vx_ctx_seg(struct vty *vty)
{
	return vty_ctx(vty, 0);
}

static struct vx_bridge *vx_ctx_br(struct vty *vty)
{
	return vty_ctx(vty, 0);
}

static void vx_changed(struct vty *vty, struct vx_status *st)
{
	st->dirty = true;
	vx_schedule_push(vx_of(vty));
}

/* ---- value checks ---- */

static bool vx_ifname_ok(struct vty *vty, const char *name)
{
	size_t n = strlen(name);

	if (n && n < IFNAMSIZ && !strpbrk(name, "/: \t"))
		return true;
	vty_out(vty, "%% Invalid interface name %s (1-%d characters, no '/' or ':')\n", name,
		IFNAMSIZ - 1);
	return false;
}

/* vxlanN belongs to VNI N's device whether or not that segment exists yet,
 * so no configuration line depends on the order of others. */
static bool vx_reserved_ok(struct vty *vty, const char *name, uint32_t own_vni)
{
	uint32_t r = vx_reserved_vni(name);

	if (!r || r == own_vni)
		return true;
	vty_out(vty, "%% %s is kept for the device of vxlan %u (vxlanN names VNI N's device)\n",
		name, r);
	return false;
}

static bool vx_is_mcast(const struct kld_addr *a)
{
	return a->family == AF_INET ? (a->u.bytes[0] & 0xf0) == 0xe0 : a->u.bytes[0] == 0xff;
}

static bool vx_is_zero(const struct kld_addr *a)
{
	static const uint8_t z[16];

	return !memcmp(a->u.bytes, z, kld_family_bytes(a->family));
}

/* mode 0: unicast VTEP, 1: multicast group */
static int vx_addr_arg(struct vty *vty, const char *text, struct kld_addr *a, int mode)
{
	if (kld_addr_parse(text, a) < 0) {
		vty_out(vty, "%% Malformed address %s: expected A.B.C.D or X:X::X:X\n", text);
		return -1;
	}
	if (vx_is_zero(a)) {
		vty_out(vty, "%% Address %s is unspecified\n", text);
		return -1;
	}
	if (mode == 1 && !vx_is_mcast(a)) {
		vty_out(vty, "%% %s is not a multicast group (224.0.0.0/4 or ff00::/8)\n", text);
		return -1;
	}
	if (mode == 0 && vx_is_mcast(a)) {
		vty_out(vty, "%% %s is a multicast address: use `group` for a multicast group\n",
			text);
		return -1;
	}
	return 0;
}

static uint8_t vx_seg_family(const struct vx_seg *s)
{
	if (s->local.family)
		return s->local.family;
	if (s->remote.family)
		return s->remote.family;
	if (s->group.family)
		return s->group.family;
	if (s->nflood)
		return s->flood[0].family;
	/* a typed remote MAC's VTEP too: `remote` of the other family after
	 * it would leave a line the segment refuses when read again */
	return s->nmacs ? s->macs[0].dst.family : 0;
}

static int vx_family_ok(struct vty *vty, const struct vx_seg *s, const struct kld_addr *a,
			const char *text)
{
	uint8_t f = vx_seg_family(s);

	if (!f || f == a->family)
		return 0;
	vty_out(vty, "%% %s is not of the segment's underlay family (IPv%d)\n", text,
		f == AF_INET ? 4 : 6);
	return -1;
}

static int vx_num_arg(struct vty *vty, const struct cmd_args *args, const char *name,
		      const char *what, long long lo, long long hi, long long *out)
{
	long long n = cmd_arg_int(args, name, -1);

	if (n < lo || n > hi) {
		vty_out(vty, "%% %s %s out of range: %lld-%lld\n", what, cmd_arg(args, name), lo, hi);
		return -1;
	}
	*out = n;
	return 0;
}

/* ---- config node ---- */

/* Bridges no segment names and no block declares go (deleted in zebra-lite). */
static bool vx_bridge_named(struct vxland *v, const char *name)
{
	for (struct vx_seg *s = v->segs; s; s = s->next)
		if (!strcmp(s->bridge, name))
			return true;
	return false;
}

static void vx_bridges_gc(struct vxland *v)
{
	struct vx_bridge **pp = &v->brs, *b;

	while ((b = *pp)) {
		if (b->declared || vx_bridge_named(v, b->name)) {
			pp = &b->next;
			continue;
		}
		*pp = b->next;
		vx_zebra_delete(v, b->name);
		vx_bridge_free(b);
	}
}


/* A device of that name that zebra-lite did not make for vxland: it would
 * refuse to take it over later, after the prompt said nothing. */
static bool vx_foreign(struct vty *vty, struct vxland *v, const char *name)
{
	const struct vx_iface *i = vx_iface_get(v, name);

	if (!i || i->ours)
		return false;
	vty_out(vty, "%% %s exists and was not made by vxland (a %s device)\n", name,
		i->kind[0] ? i->kind : "physical");
	return true;
}

static int vx_cmd_vxlan(struct vty *vty, const struct cmd_args *args)
{
	long long vni;
	char buf[IFNAMSIZ], who[64];
	struct vxland *v = vx_of(vty);
	struct vx_seg *s;

	if (vx_num_arg(vty, args, "vni", "VNI", 1, VX_VNI_MAX, &vni) < 0)
		return CMD_WARNING;
	s = vx_seg_get(v, (uint32_t)vni, false);
	if (!s) {
		snprintf(buf, sizeof(buf), "vxlan%lld", vni);
		if (vx_name_user(v, buf, VX_USE_ALL, NULL, NULL, who, sizeof(who))) {
			vty_out(vty, "%% The default device name %s is used by %s\n", buf, who);
			return CMD_WARNING;
		}
		if (vx_foreign(vty, v, buf))
			return CMD_WARNING;
		s = vx_seg_get(v, (uint32_t)vni, true);
		vx_schedule_push(v);
	}
	vty_set_ctx(vty, s);
	return CMD_SUCCESS;
}

static int vx_cmd_no_vxlan(struct vty *vty, const struct cmd_args *args)
{
	struct vxland *v = vx_of(vty);
	long long vni = cmd_arg_int(args, "vni", 0);
	struct vx_seg *s = vni > 0 && vni <= VX_VNI_MAX ? vx_seg_get(v, (uint32_t)vni, false) : NULL;
	char buf[IFNAMSIZ];

	if (!s) {
		vty_out(vty, "%% No VXLAN segment %s\n", cmd_arg(args, "vni"));
		return CMD_WARNING;
	}
	vx_zebra_delete(v, vx_seg_ifname(s, buf));
	for (struct vx_seg **pp = &v->segs; *pp; pp = &(*pp)->next) {
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	}
	vx_seg_free(s);
	vx_bridges_gc(v);
	return CMD_SUCCESS;
}

static int vx_bridge_name_check(struct vty *vty, struct vxland *v, const char *name,
				const struct vx_bridge *self)
{
	const struct vx_iface *i;
	char who[64];

	if (!vx_ifname_ok(vty, name) || !vx_reserved_ok(vty, name, 0))
		return -1;
	if (vx_name_user(v, name, VX_USE_DEV | VX_USE_UNDERLAY | VX_USE_MEMBER, NULL, self, who,
			 sizeof(who))) {
		vty_out(vty, "%% %s is used by %s\n", name, who);
		return -1;
	}
	i = vx_iface_get(v, name);
	if (i && strcmp(i->kind, "bridge")) {
		vty_out(vty, "%% %s is a %s device, not vxland's bridge\n", name,
			i->kind[0] ? i->kind : "physical");
		return -1;
	}
	return 0;
}

static int vx_cmd_bridge(struct vty *vty, const struct cmd_args *args)
{
	struct vxland *v = vx_of(vty);
	const char *name = cmd_arg(args, "name");
	struct vx_bridge *b = vx_bridge_get(v, name, false);

	if (!b && vx_bridge_name_check(vty, v, name, NULL) < 0)
		return CMD_WARNING;
	if (!b)
		b = vx_bridge_get(v, name, true);
	if (!b->declared) {
		b->declared = true;
		vx_changed(vty, &b->st);
	}
	vty_set_ctx(vty, b);
	return CMD_SUCCESS;
}

static int vx_cmd_no_bridge(struct vty *vty, const struct cmd_args *args)
{
	struct vxland *v = vx_of(vty);
	struct vx_bridge *b = vx_bridge_get(v, cmd_arg(args, "name"), false);

	if (!b || !b->declared) {
		vty_out(vty, "%% No bridge %s\n", cmd_arg(args, "name"));
		return CMD_WARNING;
	}
	b->declared = false;
	b->nmembers = 0;
	b->naddrs = 0;
	b->mtu = 0;
	vx_changed(vty, &b->st);
	vx_bridges_gc(v);
	return CMD_SUCCESS;
}

/* ---- vxlan node ---- */

static int vx_cmd_interface(struct vty *vty, const struct cmd_args *args)
{
	struct vxland *v = vx_of(vty);
	struct vx_seg *s = vx_ctx_seg(vty);
	const char *name = cmd_has(args, "no") ? "" : cmd_arg(args, "name");
	char oldbuf[IFNAMSIZ], nowbuf[IFNAMSIZ], old[IFNAMSIZ], now[IFNAMSIZ], who[64];
	struct vx_seg probe = *s;

	if (name[0] && (!vx_ifname_ok(vty, name) || !vx_reserved_ok(vty, name, s->vni)))
		return CMD_WARNING;
	snprintf(probe.ifname, sizeof(probe.ifname), "%s", name);
	/* vx_seg_ifname fills its buffer only for the default name: copy what it returns. */
	snprintf(now, sizeof(now), "%s", vx_seg_ifname(&probe, nowbuf));
	snprintf(old, sizeof(old), "%s", vx_seg_ifname(s, oldbuf));
	if (vx_name_user(v, now, VX_USE_ALL, s, NULL, who, sizeof(who))) {
		vty_out(vty, "%% Device name %s is used by %s\n", now, who);
		return CMD_WARNING;
	}
	if (vx_iface_get(v, now) && strcmp(vx_iface_get(v, now)->kind, "vxlan")) {
		vty_out(vty, "%% %s is a %s device, not vxland's\n", now,
			vx_iface_get(v, now)->kind[0] ? vx_iface_get(v, now)->kind : "physical");
		return CMD_WARNING;
	}
	if (strcmp(old, now) && vx_foreign(vty, v, now))
		return CMD_WARNING;
	if (strcmp(old, now))
		vx_zebra_delete(v, old);
	snprintf(s->ifname, sizeof(s->ifname), "%s", name);
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_cmd_local(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);
	struct vx_seg probe = *s;
	struct kld_addr a = { 0 };

	if (!cmd_has(args, "no")) {
		if (vx_addr_arg(vty, cmd_arg(args, "addr"), &a, 0) < 0)
			return CMD_WARNING;
		probe.local.family = 0;
		if (vx_family_ok(vty, &probe, &a, cmd_arg(args, "addr")) < 0)
			return CMD_WARNING;
	}
	s->local = a;
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_cmd_remote(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);
	struct vx_seg probe = *s;
	struct kld_addr a = { 0 };
	char ab[KLD_ADDR_STRLEN];

	if (!cmd_has(args, "no")) {
		if (vx_addr_arg(vty, cmd_arg(args, "addr"), &a, 0) < 0)
			return CMD_WARNING;
		if (s->group.family) {
			vty_out(vty, "%% A segment has a remote or a group, not both: it has group %s\n",
				kld_addr_fmt(&s->group, ab, sizeof(ab)));
			return CMD_WARNING;
		}
		probe.remote.family = 0;
		if (vx_family_ok(vty, &probe, &a, cmd_arg(args, "addr")) < 0)
			return CMD_WARNING;
	}
	s->remote = a;
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_cmd_group(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);
	struct vx_seg probe = *s;
	struct kld_addr a = { 0 };
	char ab[KLD_ADDR_STRLEN];

	if (!cmd_has(args, "no")) {
		if (vx_addr_arg(vty, cmd_arg(args, "addr"), &a, 1) < 0)
			return CMD_WARNING;
		if (s->remote.family) {
			vty_out(vty, "%% A segment has a remote or a group, not both: it has remote %s\n",
				kld_addr_fmt(&s->remote, ab, sizeof(ab)));
			return CMD_WARNING;
		}
		if (s->nflood || s->flood_mesh[0] || s->flood_evpn) {
			vty_out(vty, "%% A segment floods to a group or to a list, not both\n");
			return CMD_WARNING;
		}
		probe.group.family = 0;
		if (vx_family_ok(vty, &probe, &a, cmd_arg(args, "addr")) < 0)
			return CMD_WARNING;
	}
	s->group = a;
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static bool vx_flood_has(const struct vx_seg *s, const struct kld_addr *a)
{
	for (size_t i = 0; i < s->nflood; i++)
		if (kld_addr_eq(&s->flood[i], a))
			return true;
	return false;
}

/* Every word is checked before any is added: all or nothing. */
static int vx_cmd_flood(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);
	const char *list = cmd_arg(args, "list");
	bool no = cmd_has(args, "no");
	char **words = NULL;
	size_t *offs = NULL, n = list ? cmd_split(list, &words, &offs) : 0;
	struct kld_addr *a = kld_xcalloc(n + 1, sizeof(*a));
	int ret = CMD_WARNING;

	if (!no && s->group.family) {
		vty_out(vty, "%% A segment floods to a group or to a list, not both\n");
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		if (vx_addr_arg(vty, words[i], &a[i], 0) < 0 ||
		    (!no && vx_family_ok(vty, s, &a[i], words[i]) < 0))
			goto out;
		if (no && !vx_flood_has(s, &a[i])) {
			vty_out(vty, "%% %s is not in the flood list\n", words[i]);
			goto out;
		}
	}
	if (no && !n)
		s->nflood = 0;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; no && j < s->nflood; j++)
			if (kld_addr_eq(&s->flood[j], &a[i]))
				s->flood[j--] = s->flood[--s->nflood];
		if (no || vx_flood_has(s, &a[i]))
			continue;
		s->flood = kld_xrealloc(s->flood, (s->nflood + 1) * sizeof(*s->flood));
		s->flood[s->nflood++] = a[i];
	}
	vx_changed(vty, &s->st);
	ret = CMD_SUCCESS;
out:
	free(a);
	cmd_words_free(words, offs, n);
	return ret;
}

static int vx_cmd_flood_mesh(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);
	const char *name = cmd_has(args, "no") ? "" : cmd_arg(args, "mesh");

	if (name[0] && s->group.family) {
		vty_out(vty, "%% A segment floods to a group or to a list, not both\n");
		return CMD_WARNING;
	}
	if (strlen(name) >= sizeof(s->flood_mesh)) {
		vty_out(vty, "%% Mesh name too long\n");
		return CMD_WARNING;
	}
	snprintf(s->flood_mesh, sizeof(s->flood_mesh), "%s", name);
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

/* The segment's flood list and remote MACs come from BGP EVPN: zebra-lite
 * hands the VNI and the MACs of its bridge to bgpd, which writes the
 * remote VTEPs' entries (doc/evpn.md). Typed flood VTEPs and MACs stay
 * and coexist; a multicast group does not. */
static int vx_cmd_flood_evpn(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);
	bool on = !cmd_has(args, "no");

	if (on && s->group.family) {
		vty_out(vty, "%% A segment floods to a group or to a list, not both\n");
		return CMD_WARNING;
	}
	if (s->flood_evpn == on)
		return CMD_SUCCESS;
	s->flood_evpn = on;
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_cmd_underlay(struct vty *vty, const struct cmd_args *args)
{
	struct vxland *v = vx_of(vty);
	struct vx_seg *s = vx_ctx_seg(vty);
	const char *name = cmd_has(args, "no") ? "" : cmd_arg(args, "name");
	char who[64];

	if (name[0] && (!vx_ifname_ok(vty, name) || !vx_reserved_ok(vty, name, 0)))
		return CMD_WARNING;
	if (name[0] &&
	    vx_name_user(v, name, VX_USE_DEV | VX_USE_BRIDGE, NULL, NULL, who, sizeof(who))) {
		vty_out(vty, "%% %s is %s: an underlay is the device VXLAN runs over\n", name, who);
		return CMD_WARNING;
	}
	snprintf(s->underlay, sizeof(s->underlay), "%s", name);
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_cmd_dstport(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);
	long long port = 0;

	if (!cmd_has(args, "no") && vx_num_arg(vty, args, "port", "Port", 1, 65535, &port) < 0)
		return CMD_WARNING;
	s->dstport = (uint16_t)port;
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_cmd_srcport(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);
	long long lo = 0, hi = 0;

	if (!cmd_has(args, "no")) {
		if (vx_num_arg(vty, args, "min", "Port", 1, 65535, &lo) < 0 ||
		    vx_num_arg(vty, args, "max", "Port", 1, 65535, &hi) < 0)
			return CMD_WARNING;
		if (lo > hi) {
			vty_out(vty, "%% Source-port range %lld-%lld is empty\n", lo, hi);
			return CMD_WARNING;
		}
	}
	s->port_min = (uint16_t)lo;
	s->port_max = (uint16_t)hi;
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_cmd_learning(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);

	s->nolearning = cmd_has(args, "no");
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_cmd_udpcsum(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);

	s->noudpcsum = cmd_has(args, "no");
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_cmd_udp6(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);
	bool on = !cmd_has(args, "no");

	if (cmd_has(args, "udp6-zero-checksum-tx"))
		s->udp6zerocsumtx = on;
	else
		s->udp6zerocsumrx = on;
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_cmd_ttl(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);
	long long ttl = 0;

	if (!cmd_has(args, "no") && vx_num_arg(vty, args, "ttl", "TTL", 1, 255, &ttl) < 0)
		return CMD_WARNING;
	s->ttl = (uint8_t)ttl;
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_cmd_tos(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);
	long long tos = 0;

	if (cmd_has(args, "inherit"))
		tos = 1;
	else if (!cmd_has(args, "no") && vx_num_arg(vty, args, "tos", "TOS", 0, 255, &tos) < 0)
		return CMD_WARNING;
	s->tos = (uint8_t)tos;
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_mtu_arg(struct vty *vty, const struct cmd_args *args, uint32_t *mtu)
{
	long long n = 0;

	if (!cmd_has(args, "no") && vx_num_arg(vty, args, "mtu", "MTU", 68, 65535, &n) < 0)
		return -1;
	*mtu = (uint32_t)n;
	return 0;
}

static int vx_cmd_mtu(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);

	if (vx_mtu_arg(vty, args, &s->mtu) < 0)
		return CMD_WARNING;
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_cmd_seg_bridge(struct vty *vty, const struct cmd_args *args)
{
	struct vxland *v = vx_of(vty);
	struct vx_seg *s = vx_ctx_seg(vty);
	const char *name = cmd_has(args, "no") ? "" : cmd_arg(args, "name");
	struct vx_bridge *b;

	if (name[0] && !vx_bridge_get(v, name, false) && vx_bridge_name_check(vty, v, name, NULL) < 0)
		return CMD_WARNING;
	snprintf(s->bridge, sizeof(s->bridge), "%s", name);
	if (name[0]) {
		b = vx_bridge_get(v, name, true);
		b->st.dirty = true;
	}
	vx_bridges_gc(v);
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_addr_list(struct vty *vty, const struct cmd_args *args, struct kld_prefix **list,
			size_t *n)
{
	struct kld_prefix p;
	size_t i;

	if (kld_ifaddr_parse(cmd_arg(args, "addr"), &p) < 0) {
		vty_out(vty, "%% Malformed address %s: expected A.B.C.D/M or X:X::X:X/M\n",
			cmd_arg(args, "addr"));
		return -1;
	}
	for (i = 0; i < *n; i++)
		if (kld_prefix_eq(&(*list)[i], &p) && !memcmp(&(*list)[i], &p, sizeof(p)))
			break;
	if (cmd_has(args, "no")) {
		if (i == *n) {
			vty_out(vty, "%% Address %s is not configured\n", cmd_arg(args, "addr"));
			return -1;
		}
		(*list)[i] = (*list)[--*n];
	} else if (i == *n) {
		*list = kld_xrealloc(*list, (*n + 1) * sizeof(p));
		(*list)[(*n)++] = p;
	}
	return 0;
}

static int vx_cmd_seg_address(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);

	if (vx_addr_list(vty, args, &s->addrs, &s->naddrs) < 0)
		return CMD_WARNING;
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

static int vx_cmd_mac(struct vty *vty, const struct cmd_args *args)
{
	struct vx_seg *s = vx_ctx_seg(vty);
	const char *text = cmd_arg(args, "mac");
	uint8_t mac[6];
	struct kld_addr dst = { 0 };
	long i;

	if (vx_mac_parse(text, mac) < 0) {
		vty_out(vty, "%% Malformed MAC address %s: expected XX:XX:XX:XX:XX:XX\n", text);
		return CMD_WARNING;
	}
	if (mac[0] & 1 || !memcmp(mac, "\0\0\0\0\0\0", 6)) {
		vty_out(vty, "%% %s is not a unicast MAC address (flooding is `flood`)\n", text);
		return CMD_WARNING;
	}
	i = vx_mac_find(s, mac);
	if (cmd_has(args, "no")) {
		if (i < 0) {
			vty_out(vty, "%% MAC %s is not configured\n", text);
			return CMD_WARNING;
		}
		vx_mac_del(s, (size_t)i);
		vx_changed(vty, &s->st);
		return CMD_SUCCESS;
	}
	if (vx_addr_arg(vty, cmd_arg(args, "addr"), &dst, 0) < 0 ||
	    vx_family_ok(vty, s, &dst, cmd_arg(args, "addr")) < 0)
		return CMD_WARNING;
	vx_mac_put(s, mac, &dst);
	vx_changed(vty, &s->st);
	return CMD_SUCCESS;
}

/* ---- bridge node ---- */

static int vx_cmd_member(struct vty *vty, const struct cmd_args *args)
{
	struct vxland *v = vx_of(vty);
	struct vx_bridge *b = vx_ctx_br(vty);
	const char *name = cmd_arg(args, "name");
	char who[64];
	size_t i;

	if (!vx_ifname_ok(vty, name))
		return CMD_WARNING;
	for (i = 0; i < b->nmembers && strcmp(b->members[i], name); i++)
		;
	if (cmd_has(args, "no")) {
		if (i == b->nmembers) {
			vty_out(vty, "%% %s is not a member of %s\n", name, b->name);
			return CMD_WARNING;
		}
		memcpy(b->members[i], b->members[--b->nmembers], IFNAMSIZ);
		vx_changed(vty, &b->st);
		return CMD_SUCCESS;
	}
	if (!vx_reserved_ok(vty, name, 0))
		return CMD_WARNING;
	if (vx_name_user(v, name, VX_USE_DEV | VX_USE_BRIDGE | VX_USE_MEMBER, NULL, b, who,
			 sizeof(who))) {
		vty_out(vty, "%% %s is %s%s\n", name, who,
			vx_seg_by_ifname(v, name) ? ": a segment joins a bridge with `bridge`" : "");
		return CMD_WARNING;
	}
	if (i == b->nmembers) {
		b->members = kld_xrealloc(b->members, (b->nmembers + 1) * IFNAMSIZ);
		snprintf(b->members[b->nmembers++], IFNAMSIZ, "%s", name);
	}
	vx_changed(vty, &b->st);
	return CMD_SUCCESS;
}

static int vx_cmd_br_address(struct vty *vty, const struct cmd_args *args)
{
	struct vx_bridge *b = vx_ctx_br(vty);

	if (vx_addr_list(vty, args, &b->addrs, &b->naddrs) < 0)
		return CMD_WARNING;
	vx_changed(vty, &b->st);
	return CMD_SUCCESS;
}

static int vx_cmd_br_mtu(struct vty *vty, const struct cmd_args *args)
{
	struct vx_bridge *b = vx_ctx_br(vty);

	if (vx_mtu_arg(vty, args, &b->mtu) < 0)
		return CMD_WARNING;
	b->mtu_was_set |= b->mtu != 0;
	vx_changed(vty, &b->st);
	return CMD_SUCCESS;
}

#define VNI_HELP "VXLAN network identifier (1-16777215)\n"
#define SEG "A VXLAN segment\n"

static const struct cmd_def vx_cmds[] = {
	{ "config", "vxlan (1-16777215)$vni", SEG VNI_HELP, vx_cmd_vxlan, "vxlan", 0 },
	{ "config", "no vxlan (1-16777215)$vni", NO SEG VNI_HELP, vx_cmd_no_vxlan, NULL, 0 },
	{ "config", "bridge IFNAME$name", "A bridge of vxland's\nBridge name\n", vx_cmd_bridge,
	  "vxlan-bridge", 0 },
	{ "config", "no bridge IFNAME$name", NO "A bridge of vxland's\nBridge name\n",
	  vx_cmd_no_bridge, NULL, 0 },
	{ "vxlan", "[no] interface IFNAME$name",
	  NO "Name of the VXLAN device (default vxlanVNI)\nInterface name\n", vx_cmd_interface,
	  NULL, 0 },
	{ "vxlan", "no interface", NO "Name of the VXLAN device (default vxlanVNI)\n",
	  vx_cmd_interface, NULL, 0 },
	{ "vxlan", "local WORD$addr", "Local VTEP address (source of the tunnel)\n" ADDR_HELP,
	  vx_cmd_local, NULL, 0 },
	{ "vxlan", "no local [WORD]", NO "Local VTEP address\n" ADDR_HELP, vx_cmd_local, NULL, 0 },
	{ "vxlan", "remote WORD$addr", "The remote VTEP (point to point)\n" ADDR_HELP,
	  vx_cmd_remote, NULL, 0 },
	{ "vxlan", "no remote [WORD]", NO "The remote VTEP\n" ADDR_HELP, vx_cmd_remote, NULL, 0 },
	{ "vxlan", "group WORD$addr", "Multicast group for flooding\nMulticast address\n",
	  vx_cmd_group, NULL, 0 },
	{ "vxlan", "no group [WORD]", NO "Multicast group\nMulticast address\n", vx_cmd_group,
	  NULL, 0 },
	{ "vxlan", "flood LINE...$list",
	  "Head-end replication: flood to these remote VTEPs\nOne or more VTEP addresses\n",
	  vx_cmd_flood, NULL, 0 },
	{ "vxlan", "no flood [LINE...$list]", NO "Head-end replication list\nVTEP addresses\n",
	  vx_cmd_flood, NULL, 0 },
	{ "vxlan", "flood mesh WORD$mesh",
	  "Head-end replication\nFlood to every member of a WireGuard mesh of wgd\nMesh name\n",
	  vx_cmd_flood_mesh, NULL, 0 },
	{ "vxlan", "no flood mesh [WORD]", NO "Head-end replication\nA mesh of wgd\nMesh name\n",
	  vx_cmd_flood_mesh, NULL, 0 },
	{ "vxlan", "[no] flood evpn",
	  NO "Head-end replication\nTo the VTEPs BGP EVPN learns (bgpd's address-family l2vpn evpn)\n",
	  vx_cmd_flood_evpn, NULL, 0 },
	{ "vxlan", "underlay IFNAME$name", "Device the tunnel runs over (wg0)\nInterface name\n",
	  vx_cmd_underlay, NULL, 0 },
	{ "vxlan", "no underlay [IFNAME]", NO "Underlay device\nInterface name\n", vx_cmd_underlay,
	  NULL, 0 },
	{ "vxlan", "dstport (1-65535)$port", "UDP destination port (default 4789)\nPort\n",
	  vx_cmd_dstport, NULL, 0 },
	{ "vxlan", "no dstport [(1-65535)]", NO "UDP destination port\nPort\n", vx_cmd_dstport,
	  NULL, 0 },
	{ "vxlan", "srcport (1-65535)$min (1-65535)$max",
	  "UDP source-port range\nLowest port\nHighest port\n", vx_cmd_srcport, NULL, 0 },
	{ "vxlan", "no srcport [(1-65535) (1-65535)]",
	  NO "UDP source-port range\nLowest port\nHighest port\n", vx_cmd_srcport, NULL, 0 },
	{ "vxlan", "[no] learning", NO "Learn remote MACs from received frames (default on)\n",
	  vx_cmd_learning, NULL, 0 },
	{ "vxlan", "[no] udp-checksum", NO "UDP checksum on IPv4 transmit (default on)\n",
	  vx_cmd_udpcsum, NULL, 0 },
	{ "vxlan", "[no] udp6-zero-checksum-tx",
	  NO "IPv6 underlay: send a zero UDP checksum (default off)\n", vx_cmd_udp6, NULL, 0 },
	{ "vxlan", "[no] udp6-zero-checksum-rx",
	  NO "IPv6 underlay: accept a zero UDP checksum (default off)\n", vx_cmd_udp6, NULL, 0 },
	{ "vxlan", "ttl (1-255)$ttl", "TTL of the outer header (default auto)\nTTL\n",
	  vx_cmd_ttl, NULL, 0 },
	{ "vxlan", "no ttl [(1-255)]", NO "TTL of the outer header\nTTL\n", vx_cmd_ttl, NULL,
	  0 },
	{ "vxlan", "tos <inherit|(0-255)$tos>",
	  "TOS of the outer header\nCopy the inner TOS\nTOS value\n", vx_cmd_tos, NULL, 0 },
	{ "vxlan", "no tos [<inherit|(0-255)>]",
	  NO "TOS of the outer header\nCopy the inner TOS\nTOS value\n", vx_cmd_tos, NULL, 0 },
	{ "vxlan", "mtu (68-65535)$mtu",
	  "MTU of the VXLAN device (default: the underlay's less the overhead)\nMTU\n",
	  vx_cmd_mtu, NULL, 0 },
	{ "vxlan", "no mtu [(68-65535)]", NO "MTU of the VXLAN device\nMTU\n", vx_cmd_mtu, NULL,
	  0 },
	{ "vxlan", "bridge IFNAME$name", "Bridge the segment joins\nBridge name\n",
	  vx_cmd_seg_bridge, NULL, 0 },
	{ "vxlan", "no bridge [IFNAME]", NO "Bridge the segment joins\nBridge name\n",
	  vx_cmd_seg_bridge, NULL, 0 },
	{ "vxlan", "[no] address WORD$addr",
	  NO "Address of the VXLAN device\nA.B.C.D/M or X:X::X:X/M\n", vx_cmd_seg_address, NULL,
	  0 },
	{ "vxlan", "mac WORD$mac remote WORD$addr",
	  "A static MAC behind a remote VTEP\nMAC address\nThe VTEP it is behind\n" ADDR_HELP,
	  vx_cmd_mac, NULL, 0 },
	{ "vxlan", "no mac WORD$mac [remote WORD]",
	  NO "A static MAC\nMAC address\nThe VTEP it is behind\n" ADDR_HELP, vx_cmd_mac, NULL, 0 },
	{ "vxlan-bridge", "[no] member IFNAME$name", NO "A port of the bridge\nInterface name\n",
	  vx_cmd_member, NULL, 0 },
	{ "vxlan-bridge", "[no] address WORD$addr",
	  NO "Address of the bridge\nA.B.C.D/M or X:X::X:X/M\n", vx_cmd_br_address, NULL, 0 },
	{ "vxlan-bridge", "mtu (68-65535)$mtu", "MTU of the bridge\nMTU\n", vx_cmd_br_mtu, NULL,
	  0 },
	{ "vxlan-bridge", "no mtu [(68-65535)]", NO "MTU of the bridge\nMTU\n", vx_cmd_br_mtu,
	  NULL, 0 },
};

void vx_vty_install(struct cmd_tree *tree)
{
	if (cmd_tree_add_all(tree, vx_cmds, KLD_ARRAY_SIZE(vx_cmds)) < 0)
		abort(); /* a syntax string of ours does not parse */
}

/* ---- running config ---- */

static void vx_write_addrs(struct vty *vty, const struct kld_prefix *a, size_t n)
{
	char pb[KLD_PREFIX_STRLEN + 8], ab[KLD_ADDR_STRLEN];
	struct kld_addr x;

	for (size_t i = 0; i < n; i++) {
		kld_addr_from_prefix(&x, &a[i]);
		snprintf(pb, sizeof(pb), "%s/%u", kld_addr_fmt(&x, ab, sizeof(ab)), a[i].len);
		vty_out(vty, " address %s\n", pb);
	}
}

static void vx_write_bridge(struct vty *vty, const struct vx_bridge *b)
{
	vty_out(vty, "bridge %s\n", b->name);
	for (size_t i = 0; i < b->nmembers; i++)
		vty_out(vty, " member %s\n", b->members[i]);
	vx_write_addrs(vty, b->addrs, b->naddrs);
	if (b->mtu)
		vty_out(vty, " mtu %u\n", b->mtu);
	vty_out(vty, "exit\n!\n");
}

static void vx_write_vteps(struct vty *vty, const struct vx_seg *s)
{
	char ab[KLD_ADDR_STRLEN], mb[18];

	if (s->local.family)
		vty_out(vty, " local %s\n", kld_addr_fmt(&s->local, ab, sizeof(ab)));
	if (s->remote.family)
		vty_out(vty, " remote %s\n", kld_addr_fmt(&s->remote, ab, sizeof(ab)));
	if (s->group.family)
		vty_out(vty, " group %s\n", kld_addr_fmt(&s->group, ab, sizeof(ab)));
	/* As typed (`flood A B`), eight VTEPs a line so a long list stays readable. */
	for (size_t i = 0; i < s->nflood; i++)
		vty_out(vty, "%s%s%s", i % 8 ? " " : " flood ",
			kld_addr_fmt(&s->flood[i], ab, sizeof(ab)),
			i % 8 == 7 || i + 1 == s->nflood ? "\n" : "");
	if (s->flood_mesh[0])
		vty_out(vty, " flood mesh %s\n", s->flood_mesh);
	if (s->flood_evpn)
		vty_out(vty, " flood evpn\n");
	for (size_t i = 0; i < s->nmacs; i++)
		vty_out(vty, " mac %s remote %s\n", vx_mac_fmt(s->macs[i].mac, mb),
			kld_addr_fmt(&s->macs[i].dst, ab, sizeof(ab)));
}

static void vx_write_seg(struct vty *vty, const struct vx_seg *s)
{
	vty_out(vty, "vxlan %u\n", s->vni);
	if (s->ifname[0])
		vty_out(vty, " interface %s\n", s->ifname);
	if (s->underlay[0])
		vty_out(vty, " underlay %s\n", s->underlay);
	if (s->dstport)
		vty_out(vty, " dstport %u\n", s->dstport);
	if (s->port_min)
		vty_out(vty, " srcport %u %u\n", s->port_min, s->port_max);
	if (s->nolearning)
		vty_out(vty, " no learning\n");
	if (s->noudpcsum)
		vty_out(vty, " no udp-checksum\n");
	if (s->udp6zerocsumtx)
		vty_out(vty, " udp6-zero-checksum-tx\n");
	if (s->udp6zerocsumrx)
		vty_out(vty, " udp6-zero-checksum-rx\n");
	if (s->ttl)
		vty_out(vty, " ttl %u\n", s->ttl);
	if (s->tos == 1)
		vty_out(vty, " tos inherit\n");
	else if (s->tos)
		vty_out(vty, " tos %u\n", s->tos);
	if (s->mtu)
		vty_out(vty, " mtu %u\n", s->mtu);
	if (s->bridge[0])
		vty_out(vty, " bridge %s\n", s->bridge);
	vx_write_addrs(vty, s->addrs, s->naddrs);
	vx_write_vteps(vty, s);
	vty_out(vty, "exit\n!\n");
}

void vx_write_config(struct vty *vty)
{
	struct vxland *v = vty->arg;

	for (const struct vx_bridge *b = v->brs; b; b = b->next)
		if (b->declared)
			vx_write_bridge(vty, b);
	for (const struct vx_seg *s = v->segs; s; s = s->next)
		vx_write_seg(vty, s);
}
