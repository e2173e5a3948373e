/*
 * kld-zclient: a stand-in protocol daemon for tests and benchmarks. It
 * speaks zebra-lite's client API for real (Hello as NAME, RouteAdd batches,
 * ReplayDone, Barrier, subscriptions) and prints what comes back, one line
 * per message, so a test can assert on it.
 *
 *   kld-zclient --rundir DIR [--name bgpd] [--type bgp] [--count N]
 *               [--prefix 10.0.0.0/24] [--random SEED] [--via GW] [--dev IF]
 *               [--blackhole] [--table T] [--batch 1000] [--delete]
 *               [--notify] [--replay] [--redist TYPE] [--nht ADDR]
 *               [--ifsub] [--hold SECONDS] [--quiet] [--list]
 *
 * --list prints the prefixes it would send, one a line, and exits: the
 * benchmark feeds the same set to `ip -batch`.
 */
#include <arpa/inet.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "ipc_sync.h"
#include "prefix.h"
#include "util.h"

struct zc_opts {
	const char *rundir, *name, *type, *prefix, *via, *dev, *redist, *nht;
	unsigned long count, batch, seed, table;
	double hold;
	int delete, notify, replay, blackhole, ifsub, quiet, list;
};

static const char *const zc_types[] = { "unknown", "kernel", "connected", "static",
					"bgp", "wireguard", "vxlan" };

static int zc_type(const char *name)
{
	for (size_t i = 1; i < KLD_ARRAY_SIZE(zc_types); i++)
		if (!strcmp(name, zc_types[i]))
			return (int)i;
	fprintf(stderr, "unknown route type %s\n", name);
	exit(2);
}

/* The i-th prefix: consecutive blocks after --prefix, or (with --random)
 * /24s spread over 128.0.0.0/2 in a seeded order. The spread is a
 * bijection (an odd multiplier modulo 2^22), so N indexes give N distinct
 * prefixes, up to 4M. */
static void zc_prefix(const struct zc_opts *o, unsigned long i, struct kld_prefix *p)
{
	struct kld_prefix base;
	uint32_t v;

	kld_prefix_parse(o->prefix, &base, false);
	if (o->seed) {
		uint32_t x = (uint32_t)((i * 2654435761u + o->seed * 40503u) & 0x3fffffu);

		v = htonl(0x80000000u + (x << 8));
		kld_prefix_set(p, AF_INET, &v, 24);
		return;
	}
	*p = base;
	if (base.family == AF_INET) {
		uint32_t a = ntohl(base.u.v4.s_addr);

		a += (uint32_t)i << (32 - base.len);
		p->u.v4.s_addr = htonl(a);
	} else {
		uint64_t hi;

		memcpy(&hi, p->u.bytes, 8);
		hi = __builtin_bswap64(__builtin_bswap64(hi) + ((uint64_t)i << (64 - KLD_MIN(base.len, 64))));
		memcpy(p->u.bytes, &hi, 8);
	}
}

struct zc_route {
	Kld__Route r;
	Kld__Prefix p;
	uint8_t pbuf[16];
	Kld__Nexthop nh, *nhp;
	uint8_t gw[16];
};

static void zc_fill(const struct zc_opts *o, unsigned long i, struct zc_route *z)
{
	struct kld_prefix p;
	struct kld_addr gw;

	zc_prefix(o, i, &p);
	kld__route__init(&z->r);
	kld__prefix__init(&z->p);
	kld__nexthop__init(&z->nh);
	z->p.family = p.family;
	z->p.len = p.len;
	memcpy(z->pbuf, p.u.bytes, kld_family_bytes(p.family));
	z->p.addr.data = z->pbuf;
	z->p.addr.len = kld_family_bytes(p.family);
	z->r.prefix = &z->p;
	z->r.type = (Kld__RouteType)zc_type(o->type);
	z->r.table = (uint32_t)o->table;
	z->r.want_notify = o->notify;
	z->nh.blackhole = o->blackhole;
	z->nh.ifname = (char *)(o->dev ? o->dev : "");
	if (o->via && kld_addr_parse(o->via, &gw) == 0) {
		memcpy(z->gw, gw.u.bytes, kld_family_bytes(gw.family));
		z->nh.gateway.data = z->gw;
		z->nh.gateway.len = kld_family_bytes(gw.family);
	}
	z->nhp = &z->nh;
	z->r.n_nexthops = 1;
	z->r.nexthops = &z->nhp;
}

static void zc_print(const struct zc_opts *o, const Kld__Envelope *e)
{
	char buf[KLD_PREFIX_STRLEN];
	struct kld_prefix p;
	const Kld__Prefix *kp = NULL;

	if (o->quiet)
		return;
	switch (e->body_case) {
	case KLD__ENVELOPE__BODY_ROUTE_NOTIFY: kp = e->route_notify->route->prefix; break;
	case KLD__ENVELOPE__BODY_REDIST_ROUTE: kp = e->redist_route->route->prefix; break;
	case KLD__ENVELOPE__BODY_NEXTHOP_UPDATE: kp = e->nexthop_update->addr; break;
	default: break;
	}
	if (kp)
		kld_prefix_set(&p, (uint8_t)kp->family, kp->addr.data, (uint8_t)kp->len);
	switch (e->body_case) {
	case KLD__ENVELOPE__BODY_ROUTE_NOTIFY:
		printf("notify %s %d %s\n", kld_prefix_fmt(&p, buf, sizeof(buf)),
		       e->route_notify->status, e->route_notify->reason);
		break;
	case KLD__ENVELOPE__BODY_REDIST_ROUTE:
		printf("redist %s %s %s\n", e->redist_route->withdrawn ? "del" : "add",
		       zc_types[e->redist_route->route->type], kld_prefix_fmt(&p, buf, sizeof(buf)));
		break;
	case KLD__ENVELOPE__BODY_NEXTHOP_UPDATE:
		printf("nht %s %s\n", kld_prefix_fmt(&p, buf, sizeof(buf)),
		       e->nexthop_update->resolved ? "resolved" : "unresolved");
		break;
	case KLD__ENVELOPE__BODY_INTERFACE:
		printf("interface %s %s\n", e->interface->name,
		       e->interface->deleted ? "deleted" : e->interface->oper_up ? "up" : "down");
		break;
	default:
		break;
	}
	fflush(stdout);
}

static int zc_send_routes(int fd, const struct zc_opts *o)
{
	struct zc_route *zr = kld_xcalloc(o->batch, sizeof(*zr));
	Kld__Route **ptrs = kld_xcalloc(o->batch, sizeof(*ptrs));

	for (unsigned long i = 0; i < o->count;) {
		Kld__Envelope env = KLD__ENVELOPE__INIT;
		Kld__RouteAdd add = KLD__ROUTE_ADD__INIT;
		Kld__RouteDelete del = KLD__ROUTE_DELETE__INIT;
		size_t n = 0;

		for (; n < o->batch && i < o->count; n++, i++) {
			zc_fill(o, i, &zr[n]);
			ptrs[n] = &zr[n].r;
		}
		if (o->delete) {
			del.n_routes = n;
			del.routes = ptrs;
			env.body_case = KLD__ENVELOPE__BODY_ROUTE_DELETE;
			env.route_delete = &del;
		} else {
			add.n_routes = n;
			add.routes = ptrs;
			env.body_case = KLD__ENVELOPE__BODY_ROUTE_ADD;
			env.route_add = &add;
		}
		if (kld_sync_send(fd, &env) < 0)
			return -1;
	}
	free(zr);
	free(ptrs);
	return 0;
}

/* Wait for the reply to req, printing whatever else arrives meanwhile. */
static int zc_request(int fd, const struct zc_opts *o, Kld__Envelope *req, int timeout_ms)
{
	static uint32_t seq = 1000;

	req->seq = seq++;
	if (kld_sync_send(fd, req) < 0)
		return -1;
	for (;;) {
		Kld__Envelope *e = kld_sync_recv(fd, timeout_ms);
		bool done;

		if (!e)
			return -1;
		done = e->seq == req->seq;
		if (!done)
			zc_print(o, e);
		kld_frame_free(e);
		if (done)
			return 0;
	}
}

static int zc_barrier(int fd, const struct zc_opts *o)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__Barrier b = KLD__BARRIER__INIT;

	env.body_case = KLD__ENVELOPE__BODY_BARRIER;
	env.barrier = &b;
	return zc_request(fd, o, &env, 600000);
}

static int zc_subscribe(int fd, const struct zc_opts *o)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;

	if (o->redist) {
		Kld__RedistSubscribe rs = KLD__REDIST_SUBSCRIBE__INIT;

		rs.type = (Kld__RouteType)zc_type(o->redist);
		env.body_case = KLD__ENVELOPE__BODY_REDIST_SUBSCRIBE;
		env.redist_subscribe = &rs;
		if (kld_sync_send(fd, &env) < 0)
			return -1;
	}
	if (o->nht) {
		Kld__NexthopRegister reg = KLD__NEXTHOP_REGISTER__INIT;
		Kld__Prefix p = KLD__PREFIX__INIT, *pp = &p;
		struct kld_addr a;

		if (kld_addr_parse(o->nht, &a) < 0)
			return -1;
		p.family = a.family;
		p.len = kld_family_bits(a.family);
		p.addr.data = a.u.bytes;
		p.addr.len = kld_family_bytes(a.family);
		reg.n_addrs = 1;
		reg.addrs = &pp;
		env.body_case = KLD__ENVELOPE__BODY_NEXTHOP_REGISTER;
		env.nexthop_register = &reg;
		if (kld_sync_send(fd, &env) < 0)
			return -1;
	}
	if (o->ifsub) {
		Kld__InterfaceSubscribe is = KLD__INTERFACE_SUBSCRIBE__INIT;

		env.body_case = KLD__ENVELOPE__BODY_INTERFACE_SUBSCRIBE;
		env.interface_subscribe = &is;
		if (kld_sync_send(fd, &env) < 0)
			return -1;
	}
	return 0;
}

static int zc_replay_done(int fd)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__ReplayDone rd = KLD__REPLAY_DONE__INIT;

	env.body_case = KLD__ENVELOPE__BODY_REPLAY_DONE;
	env.replay_done = &rd;
	return kld_sync_send(fd, &env);
}

static void zc_hold(int fd, const struct zc_opts *o)
{
	struct timespec t0, t;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		Kld__Envelope *e;
		double left;

		clock_gettime(CLOCK_MONOTONIC, &t);
		left = o->hold - ((double)(t.tv_sec - t0.tv_sec) + (t.tv_nsec - t0.tv_nsec) / 1e9);
		if (left <= 0)
			return;
		e = kld_sync_recv(fd, (int)(left * 1000) + 1);
		if (!e)
			continue;
		zc_print(o, e);
		kld_frame_free(e);
	}
}

static int zc_list(const struct zc_opts *o)
{
	char buf[KLD_PREFIX_STRLEN];
	struct kld_prefix p;

	for (unsigned long i = 0; i < o->count; i++) {
		zc_prefix(o, i, &p);
		puts(kld_prefix_fmt(&p, buf, sizeof(buf)));
	}
	return 0;
}

static void zc_parse(int argc, char **argv, struct zc_opts *o)
{
	static const struct option opts[] = {
		{ "rundir", 1, NULL, 'r' }, { "name", 1, NULL, 'n' },	  { "type", 1, NULL, 't' },
		{ "count", 1, NULL, 'c' },  { "prefix", 1, NULL, 'p' },	  { "random", 1, NULL, 'R' },
		{ "via", 1, NULL, 'v' },    { "dev", 1, NULL, 'd' },	  { "table", 1, NULL, 'T' },
		{ "batch", 1, NULL, 'b' },  { "delete", 0, NULL, 'D' },	  { "notify", 0, NULL, 'N' },
		{ "replay", 0, NULL, 'P' }, { "redist", 1, NULL, 'x' },	  { "nht", 1, NULL, 'h' },
		{ "ifsub", 0, NULL, 'i' },  { "hold", 1, NULL, 'H' },	  { "quiet", 0, NULL, 'q' },
		{ "blackhole", 0, NULL, 'B' }, { "list", 0, NULL, 'L' }, { NULL, 0, NULL, 0 },
	};
	int c;

	*o = (struct zc_opts){ .rundir = "/run/kldnet", .name = "bgpd", .type = "bgp",
			       .prefix = "10.0.0.0/24", .batch = 1000 };
	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'r': o->rundir = optarg; break;
		case 'n': o->name = optarg; break;
		case 't': o->type = optarg; break;
		case 'c': o->count = strtoul(optarg, NULL, 10); break;
		case 'p': o->prefix = optarg; break;
		case 'R': o->seed = strtoul(optarg, NULL, 10); break;
		case 'v': o->via = optarg; break;
		case 'd': o->dev = optarg; break;
		case 'T': o->table = strtoul(optarg, NULL, 10); break;
		case 'b': o->batch = strtoul(optarg, NULL, 10); break;
		case 'D': o->delete = 1; break;
		case 'N': o->notify = 1; break;
		case 'P': o->replay = 1; break;
		case 'x': o->redist = optarg; break;
		case 'h': o->nht = optarg; break;
		case 'i': o->ifsub = 1; break;
		case 'H': o->hold = strtod(optarg, NULL); break;
		case 'q': o->quiet = 1; break;
		case 'B': o->blackhole = 1; break;
		case 'L': o->list = 1; break;
		default: exit(2);
		}
	}
	if (!o->batch)
		o->batch = 1;
}

int main(int argc, char **argv)
{
	struct zc_opts o;
	char path[4200];
	int fd;

	zc_parse(argc, argv, &o);
	if (o.list)
		return zc_list(&o);
	snprintf(path, sizeof(path), "%s/zserv.sock", o.rundir);
	fd = kld_sync_connect(path, o.name, 5000, NULL, 0);
	if (fd < 0) {
		perror("connect");
		return 1;
	}
	if (zc_subscribe(fd, &o) < 0 || zc_send_routes(fd, &o) < 0 ||
	    (o.replay && zc_replay_done(fd) < 0) || zc_barrier(fd, &o) < 0) {
		perror("zebra-lite");
		return 1;
	}
	printf("done %lu\n", o.count);
	fflush(stdout);
	zc_hold(fd, &o);
	close(fd);
	return 0;
}
