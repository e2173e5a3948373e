/*
 * VXLAN devices and bridges for vxland: codecs and a synchronous link
 * socket (see nl_vxlink.h). Pure build/parse functions are fuzzed
 * (tests/fuzz/fuzz_nl_vxlink.c) and unit-tested without root.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <libmnl/libmnl.h>
#include <linux/if.h>
#include <linux/if_link.h>
#include <linux/neighbour.h>
#include <linux/rtnetlink.h>

#include "nl_vxlink.h"

#define ZL_VX_PORT_IANA 4789

/* ---- building ---- */

static bool put_addr(struct nlmsghdr *nlh, size_t size, uint16_t t4, uint16_t t6,
		     const struct kld_addr *a)
{
	if (!a->family)
		return true;
	return zl_nl_attr_put_addr(nlh, size, a->family == AF_INET ? t4 : t6, a);
}

static bool put_vx_ports(struct nlmsghdr *nlh, size_t size, const struct zl_nl_vx *v)
{
	struct ifla_vxlan_port_range r;

	if (!mnl_attr_put_u16_check(nlh, size, IFLA_VXLAN_PORT,
				    htons(v->dstport ? v->dstport : ZL_VX_PORT_IANA)))
		return false;
	if (!v->port_min && !v->port_max)
		return true;
	r.low = htons(v->port_min);
	r.high = htons(v->port_max);
	return mnl_attr_put_check(nlh, size, IFLA_VXLAN_PORT_RANGE, sizeof(r), &r);
}

static bool put_vx_csum(struct nlmsghdr *nlh, size_t size, const struct zl_nl_vx *v)
{
	if (v->remote.family == AF_INET6 || v->local.family == AF_INET6)
		return mnl_attr_put_u8_check(nlh, size, IFLA_VXLAN_UDP_ZERO_CSUM6_TX,
					     v->udp6zerocsumtx) &&
		       mnl_attr_put_u8_check(nlh, size, IFLA_VXLAN_UDP_ZERO_CSUM6_RX,
					     v->udp6zerocsumrx);
	return mnl_attr_put_u8_check(nlh, size, IFLA_VXLAN_UDP_CSUM, v->udpcsum);
}

static bool put_vx(struct nlmsghdr *nlh, size_t size, const struct zl_nl_vx *v)
{
	if (!mnl_attr_put_u32_check(nlh, size, IFLA_VXLAN_ID, v->vni) ||
	    !put_addr(nlh, size, IFLA_VXLAN_LOCAL, IFLA_VXLAN_LOCAL6, &v->local) ||
	    !put_addr(nlh, size, IFLA_VXLAN_GROUP, IFLA_VXLAN_GROUP6, &v->remote) ||
	    !put_vx_ports(nlh, size, v) ||
	    !mnl_attr_put_u8_check(nlh, size, IFLA_VXLAN_LEARNING, v->learning) ||
	    !mnl_attr_put_u8_check(nlh, size, IFLA_VXLAN_TTL, v->ttl) ||
	    !mnl_attr_put_u8_check(nlh, size, IFLA_VXLAN_TOS, v->tos) || !put_vx_csum(nlh, size, v))
		return false;
	return !v->dev || mnl_attr_put_u32_check(nlh, size, IFLA_VXLAN_LINK, (uint32_t)v->dev);
}

static bool put_linkinfo(struct nlmsghdr *nlh, size_t size, const struct zl_nl_vxdev *d)
{
	struct nlattr *info = mnl_attr_nest_start_check(nlh, size, IFLA_LINKINFO), *data;

	if (!info || !mnl_attr_put_strz_check(nlh, size, IFLA_INFO_KIND,
					      d->kind == ZL_VXK_VXLAN ? "vxlan" : "bridge"))
		return false;
	/* A bridge is created with VLAN filtering off, the kernel's default;
	 * saying so explicitly fails on kernels built without it. */
	if (d->kind == ZL_VXK_VXLAN) {
		data = mnl_attr_nest_start_check(nlh, size, IFLA_INFO_DATA);
		if (!data || !put_vx(nlh, size, &d->vx))
			return false;
		mnl_attr_nest_end(nlh, data);
	}
	mnl_attr_nest_end(nlh, info);
	return true;
}

static bool vx_valid(const struct zl_nl_vx *v)
{
	if (v->vni == 0 || v->vni >= (1u << 24))
		return false;
	if (v->local.family && v->remote.family && v->local.family != v->remote.family)
		return false;
	return (!v->port_min && !v->port_max) || (v->port_min && v->port_min <= v->port_max);
}

int zl_nl_vxdev_build_create(void *buf, size_t size, const struct zl_nl_vxdev *d)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;
	size_t n = strnlen(d->name, sizeof(d->name));

	if (n == 0 || n >= sizeof(d->name) || (d->kind != ZL_VXK_VXLAN && d->kind != ZL_VXK_BRIDGE))
		return -EINVAL;
	if (d->kind == ZL_VXK_VXLAN && !vx_valid(&d->vx))
		return -EINVAL;
	nlh = zl_nl_put_hdr(buf, size, RTM_NEWLINK, NLM_F_CREATE | NLM_F_EXCL | NLM_F_ACK,
			    sizeof(*ifi));
	if (!nlh)
		return -ENOSPC;
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_family = AF_UNSPEC;
	if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, d->name) ||
	    (d->mtu && !mnl_attr_put_u32_check(nlh, size, IFLA_MTU, d->mtu)) ||
	    (d->master > 0 && !mnl_attr_put_u32_check(nlh, size, IFLA_MASTER, (uint32_t)d->master)) ||
	    !put_linkinfo(nlh, size, d))
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

int zl_nl_vxdev_build_set(void *buf, size_t size, int ifindex, const char *alias, uint32_t mtu,
			  int master, bool up)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (ifindex <= 0)
		return -EINVAL;
	nlh = zl_nl_put_hdr(buf, size, RTM_NEWLINK, NLM_F_ACK, sizeof(*ifi));
	if (!nlh)
		return -ENOSPC;
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_family = AF_UNSPEC;
	ifi->ifi_index = ifindex;
	ifi->ifi_flags = up ? IFF_UP : 0;
	ifi->ifi_change = IFF_UP;
	if ((alias && !mnl_attr_put_strz_check(nlh, size, IFLA_IFALIAS, alias)) ||
	    (mtu && !mnl_attr_put_u32_check(nlh, size, IFLA_MTU, mtu)) ||
	    (master >= 0 && !mnl_attr_put_u32_check(nlh, size, IFLA_MASTER, (uint32_t)master)))
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

int zl_nl_vxdev_build_get(void *buf, size_t size, const char *name)
{
	struct nlmsghdr *nlh;
	struct ifinfomsg *ifi;

	if (!name || !name[0] || strlen(name) >= ZL_NL_IFNAMSIZ)
		return -EINVAL;
	nlh = zl_nl_put_hdr(buf, size, RTM_GETLINK, 0, sizeof(*ifi));
	if (!nlh)
		return -ENOSPC;
	ifi = mnl_nlmsg_get_payload(nlh);
	ifi->ifi_family = AF_UNSPEC;
	if (!mnl_attr_put_strz_check(nlh, size, IFLA_IFNAME, name) ||
	    !mnl_attr_put_u32_check(nlh, size, IFLA_EXT_MASK, RTEXT_FILTER_SKIP_STATS))
		return -ENOSPC;
	return (int)nlh->nlmsg_len;
}

/* ---- parsing ---- */

static int parse_vx_ports(const struct nlattr **tb, struct zl_nl_vx *v)
{
	const struct ifla_vxlan_port_range *r;

	if (tb[IFLA_VXLAN_PORT]) {
		if (!zl_nl_attr_ok(tb[IFLA_VXLAN_PORT], 2))
			return -EINVAL;
		v->dstport = ntohs(mnl_attr_get_u16(tb[IFLA_VXLAN_PORT]));
	}
	if (!tb[IFLA_VXLAN_PORT_RANGE])
		return 0;
	if (!zl_nl_attr_ok(tb[IFLA_VXLAN_PORT_RANGE], sizeof(*r)))
		return -EINVAL;
	r = mnl_attr_get_payload(tb[IFLA_VXLAN_PORT_RANGE]);
	v->port_min = ntohs(r->low);
	v->port_max = ntohs(r->high);
	return 0;
}

static int parse_vx(const struct nlattr *data, struct zl_nl_vx *v)
{
	const struct nlattr *tb[IFLA_VXLAN_MAX + 1];
	uint32_t dev = 0;
	uint8_t learning = 1, csum = 1, z6tx = 0, z6rx = 0;

	if (zl_nl_attr_table_nested(data, tb, IFLA_VXLAN_MAX) < 0)
		return -EINVAL;
	if (zl_nl_attr_get_u32(tb[IFLA_VXLAN_ID], &v->vni) < 0 || zl_nl_attr_get_u32(tb[IFLA_VXLAN_LINK], &dev) < 0 ||
	    zl_nl_attr_get_u8(tb[IFLA_VXLAN_LEARNING], &learning) < 0 || zl_nl_attr_get_u8(tb[IFLA_VXLAN_TTL], &v->ttl) < 0 ||
	    zl_nl_attr_get_u8(tb[IFLA_VXLAN_TOS], &v->tos) < 0 || zl_nl_attr_get_u8(tb[IFLA_VXLAN_UDP_CSUM], &csum) < 0 ||
	    zl_nl_attr_get_u8(tb[IFLA_VXLAN_UDP_ZERO_CSUM6_TX], &z6tx) < 0 ||
	    zl_nl_attr_get_u8(tb[IFLA_VXLAN_UDP_ZERO_CSUM6_RX], &z6rx) < 0 || parse_vx_ports(tb, v) < 0)
		return -EINVAL;
	v->dev = (int)dev;
	v->learning = learning != 0;
	v->udpcsum = csum != 0;
	v->udp6zerocsumtx = z6tx != 0;
	v->udp6zerocsumrx = z6rx != 0;
	if (zl_nl_attr_get_addr46(tb[IFLA_VXLAN_LOCAL], tb[IFLA_VXLAN_LOCAL6], &v->local) < 0)
		return -EINVAL;
	return zl_nl_attr_get_addr46(tb[IFLA_VXLAN_GROUP], tb[IFLA_VXLAN_GROUP6], &v->remote);
}

static int parse_bridge(const struct nlattr *data, struct zl_nl_vxdev *d)
{
	const struct nlattr *tb[IFLA_BR_MAX + 1];
	uint8_t vf = 0;

	if (zl_nl_attr_table_nested(data, tb, IFLA_BR_MAX) < 0 ||
	    zl_nl_attr_get_u8(tb[IFLA_BR_VLAN_FILTERING], &vf) < 0)
		return -EINVAL;
	d->vlan_filtering = vf != 0;
	return 0;
}

static int parse_info(const struct nlattr *info, struct zl_nl_vxdev *d)
{
	const struct nlattr *tb[IFLA_INFO_MAX + 1];

	if (zl_nl_attr_table_nested(info, tb, IFLA_INFO_MAX) < 0 ||
	    zl_nl_attr_get_str(tb[IFLA_INFO_KIND], d->kind_name, sizeof(d->kind_name)) < 0)
		return -EINVAL;
	if (!strcmp(d->kind_name, "vxlan"))
		d->kind = ZL_VXK_VXLAN;
	else if (!strcmp(d->kind_name, "bridge"))
		d->kind = ZL_VXK_BRIDGE;
	if (!tb[IFLA_INFO_DATA] || d->kind == ZL_VXK_OTHER)
		return 0;
	return d->kind == ZL_VXK_VXLAN ? parse_vx(tb[IFLA_INFO_DATA], &d->vx)
				       : parse_bridge(tb[IFLA_INFO_DATA], d);
}

int zl_nl_vxdev_parse(const struct nlmsghdr *nlh, struct zl_nl_vxdev *d)
{
	const struct nlattr *tb[IFLA_MAX + 1];
	const struct ifinfomsg *ifi;
	uint32_t master = 0;

	if ((nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK) ||
	    nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*ifi)))
		return -EINVAL;
	ifi = mnl_nlmsg_get_payload(nlh);
	if (zl_nl_attr_table(nlh, sizeof(*ifi), tb, IFLA_MAX) < 0)
		return -EINVAL;
	if (ifi->ifi_family == AF_BRIDGE)
		return -ENOENT;
	memset(d, 0, sizeof(*d));
	d->ifindex = ifi->ifi_index;
	d->up = (ifi->ifi_flags & IFF_UP) != 0;
	if (zl_nl_attr_get_str(tb[IFLA_IFNAME], d->name, sizeof(d->name)) < 0 ||
	    zl_nl_attr_get_str(tb[IFLA_IFALIAS], d->alias, sizeof(d->alias)) < 0 ||
	    zl_nl_attr_get_u32(tb[IFLA_MTU], &d->mtu) < 0 || zl_nl_attr_get_u32(tb[IFLA_MASTER], &master) < 0)
		return -EINVAL;
	d->master = (int)master;
	return tb[IFLA_LINKINFO] ? parse_info(tb[IFLA_LINKINFO], d) : 0;
}

bool zl_nl_vx_same(const struct zl_nl_vx *h, const struct zl_nl_vx *w)
{
	uint16_t hp = h->dstport ? h->dstport : ZL_VX_PORT_IANA;
	uint16_t wp = w->dstport ? w->dstport : ZL_VX_PORT_IANA;
	bool v6 = w->remote.family == AF_INET6 || w->local.family == AF_INET6;

	if (h->vni != w->vni || hp != wp || h->dev != w->dev || h->learning != w->learning ||
	    h->ttl != w->ttl || h->tos != w->tos || !kld_addr_eq(&h->local, &w->local) ||
	    !kld_addr_eq(&h->remote, &w->remote))
		return false;
	/* 0-0 is the kernel's own default (it reports it so): `no srcport` goes back to it. */
	if (h->port_min != w->port_min || h->port_max != w->port_max)
		return false;
	if (v6)
		return h->udp6zerocsumtx == w->udp6zerocsumtx && h->udp6zerocsumrx == w->udp6zerocsumrx;
	return h->udpcsum == w->udpcsum;
}

/* ---- the synchronous socket ---- */

struct zl_nl_sync {
	struct mnl_socket *sk;
	uint32_t seq, portid;
	char *buf;
};

#define ZL_SYNC_BUFSIZ (64 * 1024)

int zl_nl_sync_open(struct zl_nl_sync **out)
{
	struct zl_nl_sync *s = calloc(1, sizeof(*s));
	int one = 1;

	if (!s)
		return -ENOMEM;
	s->buf = malloc(ZL_SYNC_BUFSIZ);
	s->sk = mnl_socket_open(NETLINK_ROUTE);
	if (!s->buf || !s->sk || mnl_socket_bind(s->sk, 0, MNL_SOCKET_AUTOPID) < 0) {
		int err = errno ? -errno : -ENOMEM;

		zl_nl_sync_close(s);
		return err;
	}
	mnl_socket_setsockopt(s->sk, NETLINK_EXT_ACK, &one, sizeof(one));
	mnl_socket_setsockopt(s->sk, NETLINK_CAP_ACK, &one, sizeof(one));
	s->portid = mnl_socket_get_portid(s->sk);
	s->seq = (uint32_t)time(NULL);
	*out = s;
	return 0;
}

void zl_nl_sync_close(struct zl_nl_sync *s)
{
	if (!s)
		return;
	if (s->sk)
		mnl_socket_close(s->sk);
	free(s->buf);
	free(s);
}

struct zl_sync_ctx {
	char *msg;
	size_t msgsize;
	int (*data)(const struct nlmsghdr *nlh, void *arg);
	void *arg;
};

static int sync_error_cb(const struct nlmsghdr *nlh, void *data)
{
	const struct nlmsgerr *e = mnl_nlmsg_get_payload(nlh);
	struct zl_sync_ctx *c = data;
	const struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = { 0 };
	size_t off = sizeof(*e);

	if (nlh->nlmsg_len < mnl_nlmsg_size(sizeof(*e)))
		return MNL_CB_ERROR;
	if (e->error && c->msg && (nlh->nlmsg_flags & NLM_F_ACK_TLVS) &&
	    zl_nl_attr_table(nlh, off, tb, NLMSGERR_ATTR_MAX) == 0 && tb[NLMSGERR_ATTR_MSG] &&
	    mnl_attr_validate(tb[NLMSGERR_ATTR_MSG], MNL_TYPE_NUL_STRING) == 0)
		snprintf(c->msg, c->msgsize, "%s", mnl_attr_get_str(tb[NLMSGERR_ATTR_MSG]));
	errno = -e->error;
	return e->error ? MNL_CB_ERROR : MNL_CB_STOP;
}

static int sync_done_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_STOP;
}

static int sync_noop_cb(const struct nlmsghdr *nlh, void *data)
{
	return MNL_CB_OK;
}

static int sync_data_cb(const struct nlmsghdr *nlh, void *data)
{
	struct zl_sync_ctx *c = data;

	return c->data ? c->data(nlh, c->arg) : MNL_CB_OK;
}

static int sync_run(struct zl_nl_sync *s, struct nlmsghdr *nlh, struct zl_sync_ctx *c)
{
	/* With a control table libmnl applies no defaults: say them all. */
	mnl_cb_t ctl[NLMSG_MIN_TYPE] = { [NLMSG_NOOP] = sync_noop_cb, [NLMSG_ERROR] = sync_error_cb,
					 [NLMSG_DONE] = sync_done_cb, [NLMSG_OVERRUN] = sync_noop_cb };
	ssize_t n;
	int ret;

	nlh->nlmsg_seq = ++s->seq;
	if (mnl_socket_sendto(s->sk, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	for (;;) {
		n = mnl_socket_recvfrom(s->sk, s->buf, ZL_SYNC_BUFSIZ);
		if (n < 0)
			return -errno;
		errno = 0;
		ret = mnl_cb_run2(s->buf, (size_t)n, s->seq, s->portid, sync_data_cb, c, ctl,
				  NLMSG_MIN_TYPE);
		if (ret == MNL_CB_ERROR)
			return errno ? -errno : -EIO;
		if (ret == MNL_CB_STOP)
			return 0;
	}
}

int zl_nl_sync_do(struct zl_nl_sync *s, void *buf, char *msg, size_t msgsize)
{
	struct zl_sync_ctx c = { .msg = msg, .msgsize = msgsize };

	if (msg && msgsize)
		msg[0] = '\0';
	return sync_run(s, buf, &c);
}

struct zl_get_ctx {
	struct zl_nl_vxdev *d;
	bool found;
	void (*cb)(void *arg, const struct zl_nl_vxdev *d);
	void (*ncb)(void *arg, const struct zl_nl_neigh *n);
	int ifindex;
	void *arg;
};

static int get_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct zl_get_ctx *g = arg;
	struct zl_nl_vxdev d;

	if (zl_nl_vxdev_parse(nlh, &d) < 0)
		return MNL_CB_OK;
	if (g->cb) {
		g->cb(g->arg, &d);
		return MNL_CB_OK;
	}
	*g->d = d;
	g->found = true;
	return MNL_CB_OK;
}

int zl_nl_sync_get(struct zl_nl_sync *s, const char *name, struct zl_nl_vxdev *d)
{
	uint32_t buf[256];
	struct zl_get_ctx g = { .d = d };
	struct zl_sync_ctx c = { .data = get_cb, .arg = &g };
	int ret = zl_nl_vxdev_build_get(buf, sizeof(buf), name);

	if (ret < 0)
		return ret;
	((struct nlmsghdr *)buf)->nlmsg_flags |= NLM_F_ACK;
	ret = sync_run(s, (struct nlmsghdr *)buf, &c);
	if (ret < 0)
		return ret;
	return g.found ? 0 : -ENODEV;
}

int zl_nl_sync_dump_links(struct zl_nl_sync *s,
			  void (*cb)(void *arg, const struct zl_nl_vxdev *d), void *arg)
{
	uint32_t buf[64];
	struct zl_get_ctx g = { .cb = cb, .arg = arg };
	struct zl_sync_ctx c = { .data = get_cb, .arg = &g };
	int ret = zl_nl_dump_build(buf, sizeof(buf), ZL_NL_LINK, AF_UNSPEC);

	return ret < 0 ? ret : sync_run(s, (struct nlmsghdr *)buf, &c);
}

static int fdb_cb(const struct nlmsghdr *nlh, void *arg)
{
	struct zl_get_ctx *g = arg;
	struct zl_nl_neigh n;

	if (zl_nl_neigh_parse(nlh, &n) < 0 || n.family != AF_BRIDGE)
		return MNL_CB_OK;
	if (!g->ifindex || n.ifindex == g->ifindex)
		g->ncb(g->arg, &n);
	return MNL_CB_OK;
}

int zl_nl_sync_dump_fdb(struct zl_nl_sync *s, int ifindex,
			void (*cb)(void *arg, const struct zl_nl_neigh *n), void *arg)
{
	uint32_t buf[64];
	struct zl_get_ctx g = { .ncb = cb, .arg = arg, .ifindex = ifindex };
	struct zl_sync_ctx c = { .data = fdb_cb, .arg = &g };
	int ret = zl_nl_dump_build(buf, sizeof(buf), ZL_NL_NEIGH, AF_BRIDGE);

	return ret < 0 ? ret : sync_run(s, (struct nlmsghdr *)buf, &c);
}
