/* SPDX-License-Identifier: BSD-2-Clause */
/* Text from outside, made safe to show on a terminal: the log's lines, the doctor's report. */
#ifndef XFFW_ESCAPE_H
#define XFFW_ESCAPE_H

#include <stdbool.h>
#include <stddef.h>

/*
 * The one escaping rule for text shown on a terminal. Printable ASCII and
 * valid UTF-8 from U+00A0 on stay as they are; a tab becomes "\t", a carriage
 * return "\r", a newline "\n" (or stays a newline with @keep_newlines); every
 * other control byte, DEL, C1 control (U+0080-U+009F) and byte that is not
 * part of valid UTF-8 becomes "\xNN", and so does each byte of a
 * bidirectional control (U+061C, U+200E, U+200F, U+202A-U+202E,
 * U+2066-U+2069; U+202E is "\xe2\x80\xae"), which would reorder what the
 * terminal shows of the line (Trojan Source). A backslash stays one: lines
 * that carry JSON (the counters) stay JSON, at the price of "\x1b" also being
 * what a user may have typed. Writes what fits of the escaped @len bytes of
 * @s into @out (never half an escape) and a NUL when @outlen > 0. Returns the
 * length of the whole escaped text, as snprintf() does: @outlen > that return
 * means nothing was left out.
 */
size_t log_escape(char *out, size_t outlen, const char *s, size_t len, bool keep_newlines);

/*
 * Is the valid UTF-8 sequence of @len bytes at @s a bidirectional control
 * (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069)? Those reorder
 * what is shown around them ("Trojan Source"): a line would not read as it is.
 */
bool bidi_control(const unsigned char *s, size_t len);

/* @n bytes at @b as 2 * @n lowercase hex digits at @out (no NUL). */
void hex_lower(char *out, const void *b, size_t n);

#endif
