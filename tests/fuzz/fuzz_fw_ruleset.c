/*
 * libFuzzer target for the parser of the compiled rule set zebra-lite
 * receives from fwd (FwRuleSet -> zebra-lite/fw_set.c).
 *
 *     tests/fuzz/build.sh /tmp/fuzz     (needs KLD_BUILDDIR for the protobuf code)
 *     /tmp/fuzz/fuzz_fw_ruleset -max_total_time=60 tests/fuzz/corpus/fw_ruleset
 *
 * Input: an encoded FwRuleSet. Properties checked on what is accepted:
 * every interface once, every port entry within 1-65535 and of TCP or
 * UDP, every prefix without host bits, every action pass or drop, rule
 * ids in range, and no more entries than the maps hold.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include "zebra-lite/fw_set.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

static void check_prefix(const struct fw_set_prefix *p)
{
	unsigned bits = p->family == AF_INET ? 32 : 128;

	CHECK(p->family == AF_INET || p->family == AF_INET6);
	CHECK(p->len <= bits);
	for (unsigned b = p->len; b < bits; b++)
		CHECK(!(p->addr[b / 8] & (0x80 >> (b % 8))));
}

static void check_set(const struct fw_set *s)
{
	CHECK(s->nifaces <= FW_MAX_IFACES);
	CHECK(s->nports <= FW_SET_MAX_PORTS);
	CHECK(s->nprefixes <= FW_SET_MAX_PREFIXES);
	for (size_t i = 0; i < s->nifaces; i++) {
		CHECK(s->ifaces[i].ifname[0]);
		CHECK(s->ifaces[i].zone.zone > 0 && s->ifaces[i].zone.zone < FW_MAX_ZONES);
		CHECK(s->ifaces[i].zone.dflt_action == FW_ACT_PASS ||
		      s->ifaces[i].zone.dflt_action == FW_ACT_DROP);
		for (size_t j = 0; j < i; j++)
			CHECK(strcmp(s->ifaces[i].ifname, s->ifaces[j].ifname));
	}
	for (size_t i = 0; i < s->nports; i++) {
		CHECK(s->ports[i].port >= 1);
		CHECK(s->ports[i].proto == 6 || s->ports[i].proto == 17);
		CHECK(s->ports[i].v.rule < FW_MAX_RULES);
		CHECK(s->ports[i].v.action == FW_ACT_PASS || s->ports[i].v.action == FW_ACT_DROP);
	}
	for (size_t i = 0; i < s->nprefixes; i++) {
		check_prefix(&s->prefixes[i]);
		CHECK(s->prefixes[i].v.rule < FW_MAX_RULES);
	}
}

/* Every id the set names is fingerprinted, id 0 never. */
static void check_fingerprints(const Kld__FwRuleSet *m)
{
	static uint64_t fp[FW_MAX_RULES];

	fw_set_fingerprints(m, fp);
	CHECK(fp[0] == 0);
	for (size_t i = 0; i < m->n_ports; i++)
		CHECK(!m->ports[i]->rule || fp[m->ports[i]->rule]);
	for (size_t i = 0; i < m->n_prefixes; i++)
		CHECK(!m->prefixes[i]->rule || fp[m->prefixes[i]->rule]);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	Kld__FwRuleSet *m = kld__fw_rule_set__unpack(NULL, size, data);
	struct fw_set s;
	char err[256];

	if (!m)
		return 0;
	if (fw_set_from_msg(m, &s, err, sizeof(err)) == 0) {
		check_set(&s);
		check_fingerprints(m);
		fw_set_free(&s);
	} else {
		CHECK(err[0]); /* a refusal always says why */
		CHECK(s.nifaces == 0 && s.nports == 0 && s.nprefixes == 0);
	}
	kld__fw_rule_set__free_unpacked(m, NULL);
	return 0;
}
