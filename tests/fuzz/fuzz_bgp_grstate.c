/*
 * libFuzzer target for bgpd's state file (bgpd/bgp_grstate.c): the
 * sessions that were up, read back after a restart. The file lives in the
 * run directory, so its bytes are not trusted: any input either parses or
 * is refused, never crashes or leaks.
 *
 *     tests/fuzz/build.sh /tmp/fuzz
 *     /tmp/fuzz/fuzz_bgp_grstate -max_total_time=60 tests/fuzz/corpus/grstate
 *
 * Property: what parses formats to a text that parses to the same peers.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bgpd/bgp_grstate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(x)                                                                                   \
	do {                                                                                       \
		if (!(x))                                                                          \
			abort();                                                                   \
	} while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct bgp_grstate_peer *p, *q;
	char *text;
	int n = bgp_grstate_parse((const char *)data, size, &p), m;

	if (n < 0) {
		CHECK(p == NULL);
		return 0;
	}
	text = bgp_grstate_format(p, (size_t)n);
	m = bgp_grstate_parse(text, strlen(text), &q);
	CHECK(m == n);
	for (int i = 0; i < n; i++)
		CHECK(kld_addr_eq(&p[i].addr, &q[i].addr) && p[i].af_mask == q[i].af_mask &&
		      p[i].eor_mask == q[i].eor_mask);
	free(text);
	free(p);
	free(q);
	return 0;
}
