// SPDX-License-Identifier: BSD-2-Clause
/* The configuration file: every setting, precise errors, and a round trip of check-config's output. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "conf.h"

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
		     "1: listeners[0].port: expected a port");
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
	expect_error("trust = { proxies = \"10.0.0.0/8,10.1.0.0/16\"; };\n",
		     "1: trust.proxies: '10.0.0.0/8,10.1.0.0/16': one CIDR per string");
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_errors),
		cmocka_unit_test(test_missing_file),
		cmocka_unit_test(test_top_level_names),
		cmocka_unit_test(test_print_round_trip),
	};

	return cmocka_run_group_tests_name("conf", tests, NULL, NULL);
}
