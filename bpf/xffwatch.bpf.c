// SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause)
/*
 * TC classifier: finds the start of HTTP/1.x requests on watched ports and
 * copies the request line and a fixed allow-list of header values into a ring
 * buffer record. It never drops, delays or changes a packet: every path
 * returns TC_ACT_UNSPEC (TCX_NEXT), so later programs still run.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xffwatch_abi.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

#define TC_ACT_UNSPEC	  (-1)
#define ETH_HLEN	  14
#define ETH_P_IP	  0x0800
#define ETH_P_IPV6	  0x86DD
#define ETH_P_8021Q	  0x8100
#define ETH_P_8021AD	  0x88A8
#define IPPROTO_TCP_NR	  6
#define IP_MF		  0x2000
#define IP_OFFSET	  0x1FFF
#define IPV6_MAX_EXT_HDRS 4
/* Slack after the scan window: word loads near its end stay inside the map value. */
#define SCAN_SLACK	  64
/* Shortest request line we accept: "GET / HTTP/1.1". */
#define MIN_REQUEST_LINE  14

/* Fields the daemon wants (bit per enum xffw_field_id); set before load. */
const volatile __u32 field_mask = ~0U;

struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 4 << 20);
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

/*
 * Per-CPU work area: too big for the 512-byte stack. TC programs on one CPU
 * do not nest (they run with bottom halves disabled), so one area per CPU is
 * enough.
 */
struct work {
	__u8 buf[XFFW_SCAN_MAX + SCAN_SLACK];
	__u16 line_end[XFFW_MAX_LINES];
	struct xffw_record rec;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct work);
} work_area SEC(".maps");

struct pkt {
	__u32 payload_off;
	__u32 payload_len;
	__u32 seq;
	__u16 sport;
	__u16 dport;
	__u8 family;
	__u8 saddr[16];
	__u8 daddr[16];
};

struct scan {
	struct __sk_buff *skb;
	struct work *w;
	__u32 payload_off;
	__u32 len;	  /* bytes in w->buf */
	__u32 line_start; /* offset of the line being looked for */
	__u32 nlines;
	__u32 head_end; /* offset after the blank line, 0 until found */
	__u32 data_len;
	__u16 rec_flags;
	__u8 not_http;
	__u8 truncated;
};

static __always_inline void count(__u32 idx)
{
	__u64 *v = bpf_map_lookup_elem(&counters, &idx);

	if (v)
		*v += 1;
}

/*
 * Like the kernel's skb_header_pointer(): a direct pointer when the bytes are
 * in the linear area, else a copy in @buf. NULL when the packet is shorter.
 */
static __always_inline void *hdr_ptr(struct __sk_buff *skb, __u32 off, __u32 len, void *buf)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;

	/* The verifier needs a known upper bound on the offset it adds to data. */
	if (off > 0xffff)
		return NULL;
	if (data + off + len <= data_end)
		return data + off;
	if (bpf_skb_load_bytes(skb, off, buf, len))
		return NULL;
	return buf;
}

static __always_inline bool port_watched(__u16 port)
{
	__u32 zero = 0;
	struct xffw_port_set *set = bpf_map_lookup_elem(&watched_ports, &zero);

	if (!set)
		return false;
	return (set->bits[(port >> 6) & (XFFW_PORT_WORDS - 1)] >> (port & 63)) & 1;
}

/* Parses Ethernet (up to two VLAN tags), IPv4/IPv6 and TCP. 0 on a TCP segment. */
static __always_inline int parse_packet(struct __sk_buff *skb, struct pkt *p)
{
	union {
		struct ethhdr eth;
		struct vlan_hdr vlan;
		struct iphdr ip4;
		struct ipv6hdr ip6;
		struct ipv6_opt_hdr opt;
		struct tcphdr tcp;
	} buf;
	struct ethhdr *eth;
	struct tcphdr *tcp;
	__u32 off = ETH_HLEN, l3_end;
	__u16 proto;

	eth = hdr_ptr(skb, 0, sizeof(*eth), &buf);
	if (!eth)
		return -1;
	proto = eth->h_proto;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_hdr *vh;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		vh = hdr_ptr(skb, off, sizeof(*vh), &buf);
		if (!vh)
			return -1;
		proto = vh->h_vlan_encapsulated_proto;
		off += sizeof(*vh);
	}

	if (proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = hdr_ptr(skb, off, sizeof(*ip), &buf);
		__u32 ihl, tot;

		if (!ip)
			return -1;
		if (ip->protocol != IPPROTO_TCP_NR)
			return -1;
		ihl = ip->ihl * 4;
		tot = bpf_ntohs(ip->tot_len);
		if (ip->version != 4 || ihl < sizeof(*ip)) {
			count(XFFW_CNT_MALFORMED);
			return -1;
		}
		if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)) {
			count(XFFW_CNT_FRAGMENTS);
			return -1;
		}
		p->family = XFFW_FAMILY_IPV4;
		__builtin_memcpy(p->saddr, &ip->saddr, 4);
		__builtin_memcpy(p->daddr, &ip->daddr, 4);
		/* tot_len 0 is a GSO/BIG TCP packet: the skb length is the bound. */
		l3_end = tot ? off + tot : skb->len;
		off += ihl;
	} else if (proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = hdr_ptr(skb, off, sizeof(*ip6), &buf);
		__u32 plen;
		__u8 next;

		if (!ip6)
			return -1;
		next = ip6->nexthdr;
		plen = bpf_ntohs(ip6->payload_len);
		p->family = XFFW_FAMILY_IPV6;
		__builtin_memcpy(p->saddr, &ip6->saddr, 16);
		__builtin_memcpy(p->daddr, &ip6->daddr, 16);
		off += sizeof(*ip6);
		l3_end = plen ? off + plen : skb->len;
#pragma unroll
		for (int i = 0; i < IPV6_MAX_EXT_HDRS; i++) {
			struct ipv6_opt_hdr *opt;

			if (next == 44 /* fragment */) {
				count(XFFW_CNT_FRAGMENTS);
				return -1;
			}
			if (next != 0 /* hop-by-hop */ && next != 43 /* routing */ &&
			    next != 60 /* destination options */ && next != 51 /* AH */)
				break;
			opt = hdr_ptr(skb, off, sizeof(*opt), &buf);
			if (!opt)
				return -1;
			/* AH counts its length in 4-byte units, minus 2; the others in 8-byte units, minus 1. */
			off += next == 51 ? (opt->hdrlen + 2) * 4 : (opt->hdrlen + 1) * 8;
			next = opt->nexthdr;
		}
		if (next != IPPROTO_TCP_NR)
			return -1;
	} else {
		return -1;
	}

	tcp = hdr_ptr(skb, off, sizeof(*tcp), &buf);
	if (!tcp)
		return -1;
	p->sport = bpf_ntohs(tcp->source);
	p->dport = bpf_ntohs(tcp->dest);
	p->seq = bpf_ntohl(tcp->seq);
	if (tcp->doff < 5) {
		count(XFFW_CNT_MALFORMED);
		return -1;
	}
	off += tcp->doff * 4;
	if (l3_end > skb->len)
		l3_end = skb->len;
	if (off > l3_end) {
		count(XFFW_CNT_MALFORMED);
		return -1;
	}
	p->payload_off = off;
	p->payload_len = l3_end - off;
	return 0;
}

/*
 * A method token (uppercase letters, '-' or '_', 3 to 15 long) then SP:
 * the index of that SP, or 0.
 */
static __always_inline __u32 method_space(const __u8 *b, __u32 len)
{
	/* A bounded loop: the verifier walks its at most 16 iterations. */
	for (int i = 0; i < 16; i++) {
		__u8 c = b[i];

		if (i >= (int)len)
			return 0;
		if (c == ' ')
			return i >= 3 ? i : 0;
		if (!((c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
			return 0;
	}
	return 0;
}

/* High bit of each byte of the result is set where @w has a '\n'. Exact. */
static __always_inline __u64 newline_mask(__u64 w)
{
	__u64 t = w ^ 0x0a0a0a0a0a0a0a0aULL;
	__u64 m = ((t & 0x7f7f7f7f7f7f7f7fULL) + 0x7f7f7f7f7f7f7f7fULL) | t;

	return ~(m | 0x7f7f7f7f7f7f7f7fULL);
}

/*
 * Index of the lowest byte whose high bit is set in a non-zero @m. Branch-free:
 * a branchy version gives the verifier eight distinct offsets per newline to
 * explore, eight newlines deep, and it gives up.
 */
static __always_inline __u64 lowest_marked_byte(__u64 m)
{
	__u64 low = (m & -m) >> 7; /* 1 << (8 * index) */

	return (low * 0x0001020304050607ULL) >> 56;
}

/* Pass 1, one 8-byte word per call: record line ends up to the blank line. */
static long find_lines(__u32 i, struct scan *s)
{
	struct work *w = s->w;
	__u64 off = (__u64)i * 8;
	__u64 word, m;

	/* One register for check and use: the verifier bounds only the checked copy. */
	barrier_var(off);
	/* Bound for the verifier: callbacks get an unknown index. */
	if (off >= XFFW_SCAN_MAX || off >= s->len)
		return 1;
	word = *(__u64 *)(w->buf + off);
	m = newline_mask(word);
	if (s->len - off < 8)
		m &= (1ULL << ((s->len - off) * 8)) - 1;

#pragma unroll
	for (int k = 0; k < 8; k++) {
		__u32 start = s->line_start, n = s->nlines;
		__u64 pos;

		if (!m)
			break;
		pos = off + lowest_marked_byte(m);
		m &= m - 1;
		/* Blank line: "\n" or "\r\n" right after the previous line end. */
		if (pos == start ||
		    (pos == start + 1 && w->buf[(pos - 1) & (XFFW_SCAN_MAX - 1)] == '\r')) {
			s->head_end = pos + 1;
			return 1;
		}
		if (n >= XFFW_MAX_LINES) {
			s->rec_flags |= XFFW_REC_F_LINES_LIMIT;
			return 1;
		}
		w->line_end[n] = pos;
		s->nlines = n + 1;
		s->line_start = pos + 1;
	}
	return 0;
}

/* ASCII letters to lower case, eight at a time; other bytes unchanged. */
static __always_inline __u64 lower8(__u64 w)
{
	__u64 h = w & 0x7f7f7f7f7f7f7f7fULL;
	__u64 ge_a = h + 0x3f3f3f3f3f3f3f3fULL; /* bit 7 set where byte >= 'A' */
	__u64 gt_z = h + 0x2525252525252525ULL; /* bit 7 set where byte > 'Z' */
	__u64 upper = (ge_a ^ gt_z) & ~w & 0x8080808080808080ULL;

	return w | (upper >> 2);
}

/* Little-endian word of up to eight characters of a literal (folded by clang). */
#define LIT(s, o)                                                      \
	((__u64)(sizeof(s) > (o) + 1 ? (__u8)(s)[(o) + 0] : 0) |       \
	 (__u64)(sizeof(s) > (o) + 2 ? (__u8)(s)[(o) + 1] : 0) << 8 |  \
	 (__u64)(sizeof(s) > (o) + 3 ? (__u8)(s)[(o) + 2] : 0) << 16 | \
	 (__u64)(sizeof(s) > (o) + 4 ? (__u8)(s)[(o) + 3] : 0) << 24 | \
	 (__u64)(sizeof(s) > (o) + 5 ? (__u8)(s)[(o) + 4] : 0) << 32 | \
	 (__u64)(sizeof(s) > (o) + 6 ? (__u8)(s)[(o) + 5] : 0) << 40 | \
	 (__u64)(sizeof(s) > (o) + 7 ? (__u8)(s)[(o) + 6] : 0) << 48 | \
	 (__u64)(sizeof(s) > (o) + 8 ? (__u8)(s)[(o) + 7] : 0) << 56)
/* Mask of the bytes of a literal that fall into the word at offset @o. */
#define LITMASK(s, o)                     \
	(sizeof(s) - 1 >= (o) + 8 ? ~0ULL \
	 : sizeof(s) - 1 <= (o)	  ? 0ULL  \
				  : (1ULL << ((sizeof(s) - 1 - (o)) * 8)) - 1)
/* Does a lower-cased line start (three words) begin with the literal @s? */
#define NAME_IS(w0, w1, w2, s)                                                     \
	(((w0)&LITMASK(s, 0)) == LIT(s, 0) && ((w1)&LITMASK(s, 8)) == LIT(s, 8) && \
	 ((w2)&LITMASK(s, 16)) == LIT(s, 16))

/* Which wanted header a line starts with; 0 for none. Sets *@name_len. */
static __always_inline __u32 match_header(const __u8 *line, __u32 *name_len)
{
	__u64 w0 = lower8(*(const __u64 *)line);
	__u64 w1, w2;

#define MATCH(str, id)                               \
	do {                                         \
		if (NAME_IS(w0, w1, w2, str)) {      \
			*name_len = sizeof(str) - 1; \
			return id;                   \
		}                                    \
	} while (0)

	switch (w0 & 0xff) {
	case 'h':
		w1 = w2 = 0;
		MATCH("host:", XFFW_F_HOST);
		return 0;
	case 'v':
		w1 = w2 = 0;
		MATCH("via:", XFFW_F_VIA);
		return 0;
	case 'u':
		w1 = lower8(*(const __u64 *)(line + 8));
		w2 = 0;
		MATCH("user-agent:", XFFW_F_USER_AGENT);
		return 0;
	case 'f':
		w1 = lower8(*(const __u64 *)(line + 8));
		w2 = 0;
		MATCH("forwarded:", XFFW_F_FORWARDED);
		return 0;
	case 't':
		w1 = lower8(*(const __u64 *)(line + 8));
		w2 = 0;
		MATCH("true-client-ip:", XFFW_F_TRUE_CLIENT_IP);
		return 0;
	case 'c':
		w1 = lower8(*(const __u64 *)(line + 8));
		w2 = lower8(*(const __u64 *)(line + 16));
		MATCH("cf-connecting-ip:", XFFW_F_CF_CONNECTING_IP);
		return 0;
	case 'x':
		w1 = lower8(*(const __u64 *)(line + 8));
		w2 = lower8(*(const __u64 *)(line + 16));
		MATCH("x-real-ip:", XFFW_F_X_REAL_IP);
		MATCH("x-forwarded-for:", XFFW_F_X_FORWARDED_FOR);
		MATCH("x-forwarded-host:", XFFW_F_X_FORWARDED_HOST);
		MATCH("x-forwarded-port:", XFFW_F_X_FORWARDED_PORT);
		MATCH("x-forwarded-proto:", XFFW_F_X_FORWARDED_PROTO);
		return 0;
	}
	return 0;
#undef MATCH
}

static __always_inline bool is_chain_field(__u32 id)
{
	return id == XFFW_F_X_FORWARDED_FOR || id == XFFW_F_FORWARDED || id == XFFW_F_VIA ||
	       id == XFFW_F_X_REAL_IP || id == XFFW_F_CF_CONNECTING_IP ||
	       id == XFFW_F_TRUE_CLIENT_IP;
}

/*
 * Appends field @id with the payload bytes [@from, @to) to the record. Values
 * over XFFW_VALUE_MAX keep their end for chain headers (the trust walk starts
 * at the right) and their beginning otherwise.
 */
static __always_inline void emit_field(struct scan *s, __u32 id, __u32 from, __u32 to)
{
	struct xffw_record *rec = &s->w->rec;
	__u32 off = s->data_len, len = to > from ? to - from : 0, room;
	__u8 flags = 0;
	__u8 *dst;

	if (len > XFFW_VALUE_MAX) {
		if (is_chain_field(id)) {
			from = to - XFFW_VALUE_MAX;
			flags |= XFFW_FIELD_F_TRUNC_HEAD;
		} else {
			flags |= XFFW_FIELD_F_TRUNC_TAIL;
		}
		len = XFFW_VALUE_MAX;
	}
	if (off + sizeof(struct xffw_field_hdr) >= XFFW_DATA_MAX) {
		s->rec_flags |= XFFW_REC_F_DATA_FULL;
		return;
	}
	room = XFFW_DATA_MAX - off - sizeof(struct xffw_field_hdr);
	if (len > room) {
		if (is_chain_field(id)) {
			from += len - room;
			flags |= XFFW_FIELD_F_TRUNC_HEAD;
		} else {
			flags |= XFFW_FIELD_F_TRUNC_TAIL;
		}
		len = room;
	}
	if (flags)
		s->truncated = 1;

	/*
	 * Masks that change nothing but give the verifier independent bounds on
	 * offset and length, which the slack in data[] covers together. The
	 * barriers keep clang from dropping them as redundant.
	 */
	barrier_var(off);
	off &= XFFW_DATA_OFF_MASK;
	barrier_var(len);
	len &= XFFW_DATA_LEN_MASK;
	dst = rec->data + off;
	dst[0] = id;
	dst[1] = flags;
	dst[2] = len & 0xff;
	dst[3] = len >> 8;
	if (len && bpf_skb_load_bytes(s->skb, s->payload_off + from, dst + 4, len))
		return;
	s->data_len = off + sizeof(struct xffw_field_hdr) + len;
}

/* Is the line [@from, @to) a request line ending in " HTTP/1.x"? */
/* Is the line [@from, @to) "METHOD SP target SP HTTP/1.x", with a target? */
static __always_inline bool is_request_line(struct work *w, __u32 from, __u32 to)
{
	const __u8 *v;
	__u32 sp = 0;

	if (to - from < MIN_REQUEST_LINE || to < 9 || to > XFFW_SCAN_MAX || from != 0)
		return false;
	/* The method's space (within 16 bytes: the method was checked) must not be the version's. */
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

/*
 * For a request line that does not end in its segment, only its start is
 * there to check: after "METHOD " must come an origin-form path, "*", an
 * absolute-form URI, or (for CONNECT) an authority. Keeps a body segment
 * that happens to start with capitals from passing for a request.
 */
static __always_inline bool plausible_target(struct work *w, const __u8 *first, __u32 n)
{
	__u32 sp = method_space(first, n < 16 ? n : 16);
	__u8 c;

	if (!sp || sp + 1 >= n || sp + 1 >= XFFW_SCAN_MAX)
		return false;
	c = w->buf[(sp + 1) & (XFFW_SCAN_MAX - 1)];
	if (sp == 7 && first[0] == 'C' && first[1] == 'O' && first[2] == 'N' && first[3] == 'N' &&
	    first[4] == 'E' && first[5] == 'C' && first[6] == 'T')
		return true;
	return c == '/' || c == '*' || c == 'h' || c == 'H';
}

/* Pass 2, one line per call: copy the request line and the wanted headers. */
static long copy_line(__u32 index, struct scan *s)
{
	struct work *w = s->w;
	__u32 from, to, id, name_len = 0;
	__u64 i = index;
	__u8 c0;

	/* One register for check and use: the verifier bounds only the checked copy. */
	barrier_var(i);
	if (i >= XFFW_MAX_LINES)
		return 1;
	from = i ? w->line_end[(i - 1) & (XFFW_MAX_LINES - 1)] + 1U : 0;
	to = w->line_end[i];
	if (from >= XFFW_SCAN_MAX || to >= XFFW_SCAN_MAX || to < from)
		return 1;
	if (to > from && w->buf[(to - 1) & (XFFW_SCAN_MAX - 1)] == '\r')
		to--;

	if (i == 0) {
		if (!is_request_line(w, from, to)) {
			s->not_http = 1;
			return 1;
		}
		emit_field(s, XFFW_F_REQUEST_LINE, from, to);
		return 0;
	}

	c0 = w->buf[from];
	if (c0 == ' ' || c0 == '\t') {
		s->rec_flags |= XFFW_REC_F_OBS_FOLD;
		return 0;
	}
	id = match_header(w->buf + from, &name_len);
	if (!id || !(field_mask & (1U << id)))
		return 0;
	emit_field(s, id, from + name_len, to);
	return 0;
}

static __always_inline void handle_request(struct __sk_buff *skb, struct pkt *p)
{
	struct xffw_record *rec;
	struct scan s = {};
	__u32 zero = 0, len, size;
	struct work *w;
	__u64 win;
	__u8 first[16] = {};

	count(XFFW_CNT_SEGMENTS);
	win = p->payload_len < sizeof(first) ? p->payload_len : sizeof(first);
	barrier_var(win);
	if (win < 4 || win > sizeof(first) || bpf_skb_load_bytes(skb, p->payload_off, first, win) ||
	    !method_space(first, win)) {
		count(XFFW_CNT_NOT_HTTP);
		return;
	}

	w = bpf_map_lookup_elem(&work_area, &zero);
	win = p->payload_len < XFFW_SCAN_MAX ? p->payload_len : XFFW_SCAN_MAX;
	/* bpf_skb_load_bytes needs a provably non-zero, bounded length. */
	barrier_var(win);
	if (!w || win == 0 || win > XFFW_SCAN_MAX ||
	    bpf_skb_load_bytes(skb, p->payload_off, w->buf, win)) {
		count(XFFW_CNT_LOAD_FAILED);
		return;
	}
	len = win;

	s.skb = skb;
	s.w = w;
	s.payload_off = p->payload_off;
	s.len = len;
	bpf_loop((len + 7) / 8, find_lines, &s, 0);
	if (!s.head_end) {
		s.rec_flags |= XFFW_REC_F_HEAD_INCOMPLETE;
		if (p->payload_len > XFFW_SCAN_MAX)
			s.rec_flags |= XFFW_REC_F_SCAN_LIMIT;
	}

	if (s.nlines) {
		bpf_loop(s.nlines, copy_line, &s, 0);
	} else if (plausible_target(w, first, len)) {
		/* The request line itself does not end in the segment. */
		emit_field(&s, XFFW_F_REQUEST_LINE, 0, len);
	} else {
		s.not_http = 1;
	}
	if (s.not_http) {
		count(XFFW_CNT_NOT_HTTP);
		return;
	}

	rec = &w->rec;
	rec->hdr.ts_ns = bpf_ktime_get_ns();
	rec->hdr.abi_version = XFFW_ABI_VERSION;
	rec->hdr.type = XFFW_REC_REQUEST;
	rec->hdr.family = p->family;
	rec->hdr.flags = s.rec_flags;
	rec->hdr.data_len = s.data_len;
	rec->hdr.ifindex = skb->ifindex;
	rec->hdr.seq = p->seq;
	rec->hdr.payload_len = p->payload_len;
	rec->hdr.head_len = s.head_end ? s.head_end : len;
	rec->hdr.sport = p->sport;
	rec->hdr.dport = p->dport;
	rec->hdr.pad = 0;
	rec->hdr.reserved = 0;
	__builtin_memcpy(rec->hdr.saddr, p->saddr, 16);
	__builtin_memcpy(rec->hdr.daddr, p->daddr, 16);

	if (s.rec_flags & XFFW_REC_F_HEAD_INCOMPLETE)
		count(XFFW_CNT_HEAD_INCOMPLETE);
	if (s.truncated || (s.rec_flags & (XFFW_REC_F_DATA_FULL | XFFW_REC_F_LINES_LIMIT)))
		count(XFFW_CNT_TRUNCATED);

	size = sizeof(rec->hdr) + s.data_len;
	if (size > sizeof(*rec))
		return;
	if (bpf_ringbuf_output(&events, rec, size, 0)) {
		count(XFFW_CNT_RINGBUF_LOSS);
		return;
	}
	count(XFFW_CNT_REQUESTS);
}

SEC("tc")
int xffwatch_tc(struct __sk_buff *skb)
{
	struct pkt p = {};

	if (parse_packet(skb, &p))
		return TC_ACT_UNSPEC;
	if (p.payload_len == 0 || !port_watched(p.dport))
		return TC_ACT_UNSPEC;
	handle_request(skb, &p);
	return TC_ACT_UNSPEC;
}
