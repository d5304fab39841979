// SPDX-License-Identifier: BSD-2-Clause
/*
 * The doctor's top clients and forgers: exact counts while the clients fit
 * RANK_TRACKED, lower bounds past it; forgers, their values and the cut at
 * their bounds; the report's JSON of them, pseudonymised as its other
 * addresses.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <cmocka.h>

#include "doctor/report.h"
#include "json_at.h"

#define F_SPOOF (1U << FINDING_SPOOFED_HEADER)
#define F_HOPS	(1U << FINDING_HOPS_FROM_UNTRUSTED_PEER)
#define F_PP	(1U << FINDING_PP_FROM_UNTRUSTED_PEER)

static struct client_rank rk;
static struct observation o;

static int setup(void **state)
{
	(void)state;
	rank_init(&rk);
	return 0;
}

static void set_addr(struct obs_addr *a, const char *text)
{
	snprintf(a->text, sizeof(a->text), "%s", text);
	a->is_addr = ip_parse(text, strlen(text), &a->addr) == 0;
}

/* A request from TCP peer @source on port 5000, client @client, with @findings and no chain. */
static void request(const char *source, const char *client, uint32_t findings)
{
	memset(&o, 0, sizeof(o));
	set_addr(&o.source, source);
	set_addr(&o.client, client);
	o.port = 5000;
	o.findings = findings;
}

static void chain(const char *hop)
{
	snprintf(o.hops[o.nhops++], OBS_HOP_TEXT, "%s", hop);
	o.chain_length = o.nhops;
	o.header = XFFW_F_X_FORWARDED_FOR;
	o.present |= 1U << XFFW_F_X_FORWARDED_FOR;
}

/* The first line @text of client header @id, as event_read keeps it. */
static void raw(unsigned int id, const char *text)
{
	o.present |= 1U << id;
	o.client_raw_id[o.nclient_raw] = id;
	snprintf(o.client_raw[o.nclient_raw++], OBS_RAW_TEXT, "%s", text);
}

/* Client @i: 198.18.H.L. */
static void client_text(char *buf, size_t len, unsigned int i)
{
	snprintf(buf, len, "198.18.%u.%u", i / 256, i % 256);
}

/* RANK_TRACKED distinct clients, client i with i + 1 requests: every count exact. */
static void test_exact_at_the_bound(void **state)
{
	const struct rank_entry *top[RANK_SHOWN];
	char a[32];

	(void)state;
	for (unsigned int i = 0; i < RANK_TRACKED; i++)
		for (unsigned int k = 0; k <= i; k++) {
			client_text(a, sizeof(a), i);
			request("198.18.200.1", a, 0);
			rank_add(&rk, &o, NULL);
		}
	assert_true(rank_exact(&rk));
	assert_int_equal(rank_distinct(&rk), RANK_TRACKED);
	assert_int_equal(rank_top(&rk, top, RANK_SHOWN), RANK_SHOWN);
	for (unsigned int i = 0; i < RANK_SHOWN; i++) {
		client_text(a, sizeof(a), RANK_TRACKED - 1 - i);
		assert_string_equal(top[i]->addr.text, a);
		assert_int_equal(rank_requests(top[i]), RANK_TRACKED - i);
		assert_int_equal(top[i]->error, 0);
	}
	assert_int_equal(rk.forged_requests, 0);
	assert_int_equal(rk.nforgers, 0);
}

/* One past: no longer exact; the counts shown stay lower bounds; the heavy client stays first. */
static void test_one_past_the_bound(void **state)
{
	const struct rank_entry *top[RANK_TRACKED];
	static uint64_t truth[RANK_TRACKED + 1];
	char a[32];
	size_t n;

	(void)state;
	for (unsigned int i = 0; i <= RANK_TRACKED; i++) {
		client_text(a, sizeof(a), i);
		request("198.18.200.1", a, 0);
		for (unsigned int k = 0; k < (i ? 1 : 50); k++) {
			rank_add(&rk, &o, NULL);
			truth[i]++;
		}
		if (i == RANK_TRACKED - 1)
			assert_true(rank_exact(&rk));
	}
	assert_false(rank_exact(&rk));
	assert_true(rank_distinct(&rk) >= RANK_TRACKED && rank_distinct(&rk) <= RANK_TRACKED + 1);
	n = rank_top(&rk, top, RANK_TRACKED);
	assert_int_equal(n, RANK_TRACKED);
	assert_string_equal(top[0]->addr.text, "198.18.0.0");
	assert_int_equal(rank_requests(top[0]), 50);
	for (size_t i = 0; i < n; i++) {
		unsigned int h, l;

		assert_int_equal(sscanf(top[i]->addr.text, "198.18.%u.%u", &h, &l), 2);
		assert_true(rank_requests(top[i]) <= truth[h * 256 + l]);
		assert_true(top[i]->count >= truth[h * 256 + l]);
	}
}

/* Many distinct clients evicting each other: the table still finds each it follows. */
static void test_churn_keeps_lookup(void **state)
{
	char a[32];

	(void)state;
	for (unsigned int i = 0; i < 20000; i++) {
		client_text(a, sizeof(a), i % 5000);
		request("198.18.200.1", a, 0);
		rank_add(&rk, &o, NULL);
	}
	assert_int_equal(rk.n, RANK_TRACKED);
	for (size_t i = 0; i < rk.n; i++) {
		uint64_t before = rk.e[i].count;
		struct obs_addr keep = rk.e[i].addr;

		request("198.18.200.1", keep.text, 0);
		rank_add(&rk, &o, NULL);
		assert_string_equal(rk.e[i].addr.text, keep.text); /* found, not replaced */
		assert_int_equal(rk.e[i].count, before + 1);
	}
	/* 5000 distinct: the bitmap's lower bound, a little under for collisions. */
	assert_true(rank_distinct(&rk) <= 5000 && rank_distinct(&rk) > 4700);
}

/* FORGERS_MAX forgers kept, the next counted; values at FORGER_VALUES and one past. */
static void test_forgers_bound(void **state)
{
	char peer[32], v[32];

	(void)state;
	for (unsigned int i = 0; i <= FORGERS_MAX; i++) {
		snprintf(peer, sizeof(peer), "198.18.100.%u", i);
		for (unsigned int k = 0; k <= FORGER_VALUES; k++) {
			request(peer, "203.0.113.1", F_SPOOF);
			snprintf(v, sizeof(v), "203.0.113.%u", k);
			chain(v);
			rank_add(&rk, &o, NULL);
		}
	}
	/* Not forging: a finding of another kind. */
	request("198.18.100.0", "203.0.113.1", 1U << FINDING_LEFTMOST_DIFFERS);
	rank_add(&rk, &o, NULL);
	assert_int_equal(rk.nforgers, FORGERS_MAX);
	assert_int_equal(rank_forgers_omitted(&rk), 1);
	assert_int_equal(rk.forgers_omitted_requests, FORGER_VALUES + 1);
	assert_int_equal(rk.forged_requests, (FORGERS_MAX + 1) * (FORGER_VALUES + 1));
	for (size_t i = 0; i < rk.nforgers; i++) {
		const struct forger *f = &rk.forgers[i];

		assert_int_equal(f->requests, FORGER_VALUES + 1);
		assert_int_equal(f->nvalues, FORGER_VALUES);
		assert_int_equal(f->values_other, 1);
		assert_string_equal(f->values[FORGER_VALUES - 1].text, "203.0.113.7");
		assert_int_equal(f->findings, F_SPOOF);
		assert_int_equal(f->headers, 1U << XFFW_F_X_FORWARDED_FOR);
	}
}

/* A value: whole hops, cut with "..." at FORGER_VALUE_TEXT, "..." first when the event shortened it. */
static void test_value_cut(void **state)
{
	char hop[OBS_HOP_TEXT];
	const char *t;

	(void)state;
	memset(hop, 'a', sizeof(hop) - 1);
	hop[sizeof(hop) - 1] = '\0';
	request("198.18.100.1", "203.0.113.1", F_HOPS);
	for (int i = 0; i < 5; i++)
		chain(hop); /* 5 x 63 bytes: two fit */
	rank_add(&rk, &o, NULL);
	t = rk.forgers[0].values[0].text;
	assert_true(strlen(t) < FORGER_VALUE_TEXT);
	assert_int_equal(strlen(t), 2 * 63 + 2 + 2 + strlen(FORGER_CUT));
	assert_memory_equal(t + strlen(t) - 5, ", ...", 5);
	/* The event kept the rightmost 2 of 9: "..." first. */
	request("198.18.100.1", "203.0.113.1", F_HOPS);
	chain("198.51.100.7");
	chain("10.0.0.1");
	o.chain_length = 9;
	rank_add(&rk, &o, NULL);
	assert_string_equal(rk.forgers[0].values[1].text, "..., 198.51.100.7, 10.0.0.1");
	/* The longest that fits without a cut. */
	request("198.18.100.1", "203.0.113.1", F_HOPS);
	hop[FORGER_VALUE_TEXT - 1 - 2 - strlen(FORGER_CUT) - 2 - 63 - 2 - 63] = '\0';
	chain(hop);
	memset(hop, 'b', OBS_HOP_TEXT - 1);
	hop[OBS_HOP_TEXT - 1] = '\0';
	chain(hop);
	chain(hop);
	rank_add(&rk, &o, NULL);
	t = rk.forgers[0].values[2].text;
	assert_null(strstr(t, FORGER_CUT));
	assert_int_equal(strlen(t), FORGER_VALUE_TEXT - 1 - strlen(FORGER_CUT) - 2);
}

/* An untrusted PROXY preamble: its source is the value, "proxy-protocol" the header. */
static void test_preamble_forger(void **state)
{
	(void)state;
	request("198.18.100.1", "203.0.113.5", F_PP);
	o.pp.state = REQ_PP_OK;
	o.pp.has_addr = true;
	set_addr(&o.pp.source, "203.0.113.5");
	rank_add(&rk, &o, NULL);
	assert_int_equal(rk.nforgers, 1);
	assert_string_equal(rk.forgers[0].values[0].text, "203.0.113.5");
	assert_int_equal(rk.forgers[0].headers, 1U << TRUST_PROXY_PROTOCOL);
}

/*
 * A header the rule does not read (X-Real-IP when it reads X-Forwarded-For):
 * no chain, so the raw line is the value, its items whole from the left, cut
 * with "..." where they do not fit; a pseudonymised event (no raw line) adds none.
 */
static void test_raw_header_forger(void **state)
{
	char longer[OBS_RAW_TEXT];
	const char *t;
	size_t n = 0;

	(void)state;
	request("198.18.100.1", "198.18.100.1", F_SPOOF);
	raw(XFFW_F_X_REAL_IP, " 203.0.113.9 ");
	rank_add(&rk, &o, NULL);
	assert_int_equal(rk.nforgers, 1);
	assert_int_equal(rk.forgers[0].nvalues, 1);
	assert_string_equal(rk.forgers[0].values[0].text, "203.0.113.9");
	assert_int_equal(rk.forgers[0].headers, 1U << XFFW_F_X_REAL_IP);

	/* Items to OBS_RAW_TEXT - 1 bytes: whole ones kept, then "...". */
	request("198.18.100.1", "198.18.100.1", F_SPOOF);
	while (n + 20 < sizeof(longer))
		n += (size_t)snprintf(longer + n, sizeof(longer) - n, "%sfor=198.51.100.%zu",
				      n ? "," : "", n % 200);
	raw(XFFW_F_FORWARDED, longer);
	rank_add(&rk, &o, NULL);
	assert_int_equal(rk.forgers[0].nvalues, 2);
	t = rk.forgers[0].values[1].text;
	assert_true(strlen(t) < FORGER_VALUE_TEXT);
	assert_string_equal(t + strlen(t) - strlen(", " FORGER_CUT), ", " FORGER_CUT);
	assert_memory_equal(t, "for=198.51.100.0, for=198.51.100.", 33);

	/* One item longer than a hop: cut at once. */
	request("198.18.100.1", "198.18.100.1", F_SPOOF);
	memset(longer, 'a', sizeof(longer) - 1);
	longer[sizeof(longer) - 1] = '\0';
	raw(XFFW_F_X_REAL_IP, longer);
	rank_add(&rk, &o, NULL);
	assert_string_equal(rk.forgers[0].values[2].text, FORGER_CUT);

	/* Pseudonymised: no chain, no raw line, no value, still a forger's request. */
	request("198.18.100.1", "198.18.100.1", F_SPOOF);
	rank_add(&rk, &o, NULL);
	assert_int_equal(rk.forgers[0].nvalues, 3);
	assert_int_equal(rk.forgers[0].requests, 4);
}

/*
 * Every client header a forger sent gives a value carrying its header (review
 * B2 M2): the chain for the header it came from, the first line for the
 * others; (header, value) pairs are what FORGER_VALUES bounds.
 */
static void test_values_per_header(void **state)
{
	struct trust_rule rule = { .nheaders = 1, .headers = { XFFW_F_X_FORWARDED_FOR } };
	const struct forger *f = &rk.forgers[0];

	(void)state;
	request("198.51.100.3", "198.51.100.3", F_SPOOF);
	chain("192.0.2.62");
	o.header = 0; /* the peer untrusted: client.ip is the peer */
	raw(XFFW_F_X_FORWARDED_FOR, "192.0.2.62");
	raw(XFFW_F_X_REAL_IP, "192.0.2.63");
	raw(XFFW_F_TRUE_CLIENT_IP, "192.0.2.64");
	rank_add(&rk, &o, &rule);
	assert_int_equal(f->nvalues, 3);
	assert_int_equal(f->values[0].header, XFFW_F_X_FORWARDED_FOR);
	assert_string_equal(f->values[0].text, "192.0.2.62");
	assert_int_equal(f->values[1].header, XFFW_F_X_REAL_IP);
	assert_string_equal(f->values[1].text, "192.0.2.63");
	assert_int_equal(f->values[2].header, XFFW_F_TRUE_CLIENT_IP);
	assert_string_equal(f->values[2].text, "192.0.2.64");
	assert_int_equal(f->headers, 1U << XFFW_F_X_FORWARDED_FOR | 1U << XFFW_F_X_REAL_IP |
					     1U << XFFW_F_TRUE_CLIENT_IP);

	/* The same value in another header is another pair. */
	request("198.51.100.3", "198.51.100.3", F_SPOOF);
	raw(XFFW_F_CF_CONNECTING_IP, "192.0.2.62");
	rank_add(&rk, &o, &rule);
	assert_int_equal(f->nvalues, 4);
	assert_int_equal(f->values[3].header, XFFW_F_CF_CONNECTING_IP);

	/* To FORGER_VALUES pairs, then counted. */
	for (unsigned int i = 0; i < FORGER_VALUES - 4 + 1; i++) {
		char v[32];

		snprintf(v, sizeof(v), "192.0.2.%u", 100 + i);
		request("198.51.100.3", "198.51.100.3", F_SPOOF);
		raw(XFFW_F_X_REAL_IP, v);
		rank_add(&rk, &o, &rule);
	}
	assert_int_equal(f->nvalues, FORGER_VALUES);
	assert_int_equal(f->values_other, 1);
}

/*
 * A forger's Forwarded value under pseudonymisation (review B2 M3): each
 * address (for=, by=, any parameter's, a bare one; quoted, bracketed, with
 * a port) shown as a client's; names, other parameters, "unknown" and
 * obfuscated nodes as they are; what is no node in for=/by= "invalid".
 */
static void test_forwarded_pseudonymised(void **state)
{
	static const char *const in_out[][2] = {
		{ "for=198.51.100.7", "for=198.51.100.0" },
		{ "for=\"[2001:db8::1]:443\"", "for=2001:db8::" },
		{ "For=\"198.51.100.8\";proto=https;by=203.0.113.9",
		  "For=198.51.100.0;proto=https;by=203.0.113.0" },
		{ "for=unknown;by=_hidden", "for=unknown;by=_hidden" },
		{ "for=x;host=example.com", "for=invalid;host=example.com" },
		{ "198.51.100.7=a", "invalid" },
		{ "host=\"198.51.100.7:80\"", "host=198.51.100.0" },
		{ "for=198.51.100.7, 198.51.100.8, ...", "for=198.51.100.0, 198.51.100.0, ..." },
		{ "for=\"198.51.100.9, 203.0.113.5\";by=x", "for=invalid;by=invalid" },
	};
	struct pseudo trunc = { .mode = PSEUDO_TRUNCATE },
		      hmac = { .mode = PSEUDO_HMAC, .keylen = PSEUDO_KEY_MIN };
	struct report r = { .pseudo = &trunc };
	char buf[REPORT_VALUE_MAX];
	struct trust_rule rule = { .nheaders = 1, .headers = { XFFW_F_X_FORWARDED_FOR } };

	(void)state;
	for (size_t i = 0; i < sizeof(in_out) / sizeof(in_out[0]); i++) {
		assert_string_equal(report_value(&r, XFFW_F_FORWARDED, in_out[i][0], buf),
				    in_out[i][1]);
		r.pseudo = &hmac;
		report_value(&r, XFFW_F_FORWARDED, in_out[i][0], buf);
		assert_null(strstr(buf, "198.51.100.7"));
		assert_null(strstr(buf, "2001:db8::1"));
		assert_null(strstr(buf, "203.0.113.9"));
		r.pseudo = &trunc;
	}
	/* The raw line is split into elements outside quoted-strings. */
	request("198.51.100.3", "198.51.100.3", F_SPOOF);
	raw(XFFW_F_FORWARDED, "for=\"a, b\";by=x, for=198.51.100.7");
	rank_add(&rk, &o, &rule);
	assert_string_equal(rk.forgers[0].values[0].text, "for=\"a, b\";by=x, for=198.51.100.7");
	/* An unclosed quote: split at every comma, as the trust chain does. */
	request("198.51.100.3", "198.51.100.3", F_SPOOF);
	raw(XFFW_F_FORWARDED, "for=\"a, b");
	rank_add(&rk, &o, &rule);
	assert_string_equal(rk.forgers[0].values[1].text, "for=\"a, b");
	assert_string_equal(report_value(&r, XFFW_F_FORWARDED, "for=\"a, b", buf),
			    "for=invalid, invalid");
}

/* The longest a value shows: shortest addresses ("::"), each an HMAC token; nothing cut. */
static void test_value_shown_bound(void **state)
{
	static struct topology t;
	struct pseudo pseudo = { .mode = PSEUDO_HMAC, .keylen = PSEUDO_KEY_MIN };
	struct report r = { .t = &t, .pseudo = &pseudo };
	char buf[REPORT_VALUE_MAX];
	const char *v, *shown;
	size_t hops = 0, tokens = 0;

	(void)state;
	request("198.18.100.1", "203.0.113.1", F_SPOOF);
	for (int i = 0; i < OBS_HOPS_MAX; i++)
		chain("::");
	rank_add(&rk, &o, NULL);
	v = rk.forgers[0].values[0].text;
	shown = report_value(&r, XFFW_F_X_FORWARDED_FOR, v, buf);
	for (const char *p = v; (p = strstr(p, "::")); p += 2)
		hops++;
	for (const char *p = shown; (p = strchr(p, ',')); p++)
		tokens++;
	assert_int_equal(tokens, hops); /* every hop, and the final "..." */
	assert_memory_equal(shown + strlen(shown) - 5, ", ...", 5);
	assert_true(strlen(shown) == hops * (PSEUDO_TOKEN_HEX + 2) + strlen(FORGER_CUT));
	assert_true(strlen(shown) < REPORT_VALUE_MAX);
}

/* The report: summary figures, pseudonyms merged in the top clients, values pseudonymised. */
static void test_report_json(void **state)
{
	static struct topology t;
	static struct diagnoses ds;
	struct trust_rule rule = { .nheaders = 1, .headers = { XFFW_F_X_FORWARDED_FOR } };
	struct pseudo pseudo = { .mode = PSEUDO_TRUNCATE };
	struct report_source src = { .kind = "events" };
	struct report_stack stack = { .mask = 1U << STACK_NGINX };
	struct report r = { .t = &t, .ds = &ds, .src = &src, .stack = &stack, .pseudo = &pseudo };
	char *buf = NULL;
	size_t len = 0;
	json_t *doc, *v;
	FILE *f;

	(void)state;
	assert_int_equal(topology_init(&t, &rule, 1), 0);
	assert_int_equal(diagnoses_init(&ds), 0);
	for (unsigned int i = 0; i < 30; i++) {
		char c[32];

		snprintf(c, sizeof(c), "198.51.100.%u", i % 3);
		request("198.18.0.9", c, i < 10 ? F_SPOOF : 0);
		o.ts_ns = (1795000000ULL + i * 10) * 1000000000ULL;
		if (i < 10)
			chain(i % 2 ? "<script>" : c);
		topology_add(&t, &o);
	}
	request("198.18.0.9", "198.51.100.1", 0); /* undated */
	topology_add(&t, &o);
	topology_finish(&t);
	diagnose(&t, &ds);
	f = open_memstream(&buf, &len);
	assert_int_equal(report_json(f, &r), 0);
	fclose(f);
	if (getenv("SHOW"))
		fputs(buf, stderr);
	doc = json_loads(buf, 0, NULL);
	assert_non_null(doc);
	assert_int_equal(json_integer_value(at(doc, "summary.requests")), 31);
	assert_int_equal(json_integer_value(at(doc, "summary.clients")), 3);
	assert_int_equal(json_integer_value(at(doc, "summary.forged_requests")), 10);
	assert_int_equal(json_integer_value(at(doc, "timeline.bucket_seconds")), 5);
	assert_string_equal(str_at(doc, "timeline.start"), "2026-11-18T11:06:40Z");
	assert_int_equal(json_integer_value(at(doc, "timeline.undated")), 1);
	assert_int_equal(json_array_size(at(doc, "timeline.buckets")), 59);
	v = json_array_get(at(doc, "timeline.buckets"), 2);
	assert_int_equal(json_integer_value(json_object_get(v, "requests")), 1);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(v, "findings"),
							    "spoofed-header-from-untrusted-peer")),
			 1);
	/* Three clients, one pseudonym (truncate: 198.51.100.0): one row of all 31. */
	assert_true(json_is_true(at(doc, "top_clients.exact")));
	v = json_array_get(at(doc, "top_clients.clients"), 0);
	assert_int_equal(json_array_size(at(doc, "top_clients.clients")), 1);
	assert_string_equal(json_string_value(json_object_get(v, "address")), "198.51.100.0");
	assert_int_equal(json_integer_value(json_object_get(v, "requests")), 31);
	v = json_array_get(at(doc, "forgers.forgers"), 0);
	assert_int_equal(json_integer_value(json_object_get(v, "listener")), 5000);
	assert_int_equal(json_integer_value(json_object_get(v, "requests")), 10);
	assert_string_equal(json_string_value(json_array_get(json_object_get(v, "headers"), 0)),
			    "x-forwarded-for");
	/* "<script>" is no address: "invalid"; the addresses merge into one pseudonym. */
	v = json_object_get(v, "values");
	assert_int_equal(json_array_size(v), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "value")),
			    "198.51.100.0");
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 0), "header")),
			    "x-forwarded-for");
	assert_int_equal(json_integer_value(json_object_get(json_array_get(v, 0), "requests")), 5);
	assert_string_equal(json_string_value(json_object_get(json_array_get(v, 1), "value")),
			    "invalid");
	assert_null(strstr(buf, "198.51.100.1"));
	json_decref(doc);
	free(buf);
	diagnoses_free(&ds);
	topology_free(&t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_exact_at_the_bound, setup),
		cmocka_unit_test_setup(test_one_past_the_bound, setup),
		cmocka_unit_test_setup(test_churn_keeps_lookup, setup),
		cmocka_unit_test_setup(test_forgers_bound, setup),
		cmocka_unit_test_setup(test_value_cut, setup),
		cmocka_unit_test_setup(test_preamble_forger, setup),
		cmocka_unit_test_setup(test_raw_header_forger, setup),
		cmocka_unit_test_setup(test_values_per_header, setup),
		cmocka_unit_test_setup(test_forwarded_pseudonymised, setup),
		cmocka_unit_test_setup(test_value_shown_bound, setup),
		cmocka_unit_test(test_report_json),
	};

	return cmocka_run_group_tests_name("doctor client rank", tests, NULL, NULL);
}
