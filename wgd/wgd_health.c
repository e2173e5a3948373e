/*
 * Handshake health and the Prometheus endpoint.
 *
 * A timer reads the devices' live state from zebra-lite every few
 * seconds. A peer whose latest handshake is older than the threshold
 * (180 s by default, `wireguard stale-threshold`) is logged once when it
 * goes stale and once when it recovers; `show` marks it from the same
 * rule. A stale peer whose endpoint is a DNS name has the name resolved
 * again (wgd_dns.c); an answer that moved pushes its plane again.
 *
 * Metrics are served by a tiny libevent HTTP server on the configured
 * address only, in Prometheus' text format, read live on each scrape.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include "log.h"
#include "util.h"
#include "wgd.h"

#define WGD_HEALTH_MS 5000

uint32_t wgd_stale_secs(const struct wgd *w)
{
	return w->stale_secs ? w->stale_secs : WGD_DEFAULT_STALE;
}

static bool wgd_was_stale(const struct wgd_if *ifp, const uint8_t *pub)
{
	for (size_t i = 0; i < ifp->nstale; i++)
		if (!memcmp(ifp->stale[i], pub, WG_KEY_SIZE))
			return true;
	return false;
}

/* A stale peer with a name: ask the resolver again; an answer that moved
 * pushes the plane again. */
static void wgd_resolve_again(struct wgd *w, struct wgd_if *ifp, const uint8_t *pub)
{
	struct wgd_epeer *e;
	size_t n = wgd_if_epeers(w, ifp, &e);

	for (size_t i = 0; i < n; i++)
		if (!memcmp(e[i].pub, pub, WG_KEY_SIZE) && e[i].endpoint && w->dns)
			wgd_dns_refresh(w->dns, e[i].endpoint);
	wgd_epeers_free(e, n);
}

static void wgd_health_if(struct wgd *w, struct wgd_if *ifp, const Kld__WgDeviceState *d,
			  time_t now)
{
	uint8_t(*stale)[WG_KEY_SIZE] = kld_xcalloc(d->n_peers + 1, WG_KEY_SIZE);
	size_t n = 0;
	char b64[WG_KEY_B64_SIZE];

	for (size_t i = 0; i < d->n_peers; i++) {
		const Kld__WgPeerState *p = d->peers[i];
		bool is = p->last_handshake_sec &&
			  now - p->last_handshake_sec > (time_t)wgd_stale_secs(w);

		if (p->public_key.len != WG_KEY_SIZE)
			continue;
		wg_key_to_base64(b64, p->public_key.data);
		if (is) {
			memcpy(stale[n++], p->public_key.data, WG_KEY_SIZE);
			if (!wgd_was_stale(ifp, p->public_key.data))
				kld_warn("%s: peer %s: handshake stale (%lld s old)", ifp->name,
					 b64, (long long)(now - p->last_handshake_sec));
			wgd_resolve_again(w, ifp, p->public_key.data);
		} else if (wgd_was_stale(ifp, p->public_key.data)) {
			kld_notice("%s: peer %s: handshake fresh again", ifp->name, b64);
		}
	}
	free(ifp->stale);
	ifp->stale = stale;
	ifp->nstale = n;
}

/* The answer to the tick's request, on the main connection: the poll
 * never blocks wgd and costs zebra-lite no extra connection. */
void wgd_health_on_state(struct wgd *w, const Kld__WgState *st)
{
	time_t now = time(NULL);

	for (size_t i = 0; i < st->n_devices; i++) {
		const Kld__WgDeviceState *d = st->devices[i];
		struct wgd_if *ifp = wgd_if_get(w, d->ifname, false);

		if (ifp && d->present)
			wgd_health_if(w, ifp, d, now);
	}
}

static void wgd_health_tick(void *arg)
{
	struct wgd *w = arg;

	if (w->ifs)
		wgd_zebra_request_state(w);
	kld_timer_arm(w->health_timer, WGD_HEALTH_MS);
}

/* ---- metrics ---- */

static void wgd_metrics_peer(struct evbuffer *b, const struct wgd *w, const char *ifname,
			     const Kld__WgPeerState *p, time_t now)
{
	char b64[WG_KEY_B64_SIZE], lbl[128];

	if (p->public_key.len != WG_KEY_SIZE)
		return;
	wg_key_to_base64(b64, p->public_key.data);
	snprintf(lbl, sizeof(lbl), "{interface=\"%s\",public_key=\"%s\"}", ifname, b64);
	evbuffer_add_printf(b, "wireguard_peer_receive_bytes_total%s %llu\n", lbl,
			    (unsigned long long)p->rx_bytes);
	evbuffer_add_printf(b, "wireguard_peer_transmit_bytes_total%s %llu\n", lbl,
			    (unsigned long long)p->tx_bytes);
	evbuffer_add_printf(b, "wireguard_peer_latest_handshake_seconds%s %lld\n", lbl,
			    (long long)p->last_handshake_sec);
	if (p->last_handshake_sec)
		evbuffer_add_printf(b, "wireguard_peer_seconds_since_handshake%s %lld\n", lbl,
				    (long long)(now - p->last_handshake_sec));
	evbuffer_add_printf(b, "wireguard_peer_stale%s %d\n", lbl,
			    p->last_handshake_sec &&
				now - p->last_handshake_sec > (time_t)wgd_stale_secs(w));
}

static void wgd_metrics_body(struct wgd *w, struct evbuffer *b)
{
	Kld__Envelope *st = wgd_fetch_state(w, NULL);
	time_t now = time(NULL);

	evbuffer_add_printf(b,
			    "# HELP wireguard_up Whether zebra-lite answered\n"
			    "# TYPE wireguard_up gauge\nwireguard_up %d\n",
			    st != NULL);
	evbuffer_add_printf(b, "# HELP wireguard_peers Peers of an interface\n"
			       "# TYPE wireguard_peers gauge\n");
	for (size_t i = 0; st && i < st->wg_state->n_devices; i++)
		evbuffer_add_printf(b, "wireguard_peers{interface=\"%s\"} %zu\n",
				    st->wg_state->devices[i]->ifname,
				    st->wg_state->devices[i]->n_peers);
	evbuffer_add_printf(b, "# TYPE wireguard_peer_receive_bytes_total counter\n"
			       "# TYPE wireguard_peer_transmit_bytes_total counter\n"
			       "# TYPE wireguard_peer_latest_handshake_seconds gauge\n"
			       "# TYPE wireguard_peer_seconds_since_handshake gauge\n"
			       "# TYPE wireguard_peer_stale gauge\n");
	for (size_t i = 0; st && i < st->wg_state->n_devices; i++) {
		const Kld__WgDeviceState *d = st->wg_state->devices[i];

		for (size_t j = 0; j < d->n_peers; j++)
			wgd_metrics_peer(b, w, d->ifname, d->peers[j], now);
	}
	if (st)
		kld_frame_free(st);
}

static void wgd_metrics_cb(struct evhttp_request *req, void *arg)
{
	struct evbuffer *b;

	if (strcmp(evhttp_request_get_uri(req), "/metrics") != 0) {
		evhttp_send_error(req, HTTP_NOTFOUND, "try /metrics");
		return;
	}
	b = evbuffer_new();
	wgd_metrics_body(arg, b);
	evhttp_add_header(evhttp_request_get_output_headers(req), "Content-Type",
			  "text/plain; version=0.0.4");
	evhttp_send_reply(req, HTTP_OK, "OK", b);
	evbuffer_free(b);
}

int wgd_metrics_apply(struct wgd *w)
{
	char addr[KLD_ADDR_STRLEN];
	struct evhttp *h;

	if (w->http) {
		evhttp_free(w->http);
		w->http = NULL;
	}
	if (!w->metrics_port || !w->p.d.loop)
		return 0;
	h = evhttp_new(kld_loop_base(w->p.d.loop));
	if (!h)
		return -1;
	kld_addr_fmt(&w->metrics_addr, addr, sizeof(addr));
	if (evhttp_bind_socket(h, addr, w->metrics_port) < 0) {
		evhttp_free(h);
		return -1;
	}
	evhttp_set_gencb(h, wgd_metrics_cb, w);
	w->http = h;
	kld_info("metrics on http://%s:%u/metrics", addr, w->metrics_port);
	return 0;
}

int wgd_health_init(struct wgd *w)
{
	w->health_timer = kld_timer_new(w->p.d.loop, wgd_health_tick, w);
	kld_timer_arm(w->health_timer, WGD_HEALTH_MS);
	return 0;
}

void wgd_health_fini(struct wgd *w)
{
	kld_timer_free(w->health_timer);
	w->health_timer = NULL;
	if (w->http)
		evhttp_free(w->http);
	w->http = NULL;
}
