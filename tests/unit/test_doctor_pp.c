// SPDX-License-Identifier: BSD-2-Clause
/*
 * The doctor's PROXY-protocol diagnoses, each at its threshold and one
 * below, from hand-made event lines (docs/audit-event.md's
 * xffwatch.proxy_protocol and the proxy-protocol-* findings) read as the
 * doctor reads any event; and the report's fields for them.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd/options.h"
#include "doctor/diagnose.h"
#include "doctor/report.h"

/* The id trust/rules.h gives proxy-protocol: past every field id (the spec's contract). */
#define PP_HEADER_ID XFFW_F__MAX

static struct ip_cidr cidrs[4];
static struct trust_rule rule;
static struct topology topo;
static struct diagnoses ds;
static unsigned int seq;

/* The rule: trust 198.18.0.2 (and loopback); @pp: it reads proxy-protocol, then X-Forwarded-For. */
static void set_rule(bool pp)
{
	memset(&rule, 0, sizeof(rule));
	rule.trusted = cidrs;
	assert_int_equal(ip_cidr_parse("127.0.0.0/8", 11, &cidrs[0], NULL), 0);
	assert_int_equal(ip_cidr_parse("198.18.0.2/32", 13, &cidrs[1], NULL), 0);
	rule.ntrusted = 2;
	rule.recursive = true;
	rule.hops = -1;
	if (pp)
		rule.headers[rule.nheaders++] = PP_HEADER_ID;
	rule.headers[rule.nheaders++] = XFFW_F_X_FORWARDED_FOR;
}

static int setup(void **state)
{
	(void)state;
	set_rule(false);
	seq = 0;
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

/*
 * One event from @peer to port 8080: @pp the xffwatch.proxy_protocol object
 * ("" none), @findings the findings' names (quoted, comma-separated), @xff an
 * X-Forwarded-For value and the chain ("" none), @header trust.header.
 */
static void event(const char *peer, const char *pp, const char *findings, const char *xff,
		  const char *header)
{
	char line[4096], chain[256] = "";
	struct observation o;
	int n;

	if (xff[0])
		snprintf(chain, sizeof(chain), "\"%s\"", xff);
	seq++;
	n = snprintf(
		line, sizeof(line),
		"{\"@timestamp\":\"2026-12-08T10:00:%02u.%06uZ\","
		"\"event\":{\"dataset\":\"xffwatch.audit\"},"
		"\"source\":{\"ip\":\"%s\",\"port\":%u},"
		"\"destination\":{\"ip\":\"198.18.0.1\",\"port\":8080},"
		"\"client\":{\"ip\":\"%s\"},"
		"\"observer\":{\"ingress\":{\"interface\":{\"name\":\"veth0\"}}},"
		"\"http\":{\"request\":{\"method\":\"GET\"},\"response\":{\"status_code\":200}},"
		"\"url\":{\"path\":\"/p\"},"
		"\"user_agent\":{\"original\":\"ua%u\"},"
		"\"xffwatch\":{\"trust\":{\"header\":\"%s\",\"peer_trusted\":false,"
		"\"chain\":[%s]},\"findings\":[%s]%s%s%s%s%s}}",
		seq / 1000000 % 60, seq % 1000000, peer, 40000 + seq % 1000, peer, seq % 3, header,
		chain, findings, xff[0] ? ",\"forwarded\":{\"x-forwarded-for\":[\"" : "", xff,
		xff[0] ? "\"]}" : "", pp[0] ? ",\"proxy_protocol\":" : "", pp);
	assert_true(n > 0 && (size_t)n < sizeof(line));
	assert_int_equal(observation_read(line, (size_t)n, &o), 0);
	topology_add(&topo, &o);
}

/* A usable v2 preamble naming client 203.0.113.(@i % 200 + 1). */
static const char *pp_proxy(unsigned int i)
{
	static char buf[256];

	snprintf(buf, sizeof(buf),
		 "{\"state\":\"ok\",\"version\":2,\"command\":\"PROXY\",\"transport\":\"tcp4\","
		 "\"source\":{\"ip\":\"203.0.113.%u\",\"port\":5%04u},"
		 "\"destination\":{\"ip\":\"198.18.0.1\",\"port\":8080}}",
		 i % 200 + 1, i % 10000);
	return buf;
}

#define PP_LOCAL "{\"state\":\"ok\",\"version\":2,\"command\":\"LOCAL\",\"transport\":\"unspec\"}"

static const struct diagnosis *get(enum diagnosis_id id)
{
	topology_finish(&topo);
	diagnose(&topo, &ds);
	for (size_t i = 0; i < ds.n; i++)
		if (ds.d[i].id == id)
			return &ds.d[i];
	return NULL;
}

static bool only(enum diagnosis_id id)
{
	topology_finish(&topo);
	diagnose(&topo, &ds);
	return ds.n == 1 && ds.d[0].id == id;
}

/* The event fields as read. */
static void test_read(void **state)
{
	static const char line[] =
		"{\"event\":{\"dataset\":\"xffwatch.audit\"},\"source\":{\"ip\":\"198.18.0.2\"},"
		"\"destination\":{\"port\":80},\"xffwatch\":{\"trust\":{\"header\":\"proxy-"
		"protocol\"},"
		"\"findings\":[\"proxy-protocol-malformed\",\"proxy-protocol-shared-connection\","
		"\"invalid-entry\"],\"proxy_protocol\":{\"state\":\"truncated\",\"version\":1,"
		"\"command\":\"PROXY\",\"source\":{\"ip\":\"2001:db8::7\",\"port\":65535},"
		"\"error\":\"v1: no CRLF\"}}}";
	struct observation o;

	(void)state;
	assert_int_equal(observation_read(line, sizeof(line) - 1, &o), 0);
	assert_int_equal(o.pp.state, REQ_PP_TRUNCATED);
	assert_int_equal(o.pp.version, 1);
	assert_int_equal(o.pp.command, PP_CMD_PROXY);
	assert_string_equal(obs_pp_command_names[o.pp.command], "PROXY");
	assert_true(o.pp.has_addr && o.pp.source.is_addr);
	assert_string_equal(o.pp.source.text, "2001:db8::7");
	assert_int_equal(o.pp.sport, 65535);
	assert_string_equal(o.pp.error, "v1: no CRLF");
	assert_int_equal(o.pp_findings, 1U << OBS_PP_MALFORMED | 1U << OBS_PP_SHARED);
	assert_true(o.client_from_pp);
	assert_false(observation_pp_usable(&o));
	/* No object: no preamble; "lost" carries the state only. */
	event("198.18.0.2", "", "", "", "peer");
	assert_int_equal(topo.listeners[0].pp.preambles, 0);
	event("198.18.0.2", "{\"state\":\"lost\"}", "", "", "peer");
	assert_int_equal(topo.listeners[0].pp.lost, 1);
	assert_int_equal(topo.listeners[0].pp.preambles, 0);
}

/*
 * An event whose source.ip is no address (a pseudonym), trusted as the event
 * says, with a usable preamble: judged as the event says (its preamble
 * too), nothing read uninitialised (the sanitizers watch).
 */
static void test_token_source(void **state)
{
	char line[1024];
	struct observation o;
	int n;

	(void)state;
	set_rule(true);
	n = snprintf(line, sizeof(line),
		     "{\"event\":{\"dataset\":\"xffwatch.audit\"},"
		     "\"source\":{\"ip\":\"5b1c3af33baf13b99a9099f06b88db75\"},"
		     "\"client\":{\"ip\":\"5b1c3af33baf13b99a9099f06b88db75\"},"
		     "\"destination\":{\"port\":8080},"
		     "\"xffwatch\":{\"trust\":{\"peer_trusted\":true},\"proxy_protocol\":%s}}",
		     pp_proxy(1));
	assert_true(n > 0 && (size_t)n < sizeof(line));
	assert_int_equal(observation_read(line, (size_t)n, &o), 0);
	for (unsigned int i = 0; i < 6; i++)
		topology_add(&topo, &o);
	assert_int_equal(topo.listeners[0].pp.usable, 6);
	/* The event's client is its peer: its rule did not read the preamble. */
	assert_int_equal(topo.listeners[0].pp.not_read, 6);
	/* One whose rule did (trust.header proxy-protocol) is not counted. */
	n = snprintf(
		line, sizeof(line),
		"{\"event\":{\"dataset\":\"xffwatch.audit\"},"
		"\"source\":{\"ip\":\"5b1c3af33baf13b99a9099f06b88db75\"},"
		"\"client\":{\"ip\":\"5b1c3af33baf13b99a9099f06b88db75\"},"
		"\"destination\":{\"port\":8080},"
		"\"xffwatch\":{\"trust\":{\"peer_trusted\":true,\"header\":\"proxy-protocol\"},"
		"\"proxy_protocol\":%s}}",
		pp_proxy(1));
	assert_true(n > 0 && (size_t)n < sizeof(line));
	assert_int_equal(observation_read(line, (size_t)n, &o), 0);
	assert_true(o.client_from_pp);
	topology_add(&topo, &o);
	assert_int_equal(topo.listeners[0].pp.not_read, 6);
}

/* LOCAL: health checks, counted apart; never a request of the peer's nor a client. */
static void test_local_health_checks(void **state)
{
	(void)state;
	set_rule(true);
	for (unsigned int i = 0; i < 50; i++)
		event("198.18.0.2", PP_LOCAL, "", "", "peer");
	for (unsigned int i = 0; i < 20; i++)
		event("198.18.0.2", pp_proxy(i), "", "", "proxy-protocol");
	assert_int_equal(topo.events, 70);
	assert_int_equal(topo.listeners[0].requests, 20);
	assert_int_equal(topo.listeners[0].pp.health, 50);
	assert_int_equal(topo.listeners[0].peers[0].requests, 20);
	assert_int_equal(topo.listeners[0].peers[0].pp_health, 50);
	/* The top clients are the preambles' sources, never the proxy's own address. */
	for (size_t k = 0; k < TOPO_HEAVY; k++)
		assert_string_not_equal(topo.listeners[0].peers[0].heavy[k].value.text,
					"198.18.0.2");
	/* Correct traffic: nothing (no proxy-sends-no-header, no NAT, no trust-too-broad). */
	topology_finish(&topo);
	diagnose(&topo, &ds);
	assert_int_equal(ds.n, 0);
	assert_int_equal(topo.listeners[0].peers[0].role, ROLE_PROXY);
}

/* An internal sender carrying the listener, not trusted: trust it and read its preambles. */
static void test_untrusted_sender_proxy_like(void **state)
{
	const struct diagnosis *d;

	(void)state;
	for (unsigned int i = 0; i < 4; i++)
		event("198.18.0.9", pp_proxy(i), "\"proxy-protocol-from-untrusted-peer\"", "",
		      "peer");
	assert_null(get(DIAG_PP_UNTRUSTED_SENDER));
	event("198.18.0.9", pp_proxy(4), "", "", "peer"); /* re-judged: the doctor's rule says so */
	assert_true(only(DIAG_PP_UNTRUSTED_SENDER));
	d = get(DIAG_PP_UNTRUSTED_SENDER);
	assert_int_equal(d->severity, LEVEL_HIGH);
	assert_int_equal(d->requests, 5);
	assert_false(d->fix.pp_block);
	assert_int_equal(d->fix.nproxies, 1);
	assert_string_equal(d->fix.proxies[0], "198.18.0.9/32");
	assert_string_equal(d->addrs[0].text, "198.18.0.9");
	assert_int_equal(d->examples.n, 3);
	assert_int_equal(d->examples.ex[0].pp.state, REQ_PP_OK);
	assert_non_null(strstr(d->summary, "looks like the listener's proxy"));
	/* Judged a proxy (it carries clients): this, not proxy-not-trusted, is about it. */
	for (unsigned int i = 5; i < 40; i++)
		event("198.18.0.9", pp_proxy(i), "", "", "peer");
	assert_true(only(DIAG_PP_UNTRUSTED_SENDER));
	assert_int_equal(topo.listeners[0].peers[0].role, ROLE_PROXY);
}

/*
 * An untrusted sender of usable preambles whose requests carry headers too
 * (a layer-4 link: its clients write them): untrusted-sender only, never
 * proxy-not-trusted, whose fixes would believe those headers.
 */
static void test_untrusted_sender_headers(void **state)
{
	char xff[32];

	(void)state;
	for (unsigned int i = 0; i < 40; i++) {
		snprintf(xff, sizeof(xff), "6.6.6.%u", i % 7 + 1);
		event("198.18.0.9", pp_proxy(i), "\"proxy-protocol-from-untrusted-peer\"", xff,
		      "peer");
	}
	assert_non_null(get(DIAG_PP_UNTRUSTED_SENDER));
	assert_null(get(DIAG_PROXY_NOT_TRUSTED));
	assert_int_equal(topo.listeners[0].peers[0].role, ROLE_PROXY);
}

/* A public sender next to the trusted proxy: block it. */
static void test_untrusted_sender_block(void **state)
{
	const struct diagnosis *d;

	(void)state;
	set_rule(true);
	for (unsigned int i = 0; i < 40; i++)
		event("198.18.0.2", pp_proxy(i), "", "", "proxy-protocol");
	for (unsigned int i = 0; i < 5; i++)
		event("192.0.2.66", PP_LOCAL, "", "", "peer"); /* any command counts */
	d = get(DIAG_PP_UNTRUSTED_SENDER);
	assert_non_null(d);
	assert_true(d->fix.pp_block);
	assert_int_equal(d->requests, 5);
	assert_int_equal(d->of, 45); /* health checks are counted in both */
	assert_int_equal(d->fix.nproxies, 1);
	assert_string_equal(d->fix.proxies[0], "192.0.2.66/32");
	assert_null(strstr(d->summary, "192.0.2.66")); /* summaries quote no client */
	/* Its health checks are not requests: no app-reached-directly for them. */
	assert_null(get(DIAG_APP_REACHED_DIRECTLY));
}

/* A trusted proxy's preambles under a rule that reads only X-Forwarded-For. */
static void test_not_read(void **state)
{
	const struct diagnosis *d;

	(void)state;
	for (unsigned int i = 0; i < 4; i++)
		event("198.18.0.2", pp_proxy(i), "", "", "peer");
	assert_null(get(DIAG_PP_NOT_READ));
	for (unsigned int i = 4; i < 60; i++)
		event("198.18.0.2", pp_proxy(i), "", "", "peer");
	/* Not read: the clients all look like the proxy, but that is no NAT. */
	assert_true(only(DIAG_PP_NOT_READ));
	d = get(DIAG_PP_NOT_READ);
	assert_int_equal(d->severity, LEVEL_MEDIUM);
	assert_int_equal(d->requests, 60);
	assert_false(d->fix.pp_with_header);
	assert_string_equal(d->fix.header_key, "x-forwarded-for");
}

/* The default header list reads no preamble: a trusted sender's preambles are not read. */
static void test_not_read_by_default(void **state)
{
	static struct options o;

	(void)state;
	options_defaults(&o);
	memcpy(rule.headers, o.global.headers, sizeof(rule.headers));
	rule.nheaders = o.global.nheaders;
	assert_false(topology_rule_reads_pp(&rule));
	for (unsigned int i = 0; i < 5; i++)
		event("198.18.0.2", pp_proxy(i), "", "", "peer");
	assert_true(only(DIAG_PP_NOT_READ));
	assert_string_equal(get(DIAG_PP_NOT_READ)->fix.header_key, "x-forwarded-for");
}

/* The same traffic under a rule that reads the preamble: clean; a header next to it is walked. */
static void test_read_rule_is_clean(void **state)
{
	(void)state;
	set_rule(true);
	for (unsigned int i = 0; i < 30; i++)
		event("198.18.0.2", pp_proxy(i), "", "", "proxy-protocol");
	assert_null(get(DIAG_PP_NOT_READ));
	assert_int_equal(ds.n, 0);
	/* Not read when the proxy's header names the preamble's client anyway: no diagnosis either. */
	teardown(state);
	setup(state);
	for (unsigned int i = 0; i < 30; i++) {
		char xff[32];

		snprintf(xff, sizeof(xff), "203.0.113.%u", i % 200 + 1);
		event("198.18.0.2", pp_proxy(i), "", xff, "x-forwarded-for");
	}
	assert_null(get(DIAG_PP_NOT_READ));
	/* A header that names someone else: the client's own, behind a layer-4 sender (high). */
	teardown(state);
	setup(state);
	for (unsigned int i = 0; i < 30; i++)
		event("198.18.0.2", pp_proxy(i), "", "6.6.6.6", "x-forwarded-for");
	assert_non_null(get(DIAG_PP_NOT_READ));
	assert_int_equal(get(DIAG_PP_NOT_READ)->severity, LEVEL_HIGH);
}

static void test_missing(void **state)
{
	const struct diagnosis *d;

	(void)state;
	for (unsigned int i = 0; i < 4; i++)
		event("198.18.0.2", "", "\"proxy-protocol-missing\"", "", "peer");
	assert_null(get(DIAG_PP_MISSING));
	event("198.18.0.7", "", "\"proxy-protocol-missing\"", "", "peer");
	d = get(DIAG_PP_MISSING);
	assert_non_null(d);
	assert_int_equal(d->severity, LEVEL_MEDIUM);
	assert_int_equal(d->naddrs, 2);
	assert_non_null(strstr(d->summary, "from 2 peers"));
}

static void test_unexpected(void **state)
{
	const struct diagnosis *d;

	(void)state;
	for (unsigned int i = 0; i < 5; i++)
		event("198.18.0.2", pp_proxy(i), "\"proxy-protocol-unexpected\"", "", "peer");
	d = get(DIAG_PP_UNEXPECTED);
	assert_non_null(d);
	assert_string_equal(d->fix.pp_mode, "required");
	event("198.18.0.2", "", "", "", "peer"); /* one without: optional */
	assert_string_equal(get(DIAG_PP_UNEXPECTED)->fix.pp_mode, "optional");
	/* Four of them: nothing. */
	teardown(state);
	setup(state);
	for (unsigned int i = 0; i < 4; i++)
		event("198.18.0.2", pp_proxy(i), "\"proxy-protocol-unexpected\"", "", "peer");
	assert_null(get(DIAG_PP_UNEXPECTED));
}

/* The errors: the first TOPO_PP_ERRORS distinct ones counted, the rest together. */
static void test_malformed(void **state)
{
	static const char fmt[] = "{\"state\":\"malformed\",\"version\":1,\"error\":\"e%u\"}";
	const struct topo_pp *pp = &topo.listeners[0].pp;
	char obj[128];

	(void)state;
	for (unsigned int i = 0; i < 4; i++) {
		snprintf(obj, sizeof(obj), fmt, 0U);
		event("198.18.0.2", obj, "\"proxy-protocol-malformed\"", "", "peer");
	}
	assert_null(get(DIAG_PP_MALFORMED));
	for (unsigned int i = 1; i <= TOPO_PP_ERRORS + 1; i++) {
		snprintf(obj, sizeof(obj), fmt, i);
		event("198.18.0.2", obj, "", "", "peer"); /* the state alone says so */
	}
	assert_non_null(get(DIAG_PP_MALFORMED));
	assert_int_equal(pp->nerrors, TOPO_PP_ERRORS);
	assert_string_equal(pp->errors[0].text, "e0");
	assert_int_equal(pp->errors[0].count, 4);
	assert_int_equal(pp->errors_other, 2);
	assert_non_null(strstr(get(DIAG_PP_MALFORMED)->summary, "the first: e0"));
	/* Truncated counts too; a parsed one does not. */
	event("198.18.0.2", "{\"state\":\"truncated\"}", "", "", "peer");
	assert_int_equal(pp->malformed, TOPO_PP_ERRORS + 1 + 4 + 1);
	event("198.18.0.2", pp_proxy(1), "", "", "peer");
	assert_int_equal(pp->malformed, TOPO_PP_ERRORS + 1 + 4 + 1);
}

static void test_shared_connection(void **state)
{
	const struct diagnosis *d;

	(void)state;
	set_rule(true);
	for (unsigned int i = 0; i < 4; i++)
		event("198.18.0.2", pp_proxy(0), "\"proxy-protocol-shared-connection\"",
		      "198.51.100.9", "proxy-protocol");
	assert_null(get(DIAG_PP_SHARED_CONNECTION));
	event("198.18.0.2", pp_proxy(0), "\"proxy-protocol-shared-connection\"", "198.51.100.9",
	      "proxy-protocol");
	d = get(DIAG_PP_SHARED_CONNECTION);
	assert_non_null(d);
	assert_int_equal(d->severity, LEVEL_HIGH);
	/* Only the sender can fix it: never "read the header instead", trusted or not. */
	assert_non_null(strstr(d->summary, "stop connection reuse at the sender"));
	assert_null(strstr(d->summary, "instead"));
	teardown(state);
	setup(state);
	for (unsigned int i = 0; i < 5; i++)
		event("198.18.0.9", pp_proxy(0), "\"proxy-protocol-shared-connection\"",
		      "198.51.100.9", "peer");
	assert_non_null(strstr(get(DIAG_PP_SHARED_CONNECTION)->summary, "stop connection reuse"));
}

/* The report's fields: counts per listener and peer, errors, examples' preambles. */
static void test_report_json(void **state)
{
	struct report_source src = { .kind = "events" };
	struct report_stack stack = { .mask = 1U << STACK_HAPROXY };
	struct report r = { .t = &topo, .ds = &ds, .src = &src, .stack = &stack };
	char *buf = NULL;
	size_t len = 0;
	FILE *f;

	(void)state;
	for (unsigned int i = 0; i < 3; i++)
		event("198.18.0.2", PP_LOCAL, "", "", "peer");
	for (unsigned int i = 0; i < 5; i++)
		event("198.18.0.2", "{\"state\":\"malformed\",\"version\":2,\"error\":\"v2: bad\"}",
		      "\"proxy-protocol-malformed\"", "", "peer");
	topology_finish(&topo);
	diagnose(&topo, &ds);
	f = open_memstream(&buf, &len);
	assert_int_equal(report_json(f, &r), 0);
	fclose(f);
	if (getenv("SHOW"))
		fputs(buf, stderr);
	assert_non_null(strstr(buf, "\"proxy_protocol\":{\"requests\":5,\"usable\":0,"
				    "\"health_checks\":3,\"untrusted\":0,\"v1\":0,\"v2\":8,"
				    "\"lost\":0}"));
	assert_non_null(strstr(buf, "\"proxy_protocol_errors\":[{\"error\":\"v2: bad\","
				    "\"requests\":5}],\"proxy_protocol_other_errors\":0"));
	assert_non_null(strstr(buf, "\"findings\":[\"proxy-protocol-malformed\"],"
				    "\"proxy_protocol\":{\"state\":\"malformed\",\"version\":2,"
				    "\"error\":\"v2: bad\"}"));
	/* Health checks are no requests: not in summary.requests, nor charted or ranked. */
	assert_non_null(strstr(buf, "\"health_checks\":3,\"requests\":5,\"clients\":1,"
				    "\"forged_requests\":0}"));
	assert_non_null(strstr(buf,
			       "\"buckets\":[{\"start\":\"2026-12-08T10:00:00Z\","
			       "\"requests\":5,\"findings\":{\"proxy-protocol-malformed\":5}}]"));
	free(buf);
	buf = NULL;
	f = open_memstream(&buf, &len);
	report_text(f, &r);
	fclose(f);
	assert_non_null(strstr(buf, "5 requests on 1 listener (and 3 health checks: PROXY LOCAL)"));
	assert_non_null(strstr(buf, "error \"v2: bad\": 5 requests"));
	assert_non_null(strstr(buf, ", preamble malformed v2: v2: bad; proxy-protocol-malformed"));
	free(buf);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_token_source, setup, teardown),
		cmocka_unit_test_setup_teardown(test_local_health_checks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_sender_proxy_like, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_sender_headers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_untrusted_sender_block, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_read, setup, teardown),
		cmocka_unit_test_setup_teardown(test_not_read_by_default, setup, teardown),
		cmocka_unit_test_setup_teardown(test_read_rule_is_clean, setup, teardown),
		cmocka_unit_test_setup_teardown(test_missing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unexpected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_malformed, setup, teardown),
		cmocka_unit_test_setup_teardown(test_shared_connection, setup, teardown),
		cmocka_unit_test_setup_teardown(test_report_json, setup, teardown),
	};

	return cmocka_run_group_tests_name("doctor PROXY protocol", tests, NULL, NULL);
}
