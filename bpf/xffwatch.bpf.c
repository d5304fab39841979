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
#include <bpf/bpf_endian.h>
#include "xffwatch_abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TC_ACT_UNSPEC	(-1)
/* Slack after the scan window: word loads near its end stay inside the map value. */
#define SCAN_SLACK	64
/* Bytes looked at per step outside heads (message starts, chunk-size lines). */
#define SMALL_MAX	64
/*
 * Segments looked at on a flow picked up mid-stream before giving up on it: a
 * real HTTP flow picked up inside a long body needs as many to reach its next
 * message.
 */
#define SYNC_MISSES_MAX 64
/* A line start no newline can be at: the window begins inside a line. */
#define NO_LINE_START	(1U << 20)

/* Fields the daemon wants (bit per enum xffw_field_id); set before load. */
const volatile __u32 field_mask = ~0U;
/* Bytes of a request head whose fields are copied; set before load. */
const volatile __u32 head_budget = XFFW_HEAD_BUDGET;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XFFW_RINGBUF_SIZE);
} events SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xffw_port_set);
} watched_ports SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, XFFW_CNT__MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters SEC(".maps");

/* The daemon may resize it before load (--flows). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XFFW_FLOWS_DEFAULT);
	__type(key, struct xffw_flow_key);
	__type(value, struct xffw_flow);
} flows SEC(".maps");

/* Flow ids: unique for the life of the loaded program. */
__u64 last_flow_id = 0;

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

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

#include "packet.bpf.h"
#include "http_scan.bpf.h"

static __always_inline bool port_watched(__u16 port)
{
	__u32 zero = 0;
	struct xffw_port_set *set = bpf_map_lookup_elem(&watched_ports, &zero);

	if (!set)
		return false;
	return (set->bits[(port >> 6) & (XFFW_PORT_WORDS - 1)] >> (port & 63)) & 1;
}

static __always_inline struct xffw_dir_state *dir_of(struct flow_ctx *c)
{
	return &c->flow->dir[c->w->ps.dir & 1];
}

static __always_inline __u64 new_flow_id(void)
{
	return __sync_fetch_and_add(&last_flow_id, 1) + 1;
}

/* ------------------------------------------------------------------------ */
/* Records */

static __always_inline void fill_hdr(struct xffw_record_hdr *h, struct flow_ctx *c, __u8 type,
				     __u64 ts)
{
	struct work *w = c->w;

	h->ts_ns = ts;
	h->flow_id = c->flow->flow_id;
	h->abi_version = XFFW_ABI_VERSION;
	h->type = type;
	h->family = w->key.family;
	h->flags = w->ps.hook_flags;
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

/* Writes the fields gathered so far as the next part of the current request. */
static __always_inline void emit_part(struct flow_ctx *c, struct xffw_dir_state *ds, __u16 flags)
{
	struct work *w = c->w;
	struct xffw_record *rec = &w->rec;
	__u64 len = w->ps.data_len;

	fill_hdr(&rec->hdr, c, XFFW_REC_REQUEST, ds->start_ns);
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

__noinline int xffw_chunk(struct __sk_buff *skb, struct work *w, struct xffw_flow *f, __u64 span);

/* xffw_chunk()'s span: window offsets, field id and flags in one argument. */
#define CHUNK_SPAN(from, to, id, flags) \
	((__u64)(from) | (__u64)(to) << 16 | (__u64)(id) << 32 | (__u64)(flags) << 40)

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

/* ------------------------------------------------------------------------ */
/* Losing and giving up */

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

/* ------------------------------------------------------------------------ */
/* Message starts */

/*
 * A method token (uppercase letters, '-' or '_', 3 to 15 long) then SP:
 * the index of that SP, or 0.
 */
static __always_inline __u32 method_space(const __u8 *b, __u32 len)
{
	for (int i = 0; i < 16; i++) {
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
	for (int i = 0; i < 16; i++) {
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
	__u32 sp = method_space(b, n < 16 ? n : 16);
	__u8 ch;

	if (!sp || sp + 1 >= n)
		return false;
	ch = b[(sp + 1) & 15];
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
	if (!method_space(w->buf, 16))
		return false;
	/* The method's space must not be the version's. */
	for (int i = 3; i < 16; i++) {
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

/* ------------------------------------------------------------------------ */
/* Head lines */

static __always_inline bool is_ows(__u8 ch)
{
	return ch == ' ' || ch == '\t';
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
		if (cut ? !request_start_ok(w->buf, 16) : !is_request_line(w, to)) {
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

__noinline int xffw_line(struct __sk_buff *skb, struct work *w, struct xffw_flow *f, __u64 span);

/* xffw_line()'s fifth argument: BPF functions take at most five. */
#define LINE_SPAN(from, to, cut) ((__u64)(from) | (__u64)(to) << 16 | (__u64)(cut) << 32)

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

/* ------------------------------------------------------------------------ */
/* Steps: each one handles one thing at ps.pos */

static __always_inline void message_end(struct xffw_dir_state *ds)
{
	ds->state = XFFW_PS_IDLE;
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
	clear_message(ds);
	ds->state = XFFW_PS_HEAD;
	ds->hflags = ps->resync ? XFFW_HF_RESYNC : 0;
	ps->resync = 0;
	ds->start_ns = ps->now;
	ds->start_seq = ps->seq + ps->pos;
	ps->data_len = 0;
}

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

/* ------------------------------------------------------------------------ */
/* Segments and flows */

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
}

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
	f->last_ns = w->ps.now;
	f->dir[0].state = XFFW_PS_SYNC;
	f->dir[1].state = XFFW_PS_SYNC;
	return f;
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
	n->dir[0].state = XFFW_PS_IDLE;
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
	 */
	w->ps.hook_flags = skb->ingress_ifindex == skb->ifindex ? 0 : XFFW_REC_F_EGRESS;
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
