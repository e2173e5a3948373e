/*
 * libFuzzer target for zebra-lite's link and FDB parsers of vxland's
 * objects (zebra-lite/nl_vxlink.c, nl_neigh.c): the input is one
 * rtnetlink message as the kernel would send it.
 *
 * The harness fixes nlmsg_len to the input's size and the type from the
 * first byte (NEWLINK, DELLINK, NEWNEIGH, DELNEIGH), so the fuzzer spends
 * its time in the attribute decoders. Properties besides "no crash":
 *  - a VXLAN device or bridge that parses re-encodes (create request)
 *    and parses back to the same configuration (zl_nl_vx_same);
 *  - an FDB entry that parses re-encodes and parses back equal.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "zebra-lite/nl_vxlink.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

static const uint16_t types[] = { RTM_NEWLINK, RTM_DELLINK, RTM_NEWNEIGH, RTM_DELNEIGH };

static void fuzz_link(const struct nlmsghdr *nlh)
{
	struct zl_nl_vxdev d, back;
	uint32_t buf[1024];
	int len;

	if (zl_nl_vxdev_parse(nlh, &d) < 0 || d.kind == ZL_VXK_OTHER || !d.name[0])
		return;
	d.master = 0;
	len = zl_nl_vxdev_build_create(buf, sizeof(buf), &d);
	if (len < 0)
		return; /* e.g. VNI 0 or a port range the builder refuses */
	((struct nlmsghdr *)buf)->nlmsg_type = RTM_NEWLINK;
	CHECK(zl_nl_vxdev_parse((struct nlmsghdr *)buf, &back) == 0);
	CHECK(back.kind == d.kind && !strcmp(back.name, d.name));
	if (d.kind == ZL_VXK_VXLAN)
		CHECK(zl_nl_vx_same(&back.vx, &d.vx));
}

static void fuzz_neigh(const struct nlmsghdr *nlh)
{
	struct zl_nl_neigh n, back;
	uint32_t buf[256];
	int len;

	if (zl_nl_neigh_parse(nlh, &n) < 0 || n.family != AF_BRIDGE || !n.has_mac || n.ifindex <= 0)
		return;
	len = zl_nl_neigh_build(buf, sizeof(buf), RTM_NEWNEIGH, 0, &n);
	if (len < 0)
		return;
	CHECK(zl_nl_neigh_parse((struct nlmsghdr *)buf, &back) == 0);
	CHECK(!memcmp(back.mac, n.mac, 6) && back.ifindex == n.ifindex);
	CHECK(kld_addr_eq(&back.dst, &n.dst) && back.vni == n.vni && back.vlan == n.vlan);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct nlmsghdr *nlh;
	uint8_t *copy;

	if (size < 1 + sizeof(*nlh) || size > 65536)
		return 0;
	/* Aligned copy: the kernel's buffers are aligned, the fuzzer's are not. */
	copy = aligned_alloc(4, (size - 1 + 3) & ~(size_t)3);
	memcpy(copy, data + 1, size - 1);
	nlh = (struct nlmsghdr *)copy;
	nlh->nlmsg_len = (uint32_t)(size - 1);
	nlh->nlmsg_type = types[data[0] % 4];
	if (data[0] % 4 < 2) {
		if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ifinfomsg)))
			fuzz_link(nlh);
	} else if (nlh->nlmsg_len >= NLMSG_LENGTH(sizeof(struct ndmsg))) {
		fuzz_neigh(nlh);
	}
	free(copy);
	return 0;
}
