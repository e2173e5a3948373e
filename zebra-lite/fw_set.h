/*
 * A firewall rule set as zebra-lite receives it (FwRuleSet), checked and
 * expanded into map entries (lib/fw_map.h) without touching the kernel:
 * the parser of the compiled rule set, which the fuzzer drives too.
 */
#ifndef KLD_FW_SET_H
#define KLD_FW_SET_H

#include <net/if.h>
#include <stddef.h>
#include <stdint.h>
#include "fw_map.h"
#include "proto/envelope.pb-c.h"

/* Ports expanded per generation: half the map, the other half is the
 * other generation. */
#define FW_SET_MAX_PORTS (FW_MAX_PORTS / 2)
#define FW_SET_MAX_PREFIXES (FW_MAX_PREFIXES / 2)

struct fw_set_iface {
	char ifname[IF_NAMESIZE];
	struct fw_zone zone;
	uint32_t stealth_rule;
};

struct fw_set_port {
	uint16_t zone;
	uint8_t proto;
	uint16_t port;
	struct fw_verdict v;
};

struct fw_set_prefix {
	uint16_t zone;
	uint8_t family; /* AF_INET or AF_INET6 */
	uint8_t len;
	uint8_t addr[16];
	struct fw_verdict v;
};

struct fw_set {
	struct fw_set_iface *ifaces;
	size_t nifaces;
	struct fw_set_port *ports;
	size_t nports;
	struct fw_set_prefix *prefixes;
	size_t nprefixes;
};

/* 0, or -1 with the reason in err (the set is then empty). */
int fw_set_from_msg(const Kld__FwRuleSet *m, struct fw_set *s, char *err, size_t errlen);
void fw_set_free(struct fw_set *s);
/* What each rule id of a checked set stands for: fp[id] (FW_MAX_RULES
 * entries) is a fingerprint of the rule (its zone's name, kind, action,
 * ports or prefix), 0 for an id the set does not use. */
void fw_set_fingerprints(const Kld__FwRuleSet *m, uint64_t *fp);

#endif
