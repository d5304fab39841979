/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Requests and findings over time, for the doctor's report: a fixed number of
 * buckets whose width grows (and whose contents merge exactly) as the events
 * spread, whatever their order. Memory is fixed (docs/doctor.md, "Bounds").
 */
#ifndef XFFW_TIMELINE_H
#define XFFW_TIMELINE_H

#include <stddef.h>
#include <stdint.h>

#include "trust/rules.h"

#define TIMELINE_BUCKETS 120
/*
 * Bucket widths in seconds (timeline_widths: 1 5 10 30 60 300 600 1800 3600
 * 10800 21600 43200 86400 604800), each a divisor of the next: buckets merge whole.
 */
#define TIMELINE_NWIDTHS 14
extern const uint32_t timeline_widths[TIMELINE_NWIDTHS];

struct timeline_bucket {
	uint64_t requests;
	uint64_t findings[FINDING__MAX]; /* requests carrying each finding (enum finding) */
};

struct timeline {
	unsigned int width; /* index into timeline_widths */
	uint64_t origin;    /* bucket 0's start, seconds since the epoch, a multiple of the width */
	uint64_t lo, hi;    /* the earliest and the latest second seen (when dated) */
	uint64_t dated;	    /* requests in the buckets */
	uint64_t undated;   /* requests without a readable time */
	uint64_t outside;   /* requests too far from the others for the widest width */
	struct timeline_bucket b[TIMELINE_BUCKETS];
};

void timeline_init(struct timeline *tl);

/* Adds one request at @ts_ns (nanoseconds since the epoch; 0: unreadable) with @findings (1 << enum finding). */
void timeline_add(struct timeline *tl, uint64_t ts_ns, uint32_t findings);

/* The width of a bucket in seconds. */
static inline uint64_t timeline_seconds(const struct timeline *tl)
{
	return timeline_widths[tl->width];
}

/* The buckets in use: from bucket 0 (the earliest request's) to the latest request's; 0 when none is dated. */
size_t timeline_used(const struct timeline *tl);

/* Bucket @i's start, seconds since the epoch. */
static inline uint64_t timeline_start(const struct timeline *tl, size_t i)
{
	return tl->origin + i * timeline_seconds(tl);
}

#endif
