/*
 * WireGuard kernel back end: generic netlink family "wireguard" on libmnl.
 *
 * The codec is split from the socket code so it is tested without the
 * module. Encoding follows the kernel's rules for configurations larger
 * than one message (see the comment in linux/wireguard.h):
 *   - every message names the device (WGDEVICE_A_IFNAME);
 *   - only the first carries device attributes and WGDEVICE_F_REPLACE_PEERS,
 *     so the peer list is cleared once and then appended to;
 *   - peers fill each message in order; a peer whose allowed-ips overflow
 *     is closed and repeated at the start of the next message with just its
 *     public key and the remaining allowed-ips. Those continuation
 *     fragments always carry WGPEER_F_UPDATE_ONLY: the first fragment has
 *     already decided whether the peer exists (it may have been an
 *     update-only peer that was absent), and a later fragment must never
 *     create it with half its allowed-ips.
 * The encoder walks a cursor (peer, allowed-ip, started) over the device,
 * so each message is built in one pass and the batch needs no fix-ups.
 *
 * Decoding is the mirror image: GET_DEVICE dumps arrive split the same way
 * and adjacent peers with one public key are coalesced.
 *
 * Each operation opens its own netlink socket: configuration changes are
 * rare, and a fresh socket never carries stale replies from an earlier
 * operation that failed halfway. Interfaces are created and destroyed over
 * rtnetlink (links of kind "wireguard").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <libmnl/libmnl.h>
#include <linux/genetlink.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/wireguard.h>

#include "lib/util.h"
#include "wg_genl.h"

#define WG_GENL_RECV_SIZE 32768 /* the kernel sizes dump skbs to our buffer */
#define WG_GENL_DUMP_RETRIES 5

struct wg_genl {
	struct wg_backend be;
	uint16_t family;
};

static struct wg_genl *to_genl(struct wg_backend *be)
{
	return KLD_CONTAINER_OF(be, struct wg_genl, be);
}

/* ---- encoding ---- */

struct enc_cursor {
	size_t peer;
	size_t aip;
	bool started; /* the peer's first fragment has been emitted */
};

static bool prefix_ok(const struct kld_prefix *p)
{
	return (p->family == AF_INET || p->family == AF_INET6) &&
	       p->len <= kld_family_bits(p->family);
}

static bool device_ok(const struct wg_device *dev)
{
	size_t i, j;

	if (!wg_ifname_valid(dev->name))
		return false;
	for (i = 0; i < dev->n_peers; i++) {
		const struct wg_peer *peer = &dev->peers[i];
		sa_family_t af = peer->endpoint.sa.sa_family;

		if (af != 0 && af != AF_INET && af != AF_INET6)
			return false;
		for (j = 0; j < peer->n_allowedips; j++)
			if (!prefix_ok(&peer->allowedips[j]))
				return false;
	}
	return true;
}

static bool put_allowedip(struct nlmsghdr *nlh, size_t limit, const struct kld_prefix *p)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, limit, 0);

	if (!nest)
		return false;
	if (!mnl_attr_put_u16_check(nlh, limit, WGALLOWEDIP_A_FAMILY, p->family) ||
	    !mnl_attr_put_check(nlh, limit, WGALLOWEDIP_A_IPADDR, kld_family_bytes(p->family),
				p->u.bytes) ||
	    !mnl_attr_put_u8_check(nlh, limit, WGALLOWEDIP_A_CIDR_MASK, p->len)) {
		mnl_attr_nest_cancel(nlh, nest);
		return false;
	}
	mnl_attr_nest_end(nlh, nest);
	return true;
}

static bool put_peer_head(struct nlmsghdr *nlh, size_t limit, const struct wg_peer *peer)
{
	uint32_t flags = 0;
	size_t eplen;

	if (peer->flags & WG_PEER_REMOVE)
		flags |= WGPEER_F_REMOVE_ME;
	if (peer->flags & WG_PEER_REPLACE_ALLOWEDIPS)
		flags |= WGPEER_F_REPLACE_ALLOWEDIPS;
	if (peer->flags & WG_PEER_UPDATE_ONLY)
		flags |= WGPEER_F_UPDATE_ONLY;
	if (flags && !mnl_attr_put_u32_check(nlh, limit, WGPEER_A_FLAGS, flags))
		return false;
	if (peer->flags & WG_PEER_REMOVE)
		return true;
	if ((peer->flags & WG_PEER_HAS_PRESHARED_KEY) &&
	    !mnl_attr_put_check(nlh, limit, WGPEER_A_PRESHARED_KEY, WG_KEY_SIZE,
				peer->preshared_key))
		return false;
	eplen = peer->endpoint.sa.sa_family == AF_INET ? sizeof(struct sockaddr_in)
						       : sizeof(struct sockaddr_in6);
	if (peer->endpoint.sa.sa_family &&
	    !mnl_attr_put_check(nlh, limit, WGPEER_A_ENDPOINT, eplen, &peer->endpoint))
		return false;
	if ((peer->flags & WG_PEER_HAS_KEEPALIVE) &&
	    !mnl_attr_put_u16_check(nlh, limit, WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL,
				    peer->keepalive))
		return false;
	return true;
}

/* Add as many of the peer's remaining allowed-ips as fit; how many. */
static size_t put_allowedips(struct nlmsghdr *nlh, size_t limit, const struct wg_peer *peer,
			     struct enc_cursor *cur)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, limit, WGPEER_A_ALLOWEDIPS);
	size_t added = 0;

	if (!nest)
		return 0;
	for (; cur->aip < peer->n_allowedips; cur->aip++, added++)
		if (!put_allowedip(nlh, limit, &peer->allowedips[cur->aip]))
			break;
	if (added)
		mnl_attr_nest_end(nlh, nest);
	else
		mnl_attr_nest_cancel(nlh, nest);
	return added;
}

/* 1: the peer is complete; 0: some of it went in and the message is full;
 * -1: nothing of it fits. */
static int put_peer(struct nlmsghdr *nlh, size_t limit, const struct wg_peer *peer,
		    struct enc_cursor *cur)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, limit, 0);
	size_t added;

	if (!nest)
		return -1;
	if (!mnl_attr_put_check(nlh, limit, WGPEER_A_PUBLIC_KEY, WG_KEY_SIZE, peer->public_key))
		goto none;
	if (cur->started) {
		if (!mnl_attr_put_u32_check(nlh, limit, WGPEER_A_FLAGS, WGPEER_F_UPDATE_ONLY))
			goto none;
	} else if (!put_peer_head(nlh, limit, peer)) {
		goto none;
	}
	if ((peer->flags & WG_PEER_REMOVE) || cur->aip == peer->n_allowedips) {
		mnl_attr_nest_end(nlh, nest);
		return 1;
	}
	added = put_allowedips(nlh, limit, peer, cur);
	if (cur->aip == peer->n_allowedips) {
		mnl_attr_nest_end(nlh, nest);
		return 1;
	}
	if (!added && cur->started)
		goto none; /* a continuation without allowed-ips is no progress */
	mnl_attr_nest_end(nlh, nest);
	cur->started = true;
	return 0;
none:
	mnl_attr_nest_cancel(nlh, nest);
	return -1;
}

static bool put_device_attrs(struct nlmsghdr *nlh, size_t limit, const struct wg_device *dev)
{
	if ((dev->flags & WG_DEV_HAS_PRIVATE_KEY) &&
	    !mnl_attr_put_check(nlh, limit, WGDEVICE_A_PRIVATE_KEY, WG_KEY_SIZE, dev->private_key))
		return false;
	if ((dev->flags & WG_DEV_HAS_LISTEN_PORT) &&
	    !mnl_attr_put_u16_check(nlh, limit, WGDEVICE_A_LISTEN_PORT, dev->listen_port))
		return false;
	if ((dev->flags & WG_DEV_HAS_FWMARK) &&
	    !mnl_attr_put_u32_check(nlh, limit, WGDEVICE_A_FWMARK, dev->fwmark))
		return false;
	if ((dev->flags & WG_DEV_REPLACE_PEERS) &&
	    !mnl_attr_put_u32_check(nlh, limit, WGDEVICE_A_FLAGS, WGDEVICE_F_REPLACE_PEERS))
		return false;
	return true;
}

static struct nlmsghdr *put_genl_header(void *buf, uint16_t family, uint8_t cmd, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct genlmsghdr *genl;

	nlh->nlmsg_type = family;
	nlh->nlmsg_flags = flags;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = cmd;
	genl->version = WG_GENL_VERSION;
	return nlh;
}

/* Fill the peers nest from the cursor; did anything go in? */
static bool put_peers(struct nlmsghdr *nlh, size_t limit, const struct wg_device *dev,
		      struct enc_cursor *cur)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, limit, WGDEVICE_A_PEERS);
	bool progress = false;
	int ret;

	if (!nest)
		return false;
	while (cur->peer < dev->n_peers) {
		ret = put_peer(nlh, limit, &dev->peers[cur->peer], cur);
		if (ret < 0)
			break;
		progress = true;
		if (ret == 0)
			break;
		cur->peer++;
		cur->aip = 0;
		cur->started = false;
	}
	if (progress)
		mnl_attr_nest_end(nlh, nest);
	else
		mnl_attr_nest_cancel(nlh, nest);
	return progress;
}

static int encode_one(const struct wg_device *dev, uint16_t family, size_t limit, bool first,
		      struct enc_cursor *cur, struct wg_genl_msg *msg)
{
	uint8_t *buf = kld_xcalloc(1, limit);
	struct nlmsghdr *nlh;
	bool progress = first;

	nlh = put_genl_header(buf, family, WG_CMD_SET_DEVICE, NLM_F_REQUEST | NLM_F_ACK);
	if (nlh->nlmsg_len > limit ||
	    !mnl_attr_put_strz_check(nlh, limit, WGDEVICE_A_IFNAME, dev->name) ||
	    (first && !put_device_attrs(nlh, limit, dev)))
		goto too_small;
	if (cur->peer < dev->n_peers && put_peers(nlh, limit, dev, cur))
		progress = true;
	if (!progress)
		goto too_small;
	msg->buf = buf;
	msg->len = nlh->nlmsg_len;
	return 0;
too_small:
	wg_key_wipe(buf, limit);
	free(buf);
	return -EMSGSIZE;
}

static size_t default_limit(void)
{
	return (size_t)MNL_SOCKET_BUFFER_SIZE;
}

int wg_genl_encode_set(const struct wg_device *dev, uint16_t family, size_t limit,
		       struct wg_genl_batch *out)
{
	struct enc_cursor cur = {0};
	size_t cap = 0;
	int ret;

	memset(out, 0, sizeof(*out));
	if (!device_ok(dev))
		return -EINVAL;
	if (!limit)
		limit = default_limit();
	if (limit < mnl_nlmsg_size(sizeof(struct genlmsghdr)))
		return -EMSGSIZE;
	do {
		if (out->n == cap) {
			cap = cap ? cap * 2 : 4;
			out->msgs = kld_xrealloc(out->msgs, cap * sizeof(*out->msgs));
		}
		ret = encode_one(dev, family, limit, out->n == 0, &cur, &out->msgs[out->n]);
		if (ret < 0) {
			wg_genl_batch_free(out);
			return ret;
		}
		out->n++;
	} while (cur.peer < dev->n_peers);
	return 0;
}

void wg_genl_batch_free(struct wg_genl_batch *b)
{
	size_t i;

	for (i = 0; i < b->n; i++) {
		wg_key_wipe(b->msgs[i].buf, b->msgs[i].len);
		free(b->msgs[i].buf);
	}
	free(b->msgs);
	memset(b, 0, sizeof(*b));
}

/* ---- decoding ---- */

struct attr_tab {
	const struct nlattr **tb;
	unsigned max;
};

static int store_attr(const struct nlattr *attr, void *data)
{
	struct attr_tab *t = data;
	unsigned type = mnl_attr_get_type(attr);

	if (type <= t->max)
		t->tb[type] = attr;
	return MNL_CB_OK;
}

static int parse_nested(const struct nlattr *nest, const struct nlattr **tb, unsigned max)
{
	struct attr_tab t = {tb, max};

	memset(tb, 0, (max + 1) * sizeof(*tb));
	return mnl_attr_parse_nested(nest, store_attr, &t) == MNL_CB_ERROR ? -1 : 0;
}

static bool attr_key(const struct nlattr *a, uint8_t key[WG_KEY_SIZE])
{
	if (mnl_attr_get_payload_len(a) != WG_KEY_SIZE)
		return false;
	memcpy(key, mnl_attr_get_payload(a), WG_KEY_SIZE);
	return true;
}

static bool attr_u16(const struct nlattr *a, uint16_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U16) < 0)
		return false;
	*v = mnl_attr_get_u16(a);
	return true;
}

static bool attr_u32(const struct nlattr *a, uint32_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U32) < 0)
		return false;
	*v = mnl_attr_get_u32(a);
	return true;
}

static bool attr_u64(const struct nlattr *a, uint64_t *v)
{
	if (mnl_attr_validate(a, MNL_TYPE_U64) < 0)
		return false;
	*v = mnl_attr_get_u64(a);
	return true;
}

static int decode_allowedip(const struct nlattr *nest, struct kld_prefix *p)
{
	const struct nlattr *tb[WGALLOWEDIP_A_MAX + 1];
	uint16_t family;

	if (parse_nested(nest, tb, WGALLOWEDIP_A_MAX) < 0)
		return -1;
	if (!tb[WGALLOWEDIP_A_FAMILY] || !tb[WGALLOWEDIP_A_IPADDR] || !tb[WGALLOWEDIP_A_CIDR_MASK])
		return -1;
	if (!attr_u16(tb[WGALLOWEDIP_A_FAMILY], &family) ||
	    mnl_attr_validate(tb[WGALLOWEDIP_A_CIDR_MASK], MNL_TYPE_U8) < 0)
		return -1;
	if (family != AF_INET && family != AF_INET6)
		return -1;
	if (mnl_attr_get_payload_len(tb[WGALLOWEDIP_A_IPADDR]) != kld_family_bytes((uint8_t)family))
		return -1;
	return kld_prefix_set(p, (uint8_t)family, mnl_attr_get_payload(tb[WGALLOWEDIP_A_IPADDR]),
			      mnl_attr_get_u8(tb[WGALLOWEDIP_A_CIDR_MASK]));
}

static int allowedip_cb(const struct nlattr *attr, void *data)
{
	struct kld_prefix p;

	if (decode_allowedip(attr, &p) < 0)
		return MNL_CB_ERROR;
	wg_peer_add_allowedip(data, &p);
	return MNL_CB_OK;
}

static int decode_allowedips(const struct nlattr *nest, struct wg_peer *peer)
{
	return mnl_attr_parse_nested(nest, allowedip_cb, peer) == MNL_CB_ERROR ? -1 : 0;
}

static int decode_endpoint(const struct nlattr *a, union wg_endpoint *ep)
{
	size_t len = mnl_attr_get_payload_len(a);
	const struct sockaddr *sa = mnl_attr_get_payload(a);

	if (len < sizeof(sa_family_t))
		return -1;
	memset(ep, 0, sizeof(*ep));
	if (sa->sa_family == AF_INET && len == sizeof(struct sockaddr_in))
		memcpy(&ep->in4, sa, len);
	else if (sa->sa_family == AF_INET6 && len == sizeof(struct sockaddr_in6))
		memcpy(&ep->in6, sa, len);
	else
		return -1;
	return 0;
}

static int decode_handshake(const struct nlattr *a, struct wg_peer_stats *st)
{
	struct {
		int64_t sec;
		int64_t nsec;
	} ts; /* struct __kernel_timespec */

	if (mnl_attr_get_payload_len(a) != sizeof(ts))
		return -1;
	memcpy(&ts, mnl_attr_get_payload(a), sizeof(ts));
	st->last_handshake_sec = ts.sec;
	st->last_handshake_nsec = ts.nsec;
	return 0;
}

static int decode_peer_flags(const struct nlattr *a, struct wg_peer *peer)
{
	uint32_t f;

	if (!attr_u32(a, &f))
		return -1;
	if (f & WGPEER_F_REMOVE_ME)
		peer->flags |= WG_PEER_REMOVE;
	if (f & WGPEER_F_REPLACE_ALLOWEDIPS)
		peer->flags |= WG_PEER_REPLACE_ALLOWEDIPS;
	if (f & WGPEER_F_UPDATE_ONLY)
		peer->flags |= WG_PEER_UPDATE_ONLY;
	return 0;
}

/* Everything but the public key and allowed-ips: first fragments only. */
static int decode_peer_head(const struct nlattr **tb, struct wg_peer *peer)
{
	const struct nlattr *a;

	if ((a = tb[WGPEER_A_FLAGS]) && decode_peer_flags(a, peer) < 0)
		return -1;
	if ((a = tb[WGPEER_A_PRESHARED_KEY])) {
		if (!attr_key(a, peer->preshared_key))
			return -1;
		if (!wg_key_is_zero(peer->preshared_key))
			peer->flags |= WG_PEER_HAS_PRESHARED_KEY;
	}
	if ((a = tb[WGPEER_A_ENDPOINT]) && decode_endpoint(a, &peer->endpoint) < 0)
		return -1;
	if ((a = tb[WGPEER_A_PERSISTENT_KEEPALIVE_INTERVAL])) {
		if (!attr_u16(a, &peer->keepalive))
			return -1;
		peer->flags |= WG_PEER_HAS_KEEPALIVE;
	}
	if ((a = tb[WGPEER_A_LAST_HANDSHAKE_TIME]) && decode_handshake(a, &peer->stats) < 0)
		return -1;
	if ((a = tb[WGPEER_A_RX_BYTES]) && !attr_u64(a, &peer->stats.rx_bytes))
		return -1;
	if ((a = tb[WGPEER_A_TX_BYTES]) && !attr_u64(a, &peer->stats.tx_bytes))
		return -1;
	if ((a = tb[WGPEER_A_PROTOCOL_VERSION]) && !attr_u32(a, &peer->stats.protocol_version))
		return -1;
	return 0;
}

static int decode_peer(const struct nlattr *nest, struct wg_device *dev)
{
	const struct nlattr *tb[WGPEER_A_MAX + 1];
	uint8_t key[WG_KEY_SIZE];
	struct wg_peer *peer;

	if (parse_nested(nest, tb, WGPEER_A_MAX) < 0)
		return -1;
	if (!tb[WGPEER_A_PUBLIC_KEY] || !attr_key(tb[WGPEER_A_PUBLIC_KEY], key))
		return -1;
	if (dev->n_peers && !memcmp(dev->peers[dev->n_peers - 1].public_key, key, WG_KEY_SIZE)) {
		peer = &dev->peers[dev->n_peers - 1];
	} else {
		peer = wg_device_add_peer(dev, key);
		if (decode_peer_head(tb, peer) < 0)
			return -1;
	}
	if (tb[WGPEER_A_ALLOWEDIPS])
		return decode_allowedips(tb[WGPEER_A_ALLOWEDIPS], peer);
	return 0;
}

static int peer_cb(const struct nlattr *attr, void *data)
{
	return decode_peer(attr, data) < 0 ? MNL_CB_ERROR : MNL_CB_OK;
}

static int decode_peers(const struct nlattr *nest, struct wg_device *dev)
{
	return mnl_attr_parse_nested(nest, peer_cb, dev) == MNL_CB_ERROR ? -1 : 0;
}

static int decode_device_attrs(const struct nlattr **tb, struct wg_device *dev)
{
	const struct nlattr *a;
	uint32_t f;

	if ((a = tb[WGDEVICE_A_IFINDEX]) && !attr_u32(a, &dev->ifindex))
		return -1;
	if ((a = tb[WGDEVICE_A_IFNAME])) {
		if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0 ||
		    !wg_ifname_valid(mnl_attr_get_str(a)))
			return -1;
		strcpy(dev->name, mnl_attr_get_str(a));
	}
	if ((a = tb[WGDEVICE_A_PRIVATE_KEY])) {
		if (!attr_key(a, dev->private_key))
			return -1;
		dev->flags |= WG_DEV_HAS_PRIVATE_KEY;
	}
	if ((a = tb[WGDEVICE_A_PUBLIC_KEY])) {
		if (!attr_key(a, dev->public_key))
			return -1;
		dev->flags |= WG_DEV_HAS_PUBLIC_KEY;
	}
	if ((a = tb[WGDEVICE_A_LISTEN_PORT])) {
		if (!attr_u16(a, &dev->listen_port))
			return -1;
		dev->flags |= WG_DEV_HAS_LISTEN_PORT;
	}
	if ((a = tb[WGDEVICE_A_FWMARK])) {
		if (!attr_u32(a, &dev->fwmark))
			return -1;
		dev->flags |= WG_DEV_HAS_FWMARK;
	}
	if ((a = tb[WGDEVICE_A_FLAGS])) {
		if (!attr_u32(a, &f))
			return -1;
		if (f & WGDEVICE_F_REPLACE_PEERS)
			dev->flags |= WG_DEV_REPLACE_PEERS;
	}
	return 0;
}

int wg_genl_decode(const struct nlmsghdr *nlh, struct wg_device *dev)
{
	const struct nlattr *tb[WGDEVICE_A_MAX + 1] = {0};
	struct attr_tab t = {tb, WGDEVICE_A_MAX};

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(struct genlmsghdr)))
		return -EPROTO;
	if (mnl_attr_parse(nlh, sizeof(struct genlmsghdr), store_attr, &t) == MNL_CB_ERROR)
		return -EPROTO;
	if (decode_device_attrs(tb, dev) < 0)
		return -EPROTO;
	if (tb[WGDEVICE_A_PEERS] && decode_peers(tb[WGDEVICE_A_PEERS], dev) < 0)
		return -EPROTO;
	return 0;
}

/* ---- netlink conversations ---- */

static int cb_error(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *err = mnl_nlmsg_get_payload(nlh);

	(void)data;
	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*err))) {
		errno = EBADMSG;
		return MNL_CB_ERROR;
	}
	if (err->error == 0)
		return MNL_CB_STOP;
	errno = err->error < 0 ? -err->error : err->error;
	return MNL_CB_ERROR;
}

/* NLMSG_DONE of a dump carries the dump's error code. */
static int cb_done(const struct nlmsghdr *nlh, void *data)
{
	int err;

	(void)data;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int)) {
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
		if (err < 0) {
			errno = -err;
			return MNL_CB_ERROR;
		}
	}
	return MNL_CB_STOP;
}

static int cb_overrun(const struct nlmsghdr *nlh, void *data)
{
	(void)nlh;
	(void)data;
	errno = ENOBUFS;
	return MNL_CB_ERROR;
}

static mnl_cb_t ctl_cbs[] = {
    [NLMSG_ERROR] = cb_error,
    [NLMSG_DONE] = cb_done,
    [NLMSG_OVERRUN] = cb_overrun,
};

struct nl_conv {
	struct mnl_socket *nl;
	uint32_t portid;
	uint32_t seq;
	uint8_t *buf;
};

static int conv_open(struct nl_conv *c, int bus)
{
	memset(c, 0, sizeof(*c));
	c->nl = mnl_socket_open2(bus, SOCK_CLOEXEC);
	if (!c->nl)
		return -errno;
	if (mnl_socket_bind(c->nl, 0, MNL_SOCKET_AUTOPID) < 0) {
		int ret = -errno;

		mnl_socket_close(c->nl);
		return ret;
	}
	c->portid = mnl_socket_get_portid(c->nl);
	c->seq = (uint32_t)time(NULL);
	c->buf = kld_xmalloc(WG_GENL_RECV_SIZE);
	return 0;
}

static void conv_close(struct nl_conv *c)
{
	if (c->buf) {
		/* Replies to GET_DEVICE hold the private key. */
		wg_key_wipe(c->buf, WG_GENL_RECV_SIZE);
		free(c->buf);
	}
	if (c->nl)
		mnl_socket_close(c->nl);
	memset(c, 0, sizeof(*c));
}

/* Send one request and run cb over every reply until ACK, DONE or error. */
static int conv_talk(struct nl_conv *c, struct nlmsghdr *req, mnl_cb_t cb, void *data)
{
	int ret = MNL_CB_OK;
	ssize_t n;

	req->nlmsg_seq = ++c->seq;
	if (mnl_socket_sendto(c->nl, req, req->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(c->nl, c->buf, WG_GENL_RECV_SIZE);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		errno = 0;
		ret = mnl_cb_run2(c->buf, (size_t)n, c->seq, c->portid, cb, data, ctl_cbs,
				  KLD_ARRAY_SIZE(ctl_cbs));
	} while (ret > MNL_CB_STOP);
	if (ret < 0)
		return errno ? -errno : -EPROTO;
	return 0;
}

/* ---- family lookup ---- */

static int family_attr_cb(const struct nlattr *attr, void *data)
{
	if (mnl_attr_get_type(attr) == CTRL_ATTR_FAMILY_ID &&
	    mnl_attr_validate(attr, MNL_TYPE_U16) == 0)
		*(uint16_t *)data = mnl_attr_get_u16(attr);
	return MNL_CB_OK;
}

static int family_cb(const struct nlmsghdr *nlh, void *data)
{
	mnl_attr_parse(nlh, sizeof(struct genlmsghdr), family_attr_cb, data);
	return MNL_CB_OK;
}

int wg_genl_resolve_family(uint16_t *family)
{
	uint8_t req[256] = {0};
	struct nlmsghdr *nlh;
	struct genlmsghdr *genl;
	struct nl_conv c;
	uint16_t id = 0;
	int ret;

	ret = conv_open(&c, NETLINK_GENERIC);
	if (ret < 0)
		return ret;
	nlh = mnl_nlmsg_put_header(req);
	nlh->nlmsg_type = GENL_ID_CTRL;
	nlh->nlmsg_flags = NLM_F_REQUEST | NLM_F_ACK;
	genl = mnl_nlmsg_put_extra_header(nlh, sizeof(*genl));
	genl->cmd = CTRL_CMD_GETFAMILY;
	genl->version = 1;
	mnl_attr_put_strz(nlh, CTRL_ATTR_FAMILY_NAME, WG_GENL_NAME);
	ret = conv_talk(&c, nlh, family_cb, &id);
	conv_close(&c);
	if (ret < 0)
		return ret;
	if (!id)
		return -ENOENT;
	*family = id;
	return 0;
}

/* ---- rtnetlink: links of kind "wireguard" ---- */

struct link_info {
	const char *want; /* NULL: collect all WireGuard links */
	uint32_t ifindex; /* of want, if it is a WireGuard link */
	struct wg_ifnames *names;
};

static int linkinfo_kind_cb(const struct nlattr *attr, void *data)
{
	bool *is_wg = data;

	if (mnl_attr_get_type(attr) == IFLA_INFO_KIND &&
	    mnl_attr_validate(attr, MNL_TYPE_STRING) == 0 &&
	    !strcmp(mnl_attr_get_str(attr), WG_GENL_NAME))
		*is_wg = true;
	return MNL_CB_OK;
}

static int link_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlattr *tb[IFLA_MAX + 1] = {0};
	struct attr_tab t = {tb, IFLA_MAX};
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);
	struct link_info *li = data;
	const char *name;
	bool is_wg = false;

	if (nlh->nlmsg_type != RTM_NEWLINK || mnl_attr_parse(nlh, sizeof(*ifi), store_attr, &t) < 0)
		return MNL_CB_OK;
	if (!tb[IFLA_IFNAME] || mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_STRING) < 0)
		return MNL_CB_OK;
	name = mnl_attr_get_str(tb[IFLA_IFNAME]);
	if (tb[IFLA_LINKINFO])
		mnl_attr_parse_nested(tb[IFLA_LINKINFO], linkinfo_kind_cb, &is_wg);
	if (li->want && is_wg && !strcmp(li->want, name))
		li->ifindex = (uint32_t)ifi->ifi_index;
	if (!li->want && is_wg)
		wg_ifnames_add(li->names, name);
	return MNL_CB_OK;
}

static struct nlmsghdr *put_link_header(void *buf, uint16_t type, uint16_t flags)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	struct ifinfomsg *ifi;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	ifi = mnl_nlmsg_put_extra_header(nlh, sizeof(*ifi));
	ifi->ifi_family = AF_UNSPEC;
	return nlh;
}

/* Look a link up by name (want) or list all WireGuard links (names). */
static int link_query(struct link_info *li)
{
	uint8_t req[512] = {0};
	struct nlmsghdr *nlh;
	struct nl_conv c;
	int ret;

	ret = conv_open(&c, NETLINK_ROUTE);
	if (ret < 0)
		return ret;
	if (li->want) {
		nlh = put_link_header(req, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK);
		mnl_attr_put_strz(nlh, IFLA_IFNAME, li->want);
	} else {
		nlh = put_link_header(req, RTM_GETLINK, NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
	}
	ret = conv_talk(&c, nlh, link_cb, li);
	conv_close(&c);
	if (ret == -ENODEV && li->want)
		return 0;
	return ret;
}

static int link_change(struct nlmsghdr *nlh)
{
	struct nl_conv c;
	int ret;

	ret = conv_open(&c, NETLINK_ROUTE);
	if (ret < 0)
		return ret;
	ret = conv_talk(&c, nlh, NULL, NULL);
	conv_close(&c);
	return ret;
}

static int link_add(const char *ifname)
{
	uint8_t req[512] = {0};
	struct nlmsghdr *nlh;
	struct nlattr *info;

	nlh = put_link_header(req, RTM_NEWLINK,
			      NLM_F_REQUEST | NLM_F_ACK | NLM_F_CREATE | NLM_F_EXCL);
	mnl_attr_put_strz(nlh, IFLA_IFNAME, ifname);
	info = mnl_attr_nest_start(nlh, IFLA_LINKINFO);
	mnl_attr_put_strz(nlh, IFLA_INFO_KIND, WG_GENL_NAME);
	mnl_attr_nest_end(nlh, info);
	return link_change(nlh);
}

static int link_del(uint32_t ifindex)
{
	uint8_t req[256] = {0};
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	nlh = put_link_header(req, RTM_DELLINK, NLM_F_REQUEST | NLM_F_ACK);
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_index = (int)ifindex;
	return link_change(nlh);
}

/* ---- back-end operations ---- */

static int genl_get_cb(const struct nlmsghdr *nlh, void *data)
{
	if (wg_genl_decode(nlh, data) < 0) {
		errno = EPROTO;
		return MNL_CB_ERROR;
	}
	return MNL_CB_OK;
}

static int genl_get_once(struct wg_genl *g, const char *ifname, struct wg_device *dev)
{
	uint8_t req[256] = {0};
	struct nlmsghdr *nlh;
	struct nl_conv c;
	int ret;

	ret = conv_open(&c, NETLINK_GENERIC);
	if (ret < 0)
		return ret;
	nlh = put_genl_header(req, g->family, WG_CMD_GET_DEVICE,
			      NLM_F_REQUEST | NLM_F_ACK | NLM_F_DUMP);
	mnl_attr_put_strz(nlh, WGDEVICE_A_IFNAME, ifname);
	ret = conv_talk(&c, nlh, genl_get_cb, dev);
	conv_close(&c);
	return ret;
}

static int genl_get_device(struct wg_backend *be, const char *ifname, struct wg_device **out)
{
	struct wg_device *dev;
	int ret, tries;

	*out = NULL;
	for (tries = 0; tries < WG_GENL_DUMP_RETRIES; tries++) {
		dev = wg_device_new(ifname);
		if (!dev)
			return -EINVAL;
		ret = genl_get_once(to_genl(be), ifname, dev);
		if (ret == 0) {
			*out = dev;
			return 0;
		}
		wg_device_free(dev);
		/* The device changed during the dump (NLM_F_DUMP_INTR). */
		if (ret != -EINTR && ret != -EAGAIN)
			return ret;
	}
	return -EAGAIN;
}

static int genl_set_device(struct wg_backend *be, const struct wg_device *dev)
{
	struct wg_genl_batch batch;
	struct nl_conv c;
	size_t i;
	int ret;

	ret = wg_genl_encode_set(dev, to_genl(be)->family, 0, &batch);
	if (ret < 0)
		return ret;
	ret = conv_open(&c, NETLINK_GENERIC);
	for (i = 0; ret == 0 && i < batch.n; i++)
		ret = conv_talk(&c, (struct nlmsghdr *)batch.msgs[i].buf, NULL, NULL);
	if (c.nl)
		conv_close(&c);
	wg_genl_batch_free(&batch);
	return ret;
}

static bool genl_has_interface(struct wg_backend *be, const char *ifname)
{
	struct link_info li = {.want = ifname};

	(void)be;
	if (!wg_ifname_valid(ifname) || link_query(&li) < 0)
		return false;
	return li.ifindex != 0;
}

static int genl_add_interface(struct wg_backend *be, const char *ifname)
{
	(void)be;
	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	return link_add(ifname);
}

static int genl_del_interface(struct wg_backend *be, const char *ifname)
{
	struct link_info li = {.want = ifname};
	int ret;

	(void)be;
	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	ret = link_query(&li);
	if (ret < 0)
		return ret;
	if (!li.ifindex)
		return -ENODEV; /* absent, or not a WireGuard link: not ours to delete */
	return link_del(li.ifindex);
}

static int genl_list_interfaces(struct wg_backend *be, struct wg_ifnames *out)
{
	struct link_info li = {.names = out};
	int ret;

	(void)be;
	memset(out, 0, sizeof(*out));
	ret = link_query(&li);
	if (ret < 0)
		wg_ifnames_free(out);
	return ret;
}

static void genl_destroy(struct wg_backend *be)
{
	free(to_genl(be));
}

static const struct wg_backend_ops genl_ops = {
    .kind = "genl",
    .get_device = genl_get_device,
    .set_device = genl_set_device,
    .add_interface = genl_add_interface,
    .del_interface = genl_del_interface,
    .list_interfaces = genl_list_interfaces,
    .has_interface = genl_has_interface,
    .destroy = genl_destroy,
};

int wg_genl_new_family(uint16_t family, struct wg_backend **out)
{
	struct wg_genl *g = kld_xcalloc(1, sizeof(*g));

	g->be.ops = &genl_ops;
	g->family = family;
	*out = &g->be;
	return 0;
}

int wg_genl_new(struct wg_backend **out)
{
	uint16_t family;
	int ret;

	*out = NULL;
	ret = wg_genl_resolve_family(&family);
	if (ret < 0)
		return ret;
	return wg_genl_new_family(family, out);
}
