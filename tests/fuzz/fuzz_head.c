// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: the request-head parsers. The bytes as a segment's payload go
 * through the extractor twin, the tracker, every rule and the event; as text
 * for `xffwatch resolve` through head_validate first.
 */
#include <stddef.h>
#include <stdint.h>

#include "fuzz_common.h"
#include "head_extract.h"
#include "tracker.h"

static int exchanges;

static void on_exchange(void *ctx, const struct exchange *x)
{
	(void)ctx;
	exchanges++;
	fuzz_resolve_all(x->req);
}

static void on_record(void *ctx, const struct xffw_record *rec, size_t size)
{
	static struct xffw_record copy;

	memcpy(&copy, rec, size);
	copy.hdr.family = XFFW_FAMILY_IPV4;
	copy.hdr.saddr[0] = 127;
	copy.hdr.saddr[3] = 1;
	copy.hdr.flow_id = 1;
	if (tracker_record(ctx, &copy, size, 0) != XFFW_REC_REQUEST)
		abort(); /* the twin's records are always valid */
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tracker_config cfg = { .max_pending = 1, .max_per_flow = 1 };
	struct tracker *t = tracker_new(&cfg, on_exchange, NULL);
	char *text = malloc(size + 2), err[160];
	size_t len = size;
	enum head_status hs;

	memcpy(text, data, size);
	if (!head_validate(text, &len, size + 2, err, sizeof(err))) {
		/* What validates is a request the twin takes, whole. */
		exchanges = 0;
		if (head_extract((const uint8_t *)text, len, ~0U, XFFW_HEAD_BUDGET, on_record, t) !=
		    HEAD_OK)
			abort();
		tracker_flush(t);
		if (exchanges != 1)
			abort();
	}
	free(text);

	hs = head_extract(data, size, ~0U, XFFW_HEAD_BUDGET, on_record, t);
	if (hs == HEAD_OK)
		tracker_flush(t);
	tracker_free(t);
	return 0;
}
