/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One audit event (a JSON line xffwatch wrote, docs/audit-event.md) as the
 * doctor needs it. Live, capture and event-file sources all come through
 * here, so that the same traffic gives the same diagnoses.
 */
#ifndef XFFW_EVENT_READ_H
#define XFFW_EVENT_READ_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/pseudonym.h"
#include "identity/owner_cache.h"
#include "pipeline/proxy_preamble.h"
#include "pipeline/request.h"
#include "trust/rules.h"

/* Hops kept of an event's chain: all it can show (CHAIN_EVENT_MAX). */
#define OBS_HOPS_MAX	64
/* A hop's text kept: longer ones cannot be addresses, and are kept cut (still "not an address"). */
#define OBS_HOP_TEXT	64
#define OBS_METHOD_TEXT 16
#define OBS_PATH_TEXT	96
#define OBS_TIME_TEXT	40
/* A forwarding header's raw line kept for the forgers' table (longer ones are cut there anyway). */
#define OBS_RAW_TEXT	256
/* Longest line read; a longer one is skipped and counted. */
#define OBS_LINE_MAX	(1U << 20)

/* An address as the event wrote it, and parsed when it is one (not a pseudonym token). */
struct obs_addr {
	char text[PSEUDO_TEXT_MAX];
	struct ip_addr addr;
	bool is_addr;
};

/*
 * Who owned the peer's socket, as xffwatch.identity.source and source.user
 * say (docs/audit-event.md). Strings are "" when the event does not say.
 */
struct obs_owner {
	bool given;   /* the event has xffwatch.identity (not a capture's, not a replay's) */
	uint8_t seen; /* enum xffw_sock_seen: only XFFW_SOCK_LOCAL has the rest */
	bool uid_known;
	uint32_t uid;
	char user[OWNER_NAME_MAX + 1];
	char cgroup[CGROUP_PATH_MAX + 1]; /* "/system.slice/nginx.service" */
	char unit[OWNER_UNIT_MAX];
	char container[CONTAINER_ID_MAX + 1];
};

/*
 * The PROXY-protocol findings an event may carry (docs/trust.md), read by
 * their names: the doctor keeps them apart from enum finding's bits.
 */
#define OBS_PP_FINDINGS(X)                                      \
	X(FROM_UNTRUSTED, "proxy-protocol-from-untrusted-peer") \
	X(MISSING, "proxy-protocol-missing")                    \
	X(UNEXPECTED, "proxy-protocol-unexpected")              \
	X(MALFORMED, "proxy-protocol-malformed")                \
	X(SHARED, "proxy-protocol-shared-connection")

#define OBS_PP_ENUM_(id, name) OBS_PP_##id,
enum obs_pp_finding { OBS_PP_FINDINGS(OBS_PP_ENUM_) OBS_PP__MAX };
#undef OBS_PP_ENUM_

extern const char *const obs_pp_finding_names[OBS_PP__MAX];

/* The commands as events spell them, by enum pp_command ([0] NULL: not said). */
#define OBS_PP_COMMANDS (PP_CMD_UNKNOWN + 1)
extern const char *const obs_pp_command_names[OBS_PP_COMMANDS];

/* A preamble's error as kept (the parser's phrases are shorter). */
#define OBS_PP_ERROR_TEXT 80

/*
 * xffwatch.proxy_protocol: the preamble the request's connection began with.
 * state is REQ_PP_UNKNOWN when the event has none (no preamble, or the
 * connection's start not seen: events say neither).
 */
struct obs_pp {
	uint8_t state;	 /* enum req_pp_state */
	uint8_t version; /* 1 or 2; 0: not said */
	uint8_t command; /* enum pp_command; 0: not said */
	bool has_addr;	 /* source given (PROXY over TCP) */
	struct obs_addr source;
	unsigned int sport;
	char error[OBS_PP_ERROR_TEXT]; /* malformed, truncated: what is wrong */
};

struct observation {
	char timestamp[OBS_TIME_TEXT];
	uint64_t ts_ns; /* @timestamp as nanoseconds since the epoch; 0 when unreadable */
	unsigned int port;
	char iface[IF_NAMESIZE];
	struct obs_addr source, client;
	bool peer_trusted;
	bool peer_by_owner;	/* xffwatch.trust.peer_rule is "trust-local": judged by its owner */
	struct obs_owner owner; /* of the peer's socket */
	unsigned int header;	/* the field id client.ip came from; 0: the TCP peer */
	size_t nhops;		/* hops kept, the rightmost ones */
	size_t chain_length; /* hops the header had (more than nhops when the event shortened it) */
	char hops[OBS_HOPS_MAX][OBS_HOP_TEXT];
	uint32_t findings; /* 1 << enum finding */
	uint32_t present;  /* 1 << field id of each header in xffwatch.forwarded */
	char xff_raw[512]; /* the first x-forwarded-for line, cut (CDN senders) */
	/*
	 * The first line of each header present that names a client (in
	 * trust_client_headers' order), cut: what a forger sent, whichever
	 * header the rule reads. Events leave them out when pseudonymised.
	 */
	char client_raw[TRUST_MAX_HEADERS][OBS_RAW_TEXT];
	unsigned int client_raw_id[TRUST_MAX_HEADERS]; /* their field ids */
	size_t nclient_raw;
	char method[OBS_METHOD_TEXT], path[OBS_PATH_TEXT];
	uint64_t ua_hash; /* of user_agent.original, when has_ua */
	bool has_ua;
	unsigned int status;
	bool pseudonymized; /* the event's addresses are pseudonyms (xffwatch.pseudonymized) */
	struct obs_pp pp;
	uint32_t pp_findings; /* 1 << enum obs_pp_finding */
	bool client_from_pp;  /* xffwatch.trust.header is "proxy-protocol": the preamble named it */
};

/*
 * Reads one event from @len bytes (no NUL needed, no newline). 0, or
 * -EBADMSG when it is not an xffwatch audit event (not JSON, another
 * dataset, no source or destination).
 */
int observation_read(const char *line, size_t len, struct observation *o);

/* Does @o's connection begin with a parsed PROXY preamble that names a client (spec: usable)? */
bool observation_pp_usable(const struct observation *o);

/* Does @o carry a header that names a client (any of X-Forwarded-For, Forwarded, X-Real-IP, ...)? */
bool observation_has_forwarding_header(const struct observation *o);

/* Does @o carry a forwarding header, or a usable preamble (which names a client too)? */
bool observation_has_client_header(const struct observation *o);

#endif
