// SPDX-License-Identifier: BSD-2-Clause
/* The PROXY connections table: parts joined, parsed once, attached, bounded, forgotten. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "pipeline/proxy_conns.h"
#include "pipeline/proxy_preamble.h"

static const char v1[] = "PROXY TCP4 203.0.113.7 198.18.0.2 56324 5000\r\n";

static struct tracker_pp_stats st;

/* A PROXY record header for part @part of connection @conn. */
static struct xffw_record_hdr part_hdr(uint64_t conn, uint16_t part, size_t len, uint16_t flags)
{
	return (struct xffw_record_hdr){ .conn_id = conn,
					 .flow_id = conn,
					 .abi_version = XFFW_ABI_VERSION,
					 .type = XFFW_REC_PROXY,
					 .family = XFFW_FAMILY_IPV4,
					 .part = part,
					 .data_len = (uint16_t)len,
					 .flags = (uint16_t)(flags | XFFW_REC_F_PP_SEEN |
							     XFFW_REC_F_PROXIED) };
}

/* Sends @pre as connection @conn's preamble, cut after @cut bytes (0: in one part). */
static void send_preamble(struct pp_conns *t, uint64_t conn, const char *pre, size_t cut)
{
	size_t len = strlen(pre);
	struct xffw_record_hdr h;

	if (cut) {
		h = part_hdr(conn, 0, cut, 0);
		pp_conns_part(t, &h, (const uint8_t *)pre);
	}
	h = part_hdr(conn, cut ? 1 : 0, len - cut, XFFW_REC_F_PP_END);
	pp_conns_part(t, &h, (const uint8_t *)pre + cut);
}

/* A request of connection @conn, as request_from_hdr() leaves it. */
static struct http_request *request_of(uint64_t conn)
{
	static struct http_request req;

	memset(&req, 0, offsetof(struct http_request, fields));
	req.conn_id = conn;
	req.pp_state = REQ_PP_LOST;
	return &req;
}

static void test_parts_joined_and_attached(void **state)
{
	struct pp_conns *t = pp_conns_new(4, &st);
	struct http_request *req;

	(void)state;
	memset(&st, 0, sizeof(st));
	send_preamble(t, 7, v1, 9);
	req = request_of(7);
	pp_conns_attach(t, req);
	assert_int_equal(req->pp_state, REQ_PP_OK);
	assert_non_null(req->pp);
	assert_non_null(req->pp_named);
	assert_int_equal(req->pp->version, 1);
	assert_int_equal(req->pp->sport, 56324);
	assert_int_equal(st.preambles, 1);
	assert_int_equal(st.v1, 1);
	assert_int_equal(st.conns, 1);

	/* No preamble, or none known: nothing is looked up. */
	req = request_of(7);
	req->pp_state = REQ_PP_NONE;
	pp_conns_attach(t, req);
	assert_null(req->pp);
	assert_int_equal(st.lost, 0);

	/* Its end, then the grace: forgotten; a late request finds it lost. */
	pp_conns_end(t, 7, 100);
	pp_conns_expire(t, 99);
	req = request_of(7);
	pp_conns_attach(t, req);
	assert_int_equal(req->pp_state, REQ_PP_OK);
	pp_conns_expire(t, 100);
	assert_int_equal(st.conns, 0);
	req = request_of(7);
	pp_conns_attach(t, req);
	assert_int_equal(req->pp_state, REQ_PP_LOST);
	assert_null(req->pp);
	assert_int_equal(st.lost, 1);
	pp_conns_free(t);
}

static void test_lost_parts(void **state)
{
	struct pp_conns *t = pp_conns_new(4, &st);
	struct xffw_record_hdr h;
	struct http_request *req;

	(void)state;
	memset(&st, 0, sizeof(st));
	/* Part 1 without part 0. */
	h = part_hdr(1, 1, 10, XFFW_REC_F_PP_END);
	pp_conns_part(t, &h, (const uint8_t *)v1 + 5);
	/* Parts 0 and 2 without 1. */
	h = part_hdr(2, 0, 5, 0);
	pp_conns_part(t, &h, (const uint8_t *)v1);
	h = part_hdr(2, 2, 5, XFFW_REC_F_PP_END);
	pp_conns_part(t, &h, (const uint8_t *)v1 + 10);
	for (uint64_t conn = 1; conn <= 2; conn++) {
		req = request_of(conn);
		pp_conns_attach(t, req);
		assert_int_equal(req->pp_state, REQ_PP_LOST);
		assert_null(req->pp_named);
	}
	assert_int_equal(st.parts_lost, 2);
	assert_int_equal(st.preambles, 0);
	assert_int_equal(st.lost, 2);

	/* More than the kernel ever copies: not its records, not believed. */
	h = part_hdr(3, 0, XFFW_PP_KEEP, 0);
	{
		static uint8_t big[XFFW_PP_KEEP];

		memcpy(big, v1, sizeof(v1) - 1);
		pp_conns_part(t, &h, big);
		h = part_hdr(3, 1, 1, XFFW_REC_F_PP_END);
		pp_conns_part(t, &h, big);
	}
	req = request_of(3);
	pp_conns_attach(t, req);
	assert_int_equal(req->pp_state, REQ_PP_LOST);
	assert_int_equal(st.parts_lost, 3);
	pp_conns_free(t);
}

/* Closed inside its preamble: parsed as it stands, at the end. */
static void test_closed_inside(void **state)
{
	struct pp_conns *t = pp_conns_new(4, &st);
	struct xffw_record_hdr h = part_hdr(5, 0, 20, 0);
	struct http_request *req;

	(void)state;
	memset(&st, 0, sizeof(st));
	pp_conns_part(t, &h, (const uint8_t *)v1);
	pp_conns_end(t, 5, 10);
	assert_int_equal(st.truncated, 1);
	req = request_of(5);
	pp_conns_attach(t, req);
	assert_int_equal(req->pp_state, REQ_PP_TRUNCATED);
	assert_non_null(req->pp->error);
	pp_conns_free(t);
}

/* The bound: at it nothing gives way; one past it, the oldest does, counted. */
static void test_bound(void **state)
{
	struct pp_conns *t = pp_conns_new(4, &st);
	struct http_request *req;

	(void)state;
	memset(&st, 0, sizeof(st));
	for (uint64_t conn = 1; conn <= 4; conn++)
		send_preamble(t, conn, v1, 0);
	assert_int_equal(st.conns, 4);
	assert_int_equal(st.evicted, 0);
	send_preamble(t, 5, v1, 0);
	assert_int_equal(st.conns, 4);
	assert_int_equal(st.evicted, 1);
	req = request_of(1);
	pp_conns_attach(t, req);
	assert_int_equal(req->pp_state, REQ_PP_LOST);
	for (uint64_t conn = 2; conn <= 5; conn++) {
		req = request_of(conn);
		pp_conns_attach(t, req);
		assert_int_equal(req->pp_state, REQ_PP_OK);
	}
	/* In use, kept: a request on 2 makes 3 the least recently used. */
	req = request_of(2);
	pp_conns_attach(t, req);
	send_preamble(t, 6, v1, 0);
	assert_int_equal(st.evicted, 2);
	req = request_of(3);
	pp_conns_attach(t, req);
	assert_int_equal(req->pp_state, REQ_PP_LOST);
	req = request_of(2);
	pp_conns_attach(t, req);
	assert_int_equal(req->pp_state, REQ_PP_OK);
	/* One that ended goes before any in use. */
	pp_conns_end(t, 6, 10);
	send_preamble(t, 7, v1, 0);
	req = request_of(6);
	pp_conns_attach(t, req);
	assert_int_equal(req->pp_state, REQ_PP_LOST);
	req = request_of(4);
	pp_conns_attach(t, req);
	assert_int_equal(req->pp_state, REQ_PP_OK);
	pp_conns_free(t);

	/* Many connections: the buckets grow, every one is still found. */
	t = pp_conns_new(5000, &st);
	for (uint64_t conn = 1; conn <= 5000; conn++)
		send_preamble(t, conn * 977, v1, 0);
	for (uint64_t conn = 1; conn <= 5000; conn++) {
		req = request_of(conn * 977);
		pp_conns_attach(t, req);
		assert_int_equal(req->pp_state, REQ_PP_OK);
	}
	pp_conns_free(t);
	pp_conns_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parts_joined_and_attached),
		cmocka_unit_test(test_lost_parts),
		cmocka_unit_test(test_closed_inside),
		cmocka_unit_test(test_bound),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
