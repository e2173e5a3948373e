/*
 * vxland: VXLAN segments and bridges as configuration (doc/vxland.md).
 *
 *   vxland_main.c   wiring
 *   vxland_conf.c   the model: segments, bridges, their checks; the
 *                   parsers of MACs and addresses
 *   vxland_vty.c    commands and the running config
 *   vxland_show.c   show vxlan [VNI] [json], show vxlan fdb [VNI] [json]
 *   vxland_zebra.c  links and FDB to zebra-lite, replay, interfaces
 *
 * vxland never touches the kernel: it sends zebra-lite the whole desired
 * state of each link (LinkSet) and of each VXLAN device's static FDB
 * (FdbSet); zebra-lite reconciles.
 */
#ifndef KLD_VXLAND_H
#define KLD_VXLAND_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include "daemon_run.h"
#include "prefix.h"

#define VX_VNI_MAX 16777215u
#define VX_PORT_IANA 4789
#define VX_ALIAS "kldnet:vxland" /* zebra-lite's mark on the links it makes for vxland */
#define VX_MTU_DEFAULT 1500 /* the kernel's for a VXLAN device without lower device, an empty bridge */
#define VX_OVERHEAD_V4 50 /* outer IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14 */
#define VX_OVERHEAD_V6 70

struct vx_mac {
	uint8_t mac[6];
	struct kld_addr dst;
};

/* Who learned a MAC behind a VXLAN device: the device itself (its own
 * table, with the VTEP: `learning`) and/or its bridge, on the VXLAN port
 * (which it does even with `no learning`). */
enum { VX_BY_DEVICE = 1, VX_BY_BRIDGE = 2 };

struct vx_learned {
	uint8_t mac[6];
	uint8_t by;           /* VX_BY_* */
	struct kld_addr dst;  /* the VTEP, when the device learned it */
};

enum vx_state { VX_PENDING, VX_UP, VX_HELD, VX_FAILED };

/* What zebra-lite last said of a link. */
struct vx_status {
	enum vx_state state;
	char reason[256];
	uint32_t ifindex;
	uint32_t mtu;
	bool awaiting_fdb;
	bool dirty;
};

struct vx_seg {
	uint32_t vni;
	char ifname[IFNAMSIZ]; /* "": vxlan<VNI> */
	struct kld_addr local, remote, group;
	struct kld_addr *flood;
	size_t nflood;
	char flood_mesh[64];   /* "": none; else the wgd mesh whose members it floods to */
	bool flood_evpn;       /* `flood evpn`: bgpd's EVPN fills flood list and remote MACs */
	char underlay[IFNAMSIZ];
	uint16_t dstport;      /* 0: 4789 */
	uint16_t port_min, port_max;
	bool nolearning;
	uint8_t ttl;           /* 0: auto */
	uint8_t tos;           /* 1: inherit */
	bool noudpcsum;
	bool udp6zerocsumtx, udp6zerocsumrx; /* IPv6 underlay: zero checksums */
	uint32_t mtu;          /* 0: derived from the underlay */
	char bridge[IFNAMSIZ];
	struct kld_prefix *addrs;
	size_t naddrs;
	struct vx_mac *macs;
	size_t nmacs, macs_cap;
	uint32_t *mac_ht;      /* open addressing: index + 1 into macs, 0: empty */
	size_t mac_ht_cap;
	/* MACs the kernel learned behind the device, as zebra-lite reports
	 * them: one each, however many tables have it */
	struct vx_learned *learned;
	size_t nlearned;
	struct vx_status st;
	struct vx_seg *next;
};

struct vx_bridge {
	char name[IFNAMSIZ];
	bool declared;         /* a `bridge NAME` block; else only named by segments */
	char (*members)[IFNAMSIZ];
	size_t nmembers;
	struct kld_prefix *addrs;
	size_t naddrs;
	uint32_t mtu;
	bool mtu_was_set;      /* `no mtu` then asks for the kernel's own value back */
	struct vx_status st;
	struct vx_bridge *next;
};

/* An interface as zebra-lite reports it. */
struct vx_iface {
	char name[IFNAMSIZ];
	char kind[16];
	bool ours; /* alias "kldnet:vxland": made by zebra-lite for vxland */
	uint32_t ifindex, mtu;
	bool up;
	struct vx_iface *next;
};

/* A mesh of wgd as zebra-lite relays it: the other members' addresses. */
struct vx_mesh {
	char name[64];
	struct kld_addr *peers;
	size_t npeers;
	struct vx_mesh *next;
};

struct vxland {
	struct kld_proto_daemon p;
	struct vx_mesh *meshes;
	struct vx_seg *segs;
	struct vx_bridge *brs;
	struct vx_iface *ifaces;
	struct kld_ipc_conn *conn;
	struct kld_timer *push_timer;
	bool replaying;
	unsigned int pending;
	uint32_t seq;
};

/* vxland_conf.c */
const char *vx_seg_ifname(const struct vx_seg *s, char *buf);
struct vx_seg *vx_seg_get(struct vxland *v, uint32_t vni, bool create);
void vx_seg_free(struct vx_seg *s);
struct vx_bridge *vx_bridge_get(struct vxland *v, const char *name, bool create);
void vx_bridge_free(struct vx_bridge *b);
/* What a name may already be, for vx_name_user's `what`. */
#define VX_USE_DEV 0x1      /* a segment's device */
#define VX_USE_BRIDGE 0x2   /* a bridge of vxland's */
#define VX_USE_UNDERLAY 0x4 /* a segment's underlay */
#define VX_USE_MEMBER 0x8   /* a port of a bridge */
#define VX_USE_ALL 0xf
const char *vx_name_user(struct vxland *v, const char *name, unsigned what,
			 const struct vx_seg *self, const struct vx_bridge *self_br, char *out,
			 size_t size);
/* vxlanN is kept for VNI N's device: the VNI it names, or 0. */
uint32_t vx_reserved_vni(const char *name);
struct vx_seg *vx_seg_by_ifname(struct vxland *v, const char *ifname);
struct vx_iface *vx_iface_get(struct vxland *v, const char *name);
/* The MTU vxland asks for and where it comes from ("configured", "wg0 1420 - 50"). */
uint32_t vx_seg_mtu(struct vxland *v, const struct vx_seg *s, char *why, size_t size);
/* Static MACs of a segment: a hundred thousand of them load in linear time. */
long vx_mac_find(const struct vx_seg *s, const uint8_t mac[6]);
void vx_mac_put(struct vx_seg *s, const uint8_t mac[6], const struct kld_addr *dst);
void vx_mac_del(struct vx_seg *s, size_t i);
int vx_mac_parse(const char *s, uint8_t mac[6]);
const char *vx_mac_fmt(const uint8_t mac[6], char *buf);
/* The segment's flood list: its own VTEPs and its mesh's members (not
 * itself, not twice). *out is malloc'd. */
size_t vx_seg_flood(struct vxland *v, const struct vx_seg *s, struct kld_addr **out);
void vx_meshes_free(struct vxland *v);
void vx_free_all(struct vxland *v);
/* The config-block parser's entry for the fuzzer: run one whole config
 * text through a fresh daemon state. */
int vx_conf_fuzz(const char *text);

/* vxland_vty.c */
void vx_vty_install(struct cmd_tree *tree);
void vx_write_config(struct vty *vty);

/* vxland_show.c */
void vx_show_install(struct cmd_tree *tree);

/* vxland_zebra.c */
extern const struct kld_ipc_ops vx_zebra_ops;
int vx_zebra_init(struct vxland *v);
void vx_zebra_fini(struct vxland *v);
void vx_schedule_push(struct vxland *v);
void vx_zebra_delete(struct vxland *v, const char *ifname);
Kld__Envelope *vx_fetch_fdb(struct vxland *v, const char *ifname);

#endif
