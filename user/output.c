// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "output.h"

int output_open(struct output *o, const char *path)
{
	memset(o, 0, sizeof(*o));
	if (!strcmp(path, "-")) {
		o->fd = STDOUT_FILENO;
		return 0;
	}
	o->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0640);
	if (o->fd < 0)
		return -errno;
	o->owned = true;
	return 0;
}

int output_line(struct output *o, const char *line, size_t len)
{
	if (o->len + len > o->cap) {
		size_t cap = o->cap ? o->cap : OUTPUT_FLUSH_AT * 2;
		char *p;

		while (cap < o->len + len)
			cap *= 2;
		p = realloc(o->buf, cap);
		if (!p) {
			o->dropped++;
			return -ENOMEM;
		}
		o->buf = p;
		o->cap = cap;
	}
	memcpy(o->buf + o->len, line, len);
	o->len += len;
	o->queued++;
	if (o->len >= OUTPUT_FLUSH_AT)
		output_flush(o);
	return 0;
}

static uint64_t count_lines(const char *p, size_t n)
{
	uint64_t lines = 0;

	for (const char *q = p; (q = memchr(q, '\n', n - (size_t)(q - p))); q++)
		lines++;
	return lines;
}

/* Writes @len bytes of @lines lines; counts them written or lost. */
static int write_lines(struct output *o, const char *buf, size_t len, uint64_t lines)
{
	size_t done = 0;
	int err = 0;

	while (done < len) {
		ssize_t n = write(o->fd, buf + done, len - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			err = n < 0 ? -errno : -EIO;
			break;
		}
		done += (size_t)n;
	}
	if (err) {
		/* A partial line on disk cannot be undone; count what did not reach it. */
		uint64_t lost = count_lines(buf + done, len - done);

		o->errors++;
		o->dropped += lost;
		lines -= lost;
		if (err == -EPIPE)
			o->broken = true;
		if (o->errors == 1 || !(o->errors & (o->errors - 1)))
			log_error("output: write failed (%s); %llu events lost so far",
				  strerror(-err), (unsigned long long)o->dropped);
	}
	o->lines += lines;
	return err;
}

int output_flush(struct output *o)
{
	int err = o->len ? write_lines(o, o->buf, o->len, o->queued) : 0;

	o->queued = 0;
	o->len = 0;
	return err;
}

int output_write(struct output *o, const char *buf, size_t len, uint64_t lines)
{
	int err = output_flush(o);

	if (o->broken)
		return err;
	return write_lines(o, buf, len, lines) ?: err;
}

void output_close(struct output *o)
{
	if (o->fd >= 0)
		output_flush(o);
	if (o->owned && o->fd >= 0)
		close(o->fd);
	free(o->buf);
	memset(o, 0, sizeof(*o));
	o->fd = -1;
}
