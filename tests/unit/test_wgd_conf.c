/*
 * wgd's model: mesh expansion (full mesh, hub-and-spoke), the validation
 * of an interface's peer set, endpoints, and key files.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <cmocka.h>

#include "wgd/wgd.h"

static void key_of(uint8_t key[WG_KEY_SIZE], uint8_t n)
{
	memset(key, n, WG_KEY_SIZE);
}

static void pfx(struct kld_prefix *p, const char *s)
{
	assert_int_equal(kld_ifaddr_parse(s, p), 0);
}

static struct wgd_member *add_member(struct wgd_mesh *m, const char *name, uint8_t k,
				     const char *addr, const char *lan, const char *ep)
{
	struct wgd_member *mb;

	m->members = realloc(m->members, (m->nmembers + 1) * sizeof(*m->members));
	mb = &m->members[m->nmembers++];
	memset(mb, 0, sizeof(*mb));
	snprintf(mb->name, sizeof(mb->name), "%s", name);
	key_of(mb->pub, k);
	pfx(&mb->addr, addr);
	if (lan)
		assert_int_equal(kld_prefix_parse(lan, &mb->lans[mb->nlans++], true), 0);
	mb->endpoint = ep ? strdup(ep) : NULL;
	return mb;
}

static struct wgd_mesh *three(struct wgd *w, const char *self, const char *hub)
{
	struct wgd_mesh *m = wgd_mesh_get(w, "bp", true);

	snprintf(m->ifname, sizeof(m->ifname), "wg0");
	snprintf(m->self, sizeof(m->self), "%s", self);
	snprintf(m->hub, sizeof(m->hub), "%s", hub ? hub : "");
	m->keepalive = 25;
	add_member(m, "a", 1, "10.200.0.1/24", "10.100.1.0/24", "192.0.2.1:51820");
	add_member(m, "b", 2, "10.200.0.2/24", "10.100.2.0/24", NULL);
	add_member(m, "c", 3, "10.200.0.3/24", NULL, "192.0.2.3:51821");
	return m;
}

static bool has_aip(const struct wgd_epeer *e, const char *s)
{
	struct kld_prefix p;

	assert_int_equal(kld_prefix_parse(s, &p, true), 0);
	for (size_t i = 0; i < e->naips; i++)
		if (kld_prefix_eq(&e->aips[i], &p))
			return true;
	return false;
}

static void test_full_mesh_expansion(void **state)
{
	struct wgd w = {0};
	struct wgd_if *ifp = wgd_if_get(&w, "wg0", true);
	struct wgd_epeer *e;
	struct kld_prefix *addrs;
	size_t n, na;

	(void)state;
	three(&w, "a", NULL);
	n = wgd_if_epeers(&w, ifp, &e);
	assert_int_equal(n, 2);
	assert_int_equal(e[0].pub[0], 2);
	assert_int_equal(e[0].naips, 2);
	assert_true(has_aip(&e[0], "10.200.0.2/32") && has_aip(&e[0], "10.100.2.0/24"));
	assert_null(e[0].endpoint);
	assert_int_equal(e[0].keepalive, 25);
	assert_string_equal(e[0].origin, "mesh bp member b");
	assert_int_equal(e[1].naips, 1);
	assert_string_equal(e[1].endpoint, "192.0.2.3:51821");
	wgd_epeers_free(e, n);
	/* self's address goes on the interface, its port becomes the port */
	na = wgd_if_addrs(&w, ifp, &addrs);
	assert_int_equal(na, 1);
	assert_int_equal(addrs[0].len, 24);
	free(addrs);
	assert_int_equal(wgd_if_port(&w, ifp), 51820);
	ifp->listen_port = 4000;
	assert_int_equal(wgd_if_port(&w, ifp), 4000);
	wgd_free_all(&w);
}

static void test_hub_and_spoke_expansion(void **state)
{
	struct wgd w = {0};
	struct wgd_if *ifp = wgd_if_get(&w, "wg0", true);
	struct wgd_mesh *m;
	struct wgd_epeer *e;
	size_t n;

	(void)state;
	m = three(&w, "b", "a");
	/* a spoke: only the hub, carrying the overlay and the other LANs */
	n = wgd_if_epeers(&w, ifp, &e);
	assert_int_equal(n, 1);
	assert_int_equal(e[0].pub[0], 1);
	assert_true(has_aip(&e[0], "10.200.0.0/24"));
	assert_true(has_aip(&e[0], "10.100.1.0/24"));
	assert_false(has_aip(&e[0], "10.100.2.0/24")); /* its own LAN */
	assert_int_equal(e[0].naips, 2);
	wgd_epeers_free(e, n);
	/* the hub: every spoke, each with its host route */
	snprintf(m->self, sizeof(m->self), "a");
	n = wgd_if_epeers(&w, ifp, &e);
	assert_int_equal(n, 2);
	assert_true(has_aip(&e[0], "10.200.0.2/32") && has_aip(&e[1], "10.200.0.3/32"));
	wgd_epeers_free(e, n);
	/* a mesh on another interface, or without self, adds nothing */
	snprintf(m->ifname, sizeof(m->ifname), "wg1");
	n = wgd_if_epeers(&w, ifp, &e);
	assert_int_equal(n, 0);
	wgd_epeers_free(e, n);
	wgd_free_all(&w);
}

static void test_checks(void **state)
{
	struct wgd w = {0};
	struct wgd_if *ifp = wgd_if_get(&w, "wg0", true);
	struct wgd_peer *p, *q;
	struct kld_prefix x;
	uint8_t k[WG_KEY_SIZE];
	char err[512];

	(void)state;
	key_of(k, 9);
	p = wgd_peer_get(ifp, k, true);
	key_of(k, 8);
	q = wgd_peer_get(ifp, k, true);
	assert_ptr_equal(wgd_peer_get(ifp, k, false), q);
	/* many peers: the index grows and finds each; unlink forgets one */
	for (int i = 100; i < 250; i++) {
		key_of(k, (uint8_t)i);
		wgd_peer_get(ifp, k, true);
	}
	assert_int_equal(ifp->npeers, 152);
	key_of(k, 120);
	{
		struct wgd_peer *r = wgd_peer_get(ifp, k, false);

		assert_non_null(r);
		wgd_peer_unlink(ifp, r);
		wgd_peer_free(r);
	}
	assert_null(wgd_peer_get(ifp, k, false));
	key_of(k, 249);
	assert_non_null(wgd_peer_get(ifp, k, false));
	assert_ptr_equal(ifp->peers_tail, wgd_peer_get(ifp, k, false));
	key_of(k, 8);
	assert_ptr_equal(wgd_peer_get(ifp, k, false), q);
	pfx(&x, "10.9.0.0/24");
	p->aips = malloc(sizeof(x));
	p->aips[p->naips++] = x;
	wgd_claim(ifp, &x, p);
	assert_int_equal(wgd_if_check(&w, ifp, err, sizeof(err)), 0);
	assert_int_equal(wgd_if_check_prefix(&w, ifp, q, &x, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "10.9.0.0/24 is already routed to peer CQkJ"));
	assert_int_equal(wgd_if_check_prefix(&w, ifp, p, &x, err, sizeof(err)), 0);
	q->aips = malloc(sizeof(x));
	q->aips[q->naips++] = x;
	assert_int_equal(wgd_if_check(&w, ifp, err, sizeof(err)), -1);
	q->naips = 0;
	/* unlinking a peer releases its claims */
	wgd_peer_unlink(ifp, p);
	assert_int_equal(wgd_if_check_prefix(&w, ifp, q, &x, err, sizeof(err)), 0);
	wgd_peer_free(p);
	/* a mesh member with the same key, or the same prefix, conflicts */
	three(&w, "a", NULL);
	assert_int_equal(wgd_if_check(&w, ifp, err, sizeof(err)), 0);
	key_of(k, 2);
	assert_int_equal(wgd_if_check_key(&w, ifp, k, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "member b of mesh bp"));
	pfx(&x, "10.100.2.0/24");
	q->aips[0] = x;
	q->naips = 1;
	assert_int_equal(wgd_if_check_prefix(&w, ifp, q, &x, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "(mesh bp member b)"));
	/* the interface's own key */
	q->naips = 0;
	ifp->has_key = true;
	key_of(ifp->pub, 8);
	assert_int_equal(wgd_if_check(&w, ifp, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "own public key"));
	assert_int_equal(wgd_if_check_key(&w, ifp, ifp->pub, err, sizeof(err)), -1);
	wgd_free_all(&w);
}

static void test_endpoints_and_names(void **state)
{
	(void)state;
	assert_true(wgd_endpoint_valid("192.0.2.1:51820"));
	assert_true(wgd_endpoint_valid("vpn.example.net:1"));
	assert_true(wgd_endpoint_valid("[2001:db8::1]:65535"));
	assert_false(wgd_endpoint_valid("192.0.2.1"));
	assert_false(wgd_endpoint_valid("192.0.2.1:0"));
	assert_false(wgd_endpoint_valid("192.0.2.1:65536"));
	assert_false(wgd_endpoint_valid("192.0.2.1:51820x"));
	assert_false(wgd_endpoint_valid(":51820"));
	assert_false(wgd_endpoint_valid("2001:db8::1:51820x"));
	assert_false(wgd_endpoint_valid("[2001:db8::1:51820"));
	assert_true(wgd_ifname_valid("wg-mgmt"));
	assert_false(wgd_ifname_valid("wg/0"));
	assert_false(wgd_ifname_valid(""));
	assert_false(wgd_ifname_valid("0123456789abcdef"));
}

/* What cannot work across planes, and a prefix over a peer's own
 * endpoint (it would route the tunnel's packets into the tunnel). */
static void test_planes_and_traps(void **state)
{
	struct wgd w = {0};
	struct wgd_if *mgmt = wgd_if_get(&w, "wg-mgmt", true);
	struct wgd_if *data = wgd_if_get(&w, "wg-data", true);
	struct kld_prefix x[2];
	struct kld_addr a;
	char err[512], warn[256] = "";

	(void)state;
	mgmt->listen_port = 51820;
	mgmt->has_key = true;
	key_of(mgmt->pub, 7);
	pfx(&x[0], "10.200.0.1/24");
	mgmt->addrs = malloc(sizeof(x[0]));
	mgmt->addrs[0] = x[0];
	mgmt->naddrs = 1;
	assert_ptr_equal(wgd_port_user(&w, data, 51820), mgmt);
	assert_null(wgd_port_user(&w, data, 51821));
	assert_null(wgd_port_user(&w, mgmt, 51820));
	assert_ptr_equal(wgd_key_user(&w, data, mgmt->pub), mgmt);
	assert_null(wgd_key_user(&w, mgmt, mgmt->pub));
	/* the same address (any length) is refused, the same network warned */
	pfx(&x[1], "10.200.0.1/16");
	assert_int_equal(wgd_check_addr(&w, data, &x[1], err, sizeof(err), warn, sizeof(warn)), -1);
	assert_non_null(strstr(err, "already wg-mgmt's"));
	pfx(&x[1], "10.200.0.2/24");
	assert_int_equal(wgd_check_addr(&w, data, &x[1], err, sizeof(err), warn, sizeof(warn)), 0);
	assert_string_equal(warn, "address 10.200.0.2/24 overlaps 10.200.0.1/24 on wg-mgmt: the two "
				  "planes' networks share addresses");
	pfx(&x[1], "10.201.0.1/24");
	warn[0] = '\0';
	assert_int_equal(wgd_check_addr(&w, data, &x[1], err, sizeof(err), warn, sizeof(warn)), 0);
	assert_string_equal(warn, "");
	/* a plane's port taken by another is found by the whole-set check */
	data->listen_port = 51820;
	assert_int_equal(wgd_if_check(&w, data, err, sizeof(err)), -1);
	assert_string_equal(err, "listen-port 51820 is already used by wg-mgmt");
	data->listen_port = 51821;
	assert_int_equal(wgd_if_check(&w, data, err, sizeof(err)), 0);
	/* traps: literal endpoints only; default routes never; no routes, none */
	assert_int_equal(wgd_endpoint_addr("[2001:db8::2]:51820", &a), 0);
	assert_int_equal(wgd_endpoint_addr("vpn.example.net:51820", &a), -1);
	assert_int_equal(kld_prefix_parse("192.0.2.0/25", &x[0], true), 0);
	assert_int_equal(kld_prefix_parse("0.0.0.0/0", &x[1], true), 0);
	assert_int_equal(wgd_check_trap(data, "192.0.2.2:51820", x, 2, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "allowed-ips 192.0.2.0/25 contains the peer's own endpoint "
				    "192.0.2.2"));
	assert_int_equal(wgd_check_trap(data, "192.0.2.200:51820", x, 2, err, sizeof(err)), 0);
	assert_int_equal(wgd_check_trap(data, "vpn.example.net:1", x, 2, err, sizeof(err)), 0);
	assert_int_equal(wgd_check_trap(data, NULL, x, 2, err, sizeof(err)), 0);
	data->no_routes = true;
	assert_int_equal(wgd_check_trap(data, "192.0.2.2:51820", x, 2, err, sizeof(err)), 0);
	wgd_free_all(&w);
}

static void test_key_files(void **state)
{
	char dir[] = "/tmp/wgd-test-XXXXXX", path[128], err[256];
	uint8_t k1[WG_KEY_SIZE], k2[WG_KEY_SIZE], k3[WG_KEY_SIZE];
	struct stat st;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/wg0.key", dir);
	/* missing: generated 0600, and read back the same */
	assert_int_equal(wgd_key_file_load(path, k1, true, err, sizeof(err)), 0);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(k1[0] & 7, 0); /* clamped: a private key */
	assert_int_equal(wgd_key_file_load(path, k2, true, err, sizeof(err)), 0);
	assert_memory_equal(k1, k2, WG_KEY_SIZE);
	/* replaced atomically */
	memset(k3, 0x42, sizeof(k3));
	assert_int_equal(wgd_key_file_replace(path, k3, err, sizeof(err)), 0);
	assert_int_equal(wgd_key_file_load(path, k2, true, err, sizeof(err)), 0);
	assert_memory_equal(k2, k3, WG_KEY_SIZE);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* garbage is refused, with the file named */
	f = fopen(path, "w");
	fputs("not a key\n", f);
	fclose(f);
	assert_int_equal(wgd_key_file_load(path, k2, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "does not hold a base64 WireGuard key"));
	unlink(path);
	snprintf(path, sizeof(path), "%s/missing/dir.key", dir);
	assert_int_equal(wgd_key_file_load(path, k2, true, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "cannot create"));
	rmdir(dir);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_full_mesh_expansion),
	    cmocka_unit_test(test_hub_and_spoke_expansion),
	    cmocka_unit_test(test_checks),
	    cmocka_unit_test(test_endpoints_and_names),
	    cmocka_unit_test(test_key_files),
	    cmocka_unit_test(test_planes_and_traps),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
