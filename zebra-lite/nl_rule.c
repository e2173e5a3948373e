/*
 * Policy routing rules: struct zl_nl_rule -> RTM_NEWRULE/RTM_DELRULE.
 *
 * Only what full-tunnel WireGuard needs (wg-quick's two rules): a rule
 * that matches a firewall mark (optionally inverted) and looks up a
 * table, and one that looks up a table but suppresses its routes of a
 * prefix length up to N. Rules are added with NLM_F_EXCL so that adding
 * the same rule again (after a restart) is refused with -EEXIST instead
 * of creating a duplicate, which the kernel would otherwise happily do.
 * Deletion matches on every attribute given, as `ip rule del` does.
 */
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/fib_rules.h>
#include <linux/rtnetlink.h>

#include "nl.h"

static bool put_rule_attrs(struct nlmsghdr *nlh, size_t size, const struct zl_nl_rule *r)
{
	if (r->priority && !mnl_attr_put_u32_check(nlh, size, FRA_PRIORITY, r->priority))
		return false;
	if (!mnl_attr_put_u32_check(nlh, size, FRA_TABLE, r->table ? r->table : RT_TABLE_MAIN))
		return false;
	if (r->fwmark || r->fwmask) {
		if (!mnl_attr_put_u32_check(nlh, size, FRA_FWMARK, r->fwmark) ||
		    !mnl_attr_put_u32_check(nlh, size, FRA_FWMASK,
					    r->fwmask ? r->fwmask : 0xffffffffu))
			return false;
	}
	if (r->suppress_prefixlen >= 0 && !mnl_attr_put_u32_check(nlh, size, FRA_SUPPRESS_PREFIXLEN,
								  (uint32_t)r->suppress_prefixlen))
		return false;
	return true;
}

int zl_nl_rule_build(void *buf, size_t size, uint16_t type, uint16_t flags,
		     const struct zl_nl_rule *r)
{
	struct nlmsghdr *nlh;
	struct fib_rule_hdr *frh;

	if (r->family != AF_INET && r->family != AF_INET6)
		return -EINVAL;
	nlh = zl_nl_put_hdr(buf, size, type, flags, sizeof(*frh));
	if (!nlh)
		return -ENOSPC;
	frh = mnl_nlmsg_get_payload(nlh);
	frh->family = r->family;
	frh->action = FR_ACT_TO_TBL;
	frh->table = r->table < 256 ? (uint8_t)r->table : RT_TABLE_UNSPEC;
	if (!r->table)
		frh->table = RT_TABLE_MAIN;
	if (r->invert)
		frh->flags |= FIB_RULE_INVERT;
	if (!put_rule_attrs(nlh, size, r))
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}
