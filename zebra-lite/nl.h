/*
 * zebra-lite kernel back end: rtnetlink over libmnl.
 *
 * Design
 * ------
 * One handle (struct zl_nl) owns two NETLINK_ROUTE sockets and no event
 * loop: the caller registers the two fds with its own loop and calls
 * zl_nl_cmd_process() / zl_nl_event_process() when they are readable.
 *
 *  - The command socket carries every request (routes, links, addresses,
 *    neighbours) and the dumps. Requests are appended to one batch buffer
 *    and sent many per sendmsg(); each request gets a sequence number that
 *    maps back to the caller's 64-bit cookie. Every request the module
 *    accepts (return 0) is answered exactly once through ops->ack as
 *    (cookie, 0) or (cookie, -errno), except when the handle is closed
 *    first. rtnetlink handles a sendmsg() synchronously and in order, so
 *    an ack for sequence S also proves that every earlier request of the
 *    socket without an error ack succeeded; with ack_each=false only the
 *    last request of each batch asks for an ACK (errors are always
 *    reported by the kernel), which saves one recvmsg() per route.
 *  - The event socket listens to link, address, route and neighbour
 *    groups with a large receive buffer. When the kernel drops events
 *    (ENOBUFS) our picture of the kernel is stale: ops->resync is called
 *    and the caller re-dumps.
 *
 * Objects cross the API as plain structs (struct zl_nl_route, ...). The
 * build (struct -> nlmsghdr) and parse (nlmsghdr -> struct) functions are
 * pure, so they are unit-tested without root; the sockets are only tested
 * inside a private network namespace.
 *
 * Callbacks may queue new requests (they are sent, their acks read by the
 * outer loop) but must not call zl_nl_wait() or zl_nl_close().
 */
#ifndef ZL_NL_H
#define ZL_NL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "prefix.h"

struct nlmsghdr;
struct nlattr;

/*
 * Route protocol numbers (rtm_protocol) that kldnet adds to the kernel's
 * RTPROT_* list. Chosen outside the kernel's, FRR's (186-198), OVN's (84)
 * and Calico's (80) ranges; iproute2 prints them once the lines of
 * zl_nl_rtprot_conf() are installed in /etc/iproute2/rt_protos.d/.
 */
#define ZL_RTPROT_WIREGUARD 240
#define ZL_RTPROT_VXLAN 241

#define ZL_NL_IFNAMSIZ 16
#define ZL_NL_KINDSIZ 16
#define ZL_NL_HWADDR_MAX 32
#define ZL_NL_MAX_NEXTHOPS 64

enum zl_nl_obj {
	ZL_NL_LINK = 0,
	ZL_NL_ADDR = 1,
	ZL_NL_ROUTE = 2,
	ZL_NL_NEIGH = 3,
	ZL_NL_OBJ_MAX
};

/* ---- objects ---------------------------------------------------------- */

struct zl_nl_nexthop {
	struct kld_addr gw;	/* family 0: on-link via ifindex */
	int ifindex;		/* 0: kernel resolves the gateway */
	uint16_t weight;	/* 1..256; 0 is sent as 1 */
	uint8_t flags;		/* RTNH_F_* (ONLINK on build) */
};

struct zl_nl_route {
	struct kld_prefix dst;
	uint32_t table;		/* 0 is sent as RT_TABLE_MAIN */
	uint32_t metric;	/* RTA_PRIORITY; part of the route's key */
	uint8_t protocol;	/* RTPROT_* or ZL_RTPROT_* */
	uint8_t type;		/* RTN_*; 0 is sent as RTN_UNICAST */
	uint8_t scope;		/* parsed only: build derives it */
	uint32_t flags;		/* rtm_flags (parsed) */
	struct kld_addr prefsrc; /* family 0: none */
	uint32_t nhid;		/* parsed only: route uses a nexthop object */
	uint16_t nh_count;
	bool nh_truncated;	/* parsed route had > ZL_NL_MAX_NEXTHOPS */
	struct zl_nl_nexthop nh[ZL_NL_MAX_NEXTHOPS];
};

struct zl_nl_vxlan {
	uint32_t vni;
	struct kld_addr local;	/* family 0: none */
	struct kld_addr group;	/* remote or multicast group; 0: none */
	uint16_t dstport;	/* host order; 0 is sent as 4789 */
	bool learning;
	int dev;		/* underlay ifindex; 0: none */
	uint8_t ttl;		/* 0: inherit kernel default */
};

struct zl_nl_link {
	int ifindex;
	char name[ZL_NL_IFNAMSIZ];
	char kind[ZL_NL_KINDSIZ];	/* IFLA_INFO_KIND; "" for hardware */
	char alias[32];		/* IFLA_IFALIAS, cut to fit; "" for none */
	uint32_t flags;		/* IFF_* */
	bool admin_up;		/* IFF_UP */
	bool oper_up;		/* IFF_RUNNING: operstate UP or UNKNOWN */
	uint8_t operstate;	/* IF_OPER_* */
	uint16_t type;		/* ARPHRD_* */
	uint32_t mtu;
	uint8_t hwaddr_len;
	uint8_t hwaddr[ZL_NL_HWADDR_MAX];
	int master;		/* bridge/VRF ifindex; 0: none */
	int link;		/* IFLA_LINK (lower device / veth peer) */
	struct zl_nl_vxlan vxlan; /* valid when kind is "vxlan" */
};

enum zl_nl_link_kind {
	ZL_LINK_DUMMY,
	ZL_LINK_BRIDGE,
	ZL_LINK_VXLAN,
	ZL_LINK_WIREGUARD,
	ZL_LINK_VETH,
};

/* What to create. Zero fields mean "kernel default". */
struct zl_nl_link_spec {
	const char *name;
	enum zl_nl_link_kind kind;
	int ifindex;		/* requested ifindex; 0: kernel picks */
	uint32_t mtu;
	int master;
	bool up;		/* create administratively up */
	bool has_mac;
	uint8_t mac[6];
	struct zl_nl_vxlan vxlan;	/* ZL_LINK_VXLAN */
	const char *veth_peer;		/* ZL_LINK_VETH: peer name */
};

/* A change to an existing link; only the set_* fields are applied. */
struct zl_nl_link_change {
	int ifindex;
	bool set_up;
	bool up;
	bool set_mtu;
	uint32_t mtu;
	bool set_master;
	int master;		/* 0: nomaster */
};

struct zl_nl_addr {
	int ifindex;
	struct kld_addr addr;	/* the interface's own address */
	uint8_t prefixlen;
	struct kld_addr peer;	/* point-to-point peer; family 0: none */
	uint8_t scope;		/* RT_SCOPE_* */
	uint32_t flags;		/* IFA_F_* */
};

/*
 * An IP neighbour (family AF_INET/AF_INET6) or a bridge/VXLAN FDB entry
 * (family AF_BRIDGE, where dst is the remote VTEP).
 */
struct zl_nl_neigh {
	int ifindex;
	uint8_t family;
	uint16_t state;		/* NUD_*; 0 on build: PERMANENT (+NOARP for FDB) */
	uint8_t flags;		/* NTF_*; FDB build adds NTF_SELF if neither
				 * SELF nor MASTER is set */
	struct kld_addr dst;	/* family 0: none */
	bool has_mac;
	uint8_t mac[6];
	uint16_t vlan;		/* 0: none */
	bool has_vni;
	uint32_t vni;
	int master;		/* 0: none */
};

/* ---- handle ----------------------------------------------------------- */

struct zl_nl_config {
	size_t batch_bytes;	/* send buffer per sendmsg; 0: 128 KiB */
	unsigned int batch_msgs; /* max requests per sendmsg; 0: 4096 */
	int event_rcvbuf;	/* bytes; 0: 64 MiB (SO_RCVBUFFORCE) */
	bool no_events;		/* do not open the event socket */
	bool ack_each;		/* NLM_F_ACK on every request, see above */
	/* The event socket drops FDB news of extern_learn entries (in the
	 * kernel, before they are queued): for a caller that wrote them
	 * itself and has no use for their echo. */
	bool no_ext_learned_fdb;
};

/* Extra facts about a delivered object. */
struct zl_nl_meta {
	bool del;		/* RTM_DEL* */
	bool dump;		/* part of a dump, not an event */
	uint16_t nlflags;	/* nlmsg_flags (NLM_F_REPLACE, ...) */
};

/*
 * Callbacks; any may be NULL. Object pointers are valid only during the
 * call. msg is the kernel's extended-ack text or NULL.
 */
struct zl_nl_ops {
	void (*ack)(void *arg, uint64_t cookie, int err, const char *msg);
	void (*link)(void *arg, const struct zl_nl_meta *m, const struct zl_nl_link *l);
	void (*addr)(void *arg, const struct zl_nl_meta *m, const struct zl_nl_addr *a);
	void (*route)(void *arg, const struct zl_nl_meta *m, const struct zl_nl_route *r);
	void (*neigh)(void *arg, const struct zl_nl_meta *m, const struct zl_nl_neigh *n);
	/* err: 0, -EINTR (kernel state changed during the dump: re-dump),
	 * or the kernel's error for the dump request. */
	void (*dump_done)(void *arg, enum zl_nl_obj obj, int err);
	/* The event socket lost messages: re-dump everything. */
	void (*resync)(void *arg);
};

struct zl_nl_stats {
	uint64_t requests;	/* accepted requests */
	uint64_t batches;	/* sendmsg() calls carrying requests */
	uint64_t acks_ok;
	uint64_t acks_err;
	uint64_t acks_lost;	/* failed with -ENOBUFS: state unknown */
	uint64_t events;
	uint64_t overruns;	/* ENOBUFS on the event socket */
	uint64_t parse_errors;
	uint64_t foreign;	/* datagrams not from the kernel, dropped */
};

struct zl_nl;

/* Open both sockets (in the caller's network namespace). 0 or -errno. */
int zl_nl_open(struct zl_nl **out, const struct zl_nl_config *cfg,
	       const struct zl_nl_ops *ops, void *arg);
/* Close; queued or unanswered requests are dropped without callbacks. */
void zl_nl_close(struct zl_nl *nl);

int zl_nl_cmd_fd(const struct zl_nl *nl);
int zl_nl_event_fd(const struct zl_nl *nl); /* -1 with no_events */

/*
 * Read what is ready (non-blocking) and run the callbacks. Return 0 when
 * the socket is drained, 1 when a budget ran out and more is queued
 * (call again), or -errno on a socket failure.
 */
int zl_nl_cmd_process(struct zl_nl *nl);
int zl_nl_event_process(struct zl_nl *nl);

/* Send the queued batch and read the acks the kernel has ready. */
int zl_nl_flush(struct zl_nl *nl);
/* Requests queued but not yet sent (call zl_nl_flush() soon). */
bool zl_nl_queued(const struct zl_nl *nl);
/* Requests sent or queued that have not had their ack yet. */
size_t zl_nl_inflight(const struct zl_nl *nl);
/*
 * Flush, then block until every request is answered and every dump is
 * done, or timeout_ms passes (-ETIMEDOUT). For start-up and tests.
 */
int zl_nl_wait(struct zl_nl *nl, int timeout_ms);

void zl_nl_get_stats(const struct zl_nl *nl, struct zl_nl_stats *st);

/*
 * Queue a dump of obj (family AF_UNSPEC, AF_INET, AF_INET6; AF_BRIDGE for
 * the FDB with ZL_NL_NEIGH). Results arrive through the object callbacks
 * with meta->dump set, then dump_done. Dumps run one at a time in order.
 */
int zl_nl_dump(struct zl_nl *nl, enum zl_nl_obj obj, uint8_t family);

/* ---- requests: 0 = queued (one ack will follow), -errno = refused ----- */
/* (nl_req.c: above nl.c's batch, so the codecs below never call it) */

/* Add or change in place (NLM_F_CREATE|NLM_F_REPLACE): never a flap. */
int zl_nl_route_replace(struct zl_nl *nl, const struct zl_nl_route *r, uint64_t cookie);
/* Delete by dst, table, metric and protocol (0 matches any); nexthops
 * and type are ignored. */
int zl_nl_route_delete(struct zl_nl *nl, const struct zl_nl_route *r, uint64_t cookie);

int zl_nl_link_create(struct zl_nl *nl, const struct zl_nl_link_spec *s, uint64_t cookie);
int zl_nl_link_delete(struct zl_nl *nl, int ifindex, uint64_t cookie);
int zl_nl_link_change(struct zl_nl *nl, const struct zl_nl_link_change *c, uint64_t cookie);
int zl_nl_link_set_up(struct zl_nl *nl, int ifindex, bool up, uint64_t cookie);
int zl_nl_link_set_mtu(struct zl_nl *nl, int ifindex, uint32_t mtu, uint64_t cookie);
int zl_nl_link_set_master(struct zl_nl *nl, int ifindex, int master, uint64_t cookie);

/* Add is idempotent (NLM_F_REPLACE): re-adding after a restart is fine. */
int zl_nl_addr_add(struct zl_nl *nl, const struct zl_nl_addr *a, uint64_t cookie);
int zl_nl_addr_delete(struct zl_nl *nl, const struct zl_nl_addr *a, uint64_t cookie);

/* Neighbour or FDB entry: create or overwrite. */
int zl_nl_neigh_replace(struct zl_nl *nl, const struct zl_nl_neigh *n, uint64_t cookie);
/* FDB append (NLM_F_APPEND): one more VTEP for the same MAC, as used for
 * head-end replication with the all-zero MAC. */
int zl_nl_neigh_append(struct zl_nl *nl, const struct zl_nl_neigh *n, uint64_t cookie);
int zl_nl_neigh_delete(struct zl_nl *nl, const struct zl_nl_neigh *n, uint64_t cookie);

/* ---- pure codecs (no sockets) ----------------------------------------- */

/*
 * Build one request into buf (size bytes): NLM_F_REQUEST is added to
 * flags, the sequence number is left 0. Return the message length,
 * -ENOSPC when it does not fit, -EINVAL for an inconsistent object.
 */
int zl_nl_route_build(void *buf, size_t size, uint16_t type, uint16_t flags,
		      const struct zl_nl_route *r);
int zl_nl_link_build_create(void *buf, size_t size, uint16_t flags,
			    const struct zl_nl_link_spec *s);
int zl_nl_link_build_change(void *buf, size_t size, const struct zl_nl_link_change *c);
int zl_nl_link_build_delete(void *buf, size_t size, int ifindex);
int zl_nl_addr_build(void *buf, size_t size, uint16_t type, uint16_t flags,
		     const struct zl_nl_addr *a);
int zl_nl_neigh_build(void *buf, size_t size, uint16_t type, uint16_t flags,
		      const struct zl_nl_neigh *n);
int zl_nl_dump_build(void *buf, size_t size, enum zl_nl_obj obj, uint8_t family);

/*
 * Parse one kernel message. Return 0, -EINVAL for a malformed message,
 * or -ENOENT for a well-formed one this module does not represent
 * (multicast/MPLS routes, cloned routes, AF_BRIDGE port messages).
 */
int zl_nl_route_parse(const struct nlmsghdr *nlh, struct zl_nl_route *r);
int zl_nl_link_parse(const struct nlmsghdr *nlh, struct zl_nl_link *l);
int zl_nl_addr_parse(const struct nlmsghdr *nlh, struct zl_nl_addr *a);
int zl_nl_neigh_parse(const struct nlmsghdr *nlh, struct zl_nl_neigh *n);

/* Name of a ZL_RTPROT_* number, or NULL. */
const char *zl_nl_rtprot_name(uint8_t proto);
/* The rt_protos.d lines for kldnet's protocol numbers ("240 wireguard\n.."). */
const char *zl_nl_rtprot_conf(void);

/* ---- helpers shared by the nl_*.c files (not for callers) ------------- */

typedef int (*zl_nl_build_fn)(void *buf, size_t size, uint16_t type,
			      uint16_t flags, const void *obj);
/* Build with fn into the batch (flushing when it is full) under cookie. */
int zl_nl_enqueue(struct zl_nl *nl, zl_nl_build_fn fn, uint16_t type,
		  uint16_t flags, const void *obj, uint64_t cookie);
/* Collect attributes into tb[0..max] (last one wins); 0 or -EINVAL. */
int zl_nl_attr_table(const struct nlmsghdr *nlh, size_t hdrlen,
		     const struct nlattr **tb, uint16_t max);
int zl_nl_attr_table_payload(const void *payload, size_t len,
			     const struct nlattr **tb, uint16_t max);
int zl_nl_attr_table_nested(const struct nlattr *nest,
			    const struct nlattr **tb, uint16_t max);
/* Address attribute: payload of exactly the family's size. */
int zl_nl_attr_get_addr(const struct nlattr *a, uint8_t family, struct kld_addr *out);
/* Absent: 0 and *out untouched; malformed (short, unterminated, too long): -EINVAL. */
int zl_nl_attr_get_str(const struct nlattr *a, char *dst, size_t size);
int zl_nl_attr_get_u8(const struct nlattr *a, uint8_t *out);
int zl_nl_attr_get_u32(const struct nlattr *a, uint32_t *out);
/* The IPv4 attribute if there is one, else the IPv6 one. */
int zl_nl_attr_get_addr46(const struct nlattr *a4, const struct nlattr *a6, struct kld_addr *out);
bool zl_nl_attr_put_addr(struct nlmsghdr *nlh, size_t size, uint16_t type,
			 const struct kld_addr *a);
/* Fixed-size attribute validation: payload of at least len bytes. */
bool zl_nl_attr_ok(const struct nlattr *a, size_t len);
/* Put header + zeroed family header; NULL when size is too small. */
struct nlmsghdr *zl_nl_put_hdr(void *buf, size_t size, uint16_t type,
			       uint16_t flags, size_t extra);

/* ---- policy routing rules (nl_rule.c) --------------------------------- */

/* A rule that looks up a table, as full-tunnel WireGuard needs them. */
struct zl_nl_rule {
	uint8_t family;		/* AF_INET or AF_INET6 */
	uint32_t priority;	/* 0: the kernel picks */
	uint32_t table;		/* 0 is sent as RT_TABLE_MAIN */
	bool invert;		/* FIB_RULE_INVERT: "not fwmark ..." */
	uint32_t fwmark;	/* 0 with fwmask 0: no mark match */
	uint32_t fwmask;	/* 0 is sent as 0xffffffff when a mark is set */
	int suppress_prefixlen;	/* -1: none */
};

/* Add refuses an identical rule with -EEXIST (NLM_F_EXCL): no duplicates. */
int zl_nl_rule_add(struct zl_nl *nl, const struct zl_nl_rule *r, uint64_t cookie);
int zl_nl_rule_delete(struct zl_nl *nl, const struct zl_nl_rule *r, uint64_t cookie);
int zl_nl_rule_build(void *buf, size_t size, uint16_t type, uint16_t flags,
		     const struct zl_nl_rule *r);

#endif
