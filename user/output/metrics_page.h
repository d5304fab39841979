/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The /metrics page (docs/metrics.md): the daemon's counters, the same
 * numbers as the JSON counters (docs/counters.md), and the events' tally, in
 * Prometheus's text format.
 */
#ifndef XFFW_METRICS_PAGE_H
#define XFFW_METRICS_PAGE_H

#include <stddef.h>

#include "output/daemon_stats.h"
#include "output/metrics_tally.h"

struct metrics_info {
	const char *version;
	unsigned int abi;
	double start_time; /* seconds since the epoch */
};

/*
 * The whole /metrics page into @out (malloc'd buffer, caller frees). 0, or
 * -ENOMEM: no memory, or past PROM_PAGE_MAX (which the bounds never reach).
 */
int metrics_page(const struct stats *s, const struct metrics_tally *t,
		 const struct metrics_info *info, char **out, size_t *len);

#endif
