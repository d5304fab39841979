/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Records in, events out: the kernel program's records (from the ring buffer,
 * or from the program compiled natively for a capture) through the tracker,
 * the trust rules and the event, to the outputs. The observer and `replay`
 * share it, so that the same packets give the same events.
 */
#ifndef XFFW_EVENT_WRITER_H
#define XFFW_EVENT_WRITER_H

#include <stddef.h>
#include <stdint.h>

#include "cmd/event_order.h"
#include "cmd/options.h"
#include "event/audit_event.h"
#include "event/pseudonym.h"
#include "identity/owner_cache.h"
#include "output/daemon_stats.h"
#include "output/metrics_tally.h"
#include "output/outputs.h"
#include "pipeline/tracker.h"
#include "trust/rules.h"

/* What is known of the interface a record came by. */
struct event_link {
	const char *ifname;	      /* NULL when unknown */
	const char *bridge;	      /* the bridge it is a port of, or NULL */
	const struct link_meta *peer; /* who is behind it, or NULL */
};

typedef void (*event_link_fn)(void *ctx, uint32_t ifindex, struct event_link *out);

struct event_writer {
	const struct options *opts;
	struct sinks sinks; /* opened by the caller (sinks_open), who knows how files are made */
	struct pseudo pseudo;
	struct tracker *tracker;
	struct audit_event event; /* the event being written */
	struct resolution res;
	/* Added to a record's time for the event's: monotonic to wall clock live, 0 for captures. */
	int64_t to_real;
	event_link_fn link;
	void *link_ctx;
	/* Live: resolves who owns each end's socket; NULL for captures, which have none. */
	struct owner_cache *owners;
	struct sock_owner owner[2]; /* the event being written's: [XFFW_DIR_*] */
	bool nanoseconds; /* @timestamp to the nanosecond (replay of captures that have them) */
	/* Replay: events held and written in the order their requests began; NULL live. */
	struct event_order *order;
	uint64_t events;	    /* events made and handed to the outputs */
	uint64_t format_failures;   /* events that could not be formatted */
	uint64_t events_truncated;  /* events with finding truncated, or written short anywhere */
	uint64_t events_shortened;  /* events over AUDIT_EVENT_MAX, written short everywhere */
	size_t unflushed;	    /* bytes queued since the outputs last wrote */
	struct metrics_tally tally; /* the events made, for the metrics */
};

/*
 * The tracker (responses awaited for the settings' response timeout; a flow's
 * records still come @end_grace_ns after its end) and the pseudonyms. 0, or
 * -1 with the reason in @err.
 */
int event_writer_init(struct event_writer *w, const struct options *o, uint64_t end_grace_ns,
		      char *err, size_t errlen);
void event_writer_free(struct event_writer *w);

/* One record of the kernel program at @now_ns (the clock of record times). Its type or -errno. */
int event_writer_record(struct event_writer *w, const void *data, size_t size, uint64_t now_ns);

/* Lets the outputs write what is queued. */
void event_writer_flush(struct event_writer *w);

/* The tracker's, the events' and the outputs' counters into @s (the kernel's are the caller's). */
void event_writer_stats(struct event_writer *w, struct stats *s);

#endif
