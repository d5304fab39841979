// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

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

/* Writes @s escaped, then a newline if @newline, in one fwrite. */
static void emit(FILE *f, const char *s, size_t len, bool keep_newlines, bool newline)
{
	char stack[1024], *buf = stack;
	size_t n = log_escape(stack, sizeof(stack) - 1, s, len, keep_newlines);

	if (n + 1 >= sizeof(stack) - 1) {
		buf = malloc(n + 2);
		if (buf) {
			log_escape(buf, n + 1, s, len, keep_newlines);
		} else {
			buf = stack;
			n = strlen(stack); /* what fitted, in whole escapes */
		}
	}
	if (newline || !n || buf[n - 1] != '\n')
		buf[n++] = '\n';
	fwrite(buf, 1, n, f);
	if (buf != stack)
		free(buf);
}

/* Formats into @stack, or into the heap when it is too small (*@heap to free). */
static const char *vformat(char *stack, size_t len, char **heap, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	*heap = NULL;
	va_copy(again, ap);
	n = vsnprintf(stack, len, fmt, ap);
	if (n >= 0 && (size_t)n >= len && (*heap = malloc((size_t)n + 1)))
		vsnprintf(*heap, (size_t)n + 1, fmt, again);
	va_end(again);
	if (n < 0)
		stack[0] = '\0';
	return *heap ? *heap : stack;
}

/*
 * The loggers leave errno as they found it: callers write
 * "log_error(..., strerror(errno)); return -errno;".
 */
void log_line(FILE *f, const char *fmt, ...)
{
	char stack[1024], *heap;
	const char *msg;
	int saved = errno;
	va_list ap;

	va_start(ap, fmt);
	msg = vformat(stack, sizeof(stack), &heap, fmt, ap);
	va_end(ap);
	emit(f, msg, strlen(msg), false, true);
	free(heap);
	errno = saved;
}

void log_lines(FILE *f, const char *text, size_t len)
{
	int saved = errno;

	if (len)
		emit(f, text, len, true, false);
	errno = saved;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char stack[1024], *heap;
	const char *msg;
	int saved = errno;
	va_list ap;

	if (level > current)
		return;
	va_start(ap, fmt);
	msg = vformat(stack, sizeof(stack), &heap, fmt, ap);
	va_end(ap);
	log_line(stderr, "xffwatch: %s%s", prefix[level], msg);
	free(heap);
	errno = saved;
}

int log_close_stdout(const char *what)
{
	/* A write that failed before (more than a buffer's worth) left its errno. */
	int early = ferror(stdout) ? (errno ? errno : EIO) : 0, err = 0;

	errno = 0;
	if (fflush(stdout))
		err = errno ? errno : EIO;
	else if (early)
		err = early;
	errno = 0;
	if (fclose(stdout) && !err)
		err = errno ? errno : EIO;
	if (!err)
		return 0;
	log_line(stderr, "xffwatch: writing %s: %s", what, strerror(err));
	return -err;
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
