/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The daemon's counters in one place: the kernel's, the tracker's, the
 * output's. Printed on SIGUSR1 and at exit, and written as a JSON object
 * (docs/counters.md) for tools to read.
 */
#ifndef XFFW_STATS_H
#define XFFW_STATS_H

#include <stdint.h>

#include "counters.h"
#include "jsonw.h"
#include "tracker.h"

struct stats {
	uint64_t kernel[XFFW_CNT__MAX];
	struct tracker_stats tracker;
	uint64_t events_written;
	uint64_t events_dropped;
	long flows_live; /* entries in the kernel's flow table; -1 if unknown */
};

/* Flow entries the LRU map pushed out: created, minus removed, minus still there. */
uint64_t stats_flow_evictions(const struct stats *s);

/* The counters as one JSON object (no newline). */
void stats_json(struct jsonw *j, const struct stats *s);

#endif
