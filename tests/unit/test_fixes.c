// SPDX-License-Identifier: BSD-2-Clause
/*
 * The doctor's fixes: the xffwatch flags per diagnosis, the checks on the
 * params, and every fix at the limits (FIX_ADDRS_MAX addresses of the longest
 * text). `test_fixes --dump FILE` writes the fixes of representative params
 * as JSON lines for tests/unit/check_fix_snippets.py, which runs the real
 * servers' own checks on them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "doctor/fixes.h"

#define ALL_STACKS   ((1u << STACK__MAX) - 1)
#define PROXY_STACKS (1u << STACK_NGINX | 1u << STACK_HAPROXY | 1u << STACK_APACHE)

static struct fix out[FIXES_MAX];

static const struct fix *find(size_t n, const char *stack)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(out[i].stack, stack))
			return &out[i];
	return NULL;
}

static struct fix_params base(enum diagnosis_id diag)
{
	return (struct fix_params){
		.diag = diag,
		.port = 5000,
		.iface = "",
		.proxies = { "172.18.0.2/32" },
		.nproxies = 1,
		.trusted = { "127.0.0.0/8", "::1/128" },
		.ntrusted = 2,
		.header = "X-Forwarded-For",
		.header_key = "x-forwarded-for",
		.depth = 1,
		.hops_now = -1,
		.local_owner = "unit=nginx.service",
	};
}

static void test_names(void **state)
{
	(void)state;
	assert_string_equal(diagnosis_names[DIAG_PROXY_NOT_TRUSTED], "proxy-not-trusted");
	assert_string_equal(diagnosis_names[DIAG_CLIENTS_BEHIND_NAT], "clients-behind-nat");
	for (int i = 0; i < DIAG__MAX; i++)
		assert_non_null(diagnosis_titles[i]);
	for (int i = 0; i < STACK__MAX; i++)
		assert_int_equal(stack_by_name(stack_names[i]), i);
	assert_int_equal(stack_by_name("Nginx"), -1);
	assert_int_equal(stack_by_name(""), -1);
	assert_string_equal(level_names[LEVEL_HIGH], "high");
}

static void test_trust_keeps_and_adds(void **state)
{
	struct fix_params p = base(DIAG_PROXY_NOT_TRUSTED);
	const struct fix *f;
	size_t n;

	(void)state;
	/* The proxy given twice and in a longer spelling, already-trusted ::1 again. */
	p.proxies[1] = "172.18.0.2";
	p.proxies[2] = "0:0:0:0:0:0:0:1/128";
	p.nproxies = 3;
	n = fixes_make(&p, 0, out);
	assert_int_equal(n, 1);
	f = find(n, "xffwatch");
	assert_non_null(f);
	assert_int_equal(f->nargs, 2);
	assert_string_equal(f->args[0], "--trust");
	assert_string_equal(f->args[1], "127.0.0.0/8,::1/128,172.18.0.2/32");
	assert_non_null(strstr(f->text, "--trust 127.0.0.0/8,::1/128,172.18.0.2/32\n"));
	assert_non_null(strstr(f->text, "trust = { proxies = [ \"127.0.0.0/8\", \"::1/128\", "
					"\"172.18.0.2/32\" ]; };\n"));

	p.listener_rule = true;
	p.iface = "br-1f2e";
	n = fixes_make(&p, 0, out);
	f = find(n, "xffwatch");
	assert_non_null(f);
	assert_int_equal(f->nargs, 2);
	assert_string_equal(f->args[0], "--listener");
	assert_string_equal(f->args[1],
			    "port=5000 iface=br-1f2e trust=127.0.0.0/8,::1/128,172.18.0.2/32");
	assert_non_null(strstr(
		f->text, "listeners = ( { port = 5000; interface = \"br-1f2e\"; "
			 "proxies = [ \"127.0.0.0/8\", \"::1/128\", \"172.18.0.2/32\" ]; } );\n"));
}

static void test_trust_too_broad_keeps_only_proxies(void **state)
{
	struct fix_params p = base(DIAG_TRUST_TOO_BROAD);
	const struct fix *f;
	size_t n;

	(void)state;
	p.trusted[0] = "0.0.0.0/0";
	p.trusted[1] = "::/0";
	n = fixes_make(&p, ALL_STACKS, out);
	f = find(n, "xffwatch");
	assert_non_null(f);
	assert_string_equal(f->args[1], "172.18.0.2/32");
	/* An app server is named: nginx is in front, its realip is not the fix. */
	assert_null(find(n, "nginx"));
	f = find(n, "uvicorn");
	assert_non_null(f);
	assert_non_null(strstr(f->text, "--proxy-headers --forwarded-allow-ips=172.18.0.2\n"));
	assert_null(strstr(f->text, "0.0.0.0"));

	n = fixes_make(&p, PROXY_STACKS, out);
	f = find(n, "nginx");
	assert_non_null(f);
	assert_string_equal(strstr(f->text, "set_real_ip_from"),
			    "set_real_ip_from 172.18.0.2/32;\nreal_ip_header X-Forwarded-For;\n"
			    "real_ip_recursive on;\n");

	p.nproxies = 0;
	n = fixes_make(&p, 0, out);
	f = find(n, "xffwatch");
	assert_non_null(f);
	assert_string_equal(f->args[1], "none");
	assert_non_null(strstr(f->text, "trust = { proxies = [ ]; };\n"));
}

static void test_hops(void **state)
{
	struct fix_params p = base(DIAG_HOPS_MISMATCH);
	const struct fix *f;
	size_t n;

	(void)state;
	p.depth = 2;
	p.hops_now = 1;
	n = fixes_make(&p, ALL_STACKS, out);
	assert_int_equal(n, 2);
	f = find(n, "xffwatch");
	assert_string_equal(f->args[0], "--hops");
	assert_string_equal(f->args[1], "2");
	f = find(n, "werkzeug");
	assert_non_null(f);
	assert_non_null(strstr(f->text, "app.wsgi_app = ProxyFix(app.wsgi_app, x_for=2)\n"));
}

static void test_notes_and_network(void **state)
{
	struct fix_params p = base(DIAG_APP_REACHED_DIRECTLY);
	const struct fix *f;
	size_t n;

	(void)state;
	p.proxies[1] = "fd00::2/128";
	p.nproxies = 2;
	n = fixes_make(&p, ALL_STACKS, out);
	f = find(n, "xffwatch");
	assert_non_null(f);
	assert_int_equal(f->nargs, 0);
	f = find(n, "network");
	assert_non_null(f);
	assert_non_null(strstr(f->text, "tcp dport 5000 ip saddr != { 172.18.0.2/32 } drop"));
	assert_non_null(strstr(f->text, "tcp dport 5000 ip6 saddr != { fd00::2/128 } drop"));
	/* Not on loopback: no bind address to give. */
	assert_null(find(n, "gunicorn"));

	p.proxies[0] = "127.0.0.1/32";
	p.nproxies = 1;
	n = fixes_make(&p, ALL_STACKS, out);
	f = find(n, "network");
	assert_non_null(strstr(f->text, "meta nfproto ipv6 drop"));
	f = find(n, "gunicorn");
	assert_non_null(f);
	assert_non_null(strstr(f->text, "--bind=127.0.0.1:5000\n"));
}

static void test_refused(void **state)
{
	char longer[FIX_CIDR_IN_MAX + 2];
	struct fix_params p;

	(void)state;
	memset(longer, '1', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	p = base(DIAG_PROXY_NOT_TRUSTED);
	assert_int_not_equal(fixes_make(&p, ALL_STACKS, out), 0);
	p.proxies[0] = "172.18.0.2/33";
	assert_int_equal(fixes_make(&p, ALL_STACKS, out), 0);
	p.proxies[0] = "172.18.0.2/32; deny all";
	assert_int_equal(fixes_make(&p, ALL_STACKS, out), 0);
	p.proxies[0] = longer;
	assert_int_equal(fixes_make(&p, ALL_STACKS, out), 0);
	p.proxies[0] = NULL;
	assert_int_equal(fixes_make(&p, ALL_STACKS, out), 0);
	p = base(DIAG_PROXY_NOT_TRUSTED);
	p.nproxies = FIX_ADDRS_MAX + 1;
	assert_int_equal(fixes_make(&p, ALL_STACKS, out), 0);
	p = base(DIAG_PROXY_NOT_TRUSTED);
	p.header_key = "x-forwarded-host";
	assert_int_equal(fixes_make(&p, ALL_STACKS, out), 0);
	p = base(DIAG_PROXY_NOT_TRUSTED);
	p.iface = "eth0'; rm";
	assert_int_equal(fixes_make(&p, ALL_STACKS, out), 0);
	p = base(DIAG_PROXY_NOT_TRUSTED);
	p.depth = 65;
	assert_int_equal(fixes_make(&p, ALL_STACKS, out), 0);
	p = base(DIAG_PROXY_NOT_TRUSTED);
	p.diag = DIAG__MAX;
	assert_int_equal(fixes_make(&p, ALL_STACKS, out), 0);
}

/* FIX_ADDRS_MAX distinct addresses of the longest text: 39 characters, /128. */
static char max_addrs[2][FIX_ADDRS_MAX][48];

static char max_local[FIX_LOCAL_MAX + 1];

static struct fix_params at_limits(enum diagnosis_id diag)
{
	struct fix_params p = base(diag);

	/* The longest --trust-local SPEC: a cgroup path of FIX_LOCAL_MAX bytes in all. */
	memset(max_local, 'a', FIX_LOCAL_MAX);
	memcpy(max_local, "cgroup=/", 8);
	max_local[FIX_LOCAL_MAX] = '\0';
	p.local_owner = max_local;

	for (int l = 0; l < 2; l++)
		for (int i = 0; i < FIX_ADDRS_MAX; i++) {
			snprintf(max_addrs[l][i], sizeof(max_addrs[l][i]),
				 "fd%02x:ffff:ffff:ffff:ffff:ffff:ffff:ff%02x/128", l + 10, i + 16);
			(l ? p.trusted : p.proxies)[i] = max_addrs[l][i];
		}
	p.nproxies = p.ntrusted = FIX_ADDRS_MAX;
	p.listener_rule = true;
	p.iface = "abcdefghijklmno";
	p.port = 65535;
	p.depth = 64;
	p.cdn_header = "True-Client-IP";
	return p;
}

/* At the limits, every diagnosis has the same fixes as with one address: none left out. */
static void test_limits(void **state)
{
	size_t longest = 0, longest_arg = 0;

	(void)state;
	for (int d = 0; d < DIAG__MAX; d++)
		for (int pass = 0; pass < 2; pass++) {
			unsigned int stacks = pass ? PROXY_STACKS : ALL_STACKS;
			struct fix_params small = base((enum diagnosis_id)d);
			struct fix_params big = at_limits((enum diagnosis_id)d);
			char names[FIXES_MAX][16];
			size_t n_small, n_big;

			small.listener_rule = true;
			small.proxies[0] = "fd0a::1/128";
			n_small = fixes_make(&small, stacks, out);
			for (size_t i = 0; i < n_small; i++)
				memcpy(names[i], out[i].stack, sizeof(names[i]));
			n_big = fixes_make(&big, stacks, out);
			assert_int_equal(strlen(big.proxies[0]), 43);
			assert_int_equal(n_big, n_small);
			for (size_t i = 0; i < n_big; i++) {
				size_t len = strlen(out[i].text);

				assert_string_equal(out[i].stack, names[i]);
				assert_true(len > 0 && out[i].text[len - 1] == '\n');
				longest = len > longest ? len : longest;
				for (size_t a = 0; a < out[i].nargs; a++)
					if (strlen(out[i].args[a]) > longest_arg)
						longest_arg = strlen(out[i].args[a]);
			}
		}
	print_message("longest text %zu of %d, longest argument %zu of %d\n", longest,
		      FIX_TEXT_MAX - 1, longest_arg, FIX_ARG_MAX - 1);
	assert_true(longest < FIX_TEXT_MAX - 1);
	assert_true(longest_arg < FIX_ARG_MAX - 1);
}

/* --trust-local next to the trusted list; refused SPECs give no xffwatch fix. */
static void test_trust_local(void **state)
{
	struct fix_params p = base(DIAG_TRUST_LOCAL_AVAILABLE);
	const struct fix *f;
	char longer[FIX_LOCAL_MAX + 2];
	size_t n;

	(void)state;
	p.nproxies = 0; /* (the doctor names no address for these) */
	n = fixes_make(&p, ALL_STACKS, out);
	assert_int_equal(n, 1); /* no stack tells local processes apart */
	f = find(n, "xffwatch");
	assert_int_equal(f->nargs, 4);
	assert_string_equal(f->args[1], "127.0.0.0/8,::1/128");
	assert_string_equal(f->args[3], "unit=nginx.service");
	assert_non_null(strstr(f->text, "--trust 127.0.0.0/8,::1/128 --trust-local "
					"unit=nginx.service\n"));
	assert_non_null(strstr(f->text, "local_proxies = [ \"unit=nginx.service\" ]; };\n"));
	p.listener_rule = true;
	p.iface = "lo";
	n = fixes_make(&p, 0, out);
	assert_string_equal(out[0].args[1], "port=5000 iface=lo trust=127.0.0.0/8,::1/128 "
					    "trust-local=unit=nginx.service");
	for (size_t i = 0; i < 3; i++) {
		static const char *const bad[] = { "unit=a b.service", "cgroup=/a'b", "nginx" };

		p.local_owner = bad[i];
		assert_int_equal(fixes_make(&p, 0, out), 0);
	}
	memset(longer, 'a', sizeof(longer) - 1);
	memcpy(longer, "cgroup=/", 8);
	longer[sizeof(longer) - 1] = '\0';
	p.local_owner = longer;
	assert_int_equal(fixes_make(&p, 0, out), 0);
	p.local_owner = NULL;
	p.local_set = true;
	n = fixes_make(&p, 0, out);
	assert_int_equal(n, 1);
	assert_int_equal(out[0].nargs, 0);
}

/* PROXY protocol: the flags, and which stacks get what. */
static void test_pp(void **state)
{
	struct fix_params p = base(DIAG_PP_UNTRUSTED_SENDER);
	const struct fix *f;
	size_t n;

	(void)state;
	p.pp_with_header = true;
	n = fixes_make(&p, ALL_STACKS, out);
	f = find(n, "xffwatch");
	assert_int_equal(f->nargs, 4);
	assert_string_equal(f->args[0], "--trust");
	assert_string_equal(f->args[1], "127.0.0.0/8,::1/128,172.18.0.2/32");
	assert_string_equal(f->args[2], "--header");
	assert_string_equal(f->args[3], "proxy-protocol,x-forwarded-for");
	assert_non_null(
		strstr(f->text, "headers = [ \"proxy-protocol\", \"x-forwarded-for\" ]; };"));
	assert_non_null(strstr(find(n, "gunicorn")->text,
			       "--proxy-protocol --proxy-allow-from=::1,172.18.0.2\n"));
	assert_null(find(n, "nginx")); /* an app server is named: it is behind the link */
	n = fixes_make(&p, PROXY_STACKS, out);
	assert_non_null(strstr(find(n, "nginx")->text, "listen 5000 proxy_protocol;\n"));
	assert_non_null(strstr(find(n, "nginx")->text, "real_ip_header proxy_protocol;\n"));
	assert_non_null(strstr(find(n, "haproxy")->text, "expect-proxy layer4 if { src "));
	assert_null(find(n, "network"));
	/* Not the listener's proxy: a note, and the senders blocked. */
	p.pp_block = true;
	p.proxies[0] = "192.0.2.66/32";
	n = fixes_make(&p, PROXY_STACKS, out);
	assert_int_equal(n, 2);
	assert_int_equal(find(n, "xffwatch")->nargs, 0);
	assert_non_null(strstr(find(n, "network")->text, "ip saddr { 192.0.2.66/32 } drop"));
	/* Not read: the header list only, as a listener rule. */
	p = base(DIAG_PP_NOT_READ);
	p.listener_rule = true;
	n = fixes_make(&p, 0, out);
	assert_string_equal(out[0].args[1], "port=5000 header=proxy-protocol");
	/* Unexpected: the mode; a mode that is none is refused. */
	p = base(DIAG_PP_UNEXPECTED);
	p.pp_mode = "required";
	n = fixes_make(&p, 0, out);
	assert_string_equal(out[0].args[0], "--proxy-protocol");
	assert_string_equal(out[0].args[1], "required");
	assert_non_null(strstr(out[0].text, "trust = { proxy_protocol = \"required\"; };"));
	p.pp_mode = "off";
	assert_int_equal(fixes_make(&p, 0, out), 0);
	/* Missing: a note, and HAProxy sends it. Shared: a note; no reuse at the sender. */
	p = base(DIAG_PP_MISSING);
	n = fixes_make(&p, ALL_STACKS, out);
	assert_int_equal(n, 2);
	assert_non_null(strstr(find(n, "haproxy")->text, "default-server send-proxy-v2\n"));
	p = base(DIAG_PP_SHARED_CONNECTION);
	n = fixes_make(&p, ALL_STACKS, out);
	assert_int_equal(n, 2);
	/* Never "read the header instead": behind a layer-4 link the client writes it. */
	assert_int_equal(find(n, "xffwatch")->nargs, 0);
	assert_non_null(strstr(find(n, "xffwatch")->text, "Reading its header instead is no fix"));
	assert_non_null(strstr(find(n, "haproxy")->text, "http-reuse never\n"));
	p = base(DIAG_PP_MALFORMED);
	assert_int_equal(fixes_make(&p, ALL_STACKS, out), 1);
}

/* ---- --dump: representative params for check_fix_snippets.py ------------------------------ */

struct dump_case {
	const char *name;
	struct fix_params p;
};

static json_t *fixes_json(size_t n)
{
	json_t *arr = json_array();

	for (size_t i = 0; i < n; i++) {
		json_t *args = json_array();

		for (size_t a = 0; a < out[i].nargs; a++)
			json_array_append_new(args, json_string(out[i].args[a]));
		json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:o}", "for", out[i].stack,
						     "where", out[i].where, "text", out[i].text,
						     "args", args));
	}
	return arr;
}

static int dump(const char *path)
{
	struct dump_case cases[] = {
		{ "ipv4-one-proxy", base(DIAG_PROXY_NOT_TRUSTED) },
		{ "ipv6-listener-depth2",
		  { .port = 8000,
		    .iface = "eth0",
		    .listener_rule = true,
		    .proxies = { "::1/128", "fd00::2/128" },
		    .nproxies = 2,
		    .trusted = { "127.0.0.0/8", "::1/128" },
		    .ntrusted = 2,
		    .header = "X-Forwarded-For",
		    .header_key = "x-forwarded-for",
		    .depth = 2,
		    .hops_now = 1,
		    .local_owner = "cgroup=/system.slice/"
				   "docker-"
				   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"
				   "f.scope" } },
		{ "mixed-several-x-real-ip",
		  { .port = 8080,
		    .proxies = { "127.0.0.1/32", "10.0.0.0/8", "198.51.100.7/32",
				 "2001:db8::5/128" },
		    .nproxies = 4,
		    .trusted = { "127.0.0.1/32" },
		    .ntrusted = 1,
		    .header = "X-Real-IP",
		    .header_key = "x-real-ip",
		    .depth = 2,
		    .hops_now = -1,
		    .cdn_header = "True-Client-IP" } },
		{ "loopback-both", base(DIAG_PROXY_NOT_TRUSTED) },
		{ "forwarded-header", base(DIAG_PROXY_NOT_TRUSTED) },
		{ "no-proxies", base(DIAG_PROXY_NOT_TRUSTED) },
		{ "hosts-only-depth2",
		  { .port = 5000,
		    .proxies = { "172.18.0.3/32", "172.18.0.2/32" },
		    .nproxies = 2,
		    .trusted = { "127.0.0.1/32", "::1/128" },
		    .ntrusted = 2,
		    .header = "X-Forwarded-For",
		    .header_key = "x-forwarded-for",
		    .depth = 2,
		    .hops_now = -1,
		    .local_owner = "user=nobody" } },
		{ "limits", at_limits(DIAG_PROXY_NOT_TRUSTED) },
		{ "pp-block", base(DIAG_PROXY_NOT_TRUSTED) },
		{ "pp-with-header-required", base(DIAG_PROXY_NOT_TRUSTED) },
	};
	FILE *f = fopen(path, "w");

	if (!f)
		return 1;
	cases[3].p.proxies[0] = "127.0.0.1/32";
	cases[3].p.proxies[1] = "::1/128";
	cases[3].p.nproxies = 2;
	cases[4].p.header = "Forwarded";
	cases[4].p.header_key = "forwarded";
	cases[5].p.nproxies = 0;
	cases[5].p.cdn_header = "CF-Connecting-IP";
	cases[8].p.pp_block = true;
	cases[8].p.proxies[0] = "192.0.2.66/32";
	cases[8].p.proxies[1] = "2001:db8::66/128";
	cases[8].p.nproxies = 2;
	cases[9].p.pp_with_header = true;
	cases[9].p.pp_mode = "required";
	cases[9].p.listener_rule = true;
	for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++)
		for (int d = 0; d < DIAG__MAX; d++)
			for (int pass = 0; pass < 2; pass++) {
				struct fix_params p = cases[c].p;
				size_t n;
				json_t *line;

				p.diag = (enum diagnosis_id)d;
				n = fixes_make(&p, pass ? PROXY_STACKS : ALL_STACKS, out);
				line = json_pack("{s:s, s:s, s:b, s:i, s:o}", "case", cases[c].name,
						 "diagnosis", diagnosis_names[d], "proxy_stacks",
						 pass, "port", (int)p.port, "fixes", fixes_json(n));
				json_dumpf(line, f, JSON_COMPACT);
				fputc('\n', f);
				json_decref(line);
			}
	return fclose(f) ? 1 : 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_trust_keeps_and_adds),
		cmocka_unit_test(test_trust_too_broad_keeps_only_proxies),
		cmocka_unit_test(test_hops),
		cmocka_unit_test(test_notes_and_network),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_trust_local),
		cmocka_unit_test(test_pp),
		cmocka_unit_test(test_limits),
	};

	if (argc == 3 && !strcmp(argv[1], "--dump"))
		return dump(argv[2]);
	return cmocka_run_group_tests_name("fixes", tests, NULL, NULL);
}
