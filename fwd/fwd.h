/*
 * fwd: firewall policy as configuration (doc/fwd.md).
 *
 *   fwd_main.c    wiring
 *   fwd_conf.c    the model: zones, their interfaces and rules; port
 *                 lists; rule ids; the compiler to FwRuleSet
 *   fwd_vty.c     commands and the running config
 *   fwd_show.c    show firewall ..., clear firewall counters
 *   fwd_zebra.c   the rule set to zebra-lite, counters from it
 *   fwd_metrics.c the Prometheus page
 *
 * fwd never touches BPF: it compiles policy into map contents and sends
 * them to zebra-lite, which owns the dataplane (zebra-lite/zl_fw.c).
 */
#ifndef KLD_FWD_H
#define KLD_FWD_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>
#include "daemon_run.h"
#include "fw_map.h"
#include "prefix.h"
#include "httpd.h"
#include "trie.h"

#define FWD_NAMESIZ 32
#define FWD_MAX_IFACES 64   /* per zone */
#define FWD_MAX_RANGES 64   /* per port rule */

enum fwd_rule_kind { FWD_RULE_PORT, FWD_RULE_PREFIX };

struct fwd_range {
	uint16_t lo, hi;
};

struct fwd_rule {
	uint32_t id;
	enum fwd_rule_kind kind;
	uint8_t action;        /* FW_ACT_PASS or FW_ACT_DROP */
	uint8_t proto;         /* 6, 17 (ports) */
	char *ports;           /* the list as written, canonical */
	struct fwd_range *ranges;
	size_t nranges;
	struct kld_prefix prefix;
	struct fwd_rule *next;
};

struct fwd_zone {
	char name[FWD_NAMESIZ];
	uint32_t zone_id;
	char ifnames[FWD_MAX_IFACES][IF_NAMESIZE];
	size_t nifs;
	uint8_t dflt;          /* FW_ACT_PASS unless `default drop` */
	bool dflt_typed;       /* a `default` line is there (shown as typed) */
	bool icmp, stealth;
	uint32_t rate_pps, rate_burst;
	/* ids of the zone's implicit rules */
	uint32_t dflt_rule, icmp_rule, ct_rule, rate_rule, stealth_rule;
	struct fwd_rule *rules; /* in configuration order */
	struct fwd_rule *last;
	struct kld_trie *prefixes[2]; /* prefix rules by prefix: IPv4, IPv6 */
	struct fwd_zone *next;
};

struct fwd_iface {
	char name[IF_NAMESIZE];
	struct fwd_iface *next;
};

struct fwd {
	struct kld_proto_daemon p;
	bool enabled;          /* the `firewall` block exists */
	struct fwd_zone *zones;
	uint8_t *ids;          /* bitmap of rule ids in use */
	/* zebra-lite */
	struct kld_ipc_conn *conn;
	struct kld_timer *push_timer;
	bool ifaces_known;
	struct fwd_iface *ifaces;
	int last_error;
	char last_reason[256];
	uint32_t last_gen, last_entries;
	/* last_gen is what zebra-lite last said is live (its FwResult or a
	 * counters answer); only zebra-lite switches it, so while it is away
	 * that generation goes on filtering. */
	bool gen_known;
	uint64_t last_usec, pushes;
	/* The rule set zebra-lite has, packed: the same set is not sent again
	 * (a line typed again must not flip the generation). */
	uint8_t *sent;
	size_t sent_len;
	/* firewall commit confirm: the configuration to go back to */
	char *rollback;
	struct kld_timer *rollback_timer;
	uint64_t rollback_at_ms;
	struct kld_metrics metrics;
};

/* fwd_conf.c */
int fwd_conf_init(struct fwd *f);
void fwd_free_all(struct fwd *f);
bool fwd_name_valid(const char *name);
struct fwd_zone *fwd_zone_get(struct fwd *f, const char *name, bool create);
int fwd_zone_delete(struct fwd *f, const char *name);
/* The zone an interface is in, or NULL. */
struct fwd_zone *fwd_zone_of_iface(struct fwd *f, const char *ifname);
/* "22", "80,443", "1000-2000,3000": 0, or -1 with err filled. */
int fwd_ports_parse(const char *text, struct fwd_range *out, size_t max, size_t *n, char *err,
		    size_t errlen);
/* Add or remove a rule; -1 with err filled, nothing changed. */
int fwd_rule_port(struct fwd *f, struct fwd_zone *z, uint8_t action, uint8_t proto,
		  const char *ports, bool del, char *err, size_t errlen);
int fwd_rule_prefix(struct fwd *f, struct fwd_zone *z, uint8_t action, const char *text, bool del,
		    char *err, size_t errlen);
/* The first line that would open a stealth zone (in buf), or NULL. */
const char *fwd_stealth_opener(const struct fwd_zone *z, char *buf, size_t size);
/* What a rule prints as in the running config and in show. */
const char *fwd_rule_text(const struct fwd_rule *r, char *buf, size_t size);
/* The whole policy as one FwRuleSet (free with fwd_ruleset_free). */
Kld__FwRuleSet *fwd_compile(const struct fwd *f);
void fwd_ruleset_free(Kld__FwRuleSet *m);
size_t fwd_ruleset_entries(const Kld__FwRuleSet *m);

/* fwd_vty.c */
void fwd_vty_install(struct cmd_tree *tree);
void fwd_write_config(struct vty *vty);

/* fwd_vty.c: firewall commit confirm */
void fwd_confirm_fini(struct fwd *f);

/* fwd_show.c */
void fwd_show_install(struct cmd_tree *tree);

/* fwd_zebra.c */
extern const struct kld_ipc_ops fwd_zebra_ops;
int fwd_zebra_init(struct fwd *f);
void fwd_zebra_fini(struct fwd *f);
void fwd_schedule_push(struct fwd *f);
/* Counters (and attachments) from zebra-lite; NULL when it does not answer. */
Kld__Envelope *fwd_fetch_counters(struct fwd *f, bool clear);
bool fwd_generation(const struct fwd *f, const Kld__FwCounters *c, uint32_t *gen);
/* A rule's counters in a reply (0 when it has none yet). */
void fwd_rule_count(const Kld__FwCounters *c, uint32_t id, uint64_t *pk, uint64_t *by);
/* An interface's attachment in a reply, or NULL: not attached. */
const Kld__FwAttachment *fwd_attachment(const Kld__FwCounters *c, const char *ifname);

/* fwd_metrics.c: the Prometheus page (`firewall metrics listen`) */
/* Serve it at addr:port (port 0: stop); -1 when it cannot bind there
 * (the endpoint stays where it was). */
int fwd_metrics_set(struct fwd *f, const struct kld_addr *addr, uint16_t port);
void fwd_metrics_fini(struct fwd *f);

#endif
