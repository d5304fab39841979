// SPDX-License-Identifier: BSD-2-Clause
/*
 * The trust engine beyond X-Forwarded-For: Forwarded (RFC 7239), ProxyFix hop
 * counting as Werkzeug 2.2.2 under gunicorn 20.1.0 does it, external proxies
 * as Apache's RemoteIPTrustedProxy, header preference, header-conflict and
 * the --explain trace. Expected clients in the ProxyFix and Apache tables are
 * what the real software (Debian 12) answered.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "cmd/settings.h"
#include "trust/rules.h"

static struct xffw_record rec;
static struct http_request req;
static struct resolution res;
static struct options opts;

#define F(x) (1U << FINDING_##x)
#define PRIV "127.0.0.0/8,10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,::1/128,fc00::/7"

/*
 * Resolves @headers (lines ending in \r\n) from @peer under a rule given as a
 * --listener-style spec ("trust=... external=... header=... recursive=... hops=...").
 */
static void run(const char *peer, const char *headers, const char *spec, struct trust_trace *t)
{
	char head[8192], why[256], full[1024];
	struct trust_rule rule;
	int n = snprintf(head, sizeof(head), "GET /t HTTP/1.1\r\nHost: example.test\r\n%s\r\n",
			 headers);

	options_defaults(&opts);
	snprintf(full, sizeof(full), "port=5000 %s", spec);
	if (parse_listener(full, &opts.listeners[0], why, sizeof(why)))
		fail_msg("bad spec %s: %s", spec, why);
	opts.nlisteners = 1;
	if (!opts.listeners[0].set_trusted) {
		opts.listeners[0].set_trusted = true;
		opts.listeners[0].ntrusted = 0;
	}
	assert_int_equal(options_finish(&opts, why, sizeof(why)), 0);
	rule = opts.rules[0];
	assert_int_equal(req_from_head(head, (size_t)n, peer, &rec, &req), 0);
	trust_resolve(&rule, &req, NULL, &res, t);
}

static void expect(const char *peer, const char *headers, const char *spec, const char *client,
		   uint32_t findings)
{
	struct ip_addr want;
	char got[IP_STR_MAX];

	run(peer, headers, spec, NULL);
	ip_format(&res.client, got);
	assert_int_equal(ip_parse(client, strlen(client), &want), 0);
	if (!ip_equal(&want, &res.client))
		fail_msg("[%s] %s: client %s, expected %s", spec, headers, got, client);
	if ((res.findings & findings) != findings)
		fail_msg("[%s] %s: findings %#x lack %#x", spec, headers, res.findings, findings);
}

static void test_forwarded(void **state)
{
	static const struct {
		const char *value, *client;
	} cases[] = {
		{ "for=203.0.113.7", "203.0.113.7" },
		{ "For=\"[2001:db8:cafe::17]:4711\"", "2001:db8:cafe::17" },
		{ "for=\"[2001:db8:cafe::17]\"", "2001:db8:cafe::17" },
		{ "for=\"192.0.2.60:4711\";proto=http;by=203.0.113.43", "192.0.2.60" },
		{ "for=192.0.2.43, for=198.51.100.17;by=\"[2001:db8::1]\"", "198.51.100.17" },
		{ "for=\"[2001:db8::7]:_p1\"", "2001:db8::7" },
		{ "for=\"\\1\\9\\2.0.2.9\"", "192.0.2.9" },
		{ "for=203.0.113.7;for=6.6.6.6", "127.0.0.1" }, /* for= twice: bad element */
		/* RFC 7239 §4: any parameter twice in an element makes it bad. */
		{ "for=203.0.113.7;proto=http;proto=https", "127.0.0.1" },
		{ "for=203.0.113.7;by=_a;BY=_b", "127.0.0.1" },
		{ "for=203.0.113.7;host=a;Host=b", "127.0.0.1" },
		{ "for=203.0.113.7;ext=1;ext=2", "203.0.113.7" }, /* extensions: not checked */
		{ "for=6.6.6.6, for=203.0.113.7;proto=http;proto=https", "127.0.0.1" },
		/* Ports: 1*5DIGIT. */
		{ "for=\"203.0.113.7:08080\"", "203.0.113.7" },
		{ "for=\"203.0.113.7:000080\"", "127.0.0.1" },
		{ "for=\"[2001:db8::1]:123456\"", "127.0.0.1" },
		{ "for=\"[2001:db8::1]:65535\"", "2001:db8::1" },
		{ "proto=https;by=10.0.0.1", "127.0.0.1" }, /* no for= */
		{ "for=unknown", "127.0.0.1" },
		{ "for=_hidden", "127.0.0.1" },
		{ "for=\"203.0.113.7", "127.0.0.1" }, /* unclosed: bad */
		{ "for=203.0.113.7, for=10.0.0.9", "203.0.113.7" },
		{ "for=203.0.113.7 , , for=10.0.0.9", "203.0.113.7" },
		{ "for=\"6.6.6.6, for=1.1.1.1\", for=203.0.113.7", "203.0.113.7" },
		{ "for=\"6.6.6.6, for=203.0.113.7", "203.0.113.7" },
		{ "for=6.6.6.6;proto=\"a;b\";by=x, for=203.0.113.7", "203.0.113.7" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char headers[512];

		snprintf(headers, sizeof(headers), "Forwarded: %s\r\n", cases[i].value);
		expect("127.0.0.1", headers, "trust=" PRIV " header=forwarded", cases[i].client, 0);
	}
	/* proto, host and by are kept, unquoted, with each element. */
	run("127.0.0.1", "Forwarded: for=203.0.113.7;proto=https;host=\"a.example:8443\";by=_p\r\n",
	    "trust=" PRIV " header=forwarded", NULL);
	assert_int_equal(res.chain.n, 1);
	assert_memory_equal(res.chain.hop[0].proto.p, "https", 5);
	assert_memory_equal(res.chain.hop[0].host.p, "a.example:8443", 14);
	assert_memory_equal(res.chain.hop[0].by.p, "_p", 2);
	/* Elements in several lines are one list. */
	expect("127.0.0.1", "Forwarded: for=203.0.113.7\r\nForwarded: for=10.0.0.2\r\n",
	       "trust=" PRIV " header=forwarded", "203.0.113.7", F(MULTIPLE_HEADER_LINES));
}

/* Werkzeug 2.2.2 ProxyFix(x_for=N) under gunicorn 20.1.0, peer 127.0.0.1: REMOTE_ADDR. */
static void test_proxyfix_table(void **state)
{
	static const struct {
		int hops;
		const char *headers, *client;
	} rows[] = {
		{ 1, "X-Forwarded-For: 6.6.6.6, 203.0.113.7\r\n", "203.0.113.7" },
		{ 2, "X-Forwarded-For: 6.6.6.6, 203.0.113.7, 10.0.0.2\r\n", "203.0.113.7" },
		{ 0, "X-Forwarded-For: 203.0.113.7\r\n", "127.0.0.1" },
		{ 3, "X-Forwarded-For: 203.0.113.7, 10.0.0.2\r\n", "127.0.0.1" },
		{ 2, "X-Forwarded-For: , 192.168.0.3\r\n", "127.0.0.1" },
		{ 2, "X-Forwarded-For: 203.0.113.7, , 10.0.0.2\r\n", "127.0.0.1" },
		{ 2, "X-Forwarded-For: 203.0.113.7,,10.0.0.2\r\n", "127.0.0.1" },
		{ 1, "X-Forwarded-For: 203.0.113.7,\r\n", "203.0.113.7" },
		{ 1, "X-Forwarded-For: 203.0.113.7, \r\n", "127.0.0.1" },
		/* gunicorn 20.1.0 does not right-strip a value: the empty last item counts. */
		{ 2, "X-Forwarded-For: 6.6.6.6, 198.51.100.1, \r\n", "198.51.100.1" },
		{ 2, "X-Forwarded-For: 6.6.6.6, 198.51.100.1,\t\r\n", "198.51.100.1" },
		{ 2, "X-Forwarded-For: 6.6.6.6, 198.51.100.1,\r\n", "6.6.6.6" },
		{ 1, "X-Forwarded-For:\r\n", "127.0.0.1" },
		{ 1, "X-Forwarded-For: , ,\r\n", "127.0.0.1" },
		{ 1, "X-Forwarded-For: 6.6.6.6,\t203.0.113.7\t\r\n", "203.0.113.7" },
		{ 1, "X-Forwarded-For: \"203.0.113.7\"\r\n", "203.0.113.7" },
		{ 1, "X-Forwarded-For: ::ffff:203.0.113.7\r\n", "::ffff:203.0.113.7" },
		{ 1, "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 10.0.0.2\r\n", "10.0.0.2" },
		{ 2, "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 10.0.0.2\r\n",
		  "203.0.113.7" },
		{ 1, "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For:\r\n", "203.0.113.7" },
		{ 2, "X-Forwarded-For:\r\nX-Forwarded-For: 10.0.0.2\r\n", "127.0.0.1" },
		{ 1, "X-Forwarded-For: 6.6.6.6, \"1.1.1.1, 203.0.113.7\"\r\n", "127.0.0.1" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		char spec[64];

		snprintf(spec, sizeof(spec), "hops=%d", rows[i].hops);
		expect("127.0.0.1", rows[i].headers, spec, rows[i].client, 0);
	}
	/* The peer does not matter to hop counting. */
	expect("198.51.100.9", "X-Forwarded-For: 6.6.6.6\r\n", "hops=1", "6.6.6.6", 0);
	/* Differences: ProxyFix copies what it finds; an address is required here. */
	expect("127.0.0.1", "X-Forwarded-For: unknown\r\n", "hops=1", "127.0.0.1",
	       F(INVALID_ENTRY));
	expect("127.0.0.1", "X-Forwarded-For: 203.0.113.7:5678\r\n", "hops=1", "203.0.113.7", 0);
	expect("127.0.0.1", "X-Forwarded-For: 203.0.113.7 10.0.0.2\r\n", "hops=1", "127.0.0.1",
	       F(INVALID_ENTRY));
}

/* External proxies: Apache 2.4.71 mod_remoteip with RemoteIPTrustedProxy (A-ext). */
static void test_external_proxies(void **state)
{
	static const struct {
		const char *peer, *headers, *spec, *client;
	} rows[] = {
		{ "127.0.0.1", "X-Forwarded-For: 192.168.1.50\r\n", "external=" PRIV, "127.0.0.1" },
		{ "127.0.0.1", "X-Forwarded-For: 169.254.1.1\r\n", "external=" PRIV, "127.0.0.1" },
		{ "127.0.0.1", "X-Forwarded-For: fd00::7\r\n", "external=" PRIV, "127.0.0.1" },
		{ "127.0.0.1", "X-Forwarded-For: ::1\r\n", "external=" PRIV, "127.0.0.1" },
		{ "127.0.0.1", "X-Forwarded-For: 100.64.0.1\r\n", "external=" PRIV, "100.64.0.1" },
		{ "127.0.0.1", "X-Forwarded-For: 2001:db8::7\r\n", "external=" PRIV,
		  "2001:db8::7" },
		{ "127.0.0.1", "X-Forwarded-For: ::ffff:203.0.113.7\r\n", "external=" PRIV,
		  "203.0.113.7" },
		{ "127.0.0.1", "X-Forwarded-For: 10.0.0.3, 10.0.0.2\r\n", "external=" PRIV,
		  "127.0.0.1" },
		/* Internal 127.0.0.1 plus external 198.51.100.0/24. */
		{ "127.0.0.1", "X-Forwarded-For: 192.168.1.50, 198.51.100.9\r\n",
		  "trust=127.0.0.1 external=198.51.100.0/24", "198.51.100.9" },
		{ "127.0.0.1", "X-Forwarded-For: 192.168.1.50\r\n",
		  "trust=127.0.0.1 external=198.51.100.0/24", "192.168.1.50" },
		{ "198.51.100.10", "X-Forwarded-For: 203.0.113.7, 127.0.0.1\r\n",
		  "trust=127.0.0.1 external=198.51.100.0/24", "198.51.100.10" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
		expect(rows[i].peer, rows[i].headers, rows[i].spec, rows[i].client, 0);
	expect("127.0.0.1", "X-Forwarded-For: 192.168.1.50\r\n", "external=" PRIV, "127.0.0.1",
	       F(INVALID_ENTRY));
}

static void test_header_preference(void **state)
{
	static const char both[] =
		"X-Forwarded-For: 203.0.113.7\r\nCF-Connecting-IP: 198.51.100.4\r\n";

	(void)state;
	/* The first configured header that is present is read. */
	expect("127.0.0.1", both, "trust=127.0.0.1 header=cf-connecting-ip,x-forwarded-for",
	       "198.51.100.4", F(HEADER_CONFLICT));
	assert_int_equal(res.source, XFFW_F_CF_CONNECTING_IP);
	expect("127.0.0.1", "X-Forwarded-For: 203.0.113.7\r\n",
	       "trust=127.0.0.1 header=cf-connecting-ip,x-forwarded-for", "203.0.113.7", 0);
	assert_int_equal(res.source, XFFW_F_X_FORWARDED_FOR);
	/* None present: the peer, and the first header is the one missing. */
	expect("127.0.0.1", "Via: 1.1 x\r\n", "trust=127.0.0.1 header=x-real-ip,x-forwarded-for",
	       "127.0.0.1", F(MISSING_FORWARDED_HEADER));
	assert_int_equal(res.header, XFFW_F_X_REAL_IP);
	/* A CDN header counts only when the peer is in the CDN's ranges. */
	expect("198.51.100.77", "CF-Connecting-IP: 203.0.113.7\r\n",
	       "trust=198.51.100.0/24 header=cf-connecting-ip", "203.0.113.7", 0);
	expect("192.0.2.77", "CF-Connecting-IP: 203.0.113.7\r\n",
	       "trust=198.51.100.0/24 header=cf-connecting-ip", "192.0.2.77", F(SPOOFED_HEADER));
	/* A single-IP header over 2 KiB arrives whole, like a chain (the kernel's pieces joined). */
	{
		char headers[2200];
		int n = snprintf(headers, sizeof(headers), "X-Real-IP: ");

		while (n < 2040)
			headers[n++] = 'x';
		snprintf(headers + n, sizeof(headers) - (size_t)n, ", 6.6.6.6, 203.0.113.45\r\n");
		expect("127.0.0.1", headers, "trust=127.0.0.0/8 header=x-real-ip recursive=off",
		       "203.0.113.45", 0);
		assert_false(res.findings & F(TRUNCATED));
		assert_int_equal(res.chain.n, 3);
	}
	/* X-Real-IP and the CDN headers are lists too, as nginx splits them: the rightmost counts. */
	expect("127.0.0.1", "X-Real-IP: 1.2.3.4, 5.6.7.8\r\n",
	       "trust=127.0.0.1 header=x-real-ip recursive=off", "5.6.7.8", 0);
}

static void test_header_conflict(void **state)
{
	(void)state;
	/* nginx sends both, in agreement: no conflict. */
	expect("127.0.0.1", "X-Forwarded-For: 6.6.6.6, 198.18.0.1\r\nX-Real-IP: 198.18.0.1\r\n",
	       "trust=127.0.0.1", "198.18.0.1", F(LEFTMOST_DIFFERS));
	assert_false(res.findings & F(HEADER_CONFLICT));
	/* A client's X-Real-IP passed through untouched: it names someone else. */
	expect("127.0.0.1", "X-Forwarded-For: 198.18.0.1\r\nX-Real-IP: 6.6.6.6\r\n",
	       "trust=127.0.0.1", "198.18.0.1", F(HEADER_CONFLICT));
	/* A header that names no one (invalid) is no conflict. */
	expect("127.0.0.1", "X-Forwarded-For: 198.18.0.1\r\nX-Real-IP: unknown\r\n",
	       "trust=127.0.0.1", "198.18.0.1", 0);
	assert_false(res.findings & F(HEADER_CONFLICT));
}

static void test_explain(void **state)
{
	static struct trust_trace t;

	(void)state;
	t.len = 0;
	run("127.0.0.1", "X-Forwarded-For: 203.0.113.9, 10.0.0.2\r\n", "trust=" PRIV, &t);
	assert_non_null(strstr(t.text, "peer 127.0.0.1: trusted (127.0.0.0/8)"));
	assert_non_null(strstr(t.text, "reading x-forwarded-for: 2 hops"));
	assert_non_null(strstr(t.text, "hop 2 10.0.0.2: trusted (10.0.0.0/8)"));
	assert_non_null(strstr(t.text, "hop 1 203.0.113.9: not trusted, the client"));
	assert_non_null(strstr(t.text, "client 203.0.113.9 (x-forwarded-for)"));
	/* A long walk fills the trace without overflowing it. */
	t.len = 0;
	{
		char headers[4096];
		size_t n = (size_t)snprintf(headers, sizeof(headers), "X-Forwarded-For: ");

		for (int i = 0; i < 200; i++)
			n += (size_t)snprintf(headers + n, sizeof(headers) - n, "10.0.%d.%d, ",
					      i / 250, i % 250);
		snprintf(headers + n - 2, sizeof(headers) - n + 2, "\r\n");
		run("127.0.0.1", headers, "trust=" PRIV, &t);
		assert_true(t.len < sizeof(t.text));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forwarded),	 cmocka_unit_test(test_proxyfix_table),
		cmocka_unit_test(test_external_proxies), cmocka_unit_test(test_header_preference),
		cmocka_unit_test(test_header_conflict),	 cmocka_unit_test(test_explain),
	};

	return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
