/*
 * Attribute helpers shared by the rtnetlink codecs.
 *
 * Parsing first collects a message's attributes into a table indexed by
 * type (unknown types beyond the table are skipped, so newer kernels that
 * add attributes do not break us), then each codec validates the few it
 * reads. Building goes through libmnl's *_check functions so a message
 * never runs past the caller's buffer; -ENOSPC tells the batch to flush.
 */
#include <errno.h>
#include <string.h>

#include <libmnl/libmnl.h>

#include "nl.h"

struct attr_table {
	const struct nlattr **tb;
	uint16_t max;
};

static int collect_cb(const struct nlattr *a, void *data)
{
	const struct attr_table *t = data;
	uint16_t type = mnl_attr_get_type(a);

	if (type <= t->max)
		t->tb[type] = a;
	return MNL_CB_OK;
}

int zl_nl_attr_table(const struct nlmsghdr *nlh, size_t hdrlen,
		     const struct nlattr **tb, uint16_t max)
{
	struct attr_table t = { tb, max };

	memset(tb, 0, (max + 1u) * sizeof(*tb));
	if (mnl_nlmsg_get_payload_len(nlh) < hdrlen)
		return -EINVAL;
	if (mnl_attr_parse(nlh, (unsigned int)hdrlen, collect_cb, &t) < 0)
		return -EINVAL;
	return 0;
}

int zl_nl_attr_table_payload(const void *payload, size_t len,
			     const struct nlattr **tb, uint16_t max)
{
	struct attr_table t = { tb, max };

	memset(tb, 0, (max + 1u) * sizeof(*tb));
	if (mnl_attr_parse_payload(payload, len, collect_cb, &t) < 0)
		return -EINVAL;
	return 0;
}

int zl_nl_attr_table_nested(const struct nlattr *nest, const struct nlattr **tb,
			    uint16_t max)
{
	return zl_nl_attr_table_payload(mnl_attr_get_payload(nest),
					mnl_attr_get_payload_len(nest), tb, max);
}

bool zl_nl_attr_ok(const struct nlattr *a, size_t len)
{
	return mnl_attr_get_payload_len(a) >= len;
}

int zl_nl_attr_get_addr(const struct nlattr *a, uint8_t family, struct kld_addr *out)
{
	size_t n = kld_family_bytes(family);

	if (n == 0 || mnl_attr_get_payload_len(a) != n)
		return -EINVAL;
	return kld_addr_set(out, family, mnl_attr_get_payload(a)) < 0 ? -EINVAL : 0;
}

/* The getters below leave *out alone when the attribute is absent: the
 * caller's default stands, and only a malformed one is an error. */
int zl_nl_attr_get_str(const struct nlattr *a, char *dst, size_t size)
{
	size_t n;

	if (!a)
		return 0;
	if (mnl_attr_validate(a, MNL_TYPE_NUL_STRING) < 0)
		return -EINVAL;
	n = strnlen(mnl_attr_get_str(a), mnl_attr_get_payload_len(a));
	if (n >= size)
		return -EINVAL;
	memcpy(dst, mnl_attr_get_str(a), n);
	dst[n] = '\0';
	return 0;
}

int zl_nl_attr_get_u8(const struct nlattr *a, uint8_t *out)
{
	if (!a)
		return 0;
	if (!zl_nl_attr_ok(a, sizeof(*out)))
		return -EINVAL;
	*out = mnl_attr_get_u8(a);
	return 0;
}

int zl_nl_attr_get_u32(const struct nlattr *a, uint32_t *out)
{
	if (!a)
		return 0;
	if (!zl_nl_attr_ok(a, sizeof(*out)))
		return -EINVAL;
	*out = mnl_attr_get_u32(a);
	return 0;
}

int zl_nl_attr_get_addr46(const struct nlattr *a4, const struct nlattr *a6, struct kld_addr *out)
{
	if (a4)
		return zl_nl_attr_get_addr(a4, AF_INET, out);
	return a6 ? zl_nl_attr_get_addr(a6, AF_INET6, out) : 0;
}

bool zl_nl_attr_put_addr(struct nlmsghdr *nlh, size_t size, uint16_t type,
			 const struct kld_addr *a)
{
	size_t n = kld_family_bytes(a->family);

	return n && mnl_attr_put_check(nlh, size, type, n, a->u.bytes);
}

struct nlmsghdr *zl_nl_put_hdr(void *buf, size_t size, uint16_t type,
			       uint16_t flags, size_t extra)
{
	struct nlmsghdr *nlh;

	if (size < MNL_NLMSG_HDRLEN + MNL_ALIGN(extra))
		return NULL;
	nlh = mnl_nlmsg_put_header(buf);
	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags | NLM_F_REQUEST;
	mnl_nlmsg_put_extra_header(nlh, extra);
	return nlh;
}
