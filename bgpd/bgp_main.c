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

	return kld_proto_daemon_main(&bgpd_desc, &bd.p, &bd, argc, argv);
}
