// SPDX-License-Identifier: BSD-2-Clause
/*
 * Which header, which findings: the walk itself (nginx realip, ProxyFix) is
 * trust/walk.c, shared with hop_walk. Differences from the anchors are listed
 * in docs/trust.md.
 */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "trust/preamble.h"
#include "trust/rules.h"
#include "trust/walk.h"

/* Names with their lengths: events write them without a strlen each. */
static const struct str finding_names[FINDING__MAX] = {
#define TRUST_FINDING_NAME(id, name) [FINDING_##id] = STR_LIT(name),
	TRUST_FINDINGS(TRUST_FINDING_NAME)
#undef TRUST_FINDING_NAME
};

const char *const trust_pp_mode_names[TRUST_PP__MAX] = {
	[TRUST_PP_OPTIONAL] = "optional",
	[TRUST_PP_REQUIRED] = "required",
	[TRUST_PP_OFF] = "off",
};

/* A row's id when its column client is 1, nothing when 0. */
#define CLIENT_IF_0(NAME)
#define CLIENT_IF_1(NAME)					       XFFW_F_##NAME,
#define CLIENT_HEADER(NAME, id, wire, key, keeps_tail, echoed, client) CLIENT_IF_##client(NAME)
const unsigned int trust_client_headers[TRUST_MAX_HEADERS] = { TRUST_PROXY_PROTOCOL,
							       XFFW_HEADER_FIELDS(CLIENT_HEADER) };
#undef CLIENT_HEADER
#undef CLIENT_IF_1
#undef CLIENT_IF_0

const char *finding_name(unsigned int finding)
{
	return finding_str(finding).p;
}

struct str finding_str(unsigned int finding)
{
	return finding < FINDING__MAX ? finding_names[finding] : (struct str){ NULL, 0 };
}

bool trust_is_client_header(unsigned int id)
{
	for (size_t i = 0; i < TRUST_MAX_HEADERS; i++)
		if (trust_client_headers[i] == id)
			return true;
	return false;
}

const char *trust_source_key(unsigned int id)
{
	return trust_source_str(id).p;
}

struct str trust_source_str(unsigned int id)
{
	return id == TRUST_PROXY_PROTOCOL ? (struct str)STR_LIT("proxy-protocol")
					  : field_key_str(id);
}

unsigned int trust_source_by_key(const char *key, size_t len)
{
	for (size_t i = 0; i < TRUST_MAX_HEADERS; i++) {
		struct str name = trust_source_str(trust_client_headers[i]);

		if (name.len == len && !strncasecmp(name.p, key, len))
			return trust_client_headers[i];
	}
	return 0;
}

bool trust_reads(const struct trust_rule *rule, unsigned int id)
{
	for (size_t i = 0; i < rule->nheaders; i++)
		if (rule->headers[i] == id)
			return true;
	return false;
}

unsigned int trust_first_header(const struct trust_rule *rule)
{
	for (size_t i = 0; i < rule->nheaders; i++)
		if (rule->headers[i] != TRUST_PROXY_PROTOCOL)
			return rule->headers[i];
	return XFFW_F_X_FORWARDED_FOR;
}

bool trust_contains(const struct trust_rule *rule, const struct ip_addr *a)
{
	return walk_match(rule->trusted, rule->ntrusted, a) >= 0 ||
	       walk_match(rule->external, rule->nexternal, a) >= 0;
}

/* Hop counting follows ProxyFix, CIDR trust follows nginx, down to how a header is split. */
static enum chain_split split_of(const struct trust_rule *rule)
{
	return rule->hops >= 0 ? SPLIT_PROXYFIX : SPLIT_NGINX;
}

/*
 * The configured header to read: the first present, else the first
 * configured (the preamble, if it is: then there are no hops).
 */
static unsigned int pick_header(const struct trust_rule *rule, const struct http_request *req,
				bool *present)
{
	for (size_t i = 0; i < rule->nheaders; i++) {
		if (rule->headers[i] != TRUST_PROXY_PROTOCOL &&
		    req_field_count(req, rule->headers[i], NULL)) {
			*present = true;
			return rule->headers[i];
		}
	}
	*present = false;
	return rule->nheaders ? rule->headers[0] : XFFW_F_X_FORWARDED_FOR;
}

static bool request_truncated(const struct http_request *req)
{
	if (req_head_incomplete(req) || req->line_truncated)
		return true;
	for (size_t i = 0; i < req->nfields; i++)
		if (req->fields[i].flags)
			return true;
	return false;
}

static bool any_client_header(const struct http_request *req)
{
	for (size_t i = 0; i < TRUST_MAX_HEADERS; i++)
		if (req_field_count(req, trust_client_headers[i], NULL))
			return true;
	return false;
}

/* Would "take the first entry" name someone else? */
static bool leftmost_differs(const struct resolution *res)
{
	struct ip_addr first;

	if (res->chain.n == 0 || res->chain.cut_left)
		return false;
	return chain_address(&res->chain, 0, &first) || !ip_equal(&first, &res->client);
}

/* Do the other client headers present, read under the same rule, name someone else? */
static bool headers_conflict(const struct trust_rule *rule, const struct http_request *req,
			     const struct ip_addr *tail, struct resolution *res,
			     struct trust_trace *t)
{
	for (size_t i = 0; i < TRUST_MAX_HEADERS; i++) {
		unsigned int id = trust_client_headers[i];
		struct walk_hops h;
		struct walk w;

		if (id == res->header || id == TRUST_PROXY_PROTOCOL ||
		    !req_field_count(req, id, NULL))
			continue;
		chain_build(&res->other, req, id, split_of(rule));
		if (res->other.failed)
			continue; /* no hops to compare; the chain read is what counts */
		h = walk_hops_of_chain(&res->other);
		h.tail = tail;
		walk_run(rule, &h, &req->saddr, res->peer_external, &w, NULL);
		/* (Stopping at the preamble's source is naming no one.) */
		if (w.moved && w.at < h.n && !ip_equal(&w.addr, &res->client)) {
			trace_note(t, "%s names %s instead (header-conflict)", trust_source_key(id),
				   trace_addr(&w.addr));
			return true;
		}
	}
	return false;
}

/* Who the peer's socket belongs to, for the trace: "user www-data (uid 33), cgroup /a/b". */
static const char *owner_text(const struct sock_owner *o, char *buf, size_t len)
{
	snprintf(buf, len, "user %s (uid %u), cgroup %s", o->user_known ? o->user : "?", o->uid,
		 o->cgroup_known ? o->cgroup : "not found");
	return buf;
}

/*
 * --trust-local: a local socket's owner decides, instead of its address.
 * Returns false (address rules apply) for a remote peer, or a flow whose
 * start was not seen.
 */
static bool judge_by_owner(const struct trust_rule *rule, const struct sock_owner *peer,
			   struct resolution *res, struct trust_trace *t)
{
	char who[CGROUP_PATH_MAX + OWNER_NAME_MAX + 64], spec[CGROUP_PATH_MAX + 16];

	if (!rule->nlocal || !peer || peer->seen != XFFW_SOCK_LOCAL)
		return false;
	res->peer_by_owner = true;
	res->peer_external = false;
	res->peer_trusted = false;
	for (size_t i = 0; i < rule->nlocal && !res->peer_trusted; i++) {
		if (owner_spec_matches(&rule->local[i], peer)) {
			res->peer_trusted = true;
			owner_spec_format(&rule->local[i], spec, sizeof(spec));
			trace_note(t, "peer socket of %s: trusted (trust-local %s)",
				   owner_text(peer, who, sizeof(who)), spec);
		}
	}
	if (!res->peer_trusted)
		trace_note(t, "peer socket of %s matches no trust-local rule: it is the client",
			   owner_text(peer, who, sizeof(who)));
	return true;
}

void trust_resolve(const struct trust_rule *rule, const struct http_request *req,
		   const struct sock_owner *peer, struct resolution *res, struct trust_trace *t)
{
	struct walk w = { .addr = req->saddr };
	struct walk_hops hops;
	bool present, counting, declined;

	res->source = 0;
	res->findings = 0;
	res->peer_by_owner = false;
	res->pp_used = false;
	res->header = pick_header(rule, req, &present);
	chain_build(&res->chain, req, res->header, split_of(rule));
	hops = walk_hops_of_chain(&res->chain);

	if (req_field_count(req, res->header, NULL) > 1)
		res->findings |= 1U << FINDING_MULTIPLE_HEADER_LINES;
	if (request_truncated(req))
		res->findings |= 1U << FINDING_TRUNCATED;

	if (judge_by_owner(rule, peer, res, t)) {
		/* (Decided: see above.) */
	} else if (rule->hops >= 0) {
		res->peer_trusted = trust_contains(rule, &req->saddr);
		res->peer_external = false;
		trace_note(t, "peer %s; hop counting: the peer is not checked",
			   trace_addr(&req->saddr));
	} else {
		res->peer_trusted = walk_trusted_hop(rule, &req->saddr, &w, t, 0);
		res->peer_external = w.external;
		if (!res->peer_trusted)
			trace_note(t, "peer %s is not a trusted proxy: it is the client",
				   trace_addr(&req->saddr));
	}
	if (present)
		trace_note(t, "reading %s: %zu hop%s%s", trust_source_key(res->header),
			   res->chain.n, res->chain.n == 1 ? "" : "s",
			   res->chain.cut_left ? " (more were cut on the left)" : "");
	if (res->chain.failed) {
		res->findings |= 1U << FINDING_TRUNCATED;
		trace_note(t, "no memory for the hops of %s (truncated)",
			   trust_source_key(res->header));
	}
	/* A preamble the rule reads, from a peer it trusts: its source is the rightmost hop. */
	hops.tail = preamble_tail(rule, req, res, &declined, t);
	res->pp_used = hops.tail != NULL;

	/* Hop counting trusts any peer, but not a local process the owner rules refused. */
	counting = rule->hops >= 0 && (res->peer_trusted || !res->peer_by_owner);
	if (declined) {
		/* (The peer, said above: a sender of preambles wrote no client in this one.) */
	} else if (req_head_incomplete(req) && present && (counting || res->peer_trusted)) {
		/*
		 * Lines after what the kernel kept may be missing, a proxy's appended
		 * line among them: the visible hops could all be the client's own.
		 */
		res->findings |= 1U << FINDING_TRUNCATED;
		trace_note(t, "the head may be missing lines (truncated): %s is not used",
			   trust_source_key(res->header));
		if (hops.tail) {
			w.addr = *hops.tail;
			w.moved = true;
			w.at = hops.n;
		}
	} else if (counting) {
		walk_run(rule, &hops, &req->saddr, false, &w, t);
		res->findings |= w.findings;
		if (w.moved && !res->peer_trusted) {
			/* ProxyFix checks no peer: whoever reaches the port picks the address. */
			res->findings |= 1U << FINDING_HOPS_FROM_UNTRUSTED_PEER;
			trace_note(
				t,
				"peer %s is not in the trusted proxies, yet hop counting took %s "
				"from its header (hops-from-untrusted-peer)",
				trace_addr(&req->saddr), trace_addr(&w.addr));
		}
	} else if (!res->peer_trusted) {
		if (any_client_header(req) && res->peer_by_owner) {
			res->findings |= 1U << FINDING_UNEXPECTED_LOCAL_PROCESS;
			trace_note(t, "forwarding headers from that local process are ignored "
				      "(header-from-unexpected-local-process)");
		} else if (any_client_header(req)) {
			res->findings |= 1U << FINDING_SPOOFED_HEADER;
			trace_note(t, "forwarding headers from an untrusted peer are ignored "
				      "(spoofed-header-from-untrusted-peer)");
		}
	} else if (hops.tail || (present && res->chain.n)) {
		walk_run(rule, &hops, &req->saddr, res->peer_external, &w, t);
		res->findings |= w.findings;
	} else if (present) {
		trace_note(t, "%s has no hops: the peer is the client",
			   trust_source_key(res->header));
	} else if (req_head_incomplete(req)) {
		/* With lines possibly missing, the header may well have been sent. */
		trace_note(t, "no configured header in what was seen: the peer is the client "
			      "(truncated)");
	} else if (preamble_stands_in(rule, req)) {
		trace_note(t, "no configured header: the peer is the client");
	} else {
		res->findings |= 1U << FINDING_MISSING_FORWARDED_HEADER;
		trace_note(t, "no configured header: the peer is the client "
			      "(missing-forwarded-header)");
	}
	res->client = w.addr;
	res->source = !w.moved			    ? 0
		      : hops.tail && w.at == hops.n ? TRUST_PROXY_PROTOCOL
						    : res->header;

	if (!declined && leftmost_differs(res)) {
		res->findings |= 1U << FINDING_LEFTMOST_DIFFERS;
		trace_note(t, "the first entry of %s is not the client (leftmost-differs)",
			   trust_source_key(res->header));
	}
	/* (A rule that reads the preamble alone reads no header to disagree with.) */
	if (res->source && rule->nheaders > trust_reads(rule, TRUST_PROXY_PROTOCOL) &&
	    headers_conflict(rule, req, hops.tail, res, t))
		res->findings |= 1U << FINDING_HEADER_CONFLICT;
	res->findings |= preamble_findings(rule, req, res, present, t);
	trace_note(t, "client %s (%s)", trace_addr(&res->client),
		   res->source ? trust_source_key(res->source) : "the TCP peer");
}

void resolution_free(struct resolution *res)
{
	chain_free(&res->chain);
	chain_free(&res->other);
}

const struct trust_rule *trust_pick(const struct trust_rule *rules, size_t n, unsigned int port,
				    const char *iface)
{
	for (size_t i = 0; i < n; i++) {
		if (rules[i].port && rules[i].port != port)
			continue;
		if (rules[i].iface[0] && (!iface || strcmp(rules[i].iface, iface)))
			continue;
		return &rules[i];
	}
	return NULL;
}
