/*
 * Framing and validation of kld.Envelope messages.
 *
 * protobuf-c accepts any integer for a proto3 enum and keeps unknown fields
 * aside, so "it decoded" is not "it is a message we understand". After
 * decoding we walk the message with its descriptors and refuse enum values
 * this build does not know and an Envelope with no body we know: a peer
 * speaking something else is cut off instead of being half-understood.
 */
#include <arpa/inet.h>
#include <stdbool.h>
#include <string.h>
#include "frame.h"
#include "util.h"

enum kld_frame_state kld_frame_check(const uint8_t *buf, size_t len, size_t max,
				     size_t *body_len)
{
	uint32_t n;

	if (len < KLD_FRAME_HDR)
		return KLD_FRAME_NEED_MORE;
	memcpy(&n, buf, sizeof(n));
	n = ntohl(n);
	if (n == 0)
		return KLD_FRAME_EMPTY;
	if (n > max)
		return KLD_FRAME_TOO_BIG;
	*body_len = n;
	if (len - KLD_FRAME_HDR < n)
		return KLD_FRAME_NEED_MORE;
	return KLD_FRAME_READY;
}

uint8_t *kld_frame_encode(const Kld__Envelope *env, size_t *len)
{
	size_t n = kld__envelope__get_packed_size(env);
	uint8_t *buf = kld_xmalloc(KLD_FRAME_HDR + n);
	uint32_t be = htonl((uint32_t)n);

	memcpy(buf, &be, sizeof(be));
	kld__envelope__pack(env, buf + KLD_FRAME_HDR);
	*len = KLD_FRAME_HDR + n;
	return buf;
}

static bool kld_msg_valid(const ProtobufCMessage *m);

static bool kld_field_present(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
	const uint8_t *base = (const uint8_t *)m;

	if (fd->flags & PROTOBUF_C_FIELD_FLAG_ONEOF)
		return *(const uint32_t *)(base + fd->quantifier_offset) == fd->id;
	return true;
}

static size_t kld_field_count(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
	const uint8_t *base = (const uint8_t *)m;

	if (fd->label == PROTOBUF_C_LABEL_REPEATED)
		return *(const size_t *)(base + fd->quantifier_offset);
	return 1;
}

static const void *kld_field_elem(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd,
				  size_t i)
{
	const uint8_t *base = (const uint8_t *)m + fd->offset;

	if (fd->label != PROTOBUF_C_LABEL_REPEATED)
		return base;
	if (fd->type == PROTOBUF_C_TYPE_ENUM)
		return *(const int **)base + i;
	return *(void *const *)base ? (const void *)((*(void *const *const *)base) + i) : NULL;
}

static bool kld_field_valid(const ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
	size_t n = kld_field_count(m, fd);

	for (size_t i = 0; i < n; i++) {
		const void *p = kld_field_elem(m, fd, i);

		if (fd->type == PROTOBUF_C_TYPE_ENUM &&
		    !protobuf_c_enum_descriptor_get_value(fd->descriptor, *(const int *)p))
			return false;
		if (fd->type == PROTOBUF_C_TYPE_MESSAGE && *(void *const *)p &&
		    !kld_msg_valid(*(const ProtobufCMessage *const *)p))
			return false;
	}
	return true;
}

static bool kld_msg_valid(const ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++) {
		const ProtobufCFieldDescriptor *fd = &d->fields[i];

		if (!kld_field_present(m, fd))
			continue;
		if (!kld_field_valid(m, fd))
			return false;
	}
	return true;
}

Kld__Envelope *kld_frame_decode(const uint8_t *body, size_t len, const char **reason)
{
	Kld__Envelope *env = kld__envelope__unpack(NULL, len, body);

	if (!env) {
		*reason = "undecodable message";
		return NULL;
	}
	if (env->body_case == KLD__ENVELOPE__BODY__NOT_SET) {
		*reason = "message without a known body";
		kld__envelope__free_unpacked(env, NULL);
		return NULL;
	}
	if (!kld_msg_valid(&env->base)) {
		*reason = "unknown enum value";
		kld__envelope__free_unpacked(env, NULL);
		return NULL;
	}
	return env;
}

static void kld_msg_wipe(ProtobufCMessage *m);

static void kld_field_wipe(ProtobufCMessage *m, const ProtobufCFieldDescriptor *fd)
{
	size_t n = kld_field_count(m, fd);

	for (size_t i = 0; i < n; i++) {
		void *p = (void *)kld_field_elem(m, fd, i);

		if (fd->type == PROTOBUF_C_TYPE_BYTES) {
			ProtobufCBinaryData *b = p;

			if (b->data)
				explicit_bzero(b->data, b->len);
		} else if (fd->type == PROTOBUF_C_TYPE_STRING && *(char **)p) {
			explicit_bzero(*(char **)p, strlen(*(char **)p));
		} else if (fd->type == PROTOBUF_C_TYPE_MESSAGE && *(ProtobufCMessage **)p) {
			kld_msg_wipe(*(ProtobufCMessage **)p);
		}
	}
}

static void kld_msg_wipe(ProtobufCMessage *m)
{
	const ProtobufCMessageDescriptor *d = m->descriptor;

	for (unsigned i = 0; i < d->n_fields; i++)
		if (kld_field_present(m, &d->fields[i]))
			kld_field_wipe(m, &d->fields[i]);
}

void kld_frame_free(Kld__Envelope *env)
{
	if (!env)
		return;
	if (env->body_case >= KLD_FRAME_SECRET_FIRST && env->body_case <= KLD_FRAME_SECRET_LAST)
		kld_msg_wipe(&env->base);
	kld__envelope__free_unpacked(env, NULL);
}

const char *kld_frame_body_name(const Kld__Envelope *env)
{
	const ProtobufCFieldDescriptor *fd =
		protobuf_c_message_descriptor_get_field(&kld__envelope__descriptor, env->body_case);

	return fd ? fd->name : "none";
}
