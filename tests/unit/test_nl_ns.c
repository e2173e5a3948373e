/*
 * zebra-lite rtnetlink back end against the real kernel.
 *
 * The binary first moves itself into a new network namespace (and a new
 * mount namespace, to show iproute2 kldnet's rt_protos names without
 * touching /etc), so nothing it does is visible to the host; everything
 * it creates disappears with the process. Without the privilege to do
 * that it exits 77, which automake counts as a skip.
 *
 * The kernel state is judged twice: by our own dumps and by `ip`/`bridge`.
 * The tests run in order and build on each other (links, then addresses,
 * then routes over them).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <sched.h>
#include <unistd.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <linux/netlink.h>
#include <sys/stat.h>
#include <cmocka.h>

#include <json-c/json.h>
#include <linux/if.h>
#include <linux/if_addr.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "prefix.h"
#include "zebra-lite/nl.h"

#define WAIT_MS 5000

struct ack {
	uint64_t cookie;
	int err;
	char msg[160];
};

struct route_ev {
	bool del;
	uint16_t nlflags;
	struct kld_prefix dst;
	uint32_t table;
};

struct rec {
	struct zl_nl *nl;
	struct ack *acks;
	size_t nacks, cap_acks;
	struct zl_nl_route *routes;
	size_t nroutes, cap_routes;
	struct zl_nl_link links[64];
	size_t nlinks;
	struct zl_nl_addr addrs[64];
	size_t naddrs;
	struct zl_nl_neigh neighs[128];
	size_t nneighs;
	struct route_ev *rev;
	size_t nrev, cap_rev;
	int link_events_del[256]; /* ifindexes seen in RTM_DELLINK */
	size_t nlink_del;
	int dumps_done;
	int dump_err;
	enum zl_nl_obj dump_order[16];
	int resyncs;
};

static struct rec R;
static int ifi_zl0, ifi_zl1;
static bool have_protos_names;
static char protos_dir[64];

/* ---- callbacks ---------------------------------------------------------- */

#define PUSH(arr, n, cap)                                                        \
	do {                                                                     \
		if ((n) == (cap)) {                                              \
			(cap) = (cap) ? (cap) * 2 : 64;                          \
			(arr) = realloc((arr), (cap) * sizeof(*(arr)));          \
			assert_non_null(arr);                                    \
		}                                                                \
	} while (0)

static void on_ack(void *arg, uint64_t cookie, int err, const char *msg)
{
	struct rec *r = arg;
	struct ack *a;

	PUSH(r->acks, r->nacks, r->cap_acks);
	a = &r->acks[r->nacks++];
	a->cookie = cookie;
	a->err = err;
	snprintf(a->msg, sizeof(a->msg), "%s", msg ? msg : "");
}

static void on_route(void *arg, const struct zl_nl_meta *m, const struct zl_nl_route *rt)
{
	struct rec *r = arg;

	if (m->dump) {
		PUSH(r->routes, r->nroutes, r->cap_routes);
		r->routes[r->nroutes++] = *rt;
		return;
	}
	PUSH(r->rev, r->nrev, r->cap_rev);
	r->rev[r->nrev++] = (struct route_ev){ m->del, m->nlflags, rt->dst, rt->table };
}

static void on_link(void *arg, const struct zl_nl_meta *m, const struct zl_nl_link *l)
{
	struct rec *r = arg;

	if (m->dump && r->nlinks < 64)
		r->links[r->nlinks++] = *l;
	if (!m->dump && m->del && r->nlink_del < 256)
		r->link_events_del[r->nlink_del++] = l->ifindex;
}

static void on_addr(void *arg, const struct zl_nl_meta *m, const struct zl_nl_addr *a)
{
	struct rec *r = arg;

	if (m->dump && r->naddrs < 64)
		r->addrs[r->naddrs++] = *a;
}

static void on_neigh(void *arg, const struct zl_nl_meta *m, const struct zl_nl_neigh *n)
{
	struct rec *r = arg;

	if (m->dump && r->nneighs < 128)
		r->neighs[r->nneighs++] = *n;
}

static void on_dump_done(void *arg, enum zl_nl_obj obj, int err)
{
	struct rec *r = arg;

	r->dump_order[r->dumps_done % 16] = obj;
	r->dumps_done++;
	if (err)
		r->dump_err = err;
}

static void on_resync(void *arg)
{
	((struct rec *)arg)->resyncs++;
}

static const struct zl_nl_ops rec_ops = {
	.ack = on_ack,
	.link = on_link,
	.addr = on_addr,
	.route = on_route,
	.neigh = on_neigh,
	.dump_done = on_dump_done,
	.resync = on_resync,
};

/* ---- helpers ------------------------------------------------------------ */

static struct kld_addr A(const char *s)
{
	struct kld_addr a;

	assert_int_equal(kld_addr_parse(s, &a), 0);
	return a;
}

static struct kld_prefix P(const char *s)
{
	struct kld_prefix p;

	assert_int_equal(kld_prefix_parse(s, &p, true), 0);
	return p;
}

/* The one answer a cookie got; fails the test on none or several. */
static int ack_of(const struct rec *r, uint64_t cookie)
{
	int found = 0, err = 0;

	for (size_t i = 0; i < r->nacks; i++) {
		if (r->acks[i].cookie != cookie)
			continue;
		found++;
		err = r->acks[i].err;
	}
	if (found != 1)
		fail_msg("cookie %llu answered %d times", (unsigned long long)cookie, found);
	return err;
}

static void wait_all(struct rec *r)
{
	assert_int_equal(zl_nl_wait(r->nl, WAIT_MS), 0);
	assert_int_equal(zl_nl_inflight(r->nl), 0);
}

static void drain_events(struct rec *r)
{
	int rc;

	while ((rc = zl_nl_event_process(r->nl)) == 1)
		;
	assert_int_equal(rc, 0);
}

static void dump(struct rec *r, enum zl_nl_obj obj, uint8_t family)
{
	int before = r->dumps_done;

	r->nroutes = r->nlinks = r->naddrs = r->nneighs = 0;
	r->dump_err = 0;
	assert_int_equal(zl_nl_dump(r->nl, obj, family), 0);
	wait_all(r);
	assert_int_equal(r->dumps_done, before + 1);
	assert_int_equal(r->dump_err, 0);
}

static const struct zl_nl_route *find_route(const struct rec *r, const char *dst, uint32_t table)
{
	struct kld_prefix p = P(dst);

	for (size_t i = 0; i < r->nroutes; i++)
		if (kld_prefix_eq(&r->routes[i].dst, &p) && r->routes[i].table == table)
			return &r->routes[i];
	return NULL;
}

static const struct zl_nl_link *find_link(const struct rec *r, const char *name)
{
	for (size_t i = 0; i < r->nlinks; i++)
		if (strcmp(r->links[i].name, name) == 0)
			return &r->links[i];
	return NULL;
}

/* Run a shell command in our namespaces; its stdout, malloc'ed. */
static char *sh(const char *cmd)
{
	FILE *f = popen(cmd, "r");
	size_t len = 0, cap = 4096;
	char *out = malloc(cap);
	size_t n;

	assert_non_null(f);
	while ((n = fread(out + len, 1, cap - len - 1, f)) > 0) {
		len += n;
		if (cap - len - 1 == 0)
			out = realloc(out, cap *= 2);
	}
	out[len] = '\0';
	assert_int_equal(pclose(f), 0);
	return out;
}

static void assert_sh_contains(const char *cmd, const char *needle)
{
	char *out = sh(cmd);

	if (!strstr(out, needle))
		fail_msg("`%s` lacks \"%s\":\n%s", cmd, needle, out);
	free(out);
}

static void assert_sh_lacks(const char *cmd, const char *needle)
{
	char *out = sh(cmd);

	if (strstr(out, needle))
		fail_msg("`%s` still has \"%s\":\n%s", cmd, needle, out);
	free(out);
}

static int ifindex_of(const char *name)
{
	dump(&R, ZL_NL_LINK, AF_UNSPEC);
	for (size_t i = 0; i < R.nlinks; i++)
		if (strcmp(R.links[i].name, name) == 0)
			return R.links[i].ifindex;
	return 0;
}

static struct zl_nl_route route_gw(const char *dst, const char *gw, uint8_t proto)
{
	struct zl_nl_route r = { .dst = P(dst), .protocol = proto, .nh_count = 1 };

	r.nh[0].gw = A(gw);
	return r;
}

/* ---- links and addresses ------------------------------------------------ */

/* A dummy link, or a veth pair on kernels built without dummy. */
static int make_link(const char *name, uint64_t cookie)
{
	struct zl_nl_link_spec s = { .name = name, .kind = ZL_LINK_DUMMY };
	char peer[ZL_NL_IFNAMSIZ];
	int err;

	assert_int_equal(zl_nl_link_create(R.nl, &s, cookie), 0);
	wait_all(&R);
	err = ack_of(&R, cookie);
	if (err != -EOPNOTSUPP)
		return err;
	snprintf(peer, sizeof(peer), "%sp", name);
	s.kind = ZL_LINK_VETH;
	s.veth_peer = peer;
	assert_int_equal(zl_nl_link_create(R.nl, &s, cookie + 1000), 0);
	wait_all(&R);
	err = ack_of(&R, cookie + 1000);
	/* The peer up gives the link carrier once it is up itself. */
	if (err == 0) {
		assert_int_equal(zl_nl_link_set_up(R.nl, ifindex_of(peer), true, cookie + 2000), 0);
		wait_all(&R);
		err = ack_of(&R, cookie + 2000);
	}
	return err;
}

static void test_links(void **state)
{
	const struct zl_nl_link *l;

	assert_int_equal(zl_nl_link_set_up(R.nl, 1, true, 1), 0); /* lo */
	wait_all(&R);
	assert_int_equal(ack_of(&R, 1), 0);
	assert_int_equal(make_link("zl0", 2), 0);
	assert_int_equal(make_link("zl1", 3), 0);
	ifi_zl0 = ifindex_of("zl0");
	ifi_zl1 = ifindex_of("zl1");
	assert_true(ifi_zl0 > 0 && ifi_zl1 > 0);

	l = find_link(&R, "zl0");
	assert_non_null(l);
	assert_false(l->admin_up);
	assert_int_equal(l->hwaddr_len, 6);
	assert_true(strcmp(l->kind, "dummy") == 0 || strcmp(l->kind, "veth") == 0);

	assert_int_equal(zl_nl_link_set_up(R.nl, ifi_zl0, true, 4), 0);
	assert_int_equal(zl_nl_link_set_mtu(R.nl, ifi_zl0, 1400, 5), 0);
	wait_all(&R);
	assert_int_equal(ack_of(&R, 4), 0);
	assert_int_equal(ack_of(&R, 5), 0);
	dump(&R, ZL_NL_LINK, AF_UNSPEC);
	l = find_link(&R, "zl0");
	assert_non_null(l);
	assert_true(l->admin_up);
	assert_true(l->oper_up);
	assert_int_equal(l->mtu, 1400);
	assert_sh_contains("ip link show dev zl0", "mtu 1400");
	assert_sh_contains("ip link show dev zl0", ",UP");
	/* An impossible MTU is refused by the kernel, to the right cookie. */
	assert_int_equal(zl_nl_link_set_mtu(R.nl, ifi_zl0, 10, 6), 0);
	wait_all(&R);
	assert_int_equal(ack_of(&R, 6), -EINVAL);
}

static void test_addrs(void **state)
{
	struct zl_nl_addr a4 = { .ifindex = ifi_zl0, .addr = A("192.0.2.1"), .prefixlen = 24 };
	struct zl_nl_addr a6 = { .ifindex = ifi_zl0, .addr = A("2001:db8:1::1"), .prefixlen = 64,
				 .flags = IFA_F_NODAD };
	struct zl_nl_addr a1 = { .ifindex = ifi_zl1, .addr = A("198.18.0.1"), .prefixlen = 24 };
	bool seen4 = false, seen6 = false;

	assert_int_equal(zl_nl_addr_add(R.nl, &a4, 10), 0);
	assert_int_equal(zl_nl_addr_add(R.nl, &a6, 11), 0);
	assert_int_equal(zl_nl_addr_add(R.nl, &a1, 12), 0);
	/* Adding again is not an error: a restarted daemon re-applies. */
	assert_int_equal(zl_nl_addr_add(R.nl, &a4, 13), 0);
	wait_all(&R);
	for (uint64_t c = 10; c <= 13; c++)
		assert_int_equal(ack_of(&R, c), 0);

	dump(&R, ZL_NL_ADDR, AF_UNSPEC);
	for (size_t i = 0; i < R.naddrs; i++) {
		const struct zl_nl_addr *a = &R.addrs[i];

		if (a->ifindex == ifi_zl0 && kld_addr_eq(&a->addr, &a4.addr)) {
			assert_int_equal(a->prefixlen, 24);
			assert_int_equal(a->peer.family, 0);
			seen4 = true;
		}
		if (a->ifindex == ifi_zl0 && kld_addr_eq(&a->addr, &a6.addr)) {
			assert_int_equal(a->prefixlen, 64);
			assert_true(a->flags & IFA_F_NODAD);
			seen6 = true;
		}
	}
	assert_true(seen4 && seen6);
	assert_sh_contains("ip addr show dev zl0", "inet 192.0.2.1/24");
	assert_sh_contains("ip addr show dev zl0", "inet6 2001:db8:1::1/64");

	/* Delete one and watch it go. */
	assert_int_equal(zl_nl_addr_delete(R.nl, &a1, 14), 0);
	wait_all(&R);
	assert_int_equal(ack_of(&R, 14), 0);
	assert_sh_lacks("ip addr show dev zl1", "198.18.0.1");
	assert_int_equal(zl_nl_addr_delete(R.nl, &a1, 15), 0);
	wait_all(&R);
	assert_true(ack_of(&R, 15) < 0);
}

/* ---- routes ------------------------------------------------------------- */

enum { C_V4 = 100, C_V6, C_ECMP4, C_ECMP6, C_BH, C_UNR6, C_T100, C_T1000, C_BAD_DEV,
       C_AFTER_BAD, C_BAD_DOWN, C_T100_V6, C_BAD_GW };

static struct zl_nl_route good[16];
static uint64_t good_cookie[16];
static size_t ngood;

static void queue_good(const struct zl_nl_route *r, uint64_t cookie)
{
	good[ngood] = *r;
	good_cookie[ngood++] = cookie;
	assert_int_equal(zl_nl_route_replace(R.nl, r, cookie), 0);
}

static void queue_bad(const struct zl_nl_route *r, uint64_t cookie)
{
	assert_int_equal(zl_nl_route_replace(R.nl, r, cookie), 0);
}

static void queue_routes(void)
{
	struct zl_nl_route r;

	r = route_gw("10.1.0.0/24", "192.0.2.2", RTPROT_BGP);
	r.metric = 20;
	queue_good(&r, C_V4);
	r = route_gw("2001:db8:100::/48", "2001:db8:1::2", RTPROT_BGP);
	r.nh[0].ifindex = ifi_zl0;
	queue_good(&r, C_V6);
	r = route_gw("10.2.0.0/24", "192.0.2.2", RTPROT_BGP);
	r.nh_count = 2;
	r.nh[0].weight = 1;
	r.nh[1] = (struct zl_nl_nexthop){ .gw = A("192.0.2.3"), .weight = 3 };
	queue_good(&r, C_ECMP4);
	r = route_gw("2001:db8:200::/48", "2001:db8:1::2", RTPROT_BGP);
	r.nh_count = 2;
	r.nh[0].weight = 2;
	r.nh[0].ifindex = ifi_zl0;
	r.nh[1] = (struct zl_nl_nexthop){ .gw = A("2001:db8:1::3"), .ifindex = ifi_zl0, .weight = 1 };
	queue_good(&r, C_ECMP6);
	r = (struct zl_nl_route){ .dst = P("203.0.113.0/24"), .type = RTN_BLACKHOLE,
				  .protocol = RTPROT_STATIC };
	queue_good(&r, C_BH);
	r = (struct zl_nl_route){ .dst = P("2001:db8:dead::/48"), .type = RTN_UNREACHABLE,
				  .protocol = RTPROT_STATIC };
	queue_good(&r, C_UNR6);
	r = route_gw("10.3.0.0/16", "192.0.2.2", RTPROT_BGP);
	r.table = 100;
	queue_good(&r, C_T100);
	r = (struct zl_nl_route){ .dst = P("10.4.0.0/16"), .table = 1000, .nh_count = 1,
				  .protocol = ZL_RTPROT_WIREGUARD };
	r.nh[0].ifindex = ifi_zl0;
	queue_good(&r, C_T1000);
	/* Three bad ones in the middle of the batch. */
	r = (struct zl_nl_route){ .dst = P("10.5.0.0/24"), .nh_count = 1, .protocol = RTPROT_BGP };
	r.nh[0].ifindex = 9999;
	queue_bad(&r, C_BAD_DEV);
	r = route_gw("10.6.0.0/24", "192.0.2.2", ZL_RTPROT_VXLAN);
	queue_good(&r, C_AFTER_BAD);
	r = (struct zl_nl_route){ .dst = P("10.7.0.0/24"), .nh_count = 1, .protocol = RTPROT_BGP };
	r.nh[0].ifindex = ifi_zl1;
	queue_bad(&r, C_BAD_DOWN);
	r = route_gw("10.8.0.0/24", "203.0.113.77", RTPROT_BGP); /* unreachable gateway */
	queue_bad(&r, C_BAD_GW);
	r = route_gw("2001:db8:300::/48", "2001:db8:1::9", RTPROT_BGP);
	r.table = 100;
	queue_good(&r, C_T100_V6);
}

static void assert_matches_kernel(const struct zl_nl_route *want, const struct zl_nl_route *got)
{
	char buf[KLD_PREFIX_STRLEN];

	if (!got)
		fail_msg("route %s not in the dump", kld_prefix_fmt(&want->dst, buf, sizeof(buf)));
	assert_int_equal(got->protocol, want->protocol);
	assert_int_equal(got->type, want->type ? want->type : RTN_UNICAST);
	if (want->metric)
		assert_int_equal(got->metric, want->metric);
	else if (want->dst.family == AF_INET6)
		assert_int_equal(got->metric, 1024); /* the kernel's IPv6 default */
	if (got->type != RTN_UNICAST)
		return;
	assert_int_equal(got->nh_count, want->nh_count);
	for (unsigned int i = 0; i < want->nh_count; i++) {
		assert_true(kld_addr_eq(&got->nh[i].gw, &want->nh[i].gw));
		assert_int_equal(got->nh[i].ifindex, ifi_zl0);
		if (want->nh_count > 1)
			assert_int_equal(got->nh[i].weight, want->nh[i].weight);
	}
}

static void check_dump_has_good(void)
{
	dump(&R, ZL_NL_ROUTE, AF_UNSPEC);
	for (size_t i = 0; i < ngood; i++)
		assert_matches_kernel(&good[i], find_route(&R, kld_prefix_fmt(&good[i].dst,
			(char[KLD_PREFIX_STRLEN]){ 0 }, KLD_PREFIX_STRLEN),
			good[i].table ? good[i].table : RT_TABLE_MAIN));
	assert_null(find_route(&R, "10.5.0.0/24", RT_TABLE_MAIN));
	assert_null(find_route(&R, "10.7.0.0/24", RT_TABLE_MAIN));
	assert_null(find_route(&R, "10.8.0.0/24", RT_TABLE_MAIN));
}

static json_object *ip_json(const char *cmd)
{
	char *out = sh(cmd);
	json_object *j = json_tokener_parse(out);

	free(out);
	assert_non_null(j);
	assert_true(json_object_is_type(j, json_type_array));
	return j;
}

static const char *jstr(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : NULL;
}

/* The route `ip -j` lists for dst in table ("main" when absent), or NULL. */
static json_object *jroute(json_object *arr, const char *dst, const char *table)
{
	for (size_t i = 0; i < json_object_array_length(arr); i++) {
		json_object *o = json_object_array_get_idx(arr, i);
		const char *t = jstr(o, "table");

		if (jstr(o, "dst") && strcmp(jstr(o, "dst"), dst) == 0 &&
		    strcmp(t ? t : "main", table) == 0)
			return o;
	}
	return NULL;
}

static void assert_jfield(json_object *o, const char *key, const char *want)
{
	const char *got;

	assert_non_null(o);
	got = jstr(o, key);
	if (!got || strcmp(got, want) != 0)
		fail_msg("%s: want %s got %s in %s", key, want, got ? got : "(none)",
			 json_object_to_json_string(o));
}

static void check_ip_sees_good(void)
{
	json_object *v4 = ip_json("ip -j route show table all");
	json_object *v6 = ip_json("ip -6 -j route show table all");
	json_object *o, *hops;

	o = jroute(v4, "10.1.0.0/24", "main");
	assert_jfield(o, "protocol", "bgp");
	assert_jfield(o, "gateway", "192.0.2.2");
	assert_jfield(o, "metric", "20");
	o = jroute(v4, "10.2.0.0/24", "main");
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "nexthops", &hops));
	assert_int_equal(json_object_array_length(hops), 2);
	assert_jfield(json_object_array_get_idx(hops, 1), "gateway", "192.0.2.3");
	assert_jfield(json_object_array_get_idx(hops, 1), "weight", "3");
	assert_jfield(jroute(v4, "203.0.113.0/24", "main"), "type", "blackhole");
	assert_jfield(jroute(v4, "10.3.0.0/16", "100"), "gateway", "192.0.2.2");
	o = jroute(v4, "10.4.0.0/16", "1000");
	assert_jfield(o, "dev", "zl0");
	assert_jfield(o, "protocol", have_protos_names ? "wireguard" : "240");
	assert_jfield(jroute(v4, "10.6.0.0/24", "main"), "protocol",
		      have_protos_names ? "vxlan" : "241");
	assert_null(jroute(v4, "10.5.0.0/24", "main"));
	assert_null(jroute(v4, "10.7.0.0/24", "main"));

	assert_jfield(jroute(v6, "2001:db8:100::/48", "main"), "gateway", "2001:db8:1::2");
	o = jroute(v6, "2001:db8:200::/48", "main");
	assert_non_null(o);
	assert_true(json_object_object_get_ex(o, "nexthops", &hops));
	assert_int_equal(json_object_array_length(hops), 2);
	assert_jfield(json_object_array_get_idx(hops, 0), "weight", "2");
	assert_jfield(jroute(v6, "2001:db8:dead::/48", "main"), "type", "unreachable");
	assert_jfield(jroute(v6, "2001:db8:300::/48", "100"), "gateway", "2001:db8:1::9");
	json_object_put(v4);
	json_object_put(v6);
	assert_sh_contains("ip route show table all", "10.1.0.0/24 via 192.0.2.2 dev zl0 proto bgp metric 20");
}

static void test_routes_batch(void **state)
{
	struct zl_nl_stats st;
	size_t acks_before = R.nacks;

	zl_nl_get_stats(R.nl, &st);
	queue_routes();
	assert_true(zl_nl_queued(R.nl));
	wait_all(&R);
	assert_false(zl_nl_queued(R.nl));

	/* The kernel's error went to the right cookie, the rest succeeded. */
	assert_int_equal(ack_of(&R, C_BAD_DEV), -ENODEV);
	assert_int_equal(ack_of(&R, C_BAD_DOWN), -ENETDOWN);
	assert_int_equal(ack_of(&R, C_BAD_GW), -ENETUNREACH);
	for (size_t i = 0; i < ngood; i++)
		if (ack_of(&R, good_cookie[i]) != 0)
			fail_msg("cookie %llu failed: %d", (unsigned long long)good_cookie[i],
				 ack_of(&R, good_cookie[i]));
	assert_int_equal(R.nacks - acks_before, ngood + 3);
	/* The extended ack text came along with the error. */
	for (size_t i = acks_before; i < R.nacks; i++)
		if (R.acks[i].cookie == C_BAD_DOWN)
			assert_non_null(strstr(R.acks[i].msg, "not up"));
	{
		struct zl_nl_stats after;

		zl_nl_get_stats(R.nl, &after);
		assert_int_equal(after.batches - st.batches, 1); /* one sendmsg */
		assert_int_equal(after.acks_err - st.acks_err, 3);
	}
	check_dump_has_good();
	check_ip_sees_good();
}

static bool saw_del(const struct rec *r, size_t from)
{
	for (size_t i = from; i < r->nrev; i++)
		if (r->rev[i].del)
			return true;
	return false;
}

static bool saw_new(const struct rec *r, size_t from, const char *dst, uint32_t table)
{
	struct kld_prefix p = P(dst);

	for (size_t i = from; i < r->nrev; i++)
		if (!r->rev[i].del && kld_prefix_eq(&r->rev[i].dst, &p) && r->rev[i].table == table)
			return true;
	return false;
}

static void test_replace_never_deletes(void **state)
{
	struct zl_nl_route r;
	size_t from;

	drain_events(&R);
	from = R.nrev;
	/* New gateway for a single-path route, v4 and v6. */
	r = route_gw("10.1.0.0/24", "192.0.2.3", RTPROT_BGP);
	r.metric = 20;
	good[0] = r;
	assert_int_equal(zl_nl_route_replace(R.nl, &r, 200), 0);
	r = route_gw("2001:db8:100::/48", "2001:db8:1::3", RTPROT_BGP);
	good[1] = r;
	assert_int_equal(zl_nl_route_replace(R.nl, &r, 201), 0);
	/* ECMP: other weights, one more path (v4); ECMP to single path (v6). */
	r = route_gw("10.2.0.0/24", "192.0.2.2", RTPROT_BGP);
	r.nh_count = 3;
	r.nh[0].weight = 5;
	r.nh[1] = (struct zl_nl_nexthop){ .gw = A("192.0.2.3"), .weight = 1 };
	r.nh[2] = (struct zl_nl_nexthop){ .gw = A("192.0.2.4"), .weight = 2 };
	good[2] = r;
	assert_int_equal(zl_nl_route_replace(R.nl, &r, 202), 0);
	r = route_gw("2001:db8:200::/48", "2001:db8:1::4", RTPROT_BGP);
	good[3] = r;
	assert_int_equal(zl_nl_route_replace(R.nl, &r, 203), 0);
	/* Unicast to blackhole, in table 100. */
	r = (struct zl_nl_route){ .dst = P("10.3.0.0/16"), .table = 100, .type = RTN_BLACKHOLE,
				  .protocol = RTPROT_BGP };
	good[6] = r;
	assert_int_equal(zl_nl_route_replace(R.nl, &r, 204), 0);
	wait_all(&R);
	for (uint64_t c = 200; c <= 204; c++)
		assert_int_equal(ack_of(&R, c), 0);

	drain_events(&R);
	assert_true(saw_new(&R, from, "10.1.0.0/24", RT_TABLE_MAIN));
	assert_true(saw_new(&R, from, "2001:db8:100::/48", RT_TABLE_MAIN));
	assert_true(saw_new(&R, from, "10.2.0.0/24", RT_TABLE_MAIN));
	assert_true(saw_new(&R, from, "2001:db8:200::/48", RT_TABLE_MAIN));
	assert_true(saw_new(&R, from, "10.3.0.0/16", 100));
	if (saw_del(&R, from))
		fail_msg("a replace produced RTM_DELROUTE");
	check_dump_has_good();
	assert_sh_contains("ip route show", "10.1.0.0/24 via 192.0.2.3 dev zl0 proto bgp metric 20");
	assert_sh_contains("ip route show table 100", "blackhole 10.3.0.0/16 proto bgp");
}

static void test_delete(void **state)
{
	struct zl_nl_route r;
	size_t from;

	/* A delete naming another protocol must not touch the route. */
	r = route_gw("10.1.0.0/24", "192.0.2.3", RTPROT_STATIC);
	r.metric = 20;
	assert_int_equal(zl_nl_route_delete(R.nl, &r, 300), 0);
	wait_all(&R);
	assert_int_equal(ack_of(&R, 300), -ESRCH);
	assert_sh_contains("ip route show", "10.1.0.0/24");

	drain_events(&R);
	from = R.nrev;
	for (size_t i = 0; i < ngood; i++)
		assert_int_equal(zl_nl_route_delete(R.nl, &good[i], 400 + i), 0);
	/* One that is not there. */
	r = route_gw("10.99.0.0/24", "192.0.2.2", RTPROT_BGP);
	assert_int_equal(zl_nl_route_delete(R.nl, &r, 399), 0);
	wait_all(&R);
	for (size_t i = 0; i < ngood; i++)
		assert_int_equal(ack_of(&R, 400 + i), 0);
	assert_int_equal(ack_of(&R, 399), -ESRCH);

	dump(&R, ZL_NL_ROUTE, AF_UNSPEC);
	for (size_t i = 0; i < R.nroutes; i++)
		assert_true(R.routes[i].protocol == RTPROT_KERNEL);
	drain_events(&R);
	assert_true(saw_del(&R, from));
	assert_sh_lacks("ip route show table all", "proto bgp");
}

/* Same batch semantics with NLM_F_ACK on every request, and auto-flush. */
static void test_ack_each_and_autoflush(void **state)
{
	struct zl_nl_config cfg = { .ack_each = true, .batch_bytes = 4096, .no_events = true };
	struct rec *r2 = calloc(1, sizeof(*r2));
	struct zl_nl_route rt;
	struct zl_nl_stats st;
	char cmd[64], *out;

	assert_int_equal(zl_nl_open(&r2->nl, &cfg, &rec_ops, r2), 0);
	assert_int_equal(zl_nl_event_fd(r2->nl), -1);
	for (uint32_t i = 0; i < 3000; i++) {
		rt = (struct zl_nl_route){ .dst = P("10.128.0.0/32"), .protocol = RTPROT_BGP,
					   .type = RTN_BLACKHOLE, .table = 200 };
		rt.dst.u.bytes[2] = (uint8_t)(i >> 8);
		rt.dst.u.bytes[3] = (uint8_t)i;
		if (i == 1500) { /* a bad one in the middle */
			rt.type = RTN_UNICAST;
			rt.nh_count = 1;
			rt.nh[0].ifindex = 9999;
		}
		assert_int_equal(zl_nl_route_replace(r2->nl, &rt, i), 0);
	}
	assert_int_equal(zl_nl_wait(r2->nl, WAIT_MS), 0);
	assert_int_equal(r2->nacks, 3000);
	for (uint32_t i = 0; i < 3000; i++)
		assert_int_equal(ack_of(r2, i), i == 1500 ? -ENODEV : 0);
	zl_nl_get_stats(r2->nl, &st);
	assert_true(st.batches > 10); /* 4 KiB batches: flushed when full */
	assert_int_equal(st.acks_ok, 2999);
	assert_int_equal(st.acks_lost, 0);
	snprintf(cmd, sizeof(cmd), "ip route show table 200 | wc -l");
	out = sh(cmd);
	assert_int_equal(atoi(out), 2999);
	free(out);
	system("ip route flush table 200");
	zl_nl_close(r2->nl);
	free(r2->acks);
	free(r2);
}

/* ---- VXLAN, bridge, FDB, neighbours ------------------------------------- */

static const struct zl_nl_neigh *find_fdb(const struct rec *r, int ifindex, const uint8_t *mac,
					  const char *dst)
{
	struct kld_addr d = A(dst);

	for (size_t i = 0; i < r->nneighs; i++) {
		const struct zl_nl_neigh *n = &r->neighs[i];

		if (n->ifindex == ifindex && n->has_mac && memcmp(n->mac, mac, 6) == 0 &&
		    kld_addr_eq(&n->dst, &d))
			return n;
	}
	return NULL;
}

static void test_vxlan_bridge_fdb(void **state)
{
	struct zl_nl_link_spec br = { .name = "br0", .kind = ZL_LINK_BRIDGE, .up = true };
	struct zl_nl_link_spec vx = {
		.name = "vx0", .kind = ZL_LINK_VXLAN, .up = true,
		.vxlan = { .vni = 100, .local = A("192.0.2.1"), .dstport = 4789, .dev = ifi_zl0 },
	};
	uint8_t zero[6] = { 0 }, mac[6] = { 0xaa, 0xbb, 0xcc, 0, 0, 1 };
	struct zl_nl_neigh n = { .family = AF_BRIDGE, .has_mac = true };
	const struct zl_nl_link *l;
	int ifi_br, ifi_vx;

	vx.vxlan.dev = ifi_zl0;
	assert_int_equal(zl_nl_link_create(R.nl, &br, 500), 0);
	assert_int_equal(zl_nl_link_create(R.nl, &vx, 501), 0);
	wait_all(&R);
	assert_int_equal(ack_of(&R, 500), 0);
	assert_int_equal(ack_of(&R, 501), 0);
	ifi_br = ifindex_of("br0");
	ifi_vx = ifindex_of("vx0");
	l = find_link(&R, "vx0");
	assert_non_null(l);
	assert_string_equal(l->kind, "vxlan");
	assert_int_equal(l->vxlan.vni, 100);
	assert_int_equal(l->vxlan.dstport, 4789);
	assert_false(l->vxlan.learning);
	assert_int_equal(l->vxlan.dev, ifi_zl0);
	assert_true(kld_addr_eq(&l->vxlan.local, &vx.vxlan.local));
	assert_string_equal(find_link(&R, "br0")->kind, "bridge");
	assert_sh_contains("ip -d link show dev vx0", "vxlan id 100 local 192.0.2.1 dev zl0");
	assert_sh_contains("ip -d link show dev vx0", "nolearning");

	/* Enslave, check, and release. */
	assert_int_equal(zl_nl_link_set_master(R.nl, ifi_vx, ifi_br, 502), 0);
	wait_all(&R);
	assert_int_equal(ack_of(&R, 502), 0);
	dump(&R, ZL_NL_LINK, AF_UNSPEC);
	assert_int_equal(find_link(&R, "vx0")->master, ifi_br);
	assert_sh_contains("ip link show dev vx0", "master br0");

	/* Head-end replication list plus one MAC pinned to a VTEP. */
	n.ifindex = ifi_vx;
	n.dst = A("198.51.100.1");
	assert_int_equal(zl_nl_neigh_append(R.nl, &n, 510), 0);
	n.dst = A("198.51.100.2");
	assert_int_equal(zl_nl_neigh_append(R.nl, &n, 511), 0);
	memcpy(n.mac, mac, 6);
	n.dst = A("198.51.100.3");
	assert_int_equal(zl_nl_neigh_replace(R.nl, &n, 512), 0);
	n.dst = A("198.51.100.4"); /* the MAC moves: replaced, not added */
	assert_int_equal(zl_nl_neigh_replace(R.nl, &n, 513), 0);
	wait_all(&R);
	for (uint64_t c = 510; c <= 513; c++)
		assert_int_equal(ack_of(&R, c), 0);
	assert_int_equal(zl_nl_neigh_append(R.nl, &(struct zl_nl_neigh){ .family = AF_INET },
					    514), -EINVAL);

	dump(&R, ZL_NL_NEIGH, AF_BRIDGE);
	assert_non_null(find_fdb(&R, ifi_vx, zero, "198.51.100.1"));
	assert_non_null(find_fdb(&R, ifi_vx, zero, "198.51.100.2"));
	assert_non_null(find_fdb(&R, ifi_vx, mac, "198.51.100.4"));
	assert_null(find_fdb(&R, ifi_vx, mac, "198.51.100.3"));
	assert_true(find_fdb(&R, ifi_vx, zero, "198.51.100.1")->flags & NTF_SELF);
	assert_sh_contains("bridge fdb show dev vx0", "00:00:00:00:00:00 dst 198.51.100.1");
	assert_sh_contains("bridge fdb show dev vx0", "00:00:00:00:00:00 dst 198.51.100.2");
	assert_sh_contains("bridge fdb show dev vx0", "aa:bb:cc:00:00:01 dst 198.51.100.4");

	/* Remove one VTEP from the flood list; the other stays. */
	n.dst = A("198.51.100.1");
	memset(n.mac, 0, 6);
	assert_int_equal(zl_nl_neigh_delete(R.nl, &n, 515), 0);
	wait_all(&R);
	assert_int_equal(ack_of(&R, 515), 0);
	assert_sh_lacks("bridge fdb show dev vx0", "dst 198.51.100.1 ");
	assert_sh_contains("bridge fdb show dev vx0", "00:00:00:00:00:00 dst 198.51.100.2");

	/* Leaving the bridge is not the link going away (AF_BRIDGE port event). */
	drain_events(&R);
	R.nlink_del = 0;
	assert_int_equal(zl_nl_link_set_master(R.nl, ifi_vx, 0, 516), 0);
	wait_all(&R);
	assert_int_equal(ack_of(&R, 516), 0);
	drain_events(&R);
	assert_int_equal(R.nlink_del, 0);
	dump(&R, ZL_NL_LINK, AF_UNSPEC);
	assert_int_equal(find_link(&R, "vx0")->master, 0);

	drain_events(&R);
	R.nlink_del = 0;
	assert_int_equal(zl_nl_link_delete(R.nl, ifi_vx, 517), 0);
	assert_int_equal(zl_nl_link_delete(R.nl, ifi_br, 518), 0);
	wait_all(&R);
	assert_int_equal(ack_of(&R, 517), 0);
	assert_int_equal(ack_of(&R, 518), 0);
	assert_int_equal(ifindex_of("vx0"), 0);
	assert_int_equal(ifindex_of("br0"), 0);
	drain_events(&R);
	assert_true(R.nlink_del >= 2);
	assert_int_equal(zl_nl_link_delete(R.nl, ifi_vx, 519), 0);
	wait_all(&R);
	assert_int_equal(ack_of(&R, 519), -ENODEV);
}

static void test_ip_neighbour(void **state)
{
	struct zl_nl_neigh n = { .family = AF_INET, .ifindex = ifi_zl0, .dst = A("192.0.2.50"),
				 .has_mac = true, .mac = { 2, 0, 0, 0, 0, 0x50 } };
	bool found = false;

	assert_int_equal(zl_nl_neigh_replace(R.nl, &n, 600), 0);
	wait_all(&R);
	assert_int_equal(ack_of(&R, 600), 0);
	dump(&R, ZL_NL_NEIGH, AF_INET);
	for (size_t i = 0; i < R.nneighs; i++) {
		if (R.neighs[i].ifindex != ifi_zl0 || !kld_addr_eq(&R.neighs[i].dst, &n.dst))
			continue;
		assert_int_equal(R.neighs[i].state, NUD_PERMANENT);
		assert_memory_equal(R.neighs[i].mac, n.mac, 6);
		found = true;
	}
	assert_true(found);
	assert_sh_contains("ip neigh show dev zl0", "192.0.2.50 lladdr 02:00:00:00:00:50 PERMANENT");
	assert_int_equal(zl_nl_neigh_delete(R.nl, &n, 601), 0);
	wait_all(&R);
	assert_int_equal(ack_of(&R, 601), 0);
	assert_sh_lacks("ip neigh show dev zl0", "192.0.2.50");
}

static void test_wireguard_link(void **state)
{
	struct zl_nl_link_spec s = { .name = "wg0", .kind = ZL_LINK_WIREGUARD };
	int err;

	assert_int_equal(zl_nl_link_create(R.nl, &s, 700), 0);
	wait_all(&R);
	err = ack_of(&R, 700);
	if (err == -EOPNOTSUPP)
		skip(); /* kernel without the wireguard module */
	assert_int_equal(err, 0);
	dump(&R, ZL_NL_LINK, AF_UNSPEC);
	assert_string_equal(find_link(&R, "wg0")->kind, "wireguard");
	assert_int_equal(zl_nl_link_delete(R.nl, find_link(&R, "wg0")->ifindex, 701), 0);
	wait_all(&R);
	assert_int_equal(ack_of(&R, 701), 0);
}

/* ---- dumps and overruns --------------------------------------------------- */

static void test_dump_queue(void **state)
{
	int before = R.dumps_done;

	R.nroutes = R.nlinks = R.naddrs = R.nneighs = 0;
	assert_int_equal(zl_nl_dump(R.nl, ZL_NL_LINK, AF_UNSPEC), 0);
	assert_int_equal(zl_nl_dump(R.nl, ZL_NL_ADDR, AF_INET6), 0);
	assert_int_equal(zl_nl_dump(R.nl, ZL_NL_ROUTE, AF_INET), 0);
	assert_int_equal(zl_nl_dump(R.nl, ZL_NL_NEIGH, AF_UNSPEC), 0);
	wait_all(&R);
	assert_int_equal(R.dumps_done, before + 4);
	assert_int_equal(R.dump_order[(before + 0) % 16], ZL_NL_LINK);
	assert_int_equal(R.dump_order[(before + 1) % 16], ZL_NL_ADDR);
	assert_int_equal(R.dump_order[(before + 2) % 16], ZL_NL_ROUTE);
	assert_int_equal(R.dump_order[(before + 3) % 16], ZL_NL_NEIGH);
	assert_non_null(find_link(&R, "lo"));
	for (size_t i = 0; i < R.naddrs; i++)
		assert_int_equal(R.addrs[i].addr.family, AF_INET6);
	for (size_t i = 0; i < R.nroutes; i++)
		assert_int_equal(R.routes[i].dst.family, AF_INET);
	assert_true(R.nroutes > 0);
}

static void test_event_overrun_resyncs(void **state)
{
	struct zl_nl_config cfg = { .event_rcvbuf = 4096 };
	struct rec *r2 = calloc(1, sizeof(*r2));
	struct zl_nl_route rt = { .dst = P("10.200.0.0/32"), .type = RTN_BLACKHOLE,
				  .table = 201, .protocol = RTPROT_BGP };
	struct zl_nl_stats st;

	assert_int_equal(zl_nl_open(&r2->nl, &cfg, &rec_ops, r2), 0);
	for (uint32_t i = 0; i < 2000; i++) {
		rt.dst.u.bytes[2] = (uint8_t)(i >> 8);
		rt.dst.u.bytes[3] = (uint8_t)i;
		assert_int_equal(zl_nl_route_replace(R.nl, &rt, 800000 + i), 0);
	}
	wait_all(&R);
	assert_int_equal(r2->resyncs, 0);
	while (zl_nl_event_process(r2->nl) == 1)
		;
	assert_true(r2->resyncs >= 1);
	zl_nl_get_stats(r2->nl, &st);
	assert_true(st.overruns >= 1);
	/* Events were lost: fewer arrived than were sent. */
	assert_true(r2->nrev < 2000);
	system("ip route flush table 201");
	zl_nl_close(r2->nl);
	free(r2->rev);
	free(r2);
}

static void test_rt_protos_names(void **state)
{
	struct zl_nl_route r = route_gw("10.10.0.0/24", "192.0.2.2", ZL_RTPROT_WIREGUARD);

	if (!have_protos_names)
		skip();
	assert_int_equal(zl_nl_route_replace(R.nl, &r, 900), 0);
	r = route_gw("10.11.0.0/24", "192.0.2.2", ZL_RTPROT_VXLAN);
	assert_int_equal(zl_nl_route_replace(R.nl, &r, 901), 0);
	wait_all(&R);
	assert_sh_contains("ip route show", "10.10.0.0/24 via 192.0.2.2 dev zl0 proto wireguard");
	assert_sh_contains("ip route show", "10.11.0.0/24 via 192.0.2.2 dev zl0 proto vxlan");
	assert_sh_contains("ip route show proto wireguard", "10.10.0.0/24");
}

/* A local process can unicast to our sockets; what it sends is dropped. */
static void test_forged_messages_dropped(void **state)
{
	struct sockaddr_nl me, to = { .nl_family = AF_NETLINK };
	socklen_t len = sizeof(me);
	uint32_t msg[64];
	struct zl_nl_route r = route_gw("10.66.0.0/24", "192.0.2.2", RTPROT_BGP);
	struct nlmsghdr *nlh = (struct nlmsghdr *)msg;
	struct zl_nl_stats st;
	size_t before;
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	assert_true(fd >= 0);
	assert_int_equal(getsockname(zl_nl_event_fd(R.nl), (struct sockaddr *)&me, &len), 0);
	to.nl_pid = me.nl_pid;
	assert_true(zl_nl_route_build(msg, sizeof(msg), RTM_NEWROUTE, 0, &r) > 0);
	drain_events(&R);
	before = R.nrev;
	assert_int_equal(sendto(fd, msg, nlh->nlmsg_len, 0, (struct sockaddr *)&to, sizeof(to)),
			 (ssize_t)nlh->nlmsg_len);
	drain_events(&R);
	assert_int_equal(R.nrev, before);
	zl_nl_get_stats(R.nl, &st);
	assert_int_equal(st.foreign, 1);
	close(fd);
}

/* ---- setup --------------------------------------------------------------- */

/* Show iproute2 our protocol names, in our own mount namespace only. */
static void setup_rt_protos(void)
{
	char path[128];
	FILE *f;

	snprintf(protos_dir, sizeof(protos_dir), "/tmp/zl-nl-protos.XXXXXX");
	if (!mkdtemp(protos_dir))
		return;
	snprintf(path, sizeof(path), "%s/kldnet.conf", protos_dir);
	f = fopen(path, "w");
	if (!f)
		return;
	fputs(zl_nl_rtprot_conf(), f);
	fclose(f);
	if (mount("none", "/", "none", MS_REC | MS_PRIVATE, NULL) < 0)
		return;
	mkdir("/etc/iproute2", 0755);
	mkdir("/etc/iproute2/rt_protos.d", 0755);
	have_protos_names = mount(protos_dir, "/etc/iproute2/rt_protos.d", "none", MS_BIND, NULL) == 0;
}

static void cleanup_rt_protos(void)
{
	char path[128];

	if (have_protos_names)
		umount2("/etc/iproute2/rt_protos.d", MNT_DETACH);
	if (!protos_dir[0])
		return;
	snprintf(path, sizeof(path), "%s/kldnet.conf", protos_dir);
	unlink(path);
	rmdir(protos_dir);
}

static int group_setup(void **state)
{
	return zl_nl_open(&R.nl, NULL, &rec_ops, &R) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
	zl_nl_close(R.nl);
	free(R.acks);
	free(R.routes);
	free(R.rev);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_links),
		cmocka_unit_test(test_addrs),
		cmocka_unit_test(test_routes_batch),
		cmocka_unit_test(test_replace_never_deletes),
		cmocka_unit_test(test_delete),
		cmocka_unit_test(test_ack_each_and_autoflush),
		cmocka_unit_test(test_vxlan_bridge_fdb),
		cmocka_unit_test(test_ip_neighbour),
		cmocka_unit_test(test_wireguard_link),
		cmocka_unit_test(test_dump_queue),
		cmocka_unit_test(test_event_overrun_resyncs),
		cmocka_unit_test(test_rt_protos_names),
		cmocka_unit_test(test_forged_messages_dropped),
	};
	int rc;

	/* Never touch the host: everything below happens in new namespaces. */
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0) {
		fprintf(stderr, "test_nl_ns: cannot unshare (%s): skipped\n", strerror(errno));
		return 77;
	}
	setup_rt_protos();
	rc = cmocka_run_group_tests(tests, group_setup, group_teardown);
	cleanup_rt_protos();
	return rc;
}
