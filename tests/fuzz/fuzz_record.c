// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: arbitrary bytes as a stream of kernel records (each after a
 * 2-byte little-endian length) through the tracker, which joins head parts
 * and pairs responses: every exchange it hands over must resolve and format,
 * and nothing may crash, leak or read out of bounds.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "pipeline/tracker.h"

static void on_exchange(void *ctx, const struct exchange *x)
{
	(void)ctx;
	fuzz_resolve_all(x->req);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tracker_config cfg = {
		.response_timeout_ns = 1000, .end_grace_ns = 10, .max_pending = 8, .max_per_flow = 3
	};
	struct tracker *t = tracker_new(&cfg, on_exchange, NULL);
	uint64_t now = 0;

	while (size >= 2) {
		size_t n = (size_t)data[0] | (size_t)data[1] << 8;
		uint8_t *copy;

		data += 2;
		size -= 2;
		if (n > size)
			n = size;
		/* An exactly sized copy, so that ASan sees any read past the end. */
		copy = malloc(n ? n : 1);
		memcpy(copy, data, n);
		tracker_record(t, copy, n, now);
		free(copy);
		data += n;
		size -= n;
		now += 7;
		tracker_expire(t, now);
	}
	tracker_flush(t, NR_SHUTDOWN);
	tracker_free(t);
	return 0;
}
