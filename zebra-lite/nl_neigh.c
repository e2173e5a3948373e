/*
 * Neighbours and FDB entries: struct zl_nl_neigh <-> RTM_NEWNEIGH/DELNEIGH.
 *
 * The same message carries ARP/ND entries (family AF_INET/AF_INET6, dst
 * is the neighbour's IP) and bridge/VXLAN forwarding entries (family
 * AF_BRIDGE, dst is the remote VTEP of a MAC). VXLAN head-end replication
 * is a list of VTEPs under the all-zero MAC, grown with NLM_F_APPEND one
 * VTEP at a time and shrunk by deleting (MAC, dst) pairs; unicast MACs
 * are pinned to one VTEP with NLM_F_REPLACE so a move does not flap.
 *
 * The VXLAN driver rejects FDB entries that are neither PERMANENT nor
 * REACHABLE, and an FDB request must say whether it is for the device
 * itself (NTF_SELF) or its bridge (NTF_MASTER): the builder fills in
 * PERMANENT|NOARP and NTF_SELF when the caller leaves them zero.
 */
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "nl.h"

static int neigh_validate(uint16_t type, const struct zl_nl_neigh *n)
{
	if (n->ifindex <= 0)
		return -EINVAL;
	if (n->dst.family && n->dst.family != AF_INET && n->dst.family != AF_INET6)
		return -EINVAL;
	if (n->family == AF_BRIDGE)
		return n->has_mac ? 0 : -EINVAL;
	if (n->family != AF_INET && n->family != AF_INET6)
		return -EINVAL;
	if (n->dst.family != n->family)
		return -EINVAL;
	return type == RTM_NEWNEIGH && !n->has_mac ? -EINVAL : 0;
}

static uint16_t neigh_state(const struct zl_nl_neigh *n)
{
	if (n->state)
		return n->state;
	return n->family == AF_BRIDGE ? NUD_PERMANENT | NUD_NOARP : NUD_PERMANENT;
}

static uint8_t neigh_flags(const struct zl_nl_neigh *n)
{
	if (n->family == AF_BRIDGE && !(n->flags & (NTF_SELF | NTF_MASTER)))
		return n->flags | NTF_SELF;
	return n->flags;
}

static bool put_neigh_attrs(struct nlmsghdr *nlh, size_t size, const struct zl_nl_neigh *n)
{
	if (n->dst.family && !zl_nl_attr_put_addr(nlh, size, NDA_DST, &n->dst))
		return false;
	if (n->has_mac && !mnl_attr_put_check(nlh, size, NDA_LLADDR, sizeof(n->mac), n->mac))
		return false;
	if (n->vlan && !mnl_attr_put_u16_check(nlh, size, NDA_VLAN, n->vlan))
		return false;
	if (n->has_vni && !mnl_attr_put_u32_check(nlh, size, NDA_VNI, n->vni))
		return false;
	return !n->master || mnl_attr_put_u32_check(nlh, size, NDA_MASTER, (uint32_t)n->master);
}

int zl_nl_neigh_build(void *buf, size_t size, uint16_t type, uint16_t flags,
		      const struct zl_nl_neigh *n)
{
	struct nlmsghdr *nlh;
	struct ndmsg *ndm;
	int err = neigh_validate(type, n);

	if (err < 0)
		return err;
	nlh = zl_nl_put_hdr(buf, size, type, flags, sizeof(*ndm));
	if (!nlh)
		return -ENOSPC;
	ndm = mnl_nlmsg_get_payload(nlh);
	ndm->ndm_family = n->family;
	ndm->ndm_ifindex = n->ifindex;
	ndm->ndm_state = neigh_state(n);
	ndm->ndm_flags = neigh_flags(n);
	if (!put_neigh_attrs(nlh, size, n))
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

/* NDA_DST's family follows its length: an FDB entry's VTEP can be either. */
static int parse_dst(const struct nlattr *a, struct kld_addr *dst)
{
	uint16_t len = mnl_attr_get_payload_len(a);

	if (len == 4)
		return zl_nl_attr_get_addr(a, AF_INET, dst);
	if (len == 16)
		return zl_nl_attr_get_addr(a, AF_INET6, dst);
	return -EINVAL;
}

static int parse_u32(const struct nlattr *a, uint32_t *out)
{
	if (!zl_nl_attr_ok(a, sizeof(uint32_t)))
		return -EINVAL;
	*out = mnl_attr_get_u32(a);
	return 0;
}

static int parse_neigh_attrs(const struct nlattr **tb, struct zl_nl_neigh *n)
{
	uint32_t master = 0;

	if (tb[NDA_DST] && parse_dst(tb[NDA_DST], &n->dst) < 0)
		return -EINVAL;
	/* Only Ethernet link-layer addresses are represented. */
	if (tb[NDA_LLADDR] && mnl_attr_get_payload_len(tb[NDA_LLADDR]) == sizeof(n->mac)) {
		memcpy(n->mac, mnl_attr_get_payload(tb[NDA_LLADDR]), sizeof(n->mac));
		n->has_mac = true;
	}
	if (tb[NDA_VLAN]) {
		if (!zl_nl_attr_ok(tb[NDA_VLAN], sizeof(uint16_t)))
			return -EINVAL;
		n->vlan = mnl_attr_get_u16(tb[NDA_VLAN]);
	}
	if (tb[NDA_VNI]) {
		if (parse_u32(tb[NDA_VNI], &n->vni) < 0)
			return -EINVAL;
		n->has_vni = true;
	}
	if (tb[NDA_MASTER] && parse_u32(tb[NDA_MASTER], &master) < 0)
		return -EINVAL;
	n->master = (int)master;
	return 0;
}

int zl_nl_neigh_parse(const struct nlmsghdr *nlh, struct zl_nl_neigh *n)
{
	const struct nlattr *tb[NDA_MAX + 1];
	const struct ndmsg *ndm = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWNEIGH && nlh->nlmsg_type != RTM_DELNEIGH)
		return -EINVAL;
	if (zl_nl_attr_table(nlh, sizeof(*ndm), tb, NDA_MAX) < 0)
		return -EINVAL;
	if (ndm->ndm_family != AF_INET && ndm->ndm_family != AF_INET6 &&
	    ndm->ndm_family != AF_BRIDGE)
		return -ENOENT;
	memset(n, 0, sizeof(*n));
	n->ifindex = ndm->ndm_ifindex;
	n->family = ndm->ndm_family;
	n->state = ndm->ndm_state;
	n->flags = ndm->ndm_flags;
	return parse_neigh_attrs(tb, n);
}
