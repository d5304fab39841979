/* SPDX-License-Identifier: BSD-2-Clause */
/* Kernel timestamps (CLOCK_MONOTONIC) to wall-clock time. */
#ifndef XFFW_CLOCK_H
#define XFFW_CLOCK_H

#include <stdint.h>
#include <time.h>

/* CLOCK_REALTIME minus CLOCK_MONOTONIC, in ns; refresh it now and then (NTP steps). */
int64_t clock_mono_to_real_offset(void);

/* @mono_ns plus @offset as a timespec. */
struct timespec clock_to_real(uint64_t mono_ns, int64_t offset);

#endif
