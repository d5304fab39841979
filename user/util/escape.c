// SPDX-License-Identifier: BSD-2-Clause
#include <stdbool.h>
#include <string.h>

#include "util/escape.h"
#include "util/utf8.h"

/* The one list of them: the terminal's escaping here, the HTML page's (html_write.c). */
bool bidi_control(const unsigned char *s, size_t len)
{
	if (len == 2)
		return s[0] == 0xd8 && s[1] == 0x9c;
	if (len != 3 || s[0] != 0xe2)
		return false;
	if (s[1] == 0x80)
		return s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xaa && s[2] <= 0xae);
	return s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9;
}

/*
 * Length of the valid UTF-8 sequence at @s (of @n bytes) for a code point
 * from U+00A0 on, or 0: invalid, overlong, a surrogate, past U+10FFFF, cut
 * short, a C1 control (which some terminals obey) or a bidirectional control.
 */
static size_t utf8_printable(const unsigned char *s, size_t n)
{
	long len = utf8_next(s, n);

	if (len <= 0 || (s[0] == 0xc2 && s[1] < 0xa0))
		return 0;
	return bidi_control(s, (size_t)len) ? 0 : (size_t)len;
}

size_t log_escape(char *out, size_t outlen, const char *s, size_t len, bool keep_newlines)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t need = 0, at = 0;
	bool full = false;

	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		char piece[4];
		const char *src = piece;
		size_t n = 2;

		if ((c >= 0x20 && c < 0x7f) || (c == '\n' && keep_newlines)) {
			piece[0] = (char)c;
			n = 1;
		} else if (c == '\n' || c == '\t' || c == '\r') {
			piece[0] = '\\';
			piece[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else if (c >= 0x80 && (n = utf8_printable(p + i, len - i))) {
			src = s + i;
		} else {
			piece[0] = '\\';
			piece[1] = 'x';
			piece[2] = hex[c >> 4];
			piece[3] = hex[c & 15];
			n = 4;
		}
		i += src == piece ? 1 : n;
		/* Whole escapes only, and nothing after the first one that did not fit. */
		if (!full && at + n < outlen) {
			memcpy(out + at, src, n);
			at += n;
		} else {
			full = true;
		}
		need += n;
	}
	if (outlen)
		out[at] = '\0';
	return need;
}

void hex_lower(char *out, const void *b, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *p = b;

	for (size_t i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
}
