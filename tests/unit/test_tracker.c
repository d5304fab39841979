// SPDX-License-Identifier: BSD-2-Clause
/* The tracker: head parts joined, responses paired in order, timeouts, bounds. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/tracker.h"

#define MS 1000000ULL

struct got {
	char method[16], target[64], xff[TRACKER_CHAIN_MAX + 64], ua[TRACKER_VALUE_MAX + 64];
	uint64_t flow_id;
	uint32_t msg;
	uint16_t status;
	uint64_t response_ns, ts_ns;
	enum no_response_reason why;
	bool incomplete, xff_cut, ua_cut;
};

static struct got got[64];
static int ngot;
static struct tracker *t;

static void copy(char *dst, size_t cap, struct str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static void on_exchange(void *ctx, const struct exchange *x)
{
	const struct http_request *req = x->req;
	const struct req_field *f;
	struct got *g = &got[ngot++];

	(void)ctx;
	assert_true(ngot <= 64);
	memset(g, 0, sizeof(*g));
	copy(g->method, sizeof(g->method), req->method);
	copy(g->target, sizeof(g->target), req->target);
	if (req_field_count(req, XFFW_F_X_FORWARDED_FOR, &f))
		copy(g->xff, sizeof(g->xff), f->value);
	if (req_field_count(req, XFFW_F_USER_AGENT, &f))
		copy(g->ua, sizeof(g->ua), f->value);
	g->flow_id = req->flow_id;
	g->msg = req->msg;
	g->status = x->status;
	g->response_ns = x->response_ns;
	g->ts_ns = req->ts_ns;
	g->why = x->no_response;
	g->incomplete = req_head_incomplete(req);
	g->xff_cut = req_field_truncated(req, XFFW_F_X_FORWARDED_FOR);
	g->ua_cut = req_field_truncated(req, XFFW_F_USER_AGENT);
}

static int setup(void **state)
{
	struct tracker_config cfg = { .response_timeout_ns = 1000 * MS,
				      .end_grace_ns = 100 * MS,
				      .max_pending = 8,
				      .max_per_flow = 3 };

	(void)state;
	ngot = 0;
	t = tracker_new(&cfg, on_exchange, NULL);
	return t ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	tracker_free(t);
	return 0;
}

/* A record under construction. */
static struct xffw_record rec;

static void begin(uint8_t type, uint64_t flow, uint32_t msg, uint16_t part, uint64_t ts)
{
	memset(&rec, 0, sizeof(rec));
	rec.hdr.abi_version = XFFW_ABI_VERSION;
	rec.hdr.type = type;
	rec.hdr.family = XFFW_FAMILY_IPV4;
	rec.hdr.saddr[0] = rec.hdr.daddr[0] = 127;
	rec.hdr.saddr[3] = rec.hdr.daddr[3] = 1;
	rec.hdr.flow_id = flow;
	rec.hdr.msg = msg;
	rec.hdr.part = part;
	rec.hdr.ts_ns = ts;
}

static void field(uint8_t id, uint8_t flags, const char *v, size_t n)
{
	struct xffw_field_hdr fh = { .id = id, .flags = flags, .len = (uint16_t)n };

	memcpy(rec.data + rec.hdr.data_len, &fh, sizeof(fh));
	memcpy(rec.data + rec.hdr.data_len + sizeof(fh), v, n);
	rec.hdr.data_len = (uint16_t)(rec.hdr.data_len + sizeof(fh) + n);
}

static int send_rec(uint64_t now)
{
	return tracker_record(t, &rec, sizeof(rec.hdr) + rec.hdr.data_len, now);
}

/* A whole request in one record. */
static void request(uint64_t flow, uint32_t msg, const char *line, const char *xff, uint64_t ts)
{
	begin(XFFW_REC_REQUEST, flow, msg, 0, ts);
	rec.hdr.flags = XFFW_REC_F_HEAD_END;
	field(XFFW_F_REQUEST_LINE, 0, line, strlen(line));
	if (xff)
		field(XFFW_F_X_FORWARDED_FOR, 0, xff, strlen(xff));
	assert_int_equal(send_rec(ts), XFFW_REC_REQUEST);
}

static void response(uint64_t flow, uint32_t msg, uint16_t status, uint64_t ts)
{
	begin(XFFW_REC_RESPONSE, flow, msg, 0, ts);
	rec.hdr.status = status;
	assert_int_equal(send_rec(ts), XFFW_REC_RESPONSE);
}

static void flow_end(uint64_t flow, uint16_t reason, uint64_t now)
{
	begin(XFFW_REC_FLOW_END, flow, 0, 0, now);
	rec.hdr.reason = reason;
	assert_int_equal(send_rec(now), XFFW_REC_FLOW_END);
}

static void test_pair(void **state)
{
	(void)state;
	request(1, 0, "GET /a?q HTTP/1.1", " 192.0.2.1, 127.0.0.1", 5 * MS);
	assert_int_equal(ngot, 0);
	assert_int_equal(tracker_stats(t)->pending, 1);
	response(1, 0, 404, 7 * MS);
	assert_int_equal(ngot, 1);
	assert_string_equal(got[0].method, "GET");
	assert_string_equal(got[0].target, "/a?q");
	assert_string_equal(got[0].xff, " 192.0.2.1, 127.0.0.1");
	assert_int_equal(got[0].status, 404);
	assert_int_equal(got[0].response_ns - got[0].ts_ns, 2 * MS);
	assert_int_equal(got[0].why, NR_NONE);
	assert_false(got[0].incomplete);
	assert_int_equal(tracker_stats(t)->paired, 1);
	assert_int_equal(tracker_stats(t)->pending, 0);
	/* A response with no request waiting. */
	response(1, 1, 200, 8 * MS);
	response(9, 0, 200, 8 * MS);
	assert_int_equal(ngot, 1);
	assert_int_equal(tracker_stats(t)->late_responses, 2);
}

/* Three parts; the forwarded header cut twice by segment ends. */
static void test_parts_join(void **state)
{
	(void)state;
	begin(XFFW_REC_REQUEST, 2, 0, 0, MS);
	field(XFFW_F_REQUEST_LINE, 0, "POST /p HTTP/1.1", 16);
	field(XFFW_F_X_FORWARDED_FOR, XFFW_FIELD_F_CONT, " 198.51", 7);
	send_rec(MS);
	begin(XFFW_REC_REQUEST, 2, 0, 1, MS);
	field(XFFW_F_X_FORWARDED_FOR, XFFW_FIELD_F_CONTINUED | XFFW_FIELD_F_CONT, ".100.", 5);
	send_rec(MS);
	begin(XFFW_REC_REQUEST, 2, 0, 2, MS);
	rec.hdr.flags = XFFW_REC_F_HEAD_END;
	field(XFFW_F_X_FORWARDED_FOR, XFFW_FIELD_F_CONTINUED, "7, 127.0.0.1", 12);
	field(XFFW_F_USER_AGENT, XFFW_FIELD_F_CONT, " ua", 3); /* its end was an empty piece */
	send_rec(MS);
	response(2, 0, 200, 2 * MS);
	assert_int_equal(ngot, 1);
	assert_string_equal(got[0].xff, " 198.51.100.7, 127.0.0.1");
	assert_string_equal(got[0].ua, " ua");
	assert_false(got[0].xff_cut);
	assert_false(got[0].ua_cut);
	assert_false(got[0].incomplete);
}

/* A part that never came: what is left is flagged, nothing is made up. */
static void test_lost_parts(void **state)
{
	(void)state;
	begin(XFFW_REC_REQUEST, 3, 0, 0, MS);
	field(XFFW_F_REQUEST_LINE, 0, "GET /l HTTP/1.1", 15);
	field(XFFW_F_X_FORWARDED_FOR, XFFW_FIELD_F_CONT, " 10.0.0.1, 19", 13);
	send_rec(MS);
	/* part 1 lost */
	begin(XFFW_REC_REQUEST, 3, 0, 2, MS);
	rec.hdr.flags = XFFW_REC_F_HEAD_END;
	field(XFFW_F_X_FORWARDED_FOR, XFFW_FIELD_F_CONTINUED, "8.18.0.1", 8);
	send_rec(MS);
	response(3, 0, 200, 2 * MS);
	assert_int_equal(ngot, 1);
	assert_true(got[0].incomplete);
	assert_int_equal(tracker_stats(t)->parts_lost, 1);

	/* A long request line whose end was in the lost part: written, cut. */
	begin(XFFW_REC_REQUEST, 5, 0, 0, MS);
	field(XFFW_F_REQUEST_LINE, XFFW_FIELD_F_CONT, "GET /very/long/pa", 17);
	send_rec(MS);
	begin(XFFW_REC_REQUEST, 5, 0, 2, MS);
	rec.hdr.flags = XFFW_REC_F_HEAD_END;
	field(XFFW_F_X_FORWARDED_FOR, 0, " 192.0.2.1", 10);
	send_rec(MS);
	response(5, 0, 200, 2 * MS);
	assert_int_equal(ngot, 2);
	assert_string_equal(got[1].target, "/very/long/pa");
	assert_true(got[1].incomplete);

	/* The first part lost: no request line, the request cannot be written. */
	begin(XFFW_REC_REQUEST, 4, 0, 1, MS);
	rec.hdr.flags = XFFW_REC_F_HEAD_END;
	field(XFFW_F_X_FORWARDED_FOR, XFFW_FIELD_F_CONTINUED, "8.18.0.1", 8);
	send_rec(MS);
	response(4, 0, 200, 2 * MS);
	assert_int_equal(ngot, 2);
	assert_int_equal(tracker_stats(t)->unusable_heads, 1);
}

static void test_pipelining_and_skipped(void **state)
{
	(void)state;
	request(5, 0, "GET /0 HTTP/1.1", NULL, MS);
	request(5, 1, "GET /1 HTTP/1.1", NULL, MS);
	request(5, 2, "GET /2 HTTP/1.1", NULL, MS);
	response(5, 0, 200, 2 * MS);
	/* Response 1's record was lost: response 2 shows it. */
	response(5, 2, 500, 3 * MS);
	assert_int_equal(ngot, 3);
	assert_string_equal(got[0].target, "/0");
	assert_int_equal(got[0].status, 200);
	assert_string_equal(got[1].target, "/1");
	assert_int_equal(got[1].status, 0);
	assert_int_equal(got[1].why, NR_SKIPPED);
	assert_string_equal(got[2].target, "/2");
	assert_int_equal(got[2].status, 500);
}

static void test_timeout(void **state)
{
	(void)state;
	request(6, 0, "GET /slow HTTP/1.1", NULL, 10 * MS);
	tracker_expire(t, 1009 * MS);
	assert_int_equal(ngot, 0);
	tracker_expire(t, 1010 * MS);
	assert_int_equal(ngot, 1);
	assert_int_equal(got[0].why, NR_TIMEOUT);
	assert_int_equal(tracker_stats(t)->no_response[NR_TIMEOUT], 1);
	/* Its response, later, has nothing to pair with. */
	response(6, 0, 200, 2000 * MS);
	assert_int_equal(ngot, 1);
	assert_int_equal(tracker_stats(t)->late_responses, 1);
}

static void test_flow_end(void **state)
{
	(void)state;
	request(7, 0, "GET /a HTTP/1.1", NULL, MS);
	request(7, 1, "GET /b HTTP/1.1", NULL, MS);
	flow_end(7, XFFW_END_FIN, 10 * MS);
	/* A response that was on its way still pairs during the grace period. */
	response(7, 0, 200, 9 * MS);
	assert_int_equal(ngot, 1);
	tracker_expire(t, 109 * MS);
	assert_int_equal(ngot, 1);
	tracker_expire(t, 110 * MS);
	assert_int_equal(ngot, 2);
	assert_string_equal(got[1].target, "/b");
	assert_int_equal(got[1].why, NR_FLOW_END);

	request(8, 0, "GET /c HTTP/1.1", NULL, MS);
	flow_end(8, XFFW_END_DESYNC, 20 * MS);
	tracker_flush(t, NR_SHUTDOWN);
	assert_int_equal(ngot, 3);
	assert_int_equal(got[2].why, NR_DESYNC);
	assert_int_equal(tracker_stats(t)->desyncs, 1);
	assert_int_equal(tracker_stats(t)->pending, 0);
}

static void test_bounds(void **state)
{
	char line[32];

	(void)state;
	/* Three per flow: a fourth pushes the first out. */
	for (uint32_t m = 0; m < 4; m++) {
		snprintf(line, sizeof(line), "GET /%u HTTP/1.1", m);
		request(9, m, line, NULL, MS);
	}
	assert_int_equal(ngot, 1);
	assert_string_equal(got[0].target, "/0");
	assert_int_equal(got[0].why, NR_OVERFLOW);
	/* Eight in all: more flows push the oldest out, whatever their flow. */
	for (uint64_t f = 10; f < 16; f++)
		request(f, 0, "GET /x HTTP/1.1", NULL, 2 * MS);
	assert_int_equal(ngot, 2);
	assert_string_equal(got[1].target, "/1");
	assert_int_equal(tracker_stats(t)->pending, 8);
	tracker_flush(t, NR_SHUTDOWN);
	assert_int_equal(ngot, 10);
	for (int i = 2; i < 10; i++)
		assert_int_equal(got[i].why, NR_SHUTDOWN);
	assert_int_equal(tracker_stats(t)->pending, 0);
}

/*
 * Joined values: chains whole (the walk needs every hop) up to the request's
 * field bytes, others capped at TRACKER_VALUE_MAX, keeping their beginning.
 */
static void test_value_caps(void **state)
{
	static char piece[XFFW_VALUE_MAX];
	size_t len;

	(void)state;
	memset(piece, '7', sizeof(piece));
	begin(XFFW_REC_REQUEST, 20, 0, 0, MS);
	field(XFFW_F_REQUEST_LINE, 0, "GET /cap HTTP/1.1", 17);
	field(XFFW_F_X_FORWARDED_FOR, XFFW_FIELD_F_CONT, piece, sizeof(piece));
	send_rec(MS);
	for (uint16_t part = 1; part <= 5; part++) {
		begin(XFFW_REC_REQUEST, 20, 0, part, MS);
		piece[0] = (char)('0' + part);
		field(XFFW_F_X_FORWARDED_FOR, XFFW_FIELD_F_CONTINUED | XFFW_FIELD_F_CONT, piece,
		      sizeof(piece));
		send_rec(MS);
	}
	begin(XFFW_REC_REQUEST, 20, 0, 6, MS);
	rec.hdr.flags = XFFW_REC_F_HEAD_END;
	field(XFFW_F_X_FORWARDED_FOR, XFFW_FIELD_F_CONTINUED, ", 192.0.2.9", 11);
	field(XFFW_F_USER_AGENT, XFFW_FIELD_F_CONT, piece, sizeof(piece));
	send_rec(MS);
	for (uint16_t part = 7; part <= 12; part++) {
		begin(XFFW_REC_REQUEST, 20, 0, part, MS);
		field(XFFW_F_USER_AGENT, XFFW_FIELD_F_CONTINUED | XFFW_FIELD_F_CONT, "uuuu", 4);
		send_rec(MS);
	}
	/* (Parts after the head's end are refused.) */
	assert_int_equal(tracker_stats(t)->bad_records, 6);
	response(20, 0, 200, 2 * MS);
	assert_int_equal(ngot, 1);
	len = strlen(got[0].xff);
	assert_int_equal(len, 6 * XFFW_VALUE_MAX + 11);
	assert_string_equal(got[0].xff + len - 11, ", 192.0.2.9");
	assert_false(got[0].xff_cut);
	assert_int_equal(strlen(got[0].ua), XFFW_VALUE_MAX);
}

static void test_malformed(void **state)
{
	(void)state;
	request(30, 0, "GET / HTTP/1.1", NULL, MS);
	rec.hdr.abi_version = 1;
	assert_true(send_rec(MS) < 0);
	begin(XFFW_REC_RESPONSE, 30, 0, 0, MS);
	rec.hdr.data_len = 4; /* responses carry no fields */
	assert_true(send_rec(MS) < 0);
	begin(XFFW_REC_REQUEST, 31, 0, 0, MS);
	field(XFFW_F_REQUEST_LINE, 0, "GET / HTTP/1.1", 14);
	rec.data[0] = 0; /* field id 0 */
	send_rec(MS);
	assert_true(tracker_stats(t)->bad_records >= 3);
	begin(XFFW_REC_NOT_HTTP, 32, 0, 0, MS);
	rec.hdr.reason = XFFW_NOT_HTTP_TLS;
	assert_int_equal(send_rec(MS), XFFW_REC_NOT_HTTP);
	assert_int_equal(tracker_stats(t)->not_http[XFFW_NOT_HTTP_TLS], 1);
	tracker_flush(t, NR_SHUTDOWN);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pair, setup, teardown),
		cmocka_unit_test_setup_teardown(test_parts_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lost_parts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pipelining_and_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeout, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flow_end, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
		cmocka_unit_test_setup_teardown(test_value_caps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
	};

	return cmocka_run_group_tests_name("tracker", tests, NULL, NULL);
}
