/*
 * Growable byte buffer, always NUL-terminated.
 *
 * An empty buffer owns no memory: data points at a shared read-only ""
 * (cap == 0), so init is free, `data` is always a valid C string and a
 * zero-initialised struct (data == NULL) is accepted as empty too. The
 * first write allocates; capacity doubles so appends are amortised O(1).
 * Allocation failure aborts, like the rest of the kld_x* allocators.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "buf.h"
#include "util.h"

#define KLD_BUF_MIN 64

/* Never written: every write first gives the buffer storage of its own. */
static char kld_buf_empty[1];

void kld_buf_init(struct kld_buf *b)
{
	b->data = kld_buf_empty;
	b->len = 0;
	b->cap = 0;
}

void kld_buf_free(struct kld_buf *b)
{
	if (b->cap)
		free(b->data);
	kld_buf_init(b);
}

void kld_buf_reset(struct kld_buf *b)
{
	b->len = 0;
	if (b->cap)
		b->data[0] = '\0';
	else
		b->data = kld_buf_empty;
}

/* Make room for n more bytes plus the terminating NUL. */
static void kld_buf_reserve(struct kld_buf *b, size_t n)
{
	size_t need, cap;

	if (n > SIZE_MAX - b->len - 1)
		abort(); /* no buffer can be that large */
	need = b->len + n + 1;
	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : KLD_BUF_MIN;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	b->data = kld_xrealloc(b->cap ? b->data : NULL, cap);
	b->cap = cap;
}

void kld_buf_append(struct kld_buf *b, const void *data, size_t n)
{
	size_t off = 0;
	bool self;

	if (n == 0)
		return;
	/* Appending (part of) the buffer to itself must survive realloc. */
	self = b->cap && (const char *)data >= b->data && (const char *)data < b->data + b->cap;
	if (self)
		off = (size_t)((const char *)data - b->data);
	kld_buf_reserve(b, n);
	memmove(b->data + b->len, self ? b->data + off : data, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void kld_buf_puts(struct kld_buf *b, const char *s)
{
	if (s)
		kld_buf_append(b, s, strlen(s));
}

void kld_buf_printf(struct kld_buf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	kld_buf_vprintf(b, fmt, ap);
	va_end(ap);
}

void kld_buf_vprintf(struct kld_buf *b, const char *fmt, va_list ap)
{
	va_list aq;
	size_t room = b->cap ? b->cap - b->len : 0;
	int n;

	/* First try in the space we have (most lines fit), on a copy so that
	 * ap is still unused if we must grow and print again. */
	va_copy(aq, ap);
	n = room ? vsnprintf(b->data + b->len, room, fmt, aq) : vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		/* Encoding error: leave the buffer as it was. */
		if (b->cap)
			b->data[b->len] = '\0';
		return;
	}
	if ((size_t)n >= room) {
		kld_buf_reserve(b, (size_t)n);
		vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
	}
	b->len += (size_t)n;
}

char *kld_buf_steal(struct kld_buf *b)
{
	char *s = b->cap ? b->data : kld_xstrdup("");

	kld_buf_init(b);
	return s;
}
