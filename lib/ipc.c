/*
 * Framed IPC on libevent bufferevents.
 *
 * A connection is usable only after both Hellos: ours is queued the moment
 * the socket is connected or accepted, the peer's must be the first frame it
 * sends. Every check on input closes just that connection, with a reason in
 * the log (rate-limited, since a peer can trigger it at will).
 *
 * Handlers may close the connection they are called for; the free is then
 * deferred until the dispatch loop unwinds (conn->busy).
 */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include "ipc.h"
#include "log.h"
#include "util.h"

#define KLD_BACKOFF_MIN_MS 100
#define KLD_BACKOFF_MAX_MS 5000

struct kld_ipc_conn {
	struct bufferevent *bev;
	struct kld_ipc_server *srv;
	struct kld_ipc_client *cli;
	const struct kld_ipc_ops *ops;
	void *arg;
	const char *self;
	size_t max_frame;
	char peer[32];
	uint32_t peer_pid;
	bool cred_ok; /* SO_PEERCRED answered (server side) */
	uid_t cred_uid;
	pid_t cred_pid;
	bool hello_ok;
	uint64_t up_ms; /* when the Hello exchange completed (clients) */
	bool closing;
	bool eof; /* the other side ended it */
	int busy;
	void *data;
	struct kld_ipc_conn *next;
};

struct kld_ipc_server {
	struct kld_loop *loop;
	struct kld_io *listen_io;
	int fd;
	char path[108];
	char self[32];
	const struct kld_ipc_ops *ops;
	void *arg;
	size_t max_frame;
	struct kld_ipc_conn *conns;
};

struct kld_ipc_client {
	struct kld_loop *loop;
	char path[108];
	char self[32];
	const struct kld_ipc_ops *ops;
	void *arg;
	struct kld_ipc_conn *conn;
	struct kld_timer *retry;
	uint64_t backoff_ms;
};

static void kld_conn_read_cb(struct bufferevent *bev, void *arg);
static void kld_conn_event_cb(struct bufferevent *bev, short what, void *arg);
static void kld_client_schedule(struct kld_ipc_client *c);

static int kld_send_hello(struct kld_ipc_conn *c)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__Hello hello = KLD__HELLO__INIT;

	hello.version = KLD__PROTOCOL_VERSION__PROTOCOL_VERSION_CURRENT;
	hello.daemon = (char *)c->self;
	hello.pid = (uint32_t)getpid();
	hello.software = (char *)PACKAGE_STRING;
	env.body_case = KLD__ENVELOPE__BODY_HELLO;
	env.hello = &hello;
	return kld_ipc_send(c, &env);
}

static struct kld_ipc_conn *kld_conn_new(int fd, struct event_base *base,
					 const struct kld_ipc_ops *ops, void *arg,
					 const char *self, size_t max_frame)
{
	struct kld_ipc_conn *c = kld_xcalloc(1, sizeof(*c));

	c->bev = bufferevent_socket_new(base, fd, BEV_OPT_CLOSE_ON_FREE);
	c->ops = ops;
	c->arg = arg;
	c->self = self;
	c->max_frame = max_frame;
	bufferevent_setcb(c->bev, kld_conn_read_cb, NULL, kld_conn_event_cb, c);
	bufferevent_enable(c->bev, EV_READ | EV_WRITE);
	return c;
}

static void kld_server_unlink(struct kld_ipc_server *s, struct kld_ipc_conn *c)
{
	for (struct kld_ipc_conn **pp = &s->conns; *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			return;
		}
	}
}

/* A connection that lived a while starts the back-off again; one that the
 * server ended right after the Hello (a refused identity, a server that
 * dies at once) keeps doubling it, so a refused client does not knock at
 * 10 Hz, and says so, since only the server's log has the reason. */
static void kld_client_backoff(struct kld_ipc_client *cli, const struct kld_ipc_conn *c)
{
	uint64_t lived = c->up_ms ? kld_now_ms() - c->up_ms : 0;

	if (c->up_ms && lived >= KLD_BACKOFF_MAX_MS) {
		cli->backoff_ms = KLD_BACKOFF_MIN_MS;
		return;
	}
	if (c->up_ms && c->eof)
		kld_log_rl(LOG_WARNING,
			   "ipc: %s closed the connection %llu ms after its Hello; "
			   "retrying in %llu ms (its log says why)",
			   c->peer, (unsigned long long)lived, (unsigned long long)cli->backoff_ms);
}

/* Really tear down: tell the owner, detach from server/client, free. */
static void kld_conn_destroy(struct kld_ipc_conn *c)
{
	struct kld_ipc_client *cli = c->cli;

	if (c->hello_ok && c->ops->on_down)
		c->ops->on_down(c, c->arg);
	if (c->srv)
		kld_server_unlink(c->srv, c);
	if (cli)
		kld_client_backoff(cli, c);
	bufferevent_free(c->bev);
	free(c);
	if (cli) {
		cli->conn = NULL;
		kld_client_schedule(cli);
	}
}

void kld_ipc_close(struct kld_ipc_conn *c, const char *reason)
{
	if (c->closing)
		return;
	c->closing = true;
	if (reason)
		kld_log_rl(LOG_WARNING, "ipc: closing connection to %s: %s",
			   c->peer[0] ? c->peer : "unidentified peer", reason);
	if (!c->busy)
		kld_conn_destroy(c);
}

/* Frames may carry keys: wiped once libevent has sent them. */
static void kld_frame_release(const void *data, size_t len, void *arg)
{
	explicit_bzero((void *)data, len);
	free((void *)data);
}

int kld_ipc_send(struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	size_t len;
	uint8_t *buf;

	if (!c || c->closing)
		return -1;
	buf = kld_frame_encode(env, &len);
	/* By reference: no copy, and the buffer is ours to wipe. */
	if (evbuffer_add_reference(bufferevent_get_output(c->bev), buf, len, kld_frame_release,
				   NULL) < 0) {
		kld_frame_release(buf, len, NULL);
		return -1;
	}
	return 0;
}

static bool kld_hello_ok(struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	if (env->body_case != KLD__ENVELOPE__BODY_HELLO) {
		kld_ipc_close(c, "message before hello");
		return false;
	}
	if (env->hello->version != KLD__PROTOCOL_VERSION__PROTOCOL_VERSION_CURRENT) {
		kld_ipc_close(c, "protocol version mismatch");
		return false;
	}
	snprintf(c->peer, sizeof(c->peer), "%s", env->hello->daemon);
	c->peer_pid = env->hello->pid;
	c->hello_ok = true;
	c->up_ms = kld_now_ms();
	return true;
}

static void kld_conn_dispatch(struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	kld_ipc_msg_fn fn;

	if (!c->hello_ok) {
		if (kld_hello_ok(c, env) && c->ops->on_up)
			c->ops->on_up(c, c->arg);
		return;
	}
	if (env->body_case == KLD__ENVELOPE__BODY_HELLO) {
		kld_ipc_close(c, "second hello");
		return;
	}
	fn = (unsigned)env->body_case < KLD_IPC_MAX_BODY ? c->ops->handlers[env->body_case] : NULL;
	if (!fn) {
		kld_ipc_close(c, "message type not served here");
		return;
	}
	if (c->ops->may_send && !c->ops->may_send(c, (int)env->body_case, c->arg)) {
		kld_ipc_close(c, "message type not allowed for this peer");
		return;
	}
	fn(c, env, c->arg);
}

/* Returns false when no complete frame is buffered or the conn is closing. */
static bool kld_conn_read_one(struct kld_ipc_conn *c, struct evbuffer *in)
{
	uint8_t hdr[KLD_FRAME_HDR];
	size_t body_len = 0;
	const char *reason = NULL;
	Kld__Envelope *env;
	uint8_t *body;

	if (evbuffer_copyout(in, hdr, sizeof(hdr)) < (ssize_t)sizeof(hdr))
		return false;
	switch (kld_frame_check(hdr, sizeof(hdr), c->max_frame, &body_len)) {
	case KLD_FRAME_TOO_BIG:
		kld_ipc_close(c, "frame exceeds the size limit");
		return false;
	case KLD_FRAME_EMPTY:
		kld_ipc_close(c, "empty frame");
		return false;
	default:
		break;
	}
	if (evbuffer_get_length(in) < KLD_FRAME_HDR + body_len)
		return false;
	body = evbuffer_pullup(in, (ssize_t)(KLD_FRAME_HDR + body_len));
	env = kld_frame_decode(body + KLD_FRAME_HDR, body_len, &reason);
	explicit_bzero(body, KLD_FRAME_HDR + body_len);
	evbuffer_drain(in, KLD_FRAME_HDR + body_len);
	if (!env) {
		kld_ipc_close(c, reason);
		return false;
	}
	kld_conn_dispatch(c, env);
	kld_frame_free(env);
	return !c->closing;
}

static void kld_conn_read_cb(struct bufferevent *bev, void *arg)
{
	struct kld_ipc_conn *c = arg;
	struct evbuffer *in = bufferevent_get_input(bev);

	c->busy++;
	while (!c->closing && kld_conn_read_one(c, in))
		;
	c->busy--;
	if (c->closing && !c->busy)
		kld_conn_destroy(c);
}

static void kld_conn_event_cb(struct bufferevent *bev, short what, void *arg)
{
	struct kld_ipc_conn *c = arg;

	if (what & BEV_EVENT_CONNECTED) {
		kld_send_hello(c);
		return;
	}
	if (what & (BEV_EVENT_EOF | BEV_EVENT_ERROR)) {
		c->eof = true;
		/* A plain EOF is how peers say goodbye; it is not worth a warning. */
		/* A client that cannot connect yet retries quietly. */
		if ((what & BEV_EVENT_ERROR) && (c->hello_ok || !c->cli))
			kld_ipc_close(c, strerror(EVUTIL_SOCKET_ERROR()));
		else
			kld_ipc_close(c, NULL);
	}
}

const char *kld_ipc_peer(const struct kld_ipc_conn *c)
{
	return c->peer;
}

uint32_t kld_ipc_peer_pid(const struct kld_ipc_conn *c)
{
	return c->peer_pid;
}

int kld_ipc_peer_cred(const struct kld_ipc_conn *c, uid_t *uid, pid_t *pid)
{
	if (!c->cred_ok)
		return -1;
	if (uid)
		*uid = c->cred_uid;
	if (pid)
		*pid = c->cred_pid;
	return 0;
}

void kld_ipc_set_data(struct kld_ipc_conn *c, void *data)
{
	c->data = data;
}

void *kld_ipc_data(const struct kld_ipc_conn *c)
{
	return c->data;
}

size_t kld_ipc_pending(const struct kld_ipc_conn *c)
{
	return evbuffer_get_length(bufferevent_get_output(c->bev));
}

/* ---- server ---- */

static int kld_unix_listen(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	unlink(path);
	if (bind(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 || listen(fd, 64) < 0 ||
	    chmod(path, 0660) < 0) {
		int e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

/* Who connected, by the kernel's word: the Hello's name and pid are the
 * peer's claim, these are facts a server can check the claim against. */
static void kld_conn_cred(struct kld_ipc_conn *c, int fd)
{
	struct ucred uc;
	socklen_t len = sizeof(uc);

	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &uc, &len) < 0 || len != sizeof(uc))
		return;
	c->cred_ok = true;
	c->cred_uid = uc.uid;
	c->cred_pid = uc.pid;
}

static void kld_server_accept(int fd, int what, void *arg)
{
	struct kld_ipc_server *s = arg;
	struct kld_ipc_conn *c;
	int cfd = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (cfd < 0)
		return;
	c = kld_conn_new(cfd, kld_loop_base(s->loop), s->ops, s->arg, s->self, s->max_frame);
	c->srv = s;
	kld_conn_cred(c, cfd);
	c->next = s->conns;
	s->conns = c;
	kld_send_hello(c);
}

struct kld_ipc_server *kld_ipc_server_new(struct kld_loop *l, const char *path,
					  const char *self, const struct kld_ipc_ops *ops,
					  void *arg)
{
	struct kld_ipc_server *s;
	int fd = kld_unix_listen(path);

	if (fd < 0)
		return NULL;
	s = kld_xcalloc(1, sizeof(*s));
	s->loop = l;
	s->fd = fd;
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->self, sizeof(s->self), "%s", self);
	s->ops = ops;
	s->arg = arg;
	s->max_frame = KLD_FRAME_MAX_DEFAULT;
	s->listen_io = kld_io_new(l, fd, KLD_IO_READ, kld_server_accept, s);
	return s;
}

void kld_ipc_server_set_max_frame(struct kld_ipc_server *s, size_t max)
{
	s->max_frame = max;
}

void kld_ipc_server_foreach(struct kld_ipc_server *s,
			    void (*fn)(struct kld_ipc_conn *c, void *arg), void *arg)
{
	struct kld_ipc_conn *next;

	for (struct kld_ipc_conn *c = s->conns; c; c = next) {
		next = c->next;
		if (c->hello_ok && !c->closing)
			fn(c, arg);
	}
}

void kld_ipc_server_free(struct kld_ipc_server *s)
{
	if (!s)
		return;
	while (s->conns) {
		struct kld_ipc_conn *c = s->conns;

		c->closing = true;
		kld_conn_destroy(c);
	}
	kld_io_free(s->listen_io);
	close(s->fd);
	unlink(s->path);
	free(s);
}

/* ---- client ---- */

static void kld_client_connect(void *arg)
{
	struct kld_ipc_client *c = arg;
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct kld_ipc_conn *conn;

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", c->path);
	conn = kld_conn_new(-1, kld_loop_base(c->loop), c->ops, c->arg, c->self,
			    KLD_FRAME_MAX_DEFAULT);
	conn->cli = c;
	c->conn = conn;
	if (bufferevent_socket_connect(conn->bev, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		conn->closing = true;
		kld_conn_destroy(conn);
	}
}

static void kld_client_schedule(struct kld_ipc_client *c)
{
	kld_timer_arm(c->retry, c->backoff_ms);
	c->backoff_ms = KLD_MIN(c->backoff_ms * 2, KLD_BACKOFF_MAX_MS);
}

struct kld_ipc_client *kld_ipc_client_new(struct kld_loop *l, const char *path,
					  const char *self, const struct kld_ipc_ops *ops,
					  void *arg)
{
	struct kld_ipc_client *c = kld_xcalloc(1, sizeof(*c));

	c->loop = l;
	snprintf(c->path, sizeof(c->path), "%s", path);
	snprintf(c->self, sizeof(c->self), "%s", self);
	c->ops = ops;
	c->arg = arg;
	c->backoff_ms = KLD_BACKOFF_MIN_MS;
	c->retry = kld_timer_new(l, kld_client_connect, c);
	kld_timer_arm(c->retry, 0);
	return c;
}

struct kld_ipc_conn *kld_ipc_client_conn(struct kld_ipc_client *c)
{
	return c->conn && c->conn->hello_ok && !c->conn->closing ? c->conn : NULL;
}

void kld_ipc_client_free(struct kld_ipc_client *c)
{
	if (!c)
		return;
	kld_timer_free(c->retry);
	c->retry = NULL;
	if (c->conn) {
		struct kld_ipc_conn *conn = c->conn;

		conn->cli = NULL;
		conn->closing = true;
		kld_conn_destroy(conn);
	}
	free(c);
}
