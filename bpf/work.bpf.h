/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * The per-CPU work area, where one segment's parse keeps its state and
 * builds its records, and the context the parser's functions share.
 */
#ifndef XFFW_WORK_BPF_H
#define XFFW_WORK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xffwatch_abi.h"
#include "counters.bpf.h"

/* Slack after the scan window: word loads near its end stay inside the map value. */
#define SCAN_SLACK 64
/* Bytes looked at per step outside heads (message starts, chunk-size lines). */
#define SMALL_MAX  64

/* What one segment's parse needs besides the flow: all in the work area. */
struct parse {
	__u64 now;
	__u32 payload_off; /* skb offset of the TCP payload */
	__u32 len;	   /* payload bytes */
	__u32 pos;	   /* next payload byte to parse */
	__u32 seq;	   /* sequence number of payload byte 0 */
	__u32 dir;	   /* enum xffw_dir */
	__u32 ifindex;
	__u32 wlen;	  /* bytes in the head window buf[] */
	__u32 carried;	  /* of which were carried from the previous segment */
	__u32 line_start; /* find_lines: where the current line starts */
	__u32 nlines;	  /* find_lines: line ends found */
	__u32 pad;
	__u32 head_end;	  /* find_lines: offset after the blank line, 0 until found */
	__u32 data_len;	  /* bytes used in rec.data */
	__u32 done;	  /* nothing more to do in this segment */
	__u32 resync;	  /* the next message was found by resynchronising */
	__u32 bad;	  /* chunk_byte: bad framing */
	__u32 cpos;	  /* chunk_byte: bytes consumed */
	__u32 hook_flags; /* XFFW_REC_F_EGRESS or 0 */
};

/*
 * Per-CPU work area: too big for the 512-byte stack. TC programs on one CPU
 * do not nest (they run with bottom halves disabled), so one area per CPU is
 * enough. Keeping the parse state here rather than on the stack also keeps
 * the verifier from tracking its values through the bpf_loop callbacks.
 */
struct work {
	__u8 buf[XFFW_SCAN_MAX + SCAN_SLACK];
	__u8 small[SMALL_MAX + 8];
	struct parse ps;
	struct xffw_flow_key key;
	struct xffw_flow fresh;	    /* a new flow, before it goes into the table */
	struct xffw_record_hdr ctl; /* control records: responses, flow ends */
	struct xffw_record rec;	    /* the request part being filled */
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct work);
} work_area SEC(".maps");

/* The bpf_loop context: pointers only, the state is in the work area and the flow. */
struct flow_ctx {
	struct __sk_buff *skb;
	struct work *w;
	struct xffw_flow *flow;
};

/* The parser state of the segment's direction. */
static __always_inline struct xffw_dir_state *dir_of(struct flow_ctx *c)
{
	return &c->flow->dir[c->w->ps.dir & 1];
}

/* Loads up to @max payload bytes at ps.pos into small[]; their number, 0 on failure. */
static __always_inline __u64 load_small(struct flow_ctx *c, __u64 max)
{
	struct parse *ps = &c->w->ps;
	__u64 n = ps->len - ps->pos;

	if (n > max)
		n = max;
	barrier_var(n);
	if (n == 0 || n > SMALL_MAX ||
	    bpf_skb_load_bytes(c->skb, ps->payload_off + ps->pos, c->w->small, n)) {
		count(XFFW_CNT_LOAD_FAILED);
		ps->done = 1;
		return 0;
	}
	return n;
}

#endif
