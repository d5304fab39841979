// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>

#include "doctor/addr_shown.h"

bool addr_peer_as_is(const struct topo_peer *p)
{
	/* Not the role (a client steers the guess) nor a private range (VPNs, intranets). */
	return p->trusted;
}

static bool same_addr(const struct ip_addr *a, const struct ip_addr *b)
{
	return a->family == b->family && !memcmp(a->b, b->b, a->family == 4 ? 4 : 16);
}

bool addr_trusted_peer(const struct topology *t, const struct ip_addr *a)
{
	for (size_t i = 0; i < t->n; i++)
		for (size_t k = 0; k < t->listeners[i].npeers; k++) {
			const struct topo_peer *p = &t->listeners[i].peers[k];

			if (addr_peer_as_is(p) && p->addr.is_addr && same_addr(&p->addr.addr, a))
				return true;
		}
	return false;
}

bool addr_pseudonymised(const struct pseudo *ps)
{
	return ps && ps->mode != PSEUDO_NONE;
}

const char *addr_shown(const struct pseudo *ps, const struct obs_addr *a, bool as_is,
		       char buf[PSEUDO_TEXT_MAX])
{
	if (as_is || !addr_pseudonymised(ps))
		return a->text;
	if (!a->is_addr)
		return !strcmp(a->text, "unknown") || a->text[0] == '_' ? a->text : "invalid";
	pseudo_addr(ps, &a->addr, buf);
	return buf;
}

const char *addr_shown_in(const struct pseudo *ps, const struct topology *t,
			  const struct obs_addr *a, char buf[PSEUDO_TEXT_MAX])
{
	return addr_shown(ps, a, a->is_addr && addr_trusted_peer(t, &a->addr), buf);
}
