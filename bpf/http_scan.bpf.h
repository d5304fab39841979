/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * Bytes of HTTP/1.x: word-at-a-time scanning (line ends, case folding, header
 * names from include/xffwatch_fields.h) and character classes.
 */
#ifndef XFFW_HTTP_SCAN_BPF_H
#define XFFW_HTTP_SCAN_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xffwatch_abi.h"

/* Header names the parser needs for framing; never copied out. */
#define HDR_CONTENT_LENGTH    30
#define HDR_TRANSFER_ENCODING 31
_Static_assert(XFFW_F__MAX <= HDR_CONTENT_LENGTH, "framing header ids come after the field ids");

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

/* Does the lower-cased word @w at name offset @o match the literal @s there? */
#define WORD_IS(w, s, o) (((w)&LITMASK(s, o)) == LIT(s, o))

/* match_header() compares three words: a name with its colon must fit. */
#define NAME_FITS(NAME, id, wire, key, ...) \
	_Static_assert(sizeof(key ":") - 1 <= 24, "header name too long for match_header()");
XFFW_HEADER_FIELDS(NAME_FITS)
#undef NAME_FITS

/*
 * Which header a line starts with: a wanted field id, HDR_* for a framing
 * header, 0 for any other. Sets *@name_len (colon included). Reads 24 bytes,
 * and the words past the first only for names that reach them.
 */
static __always_inline __u32 match_header(const __u8 *line, __u32 *name_len)
{
	__u64 w0 = lower8(*(const __u64 *)line);

#define MATCH(id, s)                                                                    \
	if (WORD_IS(w0, s, 0) &&                                                        \
	    (!LITMASK(s, 8) || WORD_IS(lower8(*(const __u64 *)(line + 8)), s, 8)) &&    \
	    (!LITMASK(s, 16) || WORD_IS(lower8(*(const __u64 *)(line + 16)), s, 16))) { \
		*name_len = sizeof(s) - 1;                                              \
		return id;                                                              \
	}
#define MATCH_FIELD(NAME, id, wire, key, ...) MATCH(XFFW_F_##NAME, key ":")
	XFFW_HEADER_FIELDS(MATCH_FIELD)
	MATCH(HDR_CONTENT_LENGTH, "content-length:")
	MATCH(HDR_TRANSFER_ENCODING, "transfer-encoding:")
	return 0;
#undef MATCH_FIELD
#undef MATCH
}

/* Chains and single-IP headers: cut values keep their end (the trust walk starts there). */
static __always_inline bool keeps_tail(__u32 id)
{
	return XFFW_FIELD_KEEPS_TAIL(id);
}

static __always_inline bool is_ows(__u8 ch)
{
	return ch == ' ' || ch == '\t';
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
