/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the unit tests: requests from text, as the daemon would see them. */
#ifndef XFFW_TEST_HELPERS_H
#define XFFW_TEST_HELPERS_H

#include <arpa/inet.h>
#include <string.h>

#include "head_extract.h"
#include "request.h"

/*
 * Builds the kernel record for @head from @peer (IPv4 or IPv6 text) to the
 * app, then decodes it into @req (whose views point into @rec).
 * Returns 0, or -1 if the head is not a request or the record does not decode.
 */
static inline int req_from_head(const char *head, size_t len, const char *peer,
				struct xffw_record *rec, struct http_request *req)
{
	int v6 = strchr(peer, ':') != NULL;

	memset(rec, 0, sizeof(*rec));
	if (head_extract((const unsigned char *)head, len, ~0U, rec) != HEAD_OK)
		return -1;
	rec->hdr.family = v6 ? XFFW_FAMILY_IPV6 : XFFW_FAMILY_IPV4;
	if (inet_pton(v6 ? AF_INET6 : AF_INET, peer, rec->hdr.saddr) != 1)
		return -1;
	inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? "::1" : "127.0.0.1", rec->hdr.daddr);
	rec->hdr.sport = 40000;
	rec->hdr.dport = 5000;
	rec->hdr.ts_ns = 1;
	return record_decode(rec, sizeof(rec->hdr) + rec->hdr.data_len, req) ? -1 : 0;
}

#endif
