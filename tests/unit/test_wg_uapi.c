/*
 * zebra-lite/wg_uapi: the text codec on its own, then end to end against
 * Debian's wireguard-go.
 *
 * The end-to-end groups need root. The test process moves itself into a
 * new network and mount namespace, makes every mount private and puts its
 * own tmpfs on /run (so /var/run/wireguard and /run/netns are ours alone
 * and nothing appears on the host), and becomes a child subreaper so that
 * the daemonized wireguard-go processes re-parent to it: that is how the
 * test proves a deleted interface's process really exited, and how
 * teardown kills whatever a failing test left running. Two more network
 * namespaces joined by a veth carry a real tunnel; a ping through it shows
 * the keys and peers were programmed right. Without root (or without
 * wireguard-go) those tests are skipped.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <sys/mount.h>
#include <sys/un.h>
#include <time.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <cmocka.h>

#include "zebra-lite/wg_uapi.h"

/* ---------- helpers ---------- */

static bool in_list_dir(struct wg_backend *be, const char *name);

static void key_fill(uint8_t k[WG_KEY_SIZE], uint8_t b)
{
	memset(k, b, WG_KEY_SIZE);
}

static const char *rep(char *buf, const char *two, int n)
{
	int i;

	for (i = 0; i < n; i++)
		memcpy(buf + i * 2, two, 2);
	buf[n * 2] = '\0';
	return buf;
}

static void add_aip(struct wg_peer *peer, const char *s)
{
	struct kld_prefix p;

	assert_int_equal(kld_prefix_parse(s, &p, true), 0);
	wg_peer_add_allowedip(peer, &p);
}

static void set_ep(struct wg_peer *peer, const char *s)
{
	assert_int_equal(wg_endpoint_parse(&peer->endpoint, s, strlen(s)), 0);
}

static int parse(const char *text, struct wg_device **out)
{
	*out = wg_device_new("wg0");
	return wg_uapi_parse_get(text, strlen(text), *out);
}

/* ---------- codec ---------- */

static void test_format_set(void **state)
{
	struct wg_device *dev = wg_device_new("wg0");
	struct wg_peer *p;
	uint8_t k[WG_KEY_SIZE];
	char want[2048], h[5][WG_KEY_HEX_SIZE], *text;
	size_t len;

	(void)state;
	key_fill(dev->private_key, 0xa5);
	dev->listen_port = 51820;
	dev->fwmark = 0;
	dev->flags = WG_DEV_HAS_PRIVATE_KEY | WG_DEV_HAS_LISTEN_PORT | WG_DEV_HAS_FWMARK |
		     WG_DEV_REPLACE_PEERS;
	key_fill(k, 0x01);
	p = wg_device_add_peer(dev, k);
	p->flags = WG_PEER_UPDATE_ONLY | WG_PEER_HAS_PRESHARED_KEY | WG_PEER_HAS_KEEPALIVE |
		   WG_PEER_REPLACE_ALLOWEDIPS;
	key_fill(p->preshared_key, 0x5a);
	set_ep(p, "[2001:db8::1]:51821");
	p->keepalive = 25;
	add_aip(p, "10.0.0.0/8");
	add_aip(p, "fd00::/64");
	key_fill(k, 0x02);
	p = wg_device_add_peer(dev, k);
	p->flags = WG_PEER_REMOVE | WG_PEER_HAS_PRESHARED_KEY; /* psk must not go out */
	add_aip(p, "10.9.0.0/16");
	key_fill(k, 0xfe);
	p = wg_device_add_peer(dev, k);
	set_ep(p, "192.0.2.3:1");

	snprintf(want, sizeof(want),
		 "set=1\n"
		 "private_key=%s\n"
		 "listen_port=51820\n"
		 "fwmark=0\n"
		 "replace_peers=true\n"
		 "public_key=%s\n"
		 "update_only=true\n"
		 "preshared_key=%s\n"
		 "endpoint=[2001:db8::1]:51821\n"
		 "persistent_keepalive_interval=25\n"
		 "replace_allowed_ips=true\n"
		 "allowed_ip=10.0.0.0/8\n"
		 "allowed_ip=fd00::/64\n"
		 "public_key=%s\n"
		 "remove=true\n"
		 "public_key=%s\n"
		 "endpoint=192.0.2.3:1\n"
		 "\n",
		 rep(h[0], "a5", 32), rep(h[1], "01", 32), rep(h[2], "5a", 32), rep(h[3], "02", 32),
		 rep(h[4], "fe", 32));
	assert_int_equal(wg_uapi_format_set(dev, &text, &len), 0);
	assert_int_equal(len, strlen(text));
	assert_string_equal(text, want);
	wg_uapi_request_free(text, len);

	/* Minimal request: nothing but the verb and the blank line. */
	wg_device_free(dev);
	dev = wg_device_new("wg0");
	assert_int_equal(wg_uapi_format_set(dev, &text, &len), 0);
	assert_string_equal(text, "set=1\n\n");
	wg_uapi_request_free(text, len);

	/* An allowed-ip of no family cannot be written. */
	key_fill(k, 3);
	p = wg_device_add_peer(dev, k);
	{
		struct kld_prefix none = {0};

		wg_peer_add_allowedip(p, &none);
	}
	assert_int_equal(wg_uapi_format_set(dev, &text, &len), -EINVAL);
	wg_device_free(dev);
}

static void test_parse_get(void **state)
{
	char text[4096], h[5][WG_KEY_HEX_SIZE], ep[WG_ENDPOINT_STRLEN], pfx[KLD_PREFIX_STRLEN];
	struct wg_device *dev;
	const struct wg_peer *p;
	uint8_t k[WG_KEY_SIZE], pub[WG_KEY_SIZE];

	(void)state;
	snprintf(text, sizeof(text),
		 "private_key=%s\n"
		 "listen_port=51820\n"
		 "fwmark=3\n"
		 "some_future_key=whatever it means\n"
		 "public_key=%s\n"
		 "preshared_key=%s\n"
		 "protocol_version=1\n"
		 "endpoint=[fe80::1%%1]:51820\n"
		 "last_handshake_time_sec=1700000000\n"
		 "last_handshake_time_nsec=5\n"
		 "tx_bytes=100\n"
		 "rx_bytes=18446744073709551615\n"
		 "persistent_keepalive_interval=0\n"
		 "another_future_key=1\n"
		 "allowed_ip=10.0.0.0/8\n"
		 "allowed_ip=fd00::/64\n"
		 "allowed_ip=10.1.2.3/24\n"
		 "listen_port=1\n" /* a device key in peer scope: ignored */
		 "public_key=%s\n"
		 "preshared_key=%s\n"
		 "endpoint=192.0.2.1:51820\n"
		 "allowed_ip=0.0.0.0/0\n"
		 "errno=0\n"
		 "\n",
		 rep(h[0], "a5", 32), rep(h[1], "01", 32), rep(h[2], "00", 32), rep(h[3], "02", 32),
		 rep(h[4], "5a", 32));
	assert_int_equal(parse(text, &dev), 0);
	assert_int_equal(dev->flags, WG_DEV_HAS_PRIVATE_KEY | WG_DEV_HAS_PUBLIC_KEY |
					 WG_DEV_HAS_LISTEN_PORT | WG_DEV_HAS_FWMARK);
	key_fill(k, 0xa5);
	assert_memory_equal(dev->private_key, k, 32);
	assert_int_equal(wg_key_public(pub, k), 0);
	assert_memory_equal(dev->public_key, pub, 32);
	assert_int_equal(dev->listen_port, 51820);
	assert_int_equal(dev->fwmark, 3);
	assert_int_equal(dev->n_peers, 2);

	p = &dev->peers[0];
	key_fill(k, 0x01);
	assert_memory_equal(p->public_key, k, 32);
	assert_int_equal(p->flags, WG_PEER_HAS_KEEPALIVE); /* zero psk = none */
	assert_int_equal(p->endpoint.sa.sa_family, AF_INET6);
	assert_int_equal(p->endpoint.in6.sin6_scope_id, 1);
	assert_int_equal(ntohs(p->endpoint.in6.sin6_port), 51820);
	assert_int_equal(p->stats.protocol_version, 1);
	assert_int_equal(p->stats.last_handshake_sec, 1700000000);
	assert_int_equal(p->stats.last_handshake_nsec, 5);
	assert_int_equal(p->stats.tx_bytes, 100);
	assert_true(p->stats.rx_bytes == UINT64_MAX);
	assert_int_equal(p->keepalive, 0);
	assert_int_equal(p->n_allowedips, 3);
	assert_string_equal(kld_prefix_fmt(&p->allowedips[0], pfx, sizeof(pfx)), "10.0.0.0/8");
	assert_string_equal(kld_prefix_fmt(&p->allowedips[1], pfx, sizeof(pfx)), "fd00::/64");
	assert_string_equal(kld_prefix_fmt(&p->allowedips[2], pfx, sizeof(pfx)), "10.1.2.0/24");

	p = &dev->peers[1];
	key_fill(k, 0x02);
	assert_memory_equal(p->public_key, k, 32);
	assert_int_equal(p->flags, WG_PEER_HAS_PRESHARED_KEY);
	key_fill(k, 0x5a);
	assert_memory_equal(p->preshared_key, k, 32);
	assert_string_equal(wg_endpoint_fmt(&p->endpoint, ep, sizeof(ep)), "192.0.2.1:51820");
	assert_int_equal(p->n_allowedips, 1);
	assert_string_equal(kld_prefix_fmt(&p->allowedips[0], pfx, sizeof(pfx)), "0.0.0.0/0");
	wg_device_free(dev);

	/* A device with nothing configured. */
	assert_int_equal(parse("errno=0\n\n", &dev), 0);
	assert_int_equal(dev->flags, 0);
	assert_int_equal(dev->n_peers, 0);
	wg_device_free(dev);
}

static void test_parse_errors(void **state)
{
	static const struct {
		const char *text;
		int want;
	} cases[] = {
	    {"errno=-22\n\n", -EINVAL}, /* wireguard-go's sign */
	    {"errno=5\n\n", -EIO},	/* the document's sign */
	    {"errno=-98\n\n", -EADDRINUSE},
	    {"listen_port=1\n\n", -EPROTO}, /* no errno line */
	    {"errno=0\n", -EPROTO},	    /* no blank line */
	    {"errno=0", -EPROTO},
	    {"", -EPROTO},
	    {"\n", -EPROTO},
	    {"listen_port=65536\nerrno=0\n\n", -EPROTO},
	    {"listen_port=-1\nerrno=0\n\n", -EPROTO},
	    {"listen_port=\nerrno=0\n\n", -EPROTO},
	    {"fwmark=0x10\nerrno=0\n\n", -EPROTO},
	    {"garbage\nerrno=0\n\n", -EPROTO},
	    {"=x\nerrno=0\n\n", -EPROTO},
	    {"private_key=abc\nerrno=0\n\n", -EPROTO},
	    {"public_key=zz\nerrno=0\n\n", -EPROTO},
	    {"errno=0\nlisten_port=1\n\n", -EPROTO}, /* errno must be last */
	    {"errno=abc\n\n", -EPROTO},
	    {"errno=\n\n", -EPROTO},
	    {"errno=0\nerrno=0\n\n", -EPROTO},
	};
	char text[512], h[WG_KEY_HEX_SIZE];
	struct wg_device *dev;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int ret = parse(cases[i].text, &dev);

		if (ret != cases[i].want)
			fail_msg("case %zu: got %d want %d", i, ret, cases[i].want);
		wg_device_free(dev);
		ret = wg_uapi_parse_errno(cases[i].text, strlen(cases[i].text));
		if (i < 3)
			assert_int_equal(ret, cases[i].want);
	}
	assert_int_equal(wg_uapi_parse_errno("errno=0\n\n", 9), 0);

	/* Bad peer values. */
	rep(h, "01", 32);
	snprintf(text, sizeof(text), "public_key=%s\nallowed_ip=10.0.0.0/33\nerrno=0\n\n", h);
	assert_int_equal(parse(text, &dev), -EPROTO);
	wg_device_free(dev);
	snprintf(text, sizeof(text), "public_key=%s\nallowed_ip=10.0.0.0\nerrno=0\n\n", h);
	assert_int_equal(parse(text, &dev), -EPROTO);
	wg_device_free(dev);
	snprintf(text, sizeof(text), "public_key=%s\nendpoint=[::1]\nerrno=0\n\n", h);
	assert_int_equal(parse(text, &dev), -EPROTO);
	wg_device_free(dev);
	snprintf(text, sizeof(text), "public_key=%s\nendpoint=1.2.3.4:99999\nerrno=0\n\n", h);
	assert_int_equal(parse(text, &dev), -EPROTO);
	wg_device_free(dev);
	snprintf(text, sizeof(text), "public_key=%s\nrx_bytes=18446744073709551616\nerrno=0\n\n",
		 h);
	assert_int_equal(parse(text, &dev), -EPROTO);
	wg_device_free(dev);
	/* Peer keys before any public_key are out of scope: ignored. */
	assert_int_equal(parse("allowed_ip=nonsense\nendpoint=x\nerrno=0\n\n", &dev), 0);
	assert_int_equal(dev->n_peers, 0);
	wg_device_free(dev);
}

static void test_endpoint(void **state)
{
	static const char *const good[] = {
	    "192.0.2.1:51820",
	    "0.0.0.0:0",
	    "[2001:db8::1]:1",
	    "[::]:65535",
	};
	static const char *const bad[] = {
	    "1.2.3.4",
	    "1.2.3.4:",
	    ":80",
	    "[::1]:",
	    "[::1]80",
	    "::1:80",
	    "1.2.3.4:80x",
	    "256.1.1.1:1",
	    "[1.2.3.4]:5",
	    "[fe80::1%nosuchif0]:5",
	    "1.2.3.4:65536",
	    "[]:1",
	    "host.example:51820",
	};
	union wg_endpoint ep, ep2;
	char buf[WG_ENDPOINT_STRLEN];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(wg_endpoint_parse(&ep, good[i], strlen(good[i])), 0);
		assert_string_equal(wg_endpoint_fmt(&ep, buf, sizeof(buf)), good[i]);
		assert_int_equal(wg_endpoint_parse(&ep2, buf, strlen(buf)), 0);
		assert_true(wg_endpoint_eq(&ep, &ep2));
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (wg_endpoint_parse(&ep, bad[i], strlen(bad[i])) == 0)
			fail_msg("accepted '%s'", bad[i]);
	/* Zones: numeric in, interface name out when it exists. */
	assert_int_equal(wg_endpoint_parse(&ep, "[fe80::1%1]:5", 13), 0);
	assert_int_equal(ep.in6.sin6_scope_id, 1);
	if (if_indextoname(1, buf)) {
		char want[64];

		snprintf(want, sizeof(want), "[fe80::1%%%s]:5", buf);
		assert_string_equal(wg_endpoint_fmt(&ep, buf, sizeof(buf)), want);
	}
	memset(&ep, 0, sizeof(ep));
	assert_string_equal(wg_endpoint_fmt(&ep, buf, sizeof(buf)), "");
}

static void test_config_checks(void **state)
{
	struct wg_uapi_config cfg = {.sockdir = "/tmp/this/directory/name/is/far/too/long/to/hold/"
						"a/unix/socket/path/for/any/interface/name/at/all"};
	struct wg_backend *be;
	struct wg_device *dev;

	(void)state;
	assert_int_equal(wg_uapi_new(&cfg, &be), -ENAMETOOLONG);
	assert_null(be);
	cfg.sockdir = "/nonexistent-kldnet-test";
	assert_int_equal(wg_uapi_new(&cfg, &be), 0);
	assert_string_equal(wg_backend_kind_name(be), "uapi");
	assert_int_equal(wg_backend_get_device(be, "wg0", &dev), -ENODEV);
	assert_null(dev);
	assert_int_equal(wg_backend_get_device(be, "../etc", &dev), -EINVAL);
	assert_int_equal(wg_backend_get_device(be, "a-very-long-name-x", &dev), -EINVAL);
	assert_int_equal(wg_backend_del_interface(be, "wg0"), -ENODEV);
	wg_backend_free(be);
}

/* ---------- socket handling against a scripted server ---------- */

static char fake_dir[] = "/tmp/kld-wg-uapi-XXXXXX";

static int fake_listen(const char *ifname)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s/%s.sock", fake_dir, ifname);
	unlink(sun.sun_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	assert_int_equal(listen(fd, 4), 0);
	return fd;
}

/* A scripted server thread: accept one client, check it sent exactly
 * `expect`, answer with `reply` one byte at a time (so the client sees many
 * partial reads). result is 0 only if the request was as expected. */
struct fake {
	pthread_t thread;
	int lfd;
	const char *expect;
	const char *reply;
	int result;
};

static void *fake_main(void *arg)
{
	struct fake *f = arg;
	size_t got = 0, want = strlen(f->expect), i;
	char req[8192];
	ssize_t n;
	int c;

	f->result = 2;
	c = accept(f->lfd, NULL, NULL);
	if (c < 0)
		return NULL;
	while (got < want && (n = read(c, req + got, sizeof(req) - got)) > 0)
		got += (size_t)n;
	f->result = got == want && !memcmp(req, f->expect, got) ? 0 : 3;
	for (i = 0; f->reply[i]; i++) {
		if (write(c, f->reply + i, 1) != 1)
			break;
		usleep(200);
	}
	close(c);
	return NULL;
}

static void fake_serve(struct fake *f, int lfd, const char *expect, const char *reply)
{
	f->lfd = lfd;
	f->expect = expect;
	f->reply = reply;
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

static void fake_done(struct fake *f)
{
	assert_int_equal(pthread_join(f->thread, NULL), 0);
	assert_int_equal(f->result, 0);
}

static int fake_setup(void **state)
{
	struct wg_uapi_config cfg = {.timeout_ms = 300};
	struct wg_backend *be;

	if (!mkdtemp(fake_dir))
		return -1;
	cfg.sockdir = fake_dir;
	if (wg_uapi_new(&cfg, &be) < 0)
		return -1;
	*state = be;
	return 0;
}

static int fake_teardown(void **state)
{
	char cmd[128];

	wg_backend_free(*state);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fake_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static void test_fake_partial_io(void **state)
{
	struct wg_backend *be = *state;
	struct wg_device *dev, *got;
	char reply[512], h[WG_KEY_HEX_SIZE], *req;
	size_t len;
	int lfd = fake_listen("wgf");
	struct fake f;

	snprintf(reply, sizeof(reply),
		 "listen_port=4242\npublic_key=%s\nallowed_ip=10.9.9.0/24\nerrno=0\n\n",
		 rep(h, "0f", 32));
	fake_serve(&f, lfd, "get=1\n\n", reply);
	assert_int_equal(wg_backend_get_device(be, "wgf", &got), 0);
	fake_done(&f);
	assert_int_equal(got->listen_port, 4242);
	assert_int_equal(got->n_peers, 1);
	assert_int_equal(got->peers[0].n_allowedips, 1);
	wg_device_free(got);

	/* set: the exact request goes out; the server's errno comes back. */
	dev = wg_device_new("wgf");
	dev->listen_port = 1;
	dev->flags = WG_DEV_HAS_LISTEN_PORT;
	assert_int_equal(wg_uapi_format_set(dev, &req, &len), 0);
	fake_serve(&f, lfd, req, "errno=-22\n\n");
	assert_int_equal(wg_backend_set_device(be, dev), -EINVAL);
	fake_done(&f);
	fake_serve(&f, lfd, req, "errno=0\n\n");
	assert_int_equal(wg_backend_set_device(be, dev), 0);
	fake_done(&f);
	wg_uapi_request_free(req, len);

	/* The server hangs up mid-reply. */
	fake_serve(&f, lfd, "get=1\n\n", "listen_port=1\n");
	assert_int_equal(wg_backend_get_device(be, "wgf", &got), -EPROTO);
	assert_null(got);
	fake_done(&f);
	wg_device_free(dev);
	close(lfd);
}

static void test_fake_timeout_and_stale(void **state)
{
	struct wg_backend *be = *state;
	struct wg_device *got;
	char path[128];
	int lfd = fake_listen("wgs");
	int64_t t0;
	struct timespec ts;

	/* Nobody ever accepts or answers: the deadline ends the wait. */
	clock_gettime(CLOCK_MONOTONIC, &ts);
	t0 = ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	assert_int_equal(wg_backend_get_device(be, "wgs", &got), -ETIMEDOUT);
	clock_gettime(CLOCK_MONOTONIC, &ts);
	assert_true(ts.tv_sec * 1000 + ts.tv_nsec / 1000000 - t0 < 2000);
	assert_true(in_list_dir(be, "wgs"));
	close(lfd);

	/* Its socket file is now stale: reported absent and cleaned up. */
	snprintf(path, sizeof(path), "%s/wgs.sock", fake_dir);
	assert_int_equal(access(path, F_OK), 0);
	assert_int_equal(wg_backend_get_device(be, "wgs", &got), -ENODEV);
	assert_int_equal(access(path, F_OK), -1);
	assert_false(in_list_dir(be, "wgs"));

	/* A regular file where the socket should be. */
	close(open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0600));
	assert_int_equal(wg_backend_get_device(be, "wgs", &got), -ENOTSOCK);
	unlink(path);
}

/* ---------- end to end against wireguard-go ---------- */

static struct {
	bool ok;
	int root_ns; /* the test's own namespace, to come back to */
	struct wg_backend *be;
} env = {.root_ns = -1};

static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
	char cmd[1024];
	va_list ap;
	int st;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	st = system(cmd);
	return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static bool have_wireguard_go(void)
{
	return sh("command -v wireguard-go >/dev/null 2>&1") == 0;
}

static int ns_setup(void **state)
{
	(void)state;
	if (geteuid() != 0 || !have_wireguard_go())
		return 0;
	if (unshare(CLONE_NEWNET | CLONE_NEWNS) < 0)
		return 0;
	/* From here on failures are real failures. The type string is
	 * ignored for a propagation change; "none" rather than NULL only
	 * keeps valgrind from flagging the NULL pointer. */
	if (mount(NULL, "/", "none", MS_REC | MS_PRIVATE, NULL) < 0 ||
	    mount("tmpfs", "/run", "tmpfs", 0, "mode=0755") < 0 ||
	    mkdir("/run/wireguard", 0755) < 0 ||
	    mount("tmpfs", "/var/run/wireguard", "tmpfs", 0, "mode=0755") < 0 ||
	    mkdir("/run/netns", 0755) < 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) < 0)
		return -1;
	env.root_ns = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
	if (env.root_ns < 0 || sh("ip link set lo up") != 0)
		return -1;
	if (wg_uapi_new(NULL, &env.be) < 0)
		return -1;
	env.ok = true;
	return 0;
}

/* Everything that re-parented to us is a wireguard-go we started. */
static void kill_children(void)
{
	struct dirent *ent;
	DIR *dir = opendir("/proc");
	int i;

	while (dir && (ent = readdir(dir))) {
		char path[64], buf[512], *paren;
		int pid = atoi(ent->d_name), ppid = 0;
		FILE *f;

		if (pid <= 0)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/stat", pid);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(buf, sizeof(buf), f) && (paren = strrchr(buf, ')')))
			sscanf(paren + 2, "%*c %d", &ppid);
		fclose(f);
		if (ppid == getpid())
			kill(pid, SIGKILL);
	}
	if (dir)
		closedir(dir);
	for (i = 0; i < 200 && waitpid(-1, NULL, WNOHANG) >= 0; i++)
		usleep(10000);
}

static void ns_cleanup(void)
{
	if (env.root_ns >= 0)
		setns(env.root_ns, CLONE_NEWNET);
	sh("ip netns del kldA 2>/dev/null; ip netns del kldB 2>/dev/null; true");
	kill_children();
}

static int ns_teardown(void **state)
{
	(void)state;
	if (env.ok)
		ns_cleanup();
	wg_backend_free(env.be);
	env.be = NULL;
	if (env.root_ns >= 0)
		close(env.root_ns);
	env.root_ns = -1;
	return 0;
}

static int test_cleanup(void **state)
{
	(void)state;
	if (env.ok)
		ns_cleanup();
	return 0;
}

static int cmp_prefix(const void *a, const void *b)
{
	return kld_prefix_cmp(a, b);
}

/* Allowed-ips as sets: implementations report them in trie order. */
static void assert_aips_equal(const struct wg_peer *a, const struct wg_peer *b)
{
	struct kld_prefix *x, *y;
	size_t i, n = a->n_allowedips;

	assert_int_equal(n, b->n_allowedips);
	x = calloc(n + 1, sizeof(*x));
	y = calloc(n + 1, sizeof(*y));
	memcpy(x, a->allowedips, n * sizeof(*x));
	memcpy(y, b->allowedips, n * sizeof(*y));
	qsort(x, n, sizeof(*x), cmp_prefix);
	qsort(y, n, sizeof(*y), cmp_prefix);
	for (i = 0; i < n; i++)
		assert_true(kld_prefix_eq(&x[i], &y[i]));
	free(x);
	free(y);
}

static void assert_peer_matches(const struct wg_device *got, const struct wg_peer *want)
{
	const struct wg_peer *p = wg_device_find_peer(got, want->public_key);

	assert_non_null(p);
	assert_int_equal(p->flags & WG_PEER_HAS_PRESHARED_KEY,
			 want->flags & WG_PEER_HAS_PRESHARED_KEY);
	if (want->flags & WG_PEER_HAS_PRESHARED_KEY)
		assert_memory_equal(p->preshared_key, want->preshared_key, WG_KEY_SIZE);
	assert_true(wg_endpoint_eq(&p->endpoint, &want->endpoint));
	assert_int_equal(p->keepalive, want->keepalive);
	assert_aips_equal(p, want);
	assert_int_equal(p->stats.protocol_version, 1);
}

static struct wg_peer *new_peer(struct wg_device *dev, uint8_t priv_out[WG_KEY_SIZE])
{
	uint8_t priv[WG_KEY_SIZE], pub[WG_KEY_SIZE];

	assert_int_equal(wg_key_generate_private(priv), 0);
	assert_int_equal(wg_key_public(pub, priv), 0);
	if (priv_out)
		memcpy(priv_out, priv, WG_KEY_SIZE);
	wg_key_wipe(priv, sizeof(priv));
	return wg_device_add_peer(dev, pub);
}

/* Split "a\tb\t..." in place. */
static int split_tabs(char *line, char **f, int max)
{
	int n = 0;

	line[strcspn(line, "\n")] = '\0';
	while (n < max) {
		f[n++] = line;
		line = strchr(line, '\t');
		if (!line)
			break;
		*line++ = '\0';
	}
	return n;
}

static bool aips_text_matches(const char *text, const struct wg_peer *peer)
{
	char buf[512], *tok, *save;
	size_t i, n = 0;

	snprintf(buf, sizeof(buf), "%s", text);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		struct kld_prefix p;
		bool found = false;

		if (kld_prefix_parse(tok, &p, true) < 0)
			return false;
		for (i = 0; i < peer->n_allowedips; i++)
			found |= kld_prefix_eq(&p, &peer->allowedips[i]);
		if (!found)
			return false;
		n++;
	}
	return n == peer->n_allowedips;
}

/* `wg show IF dump` as the judge of what the device holds. */
static void check_wg_dump(const char *ifname, const struct wg_device *want)
{
	char cmd[128], line[1024], b64[WG_KEY_B64_SIZE], ep[WG_ENDPOINT_STRLEN], *f[16];
	uint8_t pub[WG_KEY_SIZE];
	size_t peers = 0;
	FILE *p;
	int n;

	snprintf(cmd, sizeof(cmd), "wg show %s dump", ifname);
	p = popen(cmd, "r");
	assert_non_null(p);
	assert_non_null(fgets(line, sizeof(line), p));
	n = split_tabs(line, f, 16);
	assert_int_equal(n, 4);
	wg_key_to_base64(b64, want->private_key);
	assert_string_equal(f[0], b64);
	assert_int_equal(wg_key_public(pub, want->private_key), 0);
	wg_key_to_base64(b64, pub);
	assert_string_equal(f[1], b64);
	assert_int_equal(atoi(f[2]), want->listen_port);
	assert_string_equal(f[3], "off");
	while (fgets(line, sizeof(line), p)) {
		const struct wg_peer *peer = NULL;
		uint8_t key[WG_KEY_SIZE];

		n = split_tabs(line, f, 16);
		assert_int_equal(n, 8);
		assert_int_equal(wg_key_from_base64(key, f[0]), 0);
		peer = wg_device_find_peer(want, key);
		assert_non_null(peer);
		if (peer->flags & WG_PEER_HAS_PRESHARED_KEY) {
			wg_key_to_base64(b64, peer->preshared_key);
			assert_string_equal(f[1], b64);
		} else {
			assert_string_equal(f[1], "(none)");
		}
		assert_string_equal(f[2], wg_endpoint_fmt(&peer->endpoint, ep, sizeof(ep)));
		assert_true(aips_text_matches(f[3], peer));
		if (peer->keepalive)
			assert_int_equal(atoi(f[7]), peer->keepalive);
		else
			assert_string_equal(f[7], "off");
		peers++;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(peers, want->n_peers);
}

static bool in_list(struct wg_backend *be, const char *name)
{
	return in_list_dir(be, name);
}

static bool in_list_dir(struct wg_backend *be, const char *name)
{
	struct wg_ifnames l;
	bool found = false;
	size_t i;

	assert_int_equal(wg_backend_list_interfaces(be, &l), 0);
	for (i = 0; i < l.n; i++)
		found |= !strcmp(l.names[i], name);
	wg_ifnames_free(&l);
	return found;
}

static void test_wireguard_go_device(void **state)
{
	struct wg_backend *be = env.be;
	struct wg_device *want, *got, *op;
	struct wg_peer *a, *b, *c;
	uint8_t pub[WG_KEY_SIZE];
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(51999)};
	int status, busy;
	pid_t pid;

	(void)state;
	if (!env.ok)
		skip();

	/* Create: wireguard-go starts, its socket and tun device appear. */
	assert_int_equal(wg_backend_add_interface(be, "wgt0"), 0);
	assert_true(if_nametoindex("wgt0") > 0);
	assert_int_equal(access("/var/run/wireguard/wgt0.sock", F_OK), 0);
	assert_true(in_list(be, "wgt0"));
	assert_int_equal(wg_backend_add_interface(be, "wgt0"), -EEXIST);
	pid = wg_uapi_server_pid(be, "wgt0");
	assert_true(pid > 0);

	/* Program: key, port, two peers with PSK, endpoints, allowed-ips. */
	want = wg_device_new("wgt0");
	assert_int_equal(wg_key_generate_private(want->private_key), 0);
	want->listen_port = 51820;
	want->flags = WG_DEV_HAS_PRIVATE_KEY | WG_DEV_HAS_LISTEN_PORT;
	a = new_peer(want, NULL);
	assert_int_equal(wg_key_generate_preshared(a->preshared_key), 0);
	a->flags |= WG_PEER_HAS_PRESHARED_KEY | WG_PEER_HAS_KEEPALIVE;
	a->keepalive = 25;
	set_ep(a, "192.0.2.1:51821");
	add_aip(a, "10.1.0.0/24");
	add_aip(a, "10.1.1.1/32");
	b = new_peer(want, NULL);
	assert_int_equal(wg_key_generate_preshared(b->preshared_key), 0);
	b->flags |= WG_PEER_HAS_PRESHARED_KEY;
	set_ep(b, "[2001:db8::2]:51822");
	add_aip(b, "fd00:2::/64");
	add_aip(b, "10.2.0.0/16");
	assert_int_equal(wg_backend_set_device(be, want), 0);

	/* Read back and compare. */
	assert_int_equal(wg_backend_get_device(be, "wgt0", &got), 0);
	assert_string_equal(got->name, "wgt0");
	assert_int_equal(got->ifindex, if_nametoindex("wgt0"));
	assert_true(got->flags & WG_DEV_HAS_PRIVATE_KEY);
	assert_true(got->flags & WG_DEV_HAS_PUBLIC_KEY);
	assert_memory_equal(got->private_key, want->private_key, WG_KEY_SIZE);
	assert_int_equal(wg_key_public(pub, want->private_key), 0);
	assert_memory_equal(got->public_key, pub, WG_KEY_SIZE);
	assert_int_equal(got->listen_port, 51820);
	assert_int_equal(got->n_peers, 2);
	assert_peer_matches(got, &want->peers[0]);
	assert_peer_matches(got, &want->peers[1]);
	wg_device_free(got);
	check_wg_dump("wgt0", want);

	/* update_only does not create a peer. */
	op = wg_device_new("wgt0");
	c = new_peer(op, NULL);
	c->flags = WG_PEER_UPDATE_ONLY;
	add_aip(c, "10.3.0.0/16");
	assert_int_equal(wg_backend_set_device(be, op), 0);
	assert_int_equal(wg_backend_get_device(be, "wgt0", &got), 0);
	assert_int_equal(got->n_peers, 2);
	assert_null(wg_device_find_peer(got, c->public_key));
	wg_device_free(got);
	wg_device_free(op);

	/* Remove peer A; B keeps its endpoint, PSK and allowed-ips. */
	op = wg_device_new("wgt0");
	c = wg_device_add_peer(op, want->peers[0].public_key);
	c->flags = WG_PEER_REMOVE;
	assert_int_equal(wg_backend_set_device(be, op), 0);
	wg_device_free(op);
	assert_int_equal(wg_backend_get_device(be, "wgt0", &got), 0);
	assert_int_equal(got->n_peers, 1);
	assert_null(wg_device_find_peer(got, want->peers[0].public_key));
	assert_peer_matches(got, &want->peers[1]);
	wg_device_free(got);

	/* replace_allowed_ips on B leaves exactly the new set. */
	op = wg_device_new("wgt0");
	c = wg_device_add_peer(op, want->peers[1].public_key);
	c->flags = WG_PEER_REPLACE_ALLOWEDIPS | WG_PEER_UPDATE_ONLY;
	add_aip(c, "10.20.0.0/16");
	assert_int_equal(wg_backend_set_device(be, op), 0);
	assert_int_equal(wg_backend_get_device(be, "wgt0", &got), 0);
	assert_int_equal(got->n_peers, 1);
	assert_aips_equal(&got->peers[0], c);
	assert_true(wg_endpoint_eq(&got->peers[0].endpoint, &want->peers[1].endpoint));
	wg_device_free(got);
	wg_device_free(op);

	/* An error from the implementation comes back as its errno. */
	busy = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_true(busy >= 0);
	assert_int_equal(bind(busy, (struct sockaddr *)&sin, sizeof(sin)), 0);
	op = wg_device_new("wgt0");
	op->listen_port = 51999;
	op->flags = WG_DEV_HAS_LISTEN_PORT;
	assert_int_equal(wg_backend_set_device(be, op), -EADDRINUSE);
	close(busy);
	wg_device_free(op);

	/* Delete: the process exits, the tun device and socket go away. */
	assert_int_equal(wg_backend_del_interface(be, "wgt0"), 0);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_int_equal(kill(pid, 0), -1);
	assert_int_equal(if_nametoindex("wgt0"), 0);
	assert_int_equal(access("/var/run/wireguard/wgt0.sock", F_OK), -1);
	assert_false(in_list(be, "wgt0"));
	assert_int_equal(wg_backend_get_device(be, "wgt0", &got), -ENODEV);
	assert_int_equal(wg_backend_del_interface(be, "wgt0"), -ENODEV);
	wg_device_free(want);
}

/* 1,000 peers x 3 allowed-ips: a ~200 KB request and reply, so both
 * directions go through many partial writes and reads. */
static void test_many_peers(void **state)
{
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(51998)};
	struct wg_device *want, *got;
	char buf[64];
	size_t i;
	pid_t pid;
	int busy;

	(void)state;
	if (!env.ok)
		skip();
	assert_int_equal(wg_backend_add_interface(env.be, "wgt1"), 0);
	pid = wg_uapi_server_pid(env.be, "wgt1");
	assert_true(pid > 0);
	want = wg_device_new("wgt1");
	assert_int_equal(wg_key_generate_private(want->private_key), 0);
	want->flags = WG_DEV_HAS_PRIVATE_KEY | WG_DEV_REPLACE_PEERS;
	for (i = 0; i < 1000; i++) {
		struct wg_peer *p = new_peer(want, NULL);

		snprintf(buf, sizeof(buf), "10.%zu.%zu.0/24", i / 250, i % 250);
		add_aip(p, buf);
		snprintf(buf, sizeof(buf), "172.16.%zu.%zu/32", i / 250, i % 250);
		add_aip(p, buf);
		snprintf(buf, sizeof(buf), "fd00:%zx::/64", i);
		add_aip(p, buf);
		snprintf(buf, sizeof(buf), "192.0.2.%zu:%zu", i % 250 + 1, 10000 + i);
		set_ep(p, buf);
	}
	assert_int_equal(wg_backend_set_device(env.be, want), 0);
	assert_int_equal(wg_backend_get_device(env.be, "wgt1", &got), 0);
	assert_int_equal(got->n_peers, 1000);
	for (i = 0; i < 1000; i++)
		assert_peer_matches(got, &want->peers[i]);
	wg_device_free(got);

	/* A request far larger than the socket buffers that fails on its
	 * first line: wireguard-go answers and hangs up without reading the
	 * rest, and its errno must still be what we report. */
	for (i = 0; i < 3000; i++)
		add_aip(new_peer(want, NULL), "10.200.0.0/16");
	want->listen_port = 51998;
	want->flags |= WG_DEV_HAS_LISTEN_PORT;
	busy = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	assert_int_equal(bind(busy, (struct sockaddr *)&sin, sizeof(sin)), 0);
	assert_int_equal(wg_backend_set_device(env.be, want), -EADDRINUSE);
	close(busy);

	assert_int_equal(wg_backend_del_interface(env.be, "wgt1"), 0);
	assert_int_equal(waitpid(pid, NULL, 0), pid);
	wg_device_free(want);
}

static int open_ns(const char *name)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

/* Create an interface from inside a namespace: the implementation's tun
 * device is born in the namespace of the process that starts it. */
static void add_in(int nsfd, const char *ifname)
{
	assert_int_equal(setns(nsfd, CLONE_NEWNET), 0);
	assert_int_equal(wg_backend_add_interface(env.be, ifname), 0);
	assert_true(if_nametoindex(ifname) > 0);
	assert_int_equal(setns(env.root_ns, CLONE_NEWNET), 0);
}

static void del_in(int nsfd, const char *ifname)
{
	assert_int_equal(setns(nsfd, CLONE_NEWNET), 0);
	assert_int_equal(wg_backend_del_interface(env.be, ifname), 0);
	assert_int_equal(if_nametoindex(ifname), 0);
	assert_int_equal(setns(env.root_ns, CLONE_NEWNET), 0);
}

static struct wg_device *tunnel_end(const char *name, const uint8_t priv[WG_KEY_SIZE],
				    const uint8_t peer_pub[WG_KEY_SIZE], const char *endpoint,
				    const char *peer_ip, const uint8_t psk[WG_KEY_SIZE])
{
	struct wg_device *dev = wg_device_new(name);
	struct wg_peer *p;

	memcpy(dev->private_key, priv, WG_KEY_SIZE);
	dev->listen_port = 51820;
	dev->flags = WG_DEV_HAS_PRIVATE_KEY | WG_DEV_HAS_LISTEN_PORT | WG_DEV_REPLACE_PEERS;
	p = wg_device_add_peer(dev, peer_pub);
	memcpy(p->preshared_key, psk, WG_KEY_SIZE);
	p->flags = WG_PEER_HAS_PRESHARED_KEY;
	set_ep(p, endpoint);
	add_aip(p, peer_ip);
	return dev;
}

static void test_tunnel_ping(void **state)
{
	uint8_t ka[32], kb[32], pa[32], pb[32], psk[32], wrong[32];
	struct wg_device *da, *db, *got;
	int fa, fb;

	(void)state;
	if (!env.ok)
		skip();
	assert_int_equal(sh("ip netns add kldA && ip netns add kldB"), 0);
	fa = open_ns("kldA");
	fb = open_ns("kldB");
	assert_int_equal(sh("ip link add va netns kldA type veth peer name vb netns kldB"), 0);
	assert_int_equal(sh("ip -n kldA link set lo up && ip -n kldA addr add 10.99.0.1/24 dev va"
			    " && ip -n kldA link set va up"),
			 0);
	assert_int_equal(sh("ip -n kldB link set lo up && ip -n kldB addr add 10.99.0.2/24 dev vb"
			    " && ip -n kldB link set vb up"),
			 0);

	add_in(fa, "wga");
	add_in(fb, "wgb");
	assert_int_equal(
	    sh("ip -n kldA addr add 10.100.0.1/24 dev wga && ip -n kldA link set wga up"), 0);
	assert_int_equal(
	    sh("ip -n kldB addr add 10.100.0.2/24 dev wgb && ip -n kldB link set wgb up"), 0);

	assert_int_equal(wg_key_generate_private(ka), 0);
	assert_int_equal(wg_key_generate_private(kb), 0);
	assert_int_equal(wg_key_public(pa, ka), 0);
	assert_int_equal(wg_key_public(pb, kb), 0);
	assert_int_equal(wg_key_generate_preshared(psk), 0);
	assert_int_equal(wg_key_generate_private(wrong), 0);
	assert_int_equal(wg_key_public(wrong, wrong), 0);

	/* Control: B knows a wrong key for A, so no tunnel. */
	da = tunnel_end("wga", ka, pb, "10.99.0.2:51820", "10.100.0.2/32", psk);
	db = tunnel_end("wgb", kb, wrong, "10.99.0.1:51820", "10.100.0.1/32", psk);
	assert_int_equal(wg_backend_set_device(env.be, da), 0);
	assert_int_equal(wg_backend_set_device(env.be, db), 0);
	assert_int_not_equal(sh("ip netns exec kldA ping -c 1 -W 1 10.100.0.2 >/dev/null 2>&1"), 0);

	/* Right key (replace_peers drops the wrong one): traffic flows. */
	wg_device_free(db);
	db = tunnel_end("wgb", kb, pa, "10.99.0.1:51820", "10.100.0.1/32", psk);
	assert_int_equal(wg_backend_set_device(env.be, db), 0);
	assert_int_equal(sh("ip netns exec kldA ping -c 3 -i 0.2 -w 10 10.100.0.2 >/dev/null"), 0);
	assert_int_equal(sh("ip netns exec kldB ping -c 1 -w 5 10.100.0.1 >/dev/null"), 0);

	/* Statistics read back through the UAPI reflect the handshake. */
	assert_int_equal(wg_backend_get_device(env.be, "wgb", &got), 0);
	assert_int_equal(got->n_peers, 1);
	assert_memory_equal(got->peers[0].public_key, pa, 32);
	assert_true(got->peers[0].stats.last_handshake_sec > 0);
	assert_true(got->peers[0].stats.rx_bytes > 0);
	assert_true(got->peers[0].stats.tx_bytes > 0);
	wg_device_free(got);

	del_in(fa, "wga");
	del_in(fb, "wgb");
	close(fa);
	close(fb);
	wg_device_free(da);
	wg_device_free(db);
	assert_int_equal(sh("ip netns del kldA && ip netns del kldB"), 0);
}

int main(void)
{
	const struct CMUnitTest codec[] = {
	    cmocka_unit_test(test_format_set),	  cmocka_unit_test(test_parse_get),
	    cmocka_unit_test(test_parse_errors),  cmocka_unit_test(test_endpoint),
	    cmocka_unit_test(test_config_checks),
	};
	const struct CMUnitTest fake[] = {
	    cmocka_unit_test(test_fake_partial_io),
	    cmocka_unit_test(test_fake_timeout_and_stale),
	};
	const struct CMUnitTest live[] = {
	    cmocka_unit_test_teardown(test_wireguard_go_device, test_cleanup),
	    cmocka_unit_test_teardown(test_many_peers, test_cleanup),
	    cmocka_unit_test_teardown(test_tunnel_ping, test_cleanup),
	};
	int failed;

	if (wg_key_init() < 0)
		return 1;
	failed = cmocka_run_group_tests_name("wg_uapi codec", codec, NULL, NULL);
	failed += cmocka_run_group_tests_name("wg_uapi sockets", fake, fake_setup, fake_teardown);
	failed += cmocka_run_group_tests_name("wg_uapi wireguard-go", live, ns_setup, ns_teardown);
	return failed;
}
