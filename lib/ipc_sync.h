/* Blocking request/reply over the framed IPC, for vtysh and tests. */
#ifndef KLD_IPC_SYNC_H
#define KLD_IPC_SYNC_H

#include <stddef.h>
#include "frame.h"

/* Connect, exchange Hellos. Returns the fd or -1 (errno set); the peer's
 * daemon name is copied to peer. */
int kld_sync_connect(const char *path, const char *self, int timeout_ms,
		     char *peer, size_t peer_size);
int kld_sync_send(int fd, const Kld__Envelope *env);
/* Receive one message; NULL on timeout, close or bad frame (errno set). */
Kld__Envelope *kld_sync_recv(int fd, int timeout_ms);
/* Send req (its seq is assigned) and wait for the reply with the same seq. */
Kld__Envelope *kld_sync_request(int fd, Kld__Envelope *req, int timeout_ms);

#endif
