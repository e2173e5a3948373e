/*
 * Unit tests for lib/util.c: the named-object list every daemon keeps.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <cmocka.h>
#include "util.h"

struct named {
	int payload;
	char name[8];
	struct named *next;
};

/* Found by name, appended in order, truncated to the array, not made
 * without create. */
static void test_named_get(void **state)
{
	struct named *head = NULL, *a, *b;

	(void)state;
	assert_null(KLD_NAMED_GET(&head, struct named, "a", false));
	a = KLD_NAMED_GET(&head, struct named, "a", true);
	b = KLD_NAMED_GET(&head, struct named, "b-long-name", true);
	assert_ptr_equal(head, a);
	assert_ptr_equal(a->next, b);
	assert_string_equal(b->name, "b-long-");
	assert_int_equal(a->payload, 0);
	assert_ptr_equal(KLD_NAMED_GET(&head, struct named, "a", true), a);
	assert_ptr_equal(KLD_NAMED_GET(&head, struct named, "b-long-", false), b);
	assert_null(b->next);
	free(b);
	free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_named_get),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
