/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The rule's walk over hops given as text, leftmost first, as an audit
 * event's chain shows them: for what reads events rather than requests
 * (xffwatch doctor). The walk is trust_resolve's own (trust/walk.c).
 */
#ifndef XFFW_TRUST_HOP_WALK_H
#define XFFW_TRUST_HOP_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include "trust/rules.h"

struct hop_walk {
	/*
	 * Hops, counted from the right, that the walk went past as trusted
	 * proxies (the peer is not counted). CIDR mode: the trusted hops right
	 * of the client, or all n when every hop is trusted (then client is 0
	 * and is one of them); hop counting (hops = N): N - 1 when it took a
	 * hop, else 0.
	 */
	size_t trusted;
	/* Index of the hop the rule takes as the client; n: the TCP peer. */
	size_t client;
	/* The walk stopped at a hop that is not an address (finding invalid-entry). */
	bool invalid;
	/*
	 * The walk stopped at a private hop that an external proxy presented
	 * (also invalid-entry to trust_resolve); client is the hop right of it.
	 */
	bool not_public;
	/*
	 * A preamble's source was walked (hop_walk_in.pp_src, and the rule
	 * reads it): client n is then that source, and n + 1 the peer.
	 */
	bool pp_used;
};

/* What an event tells of a request, for the walk to re-judge it. */
struct hop_walk_in {
	const struct ip_addr *peer;
	/* --trust-local judged the peer by its socket's owner: 1 trusted, 0 not; -1: by address. */
	int owner_verdict;
	unsigned int id; /* the header of @hops (a field id) */
	const struct str *hops;
	size_t n;
	/*
	 * The source of a usable preamble on the request's connection (state
	 * ok, command PROXY, with a source address), or NULL.
	 */
	const struct ip_addr *pp_src;
	/*
	 * The connection began with a preamble that names no client (LOCAL,
	 * UNKNOWN, malformed, truncated, lost): a rule that reads
	 * proxy-protocol takes a trusted peer as the client, reading no header.
	 */
	bool pp_declines;
};

/*
 * The walk trust_resolve runs, over hops as text: a peer @rule does not trust
 * is the client (CIDR mode, or an owner's verdict; hop counting checks no
 * address); a preamble's source is walked as the rightmost hop when @rule
 * reads proxy-protocol and trusts the peer (hop counting: it replaces the
 * peer as the fallback); a preamble without a client (@in->pp_declines) then
 * leaves the peer the client. Fills @out.
 */
void hop_walk_run(const struct trust_rule *rule, const struct hop_walk_in *in,
		  struct hop_walk *out);

/*
 * Walks @n hops of X-Forwarded-For (or another single-address header: each
 * text is read as nginx reads an entry, ip_parse_xff_entry) from TCP peer
 * @peer under @rule, and fills @out. As trust_resolve: in CIDR mode an
 * untrusted peer is the client, whatever the hops; hop counting checks no
 * peer. Hops left of hops[0] that were cut are not known here: hops[0] is
 * taken as the true leftmost.
 */
void hop_walk(const struct trust_rule *rule, const struct ip_addr *peer, const struct str *hops,
	      size_t n, struct hop_walk *out);

/*
 * As hop_walk, for the hops of header @id (a field id): for Forwarded each
 * text is a for= value (unquoted), read as an RFC 7239 node. A Forwarded
 * element the chain marked bad (no for=) reads as its text does here.
 */
void hop_walk_header(const struct trust_rule *rule, const struct ip_addr *peer, unsigned int id,
		     const struct str *hops, size_t n, struct hop_walk *out);

/*
 * As hop_walk_header, for a peer judged by its socket's owner (--trust-local,
 * trust_resolve's judge_by_owner): @peer_trusted decides, not its address; an
 * untrusted one is the client, under hop counting too.
 */
void hop_walk_header_by_owner(const struct trust_rule *rule, const struct ip_addr *peer,
			      bool peer_trusted, unsigned int id, const struct str *hops, size_t n,
			      struct hop_walk *out);

#endif
