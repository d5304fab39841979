// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/libbpf.h>
#include <stdio.h>

#include "log.h"

static enum log_level current = LL_INFO;
static bool libbpf_verbose;

static const char *const prefix[] = {
	[LL_ERROR] = "error: ",
	[LL_WARN] = "warning: ",
	[LL_INFO] = "",
	[LL_DEBUG] = "debug: ",
};

void log_set_level(enum log_level level)
{
	current = level;
}

enum log_level log_get_level(void)
{
	return current;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	if (level > current)
		return;
	fprintf(stderr, "xffwatch: %s", prefix[level]);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

/* libbpf's lines end in '\n' already; its warnings carry the verifier log. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level != LIBBPF_WARN && !libbpf_verbose)
		return 0;
	/* libbpf's lines start with "libbpf: " already. */
	fprintf(stderr, "xffwatch: ");
	return vfprintf(stderr, fmt, ap);
}

void log_route_libbpf(bool verbose)
{
	libbpf_verbose = verbose;
	libbpf_set_print(libbpf_print);
}
