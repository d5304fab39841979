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

/*
 * The bytes that tell a preamble: a v1 line begins "PROXY TCP4 ", "PROXY
 * TCP6 ", or "PROXY UNKNOWN" and a space, CR or LF (no HTTP request line can:
 * "PROXY " alone may be the method of one, and "PROXY UNKNOWN://h/" its
 * absolute-form target), a v2 preamble with its 12-byte signature.
 */
#define PP_V1T_LEN    11
#define PP_V1U_LEN    14
#define PP_V2_SIG_LEN 12

/* The signatures as little-endian words: "PROXY TC" "P4 ", "PROXY UN" "KNOWN", "\r\n\r\n\0\r\nQ" "UIT\n". */
#define PP_V1T_LO 0x43542059584f5250ULL
#define PP_V1T_HI 0x203450ULL
#define PP_V1U_LO 0x4e552059584f5250ULL
#define PP_V1U_HI 0x4e574f4e4bULL
#define PP_V2_LO  0x510a0d000a0d0a0dULL
#define PP_V2_HI  0x0a544955ULL

/* May byte @i of a signature be @b? @kind: a v1 line's byte 6 ('T' or 'U'), once known. */
static __always_inline bool pp_byte_ok(bool v1, __u8 kind, __u32 i, __u8 b)
{
	__u64 lo = PP_V2_LO, hi = PP_V2_HI;

	if (!v1 && i >= PP_V2_SIG_LEN)
		return true; /* the v2 header's version, family and length: any value */
	if (v1 && i == 6)
		return b == 'T' || b == 'U';
	if (v1 && kind == 'U') {
		if (i == 13)
			return b == ' ' || b == '\r' || b == '\n';
		lo = PP_V1U_LO;
		hi = PP_V1U_HI;
	} else if (v1) {
		if (i == 9)
			return b == '4' || b == '6';
		lo = PP_V1T_LO;
		hi = PP_V1T_HI;
	}
	return b == (__u8)(i < 8 ? lo >> (i * 8) : hi >> (((i - 8) & 7) * 8));
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
	ds->pp = XFFW_PP_DETECT;
	if (!k) {
		clear_message(ds);
		ds->state = XFFW_PS_IDLE;
		return;
	}
	/* A head whose first k bytes are already carried (counted here: they came before). */
	begin_head(ps, ds, ps->seq + ps->pos - k);
	ds->carry_len = k;
	ds->head_bytes = k;
}

/*
 * The connection's first bytes: gathers in carry[] the bytes that tell (a v1
 * signature, or the v2 signature and the four header bytes after it), then
 * starts a preamble or hands the bytes to HTTP.
 */
static __always_inline void pp_detect(struct flow_ctx *c, struct xffw_dir_state *ds)
{
	struct work *w = c->w;
	struct parse *ps = &w->ps;
	__u32 have = ds->carry_len, want, used = 0;
	__u8 kind;
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
	kind = have > 6 ? ds->carry[6] : 0;
	want = !v1 ? XFFW_PP_V2_HDR : kind == 'T' ? PP_V1T_LEN : PP_V1U_LEN;
	for (int i = 0; i < XFFW_PP_V2_HDR; i++) {
		__u32 at = have + i;
		__u8 b;

		if (i >= (int)n || at >= want)
			break;
		b = w->small[i & (SMALL_MAX - 1)];
		ds->carry[at & (XFFW_CARRY_MAX - 1)] = b;
		if (v1 && at == 6) {
			kind = b;
			want = b == 'T' ? PP_V1T_LEN : PP_V1U_LEN;
		}
		if (!pp_byte_ok(v1, kind, at, b)) {
			ps->pos += i + 1;
			pp_none(c, ds, at + 1);
			return;
		}
		used = i + 1;
	}
	ps->pos += used;
	have += used;
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
		/* (In a v1 line: its last byte so far was a CR, as "PROXY UNKNOWN\r" ends.) */
		ds->cont = ds->carry[(have - 1) & (XFFW_CARRY_MAX - 1)] == '\r';
		return;
	}
	ds->pp = XFFW_PP_IN_V2;
	ds->remaining = (__u32)ds->carry[14] << 8 | ds->carry[15];
	if (!ds->remaining)
		pp_done(c, ds, 0);
}

/*
 * A word of a v1 line's window: its first CR LF ends the line (a bare LF does
 * not, as nginx and the spec have it). ps.carried says whether the byte
 * before the window was a CR; ps.head_end gets the line's end.
 */
static long pp_crlf_word(__u32 k, struct flow_ctx *c)
{
	struct work *w = c->w;
	__u64 at = (__u64)k * 8, n = w->ps.wlen, m;

	/* One register for check and use: the verifier bounds only the checked copy. */
	barrier_var(at);
	if (at >= n || at >= XFFW_PP_KEEP)
		return 1;
	m = newline_mask(*(const __u64 *)(w->buf + at));
	if (n - at < 8)
		m &= (1ULL << ((n - at) * 8)) - 1;
	for (int j = 0; j < 8; j++) {
		__u64 p;
		bool cr;

		if (!m)
			break;
		p = at + lowest_marked_byte(m);
		m &= m - 1;
		cr = p ? w->buf[(p - 1) & (XFFW_SCAN_MAX - 1)] == '\r' : w->ps.carried;
		if (cr) {
			w->ps.head_end = p + 1;
			return 1;
		}
	}
	return 0;
}

/*
 * In a v1 line: up to its first CR LF. The spec allows 107 bytes; nginx takes
 * longer lines (from its first read), so the end is looked for within
 * XFFW_PP_KEEP bytes and the daemon says what is wrong with it.
 */
static __always_inline void pp_v1(struct flow_ctx *c, struct xffw_dir_state *ds)
{
	struct work *w = c->w;
	struct parse *ps = &w->ps;
	__u64 n = ps->len - ps->pos, left, m;

	if (ds->head_bytes >= XFFW_PP_KEEP) {
		pp_done(c, ds, XFFW_REC_F_PP_BAD);
		return;
	}
	left = XFFW_PP_KEEP - ds->head_bytes;
	if (n > left)
		n = left;
	/* bpf_skb_load_bytes needs a provably non-zero, bounded length. */
	barrier_var(n);
	if (n == 0 || n > XFFW_PP_KEEP ||
	    bpf_skb_load_bytes(c->skb, ps->payload_off + ps->pos, w->buf, n)) {
		count(XFFW_CNT_LOAD_FAILED);
		desync(c, XFFW_CNT_DESYNC);
		return;
	}
	ps->wlen = n;
	ps->carried = ds->cont;
	ps->head_end = 0;
	bpf_loop((n + 7) / 8, pp_crlf_word, c, 0);
	m = ps->head_end && ps->head_end <= n ? ps->head_end : n;
	if (!pp_copy(c, m)) {
		desync(c, XFFW_CNT_DESYNC);
		return;
	}
	ds->cont = w->buf[(m - 1) & (XFFW_SCAN_MAX - 1)] == '\r';
	ps->pos += m;
	ds->head_bytes += m;
	if (ps->head_end) {
		pp_done(c, ds, 0);
	} else if (ds->head_bytes >= XFFW_PP_KEEP) {
		/* No line end where nginx's reader would have found one: where HTTP starts is unknown. */
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
