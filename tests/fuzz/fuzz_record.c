// SPDX-License-Identifier: BSD-2-Clause
/* Fuzz target: arbitrary bytes as a kernel record: decoded or refused, never more. */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct http_request req;
	uint8_t *copy = malloc(size ? size : 1);

	/* An exactly sized copy, so that ASan sees any read past the end. */
	memcpy(copy, data, size);
	if (!record_decode(copy, size, &req))
		fuzz_resolve_all(&req);
	free(copy);
	return 0;
}
