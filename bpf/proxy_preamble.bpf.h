/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * A PROXY protocol preamble (haproxy doc/proxy-protocol.txt) at the start of
 * a connection's client bytes: found by its signature, measured (a v1 line
 * ends at its LF, a v2 preamble after 16 + its length field bytes), copied
 * raw to the daemon in PROXY records, and stepped over so that HTTP is
 * parsed from the byte after it. Only on connections seen from their SYN:
 * the spec forbids guessing one mid-stream. Reading it is the daemon's job.
 */
#ifndef XFFW_PROXY_PREAMBLE_BPF_H
#define XFFW_PROXY_PREAMBLE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xffwatch_abi.h"
#include "counters.bpf.h"
#include "http_scan.bpf.h"
#include "parser_state.bpf.h"
#include "records.bpf.h"
#include "work.bpf.h"

/* Bytes that tell a v1 preamble ("PROXY "), and the v2 header (signature, then four more). */
#define PP_V1_SIG_LEN 6
#define PP_V2_SIG_LEN 12

/* The signatures as little-endian words: "PROXY ", and "\r\n\r\n\0\r\nQ" "UIT\n". */
#define PP_V1_SIG_WORD	  0x2059584f5250ULL
#define PP_V2_SIG_WORD	  0x510a0d000a0d0a0dULL
#define PP_V2_SIG_WORD_HI 0x0a544955ULL

/* Byte @i of the v1 signature, or of the v2 one. */
static __always_inline __u8 pp_sig_byte(bool v1, __u32 i)
{
	if (v1)
		return (__u8)(PP_V1_SIG_WORD >> ((i & 7) * 8));
	if (i < 8)
		return (__u8)(PP_V2_SIG_WORD >> (i * 8));
	return (__u8)(PP_V2_SIG_WORD_HI >> (((i - 8) & 3) * 8));
}

/* A preamble is over (or given up): HTTP starts at the next byte. */
static __always_inline void pp_done(struct flow_ctx *c, struct xffw_dir_state *ds, __u16 flags)
{
	emit_data(c, ds, XFFW_REC_PROXY, XFFW_REC_F_PP_END | flags);
	clear_message(ds);
	ds->pp = XFFW_PP_DETECT;
	ds->state = flags & XFFW_REC_F_PP_BAD ? XFFW_PS_SYNC : XFFW_PS_IDLE;
}

/* Appends @n payload bytes at ps.pos to the PROXY record's data; false when they cannot be read. */
static __always_inline bool pp_copy(struct flow_ctx *c, __u64 n)
{
	struct work *w = c->w;
	__u64 off = w->ps.data_len;

	if (!n)
		return true;
	/* Independent bounds on offset and length, as emit_chunk gives them. */
	barrier_var(off);
	off &= XFFW_DATA_OFF_MASK;
	barrier_var(n);
	n &= XFFW_DATA_LEN_MASK;
	if (!n || bpf_skb_load_bytes(c->skb, w->ps.payload_off + w->ps.pos, w->rec.data + off, n)) {
		count(XFFW_CNT_LOAD_FAILED);
		return false;
	}
	w->ps.data_len = off + n;
	return true;
}

/*
 * Not a preamble: HTTP from the connection's first byte. Bytes held back in
 * carry[] while that was not clear (a segment of "P" or "\r\n" alone) start
 * the head, after the empty lines HTTP allows before a request.
 */
static __always_inline void pp_none(struct flow_ctx *c, struct xffw_dir_state *ds, __u32 have)
{
	struct parse *ps = &c->w->ps;
	__u32 skip = 0, k;

	c->flow->flags |= XFFW_FLOW_PP_SEEN;
	for (int i = 0; i < XFFW_PP_V2_HDR; i++) {
		if (i >= (int)have || (ds->carry[i] != '\r' && ds->carry[i] != '\n'))
			break;
		skip++;
	}
	k = have - skip;
	for (int i = 0; i < XFFW_PP_V2_HDR; i++) {
		if (i >= (int)k)
			break;
		ds->carry[i] = ds->carry[(i + skip) & (XFFW_CARRY_MAX - 1)];
	}
	for (int i = 0; i < XFFW_CARRY_MAX; i++)
		if (i >= (int)k)
			ds->carry[i] = 0;
	clear_message(ds);
	ds->pp = XFFW_PP_DETECT;
	if (!k) {
		ds->state = XFFW_PS_IDLE;
		return;
	}
	/* What step_idle does, for a head whose first k bytes are already carried. */
	ds->state = XFFW_PS_HEAD;
	ds->start_ns = ps->now;
	ds->start_seq = ps->seq + ps->pos - k;
	ds->carry_len = k;
	ds->head_bytes = k;
	ps->data_len = 0;
}

/*
 * The connection's first bytes: gathers in carry[] the bytes that tell
 * ("PROXY ", or the v2 signature and the four header bytes after it), then
 * starts a preamble or hands the bytes to HTTP.
 */
static __always_inline void pp_detect(struct flow_ctx *c, struct xffw_dir_state *ds)
{
	struct work *w = c->w;
	struct parse *ps = &w->ps;
	__u32 have = ds->carry_len, want;
	bool v1;
	__u64 n;

	if (have >= XFFW_PP_V2_HDR) {
		desync(c, XFFW_CNT_DESYNC);
		return;
	}
	n = load_small(c, have ? XFFW_PP_V2_HDR - have : 1);
	if (!n)
		return;
	if (!have) {
		if (w->small[0] != 'P' && w->small[0] != '\r') {
			pp_none(c, ds, 0);
			return;
		}
		ds->start_ns = ps->now;
		ds->start_seq = ps->seq + ps->pos;
	}
	v1 = (have ? ds->carry[0] : w->small[0]) == 'P';
	want = v1 ? PP_V1_SIG_LEN : XFFW_PP_V2_HDR;
	if (n > want - have)
		n = want - have;
	for (int i = 0; i < XFFW_PP_V2_HDR; i++) {
		__u32 at = have + i;

		if (i >= (int)n)
			break;
		ds->carry[at & (XFFW_CARRY_MAX - 1)] = w->small[i & (SMALL_MAX - 1)];
		/* The v2 header's last four bytes are version, family and length: any value. */
		if (at < (v1 ? PP_V1_SIG_LEN : PP_V2_SIG_LEN) &&
		    w->small[i & (SMALL_MAX - 1)] != pp_sig_byte(v1, at)) {
			ps->pos += i + 1;
			pp_none(c, ds, at + 1);
			return;
		}
	}
	ps->pos += n;
	have += n;
	ds->carry_len = have;
	if (have < want)
		return; /* more to gather: in this segment's next step, or in the next segment */

	c->flow->flags |= XFFW_FLOW_PP_SEEN | XFFW_FLOW_PROXIED;
	count(XFFW_CNT_PP_PREAMBLES);
	for (int i = 0; i < XFFW_PP_V2_HDR; i++) {
		if (i >= (int)have)
			break;
		w->rec.data[i] = ds->carry[i];
	}
	ps->data_len = have;
	ds->carry_len = 0;
	ds->head_bytes = have;
	if (v1) {
		ds->pp = XFFW_PP_IN_V1;
		return;
	}
	ds->pp = XFFW_PP_IN_V2;
	ds->remaining = (__u32)ds->carry[14] << 8 | ds->carry[15];
	if (!ds->remaining)
		pp_done(c, ds, 0);
}

/* In a v1 line: up to its LF, which must come within XFFW_PP_V1_MAX bytes. */
static __always_inline void pp_v1(struct flow_ctx *c, struct xffw_dir_state *ds)
{
	struct work *w = c->w;
	struct parse *ps = &w->ps;
	__u64 left = XFFW_PP_V1_MAX - (ds->head_bytes & 0x7f), n = ps->len - ps->pos, m = 0;
	const __u64 *words = (const __u64 *)w->buf;
	bool lf = false;

	if (ds->head_bytes >= XFFW_PP_V1_MAX) {
		pp_done(c, ds, XFFW_REC_F_PP_BAD);
		return;
	}
	if (n > left)
		n = left;
	barrier_var(n);
	if (n == 0 || n > XFFW_PP_V1_MAX ||
	    bpf_skb_load_bytes(c->skb, ps->payload_off + ps->pos, w->buf, n)) {
		count(XFFW_CNT_LOAD_FAILED);
		desync(c, XFFW_CNT_DESYNC);
		return;
	}
	/* The LF a word at a time, as heads are scanned. */
	for (int k = 0; k < (XFFW_PP_V1_MAX + 7) / 8; k++) {
		__u64 at = k * 8, mask;

		if (at >= n)
			break;
		mask = newline_mask(words[k]);
		if (n - at < 8)
			mask &= (1ULL << ((n - at) * 8)) - 1;
		if (mask) {
			m = at + lowest_marked_byte(mask) + 1;
			lf = true;
			break;
		}
	}
	if (!lf)
		m = n;
	if (!pp_copy(c, m)) {
		desync(c, XFFW_CNT_DESYNC);
		return;
	}
	ps->pos += m;
	ds->head_bytes += m;
	if (lf) {
		pp_done(c, ds, 0);
	} else if (ds->head_bytes >= XFFW_PP_V1_MAX) {
		/* No line end where the spec puts the longest: where HTTP starts is unknown. */
		count(XFFW_CNT_PP_BAD);
		pp_done(c, ds, XFFW_REC_F_PP_BAD);
	}
}

/* In a v2 preamble: its remaining bytes, the first XFFW_PP_KEEP of it copied. */
static __always_inline void pp_v2(struct flow_ctx *c, struct xffw_dir_state *ds)
{
	struct parse *ps = &c->w->ps;
	__u64 take = ps->len - ps->pos, keep = 0;

	if (take > ds->remaining)
		take = ds->remaining;
	if (ds->head_bytes < XFFW_PP_KEEP) {
		keep = XFFW_PP_KEEP - ds->head_bytes;
		if (keep > take)
			keep = take;
	}
	if (!pp_copy(c, keep)) {
		desync(c, XFFW_CNT_DESYNC);
		return;
	}
	ps->pos += take;
	ds->head_bytes += take;
	ds->remaining -= take;
	if (ds->remaining)
		return;
	if (ds->head_bytes > XFFW_PP_KEEP) {
		count(XFFW_CNT_PP_CUT);
		pp_done(c, ds, XFFW_REC_F_PP_CUT);
		return;
	}
	pp_done(c, ds, 0);
}

static __always_inline void step_preamble(struct flow_ctx *c, struct xffw_dir_state *ds)
{
	if (ds->pp == XFFW_PP_IN_V1)
		pp_v1(c, ds);
	else if (ds->pp == XFFW_PP_IN_V2)
		pp_v2(c, ds);
	else
		pp_detect(c, ds);
}

/* At a segment's end inside a preamble: what it copied goes out as one part. */
static __always_inline void pp_segment_end(struct flow_ctx *c, struct xffw_dir_state *ds)
{
	if (ds->state == XFFW_PS_PREAMBLE && ds->pp != XFFW_PP_DETECT && c->w->ps.data_len)
		emit_data(c, ds, XFFW_REC_PROXY, 0);
}

#endif
