/*
 * A minimal HTTP server for one read-only page (see httpd.h for what it
 * promises).
 *
 * Why not libevent's evhttp: in libevent 2.1 it has no connection cap, and
 * its listener retries a failing accept() at once and logs each failure,
 * so running out of file descriptors turned into a busy loop writing
 * "Too many open files" 150,000 times a second. A page that is read by a
 * scraper every few seconds needs little of HTTP: read one request head
 * into a fixed buffer, answer, close. That is all this does.
 *
 * Each connection costs one fd, one fixed head buffer and, while the
 * answer is written, the answer itself. Nothing a client sends is
 * buffered beyond the head limit: a body is refused from its header, never
 * read, so a flood of large POSTs costs no memory.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <event2/buffer.h>
#include "httpd.h"
#include "log.h"
#include "util.h"

#define KLD_HTTPD_PAUSE_MS 250 /* accept paused this long when out of fds */
#define KLD_HTTPD_ACCEPT_BURST 32

struct kld_httpd_conn {
	struct kld_httpd *s;
	int fd;
	struct kld_io *io;
	struct kld_timer *deadline;
	char head[KLD_HTTPD_MAX_HEAD];
	size_t len;
	struct evbuffer *out; /* non-NULL once answering */
	struct kld_httpd_conn *prev, *next;
};

struct kld_httpd {
	struct kld_loop *loop;
	int fd;
	struct kld_io *io; /* NULL while accepting is paused */
	struct kld_timer *resume;
	char *path, *content_type;
	kld_httpd_fn fn;
	void *arg;
	struct kld_httpd_conn *conns;
	unsigned nconns;
};

/* ---- connections ---- */

static void kld_httpd_close(struct kld_httpd_conn *c)
{
	struct kld_httpd *s = c->s;

	if (c->prev)
		c->prev->next = c->next;
	else
		s->conns = c->next;
	if (c->next)
		c->next->prev = c->prev;
	s->nconns--;
	kld_io_free(c->io);
	kld_timer_free(c->deadline);
	if (c->out)
		evbuffer_free(c->out);
	close(c->fd);
	free(c);
}

static void kld_httpd_expired(void *arg)
{
	kld_httpd_close(arg);
}

static void kld_httpd_writable(int fd, int what, void *arg)
{
	struct kld_httpd_conn *c = arg;
	int n = evbuffer_write(c->out, fd);

	(void)what;
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n < 0 || evbuffer_get_length(c->out) == 0)
		kld_httpd_close(c);
}

/* Queue the answer and switch the connection to writing it. */
static void kld_httpd_answer(struct kld_httpd_conn *c, int code, const char *reason,
			     const char *extra, struct evbuffer *body, bool head_only)
{
	size_t blen = body ? evbuffer_get_length(body) : 0;

	c->out = evbuffer_new();
	evbuffer_add_printf(c->out,
			    "HTTP/1.1 %d %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			    "%sConnection: close\r\n\r\n",
			    code, reason, code == 200 ? c->s->content_type : "text/plain",
			    blen, extra ? extra : "");
	if (body && !head_only)
		evbuffer_add_buffer(c->out, body);
	kld_io_free(c->io);
	c->io = kld_io_new(c->s->loop, c->fd, KLD_IO_WRITE, kld_httpd_writable, c);
}

static void kld_httpd_error(struct kld_httpd_conn *c, int code, const char *reason,
			    const char *extra)
{
	struct evbuffer *b = evbuffer_new();

	evbuffer_add_printf(b, "%d %s\n", code, reason);
	kld_httpd_answer(c, code, reason, extra, b, false);
	evbuffer_free(b);
}

/* Header name: value, case-insensitive name; NULL if absent. */
static const char *kld_httpd_header(const char *head, const char *name)
{
	size_t nlen = strlen(name);

	for (const char *l = strchr(head, '\n'); l; l = strchr(l, '\n')) {
		l++;
		if (!strncasecmp(l, name, nlen) && l[nlen] == ':')
			return l + nlen + 1;
	}
	return NULL;
}

static bool kld_httpd_has_body(const char *head)
{
	const char *cl = kld_httpd_header(head, "Content-Length");

	if (kld_httpd_header(head, "Transfer-Encoding"))
		return true;
	return cl && strtoull(cl, NULL, 10) != 0;
}

static bool kld_httpd_path_is(const char *target, size_t tlen, const char *path)
{
	size_t plen = strlen(path);

	return tlen >= plen && !strncmp(target, path, plen) &&
	       (tlen == plen || target[plen] == '?');
}

int kld_httpd_parse(const char *h, const char *path, bool *head_only)
{
	const char *sp1 = strchr(h, ' '), *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;

	*head_only = false;
	if (!sp1 || !sp2 || strncmp(sp2 + 1, "HTTP/1.", 7) != 0)
		return 400;
	*head_only = sp1 - h == 4 && !strncmp(h, "HEAD", 4);
	if (!*head_only && !(sp1 - h == 3 && !strncmp(h, "GET", 3)))
		return 405;
	if (kld_httpd_has_body(h))
		return 413;
	if (!kld_httpd_path_is(sp1 + 1, (size_t)(sp2 - sp1 - 1), path))
		return 404;
	return 200;
}

/* The whole head is in c->head (NUL-terminated): answer it. */
static void kld_httpd_request(struct kld_httpd_conn *c)
{
	bool head_only;
	struct evbuffer *body;

	switch (kld_httpd_parse(c->head, c->s->path, &head_only)) {
	case 200:
		break;
	case 405:
		kld_httpd_error(c, 405, "Method Not Allowed", "Allow: GET, HEAD\r\n");
		return;
	case 413:
		kld_httpd_error(c, 413, "Payload Too Large", NULL);
		return;
	case 404:
		kld_httpd_error(c, 404, "Not Found", NULL);
		return;
	default:
		kld_httpd_error(c, 400, "Bad Request", NULL);
		return;
	}
	body = evbuffer_new();
	c->s->fn(body, c->s->arg);
	kld_httpd_answer(c, 200, "OK", NULL, body, head_only);
	evbuffer_free(body);
}

static void kld_httpd_readable(int fd, int what, void *arg)
{
	struct kld_httpd_conn *c = arg;
	ssize_t n;

	(void)what;
	/* Leave room for the NUL; a head that fills the buffer is too big. */
	n = read(fd, c->head + c->len, sizeof(c->head) - 1 - c->len);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		kld_httpd_close(c);
		return;
	}
	c->len += (size_t)n;
	c->head[c->len] = '\0';
	if (strstr(c->head, "\r\n\r\n") || strstr(c->head, "\n\n")) {
		kld_httpd_request(c);
		return;
	}
	if (c->len == sizeof(c->head) - 1)
		kld_httpd_error(c, 431, "Request Header Fields Too Large", NULL);
}

static void kld_httpd_adopt(struct kld_httpd *s, int fd)
{
	struct kld_httpd_conn *c = kld_xcalloc(1, sizeof(*c));

	c->s = s;
	c->fd = fd;
	c->io = kld_io_new(s->loop, fd, KLD_IO_READ, kld_httpd_readable, c);
	c->deadline = kld_timer_new(s->loop, kld_httpd_expired, c);
	kld_timer_arm(c->deadline, KLD_HTTPD_DEADLINE_MS);
	c->next = s->conns;
	if (s->conns)
		s->conns->prev = c;
	s->conns = c;
	s->nconns++;
}

/* ---- accepting ---- */

static void kld_httpd_acceptable(int fd, int what, void *arg);

static void kld_httpd_resume(void *arg)
{
	struct kld_httpd *s = arg;

	if (!s->io)
		s->io = kld_io_new(s->loop, s->fd, KLD_IO_READ, kld_httpd_acceptable, s);
}

/* Out of fds (or memory): the listen socket stays readable, so retrying
 * at once would spin. Stop watching it for a while; the kernel's backlog
 * holds (or drops) new connections meanwhile. */
static void kld_httpd_pause(struct kld_httpd *s, int err)
{
	kld_log_rl(LOG_WARNING, "metrics: accept: %s; accepting paused for %d ms", strerror(err),
		   KLD_HTTPD_PAUSE_MS);
	kld_io_free(s->io);
	s->io = NULL;
	kld_timer_arm(s->resume, KLD_HTTPD_PAUSE_MS);
}

static void kld_httpd_acceptable(int lfd, int what, void *arg)
{
	struct kld_httpd *s = arg;

	(void)what;
	for (int i = 0; i < KLD_HTTPD_ACCEPT_BURST; i++) {
		int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS || errno == ENOMEM)
				kld_httpd_pause(s, errno);
			return; /* EAGAIN, or a connection that went away */
		}
		if (s->nconns >= KLD_HTTPD_MAX_CONNS) {
			kld_log_rl(LOG_WARNING, "metrics: %d connections open, refusing more",
				   KLD_HTTPD_MAX_CONNS);
			close(fd);
			continue;
		}
		kld_httpd_adopt(s, fd);
	}
}

static int kld_httpd_listen(const struct kld_addr *addr, uint16_t port)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int one = 1, fd;

	memset(&ss, 0, sizeof(ss));
	if (addr->family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons(port);
		memcpy(&s6->sin6_addr, addr->u.bytes, 16);
		sl = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;

		s4->sin_family = AF_INET;
		s4->sin_port = htons(port);
		memcpy(&s4->sin_addr, addr->u.bytes, 4);
		sl = sizeof(*s4);
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) < 0 || listen(fd, 128) < 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

struct kld_httpd *kld_httpd_new(struct kld_loop *l, const struct kld_addr *addr, uint16_t port,
				const char *path, const char *content_type, kld_httpd_fn fn,
				void *arg)
{
	int fd = kld_httpd_listen(addr, port);
	struct kld_httpd *s;

	if (fd < 0)
		return NULL;
	s = kld_xcalloc(1, sizeof(*s));
	s->loop = l;
	s->fd = fd;
	s->path = kld_xstrdup(path);
	s->content_type = kld_xstrdup(content_type);
	s->fn = fn;
	s->arg = arg;
	s->resume = kld_timer_new(l, kld_httpd_resume, s);
	s->io = kld_io_new(l, fd, KLD_IO_READ, kld_httpd_acceptable, s);
	return s;
}

void kld_httpd_free(struct kld_httpd *s)
{
	if (!s)
		return;
	while (s->conns)
		kld_httpd_close(s->conns);
	kld_io_free(s->io);
	kld_timer_free(s->resume);
	close(s->fd);
	free(s->path);
	free(s->content_type);
	free(s);
}

unsigned kld_httpd_conns(const struct kld_httpd *s)
{
	return s ? s->nconns : 0;
}

/* ---- Prometheus metrics pages ---- */

/* Listen where m says; how says what the log line calls it ("on": a new
 * endpoint, "stay on": the old one back after a failed move). */
static int kld_metrics_start(struct kld_metrics *m, struct kld_loop *l, kld_httpd_fn fn,
			     void *arg, const char *how)
{
	char ab[KLD_ADDR_STRLEN];

	if (!m->port || !l)
		return 0;
	m->http = kld_httpd_new(l, &m->addr, m->port, "/metrics",
				"text/plain; version=0.0.4; charset=utf-8", fn, arg);
	if (!m->http)
		return -1;
	kld_info("metrics %s http://%s:%u/metrics", how, kld_addr_fmt(&m->addr, ab, sizeof(ab)),
		 m->port);
	return 0;
}

int kld_metrics_set(struct kld_metrics *m, struct kld_loop *l, const struct kld_addr *addr,
		    uint16_t port, kld_httpd_fn fn, void *arg)
{
	struct kld_metrics old = *m;
	char ab[KLD_ADDR_STRLEN];
	int err;

	kld_metrics_stop(m); /* first: the same address may be asked for again */
	m->addr = *addr;
	m->port = port;
	if (kld_metrics_start(m, l, fn, arg, "on") == 0)
		return 0;
	err = errno;
	/* Said as a failure: the old endpoint coming back is no success. */
	kld_warn("metrics: cannot listen on http://%s:%u/metrics: %s",
		 kld_addr_fmt(addr, ab, sizeof(ab)), port, strerror(err));
	m->addr = old.addr;
	m->port = old.port;
	kld_metrics_start(m, l, fn, arg, "stay on");
	errno = err;
	return -1;
}

void kld_metrics_stop(struct kld_metrics *m)
{
	kld_httpd_free(m->http);
	m->http = NULL;
}

void kld_metrics_family(struct evbuffer *b, const char *name, const char *type, const char *help)
{
	evbuffer_add_printf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

const char *kld_metrics_label(const char *v, char *buf, size_t size)
{
	size_t o = 0;

	for (; *v && o + 3 < size; v++) {
		if (*v == '\\' || *v == '"' || *v == '\n')
			buf[o++] = '\\';
		buf[o++] = *v == '\n' ? 'n' : *v;
	}
	buf[o] = '\0';
	return buf;
}
