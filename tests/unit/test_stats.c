// SPDX-License-Identifier: BSD-2-Clause
/* The counters' JSON (docs/counters.md): every counter named, the groups where tools look. */
#include <setjmp.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "output/daemon_stats.h"

static json_t *stats_doc(const struct stats *s)
{
	struct jsonw j;
	json_error_t err;
	json_t *doc;

	jsonw_init(&j);
	stats_json(&j, s);
	assert_false(j.failed);
	doc = json_loadb(j.buf, j.len, 0, &err);
	if (!doc)
		fail_msg("invalid counters (%s): %.*s", err.text, (int)j.len, j.buf);
	jsonw_free(&j);
	return doc;
}

/* A counter without a name would be a value without a key: not JSON. */
static void test_kernel_names(void **state)
{
	static struct stats s;
	json_t *doc, *kernel;

	(void)state;
	for (unsigned int i = 0; i < XFFW_CNT__MAX; i++) {
		assert_non_null(counter_name(i));
		s.kernel[i] = 100 + i;
	}
	assert_null(counter_name(XFFW_CNT__MAX));
	s.flows_live = -1;
	doc = stats_doc(&s);
	kernel = json_object_get(doc, "kernel");
	assert_int_equal(json_object_size(kernel), XFFW_CNT__MAX);
	assert_int_equal(json_integer_value(json_object_get(kernel, "pp_preambles")),
			 100 + XFFW_CNT_PP_PREAMBLES);
	assert_int_equal(json_integer_value(json_object_get(kernel, "pp_cut")),
			 100 + XFFW_CNT_PP_CUT);
	assert_int_equal(json_integer_value(json_object_get(kernel, "pp_bad")),
			 100 + XFFW_CNT_PP_BAD);
	json_decref(doc);
}

/* tracker_stats.pp as the proxy_protocol group: each member under its own name. */
static void test_proxy_protocol_group(void **state)
{
	static const struct {
		const char *key;
		size_t off;
	} members[] = {
#define M(m) { #m, offsetof(struct tracker_pp_stats, m) }
		M(preambles), M(v1),	 M(v2),		M(local), M(unknown), M(malformed),
		M(truncated), M(crc_ok), M(parts_lost), M(lost),  M(evicted), M(conns),
#undef M
	};
	static struct stats s;
	json_t *doc, *pp;

	(void)state;
	_Static_assert(sizeof(members) / sizeof(members[0]) ==
			       sizeof(struct tracker_pp_stats) / sizeof(uint64_t),
		       "every member of tracker_pp_stats is listed");
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++) {
		uint64_t v = 1000 + i;

		memcpy((char *)&s.tracker.pp + members[i].off, &v, sizeof(v));
	}
	s.flows_live = -1;
	doc = stats_doc(&s);
	pp = json_object_get(doc, "proxy_protocol");
	assert_int_equal(json_object_size(pp), sizeof(members) / sizeof(members[0]));
	for (size_t i = 0; i < sizeof(members) / sizeof(members[0]); i++)
		assert_int_equal(json_integer_value(json_object_get(pp, members[i].key)), 1000 + i);
	json_decref(doc);
}

/* The evictions' arithmetic: a lower bound, kept monotonic, nothing from a failed walk. */
static void test_flow_evictions_bound(void **state)
{
	(void)state;
	assert_int_equal(stats_flow_evictions(0, 0, 0, 0), 0);
	assert_int_equal(stats_flow_evictions(0, 200, 100, 64), 36);
	/* A later walk proving less (flows counted twice) never lowers it. */
	assert_int_equal(stats_flow_evictions(36, 210, 110, 90), 36);
	assert_int_equal(stats_flow_evictions(36, 300, 100, 64), 136);
	/* Exactly accounted for, and more removed than created before the walk: nothing. */
	assert_int_equal(stats_flow_evictions(5, 150, 100, 50), 5);
	assert_int_equal(stats_flow_evictions(5, 100, 120, 0), 5);
	/* The walk failed (gave up, or could not read the map). */
	assert_int_equal(stats_flow_evictions(7, 1000, 0, -34), 7);
	assert_int_equal(stats_flow_evictions(0, UINT64_MAX, 0, 0), UINT64_MAX);
}

/*
 * Churn with 50 live flows and no eviction possible: a flow ends and another
 * starts between the walk's steps, anywhere in the table. The bound never
 * invents an eviction; the old figure (counters read after the walk) did.
 */
static void test_flow_evictions_churn(void **state)
{
	enum { BUCKETS = 64, LIVE = 50, WALKS = 2000 };
	bool used[BUCKETS] = { false };
	uint64_t created = LIVE, removed = 0, known = 0;
	unsigned int seed = 19, phantoms_after = 0;

	(void)state;
	for (unsigned int b = 0; b < LIVE; b++)
		used[b] = true;
	for (unsigned int w = 0; w < WALKS; w++) {
		uint64_t created_before = created;
		long seen = 0;

		for (unsigned int b = 0; b < BUCKETS; b++) {
			unsigned int gone, made;

			seen += used[b];
			if (rand_r(&seed) % 4)
				continue;
			do
				gone = (unsigned int)rand_r(&seed) % BUCKETS;
			while (!used[gone]);
			used[gone] = false;
			removed++;
			do
				made = (unsigned int)rand_r(&seed) % BUCKETS;
			while (used[made]);
			used[made] = true;
			created++;
		}
		known = stats_flow_evictions(known, created_before, removed, seen);
		assert_int_equal(known, 0);
		phantoms_after += created - removed > (uint64_t)seen;
	}
	/* The simulation does reach the review's case. */
	assert_true(phantoms_after > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_flow_evictions_bound),
		cmocka_unit_test(test_flow_evictions_churn),
		cmocka_unit_test(test_kernel_names),
		cmocka_unit_test(test_proxy_protocol_group),
	};

	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
