/* Small helpers used everywhere; nothing here allocates or logs. */
#ifndef KLD_UTIL_H
#define KLD_UTIL_H

#include <stddef.h>
#include <stdlib.h>

#define KLD_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define KLD_CONTAINER_OF(ptr, type, member) \
	((type *)((char *)(ptr) - offsetof(type, member)))
#define KLD_MIN(a, b) ((a) < (b) ? (a) : (b))
#define KLD_MAX(a, b) ((a) > (b) ? (a) : (b))
#define KLD_UNUSED __attribute__((unused))

/* Allocation failure is not a condition a routing daemon can recover from
 * meaningfully; abort loudly instead of threading NULL checks everywhere. */
void *kld_xmalloc(size_t n);
void *kld_xcalloc(size_t n, size_t size);
void *kld_xrealloc(void *p, size_t n);
char *kld_xstrdup(const char *s);

#endif
