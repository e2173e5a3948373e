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
 * Metrics are served on the configured address only, in Prometheus' text
 * format, read live on each scrape, by lib/httpd.c (GET/HEAD only, size
 * limits, deadline, connection cap: it faces the network).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <event2/buffer.h>
#include "httpd.h"
#include "log.h"
#include "util.h"
#include "wgd.h"

#define WGD_HEALTH_MS 5000

uint32_t wgd_stale_secs(const struct wgd *w)
{
	return w->stale_secs ? w->stale_secs : WGD_DEFAULT_STALE;
}

static bool wgd_key_in(uint8_t (*keys)[WG_KEY_SIZE], size_t n, const uint8_t *pub)
{
	for (size_t i = 0; i < n; i++)
		if (!memcmp(keys[i], pub, WG_KEY_SIZE))
			return true;
	return false;
}

static bool wgd_was_stale(const struct wgd_if *ifp, const uint8_t *pub)
{
	return wgd_key_in(ifp->stale, ifp->nstale, pub);
}

/* A peer that roamed (or whose name resolved) into its own allowed-ips
 * cannot be refused like a command: its packets go into the tunnel until
 * it moves again or the prefix changes. Said once in the log, and on
 * every `show` (wgd_show.c). */
static void wgd_trap_if(struct wgd_if *ifp, const Kld__WgDeviceState *d)
{
	uint8_t(*now)[WG_KEY_SIZE] = kld_xcalloc(d->n_peers + 1, WG_KEY_SIZE);
	char err[512], b64[WG_KEY_B64_SIZE];
	size_t n = 0;

	for (size_t i = 0; i < d->n_peers; i++) {
		const Kld__WgPeerState *p = d->peers[i];

		if (p->public_key.len != WG_KEY_SIZE || wgd_peer_trapped(ifp, p, err, sizeof(err)) == 0)
			continue;
		memcpy(now[n++], p->public_key.data, WG_KEY_SIZE);
		if (wgd_key_in(ifp->trapped, ifp->ntrapped, p->public_key.data))
			continue;
		wg_key_to_base64(b64, p->public_key.data);
		kld_warn("%s: peer %s: %s", ifp->name, b64, err);
	}
	free(ifp->trapped);
	ifp->trapped = now;
	ifp->ntrapped = n;
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

		if (ifp && d->present) {
			wgd_health_if(w, ifp, d, now);
			wgd_trap_if(ifp, d);
		}
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

/* One metric family per peer value, in Prometheus' text format: every
 * family has its HELP and TYPE and all its samples together (the format
 * requires it; `promtool check metrics` checks it in test_wg_shell.py). */
struct wgd_metric {
	const char *name, *type, *help;
	/* false: no sample for this peer */
	bool (*value)(const struct wgd *w, const Kld__WgPeerState *p, time_t now, long long *v);
};

static bool wgd_m_rx(const struct wgd *w, const Kld__WgPeerState *p, time_t now, long long *v)
{
	*v = (long long)p->rx_bytes;
	return true;
}

static bool wgd_m_tx(const struct wgd *w, const Kld__WgPeerState *p, time_t now, long long *v)
{
	*v = (long long)p->tx_bytes;
	return true;
}

static bool wgd_m_hs(const struct wgd *w, const Kld__WgPeerState *p, time_t now, long long *v)
{
	*v = p->last_handshake_sec;
	return true;
}

static bool wgd_m_age(const struct wgd *w, const Kld__WgPeerState *p, time_t now, long long *v)
{
	*v = now - p->last_handshake_sec;
	return p->last_handshake_sec != 0;
}

static bool wgd_m_stale(const struct wgd *w, const Kld__WgPeerState *p, time_t now, long long *v)
{
	*v = p->last_handshake_sec && now - p->last_handshake_sec > (time_t)wgd_stale_secs(w);
	return true;
}

static const struct wgd_metric wgd_peer_metrics[] = {
	{ "wireguard_peer_receive_bytes_total", "counter", "Bytes received from the peer",
	  wgd_m_rx },
	{ "wireguard_peer_transmit_bytes_total", "counter", "Bytes sent to the peer", wgd_m_tx },
	{ "wireguard_peer_last_handshake_timestamp_seconds", "gauge",
	  "Unix time of the latest handshake with the peer (0: never)", wgd_m_hs },
	{ "wireguard_peer_handshake_age_seconds", "gauge",
	  "Seconds since the latest handshake (absent before the first)", wgd_m_age },
	{ "wireguard_peer_stale", "gauge",
	  "1 when the latest handshake is older than the stale threshold", wgd_m_stale },
};

static void wgd_metric_family(struct evbuffer *b, const struct wgd *w, const Kld__WgState *st,
			      const struct wgd_metric *m, time_t now)
{
	char b64[WG_KEY_B64_SIZE];
	long long v;

	kld_metrics_family(b, m->name, m->type, m->help);
	for (size_t i = 0; st && i < st->n_devices; i++) {
		const Kld__WgDeviceState *d = st->devices[i];

		for (size_t j = 0; j < d->n_peers; j++) {
			const Kld__WgPeerState *p = d->peers[j];

			if (p->public_key.len != WG_KEY_SIZE || !m->value(w, p, now, &v))
				continue;
			wg_key_to_base64(b64, p->public_key.data);
			evbuffer_add_printf(b, "%s{interface=\"%s\",public_key=\"%s\"} %lld\n",
					    m->name, d->ifname, b64, v);
		}
	}
}

static void wgd_metrics_body(struct evbuffer *b, void *arg)
{
	struct wgd *w = arg;
	Kld__Envelope *env = wgd_fetch_state(w, NULL);
	const Kld__WgState *st = env ? env->wg_state : NULL;
	time_t now = time(NULL);

	evbuffer_add_printf(b,
			    "# HELP wireguard_up Whether zebra-lite answered\n"
			    "# TYPE wireguard_up gauge\nwireguard_up %d\n",
			    st != NULL);
	evbuffer_add_printf(b, "# HELP wireguard_peers Peers of an interface\n"
			       "# TYPE wireguard_peers gauge\n");
	for (size_t i = 0; st && i < st->n_devices; i++)
		evbuffer_add_printf(b, "wireguard_peers{interface=\"%s\"} %zu\n",
				    st->devices[i]->ifname, st->devices[i]->n_peers);
	for (size_t i = 0; i < KLD_ARRAY_SIZE(wgd_peer_metrics); i++)
		wgd_metric_family(b, w, st, &wgd_peer_metrics[i], now);
	if (env)
		kld_frame_free(env);
}

int wgd_metrics_set(struct wgd *w, const struct kld_addr *addr, uint16_t port)
{
	return kld_metrics_set(&w->metrics, w->p.d.loop, addr, port, wgd_metrics_body, w);
}

int wgd_health_init(struct wgd *w)
{
	wgd_zebra_hooks.on_state = wgd_health_on_state;
	w->health_timer = kld_timer_new(w->p.d.loop, wgd_health_tick, w);
	kld_timer_arm(w->health_timer, WGD_HEALTH_MS);
	return 0;
}

void wgd_health_fini(struct wgd *w)
{
	kld_timer_free(w->health_timer);
	w->health_timer = NULL;
	kld_metrics_stop(&w->metrics);
}
