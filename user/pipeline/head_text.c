// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>

#include "pipeline/head_text.h"

struct head_run {
	const struct xffw_record_hdr *tuple;
	struct tracker *tracker;
	uint16_t conn_flags; /* XFFW_REC_F_PROXIED when a preamble came first */
};

/* Completes a record with the tuple and hands it to the tracker. */
static void on_record(void *ctx, const struct xffw_record *rec, size_t size)
{
	static struct xffw_record copy;
	struct head_run *run = ctx;

	memcpy(&copy, rec, size);
	copy.hdr.flags |= run->conn_flags;
	copy.hdr.conn_id = 1;
	copy.hdr.family = run->tuple->family;
	memcpy(copy.hdr.saddr, run->tuple->saddr, 16);
	memcpy(copy.hdr.daddr, run->tuple->daddr, 16);
	copy.hdr.sport = run->tuple->sport;
	copy.hdr.dport = run->tuple->dport;
	copy.hdr.ts_ns = run->tuple->ts_ns;
	copy.hdr.flow_id = 1;
	tracker_record(run->tracker, &copy, size, 0);
}

/* The PROXY record the kernel writes for a preamble that came whole: at most XFFW_PP_KEEP bytes. */
static void preamble_record(struct head_run *run, const uint8_t *pre, size_t len)
{
	static struct xffw_record rec;
	size_t keep = len < XFFW_PP_KEEP ? len : XFFW_PP_KEEP;

	if (!pre || !len)
		return;
	memset(&rec.hdr, 0, sizeof(rec.hdr));
	rec.hdr.abi_version = XFFW_ABI_VERSION;
	rec.hdr.type = XFFW_REC_PROXY;
	rec.hdr.flags =
		XFFW_REC_F_PP_SEEN | XFFW_REC_F_PP_END | (len > keep ? XFFW_REC_F_PP_CUT : 0);
	rec.hdr.data_len = (uint16_t)keep;
	memcpy(rec.data, pre, keep);
	on_record(run, &rec, sizeof(rec.hdr) + keep);
}

enum head_status head_exchange(const uint8_t *head, size_t len, uint32_t budget,
			       const struct xffw_record_hdr *tuple, exchange_fn fn, void *ctx)
{
	return head_exchange_after(NULL, 0, head, len, budget, tuple, fn, ctx);
}

enum head_status head_exchange_after(const uint8_t *preamble, size_t plen, const uint8_t *head,
				     size_t len, uint32_t budget,
				     const struct xffw_record_hdr *tuple, exchange_fn fn, void *ctx)
{
	struct tracker_config cfg = { .max_pending = 1, .max_per_flow = 1, .max_pp_conns = 1 };
	struct head_run run = { .tuple = tuple, .conn_flags = plen ? XFFW_REC_F_PROXIED : 0 };
	enum head_status status;

	run.tracker = tracker_new(&cfg, fn, ctx);
	if (!run.tracker)
		return HEAD_TOO_LONG;
	preamble_record(&run, preamble, plen);
	status = head_extract(head, len, ~0U, budget, on_record, &run);
	/* No response will come: the request is handed over as it stands. */
	if (status == HEAD_OK)
		tracker_flush(run.tracker, NR_SHUTDOWN);
	tracker_free(run.tracker);
	return status;
}
