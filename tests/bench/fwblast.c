/*
 * fwblast: a packet generator for bench_fw.py's veth benchmark (no pktgen
 * module on the test machines). Sends one prebuilt UDP/IPv4 frame, as
 * fast as one core can, through an AF_PACKET socket that bypasses the
 * qdisc, in batches of sendmmsg, for SECS seconds; prints how many went.
 *
 *   fwblast IFNAME SRC DST DPORT SECS
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <linux/if_packet.h>
#include <net/ethernet.h>
#include <net/if.h>
#include <netinet/ip.h>
#include <netinet/udp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define BATCH 256

static uint16_t csum(const void *p, size_t n)
{
	const uint16_t *w = p;
	uint32_t s = 0;

	for (; n > 1; n -= 2)
		s += *w++;
	s = (s & 0xffff) + (s >> 16);
	return (uint16_t)~((s & 0xffff) + (s >> 16));
}

static size_t frame(uint8_t *f, const char *src, const char *dst, int dport)
{
	struct ether_header *eh = (void *)f;
	struct iphdr *ip = (void *)(eh + 1);
	struct udphdr *uh = (void *)(ip + 1);
	size_t payload = 18;

	memset(f, 0, 64);
	memset(eh->ether_dhost, 0xff, 6); /* broadcast: the receiver takes it */
	memcpy(eh->ether_shost, "\x02\x00\x00\x00\x00\x01", 6);
	eh->ether_type = htons(ETHERTYPE_IP);
	ip->version = 4;
	ip->ihl = 5;
	ip->ttl = 64;
	ip->protocol = IPPROTO_UDP;
	ip->tot_len = htons((uint16_t)(sizeof(*ip) + sizeof(*uh) + payload));
	inet_pton(AF_INET, src, &ip->saddr);
	inet_pton(AF_INET, dst, &ip->daddr);
	ip->check = csum(ip, sizeof(*ip));
	uh->source = htons(40000);
	uh->dest = htons((uint16_t)dport);
	uh->len = htons((uint16_t)(sizeof(*uh) + payload));
	return sizeof(*eh) + sizeof(*ip) + sizeof(*uh) + payload;
}

static double now(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	static uint8_t f[64];
	struct sockaddr_ll sll = { .sll_family = AF_PACKET };
	struct mmsghdr msgs[BATCH];
	struct iovec iov;
	unsigned long long sent = 0;
	int one = 1, fd;
	double end;

	if (argc != 6) {
		fprintf(stderr, "usage: fwblast IFNAME SRC DST DPORT SECS\n");
		return 2;
	}
	iov.iov_base = f;
	iov.iov_len = frame(f, argv[2], argv[3], atoi(argv[4]));
	sll.sll_ifindex = (int)if_nametoindex(argv[1]);
	sll.sll_halen = 6;
	fd = socket(AF_PACKET, SOCK_RAW, 0);
	if (fd < 0 || !sll.sll_ifindex ||
	    setsockopt(fd, SOL_PACKET, PACKET_QDISC_BYPASS, &one, sizeof(one)) < 0) {
		perror("fwblast");
		return 1;
	}
	memset(msgs, 0, sizeof(msgs));
	for (int i = 0; i < BATCH; i++) {
		msgs[i].msg_hdr.msg_iov = &iov;
		msgs[i].msg_hdr.msg_iovlen = 1;
		msgs[i].msg_hdr.msg_name = &sll;
		msgs[i].msg_hdr.msg_namelen = sizeof(sll);
	}
	end = now() + atof(argv[5]);
	while (now() < end) {
		int n = sendmmsg(fd, msgs, BATCH, 0);

		if (n > 0)
			sent += (unsigned long long)n;
	}
	printf("%llu\n", sent);
	return 0;
}
