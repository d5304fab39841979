/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Heads: whether bytes start a request or a status line, and the lines of a
 * head window, found a word at a time, read for framing and copied when
 * wanted; then the head's end, which decides how the body is framed.
 */
#ifndef XFFW_HTTP_HEAD_BPF_H
#define XFFW_HTTP_HEAD_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xffwatch_abi.h"
#include "counters.bpf.h"
#include "http_scan.bpf.h"
#include "maps.bpf.h"
#include "parser_state.bpf.h"
#include "records.bpf.h"
#include "work.bpf.h"

/* A line start no newline can be at: the window begins inside a line. */
#define NO_LINE_START (1U << 20)

/*
 * A method token (uppercase letters, '-' or '_', 3 to 15 long) then SP:
 * the index of that SP, or 0.
 */
static __always_inline __u32 method_space(const __u8 *b, __u32 len)
{
	for (int i = 0; i < XFFW_METHOD_SCAN; i++) {
		__u8 ch = b[i];

		if (i >= (int)len)
			return 0;
		if (ch == ' ')
			return i >= 3 ? i : 0;
		if (!is_method_char(ch))
			return 0;
	}
	return 0;
}

/* Can @n bytes at @b be the start of a request line? (Nothing says no yet.) */
static __always_inline bool request_prefix_ok(const __u8 *b, __u32 n)
{
	for (int i = 0; i < XFFW_METHOD_SCAN; i++) {
		__u8 ch = b[i];

		if (i >= (int)n)
			return true;
		if (ch == ' ')
			return i >= 3;
		if (!is_method_char(ch))
			return false;
	}
	return false;
}

static __always_inline bool status_prefix_ok(const __u8 *b, __u32 n)
{
	static const char http1[] = "HTTP/1.";

	for (int i = 0; i < (int)sizeof(http1) - 1; i++)
		if (i < (int)n && b[i] != http1[i])
			return false;
	return true;
}

/*
 * Does a line of @n bytes at @b start like a request: "METHOD SP" and then an
 * origin-form path, "*", an absolute-form URI, or (for CONNECT) an authority?
 * Keeps a body that happens to start with capitals from passing for one.
 */
static __always_inline bool request_start_ok(const __u8 *b, __u32 n)
{
	__u32 sp = method_space(b, n < XFFW_METHOD_SCAN ? n : XFFW_METHOD_SCAN);
	__u8 ch;

	if (!sp || sp + 1 >= n)
		return false;
	ch = b[(sp + 1) & (XFFW_METHOD_SCAN - 1)];
	if (sp == 7 && b[0] == 'C' && b[1] == 'O' && b[2] == 'N' && b[3] == 'N' && b[4] == 'E' &&
	    b[5] == 'C' && b[6] == 'T')
		return true;
	return ch == '/' || ch == '*' || ch == 'h' || ch == 'H';
}

/* "HTTP/1.x SP ddd": the status code, or 0. */
static __always_inline __u32 status_code(const __u8 *b, __u32 n)
{
	if (n < 12 || !status_prefix_ok(b, 7) || b[7] < '0' || b[7] > '9' || b[8] != ' ')
		return 0;
	if (b[9] < '1' || b[9] > '5' || b[10] < '0' || b[10] > '9' || b[11] < '0' || b[11] > '9')
		return 0;
	return (b[9] - '0') * 100 + (b[10] - '0') * 10 + (b[11] - '0');
}

/* Is the window line [0, @to) "METHOD SP target SP HTTP/1.x", with a target? */
static __always_inline bool is_request_line(struct work *w, __u64 to)
{
	const __u8 *v;
	__u32 sp = 0;

	if (to < XFFW_MIN_REQUEST_LINE || to > XFFW_SCAN_MAX)
		return false;
	if (!method_space(w->buf, XFFW_METHOD_SCAN))
		return false;
	/* The method's space must not be the version's. */
	for (int i = 3; i < XFFW_METHOD_SCAN; i++) {
		if (w->buf[i] == ' ') {
			sp = i;
			break;
		}
	}
	if (!sp || sp + 1 >= to - 9)
		return false;
	v = w->buf + ((to - 9) & (XFFW_SCAN_MAX - 1));
	return v[0] == ' ' && v[1] == 'H' && v[2] == 'T' && v[3] == 'T' && v[4] == 'P' &&
	       v[5] == '/' && v[6] == '1' && v[7] == '.' && v[8] >= '0' && v[8] <= '9';
}

static __always_inline void note_method(struct xffw_dir_state *ds, const __u8 *b)
{
	if (b[0] == 'H' && b[1] == 'E' && b[2] == 'A' && b[3] == 'D' && b[4] == ' ')
		ds->hflags |= XFFW_HF_HEAD;
	else if (b[0] == 'C' && b[1] == 'O' && b[2] == 'N' && b[3] == 'N' && b[4] == 'E' &&
		 b[5] == 'C' && b[6] == 'T' && b[7] == ' ')
		ds->hflags |= XFFW_HF_CONNECT;
}

/* A final response to a request we saw: its record, and how its body is framed. */
static __always_inline void on_status(struct flow_ctx *c, struct xffw_dir_state *ds)
{
	struct xffw_flow *f = c->flow;
	struct xffw_record_hdr *h = &c->w->ctl;
	__u32 code = ds->status;
	bool orphan = f->dir[XFFW_DIR_REQUEST].msg <= ds->msg;
	__u64 bit = 1ULL << (ds->msg & 63);

	if (code < 200 && code != 101) {
		ds->hflags |= XFFW_HF_INTERIM;
		return;
	}
	/* Framing first: an orphan's body must be passed over as well. */
	if (code == 101 || (!orphan && (f->tunnel_mask & bit) && code < 300))
		ds->hflags |= XFFW_HF_UPGRADE;
	else if (code == 204 || code == 304 || (!orphan && (f->head_mask & bit)))
		ds->hflags |= XFFW_HF_NO_BODY;
	if (orphan) {
		ds->hflags |= XFFW_HF_ORPHAN;
		count(XFFW_CNT_ORPHAN_RESPONSES);
		return;
	}
	count(XFFW_CNT_RESPONSES);
	fill_hdr(h, c, XFFW_REC_RESPONSE, ds->start_ns);
	h->flags |= rec_flags_of(ds->hflags) & XFFW_REC_F_RESYNC;
	h->seq = ds->start_seq;
	h->msg = ds->msg;
	h->status = code;
	output(h, sizeof(*h));
}

/* Content-Length: digits between optional whitespace; a second one is an error. */
static __always_inline void content_length(struct work *w, struct xffw_dir_state *ds, __u64 from,
					   __u64 to)
{
	__u64 v = 0;

	for (int i = 0; i < 8 && from < to && is_ows(w->buf[from & (XFFW_SCAN_MAX - 1)]); i++)
		from++;
	for (int i = 0; i < 8 && to > from && is_ows(w->buf[(to - 1) & (XFFW_SCAN_MAX - 1)]); i++)
		to--;
	if (ds->hflags & XFFW_HF_CL || to <= from || to - from > 18)
		goto bad;
	for (int i = 0; i < 18; i++) {
		__u8 ch;

		if (from + i >= to)
			break;
		ch = w->buf[(from + i) & (XFFW_SCAN_MAX - 1)];
		if (ch < '0' || ch > '9')
			goto bad;
		v = v * 10 + (ch - '0');
	}
	ds->hflags |= XFFW_HF_CL;
	ds->remaining = v;
	return;
bad:
	ds->hflags |= XFFW_HF_BAD_FRAMING;
}

/* Transfer-Encoding: chunked when "chunked" is the last coding; any other is unusable. */
static __always_inline void transfer_encoding(struct work *w, struct xffw_dir_state *ds, __u64 from,
					      __u64 to)
{
	__u64 word;
	__u8 before;

	for (int i = 0; i < 8 && to > from && is_ows(w->buf[(to - 1) & (XFFW_SCAN_MAX - 1)]); i++)
		to--;
	if (to < from + 7) {
		ds->hflags |= XFFW_HF_BAD_FRAMING;
		return;
	}
	word = lower8(*(const __u64 *)(w->buf + ((to - 7) & (XFFW_SCAN_MAX - 1))));
	before = to - 7 > from ? w->buf[(to - 8) & (XFFW_SCAN_MAX - 1)] : ' ';
	if ((word & 0xffffffffffffffULL) == LIT("chunked", 0) && (is_ows(before) || before == ','))
		ds->hflags |= XFFW_HF_CHUNKED;
	else
		ds->hflags |= XFFW_HF_BAD_FRAMING;
}

/* The value [@from, @to) of a framing header; global, so verified once, whatever the caller. */
__noinline int xffw_framing(struct work *w, struct xffw_dir_state *ds, __u32 from, __u32 to,
			    __u32 id)
{
	if (!w || !ds || to > XFFW_SCAN_MAX || from > to)
		return 0;
	if (id == HDR_CONTENT_LENGTH)
		content_length(w, ds, from, to);
	else
		transfer_encoding(w, ds, from, to);
	return 0;
}

/*
 * A header line [@from, @to) of the window; @cut when it goes on past the
 * segment. Framing headers are read, wanted fields copied (requests only,
 * within the head budget), everything else passed over.
 */
static __always_inline void header_line(struct flow_ctx *c, struct xffw_dir_state *ds, __u64 from,
					__u64 to, bool cut)
{
	struct work *w = c->w;
	__u32 id, name_len = 0;

	if (cut)
		ds->cont = XFFW_CONT_SKIP;
	if (is_ows(w->buf[from & (XFFW_SCAN_MAX - 1)])) {
		ds->hflags |= XFFW_HF_OBS_FOLD;
		return;
	}
	id = match_header(w->buf + (from & (XFFW_SCAN_MAX - 1)), &name_len);
	if (!id || name_len > to - from)
		return;
	if (id == HDR_CONTENT_LENGTH || id == HDR_TRANSFER_ENCODING) {
		if (cut)
			ds->hflags |= XFFW_HF_BAD_FRAMING;
		else
			xffw_framing(w, ds, from + name_len, to, id);
		return;
	}
	if (w->ps.dir != XFFW_DIR_REQUEST || !(field_mask & (1U << (id & 31))))
		return;
	if (ds->head_bytes + (to - w->ps.carried) > head_budget) {
		ds->hflags |= XFFW_HF_BUDGET;
		return;
	}
	emit_piece(c, ds, id, from + name_len, to, cut ? XFFW_FIELD_F_CONT : 0);
	if (cut)
		ds->cont = id;
}

/* The first line of a message, whole (@cut false) or going on past the segment. */
static __always_inline void first_line(struct flow_ctx *c, struct xffw_dir_state *ds, __u64 to,
				       bool cut)
{
	struct work *w = c->w;

	ds->hflags |= XFFW_HF_LINE_DONE;
	if (w->ps.dir == XFFW_DIR_REQUEST) {
		if (cut ? !request_start_ok(w->buf, XFFW_METHOD_SCAN) : !is_request_line(w, to)) {
			bad_message(c);
			return;
		}
		note_method(ds, w->buf);
		emit_piece(c, ds, XFFW_F_REQUEST_LINE, 0, to, cut ? XFFW_FIELD_F_CONT : 0);
		if (cut)
			ds->cont = XFFW_F_REQUEST_LINE;
	} else {
		ds->status = status_code(w->buf, to);
		if (!ds->status) {
			bad_message(c);
			return;
		}
		if (cut)
			ds->cont = XFFW_CONT_SKIP;
		on_status(c, ds);
	}
	c->flow->seen_msg = 1;
}

/* xffw_line()'s fifth argument: BPF functions take at most five. */
#define LINE_SPAN(from, to, cut) ((__u64)(from) | (__u64)(to) << 16 | (__u64)(cut) << 32)

/*
 * One line of a head window, [@from, @to), @cut when it goes on past the
 * segment (or past a full window). A global function: the verifier checks it
 * once, with nothing known about its arguments, instead of once per path
 * that leads to it.
 */
__noinline int xffw_line(struct __sk_buff *skb, struct work *w, struct xffw_flow *f, __u64 span)
{
	struct flow_ctx c = { .skb = skb, .w = w, .flow = f };
	__u32 from = span & 0xffff, to = (span >> 16) & 0xffff, cut = span >> 32;
	struct xffw_dir_state *ds;
	__u32 id;

	if (!w || !f || from >= XFFW_SCAN_MAX || to > XFFW_SCAN_MAX || to < from)
		return 0;
	ds = dir_of(&c);
	/* A CR at the end is (the first half of) the line end. */
	if (to > from && w->buf[(to - 1) & (XFFW_SCAN_MAX - 1)] == '\r')
		to--;
	if (from == 0 && ds->cont) {
		/* The rest of a line cut by the previous segment, or more of it. */
		id = ds->cont;
		if (!cut)
			ds->cont = XFFW_CONT_NONE;
		if (id >= XFFW_F__MAX || to <= from)
			return 0;
		if (ds->head_bytes + (to - w->ps.carried) > head_budget) {
			/* A value that runs past the budget is cut there like any other. */
			ds->hflags |= XFFW_HF_BUDGET;
			if (cut)
				ds->cont = XFFW_CONT_SKIP;
			return 0;
		}
		emit_piece(&c, ds, id, from, to,
			   XFFW_FIELD_F_CONTINUED | (cut ? XFFW_FIELD_F_CONT : 0));
		return 0;
	}
	if (!(ds->hflags & XFFW_HF_LINE_DONE)) {
		if (from == 0)
			first_line(&c, ds, to, cut);
		return 0;
	}
	header_line(&c, ds, from, to, cut);
	return 0;
}

/*
 * Handles the lines that end at the bytes marked in @m (from newline_mask())
 * in the word at window offset @off, up to the blank line. Returns 1 when the
 * window is done (blank line, or the message turned out bad). Global:
 * verified once.
 */
__noinline int xffw_newlines(struct __sk_buff *skb, struct work *w, struct xffw_flow *f, __u64 off,
			     __u64 m)
{
	struct parse *ps;

	if (!w || !f)
		return 1;
	ps = &w->ps;
#pragma unroll
	for (int k = 0; k < 8; k++) {
		__u64 start = ps->line_start, pos;

		if (!m)
			break;
		pos = off + lowest_marked_byte(m);
		m &= m - 1;
		/* Blank line: "\n" or "\r\n" right after the previous line end. */
		if (pos == start ||
		    (pos == start + 1 && w->buf[(pos - 1) & (XFFW_SCAN_MAX - 1)] == '\r')) {
			ps->head_end = pos + 1;
			return 1;
		}
		/* (The window may begin inside a line: then the first one starts at 0.) */
		xffw_line(skb, w, f, LINE_SPAN(start == NO_LINE_START ? 0 : start, pos, 0));
		if (ps->done)
			return 1;
		ps->nlines++;
		ps->line_start = pos + 1;
	}
	return 0;
}

/*
 * One pass over a window, SCAN_STRIDE bytes per call: each line as its end is
 * found, up to the blank line. A word without a line end costs a handful of
 * instructions; only the window's last stride needs its tail masked.
 */
#define SCAN_STRIDE 64

static long find_lines(__u32 i, struct flow_ctx *c)
{
	struct work *w = c->w;
	__u64 off = (__u64)i * SCAN_STRIDE, wlen = w->ps.wlen, m;
	const __u64 *p;

	/* One register for check and use: the verifier bounds only the checked copy. */
	barrier_var(off);
	if (off >= XFFW_SCAN_MAX || off >= wlen)
		return 1;
	p = (const __u64 *)(w->buf + off);
	if (off + SCAN_STRIDE <= wlen) {
#pragma unroll
		for (int k = 0; k < SCAN_STRIDE / 8; k++) {
			m = newline_mask(p[k]);
			if (m && xffw_newlines(c->skb, w, c->flow, off + k * 8, m))
				return 1;
		}
		return 0;
	}
	/* The last stride: a bounded loop, its tail masked. */
	for (int k = 0; k < SCAN_STRIDE / 8; k++) {
		__u64 at = off + k * 8;

		if (at >= wlen)
			return 1;
		m = newline_mask(p[k]);
		if (wlen - at < 8)
			m &= (1ULL << ((wlen - at) * 8)) - 1;
		if (m && xffw_newlines(c->skb, w, c->flow, at, m))
			return 1;
	}
	return 1;
}

/* The head is over: write the request out or note the response, then follow the body. */
static __always_inline void finish_head(struct flow_ctx *c, struct xffw_dir_state *ds)
{
	struct xffw_flow *f = c->flow;
	__u16 hf = ds->hflags;

	if (c->w->ps.dir == XFFW_DIR_REQUEST) {
		__u64 bit = 1ULL << (ds->msg & 63);

		emit_part(c, ds, XFFW_REC_F_HEAD_END);
		f->head_mask = hf & XFFW_HF_HEAD ? f->head_mask | bit : f->head_mask & ~bit;
		f->tunnel_mask =
			hf & XFFW_HF_CONNECT ? f->tunnel_mask | bit : f->tunnel_mask & ~bit;
		ds->msg++;
		count(XFFW_CNT_REQUESTS);
		if (hf & XFFW_HF_BUDGET)
			count(XFFW_CNT_OVER_BUDGET);
		if (hf & XFFW_HF_BAD_FRAMING) {
			desync(c, XFFW_CNT_DESYNC);
			return;
		}
	} else {
		if (hf & XFFW_HF_INTERIM) {
			message_end(ds);
			return;
		}
		if (!(hf & XFFW_HF_ORPHAN))
			ds->msg++;
		if (hf & XFFW_HF_UPGRADE) {
			f->dir[XFFW_DIR_REQUEST].state = XFFW_PS_OPAQUE;
			ds->state = XFFW_PS_OPAQUE;
			return;
		}
		if (hf & XFFW_HF_NO_BODY) {
			message_end(ds);
			return;
		}
		if (hf & XFFW_HF_BAD_FRAMING) {
			ds->state = XFFW_PS_CLOSE;
			return;
		}
	}
	if (hf & XFFW_HF_CHUNKED) {
		ds->state = XFFW_PS_CHUNK_SIZE;
		ds->remaining = 0;
		ds->hflags &= ~(XFFW_HF_DIGITS | XFFW_HF_CR);
	} else if (hf & XFFW_HF_CL) {
		ds->state = ds->remaining ? XFFW_PS_BODY : XFFW_PS_IDLE;
	} else {
		ds->state = c->w->ps.dir == XFFW_DIR_REQUEST ? XFFW_PS_IDLE : XFFW_PS_CLOSE;
	}
}

/* One window of a head: find its lines, copy what is wanted, carry or cut the last. */
static __always_inline void step_head(struct flow_ctx *c, struct xffw_dir_state *ds)
{
	struct work *w = c->w;
	struct parse *ps = &w->ps;
	__u64 carry = ds->carry_len, avail = ps->len - ps->pos, take, wlen, last, used;
	bool seg_end;

	if (carry > XFFW_CARRY_MAX) {
		desync(c, XFFW_CNT_DESYNC);
		return;
	}
	take = avail < XFFW_SCAN_MAX - carry ? avail : XFFW_SCAN_MAX - carry;
	seg_end = take == avail;
	__builtin_memcpy(w->buf, ds->carry, XFFW_CARRY_MAX);
	/* bpf_skb_load_bytes needs a provably non-zero, bounded length. */
	barrier_var(take);
	if (take == 0 || take > XFFW_SCAN_MAX ||
	    bpf_skb_load_bytes(c->skb, ps->payload_off + ps->pos, w->buf + carry, take)) {
		count(XFFW_CNT_LOAD_FAILED);
		desync(c, XFFW_CNT_DESYNC);
		return;
	}
	wlen = carry + take;
	ps->wlen = wlen;
	ps->carried = carry;
	ds->carry_len = 0;
	ps->line_start = ds->cont ? NO_LINE_START : 0;
	ps->nlines = 0;
	ps->head_end = 0;

	/* Garbage is turned away before its first newline. */
	if (!(ds->hflags & XFFW_HF_LINE_DONE) && !ds->cont &&
	    !(ps->dir == XFFW_DIR_REQUEST ? request_prefix_ok(w->buf, wlen)
					  : status_prefix_ok(w->buf, wlen))) {
		bad_message(c);
		return;
	}
	bpf_loop((wlen + SCAN_STRIDE - 1) / SCAN_STRIDE, find_lines, c, 0);
	if (ps->done)
		return;

	if (ps->head_end) {
		used = ps->head_end - carry;
		ps->pos += used;
		ds->head_bytes += used;
		finish_head(c, ds);
		return;
	}
	last = ps->nlines ? ps->line_start : 0;
	if (ps->nlines && !seg_end) {
		/* The window is full: the next one starts with the line it cut. */
		if (last <= carry || last > wlen) {
			desync(c, XFFW_CNT_DESYNC);
			return;
		}
		used = last - carry;
	} else if (seg_end && wlen - last <= XFFW_CARRY_MAX && (ps->nlines || !ds->cont)) {
		/* A short line start: keep it for the next segment. */
		__u64 n = wlen - last;

		__builtin_memcpy(ds->carry, w->buf + (last & (XFFW_SCAN_MAX - 1)), XFFW_CARRY_MAX);
		/* Only the line's own bytes stay in the flow table. */
		for (int i = 0; i < XFFW_CARRY_MAX; i++)
			if (i >= (int)n)
				ds->carry[i] = 0;
		ds->carry_len = n;
		used = take;
	} else {
		xffw_line(c->skb, w, c->flow, LINE_SPAN(last, wlen, 1));
		if (ps->done)
			return;
		used = take;
	}
	ps->pos += used;
	ds->head_bytes += used;
	if (ds->head_bytes > XFFW_HEAD_HARD_MAX)
		desync(c, XFFW_CNT_DESYNC);
}

#endif
