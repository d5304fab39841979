// SPDX-License-Identifier: BSD-2-Clause
#include "trust/hop_walk.h"
#include "trust/walk.h"

/* The branches of trust_resolve that a chain of texts can reach. */
void hop_walk_run(const struct trust_rule *rule, const struct hop_walk_in *in, struct hop_walk *out)
{
	struct walk_hops h = { .id = in->id, .n = in->n, .text = in->hops };
	struct walk w = { .addr = *in->peer, .at = in->n };
	bool trusted, declined, external = false;

	if (in->owner_verdict >= 0) {
		trusted = in->owner_verdict; /* (an owner-trusted peer is never external) */
	} else if (rule->hops >= 0) {
		trusted = trust_contains(rule, in->peer);
	} else {
		trusted = walk_trusted_hop(rule, in->peer, &w, NULL, 0);
		external = w.external;
	}
	if (in->pp_src && trusted && trust_reads(rule, TRUST_PROXY_PROTOCOL)) {
		h.tail = in->pp_src;
		w.at = in->n + 1;
	}
	/* A sender of preambles named no client in this one: the peer, no header (as nginx). */
	declined = in->pp_declines && trusted && trust_reads(rule, TRUST_PROXY_PROTOCOL);
	if (declined)
		w.at = in->n;
	else if (rule->hops >= 0 ? trusted || in->owner_verdict < 0 : trusted && (in->n || h.tail))
		walk_run(rule, &h, in->peer, external, &w, NULL);
	*out = (struct hop_walk){ .trusted = w.passed,
				  .client = w.at,
				  .invalid = w.invalid,
				  .not_public = w.not_public,
				  .pp_used = h.tail != NULL };
}

void hop_walk_header(const struct trust_rule *rule, const struct ip_addr *peer, unsigned int id,
		     const struct str *hops, size_t n, struct hop_walk *out)
{
	struct hop_walk_in in = {
		.peer = peer, .owner_verdict = -1, .id = id, .hops = hops, .n = n
	};

	hop_walk_run(rule, &in, out);
}

void hop_walk_header_by_owner(const struct trust_rule *rule, const struct ip_addr *peer,
			      bool peer_trusted, unsigned int id, const struct str *hops, size_t n,
			      struct hop_walk *out)
{
	struct hop_walk_in in = {
		.peer = peer, .owner_verdict = peer_trusted, .id = id, .hops = hops, .n = n
	};

	hop_walk_run(rule, &in, out);
}

void hop_walk(const struct trust_rule *rule, const struct ip_addr *peer, const struct str *hops,
	      size_t n, struct hop_walk *out)
{
	hop_walk_header(rule, peer, XFFW_F_X_FORWARDED_FOR, hops, n, out);
}
