/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * UTF-8 validation (RFC 3629), for the JSON writer and the terminal escaper:
 * one table of what is valid. Inline, since the JSON writer calls it per byte.
 */
#ifndef XFFW_UTF8_H
#define XFFW_UTF8_H

#include <stddef.h>

/*
 * For a UTF-8 lead byte, the sequence length and the range allowed for the
 * second byte (RFC 3629: no overlong forms, surrogates or code points above
 * U+10FFFF). 0 for a byte that cannot start a sequence.
 */
static inline size_t utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
{
	*lo = 0x80;
	*hi = 0xbf;
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef) {
		if (c == 0xe0)
			*lo = 0xa0;
		else if (c == 0xed)
			*hi = 0x9f;
		return 3;
	}
	if (c >= 0xf0 && c <= 0xf4) {
		if (c == 0xf0)
			*lo = 0x90;
		else if (c == 0xf4)
			*hi = 0x8f;
		return 4;
	}
	return 0;
}

/*
 * Bytes at @s that form one valid sequence (returned as positive), or the
 * length of the maximal invalid subpart to replace by one U+FFFD (negative),
 * as the Unicode standard recommends.
 */
static inline long utf8_next(const unsigned char *s, size_t n)
{
	unsigned char lo, hi;
	size_t len = utf8_lead(s[0], &lo, &hi), k = 1;

	if (len == 0)
		return -1;
	if (k < n && s[1] >= lo && s[1] <= hi) {
		k = 2;
		while (k < len && k < n && s[k] >= 0x80 && s[k] <= 0xbf)
			k++;
	}
	return k == len ? (long)len : -(long)k;
}

#endif
