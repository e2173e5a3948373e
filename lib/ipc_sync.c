/*
 * Blocking side of the framed IPC, for short-lived tools (vtysh, tests).
 * Each call is bounded by a timeout so that a hung daemon cannot hang the
 * shell.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
#include "ipc_sync.h"
#include "util.h"

static int kld_wait(int fd, short ev, int timeout_ms)
{
	struct pollfd p = { .fd = fd, .events = ev };
	int rc;

	do {
		rc = poll(&p, 1, timeout_ms);
	} while (rc < 0 && errno == EINTR);
	if (rc == 0)
		errno = ETIMEDOUT;
	return rc > 0 ? 0 : -1;
}

static int kld_read_full(int fd, uint8_t *buf, size_t len, int timeout_ms)
{
	size_t got = 0;

	while (got < len) {
		ssize_t n;

		if (kld_wait(fd, POLLIN, timeout_ms) < 0)
			return -1;
		n = read(fd, buf + got, len - got);
		if (n == 0) {
			errno = ECONNRESET;
			return -1;
		}
		if (n < 0 && errno != EINTR && errno != EAGAIN)
			return -1;
		if (n > 0)
			got += (size_t)n;
	}
	return 0;
}

int kld_sync_send(int fd, const Kld__Envelope *env)
{
	size_t len, off = 0;
	uint8_t *buf = kld_frame_encode(env, &len);

	while (off < len) {
		ssize_t n = send(fd, buf + off, len - off, MSG_NOSIGNAL);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			explicit_bzero(buf, len);
			free(buf);
			return -1;
		}
		off += (size_t)n;
	}
	explicit_bzero(buf, len);
	free(buf);
	return 0;
}

Kld__Envelope *kld_sync_recv(int fd, int timeout_ms)
{
	uint8_t hdr[KLD_FRAME_HDR];
	size_t body_len = 0;
	const char *reason;
	Kld__Envelope *env;
	uint8_t *body;

	if (kld_read_full(fd, hdr, sizeof(hdr), timeout_ms) < 0)
		return NULL;
	if (kld_frame_check(hdr, sizeof(hdr), KLD_FRAME_MAX_DEFAULT, &body_len) !=
	    KLD_FRAME_NEED_MORE) {
		errno = EPROTO;
		return NULL;
	}
	body = kld_xmalloc(body_len);
	if (kld_read_full(fd, body, body_len, timeout_ms) < 0) {
		free(body);
		return NULL;
	}
	env = kld_frame_decode(body, body_len, &reason);
	explicit_bzero(body, body_len);
	free(body);
	if (!env)
		errno = EPROTO;
	return env;
}

static int kld_sync_hello(int fd, const char *self, int timeout_ms, char *peer, size_t size)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__Hello hello = KLD__HELLO__INIT;
	Kld__Envelope *reply;

	hello.version = KLD__PROTOCOL_VERSION__PROTOCOL_VERSION_CURRENT;
	hello.daemon = (char *)self;
	hello.pid = (uint32_t)getpid();
	hello.software = (char *)PACKAGE_STRING;
	env.body_case = KLD__ENVELOPE__BODY_HELLO;
	env.hello = &hello;
	if (kld_sync_send(fd, &env) < 0)
		return -1;
	reply = kld_sync_recv(fd, timeout_ms);
	if (!reply)
		return -1;
	if (reply->body_case != KLD__ENVELOPE__BODY_HELLO ||
	    reply->hello->version != KLD__PROTOCOL_VERSION__PROTOCOL_VERSION_CURRENT) {
		kld_frame_free(reply);
		errno = EPROTO;
		return -1;
	}
	if (peer)
		snprintf(peer, size, "%s", reply->hello->daemon);
	kld_frame_free(reply);
	return 0;
}

int kld_sync_connect(const char *path, const char *self, int timeout_ms, char *peer,
		     size_t peer_size)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, e;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun)) < 0 ||
	    kld_sync_hello(fd, self, timeout_ms, peer, peer_size) < 0) {
		e = errno;
		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

Kld__Envelope *kld_sync_request(int fd, Kld__Envelope *req, int timeout_ms)
{
	static uint32_t next_seq = 1;
	Kld__Envelope *reply;

	req->seq = next_seq++;
	if (kld_sync_send(fd, req) < 0)
		return NULL;
	for (;;) {
		reply = kld_sync_recv(fd, timeout_ms);
		if (!reply || reply->seq == req->seq)
			return reply;
		kld_frame_free(reply); /* unsolicited: not for us */
	}
}
