/* The shell's merge of the daemons' running configurations: every line
 * of every sub-block stays (issue 10: a line repeated under a second peer
 * or address family was dropped, and with it the second block's closer);
 * blocks two daemons print merge without losing or doubling a line. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "util.h"
#include "vtysh/vtysh_merge.h"

/* Merge the texts (NULL-terminated) and return the result. */
static char *merge(const char *first, ...)
{
	struct vtysh_merge *m = vtysh_merge_new();
	struct kld_buf out;
	va_list ap;

	va_start(ap, first);
	for (const char *t = first; t; t = va_arg(ap, const char *))
		vtysh_merge_add(m, t);
	va_end(ap);
	kld_buf_init(&out);
	vtysh_merge_write(m, &out);
	vtysh_merge_free(m);
	return kld_buf_steal(&out);
}

static const char *wgd_text =
	"wireguard wg0\n"
	" private-key file /etc/kldnet/wg0.key\n"
	" address 10.200.0.1/24\n"
	" peer CeMAQS1uAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	"  description site\n"
	"  allowed-ips 10.200.0.2/32\n"
	"  persistent-keepalive 25\n"
	" exit\n"
	" peer ec+GSpF4AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	"  description site\n"
	"  allowed-ips 10.200.0.3/32\n"
	"  persistent-keepalive 25\n"
	" exit\n"
	" peer ZZ+GSpF4AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n"
	"  description site\n"
	"  allowed-ips 10.200.0.4/32\n"
	"  persistent-keepalive 25\n"
	" exit\n"
	"exit\n"
	"!\n";

/* The daemon's text comes back line for line, every repeat included. */
static void test_repeated_lines_under_peers(void **state)
{
	char *out = merge(wgd_text, NULL);

	assert_string_equal(out, wgd_text);
	free(out);
	out = merge(wgd_text, "", NULL); /* a second daemon with nothing */
	assert_string_equal(out, wgd_text);
	free(out);
}

static const char *bgpd_text =
	"router bgp 65001\n"
	" neighbor 10.0.0.2 remote-as 65002\n"
	" neighbor 10.0.0.2 description uplink\n"
	" neighbor 10.0.0.3 remote-as 65003\n"
	" neighbor 10.0.0.3 description uplink\n"
	" !\n"
	" address-family ipv4 unicast\n"
	"  neighbor 10.0.0.2 next-hop-self\n"
	" exit-address-family\n"
	" !\n"
	" address-family ipv6 unicast\n"
	"  neighbor 10.0.0.2 activate\n"
	"  neighbor 10.0.0.2 next-hop-self\n"
	" exit-address-family\n"
	"exit\n"
	"!\n"
	"ip prefix-list A seq 5 permit 10.0.0.0/8\n"
	"ip prefix-list A seq 10 permit 10.1.0.0/16\n"
	"!\n";

static void test_address_families_each_closed(void **state)
{
	char *out = merge(bgpd_text, NULL);

	assert_string_equal(out, bgpd_text);
	free(out);
}

/* zebra-lite and another daemon both configure eth0; every daemon prints
 * its log level. */
static void test_shared_blocks_merge_once(void **state)
{
	const char *zebra = "log syslog debugging\n!\n"
			    "interface eth0\n description up\n ip address 10.0.0.1/24\nexit\n!\n"
			    "ip route 10.9.0.0/16 10.0.0.2\n!\n";
	const char *other = "log syslog debugging\n!\n"
			    "interface eth0\n description up\n mtu 1400\n description up\nexit\n!\n"
			    "interface eth1\nexit\n!\n";
	char *out = merge(zebra, other, NULL);

	assert_string_equal(out, "log syslog debugging\n!\n"
				 "interface eth0\n description up\n ip address 10.0.0.1/24\n"
				 " mtu 1400\n description up\nexit\n!\n"
				 "ip route 10.9.0.0/16 10.0.0.2\n!\n"
				 "interface eth1\nexit\n!\n");
	free(out);
}

/* A sub-block two daemons print merges below the top level too, and the
 * second daemon's "!" inside a shared block is not doubled. */
static void test_shared_sub_blocks(void **state)
{
	const char *a = "router x\n node 1\n  a\n  b\n exit\n !\n node 2\n  a\n exit\nexit\n";
	const char *b = "router x\n !\n node 2\n  a\n  c\n exit\n node 3\n  a\n exit\nexit\n";
	char *out = merge(a, b, NULL);

	assert_string_equal(out, "router x\n node 1\n  a\n  b\n exit\n !\n node 2\n  a\n  c\n exit\n"
				 " node 3\n  a\n exit\nexit\n!\n");
	free(out);
}

/* Runs of one-line blocks stay together; a closer without children is
 * kept (an interface with nothing set is still configured). */
static void test_layout(void **state)
{
	char *out = merge("hostname r1\n!\nip route 1.0.0.0/8 2.0.0.1\nip route 3.0.0.0/8 2.0.0.1\n"
			  "ipv6 route ::/0 fe80::1 eth0\n!\ninterface lo\nexit\n!\nend\n",
			  NULL);

	assert_string_equal(out, "hostname r1\n!\nip route 1.0.0.0/8 2.0.0.1\n"
				 "ip route 3.0.0.0/8 2.0.0.1\n!\nipv6 route ::/0 fe80::1 eth0\n!\n"
				 "interface lo\nexit\n!\n");
	free(out);
}

/* Many lines under one shared parent: the lookup stays exact past the
 * hash table's growth. */
static void test_many_shared_lines(void **state)
{
	struct kld_buf a, b, want;
	char *out;

	kld_buf_init(&a);
	kld_buf_init(&b);
	kld_buf_init(&want);
	for (int i = 0; i < 3000; i++) {
		kld_buf_printf(&a, "ip route 10.%d.%d.0/24 blackhole\n", i / 256, i % 256);
		kld_buf_printf(&b, "ip route 10.%d.%d.0/24 blackhole\n", (i + 1500) / 256,
			       (i + 1500) % 256);
	}
	for (int i = 0; i < 4500; i++)
		kld_buf_printf(&want, "ip route 10.%d.%d.0/24 blackhole\n", i / 256, i % 256);
	kld_buf_puts(&want, "!\n");
	out = merge(a.data, b.data, NULL);
	assert_string_equal(out, want.data);
	free(out);
	kld_buf_free(&a);
	kld_buf_free(&b);
	kld_buf_free(&want);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_repeated_lines_under_peers),
		cmocka_unit_test(test_address_families_each_closed),
		cmocka_unit_test(test_shared_blocks_merge_once),
		cmocka_unit_test(test_shared_sub_blocks),
		cmocka_unit_test(test_layout),
		cmocka_unit_test(test_many_shared_lines),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
