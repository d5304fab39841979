// SPDX-License-Identifier: BSD-2-Clause
/*
 * nginx reads a preamble's source with real_ip_header proxy_protocol (one
 * hop, set_real_ip_from checked on the peer); gunicorn --proxy-protocol takes
 * it as REMOTE_ADDR from proxy_allow_ips only. Differences: docs/trust.md.
 */
#include "pipeline/proxy_preamble.h"
#include "trust/preamble.h"

static bool preamble_sent(uint8_t state)
{
	return state == REQ_PP_OK || state == REQ_PP_MALFORMED || state == REQ_PP_TRUNCATED;
}

bool trust_pp_usable(const struct http_request *req)
{
	return req->pp_state == REQ_PP_OK && req->pp && req->pp->command == PP_CMD_PROXY &&
	       req->pp->has_addr;
}

const struct ip_addr *preamble_tail(const struct trust_rule *rule, const struct http_request *req,
				    const struct resolution *res, bool *declined,
				    struct trust_trace *t)
{
	const struct pp_info *pp = req->pp;
	bool reads = trust_reads(rule, TRUST_PROXY_PROTOCOL);
	/* nginx's realip declines a preamble without a client: the peer, and no header. */
	bool decline = reads && res->peer_trusted;
	const char *then = decline ? ": the peer is the client, and no header is read" : "";
	const char *peer = trace_addr(&req->saddr);

	*declined = false;
	if (req->pp_state == REQ_PP_LOST) {
		trace_note(t,
			   "the connection began with a PROXY preamble, lost before it was read "
			   "(truncated)%s",
			   then);
		*declined = decline;
		return NULL;
	}
	if (!preamble_sent(req->pp_state) || !pp) {
		if (req->pp_state == REQ_PP_NONE && reads)
			trace_note(t, "the connection began without a PROXY preamble");
		else if (decline && rule->nheaders > 1)
			trace_note(t,
				   "the connection's start was not seen: whether a PROXY preamble "
				   "stood for the peer is not known (truncated)");
		else if (reads)
			trace_note(t,
				   "the connection's start was not seen: no PROXY preamble known");
		return NULL;
	}
	if (req->pp_state != REQ_PP_OK) {
		trace_note(t, "preamble from %s is %s (%s): not used (proxy-protocol-malformed)%s",
			   peer, req->pp_state == REQ_PP_MALFORMED ? "malformed" : "truncated",
			   pp->error ? pp->error : "no reason given", then);
		*declined = decline;
		return NULL;
	}
	if (pp->command != PP_CMD_PROXY || !pp->has_addr) {
		trace_note(t, "preamble from %s (v%u): %s: it names no client%s", peer, pp->version,
			   pp->command == PP_CMD_LOCAL ? "LOCAL, the proxy's own (a health check)"
			   : pp->command == PP_CMD_UNKNOWN ? "UNKNOWN"
							   : "PROXY without an IP source",
			   decline ? then : ", not used");
		*declined = decline;
		return NULL;
	}
	if (!res->peer_trusted) {
		trace_note(t, "preamble from %s (v%u) names %s, from an untrusted peer: not used",
			   peer, pp->version, trace_addr(&pp->src));
		return NULL;
	}
	if (!reads) {
		trace_note(t,
			   "preamble from %s (v%u) names %s: not read (the rule's headers leave "
			   "proxy-protocol out)",
			   peer, pp->version, trace_addr(&pp->src));
		return NULL;
	}
	if (rule->hops >= 0)
		trace_note(t,
			   "preamble from %s (v%u): PROXY, source %s port %u: it stands for the "
			   "peer (hop counting counts the header's hops only)",
			   peer, pp->version, trace_addr(&pp->src), pp->sport);
	else
		trace_note(t, "preamble from %s (v%u): PROXY, source %s port %u: hop %zu", peer,
			   pp->version, trace_addr(&pp->src), pp->sport, res->chain.n + 1);
	return &pp->src;
}

bool preamble_stands_in(const struct trust_rule *rule, const struct http_request *req)
{
	if (req->pp_state == REQ_PP_NONE)
		return false;
	/* A start not seen hides only a preamble: a rule that also reads headers misses them. */
	if (req->pp_state == REQ_PP_UNKNOWN)
		return trust_reads(rule, TRUST_PROXY_PROTOCOL) && rule->nheaders == 1;
	/* A sender of preambles, whatever the rule reads: it need write no header (layer 4). */
	return true;
}

/*
 * The header client: the rightmost hop that is an address of the request's
 * first present header of the rule's, or, when the rule reads none that is
 * present (proxy-protocol alone), of the first present client header. A
 * sender must not mix clients on one connection (the spec), whatever the
 * rule reads. Only a sender shown to write the header counts: the
 * connection's first header client must be the preamble's source (an L7
 * proxy appends the client it connected for); then it is kept and the
 * others compared with it. Else the header is the client's own (behind a
 * layer-4 sender) and the connection is never compared.
 */
static uint32_t shared_connection(const struct trust_rule *rule, const struct http_request *req,
				  struct resolution *res, bool present, struct trust_trace *t)
{
	struct pp_named *named = req->pp_named;
	const struct chain *c = &res->chain;
	unsigned int header = res->header;
	struct ip_addr a;
	size_t i;

	if (!named)
		return 0;
	for (size_t k = 0; !present && k < TRUST_MAX_HEADERS; k++) {
		header = trust_client_headers[k];
		if (header == TRUST_PROXY_PROTOCOL || !req_field_count(req, header, NULL))
			continue;
		/* (res->other is scratch: headers_conflict builds it again if it needs it.) */
		chain_build(&res->other, req, header,
			    rule->hops >= 0 ? SPLIT_PROXYFIX : SPLIT_NGINX);
		c = &res->other;
		present = true;
	}
	if (!present)
		return 0;
	i = c->n;
	while (i > 0 && chain_address(c, i - 1, &a))
		i--;
	if (i == 0)
		return 0;
	if (named->unrelated)
		return 0;
	if (!named->set) {
		if (!req->pp || !req->pp->has_addr || !ip_equal(&req->pp->src, &a)) {
			named->unrelated = true;
			trace_note(t,
				   "this PROXY connection's first %s names %s, not the preamble's "
				   "source: its sender is not shown to write it, so the "
				   "connection's requests are not compared for a shared connection",
				   trust_source_key(header), trace_addr(&a));
			return 0;
		}
		named->set = true;
		named->addr = a;
		return 0;
	}
	if (ip_equal(&named->addr, &a))
		return 0;
	trace_note(t,
		   "this PROXY connection's first request named %s in its %s, this one %s "
		   "(proxy-protocol-shared-connection)",
		   trace_addr(&named->addr), trust_source_key(header), trace_addr(&a));
	return 1U << FINDING_PP_SHARED_CONNECTION;
}

uint32_t preamble_findings(const struct trust_rule *rule, const struct http_request *req,
			   struct resolution *res, bool present, struct trust_trace *t)
{
	uint32_t f = 0;

	/* Headers walked where a preamble, unseen, may have named someone else (said above). */
	if (req->pp_state == REQ_PP_UNKNOWN && res->peer_trusted && rule->nheaders > 1 &&
	    trust_reads(rule, TRUST_PROXY_PROTOCOL))
		f |= 1U << FINDING_TRUNCATED;

	if (preamble_sent(req->pp_state) && !res->peer_trusted) {
		f |= 1U << FINDING_PP_FROM_UNTRUSTED_PEER;
		trace_note(t, "a PROXY preamble from an untrusted peer "
			      "(proxy-protocol-from-untrusted-peer)");
	}
	if (rule->proxy_protocol == TRUST_PP_REQUIRED && req->pp_state == REQ_PP_NONE) {
		f |= 1U << FINDING_PP_MISSING;
		trace_note(t, "the rule requires a PROXY preamble, and the connection began "
			      "without one (proxy-protocol-missing)");
	}
	if (rule->proxy_protocol == TRUST_PP_OFF &&
	    (preamble_sent(req->pp_state) || req->pp_state == REQ_PP_LOST)) {
		f |= 1U << FINDING_PP_UNEXPECTED;
		trace_note(t, "the rule expects no PROXY preamble, and the connection began with "
			      "one (proxy-protocol-unexpected)");
	}
	if (req->pp_state == REQ_PP_MALFORMED || req->pp_state == REQ_PP_TRUNCATED)
		f |= 1U << FINDING_PP_MALFORMED;
	if (req->pp_state == REQ_PP_LOST)
		f |= 1U << FINDING_TRUNCATED;
	return f | shared_connection(rule, req, res, present, t);
}
