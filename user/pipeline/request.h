/* SPDX-License-Identifier: BSD-2-Clause */
/* A request as the kernel reported it: tuple, request line, header values. */
#ifndef XFFW_REQUEST_H
#define XFFW_REQUEST_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xffwatch_abi.h"
#include "util/ipaddr.h"

/* Field bytes (headers and values) kept per request, however many parts they came in. */
#define REQ_DATA_MAX   65536
/*
 * Field lines per request: one per field header that fits in REQ_DATA_MAX,
 * so a request kept whole can never have more (bounded by construction).
 */
#define REQ_MAX_FIELDS (REQ_DATA_MAX / sizeof(struct xffw_field_hdr))

struct str {
	const char *p;
	size_t len;
};

/* A struct str initializer for a string literal, its length known at compile time. */
#define STR_LIT(s)               \
	{                        \
		s, sizeof(s) - 1 \
	}

struct req_field {
	uint8_t id;    /* enum xffw_field_id */
	uint8_t flags; /* XFFW_FIELD_F_* */
	struct str value;
};

enum {
	REQ_F_TOO_MANY_FIELDS = 1 << 0, /* more field lines than REQ_MAX_FIELDS */
	REQ_F_PARTS_LOST = 1 << 1,	/* a part of the head never arrived (ring buffer full) */
	REQ_F_CAPPED = 1 << 2,		/* the daemon's size caps cut a value or dropped fields */
};

/* What is known of a PROXY protocol preamble on the request's connection (http_request.pp_state). */
enum req_pp_state {
	REQ_PP_UNKNOWN = 0,   /* the connection's start was not seen */
	REQ_PP_NONE = 1,      /* it began without one */
	REQ_PP_OK = 2,	      /* it began with one, parsed: pp */
	REQ_PP_MALFORMED = 3, /* one that breaks the spec: pp->error says how */
	REQ_PP_TRUNCATED = 4, /* one that ended early (the connection closed inside it) */
	REQ_PP_LOST = 5,      /* one was there, but its record was lost (ring buffer, bounds) */
};

struct pp_info;

/*
 * What the trust stage remembers of a PROXY connection from one request to
 * the next: the client its first request's forwarded header named.
 */
struct pp_named {
	bool set;
	struct ip_addr addr;
	/*
	 * The connection's first header client was not the preamble's source:
	 * its sender is not shown to write the header (a layer-4 one passes
	 * the client's own), so its requests are never compared.
	 */
	bool unrelated;
};

struct http_request {
	uint64_t ts_ns; /* CLOCK_MONOTONIC of the first byte, 0 when not from the wire */
	uint64_t flow_id;
	uint32_t msg; /* request number on the flow */
	uint32_t ifindex;
	uint32_t seq;
	uint16_t rec_flags; /* XFFW_REC_F_* of all its parts */
	uint16_t flags;	    /* REQ_F_* */
	struct ip_addr saddr, daddr;
	uint16_t sport, dport;
	/* The sockets' owners: [XFFW_DIR_REQUEST] the peer's, [XFFW_DIR_RESPONSE] the app's. */
	struct xffw_sock_id sock[2];
	uint64_t conn_id; /* the connection (flow_id changes at a desync, this does not) */
	/*
	 * The connection's PROXY preamble: pp_state (enum req_pp_state), and pp
	 * set for REQ_PP_OK, _MALFORMED and _TRUNCATED (else NULL); pp_named for
	 * a connection that began with one (else NULL). Both live while the
	 * request is handed out.
	 */
	uint8_t pp_state;
	const struct pp_info *pp;
	struct pp_named *pp_named;

	struct str method, target, version; /* version: "1.1" */
	bool line_truncated;		    /* the request line was cut */

	/* Lines per field id, and the index of the first: for lookups without a scan. */
	uint16_t count[XFFW_F__MAX];
	uint16_t first[XFFW_F__MAX];
	size_t nfields;
	struct req_field fields[REQ_MAX_FIELDS];
};

/* Header name as it appears on the wire ("X-Forwarded-For"), or NULL. */
const char *field_wire_name(unsigned int id);
/* Lower-case name used in events and options ("x-forwarded-for"), or NULL. */
const char *field_key(unsigned int id);
/* The same with its length ({ NULL, 0 } for none): events write keys without a strlen. */
struct str field_key_str(unsigned int id);
/* The field id for a lower-case option name, or 0. */
unsigned int field_by_key(const char *key);

/*
 * Checks the header of a kernel record of @size bytes: ABI version, type,
 * family, data length. Returns the record type, or -EBADMSG.
 */
int record_check(const void *data, size_t size);

/* Fills the tuple and the header-derived members of @req (fields untouched). */
void request_from_hdr(struct http_request *req, const struct xffw_record_hdr *h);

/*
 * Reads the field at *@p of a field area that ends at @end: its header into
 * *@fh, *@value to its value, *@p past it. Returns 0, or -EBADMSG when it does
 * not fit or has no valid id.
 */
int field_next(const uint8_t **p, const uint8_t *end, struct xffw_field_hdr *fh,
	       const uint8_t **value);

/*
 * Decodes a field area (field headers and values, as in a REQUEST record)
 * into @req's request line and fields, whose views point into @data. The
 * request line may be missing only when @line_optional. Returns 0 or -EBADMSG.
 */
int fields_decode(const uint8_t *data, size_t len, struct http_request *req, bool line_optional);

/*
 * Decodes one complete REQUEST record (the whole head in one part) of @size
 * bytes into @req. Returns 0, or -EBADMSG when the record is malformed.
 */
int record_decode(const void *data, size_t size, struct http_request *req);

/* Number of lines of field @id; the first one in *@first (may be NULL). */
static inline size_t req_field_count(const struct http_request *req, unsigned int id,
				     const struct req_field **first)
{
	size_t n = id < XFFW_F__MAX ? req->count[id] : 0;

	if (first)
		*first = n ? &req->fields[req->first[id]] : NULL;
	return n;
}

/* Is a cut value of field @id kept by its end? (Chains and single-IP headers: the trust walk starts there.) */
static inline bool field_keeps_tail(unsigned int id)
{
	return XFFW_FIELD_KEEPS_TAIL(id);
}

/* Does any line of @id carry a truncation flag? */
bool req_field_truncated(const struct http_request *req, unsigned int id);

/* Is the request head incomplete in a way that may hide header lines? */
bool req_head_incomplete(const struct http_request *req);

/* @s without leading and trailing SP/HTAB. */
struct str str_trim_ows(struct str s);

#endif
