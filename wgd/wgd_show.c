/*
 * show wireguard [IFNAME] [json] and show wireguard mesh [NAME].
 *
 * The live part (handshakes, transfer, endpoints peers roamed to) comes
 * from zebra-lite at the moment of the show, so the output agrees with
 * `wg show` run at the same time. The text layout is wg show's, with two
 * additions: a peer's status when its handshake is stale, and where a
 * peer comes from when a mesh generated it. Private and preshared keys
 * are never shown.
 */
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <json-c/json.h>
#include "util.h"
#include "wgd.h"

#define WGD_DEFAULT_MTU 1420 /* no `mtu` (doc/wgd.md), what zebra-lite sets */

static const Kld__WgDeviceState *wgd_state_dev(const Kld__Envelope *st, const char *name)
{
	if (!st)
		return NULL;
	for (size_t i = 0; i < st->wg_state->n_devices; i++)
		if (!strcmp(st->wg_state->devices[i]->ifname, name))
			return st->wg_state->devices[i];
	return NULL;
}

static bool wgd_is_stale(const struct wgd *w, const Kld__WgPeerState *p, time_t now)
{
	return p->last_handshake_sec && now - p->last_handshake_sec > (time_t)wgd_stale_secs(w);
}

static void wgd_key_b64(const ProtobufCBinaryData *k, char out[WG_KEY_B64_SIZE])
{
	if (k->len == WG_KEY_SIZE)
		wg_key_to_base64(out, k->data);
	else
		snprintf(out, WG_KEY_B64_SIZE, "(none)");
}

static const char *wgd_origin(struct wgd_epeer *e, size_t n, const ProtobufCBinaryData *k)
{
	for (size_t i = 0; k->len == WG_KEY_SIZE && i < n; i++)
		if (!memcmp(e[i].pub, k->data, WG_KEY_SIZE))
			return e[i].origin;
	return "";
}

static int wgd_key_cmp(const void *a, const void *b)
{
	const Kld__WgPeerState *x = *(Kld__WgPeerState *const *)a, *y = *(Kld__WgPeerState *const *)b;

	if (x->public_key.len != y->public_key.len)
		return x->public_key.len < y->public_key.len ? -1 : 1;
	return memcmp(x->public_key.data, y->public_key.data, x->public_key.len);
}

/* Configured peers the device lacks, and peers it has that nobody
 * configured. */
static void wgd_peer_diffs(struct wgd *w, const struct wgd_if *ifp, const Kld__WgDeviceState *d,
			   size_t *missing, size_t *extra)
{
	Kld__WgPeerState **sorted = kld_xcalloc(d->n_peers + 1, sizeof(*sorted));
	Kld__WgPeerState k = KLD__WG_PEER_STATE__INIT, *kp = &k;
	struct wgd_epeer *e;
	size_t ne = wgd_if_epeers(w, ifp, &e), found = 0;

	memcpy(sorted, d->peers, d->n_peers * sizeof(*sorted));
	qsort(sorted, d->n_peers, sizeof(*sorted), wgd_key_cmp);
	*missing = 0;
	for (size_t i = 0; i < ne; i++) {
		k.public_key.data = e[i].pub;
		k.public_key.len = WG_KEY_SIZE;
		if (bsearch(&kp, sorted, d->n_peers, sizeof(*sorted), wgd_key_cmp))
			found++;
		else
			(*missing)++;
	}
	*extra = d->n_peers - found;
	wgd_epeers_free(e, ne);
	free(sorted);
}

/* An interface address (host bits kept, unlike kld_prefix_set). */
static int wgd_ifaddr_of(const Kld__Prefix *m, struct kld_prefix *x)
{
	struct kld_addr a;

	if (m->addr.len != kld_family_bytes((uint8_t)m->family) ||
	    kld_addr_set(&a, (uint8_t)m->family, m->addr.data) < 0 ||
	    m->len > kld_family_bits((uint8_t)m->family))
		return -1;
	kld_ifaddr_from_addr(x, &a, (uint8_t)m->len);
	return 0;
}

static bool wgd_addr_listed(const Kld__WgDeviceState *d, const struct kld_prefix *p)
{
	struct kld_prefix x;

	for (size_t i = 0; i < d->n_addresses; i++)
		if (wgd_ifaddr_of(d->addresses[i], &x) == 0 && !memcmp(&x, p, sizeof(x)))
			return true;
	return false;
}

/* Configured addresses the interface lacks, and addresses it has that
 * nobody configured (IPv6 link-local ones come with every link). */
static size_t wgd_addr_diffs(struct wgd *w, const struct wgd_if *ifp,
			     const Kld__WgDeviceState *d, char (*out)[160], size_t max)
{
	char pb[KLD_PREFIX_STRLEN];
	struct kld_prefix *own, x;
	size_t nown = wgd_if_addrs(w, ifp, &own), n = 0;

	for (size_t i = 0; i < nown && n < max; i++)
		if (!wgd_addr_listed(d, &own[i]))
			snprintf(out[n++], 160, "address %s configured, not on the interface",
				 kld_prefix_fmt(&own[i], pb, sizeof(pb)));
	for (size_t i = 0; i < d->n_addresses && n < max; i++) {
		bool listed = false;

		if (wgd_ifaddr_of(d->addresses[i], &x) < 0 ||
		    (x.family == AF_INET6 && x.u.bytes[0] == 0xfe && (x.u.bytes[1] & 0xc0) == 0x80))
			continue;
		for (size_t j = 0; j < nown && !listed; j++)
			listed = !memcmp(&own[j], &x, sizeof(x));
		if (!listed)
			snprintf(out[n++], 160, "address %s on the interface, not configured",
				 kld_prefix_fmt(&x, pb, sizeof(pb)));
	}
	free(own);
	return n;
}

/* Where the device is not what the configuration says, and why when
 * zebra-lite told us. Each difference is one line of at most 160. */
static size_t wgd_if_diffs(struct wgd *w, const struct wgd_if *ifp, const Kld__WgDeviceState *d,
			   char (*out)[160], size_t max)
{
	uint16_t port = wgd_if_port(w, ifp);
	uint32_t mark = ifp->fwmark ? ifp->fwmark : wgd_if_ft_table(ifp);
	size_t n = 0, missing, extra;

	if (n < max && ifp->last_error[0])
		snprintf(out[n++], 160, "the last change was refused: %s", ifp->last_error);
	if (n < max && port && d->listen_port != port)
		snprintf(out[n++], 160, "listen-port %u configured, the device listens on %u", port,
			 d->listen_port);
	if (n < max && mark != d->fwmark)
		snprintf(out[n++], 160, "fwmark 0x%x configured, the device has 0x%x", mark,
			 d->fwmark);
	if (n < max && ifp->has_key &&
	    (d->public_key.len != WG_KEY_SIZE || memcmp(d->public_key.data, ifp->pub, WG_KEY_SIZE)))
		snprintf(out[n++], 160, "the device's key is not the one in %s", ifp->key_file);
	wgd_peer_diffs(w, ifp, d, &missing, &extra);
	if (n < max && (missing || extra))
		snprintf(out[n++], 160, "%zu configured peer(s) missing on the device, %zu not configured",
			 missing, extra);
	if (n < max && !d->up)
		snprintf(out[n++], 160, "the interface is down");
	if (n < max && ifp->mtu && d->mtu && d->mtu != ifp->mtu)
		snprintf(out[n++], 160, "mtu %u configured, the interface has %u", ifp->mtu, d->mtu);
	/* No `mtu` is 1420 (doc/wgd.md), what zebra-lite puts back. */
	if (n < max && !ifp->mtu && d->mtu && d->mtu != WGD_DEFAULT_MTU)
		snprintf(out[n++], 160, "no mtu configured (%u), the interface has %u",
			 WGD_DEFAULT_MTU, d->mtu);
	return n + wgd_addr_diffs(w, ifp, d, out + n, max - n);
}

#define WGD_MAX_DIFFS 8

/* ---- text ---- */

static void wgd_show_peer(struct vty *vty, const struct wgd *w, const struct wgd_if *ifp,
			  const Kld__WgPeerState *p, const char *origin, time_t now)
{
	char b64[WG_KEY_B64_SIZE], pb[KLD_PREFIX_STRLEN], trap[512];

	wgd_key_b64(&p->public_key, b64);
	vty_out(vty, "\npeer: %s\n", b64);
	if (p->has_preshared_key)
		vty_out(vty, "  preshared key: (hidden)\n");
	if (p->endpoint[0])
		vty_out(vty, "  endpoint: %s\n", p->endpoint);
	vty_out(vty, "  allowed ips: ");
	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		struct kld_prefix x;
		const Kld__Prefix *m = p->allowed_ips[i];

		kld_prefix_set(&x, (uint8_t)m->family, m->addr.data, (uint8_t)m->len);
		vty_out(vty, "%s%s", i ? ", " : "", kld_prefix_fmt(&x, pb, sizeof(pb)));
	}
	vty_out(vty, "%s\n", p->n_allowed_ips ? "" : "(none)");
	if (p->last_handshake_sec)
		vty_out(vty, "  latest handshake: %lld seconds ago\n",
			(long long)(now - p->last_handshake_sec));
	if (p->rx_bytes || p->tx_bytes)
		vty_out(vty, "  transfer: %llu B received, %llu B sent\n",
			(unsigned long long)p->rx_bytes, (unsigned long long)p->tx_bytes);
	if (p->keepalive)
		vty_out(vty, "  persistent keepalive: every %u seconds\n", p->keepalive);
	if (wgd_is_stale(w, p, now))
		vty_out(vty, "  status: stale (no handshake for more than %u seconds)\n",
			wgd_stale_secs(w));
	if (origin[0])
		vty_out(vty, "  origin: %s\n", origin);
	/* An endpoint the peer roamed to (or a name resolved to) can land
	 * inside its own allowed-ips: no command to refuse then, so say it. */
	if (wgd_peer_trapped(ifp, p, trap, sizeof(trap)) < 0)
		vty_out(vty, "  warning: %s\n", trap);
}

static void wgd_show_if(struct vty *vty, struct wgd *w, const struct wgd_if *ifp,
			const Kld__WgDeviceState *d)
{
	char b64[WG_KEY_B64_SIZE], diffs[WGD_MAX_DIFFS][160];
	struct wgd_epeer *e;
	size_t ne, nd;
	time_t now = time(NULL);

	vty_out(vty, "interface: %s\n", ifp->name);
	if (!d || !d->present) {
		vty_out(vty, "  state: not created (%s)\n",
			!ifp->has_key	     ? "no private key configured"
			: ifp->last_error[0] ? ifp->last_error
					     : "zebra-lite has not programmed it");
		return;
	}
	nd = wgd_if_diffs(w, ifp, d, diffs, WGD_MAX_DIFFS);
	for (size_t i = 0; i < nd; i++)
		vty_out(vty, "  state: differs from the configuration: %s\n", diffs[i]);
	wgd_key_b64(&d->public_key, b64);
	vty_out(vty, "  public key: %s\n  private key: (hidden)\n", b64);
	vty_out(vty, "  listening port: %u\n", d->listen_port);
	if (d->fwmark)
		vty_out(vty, "  fwmark: 0x%x\n", d->fwmark);
	ne = wgd_if_epeers(w, ifp, &e);
	for (size_t i = 0; i < d->n_peers; i++)
		wgd_show_peer(vty, w, ifp, d->peers[i],
			      wgd_origin(e, ne, &d->peers[i]->public_key), now);
	wgd_epeers_free(e, ne);
}

/* ---- json ---- */

static json_object *wgd_peer_json(const struct wgd *w, const struct wgd_if *ifp,
				   const Kld__WgPeerState *p, time_t now)
{
	json_object *o = json_object_new_object(), *a = json_object_new_array();
	char pb[KLD_PREFIX_STRLEN], trap[512];

	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		struct kld_prefix x;
		const Kld__Prefix *m = p->allowed_ips[i];

		kld_prefix_set(&x, (uint8_t)m->family, m->addr.data, (uint8_t)m->len);
		json_object_array_add(a,
				      json_object_new_string(kld_prefix_fmt(&x, pb, sizeof(pb))));
	}
	if (p->endpoint[0])
		json_object_object_add(o, "endpoint", json_object_new_string(p->endpoint));
	json_object_object_add(o, "allowedIps", a);
	json_object_object_add(o, "presharedKey", json_object_new_boolean(p->has_preshared_key));
	json_object_object_add(o, "latestHandshake", json_object_new_int64(p->last_handshake_sec));
	json_object_object_add(o, "transferRx", json_object_new_int64((int64_t)p->rx_bytes));
	json_object_object_add(o, "transferTx", json_object_new_int64((int64_t)p->tx_bytes));
	json_object_object_add(o, "persistentKeepalive", json_object_new_int(p->keepalive));
	json_object_object_add(o, "stale", json_object_new_boolean(wgd_is_stale(w, p, now)));
	if (wgd_peer_trapped(ifp, p, trap, sizeof(trap)) < 0)
		json_object_object_add(o, "warning", json_object_new_string(trap));
	return o;
}

static json_object *wgd_if_json(struct wgd *w, const struct wgd_if *ifp,
				const Kld__WgDeviceState *d)
{
	json_object *o = json_object_new_object(), *peers, *diff = json_object_new_array();
	char b64[WG_KEY_B64_SIZE], diffs[WGD_MAX_DIFFS][160];
	time_t now = time(NULL);
	size_t nd = 0;

	json_object_object_add(o, "present", json_object_new_boolean(d && d->present));
	json_object_object_add(o, "stateDiffers", diff);
	if (!d || !d->present) {
		json_object_array_add(diff, json_object_new_string(
						!ifp->has_key	     ? "no private key configured"
						: ifp->last_error[0] ? ifp->last_error
								     : "not created"));
		return o;
	}
	nd = wgd_if_diffs(w, ifp, d, diffs, WGD_MAX_DIFFS);
	for (size_t i = 0; i < nd; i++)
		json_object_array_add(diff, json_object_new_string(diffs[i]));
	wgd_key_b64(&d->public_key, b64);
	json_object_object_add(o, "publicKey", json_object_new_string(b64));
	json_object_object_add(o, "listenPort", json_object_new_int(d->listen_port));
	json_object_object_add(o, "fwmark", json_object_new_int64(d->fwmark));
	peers = json_object_new_object();
	for (size_t i = 0; i < d->n_peers; i++) {
		wgd_key_b64(&d->peers[i]->public_key, b64);
		json_object_object_add(peers, b64, wgd_peer_json(w, ifp, d->peers[i], now));
	}
	json_object_object_add(o, "peers", peers);
	return o;
}

static int wgd_cmd_show(struct vty *vty, const struct cmd_args *args)
{
	struct wgd *w = vty->arg;
	const char *name = cmd_arg(args, "ifname");
	Kld__Envelope *st;
	json_object *js = NULL;
	bool first = true;

	if (name && !wgd_if_get(w, name, false)) {
		vty_out(vty, "%% No WireGuard interface %s\n", name);
		return CMD_WARNING;
	}
	st = wgd_fetch_state(w, name);
	if (cmd_has(args, "json"))
		js = json_object_new_object();
	for (const struct wgd_if *ifp = w->ifs; ifp; ifp = ifp->next) {
		if (name && strcmp(name, ifp->name))
			continue;
		if (js) {
			json_object_object_add(js, ifp->name,
					       wgd_if_json(w, ifp, wgd_state_dev(st, ifp->name)));
			continue;
		}
		if (!first)
			vty_out(vty, "\n");
		first = false;
		wgd_show_if(vty, w, ifp, wgd_state_dev(st, ifp->name));
	}
	if (js) {
		vty_out(vty, "%s\n", json_object_to_json_string_ext(js, JSON_C_TO_STRING_PRETTY));
		json_object_put(js);
	}
	if (st)
		kld_frame_free(st);
	return CMD_SUCCESS;
}

/* ---- mesh ---- */

static const Kld__WgPeerState *wgd_state_peer(const Kld__WgDeviceState *d, const uint8_t *pub)
{
	for (size_t i = 0; d && i < d->n_peers; i++)
		if (d->peers[i]->public_key.len == WG_KEY_SIZE &&
		    !memcmp(d->peers[i]->public_key.data, pub, WG_KEY_SIZE))
			return d->peers[i];
	return NULL;
}

static void wgd_mesh_state(const struct wgd *w, const struct wgd_mesh *m,
			   const struct wgd_member *mb, const Kld__WgDeviceState *d, char *buf,
			   size_t size)
{
	const Kld__WgPeerState *p = wgd_state_peer(d, mb->pub);
	time_t now = time(NULL);

	if (!strcmp(mb->name, m->self))
		snprintf(buf, size, "self");
	else if (!p)
		snprintf(buf, size,
			 m->hub[0] && strcmp(m->self, m->hub) ? "via hub" : "not a peer");
	else if (!p->last_handshake_sec)
		snprintf(buf, size, "no handshake");
	else
		snprintf(buf, size, "%llds ago%s", (long long)(now - p->last_handshake_sec),
			 wgd_is_stale(w, p, now) ? " (stale)" : "");
}

static void wgd_show_mesh(struct vty *vty, struct wgd *w, const struct wgd_mesh *m,
			  const Kld__Envelope *st)
{
	const Kld__WgDeviceState *d = wgd_state_dev(st, m->ifname);
	char pb[KLD_PREFIX_STRLEN], state[64];

	vty_out(vty, "Mesh %s: interface %s, self %s, %s%s\n", m->name,
		m->ifname[0] ? m->ifname : "(none)", m->self[0] ? m->self : "(none)",
		m->hub[0] ? "hub-and-spoke, hub " : "full mesh", m->hub);
	vty_out(vty, "  %-16s %-20s %-24s %s\n", "Member", "Address", "Endpoint", "Handshake");
	for (size_t i = 0; i < m->nmembers; i++) {
		const struct wgd_member *mb = &m->members[i];

		wgd_mesh_state(w, m, mb, d, state, sizeof(state));
		vty_out(vty, "  %-16s %-20s %-24s %s\n", mb->name,
			kld_prefix_fmt(&mb->addr, pb, sizeof(pb)),
			mb->endpoint ? mb->endpoint : "-", state);
	}
}

static int wgd_cmd_show_mesh(struct vty *vty, const struct cmd_args *args)
{
	struct wgd *w = vty->arg;
	const char *name = cmd_arg(args, "name");
	Kld__Envelope *st;

	if (name && !wgd_mesh_get(w, name, false)) {
		vty_out(vty, "%% No mesh %s\n", name);
		return CMD_WARNING;
	}
	st = wgd_fetch_state(w, NULL);
	for (const struct wgd_mesh *m = w->meshes; m; m = m->next)
		if (!name || !strcmp(name, m->name))
			wgd_show_mesh(vty, w, m, st);
	if (st)
		kld_frame_free(st);
	return CMD_SUCCESS;
}

static const struct cmd_def wgd_show_cmds[] = {
    {"view", "show wireguard [IFNAME$ifname] [json]",
     "Show running system information\nWireGuard interfaces and peers\nInterface name\nJSON "
     "output\n",
     wgd_cmd_show, NULL, 0},
    {"view", "show wireguard mesh [WORD$name]",
     "Show running system information\nWireGuard information\nMeshes and their members\nMesh "
     "name\n",
     wgd_cmd_show_mesh, NULL, 0},
};

void wgd_show_install(struct cmd_tree *tree)
{
	cmd_tree_add_all(tree, wgd_show_cmds, KLD_ARRAY_SIZE(wgd_show_cmds));
}
