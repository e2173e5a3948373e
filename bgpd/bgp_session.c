/*
 * BGP sessions: sockets, timers and the FSM.
 *
 * Everything that happens to a session (a timer firing, a connect()
 * result, an accepted connection, a decoded message) becomes an RFC 4271
 * event; bgp_fsm_step() (libbgp) says which state comes next and which
 * named action to run, and bgp_fsm_actions[] maps that action to a handler
 * here. No switch over states lives in this file.
 *
 * I/O is nonblocking on the event loop: a read handler frames messages out
 * of a per-connection buffer, writes go to a per-connection queue that is
 * drained when the socket is writable.
 *
 * Collision detection (RFC 4271 6.8): in OpenSent, OpenConfirm and
 * Established a connection the peer opens is kept aside (peer->acc) and
 * judged only once its OPEN has arrived and is valid: against our own
 * connection the BGP identifiers decide which survives; against an older
 * connection the peer opened, the newer wins (the peer gave the old one
 * up); against an Established session it is closed with Cease 6/7, unless
 * the session negotiated graceful restart and the new OPEN carries the
 * capability again, which makes it the peer's restart (RFC 4724 4.2). Until
 * then the session is not touched: a connection that only completes the
 * handshake costs the peer nothing. In Established our OPEN goes out on
 * the side connection only once it has won (a peer using DelayOpen sends
 * its own when its timer runs out); elsewhere at once, as on any new one.
 * In Idle (waiting for the back-off to restart), Connect and Active an
 * incoming connection is simply adopted, so a peer that connects first
 * does not wait for our back-off.
 *
 * A connection the peer opened has BGP_OPEN_WAIT_MS to deliver its OPEN,
 * adopted or aside, not the 240 s OpenSent hold our own connections get:
 * a half-open connection from the peer's address cannot hold the session.
 *
 * GTSM (RFC 5082): IP_MINTTL / IPV6_MINHOPCOUNT are per socket, and one
 * listener serves every peer, so the listener carries a classic BPF filter
 * (bgp_session_gtsm_sync) that drops a segment from a ttl-security peer's
 * address arriving under its floor, the SYN included: such a connection is
 * never accepted. Accepted and connecting sockets get the socket options.
 * The listeners send with TTL 255: a SYN-ACK leaves with the listener's
 * TTL, and a GTSM peer's connecting socket drops anything under its floor.
 *
 * TCP-MD5 (RFC 2385): the kernel signs and checks the segments. A peer's
 * key goes on the connecting socket before connect() and on the listener
 * as an entry for the peer's address, which accepted sockets inherit; the
 * kernel then drops unsigned or badly signed segments from that address,
 * so a wrong password shows as a session that never leaves Connect/Active.
 * A listen range whose peer-group has a password puts a prefix entry on
 * the listener (bgp_session_md5_range), as FRR.
 */
#include <stdarg.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/filter.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "log.h"
#include "util.h"
#include "bgpd.h"

#define BGP_RX_SIZE (64 * 1024)
#define BGP_OPEN_HOLD_MS (240 * 1000)
/* How long a connection the peer opened may take to deliver its OPEN: a
 * speaker sends it right after the handshake (or after a DelayOpen of a
 * few seconds); this is generous for a loaded machine and short enough
 * that a half-open connection is not a way to hold a session down. */
#define BGP_OPEN_WAIT_MS (10 * 1000)
#define BGP_CONNECT_RETRY_MS 10000
#define BGP_IDLE_HOLD_MAX_MS 32000

static void bgp_fsm_event(struct bgp_peer *peer, enum bgp_fsm_event ev);

/* ---- helpers ---- */


static uint32_t bgp_local_id(const struct bgp *bgp)
{
	return ntohl(bgp->router_id.s_addr);
}

static void bgp_sockaddr(const struct kld_addr *a, uint16_t port, struct sockaddr_storage *ss,
			 socklen_t *len)
{
	memset(ss, 0, sizeof(*ss));
	if (a->family == AF_INET) {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		s->sin_port = htons(port);
		s->sin_addr = a->u.v4;
		*len = sizeof(*s);
		return;
	}
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)ss;

	s6->sin6_family = AF_INET6;
	s6->sin6_port = htons(port);
	s6->sin6_addr = a->u.v6;
	*len = sizeof(*s6);
}

/* A v4-mapped IPv6 address comes back as IPv4. */
static void bgp_addr_from_sockaddr(const struct sockaddr_storage *ss, struct kld_addr *a)
{
	memset(a, 0, sizeof(*a));
	if (ss->ss_family == AF_INET) {
		kld_addr_set(a, AF_INET, &((const struct sockaddr_in *)ss)->sin_addr);
		return;
	}
	const struct in6_addr *v6 = &((const struct sockaddr_in6 *)ss)->sin6_addr;

	if (IN6_IS_ADDR_V4MAPPED(v6))
		kld_addr_set(a, AF_INET, &v6->s6_addr[12]);
	else
		kld_addr_set(a, AF_INET6, v6);
}

static struct kld_loop *bgp_peer_loop(const struct bgp_peer *peer)
{
	return peer->bgp->bd->p.d.loop;
}

struct bgp_session_hooks bgp_session_hooks;

static const char *bgp_peer_name(const struct bgp_peer *peer, char *buf)
{
	return kld_addr_fmt(&peer->addr, buf, KLD_ADDR_STRLEN);
}

/* ---- connections ---- */

static void bgp_conn_init(struct bgp_conn *c)
{
	memset(c, 0, sizeof(*c));
	c->fd = -1;
	kld_buf_init(&c->tx);
}

static void bgp_conn_close(struct bgp_conn *c)
{
	kld_io_free(c->rio);
	kld_io_free(c->wio);
	c->rio = c->wio = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	c->connecting = false;
	c->inbound = false;
	c->rxlen = 0;
	kld_buf_reset(&c->tx);
	c->txoff = 0;
}

static void bgp_conn_free(struct bgp_conn *c)
{
	bgp_conn_close(c);
	kld_buf_free(&c->tx);
	free(c->rx);
	c->rx = NULL;
}

static void bgp_conn_writable(int fd, int what, void *arg);

static void bgp_conn_flush(struct bgp_peer *peer, struct bgp_conn *c)
{
	while (c->fd >= 0 && !c->connecting && c->txoff < c->tx.len) {
		ssize_t n = send(c->fd, c->tx.data + c->txoff, c->tx.len - c->txoff,
				 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if (!c->wio)
				c->wio = kld_io_new(bgp_peer_loop(peer), c->fd, KLD_IO_WRITE,
						    bgp_conn_writable, peer);
			return;
		}
		if (n < 0)
			return; /* the read side sees the error and drops */
		c->txoff += (size_t)n;
	}
	if (c->txoff && c->txoff == c->tx.len) {
		kld_buf_reset(&c->tx);
		c->txoff = 0;
	}
	if (c->wio && !c->connecting) {
		kld_io_free(c->wio);
		c->wio = NULL;
	}
}

static void bgp_conn_send(struct bgp_peer *peer, struct bgp_conn *c, const void *msg, size_t len)
{
	if (c->fd < 0)
		return;
	kld_buf_append(&c->tx, msg, len);
	if (c == &peer->c)
		peer->msg_out++;
	bgp_conn_flush(peer, c);
}

uint64_t bgp_peer_outq_bytes(const struct bgp_peer *peer)
{
	return peer->c.tx.len - peer->c.txoff;
}

/* On a side connection: the session's last reset is not this one's, and
 * the peer's address can trigger it at will (the log is rate-limited). */
static void bgp_send_notify_aside(struct bgp_peer *peer, struct bgp_conn *c,
				  const struct bgp_notify *n)
{
	uint8_t buf[BGP_MAX_MSG_LEN];
	int len = bgp_notify_encode(n, buf, sizeof(buf));
	char name[KLD_ADDR_STRLEN];

	if (len < 0 || c->fd < 0)
		return;
	kld_log_rl(LOG_NOTICE,
		   "%%NOTIFICATION: sent to neighbor %s %d/%d (%s/%s) on a new connection",
		   bgp_peer_name(peer, name), n->code, n->subcode, bgp_notify_code_str(n->code),
		   bgp_notify_subcode_str(n->code, n->subcode));
	bgp_conn_send(peer, c, buf, (size_t)len);
}

static void bgp_send_notify(struct bgp_peer *peer, struct bgp_conn *c, const struct bgp_notify *n)
{
	uint8_t buf[BGP_MAX_MSG_LEN];
	int len = bgp_notify_encode(n, buf, sizeof(buf));
	char name[KLD_ADDR_STRLEN];

	if (len < 0 || c->fd < 0)
		return;
	kld_notice("%%NOTIFICATION: sent to neighbor %s %d/%d (%s/%s) %u bytes",
		   bgp_peer_name(peer, name), n->code, n->subcode, bgp_notify_code_str(n->code),
		   bgp_notify_subcode_str(n->code, n->subcode), n->datalen);
	snprintf(peer->last_reset, sizeof(peer->last_reset), "NOTIFICATION sent (%s/%s)",
		 bgp_notify_code_str(n->code), bgp_notify_subcode_str(n->code, n->subcode));
	bgp_conn_send(peer, c, buf, (size_t)len);
}

uint16_t bgp_peer_hold_cfg(const struct bgp_peer *peer)
{
	if (peer->timers_set)
		return peer->hold_cfg;
	return peer->bgp->timers_set ? peer->bgp->hold_cfg : BGP_DEFAULT_HOLD;
}

uint16_t bgp_peer_ka_cfg(const struct bgp_peer *peer)
{
	if (peer->timers_set)
		return peer->ka_cfg;
	return peer->bgp->timers_set ? peer->bgp->ka_cfg : BGP_DEFAULT_KEEPALIVE;
}

static void bgp_send_open(struct bgp_peer *peer, struct bgp_conn *c)
{
	struct bgp *bgp = peer->bgp;
	uint8_t buf[BGP_MAX_MSG_LEN];
	int len;

	bgp_open_init(&peer->lopen, bgp->asn, bgp_peer_hold_cfg(peer), bgp_local_id(bgp));
	peer->lopen.caps.present |= BGP_CAPF_MP | BGP_CAPF_ROUTE_REFRESH;
	for (int af = 0; af < BGP_AF_MAX; af++)
		if (peer->af_active[af])
			peer->lopen.caps.mp_mask |= BGP_AF_BIT(af);
	bgp_session_hooks.open_fill(peer, &peer->lopen);
	len = bgp_open_encode(&peer->lopen, buf, sizeof(buf));
	if (len > 0)
		bgp_conn_send(peer, c, buf, (size_t)len);
}

static void bgp_send_keepalive(struct bgp_peer *peer)
{
	uint8_t buf[BGP_KEEPALIVE_LEN];

	bgp_keepalive_encode(buf, sizeof(buf));
	bgp_conn_send(peer, &peer->c, buf, sizeof(buf));
}

static void bgp_conn_readable(int fd, int what, void *arg);
static void bgp_acc_readable(int fd, int what, void *arg);

static void bgp_conn_attach(struct bgp_peer *peer, struct bgp_conn *c, int fd, kld_io_fn fn)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	c->fd = fd;
	if (!c->rx)
		c->rx = kld_xmalloc(BGP_RX_SIZE);
	c->rxlen = 0;
	c->rio = kld_io_new(bgp_peer_loop(peer), fd, KLD_IO_READ, fn, peer);
	if (c == &peer->c && getsockname(fd, (struct sockaddr *)&ss, &sl) == 0)
		bgp_addr_from_sockaddr(&ss, &peer->local);
}

/* ---- timers ---- */

static void bgp_timer_retry(void *arg)
{
	bgp_fsm_event(arg, BGP_EV_CONNECT_RETRY_EXPIRES);
}

static void bgp_timer_hold(void *arg)
{
	bgp_fsm_event(arg, BGP_EV_HOLD_EXPIRES);
}

static void bgp_timer_keepalive(void *arg)
{
	bgp_fsm_event(arg, BGP_EV_KEEPALIVE_EXPIRES);
}

static void bgp_timer_start(void *arg)
{
	struct bgp_peer *peer = arg;

	if (bgp_session_hooks.start_held(peer->bgp->bd))
		return; /* bgp_gr_zebra_answer() starts it */
	if (!peer->shutdown && peer->state == BGP_FSM_IDLE)
		bgp_fsm_event(peer, peer->passive ? BGP_EV_AUTOMATIC_START_PASSIVE
						  : BGP_EV_AUTOMATIC_START);
}

/* ---- connect ---- */

static void bgp_connect_done(struct bgp_peer *peer)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (getsockopt(peer->c.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	peer->c.connecting = false;
	kld_io_free(peer->c.wio);
	peer->c.wio = NULL;
	if (err) {
		snprintf(peer->last_reset, sizeof(peer->last_reset), "connect: %s", strerror(err));
		bgp_fsm_event(peer, BGP_EV_TCP_CONN_FAILS);
		return;
	}
	bgp_conn_attach(peer, &peer->c, peer->c.fd, bgp_conn_readable);
	bgp_fsm_event(peer, BGP_EV_TCP_CR_ACKED);
}

static void bgp_conn_writable(int fd, int what, void *arg)
{
	struct bgp_peer *peer = arg;

	(void)what;
	if (peer->c.fd == fd && peer->c.connecting) {
		bgp_connect_done(peer);
		return;
	}
	if (peer->c.fd == fd)
		bgp_conn_flush(peer, &peer->c);
	else if (peer->acc.fd == fd)
		bgp_conn_flush(peer, &peer->acc);
}

/* eBGP without multihop: TTL 1 (a directly connected peer, as FRR);
 * otherwise the configured hop count or 255. GTSM (RFC 5082) sends with
 * 255 and has the kernel drop segments that arrive with less than
 * 256 - hops, the SYN-ACK of our connect() included; an accepted
 * connection gets it before its first read. */
static void bgp_set_ttl(const struct bgp_peer *peer, int fd)
{
	int ttl = 255, min = 256 - peer->gtsm_hops;

	if (!peer->gtsm_hops && bgp_peer_is_ebgp(peer))
		ttl = peer->multihop ? peer->multihop : 1;
	if (peer->addr.family == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
		if (peer->gtsm_hops)
			setsockopt(fd, IPPROTO_IP, IP_MINTTL, &min, sizeof(min));
		return;
	}
	setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
	if (peer->gtsm_hops)
		setsockopt(fd, IPPROTO_IPV6, IPV6_MINHOPCOUNT, &min, sizeof(min));
}

static void bgp_bind_source(const struct bgp_peer *peer, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl;

	if (peer->update_source.family != peer->addr.family)
		return;
	bgp_sockaddr(&peer->update_source, 0, &ss, &sl);
	bind(fd, (struct sockaddr *)&ss, sl);
}

/* ---- TCP-MD5 ---- */

/* The key for remote addresses a/plen on fd (plen < 0: the address
 * alone; else a prefix, TCP_MD5SIG_EXT, as FRR does for listen ranges);
 * an empty key removes the entry. */
static int bgp_md5_set_prefix(int fd, const struct kld_addr *a, int plen, const char *key)
{
	struct tcp_md5sig sig;
	struct sockaddr_storage ss;
	socklen_t sl;
	size_t len = strlen(key);
	int rc, opt = TCP_MD5SIG;

	if (len > TCP_MD5SIG_MAXKEYLEN)
		return -EINVAL;
	memset(&sig, 0, sizeof(sig));
	bgp_sockaddr(a, 0, &ss, &sl);
	memcpy(&sig.tcpm_addr, &ss, sl);
	if (plen >= 0) {
		opt = TCP_MD5SIG_EXT;
		sig.tcpm_flags = TCP_MD5SIG_FLAG_PREFIX;
		sig.tcpm_prefixlen = (uint8_t)plen;
	}
	sig.tcpm_keylen = (uint16_t)len;
	memcpy(sig.tcpm_key, key, len);
	rc = setsockopt(fd, IPPROTO_TCP, opt, &sig, sizeof(sig)) < 0 ? -errno : 0;
	explicit_bzero(&sig, sizeof(sig));
	return rc;
}

static int bgp_md5_set(int fd, const struct kld_addr *a, const char *key)
{
	return bgp_md5_set_prefix(fd, a, -1, key);
}

int bgp_session_md5_range(struct bgpd *bd, const struct kld_prefix *p, const char *key)
{
	int fd = p->family == AF_INET ? bd->lfd : bd->lfd6;
	struct kld_addr a;

	if (fd < 0)
		return -EBADF;
	kld_addr_from_prefix(&a, p);
	return bgp_md5_set_prefix(fd, &a, p->len, key ? key : "");
}

/* Bring the listener's entry for the peer's address in line with its
 * password. The IPv6 listener is v6-only, so each family has one. */
static int bgp_md5_listen(struct bgp_peer *peer)
{
	struct bgpd *bd = peer->bgp->bd;
	int fd = peer->addr.family == AF_INET ? bd->lfd : bd->lfd6;
	int rc;

	if (peer->is_group || fd < 0)
		return 0;
	if (!peer->password[0]) {
		if (peer->md5_listen)
			bgp_md5_set(fd, &peer->addr, "");
		peer->md5_listen = false;
		return 0;
	}
	rc = bgp_md5_set(fd, &peer->addr, peer->password);
	peer->md5_listen = rc == 0;
	return rc;
}

int bgp_peer_set_password(struct bgp_peer *peer, const char *pw)
{
	int rc;

	if (!pw)
		pw = "";
	if (strlen(pw) > BGP_PASSWORD_MAX)
		return -EINVAL;
	if (!strcmp(peer->password, pw))
		return bgp_md5_listen(peer); /* unchanged: the session stays */
	explicit_bzero(peer->password, sizeof(peer->password));
	memcpy(peer->password, pw, strlen(pw));
	rc = bgp_md5_listen(peer);
	bgp_peer_stop(peer, BGP_CEASE_CONFIG_CHANGE);
	bgp_peer_start(peer);
	return rc;
}

/* A socket for connecting to the peer: TTL, source, key; -1 when the
 * attempt cannot go on (reason in last_reset). */
static int bgp_connect_socket(struct bgp_peer *peer)
{
	int fd = socket(peer->addr.family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0)
		return -1;
	bgp_set_ttl(peer, fd);
	bgp_bind_source(peer, fd);
	if (!peer->password[0])
		return fd;
	rc = bgp_md5_set(fd, &peer->addr, peer->password);
	if (rc == 0)
		return fd;
	/* Never connect unsigned when a password is configured. */
	snprintf(peer->last_reset, sizeof(peer->last_reset), "TCP-MD5: %s", strerror(-rc));
	close(fd);
	return -1;
}

static void bgp_connect(struct bgp_peer *peer)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd;

	bgp_conn_close(&peer->c);
	fd = bgp_connect_socket(peer);
	if (fd < 0)
		return;
	bgp_sockaddr(&peer->addr, peer->bgp->bd->port, &ss, &sl);
	peer->c.fd = fd;
	if (connect(fd, (struct sockaddr *)&ss, sl) < 0 && errno != EINPROGRESS) {
		snprintf(peer->last_reset, sizeof(peer->last_reset), "connect: %s",
			 strerror(errno));
		close(fd);
		peer->c.fd = -1;
		return; /* ConnectRetryTimer tries again */
	}
	peer->c.connecting = true;
	peer->c.wio = kld_io_new(bgp_peer_loop(peer), fd, KLD_IO_WRITE, bgp_conn_writable, peer);
}

/* ---- FSM actions ---- */

static void bgp_outq_drop(struct bgp_peer *q);

/* tcp_failure: the session ended without a NOTIFICATION either way, the
 * one case where a graceful-restart peer's routes are kept. */
static void bgp_release(struct bgp_peer *peer, enum bgp_fsm_state old, bool tcp_failure)
{
	char name[KLD_ADDR_STRLEN];

	bgp_conn_close(&peer->c); /* a side connection (acc) may take over */
	kld_timer_cancel(peer->t_hold);
	kld_timer_cancel(peer->t_keepalive);
	kld_timer_cancel(peer->t_dump);
	bgp_outq_drop(peer);
	if (old != BGP_FSM_ESTABLISHED)
		return;
	kld_notice("%%ADJCHANGE: neighbor %s Down %s", bgp_peer_name(peer, name),
		   peer->last_reset[0] ? peer->last_reset : "");
	peer->uptime_ms = kld_now_ms();
	peer->dropped_count++;
	bgp_session_hooks.on_down(peer, tcp_failure);
}

struct bgp_fsm_ctx {
	struct bgp_peer *peer;
	enum bgp_fsm_event ev;
	struct bgp_fsm_entry e;
	enum bgp_fsm_state old;
	const uint8_t *msg; /* the message behind the event, if any */
	size_t len;
};

static void act_none(struct bgp_fsm_ctx *x)
{
	(void)x;
}

static void act_start(struct bgp_fsm_ctx *x)
{
	x->peer->retry_count = 0;
	kld_timer_arm(x->peer->t_retry, BGP_CONNECT_RETRY_MS);
	if (!x->peer->passive)
		bgp_connect(x->peer);
}

static void act_start_passive(struct bgp_fsm_ctx *x)
{
	x->peer->retry_count = 0;
	kld_timer_arm(x->peer->t_retry, BGP_CONNECT_RETRY_MS);
}

static void act_connect(struct bgp_fsm_ctx *x)
{
	kld_timer_arm(x->peer->t_retry, BGP_CONNECT_RETRY_MS);
	if (!x->peer->passive)
		bgp_connect(x->peer);
}

static void act_send_open(struct bgp_fsm_ctx *x)
{
	kld_timer_cancel(x->peer->t_retry);
	bgp_send_open(x->peer, &x->peer->c);
	kld_timer_arm(x->peer->t_hold, x->peer->c.inbound ? BGP_OPEN_WAIT_MS : BGP_OPEN_HOLD_MS);
}

static void bgp_set_ctx(struct bgp_peer *peer)
{
	memset(&peer->ctx, 0, sizeof(peer->ctx));
	peer->ctx.as4 = peer->neg.as4;
	peer->ctx.ebgp = peer->ebgp;
	peer->ctx.af_mask = peer->neg.af_mask;
}

static void act_accept_open(struct bgp_fsm_ctx *x)
{
	struct bgp_peer *peer = x->peer;

	kld_timer_cancel(peer->t_retry);
	bgp_negotiate(&peer->lopen, &peer->ropen, &peer->neg);
	/* The configured keepalive interval, if shorter than a third of the
	 * negotiated hold time (as FRR). */
	if (bgp_peer_ka_cfg(peer) && bgp_peer_ka_cfg(peer) < peer->neg.keepalive)
		peer->neg.keepalive = bgp_peer_ka_cfg(peer);
	if (peer->neg.hold_time && !peer->neg.keepalive)
		peer->neg.keepalive = 1;
	peer->ebgp = bgp_peer_is_ebgp(peer);
	bgp_set_ctx(peer);
	bgp_send_keepalive(peer);
	if (peer->neg.hold_time) {
		kld_timer_arm(peer->t_keepalive, peer->neg.keepalive * 1000ull);
		kld_timer_arm(peer->t_hold, peer->neg.hold_time * 1000ull);
	} else {
		kld_timer_cancel(peer->t_hold);
	}
}

static void act_collision_check(struct bgp_fsm_ctx *x)
{
	(void)x; /* collisions are resolved on the side connection (acc) */
}

static void act_establish(struct bgp_fsm_ctx *x)
{
	struct bgp_peer *peer = x->peer;
	char name[KLD_ADDR_STRLEN];

	if (peer->neg.hold_time)
		kld_timer_arm(peer->t_hold, peer->neg.hold_time * 1000ull);
	peer->uptime_ms = kld_now_ms();
	peer->established_count++;
	peer->retry_ms = 0;
	bgp_conn_close(&peer->acc);
	kld_notice("%%ADJCHANGE: neighbor %s Up", bgp_peer_name(peer, name));
	bgp_session_hooks.on_established(peer);
}

static void act_send_keepalive(struct bgp_fsm_ctx *x)
{
	bgp_send_keepalive(x->peer);
	if (x->peer->neg.keepalive)
		kld_timer_arm(x->peer->t_keepalive, x->peer->neg.keepalive * 1000ull);
}

static void act_restart_hold(struct bgp_fsm_ctx *x)
{
	if (x->peer->neg.hold_time)
		kld_timer_arm(x->peer->t_hold, x->peer->neg.hold_time * 1000ull);
}

static void bgp_process_update(struct bgp_peer *peer, const uint8_t *msg, size_t len);

static void act_process_update(struct bgp_fsm_ctx *x)
{
	act_restart_hold(x);
	bgp_process_update(x->peer, x->msg, x->len);
}

static void act_tcp_fail_opensent(struct bgp_fsm_ctx *x)
{
	bgp_conn_close(&x->peer->c);
	kld_timer_cancel(x->peer->t_hold);
	kld_timer_arm(x->peer->t_retry, BGP_CONNECT_RETRY_MS);
}

static void act_drop(struct bgp_fsm_ctx *x)
{
	kld_timer_cancel(x->peer->t_retry);
	bgp_release(x->peer, x->old, x->ev == BGP_EV_TCP_CONN_FAILS);
}

static void act_drop_count(struct bgp_fsm_ctx *x)
{
	act_drop(x);
	x->peer->retry_count++;
}

static void act_stop(struct bgp_fsm_ctx *x)
{
	act_drop(x);
	x->peer->retry_count = 0;
}

static void act_stop_notify(struct bgp_fsm_ctx *x)
{
	struct bgp_notify n;

	bgp_notify_set(&n, x->e.notify_code, x->e.notify_subcode, NULL, 0);
	bgp_send_notify(x->peer, &x->peer->c, &n);
	act_stop(x);
}

static void act_notify_drop(struct bgp_fsm_ctx *x)
{
	struct bgp_notify n;

	bgp_notify_set(&n, x->e.notify_code, x->e.notify_subcode, NULL, 0);
	bgp_send_notify(x->peer, &x->peer->c, &n);
	act_drop_count(x);
}

static void act_error_drop(struct bgp_fsm_ctx *x)
{
	bgp_send_notify(x->peer, &x->peer->c, &x->peer->err);
	act_drop_count(x);
}

static void (*const bgp_fsm_actions[BGP_FSM_ACT_MAX])(struct bgp_fsm_ctx *) = {
	[BGP_FSM_ACT_NONE] = act_none,
	[BGP_FSM_ACT_START] = act_start,
	[BGP_FSM_ACT_START_PASSIVE] = act_start_passive,
	[BGP_FSM_ACT_RECONNECT] = act_connect,
	[BGP_FSM_ACT_CONNECT] = act_connect,
	[BGP_FSM_ACT_SEND_OPEN] = act_send_open,
	[BGP_FSM_ACT_ACCEPT_OPEN] = act_accept_open,
	[BGP_FSM_ACT_COLLISION_CHECK] = act_collision_check,
	[BGP_FSM_ACT_ESTABLISH] = act_establish,
	[BGP_FSM_ACT_SEND_KEEPALIVE] = act_send_keepalive,
	[BGP_FSM_ACT_RESTART_HOLD] = act_restart_hold,
	[BGP_FSM_ACT_PROCESS_UPDATE] = act_process_update,
	[BGP_FSM_ACT_TCP_FAIL_OPENSENT] = act_tcp_fail_opensent,
	[BGP_FSM_ACT_STOP] = act_stop,
	[BGP_FSM_ACT_STOP_NOTIFY] = act_stop_notify,
	[BGP_FSM_ACT_DROP] = act_drop,
	[BGP_FSM_ACT_DROP_COUNT] = act_drop_count,
	[BGP_FSM_ACT_NOTIFY_DROP] = act_notify_drop,
	[BGP_FSM_ACT_ERROR_DROP] = act_error_drop,
};

/* Back in Idle by an error: restart after an idle hold that doubles with
 * each consecutive failure (1 s to 32 s), unless the peer is shut down. */
static void bgp_schedule_restart(struct bgp_peer *peer)
{
	if (peer->shutdown)
		return;
	peer->retry_ms = peer->retry_ms ? KLD_MIN(peer->retry_ms * 2, BGP_IDLE_HOLD_MAX_MS)
					: BGP_RETRY_MIN_MS;
	/* Jitter (RFC 4271 10): two speakers that failed together must not
	 * retry together and collide again. */
	kld_timer_arm(peer->t_start, peer->retry_ms - (uint32_t)random() % (peer->retry_ms / 4 + 1));
}

static void bgp_acc_promote(struct bgp_peer *peer);

static void bgp_fsm_run(struct bgp_peer *peer, enum bgp_fsm_event ev, const uint8_t *msg,
			size_t len)
{
	struct bgp_fsm_ctx x = {
		.peer = peer, .ev = ev, .old = peer->state, .msg = msg, .len = len
	};
	char name[KLD_ADDR_STRLEN];

	x.e = bgp_fsm_step(peer->state, ev);
	if (x.e.next != x.old)
		kld_debug("bgp %s: %s in %s -> %s (%s)", bgp_peer_name(peer, name),
			  bgp_fsm_event_str(ev), bgp_fsm_state_str(x.old),
			  bgp_fsm_state_str(x.e.next), bgp_fsm_action_str(x.e.action));
	peer->state = x.e.next;
	if (x.e.action < BGP_FSM_ACT_MAX)
		bgp_fsm_actions[x.e.action](&x);
	if (peer->state != BGP_FSM_IDLE || x.old == BGP_FSM_IDLE)
		return;
	/* The session failed while the peer's own connection waited aside
	 * (a collision in progress): go on with that one. */
	if (peer->acc.fd >= 0 && !peer->shutdown && ev != BGP_EV_MANUAL_STOP &&
	    !peer->pfx_overflow) {
		bgp_acc_promote(peer);
		return;
	}
	bgp_conn_close(&peer->acc);
	if (ev != BGP_EV_MANUAL_STOP && !peer->pfx_overflow)
		bgp_schedule_restart(peer);
}

static void bgp_fsm_event(struct bgp_peer *peer, enum bgp_fsm_event ev)
{
	bgp_fsm_run(peer, ev, NULL, 0);
}

/* ---- messages ---- */

/* FRR's words, with what the peer sent: an operator reads the log, not
 * the NOTIFICATION's code. */
static void __attribute__((format(printf, 3, 4)))
bgp_open_log_bad_as(struct bgp_peer *peer, uint32_t got, const char *fmt, ...)
{
	char name[KLD_ADDR_STRLEN], want[64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	kld_notice("%s bad OPEN, remote AS is %u, expected %s", bgp_peer_name(peer, name), got,
		   want);
}

static bool bgp_open_ok(struct bgp_peer *peer, const uint8_t *msg, size_t len, struct bgp_open *o)
{
	struct bgp *bgp = peer->bgp;
	struct bgp_open_expect x = {.local_as = bgp->asn,
				    .local_id = bgp_local_id(bgp),
				    .af_mask = peer->lopen.caps.mp_mask};

	if (bgp_open_decode(msg, len, o, &peer->err) < 0)
		return false;
	if (peer->as_type == BGP_AS_NUMBER)
		x.peer_as = peer->remote_as;
	else if (peer->as_type == BGP_AS_INTERNAL)
		x.peer_as = bgp->asn;
	if (bgp_open_check(o, &x, &peer->err) < 0) {
		if (peer->err.code == BGP_ERR_OPEN && peer->err.subcode == BGP_OPEN_BAD_PEER_AS)
			bgp_open_log_bad_as(peer, bgp_open_asn(o), "%u", x.peer_as);
		return false;
	}
	if (peer->as_type == BGP_AS_EXTERNAL && bgp_open_asn(o) == bgp->asn) {
		bgp_notify_set(&peer->err, BGP_ERR_OPEN, BGP_OPEN_BAD_PEER_AS, NULL, 0);
		bgp_open_log_bad_as(peer, bgp_open_asn(o), "an AS other than %u (external)",
				    bgp->asn);
		return false;
	}
	if (peer->as_type != BGP_AS_NUMBER)
		peer->remote_as = bgp_open_asn(o);
	return true;
}

static void bgp_rx_open(struct bgp_peer *peer, const uint8_t *msg, size_t len)
{
	struct bgp_open o;

	if (!bgp_open_ok(peer, msg, len, &o)) {
		bgp_fsm_event(peer, BGP_EV_OPEN_ERR);
		return;
	}
	peer->ropen = o;
	bgp_fsm_event(peer, BGP_EV_BGP_OPEN);
}

static void bgp_rx_notify(struct bgp_peer *peer, const uint8_t *msg, size_t len)
{
	struct bgp_notify n, err;
	char name[KLD_ADDR_STRLEN];

	if (bgp_notify_decode(msg, len, &n, &err) < 0) {
		peer->err = err;
		bgp_fsm_event(peer, BGP_EV_HEADER_ERR);
		return;
	}
	/* RFC 8203: the operator's words, logged as FRR does */
	if (bgp_notify_shutdown_text(&n, peer->shutdown_msg, sizeof(peer->shutdown_msg)) >= 0)
		kld_notice("%%NOTIFICATION: received from neighbor %s %d/%d (%s/%s) \"%s\"",
			   bgp_peer_name(peer, name), n.code, n.subcode,
			   bgp_notify_code_str(n.code), bgp_notify_subcode_str(n.code, n.subcode),
			   peer->shutdown_msg);
	else
		kld_notice("%%NOTIFICATION: received from neighbor %s %d/%d (%s/%s) %u bytes",
			   bgp_peer_name(peer, name), n.code, n.subcode,
			   bgp_notify_code_str(n.code), bgp_notify_subcode_str(n.code, n.subcode),
			   n.datalen);
	snprintf(peer->last_reset, sizeof(peer->last_reset), "NOTIFICATION received (%s/%s)",
		 bgp_notify_code_str(n.code), bgp_notify_subcode_str(n.code, n.subcode));
	bgp_fsm_event(peer, n.code == BGP_ERR_OPEN && n.subcode == BGP_OPEN_BAD_VERSION
				    ? BGP_EV_NOTIF_VERSION_ERR
				    : BGP_EV_NOTIF);
}

static void bgp_rx_refresh(struct bgp_peer *peer, const uint8_t *msg, size_t len)
{
	struct bgp_route_refresh r;
	struct bgp_notify err;
	int af;

	if (bgp_rrefresh_decode(msg, len, &r, &err) < 0 || peer->state != BGP_FSM_ESTABLISHED)
		return;
	peer->refresh_in++;
	af = bgp_af_from_afisafi(r.afi, r.safi);
	/* RFC 2918 4: a family not advertised at the session's start is
	 * ignored; resending the table would send it none anyway. */
	if (af >= 0 && bgp_peer_af_up(peer, (enum bgp_af)af))
		bgp_session_hooks.on_refresh(peer);
}

static void bgp_rx_message(struct bgp_peer *peer, uint8_t type, const uint8_t *msg, size_t len)
{
	peer->msg_in++;
	switch (type) {
	case BGP_MSG_OPEN:
		bgp_rx_open(peer, msg, len);
		return;
	case BGP_MSG_UPDATE:
		peer->upd_in++;
		bgp_fsm_run(peer, BGP_EV_UPDATE_MSG, msg, len);
		return;
	case BGP_MSG_NOTIFICATION:
		bgp_rx_notify(peer, msg, len);
		return;
	case BGP_MSG_KEEPALIVE:
		bgp_fsm_event(peer, BGP_EV_KEEPALIVE_MSG);
		return;
	case BGP_MSG_ROUTE_REFRESH:
		bgp_rx_refresh(peer, msg, len);
		return;
	}
}

/* Frame messages out of c->rx; calls fn for each; stops when the
 * connection was closed by what a message caused. Returns -1 on a header
 * error (peer->err filled). */
static int bgp_conn_parse(struct bgp_peer *peer, struct bgp_conn *c,
			  void (*fn)(struct bgp_peer *, struct bgp_conn *, uint8_t, const uint8_t *,
				     size_t))
{
	size_t off = 0;
	int fd = c->fd;

	while (c->fd == fd && c->rxlen - off >= BGP_HDR_LEN) {
		struct bgp_hdr h;

		if (bgp_hdr_decode(c->rx + off, c->rxlen - off, &h, &peer->err) < 0)
			return -1;
		if (c->rxlen - off < h.len)
			break;
		fn(peer, c, h.type, c->rx + off, h.len);
		off += h.len;
	}
	if (c->fd != fd)
		return 0;
	memmove(c->rx, c->rx + off, c->rxlen - off);
	c->rxlen -= off;
	return 0;
}

static void bgp_main_msg(struct bgp_peer *peer, struct bgp_conn *c, uint8_t type,
			 const uint8_t *msg, size_t len)
{
	(void)c;
	bgp_rx_message(peer, type, msg, len);
}

static ssize_t bgp_conn_fill(struct bgp_conn *c)
{
	ssize_t n;

	do
		n = recv(c->fd, c->rx + c->rxlen, BGP_RX_SIZE - c->rxlen, MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n > 0)
		c->rxlen += (size_t)n;
	return n;
}

static void bgp_conn_readable(int fd, int what, void *arg)
{
	struct bgp_peer *peer = arg;
	ssize_t n;

	(void)what;
	if (peer->c.fd != fd)
		return;
	n = bgp_conn_fill(&peer->c);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		/* A refused reconnect after a session's end keeps the reason
		 * of that end (FRR's "Last reset" is the last session's). */
		if (peer->state == BGP_FSM_ESTABLISHED || !peer->last_reset[0])
			snprintf(peer->last_reset, sizeof(peer->last_reset), "%s",
				 n == 0 ? "Peer closed the session" : strerror(errno));
		bgp_fsm_event(peer, BGP_EV_TCP_CONN_FAILS);
		return;
	}
	if (bgp_conn_parse(peer, &peer->c, bgp_main_msg) < 0)
		bgp_fsm_event(peer, BGP_EV_HEADER_ERR);
	if (peer->c.fd == fd)
		bgp_peer_flush(peer);
}

/* ---- collision: the side connection ---- */

/* The side connection becomes the session's, in OpenSent: our OPEN goes
 * out on it if it has not yet (a side connection in Established). */
static void bgp_acc_promote(struct bgp_peer *peer)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	bool open_sent = peer->acc_open_sent;

	kld_timer_cancel(peer->t_acc);
	bgp_conn_free(&peer->c);
	peer->c = peer->acc;
	bgp_conn_init(&peer->acc);
	peer->acc_open_sent = false;
	kld_io_free(peer->c.rio);
	peer->c.rio = kld_io_new(bgp_peer_loop(peer), peer->c.fd, KLD_IO_READ,
				 bgp_conn_readable, peer);
	if (getsockname(peer->c.fd, (struct sockaddr *)&ss, &sl) == 0)
		bgp_addr_from_sockaddr(&ss, &peer->local);
	peer->state = BGP_FSM_OPENSENT;
	if (!open_sent)
		bgp_send_open(peer, &peer->c);
	kld_timer_arm(peer->t_hold, BGP_OPEN_WAIT_MS);
}

/* The side connection lost (RFC 4271 6.8): Cease 6/7 on it, the session
 * goes on untouched. */
static void bgp_acc_refuse(struct bgp_peer *peer)
{
	struct bgp_notify n;

	bgp_notify_set(&n, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0);
	bgp_send_notify_aside(peer, &peer->acc, &n);
	kld_timer_cancel(peer->t_acc);
	bgp_conn_close(&peer->acc);
}

/* RFC 4724 4.2: a new connection is the peer's restart only when the
 * session negotiated graceful restart (the peer sent the capability and we
 * did) and the new OPEN carries it again. */
static bool bgp_acc_is_restart(const struct bgp_peer *peer, const struct bgp_open *o)
{
	return peer->neg.peer_gr && (peer->lopen.caps.present & BGP_CAPF_GR) &&
	       (o->caps.present & BGP_CAPF_GR);
}

/* Whether the side connection, whose OPEN o is valid, replaces the
 * session's connection. */
static bool bgp_acc_wins(const struct bgp_peer *peer, const struct bgp_open *o)
{
	switch (peer->state) {
	case BGP_FSM_ESTABLISHED:
		return bgp_acc_is_restart(peer, o);
	case BGP_FSM_OPENSENT:
	case BGP_FSM_OPENCONFIRM:
		/* Two connections the peer opened: it gave up the older.
		 * Ours against the peer's: the higher identifier's stays. */
		return peer->c.inbound || bgp_local_id(peer->bgp) < o->bgp_id;
	default:
		return false;
	}
}

/* The session's connection gives way to the side connection, whose OPEN
 * o is then processed as the session's. */
static void bgp_acc_take_over(struct bgp_peer *peer, const struct bgp_open *o)
{
	struct bgp_notify n;
	char name[KLD_ADDR_STRLEN];

	if (peer->state == BGP_FSM_ESTABLISHED) {
		/* The restarted peer's old connection is gone for it: a TCP
		 * failure, so its routes are kept stale (RFC 4724 4.2). */
		kld_notice("bgp %s: a new connection with a graceful-restart OPEN: the peer restarted",
			   bgp_peer_name(peer, name));
		snprintf(peer->last_reset, sizeof(peer->last_reset), "Peer restarted");
		bgp_fsm_event(peer, BGP_EV_TCP_CONN_FAILS); /* promotes acc */
	} else {
		bgp_notify_set(&n, BGP_ERR_CEASE, BGP_CEASE_COLLISION, NULL, 0);
		bgp_send_notify(peer, &peer->c, &n);
		bgp_acc_promote(peer);
	}
	if (peer->state != BGP_FSM_OPENSENT)
		return;
	peer->ropen = *o;
	bgp_fsm_event(peer, BGP_EV_BGP_OPEN);
}

static void bgp_acc_msg(struct bgp_peer *peer, struct bgp_conn *c, uint8_t type,
			const uint8_t *msg, size_t len)
{
	struct bgp_open o;
	char name[KLD_ADDR_STRLEN];

	if (type != BGP_MSG_OPEN) {
		kld_log_rl(LOG_INFO, "bgp %s: a new connection sent message type %u before OPEN",
			   bgp_peer_name(peer, name), type);
		bgp_conn_close(c);
		return;
	}
	if (!bgp_open_ok(peer, msg, len, &o)) {
		bgp_send_notify_aside(peer, c, &peer->err);
		bgp_conn_close(c);
		return;
	}
	if (bgp_acc_wins(peer, &o))
		bgp_acc_take_over(peer, &o);
	else
		bgp_acc_refuse(peer);
}

static void bgp_acc_readable(int fd, int what, void *arg)
{
	struct bgp_peer *peer = arg;
	ssize_t n;

	(void)what;
	if (peer->acc.fd != fd)
		return;
	n = bgp_conn_fill(&peer->acc);
	if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
		return;
	if (n <= 0) {
		bgp_conn_close(&peer->acc);
		return;
	}
	/* Only the OPEN is read here; what follows it stays buffered for the
	 * main role if this connection wins. */
	struct bgp_hdr h;
	struct bgp_notify err;

	if (bgp_hdr_decode(peer->acc.rx, peer->acc.rxlen, &h, &err) < 0) {
		bgp_conn_close(&peer->acc);
		return;
	}
	if (peer->acc.rxlen < h.len)
		return;
	uint8_t open[BGP_MAX_MSG_LEN];

	memcpy(open, peer->acc.rx, h.len);
	memmove(peer->acc.rx, peer->acc.rx + h.len, peer->acc.rxlen - h.len);
	peer->acc.rxlen -= h.len;
	bgp_acc_msg(peer, &peer->acc, h.type, open, h.len);
	if (peer->c.fd == fd && peer->c.rxlen && bgp_conn_parse(peer, &peer->c, bgp_main_msg) < 0)
		bgp_fsm_event(peer, BGP_EV_HEADER_ERR);
}

/* The side connection's OPEN wait is over. */
static void bgp_timer_acc(void *arg)
{
	struct bgp_peer *peer = arg;
	struct bgp_notify n;
	char name[KLD_ADDR_STRLEN];

	if (peer->acc.fd < 0)
		return;
	kld_log_rl(LOG_INFO, "bgp %s: a new connection sent no OPEN in %u s: closed",
		   bgp_peer_name(peer, name), BGP_OPEN_WAIT_MS / 1000);
	if (peer->acc_open_sent) {
		bgp_notify_set(&n, BGP_ERR_HOLD_EXPIRED, 0, NULL, 0);
		bgp_send_notify_aside(peer, &peer->acc, &n);
	}
	bgp_conn_close(&peer->acc);
}

/* ---- accepting ---- */

/* In Idle, Connect and Active the peer's connection becomes the session's
 * (our OPEN goes out, its OPEN wait is BGP_OPEN_WAIT_MS: act_send_open). */
static void bgp_accept_main(struct bgp_peer *peer, int fd)
{
	if (peer->state == BGP_FSM_IDLE) {
		kld_timer_cancel(peer->t_start);
		peer->state = BGP_FSM_ACTIVE;
		kld_timer_arm(peer->t_retry, BGP_CONNECT_RETRY_MS);
	}
	bgp_conn_close(&peer->c);
	bgp_conn_attach(peer, &peer->c, fd, bgp_conn_readable);
	peer->c.inbound = true;
	bgp_fsm_event(peer, BGP_EV_TCP_CONN_CONFIRMED);
}

/* Later it waits aside for its OPEN (bgp_acc_msg) or BGP_OPEN_WAIT_MS; a
 * newer one replaces it. */
static void bgp_accept_aside(struct bgp_peer *peer, int fd)
{
	bgp_conn_close(&peer->acc);
	bgp_conn_attach(peer, &peer->acc, fd, bgp_acc_readable);
	peer->acc.inbound = true;
	peer->acc_open_sent = peer->state != BGP_FSM_ESTABLISHED;
	if (peer->acc_open_sent)
		bgp_send_open(peer, &peer->acc);
	kld_timer_arm(peer->t_acc, BGP_OPEN_WAIT_MS);
}

static void bgp_accept_for(struct bgp_peer *peer, int fd)
{
	bgp_set_ttl(peer, fd);
	switch (peer->state) {
	case BGP_FSM_IDLE:
	case BGP_FSM_CONNECT:
	case BGP_FSM_ACTIVE:
		bgp_accept_main(peer, fd);
		return;
	case BGP_FSM_OPENSENT:
	case BGP_FSM_OPENCONFIRM:
	case BGP_FSM_ESTABLISHED:
		bgp_accept_aside(peer, fd);
		return;
	default:
		close(fd);
	}
}

static void bgp_accept(int lfd, int what, void *arg)
{
	struct bgpd *bd = arg;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	struct kld_addr a;
	struct bgp_peer *peer;
	char name[KLD_ADDR_STRLEN];
	int fd;

	(void)what;
	fd = accept4(lfd, (struct sockaddr *)&ss, &sl, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	bgp_addr_from_sockaddr(&ss, &a);
	peer = bd->bgp ? bgp_peer_find(bd->bgp, &a) : NULL;
	/* A listen range; a dynamic peer whose session is down is admitted
	 * again as a new one would be (the limit may be lower now), before
	 * the reaper's second has come. */
	if (!peer || (peer->dynamic && peer->state < BGP_FSM_OPENSENT))
		peer = bgp_session_hooks.accept_unknown(bd, &a);
	if (!peer) {
		kld_log_rl(LOG_INFO, "bgp: connection from %s refused: not a neighbor",
			   kld_addr_fmt(&a, name, sizeof(name)));
		close(fd);
		return;
	}
	/* A password whose listener key failed: the connection came in
	 * unsigned. While a restart is being detected (bgp_gr.c) our OPEN
	 * could not carry the right Restart State bit: the peer retries. */
	if (peer->shutdown || !bd->bgp->router_id.s_addr ||
	    (peer->password[0] && !peer->md5_listen) || bgp_session_hooks.start_held(bd)) {
		close(fd);
		return;
	}
	bgp_accept_for(peer, fd);
}

/* ---- GTSM on the listeners ---- */

#define BGP_GTSM_V4_LEN 6
#define BGP_GTSM_V6_LEN 12
#define BGP_GTSM_PASS BPF_STMT(BPF_RET | BPF_K, 0xffffffffu)
#define BGP_GTSM_DROP BPF_STMT(BPF_RET | BPF_K, 0)

/* A segment from the peer's address passes only with a TTL of at least
 * 256 - hops; cBPF loads are big-endian, hence ntohl. */
static size_t bgp_gtsm_v4(struct sock_filter *f, const struct bgp_peer *p)
{
	const struct sock_filter b[BGP_GTSM_V4_LEN] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, SKF_NET_OFF + 12), /* saddr */
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(p->addr.u.v4.s_addr), 0, 4),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 8), /* ttl */
		BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 256u - p->gtsm_hops, 0, 1),
		BGP_GTSM_PASS,
		BGP_GTSM_DROP,
	};

	memcpy(f, b, sizeof(b));
	return BGP_GTSM_V4_LEN;
}

static size_t bgp_gtsm_v6(struct sock_filter *f, const struct bgp_peer *p)
{
	size_t n = 0;

	for (unsigned i = 0; i < 4; i++) {
		uint32_t w;

		memcpy(&w, &p->addr.u.v6.s6_addr[4 * i], 4);
		f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS,
						      SKF_NET_OFF + 8 + 4 * i); /* saddr */
		f[n] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, ntohl(w), 0,
						    (uint8_t)(BGP_GTSM_V6_LEN - n - 1));
		n++;
	}
	f[n++] = (struct sock_filter)BPF_STMT(BPF_LD | BPF_B | BPF_ABS, SKF_NET_OFF + 7);
	f[n++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 256u - p->gtsm_hops, 0, 1);
	f[n++] = (struct sock_filter)BGP_GTSM_PASS;
	f[n++] = (struct sock_filter)BGP_GTSM_DROP;
	return n;
}

/* The filter for one listener: a block per ttl-security peer of its
 * family, then pass. No such peer: no filter. */
static int bgp_gtsm_attach(int fd, int family, struct bgp *bgp)
{
	size_t blk = family == AF_INET ? BGP_GTSM_V4_LEN : BGP_GTSM_V6_LEN, n = 0;
	struct sock_filter *f;
	struct sock_fprog prog;
	int rc = 0;

	if (fd < 0)
		return 0;
	f = kld_xmalloc(BPF_MAXINSNS * sizeof(*f));
	for (struct bgp_peer *p = bgp ? bgp->peers : NULL; p; p = p->next) {
		if (p->addr.family != family)
			continue;
		p->gtsm_listen = 0;
		if (!p->gtsm_hops)
			continue;
		if (n + blk + 1 > BPF_MAXINSNS) {
			rc = -E2BIG;
			continue;
		}
		n += family == AF_INET ? bgp_gtsm_v4(f + n, p) : bgp_gtsm_v6(f + n, p);
		p->gtsm_listen = p->gtsm_hops;
	}
	if (!n) {
		int unused = 0;

		/* The kernel refuses any option shorter than an int (EINVAL),
		 * SO_DETACH_FILTER included: with a NULL/0 the old floor stayed
		 * on the listener for good. ENOENT: there was none. */
		setsockopt(fd, SOL_SOCKET, SO_DETACH_FILTER, &unused, sizeof(unused));
		free(f);
		return rc;
	}
	f[n++] = (struct sock_filter)BGP_GTSM_PASS;
	prog.len = (unsigned short)n;
	prog.filter = f;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0) {
		rc = -errno;
		for (struct bgp_peer *p = bgp->peers; p; p = p->next)
			if (p->addr.family == family)
				p->gtsm_listen = 0;
	}
	free(f);
	return rc;
}

void bgp_session_gtsm_sync(struct bgpd *bd)
{
	int rc4 = bgp_gtsm_attach(bd->lfd, AF_INET, bd->bgp);
	int rc6 = bgp_gtsm_attach(bd->lfd6, AF_INET6, bd->bgp);

	if (rc4 < 0 || rc6 < 0)
		kld_log_rl(LOG_WARNING,
			   "bgp: ttl-security on the listener: %s (IPv4) / %s (IPv6); "
			   "the floor applies only once a connection is accepted",
			   rc4 < 0 ? strerror(-rc4) : "ok", rc6 < 0 ? strerror(-rc6) : "ok");
}

static int bgp_listen_one(struct bgpd *bd, int family)
{
	struct sockaddr_storage ss;
	struct kld_addr any = { .family = (uint8_t)family };
	socklen_t sl;
	int one = 1, ttl = 255, fd;

	fd = socket(family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	/* The SYN-ACK carries the listener's TTL (see GTSM above). */
	if (family == AF_INET) {
		setsockopt(fd, IPPROTO_IP, IP_TTL, &ttl, sizeof(ttl));
	} else {
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		setsockopt(fd, IPPROTO_IPV6, IPV6_UNICAST_HOPS, &ttl, sizeof(ttl));
	}
	bgp_sockaddr(&any, bd->port, &ss, &sl);
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 64) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

int bgp_session_listen(struct bgpd *bd)
{
	bd->lfd = bgp_listen_one(bd, AF_INET);
	bd->lfd6 = bgp_listen_one(bd, AF_INET6);
	if (bd->lfd < 0 && bd->lfd6 < 0)
		return -1;
	if (bd->lfd >= 0)
		bd->lio = kld_io_new(bd->p.d.loop, bd->lfd, KLD_IO_READ, bgp_accept, bd);
	if (bd->lfd6 >= 0)
		bd->lio6 = kld_io_new(bd->p.d.loop, bd->lfd6, KLD_IO_READ, bgp_accept, bd);
	for (struct bgp_peer *p = bd->bgp ? bd->bgp->peers : NULL; p; p = p->next)
		bgp_md5_listen(p);
	bgp_session_gtsm_sync(bd);
	return 0;
}

void bgp_session_close_all(struct bgpd *bd)
{
	kld_io_free(bd->lio);
	kld_io_free(bd->lio6);
	bd->lio = bd->lio6 = NULL;
	if (bd->lfd >= 0)
		close(bd->lfd);
	if (bd->lfd6 >= 0)
		close(bd->lfd6);
	bd->lfd = bd->lfd6 = -1;
}

/* ---- UPDATE ---- */

/* What an UPDATE carries goes up whole (bgp_session_hooks.on_update):
 * policy and the RIB are the floor above. */
/* Routes of a family the OPENs did not both list: ignored, the session
 * stays (RFC 4760 8; see doc/bgpd.md). */
static void bgp_log_unneg(struct bgp_peer *peer, const struct bgp_update *u)
{
	char name[KLD_ADDR_STRLEN];

	kld_log_rl(LOG_WARNING,
		   "bgp: %s sent routes of AFI %u SAFI %u, not negotiated on this session: ignored",
		   bgp_peer_name(peer, name), u->unneg_afi, u->unneg_safi);
}

static void bgp_process_update(struct bgp_peer *peer, const uint8_t *msg, size_t len)
{
	struct bgp_update *u = &peer->bgp->bd->upd;

	if (bgp_update_decode(u, msg, len, &peer->ctx) < 0) {
		peer->err = u->eh.notify;
		bgp_fsm_event(peer, BGP_EV_UPDATE_ERR);
		return;
	}
	if (u->eor) {
		if (bgp_peer_af_up(peer, u->eor_af))
			bgp_session_hooks.on_eor(peer, u->eor_af);
		return;
	}
	if (u->unneg)
		bgp_log_unneg(peer, u);
	if (u->eh.action != BGP_EH_NONE)
		kld_log_rl(LOG_WARNING, "bgp: UPDATE error (%s): %s",
			   bgp_eh_action_str(u->eh.action), u->eh.reason ? u->eh.reason : "");
	bgp_session_hooks.on_update(peer, u);
}

/* ---- outbound ---- */

static int bgp_emit(void *arg, const uint8_t *msg, size_t len)
{
	struct bgp_peer *peer = arg;

	peer->upd_out++;
	peer->msg_out++;
	kld_buf_append(&peer->c.tx, msg, len);
	return 0;
}

static int bgp_out_cmp(const void *a, const void *b)
{
	const struct bgp_out_item *x = a, *y = b;

	if (x->attrs != y->attrs)
		return (uintptr_t)x->attrs < (uintptr_t)y->attrs ? -1 : 1;
	return kld_prefix_cmp(&x->p, &y->p);
}

static void bgp_outq_drop(struct bgp_peer *q)
{
	for (size_t i = 0; i < q->noutq; i++)
		bgp_attr_unref(q->bgp->bd->attrs, q->outq[i].attrs);
	q->noutq = 0;
}

/* Pack the queued announcements of q (a peer or a group's conf) with its
 * encoding: one run of UPDATEs per attribute set. */
static void bgp_outq_pack(struct bgp_peer *q, bgp_emit_fn emit, void *arg)
{
	struct kld_prefix *buf;
	size_t i = 0;

	qsort(q->outq, q->noutq, sizeof(*q->outq), bgp_out_cmp);
	buf = kld_xmalloc(q->noutq * sizeof(*buf));
	while (i < q->noutq) {
		const struct bgp_attrs *a = q->outq[i].attrs;
		size_t n = 0;

		for (; i < q->noutq && q->outq[i].attrs == a; i++)
			buf[n++] = q->outq[i].p;
		if (a)
			bgp_update_pack(&q->ctx, a, buf, n, emit, arg);
		else
			bgp_withdraw_pack(&q->ctx, buf, n, emit, arg);
	}
	free(buf);
	bgp_outq_drop(q);
}

void bgp_peer_flush(struct bgp_peer *peer)
{
	if (!peer->noutq) {
		bgp_conn_flush(peer, &peer->c);
		return;
	}
	if (peer->state != BGP_FSM_ESTABLISHED) {
		bgp_outq_drop(peer);
		return;
	}
	bgp_outq_pack(peer, bgp_emit, peer);
	bgp_conn_flush(peer, &peer->c);
}

struct bgp_group_emit {
	struct kld_buf b;
	uint64_t n;
};

static int bgp_emit_group(void *arg, const uint8_t *msg, size_t len)
{
	struct bgp_group_emit *e = arg;

	e->n++;
	kld_buf_append(&e->b, msg, len);
	return 0;
}

/* Encode once, append the same bytes to every member; the members' own
 * flush (bgp_peer_flush) writes them. */
void bgp_updgrp_flush(struct bgp_updgrp *g)
{
	struct bgp_group_emit e = { .n = 0 };

	if (!g->conf->noutq)
		return;
	kld_buf_init(&e.b);
	bgp_outq_pack(g->conf, bgp_emit_group, &e);
	g->packets += e.n;
	for (struct bgp_peer *m = g->members; m; m = m->ug_next) {
		size_t at = m->c.tx.len;

		kld_buf_append(&m->c.tx, e.b.data, e.b.len);
		if (!kld_addr_eq(&m->local, &g->conf->local))
			bgp_updates_rewrite_nexthop((uint8_t *)m->c.tx.data + at, e.b.len,
						    &g->conf->local, &m->local);
		m->upd_out += e.n;
		m->msg_out += e.n;
	}
	kld_buf_free(&e.b);
}

void bgp_peer_send_refresh(struct bgp_peer *peer, enum bgp_af af)
{
	struct bgp_route_refresh r = { .afi = bgp_af_afi(af), .safi = bgp_af_safi(af) };
	uint8_t buf[BGP_RREFRESH_LEN];

	if (peer->state != BGP_FSM_ESTABLISHED || !peer->neg.route_refresh ||
	    !bgp_peer_af_up(peer, af))
		return;
	if (bgp_rrefresh_encode(&r, buf, sizeof(buf)) <= 0)
		return;
	peer->refresh_out++;
	bgp_conn_send(peer, &peer->c, buf, sizeof(buf));
}

/* ---- peers ---- */

struct bgp_peer *bgp_peer_find(struct bgp *bgp, const struct kld_addr *a)
{
	for (struct bgp_peer *p = bgp->peers; p; p = p->next)
		if (kld_addr_eq(&p->addr, a))
			return p;
	return NULL;
}

struct bgp_peer *bgp_group_find(struct bgp *bgp, const char *name)
{
	for (struct bgp_peer *g = bgp->groups; g; g = g->next)
		if (!strcmp(g->name, name))
			return g;
	return NULL;
}

/* A peer-group is a peer object that only holds configuration. */
struct bgp_peer *bgp_group_new(struct bgp *bgp, const char *name)
{
	struct bgp_peer *g = bgp_peer_new(bgp, &(struct kld_addr){ .family = AF_INET });
	struct bgp_peer **pp;

	for (pp = &bgp->peers; *pp != g; pp = &(*pp)->next)
		;
	*pp = g->next;
	g->next = bgp->groups;
	bgp->groups = g;
	g->is_group = true;
	snprintf(g->name, sizeof(g->name), "%s", name);
	return g;
}

struct bgp_peer *bgp_peer_new(struct bgp *bgp, const struct kld_addr *a)
{
	struct bgp_peer *peer = kld_xcalloc(1, sizeof(*peer)), **pp;
	struct kld_loop *l = bgp->bd->p.d.loop;

	peer->bgp = bgp;
	peer->addr = *a;
	/* As FRR: IPv4 unicast is on for every neighbor (bgp default
	 * ipv4-unicast), IPv6 unicast needs `activate`. */
	peer->af_active[BGP_AF_IPV4_UNICAST] = true;
	bgp_conn_init(&peer->c);
	bgp_conn_init(&peer->acc);
	peer->t_acc = kld_timer_new(l, bgp_timer_acc, peer);
	peer->t_retry = kld_timer_new(l, bgp_timer_retry, peer);
	peer->t_hold = kld_timer_new(l, bgp_timer_hold, peer);
	peer->t_keepalive = kld_timer_new(l, bgp_timer_keepalive, peer);
	peer->t_start = kld_timer_new(l, bgp_timer_start, peer);
	bgp_session_hooks.peer_init(peer);
	peer->uptime_ms = kld_now_ms();
	for (pp = &bgp->peers; *pp; pp = &(*pp)->next)
		;
	*pp = peer;
	return peer;
}

void bgp_peer_free(struct bgp_peer *peer)
{
	struct bgp_peer **pp;

	bgp_peer_stop(peer, BGP_CEASE_PEER_DECONFIGURED);
	explicit_bzero(peer->password, sizeof(peer->password));
	bgp_md5_listen(peer); /* the listener forgets the address's key */
	for (pp = peer->is_group ? &peer->bgp->groups : &peer->bgp->peers; *pp;
	     pp = &(*pp)->next) {
		if (*pp == peer) {
			*pp = peer->next;
			break;
		}
	}
	if (peer->gtsm_listen)
		bgp_session_gtsm_sync(peer->bgp->bd); /* the filter forgets it */
	kld_timer_free(peer->t_acc);
	kld_timer_free(peer->t_retry);
	kld_timer_free(peer->t_hold);
	kld_timer_free(peer->t_keepalive);
	kld_timer_free(peer->t_start);
	bgp_session_hooks.peer_fini(peer);
	bgp_conn_free(&peer->c);
	bgp_conn_free(&peer->acc);
	free(peer->outq);
	free(peer);
}

/* Start when the configuration is complete enough: a remote AS and a
 * router id. Called after every configuration change; idempotent. */
void bgp_peer_start(struct bgp_peer *peer)
{
	if (peer->gtsm_hops != peer->gtsm_listen && !peer->is_group)
		bgp_session_gtsm_sync(peer->bgp->bd);
	if (peer->is_group || peer->shutdown || peer->pfx_overflow || !peer->bgp->router_id.s_addr)
		return;
	if (peer->as_type == BGP_AS_NUMBER && !peer->remote_as)
		return;
	if (peer->state != BGP_FSM_IDLE || kld_timer_pending(peer->t_start))
		return;
	kld_timer_arm(peer->t_start, 0);
}

void bgp_peer_stop(struct bgp_peer *peer, uint8_t cease_subcode)
{
	struct bgp_notify n;
	struct bgp_fsm_ctx x = { .peer = peer, .old = peer->state };

	if (peer->is_group)
		return;
	bgp_session_hooks.on_stop(peer);
	kld_timer_cancel(peer->t_start);
	kld_timer_cancel(peer->t_retry);
	if (peer->state >= BGP_FSM_OPENSENT) {
		bgp_notify_set(&n, BGP_ERR_CEASE, cease_subcode, NULL, 0);
		bgp_send_notify(peer, &peer->c, &n);
	}
	peer->state = BGP_FSM_IDLE;
	bgp_release(peer, x.old, false);
	bgp_conn_close(&peer->acc);
	peer->retry_ms = 0;
}

void bgp_peer_abandon(struct bgp_peer *peer)
{
	bgp_conn_close(&peer->c);
	bgp_conn_close(&peer->acc);
}
