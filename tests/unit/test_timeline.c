// SPDX-License-Identifier: BSD-2-Clause
/*
 * The doctor's timeline: widths that grow and buckets that merge exactly, in
 * any order, never more than TIMELINE_BUCKETS; events without a time apart.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <cmocka.h>

#include "doctor/timeline.h"

#define NS	1000000000ULL
#define T0	1795000000ULL /* 2026-11-18, a multiple of none of the widths past 10 */
#define F_SPOOF (1U << FINDING_SPOOFED_HEADER)
#define F_PP	(1U << FINDING_PP_FROM_UNTRUSTED_PEER)

static struct timeline tl;

static int setup(void **state)
{
	(void)state;
	timeline_init(&tl);
	return 0;
}

/* Every bucket equals what the events it covers add up to (@secs, @findings: @n events). */
static void assert_exact(const uint64_t *secs, const uint32_t *findings, size_t n)
{
	uint64_t w = timeline_seconds(&tl), total = 0;

	assert_int_equal(tl.origin % w, 0);
	assert_true(timeline_used(&tl) <= TIMELINE_BUCKETS);
	for (size_t i = 0; i < TIMELINE_BUCKETS; i++) {
		uint64_t req = 0, f[FINDING__MAX] = { 0 };

		for (size_t k = 0; k < n; k++)
			if (secs[k] >= timeline_start(&tl, i) &&
			    secs[k] < timeline_start(&tl, i) + w) {
				req++;
				for (unsigned int b = 0; b < FINDING__MAX; b++)
					f[b] += (findings[k] >> b) & 1;
			}
		assert_int_equal(tl.b[i].requests, req);
		for (unsigned int b = 0; b < FINDING__MAX; b++)
			assert_int_equal(tl.b[i].findings[b], f[b]);
		total += req;
		if (req)
			assert_true(i < timeline_used(&tl));
	}
	assert_int_equal(total, n);
	assert_int_equal(tl.dated, n);
}

/* Each width divides the next: merging is exact. */
static void test_widths(void **state)
{
	(void)state;
	assert_int_equal(timeline_widths[0], 1);
	for (size_t i = 1; i < TIMELINE_NWIDTHS; i++)
		assert_int_equal(timeline_widths[i] % timeline_widths[i - 1], 0);
	assert_int_equal(timeline_widths[TIMELINE_NWIDTHS - 1], 604800);
}

/* 120 one-second buckets hold a span of 119 s; 120 s takes the next width (5 s). */
static void test_growth_at_the_bound(void **state)
{
	uint64_t secs[3] = { T0, T0 + TIMELINE_BUCKETS - 1, T0 + TIMELINE_BUCKETS };
	uint32_t f[3] = { F_SPOOF, 0, F_PP };

	(void)state;
	timeline_add(&tl, secs[0] * NS + 999999999, f[0]);
	timeline_add(&tl, secs[1] * NS, f[1]);
	assert_int_equal(timeline_seconds(&tl), 1);
	assert_int_equal(tl.origin, T0);
	assert_int_equal(timeline_used(&tl), TIMELINE_BUCKETS);
	assert_exact(secs, f, 2);
	timeline_add(&tl, secs[2] * NS, f[2]);
	assert_int_equal(timeline_seconds(&tl), 5);
	assert_int_equal(tl.origin, T0 / 5 * 5);
	assert_exact(secs, f, 3);
}

/* Far apart at once: the width jumps to the first that holds both, not one step. */
static void test_growth_jumps(void **state)
{
	uint64_t secs[2] = { T0, T0 + 3 * 86400 };
	uint32_t f[2] = { 0, F_SPOOF };

	(void)state;
	timeline_add(&tl, secs[0] * NS, f[0]);
	timeline_add(&tl, secs[1] * NS, f[1]);
	assert_int_equal(timeline_seconds(&tl), 3600);
	assert_exact(secs, f, 2);
}

/* Out of order, earlier and later than all, with findings: the same buckets as sorted. */
static void test_out_of_order_exact(void **state)
{
	static uint64_t secs[2000];
	static uint32_t f[2000];
	struct timeline sorted;

	(void)state;
	srand(7);
	for (size_t i = 0; i < 2000; i++) {
		secs[i] = T0 + (uint64_t)(rand() % (i < 1000 ? 100 : 40000)) - (i % 3 ? 0 : 50);
		f[i] = (uint32_t)rand() & ((1U << FINDING__MAX) - 1);
		timeline_add(&tl, secs[i] * NS, f[i]);
		if (i % 97 == 0)
			assert_exact(secs, f, i + 1);
	}
	assert_exact(secs, f, 2000);
	/* The same events sorted: the same width and buckets. */
	timeline_init(&sorted);
	for (uint64_t s = T0 - 100; s < T0 + 40000; s++)
		for (size_t i = 0; i < 2000; i++)
			if (secs[i] == s)
				timeline_add(&sorted, s * NS, f[i]);
	assert_int_equal(sorted.width, tl.width);
	assert_int_equal(sorted.origin, tl.origin);
	assert_memory_equal(sorted.b, tl.b, sizeof(tl.b));
}

/* Events without a time are counted apart; so are those past the widest width's reach. */
static void test_undated_and_outside(void **state)
{
	const uint64_t week = 604800, lo = T0 / week * week;
	uint64_t secs[2] = { lo, lo + (TIMELINE_BUCKETS - 1) * week };
	uint32_t f[2] = { 0, 0 };

	(void)state;
	timeline_add(&tl, 0, F_SPOOF);
	assert_int_equal(tl.undated, 1);
	assert_int_equal(timeline_used(&tl), 0);
	timeline_add(&tl, secs[0] * NS, 0);
	timeline_add(&tl, secs[1] * NS, 0);
	assert_int_equal(timeline_seconds(&tl), week);
	assert_int_equal(timeline_used(&tl), TIMELINE_BUCKETS);
	/* One week past the last bucket, and one before the first: too far. */
	timeline_add(&tl, (secs[1] + week) * NS, 0);
	timeline_add(&tl, (lo - 1) * NS, 0);
	assert_int_equal(tl.outside, 2);
	assert_exact(secs, f, 2);
	assert_int_equal(tl.undated, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_widths, setup),
		cmocka_unit_test_setup(test_growth_at_the_bound, setup),
		cmocka_unit_test_setup(test_growth_jumps, setup),
		cmocka_unit_test_setup(test_out_of_order_exact, setup),
		cmocka_unit_test_setup(test_undated_and_outside, setup),
	};

	return cmocka_run_group_tests_name("doctor timeline", tests, NULL, NULL);
}
