// SPDX-License-Identifier: BSD-2-Clause
/* The events' tally: listeners up to the bound and past it, status classes, histogram edges. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "output/metrics_tally.h"

static struct metrics_tally t;

static void test_listener_bound(void **state)
{
	(void)state;
	metrics_tally_init(&t);
	for (unsigned int p = 0; p < METRICS_LISTENERS; p++) {
		metrics_tally_event(&t, 5000 + p, 200, 0, 0);
		metrics_tally_event(&t, 5000 + p, 200, 0, 0); /* a port seen again: its row */
	}
	/* At the bound: every port has its own row, none went to "other". */
	assert_int_equal(t.nports, METRICS_LISTENERS);
	assert_int_equal(t.l[METRICS_LISTENERS].requests, 0);
	for (unsigned int p = 0; p < METRICS_LISTENERS; p++) {
		assert_int_equal(t.ports[p], 5000 + p);
		assert_int_equal(t.l[p].requests, 2);
	}
	/* One past: "other", counted; a known port still goes to its own row. */
	metrics_tally_event(&t, 9999, 404, 0, 0);
	metrics_tally_event(&t, 5000, 200, 0, 0);
	assert_int_equal(t.nports, METRICS_LISTENERS);
	assert_int_equal(t.l[METRICS_LISTENERS].requests, 1);
	assert_int_equal(t.l[METRICS_LISTENERS].requests, 1);
	assert_int_equal(t.l[METRICS_LISTENERS].responses[MCC_4XX], 1);
	assert_int_equal(t.l[0].requests, 3);
}

static void test_code_classes(void **state)
{
	static const struct {
		unsigned int status;
		int cls; /* -1: no response, not counted */
	} cases[] = {
		{ 100, MCC_1XX }, { 199, MCC_1XX }, { 200, MCC_2XX },	{ 399, MCC_3XX },
		{ 404, MCC_4XX }, { 599, MCC_5XX }, { 600, MCC_OTHER }, { 99, MCC_OTHER },
		{ 1, MCC_OTHER }, { 0, -1 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint64_t sum = 0;

		metrics_tally_init(&t);
		metrics_tally_event(&t, 80, cases[i].status, 0, 0);
		assert_int_equal(t.l[0].requests, 1);
		for (unsigned int c = 0; c < MCC__MAX; c++)
			sum += t.l[0].responses[c];
		if (cases[i].cls < 0) {
			assert_int_equal(sum, 0);
			continue;
		}
		assert_int_equal(sum, 1);
		assert_int_equal(t.l[0].responses[cases[i].cls], 1);
	}
	assert_string_equal(metrics_code_class_name(MCC_2XX), "2xx");
	assert_string_equal(metrics_code_class_name(MCC_OTHER), "other");
	assert_null(metrics_code_class_name(MCC__MAX));
}

/* le is inclusive: a duration exactly on a bound counts in that bucket, 1 ns more in the next. */
static void test_histogram_edges(void **state)
{
	(void)state;
	for (size_t b = 0; b < METRICS_DURATION_BOUNDS; b++) {
		uint64_t on = metrics_duration_bounds_ns[b];

		metrics_tally_init(&t);
		metrics_tally_event(&t, 80, 200, on, 0);
		metrics_tally_event(&t, 80, 200, on + 1, 0);
		assert_int_equal(t.l[0].durations[b], 1);
		assert_int_equal(t.l[0].durations[b + 1], 1);
		assert_int_equal(metrics_duration_count(&t.l[0]), 2);
		assert_int_equal(t.l[0].duration_sum_ns, 2 * on + 1);
	}
	metrics_tally_init(&t);
	metrics_tally_event(&t, 80, 200, 1, 0); /* the shortest: first bucket */
	assert_int_equal(t.l[0].durations[0], 1);
	/* No response, or no duration: not in the histogram. */
	metrics_tally_event(&t, 80, 0, 5000000, 0);
	metrics_tally_event(&t, 80, 200, 0, 0);
	assert_int_equal(metrics_duration_count(&t.l[0]), 1);
	assert_int_equal(t.l[0].requests, 3);
}

static void test_findings(void **state)
{
	(void)state;
	metrics_tally_init(&t);
	metrics_tally_event(&t, 80, 0, 0,
			    1U << FINDING_SPOOFED_HEADER | 1U << FINDING_NO_RESPONSE |
				    1U << (FINDING__MAX - 1));
	metrics_tally_event(&t, 80, 200, 0, 1U << FINDING_SPOOFED_HEADER);
	assert_int_equal(t.l[0].findings[FINDING_SPOOFED_HEADER], 2);
	assert_int_equal(t.l[0].findings[FINDING_NO_RESPONSE], 1);
	assert_int_equal(t.l[0].findings[FINDING__MAX - 1], 1);
	assert_int_equal(t.l[0].findings[FINDING_TRUNCATED], 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_listener_bound),
		cmocka_unit_test(test_code_classes),
		cmocka_unit_test(test_histogram_edges),
		cmocka_unit_test(test_findings),
	};

	return cmocka_run_group_tests_name("metrics_tally", tests, NULL, NULL);
}
