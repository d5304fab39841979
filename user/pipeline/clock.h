/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Kernel timestamps (CLOCK_MONOTONIC) to wall-clock time, wall-clock time as
 * text, and the monotonic clock that deadlines use (a clock step must not
 * move them).
 */
#ifndef XFFW_CLOCK_H
#define XFFW_CLOCK_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* CLOCK_REALTIME minus CLOCK_MONOTONIC, in ns; refresh it now and then (NTP steps). */
int64_t clock_mono_to_real_offset(void);

/* @mono_ns plus @offset as a timespec. */
struct timespec clock_to_real(uint64_t mono_ns, int64_t offset);

/* 9999-12-31T23:59:59Z: the last second RFC 3339's four-digit years can write. */
#define CLOCK_RFC3339_LAST 253402300799LL

/*
 * RFC 3339 UTC with microseconds ("2026-11-27T11:40:00.123456Z") into
 * @buf[32]: its length, 27. A time before 1970 is written as 1970's first
 * microsecond, one past 9999 as its last.
 */
size_t clock_rfc3339(const struct timespec *ts, char *buf);
/* The same with @digits 6 or 9 of the second ("...00.123456789Z", 30 bytes). */
size_t clock_rfc3339_digits(const struct timespec *ts, char *buf, int digits);

/* CLOCK_MONOTONIC in milliseconds. */
uint64_t clock_mono_ms(void);

#endif
