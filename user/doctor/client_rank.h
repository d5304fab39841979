/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Who sent the requests, for the doctor's report: the top real clients (the
 * events' client.ip) in a bounded Space-Saving table, and the TCP peers that
 * forged forwarding headers or PROXY preambles, with the values they used.
 * Memory is fixed whatever the traffic (docs/doctor.md, "Bounds").
 */
#ifndef XFFW_CLIENT_RANK_H
#define XFFW_CLIENT_RANK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "doctor/event_read.h"
#include "trust/rules.h"

#define RANK_TRACKED	   256	 /* clients followed; exact counts while the distinct ones fit */
#define RANK_SHOWN	   20	 /* clients the report shows */
#define RANK_SLOTS	   512	 /* hash slots of the followed clients (twice RANK_TRACKED) */
#define RANK_DISTINCT_BITS 65536 /* a bitmap of hashes: distinct clients, a lower bound */
#define FORGERS_MAX	   32	 /* forgers kept; more are counted */
#define FORGER_VALUES	   8	 /* distinct values kept per forger; more are counted */
/*
 * A value: the forged chain's hops joined with ", " (or the preamble's
 * source), whole hops only, cut to fit this with "..." for the rest.
 */
#define FORGER_VALUE_TEXT  160
#define FORGER_CUT	   "..."

/* A client and its count (Space-Saving: count - error is exact, a lower bound). */
struct rank_entry {
	struct obs_addr addr;
	uint64_t count, error;
};

/* A value a forger sent, and in which header (TRUST_PROXY_PROTOCOL: the preamble). */
struct forger_value {
	unsigned int header;
	char text[FORGER_VALUE_TEXT];
	uint64_t requests;
};

/* A TCP peer that forged, on one listener. */
struct forger {
	struct obs_addr addr; /* the TCP peer, as the event wrote it */
	unsigned int port;    /* the listener's app port */
	uint64_t requests;
	uint32_t findings; /* 1 << enum finding: all its forged requests carried */
	uint32_t
		headers; /* 1 << field id of each header present; 1 << TRUST_PROXY_PROTOCOL: a preamble */
	struct forger_value values[FORGER_VALUES]; /* the first distinct (header, value) pairs */
	size_t nvalues;
	uint64_t values_other; /* requests with values past those */
};

struct client_rank {
	struct rank_entry e[RANK_TRACKED];
	size_t n;
	uint16_t slots[RANK_SLOTS]; /* open addressing on the address text: index + 1 */
	bool evicted;		    /* a client was replaced: counts are no longer exact */
	uint64_t requests;	    /* requests with a client address */
	uint64_t unnamed;	    /* requests without one (client.ip absent) */
	uint8_t seen[RANK_DISTINCT_BITS / 8];
	struct forger forgers[FORGERS_MAX];
	size_t nforgers;
	uint8_t forgers_seen[256]; /* a bitmap of the omitted forgers' hashes */
	uint64_t forgers_omitted_requests;
	uint64_t forged_requests; /* requests with a forging finding (rank_forging) */
};

void rank_init(struct client_rank *r);

/*
 * Adds one request (a health check is none: leave those out), judged by
 * @rule (its headers tell which one the event's chain is; NULL: the header
 * client.ip came from, else X-Forwarded-For when present, else the first
 * present).
 */
void rank_add(struct client_rank *r, const struct observation *o, const struct trust_rule *rule);

/*
 * Do @findings (1 << enum finding) say the request forged who the client is:
 * spoofed-header-from-untrusted-peer, hops-from-untrusted-peer,
 * header-from-unexpected-local-process or proxy-protocol-from-untrusted-peer?
 */
bool rank_forging(uint32_t findings);

/* Are the counts exact (every distinct client fit the table)? */
static inline bool rank_exact(const struct client_rank *r)
{
	return !r->evicted;
}

/* A client's requests: exact while rank_exact, else a lower bound. */
static inline uint64_t rank_requests(const struct rank_entry *e)
{
	return e->count - e->error;
}

/* Distinct clients: exact while rank_exact, else a lower bound. */
uint64_t rank_distinct(const struct client_rank *r);

/*
 * The top clients, most requests (rank_requests) first, ties by address
 * text: at most @max pointers into @r, in @out. How many.
 */
size_t rank_top(const struct client_rank *r, const struct rank_entry **out, size_t max);

/* Forgers past FORGERS_MAX: how many distinct ones, at least. */
uint64_t rank_forgers_omitted(const struct client_rank *r);

#endif
