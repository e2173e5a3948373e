/*
 * Peer-group members, bound by `neighbor X peer-group G` or accepted from
 * a listen range: dynamic neighbors (FRR's `bgp listen range`).
 *
 * A member takes its group's configuration (bgp_peer_inherit). A listen
 * range names a group: a connection from an address inside it that is no
 * configured neighbor (bgp_session.c asks the accept_unknown hook only
 * then, so a configured neighbor always wins) creates a dynamic peer, a
 * member of the group of the most specific range, passive (it is never
 * connected to). At most `bgp listen limit` of them (FRR's 100); beyond
 * that the connection is refused and logged.
 *
 * A dynamic peer lives as long as its session: once the session is gone
 * (and the connection that created it did not get as far, or it was
 * refused) the peer is deleted by the reaper, after the usual clearing of
 * its paths. As in FRR (peer_dynamic_neighbor_no_nsf), a peer whose paths
 * are kept stale for graceful restart stays until the restart time runs
 * out, so a peer that restarts and reconnects in time finds itself and
 * its stale paths there. The reaper runs each second while any dynamic
 * peer exists: deleting a peer from inside its own FSM step is not safe.
 *
 * TCP-MD5: a group's password puts a key for each of its ranges on the
 * listener (a prefix entry, TCP_MD5SIG_EXT, as FRR), so the SYN from an
 * address of the range is checked before any peer exists; a range whose
 * key the kernel refused accepts nobody.
 *
 * Dynamic peers are not configuration: the running configuration skips
 * them and the neighbor commands refuse them; configuring one's address
 * as a neighbor replaces it (bgp_dynamic_forget).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "util.h"
#include "bgpd.h"

#define BGP_LISTEN_LIMIT_DEFAULT 100
#define BGP_REAP_MS 1000

struct bgp_listen_range {
	struct bgp_listen_range *next;
	struct kld_prefix p;
	char group[BGP_NAME_MAX];
	bool md5; /* the listener holds the group's key for the prefix */
};

struct bgp_dynamic {
	struct bgp_listen_range *ranges; /* in the order configured */
	uint32_t limit;                  /* 0: FRR's default */
	struct kld_timer *t_reap;
};

/* ---- members ---- */

/* Members cannot override their group's settings here, unlike FRR; what
 * changes the session resets it. */
void bgp_peer_inherit(struct bgp_peer *m, const struct bgp_peer *g)
{
	bool has_as = g->as_type != BGP_AS_NUMBER || g->remote_as;
	/* `remote-as external|internal`: the member's remote_as is the one
	 * its peer's OPEN said, no change of configuration */
	bool as_changed = has_as && (m->as_type != g->as_type ||
				     (g->as_type == BGP_AS_NUMBER && m->remote_as != g->remote_as));
	bool reset = memcmp(m->af_active, g->af_active, sizeof(m->af_active)) ||
		     m->evpn_active != g->evpn_active || m->multihop != g->multihop ||
		     m->gtsm_hops != g->gtsm_hops || as_changed;

	if (as_changed) {
		m->as_type = g->as_type;
		m->remote_as = g->remote_as;
	}
	memcpy(m->af_active, g->af_active, sizeof(m->af_active));
	memcpy(m->plist, g->plist, sizeof(m->plist));
	memcpy(m->rmap, g->rmap, sizeof(m->rmap));
	memcpy(m->nh_self, g->nh_self, sizeof(m->nh_self));
	memcpy(m->rr_client, g->rr_client, sizeof(m->rr_client));
	m->evpn_active = g->evpn_active;
	m->evpn_rr_client = g->evpn_rr_client;
	for (int af = 0; af < BGP_AF_MAX; af++)
		bgp_soft_in_enable(m->bgp->bd, m, (enum bgp_af)af, g->soft_in[af]);
	memcpy(m->max_prefix, g->max_prefix, sizeof(m->max_prefix));
	m->passive = g->passive || m->dynamic; /* a dynamic peer is only accepted */
	m->gr_mode = g->gr_mode;
	m->multihop = g->multihop;
	m->gtsm_hops = g->gtsm_hops;
	m->update_source = g->update_source;
	m->timers_set = g->timers_set;
	m->ka_cfg = g->ka_cfg;
	m->hold_cfg = g->hold_cfg;
	if (strcmp(m->password, g->password))
		bgp_peer_set_password(m, g->password); /* resets the session */
	if (g->shutdown != m->shutdown) {
		m->shutdown = g->shutdown;
		reset = true;
	}
	if (reset)
		bgp_peer_stop(m, m->shutdown ? BGP_CEASE_ADMIN_SHUTDOWN : BGP_CEASE_CONFIG_CHANGE);
	bgp_peer_start(m);
}

/* ---- ranges ---- */

static struct bgp_dynamic *bgp_dyn(struct bgp *bgp)
{
	if (!bgp->dyn)
		bgp->dyn = kld_xcalloc(1, sizeof(*bgp->dyn));
	return bgp->dyn;
}

uint32_t bgp_listen_limit(const struct bgp *bgp)
{
	return bgp->dyn && bgp->dyn->limit ? bgp->dyn->limit : BGP_LISTEN_LIMIT_DEFAULT;
}

/* The most specific range holding a, or NULL. */
static const struct bgp_listen_range *bgp_range_match(const struct bgp *bgp,
						      const struct kld_addr *a)
{
	const struct bgp_listen_range *best = NULL;

	for (const struct bgp_listen_range *r = bgp->dyn ? bgp->dyn->ranges : NULL; r; r = r->next)
		if (kld_prefix_contains_addr(&r->p, a) && (!best || r->p.len > best->p.len))
			best = r;
	return best;
}

/* The listener's key for the range follows its group's password. */
static int bgp_range_key(struct bgp *bgp, struct bgp_listen_range *r, bool gone)
{
	const struct bgp_peer *g = gone ? NULL : bgp_group_find(bgp, r->group);
	int rc;

	if (!g || !g->password[0]) {
		if (r->md5)
			bgp_session_md5_range(bgp->bd, &r->p, NULL);
		r->md5 = false;
		return 0;
	}
	rc = bgp_session_md5_range(bgp->bd, &r->p, g->password);
	r->md5 = rc == 0;
	return rc;
}

int bgp_listen_password_sync(struct bgp *bgp, const char *group)
{
	int rc = 0, r1;

	for (struct bgp_listen_range *r = bgp->dyn ? bgp->dyn->ranges : NULL; r; r = r->next) {
		if (strcmp(r->group, group))
			continue;
		r1 = bgp_range_key(bgp, r, false);
		rc = rc ? rc : r1;
	}
	return rc;
}

/* Would a connection from a make a dynamic peer (a range holds it, its
 * group is not shut)? The restart hold waits for such addresses that were
 * up (bgp_gr.c). */
bool bgp_listen_range_holds(struct bgp *bgp, const struct kld_addr *a)
{
	const struct bgp_listen_range *r = bgp_range_match(bgp, a);
	const struct bgp_peer *g = r ? bgp_group_find(bgp, r->group) : NULL;

	return g && !g->shutdown;
}

/* The range a dynamic peer came from (show), NULL if none holds it now. */
const struct kld_prefix *bgp_dynamic_range(const struct bgp_peer *peer)
{
	const struct bgp_listen_range *r = bgp_range_match(peer->bgp, &peer->addr);

	return peer->dynamic && r ? &r->p : NULL;
}

unsigned bgp_dynamic_count(const struct bgp *bgp)
{
	unsigned n = 0;

	for (const struct bgp_peer *p = bgp->peers; p; p = p->next)
		n += p->dynamic;
	return n;
}

/* Delete the dynamic peers of group (NULL: any) inside p (NULL: any). */
static void bgp_dynamic_drop(struct bgp *bgp, const char *group, const struct kld_prefix *p)
{
	for (struct bgp_peer *m = bgp->peers, *next; m; m = next) {
		next = m->next;
		if (!m->dynamic || (group && strcmp(m->group, group)))
			continue;
		if (!p || kld_prefix_contains_addr(p, &m->addr))
			bgp_peer_free(m);
	}
}

/* -EEXIST with err: refused, nothing changed; another -errno: added, but the
 * listener refused the key (connections from the range are refused until
 * a key is in place, as a neighbor's password). */
int bgp_listen_range_add(struct bgp *bgp, const struct kld_prefix *p, const char *group,
			 char *err, size_t errlen)
{
	struct bgp_dynamic *d = bgp_dyn(bgp);
	struct bgp_listen_range *r, **rp;

	for (r = d->ranges; r; r = r->next) {
		if (!kld_prefix_eq(&r->p, p))
			continue;
		if (!strcmp(r->group, group))
			return 0;
		snprintf(err, errlen, "Same listen range is attached to peer-group %s", r->group);
		return -EEXIST;
	}
	r = kld_xcalloc(1, sizeof(*r));
	r->p = *p;
	snprintf(r->group, sizeof(r->group), "%s", group);
	for (rp = &d->ranges; *rp; rp = &(*rp)->next)
		;
	*rp = r;
	return bgp_range_key(bgp, r, false);
}

/* Its dynamic peers go with it, as in FRR. */
int bgp_listen_range_del(struct bgp *bgp, const struct kld_prefix *p, const char *group)
{
	struct bgp_listen_range **rp, *r;

	for (rp = bgp->dyn ? &bgp->dyn->ranges : NULL; rp && *rp; rp = &(*rp)->next) {
		r = *rp;
		if (!kld_prefix_eq(&r->p, p) || (group && strcmp(r->group, group)))
			continue;
		*rp = r->next;
		bgp_range_key(bgp, r, true);
		bgp_dynamic_drop(bgp, r->group, &r->p);
		free(r);
		return 0;
	}
	return -1;
}

/* A peer-group is going: its ranges go too (FRR). */
void bgp_listen_group_gone(struct bgp *bgp, const char *group)
{
	struct bgp_listen_range **rp = bgp->dyn ? &bgp->dyn->ranges : NULL;

	while (rp && *rp) {
		struct bgp_listen_range *r = *rp;

		if (strcmp(r->group, group)) {
			rp = &r->next;
			continue;
		}
		*rp = r->next;
		bgp_range_key(bgp, r, true);
		free(r);
	}
	bgp_dynamic_drop(bgp, group, NULL);
}

void bgp_listen_limit_set(struct bgp *bgp, uint32_t limit)
{
	bgp_dyn(bgp)->limit = limit;
}

void bgp_dynamic_free(struct bgp *bgp)
{
	struct bgp_dynamic *d = bgp->dyn;

	if (!d)
		return;
	while (d->ranges) {
		struct bgp_listen_range *r = d->ranges;

		d->ranges = r->next;
		bgp_range_key(bgp, r, true);
		free(r);
	}
	kld_timer_free(d->t_reap);
	free(d);
	bgp->dyn = NULL;
}

/* ---- the reaper ---- */

/* Gone: no connection, nothing on the way, no stale paths to keep. */
static bool bgp_dynamic_dead(const struct bgp_peer *p)
{
	if (p->state == BGP_FSM_OPENSENT || p->state == BGP_FSM_OPENCONFIRM ||
	    p->state == BGP_FSM_ESTABLISHED)
		return false;
	return p->c.fd < 0 && p->acc.fd < 0 && !p->gr_stale && !p->clearing;
}

static void bgp_dynamic_reap(void *arg)
{
	struct bgp *bgp = arg;
	char a[KLD_ADDR_STRLEN];
	bool left = false;

	for (struct bgp_peer *p = bgp->peers, *next; p; p = next) {
		next = p->next;
		if (!p->dynamic)
			continue;
		if (!bgp_dynamic_dead(p)) {
			left = true;
			continue;
		}
		kld_notice("bgp: dynamic neighbor %s deleted: session down",
			   kld_addr_fmt(&p->addr, a, sizeof(a)));
		bgp_peer_free(p);
	}
	if (left)
		kld_timer_arm(bgp->dyn->t_reap, BGP_REAP_MS);
}

/* ---- accepting ---- */

/* The session floor's accept_unknown hook: a connection from a that is no
 * configured neighbor. */
struct bgp_peer *bgp_dynamic_accept(struct bgpd *bd, const struct kld_addr *a)
{
	struct bgp *bgp = bd->bgp;
	const struct bgp_listen_range *r = bgp ? bgp_range_match(bgp, a) : NULL;
	const struct bgp_peer *g = r ? bgp_group_find(bgp, r->group) : NULL;
	struct bgp_peer *old = bgp ? bgp_peer_find(bgp, a) : NULL;
	char name[KLD_ADDR_STRLEN], pfx[KLD_PREFIX_STRLEN];
	struct bgp_peer *peer;

	if (!g || g->shutdown) /* a shut group: no peer made only to be refused */
		return NULL;
	kld_addr_fmt(a, name, sizeof(name));
	kld_prefix_fmt(&r->p, pfx, sizeof(pfx));
	/* The connection came in unsigned: the listener has no key for it. */
	if (g->password[0] && !r->md5) {
		kld_log_rl(LOG_WARNING, "bgp: connection from %s refused: no TCP-MD5 key on the "
					"listener for listen range %s", name, pfx);
		return NULL;
	}
	if (bgp_dynamic_count(bgp) - (old != NULL) >= bgp_listen_limit(bgp)) {
		kld_log_rl(LOG_WARNING,
			   "bgp: connection from %s refused: dynamic neighbor limit %u reached "
			   "(listen range %s)", name, bgp_listen_limit(bgp), pfx);
		return NULL;
	}
	if (old && !bgp_dynamic_dead(old)) /* stale paths kept for it: its own again */
		return old;
	if (old) /* gone, not reaped yet: made anew, the range and group as they are now */
		bgp_peer_free(old);
	peer = bgp_peer_new(bgp, a);
	peer->dynamic = true;
	snprintf(peer->group, sizeof(peer->group), "%s", g->name);
	bgp_peer_inherit(peer, g);
	if (!bgp->dyn->t_reap)
		bgp->dyn->t_reap = kld_timer_new(bd->p.d.loop, bgp_dynamic_reap, bgp);
	if (!kld_timer_pending(bgp->dyn->t_reap))
		kld_timer_arm(bgp->dyn->t_reap, BGP_REAP_MS);
	kld_notice("bgp: dynamic neighbor %s created from listen range %s peer-group %s", name,
		   pfx, g->name);
	return peer;
}

/* A neighbor is being configured at a: a dynamic peer there gives way. */
void bgp_dynamic_forget(struct bgp *bgp, const struct kld_addr *a)
{
	struct bgp_peer *p = bgp_peer_find(bgp, a);

	if (p && p->dynamic)
		bgp_peer_free(p);
}

/* ---- commands ---- */

#define RANGE_HELP                                                                                 \
	"BGP specific commands\nConfigure BGP dynamic neighbors listen range\n"                      \
	"Configure BGP dynamic neighbors listen range\nNeighbor address\nNeighbor IPv6 address\n"  \
	"Member of the peer-group\nPeer-group name\n"

#define LIMIT_HELP                                                                                 \
	"BGP specific commands\nConfigure BGP dynamic neighbors listen range\n"                      \
	"Configure maximum number of BGP dynamic neighbors that can be created\n"

static int bgp_cmd_listen_range(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);
	const char *name = cmd_arg(args, "group");
	const struct bgp_peer *g = name ? bgp_group_find(bgp, name) : NULL;
	struct kld_prefix p;
	char err[128];
	int rc;

	if (cmd_arg_prefix(args, "range", &p) < 0) {
		vty_out(vty, "%% Malformed listen range\n");
		return CMD_WARNING;
	}
	if (cmd_has(args, "no")) {
		if (bgp_listen_range_del(bgp, &p, name) < 0) {
			vty_out(vty, "%% No such listen range\n");
			return CMD_WARNING;
		}
		return CMD_SUCCESS;
	}
	if (!g) {
		vty_out(vty, "%% Configure the peer-group first\n");
		return CMD_WARNING;
	}
	rc = bgp_listen_range_add(bgp, &p, g->name, err, sizeof(err));
	if (rc == -EEXIST) {
		vty_out(vty, "%% %s\n", err);
		return CMD_WARNING;
	}
	if (rc < 0) {
		vty_out(vty, "%% Cannot set the TCP-MD5 key on the BGP listener: %s\n",
			strerror(-rc));
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

static int bgp_cmd_listen_limit(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);

	/* Existing dynamic peers stay, as FRR: the limit gates new ones. */
	bgp_listen_limit_set(bgp, cmd_has(args, "no") ? 0 : (uint32_t)cmd_arg_int(args, "limit", 0));
	return CMD_SUCCESS;
}

static const struct cmd_def bgp_dynamic_cmds[] = {
	{ "bgp", "bgp listen range <A.B.C.D/M|X:X::X:X/M>$range peer-group WORD$group", RANGE_HELP,
	  bgp_cmd_listen_range, NULL, 0 },
	{ "bgp", "no bgp listen range <A.B.C.D/M|X:X::X:X/M>$range [peer-group WORD$group]",
	  "Negate a command\n" RANGE_HELP, bgp_cmd_listen_range, NULL, 0 },
	{ "bgp", "bgp listen limit (1-65535)$limit", LIMIT_HELP "Number of dynamic neighbors\n",
	  bgp_cmd_listen_limit, NULL, 0 },
	{ "bgp", "no bgp listen limit [(1-65535)$limit]",
	  "Negate a command\n" LIMIT_HELP "Number of dynamic neighbors\n", bgp_cmd_listen_limit,
	  NULL, 0 },
};

void bgp_dynamic_install(struct cmd_tree *tree)
{
	cmd_tree_add_all(tree, bgp_dynamic_cmds, KLD_ARRAY_SIZE(bgp_dynamic_cmds));
}

/* ---- running configuration ---- */

/* After the neighbors (the groups exist by then), as FRR. */
void bgp_dynamic_write_config(struct vty *vty, const struct bgp *bgp)
{
	char pfx[KLD_PREFIX_STRLEN];

	if (!bgp->dyn)
		return;
	if (bgp->dyn->limit && bgp->dyn->limit != BGP_LISTEN_LIMIT_DEFAULT)
		vty_out(vty, " bgp listen limit %u\n", bgp->dyn->limit);
	for (const struct bgp_listen_range *r = bgp->dyn->ranges; r; r = r->next)
		vty_out(vty, " bgp listen range %s peer-group %s\n",
			kld_prefix_fmt(&r->p, pfx, sizeof(pfx)), r->group);
}
