/*
 * zebra-lite rtnetlink core: sockets, the request batch, acks, dumps and
 * event dispatch. The object codecs live in nl_route.c, nl_link.c,
 * nl_addr.c and nl_neigh.c; attribute helpers in nl_attr.c.
 *
 * Acks. Requests are kept in a FIFO of (seq, cookie) in the order they
 * were queued; the batch buffer holds the unsent tail of that FIFO. The
 * kernel handles a sendmsg() synchronously and one request after the
 * other, and answers every request that failed (and every one flagged
 * NLM_F_ACK), in order. So when an answer for seq S arrives, every older
 * entry that got no answer succeeded, and S itself carries its error or 0.
 * That one rule serves both ack modes. If the kernel ever drops answers
 * (ENOBUFS on the command socket), nothing can be known about the sent
 * requests: they are all failed with -ENOBUFS and their late answers,
 * older than the FIFO head, are ignored.
 *
 * Flushing reads the answers at once, before the next batch can add to
 * them, so the command socket's receive buffer only ever holds one
 * batch's answers. A callback run while reading (in_dispatch) may queue
 * and even send, but reading is left to the loop that is already running:
 * it would otherwise overwrite the receive buffer under itself.
 *
 * Dumps use the same socket, one at a time, recognised by their seq.
 */
#include <errno.h>
#include <poll.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <stddef.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "nl.h"
#include "util.h"

#define ZL_NL_BATCH_BYTES_DEFAULT (128u * 1024)
#define ZL_NL_BATCH_MSGS_DEFAULT 4096u
#define ZL_NL_EVENT_RCVBUF_DEFAULT (32 * 1024 * 1024)
#define ZL_NL_CMD_RCVBUF_MIN (4 * 1024 * 1024)
/* Kernel dump skbs are at most 32 KiB; leave room for bigger future ones. */
#define ZL_NL_RBUF_SIZE (64u * 1024)
#define ZL_NL_DUMPQ_LEN 16u
/* recvmsg() calls per process call, so one socket cannot starve a loop. */
#define ZL_NL_RECV_BUDGET 256

struct zl_nl_pending {
	uint32_t seq;
	uint64_t cookie;
};

struct zl_nl_dumpreq {
	enum zl_nl_obj obj;
	uint8_t family;
};

struct zl_nl {
	struct mnl_socket *cmd;
	struct mnl_socket *ev;
	struct zl_nl_ops ops;
	void *arg;
	struct zl_nl_config cfg;

	/* The batch: unsent requests, back to back. */
	char *batch;
	size_t batch_len;
	unsigned int batch_n;
	size_t last_off;
	uint32_t seq;

	/* FIFO of requests without an answer; the last `unsent` are in batch. */
	struct zl_nl_pending *pend;
	size_t pend_cap;
	size_t pend_head;
	size_t pend_count;
	size_t unsent;

	struct zl_nl_dumpreq dumpq[ZL_NL_DUMPQ_LEN];
	unsigned int dumpq_head;
	unsigned int dumpq_count;
	bool dump_active;
	bool dump_intr;
	uint32_t dump_seq;

	char *rbuf;
	bool in_dispatch;
	struct zl_nl_stats st;

	/* Parse target for deliveries; big (routes) so not on the stack. */
	union {
		struct zl_nl_route route;
		struct zl_nl_link link;
		struct zl_nl_addr addr;
		struct zl_nl_neigh neigh;
	} scratch;
};

/* ---- protocol names ---------------------------------------------------- */

static const struct {
	uint8_t proto;
	const char *name;
} zl_nl_rtprots[] = {
	{ ZL_RTPROT_WIREGUARD, "wireguard" },
	{ ZL_RTPROT_VXLAN, "vxlan" },
};

const char *zl_nl_rtprot_name(uint8_t proto)
{
	for (size_t i = 0; i < sizeof(zl_nl_rtprots) / sizeof(zl_nl_rtprots[0]); i++)
		if (zl_nl_rtprots[i].proto == proto)
			return zl_nl_rtprots[i].name;
	return NULL;
}

const char *zl_nl_rtprot_conf(void)
{
	return "# kldnet route protocols (zebra-lite)\n"
	       "240\twireguard\n"
	       "241\tvxlan\n";
}

/* ---- the pending FIFO -------------------------------------------------- */

static struct zl_nl_pending *pend_at(struct zl_nl *nl, size_t i)
{
	return &nl->pend[(nl->pend_head + i) % nl->pend_cap];
}

static int pend_grow(struct zl_nl *nl)
{
	size_t cap = nl->pend_cap ? nl->pend_cap * 2 : 1024;
	struct zl_nl_pending *p = malloc(cap * sizeof(*p));

	if (!p)
		return -ENOMEM;
	for (size_t i = 0; i < nl->pend_count; i++)
		p[i] = *pend_at(nl, i);
	free(nl->pend);
	nl->pend = p;
	nl->pend_cap = cap;
	nl->pend_head = 0;
	return 0;
}

static int pend_push(struct zl_nl *nl, uint32_t seq, uint64_t cookie)
{
	if (nl->pend_count == nl->pend_cap && pend_grow(nl) < 0)
		return -ENOMEM;
	*pend_at(nl, nl->pend_count) = (struct zl_nl_pending){ seq, cookie };
	nl->pend_count++;
	return 0;
}

static struct zl_nl_pending pend_pop(struct zl_nl *nl)
{
	struct zl_nl_pending p = nl->pend[nl->pend_head];

	nl->pend_head = (nl->pend_head + 1) % nl->pend_cap;
	nl->pend_count--;
	return p;
}

static size_t pend_sent(const struct zl_nl *nl)
{
	return nl->pend_count - nl->unsent;
}

static void report(struct zl_nl *nl, uint64_t cookie, int err, const char *msg)
{
	if (err == 0)
		nl->st.acks_ok++;
	else
		nl->st.acks_err++;
	if (nl->ops.ack)
		nl->ops.ack(nl->arg, cookie, err, msg);
}

/* Fail every sent request: their answers are lost or unknowable. */
static void pend_fail_sent(struct zl_nl *nl, int err)
{
	size_t n = pend_sent(nl);

	while (n-- > 0) {
		struct zl_nl_pending p = pend_pop(nl);

		if (err == -ENOBUFS)
			nl->st.acks_lost++;
		report(nl, p.cookie, err, NULL);
	}
}

/* Fail the n newest entries (a batch that could not be sent), oldest first. */
static void pend_fail_tail(struct zl_nl *nl, size_t n, int err)
{
	/* Copied out: the callbacks may queue, and so move, the FIFO. */
	struct zl_nl_pending *tmp = kld_xmalloc(n * sizeof(*tmp) + 1);

	for (size_t i = 0; i < n; i++)
		tmp[i] = *pend_at(nl, nl->pend_count - n + i);
	nl->pend_count -= n;
	for (size_t i = 0; i < n; i++)
		report(nl, tmp[i].cookie, err, NULL);
	free(tmp);
}

/* ---- acks --------------------------------------------------------------- */

static void on_ack(struct zl_nl *nl, uint32_t seq, int err, const char *msg)
{
	while (pend_sent(nl) > 0) {
		int32_t d = (int32_t)(seq - nl->pend[nl->pend_head].seq);
		struct zl_nl_pending p;

		if (d < 0)
			return; /* stale: already failed by an overrun */
		p = pend_pop(nl);
		if (d == 0) {
			report(nl, p.cookie, err, msg);
			return;
		}
		report(nl, p.cookie, 0, NULL);
	}
}

static int extack_cb(const struct nlattr *a, void *data)
{
	if (mnl_attr_get_type(a) == NLMSGERR_ATTR_MSG &&
	    mnl_attr_validate(a, MNL_TYPE_NUL_STRING) == 0)
		*(const char **)data = mnl_attr_get_str(a);
	return MNL_CB_OK;
}

/* The kernel's text for an error, if it sent one (NETLINK_EXT_ACK). */
static const char *extack_msg(const struct nlmsghdr *nlh, const struct nlmsgerr *e)
{
	size_t off = sizeof(*e);
	const char *msg = NULL;

	if (!(nlh->nlmsg_flags & NLM_F_ACK_TLVS))
		return NULL;
	if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
		off += e->msg.nlmsg_len - sizeof(struct nlmsghdr);
	if (off >= mnl_nlmsg_get_payload_len(nlh))
		return NULL;
	mnl_attr_parse(nlh, off, extack_cb, &msg);
	return msg;
}

/* ---- dumps -------------------------------------------------------------- */

/* Each object's family header; all start with the family byte. */
static const struct {
	uint16_t type;
	size_t hdrlen;
} zl_nl_dump_req[ZL_NL_OBJ_MAX] = {
	[ZL_NL_LINK] = { RTM_GETLINK, sizeof(struct ifinfomsg) },
	[ZL_NL_ADDR] = { RTM_GETADDR, sizeof(struct ifaddrmsg) },
	[ZL_NL_ROUTE] = { RTM_GETROUTE, sizeof(struct rtmsg) },
	[ZL_NL_NEIGH] = { RTM_GETNEIGH, sizeof(struct ndmsg) },
};

int zl_nl_dump_build(void *buf, size_t size, enum zl_nl_obj obj, uint8_t family)
{
	struct nlmsghdr *nlh;

	if ((unsigned int)obj >= ZL_NL_OBJ_MAX)
		return -EINVAL;
	nlh = zl_nl_put_hdr(buf, size, zl_nl_dump_req[obj].type, NLM_F_DUMP,
			    zl_nl_dump_req[obj].hdrlen);
	if (!nlh)
		return -ENOSPC;
	*(uint8_t *)mnl_nlmsg_get_payload(nlh) = family;
	/* Statistics are most of a link message and nobody here reads them. */
	if (obj == ZL_NL_LINK &&
	    !mnl_attr_put_u32_check(nlh, size, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS))
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

static int dump_send(struct zl_nl *nl)
{
	struct zl_nl_dumpreq *d = &nl->dumpq[nl->dumpq_head];
	uint32_t buf[64] = { 0 };
	struct nlmsghdr *nlh = (struct nlmsghdr *)buf;
	int len = zl_nl_dump_build(buf, sizeof(buf), d->obj, d->family);

	if (len < 0)
		return len;
	nlh->nlmsg_seq = ++nl->seq;
	if (mnl_socket_sendto(nl->cmd, buf, (size_t)len) < 0)
		return -errno;
	nl->dump_active = true;
	nl->dump_intr = false;
	nl->dump_seq = nlh->nlmsg_seq;
	return 0;
}

static void dump_finish(struct zl_nl *nl, int err);
static int batch_send(struct zl_nl *nl);

/* Start the next queued dump; a dump that cannot start finishes at once. */
static void dump_next(struct zl_nl *nl)
{
	while (!nl->dump_active && nl->dumpq_count > 0) {
		int err;

		/* Requests queued before the dump must be visible in it;
		 * their answers are read together with the dump. */
		batch_send(nl);
		err = dump_send(nl);
		if (err < 0)
			dump_finish(nl, err);
	}
}

static void dump_finish(struct zl_nl *nl, int err)
{
	enum zl_nl_obj obj = nl->dumpq[nl->dumpq_head].obj;

	if (err == 0 && nl->dump_intr)
		err = -EINTR;
	nl->dump_active = false;
	nl->dumpq_head = (nl->dumpq_head + 1) % ZL_NL_DUMPQ_LEN;
	nl->dumpq_count--;
	if (nl->ops.dump_done)
		nl->ops.dump_done(nl->arg, obj, err);
}

int zl_nl_dump(struct zl_nl *nl, enum zl_nl_obj obj, uint8_t family)
{
	unsigned int tail;

	if ((unsigned int)obj >= ZL_NL_OBJ_MAX)
		return -EINVAL;
	if (nl->dumpq_count == ZL_NL_DUMPQ_LEN)
		return -EBUSY;
	tail = (nl->dumpq_head + nl->dumpq_count) % ZL_NL_DUMPQ_LEN;
	nl->dumpq[tail] = (struct zl_nl_dumpreq){ obj, family };
	nl->dumpq_count++;
	if (!nl->in_dispatch)
		dump_next(nl);
	return 0;
}

/* ---- delivery ----------------------------------------------------------- */

static int deliver_link(struct zl_nl *nl, const struct nlmsghdr *nlh,
			const struct zl_nl_meta *m)
{
	int err = zl_nl_link_parse(nlh, &nl->scratch.link);

	if (err == 0 && nl->ops.link)
		nl->ops.link(nl->arg, m, &nl->scratch.link);
	return err;
}

static int deliver_addr(struct zl_nl *nl, const struct nlmsghdr *nlh,
			const struct zl_nl_meta *m)
{
	int err = zl_nl_addr_parse(nlh, &nl->scratch.addr);

	if (err == 0 && nl->ops.addr)
		nl->ops.addr(nl->arg, m, &nl->scratch.addr);
	return err;
}

static int deliver_route(struct zl_nl *nl, const struct nlmsghdr *nlh,
			 const struct zl_nl_meta *m)
{
	int err = zl_nl_route_parse(nlh, &nl->scratch.route);

	if (err == 0 && nl->ops.route)
		nl->ops.route(nl->arg, m, &nl->scratch.route);
	return err;
}

static int deliver_neigh(struct zl_nl *nl, const struct nlmsghdr *nlh,
			 const struct zl_nl_meta *m)
{
	int err = zl_nl_neigh_parse(nlh, &nl->scratch.neigh);

	if (err == 0 && nl->ops.neigh)
		nl->ops.neigh(nl->arg, m, &nl->scratch.neigh);
	return err;
}

/* RTM_NEW/DEL/GET/SET come in groups of four from RTM_BASE: link, addr,
 * route, neigh are groups 0..3, matching enum zl_nl_obj. */
static int (*const zl_nl_deliver[ZL_NL_OBJ_MAX])(struct zl_nl *, const struct nlmsghdr *,
						  const struct zl_nl_meta *) = {
	[ZL_NL_LINK] = deliver_link,
	[ZL_NL_ADDR] = deliver_addr,
	[ZL_NL_ROUTE] = deliver_route,
	[ZL_NL_NEIGH] = deliver_neigh,
};

static void deliver(struct zl_nl *nl, const struct nlmsghdr *nlh, bool dump)
{
	unsigned int group, op;
	struct zl_nl_meta m;
	int err;

	if (nlh->nlmsg_type < RTM_BASE)
		return;
	group = (nlh->nlmsg_type - RTM_BASE) >> 2;
	op = (nlh->nlmsg_type - RTM_BASE) & 3;
	if (group >= ZL_NL_OBJ_MAX || op > 1)
		return;
	m = (struct zl_nl_meta){ .del = op == 1, .dump = dump, .nlflags = nlh->nlmsg_flags };
	if (!dump)
		nl->st.events++;
	err = zl_nl_deliver[group](nl, nlh, &m);
	if (err == -EINVAL)
		nl->st.parse_errors++;
}

static void on_error_msg(struct zl_nl *nl, const struct nlmsghdr *nlh)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);

	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*e)) {
		nl->st.parse_errors++;
		return;
	}
	if (nl->dump_active && nlh->nlmsg_seq == nl->dump_seq) {
		dump_finish(nl, e->error);
		return;
	}
	on_ack(nl, nlh->nlmsg_seq, e->error, e->error ? extack_msg(nlh, e) : NULL);
}

static void on_done_msg(struct zl_nl *nl, const struct nlmsghdr *nlh)
{
	int err = 0;

	if (!nl->dump_active || nlh->nlmsg_seq != nl->dump_seq)
		return;
	if (mnl_nlmsg_get_payload_len(nlh) >= sizeof(int))
		memcpy(&err, mnl_nlmsg_get_payload(nlh), sizeof(err));
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		nl->dump_intr = true;
	dump_finish(nl, err < 0 ? err : 0);
}

static void dispatch_cmd(struct zl_nl *nl, const struct nlmsghdr *nlh)
{
	switch (nlh->nlmsg_type) {
	case NLMSG_ERROR:
		on_error_msg(nl, nlh);
		return;
	case NLMSG_DONE:
		on_done_msg(nl, nlh);
		return;
	}
	if (!nl->dump_active || nlh->nlmsg_seq != nl->dump_seq)
		return;
	if (nlh->nlmsg_flags & NLM_F_DUMP_INTR)
		nl->dump_intr = true;
	deliver(nl, nlh, true);
}

/* ---- receiving ---------------------------------------------------------- */

static void on_overrun(struct zl_nl *nl, bool event)
{
	if (!event) {
		pend_fail_sent(nl, -ENOBUFS);
		return;
	}
	nl->st.overruns++;
	if (nl->ops.resync)
		nl->ops.resync(nl->arg);
}

/*
 * recvmsg() that keeps only what the kernel sent. Any local process may
 * unicast to our port id; a forged ack or event must not reach the RIB.
 * Return the length, 0 for a dropped datagram, or -errno.
 */
static ssize_t recv_kernel(struct zl_nl *nl, int fd)
{
	struct sockaddr_nl sa;
	struct iovec iov = { nl->rbuf, ZL_NL_RBUF_SIZE };
	struct msghdr msg = { .msg_name = &sa, .msg_namelen = sizeof(sa),
			      .msg_iov = &iov, .msg_iovlen = 1 };
	ssize_t n;

	do
		n = recvmsg(fd, &msg, 0);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -ENOSPC;
	if (msg.msg_namelen != sizeof(sa) || sa.nl_pid != 0) {
		nl->st.foreign++;
		return 0;
	}
	return n;
}

/* One recvmsg() and its messages. 0, -EAGAIN when empty, or -errno. */
static int recv_once(struct zl_nl *nl, bool event)
{
	const struct nlmsghdr *nlh;
	bool outer = !nl->in_dispatch;
	ssize_t n = recv_kernel(nl, mnl_socket_get_fd(event ? nl->ev : nl->cmd));
	int len;

	if (n == -EAGAIN || n == -EWOULDBLOCK)
		return -EAGAIN;
	if (n < 0 && n != -ENOBUFS && n != -ENOSPC)
		return (int)n;
	nl->in_dispatch = true;
	if (n < 0) {
		on_overrun(nl, event);
		nl->in_dispatch = !outer;
		return 0;
	}
	len = (int)n;
	for (nlh = (const struct nlmsghdr *)nl->rbuf; mnl_nlmsg_ok(nlh, len);
	     nlh = mnl_nlmsg_next(nlh, &len)) {
		if (event)
			deliver(nl, nlh, false);
		else
			dispatch_cmd(nl, nlh);
	}
	nl->in_dispatch = !outer;
	return 0;
}

static int process(struct zl_nl *nl, bool event)
{
	for (int i = 0; i < ZL_NL_RECV_BUDGET; i++) {
		int err = recv_once(nl, event);

		if (!nl->in_dispatch)
			dump_next(nl);
		if (err == -EAGAIN)
			return 0;
		if (err < 0)
			return err;
	}
	return 1;
}

int zl_nl_cmd_process(struct zl_nl *nl)
{
	if (nl->in_dispatch)
		return -EDEADLK;
	return process(nl, false);
}

int zl_nl_event_process(struct zl_nl *nl)
{
	if (!nl->ev)
		return 0;
	if (nl->in_dispatch)
		return -EDEADLK;
	return process(nl, true);
}

/* ---- sending ------------------------------------------------------------ */

static int batch_send(struct zl_nl *nl)
{
	size_t n = nl->unsent;
	ssize_t sent;

	if (nl->batch_n == 0)
		return 0;
	if (!nl->cfg.ack_each)
		((struct nlmsghdr *)(nl->batch + nl->last_off))->nlmsg_flags |= NLM_F_ACK;
	do
		sent = mnl_socket_sendto(nl->cmd, nl->batch, nl->batch_len);
	while (sent < 0 && errno == EINTR);
	/* libmnl does not clear attribute padding: keep the buffer zeroed so
	 * no stale bytes reach the kernel. */
	memset(nl->batch, 0, nl->batch_len);
	nl->batch_len = 0;
	nl->batch_n = 0;
	nl->unsent = 0;
	if (sent < 0) {
		int err = -errno;

		pend_fail_tail(nl, n, err);
		return err;
	}
	nl->st.batches++;
	return 0;
}

/* Read answers until every sent request has one (or none is ready). */
static int drain_acks(struct zl_nl *nl)
{
	while (pend_sent(nl) > 0) {
		int err = recv_once(nl, false);

		if (err == -EAGAIN)
			return 0;
		if (err < 0)
			return err;
	}
	return 0;
}

int zl_nl_flush(struct zl_nl *nl)
{
	int err = batch_send(nl);

	if (err < 0 || nl->in_dispatch)
		return err;
	err = drain_acks(nl);
	/* A dump may have finished while draining: start the next one. */
	dump_next(nl);
	return err;
}

bool zl_nl_queued(const struct zl_nl *nl)
{
	return nl->batch_n > 0;
}

size_t zl_nl_inflight(const struct zl_nl *nl)
{
	return nl->pend_count;
}

/* Number the message just built at the end of the batch and keep it. */
static int batch_commit(struct zl_nl *nl, size_t len, uint64_t cookie)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)(nl->batch + nl->batch_len);

	nlh->nlmsg_seq = nl->seq + 1;
	if (pend_push(nl, nlh->nlmsg_seq, cookie) < 0) {
		memset(nlh, 0, len);
		return -ENOMEM;
	}
	nl->seq++;
	nl->last_off = nl->batch_len;
	nl->batch_len += MNL_ALIGN(len);
	nl->batch_n++;
	nl->unsent++;
	nl->st.requests++;
	return 0;
}

int zl_nl_enqueue(struct zl_nl *nl, zl_nl_build_fn fn, uint16_t type,
		  uint16_t flags, const void *obj, uint64_t cookie)
{
	size_t cap = nl->cfg.batch_bytes;
	int len;

	if (nl->cfg.ack_each)
		flags |= NLM_F_ACK;
	if (nl->batch_n >= nl->cfg.batch_msgs)
		zl_nl_flush(nl); /* failures went to the callbacks */
	for (;;) {
		len = fn(nl->batch + nl->batch_len, cap - nl->batch_len, type, flags, obj);
		if (len < 0) /* may have written part of a message */
			memset(nl->batch + nl->batch_len, 0, cap - nl->batch_len);
		if (len != -ENOSPC || nl->batch_n == 0)
			break;
		zl_nl_flush(nl);
	}
	if (len == -ENOSPC)
		return -EMSGSIZE;
	if (len < 0)
		return len;
	return batch_commit(nl, (size_t)len, cookie);
}

/* ---- waiting ------------------------------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool busy(const struct zl_nl *nl)
{
	return nl->pend_count > 0 || nl->dumpq_count > 0;
}

int zl_nl_wait(struct zl_nl *nl, int timeout_ms)
{
	int64_t deadline = now_ms() + timeout_ms;

	if (nl->in_dispatch)
		return -EDEADLK;
	for (;;) {
		struct pollfd pfd = { .fd = zl_nl_cmd_fd(nl), .events = POLLIN };
		int64_t left;
		int err;

		zl_nl_flush(nl);
		dump_next(nl);
		err = process(nl, false);
		if (err < 0)
			return err;
		if (!busy(nl))
			return 0;
		if (err == 1)
			continue;
		left = deadline - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		if (poll(&pfd, 1, (int)left) < 0 && errno != EINTR)
			return -errno;
	}
}

/* ---- open/close --------------------------------------------------------- */

static void set_buf(struct mnl_socket *s, int force_opt, int opt, int bytes)
{
	int fd = mnl_socket_get_fd(s);

	/* FORCE needs CAP_NET_ADMIN; otherwise take what rmem_max allows. */
	if (setsockopt(fd, SOL_SOCKET, force_opt, &bytes, sizeof(bytes)) < 0)
		setsockopt(fd, SOL_SOCKET, opt, &bytes, sizeof(bytes));
}

static void set_flag(struct mnl_socket *s, int opt)
{
	int one = 1;

	/* Older kernels lack these; the module works without them. */
	mnl_socket_setsockopt(s, opt, &one, sizeof(one));
}

static int sock_open(struct mnl_socket **out, unsigned int groups)
{
	struct mnl_socket *s = mnl_socket_open2(NETLINK_ROUTE, SOCK_NONBLOCK | SOCK_CLOEXEC);
	int err;

	if (!s)
		return -errno;
	if (mnl_socket_bind(s, groups, MNL_SOCKET_AUTOPID) < 0) {
		err = -errno;
		mnl_socket_close(s);
		return err;
	}
	*out = s;
	return 0;
}

static void config_defaults(struct zl_nl_config *c)
{
	if (c->batch_bytes == 0)
		c->batch_bytes = ZL_NL_BATCH_BYTES_DEFAULT;
	if (c->batch_msgs == 0)
		c->batch_msgs = ZL_NL_BATCH_MSGS_DEFAULT;
	if (c->event_rcvbuf == 0)
		c->event_rcvbuf = ZL_NL_EVENT_RCVBUF_DEFAULT;
}

static int open_cmd(struct zl_nl *nl)
{
	int rcvbuf = ZL_NL_CMD_RCVBUF_MIN;
	int err = sock_open(&nl->cmd, 0);

	if (err < 0)
		return err;
	/* Room for one full batch of answers (~1 KiB of skb each). */
	if (nl->cfg.ack_each && nl->cfg.batch_msgs > (unsigned int)rcvbuf / 1024)
		rcvbuf = (int)KLD_MIN(nl->cfg.batch_msgs, 1u << 20) * 1024;
	set_buf(nl->cmd, SO_RCVBUFFORCE, SO_RCVBUF, rcvbuf);
	set_buf(nl->cmd, SO_SNDBUFFORCE, SO_SNDBUF, (int)nl->cfg.batch_bytes * 2);
	set_flag(nl->cmd, NETLINK_CAP_ACK);
	set_flag(nl->cmd, NETLINK_EXT_ACK);
	return 0;
}

/* A socket filter: RTM_NEWNEIGH/RTM_DELNEIGH of family AF_BRIDGE whose
 * ndm_flags say NTF_EXT_LEARNED are dropped, all else passes. Each
 * notification is one skb, so the offsets are those of one nlmsghdr and
 * its ndmsg; BPF reads halfwords in network order, hence htons(). */
static void drop_ext_learned_fdb(struct mnl_socket *s)
{
	enum {
		TYPE = offsetof(struct nlmsghdr, nlmsg_type),
		FAMILY = NLMSG_HDRLEN + offsetof(struct ndmsg, ndm_family),
		FLAGS = NLMSG_HDRLEN + offsetof(struct ndmsg, ndm_flags),
	};
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_H | BPF_ABS, TYPE),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_NEWNEIGH), 1, 0),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htons(RTM_DELNEIGH), 0, 4),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, FAMILY),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AF_BRIDGE, 0, 2),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, FLAGS),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NTF_EXT_LEARNED, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = KLD_ARRAY_SIZE(code), .filter = code };

	/* Without it the events are only more numerous, not wrong. */
	setsockopt(mnl_socket_get_fd(s), SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog));
}

static int open_event(struct zl_nl *nl)
{
	unsigned int groups = RTMGRP_LINK | RTMGRP_IPV4_IFADDR | RTMGRP_IPV6_IFADDR |
			      RTMGRP_IPV4_ROUTE | RTMGRP_IPV6_ROUTE | RTMGRP_NEIGH;
	int err;

	if (nl->cfg.no_events)
		return 0;
	err = sock_open(&nl->ev, groups);
	if (err < 0)
		return err;
	set_buf(nl->ev, SO_RCVBUFFORCE, SO_RCVBUF, nl->cfg.event_rcvbuf);
	if (nl->cfg.no_ext_learned_fdb)
		drop_ext_learned_fdb(nl->ev);
	return 0;
}

int zl_nl_open(struct zl_nl **out, const struct zl_nl_config *cfg,
	       const struct zl_nl_ops *ops, void *arg)
{
	struct zl_nl *nl = calloc(1, sizeof(*nl));
	int err;

	if (!nl)
		return -ENOMEM;
	if (cfg)
		nl->cfg = *cfg;
	config_defaults(&nl->cfg);
	if (ops)
		nl->ops = *ops;
	nl->arg = arg;
	nl->seq = (uint32_t)time(NULL);
	nl->batch = calloc(1, nl->cfg.batch_bytes);
	nl->rbuf = malloc(ZL_NL_RBUF_SIZE);
	if (!nl->batch || !nl->rbuf) {
		zl_nl_close(nl);
		return -ENOMEM;
	}
	err = open_cmd(nl);
	if (err == 0)
		err = open_event(nl);
	if (err < 0) {
		zl_nl_close(nl);
		return err;
	}
	*out = nl;
	return 0;
}

void zl_nl_close(struct zl_nl *nl)
{
	if (!nl)
		return;
	if (nl->cmd)
		mnl_socket_close(nl->cmd);
	if (nl->ev)
		mnl_socket_close(nl->ev);
	free(nl->batch);
	free(nl->rbuf);
	free(nl->pend);
	free(nl);
}

int zl_nl_cmd_fd(const struct zl_nl *nl)
{
	return mnl_socket_get_fd(nl->cmd);
}

int zl_nl_event_fd(const struct zl_nl *nl)
{
	return nl->ev ? mnl_socket_get_fd(nl->ev) : -1;
}

void zl_nl_get_stats(const struct zl_nl *nl, struct zl_nl_stats *st)
{
	*st = nl->st;
}
