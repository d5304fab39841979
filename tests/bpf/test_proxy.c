// SPDX-License-Identifier: BSD-2-Clause
/*
 * PROXY protocol preambles through BPF_PROG_TEST_RUN: found at a connection's
 * start (and only there), copied raw in PROXY records split wherever the
 * segments split them, stepped over so that the request after them is parsed,
 * and joined by the tracker onto every request of the connection.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "pipeline/proxy_preamble.h"
#include "tests.h"

#define S(s) s, sizeof(s) - 1

static const char ok_empty[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
static const char v1[] = "PROXY TCP4 203.0.113.7 198.18.0.2 56324 5000\r\n";
static const char head[] = "GET /pp HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 192.0.2.9\r\n\r\n";

/* A v2 PROXY over TCP/IPv4 from 203.0.113.8:40000 with an ALPN TLV "h2" and a NOOP. */
static size_t v2_preamble(uint8_t *b, size_t tlv_pad)
{
	static const uint8_t sig[12] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };
	static const uint8_t addrs[12] = { 203, 0, 113, 8, 198, 18, 0, 2, 0x9c, 0x40, 0x13, 0x88 };
	size_t n = 0, len = 12 + 5 + 3 + tlv_pad;

	memcpy(b, sig, 12);
	b[12] = 0x21;
	b[13] = 0x11;
	b[14] = (uint8_t)(len >> 8);
	b[15] = (uint8_t)len;
	n = 16;
	memcpy(b + n, addrs, 12);
	n += 12;
	memcpy(b + n, "\x01\x00\x02h2", 5);
	n += 5;
	b[n++] = 0x04;
	b[n++] = (uint8_t)(tlv_pad >> 8);
	b[n++] = (uint8_t)tlv_pad;
	memset(b + n, 0, tlv_pad);
	return n + tlv_pad;
}

/* The PROXY records in got[], joined; their number. */
static int joined_preamble(uint8_t *out, size_t cap, size_t *len, uint16_t *last_flags)
{
	int parts = 0;

	*len = 0;
	for (int i = 0; i < ngot; i++) {
		const struct xffw_record *r = got_rec(i);

		if (r->hdr.type != XFFW_REC_PROXY)
			continue;
		assert_int_equal(r->hdr.part, parts);
		assert_true(*len + r->hdr.data_len <= cap);
		memcpy(out + *len, r->data, r->hdr.data_len);
		*len += r->hdr.data_len;
		*last_flags = r->hdr.flags;
		parts++;
	}
	return parts;
}

/* Sends @len bytes cut at @i and @j (0: no cut). */
static void send_split(struct conn *c, const uint8_t *b, size_t len, size_t i, size_t j)
{
	size_t at = 0;

	if (i && i < len) {
		conn_send(c, CLIENT, b, i);
		at = i;
	}
	if (j > at && j < len) {
		conn_send(c, CLIENT, b + at, j - at);
		at = j;
	}
	conn_send(c, CLIENT, b + at, len - at);
}

/* A preamble and a request, cut at every pair of points: the same records, joined. */
static void every_split(const uint8_t *pre, size_t plen, const char *src)
{
	static uint8_t buf[4096], joined[4096];
	size_t len = plen + sizeof(head) - 1, jlen;
	struct conn c;
	uint16_t flags;

	memcpy(buf, pre, plen);
	memcpy(buf + plen, head, sizeof(head) - 1);
	for (size_t i = 0; i <= plen + 2; i++) {
		for (size_t j = i + 1; j <= plen + 3; j++) {
			conn_open(&c, 4, (uint16_t)(43000 + i));
			send_split(&c, buf, len, i, j);
			conn_send(&c, SERVER, S(ok_empty));
			assert_true(joined_preamble(joined, sizeof(joined), &jlen, &flags) >= 1);
			assert_int_equal(jlen, plen);
			assert_memory_equal(joined, pre, plen);
			assert_true(flags & XFFW_REC_F_PP_END);
			assert_int_equal(flags & (XFFW_REC_F_PP_CUT | XFFW_REC_F_PP_BAD), 0);
			assert_int_equal(assemble(), 1);
			assert_string_equal(seen[0].target, "/pp");
			assert_string_equal(seen[0].xff, "192.0.2.9");
			assert_int_equal(seen[0].status, 200);
			assert_true(seen[0].rec_flags & XFFW_REC_F_PROXIED);
			assert_true(seen[0].rec_flags & XFFW_REC_F_PP_SEEN);
			assert_int_equal(seen[0].pp_state, REQ_PP_OK);
			assert_string_equal(seen[0].pp_src, src);
		}
	}
}

void test_proxy_v1_every_split(void **state)
{
	(void)state;
	every_split((const uint8_t *)v1, sizeof(v1) - 1, "203.0.113.7 56324");
}

void test_proxy_v2_every_split(void **state)
{
	uint8_t pre[64];
	size_t n = v2_preamble(pre, 4);

	(void)state;
	every_split(pre, n, "203.0.113.8 40000");
}

/* Every request of a keep-alive connection carries the preamble; the counters count one. */
void test_proxy_keepalive_and_flags(void **state)
{
	uint64_t before = counter(XFFW_CNT_PP_PREAMBLES);
	struct conn c;

	(void)state;
	conn_open(&c, 4, 43500);
	assert_int_equal(conn_send(&c, CLIENT, S(v1)), 1);
	assert_int_equal(got_rec(0)->hdr.type, XFFW_REC_PROXY);
	assert_int_equal(got_rec(0)->hdr.flags &
				 (XFFW_REC_F_PP_END | XFFW_REC_F_PROXIED | XFFW_REC_F_PP_SEEN),
			 XFFW_REC_F_PP_END | XFFW_REC_F_PROXIED | XFFW_REC_F_PP_SEEN);
	assert_int_equal(got_rec(0)->hdr.conn_id, got_rec(0)->hdr.flow_id);
	for (int k = 0; k < 3; k++) {
		conn_send(&c, CLIENT, S(head));
		conn_send(&c, SERVER, S(ok_empty));
	}
	assert_int_equal(counter(XFFW_CNT_PP_PREAMBLES), before + 1);
	for (int i = 0; i < ngot; i++)
		assert_true(got_rec(i)->hdr.flags & XFFW_REC_F_PROXIED);
	assert_int_equal(assemble(), 3);
	for (int k = 0; k < 3; k++) {
		assert_int_equal(seen[k].pp_state, REQ_PP_OK);
		assert_string_equal(seen[k].pp_src, "203.0.113.7 56324");
	}
	assert_int_equal(assembled_pp.preambles, 1);
	assert_int_equal(assembled_pp.v1, 1);
	assert_int_equal(assembled_pp.lost, 0);

	/* Without a preamble: known to have none. */
	conn_open(&c, 6, 43501);
	conn_send(&c, CLIENT, S(head));
	conn_send(&c, SERVER, S(ok_empty));
	assert_int_equal(got_count(XFFW_REC_PROXY), 0);
	assert_int_equal(assemble(), 1);
	assert_int_equal(seen[0].pp_state, REQ_PP_NONE);
}

/*
 * Bytes that begin like a signature and then do not: HTTP from the first
 * byte, whatever segments held them back.
 */
void test_proxy_near_misses_are_http(void **state)
{
	static const struct {
		const char *first, *rest, *method;
	} cases[] = {
		{ "P", "ROPFIND /x HTTP/1.1\r\n\r\n", "PROPFIND" },
		{ "PRO", "PFIND /x HTTP/1.1\r\n\r\n", "PROPFIND" },
		{ "PROX", "Y/x HTTP/1.1\r\n\r\n", NULL }, /* "PROXY/x": no method, not HTTP */
		/* An HTTP method PROXY: a v1 line names its transport after "PROXY ". */
		{ "PROXY", " /x HTTP/1.1\r\n\r\n", "PROXY" },
		{ "PROXY ", "/x HTTP/1.1\r\n\r\n", "PROXY" },
		{ "POST", " /x HTTP/1.1\r\nContent-Length: 0\r\n\r\n", "POST" },
		{ "\r", "\nGET /x HTTP/1.1\r\n\r\n", "GET" },
		{ "\r\n\r\n", "GET /x HTTP/1.1\r\n\r\n", "GET" },
		{ "\r\n\r\n\r\n", "GET /x HTTP/1.1\r\n\r\n", "GET" },
		{ "PUT /x HTTP/1.1\r\n", "Content-Length: 0\r\n\r\n", "PUT" },
	};
	struct conn c;

	(void)state;
	for (size_t k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
		conn_open(&c, 4, (uint16_t)(43600 + k));
		conn_send(&c, CLIENT, cases[k].first, strlen(cases[k].first));
		conn_send(&c, CLIENT, cases[k].rest, strlen(cases[k].rest));
		conn_send(&c, SERVER, S(ok_empty));
		assert_int_equal(got_count(XFFW_REC_PROXY), 0);
		if (!cases[k].method) {
			assert_int_equal(got_count(XFFW_REC_REQUEST), 0);
			assert_int_equal(got_count(XFFW_REC_NOT_HTTP), 1);
			continue;
		}
		assert_int_equal(assemble(), 1);
		assert_string_equal(seen[0].method, cases[k].method);
		assert_string_equal(seen[0].target, "/x");
		assert_int_equal(seen[0].pp_state, REQ_PP_NONE);
	}
}

/* "PROXY UNKNOWN" with no space, CR or LF after it: an absolute-form target, HTTP. */
void test_proxy_unknown_scheme_is_http(void **state)
{
	struct conn c;

	(void)state;
	for (size_t cut = 1; cut < 16; cut++) {
		static const char req[] = "PROXY UNKNOWN://h/x HTTP/1.1\r\nHost: h\r\n\r\n";

		conn_open(&c, 4, (uint16_t)(43650 + cut));
		conn_send(&c, CLIENT, req, cut);
		conn_send(&c, CLIENT, req + cut, sizeof(req) - 1 - cut);
		conn_send(&c, SERVER, S(ok_empty));
		assert_int_equal(got_count(XFFW_REC_PROXY), 0);
		assert_int_equal(assemble(), 1);
		assert_string_equal(seen[0].method, "PROXY");
		assert_string_equal(seen[0].target, "UNKNOWN://h/x");
		assert_int_equal(seen[0].pp_state, REQ_PP_NONE);
	}
}

/* A v2 preamble longer than the copy cap: cut, counted, stepped over whole. */
void test_proxy_v2_past_the_cap(void **state)
{
	static uint8_t pre[XFFW_PP_KEEP + 1024], joined[XFFW_PP_KEEP + 1024];
	uint64_t cut = counter(XFFW_CNT_PP_CUT);
	size_t n = v2_preamble(pre, XFFW_PP_KEEP), jlen;
	uint16_t flags;
	struct conn c;

	(void)state;
	conn_open(&c, 4, 43700);
	conn_send(&c, CLIENT, pre, 1000);
	conn_send(&c, CLIENT, pre + 1000, n - 1000);
	conn_send(&c, CLIENT, S(head));
	conn_send(&c, SERVER, S(ok_empty));
	assert_int_equal(joined_preamble(joined, sizeof(joined), &jlen, &flags), 2);
	assert_int_equal(jlen, XFFW_PP_KEEP);
	assert_memory_equal(joined, pre, XFFW_PP_KEEP);
	assert_true(flags & XFFW_REC_F_PP_CUT);
	assert_int_equal(counter(XFFW_CNT_PP_CUT), cut + 1);
	assert_int_equal(assemble(), 1);
	assert_string_equal(seen[0].target, "/pp");
	assert_int_equal(seen[0].pp_state, REQ_PP_OK);
	assert_string_equal(seen[0].pp_src, "203.0.113.8 40000");

	/* Exactly at the cap: whole, not cut. */
	n = v2_preamble(pre, XFFW_PP_KEEP - 36);
	assert_int_equal(n, XFFW_PP_KEEP);
	conn_open(&c, 4, 43701);
	conn_send(&c, CLIENT, pre, n);
	conn_send(&c, CLIENT, S(head));
	assert_int_equal(joined_preamble(joined, sizeof(joined), &jlen, &flags), 1);
	assert_int_equal(jlen, XFFW_PP_KEEP);
	assert_int_equal(flags & XFFW_REC_F_PP_CUT, 0);
	assert_int_equal(counter(XFFW_CNT_PP_CUT), cut + 1);
}

/*
 * A v1 line ends at its first CR LF: a bare LF does not end it, a line over
 * the spec's 107 bytes is still delimited (nginx takes it), and only one with
 * no CR LF in XFFW_PP_KEEP bytes is given up.
 */
void test_proxy_v1_line_ends(void **state)
{
	static char line[XFFW_PP_KEEP + 200];
	static uint8_t joined[XFFW_PP_KEEP + 64];
	uint64_t bad = counter(XFFW_CNT_PP_BAD);
	size_t jlen;
	uint16_t flags;
	struct conn c;

	(void)state;
	/* "x\ny" is inside the line: the request after its CR LF is followed. */
	conn_open(&c, 4, 43800);
	conn_send(&c, CLIENT, S("PROXY UNKNOWN x\ny\r\n"));
	conn_send(&c, CLIENT, S(head));
	conn_send(&c, SERVER, S(ok_empty));
	assert_int_equal(joined_preamble(joined, sizeof(joined), &jlen, &flags), 1);
	assert_int_equal(jlen, 19);
	assert_int_equal(assemble(), 1);
	assert_int_equal(seen[0].pp_state, REQ_PP_OK);
	assert_string_equal(seen[0].target, "/pp");

	/* 108 and 300 bytes, the CR and LF in different segments: delimited, malformed, followed. */
	for (size_t len = 108; len <= 300; len += 192) {
		memset(line, 'A', len);
		memcpy(line, "PROXY UNKNOWN ", 14);
		memcpy(line + len - 2, "\r\n", 2);
		conn_open(&c, 4, (uint16_t)(43801 + len));
		conn_send(&c, CLIENT, line, len - 1);
		conn_send(&c, CLIENT, line + len - 1, 1);
		conn_send(&c, CLIENT, S(head));
		conn_send(&c, SERVER, S(ok_empty));
		assert_int_equal(joined_preamble(joined, sizeof(joined), &jlen, &flags), 2);
		assert_int_equal(jlen, len);
		assert_int_equal(flags & XFFW_REC_F_PP_BAD, 0);
		assert_int_equal(assemble(), 1);
		assert_int_equal(seen[0].pp_state, REQ_PP_MALFORMED);
		assert_string_equal(seen[0].pp_error, "v1: longer than 107 bytes");
		assert_string_equal(seen[0].target, "/pp");
	}
	assert_int_equal(counter(XFFW_CNT_PP_BAD), bad);

	/* A CR at the end of one segment and an LF at the start of the next still end it. */
	conn_open(&c, 4, 43810);
	conn_send(&c, CLIENT, S("PROXY UNKNOWN\r"));
	conn_send(&c, CLIENT, S("\nGET /pp HTTP/1.1\r\n\r\n"));
	assert_int_equal(joined_preamble(joined, sizeof(joined), &jlen, &flags), 2);
	assert_int_equal(jlen, 15);
	assert_int_equal(got_count(XFFW_REC_REQUEST), 1);

	/* No CR LF in XFFW_PP_KEEP bytes: given up there, HTTP found again at a segment start. */
	memset(line, 'A', sizeof(line));
	memcpy(line, "PROXY UNKNOWN ", 14);
	conn_open(&c, 4, 43811);
	conn_send(&c, CLIENT, line, 1000);
	conn_send(&c, CLIENT, line + 1000, XFFW_PP_KEEP + 100 - 1000);
	conn_send(&c, CLIENT, S(head));
	conn_send(&c, SERVER, S(ok_empty));
	assert_int_equal(joined_preamble(joined, sizeof(joined), &jlen, &flags), 2);
	assert_int_equal(jlen, XFFW_PP_KEEP);
	assert_true(flags & XFFW_REC_F_PP_BAD);
	assert_int_equal(counter(XFFW_CNT_PP_BAD), bad + 1);
	assert_int_equal(assemble(), 1);
	assert_true(seen[0].rec_flags & XFFW_REC_F_RESYNC);
	assert_int_equal(seen[0].pp_state, REQ_PP_MALFORMED);

	/* The longest line the spec allows (107 bytes, CR LF last) is whole and fine. */
	memset(line, 'A', 107);
	memcpy(line, "PROXY UNKNOWN ", 14);
	memcpy(line + 105, "\r\n", 2);
	conn_open(&c, 4, 43812);
	conn_send(&c, CLIENT, line, 107);
	conn_send(&c, CLIENT, S(head));
	assert_int_equal(joined_preamble(joined, sizeof(joined), &jlen, &flags), 1);
	assert_int_equal(jlen, 107);
	assert_int_equal(got_count(XFFW_REC_REQUEST), 1);
	assert_int_equal(assemble(), 1);
	assert_int_equal(seen[0].pp_state, REQ_PP_OK);
}

/* Picked up mid-stream, "PROXY ..." is not looked for: a guess the spec forbids. */
void test_proxy_never_mid_stream(void **state)
{
	static const char both[] =
		"PROXY TCP4 203.0.113.7 198.18.0.2 1 2\r\nGET /x HTTP/1.1\r\n\r\n";
	struct pkt_spec s = { .family = 4,
			      .saddr = "198.18.0.1",
			      .daddr = "198.18.0.2",
			      .sport = 43900,
			      .dport = WATCHED_PORT,
			      .seq = 777,
			      .tcp_flags = PKT_ACK | PKT_PSH };

	(void)state;
	got_reset();
	run_spec(&s, both, sizeof(both) - 1);
	assert_int_equal(got_count(XFFW_REC_PROXY), 0);
	for (int i = 0; i < ngot; i++)
		assert_int_equal(got_rec(i)->hdr.flags & (XFFW_REC_F_PP_SEEN | XFFW_REC_F_PROXIED),
				 0);
}

/* A desync keeps the connection: requests after it still carry its preamble. */
void test_proxy_survives_desync(void **state)
{
	uint64_t conn;
	struct conn c;

	(void)state;
	conn_open(&c, 4, 44000);
	conn_send(&c, CLIENT, S(v1));
	conn_send(&c, CLIENT, S(head));
	conn_send(&c, SERVER, S(ok_empty));
	conn = got_rec(0)->hdr.conn_id;
	/* 100 bytes lost: the flow starts over with a new flow id. */
	c.cseq += 100;
	conn_send(&c, CLIENT, S(head));
	conn_send(&c, SERVER, S(ok_empty));
	assert_int_equal(got_count(XFFW_REC_FLOW_END), 1);
	for (int i = 0; i < ngot; i++)
		assert_int_equal(got_rec(i)->hdr.conn_id, conn);
	assert_true(got_rec(ngot - 1)->hdr.flow_id != conn);
	assert_int_equal(assemble(), 2);
	assert_int_equal(seen[1].pp_state, REQ_PP_OK);
	assert_string_equal(seen[1].pp_src, "203.0.113.7 56324");
}

static size_t unhex(const char *hex, uint8_t *out, size_t cap)
{
	size_t n = 0;

	for (; hex[0] && hex[1] && n < cap; hex += 2) {
		unsigned int b;

		assert_int_equal(sscanf(hex, "%2x", &b), 1);
		out[n++] = (uint8_t)b;
	}
	return n;
}

/*
 * Every well-formed preamble of the conformance vectors
 * (tests/vectors/proxy-protocol.jsonl), cut at every byte, then a request:
 * the kernel finds its end and the daemon reads it as the vector says.
 */
void test_proxy_vectors_every_byte(void **state)
{
	static uint8_t pre[70000], buf[70000], joined[XFFW_PP_KEEP + 64];
	json_t *v;
	json_error_t err;
	FILE *f = fopen("tests/vectors/proxy-protocol.jsonl", "r");
	char line[300000];
	int tried = 0;

	(void)state;
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		const char *src;
		size_t len, plen, jlen;
		uint16_t flags;
		struct conn c;

		v = json_loads(line, 0, &err);
		assert_non_null(v);
		if (strcmp(json_string_value(json_object_get(v, "result")), "ok") ||
		    json_is_true(json_object_get(v, "cut"))) {
			json_decref(v);
			continue;
		}
		plen = (size_t)json_integer_value(json_object_get(v, "len"));
		len = unhex(json_string_value(json_object_get(v, "hex")), pre, sizeof(pre));
		assert_true(plen <= len);
		memcpy(buf, pre, plen);
		memcpy(buf + plen, head, sizeof(head) - 1);
		src = json_string_value(json_object_get(v, "src"));
		for (size_t i = 0; i<plen; i += plen> 300 ? 97 : 1) {
			conn_open(&c, 4, (uint16_t)(45000 + i));
			send_split(&c, buf, plen + sizeof(head) - 1, i, 0);
			conn_send(&c, SERVER, S(ok_empty));
			assert_true(joined_preamble(joined, sizeof(joined), &jlen, &flags) >= 1);
			assert_int_equal(jlen, plen < XFFW_PP_KEEP ? plen : XFFW_PP_KEEP);
			assert_memory_equal(joined, pre, jlen);
			assert_int_equal(assemble(), 1);
			assert_string_equal(seen[0].target, "/pp");
			assert_int_equal(seen[0].pp_state, REQ_PP_OK);
			assert_int_equal(seen[0].pp_version,
					 json_integer_value(json_object_get(v, "version")));
			if (src) {
				char want[64], text[IP_STR_MAX];
				struct ip_addr a;

				/* (The vectors write some addresses in a longer form.) */
				assert_int_equal(ip_parse(src, strlen(src), &a), 0);
				ip_format(&a, text);
				snprintf(want, sizeof(want), "%s %lld", text,
					 json_integer_value(json_object_get(v, "sport")));
				assert_string_equal(seen[0].pp_src, want);
			} else {
				assert_string_equal(seen[0].pp_src, "");
			}
		}
		tried++;
		json_decref(v);
	}
	fclose(f);
	assert_true(tried >= 30);
}
