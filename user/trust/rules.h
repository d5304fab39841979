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
#define TRUST_FINDINGS(X)                                                   \
	X(SPOOFED_HEADER, "spoofed-header-from-untrusted-peer")             \
	X(INVALID_ENTRY, "invalid-entry")                                   \
	X(ALL_HOPS_TRUSTED, "all-hops-trusted")                             \
	X(CHAIN_SHORTER_THAN_HOPS, "chain-shorter-than-hops")               \
	X(LEFTMOST_DIFFERS, "leftmost-differs")                             \
	X(HEADER_CONFLICT, "header-conflict")                               \
	X(MISSING_FORWARDED_HEADER, "missing-forwarded-header")             \
	X(MULTIPLE_HEADER_LINES, "multiple-header-lines")                   \
	X(TRUNCATED, "truncated")                                           \
	X(NO_RESPONSE, "no-response") /* set by the daemon: no response */  \
	X(HOPS_FROM_UNTRUSTED_PEER, "hops-from-untrusted-peer")             \
	X(UNEXPECTED_LOCAL_PROCESS, "header-from-unexpected-local-process") \
	X(PP_FROM_UNTRUSTED_PEER, "proxy-protocol-from-untrusted-peer")     \
	X(PP_MISSING, "proxy-protocol-missing")                             \
	X(PP_UNEXPECTED, "proxy-protocol-unexpected")                       \
	X(PP_MALFORMED, "proxy-protocol-malformed")                         \
	X(PP_SHARED_CONNECTION, "proxy-protocol-shared-connection")

#define TRUST_FINDING_ENUM(id, name) FINDING_##id,
enum finding { TRUST_FINDINGS(TRUST_FINDING_ENUM) FINDING__MAX };
#undef TRUST_FINDING_ENUM

/* "spoofed-header-from-untrusted-peer" etc., or NULL for an unknown bit. */
const char *finding_name(unsigned int finding);
/* The same with its length (an event's hot path): { NULL, 0 } for an unknown bit. */
struct str finding_str(unsigned int finding);

/*
 * The PROXY protocol preamble's source address, a source of the client that
 * rules list with the headers (--header proxy-protocol). Not a field id: one
 * past them, so that masks of field ids and sources still fit 32 bits.
 */
#define TRUST_PROXY_PROTOCOL XFFW_F__MAX
_Static_assert(TRUST_PROXY_PROTOCOL < 32, "sources fit a 32-bit mask");

/*
 * What names a client: the preamble, then the headers that do (column client
 * of include/xffwatch_fields.h) in row order. Their ids; rules list them.
 */
#define TRUST_CLIENT_COUNT_(NAME, id, wire, key, keeps_tail, echoed, client) +client
#define TRUST_MAX_HEADERS						     (1 XFFW_HEADER_FIELDS(TRUST_CLIENT_COUNT_))
extern const unsigned int trust_client_headers[TRUST_MAX_HEADERS];

/* Is @id one of trust_client_headers (TRUST_PROXY_PROTOCOL included)? */
bool trust_is_client_header(unsigned int id);

/* "proxy-protocol" for TRUST_PROXY_PROTOCOL, field_key(@id) for a field, else NULL. */
const char *trust_source_key(unsigned int id);
/* The same with its length ({ NULL, 0 } for none). */
struct str trust_source_str(unsigned int id);

/* The id of a source by its key (@len bytes, case-insensitive): one of trust_client_headers, or 0. */
unsigned int trust_source_by_key(const char *key, size_t len);

/* A rule's setting proxy_protocol: whether connections must begin with a preamble. */
enum trust_pp_mode {
	TRUST_PP_OPTIONAL = 0, /* either way, no finding */
	TRUST_PP_REQUIRED = 1, /* one without: proxy-protocol-missing */
	TRUST_PP_OFF = 2,      /* one with: proxy-protocol-unexpected */
	TRUST_PP__MAX,
};

/* "optional", "required", "off": the setting's values. */
extern const char *const trust_pp_mode_names[TRUST_PP__MAX];

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
	int proxy_protocol; /* enum trust_pp_mode: findings only, what is read is @headers */
};

/* Does @rule read source @id (a header, or TRUST_PROXY_PROTOCOL)? */
bool trust_reads(const struct trust_rule *rule, unsigned int id);

/* The first header @rule lists, the preamble left out (x-forwarded-for when it lists none). */
unsigned int trust_first_header(const struct trust_rule *rule);

/*
 * Does @req's connection carry a preamble whose source may stand for the
 * client: parsed, PROXY, with an IP address (not LOCAL, UNKNOWN, UNSPEC)?
 */
bool trust_pp_usable(const struct http_request *req);

struct resolution {
	struct ip_addr client;
	/*
	 * The header the rule read (present or, if none was, the first listed):
	 * the preamble aside, whose source is walked right of it (@pp_used).
	 */
	unsigned int header;
	/* Where the client came from: a field id, TRUST_PROXY_PROTOCOL, or 0 for the TCP peer. */
	unsigned int source;
	bool pp_used; /* the preamble's source was walked, as the rightmost hop */
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
