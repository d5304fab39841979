/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the events made add up to, for the metrics (docs/metrics.md): per
 * listener (the app port), requests, responses by status class, findings and
 * a histogram of durations. Fixed size: METRICS_LISTENERS ports get their own
 * row, later ones share "other".
 */
#ifndef XFFW_METRICS_TALLY_H
#define XFFW_METRICS_TALLY_H

#include <stddef.h>
#include <stdint.h>

#include "trust/rules.h"

#define METRICS_LISTENERS 32 /* distinct listener label values; later ones: "other" */

/* Response status classes: 1xx..5xx, then "other" (below 100, 600 and over). */
enum metrics_code_class { MCC_1XX, MCC_2XX, MCC_3XX, MCC_4XX, MCC_5XX, MCC_OTHER, MCC__MAX };

/* The histogram's finite upper bounds, ns (0.005 s .. 60 s); +Inf is one past them. */
#define METRICS_DURATION_BOUNDS 13
extern const uint64_t metrics_duration_bounds_ns[METRICS_DURATION_BOUNDS];

struct metrics_listener {
	uint64_t requests; /* events made */
	uint64_t responses[MCC__MAX];
	uint64_t findings[FINDING__MAX];
	/* Events with a response and a duration, by the first bound that holds it (last: +Inf). */
	uint64_t durations[METRICS_DURATION_BOUNDS + 1];
	uint64_t duration_sum_ns;
};

struct metrics_tally {
	unsigned int ports[METRICS_LISTENERS]; /* the listeners' ports in the order first seen */
	size_t nports;
	/* [nports..]: unused; [METRICS_LISTENERS]: "other" (its requests: the events it took) */
	struct metrics_listener l[METRICS_LISTENERS + 1];
};

void metrics_tally_init(struct metrics_tally *t);

/* One event made: the app port, status (0: none), duration in ns (0: none),
   findings as 1 << enum finding (the event's own list, exactly what it says). */
void metrics_tally_event(struct metrics_tally *t, unsigned int port, unsigned int status,
			 uint64_t duration_ns, uint32_t findings);

/* Events of @l in the histogram: the sum of its buckets (the histogram's _count). */
uint64_t metrics_duration_count(const struct metrics_listener *l);

/* The class of response status @status (not 0). */
enum metrics_code_class metrics_code_class(unsigned int status);

/* "2xx" etc. for class @c, or NULL. */
const char *metrics_code_class_name(unsigned int c);

#endif
