/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The daemon's counters in one place: the kernel's, the tracker's, the
 * outputs'. Printed on SIGUSR1 and at exit, and written as a JSON object
 * (docs/counters.md) for tools to read.
 */
#ifndef XFFW_STATS_H
#define XFFW_STATS_H

#include "identity/owner_cache.h"
#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"
#include "kernel/bpf_counters.h"
#include "event/jsonw.h"
#include "output/outputs.h"
#include "pipeline/tracker.h"

#define STATS_MAX_OUTPUTS (2 * OPT_MAX_OUTPUTS)

struct stats_output {
	const char *name;
	const char *kind; /* sink_kind's; NULL: guessed from the name */
	struct sink_stats st;
};

struct stats {
	uint64_t kernel[XFFW_CNT__MAX];
	struct tracker_stats tracker;
	uint64_t events_written;
	uint64_t events_dropped;
	/* events with finding truncated, whatever the cause, a short form written anywhere included */
	uint64_t events_truncated;
	uint64_t events_shortened;     /* events too long for the outputs, written in short form */
	uint64_t events_unformattable; /* of events_dropped: could not be formatted */
	long flows_live;	 /* entries in the flow table at the last walk; -1 if unknown */
	uint64_t flow_evictions; /* flow entries the LRU pushed out, at least */
	struct stats_output outputs[STATS_MAX_OUTPUTS];
	size_t noutputs;
	const struct capture_counters *capture;	  /* replay: the capture's, else NULL */
	const struct owner_cache_stats *identity; /* live: the sockets' owners, else NULL */
};

/*
 * A counter of a struct: its JSON key, where it is, and what it counts (the
 * metric's help; NULL where no metric shows it), and whether it is a gauge. The tables below are the one
 * list of their groups: the JSON counters and the metrics both read them.
 */
struct stats_counter {
	const char *key;
	size_t off;
	const char *help;
	bool gauge; /* a level now, not a count since the start */
};

extern const struct stats_counter stats_tracker_counters[]; /* of struct tracker_stats */
extern const size_t stats_tracker_ncounters;
extern const struct stats_counter stats_pp_counters[]; /* of struct tracker_pp_stats */
extern const size_t stats_pp_ncounters;
extern const struct stats_counter stats_identity_counters[]; /* of struct owner_cache_stats */
extern const size_t stats_identity_ncounters;

/* The value of counter @c in the struct at @base. */
uint64_t stats_counter(const void *base, const struct stats_counter *c);

/*
 * Flow entries the LRU map pushed out, at least: the larger of @known (the
 * figure so far, so that it never decreases) and what one walk of the table
 * proves, @created_before (flows_created read before the walk) minus
 * @removed_after (flows_removed read after it) minus @live (keys the walk
 * counted; negative: the walk failed, nothing proved). Every flow created
 * before the walk was by its end removed, evicted, or there all along and so
 * counted; keys counted twice only lower the figure.
 */
uint64_t stats_flow_evictions(uint64_t known, uint64_t created_before, uint64_t removed_after,
			      long live);

/* The counters as one JSON object (no newline). */
void stats_json(struct jsonw *j, const struct stats *s);

#endif
