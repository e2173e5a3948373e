/*
 * fwd -> zebra-lite: the compiled rule set, the interface list, counters.
 *
 * Changes are coalesced: every command re-arms a short timer and the
 * whole rule set is sent when the lines stop coming, so a configuration
 * session (or a file of thousands of lines) costs one FwRuleSet and
 * zebra-lite makes it live in one switch. After (re)connecting fwd sends
 * its rule set again; zebra-lite meanwhile kept filtering with what it had.
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "fwd.h"
#include "log.h"
#include "util.h"

#define FWD_PUSH_DELAY_MS 50

static void fwd_forget_sent(struct fwd *f)
{
	free(f->sent);
	f->sent = NULL;
	f->sent_len = 0;
}

/* Whether m is what zebra-lite has already; if not, remember it as sent. */
static bool fwd_already_sent(struct fwd *f, const Kld__FwRuleSet *m)
{
	size_t len = kld__fw_rule_set__get_packed_size(m);
	uint8_t *buf = kld_xmalloc(len ? len : 1);

	kld__fw_rule_set__pack(m, buf);
	if (f->sent && f->sent_len == len && !memcmp(f->sent, buf, len)) {
		free(buf);
		return true;
	}
	free(f->sent);
	f->sent = buf;
	f->sent_len = len;
	return false;
}

static void fwd_push(struct fwd *f)
{
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__FwRuleSet *m;

	if (!f->conn)
		return;
	if (f->push_timer)
		kld_timer_cancel(f->push_timer); /* this push carries it all */
	m = fwd_compile(f);
	if (fwd_already_sent(f, m)) {
		fwd_ruleset_free(m);
		return;
	}
	env.body_case = KLD__ENVELOPE__BODY_FW_RULE_SET;
	env.fw_rule_set = m;
	if (kld_ipc_send(f->conn, &env) == 0)
		f->pushes++;
	else
		fwd_forget_sent(f);
	kld_debug("rule set sent: %zu zone(s), %zu entries", m->n_zones, fwd_ruleset_entries(m));
	fwd_ruleset_free(m);
}

static void fwd_push_timer(void *arg)
{
	fwd_push(arg);
}

void fwd_schedule_push(struct fwd *f)
{
	if (f->push_timer)
		kld_timer_arm(f->push_timer, FWD_PUSH_DELAY_MS);
}

static void fwd_on_up(struct kld_ipc_conn *c, void *arg)
{
	struct fwd *f = arg;
	Kld__Envelope env = KLD__ENVELOPE__INIT;
	Kld__InterfaceSubscribe is = KLD__INTERFACE_SUBSCRIBE__INIT;
	Kld__Barrier b = KLD__BARRIER__INIT;

	kld_info("connected to zebra-lite; sending the rule set");
	f->conn = c;
	env.body_case = KLD__ENVELOPE__BODY_INTERFACE_SUBSCRIBE;
	env.interface_subscribe = &is;
	kld_ipc_send(c, &env);
	/* The barrier's answer follows the whole interface list. */
	env.body_case = KLD__ENVELOPE__BODY_BARRIER;
	env.barrier = &b;
	kld_ipc_send(c, &env);
	fwd_push(f);
}

static void fwd_on_down(struct kld_ipc_conn *c, void *arg)
{
	struct fwd *f = arg;

	kld_info("lost zebra-lite; the rule set stays live there, sent again on reconnect");
	f->conn = NULL;
	fwd_forget_sent(f);
}

static void fwd_on_result(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct fwd *f = arg;
	const Kld__FwResult *r = env->fw_result;

	f->last_error = r->error;
	snprintf(f->last_reason, sizeof(f->last_reason), "%s", r->reason);
	f->last_gen = r->generation; /* a refused set leaves the live one: still true */
	f->gen_known = true;
	f->last_entries = r->entries;
	f->last_usec = r->apply_usec;
	if (r->error) {
		kld_warn("zebra-lite refused the rule set: %s", r->reason);
		fwd_forget_sent(f); /* the same set typed again is tried again */
	}
	else
		kld_info("rule set live: generation %u, %u entries, %llu us", r->generation,
			 r->entries, (unsigned long long)r->apply_usec);
}

static void fwd_on_iface(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct fwd *f = arg;
	const Kld__Interface *m = env->interface;
	struct fwd_iface **pp;

	for (pp = &f->ifaces; *pp; pp = &(*pp)->next)
		if (!strcmp((*pp)->name, m->name))
			break;
	if (m->deleted && *pp) {
		struct fwd_iface *i = *pp;

		*pp = i->next;
		free(i);
	} else if (!m->deleted && !*pp && strlen(m->name) < IF_NAMESIZE) {
		struct fwd_iface *i = kld_xcalloc(1, sizeof(*i));

		snprintf(i->name, sizeof(i->name), "%s", m->name);
		*pp = i;
	}
}

static void fwd_on_barrier(struct kld_ipc_conn *c, const Kld__Envelope *env, void *arg)
{
	struct fwd *f = arg;

	f->ifaces_known = true;
}

const struct kld_ipc_ops fwd_zebra_ops = {
	.on_up = fwd_on_up,
	.on_down = fwd_on_down,
	.handlers = {
		[KLD__ENVELOPE__BODY_FW_RESULT] = fwd_on_result,
		[KLD__ENVELOPE__BODY_INTERFACE] = fwd_on_iface,
		[KLD__ENVELOPE__BODY_BARRIER] = fwd_on_barrier,
	},
};

Kld__Envelope *fwd_fetch_counters(struct fwd *f, bool clear)
{
	Kld__Envelope req = KLD__ENVELOPE__INIT;
	Kld__FwCountersRequest cr = KLD__FW_COUNTERS_REQUEST__INIT;

	Kld__Envelope *rep;

	cr.clear = clear;
	req.body_case = KLD__ENVELOPE__BODY_FW_COUNTERS_REQUEST;
	req.fw_counters_request = &cr;
	rep = kld_proto_daemon_query(&f->p, "fwd-query", &req, KLD__ENVELOPE__BODY_FW_COUNTERS,
				     5000);
	/* Remembered for when zebra-lite does not answer (it restarts). */
	if (rep && !rep->fw_counters->error[0]) {
		f->last_gen = rep->fw_counters->generation;
		f->gen_known = true;
	}
	return rep;
}

/* The live generation: zebra-lite's answer, else what it said last (no
 * one else switches the maps); false when fwd has not heard it since it
 * started. Never a made-up 0: it names a real rule set. */
bool fwd_generation(const struct fwd *f, const Kld__FwCounters *c, uint32_t *gen)
{
	if (c && !c->error[0]) {
		*gen = c->generation;
		return true;
	}
	*gen = f->last_gen;
	return f->gen_known;
}

void fwd_rule_count(const Kld__FwCounters *c, uint32_t id, uint64_t *pk, uint64_t *by)
{
	*pk = *by = 0;
	for (size_t i = 0; c && i < c->n_rules; i++) {
		if (c->rules[i]->rule == id) {
			*pk = c->rules[i]->packets;
			*by = c->rules[i]->bytes;
			return;
		}
	}
}

const Kld__FwAttachment *fwd_attachment(const Kld__FwCounters *c, const char *ifname)
{
	for (size_t i = 0; c && i < c->n_attachments; i++)
		if (!strcmp(c->attachments[i]->ifname, ifname))
			return c->attachments[i];
	return NULL;
}

int fwd_zebra_init(struct fwd *f)
{
	f->push_timer = kld_timer_new(f->p.d.loop, fwd_push_timer, f);
	return 0;
}

void fwd_zebra_fini(struct fwd *f)
{
	kld_timer_free(f->push_timer);
	f->push_timer = NULL;
	fwd_forget_sent(f);
}
