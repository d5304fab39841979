/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The rule's walk over the hops of a header, within the trust stage: the one
 * walk that trust_resolve (a request's chain) and hop_walk (hops as text, as
 * an event shows them) both run.
 */
#ifndef XFFW_TRUST_WALK_H
#define XFFW_TRUST_WALK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "trust/chain.h"
#include "trust/rules.h"
#include "trust/trace.h"

/*
 * The hops walked: a request's chain (its bad-hop flags kept), or texts; and
 * a PROXY preamble's source right of them when the rule reads it.
 */
struct walk_hops {
	unsigned int id; /* the header: how a hop reads as an address */
	size_t n;
	bool cut_left;		   /* hops left of the first exist but were not seen */
	const struct chain *chain; /* or NULL, and then: */
	const struct str *text;
	/*
	 * Or NULL: the preamble's source, hop n + 1 (index n). CIDR mode walks
	 * it first; hop counting does not count it but falls back to it
	 * instead of the peer (gunicorn's REMOTE_ADDR under ProxyFix).
	 */
	const struct ip_addr *tail;
};

struct walk_hops walk_hops_of_chain(const struct chain *c);

struct walk {
	struct ip_addr addr; /* where the walk stands: the client when it ends */
	bool moved;	     /* addr is a hop's (the header's, or the tail), not the peer's */
	bool external;	     /* an external proxy was passed: hops must be public */
	uint32_t findings;
	size_t at;	 /* index of the hop addr came from (n: the tail); past them: the peer */
	size_t passed;	 /* hops the walk went past as trusted proxies */
	bool invalid;	 /* stopped at a hop that is not an address */
	bool not_public; /* stopped at a private hop that an external proxy presented */
};

/* Index of the first CIDR of @list containing @a, or -1. */
int walk_match(const struct ip_cidr *list, size_t n, const struct ip_addr *a);

/*
 * Is @a (the peer when @hop is 0, else hop number @hop counted from 1) a
 * proxy to walk past? Notes why; turns on w->external when @a is an external
 * proxy (internal CIDRs are looked at first).
 */
bool walk_trusted_hop(const struct trust_rule *rule, const struct ip_addr *a, struct walk *w,
		      struct trust_trace *t, size_t hop);

/*
 * Walks @h from @peer as @rule says (CIDR mode as nginx realip, hop counting
 * as ProxyFix), from a peer already judged; @peer_external: the peer is an
 * external proxy. Fills all of @w.
 */
void walk_run(const struct trust_rule *rule, const struct walk_hops *h, const struct ip_addr *peer,
	      bool peer_external, struct walk *w, struct trust_trace *t);

#endif
