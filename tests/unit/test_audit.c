// SPDX-License-Identifier: BSD-2-Clause
/* The audit event: ECS names, values, and no way for a header to forge a field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "json_at.h"
#include <jansson.h>

#include "event/audit_event.h"
#include "event/proxy_event.h"
#include "pipeline/clock.h"
#include "pipeline/proxy_preamble.h"
#include "helpers.h"

static struct xffw_record rec;
static struct http_request req;
static struct resolution res;
/* Privacy settings for the next event() */
static struct audit_meta privacy;
/* The rule reads Forwarded instead of X-Forwarded-For. */
static bool use_forwarded;
/* The sockets' owners for the next event() ([XFFW_DIR_*]), and the rule's --trust-local. */
static const struct sock_owner *owners[2];
static const struct owner_spec *trust_local;
static size_t ntrust_local;
/* The connection's preamble for the next event() (enum req_pp_state; pp NULL but for ok, malformed, truncated). */
static uint8_t pp_state;
static const struct pp_info *pp;

static const struct ip_cidr *loopback(size_t *n)
{
	static struct ip_cidr c[2];

	ip_cidr_parse("127.0.0.0/8", 11, &c[0], NULL);
	ip_cidr_parse("::1", 3, &c[1], NULL);
	*n = 2;
	return c;
}

/* The event for @head from @peer, parsed back; one line, nothing after it. */
static json_t *event(const char *head, const char *peer)
{
	struct trust_rule cfg = {
		.headers = { XFFW_F_X_FORWARDED_FOR }, .nheaders = 1, .recursive = true, .hops = -1
	};

	if (use_forwarded)
		cfg.headers[0] = XFFW_F_FORWARDED;
	struct audit_meta meta = { .when = { 1795779600, 123456789 }, .ifname = "lo" };

	meta.pseudo = privacy.pseudo;
	meta.keep_query = privacy.keep_query;
	meta.hide_user_agent = privacy.hide_user_agent;
	meta.owner[XFFW_DIR_REQUEST] = owners[XFFW_DIR_REQUEST];
	meta.owner[XFFW_DIR_RESPONSE] = owners[XFFW_DIR_RESPONSE];
	cfg.local = trust_local;
	cfg.nlocal = ntrust_local;
	struct jsonw j;
	json_error_t err;
	json_t *doc;

	cfg.trusted = loopback(&cfg.ntrusted);
	assert_int_equal(req_from_head(head, strlen(head), peer, &rec, &req), 0);
	req.pp_state = pp_state;
	req.pp = pp;
	trust_resolve(&cfg, &req, owners[XFFW_DIR_REQUEST], &res, NULL);
	jsonw_init(&j);
	audit_format(&j, &req, &res, &meta);
	assert_false(j.failed);
	assert_true(j.len > 0 && j.buf[j.len - 1] == '\n');
	assert_ptr_equal(memchr(j.buf, '\n', j.len), j.buf + j.len - 1);
	doc = json_loadb(j.buf, j.len, 0, &err);
	if (!doc)
		fail_msg("invalid event (%s): %.*s", err.text, (int)j.len, j.buf);
	jsonw_free(&j);
	return doc;
}

static json_int_t int_at(json_t *doc, const char *path)
{
	json_t *v = at(doc, path);

	if (!json_is_integer(v))
		fail_msg("%s is not an integer", path);
	return json_integer_value(v);
}

static void test_nginx_event(void **state)
{
	json_t *doc = event("GET /hello/world?token=secret#frag HTTP/1.1\r\n"
			    "Host: shop.example:8443\r\n"
			    "X-Real-IP: 198.18.0.1\r\n"
			    "X-Forwarded-For: 203.0.113.9, 198.18.0.1\r\n"
			    "X-Forwarded-Proto: https\r\n"
			    "Connection: close\r\n"
			    "User-Agent: Mozilla/5.0 (X11)\r\n\r\n",
			    "127.0.0.1");
	json_t *findings, *chain, *fwd;
	char *dump;

	(void)state;
	assert_string_equal(str_at(doc, "@timestamp"), "2026-11-27T11:40:00.123456Z");
	assert_string_equal(str_at(doc, "event.dataset"), "xffwatch.audit");
	assert_string_equal(str_at(doc, "client.ip"), "198.18.0.1");
	assert_string_equal(str_at(doc, "source.ip"), "127.0.0.1");
	assert_int_equal(int_at(doc, "source.port"), 40000);
	assert_string_equal(str_at(doc, "destination.ip"), "127.0.0.1");
	assert_int_equal(int_at(doc, "destination.port"), 5000);
	assert_string_equal(str_at(doc, "http.request.method"), "GET");
	assert_string_equal(str_at(doc, "http.version"), "1.1");
	assert_string_equal(str_at(doc, "url.path"), "/hello/world");
	assert_string_equal(str_at(doc, "url.domain"), "shop.example");
	assert_int_equal(int_at(doc, "url.port"), 8443);
	assert_string_equal(str_at(doc, "user_agent.original"), "Mozilla/5.0 (X11)");
	assert_string_equal(str_at(doc, "observer.ingress.interface.name"), "lo");
	assert_string_equal(str_at(doc, "xffwatch.trust.header"), "x-forwarded-for");
	chain = json_object_get(json_object_get(json_object_get(doc, "xffwatch"), "trust"),
				"chain");
	assert_int_equal(json_array_size(chain), 2);
	assert_string_equal(json_string_value(json_array_get(chain, 0)), "203.0.113.9");
	assert_string_equal(json_string_value(json_array_get(chain, 1)), "198.18.0.1");
	findings = at(doc, "xffwatch.findings");
	assert_int_equal(json_array_size(findings), 1);
	assert_string_equal(json_string_value(json_array_get(findings, 0)), "leftmost-differs");
	/* The echoed headers under their keys, whole (their lengths come from a table). */
	fwd = at(doc, "xffwatch.forwarded");
	assert_int_equal(json_object_size(fwd), 3);
	assert_string_equal(json_string_value(json_array_get(json_object_get(fwd, "x-real-ip"), 0)),
			    "198.18.0.1");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(fwd, "x-forwarded-for"), 0)),
		"203.0.113.9, 198.18.0.1");
	assert_string_equal(
		json_string_value(json_array_get(json_object_get(fwd, "x-forwarded-proto"), 0)),
		"https");
	/* The query string never reaches the event. */
	dump = json_dumps(doc, 0);
	assert_null(strstr(dump, "secret"));
	free(dump);
	json_decref(doc);
}

static void test_peer_event(void **state)
{
	json_t *doc =
		event("POST /direct HTTP/1.0\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n", "fd00::1");
	json_t *findings;

	(void)state;
	assert_string_equal(str_at(doc, "client.ip"), "fd00::1");
	assert_string_equal(str_at(doc, "xffwatch.trust.header"), "peer");
	assert_string_equal(str_at(doc, "http.version"), "1.0");
	assert_string_equal(str_at(doc, "network.type"), "ipv6");
	assert_null(json_object_get(doc, "user_agent"));
	findings = at(doc, "xffwatch.findings");
	assert_int_equal(json_array_size(findings), 2);
	assert_string_equal(json_string_value(json_array_get(findings, 0)),
			    "spoofed-header-from-untrusted-peer");
	assert_string_equal(json_string_value(json_array_get(findings, 1)), "leftmost-differs");
	json_decref(doc);
}

static void test_hostile_values_stay_values(void **state)
{
	json_t *doc =
		event("GET /x\"y HTTP/1.1\r\n"
		      "Host: a\"b\\c\r\n"
		      "User-Agent: \",\"client\":{\"ip\":\"6.6.6.6\"},\"x\":\"\r\r\xff\xc3\r\n"
		      "X-Forwarded-For: 198.18.0.7\r\n\r\n",
		      "127.0.0.1");

	(void)state;
	assert_string_equal(str_at(doc, "client.ip"), "198.18.0.7");
	assert_string_equal(str_at(doc, "url.path"), "/x\"y");
	assert_string_equal(str_at(doc, "url.domain"), "a\"b\\c");
	assert_string_equal(
		str_at(doc, "user_agent.original"),
		"\",\"client\":{\"ip\":\"6.6.6.6\"},\"x\":\"\r\r\xef\xbf\xbd\xef\xbf\xbd");
	json_decref(doc);
}

static void test_url_path(void **state)
{
	static const struct {
		const char *target, *path;
	} cases[] = {
		{ "/a/b?x=1#y", "/a/b" },
		{ "/", "/" },
		{ "/?q", "/" },
		{ "http://h:1/p?q", "/p" },
		{ "http://h", "/" },
		{ "https://h?x", "/" },
		{ "*", "*" },
		{ "h.example:443", "h.example:443" },
		{ "/a:b//c", "/a:b//c" },
		{ "", "" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct str p = url_path((struct str){ cases[i].target, strlen(cases[i].target) });

		assert_int_equal(p.len, strlen(cases[i].path));
		assert_memory_equal(p.p, cases[i].path, p.len);
	}
}

static void test_host_domain(void **state)
{
	static const struct {
		const char *host, *domain;
		unsigned int port;
	} cases[] = {
		{ "a.example", "a.example", 0 },
		{ "a.example:80", "a.example", 80 },
		{ "[::1]:5000", "::1", 5000 },
		{ "[::1]", "::1", 0 },
		{ "::1", "::1", 0 },
		{ "a:99999", "a", 0 },
		{ "a:x", "a", 0 },
		{ "", "", 0 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		unsigned int port;
		struct str d =
			host_domain((struct str){ cases[i].host, strlen(cases[i].host) }, &port);

		assert_int_equal(d.len, strlen(cases[i].domain));
		assert_memory_equal(d.p, cases[i].domain, d.len);
		assert_int_equal(port, cases[i].port);
	}
}

static const char proxied[] = "GET /login?user=alice&token=secret HTTP/1.1\r\n"
			      "Host: shop.example\r\n"
			      "X-Forwarded-For: 203.0.113.9, unknown, _hidden, 2001:db8:1:2::5\r\n"
			      "Forwarded: for=203.0.113.9\r\n"
			      "User-Agent: Mozilla/5.0 (X11)\r\n\r\n";

/* Truncation reaches every place a client address is written, and nothing raw is left. */
static void test_truncated_addresses(void **state)
{
	struct pseudo p = { .mode = PSEUDO_TRUNCATE };
	json_t *doc, *chain;
	char *dump;

	(void)state;
	privacy = (struct audit_meta){ .pseudo = &p };
	doc = event(proxied, "127.0.0.1");
	assert_string_equal(str_at(doc, "client.ip"), "2001:db8:1::");
	chain = at(doc, "xffwatch.trust.chain");
	assert_int_equal(json_array_size(chain), 4);
	assert_string_equal(json_string_value(json_array_get(chain, 0)), "203.0.113.0");
	assert_string_equal(json_string_value(json_array_get(chain, 1)), "unknown");
	/* An obfuscated identifier may hide anything a client wrote: its value goes. */
	assert_string_equal(json_string_value(json_array_get(chain, 2)), "_obfuscated");
	assert_string_equal(json_string_value(json_array_get(chain, 3)), "2001:db8:1::");
	/* The trusted proxy is not a client: it stays as it is. */
	assert_string_equal(str_at(doc, "source.ip"), "127.0.0.1");
	assert_string_equal(str_at(doc, "xffwatch.pseudonymized.method"), "truncate");
	assert_null(at(doc, "xffwatch.forwarded"));
	dump = json_dumps(doc, 0);
	assert_null(strstr(dump, "203.0.113.9"));
	assert_null(strstr(dump, "2::5"));
	assert_null(strstr(dump, "secret"));
	free(dump);
	json_decref(doc);

	/* An untrusted peer is the client: its address is cut too. */
	doc = event(proxied, "198.18.7.7");
	assert_string_equal(str_at(doc, "client.ip"), "198.18.7.0");
	assert_string_equal(str_at(doc, "source.ip"), "198.18.7.0");
	json_decref(doc);
	privacy = (struct audit_meta){ 0 };
}

/* Forwarded: for= and by= of every element, whatever a client forged into them. */
static void test_truncated_forwarded(void **state)
{
	static const char head[] =
		"GET / HTTP/1.1\r\n"
		"Forwarded: for=_alice@example.com;by=203.0.113.66:80, "
		"for=\"[2001:db8:1:2::7]:_p\";by=_203.0.113.5, for=198.51.100.1;by=unknown, "
		"for=\"_hidden:_p\";by=\"_h:8080\"\r\n\r\n";
	struct pseudo p = { .mode = PSEUDO_TRUNCATE };
	json_t *doc, *el;
	char *dump;

	(void)state;
	privacy = (struct audit_meta){ .pseudo = &p };
	use_forwarded = true;
	doc = event(head, "127.0.0.1");
	el = at(doc, "xffwatch.trust.elements");
	assert_int_equal(json_array_size(el), 4);
	/* Obfuscated nodes with a port (RFC 7239 allows both) are still that. */
	assert_string_equal(str_at(json_array_get(el, 3), "for"), "_obfuscated");
	assert_string_equal(str_at(json_array_get(el, 3), "by"), "_obfuscated");
	assert_string_equal(str_at(json_array_get(el, 0), "for"), "invalid");
	assert_string_equal(str_at(json_array_get(el, 0), "by"), "203.0.113.0");
	assert_string_equal(str_at(json_array_get(el, 1), "for"), "2001:db8:1::");
	assert_string_equal(str_at(json_array_get(el, 1), "by"), "_obfuscated");
	assert_string_equal(str_at(json_array_get(el, 2), "by"), "unknown");
	dump = json_dumps(doc, 0);
	assert_null(strstr(dump, "alice"));
	assert_null(strstr(dump, "203.0.113.66"));
	assert_null(strstr(dump, "203.0.113.5"));
	assert_null(strstr(dump, "2::7"));
	free(dump);
	json_decref(doc);
	use_forwarded = false;
	privacy = (struct audit_meta){ 0 };
}

static void test_query_and_user_agent(void **state)
{
	json_t *doc;

	(void)state;
	doc = event(proxied, "127.0.0.1");
	assert_null(at(doc, "url.query"));
	assert_string_equal(str_at(doc, "user_agent.original"), "Mozilla/5.0 (X11)");
	json_decref(doc);
	privacy = (struct audit_meta){ .keep_query = true, .hide_user_agent = true };
	doc = event(proxied, "127.0.0.1");
	assert_string_equal(str_at(doc, "url.query"), "user=alice&token=secret");
	assert_string_equal(str_at(doc, "url.path"), "/login");
	assert_null(at(doc, "user_agent"));
	json_decref(doc);
	privacy = (struct audit_meta){ 0 };
}

static void test_timestamp(void **state)
{
	char buf[32];
	struct timespec ts = { 0, 999999999 };

	(void)state;
	assert_int_equal(clock_rfc3339(&ts, buf), 27);
	assert_string_equal(buf, "1970-01-01T00:00:00.999999Z");
	/* A capture's times are anyone's: always a date, held within 1970 to 9999. */
	ts = (struct timespec){ -1, 5000 };
	assert_int_equal(clock_rfc3339(&ts, buf), 27);
	assert_string_equal(buf, "1970-01-01T00:00:00.000000Z");
	ts = (struct timespec){ CLOCK_RFC3339_LAST, 999999999 };
	assert_int_equal(clock_rfc3339(&ts, buf), 27);
	assert_string_equal(buf, "9999-12-31T23:59:59.999999Z");
	ts = (struct timespec){ CLOCK_RFC3339_LAST + 1, 0 };
	assert_int_equal(clock_rfc3339(&ts, buf), 27);
	assert_string_equal(buf, "9999-12-31T23:59:59.999999Z");
	ts = (struct timespec){ 1, 123456789 };
	assert_int_equal(clock_rfc3339_digits(&ts, buf, 9), 30);
	assert_string_equal(buf, "1970-01-01T00:00:01.123456789Z");
	ts = (struct timespec){ 4102444800, -7 };
	assert_int_equal(clock_rfc3339(&ts, buf), 27);
	assert_string_equal(buf, "2100-01-01T00:00:00.000000Z");
}

#define HEX64 "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

/* A socket of this host: @uid, named @name unless NULL, cgroup @id at @path unless NULL. */
static struct sock_owner local_owner(uint32_t uid, const char *name, uint64_t id, const char *path)
{
	struct sock_owner o = { .seen = XFFW_SOCK_LOCAL, .uid = uid, .cgroup_id = id };

	o.user_known = name != NULL;
	snprintf(o.user, sizeof(o.user), "%s", name ? name : "");
	o.gids[o.ngids++] = uid;
	if (path) {
		o.cgroup_known = true;
		snprintf(o.cgroup, sizeof(o.cgroup), "%s", path);
		cgroup_path_facts(o.cgroup, strlen(o.cgroup), &o.facts);
	}
	return o;
}

static const char *const nginx_head =
	"GET /i HTTP/1.1\r\nHost: app\r\nX-Forwarded-For: 203.0.113.9\r\n\r\n";

/*
 * source.user and destination.user (ECS) from the sockets' owners, and
 * xffwatch.identity: cgroup, unit, container.
 */
static void test_identity_fields(void **state)
{
	struct sock_owner nginx = local_owner(33, "www-data", 1234, "/system.slice/nginx.service");
	struct sock_owner app = local_owner(1000, NULL, 99, "/system.slice/docker-" HEX64 ".scope");
	json_t *doc;

	(void)state;
	owners[XFFW_DIR_REQUEST] = &nginx;
	owners[XFFW_DIR_RESPONSE] = &app;
	doc = event(nginx_head, "127.0.0.1");
	assert_string_equal(str_at(doc, "client.ip"), "203.0.113.9");
	assert_string_equal(str_at(doc, "source.user.id"), "33");
	assert_string_equal(str_at(doc, "source.user.name"), "www-data");
	assert_int_equal(json_object_size(at(doc, "source.user")), 2);
	/* A uid not in the user database: its number only. */
	assert_string_equal(str_at(doc, "destination.user.id"), "1000");
	assert_null(at(doc, "destination.user.name"));
	assert_string_equal(str_at(doc, "xffwatch.identity.source.seen"), "local");
	assert_int_equal(int_at(doc, "xffwatch.identity.source.cgroup.id"), 1234);
	assert_string_equal(str_at(doc, "xffwatch.identity.source.cgroup.path"),
			    "/system.slice/nginx.service");
	assert_string_equal(str_at(doc, "xffwatch.identity.source.unit"), "nginx.service");
	assert_null(at(doc, "xffwatch.identity.source.container"));
	assert_string_equal(str_at(doc, "xffwatch.identity.destination.seen"), "local");
	assert_int_equal(int_at(doc, "xffwatch.identity.destination.cgroup.id"), 99);
	assert_string_equal(str_at(doc, "xffwatch.identity.destination.unit"),
			    "docker-" HEX64 ".scope");
	assert_string_equal(str_at(doc, "xffwatch.identity.destination.container.id"), HEX64);
	assert_string_equal(str_at(doc, "xffwatch.identity.destination.container.runtime"),
			    "docker");
	/* Decided by address: no peer_rule. */
	assert_null(at(doc, "xffwatch.trust.peer_rule"));
	json_decref(doc);

	/* A container whose runtime the path does not say; a cgroup id not found. */
	app = local_owner(0, "root", 7, "/kubepods/besteffort/pod1/" HEX64);
	nginx = local_owner(33, "www-data", 1234, NULL);
	doc = event(nginx_head, "127.0.0.1");
	assert_string_equal(str_at(doc, "xffwatch.identity.destination.container.id"), HEX64);
	assert_null(at(doc, "xffwatch.identity.destination.container.runtime"));
	assert_null(at(doc, "xffwatch.identity.destination.unit"));
	assert_string_equal(str_at(doc, "destination.user.name"), "root");
	assert_string_equal(str_at(doc, "destination.user.id"), "0");
	assert_int_equal(int_at(doc, "xffwatch.identity.source.cgroup.id"), 1234);
	assert_null(at(doc, "xffwatch.identity.source.cgroup.path"));
	assert_null(at(doc, "xffwatch.identity.source.unit"));
	json_decref(doc);

	/* Given, not recorded (resolve --peer-cgroup): no id, and no uid to claim. */
	nginx = local_owner(OWNER_UID_NONE, NULL, 0, "/system.slice/nginx.service");
	doc = event(nginx_head, "127.0.0.1");
	assert_null(at(doc, "xffwatch.identity.source.cgroup.id"));
	assert_string_equal(str_at(doc, "xffwatch.identity.source.cgroup.path"),
			    "/system.slice/nginx.service");
	assert_null(at(doc, "source.user"));
	json_decref(doc);
	owners[0] = owners[1] = NULL;
}

/* A peer from another host or namespace, a flow picked up mid-stream, and no owners at all. */
static void test_identity_not_local(void **state)
{
	struct sock_owner remote = local_owner(33, "www-data", 1234, "/system.slice/nginx.service");
	struct sock_owner unseen = remote;
	json_t *doc;

	(void)state;
	remote.seen = XFFW_SOCK_NONE;
	unseen.seen = XFFW_SOCK_UNSEEN;
	owners[XFFW_DIR_REQUEST] = &remote;
	owners[XFFW_DIR_RESPONSE] = &unseen;
	doc = event(nginx_head, "198.18.0.1");
	assert_null(at(doc, "source.user"));
	assert_null(at(doc, "destination.user"));
	assert_string_equal(str_at(doc, "xffwatch.identity.source.seen"), "none");
	assert_int_equal(json_object_size(at(doc, "xffwatch.identity.source")), 1);
	assert_string_equal(str_at(doc, "xffwatch.identity.destination.seen"), "unseen");
	assert_int_equal(json_object_size(at(doc, "xffwatch.identity.destination")), 1);
	json_decref(doc);

	/* A capture: nothing is known, nothing is written. */
	owners[XFFW_DIR_REQUEST] = owners[XFFW_DIR_RESPONSE] = NULL;
	doc = event(nginx_head, "127.0.0.1");
	assert_null(at(doc, "source.user"));
	assert_null(at(doc, "destination.user"));
	assert_null(at(doc, "xffwatch.identity"));
	assert_null(at(doc, "xffwatch.trust.peer_rule"));
	json_decref(doc);
}

static bool has_string(json_t *array, const char *s)
{
	for (size_t i = 0; i < json_array_size(array); i++)
		if (!strcmp(json_string_value(json_array_get(array, i)), s))
			return true;
	return false;
}

/* xffwatch.trust.peer_rule says when the peer's owner, not its address, decided. */
static void test_identity_peer_rule(void **state)
{
	struct sock_owner nginx = local_owner(33, "www-data", 1, "/system.slice/nginx.service");
	struct sock_owner shell = local_owner(1000, NULL, 2, "/user.slice/session-3.scope");
	struct sock_owner remote = nginx;
	static struct owner_spec spec; /* the rule's, past a failed assertion too */
	char why[128];
	json_t *doc, *findings;

	(void)state;
	assert_int_equal(owner_spec_parse("unit=nginx", &spec, why, sizeof(why)), 0);
	trust_local = &spec;
	ntrust_local = 1;
	owners[XFFW_DIR_RESPONSE] = &shell;

	owners[XFFW_DIR_REQUEST] = &nginx;
	doc = event(nginx_head, "127.0.0.1");
	assert_string_equal(str_at(doc, "client.ip"), "203.0.113.9");
	assert_string_equal(str_at(doc, "xffwatch.trust.peer_rule"), "trust-local");
	assert_true(json_is_true(at(doc, "xffwatch.trust.peer_trusted")));
	json_decref(doc);

	owners[XFFW_DIR_REQUEST] = &shell;
	doc = event(nginx_head, "127.0.0.1");
	assert_string_equal(str_at(doc, "client.ip"), "127.0.0.1");
	assert_string_equal(str_at(doc, "xffwatch.trust.peer_rule"), "trust-local");
	assert_true(json_is_false(at(doc, "xffwatch.trust.peer_trusted")));
	findings = at(doc, "xffwatch.findings");
	assert_true(has_string(findings, "header-from-unexpected-local-process"));
	assert_false(has_string(findings, "spoofed-header-from-untrusted-peer"));
	json_decref(doc);

	/* A remote peer is judged by address, even with trust-local. */
	remote.seen = XFFW_SOCK_NONE;
	owners[XFFW_DIR_REQUEST] = &remote;
	doc = event(nginx_head, "127.0.0.1");
	assert_string_equal(str_at(doc, "client.ip"), "203.0.113.9");
	assert_null(at(doc, "xffwatch.trust.peer_rule"));
	json_decref(doc);
	trust_local = NULL;
	ntrust_local = 0;
	owners[0] = owners[1] = NULL;
}

/* Names and paths are the host's bytes: escaped, whole in the full form, cut in the short one. */
static void test_identity_hostile(void **state)
{
	static char path[CGROUP_PATH_MAX + 1], name[OWNER_NAME_MAX + 1];
	struct sock_owner a, b;
	json_t *doc;

	(void)state;
	memset(path, 0, sizeof(path));
	/* A unit only below slices, its name 200 hostile bytes; then more of them. */
	strcpy(path, "/a.slice/");
	for (size_t i = 9; i < 209; i++)
		path[i] = "\"\\\x01\x1f\x7f\xc3\xa9 "[i % 8];
	strcpy(path + 209, ".service/");
	for (size_t i = 218; i < CGROUP_PATH_MAX; i++)
		path[i] = "\"\\\x01\x1f\x7f\xc3\xa9/"[i % 8];
	path[CGROUP_PATH_MAX - 1] = 'x'; /* exactly CGROUP_PATH_MAX bytes */
	assert_int_equal(strlen(path), CGROUP_PATH_MAX);
	for (size_t i = 0; i < OWNER_NAME_MAX; i++)
		name[i] = "\"\n\x7f\\"[i % 4];
	/* (The largest id jansson reads: kernfs ids are far below it.) */
	a = local_owner(33, name, INT64_MAX, path);
	b = a;
	owners[XFFW_DIR_REQUEST] = &a;
	owners[XFFW_DIR_RESPONSE] = &b;
	doc = event(nginx_head, "127.0.0.1");
	assert_string_equal(str_at(doc, "source.user.name"), name);
	assert_string_equal(str_at(doc, "xffwatch.identity.source.cgroup.path"), path);
	assert_string_equal(str_at(doc, "xffwatch.identity.destination.cgroup.path"), path);
	assert_true(a.facts.unit[0]);
	assert_string_equal(str_at(doc, "xffwatch.identity.source.unit"), a.facts.unit);
	assert_true(int_at(doc, "xffwatch.identity.source.cgroup.id") == INT64_MAX);
	json_decref(doc);
	owners[0] = owners[1] = NULL;
}

static struct pp_info max_preamble(void);

/*
 * The short form (meta.shorten) stays within AUDIT_SHORT_MAX whatever the
 * request and its interface hold: every text at its cut and past it, made of
 * bytes that escape to six ("\u007f"), many hops, every finding.
 */
static void test_short_form_bound(void **state)
{
	static char head[XFFW_HEAD_HARD_MAX], junk[4096];
	static struct link_meta peer;
	static struct sock_owner owner[2];
	/* A preamble at its longest, every text escaping to six: the short form keeps none. */
	struct pp_info p = max_preamble();
	struct trust_rule cfg = {
		.headers = { XFFW_F_X_FORWARDED_FOR }, .nheaders = 1, .recursive = true, .hops = -1
	};
	struct audit_meta meta = { .when = { 1795779600, 123456789 },
				   .ifname = "ifname-15-chars",
				   .bridge = "bridge-15-chars",
				   .peer = &peer,
				   .status = 599,
				   .duration_ns = INT64_MAX,
				   .no_response = "shutdown",
				   .keep_query = true,
				   .shorten = true };
	struct jsonw j;
	json_error_t err;
	json_t *doc;
	size_t n;

	(void)state;
	memset(junk, 0x7f, sizeof(junk));
	memset(peer.peer_ifname, 0x7f, sizeof(peer.peer_ifname) - 1);
	memset(peer.netns, 0x7f, sizeof(peer.netns) - 1);
	memset(peer.container_id, 0x7f, sizeof(peer.container_id) - 1);
	memset(peer.container_name, 0x7f, sizeof(peer.container_name) - 1);
	memset(peer.runtime, 0x7f, sizeof(peer.runtime) - 1);
	n = (size_t)sprintf(head,
			    "GET /%.3000s?%.500s HTTP/1.1\r\nHost: %.2000s\r\n"
			    "User-Agent: %.2000s\r\nX-Forwarded-For: ",
			    junk, junk, junk, junk);
	for (int i = 0; i < 200; i++)
		n += (size_t)sprintf(head + n, "%.60s, ", junk);
	n += (size_t)sprintf(head + n,
			     "127.0.0.2\r\nForwarded: for=x\r\nX-Real-IP: %.1000s\r\n\r\n", junk);
	/* Both sockets local, every text of theirs at its longest and escaping to six. */
	for (int i = 0; i < 2; i++) {
		struct sock_owner *o = &owner[i];

		o->seen = XFFW_SOCK_LOCAL;
		o->uid = UINT32_MAX - 1;
		o->cgroup_id = INT64_MAX;
		o->user_known = o->cgroup_known = true;
		memset(o->user, 0x7f, OWNER_NAME_MAX);
		o->cgroup[0] = '/';
		memset(o->cgroup + 1, 0x7f, CGROUP_PATH_MAX - 1);
		memset(o->facts.unit, 0x7f, OWNER_UNIT_MAX - 1);
		memset(o->facts.container_id, 'f', CONTAINER_ID_MAX);
		o->facts.runtime = "containerd";
		meta.owner[i] = o;
	}
	cfg.trusted = loopback(&cfg.ntrusted);
	assert_int_equal(req_from_head_budget(head, n, "127.0.0.1", XFFW_HEAD_HARD_MAX, &req), 0);
	req.pp_state = REQ_PP_MALFORMED;
	req.pp = &p;
	trust_resolve(&cfg, &req, NULL, &res, NULL);
	res.findings = (1U << FINDING__MAX) - 1;
	res.peer_by_owner = true;
	jsonw_init(&j);
	audit_format(&j, &req, &res, &meta);
	assert_false(j.failed);
	if (j.len > AUDIT_SHORT_MAX)
		fail_msg("short event of %zu bytes", j.len);
	assert_ptr_equal(memchr(j.buf, '\n', j.len), j.buf + j.len - 1);
	doc = json_loadb(j.buf, j.len, 0, &err);
	if (!doc)
		fail_msg("invalid event (%s): %.*s", err.text, (int)j.len, j.buf);
	assert_true(json_is_true(at(doc, "xffwatch.shortened")));
	assert_null(at(doc, "xffwatch.forwarded"));
	assert_null(at(doc, "url.query"));
	assert_int_equal(json_array_size(at(doc, "xffwatch.trust.chain")), AUDIT_SHORT_HOPS);
	assert_true(json_is_true(at(doc, "xffwatch.trust.chain_shortened")));
	assert_true(json_integer_value(at(doc, "xffwatch.trust.chain_length")) > AUDIT_SHORT_HOPS);
	assert_int_equal(json_array_size(at(doc, "xffwatch.findings")), FINDING__MAX);
	assert_string_equal(str_at(doc, "client.ip"), "127.0.0.2");
	/* Ids only: names, paths and units are the full event's. */
	assert_string_equal(str_at(doc, "destination.user.id"), "4294967294");
	assert_null(at(doc, "destination.user.name"));
	assert_true(int_at(doc, "xffwatch.identity.source.cgroup.id") == INT64_MAX);
	assert_null(at(doc, "xffwatch.identity.source.cgroup.path"));
	assert_null(at(doc, "xffwatch.identity.destination.unit"));
	assert_int_equal(strlen(str_at(doc, "xffwatch.identity.destination.container.id")),
			 CONTAINER_ID_MAX);
	assert_string_equal(str_at(doc, "xffwatch.trust.peer_rule"), "trust-local");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.state"), "malformed");
	assert_int_equal(int_at(doc, "xffwatch.proxy_protocol.version"), 2);
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.source.ip"),
			    "ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe");
	assert_int_equal(int_at(doc, "xffwatch.proxy_protocol.source.port"), 65535);
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.command"), "PROXY");
	/* Only those: no TLV text, no destination, no error. */
	assert_int_equal(json_object_size(at(doc, "xffwatch.proxy_protocol")), 4);
	json_decref(doc);
	/* Every finding's name fits the summary's buffer, uncut. */
	{
		char findings[AUDIT_FINDINGS_TEXT_MAX], want[1024] = "";
		struct sink_event e = { 0 };

		for (unsigned int f = 0; f < FINDING__MAX; f++)
			snprintf(want + strlen(want), sizeof(want) - strlen(want), "%s%s",
				 f ? " " : "", finding_name(f));
		audit_summary(&e, &req, &res, &meta, findings, sizeof(findings));
		assert_string_equal(findings, want);
		/* The short form's structured data says truncated, as its event does. */
		res.findings = 1U << FINDING_LEFTMOST_DIFFERS;
		audit_summary(&e, &req, &res, &meta, findings, sizeof(findings));
		assert_string_equal(findings, "leftmost-differs truncated");
		meta.shorten = false;
		audit_summary(&e, &req, &res, &meta, findings, sizeof(findings));
		assert_string_equal(findings, "leftmost-differs");
	}
	/* The whole event of the same request is far longer. */
	meta.shorten = false;
	jsonw_reset(&j);
	audit_format(&j, &req, &res, &meta);
	assert_true(j.len > 4 * AUDIT_SHORT_MAX);
	jsonw_free(&j);
}

/* A v2 PROXY preamble over TCP/IPv4 with every kept TLV, filled by hand. */
static struct pp_info full_preamble(void)
{
	struct pp_info p = { .version = 2,
			     .command = PP_CMD_PROXY,
			     .v2_family = 0x11,
			     .has_addr = true,
			     .sport = 51000,
			     .dport = 443,
			     .len = 16 + 12 + 64,
			     .crc = PP_CRC_OK,
			     .other_tlvs = 2 };

	ip_parse("203.0.113.7", 11, &p.src);
	ip_parse("198.51.100.1", 12, &p.dst);
	p.alpn = (struct str){ "h2", 2 };
	p.authority = (struct str){ "shop.example", 12 };
	p.unique_id = (struct str){ "\x00\xab\x10\xff", 4 };
	p.netns = (struct str){ "blue", 4 };
	p.ssl = (struct pp_ssl){ .present = true, .client = 7, .verify = 0 };
	p.ssl.version = (struct str){ "TLSv1.3", 7 };
	p.ssl.cn = (struct str){ "alice", 5 };
	p.ssl.cipher = (struct str){ "TLS_AES_128_GCM_SHA256", 22 };
	p.ssl.sig_alg = (struct str){ "RSA-SHA256", 10 };
	p.ssl.key_alg = (struct str){ "RSA2048", 7 };
	return p;
}

static const char plain[] = "GET / HTTP/1.1\r\nHost: shop.example\r\n\r\n";

/* Without a preamble seen (or with none there), no proxy_protocol member at all. */
static void test_pp_absent(void **state)
{
	static const uint8_t states[] = { REQ_PP_UNKNOWN, REQ_PP_NONE };
	json_t *doc;

	(void)state;
	for (size_t i = 0; i < sizeof(states); i++) {
		pp_state = states[i];
		doc = event(plain, "127.0.0.1");
		assert_null(at(doc, "xffwatch.proxy_protocol"));
		json_decref(doc);
	}
	pp_state = 0;
}

static void test_pp_fields(void **state)
{
	struct pp_info p = full_preamble();
	json_t *doc;

	(void)state;
	pp_state = REQ_PP_OK;
	pp = &p;
	doc = event(plain, "127.0.0.1");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.state"), "ok");
	assert_int_equal(int_at(doc, "xffwatch.proxy_protocol.version"), 2);
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.command"), "PROXY");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.transport"), "tcp4");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.source.ip"), "203.0.113.7");
	assert_int_equal(int_at(doc, "xffwatch.proxy_protocol.source.port"), 51000);
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.destination.ip"), "198.51.100.1");
	assert_int_equal(int_at(doc, "xffwatch.proxy_protocol.destination.port"), 443);
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.alpn"), "h2");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.authority"), "shop.example");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.unique_id"), "00ab10ff");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.netns"), "blue");
	assert_int_equal(int_at(doc, "xffwatch.proxy_protocol.ssl.client"), 7);
	assert_int_equal(int_at(doc, "xffwatch.proxy_protocol.ssl.verify"), 0);
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.ssl.version"), "TLSv1.3");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.ssl.cn"), "alice");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.ssl.cipher"),
			    "TLS_AES_128_GCM_SHA256");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.ssl.sig_alg"), "RSA-SHA256");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.ssl.key_alg"), "RSA2048");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.crc32c"), "ok");
	assert_int_equal(int_at(doc, "xffwatch.proxy_protocol.other_tlvs"), 2);
	/* An ok preamble has no error, even if the struct held one. */
	assert_null(at(doc, "xffwatch.proxy_protocol.error"));
	json_decref(doc);

	/* What is absent stays absent: v1 TCP6, no TLVs, no CRC. */
	p = (struct pp_info){
		.version = 1, .command = PP_CMD_PROXY, .has_addr = true, .sport = 1, .dport = 80
	};
	ip_parse("2001:db8::7", 11, &p.src);
	ip_parse("2001:db8::1", 11, &p.dst);
	doc = event(plain, "127.0.0.1");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.source.ip"), "2001:db8::7");
	assert_int_equal(int_at(doc, "xffwatch.proxy_protocol.version"), 1);
	assert_int_equal(json_object_size(at(doc, "xffwatch.proxy_protocol")), 6);
	json_decref(doc);

	/* LOCAL (a health check): no addresses, and the CRC that was not checked. */
	p = (struct pp_info){ .version = 2, .command = PP_CMD_LOCAL, .crc = PP_CRC_NOT_CHECKED };
	doc = event(plain, "127.0.0.1");
	assert_null(at(doc, "xffwatch.proxy_protocol.source"));
	assert_null(at(doc, "xffwatch.proxy_protocol.destination"));
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.command"), "LOCAL");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.crc32c"), "not-checked");
	json_decref(doc);
	pp_state = 0;
	pp = NULL;
}

/* malformed and truncated say why; lost carries its state alone. */
static void test_pp_states(void **state)
{
	struct pp_info p = { .version = 1, .error = "v1: port 0080 has a leading zero" };
	json_t *doc;

	(void)state;
	pp = &p;
	pp_state = REQ_PP_MALFORMED;
	doc = event(plain, "127.0.0.1");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.state"), "malformed");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.error"),
			    "v1: port 0080 has a leading zero");
	assert_int_equal(int_at(doc, "xffwatch.proxy_protocol.version"), 1);
	assert_null(at(doc, "xffwatch.proxy_protocol.command"));
	json_decref(doc);

	p.error = "v2: 20 bytes of 36";
	pp_state = REQ_PP_TRUNCATED;
	doc = event(plain, "127.0.0.1");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.state"), "truncated");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.error"), "v2: 20 bytes of 36");
	json_decref(doc);

	pp = NULL;
	pp_state = REQ_PP_LOST;
	doc = event(plain, "127.0.0.1");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.state"), "lost");
	assert_int_equal(json_object_size(at(doc, "xffwatch.proxy_protocol")), 1);
	json_decref(doc);
	pp_state = 0;
}

/* A TLV's bytes are the sender's: they stay one value, escaped, cut at PP_EVENT_TEXT_MAX. */
static void test_pp_hostile(void **state)
{
	static const char forged[] = "\",\"client\":{\"ip\":\"6.6.6.6\"},\"x\":\"\r\n\x01\xff\xc3";
	static char longest[PP_EVENT_TEXT_MAX + 1], id[PP_UNIQUE_ID_MAX + 1];
	struct pp_info p = full_preamble();
	json_t *doc;
	const char *v;

	(void)state;
	memset(longest, 'a', sizeof(longest));
	memset(id, 0xee, sizeof(id));
	p.alpn = (struct str){ forged, sizeof(forged) - 1 };
	p.ssl.cn = (struct str){ "a\x02"
				 "b\x7f",
				 4 };
	/* At the bound, and one past it. */
	p.authority = (struct str){ longest, PP_EVENT_TEXT_MAX };
	p.netns = (struct str){ longest, PP_EVENT_TEXT_MAX + 1 };
	p.unique_id = (struct str){ id, PP_UNIQUE_ID_MAX };
	pp_state = REQ_PP_OK;
	pp = &p;
	doc = event(plain, "127.0.0.1");
	assert_string_equal(str_at(doc, "client.ip"), "127.0.0.1");
	assert_string_equal(
		str_at(doc, "xffwatch.proxy_protocol.alpn"),
		"\",\"client\":{\"ip\":\"6.6.6.6\"},\"x\":\"\r\n\x01\xef\xbf\xbd\xef\xbf\xbd");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.ssl.cn"), "a\x02"
									   "b\x7f");
	assert_int_equal(json_string_length(at(doc, "xffwatch.proxy_protocol.authority")),
			 PP_EVENT_TEXT_MAX);
	assert_int_equal(json_string_length(at(doc, "xffwatch.proxy_protocol.netns")),
			 PP_EVENT_TEXT_MAX);
	v = str_at(doc, "xffwatch.proxy_protocol.unique_id");
	assert_int_equal(strlen(v), 2 * PP_UNIQUE_ID_MAX);
	assert_int_equal(strspn(v, "e"), 2 * PP_UNIQUE_ID_MAX);
	json_decref(doc);

	/* One byte past the spec's cap (the parser refuses it): the id stays cut at the cap. */
	p.unique_id.len = PP_UNIQUE_ID_MAX + 1;
	doc = event(plain, "127.0.0.1");
	assert_int_equal(strlen(str_at(doc, "xffwatch.proxy_protocol.unique_id")),
			 2 * PP_UNIQUE_ID_MAX);
	json_decref(doc);
	pp_state = 0;
	pp = NULL;
}

/*
 * The preamble's source is a client: cut like client.ip; its destination is
 * ours. The unique id (HAProxy's documented format holds the client's
 * address) and the SSL CN (often a person's name) are left out under either
 * pseudonymisation; the other SSL fields stay.
 */
static void test_pp_pseudonymized(void **state)
{
	struct pseudo modes[] = { { .mode = PSEUDO_TRUNCATE },
				  { .mode = PSEUDO_HMAC, .keylen = 16, .key_id = "0badc0de" } };
	struct pp_info p = full_preamble();
	json_t *doc;
	char *dump;

	(void)state;
	pp_state = REQ_PP_OK;
	pp = &p;
	for (size_t m = 0; m < 2; m++) {
		privacy = (struct audit_meta){ .pseudo = &modes[m] };
		doc = event(plain, "127.0.0.1");
		if (m == 0)
			assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.source.ip"),
					    "203.0.113.0");
		assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.destination.ip"),
				    "198.51.100.1");
		assert_null(at(doc, "xffwatch.proxy_protocol.unique_id"));
		assert_null(at(doc, "xffwatch.proxy_protocol.ssl.cn"));
		assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.ssl.cipher"),
				    "TLS_AES_128_GCM_SHA256");
		assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.authority"),
				    "shop.example");
		dump = json_dumps(doc, 0);
		assert_null(strstr(dump, "203.0.113.7"));
		assert_null(strstr(dump, "alice"));
		free(dump);
		json_decref(doc);
	}
	/* Without pseudonyms both are written. */
	privacy = (struct audit_meta){ 0 };
	doc = event(plain, "127.0.0.1");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.unique_id"), "00ab10ff");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.ssl.cn"), "alice");
	json_decref(doc);
	pp_state = 0;
	pp = NULL;
}

/*
 * A maximal preamble: every kept text far past its cap, made of bytes that
 * escape to six. Its object stays within the bound proxy_event.h documents,
 * and the event of an ordinary head with it within AUDIT_EVENT_MAX.
 */
static struct pp_info max_preamble(void)
{
	static char junk[XFFW_PP_KEEP], id[PP_UNIQUE_ID_MAX];
	struct pp_info p = full_preamble();
	struct str all = { junk, sizeof(junk) };

	memset(junk, 0x01, sizeof(junk));
	memset(id, 0xff, sizeof(id));
	/* The longest address text there is. */
	ip_parse("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe", 39, &p.src);
	p.sport = p.dport = 65535;
	p.alpn = p.authority = p.netns = all;
	p.ssl.version = p.ssl.cn = p.ssl.cipher = p.ssl.sig_alg = p.ssl.key_alg = all;
	p.unique_id = (struct str){ id, sizeof(id) };
	p.ssl.verify = UINT32_MAX;
	p.other_tlvs = UINT32_MAX;
	p.error = "v2: a long enough phrase for the bound";
	return p;
}

static void test_pp_whole_bound(void **state)
{
	struct pp_info p = max_preamble();
	struct audit_meta meta = { .when = { 1795779600, 0 }, .ifname = "lo" };
	struct trust_rule cfg = { .headers = { XFFW_F_X_FORWARDED_FOR }, .nheaders = 1 };
	struct jsonw j;
	json_error_t err;
	json_t *doc;

	(void)state;
	assert_int_equal(req_from_head(plain, strlen(plain), "127.0.0.1", &rec, &req), 0);
	req.pp_state = REQ_PP_MALFORMED;
	req.pp = &p;

	jsonw_init(&j);
	jsonw_object_begin(&j, NULL);
	audit_proxy_protocol(&j, &req, NULL, false);
	jsonw_object_end(&j);
	assert_false(j.failed);
	if (j.len > 13 * 1024)
		fail_msg("proxy_protocol object of %zu bytes", j.len);

	jsonw_reset(&j);
	trust_resolve(&cfg, &req, NULL, &res, NULL);
	audit_format(&j, &req, &res, &meta);
	assert_false(j.failed);
	assert_true(j.len < AUDIT_EVENT_MAX);
	doc = json_loadb(j.buf, j.len, 0, &err);
	if (!doc)
		fail_msg("invalid event (%s)", err.text);
	assert_int_equal(json_string_length(at(doc, "xffwatch.proxy_protocol.ssl.key_alg")),
			 PP_EVENT_TEXT_MAX);
	json_decref(doc);
	jsonw_free(&j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nginx_event),
		cmocka_unit_test(test_peer_event),
		cmocka_unit_test(test_hostile_values_stay_values),
		cmocka_unit_test(test_url_path),
		cmocka_unit_test(test_host_domain),
		cmocka_unit_test(test_timestamp),
		cmocka_unit_test(test_truncated_addresses),
		cmocka_unit_test(test_truncated_forwarded),
		cmocka_unit_test(test_query_and_user_agent),
		cmocka_unit_test(test_short_form_bound),
		cmocka_unit_test(test_identity_fields),
		cmocka_unit_test(test_identity_not_local),
		cmocka_unit_test(test_identity_peer_rule),
		cmocka_unit_test(test_identity_hostile),
		cmocka_unit_test(test_pp_absent),
		cmocka_unit_test(test_pp_fields),
		cmocka_unit_test(test_pp_states),
		cmocka_unit_test(test_pp_hostile),
		cmocka_unit_test(test_pp_pseudonymized),
		cmocka_unit_test(test_pp_whole_bound),
	};

	return cmocka_run_group_tests_name("audit", tests, NULL, NULL);
}
