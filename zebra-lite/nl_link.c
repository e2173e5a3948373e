/*
 * Links: struct zl_nl_link <- RTM_NEWLINK/RTM_DELLINK, and the requests
 * that create, change and delete links.
 *
 * A link's kind and its kind-specific data sit in IFLA_LINKINFO; only
 * VXLAN's data is decoded, because zebra-lite must recognise the VXLAN
 * devices it made (VNI, local VTEP, port) after a restart. Changes to an
 * existing link are RTM_NEWLINK without NLM_F_CREATE on its ifindex, the
 * form iproute2 uses; only the fields the caller marks are sent.
 *
 * The kernel also sends RTM_NEWLINK/RTM_DELLINK with family AF_BRIDGE for
 * bridge *ports*; those are not link lifecycle events and are skipped
 * (-ENOENT), or a port leaving a bridge would read as the link vanishing.
 */
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/rtnetlink.h>
#include <linux/veth.h>

#include "nl.h"

#define ZL_VXLAN_PORT_IANA 4789

static const char *const zl_nl_kind_names[] = {
	[ZL_LINK_DUMMY] = "dummy",
	[ZL_LINK_BRIDGE] = "bridge",
	[ZL_LINK_VXLAN] = "vxlan",
	[ZL_LINK_WIREGUARD] = "wireguard",
	[ZL_LINK_VETH] = "veth",
};

static bool name_ok(const char *name)
{
	size_t n;

	if (!name)
		return false;
	n = strnlen(name, ZL_NL_IFNAMSIZ);
	return n > 0 && n < ZL_NL_IFNAMSIZ;
}

/* ---- building ----------------------------------------------------------- */

static bool put_vxlan_addr(struct nlmsghdr *nlh, size_t size, uint16_t t4, uint16_t t6,
			   const struct kld_addr *a)
{
	if (a->family == 0)
		return true;
	return zl_nl_attr_put_addr(nlh, size, a->family == AF_INET ? t4 : t6, a);
}

static bool put_vxlan(struct nlmsghdr *nlh, size_t size, const struct zl_nl_vxlan *v)
{
	uint16_t port = v->dstport ? v->dstport : ZL_VXLAN_PORT_IANA;

	if (!mnl_attr_put_u32_check(nlh, size, IFLA_VXLAN_ID, v->vni))
		return false;
	if (!put_vxlan_addr(nlh, size, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6, &v->local) ||
	    !put_vxlan_addr(nlh, size, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, &v->group))
		return false;
	if (!mnl_attr_put_u16_check(nlh, size, IFLA_VXLAN_PORT, htons(port)) ||
	    !mnl_attr_put_u8_check(nlh, size, IFLA_VXLAN_LEARNING, v->learning))
		return false;
	if (v->dev && !mnl_attr_put_u32_check(nlh, size, IFLA_VXLAN_LINK, (uint32_t)v->dev))
		return false;
	return v->ttl == 0 || mnl_attr_put_u8_check(nlh, size, IFLA_VXLAN_TTL, v->ttl);
}

/* VETH_INFO_PEER holds an ifinfomsg and then the peer's attributes. */
static bool put_veth(struct nlmsghdr *nlh, size_t size, const char *peer)
{
	struct nlattr *nest = mnl_attr_nest_start_check(nlh, size, VETH_INFO_PEER);
	struct ifinfomsg *ifi;

	if (!nest || nlh->nlmsg_len + MNL_ALIGN(sizeof(*ifi)) > size)
		return false;
	ifi = mnl_nlmsg_get_payload_tail(nlh);
	memset(ifi, 0, sizeof(*ifi));
	nlh->nlmsg_len += MNL_ALIGN(sizeof(*ifi));
	if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, peer))
		return false;
	mnl_attr_nest_end(nlh, nest);
	return true;
}

static bool put_kind_data(struct nlmsghdr *nlh, size_t size, const struct zl_nl_link_spec *s)
{
	struct nlattr *data;

	if (s->kind != ZL_LINK_VXLAN && s->kind != ZL_LINK_VETH)
		return true;
	data = mnl_attr_nest_start_check(nlh, size, IFLA_INFO_DATA);
	if (!data)
		return false;
	if (s->kind == ZL_LINK_VXLAN ? !put_vxlan(nlh, size, &s->vxlan)
				     : !put_veth(nlh, size, s->veth_peer))
		return false;
	mnl_attr_nest_end(nlh, data);
	return true;
}

static bool put_linkinfo(struct nlmsghdr *nlh, size_t size, const struct zl_nl_link_spec *s)
{
	struct nlattr *info = mnl_attr_nest_start_check(nlh, size, IFLA_LINKINFO);

	if (!info)
		return false;
	if (!mnl_attr_put_strz_check(nlh, size, IFLA_INFO_KIND, zl_nl_kind_names[s->kind]))
		return false;
	if (!put_kind_data(nlh, size, s))
		return false;
	mnl_attr_nest_end(nlh, info);
	return true;
}

static bool put_create_attrs(struct nlmsghdr *nlh, size_t size, const struct zl_nl_link_spec *s)
{
	if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, s->name))
		return false;
	if (s->mtu && !mnl_attr_put_u32_check(nlh, size, IFLA_MTU, s->mtu))
		return false;
	if (s->master && !mnl_attr_put_u32_check(nlh, size, IFLA_MASTER, (uint32_t)s->master))
		return false;
	if (s->has_mac && !mnl_attr_put_check(nlh, size, IFLA_ADDRESS, sizeof(s->mac), s->mac))
		return false;
	return put_linkinfo(nlh, size, s);
}

static int spec_validate(const struct zl_nl_link_spec *s)
{
	if (!name_ok(s->name) || (unsigned int)s->kind > ZL_LINK_VETH || s->ifindex < 0)
		return -EINVAL;
	if (s->kind == ZL_LINK_VETH && !name_ok(s->veth_peer))
		return -EINVAL;
	if (s->kind == ZL_LINK_VXLAN && s->vxlan.vni >= (1u << 24))
		return -EINVAL;
	return 0;
}

int zl_nl_link_build_create(void *buf, size_t size, uint16_t flags,
			    const struct zl_nl_link_spec *s)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	int err = spec_validate(s);

	if (err < 0)
		return err;
	nlh = zl_nl_put_hdr(buf, size, RTM_NEWLINK, flags | NLM_F_CREATE | NLM_F_EXCL,
			    sizeof(*ifi));
	if (!nlh)
		return -ENOSPC;
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = s->ifindex;
	if (s->up) {
		ifi->ifi_flags = IFF_UP;
		ifi->ifi_change = IFF_UP;
	}
	if (!put_create_attrs(nlh, size, s))
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

int zl_nl_link_build_change(void *buf, size_t size, const struct zl_nl_link_change *c)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (c->ifindex <= 0 || c->master < 0 || !(c->set_up || c->set_mtu || c->set_master))
		return -EINVAL;
	nlh = zl_nl_put_hdr(buf, size, RTM_NEWLINK, 0, sizeof(*ifi));
	if (!nlh)
		return -ENOSPC;
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = c->ifindex;
	if (c->set_up) {
		ifi->ifi_flags = c->up ? IFF_UP : 0;
		ifi->ifi_change = IFF_UP;
	}
	if (c->set_mtu && !mnl_attr_put_u32_check(nlh, size, IFLA_MTU, c->mtu))
		return -ENOSPC;
	if (c->set_master && !mnl_attr_put_u32_check(nlh, size, IFLA_MASTER, (uint32_t)c->master))
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

int zl_nl_link_build_delete(void *buf, size_t size, int ifindex)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (ifindex <= 0)
		return -EINVAL;
	nlh = zl_nl_put_hdr(buf, size, RTM_DELLINK, 0, sizeof(*ifi));
	if (!nlh)
		return -ENOSPC;
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	return (int)nlh->nlmsg_len;
}

/* ---- parsing ------------------------------------------------------------ */

static int parse_vxlan(const struct nlattr *data, struct zl_nl_vxlan *v)
{
	const struct nlattr *tb[IFLA_VXLAN_MAX + 1];
	uint32_t dev = 0;
	uint8_t learning = 0;

	if (zl_nl_attr_table_nested(data, tb, IFLA_VXLAN_MAX) < 0)
		return -EINVAL;
	if (zl_nl_attr_get_u32(tb[IFLA_VXLAN_ID], &v->vni) < 0 || zl_nl_attr_get_u32(tb[IFLA_VXLAN_LINK], &dev) < 0 ||
	    zl_nl_attr_get_u8(tb[IFLA_VXLAN_LEARNING], &learning) < 0 ||
	    zl_nl_attr_get_u8(tb[IFLA_VXLAN_TTL], &v->ttl) < 0)
		return -EINVAL;
	v->dev = (int)dev;
	v->learning = learning != 0;
	if (tb[IFLA_VXLAN_PORT]) {
		if (!zl_nl_attr_ok(tb[IFLA_VXLAN_PORT], sizeof(uint16_t)))
			return -EINVAL;
		v->dstport = ntohs(mnl_attr_get_u16(tb[IFLA_VXLAN_PORT]));
	}
	if (zl_nl_attr_get_addr46(tb[IFLA_VXLAN_LOCAL], tb[IFLA_VXLAN_LOCAL6], &v->local) < 0)
		return -EINVAL;
	return zl_nl_attr_get_addr46(tb[IFLA_VXLAN_GROUP], tb[IFLA_VXLAN_GROUP6], &v->group);
}

static int parse_linkinfo(const struct nlattr *info, struct zl_nl_link *l)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1];

	if (zl_nl_attr_table_nested(info, tb, IFLA_INFO_MAX) < 0)
		return -EINVAL;
	if (!tb[IFLA_INFO_KIND])
		return 0;
	if (zl_nl_attr_get_str(tb[IFLA_INFO_KIND], l->kind, sizeof(l->kind)) < 0)
		return -EINVAL;
	if (strcmp(l->kind, "vxlan") == 0 && tb[IFLA_INFO_DATA])
		return parse_vxlan(tb[IFLA_INFO_DATA], &l->vxlan);
	return 0;
}

static int parse_hwaddr(const struct nlattr *a, struct zl_nl_link *l)
{
	uint16_t n = mnl_attr_get_payload_len(a);

	if (n > ZL_NL_HWADDR_MAX)
		return -EINVAL;
	memcpy(l->hwaddr, mnl_attr_get_payload(a), n);
	l->hwaddr_len = (uint8_t)n;
	return 0;
}

/* The alias only tells whose a link is ("kldnet:vxland"): a longer one
 * is cut, never a reason to drop the link. */
static int copy_alias(const struct nlattr *a, char *dst, size_t size)
{
	if (!a)
		return 0;
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return -EINVAL;
	snprintf(dst, size, "%.*s", (int)strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a)),
		 mnl_attr_get_str(a));
	return 0;
}

static int parse_link_attrs(const struct nlattr **tb, struct zl_nl_link *l)
{
	uint32_t master = 0, link = 0;

	if (tb[IFLA_IFNAME] && zl_nl_attr_get_str(tb[IFLA_IFNAME], l->name, sizeof(l->name)) < 0)
		return -EINVAL;
	if (copy_alias(tb[IFLA_IFALIAS], l->alias, sizeof(l->alias)) < 0)
		return -EINVAL;
	if (zl_nl_attr_get_u32(tb[IFLA_MTU], &l->mtu) < 0 || zl_nl_attr_get_u32(tb[IFLA_MASTER], &master) < 0 ||
	    zl_nl_attr_get_u32(tb[IFLA_LINK], &link) < 0 || zl_nl_attr_get_u8(tb[IFLA_OPERSTATE], &l->operstate) < 0)
		return -EINVAL;
	l->master = (int)master;
	l->link = (int)link;
	if (tb[IFLA_ADDRESS] && parse_hwaddr(tb[IFLA_ADDRESS], l) < 0)
		return -EINVAL;
	if (tb[IFLA_LINKINFO])
		return parse_linkinfo(tb[IFLA_LINKINFO], l);
	return 0;
}

int zl_nl_link_parse(const struct nlmsghdr *nlh, struct zl_nl_link *l)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi = mnl_nlmsg_get_payload(nlh);

	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return -EINVAL;
	if (zl_nl_attr_table(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return -EINVAL;
	if (ifi->ifi_family == AF_BRIDGE)
		return -ENOENT;
	memset(l, 0, sizeof(*l));
	l->ifindex = ifi->ifi_index;
	l->flags = ifi->ifi_flags;
	l->type = ifi->ifi_type;
	l->admin_up = (ifi->ifi_flags & IFF_UP) != 0;
	l->oper_up = (ifi->ifi_flags & IFF_RUNNING) != 0;
	return parse_link_attrs(tb, l);
}
