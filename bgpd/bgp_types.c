/*
 * The words of the codec every BGP file shares (bgp_types.h): address
 * families (AFI/SAFI, socket family, name) and filling a NOTIFICATION.
 * The floor below attributes and messages, so that bgp_attr.c and
 * bgp_packet.c need not call each other (doc/ARCHITECTURE.md).
 */
#include <string.h>
#include <sys/socket.h>

#include "util.h"
#include "bgp_types.h"

static const struct {
	uint16_t afi;
	uint8_t safi;
	uint8_t family;
	const char *name;
} af_table[BGP_AF_MAX] = {
    [BGP_AF_IPV4_UNICAST] = {BGP_AFI_IPV4, BGP_SAFI_UNICAST, AF_INET, "ipv4 unicast"},
    [BGP_AF_IPV6_UNICAST] = {BGP_AFI_IPV6, BGP_SAFI_UNICAST, AF_INET6, "ipv6 unicast"},
};

int bgp_af_from_afisafi(uint16_t afi, uint8_t safi)
{
	int i;

	for (i = 0; i < BGP_AF_MAX; i++)
		if (af_table[i].afi == afi && af_table[i].safi == safi)
			return i;
	return -1;
}

uint16_t bgp_af_afi(enum bgp_af af)
{
	return af_table[af].afi;
}

uint8_t bgp_af_safi(enum bgp_af af)
{
	return af_table[af].safi;
}

uint8_t bgp_af_family(enum bgp_af af)
{
	return af_table[af].family;
}

const char *bgp_af_name(enum bgp_af af)
{
	return (unsigned)af < BGP_AF_MAX ? af_table[af].name : "?";
}

void bgp_notify_set(struct bgp_notify *n, uint8_t code, uint8_t subcode, const void *data,
		    size_t datalen)
{
	n->code = code;
	n->subcode = subcode;
	n->datalen = (uint16_t)KLD_MIN(datalen, sizeof(n->data));
	if (n->datalen)
		memcpy(n->data, data, n->datalen);
}
