/*
 * fdbwatch: bench_evpn.py's judge. Counts the remote MACs of a VXLAN
 * device as the kernel announces them (RTM_NEWNEIGH on AF_BRIDGE, read
 * from the neighbour multicast group), instead of dumping the FDB again
 * and again: a dump of 200,000 entries takes seconds and holds the
 * kernel's lock while the DUT writes.
 *
 *   fdbwatch IFNAME VTEP N
 *
 * The MACs are evpn_feeder.py's: 02:ii:ii:ii:ii:01 for i in [0, N). A
 * MAC counts when the device's own entry (NTF_SELF) to VTEP is announced
 * (a deletion uncounts it). Prints "ready" once subscribed; when all N
 * are in, "last T F" (CLOCK_MONOTONIC seconds of the event that completed
 * the set and of the first one, the clock of Python's time.monotonic(),
 * and its own CPU seconds), then checks once with
 * a full dump that every MAC has both its device entry and its bridge
 * entry: "check SELF MASTER". Lost events (ENOBUFS) make the count
 * unreliable: it says "overrun" and exits 2.
 */
#define _GNU_SOURCE /* recvmmsg */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/filter.h>
#include <linux/neighbour.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static uint8_t *seen, *self_ok, *master_ok;
static uint32_t n_macs, count;
static int ifindex;
static struct in_addr vtep;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* The feeder's index of a MAC, or -1 when it is not one of them. */
static long mac_index(const uint8_t *m)
{
	uint32_t i;

	if (m[0] != 2 || m[5] != 1)
		return -1;
	i = (uint32_t)m[1] << 24 | (uint32_t)m[2] << 16 | (uint32_t)m[3] << 8 | m[4];
	return i < n_macs ? (long)i : -1;
}

struct entry {
	long idx;
	int self_to_vtep; /* the device's entry to VTEP */
	int master;	  /* the bridge's entry on the device port */
};

static int parse(const struct nlmsghdr *h, struct entry *e)
{
	const struct ndmsg *ndm = NLMSG_DATA(h);
	int len = (int)h->nlmsg_len - (int)NLMSG_LENGTH(sizeof(*ndm));
	const uint8_t *mac = NULL;
	const struct in_addr *dst = NULL;
	int has_master = 0;

	if (len < 0 || ndm->ndm_family != AF_BRIDGE || ndm->ndm_ifindex != ifindex)
		return -1;
	for (const struct rtattr *a = (const void *)((const char *)ndm + NLMSG_ALIGN(sizeof(*ndm)));
	     RTA_OK(a, len); a = RTA_NEXT(a, len)) {
		if (a->rta_type == NDA_LLADDR && RTA_PAYLOAD(a) == 6)
			mac = RTA_DATA(a);
		else if (a->rta_type == NDA_DST && RTA_PAYLOAD(a) == 4)
			dst = RTA_DATA(a);
		else if (a->rta_type == NDA_MASTER)
			has_master = 1;
	}
	if (!mac || (e->idx = mac_index(mac)) < 0)
		return -1;
	e->self_to_vtep = (ndm->ndm_flags & NTF_SELF) && dst && dst->s_addr == vtep.s_addr;
	/* The bridge reports its entries with NDA_MASTER, not NTF_MASTER. */
	e->master = has_master && !(ndm->ndm_flags & NTF_SELF);
	return 0;
}

static double first;

static void on_event(const struct nlmsghdr *h, double *last)
{
	struct entry e;

	if ((h->nlmsg_type != RTM_NEWNEIGH && h->nlmsg_type != RTM_DELNEIGH) || parse(h, &e) < 0 ||
	    !e.self_to_vtep)
		return;
	if (h->nlmsg_type == RTM_NEWNEIGH && !seen[e.idx]) {
		seen[e.idx] = 1;
		*last = now();
		if (!count++)
			first = *last;
	} else if (h->nlmsg_type == RTM_DELNEIGH && seen[e.idx]) {
		seen[e.idx] = 0;
		count--;
	}
}

static int nl_open(unsigned int groups, int rcvbuf)
{
	struct sockaddr_nl sa = { .nl_family = AF_NETLINK, .nl_groups = groups };
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);

	if (fd < 0)
		return -1;
	/* Room for every event even if the reader is not scheduled for a
	 * while (the DUT shares its CPU). */
	if (rcvbuf && setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &rcvbuf, sizeof(rcvbuf)) < 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof(rcvbuf));
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* The judge shares the DUT's CPU: the kernel passes it only the device's
 * own entries (NTF_SELF on IFNAME), not the bridge's or other devices'.
 * One notification is one skb; BPF reads words in network order. */
static void filter(int fd)
{
	struct sock_filter code[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, NLMSG_HDRLEN + offsetof(struct ndmsg, ndm_ifindex)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, htonl((uint32_t)ifindex), 0, 3),
		BPF_STMT(BPF_LD | BPF_B | BPF_ABS, NLMSG_HDRLEN + offsetof(struct ndmsg, ndm_flags)),
		BPF_JUMP(BPF_JMP | BPF_JSET | BPF_K, NTF_SELF, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffffffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = sizeof(code) / sizeof(code[0]), .filter = code };

	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog, sizeof(prog)) < 0)
		perror("SO_ATTACH_FILTER (all events read)");
}

#define VLEN 256
#define MSGSZ 8192
static char buf[VLEN * MSGSZ];

/* Many notifications per system call (recvmmsg). */
static int watch(int fd, double *last)
{
	struct mmsghdr msgs[VLEN];
	struct iovec iov[VLEN];

	for (int i = 0; i < VLEN; i++) {
		iov[i] = (struct iovec){ buf + i * MSGSZ, MSGSZ };
		msgs[i] = (struct mmsghdr){ .msg_hdr = { .msg_iov = &iov[i], .msg_iovlen = 1 } };
	}
	while (count < n_macs) {
		int n = recvmmsg(fd, msgs, VLEN, MSG_WAITFORONE, NULL);

		if (n < 0 && errno == ENOBUFS)
			return -1;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			perror("recvmmsg");
			exit(1);
		}
		for (int i = 0; i < n; i++) {
			size_t r = msgs[i].msg_len;

			for (struct nlmsghdr *h = iov[i].iov_base; NLMSG_OK(h, r); h = NLMSG_NEXT(h, r))
				on_event(h, last);
		}
	}
	return 0;
}

static double cpu_self(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + ru.ru_stime.tv_sec +
	       ru.ru_stime.tv_usec / 1e6;
}

/* One full dump: does every MAC have both of its entries? */
static void check(uint32_t *self_n, uint32_t *master_n)
{
	struct {
		struct nlmsghdr h;
		struct ndmsg ndm;
	} req = { .h = { .nlmsg_len = sizeof(req), .nlmsg_type = RTM_GETNEIGH,
			 .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP, .nlmsg_seq = 1 },
		  .ndm = { .ndm_family = AF_BRIDGE } };
	int fd = nl_open(0, 0);

	*self_n = *master_n = 0;
	if (fd < 0 || send(fd, &req, sizeof(req), 0) < 0) {
		perror("dump");
		exit(1);
	}
	for (;;) {
		ssize_t r = recv(fd, buf, sizeof(buf), 0);

		if (r <= 0) {
			perror("dump recv");
			exit(1);
		}
		for (struct nlmsghdr *h = (void *)buf; NLMSG_OK(h, (size_t)r); h = NLMSG_NEXT(h, r)) {
			struct entry e;

			if (h->nlmsg_type == NLMSG_DONE || h->nlmsg_type == NLMSG_ERROR) {
				close(fd);
				return;
			}
			if (h->nlmsg_type != RTM_NEWNEIGH || parse(h, &e) < 0)
				continue;
			if (e.self_to_vtep && !self_ok[e.idx]) {
				self_ok[e.idx] = 1;
				(*self_n)++;
			}
			if (e.master && !master_ok[e.idx]) {
				master_ok[e.idx] = 1;
				(*master_n)++;
			}
		}
	}
}

int main(int argc, char **argv)
{
	uint32_t self_n, master_n;
	double last = 0;
	int fd;

	if (argc != 4 || !(ifindex = (int)if_nametoindex(argv[1])) ||
	    inet_pton(AF_INET, argv[2], &vtep) != 1 || !(n_macs = (uint32_t)atol(argv[3]))) {
		fprintf(stderr, "usage: fdbwatch IFNAME VTEP N (IFNAME must exist)\n");
		return 1;
	}
	seen = calloc(n_macs, 1);
	self_ok = calloc(n_macs, 1);
	master_ok = calloc(n_macs, 1);
	fd = nl_open(RTMGRP_NEIGH, 1 << 30);
	if (!seen || !self_ok || !master_ok || fd < 0) {
		perror("fdbwatch");
		return 1;
	}
	filter(fd);
	printf("ready\n");
	fflush(stdout);
	if (watch(fd, &last) < 0) {
		printf("overrun %u\n", count);
		return 2;
	}
	printf("last %.6f %.6f %.3f\n", last, first, cpu_self());
	fflush(stdout);
	check(&self_n, &master_n);
	printf("check %u %u\n", self_n, master_n);
	return 0;
}
