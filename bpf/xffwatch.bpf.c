// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TC classifier: follows the HTTP/1.x connections of watched ports in both
 * directions and writes, for each request, its request line and a fixed
 * allow-list of header values, and for each response its status code, into a
 * ring buffer. Nothing else of the payload leaves the kernel.
 *
 * Each direction of a flow has a small parser state (include/xffwatch_abi.h)
 * in an LRU hash map: where the next message starts, how much body is left,
 * and a few bytes of a header line cut by a segment end. That is what lets a
 * head span segments, requests follow bodies, and retransmissions pass
 * without a second event.
 *
 * It never drops, delays or changes a packet: every path returns
 * TC_ACT_UNSPEC (TCX_NEXT), so later programs still run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xffwatch_abi.h"

/*
 * This file holds the entry point, the per-segment loop and its dispatch;
 * each topic has its header (cilium's bpf/lib style), in the order a
 * segment meets them:
 */
#include "packet.bpf.h"		/* L2 to L4 */
#include "maps.bpf.h"		/* load-time settings, ring buffer, ports, flow table */
#include "flows.bpf.h"		/* flow entries: made, adopted, ended */
#include "work.bpf.h"		/* the per-CPU work area */
#include "proxy_preamble.bpf.h" /* a PROXY protocol preamble at a connection's start */
#include "http_head.bpf.h"	/* message starts and head lines */
#include "http_body.bpf.h"	/* bodies and chunked framing */
#include "parser_state.bpf.h"	/* message ends, desync, not HTTP */
#include "records.bpf.h"	/* records to the daemon */
#include "counters.bpf.h"	/* per-CPU counters */

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TC_ACT_UNSPEC	 (-1)
/* Loopback's interface index, the same in every network namespace. */
#define LOOPBACK_IFINDEX 1
/*
 * Segments looked at on a flow picked up mid-stream before giving up on it: a
 * real HTTP flow picked up inside a long body needs as many to reach its next
 * message.
 */
#define SYNC_MISSES_MAX	 64

/* Lost: does this segment start a message? If not, it is passed over. */
static __always_inline void step_sync(struct flow_ctx *c, struct xffw_dir_state *ds)
{
	struct work *w = c->w;
	struct xffw_flow *f = c->flow;
	__u64 n = load_small(c, 16);
	bool ok;

	if (!n)
		return;
	ok = w->ps.dir == XFFW_DIR_REQUEST ? request_start_ok(w->small, n)
					   : status_code(w->small, n) != 0;
	if (!ok) {
		w->ps.done = 1;
		if (!f->seen_msg && ++f->sync_misses >= SYNC_MISSES_MAX)
			not_http(c, XFFW_NOT_HTTP_UNSYNCED);
		return;
	}
	ds->state = XFFW_PS_IDLE;
	w->ps.resync = 1;
}

/* Between messages: pass over empty lines, then start a head. */
static __always_inline void step_idle(struct flow_ctx *c, struct xffw_dir_state *ds)
{
	struct work *w = c->w;
	struct parse *ps = &w->ps;
	__u64 n = load_small(c, 16), k = 0;

	if (!n)
		return;
	for (int i = 0; i < 16; i++) {
		if (i >= (int)n || (w->small[i] != '\r' && w->small[i] != '\n'))
			break;
		k++;
	}
	ps->pos += k;
	if (k == n)
		return;
	begin_head(ps, ds, ps->seq + ps->pos);
}

/* One step of a segment's parse; a global function for the same reason as xffw_line. */
__noinline int xffw_step(struct __sk_buff *skb, struct work *w, struct xffw_flow *f)
{
	struct flow_ctx c = { .skb = skb, .w = w, .flow = f };
	struct xffw_dir_state *ds;
	struct parse *ps;

	if (!w || !f)
		return 1;
	ps = &w->ps;
	ds = dir_of(&c);
	if (ps->done || ps->pos >= ps->len)
		return 1;
	switch (ds->state) {
	case XFFW_PS_PREAMBLE:
		step_preamble(&c, ds);
		break;
	case XFFW_PS_SYNC:
		step_sync(&c, ds);
		break;
	case XFFW_PS_IDLE:
		step_idle(&c, ds);
		break;
	case XFFW_PS_HEAD:
		step_head(&c, ds);
		break;
	case XFFW_PS_BODY:
	case XFFW_PS_CHUNK_DATA:
		step_body(&c, ds);
		break;
	case XFFW_PS_CHUNK_SIZE:
	case XFFW_PS_CHUNK_EXT:
	case XFFW_PS_CHUNK_END:
	case XFFW_PS_TRAILER:
		step_chunk(&c);
		break;
	default: /* CLOSE, OPAQUE: nothing more to find on this flow */
		ps->pos = ps->len;
		break;
	}
	return 0;
}

static long step(__u32 i, struct flow_ctx *c)
{
	(void)i;
	return xffw_step(c->skb, c->w, c->flow) ? 1 : 0;
}

static __always_inline void on_payload(struct flow_ctx *c, struct pkt *p)
{
	struct work *w = c->w;
	struct parse *ps = &w->ps;
	struct xffw_dir_state *ds = dir_of(c);
	__u32 start = 0;
	bool gap = false;

	count(XFFW_CNT_SEGMENTS);
	if (c->flow->not_http)
		return;
	if (ds->synced) {
		__s32 ahead = (__s32)(p->seq - ds->next_seq);

		if (ahead > 0) {
			gap = true;
		} else if ((__s32)(p->seq + p->payload_len - ds->next_seq) <= 0) {
			count(XFFW_CNT_DUP_SEGMENTS);
			return;
		} else {
			start = -ahead;
		}
	} else if (c->flow->sock[w->ps.dir & 1].seen == XFFW_SOCK_UNSEEN) {
		/* Picked up mid-stream: this end's owner from its first packet seen. */
		take_sock(c->skb, &c->flow->sock[w->ps.dir & 1]);
	}
	ds->next_seq = p->seq + p->payload_len;
	ds->synced = 1;
	if (gap) {
		/* Bytes we never saw: whatever they held is lost; look for the next message. */
		desync(c, XFFW_CNT_GAPS);
		ps->done = 0;
	}
	ps->pos = start;
	bpf_loop(XFFW_MAX_STEPS, step, c, 0);
	if (!ps->done && ps->pos < ps->len) {
		count(XFFW_CNT_STEP_LIMIT);
		desync(c, XFFW_CNT_DESYNC);
		return;
	}
	if (ds->state == XFFW_PS_HEAD && ps->data_len)
		emit_part(c, ds, 0);
	pp_segment_end(c, ds);
}

static __always_inline void handle(struct __sk_buff *skb, struct pkt *p, __u32 dir)
{
	struct flow_ctx c = { .skb = skb };
	__u32 zero = 0;
	struct work *w;

	w = bpf_map_lookup_elem(&work_area, &zero);
	if (!w)
		return;
	c.w = w;
	/* The key names the connection from the client side, whichever way the segment goes. */
	if (dir == XFFW_DIR_REQUEST) {
		__builtin_memcpy(w->key.saddr, p->saddr, 16);
		__builtin_memcpy(w->key.daddr, p->daddr, 16);
		w->key.sport = p->sport;
		w->key.dport = p->dport;
	} else {
		__builtin_memcpy(w->key.saddr, p->daddr, 16);
		__builtin_memcpy(w->key.daddr, p->saddr, 16);
		w->key.sport = p->dport;
		w->key.dport = p->sport;
	}
	w->key.family = p->family;
	__builtin_memset(w->key.pad, 0, sizeof(w->key.pad));

	w->ps.now = bpf_ktime_get_ns();
	w->ps.dir = dir;
	w->ps.ifindex = skb->ifindex;
	/*
	 * One program serves both hooks. On ingress the kernel has just set the
	 * packet's input interface to this one; on egress it is another (or none,
	 * for local traffic), unless the packet hairpins out where it came in.
	 * Loopback is watched at egress only (where sockets are still attached),
	 * and every packet leaving it comes straight back in: called ingress.
	 */
	w->ps.hook_flags = skb->ingress_ifindex == skb->ifindex || skb->ifindex == LOOPBACK_IFINDEX
				   ? 0
				   : XFFW_REC_F_EGRESS;
	w->ps.payload_off = p->payload_off;
	w->ps.len = p->payload_len;
	w->ps.seq = p->seq;
	w->ps.pos = 0;
	w->ps.done = 0;
	w->ps.data_len = 0;
	w->ps.resync = 0;

	c.flow = bpf_map_lookup_elem(&flows, &w->key);
	if (p->tcp_flags & TCP_SYN) {
		if (!on_syn(&c, p) || !p->payload_len)
			return;
		/* TCP Fast Open: data on the SYN, from the byte after it. */
		c.flow = bpf_map_lookup_elem(&flows, &w->key);
		if (!c.flow)
			return;
		p->seq += 1;
		on_payload(&c, p);
		return;
	}
	if (!c.flow) {
		if (!p->payload_len || (p->tcp_flags & TCP_RST))
			return;
		c.flow = adopt(w);
		if (!c.flow)
			return;
	}
	c.flow->last_ns = w->ps.now; /* (bare ACKs do not get this far) */
	if (p->payload_len)
		on_payload(&c, p);
	if (p->tcp_flags & TCP_RST) {
		end_flow(&c, XFFW_END_RST);
	} else if (p->tcp_flags & TCP_FIN) {
		c.flow->flags |=
			dir == XFFW_DIR_REQUEST ? XFFW_FLOW_FIN_REQUEST : XFFW_FLOW_FIN_RESPONSE;
		if ((c.flow->flags & (XFFW_FLOW_FIN_REQUEST | XFFW_FLOW_FIN_RESPONSE)) ==
		    (XFFW_FLOW_FIN_REQUEST | XFFW_FLOW_FIN_RESPONSE))
			end_flow(&c, XFFW_END_FIN);
	}
}

SEC("tc")
int xffwatch_tc(struct __sk_buff *skb)
{
	struct pkt p = {};

	if (parse_packet(skb, &p))
		return TC_ACT_UNSPEC;
	/* Most packets of a connection are bare ACKs: nothing to follow in them. */
	if (!p.payload_len && !(p.tcp_flags & (TCP_SYN | TCP_FIN | TCP_RST)))
		return TC_ACT_UNSPEC;
	if (port_watched(p.dport))
		handle(skb, &p, XFFW_DIR_REQUEST);
	else if (port_watched(p.sport))
		handle(skb, &p, XFFW_DIR_RESPONSE);
	return TC_ACT_UNSPEC;
}
