// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>

#include "pipeline/head_text.h"

struct head_run {
	const struct xffw_record_hdr *tuple;
	struct tracker *tracker;
};

static void on_record(void *ctx, const struct xffw_record *rec, size_t size)
{
	static struct xffw_record copy;
	struct head_run *run = ctx;

	memcpy(&copy, rec, size);
	copy.hdr.family = run->tuple->family;
	memcpy(copy.hdr.saddr, run->tuple->saddr, 16);
	memcpy(copy.hdr.daddr, run->tuple->daddr, 16);
	copy.hdr.sport = run->tuple->sport;
	copy.hdr.dport = run->tuple->dport;
	copy.hdr.ts_ns = run->tuple->ts_ns;
	copy.hdr.flow_id = 1;
	tracker_record(run->tracker, &copy, size, 0);
}

enum head_status head_exchange(const uint8_t *head, size_t len, uint32_t budget,
			       const struct xffw_record_hdr *tuple, exchange_fn fn, void *ctx)
{
	struct tracker_config cfg = { .max_pending = 1, .max_per_flow = 1, .max_pp_conns = 1 };
	struct head_run run = { .tuple = tuple };
	enum head_status status;

	run.tracker = tracker_new(&cfg, fn, ctx);
	if (!run.tracker)
		return HEAD_TOO_LONG;
	status = head_extract(head, len, ~0U, budget, on_record, &run);
	/* No response will come: the request is handed over as it stands. */
	if (status == HEAD_OK)
		tracker_flush(run.tracker, NR_SHUTDOWN);
	tracker_free(run.tracker);
	return status;
}
