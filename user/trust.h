/* SPDX-License-Identifier: BSD-2-Clause */
/* Who is the client? Trust rules applied to a request. See docs/trust.md. */
#ifndef XFFW_TRUST_H
#define XFFW_TRUST_H

#include <stdbool.h>
#include <stdint.h>

#include "chain.h"
#include "ipaddr.h"
#include "request.h"

/* Findings: a fixed vocabulary, one bit each (docs/trust.md). */
enum finding {
	FINDING_SPOOFED_HEADER,
	FINDING_INVALID_ENTRY,
	FINDING_ALL_HOPS_TRUSTED,
	FINDING_CHAIN_SHORTER_THAN_HOPS,
	FINDING_LEFTMOST_DIFFERS,
	FINDING_HEADER_CONFLICT,
	FINDING_MISSING_FORWARDED_HEADER,
	FINDING_MULTIPLE_HEADER_LINES,
	FINDING_TRUNCATED,
	FINDING__MAX,
};

/* "spoofed-header-from-untrusted-peer" etc., or NULL for an unknown bit. */
const char *finding_name(unsigned int finding);

struct trust_config {
	const struct ip_cidr *trusted;
	size_t ntrusted;
	unsigned int header; /* enum xffw_field_id the client is read from */
	bool recursive;	     /* nginx real_ip_recursive on */
	int hops;	     /* >= 0: trust exactly this many hops (ProxyFix x_for); -1: CIDRs */
};

struct resolution {
	struct ip_addr client;
	unsigned int source; /* field id the client came from; 0 for the TCP peer */
	bool peer_trusted;
	uint32_t findings;  /* 1 << enum finding */
	struct chain chain; /* hops of the configured header, as received */
};

bool trust_contains(const struct trust_config *cfg, const struct ip_addr *a);

/* Decides the client of @req under @cfg. Never fails: the peer is the fallback. */
void trust_resolve(const struct trust_config *cfg, const struct http_request *req,
		   struct resolution *res);

#endif
