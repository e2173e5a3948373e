/*
 * zebra-lite kernel I/O for vxland's links (VXLAN devices, bridges) and
 * their FDB: encode, send, parse. Layer 1: nothing here knows about
 * owners or clients.
 *
 * nl.c's link codec covers what zebra-lite needs to *recognise* a VXLAN
 * device; this one carries every option vxland configures (TTL, TOS,
 * source-port range, checksums), the bridge's VLAN filtering, and the
 * link alias that marks a link as made for vxland ("kldnet:vxland"): the
 * kernel ignores IFLA_IFALIAS on creation, so it is set by a second
 * request. Link requests go through a small synchronous socket of their
 * own (zl_nl_sync), because the caller needs the new ifindex before it
 * can address, enslave or fill the FDB of a device; FDB entries, many
 * thousands at a time, use nl.c's batched socket (zl_nl_neigh_*).
 */
#ifndef ZL_NL_VXLINK_H
#define ZL_NL_VXLINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "nl.h"

#define ZL_VX_ALIAS "kldnet:vxland"
#define ZL_VX_ALIASSIZ 64

struct zl_nl_vx {
	uint32_t vni;
	struct kld_addr local;	/* family 0: none */
	struct kld_addr remote;	/* unicast remote or multicast group */
	int dev;		/* underlay ifindex; 0: none */
	uint16_t dstport;	/* host order; 0 is sent as 4789 */
	uint16_t port_min, port_max; /* host order; both 0: kernel default */
	bool learning;
	uint8_t ttl;		/* 0: auto */
	uint8_t tos;		/* 1: inherit */
	bool udpcsum;		/* IPv4: checksum on transmit (kernel default on) */
	bool udp6zerocsumtx, udp6zerocsumrx;
};

enum zl_nl_vxkind { ZL_VXK_OTHER, ZL_VXK_VXLAN, ZL_VXK_BRIDGE };

/* A link as vxland's table sees it (parse) or wants it (build). */
struct zl_nl_vxdev {
	int ifindex;
	char name[ZL_NL_IFNAMSIZ];
	enum zl_nl_vxkind kind;
	char kind_name[ZL_NL_KINDSIZ];
	char alias[ZL_VX_ALIASSIZ];
	uint32_t mtu;		/* build: 0 leaves the kernel's */
	int master;		/* 0: none */
	bool up;
	bool vlan_filtering;	/* bridge: parsed; always built off */
	struct zl_nl_vx vx;	/* kind VXLAN */
};

/* ---- pure codecs ---- */
int zl_nl_vxdev_build_create(void *buf, size_t size, const struct zl_nl_vxdev *d);
/* Set alias (NULL: leave), mtu (0: leave), master (-1: leave, 0: none), up. */
int zl_nl_vxdev_build_set(void *buf, size_t size, int ifindex, const char *alias,
			  uint32_t mtu, int master, bool up);
int zl_nl_vxdev_build_get(void *buf, size_t size, const char *name);
/* RTM_NEWLINK/RTM_DELLINK -> d. 0, -EINVAL malformed, -ENOENT not a link
 * message this module represents (AF_BRIDGE port messages). */
int zl_nl_vxdev_parse(const struct nlmsghdr *nlh, struct zl_nl_vxdev *d);

/* Is v the VXLAN configuration want (the options that need a re-creation)? */
bool zl_nl_vx_same(const struct zl_nl_vx *have, const struct zl_nl_vx *want);

/* ---- the synchronous link socket ---- */
struct zl_nl_sync;
int zl_nl_sync_open(struct zl_nl_sync **out);
void zl_nl_sync_close(struct zl_nl_sync *s);
/* Send one request built in buf and wait for its ack: 0 or -errno; the
 * kernel's extended-ack text goes to msg (may be NULL). */
int zl_nl_sync_do(struct zl_nl_sync *s, void *buf, char *msg, size_t msgsize);
/* The link of that name: 0, -ENODEV, or -errno. */
int zl_nl_sync_get(struct zl_nl_sync *s, const char *name, struct zl_nl_vxdev *d);
/* Every link, then every AF_BRIDGE FDB entry, through the callbacks. */
int zl_nl_sync_dump_links(struct zl_nl_sync *s,
			  void (*cb)(void *arg, const struct zl_nl_vxdev *d), void *arg);
int zl_nl_sync_dump_fdb(struct zl_nl_sync *s, int ifindex,
			void (*cb)(void *arg, const struct zl_nl_neigh *n), void *arg);

#endif
