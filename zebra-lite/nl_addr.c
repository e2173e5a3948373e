/*
 * Interface addresses: struct zl_nl_addr <-> RTM_NEWADDR/RTM_DELADDR.
 *
 * rtnetlink's two address attributes are easy to mix up: IFA_LOCAL is
 * the interface's own address and IFA_ADDRESS the peer's on a
 * point-to-point link (both equal otherwise); IPv6 often sends only
 * IFA_ADDRESS. Parsing takes IFA_LOCAL when present, and reports a peer
 * only when the two differ. The 8-bit ifa_flags is overridden by the
 * 32-bit IFA_FLAGS when the kernel sends it.
 *
 * Add uses NLM_F_REPLACE so that re-adding an address zebra-lite finds
 * already configured (after a restart) succeeds without a flap.
 */
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if_addr.h>
#include <linux/rtnetlink.h>

#include "nl.h"

static bool put_addr_attrs(struct nlmsghdr *nlh, size_t size, const struct zl_nl_addr *a)
{
	const struct kld_addr *remote = a->peer.family ? &a->peer : &a->addr;

	if (!zl_nl_attr_put_addr(nlh, size, IFA_LOCAL, &a->addr) ||
	    !zl_nl_attr_put_addr(nlh, size, IFA_ADDRESS, remote))
		return false;
	return a->flags <= 0xff || mnl_attr_put_u32_check(nlh, size, IFA_FLAGS, a->flags);
}

int zl_nl_addr_build(void *buf, size_t size, uint16_t type, uint16_t flags,
		     const struct zl_nl_addr *a)
{
	struct nlmsghdr *nlh;
	struct ifaddrmsg *ifa;

	if (a->addr.family != AF_INET && a->addr.family != AF_INET6)
		return -EINVAL;
	if (a->peer.family && a->peer.family != a->addr.family)
		return -EINVAL;
	if (a->prefixlen > kld_family_bits(a->addr.family) || a->ifindex <= 0)
		return -EINVAL;
	nlh = zl_nl_put_hdr(buf, size, type, flags, sizeof(*ifa));
	if (!nlh)
		return -ENOSPC;
	ifa = mnl_nlmsg_get_payload(nlh);
	ifa->ifa_family = a->addr.family;
	ifa->ifa_prefixlen = a->prefixlen;
	ifa->ifa_flags = (uint8_t)(a->flags & 0xff);
	ifa->ifa_scope = a->scope;
	ifa->ifa_index = (uint32_t)a->ifindex;
	if (!put_addr_attrs(nlh, size, a))
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

static int parse_addrs(const struct nlattr **tb, uint8_t family, struct zl_nl_addr *a)
{
	struct kld_addr local = { 0 }, address = { 0 };

	if (tb[IFA_LOCAL] && zl_nl_attr_get_addr(tb[IFA_LOCAL], family, &local) < 0)
		return -EINVAL;
	if (tb[IFA_ADDRESS] && zl_nl_attr_get_addr(tb[IFA_ADDRESS], family, &address) < 0)
		return -EINVAL;
	if (!local.family && !address.family)
		return -EINVAL;
	if (!local.family) {
		a->addr = address;
		return 0;
	}
	a->addr = local;
	if (address.family && !kld_addr_eq(&local, &address))
		a->peer = address;
	return 0;
}

int zl_nl_addr_parse(const struct nlmsghdr *nlh, struct zl_nl_addr *a)
{
	const struct nlattr *tb[IFA_MAX + 1];
	const struct ifaddrmsg *ifa = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWADDR && nlh->nlmsg_type != RTM_DELADDR)
		return -EINVAL;
	if (zl_nl_attr_table(nlh, sizeof(*ifa), tb, IFA_MAX) < 0)
		return -EINVAL;
	if (ifa->ifa_family != AF_INET && ifa->ifa_family != AF_INET6)
		return -ENOENT;
	if (ifa->ifa_prefixlen > kld_family_bits(ifa->ifa_family))
		return -EINVAL;
	memset(a, 0, sizeof(*a));
	a->ifindex = (int)ifa->ifa_index;
	a->prefixlen = ifa->ifa_prefixlen;
	a->scope = ifa->ifa_scope;
	a->flags = ifa->ifa_flags;
	if (tb[IFA_FLAGS]) {
		if (!zl_nl_attr_ok(tb[IFA_FLAGS], sizeof(uint32_t)))
			return -EINVAL;
		a->flags = mnl_attr_get_u32(tb[IFA_FLAGS]);
	}
	return parse_addrs(tb, ifa->ifa_family, a);
}
