/*
 * bgpd's configuration commands (FRR syntax) and its part of the running
 * configuration.
 *
 * Nodes: "config" (router bgp, ip prefix-list), "bgp" (inside router bgp)
 * and "bgp-af-ipv4" (address-family ipv4 unicast). As in FRR with
 * `bgp default ipv4-unicast` on, a neighbor is active in IPv4 unicast from
 * the start, so `neighbor X activate` is accepted and `no neighbor X
 * activate` is what the running configuration shows. Handlers apply a
 * change at once and (re)start the sessions it concerns.
 */
#include <arpa/inet.h>
#include <ifaddrs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "bgpd.h"
#include "bgp_evpn.h"
#include "util.h"

#define PEER_ALT "<A.B.C.D|X:X::X:X|WORD>$peer"
#define PEER_HELP "Specify neighbor router\nNeighbor address\nIPv6 neighbor address\nNeighbor tag\n"
#define PLIST_MATCH "<A.B.C.D/M$prefix [{ge (0-32)$ge|le (0-32)$le}]|any>"
#define PLIST_MATCH_HELP                                                                           \
	"IP prefix <network>/<length>, e.g., 35.0.0.0/8\nMinimum prefix length to be matched\n"     \
	"Minimum prefix length\nMaximum prefix length to be matched\nMaximum prefix length\n"      \
	"Any prefix match. Same as \"0.0.0.0/0 le 32\"\n"

/* ---- instance ---- */

/* FRR's choice when no router-id is configured: the highest IPv4 address
 * of the host's interfaces other than loopback. */
static void bgp_router_id_auto(struct bgp *bgp)
{
	struct ifaddrs *ifa, *i;
	uint32_t best = 0;

	if (bgp->router_id_set || getifaddrs(&ifa) < 0)
		return;
	for (i = ifa; i; i = i->ifa_next) {
		uint32_t a;

		if (!i->ifa_addr || i->ifa_addr->sa_family != AF_INET)
			continue;
		a = ntohl(((struct sockaddr_in *)i->ifa_addr)->sin_addr.s_addr);
		if ((a >> 24) != 127 && a > best)
			best = a;
	}
	freeifaddrs(ifa);
	bgp->router_id.s_addr = htonl(best);
}

static void bgp_start_all(struct bgp *bgp)
{
	bgp_router_id_auto(bgp);
	for (struct bgp_peer *p = bgp->peers; p; p = p->next)
		bgp_peer_start(p);
}

static void bgp_reset_all(struct bgp *bgp)
{
	for (struct bgp_peer *p = bgp->peers; p; p = p->next)
		bgp_peer_stop(p, BGP_CEASE_CONFIG_CHANGE);
	bgp_start_all(bgp);
}

/* Interfaces changed: without a configured router-id, take the new
 * automatic one. Sessions waiting for an id start; a changed id resets
 * them, as in FRR. */
void bgp_router_id_update(struct bgp *bgp)
{
	struct in_addr old = bgp->router_id;

	if (bgp->router_id_set)
		return;
	bgp_router_id_auto(bgp);
	if (old.s_addr == bgp->router_id.s_addr)
		return;
	if (old.s_addr)
		bgp_reset_all(bgp);
	else
		bgp_start_all(bgp);
}

struct bgp *bgp_instance_new(struct bgpd *bd, uint32_t asn)
{
	struct bgp *bgp = kld_xcalloc(1, sizeof(*bgp));

	bgp->bd = bd;
	bgp->asn = asn;
	bgp_router_id_auto(bgp);
	bgp_gr_instance_init(bgp);
	return bgp;
}

void bgp_instance_free(struct bgp *bgp)
{
	struct bgpd *bd = bgp->bd;

	while (bgp->peers)
		bgp_peer_free(bgp->peers);
	while (bgp->groups) /* they may hold a password too */
		bgp_peer_free(bgp->groups);
	bgp_evpn_instance_gone(bd);
	bgp_dynamic_free(bgp);
	for (int af = 0; af < BGP_AF_MAX; af++) {
		while (bgp->networks[af]) {
			struct bgp_network *n = bgp->networks[af];

			bgp->networks[af] = n->next;
			bgp_rib_network(bd, &n->p, false);
			free(n);
		}
	}
	free(bgp);
}

static int bgp_cmd_router_bgp(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	uint32_t asn = (uint32_t)cmd_arg_int(args, "asn", 0);

	if (bd->bgp && bd->bgp->asn != asn) {
		vty_out(vty, "%% BGP instance is already running; AS is %u\n", bd->bgp->asn);
		return CMD_WARNING;
	}
	if (!bd->bgp)
		bd->bgp = bgp_instance_new(bd, asn);
	vty_set_ctx(vty, bd->bgp);
	return CMD_SUCCESS;
}

static int bgp_cmd_no_router_bgp(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;

	if (bd->bgp && cmd_has(args, "asn") &&
	    (uint32_t)cmd_arg_int(args, "asn", 0) != bd->bgp->asn) {
		vty_out(vty, "%% Can't find BGP instance\n");
		return CMD_WARNING;
	}
	if (bd->bgp)
		bgp_instance_free(bd->bgp);
	bd->bgp = NULL;
	return CMD_SUCCESS;
}

static int bgp_cmd_router_id(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);
	struct in_addr old = bgp->router_id;
	struct kld_addr a;

	bgp->router_id_set = !cmd_has(args, "no");
	if (bgp->router_id_set && cmd_arg_addr(args, "id", &a) == 0)
		bgp->router_id = a.u.v4;
	bgp_router_id_auto(bgp);
	if (old.s_addr != bgp->router_id.s_addr)
		bgp_reset_all(bgp);
	return CMD_SUCCESS;
}

static int bgp_cmd_requires_policy(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);
	bool on = !cmd_has(args, "no");

	/* Typed again: no re-evaluation, so no ROUTE-REFRESH, no UPDATE. */
	if (bgp->ebgp_requires_policy == on)
		return CMD_SUCCESS;
	bgp->ebgp_requires_policy = on;
	bgp_rib_reevaluate(bgp->bd);
	return CMD_SUCCESS;
}

/* ---- neighbors ---- */

static struct bgp_peer *bgp_peer_arg(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx(vty, 0);
	struct kld_addr a;
	struct bgp_peer *peer;

	if (cmd_arg_addr(args, "peer", &a) < 0)
		peer = bgp_group_find(bgp, cmd_arg(args, "peer"));
	else
		peer = bgp_peer_find(bgp, &a);
	if (!peer)
		vty_out(vty, "%% Specify remote-as or peer-group commands first\n");
	if (peer && peer->dynamic) { /* not configuration (bgp_dynamic.c) */
		vty_out(vty, "%% Operation not allowed on a dynamic neighbor\n");
		return NULL;
	}
	return peer;
}

/* After a change to a peer-group: its members follow. */
static void bgp_group_sync(struct bgp_peer *g)
{
	bool any = false;

	if (!g->is_group)
		return;
	for (struct bgp_peer *m = g->bgp->peers; m; m = m->next) {
		if (!strcmp(m->group, g->name)) {
			bgp_peer_inherit(m, g);
			any = true;
		}
	}
	/* Policy may have changed for established members. */
	if (any)
		bgp_rib_reevaluate(g->bgp->bd);
}

/* Groups are shown in the order they were made, so that a saved file
 * reads back in the same order (bgp_group_new puts a group first). */
static void bgp_group_to_tail(struct bgp *bgp, struct bgp_peer *g)
{
	struct bgp_peer **pp;

	for (pp = &bgp->groups; *pp != g; pp = &(*pp)->next)
		;
	*pp = g->next;
	while (*pp)
		pp = &(*pp)->next;
	g->next = NULL;
	*pp = g;
}

static int bgp_cmd_group(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx(vty, 0);
	const char *name = cmd_arg(args, "name");
	struct bgp_peer *g = bgp_group_find(bgp, name);

	if (!cmd_has(args, "no")) {
		if (!g)
			bgp_group_to_tail(bgp, bgp_group_new(bgp, name));
		return CMD_SUCCESS;
	}
	if (!g) {
		vty_out(vty, "%% Create the peer-group first\n");
		return CMD_WARNING;
	}
	/* As FRR: the members and listen ranges go with their group. */
	bgp_listen_group_gone(bgp, name);
	for (struct bgp_peer *m = bgp->peers, *next; m; m = next) {
		next = m->next;
		if (!strcmp(m->group, name))
			bgp_peer_free(m);
	}
	bgp_peer_free(g);
	return CMD_SUCCESS;
}

static int bgp_cmd_bind(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx(vty, 0);
	struct bgp_peer *g = bgp_group_find(bgp, cmd_arg(args, "group")), *peer;
	struct kld_addr a;

	if (cmd_arg_addr(args, "peer", &a) < 0)
		return CMD_WARNING;
	if (!cmd_has(args, "no") && g)
		bgp_dynamic_forget(bgp, &a); /* a configured neighbor wins */
	peer = bgp_peer_find(bgp, &a);
	if (peer && peer->dynamic) {
		vty_out(vty, "%% Operation not allowed on a dynamic neighbor\n");
		return CMD_WARNING;
	}
	if (cmd_has(args, "no")) {
		if (peer)
			bgp_peer_free(peer);
		return CMD_SUCCESS;
	}
	if (!g) {
		vty_out(vty, "%% Configure the peer-group first\n");
		return CMD_WARNING;
	}
	if (!peer)
		peer = bgp_peer_new(bgp, &a);
	snprintf(peer->group, sizeof(peer->group), "%s", g->name);
	bgp_router_id_auto(bgp);
	bgp_peer_inherit(peer, g);
	return CMD_SUCCESS;
}

/* One of this router's own addresses (in bgpd's network namespace)? */
static bool bgp_addr_is_local(const struct kld_addr *a)
{
	struct ifaddrs *ifs, *i;
	bool local = false;

	if (getifaddrs(&ifs) < 0)
		return false;
	for (i = ifs; i && !local; i = i->ifa_next) {
		struct kld_addr x = { 0 };

		if (!i->ifa_addr || i->ifa_addr->sa_family != a->family)
			continue;
		x.family = a->family;
		if (a->family == AF_INET)
			x.u.v4 = ((const struct sockaddr_in *)(void *)i->ifa_addr)->sin_addr;
		else
			x.u.v6 = ((const struct sockaddr_in6 *)(void *)i->ifa_addr)->sin6_addr;
		local = kld_addr_eq(&x, a);
	}
	freeifaddrs(ifs);
	return local;
}

/* An external neighbor cannot be a reflector client: the flag goes when
 * the neighbor becomes one (FRR does the same), so that the saved file
 * never holds a line it would refuse. */
static void bgp_rr_client_drop_if_ebgp(struct bgp_peer *peer)
{
	if (!bgp_peer_is_ebgp(peer))
		return;
	memset(peer->rr_client, 0, sizeof(peer->rr_client));
	peer->evpn_rr_client = false;
}

static int bgp_cmd_remote_as(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);
	struct kld_addr a;
	struct bgp_peer *peer;
	enum bgp_as_type t = BGP_AS_NUMBER;
	uint32_t asn = (uint32_t)cmd_arg_int(args, "asn", 0);

	if (cmd_has(args, "internal"))
		t = BGP_AS_INTERNAL;
	else if (cmd_has(args, "external"))
		t = BGP_AS_EXTERNAL;
	if (cmd_arg_addr(args, "peer", &a) < 0) {
		peer = bgp_group_find(bgp, cmd_arg(args, "peer"));
		if (!peer) {
			vty_out(vty, "%% Create the peer-group or specify remote-as first\n");
			return CMD_WARNING;
		}
		peer->as_type = t;
		peer->remote_as = t == BGP_AS_NUMBER ? asn : 0;
		bgp_rr_client_drop_if_ebgp(peer);
		bgp_group_sync(peer);
		return CMD_SUCCESS;
	}
	bgp_dynamic_forget(bgp, &a); /* a configured neighbor wins */
	peer = bgp_peer_find(bgp, &a);
	/* it would only ever talk to itself: OpenSent -> Active forever */
	if (!peer && bgp_addr_is_local(&a)) {
		vty_out(vty, "%% Can not configure the local system as neighbor\n");
		return CMD_WARNING;
	}
	if (!peer)
		peer = bgp_peer_new(bgp, &a);
	else if (peer->as_type != t || (t == BGP_AS_NUMBER && peer->remote_as != asn))
		bgp_peer_stop(peer, BGP_CEASE_CONFIG_CHANGE);
	peer->as_type = t;
	peer->remote_as = t == BGP_AS_NUMBER ? asn : 0;
	bgp_rr_client_drop_if_ebgp(peer);
	bgp_start_all(bgp);
	return CMD_SUCCESS;
}

static int bgp_cmd_no_neighbor(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);

	if (!peer)
		return CMD_WARNING;
	if (peer->is_group)
		return bgp_cmd_group(vty, args);
	bgp_peer_free(peer);
	return CMD_SUCCESS;
}

static int bgp_cmd_shutdown(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);

	if (!peer)
		return CMD_WARNING;
	peer->shutdown = !cmd_has(args, "no");
	if (peer->shutdown)
		bgp_peer_stop(peer, BGP_CEASE_ADMIN_SHUTDOWN);
	else
		bgp_peer_start(peer);
	bgp_group_sync(peer);
	return CMD_SUCCESS;
}

static enum bgp_af bgp_vty_af(const struct vty *vty)
{
	return vty->node && !strcmp(vty->node, "bgp-af-ipv6") ? BGP_AF_IPV6_UNICAST
							      : BGP_AF_IPV4_UNICAST;
}

static int bgp_cmd_activate(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);
	enum bgp_af af = bgp_vty_af(vty);
	bool on = !cmd_has(args, "no");

	if (!peer)
		return CMD_WARNING;
	if (peer->af_active[af] == on)
		return CMD_SUCCESS;
	peer->af_active[af] = on;
	/* The capabilities change: the session must be set up again. */
	bgp_peer_stop(peer, BGP_CEASE_CONFIG_CHANGE);
	bgp_peer_start(peer);
	bgp_group_sync(peer);
	return CMD_SUCCESS;
}

/* `neighbor X prefix-list|route-map NAME in|out`: the same slot logic for
 * both kinds of filter; only the table of names differs. */
static int bgp_nbr_set_filter(struct vty *vty, const struct cmd_args *args, bool rmap)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);
	enum bgp_af af = bgp_vty_af(vty);
	int dir = cmd_has(args, "out");
	char *slot;

	if (!peer)
		return CMD_WARNING;
	slot = rmap ? peer->rmap[af][dir] : peer->plist[af][dir];
	/* Bound again to the same name: nothing to walk or re-send. */
	if (!strcmp(slot, cmd_has(args, "no") ? "" : cmd_arg(args, "name")))
		return CMD_SUCCESS;
	if (cmd_has(args, "no"))
		slot[0] = '\0';
	else
		snprintf(slot, BGP_NAME_MAX, "%s", cmd_arg(args, "name"));
	bgp_rib_reevaluate(peer->bgp->bd);
	bgp_group_sync(peer);
	return CMD_SUCCESS;
}

static int bgp_cmd_nbr_rmap(struct vty *vty, const struct cmd_args *args)
{
	return bgp_nbr_set_filter(vty, args, true);
}

static int bgp_cmd_nbr_plist(struct vty *vty, const struct cmd_args *args)
{
	return bgp_nbr_set_filter(vty, args, false);
}

static int bgp_cmd_desc(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);

	if (!peer)
		return CMD_WARNING;
	snprintf(peer->desc, sizeof(peer->desc), "%s",
		 cmd_has(args, "no") ? "" : cmd_arg(args, "desc"));
	return CMD_SUCCESS;
}

static int bgp_cmd_log_changes(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);

	bgp->log_neighbor_changes = !cmd_has(args, "no");
	return CMD_SUCCESS;
}

/* The neighbor's graceful-restart mode (bgp_gr.c); for the next OPEN. */
static int bgp_cmd_nbr_gr(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);

	if (!peer)
		return CMD_WARNING;
	if (cmd_has(args, "no"))
		peer->gr_mode = BGP_GR_INHERIT;
	else if (cmd_has(args, "graceful-restart-helper"))
		peer->gr_mode = BGP_GR_HELPER;
	else if (cmd_has(args, "graceful-restart-disable"))
		peer->gr_mode = BGP_GR_DISABLE;
	else
		peer->gr_mode = BGP_GR_RESTART;
	bgp_group_sync(peer);
	bgp_gr_zebra_sync(peer->bgp);
	return CMD_SUCCESS;
}

static int bgp_cmd_passive(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);

	if (!peer)
		return CMD_WARNING;
	peer->passive = !cmd_has(args, "no");
	bgp_group_sync(peer);
	return CMD_SUCCESS;
}

/* Session parameters that only apply to the next connection: reset. */
static void bgp_peer_reset(struct bgp_peer *peer)
{
	if (peer->state == BGP_FSM_IDLE)
		return;
	bgp_peer_stop(peer, BGP_CEASE_CONFIG_CHANGE);
	bgp_peer_start(peer);
}

/* RFC 4456 7: the cluster's id goes into CLUSTER_LIST and judges loops;
 * as FRR, a change resets the iBGP sessions. */
static int bgp_cmd_cluster_id(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);
	struct in_addr old = bgp->cluster_id;
	struct kld_addr a = { 0 };

	if (!cmd_has(args, "no") && cmd_arg_addr(args, "id", &a) < 0)
		return CMD_WARNING;
	bgp->cluster_id = cmd_has(args, "no") ? (struct in_addr){ 0 } : a.u.v4;
	if (old.s_addr == bgp->cluster_id.s_addr)
		return CMD_SUCCESS;
	for (struct bgp_peer *p = bgp->peers; p; p = p->next)
		if (!bgp_peer_is_ebgp(p))
			bgp_peer_reset(p);
	return CMD_SUCCESS;
}

/* FRR's rule: a TTL to reach far and a TTL floor do not go together. */
static bool bgp_ttl_conflict(struct vty *vty, const struct bgp_peer *peer, bool multihop)
{
	if (multihop ? !peer->gtsm_hops : !peer->multihop)
		return false;
	vty_out(vty, "%% ebgp-multihop and ttl-security cannot be configured together\n");
	return true;
}

/* ebgp-multihop and ttl-security: one TTL knob each, the same handling. */
static int bgp_nbr_set_ttl(struct vty *vty, const struct cmd_args *args, bool multihop)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);
	bool no = cmd_has(args, "no");
	uint8_t *knob, want;

	if (!peer || (!no && bgp_ttl_conflict(vty, peer, multihop)))
		return CMD_WARNING;
	knob = multihop ? &peer->multihop : &peer->gtsm_hops;
	want = no ? 0 : (uint8_t)cmd_arg_int(args, "hops", multihop ? 255 : 0);
	/* The same value again (or `no` of nothing) must not flap the session. */
	if (*knob == want)
		return CMD_SUCCESS;
	*knob = want;
	bgp_peer_reset(peer);
	bgp_group_sync(peer);
	bgp_session_gtsm_sync(peer->bgp->bd); /* before accept: the listener */
	return CMD_SUCCESS;
}

static int bgp_cmd_multihop(struct vty *vty, const struct cmd_args *args)
{
	return bgp_nbr_set_ttl(vty, args, true);
}

static int bgp_cmd_ttl_security(struct vty *vty, const struct cmd_args *args)
{
	return bgp_nbr_set_ttl(vty, args, false);
}

static int bgp_cmd_update_source(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);
	struct kld_addr src;

	if (!peer)
		return CMD_WARNING;
	memset(&src, 0, sizeof(src));
	if (!cmd_has(args, "no") && cmd_arg_addr(args, "src", &src) < 0)
		return CMD_WARNING;
	/* Re-typed with the same source: nothing changes, no reset. */
	if (kld_addr_eq(&src, &peer->update_source))
		return CMD_SUCCESS;
	peer->update_source = src;
	bgp_peer_reset(peer);
	bgp_group_sync(peer);
	return CMD_SUCCESS;
}

/* TCP-MD5: the password itself is never echoed, in errors either. */
static int bgp_cmd_password(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);
	const char *pw = cmd_has(args, "no") ? NULL : cmd_arg(args, "pw");
	int rc;

	if (!peer)
		return CMD_WARNING;
	if (pw && strlen(pw) > BGP_PASSWORD_MAX) {
		vty_out(vty, "%% Password is longer than %d characters\n", BGP_PASSWORD_MAX);
		return CMD_WARNING;
	}
	rc = bgp_peer_set_password(peer, pw);
	if (peer->is_group) /* its listen ranges' keys (bgp_dynamic.c) */
		rc = bgp_listen_password_sync(peer->bgp, peer->name);
	bgp_group_sync(peer);
	if (rc < 0) {
		vty_out(vty, "%% Cannot set the TCP-MD5 key on the BGP listener: %s\n",
			strerror(-rc));
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

static bool bgp_timers_ok(struct vty *vty, const struct cmd_args *args)
{
	long long hold = cmd_arg_int(args, "hold", 0);

	if (hold && hold < 3) {
		vty_out(vty, "%% Holdtime must be either 0 or at least 3 seconds\n");
		return false;
	}
	return true;
}

static int bgp_cmd_nbr_timers(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);

	if (!peer || !bgp_timers_ok(vty, args))
		return CMD_WARNING;
	peer->timers_set = !cmd_has(args, "no");
	peer->ka_cfg = (uint16_t)cmd_arg_int(args, "ka", 0);
	peer->hold_cfg = (uint16_t)cmd_arg_int(args, "hold", 0);
	bgp_group_sync(peer);
	return CMD_SUCCESS;
}

static int bgp_cmd_timers(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);

	if (!bgp_timers_ok(vty, args))
		return CMD_WARNING;
	bgp->timers_set = !cmd_has(args, "no");
	bgp->ka_cfg = (uint16_t)cmd_arg_int(args, "ka", 0);
	bgp->hold_cfg = (uint16_t)cmd_arg_int(args, "hold", 0);
	return CMD_SUCCESS;
}

static int bgp_cmd_nh_self(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);
	uint8_t want = cmd_has(args, "no")      ? 0
		       : cmd_has(args, "force") ? BGP_NH_SELF_FORCE
						: BGP_NH_SELF;

	if (!peer)
		return CMD_WARNING;
	if (peer->nh_self[bgp_vty_af(vty)] == want)
		return CMD_SUCCESS; /* typed again: no table to re-send */
	peer->nh_self[bgp_vty_af(vty)] = want;
	if (peer->state == BGP_FSM_ESTABLISHED)
		bgp_rib_peer_up(peer->bgp->bd, peer);
	bgp_group_sync(peer);
	return CMD_SUCCESS;
}

/* Which iBGP peers get which routes changes: send every table again. */
static void bgp_resend_all(struct bgp *bgp)
{
	for (struct bgp_peer *p = bgp->peers; p; p = p->next)
		if (p->state == BGP_FSM_ESTABLISHED)
			bgp_rib_peer_up(bgp->bd, p);
}

/* The neighbor of a route-reflector-client line, or NULL (said why):
 * only an internal neighbor can be a client (FRR's message). */
static struct bgp_peer *bgp_rr_client_arg(struct vty *vty, const struct cmd_args *args, bool on)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);
	bool as_known = peer && (peer->as_type != BGP_AS_NUMBER || peer->remote_as);

	if (peer && on && as_known && bgp_peer_is_ebgp(peer)) {
		vty_out(vty, "%% Invalid command. Not an internal neighbor\n");
		return NULL;
	}
	return peer;
}

static int bgp_cmd_rr_client(struct vty *vty, const struct cmd_args *args)
{
	enum bgp_af af = bgp_vty_af(vty);
	bool on = !cmd_has(args, "no");
	struct bgp_peer *peer = bgp_rr_client_arg(vty, args, on);

	if (!peer)
		return CMD_WARNING;
	if (peer->rr_client[af] == on)
		return CMD_SUCCESS;
	peer->rr_client[af] = on;
	bgp_group_sync(peer); /* a group's members are re-sent from there */
	if (!peer->is_group)
		bgp_resend_all(peer->bgp);
	return CMD_SUCCESS;
}

static int bgp_cmd_soft_in(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);

	if (!peer)
		return CMD_WARNING;
	bgp_soft_in_enable(peer->bgp->bd, peer, bgp_vty_af(vty), !cmd_has(args, "no"));
	bgp_group_sync(peer);
	return CMD_SUCCESS;
}

static int bgp_cmd_max_prefix(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);

	if (!peer)
		return CMD_WARNING;
	peer->max_prefix[bgp_vty_af(vty)] =
		cmd_has(args, "no") ? 0 : (uint32_t)cmd_arg_int(args, "max", 0);
	bgp_group_sync(peer);
	return CMD_SUCCESS;
}

static const char *const bgp_src_names[] = {
	[BGP_SRC_KERNEL] = "kernel", [BGP_SRC_CONNECTED] = "connected", [BGP_SRC_STATIC] = "static",
	[BGP_SRC_WIREGUARD] = "wireguard",
};

static int bgp_cmd_redistribute(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx(vty, 0);
	enum bgp_af af = bgp_vty_af(vty);
	bool on = !cmd_has(args, "no");

	for (uint8_t src = BGP_SRC_KERNEL; src <= BGP_SRC_LAST; src++) {
		uint32_t bit = 1u << src;

		if (!bgp_src_redistributable(src) || !cmd_has(args, bgp_src_names[src]) || !!(bgp->redist[af] & bit) == on)
			continue;
		bgp->redist[af] ^= bit;
		bgp_zebra_redist(bgp->bd, src, bgp_af_family(af), on);
	}
	return CMD_SUCCESS;
}

static int bgp_cmd_maxpaths(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx(vty, 0);
	enum bgp_af af = bgp_vty_af(vty);

	bgp->maxpaths[af][cmd_has(args, "ibgp")] =
		cmd_has(args, "no") ? 0 : (uint8_t)cmd_arg_int(args, "n", 1);
	bgp_rib_redecide(bgp->bd);
	return CMD_SUCCESS;
}

/* ---- address families and networks ---- */

static int bgp_cmd_af(struct vty *vty, const struct cmd_args *args)
{
	(void)args;
	vty_set_ctx(vty, vty_ctx_top(vty));
	return CMD_SUCCESS;
}

/* `neighbor X activate` under address-family l2vpn evpn: the capability
 * changes, the session starts over (bgp_evpn_vty.c has the rest). */
static int bgp_cmd_evpn_activate(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_peer *peer = bgp_peer_arg(vty, args);
	bool on = !cmd_has(args, "no");

	if (!peer)
		return CMD_WARNING;
	if (peer->evpn_active == on)
		return CMD_SUCCESS;
	peer->evpn_active = on;
	if (peer->is_group) {
		bgp_group_sync(peer); /* the members' sessions start over */
		return CMD_SUCCESS;
	}
	bgp_peer_stop(peer, BGP_CEASE_CONFIG_CHANGE);
	bgp_peer_start(peer);
	return CMD_SUCCESS;
}

/* `neighbor X route-reflector-client` under l2vpn evpn: which EVPN
 * routes go where changes, no session restarts (bgp_evpn.c resends). */
static int bgp_cmd_evpn_rr_client(struct vty *vty, const struct cmd_args *args)
{
	bool on = !cmd_has(args, "no");
	struct bgp_peer *peer = bgp_rr_client_arg(vty, args, on);

	if (!peer)
		return CMD_WARNING;
	if (peer->evpn_rr_client == on)
		return CMD_SUCCESS;
	peer->evpn_rr_client = on;
	bgp_group_sync(peer);
	bgp_evpn_resend(peer->bgp->bd);
	return CMD_SUCCESS;
}

static int bgp_cmd_exit_af(struct vty *vty, const struct cmd_args *args)
{
	(void)vty;
	(void)args;
	return CMD_SUCCESS;
}

static int bgp_cmd_network(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx(vty, 0);
	enum bgp_af af = bgp_vty_af(vty);
	struct kld_prefix p;
	struct bgp_network **pp;
	bool no = cmd_has(args, "no");

	if (cmd_arg_prefix(args, "prefix", &p) < 0)
		return CMD_WARNING;
	kld_prefix_mask(&p);
	for (pp = &bgp->networks[af]; *pp && kld_prefix_cmp(&(*pp)->p, &p) < 0; pp = &(*pp)->next)
		;
	if (*pp && kld_prefix_eq(&(*pp)->p, &p)) {
		if (no) {
			struct bgp_network *n = *pp;

			*pp = n->next;
			free(n);
			bgp_rib_network(bgp->bd, &p, false);
		}
		return CMD_SUCCESS;
	}
	if (no) {
		vty_out(vty, "%% Can't find static route specified\n");
		return CMD_WARNING;
	}
	struct bgp_network *n = kld_xcalloc(1, sizeof(*n));

	n->p = p;
	n->next = *pp;
	*pp = n;
	bgp_rib_network(bgp->bd, &p, true);
	return CMD_SUCCESS;
}

/* ---- prefix-lists ---- */

static int bgp_plist_entry_from_args(struct vty *vty, const struct cmd_args *args,
				     struct bgp_plist_entry *e)
{
	memset(e, 0, sizeof(*e));
	e->permit = cmd_has(args, "permit");
	e->any = cmd_has(args, "any");
	if (e->any)
		return 0;
	if (cmd_arg_prefix(args, "prefix", &e->p) < 0)
		return -1;
	kld_prefix_mask(&e->p);
	e->ge = (uint8_t)cmd_arg_int(args, "ge", 0);
	e->le = (uint8_t)cmd_arg_int(args, "le", 0);
	if ((e->ge && e->ge <= e->p.len) || (e->le && e->le < e->p.len) ||
	    (e->ge && e->le && e->ge > e->le)) {
		vty_out(vty, "%% Invalid prefix range for %s, make sure: len < ge <= le\n",
			cmd_arg(args, "prefix"));
		return -1;
	}
	return 0;
}

static int bgp_cmd_plist(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	const char *name = cmd_arg(args, "name");
	uint8_t fam = cmd_has(args, "ipv6") ? AF_INET6 : AF_INET;
	struct bgp_plist *pl = bgp_plist_find(bd, name, fam);
	struct bgp_plist_entry e;

	if (bgp_plist_entry_from_args(vty, args, &e) < 0)
		return CMD_WARNING;
	/* Without `seq`, as FRR: a line already there is not added again; a
	 * new one goes 5 past the highest multiple of 5. */
	if (!cmd_has(args, "seq") && bgp_plist_seq_of(pl, &e))
		return CMD_SUCCESS;
	e.seq = cmd_has(args, "seq") ? (uint32_t)cmd_arg_int(args, "seq", 0)
				     : bgp_plist_next_seq(pl);
	if (pl && bgp_plist_seq_of(pl, &e) == e.seq)
		return CMD_SUCCESS; /* the same line again: no policy walk */
	pl = bgp_plist_get(bd, name, fam);
	bgp_plist_set(pl, &e);
	bgp_rib_policy_changed(bd, name);
	return CMD_SUCCESS;
}

static int bgp_cmd_no_plist(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	struct bgp_plist *pl = bgp_plist_find(bd, cmd_arg(args, "name"),
					      cmd_has(args, "ipv6") ? AF_INET6 : AF_INET);

	uint32_t seq = (uint32_t)cmd_arg_int(args, "seq", 0);
	struct bgp_plist_entry e;

	/* `no ip prefix-list L permit P`: the entry is found by its content. */
	if (!seq && (cmd_has(args, "permit") || cmd_has(args, "deny"))) {
		if (bgp_plist_entry_from_args(vty, args, &e) < 0)
			return CMD_WARNING;
		seq = bgp_plist_seq_of(pl, &e);
		if (!seq) {
			vty_out(vty, "%% Can't find specified prefix-list\n");
			return CMD_WARNING;
		}
	}
	if (!pl || bgp_plist_del(bd, pl, seq) < 0) {
		vty_out(vty, "%% Can't find specified prefix-list\n");
		return CMD_WARNING;
	}
	bgp_rib_policy_changed(bd, cmd_arg(args, "name"));
	return CMD_SUCCESS;
}

/* ---- clear ---- */

/* False, with FRR's error, when soft in is impossible for the peer. */
static bool bgp_clear_peer(struct vty *vty, struct bgp_peer *peer, const struct cmd_args *args)
{
	bool ok = true;
	char a[KLD_ADDR_STRLEN];

	if (!cmd_has(args, "soft")) {
		peer->pfx_overflow = false;
		bgp_peer_stop(peer, BGP_CEASE_ADMIN_RESET);
		snprintf(peer->last_reset, sizeof(peer->last_reset), "Admin. shutdown");
		bgp_peer_start(peer);
		return true;
	}
	if (peer->state != BGP_FSM_ESTABLISHED)
		return true;
	for (int af = 0; af < BGP_AF_MAX && !cmd_has(args, "out"); af++)
		if (peer->af_active[af] && !bgp_rib_soft_in(peer, (enum bgp_af)af))
			ok = false;
	if (!ok)
		vty_out(vty, "%% BGP: Inbound soft reconfig for %s not possible as it has neither "
			     "refresh capability, nor inbound soft reconfig\n",
			kld_addr_fmt(&peer->addr, a, sizeof(a)));
	if (!cmd_has(args, "in"))
		bgp_rib_peer_up(peer->bgp->bd, peer);
	return ok;
}

static int bgp_cmd_clear(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	const char *who = cmd_arg(args, "peer");
	struct kld_addr a;
	struct bgp_peer *peer;

	if (!bd->bgp) {
		vty_out(vty, "%% No BGP process is configured\n");
		return CMD_WARNING;
	}
	if (who && !strcmp(who, "*")) {
		/* every peer is tried; any that could not be done is an error */
		bool ok = true;

		for (peer = bd->bgp->peers; peer; peer = peer->next)
			ok &= bgp_clear_peer(vty, peer, args);
		return ok ? CMD_SUCCESS : CMD_WARNING;
	}
	if (!who || kld_addr_parse(who, &a) < 0 || !(peer = bgp_peer_find(bd->bgp, &a))) {
		vty_out(vty, "%% BGP: Unknown neighbor - \"%s\"\n", who ? who : "");
		return CMD_WARNING;
	}
	return bgp_clear_peer(vty, peer, args) ? CMD_SUCCESS : CMD_WARNING;
}

/* What both address families have; IPv4 adds `network` (IPv6's is
 * declared apart). */
#define BGP_AF_COMMON_CMDS(node)                                                           \
	{ node, "[no] neighbor " PEER_ALT " activate",                                             \
	  "Negate a command\n" PEER_HELP "Enable the Address Family for this Neighbor\n",         \
	  bgp_cmd_activate, NULL, 0 },                                                             \
	{ node, "[no] neighbor " PEER_ALT " prefix-list WORD$name <in|out>",                       \
	  "Negate a command\n" PEER_HELP "Filter updates to/from this neighbor\n"                 \
	  "Name of a prefix list\nFilter incoming updates\nFilter outgoing updates\n",            \
	  bgp_cmd_nbr_plist, NULL, 0 },                                                            \
	{ node, "[no] neighbor " PEER_ALT " route-map WORD$name <in|out>",                         \
	  "Negate a command\n" PEER_HELP "Apply route map to neighbor\nName of route map\n"       \
	  "Apply map to incoming routes\nApply map to outbound routes\n",                          \
	  bgp_cmd_nbr_rmap, NULL, 0 },                                                             \
	{ node, "maximum-paths [ibgp] (1-16)$n",                                                   \
	  "Forward packets over multiple paths\niBGP-multipath\nNumber of paths\n",                \
	  bgp_cmd_maxpaths, NULL, 0 },                                                             \
	{ node, "no maximum-paths [ibgp] [(1-16)]",                                                \
	  "Negate a command\nForward packets over multiple paths\niBGP-multipath\n"                \
	  "Number of paths\n",                                                                     \
	  bgp_cmd_maxpaths, NULL, 0 },                                                             \
	{ node, "[no] neighbor " PEER_ALT " next-hop-self [force]",                                \
	  "Negate a command\n" PEER_HELP "Disable the next hop calculation for this neighbor\n"   \
	  "Set the next hop to self for reflected routes\n",                                      \
	  bgp_cmd_nh_self, NULL, 0 },                                                              \
	{ node, "[no] neighbor " PEER_ALT " route-reflector-client",                               \
	  "Negate a command\n" PEER_HELP "Configure a neighbor as Route Reflector client\n",     \
	  bgp_cmd_rr_client, NULL, 0 },                                                            \
	{ node, "[no] neighbor " PEER_ALT " soft-reconfiguration inbound",                         \
	  "Negate a command\n" PEER_HELP "Per neighbor soft reconfiguration\n"                   \
	  "Allow inbound soft reconfiguration for this neighbor\n",                               \
	  bgp_cmd_soft_in, NULL, 0 },                                                              \
	{ node, "neighbor " PEER_ALT " maximum-prefix (1-4294967295)$max",                         \
	  PEER_HELP "Maximum number of prefix accept from this peer\nmaximum no. of prefix limit\n", \
	  bgp_cmd_max_prefix, NULL, 0 },                                                           \
	{ node, "no neighbor " PEER_ALT " maximum-prefix [(1-4294967295)]",                        \
	  "Negate a command\n" PEER_HELP "Maximum number of prefix accept from this peer\n"       \
	  "maximum no. of prefix limit\n",                                                         \
	  bgp_cmd_max_prefix, NULL, 0 },                                                           \
	{ node, "[no] redistribute <connected|static|kernel|wireguard>",                                     \
	  "Negate a command\nRedistribute information from another routing protocol\n"            \
	  "Connected routes (directly attached subnet or host)\nStatically configured routes\n"   \
	  "Kernel routes (not installed via the zebra RIB)\n"                                     \
	  "WireGuard allowed-ips routes\n",                                                       \
	  bgp_cmd_redistribute, NULL, 0 }

#define BGP_AF_CMDS(node)                                                                  \
	{ node, "[no] network A.B.C.D/M$prefix",                                                   \
	  "Negate a command\nSpecify a network to announce via BGP\nIPv4 prefix\n",               \
	  bgp_cmd_network, NULL, 0 },                                                              \
	BGP_AF_COMMON_CMDS(node)

#define PLIST6_MATCH "<X:X::X:X/M$prefix [{ge (0-128)$ge|le (0-128)$le}]|any>"
#define PLIST6_MATCH_HELP                                                                          \
	"IPv6 prefix <network>/<length>, e.g., 3ffe::/16\nMinimum prefix length to be matched\n"  \
	"Minimum prefix length\nMaximum prefix length to be matched\nMaximum prefix length\n"      \
	"Any prefix match. Same as \"::0/0 le 128\"\n"

/* The per-family neighbor commands of the IPv6 node (its network is
 * X:X::X:X/M, declared on its own). */

static const struct cmd_def bgp_cmds[] = {
	{ "config",
	  "ipv6 prefix-list WORD$name seq (1-4294967295)$seq <permit|deny> " PLIST6_MATCH,
	  "IPv6 information\nBuild a prefix list\nName of a prefix list\n"
	  "sequence number of an entry\nSequence number\nSpecify packets to forward\n"
	  "Specify packets to reject\n" PLIST6_MATCH_HELP,
	  bgp_cmd_plist, NULL, 0 },
	{ "config", "ipv6 prefix-list WORD$name <permit|deny> " PLIST6_MATCH,
	  "IPv6 information\nBuild a prefix list\nName of a prefix list\n"
	  "Specify packets to forward\nSpecify packets to reject\n" PLIST6_MATCH_HELP,
	  bgp_cmd_plist, NULL, 0 },
	{ "config", "no ipv6 prefix-list WORD$name <permit|deny> " PLIST6_MATCH,
	  "Negate a command\nIPv6 information\nBuild a prefix list\nName of a prefix list\n"
	  "Specify packets to forward\nSpecify packets to reject\n" PLIST6_MATCH_HELP,
	  bgp_cmd_no_plist, NULL, 0 },
	{ "config",
	  "no ipv6 prefix-list WORD$name [seq (1-4294967295)$seq [<permit|deny> " PLIST6_MATCH "]]",
	  "Negate a command\nIPv6 information\nBuild a prefix list\nName of a prefix list\n"
	  "sequence number of an entry\nSequence number\nSpecify packets to forward\n"
	  "Specify packets to reject\n" PLIST6_MATCH_HELP,
	  bgp_cmd_no_plist, NULL, 0 },
	{ "bgp", "address-family ipv6 [unicast]",
	  "Enter Address Family command mode\nAddress Family\nAddress Family modifier\n",
	  bgp_cmd_af, "bgp-af-ipv6", 0 },
	{ "bgp-af-ipv6", "[no] network X:X::X:X/M$prefix",
	  "Negate a command\nSpecify a network to announce via BGP\nIPv6 prefix\n",
	  bgp_cmd_network, NULL, 0 },
	{ "bgp-af-ipv6", "exit-address-family", "Exit from Address Family configuration mode\n",
	  bgp_cmd_exit_af, NULL, 0 },
	BGP_AF_COMMON_CMDS("bgp-af-ipv6"),
	{ "config", "router bgp (1-4294967295)$asn",
	  "Enable a routing process\nBGP information\nAutonomous system number\n",
	  bgp_cmd_router_bgp, "bgp", 0 },
	{ "config", "no router bgp [(1-4294967295)$asn]",
	  "Negate a command\nEnable a routing process\nBGP information\nAutonomous system number\n",
	  bgp_cmd_no_router_bgp, NULL, 0 },
	{ "config",
	  "ip prefix-list WORD$name seq (1-4294967295)$seq <permit|deny> " PLIST_MATCH,
	  "IP information\nBuild a prefix list\nName of a prefix list\nsequence number of an entry\n"
	  "Sequence number\nSpecify packets to forward\nSpecify packets to reject\n" PLIST_MATCH_HELP,
	  bgp_cmd_plist, NULL, 0 },
	{ "config", "ip prefix-list WORD$name <permit|deny> " PLIST_MATCH,
	  "IP information\nBuild a prefix list\nName of a prefix list\n"
	  "Specify packets to forward\nSpecify packets to reject\n" PLIST_MATCH_HELP,
	  bgp_cmd_plist, NULL, 0 },
	{ "config", "no ip prefix-list WORD$name <permit|deny> " PLIST_MATCH,
	  "Negate a command\nIP information\nBuild a prefix list\nName of a prefix list\n"
	  "Specify packets to forward\nSpecify packets to reject\n" PLIST_MATCH_HELP,
	  bgp_cmd_no_plist, NULL, 0 },
	{ "config", "no ip prefix-list WORD$name [seq (1-4294967295)$seq [<permit|deny> " PLIST_MATCH "]]",
	  "Negate a command\nIP information\nBuild a prefix list\nName of a prefix list\n"
	  "sequence number of an entry\nSequence number\nSpecify packets to forward\n"
	  "Specify packets to reject\n" PLIST_MATCH_HELP,
	  bgp_cmd_no_plist, NULL, 0 },
	{ "bgp", "[no] bgp router-id A.B.C.D$id",
	  "Negate a command\nBGP information\nOverride configured router identifier\n"
	  "Manually configured router identifier\n",
	  bgp_cmd_router_id, NULL, 0 },
	{ "bgp", "no bgp router-id",
	  "Negate a command\nBGP information\nOverride configured router identifier\n",
	  bgp_cmd_router_id, NULL, 0 },
	{ "bgp", "bgp cluster-id A.B.C.D$id",
	  "BGP information\nConfigure Route-Reflector Cluster-id\nRoute-Reflector Cluster-id in IP address format\n",
	  bgp_cmd_cluster_id, NULL, 0 },
	{ "bgp", "no bgp cluster-id [A.B.C.D]",
	  "Negate a command\nBGP information\nConfigure Route-Reflector Cluster-id\n"
	  "Route-Reflector Cluster-id in IP address format\n",
	  bgp_cmd_cluster_id, NULL, 0 },
	{ "bgp", "[no] bgp ebgp-requires-policy",
	  "Negate a command\nBGP information\nRequire in and out policy for eBGP peers (RFC8212)\n",
	  bgp_cmd_requires_policy, NULL, 0 },
	{ "bgp", "neighbor " PEER_ALT " remote-as <(1-4294967295)$asn|internal|external>",
	  PEER_HELP "Specify a BGP neighbor\nAS number\nInternal BGP peer\nExternal BGP peer\n",
	  bgp_cmd_remote_as, NULL, 0 },
	{ "bgp", "no neighbor " PEER_ALT " [remote-as [<(1-4294967295)|internal|external>]]",
	  "Negate a command\n" PEER_HELP
	  "Specify a BGP neighbor\nAS number\nInternal BGP peer\nExternal BGP peer\n",
	  bgp_cmd_no_neighbor, NULL, 0 },
	{ "bgp", "[no] neighbor WORD$name peer-group",
	  "Negate a command\nSpecify neighbor router\nNeighbor tag\nConfigure peer-group\n",
	  bgp_cmd_group, NULL, 0 },
	{ "bgp", "[no] neighbor <A.B.C.D|X:X::X:X>$peer peer-group WORD$group",
	  "Negate a command\nSpecify neighbor router\nNeighbor address\nIPv6 neighbor address\n"
	  "Member of the peer-group\nPeer-group name\n",
	  bgp_cmd_bind, NULL, 0 },
	{ "bgp", "[no] neighbor " PEER_ALT " shutdown",
	  "Negate a command\n" PEER_HELP "Administratively shut down this neighbor\n",
	  bgp_cmd_shutdown, NULL, 0 },
	BGP_AF_CMDS("bgp"),
	{ "bgp", "neighbor " PEER_ALT " description LINE...$desc",
	  PEER_HELP "Neighbor specific description\nUp to 80 characters describing this neighbor\n",
	  bgp_cmd_desc, NULL, 0 },
	{ "bgp", "no neighbor " PEER_ALT " description [LINE...]",
	  "Negate a command\n" PEER_HELP "Neighbor specific description\n"
	  "Up to 80 characters describing this neighbor\n",
	  bgp_cmd_desc, NULL, 0 },
	{ "bgp", "[no] bgp log-neighbor-changes",
	  "Negate a command\nBGP information\nLog neighbor up/down and reset reason\n",
	  bgp_cmd_log_changes, NULL, 0 },
	{ "bgp",
	  "[no] neighbor " PEER_ALT
	  " <graceful-restart|graceful-restart-helper|graceful-restart-disable>",
	  "Negate a command\n" PEER_HELP "Graceful restart: the restarting role\n"
	  "Graceful restart: helper only\nGraceful restart: off\n",
	  bgp_cmd_nbr_gr, NULL, 0 },
	{ "bgp", "[no] neighbor " PEER_ALT " passive",
	  "Negate a command\n" PEER_HELP "Don't send open messages to this neighbor\n",
	  bgp_cmd_passive, NULL, 0 },
	{ "bgp", "neighbor " PEER_ALT " ebgp-multihop [(1-255)$hops]",
	  PEER_HELP "Allow EBGP neighbors not on directly connected networks\n"
	  "maximum hop count\n",
	  bgp_cmd_multihop, NULL, 0 },
	{ "bgp", "no neighbor " PEER_ALT " ebgp-multihop [(1-255)]",
	  "Negate a command\n" PEER_HELP "Allow EBGP neighbors not on directly connected networks\n"
	  "maximum hop count\n",
	  bgp_cmd_multihop, NULL, 0 },
	{ "bgp", "neighbor " PEER_ALT " ttl-security hops (1-254)$hops",
	  PEER_HELP "BGP ttl-security parameters\nSpecify the maximum number of hops to the BGP peer\n"
	  "Number of hops to BGP peer\n",
	  bgp_cmd_ttl_security, NULL, 0 },
	{ "bgp", "no neighbor " PEER_ALT " ttl-security hops [(1-254)]",
	  "Negate a command\n" PEER_HELP "BGP ttl-security parameters\n"
	  "Specify the maximum number of hops to the BGP peer\nNumber of hops to BGP peer\n",
	  bgp_cmd_ttl_security, NULL, 0 },
	{ "bgp", "neighbor " PEER_ALT " update-source <A.B.C.D|X:X::X:X>$src",
	  PEER_HELP "Source of routing updates\nIPv4 address\nIPv6 address\n",
	  bgp_cmd_update_source, NULL, 0 },
	{ "bgp", "no neighbor " PEER_ALT " update-source [<A.B.C.D|X:X::X:X>]",
	  "Negate a command\n" PEER_HELP "Source of routing updates\nIPv4 address\nIPv6 address\n",
	  bgp_cmd_update_source, NULL, 0 },
	{ "bgp", "neighbor " PEER_ALT " password WORD$pw",
	  PEER_HELP "Set a password\nThe password\n",
	  bgp_cmd_password, NULL, 0 },
	{ "bgp", "no neighbor " PEER_ALT " password [WORD]",
	  "Negate a command\n" PEER_HELP "Set a password\nThe password\n",
	  bgp_cmd_password, NULL, 0 },
	{ "bgp", "neighbor " PEER_ALT " timers (0-65535)$ka (0-65535)$hold",
	  PEER_HELP "BGP per neighbor timers\nKeepalive interval\nHoldtime\n",
	  bgp_cmd_nbr_timers, NULL, 0 },
	{ "bgp", "no neighbor " PEER_ALT " timers [(0-65535) (0-65535)]",
	  "Negate a command\n" PEER_HELP "BGP per neighbor timers\nKeepalive interval\nHoldtime\n",
	  bgp_cmd_nbr_timers, NULL, 0 },
	{ "bgp", "timers bgp (0-65535)$ka (0-65535)$hold",
	  "Adjust routing timers\nBGP timers\nKeepalive interval\nHoldtime\n",
	  bgp_cmd_timers, NULL, 0 },
	{ "bgp", "no timers bgp [(0-65535) (0-65535)]",
	  "Negate a command\nAdjust routing timers\nBGP timers\nKeepalive interval\nHoldtime\n",
	  bgp_cmd_timers, NULL, 0 },
	{ "bgp", "address-family ipv4 [unicast]",
	  "Enter Address Family command mode\nAddress Family\nAddress Family modifier\n",
	  bgp_cmd_af, "bgp-af-ipv4", 0 },
	BGP_AF_CMDS("bgp-af-ipv4"),
	{ "bgp-af-ipv4", "exit-address-family", "Exit from Address Family configuration mode\n",
	  bgp_cmd_exit_af, NULL, 0 },
	{ "bgp-af-evpn", "[no] neighbor " PEER_ALT " activate",
	  "Negate a command\n" PEER_HELP "Enable the Address Family for this Neighbor\n",
	  bgp_cmd_evpn_activate, NULL, 0 },
	{ "bgp-af-evpn", "[no] neighbor " PEER_ALT " route-reflector-client",
	  "Negate a command\n" PEER_HELP "Configure a neighbor as Route Reflector client\n",
	  bgp_cmd_evpn_rr_client, NULL, 0 },
	{ "view", "clear [ip] bgp <A.B.C.D|X:X::X:X|*>$peer [soft [<in|out>]]",
	  "Reset functions\nIP information\nBGP information\nBGP neighbor address to clear\n"
	  "BGP IPv6 neighbor to clear\nClear all peers\nSoft reconfig inbound and outbound updates\n"
	  "Send route-refresh unless using 'soft-reconfiguration inbound'\n"
	  "Resend all outbound updates\n",
	  bgp_cmd_clear, NULL, 0 },
};

void bgp_vty_install(struct cmd_tree *tree)
{
	cmd_tree_add_all(tree, bgp_cmds, KLD_ARRAY_SIZE(bgp_cmds));
	bgp_show_install(tree);
	bgp_rmap_install(tree);
	bgp_gr_install(tree);
	bgp_evpn_vty_install(tree);
	bgp_dynamic_install(tree);
}

/* ---- running configuration ---- */

static const char *bgp_peer_label(const struct bgp_peer *p, char *buf, size_t size)
{
	if (p->is_group)
		return p->name;
	return kld_addr_fmt(&p->addr, buf, size);
}

static void bgp_write_peer(struct vty *vty, const struct bgp_peer *p)
{
	char buf[KLD_ADDR_STRLEN];
	const char *a = bgp_peer_label(p, buf, sizeof(buf));

	if (p->is_group)
		vty_out(vty, " neighbor %s peer-group\n", a);
	if (p->group[0]) {
		vty_out(vty, " neighbor %s peer-group %s\n", a, p->group);
		return; /* the rest comes from the group */
	}
	if (p->as_type == BGP_AS_INTERNAL)
		vty_out(vty, " neighbor %s remote-as internal\n", a);
	else if (p->as_type == BGP_AS_EXTERNAL)
		vty_out(vty, " neighbor %s remote-as external\n", a);
	else if (p->remote_as) /* a group may have none */
		vty_out(vty, " neighbor %s remote-as %u\n", a, p->remote_as);
	if (p->desc[0])
		vty_out(vty, " neighbor %s description %s\n", a, p->desc);
	if (p->shutdown)
		vty_out(vty, " neighbor %s shutdown\n", a);
	if (p->passive)
		vty_out(vty, " neighbor %s passive\n", a);
	if (bgp_gr_peer_keyword(p))
		vty_out(vty, " neighbor %s %s\n", a, bgp_gr_peer_keyword(p));
	/* In clear, as FRR: the configuration is the password's one home. */
	if (p->password[0])
		vty_out(vty, " neighbor %s password %s\n", a, p->password);
	/* FRR's form: the maximum (255) is the bare keyword. */
	if (p->multihop == 255)
		vty_out(vty, " neighbor %s ebgp-multihop\n", a);
	else if (p->multihop)
		vty_out(vty, " neighbor %s ebgp-multihop %u\n", a, p->multihop);
	if (p->gtsm_hops)
		vty_out(vty, " neighbor %s ttl-security hops %u\n", a, p->gtsm_hops);
	if (p->update_source.family) {
		char src[KLD_ADDR_STRLEN];

		vty_out(vty, " neighbor %s update-source %s\n", a,
			kld_addr_fmt(&p->update_source, src, sizeof(src)));
	}
	if (p->timers_set)
		vty_out(vty, " neighbor %s timers %u %u\n", a, p->ka_cfg, p->hold_cfg);
}

/* Groups first, then peers (FRR's order). */
static const struct bgp_peer *bgp_write_next(const struct bgp *bgp, const struct bgp_peer *p)
{
	if (!p)
		return bgp->groups ? bgp->groups : bgp->peers;
	if (p->next)
		return p->next;
	return p->is_group ? bgp->peers : NULL;
}

/* Anything of the peer's in this family, activated or not: a setting
 * made before `activate` is kept and shown (FRR keeps it too). */
static bool bgp_peer_af_configured(const struct bgp_peer *p, enum bgp_af af)
{
	return p->af_active[af] || p->rr_client[af] || p->nh_self[af] || p->soft_in[af] ||
	       p->max_prefix[af] || p->plist[af][0][0] || p->plist[af][1][0] ||
	       p->rmap[af][0][0] || p->rmap[af][1][0];
}

static bool bgp_af_configured(const struct bgp *bgp, enum bgp_af af)
{
	if (af == BGP_AF_IPV4_UNICAST || bgp->networks[af] || bgp->redist[af] ||
	    bgp->maxpaths[af][0] || bgp->maxpaths[af][1])
		return true;
	for (const struct bgp_peer *p = bgp_write_next(bgp, NULL); p; p = bgp_write_next(bgp, p))
		if (!p->group[0] && bgp_peer_af_configured(p, af))
			return true;
	return false;
}

static void bgp_write_af(struct vty *vty, const struct bgp *bgp, enum bgp_af af)
{
	char buf[KLD_ADDR_STRLEN], pfx[KLD_PREFIX_STRLEN];

	if (!bgp_af_configured(bgp, af))
		return;
	vty_out(vty, " !\n address-family %s\n", bgp_af_name(af));
	for (const struct bgp_network *n = bgp->networks[af]; n; n = n->next)
		vty_out(vty, "  network %s\n", kld_prefix_fmt(&n->p, pfx, sizeof(pfx)));
	for (uint8_t src = BGP_SRC_KERNEL; src <= BGP_SRC_LAST; src++)
		if (bgp_src_redistributable(src) && (bgp->redist[af] & (1u << src)))
			vty_out(vty, "  redistribute %s\n", bgp_src_names[src]);
	if (bgp->maxpaths[af][0])
		vty_out(vty, "  maximum-paths %u\n", bgp->maxpaths[af][0]);
	if (bgp->maxpaths[af][1])
		vty_out(vty, "  maximum-paths ibgp %u\n", bgp->maxpaths[af][1]);
	for (const struct bgp_peer *p = bgp_write_next(bgp, NULL); p; p = bgp_write_next(bgp, p)) {
		const char *a = bgp_peer_label(p, buf, sizeof(buf));

		if (p->group[0])
			continue; /* from the group */
		/* IPv4 unicast is on by default, IPv6 unicast off (FRR) */
		if (af == BGP_AF_IPV4_UNICAST && !p->af_active[af])
			vty_out(vty, "  no neighbor %s activate\n", a);
		if (af != BGP_AF_IPV4_UNICAST && p->af_active[af])
			vty_out(vty, "  neighbor %s activate\n", a);
		if (p->rr_client[af])
			vty_out(vty, "  neighbor %s route-reflector-client\n", a);
		if (p->nh_self[af])
			vty_out(vty, "  neighbor %s next-hop-self%s\n", a,
				p->nh_self[af] == BGP_NH_SELF_FORCE ? " force" : "");
		if (p->soft_in[af])
			vty_out(vty, "  neighbor %s soft-reconfiguration inbound\n", a);
		if (p->max_prefix[af])
			vty_out(vty, "  neighbor %s maximum-prefix %u\n", a, p->max_prefix[af]);
		for (int dir = 0; dir < 2; dir++)
			if (p->plist[af][dir][0])
				vty_out(vty, "  neighbor %s prefix-list %s %s\n", a,
					p->plist[af][dir], dir ? "out" : "in");
		for (int dir = 0; dir < 2; dir++)
			if (p->rmap[af][dir][0])
				vty_out(vty, "  neighbor %s route-map %s %s\n", a,
					p->rmap[af][dir], dir ? "out" : "in");
	}
	vty_out(vty, " exit-address-family\n");
}

static void bgp_write_evpn(struct vty *vty, const struct bgp *bgp)
{
	struct kld_buf b;
	char buf[KLD_ADDR_STRLEN], line[BGP_NAME_MAX + KLD_ADDR_STRLEN + 32];

	kld_buf_init(&b);
	for (const struct bgp_peer *p = bgp_write_next(bgp, NULL); p; p = bgp_write_next(bgp, p)) {
		const char *a = bgp_peer_label(p, buf, sizeof(buf));

		if (p->group[0])
			continue; /* from the group */
		if (p->evpn_active) {
			snprintf(line, sizeof(line), "  neighbor %s activate\n", a);
			kld_buf_append(&b, line, strlen(line));
		}
		if (p->evpn_rr_client) {
			snprintf(line, sizeof(line), "  neighbor %s route-reflector-client\n", a);
			kld_buf_append(&b, line, strlen(line));
		}
	}
	kld_buf_append(&b, "", 1);
	bgp_evpn_write_config(vty, bgp, b.data);
	kld_buf_free(&b);
}

void bgp_write_config(struct vty *vty)
{
	struct bgpd *bd = vty->arg;
	char buf[160];

	if (bd->bgp) {
		struct bgp *bgp = bd->bgp;

		vty_out(vty, "router bgp %u\n", bgp->asn);
		if (bgp->router_id_set)
			vty_out(vty, " bgp router-id %s\n",
				inet_ntop(AF_INET, &bgp->router_id, buf, sizeof(buf)));
		if (bgp->cluster_id.s_addr)
			vty_out(vty, " bgp cluster-id %s\n",
				inet_ntop(AF_INET, &bgp->cluster_id, buf, sizeof(buf)));
		if (bgp->log_neighbor_changes)
			vty_out(vty, " bgp log-neighbor-changes\n");
		if (bgp->ebgp_requires_policy)
			vty_out(vty, " bgp ebgp-requires-policy\n");
		bgp_gr_write_config(vty, bgp);
		if (bgp->timers_set)
			vty_out(vty, " timers bgp %u %u\n", bgp->ka_cfg, bgp->hold_cfg);
		for (const struct bgp_peer *p = bgp_write_next(bgp, NULL); p;
		     p = bgp_write_next(bgp, p))
			if (!p->dynamic) /* not configuration */
				bgp_write_peer(vty, p);
		bgp_dynamic_write_config(vty, bgp);
		bgp_write_af(vty, bgp, BGP_AF_IPV4_UNICAST);
		bgp_write_af(vty, bgp, BGP_AF_IPV6_UNICAST);
		bgp_write_evpn(vty, bgp);
		vty_out(vty, "exit\n!\n");
	}
	for (const struct bgp_plist *pl = bd->plists; pl; pl = pl->next) {
		for (size_t i = 0; i < pl->n; i++) {
			bgp_plist_entry_fmt(&pl->e[i], buf, sizeof(buf));
			vty_out(vty, "%s prefix-list %s %s\n", pl->family == AF_INET ? "ip" : "ipv6",
				pl->name, buf);
		}
	}
	if (bd->plists)
		vty_out(vty, "!\n");
	bgp_rmap_write_config(vty);
}
