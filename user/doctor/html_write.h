/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Writing the doctor's HTML page: text escaped for HTML, and figures read
 * from the doctor's JSON by RFC 6901 pointer, each marked data-json="POINTER"
 * with the value as JSON has it (docs/doctor.md, "HTML report").
 */
#ifndef XFFW_HTML_WRITE_H
#define XFFW_HTML_WRITE_H

#include <jansson.h>
#include <stdio.h>

/* A pointer's text, at most (the longest the page makes is some 60 bytes). */
#define HTML_POINTER_MAX 256

/*
 * @s as HTML text or attribute value: & < > " ' as references, control bytes
 * other than tab and newline as numeric references (&#13; keeps a CR a CR),
 * bytes that are not UTF-8 as U+FFFD (as the JSON writer does), the
 * bidirectional controls (bidi_control) as numeric references too. At most six
 * bytes out per byte in.
 */
void html_esc(FILE *f, const char *s);

/* The value at @ptr (RFC 6901: "~1" is '/', "~0" is '~') in @doc, or NULL. */
json_t *html_at(json_t *doc, const char *ptr);

/*
 * <@tag @attrs data-json="@ptr">VALUE</@tag>, VALUE the JSON value at the
 * pointer made from @fmt: a string as it is (escaped), an integer's digits,
 * true/false. A value missing or of another kind: "-" and no data-json.
 * Returns the value (NULL when missing).
 */
json_t *html_value(FILE *f, json_t *doc, const char *tag, const char *attrs, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

/* The integer at the pointer made from @fmt, or 0. */
json_int_t html_int(json_t *doc, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
