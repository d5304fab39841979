/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the unit tests: requests from text, as the daemon would see them. */
#ifndef XFFW_TEST_HELPERS_H
#define XFFW_TEST_HELPERS_H

#include <arpa/inet.h>
#include <string.h>

#include "pipeline/head_text.h"
#include "pipeline/request.h"

struct head_copy {
	struct http_request *out;
	char *arena; /* where the request's text is copied */
	size_t used;
	int got;
};

static inline struct str helper_keep(struct head_copy *r, struct str s)
{
	struct str k = { r->arena + r->used, s.len };

	if (s.len)
		memcpy(r->arena + r->used, s.p, s.len);
	r->used += s.len;
	return k;
}

/* The exchange's request, copied out of the tracker (which frees its own). */
static inline void helper_exchange(void *ctx, const struct exchange *x)
{
	struct head_copy *r = ctx;
	struct http_request *q = r->out;

	memcpy(q, x->req, sizeof(*q));
	r->used = 0;
	q->method = helper_keep(r, q->method);
	q->target = helper_keep(r, q->target);
	if (q->version.p)
		q->version = helper_keep(r, q->version);
	for (size_t i = 0; i < q->nfields; i++)
		q->fields[i].value = helper_keep(r, q->fields[i].value);
	r->got++;
}

/*
 * The request the daemon would see for @head, sent by @peer (IPv4 or IPv6
 * text) to the app: the kernel twin's records joined by the tracker. @rec is
 * scratch space for the request's text, which @req points into.
 * Returns 0, or -1 if the head is not a request.
 */
static inline int req_from_head_budget(const char *head, size_t len, const char *peer,
				       size_t budget, struct http_request *req)
{
	static char arena[1 << 17];
	struct head_copy r = { .out = req, .arena = arena };
	struct xffw_record_hdr tuple = { .sport = 40000, .dport = 5000, .ts_ns = 1 };
	int v6 = strchr(peer, ':') != NULL;

	tuple.family = v6 ? XFFW_FAMILY_IPV6 : XFFW_FAMILY_IPV4;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, peer, tuple.saddr) != 1)
		return -1;
	inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? "::1" : "127.0.0.1", tuple.daddr);
	if (head_exchange((const unsigned char *)head, len, budget, &tuple, helper_exchange, &r) !=
	    HEAD_OK)
		return -1;
	return r.got == 1 ? 0 : -1;
}

/* As above, within the default head budget. */
static inline int req_from_head(const char *head, size_t len, const char *peer,
				struct xffw_record *rec, struct http_request *req)
{
	(void)rec;
	return req_from_head_budget(head, len, peer, XFFW_HEAD_BUDGET, req);
}

static inline void helper_one_record(void *ctx, const struct xffw_record *rec, size_t size)
{
	struct xffw_record *out = ctx;

	if (!out->hdr.abi_version)
		memcpy(out, rec, size);
}

/* The first record the twin writes for @head, with an IPv4 loopback tuple. 0 or -1. */
static inline int record_from_head(const char *head, size_t len, struct xffw_record *rec)
{
	memset(rec, 0, sizeof(*rec));
	if (head_extract((const unsigned char *)head, len, ~0U, XFFW_HEAD_BUDGET, helper_one_record,
			 rec) != HEAD_OK)
		return -1;
	rec->hdr.family = XFFW_FAMILY_IPV4;
	rec->hdr.saddr[0] = rec->hdr.daddr[0] = 127;
	rec->hdr.saddr[3] = rec->hdr.daddr[3] = 1;
	rec->hdr.flow_id = 1;
	return 0;
}

#endif
