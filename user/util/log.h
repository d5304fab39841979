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

#include "util/escape.h"

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
