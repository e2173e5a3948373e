/*
 * WireGuard userspace API back end.
 *
 * Protocol (wireguard.com/xplatform): a client connects to
 * SOCKDIR/IFNAME.sock and writes "get=1\n\n" or "set=1\n" followed by
 * key=value lines and a blank line; the server answers with key=value lines
 * (for get) and always ends with "errno=N\n\n". Keys are lowercase hex.
 * wireguard-go reports errors as negative numbers (errno=-22), the
 * document as positive ones; both are accepted.
 *
 * I/O is non-blocking with one deadline per exchange, so a wedged
 * implementation costs the caller at most timeout_ms and never hangs
 * zebra-lite. Request and reply buffers hold keys and are wiped on free
 * (struct sbuf never reallocs in place, which would leave copies behind).
 *
 * Lifecycle. The document defines the command line "IMPL IFNAME": the
 * implementation creates the tun device and the socket, then daemonizes,
 * and the launcher's exit status says whether setup worked. We spawn it in
 * its own session with /dev/null on stdio, wait for the launcher and then
 * for the socket to accept connections. An implementation that stays in
 * the foreground is tolerated once its socket answers.
 *   To stop an interface we first find the process serving it: the one
 * holding a /dev/net/tun descriptor attached to IFNAME in our network
 * namespace (/proc/PID/fdinfo shows "iff:"). That works after zebra-lite
 * restarted and lost any record of its children, and for any
 * implementation; the socket's SO_PEERCRED would not do, as wireguard-go
 * creates the socket before it daemonizes, so it names the launcher. We
 * take a pidfd on it, then remove the socket file: wireguard-go watches it
 * with inotify and shuts down, which also destroys its tun device. If the
 * process outlives the timeout (an implementation that does not watch its
 * socket) it gets SIGTERM, then SIGKILL, through the pidfd so a recycled
 * pid can never be hit. Deleting the tun link would stop wireguard-go as
 * well, but it needs rtnetlink and leaves other implementations running.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/pidfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>

#include "lib/util.h"
#include "wg_uapi.h"

struct wg_uapi {
	struct wg_backend be;
	char *sockdir;
	char *binary;
	int timeout_ms;
};

static struct wg_uapi *to_uapi(struct wg_backend *be)
{
	return KLD_CONTAINER_OF(be, struct wg_uapi, be);
}

/* ---- secret-safe growable text buffer ---- */

struct sbuf {
	char *p;
	size_t len;
	size_t cap;
};

static void sbuf_reserve(struct sbuf *b, size_t extra)
{
	size_t cap;
	char *np;

	if (b->len + extra + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + extra + 1)
		cap *= 2;
	np = kld_xmalloc(cap);
	if (b->p) {
		memcpy(np, b->p, b->len);
		wg_key_wipe(b->p, b->cap);
		free(b->p);
	}
	b->p = np;
	b->cap = cap;
}

static void sbuf_put(struct sbuf *b, const char *s, size_t n)
{
	sbuf_reserve(b, n);
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sbuf_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sbuf_printf(struct sbuf *b, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n > 0)
		sbuf_put(b, line, KLD_MIN((size_t)n, sizeof(line) - 1));
	wg_key_wipe(line, sizeof(line));
}

static void sbuf_free(struct sbuf *b)
{
	if (b->p) {
		wg_key_wipe(b->p, b->cap);
		free(b->p);
	}
	memset(b, 0, sizeof(*b));
}

/* ---- "set=1" request ---- */

static void put_key(struct sbuf *b, const char *name, const uint8_t key[WG_KEY_SIZE])
{
	char hex[WG_KEY_HEX_SIZE];

	wg_key_to_hex(hex, key);
	sbuf_printf(b, "%s=%s\n", name, hex);
	wg_key_wipe(hex, sizeof(hex));
}

static int format_peer(struct sbuf *b, const struct wg_peer *peer)
{
	char text[KLD_MAX(WG_ENDPOINT_STRLEN, KLD_PREFIX_STRLEN)];
	size_t i;

	put_key(b, "public_key", peer->public_key);
	if (peer->flags & WG_PEER_REMOVE) {
		sbuf_printf(b, "remove=true\n");
		return 0;
	}
	/* Straight after the key: wireguard-go drops a peer it just created
	 * when it sees update_only, before anything else touches it. */
	if (peer->flags & WG_PEER_UPDATE_ONLY)
		sbuf_printf(b, "update_only=true\n");
	if (peer->flags & WG_PEER_HAS_PRESHARED_KEY)
		put_key(b, "preshared_key", peer->preshared_key);
	if (peer->endpoint.sa.sa_family) {
		if (!*wg_endpoint_fmt(&peer->endpoint, text, sizeof(text)))
			return -EINVAL;
		sbuf_printf(b, "endpoint=%s\n", text);
	}
	if (peer->flags & WG_PEER_HAS_KEEPALIVE)
		sbuf_printf(b, "persistent_keepalive_interval=%u\n", peer->keepalive);
	if (peer->flags & WG_PEER_REPLACE_ALLOWEDIPS)
		sbuf_printf(b, "replace_allowed_ips=true\n");
	for (i = 0; i < peer->n_allowedips; i++) {
		const struct kld_prefix *p = &peer->allowedips[i];

		if (p->family != AF_INET && p->family != AF_INET6)
			return -EINVAL;
		if (p->len > kld_family_bits(p->family))
			return -EINVAL;
		sbuf_printf(b, "allowed_ip=%s\n", kld_prefix_fmt(p, text, sizeof(text)));
	}
	return 0;
}

int wg_uapi_format_set(const struct wg_device *dev, char **text, size_t *len)
{
	struct sbuf b = {0};
	size_t i;
	int ret;

	sbuf_printf(&b, "set=1\n");
	if (dev->flags & WG_DEV_HAS_PRIVATE_KEY)
		put_key(&b, "private_key", dev->private_key);
	if (dev->flags & WG_DEV_HAS_LISTEN_PORT)
		sbuf_printf(&b, "listen_port=%u\n", dev->listen_port);
	if (dev->flags & WG_DEV_HAS_FWMARK)
		sbuf_printf(&b, "fwmark=%u\n", dev->fwmark);
	if (dev->flags & WG_DEV_REPLACE_PEERS)
		sbuf_printf(&b, "replace_peers=true\n");
	for (i = 0; i < dev->n_peers; i++) {
		ret = format_peer(&b, &dev->peers[i]);
		if (ret < 0) {
			sbuf_free(&b);
			return ret;
		}
	}
	sbuf_put(&b, "\n", 1);
	*text = b.p;
	*len = b.len;
	return 0;
}

void wg_uapi_request_free(char *text, size_t len)
{
	if (!text)
		return;
	wg_key_wipe(text, len);
	free(text);
}

/* ---- "get=1" reply ---- */

struct parse_state {
	struct wg_device *dev; /* NULL: only errno matters */
	struct wg_peer *peer;  /* peer being described, NULL in device scope */
	bool have_errno;
	int err;
};

/* Unsigned decimal, digits only, at most max. */
static int parse_num(const char *v, size_t len, uint64_t max, uint64_t *out)
{
	uint64_t n = 0;
	size_t i;

	if (len == 0 || len > 20)
		return -1;
	for (i = 0; i < len; i++) {
		unsigned d = (unsigned)(v[i] - '0');

		if (d > 9 || n > (UINT64_MAX - d) / 10)
			return -1;
		n = n * 10 + d;
	}
	if (n > max)
		return -1;
	*out = n;
	return 0;
}

static int on_private_key(struct parse_state *st, const char *v, size_t len)
{
	if (wg_key_from_hex_n(st->dev->private_key, v, len) < 0)
		return -1;
	st->dev->flags |= WG_DEV_HAS_PRIVATE_KEY;
	return 0;
}

static int on_listen_port(struct parse_state *st, const char *v, size_t len)
{
	uint64_t n;

	if (parse_num(v, len, UINT16_MAX, &n) < 0)
		return -1;
	st->dev->listen_port = (uint16_t)n;
	st->dev->flags |= WG_DEV_HAS_LISTEN_PORT;
	return 0;
}

static int on_fwmark(struct parse_state *st, const char *v, size_t len)
{
	uint64_t n;

	if (parse_num(v, len, UINT32_MAX, &n) < 0)
		return -1;
	st->dev->fwmark = (uint32_t)n;
	st->dev->flags |= WG_DEV_HAS_FWMARK;
	return 0;
}

static int on_public_key(struct parse_state *st, const char *v, size_t len)
{
	uint8_t key[WG_KEY_SIZE];

	if (wg_key_from_hex_n(key, v, len) < 0)
		return -1;
	st->peer = wg_device_add_peer(st->dev, key);
	return 0;
}

static int on_preshared_key(struct parse_state *st, const char *v, size_t len)
{
	if (wg_key_from_hex_n(st->peer->preshared_key, v, len) < 0)
		return -1;
	/* wireguard-go reports all zeros for "no preshared key". */
	if (!wg_key_is_zero(st->peer->preshared_key))
		st->peer->flags |= WG_PEER_HAS_PRESHARED_KEY;
	return 0;
}

static int on_endpoint(struct parse_state *st, const char *v, size_t len)
{
	return wg_endpoint_parse(&st->peer->endpoint, v, len);
}

static int on_keepalive(struct parse_state *st, const char *v, size_t len)
{
	uint64_t n;

	if (parse_num(v, len, UINT16_MAX, &n) < 0)
		return -1;
	st->peer->keepalive = (uint16_t)n;
	st->peer->flags |= WG_PEER_HAS_KEEPALIVE;
	return 0;
}

static int on_allowed_ip(struct parse_state *st, const char *v, size_t len)
{
	char text[KLD_PREFIX_STRLEN];
	struct kld_prefix p;

	if (len == 0 || len >= sizeof(text) || !memchr(v, '/', len))
		return -1;
	memcpy(text, v, len);
	text[len] = '\0';
	/* Not strict: an implementation may echo host bits it was given. */
	if (kld_prefix_parse(text, &p, false) < 0)
		return -1;
	wg_peer_add_allowedip(st->peer, &p);
	return 0;
}

static int on_handshake_sec(struct parse_state *st, const char *v, size_t len)
{
	uint64_t n;

	if (parse_num(v, len, INT64_MAX, &n) < 0)
		return -1;
	st->peer->stats.last_handshake_sec = (int64_t)n;
	return 0;
}

static int on_handshake_nsec(struct parse_state *st, const char *v, size_t len)
{
	uint64_t n;

	if (parse_num(v, len, INT64_MAX, &n) < 0)
		return -1;
	st->peer->stats.last_handshake_nsec = (int64_t)n;
	return 0;
}

static int on_rx_bytes(struct parse_state *st, const char *v, size_t len)
{
	return parse_num(v, len, UINT64_MAX, &st->peer->stats.rx_bytes);
}

static int on_tx_bytes(struct parse_state *st, const char *v, size_t len)
{
	return parse_num(v, len, UINT64_MAX, &st->peer->stats.tx_bytes);
}

static int on_protocol_version(struct parse_state *st, const char *v, size_t len)
{
	uint64_t n;

	if (parse_num(v, len, UINT32_MAX, &n) < 0)
		return -1;
	st->peer->stats.protocol_version = (uint32_t)n;
	return 0;
}

enum key_scope { SCOPE_DEVICE, SCOPE_PEER, SCOPE_ANY };

static const struct {
	const char *key;
	enum key_scope scope;
	int (*fn)(struct parse_state *st, const char *v, size_t len);
} get_keys[] = {
    {"private_key", SCOPE_DEVICE, on_private_key},
    {"listen_port", SCOPE_DEVICE, on_listen_port},
    {"fwmark", SCOPE_DEVICE, on_fwmark},
    {"public_key", SCOPE_ANY, on_public_key},
    {"preshared_key", SCOPE_PEER, on_preshared_key},
    {"endpoint", SCOPE_PEER, on_endpoint},
    {"persistent_keepalive_interval", SCOPE_PEER, on_keepalive},
    {"allowed_ip", SCOPE_PEER, on_allowed_ip},
    {"last_handshake_time_sec", SCOPE_PEER, on_handshake_sec},
    {"last_handshake_time_nsec", SCOPE_PEER, on_handshake_nsec},
    {"rx_bytes", SCOPE_PEER, on_rx_bytes},
    {"tx_bytes", SCOPE_PEER, on_tx_bytes},
    {"protocol_version", SCOPE_PEER, on_protocol_version},
};

static int on_errno(struct parse_state *st, const char *v, size_t len)
{
	uint64_t n;
	bool neg = len > 0 && v[0] == '-';

	if (parse_num(v + neg, len - neg, INT_MAX, &n) < 0)
		return -1;
	st->have_errno = true;
	st->err = -(int)n;
	return 0;
}

static int parse_line(struct parse_state *st, const char *line, size_t len)
{
	const char *eq = memchr(line, '=', len);
	size_t klen, vlen, i;
	const char *v;

	if (!eq || eq == line)
		return -1;
	klen = (size_t)(eq - line);
	v = eq + 1;
	vlen = len - klen - 1;
	if (st->have_errno)
		return -1; /* errno is the last line */
	if (klen == 5 && !memcmp(line, "errno", 5))
		return on_errno(st, v, vlen);
	if (!st->dev)
		return 0;
	for (i = 0; i < KLD_ARRAY_SIZE(get_keys); i++) {
		if (strlen(get_keys[i].key) != klen || memcmp(get_keys[i].key, line, klen))
			continue;
		if (get_keys[i].scope == SCOPE_DEVICE && st->peer)
			return 0;
		if (get_keys[i].scope == SCOPE_PEER && !st->peer)
			return 0;
		return get_keys[i].fn(st, v, vlen);
	}
	return 0; /* unknown keys are for newer readers */
}

static int parse_reply(struct parse_state *st, const char *text, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		const char *nl = memchr(text + pos, '\n', len - pos);
		size_t llen;

		if (!nl)
			return -EPROTO;
		llen = (size_t)(nl - (text + pos));
		if (llen == 0)
			return st->have_errno ? st->err : -EPROTO;
		if (parse_line(st, text + pos, llen) < 0)
			return -EPROTO;
		pos += llen + 1;
	}
	return -EPROTO; /* no blank line */
}

int wg_uapi_parse_get(const char *text, size_t len, struct wg_device *dev)
{
	struct parse_state st = {.dev = dev};
	int ret = parse_reply(&st, text, len);

	if (ret < 0)
		return ret;
	if ((dev->flags & WG_DEV_HAS_PRIVATE_KEY) && !wg_key_is_zero(dev->private_key)) {
		if (wg_key_public(dev->public_key, dev->private_key) < 0)
			return -EPROTO;
		dev->flags |= WG_DEV_HAS_PUBLIC_KEY;
	}
	return 0;
}

int wg_uapi_parse_errno(const char *text, size_t len)
{
	struct parse_state st = {0};

	return parse_reply(&st, text, len);
}

/* ---- socket plumbing ---- */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int remaining_ms(int64_t deadline)
{
	int64_t left = deadline - now_ms();

	return left > 0 ? (int)KLD_MIN(left, INT_MAX) : 0;
}

static int sock_path(const struct wg_uapi *u, const char *ifname, struct sockaddr_un *sun)
{
	int n;

	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	memset(sun, 0, sizeof(*sun));
	sun->sun_family = AF_UNIX;
	n = snprintf(sun->sun_path, sizeof(sun->sun_path), "%s/%s.sock", u->sockdir, ifname);
	if (n < 0 || (size_t)n >= sizeof(sun->sun_path))
		return -ENAMETOOLONG;
	return 0;
}

static int wait_fd(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int n;

	for (;;) {
		n = poll(&pfd, 1, remaining_ms(deadline));
		if (n > 0)
			return 0;
		if (n == 0)
			return -ETIMEDOUT;
		if (errno != EINTR)
			return -errno;
	}
}

/* A socket file nobody listens on is what a crashed implementation leaves
 * behind; it is removed so the name can be used again. */
static int uapi_connect(struct wg_uapi *u, const char *ifname, int64_t deadline)
{
	struct sockaddr_un sun;
	struct stat st;
	int fd, ret;

	ret = sock_path(u, ifname, &sun);
	if (ret < 0)
		return ret;
	if (stat(sun.sun_path, &st) < 0)
		return errno == ENOENT ? -ENODEV : -errno;
	if (!S_ISSOCK(st.st_mode))
		return -ENOTSOCK;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	while (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0) {
		ret = -errno;
		if (ret == -EAGAIN && remaining_ms(deadline) > 0) {
			poll(NULL, 0, 10); /* listen backlog full */
			continue;
		}
		close(fd);
		if (ret == -ECONNREFUSED) {
			unlink(sun.sun_path);
			return -ENODEV;
		}
		return ret;
	}
	return fd;
}

static int send_all(int fd, const char *p, size_t len, int64_t deadline)
{
	ssize_t n;
	int ret;

	while (len) {
		n = send(fd, p, len, MSG_NOSIGNAL);
		if (n > 0) {
			p += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		ret = wait_fd(fd, POLLOUT, deadline);
		if (ret < 0)
			return ret;
	}
	return 0;
}

/* Read until the blank line that ends every reply. */
static int recv_reply(int fd, struct sbuf *b, int64_t deadline)
{
	size_t scan = 0;
	ssize_t n;
	int ret;

	for (;;) {
		sbuf_reserve(b, 4096);
		n = recv(fd, b->p + b->len, b->cap - b->len - 1, 0);
		if (n == 0)
			return -EPROTO; /* closed before the reply ended */
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno != EAGAIN)
				return -errno;
			ret = wait_fd(fd, POLLIN, deadline);
			if (ret < 0)
				return ret;
			continue;
		}
		b->len += (size_t)n;
		b->p[b->len] = '\0';
		/* A blank line is "\n\n", or "\n" as the very first byte. */
		if (b->len && b->p[0] == '\n')
			return 0;
		for (; scan + 1 < b->len; scan++)
			if (b->p[scan] == '\n' && b->p[scan + 1] == '\n')
				return 0;
	}
}

static int exchange(struct wg_uapi *u, const char *ifname, const char *req, size_t len,
		    struct sbuf *reply)
{
	int64_t deadline = now_ms() + u->timeout_ms;
	int fd, ret;

	fd = uapi_connect(u, ifname, deadline);
	if (fd < 0)
		return fd;
	ret = send_all(fd, req, len, deadline);
	/* wireguard-go answers an invalid line at once with its errno and
	 * hangs up without reading the rest: that answer is the one to
	 * report, not the broken pipe. */
	if (!ret || ret == -EPIPE || ret == -ECONNRESET) {
		int rret = recv_reply(fd, reply, deadline);

		ret = rret == 0 ? 0 : (ret ? ret : rret);
	}
	close(fd);
	return ret;
}

/* ---- back-end operations ---- */

static int uapi_get_device(struct wg_backend *be, const char *ifname, struct wg_device **out)
{
	static const char req[] = "get=1\n\n";
	struct sbuf reply = {0};
	struct wg_device *dev;
	int ret;

	*out = NULL;
	dev = wg_device_new(ifname);
	if (!dev)
		return -EINVAL;
	ret = exchange(to_uapi(be), ifname, req, sizeof(req) - 1, &reply);
	if (!ret)
		ret = wg_uapi_parse_get(reply.p, reply.len, dev);
	sbuf_free(&reply);
	if (ret < 0) {
		wg_device_free(dev);
		return ret;
	}
	dev->ifindex = if_nametoindex(ifname);
	*out = dev;
	return 0;
}

static int uapi_set_device(struct wg_backend *be, const struct wg_device *dev)
{
	struct sbuf reply = {0};
	char *req;
	size_t len;
	int ret;

	if (!wg_ifname_valid(dev->name))
		return -EINVAL;
	ret = wg_uapi_format_set(dev, &req, &len);
	if (ret < 0)
		return ret;
	ret = exchange(to_uapi(be), dev->name, req, len, &reply);
	wg_uapi_request_free(req, len);
	if (!ret)
		ret = wg_uapi_parse_errno(reply.p, reply.len);
	sbuf_free(&reply);
	return ret;
}

static bool uapi_has_interface(struct wg_backend *be, const char *ifname)
{
	int fd = uapi_connect(to_uapi(be), ifname, now_ms());

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* A /proc directory entry that is a number, or -1. */
static int proc_number(const char *name)
{
	char *end;
	long v;

	if (name[0] < '0' || name[0] > '9')
		return -1;
	v = strtol(name, &end, 10);
	return *end || v < 0 || v > INT_MAX ? -1 : (int)v;
}

static bool same_netns(int pid, const struct stat *self)
{
	char path[64];
	struct stat st;

	snprintf(path, sizeof(path), "/proc/%d/ns/net", pid);
	return stat(path, &st) == 0 && st.st_dev == self->st_dev && st.st_ino == self->st_ino;
}

/* Is /proc/PID/fd/FD a tun descriptor attached to ifname? */
static bool is_tun_of(int pid, int fd, const char *ifname)
{
	static const char tun[] = "/dev/net/tun";
	char path[64], buf[1024], want[IFNAMSIZ + 8];
	ssize_t n;
	int f;

	snprintf(path, sizeof(path), "/proc/%d/fd/%d", pid, fd);
	n = readlink(path, buf, sizeof(buf) - 1);
	if (n != (ssize_t)sizeof(tun) - 1 || memcmp(buf, tun, sizeof(tun) - 1))
		return false;
	snprintf(path, sizeof(path), "/proc/%d/fdinfo/%d", pid, fd);
	f = open(path, O_RDONLY | O_CLOEXEC);
	if (f < 0)
		return false;
	n = read(f, buf, sizeof(buf) - 1);
	close(f);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	snprintf(want, sizeof(want), "\niff:\t%s\n", ifname);
	return strstr(buf, want) != NULL;
}

static bool holds_tun(int pid, const char *ifname)
{
	struct dirent *ent;
	bool found = false;
	char path[64];
	DIR *dir;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/fd", pid);
	dir = opendir(path);
	if (!dir)
		return false; /* gone, or not ours to inspect */
	while (!found && (ent = readdir(dir))) {
		fd = proc_number(ent->d_name);
		found = fd >= 0 && is_tun_of(pid, fd, ifname);
	}
	closedir(dir);
	return found;
}

pid_t wg_uapi_server_pid(struct wg_backend *be, const char *ifname)
{
	struct stat self;
	struct dirent *ent;
	pid_t found = -ESRCH;
	DIR *dir;
	int pid;

	(void)be;
	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	if (stat("/proc/self/ns/net", &self) < 0)
		return -errno;
	dir = opendir("/proc");
	if (!dir)
		return -errno;
	while (found < 0 && (ent = readdir(dir))) {
		pid = proc_number(ent->d_name);
		if (pid > 0 && same_netns(pid, &self) && holds_tun(pid, ifname))
			found = pid;
	}
	closedir(dir);
	return found;
}

/* Environment for the implementation: ours, minus variables that would
 * make wireguard-go believe it is already the daemonized child, plus the
 * switch old wireguard-go releases need to run at all on Linux. */
static char **spawn_env(void)
{
	static const char *const drop[] = {"WG_TUN_FD=", "WG_UAPI_FD=", "WG_PROCESS_FOREGROUND="};
	size_t n = 0, i, j, k = 0;
	char **env;

	while (environ && environ[n])
		n++;
	env = kld_xcalloc(n + 2, sizeof(*env));
	for (i = 0; i < n; i++) {
		for (j = 0; j < KLD_ARRAY_SIZE(drop); j++)
			if (!strncmp(environ[i], drop[j], strlen(drop[j])))
				break;
		if (j == KLD_ARRAY_SIZE(drop))
			env[k++] = environ[i];
	}
	env[k] = (char *)"WG_I_PREFER_BUGGY_USERSPACE_TO_POLISHED_KMOD=1";
	return env;
}

static int spawn_impl(struct wg_uapi *u, const char *ifname, pid_t *pid)
{
	char *argv[] = {u->binary, (char *)ifname, NULL};
	posix_spawn_file_actions_t fa;
	posix_spawnattr_t attr;
	sigset_t all, none;
	char **env = spawn_env();
	int ret;

	sigfillset(&all);
	sigemptyset(&none);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	posix_spawn_file_actions_addclosefrom_np(&fa, 3);
	posix_spawnattr_init(&attr);
	/* Own session: terminal signals for zebra-lite must not reach the
	 * tunnels; default signal state: the daemon must be stoppable. */
	posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK |
					    POSIX_SPAWN_SETSIGDEF);
	posix_spawnattr_setsigmask(&attr, &none);
	posix_spawnattr_setsigdefault(&attr, &all);
	ret = posix_spawnp(pid, u->binary, &fa, &attr, argv, env);
	posix_spawnattr_destroy(&attr);
	posix_spawn_file_actions_destroy(&fa);
	free(env);
	return -ret;
}

/*
 * A process we did not necessarily fork. A pidfd pins it against pid
 * reuse and is pollable for its exit; kernels or tools (valgrind) without
 * pidfd_open fall back to the pid and /proc, accepting the reuse race.
 */
struct proc {
	pid_t pid;
	int pidfd;
};

static int proc_open(struct proc *p, pid_t pid)
{
	p->pid = pid;
	p->pidfd = pidfd_open(pid, 0);
	if (p->pidfd < 0 && errno == ESRCH)
		return -ESRCH;
	return 0;
}

static void proc_close(struct proc *p)
{
	if (p->pidfd >= 0)
		close(p->pidfd);
	p->pidfd = -1;
}

/* Running, as opposed to gone or a zombie nobody reaped yet. */
static bool proc_running(pid_t pid)
{
	char path[32], buf[512];
	const char *paren;
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return false;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n <= 0)
		return false;
	buf[n] = '\0';
	paren = strrchr(buf, ')'); /* the command name may contain anything */
	if (!paren || paren[1] != ' ')
		return false;
	return paren[2] != 'Z' && paren[2] != 'X';
}

/* 0 once the process has exited, or -ETIMEDOUT. */
static int proc_wait(const struct proc *p, int64_t deadline)
{
	if (p->pidfd >= 0)
		return wait_fd(p->pidfd, POLLIN, deadline);
	while (proc_running(p->pid)) {
		if (remaining_ms(deadline) == 0)
			return -ETIMEDOUT;
		poll(NULL, 0, 10);
	}
	return 0;
}

static void proc_signal(const struct proc *p, int sig)
{
	if (p->pidfd >= 0)
		pidfd_send_signal(p->pidfd, sig, NULL, 0);
	else
		kill(p->pid, sig);
}

/* The launcher's verdict: 0 it exited 0 (or its status is unknowable
 * because SIGCHLD is ignored), 1 still running at the deadline, -EIO it
 * failed. */
static int wait_launcher(pid_t pid, int64_t deadline)
{
	int pidfd = pidfd_open(pid, 0), flags = WNOHANG, status, ret;

	if (pidfd >= 0) {
		ret = wait_fd(pidfd, POLLIN, deadline);
		close(pidfd);
		if (ret == -ETIMEDOUT)
			return 1;
		if (ret == 0)
			flags = 0; /* it has exited: reaping cannot block */
	}
	while ((ret = waitpid(pid, &status, flags)) == 0) {
		if (remaining_ms(deadline) == 0)
			return 1;
		poll(NULL, 0, 10);
	}
	if (ret < 0)
		return errno == ECHILD ? 0 : -errno;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int wait_socket(struct wg_uapi *u, const char *ifname, int64_t deadline)
{
	for (;;) {
		if (uapi_has_interface(&u->be, ifname))
			return 0;
		if (remaining_ms(deadline) == 0)
			return -ETIMEDOUT;
		poll(NULL, 0, 10);
	}
}

static int uapi_add_interface(struct wg_backend *be, const char *ifname)
{
	struct wg_uapi *u = to_uapi(be);
	int64_t deadline = now_ms() + u->timeout_ms;
	pid_t pid;
	int ret;

	if (!wg_ifname_valid(ifname))
		return -EINVAL;
	if (uapi_has_interface(be, ifname) || if_nametoindex(ifname))
		return -EEXIST;
	if (mkdir(u->sockdir, 0755) < 0 && errno != EEXIST)
		return -errno;
	ret = spawn_impl(u, ifname, &pid);
	if (ret < 0)
		return ret;
	ret = wait_launcher(pid, deadline);
	if (ret == 1 && !uapi_has_interface(be, ifname)) {
		kill(pid, SIGKILL);
		waitpid(pid, NULL, 0);
		return -ETIMEDOUT;
	}
	if (ret < 0)
		return ret;
	return wait_socket(u, ifname, deadline);
}

/* Give the process until deadline to exit by itself, then insist. */
static int stop_process(const struct proc *p, int64_t deadline, int64_t grace_ms)
{
	int ret = proc_wait(p, deadline);

	if (ret == -ETIMEDOUT) {
		proc_signal(p, SIGTERM);
		ret = proc_wait(p, now_ms() + grace_ms);
	}
	if (ret == -ETIMEDOUT) {
		proc_signal(p, SIGKILL);
		ret = proc_wait(p, now_ms() + grace_ms);
	}
	return ret;
}

static int wait_link_gone(const char *ifname, int64_t deadline)
{
	while (if_nametoindex(ifname)) {
		if (remaining_ms(deadline) == 0)
			return -ETIMEDOUT;
		poll(NULL, 0, 10);
	}
	return 0;
}

static int uapi_del_interface(struct wg_backend *be, const char *ifname)
{
	struct wg_uapi *u = to_uapi(be);
	int64_t deadline = now_ms() + u->timeout_ms;
	struct proc p = {.pid = 0, .pidfd = -1};
	struct sockaddr_un sun;
	pid_t pid;
	int ret;

	ret = sock_path(u, ifname, &sun);
	if (ret < 0)
		return ret;
	if (!uapi_has_interface(be, ifname))
		return -ENODEV;
	/* Pin the process before the socket goes, so it cannot exit and
	 * have its pid reused in between. */
	pid = wg_uapi_server_pid(be, ifname);
	if (pid > 0 && proc_open(&p, pid) < 0)
		pid = 0; /* exited already */
	if (unlink(sun.sun_path) < 0 && errno != ENOENT) {
		ret = -errno;
		proc_close(&p);
		return ret;
	}
	if (pid > 0) {
		ret = stop_process(&p, deadline, 1000);
		proc_close(&p);
		if (ret < 0)
			return ret;
		deadline = now_ms() + 1000;
	}
	return wait_link_gone(ifname, deadline);
}

static int uapi_list_interfaces(struct wg_backend *be, struct wg_ifnames *out)
{
	struct wg_uapi *u = to_uapi(be);
	struct dirent *ent;
	DIR *dir;

	memset(out, 0, sizeof(*out));
	dir = opendir(u->sockdir);
	if (!dir)
		return errno == ENOENT ? 0 : -errno;
	while ((ent = readdir(dir))) {
		char name[IFNAMSIZ];
		size_t len = strlen(ent->d_name);

		if (len <= 5 || len - 5 >= IFNAMSIZ || strcmp(ent->d_name + len - 5, ".sock"))
			continue;
		memcpy(name, ent->d_name, len - 5);
		name[len - 5] = '\0';
		if (uapi_has_interface(be, name))
			wg_ifnames_add(out, name);
	}
	closedir(dir);
	return 0;
}

static void uapi_destroy(struct wg_backend *be)
{
	struct wg_uapi *u = to_uapi(be);

	free(u->sockdir);
	free(u->binary);
	free(u);
}

static const struct wg_backend_ops uapi_ops = {
    .kind = "uapi",
    .get_device = uapi_get_device,
    .set_device = uapi_set_device,
    .add_interface = uapi_add_interface,
    .del_interface = uapi_del_interface,
    .list_interfaces = uapi_list_interfaces,
    .has_interface = uapi_has_interface,
    .destroy = uapi_destroy,
};

int wg_uapi_new(const struct wg_uapi_config *cfg, struct wg_backend **out)
{
	const char *dir = cfg && cfg->sockdir ? cfg->sockdir : WG_UAPI_SOCKDIR_DEFAULT;
	const char *bin = cfg && cfg->binary ? cfg->binary : WG_UAPI_BINARY_DEFAULT;
	struct sockaddr_un sun;
	struct wg_uapi *u;

	*out = NULL;
	if (!*dir || !*bin)
		return -EINVAL;
	/* Longest name must fit: DIR/123456789012345.sock */
	if (strlen(dir) + 1 + (IFNAMSIZ - 1) + 5 >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	u = kld_xcalloc(1, sizeof(*u));
	u->be.ops = &uapi_ops;
	u->sockdir = kld_xstrdup(dir);
	u->binary = kld_xstrdup(bin);
	u->timeout_ms = cfg && cfg->timeout_ms > 0 ? cfg->timeout_ms : WG_UAPI_TIMEOUT_DEFAULT_MS;
	*out = &u->be;
	return 0;
}
