/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Word-at-a-time helpers for scanning HTTP/1.x heads in the TC program. */
#ifndef XFFW_HTTP_SCAN_BPF_H
#define XFFW_HTTP_SCAN_BPF_H

/* Header names the parser needs for framing; never copied out. */
#define HDR_CONTENT_LENGTH    30
#define HDR_TRANSFER_ENCODING 31

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

/*
 * Which header a line starts with: a wanted field id, HDR_* for a framing
 * header, 0 for any other. Sets *@name_len (colon included). Reads 24 bytes.
 */
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
		w2 = lower8(*(const __u64 *)(line + 16));
		MATCH("true-client-ip:", XFFW_F_TRUE_CLIENT_IP);
		MATCH("transfer-encoding:", HDR_TRANSFER_ENCODING);
		return 0;
	case 'c':
		w1 = lower8(*(const __u64 *)(line + 8));
		w2 = lower8(*(const __u64 *)(line + 16));
		MATCH("cf-connecting-ip:", XFFW_F_CF_CONNECTING_IP);
		MATCH("content-length:", HDR_CONTENT_LENGTH);
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

/* Chains and single-IP headers: cut values keep their end (the trust walk starts there). */
static __always_inline bool keeps_tail(__u32 id)
{
	return id == XFFW_F_X_FORWARDED_FOR || id == XFFW_F_FORWARDED || id == XFFW_F_VIA ||
	       id == XFFW_F_X_REAL_IP || id == XFFW_F_CF_CONNECTING_IP ||
	       id == XFFW_F_TRUE_CLIENT_IP;
}

static __always_inline bool is_method_char(__u8 c)
{
	return (c >= 'A' && c <= 'Z') || c == '-' || c == '_';
}

static __always_inline int hex_value(__u8 c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c |= 0x20;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

#endif
