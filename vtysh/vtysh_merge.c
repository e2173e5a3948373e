/*
 * The merge of the daemons' running configurations, see vtysh_merge.h.
 *
 * Each node keeps its children in order and, for the lookups of a second
 * daemon, a hash of them by text; equal texts under one parent are chained
 * in order (`same`), and each node remembers the last daemon (pass) that
 * claimed it, so a pass never claims one line twice. A node born in the
 * current pass has no lines of other daemons, so its children are appended
 * without a lookup: a 30,000-line `router bgp` block costs no search.
 */
#include <stdbool.h>
#include <string.h>
#include "config.h"
#include "util.h"
#include "vtysh_merge.h"

#define VTYSH_MERGE_DEPTH 16

struct vtysh_cnode {
	char *text;		/* without indentation */
	char *closer;		/* as the daemon closed the node, or NULL */
	bool layout;		/* a "!" line inside a block */
	unsigned born, claimed; /* passes that created and last claimed it */
	struct vtysh_cnode **kids;
	size_t nkids, cap;
	struct vtysh_cnode **slots; /* hash of kids by text: chain heads */
	size_t nslots;
	struct vtysh_cnode *same; /* next kid with the same text */
};

struct vtysh_merge {
	struct vtysh_cnode root;
	unsigned pass;
};

static uint32_t vtysh_text_hash(const char *s)
{
	uint32_t h = 0x9747b28cu;

	for (; *s; s++)
		h = kld_hash_block(h, (unsigned char)*s);
	return kld_hash_final(h);
}

static struct vtysh_cnode **vtysh_slot(const struct vtysh_cnode *p, const char *text)
{
	size_t i = vtysh_text_hash(text) & (p->nslots - 1);

	while (p->slots[i] && strcmp(p->slots[i]->text, text))
		i = (i + 1) & (p->nslots - 1);
	return &p->slots[i];
}

static void vtysh_index(struct vtysh_cnode *p, struct vtysh_cnode *kid)
{
	struct vtysh_cnode **slot = vtysh_slot(p, kid->text), *c;

	if (!*slot) {
		*slot = kid;
		return;
	}
	for (c = *slot; c->same; c = c->same)
		;
	c->same = kid;
}

/* Keep the table at most half full; chains move with their heads. */
static void vtysh_reindex(struct vtysh_cnode *p)
{
	if (p->nslots && p->nkids * 2 < p->nslots)
		return;
	free(p->slots);
	p->nslots = p->nslots ? p->nslots * 2 : 16;
	p->slots = kld_xcalloc(p->nslots, sizeof(*p->slots));
	for (size_t i = 0; i < p->nkids; i++) {
		p->kids[i]->same = NULL;
		if (!p->kids[i]->layout)
			vtysh_index(p, p->kids[i]);
	}
}

static struct vtysh_cnode *vtysh_append(struct vtysh_cnode *p, const char *text, bool layout,
					unsigned pass)
{
	struct vtysh_cnode *kid = kld_xcalloc(1, sizeof(*kid));

	kid->text = kld_xstrdup(text);
	kid->layout = layout;
	kid->born = kid->claimed = pass;
	if (p->nkids == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->kids = kld_xrealloc(p->kids, p->cap * sizeof(*p->kids));
	}
	p->kids[p->nkids++] = kid;
	if (layout)
		return kid;
	if (p->nkids * 2 >= p->nslots)
		vtysh_reindex(p);
	else
		vtysh_index(p, kid);
	return kid;
}

/* The first line equal to text under p that this pass has not claimed. */
static struct vtysh_cnode *vtysh_claim(struct vtysh_cnode *p, const char *text, unsigned pass)
{
	struct vtysh_cnode *c = p->nslots ? *vtysh_slot(p, text) : NULL;

	for (; c; c = c->same)
		if (c->claimed != pass) {
			c->claimed = pass;
			return c;
		}
	return NULL;
}

static struct vtysh_cnode *vtysh_line(struct vtysh_cnode *p, const char *text, unsigned pass)
{
	struct vtysh_cnode *c = p->born == pass ? NULL : vtysh_claim(p, text, pass);

	return c ? c : vtysh_append(p, text, false, pass);
}

struct vtysh_parse {
	struct vtysh_cnode *node[VTYSH_MERGE_DEPTH];
	size_t indent[VTYSH_MERGE_DEPTH];
	size_t depth;
};

static struct vtysh_cnode *vtysh_parent(struct vtysh_merge *m, struct vtysh_parse *s)
{
	return s->depth ? s->node[s->depth - 1] : &m->root;
}

/* A closer at indentation k closes the node entered at k (deeper nodes
 * without a closer of their own end with it). */
static void vtysh_close(struct vtysh_parse *s, size_t k, const char *closer)
{
	while (s->depth && s->indent[s->depth - 1] > k)
		s->depth--;
	if (!s->depth)
		return;
	s->depth--;
	if (!s->node[s->depth]->closer)
		s->node[s->depth]->closer = kld_xstrdup(closer);
}

static void vtysh_merge_line(struct vtysh_merge *m, struct vtysh_parse *s, size_t k,
			     const char *text)
{
	struct vtysh_cnode *p, *c;

	if (kld_config_is_closer(text)) {
		if (strcmp(text, "end"))
			vtysh_close(s, k, text);
		return;
	}
	while (s->depth && s->indent[s->depth - 1] >= k)
		s->depth--;
	p = vtysh_parent(m, s);
	if (text[0] == '!') {
		/* Top-level separators are the writer's; a daemon's own "!"
		 * inside its block stays, unless the block is shared. */
		if (s->depth && p->born == m->pass)
			vtysh_append(p, "!", true, m->pass);
		return;
	}
	c = vtysh_line(p, text, m->pass);
	if (s->depth < VTYSH_MERGE_DEPTH) {
		s->node[s->depth] = c;
		s->indent[s->depth++] = k;
	}
}

void vtysh_merge_add(struct vtysh_merge *m, const char *text)
{
	struct vtysh_parse s = {.depth = 0};
	char *copy = kld_xstrdup(text), *save = NULL;

	m->pass++;
	for (char *l = strtok_r(copy, "\n", &save); l; l = strtok_r(NULL, "\n", &save)) {
		size_t k = strspn(l, " "), n = strlen(l);

		while (n > k && (l[n - 1] == ' ' || l[n - 1] == '\r'))
			l[--n] = '\0';
		if (n > k)
			vtysh_merge_line(m, &s, k, l + k);
	}
	free(copy);
}

struct vtysh_merge *vtysh_merge_new(void)
{
	struct vtysh_merge *m = kld_xcalloc(1, sizeof(*m));

	/* The root is shared by every daemon: never born in a pass. */
	m->root.born = 0;
	return m;
}

static void vtysh_cnode_free(struct vtysh_cnode *c)
{
	for (size_t i = 0; i < c->nkids; i++) {
		vtysh_cnode_free(c->kids[i]);
		free(c->kids[i]);
	}
	free(c->kids);
	free(c->slots);
	free(c->text);
	free(c->closer);
}

void vtysh_merge_free(struct vtysh_merge *m)
{
	if (!m)
		return;
	vtysh_cnode_free(&m->root);
	free(m);
}

static bool vtysh_is_block(const struct vtysh_cnode *c)
{
	return c->nkids || c->closer;
}

static void vtysh_write_node(const struct vtysh_cnode *c, size_t depth, struct kld_buf *out)
{
	kld_buf_printf(out, "%*s%s\n", (int)depth, "", c->text);
	for (size_t i = 0; i < c->nkids; i++)
		vtysh_write_node(c->kids[i], depth + 1, out);
	if (vtysh_is_block(c))
		kld_buf_printf(out, "%*s%s\n", (int)depth, "", c->closer ? c->closer : "exit");
}

/* Two one-line blocks of a run: their first words are equal. */
static bool vtysh_same_run(const struct vtysh_cnode *a, const struct vtysh_cnode *b)
{
	size_t n = strcspn(a->text, " ");

	return !vtysh_is_block(a) && !vtysh_is_block(b) && n == strcspn(b->text, " ") &&
	       !strncmp(a->text, b->text, n);
}

void vtysh_merge_write(const struct vtysh_merge *m, struct kld_buf *out)
{
	const struct vtysh_cnode *root = &m->root;

	for (size_t i = 0; i < root->nkids; i++) {
		vtysh_write_node(root->kids[i], 0, out);
		if (i + 1 == root->nkids || !vtysh_same_run(root->kids[i], root->kids[i + 1]))
			kld_buf_puts(out, "!\n");
	}
}
