/*
 * WireGuard back end over the kernel's generic netlink family "wireguard"
 * (include/uapi/linux/wireguard.h), with interfaces created and removed
 * over rtnetlink as links of kind "wireguard". See wg_genl.c.
 *
 * The message codec is pure (no sockets) and exposed for unit tests.
 */
#ifndef ZL_WG_GENL_H
#define ZL_WG_GENL_H

#include <stddef.h>
#include <stdint.h>
#include <linux/netlink.h>

#include "wg_dev.h"

/* 0 and *out; -ENOENT when the kernel has no WireGuard family (and could
 * not load the module); other -errno for netlink failures. */
int wg_genl_new(struct wg_backend **out);

/* The same with a family id the caller resolved (or, in tests, made up:
 * the rtnetlink half works without the module). */
int wg_genl_new_family(uint16_t family, struct wg_backend **out);

/* Look up the numeric id of the "wireguard" generic netlink family. */
int wg_genl_resolve_family(uint16_t *family);

struct wg_genl_msg {
	uint8_t *buf; /* a complete nlmsghdr + genlmsghdr + attributes */
	size_t len;
};

struct wg_genl_batch {
	struct wg_genl_msg *msgs;
	size_t n;
};

/* Encode a WG_CMD_SET_DEVICE for dev as one or more messages, none longer
 * than limit bytes (0: the netlink socket buffer size libmnl recommends).
 * The first message carries the device attributes; peers continue in the
 * following ones, and a peer whose allowed-ips do not fit continues in the
 * next message under its public key alone. Sequence numbers are left 0 for
 * the sender. 0, -EINVAL (bad name, endpoint or allowed-ip) or -EMSGSIZE
 * (limit too small for any progress). */
int wg_genl_encode_set(const struct wg_device *dev, uint16_t family, size_t limit,
		       struct wg_genl_batch *out);
/* Wipes (the first message holds the private key) and frees. */
void wg_genl_batch_free(struct wg_genl_batch *b);

/* Decode one WG_CMD_GET_DEVICE reply or WG_CMD_SET_DEVICE message into
 * dev, merging it with what earlier messages of the same dump or batch
 * left there: a peer repeating the previous peer's public key is a
 * continuation and only adds allowed-ips. Device and peer flags found in
 * SET messages are mapped back to WG_DEV_ and WG_PEER_ flags. 0 or
 * -EPROTO. */
int wg_genl_decode(const struct nlmsghdr *nlh, struct wg_device *dev);

#endif
