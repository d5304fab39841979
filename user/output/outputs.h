/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Where events go: standard output, files, syslog (RFC 5424 over the local
 * socket, UDP or TCP). Each output has its own bounded queue: the consumer
 * of the ring buffer only ever appends to queues, and each output writes
 * what it can when it can, without blocking. An output that cannot keep up,
 * or fails, drops what does not fit its queue and counts it; it resumes by
 * itself. Files are appended to whole lines at a time, reopened on SIGHUP,
 * rotated by size or day with old ones deleted after a number of days.
 *
 * outputs.c holds the set and the queues; each kind of output is a backend
 * behind a table of operations (output/sink_backend.h): stdout_output.c,
 * file_output.c, syslog_transport.c (with syslog_framing.c).
 */
#ifndef XFFW_SINK_H
#define XFFW_SINK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <time.h>

#include "event/sink_event.h"
#include "kernel/privileged_files.h"
#include "output/output_settings.h"

/* Why an output lost an event (the metrics' reason label), one list. */
#define SINK_DROP_REASONS(X)                                                                \
	X(QUEUE_FULL, "queue_full")	  /* did not fit the queue (or no memory for it) */ \
	X(EXIT_DEADLINE, "exit_deadline") /* still queued when the time at exit ran out */  \
	X(READER_GONE, "reader_gone")	  /* standard output's reader went away */          \
	X(UNSENDABLE, "unsendable")	  /* a message the transport could not take */

#define SINK_DROP_ENUM(id, name) SINK_DROP_##id,
enum sink_drop { SINK_DROP_REASONS(SINK_DROP_ENUM) SINK_DROP__MAX };
#undef SINK_DROP_ENUM

/* "queue_full" etc., or NULL. */
const char *sink_drop_name(unsigned int why);

struct sink_stats {
	uint64_t events;  /* written whole */
	uint64_t dropped; /* did not fit the queue, or could never be written: sink_stats sums
			     dropped_by for it */
	uint64_t dropped_by[SINK_DROP__MAX]; /* the same, by why (kept per output) */
	uint64_t errors;		     /* failed writes or connections */
	uint64_t queued;		     /* bytes waiting */
	uint64_t queued_events;
	uint64_t rotations;
	uint64_t shortened; /* events this output took in their short form */
};

struct sink;

/* The outputs the options ask for; they open or connect when first written. */
struct sinks {
	struct sink **s;
	size_t n;
	bool structured; /* some outputs are syslog: events need their structured data */
};

/*
 * Opens every output of @o: files now, through @ops (kept for reopening,
 * rotating and deleting old files); connections when first written.
 * Returns 0 or a negative errno after logging; nothing is open then.
 */
int sinks_open(struct sinks *all, const struct output_settings *o, const struct file_ops *ops);

/* Queues one event on every output. */
void sinks_put(struct sinks *all, const struct sink_event *e);

/* Writes what can be written now, rotates, syncs and reconnects as due. */
void sinks_flush(struct sinks *all, const struct timespec *now);

/* Reopens the files (after an external rotation): SIGHUP. */
void sinks_reopen(struct sinks *all);

/*
 * Writes everything queued, waiting at most @deadline_ms for slow outputs;
 * what is left then is dropped and counted. Files are synced.
 */
void sinks_drain(struct sinks *all, unsigned int deadline_ms);

/* Drains (as above) and closes. */
void sinks_close(struct sinks *all, unsigned int deadline_ms);

/* "stdout", "file" or "syslog": the kind of output @i, or NULL. */
const char *sink_kind(const struct sinks *all, size_t i);
/* "file /var/log/x.json", "syslog tcp://...": for logs and counters. */
const char *sink_name(const struct sinks *all, size_t i);
void sink_stats(const struct sinks *all, size_t i, struct sink_stats *st);

/* Did the reader of standard output go away (EPIPE)? */
bool sinks_broken(const struct sinks *all);

#endif
