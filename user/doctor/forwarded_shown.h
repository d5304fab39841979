/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A forger's Forwarded value (RFC 7239 elements, as the event's raw line has
 * them) shown under pseudonymisation: each address in it as a client's.
 */
#ifndef XFFW_FORWARDED_SHOWN_H
#define XFFW_FORWARDED_SHOWN_H

#include <stddef.h>

#include "event/pseudonym.h"

/*
 * @value's elements (", "-separated outside quoted-strings) into @out (@cap
 * bytes, cut there): in each, pairs split at ';' outside quoted-strings; a
 * value (quoted or not) that is a node address (forwarded_node_address:
 * IPv4, [IPv6], with a port) becomes `name=PSEUDONYM` (port, brackets and
 * quotes dropped); a for= or by= that is none stays when "unknown" or an
 * obfuscated node, else becomes `invalid`; other parameters stay as they
 * are; a pair without '=' shows as its pseudonym when an address, else
 * `invalid`. Returns @out.
 */
const char *forwarded_shown(const struct pseudo *ps, const char *value, char *out, size_t cap);

#endif
