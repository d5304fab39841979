/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * From kernel records to exchanges: joins the parts of each request head,
 * pairs each request with its response on the same flow, in order, and gives
 * up on a response after a timeout or when the flow ends. Everything it holds
 * is bounded; what a bound pushes out is reported, never dropped silently.
 */
#ifndef XFFW_TRACKER_H
#define XFFW_TRACKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "pipeline/proxy_conns.h"
#include "pipeline/request.h"

/* Field bytes kept per request. */
#define TRACKER_DATA_MAX  REQ_DATA_MAX
/* Longest value kept per field but a chain; longer ones keep their start. */
#define TRACKER_VALUE_MAX 8192
/*
 * Chains and single-IP headers may take all of a request's field bytes: the
 * trust walk needs every hop. Longer ones keep their end.
 */
#define TRACKER_CHAIN_MAX (TRACKER_DATA_MAX - sizeof(struct xffw_field_hdr))

struct tracker_config {
	uint64_t response_timeout_ns; /* from the request's first byte */
	uint64_t end_grace_ns;	      /* after a flow ends, how long late records may come */
	size_t max_pending;	      /* requests waiting for a response, all flows */
	size_t max_per_flow;	      /* of which on one flow (pipelining depth) */
	size_t max_pp_conns;	      /* PROXY connections held at once (0: PP_CONNS_DEFAULT) */
};

/* Why a request is written without a response. */
enum no_response_reason {
	NR_NONE = 0,
	NR_TIMEOUT,	/* the response timeout passed */
	NR_FLOW_END,	/* the connection closed, reset or was reused first */
	NR_DESYNC,	/* the observer lost its place in the flow */
	NR_SKIPPED,	/* a later response came: this one's never did */
	NR_OVERFLOW,	/* pushed out by the bounds */
	NR_SHUTDOWN,	/* the daemon is stopping */
	NR_CAPTURE_END, /* the capture ended (replay) */
	NR__MAX,
};

struct exchange {
	const struct http_request *req;
	uint16_t status;      /* 0 without a response */
	uint64_t response_ns; /* CLOCK_MONOTONIC of the response's first byte */
	enum no_response_reason no_response;
};

typedef void (*exchange_fn)(void *ctx, const struct exchange *x);

struct tracker_stats {
	uint64_t requests;  /* request heads begun (first part seen) */
	uint64_t responses; /* response records */
	uint64_t paired;    /* exchanges written with their response */
	uint64_t no_response[NR__MAX];
	uint64_t truncated;	 /* exchanges whose head is incomplete */
	uint64_t late_responses; /* responses with no request waiting */
	uint64_t unusable_heads; /* heads without a request line (first part lost) */
	uint64_t parts_lost;	 /* head parts that never arrived */
	uint64_t flow_ends;	 /* FLOW_END records */
	uint64_t desyncs;	 /* of which: the parser lost its place */
	uint64_t not_http[5];	 /* NOT_HTTP records, by enum xffw_not_http */
	uint64_t bad_records;	 /* malformed records */
	uint64_t pending;	 /* requests waiting now */
	struct tracker_pp_stats pp;
};

struct tracker;

struct tracker *tracker_new(const struct tracker_config *cfg, exchange_fn fn, void *ctx);
void tracker_free(struct tracker *t);

/*
 * Takes one kernel record of @size bytes seen at @now_ns (CLOCK_MONOTONIC);
 * may call the exchange function. Returns the record type, or -EBADMSG.
 */
int tracker_record(struct tracker *t, const void *data, size_t size, uint64_t now_ns);

/* Writes the requests whose response is overdue, and those of flows that ended. */
void tracker_expire(struct tracker *t, uint64_t now_ns);

/* Writes every waiting request, without a response for reason @why (shutdown, capture end). */
void tracker_flush(struct tracker *t, enum no_response_reason why);

const struct tracker_stats *tracker_stats(const struct tracker *t);

/* The start of the oldest request still waiting (record time), or UINT64_MAX when none is. */
uint64_t tracker_oldest_ns(const struct tracker *t);

/* "timeout", "flow-end", ...: for logs and counters. */
const char *no_response_reason_name(enum no_response_reason r);

#endif
