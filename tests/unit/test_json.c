// SPDX-License-Identifier: BSD-2-Clause
/* The JSON writer: every byte string becomes valid JSON that decodes back sensibly. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "event/jsonw.h"

/* Writes {"v": s} and returns the decoded string (freed by the caller via json_decref). */
static json_t *roundtrip(const char *s, size_t len, const char **out, size_t *outlen)
{
	struct jsonw j;
	json_error_t err;
	json_t *doc;

	jsonw_init(&j);
	jsonw_object_begin(&j, NULL);
	jsonw_string(&j, "v", s, len);
	jsonw_object_end(&j);
	assert_false(j.failed);
	/* No raw newline can appear inside the document. */
	assert_null(memchr(j.buf, '\n', j.len));
	doc = json_loadb(j.buf, j.len, JSON_ALLOW_NUL, &err);
	if (!doc)
		fail_msg("invalid JSON (%s): %.*s", err.text, (int)j.len, j.buf);
	*out = json_string_value(json_object_get(doc, "v"));
	*outlen = json_string_length(json_object_get(doc, "v"));
	jsonw_free(&j);
	return doc;
}

static void expect_bytes(const char *in, size_t inlen, const char *want, size_t wantlen)
{
	const char *got;
	size_t len;
	json_t *doc = roundtrip(in, inlen, &got, &len);

	assert_int_equal(len, wantlen);
	assert_memory_equal(got, want, len);
	json_decref(doc);
}

static void expect_text(const char *in, size_t inlen, const char *want)
{
	const char *got;
	size_t len;
	json_t *doc = roundtrip(in, inlen, &got, &len);

	assert_int_equal(len, strlen(want));
	assert_memory_equal(got, want, len);
	json_decref(doc);
}

static void test_escapes(void **state)
{
	(void)state;
	expect_text("plain", 5, "plain");
	expect_text("a\"b\\c", 5, "a\"b\\c");
	expect_text("line\r\nX-Injected: 1", 19, "line\r\nX-Injected: 1");
	expect_bytes("\x00\x01\x1f\x7f", 4, "\x00\x01\x1f\x7f", 4);
	expect_text("tab\tend", 7, "tab\tend");
	expect_text("\"}, {\"evil\": 1", 14, "\"}, {\"evil\": 1");
	expect_text("", 0, "");
}

static void test_nul_is_escaped(void **state)
{
	struct jsonw j;

	(void)state;
	jsonw_init(&j);
	jsonw_string(&j, NULL, "a\0b", 3);
	assert_int_equal(j.len, 10);
	assert_memory_equal(j.buf, "\"a\\u0000b\"", 10);
	jsonw_free(&j);
}

static void test_utf8(void **state)
{
	(void)state;
	expect_text("caf\xc3\xa9", 5, "caf\xc3\xa9");
	expect_text("\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80");
	/* Invalid: lone continuation, overlong, surrogate, beyond U+10FFFF, cut sequences. */
	expect_text("\x80", 1, "\xef\xbf\xbd");
	expect_text("\xc0\xaf", 2, "\xef\xbf\xbd\xef\xbf\xbd");
	expect_text("\xed\xa0\x80", 3, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	expect_text("\xf4\x90\x80\x80", 4, "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");
	expect_text("\xe2\x82", 2, "\xef\xbf\xbd");
	expect_text("\xe2\x82x", 3, "\xef\xbf\xbdx");
	expect_text("\xf0\x9f\x98", 3, "\xef\xbf\xbd");
	expect_text("\xff\xfe", 2, "\xef\xbf\xbd\xef\xbf\xbd");
	/* U+2028/9 are escaped (they end lines in JavaScript) but decode the same. */
	expect_text("a\xe2\x80\xa8z", 5, "a\xe2\x80\xa8z");
}

/*
 * Every length around the word size, with one byte to escape at every place
 * (or none): the plain runs, found a word at a time, end exactly where they
 * should. Each string is malloc'd to its length, so ASan sees any overread.
 */
static void test_escape_tails(void **state)
{
	static const struct {
		char c;
		const char *esc;
	} bad[] = {
		{ 0, NULL },	  { '"', "\\\"" },     { '\\', "\\\\" },	  { '\n', "\\n" },
		{ 1, "\\u0001" }, { 0x7f, "\\u007f" }, { '\xff', "\xef\xbf\xbd" }
	};

	(void)state;
	for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
		for (size_t n = 0; n <= 25; n++) {
			for (size_t at = 0; at < (bad[k].esc ? n : 1); at++) {
				char *in = malloc(n ? n : 1), want[64];
				size_t wn = 0;
				struct jsonw j;

				memset(in, 'a', n);
				if (bad[k].esc)
					in[at] = bad[k].c;
				for (size_t i = 0; i < n; i++) {
					if (bad[k].esc && i == at) {
						memcpy(want + wn, bad[k].esc, strlen(bad[k].esc));
						wn += strlen(bad[k].esc);
					} else {
						want[wn++] = 'a';
					}
				}
				jsonw_init(&j);
				jsonw_escape(&j, in, n);
				assert_int_equal(j.len, wn);
				assert_memory_equal(j.buf, want, wn);
				jsonw_free(&j);
				free(in);
			}
		}
	}
}

static void test_random_bytes_always_valid(void **state)
{
	uint32_t seed = 7;

	(void)state;
	for (int i = 0; i < 20000; i++) {
		size_t len = (seed >> 4) % 40, outlen;
		char *buf = malloc(len + 1);
		const char *out;
		json_t *doc;

		for (size_t k = 0; k < len; k++) {
			seed = seed * 1664525u + 1013904223u;
			buf[k] = (char)(seed >> 24);
		}
		seed = seed * 1664525u + 1013904223u;
		doc = roundtrip(buf, len, &out, &outlen);
		assert_non_null(out);
		json_decref(doc);
		free(buf);
	}
}

/* Numbers at each length's bounds, as printf writes them. */
static void test_digits(void **state)
{
	static const uint64_t cases[] = { 0,
					  1,
					  9,
					  10,
					  11,
					  99,
					  100,
					  101,
					  999,
					  1000,
					  65535,
					  4294967294ULL,
					  4294967295ULL,
					  4294967296ULL,
					  9999999999999999999ULL,
					  10000000000000000000ULL,
					  18446744073709551615ULL };
	char want[32];
	struct jsonw j;

	(void)state;
	jsonw_init(&j);
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int n = snprintf(want, sizeof(want), "%llu", (unsigned long long)cases[i]);

		jsonw_reset(&j);
		jsonw_digits(&j, cases[i]);
		assert_int_equal(j.len, n);
		assert_memory_equal(j.buf, want, (size_t)n);
	}
	/* Every value below 10,000: each two-digit pair and the odd leading digit. */
	for (unsigned int v = 0; v < 10000; v++) {
		int n = snprintf(want, sizeof(want), "%u", v);

		jsonw_reset(&j);
		jsonw_digits(&j, v);
		assert_int_equal(j.len, n);
		assert_memory_equal(j.buf, want, (size_t)n);
	}
	jsonw_free(&j);
}

static void test_structure(void **state)
{
	struct jsonw j;

	(void)state;
	jsonw_init(&j);
	jsonw_object_begin(&j, NULL);
	jsonw_uint(&j, "n", 18446744073709551615ULL);
	jsonw_bool(&j, "t", true);
	jsonw_array_begin(&j, "a");
	jsonw_cstring(&j, NULL, "x");
	jsonw_uint(&j, NULL, 0);
	jsonw_object_begin(&j, NULL);
	jsonw_object_end(&j);
	jsonw_array_end(&j);
	jsonw_array_begin(&j, "empty");
	jsonw_array_end(&j);
	jsonw_object_end(&j);
	jsonw_newline(&j);
	assert_false(j.failed);
	assert_int_equal(j.len, strlen("{\"n\":18446744073709551615,\"t\":true,\"a\":[\"x\",0,{}],"
				       "\"empty\":[]}\n"));
	assert_memory_equal(
		j.buf, "{\"n\":18446744073709551615,\"t\":true,\"a\":[\"x\",0,{}],\"empty\":[]}\n",
		j.len);
	jsonw_reset(&j);
	jsonw_object_begin(&j, NULL);
	jsonw_object_end(&j);
	assert_memory_equal(j.buf, "{}", 2);
	/* Nesting deeper than the writer supports is an error, not an overflow. */
	jsonw_reset(&j);
	for (int i = 0; i < JSONW_MAX_DEPTH + 2; i++)
		jsonw_array_begin(&j, NULL);
	assert_true(j.failed);
	jsonw_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escapes),
		cmocka_unit_test(test_nul_is_escaped),
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_escape_tails),
		cmocka_unit_test(test_random_bytes_always_valid),
		cmocka_unit_test(test_digits),
		cmocka_unit_test(test_structure),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
