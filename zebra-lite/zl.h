/*
 * zebra-lite: the RIB and the only kldnet process that writes kernel state.
 *
 *   zl_main.c    wiring: options, sockets, start-up order, loop
 *   zl_kernel.c  netlink glue: dumps, events, FIB programming, acks
 *   zl_iface.c   interfaces as seen in the kernel and as configured
 *   zl_static.c  static routes and forwarding switches
 *   zl_wg.c      WireGuard devices on behalf of wgd
 *   zl_zserv.c   the client API: routes, redistribution, NHT, barriers
 *   zl_show.c    show ip route / show interface, text and JSON
 *   zl_vty.c     configuration commands and the running config
 *   rib.c        the RIB itself (no I/O)
 *
 * Floors (doc/ARCHITECTURE.md, tests/layers/layers.conf): nl_*, wg_*
 * (kernel I/O) below rib, zl_kernel, zl_iface, zl_static, zl_wg (tables)
 * below zl_zserv, zl_vty, zl_show (clients) below zl_main. A file calls
 * down only; news goes up through struct zl_hooks.
 */
#ifndef KLD_ZL_H
#define KLD_ZL_H

#include <net/if.h>
#include "command.h"
#include "daemon.h"
#include "ipc.h"
#include "rib.h"
#include "vty.h"

struct zl_nl;
struct zl_nl_link;
struct zl_nl_addr;
struct zl_nl_neigh;

#define ZL_MAX_CLIENTS 16
/* Cookies of kernel requests that are not route installs (links, addresses). */
#define ZL_COOKIE_OTHER (1ull << 63)
/* Client slots that own routes found in the kernel at start, by type. */
#define ZL_OWNER_SELF 0

/* An address on an interface, as the kernel has it. */
struct zl_addr {
	struct kld_prefix prefix; /* address with its prefix length */
	struct zl_addr *next;
};

struct zl_iface {
	char name[IF_NAMESIZE];
	uint32_t ifindex;
	char kind[16];
	char alias[32]; /* whose the link is: "kldnet:vxland" */
	bool admin_up, oper_up;
	uint32_t mtu;
	uint32_t mtu_orig; /* before `mtu` changed it; 0: not changed */
	uint8_t mac[6];
	struct zl_addr *addrs;
	struct zl_iface *next;
};

/* What the configuration says of an interface (it may not exist yet). */
struct zl_iface_conf {
	char name[IF_NAMESIZE];
	char *description;
	uint32_t mtu;
	bool shutdown;
	struct zl_addr *addrs;
	struct zl_iface_conf *next;
};

struct zl_static {
	struct kld_prefix prefix;
	uint32_t table;
	uint8_t distance;
	struct rib_nh nh;
	char ifname[IF_NAMESIZE]; /* when the nexthop names an interface */
	bool null0; /* a blackhole typed as Null0: shown as typed */
	struct zl_static *next;
};

/* A client slot: survives reconnects, so routes survive them too. */
struct zl_client {
	struct zl *zl;
	uint16_t slot;
	char name[32];
	struct kld_ipc_conn *conn;
	struct kld_timer *grace;
	uint32_t grace_secs; /* the client's ClientGrace; 0: zebra-lite's own */
	uint64_t routes_in, notifies_out;
	time_t connected_at;
	uint32_t redist[2];   /* bitmask of route types, per family */
	struct kld_prefix *nht;
	uint8_t *nht_state;   /* last sent: 0 unknown, 1 unresolved, 2 resolved */
	size_t nnht;
	bool ifsub;
};

/*
 * News going up a floor (doc/ARCHITECTURE.md, "Layers"): a table announces
 * a change through one of these and never calls the layer above by name.
 * The upper layer registers them at start-up, before the kernel is read
 * (zl_iface_init, zl_static_init, zl_zserv_init); a NULL hook hears
 * nothing.
 */
struct zl_hooks {
	/* zl_kernel.c: the kernel says a link or an address came, changed or went. */
	void (*link_event)(struct zl *zl, const struct zl_nl_link *l, bool del);
	void (*addr_event)(struct zl *zl, const struct zl_nl_addr *a, bool del);
	/* zl_kernel.c: a route of a client's type is in the kernel at start:
	 * which slot owns it (NULL hook: zebra-lite's own) ... */
	uint16_t (*route_owner)(struct zl *zl, uint8_t type);
	/* ... and it was adopted as stale: the owner's grace time runs. */
	void (*route_adopted)(struct zl *zl, uint16_t slot);
	/* zl_kernel.c, as the RIB's FIB ops: another route is selected for a
	 * prefix; the kernel answered a route's install or removal. */
	void (*route_selected)(struct zl *zl, uint32_t table, const struct kld_prefix *p,
			       const struct rib_route *old, const struct rib_route *now);
	void (*route_notify)(struct zl *zl, uint32_t table, const struct kld_prefix *p,
			     const struct rib_route *r, int status, int err);
	/* zl_kernel.c: nexthops were resolved again. */
	void (*nexthops_changed)(struct zl *zl);
	/* zl_iface.c: an interface changed (deleted: it is going away). */
	void (*iface_changed)(struct zl *zl, const struct zl_iface *ifp, bool deleted);
	/* zl_iface.c: an interface appeared or went: names may resolve anew. */
	void (*ifaces_changed)(struct zl *zl);
	/* zl_kernel.c: the kernel's FDB changed (AF_BRIDGE neighbours). */
	void (*fdb_event)(struct zl *zl, const struct zl_nl_neigh *n, bool del);
};

/* A FIB operation the kernel has not answered yet. */
struct zl_fib_op {
	struct kld_prefix prefix;
	uint32_t table;
	uint8_t type;
	uint16_t owner;
	bool install;
};

struct zl {
	struct kld_daemon d;
	struct cmd_tree *tree;
	struct vty_server *vty;
	struct kld_ipc_server *zserv;
	struct rib *rib;
	struct zl_nl *nl;
	struct kld_io *nl_cmd_io, *nl_event_io;
	struct kld_timer *work; /* deferred re-resolution and flush */
	struct kld_timer *statics_sweep;
	char hostname[64];
	struct zl_iface *ifaces;
	struct zl_iface_conf *iface_confs;
	struct zl_static *statics;
	struct zl_client clients[ZL_MAX_CLIENTS];
	struct zl_fib_op *ops;
	size_t ops_cap;
	uint64_t ops_next;
	uint32_t grace_secs;
	bool ip_forwarding, ipv6_forwarding;
	bool via_default;
	bool fwd_conf_v4, fwd_conf_v6;
	bool fwd_start_v4, fwd_start_v6; /* the sysctls as found at start */
	bool started;
	bool resyncing; /* a dump after lost events is under way */
	void *wg; /* zl_wg.c's state */
	void *fw; /* zl_fw.c's state */
	/* News of interfaces for the tables above (zl_iface_hook_add). */
	void (*iface_hooks[4])(struct zl *zl, const char *ifname);
	struct zl_hooks hooks;
	uint64_t start_ms;
};

/* zl_kernel.c */
int zl_kernel_open(struct zl *zl);
int zl_sysctl_set(const char *path, const char *value);
void zl_kernel_close(struct zl *zl);
extern const struct rib_fib_ops zl_fib_ops;
/* Flush queued kernel work and wait for every answer (barriers, start-up). */
int zl_kernel_sync(struct zl *zl);
void zl_schedule_work(struct zl *zl);
uint32_t zl_clock(const struct zl *zl);

/* zl_iface.c */
struct zl_iface *zl_iface_by_name(struct zl *zl, const char *name);
struct zl_iface *zl_iface_by_index(struct zl *zl, uint32_t ifindex);
void zl_iface_link_event(struct zl *zl, const struct zl_nl_link *l, bool del);
void zl_iface_addr_event(struct zl *zl, const struct zl_nl_addr *a, bool del);
struct zl_iface_conf *zl_iface_conf_get(struct zl *zl, const char *name, bool create);
/* Push an interface's configuration to the kernel (when it exists). */
void zl_iface_apply(struct zl *zl, struct zl_iface_conf *c);
int zl_iface_conf_addr(struct zl *zl, struct zl_iface_conf *c, const struct kld_prefix *p,
		       bool del, struct vty *vty);
int zl_iface_conf_remove(struct zl *zl, const char *name, struct vty *vty);
void zl_iface_free_all(struct zl *zl);
/* fn hears of every interface that appeared or went (by name). */
void zl_iface_hook_add(struct zl *zl, void (*fn)(struct zl *zl, const char *ifname));
/* Hear the kernel's link and address events (hooks.link_event, addr_event). */
void zl_iface_init(struct zl *zl);

/* zl_static.c */
int zl_static_set(struct zl *zl, const struct zl_static *s, bool del, struct vty *vty);
/* Re-evaluate statics that name interfaces (an interface appeared). */
void zl_static_refresh(struct zl *zl);
void zl_static_free_all(struct zl *zl);
int zl_forwarding_set(struct zl *zl, uint8_t family, bool on);
/* Read the forwarding sysctls: what `no ip forwarding` returns to. */
void zl_forwarding_init(struct zl *zl);
/* Re-evaluate statics when interfaces come and go (hooks.ifaces_changed). */
void zl_static_init(struct zl *zl);

/* zl_zserv.c */
/* Register the hooks through which the tables' news reaches clients. */
void zl_zserv_init(struct zl *zl);
struct kld_ipc_server *zl_zserv_new(struct zl *zl, const char *path);
void zl_zserv_client_list(struct zl *zl, struct vty *vty);
uint16_t zl_client_slot(struct zl *zl, const char *name, bool create);
/* The client that owns kernel routes of this type after a restart. */
uint16_t zl_owner_of_type(struct zl *zl, uint8_t type);
void zl_client_start_grace(struct zl *zl, uint16_t slot);
void zl_client_rearm_grace(struct zl *zl);
void zl_zserv_route_selected(struct zl *zl, uint32_t table, const struct kld_prefix *p,
			     const struct rib_route *old, const struct rib_route *now);
void zl_zserv_notify(struct zl *zl, uint32_t table, const struct kld_prefix *p,
		     const struct rib_route *r, int status, int err);
void zl_zserv_nht_refresh(struct zl *zl);
void zl_zserv_iface_event(struct zl *zl, const struct zl_iface *ifp, bool deleted);

/* zl_wg.c: WireGuard devices on behalf of wgd (envelope fields 60-79). */
int zl_wg_init(struct zl *zl);
void zl_wg_fini(struct zl *zl);
void zl_wg_handle(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg);
void zl_wg_client_down(struct zl *zl, struct kld_ipc_conn *c);
size_t zl_wg_listen_ports(struct zl *zl, uint16_t *ports, size_t max);
/* fn hears of every WireGuard device set or removed. */
void zl_wg_hook_add(struct zl *zl, void (*fn)(struct zl *zl));

/* zl_fw.c: the firewall dataplane on behalf of fwd (envelope fields 100-119). */
int zl_fw_init(struct zl *zl);
void zl_fw_fini(struct zl *zl);
void zl_fw_handle(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg);

/* zl_show.c */
void zl_show_install(struct cmd_tree *tree);

/* zl_vty.c */
void zl_vty_install(struct cmd_tree *tree);
void zl_write_config(struct vty *vty);

#endif
