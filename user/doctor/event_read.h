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

struct observation {
	char timestamp[OBS_TIME_TEXT];
	uint64_t ts_ns; /* @timestamp as nanoseconds since the epoch; 0 when unreadable */
	unsigned int port;
	char iface[IF_NAMESIZE];
	struct obs_addr source, client;
	bool peer_trusted;
	unsigned int header; /* the field id client.ip came from; 0: the TCP peer */
	size_t nhops;	     /* hops kept, the rightmost ones */
	size_t chain_length; /* hops the header had (more than nhops when the event shortened it) */
	char hops[OBS_HOPS_MAX][OBS_HOP_TEXT];
	uint32_t findings; /* 1 << enum finding */
	uint32_t present;  /* 1 << field id of each header in xffwatch.forwarded */
	char xff_raw[512]; /* the first x-forwarded-for line, cut (CDN senders) */
	char method[OBS_METHOD_TEXT], path[OBS_PATH_TEXT];
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
