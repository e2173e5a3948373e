/*
 * wgd's meshes, relayed (envelope fields 66-67). wgd sends the whole set
 * of its meshes (WgMeshes) with each push; zebra-lite keeps the last one
 * and gives it to each subscriber (WgMeshSubscribe) at once and on every
 * change. vxland's `flood mesh NAME` follows a mesh this way, without
 * reading wgd's configuration and without a socket to wgd.
 */
#include <stdlib.h>
#include <string.h>
#include "log.h"
#include "util.h"
#include "zl.h"
#include "zl_vxlan.h"

static uint8_t *zl_mesh_last;
static size_t zl_mesh_len;
static struct kld_ipc_conn *zl_mesh_subs[ZL_MAX_CLIENTS];

static void zl_mesh_send(struct kld_ipc_conn *c)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__WgMeshes empty = KLD__WG_MESHES__INIT, *m = &empty;

	if (zl_mesh_last)
		m = kld__wg_meshes__unpack(NULL, zl_mesh_len, zl_mesh_last);
	if (!m)
		return;
	env.body_case = KLD__ENVELOPE__BODY_WG_MESHES;
	env.wg_meshes = m;
	kld_ipc_send(c, &env);
	if (m != &empty)
		kld__wg_meshes__free_unpacked(m, NULL);
}

void zl_wgmesh_update(struct kld_ipc_conn *c, const Kld__WgMeshes *m)
{
	size_t len = kld__wg_meshes__get_packed_size(m);
	uint8_t *buf = kld_xmalloc(len + 1);

	(void)c;
	kld__wg_meshes__pack(m, buf);
	if (zl_mesh_last && len == zl_mesh_len && !memcmp(buf, zl_mesh_last, len)) {
		free(buf);
		return; /* unchanged: wgd sends it with every push */
	}
	free(zl_mesh_last);
	zl_mesh_last = buf;
	zl_mesh_len = len;
	for (int i = 0; i < ZL_MAX_CLIENTS; i++)
		if (zl_mesh_subs[i])
			zl_mesh_send(zl_mesh_subs[i]);
}

void zl_wgmesh_subscribe(struct kld_ipc_conn *c)
{
	int slot = -1;

	for (int i = 0; i < ZL_MAX_CLIENTS; i++) {
		if (zl_mesh_subs[i] == c)
			return;
		if (slot < 0 && !zl_mesh_subs[i])
			slot = i;
	}
	if (slot < 0) {
		kld_ipc_close(c, "too many mesh subscribers");
		return;
	}
	zl_mesh_subs[slot] = c;
	zl_mesh_send(c);
}

void zl_wgmesh_client_down(struct kld_ipc_conn *c)
{
	for (int i = 0; i < ZL_MAX_CLIENTS; i++)
		if (zl_mesh_subs[i] == c)
			zl_mesh_subs[i] = NULL;
}

void zl_wgmesh_fini(void)
{
	free(zl_mesh_last);
	zl_mesh_last = NULL;
	zl_mesh_len = 0;
}
