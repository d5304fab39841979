// SPDX-License-Identifier: BSD-2-Clause
/*
 * The event writer's tally (cmd/event_writer.c): records in, events to a
 * file; the tally counts each event written once, with the findings the
 * event lists.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "cmd/event_writer.h"
#include "output/metrics_page.h"
#include "kernel/privileged_files.h"

#define MS 1000000ULL

static char path[64];
static struct options opts;
static struct file_settings set;
static struct file_ops ops;
static struct event_writer w;
static struct xffw_record rec;

static int setup(void **state)
{
	char err[128];
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/xffw-metrics.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	options_defaults(&opts);
	strcpy(opts.outputs[0], path);
	opts.noutputs = 1;
	if (options_finish(&opts, err, sizeof(err)))
		return -1;
	set = (struct file_settings){ .mode = 0600, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	ops = file_ops_local(&set);
	memset(&w, 0, sizeof(w));
	if (event_writer_init(&w, &opts, 100 * MS, err, sizeof(err)))
		return -1;
	return sinks_open(&w.sinks, &opts.output, &ops);
}

static int teardown(void **state)
{
	(void)state;
	sinks_close(&w.sinks, 1000);
	event_writer_free(&w);
	return unlink(path);
}

static void begin(uint8_t type, uint64_t flow, uint32_t msg, uint16_t dport, uint64_t ts)
{
	memset(&rec, 0, sizeof(rec));
	rec.hdr.abi_version = XFFW_ABI_VERSION;
	rec.hdr.type = type;
	rec.hdr.family = XFFW_FAMILY_IPV4;
	rec.hdr.saddr[0] = 198;
	rec.hdr.saddr[1] = 18;
	rec.hdr.saddr[3] = 2;
	rec.hdr.daddr[0] = 198;
	rec.hdr.daddr[1] = 18;
	rec.hdr.daddr[3] = 1;
	rec.hdr.sport = 40000;
	rec.hdr.dport = dport;
	rec.hdr.flow_id = flow;
	rec.hdr.msg = msg;
	rec.hdr.ts_ns = ts;
}

static void field(uint8_t id, const char *v)
{
	struct xffw_field_hdr fh = { .id = id, .len = (uint16_t)strlen(v) };

	memcpy(rec.data + rec.hdr.data_len, &fh, sizeof(fh));
	memcpy(rec.data + rec.hdr.data_len + sizeof(fh), v, fh.len);
	rec.hdr.data_len = (uint16_t)(rec.hdr.data_len + sizeof(fh) + fh.len);
}

static void send_rec(uint64_t now)
{
	assert_true(event_writer_record(&w, &rec, sizeof(rec.hdr) + rec.hdr.data_len, now) >= 0);
}

static void exchange(uint64_t flow, uint16_t dport, const char *xff, uint16_t status, uint64_t ts,
		     uint64_t took)
{
	begin(XFFW_REC_REQUEST, flow, 0, dport, ts);
	rec.hdr.flags = XFFW_REC_F_HEAD_END;
	field(XFFW_F_REQUEST_LINE, "GET / HTTP/1.1");
	if (xff)
		field(XFFW_F_X_FORWARDED_FOR, xff);
	send_rec(ts);
	if (!status)
		return;
	begin(XFFW_REC_RESPONSE, flow, 0, dport, ts + took);
	rec.hdr.status = status;
	send_rec(ts + took);
}

/* Per finding, the events in the file that list it; and the events. */
static size_t read_events(uint64_t counts[FINDING__MAX])
{
	FILE *f;
	char line[65536];
	size_t n = 0;

	sinks_drain(&w.sinks, 1000);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_t *ev = json_loads(line, 0, NULL), *list, *v;
		size_t i;

		assert_non_null(ev);
		list = json_object_get(json_object_get(ev, "xffwatch"), "findings");
		json_array_foreach(list, i, v)
		{
			for (unsigned int k = 0; k < FINDING__MAX; k++)
				if (!strcmp(json_string_value(v), finding_name(k)))
					counts[k]++;
		}
		json_decref(ev);
		n++;
	}
	fclose(f);
	return n;
}

static void test_tally_is_the_events(void **state)
{
	uint64_t in_file[FINDING__MAX] = { 0 }, tallied[FINDING__MAX] = { 0 }, requests = 0;
	size_t events;

	(void)state;
	exchange(1, 5000, "203.0.113.7", 200, 1000 * MS, 3 * MS);
	exchange(2, 5000, NULL, 503, 2000 * MS, 5 * MS);
	exchange(3, 8080, "203.0.113.7, 192.0.2.1", 0, 3000 * MS, 0);
	tracker_flush(w.tracker, NR_SHUTDOWN);
	events = read_events(in_file);
	assert_int_equal(events, 3);
	for (size_t i = 0; i <= METRICS_LISTENERS; i++) {
		requests += w.tally.l[i].requests;
		for (unsigned int k = 0; k < FINDING__MAX; k++)
			tallied[k] += w.tally.l[i].findings[k];
	}
	assert_int_equal(requests, events);
	for (unsigned int k = 0; k < FINDING__MAX; k++)
		if (tallied[k] != in_file[k])
			fail_msg("%s: tallied %llu, in the events %llu", finding_name(k),
				 (unsigned long long)tallied[k], (unsigned long long)in_file[k]);
	assert_int_equal(in_file[FINDING_NO_RESPONSE], 1);
	assert_int_equal(w.tally.nports, 2);
	assert_int_equal(w.tally.ports[0], 5000);
	assert_int_equal(w.tally.l[0].responses[MCC_2XX], 1);
	assert_int_equal(w.tally.l[0].responses[MCC_5XX], 1);
	/* 3 ms and exactly 5 ms: both le 0.005 (inclusive). */
	assert_int_equal(w.tally.l[0].durations[0], 2);
	assert_int_equal(w.tally.l[0].duration_sum_ns, 8 * MS);
	assert_int_equal(metrics_duration_count(&w.tally.l[1]), 0);
}

/* The page's output figures are the writer's counters: the JSON counters' numbers. */
static void test_page_from_writer(void **state)
{
	static struct stats st;
	const struct metrics_info info = { "0", 0, 0 };
	char *page;
	size_t len;

	(void)state;
	exchange(1, 5000, NULL, 200, 1000 * MS, 3 * MS);
	exchange(2, 5000, NULL, 200, 2000 * MS, 3 * MS);
	tracker_flush(w.tracker, NR_SHUTDOWN);
	sinks_drain(&w.sinks, 1000);
	memset(&st, 0, sizeof(st));
	st.flows_live = -1;
	event_writer_stats(&w, &st);
	assert_int_equal(st.noutputs, 1);
	assert_string_equal(st.outputs[0].kind, "file");
	assert_int_equal(st.events_written, 2);
	assert_int_equal(metrics_page(&st, &w.tally, &info, &page, &len), 0);
	assert_non_null(strstr(page, "\nxffwatch_events_written_total{output=\"file1\"} 2\n"));
	assert_non_null(strstr(page, "\nxffwatch_requests_total{listener=\"5000\"} 2\n"));
	assert_non_null(
		strstr(page, "\nxffwatch_output_info{output=\"file1\",kind=\"file\",target=\""));
	free(page);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tally_is_the_events, setup, teardown),
		cmocka_unit_test_setup_teardown(test_page_from_writer, setup, teardown),
	};

	return cmocka_run_group_tests_name("metrics_writer", tests, NULL, NULL);
}
