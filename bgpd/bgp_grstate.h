/*
 * The sessions that were up, kept in a file of the run directory so that a
 * restarted bgpd knows whose tables to wait for before it tells zebra-lite
 * its replay is done (bgp_gr.c). Pure functions: the daemon does the I/O,
 * the fuzzer and the unit test call them directly.
 *
 * The file is json: {"peers": [{"address": "10.0.12.2", "families":
 * ["ipv4Unicast"], "endOfRib": ["ipv4Unicast"]}]}: the address of each
 * Established session, the families it negotiated, and those it had sent
 * End-of-RIB for.
 */
#ifndef KLD_BGP_GRSTATE_H
#define KLD_BGP_GRSTATE_H

#include <stddef.h>
#include <stdint.h>
#include "prefix.h"

#define BGP_GRSTATE_MAX_PEERS 65536 /* more entries: the file is not ours */

struct bgp_grstate_peer {
	struct kld_addr addr;
	uint32_t af_mask;  /* BGP_AF_BIT()s negotiated */
	uint32_t eor_mask; /* End-of-RIB received */
};

/* The text of the file for n peers (malloc'd, NUL-terminated). */
char *bgp_grstate_format(const struct bgp_grstate_peer *p, size_t n);
/* Parse len bytes of text: *out (malloc'd, free it) gets the peers; their
 * number, or -1 when the text is not such a file (nothing allocated).
 * Entries without a valid address are skipped, unknown families ignored. */
int bgp_grstate_parse(const char *text, size_t len, struct bgp_grstate_peer **out);

#endif
