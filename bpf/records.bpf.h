/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Records for the daemon (include/xffwatch_abi.h): their header, control
 * records, and a request's fields, part by part.
 */
#ifndef XFFW_RECORDS_BPF_H
#define XFFW_RECORDS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xffwatch_abi.h"
#include "counters.bpf.h"
#include "http_scan.bpf.h"
#include "maps.bpf.h"
#include "work.bpf.h"

/* What every record of a flow says of its start: a PROXY preamble or not, if known. */
static __always_inline __u16 flow_rec_flags(const struct xffw_flow *f)
{
	return (f->flags & XFFW_FLOW_PP_SEEN ? XFFW_REC_F_PP_SEEN : 0) |
	       (f->flags & XFFW_FLOW_PROXIED ? XFFW_REC_F_PROXIED : 0);
}

static __always_inline void fill_hdr(struct xffw_record_hdr *h, struct flow_ctx *c, __u8 type,
				     __u64 ts)
{
	struct work *w = c->w;

	h->ts_ns = ts;
	h->flow_id = c->flow->flow_id;
	h->conn_id = c->flow->conn_id;
	h->abi_version = XFFW_ABI_VERSION;
	h->type = type;
	h->family = w->key.family;
	h->flags = w->ps.hook_flags | flow_rec_flags(c->flow);
	h->data_len = 0;
	h->ifindex = w->ps.ifindex;
	h->seq = w->ps.seq;
	h->msg = 0;
	h->part = 0;
	h->status = 0;
	h->reason = 0;
	h->sport = w->key.sport;
	h->dport = w->key.dport;
	h->pad = 0;
	__builtin_memcpy(h->saddr, w->key.saddr, 16);
	__builtin_memcpy(h->daddr, w->key.daddr, 16);
	__builtin_memcpy(h->sock, c->flow->sock, sizeof(h->sock));
}

/*
 * Waking the reader costs an interrupt per record (a VM exit under a
 * hypervisor), and even asking how full the buffer is touches the reader's
 * cache line: the reader polls every XFFW_POLL_MS instead.
 */
static __always_inline void output(void *data, __u64 size)
{
	if (bpf_ringbuf_output(&events, data, size, BPF_RB_NO_WAKEUP))
		count(XFFW_CNT_RINGBUF_LOSS);
}

/* A record without data: a flow end, a not-HTTP verdict. */
static __always_inline void emit_ctl(struct flow_ctx *c, __u8 type, __u16 reason)
{
	struct xffw_record_hdr *h = &c->w->ctl;

	fill_hdr(h, c, type, c->w->ps.now);
	h->reason = reason;
	output(h, sizeof(*h));
}

static __always_inline __u16 rec_flags_of(__u16 hflags)
{
	return (hflags & XFFW_HF_BUDGET ? XFFW_REC_F_BUDGET : 0) |
	       (hflags & XFFW_HF_OBS_FOLD ? XFFW_REC_F_OBS_FOLD : 0) |
	       (hflags & XFFW_HF_RESYNC ? XFFW_REC_F_RESYNC : 0);
}

/*
 * Writes the data gathered so far as the next part of the current request's
 * head (REQUEST: fields) or of the connection's preamble (PROXY: raw bytes).
 */
static __always_inline void emit_data(struct flow_ctx *c, struct xffw_dir_state *ds, __u8 type,
				      __u16 flags)
{
	struct work *w = c->w;
	struct xffw_record *rec = &w->rec;
	__u64 len = w->ps.data_len;

	fill_hdr(&rec->hdr, c, type, ds->start_ns);
	rec->hdr.flags |= flags | rec_flags_of(ds->hflags);
	rec->hdr.seq = ds->start_seq;
	rec->hdr.msg = ds->msg;
	rec->hdr.part = ds->part++;
	barrier_var(len);
	len &= XFFW_DATA_OFF_MASK;
	rec->hdr.data_len = len;
	output(rec, sizeof(rec->hdr) + len);
	w->ps.data_len = 0;
}

/* Writes the fields gathered so far as the next part of the current request. */
static __always_inline void emit_part(struct flow_ctx *c, struct xffw_dir_state *ds, __u16 flags)
{
	emit_data(c, ds, XFFW_REC_REQUEST, flags);
}

/*
 * Appends a chunk of field @id, the window bytes [@from, @to), at most
 * XFFW_VALUE_MAX of them, to the record, writing out the part first when it
 * would not fit.
 */
static __always_inline void emit_chunk(struct flow_ctx *c, struct xffw_dir_state *ds, __u32 id,
				       __u64 from, __u64 to, __u8 flags)
{
	struct work *w = c->w;
	__u64 len = to - from, off, carried = 0, rest;
	__u8 *dst;

	if (to < from || len > XFFW_VALUE_MAX)
		return;
	if (w->ps.data_len + sizeof(struct xffw_field_hdr) + len > XFFW_DATA_MAX)
		emit_part(c, ds, 0);

	/*
	 * Masks that change nothing but give the verifier independent bounds on
	 * offset and length, which the slack in data[] covers together. The
	 * barriers keep clang from dropping them as redundant.
	 */
	off = w->ps.data_len;
	barrier_var(off);
	off &= XFFW_DATA_OFF_MASK;
	barrier_var(len);
	len &= XFFW_DATA_LEN_MASK;
	dst = w->rec.data + off;
	dst[0] = id;
	dst[1] = flags;
	dst[2] = len & 0xff;
	dst[3] = len >> 8;
	/* Bytes carried from the previous segment are in the window only. */
	if (from < w->ps.carried) {
		carried = w->ps.carried - from;
		if (carried > len)
			carried = len;
		for (int i = 0; i < XFFW_CARRY_MAX; i++) {
			if (i >= (int)carried)
				break;
			dst[4 + i] = w->buf[(from + i) & (XFFW_SCAN_MAX - 1)];
		}
	}
	/* The rest straight from the packet. */
	rest = len - carried;
	barrier_var(carried);
	carried &= 2 * XFFW_CARRY_MAX - 1;
	barrier_var(rest);
	rest &= XFFW_DATA_LEN_MASK;
	if (rest && bpf_skb_load_bytes(
			    c->skb, w->ps.payload_off + w->ps.pos + from + carried - w->ps.carried,
			    dst + 4 + carried, rest)) {
		count(XFFW_CNT_LOAD_FAILED);
		return;
	}
	w->ps.data_len = off + sizeof(struct xffw_field_hdr) + len;
}

/* xffw_chunk()'s span: window offsets, field id and flags in one argument. */
#define CHUNK_SPAN(from, to, id, flags) \
	((__u64)(from) | (__u64)(to) << 16 | (__u64)(id) << 32 | (__u64)(flags) << 40)

/* One chunk of a long chain (emit_piece). Global: verified once. */
__noinline int xffw_chunk(struct __sk_buff *skb, struct work *w, struct xffw_flow *f, __u64 span)
{
	struct flow_ctx c = { .skb = skb, .w = w, .flow = f };
	__u32 from = span & 0xffff, to = (span >> 16) & 0xffff;

	if (!w || !f || to > XFFW_SCAN_MAX || to < from)
		return 0;
	emit_chunk(&c, dir_of(&c), (span >> 32) & 0xff, from, to, (span >> 40) & 0xff);
	return 0;
}

/*
 * Appends a piece of field @id, the window bytes [@from, @to). A piece over
 * XFFW_VALUE_MAX keeps its beginning (flagged) unless it is a chain or a
 * single-IP header: those go whole, in chunks marked to be joined, since the
 * trust walk must see every hop (the head budget bounds them).
 */
static __always_inline void emit_piece(struct flow_ctx *c, struct xffw_dir_state *ds, __u32 id,
				       __u64 from, __u64 to, __u8 flags)
{
	if (to < from)
		return;
	if (to - from <= XFFW_VALUE_MAX) {
		emit_chunk(c, ds, id, from, to, flags);
		return;
	}
	if (!keeps_tail(id)) {
		emit_chunk(c, ds, id, from, from + XFFW_VALUE_MAX, flags | XFFW_FIELD_F_TRUNC_TAIL);
		return;
	}
	/*
	 * A window holds at most XFFW_SCAN_MAX bytes of a line: that many chunks
	 * at most. Each through a global function, verified once (inlined, the
	 * chunks made the program too large to verify).
	 */
	for (int i = 0; i < XFFW_SCAN_MAX / XFFW_VALUE_MAX; i++) {
		__u64 end = to - from > XFFW_VALUE_MAX ? from + XFFW_VALUE_MAX : to;
		__u8 f = flags | (i ? XFFW_FIELD_F_CONTINUED : 0) |
			 (end < to ? XFFW_FIELD_F_CONT : 0);

		xffw_chunk(c->skb, c->w, c->flow, CHUNK_SPAN(from, end, id, f));
		if (end == to)
			break;
		from = end;
	}
}

#endif
