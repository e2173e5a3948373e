/*
 * Helpers for struct wg_device shared by all WireGuard back ends: building
 * and freeing devices (wiping their secrets), interface-name checks, and
 * numeric endpoint text in the form both `wg` and the UAPI socket use
 * ("a.b.c.d:port", "[v6]:port", "[v6%zone]:port").
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/util.h"
#include "wg_dev.h"

bool wg_ifname_valid(const char *name)
{
	size_t len, i;

	if (!name)
		return false;
	len = strnlen(name, IFNAMSIZ);
	if (len == 0 || len >= IFNAMSIZ)
		return false;
	if (!strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)name[i];

		if (c == '/' || c == ':' || c <= ' ' || c >= 0x7f)
			return false;
	}
	return true;
}

struct wg_device *wg_device_new(const char *name)
{
	struct wg_device *dev;

	if (!wg_ifname_valid(name))
		return NULL;
	dev = kld_xcalloc(1, sizeof(*dev));
	memcpy(dev->name, name, strlen(name) + 1);
	return dev;
}

void wg_device_free(struct wg_device *dev)
{
	size_t i;

	if (!dev)
		return;
	for (i = 0; i < dev->n_peers; i++) {
		wg_key_wipe(dev->peers[i].preshared_key, WG_KEY_SIZE);
		free(dev->peers[i].allowedips);
	}
	if (dev->peers)
		wg_key_wipe(dev->peers, dev->cap_peers * sizeof(*dev->peers));
	free(dev->peers);
	wg_key_wipe(dev, sizeof(*dev));
	free(dev);
}

/* Grow by hand rather than realloc: a moved block would leave copies of
 * the peers' preshared keys behind in freed memory. */
struct wg_peer *wg_device_add_peer(struct wg_device *dev, const uint8_t public_key[WG_KEY_SIZE])
{
	struct wg_peer *peer;

	if (dev->n_peers == dev->cap_peers) {
		size_t cap = dev->cap_peers ? dev->cap_peers * 2 : 8;
		struct wg_peer *np = kld_xcalloc(cap, sizeof(*np));

		if (dev->peers) {
			memcpy(np, dev->peers, dev->n_peers * sizeof(*np));
			wg_key_wipe(dev->peers, dev->cap_peers * sizeof(*np));
			free(dev->peers);
		}
		dev->peers = np;
		dev->cap_peers = cap;
	}
	peer = &dev->peers[dev->n_peers++];
	memset(peer, 0, sizeof(*peer));
	memcpy(peer->public_key, public_key, WG_KEY_SIZE);
	return peer;
}

struct wg_peer *wg_device_find_peer(const struct wg_device *dev,
				    const uint8_t public_key[WG_KEY_SIZE])
{
	size_t i;

	for (i = 0; i < dev->n_peers; i++)
		if (!memcmp(dev->peers[i].public_key, public_key, WG_KEY_SIZE))
			return &dev->peers[i];
	return NULL;
}

void wg_peer_add_allowedip(struct wg_peer *peer, const struct kld_prefix *p)
{
	if (peer->n_allowedips == peer->cap_allowedips) {
		peer->cap_allowedips = peer->cap_allowedips ? peer->cap_allowedips * 2 : 4;
		peer->allowedips = kld_xrealloc(peer->allowedips,
						peer->cap_allowedips * sizeof(*peer->allowedips));
	}
	peer->allowedips[peer->n_allowedips++] = *p;
}

static int parse_port(const char *s, size_t len, uint16_t *port)
{
	unsigned long v = 0;
	size_t i;

	if (len == 0 || len > 5)
		return -1;
	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned long)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*port = (uint16_t)v;
	return 0;
}

/* "%zone": an interface name or a number. */
static int parse_zone(const char *zone, uint32_t *scope)
{
	char *end;
	unsigned long v;

	if (!*zone)
		return -1;
	errno = 0;
	v = strtoul(zone, &end, 10);
	if (!*end && !errno && v <= UINT32_MAX && zone[0] >= '0' && zone[0] <= '9') {
		*scope = (uint32_t)v;
		return 0;
	}
	*scope = if_nametoindex(zone);
	return *scope ? 0 : -1;
}

static int parse_v6(union wg_endpoint *ep, const char *s, size_t len)
{
	char host[INET6_ADDRSTRLEN + IFNAMSIZ + 1];
	const char *close = memchr(s, ']', len);
	char *pct;
	uint16_t port;

	if (!close || close == s + 1 || (size_t)(close - s - 1) >= sizeof(host))
		return -1;
	if (close + 1 >= s + len || close[1] != ':')
		return -1;
	if (parse_port(close + 2, (size_t)(s + len - close - 2), &port) < 0)
		return -1;
	memcpy(host, s + 1, (size_t)(close - s - 1));
	host[close - s - 1] = '\0';
	memset(ep, 0, sizeof(*ep));
	pct = strchr(host, '%');
	if (pct) {
		*pct = '\0';
		if (parse_zone(pct + 1, &ep->in6.sin6_scope_id) < 0)
			return -1;
	}
	if (inet_pton(AF_INET6, host, &ep->in6.sin6_addr) != 1)
		return -1;
	ep->in6.sin6_family = AF_INET6;
	ep->in6.sin6_port = htons(port);
	return 0;
}

int wg_endpoint_parse(union wg_endpoint *ep, const char *s, size_t len)
{
	char host[INET_ADDRSTRLEN];
	const char *colon;
	uint16_t port;
	union wg_endpoint tmp;

	if (!s || len == 0)
		return -1;
	if (s[0] == '[') {
		if (parse_v6(&tmp, s, len) < 0)
			return -1;
		*ep = tmp;
		return 0;
	}
	colon = memchr(s, ':', len);
	if (!colon || memchr(colon + 1, ':', (size_t)(s + len - colon - 1)))
		return -1;
	if ((size_t)(colon - s) >= sizeof(host))
		return -1;
	if (parse_port(colon + 1, (size_t)(s + len - colon - 1), &port) < 0)
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(&tmp, 0, sizeof(tmp));
	if (inet_pton(AF_INET, host, &tmp.in4.sin_addr) != 1)
		return -1;
	tmp.in4.sin_family = AF_INET;
	tmp.in4.sin_port = htons(port);
	*ep = tmp;
	return 0;
}

const char *wg_endpoint_fmt(const union wg_endpoint *ep, char *buf, size_t size)
{
	char host[INET6_ADDRSTRLEN], zone[IFNAMSIZ + 1] = "";

	if (!size)
		return buf;
	buf[0] = '\0';
	if (ep->sa.sa_family == AF_INET) {
		if (inet_ntop(AF_INET, &ep->in4.sin_addr, host, sizeof(host)))
			snprintf(buf, size, "%s:%u", host, ntohs(ep->in4.sin_port));
		return buf;
	}
	if (ep->sa.sa_family != AF_INET6)
		return buf;
	if (!inet_ntop(AF_INET6, &ep->in6.sin6_addr, host, sizeof(host)))
		return buf;
	if (ep->in6.sin6_scope_id) {
		char name[IFNAMSIZ];

		if (if_indextoname(ep->in6.sin6_scope_id, name))
			snprintf(zone, sizeof(zone), "%%%s", name);
		else
			snprintf(zone, sizeof(zone), "%%%u", ep->in6.sin6_scope_id);
	}
	snprintf(buf, size, "[%s%s]:%u", host, zone, ntohs(ep->in6.sin6_port));
	return buf;
}

bool wg_endpoint_eq(const union wg_endpoint *a, const union wg_endpoint *b)
{
	if (a->sa.sa_family != b->sa.sa_family)
		return false;
	switch (a->sa.sa_family) {
	case 0:
		return true;
	case AF_INET:
		return a->in4.sin_port == b->in4.sin_port &&
		       a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
	case AF_INET6:
		return a->in6.sin6_port == b->in6.sin6_port &&
		       a->in6.sin6_scope_id == b->in6.sin6_scope_id &&
		       !memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof(struct in6_addr));
	}
	return false;
}

void wg_ifnames_free(struct wg_ifnames *l)
{
	free(l->names);
	l->names = NULL;
	l->n = 0;
}

void wg_ifnames_add(struct wg_ifnames *l, const char *name)
{
	size_t i;

	if (!wg_ifname_valid(name))
		return;
	for (i = 0; i < l->n; i++)
		if (!strcmp(l->names[i], name))
			return;
	l->names = kld_xrealloc(l->names, (l->n + 1) * sizeof(*l->names));
	snprintf(l->names[l->n++], IFNAMSIZ, "%s", name);
}
