// SPDX-License-Identifier: BSD-2-Clause
/* Decoding kernel records: valid ones exactly, hostile ones refused without harm. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "helpers.h"

static struct xffw_record rec;
static struct http_request req;

static void test_decode_fields(void **state)
{
	static const char head[] =
		"DELETE /items/7 HTTP/1.0\r\nVia: 1.1 a\r\nHost: h\r\nVia: 1.1 b\r\n\r\n";
	const struct req_field *f;

	(void)state;
	assert_int_equal(req_from_head(head, sizeof(head) - 1, "192.0.2.10", &rec, &req), 0);
	assert_int_equal(req.method.len, 6);
	assert_memory_equal(req.method.p, "DELETE", 6);
	assert_memory_equal(req.target.p, "/items/7", req.target.len);
	assert_memory_equal(req.version.p, "1.0", 3);
	assert_int_equal(req_field_count(&req, XFFW_F_VIA, &f), 2);
	assert_memory_equal(f->value.p, " 1.1 a", f->value.len);
	assert_int_equal(req_field_count(&req, XFFW_F_HOST, NULL), 1);
	assert_int_equal(req_field_count(&req, XFFW_F_X_FORWARDED_FOR, &f), 0);
	assert_null(f);
	assert_int_equal(req.saddr.family, 4);
	assert_false(req_head_incomplete(&req));
}

/* The names and cutting rules expanded from include/xffwatch_fields.h agree with each other. */
static void test_field_names_and_rules(void **state)
{
	(void)state;
	for (unsigned int id = XFFW_F_HOST; id < XFFW_F__MAX; id++) {
		char line[64];

		assert_int_equal(strcasecmp(field_key(id), field_wire_name(id)), 0);
		assert_int_equal(field_by_key(field_key(id)), id);
		/* The twin finds every listed header, whatever its case. */
		snprintf(line, sizeof(line), "GET / HTTP/1.1\r\n%s: v\r\n\r\n",
			 field_wire_name(id));
		assert_int_equal(req_from_head(line, strlen(line), "192.0.2.10", &rec, &req), 0);
		assert_int_equal(req_field_count(&req, id, NULL), 1);
	}
	assert_null(field_key(XFFW_F__MAX));
	assert_int_equal(field_by_key("request-line"), 0);
	assert_true(field_keeps_tail(XFFW_F_X_FORWARDED_FOR) && field_keeps_tail(XFFW_F_VIA));
	assert_false(field_keeps_tail(XFFW_F_HOST) || field_keeps_tail(XFFW_F_X_FORWARDED_PROTO) ||
		     field_keeps_tail(XFFW_F_REQUEST_LINE));
}

static void test_cut_request_line(void **state)
{
	static char head[9000];
	size_t n = (size_t)sprintf(head, "GET /");

	(void)state;
	while (n < sizeof(head) - 1)
		head[n++] = 'a';
	assert_int_equal(req_from_head(head, n, "127.0.0.1", &rec, &req), 0);
	assert_true(req.line_truncated);
	assert_int_equal(req.version.len, 0);
	assert_true(req_head_incomplete(&req));
}

static void test_refuses_malformed(void **state)
{
	static const char head[] = "GET / HTTP/1.1\r\nHost: h\r\n\r\n";
	size_t size;

	(void)state;
	assert_int_equal(record_from_head(head, sizeof(head) - 1, &rec), 0);
	size = sizeof(rec.hdr) + rec.hdr.data_len;
	assert_int_equal(record_decode(&rec, size, &req), 0);
	assert_int_not_equal(record_decode(&rec, sizeof(rec.hdr) - 1, &req), 0);
	assert_int_not_equal(record_decode(&rec, size - 1, &req), 0);
	rec.hdr.abi_version++;
	assert_int_not_equal(record_decode(&rec, size, &req), 0);
	rec.hdr.abi_version--;
	rec.hdr.type = 99;
	assert_int_not_equal(record_decode(&rec, size, &req), 0);
	rec.hdr.type = XFFW_REC_RESPONSE; /* a response has no field area */
	assert_int_not_equal(record_decode(&rec, size, &req), 0);
	rec.hdr.type = XFFW_REC_REQUEST;
	rec.hdr.family = 5;
	assert_int_not_equal(record_decode(&rec, size, &req), 0);
	rec.hdr.family = XFFW_FAMILY_IPV4;
	rec.data[0] = 0; /* field id 0 */
	assert_int_not_equal(record_decode(&rec, size, &req), 0);
	rec.data[0] = XFFW_F__MAX;
	assert_int_not_equal(record_decode(&rec, size, &req), 0);
	rec.data[0] = XFFW_F_HOST; /* no request line at all */
	assert_int_not_equal(record_decode(&rec, size, &req), 0);
}

/* Random bit flips of a valid record: decode or refuse, never crash or read out of bounds. */
static void test_mutations(void **state)
{
	static const char head[] = "GET /m HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4\r\nHost: h\r\n\r\n";
	uint32_t seed = 99;

	(void)state;
	assert_int_equal(record_from_head(head, sizeof(head) - 1, &rec), 0);
	for (int i = 0; i < 20000; i++) {
		size_t size = sizeof(rec.hdr) + rec.hdr.data_len;
		uint8_t *copy = malloc(size);

		memcpy(copy, &rec, size);
		for (int k = 0; k < 3; k++) {
			seed = seed * 1664525u + 1013904223u;
			copy[(seed >> 8) % size] ^= (uint8_t)(1u << (seed % 8));
		}
		if (!record_decode(copy, size, &req))
			assert_true(req.nfields <= REQ_MAX_FIELDS);
		free(copy);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode_fields),
		cmocka_unit_test(test_field_names_and_rules),
		cmocka_unit_test(test_cut_request_line),
		cmocka_unit_test(test_refuses_malformed),
		cmocka_unit_test(test_mutations),
	};

	return cmocka_run_group_tests_name("record", tests, NULL, NULL);
}
