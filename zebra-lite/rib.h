/*
 * The RIB: every protocol's routes, one selected per prefix.
 *
 * Design, for a million routes in under 200 bytes each:
 * - A table (family, table id) is a PATRICIA trie (lib/trie.c) whose value
 *   is the candidate list of that prefix: struct rib_route, best first. A
 *   route is 32 bytes; there is no per-prefix node besides the trie's.
 * - Nexthop sets are interned (struct rib_nhg, hash-consed, refcounted), as
 *   BIRD does for attributes: a full BGP table has a few hundred distinct
 *   nexthop sets, so their resolution is computed once per set, not once
 *   per route.
 * - Selection: the lowest administrative distance among active candidates,
 *   then the lowest metric, then the one that arrived first.
 * - Resolution: a gateway resolves over connected, kernel, static and
 *   WireGuard/VXLAN routes, never over BGP (as FRR does by default) and
 *   not over the default route unless `ip nht resolve-via-default` is set.
 *   So a BGP change never forces re-resolution; an IGP or interface change
 *   re-resolves the nexthop sets and walks the tables once.
 * - The kernel side is a table of operations (struct rib_fib_ops): the
 *   netlink back end in zebra-lite, a recorder in the unit tests.
 */
#ifndef KLD_RIB_H
#define KLD_RIB_H

#include <stdbool.h>
#include <stdint.h>
#include "prefix.h"
#include "trie.h"

/* Route types are the wire's (proto/zapi.proto RouteType). */
enum rib_type {
	RIB_KERNEL = 1,
	RIB_CONNECTED = 2,
	RIB_STATIC = 3,
	RIB_BGP = 4,
	RIB_WIREGUARD = 5,
	RIB_VXLAN = 6,
	RIB_TYPE_MAX = 7,
};

enum rib_nh_kind {
	RIB_NH_GATEWAY = 0, /* gw, optionally with an interface */
	RIB_NH_IFINDEX = 1, /* directly out of an interface */
	RIB_NH_BLACKHOLE = 2,
	RIB_NH_REJECT = 3,
};

struct rib_nh {
	struct kld_addr gw;
	uint32_t ifindex;
	uint8_t kind;
	uint8_t weight;
};

struct rib_nhg {
	struct rib_nhg *hnext;
	uint32_t hash;
	uint32_t refcnt;
	uint16_t n;
	uint16_t nres;
	bool active;
	bool changed;      /* resolution changed in the last re-resolution */
	struct rib_nh *res; /* resolved, kernel-ready nexthops */
	struct rib_nh nh[];
};

#define RIB_F_SELECTED 0x01
#define RIB_F_FIB 0x02     /* the kernel has it (ours installed, or observed) */
#define RIB_F_STALE 0x04   /* left from before a restart or disconnect */
#define RIB_F_FAILED 0x08  /* the kernel refused it */
#define RIB_F_NOTIFY 0x10  /* the owner wants to hear of a successful install */
#define RIB_F_IBGP 0x20
#define RIB_F_PENDING 0x40 /* an install is on its way: the kernel may have it */
#define RIB_F_UNSEEN 0x80  /* a resync's dump has not shown it yet */

struct rib_route {
	struct rib_route *next;
	struct rib_nhg *nhg;
	uint32_t metric;
	uint32_t since; /* rib clock seconds when it arrived */
	uint16_t owner; /* client slot; 0: zebra-lite itself */
	uint8_t type;
	uint8_t distance;
	uint8_t flags;
};

struct rib;
struct rib_table;

/* What the RIB asks of the kernel side. install() replaces whatever the
 * kernel has for (table, prefix) from us; the result comes back later
 * through rib_fib_result(). */
struct rib_fib_ops {
	void (*install)(void *arg, uint32_t table, const struct kld_prefix *p,
			const struct rib_route *r);
	void (*uninstall)(void *arg, uint32_t table, const struct kld_prefix *p,
			  const struct rib_route *r);
	/* The selected route of a prefix changed (for redistribution, NHT). */
	void (*selected)(void *arg, uint32_t table, const struct kld_prefix *p,
			 const struct rib_route *old, const struct rib_route *now);
	/* A route changed state in a way its owner hears of (see RouteStatus). */
	void (*notify)(void *arg, uint32_t table, const struct kld_prefix *p,
		       const struct rib_route *r, int status, int err);
};

struct rib *rib_new(const struct rib_fib_ops *ops, void *arg);
void rib_free(struct rib *rib);
void rib_set_clock(struct rib *rib, uint32_t now);
void rib_set_resolve_via_default(struct rib *rib, bool on);

/* Interfaces as the resolver sees them. */
void rib_iface_set(struct rib *rib, uint32_t ifindex, bool up);
bool rib_iface_up(const struct rib *rib, uint32_t ifindex);

/* Distance of a type when the owner gives none (FRR's defaults). */
uint8_t rib_default_distance(uint8_t type, bool ibgp);
/* Is this a type zebra-lite installs (true) or observes (kernel, connected)? */
bool rib_type_installs(uint8_t type);
const char *rib_type_name(uint8_t type);
char rib_type_code(uint8_t type);

/* Add or replace the route of (owner, type) for a prefix. nh is copied
 * into an interned set. Returns 0 or -1 (bad prefix/family). */
struct rib_route_spec {
	uint8_t type;
	uint8_t distance; /* 0: the type's default */
	uint16_t owner;
	uint32_t metric;
	uint32_t table;   /* 0: main (254) */
	bool ibgp;
	bool notify;
	/* Found in the kernel at start: enters installed and stale, for its
	 * owner to reclaim by replaying it. */
	bool in_kernel;
	const struct rib_nh *nh;
	uint16_t nnh;
};
int rib_add(struct rib *rib, const struct kld_prefix *p, const struct rib_route_spec *spec);
/* Remove the route of (owner, type); returns 0, or -1 when there was none. */
int rib_delete(struct rib *rib, const struct kld_prefix *p, uint32_t table, uint8_t type,
	       uint16_t owner);
/* Remove a route someone else put in the kernel: one per priority. */
int rib_delete_kernel(struct rib *rib, const struct kld_prefix *p, uint32_t table, uint32_t metric);

/* Mark every route of owner stale (on disconnect, or at start for routes
 * found in the kernel); a route re-added clears the mark. */
size_t rib_mark_stale(struct rib *rib, uint16_t owner);
/* How many of the owner's routes are marked stale. */
size_t rib_count_stale(struct rib *rib, uint16_t owner);
/* Remove the owner's routes still marked stale; returns how many. */
size_t rib_sweep_stale(struct rib *rib, uint16_t owner);

/* Kernel events were lost (ENOBUFS) and the kernel is dumped again:
 * begin marks what the dump must show (routes others put in the kernel,
 * and ours that are installed), seen clears a mark, end removes the
 * others' routes the dump did not show and installs ours again. */
void rib_resync_begin(struct rib *rib);
void rib_resync_seen(struct rib *rib, const struct kld_prefix *p, uint32_t table, uint8_t type,
		     uint16_t owner, uint32_t metric);
size_t rib_resync_end(struct rib *rib);

/* The kernel answered an install or uninstall. err is 0 or -errno. */
void rib_fib_result(struct rib *rib, uint32_t table, const struct kld_prefix *p, uint8_t type,
		    uint16_t owner, int err);

/* Re-resolve every nexthop set (after an IGP route or interface change)
 * and reselect where a set's resolution changed. */
void rib_reresolve(struct rib *rib);
bool rib_needs_reresolve(const struct rib *rib);

/* Resolve an address the way a gateway is resolved: returns the route that
 * carries it (or NULL) and the prefix it matched. */
const struct rib_route *rib_resolve_addr(struct rib *rib, const struct kld_addr *a,
					 struct kld_prefix *via);

/* Lookups and walks for show commands. */
struct rib_table *rib_table_get(struct rib *rib, uint8_t family, uint32_t table, bool create);
const struct rib_route *rib_lookup(struct rib *rib, const struct kld_prefix *p, uint32_t table);
typedef int (*rib_walk_fn)(const struct kld_prefix *p, const struct rib_route *first,
			   void *arg);
int rib_walk(struct rib *rib, uint8_t family, uint32_t table, rib_walk_fn fn, void *arg);
size_t rib_walk_from(struct rib *rib, uint8_t family, uint32_t table,
		     const struct kld_prefix *after, size_t budget, rib_walk_fn fn, void *arg,
		     struct kld_prefix *last);
size_t rib_count(const struct rib *rib);
size_t rib_nhg_count(const struct rib *rib);
/* Visit every table id that exists for a family. */
void rib_tables(struct rib *rib, uint8_t family, void (*fn)(uint32_t table, void *arg),
		void *arg);

#define RIB_TABLE_MAIN 254

#endif
