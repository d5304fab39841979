/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a capture gets wrong about TCP, put right before the parser sees it:
 * exact duplicates are dropped, and segments out of order within a bounded
 * window per flow are held and released in sequence order. Beyond a bound
 * the held segments go out as they are, and the parser handles the gap as
 * it does live. Pure: frames in, frames out; no I/O (fuzzed).
 *
 * Every frame goes through reorder_push() and comes out of reorder_pop(), in
 * the order to deliver. A frame that is not held is queued by reference (its
 * bytes must stay valid until it is popped); a held one is copied.
 */
#ifndef XFFW_REORDER_H
#define XFFW_REORDER_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/frame.h"

/*
 * Bounds; 0 in a field means its default below. A segment past the next
 * expected byte is held while it is at most flow_bytes ahead and its flow
 * holds fewer than flow_segs segments and flow_bytes bytes, and all flows
 * fewer than total_segs and total_bytes; else what the flow holds goes out
 * in sequence order, then the segment, as gaps. A flow's hold also ends when
 * the capture's clock passes its oldest hold by hold_ns (a lost segment never
 * comes), when its flow is evicted, on a SYN, and at the end of the input.
 */
struct reorder_limits {
	uint32_t flow_segs; /* segments held per flow (64) */
	uint32_t
		flow_bytes; /* bytes held per flow, and how far past the gap a segment may be (256 KiB) */
	uint32_t total_segs;  /* segments held in all (16,384) */
	uint64_t total_bytes; /* bytes held in all (64 MiB) */
	uint32_t flows;	      /* flows tracked; the least recently seen is evicted (65,536) */
	uint64_t hold_ns;     /* capture time a gap is waited for (500 ms) */
};

struct reorder_counters {
	uint64_t duplicates; /* exact duplicates of a flow's previous segment, dropped */
	uint64_t reordered;  /* segments held, then released in order */
	uint64_t gaps;	     /* held segments released out of order (a bound was reached) */
	uint64_t evicted;    /* flows evicted by the flow bound */
};

struct reorder;

/* NULL on allocation failure. */
struct reorder *reorder_new(const struct reorder_limits *lim);
void reorder_free(struct reorder *r);

/*
 * Takes one frame. Frames that are not TCP over IPv4/IPv6 (after up to two
 * VLAN tags) are queued as they are. Returns 1 if queued or held, 0 if
 * dropped as a duplicate, -ENOMEM if it could not be held (then it is queued
 * as it is, as a gap).
 */
int reorder_push(struct reorder *r, const struct capture_frame *f);

/* Releases everything held, in sequence order per flow (end of input). */
void reorder_flush(struct reorder *r);

/*
 * The next frame to deliver into *@out. Its bytes are valid until the next
 * reorder_push(), reorder_pop() or reorder_free(). Returns false when none is queued.
 */
bool reorder_pop(struct reorder *r, struct capture_frame *out);

void reorder_counters(const struct reorder *r, struct reorder_counters *out);

#endif
