/*
 * The RIB. See rib.h for the design; this file holds the tables, the
 * interned nexthop sets, selection, resolution and stale handling.
 */
#include <string.h>
#include "rib.h"
#include "util.h"

#define RIB_MAX_TABLES 64
#define RIB_NHG_MAX 32
#define RIB_RESOLVE_ROUNDS 4

struct rib_table {
	uint8_t family;
	uint32_t id;
	struct kld_trie *trie;
};

struct rib {
	const struct rib_fib_ops *ops;
	void *arg;
	struct rib_table *tables[RIB_MAX_TABLES];
	size_t ntables;
	struct rib_nhg **nhg_buckets;
	size_t nhg_nbuckets, nhg_count;
	uint8_t *ifup;
	size_t nifup;
	uint32_t clock;
	size_t nroutes;
	bool via_default;
	bool needs_reresolve;
};

/* ---- types ---- */

static const struct {
	const char *name;
	char code;
	uint8_t distance;
	bool installs;
} rib_types[RIB_TYPE_MAX] = {
	[RIB_KERNEL] = { "kernel", 'K', 0, false },
	[RIB_CONNECTED] = { "connected", 'C', 0, false },
	[RIB_STATIC] = { "static", 'S', 1, true },
	[RIB_BGP] = { "bgp", 'B', 20, true },
	[RIB_WIREGUARD] = { "wireguard", 'W', 5, true },
	[RIB_VXLAN] = { "vxlan", 'X', 6, true },
};

static bool rib_type_valid(uint8_t type)
{
	return type > 0 && type < RIB_TYPE_MAX;
}

uint8_t rib_default_distance(uint8_t type, bool ibgp)
{
	if (type == RIB_BGP && ibgp)
		return 200;
	return rib_type_valid(type) ? rib_types[type].distance : 255;
}

bool rib_type_installs(uint8_t type)
{
	return rib_type_valid(type) && rib_types[type].installs;
}

const char *rib_type_name(uint8_t type)
{
	return rib_type_valid(type) ? rib_types[type].name : "unknown";
}

char rib_type_code(uint8_t type)
{
	return rib_type_valid(type) ? rib_types[type].code : '?';
}

/* Types a gateway may resolve over: everything but BGP. */
static bool rib_type_resolves(uint8_t type)
{
	return rib_type_valid(type) && type != RIB_BGP;
}

/* ---- life cycle ---- */

struct rib *rib_new(const struct rib_fib_ops *ops, void *arg)
{
	struct rib *rib = kld_xcalloc(1, sizeof(*rib));

	rib->ops = ops;
	rib->arg = arg;
	rib->nhg_nbuckets = 256;
	rib->nhg_buckets = kld_xcalloc(rib->nhg_nbuckets, sizeof(*rib->nhg_buckets));
	return rib;
}

static void rib_free_list(void *value)
{
	struct rib_route *r = value, *next;

	for (; r; r = next) {
		next = r->next;
		free(r);
	}
}

void rib_free(struct rib *rib)
{
	if (!rib)
		return;
	for (size_t i = 0; i < rib->ntables; i++) {
		kld_trie_free(rib->tables[i]->trie, rib_free_list);
		free(rib->tables[i]);
	}
	for (size_t b = 0; b < rib->nhg_nbuckets; b++) {
		struct rib_nhg *g = rib->nhg_buckets[b], *next;

		for (; g; g = next) {
			next = g->hnext;
			free(g->res);
			free(g);
		}
	}
	free(rib->nhg_buckets);
	free(rib->ifup);
	free(rib);
}

void rib_set_clock(struct rib *rib, uint32_t now)
{
	rib->clock = now;
}

void rib_set_resolve_via_default(struct rib *rib, bool on)
{
	rib->via_default = on;
	rib->needs_reresolve = true;
}

bool rib_needs_reresolve(const struct rib *rib)
{
	return rib->needs_reresolve;
}

size_t rib_count(const struct rib *rib)
{
	return rib->nroutes;
}

size_t rib_nhg_count(const struct rib *rib)
{
	return rib->nhg_count;
}

/* ---- interfaces ---- */

void rib_iface_set(struct rib *rib, uint32_t ifindex, bool up)
{
	if (ifindex >= rib->nifup) {
		size_t n = KLD_MAX((size_t)ifindex + 1, rib->nifup * 2);

		rib->ifup = kld_xrealloc(rib->ifup, n);
		memset(rib->ifup + rib->nifup, 0, n - rib->nifup);
		rib->nifup = n;
	}
	if (rib->ifup[ifindex] != up)
		rib->needs_reresolve = true;
	rib->ifup[ifindex] = up;
}

bool rib_iface_up(const struct rib *rib, uint32_t ifindex)
{
	return ifindex < rib->nifup && rib->ifup[ifindex];
}

/* ---- tables ---- */

struct rib_table *rib_table_get(struct rib *rib, uint8_t family, uint32_t id, bool create)
{
	struct rib_table *t;

	if (id == 0)
		id = RIB_TABLE_MAIN;
	for (size_t i = 0; i < rib->ntables; i++)
		if (rib->tables[i]->family == family && rib->tables[i]->id == id)
			return rib->tables[i];
	if (!create || rib->ntables == RIB_MAX_TABLES || !kld_family_bits(family))
		return NULL;
	t = kld_xcalloc(1, sizeof(*t));
	t->family = family;
	t->id = id;
	t->trie = kld_trie_new(family);
	rib->tables[rib->ntables++] = t;
	return t;
}

void rib_tables(struct rib *rib, uint8_t family, void (*fn)(uint32_t table, void *arg),
		void *arg)
{
	for (size_t i = 0; i < rib->ntables; i++)
		if (rib->tables[i]->family == family)
			fn(rib->tables[i]->id, arg);
}

/* ---- interned nexthop sets ---- */

static uint32_t rib_nh_hash(const struct rib_nh *nh, uint16_t n)
{
	uint32_t h = 2166136261u;
	const uint8_t *p = (const uint8_t *)nh;

	for (size_t i = 0; i < n * sizeof(*nh); i++)
		h = (h ^ p[i]) * 16777619u;
	return h;
}

static void rib_nhg_rehash(struct rib *rib)
{
	size_t nb = rib->nhg_nbuckets * 2;
	struct rib_nhg **b = kld_xcalloc(nb, sizeof(*b));

	for (size_t i = 0; i < rib->nhg_nbuckets; i++) {
		struct rib_nhg *g = rib->nhg_buckets[i], *next;

		for (; g; g = next) {
			next = g->hnext;
			g->hnext = b[g->hash & (nb - 1)];
			b[g->hash & (nb - 1)] = g;
		}
	}
	free(rib->nhg_buckets);
	rib->nhg_buckets = b;
	rib->nhg_nbuckets = nb;
}

static void rib_nhg_resolve(struct rib *rib, struct rib_nhg *g);

/* The nexthops are compared as bytes, so a caller's struct must be zeroed
 * before it is filled (padding included). */
static struct rib_nhg *rib_nhg_intern(struct rib *rib, const struct rib_nh *nh, uint16_t n)
{
	uint32_t h = rib_nh_hash(nh, n);
	struct rib_nhg **bucket = &rib->nhg_buckets[h & (rib->nhg_nbuckets - 1)];
	struct rib_nhg *g;

	for (g = *bucket; g; g = g->hnext) {
		if (g->hash == h && g->n == n && !memcmp(g->nh, nh, n * sizeof(*nh))) {
			g->refcnt++;
			return g;
		}
	}
	g = kld_xcalloc(1, sizeof(*g) + n * sizeof(*nh));
	g->hash = h;
	g->refcnt = 1;
	g->n = n;
	memcpy(g->nh, nh, n * sizeof(*nh));
	rib_nhg_resolve(rib, g);
	g->hnext = *bucket;
	*bucket = g;
	if (++rib->nhg_count > rib->nhg_nbuckets)
		rib_nhg_rehash(rib);
	return g;
}

static void rib_nhg_unref(struct rib *rib, struct rib_nhg *g)
{
	struct rib_nhg **pp;

	if (--g->refcnt > 0)
		return;
	pp = &rib->nhg_buckets[g->hash & (rib->nhg_nbuckets - 1)];
	for (; *pp; pp = &(*pp)->hnext) {
		if (*pp == g) {
			*pp = g->hnext;
			break;
		}
	}
	rib->nhg_count--;
	free(g->res);
	free(g);
}

/* ---- resolution ---- */

static struct rib_route *rib_selected_of(struct rib_route *list)
{
	for (; list; list = list->next)
		if (list->flags & RIB_F_SELECTED)
			return list;
	return NULL;
}

const struct rib_route *rib_resolve_addr(struct rib *rib, const struct kld_addr *a,
					 struct kld_prefix *via)
{
	struct rib_table *t = rib_table_get(rib, a->family, RIB_TABLE_MAIN, false);
	struct kld_prefix p, m;
	struct rib_route *list;

	if (!t)
		return NULL;
	kld_prefix_from_addr(&p, a, (uint8_t)kld_family_bits(a->family));
	while ((list = kld_trie_match_prefix(t->trie, &p, &m))) {
		struct rib_route *sel = rib_selected_of(list);

		if (m.len == 0 && !rib->via_default)
			return NULL;
		if (sel && rib_type_resolves(sel->type) && sel->nhg->active) {
			if (via)
				*via = m;
			return sel;
		}
		if (m.len == 0)
			return NULL;
		p = m;
		p.len--;
		kld_prefix_mask(&p);
	}
	return NULL;
}

static void rib_res_add(struct rib_nh *res, uint16_t *n, const struct rib_nh *nh)
{
	if (*n < RIB_NHG_MAX)
		res[(*n)++] = *nh;
}

/* A gateway without an interface: find the route that carries it. */
static void rib_resolve_gateway(struct rib *rib, const struct rib_nh *nh, struct rib_nh *res,
				uint16_t *n)
{
	const struct rib_route *via = rib_resolve_addr(rib, &nh->gw, NULL);

	if (!via)
		return;
	for (uint16_t i = 0; i < via->nhg->nres; i++) {
		struct rib_nh r = *nh;
		const struct rib_nh *v = &via->nhg->res[i];

		if (v->kind == RIB_NH_BLACKHOLE || v->kind == RIB_NH_REJECT)
			continue;
		r.ifindex = v->ifindex;
		/* Over an interface route the gateway itself is the next hop;
		 * over a gateway route it is that route's gateway (recursion). */
		if (v->kind == RIB_NH_GATEWAY && via->type != RIB_CONNECTED)
			r.gw = v->gw;
		r.kind = RIB_NH_GATEWAY;
		rib_res_add(res, n, &r);
	}
}

static void rib_resolve_one(struct rib *rib, const struct rib_nh *nh, struct rib_nh *res,
			    uint16_t *n)
{
	switch (nh->kind) {
	case RIB_NH_BLACKHOLE:
	case RIB_NH_REJECT:
		rib_res_add(res, n, nh);
		return;
	case RIB_NH_IFINDEX:
		if (rib_iface_up(rib, nh->ifindex))
			rib_res_add(res, n, nh);
		return;
	default:
		if (nh->ifindex) {
			if (rib_iface_up(rib, nh->ifindex))
				rib_res_add(res, n, nh);
			return;
		}
		rib_resolve_gateway(rib, nh, res, n);
	}
}

static void rib_nhg_resolve(struct rib *rib, struct rib_nhg *g)
{
	struct rib_nh res[RIB_NHG_MAX];
	uint16_t n = 0;
	bool active;

	memset(res, 0, sizeof(res));
	for (uint16_t i = 0; i < g->n; i++)
		rib_resolve_one(rib, &g->nh[i], res, &n);
	active = n > 0;
	g->changed = active != g->active || n != g->nres ||
		     (n && memcmp(res, g->res, n * sizeof(*res)) != 0);
	if (!g->changed)
		return;
	free(g->res);
	g->res = n ? kld_xmalloc(n * sizeof(*res)) : NULL;
	if (n)
		memcpy(g->res, res, n * sizeof(*res));
	g->nres = n;
	g->active = active;
}

/* ---- selection ---- */

static bool rib_better(const struct rib_route *a, const struct rib_route *b)
{
	if (a->distance != b->distance)
		return a->distance < b->distance;
	if (a->metric != b->metric)
		return a->metric < b->metric;
	return a->since < b->since;
}

static void rib_list_insert(struct rib_route **head, struct rib_route *r)
{
	struct rib_route **pp = head;

	while (*pp && !rib_better(r, *pp))
		pp = &(*pp)->next;
	r->next = *pp;
	*pp = r;
}

static void rib_list_unlink(struct rib_route **head, struct rib_route *r)
{
	for (struct rib_route **pp = head; *pp; pp = &(*pp)->next) {
		if (*pp == r) {
			*pp = r->next;
			return;
		}
	}
}

static struct rib_route *rib_best_active(struct rib_route *list)
{
	for (; list; list = list->next)
		if (list->nhg->active)
			return list;
	return NULL;
}

static void rib_notify(struct rib *rib, struct rib_table *t, const struct kld_prefix *p,
		       const struct rib_route *r, int status, int err)
{
	if (rib->ops && rib->ops->notify && r->owner)
		rib->ops->notify(rib->arg, t->id, p, r, status, err);
}

static void rib_fib_install(struct rib *rib, struct rib_table *t, const struct kld_prefix *p,
			    struct rib_route *r)
{
	if (rib_type_installs(r->type)) {
		r->flags = (uint8_t)((r->flags & ~RIB_F_FAILED) | RIB_F_PENDING);
		if (rib->ops && rib->ops->install)
			rib->ops->install(rib->arg, t->id, p, r);
	} else {
		r->flags |= RIB_F_FIB;
	}
}

static void rib_fib_uninstall(struct rib *rib, struct rib_table *t, const struct kld_prefix *p,
			      struct rib_route *r)
{
	/* An install still on its way counts as in the kernel: the delete
	 * queued behind it keeps the kernel right. */
	if (rib_type_installs(r->type) && (r->flags & (RIB_F_FIB | RIB_F_PENDING)) && rib->ops &&
	    rib->ops->uninstall)
		rib->ops->uninstall(rib->arg, t->id, p, r);
	r->flags &= (uint8_t)~(RIB_F_FIB | RIB_F_PENDING);
}

static void rib_mark_igp_change(struct rib *rib, const struct rib_route *a,
				const struct rib_route *b)
{
	if ((a && rib_type_resolves(a->type)) || (b && rib_type_resolves(b->type)))
		rib->needs_reresolve = true;
}

/* Make the list's selection true again. `changed` is a route whose
 * nexthops or attributes changed in place (it must be reinstalled if it
 * stays selected). */
static void rib_reselect(struct rib *rib, struct rib_table *t, const struct kld_prefix *p,
			 struct rib_route *list, const struct rib_route *changed)
{
	struct rib_route *old = rib_selected_of(list), *now = rib_best_active(list);

	if (old == now) {
		if (now && now == changed) {
			rib_fib_install(rib, t, p, now);
			rib_mark_igp_change(rib, now, NULL);
			if (rib->ops && rib->ops->selected)
				rib->ops->selected(rib->arg, t->id, p, now, now);
		}
		return;
	}
	if (old) {
		old->flags &= (uint8_t)~RIB_F_SELECTED;
		/* A route of ours that is replaced by another of ours is
		 * overwritten in place (no delete, no flap). */
		if (!now || !rib_type_installs(now->type) || !rib_type_installs(old->type))
			rib_fib_uninstall(rib, t, p, old);
		else
			old->flags &= (uint8_t)~RIB_F_FIB;
		if (now && now->distance < old->distance)
			rib_notify(rib, t, p, old, 2 /* BETTER_ADMIN_WON */, 0);
	}
	if (now) {
		now->flags |= RIB_F_SELECTED;
		rib_fib_install(rib, t, p, now);
	}
	rib_mark_igp_change(rib, old, now);
	if (rib->ops && rib->ops->selected)
		rib->ops->selected(rib->arg, t->id, p, old, now);
}

/* ---- add and delete ---- */

static struct rib_route *rib_find(struct rib_route *list, uint8_t type, uint16_t owner)
{
	for (; list; list = list->next)
		if (list->type == type && list->owner == owner)
			return list;
	return NULL;
}

/* A route is (owner, type), except what others put in the kernel: the
 * kernel keeps one route per priority there (an IGP's two metrics for one
 * prefix are two routes), so those are (kernel, metric). */
static struct rib_route *rib_find_spec(struct rib_route *list, uint8_t type, uint16_t owner,
				       uint32_t metric)
{
	if (type != RIB_KERNEL)
		return rib_find(list, type, owner);
	for (; list; list = list->next)
		if (list->type == type && list->owner == owner && list->metric == metric)
			return list;
	return NULL;
}

static bool rib_same(const struct rib_route *r, const struct rib_nhg *g, uint8_t distance,
		     uint32_t metric)
{
	return r->nhg == g && r->distance == distance && r->metric == metric;
}

static bool rib_reclaims(const struct rib_route *r, const struct rib_nhg *g, uint8_t distance,
			 uint32_t metric)
{
	return (r->flags & RIB_F_STALE) && (r->flags & RIB_F_FIB) && r->nhg != g &&
	       r->distance == distance && r->metric == metric && g->active &&
	       g->nres == r->nhg->nres &&
	       !memcmp(g->res, r->nhg->res, g->nres * sizeof(*g->res));
}

static void rib_adopt(struct rib *rib, struct rib_table *t, const struct kld_prefix *p,
		      struct rib_route **list, struct rib_route *r)
{
	struct rib_route *sel = rib_selected_of(*list);

	r->flags |= RIB_F_STALE | RIB_F_FIB;
	rib_list_insert(list, r);
	kld_trie_insert(t->trie, p, *list);
	if (!sel && r->nhg->active) {
		r->flags |= RIB_F_SELECTED;
		rib_mark_igp_change(rib, NULL, r);
		if (rib->ops && rib->ops->selected)
			rib->ops->selected(rib->arg, t->id, p, NULL, r);
	}
}

static void rib_after_add(struct rib *rib, struct rib_table *t, const struct kld_prefix *p,
			  struct rib_route *r)
{
	struct rib_route *sel;

	if (!r->nhg->active) {
		rib_notify(rib, t, p, r, 3 /* INACTIVE */, 0);
		return;
	}
	sel = rib_selected_of(kld_trie_lookup(t->trie, p));
	if (sel && sel != r && sel->distance < r->distance)
		rib_notify(rib, t, p, r, 2 /* BETTER_ADMIN_WON */, 0);
}

int rib_add(struct rib *rib, const struct kld_prefix *p, const struct rib_route_spec *s)
{
	struct rib_table *t = rib_table_get(rib, p->family, s->table, true);
	uint8_t distance = s->distance ? s->distance : rib_default_distance(s->type, s->ibgp);
	struct rib_route *list, *r;
	struct rib_nhg *g;

	if (!t || !rib_type_valid(s->type) || s->nnh == 0 || s->nnh > RIB_NHG_MAX)
		return -1;
	list = kld_trie_lookup(t->trie, p);
	g = rib_nhg_intern(rib, s->nh, s->nnh);
	r = rib_find_spec(list, s->type, s->owner, s->metric);
	if (r && rib_reclaims(r, g, distance, s->metric)) {
		/* The owner replays a route adopted from the kernel in other
		 * words (a gateway where the kernel named the interface too):
		 * same kernel state, so take the owner's form and touch
		 * nothing. */
		rib_nhg_unref(rib, r->nhg);
		r->nhg = g;
		r->flags &= (uint8_t)~RIB_F_STALE;
		return 0;
	}
	if (r && rib_same(r, g, distance, s->metric)) {
		/* A replay of what is there: no kernel work, no flap. */
		rib_nhg_unref(rib, g);
		r->flags &= (uint8_t)~RIB_F_STALE;
		return 0;
	}
	if (r) {
		rib_list_unlink(&list, r);
		rib_nhg_unref(rib, r->nhg);
	} else {
		r = kld_xcalloc(1, sizeof(*r));
		r->since = rib->clock;
		r->owner = s->owner;
		r->type = s->type;
		rib->nroutes++;
	}
	r->nhg = g;
	r->distance = distance;
	r->metric = s->metric;
	r->flags = (uint8_t)((r->flags & (RIB_F_SELECTED | RIB_F_FIB)) |
			     (s->notify ? RIB_F_NOTIFY : 0) | (s->ibgp ? RIB_F_IBGP : 0));
	if (s->in_kernel) {
		rib_adopt(rib, t, p, &list, r);
		return 0;
	}
	rib_list_insert(&list, r);
	kld_trie_insert(t->trie, p, list);
	rib_reselect(rib, t, p, list, r);
	rib_after_add(rib, t, p, r);
	return 0;
}

static void rib_remove(struct rib *rib, struct rib_table *t, const struct kld_prefix *p,
		       struct rib_route *list, struct rib_route *r)
{
	bool was_selected = r->flags & RIB_F_SELECTED;

	rib_list_unlink(&list, r);
	if (was_selected) {
		struct rib_route *now = rib_best_active(list);

		r->flags &= (uint8_t)~RIB_F_SELECTED;
		if (!now || !rib_type_installs(now->type) || !rib_type_installs(r->type))
			rib_fib_uninstall(rib, t, p, r);
		if (now) {
			now->flags |= RIB_F_SELECTED;
			rib_fib_install(rib, t, p, now);
		}
		rib_mark_igp_change(rib, r, now);
		if (rib->ops && rib->ops->selected)
			rib->ops->selected(rib->arg, t->id, p, r, now);
	}
	if (list)
		kld_trie_insert(t->trie, p, list);
	else
		kld_trie_delete(t->trie, p);
	rib_nhg_unref(rib, r->nhg);
	free(r);
	rib->nroutes--;
}

/* metric NULL: the route of (owner, type), whatever its metric. */
static int rib_delete_in(struct rib *rib, const struct kld_prefix *p, uint32_t table,
			 uint8_t type, uint16_t owner, const uint32_t *metric)
{
	struct rib_table *t = rib_table_get(rib, p->family, table, false);
	struct rib_route *list = t ? kld_trie_lookup(t->trie, p) : NULL;
	struct rib_route *r = metric ? rib_find_spec(list, type, owner, *metric)
				     : rib_find(list, type, owner);

	if (!r)
		return -1;
	rib_remove(rib, t, p, list, r);
	return 0;
}

int rib_delete(struct rib *rib, const struct kld_prefix *p, uint32_t table, uint8_t type,
	       uint16_t owner)
{
	return rib_delete_in(rib, p, table, type, owner, NULL);
}

int rib_delete_kernel(struct rib *rib, const struct kld_prefix *p, uint32_t table, uint32_t metric)
{
	return rib_delete_in(rib, p, table, RIB_KERNEL, 0, &metric);
}

const struct rib_route *rib_lookup(struct rib *rib, const struct kld_prefix *p, uint32_t table)
{
	struct rib_table *t = rib_table_get(rib, p->family, table, false);

	return t ? kld_trie_lookup(t->trie, p) : NULL;
}

void rib_fib_result(struct rib *rib, uint32_t table, const struct kld_prefix *p, uint8_t type,
		    uint16_t owner, int err)
{
	struct rib_table *t = rib_table_get(rib, p->family, table, false);
	struct rib_route *r = t ? rib_find(kld_trie_lookup(t->trie, p), type, owner) : NULL;

	if (!r)
		return;
	r->flags &= (uint8_t)~RIB_F_PENDING;
	if (!(r->flags & RIB_F_SELECTED))
		return;
	if (err) {
		r->flags = (uint8_t)((r->flags | RIB_F_FAILED) & ~RIB_F_FIB);
		rib_notify(rib, t, p, r, 1 /* FAILED */, err);
		return;
	}
	r->flags = (uint8_t)((r->flags | RIB_F_FIB) & ~RIB_F_FAILED);
	if (r->flags & RIB_F_NOTIFY)
		rib_notify(rib, t, p, r, 0 /* INSTALLED */, 0);
}

/* ---- walks: stale marks, sweeps, re-resolution ---- */

struct rib_collect {
	struct kld_prefix *p;
	size_t n, cap;
	uint16_t owner;
	bool mark;
};

static int rib_stale_cb(const struct kld_prefix *p, void *value, void *arg)
{
	struct rib_collect *c = arg;

	for (struct rib_route *r = value; r; r = r->next) {
		if (r->owner != c->owner)
			continue;
		if (c->mark) {
			r->flags |= RIB_F_STALE;
			c->n++;
		} else if (r->flags & RIB_F_STALE) {
			if (c->n == c->cap) {
				c->cap = c->cap ? c->cap * 2 : 64;
				c->p = kld_xrealloc(c->p, c->cap * sizeof(*c->p));
			}
			c->p[c->n++] = *p;
		}
	}
	return 0;
}

size_t rib_mark_stale(struct rib *rib, uint16_t owner)
{
	struct rib_collect c = { .owner = owner, .mark = true };

	for (size_t i = 0; i < rib->ntables; i++)
		kld_trie_walk(rib->tables[i]->trie, rib_stale_cb, &c);
	return c.n;
}

size_t rib_count_stale(struct rib *rib, uint16_t owner)
{
	struct rib_collect c = { .owner = owner };

	for (size_t i = 0; i < rib->ntables; i++)
		kld_trie_walk(rib->tables[i]->trie, rib_stale_cb, &c);
	free(c.p);
	return c.n;
}

static size_t rib_sweep_table(struct rib *rib, struct rib_table *t, uint16_t owner)
{
	struct rib_collect c = { .owner = owner };
	size_t swept = 0;

	kld_trie_walk(t->trie, rib_stale_cb, &c);
	for (size_t i = 0; i < c.n; i++) {
		struct rib_route *list = kld_trie_lookup(t->trie, &c.p[i]), *r, *next;

		for (r = list; r; r = next) {
			next = r->next;
			if (r->owner == owner && (r->flags & RIB_F_STALE)) {
				rib_remove(rib, t, &c.p[i], kld_trie_lookup(t->trie, &c.p[i]), r);
				swept++;
			}
		}
	}
	free(c.p);
	return swept;
}

size_t rib_sweep_stale(struct rib *rib, uint16_t owner)
{
	size_t swept = 0;

	for (size_t i = 0; i < rib->ntables; i++)
		swept += rib_sweep_table(rib, rib->tables[i], owner);
	return swept;
}

/* ---- resync after lost kernel events ---- */

static bool rib_resync_marks(const struct rib_route *r)
{
	if (r->type == RIB_KERNEL)
		return true;
	return rib_type_installs(r->type) && (r->flags & RIB_F_SELECTED) && (r->flags & RIB_F_FIB);
}

static int rib_resync_mark_cb(const struct kld_prefix *p, void *value, void *arg)
{
	(void)p;
	(void)arg;
	for (struct rib_route *r = value; r; r = r->next)
		if (rib_resync_marks(r))
			r->flags |= RIB_F_UNSEEN;
	return 0;
}

void rib_resync_begin(struct rib *rib)
{
	for (size_t i = 0; i < rib->ntables; i++)
		kld_trie_walk(rib->tables[i]->trie, rib_resync_mark_cb, NULL);
}

void rib_resync_seen(struct rib *rib, const struct kld_prefix *p, uint32_t table, uint8_t type,
		     uint16_t owner, uint32_t metric)
{
	struct rib_table *t = rib_table_get(rib, p->family, table, false);
	struct rib_route *r = t ? rib_find_spec(kld_trie_lookup(t->trie, p), type, owner, metric)
				: NULL;

	if (r)
		r->flags &= (uint8_t)~RIB_F_UNSEEN;
}

static int rib_unseen_cb(const struct kld_prefix *p, void *value, void *arg)
{
	struct rib_collect *c = arg;

	for (struct rib_route *r = value; r; r = r->next) {
		if (!(r->flags & RIB_F_UNSEEN))
			continue;
		if (c->n == c->cap) {
			c->cap = c->cap ? c->cap * 2 : 64;
			c->p = kld_xrealloc(c->p, c->cap * sizeof(*c->p));
		}
		c->p[c->n++] = *p;
		return 0;
	}
	return 0;
}

static size_t rib_resync_table(struct rib *rib, struct rib_table *t)
{
	struct rib_collect c = { 0 };
	size_t changed = 0;

	kld_trie_walk(t->trie, rib_unseen_cb, &c);
	for (size_t i = 0; i < c.n; i++) {
		struct rib_route *r, *next;

		for (r = kld_trie_lookup(t->trie, &c.p[i]); r; r = next) {
			next = r->next;
			if (!(r->flags & RIB_F_UNSEEN))
				continue;
			r->flags &= (uint8_t)~RIB_F_UNSEEN;
			if (r->type == RIB_KERNEL)
				rib_remove(rib, t, &c.p[i], kld_trie_lookup(t->trie, &c.p[i]), r);
			else
				rib_fib_install(rib, t, &c.p[i], r);
			changed++;
		}
	}
	free(c.p);
	return changed;
}

size_t rib_resync_end(struct rib *rib)
{
	size_t changed = 0;

	for (size_t i = 0; i < rib->ntables; i++)
		changed += rib_resync_table(rib, rib->tables[i]);
	return changed;
}

struct rib_reselect_walk {
	struct rib *rib;
	struct rib_table *t;
};

static int rib_reselect_cb(const struct kld_prefix *p, void *value, void *arg)
{
	struct rib_reselect_walk *w = arg;
	struct rib_route *list = value, *changed = NULL;

	for (struct rib_route *r = list; r; r = r->next)
		if (r->nhg->changed && (r->flags & RIB_F_SELECTED))
			changed = r;
	for (struct rib_route *r = list; r; r = r->next) {
		if (r->nhg->changed) {
			rib_reselect(w->rib, w->t, p, list, changed);
			break;
		}
	}
	return 0;
}

static bool rib_resolve_all(struct rib *rib)
{
	bool any = false;

	for (size_t b = 0; b < rib->nhg_nbuckets; b++) {
		for (struct rib_nhg *g = rib->nhg_buckets[b]; g; g = g->hnext) {
			rib_nhg_resolve(rib, g);
			any |= g->changed;
		}
	}
	return any;
}

static void rib_clear_changed(struct rib *rib)
{
	for (size_t b = 0; b < rib->nhg_nbuckets; b++)
		for (struct rib_nhg *g = rib->nhg_buckets[b]; g; g = g->hnext)
			g->changed = false;
}

/* Resolution can cascade (a static route over a connected one, a BGP
 * route over that static), so repeat until nothing changes. */
void rib_reresolve(struct rib *rib)
{
	for (int round = 0; round < RIB_RESOLVE_ROUNDS; round++) {
		rib->needs_reresolve = false;
		if (!rib_resolve_all(rib))
			break;
		for (size_t i = 0; i < rib->ntables; i++) {
			struct rib_reselect_walk w = { rib, rib->tables[i] };

			kld_trie_walk(rib->tables[i]->trie, rib_reselect_cb, &w);
		}
		rib_clear_changed(rib);
		if (!rib->needs_reresolve)
			break;
	}
	rib->needs_reresolve = false;
}

/* ---- walks for show ---- */

struct rib_show_walk {
	rib_walk_fn fn;
	void *arg;
};

static int rib_show_cb(const struct kld_prefix *p, void *value, void *arg)
{
	struct rib_show_walk *w = arg;

	return w->fn(p, value, w->arg);
}

int rib_walk(struct rib *rib, uint8_t family, uint32_t table, rib_walk_fn fn, void *arg)
{
	struct rib_table *t = rib_table_get(rib, family, table, false);
	struct rib_show_walk w = { fn, arg };

	return t ? kld_trie_walk(t->trie, rib_show_cb, &w) : 0;
}

size_t rib_walk_from(struct rib *rib, uint8_t family, uint32_t table,
		     const struct kld_prefix *after, size_t budget, rib_walk_fn fn, void *arg,
		     struct kld_prefix *last)
{
	struct rib_table *t = rib_table_get(rib, family, table, false);
	struct rib_show_walk w = { fn, arg };

	return t ? kld_trie_walk_from(t->trie, after, budget, rib_show_cb, &w, last) : 0;
}
