/*
 * wgd's configuration commands and its running config (doc/wgd.md).
 *
 * Every handler validates before it changes anything: a malformed key, a
 * bad endpoint, a prefix another peer already routes, an unknown peer or
 * member get "% ..." and CMD_WARNING with the state untouched. A peer
 * line is checked only for what it adds (index lookups: a plane may have
 * ten thousand peers); mesh changes, which can only be judged on the whole
 * expanded peer set, are made, checked with wgd_if_check(), and undone
 * when the check fails.
 *
 * What the host or the kernel decides is asked before the configuration
 * changes, while wgd is connected to zebra-lite (at start-up the file is
 * applied as written, and `show` reports what could not be made real):
 * whether a port is free, whether a name is a WireGuard interface; a
 * change of key or port is programmed at once (wgd_apply_now) and undone
 * when zebra-lite answers with the device's refusal.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include "log.h"
#include "util.h"
#include "wgd.h"

static struct wgd *wgd_of(struct vty *vty)
{
	return vty->arg;
}

static int wgd_bad_key(struct vty *vty, const char *text, uint8_t key[WG_KEY_SIZE])
{
	if (wg_key_from_base64(key, text) == 0)
		return 0;
	vty_out(vty, "%% Malformed key %s: expected 44 characters of base64 ending in '='\n",
		text);
	return -1;
}

int wgd_vty_check(struct vty *vty, struct wgd *w, struct wgd_if *ifp)
{
	char err[512];

	if (!ifp || wgd_if_check(w, ifp, err, sizeof(err)) == 0)
		return 0;
	vty_out(vty, "%% %s\n", err);
	return -1;
}

/* ---- config node ---- */

/* A new plane's name taken by an interface that is not WireGuard (eth0):
 * zebra-lite, which reads devices, says whether it is one. */
static bool wgd_name_taken(struct wgd *w, const char *name)
{
	Kld__Envelope *st;
	bool taken;

	if (!w->conn || wgd_if_get(w, name, false) || !if_nametoindex(name))
		return false;
	st = wgd_fetch_state(w, name);
	taken = st && st->wg_state->n_devices == 1 && !st->wg_state->devices[0]->present;
	kld_frame_free(st);
	return taken;
}

static int wgd_cmd_wireguard(struct vty *vty, const struct cmd_args *args)
{
	const char *name = cmd_arg(args, "ifname");

	if (!wgd_ifname_valid(name)) {
		vty_out(vty, "%% Invalid interface name %s (1-%d characters, no '/' or ':')\n",
			name, IFNAMSIZ - 1);
		return CMD_WARNING;
	}
	if (wgd_name_taken(wgd_of(vty), name)) {
		vty_out(vty, "%% %s exists and is not a WireGuard interface\n", name);
		return CMD_WARNING;
	}
	vty_set_ctx(vty, wgd_if_get(wgd_of(vty), name, true));
	return CMD_SUCCESS;
}

static int wgd_cmd_no_wireguard(struct vty *vty, const struct cmd_args *args)
{
	struct wgd *w = wgd_of(vty);
	struct wgd_if *ifp = wgd_if_get(w, cmd_arg(args, "ifname"), false);

	if (!ifp) {
		vty_out(vty, "%% No WireGuard interface %s\n", cmd_arg(args, "ifname"));
		return CMD_WARNING;
	}
	wgd_zebra_delete(w, ifp);
	for (struct wgd_if **pp = &w->ifs; *pp; pp = &(*pp)->next) {
		if (*pp == ifp) {
			*pp = ifp->next;
			break;
		}
	}
	wgd_if_free(ifp);
	return CMD_SUCCESS;
}

/* WireGuard re-handshakes every 120 s (REKEY_AFTER_TIME) while traffic
 * flows, so a lower threshold calls healthy peers stale. Warned, not
 * refused: a lab (and the tests) want to see staleness in seconds. */
#define WGD_REKEY_SECS 120

static int wgd_cmd_stale(struct vty *vty, const struct cmd_args *args)
{
	uint32_t secs = cmd_has(args, "no") ? 0 : (uint32_t)cmd_arg_int(args, "secs", 0);

	if (secs && secs < WGD_REKEY_SECS)
		vty_out(vty,
			"%% Warning: stale-threshold %u is under WireGuard's %d s re-handshake "
			"interval: healthy peers will be reported stale\n",
			secs, WGD_REKEY_SECS);
	wgd_of(vty)->stale_secs = secs;
	return CMD_SUCCESS;
}

static int wgd_cmd_metrics(struct vty *vty, const struct cmd_args *args)
{
	struct kld_addr addr = { 0 };
	uint16_t port = 0;

	if (!cmd_has(args, "no")) {
		cmd_arg_addr(args, "addr", &addr);
		port = (uint16_t)cmd_arg_int(args, "port", 9586);
	}
	if (wgd_metrics_set(wgd_of(vty), &addr, port) < 0) {
		vty_out(vty, "%% Cannot listen for metrics on that address\n");
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

/* ---- wireguard node ---- */

static struct wgd_if *wgd_ctx_if(struct vty *vty)
{
	return vty_ctx(vty, 0);
}

static int wgd_cmd_private_key(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_if *ifp = wgd_ctx_if(vty);
	const char *path = cmd_arg(args, "path");
	uint8_t key[WG_KEY_SIZE], pub[WG_KEY_SIZE];
	char err[PATH_MAX + 64];
	const struct wgd_if *other;
	struct wgd_if saved;

	if (path[0] != '/') {
		vty_out(vty, "%% The key file must be an absolute path\n");
		return CMD_WARNING;
	}
	if (wgd_key_file_load(path, key, true, err, sizeof(err)) < 0 ||
	    wg_key_public(pub, key) < 0) {
		vty_out(vty, "%% %s\n", err);
		wg_key_wipe(key, sizeof(key));
		return CMD_WARNING;
	}
	other = wgd_key_user(wgd_of(vty), ifp, pub);
	if (other) {
		/* One identity on two planes: a peer of one could handshake
		 * with the other, which is what planes are there to prevent. */
		vty_out(vty, "%% This private key is already %s's: planes must not share a key\n",
			other->name);
		wg_key_wipe(key, sizeof(key));
		return CMD_WARNING;
	}
	saved = *ifp;
	memcpy(ifp->priv, key, WG_KEY_SIZE);
	memcpy(ifp->pub, pub, WG_KEY_SIZE);
	wg_key_wipe(key, sizeof(key));
	ifp->has_key = true;
	if (wgd_apply_now(wgd_of(vty), ifp, err, sizeof(err)) < 0) {
		vty_out(vty, "%% %s\n", err);
		memcpy(ifp->priv, saved.priv, WG_KEY_SIZE);
		memcpy(ifp->pub, saved.pub, WG_KEY_SIZE);
		ifp->has_key = saved.has_key;
		wg_key_wipe(saved.priv, sizeof(saved.priv));
		return CMD_WARNING;
	}
	wg_key_wipe(saved.priv, sizeof(saved.priv));
	free(ifp->key_file);
	ifp->key_file = kld_xstrdup(path);
	return CMD_SUCCESS;
}

/* Is the UDP port free on this host? Only EADDRINUSE counts: wgd may not
 * bind a privileged port that zebra-lite's device may. */
static bool wgd_port_busy(uint16_t port)
{
	struct sockaddr_in6 sa = { .sin6_family = AF_INET6, .sin6_port = htons(port) };
	struct sockaddr_in s4 = { .sin_family = AF_INET, .sin_port = htons(port) };
	int fd = socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	bool busy = false;

	/* Dual-stack [::] first (what WireGuard binds), then 0.0.0.0 for a
	 * host without IPv6. */
	if (fd >= 0) {
		busy = bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0 && errno == EADDRINUSE;
		close(fd);
		if (busy)
			return true;
	}
	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return false;
	busy = bind(fd, (struct sockaddr *)&s4, sizeof(s4)) < 0 && errno == EADDRINUSE;
	close(fd);
	return busy;
}

/* A port another plane has, or (connected: the devices are all in place)
 * that something on this host holds, is refused before anything changes. */
static int wgd_port_check(struct vty *vty, struct wgd *w, struct wgd_if *ifp, uint16_t port)
{
	const struct wgd_if *other;

	if (!port || port == wgd_if_port(w, ifp))
		return 0;
	other = wgd_port_user(w, ifp, port);
	if (other) {
		vty_out(vty, "%% listen-port %u is already used by %s\n", port, other->name);
		return -1;
	}
	if (w->conn && wgd_port_busy(port)) {
		vty_out(vty, "%% listen-port %u is in use on this host (UDP)\n", port);
		return -1;
	}
	return 0;
}

static int wgd_cmd_listen_port(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_if *ifp = wgd_ctx_if(vty);
	struct wgd *w = wgd_of(vty);
	uint16_t port = cmd_has(args, "no") ? 0 : (uint16_t)cmd_arg_int(args, "port", 0);
	uint16_t old = ifp->listen_port;
	char err[256];

	if (wgd_port_check(vty, w, ifp, port) < 0)
		return CMD_WARNING;
	ifp->listen_port = port;
	if (old != port && wgd_apply_now(w, ifp, err, sizeof(err)) < 0) {
		vty_out(vty, "%% %s\n", err);
		ifp->listen_port = old;
		return CMD_WARNING;
	}
	wgd_schedule_push(w, ifp);
	return CMD_SUCCESS;
}

static int wgd_cmd_fwmark(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_if *ifp = wgd_ctx_if(vty);

	ifp->fwmark = cmd_has(args, "no") ? 0 : (uint32_t)cmd_arg_int(args, "mark", 0);
	wgd_schedule_push(wgd_of(vty), ifp);
	return CMD_SUCCESS;
}

static int wgd_cmd_mtu(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_if *ifp = wgd_ctx_if(vty);

	ifp->mtu = cmd_has(args, "no") ? 0 : (uint32_t)cmd_arg_int(args, "mtu", 0);
	wgd_schedule_push(wgd_of(vty), ifp);
	return CMD_SUCCESS;
}

static int wgd_cmd_address(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_if *ifp = wgd_ctx_if(vty);
	char err[256], warn[256];
	struct kld_prefix p;
	size_t i;

	if (kld_ifaddr_parse(cmd_arg(args, "addr"), &p) < 0) {
		vty_out(vty, "%% Malformed address %s\n", cmd_arg(args, "addr"));
		return CMD_WARNING;
	}
	warn[0] = '\0';
	if (!cmd_has(args, "no") &&
	    wgd_check_addr(wgd_of(vty), ifp, &p, err, sizeof(err), warn, sizeof(warn)) < 0) {
		vty_out(vty, "%% %s\n", err);
		return CMD_WARNING;
	}
	if (warn[0])
		vty_out(vty, "%% Warning: %s\n", warn);
	for (i = 0; i < ifp->naddrs; i++)
		if (!memcmp(&ifp->addrs[i], &p, sizeof(p)))
			break;
	if (cmd_has(args, "no")) {
		if (i == ifp->naddrs) {
			vty_out(vty, "%% Address %s is not configured\n", cmd_arg(args, "addr"));
			return CMD_WARNING;
		}
		ifp->addrs[i] = ifp->addrs[--ifp->naddrs];
	} else if (i == ifp->naddrs) {
		ifp->addrs = kld_xrealloc(ifp->addrs, (ifp->naddrs + 1) * sizeof(p));
		ifp->addrs[ifp->naddrs++] = p;
	}
	wgd_schedule_push(wgd_of(vty), ifp);
	return CMD_SUCCESS;
}

static int wgd_cmd_install_routes(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_if *ifp = wgd_ctx_if(vty);
	bool was = ifp->no_routes;

	ifp->no_routes = cmd_has(args, "no");
	/* Routes coming back may route a peer's endpoint into the tunnel. */
	if (was && !ifp->no_routes && wgd_vty_check(vty, wgd_of(vty), ifp) < 0) {
		ifp->no_routes = was;
		return CMD_WARNING;
	}
	wgd_schedule_push(wgd_of(vty), ifp);
	return CMD_SUCCESS;
}

static int wgd_cmd_full_tunnel(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_if *ifp = wgd_ctx_if(vty);

	ifp->full_tunnel = !cmd_has(args, "no");
	ifp->ft_table = ifp->full_tunnel ? (uint32_t)cmd_arg_int(args, "table", 0) : 0;
	wgd_schedule_push(wgd_of(vty), ifp);
	return CMD_SUCCESS;
}

static int wgd_cmd_peer(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_if *ifp = wgd_ctx_if(vty);
	struct wgd *w = wgd_of(vty);
	uint8_t key[WG_KEY_SIZE];
	struct wgd_peer *p;
	char err[256];

	if (wgd_bad_key(vty, cmd_arg(args, "key"), key) < 0)
		return CMD_WARNING;
	p = wgd_peer_get(ifp, key, false);
	if (!p) {
		if (wgd_if_check_key(w, ifp, key, err, sizeof(err)) < 0) {
			vty_out(vty, "%% %s\n", err);
			return CMD_WARNING;
		}
		p = wgd_peer_get(ifp, key, true);
		wgd_schedule_push(w, ifp);
	}
	vty_set_ctx(vty, p);
	return CMD_SUCCESS;
}

static int wgd_cmd_no_peer(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_if *ifp = wgd_ctx_if(vty);
	uint8_t key[WG_KEY_SIZE];
	struct wgd_peer *p;

	if (wgd_bad_key(vty, cmd_arg(args, "key"), key) < 0)
		return CMD_WARNING;
	p = wgd_peer_get(ifp, key, false);
	if (!p) {
		vty_out(vty, "%% Unknown peer %s on %s\n", cmd_arg(args, "key"), ifp->name);
		return CMD_WARNING;
	}
	wgd_peer_unlink(ifp, p);
	wgd_peer_free(p);
	wgd_schedule_push(wgd_of(vty), ifp);
	return CMD_SUCCESS;
}

/* ---- peer node ---- */

static struct wgd_peer *wgd_ctx_peer(struct vty *vty)
{
	return vty_ctx(vty, 1);
}

static void wgd_peer_changed(struct vty *vty)
{
	wgd_schedule_push(wgd_of(vty), wgd_ctx_if(vty));
}

static int wgd_cmd_peer_desc(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_peer *p = wgd_ctx_peer(vty);

	free(p->description);
	p->description = cmd_has(args, "no") ? NULL : kld_xstrdup(cmd_arg(args, "text"));
	return CMD_SUCCESS;
}

static int wgd_cmd_endpoint(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_peer *p = wgd_ctx_peer(vty);
	const char *ep = cmd_arg(args, "ep");

	char err[512];

	if (!cmd_has(args, "no") && !wgd_endpoint_valid(ep)) {
		vty_out(vty, "%% Malformed endpoint %s: expected HOST:PORT or [IPV6]:PORT\n", ep);
		return CMD_WARNING;
	}
	if (!cmd_has(args, "no") &&
	    wgd_check_trap(wgd_ctx_if(vty), ep, p->aips, p->naips, err, sizeof(err)) < 0) {
		vty_out(vty, "%% %s\n", err);
		return CMD_WARNING;
	}
	free(p->endpoint);
	p->endpoint = cmd_has(args, "no") ? NULL : kld_xstrdup(ep);
	wgd_peer_changed(vty);
	return CMD_SUCCESS;
}

static ssize_t wgd_aip_index(const struct wgd_peer *p, const struct kld_prefix *x)
{
	for (size_t i = 0; i < p->naips; i++)
		if (kld_prefix_eq(&p->aips[i], x))
			return (ssize_t)i;
	return -1;
}

static int wgd_cmd_allowed_ips(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_peer *p = wgd_ctx_peer(vty);
	const char *text = cmd_arg(args, "prefix");
	struct kld_prefix x;
	char err[512];
	ssize_t i;

	if (kld_prefix_parse(text, &x, true) < 0) {
		vty_out(vty, "%% Malformed prefix %s (host bits set?)\n", text);
		return CMD_WARNING;
	}
	i = wgd_aip_index(p, &x);
	if (cmd_has(args, "no")) {
		if (i < 0) {
			vty_out(vty, "%% %s is not in this peer's allowed-ips\n", text);
			return CMD_WARNING;
		}
		wgd_claim(wgd_ctx_if(vty), &x, NULL);
		p->aips[i] = p->aips[--p->naips];
	} else if (i < 0) {
		if (wgd_check_trap(wgd_ctx_if(vty), p->endpoint, &x, 1, err, sizeof(err)) < 0) {
			vty_out(vty, "%% %s\n", err);
			return CMD_WARNING;
		}
		p->aips = kld_xrealloc(p->aips, (p->naips + 1) * sizeof(x));
		p->aips[p->naips++] = x;
		if (wgd_if_check_prefix(wgd_of(vty), wgd_ctx_if(vty), p, &x, err,
					sizeof(err)) < 0) {
			vty_out(vty, "%% %s\n", err);
			p->naips--;
			return CMD_WARNING;
		}
		wgd_claim(wgd_ctx_if(vty), &x, p);
	}
	wgd_peer_changed(vty);
	return CMD_SUCCESS;
}

static int wgd_cmd_psk(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_peer *p = wgd_ctx_peer(vty);
	const char *path = cmd_arg(args, "path");
	uint8_t key[WG_KEY_SIZE];
	char err[PATH_MAX + 64];

	if (!cmd_has(args, "no")) {
		if (path[0] != '/') {
			vty_out(vty, "%% The key file must be an absolute path\n");
			return CMD_WARNING;
		}
		if (wgd_key_file_load(path, key, false, err, sizeof(err)) < 0) {
			vty_out(vty, "%% %s\n", err);
			return CMD_WARNING;
		}
		wg_key_wipe(key, sizeof(key));
	}
	free(p->psk_file);
	p->psk_file = cmd_has(args, "no") ? NULL : kld_xstrdup(path);
	wgd_peer_changed(vty);
	return CMD_SUCCESS;
}

static int wgd_cmd_keepalive(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_peer *p = wgd_ctx_peer(vty);

	p->keepalive = cmd_has(args, "no") ? 0 : (uint16_t)cmd_arg_int(args, "secs", 0);
	wgd_peer_changed(vty);
	return CMD_SUCCESS;
}

/* ---- mesh node ---- */

static struct wgd_mesh *wgd_ctx_mesh(struct vty *vty)
{
	return vty_ctx(vty, 0);
}

static int wgd_cmd_mesh(struct vty *vty, const struct cmd_args *args)
{
	const char *name = cmd_arg(args, "name");

	if (strlen(name) >= WGD_NAMESIZ) {
		vty_out(vty, "%% Mesh name too long\n");
		return CMD_WARNING;
	}
	vty_set_ctx(vty, wgd_mesh_get(wgd_of(vty), name, true));
	return CMD_SUCCESS;
}

static int wgd_cmd_no_mesh(struct vty *vty, const struct cmd_args *args)
{
	struct wgd *w = wgd_of(vty);
	struct wgd_mesh *m = wgd_mesh_get(w, cmd_arg(args, "name"), false);

	if (!m) {
		vty_out(vty, "%% No mesh %s\n", cmd_arg(args, "name"));
		return CMD_WARNING;
	}
	for (struct wgd_mesh **pp = &w->meshes; *pp; pp = &(*pp)->next) {
		if (*pp == m) {
			*pp = m->next;
			break;
		}
	}
	wgd_schedule_mesh(w, m);
	wgd_mesh_free(m);
	return CMD_SUCCESS;
}

/* Undo-able mesh change: the old interface (if any) and the new one are
 * both pushed; the new one is checked first. */
static int wgd_mesh_commit(struct vty *vty, struct wgd_mesh *m)
{
	struct wgd *w = wgd_of(vty);
	struct wgd_if *ifp = m->ifname[0] ? wgd_if_get(w, m->ifname, false) : NULL;

	char err[256];

	if (wgd_vty_check(vty, w, ifp) < 0)
		return -1;
	/* self's endpoint is the listen port: one the host refuses must
	 * reach the prompt, as `listen-port` does. */
	if (ifp && wgd_if_port(w, ifp) != ifp->port_sent &&
	    wgd_apply_now(w, ifp, err, sizeof(err)) < 0) {
		vty_out(vty, "%% %s\n", err);
		return -1;
	}
	wgd_schedule_mesh(w, m);
	return 0;
}

static int wgd_cmd_mesh_if(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_mesh *m = wgd_ctx_mesh(vty);
	const char *name = cmd_arg(args, "ifname");
	char old[IFNAMSIZ];

	if (!wgd_ifname_valid(name)) {
		vty_out(vty, "%% Invalid interface name %s\n", name);
		return CMD_WARNING;
	}
	wgd_schedule_mesh(wgd_of(vty), m);
	memcpy(old, m->ifname, sizeof(old));
	snprintf(m->ifname, sizeof(m->ifname), "%s", name);
	if (wgd_mesh_commit(vty, m) < 0) {
		memcpy(m->ifname, old, sizeof(old));
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

static int wgd_cmd_mesh_name(struct vty *vty, const struct cmd_args *args, char *field)
{
	struct wgd_mesh *m = wgd_ctx_mesh(vty);
	const char *name = cmd_has(args, "no") ? "" : cmd_arg(args, "name");
	char old[WGD_NAMESIZ];

	if (strlen(name) >= WGD_NAMESIZ) {
		vty_out(vty, "%% Name too long\n");
		return CMD_WARNING;
	}
	memcpy(old, field, WGD_NAMESIZ);
	snprintf(field, WGD_NAMESIZ, "%s", name);
	if (wgd_mesh_commit(vty, m) < 0) {
		memcpy(field, old, WGD_NAMESIZ);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

static int wgd_cmd_mesh_self(struct vty *vty, const struct cmd_args *args)
{
	return wgd_cmd_mesh_name(vty, args, wgd_ctx_mesh(vty)->self);
}

static int wgd_cmd_mesh_hub(struct vty *vty, const struct cmd_args *args)
{
	return wgd_cmd_mesh_name(vty, args, wgd_ctx_mesh(vty)->hub);
}

static int wgd_cmd_mesh_keepalive(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_mesh *m = wgd_ctx_mesh(vty);

	m->keepalive = cmd_has(args, "no") ? 0 : (uint16_t)cmd_arg_int(args, "secs", 0);
	wgd_schedule_mesh(wgd_of(vty), m);
	return CMD_SUCCESS;
}

/* `lan P [P [P [P]]]`: bound as lan, lan2, lan3, lan4. */
static int wgd_member_parse_lans(struct vty *vty, const struct cmd_args *args,
				 struct wgd_member *mb)
{
	static const char *const keys[WGD_MAX_LANS] = {"lan", "lan2", "lan3", "lan4"};
	char b[KLD_PREFIX_STRLEN];

	for (size_t i = 0; i < WGD_MAX_LANS && cmd_arg(args, keys[i]); i++) {
		struct kld_prefix *p = &mb->lans[mb->nlans];

		if (kld_prefix_parse(cmd_arg(args, keys[i]), p, true) < 0) {
			vty_out(vty, "%% Malformed prefix %s (host bits set?)\n", cmd_arg(args, keys[i]));
			return -1;
		}
		for (uint8_t j = 0; j < mb->nlans; j++) {
			if (kld_prefix_eq(&mb->lans[j], p)) {
				vty_out(vty, "%% lan %s given twice\n", kld_prefix_fmt(p, b, sizeof(b)));
				return -1;
			}
		}
		mb->nlans++;
	}
	return 0;
}

static int wgd_member_parse(struct vty *vty, const struct cmd_args *args, struct wgd_member *mb)
{
	const char *ep = cmd_arg(args, "ep");

	memset(mb, 0, sizeof(*mb));
	if (strlen(cmd_arg(args, "name")) >= WGD_NAMESIZ) {
		vty_out(vty, "%% Member name too long\n");
		return -1;
	}
	snprintf(mb->name, sizeof(mb->name), "%s", cmd_arg(args, "name"));
	if (wgd_bad_key(vty, cmd_arg(args, "key"), mb->pub) < 0)
		return -1;
	if (ep && !wgd_endpoint_valid(ep)) {
		vty_out(vty, "%% Malformed endpoint %s: expected HOST:PORT or [IPV6]:PORT\n", ep);
		return -1;
	}
	if (kld_ifaddr_parse(cmd_arg(args, "addr"), &mb->addr) < 0) {
		vty_out(vty, "%% Malformed address %s\n", cmd_arg(args, "addr"));
		return -1;
	}
	return wgd_member_parse_lans(vty, args, mb);
}

static int wgd_member_conflict(struct vty *vty, const struct wgd_mesh *m,
			       const struct wgd_member *mb)
{
	char b[KLD_PREFIX_STRLEN];
	struct kld_addr ao, an;

	for (size_t i = 0; i < m->nmembers; i++) {
		const struct wgd_member *o = &m->members[i];

		if (!strcmp(o->name, mb->name))
			continue;
		if (!memcmp(o->pub, mb->pub, WG_KEY_SIZE)) {
			vty_out(vty, "%% Member %s already has this public key\n", o->name);
			return -1;
		}
		kld_addr_from_prefix(&ao, &o->addr);
		kld_addr_from_prefix(&an, &mb->addr);
		if (kld_addr_eq(&ao, &an)) {
			vty_out(vty, "%% Member %s already has address %s\n", o->name,
				kld_prefix_fmt(&mb->addr, b, sizeof(b)));
			return -1;
		}
		for (uint8_t j = 0; j < o->nlans; j++) {
			for (uint8_t k = 0; k < mb->nlans; k++) {
				if (!kld_prefix_eq(&o->lans[j], &mb->lans[k]))
					continue;
				vty_out(vty, "%% Member %s already has lan %s\n", o->name,
					kld_prefix_fmt(&mb->lans[k], b, sizeof(b)));
				return -1;
			}
		}
	}
	return 0;
}

static int wgd_cmd_member(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_mesh *m = wgd_ctx_mesh(vty);
	struct wgd_member mb, *cur, saved;

	if (wgd_member_parse(vty, args, &mb) < 0 || wgd_member_conflict(vty, m, &mb) < 0)
		return CMD_WARNING;
	if (cmd_arg(args, "ep"))
		mb.endpoint = kld_xstrdup(cmd_arg(args, "ep"));
	cur = wgd_member_get(m, mb.name);
	if (!cur) {
		m->members = kld_xrealloc(m->members, (m->nmembers + 1) * sizeof(mb));
		m->members[m->nmembers++] = mb;
		if (wgd_mesh_commit(vty, m) < 0) {
			free(mb.endpoint);
			m->nmembers--;
			return CMD_WARNING;
		}
		return CMD_SUCCESS;
	}
	saved = *cur;
	*cur = mb;
	if (wgd_mesh_commit(vty, m) < 0) {
		*cur = saved;
		free(mb.endpoint);
		return CMD_WARNING;
	}
	free(saved.endpoint);
	return CMD_SUCCESS;
}

static int wgd_cmd_no_member(struct vty *vty, const struct cmd_args *args)
{
	struct wgd_mesh *m = wgd_ctx_mesh(vty);
	struct wgd_member *mb = wgd_member_get(m, cmd_arg(args, "name"));

	if (!mb) {
		vty_out(vty, "%% Unknown member %s of mesh %s\n", cmd_arg(args, "name"), m->name);
		return CMD_WARNING;
	}
	free(mb->endpoint);
	*mb = m->members[--m->nmembers];
	wgd_schedule_mesh(wgd_of(vty), m);
	return CMD_SUCCESS;
}

/* ---- exec: key rotation ---- */

static int wgd_cmd_rotate(struct vty *vty, const struct cmd_args *args)
{
	struct wgd *w = wgd_of(vty);
	struct wgd_if *ifp = wgd_if_get(w, cmd_arg(args, "ifname"), false);
	uint8_t key[WG_KEY_SIZE], pub[WG_KEY_SIZE];
	char err[PATH_MAX + 64], b64[WG_KEY_B64_SIZE];

	if (!ifp || !ifp->has_key) {
		vty_out(vty, "%% No WireGuard interface %s with a private key\n",
			cmd_arg(args, "ifname"));
		return CMD_WARNING;
	}
	if (wg_key_generate_private(key) < 0 || wg_key_public(pub, key) < 0 ||
	    wgd_key_file_replace(ifp->key_file, key, err, sizeof(err)) < 0) {
		vty_out(vty, "%% Key rotation failed: %s\n", err);
		wg_key_wipe(key, sizeof(key));
		return CMD_WARNING;
	}
	memcpy(ifp->priv, key, WG_KEY_SIZE);
	memcpy(ifp->pub, pub, WG_KEY_SIZE);
	wg_key_wipe(key, sizeof(key));
	wgd_schedule_push(w, ifp);
	wg_key_to_base64(b64, pub);
	kld_notice("%s: private key rotated; new public key %s", ifp->name, b64);
	vty_out(vty, "%s: new public key %s\n", ifp->name, b64);
	return CMD_SUCCESS;
}

#define NO "Negate a command\n"
#define WG "WireGuard configuration\n"
#define PEER_KEY "Peer's public key (base64)\n"

static const struct cmd_def wgd_cmds[] = {
	{ "config", "wireguard IFNAME$ifname", WG "WireGuard interface name\n",
	  wgd_cmd_wireguard, "wireguard", 0 },
	{ "config", "no wireguard IFNAME$ifname", NO WG "WireGuard interface name\n",
	  wgd_cmd_no_wireguard, NULL, 0 },
	{ "config", "wireguard mesh WORD$name", WG "A topology declared once for every node\nMesh name\n",
	  wgd_cmd_mesh, "wireguard-mesh", 0 },
	{ "config", "no wireguard mesh WORD$name", NO WG "A topology declared once\nMesh name\n",
	  wgd_cmd_no_mesh, NULL, 0 },
	{ "config", "wireguard stale-threshold (1-86400)$secs",
	  WG "Report a peer whose last handshake is older than this\nSeconds (default 180)\n",
	  wgd_cmd_stale, NULL, 0 },
	{ "config", "no wireguard stale-threshold [(1-86400)]",
	  NO WG "Stale handshake threshold\nSeconds\n", wgd_cmd_stale, NULL, 0 },
	{ "config", "wireguard metrics listen A.B.C.D$addr port (1-65535)$port",
	  WG "Prometheus metrics\nServe them over HTTP\nAddress to listen on\nTCP port\nPort number\n",
	  wgd_cmd_metrics, NULL, 0 },
	{ "config", "no wireguard metrics [listen A.B.C.D port (1-65535)]",
	  NO WG "Prometheus metrics\nServe them over HTTP\nAddress\nTCP port\nPort number\n",
	  wgd_cmd_metrics, NULL, 0 },
	{ "wireguard", "private-key file WORD$path",
	  "The interface's private key\nRead from a file (generated, mode 0600, when missing)\nAbsolute path\n",
	  wgd_cmd_private_key, NULL, 0 },
	{ "wireguard", "listen-port (1-65535)$port", "UDP port to listen on\nPort number\n",
	  wgd_cmd_listen_port, NULL, 0 },
	{ "wireguard", "no listen-port [(1-65535)]",
	  NO "UDP port to listen on (without: a random one)\nPort number\n", wgd_cmd_listen_port,
	  NULL, 0 },
	{ "wireguard", "fwmark (1-4294967295)$mark", "Mark the tunnel's own packets\nMark value\n",
	  wgd_cmd_fwmark, NULL, 0 },
	{ "wireguard", "no fwmark [(1-4294967295)]", NO "Mark the tunnel's own packets\nMark value\n",
	  wgd_cmd_fwmark, NULL, 0 },
	{ "wireguard", "mtu (1280-65535)$mtu", "Set the interface's MTU\nMTU in bytes\n",
	  wgd_cmd_mtu, NULL, 0 },
	{ "wireguard", "no mtu [(1280-65535)]", NO "Set the interface's MTU\nMTU in bytes\n",
	  wgd_cmd_mtu, NULL, 0 },
	{ "wireguard", "[no] address A.B.C.D/M$addr",
	  NO "Address of the interface\nIPv4 address with prefix length\n", wgd_cmd_address,
	  NULL, 0 },
	{ "wireguard", "[no] address X:X::X:X/M$addr",
	  NO "Address of the interface\nIPv6 address with prefix length\n", wgd_cmd_address,
	  NULL, 0 },
	{ "wireguard", "[no] install-routes",
	  NO "Route each peer's allowed-ips out of this interface\n", wgd_cmd_install_routes,
	  NULL, 0 },
	{ "wireguard", "full-tunnel [table (1-4294967295)$table]",
	  "Default route through the tunnel, as wg-quick (fwmark and policy rules)\nRouting table for it\nTable id (default 51820)\n",
	  wgd_cmd_full_tunnel, NULL, 0 },
	{ "wireguard", "no full-tunnel [table (1-4294967295)]",
	  NO "Default route through the tunnel\nRouting table\nTable id\n", wgd_cmd_full_tunnel,
	  NULL, 0 },
	{ "wireguard", "peer WORD$key", "A peer of this interface\n" PEER_KEY, wgd_cmd_peer,
	  "wireguard-peer", 0 },
	{ "wireguard", "no peer WORD$key", NO "A peer of this interface\n" PEER_KEY,
	  wgd_cmd_no_peer, NULL, 0 },
	{ "wireguard-peer", "description LINE...$text", "Peer description\nText\n",
	  wgd_cmd_peer_desc, NULL, 0 },
	{ "wireguard-peer", "no description [LINE...]", NO "Peer description\nText\n",
	  wgd_cmd_peer_desc, NULL, 0 },
	{ "wireguard-peer", "endpoint WORD$ep",
	  "Where the peer is reached\nHOST:PORT or [IPV6]:PORT (names are resolved again when the handshake goes stale)\n",
	  wgd_cmd_endpoint, NULL, 0 },
	{ "wireguard-peer", "no endpoint [WORD]", NO "Where the peer is reached\nHOST:PORT\n",
	  wgd_cmd_endpoint, NULL, 0 },
	{ "wireguard-peer", "[no] allowed-ips A.B.C.D/M$prefix",
	  NO "Addresses this peer may send from and is routed to\nIPv4 prefix\n",
	  wgd_cmd_allowed_ips, NULL, 0 },
	{ "wireguard-peer", "[no] allowed-ips X:X::X:X/M$prefix",
	  NO "Addresses this peer may send from and is routed to\nIPv6 prefix\n",
	  wgd_cmd_allowed_ips, NULL, 0 },
	{ "wireguard-peer", "preshared-key file WORD$path",
	  "Preshared key (post-quantum hedge)\nRead from a file (generated, mode 0600, when missing)\nAbsolute path\n",
	  wgd_cmd_psk, NULL, 0 },
	{ "wireguard-peer", "no preshared-key [file WORD]",
	  NO "Preshared key\nRead from a file\nAbsolute path\n", wgd_cmd_psk, NULL, 0 },
	{ "wireguard-peer", "persistent-keepalive (1-65535)$secs",
	  "Send a keepalive this often (keeps NAT state open)\nSeconds\n", wgd_cmd_keepalive,
	  NULL, 0 },
	{ "wireguard-peer", "no persistent-keepalive [(1-65535)]",
	  NO "Send a keepalive this often\nSeconds\n", wgd_cmd_keepalive, NULL, 0 },
	{ "wireguard-mesh", "interface IFNAME$ifname",
	  "The WireGuard interface this mesh expands on\nInterface name\n", wgd_cmd_mesh_if, NULL,
	  0 },
	{ "wireguard-mesh", "self WORD$name", "Which member this node is\nMember name\n",
	  wgd_cmd_mesh_self, NULL, 0 },
	{ "wireguard-mesh", "[no] hub WORD$name",
	  NO "Hub-and-spoke: spokes reach each other through this member (the relay)\nMember name\n",
	  wgd_cmd_mesh_hub, NULL, 0 },
	{ "wireguard-mesh", "persistent-keepalive (1-65535)$secs",
	  "Keepalive towards every member\nSeconds\n", wgd_cmd_mesh_keepalive, NULL, 0 },
	{ "wireguard-mesh", "no persistent-keepalive [(1-65535)]",
	  NO "Keepalive towards every member\nSeconds\n", wgd_cmd_mesh_keepalive, NULL, 0 },
	{ "wireguard-mesh",
	  "member WORD$name public-key WORD$key [endpoint WORD$ep] address <A.B.C.D/M|X:X::X:X/M>$addr [lan <A.B.C.D/M|X:X::X:X/M>$lan [<A.B.C.D/M|X:X::X:X/M>$lan2 [<A.B.C.D/M|X:X::X:X/M>$lan3 [<A.B.C.D/M|X:X::X:X/M>$lan4]]]]",
	  "A node of the mesh\nMember name\nIts public key\nBase64 key\nWhere it listens\nHOST:PORT (none: behind NAT)\nIts overlay address\nIPv4 address with the overlay's prefix length\nIPv6 address with the overlay's prefix length\nNetworks behind it (site-to-site), up to 4\nIPv4 prefix\nIPv6 prefix\nIPv4 prefix\nIPv6 prefix\nIPv4 prefix\nIPv6 prefix\nIPv4 prefix\nIPv6 prefix\n",
	  wgd_cmd_member, NULL, 0 },
	{ "wireguard-mesh", "no member WORD$name", NO "A node of the mesh\nMember name\n",
	  wgd_cmd_no_member, NULL, 0 },
	{ "view", "wireguard rotate-key IFNAME$ifname",
	  WG "Generate a new private key and swap it in atomically\nInterface name\n",
	  wgd_cmd_rotate, NULL, 0 },
};

void wgd_vty_install(struct cmd_tree *tree)
{
	if (cmd_tree_add_all(tree, wgd_cmds, KLD_ARRAY_SIZE(wgd_cmds)) < 0)
		kld_err("wgd: a command syntax does not parse");
}

/* ---- running config ---- */

static void wgd_write_peer(struct vty *vty, const struct wgd_peer *p)
{
	char b64[WG_KEY_B64_SIZE], pb[KLD_PREFIX_STRLEN];

	wg_key_to_base64(b64, p->pub);
	vty_out(vty, " peer %s\n", b64);
	if (p->description)
		vty_out(vty, "  description %s\n", p->description);
	if (p->endpoint)
		vty_out(vty, "  endpoint %s\n", p->endpoint);
	for (size_t i = 0; i < p->naips; i++)
		vty_out(vty, "  allowed-ips %s\n", kld_prefix_fmt(&p->aips[i], pb, sizeof(pb)));
	if (p->psk_file)
		vty_out(vty, "  preshared-key file %s\n", p->psk_file);
	if (p->keepalive)
		vty_out(vty, "  persistent-keepalive %u\n", p->keepalive);
	vty_out(vty, " exit\n");
}

static void wgd_write_if(struct vty *vty, const struct wgd_if *ifp)
{
	char pb[KLD_PREFIX_STRLEN];

	vty_out(vty, "wireguard %s\n", ifp->name);
	if (ifp->key_file)
		vty_out(vty, " private-key file %s\n", ifp->key_file);
	if (ifp->listen_port)
		vty_out(vty, " listen-port %u\n", ifp->listen_port);
	if (ifp->fwmark)
		vty_out(vty, " fwmark %u\n", ifp->fwmark);
	for (size_t i = 0; i < ifp->naddrs; i++)
		vty_out(vty, " address %s\n", kld_prefix_fmt(&ifp->addrs[i], pb, sizeof(pb)));
	if (ifp->mtu)
		vty_out(vty, " mtu %u\n", ifp->mtu);
	if (ifp->no_routes)
		vty_out(vty, " no install-routes\n");
	if (ifp->full_tunnel && ifp->ft_table)
		vty_out(vty, " full-tunnel table %u\n", ifp->ft_table);
	else if (ifp->full_tunnel)
		vty_out(vty, " full-tunnel\n");
	for (const struct wgd_peer *p = ifp->peers; p; p = p->next)
		wgd_write_peer(vty, p);
	vty_out(vty, "exit\n");
}

static void wgd_write_mesh(struct vty *vty, const struct wgd_mesh *m)
{
	char b64[WG_KEY_B64_SIZE], pb[KLD_PREFIX_STRLEN];

	vty_out(vty, "wireguard mesh %s\n", m->name);
	if (m->ifname[0])
		vty_out(vty, " interface %s\n", m->ifname);
	if (m->self[0])
		vty_out(vty, " self %s\n", m->self);
	if (m->hub[0])
		vty_out(vty, " hub %s\n", m->hub);
	if (m->keepalive)
		vty_out(vty, " persistent-keepalive %u\n", m->keepalive);
	for (size_t i = 0; i < m->nmembers; i++) {
		const struct wgd_member *mb = &m->members[i];

		wg_key_to_base64(b64, mb->pub);
		vty_out(vty, " member %s public-key %s", mb->name, b64);
		if (mb->endpoint)
			vty_out(vty, " endpoint %s", mb->endpoint);
		vty_out(vty, " address %s", kld_prefix_fmt(&mb->addr, pb, sizeof(pb)));
		for (uint8_t j = 0; j < mb->nlans; j++)
			vty_out(vty, "%s%s", j ? " " : " lan ",
				kld_prefix_fmt(&mb->lans[j], pb, sizeof(pb)));
		vty_out(vty, "\n");
	}
	vty_out(vty, "exit\n");
}

void wgd_write_config(struct vty *vty)
{
	struct wgd *w = vty->arg;
	char ab[KLD_ADDR_STRLEN];

	if (w->stale_secs)
		vty_out(vty, "wireguard stale-threshold %u\n", w->stale_secs);
	if (w->metrics.port)
		vty_out(vty, "wireguard metrics listen %s port %u\n",
			kld_addr_fmt(&w->metrics.addr, ab, sizeof(ab)), w->metrics.port);
	for (const struct wgd_if *ifp = w->ifs; ifp; ifp = ifp->next)
		wgd_write_if(vty, ifp);
	for (const struct wgd_mesh *m = w->meshes; m; m = m->next)
		wgd_write_mesh(vty, m);
}
