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

#define XFFW_ABI_VERSION 1

/* Bytes of one segment's TCP payload copied and scanned for a request head. */
#define XFFW_SCAN_MAX	   8192
/* Header lines (request line included) indexed per head; more is flagged. */
#define XFFW_MAX_LINES	   256
/* Longest value kept per header line; longer values are cut and flagged. */
#define XFFW_VALUE_MAX	   2048
/* Capacity of the field area of one record (field headers included). */
#define XFFW_DATA_MAX	   6144
/*
 * Physical size of the field area. The program never fills more than
 * DATA_MAX, but the verifier bounds a write by masks on its offset and length
 * taken separately, so the buffer covers the largest masked sum.
 */
#define XFFW_DATA_OFF_MASK 0x1fff
#define XFFW_DATA_LEN_MASK 0xfff
#define XFFW_DATA_BUF	   (XFFW_DATA_OFF_MASK + 4 + XFFW_DATA_LEN_MASK + 1)

/* Watched destination ports: one bit per port. */
#define XFFW_PORT_WORDS (65536 / 64)

struct xffw_port_set {
	__u64 bits[XFFW_PORT_WORDS];
};

enum xffw_record_type {
	XFFW_REC_REQUEST = 1, /* a request head seen at the start of a segment */
};

enum xffw_family {
	XFFW_FAMILY_IPV4 = 4,
	XFFW_FAMILY_IPV6 = 6,
};

/* Record flags (xffw_record_hdr.flags). */
enum {
	/* No blank line inside the scanned part of the segment: the head goes on. */
	XFFW_REC_F_HEAD_INCOMPLETE = 1 << 0,
	/* The segment was longer than XFFW_SCAN_MAX and the head had not ended. */
	XFFW_REC_F_SCAN_LIMIT = 1 << 1,
	/* More than XFFW_MAX_LINES lines: later lines were not looked at. */
	XFFW_REC_F_LINES_LIMIT = 1 << 2,
	/* The field area filled up: at least one wanted field was dropped. */
	XFFW_REC_F_DATA_FULL = 1 << 3,
	/* An obsolete folded continuation line (leading SP/HTAB) was skipped. */
	XFFW_REC_F_OBS_FOLD = 1 << 4,
};

/*
 * Header fields the kernel copies. Nothing else of the payload leaves the
 * kernel: no body, no Cookie, no Authorization.
 */
enum xffw_field_id {
	XFFW_F_REQUEST_LINE = 1,
	XFFW_F_HOST = 2,
	XFFW_F_USER_AGENT = 3,
	XFFW_F_X_FORWARDED_FOR = 4,
	XFFW_F_FORWARDED = 5,
	XFFW_F_X_REAL_IP = 6,
	XFFW_F_CF_CONNECTING_IP = 7,
	XFFW_F_TRUE_CLIENT_IP = 8,
	XFFW_F_X_FORWARDED_PROTO = 9,
	XFFW_F_X_FORWARDED_HOST = 10,
	XFFW_F_X_FORWARDED_PORT = 11,
	XFFW_F_VIA = 12,
	XFFW_F__MAX,
};

/* Field flags (xffw_field_hdr.flags). */
enum {
	/* The value was longer than kept; its beginning is in the record. */
	XFFW_FIELD_F_TRUNC_TAIL = 1 << 0,
	/*
	 * The value was longer than kept; its end is in the record. Chain headers
	 * are cut this way because their trust walk starts at the right.
	 */
	XFFW_FIELD_F_TRUNC_HEAD = 1 << 1,
};

/* Per-CPU counters (the `counters` map, indexed by this enum). */
enum xffw_counter {
	XFFW_CNT_SEGMENTS = 0,	      /* TCP segments with payload to a watched port */
	XFFW_CNT_REQUESTS = 1,	      /* request records written to the ring buffer */
	XFFW_CNT_RINGBUF_LOSS = 2,    /* request records lost: ring buffer full */
	XFFW_CNT_NOT_HTTP = 3,	      /* segments that do not start an HTTP/1.x request */
	XFFW_CNT_HEAD_INCOMPLETE = 4, /* records whose head did not end in the segment */
	XFFW_CNT_TRUNCATED = 5,	      /* records with a cut value or a dropped field */
	XFFW_CNT_FRAGMENTS = 6,	      /* IP fragments skipped */
	XFFW_CNT_MALFORMED = 7,	      /* IP/TCP headers with impossible lengths */
	XFFW_CNT_LOAD_FAILED = 8,     /* heads that could not be copied (should stay 0) */
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
	__u64 ts_ns;	   /* bpf_ktime_get_ns() (CLOCK_MONOTONIC) */
	__u16 abi_version; /* XFFW_ABI_VERSION */
	__u8 type;	   /* enum xffw_record_type */
	__u8 family;	   /* enum xffw_family */
	__u16 flags;	   /* XFFW_REC_F_* */
	__u16 data_len;	   /* bytes used in data[] */
	__u32 ifindex;
	__u32 seq;	   /* TCP sequence number of the segment, host order */
	__u32 payload_len; /* TCP payload bytes in the segment */
	__u16 head_len;	   /* bytes of the head in the segment, blank line included */
	__u16 sport;	   /* host byte order */
	__u16 dport;	   /* host byte order */
	__u16 pad;
	__u8 saddr[16]; /* IPv4: first 4 bytes */
	__u8 daddr[16];
	__u32 reserved; /* zero; keeps the size a multiple of 8 */
};

struct xffw_record {
	struct xffw_record_hdr hdr;
	__u8 data[XFFW_DATA_BUF];
};

_Static_assert(sizeof(struct xffw_field_hdr) == 4, "field header is 4 bytes");
_Static_assert(sizeof(struct xffw_record_hdr) == 72, "record header layout changed");
_Static_assert(XFFW_DATA_MAX <= XFFW_DATA_OFF_MASK && XFFW_VALUE_MAX <= XFFW_DATA_LEN_MASK,
	       "masks must not change in-range offsets and lengths");
_Static_assert((XFFW_SCAN_MAX & (XFFW_SCAN_MAX - 1)) == 0, "scan window is a power of two");
_Static_assert((XFFW_VALUE_MAX & (XFFW_VALUE_MAX - 1)) == 0, "value cap is a power of two");
_Static_assert(XFFW_F__MAX <= 32, "field ids fit a 32-bit mask");

#endif /* XFFWATCH_ABI_H */
