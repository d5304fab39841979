// SPDX-License-Identifier: BSD-2-Clause
/* The configuration file: every setting, precise errors, and a round trip of check-config's output. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd/config_file.h"

static struct options opts, again;
static char path[64];
static char err[768];

static int load_text(struct options *o, const char *text)
{
	FILE *f;
	int fd;

	strcpy(path, "/tmp/xffwatch-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	options_defaults(o);
	err[0] = '\0';
	fd = conf_load(o, path, true, err, sizeof(err));
	unlink(path);
	if (!fd)
		fd = options_finish(o, err, sizeof(err));
	return fd;
}

static const char full[] =
	"# a comment\n"
	"interfaces = [ \"lo\", \"docker0\" ];\n"
	"ports = ( 5000, \"8000-8002\" );\n"
	"output = \"/var/log/xffwatch.json\";\n"
	"attach = \"tc\";\n"
	"response_timeout = 2.5;\n"
	"head_budget = 4096;\n"
	"flows = 2048;\n"
	"stats = \"/run/xffwatch/stats.json\";\n"
	"metrics = \"9877\";\n"
	"trust = {\n"
	"  proxies = [ \"127.0.0.1\", \"::1\" ];\n"
	"  headers = [ \"x-forwarded-for\", \"x-real-ip\" ];\n"
	"  recursive = false;\n"
	"};\n"
	"listeners = (\n"
	"  { port = 8000; interface = \"docker0\"; proxies = \"172.17.0.1\"; },\n"
	"  { port = 8080; proxies = [ \"198.51.100.0/24\" ];\n"
	"    headers = \"cf-connecting-ip\"; recursive = true; },\n"
	"  { interface = \"lo\"; hops = 2; }\n"
	");\n";

static void test_full(void **state)
{
	const struct trust_rule *r;

	(void)state;
	if (load_text(&opts, full))
		fail_msg("%s", err);
	assert_int_equal(opts.nifaces, 2);
	assert_string_equal(opts.ifaces[1], "docker0");
	assert_int_equal(options_port_count(&opts),
			 5); /* 5000, 8000-8002, and 8080 of a listener */
	assert_int_equal(opts.noutputs, 1);
	assert_string_equal(opts.outputs[0], "/var/log/xffwatch.json");
	assert_int_equal(opts.attach, ATTACH_TC);
	assert_int_equal(opts.response_timeout_ms, 2500);
	assert_int_equal(opts.head_budget, 4096);
	assert_int_equal(opts.flows, 2048);
	assert_string_equal(opts.stats, "/run/xffwatch/stats.json");
	assert_string_equal(opts.metrics, "127.0.0.1:9877");
	assert_int_equal(opts.nrules, 4);
	r = &opts.rules[3];
	assert_int_equal(r->ntrusted, 2);
	assert_int_equal(r->nheaders, 2);
	assert_int_equal(r->headers[1], XFFW_F_X_REAL_IP);
	assert_false(r->recursive);
	r = &opts.rules[0];
	assert_int_equal(r->port, 8000);
	assert_string_equal(r->iface, "docker0");
	assert_int_equal(r->ntrusted, 1);
	assert_int_equal(r->nheaders, 2); /* inherited */
	assert_false(r->recursive);	  /* inherited */
	r = &opts.rules[1];
	assert_int_equal(r->headers[0], XFFW_F_CF_CONNECTING_IP);
	assert_int_equal(r->nheaders, 1);
	assert_true(r->recursive);
	r = &opts.rules[2];
	assert_int_equal(r->hops, 2);
}

static void expect_error(const char *text, const char *want)
{
	char needle[256];

	if (!load_text(&opts, text))
		fail_msg("accepted:\n%s", text);
	snprintf(needle, sizeof(needle), "%s:%s", path, want);
	if (!strstr(err, needle))
		fail_msg("error \"%s\" lacks \"%s\"", err, needle);
}

static void test_errors(void **state)
{
	(void)state;
	expect_error("ports = [ 5000 \ninterfaces = [ \"lo\" ];\n", "2: syntax error");
	expect_error("trust = {\n proxies = [ \"10.0.0.0/8\",\n \"10.0.0.0/33\" ];\n};\n",
		     "3: trust.proxies[1]: '10.0.0.0/33' is not an IP address or CIDR");
	expect_error("trust = { proxys = [ \"10.0.0.0/8\" ]; };\n",
		     "1: trust.proxys: unknown setting");
	expect_error("bogus = 1;\n", "1: bogus: unknown setting");
	expect_error("ports = [ 70000 ];\n", "1: ports[0]: '70000' is not a port number");
	expect_error("ports = [ \"9-8\" ];\n", "1: ports[0]: '9-8' is a range that runs backwards");
	expect_error("interfaces = 5;\n", "1: interfaces: is a number");
	expect_error("trust = { recursive = \"yes\"; };\n", "1: trust.recursive: is a string");
	expect_error("trust = { hops = 99; };\n", "1: trust.hops: 99 is not a hop count");
	expect_error("trust = { headers = [ \"x-forwarded\" ]; };\n",
		     "1: trust.headers[0]: 'x-forwarded' is not one of");
	expect_error("trust = { headers = [ ]; };\n",
		     "1: trust.headers: needs at least one header");
	expect_error("listeners = ( { proxies = \"10.0.0.1\"; } );\n",
		     "1: listeners[0]: a listener needs a port or an interface");
	expect_error("listeners = ( { port = 99999; } );\n",
		     "1: listeners[0].port: '99999' is not a port number");
	expect_error("listeners = { port = 1; };\n", "1: listeners: is a group");
	expect_error("attach = \"xdp\";\n", "1: attach: 'xdp' is not one of auto, tcx, tc");
	expect_error("ports = [ ];\n", "1: ports: needs at least one port");
	expect_error("interfaces = [ ];\n", "1: interfaces: needs at least one interface");
	expect_error("listeners = (\n { port = 1;\n   interface = \"a b\"; } );\n",
		     "3: listeners[0].interface: 'a b' is not an interface name");
	expect_error("response_timeout = 0;\n", "1: response_timeout: '0' is out of range");
	expect_error("response_timeout = \"60\";\n", "1: response_timeout: is a string");
	expect_error("head_budget = 100;\n", "1: head_budget: '100' is out of range");
	expect_error("flows = 1.5;\n", "1: flows: is a decimal number");
	expect_error("flows = -5;\n", "1: flows: '-5' is not a whole number");
	expect_error("stats = 5;\n", "1: stats: expected a file name");
	expect_error("metrics = 9877;\n", "1: metrics: expected \"ADDR:PORT\", or \"\" for off");
	expect_error("metrics = \"127.0.0.1:\";\n",
		     "1: metrics: '127.0.0.1:' has no port (ADDR:PORT, e.g. 127.0.0.1:9877)");
	expect_error("metrics = \"[::1]:65536\";\n", "1: metrics: '[::1]:65536': port 65536 is");
	expect_error("trust = { proxies = \"10.0.0.0/8,10.1.0.0/16\"; };\n",
		     "1: trust.proxies: '10.0.0.0/8,10.1.0.0/16': one CIDR per string");
}

static void expect_ok(const char *text)
{
	if (load_text(&opts, text))
		fail_msg("refused:\n%s\n%s", text, err);
}

/*
 * Integers are read as 64 bits and held to their flags' bounds: at the
 * bound, one past it, and the values that used to wrap modulo 2^32.
 */
static void test_integer_ranges(void **state)
{
	(void)state;
	expect_ok("trust = { hops = 64; };\n");
	assert_int_equal(opts.rules[0].hops, 64);
	expect_ok("trust = { hops = 0; };\n");
	expect_error("trust = { hops = 65; };\n", "1: trust.hops: 65 is not a hop count (0-64)");
	expect_error("trust = { hops = -1; };\n", "1: trust.hops: -1 is not a hop count");
	expect_error("trust = { hops = 4294967297; };\n",
		     "1: trust.hops: 4294967297 is not a hop count");
	expect_error("trust = { hops = -4294967295; };\n",
		     "1: trust.hops: -4294967295 is not a hop count");
	expect_error("listeners = ( { port = 1; hops = 4294967297; } );\n",
		     "1: listeners[0].hops: 4294967297 is not a hop count");

	expect_ok("ports = [ 65535, 1 ];\n");
	assert_true(port_set_has(&opts.ports, 65535));
	assert_int_equal(options_port_count(&opts), 2);
	expect_error("ports = [ 65536 ];\n", "1: ports[0]: '65536' is not a port number (1-65535)");
	expect_error("ports = [ 0 ];\n", "1: ports[0]: '0' is not a port number");
	expect_error("ports = [ -8080 ];\n", "1: ports[0]: '-8080' is not a port");
	expect_error("ports = 4294975376;\n", "1: ports: '4294975376' is not a port number");
	/* 32- and 64-bit numbers in one array: the second is the bad one, not the array. */
	expect_error("ports = [ 5000,\n 4294975376 ];\n",
		     "2: ports[1]: '4294975376' is not a port number");
	expect_ok("listeners = ( { port = 65535; } );\n");
	assert_int_equal(opts.rules[0].port, 65535);
	expect_error("listeners = ( { port = 65536; } );\n",
		     "1: listeners[0].port: '65536' is not a port number (1-65535)");
	expect_error("listeners = ( { port = 4294975376; } );\n",
		     "1: listeners[0].port: '4294975376' is not a port number");
	expect_error("listeners = ( { port = 0; } );\n",
		     "1: listeners[0].port: '0' is not a port number");
	expect_error("listeners = ( { port = -1; } );\n",
		     "1: listeners[0].port: '-1' is not a port number");
	expect_error("listeners = ( { port = \"80\"; } );\n",
		     "1: listeners[0].port: is a string; expected a port number");

	expect_ok("flows = 16777216;\n");
	assert_int_equal(opts.flows, 16777216);
	expect_ok("flows = 1024;\n");
	expect_error("flows = 16777217;\n",
		     "1: flows: '16777217' is out of range (1024 to 16777216)");
	expect_error("flows = 1023;\n", "1: flows: '1023' is out of range");
	expect_error("flows = 4294968320;\n", "1: flows: '4294968320' is out of range");
	expect_error("flows = 0x100000400;\n", "1: flows: '4294968320' is out of range");
	expect_error("flows = -4294967295;\n", "1: flows: '-4294967295' is not a whole number");
	expect_ok("head_budget = 65536;\n");
	assert_int_equal(opts.head_budget, 65536);
	expect_error("head_budget = 65537;\n", "1: head_budget: '65537' is out of range");
	expect_error("head_budget = 4294968320;\n", "1: head_budget: '4294968320' is out of range");

	expect_ok("response_timeout = 86400;\n");
	assert_int_equal(opts.response_timeout_ms, 86400000);
	expect_error("response_timeout = 86401;\n", "1: response_timeout: '86401' is out of range");
	expect_error("response_timeout = 4294967297;\n",
		     "1: response_timeout: '4294967297' is out of range");
	expect_error("response_timeout = -1;\n", "1: response_timeout: '-1' is not a number");

	expect_ok("files = { retain_days = 36500; fsync_interval = 3600; };\n");
	assert_int_equal(opts.files.retain_days, 36500);
	assert_int_equal(opts.files.fsync_ms, 3600000);
	expect_error("files = { retain_days = 36501; };\n", "1: files.retain_days: '36501' is out");
	expect_error("files = { retain_days = 4294967296; };\n",
		     "1: files.retain_days: '4294967296' is out of range");
	expect_error("retain_days = -1;\n", "1: retain_days: '-1' is not a whole number");
	expect_error("files = { fsync_interval = 3601; };\n",
		     "1: files.fsync_interval: '3601' is out of range");
	expect_error("fsync_interval = 4294967297;\n",
		     "1: fsync_interval: '4294967297' is out of range");
	/* Sizes are strings: the same parser as the flags, which no longer wraps either. */
	expect_ok("queue = \"4G\";\nfiles = { rotate_size = \"1024G\"; };\n");
	assert_int_equal(opts.queue_bytes, 4ULL << 30);
	expect_error("queue = \"17179869185G\";\n", "1: queue: '17179869185G' is out of range");
	expect_error("files = { rotate_size = \"17179869185G\"; };\n",
		     "1: files.rotate_size: '17179869185G' is out of range");
	expect_error("syslog = \"udp://127.0.0.1:4294967810\";\n", "1: syslog: ");

	/* 64-bit literals as written, and numbers beyond 64 bits. */
	expect_ok("flows = 2048L;\nports = [ 80L, 443 ];\n");
	assert_int_equal(opts.flows, 2048);
	assert_true(port_set_has(&opts.ports, 443));
	expect_error("trust = { hops = 4294967297L; };\n", "1: trust.hops: 4294967297 is not");
	expect_error("\nflows = 99999999999999999999;\n",
		     "2: 99999999999999999999: a number out of the 64-bit range");
	expect_error("flows = -9223372036854775809;\n", "1: -9223372036854775809: a number out of");
	expect_error("flows = 0x8000000000000000;\n", "1: 0x8000000000000000: a number out of");
	expect_error("flows = 123456789012345678901234567890123456789012345678901234567890;\n",
		     "1: 1234567890123456789012345678901234567890...: a number out of");
	/* libconfig 1.5 reads 0xFFFFFFFF as -1: here it is its value. */
	expect_error("flows = 0xFFFFFFFF;\n", "1: flows: '4294967295' is out of range");
	expect_error("trust = { hops = 0x80000000; };\n", "1: trust.hops: 2147483648 is not");
	expect_error("flows = -9223372036854775808;\n", "1: flows: '-9223372036854775808' is not");
	expect_error("flows = 9223372036854775807;\n", "1: flows: '9223372036854775807' is out");
}

/* Only numbers are widened: strings, comments, names and decimals are read as written. */
static void test_literals_kept(void **state)
{
	(void)state;
	expect_ok("# flows = 4294967297;\n"
		  "// 99999999999999999999999\n"
		  "/* 4294967297\n 99999999999999999999999 */ stats = \"/tmp/a\\\"4294967297\";\n"
		  "netns = \"ns-8080\"; response_timeout = 1.5; head_budget = 2048;\n"
		  "listeners = ( { port = 8081; interface = \"eth1\"; } );\n");
	assert_string_equal(opts.stats, "/tmp/a\"4294967297");
	assert_string_equal(opts.netns, "ns-8080");
	assert_int_equal(opts.response_timeout_ms, 1500);
	assert_int_equal(opts.head_budget, 2048);
	assert_int_equal(opts.rules[0].port, 8081);
	expect_ok("response_timeout = 2e1;\n");
	assert_int_equal(opts.response_timeout_ms, 20000);
	/* "" and "off" both mean no server. */
	expect_ok("metrics = \"\";\n");
	assert_string_equal(opts.metrics, "");
	expect_ok("metrics = \"off\";\n");
	assert_string_equal(opts.metrics, "");
	expect_ok("metrics = \"[::1]:9877\";\n");
	assert_string_equal(opts.metrics, "[::1]:9877");
	/* Lines still count after a comment or string over several lines. */
	expect_error("/* a\n b */ stats = \"x\ny\";\n\nflows = 5;\n", "5: flows: '5' is out");
	expect_error("@include \"/etc/passwd\"\n", "1: @include is not supported");
	expect_error("stats = \"x\";\n\n  @include \"/dev/zero\"\n",
		     "3: @include is not supported");
}

/* A file with a NUL byte: libconfig would stop reading at it. */
static void test_nul_byte(void **state)
{
	static const char text[] = "flows = 2048;\n#\0\nflows = 1;\n";
	char needle[128];
	FILE *f;
	int fd;

	(void)state;
	strcpy(path, "/tmp/xffwatch-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	fwrite(text, 1, sizeof(text) - 1, f);
	fclose(f);
	options_defaults(&opts);
	assert_int_equal(conf_load(&opts, path, true, err, sizeof(err)), -EINVAL);
	unlink(path);
	snprintf(needle, sizeof(needle), "%s:2: a NUL byte", path);
	assert_string_equal(err, needle);
}

/*
 * Only a regular file is read as a configuration: a directory (libconfig's
 * scanner would exit the process), a FIFO (it would wait for a writer for
 * ever) and a device get exactly "FILE: not a regular file", also as the
 * optional default file. The alarm fails the test rather than hang it.
 */
static void test_not_regular(void **state)
{
	char dir[64] = "/tmp/xffwatch-conf-XXXXXX", fifo[96], want[160];
	const char *paths[] = { dir, fifo, "/dev/null", "/dev/zero" };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(fifo, sizeof(fifo), "%s/fifo", dir);
	assert_int_equal(mkfifo(fifo, 0600), 0);
	alarm(20);
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		for (int must = 0; must < 2; must++) {
			options_defaults(&opts);
			err[0] = '\0';
			assert_int_equal(conf_load(&opts, paths[i], must, err, sizeof(err)),
					 -EINVAL);
			snprintf(want, sizeof(want), "%s: not a regular file", paths[i]);
			assert_string_equal(err, want);
		}
	}
	alarm(0);
	unlink(fifo);
	rmdir(dir);
}

/* Past 1 MiB a file is refused before it is read. */
static void test_too_large(void **state)
{
	char needle[128];
	int fd;

	(void)state;
	strcpy(path, "/tmp/xffwatch-conf-XXXXXX");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(ftruncate(fd, (1 << 20) + 1), 0);
	close(fd);
	options_defaults(&opts);
	assert_int_equal(conf_load(&opts, path, true, err, sizeof(err)), -EINVAL);
	unlink(path);
	snprintf(needle, sizeof(needle), "%s: larger than", path);
	assert_non_null(strstr(err, needle));
}

static void test_missing_file(void **state)
{
	(void)state;
	options_defaults(&opts);
	assert_int_equal(conf_load(&opts, "/nonexistent/x.conf", false, err, sizeof(err)), 0);
	assert_int_not_equal(conf_load(&opts, "/nonexistent/x.conf", true, err, sizeof(err)), 0);
	assert_non_null(strstr(err, "/nonexistent/x.conf: No such file"));
}

/* What check-config prints is a configuration that gives the same settings. */
/* The audit-trail settings also by their bare names, at the top level. */
static void test_top_level_names(void **state)
{
	(void)state;
	if (load_text(&opts, "pseudonymize = \"truncate\";\nkeep_query = true;\n"
			     "user_agent = false;\nretain_days = 7;\nrotate_size = \"10M\";\n"
			     "rotate_daily = true;\nfsync_interval = 0;\n"))
		fail_msg("%s", err);
	assert_int_equal(opts.privacy.pseudonymize, PSEUDO_TRUNCATE);
	assert_true(opts.privacy.keep_query);
	assert_false(opts.privacy.user_agent);
	assert_int_equal(opts.files.retain_days, 7);
	assert_int_equal(opts.files.rotate_size, 10 << 20);
	assert_true(opts.files.rotate_daily);
	assert_int_equal(opts.files.fsync_ms, 0);
	expect_error("retain_days = -1;\n", "1: retain_days: ");
	expect_error("pseudonymize = \"sha1\";\n", "1: pseudonymize: ");
	expect_error("keep_query = \"yes\";\n", "1: keep_query: ");
}

static void test_print_round_trip(void **state)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	if (load_text(&opts, full))
		fail_msg("%s", err);
	f = open_memstream(&text, &len);
	conf_print(f, &opts);
	fclose(f);
	if (load_text(&again, text))
		fail_msg("%s in:\n%s", err, text);
	assert_int_equal(again.nrules, opts.nrules);
	assert_memory_equal(&again.ports, &opts.ports, sizeof(opts.ports));
	assert_int_equal(again.nifaces, opts.nifaces);
	assert_int_equal(again.response_timeout_ms, opts.response_timeout_ms);
	assert_int_equal(again.head_budget, opts.head_budget);
	assert_int_equal(again.flows, opts.flows);
	assert_string_equal(again.stats, opts.stats);
	assert_string_equal(again.metrics, opts.metrics);
	for (size_t i = 0; i < opts.nrules; i++) {
		const struct trust_rule *a = &opts.rules[i], *b = &again.rules[i];

		assert_int_equal(a->port, b->port);
		assert_string_equal(a->iface, b->iface);
		assert_int_equal(a->ntrusted, b->ntrusted);
		assert_memory_equal(a->trusted, b->trusted, a->ntrusted * sizeof(a->trusted[0]));
		assert_int_equal(a->nheaders, b->nheaders);
		assert_memory_equal(a->headers, b->headers, sizeof(a->headers));
		assert_int_equal(a->recursive, b->recursive);
		assert_int_equal(a->hops, b->hops);
	}
	free(text);
}

/* check-config prints strings escaped: nothing raw for the terminal, and it reads back. */
static void test_print_escaped(void **state)
{
	static const char text[] = "stats = \"/tmp/a\\x1b[2J\\\"b\\\\c\\td\\xff\\xc3\\xa9\";\n"
				   "listeners = ( { port = 8000; interface = \"e\\x1bx\"; } );\n";
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	if (load_text(&opts, text))
		fail_msg("%s", err);
	assert_string_equal(opts.stats, "/tmp/a\x1b[2J\"b\\c\td\xff\xc3\xa9");
	assert_string_equal(opts.rules[0].iface, "e\x1bx");
	f = open_memstream(&out, &len);
	conf_print(f, &opts);
	fclose(f);
	for (size_t i = 0; i < len; i++)
		if (((unsigned char)out[i] < 0x20 && out[i] != '\n') || out[i] == 0x7f)
			fail_msg("byte %#x at %zu of:\n%s", (unsigned char)out[i], i, out);
	assert_non_null(strstr(out, "stats = \"/tmp/a\\x1b[2J\\\"b\\\\c\\td\\xff\xc3\xa9\";"));
	assert_non_null(strstr(out, "#   port 8000 on e\\x1bx: "));
	if (load_text(&again, out))
		fail_msg("%s in:\n%s", err, out);
	assert_string_equal(again.stats, opts.stats);
	assert_string_equal(again.rules[0].iface, opts.rules[0].iface);
	free(out);
}

/* trust.proxy_protocol and headers with proxy-protocol: own, inherited, errors, check-config. */
static void test_proxy_protocol(void **state)
{
	static const char text[] =
		"trust = {\n"
		"  proxy_protocol = \"required\";\n"
		"  headers = [ \"proxy-protocol\", \"x-real-ip\" ];\n"
		"};\n"
		"listeners = (\n"
		"  { port = 8000; proxy_protocol = \"off\"; },\n"
		"  { port = 8001; proxy_protocol = \"optional\"; headers = \"forwarded\"; },\n"
		"  { port = 8002; }\n"
		");\n";
	char *out = NULL, *out2 = NULL;
	size_t len = 0, len2 = 0;
	FILE *f;

	(void)state;
	if (load_text(&opts, text))
		fail_msg("%s", err);
	assert_int_equal(opts.nrules, 4);
	assert_int_equal(opts.rules[0].proxy_protocol, TRUST_PP_OFF);
	assert_int_equal(opts.rules[1].proxy_protocol, TRUST_PP_OPTIONAL);
	assert_int_equal(opts.rules[2].proxy_protocol, TRUST_PP_REQUIRED); /* inherited */
	assert_int_equal(opts.rules[3].proxy_protocol, TRUST_PP_REQUIRED);
	assert_int_equal(opts.rules[2].headers[0], TRUST_PROXY_PROTOCOL);
	assert_int_equal(opts.rules[1].headers[0], XFFW_F_FORWARDED);
	/* check-config prints them, and what it prints reads back the same. */
	f = open_memstream(&out, &len);
	conf_print(f, &opts);
	fclose(f);
	assert_non_null(strstr(out, "  proxy_protocol = \"required\";\n"));
	assert_non_null(strstr(out, "    proxy_protocol = \"off\";\n"));
	assert_non_null(strstr(out, "headers = [ \"proxy-protocol\", \"x-real-ip\" ];"));
	assert_non_null(strstr(out, "a PROXY preamble's source, then x-real-ip; PROXY protocol "
				    "required\n"));
	if (load_text(&again, out))
		fail_msg("%s in:\n%s", err, out);
	for (size_t i = 0; i < opts.nrules; i++) {
		assert_int_equal(again.rules[i].proxy_protocol, opts.rules[i].proxy_protocol);
		assert_int_equal(again.rules[i].nheaders, opts.rules[i].nheaders);
	}
	f = open_memstream(&out2, &len2);
	conf_print(f, &again);
	fclose(f);
	assert_string_equal(out2, out);
	free(out2);
	free(out);
	/* The defaults print too: optional, and X-Forwarded-For alone (no preamble). */
	if (load_text(&opts, ""))
		fail_msg("%s", err);
	out = NULL;
	f = open_memstream(&out, &len);
	conf_print(f, &opts);
	fclose(f);
	assert_non_null(strstr(out, "  proxy_protocol = \"optional\";\n"));
	assert_non_null(strstr(out, "headers = [ \"x-forwarded-for\" ];"));
	assert_null(strstr(out, "PROXY preamble"));
	free(out);

	/* Bad values: FILE:LINE, one line, the allowed values named. */
	expect_error("trust = {\n proxy_protocol = \"maybe\";\n};\n",
		     "2: trust.proxy_protocol: 'maybe' is not one of optional, required, off");
	assert_null(strchr(err, '\n'));
	expect_error("listeners = (\n { port = 1;\n proxy_protocol = true; } );\n",
		     "3: listeners[0].proxy_protocol");
	expect_error("trust = { headers = [ \"proxy-protocol\", \"proxy_protocol\" ]; };\n",
		     "1: trust.headers[1]: 'proxy_protocol' is not one of proxy-protocol, ");
}

/* --trust-local in the file: trust.local_proxies, a listener's, errors, the bound, check-config. */
static void test_trust_local(void **state)
{
	static const char text[] = "trust = {\n"
				   "  local_proxies = [ \"user=www-data\", \"unit=nginx\",\n"
				   "    \"cgroup=//system.slice//app.slice/\" ];\n"
				   "};\n"
				   "listeners = (\n"
				   "  { port = 8000; local_proxies = \"group=0\"; },\n"
				   "  { port = 8001; local_proxies = \"none\"; },\n"
				   "  { port = 8002; }\n"
				   ");\n";
	static char big[8192];
	char *out = NULL, spec[CGROUP_PATH_MAX + 16];
	size_t len = 0, n;
	FILE *f;

	(void)state;
	if (load_text(&opts, text))
		fail_msg("%s", err);
	assert_int_equal(opts.nrules, 4);
	assert_int_equal(opts.rules[0].nlocal, 1);
	assert_int_equal(opts.rules[0].local[0].kind, OWNER_GROUP);
	assert_int_equal(opts.rules[1].nlocal, 0);
	assert_int_equal(opts.rules[2].nlocal, 3); /* inherited */
	assert_int_equal(opts.rules[3].nlocal, 3);
	owner_spec_format(&opts.rules[3].local[1], spec, sizeof(spec));
	assert_string_equal(spec, "unit=nginx.service");
	owner_spec_format(&opts.rules[3].local[2], spec, sizeof(spec));
	assert_string_equal(spec, "cgroup=/system.slice/app.slice");
	/* check-config prints them so that they read back the same. */
	f = open_memstream(&out, &len);
	conf_print(f, &opts);
	fclose(f);
	assert_non_null(strstr(out, "\"unit=nginx.service\""));
	if (load_text(&again, out))
		fail_msg("%s in:\n%s", err, out);
	assert_int_equal(again.nrules, opts.nrules);
	for (size_t i = 0; i < opts.nrules; i++) {
		assert_int_equal(again.rules[i].nlocal, opts.rules[i].nlocal);
		for (size_t k = 0; k < opts.rules[i].nlocal; k++) {
			assert_int_equal(again.rules[i].local[k].kind, opts.rules[i].local[k].kind);
			assert_int_equal(again.rules[i].local[k].id, opts.rules[i].local[k].id);
			assert_string_equal(again.rules[i].local[k].text,
					    opts.rules[i].local[k].text);
		}
	}
	{
		char *out2 = NULL;
		size_t len2 = 0;

		f = open_memstream(&out2, &len2);
		conf_print(f, &again);
		fclose(f);
		assert_string_equal(out2, out);
		free(out2);
	}
	free(out);

	/* A bad spec: one line, FILE:LINE and the reason. */
	expect_error("trust = {\n local_proxies = [ \"unit=nginx\",\n \"cgroup=relative\" ];\n};\n",
		     "3: trust.local_proxies[1]: cgroup= must start with /");
	assert_null(strchr(err, '\n'));
	expect_error("trust = { local_proxies = [ \"user=no-such-user-xffw\" ]; };\n",
		     "1: trust.local_proxies[0]: no user 'no-such-user-xffw' in the user database");
	expect_error("listeners = (\n { port = 1;\n   local_proxies = \"proc=1\"; } );\n",
		     "3: listeners[0].local_proxies: unknown kind 'proc'");

	/* TRUST_MAX_LOCAL specs are taken, one more is refused. */
	for (int extra = 0; extra < 2; extra++) {
		n = (size_t)snprintf(big, sizeof(big), "trust = { local_proxies = [ ");
		for (int i = 0; i < TRUST_MAX_LOCAL + extra; i++)
			n += (size_t)snprintf(big + n, sizeof(big) - n, "%s\"user=%d\"",
					      i ? ", " : "", i);
		snprintf(big + n, sizeof(big) - n, " ]; };\n");
		if (!extra) {
			if (load_text(&opts, big))
				fail_msg("%s", err);
			assert_int_equal(opts.rules[0].nlocal, TRUST_MAX_LOCAL);
		} else {
			expect_error(big,
				     "1: trust.local_proxies[32]: at most 32 trust-local owners");
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_integer_ranges),
		cmocka_unit_test(test_literals_kept),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_not_regular),
		cmocka_unit_test(test_too_large),
		cmocka_unit_test(test_top_level_names),
		cmocka_unit_test(test_print_round_trip),
		cmocka_unit_test(test_print_escaped),
		cmocka_unit_test(test_trust_local),
		cmocka_unit_test(test_proxy_protocol),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
