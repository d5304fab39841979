/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A PROXY protocol preamble in trust_resolve: whether its source is walked,
 * and the findings it raises (docs/trust.md, "PROXY protocol").
 */
#ifndef XFFW_TRUST_PREAMBLE_H
#define XFFW_TRUST_PREAMBLE_H

#include <stdbool.h>
#include <stdint.h>

#include "trust/rules.h"

/*
 * The preamble's source, for the walk to take as its rightmost hop: when
 * @rule reads proxy-protocol, the preamble is usable and the peer trusted
 * (res->peer_trusted decided). Else NULL, and *@declined when @rule reads
 * proxy-protocol, the peer is trusted and the connection began with a
 * preamble that names no client (LOCAL, UNKNOWN, broken, lost): then the
 * peer is the client and no header is read (nginx's realip declines).
 * Notes why in @t either way.
 */
const struct ip_addr *preamble_tail(const struct trust_rule *rule, const struct http_request *req,
				    const struct resolution *res, bool *declined,
				    struct trust_trace *t);

/*
 * No header named a client, and none is missing: the connection began with
 * a preamble (any state but none or not seen, whatever @rule reads: its
 * sender need write no header), or its start was not seen and @rule reads
 * proxy-protocol and nothing else.
 */
bool preamble_stands_in(const struct trust_rule *rule, const struct http_request *req);

/*
 * The proxy-protocol-* findings (and truncated for a lost preamble, or for
 * a start not seen under a rule that reads a preamble and a header) of
 * @req under @rule, @res resolved; @present: res->header was present.
 * Records the first request's header client in req->pp_named (its header
 * the rule's first present, else the first present client header: res->other
 * is scratch for it).
 */
uint32_t preamble_findings(const struct trust_rule *rule, const struct http_request *req,
			   struct resolution *res, bool present, struct trust_trace *t);

#endif
