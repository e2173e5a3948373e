/*
 * Route-maps, community-lists and AS-path access-lists (FRR syntax), and
 * their commands.
 *
 * A route-map is a list of entries sorted by sequence number; the first
 * entry whose match clauses all hold decides: permit applies its set
 * clauses, deny drops the route. No entry matching, or a map that is
 * referenced but not defined, denies (as FRR).
 *
 * Matches: ip/ipv6 address prefix-list, community (a standard
 * community-list: an entry matches when the route carries all its
 * communities), as-path (an access-list of POSIX extended regular
 * expressions over the path text, FRR's `_` standing for a delimiter).
 * Sets: local-preference, metric, community (replace, additive, none),
 * as-path prepend, ip next-hop. Sets edit a temporary attribute set whose
 * arrays live in the caller's scratch arena; the caller interns it.
 */
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "util.h"
#include "bgpd.h"

#define RM_MAX_COMM 16
#define RM_MAX_PREPEND 8

struct bgp_rm_entry {
	char map[BGP_NAME_MAX]; /* the map it belongs to */
	uint32_t seq;
	bool seq_set;
	bool permit;
	char m_plist[BGP_NAME_MAX];
	uint8_t m_plist_family;
	char m_comm[BGP_NAME_MAX];
	char m_aspath[BGP_NAME_MAX];
	bool s_lp, s_med, s_comm, s_comm_additive, s_comm_none, s_nh;
	uint32_t lp, med;
	uint32_t comm[RM_MAX_COMM];
	uint8_t ncomm;
	uint32_t prepend[RM_MAX_PREPEND];
	uint8_t nprepend;
	struct kld_addr nh;
};

struct bgp_rmap {
	struct bgp_rmap *next;
	char name[BGP_NAME_MAX];
	struct bgp_rm_entry **e; /* sorted by seq; pointers stay valid for the vty context */
	size_t n;
};

struct bgp_clist {
	struct bgp_clist *next;
	char name[BGP_NAME_MAX];
	bool aspath; /* an as-path access-list, else a community-list */
	struct bgp_clist_entry {
		bool permit;
		char text[256];
		uint32_t comm[RM_MAX_COMM];
		uint8_t ncomm;
		regex_t re;
	} *e;
	size_t n;
};

/* ---- lookups ---- */

struct bgp_policy_hooks bgp_policy_hooks;

static struct bgp_rmap *bgp_rmap_find(struct bgpd *bd, const char *name)
{
	for (struct bgp_rmap *m = bd->rmaps; m; m = m->next)
		if (!strcmp(m->name, name))
			return m;
	return NULL;
}

static struct bgp_clist *bgp_clist_find(struct bgpd *bd, const char *name, bool aspath)
{
	for (struct bgp_clist *c = bd->clists; c; c = c->next)
		if (c->aspath == aspath && !strcmp(c->name, name))
			return c;
	return NULL;
}

/* ---- matching ---- */

static bool bgp_clist_comm_match(struct bgpd *bd, const char *name, const struct bgp_attrs *a)
{
	struct bgp_clist *c = bgp_clist_find(bd, name, false);

	for (size_t i = 0; c && i < c->n; i++) {
		bool all = true;

		for (size_t j = 0; j < c->e[i].ncomm && all; j++)
			all = bgp_comm_contains(a, c->e[i].comm[j]);
		if (all)
			return c->e[i].permit;
	}
	return false;
}

static bool bgp_clist_aspath_match(struct bgpd *bd, const char *name, const struct bgp_attrs *a)
{
	struct bgp_clist *c = bgp_clist_find(bd, name, true);
	char path[2048];

	if (!c)
		return false;
	bgp_aspath_fmt(a->aspath, a->aspath_len, path, sizeof(path));
	for (size_t i = 0; i < c->n; i++)
		if (regexec(&c->e[i].re, path, 0, NULL, 0) == 0)
			return c->e[i].permit;
	return false;
}

static bool bgp_rm_matches(struct bgpd *bd, const struct bgp_rm_entry *e,
			   const struct kld_prefix *p, const struct bgp_attrs *a)
{
	if (e->m_plist[0] && (e->m_plist_family != p->family ||
			      !bgp_plist_permit(bd, e->m_plist, p)))
		return false;
	if (e->m_comm[0] && !bgp_clist_comm_match(bd, e->m_comm, a))
		return false;
	if (e->m_aspath[0] && !bgp_clist_aspath_match(bd, e->m_aspath, a))
		return false;
	return true;
}

static void bgp_rm_set(const struct bgp_rm_entry *e, struct bgp_attrs *a, struct bgp_scratch *s,
		       const struct kld_prefix *p)
{
	if (e->s_lp)
		bgp_attrs_set_local_pref(a, e->lp);
	if (e->s_med)
		bgp_attrs_set_med(a, e->med);
	if (e->s_comm_none || (e->s_comm && !e->s_comm_additive)) {
		a->comm = NULL;
		a->ncomm = 0;
	}
	for (size_t i = 0; e->s_comm && i < e->ncomm; i++)
		bgp_attrs_comm_add(a, s, e->comm[i]);
	for (size_t i = e->nprepend; i-- > 0;)
		bgp_attrs_aspath_prepend(a, s, e->prepend[i], 1);
	if (e->s_nh && e->nh.family == p->family)
		a->nexthop = e->nh;
}

bool bgp_rmap_uses(struct bgpd *bd, const char *map, const char *name)
{
	const struct bgp_rmap *m = bgp_rmap_find(bd, map);

	for (size_t i = 0; m && i < m->n; i++) {
		const struct bgp_rm_entry *e = m->e[i];

		if (!strcmp(e->m_plist, name) || !strcmp(e->m_comm, name) ||
		    !strcmp(e->m_aspath, name))
			return true;
	}
	return false;
}

bool bgp_rmap_apply(struct bgpd *bd, const char *name, const struct kld_prefix *p,
		    struct bgp_attrs *a, struct bgp_scratch *s)
{
	struct bgp_rmap *m = bgp_rmap_find(bd, name);

	for (size_t i = 0; m && i < m->n; i++) {
		if (!bgp_rm_matches(bd, m->e[i], p, a))
			continue;
		if (m->e[i]->permit)
			bgp_rm_set(m->e[i], a, s, p);
		return m->e[i]->permit;
	}
	return false;
}

/* ---- freeing ---- */

static void bgp_clist_free(struct bgp_clist *c)
{
	for (size_t i = 0; i < c->n; i++)
		if (c->aspath)
			regfree(&c->e[i].re);
	free(c->e);
	free(c);
}

void bgp_rmap_free_all(struct bgpd *bd)
{
	while (bd->rmaps) {
		struct bgp_rmap *m = bd->rmaps;

		bd->rmaps = m->next;
		for (size_t i = 0; i < m->n; i++)
			free(m->e[i]);
		free(m->e);
		free(m);
	}
	while (bd->clists) {
		struct bgp_clist *c = bd->clists;

		bd->clists = c->next;
		bgp_clist_free(c);
	}
}

/* ---- commands ---- */

static int rm_cmd_entry(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	const char *name = cmd_arg(args, "name");
	uint32_t seq = (uint32_t)cmd_arg_int(args, "seq", 0);
	struct bgp_rmap *m = bgp_rmap_find(bd, name);
	size_t i = 0;

	if (!m) {
		struct bgp_rmap **pp = &bd->rmaps;

		/* Kept by name, so that a saved file reads back in the same order. */
		while (*pp && strcmp((*pp)->name, name) < 0)
			pp = &(*pp)->next;
		m = kld_xcalloc(1, sizeof(*m));
		snprintf(m->name, sizeof(m->name), "%s", name);
		m->next = *pp;
		*pp = m;
	}
	while (i < m->n && m->e[i]->seq < seq)
		i++;
	if (i == m->n || m->e[i]->seq != seq) {
		m->e = kld_xrealloc(m->e, (m->n + 1) * sizeof(*m->e));
		memmove(m->e + i + 1, m->e + i, (m->n - i) * sizeof(*m->e));
		m->e[i] = kld_xcalloc(1, sizeof(**m->e));
		snprintf(m->e[i]->map, sizeof(m->e[i]->map), "%s", m->name);
		m->e[i]->seq = seq;
		m->n++;
	}
	/* Entering an existing entry (the shell replays this line before every
	 * line inside it) changes nothing. */
	if (m->e[i]->permit != cmd_has(args, "permit") || !m->e[i]->seq_set) {
		m->e[i]->permit = cmd_has(args, "permit");
		m->e[i]->seq_set = true;
		bgp_policy_hooks.changed(bd, name);
	}
	vty_set_ctx(vty, m->e[i]);
	return CMD_SUCCESS;
}

static int rm_cmd_no_map(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	struct bgp_rmap **mp;
	long long seq = cmd_arg_int(args, "seq", -1);

	for (mp = &bd->rmaps; *mp && strcmp((*mp)->name, cmd_arg(args, "name")); mp = &(*mp)->next)
		;
	if (!*mp) {
		vty_out(vty, "%% Could not find route-map %s\n", cmd_arg(args, "name"));
		return CMD_WARNING;
	}
	struct bgp_rmap *m = *mp;

	for (size_t i = 0; i < m->n; i++) {
		if (seq >= 0 && m->e[i]->seq != (uint32_t)seq)
			continue;
		free(m->e[i]);
		memmove(m->e + i, m->e + i + 1, (m->n - i - 1) * sizeof(*m->e));
		m->n--;
		i--;
	}
	if (!m->n) {
		*mp = m->next;
		free(m->e);
		free(m);
	}
	bgp_policy_hooks.changed(bd, cmd_arg(args, "name"));
	return CMD_SUCCESS;
}

static struct bgp_rm_entry *rm_entry(struct vty *vty)
{
	return vty_ctx_top(vty);
}

/* A line typed again leaves the entry byte for byte as it was (entries
 * are calloc'ed and only ever written field by field): then no policy
 * change, so no ROUTE-REFRESH and no re-sent UPDATE. */
static void rm_entry_changed(struct bgpd *bd, const struct bgp_rm_entry *before,
			     const struct bgp_rm_entry *e)
{
	if (memcmp(before, e, sizeof(*e)))
		bgp_policy_hooks.changed(bd, e->map);
}

static int rm_cmd_match(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_rm_entry *e = rm_entry(vty), before;
	const char *name = cmd_has(args, "no") ? "" : cmd_arg(args, "name");

	if (!name)
		name = "";
	memcpy(&before, e, sizeof(before));
	if (cmd_has(args, "prefix-list")) {
		snprintf(e->m_plist, sizeof(e->m_plist), "%s", name);
		e->m_plist_family = cmd_has(args, "ipv6") ? AF_INET6 : AF_INET;
	} else if (cmd_has(args, "community")) {
		snprintf(e->m_comm, sizeof(e->m_comm), "%s", name);
	} else {
		snprintf(e->m_aspath, sizeof(e->m_aspath), "%s", name);
	}
	rm_entry_changed(vty->arg, &before, e);
	return CMD_SUCCESS;
}

static int rm_parse_comms(struct vty *vty, const char *line, uint32_t *out, uint8_t *n,
			  bool *additive)
{
	char *copy = kld_xstrdup(line), *save = NULL;
	int rc = 0;

	*n = 0;
	for (char *t = strtok_r(copy, " ", &save); t; t = strtok_r(NULL, " ", &save)) {
		if (additive && !strcmp(t, "additive")) {
			*additive = true;
			continue;
		}
		if (*n == RM_MAX_COMM || bgp_comm_parse(t, &out[*n]) < 0) {
			vty_out(vty, "%% Malformed communities attribute '%s'\n", t);
			rc = -1;
			break;
		}
		(*n)++;
	}
	free(copy);
	return rc;
}

static int rm_cmd_set(struct vty *vty, const struct cmd_args *args)
{
	struct bgp_rm_entry *e = rm_entry(vty), before;
	bool on = !cmd_has(args, "no");

	memcpy(&before, e, sizeof(before));
	if (cmd_has(args, "local-preference")) {
		e->s_lp = on;
		e->lp = on ? (uint32_t)cmd_arg_int(args, "lp", 0) : 0;
	} else if (cmd_has(args, "metric")) {
		e->s_med = on;
		e->med = on ? (uint32_t)cmd_arg_int(args, "med", 0) : 0;
	} else if (cmd_has(args, "next-hop")) {
		e->s_nh = on && cmd_arg_addr(args, "nh", &e->nh) == 0;
	} else if (cmd_has(args, "prepend")) {
		char *copy = kld_xstrdup(on ? cmd_arg(args, "asns") : ""), *save = NULL;

		e->nprepend = 0;
		for (char *t = strtok_r(copy, " ", &save); t && e->nprepend < RM_MAX_PREPEND;
		     t = strtok_r(NULL, " ", &save))
			e->prepend[e->nprepend++] = (uint32_t)strtoul(t, NULL, 10);
		free(copy);
	} else if (cmd_has(args, "community")) {
		e->s_comm = e->s_comm_none = e->s_comm_additive = false;
		if (on && cmd_has(args, "none")) {
			e->s_comm_none = true;
		} else if (on) {
			if (rm_parse_comms(vty, cmd_arg(args, "comms"), e->comm, &e->ncomm,
					   &e->s_comm_additive) < 0)
				return CMD_WARNING;
			e->s_comm = true;
		}
	}
	rm_entry_changed(vty->arg, &before, e);
	return CMD_SUCCESS;
}

static struct bgp_clist *bgp_clist_get(struct bgpd *bd, const char *name, bool aspath)
{
	struct bgp_clist *c = bgp_clist_find(bd, name, aspath), **pp;

	if (c)
		return c;
	/* Community-lists, then as-path lists, each by name: the running
	 * configuration reads back in the order it was written. */
	pp = &bd->clists;
	while (*pp && ((*pp)->aspath < aspath ||
		       ((*pp)->aspath == aspath && strcmp((*pp)->name, name) < 0)))
		pp = &(*pp)->next;
	c = kld_xcalloc(1, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->aspath = aspath;
	c->next = *pp;
	*pp = c;
	return c;
}

/* FRR's `_` matches a delimiter: start, end, space, comma, braces. */
static char *bgp_aspath_regex(const char *in)
{
	struct kld_buf b;

	kld_buf_init(&b);
	for (; *in; in++)
		if (*in == '_')
			kld_buf_puts(&b, "(^|[ ,{}()]|$)");
		else
			kld_buf_append(&b, in, 1);
	return kld_buf_steal(&b);
}

static long bgp_clist_entry_index(const struct bgp_clist *c, bool permit, const char *text)
{
	for (size_t i = 0; c && i < c->n; i++)
		if (c->e[i].permit == permit && !strcmp(c->e[i].text, text))
			return (long)i;
	return -1;
}

static void bgp_clist_unlink(struct bgpd *bd, struct bgp_clist *c)
{
	struct bgp_clist **cp;

	for (cp = &bd->clists; *cp != c; cp = &(*cp)->next)
		;
	*cp = c->next;
	bgp_clist_free(c);
}

/* `no ... NAME <permit|deny> LINE`: that one entry; the list goes with
 * its last entry. */
static int clist_del_entry(struct vty *vty, struct bgp_clist *c, const char *line)
{
	bool permit = !strncmp(line, "permit ", 7);
	const char *text = line + (permit ? 7 : 5);
	long i;

	if (!permit && strncmp(line, "deny ", 5))
		i = -1;
	else
		i = bgp_clist_entry_index(c, permit, text);
	if (i < 0) {
		vty_out(vty, "%% Can't find the entry %s in %s\n", line, c->name);
		return CMD_WARNING;
	}
	if (c->aspath)
		regfree(&c->e[i].re);
	memmove(c->e + i, c->e + i + 1, (c->n - (size_t)i - 1) * sizeof(*c->e));
	c->n--;
	return CMD_SUCCESS;
}

static int clist_cmd(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	bool aspath = cmd_has(args, "as-path");
	struct bgp_clist_entry ne = { .permit = cmd_has(args, "permit") };
	const char *line = cmd_arg(args, "line");
	struct bgp_clist *c;

	snprintf(ne.text, sizeof(ne.text), "%s", line);
	/* The same entry typed again is not added twice (FRR). */
	if (bgp_clist_entry_index(bgp_clist_find(bd, cmd_arg(args, "name"), aspath), ne.permit,
				  ne.text) >= 0)
		return CMD_SUCCESS;
	if (aspath) {
		char *re = bgp_aspath_regex(line);
		int rc = regcomp(&ne.re, re, REG_EXTENDED | REG_NOSUB);

		free(re);
		if (rc) {
			vty_out(vty, "%% Invalid regular expression %s\n", line);
			return CMD_WARNING;
		}
	} else if (rm_parse_comms(vty, line, ne.comm, &ne.ncomm, NULL) < 0) {
		return CMD_WARNING;
	}
	c = bgp_clist_get(bd, cmd_arg(args, "name"), aspath);
	c->e = kld_xrealloc(c->e, (c->n + 1) * sizeof(*c->e));
	c->e[c->n++] = ne;
	bgp_policy_hooks.changed(bd, cmd_arg(args, "name"));
	return CMD_SUCCESS;
}

static int clist_cmd_no(struct vty *vty, const struct cmd_args *args)
{
	struct bgpd *bd = vty->arg;
	bool aspath = cmd_has(args, "as-path");
	struct bgp_clist *c = bgp_clist_find(bd, cmd_arg(args, "name"), aspath);
	const char *line = cmd_arg(args, "line");

	if (!c)
		return CMD_SUCCESS;
	if (line && clist_del_entry(vty, c, line) != CMD_SUCCESS)
		return CMD_WARNING;
	if (!line || !c->n)
		bgp_clist_unlink(bd, c);
	bgp_policy_hooks.changed(bd, cmd_arg(args, "name"));
	return CMD_SUCCESS;
}

static const struct cmd_def bgp_rmap_cmds[] = {
	{ "config", "route-map WORD$name <permit|deny> (1-65535)$seq",
	  "Create route-map or enter route-map command mode\nRoute map tag\n"
	  "Route map permits set operations\nRoute map denies set operations\nSequence to insert\n",
	  rm_cmd_entry, "route-map", 0 },
	{ "config", "no route-map WORD$name [<permit|deny> (1-65535)$seq]",
	  "Negate a command\nCreate route-map or enter route-map command mode\nRoute map tag\n"
	  "Route map permits set operations\nRoute map denies set operations\nSequence to insert\n",
	  rm_cmd_no_map, NULL, 0 },
	{ "route-map", "[no] match <ip|ipv6> address prefix-list WORD$name",
	  "Negate a command\nMatch values from routing table\nIP information\nIPv6 information\n"
	  "Match address of route\nMatch entries of prefix-lists\nIP prefix-list name\n",
	  rm_cmd_match, NULL, 0 },
	{ "route-map", "[no] match community WORD$name",
	  "Negate a command\nMatch values from routing table\nMatch BGP community list\n"
	  "Community-list name\n",
	  rm_cmd_match, NULL, 0 },
	{ "route-map", "[no] match as-path WORD$name",
	  "Negate a command\nMatch values from routing table\nMatch BGP AS path list\n"
	  "AS path access-list name\n",
	  rm_cmd_match, NULL, 0 },
	{ "route-map", "set local-preference (0-4294967295)$lp",
	  "Set values in destination routing protocol\nBGP local preference path attribute\n"
	  "Preference value\n",
	  rm_cmd_set, NULL, 0 },
	{ "route-map", "no set local-preference [(0-4294967295)]",
	  "Negate a command\nSet values in destination routing protocol\n"
	  "BGP local preference path attribute\nPreference value\n",
	  rm_cmd_set, NULL, 0 },
	{ "route-map", "set metric (0-4294967295)$med",
	  "Set values in destination routing protocol\nMetric value for destination routing protocol\n"
	  "Metric value\n",
	  rm_cmd_set, NULL, 0 },
	{ "route-map", "no set metric [(0-4294967295)]",
	  "Negate a command\nSet values in destination routing protocol\n"
	  "Metric value for destination routing protocol\nMetric value\n",
	  rm_cmd_set, NULL, 0 },
	{ "route-map", "set ip next-hop A.B.C.D$nh",
	  "Set values in destination routing protocol\nIP information\nNext hop address\n"
	  "IP address of next hop\n",
	  rm_cmd_set, NULL, 0 },
	{ "route-map", "no set ip next-hop [A.B.C.D]",
	  "Negate a command\nSet values in destination routing protocol\nIP information\n"
	  "Next hop address\nIP address of next hop\n",
	  rm_cmd_set, NULL, 0 },
	{ "route-map", "set as-path prepend LINE...$asns",
	  "Set values in destination routing protocol\nTransform BGP AS-path attribute\n"
	  "Prepend to the as-path\nAS number(s)\n",
	  rm_cmd_set, NULL, 0 },
	{ "route-map", "no set as-path prepend [LINE...]",
	  "Negate a command\nSet values in destination routing protocol\n"
	  "Transform BGP AS-path attribute\nPrepend to the as-path\nAS number(s)\n",
	  rm_cmd_set, NULL, 0 },
	{ "route-map", "set community <none|LINE...$comms>",
	  "Set values in destination routing protocol\nBGP community attribute\n"
	  "No community attribute\nCommunity number(s) in AA:NN format or well-known names, "
	  "optionally additive\n",
	  rm_cmd_set, NULL, 0 },
	{ "route-map", "no set community [LINE...]",
	  "Negate a command\nSet values in destination routing protocol\nBGP community attribute\n"
	  "Community number(s)\n",
	  rm_cmd_set, NULL, 0 },
	{ "config", "bgp community-list standard WORD$name <permit|deny> LINE...$line",
	  "BGP specific commands\nAdd a community list entry\nAdd a standard community-list entry\n"
	  "Community list name\nSpecify community to accept\nSpecify community to reject\n"
	  "Community number(s) in AA:NN format\n",
	  clist_cmd, NULL, 0 },
	{ "config", "no bgp community-list standard WORD$name [LINE...$line]",
	  "Negate a command\nBGP specific commands\nAdd a community list entry\n"
	  "Add a standard community-list entry\nCommunity list name\nEntry\n",
	  clist_cmd_no, NULL, 0 },
	{ "config", "bgp as-path access-list WORD$name <permit|deny> LINE...$line",
	  "BGP specific commands\nBGP autonomous system path filter\n"
	  "Specify an access list name\nSpecify packets to forward\nSpecify packets to reject\n"
	  "A regular-expression (1234567890_^|[,{}() ]$*+.?-\\) to match the BGP AS paths\n",
	  clist_cmd, NULL, 0 },
	{ "config", "no bgp as-path access-list WORD$name [LINE...$line]",
	  "Negate a command\nBGP specific commands\nBGP autonomous system path filter\n"
	  "Specify an access list name\nEntry\n",
	  clist_cmd_no, NULL, 0 },
};

void bgp_rmap_install(struct cmd_tree *tree)
{
	cmd_tree_add_all(tree, bgp_rmap_cmds, KLD_ARRAY_SIZE(bgp_rmap_cmds));
}

/* ---- running configuration ---- */

static void bgp_rm_write_entry(struct vty *vty, const char *name, const struct bgp_rm_entry *e)
{
	char buf[1024], nh[KLD_ADDR_STRLEN];

	vty_out(vty, "route-map %s %s %u\n", name, e->permit ? "permit" : "deny", e->seq);
	if (e->m_plist[0])
		vty_out(vty, " match %s address prefix-list %s\n",
			e->m_plist_family == AF_INET6 ? "ipv6" : "ip", e->m_plist);
	if (e->m_comm[0])
		vty_out(vty, " match community %s\n", e->m_comm);
	if (e->m_aspath[0])
		vty_out(vty, " match as-path %s\n", e->m_aspath);
	if (e->nprepend) {
		vty_out(vty, " set as-path prepend");
		for (size_t i = 0; i < e->nprepend; i++)
			vty_out(vty, " %u", e->prepend[i]);
		vty_out(vty, "\n");
	}
	if (e->s_comm_none)
		vty_out(vty, " set community none\n");
	if (e->s_comm) {
		bgp_comm_fmt(e->comm, e->ncomm, buf, sizeof(buf));
		vty_out(vty, " set community %s%s\n", buf, e->s_comm_additive ? " additive" : "");
	}
	if (e->s_nh)
		vty_out(vty, " set ip next-hop %s\n", kld_addr_fmt(&e->nh, nh, sizeof(nh)));
	if (e->s_lp)
		vty_out(vty, " set local-preference %u\n", e->lp);
	if (e->s_med)
		vty_out(vty, " set metric %u\n", e->med);
	vty_out(vty, "exit\n!\n");
}

/* Lists are kept newest first; the configuration is written by kind and
 * name, so it reads the same after a round trip through the file. */
static int bgp_clist_cmp(const void *a, const void *b)
{
	const struct bgp_clist *x = *(const struct bgp_clist *const *)a;
	const struct bgp_clist *y = *(const struct bgp_clist *const *)b;

	if (x->aspath != y->aspath)
		return x->aspath ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int bgp_rmap_cmp(const void *a, const void *b)
{
	return strcmp((*(const struct bgp_rmap *const *)a)->name,
		      (*(const struct bgp_rmap *const *)b)->name);
}

static void bgp_clists_write(struct vty *vty, const struct bgpd *bd)
{
	const struct bgp_clist **v;
	size_t n = 0;

	for (const struct bgp_clist *c = bd->clists; c; c = c->next)
		n++;
	if (!n)
		return;
	v = kld_xcalloc(n, sizeof(*v));
	n = 0;
	for (const struct bgp_clist *c = bd->clists; c; c = c->next)
		v[n++] = c;
	qsort(v, n, sizeof(*v), bgp_clist_cmp);
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < v[k]->n; i++)
			vty_out(vty, "bgp %s %s %s %s\n",
				v[k]->aspath ? "as-path access-list" : "community-list standard",
				v[k]->name, v[k]->e[i].permit ? "permit" : "deny", v[k]->e[i].text);
	vty_out(vty, "!\n");
	free(v);
}

void bgp_rmap_write_config(struct vty *vty)
{
	struct bgpd *bd = vty->arg;
	const struct bgp_rmap **v;
	size_t n = 0;

	bgp_clists_write(vty, bd);
	for (const struct bgp_rmap *m = bd->rmaps; m; m = m->next)
		n++;
	v = kld_xcalloc(n ? n : 1, sizeof(*v));
	n = 0;
	for (const struct bgp_rmap *m = bd->rmaps; m; m = m->next)
		v[n++] = m;
	qsort(v, n, sizeof(*v), bgp_rmap_cmp);
	for (size_t k = 0; k < n; k++)
		for (size_t i = 0; i < v[k]->n; i++)
			bgp_rm_write_entry(vty, v[k]->name, v[k]->e[i]);
	free(v);
}
