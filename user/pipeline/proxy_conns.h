/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The connections that began with a PROXY protocol preamble: their preamble,
 * joined from the kernel's PROXY records and parsed, kept from its first part
 * to the connection's end, so that each request on the connection carries it.
 * Bounded: one that ended, else the least recently used, gives way, counted.
 */
#ifndef XFFW_PROXY_CONNS_H
#define XFFW_PROXY_CONNS_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "xffwatch_abi.h"
#include "pipeline/request.h"

/* Default bound: as many connections as the kernel's flow table holds. */
#define PP_CONNS_DEFAULT XFFW_FLOWS_DEFAULT

/* PROXY protocol preambles (pipeline/proxy_preamble.h) and the connections they began. */
struct tracker_pp_stats {
	uint64_t preambles;  /* received (whole, cut or ended early) and parsed */
	uint64_t v1, v2;     /* of which each version */
	uint64_t local;	     /* of which v2 LOCAL (health checks: no client) */
	uint64_t unknown;    /* of which v1 UNKNOWN */
	uint64_t malformed;  /* of which broke the spec */
	uint64_t truncated;  /* of which ended early */
	uint64_t crc_ok;     /* of which had a CRC32C that was checked and right */
	uint64_t parts_lost; /* preambles with a part that never came (ring buffer full) */
	uint64_t lost;	     /* requests on a PROXY connection whose preamble was not there */
	uint64_t evicted;    /* connections pushed out by the table's bound before their end */
	uint64_t conns;	     /* PROXY connections held now */
};

struct pp_conns;

/* A table of at most @max connections (0: PP_CONNS_DEFAULT), counting into @st; NULL without memory. */
struct pp_conns *pp_conns_new(size_t max, struct tracker_pp_stats *st);
void pp_conns_free(struct pp_conns *t);

/* One PROXY record: @h and its @h->data_len bytes of preamble at @data (record_check()ed). */
void pp_conns_part(struct pp_conns *t, const struct xffw_record_hdr *h, const uint8_t *data);

/* Connection @conn_id ended (FIN, RST, reuse; not a desync) at @now_ns. */
void pp_conns_end(struct pp_conns *t, uint64_t conn_id, uint64_t now_ns);

/* Forgets the connections that ended at or before @until_ns (UINT64_MAX: all that ended). */
void pp_conns_expire(struct pp_conns *t, uint64_t until_ns);

/*
 * Sets @req's pp_state, pp and pp_named from its connection (request_from_hdr
 * has set pp_state from the record's flags). They point into the table: valid
 * until the next call that changes it.
 */
void pp_conns_attach(struct pp_conns *t, struct http_request *req);

#endif
