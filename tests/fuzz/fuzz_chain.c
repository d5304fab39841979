// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: header values for the chain parsers. The first byte picks the
 * header (X-Forwarded-For, Forwarded, X-Real-IP) and the truncation flag; the
 * rest is split into lines at '\n', one header line each.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "pipeline/tracker.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const unsigned int ids[] = { XFFW_F_X_FORWARDED_FOR, XFFW_F_FORWARDED,
					    XFFW_F_X_REAL_IP };
	static struct http_request req;
	static struct chain c;
	char *text;
	size_t start = 1;

	/* As much as the tracker keeps of a request's fields. */
	if (size < 1 || size > TRACKER_DATA_MAX)
		return 0;
	text = malloc(size);
	memcpy(text, data, size);
	memset(&req, 0, sizeof(req));
	req.saddr.family = 4;
	req.saddr.b[0] = 127;
	req.method = (struct str){ "GET", 3 };
	req.target = (struct str){ "/", 1 };
	req.version = (struct str){ "1.1", 3 };
	for (size_t i = 1; i <= size && req.nfields < REQ_MAX_FIELDS; i++) {
		if (i < size && text[i] != '\n')
			continue;
		req.fields[req.nfields] = (struct req_field){
			.id = (uint8_t)ids[data[0] % 3],
			.flags = (data[0] & 0x80) && !req.nfields ? XFFW_FIELD_F_TRUNC_HEAD : 0,
			.value = { text + start, i - start },
		};
		req.nfields++; /* after: the flags read the index */
		start = i + 1;
	}
	for (int split = SPLIT_NGINX; split <= SPLIT_PROXYFIX; split++) {
		size_t max_hops, max_text;

		chain_build(&c, &req, ids[data[0] % 3], (enum chain_split)split);
		/* The storage sized from the request is never short, nor overrun. */
		chain_bounds(&req, ids[data[0] % 3], &max_hops, &max_text);
		if (c.failed || c.n > max_hops || c.text_used > max_text)
			abort();
		for (size_t i = 0; i < c.n; i++) {
			struct ip_addr a;

			if (c.hop[i].text.len > size)
				abort();
			chain_address(&c, i, &a);
		}
	}
	chain_free(&c);
	fuzz_resolve_all(&req);
	free(text);
	return 0;
}
