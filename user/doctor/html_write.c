// SPDX-License-Identifier: BSD-2-Clause
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/html_write.h"
#include "util/escape.h"
#include "util/utf8.h"

/* The code point of the valid UTF-8 sequence of @len (2 or 3) bytes at @s. */
static unsigned int code_point(const unsigned char *s, size_t len)
{
	if (len == 2)
		return (s[0] & 0x1fU) << 6 | (s[1] & 0x3fU);
	return (s[0] & 0x0fU) << 12 | (s[1] & 0x3fU) << 6 | (s[2] & 0x3fU);
}

/*
 * Is the sequence at @s (@len bytes) an invisible format character that
 * makes a value look like another: U+00AD, U+200B-U+200D, U+2060, U+FEFF?
 */
static bool invisible(const unsigned char *s, size_t len)
{
	unsigned int cp;

	if (len != 2 && len != 3)
		return false;
	cp = code_point(s, len);
	return cp == 0xad || (cp >= 0x200b && cp <= 0x200d) || cp == 0x2060 || cp == 0xfeff;
}

void html_esc(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		unsigned char c = p[i];

		if (c >= 0x80) {
			long len = utf8_next(p + i, n - i);

			if (len < 0) {
				fputs("\xef\xbf\xbd", f);
				i += (size_t)-len;
			} else if (bidi_control(p + i, (size_t)len) ||
				   invisible(p + i, (size_t)len)) {
				/*
				 * As a reference, for the page's source only: the DOM holds
				 * the character again, and a direction control still
				 * reorders. What contains it is the CSS (unicode-bidi:
				 * isolate), and the value's mark (data-bidi, data-invisible).
				 */
				fprintf(f, "&#x%X;", code_point(p + i, (size_t)len));
				i += (size_t)len;
			} else {
				fwrite(p + i, 1, (size_t)len, f);
				i += (size_t)len;
			}
			continue;
		}
		i++;
		switch (c) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			if ((c < 0x20 && c != '\t' && c != '\n') || c == 0x7f)
				fprintf(f, "&#%u;", c);
			else
				fputc(c, f);
		}
	}
}

/* Does @s hold a sequence @is says yes to (bidi_control, invisible)? */
static bool holds(const char *s, bool (*is)(const unsigned char *, size_t))
{
	const unsigned char *p = (const unsigned char *)s;
	size_t n = strlen(s);

	for (size_t i = 0; i < n;) {
		long len = p[i] < 0x80 ? 1 : utf8_next(p + i, n - i);

		if (len > 1 && is(p + i, (size_t)len))
			return true;
		i += (size_t)(len < 0 ? -len : len);
	}
	return false;
}

json_t *html_at(json_t *doc, const char *ptr)
{
	json_t *v = doc;

	if (!ptr[0])
		return doc;
	if (ptr[0] != '/')
		return NULL;
	while (v && *ptr == '/') {
		char tok[HTML_POINTER_MAX];
		size_t k = 0;

		for (ptr++; *ptr && *ptr != '/' && k < sizeof(tok) - 1; ptr++) {
			if (*ptr == '~' && (ptr[1] == '0' || ptr[1] == '1')) {
				tok[k++] = ptr[1] == '0' ? '~' : '/';
				ptr++;
			} else {
				tok[k++] = *ptr;
			}
		}
		tok[k] = '\0';
		if (json_is_object(v)) {
			v = json_object_get(v, tok);
		} else if (json_is_array(v)) {
			char *end;
			unsigned long i = strtoul(tok, &end, 10);

			v = *end || !tok[0] ? NULL : json_array_get(v, i);
		} else {
			v = NULL;
		}
	}
	return *ptr ? NULL : v;
}

static json_t *vat(json_t *doc, char ptr[HTML_POINTER_MAX], const char *fmt, va_list ap)
{
	int n = vsnprintf(ptr, HTML_POINTER_MAX, fmt, ap);

	return n < 0 || n >= HTML_POINTER_MAX ? NULL : html_at(doc, ptr);
}

json_t *html_value(FILE *f, json_t *doc, const char *tag, const char *attrs, const char *fmt, ...)
{
	char ptr[HTML_POINTER_MAX];
	va_list ap;
	json_t *v;

	va_start(ap, fmt);
	v = vat(doc, ptr, fmt, ap);
	va_end(ap);
	if (!json_is_string(v) && !json_is_integer(v) && !json_is_boolean(v)) {
		fprintf(f, "<%s%s%s>-</%s>", tag, attrs ? " " : "", attrs ? attrs : "", tag);
		return NULL;
	}
	/*
	 * (The page's CSS marks such a value: it shows reordered, within its
	 * element only; or it holds characters that do not show.)
	 */
	fprintf(f, "<%s%s%s%s%s data-json=\"", tag, attrs ? " " : "", attrs ? attrs : "",
		json_is_string(v) && holds(json_string_value(v), bidi_control) ? " data-bidi=\"\""
									       : "",
		json_is_string(v) && holds(json_string_value(v), invisible) ? " data-invisible=\"\""
									    : "");
	html_esc(f, ptr);
	/* A parser drops one newline right after <pre>: give it one to drop. */
	fputs(strcmp(tag, "pre") ? "\">" : "\">\n", f);
	if (json_is_string(v))
		html_esc(f, json_string_value(v));
	else if (json_is_integer(v))
		fprintf(f, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else
		fputs(json_is_true(v) ? "true" : "false", f);
	fprintf(f, "</%s>", tag);
	return v;
}

json_int_t html_int(json_t *doc, const char *fmt, ...)
{
	char ptr[HTML_POINTER_MAX];
	va_list ap;
	json_t *v;

	va_start(ap, fmt);
	v = vat(doc, ptr, fmt, ap);
	va_end(ap);
	return json_is_integer(v) ? json_integer_value(v) : 0;
}
