/*
 * wgd: WireGuard planes, peers and topologies as configuration.
 *
 *   wgd_main.c    wiring
 *   wgd_conf.c    the model: interfaces, peers, meshes; key files; the
 *                 effective peer set of an interface (configured peers
 *                 plus what its meshes expand to) and its validation
 *   wgd_vty.c     commands and the running config
 *   wgd_show.c    show wireguard [IFNAME] [json], show wireguard mesh
 *   wgd_zebra.c   device state and allowed-ips routes to zebra-lite
 *   wgd_health.c  stale handshakes and the Prometheus endpoint
 *
 * wgd never touches the kernel: it reads (or generates) key files and
 * sends zebra-lite the whole desired state of each device, which
 * zebra-lite reconciles. Private keys live in 0600 files, in memory here
 * and on the zserv socket only; nothing prints or logs them.
 */
#ifndef KLD_WGD_H
#define KLD_WGD_H

#include <limits.h>
#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include "daemon_run.h"
#include "httpd.h"
#include "prefix.h"
#include "wg_key.h"

#define WGD_NAMESIZ 64
#define WGD_DEFAULT_STALE 180
#define WGD_DEFAULT_FT_TABLE 51820

struct wgd_peer {
	uint8_t pub[WG_KEY_SIZE];
	char *description;
	char *endpoint; /* as configured: "host:port", "[v6]:port" */
	uint16_t keepalive;
	char *psk_file;
	struct kld_prefix *aips;
	size_t naips;
	struct wgd_peer *next;
};

/* A route wgd has sent to zebra-lite for an interface. */
struct wgd_route {
	struct kld_prefix prefix;
	uint32_t table;
};

struct wgd_if {
	char name[IFNAMSIZ];
	char *key_file;
	bool has_key;
	uint8_t priv[WG_KEY_SIZE];
	uint8_t pub[WG_KEY_SIZE];
	uint16_t listen_port; /* 0: none configured */
	uint32_t fwmark;
	uint32_t mtu;
	struct kld_prefix *addrs;
	size_t naddrs;
	bool no_routes;
	bool full_tunnel;
	uint32_t ft_table; /* 0: WGD_DEFAULT_FT_TABLE */
	struct wgd_peer *peers;
	/* index of peers by public key (open addressing; a plane may carry
	 * ten thousand peers and every peer line looks its peer up) */
	struct wgd_peer **ptab;
	size_t ptab_cap, npeers;
	struct wgd_peer *peers_tail;
	/* configured peers' allowed-ips -> peer, per family (v4, v6): finds a
	 * prefix claimed twice without walking every peer */
	struct kld_trie *claims[2];
	/* zebra-lite's view */
	bool dirty;
	uint16_t port_sent; /* listen port of the last set sent */
	uint32_t ifindex;
	char last_error[128];
	struct wgd_route *sent;
	size_t nsent;
	/* health: public keys of peers currently reported stale */
	uint8_t (*stale)[WG_KEY_SIZE];
	size_t nstale;
	/* peers whose live endpoint lies in their own allowed-ips (roamed
	 * there): logged once when it starts */
	uint8_t (*trapped)[WG_KEY_SIZE];
	size_t ntrapped;
	struct wgd_if *next;
};

#define WGD_MAX_LANS 4

struct wgd_member {
	char name[WGD_NAMESIZ];
	uint8_t pub[WG_KEY_SIZE];
	char *endpoint;		/* NULL: behind NAT, reached through its keepalives */
	struct kld_prefix addr; /* overlay address with its prefix length */
	uint8_t nlans;		/* networks behind it (site-to-site) */
	struct kld_prefix lans[WGD_MAX_LANS];
};

struct wgd_mesh {
	char name[WGD_NAMESIZ];
	char ifname[IFNAMSIZ];
	char self[WGD_NAMESIZ];
	char hub[WGD_NAMESIZ]; /* "": full mesh; else hub-and-spoke via it */
	uint16_t keepalive;
	struct wgd_member *members;
	size_t nmembers;
	struct wgd_mesh *next;
};

/* A peer as the device gets it: configured or expanded from a mesh. */
struct wgd_epeer {
	uint8_t pub[WG_KEY_SIZE];
	const char *endpoint;
	uint16_t keepalive;
	const char *psk_file;
	struct kld_prefix *aips; /* owned */
	size_t naips;
	const char *origin; /* "" for a configured peer, else "mesh NAME member M" */
	char origin_buf[2 * WGD_NAMESIZ + 16];
};

struct wgd {
	struct kld_proto_daemon p;
	struct wgd_if *ifs;
	struct wgd_mesh *meshes;
	struct kld_timer *push_timer;
	struct kld_timer *health_timer;
	uint32_t stale_secs; /* 0: WGD_DEFAULT_STALE */
	struct kld_metrics metrics;
	/* replay after (re)connecting to zebra-lite */
	struct kld_ipc_conn *conn;
	bool replaying;
	unsigned pending_results;
	struct wgd_dns *dns; /* endpoint names, resolved off the loop */
};

/* wgd_dns.c */
struct kld_loop;
struct wgd_dns *wgd_dns_new(struct kld_loop *l, void (*changed)(void *arg), void *arg);
void wgd_dns_free(struct wgd_dns *d);
/* The numeric form of HOST:PORT, or NULL while the resolver has not
 * answered (asking starts it); a literal address answers at once. */
const char *wgd_dns_get(struct wgd_dns *d, const char *endpoint);
/* Ask again (the handshake went stale: the peer may have moved); a
 * literal address is left alone. */
void wgd_dns_refresh(struct wgd_dns *d, const char *endpoint);

/* wgd_conf.c */
bool wgd_ifname_valid(const char *name);
struct wgd_if *wgd_if_get(struct wgd *w, const char *name, bool create);
void wgd_if_free(struct wgd_if *ifp);
struct wgd_peer *wgd_peer_get(struct wgd_if *ifp, const uint8_t *pub, bool create);
/* Also forgets the peer's allowed-ips claims. */
void wgd_peer_unlink(struct wgd_if *ifp, struct wgd_peer *peer);
/* Record or forget that a configured peer routes x. */
void wgd_claim(struct wgd_if *ifp, const struct kld_prefix *x, struct wgd_peer *peer);
void wgd_peer_free(struct wgd_peer *peer);
struct wgd_mesh *wgd_mesh_get(struct wgd *w, const char *name, bool create);
void wgd_mesh_free(struct wgd_mesh *m);
struct wgd_member *wgd_member_get(struct wgd_mesh *m, const char *name);
/* Read a base64 key file, generating it (mode 0600) when missing.
 * 0, or -1 with a reason in err. */
int wgd_key_file_load(const char *path, uint8_t key[WG_KEY_SIZE], bool private_key, char *err,
		      size_t errsize);
/* Write a new private key to path atomically (rename over). 0 or -1. */
int wgd_key_file_replace(const char *path, const uint8_t key[WG_KEY_SIZE], char *err,
			 size_t errsize);
/* "host:port" with a port in 1..65535. */
bool wgd_endpoint_valid(const char *ep);
/* HOST and PORT of "HOST:PORT" or "[HOST]:PORT". 0 or -1. */
int wgd_endpoint_split(const char *ep, char *host, size_t hsize, char *port, size_t psize);
/* The address of a literal endpoint; -1 for a name (or NULL). */
int wgd_endpoint_addr(const char *ep, struct kld_addr *a);
/* Would a route for one of aips (installed unless `no install-routes`)
 * carry the tunnel's own packets to endpoint? 0, or -1 with the reason. */
int wgd_check_trap(const struct wgd_if *ifp, const char *endpoint, const struct kld_prefix *aips,
		   size_t n, char *err, size_t errsize);
/* Does one of the live peer's allowed-ips route its (live) endpoint into
 * the tunnel? 0, or -1 with the reason (the peer roamed there). */
int wgd_peer_trapped(const struct wgd_if *ifp, const Kld__WgPeerState *p, char *err,
		     size_t errsize);
/* Another plane with this public key, or this port; NULL if none. */
const struct wgd_if *wgd_key_user(const struct wgd *w, const struct wgd_if *ifp,
				  const uint8_t pub[WG_KEY_SIZE]);
const struct wgd_if *wgd_port_user(struct wgd *w, const struct wgd_if *ifp, uint16_t port);
/* Another plane has address x: -1 with the reason in err. A plane whose
 * network overlaps: 0 with the warning in warn (when warn is not NULL). */
int wgd_check_addr(struct wgd *w, const struct wgd_if *ifp, const struct kld_prefix *x, char *err,
		   size_t errsize, char *warn, size_t wsize);
/* The device's peers; free with wgd_epeers_free. */
size_t wgd_if_epeers(struct wgd *w, const struct wgd_if *ifp, struct wgd_epeer **out);
void wgd_epeers_free(struct wgd_epeer *e, size_t n);
/* Is the peer set consistent (no key twice, no prefix in two peers, not
 * our own key, no prefix over a peer's own endpoint) and apart from the
 * other planes (port, addresses)? 0, or -1 with the reason in err. */
int wgd_if_check(struct wgd *w, const struct wgd_if *ifp, char *err, size_t errsize);
/* Addresses of the interface, mesh self addresses included. */
/* Cheap checks for one change to a configured peer (10,000 peers make the
 * whole-set check per command too slow); same answers as wgd_if_check. */
int wgd_if_check_key(struct wgd *w, const struct wgd_if *ifp, const uint8_t *pub, char *err,
		     size_t errsize);
int wgd_if_check_prefix(struct wgd *w, const struct wgd_if *ifp, const struct wgd_peer *self,
			const struct kld_prefix *x, char *err, size_t errsize);
size_t wgd_if_addrs(struct wgd *w, const struct wgd_if *ifp, struct kld_prefix **out);
/* The listen port sent to the device (explicit, else a mesh self's). */
uint16_t wgd_if_port(struct wgd *w, const struct wgd_if *ifp);
uint32_t wgd_if_ft_table(const struct wgd_if *ifp);
void wgd_free_all(struct wgd *w);

/* wgd_vty.c */
void wgd_vty_install(struct cmd_tree *tree);
void wgd_write_config(struct vty *vty);
/* "% ..." when the change breaks the interface's consistency. */
int wgd_vty_check(struct vty *vty, struct wgd *w, struct wgd_if *ifp);

/* wgd_show.c */
void wgd_show_install(struct cmd_tree *tree);

/* wgd_zebra.c */
extern const struct kld_ipc_ops wgd_zebra_ops;
int wgd_zebra_init(struct wgd *w);
void wgd_zebra_fini(struct wgd *w);
/* An interface changed: push it soon (changes of one burst coalesce). */
void wgd_schedule_push(struct wgd *w, struct wgd_if *ifp);
/* Every interface that uses this mesh changed. */
void wgd_schedule_mesh(struct wgd *w, const struct wgd_mesh *m);
/* The interface is going away: withdraw its routes and delete it. */
void wgd_zebra_delete(struct wgd *w, struct wgd_if *ifp);
/* Program the device now with its whole desired state and wait for
 * zebra-lite's verdict, so that what only the kernel can refuse (a port
 * taken, a name that is not WireGuard) reaches the prompt. Nothing is
 * checked while wgd is not connected (start-up, zebra-lite down): the
 * change then goes out with the next push and `show` reports the outcome.
 * Either way a push follows. 0, or -1 with the reason in err. */
int wgd_apply_now(struct wgd *w, struct wgd_if *ifp, char *err, size_t errsize);
/* Live device state, fetched synchronously from zebra-lite; NULL when it
 * does not answer. Free with kld_frame_free(). */
Kld__Envelope *wgd_fetch_state(struct wgd *w, const char *ifname);

/* Ask for live state on the main connection; the answer goes to
 * wgd_zebra_hooks.on_state. */
void wgd_zebra_request_state(struct wgd *w);
/* News from zebra-lite going up: wgd_zebra.c (the client, a lower floor)
 * calls these; the floor above (wgd_health.c) registers them at start-up,
 * so the client never names a file above it (doc/ARCHITECTURE.md).
 *   on_state  the live WireGuard state asked for by
 *             wgd_zebra_request_state() arrived. */
struct wgd_zebra_hooks {
	void (*on_state)(struct wgd *w, const Kld__WgState *st);
};
extern struct wgd_zebra_hooks wgd_zebra_hooks;

/* wgd_health.c */
void wgd_health_on_state(struct wgd *w, const Kld__WgState *st);
int wgd_health_init(struct wgd *w);
void wgd_health_fini(struct wgd *w);
uint32_t wgd_stale_secs(const struct wgd *w);
/* Serve the metrics at addr:port (port 0: stop); -1 when it cannot bind
 * there (the endpoint stays where it was). */
int wgd_metrics_set(struct wgd *w, const struct kld_addr *addr, uint16_t port);

#endif
