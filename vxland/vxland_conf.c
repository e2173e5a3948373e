/*
 * vxland's model: segments (one per VNI) and bridges, the checks that
 * span several of them (a device name used twice), MTU derivation, and
 * the parsers of MAC addresses.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "vxland.h"

const char *vx_seg_ifname(const struct vx_seg *s, char *buf)
{
	if (s->ifname[0])
		return s->ifname;
	snprintf(buf, IFNAMSIZ, "vxlan%u", s->vni);
	return buf;
}

struct vx_seg *vx_seg_get(struct vxland *v, uint32_t vni, bool create)
{
	struct vx_seg **pp = &v->segs, *s;

	/* Kept sorted by VNI: running-config and show list them in order. */
	for (; *pp && (*pp)->vni < vni; pp = &(*pp)->next)
		;
	if (*pp && (*pp)->vni == vni)
		return *pp;
	if (!create)
		return NULL;
	s = kld_xcalloc(1, sizeof(*s));
	s->vni = vni;
	s->st.dirty = true;
	s->next = *pp;
	*pp = s;
	return s;
}

void vx_seg_free(struct vx_seg *s)
{
	free(s->flood);
	free(s->addrs);
	free(s->macs);
	free(s->mac_ht);
	free(s->learned);
	free(s);
}

struct vx_bridge *vx_bridge_get(struct vxland *v, const char *name, bool create)
{
	struct vx_bridge *b = KLD_NAMED_GET(&v->brs, struct vx_bridge, name, create);

	if (b && create && !b->st.ifindex && b->st.state == VX_PENDING)
		b->st.dirty = true;
	return b;
}

void vx_bridge_free(struct vx_bridge *b)
{
	free(b->members);
	free(b->addrs);
	free(b);
}

struct vx_seg *vx_seg_by_ifname(struct vxland *v, const char *ifname)
{
	char buf[IFNAMSIZ];

	for (struct vx_seg *s = v->segs; s; s = s->next)
		if (!strcmp(vx_seg_ifname(s, buf), ifname))
			return s;
	return NULL;
}

uint32_t vx_reserved_vni(const char *name)
{
	const char *d = name + 5;
	unsigned long vni;
	char *end;

	/* Only the default's own spelling: "vxlan0100" is no segment's name. */
	if (strncmp(name, "vxlan", 5) || !isdigit((unsigned char)*d) || *d == '0' || strlen(d) > 8)
		return 0;
	vni = strtoul(d, &end, 10);
	return *end || vni > VX_VNI_MAX ? 0 : (uint32_t)vni;
}

static bool vx_is_member(const struct vx_bridge *b, const char *name)
{
	for (size_t i = 0; i < b->nmembers; i++)
		if (!strcmp(b->members[i], name))
			return true;
	return false;
}

/* Each kind of name is checked against every other kind it may not share
 * with, in both directions, so that whatever state the prompt lets one
 * reach re-applies line by line in any order: `write memory` round trips. */
const char *vx_name_user(struct vxland *v, const char *name, unsigned what,
			 const struct vx_seg *self, const struct vx_bridge *self_br, char *out,
			 size_t size)
{
	char buf[IFNAMSIZ];

	for (struct vx_seg *s = v->segs; s; s = s->next) {
		if ((what & VX_USE_DEV) && s != self && !strcmp(vx_seg_ifname(s, buf), name)) {
			snprintf(out, size, "the device of vxlan %u", s->vni);
			return out;
		}
		if ((what & VX_USE_UNDERLAY) && !strcmp(s->underlay, name)) {
			snprintf(out, size, "the underlay of vxlan %u", s->vni);
			return out;
		}
	}
	for (struct vx_bridge *b = v->brs; b; b = b->next) {
		if ((what & VX_USE_BRIDGE) && b != self_br && !strcmp(b->name, name)) {
			snprintf(out, size, "bridge %s", b->name);
			return out;
		}
		if ((what & VX_USE_MEMBER) && b != self_br && vx_is_member(b, name)) {
			snprintf(out, size, "a member of bridge %s", b->name);
			return out;
		}
	}
	return NULL;
}

struct vx_iface *vx_iface_get(struct vxland *v, const char *name)
{
	for (struct vx_iface *i = v->ifaces; i; i = i->next)
		if (!strcmp(i->name, name))
			return i;
	return NULL;
}

uint32_t vx_seg_mtu(struct vxland *v, const struct vx_seg *s, char *why, size_t size)
{
	const struct vx_iface *u;
	bool v6 = s->local.family == AF_INET6 || s->remote.family == AF_INET6 ||
		  s->group.family == AF_INET6 || (s->nflood && s->flood[0].family == AF_INET6);
	uint32_t over = v6 ? VX_OVERHEAD_V6 : VX_OVERHEAD_V4;

	if (s->mtu) {
		snprintf(why, size, "configured");
		return s->mtu;
	}
	if (!s->underlay[0]) {
		/* What the kernel gives a VXLAN device without a lower device, so
		 * that `no mtu` puts it back. */
		snprintf(why, size, "kernel default");
		return VX_MTU_DEFAULT;
	}
	u = vx_iface_get(v, s->underlay);
	if (!u || u->mtu <= over + 68) {
		snprintf(why, size, "kernel default");
		return 0;
	}
	snprintf(why, size, "%s %u - %u", u->name, u->mtu, over);
	return u->mtu - over;
}

static uint32_t vx_mac_hash(const uint8_t *m)
{
	uint32_t h = kld_hash_block(0, (uint32_t)m[0] << 24 | (uint32_t)m[1] << 16 |
					       (uint32_t)m[2] << 8 | m[3]);

	return kld_hash_final(kld_hash_block(h, (uint32_t)m[4] << 8 | m[5]));
}

static void vx_mac_index(struct vx_seg *s)
{
	free(s->mac_ht);
	s->mac_ht_cap = 64;
	while (s->mac_ht_cap < 2 * s->macs_cap)
		s->mac_ht_cap *= 2;
	s->mac_ht = kld_xcalloc(s->mac_ht_cap, sizeof(*s->mac_ht));
	for (size_t i = 0; i < s->nmacs; i++) {
		size_t j = vx_mac_hash(s->macs[i].mac) & (s->mac_ht_cap - 1);

		while (s->mac_ht[j])
			j = (j + 1) & (s->mac_ht_cap - 1);
		s->mac_ht[j] = (uint32_t)i + 1;
	}
}

long vx_mac_find(const struct vx_seg *s, const uint8_t mac[6])
{
	if (!s->mac_ht)
		return -1;
	for (size_t j = vx_mac_hash(mac) & (s->mac_ht_cap - 1); s->mac_ht[j];
	     j = (j + 1) & (s->mac_ht_cap - 1))
		if (!memcmp(s->macs[s->mac_ht[j] - 1].mac, mac, 6))
			return (long)s->mac_ht[j] - 1;
	return -1;
}

void vx_mac_put(struct vx_seg *s, const uint8_t mac[6], const struct kld_addr *dst)
{
	long i = vx_mac_find(s, mac);

	if (i >= 0) {
		s->macs[i].dst = *dst;
		return;
	}
	if (s->nmacs == s->macs_cap) {
		s->macs_cap = s->macs_cap ? 2 * s->macs_cap : 16;
		s->macs = kld_xrealloc(s->macs, s->macs_cap * sizeof(*s->macs));
	}
	memcpy(s->macs[s->nmacs].mac, mac, 6);
	s->macs[s->nmacs++].dst = *dst;
	if (!s->mac_ht || s->mac_ht_cap < 2 * s->macs_cap) {
		vx_mac_index(s);
		return;
	}
	i = (long)(vx_mac_hash(mac) & (s->mac_ht_cap - 1));
	while (s->mac_ht[i])
		i = (long)(((size_t)i + 1) & (s->mac_ht_cap - 1));
	s->mac_ht[i] = (uint32_t)s->nmacs;
}

void vx_mac_del(struct vx_seg *s, size_t i)
{
	s->macs[i] = s->macs[--s->nmacs];
	vx_mac_index(s); /* rare: rebuilt */
}

int vx_mac_parse(const char *s, uint8_t mac[6])
{
	unsigned int b[6];
	char tail;

	if (strlen(s) != 17)
		return -1;
	for (int i = 0; i < 17; i++) {
		if (i % 3 == 2 ? s[i] != ':' : !isxdigit((unsigned char)s[i]))
			return -1;
	}
	if (sscanf(s, "%2x:%2x:%2x:%2x:%2x:%2x%c", &b[0], &b[1], &b[2], &b[3], &b[4], &b[5],
		   &tail) != 6)
		return -1;
	for (int i = 0; i < 6; i++)
		mac[i] = (uint8_t)b[i];
	return 0;
}

const char *vx_mac_fmt(const uint8_t m[6], char *buf)
{
	snprintf(buf, 18, "%02x:%02x:%02x:%02x:%02x:%02x", m[0], m[1], m[2], m[3], m[4], m[5]);
	return buf;
}

static bool vx_addr_in(const struct kld_addr *list, size_t n, const struct kld_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (kld_addr_eq(&list[i], a))
			return true;
	return false;
}

size_t vx_seg_flood(struct vxland *v, const struct vx_seg *s, struct kld_addr **out)
{
	const struct vx_mesh *m = NULL;
	size_t n = 0;
	struct kld_addr *a;

	for (const struct vx_mesh *x = v->meshes; s->flood_mesh[0] && x; x = x->next)
		if (!strcmp(x->name, s->flood_mesh))
			m = x;
	a = kld_xcalloc(s->nflood + (m ? m->npeers : 0) + 1, sizeof(*a));
	for (size_t i = 0; i < s->nflood; i++)
		a[n++] = s->flood[i];
	for (size_t i = 0; m && i < m->npeers; i++) {
		const struct kld_addr *p = &m->peers[i];
		uint8_t fam = s->local.family ? s->local.family : n ? a[0].family : p->family;

		if (p->family == fam && !kld_addr_eq(p, &s->local) && !vx_addr_in(a, n, p))
			a[n++] = *p;
	}
	*out = a;
	return n;
}

void vx_meshes_free(struct vxland *v)
{
	while (v->meshes) {
		struct vx_mesh *m = v->meshes;

		v->meshes = m->next;
		free(m->peers);
		free(m);
	}
}

void vx_free_all(struct vxland *v)
{
	vx_meshes_free(v);
	while (v->segs) {
		struct vx_seg *s = v->segs;

		v->segs = s->next;
		vx_seg_free(s);
	}
	while (v->brs) {
		struct vx_bridge *b = v->brs;

		v->brs = b->next;
		vx_bridge_free(b);
	}
	while (v->ifaces) {
		struct vx_iface *i = v->ifaces;

		v->ifaces = i->next;
		free(i);
	}
}
