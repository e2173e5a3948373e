// SPDX-License-Identifier: GPL-2.0
/*
 * kldnet's firewall dataplane: one XDP program for every interface that is
 * in a zone. Policy is data, not code: the program reads the live
 * generation once, then does a fixed number of lookups whatever the
 * number of rules (doc/fwd.md):
 *
 *   interface -> zone          hash       fw_iface
 *   source host (/32, /128)    hashes     fw_host4, fw_host6
 *   source prefix (v4, v6)     LPM tries  fw_src4, fw_src6
 *   conntrack reply            kfunc      bpf_xdp_ct_lookup
 *   (proto, destination port)  hash       fw_port
 *   zone default
 *
 * IPv6 neighbour discovery and non-IP frames (ARP) always pass: a zone
 * that drops everything must not make the host unreachable on its link.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "fw_map.h"

#define ETH_P_IP 0x0800
#define ETH_P_IPV6 0x86DD
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88A8
#define IPPROTO_ICMPV6_ 58
#define AF_INET_ 2
#define AF_INET6_ 10

#define PIN __uint(pinning, LIBBPF_PIN_BY_NAME)

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
	PIN;
} fw_active SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, 2 * FW_MAX_IFACES);
	__type(key, struct fw_iface_key);
	__type(value, struct fw_zone);
	PIN;
} fw_iface SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FW_MAX_PORTS);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fw_port_key);
	__type(value, struct fw_verdict);
	PIN;
} fw_port SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FW_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fw_lpm4_key);
	__type(value, struct fw_verdict);
	PIN;
} fw_src4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, FW_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fw_lpm6_key);
	__type(value, struct fw_verdict);
	PIN;
} fw_src6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FW_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fw_host4_key);
	__type(value, struct fw_verdict);
	PIN;
} fw_host4 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, FW_MAX_PREFIXES);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct fw_host6_key);
	__type(value, struct fw_verdict);
	PIN;
} fw_host6 SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FW_MAX_RULES);
	__type(key, __u32);
	__type(value, struct fw_counter);
	PIN;
} fw_rule_cnt SEC(".maps");

/* Read and written by zebra-lite only; pinned so that a restarted
 * zebra-lite still knows which rule each counter belongs to. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FW_MAX_RULES);
	__type(key, __u32);
	__type(value, struct fw_rule_fp);
	PIN;
} fw_rule_fp SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FW_MAX_SOURCES);
	__type(key, struct fw_src_key);
	__type(value, struct fw_src_val);
	PIN;
} fw_src_cnt SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FW_MAX_RATE);
	__type(key, struct fw_rate_key);
	__type(value, struct fw_rate_val);
	PIN;
} fw_rate SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FW_ST_MAX);
	__type(key, __u32);
	__type(value, __u64);
	PIN;
} fw_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fw_drop_ring);
	PIN;
} fw_drops SEC(".maps");

struct nf_conn *bpf_xdp_ct_lookup(struct xdp_md *, struct bpf_sock_tuple *, u32,
				  struct bpf_ct_opts *, u32) __ksym;
void bpf_ct_release(struct nf_conn *) __ksym;

/* What the parser found out about a packet. */
struct pkt {
	struct fw_src_key src;
	struct bpf_sock_tuple tuple;
	__u8 proto;
	__u8 icmp_type;
	__u8 first_frag; /* ports are present */
	__u16 dport;
	__u32 len;
	__u32 ifindex;
};

static __always_inline void stat_inc(__u32 i)
{
	__u64 *v = bpf_map_lookup_elem(&fw_stats, &i);

	if (v)
		*v += 1;
}

static __always_inline void rule_count(__u32 rule, __u32 len)
{
	struct fw_counter *c;

	if (!rule)
		return;
	c = bpf_map_lookup_elem(&fw_rule_cnt, &rule);
	if (c) {
		c->packets++;
		c->bytes += len;
	}
}

static __always_inline void src_count(const struct pkt *p, bool pass)
{
	struct fw_src_val *v = bpf_map_lookup_elem(&fw_src_cnt, &p->src);

	if (!v) {
		struct fw_src_val z = {};

		bpf_map_update_elem(&fw_src_cnt, &p->src, &z, BPF_NOEXIST);
		v = bpf_map_lookup_elem(&fw_src_cnt, &p->src);
		if (!v)
			return;
	}
	if (pass) {
		__sync_fetch_and_add(&v->pass_packets, 1);
		__sync_fetch_and_add(&v->pass_bytes, p->len);
	} else {
		__sync_fetch_and_add(&v->drop_packets, 1);
		__sync_fetch_and_add(&v->drop_bytes, p->len);
	}
}

static __always_inline int l4_ports(struct pkt *p, void *l4, void *end)
{
	if (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP) {
		__be16 *ports = l4;

		if ((void *)(ports + 2) > end)
			return -1;
		p->dport = bpf_ntohs(ports[1]);
		if (p->src.family == AF_INET_) {
			p->tuple.ipv4.sport = ports[0];
			p->tuple.ipv4.dport = ports[1];
		} else {
			p->tuple.ipv6.sport = ports[0];
			p->tuple.ipv6.dport = ports[1];
		}
		return 0;
	}
	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6_) {
		__u8 *t = l4;

		if ((void *)(t + 1) > end)
			return -1;
		p->icmp_type = *t;
	}
	return 0;
}

/* 0: parsed; 1: not IP (passes); -1: truncated (dropped). */
static __always_inline int parse(struct xdp_md *ctx, struct pkt *p, bool l3dev)
{
	void *data = (void *)(long)ctx->data, *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	void *l3 = eth + 1;
	__u16 proto;

	p->len = (__u32)(end - data);
	if (l3dev) {
		/* WireGuard and tun devices: no link header, the version
		 * nibble says which IP */
		__u8 *v = data;

		if ((void *)(v + 1) > end)
			return -1;
		l3 = data;
		proto = (*v >> 4) == 6 ? bpf_htons(ETH_P_IPV6) : bpf_htons(ETH_P_IP);
	} else {
		if (l3 > end)
			return -1;
		proto = eth->h_proto;
	}
	if (proto == bpf_htons(ETH_P_8021Q) || proto == bpf_htons(ETH_P_8021AD))
		return 1; /* tagged frames belong to the VLAN device's own zone */
	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = l3;

		if ((void *)(ip + 1) > end || ip->ihl < 5)
			return -1;
		p->src.family = AF_INET_;
		__builtin_memcpy(p->src.addr, &ip->saddr, 4);
		p->tuple.ipv4.saddr = ip->saddr;
		p->tuple.ipv4.daddr = ip->daddr;
		p->proto = ip->protocol;
		p->first_frag = !(ip->frag_off & bpf_htons(0x1fff));
		if (!p->first_frag)
			return 0;
		return l4_ports(p, (void *)ip + ip->ihl * 4, end);
	}
	if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = l3;

		if ((void *)(ip6 + 1) > end)
			return -1;
		p->src.family = AF_INET6_;
		__builtin_memcpy(p->src.addr, &ip6->saddr, 16);
		__builtin_memcpy(p->tuple.ipv6.saddr, &ip6->saddr, 16);
		__builtin_memcpy(p->tuple.ipv6.daddr, &ip6->daddr, 16);
		/* Extension headers are not walked: such packets meet the
		 * zone default (doc/fwd.md). */
		p->proto = ip6->nexthdr;
		p->first_frag = 1;
		return l4_ports(p, ip6 + 1, end);
	}
	return 1;
}

static __always_inline bool is_nd(const struct pkt *p)
{
	return p->src.family == AF_INET6_ && p->proto == IPPROTO_ICMPV6_ &&
	       p->icmp_type >= 133 && p->icmp_type <= 137;
}

/* The longest source prefix of the zone that matches: a host prefix
 * (hash) first, it is the longest there can be; then the trie. */
static __always_inline const struct fw_verdict *src_lookup(const struct pkt *p, __u32 gen,
							   const struct fw_zone *z)
{
	const struct fw_verdict *v;

	if (p->src.family == AF_INET_) {
		struct fw_host4_key h = { .gen = gen, .zone = z->zone };
		struct fw_lpm4_key k = { .prefixlen = FW_LPM_HDR_BITS + 32, .gen = gen,
					 .zone = z->zone };

		__builtin_memcpy(h.addr, p->src.addr, 4);
		if ((z->flags & FW_ZF_HOST4) && (v = bpf_map_lookup_elem(&fw_host4, &h)))
			return v;
		if (z->flags & FW_ZF_NONET4)
			return NULL;
		__builtin_memcpy(k.addr, p->src.addr, 4);
		return bpf_map_lookup_elem(&fw_src4, &k);
	}
	struct fw_host6_key h6 = { .gen = gen, .zone = z->zone };
	struct fw_lpm6_key k6 = { .prefixlen = FW_LPM_HDR_BITS + 128, .gen = gen, .zone = z->zone };

	__builtin_memcpy(h6.addr, p->src.addr, 16);
	if ((z->flags & FW_ZF_HOST6) && (v = bpf_map_lookup_elem(&fw_host6, &h6)))
		return v;
	if (z->flags & FW_ZF_NONET6)
		return NULL;
	__builtin_memcpy(k6.addr, p->src.addr, 16);
	return bpf_map_lookup_elem(&fw_src6, &k6);
}

/* A reply of a connection the host (or a host behind it) opened. */
static __always_inline bool ct_reply(struct xdp_md *ctx, struct pkt *p)
{
	struct bpf_ct_opts opts = { .netns_id = -1, .l4proto = p->proto };
	struct nf_conn *ct;
	bool reply;

	if (!p->first_frag || (p->proto != IPPROTO_TCP && p->proto != IPPROTO_UDP))
		return false;
	/* The tuple size must be a constant for the verifier. */
	if (p->src.family == AF_INET_)
		ct = bpf_xdp_ct_lookup(ctx, &p->tuple, sizeof(p->tuple.ipv4), &opts, sizeof(opts));
	else
		ct = bpf_xdp_ct_lookup(ctx, &p->tuple, sizeof(p->tuple.ipv6), &opts, sizeof(opts));
	if (!ct)
		return false;
	reply = opts.dir == IP_CT_DIR_REPLY;
	bpf_ct_release(ct);
	return reply;
}

static __always_inline bool rate_ok(const struct fw_zone *z, const struct pkt *p)
{
	struct fw_rate_key k = { .zone = z->zone, .src = p->src };
	__u64 now = bpf_ktime_get_ns(), cost = 1000000000ull / (z->rate_pps ? z->rate_pps : 1);
	__u64 cap = cost * (z->rate_burst ? z->rate_burst : 1);
	struct fw_rate_val *v = bpf_map_lookup_elem(&fw_rate, &k);

	if (!v) {
		struct fw_rate_val nv = { .credit_ns = cap - cost, .last_ns = now };

		bpf_map_update_elem(&fw_rate, &k, &nv, BPF_ANY);
		return true;
	}
	/* Races between CPUs only blur the budget by a packet or two. */
	__u64 credit = v->credit_ns + (now - v->last_ns);

	if (credit > cap)
		credit = cap;
	v->last_ns = now;
	if (credit < cost) {
		v->credit_ns = credit;
		return false;
	}
	v->credit_ns = credit - cost;
	return true;
}

static __always_inline void drop_sample(const struct pkt *p, __u32 rule)
{
	__u32 zero = 0;
	struct fw_drop_ring *r = bpf_map_lookup_elem(&fw_drops, &zero);
	struct fw_drop *d;

	if (!r)
		return;
	d = &r->d[r->next % FW_DROP_RING];
	r->next++;
	d->ts_ns = bpf_ktime_get_ns();
	d->family = p->src.family;
	d->rule = rule;
	d->ifindex = p->ifindex;
	d->dport = p->dport;
	d->proto = p->proto;
	__builtin_memcpy(d->src, p->src.addr, 16);
}

static __always_inline int verdict(const struct pkt *p, __u32 action, __u32 rule)
{
	if (action != FW_ACT_PASS)
		drop_sample(p, rule);
	rule_count(rule, p->len);
	src_count(p, action == FW_ACT_PASS);
	stat_inc(action == FW_ACT_PASS ? FW_ST_PASS : FW_ST_DROP);
	return action == FW_ACT_PASS ? XDP_PASS : XDP_DROP;
}

/* The rule that judges a new packet (not a conntrack reply). */
static __always_inline struct fw_verdict judge(const struct fw_zone *z, const struct pkt *p,
					       __u32 gen)
{
	struct fw_verdict v = { .action = z->dflt_action, .rule = z->dflt_rule };

	if (p->proto == IPPROTO_ICMP || p->proto == IPPROTO_ICMPV6_) {
		if (z->flags & FW_ZF_ICMP) {
			v.action = FW_ACT_PASS;
			v.rule = z->icmp_rule;
		}
		return v;
	}
	if (p->first_frag && (p->proto == IPPROTO_TCP || p->proto == IPPROTO_UDP)) {
		struct fw_port_key k = { .gen = gen, .zone = z->zone, .proto = p->proto,
					 .port = p->dport };
		const struct fw_verdict *pv = bpf_map_lookup_elem(&fw_port, &k);

		if (pv)
			v = *pv;
	}
	return v;
}

SEC("xdp")
int kld_fw(struct xdp_md *ctx)
{
	struct fw_iface_key ik = { .ifindex = ctx->ingress_ifindex };
	const struct fw_verdict *sv;
	const struct fw_zone *z;
	struct fw_verdict v;
	struct pkt p = {};
	__u32 zero = 0, *gen;
	int rc;

	gen = bpf_map_lookup_elem(&fw_active, &zero);
	if (!gen)
		return XDP_PASS;
	ik.gen = *gen; /* read once: the whole packet meets one rule set */
	z = bpf_map_lookup_elem(&fw_iface, &ik);
	if (!z)
		return XDP_PASS; /* not in a zone (or not in the live set) */
	p.ifindex = ik.ifindex;
	rc = parse(ctx, &p, z->flags & FW_ZF_L3);
	if (rc > 0) {
		stat_inc(FW_ST_NOT_IP);
		return XDP_PASS;
	}
	if (rc < 0)
		return verdict(&p, FW_ACT_DROP, z->dflt_rule);
	if (is_nd(&p)) {
		stat_inc(FW_ST_ND);
		return XDP_PASS;
	}
	sv = src_lookup(&p, ik.gen, z);
	if (sv)
		return verdict(&p, sv->action, sv->rule);
	if (ct_reply(ctx, &p)) {
		stat_inc(FW_ST_CT_REPLY);
		return verdict(&p, FW_ACT_PASS, z->ct_rule);
	}
	v = judge(z, &p, ik.gen);
	if (v.action == FW_ACT_PASS && (z->flags & FW_ZF_RATE) && !rate_ok(z, &p)) {
		stat_inc(FW_ST_RATE_DROP);
		return verdict(&p, FW_ACT_DROP, z->rate_rule);
	}
	return verdict(&p, v.action, v.rule);
}

char LICENSE[] SEC("license") = "GPL";
