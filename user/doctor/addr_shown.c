// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>

#include "doctor/addr_shown.h"

bool addr_peer_as_is(const struct topo_peer *p)
{
	/* Not the role (a client steers the guess) nor a private range (VPNs, intranets). */
	return p->trusted;
}

bool addr_trusted_peer(const struct topology *t, const struct ip_addr *a)
{
	for (size_t i = 0; i < t->n; i++)
		for (size_t k = 0; k < t->listeners[i].npeers; k++) {
			const struct topo_peer *p = &t->listeners[i].peers[k];

			if (addr_peer_as_is(p) && p->addr.is_addr && ip_equal(&p->addr.addr, a))
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
		return addr_placeholder(a->text);
	pseudo_addr(ps, &a->addr, buf);
	return buf;
}

const char *addr_placeholder(const char *text)
{
	return !strcmp(text, "unknown") || text[0] == '_' ? text : "invalid";
}

bool addr_trusted_obs(const struct topology *t, const struct obs_addr *a)
{
	return a->is_addr && addr_trusted_peer(t, &a->addr);
}

const char *addr_shown_in(const struct pseudo *ps, const struct topology *t,
			  const struct obs_addr *a, char buf[PSEUDO_TEXT_MAX])
{
	return addr_shown(ps, a, addr_trusted_obs(t, a), buf);
}
