/* bgpd: wiring. */
#include <linux/capability.h>
#include "bgpd.h"
#include "util.h"

/* Port 179 is privileged; nothing else is needed after the drop. */
static const int bgpd_caps[] = { CAP_NET_BIND_SERVICE };

static const struct kld_ipc_ops bgpd_zebra_ops = { 0 };

static const struct kld_proto_daemon_desc bgpd_desc = {
	.name = "bgpd",
	.install = bgp_vty_install,
	.write_config = bgp_write_config,
	.zebra_ops = &bgpd_zebra_ops,
	.caps = bgpd_caps,
	.ncaps = KLD_ARRAY_SIZE(bgpd_caps),
};

int main(int argc, char **argv)
{
	struct bgpd bd = { 0 };

	return kld_proto_daemon_main(&bgpd_desc, &bd.p, &bd, argc, argv);
}
