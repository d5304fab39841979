// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>

#include "doctor/timeline.h"

const uint32_t timeline_widths[TIMELINE_NWIDTHS] = {
	1, 5, 10, 30, 60, 300, 600, 1800, 3600, 10800, 21600, 43200, 86400, 604800
};

void timeline_init(struct timeline *tl)
{
	memset(tl, 0, sizeof(*tl));
}

/* The narrowest width from @from on whose aligned buckets hold @lo..@hi; TIMELINE_NWIDTHS: none. */
static unsigned int width_for(unsigned int from, uint64_t lo, uint64_t hi)
{
	for (unsigned int w = from; w < TIMELINE_NWIDTHS; w++)
		if (hi / timeline_widths[w] - lo / timeline_widths[w] < TIMELINE_BUCKETS)
			return w;
	return TIMELINE_NWIDTHS;
}

/*
 * Moves the buckets to width @w and origin @origin (aligned to it, at or
 * before the old one). Each old bucket lies inside one new bucket: widths
 * divide each other and both origins are aligned, so merging is exact.
 */
static void regrid(struct timeline *tl, unsigned int w, uint64_t origin)
{
	static struct timeline_bucket old[TIMELINE_BUCKETS];
	uint64_t ow = timeline_seconds(tl), nw = timeline_widths[w];

	memcpy(old, tl->b, sizeof(old));
	memset(tl->b, 0, sizeof(tl->b));
	for (size_t i = 0; i < TIMELINE_BUCKETS; i++) {
		struct timeline_bucket *to;

		if (!old[i].requests)
			continue;
		to = &tl->b[(tl->origin + i * ow - origin) / nw];
		to->requests += old[i].requests;
		for (unsigned int f = 0; f < FINDING__MAX; f++)
			to->findings[f] += old[i].findings[f];
	}
	tl->width = w;
	tl->origin = origin;
}

void timeline_add(struct timeline *tl, uint64_t ts_ns, uint32_t findings)
{
	uint64_t s = ts_ns / 1000000000ULL, lo, hi;
	struct timeline_bucket *b;

	if (!ts_ns) {
		tl->undated++;
		return;
	}
	if (!tl->dated) {
		tl->lo = tl->hi = s;
		tl->origin = s / timeline_seconds(tl) * timeline_seconds(tl);
	}
	lo = s < tl->lo ? s : tl->lo;
	hi = s > tl->hi ? s : tl->hi;
	if (s < tl->origin || s - tl->origin >= TIMELINE_BUCKETS * timeline_seconds(tl)) {
		unsigned int w = width_for(tl->width, lo, hi);

		if (w == TIMELINE_NWIDTHS) {
			tl->outside++;
			return;
		}
		regrid(tl, w, lo / timeline_widths[w] * timeline_widths[w]);
	}
	tl->lo = lo;
	tl->hi = hi;
	tl->dated++;
	b = &tl->b[(s - tl->origin) / timeline_seconds(tl)];
	b->requests++;
	for (unsigned int f = 0; f < FINDING__MAX; f++)
		b->findings[f] += (findings >> f) & 1;
}

size_t timeline_used(const struct timeline *tl)
{
	return tl->dated ? (size_t)((tl->hi - tl->origin) / timeline_seconds(tl)) + 1 : 0;
}
