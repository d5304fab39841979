// SPDX-License-Identifier: BSD-2-Clause
/*
 * The trust engine beyond X-Forwarded-For: Forwarded (RFC 7239), ProxyFix hop
 * counting as Werkzeug 2.2.2 under gunicorn 20.1.0 does it, external proxies
 * as Apache's RemoteIPTrustedProxy, header preference, header-conflict and
 * the --explain trace. Expected clients in the ProxyFix and Apache tables are
 * what the real software (Debian 12) answered.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "helpers.h"
#include "cmd/settings.h"
#include "pipeline/proxy_preamble.h"
#include "trust/hop_walk.h"
#include "trust/rules.h"

static struct xffw_record rec;
static struct http_request req;
static struct resolution res;
static struct options opts;
/* The peer socket's owner for the next run() (NULL: not known). */
static const struct sock_owner *peer_owner;

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
	trust_resolve(&rule, &req, peer_owner, &res, t);
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

/* A socket of this host: @uid (@name, groups @gid and @gid2; 0: none) in @cgroup (NULL: not found). */
static struct sock_owner local_owner(uint32_t uid, const char *name, uint32_t gid, uint32_t gid2,
				     const char *cgroup)
{
	struct sock_owner o = { .seen = XFFW_SOCK_LOCAL, .uid = uid, .cgroup_id = 4242 };

	o.user_known = name != NULL;
	snprintf(o.user, sizeof(o.user), "%s", name ? name : "");
	o.gids[o.ngids++] = gid;
	if (gid2)
		o.gids[o.ngids++] = gid2;
	if (cgroup) {
		o.cgroup_known = true;
		snprintf(o.cgroup, sizeof(o.cgroup), "%s", cgroup);
		cgroup_path_facts(o.cgroup, strlen(o.cgroup), &o.facts);
	}
	return o;
}

enum who { NGINX, WORKER, NGINX_NO_CG, SHELL, ROOT, SIBLING, REMOTE, UNSEEN, UNKNOWN, WHO__MAX };

/* The peer's owner for each row of test_trust_local. */
static const struct sock_owner *owner_of(enum who w)
{
	static struct sock_owner o[WHO__MAX];

	o[NGINX] = local_owner(33, "www-data", 33, 4, "/system.slice/nginx.service");
	o[WORKER] = local_owner(33, "www-data", 33, 0, "/system.slice/nginx.service/worker");
	o[NGINX_NO_CG] = local_owner(33, "www-data", 33, 4, NULL);
	o[SHELL] = local_owner(1000, NULL, 1000, 0, "/user.slice/user-1000.slice/session-3.scope");
	o[ROOT] = local_owner(0, "root", 0, 0, "/system.slice/other.service");
	o[SIBLING] = local_owner(1001, NULL, 1001, 0, "/system.slice/nginx.serviced");
	/* What the kernel recorded for the rest is ignored: only LOCAL owners count. */
	o[REMOTE] = o[NGINX];
	o[REMOTE].seen = XFFW_SOCK_NONE;
	o[UNSEEN] = o[NGINX];
	o[UNSEEN].seen = XFFW_SOCK_UNSEEN;
	return w == UNKNOWN ? NULL : &o[w];
}

/*
 * --trust-local: with any spec, a local peer is trusted by its owner alone;
 * a local peer that matches none is the client, and a header from it is
 * header-from-unexpected-local-process (never spoofed-header-...). Remote
 * peers, flows whose start was not seen and unknown owners: address rules.
 */
static void test_trust_local(void **state)
{
	static const char xff[] = "X-Forwarded-For: 203.0.113.7\r\n";
	static const struct {
		const char *spec;
		enum who who;
		const char *peer, *headers, *client;
		bool by_owner;
		uint32_t findings, absent; /* all of @findings set, none of @absent */
	} rows[] = {
		/* No trust-local: addresses alone, whoever owns the socket. */
		{ "trust=127.0.0.0/8", SHELL, "127.0.0.1", xff, "203.0.113.7", false, 0,
		  F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8", NGINX, "198.18.0.9", xff, "198.18.0.9", false,
		  F(SPOOFED_HEADER), F(UNEXPECTED_LOCAL_PROCESS) },
		/* user=: by uid, name or number, even from an address not trusted */
		{ "trust=127.0.0.0/8 trust-local=user=33", NGINX, "127.0.0.1", xff, "203.0.113.7",
		  true, 0, F(SPOOFED_HEADER) | F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=198.51.100.0/24 trust-local=user=www-data", NGINX, "127.0.0.1", xff,
		  "203.0.113.7", true, 0, F(SPOOFED_HEADER) | F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=user=root", ROOT, "::1", xff, "203.0.113.7", true,
		  0, F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=user=33", SHELL, "127.0.0.1", xff, "127.0.0.1",
		  true, F(UNEXPECTED_LOCAL_PROCESS), F(SPOOFED_HEADER) },
		{ "trust=127.0.0.0/8 trust-local=user=33", ROOT, "::1", xff, "::1", true,
		  F(UNEXPECTED_LOCAL_PROCESS), F(SPOOFED_HEADER) },
		/* The address does not rescue a local process that does not match. */
		{ "trust=0.0.0.0/0 trust-local=user=33", SHELL, "127.0.0.1", xff, "127.0.0.1", true,
		  F(UNEXPECTED_LOCAL_PROCESS), F(SPOOFED_HEADER) },
		/* group=: any of the user's groups, the primary one or another */
		{ "trust=127.0.0.0/8 trust-local=group=4", NGINX, "127.0.0.1", xff, "203.0.113.7",
		  true, 0, F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=group=33", WORKER, "127.0.0.1", xff, "203.0.113.7",
		  true, 0, F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=group=adm", SHELL, "127.0.0.1", xff, "127.0.0.1",
		  true, F(UNEXPECTED_LOCAL_PROCESS), 0 },
		/* unit=: any component of a known cgroup; NAME without a dot is NAME.service */
		{ "trust=127.0.0.0/8 trust-local=unit=nginx", NGINX, "127.0.0.1", xff,
		  "203.0.113.7", true, 0, F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=unit=nginx.service", WORKER, "127.0.0.1", xff,
		  "203.0.113.7", true, 0, F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=unit=nginx", NGINX_NO_CG, "127.0.0.1", xff,
		  "127.0.0.1", true, F(UNEXPECTED_LOCAL_PROCESS), 0 },
		{ "trust=127.0.0.0/8 trust-local=unit=nginx", SIBLING, "127.0.0.1", xff,
		  "127.0.0.1", true, F(UNEXPECTED_LOCAL_PROCESS), 0 },
		{ "trust=127.0.0.0/8 trust-local=unit=session-3.scope", SHELL, "127.0.0.1", xff,
		  "203.0.113.7", true, 0, F(UNEXPECTED_LOCAL_PROCESS) },
		/* cgroup=: a prefix at a component boundary, of a known cgroup */
		{ "trust=127.0.0.0/8 trust-local=cgroup=/system.slice/nginx.service", NGINX,
		  "127.0.0.1", xff, "203.0.113.7", true, 0, F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=cgroup=/system.slice/nginx.service/", WORKER,
		  "127.0.0.1", xff, "203.0.113.7", true, 0, F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=cgroup=/system.slice/nginx.service", SIBLING,
		  "127.0.0.1", xff, "127.0.0.1", true, F(UNEXPECTED_LOCAL_PROCESS), 0 },
		{ "trust=127.0.0.0/8 trust-local=cgroup=/system.slice", NGINX_NO_CG, "127.0.0.1",
		  xff, "127.0.0.1", true, F(UNEXPECTED_LOCAL_PROCESS), 0 },
		{ "trust=127.0.0.0/8 trust-local=cgroup=/", ROOT, "127.0.0.1", xff, "203.0.113.7",
		  true, 0, F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=cgroup=/", NGINX_NO_CG, "127.0.0.1", xff,
		  "127.0.0.1", true, F(UNEXPECTED_LOCAL_PROCESS), 0 },
		/* Several specs: any one will do. */
		{ "trust=127.0.0.0/8 trust-local=user=1000 trust-local=unit=nginx", NGINX,
		  "127.0.0.1", xff, "203.0.113.7", true, 0, F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=user=1000 trust-local=unit=nginx", SHELL,
		  "127.0.0.1", xff, "203.0.113.7", true, 0, F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=user=1000 trust-local=unit=nginx", ROOT,
		  "127.0.0.1", xff, "127.0.0.1", true, F(UNEXPECTED_LOCAL_PROCESS), 0 },
		/* No client header: no finding about one. */
		{ "trust=127.0.0.0/8 trust-local=user=33", SHELL, "127.0.0.1", "", "127.0.0.1",
		  true, 0, F(UNEXPECTED_LOCAL_PROCESS) | F(SPOOFED_HEADER) },
		{ "trust=127.0.0.0/8 trust-local=user=33", SHELL, "127.0.0.1", "Via: 1.1 x\r\n",
		  "127.0.0.1", true, 0, F(UNEXPECTED_LOCAL_PROCESS) | F(SPOOFED_HEADER) },
		/* Another client header than the one read counts as a header sent. */
		{ "trust=127.0.0.0/8 trust-local=user=33", SHELL, "127.0.0.1",
		  "X-Real-IP: 203.0.113.7\r\n", "127.0.0.1", true, F(UNEXPECTED_LOCAL_PROCESS),
		  F(SPOOFED_HEADER) },
		/* Remote, unseen and unknown owners: addresses, as without trust-local. */
		{ "trust=127.0.0.0/8 trust-local=user=1000", REMOTE, "127.0.0.1", xff,
		  "203.0.113.7", false, 0, F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=user=33", REMOTE, "198.18.0.9", xff, "198.18.0.9",
		  false, F(SPOOFED_HEADER), F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=user=1000", UNSEEN, "127.0.0.1", xff,
		  "203.0.113.7", false, 0, F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=user=33", UNSEEN, "198.18.0.9", xff, "198.18.0.9",
		  false, F(SPOOFED_HEADER), F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=user=1000", UNKNOWN, "127.0.0.1", xff,
		  "203.0.113.7", false, 0, F(UNEXPECTED_LOCAL_PROCESS) },
		{ "trust=127.0.0.0/8 trust-local=user=33", UNKNOWN, "198.18.0.9", xff, "198.18.0.9",
		  false, F(SPOOFED_HEADER), F(UNEXPECTED_LOCAL_PROCESS) },
		/* Hop counting: a matching owner lets the count run, peer checked and found. */
		{ "hops=1 trust-local=user=33", NGINX, "198.18.0.9",
		  "X-Forwarded-For: 6.6.6.6, 203.0.113.7\r\n", "203.0.113.7", true, 0,
		  F(HOPS_FROM_UNTRUSTED_PEER) | F(UNEXPECTED_LOCAL_PROCESS) },
		{ "hops=2 trust-local=unit=nginx", WORKER, "127.0.0.1",
		  "X-Forwarded-For: 6.6.6.6, 203.0.113.7, 10.0.0.2\r\n", "203.0.113.7", true, 0,
		  F(HOPS_FROM_UNTRUSTED_PEER) | F(UNEXPECTED_LOCAL_PROCESS) },
		/* ... one that does not match is the client: no count, the new finding. */
		{ "hops=1 trust-local=user=33", SHELL, "127.0.0.1", xff, "127.0.0.1", true,
		  F(UNEXPECTED_LOCAL_PROCESS), F(HOPS_FROM_UNTRUSTED_PEER) | F(SPOOFED_HEADER) },
		{ "hops=1 trust-local=user=33", SHELL, "127.0.0.1", "", "127.0.0.1", true, 0,
		  F(UNEXPECTED_LOCAL_PROCESS) | F(HOPS_FROM_UNTRUSTED_PEER) },
		/* ... and others count as before, the peer unchecked. */
		{ "hops=1 trust-local=user=33", REMOTE, "198.18.0.9", xff, "203.0.113.7", false,
		  F(HOPS_FROM_UNTRUSTED_PEER), F(UNEXPECTED_LOCAL_PROCESS) },
		{ "hops=1", SHELL, "198.18.0.9", xff, "203.0.113.7", false,
		  F(HOPS_FROM_UNTRUSTED_PEER), F(UNEXPECTED_LOCAL_PROCESS) },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct ip_addr want;
		char got[IP_STR_MAX];

		peer_owner = owner_of(rows[i].who);
		run(rows[i].peer, rows[i].headers, rows[i].spec, NULL);
		ip_format(&res.client, got);
		assert_int_equal(ip_parse(rows[i].client, strlen(rows[i].client), &want), 0);
		if (!ip_equal(&want, &res.client))
			fail_msg("row %zu [%s]: client %s, expected %s", i, rows[i].spec, got,
				 rows[i].client);
		if ((res.findings & rows[i].findings) != rows[i].findings ||
		    (res.findings & rows[i].absent))
			fail_msg("row %zu [%s]: findings %#x, expected %#x and not %#x", i,
				 rows[i].spec, res.findings, rows[i].findings, rows[i].absent);
		if (res.peer_by_owner != rows[i].by_owner)
			fail_msg("row %zu [%s]: peer_by_owner %d", i, rows[i].spec,
				 res.peer_by_owner);
		/* Judged by owner, the peer is trusted exactly when the client is another. */
		if (rows[i].by_owner && res.peer_trusted != !!strcmp(rows[i].client, rows[i].peer))
			fail_msg("row %zu [%s]: peer_trusted %d", i, rows[i].spec,
				 res.peer_trusted);
	}
	peer_owner = NULL;
}

/* --explain says the owner decided, and which spec matched. */
static void test_trust_local_trace(void **state)
{
	static struct trust_trace t;

	(void)state;
	peer_owner = owner_of(NGINX);
	t.len = 0;
	run("198.18.0.9", "X-Forwarded-For: 203.0.113.7\r\n",
	    "trust=127.0.0.0/8 trust-local=user=1000 trust-local=unit=nginx", &t);
	assert_non_null(strstr(t.text, "peer socket of user www-data (uid 33), cgroup "
				       "/system.slice/nginx.service: trusted (trust-local "
				       "unit=nginx.service)"));
	assert_non_null(strstr(t.text, "client 203.0.113.7 (x-forwarded-for)"));
	peer_owner = owner_of(SHELL);
	t.len = 0;
	run("127.0.0.1", "X-Forwarded-For: 203.0.113.7\r\n",
	    "trust=127.0.0.0/8 trust-local=user=33", &t);
	assert_non_null(strstr(t.text, "peer socket of user ? (uid 1000), cgroup "
				       "/user.slice/user-1000.slice/session-3.scope matches no "
				       "trust-local rule: it is the client"));
	assert_non_null(strstr(t.text, "(header-from-unexpected-local-process)"));
	assert_null(strstr(t.text, "spoofed-header-from-untrusted-peer"));
	peer_owner = owner_of(NGINX_NO_CG);
	t.len = 0;
	run("127.0.0.1", "X-Forwarded-For: 203.0.113.7\r\n", "trust=127.0.0.0/8 trust-local=unit=x",
	    &t);
	assert_non_null(strstr(t.text, "cgroup not found matches no trust-local rule"));
	assert_true(t.len < sizeof(t.text));
	peer_owner = NULL;
}

/*
 * Listener rules take the global rule's trust-local unless they set their
 * own: theirs replaces it, "none" clears it.
 */
static void test_trust_local_inherit(void **state)
{
	static const struct {
		const char *listener;
		size_t nlocal;
		const char *first; /* the first spec as check-config prints it */
	} rows[] = {
		{ "port=5000 trust=127.0.0.1", 2, "unit=nginx.service" },
		{ "port=5000 trust-local=none", 0, NULL },
		{ "port=5000 trust-local=user=33", 1, "user=33" },
		{ "port=5000 trust-local=none trust-local=cgroup=//a//b/", 1, "cgroup=/a/b" },
	};
	char why[256], text[CGROUP_PATH_MAX + 16];

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		const struct trust_rule *l, *g;

		options_defaults(&opts);
		assert_int_equal(rule_parse_local("unit=nginx", opts.global.local,
						  &opts.global.nlocal, why, sizeof(why)),
				 0);
		assert_int_equal(rule_parse_local("group=4", opts.global.local, &opts.global.nlocal,
						  why, sizeof(why)),
				 0);
		if (parse_listener(rows[i].listener, &opts.listeners[0], why, sizeof(why)))
			fail_msg("%s: %s", rows[i].listener, why);
		opts.nlisteners = 1;
		assert_int_equal(options_finish(&opts, why, sizeof(why)), 0);
		l = &opts.rules[0];
		g = &opts.rules[1];
		assert_int_equal(g->nlocal, 2);
		if (l->nlocal != rows[i].nlocal)
			fail_msg("%s: %zu trust-local, expected %zu", rows[i].listener, l->nlocal,
				 rows[i].nlocal);
		if (rows[i].first) {
			owner_spec_format(&l->local[0], text, sizeof(text));
			assert_string_equal(text, rows[i].first);
		}
		/* What the listener's rule does with a process that is not nginx. */
		assert_int_equal(
			req_from_head("GET / HTTP/1.1\r\nX-Forwarded-For: 203.0.113.7\r\n\r\n", 48,
				      "127.0.0.1", &rec, &req),
			0);
		trust_resolve(l, &req, owner_of(SHELL), &res, NULL);
		assert_int_equal(!!(res.findings & F(UNEXPECTED_LOCAL_PROCESS)), l->nlocal > 0);
		trust_resolve(l, &req, owner_of(WORKER), &res, NULL);
		assert_int_equal(res.peer_by_owner, l->nlocal > 0);
	}
	/* "none" is no spec; more than TRUST_MAX_LOCAL are refused. */
	{
		struct owner_spec list[TRUST_MAX_LOCAL];
		size_t n = 0;

		assert_int_equal(rule_parse_local("none", list, &n, why, sizeof(why)), 0);
		assert_int_equal(n, 0);
		for (int i = 0; i < TRUST_MAX_LOCAL; i++)
			assert_int_equal(rule_parse_local("user=0", list, &n, why, sizeof(why)), 0);
		assert_int_equal(rule_parse_local("user=0", list, &n, why, sizeof(why)), -ENOSPC);
		assert_int_equal(n, TRUST_MAX_LOCAL);
		assert_non_null(strstr(why, "at most 32 trust-local owners"));
		assert_int_equal(rule_parse_local("user=", list, &n, why, sizeof(why)), -ENOSPC);
		n = 0;
		assert_int_equal(rule_parse_local("user=", list, &n, why, sizeof(why)), -EINVAL);
		assert_int_equal(n, 0);
	}
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

/* ---- PROXY protocol (docs/trust.md, "PROXY protocol") ---- */

/* The findings a row gives exactly: the preamble's, and those the preamble may change. */
#define PPF                                                                               \
	(F(PP_FROM_UNTRUSTED_PEER) | F(PP_MISSING) | F(PP_UNEXPECTED) | F(PP_MALFORMED) | \
	 F(PP_SHARED_CONNECTION) | F(TRUNCATED) | F(MISSING_FORWARDED_HEADER) |           \
	 F(CHAIN_SHORTER_THAN_HOPS) | F(HEADER_CONFLICT))

/* The preamble the next run_pp() gives its request; its pp_named. */
static struct pp_info pp;
static struct pp_named pp_named;

/* What the tracker would hand out: a preamble of @command naming @src (NULL: no address). */
static void preamble(uint8_t state, uint8_t version, uint8_t command, const char *src)
{
	memset(&pp, 0, sizeof(pp));
	pp.version = version;
	pp.command = command;
	if (src) {
		pp.has_addr = true;
		assert_int_equal(ip_parse(src, strlen(src), &pp.src), 0);
		pp.sport = 51234;
		assert_int_equal(ip_parse("198.18.0.1", 10, &pp.dst), 0);
		pp.dport = 8080;
		pp.v2_family = version == 2 ? 0x11 : 0;
	}
	if (state == REQ_PP_MALFORMED)
		pp.error = "v1: port 080 has a leading zero";
	if (state == REQ_PP_TRUNCATED)
		pp.error = "v2: ends before its length";
	req.pp_state = state;
	req.pp = state == REQ_PP_OK || state == REQ_PP_MALFORMED || state == REQ_PP_TRUNCATED
			 ? &pp
			 : NULL;
	req.pp_named = req.pp ? &pp_named : NULL;
}

/* As run(), the request's connection in preamble state @state (a PROXY preamble naming @src). */
static void run_pp(const char *peer, const char *headers, const char *spec, uint8_t state,
		   uint8_t command, const char *src, struct trust_trace *t)
{
	run(peer, headers, spec, NULL);
	preamble(state, 2, command, src);
	trust_resolve(&opts.rules[0], &req, peer_owner, &res, t);
}

enum { NO_PP = 0xff }; /* a row's state: the request as run() makes it, REQ_PP_UNKNOWN */

struct pp_row {
	const char *peer, *headers, *spec;
	uint8_t state, command;
	const char *client;
	unsigned int source;
	uint32_t findings; /* those of PPF exactly; others at least */
};

static void pp_table(const struct pp_row *rows, size_t n)
{
	size_t bad = 0;

	for (size_t i = 0; i < n; i++) {
		const struct pp_row *r = &rows[i];
		struct ip_addr want;
		char got[IP_STR_MAX];

		memset(&pp_named, 0, sizeof(pp_named));
		run_pp(r->peer, r->headers, r->spec, r->state == NO_PP ? REQ_PP_UNKNOWN : r->state,
		       r->command, "203.0.113.7", NULL);
		ip_format(&res.client, got);
		assert_int_equal(ip_parse(r->client, strlen(r->client), &want), 0);
		/* Every wrong row is said, not only the first. */
		if (!ip_equal(&want, &res.client) || res.source != r->source ||
		    (res.findings & PPF) != (r->findings & PPF) ||
		    (res.findings & r->findings) != r->findings) {
			print_error("row %zu [%s]: client %s source %u findings %#x, expected "
				    "%s %u %#x\n",
				    i, r->spec, got, res.source, res.findings, r->client, r->source,
				    r->findings);
			bad++;
		}
		if (res.source == TRUST_PROXY_PROTOCOL)
			assert_true(res.pp_used);
	}
	assert_int_equal(bad, 0);
}

#define PEER  "198.18.0.2" /* HAProxy */
#define OTHER "198.18.0.9" /* not a trusted proxy */
#define SRC   "203.0.113.7"
#define XFF1  "X-Forwarded-For: 192.0.2.1\r\n"
#define XFF2  "X-Forwarded-For: 6.6.6.6, 192.0.2.1\r\n"
#define PPXFF " header=proxy-protocol,x-forwarded-for"
#define PXY   PP_CMD_PROXY
#define PP    TRUST_PROXY_PROTOCOL
#define XFF   XFFW_F_X_FORWARDED_FOR

/*
 * CIDR mode as nginx realip with real_ip_header proxy_protocol, and beyond it
 * the combined walk: the preamble's source is the rightmost hop, the first
 * present header's hops left of it.
 */
static void test_pp_cidr(void **state)
{
	static const struct pp_row rows[] = {
		/* Peer untrusted: the peer, whatever the preamble says. */
		{ OTHER, "", "trust=" PEER " header=proxy-protocol", REQ_PP_OK, PXY, OTHER, 0,
		  F(PP_FROM_UNTRUSTED_PEER) },
		{ OTHER, XFF1, "trust=" PEER PPXFF, REQ_PP_OK, PXY, OTHER, 0,
		  F(PP_FROM_UNTRUSTED_PEER) | F(SPOOFED_HEADER) },
		/* Peer trusted: the source (nginx's one hop). */
		{ PEER, "", "trust=" PEER " header=proxy-protocol", REQ_PP_OK, PXY, SRC, PP, 0 },
		/* nginx never reads X-Forwarded-For then, trusted source or not. */
		{ PEER, XFF1, "trust=" PEER ",203.0.113.0/24 header=proxy-protocol", REQ_PP_OK, PXY,
		  SRC, PP, F(ALL_HOPS_TRUSTED) },
		/* Listed with a header: an untrusted source is the client... */
		{ PEER, XFF1, "trust=" PEER PPXFF, REQ_PP_OK, PXY, SRC, PP, F(LEFTMOST_DIFFERS) },
		/* ...a trusted one leads into the header, right to left. */
		{ PEER, XFF2, "trust=" PEER ",203.0.113.0/24" PPXFF, REQ_PP_OK, PXY, "192.0.2.1",
		  XFF, F(LEFTMOST_DIFFERS) },
		{ PEER, XFF2, "trust=" PEER ",203.0.113.0/24,192.0.2.0/24" PPXFF, REQ_PP_OK, PXY,
		  "6.6.6.6", XFF, 0 },
		/* Not recursive: one step, the source. */
		{ PEER, XFF2, "trust=" PEER ",203.0.113.0/24 recursive=off" PPXFF, REQ_PP_OK, PXY,
		  SRC, PP, 0 },
		/* The order of the list does not move the preamble: it is always rightmost. */
		{ PEER, XFF2, "trust=" PEER ",203.0.113.0/24 header=x-forwarded-for,proxy-protocol",
		  REQ_PP_OK, PXY, "192.0.2.1", XFF, 0 },
		/* The first present other header is the one continued. */
		{ PEER, "X-Real-IP: 192.0.2.5\r\n" XFF1,
		  "trust=" PEER ",203.0.113.0/24 header=proxy-protocol,x-real-ip,x-forwarded-for",
		  REQ_PP_OK, PXY, "192.0.2.5", XFFW_F_X_REAL_IP, F(HEADER_CONFLICT) },
		/* Not listed: the preamble is not read. */
		{ PEER, XFF1, "trust=" PEER " header=x-forwarded-for", REQ_PP_OK, PXY, "192.0.2.1",
		  XFF, 0 },
		/* A sender of preambles need write no header: never missing-forwarded-header. */
		{ PEER, "", "trust=" PEER " header=x-forwarded-for", REQ_PP_OK, PXY, PEER, 0, 0 },
		{ PEER, "", "trust=" PEER " header=x-forwarded-for", REQ_PP_OK, PP_CMD_LOCAL, PEER,
		  0, 0 },
		{ PEER, "", "trust=" PEER " header=x-forwarded-for", REQ_PP_OK, PP_CMD_UNKNOWN,
		  PEER, 0, 0 },
		{ PEER, "", "trust=" PEER " header=x-forwarded-for", REQ_PP_MALFORMED, PXY, PEER, 0,
		  F(PP_MALFORMED) },
		{ PEER, "", "trust=" PEER " header=x-forwarded-for", REQ_PP_LOST, 0, PEER, 0,
		  F(TRUNCATED) },
		{ PEER, "", "trust=" PEER " header=x-forwarded-for", REQ_PP_NONE, 0, PEER, 0,
		  F(MISSING_FORWARDED_HEADER) },
		{ PEER, "", "trust=" PEER " header=x-forwarded-for", NO_PP, 0, PEER, 0,
		  F(MISSING_FORWARDED_HEADER) },
		/* The default list (x-forwarded-for): the preamble is not read, opt in to it. */
		{ PEER, XFF1, "trust=" PEER, REQ_PP_OK, PXY, "192.0.2.1", XFF, 0 },
		{ PEER, "", "trust=" PEER, REQ_PP_OK, PXY, PEER, 0, 0 },
		{ PEER, XFF1, "trust=" PEER ",203.0.113.7", REQ_PP_OK, PXY, "192.0.2.1", XFF, 0 },
		{ PEER, XFF1, "trust=" PEER, REQ_PP_NONE, 0, "192.0.2.1", XFF, 0 },
		/* Without a usable preamble: today's walk over the other headers. */
		{ PEER, XFF1, "trust=" PEER PPXFF, NO_PP, 0, "192.0.2.1", XFF, F(TRUNCATED) },
		{ PEER, "", "trust=" PEER " header=proxy-protocol", REQ_PP_NONE, 0, PEER, 0,
		  F(MISSING_FORWARDED_HEADER) },
		/* An external proxy's preamble must name a public source. */
		{ PEER, "", "trust=none external=" PEER " header=proxy-protocol", REQ_PP_OK, PXY,
		  SRC, PP, 0 },
	};

	(void)state;
	pp_table(rows, sizeof(rows) / sizeof(rows[0]));
	memset(&pp_named, 0, sizeof(pp_named));
	run(PEER, "", "trust=none external=" PEER " header=proxy-protocol", NULL);
	preamble(REQ_PP_OK, 2, PXY, "10.1.2.3");
	trust_resolve(&opts.rules[0], &req, NULL, &res, NULL);
	assert_true(res.findings & F(INVALID_ENTRY));
	assert_int_equal(res.source, 0);
}

/*
 * Hop counting as ProxyFix(x_for=N) behind gunicorn --proxy-protocol: from a
 * trusted peer (proxy_allow_ips) the source is REMOTE_ADDR, the fallback; the
 * N hops are the header's only.
 */
static void test_pp_hops(void **state)
{
	static const struct pp_row rows[] = {
		{ PEER, XFF2, "trust=" PEER " hops=0" PPXFF, REQ_PP_OK, PXY, SRC, PP, 0 },
		{ PEER, XFF2, "trust=" PEER " hops=0" PPXFF, REQ_PP_NONE, 0, PEER, 0, 0 },
		{ PEER, XFF2, "trust=" PEER " hops=1" PPXFF, REQ_PP_OK, PXY, "192.0.2.1", XFF, 0 },
		{ PEER, XFF2, "trust=" PEER " hops=1" PPXFF, REQ_PP_NONE, 0, "192.0.2.1", XFF, 0 },
		{ PEER, XFF2, "trust=" PEER " hops=2" PPXFF, REQ_PP_OK, PXY, "6.6.6.6", XFF, 0 },
		{ PEER, XFF1, "trust=" PEER " hops=2" PPXFF, REQ_PP_OK, PXY, SRC, PP,
		  F(CHAIN_SHORTER_THAN_HOPS) },
		{ PEER, XFF1, "trust=" PEER " hops=2" PPXFF, REQ_PP_NONE, 0, PEER, 0,
		  F(CHAIN_SHORTER_THAN_HOPS) },
		{ PEER, "", "trust=" PEER " hops=1" PPXFF, REQ_PP_OK, PXY, SRC, PP,
		  F(CHAIN_SHORTER_THAN_HOPS) },
		{ PEER, "X-Forwarded-For: unknown\r\n", "trust=" PEER " hops=1" PPXFF, REQ_PP_OK,
		  PXY, SRC, PP, F(INVALID_ENTRY) },
		/* The preamble alone reads no header: no chain to be short, none to conflict. */
		{ PEER, "", "trust=" PEER " hops=1 header=proxy-protocol", REQ_PP_OK, PXY, SRC, PP,
		  0 },
		{ PEER, XFF2, "trust=" PEER " hops=2 header=proxy-protocol", REQ_PP_OK, PXY, SRC,
		  PP, 0 },
		{ PEER, "", "trust=" PEER " hops=1 header=proxy-protocol", REQ_PP_NONE, 0, PEER, 0,
		  0 },
		/* Not listed: gunicorn without --proxy-protocol; the peer stays REMOTE_ADDR. */
		{ PEER, "", "trust=" PEER " hops=0 header=x-forwarded-for", REQ_PP_OK, PXY, PEER, 0,
		  0 },
		/* An untrusted peer's preamble is ignored (gunicorn refuses it). */
		{ OTHER, XFF2, "trust=" PEER " hops=0" PPXFF, REQ_PP_OK, PXY, OTHER, 0,
		  F(PP_FROM_UNTRUSTED_PEER) },
		{ OTHER, XFF2, "trust=" PEER " hops=1" PPXFF, REQ_PP_OK, PXY, "192.0.2.1", XFF,
		  F(PP_FROM_UNTRUSTED_PEER) | F(HOPS_FROM_UNTRUSTED_PEER) },
		{ OTHER, XFF1, "trust=" PEER " hops=2" PPXFF, REQ_PP_OK, PXY, OTHER, 0,
		  F(PP_FROM_UNTRUSTED_PEER) | F(CHAIN_SHORTER_THAN_HOPS) },
	};

	(void)state;
	pp_table(rows, sizeof(rows) / sizeof(rows[0]));
}

/* LOCAL, UNKNOWN, PROXY without an address, MALFORMED, TRUNCATED, LOST; and the modes. */
static void test_pp_states(void **state)
{
	static const struct pp_row rows[] = {
		/*
		 * LOCAL (a health check), v1 UNKNOWN, v2 PROXY over UNSPEC, from a
		 * trusted peer under a rule that reads the preamble: the peer, no
		 * header read (nginx's realip declines), no finding.
		 */
		{ PEER, XFF1, "trust=" PEER PPXFF, REQ_PP_OK, PP_CMD_LOCAL, PEER, 0, 0 },
		{ PEER, XFF1, "trust=" PEER PPXFF, REQ_PP_OK, PP_CMD_UNKNOWN, PEER, 0, 0 },
		{ PEER, "", "trust=" PEER PPXFF, REQ_PP_OK, PP_CMD_LOCAL, PEER, 0, 0 },
		{ PEER, "", "trust=" PEER PPXFF, REQ_PP_OK, PP_CMD_UNKNOWN, PEER, 0, 0 },
		{ PEER, "", "trust=" PEER " hops=0" PPXFF, REQ_PP_OK, PP_CMD_LOCAL, PEER, 0, 0 },
		{ PEER, XFF2, "trust=" PEER " hops=1" PPXFF, REQ_PP_OK, PP_CMD_UNKNOWN, PEER, 0,
		  0 },
		{ PEER, XFF1, "trust=" PEER " header=proxy-protocol", REQ_PP_OK, PP_CMD_UNKNOWN,
		  PEER, 0, 0 },
		/* A rule that does not read the preamble: its headers, as without. */
		{ PEER, XFF1, "trust=" PEER " header=x-forwarded-for", REQ_PP_OK, PP_CMD_UNKNOWN,
		  "192.0.2.1", XFF, 0 },
		{ PEER, XFF1, "trust=" PEER " header=x-forwarded-for", REQ_PP_MALFORMED, PXY,
		  "192.0.2.1", XFF, F(PP_MALFORMED) },
		/* Broken: not used, proxy-protocol-malformed; the peer, no header read. */
		{ PEER, XFF1, "trust=" PEER PPXFF, REQ_PP_MALFORMED, PXY, PEER, 0,
		  F(PP_MALFORMED) },
		{ PEER, XFF2, "trust=" PEER " hops=1" PPXFF, REQ_PP_TRUNCATED, PXY, PEER, 0,
		  F(PP_MALFORMED) },
		{ PEER, "", "trust=" PEER PPXFF, REQ_PP_TRUNCATED, PXY, PEER, 0, F(PP_MALFORMED) },
		{ PEER, "", "trust=" PEER " hops=0" PPXFF, REQ_PP_MALFORMED, PXY, PEER, 0,
		  F(PP_MALFORMED) },
		/* Lost: not used, truncated; the peer, no header read. */
		{ PEER, XFF1, "trust=" PEER PPXFF, REQ_PP_LOST, 0, PEER, 0, F(TRUNCATED) },
		{ PEER, XFF1, "trust=" PEER " header=x-forwarded-for", REQ_PP_LOST, 0, "192.0.2.1",
		  XFF, F(TRUNCATED) },
		{ PEER, "", "trust=" PEER PPXFF, REQ_PP_LOST, 0, PEER, 0, F(TRUNCATED) },
		/* The start unseen: a preamble is not known missing, headers are. */
		{ PEER, "", "trust=" PEER " header=proxy-protocol", NO_PP, 0, PEER, 0, 0 },
		{ PEER, XFF1, "trust=" PEER " header=proxy-protocol", NO_PP, 0, PEER, 0, 0 },
		/* Headers walked, but a preamble not seen may have stood for the peer. */
		{ PEER, XFF1, "trust=" PEER PPXFF, NO_PP, 0, "192.0.2.1", XFF, F(TRUNCATED) },
		{ PEER, XFF1, "trust=" PEER " hops=1" PPXFF, NO_PP, 0, "192.0.2.1", XFF,
		  F(TRUNCATED) },
		{ OTHER, XFF1, "trust=" PEER PPXFF, NO_PP, 0, OTHER, 0, F(SPOOFED_HEADER) },
		{ PEER, "", "trust=" PEER, NO_PP, 0, PEER, 0, F(MISSING_FORWARDED_HEADER) },
		{ PEER, "", "trust=" PEER, REQ_PP_NONE, 0, PEER, 0, F(MISSING_FORWARDED_HEADER) },
		/* From an untrusted peer: any command, any state but lost; listed or not. */
		{ OTHER, "", "trust=" PEER PPXFF, REQ_PP_OK, PP_CMD_LOCAL, OTHER, 0,
		  F(PP_FROM_UNTRUSTED_PEER) },
		{ OTHER, "", "trust=" PEER PPXFF, REQ_PP_MALFORMED, PXY, OTHER, 0,
		  F(PP_FROM_UNTRUSTED_PEER) | F(PP_MALFORMED) },
		{ OTHER, "", "trust=" PEER " header=x-forwarded-for", REQ_PP_OK, PXY, OTHER, 0,
		  F(PP_FROM_UNTRUSTED_PEER) },
		{ OTHER, "", "trust=" PEER PPXFF, REQ_PP_LOST, 0, OTHER, 0, F(TRUNCATED) },
		{ OTHER, XFF1, "trust=" PEER PPXFF, REQ_PP_OK, PP_CMD_LOCAL, OTHER, 0,
		  F(PP_FROM_UNTRUSTED_PEER) | F(SPOOFED_HEADER) },
		/* required: a connection without one is missing it; unseen starts are not. */
		{ PEER, XFF1, "trust=" PEER PPXFF " proxy-protocol=required", REQ_PP_NONE, 0,
		  "192.0.2.1", XFF, F(PP_MISSING) },
		{ PEER, XFF1, "trust=" PEER PPXFF " proxy-protocol=required", NO_PP, 0, "192.0.2.1",
		  XFF, F(TRUNCATED) },
		{ PEER, XFF1, "trust=" PEER PPXFF " proxy-protocol=required", REQ_PP_OK, PXY, SRC,
		  PP, 0 },
		{ PEER, XFF1, "trust=" PEER PPXFF " proxy-protocol=required", REQ_PP_LOST, 0, PEER,
		  0, F(TRUNCATED) },
		/* off: any preamble is unexpected, lost ones too. */
		{ PEER, XFF1, "trust=" PEER PPXFF " proxy-protocol=off", REQ_PP_OK, PXY, SRC, PP,
		  F(PP_UNEXPECTED) },
		{ PEER, XFF1, "trust=" PEER PPXFF " proxy-protocol=off", REQ_PP_OK, PP_CMD_LOCAL,
		  PEER, 0, F(PP_UNEXPECTED) },
		{ PEER, XFF1, "trust=" PEER PPXFF " proxy-protocol=off", REQ_PP_LOST, 0, PEER, 0,
		  F(PP_UNEXPECTED) | F(TRUNCATED) },
		{ PEER, XFF1, "trust=" PEER PPXFF " proxy-protocol=off", REQ_PP_MALFORMED, PXY,
		  PEER, 0, F(PP_UNEXPECTED) | F(PP_MALFORMED) },
		{ PEER, XFF1, "trust=" PEER PPXFF " proxy-protocol=off", REQ_PP_NONE, 0,
		  "192.0.2.1", XFF, 0 },
		/* optional: neither. */
		{ PEER, XFF1, "trust=" PEER PPXFF " proxy-protocol=optional", REQ_PP_NONE, 0,
		  "192.0.2.1", XFF, 0 },
	};

	(void)state;
	pp_table(rows, sizeof(rows) / sizeof(rows[0]));
	/* A PROXY preamble without an address (v2 over UNSPEC or UNIX) is as LOCAL. */
	memset(&pp_named, 0, sizeof(pp_named));
	run(PEER, "", "trust=" PEER PPXFF, NULL);
	preamble(REQ_PP_OK, 2, PXY, NULL);
	trust_resolve(&opts.rules[0], &req, NULL, &res, NULL);
	assert_int_equal(res.source, 0);
	assert_false(res.pp_used);
	assert_int_equal(res.findings, 0);
}

/*
 * One connection, several requests: their header clients must be one (the
 * spec), when the sender is shown to write the header (its first header
 * client is the preamble's source).
 */
static void test_pp_shared_connection(void **state)
{
	static const struct {
		const char *headers;
		bool shared;
	} reqs[] = {
		{ "", false }, /* no header client: neither sets nor compares */
		{ "X-Forwarded-For: 203.0.113.7\r\n", false }, /* the first: the source, kept */
		{ "X-Forwarded-For: 6.6.6.6, 203.0.113.7\r\n", false },
		{ "X-Forwarded-For: 203.0.113.7, unknown\r\n", false }, /* rightmost address */
		{ "X-Forwarded-For: 192.0.2.99\r\n", true },
		{ "X-Forwarded-For: unknown\r\n", false },
		{ "X-Forwarded-For: 203.0.113.7\r\n", false },
	};
	static struct trust_trace t;

	(void)state;
	memset(&pp_named, 0, sizeof(pp_named));
	for (size_t i = 0; i < sizeof(reqs) / sizeof(reqs[0]); i++) {
		run(PEER, reqs[i].headers, "trust=" PEER PPXFF, NULL);
		preamble(REQ_PP_OK, 2, PXY, SRC);
		trust_resolve(&opts.rules[0], &req, NULL, &res, NULL);
		if (!!(res.findings & F(PP_SHARED_CONNECTION)) != reqs[i].shared)
			fail_msg("request %zu: findings %#x", i, res.findings);
	}
	assert_true(pp_named.set);
	assert_false(pp_named.unrelated);
	assert_string_equal(trace_addr(&pp_named.addr), SRC);
	/*
	 * Behind a layer-4 sender the header is the client's: one client
	 * writing another X-Forwarded-For on each request raises nothing.
	 */
	memset(&pp_named, 0, sizeof(pp_named));
	for (unsigned int i = 1; i <= 4; i++) {
		char xff[64];

		snprintf(xff, sizeof(xff), "X-Forwarded-For: 6.6.6.%u\r\n", i);
		t.len = 0;
		run_pp(PEER, xff, "trust=" PEER PPXFF, REQ_PP_OK, PXY, SRC, &t);
		assert_false(res.findings & F(PP_SHARED_CONNECTION));
		assert_string_equal(trace_addr(&res.client), SRC);
		if (i == 1)
			assert_non_null(strstr(t.text, "first x-forwarded-for names 6.6.6.1, not "
						       "the preamble's source"));
	}
	assert_true(pp_named.unrelated);
	assert_false(pp_named.set);
	/* The same under a rule that reads the header, and one that reads the preamble alone. */
	memset(&pp_named, 0, sizeof(pp_named));
	run_pp(PEER, "X-Forwarded-For: 6.6.6.1\r\n", "trust=" PEER " header=proxy-protocol",
	       REQ_PP_OK, PXY, SRC, NULL);
	run_pp(PEER, "X-Forwarded-For: 6.6.6.2\r\n", "trust=" PEER " header=proxy-protocol",
	       REQ_PP_OK, PXY, SRC, NULL);
	assert_false(res.findings & F(PP_SHARED_CONNECTION));
	/* A broken preamble names no source: nothing shows the sender writes the header. */
	memset(&pp_named, 0, sizeof(pp_named));
	run(OTHER, "X-Real-IP: 192.0.2.5\r\n" XFF1, "trust=" PEER PPXFF, NULL);
	preamble(REQ_PP_MALFORMED, 1, PXY, NULL);
	trust_resolve(&opts.rules[0], &req, NULL, &res, NULL);
	assert_true(pp_named.unrelated);
	/* The header client is the first present listed header's, whether trusted or not. */
	memset(&pp_named, 0, sizeof(pp_named));
	run_pp(OTHER, "X-Real-IP: 192.0.2.5\r\nX-Forwarded-For: 203.0.113.7\r\n",
	       "trust=" PEER PPXFF, REQ_PP_MALFORMED, PXY, SRC, NULL);
	assert_string_equal(trace_addr(&pp_named.addr), SRC);
	run_pp(OTHER, "X-Real-IP: 192.0.2.6\r\nX-Forwarded-For: 203.0.113.7\r\n",
	       "trust=" PEER PPXFF, REQ_PP_MALFORMED, PXY, SRC, NULL);
	assert_false(res.findings & F(PP_SHARED_CONNECTION));
	/* A rule that reads the preamble alone still sees a sender mix clients: by the headers sent. */
	memset(&pp_named, 0, sizeof(pp_named));
	run_pp(PEER, "X-Forwarded-For: 203.0.113.7\r\n", "trust=" PEER " header=proxy-protocol",
	       REQ_PP_OK, PXY, SRC, NULL);
	assert_false(res.findings & F(PP_SHARED_CONNECTION));
	run_pp(PEER, "X-Forwarded-For: 192.0.2.77\r\n", "trust=" PEER " header=proxy-protocol",
	       REQ_PP_OK, PXY, SRC, NULL);
	assert_true(res.findings & F(PP_SHARED_CONNECTION));
	assert_string_equal(trace_addr(&res.client), SRC);
	/* Without a connection slot (resolve; no preamble), nothing is compared. */
	run_pp(PEER, "X-Forwarded-For: 192.0.2.50\r\n", "trust=" PEER PPXFF, REQ_PP_OK, PXY, SRC,
	       NULL);
	assert_true(res.findings & F(PP_SHARED_CONNECTION));
	run(PEER, "X-Forwarded-For: 192.0.2.51\r\n", "trust=" PEER PPXFF, NULL);
	preamble(REQ_PP_OK, 2, PXY, SRC);
	req.pp_named = NULL;
	trust_resolve(&opts.rules[0], &req, NULL, &res, NULL);
	assert_false(res.findings & F(PP_SHARED_CONNECTION));
}

/* A local proxy trusted by its owner (--trust-local) may send a preamble too. */
static void test_pp_trust_local(void **state)
{
	(void)state;
	memset(&pp_named, 0, sizeof(pp_named));
	peer_owner = owner_of(NGINX);
	run_pp("127.0.0.1", XFF1, "trust=none trust-local=user=www-data" PPXFF, REQ_PP_OK, PXY, SRC,
	       NULL);
	assert_string_equal(trace_addr(&res.client), SRC);
	assert_int_equal(res.source, PP);
	peer_owner = owner_of(SHELL);
	run_pp("127.0.0.1", XFF1, "trust=127.0.0.1 trust-local=user=www-data" PPXFF, REQ_PP_OK, PXY,
	       SRC, NULL);
	assert_string_equal(trace_addr(&res.client), "127.0.0.1");
	assert_true(res.findings & F(PP_FROM_UNTRUSTED_PEER));
	assert_true(res.findings & F(UNEXPECTED_LOCAL_PROCESS));
	run_pp("127.0.0.1", XFF1, "trust=127.0.0.1 trust-local=user=www-data hops=0" PPXFF,
	       REQ_PP_OK, PXY, SRC, NULL);
	assert_string_equal(trace_addr(&res.client), "127.0.0.1");
	peer_owner = NULL;
}

/* The worked example of docs/trust.md: HAProxy send-proxy-v2 to nginx real_ip_header proxy_protocol. */
static void test_pp_explain(void **state)
{
	static struct trust_trace t;

	(void)state;
	memset(&pp_named, 0, sizeof(pp_named));
	t.len = 0;
	run_pp(PEER, "X-Forwarded-For: 6.6.6.6\r\n", "trust=" PEER " header=proxy-protocol",
	       REQ_PP_OK, PXY, SRC, &t);
	assert_non_null(strstr(t.text, "peer 198.18.0.2: trusted (198.18.0.2/32)"));
	assert_non_null(strstr(t.text,
			       "preamble from 198.18.0.2 (v2): PROXY, source 203.0.113.7 port "
			       "51234: hop 1"));
	assert_non_null(strstr(t.text, "hop 1 203.0.113.7: not trusted, the client"));
	assert_non_null(strstr(t.text, "client 203.0.113.7 (proxy-protocol)"));
	/* Combined: hop 2 is the source, the header's one hop left of it. */
	t.len = 0;
	run_pp(PEER, XFF1, "trust=" PEER ",203.0.113.0/24" PPXFF, REQ_PP_OK, PXY, SRC, &t);
	assert_non_null(strstr(t.text, "reading x-forwarded-for: 1 hop"));
	assert_non_null(strstr(t.text, "port 51234: hop 2"));
	assert_non_null(strstr(t.text, "hop 2 203.0.113.7: trusted (203.0.113.0/24)"));
	assert_non_null(strstr(t.text, "hop 1 192.0.2.1: not trusted, the client"));
	assert_non_null(strstr(t.text, "client 192.0.2.1 (x-forwarded-for)"));
	/* Each state says what it is. */
	t.len = 0;
	run_pp(PEER, "", "trust=" PEER PPXFF, REQ_PP_MALFORMED, PXY, SRC, &t);
	assert_non_null(strstr(t.text, "preamble from 198.18.0.2 is malformed (v1: port 080 has a "
				       "leading zero): not used (proxy-protocol-malformed)"));
	t.len = 0;
	run_pp(PEER, "", "trust=" PEER PPXFF, REQ_PP_OK, PP_CMD_LOCAL, SRC, &t);
	assert_non_null(strstr(t.text, "LOCAL, the proxy's own (a health check)"));
	/* A preamble without a client: the peer, and the header behind it is not read. */
	t.len = 0;
	run_pp(PEER, XFF2, "trust=" PEER PPXFF, REQ_PP_OK, PP_CMD_UNKNOWN, SRC, &t);
	assert_non_null(strstr(t.text, "preamble from 198.18.0.2 (v2): UNKNOWN: it names no "
				       "client: the peer is the client, and no header is read\n"));
	assert_non_null(strstr(t.text, "client 198.18.0.2 (the TCP peer)"));
	assert_null(strstr(t.text, "hop 1"));
	assert_false(res.findings & F(LEFTMOST_DIFFERS));
	t.len = 0;
	run_pp(PEER, XFF1, "trust=" PEER PPXFF, REQ_PP_LOST, 0, SRC, &t);
	assert_non_null(strstr(t.text, "lost before it was read (truncated): the peer is the "
				       "client, and no header is read"));
	t.len = 0;
	run_pp(PEER, XFF1, "trust=" PEER " header=x-forwarded-for", REQ_PP_OK, PP_CMD_LOCAL, SRC,
	       &t);
	assert_non_null(strstr(t.text, "it names no client, not used"));
	/* The start unseen: the headers are walked, and whether a preamble stood first is not known. */
	t.len = 0;
	run_pp(PEER, XFF1, "trust=" PEER PPXFF, REQ_PP_UNKNOWN, 0, SRC, &t);
	assert_non_null(strstr(t.text, "the connection's start was not seen: whether a PROXY "
				       "preamble stood for the peer is not known (truncated)"));
	assert_non_null(strstr(t.text, "client 192.0.2.1 (x-forwarded-for)"));
	t.len = 0;
	run_pp(PEER, XFF1, "trust=" PEER " header=proxy-protocol", REQ_PP_UNKNOWN, 0, SRC, &t);
	assert_non_null(strstr(t.text, "the connection's start was not seen: no PROXY preamble "
				       "known"));
	assert_false(res.findings & F(TRUNCATED));
	t.len = 0;
	run_pp(OTHER, "", "trust=" PEER PPXFF, REQ_PP_OK, PXY, SRC, &t);
	assert_non_null(strstr(t.text, "(proxy-protocol-from-untrusted-peer)"));
	t.len = 0;
	run_pp(PEER, "", "trust=" PEER PPXFF " proxy-protocol=required", REQ_PP_NONE, 0, SRC, &t);
	assert_non_null(strstr(t.text, "(proxy-protocol-missing)"));
	t.len = 0;
	run_pp(PEER, "", "trust=" PEER " hops=0" PPXFF, REQ_PP_OK, PXY, SRC, &t);
	assert_non_null(strstr(t.text, "it stands for the peer"));
	assert_non_null(strstr(t.text, "hops = 0: the preamble's source is the client"));
}

/* hop_walk_run, the doctor's walk over an event's texts, agrees with trust_resolve. */
static void test_pp_hop_walk(void **state)
{
	static const struct {
		const char *peer, *spec;
		const char *hops[2];
		size_t n;
		bool with_pp;
		size_t client; /* index: n the source (when used), then the peer */
		bool pp_used;
	} rows[] = {
		{ PEER, "trust=" PEER PPXFF, { "192.0.2.1" }, 1, true, 1, true },
		{ PEER, "trust=" PEER ",203.0.113.0/24" PPXFF, { "192.0.2.1" }, 1, true, 0, true },
		{ PEER,
		  "trust=" PEER ",203.0.113.0/24" PPXFF,
		  { "192.0.2.1" },
		  1,
		  false,
		  0,
		  false },
		{ PEER,
		  "trust=" PEER " header=x-forwarded-for",
		  { "192.0.2.1" },
		  1,
		  true,
		  0,
		  false },
		{ OTHER, "trust=" PEER PPXFF, { "192.0.2.1" }, 1, true, 1, false },
		{ PEER, "trust=" PEER " header=proxy-protocol", { 0 }, 0, true, 0, true },
		{ PEER, "trust=" PEER " hops=0" PPXFF, { "192.0.2.1" }, 1, true, 1, true },
		{ PEER, "trust=" PEER " hops=1" PPXFF, { "192.0.2.1" }, 1, true, 0, true },
		{ PEER, "trust=" PEER " hops=2" PPXFF, { "192.0.2.1" }, 1, true, 1, true },
		{ OTHER, "trust=" PEER " hops=0" PPXFF, { "192.0.2.1" }, 1, true, 1, false },
	};
	struct ip_addr src, peer;

	(void)state;
	assert_int_equal(ip_parse(SRC, strlen(SRC), &src), 0);
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct str texts[2];
		struct hop_walk w;
		struct hop_walk_in in = { .peer = &peer,
					  .owner_verdict = -1,
					  .id = XFF,
					  .hops = texts,
					  .n = rows[i].n,
					  .pp_src = rows[i].with_pp ? &src : NULL };

		for (size_t k = 0; k < rows[i].n; k++)
			texts[k] = (struct str){ rows[i].hops[k], strlen(rows[i].hops[k]) };
		assert_int_equal(ip_parse(rows[i].peer, strlen(rows[i].peer), &peer), 0);
		run(rows[i].peer, "", rows[i].spec, NULL);
		hop_walk_run(&opts.rules[0], &in, &w);
		if (w.client != rows[i].client || w.pp_used != rows[i].pp_used)
			fail_msg("row %zu: client %zu pp_used %d", i, w.client, w.pp_used);
	}
	/* A preamble without a client, under a rule that reads it: the peer, as trust_resolve. */
	for (size_t i = 0; i < 3; i++) {
		static const char *const specs[] = { "trust=" PEER PPXFF,
						     "trust=" PEER " hops=1" PPXFF,
						     "trust=" PEER " header=x-forwarded-for" };
		struct str text = { "192.0.2.1", 9 };
		struct hop_walk_in in = { .peer = &peer,
					  .owner_verdict = -1,
					  .id = XFF,
					  .hops = &text,
					  .n = 1,
					  .pp_declines = true };
		struct hop_walk w;

		assert_int_equal(ip_parse(PEER, strlen(PEER), &peer), 0);
		memset(&pp_named, 0, sizeof(pp_named));
		run_pp(PEER, XFF1, specs[i], REQ_PP_OK, PP_CMD_LOCAL, SRC, NULL);
		hop_walk_run(&opts.rules[0], &in, &w);
		assert_int_equal(w.client, res.source ? 0 : 1);
		assert_int_equal(w.client, i == 2 ? 0 : 1);
		assert_false(w.pp_used);
	}
}

/* The names events write with their lengths say what the plain names say. */
static void test_name_lengths(void **state)
{
	(void)state;
	for (unsigned int f = 0; f < FINDING__MAX; f++) {
		struct str n = finding_str(f);

		assert_ptr_equal(n.p, finding_name(f));
		assert_int_equal(n.len, strlen(finding_name(f)));
	}
	assert_null(finding_str(FINDING__MAX).p);
	assert_int_equal(finding_str(FINDING__MAX).len, 0);
	for (unsigned int id = 0; id <= TRUST_PROXY_PROTOCOL + 1; id++) {
		struct str k = trust_source_str(id);
		const char *want = id == TRUST_PROXY_PROTOCOL ? "proxy-protocol" : field_key(id);

		if (!want) {
			assert_null(k.p);
			assert_int_equal(k.len, 0);
			continue;
		}
		assert_int_equal(k.len, strlen(want));
		assert_memory_equal(k.p, want, k.len);
		assert_string_equal(trust_source_key(id), want);
	}
	for (unsigned int seen = 0; seen < 256; seen++) {
		struct str n = sock_seen_str(seen);

		assert_string_equal(n.p, sock_seen_name(seen));
		assert_int_equal(n.len, strlen(n.p));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_lengths),
		cmocka_unit_test(test_forwarded),
		cmocka_unit_test(test_proxyfix_table),
		cmocka_unit_test(test_external_proxies),
		cmocka_unit_test(test_header_preference),
		cmocka_unit_test(test_header_conflict),
		cmocka_unit_test(test_explain),
		cmocka_unit_test(test_trust_local),
		cmocka_unit_test(test_trust_local_trace),
		cmocka_unit_test(test_trust_local_inherit),
		cmocka_unit_test(test_pp_cidr),
		cmocka_unit_test(test_pp_hops),
		cmocka_unit_test(test_pp_states),
		cmocka_unit_test(test_pp_shared_connection),
		cmocka_unit_test(test_pp_trust_local),
		cmocka_unit_test(test_pp_explain),
		cmocka_unit_test(test_pp_hop_walk),
	};

	return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
