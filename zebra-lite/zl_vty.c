/* zebra-lite's commands and its part of the running configuration. */
#include <stdio.h>
#include <string.h>
#include <sys/utsname.h>
#include "util.h"
#include "zl.h"

struct zl_iface_conf {
	char name[16];
	char *description;
	struct zl_iface_conf *next;
};

static struct zl_iface_conf *zl_iface_find(struct zl *zl, const char *name, bool create)
{
	struct zl_iface_conf **pp = &zl->ifaces;

	for (; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->name, name))
			return *pp;
	if (!create)
		return NULL;
	*pp = kld_xcalloc(1, sizeof(**pp));
	snprintf((*pp)->name, sizeof((*pp)->name), "%s", name);
	return *pp;
}

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

static int zl_cmd_hostname(struct vty *vty, const struct cmd_args *args)
{
	struct zl *zl = vty->arg;

	snprintf(zl->hostname, sizeof(zl->hostname), "%s",
		 cmd_has(args, "no") ? "" : cmd_arg(args, "name"));
	return CMD_SUCCESS;
}

static int zl_cmd_interface(struct vty *vty, const struct cmd_args *args)
{
	const char *name = cmd_arg(args, "ifname");

	if (strlen(name) >= 16) {
		vty_out(vty, "%% Interface name %s is longer than 15 characters\n", name);
		return CMD_WARNING;
	}
	vty_set_ctx(vty, zl_iface_find(vty->arg, name, true));
	return CMD_SUCCESS;
}

static int zl_cmd_description(struct vty *vty, const struct cmd_args *args)
{
	struct zl_iface_conf *ifc = vty_ctx_top(vty);

	free(ifc->description);
	ifc->description = cmd_has(args, "no") ? NULL : kld_xstrdup(cmd_arg(args, "text"));
	return CMD_SUCCESS;
}

static const struct cmd_def zl_cmds[] = {
	{ "view", "show version", "Show running system information\nDisplays zebra-lite version\n",
	  zl_cmd_show_version, NULL, 0 },
	{ "view", "show zebra client", "Show running system information\nZebra information\nClient information\n",
	  zl_cmd_show_clients, NULL, 0 },
	{ "config", "hostname WORD$name", "Set system's network name\nThis system's network name\n",
	  zl_cmd_hostname, NULL, 0 },
	{ "config", "no hostname [WORD]", "Negate a command\nReset system's network name\nHost name of this router\n",
	  zl_cmd_hostname, NULL, 0 },
	{ "config", "interface IFNAME$ifname", "Select an interface to configure\nInterface's name\n",
	  zl_cmd_interface, "interface", 0 },
	{ "interface", "description LINE...$text", "Interface specific description\nCharacters describing this interface\n",
	  zl_cmd_description, NULL, 0 },
	{ "interface", "no description [LINE...]", "Negate a command\nInterface specific description\nCharacters describing this interface\n",
	  zl_cmd_description, NULL, 0 },
};

void zl_vty_install(struct cmd_tree *tree)
{
	cmd_tree_add_all(tree, zl_cmds, KLD_ARRAY_SIZE(zl_cmds));
}

void zl_write_config(struct vty *vty)
{
	struct zl *zl = vty->arg;

	if (zl->hostname[0])
		vty_out(vty, "hostname %s\n!\n", zl->hostname);
	for (struct zl_iface_conf *ifc = zl->ifaces; ifc; ifc = ifc->next) {
		vty_out(vty, "interface %s\n", ifc->name);
		if (ifc->description)
			vty_out(vty, " description %s\n", ifc->description);
		vty_out(vty, "exit\n!\n");
	}
}
