/* SPDX-License-Identifier: BSD-2-Clause */
/* One small logger: "xffwatch: level: message" lines on stderr. */
#ifndef XFFW_LOG_H
#define XFFW_LOG_H

#include <stdarg.h>
#include <stdbool.h>

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
 * Routes libbpf's messages through this logger: its warnings (which carry
 * the verifier log) always, its info and debug lines only if @verbose.
 */
void log_route_libbpf(bool verbose);

#endif
