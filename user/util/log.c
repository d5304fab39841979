// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "util/utf8.h"

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

/*
 * Is the valid UTF-8 sequence of @len bytes at @s a bidirectional control
 * (U+061C, U+200E, U+200F, U+202A-U+202E, U+2066-U+2069)? Those reorder
 * what a terminal shows ("Trojan Source"): a line would not read as it is.
 */
static bool bidi_control(const unsigned char *s, size_t len)
{
	if (len == 2)
		return s[0] == 0xd8 && s[1] == 0x9c;
	if (len != 3 || s[0] != 0xe2)
		return false;
	if (s[1] == 0x80)
		return s[2] == 0x8e || s[2] == 0x8f || (s[2] >= 0xaa && s[2] <= 0xae);
	return s[1] == 0x81 && s[2] >= 0xa6 && s[2] <= 0xa9;
}

/*
 * Length of the valid UTF-8 sequence at @s (of @n bytes) for a code point
 * from U+00A0 on, or 0: invalid, overlong, a surrogate, past U+10FFFF, cut
 * short, a C1 control (which some terminals obey) or a bidirectional control.
 */
static size_t utf8_printable(const unsigned char *s, size_t n)
{
	long len = utf8_next(s, n);

	if (len <= 0 || (s[0] == 0xc2 && s[1] < 0xa0))
		return 0;
	return bidi_control(s, (size_t)len) ? 0 : (size_t)len;
}

size_t log_escape(char *out, size_t outlen, const char *s, size_t len, bool keep_newlines)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p = (const unsigned char *)s;
	size_t need = 0, at = 0;
	bool full = false;

	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		char piece[4];
		const char *src = piece;
		size_t n = 2;

		if ((c >= 0x20 && c < 0x7f) || (c == '\n' && keep_newlines)) {
			piece[0] = (char)c;
			n = 1;
		} else if (c == '\n' || c == '\t' || c == '\r') {
			piece[0] = '\\';
			piece[1] = c == '\n' ? 'n' : c == '\t' ? 't' : 'r';
		} else if (c >= 0x80 && (n = utf8_printable(p + i, len - i))) {
			src = s + i;
		} else {
			piece[0] = '\\';
			piece[1] = 'x';
			piece[2] = hex[c >> 4];
			piece[3] = hex[c & 15];
			n = 4;
		}
		i += src == piece ? 1 : n;
		/* Whole escapes only, and nothing after the first one that did not fit. */
		if (!full && at + n < outlen) {
			memcpy(out + at, src, n);
			at += n;
		} else {
			full = true;
		}
		need += n;
	}
	if (outlen)
		out[at] = '\0';
	return need;
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
