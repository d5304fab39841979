// SPDX-License-Identifier: BSD-2-Clause
/* Flags: defaults, values, rules, and a one-line error with exit code 2. */
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
static struct resolve_args rargs;

static enum cli_result parse_cmd(enum cli_command cmd, const char *first, va_list ap)
{
	char *argv[40] = { "xffwatch", "--no-config" };
	int argc = 2;

	for (const char *a = first; a; a = va_arg(ap, const char *))
		argv[argc++] = (char *)a;
	return cli_parse(cmd, argc, argv, &opts, &rargs);
}

static enum cli_result parse(const char *first, ...)
{
	enum cli_result r;
	va_list ap;

	va_start(ap, first);
	r = parse_cmd(CMD_DAEMON, first, ap);
	va_end(ap);
	return r;
}

static enum cli_result parse_resolve(const char *first, ...)
{
	enum cli_result r;
	va_list ap;

	va_start(ap, first);
	r = parse_cmd(CMD_RESOLVE, first, ap);
	va_end(ap);
	return r;
}

static const char *cidr(const struct trust_rule *r, size_t i)
{
	static char buf[IP_STR_MAX + 4];

	ip_cidr_format(&r->trusted[i], buf);
	return buf;
}

static void test_defaults(void **state)
{
	const struct trust_rule *g;

	(void)state;
	assert_int_equal(parse(NULL), CLI_RUN);
	assert_int_equal(opts.nifaces, 1);
	assert_string_equal(opts.ifaces[0], "lo");
	assert_int_equal(options_port_count(&opts), 3);
	assert_true(port_set_has(&opts.ports, 5000));
	assert_true(port_set_has(&opts.ports, 8000));
	assert_true(port_set_has(&opts.ports, 8080));
	assert_int_equal(opts.noutputs, 1);
	assert_string_equal(opts.outputs[0], "-");
	assert_int_equal(opts.nsyslogs, 0);
	assert_string_equal(opts.user, "nobody");
	assert_int_equal(opts.files.mode, 0640);
	assert_int_equal(opts.files.retain_days, 30);
	assert_int_equal(opts.privacy.pseudonymize, PSEUDO_NONE);
	assert_false(opts.privacy.keep_query);
	assert_true(opts.privacy.user_agent);
	assert_int_equal(opts.nrules, 1);
	g = &opts.rules[0];
	assert_int_equal(g->ntrusted, 2);
	assert_string_equal(cidr(g, 0), "127.0.0.0/8");
	assert_string_equal(cidr(g, 1), "::1/128");
	assert_int_equal(g->nheaders, 1);
	assert_int_equal(g->headers[0], XFFW_F_X_FORWARDED_FOR);
	assert_true(g->recursive);
	assert_int_equal(g->hops, -1);
	assert_int_equal(opts.response_timeout_ms, 60000);
	assert_int_equal(opts.head_budget, 16384);
	assert_int_equal(opts.flows, 65536);
	assert_string_equal(opts.stats, "");
}

static void test_stream_options(void **state)
{
	(void)state;
	assert_int_equal(parse("--response-timeout", "2.5", "--head-budget", "1024", "--flows",
			       "4096", "--stats", "/run/x.json", NULL),
			 CLI_RUN);
	assert_int_equal(opts.response_timeout_ms, 2500);
	assert_int_equal(opts.head_budget, 1024);
	assert_int_equal(opts.flows, 4096);
	assert_string_equal(opts.stats, "/run/x.json");
	assert_int_equal(parse("--response-timeout", "0.001", NULL), CLI_RUN);
	assert_int_equal(opts.response_timeout_ms, 1);
	assert_int_equal(parse("--response-timeout", "86400", "--head-budget", "65536", NULL),
			 CLI_RUN);
	assert_int_equal(opts.response_timeout_ms, 86400000);
	assert_int_equal(opts.head_budget, 65536);
	assert_int_equal(parse("--netns", "app", "--iface", "veth*", NULL), CLI_RUN);
	assert_string_equal(opts.netns, "app");
	assert_string_equal(opts.ifaces[0], "veth*");
	assert_int_equal(parse("--netns", "/proc/1/ns/net", NULL), CLI_RUN);
	assert_string_equal(opts.netns, "/proc/1/ns/net");
}

static void test_values(void **state)
{
	const struct trust_rule *g;

	(void)state;
	assert_int_equal(parse("--iface", "eth0", "-i", "lo", "--port", "80,9000-9002", "-p", "443",
			       "--trust", "10.0.0.0/8,fd00::/8", "-t", "192.0.2.1", "-o", "/tmp/x",
			       "--attach=tc", "-vv", "-H", "x-real-ip", "--header",
			       "CF-Connecting-IP,forwarded", "--no-recursive", NULL),
			 CLI_RUN);
	assert_int_equal(opts.nifaces, 2);
	assert_string_equal(opts.ifaces[1], "lo");
	assert_int_equal(options_port_count(&opts), 5);
	assert_false(port_set_has(&opts.ports, 5000));
	assert_true(port_set_has(&opts.ports, 9001));
	g = &opts.rules[opts.nrules - 1];
	assert_int_equal(g->ntrusted, 3);
	assert_string_equal(cidr(g, 2), "192.0.2.1/32");
	assert_int_equal(g->nheaders, 3);
	assert_int_equal(g->headers[0], XFFW_F_X_REAL_IP);
	assert_int_equal(g->headers[1], XFFW_F_CF_CONNECTING_IP);
	assert_int_equal(g->headers[2], XFFW_F_FORWARDED);
	assert_false(g->recursive);
	assert_int_equal(opts.noutputs, 1);
	assert_string_equal(opts.outputs[0], "/tmp/x");
	assert_int_equal(opts.attach, ATTACH_TC);
	assert_int_equal(opts.verbosity, 2);
	assert_int_equal(parse("--hops", "2", NULL), CLI_RUN);
	assert_int_equal(opts.rules[0].hops, 2);
	/* ...and off again, also for a listener. */
	assert_int_equal(
		parse("--hops", "2", "--hops", "off", "--listener", "port=8080 hops=off", NULL),
		CLI_RUN);
	assert_int_equal(opts.rules[0].hops, -1);
	assert_int_equal(opts.rules[1].hops, -1);
}

static void test_listeners(void **state)
{
	const struct trust_rule *r, *picked;

	(void)state;
	assert_int_equal(parse("--trust", "127.0.0.1", "--listener",
			       "port=8000 iface=docker0 trust=172.17.0.1", "--listener",
			       "port=8080 trust=198.51.100.0/24 header=cf-connecting-ip",
			       "--listener", "iface=eth1 hops=1", NULL),
			 CLI_RUN);
	assert_int_equal(opts.nrules, 4);
	/* Listener ports and interfaces are watched too. */
	assert_true(port_set_has(&opts.ports, 8000));
	assert_int_equal(opts.nifaces, 3);
	r = &opts.rules[0];
	assert_int_equal(r->port, 8000);
	assert_string_equal(r->iface, "docker0");
	assert_string_equal(cidr(r, 0), "172.17.0.1/32");
	assert_int_equal(r->headers[0], XFFW_F_X_FORWARDED_FOR); /* inherited */
	r = &opts.rules[1];
	assert_int_equal(r->headers[0], XFFW_F_CF_CONNECTING_IP);
	r = &opts.rules[2];
	assert_int_equal(r->hops, 1);
	assert_string_equal(cidr(r, 0), "127.0.0.1/32"); /* inherited */
	/* The first rule that matches port and interface; the global rule last. */
	picked = trust_pick(opts.rules, opts.nrules, 8000, "docker0");
	assert_ptr_equal(picked, &opts.rules[0]);
	picked = trust_pick(opts.rules, opts.nrules, 8000, "lo");
	assert_ptr_equal(picked, &opts.rules[3]);
	picked = trust_pick(opts.rules, opts.nrules, 8080, "lo");
	assert_ptr_equal(picked, &opts.rules[1]);
	picked = trust_pick(opts.rules, opts.nrules, 5000, "eth1");
	assert_ptr_equal(picked, &opts.rules[2]);
}

static void test_resolve_args(void **state)
{
	char buf[IP_STR_MAX];

	(void)state;
	assert_int_equal(parse_resolve("--peer", "[::1]:4000", "--destination", "fd00::1:5000",
				       "--explain", "-i", "eth0", NULL),
			 CLI_RUN);
	ip_format(&rargs.peer, buf);
	assert_string_equal(buf, "::1");
	assert_int_equal(rargs.peer_port, 4000);
	assert_true(rargs.explain);
	assert_string_equal(rargs.iface, "eth0");
	/* "fd00::1:5000" is an IPv6 address, not fd00::1 port 5000. */
	ip_format(&rargs.destination, buf);
	assert_string_equal(buf, "fd00::1:5000");
	assert_int_equal(rargs.destination_port, 0);
	assert_int_equal(parse_resolve("--peer", "127.0.0.1:80", NULL), CLI_RUN);
	assert_int_equal(rargs.peer_port, 80);
}

static void test_sink_options(void **state)
{
	(void)state;
	assert_int_equal(parse("-o", "/var/log/a.json", "--output", "-", "--syslog", "local",
			       "--syslog", "udp://127.0.0.1:514", "--syslog", "tcp://[::1]:6514",
			       "--syslog-facility", "auth", "--file-mode", "0600", "--file-owner",
			       "root:adm", "--rotate-size", "100M", "--rotate-daily",
			       "--retain-days", "7", "--fsync-interval", "0", "--queue", "1M",
			       "--user", "root", NULL),
			 CLI_RUN);
	assert_int_equal(opts.noutputs, 2);
	assert_string_equal(opts.outputs[0], "/var/log/a.json");
	assert_string_equal(opts.outputs[1], "-");
	assert_int_equal(opts.nsyslogs, 3);
	assert_string_equal(opts.syslogs[2], "tcp://[::1]:6514");
	assert_int_equal(opts.syslog_facility, 4);
	assert_int_equal(opts.files.mode, 0600);
	assert_string_equal(opts.files.owner, "root");
	assert_string_equal(opts.files.group, "adm");
	assert_int_equal(opts.files.rotate_size, 100ULL << 20);
	assert_true(opts.files.rotate_daily);
	assert_int_equal(opts.files.retain_days, 7);
	assert_int_equal(opts.files.fsync_ms, 0);
	assert_int_equal(opts.queue_bytes, 1U << 20);
	assert_string_equal(opts.user, "root");
	/* Syslog only: no standard output. */
	assert_int_equal(parse("--syslog", "unix:/run/rsyslog/xffwatch.sock", NULL), CLI_RUN);
	assert_int_equal(opts.nsyslogs, 1);
	assert_string_equal(opts.syslogs[0], "unix:/run/rsyslog/xffwatch.sock");
	assert_int_equal(parse("--syslog", "local", NULL), CLI_RUN);
	assert_int_equal(opts.noutputs, 0);
	assert_int_equal(opts.nsyslogs, 1);

	assert_int_equal(
		parse("--pseudonymize", "truncate", "--keep-query", "--no-user-agent", NULL),
		CLI_RUN);
	assert_int_equal(opts.privacy.pseudonymize, PSEUDO_TRUNCATE);
	assert_true(opts.privacy.keep_query);
	assert_false(opts.privacy.user_agent);
	assert_int_equal(parse("--pseudonymize", "hmac", "--hmac-key", "/etc/k", NULL), CLI_RUN);
	assert_int_equal(opts.privacy.pseudonymize, PSEUDO_HMAC);
	assert_string_equal(opts.privacy.hmac_key, "/etc/k");
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
		{ "--header", "x-forwarded" },
		{ "--header", "x-real-ip,x-real-ip" },
		{ "--hops", "-1" },
		{ "--hops", "65" },
		{ "--hops", "x" },
		{ "--listener", "port=8000 bogus=1" },
		{ "--listener", "trust=10.0.0.0/8" },
		{ "--listener", "port=0" },
		{ "--listener", "port" },
		{ "--peer", "1.2.3.4" },
		{ "--explain" },
		{ "--bogus" },
		{ "-x" },
		{ "--port" },
		{ "stray" },
		{ "--output", "" },
		{ "--response-timeout", "0" },
		{ "--response-timeout", "-1" },
		{ "--response-timeout", "1.2345" },
		{ "--response-timeout", "86401" },
		{ "--response-timeout", "1." },
		{ "--response-timeout", ".5" },
		{ "--response-timeout", "10s" },
		{ "--head-budget", "1023" },
		{ "--head-budget", "65537" },
		{ "--head-budget", "16k" },
		{ "--flows", "1023" },
		{ "--flows", "99999999999" },
		{ "--flows", "" },
		{ "--stats", "" },
		{ "--netns", "a/b" },
		{ "--netns", "" },
		{ "--netns", ".." },
		{ "--config", "/nonexistent/xffwatch.conf" },
		{ "--syslog", "remote" },
		{ "--syslog", "udp://127.0.0.1" },
		{ "--syslog", "tcp://:514" },
		{ "--syslog", "udp://127.0.0.1:0" },
		{ "--syslog", "udp://127.0.0.1:70000" },
		{ "--syslog", "unix:relative/path" },
		{ "--syslog", "unix:" },
		{ "--syslog",
		  "unix:/"
		  "0123456789012345678901234567890123456789012345678901234567890123456789"
		  "0123456789012345678901234567890123456789" },
		{ "--syslog-facility", "local8" },
		{ "--file-mode", "0800" },
		{ "--file-mode", "rw" },
		{ "--file-owner", "a:" },
		{ "--rotate-size", "1X" },
		{ "--rotate-size", "-5" },
		{ "--retain-days", "x" },
		{ "--queue", "0" },
		{ "--pseudonymize", "hash" },
		{ "--pseudonymize", "hmac" }, /* no key */
		{ "--user", "" },
	};
	int saved = dup(STDERR_FILENO);
	FILE *null = fopen("/dev/null", "w");

	(void)state;
	dup2(fileno(null), STDERR_FILENO);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		enum cli_result r = parse(bad[i][0], bad[i][1], NULL);

		if (r != CLI_USAGE_ERROR) {
			dup2(saved, STDERR_FILENO);
			fail_msg("accepted: %s %s", bad[i][0], bad[i][1] ? bad[i][1] : "");
		}
	}
	/* resolve: --peer is needed, --output is not one of its options. */
	if (parse_resolve(NULL) != CLI_USAGE_ERROR ||
	    parse_resolve("--peer", "1.2.3.4", "--output", "x", NULL) != CLI_USAGE_ERROR ||
	    parse_resolve("--peer", "1.2.3.4", "--flows", "4096", NULL) != CLI_USAGE_ERROR ||
	    parse_resolve("--peer", "1.2.3.4.5", NULL) != CLI_USAGE_ERROR) {
		dup2(saved, STDERR_FILENO);
		fail_msg("resolve accepted a bad command line");
	}
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(null);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),     cmocka_unit_test(test_values),
		cmocka_unit_test(test_listeners),    cmocka_unit_test(test_resolve_args),
		cmocka_unit_test(test_errors),	     cmocka_unit_test(test_stream_options),
		cmocka_unit_test(test_sink_options),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
