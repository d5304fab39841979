// SPDX-License-Identifier: BSD-2-Clause
/*
 * The /metrics page: it parses (every sample's family has HELP and TYPE
 * before it, no series twice), it shows the counters' numbers, it stays under
 * the series bound docs/metrics.md states, and the docs name every family.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output/metrics_page.h"
#include "output/prom_text.h"

#define MAX_FAMILIES 256
#define MAX_SERIES   4096

/* The series bound of docs/metrics.md, from the same constants. */
#define LISTENER_SERIES (1 + MCC__MAX + FINDING__MAX + (METRICS_DURATION_BOUNDS + 1) + 2)
#define OUTPUT_SERIES	(5 + SINK_DROP__MAX)
#define FIXED_SERIES	(2 + (NR__MAX - 1) + 7 + XFFW_CNT__MAX + 6 + 12 + 6)
#define SERIES_BOUND                                                                     \
	((METRICS_LISTENERS + 1) * LISTENER_SERIES + STATS_MAX_OUTPUTS * OUTPUT_SERIES + \
	 FIXED_SERIES)

struct parsed {
	char families[MAX_FAMILIES][96];
	char types[MAX_FAMILIES][16];
	bool helped[MAX_FAMILIES];
	size_t nfamilies;
	char *series[MAX_SERIES];
	size_t nseries;
};

static struct parsed parsed;

static int family_at(const char *name, size_t len)
{
	for (size_t i = 0; i < parsed.nfamilies; i++)
		if (strlen(parsed.families[i]) == len && !strncmp(parsed.families[i], name, len))
			return (int)i;
	return -1;
}

/* The family of sample @name: itself, or a histogram's for _bucket, _sum, _count. */
static int sample_family(const char *name, size_t len)
{
	static const char *const suffixes[] = { "_bucket", "_sum", "_count" };
	int f = family_at(name, len);

	for (size_t s = 0; f < 0 && s < 3; s++) {
		size_t sl = strlen(suffixes[s]);

		if (len > sl && !strncmp(name + len - sl, suffixes[s], sl)) {
			f = family_at(name, len - sl);
			if (f >= 0 && strcmp(parsed.types[f], "histogram"))
				f = -1;
		}
	}
	return f;
}

/* A small checker of the text format: what promtool would refuse, the test refuses. */
static void parse_page(char *page, size_t len)
{
	char *line = page, *end = page + len;

	memset(&parsed, 0, sizeof(parsed));
	assert_true(len > 0 && page[len - 1] == '\n');
	while (line < end) {
		char *nl = memchr(line, '\n', (size_t)(end - line));
		char name[96], rest[32];

		assert_non_null(nl);
		*nl = '\0';
		if (!strncmp(line, "# HELP ", 7)) {
			assert_int_equal(sscanf(line + 7, "%95s", name), 1);
			/* HELP comes first, once per family. */
			assert_int_equal(family_at(name, strlen(name)), -1);
			assert_true(parsed.nfamilies < MAX_FAMILIES);
			strcpy(parsed.families[parsed.nfamilies], name);
			parsed.helped[parsed.nfamilies++] = true;
		} else if (!strncmp(line, "# TYPE ", 7)) {
			int f;

			assert_int_equal(sscanf(line + 7, "%95s %31s", name, rest), 2);
			f = family_at(name, strlen(name));
			assert_true(f == (int)parsed.nfamilies - 1);
			assert_true(!strcmp(rest, "counter") || !strcmp(rest, "gauge") ||
				    !strcmp(rest, "histogram"));
			assert_string_equal(parsed.types[f], "");
			strcpy(parsed.types[f], rest);
		} else {
			size_t n = strcspn(line, "{ ");
			char *value = strrchr(line, ' ');
			int f = sample_family(line, n);

			if (f < 0)
				fail_msg("sample without HELP and TYPE before it: %s", line);
			assert_string_not_equal(parsed.types[f], "");
			assert_true(!strncmp(line, "xffwatch_", 9));
			assert_non_null(value);
			assert_true(value[1] != '\0');
			/* No series twice. */
			for (size_t i = 0; i < parsed.nseries; i++)
				if (strlen(parsed.series[i]) == (size_t)(value - line) &&
				    !strncmp(parsed.series[i], line, (size_t)(value - line)))
					fail_msg("series twice: %s", line);
			assert_true(parsed.nseries < MAX_SERIES);
			parsed.series[parsed.nseries++] = strndup(line, (size_t)(value - line));
		}
		line = nl + 1;
	}
}

static void free_parsed(void)
{
	for (size_t i = 0; i < parsed.nseries; i++)
		free(parsed.series[i]);
	parsed.nseries = 0;
}

/* Sample @series (name and labels as the page writes them): its value as text, or NULL. */
static const char *value_of(const char *page, const char *series)
{
	size_t n = strlen(series);

	for (const char *p = page; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL)
		if (!strncmp(p, series, n) && p[n] == ' ')
			return p + n + 1;
	return NULL;
}

static void expect(const char *page, const char *series, const char *value)
{
	const char *v = value_of(page, series);

	if (!v || strncmp(v, value, strlen(value)) || v[strlen(value)] != '\n')
		fail_msg("%s: expected %s, got %.20s", series, value, v ? v : "(none)");
}

static struct stats s;
static struct metrics_tally t;
static const struct metrics_info info = { "0.1.0", 4, 1765000000.5 };

static char *make_page(size_t *len)
{
	char *page = NULL;

	assert_int_equal(metrics_page(&s, &t, &info, &page, len), 0);
	assert_non_null(page);
	return page;
}

static void test_numbers(void **state)
{
	struct tracker_stats *tr = &s.tracker;
	size_t len;
	char *page;

	(void)state;
	memset(&s, 0, sizeof(s));
	metrics_tally_init(&t);
	s.flows_live = 3;
	s.flow_evictions = 6;
	s.kernel[XFFW_CNT_RINGBUF_LOSS] = 7;
	s.kernel[XFFW_CNT_SEGMENTS] = 11;
	tr->no_response[NR_TIMEOUT] = 2;
	tr->late_responses = 5;
	tr->pp.conns = 9;
	tr->pending = 4;
	s.events_unformattable = 1;
	s.outputs[0] = (struct stats_output){
		"standard output",
		"stdout",
		{ .events = 12, .dropped = 1, .dropped_by[SINK_DROP_EXIT_DEADLINE] = 1 }
	};
	s.outputs[1] = (struct stats_output){ "/var/log/x\"y.json",
					      "file",
					      { .events = 10, .queued = 99 } };
	s.outputs[2] =
		(struct stats_output){ "syslog udp://127.0.0.1:514", "syslog", { .errors = 3 } };
	s.noutputs = 3;
	metrics_tally_event(&t, 5000, 200, 5000000, 1U << FINDING_SPOOFED_HEADER);
	metrics_tally_event(&t, 5000, 0, 0, 1U << FINDING_NO_RESPONSE);
	metrics_tally_event(&t, 8080, 503, 2000000000, 0);
	page = make_page(&len);
	expect(page, "xffwatch_build_info{version=\"0.1.0\",abi=\"4\"}", "1");
	expect(page, "xffwatch_start_time_seconds", "1.7650000005e+09");
	expect(page, "xffwatch_requests_total{listener=\"5000\"}", "2");
	expect(page, "xffwatch_requests_total{listener=\"8080\"}", "1");
	expect(page, "xffwatch_responses_total{listener=\"5000\",code_class=\"2xx\"}", "1");
	expect(page, "xffwatch_responses_total{listener=\"8080\",code_class=\"5xx\"}", "1");
	expect(page,
	       "xffwatch_findings_total{listener=\"5000\",finding=\"spoofed-header-from-untrusted-"
	       "peer\"}",
	       "1");
	expect(page, "xffwatch_findings_total{listener=\"8080\",finding=\"no-response\"}", "0");
	expect(page, "xffwatch_request_duration_seconds_bucket{listener=\"5000\",le=\"0.005\"}",
	       "1");
	expect(page, "xffwatch_request_duration_seconds_bucket{listener=\"8080\",le=\"1\"}", "0");
	expect(page, "xffwatch_request_duration_seconds_bucket{listener=\"8080\",le=\"2.5\"}", "1");
	expect(page, "xffwatch_request_duration_seconds_bucket{listener=\"8080\",le=\"+Inf\"}",
	       "1");
	expect(page, "xffwatch_request_duration_seconds_sum{listener=\"8080\"}", "2");
	expect(page, "xffwatch_request_duration_seconds_count{listener=\"5000\"}", "1");
	expect(page, "xffwatch_no_response_total{reason=\"timeout\"}", "2");
	expect(page, "xffwatch_events_written_total{output=\"stdout\"}", "12");
	expect(page, "xffwatch_events_written_total{output=\"file1\"}", "10");
	expect(page, "xffwatch_events_dropped_total{output=\"stdout\",reason=\"exit_deadline\"}",
	       "1");
	expect(page, "xffwatch_events_dropped_total{output=\"stdout\",reason=\"queue_full\"}", "0");
	expect(page, "xffwatch_output_errors_total{output=\"syslog1\"}", "3");
	expect(page, "xffwatch_output_queued_bytes{output=\"file1\"}", "99");
	expect(page,
	       "xffwatch_output_info{output=\"file1\",kind=\"file\",target=\"/var/log/"
	       "x\\\"y.json\"}",
	       "1");
	expect(page,
	       "xffwatch_output_info{output=\"syslog1\",kind=\"syslog\",target=\"udp://"
	       "127.0.0.1:514\"}",
	       "1");
	expect(page, "xffwatch_events_unformattable_total", "1");
	expect(page, "xffwatch_kernel_ringbuf_lost_total", "7");
	expect(page, "xffwatch_kernel_segments_total", "11");
	expect(page, "xffwatch_flows", "3");
	expect(page, "xffwatch_flow_evictions_total", "6");
	expect(page, "xffwatch_pending_requests", "4");
	expect(page, "xffwatch_tracker_late_responses_total", "5");
	expect(page, "xffwatch_proxy_protocol_conns", "9");
	expect(page, "xffwatch_metrics_listeners_overflow_total", "0");
	assert_null(value_of(page, "xffwatch_requests_total{listener=\"other\"}"));
	assert_null(value_of(page, "xffwatch_identity_resolved_total")); /* replay: none */
	parse_page(page, len);
	free_parsed();
	free(page);

	/* No walk of the flow table yet (--metrics without --stats): neither figure is made up. */
	s.flows_live = -1;
	page = make_page(&len);
	assert_null(value_of(page, "xffwatch_flows"));
	assert_null(value_of(page, "xffwatch_flow_evictions_total"));
	parse_page(page, len);
	free_parsed();
	free(page);
}

/* Every table full, every output a long target: the page is whole and at the series bound. */
static void test_worst_case(void **state)
{
	static struct owner_cache_stats id;
	static char names[STATS_MAX_OUTPUTS][PATH_MAX + 16];
	const char *out = getenv("METRICS_PAGE_OUT");
	size_t len;
	char *page;

	(void)state;
	memset(&s, 0, sizeof(s));
	metrics_tally_init(&t);
	for (unsigned int p = 0; p <= METRICS_LISTENERS; p++)
		metrics_tally_event(&t, 65535 - p, 200, 1, 0);
	for (size_t i = 0; i < STATS_MAX_OUTPUTS; i++) {
		memset(names[i], i % 2 ? '"' : '\\', PATH_MAX - 1);
		if (i >= OPT_MAX_OUTPUTS)
			memcpy(names[i], "syslog ", 7);
		s.outputs[i].name = names[i];
		s.outputs[i].kind = i >= OPT_MAX_OUTPUTS ? "syslog" : "file";
	}
	s.noutputs = STATS_MAX_OUTPUTS;
	s.identity = &id;
	s.flows_live = 1;
	page = make_page(&len);
	/* For promtool: the page before the checker cuts it into lines. */
	if (out) {
		FILE *f = fopen(out, "w");

		assert_non_null(f);
		fwrite(page, 1, len, f);
		fclose(f);
	}
	parse_page(page, len);
	assert_int_equal(parsed.nseries, SERIES_BOUND);
	/* The documented number for the defaults. */
	assert_int_equal(SERIES_BOUND, 1528);
	assert_true(len < PROM_PAGE_MAX / 4);
	free_parsed();
	free(page);
}

/* One source: every family the page names is in docs/metrics.md. */
static void test_docs_name_every_family(void **state)
{
	static char doc[256 * 1024];
	static struct owner_cache_stats id;
	FILE *f = fopen("docs/metrics.md", "r");
	size_t n, len;
	char *page;

	(void)state;
	assert_non_null(f);
	n = fread(doc, 1, sizeof(doc) - 1, f);
	fclose(f);
	doc[n] = '\0';
	memset(&s, 0, sizeof(s));
	metrics_tally_init(&t);
	s.identity = &id;
	s.flows_live = 0;
	page = make_page(&len);
	parse_page(page, len);
	for (size_t i = 0; i < parsed.nfamilies; i++) {
		char quoted[100];

		snprintf(quoted, sizeof(quoted), "`%s`", parsed.families[i]);
		if (!strstr(doc, quoted))
			fail_msg("docs/metrics.md does not list %s", quoted);
	}
	free_parsed();
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_numbers),
		cmocka_unit_test(test_worst_case),
		cmocka_unit_test(test_docs_name_every_family),
	};

	return cmocka_run_group_tests_name("metrics_page", tests, NULL, NULL);
}
