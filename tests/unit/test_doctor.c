// SPDX-License-Identifier: BSD-2-Clause
/*
 * The doctor's model and diagnoses, each threshold at its edge: requests made
 * from heads, resolved and written as events by the real pipeline, read back
 * as the doctor reads any event.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "doctor/diagnose.h"
#include "event/audit_event.h"
#include "helpers.h"

static struct ip_cidr cidrs[8];
static struct trust_rule rule;
static struct topology topo;
static struct diagnoses ds;
static uint64_t clock_ms;
/* The peer socket's owner of the next requests (NULL: no identity, as from a capture). */
static const struct sock_owner *owner;
static struct sock_owner app_owner;

/* The rule the tests judge by: these CIDRs, X-Forwarded-For, recursive; @hops >= 0: counting. */
static void set_rule(const char *list, int hops)
{
	char buf[256], *save = NULL;

	memset(&rule, 0, sizeof(rule));
	rule.trusted = cidrs;
	rule.headers[0] = XFFW_F_X_FORWARDED_FOR;
	rule.nheaders = 1;
	rule.recursive = true;
	rule.hops = hops;
	snprintf(buf, sizeof(buf), "%s", list);
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save))
		assert_int_equal(ip_cidr_parse(t, strlen(t), &cidrs[rule.ntrusted++], NULL), 0);
}

static int setup(void **state)
{
	(void)state;
	set_rule("127.0.0.0/8,198.18.0.2/32", -1);
	clock_ms = 0;
	owner = NULL;
	assert_int_equal(topology_init(&topo, &rule, 1), 0);
	assert_int_equal(diagnoses_init(&ds), 0);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	topology_free(&topo);
	diagnoses_free(&ds);
	return 0;
}

/* One request from @peer with @headers (lines ending in CRLF), as the doctor reads its event. */
static void request(const char *peer, const char *headers)
{
	static struct http_request req;
	static struct resolution res;
	static struct observation o;
	char head[2048];
	struct audit_meta meta = { 0 };
	struct jsonw j;
	int n = snprintf(head, sizeof(head), "GET /x HTTP/1.1\r\nHost: app\r\n%s\r\n", headers);

	assert_int_equal(req_from_head_budget(head, (size_t)n, peer, XFFW_HEAD_HARD_MAX, &req), 0);
	trust_resolve(&rule, &req, owner, &res, NULL);
	clock_ms += 10;
	meta.when.tv_sec = 1800000000 + (time_t)(clock_ms / 1000);
	meta.when.tv_nsec = (long)(clock_ms % 1000) * 1000000;
	meta.ifname = "lo";
	meta.status = 200;
	if (owner) {
		meta.owner[XFFW_DIR_REQUEST] = owner;
		meta.owner[XFFW_DIR_RESPONSE] = &app_owner;
	}
	jsonw_init(&j);
	audit_format(&j, &req, &res, &meta);
	assert_false(j.failed);
	assert_int_equal(observation_read(j.buf, j.len - 1, &o), 0);
	/* Re-judged by owner from the event alone: the verdict the event has. */
	if (owner && owner->seen == XFFW_SOCK_LOCAL && rule.nlocal) {
		assert_true(o.peer_by_owner);
		assert_int_equal(topology_owner_trusted(&rule, &o), o.peer_trusted);
	}
	topology_add(&topo, &o);
	jsonw_free(&j);
}

static void repeat(int times, const char *peer, const char *fmt, ...)
{
	char headers[1024];

	for (int i = 0; i < times; i++) {
		va_list ap;

		va_start(ap, fmt);
		vsnprintf(headers, sizeof(headers), fmt, ap);
		va_end(ap);
		/* '#' becomes a new value each time (1-250), '@' one of five clients that come back. */
		char *at = strpbrk(headers, "#@");
		if (at) {
			char tail[1024];
			int v = *at == '#' ? i % 250 + 1 : i % 5 + 1;

			snprintf(tail, sizeof(tail), "%s", at + 1);
			snprintf(at, sizeof(headers) - (size_t)(at - headers), "%d%s", v, tail);
		}
		request(peer, headers);
	}
}

static bool found(enum diagnosis_id id)
{
	topology_finish(&topo);
	diagnose(&topo, &ds);
	for (size_t i = 0; i < ds.n; i++)
		if (ds.d[i].id == id)
			return true;
	return false;
}

/* Clients behind the trusted proxy 198.18.0.2, each its own address: correct traffic. */
static void good_traffic(int n)
{
	repeat(n, "198.18.0.2", "X-Forwarded-For: 198.51.100.#\r\n");
}

static void test_clean(void **state)
{
	(void)state;
	good_traffic(200);
	topology_finish(&topo);
	diagnose(&topo, &ds);
	assert_int_equal(ds.n, 0);
	assert_int_equal(topo.listeners[0].npeers, 1);
	assert_int_equal(topo.listeners[0].peers[0].role, ROLE_PROXY);
	assert_int_equal(peer_depth(&topo.listeners[0].peers[0]), 1);
}

static void test_untrusted_proxy_judged_at_ten(void **state)
{
	(void)state;
	repeat(TOPO_MIN_REQUESTS - 1, "198.18.0.9", "X-Forwarded-For: 198.51.100.#\r\n");
	assert_false(found(DIAG_PROXY_NOT_TRUSTED));
	repeat(1, "198.18.0.9", "X-Forwarded-For: 198.51.100.#\r\n");
	assert_true(found(DIAG_PROXY_NOT_TRUSTED));
	assert_string_equal(ds.d[0].fix.proxies[0], "198.18.0.9/32");
	assert_int_equal(ds.d[0].severity, LEVEL_HIGH);
}

static void test_proxy_share_edge(void **state)
{
	(void)state;
	/* 8 of 10 with a header: 80 %, a proxy. */
	repeat(8, "198.18.0.9", "X-Forwarded-For: 198.51.100.#\r\n");
	repeat(2, "198.18.0.9", "");
	assert_true(found(DIAG_PROXY_NOT_TRUSTED));
	/* One more without: 8 of 11, a client that forges now and then. */
	repeat(1, "198.18.0.9", "");
	assert_false(found(DIAG_PROXY_NOT_TRUSTED));
}

static void test_no_header_from_trusted(void **state)
{
	(void)state;
	repeat(TOPO_MIN_REQUESTS - 1, "198.18.0.2", "");
	assert_false(found(DIAG_PROXY_SENDS_NO_HEADER));
	repeat(1, "198.18.0.2", "");
	assert_true(found(DIAG_PROXY_SENDS_NO_HEADER));
}

static void test_direct_edge(void **state)
{
	(void)state;
	good_traffic(50);
	repeat(DIAG_MIN_REQUESTS - 1, "198.18.0.7", "");
	assert_false(found(DIAG_APP_REACHED_DIRECTLY));
	repeat(1, "198.18.0.7", "X-Forwarded-For: 203.0.113.1\r\n");
	assert_true(found(DIAG_APP_REACHED_DIRECTLY));
	assert_int_equal(ds.d[0].severity, LEVEL_HIGH); /* one of them forged a header */
}

static void test_pass_through_edge(void **state)
{
	(void)state;
	good_traffic(50);
	repeat(DIAG_MIN_REQUESTS - 1, "198.18.0.2",
	       "X-Forwarded-For: 203.0.113.9, 198.51.100.#\r\n");
	assert_false(found(DIAG_CLIENT_HEADERS_PASS_THROUGH));
	repeat(1, "198.18.0.2", "X-Forwarded-For: 203.0.113.9, 198.51.100.#\r\n");
	assert_true(found(DIAG_CLIENT_HEADERS_PASS_THROUGH));
}

/* Every client forges, always: the chains are all two long, yet the proxy appends one. */
static void test_pass_through_every_request(void **state)
{
	(void)state;
	repeat(50, "198.18.0.2", "X-Forwarded-For: 203.0.113.9, 198.51.100.#\r\n");
	assert_true(found(DIAG_CLIENT_HEADERS_PASS_THROUGH));
	assert_int_equal(peer_depth(&topo.listeners[0].peers[0]), 1);
}

static void test_hops_mismatch(void **state)
{
	(void)state;
	set_rule("198.18.0.2/32", 1);
	repeat(50, "198.18.0.2", "X-Forwarded-For: 198.51.100.@, 198.18.0.5\r\n");
	assert_true(found(DIAG_HOPS_MISMATCH));
	assert_int_equal(ds.d[0].depth, 2);
	rule.hops = 2;
	assert_false(found(DIAG_HOPS_MISMATCH));
}

static void test_inner_proxy_untrusted(void **state)
{
	(void)state;
	/* HAProxy (198.18.0.5) -> nginx (198.18.0.2, trusted) -> app: 198.18.0.5 is not trusted. */
	repeat(50, "198.18.0.2", "X-Forwarded-For: 198.51.100.@, 198.18.0.5\r\n");
	assert_true(found(DIAG_PROXY_NOT_TRUSTED));
	assert_string_equal(ds.d[0].fix.proxies[0], "198.18.0.5/32");
	assert_false(found(DIAG_CLIENTS_BEHIND_NAT));
}

static void test_trust_all(void **state)
{
	(void)state;
	set_rule("0.0.0.0/0", -1);
	good_traffic(20);
	assert_true(found(DIAG_TRUST_TOO_BROAD));
	assert_int_equal(ds.d[0].fix.nproxies, 1);
}

static void test_trusted_clients(void **state)
{
	(void)state;
	set_rule("198.18.0.0/24", -1);
	good_traffic(50);
	repeat(TOPO_MIN_REQUESTS, "198.18.0.77", "");
	assert_true(found(DIAG_TRUST_TOO_BROAD));
	assert_false(found(DIAG_PROXY_SENDS_NO_HEADER));
}

static void test_cdn_header(void **state)
{
	(void)state;
	good_traffic(20);
	/* From Cloudflare's range: believable. */
	repeat(10, "198.18.0.2",
	       "X-Forwarded-For: 104.16.0.#\r\nCF-Connecting-IP: 203.0.113.7\r\n");
	assert_false(found(DIAG_CDN_HEADER_NOT_FROM_CDN));
	repeat(DIAG_MIN_REQUESTS, "198.18.0.2",
	       "X-Forwarded-For: 198.51.100.#\r\nCF-Connecting-IP: 203.0.113.7\r\n");
	assert_true(found(DIAG_CDN_HEADER_NOT_FROM_CDN));
}

static void test_headers_disagree(void **state)
{
	(void)state;
	good_traffic(20);
	repeat(DIAG_MIN_REQUESTS, "198.18.0.2",
	       "X-Forwarded-For: 198.51.100.#\r\nX-Real-IP: 203.0.113.66\r\n");
	assert_true(found(DIAG_HEADERS_DISAGREE));
}

static void test_rotation_edge(void **state)
{
	(void)state;
	/* One client (198.51.100.50) behind the proxy, forging a new leftmost each time. */
	repeat(9, "198.18.0.2", "X-Forwarded-For: 203.0.113.#, 198.51.100.50\r\n");
	good_traffic(20);
	assert_false(found(DIAG_LEFTMOST_ROTATION));
	repeat(1, "198.18.0.2", "X-Forwarded-For: 203.0.113.200, 198.51.100.50\r\n");
	assert_true(found(DIAG_LEFTMOST_ROTATION));
}

static void test_nat_edges(void **state)
{
	(void)state;
	/* The bridge's gateway, on the proxy's own /24, as Docker's userland proxy has it. */
	repeat(DIAG_NAT_MIN - 1, "198.18.0.2", "X-Forwarded-For: 198.18.0.1\r\n");
	assert_false(found(DIAG_CLIENTS_BEHIND_NAT));
	repeat(1, "198.18.0.2", "X-Forwarded-For: 198.18.0.1\r\n");
	assert_true(found(DIAG_CLIENTS_BEHIND_NAT));
	/* 50 of 53 is 94 %: no longer "nearly all". */
	repeat(3, "198.18.0.2", "X-Forwarded-For: 198.51.100.#\r\n");
	assert_false(found(DIAG_CLIENTS_BEHIND_NAT));
}

static void test_one_public_client_is_not_nat(void **state)
{
	(void)state;
	repeat(200, "198.18.0.2", "X-Forwarded-For: 203.0.113.5\r\n");
	assert_false(found(DIAG_CLIENTS_BEHIND_NAT));
}

/* One client on a LAN behind the proxy: private, but not the proxy's network. */
static void test_one_lan_client_is_not_nat(void **state)
{
	(void)state;
	repeat(200, "198.18.0.2", "X-Forwarded-For: 192.168.1.23\r\n");
	assert_false(found(DIAG_CLIENTS_BEHIND_NAT));
}

/*
 * The seeds' own test: one client forging through the trusted proxy. Its own
 * address on every chain is no proxy's: the doctor must not say to trust it.
 */
static void test_single_forger_is_not_a_proxy(void **state)
{
	(void)state;
	repeat(20, "198.18.0.2", "X-Forwarded-For: 1.2.3.4, 198.51.100.9\r\n");
	assert_true(found(DIAG_CLIENT_HEADERS_PASS_THROUGH));
	assert_false(found(DIAG_PROXY_NOT_TRUSTED));
	assert_int_equal(peer_depth(&topo.listeners[0].peers[0]), 1);
	rule.hops = 1;
	assert_false(found(DIAG_HOPS_MISMATCH));
}

/*
 * One client inventing a new leftmost for each request, under ProxyFix
 * x_for=1: its constant address with ever-new values left of it is no proxy
 * in front of clients. Raising the hop count would believe the forgery.
 */
static void test_single_rotator_is_not_a_proxy(void **state)
{
	(void)state;
	set_rule("198.18.0.2/32", 1);
	repeat(60, "198.18.0.2", "X-Forwarded-For: 203.0.113.#, 198.51.100.9\r\n");
	assert_false(found(DIAG_HOPS_MISMATCH));
	assert_true(found(DIAG_LEFTMOST_ROTATION));
	assert_true(found(DIAG_CLIENT_HEADERS_PASS_THROUGH));
}

/* A client that forges on every request, straight to the app: a client, never a proxy to trust. */
static void test_direct_forger_is_not_a_proxy(void **state)
{
	char peer[32];

	(void)state;
	repeat(30, "198.51.100.66", "X-Forwarded-For: 203.0.113.#\r\n");
	for (int i = 0; i < 60; i++) {
		snprintf(peer, sizeof(peer), "198.19.0.%d", i + 1);
		request(peer, "");
	}
	assert_false(found(DIAG_PROXY_NOT_TRUSTED));
	for (size_t i = 0; i < topo.listeners[0].npeers; i++)
		assert_int_not_equal(topo.listeners[0].peers[i].role, ROLE_PROXY);
	/* ... and its rotation is reported. */
	assert_true(found(DIAG_LEFTMOST_ROTATION));
}

/* Cloudflare in front, trusted: its CF-Connecting-IP is right, however many requests. */
static void test_trusted_cdn_is_quiet(void **state)
{
	(void)state;
	set_rule("198.18.0.2/32,104.16.0.0/13", -1);
	repeat(100, "198.18.0.2",
	       "X-Forwarded-For: 198.51.100.#, 104.16.0.9\r\nCF-Connecting-IP: 198.51.100.1\r\n");
	assert_false(found(DIAG_CDN_HEADER_NOT_FROM_CDN));
}

/* A public client forging from a small pool: its own address is never a proxy's to trust. */
static void test_pool_forger_is_not_a_proxy(void **state)
{
	(void)state;
	repeat(60, "198.18.0.2", "X-Forwarded-For: 192.0.2.@, 198.51.100.9\r\n");
	assert_false(found(DIAG_PROXY_NOT_TRUSTED));
	rule.hops = 1;
	assert_false(found(DIAG_HOPS_MISMATCH));
}

/* Two balanced proxies, one left out of the trust: named, never firewalled as a client. */
static void test_balanced_proxy_left_out(void **state)
{
	(void)state;
	set_rule("198.18.0.2/32", -1);
	repeat(100, "198.18.0.2", "X-Forwarded-For: 198.51.100.#\r\n");
	repeat(100, "198.18.0.3", "X-Forwarded-For: 198.51.100.#\r\n");
	assert_true(found(DIAG_PROXY_NOT_TRUSTED));
	assert_string_equal(ds.d[0].fix.proxies[0], "198.18.0.3/32");
	assert_false(found(DIAG_APP_REACHED_DIRECTLY));
}

/* HAProxy -> nginx with hops 2 and HAProxy's own health checks (a short chain now and then). */
static void test_short_chains_now_and_then(void **state)
{
	(void)state;
	set_rule("198.18.0.2/32", 2);
	repeat(95, "198.18.0.2", "X-Forwarded-For: 198.51.100.@, 198.18.0.5\r\n");
	repeat(5, "198.18.0.2", "X-Forwarded-For: 198.18.0.5\r\n");
	assert_false(found(DIAG_HOPS_MISMATCH));
	assert_false(found(DIAG_CLIENT_HEADERS_PASS_THROUGH));
	assert_int_equal(peer_depth(&topo.listeners[0].peers[0]), 2);
}

/* A balanced tier of two HAProxies in front of nginx: one proxy position, both untrusted named. */
static void test_balanced_tier(void **state)
{
	(void)state;
	repeat(50, "198.18.0.2", "X-Forwarded-For: 198.51.100.@, 198.18.0.5\r\n");
	repeat(50, "198.18.0.2", "X-Forwarded-For: 198.51.100.@, 198.18.0.6\r\n");
	assert_true(found(DIAG_PROXY_NOT_TRUSTED));
	assert_int_equal(ds.d[0].fix.nproxies, 2);
	assert_false(found(DIAG_LEFTMOST_ROTATION));
	rule.hops = 2;
	assert_false(found(DIAG_HOPS_MISMATCH));
}

/* The app's own health checks on loopback, the proxy elsewhere: no one reached it around the proxy. */
static void test_loopback_health_checks(void **state)
{
	(void)state;
	good_traffic(50);
	repeat(50, "127.0.0.1", "");
	assert_false(found(DIAG_APP_REACHED_DIRECTLY));
	assert_false(found(DIAG_TRUST_TOO_BROAD));
}

/* Rotation on an app no proxy fronts: no stack is told to read the header. */
static void test_rotation_without_proxy(void **state)
{
	(void)state;
	repeat(30, "198.51.100.66", "X-Forwarded-For: 203.0.113.#\r\n");
	assert_true(found(DIAG_LEFTMOST_ROTATION));
	assert_true(ds.d[0].no_stack_fixes);
}

/*
 * A host of the lab itself (internal) sending the seeds' forged header on
 * every request straight to the app: a client, never a proxy to trust.
 */
static void test_internal_forger_is_a_client(void **state)
{
	(void)state;
	repeat(40, "198.18.0.9", "X-Forwarded-For: 203.0.113.42\r\n");
	assert_false(found(DIAG_PROXY_NOT_TRUSTED));
	good_traffic(50);
	assert_false(found(DIAG_PROXY_NOT_TRUSTED));
	assert_true(found(DIAG_APP_REACHED_DIRECTLY));
	assert_int_equal(ds.d[0].severity, LEVEL_HIGH);
}

/* The Compose case behind Docker's userland proxy: every hop the bridge's gateway. */
static void test_untrusted_proxy_behind_gateway(void **state)
{
	(void)state;
	set_rule("172.17.0.1/32", -1);
	repeat(40, "198.18.2.20", "X-Forwarded-For: 198.18.2.1\r\n");
	assert_true(found(DIAG_PROXY_NOT_TRUSTED));
	assert_string_equal(ds.d[0].fix.proxies[0], "198.18.2.20/32");
}

static void test_peer_table_bound(void **state)
{
	char peer[32];

	(void)state;
	for (int i = 0; i < TOPO_PEERS_MAX + 1; i++) {
		snprintf(peer, sizeof(peer), "198.19.%d.%d", i / 250, i % 250 + 1);
		request(peer, "");
	}
	assert_int_equal(topo.listeners[0].npeers, TOPO_PEERS_MAX);
	assert_int_equal(topo.listeners[0].other.requests, 1);
	assert_int_equal(topo.listeners[0].peers_omitted, 1);
}

/* ---- identity: local processes as proxies and forgers ---- */

/* A local socket's owner: @uid (@user), in cgroup @path. */
static void local_owner(struct sock_owner *w, uint32_t uid, const char *user, const char *path)
{
	memset(w, 0, sizeof(*w));
	w->seen = XFFW_SOCK_LOCAL;
	w->uid = uid;
	w->user_known = user != NULL;
	snprintf(w->user, sizeof(w->user), "%s", user ? user : "");
	w->cgroup_id = 4242;
	w->cgroup_known = true;
	snprintf(w->cgroup, sizeof(w->cgroup), "%s", path);
	cgroup_path_facts(path, strlen(path), &w->facts);
}

static struct sock_owner nginx_owner, nobody_owner, haproxy_owner;
static struct owner_spec specs[2];

static int setup_identity(void **state)
{
	setup(state);
	local_owner(&nginx_owner, 33, "www-data", "/system.slice/nginx.service");
	local_owner(&nobody_owner, 65534, "nobody", "/user.slice/user-0.slice/session-3.scope");
	local_owner(&haproxy_owner, 99, "haproxy", "/system.slice/haproxy.service");
	local_owner(&app_owner, 1000, "app", "/system.slice/app.service");
	return 0;
}

static const struct diagnosis *diag(enum diagnosis_id id)
{
	for (size_t i = 0; i < ds.n; i++)
		if (ds.d[i].id == id)
			return &ds.d[i];
	return NULL;
}

/* nginx on this host, clients behind it: trusted by address, --trust-local is suggested. */
static void nginx_traffic(int n)
{
	owner = &nginx_owner;
	repeat(n, "127.0.0.1", "X-Forwarded-For: 198.51.100.#\r\n");
}

static void test_local_proxy_suggested(void **state)
{
	static struct fix fixes[FIXES_MAX];
	const struct diagnosis *d;
	size_t n;

	(void)state;
	nginx_traffic(200);
	assert_true(found(DIAG_TRUST_LOCAL_AVAILABLE));
	assert_int_equal(ds.n, 1);
	assert_int_equal(ds.suggestions, 1);
	d = diag(DIAG_TRUST_LOCAL_AVAILABLE);
	assert_int_equal(d->severity, LEVEL_LOW);
	assert_string_equal(d->local_spec, "unit=nginx.service");
	assert_non_null(strstr(d->summary, "nginx.service"));
	n = fixes_make(&d->fix, 0, fixes);
	assert_int_equal(n, 1);
	assert_int_equal(fixes[0].nargs, 4);
	assert_string_equal(fixes[0].args[0], "--trust");
	assert_string_equal(fixes[0].args[1], "127.0.0.0/8,198.18.0.2/32");
	assert_string_equal(fixes[0].args[2], "--trust-local");
	assert_string_equal(fixes[0].args[3], "unit=nginx.service");
	assert_int_equal(topo.listeners[0].nowners, 1);
	assert_int_equal(topo.listeners[0].local_headers, 200);
}

/* No unit: the user, never root; root without a unit: its cgroup. */
static void test_local_proxy_by_user(void **state)
{
	(void)state;
	local_owner(&nginx_owner, 33, "www-data", "/nginx");
	nginx_traffic(50);
	assert_true(found(DIAG_TRUST_LOCAL_AVAILABLE));
	assert_string_equal(diag(DIAG_TRUST_LOCAL_AVAILABLE)->local_spec, "user=www-data");
	teardown(state);
	setup_identity(state);
	local_owner(&nginx_owner, 0, "root", "/proxies/nginx");
	nginx_traffic(50);
	assert_true(found(DIAG_TRUST_LOCAL_AVAILABLE));
	assert_string_equal(diag(DIAG_TRUST_LOCAL_AVAILABLE)->local_spec, "cgroup=/proxies/nginx");
	/* A proxy run from a login session is no unit to trust: the same person's curl is in it. */
	teardown(state);
	setup_identity(state);
	local_owner(&nginx_owner, 1000, "alice", "/user.slice/user-1000.slice/session-3.scope");
	nginx_traffic(50);
	assert_false(found(DIAG_TRUST_LOCAL_AVAILABLE));
	teardown(state);
	setup_identity(state);
	local_owner(&nginx_owner, 1000, "alice",
		    "/user.slice/user-1000.slice/user@1000.service/app.slice/nginx.service");
	nginx_traffic(50);
	assert_false(found(DIAG_TRUST_LOCAL_AVAILABLE));
}

/* The seeds' curl from a shell, as nobody, next to nginx: named, high, the same fix. */
static void test_local_forger(void **state)
{
	const struct diagnosis *d;

	(void)state;
	nginx_traffic(200);
	owner = &nobody_owner;
	repeat(DIAG_MIN_REQUESTS - 1, "127.0.0.1", "X-Forwarded-For: 203.0.113.42\r\n");
	assert_false(found(DIAG_LOCAL_PROCESS_FORGES));
	repeat(8, "127.0.0.1", "X-Forwarded-For: 203.0.113.42\r\n");
	assert_true(found(DIAG_LOCAL_PROCESS_FORGES));
	assert_false(found(DIAG_TRUST_LOCAL_AVAILABLE));
	assert_false(found(DIAG_APP_REACHED_DIRECTLY));
	d = diag(DIAG_LOCAL_PROCESS_FORGES);
	assert_int_equal(d->severity, LEVEL_HIGH);
	assert_int_equal(d->requests, 12);
	assert_non_null(strstr(d->summary, "user nobody (uid 65534)"));
	assert_string_equal(d->local_spec, "unit=nginx.service");
	assert_int_equal(d->examples.n, TOPO_EXAMPLES);
	/* By address, the forgery is believed: what the diagnosis is about. */
	assert_string_equal(d->examples.ex[0].client.text, "203.0.113.42");
	assert_int_equal(d->owners, 1U << 1);
	assert_int_equal(ds.suggestions, 0);
}

/* Unseen or remote sockets: nothing is known of the processes, nothing is said. */
static void test_identity_unseen(void **state)
{
	(void)state;
	local_owner(&nginx_owner, 33, "www-data", "/system.slice/nginx.service");
	nginx_owner.seen = XFFW_SOCK_UNSEEN;
	nginx_traffic(200);
	owner = &nginx_owner;
	repeat(20, "127.0.0.1", "X-Forwarded-For: 203.0.113.42\r\n");
	assert_int_equal(found(DIAG_TRUST_LOCAL_AVAILABLE) + found(DIAG_LOCAL_PROCESS_FORGES), 0);
	assert_int_equal(topo.listeners[0].local_headers, 0);
	assert_int_equal(topo.listeners[0].identity_given, 220);
	nginx_owner.seen = XFFW_SOCK_NONE;
	nginx_traffic(200);
	assert_int_equal(found(DIAG_TRUST_LOCAL_AVAILABLE) + found(DIAG_LOCAL_PROCESS_FORGES), 0);
}

/* Two units share the proxy role: which to trust is not the doctor's guess. */
static void test_two_local_proxies(void **state)
{
	(void)state;
	nginx_traffic(100);
	owner = &haproxy_owner;
	repeat(100, "127.0.0.1", "X-Forwarded-For: 198.51.100.#\r\n");
	assert_false(found(DIAG_TRUST_LOCAL_AVAILABLE));
	assert_false(found(DIAG_LOCAL_PROCESS_FORGES));
}

/* A lone forger on loopback (no proxy carrying clients): never the one to trust. */
static void test_lone_local_forger(void **state)
{
	(void)state;
	owner = &nobody_owner;
	repeat(100, "127.0.0.1", "X-Forwarded-For: 203.0.113.42\r\n");
	assert_false(found(DIAG_TRUST_LOCAL_AVAILABLE));
	assert_false(found(DIAG_LOCAL_PROCESS_FORGES));
}

/* --trust-local set: nothing to suggest; the doctor's re-judging agrees with the events'. */
static void test_trust_local_set(void **state)
{
	static struct fix fixes[FIXES_MAX];
	char why[128];

	(void)state;
	assert_int_equal(owner_spec_parse("unit=nginx.service", &specs[0], why, sizeof(why)), 0);
	rule.local = specs;
	rule.nlocal = 1;
	nginx_traffic(200);
	assert_int_equal(found(DIAG_TRUST_LOCAL_AVAILABLE), false);
	assert_int_equal(ds.n, 0);
	assert_true(topo.listeners[0].peers[0].trusted);
	assert_int_equal(topo.listeners[0].peers[0].forged, 0);
	/* The forger: the events flag it, the doctor counts it so, the fix is a note. */
	owner = &nobody_owner;
	repeat(12, "127.0.0.1", "X-Forwarded-For: 203.0.113.42\r\n");
	assert_int_equal(topo.listeners[0].unexpected_local, 12);
	assert_int_equal(topo.listeners[0].peers[0].forged, 12);
	assert_true(found(DIAG_LOCAL_PROCESS_FORGES));
	assert_true(diag(DIAG_LOCAL_PROCESS_FORGES)->fix.local_set);
	assert_int_equal(fixes_make(&diag(DIAG_LOCAL_PROCESS_FORGES)->fix, 0, fixes), 1);
	assert_int_equal(fixes[0].nargs, 0);
	assert_non_null(strstr(fixes[0].text, "header-from-unexpected-local-process"));
	/* A user= rule that nginx does not match: every request re-judged untrusted, as the events. */
	teardown(state);
	setup_identity(state);
	assert_int_equal(owner_spec_parse("user=65534", &specs[0], why, sizeof(why)), 0);
	rule.local = specs;
	rule.nlocal = 1;
	nginx_traffic(50);
	assert_int_equal(topo.listeners[0].unexpected_local, 50);
}

static void test_reader_refuses(void **state)
{
	static struct observation o;
	static const char *const bad[] = {
		"",
		"{",
		"[]",
		"null",
		"{\"event\":{\"dataset\":\"other\"}}",
		"{\"event\":{\"dataset\":\"xffwatch.audit\"}}",
		"{\"event\":{\"dataset\":\"xffwatch.audit\"},\"source\":{},\"destination\":{"
		"\"port\":0}}",
		"{\"event\":{\"dataset\":\"xffwatch.audit\"},\"source\":{},\"destination\":{"
		"\"port\":65536}}",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(observation_read(bad[i], strlen(bad[i]), &o), -EBADMSG);
	/* Wrong types everywhere are read as absent, not trusted. */
	const char *odd =
		"{\"event\":{\"dataset\":\"xffwatch.audit\"},\"source\":{\"ip\":7},"
		"\"destination\":{\"port\":5000},\"xffwatch\":{\"trust\":{\"chain\":[1,null,"
		"\"198.51.100.1\"],\"peer_trusted\":\"yes\",\"chain_length\":-4},"
		"\"findings\":[\"nope\",3]}}";
	assert_int_equal(observation_read(odd, strlen(odd), &o), 0);
	assert_false(o.peer_trusted);
	assert_false(o.source.is_addr);
	assert_int_equal(o.nhops, 3);
	assert_int_equal(o.chain_length, 3);
	assert_int_equal(o.findings, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_proxy_judged_at_ten, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_proxy_share_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_no_header_from_trusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_direct_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pass_through_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pass_through_every_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hops_mismatch, setup, teardown),
		cmocka_unit_test_setup_teardown(test_inner_proxy_untrusted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trust_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trusted_clients, setup, teardown),
		cmocka_unit_test_setup_teardown(test_cdn_header, setup, teardown),
		cmocka_unit_test_setup_teardown(test_headers_disagree, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_edge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nat_edges, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_public_client_is_not_nat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_lan_client_is_not_nat, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_forger_is_not_a_proxy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_single_rotator_is_not_a_proxy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_direct_forger_is_not_a_proxy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_trusted_cdn_is_quiet, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pool_forger_is_not_a_proxy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_balanced_proxy_left_out, setup, teardown),
		cmocka_unit_test_setup_teardown(test_short_chains_now_and_then, setup, teardown),
		cmocka_unit_test_setup_teardown(test_balanced_tier, setup, teardown),
		cmocka_unit_test_setup_teardown(test_loopback_health_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rotation_without_proxy, setup, teardown),
		cmocka_unit_test_setup_teardown(test_internal_forger_is_a_client, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_proxy_behind_gateway, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_peer_table_bound, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_proxy_suggested, setup_identity,
						teardown),
		cmocka_unit_test_setup_teardown(test_local_proxy_by_user, setup_identity, teardown),
		cmocka_unit_test_setup_teardown(test_local_forger, setup_identity, teardown),
		cmocka_unit_test_setup_teardown(test_identity_unseen, setup_identity, teardown),
		cmocka_unit_test_setup_teardown(test_two_local_proxies, setup_identity, teardown),
		cmocka_unit_test_setup_teardown(test_lone_local_forger, setup_identity, teardown),
		cmocka_unit_test_setup_teardown(test_trust_local_set, setup_identity, teardown),
		cmocka_unit_test(test_reader_refuses),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
