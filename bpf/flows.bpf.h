/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Entries of the flow table: made by a SYN or by data mid-stream, removed at the end. */
#ifndef XFFW_FLOWS_BPF_H
#define XFFW_FLOWS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xffwatch_abi.h"
#include "counters.bpf.h"
#include "maps.bpf.h"
#include "packet.bpf.h"
#include "records.bpf.h"
#include "work.bpf.h"

static __always_inline void end_flow(struct flow_ctx *c, __u16 reason)
{
	emit_ctl(c, XFFW_REC_FLOW_END, reason);
	/* Counted only when it was still there, so that evictions can be worked out. */
	if (!bpf_map_delete_elem(&flows, &c->w->key))
		count(XFFW_CNT_FLOW_ENDS);
}

/* A new flow in the work area: both directions lost until told otherwise. */
static __always_inline struct xffw_flow *fresh_flow(struct work *w)
{
	struct xffw_flow *f = &w->fresh;

	__builtin_memset(f, 0, sizeof(*f));
	f->flow_id = new_flow_id();
	f->conn_id = f->flow_id;
	f->last_ns = w->ps.now;
	f->dir[0].state = XFFW_PS_SYNC;
	f->dir[1].state = XFFW_PS_SYNC;
	return f;
}

/*
 * Who owns the socket that sent this packet: a SYN, a SYN-ACK, or the first
 * packet of each end of a connection picked up mid-stream (never later ones).
 * A packet keeps its socket even across a veth into another network
 * namespace, so the socket is taken only from a packet this namespace sent:
 * one never received here has no input interface. The helpers look through a
 * SYN-ACK's request socket to its listener.
 */
static __always_inline void take_sock(struct __sk_buff *skb, struct xffw_sock_id *id)
{
	if (!skb->sk || skb->ingress_ifindex) {
		id->seen = XFFW_SOCK_NONE;
		return;
	}
	id->uid = bpf_get_socket_uid(skb);
	id->cgroup_id = bpf_skb_cgroup_id(skb);
	id->seen = XFFW_SOCK_LOCAL;
}

/* A SYN or SYN-ACK. Returns true when it started a new flow. */
static __always_inline bool on_syn(struct flow_ctx *c, struct pkt *p)
{
	struct work *w = c->w;
	struct xffw_flow *f = c->flow, *n;

	if (w->ps.dir == XFFW_DIR_RESPONSE) {
		/* SYN-ACK: the response direction starts at the next byte (once). */
		if (f && (p->tcp_flags & TCP_ACK) && !f->dir[1].synced) {
			f->dir[1].next_seq = p->seq + 1;
			f->dir[1].synced = 1;
			take_sock(c->skb, &f->sock[XFFW_DIR_RESPONSE]);
			if (f->dir[1].state == XFFW_PS_SYNC)
				f->dir[1].state = XFFW_PS_IDLE;
		}
		return false;
	}
	if (p->tcp_flags & TCP_ACK)
		return false;
	if (f) {
		if ((f->flags & XFFW_FLOW_ISN) && f->isn == p->seq)
			return false; /* a retransmitted SYN, however late */
		count(XFFW_CNT_FLOW_ENDS);
		emit_ctl(c, XFFW_REC_FLOW_END, XFFW_END_REUSED);
	}
	n = fresh_flow(w);
	n->isn = p->seq;
	n->flags = XFFW_FLOW_ISN;
	n->dir[0].next_seq = p->seq + 1;
	n->dir[0].synced = 1;
	/* Seen from its start: the client's first bytes may be a PROXY preamble. */
	n->dir[0].state = XFFW_PS_PREAMBLE;
	take_sock(c->skb, &n->sock[XFFW_DIR_REQUEST]);
	if (bpf_map_update_elem(&flows, &w->key, n, BPF_ANY)) {
		count(XFFW_CNT_FLOWS_FULL);
		return false;
	}
	count(XFFW_CNT_FLOWS);
	return true;
}

/* Data on a flow we do not know: picked up mid-stream. */
static __always_inline struct xffw_flow *adopt(struct work *w)
{
	struct xffw_flow *f;

	if (bpf_map_update_elem(&flows, &w->key, fresh_flow(w), BPF_NOEXIST)) {
		count(XFFW_CNT_FLOWS_FULL);
		return NULL;
	}
	f = bpf_map_lookup_elem(&flows, &w->key);
	if (f) {
		count(XFFW_CNT_FLOWS);
		count(XFFW_CNT_FLOWS_ADOPTED);
	}
	return f;
}

#endif
