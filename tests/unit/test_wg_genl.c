/*
 * zebra-lite/wg_genl codec: SET_DEVICE batches split the way the kernel
 * requires and decode back to the input; a hand-built GET_DEVICE dump
 * (two messages, one peer continued across them) decodes and coalesces.
 * Pure: no WireGuard module needed.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <arpa/inet.h>
#include <net/if.h>
#include <cmocka.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/wireguard.h>

#include "zebra-lite/wg_genl.h"

#define FAMILY 0x1234

static void fill_key(uint8_t k[WG_KEY_SIZE], unsigned seed)
{
	unsigned i;

	for (i = 0; i < WG_KEY_SIZE; i++)
		k[i] = (uint8_t)(seed * 131 + i * 17 + (seed >> 8));
	/* Distinct per seed even in the first bytes. */
	k[0] = (uint8_t)seed;
	k[1] = (uint8_t)(seed >> 8);
}

/* 1,000 peers with three allowed-ips each, every optional field used. */
static struct wg_device *big_device(size_t n_peers, size_t n_aips)
{
	struct wg_device *dev = wg_device_new("wg-big");
	size_t i, j;

	assert_non_null(dev);
	fill_key(dev->private_key, 7777);
	dev->listen_port = 51820;
	dev->fwmark = 0x42;
	dev->flags = WG_DEV_HAS_PRIVATE_KEY | WG_DEV_HAS_LISTEN_PORT | WG_DEV_HAS_FWMARK |
		     WG_DEV_REPLACE_PEERS;
	for (i = 0; i < n_peers; i++) {
		uint8_t key[WG_KEY_SIZE];
		struct wg_peer *peer;

		fill_key(key, (unsigned)i + 1);
		peer = wg_device_add_peer(dev, key);
		if (i % 3 == 0) {
			fill_key(peer->preshared_key, (unsigned)i + 5000);
			peer->flags |= WG_PEER_HAS_PRESHARED_KEY;
		}
		if (i % 2 == 0) {
			peer->endpoint.in4.sin_family = AF_INET;
			peer->endpoint.in4.sin_port = htons((uint16_t)(1000 + i));
			peer->endpoint.in4.sin_addr.s_addr = htonl(0xc0000200u + (uint32_t)i);
		} else {
			peer->endpoint.in6.sin6_family = AF_INET6;
			peer->endpoint.in6.sin6_port = htons((uint16_t)(2000 + i));
			inet_pton(AF_INET6, "2001:db8::1", &peer->endpoint.in6.sin6_addr);
			peer->endpoint.in6.sin6_addr.s6_addr[14] = (uint8_t)(i >> 8);
			peer->endpoint.in6.sin6_addr.s6_addr[15] = (uint8_t)i;
		}
		if (i % 5 == 0) {
			peer->keepalive = 25;
			peer->flags |= WG_PEER_HAS_KEEPALIVE;
		}
		if (i % 7 == 0)
			peer->flags |= WG_PEER_REPLACE_ALLOWEDIPS;
		if (i % 11 == 0)
			peer->flags |= WG_PEER_UPDATE_ONLY;
		for (j = 0; j < n_aips; j++) {
			struct kld_prefix p = {0};
			uint32_t a = htonl(0x0a000000u | (uint32_t)(i << 8) | (uint32_t)j);

			if (j % 3 == 2) {
				uint8_t v6[16] = {0xfd,
						  0,
						  0,
						  0,
						  0,
						  0,
						  (uint8_t)(i >> 8),
						  (uint8_t)i,
						  (uint8_t)(j >> 8),
						  (uint8_t)j};

				assert_int_equal(kld_prefix_set(&p, AF_INET6, v6, 80), 0);
			} else {
				assert_int_equal(kld_prefix_set(&p, AF_INET, &a, 32), 0);
			}
			wg_peer_add_allowedip(peer, &p);
		}
	}
	return dev;
}

static void assert_peer_equal(const struct wg_peer *a, const struct wg_peer *b)
{
	size_t j;

	assert_memory_equal(a->public_key, b->public_key, WG_KEY_SIZE);
	assert_int_equal(a->flags, b->flags);
	if (a->flags & WG_PEER_HAS_PRESHARED_KEY)
		assert_memory_equal(a->preshared_key, b->preshared_key, WG_KEY_SIZE);
	assert_true(wg_endpoint_eq(&a->endpoint, &b->endpoint));
	assert_int_equal(a->keepalive, b->keepalive);
	assert_int_equal(a->n_allowedips, b->n_allowedips);
	for (j = 0; j < a->n_allowedips; j++)
		assert_true(kld_prefix_eq(&a->allowedips[j], &b->allowedips[j]));
}

static void assert_device_equal(const struct wg_device *a, const struct wg_device *b)
{
	size_t i;

	assert_string_equal(a->name, b->name);
	assert_int_equal(a->flags, b->flags);
	assert_memory_equal(a->private_key, b->private_key, WG_KEY_SIZE);
	assert_int_equal(a->listen_port, b->listen_port);
	assert_int_equal(a->fwmark, b->fwmark);
	assert_int_equal(a->n_peers, b->n_peers);
	for (i = 0; i < a->n_peers; i++)
		assert_peer_equal(&a->peers[i], &b->peers[i]);
}

static const struct nlmsghdr *msg_hdr(const struct wg_genl_msg *m)
{
	return (const struct nlmsghdr *)m->buf;
}

/* Structural checks on each message of a batch, then a full decode.
 * Returns how many messages began by continuing a cut peer. */
static size_t check_batch(const struct wg_device *dev, const struct wg_genl_batch *b, size_t limit)
{
	struct wg_device *all = wg_device_new("placeholder");
	size_t i, continued = 0;

	assert_non_null(all);
	for (i = 0; i < b->n; i++) {
		const struct nlmsghdr *nlh = msg_hdr(&b->msgs[i]);
		const struct genlmsghdr *genl = mnl_nlmsg_get_payload(nlh);
		struct wg_device *one = wg_device_new("placeholder");

		assert_true(b->msgs[i].len <= limit);
		assert_int_equal(nlh->nlmsg_len, b->msgs[i].len);
		assert_int_equal(nlh->nlmsg_type, FAMILY);
		assert_int_equal(nlh->nlmsg_flags, NLM_F_REQUEST | NLM_F_ACK);
		assert_int_equal(genl->cmd, WG_CMD_SET_DEVICE);
		assert_int_equal(genl->version, WG_GENL_VERSION);
		assert_true(mnl_nlmsg_ok(nlh, (int)b->msgs[i].len));

		/* Every message names the device; only the first carries the
		 * device attributes and REPLACE_PEERS. */
		assert_int_equal(wg_genl_decode(nlh, one), 0);
		assert_string_equal(one->name, dev->name);
		if (i == 0)
			assert_int_equal(one->flags, dev->flags);
		else
			assert_int_equal(one->flags, 0);
		/* A fragment that continues the previous message's last peer
		 * carries only allowed-ips and UPDATE_ONLY. */
		if (i > 0 && one->n_peers && all->n_peers) {
			const struct wg_peer *prev = &all->peers[all->n_peers - 1];
			const struct wg_peer *first = &one->peers[0];

			if (!memcmp(prev->public_key, first->public_key, WG_KEY_SIZE)) {
				continued++;
				assert_int_equal(first->flags, WG_PEER_UPDATE_ONLY);
				assert_int_equal(first->endpoint.sa.sa_family, 0);
				assert_true(first->n_allowedips > 0);
			}
		}
		wg_device_free(one);
		assert_int_equal(wg_genl_decode(nlh, all), 0);
	}
	assert_device_equal(dev, all);
	wg_device_free(all);
	return continued;
}

static void test_split_1000_peers(void **state)
{
	struct wg_device *dev = big_device(1000, 3);
	struct wg_genl_batch b;
	size_t limit = (size_t)MNL_SOCKET_BUFFER_SIZE;

	(void)state;
	assert_int_equal(wg_genl_encode_set(dev, FAMILY, 0, &b), 0);
	/* ~1000 peers of ~200 bytes cannot fit a page: really split. */
	assert_true(b.n > 10);
	check_batch(dev, &b, limit);
	wg_genl_batch_free(&b);
	assert_null(b.msgs);

	/* A tight limit forces peers to be cut inside their allowed-ips. */
	assert_int_equal(wg_genl_encode_set(dev, FAMILY, 200, &b), 0);
	assert_true(b.n > 1000);
	assert_true(check_batch(dev, &b, 200) > 500);
	wg_genl_batch_free(&b);
	wg_device_free(dev);
}

/* One peer with more allowed-ips than any message holds. */
static void test_split_inside_peer(void **state)
{
	struct wg_device *dev = big_device(2, 700);
	struct wg_genl_batch b;
	size_t i, fragments = 0;

	(void)state;
	assert_int_equal(wg_genl_encode_set(dev, FAMILY, 4096, &b), 0);
	assert_true(b.n >= 5);
	for (i = 1; i < b.n; i++) {
		struct wg_device *one = wg_device_new("x");

		assert_int_equal(wg_genl_decode(msg_hdr(&b.msgs[i]), one), 0);
		if (one->n_peers && one->peers[0].flags == WG_PEER_UPDATE_ONLY)
			fragments++;
		wg_device_free(one);
	}
	assert_true(fragments >= 3);
	assert_int_equal(check_batch(dev, &b, 4096), fragments);
	wg_genl_batch_free(&b);
	wg_device_free(dev);
}

static void test_small_cases(void **state)
{
	struct wg_device *dev = wg_device_new("wg0");
	struct wg_genl_batch b;
	struct wg_peer *peer;
	uint8_t key[WG_KEY_SIZE];
	struct kld_prefix bad = {0};

	(void)state;
	/* No peers, no attributes: one message, just the name. */
	assert_int_equal(wg_genl_encode_set(dev, FAMILY, 0, &b), 0);
	assert_int_equal(b.n, 1);
	check_batch(dev, &b, 4096);
	wg_genl_batch_free(&b);

	/* A removed peer carries only its key and the flag. */
	fill_key(key, 9);
	peer = wg_device_add_peer(dev, key);
	peer->flags = WG_PEER_REMOVE;
	assert_int_equal(wg_genl_encode_set(dev, FAMILY, 0, &b), 0);
	assert_int_equal(b.n, 1);
	check_batch(dev, &b, 4096);
	wg_genl_batch_free(&b);

	/* A limit too small for any progress is refused, not looped on. */
	assert_int_equal(wg_genl_encode_set(dev, FAMILY, 40, &b), -EMSGSIZE);
	assert_int_equal(wg_genl_encode_set(dev, FAMILY, 8, &b), -EMSGSIZE);
	assert_int_equal(b.n, 0);

	/* Invalid allowed-ips and endpoints are rejected up front. */
	peer->flags = 0;
	bad.family = AF_INET;
	bad.len = 33;
	wg_peer_add_allowedip(peer, &bad);
	assert_int_equal(wg_genl_encode_set(dev, FAMILY, 0, &b), -EINVAL);
	peer->n_allowedips = 0;
	peer->endpoint.sa.sa_family = AF_UNIX;
	assert_int_equal(wg_genl_encode_set(dev, FAMILY, 0, &b), -EINVAL);
	wg_device_free(dev);
}

/* --- GET_DEVICE replies built by hand, as the kernel would send them --- */

static struct nlmsghdr *get_header(uint8_t *buf)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = FAMILY;
	nlh->nlmsg_flags = NLM_F_MULTI;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = WG_CMD_GET_DEVICE;
	genl->version = WG_GENL_VERSION;
	return nlh;
}

static void put_aip(struct nlmsghdr *nlh, uint16_t family, const char *addr, uint8_t cidr)
{
	uint8_t bytes[16];
	struct nlattr *n = mnl_attr_nest_start(nlh, 0);

	assert_int_equal(inet_pton(family, addr, bytes), 1);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, family);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, family == AF_INET ? 4 : 16, bytes);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, cidr);
	mnl_attr_nest_end(nlh, n);
}

static void test_decode_get_reply(void **state)
{
	uint8_t buf1[2048] = {0}, buf2[2048] = {0};
	uint8_t priv[32], pub[32], k1[32], k2[32], psk[32];
	struct nlmsghdr *nlh;
	struct nlattr *peers, *peer, *aips;
	struct sockaddr_in6 sin6 = {.sin6_family = AF_INET6, .sin6_port = htons(51000)};
	struct sockaddr_in sin = {.sin_family = AF_INET, .sin_port = htons(51001)};
	struct {
		int64_t sec, nsec;
	} ts = {1700000000, 123456789};
	struct wg_device *dev = wg_device_new("wg0");
	const struct wg_peer *p;
	char text[KLD_PREFIX_STRLEN], ep[WG_ENDPOINT_STRLEN];

	(void)state;
	fill_key(priv, 1);
	fill_key(pub, 2);
	fill_key(k1, 3);
	fill_key(k2, 4);
	fill_key(psk, 5);
	inet_pton(AF_INET6, "2001:db8::7", &sin6.sin6_addr);
	inet_pton(AF_INET, "198.51.100.9", &sin.sin_addr);

	/* Message 1: device attributes, peer 1 with two allowed-ips. */
	nlh = get_header(buf1);
	mnl_attr_put_u32(nlh, WGDEVICE_A_IFINDEX, 17);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg-get");
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, 32, priv);
	mnl_attr_put(nlh, WGDEVICE_A_PUBLIC_KEY, 32, pub);
	mnl_attr_put_u16(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	mnl_attr_put_u32(nlh, WGDEVICE_A_FWMARK, 0);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	peer = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 32, k1);
	mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, 32, psk);
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(sin6), &sin6);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 25);
	mnl_attr_put(nlh, WGPEER_A_LAST_HANDSHAKE_TIME, sizeof(ts), &ts);
	mnl_attr_put_u64(nlh, WGPEER_A_RX_BYTES, 1234567890123ULL);
	mnl_attr_put_u64(nlh, WGPEER_A_TX_BYTES, 42);
	mnl_attr_put_u32(nlh, WGPEER_A_PROTOCOL_VERSION, 1);
	aips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_aip(nlh, AF_INET, "10.1.0.0", 16);
	put_aip(nlh, AF_INET6, "fd00:1::", 64);
	mnl_attr_nest_end(nlh, aips);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);

	/* Message 2: only the name; peer 1 continued with one more
	 * allowed-ip, then peer 2 (zero preshared key = none). */
	nlh = get_header(buf2);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, "wg-get");
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	peer = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 32, k1);
	aips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	put_aip(nlh, AF_INET, "192.0.2.1", 32);
	mnl_attr_nest_end(nlh, aips);
	mnl_attr_nest_end(nlh, peer);
	peer = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 32, k2);
	memset(psk, 0, sizeof(psk));
	mnl_attr_put(nlh, WGPEER_A_PRESHARED_KEY, 32, psk);
	mnl_attr_put(nlh, WGPEER_A_ENDPOINT, sizeof(sin), &sin);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 0);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);

	assert_int_equal(wg_genl_decode((struct nlmsghdr *)buf1, dev), 0);
	assert_int_equal(wg_genl_decode((struct nlmsghdr *)buf2, dev), 0);

	assert_string_equal(dev->name, "wg-get");
	assert_int_equal(dev->ifindex, 17);
	assert_int_equal(dev->flags, WG_DEV_HAS_PRIVATE_KEY | WG_DEV_HAS_PUBLIC_KEY |
					 WG_DEV_HAS_LISTEN_PORT | WG_DEV_HAS_FWMARK);
	assert_memory_equal(dev->private_key, priv, 32);
	assert_memory_equal(dev->public_key, pub, 32);
	assert_int_equal(dev->listen_port, 51820);
	assert_int_equal(dev->n_peers, 2);

	p = &dev->peers[0];
	assert_memory_equal(p->public_key, k1, 32);
	assert_true(p->flags & WG_PEER_HAS_PRESHARED_KEY);
	fill_key(psk, 5);
	assert_memory_equal(p->preshared_key, psk, 32);
	assert_string_equal(wg_endpoint_fmt(&p->endpoint, ep, sizeof(ep)), "[2001:db8::7]:51000");
	assert_int_equal(p->keepalive, 25);
	assert_int_equal(p->stats.last_handshake_sec, 1700000000);
	assert_int_equal(p->stats.last_handshake_nsec, 123456789);
	assert_int_equal(p->stats.rx_bytes, 1234567890123ULL);
	assert_int_equal(p->stats.tx_bytes, 42);
	assert_int_equal(p->stats.protocol_version, 1);
	assert_int_equal(p->n_allowedips, 3);
	assert_string_equal(kld_prefix_fmt(&p->allowedips[0], text, sizeof(text)), "10.1.0.0/16");
	assert_string_equal(kld_prefix_fmt(&p->allowedips[1], text, sizeof(text)), "fd00:1::/64");
	assert_string_equal(kld_prefix_fmt(&p->allowedips[2], text, sizeof(text)), "192.0.2.1/32");

	p = &dev->peers[1];
	assert_memory_equal(p->public_key, k2, 32);
	assert_false(p->flags & WG_PEER_HAS_PRESHARED_KEY);
	assert_string_equal(wg_endpoint_fmt(&p->endpoint, ep, sizeof(ep)), "198.51.100.9:51001");
	assert_int_equal(p->keepalive, 0);
	assert_int_equal(p->n_allowedips, 0);
	assert_int_equal(p->stats.last_handshake_sec, 0);
	wg_device_free(dev);
}

static void test_decode_malformed(void **state)
{
	uint8_t buf[1024] = {0}, key[32];
	struct nlmsghdr *nlh;
	struct nlattr *peers, *peer, *aips, *aip;
	struct wg_device *dev;

	(void)state;
	fill_key(key, 1);

	/* A peer without a public key. */
	nlh = get_header(buf);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	peer = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u16(nlh, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL, 5);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);
	dev = wg_device_new("wg0");
	assert_int_equal(wg_genl_decode(nlh, dev), -EPROTO);
	wg_device_free(dev);

	/* An IPv4 allowed-ip with a 16-byte address. */
	memset(buf, 0, sizeof(buf));
	nlh = get_header(buf);
	peers = mnl_attr_nest_start(nlh, WGDEVICE_A_PEERS);
	peer = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put(nlh, WGPEER_A_PUBLIC_KEY, 32, key);
	aips = mnl_attr_nest_start(nlh, WGPEER_A_ALLOWEDIPS);
	aip = mnl_attr_nest_start(nlh, 0);
	mnl_attr_put_u16(nlh, WGALLOWEDIP_A_FAMILY, AF_INET);
	mnl_attr_put(nlh, WGALLOWEDIP_A_IPADDR, 16, key);
	mnl_attr_put_u8(nlh, WGALLOWEDIP_A_CIDR_MASK, 24);
	mnl_attr_nest_end(nlh, aip);
	mnl_attr_nest_end(nlh, aips);
	mnl_attr_nest_end(nlh, peer);
	mnl_attr_nest_end(nlh, peers);
	dev = wg_device_new("wg0");
	assert_int_equal(wg_genl_decode(nlh, dev), -EPROTO);
	wg_device_free(dev);

	/* A short key and a port of the wrong width. */
	memset(buf, 0, sizeof(buf));
	nlh = get_header(buf);
	mnl_attr_put(nlh, WGDEVICE_A_PRIVATE_KEY, 31, key);
	dev = wg_device_new("wg0");
	assert_int_equal(wg_genl_decode(nlh, dev), -EPROTO);
	wg_device_free(dev);
	memset(buf, 0, sizeof(buf));
	nlh = get_header(buf);
	mnl_attr_put_u32(nlh, WGDEVICE_A_LISTEN_PORT, 51820);
	dev = wg_device_new("wg0");
	assert_int_equal(wg_genl_decode(nlh, dev), -EPROTO);
	wg_device_free(dev);

	/* Truncated: shorter than the generic netlink header. */
	memset(buf, 0, sizeof(buf));
	nlh = mnl_nlmsg_put_header(buf);
	dev = wg_device_new("wg0");
	assert_int_equal(wg_genl_decode(nlh, dev), -EPROTO);
	wg_device_free(dev);
}

/* On this machine the module may be absent: then the kernel back end
 * must say so cleanly and AUTO must fall back to userspace. */
static void test_backend_choice(void **state)
{
	struct wg_backend_config cfg = {.kind = WG_BACKEND_GENL};
	struct wg_backend *be = NULL;
	uint16_t family;
	int ret;

	(void)state;
	ret = wg_genl_resolve_family(&family);
	if (ret == 0) {
		assert_int_equal(wg_backend_open(&cfg, &be), 0);
		assert_string_equal(wg_backend_kind_name(be), "genl");
		wg_backend_free(be);
		cfg.kind = WG_BACKEND_AUTO;
		assert_int_equal(wg_backend_open(&cfg, &be), 0);
		assert_string_equal(wg_backend_kind_name(be), "genl+uapi");
		wg_backend_free(be);
		return;
	}
	assert_int_equal(ret, -ENOENT);
	assert_int_equal(wg_backend_open(&cfg, &be), -EPROTONOSUPPORT);
	assert_null(be);
	cfg.kind = WG_BACKEND_AUTO;
	assert_int_equal(wg_backend_open(&cfg, &be), 0);
	assert_string_equal(wg_backend_kind_name(be), "uapi");
	wg_backend_free(be);
}

/* The rtnetlink half of the kernel back end runs without the module, in a
 * private network namespace (skipped without root). */
static void test_links(void **state)
{
	struct wg_backend *be;
	struct wg_ifnames l;
	struct wg_device *dev;
	int ret;

	(void)state;
	if (unshare(CLONE_NEWNET) < 0)
		skip();
	assert_int_equal(wg_genl_new_family(0x7ff0, &be), 0);
	assert_int_equal(system("ip link add kv0 type veth peer name kv1"), 0);
	assert_int_equal(be->ops->list_interfaces(be, &l), 0);
	assert_int_equal(l.n, 0);
	wg_ifnames_free(&l);
	assert_false(be->ops->has_interface(be, "kv0"));
	assert_false(be->ops->has_interface(be, "nosuch"));
	/* Not a WireGuard link: never deleted through this back end. */
	assert_int_equal(wg_backend_del_interface(be, "kv0"), -ENODEV);
	assert_true(if_nametoindex("kv0") > 0);
	assert_int_equal(wg_backend_del_interface(be, "nosuch"), -ENODEV);

	ret = wg_backend_add_interface(be, "wgk0");
	if (ret == 0) { /* the module is there after all */
		assert_true(be->ops->has_interface(be, "wgk0"));
		assert_int_equal(be->ops->list_interfaces(be, &l), 0);
		assert_int_equal(l.n, 1);
		assert_string_equal(l.names[0], "wgk0");
		wg_ifnames_free(&l);
		assert_int_equal(wg_backend_del_interface(be, "wgk0"), 0);
	} else {
		assert_int_equal(ret, -EOPNOTSUPP);
	}
	assert_int_equal(if_nametoindex("wgk0"), 0);
	/* A family id nobody registered: errors, not hangs. */
	assert_true(wg_backend_get_device(be, "kv0", &dev) < 0);
	assert_null(dev);
	dev = wg_device_new("kv0");
	assert_true(wg_backend_set_device(be, dev) < 0);
	wg_device_free(dev);
	wg_backend_free(be);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_split_1000_peers),
	    cmocka_unit_test(test_split_inside_peer),
	    cmocka_unit_test(test_small_cases),
	    cmocka_unit_test(test_decode_get_reply),
	    cmocka_unit_test(test_decode_malformed),
	    cmocka_unit_test(test_backend_choice),
	    cmocka_unit_test(test_links),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
