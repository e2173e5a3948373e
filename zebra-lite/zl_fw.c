/*
 * The firewall dataplane (doc/fwd.md): zebra-lite loads the BPF program
 * of zebra-lite/bpf/fw.bpf.c, attaches it to the interfaces fwd's rule
 * set names and writes the maps; fwd never touches BPF.
 *
 * Restarts leave filtering in place: the maps and one BPF link per
 * interface are pinned in bpffs (ZL_FW_PIN). A new zebra-lite reuses the
 * pinned maps (libbpf's pin-by-name), opens the pinned links and moves
 * them to its own copy of the program in one atomic link update, so no
 * packet ever meets an interface without a program.
 *
 * A rule set is written under the generation that is not live, then made
 * live by one write of fw_active: the program reads that once per packet
 * and no packet is judged by half a rule set. The old generation's entries
 * are removed when the next set is written (by then no program run can
 * still be using them: an XDP run lasts microseconds).
 */
#include <errno.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include "bpf/fw.skel.h"
#include "fw_set.h"
#include "log.h"
#include "util.h"
#include "zl.h"

#define ZL_FW_BPFFS "/sys/fs/bpf"
#define ZL_FW_PIN ZL_FW_BPFFS "/kldnet"
#define ZL_FW_BPF_MAGIC 0xcafe4a11
#define ZL_FW_MAX_WG 64

struct zl_fw_link {
	uint32_t ifindex;
	char ifname[IF_NAMESIZE];
	struct bpf_link *link;
	struct zl_fw_link *next;
};

struct zl_fw {
	struct zl *zl;
	struct fw_bpf *skel;
	char err[256];        /* why there is no dataplane */
	uint32_t gen;         /* live generation */
	bool have_set;
	struct fw_set set;    /* the live rule set */
	struct zl_fw_link *links;
	uint16_t wg_ports[ZL_FW_MAX_WG];
	size_t nwg;
	struct kld_timer *reapply;
	bool ct_on;           /* conntrack tracks this namespace */
	bool tried;           /* zl_fw_load() was called */
	const char *pins_volatile; /* why the pins die with us, or "" */
};

static struct zl_fw *zl_fw_of(struct zl *zl)
{
	return zl->fw;
}

/* ---- bpffs and loading ---- */

/* Why pins in a bpffs zebra-lite mounted itself do not outlive it. */
#define ZL_FW_PINS_VOLATILE                                                             \
	"zebra-lite mounted bpffs itself, in a mount namespace that may die with it "  \
	"(ip netns exec makes one per command): a restart of zebra-lite takes XDP off " \
	"and loses the pins; mount bpffs at " ZL_FW_BPFFS " in a persistent mount "     \
	"namespace (systemd does; with ip netns exec, run zebra-lite under nsenter "    \
	"--mount=FILE of an unshare --mount=FILE namespace holding bpffs)"

/* 0: bpffs was there; 1: mounted it just now; -errno. */
static int zl_fw_bpffs(void)
{
	struct statfs st;

	if (statfs(ZL_FW_BPFFS, &st) == 0 && (unsigned long)st.f_type == ZL_FW_BPF_MAGIC)
		return 0;
	/* Where nobody mounted it (a namespace of its own), as bpftool does;
	 * said loudly, as what is pinned there lives only as long as this
	 * mount namespace. */
	if (mount("bpf", ZL_FW_BPFFS, "bpf", 0, "mode=0700") < 0)
		return -errno;
	return 1;
}

static int zl_fw_load(struct zl_fw *f)
{
	LIBBPF_OPTS(bpf_object_open_opts, opts, .pin_root_path = ZL_FW_PIN);
	uint32_t zero = 0;
	int ret;

	ret = zl_fw_bpffs();
	if (ret < 0)
		return snprintf(f->err, sizeof(f->err), "cannot mount bpffs: %s", strerror(-ret)), -1;
	if (ret == 1) {
		f->pins_volatile = ZL_FW_PINS_VOLATILE;
		kld_warn("firewall: pins will not survive a restart: %s", f->pins_volatile);
	}
	if (mkdir(ZL_FW_PIN, 0700) < 0 && errno != EEXIST)
		return snprintf(f->err, sizeof(f->err), "%s: %m", ZL_FW_PIN), -1;
	f->skel = fw_bpf__open_opts(&opts);
	if (!f->skel)
		return snprintf(f->err, sizeof(f->err), "cannot open the BPF object: %m"), -1;
	ret = fw_bpf__load(f->skel);
	if (ret < 0) {
		snprintf(f->err, sizeof(f->err), "cannot load the BPF program: %s", strerror(-ret));
		fw_bpf__destroy(f->skel);
		f->skel = NULL;
		return -1;
	}
	/* Pinned maps were reused: the live generation is what they say. */
	bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.fw_active), &zero, &f->gen);
	f->gen &= 1;
	return 0;
}

static void zl_fw_adopt(struct zl_fw *f);

/* Load (once) and adopt what is pinned; 0 when the dataplane is there. */
static int zl_fw_start(struct zl_fw *f)
{
	if (f->skel)
		return 0;
	if (f->tried)
		return -1;
	f->tried = true;
	/* A machine without BPF still runs zebra-lite; fwd hears why. */
	if (zl_fw_load(f) < 0) {
		kld_warn("firewall: no dataplane: %s", f->err);
		return -1;
	}
	zl_fw_adopt(f);
	kld_info("firewall: program loaded, generation %u live, %s", f->gen,
		 f->links ? "links adopted" : "no links yet");
	return 0;
}

/* ---- links ---- */

static void zl_fw_link_path(uint32_t ifindex, char *buf, size_t size)
{
	snprintf(buf, size, ZL_FW_PIN "/xdp_%u", ifindex);
}

static struct zl_fw_link *zl_fw_link_find(struct zl_fw *f, uint32_t ifindex)
{
	for (struct zl_fw_link *l = f->links; l; l = l->next)
		if (l->ifindex == ifindex)
			return l;
	return NULL;
}

static struct zl_fw_link *zl_fw_link_add(struct zl_fw *f, uint32_t ifindex, struct bpf_link *bl)
{
	struct zl_fw_link *l = kld_xcalloc(1, sizeof(*l));
	struct zl_iface *ifp = zl_iface_by_index(f->zl, ifindex);

	l->ifindex = ifindex;
	l->link = bl;
	snprintf(l->ifname, sizeof(l->ifname), "%s", ifp ? ifp->name : "?");
	l->next = f->links;
	f->links = l;
	return l;
}

/* Links a previous zebra-lite pinned: moved to our program, atomically. */
static void zl_fw_adopt(struct zl_fw *f)
{
	DIR *d = opendir(ZL_FW_PIN);
	struct dirent *e;

	if (!d)
		return;
	while ((e = readdir(d))) {
		char path[PATH_MAX];
		struct bpf_link *bl;
		unsigned ifindex;

		if (sscanf(e->d_name, "xdp_%u", &ifindex) != 1)
			continue;
		snprintf(path, sizeof(path), ZL_FW_PIN "/%s", e->d_name);
		bl = bpf_link__open(path);
		if (!bl) {
			kld_warn("firewall: cannot open %s: %m", path);
			continue;
		}
		if (bpf_link__update_program(bl, f->skel->progs.kld_fw) < 0) {
			/* The interface went while we were away: the link is
			 * defunct. */
			kld_info("firewall: %s is defunct, removed", path);
			bpf_link__unpin(bl);
			bpf_link__destroy(bl);
			continue;
		}
		zl_fw_link_add(f, ifindex, bl);
		kld_info("firewall: adopted the program on ifindex %u", ifindex);
	}
	closedir(d);
}

static int zl_fw_attach(struct zl_fw *f, uint32_t ifindex, char *err, size_t errlen)
{
	char path[PATH_MAX];
	struct bpf_link *bl;
	int ret;

	if (zl_fw_link_find(f, ifindex))
		return 0;
	/* No mode flag: the kernel takes the driver's XDP where it has
	 * one and generic XDP otherwise; show reports which. */
	bl = bpf_program__attach_xdp(f->skel->progs.kld_fw, (int)ifindex);
	if (!bl) {
		ret = -errno;
		snprintf(err, errlen, "cannot attach XDP to ifindex %u: %s%s", ifindex,
			 strerror(-ret), ret == -EBUSY || ret == -EEXIST ?
			 " (another XDP program is attached; see doc/fwd.md)" : "");
		return -1;
	}
	zl_fw_link_path(ifindex, path, sizeof(path));
	unlink(path);
	if (bpf_link__pin(bl, path) < 0)
		kld_warn("firewall: cannot pin %s: %m (filtering stops with zebra-lite)", path);
	zl_fw_link_add(f, ifindex, bl);
	kld_info("firewall: attached to ifindex %u", ifindex);
	return 0;
}

static void zl_fw_detach(struct zl_fw *f, struct zl_fw_link *l)
{
	bpf_link__unpin(l->link);
	bpf_link__destroy(l->link);
	kld_info("firewall: detached from %s (ifindex %u)", l->ifname, l->ifindex);
	free(l);
}

/* ---- map writing ---- */

/* Remove every entry of generation gen from one map; genof reads a key. */
static int zl_fw_clear_map(int fd, size_t ksize, uint32_t gen, uint32_t (*genof)(const void *))
{
	size_t cap = 1024, n = 0;
	uint8_t *keys = kld_xmalloc(cap * ksize), *prev = NULL;
	uint8_t key[64];

	while (bpf_map_get_next_key(fd, prev, key) == 0) {
		if (genof(key) == gen) {
			if (n == cap) {
				cap *= 2;
				keys = kld_xrealloc(keys, cap * ksize);
			}
			memcpy(keys + n * ksize, key, ksize);
			n++;
		}
		prev = prev ? prev : kld_xmalloc(ksize);
		memcpy(prev, key, ksize);
	}
	for (size_t i = 0; i < n; i++)
		bpf_map_delete_elem(fd, keys + i * ksize);
	free(keys);
	free(prev);
	return 0;
}

static uint32_t zl_fw_gen_iface(const void *k)
{
	return ((const struct fw_iface_key *)k)->gen;
}

static uint32_t zl_fw_gen_port(const void *k)
{
	return ((const struct fw_port_key *)k)->gen;
}

static uint32_t zl_fw_gen_lpm4(const void *k)
{
	return ((const struct fw_lpm4_key *)k)->gen;
}

static uint32_t zl_fw_gen_lpm6(const void *k)
{
	return ((const struct fw_lpm6_key *)k)->gen;
}

static uint32_t zl_fw_gen_host4(const void *k)
{
	return ((const struct fw_host4_key *)k)->gen;
}

static uint32_t zl_fw_gen_host6(const void *k)
{
	return ((const struct fw_host6_key *)k)->gen;
}

static void zl_fw_clear_gen(struct zl_fw *f, uint32_t gen)
{
	struct fw_bpf *s = f->skel;

	zl_fw_clear_map(bpf_map__fd(s->maps.fw_iface), sizeof(struct fw_iface_key), gen,
			zl_fw_gen_iface);
	zl_fw_clear_map(bpf_map__fd(s->maps.fw_port), sizeof(struct fw_port_key), gen,
			zl_fw_gen_port);
	zl_fw_clear_map(bpf_map__fd(s->maps.fw_src4), sizeof(struct fw_lpm4_key), gen,
			zl_fw_gen_lpm4);
	zl_fw_clear_map(bpf_map__fd(s->maps.fw_src6), sizeof(struct fw_lpm6_key), gen,
			zl_fw_gen_lpm6);
	zl_fw_clear_map(bpf_map__fd(s->maps.fw_host4), sizeof(struct fw_host4_key), gen,
			zl_fw_gen_host4);
	zl_fw_clear_map(bpf_map__fd(s->maps.fw_host6), sizeof(struct fw_host6_key), gen,
			zl_fw_gen_host6);
}

static int zl_fw_put_port(struct zl_fw *f, uint32_t gen, const struct fw_set_port *p)
{
	struct fw_port_key k = { .gen = gen, .zone = p->zone, .proto = p->proto, .port = p->port };

	return bpf_map_update_elem(bpf_map__fd(f->skel->maps.fw_port), &k, &p->v, BPF_ANY);
}

/* Which source map holds a prefix: a host hash or a trie. */
enum zl_fw_src_map { ZL_FW_HOST4, ZL_FW_NET4, ZL_FW_HOST6, ZL_FW_NET6 };

static enum zl_fw_src_map zl_fw_src_map(const struct fw_set_prefix *p)
{
	if (p->family == AF_INET)
		return p->len == 32 ? ZL_FW_HOST4 : ZL_FW_NET4;
	return p->len == 128 ? ZL_FW_HOST6 : ZL_FW_NET6;
}

/* The zones' flags for the source maps they need (lib/fw_map.h): a zone
 * without a /32 skips the hash, one without a shorter prefix the trie. */
static void zl_fw_src_flags(const struct fw_set *s, uint32_t flags[FW_MAX_ZONES])
{
	static const uint32_t set[ZL_FW_NET6 + 1] = {
		[ZL_FW_HOST4] = FW_ZF_HOST4, [ZL_FW_HOST6] = FW_ZF_HOST6,
	};
	static const uint32_t clear[ZL_FW_NET6 + 1] = {
		[ZL_FW_NET4] = FW_ZF_NONET4, [ZL_FW_NET6] = FW_ZF_NONET6,
	};

	for (size_t i = 0; i < FW_MAX_ZONES; i++)
		flags[i] = FW_ZF_NONET4 | FW_ZF_NONET6;
	for (size_t i = 0; i < s->nprefixes; i++) {
		enum zl_fw_src_map m = zl_fw_src_map(&s->prefixes[i]);
		uint32_t *zf = &flags[s->prefixes[i].zone % FW_MAX_ZONES]; /* checked by fw_set.c */

		*zf = (*zf | set[m]) & ~clear[m];
	}
}

/* Host prefixes go to the hashes, the others to the tries. */
static int zl_fw_put_prefix(struct zl_fw *f, uint32_t gen, const struct fw_set_prefix *p)
{
	struct fw_bpf *s = f->skel;
	struct fw_host4_key h = { .gen = (uint8_t)gen, .zone = p->zone };
	struct fw_host6_key h6 = { .gen = (uint8_t)gen, .zone = p->zone };
	struct fw_lpm4_key k = { .prefixlen = FW_LPM_HDR_BITS + p->len, .gen = (uint8_t)gen,
				 .zone = p->zone };
	struct fw_lpm6_key k6 = { .prefixlen = FW_LPM_HDR_BITS + p->len, .gen = (uint8_t)gen,
				  .zone = p->zone };

	switch (zl_fw_src_map(p)) {
	case ZL_FW_HOST4:
		memcpy(h.addr, p->addr, 4);
		return bpf_map_update_elem(bpf_map__fd(s->maps.fw_host4), &h, &p->v, BPF_ANY);
	case ZL_FW_NET4:
		memcpy(k.addr, p->addr, 4);
		return bpf_map_update_elem(bpf_map__fd(s->maps.fw_src4), &k, &p->v, BPF_ANY);
	case ZL_FW_HOST6:
		memcpy(h6.addr, p->addr, 16);
		return bpf_map_update_elem(bpf_map__fd(s->maps.fw_host6), &h6, &p->v, BPF_ANY);
	default:
		memcpy(k6.addr, p->addr, 16);
		return bpf_map_update_elem(bpf_map__fd(s->maps.fw_src6), &k6, &p->v, BPF_ANY);
	}
}

/* Stealth zones: the WireGuard listen ports, whatever the set says. */
static int zl_fw_put_stealth(struct zl_fw *f, uint32_t gen, const struct fw_set *s, size_t *n)
{
	for (size_t i = 0; i < s->nifaces; i++) {
		const struct fw_set_iface *fi = &s->ifaces[i];

		if (!(fi->zone.flags & FW_ZF_STEALTH))
			continue;
		for (size_t j = 0; j < f->nwg; j++) {
			struct fw_set_port p = { .zone = (uint16_t)fi->zone.zone, .proto = 17,
						 .port = f->wg_ports[j],
						 .v = { FW_ACT_PASS, fi->stealth_rule } };

			if (zl_fw_put_port(f, gen, &p) < 0)
				return -1;
			(*n)++;
		}
	}
	return 0;
}

/* Devices whose packets start at the IP header (no Ethernet). */
static bool zl_fw_l3_device(const struct zl_iface *ifp)
{
	static const uint8_t zero[6];

	return !strcmp(ifp->kind, "wireguard") || !strcmp(ifp->kind, "tun") ||
	       !strcmp(ifp->kind, "ipip") || !strcmp(ifp->kind, "sit") ||
	       (strcmp(ifp->name, "lo") && !memcmp(ifp->mac, zero, sizeof(zero)));
}

static int zl_fw_write(struct zl_fw *f, uint32_t gen, const struct fw_set *s, size_t *n,
		       char *err, size_t errlen)
{
	int ifd = bpf_map__fd(f->skel->maps.fw_iface);
	uint32_t zflags[FW_MAX_ZONES];
	struct fw_zone z;

	zl_fw_src_flags(s, zflags);
	for (size_t i = 0; i < s->nifaces; i++) {
		struct zl_iface *ifp = zl_iface_by_name(f->zl, s->ifaces[i].ifname);
		struct fw_iface_key k = { .gen = gen };

		if (!ifp)
			continue; /* attached when it appears */
		k.ifindex = ifp->ifindex;
		z = s->ifaces[i].zone;
		z.flags |= zflags[z.zone % FW_MAX_ZONES];
		if (zl_fw_l3_device(ifp))
			z.flags |= FW_ZF_L3;
		if (bpf_map_update_elem(ifd, &k, &z, BPF_ANY) < 0)
			goto fail;
		(*n)++;
	}
	for (size_t i = 0; i < s->nports; i++, (*n)++)
		if (zl_fw_put_port(f, gen, &s->ports[i]) < 0)
			goto fail;
	for (size_t i = 0; i < s->nprefixes; i++, (*n)++)
		if (zl_fw_put_prefix(f, gen, &s->prefixes[i]) < 0)
			goto fail;
	if (zl_fw_put_stealth(f, gen, s, n) < 0)
		goto fail;
	return 0;
fail:
	snprintf(err, errlen, "cannot write the maps: %m");
	return -1;
}

static bool zl_fw_set_has(const struct fw_set *s, uint32_t ifindex, struct zl *zl)
{
	for (size_t i = 0; i < s->nifaces; i++) {
		struct zl_iface *ifp = zl_iface_by_name(zl, s->ifaces[i].ifname);

		if (ifp && ifp->ifindex == ifindex)
			return true;
	}
	return false;
}

static int zl_fw_attach_all(struct zl_fw *f, const struct fw_set *s, char *err, size_t errlen)
{
	for (size_t i = 0; i < s->nifaces; i++) {
		struct zl_iface *ifp = zl_iface_by_name(f->zl, s->ifaces[i].ifname);

		if (ifp && zl_fw_attach(f, ifp->ifindex, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Programs on interfaces the live set no longer names go away. */
static void zl_fw_detach_unused(struct zl_fw *f)
{
	for (struct zl_fw_link **pp = &f->links; *pp;) {
		struct zl_fw_link *l = *pp;

		if (zl_fw_set_has(&f->set, l->ifindex, f->zl) &&
		    zl_iface_by_index(f->zl, l->ifindex)) {
			pp = &l->next;
			continue;
		}
		*pp = l->next;
		zl_fw_detach(f, l);
	}
}

/* Write s beside the live set and make it live; on failure nothing
 * changed for any packet. Takes s on success. */
static int zl_fw_apply(struct zl_fw *f, struct fw_set *s, size_t *entries, char *err,
		       size_t errlen)
{
	uint32_t next = f->gen ^ 1, zero = 0;

	*entries = 0;
	if (!f->skel && !s->nifaces) {
		fw_set_free(&f->set); /* nothing to filter, nothing loaded */
		f->set = *s;
		f->have_set = true;
		memset(s, 0, sizeof(*s));
		return 0;
	}
	if (zl_fw_start(f) < 0)
		return snprintf(err, errlen, "%s", f->err), -1;
	zl_fw_clear_gen(f, next);
	if (zl_fw_write(f, next, s, entries, err, errlen) < 0 ||
	    zl_fw_attach_all(f, s, err, errlen) < 0) {
		zl_fw_clear_gen(f, next);
		zl_fw_detach_unused(f); /* attached just now for s: not live */
		return -1;
	}
	if (bpf_map_update_elem(bpf_map__fd(f->skel->maps.fw_active), &zero, &next, BPF_ANY) < 0) {
		snprintf(err, errlen, "cannot switch the live rule set: %m");
		zl_fw_clear_gen(f, next);
		return -1;
	}
	f->gen = next;
	fw_set_free(&f->set);
	f->set = *s;
	f->have_set = true;
	memset(s, 0, sizeof(*s));
	zl_fw_detach_unused(f);
	return 0;
}

/* The live set again (an interface came or went, a WireGuard port moved). */
static void zl_fw_reapply(void *arg)
{
	struct zl_fw *f = arg;
	struct fw_set copy = { 0 };
	char err[256];
	size_t n;

	if (!f->have_set || !f->skel)
		return;
	copy.nifaces = f->set.nifaces;
	copy.ifaces = kld_xcalloc(copy.nifaces + 1, sizeof(*copy.ifaces));
	memcpy(copy.ifaces, f->set.ifaces, copy.nifaces * sizeof(*copy.ifaces));
	copy.nports = f->set.nports;
	copy.ports = kld_xcalloc(copy.nports + 1, sizeof(*copy.ports));
	memcpy(copy.ports, f->set.ports, copy.nports * sizeof(*copy.ports));
	copy.nprefixes = f->set.nprefixes;
	copy.prefixes = kld_xcalloc(copy.nprefixes + 1, sizeof(*copy.prefixes));
	memcpy(copy.prefixes, f->set.prefixes, copy.nprefixes * sizeof(*copy.prefixes));
	if (zl_fw_apply(f, &copy, &n, err, sizeof(err)) < 0) {
		kld_warn("firewall: cannot apply the rule set again: %s", err);
		fw_set_free(&copy);
	}
}

static void zl_fw_schedule(struct zl_fw *f)
{
	if (f->reapply && !kld_timer_pending(f->reapply))
		kld_timer_arm(f->reapply, 10);
}

static void zl_fw_iface_event(struct zl *zl, const char *ifname)
{
	struct zl_fw *f = zl_fw_of(zl);

	if (!f || !f->have_set)
		return;
	for (size_t i = 0; i < f->set.nifaces; i++)
		if (!strcmp(f->set.ifaces[i].ifname, ifname))
			zl_fw_schedule(f);
}

static bool zl_fw_wg_read(struct zl_fw *f)
{
	uint16_t ports[ZL_FW_MAX_WG];
	size_t n = zl_wg_listen_ports(f->zl, ports, ZL_FW_MAX_WG);
	bool changed = n != f->nwg || memcmp(ports, f->wg_ports, n * sizeof(*ports));

	memcpy(f->wg_ports, ports, n * sizeof(*ports));
	f->nwg = n;
	return changed;
}

static void zl_fw_wg_changed(struct zl *zl)
{
	struct zl_fw *f = zl_fw_of(zl);

	if (f && f->skel && zl_fw_wg_read(f))
		zl_fw_schedule(f);
}

/* ---- conntrack ---- */

/* Replies are recognised through the kernel's conntrack, which tracks a
 * namespace only once a ruleset uses it (its hooks are registered on
 * demand). One nftables rule that matches on ct state makes it track;
 * the table is ours alone and filters nothing. */
#define ZL_FW_NFT "table inet kldnet_ct\n" \
	"delete table inet kldnet_ct\n" \
	"table inet kldnet_ct {\n" \
	" chain out { type filter hook output priority -300; policy accept; ct state new counter; }\n" \
	"}\n"

static void zl_fw_conntrack_on(struct zl_fw *f)
{
	FILE *p;
	int rc;

	if (f->ct_on)
		return;
	p = popen("nft -f - 2>&1", "w");
	if (!p) {
		kld_warn("firewall: cannot run nft: %m; replies of the host's own connections "
			 "are judged as new packets");
		return;
	}
	fputs(ZL_FW_NFT, p);
	rc = pclose(p);
	if (rc != 0) {
		kld_warn("firewall: nft failed (%d): replies of the host's own connections are "
			 "judged as new packets", rc);
		return;
	}
	f->ct_on = true;
}

/* ---- messages ---- */

static void zl_fw_result(struct kld_ipc_conn *c, uint32_t seq, int error, const char *reason,
			 uint32_t gen, size_t entries, uint64_t usec)
{
	Kld__Envelope out = KLD__ENVELOPE__INIT;
	Kld__FwResult r = KLD__FW_RESULT__INIT;

	r.error = error;
	r.reason = (char *)reason;
	r.generation = gen;
	r.entries = (uint32_t)entries;
	r.apply_usec = usec;
	out.seq = seq;
	out.body_case = KLD__ENVELOPE__BODY_FW_RESULT;
	out.fw_result = &r;
	kld_ipc_send(c, &out);
}

/* CLOCK_MONOTONIC, the clock of bpf_ktime_get_ns() (drop samples). */
static uint64_t zl_fw_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static uint64_t zl_fw_usec(void)
{
	return zl_fw_now_ns() / 1000;
}

/* After a switch: every id whose rule is not the one it counted for
 * (fwd restarted on another file, a rule removed, a hash collision
 * resolved the other way) starts from zero, and its older drop samples
 * are no longer shown. The fingerprints are pinned (fw_rule_fp), so this
 * holds across restarts of zebra-lite too. A packet judged by the old
 * generation in the microseconds around the switch may still be counted
 * after the zeroing. */
static void zl_fw_rules_owned(struct zl_fw *f, const uint64_t *fp)
{
	int fd = bpf_map__fd(f->skel->maps.fw_rule_fp);
	int cfd = bpf_map__fd(f->skel->maps.fw_rule_cnt), ncpu = libbpf_num_possible_cpus();
	struct fw_counter *zero = kld_xcalloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*zero));
	struct fw_rule_fp *vals = kld_xcalloc(FW_MAX_RULES, sizeof(*vals));
	uint64_t *old = kld_xcalloc(FW_MAX_RULES, sizeof(*old));
	uint32_t *keys = kld_xcalloc(FW_MAX_RULES, sizeof(*keys)), count = FW_MAX_RULES, batch;
	uint64_t now = zl_fw_now_ns();
	size_t changed = 0;

	/* One syscall for the whole array; an id it did not return reads as
	 * unowned (0), which only costs that id its counter. */
	bpf_map_lookup_batch(fd, NULL, &batch, keys, vals, &count, NULL);
	for (uint32_t i = 0; i < count && i < FW_MAX_RULES; i++)
		if (keys[i] < FW_MAX_RULES)
			old[keys[i]] = vals[i].fp;
	for (uint32_t id = 1; id < FW_MAX_RULES; id++) {
		struct fw_rule_fp nv = { .fp = fp[id], .since_ns = now };

		if (old[id] == fp[id])
			continue;
		bpf_map_update_elem(cfd, &id, zero, BPF_ANY);
		bpf_map_update_elem(fd, &id, &nv, BPF_ANY);
		changed++;
	}
	if (changed)
		kld_debug("firewall: %zu rule id(s) changed owner, their counters start at 0", changed);
	free(zero);
	free(vals);
	free(old);
	free(keys);
}

static void zl_fw_handle_set(struct zl_fw *f, struct kld_ipc_conn *c, const Kld__Envelope *env)
{
	uint64_t t0 = zl_fw_usec();
	struct fw_set s;
	uint64_t *fp;
	char err[256];
	size_t n = 0;

	if (fw_set_from_msg(env->fw_rule_set, &s, err, sizeof(err)) < 0) {
		kld_warn("firewall: rule set refused: %s", err);
		zl_fw_result(c, env->seq, -EINVAL, err, f->gen, 0, 0);
		return;
	}
	zl_fw_wg_read(f);
	if (s.nifaces)
		zl_fw_conntrack_on(f);
	if (zl_fw_apply(f, &s, &n, err, sizeof(err)) < 0) {
		kld_warn("firewall: rule set not applied: %s", err);
		fw_set_free(&s);
		zl_fw_result(c, env->seq, -EIO, err, f->gen, 0, 0);
		return;
	}
	if (f->skel) {
		fp = kld_xcalloc(FW_MAX_RULES, sizeof(*fp));
		fw_set_fingerprints(env->fw_rule_set, fp);
		zl_fw_rules_owned(f, fp);
		free(fp);
	}
	kld_info("firewall: generation %u live, %zu entries, %zu interface(s)", f->gen, n,
		 f->set.nifaces);
	zl_fw_result(c, env->seq, 0, "", f->gen, n, zl_fw_usec() - t0);
}

/* Per-rule counters, summed over CPUs; zeroed when clear. Read in
 * batches: one syscall per 4096 ids, not one per id. */
#define ZL_FW_BATCH 4096

static void zl_fw_rule_add(Kld__FwRuleCounter ***out, size_t *n, size_t *cap, uint32_t id,
			   uint64_t pk, uint64_t by)
{
	Kld__FwRuleCounter *r;

	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 64;
		*out = kld_xrealloc(*out, *cap * sizeof(**out));
	}
	r = kld_xmalloc(sizeof(*r));
	kld__fw_rule_counter__init(r);
	r->rule = id;
	r->packets = pk;
	r->bytes = by;
	(*out)[(*n)++] = r;
}

static size_t zl_fw_rules_out(struct zl_fw *f, Kld__FwRuleCounter ***out, bool clear)
{
	int fd = bpf_map__fd(f->skel->maps.fw_rule_cnt), ncpu = libbpf_num_possible_cpus();
	size_t nc = (size_t)(ncpu > 0 ? ncpu : 1), n = 0, cap = 0;
	uint32_t *keys = kld_xcalloc(ZL_FW_BATCH, sizeof(*keys)), batch = 0;
	struct fw_counter *v = kld_xcalloc(ZL_FW_BATCH * nc, sizeof(*v));
	struct fw_counter *zero = kld_xcalloc(nc, sizeof(*v));
	bool first = true;

	*out = NULL;
	for (;;) {
		uint32_t count = ZL_FW_BATCH;
		int ret = bpf_map_lookup_batch(fd, first ? NULL : &batch, &batch, keys, v, &count,
					       NULL);

		first = false;
		for (uint32_t i = 0; i < count; i++) {
			uint64_t pk = 0, by = 0;

			for (size_t c = 0; c < nc; c++) {
				pk += v[i * nc + c].packets;
				by += v[i * nc + c].bytes;
			}
			if (!pk || !keys[i])
				continue;
			if (clear)
				bpf_map_update_elem(fd, &keys[i], zero, BPF_ANY);
			zl_fw_rule_add(out, &n, &cap, keys[i], pk, by);
		}
		if (ret < 0)
			break; /* -ENOENT: that was the last batch */
	}
	free(keys);
	free(v);
	free(zero);
	return n;
}

static size_t zl_fw_sources_out(struct zl_fw *f, Kld__FwSourceCounter ***out, bool clear)
{
	int fd = bpf_map__fd(f->skel->maps.fw_src_cnt);
	struct fw_src_key k, *prev = NULL, pk;
	size_t n = 0, cap = 0;
	struct fw_src_val v;

	*out = NULL;
	while (bpf_map_get_next_key(fd, prev, &k) == 0) {
		Kld__FwSourceCounter *s;
		Kld__Prefix *p;

		pk = k;
		prev = &pk;
		if (bpf_map_lookup_elem(fd, &k, &v) < 0 || (k.family != AF_INET && k.family != AF_INET6))
			continue;
		if (n == cap) {
			cap = cap ? cap * 2 : 64;
			*out = kld_xrealloc(*out, cap * sizeof(**out));
		}
		s = kld_xcalloc(1, sizeof(*s) + sizeof(*p) + 16);
		kld__fw_source_counter__init(s);
		p = (Kld__Prefix *)(s + 1);
		kld__prefix__init(p);
		p->family = k.family;
		p->len = kld_family_bits((uint8_t)k.family);
		p->addr.len = kld_family_bytes((uint8_t)k.family);
		p->addr.data = (uint8_t *)(p + 1);
		memcpy(p->addr.data, k.addr, p->addr.len);
		s->source = p;
		s->pass_packets = v.pass_packets;
		s->pass_bytes = v.pass_bytes;
		s->drop_packets = v.drop_packets;
		s->drop_bytes = v.drop_bytes;
		(*out)[n++] = s;
	}
	if (clear)
		for (size_t i = 0; i < n; i++) {
			memset(&k, 0, sizeof(k));
			k.family = (*out)[i]->source->family;
			memcpy(k.addr, (*out)[i]->source->addr.data, (*out)[i]->source->addr.len);
			bpf_map_delete_elem(fd, &k);
		}
	return n;
}

static size_t zl_fw_stats_out(struct zl_fw *f, uint64_t *stats, bool clear)
{
	int fd = bpf_map__fd(f->skel->maps.fw_stats), ncpu = libbpf_num_possible_cpus();
	uint64_t *v = kld_xcalloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*v));
	uint64_t *zero = kld_xcalloc((size_t)(ncpu > 0 ? ncpu : 1), sizeof(*v));

	for (uint32_t i = 0; i < FW_ST_MAX; i++) {
		stats[i] = 0;
		if (bpf_map_lookup_elem(fd, &i, v) < 0)
			continue;
		for (int c = 0; c < ncpu; c++)
			stats[i] += v[c];
		if (clear)
			bpf_map_update_elem(fd, &i, zero, BPF_ANY);
	}
	free(v);
	free(zero);
	return FW_ST_MAX;
}

static int zl_fw_drop_cmp(const void *a, const void *b)
{
	const struct fw_drop *x = a, *y = b;

	return x->ts_ns < y->ts_ns ? 1 : x->ts_ns > y->ts_ns ? -1 : 0;
}

static Kld__FwDrop *zl_fw_drop_msg(struct zl_fw *f, const struct fw_drop *d, uint64_t now)
{
	Kld__FwDrop *m = kld_xcalloc(1, sizeof(*m) + sizeof(Kld__Prefix) + 16);
	Kld__Prefix *p = (Kld__Prefix *)(m + 1);
	struct zl_iface *ifp = zl_iface_by_index(f->zl, d->ifindex);

	kld__fw_drop__init(m);
	kld__prefix__init(p);
	p->family = d->family;
	p->len = kld_family_bits((uint8_t)d->family);
	p->addr.len = kld_family_bytes((uint8_t)d->family);
	p->addr.data = (uint8_t *)(p + 1);
	memcpy(p->addr.data, d->src, p->addr.len);
	m->source = p;
	m->proto = d->proto;
	m->dport = d->dport;
	m->rule = d->rule;
	m->ifname = (char *)(ifp ? ifp->name : "?");
	m->age_ms = now > d->ts_ns ? (now - d->ts_ns) / 1000000 : 0;
	return m;
}

/* A sample worth showing: a dropped packet of the rule that has its id
 * now (older ones were dropped by the id's previous rule). */
static bool zl_fw_drop_current(struct zl_fw *f, const struct fw_drop *d)
{
	struct fw_rule_fp o = { 0 };
	uint32_t id = d->rule;

	if (!d->ts_ns || (d->family != AF_INET && d->family != AF_INET6))
		return false;
	if (!id || id >= FW_MAX_RULES)
		return true;
	bpf_map_lookup_elem(bpf_map__fd(f->skel->maps.fw_rule_fp), &id, &o);
	return d->ts_ns >= o.since_ns;
}

/* The newest drops of every CPU's ring, newest first. */
static size_t zl_fw_drops_out(struct zl_fw *f, Kld__FwDrop ***out, bool clear)
{
	int fd = bpf_map__fd(f->skel->maps.fw_drops), ncpu = libbpf_num_possible_cpus();
	size_t nc = (size_t)(ncpu > 0 ? ncpu : 1), n = 0;
	struct fw_drop_ring *rings = kld_xcalloc(nc, sizeof(*rings));
	struct fw_drop *all = kld_xcalloc(nc * FW_DROP_RING, sizeof(*all));
	uint32_t zero = 0;
	uint64_t now;

	*out = NULL;
	if (bpf_map_lookup_elem(fd, &zero, rings) == 0) {
		for (size_t c = 0; c < nc; c++)
			for (size_t i = 0; i < FW_DROP_RING; i++)
				if (zl_fw_drop_current(f, &rings[c].d[i]))
					all[n++] = rings[c].d[i];
	}
	qsort(all, n, sizeof(*all), zl_fw_drop_cmp);
	now = zl_fw_now_ns();
	*out = kld_xcalloc(n + 1, sizeof(**out));
	for (size_t i = 0; i < n; i++)
		(*out)[i] = zl_fw_drop_msg(f, &all[i], now);
	if (clear) {
		memset(rings, 0, nc * sizeof(*rings));
		bpf_map_update_elem(fd, &zero, rings, BPF_ANY);
	}
	free(rings);
	free(all);
	return n;
}

static const char *zl_fw_mode(uint32_t ifindex)
{
	LIBBPF_OPTS(bpf_xdp_query_opts, q);

	if (bpf_xdp_query((int)ifindex, 0, &q) < 0)
		return "unknown";
	switch (q.attach_mode) {
	case XDP_ATTACHED_DRV: return "native";
	case XDP_ATTACHED_SKB: return "generic";
	case XDP_ATTACHED_HW: return "offload";
	case XDP_ATTACHED_MULTI: return "multi";
	default: return "none";
	}
}

static size_t zl_fw_attach_out(struct zl_fw *f, Kld__FwAttachment ***out)
{
	size_t n = 0;

	for (struct zl_fw_link *l = f->links; l; l = l->next)
		n++;
	*out = kld_xcalloc(n + 1, sizeof(**out));
	n = 0;
	for (struct zl_fw_link *l = f->links; l; l = l->next) {
		Kld__FwAttachment *a = kld_xmalloc(sizeof(*a));
		struct bpf_link_info info = { 0 };
		uint32_t len = sizeof(info);
		struct zl_iface *ifp = zl_iface_by_index(f->zl, l->ifindex);

		kld__fw_attachment__init(a);
		a->ifname = kld_xstrdup(ifp ? ifp->name : l->ifname);
		a->ifindex = l->ifindex;
		a->mode = (char *)zl_fw_mode(l->ifindex);
		if (bpf_obj_get_info_by_fd(bpf_link__fd(l->link), &info, &len) == 0) {
			a->prog_id = info.prog_id;
			a->link_id = info.id;
		}
		(*out)[n++] = a;
	}
	return n;
}

static void zl_fw_handle_counters(struct zl_fw *f, struct kld_ipc_conn *c,
				  const Kld__Envelope *env)
{
	bool clear = env->fw_counters_request->clear;
	Kld__Envelope out = KLD__ENVELOPE__INIT;
	Kld__FwCounters m = KLD__FW_COUNTERS__INIT;
	uint64_t stats[FW_ST_MAX];
	uint32_t ports[ZL_FW_MAX_WG];

	if (!f->skel) {
		m.error = f->err; /* "" when nothing asked for a firewall yet */
	} else {
		m.n_rules = zl_fw_rules_out(f, &m.rules, clear);
		m.n_sources = zl_fw_sources_out(f, &m.sources, clear);
		m.n_stats = zl_fw_stats_out(f, stats, clear);
		m.stats = stats;
		m.n_attachments = zl_fw_attach_out(f, &m.attachments);
		m.n_drops = zl_fw_drops_out(f, &m.drops, clear);
		zl_fw_wg_read(f);
		for (size_t i = 0; i < f->nwg; i++)
			ports[i] = f->wg_ports[i];
		m.n_stealth_ports = f->nwg;
		m.stealth_ports = ports;
		m.generation = f->gen;
		m.pins_volatile = (char *)f->pins_volatile;
	}
	out.seq = env->seq;
	out.body_case = KLD__ENVELOPE__BODY_FW_COUNTERS;
	out.fw_counters = &m;
	kld_ipc_send(c, &out);
	for (size_t i = 0; i < m.n_rules; i++)
		free(m.rules[i]);
	for (size_t i = 0; i < m.n_sources; i++)
		free(m.sources[i]);
	for (size_t i = 0; i < m.n_attachments; i++) {
		free(m.attachments[i]->ifname);
		free(m.attachments[i]);
	}
	for (size_t i = 0; i < m.n_drops; i++)
		free(m.drops[i]);
	free(m.rules);
	free(m.sources);
	free(m.attachments);
	free(m.drops);
}

void zl_fw_handle(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct zl_fw *f = zl_fw_of(arg);

	switch (env->body_case) {
	case KLD__ENVELOPE__BODY_FW_RULE_SET:
		zl_fw_handle_set(f, c, env);
		return;
	case KLD__ENVELOPE__BODY_FW_COUNTERS_REQUEST:
		zl_fw_handle_counters(f, c, env);
		return;
	default:
		kld_ipc_close(c, "firewall message not served by zebra-lite");
		return;
	}
}

/* ---- life ---- */

int zl_fw_init(struct zl *zl)
{
	struct zl_fw *f = kld_xcalloc(1, sizeof(*f));

	zl->fw = f;
	f->zl = zl;
	f->pins_volatile = "";
	f->reapply = kld_timer_new(zl->d.loop, zl_fw_reapply, f);
	/* The rule set names interfaces; stealth follows WireGuard ports. */
	zl_iface_hook_add(zl, zl_fw_iface_event);
	zl_wg_hook_add(zl, zl_fw_wg_changed);
	/* Filtering left by an earlier zebra-lite is adopted at once; else
	 * the program is loaded with the first rule set that names an
	 * interface (a zebra-lite without a firewall never pays for it). */
	if (access(ZL_FW_PIN "/fw_active", F_OK) == 0)
		zl_fw_start(f);
	return 0;
}

/* Links and maps stay pinned: filtering goes on without us. */
void zl_fw_fini(struct zl *zl)
{
	struct zl_fw *f = zl_fw_of(zl);

	if (!f)
		return;
	while (f->links) {
		struct zl_fw_link *l = f->links;

		f->links = l->next;
		bpf_link__disconnect(l->link);
		bpf_link__destroy(l->link);
		free(l);
	}
	if (f->skel)
		fw_bpf__destroy(f->skel);
	fw_set_free(&f->set);
	kld_timer_free(f->reapply);
	free(f);
	zl->fw = NULL;
}
