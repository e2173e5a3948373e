/*
 * WireGuard back end over the cross-platform userspace API
 * (https://www.wireguard.com/xplatform/): one Unix stream socket per
 * interface, SOCKDIR/IFNAME.sock, served by wireguard-go, boringtun or any
 * implementation that follows the document. See wg_uapi.c for the design.
 *
 * The text codec is exposed separately from the socket code so that it is
 * unit-tested without a running implementation.
 */
#ifndef ZL_WG_UAPI_H
#define ZL_WG_UAPI_H

#include <stddef.h>
#include <sys/types.h>

#include "wg_dev.h"

#define WG_UAPI_SOCKDIR_DEFAULT "/var/run/wireguard"
#define WG_UAPI_BINARY_DEFAULT "wireguard-go"
#define WG_UAPI_TIMEOUT_DEFAULT_MS 5000

struct wg_uapi_config {
	const char *sockdir; /* NULL: WG_UAPI_SOCKDIR_DEFAULT */
	const char *binary;  /* NULL: WG_UAPI_BINARY_DEFAULT, looked up on PATH */
	int timeout_ms;	     /* <= 0: WG_UAPI_TIMEOUT_DEFAULT_MS */
};

/* 0 and *out, or -errno (-ENAMETOOLONG if socket paths would not fit). */
int wg_uapi_new(const struct wg_uapi_config *cfg, struct wg_backend **out);

/* Process id of the implementation serving ifname: the process holding
 * the interface's tun device in the caller's network namespace. -ESRCH if
 * none is visible. For supervision and tests. */
pid_t wg_uapi_server_pid(struct wg_backend *be, const char *ifname);

/* Build the complete "set=1" request (ending in the blank line) for dev.
 * The text holds keys: release it with wg_uapi_request_free(), which wipes
 * it. 0 or -EINVAL (unusable endpoint or allowed-ip). */
int wg_uapi_format_set(const struct wg_device *dev, char **text, size_t *len);
void wg_uapi_request_free(char *text, size_t len);

/* Parse a "get=1" reply up to and including its blank line into dev
 * (which should be fresh). Unknown keys are ignored; known keys with bad
 * values, a missing errno line or a missing blank line are -EPROTO; a
 * non-zero errno=N is returned as -N. The public key is derived from the
 * private key, which the protocol does not carry. */
int wg_uapi_parse_get(const char *text, size_t len, struct wg_device *dev);
/* The errno=N reply to "set=1": 0, -N, or -EPROTO. */
int wg_uapi_parse_errno(const char *text, size_t len);

#endif
