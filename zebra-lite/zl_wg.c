/*
 * zebra-lite's WireGuard devices: wgd asks, zebra-lite programs them
 * through the back end that fits this machine (wg_backend.c).
 * Placeholder until the wgd issue: no message of the wg range is served.
 */
#include "zl.h"

int zl_wg_init(struct zl *zl)
{
	return 0;
}

void zl_wg_fini(struct zl *zl)
{
}

void zl_wg_handle(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	kld_ipc_close(c, "WireGuard messages are not served yet");
}

void zl_wg_client_down(struct zl *zl, struct kld_ipc_conn *c)
{
}
