/* bgpd's commands (FRR syntax) and its part of the running configuration. */
#include <arpa/inet.h>
#include <stdio.h>
#include "bgpd.h"
#include "util.h"

static int bgp_cmd_router_bgp(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	uint32_t asn = (uint32_t)cmd_arg_int(args, "asn", 0);

	if (bd->bgp && bd->bgp->asn != asn) {
		vty_out(vty, "%% BGP is already running; AS is %u\n", bd->bgp->asn);
		return CMD_WARNING;
	}
	if (!bd->bgp && !vty->dry_run) {
		bd->bgp = kld_xcalloc(1, sizeof(*bd->bgp));
		bd->bgp->asn = asn;
	}
	vty_set_ctx(vty, bd->bgp);
	return CMD_SUCCESS;
}

static int bgp_cmd_no_router_bgp(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;

	free(bd->bgp);
	bd->bgp = NULL;
	return CMD_SUCCESS;
}

static int bgp_cmd_router_id(struct vty *vty, const struct cmd_args *args)
{
	struct bgp *bgp = vty_ctx_top(vty);
	struct kld_addr a;

	bgp->router_id_set = !cmd_has(args, "no");
	if (bgp->router_id_set && cmd_arg_addr(args, "id", &a) == 0)
		bgp->router_id = a.u.v4;
	return CMD_SUCCESS;
}

static const struct cmd_def bgp_cmds[] = {
	{ "config", "router bgp (1-4294967295)$asn", "Enable a routing process\nBGP information\nAutonomous system number\n",
	  bgp_cmd_router_bgp, "bgp", 0 },
	{ "config", "no router bgp [(1-4294967295)]", "Negate a command\nEnable a routing process\nBGP information\nAutonomous system number\n",
	  bgp_cmd_no_router_bgp, NULL, 0 },
	{ "bgp", "[no] bgp router-id A.B.C.D$id", "Negate a command\nBGP information\nOverride configured router identifier\nManually configured router identifier\n",
	  bgp_cmd_router_id, NULL, 0 },
};

void bgp_vty_install(struct cmd_tree *tree)
{
	cmd_tree_add_all(tree, bgp_cmds, KLD_ARRAY_SIZE(bgp_cmds));
}

void bgp_write_config(struct vty *vty)
{
	struct bgpd *bd = vty->arg;
	char buf[INET_ADDRSTRLEN];

	if (!bd->bgp)
		return;
	vty_out(vty, "router bgp %u\n", bd->bgp->asn);
	if (bd->bgp->router_id_set)
		vty_out(vty, " bgp router-id %s\n",
			inet_ntop(AF_INET, &bd->bgp->router_id, buf, sizeof(buf)));
	vty_out(vty, "exit\n!\n");
}
