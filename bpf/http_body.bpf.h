/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Bodies: of a known length, or chunked (chunk-size lines, chunk ends, trailers). */
#ifndef XFFW_HTTP_BODY_BPF_H
#define XFFW_HTTP_BODY_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xffwatch_abi.h"
#include "http_scan.bpf.h"
#include "parser_state.bpf.h"
#include "work.bpf.h"

/* Body bytes of known length (a Content-Length body or a chunk's data). */
static __always_inline void step_body(struct flow_ctx *c, struct xffw_dir_state *ds)
{
	struct parse *ps = &c->w->ps;
	__u64 n = ps->len - ps->pos;

	if (n > ds->remaining)
		n = ds->remaining;
	ps->pos += n;
	ds->remaining -= n;
	if (ds->remaining)
		return;
	if (ds->state == XFFW_PS_CHUNK_DATA) {
		ds->state = XFFW_PS_CHUNK_END;
		ds->hflags &= ~XFFW_HF_CR;
	} else {
		message_end(ds);
	}
}

/* One byte of chunked framing outside chunk data. */
static long chunk_byte(__u32 index, struct flow_ctx *c)
{
	struct work *w = c->w;
	struct parse *ps = &w->ps;
	struct xffw_dir_state *ds = dir_of(c);
	__u64 i = index;
	__u8 ch;
	int v;

	barrier_var(i);
	if (i >= SMALL_MAX)
		return 1;
	ch = w->small[i];
	switch (ds->state) {
	case XFFW_PS_CHUNK_SIZE:
		v = hex_value(ch);
		if (v >= 0) {
			if (ds->remaining >> 56)
				goto bad;
			ds->remaining = ds->remaining << 4 | v;
			ds->hflags |= XFFW_HF_DIGITS;
			return 0;
		}
		if (!(ds->hflags & XFFW_HF_DIGITS))
			goto bad;
		if (ch == '\n')
			goto line_end;
		if (ch == ';' || is_ows(ch) || ch == '\r') {
			ds->state = XFFW_PS_CHUNK_EXT;
			return 0;
		}
		goto bad;
	case XFFW_PS_CHUNK_EXT:
		if (ch != '\n')
			return 0;
		goto line_end;
	case XFFW_PS_CHUNK_END:
		if (ch == '\r' && !(ds->hflags & XFFW_HF_CR)) {
			ds->hflags |= XFFW_HF_CR;
			return 0;
		}
		if (ch != '\n')
			goto bad;
		ds->state = XFFW_PS_CHUNK_SIZE;
		ds->hflags &= ~(XFFW_HF_DIGITS | XFFW_HF_CR);
		ds->remaining = 0;
		return 0;
	case XFFW_PS_TRAILER:
		if (ch == '\n') {
			if (ds->hflags & XFFW_HF_LINE_START) {
				message_end(ds);
				ps->cpos = i + 1;
				return 1;
			}
			ds->hflags |= XFFW_HF_LINE_START;
		} else if (ch != '\r') {
			ds->hflags &= ~XFFW_HF_LINE_START;
		}
		return 0;
	default:
		ps->cpos = i;
		return 1;
	}
line_end:
	if (ds->remaining) {
		ds->state = XFFW_PS_CHUNK_DATA;
	} else {
		ds->state = XFFW_PS_TRAILER;
		ds->hflags |= XFFW_HF_LINE_START;
	}
	ps->cpos = i + 1;
	return 1;
bad:
	ps->bad = 1;
	return 1;
}

static __always_inline void step_chunk(struct flow_ctx *c)
{
	struct parse *ps = &c->w->ps;
	__u64 n = load_small(c, SMALL_MAX);

	if (!n)
		return;
	ps->cpos = n;
	ps->bad = 0;
	bpf_loop(n, chunk_byte, c, 0);
	if (ps->bad) {
		desync(c, XFFW_CNT_DESYNC);
		return;
	}
	ps->pos += ps->cpos & (SMALL_MAX * 2 - 1);
}

#endif
