// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: the request-head parsers. The bytes as a segment's payload go
 * through the extractor twin, the tracker, every rule and the event; as text
 * for `xffwatch resolve` through head_validate first.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "pipeline/head_text.h"

static int exchanges;

static void on_exchange(void *ctx, const struct exchange *x)
{
	(void)ctx;
	exchanges++;
	fuzz_resolve_all(x->req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct xffw_record_hdr tuple = { .family = XFFW_FAMILY_IPV4, .saddr = { 127, 0, 0, 1 } };
	char *text = malloc(size + 2), err[160];
	size_t len = size;

	memcpy(text, data, size);
	if (!head_validate(text, &len, size + 2, err, sizeof(err))) {
		/* What validates is a request the twin takes, whole. */
		exchanges = 0;
		if (head_exchange((const uint8_t *)text, len, XFFW_HEAD_BUDGET, &tuple, on_exchange,
				  NULL) != HEAD_OK ||
		    exchanges != 1)
			abort();
	}
	free(text);

	exchanges = 0;
	if (head_exchange(data, size, XFFW_HEAD_BUDGET, &tuple, on_exchange, NULL) == HEAD_OK &&
	    exchanges > 1)
		abort();
	return 0;
}
