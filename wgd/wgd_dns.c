/*
 * Endpoint names, resolved off the event loop.
 *
 * A name is resolved by getaddrinfo(3) in a short-lived thread of its own,
 * so the system's resolver answers as it does for wg(8) (nsswitch,
 * /etc/hosts read each time), and a DNS server that does not answer stalls
 * that thread, not wgd's loop: health checks, metrics and the shell go on.
 * The answer comes back as a pointer over a datagram socket pair the loop
 * watches. A push never waits: it uses the last answer for each name (a
 * peer whose name has not answered yet goes without an endpoint), and an
 * answer that changes something pushes again.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "event.h"
#include "log.h"
#include "util.h"
#include "wgd.h"

struct wgd_dns_name {
	struct wgd_dns_name *next;
	char *endpoint; /* as configured: HOST:PORT or [HOST]:PORT */
	char *numeric;	/* the last answer; NULL: none yet, or it failed */
	bool pending;
	bool literal; /* an address, not a name: nothing to ask again */
};

/* What a thread owns: its own copies, so wgd may free everything else. */
struct wgd_dns_job {
	char *endpoint;
	char *numeric;
	int fd;
};

struct wgd_dns {
	int sv[2]; /* [0]: the loop reads answers; [1]: threads send them */
	struct kld_io *io;
	struct wgd_dns_name *names;
	void (*changed)(void *arg);
	void *arg;
};

/* The device wants numbers: "ip:port" or "[ip6]:port". flags 0 may block. */
static char *wgd_dns_resolve(const char *ep, int flags)
{
	char host[256], port[8], buf[INET6_ADDRSTRLEN], *out = NULL;
	struct addrinfo hints = {.ai_socktype = SOCK_DGRAM, .ai_flags = flags}, *res = NULL;
	const void *a;

	if (wgd_endpoint_split(ep, host, sizeof(host), port, sizeof(port)) < 0 ||
	    getaddrinfo(host, port, &hints, &res) != 0 || !res)
		return NULL;
	a = res->ai_family == AF_INET ? (const void *)&((struct sockaddr_in *)res->ai_addr)->sin_addr
				       : (const void *)&((struct sockaddr_in6 *)res->ai_addr)->sin6_addr;
	if ((res->ai_family == AF_INET || res->ai_family == AF_INET6) &&
	    inet_ntop(res->ai_family, a, buf, sizeof(buf))) {
		out = kld_xmalloc(strlen(buf) + strlen(port) + 4);
		sprintf(out, res->ai_family == AF_INET ? "%s:%s" : "[%s]:%s", buf, port);
	}
	freeaddrinfo(res);
	return out;
}

static void *wgd_dns_thread(void *arg)
{
	struct wgd_dns_job *job = arg;

	job->numeric = wgd_dns_resolve(job->endpoint, 0);
	/* If wgd is gone the send fails; the process is ending anyway. */
	if (send(job->fd, &job, sizeof(job), MSG_NOSIGNAL) != sizeof(job)) {
		free(job->numeric);
		free(job->endpoint);
		free(job);
	}
	return NULL;
}

static struct wgd_dns_name *wgd_dns_find(struct wgd_dns *d, const char *ep)
{
	for (struct wgd_dns_name *n = d->names; n; n = n->next)
		if (!strcmp(n->endpoint, ep))
			return n;
	return NULL;
}

static void wgd_dns_start(struct wgd_dns *d, struct wgd_dns_name *n)
{
	struct wgd_dns_job *job = kld_xcalloc(1, sizeof(*job));
	pthread_attr_t attr;
	pthread_t t;

	job->endpoint = kld_xstrdup(n->endpoint);
	job->fd = d->sv[1];
	pthread_attr_init(&attr);
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	if (pthread_create(&t, &attr, wgd_dns_thread, job) == 0) {
		n->pending = true;
	} else {
		kld_log_rl(LOG_WARNING, "wgd: cannot start a resolver thread for %s", n->endpoint);
		free(job->endpoint);
		free(job);
	}
	pthread_attr_destroy(&attr);
}

static void wgd_dns_answer(struct wgd_dns *d, struct wgd_dns_job *job)
{
	struct wgd_dns_name *n = wgd_dns_find(d, job->endpoint);
	bool changed;

	if (!n) { /* forgotten meanwhile */
		free(job->numeric);
		return;
	}
	n->pending = false;
	if (!job->numeric)
		kld_log_rl(LOG_WARNING, "wgd: endpoint %s does not resolve", n->endpoint);
	changed = job->numeric && (!n->numeric || strcmp(n->numeric, job->numeric));
	if (!job->numeric) /* keep the last good answer */
		return;
	free(n->numeric);
	n->numeric = job->numeric;
	if (changed && d->changed)
		d->changed(d->arg);
}

static void wgd_dns_readable(int fd, int what, void *arg)
{
	struct wgd_dns *d = arg;
	struct wgd_dns_job *job;

	(void)what;
	while (recv(fd, &job, sizeof(job), MSG_DONTWAIT) == sizeof(job)) {
		wgd_dns_answer(d, job);
		free(job->endpoint);
		free(job);
	}
}

struct wgd_dns *wgd_dns_new(struct kld_loop *l, void (*changed)(void *arg), void *arg)
{
	struct wgd_dns *d = kld_xcalloc(1, sizeof(*d));

	if (socketpair(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0, d->sv) < 0) {
		free(d);
		return NULL;
	}
	d->io = kld_io_new(l, d->sv[0], KLD_IO_READ, wgd_dns_readable, d);
	d->changed = changed;
	d->arg = arg;
	return d;
}

void wgd_dns_free(struct wgd_dns *d)
{
	if (!d)
		return;
	kld_io_free(d->io);
	close(d->sv[0]);
	close(d->sv[1]); /* threads still resolving find nobody to tell */
	while (d->names) {
		struct wgd_dns_name *n = d->names;

		d->names = n->next;
		free(n->endpoint);
		free(n->numeric);
		free(n);
	}
	free(d);
}

const char *wgd_dns_get(struct wgd_dns *d, const char *ep)
{
	struct wgd_dns_name *n = wgd_dns_find(d, ep);

	if (n)
		return n->numeric;
	n = kld_xcalloc(1, sizeof(*n));
	n->endpoint = kld_xstrdup(ep);
	/* A literal address needs no resolver and no wait. */
	n->numeric = wgd_dns_resolve(ep, AI_NUMERICHOST);
	n->literal = n->numeric != NULL;
	n->next = d->names;
	d->names = n;
	if (!n->literal)
		wgd_dns_start(d, n);
	return n->numeric;
}

void wgd_dns_refresh(struct wgd_dns *d, const char *ep)
{
	struct wgd_dns_name *n = wgd_dns_find(d, ep);

	if (!n) {
		wgd_dns_get(d, ep);
		return;
	}
	if (!n->pending && !n->literal)
		wgd_dns_start(d, n);
}
