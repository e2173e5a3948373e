/*
 * Framed IPC over Unix stream sockets, on the event loop.
 *
 * A server accepts many connections; a client keeps one connection and
 * reconnects with exponential backoff (100 ms doubling to 5 s) when it drops.
 * Both ends send a Hello first and check the peer's before anything else:
 * a wrong version, a message before Hello, a frame over the size limit or
 * bytes that do not decode close that one connection with a logged reason.
 *
 * Dispatch is table-driven: handlers[] is indexed by the Envelope's body
 * case (the field number in envelope.proto).
 */
#ifndef KLD_IPC_H
#define KLD_IPC_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include "event.h"
#include "frame.h"

#define KLD_IPC_MAX_BODY 128

struct kld_ipc_conn;
struct kld_ipc_server;
struct kld_ipc_client;

typedef void (*kld_ipc_msg_fn)(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg);

struct kld_ipc_ops {
	/* After the peer's Hello was accepted. */
	void (*on_up)(struct kld_ipc_conn *c, void *arg);
	/* The connection is gone (the conn is freed after this returns). */
	void (*on_down)(struct kld_ipc_conn *c, void *arg);
	/* Optional: whether this peer may send this message type (the
	 * Envelope's body case); false closes the connection. */
	bool (*may_send)(struct kld_ipc_conn *c, int body_case, void *arg);
	kld_ipc_msg_fn handlers[KLD_IPC_MAX_BODY];
};

struct kld_ipc_server *kld_ipc_server_new(struct kld_loop *l, const char *path,
					  const char *self, const struct kld_ipc_ops *ops,
					  void *arg);
void kld_ipc_server_free(struct kld_ipc_server *s);
void kld_ipc_server_set_max_frame(struct kld_ipc_server *s, size_t max);
/* Call fn for every connection that has said Hello. */
void kld_ipc_server_foreach(struct kld_ipc_server *s,
			    void (*fn)(struct kld_ipc_conn *c, void *arg), void *arg);

struct kld_ipc_client *kld_ipc_client_new(struct kld_loop *l, const char *path,
					  const char *self, const struct kld_ipc_ops *ops,
					  void *arg);
void kld_ipc_client_free(struct kld_ipc_client *c);
/* NULL while disconnected. */
struct kld_ipc_conn *kld_ipc_client_conn(struct kld_ipc_client *c);

/* Queue one message; returns -1 if the connection is closing. */
int kld_ipc_send(struct kld_ipc_conn *c, const Kld__Envelope *env);
/* Close with a reason for the log. Safe to call from a handler. */
void kld_ipc_close(struct kld_ipc_conn *c, const char *reason);
/* Peer daemon name from its Hello ("" before it). */
const char *kld_ipc_peer(const struct kld_ipc_conn *c);
uint32_t kld_ipc_peer_pid(const struct kld_ipc_conn *c);
/* The peer process's credentials as the kernel saw them when it connected
 * (SO_PEERCRED on an accepted connection); -1 when unknown. */
int kld_ipc_peer_cred(const struct kld_ipc_conn *c, uid_t *uid, pid_t *pid);
void kld_ipc_set_data(struct kld_ipc_conn *c, void *data);
void *kld_ipc_data(const struct kld_ipc_conn *c);
/* Bytes queued for sending; lets producers of big tables apply backpressure. */
size_t kld_ipc_pending(const struct kld_ipc_conn *c);

#endif
