// SPDX-License-Identifier: BSD-2-Clause
/* Flags: defaults, values, rules, and a one-line error with exit code 2. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd/cli.h"
#include "cmd/settings.h"
#include "util/log.h"

static struct options opts;
static struct command_args rargs;

/* Parses "xffwatch --no-config" and ARGS, a NULL-terminated list. The macros
 * below take the list as an array: a NULL in an array is a pointer, while
 * as a variadic argument it may be a plain 0 (cppcheck's varFuncNullUB). */
static enum cli_result parse_args(enum cli_command cmd, const char *const *args)
{
	char *argv[40] = { "xffwatch", "--no-config" };
	int argc = 2;

	for (; *args; args++)
		argv[argc++] = (char *)*args;
	return cli_parse(cmd, argc, argv, &opts, &rargs);
}

#define parse(...)	   parse_args(CMD_DAEMON, (const char *const[]){ __VA_ARGS__ })
#define parse_resolve(...) parse_args(CMD_RESOLVE, (const char *const[]){ __VA_ARGS__ })

/* What the last parse_captured() wrote to stderr. */
static char captured[8192];

static enum cli_result parse_captured_args(enum cli_command cmd, const char *const *args)
{
	int saved = dup(STDERR_FILENO);
	FILE *tmp = tmpfile();
	enum cli_result r;
	size_t n;

	assert_non_null(tmp);
	fflush(stderr);
	dup2(fileno(tmp), STDERR_FILENO);
	r = parse_args(cmd, args);
	fflush(stderr);
	dup2(saved, STDERR_FILENO);
	close(saved);
	rewind(tmp);
	n = fread(captured, 1, sizeof(captured) - 1, tmp);
	captured[n] = '\0';
	fclose(tmp);
	return r;
}

#define parse_captured(cmd, ...) parse_captured_args(cmd, (const char *const[]){ __VA_ARGS__ })

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
	/* X-Forwarded-For only: a PROXY preamble is read when asked for (docs/trust.md). */
	assert_int_equal(g->nheaders, 1);
	assert_int_equal(g->headers[0], XFFW_F_X_FORWARDED_FOR);
	assert_false(trust_reads(g, TRUST_PROXY_PROTOCOL));
	assert_int_equal(g->proxy_protocol, TRUST_PP_OPTIONAL);
	assert_true(g->recursive);
	assert_int_equal(g->hops, -1);
	assert_int_equal(opts.response_timeout_ms, 60000);
	assert_int_equal(opts.head_budget, 16384);
	assert_int_equal(opts.flows, 65536);
	assert_string_equal(opts.stats, "");
	assert_string_equal(opts.metrics, ""); /* no server unless asked for */
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
	/* --metrics: kept in full form; "off" (after a value) turns it off again. */
	assert_int_equal(parse("--metrics", "9877", NULL), CLI_RUN);
	assert_string_equal(opts.metrics, "127.0.0.1:9877");
	assert_int_equal(parse("--metrics", "[::1]:1", NULL), CLI_RUN);
	assert_string_equal(opts.metrics, "[::1]:1");
	assert_int_equal(parse("--metrics", "0.0.0.0:65535", "--metrics", "off", NULL), CLI_RUN);
	assert_string_equal(opts.metrics, "");
	/* A bad one: one line naming the bad part. */
	assert_int_equal(parse_captured(CMD_DAEMON, "--metrics", "127.0.0.1:", NULL),
			 CLI_USAGE_ERROR);
	assert_string_equal(captured, "xffwatch: --metrics: '127.0.0.1:' has no port (ADDR:PORT, "
				      "e.g. 127.0.0.1:9877) (see --help)\n");
	/* Only the observer serves: not replay, resolve or the doctor. */
	assert_int_equal(parse_args(CMD_REPLAY, (const char *const[]){ "--metrics", "9877", NULL }),
			 CLI_USAGE_ERROR);
	assert_int_equal(parse_args(CMD_DOCTOR, (const char *const[]){ "--metrics", "9877", NULL }),
			 CLI_USAGE_ERROR);
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

/* --proxy-protocol MODE, the listener key proxy-protocol=, and --header proxy-protocol. */
static void test_proxy_protocol(void **state)
{
	(void)state;
	assert_int_equal(
		parse("--proxy-protocol", "required", "--header", "x-forwarded-for,proxy-protocol",
		      "--listener", "port=8000 proxy-protocol=off", "--listener", "port=8001",
		      "--listener", "port=8002 proxy-protocol=optional header=x-real-ip", NULL),
		CLI_RUN);
	assert_int_equal(opts.nrules, 4);
	assert_int_equal(opts.rules[0].proxy_protocol, TRUST_PP_OFF);
	assert_int_equal(opts.rules[1].proxy_protocol, TRUST_PP_REQUIRED); /* inherited */
	assert_int_equal(opts.rules[2].proxy_protocol, TRUST_PP_OPTIONAL);
	assert_int_equal(opts.rules[3].proxy_protocol, TRUST_PP_REQUIRED);
	assert_int_equal(opts.rules[3].nheaders, 2);
	assert_int_equal(opts.rules[3].headers[1], TRUST_PROXY_PROTOCOL);
	assert_true(trust_reads(&opts.rules[1], TRUST_PROXY_PROTOCOL));
	assert_false(trust_reads(&opts.rules[2], TRUST_PROXY_PROTOCOL));
	assert_int_equal(trust_first_header(&opts.rules[3]), XFFW_F_X_FORWARDED_FOR);
	/* required does not add it to the headers. */
	assert_int_equal(parse("--proxy-protocol", "required", "--header", "x-real-ip", NULL),
			 CLI_RUN);
	assert_int_equal(opts.rules[0].nheaders, 1);
	assert_int_equal(trust_first_header(&opts.rules[0]), XFFW_F_X_REAL_IP);
	assert_int_equal(parse("--header", "proxy-protocol", NULL), CLI_RUN);
	assert_int_equal(trust_first_header(&opts.rules[0]), XFFW_F_X_FORWARDED_FOR);
	/* A bad mode: one line naming the allowed values. */
	assert_int_equal(parse_captured(CMD_DAEMON, "--proxy-protocol", "maybe", NULL),
			 CLI_USAGE_ERROR);
	assert_string_equal(captured, "xffwatch: --proxy-protocol: 'maybe' is not one of "
				      "optional, required, off (see --help)\n");
	assert_int_equal(parse_captured(CMD_DAEMON, "--header", "proxy", NULL), CLI_USAGE_ERROR);
	assert_non_null(
		strstr(captured, "'proxy' is not one of proxy-protocol, x-forwarded-for, "));
	assert_int_equal(
		parse_captured(CMD_DAEMON, "--header", "proxy-protocol,PROXY-PROTOCOL", NULL),
		CLI_USAGE_ERROR);
	assert_non_null(strstr(captured, "'PROXY-PROTOCOL' is listed twice"));
	assert_int_equal(parse_captured(CMD_DAEMON, "--listener", "port=1 proxy-protocol=on", NULL),
			 CLI_USAGE_ERROR);
	assert_non_null(strstr(captured,
			       "--listener: proxy-protocol=: 'on' is not one of optional, "
			       "required, off"));
	assert_string_equal(strchr(captured, '\n'), "\n"); /* one line */
	/* resolve takes it too. */
	assert_int_equal(parse_resolve("--peer", "198.18.0.2", "--proxy-protocol", "off", NULL),
			 CLI_RUN);
	assert_int_equal(opts.rules[0].proxy_protocol, TRUST_PP_OFF);
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

static void test_command_args(void **state)
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
		{ "--proxy-protocol", "maybe" },
		{ "--proxy-protocol", "" },
		{ "--proxy-protocol" },
		{ "--listener", "port=8000 proxy-protocol=yes" },
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
		{ "--metrics", "" },
		{ "--metrics", "0" },
		{ "--metrics", "65536" },
		{ "--metrics", "localhost:9877" },
		{ "--metrics", "::1:9877" },
		{ "--metrics" },
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

/* One rule for untrusted bytes on a terminal: the cases, and whole escapes only when cut. */
static void test_escape(void **state)
{
	static const struct {
		const char *in;
		size_t len; /* 0: strlen */
		bool keep_newlines;
		const char *out;
	} cases[] = {
		{ "plain text, 100%", 0, false, "plain text, 100%" },
		{ "a\x1b[31mred\x1b[0m", 0, false, "a\\x1b[31mred\\x1b[0m" },
		{ "one\ntwo", 0, false, "one\\ntwo" },
		{ "one\ntwo\x1b\n", 0, true, "one\ntwo\\x1b\n" },
		{ "\t\r\b\a\v\f", 0, true, "\\t\\r\\x08\\x07\\x0b\\x0c" },
		{ "back\\slash \\x1b", 0, false, "back\\slash \\x1b" }, /* kept: JSON stays JSON */
		{ "nul\0!", 5, false, "nul\\x00!" },
		{ "del\x7f", 0, false, "del\\x7f" },
		{ "caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac \xf0\x9f\x98\x80", 0, false,
		  "caf\xc3\xa9 \xc2\xa0 \xe2\x82\xac \xf0\x9f\x98\x80" },
		{ "csi\xc2\x9b"
		  "2J",
		  0, false, "csi\\xc2\\x9b2J" }, /* C1 control */
		{ "raw\x9b"
		  "2J",
		  0, false, "raw\\x9b2J" },				  /* lone byte */
		{ "latin1 \xe9t\xe9", 0, false, "latin1 \\xe9t\\xe9" },	  /* not UTF-8 */
		{ "\xc0\xaf", 0, false, "\\xc0\\xaf" },			  /* overlong */
		{ "\xed\xa0\x80", 0, false, "\\xed\\xa0\\x80" },	  /* surrogate */
		{ "\xf4\x90\x80\x80", 0, false, "\\xf4\\x90\\x80\\x80" }, /* past U+10FFFF */
		{ "cut \xe2\x82", 0, false, "cut \\xe2\\x82" },
		{ "\xff\xfe", 0, false, "\\xff\\xfe" },
		/* Bidirectional controls reorder the line on screen (Trojan Source). */
		{ "user\xe2\x80\xae\xe2\x81\xa6txt.exe", 0, false,
		  "user\\xe2\\x80\\xae\\xe2\\x81\\xa6txt.exe" },
		{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad", 0, false,
		  "\\xe2\\x80\\xaa\\xe2\\x80\\xab\\xe2\\x80\\xac\\xe2\\x80\\xad" },
		{ "\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9", 0, false,
		  "\\xe2\\x81\\xa7\\xe2\\x81\\xa8\\xe2\\x81\\xa9" },
		{ "lrm\xe2\x80\x8e rlm\xe2\x80\x8f alm\xd8\x9c", 0, false,
		  "lrm\\xe2\\x80\\x8e rlm\\xe2\\x80\\x8f alm\\xd8\\x9c" },
		/* Their neighbours stay: ZWJ, en dash, U+2065, U+206A, Arabic comma. */
		{ "\xe2\x80\x8d\xe2\x80\x93\xe2\x81\xa5\xe2\x81\xaa\xd8\x8c", 0, false,
		  "\xe2\x80\x8d\xe2\x80\x93\xe2\x81\xa5\xe2\x81\xaa\xd8\x8c" },
	};
	char out[256];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].in);
		size_t n = log_escape(out, sizeof(out), cases[i].in, len, cases[i].keep_newlines);

		assert_string_equal(out, cases[i].out);
		assert_int_equal(n, strlen(cases[i].out));
	}
	/* Cut: no half escape, and nothing after what did not fit. */
	assert_int_equal(log_escape(out, 5,
				    "ab\x1b"
				    "c",
				    4, false),
			 7);
	assert_string_equal(out, "ab");
	assert_int_equal(log_escape(out, 7,
				    "ab\x1b"
				    "c",
				    4, false),
			 7);
	assert_string_equal(out, "ab\\x1b");
	assert_int_equal(log_escape(out, 8,
				    "ab\x1b"
				    "c",
				    4, false),
			 7);
	assert_string_equal(out, "ab\\x1bc");
	assert_int_equal(log_escape(NULL, 0, "\x1b", 1, false), 4);
}

/* A configuration file whose name and value hold ESC: both escaped in the one line. */
static void error_from_file(void)
{
	static const char text[] = "attach = \"t\\x1b[2Jc\";\n";
	char conf[64] = "/tmp/xffwatch-cli-\x1b[1m-XXXXXX", want[256];
	int fd = mkstemp(conf);

	assert_true(fd >= 0);
	assert_true(write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(parse_captured(CMD_DAEMON, "--config", conf, NULL), CLI_USAGE_ERROR);
	unlink(conf);
	snprintf(want, sizeof(want),
		 "xffwatch: /tmp/xffwatch-cli-\\x1b[1m-%s:1: attach: 't\\x1b[2Jc' is not one of "
		 "auto, tcx, tc\n",
		 conf + strlen(conf) - 6);
	assert_string_equal(captured, want);
}

/* An error quoting a hostile argument is one line, its bytes escaped. */
static void test_error_escaped(void **state)
{
	(void)state;
	assert_int_equal(
		parse_captured(CMD_DAEMON, "--port", "80\x1b]0;owned\x07\nxffwatch: ok", NULL),
		CLI_USAGE_ERROR);
	assert_string_equal(captured, "xffwatch: --port: '80\\x1b]0;owned\\x07\\nxffwatch: ok' is "
				      "not a port number (1-65535) (see --help)\n");
	assert_int_equal(parse_captured(CMD_DAEMON, "--bogus\x1b[2J", NULL), CLI_USAGE_ERROR);
	assert_string_equal(captured, "xffwatch: unknown option '--bogus\\x1b[2J' (see --help)\n");
	assert_int_equal(parse_captured(CMD_RESOLVE, "--peer", "\xff\r1.2.3.4", NULL),
			 CLI_USAGE_ERROR);
	assert_non_null(strstr(captured, "'\\xff\\r1.2.3.4' is not an IP address"));
	assert_int_equal(strchr(captured, '\n') - captured, (long)strlen(captured) - 1);
	/* A bad value from the configuration file, and the file's name, alike. */
	error_from_file();
}

/*
 * Files of settings that are not regular files: a directory, a FIFO (which
 * must not be waited on) and a device, as --config, as check-config's FILE,
 * and as the hmac key.
 */
static void test_not_regular(void **state)
{
	char dir[64] = "/tmp/xffwatch-cli-XXXXXX", fifo[96], want[160];
	const char *paths[] = { dir, fifo, "/dev/null" };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(20); /* a hang fails the test */
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		snprintf(want, sizeof(want), "xffwatch: %s: not a regular file\n", paths[i]);
		assert_int_equal(parse_captured(CMD_DAEMON, "--config", paths[i], NULL),
				 CLI_USAGE_ERROR);
		assert_string_equal(captured, want);
		assert_int_equal(parse_captured(CMD_CHECK_CONFIG, paths[i], NULL), CLI_USAGE_ERROR);
		assert_string_equal(captured, want);
		assert_int_equal(
			parse_captured(CMD_RESOLVE, "--peer", "127.0.0.1", "-c", paths[i], NULL),
			CLI_USAGE_ERROR);
		assert_string_equal(captured, want);
		assert_int_equal(parse_captured(CMD_DAEMON, "--pseudonymize", "hmac", "--hmac-key",
						paths[i], NULL),
				 CLI_USAGE_ERROR);
		assert_string_equal(captured, want);
	}
	alarm(0);
	/* A key that is not there is left to the daemon to report (exit status 1). */
	assert_int_equal(parse_captured(CMD_DAEMON, "--pseudonymize", "hmac", "--hmac-key", fifo,
					"--pseudonymize", "none", NULL),
			 CLI_RUN);
	unlink(fifo);
	assert_int_equal(
		parse_captured(CMD_DAEMON, "--pseudonymize", "hmac", "--hmac-key", fifo, NULL),
		CLI_RUN);
	rmdir(dir);
}

/* Runs log_close_stdout("events") in a child writing @bytes to @target; returns its stderr. */
static int close_stdout_child(const char *target, size_t bytes, char *msg, size_t msglen)
{
	int pipefd[2], status = 0;
	ssize_t n;
	pid_t pid;

	assert_int_equal(pipe(pipefd), 0);
	fflush(NULL);
	pid = fork();
	assert_true(pid >= 0);
	if (!pid) {
		int fd = open(target, O_WRONLY);

		dup2(fd, STDOUT_FILENO);
		dup2(pipefd[1], STDERR_FILENO);
		for (size_t i = 0; i < bytes; i++)
			putchar('x');
		_exit(-log_close_stdout("events"));
	}
	close(pipefd[1]);
	n = read(pipefd[0], msg, msglen - 1);
	msg[n > 0 ? n : 0] = '\0';
	close(pipefd[0]);
	waitpid(pid, &status, 0);
	assert_true(WIFEXITED(status));
	return WEXITSTATUS(status);
}

/* Output that could not be written is one line with the reason, not silence. */
static void test_close_stdout(void **state)
{
	char msg[256];

	(void)state;
	assert_int_equal(close_stdout_child("/dev/null", 100, msg, sizeof(msg)), 0);
	assert_string_equal(msg, "");
	/* Caught at the flush, and (more than a buffer) at an earlier write. */
	assert_int_equal(close_stdout_child("/dev/full", 100, msg, sizeof(msg)), ENOSPC);
	assert_string_equal(msg, "xffwatch: writing events: No space left on device\n");
	assert_int_equal(close_stdout_child("/dev/full", 100000, msg, sizeof(msg)), ENOSPC);
	assert_string_equal(msg, "xffwatch: writing events: No space left on device\n");
}

/* Sizes that overflowed 64 bits when multiplied by their unit, and numbers past 32 bits. */
static void test_no_wrap(void **state)
{
	int saved = dup(STDERR_FILENO);
	FILE *null = fopen("/dev/null", "w");
	static const char *const bad[][2] = {
		{ "--queue", "17179869185G" },
		{ "--rotate-size", "17179869185G" },
		{ "--queue", "18014398509481985K" },
		{ "--rotate-size", "1025G" },
		{ "--queue", "4294967297" },
		{ "--flows", "4294968320" },
		{ "--head-budget", "4294968320" },
		{ "--retain-days", "4294967296" },
		{ "--response-timeout", "4294967297" },
		{ "--fsync-interval", "4294967297" },
		{ "--hops", "4294967297" },
		{ "--port", "4294975376" },
		{ "--listener", "port=4294975376" },
		{ "--syslog", "udp://h:4294967810" },
		{ "--flows", "9223372036854775807" },
	};

	(void)state;
	dup2(fileno(null), STDERR_FILENO);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		if (parse(bad[i][0], bad[i][1], NULL) != CLI_USAGE_ERROR) {
			dup2(saved, STDERR_FILENO);
			fail_msg("accepted: %s %s", bad[i][0], bad[i][1]);
		}
	}
	dup2(saved, STDERR_FILENO);
	close(saved);
	fclose(null);
	assert_int_equal(parse("--queue", "4G", "--rotate-size", "1024G", NULL), CLI_RUN);
	assert_int_equal(opts.queue_bytes, 4ULL << 30);
	assert_int_equal(opts.files.rotate_size, 1ULL << 40);
	assert_int_equal(parse_captured(CMD_DAEMON, "--flows", "99999999999", NULL),
			 CLI_USAGE_ERROR);
	assert_string_equal(captured, "xffwatch: --flows: '99999999999' is out of range (1024 to "
				      "16777216) (see --help)\n");
}

/* A logger that fails to write leaves errno as it was: callers return -errno after it. */
/*
 * What the code that reads the settings table assumes of each row: a kind of
 * value that parses; a printer and a shape where the file has a key; an
 * "unset" test where check-config leaves the value out while unset. A new row that breaks one fails here, not at
 * a user's first use of it.
 */
static void test_settings_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < settings_count; i++) {
		const struct setting *s = &settings[i];

		assert_non_null(s->flag ? s->flag : s->key);
		assert_non_null(s->type);
		assert_non_null(s->type->parse);
		if (s->key) {
			assert_int_not_equal(s->type->shape, SHAPE_NONE);
			assert_true(s->place != PLACE_NONE);
		}
		if (s->flags & S_OMIT_UNSET)
			assert_non_null(s->type->unset);
		if (s->flag && s->commands == 0)
			fail_msg("--%s: no command takes it", s->flag);
	}
}

static void test_log_keeps_errno(void **state)
{
	FILE *full = fopen("/dev/full", "w");

	(void)state;
	assert_non_null(full);
	setvbuf(full, NULL, _IONBF, 0); /* every fwrite reaches write(2), and fails */
	errno = EACCES;
	log_line(full, "a line that cannot be written: %s", "ENOSPC");
	assert_int_equal(errno, EACCES);
	log_lines(full, "two\nlines", 9);
	assert_int_equal(errno, EACCES);
	errno = EPERM;
	log_msg(LL_ERROR, "an error (%s)", "to stderr");
	assert_int_equal(errno, EPERM);
	fclose(full);
}

/* doctor --html FILE: a file, never standard output; an option of doctor only. */
static void test_doctor_html(void **state)
{
	(void)state;
	assert_int_equal(parse_args(CMD_DOCTOR, (const char *const[]){ "--events", "e.json",
								       "--html", "p.html", NULL }),
			 CLI_RUN);
	assert_string_equal(rargs.html, "p.html");
	assert_int_equal(parse_captured(CMD_DOCTOR, "--events", "e.json", NULL), CLI_RUN);
	assert_string_equal(rargs.html, "");
	assert_int_equal(parse_captured(CMD_DOCTOR, "--html", "-", NULL), CLI_USAGE_ERROR);
	assert_non_null(strstr(captured, "--html -: the page goes to a FILE"));
	assert_int_equal(parse_captured(CMD_DOCTOR, "--html", "", NULL), CLI_USAGE_ERROR);
	assert_non_null(strstr(captured, "is not a file name"));
	assert_int_equal(parse_captured(CMD_DAEMON, "--html", "p.html", NULL), CLI_USAGE_ERROR);
	assert_non_null(strstr(captured, "--html is not an option of this command"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),       cmocka_unit_test(test_values),
		cmocka_unit_test(test_listeners),      cmocka_unit_test(test_proxy_protocol),
		cmocka_unit_test(test_command_args),   cmocka_unit_test(test_errors),
		cmocka_unit_test(test_stream_options), cmocka_unit_test(test_sink_options),
		cmocka_unit_test(test_escape),	       cmocka_unit_test(test_error_escaped),
		cmocka_unit_test(test_not_regular),    cmocka_unit_test(test_close_stdout),
		cmocka_unit_test(test_no_wrap),	       cmocka_unit_test(test_log_keeps_errno),
		cmocka_unit_test(test_settings_table), cmocka_unit_test(test_doctor_html),
	};

	return cmocka_run_group_tests_name("cli", tests, NULL, NULL);
}
