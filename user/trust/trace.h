/* SPDX-License-Identifier: BSD-2-Clause */
/* A step-by-step account of a resolution, for `xffwatch resolve --explain`. */
#ifndef XFFW_TRUST_TRACE_H
#define XFFW_TRUST_TRACE_H

#include <stdbool.h>
#include <stddef.h>

#include "util/ipaddr.h"

struct trust_trace {
	char text[8192];
	size_t len;
	bool cut; /* full: the last line says so, later steps are left out */
};

void trace_note_(struct trust_trace *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends one line; its arguments are not even computed when nobody asked for a trace. */
#define trace_note(t, ...)                           \
	do {                                         \
		if (t)                               \
			trace_note_(t, __VA_ARGS__); \
	} while (0)

/*
 * "203.0.113.9" in a static buffer, for a trace line. Four buffers are used
 * in turn, so one line may show up to four addresses.
 */
const char *trace_addr(const struct ip_addr *a);

/* "127.0.0.0/8" (@list[@i]) in a static buffer, one per line. */
const char *trace_cidr(const struct ip_cidr *list, int i);

#endif
