/*
 * Graceful restart (RFC 4724), both roles.
 *
 * Helper (always, as FRR, unless `bgp graceful-restart-disable`): when a
 * peer that sent the capability loses its session without a NOTIFICATION
 * (a TCP reset or close: the peer's process died or restarts), its paths
 * of the families its capability listed stay in the RIB marked stale. They
 * are still best paths and still in zebra-lite, so the kernel does not
 * change. peer->t_gr then runs the peer's restart time; if the session is
 * not back by then the stale paths go. Once it is back, the new OPEN
 * decides (bgp_gr_keep_mask): a family without the capability or the
 * Forwarding State bit is flushed at once, the others wait for the peer's
 * End-of-RIB, with t_gr now running the stale-path time. Re-announced
 * routes lose the mark (bgp_rib_update), End-of-RIB sweeps what is still
 * stale.
 *
 * Any restart (with or without graceful restart): zebra-lite keeps a
 * departed client's routes for its grace time. When bgpd starts it asks
 * zebra-lite (ClientGrace) for a grace time covering update-delay (and,
 * restarting speaker, restart-time plus the selection deferral), and how
 * many of its routes zebra-lite still holds stale. If some, the hold
 * begins: routes go to zebra-lite as they are decided, but ReplayDone
 * (which sweeps what was not sent again) waits until each peer that was
 * Established before the restart - the state file bgpd.peers in the run
 * directory says which - is back and has sent its table in every family
 * (End-of-RIB, or a quiet time for a family it ends without one), or
 * update-delay passed; then it follows the work queue's last batch. A
 * dynamic peer (bgp_dynamic.c) exists only once it reconnects: its
 * address is waited for while a listen range holds it, and the peer, once
 * accepted, takes the wait from the file (bgp_gr_dyn_adopt).
 *
 * Restarting speaker (`bgp graceful-restart`): peers wait for zebra-lite's
 * answer. Routes held mean the forwarding state survived: OPENs carry the
 * Restart State bit and the Forwarding State bit for each family, and the
 * decision process is deferred (bgp_work does nothing) until the peers of
 * the hold and every established graceful-restart peer have sent their
 * tables, or select-defer-time passed. Then the work queue runs over
 * everything learned, zebra-lite gets the best paths (those it already has
 * cause no kernel message), each peer gets the table and End-of-RIB, and
 * ReplayDone follows when the hold is over too. With the restarting role
 * on, bgpd leaves on SIGTERM without a NOTIFICATION, so a planned restart
 * (systemctl restart) is graceful too.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "log.h"
#include "util.h"
#include "bgpd.h"

#define BGP_GR_PROBE_MS 5000 /* zebra-lite does not answer: start cold */
#define BGP_GR_STATE_FILE "bgpd.peers" /* in the run directory */
#define BGP_GR_QUIET_MS 5000 /* no UPDATE this long: a table without End-of-RIB is complete */
#define BGP_GR_TICK_MS 1000
#define BGP_GR_HOLD_MARGIN 30 /* s: zebra-lite's grace time over update-delay */
#define BGP_GR_STATE_MAX (16u << 20) /* a larger state file is not ours */

static void bgp_gr_state_changed(struct bgpd *bd);
static void bgp_gr_check(struct bgpd *bd);

static const char *bgp_gr_name(const struct bgp_peer *peer, char *buf)
{
	return kld_addr_fmt(&peer->addr, buf, KLD_ADDR_STRLEN);
}

static void bgp_gr_arm(struct bgp_peer *peer, uint32_t secs)
{
	peer->gr_timer_end_ms = kld_now_ms() + secs * 1000ull;
	kld_timer_arm(peer->t_gr, secs * 1000ull);
}

/* ---- modes: the neighbor's own, else the global one ---- */

static enum bgp_gr_mode bgp_gr_mode_of(const struct bgp_peer *p)
{
	if (p->gr_mode != BGP_GR_INHERIT)
		return (enum bgp_gr_mode)p->gr_mode;
	if (p->bgp->gr_disable)
		return BGP_GR_DISABLE;
	return p->bgp->gr_restart ? BGP_GR_RESTART : BGP_GR_HELPER;
}

/* Does any session play the restarting role (zebra-lite must keep our
 * routes, a restart must be detected, SIGTERM must be graceful)? */
static bool bgp_gr_restarter(const struct bgp *bgp)
{
	if (!bgp)
		return false;
	for (const struct bgp_peer *p = bgp->peers; p; p = p->next)
		if (bgp_gr_mode_of(p) == BGP_GR_RESTART)
			return true;
	return bgp->gr_restart;
}

const char *bgp_gr_peer_keyword(const struct bgp_peer *peer)
{
	static const char *const kw[] = {
		[BGP_GR_RESTART] = "graceful-restart",
		[BGP_GR_HELPER] = "graceful-restart-helper",
		[BGP_GR_DISABLE] = "graceful-restart-disable",
	};

	return peer->gr_mode < KLD_ARRAY_SIZE(kw) ? kw[peer->gr_mode] : NULL;
}

/* ---- helper ---- */

void bgp_gr_peer_down(struct bgp_peer *peer, bool tcp_failure)
{
	struct bgpd *bd = peer->bgp->bd;
	bool helper = peer->lopen.caps.present & BGP_CAPF_GR;
	uint32_t keep = bgp_gr_retain_mask(&peer->neg, helper, !tcp_failure);
	char name[KLD_ADDR_STRLEN];

	bgp_rib_peer_down(bd, peer, keep);
	bgp_gr_state_changed(bd);
	peer->gr_stale = keep;
	if (!keep) {
		kld_timer_cancel(peer->t_gr);
		return;
	}
	/* RFC 4724 4.2: the restart time the peer announced last. */
	bgp_gr_arm(peer, peer->neg.gr.time);
	kld_notice("%%GR: neighbor %s restarting: its routes are kept as stale for %us",
		   bgp_gr_name(peer, name), peer->neg.gr.time);
}

void bgp_gr_peer_up(struct bgp_peer *peer)
{
	struct bgpd *bd = peer->bgp->bd;
	uint32_t keep = bgp_gr_keep_mask(peer->gr_stale, &peer->neg);
	char name[KLD_ADDR_STRLEN];
	size_t n;

	peer->eor_rcvd = peer->eor_sent = 0;
	peer->gr_quiet_ms = kld_now_ms();
	peer->gr_upd_seen = peer->upd_in;
	bgp_gr_state_changed(bd);
	kld_timer_cancel(peer->t_gr);
	if (!peer->gr_stale)
		return;
	n = bgp_rib_peer_sweep_stale(bd, peer, peer->gr_stale & ~keep);
	if (n)
		kld_notice("%%GR: neighbor %s kept no forwarding state: %zu stale route(s) removed",
			   bgp_gr_name(peer, name), n);
	peer->gr_stale = keep;
	if (keep)
		bgp_gr_arm(peer, peer->bgp->gr_stale_time);
}

static void bgp_gr_sweep(struct bgp_peer *peer, uint32_t mask, const char *why)
{
	char name[KLD_ADDR_STRLEN];
	size_t n = bgp_rib_peer_sweep_stale(peer->bgp->bd, peer, mask & peer->gr_stale);

	peer->gr_stale &= ~mask;
	if (!peer->gr_stale)
		kld_timer_cancel(peer->t_gr);
	if (n)
		kld_notice("%%GR: neighbor %s: %s, %zu stale route(s) removed",
			   bgp_gr_name(peer, name), why, n);
}

void bgp_gr_peer_timer(void *arg)
{
	struct bgp_peer *peer = arg;

	bgp_gr_sweep(peer, ~0u, peer->state == BGP_FSM_ESTABLISHED ? "stale-path time over"
								    : "restart time over");
}

void bgp_gr_peer_flush(struct bgp_peer *peer)
{
	bgp_gr_sweep(peer, ~0u, "session stopped");
	bgp_gr_state_changed(peer->bgp->bd); /* stopped or deconfigured */
}

/* RFC 4724: per family, the peer's stale paths of that family go, and
 * our wait for its table in that family ends. */
void bgp_gr_eor_rcvd(struct bgp_peer *peer, enum bgp_af af)
{
	if (!(peer->eor_rcvd & BGP_AF_BIT(af)))
		bgp_gr_state_changed(peer->bgp->bd);
	peer->eor_rcvd |= BGP_AF_BIT(af);
	bgp_gr_sweep(peer, BGP_AF_BIT(af), "End-of-RIB received");
	bgp_gr_check(peer->bgp->bd);
}

/* ---- our capability ---- */

void bgp_gr_open_fill(const struct bgp_peer *peer, struct bgp_open *o)
{
	const struct bgp *bgp = peer->bgp;
	struct bgp_gr_cap *gr = &o->caps.gr;
	enum bgp_gr_mode mode = bgp_gr_mode_of(peer);

	if (mode == BGP_GR_DISABLE)
		return;
	o->caps.present |= BGP_CAPF_GR;
	memset(gr, 0, sizeof(*gr));
	gr->time = bgp->gr_restart_time;
	/* Helper only: the capability without families (RFC 4724 3). */
	if (mode != BGP_GR_RESTART)
		return;
	if (bgp_gr_holding(bgp->bd))
		gr->flags |= BGP_GR_FLAG_RESTART;
	for (int af = 0; af < BGP_AF_MAX; af++)
		if (peer->af_active[af])
			gr->af_mask |= BGP_AF_BIT(af);
	if (peer->evpn_active)
		gr->af_mask |= BGP_EVPN_BIT;
	/* zebra-lite held our routes over the restart (or the operator
	 * vouches for the forwarding plane: preserve-fw-state). */
	if (bgp->bd->gr_restarted || bgp->gr_preserve_fw)
		gr->af_fwd_mask = gr->af_mask;
}

/* ---- the state file: which sessions were up ---- */

static void bgp_gr_state_path(const struct bgpd *bd, char *buf, size_t size)
{
	kld_daemon_path(&bd->p.d, BGP_GR_STATE_FILE, buf, size);
}

/* At start: what the bgpd before us had up. No file (the first start
 * since boot, or a run directory cleared) means we do not know. */
static void bgp_gr_state_load(struct bgpd *bd)
{
	char path[4200];
	FILE *f;
	char *text = kld_xmalloc(BGP_GR_STATE_MAX);
	size_t len;

	bd->gr_nwas_up = -1;
	bgp_gr_state_path(bd, path, sizeof(path));
	f = fopen(path, "r");
	if (f) {
		len = fread(text, 1, BGP_GR_STATE_MAX, f);
		if (!ferror(f) && len < BGP_GR_STATE_MAX)
			bd->gr_nwas_up = bgp_grstate_parse(text, len, &bd->gr_was_up);
		if (bd->gr_nwas_up < 0)
			kld_warn("bgpd: %s is not a state file of ours; ignored", path);
		fclose(f);
	}
	free(text);
}

static void bgp_gr_state_write(struct bgpd *bd, const char *text)
{
	char path[4200], tmp[4300];
	FILE *f;
	bool ok;

	bgp_gr_state_path(bd, path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f) {
		kld_log_rl(LOG_WARNING, "bgpd: cannot write %s: %m", tmp);
		return;
	}
	ok = fputs(text, f) >= 0;
	ok = fclose(f) == 0 && ok;
	if (!ok || rename(tmp, path) < 0) {
		kld_log_rl(LOG_WARNING, "bgpd: cannot write %s: %m", path);
		unlink(tmp);
	}
}

/* The sessions up now. Not while a restart's hold still waits (the file
 * must name the peers of before if we die again meanwhile) nor while
 * leaving (they are up until we are gone). */
static void bgp_gr_state_save(void *arg)
{
	struct bgpd *bd = arg;
	struct bgp_grstate_peer *v;
	size_t n = 0, cap = 0;
	char *text;

	if (bd->gr_probe || bd->gr_hold || bd->gr_exiting || !bd->bgp)
		return;
	for (const struct bgp_peer *p = bd->bgp->peers; p; p = p->next)
		cap++;
	v = kld_xcalloc(cap ? cap : 1, sizeof(*v));
	for (const struct bgp_peer *p = bd->bgp->peers; p; p = p->next) {
		if (p->state != BGP_FSM_ESTABLISHED)
			continue;
		v[n].addr = p->addr;
		v[n].af_mask = p->neg.af_mask;
		v[n].eor_mask = p->eor_rcvd & p->neg.af_mask;
		n++;
	}
	text = bgp_grstate_format(v, n);
	bgp_gr_state_write(bd, text);
	free(text);
	free(v);
}

/* Sessions change in bursts: one write after them. */
static void bgp_gr_state_changed(struct bgpd *bd)
{
	if (bd->t_gr_save && !kld_timer_pending(bd->t_gr_save))
		kld_timer_arm(bd->t_gr_save, 0);
}

/* ---- after a restart: whose tables to wait for ---- */

/* The families whose table ends with End-of-RIB: those it ended so
 * before the restart, and all once it sends one now or promised to
 * (graceful restart's capability obliges it, RFC 4724 2). */
static uint32_t bgp_gr_eor_expected(const struct bgp_peer *p)
{
	return p->neg.peer_gr || p->eor_rcvd ? BGP_AF_MASK_ALL : p->gr_was_eor;
}

/* A peer without End-of-RIB has sent its table when it has been quiet a
 * while since its last UPDATE (the tick follows upd_in). */
static bool bgp_gr_quiet(const struct bgp_peer *p)
{
	return kld_now_ms() - p->gr_quiet_ms >= BGP_GR_QUIET_MS;
}

/* The families whose table from p is still missing. The hold waits for
 * the peers that were up before the restart (gr_wait); the deferral of a
 * restarting speaker for those and for every established peer that
 * negotiated graceful restart (RFC 4724 4.1), except peers restarting
 * themselves, which wait for our End-of-RIB first. */
static uint32_t bgp_gr_missing(const struct bgp_peer *p, bool defer)
{
	bool estab = p->state == BGP_FSM_ESTABLISHED;
	uint32_t want = p->gr_wait;

	if (defer && estab && p->neg.peer_gr) {
		if (p->neg.gr.flags & BGP_GR_FLAG_RESTART)
			return 0;
		want |= p->neg.af_mask;
	}
	if (!want || !estab)
		return want;
	want &= p->neg.af_mask & ~p->eor_rcvd;
	if (want && bgp_gr_quiet(p))
		want &= bgp_gr_eor_expected(p);
	return want;
}

/* A dynamic peer exists again only once it reconnects, so the hold waits
 * for the address: each one the state file names that has no peer now
 * but that a listen range still holds (its peer would be dynamic). How
 * many. */
unsigned bgp_gr_dyn_absent(const struct bgpd *bd)
{
	unsigned n = 0;

	for (int i = 0; i < bd->gr_nwas_up; i++) {
		const struct kld_addr *a = &bd->gr_was_up[i].addr;

		n += !bgp_peer_find(bd->bgp, a) && bgp_listen_range_holds(bd->bgp, a);
	}
	return n;
}

/* ...and once its peer exists (accepted, perhaps already Established),
 * the peer takes the wait of the state file, as a configured one did at
 * the start of the hold (bgp_gr_mark_awaited). Again after each flap: a
 * reaped and re-accepted peer is a new object. */
static void bgp_gr_dyn_adopt(struct bgpd *bd)
{
	for (int i = 0; i < bd->gr_nwas_up; i++) {
		const struct bgp_grstate_peer *w = &bd->gr_was_up[i];
		struct bgp_peer *p = bgp_peer_find(bd->bgp, &w->addr);

		if (!p || !p->dynamic)
			continue;
		p->gr_wait = w->af_mask;
		p->gr_was_eor = w->eor_mask;
	}
}

static bool bgp_gr_missing_any(const struct bgpd *bd, bool defer)
{
	if (bd->gr_hold && bd->bgp && bgp_gr_dyn_absent(bd))
		return true;
	for (const struct bgp_peer *p = bd->bgp ? bd->bgp->peers : NULL; p; p = p->next)
		if (bgp_gr_missing(p, defer))
			return true;
	return false;
}

static void bgp_gr_done_later(struct bgpd *bd)
{
	bd->gr_done_pending = true;
	kld_timer_arm(bd->t_work, 0); /* bgp_work ends in bgp_gr_work_idle */
}

static void bgp_gr_hold_end(struct bgpd *bd, const char *why)
{
	if (!bd->gr_hold)
		return;
	bd->gr_hold = false;
	kld_timer_cancel(bd->t_gr_hold);
	for (struct bgp_peer *p = bd->bgp ? bd->bgp->peers : NULL; p; p = p->next)
		p->gr_wait = 0;
	kld_notice("bgpd: %s: the routes kept over the restart are ours again", why);
	/* after the deferral's selection if one runs (bgp_gr_selection_done) */
	if (!bgp_gr_holding(bd))
		bgp_gr_done_later(bd);
	bgp_gr_state_changed(bd);
}

static void bgp_gr_defer_end(struct bgpd *bd, const char *why)
{
	if (!bd->gr_deferring)
		return;
	kld_notice("%%GR: %s: best-path selection runs now", why);
	bd->gr_deferring = false;
	bd->gr_select_pending = true;
	kld_timer_cancel(bd->t_gr_defer);
	kld_timer_arm(bd->t_work, 0); /* bgp_work ends in bgp_gr_work_idle */
}

/* A peer's quiet time starts again with each UPDATE it sends. */
static void bgp_gr_note_updates(struct bgpd *bd)
{
	uint64_t now = kld_now_ms();

	for (struct bgp_peer *p = bd->bgp ? bd->bgp->peers : NULL; p; p = p->next) {
		if (p->upd_in != p->gr_upd_seen) {
			p->gr_upd_seen = p->upd_in;
			p->gr_quiet_ms = now;
		}
	}
}

/* Keeps of the state file's peers those Established now. */
static void bgp_gr_was_up_keep_established(struct bgpd *bd)
{
	int n = 0;

	for (int i = 0; i < bd->gr_nwas_up; i++) {
		const struct bgp_peer *p = bgp_peer_find(bd->bgp, &bd->gr_was_up[i].addr);

		if (p && p->state == BGP_FSM_ESTABLISHED)
			bd->gr_was_up[n++] = bd->gr_was_up[i];
	}
	if (bd->gr_nwas_up > 0)
		bd->gr_nwas_up = n;
}

/* FRR's establish-wait: the peers whose tables the hold waits for are
 * those Established within the first M seconds; a peer still down then
 * (gone for good, or slow) no longer holds the replay. */
static void bgp_gr_establish_wait(struct bgpd *bd)
{
	unsigned dropped = 0;

	if (!bd->gr_estab_waiting ||
	    kld_now_ms() - bd->gr_hold_ms < bd->bgp->establish_wait * 1000ull)
		return;
	bd->gr_estab_waiting = false;
	for (struct bgp_peer *p = bd->bgp->peers; p; p = p->next) {
		if (p->gr_wait && p->state != BGP_FSM_ESTABLISHED) {
			p->gr_wait = 0;
			dropped++;
		}
	}
	dropped += bgp_gr_dyn_absent(bd);
	bgp_gr_was_up_keep_established(bd);
	kld_notice("bgpd: establish-wait over: %u peer(s) not Established are not waited for",
		   dropped);
}

static void bgp_gr_check(struct bgpd *bd)
{
	bgp_gr_note_updates(bd);
	if (bd->gr_hold && bd->bgp)
		bgp_gr_establish_wait(bd);
	if (bd->gr_hold && bd->bgp)
		bgp_gr_dyn_adopt(bd);
	if (bd->gr_deferring && !bgp_gr_missing_any(bd, true))
		bgp_gr_defer_end(bd, "every peer's table is complete");
	if (bd->gr_hold && !bgp_gr_missing_any(bd, false))
		bgp_gr_hold_end(bd, "every peer that was up is back with its table");
}

static void bgp_gr_defer_timeout(void *arg)
{
	bgp_gr_defer_end(arg, "select-defer-time over");
}

static void bgp_gr_hold_timeout(void *arg)
{
	bgp_gr_hold_end(arg, "update-delay over");
}

/* Once a second while waiting: the quiet times run out, sessions come
 * and go without an End-of-RIB to trigger a check. */
static void bgp_gr_tick(void *arg)
{
	struct bgpd *bd = arg;

	if (!bd->gr_hold && !bd->gr_deferring)
		return;
	bgp_gr_check(bd);
	kld_timer_arm(bd->t_gr_tick, BGP_GR_TICK_MS);
}

static const struct bgp_grstate_peer *bgp_gr_was_up(const struct bgpd *bd,
						    const struct bgp_peer *p)
{
	for (int i = 0; i < bd->gr_nwas_up; i++)
		if (kld_addr_eq(&bd->gr_was_up[i].addr, &p->addr))
			return &bd->gr_was_up[i];
	return NULL;
}

bool bgp_gr_peer_awaited(const struct bgpd *bd, const struct bgp_peer *p)
{
	return bd->gr_nwas_up < 0 || bgp_gr_was_up(bd, p);
}

/* The peers to wait for: those the state file names, or, without one,
 * every configured peer. How many. */
static unsigned bgp_gr_mark_awaited(struct bgpd *bd)
{
	unsigned n = 0;

	for (struct bgp_peer *p = bd->bgp->peers; p; p = p->next) {
		const struct bgp_grstate_peer *w = bgp_gr_was_up(bd, p);

		p->gr_wait = p->gr_was_eor = 0;
		if (p->shutdown || p->is_group || (bd->gr_nwas_up >= 0 && !w))
			continue;
		for (int af = 0; af < BGP_AF_MAX && !w; af++)
			if (p->af_active[af])
				p->gr_wait |= BGP_AF_BIT(af);
		if (w) {
			p->gr_wait = w->af_mask;
			p->gr_was_eor = w->eor_mask;
		}
		p->gr_quiet_ms = kld_now_ms();
		p->gr_upd_seen = p->upd_in;
		n += p->gr_wait != 0;
	}
	return n;
}

/* zebra-lite still holds routes of ours: keep them ours (no ReplayDone)
 * until the peers that were up are back with their tables. */
static void bgp_gr_hold_start(struct bgpd *bd, uint32_t stale_routes)
{
	unsigned n;

	if (!bd->bgp->update_delay) {
		if (!bd->gr_deferring)
			bgp_gr_done_later(bd);
		return;
	}
	n = bgp_gr_mark_awaited(bd) + bgp_gr_dyn_absent(bd);
	bd->gr_hold = true;
	bd->gr_hold_ms = kld_now_ms();
	bd->gr_estab_waiting = bd->bgp->establish_wait != 0;
	kld_timer_arm(bd->t_gr_hold, bd->bgp->update_delay * 1000ull);
	kld_timer_arm(bd->t_gr_tick, BGP_GR_TICK_MS);
	kld_notice("bgpd: restarted with %u route(s) kept in the kernel; they stay until %u "
		   "peer(s) %s are back with their tables, at most %us (update-delay)",
		   stale_routes, n, bd->gr_nwas_up < 0 ? "configured" : "that were up",
		   bd->bgp->update_delay);
}

/* ---- restarting speaker ---- */

static void bgp_gr_start_peers(struct bgpd *bd)
{
	for (struct bgp_peer *p = bd->bgp ? bd->bgp->peers : NULL; p; p = p->next)
		bgp_peer_start(p);
}

bool bgp_gr_start_held(const struct bgpd *bd)
{
	return bd->gr_probe && bgp_gr_restarter(bd->bgp);
}

static void bgp_gr_probe_timeout(void *arg)
{
	struct bgpd *bd = arg;

	if (!bgp_gr_start_held(bd))
		return;
	kld_warn("bgpd: zebra-lite did not answer; starting without graceful restart");
	bd->gr_probe = false;
	bgp_gr_start_peers(bd);
}

static void bgp_gr_selection_done(struct bgpd *bd)
{
	bd->gr_select_pending = false;
	if (!bd->gr_hold)
		bgp_rib_hooks.fib_replay_done(bd);
	for (struct bgp_peer *p = bd->bgp ? bd->bgp->peers : NULL; p; p = p->next)
		if (p->state == BGP_FSM_ESTABLISHED)
			bgp_rib_peer_up(bd, p);
}

void bgp_gr_work_idle(struct bgpd *bd)
{
	if (bd->gr_select_pending) {
		bgp_gr_selection_done(bd);
		return;
	}
	if (!bd->gr_done_pending)
		return;
	bd->gr_done_pending = false;
	bgp_rib_hooks.fib_replay_done(bd);
}

/* zebra-lite keeps our routes this long after we go away: enough for the
 * helpers to wait for us (restart-time) and for our deferral after, and
 * for the hold of a restart (update-delay, with a margin for our own
 * start). */
static uint32_t bgp_gr_zebra_secs(const struct bgp *bgp)
{
	uint32_t gr = bgp_gr_restarter(bgp) ? (uint32_t)bgp->gr_restart_time + bgp->gr_defer_time
					     : 0;
	uint32_t hold = bgp->update_delay ? bgp->update_delay + BGP_GR_HOLD_MARGIN : 0;

	return KLD_MAX(gr, hold);
}

void bgp_gr_zebra_sync(struct bgp *bgp)
{
	bgp_rib_hooks.fib_grace(bgp->bd, bgp_gr_zebra_secs(bgp));
}

/* Every connection asks for our grace time; the first one also learns
 * whether zebra-lite kept our routes over a restart (its answer). */
bool bgp_gr_zebra_up(struct bgpd *bd)
{
	if (bd->bgp) {
		bgp_gr_zebra_sync(bd->bgp);
	} else if (bd->gr_probe) {
		bd->gr_probe = false; /* no BGP configured: nothing to keep */
		kld_timer_cancel(bd->t_gr_probe);
	}
	return bd->gr_probe || bd->gr_hold || bgp_gr_holding(bd);
}

void bgp_gr_zebra_answer(struct bgpd *bd, uint32_t stale_routes)
{
	bool held = bgp_gr_start_held(bd);

	if (!bd->gr_probe || !bd->bgp)
		return; /* a later reconnect: only the grace time mattered */
	bd->gr_probe = false;
	kld_timer_cancel(bd->t_gr_probe);
	if (!stale_routes) {
		bgp_gr_done_later(bd); /* the routes went with the connection */
		bgp_gr_state_changed(bd);
		if (held)
			bgp_gr_start_peers(bd);
		return;
	}
	if (bgp_gr_restarter(bd->bgp)) {
		bd->gr_restarted = true;
		bd->gr_deferring = true;
		bd->gr_defer_end_ms = kld_now_ms() + bd->bgp->gr_defer_time * 1000ull;
		kld_timer_arm(bd->t_gr_defer, bd->bgp->gr_defer_time * 1000ull);
		kld_timer_arm(bd->t_gr_tick, BGP_GR_TICK_MS);
		kld_notice("%%GR: restarted with %u route(s) kept in the kernel; selection "
			   "deferred up to %us",
			   stale_routes, bd->bgp->gr_defer_time);
	}
	bgp_gr_hold_start(bd, stale_routes);
	if (held)
		bgp_gr_start_peers(bd);
	bgp_gr_check(bd);
}

void bgp_gr_init(struct bgpd *bd)
{
	struct kld_loop *l = bd->p.d.loop;

	bd->gr_probe = true;
	bd->t_gr_probe = kld_timer_new(l, bgp_gr_probe_timeout, bd);
	bd->t_gr_defer = kld_timer_new(l, bgp_gr_defer_timeout, bd);
	bd->t_gr_hold = kld_timer_new(l, bgp_gr_hold_timeout, bd);
	bd->t_gr_tick = kld_timer_new(l, bgp_gr_tick, bd);
	bd->t_gr_save = kld_timer_new(l, bgp_gr_state_save, bd);
	kld_timer_arm(bd->t_gr_probe, BGP_GR_PROBE_MS);
	bgp_gr_state_load(bd);
}

void bgp_gr_fini(struct bgpd *bd)
{
	bd->gr_exiting = true;
	/* Leaving with the restarting role: close the sessions without a
	 * NOTIFICATION, so the helpers keep our routes (RFC 4724 4.2). */
	if (bgp_gr_restarter(bd->bgp))
		for (struct bgp_peer *p = bd->bgp->peers; p; p = p->next)
			bgp_peer_abandon(p);
	kld_timer_free(bd->t_gr_probe);
	kld_timer_free(bd->t_gr_defer);
	kld_timer_free(bd->t_gr_hold);
	kld_timer_free(bd->t_gr_tick);
	kld_timer_free(bd->t_gr_save);
	bd->t_gr_probe = bd->t_gr_defer = bd->t_gr_hold = bd->t_gr_tick = bd->t_gr_save = NULL;
	free(bd->gr_was_up);
	bd->gr_was_up = NULL;
}

void bgp_gr_instance_init(struct bgp *bgp)
{
	bgp->gr_restart_time = BGP_GR_RESTART_TIME;
	bgp->gr_stale_time = BGP_GR_STALE_TIME;
	bgp->gr_defer_time = BGP_GR_DEFER_TIME;
	bgp->update_delay = BGP_UPDATE_DELAY;
	if (bgp->bd)
		bgp_gr_zebra_sync(bgp); /* our grace time, now that there are routes */
}

/* ---- show bgp neighbors: FRR 8.4's lines and keys ---- */

static const char *const bgp_gr_af_name[BGP_AF_MAX] = { "IPv4 Unicast", "IPv6 Unicast" };
static const char *const bgp_gr_af_key[BGP_AF_MAX] = { "ipv4Unicast", "ipv6Unicast" };

/* FRR's '*': the mode comes from the global setting. */
static const char *bgp_gr_local_mode(const struct bgp_peer *p)
{
	static const char *const own[] = { "", "Restart", "Helper", "Disable" };
	static const char *const global[] = { "", "Restart*", "Helper*", "Disable*" };

	return (p->gr_mode != BGP_GR_INHERIT ? own : global)[bgp_gr_mode_of(p)];
}

static const char *bgp_gr_remote_mode(const struct bgp_peer *p)
{
	if (p->state != BGP_FSM_ESTABLISHED)
		return "NotApplicable";
	if (!p->neg.peer_gr)
		return "Disable";
	return p->neg.gr.af_mask ? "Restart" : "Helper";
}

static uint32_t bgp_gr_remaining(const struct bgp_peer *p)
{
	uint64_t now = kld_now_ms();

	if (!kld_timer_pending(p->t_gr) || p->gr_timer_end_ms <= now)
		return 0;
	return (uint32_t)((p->gr_timer_end_ms - now + 999) / 1000);
}

static void bgp_gr_show_afs(struct vty *vty, const char *what, uint32_t mask)
{
	vty_out(vty, "    End-of-RIB %s:", what);
	for (int af = 0; af < BGP_AF_MAX; af++)
		if (mask & BGP_AF_BIT(af))
			vty_out(vty, " %s", bgp_gr_af_name[af]);
	if (mask & BGP_EVPN_BIT)
		vty_out(vty, " L2VPN EVPN");
	vty_out(vty, "\n");
}

void bgp_gr_show_caps(struct vty *vty, const struct bgp_peer *p)
{
	bool adv = p->lopen.caps.present & BGP_CAPF_GR;

	if (!adv && !p->neg.peer_gr)
		return;
	vty_out(vty, "    Graceful Restart Capability: %s\n",
		adv && p->neg.peer_gr ? "advertised and received" : adv ? "advertised" : "received");
	if (!p->neg.peer_gr)
		return;
	vty_out(vty, "      Remote Restart timer is %u seconds\n", p->neg.gr.time);
	vty_out(vty, "      Address families by peer:\n");
	if (!p->neg.gr.af_mask)
		vty_out(vty, "        none\n");
	for (int af = 0; af < BGP_AF_MAX; af++)
		if (p->neg.gr.af_mask & BGP_AF_BIT(af))
			vty_out(vty, "        %s(%s)\n", bgp_gr_af_name[af],
				(p->neg.gr.af_fwd_mask & BGP_AF_BIT(af)) ? "preserved"
									  : "not preserved");
	if (p->neg.gr.af_mask & BGP_EVPN_BIT)
		vty_out(vty, "        L2VPN EVPN(%s)\n",
			(p->neg.gr.af_fwd_mask & BGP_EVPN_BIT) ? "preserved" : "not preserved");
}

static void bgp_gr_show_af(struct vty *vty, const struct bgp_peer *p, enum bgp_af af)
{
	uint32_t bit = BGP_AF_BIT(af);

	vty_out(vty, "    %s:\n", bgp_gr_af_name[af]);
	vty_out(vty, "      F bit: %s\n", (p->neg.gr.af_fwd_mask & bit) ? "True" : "False");
	vty_out(vty, "      End-of-RIB sent: %s\n", (p->eor_sent & bit) ? "Yes" : "No");
	vty_out(vty, "      End-of-RIB sent after update: %s\n", (p->eor_sent & bit) ? "Yes" : "No");
	vty_out(vty, "      End-of-RIB received: %s\n", (p->eor_rcvd & bit) ? "Yes" : "No");
	vty_out(vty, "      Timers:\n");
	vty_out(vty, "        Configured Stale Path Time(sec): %u\n", p->bgp->gr_stale_time);
	vty_out(vty, "        Configured Selection Deferral Time(sec): %u\n",
		p->bgp->gr_defer_time);
	if ((p->gr_stale & bit) && p->state == BGP_FSM_ESTABLISHED)
		vty_out(vty, "        Stale Path Remaining(sec): %u\n", bgp_gr_remaining(p));
}

void bgp_gr_show_neighbor(struct vty *vty, const struct bgp_peer *p)
{
	bool estab = p->state == BGP_FSM_ESTABLISHED;

	vty_out(vty, "  Graceful restart information:\n");
	if (estab) {
		bgp_gr_show_afs(vty, "send", p->eor_sent);
		bgp_gr_show_afs(vty, "received",
				p->eor_rcvd | (p->evpn_eor_rcvd ? BGP_EVPN_BIT : 0));
	} else if (p->gr_stale) {
		vty_out(vty, "    The remaining time of restart timer is %u\n", bgp_gr_remaining(p));
	}
	vty_out(vty, "    Local GR Mode: %s\n", bgp_gr_local_mode(p));
	vty_out(vty, "    Remote GR Mode: %s\n", bgp_gr_remote_mode(p));
	vty_out(vty, "    R bit: %s\n", (p->neg.gr.flags & BGP_GR_FLAG_RESTART) ? "True" : "False");
	vty_out(vty, "    N bit: %s\n", (p->neg.gr.flags & BGP_GR_FLAG_NOTIFY) ? "True" : "False");
	vty_out(vty, "    Timers:\n");
	vty_out(vty, "      Configured Restart Time(sec): %u\n", p->bgp->gr_restart_time);
	vty_out(vty, "      Received Restart Time(sec): %u\n", p->neg.gr.time);
	if (!estab && p->gr_stale)
		vty_out(vty, "      Restart Time Remaining(sec): %u\n", bgp_gr_remaining(p));
	for (int af = 0; estab && af < BGP_AF_MAX; af++)
		if (p->neg.af_mask & BGP_AF_BIT(af))
			bgp_gr_show_af(vty, p, (enum bgp_af)af);
}

static struct json_object *bgp_gr_af_set(uint32_t mask)
{
	struct json_object *o = json_object_new_object();

	for (int af = 0; af < BGP_AF_MAX; af++)
		if (mask & BGP_AF_BIT(af))
			json_object_object_add(o, bgp_gr_af_key[af], json_object_new_boolean(1));
	return o;
}

static struct json_object *bgp_gr_af_json(const struct bgp_peer *p, enum bgp_af af)
{
	struct json_object *o = json_object_new_object(), *eor = json_object_new_object();
	struct json_object *t = json_object_new_object();
	uint32_t bit = BGP_AF_BIT(af);

	json_object_object_add(o, "fBit", json_object_new_boolean(p->neg.gr.af_fwd_mask & bit));
	json_object_object_add(eor, "endOfRibSend", json_object_new_boolean(p->eor_sent & bit));
	json_object_object_add(eor, "endOfRibSentAfterUpdate",
			       json_object_new_boolean(p->eor_sent & bit));
	json_object_object_add(eor, "endOfRibRecv", json_object_new_boolean(p->eor_rcvd & bit));
	json_object_object_add(o, "endOfRibStatus", eor);
	json_object_object_add(t, "stalePathTimer", json_object_new_int(p->bgp->gr_stale_time));
	json_object_object_add(t, "selectionDeferralTimer",
			       json_object_new_int(p->bgp->gr_defer_time));
	if (p->gr_stale & bit)
		json_object_object_add(t, "stalePathTimerRemaining",
				       json_object_new_int64(bgp_gr_remaining(p)));
	json_object_object_add(o, "timers", t);
	return o;
}

struct json_object *bgp_gr_neighbor_json(const struct bgp_peer *p)
{
	struct json_object *o = json_object_new_object(), *t = json_object_new_object();
	bool estab = p->state == BGP_FSM_ESTABLISHED;

	if (estab) {
		json_object_object_add(o, "endOfRibSend", bgp_gr_af_set(p->eor_sent));
		json_object_object_add(o, "endOfRibRecv", bgp_gr_af_set(p->eor_rcvd));
	}
	json_object_object_add(o, "localGrMode", json_object_new_string(bgp_gr_local_mode(p)));
	json_object_object_add(o, "remoteGrMode", json_object_new_string(bgp_gr_remote_mode(p)));
	json_object_object_add(o, "rBit",
			       json_object_new_boolean(p->neg.gr.flags & BGP_GR_FLAG_RESTART));
	json_object_object_add(o, "nBit",
			       json_object_new_boolean(p->neg.gr.flags & BGP_GR_FLAG_NOTIFY));
	json_object_object_add(t, "configuredRestartTimer",
			       json_object_new_int(p->bgp->gr_restart_time));
	json_object_object_add(t, "receivedRestartTimer", json_object_new_int(p->neg.gr.time));
	if (!estab && p->gr_stale)
		json_object_object_add(t, "restartTimerRemaining",
				       json_object_new_int64(bgp_gr_remaining(p)));
	json_object_object_add(o, "timers", t);
	for (int af = 0; estab && af < BGP_AF_MAX; af++)
		if (p->neg.af_mask & BGP_AF_BIT(af))
			json_object_object_add(o, bgp_gr_af_key[af], bgp_gr_af_json(p, (enum bgp_af)af));
	return o;
}

/* ---- commands ---- */

/* Changes apply to the next OPEN (as FRR: reset the sessions to apply). */
static int bgp_cmd_gr(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);

	bgp->gr_restart = !cmd_has(args, "no");
	if (bgp->gr_restart)
		bgp->gr_disable = false;
	bgp_gr_zebra_sync(bgp);
	return CMD_SUCCESS;
}

static int bgp_cmd_gr_disable(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);

	bgp->gr_disable = !cmd_has(args, "no");
	if (bgp->gr_disable)
		bgp->gr_restart = false;
	bgp_gr_zebra_sync(bgp);
	return CMD_SUCCESS;
}

static int bgp_cmd_gr_time(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);
	bool no = cmd_has(args, "no");

	if (cmd_has(args, "restart-time"))
		bgp->gr_restart_time = (uint16_t)(no ? BGP_GR_RESTART_TIME
						     : cmd_arg_int(args, "secs", 0));
	else if (cmd_has(args, "stalepath-time"))
		bgp->gr_stale_time = (uint16_t)(no ? BGP_GR_STALE_TIME
						   : cmd_arg_int(args, "secs", 0));
	else
		bgp->gr_defer_time = (uint16_t)(no ? BGP_GR_DEFER_TIME
						   : cmd_arg_int(args, "secs", 0));
	if (bgp_gr_restarter(bgp))
		bgp_gr_zebra_sync(bgp);
	return CMD_SUCCESS;
}

static int bgp_cmd_gr_fw(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);

	bgp->gr_preserve_fw = !cmd_has(args, "no");
	return CMD_SUCCESS;
}

/* As FRR's update-delay, but what waits is the replay to zebra-lite after
 * a restart (announcements are not held); 0 turns the hold off. The
 * second number is FRR's establish-wait, kept as typed (0: not given). */
static int bgp_cmd_update_delay(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);
	long long secs = cmd_arg_int(args, "secs", 0), wait = cmd_arg_int(args, "wait", 0);

	if (cmd_has(args, "no")) {
		secs = BGP_UPDATE_DELAY;
		wait = 0;
	}
	if (wait > secs) {
		vty_out(vty, "%%Failed: update-delay less than the establish-wait!\n");
		return CMD_WARNING;
	}
	bgp->update_delay = (uint16_t)secs;
	bgp->establish_wait = (uint16_t)wait;
	bgp_gr_zebra_sync(bgp);
	return CMD_SUCCESS;
}

#define GR_HELP "BGP specific commands\nGraceful restart capability parameters\n"
#define UD_HELP "Hold the replay to zebra-lite after a restart until the peers are back\n"
#define UD_WAIT_HELP "Establish-wait: seconds after which peers not Established are not waited for\n"

static const struct cmd_def bgp_gr_cmds[] = {
	{ "bgp", "[no] bgp graceful-restart", "Negate a command\n" GR_HELP, bgp_cmd_gr, NULL, 0 },
	{ "bgp", "[no] bgp graceful-restart-disable",
	  "Negate a command\nBGP specific commands\nGraceful restart off: no capability, no "
	  "helper\n",
	  bgp_cmd_gr_disable, NULL, 0 },
	{ "bgp", "bgp graceful-restart restart-time (1-4095)$secs",
	  GR_HELP "Set the time to wait to delete stale routes before a BGP open message is "
		  "received\nDelay value (seconds)\n",
	  bgp_cmd_gr_time, NULL, 0 },
	{ "bgp", "no bgp graceful-restart restart-time [(1-4095)]",
	  "Negate a command\n" GR_HELP "Set the time to wait to delete stale routes before a "
				       "BGP open message is received\nDelay value (seconds)\n",
	  bgp_cmd_gr_time, NULL, 0 },
	{ "bgp", "bgp graceful-restart stalepath-time (1-4095)$secs",
	  GR_HELP "Set the max time to hold onto restarting peer's stale paths\nDelay value "
		  "(seconds)\n",
	  bgp_cmd_gr_time, NULL, 0 },
	{ "bgp", "no bgp graceful-restart stalepath-time [(1-4095)]",
	  "Negate a command\n" GR_HELP "Set the max time to hold onto restarting peer's stale "
				       "paths\nDelay value (seconds)\n",
	  bgp_cmd_gr_time, NULL, 0 },
	{ "bgp", "bgp graceful-restart select-defer-time (0-3600)$secs",
	  GR_HELP "Set the time to defer the BGP route selection after restart\nDelay value "
		  "(seconds, 0 - disable)\n",
	  bgp_cmd_gr_time, NULL, 0 },
	{ "bgp", "no bgp graceful-restart select-defer-time [(0-3600)]",
	  "Negate a command\n" GR_HELP "Set the time to defer the BGP route selection after "
				       "restart\nDelay value (seconds)\n",
	  bgp_cmd_gr_time, NULL, 0 },
	{ "bgp", "[no] bgp graceful-restart preserve-fw-state",
	  "Negate a command\n" GR_HELP "Sets F-bit indication that fib is preserved while doing "
				       "Graceful Restart\n",
	  bgp_cmd_gr_fw, NULL, 0 },
	{ "bgp", "update-delay (0-3600)$secs [(1-3600)$wait]",
	  UD_HELP "Seconds at most (0: no hold)\n" UD_WAIT_HELP, bgp_cmd_update_delay, NULL, 0 },
	{ "bgp", "no update-delay [(0-3600) [(1-3600)]]",
	  "Negate a command\n" UD_HELP "Seconds at most\n" UD_WAIT_HELP, bgp_cmd_update_delay,
	  NULL, 0 },
};

void bgp_gr_install(struct cmd_tree *tree)
{
	cmd_tree_add_all(tree, bgp_gr_cmds, KLD_ARRAY_SIZE(bgp_gr_cmds));
}

void bgp_gr_write_config(struct vty *vty, const struct bgp *bgp)
{
	if (bgp->establish_wait)
		vty_out(vty, " update-delay %u %u\n", bgp->update_delay, bgp->establish_wait);
	else if (bgp->update_delay != BGP_UPDATE_DELAY)
		vty_out(vty, " update-delay %u\n", bgp->update_delay);
	if (bgp->gr_stale_time != BGP_GR_STALE_TIME)
		vty_out(vty, " bgp graceful-restart stalepath-time %u\n", bgp->gr_stale_time);
	if (bgp->gr_restart_time != BGP_GR_RESTART_TIME)
		vty_out(vty, " bgp graceful-restart restart-time %u\n", bgp->gr_restart_time);
	if (bgp->gr_defer_time != BGP_GR_DEFER_TIME)
		vty_out(vty, " bgp graceful-restart select-defer-time %u\n", bgp->gr_defer_time);
	if (bgp->gr_restart)
		vty_out(vty, " bgp graceful-restart\n");
	if (bgp->gr_disable)
		vty_out(vty, " bgp graceful-restart-disable\n");
	if (bgp->gr_preserve_fw)
		vty_out(vty, " bgp graceful-restart preserve-fw-state\n");
}

/* ---- the session's news (bgp_session_hooks) ---- */

/* The last session's paths must be gone before this one's arrive. */
void bgp_gr_on_established(struct bgp_peer *peer)
{
	bgp_rib_peer_clear_finish(peer->bgp->bd, peer);
	bgp_gr_peer_up(peer);
	bgp_rib_peer_up(peer->bgp->bd, peer);
}

void bgp_gr_peer_init(struct bgp_peer *peer)
{
	bgp_rib_peer_init(peer);
	peer->t_gr = kld_timer_new(peer->bgp->bd->p.d.loop, bgp_gr_peer_timer, peer);
}

void bgp_gr_peer_fini(struct bgp_peer *peer)
{
	bgp_rib_peer_fini(peer);
	kld_timer_free(peer->t_gr);
}
