/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The inside of the outputs: what each kind of output implements (struct
 * sink_ops: output/stdout_output.c, output/file_output.c,
 * output/syslog_transport.c) and what the generic part (output/outputs.c)
 * gives it: the queue of records, the batch writers, failure logging. A
 * backend embeds struct sink as the first member of its own struct.
 */
#ifndef XFFW_SINK_BACKEND_H
#define XFFW_SINK_BACKEND_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "output/outputs.h"
#include "pipeline/clock.h"

/*
 * Records written per writev to a stream (files, standard output, TCP): the
 * kernel's IOV_MAX, so that a drain of the ring buffer (a few hundred events
 * at 20,000 requests/s) is mostly one call, not one per 64 events.
 */
#define SINK_STREAM_BATCH 1024

/* A failing output says so at most this often. */
#define ERROR_LOG_INTERVAL_S 60

struct sink;

/*
 * One kind of output. Only open is required; without put, an event's line is
 * queued as it is; without write, records are written as a stream; without
 * close, the descriptor is closed.
 */
struct sink_ops {
	const char *kind; /* "stdout", "file", "syslog": the metrics' kind label */
	/*
	 * An output for @target ("-", a file name, a syslog target), with a queue
	 * of set->queue_bytes; files are opened now (through @fops), connections
	 * when first written. NULL without memory, or after logging why a file
	 * cannot be opened.
	 */
	struct sink *(*open)(const char *target, const struct output_settings *set,
			     const struct file_ops *fops);
	/* Queues @e as this output writes it (sink_enqueue), or counts it dropped. */
	void (*put)(struct sink *s, const struct sink_event *e);
	/* Opens, rotates, connects as due before writing: 0 when it can be written now. */
	int (*prepare)(struct sink *s, const struct timespec *now);
	/* Writes queued records: 0 when all went, -EAGAIN when the rest must wait, or -errno. */
	int (*write)(struct sink *s);
	/* A write failed with @err (not EAGAIN). NULL: counted and logged as "write failed". */
	void (*write_failed)(struct sink *s, int err);
	/* After each flush, and once more at exit (@final): syncs what was written. */
	void (*sync)(struct sink *s, bool final);
	/* At exit, the rest of a record begun on a stream; NULL: such a record is dropped. */
	ssize_t (*write_rest)(struct sink *s, const char *p, size_t n);
	/* At exit, before closing: stops work in the background (a name resolution). */
	void (*cancel)(struct sink *s);
	/*
	 * Closes the output, waiting for its background work until @until_ms
	 * (clock_mono_ms()) at most: false when that work still holds the
	 * output's memory, which must then not be freed.
	 */
	bool (*close)(struct sink *s, uint64_t until_ms);
	bool structured; /* its events need syslog's structured data */
};

/* Every output: a name, a descriptor, a bounded queue of records, counters. */
struct sink {
	const struct sink_ops *ops;
	char name[PATH_MAX + 16];
	int fd;
	char *q; /* records: a length, then the bytes */
	size_t head, len, cap, max;
	size_t nrecs;	/* records queued */
	size_t partial; /* bytes of the head record already written */
	struct sink_stats st;
	bool failing, broken;
	bool hup; /* SIGHUP came: an output opened by name opens it again when next prepared */
	bool full_tried; /* written to make room since the last flush, and still full */
	int last_errno;
	time_t last_err_log;
};

extern const struct sink_ops stdout_output_ops, file_output_ops, syslog_output_ops;

static inline time_t mono_s(void)
{
	return (time_t)(clock_mono_ms() / 1000);
}

/* An event this output loses, counted with why. */
static inline void sink_drop(struct sink *s, enum sink_drop why)
{
	s->st.dropped_by[why]++;
}

/* Sets up the generic part of a new output (no descriptor yet). */
void sink_init(struct sink *s, const struct sink_ops *ops, const struct output_settings *set);

/* Queues one record, @a then @b; drops and counts it when the queue stays full. */
void sink_enqueue(struct sink *s, const char *a, size_t na, const char *b, size_t nb);

/*
 * Up to SINK_STREAM_BATCH records per writev (standard output, files, TCP): 0 when
 * the queue is empty, -EAGAIN after a short write (s->partial says how far
 * into the head record it got), or -errno. Bytes written are added to
 * @written when it is not NULL.
 */
int sink_write_stream(struct sink *s, uint64_t *written);

/* Up to a batch of records per sendmmsg (datagrams): 0, -EAGAIN or -errno. */
int sink_write_dgram(struct sink *s);

/*
 * A failure that stops writing, logged once a minute at most (or when the
 * reason changes); what was lost is in the counters. @key tells reasons apart.
 */
void sink_failed_because(struct sink *s, int key, const char *what, const char *why);

/* The same for an errno. */
void sink_failed(struct sink *s, int err, const char *what);

#endif
