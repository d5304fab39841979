// SPDX-License-Identifier: BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "event/jsonw.h"
#include "util/utf8.h"

void jsonw_init(struct jsonw *j)
{
	memset(j, 0, sizeof(*j));
	j->first[0] = true;
}

void jsonw_free(struct jsonw *j)
{
	free(j->buf);
	jsonw_init(j);
}

void jsonw_reset(struct jsonw *j)
{
	jsonw_rewind(j, 0);
}

void jsonw_rewind(struct jsonw *j, size_t len)
{
	if (len < j->len)
		j->len = len;
	j->failed = false;
	j->depth = 0;
	j->first[0] = true;
}

bool jsonw_grow(struct jsonw *j, size_t more)
{
	size_t cap;
	char *p;

	if (j->failed)
		return false;
	if (j->len + more <= j->cap)
		return true;
	cap = j->cap ? j->cap : 4096;
	while (cap < j->len + more)
		cap *= 2;
	p = realloc(j->buf, cap);
	if (!p) {
		j->failed = true;
		return false;
	}
	j->buf = p;
	j->cap = cap;
	return true;
}

/* Bytes copied as they are: printable ASCII but '"' and '\\'. */
static const bool plain[256] = {
	[' '] = 1,
	['!'] = 1,
	['#' ... '['] = 1,
	[']' ... '~'] = 1,
};

/* The ASCII bytes JSON escapes in two characters; other controls get \u00XX. */
static const char *const short_escape[128] = {
	['"'] = "\\\"", ['\\'] = "\\\\", ['\n'] = "\\n", ['\r'] = "\\r", ['\t'] = "\\t",
};

/*
 * Are all 8 bytes at @p plain? The SWAR tests: a byte below 0x20 or above
 * 0x7e, or equal to '"' or '\\', sets its high bit in the result.
 */
static bool word_is_plain(const unsigned char *p)
{
	const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
	uint64_t w, low, high, quote, bslash;

	memcpy(&w, p, 8);
	low = (w - ones * 0x20) & ~w;	       /* < 0x20 (and >= 0x80 is caught below) */
	high = (w + ones * (0x80 - 0x7f)) | w; /* >= 0x7f */
	quote = ((w ^ (ones * '"')) - ones) & ~(w ^ (ones * '"'));
	bslash = ((w ^ (ones * '\\')) - ones) & ~(w ^ (ones * '\\'));
	return !((low | high | quote | bslash) & highs);
}

void jsonw_escape(struct jsonw *j, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		size_t run = i;

		/* Printable ASCII other than '"' and '\\' is copied in runs, found 8 bytes at a time. */
		while (run + 8 <= n && word_is_plain(s + run))
			run += 8;
		while (run < n && plain[s[run]])
			run++;
		if (run > i) {
			jsonw_raw(j, str + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = s[i];

		if (c < 0x80) {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			if (short_escape[c]) /* two bytes each */
				jsonw_raw(j, short_escape[c], 2);
			else /* other controls and DEL */
				jsonw_raw(j, esc, sizeof(esc));
			i++;
			continue;
		}
		long len = utf8_next(s + i, n - i);

		if (len < 0) {
			jsonw_raw(j, "\xef\xbf\xbd", 3);
			i += (size_t)-len;
		} else if (len == 3 && c == 0xe2 && s[i + 1] == 0x80 &&
			   (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
			/* U+2028/U+2029 are line breaks to some JSON consumers. */
			jsonw_raw(j, s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			i += 3;
		} else {
			jsonw_raw(j, str + i, (size_t)len);
			i += (size_t)len;
		}
	}
}

/* "00" to "99": the digits of a number two at a time, half the divisions. */
static const char two_digits[201] = "00010203040506070809"
				    "10111213141516171819"
				    "20212223242526272829"
				    "30313233343536373839"
				    "40414243444546474849"
				    "50515253545556575859"
				    "60616263646566676869"
				    "70717273747576777879"
				    "80818283848586878889"
				    "90919293949596979899";

void jsonw_digits(struct jsonw *j, uint64_t v)
{
	char tmp[20]; /* UINT64_MAX has 20 digits */
	size_t n = sizeof(tmp);

	while (v >= 100) {
		unsigned int r = (unsigned int)(v % 100);

		v /= 100;
		n -= 2;
		memcpy(tmp + n, two_digits + 2 * r, 2);
	}
	if (v >= 10) {
		n -= 2;
		memcpy(tmp + n, two_digits + 2 * v, 2);
	} else {
		tmp[--n] = (char)('0' + v);
	}
	jsonw_raw(j, tmp + n, sizeof(tmp) - n);
}
