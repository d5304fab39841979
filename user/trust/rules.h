/* SPDX-License-Identifier: BSD-2-Clause */
/* Who is the client? Trust rules applied to a request. See docs/trust.md. */
#ifndef XFFW_TRUST_H
#define XFFW_TRUST_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include "identity/owner_cache.h"
#include "identity/owner_spec.h"
#include "trust/chain.h"
#include "trust/trace.h"
#include "util/ipaddr.h"
#include "pipeline/request.h"

/* Findings: a fixed vocabulary, one bit each, with the names events use (docs/trust.md). */
#define TRUST_FINDINGS(X)                                                  \
	X(SPOOFED_HEADER, "spoofed-header-from-untrusted-peer")            \
	X(INVALID_ENTRY, "invalid-entry")                                  \
	X(ALL_HOPS_TRUSTED, "all-hops-trusted")                            \
	X(CHAIN_SHORTER_THAN_HOPS, "chain-shorter-than-hops")              \
	X(LEFTMOST_DIFFERS, "leftmost-differs")                            \
	X(HEADER_CONFLICT, "header-conflict")                              \
	X(MISSING_FORWARDED_HEADER, "missing-forwarded-header")            \
	X(MULTIPLE_HEADER_LINES, "multiple-header-lines")                  \
	X(TRUNCATED, "truncated")                                          \
	X(NO_RESPONSE, "no-response") /* set by the daemon: no response */ \
	X(HOPS_FROM_UNTRUSTED_PEER, "hops-from-untrusted-peer")            \
	X(UNEXPECTED_LOCAL_PROCESS, "header-from-unexpected-local-process")

#define TRUST_FINDING_ENUM(id, name) FINDING_##id,
enum finding { TRUST_FINDINGS(TRUST_FINDING_ENUM) FINDING__MAX };
#undef TRUST_FINDING_ENUM

/* "spoofed-header-from-untrusted-peer" etc., or NULL for an unknown bit. */
const char *finding_name(unsigned int finding);

/*
 * The headers that name a client (column client of include/xffwatch_fields.h),
 * in the order used when none is configured.
 */
#define TRUST_CLIENT_COUNT_(NAME, id, wire, key, keeps_tail, echoed, client) +client
#define TRUST_MAX_HEADERS						     (0 XFFW_HEADER_FIELDS(TRUST_CLIENT_COUNT_))
extern const unsigned int trust_client_headers[TRUST_MAX_HEADERS];

/* Is @id one of the headers that name a client? */
bool trust_is_client_header(unsigned int id);

/* One rule: which requests it is for, and how their client is decided. */
struct trust_rule {
	unsigned int port;	 /* app port it applies to; 0: any */
	char iface[IF_NAMESIZE]; /* interface it applies to; "": any */
	const struct ip_cidr *trusted;
	size_t ntrusted;
	/*
	 * External proxies (Apache RemoteIPTrustedProxy): trusted, but a hop
	 * they present must be a public address, and once the walk has passed
	 * one, every hop further left is held to that too.
	 */
	const struct ip_cidr *external;
	size_t nexternal;
	/* Headers to read the client from, in order of preference: the first present wins. */
	unsigned int headers[TRUST_MAX_HEADERS];
	size_t nheaders;
	bool recursive; /* nginx real_ip_recursive on */
	int hops;	/* >= 0: trust exactly this many hops (ProxyFix x_for); -1: CIDRs */
	/*
	 * --trust-local: when any, a peer that is a socket of this host is a
	 * proxy if and only if its owner matches one (its address aside).
	 */
	const struct owner_spec *local;
	size_t nlocal;
};

struct resolution {
	struct ip_addr client;
	unsigned int header; /* the header the rule read (present or, if none was, the first) */
	unsigned int source; /* field id the client came from; 0 for the TCP peer */
	bool peer_trusted;
	bool peer_external; /* the peer is an external proxy */
	bool peer_by_owner; /* peer_trusted was decided by the socket's owner (--trust-local) */
	uint32_t findings;  /* 1 << enum finding */
	struct chain chain; /* hops of @header, as received */
	struct chain other; /* scratch: another header's hops, for header-conflict */
};

bool trust_contains(const struct trust_rule *rule, const struct ip_addr *a);

/* Releases what resolutions grew to hold long chains; @res may be reused after. */
void resolution_free(struct resolution *res);

/*
 * Decides the client of @req under @rule, the peer's socket owned by @peer
 * (NULL: not known). Never fails: the TCP peer is the fallback. With @trace,
 * appends one line per step to it.
 */
void trust_resolve(const struct trust_rule *rule, const struct http_request *req,
		   const struct sock_owner *peer, struct resolution *res,
		   struct trust_trace *trace);

/* The first of @n rules for this port and interface, or NULL. */
const struct trust_rule *trust_pick(const struct trust_rule *rules, size_t n, unsigned int port,
				    const char *iface);

#endif
