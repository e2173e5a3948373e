/*
 * The firewall's map layout: keys, values and verdict codes, defined once
 * for the three parties that use them: the BPF program (zebra-lite/bpf/
 * fw.bpf.c), zebra-lite that loads it and writes the maps (zl_fw.c), and
 * fwd's compiler, whose output is these entries (doc/fwd.md).
 *
 * Every key starts with the generation (0 or 1) of the rule set it
 * belongs to. The one-entry array fw_active names the live generation; the
 * program reads it once per packet, so a packet is judged by one rule set
 * only. A new set is written under the other generation and made live by
 * one write to fw_active.
 */
#ifndef KLD_FW_MAP_H
#define KLD_FW_MAP_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define FW_MAX_ZONES 256
#define FW_MAX_IFACES 1024        /* per generation */
#define FW_MAX_RULES 131072       /* rule ids 1..FW_MAX_RULES-1; 0 is none */
#define FW_MAX_PORTS 262144       /* both generations */
#define FW_MAX_PREFIXES 262144    /* per family, both generations */
#define FW_MAX_SOURCES 16384      /* per-source counters, LRU */
#define FW_MAX_RATE 16384         /* token buckets, LRU */

/* Verdicts of entries (fw_verdict.action) and zone defaults. */
enum fw_action {
	FW_ACT_NONE = 0,
	FW_ACT_PASS = 1,
	FW_ACT_DROP = 2,
};

/* fw_zone.flags */
#define FW_ZF_ICMP 0x1    /* echo and errors pass (ICMP and ICMPv6) */
#define FW_ZF_STEALTH 0x2 /* only WireGuard listen ports (added by zebra-lite) */
#define FW_ZF_RATE 0x4    /* per-source token bucket on what would pass */
#define FW_ZF_L3 0x100    /* set by zebra-lite: the device has no Ethernet
			   * header (WireGuard, tun): packets start at IP */
/* Set by zebra-lite: which source maps hold entries of the zone, so that
 * a packet looks only where something can match. Written as "skip the
 * trie" rather than "look in it": entries an older zebra-lite left pinned
 * (no such flags) still send every packet to the trie. */
#define FW_ZF_HOST4 0x200   /* the zone's /32s are in fw_host4 */
#define FW_ZF_HOST6 0x400   /* the zone's /128s are in fw_host6 */
#define FW_ZF_NONET4 0x800  /* no shorter IPv4 prefix: fw_src4 is skipped */
#define FW_ZF_NONET6 0x1000 /* no shorter IPv6 prefix: fw_src6 is skipped */

/* Global counters (fw_stats index). */
enum fw_stat {
	FW_ST_PASS = 0,
	FW_ST_DROP,
	FW_ST_CT_REPLY,  /* replies of connections the host opened */
	FW_ST_ND,        /* IPv6 neighbour discovery, always passed */
	FW_ST_NOT_IP,    /* ARP and the like, passed */
	FW_ST_RATE_DROP,
	FW_ST_MAX,
};

struct fw_iface_key {
	__u32 gen;
	__u32 ifindex;
};

/* A zone's parameters, stored per interface of the zone (one lookup). */
struct fw_zone {
	__u32 zone;
	__u32 flags;
	__u32 dflt_action;
	__u32 dflt_rule;  /* rule id counting the default verdict */
	__u32 icmp_rule;
	__u32 ct_rule;    /* rule id counting conntrack replies */
	__u32 rate_pps;
	__u32 rate_burst;
	__u32 rate_rule;  /* rule id counting rate-limit drops */
	__u32 pad;
};

/* Destination port of TCP or UDP (host byte order). */
struct fw_port_key {
	__u32 gen;
	__u16 zone;
	__u8 proto;
	__u8 pad;
	__u32 port;
};

struct fw_verdict {
	__u32 action;
	__u32 rule;
};

/* Source prefixes: LPM tries; prefixlen counts the 32 bits of gen/zone. */
#define FW_LPM_HDR_BITS 32
struct fw_lpm4_key {
	__u32 prefixlen;
	__u8 gen;
	__u8 pad;
	__u16 zone;
	__u8 addr[4];
};

struct fw_lpm6_key {
	__u32 prefixlen;
	__u8 gen;
	__u8 pad;
	__u16 zone;
	__u8 addr[16];
};

/* Host prefixes (/32, /128): hashes looked up before the tries. A host
 * prefix is the longest possible match, so a hit there is what the trie
 * would have answered, at a cost that does not grow with the rule set
 * (the trie's walk does: doc/fwd.md, Benchmark). */
struct fw_host4_key {
	__u8 gen;
	__u8 pad;
	__u16 zone;
	__u8 addr[4];
};

struct fw_host6_key {
	__u8 gen;
	__u8 pad;
	__u16 zone;
	__u8 addr[16];
};

struct fw_counter {
	__u64 packets;
	__u64 bytes;
};

/* What rule an id counts for (fw_rule_fp, written by zebra-lite only):
 * a fingerprint of the rule and when it took the id. zebra-lite zeroes an
 * id's counter when its fingerprint changes, and drop samples older than
 * since_ns belong to the id's previous rule (doc/fwd.md, Rule ids). */
struct fw_rule_fp {
	__u64 fp;        /* 0: no rule */
	__u64 since_ns;  /* CLOCK_MONOTONIC */
};

/* Per-source counters (the seed's pkt_count map, bounded by LRU). */
struct fw_src_key {
	__u32 family; /* 2 or 10 */
	__u8 addr[16];
};

struct fw_src_val {
	__u64 pass_packets;
	__u64 pass_bytes;
	__u64 drop_packets;
	__u64 drop_bytes;
};

struct fw_rate_key {
	__u32 zone;
	struct fw_src_key src;
};

struct fw_rate_val {
	__u64 credit_ns; /* time budget: a packet costs 1e9/pps ns */
	__u64 last_ns;
};

/* A sample of dropped packets: a small ring per CPU (no atomics on the
 * drop path), the newest overwriting the oldest. */
#define FW_DROP_RING 16
struct fw_drop {
	__u64 ts_ns;       /* bpf_ktime_get_ns(), CLOCK_MONOTONIC */
	__u32 family;
	__u32 rule;
	__u32 ifindex;
	__u16 dport;
	__u8 proto;
	__u8 pad;
	__u8 src[16];
};

struct fw_drop_ring {
	__u32 next;
	__u32 pad;
	struct fw_drop d[FW_DROP_RING];
};

#endif
