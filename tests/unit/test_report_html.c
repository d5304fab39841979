// SPDX-License-Identifier: BSD-2-Clause
/*
 * The doctor's HTML page: hostile values render as text, the page holds no
 * script and no URL, every data-json element's text is the JSON value at its
 * pointer, and the page stays under its bound with every table full.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "doctor/diagnose.h"
#include "doctor/html_write.h"
#include "doctor/report.h"
#include "doctor/report_svg.h"
#include "doctor/timeline.h"
#include "doctor/client_rank.h"

/* The bound docs/doctor.md states for any page. */
#define PAGE_BOUND (2 * 1000 * 1000)

static const char *const hostile[] = {
	"<script>alert(1)</script>",
	"</svg><img src=x onerror=alert(1)>",
	"\"onmouseover=\"x",
	"' autofocus onfocus='x",
	"&amp;&lt;",
	"https://evil.example/x",
	"a\x01\rb\x7f",
	"]]><!--",
};
#define NHOSTILE (sizeof(hostile) / sizeof(hostile[0]))

static char *render(json_t *doc, size_t *len)
{
	char *json = json_dumps(doc, JSON_COMPACT), *page = NULL;
	FILE *f = open_memstream(&page, len);

	assert_non_null(json);
	assert_non_null(f);
	assert_int_equal(report_html_json(f, json, strlen(json)), 0);
	assert_int_equal(fclose(f), 0);
	free(json);
	return page;
}

/* Undoes html_esc: the five references and numeric ones. */
static size_t unescape(const char *s, size_t n, char *out)
{
	static const struct {
		const char *ref;
		char c;
	} refs[] = { { "&amp;", '&' }, { "&lt;", '<' }, { "&gt;", '>' }, { "&quot;", '"' } };
	size_t o = 0;

	for (size_t i = 0; i < n;) {
		bool done = false;

		for (size_t k = 0; k < 4 && !done; k++)
			if (!strncmp(s + i, refs[k].ref, strlen(refs[k].ref))) {
				out[o++] = refs[k].c;
				i += strlen(refs[k].ref);
				done = true;
			}
		if (!done && s[i] == '&' && s[i + 1] == '#') {
			char *end;

			out[o++] = (char)strtoul(s + i + 2, &end, 10);
			assert_int_equal(*end, ';');
			i = (size_t)(end + 1 - s);
		} else if (!done) {
			out[o++] = s[i++];
		}
	}
	out[o] = '\0';
	return o;
}

/*
 * Every tag of @page: no script, no URL, src or href but "#fragment". Each
 * '<' starts a tag: every value's '<' is escaped. Returns the tags.
 */
static size_t check_tags(const char *page)
{
	size_t tags = 0;

	for (const char *p = strchr(page, '<'); p; p = strchr(p + 1, '<')) {
		const char *end = strchr(p, '>');
		char tag[4096];

		assert_non_null(end);
		snprintf(tag, sizeof(tag), "%.*s", (int)(end - p + 1), p);
		assert_null(strcasestr(tag, "<script"));
		assert_null(strcasestr(tag, "http:"));
		assert_null(strcasestr(tag, "https:"));
		assert_null(strcasestr(tag, "src="));
		assert_null(strcasestr(tag, " on"));
		for (const char *h = strcasestr(tag, "href="); h; h = strcasestr(h + 1, "href="))
			assert_true(!strncmp(h, "href=\"#", 7));
		for (const char *u = strstr(tag, "url("); u; u = strstr(u + 1, "url("))
			assert_true(!strncmp(u, "url(#", 5));
		tags++;
	}
	return tags;
}

/* The text JSON shows for a scalar: a string as it is, digits, true or false. */
static void same_value(json_t *v, const char *text, const char *ptr)
{
	char want[64];

	if (json_is_string(v)) {
		/* html_esc wrote what is not UTF-8 as U+FFFD, as the JSON writer would. */
		if (strcmp(json_string_value(v), text))
			fail_msg("%s: page \"%s\", JSON \"%s\"", ptr, text, json_string_value(v));
		return;
	}
	if (json_is_integer(v))
		snprintf(want, sizeof(want), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
	else if (json_is_boolean(v))
		snprintf(want, sizeof(want), "%s", json_is_true(v) ? "true" : "false");
	else
		fail_msg("%s: not a scalar", ptr);
	if (strcmp(want, text))
		fail_msg("%s: page %s, JSON %s", ptr, text, want);
}

/* Every data-json element's text against @doc; how many. @need: pointers that must be there. */
static size_t check_pointers(const char *page, json_t *doc, const char *const *need)
{
	static char ptr[HTML_POINTER_MAX * 6], text[1 << 16];
	size_t n = 0;

	for (const char *p = strstr(page, "data-json=\""); p; p = strstr(p + 1, "data-json=\"")) {
		const char *q = p + 11, *e = strchr(q, '"'), *t, *c, *lt;

		assert_non_null(e);
		unescape(q, (size_t)(e - q), ptr);
		t = strchr(e, '>') + 1;
		/* As a parser does: one newline right after <pre> is dropped. */
		for (lt = p; lt > page && *lt != '<'; lt--)
			;
		if (!strncmp(lt, "<pre", 4) && *t == '\n')
			t++;
		c = strchr(t, '<');
		assert_non_null(c);
		assert_true((size_t)(c - t) < sizeof(text));
		unescape(t, (size_t)(c - t), text);
		same_value(html_at(doc, ptr), text, ptr);
		n++;
	}
	for (; need && *need; need++) {
		char attr[HTML_POINTER_MAX + 16];

		snprintf(attr, sizeof(attr), "data-json=\"%s\"", *need);
		if (!strstr(page, attr))
			fail_msg("no %s", attr);
	}
	return n;
}

/* ---- documents made by hand ---- */

static json_t *str_of(size_t len, char c)
{
	char *s = malloc(len + 1);
	json_t *v;

	memset(s, c, len);
	s[len] = '\0';
	v = json_string(s);
	free(s);
	return v;
}

/*
 * A doctor document with @nl listeners of @np peers, @nb buckets, @nc clients,
 * @nf forgers of @nv values, @nd diagnoses of @nfix fixes, every string made
 * by @s(i) (a hostile value, or one at its length bound).
 */
struct shape {
	size_t nl, np, nb, nc, nf, nv, nd, nfix;
	json_t *(*s)(size_t kind, size_t i);
};

enum { S_ADDR, S_VALUE, S_SUMMARY, S_WHERE, S_FIX, S_IFACE, S_TIME };

static json_t *doc_of(const struct shape *sh)
{
	json_t *doc = json_pack("{s:s, s:{s:s, s:[s], s:s, s:i}, s:{s:[s], s:b, s:s}}", "schema",
				"xffwatch.doctor/1", "source", "kind", "events", "files",
				"<script>x</script>.jsonl", "ended_by", "end", "events", 7000000,
				"stack", "names", "nginx", "guessed", 1, "why", "</style><b>");
	json_t *ls = json_array(), *bs = json_array(), *cs = json_array(), *fs = json_array(),
	       *ds = json_array();

	for (size_t l = 0; l < sh->nl; l++) {
		json_t *peers = json_array();

		for (size_t k = 0; k < sh->np; k++)
			json_array_append_new(
				peers, json_pack("{s:o, s:b, s:s, s:i, s:i, s:b}", "address",
						 sh->s(S_ADDR, k), "trusted", k % 3 == 0, "role",
						 k % 2 ? "client" : "proxy", "requests",
						 1000000 + k, "clients", 64, "clients_capped", 1));
		json_array_append_new(ls, json_pack("{s:i, s:o, s:i, s:o, s:i, s:i}", "port",
						    5000 + l, "interface", sh->s(S_IFACE, l),
						    "requests", 9999999, "peers", peers,
						    "peers_omitted", 12345, "omitted_requests", 7));
	}
	for (size_t b = 0; b < sh->nb; b++) {
		json_t *fd = json_object();

		for (unsigned int k = 0; k < FINDING__MAX; k++)
			json_object_set_new(fd, finding_name(k), json_integer(100000 + b * k));
		json_array_append_new(bs, json_pack("{s:o, s:i, s:o}", "start", sh->s(S_TIME, b),
						    "requests", 999999 + b, "findings", fd));
	}
	for (size_t c = 0; c < sh->nc; c++)
		json_array_append_new(cs, json_pack("{s:o, s:i}", "address", sh->s(S_ADDR, c),
						    "requests", 1000000 - c));
	for (size_t i = 0; i < sh->nf; i++) {
		json_t *vals = json_array(), *fnd = json_array(), *hdr = json_array();

		for (size_t k = 0; k < sh->nv; k++)
			json_array_append_new(
				vals, json_pack("{s:s, s:o, s:i}", "header", "cf-connecting-ip",
						"value", sh->s(S_VALUE, k), "requests", 99999));
		for (unsigned int k = 0; k < FINDING__MAX; k++)
			json_array_append_new(fnd, json_string(finding_name(k)));
		for (unsigned int id = 1; id < XFFW_F__MAX; id++)
			json_array_append_new(hdr, json_string(field_key(id)));
		json_array_append_new(fs, json_pack("{s:o, s:i, s:i, s:o, s:o, s:o, s:i}",
						    "address", sh->s(S_ADDR, i), "listener", 5000,
						    "requests", 999999, "findings", fnd, "headers",
						    hdr, "values", vals, "values_other", 77));
	}
	for (size_t i = 0; i < sh->nd; i++) {
		json_t *addrs = json_array(), *fixes = json_array();

		for (size_t k = 0; k < FIX_ADDRS_MAX; k++)
			json_array_append_new(addrs, sh->s(S_ADDR, k));
		for (size_t k = 0; k < sh->nfix; k++)
			json_array_append_new(fixes, json_pack("{s:s, s:o, s:o}", "for", "nginx",
							       "where", sh->s(S_WHERE, k), "text",
							       sh->s(S_FIX, k)));
		json_array_append_new(
			ds, json_pack("{s:s, s:s, s:s, s:s, s:{s:i}, s:o, s:{s:i, s:i, s:o}, s:o}",
				      "id", diagnosis_names[i % DIAG__MAX], "title",
				      diagnosis_titles[i % DIAG__MAX], "severity",
				      i % 2 ? "high" : "<b>", "confidence", "high", "listener",
				      "port", 5000, "summary", sh->s(S_SUMMARY, i), "evidence",
				      "requests", 5, "of", 10, "addresses", addrs, "fixes", fixes));
	}
	json_object_set_new(
		doc, "topology",
		json_pack("{s:o, s:i}", "listeners", ls, "listeners_omitted_requests", 3));
	json_object_set_new(doc, "timeline",
			    json_pack("{s:i, s:s, s:o, s:i, s:i}", "bucket_seconds", 60, "start",
				      "2026-12-07T08:00:00Z", "buckets", bs, "undated", 4,
				      "outside", 100));
	json_object_set_new(doc, "top_clients",
			    json_pack("{s:b, s:o, s:i}", "exact", 0, "clients", cs,
				      "distinct_at_least", 65536));
	json_object_set_new(
		doc, "forgers",
		json_pack("{s:o, s:i, s:i}", "forgers", fs, "omitted", 9, "omitted_requests", 99));
	json_object_set_new(doc, "diagnoses", ds);
	json_object_set_new(doc, "suggestions", json_array());
	json_object_set_new(doc, "summary",
			    json_pack("{s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i}", "requests",
				      7000000, "clients", 65536, "forged_requests", 12345,
				      "diagnoses", (int)sh->nd, "suggestions", 0, "high", 1,
				      "medium", 0, "low", 0, "health_checks", 0));
	return doc;
}

static json_t *hostile_string(size_t kind, size_t i)
{
	if (kind == S_TIME)
		return json_string("2026-12-07T08:00:00Z");
	return json_string(hostile[(i + kind) % NHOSTILE]);
}

static void test_hostile_values_are_text(void **state)
{
	struct shape sh = { 2, 6, 5, 4, 3, 4, 3, 2, hostile_string };
	static const char *const need[] = {
		"/summary/requests",
		"/summary/forged_requests",
		"/topology/listeners/0/port",
		"/topology/listeners/1/peers/0/address",
		"/timeline/buckets/0/requests",
		"/timeline/buckets/4/findings/truncated",
		"/top_clients/clients/0/address",
		"/top_clients/clients/3/requests",
		"/forgers/forgers/0/values/0/value",
		"/forgers/forgers/2/values/3/requests",
		"/diagnoses/0/id",
		"/diagnoses/2/fixes/1/text",
		NULL,
	};
	json_t *doc = doc_of(&sh);
	size_t len;
	char *page = render(doc, &len);

	(void)state;
	assert_true(check_tags(page) > 100);
	assert_null(strcasestr(page, "<script"));
	assert_null(strstr(page, "</svg><img"));
	assert_non_null(strstr(page, "&lt;script&gt;alert(1)&lt;/script&gt;"));
	assert_non_null(strstr(page, "&lt;/svg&gt;&lt;img src=x onerror=alert(1)&gt;"));
	assert_non_null(strstr(page, "&quot;onmouseover=&quot;x"));
	assert_non_null(strstr(page, "a&#1;&#13;b&#127;"));
	assert_true(check_pointers(page, doc, need) > 100);
	assert_non_null(
		strstr(page, "default-src 'none'; style-src 'unsafe-inline'; img-src data:"));
	/* Opened and closed alike: no value ends an element early. */
	for (const char *const *t =
		     (const char *const[]){ "svg", "table", "section", "pre", "article", NULL };
	     *t; t++) {
		char open[16], close[16];
		size_t o = 0, c = 0;

		snprintf(open, sizeof(open), "<%s", *t);
		snprintf(close, sizeof(close), "</%s>", *t);
		for (const char *p = strstr(page, open); p; p = strstr(p + 1, open))
			o++;
		for (const char *p = strstr(page, close); p; p = strstr(p + 1, close))
			c++;
		assert_int_equal(o, c);
	}
	free(page);
	json_decref(doc);
}

static json_t *plain_string(size_t kind, size_t i)
{
	char s[64];

	if (kind == S_TIME) {
		snprintf(s, sizeof(s), "2026-12-07T%02zu:%02zu:00Z", 8 + i / 60, i % 60);
		return json_string(s);
	}
	snprintf(s, sizeof(s), "%s%zu", i % 2 ? "203.0.113." : "it's <v> & \"q\" ", i);
	return json_string(s);
}

static void test_pointers_equal_json(void **state)
{
	struct shape sh = { 3, 20, 120, 20, 5, 8, 4, 3, plain_string };
	json_t *doc = doc_of(&sh);
	size_t len, n;
	char *page = render(doc, &len);

	(void)state;
	n = check_pointers(
		page, doc,
		(const char *const[]){ "/summary/requests", "/timeline/buckets/119/start",
				       "/top_clients/clients/19/address",
				       "/forgers/forgers/4/values/7/value", "/diagnoses/3/id",
				       "/schema", "/timeline/undated", "/timeline/outside", NULL });
	assert_true(n > 500);
	/* The requests the charts leave out are said to be left out (review M1). */
	assert_non_null(strstr(page, "Not in the charts"));
	/* top_clients.exact is false: said plainly (review L4). */
	assert_non_null(strstr(page, "Approximate.</strong> More distinct clients than the 256"));
	check_tags(page);
	free(page);
	json_decref(doc);
}

static json_t *v6_string(size_t kind, size_t i)
{
	if (kind == S_ADDR)
		return json_string("2001:db8:1234:5678:9abc:def0:1234:5678");
	return plain_string(kind, i);
}

/*
 * Layout (review L2): an address longer than a diagram box is cut in the
 * middle there, whole in the box's <title> (which carries the pointer) and in
 * the tables; every time tick lies inside the chart's viewBox (760 wide).
 */
static void test_layout_fits(void **state)
{
	struct shape sh = { 1, 2, 120, 2, 1, 1, 1, 1, v6_string };
	json_t *doc = doc_of(&sh);
	size_t len, ticks = 0;
	char *page = render(doc, &len);
	const char *p = page;

	(void)state;
	assert_non_null(strstr(page, "<text class=\"addr\" x=\"300\" y=\"52\"><title data-json="
				     "\"/topology/listeners/0/peers/0/address\">2001:db8:1234:5678:"
				     "9abc:def0:1234:5678</title>2001:db8:1234\xe2\x80\xa6"
				     "f0:1234:5678</text>"));
	assert_non_null(strstr(page, "data-json=\"/top_clients/clients/0/address\">2001:db8:1234:"
				     "5678:9abc:def0:1234:5678</td>"));
	while ((p = strstr(p, "<text class=\"tick\" x=\""))) {
		double x = strtod(p + strlen("<text class=\"tick\" x=\""), NULL);
		const char *t = strchr(p, '>') + 1;
		size_t n = (size_t)(strchr(t, '<') - t);

		if (strstr(p, "text-anchor=\"middle\"") < strchr(p, '>')) {
			assert_true(x + (double)n * 11 * 0.6 / 2 <= 760);
			ticks++;
		}
		p = t;
	}
	assert_int_equal(ticks, 12);
	check_pointers(page, doc, (const char *const[]){ NULL });
	free(page);
	json_decref(doc);
}

/* ---- the worst page: every table full, every string at its bound, all of it escaped ---- */

static json_t *worst_string(size_t kind, size_t i)
{
	static const size_t len[] = {
		[S_ADDR] = PSEUDO_TEXT_MAX - 1,
		[S_VALUE] = REPORT_VALUE_MAX - 1,
		[S_SUMMARY] = 1023,
		[S_WHERE] = FIX_WHERE_MAX - 1,
		[S_FIX] = FIX_TEXT_MAX - 1,
		[S_IFACE] = IF_NAMESIZE - 1,
	};

	if (kind == S_TIME)
		return plain_string(kind, i);
	/* '"' is the longest escape: six bytes. */
	return str_of(len[kind], '"');
}

static void test_worst_case_size(void **state)
{
	struct shape sh = { TOPO_LISTENERS_MAX, TOPO_PEERS_MAX, TIMELINE_BUCKETS,
			    RANK_SHOWN,		FORGERS_MAX,	FORGER_VALUES,
			    DIAGNOSES_MAX,	FIXES_MAX,	worst_string };
	json_t *doc = doc_of(&sh);
	size_t len;
	char *page = render(doc, &len);

	(void)state;
	print_message("worst page: %zu bytes (bound %d)\n", len, PAGE_BOUND);
	assert_true(len < PAGE_BOUND);
	/* Each budget was reached: its section went on in one-line items. */
	assert_non_null(strstr(page, "the diagram is left out"));
	assert_non_null(strstr(page, "left out (the page's size is bounded)"));
	assert_non_null(strstr(page, "Details and fixes: in"));
	check_tags(page);
	free(page);
	json_decref(doc);
}

/* ---- a report made by the doctor from events ---- */

static const char *const events[] = {
	"{\"@timestamp\":\"2026-12-07T08:00:00.000Z\",\"event\":{\"dataset\":\"xffwatch.audit\"},"
	"\"client\":{\"ip\":\"203.0.113.7\"},"
	"\"source\":{\"ip\":\"172.18.0.2\",\"port\":4000},\"destination\":{\"ip\":\"127.0.0.1\","
	"\"port\":5000},\"http\":{\"request\":{\"method\":\"GET\"}},\"url\":{\"path\":\"/\"},"
	"\"xffwatch\":{\"trust\":{\"header\":\"x-forwarded-for\",\"peer_trusted\":true,"
	"\"chain\":[\"203.0.113.7\"]},\"findings\":[]}}",
	"{\"@timestamp\":\"2026-12-07T08:05:00.000Z\",\"event\":{\"dataset\":\"xffwatch.audit\"},"
	"\"client\":{\"ip\":\"198.51.100.9\"},"
	"\"source\":{\"ip\":\"198.51.100.9\",\"port\":4001},\"destination\":{\"ip\":\"127.0.0.1\","
	"\"port\":5000},\"http\":{\"request\":{\"method\":\"GET\"}},\"url\":{\"path\":\"/"
	"<script>\"},"
	"\"xffwatch\":{\"trust\":{\"header\":\"peer\",\"peer_trusted\":false,"
	"\"chain\":[\"<script>\",\"10.0.0.1\"]},\"findings\":[\"spoofed-header-from-untrusted-"
	"peer\"],"
	"\"forwarded\":{\"x-forwarded-for\":[\"<script>, 10.0.0.1\"]}}}",
};

static void test_report_from_events(void **state)
{
	static struct topology t;
	static struct diagnoses ds;
	static struct observation o;
	static struct ip_cidr cidr;
	struct trust_rule rule = { .trusted = &cidr, .ntrusted = 1, .recursive = true, .hops = -1 };
	struct report_source src = { .kind = "events" };
	struct report_stack stack = { .mask = 1U << STACK_NGINX };
	struct report r = { .t = &t, .ds = &ds, .src = &src, .stack = &stack };
	char *json = NULL, *page = NULL;
	size_t jlen = 0, plen = 0;
	json_t *doc;
	FILE *f;

	(void)state;
	rule.headers[0] = XFFW_F_X_FORWARDED_FOR;
	rule.nheaders = 1;
	assert_int_equal(ip_cidr_parse("172.18.0.2/32", 13, &cidr, NULL), 0);
	assert_int_equal(topology_init(&t, &rule, 1), 0);
	assert_int_equal(diagnoses_init(&ds), 0);
	for (int i = 0; i < 30; i++) {
		const char *e = events[i % 2];

		assert_int_equal(observation_read(e, strlen(e), &o), 0);
		topology_add(&t, &o);
	}
	topology_finish(&t);
	diagnose(&t, &ds);
	f = open_memstream(&json, &jlen);
	assert_int_equal(report_json(f, &r), 0);
	fclose(f);
	f = open_memstream(&page, &plen);
	assert_int_equal(report_html(f, &r), 0);
	fclose(f);
	doc = json_loads(json, 0, NULL);
	assert_non_null(doc);
	assert_true(check_pointers(page, doc,
				   (const char *const[]){ "/source/events",
							  "/topology/listeners/0/port",
							  "/topology/listeners/0/peers/0/address",
							  "/diagnoses/0/id", NULL }) > 10);
	check_tags(page);
	assert_null(strcasestr(page, "<script"));
	assert_null(strstr(page, "Approximate."));
	json_decref(doc);
	free(json);
	free(page);
	diagnoses_free(&ds);
	topology_free(&t);
}

/* The diagram draws the peers with the most requests, the rest as "N more" (review B2 M1). */
static void test_diagram_busiest_first(void **state)
{
	json_t *peers = json_array(), *doc;
	char *page = NULL, a[32];
	size_t len = 0;
	FILE *f;

	(void)state;
	/* Ten direct peers in arrival order, 1 to 10 requests: the last two are the busiest. */
	for (int i = 0; i < 10; i++) {
		snprintf(a, sizeof(a), "203.0.113.%d", i + 1);
		json_array_append_new(peers, json_pack("{s:s, s:b, s:s, s:i, s:i}", "address", a,
						       "trusted", 0, "role", "client", "requests",
						       i + 1, "with_header", 1));
	}
	doc = json_pack("{s:{s:[{s:i, s:s, s:i, s:o, s:i}]}}", "topology", "listeners", "port",
			5000, "interface", "eth0", "requests", 55, "peers", peers, "peers_omitted",
			0);
	assert_non_null(doc);
	f = open_memstream(&page, &len);
	svg_topology(f, doc, 0);
	fclose(f);
	assert_non_null(strstr(page, "/peers/9/address\">203.0.113.10<"));
	assert_non_null(strstr(page, "/peers/2/address\">203.0.113.3<"));
	assert_null(strstr(page, "/peers/1/address"));
	assert_null(strstr(page, "/peers/0/address"));
	assert_non_null(strstr(page, "2 more direct peers"));
	/* Busiest first: 203.0.113.10 is drawn above 203.0.113.9. */
	assert_true(strstr(page, "203.0.113.10<") < strstr(page, "203.0.113.9<"));
	free(page);
	json_decref(doc);
}

/* One forged or direct request of test_steered_proxy_pseudonymised into @o. */
static void steered_event(struct observation *o, int i, const char *src_ip, const char *hop)
{
	char e[1024];

	snprintf(e, sizeof(e),
		 "{\"@timestamp\":\"2026-12-07T04:00:%02d.000Z\",\"event\":{\"dataset\":"
		 "\"xffwatch.audit\"},\"client\":{\"ip\":\"%s\"},\"source\":{\"ip\":\"%s\","
		 "\"port\":%d},\"destination\":{\"ip\":\"198.18.0.2\",\"port\":5000},"
		 "\"http\":{\"request\":{\"method\":\"GET\"}},\"url\":{\"path\":\"/\"},"
		 "\"user_agent\":{\"original\":\"ua%d\"},\"xffwatch\":{\"trust\":{"
		 "\"header\":\"%s\",\"peer_trusted\":false,\"chain\":[%s%s%s]},\"findings\":[%s],"
		 "\"forwarded\":{%s%s%s}}}",
		 i % 60, hop ? hop : src_ip, src_ip, 40000 + i, i % 2,
		 hop ? "x-forwarded-for" : "peer", hop ? "\"" : "", hop ? hop : "", hop ? "\"" : "",
		 hop ? "\"spoofed-header-from-untrusted-peer\"" : "",
		 hop ? "\"x-forwarded-for\":[\"" : "", hop ? hop : "", hop ? "\"]" : "");
	assert_int_equal(observation_read(e, strlen(e), o), 0);
}

/*
 * A direct client that rotates forged values and User-Agents is guessed a
 * proxy (the reviews' rot2.json, rot_10.8.0.5.json, rot_100.101.1.2.json):
 * under pseudonymisation it shows as a client everywhere, whatever its range
 * (public, VPN, CGNAT, ULA, v4-mapped): peers, examples, the diagnoses'
 * summaries and addresses, the fixes, the forgers, text, JSON and HTML. Only
 * a peer the rule trusts shows as it is (the daemon's rule for source.ip).
 */
static void test_steered_proxy_pseudonymised(void **state)
{
	static const char *const forgers[] = { "198.51.100.99", "10.8.0.5", "100.101.1.2",
					       "fd00::5", "::ffff:10.0.0.5" };
	static struct topology t;
	static struct diagnoses ds;
	static struct observation o;
	static struct ip_cidr cidr;
	struct trust_rule rule = { .trusted = &cidr, .ntrusted = 1, .recursive = true, .hops = -1 };
	struct report_source src = { .kind = "events" };
	struct report_stack stack = { .mask = 1U << STACK_NGINX };
	struct pseudo modes[] = { { .mode = PSEUDO_TRUNCATE },
				  { .mode = PSEUDO_HMAC, .keylen = PSEUDO_KEY_MIN } };

	(void)state;
	rule.headers[0] = XFFW_F_X_FORWARDED_FOR;
	rule.nheaders = 1;
	assert_int_equal(ip_cidr_parse("172.18.0.2/32", 13, &cidr, NULL), 0);
	for (size_t k = 0; k < sizeof(forgers) / sizeof(forgers[0]); k++)
		for (size_t m = 0; m < sizeof(modes) / sizeof(modes[0]); m++) {
			struct report r = { .t = &t,
					    .ds = &ds,
					    .src = &src,
					    .stack = &stack,
					    .pseudo = &modes[m] };
			char *out[3] = { NULL }, direct[32], hop[32];
			size_t len[3];
			FILE *f;

			assert_int_equal(topology_init(&t, &rule, 1), 0);
			assert_int_equal(diagnoses_init(&ds), 0);
			for (int i = 0; i < 230; i++) {
				/* 10 forged requests from the forger, 10 through the trusted proxy. */
				snprintf(direct, sizeof(direct), "198.51.100.%d", i % 90 + 100);
				snprintf(hop, sizeof(hop), "203.0.113.%d", i);
				steered_event(&o, i,
					      i < 10   ? forgers[k]
					      : i < 20 ? "172.18.0.2"
						       : direct,
					      i < 20 ? hop : NULL);
				topology_add(&t, &o);
			}
			topology_finish(&t);
			ds.pseudo = &modes[m];
			diagnose(&t, &ds);
			f = open_memstream(&out[0], &len[0]);
			assert_int_equal(report_json(f, &r), 0);
			fclose(f);
			f = open_memstream(&out[1], &len[1]);
			assert_int_equal(report_html(f, &r), 0);
			fclose(f);
			f = open_memstream(&out[2], &len[2]);
			report_text(f, &r);
			fclose(f);
			/* The steered peer is a proxy by the guess (an internal one diagnosed). */
			assert_non_null(strstr(out[0], "\"role\":\"proxy\""));
			if (k == 1 || k == 3)
				assert_non_null(strstr(out[0], "proxy-not-trusted"));
			for (int w = 0; w < 3; w++) {
				assert_null(strstr(out[w], forgers[k]));
				assert_null(strstr(out[w], "10.0.0.5"));
				assert_null(strstr(out[w], "203.0.113.5\""));
				/* The trusted proxy is shown as it is. */
				assert_non_null(strstr(out[w], "172.18.0.2"));
				free(out[w]);
			}
			diagnoses_free(&ds);
			topology_free(&t);
		}
}

/* One string through html_esc, against what it must become. */
static void expect_escaped(const char *in, const char *want)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	html_esc(f, in);
	fclose(f);
	assert_string_equal(out, want);
	free(out);
}

/* @doc's members /v and /w as html_value shows them in <code>: the caller frees. */
static char *values_v_w(json_t *doc)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	html_value(f, doc, "code", NULL, "/v");
	html_value(f, doc, "code", NULL, "/w");
	fclose(f);
	return out;
}

struct esc_case {
	const char *in, *out;
};

/*
 * Characters that get marked: each case escaped as expected; a value @v
 * holding them shown as @values beside a plain @w; the page's CSS has @rule.
 */
static void expect_marked(const struct esc_case *cases, size_t n, const char *v, const char *w,
			  const char *values, const char *rule)
{
	json_t *doc = json_pack("{s:s,s:s}", "v", v, "w", w);
	char *out, *page;
	size_t len = 0;

	for (size_t i = 0; i < n; i++)
		expect_escaped(cases[i].in, cases[i].out);
	out = values_v_w(doc);
	assert_string_equal(out, values);
	free(out);
	json_decref(doc);
	doc = doc_of(&(struct shape){ 0 });
	page = render(doc, &len);
	assert_non_null(strstr(page, rule));
	free(page);
	json_decref(doc);
}

/*
 * Bidirectional controls (the list log_escape uses) as numeric references,
 * their value marked, and the page isolating each value: a forged U+202E
 * cannot reorder the counts beside it (review H5).
 */
static void test_escape_bidi(void **state)
{
	static const struct esc_case cases[] = {
		{ "\xe2\x80\xae"
		  "10.0.0.1",
		  "&#x202E;10.0.0.1" },
		{ "a\xd8\x9c"
		  "b",
		  "a&#x61C;b" },
		{ "\xe2\x80\x8e\xe2\x80\x8f", "&#x200E;&#x200F;" },
		{ "\xe2\x80\xaa\xe2\x80\xab\xe2\x80\xac\xe2\x80\xad",
		  "&#x202A;&#x202B;&#x202C;&#x202D;" },
		{ "\xe2\x81\xa6\xe2\x81\xa7\xe2\x81\xa8\xe2\x81\xa9",
		  "&#x2066;&#x2067;&#x2068;&#x2069;" },
		/* Neighbours of the list stay as they are: U+202F, U+2065 (unassigned), U+206A. */
		{ "\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa", "\xe2\x80\xaf\xe2\x81\xa5\xe2\x81\xaa" },
	};

	(void)state;
	expect_marked(cases, sizeof(cases) / sizeof(cases[0]),
		      "\xe2\x80\xae"
		      "10.0.0.1",
		      "10.0.0.1",
		      "<code data-bidi=\"\" data-json=\"/v\">&#x202E;10.0.0.1</code>"
		      "<code data-json=\"/w\">10.0.0.1</code>",
		      "td,th,li,code,pre,summary,svg text{unicode-bidi:isolate}");
}

/* Bytes that are not UTF-8 as U+FFFD, as the JSON writer does (jansson's documents have none). */
static void test_escape_not_utf8(void **state)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	(void)state;
	html_esc(f, "\xff\xfe<\xc3\xa9\xe2\x80");
	fclose(f);
	assert_string_equal(out, "\xef\xbf\xbd\xef\xbf\xbd&lt;\xc3\xa9\xef\xbf\xbd");
	free(out);
}

static void test_not_json(void **state)
{
	(void)state;
	assert_int_equal(report_html_json(stdout, "{", 1), -EINVAL);
}

/*
 * Zero-width and invisible format characters (U+00AD, U+200B-U+200D, U+2060,
 * U+FEFF) as numeric references, the value marked (review B2 L2):
 * "198.51.100.1\u200b0" must not pass for 198.51.100.10 unmarked.
 */
static void test_escape_invisible(void **state)
{
	static const struct esc_case cases[] = {
		{ "198.51.100.1\xe2\x80\x8b"
		  "0",
		  "198.51.100.1&#x200B;0" },
		{ "\xef\xbb\xbf"
		  "198.51.100.9",
		  "&#xFEFF;198.51.100.9" },
		{ "a\xc2\xad"
		  "b\xe2\x80\x8c\xe2\x80\x8d\xe2\x81\xa0",
		  "a&#xAD;b&#x200C;&#x200D;&#x2060;" },
		/* Neighbours stay: U+00AC, U+200A, U+2061, U+FEFE; and visible text. */
		{ "\xc2\xac\xe2\x80\x8a\xe2\x81\xa1\xef\xbb\xbe\xc3\xa9",
		  "\xc2\xac\xe2\x80\x8a\xe2\x81\xa1\xef\xbb\xbe\xc3\xa9" },
	};

	(void)state;
	expect_marked(cases, sizeof(cases) / sizeof(cases[0]),
		      "198.51.100.1\xe2\x80\x8b"
		      "0",
		      "198.51.100.10",
		      "<code data-invisible=\"\" data-json=\"/v\">198.51.100.1&#x200B;0</code>"
		      "<code data-json=\"/w\">198.51.100.10</code>",
		      "[data-invisible]::after{");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hostile_values_are_text),
		cmocka_unit_test(test_pointers_equal_json),
		cmocka_unit_test(test_worst_case_size),
		cmocka_unit_test(test_layout_fits),
		cmocka_unit_test(test_report_from_events),
		cmocka_unit_test(test_steered_proxy_pseudonymised),
		cmocka_unit_test(test_diagram_busiest_first),
		cmocka_unit_test(test_escape_not_utf8),
		cmocka_unit_test(test_escape_bidi),
		cmocka_unit_test(test_escape_invisible),
		cmocka_unit_test(test_not_json),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
