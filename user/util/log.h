/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One small logger: "xffwatch: level: message" lines on stderr. Every line
 * goes through log_escape(), so bytes from outside (arguments, configuration
 * values, header values) can neither drive the terminal nor start a line.
 */
#ifndef XFFW_LOG_H
#define XFFW_LOG_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

enum log_level {
	LL_ERROR,
	LL_WARN,
	LL_INFO,
	LL_DEBUG,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
void log_msg(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define log_error(...) log_msg(LL_ERROR, __VA_ARGS__)
#define log_warn(...)  log_msg(LL_WARN, __VA_ARGS__)
#define log_info(...)  log_msg(LL_INFO, __VA_ARGS__)
#define log_debug(...) log_msg(LL_DEBUG, __VA_ARGS__)

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

/* The formatted message, escaped, as one line (newline added) on @f in one write. */
void log_line(FILE *f, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/*
 * @len bytes of @text on @f, escaped, its newlines kept (and one added at the
 * end if missing): a multi-line text of ours with untrusted parts.
 */
void log_lines(FILE *f, const char *text, size_t len);

/*
 * Flushes and closes standard output. On a write error says so in one line,
 * "xffwatch: writing @what: reason". Returns 0 or -errno.
 */
int log_close_stdout(const char *what);

/*
 * Routes libbpf's messages through this logger: its warnings (which carry
 * the verifier log) always, its info and debug lines only if @verbose.
 */
void log_route_libbpf(bool verbose);

#endif
