// SPDX-License-Identifier: BSD-2-Clause
/*
 * CIDR mode follows nginx's realip module (ngx_http_get_forwarded_addr):
 * the header counts only if the TCP peer is trusted; hops are taken from the
 * right while the address reached so far is trusted; an entry that does not
 * parse stops the walk at the address reached so far. Hop mode follows
 * Werkzeug's ProxyFix (values[-x_for]). Differences are listed in docs/trust.md.
 */
#include "trust.h"

static const char *const finding_names[FINDING__MAX] = {
	[FINDING_SPOOFED_HEADER] = "spoofed-header-from-untrusted-peer",
	[FINDING_INVALID_ENTRY] = "invalid-entry",
	[FINDING_ALL_HOPS_TRUSTED] = "all-hops-trusted",
	[FINDING_CHAIN_SHORTER_THAN_HOPS] = "chain-shorter-than-hops",
	[FINDING_LEFTMOST_DIFFERS] = "leftmost-differs",
	[FINDING_HEADER_CONFLICT] = "header-conflict",
	[FINDING_MISSING_FORWARDED_HEADER] = "missing-forwarded-header",
	[FINDING_MULTIPLE_HEADER_LINES] = "multiple-header-lines",
	[FINDING_TRUNCATED] = "truncated",
};

/* Headers that name a client: any of them from an untrusted peer is suspect. */
static const unsigned int client_headers[] = {
	XFFW_F_X_FORWARDED_FOR,	 XFFW_F_FORWARDED,	XFFW_F_X_REAL_IP,
	XFFW_F_CF_CONNECTING_IP, XFFW_F_TRUE_CLIENT_IP,
};

const char *finding_name(unsigned int finding)
{
	return finding < FINDING__MAX ? finding_names[finding] : NULL;
}

bool trust_contains(const struct trust_config *cfg, const struct ip_addr *a)
{
	for (size_t i = 0; i < cfg->ntrusted; i++)
		if (ip_cidr_match(&cfg->trusted[i], a))
			return true;
	return false;
}

static bool any_client_header(const struct http_request *req)
{
	for (size_t i = 0; i < sizeof(client_headers) / sizeof(client_headers[0]); i++)
		if (req_field_count(req, client_headers[i], NULL))
			return true;
	return false;
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

static int parse_hop(struct str hop, struct ip_addr *out)
{
	return ip_parse_xff_entry(hop.p, hop.len, out, NULL);
}

/* nginx realip: walk from the right while the address reached is trusted. */
static void walk_cidr(const struct trust_config *cfg, struct resolution *res)
{
	const struct chain *c = &res->chain;
	struct ip_addr addr = res->client;
	size_t i = c->n;

	for (;;) {
		struct ip_addr hop;

		if (i == 0) {
			res->findings |=
				1U << (c->cut_left ? FINDING_TRUNCATED : FINDING_ALL_HOPS_TRUSTED);
			break;
		}
		if (parse_hop(c->hop[--i], &hop)) {
			res->findings |= 1U << FINDING_INVALID_ENTRY;
			break;
		}
		addr = hop;
		res->source = cfg->header;
		if (!cfg->recursive || !trust_contains(cfg, &addr))
			break;
	}
	res->client = addr;
}

/* ProxyFix x_for=N: the N-th hop from the right, whatever the peer. */
static void walk_hops(const struct trust_config *cfg, struct resolution *res)
{
	const struct chain *c = &res->chain;
	struct ip_addr hop;
	size_t n = (size_t)cfg->hops;

	if (n == 0)
		return;
	if (c->n < n) {
		res->findings |=
			1U << (c->cut_left ? FINDING_TRUNCATED : FINDING_CHAIN_SHORTER_THAN_HOPS);
		return;
	}
	if (parse_hop(c->hop[c->n - n], &hop)) {
		res->findings |= 1U << FINDING_INVALID_ENTRY;
		return;
	}
	res->client = hop;
	res->source = cfg->header;
}

/* Would "take the first entry" name someone else? */
static bool leftmost_differs(const struct resolution *res)
{
	struct ip_addr first;

	if (res->chain.n == 0 || res->chain.cut_left)
		return false;
	return parse_hop(res->chain.hop[0], &first) || !ip_equal(&first, &res->client);
}

void trust_resolve(const struct trust_config *cfg, const struct http_request *req,
		   struct resolution *res)
{
	res->client = req->saddr;
	res->source = 0;
	res->findings = 0;
	res->peer_trusted = trust_contains(cfg, &req->saddr);
	chain_from_list_header(&res->chain, req, cfg->header);

	if (req_field_count(req, cfg->header, NULL) > 1)
		res->findings |= 1U << FINDING_MULTIPLE_HEADER_LINES;
	if (request_truncated(req))
		res->findings |= 1U << FINDING_TRUNCATED;

	if (req_head_incomplete(req) && (cfg->hops >= 0 || res->peer_trusted) &&
	    req_field_count(req, cfg->header, NULL)) {
		/*
		 * Lines after what the kernel kept may be missing, a proxy's appended
		 * line among them: the visible hops could all be the client's own.
		 */
		res->findings |= 1U << FINDING_TRUNCATED;
	} else if (cfg->hops >= 0) {
		walk_hops(cfg, res);
	} else if (!res->peer_trusted) {
		if (any_client_header(req))
			res->findings |= 1U << FINDING_SPOOFED_HEADER;
	} else if (res->chain.n == 0) {
		if (!req_field_count(req, cfg->header, NULL))
			res->findings |= 1U << FINDING_MISSING_FORWARDED_HEADER;
	} else {
		walk_cidr(cfg, res);
	}

	if (leftmost_differs(res))
		res->findings |= 1U << FINDING_LEFTMOST_DIFFERS;
}
