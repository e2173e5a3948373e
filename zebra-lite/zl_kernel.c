/*
 * The glue between the RIB and rtnetlink (nl.c).
 *
 * Start-up: links, then addresses, then routes are dumped, in that order so
 * that every route finds its interface. Routes carrying kldnet's protocol
 * numbers were left by an earlier zebra-lite: they are adopted as stale,
 * installed routes of the client that owns their type, which has a grace
 * time to replay them (no kernel change happens if it does).
 *
 * FIB programming: the RIB calls install/uninstall; each becomes one
 * netlink request whose cookie names a slot in a ring of pending
 * operations, so the kernel's answer finds its route again. The ring
 * bounds the work in flight: when it is full we read the kernel's answers
 * (rtnetlink handles requests synchronously, so they are already there).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <linux/rtnetlink.h>
#include "log.h"
#include "nl.h"
#include "util.h"
#include "zl.h"
#include "zl_vxlan.h"

#define ZL_OPS_CAP (1u << 16)

static uint8_t zl_rtprot_of_type(uint8_t type)
{
	switch (type) {
	case RIB_STATIC: return 196; /* FRR's "static", not the user's RTPROT_STATIC */
	case RIB_BGP: return RTPROT_BGP;
	case RIB_WIREGUARD: return ZL_RTPROT_WIREGUARD;
	case RIB_VXLAN: return ZL_RTPROT_VXLAN;
	default: return RTPROT_UNSPEC;
	}
}

static uint8_t zl_type_of_rtprot(uint8_t proto)
{
	switch (proto) {
	case 196: return RIB_STATIC;
	case RTPROT_BGP: return RIB_BGP;
	case ZL_RTPROT_WIREGUARD: return RIB_WIREGUARD;
	case ZL_RTPROT_VXLAN: return RIB_VXLAN;
	default: return RIB_KERNEL;
	}
}

uint32_t zl_clock(const struct zl *zl)
{
	return (uint32_t)((kld_now_ms() - zl->start_ms) / 1000);
}

/* ---- FIB operations ---- */

static struct zl_fib_op *zl_op_slot(struct zl *zl, uint64_t cookie)
{
	return &zl->ops[cookie & (ZL_OPS_CAP - 1)];
}

/* Keep fewer requests in flight than the ring has slots. */
static void zl_ops_make_room(struct zl *zl)
{
	while (zl_nl_inflight(zl->nl) >= ZL_OPS_CAP - 1) {
		zl_nl_flush(zl->nl);
		if (zl_nl_cmd_process(zl->nl) < 0)
			break;
	}
}

static uint64_t zl_op_new(struct zl *zl, const struct kld_prefix *p, uint32_t table,
			  const struct rib_route *r, bool install)
{
	uint64_t cookie;
	struct zl_fib_op *op;

	zl_ops_make_room(zl);
	cookie = zl->ops_next++;
	op = zl_op_slot(zl, cookie);
	op->prefix = *p;
	op->table = table;
	op->type = r->type;
	op->owner = r->owner;
	op->install = install;
	return cookie;
}

static void zl_route_from_rib(struct zl_nl_route *nr, uint32_t table, const struct kld_prefix *p,
			      const struct rib_route *r)
{
	const struct rib_nhg *g = r->nhg;

	memset(nr, 0, offsetof(struct zl_nl_route, nh));
	nr->dst = *p;
	nr->table = table;
	nr->protocol = zl_rtprot_of_type(r->type);
	nr->type = RTN_UNICAST;
	if (g->nres && g->res[0].kind == RIB_NH_BLACKHOLE) {
		nr->type = RTN_BLACKHOLE;
		return;
	}
	if (g->nres && g->res[0].kind == RIB_NH_REJECT) {
		nr->type = RTN_UNREACHABLE;
		return;
	}
	for (uint16_t i = 0; i < g->nres && nr->nh_count < ZL_NL_MAX_NEXTHOPS; i++) {
		struct zl_nl_nexthop *nh = &nr->nh[nr->nh_count++];

		memset(nh, 0, sizeof(*nh));
		nh->gw = g->res[i].gw;
		nh->ifindex = (int)g->res[i].ifindex;
		nh->weight = g->res[i].weight ? g->res[i].weight : 1;
	}
}

static void zl_fib_install(void *arg, uint32_t table, const struct kld_prefix *p,
			   const struct rib_route *r)
{
	struct zl *zl = arg;
	struct zl_nl_route nr;
	uint64_t cookie;

	if (!zl->nl)
		return;
	zl_route_from_rib(&nr, table, p, r);
	cookie = zl_op_new(zl, p, table, r, true);
	if (zl_nl_route_replace(zl->nl, &nr, cookie) < 0)
		rib_fib_result(zl->rib, table, p, r->type, r->owner, -EINVAL);
	zl_schedule_work(zl);
}

static void zl_fib_uninstall(void *arg, uint32_t table, const struct kld_prefix *p,
			     const struct rib_route *r)
{
	struct zl *zl = arg;
	struct zl_nl_route nr;

	if (!zl->nl)
		return;
	memset(&nr, 0, offsetof(struct zl_nl_route, nh));
	nr.dst = *p;
	nr.table = table;
	nr.protocol = zl_rtprot_of_type(r->type);
	zl_nl_route_delete(zl->nl, &nr, zl_op_new(zl, p, table, r, false));
	zl_schedule_work(zl);
}

static void zl_fib_selected(void *arg, uint32_t table, const struct kld_prefix *p,
			    const struct rib_route *old, const struct rib_route *now)
{
	struct zl *zl = arg;

	if (zl->hooks.route_selected)
		zl->hooks.route_selected(zl, table, p, old, now);
}

static void zl_fib_notify(void *arg, uint32_t table, const struct kld_prefix *p,
			  const struct rib_route *r, int status, int err)
{
	struct zl *zl = arg;

	if (zl->hooks.route_notify)
		zl->hooks.route_notify(zl, table, p, r, status, err);
}

const struct rib_fib_ops zl_fib_ops = {
	.install = zl_fib_install,
	.uninstall = zl_fib_uninstall,
	.selected = zl_fib_selected,
	.notify = zl_fib_notify,
};

/* ---- answers and events from the kernel ---- */

static void zl_nl_on_ack(void *arg, uint64_t cookie, int err, const char *msg)
{
	struct zl *zl = arg;
	struct zl_fib_op *op;
	char buf[KLD_PREFIX_STRLEN];

	if (cookie & ZL_COOKIE_OTHER) {
		/* Re-adding what is there (an address, a policy rule) after a
		 * restart is how state is made true again, not an error. */
		if (err && err != -EEXIST)
			kld_warn("kernel refused an interface change: %s%s%s", strerror(-err),
				 msg ? ": " : "", msg ? msg : "");
		return;
	}
	op = zl_op_slot(zl, cookie);
	if (op->install) {
		if (err)
			kld_log_rl(LOG_WARNING, "kernel refused route %s (%s): %s%s%s",
				   kld_prefix_fmt(&op->prefix, buf, sizeof(buf)),
				   rib_type_name(op->type), strerror(-err), msg ? ": " : "",
				   msg ? msg : "");
		rib_fib_result(zl->rib, op->table, &op->prefix, op->type, op->owner, err);
	} else if (err && err != -ESRCH && err != -ENOENT) {
		kld_log_rl(LOG_WARNING, "kernel refused to delete route %s: %s",
			   kld_prefix_fmt(&op->prefix, buf, sizeof(buf)), strerror(-err));
	}
}

static void zl_nl_on_link(void *arg, const struct zl_nl_meta *m, const struct zl_nl_link *l)
{
	struct zl *zl = arg;

	if (zl->hooks.link_event)
		zl->hooks.link_event(zl, l, m->del);
}

static void zl_nl_on_addr(void *arg, const struct zl_nl_meta *m, const struct zl_nl_addr *a)
{
	struct zl *zl = arg;

	if (zl->hooks.addr_event)
		zl->hooks.addr_event(zl, a, m->del);
}

/* The client slot that owns kernel routes of this type after a restart. */
static uint16_t zl_route_owner(struct zl *zl, uint8_t type)
{
	return zl->hooks.route_owner ? zl->hooks.route_owner(zl, type) : ZL_OWNER_SELF;
}

static void zl_nl_on_neigh(void *arg, const struct zl_nl_meta *m, const struct zl_nl_neigh *n)
{
	struct zl *zl = arg;

	if (zl->hooks.fdb_event)
		zl->hooks.fdb_event(zl, n, m->del);
}

static bool zl_route_ignored(const struct zl_nl_route *r)
{
	if (r->table == RT_TABLE_LOCAL || r->protocol == RTPROT_KERNEL)
		return true; /* local and connected: we derive those from addresses */
	if (r->type != RTN_UNICAST && r->type != RTN_BLACKHOLE && r->type != RTN_UNREACHABLE)
		return true;
	return r->nhid != 0 || r->nh_truncated;
}

static uint16_t zl_nh_from_kernel(const struct zl_nl_route *r, struct rib_nh *nh)
{
	uint16_t n = 0;

	memset(nh, 0, sizeof(*nh) * KLD_MAX(r->nh_count, 1));
	if (r->type != RTN_UNICAST) {
		nh[0].kind = r->type == RTN_BLACKHOLE ? RIB_NH_BLACKHOLE : RIB_NH_REJECT;
		return 1;
	}
	for (uint16_t i = 0; i < r->nh_count && n < 32; i++, n++) {
		nh[n].gw = r->nh[i].gw;
		nh[n].ifindex = (uint32_t)r->nh[i].ifindex;
		nh[n].kind = r->nh[i].gw.family ? RIB_NH_GATEWAY : RIB_NH_IFINDEX;
		nh[n].weight = r->nh_count > 1 ? (uint8_t)r->nh[i].weight : 0;
	}
	return n;
}

/* Someone deleted a route of ours behind our back: put it back. */
static void zl_route_deleted_outside(struct zl *zl, const struct zl_nl_route *r, uint8_t type)
{
	const struct rib_route *list = rib_lookup(zl->rib, &r->dst, r->table);

	for (; list; list = list->next) {
		if ((list->flags & RIB_F_SELECTED) && (list->flags & RIB_F_FIB) &&
		    list->type == type) {
			kld_notice("route of ours deleted outside kldnet: reinstalling");
			zl_fib_install(zl, r->table, &r->dst, list);
			return;
		}
	}
}

static void zl_nl_on_route(void *arg, const struct zl_nl_meta *m, const struct zl_nl_route *r)
{
	struct zl *zl = arg;
	uint8_t type = zl_type_of_rtprot(r->protocol);
	struct rib_nh nh[32];
	struct rib_route_spec s = { .type = type, .table = r->table, .nh = nh };

	if (zl_route_ignored(r))
		return;
	if (m->dump && zl->resyncing && type != RIB_KERNEL) {
		/* Ours: only "still there"; adopting it again would revive a
		 * departed client's stale route. */
		rib_resync_seen(zl->rib, &r->dst, r->table, type, zl_route_owner(zl, type), 0);
		return;
	}
	if (type != RIB_KERNEL && !m->dump) {
		/* Events echo our own requests; only a deletion we did not
		 * ask for matters. */
		if (m->del)
			zl_route_deleted_outside(zl, r, type);
		return;
	}
	if (m->del) {
		if (type == RIB_KERNEL)
			rib_delete_kernel(zl->rib, &r->dst, r->table, r->metric);
		else
			rib_delete(zl->rib, &r->dst, r->table, type, ZL_OWNER_SELF);
		return;
	}
	s.nnh = zl_nh_from_kernel(r, nh);
	s.metric = r->metric;
	if (type != RIB_KERNEL) {
		s.owner = zl_route_owner(zl, type);
		s.in_kernel = true;
	}
	if (rib_add(zl->rib, &r->dst, &s) == 0 && s.in_kernel && zl->hooks.route_adopted)
		zl->hooks.route_adopted(zl, s.owner);
	if (zl->resyncing)
		rib_resync_seen(zl->rib, &r->dst, r->table, type, ZL_OWNER_SELF, r->metric);
}

static void zl_nl_on_dump_done(void *arg, enum zl_nl_obj obj, int err)
{
	struct zl *zl = arg;

	if (err)
		kld_warn("kernel dump %d ended with %s", (int)obj, strerror(-err));
	if (obj != ZL_NL_ROUTE || !zl->resyncing)
		return;
	zl->resyncing = false;
	kld_info("kernel state dumped again: %zu route(s) corrected", rib_resync_end(zl->rib));
	zl_schedule_work(zl);
}

static void zl_nl_dump_all(struct zl *zl)
{
	zl_nl_dump(zl->nl, ZL_NL_LINK, AF_UNSPEC);
	zl_nl_dump(zl->nl, ZL_NL_ADDR, AF_UNSPEC);
	zl_nl_dump(zl->nl, ZL_NL_ROUTE, AF_UNSPEC);
}

static void zl_nl_on_resync(void *arg)
{
	struct zl *zl = arg;

	kld_warn("kernel events were lost (ENOBUFS): dumping kernel state again");
	if (!zl->resyncing)
		rib_resync_begin(zl->rib);
	zl->resyncing = true;
	zl_nl_dump_all(zl);
	zl_schedule_work(zl);
}

static const struct zl_nl_ops zl_nl_callbacks = {
	.ack = zl_nl_on_ack,
	.link = zl_nl_on_link,
	.addr = zl_nl_on_addr,
	.route = zl_nl_on_route,
	.neigh = zl_nl_on_neigh,
	.dump_done = zl_nl_on_dump_done,
	.resync = zl_nl_on_resync,
};

static void zl_nl_cmd_readable(int fd, int what, void *arg)
{
	struct zl *zl = arg;

	while (zl_nl_cmd_process(zl->nl) == 1)
		;
	zl_schedule_work(zl);
}

static void zl_nl_event_readable(int fd, int what, void *arg)
{
	struct zl *zl = arg;

	while (zl_nl_event_process(zl->nl) == 1)
		;
	zl_schedule_work(zl);
}

/* ---- deferred work: re-resolution, NHT, flushing the batch ---- */

static void zl_work(void *arg)
{
	struct zl *zl = arg;

	rib_set_clock(zl->rib, zl_clock(zl));
	if (rib_needs_reresolve(zl->rib)) {
		rib_reresolve(zl->rib);
		if (zl->hooks.nexthops_changed)
			zl->hooks.nexthops_changed(zl);
	}
	if (zl->nl)
		zl_nl_flush(zl->nl);
}

void zl_schedule_work(struct zl *zl)
{
	if (zl->work && !kld_timer_pending(zl->work))
		kld_timer_arm(zl->work, 0);
}

int zl_kernel_sync(struct zl *zl)
{
	zl_work(zl);
	return zl->nl ? zl_nl_wait(zl->nl, 30000) : 0;
}

int zl_kernel_open(struct zl *zl)
{
	struct zl_nl_config cfg = { 0 };
	int rc;

	zl->ops = kld_xcalloc(ZL_OPS_CAP, sizeof(*zl->ops));
	zl->ops_next = 1;
	zl->work = kld_timer_new(zl->d.loop, zl_work, zl);
	/* extern_learn FDB entries are EVPN's, which zebra-lite writes and
	 * zl_vx_fdb_event ignores: at 100,000 remote MACs reading their
	 * 200,000 echoes was a fifth of its perf samples (doc/evpn.md,
	 * Benchmark). */
	cfg.no_ext_learned_fdb = true;
	rc = zl_nl_open(&zl->nl, &cfg, &zl_nl_callbacks, zl);
	if (rc < 0) {
		kld_err("cannot open netlink: %s", strerror(-rc));
		return -1;
	}
	zl_nl_dump_all(zl);
	if (zl_nl_wait(zl->nl, 30000) < 0)
		kld_warn("kernel dump did not complete");
	rib_reresolve(zl->rib);
	zl->nl_cmd_io = kld_io_new(zl->d.loop, zl_nl_cmd_fd(zl->nl), KLD_IO_READ,
				   zl_nl_cmd_readable, zl);
	zl->nl_event_io = kld_io_new(zl->d.loop, zl_nl_event_fd(zl->nl), KLD_IO_READ,
				     zl_nl_event_readable, zl);
	return 0;
}

void zl_kernel_close(struct zl *zl)
{
	kld_io_free(zl->nl_cmd_io);
	kld_io_free(zl->nl_event_io);
	kld_timer_free(zl->work);
	zl->work = NULL;
	if (zl->nl)
		zl_nl_close(zl->nl);
	zl->nl = NULL;
	free(zl->ops);
}

/* Sysctls are per network namespace, like everything zebra-lite writes. */
int zl_sysctl_set(const char *path, const char *value)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fprintf(f, "%s\n", value);
	return fclose(f) == 0 ? 0 : -1;
}
