// SPDX-License-Identifier: BSD-2-Clause
/* The counters' JSON (docs/counters.md): every counter named, the groups where tools look. */
#include <setjmp.h>
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_kernel_names),
		cmocka_unit_test(test_proxy_protocol_group),
	};

	return cmocka_run_group_tests_name("stats", tests, NULL, NULL);
}
