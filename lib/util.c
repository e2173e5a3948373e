/* Allocation wrappers: see util.h for why failure aborts. */
#include <stdio.h>
#include <string.h>
#include "util.h"

static void *kld_oom(size_t n)
{
	fprintf(stderr, "kldnet: out of memory allocating %zu bytes\n", n);
	abort();
}

void *kld_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);
	return p ? p : kld_oom(n);
}

void *kld_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);
	return p ? p : kld_oom(n * size);
}

void *kld_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	return q ? q : kld_oom(n);
}

char *kld_xstrdup(const char *s)
{
	char *d = strdup(s ? s : "");
	return d ? d : kld_oom(strlen(s));
}

void *kld_named_get(void *headp, size_t next_off, size_t name_off, size_t name_size,
		    size_t size, const char *name, bool create)
{
	void **pp = headp;

	for (; *pp; pp = (void **)((char *)*pp + next_off))
		if (!strcmp((char *)*pp + name_off, name))
			return *pp;
	if (!create)
		return NULL;
	*pp = kld_xcalloc(1, size);
	snprintf((char *)*pp + name_off, name_size, "%s", name);
	return *pp;
}
