// SPDX-License-Identifier: BSD-2-Clause
#include "pipeline/clock.h"

static int64_t ns_of(const struct timespec *ts)
{
	return (int64_t)ts->tv_sec * 1000000000 + ts->tv_nsec;
}

int64_t clock_mono_to_real_offset(void)
{
	struct timespec m1, r, m2;

	/* Bracket the realtime read to halve the error of two separate reads. */
	clock_gettime(CLOCK_MONOTONIC, &m1);
	clock_gettime(CLOCK_REALTIME, &r);
	clock_gettime(CLOCK_MONOTONIC, &m2);
	return ns_of(&r) - (ns_of(&m1) + ns_of(&m2)) / 2;
}

struct timespec clock_to_real(uint64_t mono_ns, int64_t offset)
{
	int64_t ns = (int64_t)mono_ns + offset;
	struct timespec ts = { .tv_sec = ns / 1000000000, .tv_nsec = ns % 1000000000 };

	return ts;
}
