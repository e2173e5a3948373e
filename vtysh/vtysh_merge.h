/*
 * The merged running configuration: each daemon's part, as it prints it,
 * folded into one tree of lines.
 *
 * A daemon prints FRR's layout: a node's lines indented one blank deeper
 * than the line that entered it, the node closed by its closer (`exit`,
 * `exit-address-family`) at the entering line's indentation. The merge
 * keeps that tree whole, at every depth: a line that repeats in another
 * sub-block (`persistent-keepalive 25` under three peers, `neighbor X
 * next-hop-self` under two address families) is another node and stays.
 *
 * Blocks that two daemons print (an `interface eth0` both configure, the
 * `log syslog` line every daemon prints) become one: a line of the second
 * daemon joins the first unclaimed equal line of the same parent, so the
 * same line printed by two daemons appears once, and a line printed twice
 * by one daemon appears twice. Lines keep their first-seen order.
 */
#ifndef KLD_VTYSH_MERGE_H
#define KLD_VTYSH_MERGE_H

#include "buf.h"

struct vtysh_merge;

struct vtysh_merge *vtysh_merge_new(void);
void vtysh_merge_free(struct vtysh_merge *m);
/* Fold in one daemon's running configuration (call once per daemon). */
void vtysh_merge_add(struct vtysh_merge *m, const char *text);
/* The merged configuration in FRR's layout: top-level blocks separated by
 * "!" lines, runs of one-line blocks (static routes, prefix-list entries)
 * kept together, every node with children closed by its closer. */
void vtysh_merge_write(const struct vtysh_merge *m, struct kld_buf *out);

#endif
