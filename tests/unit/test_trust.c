// SPDX-License-Identifier: BSD-2-Clause
/*
 * Trust resolution: hand-written cases, and every case of the shared
 * conformance file (../shared/conformance/trust-vectors.jsonl, or the path in
 * $XFFW_TRUST_VECTORS).
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

#include "helpers.h"
#include "trust/hop_walk.h"
#include "trust/rules.h"

#define DEFAULT_VECTORS "../shared/conformance/trust-vectors.jsonl"

/* A resolution on the stack, its chains released when it goes out of scope. */
#define AUTO_RESOLUTION struct resolution __attribute__((cleanup(resolution_free)))

static struct xffw_record rec;
static struct http_request req;

struct tcase {
	const char *peer;
	const char *headers; /* header lines, each ending in \r\n */
	const char *trusted; /* comma-separated CIDRs */
	unsigned int header;
	bool recursive;
	int hops;
};

/* Resolutions whose hops hop_walk walked too, and those of X-Forwarded-For. */
static int walked, walked_xff;

/*
 * hop_walk over the chain's texts (as an event shows them) takes the client
 * trust_resolve took, whenever the texts tell all the resolution saw: the
 * whole head, no hop cut on the left, no Forwarded element that is bad for
 * want of for= (its text alone does not say so).
 */
static void agree_with_hop_walk(const struct trust_rule *cfg, const struct http_request *q,
				const struct resolution *res)
{
	const struct chain *c = &res->chain;
	struct str *text = calloc(c->n + 1, sizeof(*text));
	struct hop_walk hw;
	struct ip_addr a;

	assert_non_null(text);
	for (size_t i = 0; i < c->n; i++) {
		if (c->hop[i].flags & HOP_F_BAD) {
			free(text);
			return;
		}
		text[i] = c->hop[i].text;
	}
	if (req_head_incomplete(q) || c->cut_left || c->failed) {
		free(text);
		return;
	}
	if (res->header == XFFW_F_X_FORWARDED_FOR) {
		hop_walk(cfg, &q->saddr, text, c->n, &hw);
		walked_xff++;
	} else {
		hop_walk_header(cfg, &q->saddr, res->header, text, c->n, &hw);
	}
	walked++;
	if (res->source) {
		assert_true(hw.client < c->n);
		assert_int_equal(chain_text_address(res->header, text[hw.client], &a), 0);
		assert_true(ip_equal(&a, &res->client));
	} else {
		assert_int_equal(hw.client, c->n);
	}
	assert_int_equal(!!(res->findings & (1U << FINDING_INVALID_ENTRY)),
			 hw.invalid || hw.not_public);
	assert_true(hw.trusted <= c->n);
	free(text);
}

static void resolve(const struct tcase *t, struct resolution *res)
{
	static struct ip_cidr cidrs[32];
	char head[8192], list[512];
	struct trust_rule cfg = { .trusted = cidrs,
				  .headers = { t->header ? t->header : XFFW_F_X_FORWARDED_FOR },
				  .nheaders = 1,
				  .recursive = t->recursive,
				  .hops = t->hops };
	int n = snprintf(head, sizeof(head), "GET /t HTTP/1.1\r\nHost: example.test\r\n%s\r\n",
			 t->headers);

	snprintf(list, sizeof(list), "%s", t->trusted);
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ","))
		assert_int_equal(ip_cidr_parse(tok, strlen(tok), &cidrs[cfg.ntrusted++], NULL), 0);
	assert_int_equal(req_from_head(head, (size_t)n, t->peer, &rec, &req), 0);
	trust_resolve(&cfg, &req, NULL, res, NULL);
	agree_with_hop_walk(&cfg, &req, res);
}

static void expect(const struct tcase *t, const char *client, uint32_t findings)
{
	AUTO_RESOLUTION res = { 0 };
	struct ip_addr want;
	char got[IP_STR_MAX];

	resolve(t, &res);
	ip_format(&res.client, got);
	assert_int_equal(ip_parse(client, strlen(client), &want), 0);
	if (!ip_equal(&want, &res.client))
		fail_msg("client %s, expected %s", got, client);
	if (res.findings != findings)
		fail_msg("findings %#x, expected %#x", res.findings, findings);
}

#define F(x) (1U << FINDING_##x)
#define LOOP "127.0.0.0/8,::1/128"
#define PRIV LOOP ",10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"

/*
 * What names a client: the PROXY preamble, then the headers of
 * include/xffwatch_fields.h's column client, in row order.
 */
static void test_client_headers(void **state)
{
	static const unsigned int expected[] = {
		TRUST_PROXY_PROTOCOL, XFFW_F_X_FORWARDED_FOR,  XFFW_F_FORWARDED,
		XFFW_F_X_REAL_IP,     XFFW_F_CF_CONNECTING_IP, XFFW_F_TRUE_CLIENT_IP,
	};

	(void)state;
	assert_int_equal(TRUST_MAX_HEADERS, sizeof(expected) / sizeof(expected[0]));
	for (size_t i = 0; i < TRUST_MAX_HEADERS; i++)
		assert_int_equal(trust_client_headers[i], expected[i]);
	assert_true(trust_is_client_header(XFFW_F_TRUE_CLIENT_IP));
	assert_false(trust_is_client_header(XFFW_F_VIA) || trust_is_client_header(XFFW_F_HOST));
	/* The preamble is named as a header is, and is no field. */
	assert_true(trust_is_client_header(TRUST_PROXY_PROTOCOL));
	assert_true(TRUST_PROXY_PROTOCOL >= XFFW_F__MAX);
	assert_string_equal(trust_source_key(TRUST_PROXY_PROTOCOL), "proxy-protocol");
	assert_string_equal(trust_source_key(XFFW_F_X_REAL_IP), "x-real-ip");
	assert_null(trust_source_key(0));
	assert_null(field_key(TRUST_PROXY_PROTOCOL));
	assert_int_equal(trust_source_by_key("Proxy-Protocol", 14), TRUST_PROXY_PROTOCOL);
	assert_int_equal(trust_source_by_key("forwarded", 9), XFFW_F_FORWARDED);
	assert_int_equal(trust_source_by_key("proxy-protoco", 13), 0);
	assert_int_equal(trust_source_by_key("host", 4), 0);
}

static void test_textbook_nginx(void **state)
{
	(void)state;
	/* nginx appended the client to an empty header. */
	expect(&(struct tcase){ "127.0.0.1",
				"X-Forwarded-For: 198.18.0.1\r\nX-Real-IP: 198.18.0.1\r\n", LOOP, 0,
				true, -1 },
	       "198.18.0.1", 0);
	/* The client forged a first entry: nginx appended the real one. */
	expect(&(struct tcase){ "127.0.0.1", "X-Forwarded-For: 203.0.113.9, 198.18.0.1\r\n", LOOP,
				0, true, -1 },
	       "198.18.0.1", F(LEFTMOST_DIFFERS));
	/* Straight to the app, forged header: the peer is the client. */
	expect(&(struct tcase){ "198.18.0.1", "X-Forwarded-For: 203.0.113.9\r\n", LOOP, 0, true,
				-1 },
	       "198.18.0.1", F(SPOOFED_HEADER) | F(LEFTMOST_DIFFERS));
	/* A forged X-Real-IP alone from an untrusted peer is just as suspect. */
	expect(&(struct tcase){ "198.18.0.1", "X-Real-IP: 203.0.113.9\r\n", LOOP, 0, true, -1 },
	       "198.18.0.1", F(SPOOFED_HEADER));
	/* A trusted proxy that sent nothing: the app would log the proxy. */
	expect(&(struct tcase){ "127.0.0.1", "", LOOP, 0, true, -1 }, "127.0.0.1",
	       F(MISSING_FORWARDED_HEADER));
	/* An untrusted peer without headers: nothing to say. */
	expect(&(struct tcase){ "198.51.100.20", "", LOOP, 0, true, -1 }, "198.51.100.20", 0);
	/* IPv6 all the way. */
	expect(&(struct tcase){ "::1", "X-Forwarded-For: fd00::1\r\n", LOOP, 0, true, -1 },
	       "fd00::1", 0);
}

static void test_walk(void **state)
{
	(void)state;
	expect(&(struct tcase){ "127.0.0.1", "X-Forwarded-For: 10.0.0.3, 10.0.0.2\r\n", PRIV, 0,
				true, -1 },
	       "10.0.0.3", F(ALL_HOPS_TRUSTED));
	expect(&(struct tcase){ "127.0.0.1", "X-Forwarded-For: 203.0.113.7, garbage, 10.0.0.2\r\n",
				PRIV, 0, true, -1 },
	       "10.0.0.2", F(INVALID_ENTRY) | F(LEFTMOST_DIFFERS));
	/* An invalid rightmost entry: nothing was reached but the peer. */
	expect(&(struct tcase){ "127.0.0.1", "X-Forwarded-For: 203.0.113.7, unknown\r\n", LOOP, 0,
				true, -1 },
	       "127.0.0.1", F(INVALID_ENTRY) | F(LEFTMOST_DIFFERS));
	/* Non-recursive: the rightmost entry, trusted or not. */
	expect(&(struct tcase){ "127.0.0.1", "X-Forwarded-For: 203.0.113.7, 10.0.0.2\r\n", PRIV, 0,
				false, -1 },
	       "10.0.0.2", F(LEFTMOST_DIFFERS));
	/* Lines are one list, walked from the last line's end. */
	expect(&(struct tcase){ "127.0.0.1",
				"X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 10.0.0.2\r\n",
				PRIV, 0, true, -1 },
	       "203.0.113.7", F(MULTIPLE_HEADER_LINES));
	/* Hops: ProxyFix x_for=2, whatever the peer. */
	expect(&(struct tcase){ "198.51.100.1",
				"X-Forwarded-For: 6.6.6.6, 203.0.113.7, 10.0.0.2\r\n", "", 0, true,
				2 },
	       "203.0.113.7", F(LEFTMOST_DIFFERS) | F(HOPS_FROM_UNTRUSTED_PEER));
	expect(&(struct tcase){ "127.0.0.1", "X-Forwarded-For: 203.0.113.7\r\n", "", 0, true, 2 },
	       "127.0.0.1", F(CHAIN_SHORTER_THAN_HOPS) | F(LEFTMOST_DIFFERS));
	expect(&(struct tcase){ "127.0.0.1", "X-Forwarded-For: 203.0.113.7\r\n", "", 0, true, 0 },
	       "127.0.0.1", F(LEFTMOST_DIFFERS));
}

/* Resolves a head of any size (up to the hard budget) under @cfg. */
static void resolve_head(const char *head, size_t len, const char *peer,
			 const struct trust_rule *cfg, struct resolution *res)
{
	assert_int_equal(req_from_head_budget(head, len, peer, XFFW_HEAD_HARD_MAX, &req), 0);
	trust_resolve(cfg, &req, NULL, res, NULL);
	agree_with_hop_walk(cfg, &req, res);
}

static struct ip_cidr priv[6];
static size_t npriv;

static struct trust_rule rule_of(unsigned int header, bool recursive, int hops)
{
	if (!npriv) {
		static const char *const list[] = { "127.0.0.0/8",   "::1/128",	       "10.0.0.0/8",
						    "172.16.0.0/12", "192.168.0.0/16", "fc00::/7" };

		for (; npriv < 6; npriv++)
			assert_int_equal(
				ip_cidr_parse(list[npriv], strlen(list[npriv]), &priv[npriv], NULL),
				0);
	}
	return (struct trust_rule){ .trusted = priv,
				    .ntrusted = npriv,
				    .headers = { header },
				    .nheaders = 1,
				    .recursive = recursive,
				    .hops = hops };
}

static void assert_client(const struct resolution *res, const char *client)
{
	struct ip_addr want;
	char got[IP_STR_MAX];

	assert_int_equal(ip_parse(client, strlen(client), &want), 0);
	ip_format(&res->client, got);
	if (!ip_equal(&want, &res->client))
		fail_msg("client %s, expected %s", got, client);
}

static void test_long_chains(void **state)
{
	static char headers[8192];
	size_t n = 0;

	(void)state;
	/* The walk covers every hop, as nginx's does: 100 trusted hops, then the client. */
	n += (size_t)sprintf(headers, "X-Forwarded-For: 203.0.113.9, ");
	for (int i = 0; i < 100; i++)
		n += (size_t)sprintf(headers + n, "10.0.%d.%d, ", i / 200, i % 200 + 1);
	sprintf(headers + n - 2, "\r\n");
	expect(&(struct tcase){ "127.0.0.1", headers, PRIV, 0, true, -1 }, "203.0.113.9", 0);
	/* All of them trusted: the leftmost, as nginx. */
	n = (size_t)sprintf(headers, "X-Forwarded-For: ");
	for (int i = 0; i < 100; i++)
		n += (size_t)sprintf(headers + n, "10.0.%d.%d, ", i / 200, i % 200 + 1);
	sprintf(headers + n - 2, "\r\n");
	expect(&(struct tcase){ "127.0.0.1", headers, PRIV, 0, true, -1 }, "10.0.0.1",
	       F(ALL_HOPS_TRUSTED));
	/* A line longer than a kernel piece (2 KiB) arrives whole, in chunks. */
	n = (size_t)sprintf(headers, "X-Forwarded-For: ");
	for (int i = 0; n < 3000; i++)
		n += (size_t)sprintf(headers + n, "192.0.2.%d, ", i % 250 + 1);
	sprintf(headers + n, "203.0.113.1, 10.0.0.2\r\n");
	expect(&(struct tcase){ "127.0.0.1", headers, PRIV, 0, true, -1 }, "203.0.113.1",
	       F(LEFTMOST_DIFFERS));
}

/*
 * @head within a head budget of @budget, under nginx-style trust, resolves to
 * @client, with finding truncated or not, and @hops hops (0: any).
 */
static void expect_head(const char *head, size_t n, size_t budget, const char *client,
			bool truncated, size_t hops)
{
	struct trust_rule cfg = rule_of(XFFW_F_X_FORWARDED_FOR, true, -1);
	AUTO_RESOLUTION res = { 0 };

	assert_int_equal(req_from_head_budget(head, n, "127.0.0.1", budget, &req), 0);
	trust_resolve(&cfg, &req, NULL, &res, NULL);
	assert_client(&res, client);
	assert_int_equal(!!(res.findings & F(TRUNCATED)), truncated);
	if (hops)
		assert_int_equal(res.chain.n, hops);
}

/*
 * One long line: 100 IPv6 hops (3.8 KiB), 250 IPv4 hops, and a 15 KiB line,
 * each walked to its end as nginx does (the kernel once kept a line's last
 * 2 KiB only). And 1,540 other header lines before the chain do not hide it.
 */
static void test_long_lines(void **state)
{
	static char head[XFFW_HEAD_HARD_MAX];
	size_t n;

	(void)state;
	n = (size_t)sprintf(head, "GET / HTTP/1.1\r\nX-Forwarded-For: 2001:db8::6");
	for (int i = 0; i < 100; i++)
		n += (size_t)sprintf(head + n, ", fd00:1234:5678:9abc:def0:1234:5678:%x", i + 1);
	n += (size_t)sprintf(head + n, "\r\n\r\n");
	expect_head(head, n, XFFW_HEAD_HARD_MAX, "2001:db8::6", false, 101);

	n = (size_t)sprintf(head, "GET / HTTP/1.1\r\nX-Forwarded-For: 6.6.6.6");
	for (int i = 0; i < 250; i++)
		n += (size_t)sprintf(head + n, ", 10.0.%d.%d", i / 200, i % 200 + 1);
	n += (size_t)sprintf(head + n, "\r\n\r\n");
	expect_head(head, n, XFFW_HEAD_HARD_MAX, "6.6.6.6", false, 251);

	n = (size_t)sprintf(head, "GET / HTTP/1.1\r\nX-Forwarded-For: 6.6.6.6");
	for (int i = 0; n < 15000; i++)
		n += (size_t)sprintf(head + n, ", 10.%d.%d.%d", i / 40000, i / 200 % 200,
				     i % 200 + 1);
	n += (size_t)sprintf(head + n, "\r\n\r\n");
	expect_head(head, n, XFFW_HEAD_HARD_MAX, "6.6.6.6", false, 0);

	/*
	 * One line that runs past the head budget (16 KiB) in a later window: cut
	 * there, as the kernel cuts it, so the head counts as incomplete and the
	 * peer is the client (resolve once said otherwise).
	 */
	n = (size_t)sprintf(head, "GET / HTTP/1.1\r\nX-Forwarded-For: 198.51.100.7");
	for (int i = 0; i < 1800; i++)
		n += (size_t)sprintf(head + n, ", 10.0.%d.%d", i / 200, i % 200 + 1);
	n += (size_t)sprintf(head + n, "\r\n\r\n");
	assert_true(n > XFFW_HEAD_BUDGET);
	expect_head(head, n, XFFW_HEAD_BUDGET, "127.0.0.1", true, 0);
	assert_true(req_head_incomplete(&req));

	n = (size_t)sprintf(head, "GET / HTTP/1.1\r\nHost: x\r\n");
	for (int i = 0; i < 1540; i++)
		n += (size_t)sprintf(head + n, "Via:\r\n");
	n += (size_t)sprintf(head + n, "X-Forwarded-For: 6.6.6.6\r\n\r\n");
	expect_head(head, n, XFFW_HEAD_HARD_MAX, "6.6.6.6", false, 1);
}

/*
 * The crash of issue 13: eight lines of 120 entries each (about 13 KiB) in hop
 * counting mode overran the chain's fixed text buffer. Every mode, every
 * single-IP header, and the chain is whole.
 */
static void test_many_long_lines(void **state)
{
	static const unsigned int headers[] = { XFFW_F_X_FORWARDED_FOR, XFFW_F_X_REAL_IP,
						XFFW_F_CF_CONNECTING_IP, XFFW_F_TRUE_CLIENT_IP };
	static char head[20000];

	(void)state;
	for (size_t h = 0; h < sizeof(headers) / sizeof(headers[0]); h++) {
		size_t n = (size_t)sprintf(head, "GET / HTTP/1.1\r\n");

		for (int line = 0; line < 8; line++) {
			n += (size_t)sprintf(head + n, "%s: ", field_wire_name(headers[h]));
			for (int i = 0; i < 120; i++)
				n += (size_t)sprintf(head + n, "%s198.51.100.%d", i ? ", " : "",
						     i % 250);
			n += (size_t)sprintf(head + n, "\r\n");
		}
		n += (size_t)sprintf(head + n, "\r\n");
		for (int hops = 1; hops <= 2; hops++) {
			struct trust_rule cfg = rule_of(headers[h], true, hops);
			AUTO_RESOLUTION res = { 0 };

			resolve_head(head, n, "127.0.0.1", &cfg, &res);
			assert_int_equal(res.chain.n, 960);
			assert_false(res.chain.failed);
			assert_client(&res, hops == 1 ? "198.51.100.119" : "198.51.100.118");
			assert_false(res.findings & F(TRUNCATED));
		}
		for (int recursive = 0; recursive <= 1; recursive++) {
			struct trust_rule cfg = rule_of(headers[h], recursive, -1);
			AUTO_RESOLUTION res = { 0 };

			resolve_head(head, n, "127.0.0.1", &cfg, &res);
			assert_int_equal(res.chain.n, 960);
			assert_client(&res, "198.51.100.119");
		}
	}
}

/* The --explain trace of a walk longer than its buffer ends with a line saying it was cut. */
static void test_trace_bound(void **state)
{
	static char head[XFFW_HEAD_HARD_MAX];
	static struct trust_trace trace;
	struct trust_rule cfg = rule_of(XFFW_F_X_FORWARDED_FOR, true, -1);
	AUTO_RESOLUTION res = { 0 };
	size_t n = (size_t)sprintf(head, "GET / HTTP/1.1\r\n");

	(void)state;
	for (int line = 0; line < 8; line++) {
		n += (size_t)sprintf(head + n, "X-Forwarded-For: ");
		for (int i = 0; i < 100; i++)
			n += (size_t)sprintf(head + n, "%s10.1.%d.%d", i ? ", " : "", line, i);
		n += (size_t)sprintf(head + n, "\r\n");
	}
	n += (size_t)sprintf(head + n, "\r\n");
	assert_int_equal(req_from_head_budget(head, n, "127.0.0.1", XFFW_HEAD_HARD_MAX, &req), 0);
	trust_resolve(&cfg, &req, NULL, &res, &trace);
	assert_client(&res, "10.1.0.0");
	assert_true(res.findings & F(ALL_HOPS_TRUSTED));
	assert_true(trace.cut);
	assert_int_equal(strlen(trace.text), trace.len);
	assert_true(trace.len < sizeof(trace.text));
	assert_string_equal(trace.text + trace.len - 31, "(the rest of the trace is cut)\n");
}

/*
 * Seven elements of the client's padded with 1,900-byte quoted host= values,
 * then the proxy's, as separate lines (@one_line false) or one line.
 */
static size_t padded_forwarded(char *head, bool one_line)
{
	size_t n = (size_t)sprintf(head, "GET / HTTP/1.1\r\n%s", one_line ? "Forwarded: " : "");

	for (int e = 0; e < 7; e++) {
		n += (size_t)sprintf(head + n, "%sfor=\"..\";host=\"",
				     one_line ? "" : "Forwarded: ");
		memset(head + n, 'a', 1900);
		n += 1900;
		n += (size_t)sprintf(head + n, "\"%s", one_line ? ", " : "\r\n");
	}
	return n + (size_t)sprintf(head + n, "%sfor=\"198.18.0.1:4711\"\r\n\r\n",
				   one_line ? "" : "Forwarded: ");
}

/*
 * A client that pads its own quoted Forwarded values cannot hide the
 * element the proxy appends: it is parsed and reached first from the right,
 * on lines of their own or all on one line (13 KiB, whole).
 */
static void test_forwarded_padding(void **state)
{
	static char head[XFFW_HEAD_HARD_MAX];
	struct trust_rule cfg = rule_of(XFFW_F_FORWARDED, true, -1);

	(void)state;
	for (int one_line = 0; one_line <= 1; one_line++) {
		AUTO_RESOLUTION res = { 0 };

		resolve_head(head, padded_forwarded(head, one_line), "127.0.0.1", &cfg, &res);
		assert_client(&res, "198.18.0.1");
		assert_false(res.findings & (F(INVALID_ENTRY) | F(TRUNCATED)));
		assert_int_equal(res.chain.n, 8);
	}
}

/*
 * The largest chains a head can make, in every split: one hop per byte or
 * line, and text up to every byte plus gunicorn's commas. The storage is
 * sized by chain_bounds; these fill it to (or next to) the bound.
 */
static void test_chain_bounds(void **state)
{
	static char head[XFFW_HEAD_HARD_MAX];
	static const struct {
		unsigned int header;
		int hops;
		const char *line; /* repeated to fill the head */
	} shapes[] = {
		{ XFFW_F_X_FORWARDED_FOR, -1, "X-Forwarded-For:\r\n" }, /* a hop per empty line */
		{ XFFW_F_X_FORWARDED_FOR, -1, "X-Forwarded-For: ,a,a,a,a,a,a,a\r\n" },
		{ XFFW_F_X_FORWARDED_FOR, 1, "X-Forwarded-For: ,,,,,,,,,,,,,,,,\r\n" },
		{ XFFW_F_X_FORWARDED_FOR, 1, "X-Forwarded-For: \",,,,,,,,,,,,,,,\r\n" },
		{ XFFW_F_X_FORWARDED_FOR, 1, "X-Forwarded-For: \"\\\"\\,\\\\\"\"\r\n" },
		{ XFFW_F_FORWARDED, -1, "Forwarded: for=\"\\a\\b\";by=\"\\c\",for=1,for=2\r\n" },
		{ XFFW_F_FORWARDED, -1, "Forwarded: a,b,c,d,e,f,g,h,i,j,k\r\n" },
	};

	(void)state;
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		struct trust_rule cfg = rule_of(shapes[s].header, true, shapes[s].hops);
		AUTO_RESOLUTION res = { 0 };
		size_t n = (size_t)sprintf(head, "GET / HTTP/1.1\r\n"), len, max_hops, max_text;

		len = strlen(shapes[s].line);
		while (n + len + 2 <= sizeof(head) - 64) {
			memcpy(head + n, shapes[s].line, len);
			n += len;
		}
		memcpy(head + n, "\r\n", 2);
		resolve_head(head, n + 2, "127.0.0.1", &cfg, &res);
		chain_bounds(&req, shapes[s].header, &max_hops, &max_text);
		assert_false(res.chain.failed);
		/* Each shape is long: many hops, or one that holds most of the text. */
		if (res.chain.n <= 1000 && res.chain.text_used <= 10000)
			fail_msg("shape %zu: only %zu hops, %zu bytes", s, res.chain.n,
				 res.chain.text_used);
		assert_true(res.chain.n <= max_hops);
		assert_true(res.chain.text_used <= max_text);
		assert_true(res.chain.hop_cap == max_hops);
		/* Empty lines make exactly one hop each: the hop bound is reached. */
		if (s == 0)
			assert_int_equal(res.chain.n, max_hops);
	}
}

static void test_chain_output(void **state)
{
	AUTO_RESOLUTION res = { 0 };

	(void)state;
	resolve(&(struct tcase){ "127.0.0.1",
				 "X-Forwarded-For: a,, b ,\tc\r\nX-Forwarded-For: ,d\r\n", LOOP, 0,
				 true, -1 },
		&res);
	assert_int_equal(res.chain.n, 4);
	assert_memory_equal(res.chain.hop[0].text.p, "a", 1);
	assert_memory_equal(res.chain.hop[1].text.p, "b", 1);
	assert_memory_equal(res.chain.hop[2].text.p, "c", 1);
	/* nginx never splits at a line's first byte: ",d" is one (bad) entry. */
	assert_int_equal(res.chain.hop[3].text.len, 2);
	assert_memory_equal(res.chain.hop[3].text.p, ",d", 2);
	assert_int_equal(res.source, 0);
}

/*
 * nginx 1.22.1 (Debian 12), set_real_ip_from 127/8 10/8 172.16/12 192.168/16
 * ::1 fc00::/7, real_ip_header X-Forwarded-For: what $remote_addr became, run
 * against the real nginx. Rows where xffwatch deliberately differs are in
 * test_nginx_deviations.
 */
static void test_nginx_table(void **state)
{
	static const struct {
		const char *headers;
		bool recursive;
		const char *client;
	} rows[] = {
		{ "X-Forwarded-For: 203.0.113.7, 10.0.0.2\r\n", true, "203.0.113.7" },
		{ "X-Forwarded-For: 10.0.0.3, 10.0.0.2\r\n", true, "10.0.0.3" },
		{ "X-Forwarded-For: 203.0.113.7, 10.0.0.2,\r\n", true, "203.0.113.7" },
		{ "X-Forwarded-For: 203.0.113.7, 10.0.0.2, \r\n", true, "203.0.113.7" },
		{ "X-Forwarded-For: 203.0.113.7,,10.0.0.2\r\n", true, "203.0.113.7" },
		{ "X-Forwarded-For: 203.0.113.7, , 10.0.0.2\r\n", true, "203.0.113.7" },
		{ "X-Forwarded-For: ,203.0.113.7\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: , 203.0.113.7\r\n", true, "203.0.113.7" },
		{ "X-Forwarded-For: ,203.0.113.7, 10.0.0.2\r\n", true, "10.0.0.2" },
		{ "X-Forwarded-For: ,,203.0.113.7\r\n", true, "203.0.113.7" },
		{ "X-Forwarded-For: , ,\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: ,\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For:\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: 203.0.113.7 10.0.0.2\r\n", true, "203.0.113.7" },
		{ "X-Forwarded-For: 203.0.113.7:5678\r\n", true, "203.0.113.7" },
		{ "X-Forwarded-For: 203.0.113.7:080\r\n", true, "203.0.113.7" },
		{ "X-Forwarded-For: 203.0.113.7:0\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: 203.0.113.7:65536\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: 203.0.113.7:http\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: 203.0.113.7:\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: 203.0.113.7:1:2\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: [2001:db8::7]\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: [2001:db8::7]:4711\r\n", true, "2001:db8::7" },
		{ "X-Forwarded-For: [203.0.113.7]:80\r\n", true, "203.0.113.7" },
		{ "X-Forwarded-For: 2001:db8::7:4711\r\n", true, "2001:db8::7:4711" },
		{ "X-Forwarded-For: fe80::1%eth0\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: [fe80::1%eth0]:80\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: 255.255.255.255\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: 203.0.113\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: 1.2.3.256\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: localhost\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: unknown\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: \"203.0.113.7\"\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: 203.0.113.7, garbage, 10.0.0.2\r\n", true, "10.0.0.2" },
		{ "X-Forwarded-For: garbage, 203.0.113.7, 10.0.0.2\r\n", true, "203.0.113.7" },
		{ "X-Forwarded-For: ::ffff:203.0.113.7\r\n", true, "::ffff:203.0.113.7" },
		{ "X-Forwarded-For: 203.0.113.7, ::ffff:10.0.0.2\r\n", true, "203.0.113.7" },
		{ "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: 10.0.0.2\r\n", true,
		  "203.0.113.7" },
		{ "X-Forwarded-For: 6.6.6.6\r\nX-Forwarded-For: 203.0.113.7\r\n", true,
		  "203.0.113.7" },
		{ "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For:\r\n", true, "127.0.0.1" },
		{ "X-Forwarded-For: 203.0.113.7\r\nX-Forwarded-For: ,10.0.0.2\r\n", true,
		  "127.0.0.1" },
		{ "X-Forwarded-For: garbage\r\nX-Forwarded-For: 10.0.0.2\r\n", true, "10.0.0.2" },
		{ "X-Forwarded-For: 203.0.113.7, 10.0.0.2\r\n", false, "10.0.0.2" },
		{ "X-Forwarded-For: 203.0.113.7, garbage\r\n", false, "127.0.0.1" },
		{ "X-Forwarded-For: 203.0.113.7, 10.0.0.2\r\nX-Forwarded-For:\r\n", false,
		  "127.0.0.1" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tcase t = { "127.0.0.1", rows[i].headers, PRIV, 0, rows[i].recursive, -1 };
		AUTO_RESOLUTION res = { 0 };
		struct ip_addr want;
		char got[IP_STR_MAX];

		resolve(&t, &res);
		ip_format(&res.client, got);
		assert_int_equal(ip_parse(rows[i].client, strlen(rows[i].client), &want), 0);
		if (!ip_equal(&want, &res.client))
			fail_msg("row %zu (%s): client %s, nginx says %s", i + 1, rows[i].headers,
				 got, rows[i].client);
	}
}

/* Where xffwatch is stricter than nginx, on purpose (docs/trust.md). */
static void test_nginx_deviations(void **state)
{
	static const struct {
		const char *headers, *nginx, *ours;
	} rows[] = {
		/* Ambiguous IPv4 forms: nginx reads decimal and empty octets, inet_aton octal. */
		{ "X-Forwarded-For: 010.0.0.1\r\n", "10.0.0.1", "127.0.0.1" },
		{ "X-Forwarded-For: 1..2.3\r\n", "1.0.2.3", "127.0.0.1" },
		{ "X-Forwarded-For: ...\r\n", "0.0.0.0", "127.0.0.1" },
		/* nginx skips one leading ':' of an IPv6 address. */
		{ "X-Forwarded-For: :1:2:3:4:5:6:7:8\r\n", "1:2:3:4:5:6:7:8", "127.0.0.1" },
		/* HTAB separates entries here (RFC 9110 OWS); to nginx it is part of the entry. */
		{ "X-Forwarded-For: 203.0.113.7,\t10.0.0.2\r\n", "127.0.0.1", "203.0.113.7" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
		struct tcase t = { "127.0.0.1", rows[i].headers, PRIV, 0, true, -1 };
		AUTO_RESOLUTION res = { 0 };
		struct ip_addr want;

		resolve(&t, &res);
		assert_int_equal(ip_parse(rows[i].ours, strlen(rows[i].ours), &want), 0);
		if (!ip_equal(&want, &res.client))
			fail_msg("row %zu: deviation from nginx (%s) changed", i + 1,
				 rows[i].nginx);
	}
}

/* When later header lines may be missing, the visible ones are not trusted. */
static void test_incomplete_head_falls_back_to_peer(void **state)
{
	static char head[XFFW_HEAD_BUDGET + 1000];
	struct trust_rule cfg;
	struct ip_cidr lo;
	AUTO_RESOLUTION res = { 0 };
	int n;

	(void)state;
	/* A client's own X-Forwarded-For, then enough padding to push the proxy's line past the budget. */
	n = snprintf(head, sizeof(head), "GET / HTTP/1.1\r\nX-Forwarded-For: 6.6.6.6\r\nVia: ");
	while (n < XFFW_HEAD_BUDGET + 100)
		head[n++] = 'v';
	n += snprintf(head + n, sizeof(head) - (size_t)n,
		      "\r\nX-Forwarded-For: 198.51.100.7\r\n\r\n");
	ip_cidr_parse("127.0.0.0/8", 11, &lo, NULL);
	cfg = (struct trust_rule){ .trusted = &lo,
				   .ntrusted = 1,
				   .headers = { XFFW_F_X_FORWARDED_FOR },
				   .nheaders = 1,
				   .recursive = true,
				   .hops = -1 };
	assert_int_equal(req_from_head(head, (size_t)n, "127.0.0.1", &rec, &req), 0);
	assert_true(req_head_incomplete(&req));
	trust_resolve(&cfg, &req, NULL, &res, NULL);
	assert_true(ip_equal(&res.client, &req.saddr));
	assert_true(res.findings & F(TRUNCATED));
	assert_int_equal(res.source, 0);
}

/* --- The shared conformance vectors. --- */

static unsigned int header_id(const char *name)
{
	return field_by_key(name);
}

static void run_vector(json_t *v, int *ran, int *skipped)
{
	const char *id = json_string_value(json_object_get(v, "id"));
	const char *peer = json_string_value(json_object_get(v, "peer"));
	json_t *cfg = json_object_get(v, "config"), *exp = json_object_get(v, "expect");
	json_t *hops = json_object_get(cfg, "hops"), *item;
	const char *hname = json_string_value(json_object_get(cfg, "header"));
	char headers[8192] = "", trusted[1024] = "";
	uint32_t want = 0;
	struct tcase t = { .peer = peer, .headers = headers, .trusted = trusted };
	AUTO_RESOLUTION res = { 0 };
	struct ip_addr client;
	size_t i, n = 0, tn = 0;
	char got[IP_STR_MAX];

	(void)skipped;
	t.header = header_id(hname);
	assert_int_not_equal(t.header, 0);
	t.recursive = json_is_true(json_object_get(cfg, "recursive"));
	t.hops = hops ? (int)json_integer_value(hops) : -1;
	json_array_foreach(json_object_get(v, "headers"), i, item) n +=
		(size_t)snprintf(headers + n, sizeof(headers) - n, "%s: %s\r\n",
				 json_string_value(json_array_get(item, 0)),
				 json_string_value(json_array_get(item, 1)));
	json_array_foreach(json_object_get(cfg, "trusted"), i, item) tn += (size_t)snprintf(
		trusted + tn, sizeof(trusted) - tn, "%s%s", tn ? "," : "", json_string_value(item));
	json_array_foreach(json_object_get(exp, "findings"), i, item)
	{
		unsigned int f;

		for (f = 0; f < FINDING__MAX; f++)
			if (!strcmp(finding_name(f), json_string_value(item)))
				break;
		if (f == FINDING__MAX)
			fail_msg("%s: unknown finding %s", id, json_string_value(item));
		want |= 1U << f;
	}

	resolve(&t, &res);
	ip_format(&res.client, got);
	assert_int_equal(ip_parse(json_string_value(json_object_get(exp, "client_ip")),
				  strlen(json_string_value(json_object_get(exp, "client_ip"))),
				  &client),
			 0);
	if (!ip_equal(&client, &res.client))
		fail_msg("%s: client %s, expected %s", id, got,
			 json_string_value(json_object_get(exp, "client_ip")));
	if ((res.findings & want) != want)
		fail_msg("%s: findings %#x lack %#x", id, res.findings, want);
	(*ran)++;
}

static void test_conformance_vectors(void **state)
{
	const char *path = getenv("XFFW_TRUST_VECTORS") ?: DEFAULT_VECTORS;
	FILE *f = fopen(path, "r");
	int ran = 0, skipped = 0, before = walked, xff_before = walked_xff;
	char *line = NULL;
	size_t cap = 0;

	(void)state;
	if (!f && !getenv("XFFW_TRUST_VECTORS")) {
		/* A clone without ../shared next to it: say so loudly, do not fail. */
		print_message("SKIPPED: no conformance vectors at %s (set XFFW_TRUST_VECTORS)\n",
			      path);
		skip();
	}
	if (!f)
		fail_msg("cannot open %s", path);
	while (getline(&line, &cap, f) > 0) {
		json_error_t err;
		json_t *v = json_loads(line, 0, &err);

		if (!v)
			fail_msg("%s: line %d: %s", path, err.line, err.text);
		run_vector(v, &ran, &skipped);
		json_decref(v);
	}
	free(line);
	fclose(f);
	print_message("%d conformance vectors passed; hop_walk agreed on %d (%d of "
		      "X-Forwarded-For)\n",
		      ran, walked - before, walked_xff - xff_before);
	assert_true(ran >= 55);
	assert_true(walked_xff - xff_before >= 28);
	assert_int_equal(skipped, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_headers),
		cmocka_unit_test(test_textbook_nginx),
		cmocka_unit_test(test_walk),
		cmocka_unit_test(test_long_chains),
		cmocka_unit_test(test_many_long_lines),
		cmocka_unit_test(test_long_lines),
		cmocka_unit_test(test_chain_bounds),
		cmocka_unit_test(test_forwarded_padding),
		cmocka_unit_test(test_trace_bound),
		cmocka_unit_test(test_chain_output),
		cmocka_unit_test(test_nginx_table),
		cmocka_unit_test(test_nginx_deviations),
		cmocka_unit_test(test_incomplete_head_falls_back_to_peer),
		cmocka_unit_test(test_conformance_vectors),
	};

	return cmocka_run_group_tests_name("trust", tests, NULL, NULL);
}
