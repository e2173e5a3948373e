/*
 * show vxlan [VNI] [json] and show vxlan fdb [VNI] [json], in the layout
 * of FRR's `show evpn vni` and `show evpn mac vni`. The configuration and
 * zebra-lite's answers (state, ifindex, MTU) come from vxland's memory;
 * the FDB (static and learned MACs) is read live from the kernel through
 * zebra-lite.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "vxland.h"

static const char *const vx_state_names[] = {
	[VX_PENDING] = "pending", [VX_UP] = "up", [VX_HELD] = "held", [VX_FAILED] = "failed",
};

static const char *vx_flood_kind(const struct vx_seg *s)
{
	if (s->group.family)
		return "multicast";
	if (s->nflood || s->flood_mesh[0] || s->flood_evpn)
		return "HER";
	return s->remote.family ? "point-to-point" : "none";
}

static size_t vx_nvteps(struct vxland *v, const struct vx_seg *s)
{
	struct kld_addr *f;
	size_t n = vx_seg_flood(v, s, &f);

	free(f);
	return n + (s->remote.family != 0);
}

static const char *vx_addr_s(const struct kld_addr *a, char *buf, size_t size)
{
	if (!a->family)
		return "0.0.0.0";
	return kld_addr_fmt(a, buf, size);
}

static bool vx_vni_arg(struct vty *vty, const struct cmd_args *args, long long *vni)
{
	*vni = cmd_arg_int(args, "vni", 0);
	if (!cmd_arg(args, "vni"))
		return true;
	if (*vni < 1 || *vni > VX_VNI_MAX) {
		vty_out(vty, "%% VNI %s out of range: 1-16777215\n", cmd_arg(args, "vni"));
		return false;
	}
	return true;
}

/* ---- show vxlan ---- */

/* The device's MTU as the kernel has it now (zebra-lite's interface
 * events), so a hand change (`ip link set ... mtu`) shows as drift; before
 * the first event, what zebra-lite reported when it set the link. */
static uint32_t vx_seg_mtu_now(struct vxland *v, const struct vx_seg *s)
{
	char name[IFNAMSIZ];
	const struct vx_iface *i = vx_iface_get(v, vx_seg_ifname(s, name));

	return i && i->mtu ? i->mtu : s->st.mtu;
}

static size_t vx_nlearned_by(const struct vx_seg *s, uint8_t by)
{
	size_t n = 0;

	for (size_t i = 0; i < s->nlearned; i++)
		n += (s->learned[i].by & by) != 0;
	return n;
}

/* `# MACs`: typed plus learned, a MAC once (a MAC typed after the
 * bridge learned it is static now; the kernel tells no one). */
static size_t vx_seg_nmacs(const struct vx_seg *s)
{
	size_t n = s->nmacs;

	for (size_t i = 0; i < s->nlearned; i++)
		n += vx_mac_find(s, s->learned[i].mac) < 0;
	return n;
}

static json_object *vx_seg_json(struct vxland *v, const struct vx_seg *s)
{
	json_object *o = json_object_new_object(), *vteps = json_object_new_array();
	char ab[KLD_ADDR_STRLEN], name[IFNAMSIZ], why[64];
	uint32_t mtu = vx_seg_mtu(v, s, why, sizeof(why));

	json_object_object_add(o, "vni", json_object_new_int64(s->vni));
	json_object_object_add(o, "type", json_object_new_string("L2"));
	json_object_object_add(o, "vxlanIf", json_object_new_string(vx_seg_ifname(s, name)));
	json_object_object_add(o, "ifindex", json_object_new_int64(s->st.ifindex));
	json_object_object_add(o, "state", json_object_new_string(vx_state_names[s->st.state]));
	if (s->st.reason[0])
		json_object_object_add(o, "reason", json_object_new_string(s->st.reason));
	json_object_object_add(o, "vtepIp", json_object_new_string(vx_addr_s(&s->local, ab, sizeof(ab))));
	json_object_object_add(o, "mcastGroup",
			       json_object_new_string(vx_addr_s(&s->group, ab, sizeof(ab))));
	json_object_object_add(o, "underlay", json_object_new_string(s->underlay));
	json_object_object_add(o, "dstport",
			       json_object_new_int(s->dstport ? s->dstport : VX_PORT_IANA));
	json_object_object_add(o, "learning", json_object_new_boolean(!s->nolearning));
	uint32_t now = vx_seg_mtu_now(v, s);

	json_object_object_add(o, "mtu", json_object_new_int64(now ? now : mtu));
	json_object_object_add(o, "mtuWanted", json_object_new_int64(mtu));
	json_object_object_add(o, "mtuMismatch", json_object_new_boolean(now && mtu && now != mtu));
	json_object_object_add(o, "mtuSource", json_object_new_string(why));
	json_object_object_add(o, "bridge", json_object_new_string(s->bridge));
	json_object_object_add(o, "floodType", json_object_new_string(vx_flood_kind(s)));
	if (s->remote.family)
		json_object_array_add(vteps, json_object_new_string(kld_addr_fmt(&s->remote, ab, sizeof(ab))));
	struct kld_addr *f;
	size_t nf = vx_seg_flood(v, s, &f);

	for (size_t i = 0; i < nf; i++)
		json_object_array_add(vteps, json_object_new_string(kld_addr_fmt(&f[i], ab, sizeof(ab))));
	free(f);
	if (s->flood_mesh[0])
		json_object_object_add(o, "floodMesh", json_object_new_string(s->flood_mesh));
	json_object_object_add(o, "floodEvpn", json_object_new_boolean(s->flood_evpn));
	json_object_object_add(o, "remoteVteps", vteps);
	json_object_object_add(o, "numRemoteVteps", json_object_new_int64((int64_t)vx_nvteps(v, s)));
	json_object_object_add(o, "numStaticMacs", json_object_new_int64((int64_t)s->nmacs));
	json_object_object_add(o, "numLearnedMacs", json_object_new_int64((int64_t)s->nlearned));
	json_object_object_add(o, "numLearnedMacsDevice",
			       json_object_new_int64((int64_t)vx_nlearned_by(s, VX_BY_DEVICE)));
	json_object_object_add(o, "numLearnedMacsBridge",
			       json_object_new_int64((int64_t)vx_nlearned_by(s, VX_BY_BRIDGE)));
	json_object_object_add(o, "numMacs", json_object_new_int64((int64_t)vx_seg_nmacs(s)));
	return o;
}

static void vx_seg_detail(struct vty *vty, struct vxland *v, const struct vx_seg *s)
{
	char ab[KLD_ADDR_STRLEN], name[IFNAMSIZ], why[64];
	uint32_t mtu = vx_seg_mtu(v, s, why, sizeof(why)), now = vx_seg_mtu_now(v, s);

	vty_out(vty, "VNI: %u\n Type: L2\n Tenant VRF: default\n", s->vni);
	vty_out(vty, " VxLAN interface: %s\n VxLAN ifIndex: %u\n", vx_seg_ifname(s, name),
		s->st.ifindex);
	vty_out(vty, " State: %s%s%s\n", vx_state_names[s->st.state], s->st.reason[0] ? ": " : "",
		s->st.reason);
	vty_out(vty, " SVI interface: %s\n", s->bridge[0] ? s->bridge : "-");
	vty_out(vty, " Local VTEP IP: %s\n", vx_addr_s(&s->local, ab, sizeof(ab)));
	vty_out(vty, " Mcast group: %s\n", vx_addr_s(&s->group, ab, sizeof(ab)));
	vty_out(vty, " Underlay: %s\n UDP port: %u\n Learning: %s\n",
		s->underlay[0] ? s->underlay : "-", s->dstport ? s->dstport : VX_PORT_IANA,
		s->nolearning ? "No" : "Yes");
	if (now && mtu && now != mtu)
		vty_out(vty, " MTU: %u (MISMATCH: wanted %u, %s)\n", now, mtu, why);
	else
		vty_out(vty, " MTU: %u (%s)\n", now ? now : mtu, why);
	vty_out(vty, " Remote VTEPs for this VNI:\n");
	if (s->remote.family)
		vty_out(vty, "  %s flood: point-to-point\n", kld_addr_fmt(&s->remote, ab, sizeof(ab)));
	struct kld_addr *f;
	size_t nf = vx_seg_flood(v, s, &f);

	for (size_t i = 0; i < nf; i++)
		vty_out(vty, "  %s flood: HER%s%s\n", kld_addr_fmt(&f[i], ab, sizeof(ab)),
			i >= s->nflood ? " mesh " : "", i >= s->nflood ? s->flood_mesh : "");
	free(f);
	vty_out(vty, " Number of static MACs configured for this VNI: %zu\n", s->nmacs);
	vty_out(vty, " Number of MACs learned for this VNI: %zu (%zu by the bridge on %s)\n",
		s->nlearned, vx_nlearned_by(s, VX_BY_BRIDGE), vx_seg_ifname(s, name));
}

static int vx_cmd_show(struct vty *vty, const struct cmd_args *args)
{
	struct vxland *v = vty->arg;
	long long vni;
	json_object *js = NULL;
	char name[IFNAMSIZ];

	if (!vx_vni_arg(vty, args, &vni))
		return CMD_WARNING;
	if (cmd_has(args, "json"))
		js = json_object_new_object();
	if (!js && !vni) {
		size_t n = 0;

		for (struct vx_seg *s = v->segs; s; s = s->next)
			n++;
		vty_out(vty, "Number of VNIs: %zu\n", n);
		vty_out(vty, "%-10s %-4s %-16s %-8s %-12s %-8s %-6s %-14s %s\n", "VNI", "Type",
			"VxLAN IF", "State", "# Rem VTEPs", "# MACs", "MTU", "Underlay", "Bridge");
	}
	for (struct vx_seg *s = v->segs; s; s = s->next) {
		char why[64];

		if (vni && s->vni != vni)
			continue;
		if (js) {
			char k[16];

			snprintf(k, sizeof(k), "%u", s->vni);
			json_object_object_add(js, k, vx_seg_json(v, s));
		} else if (vni) {
			vx_seg_detail(vty, v, s);
		} else {
			uint32_t mtu = vx_seg_mtu_now(v, s);

			if (!mtu)
				mtu = vx_seg_mtu(v, s, why, sizeof(why));

			vty_out(vty, "%-10u %-4s %-16s %-8s %-12zu %-8zu %-6u %-14s %s\n", s->vni, "L2",
				vx_seg_ifname(s, name), vx_state_names[s->st.state], vx_nvteps(v, s),
				vx_seg_nmacs(s), mtu, s->underlay[0] ? s->underlay : "-",
				s->bridge[0] ? s->bridge : "-");
		}
	}
	if (js) {
		vty_out(vty, "%s\n", json_object_to_json_string_ext(js, JSON_C_TO_STRING_PRETTY));
		json_object_put(js);
	} else if (vni && !vx_seg_get(v, (uint32_t)vni, false)) {
		vty_out(vty, "%% VNI %lld does not exist\n", vni);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

/* ---- show vxlan fdb ---- */

static bool vx_mac_configured(struct vxland *v, const struct vx_seg *s, const uint8_t *mac,
			      const uint8_t *dst, size_t dlen)
{
	static const uint8_t zero[6];

	if (!memcmp(mac, zero, 6)) {
		struct kld_addr *f;
		size_t n = vx_seg_flood(v, s, &f);
		bool found = false;

		for (size_t i = 0; i < n && !found; i++)
			found = dlen == kld_family_bytes(f[i].family) && !memcmp(f[i].u.bytes, dst, dlen);
		free(f);
		return found || (s->remote.family && !memcmp(s->remote.u.bytes, dst, dlen));
	}
	return vx_mac_find(s, mac) >= 0;
}

/* Who wrote the entry: vxland (typed; the bridge's entry of a typed MAC
 * too, zebra-lite writes both), EVPN, someone else (static), or the
 * kernel, from traffic (learned: by the device or by the bridge). */
static const char *vx_rec_origin(struct vxland *v, const struct vx_seg *s,
				 const Kld__FdbRecord *r)
{
	bool typed = r->is_static && !r->bridge_local &&
		     vx_mac_configured(v, s, r->mac.data, r->dst.data, r->dst.len);

	/* typed in vxland first: an entry both name is shown as configured */
	if (typed)
		return "vxland";
	if (r->evpn)
		return "evpn";
	return r->is_static ? "static" : "learned";
}

static bool vx_rec_flood(const Kld__FdbRecord *r)
{
	static const uint8_t zero[6];

	return !memcmp(r->mac.data, zero, 6);
}

/* Every entry on the VXLAN device is a MAC behind it (remote, as FRR's
 * `show evpn mac vni` says of a MAC behind a VTEP), whether the device
 * learned it with its VTEP or the bridge learned it on the VXLAN port,
 * but the bridge's own address of the port, which is this host's. */
static const char *vx_rec_type(const Kld__FdbRecord *r)
{
	if (vx_rec_flood(r))
		return "flood";
	return r->bridge_local ? "local" : "remote";
}

/* Distinct MACs behind the device: not the flood list, not the port's
 * own address, a MAC in both the device's and the bridge's table once. */
static size_t vx_fdb_nmacs(const Kld__FdbState *st, const char *name)
{
	size_t n = 0;

	for (size_t i = 0; i < st->n_records; i++) {
		const Kld__FdbRecord *r = st->records[i];
		bool seen = false;

		if (strcmp(r->ifname, name) || r->mac.len != 6 || vx_rec_flood(r) || r->bridge_local)
			continue;
		for (size_t j = 0; j < i && !seen; j++) {
			const Kld__FdbRecord *o = st->records[j];

			seen = !strcmp(o->ifname, name) && o->mac.len == 6 && !o->bridge_local &&
			       !memcmp(o->mac.data, r->mac.data, 6);
		}
		n += !seen;
	}
	return n;
}

static void vx_fdb_one(struct vty *vty, struct vxland *v, const struct vx_seg *s,
		       const Kld__FdbState *st, json_object *js)
{
	char buf[IFNAMSIZ], mb[18], ab[KLD_ADDR_STRLEN];
	const char *name = vx_seg_ifname(s, buf); /* buf is filled only for the default */
	json_object *arr = js ? json_object_new_array() : NULL;
	size_t n = 0;

	n = vx_fdb_nmacs(st, name);
	if (!js) {
		vty_out(vty, "VNI %u (%s)\n", s->vni, name);
		vty_out(vty, "Number of MACs (local and remote) known for this VNI: %zu\n", n);
		vty_out(vty, "%-17s %-6s %-7s %s\n", "MAC", "Type", "Origin", "Intf/Remote VTEP");
	}
	for (size_t i = 0; i < st->n_records; i++) {
		const Kld__FdbRecord *r = st->records[i];
		struct kld_addr a = { 0 };
		const char *where = name;

		if (strcmp(r->ifname, name) || r->mac.len != 6)
			continue;
		if (r->dst.len == 4 || r->dst.len == 16) {
			kld_addr_set(&a, r->dst.len == 4 ? AF_INET : AF_INET6, r->dst.data);
			where = kld_addr_fmt(&a, ab, sizeof(ab));
		} else if (r->bridge_local) {
			where = s->bridge[0] ? s->bridge : name; /* delivered to the host */
		}
		vx_mac_fmt(r->mac.data, mb);
		if (js) {
			json_object *o = json_object_new_object();

			json_object_object_add(o, "mac", json_object_new_string(mb));
			json_object_object_add(o, "type", json_object_new_string(vx_rec_type(r)));
			json_object_object_add(o, "origin", json_object_new_string(vx_rec_origin(v, s, r)));
			if (r->dst.len)
				json_object_object_add(o, "remoteVtep", json_object_new_string(where));
			else
				json_object_object_add(o, "intf", json_object_new_string(where));
			json_object_object_add(o, "bridge", json_object_new_boolean(r->on_bridge));
			json_object_array_add(arr, o);
		} else {
			vty_out(vty, "%-17s %-6s %-7s %s\n", mb, vx_rec_type(r), vx_rec_origin(v, s, r),
				where);
		}
	}
	if (js) {
		char k[16];
		json_object *o = json_object_new_object();

		snprintf(k, sizeof(k), "%u", s->vni);
		json_object_object_add(o, "numMacs", json_object_new_int64((int64_t)n));
		json_object_object_add(o, "macs", arr);
		json_object_object_add(js, k, o);
	}
}

static int vx_cmd_show_fdb(struct vty *vty, const struct cmd_args *args)
{
	struct vxland *v = vty->arg;
	long long vni;
	Kld__Envelope *rep;
	json_object *js = NULL;
	struct vx_seg *one = NULL;
	char name[IFNAMSIZ];

	if (!vx_vni_arg(vty, args, &vni))
		return CMD_WARNING;
	if (vni && !(one = vx_seg_get(v, (uint32_t)vni, false))) {
		vty_out(vty, "%% VNI %lld does not exist\n", vni);
		return CMD_WARNING;
	}
	rep = vx_fetch_fdb(v, one ? vx_seg_ifname(one, name) : "");
	if (!rep) {
		vty_out(vty, "%% zebra-lite did not answer\n");
		return CMD_WARNING;
	}
	if (cmd_has(args, "json"))
		js = json_object_new_object();
	for (struct vx_seg *s = v->segs; s; s = s->next)
		if (!one || s == one)
			vx_fdb_one(vty, v, s, rep->fdb_state, js);
	if (js) {
		vty_out(vty, "%s\n", json_object_to_json_string_ext(js, JSON_C_TO_STRING_PRETTY));
		json_object_put(js);
	}
	kld_frame_free(rep);
	return CMD_SUCCESS;
}

static const struct cmd_def vx_show_cmds[] = {
	{ "view", "show vxlan [(0-4294967295)$vni] [json]",
	  "Show running system information\nVXLAN segments\nVNI\nJSON output\n", vx_cmd_show, NULL,
	  0 },
	{ "view", "show vxlan fdb [(0-4294967295)$vni] [json]",
	  "Show running system information\nVXLAN segments\nForwarding database (MACs)\nVNI\n"
	  "JSON output\n",
	  vx_cmd_show_fdb, NULL, 0 },
};

void vx_show_install(struct cmd_tree *tree)
{
	if (cmd_tree_add_all(tree, vx_show_cmds, KLD_ARRAY_SIZE(vx_show_cmds)) < 0)
		abort();
}
