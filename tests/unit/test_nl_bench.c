/*
 * Route install benchmark: zebra-lite's batched rtnetlink against
 * `ip -batch`, same routes, same network namespace, same run.
 *
 *   test_nl_bench                 20k routes: a quick correctness check
 *                                 (every ack 0, every route in the kernel)
 *   test_nl_bench -n 1000000      the benchmark proper
 *         [-r rounds] [-l prefixlen] [-b batch_bytes] [-a (ack each)]
 *         [-z (zebra-lite only, for tuning)]
 *
 * Each round installs N routes (10.0.0.0 upwards, /32 or /24, via one
 * gateway on a veth, proto bgp, table 101) with `ip -batch` ("route
 * replace" lines, the same NLM_F_CREATE|NLM_F_REPLACE request we send),
 * counts them, deletes them with `ip -batch`, then does the same with
 * zebra-lite. Rates are routes per second of wall time; ip's include
 * reading its text file, which is how it is used. Not a timed test: it
 * prints numbers and the ratio, and fails only on wrong results.
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
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include <linux/rtnetlink.h>

#include "prefix.h"
#include "zebra-lite/nl.h"

#define TABLE 101

static struct {
	unsigned int n;
	unsigned int rounds;
	unsigned int plen;
	size_t batch_bytes;
	bool ack_each;
	bool zl_only;
} opt = { 20000, 1, 32, 0, false, false };

struct counts {
	uint64_t acks_ok;
	uint64_t acks_err;
	uint64_t routes;
};

static void on_ack(void *arg, uint64_t cookie, int err, const char *msg)
{
	struct counts *c = arg;

	if (err)
		c->acks_err++;
	else
		c->acks_ok++;
}

static void on_route(void *arg, const struct zl_nl_meta *m, const struct zl_nl_route *r)
{
	struct counts *c = arg;

	if (r->table == TABLE && r->protocol == RTPROT_BGP)
		c->routes++;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void run(const char *cmd)
{
	if (system(cmd) != 0)
		fail_msg("`%s` failed", cmd);
}

/* i-th destination: consecutive /32s, or consecutive /24s. */
static uint32_t nth_dst(unsigned int i)
{
	uint32_t base = 10u << 24;

	return opt.plen == 32 ? base + i : base + (i << 8);
}

static void write_batch(const char *path, const char *verb)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	for (unsigned int i = 0; i < opt.n; i++) {
		uint32_t d = nth_dst(i);

		fprintf(f, "route %s %u.%u.%u.%u/%u via 192.0.2.2 proto bgp table %d\n", verb,
			d >> 24, (d >> 16) & 0xff, (d >> 8) & 0xff, d & 0xff, opt.plen, TABLE);
	}
	assert_int_equal(fclose(f), 0);
}

static uint64_t count_routes(struct zl_nl *nl, struct counts *c)
{
	c->routes = 0;
	assert_int_equal(zl_nl_dump(nl, ZL_NL_ROUTE, AF_INET), 0);
	assert_int_equal(zl_nl_wait(nl, 600000), 0);
	return c->routes;
}

static double ip_batch(const char *path)
{
	char cmd[256];
	double t0;

	snprintf(cmd, sizeof(cmd), "ip -batch %s", path);
	t0 = now();
	run(cmd);
	return now() - t0;
}

static double zl_install(struct zl_nl *nl, struct counts *c, bool del)
{
	struct zl_nl_route r = { .dst = { .family = AF_INET, .len = (uint8_t)opt.plen },
				 .protocol = RTPROT_BGP, .table = TABLE, .nh_count = 1 };
	double t0 = now();

	assert_int_equal(kld_addr_parse("192.0.2.2", &r.nh[0].gw), 0);
	c->acks_ok = c->acks_err = 0;
	for (unsigned int i = 0; i < opt.n; i++) {
		r.dst.u.v4.s_addr = htonl(nth_dst(i));
		if (del)
			assert_int_equal(zl_nl_route_delete(nl, &r, i), 0);
		else
			assert_int_equal(zl_nl_route_replace(nl, &r, i), 0);
	}
	assert_int_equal(zl_nl_wait(nl, 600000), 0);
	t0 = now() - t0;
	assert_int_equal(c->acks_err, 0);
	assert_int_equal(c->acks_ok, opt.n);
	return t0;
}

static void report(const char *what, double t_ip, double t_zl)
{
	if (opt.zl_only) {
		printf("  %-6s zebra-lite %10.0f routes/s (%6.2f s)\n", what, opt.n / t_zl, t_zl);
		return;
	}
	printf("  %-6s ip -batch %10.0f routes/s (%6.2f s)   zebra-lite %10.0f routes/s (%6.2f s)"
	       "   ratio %.2fx\n",
	       what, opt.n / t_ip, t_ip, opt.n / t_zl, t_zl, t_ip / t_zl);
}

static void test_bench(void **state)
{
	struct zl_nl_config cfg = { .no_events = true, .batch_bytes = opt.batch_bytes,
				    .ack_each = opt.ack_each };
	struct zl_nl_ops ops = { .ack = on_ack, .route = on_route };
	char add_path[] = "/tmp/zl-nl-bench-add.XXXXXX", del_path[] = "/tmp/zl-nl-bench-del.XXXXXX";
	struct counts c = { 0 };
	struct zl_nl *nl;

	assert_true(mkstemp(add_path) >= 0);
	assert_true(mkstemp(del_path) >= 0);
	write_batch(add_path, "replace");
	write_batch(del_path, "del");
	run("ip link set lo up && ip link add zl0 type veth peer name zl0p && "
	    "ip link set zl0p up && ip link set zl0 up && ip addr add 192.0.2.1/24 dev zl0");
	assert_int_equal(zl_nl_open(&nl, &cfg, &ops, &c), 0);
	printf("  %u IPv4 /%u routes via a gateway, proto bgp, table %d, %s\n", opt.n, opt.plen,
	       TABLE, opt.ack_each ? "NLM_F_ACK on each request" : "ACK on the last of each batch");
	for (unsigned int round = 0; round < opt.rounds; round++) {
		double ip_add = 1, ip_del = 1, zl_add, zl_del;

		if (!opt.zl_only) {
			ip_add = ip_batch(add_path);
			assert_int_equal(count_routes(nl, &c), opt.n);
			ip_del = ip_batch(del_path);
			assert_int_equal(count_routes(nl, &c), 0);
		}
		zl_add = zl_install(nl, &c, false);
		assert_int_equal(count_routes(nl, &c), opt.n);
		zl_del = zl_install(nl, &c, true);
		assert_int_equal(count_routes(nl, &c), 0);
		printf("  round %u\n", round + 1);
		report("add", ip_add, zl_add);
		report("delete", ip_del, zl_del);
	}
	{
		double t0;

		zl_install(nl, &c, false);
		t0 = now();
		assert_int_equal(count_routes(nl, &c), opt.n);
		printf("  dump+parse %10.0f routes/s\n", opt.n / (now() - t0));
	}
	zl_nl_close(nl);
	unlink(add_path);
	unlink(del_path);
}

static int parse_args(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;

		if (strcmp(a, "-a") == 0 || strcmp(a, "-z") == 0) {
			*(a[1] == 'a' ? &opt.ack_each : &opt.zl_only) = true;
			continue;
		}
		if (!v)
			return -1;
		i++;
		if (strcmp(a, "-n") == 0)
			opt.n = (unsigned int)strtoul(v, NULL, 10);
		else if (strcmp(a, "-r") == 0)
			opt.rounds = (unsigned int)strtoul(v, NULL, 10);
		else if (strcmp(a, "-l") == 0)
			opt.plen = (unsigned int)strtoul(v, NULL, 10);
		else if (strcmp(a, "-b") == 0)
			opt.batch_bytes = strtoul(v, NULL, 10);
		else
			return -1;
	}
	if (opt.plen != 32 && opt.plen != 24)
		return -1;
	if (opt.n == 0 || opt.n > (opt.plen == 32 ? 1u << 24 : 1u << 16))
		return -1;
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_bench),
	};

	if (parse_args(argc, argv) < 0) {
		fprintf(stderr, "usage: %s [-n routes] [-r rounds] [-l 32|24] [-b batch_bytes] [-a] [-z]\n",
			argv[0]);
		return 2;
	}
	/* Never touch the host: the routes live and die in a new namespace. */
	if (unshare(CLONE_NEWNET) < 0) {
		fprintf(stderr, "test_nl_bench: cannot unshare (%s): skipped\n", strerror(errno));
		return 77;
	}
	return cmocka_run_group_tests(tests, NULL, NULL);
}
