// SPDX-License-Identifier: BSD-2-Clause
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "trust/trace.h"

#define TRACE_CUT "(the rest of the trace is cut)\n"

void trace_note_(struct trust_trace *t, const char *fmt, ...)
{
	/* Room kept at the end for the line that says the trace was cut. */
	size_t room = sizeof(t->text) - sizeof(TRACE_CUT);
	va_list ap;
	int n;

	if (t->cut)
		return;
	va_start(ap, fmt);
	n = t->len < room ? vsnprintf(t->text + t->len, room - t->len, fmt, ap) : -1;
	va_end(ap);
	if (n < 0 || t->len + (size_t)n + 1 >= room) {
		memcpy(t->text + t->len, TRACE_CUT, sizeof(TRACE_CUT));
		t->len += sizeof(TRACE_CUT) - 1;
		t->cut = true;
		return;
	}
	t->len += (size_t)n;
	t->text[t->len++] = '\n';
	t->text[t->len] = '\0';
}

const char *trace_addr(const struct ip_addr *a)
{
	static char buf[4][IP_STR_MAX];
	static unsigned int next;
	char *b = buf[next++ % 4];

	ip_format(a, b);
	return b;
}

const char *trace_cidr(const struct ip_cidr *list, int i)
{
	static char buf[IP_STR_MAX + 4];

	ip_cidr_format(&list[i], buf);
	return buf;
}
