/*
 * fwd's configuration commands and its running config (doc/fwd.md):
 *
 *   firewall
 *    zone public
 *     interface eth0
 *     default drop
 *     allow tcp 22
 *     allow udp 51820
 *     block prefix 192.168.1.100/32
 *     allow icmp
 *     rate-limit 100 burst 200
 *     stealth
 *    exit
 *   exit
 *
 * Handlers check before they change anything; each change schedules one
 * push of the whole compiled rule set to zebra-lite.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "config.h"
#include "fwd.h"
#include "log.h"
#include "util.h"

#define NO "Negate a command\n"
#define FW "Firewall (XDP dataplane in zebra-lite)\n"
#define PORTS "Ports: N, LO-HI, or a comma-separated list of them (1-65535)\n"

static struct fwd *fwd_of(struct vty *vty)
{
	return vty->arg;
}

static struct fwd_zone *fwd_ctx_zone(struct vty *vty)
{
	return vty_ctx(vty, 1);
}

static int fwd_changed(struct vty *vty)
{
	fwd_schedule_push(fwd_of(vty));
	return CMD_SUCCESS;
}

static int fwd_refuse(struct vty *vty, const char *err)
{
	vty_out(vty, "%% %s\n", err);
	return CMD_WARNING;
}

/* ---- config node ---- */

static int fwd_cmd_firewall(struct vty *vty, const struct cmd_args *args)
{
	struct fwd *f = fwd_of(vty);

	vty_set_ctx(vty, f);
	if (!f->enabled) {
		f->enabled = true;
		fwd_schedule_push(f);
	}
	return CMD_SUCCESS;
}

static int fwd_cmd_no_firewall(struct vty *vty, const struct cmd_args *args)
{
	struct fwd *f = fwd_of(vty);

	while (f->zones)
		fwd_zone_delete(f, f->zones->name);
	f->enabled = false;
	return fwd_changed(vty);
}

/* `firewall metrics listen A.B.C.D port N`: the Prometheus page. A
 * configuration line of its own beside the block: `no firewall` and a
 * roll-back leave it alone. */
static int fwd_cmd_metrics(struct vty *vty, const struct cmd_args *args)
{
	struct kld_addr addr = { 0 };
	uint16_t port = 0;

	if (!cmd_has(args, "no")) {
		cmd_arg_addr(args, "addr", &addr);
		port = (uint16_t)cmd_arg_int(args, "port", 9587);
	}
	if (fwd_metrics_set(fwd_of(vty), &addr, port) < 0) {
		char ab[KLD_ADDR_STRLEN];

		vty_out(vty, "%% Cannot listen for metrics on %s port %u: %s (nothing changed)\n",
			kld_addr_fmt(&addr, ab, sizeof(ab)), port, strerror(errno));
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

/* ---- firewall node ---- */

static int fwd_cmd_zone(struct vty *vty, const struct cmd_args *args)
{
	const char *name = cmd_arg(args, "name");
	struct fwd_zone *z;

	if (!fwd_name_valid(name)) {
		vty_out(vty, "%% Invalid zone name %s (1-%d letters, digits, '-' or '_')\n", name,
			FWD_NAMESIZ - 1);
		return CMD_WARNING;
	}
	z = fwd_zone_get(fwd_of(vty), name, false);
	if (z) {
		vty_set_ctx(vty, z); /* entering it changes nothing */
		return CMD_SUCCESS;
	}
	z = fwd_zone_get(fwd_of(vty), name, true);
	if (!z)
		return fwd_refuse(vty, "Too many zones");
	vty_set_ctx(vty, z);
	return fwd_changed(vty);
}

static int fwd_cmd_no_zone(struct vty *vty, const struct cmd_args *args)
{
	const char *name = cmd_arg(args, "name");

	if (fwd_zone_delete(fwd_of(vty), name) < 0) {
		vty_out(vty, "%% Unknown zone %s\n", name);
		return CMD_WARNING;
	}
	return fwd_changed(vty);
}

/* ---- zone node ---- */

static bool fwd_iface_known(const struct fwd *f, const char *name)
{
	if (!f->ifaces_known)
		return true; /* zebra-lite has not told us yet (start-up) */
	for (const struct fwd_iface *i = f->ifaces; i; i = i->next)
		if (!strcmp(i->name, name))
			return true;
	return false;
}

static int fwd_cmd_interface(struct vty *vty, const struct cmd_args *args)
{
	struct fwd *f = fwd_of(vty);
	struct fwd_zone *z = fwd_ctx_zone(vty), *other;
	const char *name = cmd_arg(args, "ifname");

	if (strlen(name) >= IF_NAMESIZE || strchr(name, '/') || strchr(name, ':')) {
		vty_out(vty, "%% Invalid interface name %s\n", name);
		return CMD_WARNING;
	}
	other = fwd_zone_of_iface(f, name);
	if (other == z)
		return CMD_SUCCESS;
	if (other) {
		vty_out(vty, "%% Interface %s is already in zone %s\n", name, other->name);
		return CMD_WARNING;
	}
	if (!fwd_iface_known(f, name)) {
		vty_out(vty, "%% Unknown interface %s\n", name);
		return CMD_WARNING;
	}
	if (z->nifs == FWD_MAX_IFACES)
		return fwd_refuse(vty, "Too many interfaces in this zone");
	snprintf(z->ifnames[z->nifs++], IF_NAMESIZE, "%s", name);
	return fwd_changed(vty);
}

static int fwd_cmd_no_interface(struct vty *vty, const struct cmd_args *args)
{
	struct fwd_zone *z = fwd_ctx_zone(vty);
	const char *name = cmd_arg(args, "ifname");

	for (size_t i = 0; i < z->nifs; i++) {
		if (strcmp(z->ifnames[i], name))
			continue;
		memmove(z->ifnames[i], z->ifnames[i + 1], (z->nifs - i - 1) * IF_NAMESIZE);
		z->nifs--;
		return fwd_changed(vty);
	}
	vty_out(vty, "%% Interface %s is not in zone %s\n", name, z->name);
	return CMD_WARNING;
}

/* A stealth zone answers nothing but the WireGuard ports: a line that
 * would open it more is refused, whichever of the two came first. */
static int fwd_refuse_stealth(struct vty *vty, const struct fwd_zone *z, const char *line)
{
	vty_out(vty,
		"%% Zone %s is stealth: '%s' would answer the world; stealth shows only the "
		"WireGuard ports (use 'no stealth' first, or 'allow prefix' for trusted sources)\n",
		z->name, line);
	return CMD_WARNING;
}

static int fwd_cmd_default(struct vty *vty, const struct cmd_args *args)
{
	struct fwd_zone *z = fwd_ctx_zone(vty);

	if (z->stealth && cmd_has(args, "accept") && !cmd_has(args, "no"))
		return fwd_refuse_stealth(vty, z, "default accept");

	z->dflt = cmd_has(args, "drop") && !cmd_has(args, "no") ? FW_ACT_DROP : FW_ACT_PASS;
	z->dflt_typed = !cmd_has(args, "no");
	return fwd_changed(vty);
}

static uint8_t fwd_arg_action(const struct cmd_args *args)
{
	return cmd_has(args, "block") ? FW_ACT_DROP : FW_ACT_PASS;
}

static int fwd_cmd_port(struct vty *vty, const struct cmd_args *args)
{
	struct fwd_zone *z = fwd_ctx_zone(vty);
	uint8_t proto = cmd_has(args, "tcp") ? 6 : 17;
	char err[256];

	if (z->stealth && !cmd_has(args, "no") && fwd_arg_action(args) == FW_ACT_PASS) {
		snprintf(err, sizeof(err), "allow %s %s", proto == 6 ? "tcp" : "udp",
			 cmd_arg(args, "ports"));
		return fwd_refuse_stealth(vty, z, err);
	}
	if (fwd_rule_port(fwd_of(vty), z, fwd_arg_action(args), proto, cmd_arg(args, "ports"),
			  cmd_has(args, "no"), err, sizeof(err)) < 0)
		return fwd_refuse(vty, err);
	return fwd_changed(vty);
}

static int fwd_cmd_prefix(struct vty *vty, const struct cmd_args *args)
{
	struct fwd_zone *z = fwd_ctx_zone(vty);
	char err[256];

	if (fwd_rule_prefix(fwd_of(vty), z, fwd_arg_action(args), cmd_arg(args, "prefix"),
			    cmd_has(args, "no"), err, sizeof(err)) < 0)
		return fwd_refuse(vty, err);
	return fwd_changed(vty);
}

static int fwd_cmd_icmp(struct vty *vty, const struct cmd_args *args)
{
	struct fwd_zone *z = fwd_ctx_zone(vty);

	if (z->stealth && !cmd_has(args, "no"))
		return fwd_refuse_stealth(vty, z, "allow icmp");
	z->icmp = !cmd_has(args, "no");
	return fwd_changed(vty);
}

static int fwd_cmd_rate(struct vty *vty, const struct cmd_args *args)
{
	struct fwd_zone *z = fwd_ctx_zone(vty);

	if (cmd_has(args, "no")) {
		z->rate_pps = z->rate_burst = 0;
		return fwd_changed(vty);
	}
	z->rate_pps = (uint32_t)cmd_arg_int(args, "pps", 0);
	z->rate_burst = (uint32_t)cmd_arg_int(args, "burst", 0);
	if (z->rate_burst && z->rate_burst < z->rate_pps / 1000) {
		z->rate_pps = z->rate_burst = 0;
		return fwd_refuse(vty, "Burst too small for the rate (at least a millisecond of it)");
	}
	return fwd_changed(vty);
}

static int fwd_cmd_stealth(struct vty *vty, const struct cmd_args *args)
{
	struct fwd_zone *z = fwd_ctx_zone(vty);
	char tb[256];

	if (!cmd_has(args, "no") && fwd_stealth_opener(z, tb, sizeof(tb))) {
		vty_out(vty,
			"%% Zone %s has '%s', which would answer the world: stealth shows only "
			"the WireGuard ports (remove that line first)\n",
			z->name, tb);
		return CMD_WARNING;
	}
	z->stealth = !cmd_has(args, "no");
	return fwd_changed(vty);
}

/* ---- safe apply: firewall commit confirm SECONDS ---- */

static void fwd_write_firewall(struct vty *vty);

static char *fwd_running_text(struct fwd *f)
{
	struct vty vty = { .arg = f };
	char *s;

	kld_buf_init(&vty.out);
	fwd_write_firewall(&vty);
	s = kld_xstrdup(vty.out.len ? vty.out.data : "");
	kld_buf_free(&vty.out);
	return s;
}

/* Time is up: the firewall goes back to what it was at the confirm
 * command, whatever was changed since. */
static void fwd_rollback(void *arg)
{
	struct fwd *f = arg;
	struct kld_buf errors;

	if (!f->rollback)
		return;
	kld_buf_init(&errors);
	while (f->zones)
		fwd_zone_delete(f, f->zones->name);
	f->enabled = false;
	if (kld_config_apply_text(f->p.tree, f, f->rollback, &errors))
		kld_warn("firewall roll-back: %.*s", (int)errors.len, errors.data);
	kld_buf_free(&errors);
	kld_notice("firewall changes not confirmed in time: rolled back");
	free(f->rollback);
	f->rollback = NULL;
	fwd_schedule_push(f);
}

void fwd_confirm_fini(struct fwd *f)
{
	kld_timer_free(f->rollback_timer);
	f->rollback_timer = NULL;
	free(f->rollback);
	f->rollback = NULL;
}

static int fwd_cmd_commit_confirm(struct vty *vty, const struct cmd_args *args)
{
	struct fwd *f = fwd_of(vty);
	long long secs = cmd_arg_int(args, "secs", 60);

	if (!f->rollback)
		f->rollback = fwd_running_text(f); /* a second confirm only extends */
	if (!f->rollback_timer)
		f->rollback_timer = kld_timer_new(f->p.d.loop, fwd_rollback, f);
	kld_timer_arm(f->rollback_timer, (uint64_t)secs * 1000);
	f->rollback_at_ms = kld_now_ms() + (uint64_t)secs * 1000;
	vty_out(vty, "Firewall changes from now on roll back in %lld s unless confirmed with "
		"`firewall commit`\n", secs);
	return CMD_SUCCESS;
}

static int fwd_cmd_commit(struct vty *vty, const struct cmd_args *args)
{
	struct fwd *f = fwd_of(vty);

	if (!f->rollback) {
		vty_out(vty, "%% No firewall change waits for confirmation\n");
		return CMD_WARNING;
	}
	kld_timer_cancel(f->rollback_timer);
	free(f->rollback);
	f->rollback = NULL;
	vty_out(vty, "Firewall changes confirmed\n");
	return CMD_SUCCESS;
}

static const struct cmd_def fwd_cmds[] = {
	{ "view", "firewall commit confirm (5-86400)$secs",
	  FW "Safe apply\nRoll back to the present firewall unless confirmed in time\nSeconds\n",
	  fwd_cmd_commit_confirm, NULL, 0 },
	{ "view", "firewall commit", FW "Confirm the changes made since `firewall commit confirm`\n",
	  fwd_cmd_commit, NULL, 0 },
	{ "config", "firewall", FW, fwd_cmd_firewall, "firewall", 0 },
	{ "config", "no firewall", NO FW, fwd_cmd_no_firewall, NULL, 0 },
	{ "config", "firewall metrics listen A.B.C.D$addr port (1-65535)$port",
	  FW "Prometheus metrics\nServe them over HTTP\nAddress to listen on\nTCP port\nPort number\n",
	  fwd_cmd_metrics, NULL, 0 },
	{ "config", "no firewall metrics [listen A.B.C.D port (1-65535)]",
	  NO FW "Prometheus metrics\nAddress\nTCP port\nPort number\n", fwd_cmd_metrics, NULL, 0 },
	{ "firewall", "zone WORD$name", "A zone: interfaces that share one policy\nZone name\n",
	  fwd_cmd_zone, "firewall-zone", 0 },
	{ "firewall", "no zone WORD$name", NO "A zone\nZone name\n", fwd_cmd_no_zone, NULL, 0 },
	{ "firewall-zone", "interface IFNAME$ifname",
	  "An interface of this zone (in one zone at most)\nInterface name\n", fwd_cmd_interface,
	  NULL, 0 },
	{ "firewall-zone", "no interface IFNAME$ifname", NO "An interface of this zone\nInterface name\n",
	  fwd_cmd_no_interface, NULL, 0 },
	{ "firewall-zone", "default <drop|accept>",
	  "What no rule decides (without this line: accept)\nDrop it\nLet it in\n", fwd_cmd_default,
	  NULL, 0 },
	{ "firewall-zone", "no default [<drop|accept>]", NO "What no rule decides\nDrop\nAccept\n",
	  fwd_cmd_default, NULL, 0 },
	{ "firewall-zone", "[no] <allow|block> <tcp|udp> WORD$ports",
	  NO "Let in\nDrop\nTCP destination ports\nUDP destination ports\n" PORTS, fwd_cmd_port,
	  NULL, 0 },
	{ "firewall-zone", "[no] <allow|block> prefix <A.B.C.D/M|X:X::X:X/M>$prefix",
	  NO "Let in\nDrop\nSource prefix (the longest match wins, before ports)\nIPv4 prefix\nIPv6 prefix\n",
	  fwd_cmd_prefix, NULL, 0 },
	{ "firewall-zone", "[no] allow icmp",
	  NO "Let in\nICMP and ICMPv6 (neighbour discovery always passes)\n", fwd_cmd_icmp, NULL,
	  0 },
	{ "firewall-zone", "rate-limit (1-10000000)$pps [burst (1-10000000)$burst]",
	  "Per-source token bucket on what the zone lets in\nPackets per second\nBucket size\nPackets (default: one second's worth)\n",
	  fwd_cmd_rate, NULL, 0 },
	{ "firewall-zone", "no rate-limit [(1-10000000) [burst (1-10000000)]]",
	  NO "Per-source token bucket\nPackets per second\nBucket size\nPackets\n", fwd_cmd_rate,
	  NULL, 0 },
	{ "firewall-zone", "[no] stealth",
	  NO "Show the world only the WireGuard listen ports (default drop, no ICMP answers)\n",
	  fwd_cmd_stealth, NULL, 0 },
};

void fwd_vty_install(struct cmd_tree *tree)
{
	if (cmd_tree_add_all(tree, fwd_cmds, KLD_ARRAY_SIZE(fwd_cmds)) < 0)
		kld_err("fwd: a command syntax does not parse");
}

/* ---- running config ---- */

static void fwd_write_zone(struct vty *vty, const struct fwd_zone *z)
{
	char tb[256];

	vty_out(vty, " zone %s\n", z->name);
	for (size_t i = 0; i < z->nifs; i++)
		vty_out(vty, "  interface %s\n", z->ifnames[i]);
	/* Before the rules: a file edited by hand to add an allow to a
	 * stealth zone then loses that allow, not the stealth (fails closed). */
	if (z->stealth)
		vty_out(vty, "  stealth\n");
	if (z->dflt_typed)
		vty_out(vty, "  default %s\n", z->dflt == FW_ACT_DROP ? "drop" : "accept");
	for (const struct fwd_rule *r = z->rules; r; r = r->next)
		vty_out(vty, "  %s\n", fwd_rule_text(r, tb, sizeof(tb)));
	if (z->icmp)
		vty_out(vty, "  allow icmp\n");
	if (z->rate_pps && z->rate_burst)
		vty_out(vty, "  rate-limit %u burst %u\n", z->rate_pps, z->rate_burst);
	else if (z->rate_pps)
		vty_out(vty, "  rate-limit %u\n", z->rate_pps);
	vty_out(vty, " exit\n");
}

/* The firewall block alone: what a roll-back goes back to. */
static void fwd_write_firewall(struct vty *vty)
{
	struct fwd *f = vty->arg;

	if (!f->enabled)
		return;
	vty_out(vty, "firewall\n");
	for (const struct fwd_zone *z = f->zones; z; z = z->next)
		fwd_write_zone(vty, z);
	vty_out(vty, "exit\n");
}

void fwd_write_config(struct vty *vty)
{
	struct fwd *f = vty->arg;
	char ab[KLD_ADDR_STRLEN];

	/* Saved now, the unconfirmed change would outlive its roll-back. */
	if (f->rollback)
		vty_out(vty, "%sa firewall change waits for \"firewall commit\"\n",
			KLD_CONFIG_UNSAVED);
	fwd_write_firewall(vty);
	if (f->metrics.port)
		vty_out(vty, "firewall metrics listen %s port %u\n",
			kld_addr_fmt(&f->metrics.addr, ab, sizeof(ab)), f->metrics.port);
}
