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
#include "pipeline/request.h"

/* Hops kept of an event's chain: all it can show (CHAIN_EVENT_MAX). */
#define OBS_HOPS_MAX	64
/* A hop's text kept: longer ones cannot be addresses, and are kept cut (still "not an address"). */
#define OBS_HOP_TEXT	64
#define OBS_METHOD_TEXT 16
#define OBS_PATH_TEXT	96
#define OBS_TIME_TEXT	40
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
	char method[OBS_METHOD_TEXT], path[OBS_PATH_TEXT];
	uint64_t ua_hash; /* of user_agent.original, when has_ua */
	bool has_ua;
	unsigned int status;
	bool pseudonymized; /* the event's addresses are pseudonyms (xffwatch.pseudonymized) */
};

/*
 * Reads one event from @len bytes (no NUL needed, no newline). 0, or
 * -EBADMSG when it is not an xffwatch audit event (not JSON, another
 * dataset, no source or destination).
 */
int observation_read(const char *line, size_t len, struct observation *o);

/* Does @o carry a header that names a client (any of X-Forwarded-For, Forwarded, X-Real-IP, ...)? */
bool observation_has_client_header(const struct observation *o);

#endif
