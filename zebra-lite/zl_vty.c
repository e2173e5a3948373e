/* zebra-lite's configuration commands (FRR syntax) and its running config. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>
#include "nl.h"
#include "util.h"
#include "zl.h"
#include "zl_vxlan.h"

static int zl_cmd_show_version(struct vty *vty, const struct cmd_args *args)
{
	struct utsname u;

	uname(&u);
	vty_out(vty, "%s.\nRunning on %s %s (%s).\n", PACKAGE_STRING, u.sysname, u.release,
		u.machine);
	return CMD_SUCCESS;
}

static int zl_cmd_show_clients(struct vty *vty, const struct cmd_args *args)
{
	zl_zserv_client_list(vty->arg, vty);
	return CMD_SUCCESS;
}

/* For the shell's prompt: the configured name, else the system's. */
static int zl_cmd_show_hostname(struct vty *vty, const struct cmd_args *args)
{
	struct zl *zl = vty->arg;
	char host[64] = "";

	if (!zl->hostname[0])
		gethostname(host, sizeof(host) - 1);
	vty_out(vty, "%s\n", zl->hostname[0] ? zl->hostname : host);
	return CMD_SUCCESS;
}

static int zl_cmd_hostname(struct vty *vty, const struct cmd_args *args)
{
	struct zl *zl = vty->arg;

	snprintf(zl->hostname, sizeof(zl->hostname), "%s",
		 cmd_has(args, "no") ? "" : cmd_arg(args, "name"));
	return CMD_SUCCESS;
}

/* ---- interface node ---- */

static int zl_cmd_interface(struct vty *vty, const struct cmd_args *args)
{
	const char *name = cmd_arg(args, "ifname");

	if (strlen(name) >= IF_NAMESIZE) {
		vty_out(vty, "%% Interface name %s is longer than %d characters\n", name,
			IF_NAMESIZE - 1);
		return CMD_WARNING;
	}
	vty_set_ctx(vty, zl_iface_conf_get(vty->arg, name, true));
	return CMD_SUCCESS;
}

static int zl_cmd_no_interface(struct vty *vty, const struct cmd_args *args)
{
	return zl_iface_conf_remove(vty->arg, cmd_arg(args, "ifname"), vty);
}

static int zl_cmd_description(struct vty *vty, const struct cmd_args *args)
{
	struct zl_iface_conf *c = vty_ctx_top(vty);

	free(c->description);
	c->description = cmd_has(args, "no") ? NULL : kld_xstrdup(cmd_arg(args, "text"));
	return CMD_SUCCESS;
}

static int zl_cmd_ip_address(struct vty *vty, const struct cmd_args *args)
{
	struct zl_iface_conf *c = vty_ctx_top(vty);
	struct kld_prefix p;

	if (kld_ifaddr_parse(cmd_arg(args, "addr"), &p) < 0) {
		vty_out(vty, "%% Malformed address %s\n", cmd_arg(args, "addr"));
		return CMD_WARNING;
	}
	return zl_iface_conf_addr(vty->arg, c, &p, cmd_has(args, "no"), vty);
}

static int zl_cmd_mtu(struct vty *vty, const struct cmd_args *args)
{
	struct zl_iface_conf *c = vty_ctx_top(vty);

	c->mtu = cmd_has(args, "no") ? 0 : (uint32_t)cmd_arg_int(args, "mtu", 0);
	zl_iface_apply(vty->arg, c);
	return CMD_SUCCESS;
}

static int zl_cmd_shutdown(struct vty *vty, const struct cmd_args *args)
{
	struct zl *zl = vty->arg;
	struct zl_iface_conf *c = vty_ctx_top(vty);
	struct zl_iface *ifp = zl_iface_by_name(zl, c->name);

	c->shutdown = !cmd_has(args, "no");
	/* `no shutdown` brings the link up, as in FRR. */
	if (ifp && zl->nl && !c->shutdown && !ifp->admin_up)
		zl_nl_link_set_up(zl->nl, (int)ifp->ifindex, true, ZL_COOKIE_OTHER);
	zl_iface_apply(zl, c);
	return CMD_SUCCESS;
}

/* ---- static routes ---- */

static int zl_static_nexthop(struct vty *vty, const struct cmd_args *args, uint8_t family,
			     struct zl_static *s)
{
	const char *gw = cmd_arg(args, "gw"), *ifname = cmd_arg(args, "ifname");

	if (cmd_has(args, "blackhole") || cmd_has(args, "Null0")) {
		s->nh.kind = RIB_NH_BLACKHOLE;
		s->null0 = cmd_has(args, "Null0");
		return 0;
	}
	if (cmd_has(args, "reject")) {
		s->nh.kind = RIB_NH_REJECT;
		return 0;
	}
	if (ifname && strlen(ifname) >= IF_NAMESIZE) {
		vty_out(vty, "%% Interface name %s is too long\n", ifname);
		return -1;
	}
	if (ifname)
		snprintf(s->ifname, sizeof(s->ifname), "%s", ifname);
	if (!gw) {
		s->nh.kind = RIB_NH_IFINDEX;
		return 0;
	}
	s->nh.kind = RIB_NH_GATEWAY;
	if (cmd_arg_addr(args, "gw", &s->nh.gw) < 0 || s->nh.gw.family != family) {
		vty_out(vty, "%% Gateway %s is not of the prefix's family\n", gw);
		return -1;
	}
	return 0;
}

static int zl_cmd_ip_route(struct vty *vty, const struct cmd_args *args)
{
	struct zl_static s;
	uint8_t family = cmd_has(args, "ipv6") ? AF_INET6 : AF_INET;

	memset(&s, 0, sizeof(s));
	if (cmd_arg_prefix(args, "prefix", &s.prefix) < 0 || s.prefix.family != family) {
		vty_out(vty, "%% Malformed prefix %s\n", cmd_arg(args, "prefix"));
		return CMD_WARNING;
	}
	s.table = (uint32_t)cmd_arg_int(args, "table", 0);
	s.distance = (uint8_t)cmd_arg_int(args, "distance", 1);
	if (zl_static_nexthop(vty, args, family, &s) < 0)
		return CMD_WARNING;
	return zl_static_set(vty->arg, &s, cmd_has(args, "no"), vty);
}

static int zl_cmd_forwarding(struct vty *vty, const struct cmd_args *args)
{
	struct zl *zl = vty->arg;
	uint8_t family = cmd_has(args, "ipv6") ? AF_INET6 : AF_INET;
	bool *conf = family == AF_INET ? &zl->fwd_conf_v4 : &zl->fwd_conf_v6;
	bool cur = family == AF_INET ? zl->ip_forwarding : zl->ipv6_forwarding;
	bool start = family == AF_INET ? zl->fwd_start_v4 : zl->fwd_start_v6;
	bool on = !cmd_has(args, "no");
	/* `no ip forwarding` undoes `ip forwarding`: back to the value found
	 * at start, no line. Typed with nothing configured, it turns
	 * forwarding off and is shown, as FRR. */
	bool undo = !on && *conf && cur;

	if (zl_forwarding_set(zl, family, undo ? start : on) < 0) {
		vty_out(vty, "%% Cannot set forwarding: %m\n");
		return CMD_WARNING;
	}
	*conf = !undo;
	return CMD_SUCCESS;
}

static int zl_cmd_resolve_via_default(struct vty *vty, const struct cmd_args *args)
{
	struct zl *zl = vty->arg;

	zl->via_default = !cmd_has(args, "no");
	rib_set_resolve_via_default(zl->rib, zl->via_default);
	zl_schedule_work(zl);
	return CMD_SUCCESS;
}

static int zl_cmd_grace(struct vty *vty, const struct cmd_args *args)
{
	struct zl *zl = vty->arg;

	zl->grace_secs = cmd_has(args, "no") ? 0 : (uint32_t)cmd_arg_int(args, "secs", 60);
	zl_client_rearm_grace(zl);
	zl_vx_rearm_grace(zl);
	return CMD_SUCCESS;
}

#define ZL_NH4 "<A.B.C.D$gw [IFNAME$ifname]|blackhole|reject|Null0|IFNAME$ifname>"
#define ZL_NH6 "<X:X::X:X$gw [IFNAME$ifname]|blackhole|reject|Null0|IFNAME$ifname>"
#define ZL_ROUTE_TAIL " [(1-255)$distance] [table (1-4294967295)$table]"
#define ZL_ROUTE_TAIL_HELP "Distance value for this route\nThe table number to configure\nThe table number\n"

static const struct cmd_def zl_cmds[] = {
	{ "view", "show version", "Show running system information\nDisplays zebra-lite version\n",
	  zl_cmd_show_version, NULL, 0 },
	{ "view", "show zebra client", "Show running system information\nZebra information\nClient information\n",
	  zl_cmd_show_clients, NULL, 0 },
	{ "view", "show hostname", "Show running system information\nThe router's name\n",
	  zl_cmd_show_hostname, NULL, CMD_HIDDEN },
	{ "config", "hostname WORD$name", "Set system's network name\nThis system's network name\n",
	  zl_cmd_hostname, NULL, 0 },
	{ "config", "no hostname [WORD]", "Negate a command\nReset system's network name\nHost name of this router\n",
	  zl_cmd_hostname, NULL, 0 },
	{ "config", "interface IFNAME$ifname", "Select an interface to configure\nInterface's name\n",
	  zl_cmd_interface, "interface", 0 },
	{ "config", "no interface IFNAME$ifname", "Negate a command\nSelect an interface to configure\nInterface's name\n",
	  zl_cmd_no_interface, NULL, 0 },
	{ "interface", "description LINE...$text", "Interface specific description\nCharacters describing this interface\n",
	  zl_cmd_description, NULL, 0 },
	{ "interface", "no description [LINE...]", "Negate a command\nInterface specific description\nCharacters describing this interface\n",
	  zl_cmd_description, NULL, 0 },
	{ "interface", "[no] ip address A.B.C.D/M$addr", "Negate a command\nInterface Internet Protocol config commands\nSet the IP address of an interface\nIP address (e.g. 10.0.0.1/8)\n",
	  zl_cmd_ip_address, NULL, 0 },
	{ "interface", "[no] ipv6 address X:X::X:X/M$addr", "Negate a command\nInterface IPv6 config commands\nSet the IP address of an interface\nIPv6 address (e.g. 2001:db8::1/64)\n",
	  zl_cmd_ip_address, NULL, 0 },
	{ "interface", "mtu (68-65535)$mtu", "Set the interface's MTU\nMTU in bytes\n",
	  zl_cmd_mtu, NULL, 0 },
	{ "interface", "no mtu [(68-65535)]", "Negate a command\nSet the interface's MTU\nMTU in bytes\n",
	  zl_cmd_mtu, NULL, 0 },
	{ "interface", "[no] shutdown", "Negate a command\nShutdown the selected interface\n",
	  zl_cmd_shutdown, NULL, 0 },
	{ "config", "[no] ip route A.B.C.D/M$prefix " ZL_NH4 ZL_ROUTE_TAIL,
	  "Negate a command\nIP information\nEstablish static routes\nIP destination prefix (e.g. 10.0.0.0/8)\n"
	  "IP gateway address\nGateway interface\nDrop matching packets silently\nEmit an ICMP unreachable when matched\n"
	  "Null interface (blackhole)\nOutgoing interface\n" ZL_ROUTE_TAIL_HELP,
	  zl_cmd_ip_route, NULL, 0 },
	{ "config", "[no] ipv6 route X:X::X:X/M$prefix " ZL_NH6 ZL_ROUTE_TAIL,
	  "Negate a command\nIPv6 information\nEstablish static routes\nIPv6 destination prefix (e.g. 2001:db8::/32)\n"
	  "IPv6 gateway address\nGateway interface\nDrop matching packets silently\nEmit an ICMP unreachable when matched\n"
	  "Null interface (blackhole)\nOutgoing interface\n" ZL_ROUTE_TAIL_HELP,
	  zl_cmd_ip_route, NULL, 0 },
	{ "config", "[no] ip forwarding", "Negate a command\nIP information\nTurn on IP forwarding\n",
	  zl_cmd_forwarding, NULL, 0 },
	{ "config", "[no] ipv6 forwarding", "Negate a command\nIPv6 information\nTurn on IPv6 forwarding\n",
	  zl_cmd_forwarding, NULL, 0 },
	{ "config", "[no] ip nht resolve-via-default", "Negate a command\nIP information\nNexthop tracking\nResolve nexthops over the default route\n",
	  zl_cmd_resolve_via_default, NULL, 0 },
	{ "config", "zebra graceful-restart time (1-3600)$secs", "Zebra information\nKeep a departed client's routes\nHow long\nSeconds (default 60)\n",
	  zl_cmd_grace, NULL, 0 },
	{ "config", "no zebra graceful-restart time [(1-3600)]", "Negate a command\nZebra information\nKeep a departed client's routes\nHow long\nSeconds\n",
	  zl_cmd_grace, NULL, 0 },
};

void zl_vty_install(struct cmd_tree *tree)
{
	cmd_tree_add_all(tree, zl_cmds, KLD_ARRAY_SIZE(zl_cmds));
	zl_show_install(tree);
}

/* ---- running configuration ---- */

static void zl_write_iface(struct vty *vty, const struct zl_iface_conf *c)
{
	char a[KLD_PREFIX_STRLEN];

	/* Entered and left empty (for `?`, say): nothing to keep. */
	if (!c->description && !c->addrs && !c->mtu && !c->shutdown)
		return;
	vty_out(vty, "interface %s\n", c->name);
	if (c->description)
		vty_out(vty, " description %s\n", c->description);
	for (const struct zl_addr *ad = c->addrs; ad; ad = ad->next)
		vty_out(vty, " %s address %s\n", ad->prefix.family == AF_INET ? "ip" : "ipv6",
			kld_prefix_fmt(&ad->prefix, a, sizeof(a)));
	if (c->mtu)
		vty_out(vty, " mtu %u\n", c->mtu);
	if (c->shutdown)
		vty_out(vty, " shutdown\n");
	vty_out(vty, "exit\n!\n");
}

static void zl_write_static(struct vty *vty, const struct zl_static *s)
{
	char p[KLD_PREFIX_STRLEN], gw[KLD_ADDR_STRLEN];

	vty_out(vty, "%s route %s", s->prefix.family == AF_INET ? "ip" : "ipv6",
		kld_prefix_fmt(&s->prefix, p, sizeof(p)));
	if (s->nh.kind == RIB_NH_BLACKHOLE)
		vty_out(vty, s->null0 ? " Null0" : " blackhole");
	else if (s->nh.kind == RIB_NH_REJECT)
		vty_out(vty, " reject");
	if (s->nh.kind == RIB_NH_GATEWAY)
		vty_out(vty, " %s", kld_addr_fmt(&s->nh.gw, gw, sizeof(gw)));
	if (s->ifname[0])
		vty_out(vty, " %s", s->ifname);
	if (s->distance != 1)
		vty_out(vty, " %u", s->distance);
	if (s->table)
		vty_out(vty, " table %u", s->table);
	vty_out(vty, "\n");
}

void zl_write_config(struct vty *vty)
{
	struct zl *zl = vty->arg;

	if (zl->hostname[0])
		vty_out(vty, "hostname %s\n!\n", zl->hostname);
	if (zl->grace_secs)
		vty_out(vty, "zebra graceful-restart time %u\n!\n", zl->grace_secs);
	for (const struct zl_iface_conf *c = zl->iface_confs; c; c = c->next)
		zl_write_iface(vty, c);
	for (const struct zl_static *s = zl->statics; s; s = s->next)
		zl_write_static(vty, s);
	if (zl->fwd_conf_v4)
		vty_out(vty, "%sip forwarding\n", zl->ip_forwarding ? "" : "no ");
	if (zl->fwd_conf_v6)
		vty_out(vty, "%sipv6 forwarding\n", zl->ipv6_forwarding ? "" : "no ");
	if (zl->via_default)
		vty_out(vty, "ip nht resolve-via-default\n");
	vty_out(vty, "!\n");
}
