/*
 * WireGuard device state and the back-end interface.
 *
 * One struct wg_device describes a WireGuard interface in both directions:
 * a back end's get fills it from the kernel or a userspace implementation,
 * and set applies it. On set the flags say which fields are meant (a field
 * without its HAS_ flag is left unchanged) and carry the operations the
 * kernel and the UAPI socket both know: replace all peers, remove a peer,
 * touch a peer only if it exists, replace a peer's allowed-ips. Read-only
 * statistics ride along in the same struct and are ignored by set.
 *
 * Peers and allowed-ips are arrays owned by the device: cheap to walk and
 * to free, and large peer sets (thousands) stay in a few allocations.
 * Pointers into them are invalidated by adding to the same array.
 *
 * Back ends are a table of operations behind struct wg_backend, in the
 * shape wireguard-tools' ipc.c gives its kernel and userspace halves:
 *   wg_genl.c    the kernel's generic netlink family "wireguard"
 *   wg_uapi.c    the cross-platform userspace API (wireguard-go, boringtun)
 *   wg_backend.c picks between them and routes each interface to the back
 *                end that actually serves it.
 * Every operation returns 0 or -errno and logs nothing.
 *
 * Secrets: the private key and preshared keys are wiped by
 * wg_device_free() and must never be printed; wg_device_fmt-style helpers
 * deliberately do not exist here.
 */
#ifndef ZL_WG_DEV_H
#define ZL_WG_DEV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include "lib/prefix.h"
#include "wg_key.h"

enum wg_device_flag {
	WG_DEV_HAS_PRIVATE_KEY = 1U << 0, /* set: all zeros removes the key */
	WG_DEV_HAS_PUBLIC_KEY = 1U << 1,  /* get only */
	WG_DEV_HAS_LISTEN_PORT = 1U << 2, /* set: 0 lets the device pick */
	WG_DEV_HAS_FWMARK = 1U << 3,	  /* set: 0 disables */
	WG_DEV_REPLACE_PEERS = 1U << 4,	  /* set: drop peers not listed */
};

enum wg_peer_flag {
	WG_PEER_HAS_PRESHARED_KEY = 1U << 0, /* set: all zeros removes it */
	WG_PEER_HAS_KEEPALIVE = 1U << 1,     /* set: 0 disables */
	WG_PEER_REMOVE = 1U << 2,	     /* set: only the key is used */
	WG_PEER_UPDATE_ONLY = 1U << 3,	     /* set: do not create the peer */
	WG_PEER_REPLACE_ALLOWEDIPS = 1U << 4,
};

/* sa_family == 0 means no endpoint (get) or leave it unchanged (set). */
union wg_endpoint {
	struct sockaddr sa;
	struct sockaddr_in in4;
	struct sockaddr_in6 in6;
};

/* "[ffff:...:ffff%ifname]:65535" plus NUL. */
#define WG_ENDPOINT_STRLEN (INET6_ADDRSTRLEN + IFNAMSIZ + 9)

/* Filled by get, ignored by set. */
struct wg_peer_stats {
	int64_t last_handshake_sec; /* 0: never */
	int64_t last_handshake_nsec;
	uint64_t rx_bytes;
	uint64_t tx_bytes;
	uint32_t protocol_version; /* 0: not reported */
};

struct wg_peer {
	uint8_t public_key[WG_KEY_SIZE];
	uint8_t preshared_key[WG_KEY_SIZE];
	union wg_endpoint endpoint;
	uint16_t keepalive; /* persistent keepalive interval, seconds */
	uint32_t flags;	    /* enum wg_peer_flag */
	struct kld_prefix *allowedips;
	size_t n_allowedips;
	size_t cap_allowedips;
	struct wg_peer_stats stats;
};

struct wg_device {
	char name[IFNAMSIZ];
	uint32_t ifindex; /* get: filled when known; set: unused */
	uint8_t private_key[WG_KEY_SIZE];
	uint8_t public_key[WG_KEY_SIZE];
	uint16_t listen_port;
	uint32_t fwmark;
	uint32_t flags; /* enum wg_device_flag */
	struct wg_peer *peers;
	size_t n_peers;
	size_t cap_peers;
};

/* --- device helpers (wg_dev.c) --- */

/* A valid Linux interface name: 1..IFNAMSIZ-1 bytes, no '/', no
 * whitespace, not "." or "..". Also what keeps socket paths safe. */
bool wg_ifname_valid(const char *name);

/* NULL if the name is not valid. */
struct wg_device *wg_device_new(const char *name);
/* Wipes the keys; NULL is fine. */
void wg_device_free(struct wg_device *dev);
/* Append a zeroed peer with this public key. */
struct wg_peer *wg_device_add_peer(struct wg_device *dev, const uint8_t public_key[WG_KEY_SIZE]);
struct wg_peer *wg_device_find_peer(const struct wg_device *dev,
				    const uint8_t public_key[WG_KEY_SIZE]);
void wg_peer_add_allowedip(struct wg_peer *peer, const struct kld_prefix *p);

/* Numeric endpoints only ("192.0.2.1:51820", "[2001:db8::1]:51820",
 * "[fe80::1%eth0]:51820"): name resolution is the caller's business,
 * done once, not inside a kernel programming path. 0 or -1. */
int wg_endpoint_parse(union wg_endpoint *ep, const char *s, size_t len);
/* "" for no endpoint. Returns buf. */
const char *wg_endpoint_fmt(const union wg_endpoint *ep, char *buf, size_t size);
bool wg_endpoint_eq(const union wg_endpoint *a, const union wg_endpoint *b);

/* --- back-end interface --- */

struct wg_ifnames {
	char (*names)[IFNAMSIZ];
	size_t n;
};
void wg_ifnames_free(struct wg_ifnames *l);
/* Append unless already present. */
void wg_ifnames_add(struct wg_ifnames *l, const char *name);

struct wg_backend;

struct wg_backend_ops {
	const char *kind;
	/* *out is a new device the caller frees; NULL on error. */
	int (*get_device)(struct wg_backend *be, const char *ifname, struct wg_device **out);
	int (*set_device)(struct wg_backend *be, const struct wg_device *dev);
	/* -EEXIST if the interface exists already. */
	int (*add_interface)(struct wg_backend *be, const char *ifname);
	/* -ENODEV if there is no such WireGuard interface. */
	int (*del_interface)(struct wg_backend *be, const char *ifname);
	/* Names of the WireGuard interfaces this back end serves. */
	int (*list_interfaces)(struct wg_backend *be, struct wg_ifnames *out);
	/* Does this back end serve the interface? (routing in wg_backend.c) */
	bool (*has_interface)(struct wg_backend *be, const char *ifname);
	void (*destroy)(struct wg_backend *be);
};

/* Back ends embed this as their first member. */
struct wg_backend {
	const struct wg_backend_ops *ops;
};

/* --- choosing a back end (wg_backend.c) --- */

enum wg_backend_kind {
	WG_BACKEND_AUTO, /* kernel if the genl family resolves, else userspace */
	WG_BACKEND_GENL,
	WG_BACKEND_UAPI,
};

struct wg_backend_config {
	enum wg_backend_kind kind;
	/* Userspace implementation started for new interfaces, run as
	 * "BINARY IFNAME"; NULL means wireguard-go (found on PATH). */
	const char *uapi_binary;
	/* Where implementations put NAME.sock; NULL = /var/run/wireguard. */
	const char *uapi_sockdir;
	/* Bound on each userspace API exchange and on interface start/stop;
	 * 0 = default (5000 ms). */
	int timeout_ms;
};

/* 0 and *out, or -errno (-EPROTONOSUPPORT: GENL asked, no kernel module). */
int wg_backend_open(const struct wg_backend_config *cfg, struct wg_backend **out);
/* "genl", "uapi" or "genl+uapi". */
const char *wg_backend_kind_name(const struct wg_backend *be);

int wg_backend_get_device(struct wg_backend *be, const char *ifname, struct wg_device **out);
int wg_backend_set_device(struct wg_backend *be, const struct wg_device *dev);
int wg_backend_add_interface(struct wg_backend *be, const char *ifname);
int wg_backend_del_interface(struct wg_backend *be, const char *ifname);
int wg_backend_list_interfaces(struct wg_backend *be, struct wg_ifnames *out);
void wg_backend_free(struct wg_backend *be);

#endif
