// SPDX-License-Identifier: BSD-2-Clause
/* Option parsing: defaults, values, and a one-line error with exit code 2. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"

static struct options opts;

static enum cli_result parse(const char *first, ...)
{
	char *argv[32] = { "xffwatch" };
	int argc = 1;
	va_list ap;

	va_start(ap, first);
	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	va_end(ap);
	options_defaults(&opts);
	return cli_parse(argc, argv, &opts);
}

static void test_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL), CLI_RUN);
	assert_int_equal(opts.nifaces, 1);
	assert_string_equal(opts.ifaces[0], "lo");
	assert_int_equal(opts.nports, 3);
	assert_true(port_set_has(&opts.ports, 5000));
	assert_true(port_set_has(&opts.ports, 8000));
	assert_true(port_set_has(&opts.ports, 8080));
	assert_false(port_set_has(&opts.ports, 80));
	assert_int_equal(opts.ntrusted, 2);
	assert_string_equal(opts.output, "-");
}

static void test_values(void **state)
{
	char buf[IP_STR_MAX + 4];

	(void)state;
	assert_int_equal(parse("--iface", "eth0", "-i", "lo", "--port", "80,9000-9002", "-p", "443",
			       "--trust", "10.0.0.0/8,fd00::/8", "-t", "192.0.2.1", "-o", "/tmp/x",
			       "--attach=tc", "-vv", NULL),
			 CLI_RUN);
	assert_int_equal(opts.nifaces, 2);
	assert_string_equal(opts.ifaces[1], "lo");
	assert_int_equal(opts.nports, 5);
	assert_false(port_set_has(&opts.ports, 5000));
	assert_true(port_set_has(&opts.ports, 9001));
	assert_true(port_set_has(&opts.ports, 443));
	assert_int_equal(opts.ntrusted, 3);
	ip_cidr_format(&opts.trusted[2], buf);
	assert_string_equal(buf, "192.0.2.1/32");
	assert_string_equal(opts.output, "/tmp/x");
	assert_int_equal(opts.attach, ATTACH_TC);
	assert_int_equal(opts.verbosity, 2);
}

static void test_errors(void **state)
{
	static const char *const bad[][3] = {
		{ "--port", "0" },
		{ "--port", "65536" },
		{ "--port", "80,,81" },
		{ "--port", "9-8" },
		{ "--port", "http" },
		{ "--trust", "10.0.0.0/33" },
		{ "--trust", "example.com" },
		{ "--trust", "" },
		{ "--iface", "" },
		{ "--iface", "averyveryverylongname0" },
		{ "--attach", "xdp" },
		{ "--bogus" },
		{ "-x" },
		{ "--port" },
		{ "stray" },
		{ "--output", "" },
	};
	int saved = dup(STDERR_FILENO);
	FILE *null = fopen("/dev/null", "w");

	(void)state;
	/* The messages themselves are checked by the end-to-end CLI test. */
	dup2(fileno(null), STDERR_FILENO);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum cli_result r = parse(bad[i][0], bad[i][1], NULL);

		if (r != CLI_USAGE_ERROR) {
			dup2(saved, STDERR_FILENO);
			fail_msg("accepted: %s %s", bad[i][0], bad[i][1] ? bad[i][1] : "");
		}
	}
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(null);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_values),
		cmocka_unit_test(test_errors),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
