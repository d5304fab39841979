/* SPDX-License-Identifier: BSD-2-Clause */
/* The audit event: one JSON line per request, ECS field names (docs/audit-event.md). */
#ifndef XFFW_AUDIT_H
#define XFFW_AUDIT_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "event/jsonw.h"
#include "kernel/veth_peers.h"
#include "event/pseudonym.h"
#include "pipeline/request.h"
#include "event/sink_event.h"
#include "trust/rules.h"

struct audit_meta {
	struct timespec when; /* CLOCK_REALTIME of the request's first byte */
	bool nanoseconds;   /* @timestamp with nanoseconds (a capture that has them), else micro */
	const char *ifname; /* NULL when unknown */
	bool egress;	    /* the request was seen leaving by @ifname, not coming in */
	const char *bridge; /* the bridge @ifname is a port of, or NULL */
	const struct link_meta *peer; /* who is behind @ifname, or NULL */
	uint16_t status;	      /* the response's status code, 0 when none was seen */
	uint64_t duration_ns;	 /* request's first byte to response's first byte (with status) */
	const char *no_response; /* why no response was seen ("timeout", ...), or NULL */
	const struct pseudo *pseudo; /* client addresses pseudonymised, or NULL */
	bool keep_query;	     /* url.query written */
	bool hide_user_agent;	     /* user_agent.original left out */
	/*
	 * The sockets' owners, [XFFW_DIR_REQUEST] the peer's, [XFFW_DIR_RESPONSE]
	 * the app's: source.user, destination.user and xffwatch.identity. NULL
	 * when nothing is known (a capture), and then none of those is written.
	 */
	const struct sock_owner *owner[2];
	/* If not NULL: client.ip's and source.ip's text as written (PSEUDO_TEXT_MAX bytes each). */
	char *client_text, *source_text;
	/*
	 * The short form, for an event too large for its output: no raw header
	 * values, the rightmost AUDIT_SHORT_HOPS hops, every text cut to
	 * AUDIT_SHORT_TEXT bytes (AUDIT_SHORT_HOP for a hop), finding truncated
	 * and xffwatch.shortened. It is never longer than AUDIT_SHORT_MAX.
	 */
	bool shorten;
};

/* The short form's cuts; AUDIT_EVENT_MAX and AUDIT_SHORT_MAX are in event/sink_event.h. */
#define AUDIT_SHORT_TEXT 64
#define AUDIT_SHORT_HOPS 4
#define AUDIT_SHORT_HOP	 48

/* Appends the event for @req and @res to @j, newline included. */
void audit_format(struct jsonw *j, const struct http_request *req, const struct resolution *res,
		  const struct audit_meta *meta);

/* Room for every finding's name, space-separated (test_audit: all of them fit). */
#define AUDIT_FINDINGS_TEXT_MAX 512

/*
 * What syslog's structured data carries next to the event, into @e (the
 * line itself is the caller's): the addresses as audit_format() wrote them
 * into @meta's client_text and source_text, the findings' names into
 * @findings, as the event of the same @meta lists them (truncated included
 * when @meta asks for the short form).
 */
void audit_summary(struct sink_event *e, const struct http_request *req,
		   const struct resolution *res, const struct audit_meta *meta, char *findings,
		   size_t findings_len);

/*
 * One exchange's event as every output takes it: the whole event, or its
 * short form when the whole one is longer than AUDIT_EVENT_MAX (or could not
 * be formatted), with syslog's structured data; and, for an output that
 * cannot take the line (a datagram), the short form on demand through
 * sink_event.shorten. The buffers are kept from one event to the next.
 */
struct audit_event {
	struct jsonw whole, brief;
	struct sink_event e, short_e;
	const struct http_request *req;
	const struct resolution *res;
	struct audit_meta meta;
	char client[PSEUDO_TEXT_MAX], source[PSEUDO_TEXT_MAX];
	char findings[AUDIT_FINDINGS_TEXT_MAX], short_findings[AUDIT_FINDINGS_TEXT_MAX];
	bool brief_made; /* the short form of this event is in @brief */
	bool short_made; /* an output took the short form of this event */
};

void audit_event_init(struct audit_event *ev);
void audit_event_free(struct audit_event *ev);

/*
 * Formats the event of @req and @res under @meta, with syslog's structured
 * data when @structured (its addresses in the event's own client and source).
 * Returns what the outputs take, or NULL when neither form could be
 * formatted (no memory). @req and @res must stay until the outputs have
 * taken it.
 */
const struct sink_event *audit_event_make(struct audit_event *ev, const struct http_request *req,
					  const struct resolution *res,
					  const struct audit_meta *meta, bool structured);

/*
 * The short form with its structured data, made on first call; NULL without
 * memory. audit_event_short() is sink_event.shorten: an output takes it
 * (short_made). audit_event_brief() only makes it, for whoever keeps the
 * event to hand out later (replay's event order).
 */
const struct sink_event *audit_event_brief(struct audit_event *ev);
const struct sink_event *audit_event_short(void *ctx);

/* The path of a request target: no query, no fragment, no scheme or authority. */
struct str url_path(struct str target);

/* Splits a Host value into name and port (0 if none or not a valid port). */
struct str host_domain(struct str host, unsigned int *port);

#endif
