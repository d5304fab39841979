// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>

#include "output/metrics_tally.h"

const uint64_t metrics_duration_bounds_ns[METRICS_DURATION_BOUNDS] = {
	5000000ULL,	10000000ULL,	25000000ULL,	50000000ULL,   100000000ULL,
	250000000ULL,	500000000ULL,	1000000000ULL,	2500000000ULL, 5000000000ULL,
	10000000000ULL, 30000000000ULL, 60000000000ULL,
};

void metrics_tally_init(struct metrics_tally *t)
{
	memset(t, 0, sizeof(*t));
}

enum metrics_code_class metrics_code_class(unsigned int status)
{
	return status >= 100 && status < 600 ? (enum metrics_code_class)(status / 100 - 1)
					     : MCC_OTHER;
}

const char *metrics_code_class_name(unsigned int c)
{
	static const char *const names[MCC__MAX] = { "1xx", "2xx", "3xx", "4xx", "5xx", "other" };

	return c < MCC__MAX ? names[c] : NULL;
}

/* The row of @port: its own, a new one while there is room, else "other". */
static struct metrics_listener *listener(struct metrics_tally *t, unsigned int port)
{
	for (size_t i = 0; i < t->nports; i++)
		if (t->ports[i] == port)
			return &t->l[i];
	if (t->nports < METRICS_LISTENERS) {
		t->ports[t->nports] = port;
		return &t->l[t->nports++];
	}
	return &t->l[METRICS_LISTENERS];
}

uint64_t metrics_duration_count(const struct metrics_listener *l)
{
	uint64_t n = 0;

	for (size_t b = 0; b <= METRICS_DURATION_BOUNDS; b++)
		n += l->durations[b];
	return n;
}

void metrics_tally_event(struct metrics_tally *t, unsigned int port, unsigned int status,
			 uint64_t duration_ns, uint32_t findings)
{
	struct metrics_listener *l = listener(t, port);
	size_t b = 0;

	l->requests++;
	/* The set bits only: most events carry no finding (this runs for every event). */
	for (findings &= (1U << FINDING__MAX) - 1; findings; findings &= findings - 1)
		l->findings[__builtin_ctz(findings)]++;
	if (!status)
		return;
	l->responses[metrics_code_class(status)]++;
	if (!duration_ns)
		return;
	/* A duration exactly on a bound counts in it: le is inclusive. */
	while (b < METRICS_DURATION_BOUNDS && duration_ns > metrics_duration_bounds_ns[b])
		b++;
	l->durations[b]++;
	l->duration_sum_ns += duration_ns;
}
