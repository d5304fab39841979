// SPDX-License-Identifier: BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

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
	j->len = 0;
	j->failed = false;
	j->depth = 0;
	j->first[0] = true;
}

static bool reserve(struct jsonw *j, size_t more)
{
	size_t cap;
	char *p;

	if (j->failed)
		return false;
	if (j->len + more <= j->cap)
		return true;
	cap = j->cap ? j->cap : 1024;
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

static void put(struct jsonw *j, const char *s, size_t n)
{
	if (!reserve(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

static void putc_(struct jsonw *j, char c)
{
	if (!reserve(j, 1))
		return;
	j->buf[j->len++] = c;
}

/*
 * For a UTF-8 lead byte, the sequence length and the range allowed for the
 * second byte (RFC 3629: no overlong forms, surrogates or code points above
 * U+10FFFF). 0 for a byte that cannot start a sequence.
 */
static size_t utf8_lead(unsigned char c, unsigned char *lo, unsigned char *hi)
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
static long utf8_next(const unsigned char *s, size_t n)
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

void jsonw_escape(struct jsonw *j, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0;

	while (i < n) {
		size_t run = i;

		/* Printable ASCII other than '"' and '\\' is copied in runs. */
		while (run < n && s[run] >= 0x20 && s[run] < 0x7f && s[run] != '"' &&
		       s[run] != '\\')
			run++;
		if (run > i) {
			put(j, str + i, run - i);
			i = run;
			continue;
		}
		unsigned char c = s[i];

		if (c < 0x80) {
			char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 15] };

			switch (c) {
			case '"':
				put(j, "\\\"", 2);
				break;
			case '\\':
				put(j, "\\\\", 2);
				break;
			case '\n':
				put(j, "\\n", 2);
				break;
			case '\r':
				put(j, "\\r", 2);
				break;
			case '\t':
				put(j, "\\t", 2);
				break;
			default: /* other controls and DEL */
				put(j, esc, sizeof(esc));
			}
			i++;
			continue;
		}
		long len = utf8_next(s + i, n - i);

		if (len < 0) {
			put(j, "\xef\xbf\xbd", 3);
			i += (size_t)-len;
		} else if (len == 3 && c == 0xe2 && s[i + 1] == 0x80 &&
			   (s[i + 2] == 0xa8 || s[i + 2] == 0xa9)) {
			/* U+2028/U+2029 are line breaks to some JSON consumers. */
			put(j, s[i + 2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
			i += 3;
		} else {
			put(j, str + i, (size_t)len);
			i += (size_t)len;
		}
	}
}

static void member(struct jsonw *j, const char *key)
{
	if (!j->first[j->depth])
		putc_(j, ',');
	j->first[j->depth] = false;
	if (key) {
		/* Keys are literals of this program: plain ASCII, nothing to escape. */
		putc_(j, '"');
		put(j, key, strlen(key));
		put(j, "\":", 2);
	}
}

static void open_(struct jsonw *j, const char *key, char c)
{
	member(j, key);
	putc_(j, c);
	if (j->depth + 1 >= JSONW_MAX_DEPTH) {
		j->failed = true;
		return;
	}
	j->first[++j->depth] = true;
}

static void close_(struct jsonw *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	putc_(j, c);
}

void jsonw_object_begin(struct jsonw *j, const char *key)
{
	open_(j, key, '{');
}

void jsonw_object_end(struct jsonw *j)
{
	close_(j, '}');
}

void jsonw_array_begin(struct jsonw *j, const char *key)
{
	open_(j, key, '[');
}

void jsonw_array_end(struct jsonw *j)
{
	close_(j, ']');
}

void jsonw_string(struct jsonw *j, const char *key, const char *s, size_t len)
{
	member(j, key);
	putc_(j, '"');
	jsonw_escape(j, s, len);
	putc_(j, '"');
}

void jsonw_cstring(struct jsonw *j, const char *key, const char *s)
{
	jsonw_string(j, key, s, strlen(s));
}

void jsonw_uint(struct jsonw *j, const char *key, uint64_t v)
{
	char tmp[20];
	size_t n = 0;

	member(j, key);
	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (!reserve(j, n))
		return;
	while (n)
		j->buf[j->len++] = tmp[--n];
}

void jsonw_bool(struct jsonw *j, const char *key, bool v)
{
	member(j, key);
	if (v)
		put(j, "true", 4);
	else
		put(j, "false", 5);
}

void jsonw_newline(struct jsonw *j)
{
	putc_(j, '\n');
	j->first[0] = true;
}
