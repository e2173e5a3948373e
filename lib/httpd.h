/*
 * A minimal HTTP server for one read-only page (Prometheus metrics).
 *
 * It faces the network, so it is built to be cheap to abuse: GET and
 * HEAD only (405 otherwise), a request head of at most 8 KiB (431), no
 * request body (413), one request per connection, a deadline of 10 s per
 * connection, at most 64 connections at once (more are closed at
 * accept), and an accept loop that pauses when the process is out of file
 * descriptors instead of spinning on EMFILE. Every line a client can cause
 * is rate-limited.
 */
#ifndef KLD_HTTPD_H
#define KLD_HTTPD_H

#include <stdbool.h>
#include <stdint.h>
#include "event.h"
#include "prefix.h"

#define KLD_HTTPD_MAX_HEAD 8192
#define KLD_HTTPD_MAX_CONNS 64
#define KLD_HTTPD_DEADLINE_MS 10000

struct evbuffer;
struct kld_httpd;

/* Fill body with the page; called once per GET or HEAD of the path. */
typedef void (*kld_httpd_fn)(struct evbuffer *body, void *arg);

/* Listen on addr:port and serve path (anything else is 404) with
 * content_type. NULL with errno set when the socket cannot be bound. */
struct kld_httpd *kld_httpd_new(struct kld_loop *l, const struct kld_addr *addr, uint16_t port,
				const char *path, const char *content_type, kld_httpd_fn fn,
				void *arg);
void kld_httpd_free(struct kld_httpd *s);
/* The answer to a complete request head (NUL-terminated, at most
 * KLD_HTTPD_MAX_HEAD): 200 to serve path (*head_only for HEAD), 400 bad
 * request line, 405 not GET or HEAD, 413 a body announced, 404 another
 * path. Pure, for the fuzzer (tests/fuzz/fuzz_httpd_head.c). */
int kld_httpd_parse(const char *head, const char *path, bool *head_only);
/* Connections open now (tests, show). */
unsigned kld_httpd_conns(const struct kld_httpd *s);

/* ---- Prometheus metrics pages (wgd, fwd) ---- */

/* A metrics endpoint as configured, and its server while it runs. */
struct kld_metrics {
	struct kld_addr addr;
	uint16_t port; /* 0: off */
	struct kld_httpd *http;
};

/* Serve fn's page at http://addr:port/metrics instead of where m serves
 * now (port 0: stop serving). -1 when that address cannot be bound: m
 * goes back to where it was. */
int kld_metrics_set(struct kld_metrics *m, struct kld_loop *l, const struct kld_addr *addr,
		    uint16_t port, kld_httpd_fn fn, void *arg);
void kld_metrics_stop(struct kld_metrics *m);
/* A family's `# HELP` and `# TYPE` lines (its samples must follow together). */
void kld_metrics_family(struct evbuffer *b, const char *name, const char *type, const char *help);
/* A label value as the text format wants it: \, \" and \n escaped. */
const char *kld_metrics_label(const char *v, char *buf, size_t size);

#endif
