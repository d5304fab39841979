// SPDX-License-Identifier: BSD-2-Clause
#include "trust/hop_walk.h"
#include "trust/walk.h"

void hop_walk_header(const struct trust_rule *rule, const struct ip_addr *peer, unsigned int id,
		     const struct str *hops, size_t n, struct hop_walk *out)
{
	struct walk_hops h = { .id = id, .n = n, .text = hops };
	struct walk w = { .addr = *peer, .at = n };

	/* The branches of trust_resolve that a chain of texts can reach. */
	if (rule->hops >= 0)
		walk_run(rule, &h, peer, false, &w, NULL);
	else if (walk_trusted_hop(rule, peer, &w, NULL, 0) && n)
		walk_run(rule, &h, peer, w.external, &w, NULL);
	*out = (struct hop_walk){ .trusted = w.passed,
				  .client = w.at,
				  .invalid = w.invalid,
				  .not_public = w.not_public };
}

void hop_walk_header_by_owner(const struct trust_rule *rule, const struct ip_addr *peer,
			      bool peer_trusted, unsigned int id, const struct str *hops, size_t n,
			      struct hop_walk *out)
{
	struct walk_hops h = { .id = id, .n = n, .text = hops };
	struct walk w = { .addr = *peer, .at = n };

	/* (An owner-trusted peer is never an external proxy.) */
	if (peer_trusted && (rule->hops >= 0 || n))
		walk_run(rule, &h, peer, false, &w, NULL);
	*out = (struct hop_walk){ .trusted = w.passed,
				  .client = w.at,
				  .invalid = w.invalid,
				  .not_public = w.not_public };
}

void hop_walk(const struct trust_rule *rule, const struct ip_addr *peer, const struct str *hops,
	      size_t n, struct hop_walk *out)
{
	hop_walk_header(rule, peer, XFFW_F_X_FORWARDED_FOR, hops, n, out);
}
