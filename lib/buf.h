/* A growable byte buffer, always NUL-terminated for text use. */
#ifndef KLD_BUF_H
#define KLD_BUF_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

struct kld_buf {
	char *data;
	size_t len;
	size_t cap;
};

void kld_buf_init(struct kld_buf *b);
void kld_buf_free(struct kld_buf *b);
void kld_buf_reset(struct kld_buf *b);
void kld_buf_append(struct kld_buf *b, const void *data, size_t n);
void kld_buf_puts(struct kld_buf *b, const char *s);
void kld_buf_printf(struct kld_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void kld_buf_vprintf(struct kld_buf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));
/* Hand the storage to the caller (who frees it); the buffer becomes empty. */
char *kld_buf_steal(struct kld_buf *b);

#endif
