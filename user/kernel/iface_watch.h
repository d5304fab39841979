/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What to attach to, kept true while interfaces come and go. Each --iface is
 * a name or a glob pattern:
 *   - a bridge: its own ingress (what reaches the host through it) and the
 *     egress of every port (what reaches each container), ports followed as
 *     they are added and removed;
 *   - loopback: ingress (every packet passes it once);
 *   - any other interface: ingress and egress.
 * Changes come from rtnetlink; a new port is attached as soon as it joins.
 */
#ifndef XFFW_WATCH_H
#define XFFW_WATCH_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kernel/tc_attach.h"
#include "kernel/privileged_ops.h"
#include "kernel/rtnl_links.h"
#include "kernel/veth_peers.h"

/* Interfaces known, and attached, at once. */
#define WATCH_MAX_LINKS	 4096
#define WATCH_MAX_ATTACH 1024

struct watch_link {
	struct link_info info;
	struct link_meta meta; /* who is behind it, read when it was attached */
	unsigned int hooks;    /* attached: HOOKS_*, 0 for none */
	unsigned int failed;   /* hooks that could not be attached (not retried until changed) */
	unsigned int gen;      /* the listing it was last seen in */
};

/* The --iface patterns: names or globs, @n of them. */
struct watch_patterns {
	const char (*names)[IF_NAMESIZE];
	size_t n;
};

struct watcher {
	struct watch_patterns patterns;
	struct attacher *attacher;
	struct links *links;
	struct watch_link *tab;
	size_t ntab;
	size_t nattached;
	unsigned int gen;
	size_t last; /* the entry watch_link() found last: events come in runs */
	uint64_t attaches, detaches, refused, failures;
};

/* Whether @name is matched by --iface @pattern (a name or a glob). */
bool watch_matches(const char *pattern, const char *name);

/*
 * The hooks @link needs, given the interfaces known (for a port: its bridge)
 * and the patterns: HOOKS_* bits, 0 for none.
 */
unsigned int watch_hooks_for(const struct watch_patterns *p, const struct watch_link *tab,
			     size_t ntab, const struct link_info *link);

/*
 * Reads the interfaces and attaches, through @attacher, where the patterns
 * @p say (kept: they must outlive @w). An interface named exactly (no glob)
 * must exist. Returns 0 or a negative errno after logging.
 */
int watch_start(struct watcher *w, const struct watch_patterns *p, struct attacher *attacher);

/* The descriptor that becomes readable when interfaces change. */
int watch_fd(const struct watcher *w);

/* Takes the changes waiting and attaches or detaches accordingly. */
void watch_update(struct watcher *w);

/* The interface @ifindex, if known. */
const struct watch_link *watch_link(struct watcher *w, int ifindex);

/* The bridge @l is a port of, if any (for rules that name the bridge). */
const struct watch_link *watch_bridge_of(struct watcher *w, const struct watch_link *l);

/* Attachments held now. */
size_t watch_attached(const struct watcher *w);

/* Detaches everything (the attacher stays the caller's). */
void watch_stop(struct watcher *w);

#endif
