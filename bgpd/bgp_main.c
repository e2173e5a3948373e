/*
 * bgpd: wiring. Options and privileges come from daemon_run; init opens
 * the BGP port (before the privilege drop keeps only
 * CAP_NET_BIND_SERVICE) and the RIB; the configuration then creates the
 * instance and its peers.
 */
#include <linux/capability.h>
#include <stdlib.h>
#include <unistd.h>
#include "log.h"
#include "bgpd.h"
#include "util.h"

/* The floors' hook tables (bgpd.h): what a lower floor tells a higher
 * one, wired here once, before the configuration creates any peer. */
static const struct bgp_session_hooks bgpd_session_hooks = {
	.peer_init = bgp_gr_peer_init,
	.peer_fini = bgp_gr_peer_fini,
	.open_fill = bgp_gr_open_fill,
	.start_held = bgp_gr_start_held,
	.on_established = bgp_gr_on_established,
	.on_down = bgp_gr_peer_down,
	.on_stop = bgp_gr_peer_flush,
	.on_update = bgp_rib_in_update,
	.on_eor = bgp_gr_eor_rcvd,
	.on_refresh = bgp_rib_on_refresh,
	.accept_unknown = bgp_dynamic_accept,
};

static const struct bgp_rib_hooks bgpd_rib_hooks = {
	.fib_route = bgp_zebra_route,
	.fib_flush = bgp_zebra_flush,
	.fib_grace = bgp_zebra_client_grace,
	.fib_replay_done = bgp_zebra_replay_done,
	.work_idle = bgp_gr_work_idle,
};

static void bgpd_hooks_register(void)
{
	bgp_session_hooks = bgpd_session_hooks;
	bgp_rib_hooks = bgpd_rib_hooks;
	bgp_policy_hooks.changed = bgp_rib_policy_changed;
	bgp_zebra_hooks.router_id_update = bgp_router_id_update;
}

/* Port 179 is privileged; nothing else is needed after the drop. */
static const int bgpd_caps[] = { CAP_NET_BIND_SERVICE };

static int bgpd_init(struct kld_proto_daemon *p, void *arg)
{
	struct bgpd *bd = arg;
	const char *port = getenv("BGPD_PORT");

	(void)p;
	bd->port = port ? (uint16_t)atoi(port) : BGP_PORT;
	srandom((unsigned)getpid() ^ (unsigned)kld_now_ms()); /* retry jitter */
	bd->lfd = bd->lfd6 = -1;
	bgp_rib_init(bd);
	bgp_gr_init(bd);
	bgp_scratch_init(&bd->rm_scratch);
	if (bgp_session_listen(bd) < 0)
		kld_warn("bgpd: cannot listen on port %u: %m", bd->port);
	return 0;
}

static void bgpd_fini(struct kld_proto_daemon *p, void *arg)
{
	struct bgpd *bd = arg;

	(void)p;
	bgp_gr_fini(bd);
	if (bd->bgp)
		bgp_instance_free(bd->bgp);
	bd->bgp = NULL;
	bgp_session_close_all(bd);
	bgp_plist_free_all(bd);
	bgp_rmap_free_all(bd);
	bgp_scratch_free(&bd->rm_scratch);
	bgp_rib_fini(bd);
}

static const struct kld_proto_daemon_desc bgpd_desc = {
	.name = "bgpd",
	.install = bgp_vty_install,
	.write_config = bgp_write_config,
	.zebra_ops = &bgp_zebra_ops,
	.caps = bgpd_caps,
	.ncaps = KLD_ARRAY_SIZE(bgpd_caps),
	.init = bgpd_init,
	.fini = bgpd_fini,
};

int main(int argc, char **argv)
{
	struct bgpd bd = { 0 };

	bgpd_hooks_register();
	return kld_proto_daemon_main(&bgpd_desc, &bd.p, &bd, argc, argv);
}
