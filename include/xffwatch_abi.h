/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The one ABI between the TC program and the daemon.
 *
 * Fixed-width types only (__u8 ... __u64), so that the BPF side (which gets
 * them from vmlinux.h) and user space (from <linux/types.h>) compile the same
 * layout. Include this header after one of those two.
 */
#ifndef XFFWATCH_ABI_H
#define XFFWATCH_ABI_H

#include "xffwatch_fields.h"

#define XFFW_ABI_VERSION 4

/* Bytes of payload scanned per step: one window of a head. */
#define XFFW_SCAN_MAX	      8192
/* Longest piece of a value per record; longer ones are cut and flagged. */
#define XFFW_VALUE_MAX	      2048
/* Capacity of the field area of one record (field headers included). */
#define XFFW_DATA_MAX	      6144
/* A line cut by a segment end is carried to the next one when this short. */
#define XFFW_CARRY_MAX	      32
/*
 * Physical size of the field area. The program never fills more than
 * DATA_MAX, but the verifier bounds a write by masks on its offset, on the
 * carried bytes and on the length taken separately, so the buffer covers the
 * largest masked sum.
 */
#define XFFW_DATA_OFF_MASK    0x1fff
#define XFFW_DATA_LEN_MASK    0xfff
#define XFFW_DATA_BUF	      (XFFW_DATA_OFF_MASK + 4 + 2 * XFFW_CARRY_MAX + XFFW_DATA_LEN_MASK + 1)
/* A request line's method and its SP lie in its first this many bytes. */
#define XFFW_METHOD_SCAN      16
/* Shortest request line taken for one: "GET / HTTP/1.1". */
#define XFFW_MIN_REQUEST_LINE 14
/* Default head budget: bytes of a head whose fields are copied (at least 16 KiB). */
#define XFFW_HEAD_BUDGET      16384
/* A head longer than this is not HTTP as we know it: the flow is dropped. */
#define XFFW_HEAD_HARD_MAX    65536
/* Parser steps per segment (a head window, a body skip, a chunk line...). */
#define XFFW_MAX_STEPS	      8192
/*
 * The reader polls the ring buffer this often and is never woken by the
 * program; the buffer holds far more than arrives between two polls.
 */
#define XFFW_POLL_MS	      20
#define XFFW_RINGBUF_SIZE     (8 << 20)
/* Default size of the flow table. */
#define XFFW_FLOWS_DEFAULT    65536
/*
 * PROXY protocol (haproxy doc/proxy-protocol.txt) at a connection's start: the
 * spec allows a v1 line this long, CRLF included (the kernel looks for its
 * CRLF within XFFW_PP_KEEP bytes, as nginx takes longer ones); a v2 preamble
 * is a header of XFFW_PP_V2_HDR bytes, then as many as its length field says.
 * The kernel copies at most XFFW_PP_KEEP bytes of one; the rest it only steps
 * over.
 */
#define XFFW_PP_V1_MAX	      107
#define XFFW_PP_V2_HDR	      16
#define XFFW_PP_KEEP	      2048

/* Watched ports: one bit per port. */
#define XFFW_PORT_WORDS (65536 / 64)

struct xffw_port_set {
	__u64 bits[XFFW_PORT_WORDS];
};

enum xffw_record_type {
	XFFW_REC_REQUEST = 1,  /* a part of a request head: request line and wanted fields */
	XFFW_REC_RESPONSE = 2, /* a response's status line */
	XFFW_REC_FLOW_END = 3, /* the flow closed, reset, or lost its way */
	XFFW_REC_NOT_HTTP = 4, /* the flow is not HTTP/1.x: ignored from now on */
	XFFW_REC_PROXY = 5,    /* a part of the connection's PROXY protocol preamble, raw */
};

enum xffw_family {
	XFFW_FAMILY_IPV4 = 4,
	XFFW_FAMILY_IPV6 = 6,
};

/*
 * What is known of the socket at one end of a flow (xffw_sock_id.seen). A
 * socket is attached to the packets it sends until they leave its network
 * namespace or the host: the program sees it at egress only.
 */
enum xffw_sock_seen {
	XFFW_SOCK_UNSEEN = 0, /* nothing that end sent was seen yet */
	XFFW_SOCK_LOCAL = 1,  /* a socket of this host: uid and cgroup_id are its own */
	XFFW_SOCK_NONE = 2,   /* the start was seen with no socket: another host or netns */
};

/* The owner of one end's socket: from its SYN or SYN-ACK, or its first packet seen. */
struct xffw_sock_id {
	__u64 cgroup_id; /* cgroup v2 id: the inode number of its directory in the cgroup2 fs */
	__u32 uid;	 /* the socket's owner (who created it) */
	__u8 seen;	 /* enum xffw_sock_seen */
	__u8 pad[3];
};

/* Directions of a flow: requests go to the watched port, responses come back. */
enum xffw_dir {
	XFFW_DIR_REQUEST = 0,
	XFFW_DIR_RESPONSE = 1,
};

/* Record flags (xffw_record_hdr.flags). */
enum {
	/* REQUEST: the head ends in this part (the request is complete). */
	XFFW_REC_F_HEAD_END = 1 << 0,
	/* REQUEST: the head went past the budget; later fields were not copied. */
	XFFW_REC_F_BUDGET = 1 << 1,
	/* REQUEST: an obsolete folded line (leading SP/HTAB) was skipped. */
	XFFW_REC_F_OBS_FOLD = 1 << 2,
	/* REQUEST/RESPONSE: the flow was picked up mid-stream or after a gap. */
	XFFW_REC_F_RESYNC = 1 << 3,
	/*
	 * Seen on the interface's egress hook (the packet did not come in on the
	 * interface it is leaving by); else on its ingress.
	 */
	XFFW_REC_F_EGRESS = 1 << 4,
	/* PROXY: the preamble ends in this part. */
	XFFW_REC_F_PP_END = 1 << 5,
	/* PROXY: it is longer than XFFW_PP_KEEP: the bytes past that were not copied. */
	XFFW_REC_F_PP_CUT = 1 << 6,
	/* PROXY: a v1 line without CRLF in XFFW_PP_KEEP bytes: given up (with PP_END). */
	XFFW_REC_F_PP_BAD = 1 << 7,
	/*
	 * Every record: the client's first bytes on the connection were seen, so
	 * whether it began with a PROXY preamble is known ...
	 */
	XFFW_REC_F_PP_SEEN = 1 << 8,
	/* ... and it did. */
	XFFW_REC_F_PROXIED = 1 << 9,
};

/* Why a flow ended (xffw_record_hdr.reason of FLOW_END). */
enum xffw_flow_end {
	XFFW_END_FIN = 1,    /* both sides sent FIN */
	XFFW_END_RST = 2,    /* a reset */
	XFFW_END_REUSED = 3, /* a SYN reused the tuple: a new connection */
	XFFW_END_DESYNC = 4, /* lost bytes or unparsable framing: the flow starts over */
};

/* Why a flow is not HTTP (xffw_record_hdr.reason of NOT_HTTP, and the counters). */
enum xffw_not_http {
	XFFW_NOT_HTTP_TLS = 1,	    /* a TLS record */
	XFFW_NOT_HTTP_H2 = 2,	    /* the HTTP/2 connection preface */
	XFFW_NOT_HTTP_OTHER = 3,    /* something else */
	XFFW_NOT_HTTP_UNSYNCED = 4, /* picked up mid-stream, and no message start in 64 segments */
};

/*
 * Header fields the kernel copies: the request line, and the headers listed
 * in xffwatch_fields.h. Nothing else of the payload leaves the kernel: no
 * body, no Cookie, no Authorization; of responses, the status.
 */
enum xffw_field_id {
	XFFW_F_REQUEST_LINE = 1,
/* clang-format off */
#define XFFW_FIELD_ID_(NAME, id, ...) XFFW_F_##NAME = id,
	XFFW_HEADER_FIELDS(XFFW_FIELD_ID_) /* XFFW_F_HOST = 2, ... */
#undef XFFW_FIELD_ID_
	/* clang-format on */
	XFFW_F__MAX,
};

/* Field flags (xffw_field_hdr.flags). */
enum {
	/* The piece was longer than kept; its beginning is in the record. */
	XFFW_FIELD_F_TRUNC_TAIL = 1 << 0,
	/*
	 * The piece was longer than kept; its end is in the record. Chains and the
	 * single-IP headers are cut this way: their trust walk starts at the right.
	 */
	XFFW_FIELD_F_TRUNC_HEAD = 1 << 1,
	/* The value goes on in the next part (the segment ended inside it). */
	XFFW_FIELD_F_CONT = 1 << 2,
	/* This piece goes on from the previous part's last field. */
	XFFW_FIELD_F_CONTINUED = 1 << 3,
};

/* Per-CPU counters (the `counters` map, indexed by this enum). */
enum xffw_counter {
	XFFW_CNT_SEGMENTS = 0,		 /* TCP segments with payload on watched flows */
	XFFW_CNT_REQUESTS = 1,		 /* request heads seen to their end */
	XFFW_CNT_RESPONSES = 2,		 /* final responses seen */
	XFFW_CNT_RINGBUF_LOSS = 3,	 /* records lost: ring buffer full */
	XFFW_CNT_DUP_SEGMENTS = 4,	 /* retransmitted or duplicated segments skipped */
	XFFW_CNT_GAPS = 5,		 /* missing bytes (loss, reordering): flow started over */
	XFFW_CNT_DESYNC = 6,		 /* unparsable framing: flow started over */
	XFFW_CNT_FLOWS = 7,		 /* flow entries created */
	XFFW_CNT_FLOWS_FULL = 8,	 /* flows not tracked: the flow table refused an entry */
	XFFW_CNT_NOT_HTTP_TLS = 9,	 /* flows found to be TLS */
	XFFW_CNT_NOT_HTTP_H2 = 10,	 /* flows found to be HTTP/2 prior knowledge */
	XFFW_CNT_NOT_HTTP_OTHER = 11,	 /* flows found to be something else */
	XFFW_CNT_NOT_HTTP_UNSYNCED = 12, /* flows never seen at a message start */
	XFFW_CNT_ORPHAN_RESPONSES = 13,	 /* responses to requests not seen (before attach) */
	XFFW_CNT_OVER_BUDGET = 14,	 /* heads past the budget (fields dropped, flagged) */
	XFFW_CNT_STEP_LIMIT = 15,	 /* segments with more framing than XFFW_MAX_STEPS */
	XFFW_CNT_FRAGMENTS = 16,	 /* IP fragments skipped */
	XFFW_CNT_MALFORMED = 17,	 /* IP/TCP headers with impossible lengths */
	XFFW_CNT_LOAD_FAILED = 18,	 /* payload that could not be copied (should stay 0) */
	XFFW_CNT_FLOWS_ADOPTED = 19, /* flows first seen mid-stream (before attach, or evicted) */
	XFFW_CNT_FLOW_ENDS = 20,     /* flow entries removed by FIN, RST or a reusing SYN */
	XFFW_CNT_PP_PREAMBLES = 21,  /* connections that began with a PROXY protocol preamble */
	XFFW_CNT_PP_CUT = 22,	     /* of which longer than XFFW_PP_KEEP (the rest not copied) */
	XFFW_CNT_PP_BAD = 23,	     /* of which v1 lines with no CRLF in XFFW_PP_KEEP bytes */
	XFFW_CNT__MAX,
};

/*
 * One field in the record's data area: this header, then `len` value bytes,
 * then the next field. No alignment between fields; read with memcpy.
 */
struct xffw_field_hdr {
	__u8 id;    /* enum xffw_field_id */
	__u8 flags; /* XFFW_FIELD_F_* */
	__u16 len;  /* value bytes that follow, host byte order */
};

struct xffw_record_hdr {
	__u64 ts_ns;	   /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) when the bytes were seen */
	__u64 flow_id;	   /* the connection (a new one after a reuse or a desync) */
	__u64 conn_id;	   /* the connection: its first flow_id, kept across desyncs */
	__u16 abi_version; /* XFFW_ABI_VERSION */
	__u8 type;	   /* enum xffw_record_type */
	__u8 family;	   /* enum xffw_family */
	__u16 flags;	   /* XFFW_REC_F_* */
	__u16 data_len;	   /* bytes used in data[] */
	__u32 ifindex;
	__u32 seq;    /* TCP sequence number of the first byte this record is about */
	__u32 msg;    /* request or response number on the flow, from 0 */
	__u16 part;   /* REQUEST: part number of the head, from 0 */
	__u16 status; /* RESPONSE: status code */
	__u16 reason; /* FLOW_END: enum xffw_flow_end; NOT_HTTP: enum xffw_not_http */
	__u16 sport;  /* the client's (peer's) port, host order */
	__u16 dport;  /* the app's port, host order */
	__u16 pad;
	__u8 saddr[16]; /* the client (the TCP peer of the app); IPv4: first 4 bytes */
	__u8 daddr[16]; /* the app */
	/* [XFFW_DIR_REQUEST]: the socket that connected (the peer); [..._RESPONSE]: the app's. */
	struct xffw_sock_id sock[2];
};

struct xffw_record {
	struct xffw_record_hdr hdr;
	__u8 data[XFFW_DATA_BUF];
};

/* Parser states of one direction of a flow. */
enum xffw_pstate {
	XFFW_PS_IDLE = 0,	/* between messages: the next one starts here */
	XFFW_PS_SYNC = 1,	/* lost: wait for a segment that starts a message */
	XFFW_PS_HEAD = 2,	/* in a head */
	XFFW_PS_BODY = 3,	/* in a body of known length */
	XFFW_PS_CHUNK_SIZE = 4, /* in a chunk-size line, reading hex digits */
	XFFW_PS_CHUNK_EXT = 5,	/* in a chunk-size line, after the digits */
	XFFW_PS_CHUNK_DATA = 6, /* in chunk data */
	XFFW_PS_CHUNK_END = 7,	/* after chunk data: CRLF */
	XFFW_PS_TRAILER = 8,	/* in the trailer section after the last chunk */
	XFFW_PS_CLOSE = 9,	/* a body that ends when the connection does */
	XFFW_PS_OPAQUE = 10,	/* not HTTP/1.x any more (tunnel, upgrade) */
	XFFW_PS_PREAMBLE = 11,	/* a connection's first client bytes: a PROXY preamble? */
};

/* Where a PROXY preamble's parse stands (xffw_dir_state.pp, in XFFW_PS_PREAMBLE). */
enum xffw_pp_step {
	XFFW_PP_DETECT = 0, /* too few bytes to tell: they wait in carry[] */
	XFFW_PP_IN_V1 = 1,  /* in a v1 line (head_bytes of it so far) */
	XFFW_PP_IN_V2 = 2,  /* in a v2 preamble (remaining bytes to come) */
};

/* Flags of the message being parsed (xffw_dir_state.hflags). */
enum {
	XFFW_HF_CL = 1 << 0,	      /* Content-Length seen */
	XFFW_HF_CHUNKED = 1 << 1,     /* Transfer-Encoding: chunked */
	XFFW_HF_BAD_FRAMING = 1 << 2, /* unusable or repeated Content-Length, or another coding */
	XFFW_HF_BUDGET = 1 << 3,      /* past the head budget */
	XFFW_HF_ORPHAN = 1 << 4,      /* a response to no request we saw */
	XFFW_HF_INTERIM = 1 << 5,     /* a 1xx response other than 101 */
	XFFW_HF_NO_BODY = 1 << 6,     /* a response without body (to HEAD, 204, 304) */
	XFFW_HF_UPGRADE = 1 << 7,     /* 101, or 2xx to CONNECT: the flow turns opaque */
	XFFW_HF_DIGITS = 1 << 8,      /* chunk-size line: a digit seen */
	XFFW_HF_CR = 1 << 9,	      /* chunk end: the CR seen */
	XFFW_HF_LINE_START = 1 << 10, /* trailer: at the start of a line */
	XFFW_HF_RESYNC = 1 << 11,     /* this message was found by resynchronising */
	XFFW_HF_LINE_DONE = 1 << 12,  /* the request or status line has been looked at */
	XFFW_HF_HEAD = 1 << 13,	      /* the request's method is HEAD */
	XFFW_HF_CONNECT = 1 << 14,    /* the request's method is CONNECT */
	XFFW_HF_OBS_FOLD = 1 << 15,   /* an obsolete folded line was skipped */
};

/* What a head line that went on past a segment end is (xffw_dir_state.cont). */
enum {
	XFFW_CONT_NONE = 0,
	/* 1..XFFW_F__MAX-1: the value of that field id goes on */
	XFFW_CONT_SKIP = 255, /* an unwanted line goes on: skip to its end */
};

struct xffw_dir_state {
	__u64 remaining;  /* body or chunk bytes still to come */
	__u64 start_ns;	  /* when the first byte of the current message was seen */
	__u32 next_seq;	  /* the next byte expected */
	__u32 start_seq;  /* sequence number of the current message's first byte */
	__u32 msg;	  /* requests whose head ended; responses: requests answered */
	__u32 head_bytes; /* bytes of the current head so far */
	__u16 hflags;	  /* XFFW_HF_* */
	__u16 part;	  /* next part number of the current request head */
	__u16 status;	  /* status of the current response */
	__u8 state;	  /* enum xffw_pstate */
	__u8 synced;	  /* next_seq is known */
	__u8 cont;	  /* XFFW_CONT_* */
	__u8 carry_len;
	__u8 pp; /* enum xffw_pp_step */
	__u8 pad[5];
	__u8 carry[XFFW_CARRY_MAX];
};

/* Flow flags (xffw_flow.flags). */
enum {
	XFFW_FLOW_FIN_REQUEST = 1 << 0,	 /* the client sent FIN */
	XFFW_FLOW_FIN_RESPONSE = 1 << 1, /* the app sent FIN */
	XFFW_FLOW_ISN = 1 << 2,		 /* isn is known (the SYN was seen) */
	XFFW_FLOW_PP_SEEN = 1 << 3,	 /* XFFW_REC_F_PP_SEEN */
	XFFW_FLOW_PROXIED = 1 << 4,	 /* XFFW_REC_F_PROXIED */
};

/* The flow table's value (key: struct xffw_flow_key). */
struct xffw_flow {
	__u64 flow_id;
	__u64 conn_id;	   /* as in the records */
	__u64 last_ns;	   /* when a segment with data or SYN/FIN/RST was last seen */
	__u64 head_mask;   /* bit (request number % 64): that request was HEAD */
	__u64 tunnel_mask; /* bit (request number % 64): that request was CONNECT */
	__u8 not_http;	   /* enum xffw_not_http, once known */
	__u8 flags;	   /* XFFW_FLOW_* */
	__u8 sync_misses;  /* segments seen while lost, before any message */
	__u8 seen_msg;	   /* a request or status line was recognised */
	__u32 isn;	   /* the client's initial sequence number (XFFW_FLOW_ISN) */
	struct xffw_dir_state dir[2];
	struct xffw_sock_id sock[2]; /* as in the records */
};

/* The flow table's key: the connection, seen from the client (peer) side. */
struct xffw_flow_key {
	__u8 saddr[16];
	__u8 daddr[16];
	__u16 sport;
	__u16 dport;
	__u8 family;
	__u8 pad[3];
};

_Static_assert(sizeof(struct xffw_field_hdr) == 4, "field header is 4 bytes");
_Static_assert(sizeof(struct xffw_sock_id) == 16, "socket id layout changed");
_Static_assert(sizeof(struct xffw_record_hdr) == 120, "record header layout changed");
_Static_assert(sizeof(struct xffw_dir_state) == 80, "direction state layout changed");
_Static_assert(sizeof(struct xffw_flow) == 240, "flow state layout changed");
_Static_assert(sizeof(struct xffw_flow_key) == 40, "flow key layout changed");
_Static_assert(XFFW_DATA_MAX <= XFFW_DATA_OFF_MASK && XFFW_VALUE_MAX <= XFFW_DATA_LEN_MASK,
	       "masks must not change in-range offsets and lengths");
_Static_assert((XFFW_SCAN_MAX & (XFFW_SCAN_MAX - 1)) == 0, "scan window is a power of two");
_Static_assert((XFFW_METHOD_SCAN & (XFFW_METHOD_SCAN - 1)) == 0, "method scan is a power of two");
_Static_assert((XFFW_VALUE_MAX & (XFFW_VALUE_MAX - 1)) == 0, "value cap is a power of two");
_Static_assert(XFFW_PP_KEEP <= XFFW_DATA_MAX && XFFW_PP_KEEP <= XFFW_DATA_LEN_MASK,
	       "a preamble's copy fits one record");
_Static_assert(XFFW_F__MAX <= 32, "field ids fit a 32-bit mask");
#define XFFW_FIELD_ROW_(...) +1
_Static_assert(2 XFFW_HEADER_FIELDS(XFFW_FIELD_ROW_) == XFFW_F__MAX,
	       "xffwatch_fields.h: rows in id order from 2, without holes");
#undef XFFW_FIELD_ROW_

#endif /* XFFWATCH_ABI_H */
