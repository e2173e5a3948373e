/*
 * Unit tests for lib/buf.c: growth, NUL termination, printf into a
 * nearly-full buffer, self-append, steal and reuse.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "buf.h"

static void test_init_empty(void **state)
{
	struct kld_buf b;

	kld_buf_init(&b);
	assert_non_null(b.data);
	assert_string_equal(b.data, "");
	assert_int_equal(b.len, 0);
	kld_buf_reset(&b);
	assert_string_equal(b.data, "");
	kld_buf_append(&b, "x", 0);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	kld_buf_free(&b);
	assert_non_null(b.data);
	kld_buf_free(&b); /* twice is harmless */
}

static void test_steal_empty(void **state)
{
	struct kld_buf b;
	char *s;

	kld_buf_init(&b);
	s = kld_buf_steal(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
	/* After content and reset, steal gives an owned empty string too. */
	kld_buf_puts(&b, "abc");
	kld_buf_reset(&b);
	s = kld_buf_steal(&b);
	assert_string_equal(s, "");
	free(s);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
}

static void test_append_puts(void **state)
{
	struct kld_buf b;
	char *s;

	kld_buf_init(&b);
	kld_buf_puts(&b, "hello");
	kld_buf_append(&b, ", world!!!", 7);
	assert_int_equal(b.len, 12);
	assert_string_equal(b.data, "hello, world");
	assert_true(b.cap > b.len);
	kld_buf_puts(&b, NULL);
	kld_buf_puts(&b, "");
	assert_int_equal(b.len, 12);
	/* Binary data with embedded NULs is kept byte for byte. */
	kld_buf_append(&b, "\0\1\2", 3);
	assert_int_equal(b.len, 15);
	assert_memory_equal(b.data + 12, "\0\1\2", 3);
	assert_int_equal(b.data[15], '\0');
	s = kld_buf_steal(&b);
	assert_memory_equal(s, "hello, world\0\1\2", 16);
	free(s);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	/* The buffer is reusable after steal. */
	kld_buf_puts(&b, "again");
	assert_string_equal(b.data, "again");
	kld_buf_free(&b);
}

static void test_growth(void **state)
{
	struct kld_buf b;
	char expect[10001];

	kld_buf_init(&b);
	for (int i = 0; i < 10000; i++) {
		char c = (char)('a' + i % 26);

		kld_buf_append(&b, &c, 1);
		expect[i] = c;
		assert_int_equal(b.len, (size_t)i + 1);
		assert_int_equal(b.data[b.len], '\0');
		assert_true(b.cap > b.len);
	}
	expect[10000] = '\0';
	assert_string_equal(b.data, expect);
	/* One big append far past the current capacity. */
	char *big = malloc(1 << 20);

	assert_non_null(big);
	memset(big, 'z', 1 << 20);
	kld_buf_append(&b, big, 1 << 20);
	assert_int_equal(b.len, 10000 + (1 << 20));
	assert_int_equal(b.data[b.len], '\0');
	assert_int_equal(b.data[b.len - 1], 'z');
	assert_int_equal(b.data[9999], expect[9999]);
	free(big);
	kld_buf_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.data, "");
	kld_buf_free(&b);
}

static void test_printf(void **state)
{
	struct kld_buf b;

	kld_buf_init(&b);
	kld_buf_printf(&b, "%s %d", "bgp", 179);
	assert_string_equal(b.data, "bgp 179");
	kld_buf_printf(&b, "%s", "");
	assert_int_equal(b.len, 7);
	kld_buf_printf(&b, "-%05x-", 0xbeef);
	assert_string_equal(b.data, "bgp 179-0beef-");
	assert_int_equal(b.len, strlen(b.data));
	kld_buf_free(&b);

	/* Land output exactly on, one below and one above the capacity so
	 * both the in-place and the grow-and-retry paths run. */
	for (size_t pre = 0; pre < 200; pre++) {
		char want[512];
		char line[300];

		kld_buf_init(&b);
		memset(want, 'p', pre);
		kld_buf_append(&b, want, pre);
		memset(line, 'q', 299);
		for (size_t n = 0; n < 299; n += 37) {
			line[n] = '\0';
			kld_buf_printf(&b, "%s|%zu", line, n);
			line[n] = 'q';
			int w = snprintf(want + pre, sizeof(want) - pre, "%.*s|%zu", (int)n, line, n);

			assert_int_equal(b.len, pre + (size_t)w);
			assert_memory_equal(b.data, want, b.len);
			assert_int_equal(b.data[b.len], '\0');
			kld_buf_reset(&b);
			kld_buf_append(&b, want, pre);
		}
		kld_buf_free(&b);
	}
}

static void vwrap(struct kld_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void vwrap(struct kld_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kld_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

static void test_vprintf_long(void **state)
{
	struct kld_buf b;
	char *s = malloc(5000);

	assert_non_null(s);
	memset(s, 'x', 4999);
	s[4999] = '\0';
	kld_buf_init(&b);
	kld_buf_puts(&b, "<");
	/* Long enough that the first attempt cannot fit: the retry must
	 * print the same arguments again, from an unconsumed va_list. */
	vwrap(&b, "%s>%d", s, 42);
	assert_int_equal(b.len, 1 + 4999 + 3);
	assert_int_equal(b.data[0], '<');
	assert_int_equal(b.data[4999], 'x');
	assert_string_equal(b.data + 5000, ">42");
	free(s);
	kld_buf_free(&b);
}

/* Appending the buffer's own contents must survive the realloc. */
static void test_self_append(void **state)
{
	struct kld_buf b;

	kld_buf_init(&b);
	kld_buf_puts(&b, "ab");
	for (int i = 0; i < 12; i++)
		kld_buf_append(&b, b.data, b.len);
	assert_int_equal(b.len, 2u << 12);
	for (size_t i = 0; i < b.len; i++)
		assert_int_equal(b.data[i], i % 2 ? 'b' : 'a');
	kld_buf_append(&b, b.data + 1, 1);
	assert_int_equal(b.data[b.len - 1], 'b');
	kld_buf_free(&b);
}

/* A zero-initialised struct is as good as an initialised one. */
static void test_zero_struct(void **state)
{
	struct kld_buf b = { 0 };
	char *s;

	kld_buf_printf(&b, "%d", 7);
	assert_string_equal(b.data, "7");
	kld_buf_free(&b);
	struct kld_buf c = { 0 };

	kld_buf_reset(&c);
	assert_non_null(c.data);
	s = kld_buf_steal(&c);
	assert_string_equal(s, "");
	free(s);
	struct kld_buf d = { 0 };

	kld_buf_free(&d);
	assert_non_null(d.data);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_init_empty),
		cmocka_unit_test(test_steal_empty),
		cmocka_unit_test(test_append_puts),
		cmocka_unit_test(test_growth),
		cmocka_unit_test(test_printf),
		cmocka_unit_test(test_vprintf_long),
		cmocka_unit_test(test_self_append),
		cmocka_unit_test(test_zero_struct),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
