/*
 * wgd's model: interfaces with their peers, meshes, key files.
 *
 * A mesh is declared once, identically on every node, and names the node
 * it runs on with `self`. Its expansion is computed, never stored: the
 * effective peer set of an interface is its configured peers plus what
 * each mesh bound to it yields for `self` -- every other member in a full
 * mesh; in hub-and-spoke, every spoke on the hub and only the hub on a
 * spoke, whose allowed-ips then cover the overlay network and the other
 * members' LANs, so spoke-to-spoke traffic is relayed by the hub. Keeping
 * only the declaration means a change to one member line is reflected on
 * the next push with nothing to keep in sync.
 *
 * Validation works on the effective set, so a configured peer and a mesh
 * member cannot claim the same prefix or key either.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "trie.h"
#include "util.h"
#include "wgd.h"

bool wgd_ifname_valid(const char *name)
{
	size_t len = strlen(name);

	if (len == 0 || len >= IFNAMSIZ || !strcmp(name, ".") || !strcmp(name, ".."))
		return false;
	for (size_t i = 0; i < len; i++)
		if (name[i] == '/' || name[i] == ':' || name[i] <= ' ')
			return false;
	return true;
}

struct wgd_if *wgd_if_get(struct wgd *w, const char *name, bool create)
{
	return KLD_NAMED_GET(&w->ifs, struct wgd_if, name, create);
}

void wgd_peer_free(struct wgd_peer *peer)
{
	if (!peer)
		return;
	free(peer->description);
	free(peer->endpoint);
	free(peer->psk_file);
	free(peer->aips);
	free(peer);
}

void wgd_if_free(struct wgd_if *ifp)
{
	while (ifp->peers) {
		struct wgd_peer *p = ifp->peers;

		ifp->peers = p->next;
		wgd_peer_free(p);
	}
	wg_key_wipe(ifp->priv, sizeof(ifp->priv));
	free(ifp->key_file);
	free(ifp->addrs);
	free(ifp->sent);
	free(ifp->stale);
	free(ifp->trapped);
	free(ifp->ptab);
	kld_trie_free(ifp->claims[0], NULL);
	kld_trie_free(ifp->claims[1], NULL);
	free(ifp);
}

/* Public keys are uniformly random: their first bytes are a fine hash. */
static size_t wgd_ptab_slot(const struct wgd_if *ifp, const uint8_t *pub)
{
	uint64_t h;
	size_t i;

	memcpy(&h, pub, sizeof(h));
	for (i = (size_t)h & (ifp->ptab_cap - 1); ifp->ptab[i]; i = (i + 1) & (ifp->ptab_cap - 1))
		if (!memcmp(ifp->ptab[i]->pub, pub, WG_KEY_SIZE))
			break;
	return i;
}

static void wgd_ptab_rebuild(struct wgd_if *ifp, size_t cap)
{
	free(ifp->ptab);
	ifp->ptab_cap = cap;
	ifp->ptab = kld_xcalloc(cap, sizeof(*ifp->ptab));
	for (struct wgd_peer *p = ifp->peers; p; p = p->next)
		ifp->ptab[wgd_ptab_slot(ifp, p->pub)] = p;
}

struct wgd_peer *wgd_peer_get(struct wgd_if *ifp, const uint8_t *pub, bool create)
{
	struct wgd_peer *p;
	size_t i;

	if (ifp->ptab_cap) {
		i = wgd_ptab_slot(ifp, pub);
		if (ifp->ptab[i])
			return ifp->ptab[i];
	}
	if (!create)
		return NULL;
	p = kld_xcalloc(1, sizeof(*p));
	memcpy(p->pub, pub, WG_KEY_SIZE);
	if (ifp->peers_tail)
		ifp->peers_tail->next = p;
	else
		ifp->peers = p;
	ifp->peers_tail = p;
	ifp->npeers++;
	if (2 * ifp->npeers > ifp->ptab_cap)
		wgd_ptab_rebuild(ifp, ifp->ptab_cap ? 2 * ifp->ptab_cap : 64);
	else
		ifp->ptab[wgd_ptab_slot(ifp, pub)] = p;
	return p;
}

static struct kld_trie **wgd_claims(struct wgd_if *ifp, uint8_t family)
{
	struct kld_trie **t = &ifp->claims[family == AF_INET6];

	if (!*t)
		*t = kld_trie_new(family);
	return t;
}

void wgd_claim(struct wgd_if *ifp, const struct kld_prefix *x, struct wgd_peer *peer)
{
	struct kld_trie **t = wgd_claims(ifp, x->family);

	if (peer)
		kld_trie_insert(*t, x, peer);
	else
		kld_trie_delete(*t, x);
}

void wgd_peer_unlink(struct wgd_if *ifp, struct wgd_peer *peer)
{
	struct wgd_peer *prev = NULL;

	for (size_t i = 0; i < peer->naips; i++)
		wgd_claim(ifp, &peer->aips[i], NULL);

	for (struct wgd_peer **pp = &ifp->peers; *pp; prev = *pp, pp = &(*pp)->next) {
		if (*pp != peer)
			continue;
		*pp = peer->next;
		if (ifp->peers_tail == peer)
			ifp->peers_tail = prev;
		ifp->npeers--;
		wgd_ptab_rebuild(ifp, ifp->ptab_cap);
		return;
	}
}

struct wgd_mesh *wgd_mesh_get(struct wgd *w, const char *name, bool create)
{
	return KLD_NAMED_GET(&w->meshes, struct wgd_mesh, name, create);
}

void wgd_mesh_free(struct wgd_mesh *m)
{
	for (size_t i = 0; i < m->nmembers; i++)
		free(m->members[i].endpoint);
	free(m->members);
	free(m);
}

struct wgd_member *wgd_member_get(struct wgd_mesh *m, const char *name)
{
	for (size_t i = 0; i < m->nmembers; i++)
		if (!strcmp(m->members[i].name, name))
			return &m->members[i];
	return NULL;
}

void wgd_free_all(struct wgd *w)
{
	while (w->ifs) {
		struct wgd_if *i = w->ifs;

		w->ifs = i->next;
		wgd_if_free(i);
	}
	while (w->meshes) {
		struct wgd_mesh *m = w->meshes;

		w->meshes = m->next;
		wgd_mesh_free(m);
	}
}

/* ---- key files ---- */

static int wgd_write_key(int fd, const uint8_t key[WG_KEY_SIZE])
{
	char b64[WG_KEY_B64_SIZE + 1];
	ssize_t n;

	wg_key_to_base64(b64, key);
	b64[WG_KEY_B64_LEN] = '\n';
	n = write(fd, b64, WG_KEY_B64_LEN + 1);
	wg_key_wipe(b64, sizeof(b64));
	if (n != WG_KEY_B64_LEN + 1 || fsync(fd) < 0)
		return -1;
	return 0;
}

static int wgd_key_generate_file(const char *path, uint8_t key[WG_KEY_SIZE], bool private_key,
				 char *err, size_t errsize)
{
	int fd, ret;

	if ((private_key ? wg_key_generate_private(key) : wg_key_generate_preshared(key)) < 0) {
		snprintf(err, errsize, "cannot generate a key");
		return -1;
	}
	fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errsize, "cannot create %s: %s", path, strerror(errno));
		return -1;
	}
	ret = wgd_write_key(fd, key);
	close(fd);
	if (ret < 0) {
		unlink(path);
		snprintf(err, errsize, "cannot write %s", path);
	}
	return ret;
}

int wgd_key_file_load(const char *path, uint8_t key[WG_KEY_SIZE], bool private_key, char *err,
		      size_t errsize)
{
	char buf[WG_KEY_B64_SIZE + 8];
	ssize_t n;
	int fd, ret;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT)
		return wgd_key_generate_file(path, key, private_key, err, errsize);
	if (fd < 0) {
		snprintf(err, errsize, "cannot open %s: %s", path, strerror(errno));
		return -1;
	}
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	ret = wg_key_from_base64(key, buf);
	wg_key_wipe(buf, sizeof(buf));
	if (ret < 0)
		snprintf(err, errsize, "%s does not hold a base64 WireGuard key", path);
	return ret;
}

int wgd_key_file_replace(const char *path, const uint8_t key[WG_KEY_SIZE], char *err,
			 size_t errsize)
{
	char tmp[PATH_MAX];
	int fd, ret;

	snprintf(tmp, sizeof(tmp), "%s.new", path);
	unlink(tmp);
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		snprintf(err, errsize, "cannot create %s: %s", tmp, strerror(errno));
		return -1;
	}
	ret = wgd_write_key(fd, key);
	close(fd);
	if (ret < 0 || rename(tmp, path) < 0) {
		snprintf(err, errsize, "cannot replace %s: %s", path, strerror(errno));
		unlink(tmp);
		return -1;
	}
	return 0;
}

bool wgd_endpoint_valid(const char *ep)
{
	const char *colon = strrchr(ep, ':');
	char *end;
	long port;

	if (!colon || colon == ep)
		return false;
	if (ep[0] == '[' && colon[-1] != ']')
		return false;
	port = strtol(colon + 1, &end, 10);
	return *end == '\0' && colon[1] && port >= 1 && port <= 65535;
}

int wgd_endpoint_split(const char *ep, char *host, size_t hsize, char *port, size_t psize)
{
	const char *colon = strrchr(ep, ':');
	size_t hl;

	if (!colon || (size_t)(colon - ep) >= hsize)
		return -1;
	hl = (size_t)(colon - ep);
	memcpy(host, ep, hl);
	host[hl] = '\0';
	if (host[0] == '[' && hl >= 2 && host[hl - 1] == ']') {
		host[hl - 1] = '\0';
		memmove(host, host + 1, hl - 1);
	}
	snprintf(port, psize, "%s", colon + 1);
	return 0;
}

int wgd_endpoint_addr(const char *ep, struct kld_addr *a)
{
	char host[256], port[8];

	if (!ep || wgd_endpoint_split(ep, host, sizeof(host), port, sizeof(port)) < 0)
		return -1;
	return kld_addr_parse(host, a);
}

/* A route for x out of the tunnel would carry the tunnel's own packets to
 * this endpoint: nothing would reach the peer again. Default routes are
 * not installed in main (split tunnel), or only behind full tunnel's
 * fwmark rule, so they never trap. */
int wgd_check_trap(const struct wgd_if *ifp, const char *endpoint, const struct kld_prefix *aips,
		   size_t n, char *err, size_t errsize)
{
	char pb[KLD_PREFIX_STRLEN], ab[KLD_ADDR_STRLEN];
	struct kld_addr a;

	if (ifp->no_routes || wgd_endpoint_addr(endpoint, &a) < 0)
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (!aips[i].len || !kld_prefix_contains_addr(&aips[i], &a))
			continue;
		snprintf(err, errsize,
			 "allowed-ips %s contains the peer's own endpoint %s: its route would "
			 "send the tunnel's packets into the tunnel and nothing would reach the "
			 "peer (use a prefix that leaves the endpoint out, or no install-routes)",
			 kld_prefix_fmt(&aips[i], pb, sizeof(pb)), kld_addr_fmt(&a, ab, sizeof(ab)));
		return -1;
	}
	return 0;
}

/* The device's live allowed-ips as prefixes; free the result. */
static struct kld_prefix *wgd_live_aips(const Kld__WgPeerState *p)
{
	struct kld_prefix *a = kld_xcalloc(p->n_allowed_ips + 1, sizeof(*a));

	for (size_t i = 0; i < p->n_allowed_ips; i++) {
		const Kld__Prefix *m = p->allowed_ips[i];

		if (kld_prefix_set(&a[i], (uint8_t)m->family, m->addr.data, (uint8_t)m->len) < 0)
			memset(&a[i], 0, sizeof(a[i])); /* length 0: never a trap */
	}
	return a;
}

int wgd_peer_trapped(const struct wgd_if *ifp, const Kld__WgPeerState *p, char *err,
		     size_t errsize)
{
	struct kld_prefix *a;
	int ret;

	if (!p->endpoint[0])
		return 0;
	a = wgd_live_aips(p);
	ret = wgd_check_trap(ifp, p->endpoint, a, p->n_allowed_ips, err, errsize);
	free(a);
	return ret;
}

/* ---- across planes ---- */

const struct wgd_if *wgd_key_user(const struct wgd *w, const struct wgd_if *ifp,
				  const uint8_t pub[WG_KEY_SIZE])
{
	for (const struct wgd_if *o = w->ifs; o; o = o->next)
		if (o != ifp && o->has_key && !memcmp(o->pub, pub, WG_KEY_SIZE))
			return o;
	return NULL;
}

const struct wgd_if *wgd_port_user(struct wgd *w, const struct wgd_if *ifp, uint16_t port)
{
	for (const struct wgd_if *o = w->ifs; port && o; o = o->next)
		if (o != ifp && wgd_if_port(w, o) == port)
			return o;
	return NULL;
}

/* Two planes with one address: the kernel would hold it twice and answer
 * for it on whichever plane, so the planes would not be separate. The
 * same network with different hosts is only worth a warning (a lab may
 * want it; routing picks one of the two connected routes). */
int wgd_check_addr(struct wgd *w, const struct wgd_if *ifp, const struct kld_prefix *x, char *err,
		   size_t errsize, char *warn, size_t wsize)
{
	char pb[KLD_PREFIX_STRLEN], ob[KLD_PREFIX_STRLEN];
	struct kld_addr ax, ao;
	int ret = 0;

	kld_addr_from_prefix(&ax, x);
	for (const struct wgd_if *o = w->ifs; o && !ret; o = o->next) {
		struct kld_prefix *a;
		size_t n = o == ifp ? 0 : wgd_if_addrs(w, o, &a);

		for (size_t i = 0; i < n && !ret; i++) {
			kld_addr_from_prefix(&ao, &a[i]);
			if (kld_addr_eq(&ao, &ax)) {
				snprintf(err, errsize,
					 "address %s is already %s's: planes must not share an "
					 "address",
					 kld_prefix_fmt(x, pb, sizeof(pb)), o->name);
				ret = -1;
			} else if (warn && (kld_prefix_contains_addr(&a[i], &ax) ||
					    kld_prefix_contains_addr(x, &ao))) {
				snprintf(warn, wsize,
					 "address %s overlaps %s on %s: the two planes' networks "
					 "share addresses",
					 kld_prefix_fmt(x, pb, sizeof(pb)),
					 kld_prefix_fmt(&a[i], ob, sizeof(ob)), o->name);
			}
		}
		if (o != ifp)
			free(a);
	}
	return ret;
}

/* Ports, keys and addresses this plane shares with another. */
static int wgd_check_planes(struct wgd *w, const struct wgd_if *ifp, char *err, size_t errsize)
{
	uint16_t port = wgd_if_port(w, ifp);
	const struct wgd_if *o = wgd_port_user(w, ifp, port);
	struct kld_prefix *a;
	size_t n;
	int ret = 0;

	if (o) {
		snprintf(err, errsize, "listen-port %u is already used by %s", port, o->name);
		return -1;
	}
	n = wgd_if_addrs(w, ifp, &a);
	for (size_t i = 0; i < n && !ret; i++)
		ret = wgd_check_addr(w, ifp, &a[i], err, errsize, NULL, 0);
	free(a);
	return ret;
}

/* ---- effective peers ---- */

static struct wgd_epeer *wgd_epeer_add(struct wgd_epeer **arr, size_t *n, size_t *cap)
{
	if (*n == *cap) {
		*cap = *cap ? *cap * 2 : 8;
		*arr = kld_xrealloc(*arr, *cap * sizeof(**arr));
	}
	memset(&(*arr)[*n], 0, sizeof(**arr));
	return &(*arr)[(*n)++];
}

static void wgd_epeer_aip(struct wgd_epeer *e, const struct kld_prefix *p)
{
	e->aips = kld_xrealloc(e->aips, (e->naips + 1) * sizeof(*e->aips));
	e->aips[e->naips] = *p;
	kld_prefix_mask(&e->aips[e->naips]);
	e->naips++;
}

static void wgd_member_host(struct wgd_epeer *e, const struct wgd_member *m)
{
	struct kld_prefix host = m->addr;

	host.len = (uint8_t)kld_family_bits(host.family);
	wgd_epeer_aip(e, &host);
}

static void wgd_epeer_member(struct wgd_epeer *e, const struct wgd_mesh *m,
			     const struct wgd_member *mb)
{
	memcpy(e->pub, mb->pub, WG_KEY_SIZE);
	e->endpoint = mb->endpoint;
	e->keepalive = m->keepalive;
	snprintf(e->origin_buf, sizeof(e->origin_buf), "mesh %s member %s", m->name, mb->name);
}

static void wgd_member_lans(struct wgd_epeer *e, const struct wgd_member *mb)
{
	for (uint8_t i = 0; i < mb->nlans; i++)
		wgd_epeer_aip(e, &mb->lans[i]);
}

/* A spoke's only peer: the hub, covering the overlay and every LAN. */
static void wgd_expand_spoke(const struct wgd_mesh *m, const struct wgd_member *hub,
			     struct wgd_epeer *e)
{
	struct kld_prefix net = hub->addr;

	wgd_epeer_member(e, m, hub);
	wgd_epeer_aip(e, &net);
	for (size_t i = 0; i < m->nmembers; i++)
		if (strcmp(m->members[i].name, m->self))
			wgd_member_lans(e, &m->members[i]);
}

static void wgd_expand_mesh(const struct wgd_mesh *m, struct wgd_epeer **arr, size_t *n,
			    size_t *cap)
{
	const struct wgd_member *self = wgd_member_get((struct wgd_mesh *)m, m->self);
	const struct wgd_member *hub =
	    m->hub[0] ? wgd_member_get((struct wgd_mesh *)m, m->hub) : NULL;

	if (!self)
		return;
	if (hub && hub != self) {
		wgd_expand_spoke(m, hub, wgd_epeer_add(arr, n, cap));
		return;
	}
	for (size_t i = 0; i < m->nmembers; i++) {
		const struct wgd_member *mb = &m->members[i];
		struct wgd_epeer *e;

		if (mb == self)
			continue;
		e = wgd_epeer_add(arr, n, cap);
		wgd_epeer_member(e, m, mb);
		wgd_member_host(e, mb);
		wgd_member_lans(e, mb);
	}
}

size_t wgd_if_epeers(struct wgd *w, const struct wgd_if *ifp, struct wgd_epeer **out)
{
	struct wgd_epeer *arr = NULL;
	size_t n = 0, cap = 0;

	for (struct wgd_peer *p = ifp->peers; p; p = p->next) {
		struct wgd_epeer *e = wgd_epeer_add(&arr, &n, &cap);

		memcpy(e->pub, p->pub, WG_KEY_SIZE);
		e->endpoint = p->endpoint;
		e->keepalive = p->keepalive;
		e->psk_file = p->psk_file;
		for (size_t i = 0; i < p->naips; i++)
			wgd_epeer_aip(e, &p->aips[i]);
	}
	for (struct wgd_mesh *m = w->meshes; m; m = m->next)
		if (!strcmp(m->ifname, ifp->name))
			wgd_expand_mesh(m, &arr, &n, &cap);
	for (size_t i = 0; i < n; i++)
		arr[i].origin = arr[i].origin_buf;
	*out = arr;
	return n;
}

void wgd_epeers_free(struct wgd_epeer *e, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(e[i].aips);
	free(e);
}

static void wgd_peer_label(const struct wgd_epeer *e, char *buf, size_t size)
{
	char b64[WG_KEY_B64_SIZE];

	wg_key_to_base64(b64, e->pub);
	if (e->origin[0])
		snprintf(buf, size, "%s (%s)", b64, e->origin);
	else
		snprintf(buf, size, "%s", b64);
}

/* (prefix, peer) pairs sorted by prefix find a prefix claimed twice in
 * O(n log n): the check runs on every mesh change, and a plane may carry
 * ten thousand peers. */
struct wgd_claim {
	struct kld_prefix prefix;
	size_t peer;
};

static int wgd_claim_cmp(const void *a, const void *b)
{
	const struct wgd_claim *x = a, *y = b;
	int c = kld_prefix_cmp(&x->prefix, &y->prefix);

	if (c)
		return c;
	return x->peer < y->peer ? -1 : x->peer > y->peer;
}

static int wgd_pub_cmp(const void *a, const void *b)
{
	return memcmp(((const struct wgd_epeer *)a)->pub, ((const struct wgd_epeer *)b)->pub,
		      WG_KEY_SIZE);
}

static int wgd_check_keys(const struct wgd_if *ifp, struct wgd_epeer *e, size_t n, char *err,
			  size_t errsize)
{
	char la[160], lb[160];

	for (size_t i = 0; i < n; i++) {
		if (ifp->has_key && !memcmp(e[i].pub, ifp->pub, WG_KEY_SIZE)) {
			snprintf(err, errsize, "a peer cannot have the interface's own public key");
			return -1;
		}
		if (i && !memcmp(e[i].pub, e[i - 1].pub, WG_KEY_SIZE)) {
			wgd_peer_label(&e[i], la, sizeof(la));
			wgd_peer_label(&e[i - 1], lb, sizeof(lb));
			snprintf(err, errsize, "peer %s is declared twice (also %s)", la, lb);
			return -1;
		}
	}
	return 0;
}

static int wgd_check_claims(struct wgd_epeer *e, size_t n, char *err, size_t errsize)
{
	struct wgd_claim *c;
	size_t nc = 0, total = 0;
	char la[160], pb[KLD_PREFIX_STRLEN];
	int ret = 0;

	for (size_t i = 0; i < n; i++)
		total += e[i].naips;
	c = kld_xcalloc(total + 1, sizeof(*c));
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < e[i].naips; j++)
			c[nc++] = (struct wgd_claim){.prefix = e[i].aips[j], .peer = i};
	qsort(c, nc, sizeof(*c), wgd_claim_cmp);
	for (size_t i = 1; i < nc && !ret; i++) {
		if (kld_prefix_cmp(&c[i].prefix, &c[i - 1].prefix) || c[i].peer == c[i - 1].peer)
			continue;
		wgd_peer_label(&e[c[i - 1].peer], la, sizeof(la));
		snprintf(err, errsize, "allowed-ips %s is already routed to peer %s",
			 kld_prefix_fmt(&c[i].prefix, pb, sizeof(pb)), la);
		ret = -1;
	}
	free(c);
	return ret;
}

int wgd_if_check(struct wgd *w, const struct wgd_if *ifp, char *err, size_t errsize)
{
	struct wgd_epeer *e;
	size_t n = wgd_if_epeers(w, ifp, &e);
	int ret;

	qsort(e, n, sizeof(*e), wgd_pub_cmp);
	for (size_t i = 0; i < n; i++)
		e[i].origin = e[i].origin_buf; /* the sort moved the buffers */
	ret = wgd_check_keys(ifp, e, n, err, errsize);
	if (!ret)
		ret = wgd_check_claims(e, n, err, errsize);
	for (size_t i = 0; i < n && !ret; i++)
		ret = wgd_check_trap(ifp, e[i].endpoint, e[i].aips, e[i].naips, err, errsize);
	if (!ret)
		ret = wgd_check_planes(w, ifp, err, errsize);
	wgd_epeers_free(e, n);
	return ret;
}

/* The cheap checks for one command on a configured peer: only what that
 * command adds is compared, without building the whole peer set. */
static bool wgd_mesh_on(const struct wgd_mesh *m, const struct wgd_if *ifp)
{
	return !strcmp(m->ifname, ifp->name) && m->self[0];
}

int wgd_if_check_key(struct wgd *w, const struct wgd_if *ifp, const uint8_t *pub, char *err,
		     size_t errsize)
{
	if (ifp->has_key && !memcmp(pub, ifp->pub, WG_KEY_SIZE)) {
		snprintf(err, errsize, "a peer cannot have the interface's own public key");
		return -1;
	}
	for (struct wgd_mesh *m = w->meshes; m; m = m->next) {
		if (!wgd_mesh_on(m, ifp))
			continue;
		for (size_t i = 0; i < m->nmembers; i++) {
			if (memcmp(m->members[i].pub, pub, WG_KEY_SIZE))
				continue;
			snprintf(err, errsize, "this key is member %s of mesh %s",
				 m->members[i].name, m->name);
			return -1;
		}
	}
	return 0;
}

int wgd_if_check_prefix(struct wgd *w, const struct wgd_if *ifp, const struct wgd_peer *self,
			const struct kld_prefix *x, char *err, size_t errsize)
{
	char b64[WG_KEY_B64_SIZE], pb[KLD_PREFIX_STRLEN];
	const struct wgd_peer *p;
	bool mesh = false;

	p = ifp->claims[x->family == AF_INET6]
		? kld_trie_lookup(ifp->claims[x->family == AF_INET6], x)
		: NULL;
	if (p && p != self) {
		wg_key_to_base64(b64, p->pub);
		snprintf(err, errsize, "allowed-ips %s is already routed to peer %s",
			 kld_prefix_fmt(x, pb, sizeof(pb)), b64);
		return -1;
	}
	for (struct wgd_mesh *m = w->meshes; m; m = m->next)
		mesh = mesh || wgd_mesh_on(m, ifp);
	return mesh ? wgd_if_check(w, ifp, err, errsize) : 0;
}

size_t wgd_if_addrs(struct wgd *w, const struct wgd_if *ifp, struct kld_prefix **out)
{
	size_t n = 0, cap = ifp->naddrs + 1;
	struct kld_prefix *a;

	for (struct wgd_mesh *m = w->meshes; m; m = m->next)
		cap++;
	a = kld_xcalloc(cap, sizeof(*a));
	for (size_t i = 0; i < ifp->naddrs; i++)
		a[n++] = ifp->addrs[i];
	for (struct wgd_mesh *m = w->meshes; m; m = m->next) {
		struct wgd_member *self = wgd_member_get(m, m->self);

		if (self && !strcmp(m->ifname, ifp->name))
			a[n++] = self->addr;
	}
	*out = a;
	return n;
}

uint16_t wgd_if_port(struct wgd *w, const struct wgd_if *ifp)
{
	if (ifp->listen_port)
		return ifp->listen_port;
	for (struct wgd_mesh *m = w->meshes; m; m = m->next) {
		struct wgd_member *self = wgd_member_get(m, m->self);
		const char *colon;

		if (!self || !self->endpoint || strcmp(m->ifname, ifp->name))
			continue;
		colon = strrchr(self->endpoint, ':');
		if (colon)
			return (uint16_t)atoi(colon + 1);
	}
	return 0;
}

uint32_t wgd_if_ft_table(const struct wgd_if *ifp)
{
	if (!ifp->full_tunnel)
		return 0;
	return ifp->ft_table ? ifp->ft_table : WGD_DEFAULT_FT_TABLE;
}
