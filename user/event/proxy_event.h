/* SPDX-License-Identifier: BSD-2-Clause */
/* xffwatch.proxy_protocol: what the connection's PROXY preamble said (docs/audit-event.md). */
#ifndef XFFW_PROXY_EVENT_H
#define XFFW_PROXY_EVENT_H

#include <stdbool.h>

#include "event/jsonw.h"
#include "event/pseudonym.h"
#include "pipeline/request.h"

/*
 * Bytes kept of each text a preamble's TLVs carry (ALPN, authority, netns,
 * the five SSL strings): 255, a DNS name's longest, and an ALPN id's. With
 * those eight escaped at worst (six bytes a byte) and a unique id as hex, the
 * object stays under 13 KiB: a preamble never pushes an event past
 * AUDIT_EVENT_MAX on its own (tests/unit/test_audit.c).
 */
#define PP_EVENT_TEXT_MAX 255

/*
 * Writes the "proxy_protocol" member of the open object for @req's
 * preamble, nothing when its pp_state is UNKNOWN or NONE. The source
 * address is a client's: written as @pseudo wants (NULL: as it is); under
 * a pseudonymising @pseudo the unique id and the SSL CN are left out. With
 * @shorten, only state, version, command and source.
 */
void audit_proxy_protocol(struct jsonw *j, const struct http_request *req,
			  const struct pseudo *pseudo, bool shorten);

#endif
