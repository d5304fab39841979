// SPDX-License-Identifier: BSD-2-Clause
/* Replay's event order: held events go out by request start, within bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd/event_order.h"
#include "cmd/options.h"
#include "kernel/privileged_files.h"

static char path[64];
static struct options opts;
static struct sinks sinks;
static struct file_settings set;
static struct file_ops ops;

static int setup(void **state)
{
	int fd;

	(void)state;
	snprintf(path, sizeof(path), "/tmp/xffw-order.XXXXXX");
	fd = mkstemp(path);
	if (fd < 0)
		return -1;
	close(fd);
	options_defaults(&opts);
	strcpy(opts.outputs[0], path);
	opts.noutputs = 1;
	set = (struct file_settings){ .mode = 0600, .uid = (uid_t)-1, .gid = (gid_t)-1 };
	ops = file_ops_local(&set);
	return sinks_open(&sinks, &opts.output, &ops);
}

static int teardown(void **state)
{
	(void)state;
	sinks_close(&sinks, 1000);
	return unlink(path);
}

static void hold(struct event_order *o, const char *line, uint64_t start, uint64_t flow)
{
	struct sink_event e = { .line = line, .len = strlen(line) };

	assert_int_equal(event_order_hold(o, &sinks, &e, NULL, start, flow, false), 0);
}

/* What the file holds, once written. */
static const char *written(void)
{
	static char buf[4096];
	FILE *f;
	size_t n;

	sinks_drain(&sinks, 1000);
	f = fopen(path, "r");
	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

static void test_request_order(void **state)
{
	struct event_order o = { 0 };

	(void)state;
	/* Completed in another order than their requests began; ties by flow, then arrival. */
	hold(&o, "c\n", 300, 1);
	hold(&o, "a\n", 100, 2);
	hold(&o, "b2\n", 200, 7);
	hold(&o, "b1\n", 200, 3);
	hold(&o, "b3\n", 200, 7);
	assert_int_equal(event_order_release(&o, &sinks, 100, SIZE_MAX), 0);
	assert_int_equal(event_order_release(&o, &sinks, 201, 3), 3);
	assert_int_equal(event_order_release(&o, &sinks, 201, SIZE_MAX), 1);
	assert_string_equal(written(), "a\nb1\nb2\nb3\n");
	assert_int_equal(event_order_release(&o, &sinks, UINT64_MAX, SIZE_MAX), 1);
	assert_string_equal(written(), "a\nb1\nb2\nb3\nc\n");
	assert_int_equal(o.n, 0);
	assert_int_equal(o.bytes, 0);
	assert_int_equal(o.forced, 0);
	event_order_free(&o);
}

/* One past the bound on held events: the earliest goes out at once, counted. */
static void test_bound(void **state)
{
	struct event_order o = { 0 };
	struct sink_event e = { .line = "", .len = 0 };

	(void)state;
	for (uint64_t i = 0; i < ORDER_MAX_EVENTS; i++)
		assert_int_equal(event_order_hold(&o, &sinks, &e, NULL, 1000 + i, 1, false), 0);
	assert_int_equal(o.n, ORDER_MAX_EVENTS);
	assert_int_equal(o.forced, 0);
	e.line = "early\n";
	e.len = 6;
	assert_int_equal(event_order_hold(&o, &sinks, &e, NULL, 1, 1, false), 0);
	assert_int_equal(o.n, ORDER_MAX_EVENTS);
	assert_int_equal(o.forced, 1);
	assert_string_equal(written(), "early\n");
	event_order_free(&o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_request_order, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bound, setup, teardown),
	};

	return cmocka_run_group_tests_name("event_order", tests, NULL, NULL);
}
