// SPDX-License-Identifier: BSD-2-Clause
/* Prometheus's text format: escaping of help and label values, and how values are written. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "output/prom_text.h"

static void test_help_escaped(void **state)
{
	struct prom_buf b;

	(void)state;
	prom_init(&b, PROM_PAGE_MAX);
	prom_family(&b, "x_total", "counter", "a\\b\nc \"q\" é");
	assert_false(b.failed);
	/* In HELP only backslash and newline are escaped; quotes and UTF-8 pass. */
	assert_string_equal(b.p, "# HELP x_total a\\\\b\\nc \"q\" é\n# TYPE x_total counter\n");
	prom_free(&b);
}

static void test_label_escaped(void **state)
{
	struct prom_buf b;
	struct prom_label l[] = { { "target", "C:\\x \"y\"\nz ü" }, { "k", "" } };

	(void)state;
	prom_init(&b, PROM_PAGE_MAX);
	prom_uint(&b, "x", l, 2, 7);
	assert_false(b.failed);
	assert_string_equal(b.p, "x{target=\"C:\\\\x \\\"y\\\"\\nz ü\",k=\"\"} 7\n");
	prom_free(&b);
}

static void test_uint_exact(void **state)
{
	struct prom_buf b;

	(void)state;
	prom_init(&b, PROM_PAGE_MAX);
	prom_uint(&b, "a", NULL, 0, 0);
	prom_uint(&b, "b", NULL, 0, UINT64_MAX);
	prom_uint(&b, "c", NULL, 0, (1ULL << 53) + 1);
	assert_string_equal(b.p, "a 0\nb 18446744073709551615\nc 9007199254740993\n");
	prom_free(&b);
}

static void test_double_formats(void **state)
{
	static const struct {
		double v;
		const char *text;
	} cases[] = {
		{ 0.005, "0.005" },
		{ 0.1, "0.1" },
		{ 1, "1" },
		{ 2.5, "2.5" },
		{ 60, "60" },
		{ 0, "0" },
		{ -1.5, "-1.5" },
		{ 1e21, "1e+21" },
		{ 1.0 / 3, "0.3333333333333333" },
		{ 1765000000.25, "1.76500000025e+09" },
		{ 123456, "123456" },
		{ 1e6, "1e+06" },
		{ 1e-4, "0.0001" },
		{ 1.5e-5, "1.5e-05" },
		{ INFINITY, "+Inf" },
		{ -INFINITY, "-Inf" },
		{ NAN, "NaN" },
	};
	char out[32];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t n = prom_format_double(cases[i].v, out, sizeof(out));

		assert_string_equal(out, cases[i].text);
		assert_int_equal(n, strlen(cases[i].text));
		if (isfinite(cases[i].v))
			assert_true(strtod(out, NULL) == cases[i].v);
	}
	/* A short buffer: cut, never past it. */
	assert_int_equal(prom_format_double(0.25, out, 4), 3);
	assert_string_equal(out, "0.2");
}

static void test_double_sample(void **state)
{
	struct prom_buf b;
	struct prom_label l[] = { { "le", "+Inf" } };

	(void)state;
	prom_init(&b, PROM_PAGE_MAX);
	prom_double(&b, "h_sum", NULL, 0, 0.25);
	prom_uint(&b, "h_bucket", l, 1, 3);
	assert_string_equal(b.p, "h_sum 0.25\nh_bucket{le=\"+Inf\"} 3\n");
	prom_free(&b);
}

/* The bound: exactly @max - 1 bytes (and the NUL) fit; one more fails the page. */
static void test_bound(void **state)
{
	struct prom_buf b;

	(void)state;
	prom_init(&b, 8);
	prom_uint(&b, "abcd", NULL, 0, 1); /* "abcd 1\n": 7 bytes */
	assert_false(b.failed);
	assert_int_equal(b.len, 7);
	prom_free(&b);
	prom_init(&b, 8);
	prom_uint(&b, "abcd", NULL, 0, 12); /* 8 bytes: one past */
	assert_true(b.failed);
	prom_uint(&b, "x", NULL, 0, 1); /* and stays failed */
	assert_true(b.failed);
	prom_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_help_escaped),  cmocka_unit_test(test_label_escaped),
		cmocka_unit_test(test_uint_exact),    cmocka_unit_test(test_double_formats),
		cmocka_unit_test(test_double_sample), cmocka_unit_test(test_bound),
	};

	return cmocka_run_group_tests_name("prom_text", tests, NULL, NULL);
}
