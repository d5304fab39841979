// SPDX-License-Identifier: BSD-2-Clause
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "util/ipaddr.h"

static int parse(const char *s, struct ip_addr *a)
{
	return ip_parse(s, strlen(s), a);
}

static const char *fmt(const struct ip_addr *a)
{
	static char buf[IP_STR_MAX];

	ip_format(a, buf);
	return buf;
}

static void test_ipv4_strict(void **state)
{
	static const char *const good[] = { "0.0.0.0", "1.2.3.4", "255.255.255.255", "10.0.0.1" };
	static const char *const bad[] = {
		"",	     "1.2.3",	     "1.2.3.4.5",  "256.1.1.1", "010.0.0.1", "1..2.3",
		"1.2.3.4 ",  " 1.2.3.4",     "1.2.3.-4",   "a.b.c.d",	"1.2.3.04",  "1.2.3.4/8",
		"0x1.2.3.4", "1.2.3.4%eth0", "1234.1.1.1", "1.2.3.",	".1.2.3",
	};
	struct ip_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(parse(good[i], &a), 0);
		assert_int_equal(a.family, 4);
		assert_string_equal(fmt(&a), good[i]);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(parse(bad[i], &a), 0);
}

static void test_ipv6(void **state)
{
	static const struct {
		const char *in, *out;
	} good[] = {
		{ "::1", "::1" },
		{ "2001:DB8::7", "2001:db8::7" },
		{ "2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1" },
		{ "2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1" },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1" },
		{ "fe80::1", "fe80::1" },
		{ "::", "::" },
	};
	static const char *const bad[] = {
		"fe80::1%eth0",	    ":::1",	    "2001:db8::g", "1:2:3:4:5:6:7:8:9", "[::1]",
		"::ffff:010.0.0.1", "2001:db8:::1", ":",
	};
	struct ip_addr a;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(parse(good[i].in, &a), 0);
		assert_int_equal(a.family, 6);
		assert_string_equal(fmt(&a), good[i].out);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(parse(bad[i], &a), 0);
}

static void test_endpoints(void **state)
{
	static const struct {
		const char *in, *addr;
		uint16_t port;
	} good[] = {
		{ "192.0.2.1:8080", "192.0.2.1", 8080 },
		{ "[2001:db8::1]:443", "2001:db8::1", 443 },
		{ "[2001:db8::1]", "2001:db8::1", 0 },
		{ "2001:db8::7:4711", "2001:db8::7:4711", 0 },
		{ "192.0.2.1", "192.0.2.1", 0 },
		{ "1.2.3.4:65535", "1.2.3.4", 65535 },
		{ "1.2.3.4:00080", "1.2.3.4", 80 }, /* five digits: the most RFC 7239 allows */
		{ "[2001:db8::1]:08080", "2001:db8::1", 8080 },
	};
	static const char *const bad[] = {
		"192.0.2.1:0",
		"192.0.2.1:65536",
		"192.0.2.1:000080", /* six digits */
		"[2001:db8::1]:000443",
		"192.0.2.1:",
		"192.0.2.1:http",
		"[2001:db8::1",
		"[2001:db8::1]:",
		"[2001:db8::1]x",
		"[1.2.3.4]",
		"unknown",
		"_hidden",
		"1.2.3.4:5:6",
		"[fe80::1%eth0]:1",
		"",
		"[]",
	};
	struct ip_addr a;
	uint16_t port;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(ip_parse_endpoint(good[i].in, strlen(good[i].in), &a, &port), 0);
		assert_string_equal(fmt(&a), good[i].addr);
		assert_int_equal(port, good[i].port);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_not_equal(ip_parse_endpoint(bad[i], strlen(bad[i]), &a, &port), 0);
}

/* X-Forwarded-For entries as nginx's ngx_parse_addr_port reads them. */
static void test_xff_entries(void **state)
{
	static const struct {
		const char *in, *addr;
		uint16_t port;
	} good[] = {
		{ "192.0.2.1", "192.0.2.1", 0 },
		{ "192.0.2.1:8080", "192.0.2.1", 8080 },
		{ "192.0.2.1:080", "192.0.2.1", 80 },
		/* ngx_atoi takes any number of leading zeros. */
		{ "192.0.2.1:00000000080", "192.0.2.1", 80 },
		{ "192.0.2.1:00000000000000000000000000065535", "192.0.2.1", 65535 },
		{ "[2001:db8::1]:443", "2001:db8::1", 443 },
		{ "[2001:db8::1]:0000443", "2001:db8::1", 443 },
		{ "[192.0.2.1]:80", "192.0.2.1", 80 },
		{ "2001:db8::7:4711", "2001:db8::7:4711", 0 },
		{ "::ffff:192.0.2.1", "::ffff:192.0.2.1", 0 },
		{ "1:2:3::6:7:8", "1:2:3::6:7:8", 0 },
		{ "1:2:3::5:6:7:8", "1:2:3:0:5:6:7:8", 0 },
		{ "::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8", 0 },
		{ "::ffff:1.2.3.4", "::ffff:1.2.3.4", 0 },
		{ "1:2:3:4:5::7.8.9.10", "1:2:3:4:5:0:708:90a", 0 },
	};
	static const char *const bad[] = {
		"[2001:db8::1]",
		"255.255.255.255",
		"255.255.255.255:80",
		"192.0.2.1:0",
		"192.0.2.1:0000000",
		"192.0.2.1:65536",
		"192.0.2.1:000065536",
		"192.0.2.1:99999999999999999999999",
		"192.0.2.1:",
		"[2001:db8::1]x",
		"unknown",
		"",
		",192.0.2.1",
		"192.0.2.1:1:2",
		"[::1]:",
		"[]:80",
	};
	struct ip_addr a;
	uint16_t port;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		if (ip_parse_xff_entry(good[i].in, strlen(good[i].in), &a, &port))
			fail_msg("refused %s", good[i].in);
		assert_string_equal(fmt(&a), good[i].addr);
		assert_int_equal(port, good[i].port);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (!ip_parse_xff_entry(bad[i], strlen(bad[i]), &a, &port))
			fail_msg("accepted %s", bad[i]);
}

static void test_cidr(void **state)
{
	struct ip_cidr c;
	struct ip_addr a;
	bool host_bits;
	char buf[IP_STR_MAX + 4];

	(void)state;
	assert_int_equal(ip_cidr_parse("10.0.0.0/8", 10, &c, &host_bits), 0);
	assert_false(host_bits);
	parse("10.255.1.2", &a);
	assert_true(ip_cidr_match(&c, &a));
	parse("11.0.0.1", &a);
	assert_false(ip_cidr_match(&c, &a));
	/* IPv4-mapped IPv6 matches IPv4 CIDRs, as in nginx. */
	parse("::ffff:10.1.2.3", &a);
	assert_true(ip_cidr_match(&c, &a));
	/* ...but IPv4, mapped or not, never matches IPv6 CIDRs, not even ::/0 (as nginx). */
	assert_int_equal(ip_cidr_parse("::ffff:0:0/96", 13, &c, NULL), 0);
	parse("10.1.2.3", &a);
	assert_false(ip_cidr_match(&c, &a));
	parse("::ffff:10.1.2.3", &a);
	assert_false(ip_cidr_match(&c, &a));
	assert_int_equal(ip_cidr_parse("::/0", 4, &c, NULL), 0);
	assert_false(ip_cidr_match(&c, &a));
	parse("2001:db8::1", &a);
	assert_true(ip_cidr_match(&c, &a));

	assert_int_equal(ip_cidr_parse("127.0.0.1/8", 11, &c, &host_bits), 0);
	assert_true(host_bits);
	ip_cidr_format(&c, buf);
	assert_string_equal(buf, "127.0.0.0/8");
	assert_int_equal(ip_cidr_parse("fc00::/7", 8, &c, NULL), 0);
	parse("fd12::1", &a);
	assert_true(ip_cidr_match(&c, &a));
	parse("fe00::1", &a);
	assert_false(ip_cidr_match(&c, &a));
	assert_int_equal(ip_cidr_parse("0.0.0.0/0", 9, &c, NULL), 0);
	parse("203.0.113.1", &a);
	assert_true(ip_cidr_match(&c, &a));
	assert_int_equal(ip_cidr_parse("192.0.2.7", 9, &c, NULL), 0);
	assert_int_equal(c.prefix, 32);
	assert_int_equal(ip_cidr_parse("::1", 3, &c, NULL), 0);
	assert_int_equal(c.prefix, 128);

	assert_int_not_equal(ip_cidr_parse("10.0.0.0/33", 11, &c, NULL), 0);
	assert_int_not_equal(ip_cidr_parse("10.0.0.0/", 9, &c, NULL), 0);
	assert_int_not_equal(ip_cidr_parse("10.0.0.0/08", 11, &c, NULL), 0);
	assert_int_not_equal(ip_cidr_parse("::/129", 6, &c, NULL), 0);
	assert_int_not_equal(ip_cidr_parse("10.0.0.0/-1", 11, &c, NULL), 0);
	assert_int_not_equal(ip_cidr_parse("/8", 2, &c, NULL), 0);
}

static void test_equal(void **state)
{
	struct ip_addr a, b;

	(void)state;
	parse("::ffff:203.0.113.7", &a);
	parse("203.0.113.7", &b);
	assert_true(ip_equal(&a, &b));
	parse("203.0.113.8", &b);
	assert_false(ip_equal(&a, &b));
	parse("::1", &a);
	parse("0.0.0.1", &b);
	assert_false(ip_equal(&a, &b));
}

/* The hand-written IPv6 text is glibc's inet_ntop text (RFC 5952, embedded IPv4 forms). */
static void test_format_v6_matches_inet_ntop(void **state)
{
	uint32_t seed = 1;
	struct ip_addr a = { .family = 6 };
	char want[64];

	(void)state;
	for (int k = 0; k < 200000; k++) {
		for (int i = 0; i < 16; i++) {
			seed = seed * 1103515245u + 12345u;
			/* Mostly zeros, sometimes the ::ffff: prefix: the interesting shapes. */
			a.b[i] = (seed >> 16) % 4 == 0 ? (uint8_t)(seed >> 24) : 0;
			if (k % 7 == 0 && i < 10)
				a.b[i] = 0;
			if (k % 11 == 0 && (i == 10 || i == 11))
				a.b[i] = 0xff;
		}
		inet_ntop(AF_INET6, a.b, want, sizeof(want));
		if (strcmp(fmt(&a), want))
			fail_msg("%s, inet_ntop says %s", fmt(&a), want);
	}
}

/* Every byte string of a few characters: no crash, no read past the length. */
static void test_hostile_lengths(void **state)
{
	static const char alphabet[] = "0123456789abcdef:.[]%/ ";
	char buf[8];
	struct ip_addr a;
	struct ip_cidr c;
	uint16_t port;

	(void)state;
	for (unsigned int n = 0; n < 23 * 23 * 23 * 23; n++) {
		unsigned int v = n;

		for (int i = 0; i < 4; i++) {
			buf[i] = alphabet[v % 23];
			v /= 23;
		}
		/* Exactly sized heap copies: ASan catches any read past the end. */
		for (size_t len = 0; len <= 4; len++) {
			char *p = malloc(len ? len : 1);

			memcpy(p, buf, len);
			ip_parse(p, len, &a);
			ip_parse_endpoint(p, len, &a, &port);
			ip_parse_xff_entry(p, len, &a, &port);
			ip_cidr_parse(p, len, &c, NULL);
			free(p);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_strict),
		cmocka_unit_test(test_ipv6),
		cmocka_unit_test(test_endpoints),
		cmocka_unit_test(test_xff_entries),
		cmocka_unit_test(test_cidr),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_hostile_lengths),
		cmocka_unit_test(test_format_v6_matches_inet_ntop),
	};

	return cmocka_run_group_tests_name("ipaddr", tests, NULL, NULL);
}
