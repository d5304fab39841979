/* SPDX-License-Identifier: BSD-2-Clause */
/* Where JSON lines go: standard output or an append-only file. */
#ifndef XFFW_OUTPUT_H
#define XFFW_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Buffered bytes that trigger a write before the batch ends. */
#define OUTPUT_FLUSH_AT (256 * 1024)

struct output {
	int fd;
	bool owned; /* opened by us */
	char *buf;
	size_t len, cap;
	size_t queued;	  /* lines in buf */
	uint64_t lines;	  /* complete lines written */
	uint64_t dropped; /* lines lost to write errors */
	uint64_t errors;  /* failed write calls */
	bool broken;	  /* the reader went away (EPIPE): stop */
};

/*
 * Opens "-" (standard output) or @path (O_APPEND, created 0640).
 * Returns 0 or a negative errno.
 */
int output_open(struct output *o, const char *path);

/* Queues one complete line (it must end in '\n'). 0 or -ENOMEM. */
int output_line(struct output *o, const char *line, size_t len);

/*
 * Writes @len bytes holding @lines complete lines straight from @buf (after
 * anything queued): for a caller that formats lines in a buffer of its own,
 * to save a copy. 0, or a negative errno after counting the loss.
 */
int output_write(struct output *o, const char *buf, size_t len, uint64_t lines);

/* Writes out what is queued. 0, or a negative errno after counting the loss. */
int output_flush(struct output *o);

void output_close(struct output *o);

#endif
