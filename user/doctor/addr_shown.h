/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * How the doctor shows an address when client addresses are pseudonymised:
 * the daemon's rule for source.ip (docs/audit-event.md). A peer the rule
 * trusts is shown as it is; every other address, whatever its role or range,
 * as a client's. One function for the topology, the examples, the
 * diagnoses' summaries and addresses, and the fixes.
 */
#ifndef XFFW_ADDR_SHOWN_H
#define XFFW_ADDR_SHOWN_H

#include <stdbool.h>

#include "doctor/topology.h"
#include "event/pseudonym.h"

/* Is @p shown as it is: trusted by the rule (never for its guessed role or its range)? */
bool addr_peer_as_is(const struct topo_peer *p);

/* Is @a a peer of some listener of @t that addr_peer_as_is shows as it is? */
bool addr_trusted_peer(const struct topology *t, const struct ip_addr *a);

/* Is @a an address, and a peer of @t that addr_peer_as_is shows as it is? */
bool addr_trusted_obs(const struct topology *t, const struct obs_addr *a);

/* Text that is no address as shown pseudonymised: "unknown" and "_..." as they are, else "invalid". */
const char *addr_placeholder(const char *text);

/* Is @ps a pseudonymising mode (not NULL, not none)? */
bool addr_pseudonymised(const struct pseudo *ps);

/*
 * @a as shown: as it is when @as_is or not pseudonymised, else its pseudonym
 * in @buf; text that is no address: "unknown" and "_..." as they are, else
 * "invalid". Returns a->text, @buf or a constant.
 */
const char *addr_shown(const struct pseudo *ps, const struct obs_addr *a, bool as_is,
		       char buf[PSEUDO_TEXT_MAX]);

/* @a as shown, as it is only when it is a trusted peer of @t. */
const char *addr_shown_in(const struct pseudo *ps, const struct topology *t,
			  const struct obs_addr *a, char buf[PSEUDO_TEXT_MAX]);

#endif
