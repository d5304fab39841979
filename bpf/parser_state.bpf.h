/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Moves of a direction's parser state: a message ends or is forgotten, the
 * flow loses its place (desync) or is given up on (not HTTP).
 */
#ifndef XFFW_PARSER_STATE_BPF_H
#define XFFW_PARSER_STATE_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xffwatch_abi.h"
#include "counters.bpf.h"
#include "maps.bpf.h"
#include "records.bpf.h"
#include "work.bpf.h"

static __always_inline void message_end(struct xffw_dir_state *ds)
{
	ds->state = XFFW_PS_IDLE;
}

/* Forgets the message being parsed. */
static __always_inline void clear_message(struct xffw_dir_state *ds)
{
	ds->hflags = 0;
	ds->part = 0;
	ds->cont = XFFW_CONT_NONE;
	ds->carry_len = 0;
	ds->remaining = 0;
	ds->head_bytes = 0;
	ds->status = 0;
}

/* A head starts at sequence number @seq: the message's state from scratch. */
static __always_inline void begin_head(struct parse *ps, struct xffw_dir_state *ds, __u32 seq)
{
	clear_message(ds);
	ds->state = XFFW_PS_HEAD;
	ds->hflags = ps->resync ? XFFW_HF_RESYNC : 0;
	ps->resync = 0;
	ds->start_ns = ps->now;
	ds->start_seq = seq;
	ps->data_len = 0;
}

static __always_inline void reset_dir(struct xffw_dir_state *ds)
{
	clear_message(ds);
	ds->state = XFFW_PS_SYNC;
	ds->msg = 0;
}

/*
 * The parser lost its place (a gap in the sequence space, or framing it
 * cannot follow): end this flow for the daemon and start a new one on the
 * same connection, both directions waiting for a message start.
 */
static __always_inline void desync(struct flow_ctx *c, __u32 counter)
{
	struct xffw_flow *f = c->flow;

	count(counter);
	emit_ctl(c, XFFW_REC_FLOW_END, XFFW_END_DESYNC);
	f->flow_id = new_flow_id();
	f->head_mask = 0;
	f->tunnel_mask = 0;
	reset_dir(&f->dir[0]);
	reset_dir(&f->dir[1]);
	c->w->ps.done = 1;
	c->w->ps.data_len = 0;
}

static __always_inline void not_http(struct flow_ctx *c, __u32 reason)
{
	c->flow->not_http = reason;
	count(XFFW_CNT_NOT_HTTP_TLS + reason - XFFW_NOT_HTTP_TLS);
	emit_ctl(c, XFFW_REC_NOT_HTTP, reason);
	c->w->ps.done = 1;
	c->w->ps.data_len = 0;
}

/* What a flow whose first message is not HTTP/1.x speaks, from its first bytes. */
static __always_inline __u32 classify(const __u8 *b, __u32 n)
{
	static const char h2[] = "PRI * HTTP/2";

	if (n >= 2 && b[0] == 0x16 && b[1] == 0x03)
		return XFFW_NOT_HTTP_TLS;
	if (n < 3)
		return XFFW_NOT_HTTP_OTHER;
	for (int i = 0; i < (int)sizeof(h2) - 1; i++)
		if (i < (int)n && b[i] != h2[i])
			return XFFW_NOT_HTTP_OTHER;
	return XFFW_NOT_HTTP_H2;
}

/* A message start that does not parse: not HTTP if nothing ever did, else lost. */
static __always_inline void bad_message(struct flow_ctx *c)
{
	struct work *w = c->w;

	if (c->flow->seen_msg)
		desync(c, XFFW_CNT_DESYNC);
	else
		not_http(c, classify(w->buf, w->ps.wlen));
}

#endif
