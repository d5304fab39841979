// SPDX-License-Identifier: BSD-2-Clause
/* --metrics ADDR:PORT: each accepted form, each refusal and its reason, the port's bounds. */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "output/metrics_server.h"

static void test_accepted(void **state)
{
	static const struct {
		const char *in, *text; /* given, and its full form */
		int family;
		unsigned int port;
	} cases[] = {
		{ "9877", "127.0.0.1:9877", AF_INET, 9877 },
		{ ":9877", "127.0.0.1:9877", AF_INET, 9877 },
		{ "127.0.0.1:9877", "127.0.0.1:9877", AF_INET, 9877 },
		{ "0.0.0.0:9877", "0.0.0.0:9877", AF_INET, 9877 },
		{ "198.18.0.1:1", "198.18.0.1:1", AF_INET, 1 },
		{ "1", "127.0.0.1:1", AF_INET, 1 },
		{ "65535", "127.0.0.1:65535", AF_INET, 65535 },
		{ "[::1]:9877", "[::1]:9877", AF_INET6, 9877 },
		{ "[::]:65535", "[::]:65535", AF_INET6, 65535 },
		{ "[fd00:0:0::1]:80", "[fd00::1]:80", AF_INET6, 80 },
		{ "[::ffff:127.0.0.1]:9877", "[::ffff:127.0.0.1]:9877", AF_INET6, 9877 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct metrics_addr a;
		char text[METRICS_ADDR_MAX], why[256] = "";

		assert_int_equal(
			metrics_server_parse(cases[i].in, &a, text, sizeof(text), why, sizeof(why)),
			0);
		assert_string_equal(text, cases[i].text);
		assert_int_equal(a.u.sa.sa_family, cases[i].family);
		if (cases[i].family == AF_INET) {
			assert_int_equal(a.len, sizeof(a.u.v4));
			assert_int_equal(ntohs(a.u.v4.sin_port), cases[i].port);
		} else {
			assert_int_equal(a.len, sizeof(a.u.v6));
			assert_int_equal(ntohs(a.u.v6.sin6_port), cases[i].port);
		}
	}
}

/* A bare port means loopback, never every address. */
static void test_default_loopback(void **state)
{
	struct metrics_addr a;
	char why[256];

	(void)state;
	assert_int_equal(metrics_server_parse("9877", &a, NULL, 0, why, sizeof(why)), 0);
	assert_int_equal(ntohl(a.u.v4.sin_addr.s_addr), INADDR_LOOPBACK);
}

static void test_refused(void **state)
{
	static const struct {
		const char *in, *why;
	} cases[] = {
		{ "", "empty (ADDR:PORT, e.g. 127.0.0.1:9877)" },
		{ "127.0.0.1:", "'127.0.0.1:' has no port (ADDR:PORT, e.g. 127.0.0.1:9877)" },
		{ "127.0.0.1", "'127.0.0.1' has no port (ADDR:PORT, e.g. 127.0.0.1:9877)" },
		{ ":", "':' has no port (ADDR:PORT, e.g. 127.0.0.1:9877)" },
		{ "[::1]", "'[::1]' has no port (ADDR:PORT, e.g. 127.0.0.1:9877)" },
		{ "[::1]:", "'[::1]:' has no port (ADDR:PORT, e.g. 127.0.0.1:9877)" },
		{ "0", "'0': port 0 is not in 1-65535" },
		{ "127.0.0.1:0", "'127.0.0.1:0': port 0 is not in 1-65535" },
		{ "127.0.0.1:65536", "'127.0.0.1:65536': port 65536 is not in 1-65535" },
		{ "[::1]:65536", "'[::1]:65536': port 65536 is not in 1-65535" },
		{ "127.0.0.1:99999999999999999999", "'127.0.0.1:99999999999999999999': port "
						    "99999999999999999999 is not in 1-65535" },
		{ "127.0.0.1:09877", "'127.0.0.1:09877': port 09877 has a leading zero" },
		{ "127.0.0.1:x", "'127.0.0.1:x': the port 'x' is not a number" },
		{ "127.0.0.1:-1", "'127.0.0.1:-1': the port '-1' is not a number" },
		{ "127.0.0.1:+80", "'127.0.0.1:+80': the port '+80' is not a number" },
		{ "localhost:9877",
		  "'localhost' is not an IPv4 address (numbers only; IPv6 in [])" },
		{ "127.0.0.256:9877",
		  "'127.0.0.256' is not an IPv4 address (numbers only; IPv6 in [])" },
		{ "127.000.0.1:9877",
		  "'127.000.0.1' is not an IPv4 address (numbers only; IPv6 in [])" },
		{ "::1:9877", "'::1:9877': an IPv6 address goes in brackets ([::1]:9877)" },
		{ "[::1", "'[::1' has no ']' after the IPv6 address" },
		{ "[::1]9877", "'[::1]9877': ':' must follow ']'" },
		{ "[zz]:9877", "'zz' is not an IPv6 address" },
		{ "[]:9877", "'' is not an IPv6 address" },
		{ "[::1%lo]:9877", "'::1%lo' is not an IPv6 address" },
		{ "[127.0.0.1]:9877", "'[127.0.0.1]:9877': brackets are for IPv6 addresses" },
		{ "[fd00:0000:0000:0000:0000:0000:0000:0001]:65535xxxxxxxxxxxxxxxxxxx",
		  "longer than 63 bytes (ADDR:PORT, e.g. 127.0.0.1:9877)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct metrics_addr a;
		char text[METRICS_ADDR_MAX] = "untouched", why[256] = "";

		assert_int_equal(
			metrics_server_parse(cases[i].in, &a, text, sizeof(text), why, sizeof(why)),
			-EINVAL);
		assert_string_equal(why, cases[i].why);
		assert_null(strchr(why, '\n'));
		assert_string_equal(text, "untouched");
	}
}

/* The longest full form fits the setting's field. */
static void test_longest_fits(void **state)
{
	static const char longest[] = "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535";
	char text[METRICS_ADDR_MAX], why[256];

	(void)state;
	assert_true(sizeof(longest) <= METRICS_ADDR_MAX);
	assert_int_equal(metrics_server_parse(longest, NULL, text, sizeof(text), why, sizeof(why)),
			 0);
	assert_true(strlen(text) < METRICS_ADDR_MAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),
		cmocka_unit_test(test_default_loopback),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_longest_fits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
