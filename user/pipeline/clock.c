// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <string.h>

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

size_t clock_rfc3339_digits(const struct timespec *ts, char *buf, int digits)
{
	/* Events come in bursts within one second: format its date and time once. */
	static __thread time_t cached_sec = -1;
	static __thread char cached[20]; /* "2026-11-27T11:40:00" */
	/* Always a date of four-digit years: held within 1970 to 9999 (a capture's times are anyone's). */
	time_t sec = ts->tv_sec < 0		       ? 0
		     : ts->tv_sec > CLOCK_RFC3339_LAST ? CLOCK_RFC3339_LAST
						       : ts->tv_sec;
	long nsec = ts->tv_sec > CLOCK_RFC3339_LAST	? 999999999
		    : ts->tv_sec < 0 || ts->tv_nsec < 0 ? 0
		    : ts->tv_nsec > 999999999		? 999999999
							: ts->tv_nsec;
	long frac = digits == 9 ? nsec : nsec / 1000;
	int end;

	if (sec != cached_sec) {
		struct tm tm;

		if (!gmtime_r(&sec, &tm) ||
		    snprintf(cached, sizeof(cached), "%04d-%02d-%02dT%02d:%02d:%02d",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec) != 19)
			return 0;
		cached_sec = sec;
	}
	memcpy(buf, cached, 19);
	buf[19] = '.';
	end = 20 + (digits == 9 ? 9 : 6);
	for (int i = end - 1; i >= 20; i--) {
		buf[i] = (char)('0' + frac % 10);
		frac /= 10;
	}
	buf[end] = 'Z';
	buf[end + 1] = '\0';
	return (size_t)end + 1;
}

size_t clock_rfc3339(const struct timespec *ts, char *buf)
{
	return clock_rfc3339_digits(ts, buf, 6);
}

uint64_t clock_mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}
