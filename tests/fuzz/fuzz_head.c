// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: the request-head parsers. The bytes as a segment's payload go
 * through the extractor twin, the decoder, every rule and the event; as text
 * for `xffwatch resolve` through head_validate first.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "head_extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct xffw_record rec;
	static struct http_request req;
	char *text = malloc(size + 2), err[160];
	size_t len = size;

	memcpy(text, data, size);
	if (!head_validate(text, &len, size + 2, err, sizeof(err)) &&
	    head_extract((const uint8_t *)text, len, ~0U, &rec) != HEAD_OK)
		abort(); /* what validates is a request the twin takes */
	free(text);

	memset(&rec.hdr, 0, sizeof(rec.hdr));
	if (head_extract(data, size, ~0U, &rec) != HEAD_OK)
		return 0;
	rec.hdr.family = XFFW_FAMILY_IPV4;
	rec.hdr.saddr[0] = 127;
	rec.hdr.saddr[3] = 1;
	if (record_decode(&rec, sizeof(rec.hdr) + rec.hdr.data_len, &req))
		abort(); /* the twin's records always decode */
	fuzz_resolve_all(&req);
	return 0;
}
