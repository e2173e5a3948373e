/* The integrated config: splitting, the walk by indentation, applying one
 * daemon's part, and the atomic write with its backup. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include "config.h"
#include "util.h"
#include "vty.h"

static const char *sample =
	"! kldnet\n"
	"hostname r1\n"
	"!\n"
	"router bgp 65001\n"
	" bgp router-id 10.0.0.1\n"
	" address-family ipv4 unicast\n"
	"  network 10.1.0.0/24\n"
	" exit-address-family\n"
	"exit\n"
	"!\n"
	"interface eth0\n"
	" description uplink   \n"
	"exit\n"
	"end\n";

static void test_split(void **state)
{
	struct kld_config_line *l;
	size_t n = kld_config_split(sample, &l);

	assert_int_equal(n, 7);
	assert_string_equal(l[0].text, "hostname r1");
	assert_int_equal(l[0].lineno, 2);
	assert_int_equal(l[4].indent, 2);
	assert_string_equal(l[4].text, "network 10.1.0.0/24");
	assert_string_equal(l[6].text, "description uplink");
	assert_int_equal(l[6].lineno, 12);
	kld_config_lines_free(l, n);
}

/* FRR's files: trailing comments, headers; closers kept on request. */
static void test_split_frr_layout(void **state)
{
	static const char *frr = "frr version 8.4\n"
				 "ip route 10.50.0.0/16 10.0.0.1 ! gw\n"
				 "router bgp 1\n"
				 "neighbor 10.0.0.2 description a!b ! c\n"
				 "\texit-address-family   \n"
				 "exit ! done\n"
				 "end\n";
	struct kld_config_line *l;
	size_t n = kld_config_split(frr, &l);

	assert_int_equal(n, 3);
	assert_string_equal(l[0].text, "ip route 10.50.0.0/16 10.0.0.1");
	assert_string_equal(l[2].text, "neighbor 10.0.0.2 description a!b");
	assert_false(l[2].closer);
	kld_config_lines_free(l, n);
	n = kld_config_split_all(frr, &l);
	assert_int_equal(n, 6);
	assert_true(l[3].closer);
	assert_int_equal(l[3].indent, 1);
	assert_string_equal(l[3].text, "exit-address-family");
	assert_true(l[4].closer);
	assert_string_equal(l[4].text, "exit");
	assert_int_equal(l[5].lineno, 7);
	kld_config_lines_free(l, n);
}

/* A toy daemon: owns hostname and interface blocks, not bgp. */
struct toy {
	char hostname[32];
	char descr[32];
	int entered;
	int refuse;
};

static int toy_hostname(struct vty *vty, const struct cmd_args *a)
{
	struct toy *t = vty->arg;

	if (t->refuse) {
		vty_out(vty, "%% refused\n");
		return CMD_WARNING;
	}
	snprintf(t->hostname, sizeof(t->hostname), "%s", cmd_arg(a, "name"));
	return CMD_SUCCESS;
}

static int toy_interface(struct vty *vty, const struct cmd_args *a)
{
	struct toy *t = vty->arg;

	t->entered++;
	vty_set_ctx(vty, t);
	return CMD_SUCCESS;
}

static int toy_description(struct vty *vty, const struct cmd_args *a)
{
	struct toy *t = vty_ctx_top(vty);

	snprintf(t->descr, sizeof(t->descr), "%s", cmd_arg(a, "text"));
	return CMD_SUCCESS;
}

static const struct cmd_def toy_cmds[] = {
	{ "config", "hostname WORD$name", "h\nn\n", toy_hostname, NULL, 0 },
	{ "config", "interface IFNAME$ifname", "i\nn\n", toy_interface, "interface", 0 },
	{ "interface", "description LINE...$text", "d\nt\n", toy_description, NULL, 0 },
	/* Same words as a bgp child line: must not be run outside its node. */
	{ "config", "network A.B.C.D/M", "n\np\n", toy_hostname, NULL, 0 },
};

static struct cmd_tree *toy_tree(void)
{
	struct cmd_tree *t = cmd_tree_new();

	assert_int_equal(cmd_tree_add_all(t, toy_cmds, KLD_ARRAY_SIZE(toy_cmds)), 0);
	return t;
}

static void test_apply_own_part(void **state)
{
	struct cmd_tree *tree = toy_tree();
	struct toy t = { 0 };
	struct kld_buf err;

	kld_buf_init(&err);
	assert_int_equal(kld_config_apply_text(tree, &t, sample, &err), 0);
	assert_string_equal(t.hostname, "r1");
	assert_string_equal(t.descr, "uplink");
	/* Dry runs call no handler, and the node is entered once: the lines
	 * below it are not preceded by a replay of the entering line. */
	assert_int_equal(t.entered, 1);
	kld_buf_free(&err);
	cmd_tree_free(tree);
}

static void test_refused_line_reported(void **state)
{
	struct cmd_tree *tree = toy_tree();
	struct toy t = { .refuse = 1 };
	struct kld_buf err;

	kld_buf_init(&err);
	assert_int_equal(kld_config_apply_text(tree, &t, sample, &err), 1);
	assert_non_null(strstr(err.data, "line 2 (hostname ...): % refused"));
	/* Only the first word: a refused line may carry a secret. */
	assert_null(strstr(err.data, "r1"));
	assert_string_equal(t.descr, "uplink");
	kld_buf_free(&err);
	cmd_tree_free(tree);
}

/* A block of this daemon's written without indentation is not applied
 * at start, and the log says why (vtysh -b reads it); another daemon's
 * unindented lines are passed over in silence. */
static void test_unindented_block_reported(void **state)
{
	struct cmd_tree *tree = toy_tree();
	struct toy t = { 0 };
	struct kld_buf err;

	kld_buf_init(&err);
	assert_int_equal(kld_config_apply_text(tree, &t,
					       "router bgp 1\nneighbor x\nexit\n"
					       "interface eth0\ndescription flat\nexit\n",
					       &err),
			 1);
	assert_non_null(strstr(err.data, "line 5 (description ...): not indented below line 4 "
					 "(interface ...)"));
	assert_string_equal(t.descr, "");
	kld_buf_free(&err);
	cmd_tree_free(tree);
}

static void test_write_atomic_and_backup(void **state)
{
	char dir[] = "/tmp/kldcfgXXXXXX", path[64], bak[80];
	struct stat st;
	char *text;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/kldnet.conf", dir);
	snprintf(bak, sizeof(bak), "%s.bak", path);
	assert_int_equal(kld_config_write_atomic(path, "one\n"), 0);
	assert_int_equal(stat(bak, &st), -1);
	assert_int_equal(kld_config_write_atomic(path, "two\n"), 0);
	text = kld_config_read_file(path);
	assert_string_equal(text, "two\n");
	free(text);
	text = kld_config_read_file(bak);
	assert_string_equal(text, "one\n");
	free(text);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	unlink(path);
	unlink(bak);
	rmdir(dir);
}

static void test_write_into_missing_dir_fails(void **state)
{
	assert_int_equal(kld_config_write_atomic("/nonexistent-kld/x.conf", "x\n"), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_split),
		cmocka_unit_test(test_split_frr_layout),
		cmocka_unit_test(test_apply_own_part),
		cmocka_unit_test(test_refused_line_reported),
		cmocka_unit_test(test_unindented_block_reported),
		cmocka_unit_test(test_write_atomic_and_backup),
		cmocka_unit_test(test_write_into_missing_dir_fails),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
