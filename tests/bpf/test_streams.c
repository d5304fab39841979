// SPDX-License-Identifier: BSD-2-Clause
/*
 * Kernel-program tests over connections: sequences of crafted segments
 * through BPF_PROG_TEST_RUN (heads split across segments, pipelining,
 * requests after bodies, retransmissions, reordering, tuple reuse,
 * responses), joined by the daemon's tracker and compared with what was sent.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "harness.h"
#include "tests.h"

#define S(s) s, sizeof(s) - 1

static const char ok_empty[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";

/* Sends @len bytes from @side in segments of the sizes in @cuts (0-terminated), then the rest. */
static void send_cut(struct conn *c, enum side side, const char *data, size_t len,
		     const size_t *cuts)
{
	size_t pos = 0;

	for (; cuts && *cuts && pos < len; cuts++) {
		size_t n = *cuts < len - pos ? *cuts : len - pos;

		conn_send(c, side, data + pos, n);
		pos += n;
	}
	if (pos < len)
		conn_send(c, side, data + pos, len - pos);
}

/* A head split at every pair of points gives the same exchange as in one piece. */
void test_split_head_every_split(void **state)
{
	static const char head[] = "GET /split?q=1 HTTP/1.1\r\n"
				   "Host: app.example\r\n"
				   "Cookie: a=1; b=2\r\n"
				   "X-Forwarded-For: 203.0.113.7, 198.51.100.2\r\n"
				   "User-Agent: t\r\n"
				   "x-forwarded-for: 192.0.2.44\r\n"
				   "\r\n";
	const size_t len = sizeof(head) - 1;
	struct conn c;

	(void)state;
	for (size_t i = 1; i < len; i++) {
		for (size_t j = i + 1; j < len; j += i < 40 || i > len - 40 ? 1 : 7) {
			size_t cuts[] = { i, j - i, 0 };

			conn_open(&c, 4, 42000);
			send_cut(&c, CLIENT, head, len, cuts);
			conn_send(&c, SERVER, S(ok_empty));
			assert_int_equal(assemble(), 1);
			assert_string_equal(seen[0].method, "GET");
			assert_string_equal(seen[0].target, "/split?q=1");
			assert_string_equal(seen[0].host, "app.example");
			assert_string_equal(seen[0].xff, "203.0.113.7, 198.51.100.2, 192.0.2.44");
			assert_int_equal(seen[0].status, 200);
			assert_false(seen[0].truncated);
		}
	}
}

/* 8 KiB of cookies, then the forwarded header cut by a segment end. */
void test_forwarded_header_after_big_cookie(void **state)
{
	static char head[12000];
	static const size_t cut_points[] = { 3, 10, 17, 20, 30 };
	size_t n = (size_t)sprintf(head, "GET /cookies HTTP/1.1\r\nHost: a\r\nCookie: ");
	size_t xff_at;
	struct conn c;

	(void)state;
	while (n < 8200)
		head[n++] = 'c';
	n += (size_t)sprintf(head + n, "\r\n");
	xff_at = n;
	n += (size_t)sprintf(head + n, "X-Forwarded-For: 203.0.113.50, 198.18.0.9\r\n\r\n");
	for (size_t k = 0; k < sizeof(cut_points) / sizeof(cut_points[0]); k++) {
		/* Segments 1 and 2 end in the cookie, 3 inside the header. */
		size_t cuts[] = { 3000, 3000, xff_at + cut_points[k] - 6000, 0 };

		conn_open(&c, 6, 42001);
		send_cut(&c, CLIENT, head, n, cuts);
		conn_send(&c, SERVER, S(ok_empty));
		assert_int_equal(assemble(), 1);
		assert_string_equal(seen[0].xff, "203.0.113.50, 198.18.0.9");
		assert_false(seen[0].truncated);
		assert_true(got_count(XFFW_REC_REQUEST) >= 2);
	}
}

void test_pipelined_pair_in_one_segment(void **state)
{
	static const char two[] =
		"GET /one HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n"
		"HEAD /two HTTP/1.1\r\nHost: b\r\nX-Forwarded-For: 192.0.2.2\r\n\r\n";
	static const char answers[] = "HTTP/1.1 404 Not Found\r\nContent-Length: 3\r\n\r\nno!"
				      "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
	static const char third[] = "GET /three HTTP/1.1\r\n\r\n";
	struct conn c;

	(void)state;
	conn_open(&c, 4, 42002);
	assert_int_equal(conn_send(&c, CLIENT, S(two)), 2);
	assert_int_equal(got_rec(0)->hdr.msg, 0);
	assert_int_equal(got_rec(1)->hdr.msg, 1);
	/* Both responses in one segment; the second, to HEAD, has no body despite its length. */
	assert_int_equal(conn_send(&c, SERVER, S(answers)), 2);
	conn_send(&c, CLIENT, S(third));
	conn_send(&c, SERVER, S("HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n"));
	assert_int_equal(assemble(), 3);
	assert_string_equal(seen[0].target, "/one");
	assert_int_equal(seen[0].status, 404);
	assert_string_equal(seen[1].method, "HEAD");
	assert_string_equal(seen[1].xff, "192.0.2.2");
	assert_int_equal(seen[1].status, 200);
	assert_string_equal(seen[2].target, "/three");
	assert_int_equal(seen[2].status, 500);
}

void test_request_after_body(void **state)
{
	static const char cl[] = "POST /form HTTP/1.1\r\nContent-Length: 11\r\n\r\nGET / HTTP/"
				 "GET /after-cl HTTP/1.1\r\nX-Forwarded-For: 192.0.2.3\r\n\r\n";
	static const char chunked[] =
		"POST /up HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n"
		"5;ext=1\r\nGET /\r\n0b\r\n HTTP/1.1\r\n\r\n0\r\n"
		"Trailer: x\r\n\r\n"
		"GET /after-chunked HTTP/1.1\r\nX-Forwarded-For: 192.0.2.4\r\n\r\n";
	static const char body_start[] = "PUT /big HTTP/1.1\r\nContent-Length: 5000\r\n\r\n";
	static char body[5000 + 64];
	struct conn c;
	size_t n;

	(void)state;
	conn_open(&c, 4, 42003);
	assert_int_equal(conn_send(&c, CLIENT, S(cl)), 2);
	conn_send(&c, SERVER, S(ok_empty));
	conn_send(&c, SERVER, S(ok_empty));
	assert_int_equal(assemble(), 2);
	assert_string_equal(seen[0].target, "/form");
	assert_string_equal(seen[1].target, "/after-cl");
	assert_string_equal(seen[1].xff, "192.0.2.3");
	assert_int_equal(seen[1].status, 200);

	conn_open(&c, 4, 42003);
	assert_int_equal(conn_send(&c, CLIENT, S(chunked)), 2);
	assert_int_equal(assemble(), 2);
	assert_string_equal(seen[1].target, "/after-chunked");
	assert_string_equal(seen[1].xff, "192.0.2.4");

	/* A body over several segments, the next request starting in its last one. */
	conn_open(&c, 6, 42003);
	conn_send(&c, CLIENT, S(body_start));
	memset(body, 'B', 5000);
	n = 5000 + (size_t)sprintf(body + 5000, "GET /next HTTP/1.1\r\n\r\n");
	conn_send(&c, CLIENT, body, 2000);
	conn_send(&c, CLIENT, body + 2000, 2000);
	conn_send(&c, CLIENT, body + 4000, n - 4000);
	assert_int_equal(assemble(), 2);
	assert_string_equal(seen[1].target, "/next");
}

void test_retransmissions_make_no_second_event(void **state)
{
	static const char head[] =
		"GET /once HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 192.0.2.5\r\n\r\n";
	const size_t len = sizeof(head) - 1;
	uint64_t dups = counter(XFFW_CNT_DUP_SEGMENTS);
	char retx[64];
	uint32_t start;
	struct conn c;

	(void)state;
	conn_open(&c, 4, 42004);
	start = c.cseq;
	assert_int_equal(conn_send(&c, CLIENT, head, len), 1);
	/* The same segment again, a part of it, and its end. */
	assert_int_equal(conn_send_at(&c, CLIENT, start, head, len), 0);
	assert_int_equal(conn_send_at(&c, CLIENT, start + 10, head + 10, 20), 0);
	assert_int_equal(conn_send_at(&c, CLIENT, start + 40, head + 40, len - 40), 0);
	assert_int_equal(counter(XFFW_CNT_DUP_SEGMENTS), dups + 3);
	/* A retransmission that overlaps old bytes and carries new ones: only the new count. */
	memcpy(retx, head + len - 5, 5);
	strcpy(retx + 5, "GET /twice HTTP/1.1\r\n\r\n");
	assert_int_equal(conn_send_at(&c, CLIENT, start + (uint32_t)len - 5, retx, strlen(retx)),
			 1);
	c.cseq = start + (uint32_t)len - 5 + (uint32_t)strlen(retx);
	/* A response and its retransmission. */
	start = c.sseq;
	conn_send(&c, SERVER, S(ok_empty));
	assert_int_equal(conn_send_at(&c, SERVER, start, S(ok_empty)), 0);
	conn_send(&c, SERVER, S(ok_empty));
	assert_int_equal(assemble(), 2);
	assert_string_equal(seen[0].target, "/once");
	assert_string_equal(seen[0].xff, "192.0.2.5");
	assert_int_equal(seen[0].status, 200);
	assert_string_equal(seen[1].target, "/twice");
	assert_int_equal(seen[1].status, 200);
}

void test_out_of_order_never_mixes_requests(void **state)
{
	static const char one[] = "GET /first HTTP/1.1\r\nX-Forwarded-For: 192.0.2.6\r\n\r\n";
	static const char two[] = "GET /second HTTP/1.1\r\nX-Forwarded-For: 192.0.2.7\r\n\r\n";
	static const char three[] = "GET /third HTTP/1.1\r\nX-Forwarded-For: 192.0.2.8\r\n\r\n";
	uint64_t gaps = counter(XFFW_CNT_GAPS);
	uint32_t s1, s2;
	struct conn c;

	(void)state;
	conn_open(&c, 4, 42005);
	conn_send(&c, CLIENT, S(one));
	conn_send(&c, SERVER, S(ok_empty));
	/* The second request's two halves arrive in the wrong order. */
	s1 = c.cseq;
	s2 = s1 + 20;
	conn_send_at(&c, CLIENT, s2, two + 20, sizeof(two) - 1 - 20);
	conn_send_at(&c, CLIENT, s1, two, 20);
	c.cseq = s1 + (uint32_t)sizeof(two) - 1;
	conn_send(&c, SERVER, S(ok_empty));
	/* The connection goes on: the next request is found again. */
	conn_send(&c, CLIENT, S(three));
	conn_send(&c, SERVER, S("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n"));
	assert_int_equal(counter(XFFW_CNT_GAPS), gaps + 1);
	assert_int_equal(assemble(), 2);
	assert_string_equal(seen[0].target, "/first");
	assert_int_equal(seen[0].status, 200);
	/* The reordered request is lost (counted), never stitched from the wrong bytes. */
	assert_string_equal(seen[1].target, "/third");
	assert_string_equal(seen[1].xff, "192.0.2.8");
	assert_int_equal(seen[1].status, 201);
	assert_true(seen[1].rec_flags & XFFW_REC_F_RESYNC);
}

void test_tuple_reuse_starts_fresh(void **state)
{
	static const char head[] = "GET /a HTTP/1.1\r\n\r\n";
	uint64_t id1, id2, id3;
	struct pkt_spec syn;
	struct conn c;

	(void)state;
	conn_open(&c, 4, 42006);
	conn_send(&c, CLIENT, S(head));
	id1 = got_rec(0)->hdr.flow_id;
	conn_send(&c, SERVER, S(ok_empty));
	conn_close(&c);
	assert_int_equal(got_rec(ngot - 1)->hdr.type, XFFW_REC_FLOW_END);
	assert_int_equal(got_rec(ngot - 1)->hdr.reason, XFFW_END_FIN);
	assert_int_equal(assemble(), 1);

	/* Same tuple, new ISN: a new flow, numbered from 0 again. */
	conn_open(&c, 4, 42006);
	assert_int_equal(conn_send(&c, CLIENT, S(head)), 1);
	id2 = got_rec(0)->hdr.flow_id;
	assert_int_equal(got_rec(0)->hdr.msg, 0);
	assert_int_not_equal(id1, id2);

	/* A SYN on a live tuple (no FIN seen) ends the old flow as reused. */
	syn = c.c2s;
	syn.seq = c.cseq + 5000;
	syn.tcp_flags = PKT_SYN;
	assert_int_equal(run_spec(&syn, NULL, 0), 1);
	assert_int_equal(got_rec(1)->hdr.type, XFFW_REC_FLOW_END);
	assert_int_equal(got_rec(1)->hdr.reason, XFFW_END_REUSED);
	assert_int_equal(got_rec(1)->hdr.flow_id, id2);
	c.cseq = syn.seq + 1;
	assert_int_equal(conn_send(&c, CLIENT, S(head)), 1);
	id3 = got_rec(2)->hdr.flow_id;
	assert_int_not_equal(id3, id2);
	assert_int_equal(got_rec(2)->hdr.msg, 0);
	/* The request of the reused flow never got its response: written as such. */
	assert_int_equal(assemble(), 2);
	assert_int_equal(seen[0].no_response, NR_FLOW_END);
	assert_int_equal(seen[1].no_response, NR_SHUTDOWN);
}

void test_response_framing(void **state)
{
	static const char post[] =
		"POST /c HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n";
	static const char chunked[] =
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
		"4\r\nHTTP\r\n1b\r\nHTTP/1.1 999 not a status\r\n\r\n0\r\n\r\n";
	static const char get[] = "GET /g HTTP/1.1\r\n\r\n";
	static const size_t status_cuts[] = { 5, 5, 3, 0 };
	struct conn c;

	(void)state;
	conn_open(&c, 4, 42007);
	conn_send(&c, CLIENT, S(post));
	/* An interim 100 Continue is not the response. */
	assert_int_equal(conn_send(&c, SERVER, S("HTTP/1.1 100 Continue\r\n\r\n")), 0);
	conn_send(&c, CLIENT, S("ok"));
	assert_int_equal(
		conn_send(&c, SERVER, S("HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")), 1);
	/* A chunked body that contains a status line. */
	conn_send(&c, CLIENT, S(get));
	assert_int_equal(conn_send(&c, SERVER, S(chunked)), 1);
	/* 204 and 304 have no body whatever they say. */
	conn_send(&c, CLIENT, S(get));
	conn_send(&c, SERVER, S("HTTP/1.1 204 No Content\r\n\r\n"));
	conn_send(&c, CLIENT, S(get));
	conn_send(&c, SERVER, S("HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n"));
	/* A status line cut into pieces. */
	conn_send(&c, CLIENT, S(get));
	send_cut(&c, SERVER, S("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\n\r\n"), status_cuts);
	assert_int_equal(assemble(), 5);
	assert_int_equal(seen[0].status, 201);
	assert_int_equal(seen[1].status, 200);
	assert_int_equal(seen[2].status, 204);
	assert_int_equal(seen[3].status, 304);
	assert_int_equal(seen[4].status, 503);
	for (int i = 0; i < 5; i++)
		assert_int_equal(seen[i].no_response, NR_NONE);
}

void test_upgrade_and_orphans(void **state)
{
	static const char ws[] =
		"GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
	static const char frames[] = "\x81\x85GET / HTTP/1.1\r\n\r\n";
	uint64_t orphans = counter(XFFW_CNT_ORPHAN_RESPONSES);
	struct conn c;

	(void)state;
	conn_open(&c, 4, 42008);
	/* A response before any request: counted, not an event. */
	assert_int_equal(conn_send(&c, SERVER, S(ok_empty)), 0);
	assert_int_equal(counter(XFFW_CNT_ORPHAN_RESPONSES), orphans + 1);
	conn_send(&c, CLIENT, S(ws));
	assert_int_equal(conn_send(&c, SERVER, S("HTTP/1.1 101 Switching Protocols\r\n\r\n")), 1);
	/* After the switch nothing is HTTP/1.x any more, whatever it looks like. */
	assert_int_equal(conn_send(&c, CLIENT, S(frames)), 0);
	assert_int_equal(conn_send(&c, SERVER, S(ok_empty)), 0);
	assert_int_equal(assemble(), 1);
	assert_int_equal(seen[0].status, 101);
}

void test_mid_stream_pickup(void **state)
{
	static const char body[] = "some body bytes that do not start a message at all, 0123456789";
	static const char head[] = "GET /picked-up HTTP/1.1\r\nX-Forwarded-For: 192.0.2.9\r\n\r\n";
	uint64_t unsynced = counter(XFFW_CNT_NOT_HTTP_UNSYNCED);
	uint64_t adopted = counter(XFFW_CNT_FLOWS_ADOPTED);
	struct pkt_spec s = { .family = 4,
			      .saddr = "198.18.0.5",
			      .daddr = "198.18.0.6",
			      .sport = 43000,
			      .dport = WATCHED_PORT,
			      .seq = 77 };

	(void)state;
	got_reset();
	/* A connection already open when we attached: the first request start is found. */
	assert_int_equal(run_spec(&s, S(body)), 0);
	s.seq += sizeof(body) - 1;
	assert_int_equal(run_spec(&s, S(head)), 1);
	assert_true(got_rec(0)->hdr.flags & XFFW_REC_F_RESYNC);
	assert_int_equal(counter(XFFW_CNT_FLOWS_ADOPTED), adopted + 1);

	/* One that never shows a message start is given up after a bounded look. */
	s.sport = 43001;
	got_reset();
	for (int i = 0; i < 70; i++) {
		run_spec(&s, S(body));
		s.seq += sizeof(body) - 1;
	}
	assert_int_equal(got_count(XFFW_REC_NOT_HTTP), 1);
	assert_int_equal(counter(XFFW_CNT_NOT_HTTP_UNSYNCED), unsynced + 1);
}

void test_garbage_after_request_resyncs(void **state)
{
	static const char bad[] = "GET /x HTTP/1.1\r\n\r\nthis is no request line\r\n\r\n";
	static const char good[] = "GET /y HTTP/1.1\r\nX-Forwarded-For: 192.0.2.10\r\n\r\n";
	uint64_t desyncs = counter(XFFW_CNT_DESYNC);
	struct conn c;

	(void)state;
	conn_open(&c, 4, 42009);
	conn_send(&c, CLIENT, S(bad));
	assert_int_equal(counter(XFFW_CNT_DESYNC), desyncs + 1);
	assert_int_equal(got_rec(ngot - 1)->hdr.type, XFFW_REC_FLOW_END);
	assert_int_equal(got_rec(ngot - 1)->hdr.reason, XFFW_END_DESYNC);
	conn_send(&c, SERVER, S(ok_empty));
	conn_send(&c, CLIENT, S(good));
	conn_send(&c, SERVER, S(ok_empty));
	assert_int_equal(assemble(), 2);
	assert_string_equal(seen[0].target, "/y");
	assert_int_equal(seen[0].status, 200);
	/* The response that came after the lost place cannot be told apart: none for /x. */
	assert_string_equal(seen[1].target, "/x");
	assert_int_equal(seen[1].no_response, NR_DESYNC);
}

/* --- Random conversations against what was sent --- */

static uint32_t rng = 4242;

static uint32_t rnd(uint32_t n)
{
	rng = rng * 1103515245u + 12345u;
	return (rng >> 8) % n;
}

struct truth {
	char method[16];
	char target[64];
	char xff[128];
	uint16_t status;
};

/* Appends a random request to @buf; its expected view to @t. */
static size_t random_request(char *buf, struct truth *t)
{
	static const char *const methods[] = { "GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS" };
	size_t n, body = 0;
	int chunked = 0;

	snprintf(t->method, sizeof(t->method), "%s", methods[rnd(6)]);
	snprintf(t->target, sizeof(t->target), "/r/%u?x=%u", rnd(100000), rnd(10));
	t->xff[0] = '\0';
	n = (size_t)sprintf(buf, "%s %s HTTP/1.1\r\nHost: h%u\r\n", t->method, t->target, rnd(9));
	if (rnd(4)) {
		snprintf(t->xff, sizeof(t->xff), "203.0.113.%u, 198.18.%u.%u", rnd(250), rnd(250),
			 rnd(250));
		n += (size_t)sprintf(buf + n, "%s: %s\r\n",
				     rnd(2) ? "X-Forwarded-For" : "x-forwarded-FOR", t->xff);
	}
	if (!rnd(5)) {
		size_t cookie = 1 + rnd(6000);

		n += (size_t)sprintf(buf + n, "Cookie: ");
		memset(buf + n, 'c', cookie);
		n += cookie;
		n += (size_t)sprintf(buf + n, "\r\n");
	}
	if (!strcmp(t->method, "POST") || !strcmp(t->method, "PUT")) {
		body = rnd(3000);
		chunked = rnd(3) == 0;
	}
	if (chunked)
		n += (size_t)sprintf(buf + n, "Transfer-Encoding: chunked\r\n\r\n");
	else if (body || rnd(2))
		n += (size_t)sprintf(buf + n, "Content-Length: %zu\r\n\r\n", body);
	else
		n += (size_t)sprintf(buf + n, "\r\n");
	while (body) {
		size_t piece = chunked ? 1 + rnd((uint32_t)body) : body;

		if (chunked)
			n += (size_t)sprintf(buf + n, "%zx\r\n", piece);
		for (size_t i = 0; i < piece; i++)
			buf[n++] = "GET / HTTP/1.1\r\n"[rnd(16)];
		if (chunked)
			n += (size_t)sprintf(buf + n, "\r\n");
		body -= piece;
	}
	if (chunked)
		n += (size_t)sprintf(buf + n, "0\r\n\r\n");
	return n;
}

static size_t random_response(char *buf, struct truth *t)
{
	static const uint16_t statuses[] = { 200, 201, 204, 301, 304, 400, 404, 500, 503 };
	uint16_t status = statuses[rnd(9)];
	size_t n = 0, body = 0;
	int head = !strcmp(t->method, "HEAD"), chunked = rnd(3) == 0;

	t->status = status;
	if (!rnd(6))
		n += (size_t)sprintf(buf, "HTTP/1.1 100 Continue\r\n\r\n");
	n += (size_t)sprintf(buf + n, "HTTP/1.1 %u X\r\nServer: t\r\n", status);
	if (status != 204 && status != 304)
		body = rnd(4000);
	if (chunked && status != 204 && status != 304) {
		n += (size_t)sprintf(buf + n, "Transfer-Encoding: chunked\r\n\r\n");
		if (head)
			return n;
		while (body) {
			size_t piece = 1 + rnd((uint32_t)body);

			n += (size_t)sprintf(buf + n, "%zx\r\n", piece);
			memset(buf + n, 'H', piece);
			n += piece;
			n += (size_t)sprintf(buf + n, "\r\n");
			body -= piece;
		}
		n += (size_t)sprintf(buf + n, "0\r\n\r\n");
		return n;
	}
	n += (size_t)sprintf(buf + n, "Content-Length: %zu\r\n\r\n", body);
	if (!head && status != 204 && status != 304) {
		memset(buf + n, 'h', body);
		n += body;
	}
	return n;
}

/* Sends @len bytes in random segments, some sent twice. */
static void send_random(struct conn *c, enum side side, const char *data, size_t len)
{
	size_t pos = 0;

	while (pos < len) {
		size_t n = 1 + rnd(rnd(4) ? 1400 : 60);
		uint32_t at = side == CLIENT ? c->cseq : c->sseq;

		if (n > len - pos)
			n = len - pos;
		conn_send(c, side, data + pos, n);
		if (!rnd(10))
			conn_send_at(c, side, at, data + pos, n); /* a retransmission */
		pos += n;
	}
}

void test_random_conversations(void **state)
{
	static char buf[32768];
	static struct truth truth[16];
	uint64_t gaps = counter(XFFW_CNT_GAPS), desyncs = counter(XFFW_CNT_DESYNC);
	struct conn c;

	(void)state;
	for (int conv = 0; conv < 300; conv++) {
		int exchanges = 1 + (int)rnd(8), i = 0;

		conn_open(&c, rnd(2) ? 4 : 6, (uint16_t)(44000 + conv % 50));
		while (i < exchanges) {
			/* Sometimes two requests before their responses (pipelining). */
			int batch = i + 1 < exchanges && !rnd(4) ? 2 : 1;
			size_t n = 0;

			for (int k = 0; k < batch; k++)
				n += random_request(buf + n, &truth[i + k]);
			send_random(&c, CLIENT, buf, n);
			n = 0;
			for (int k = 0; k < batch; k++)
				n += random_response(buf + n, &truth[i + k]);
			send_random(&c, SERVER, buf, n);
			i += batch;
		}
		if (rnd(2))
			conn_close(&c);
		assert_int_equal(assemble(), exchanges);
		for (i = 0; i < exchanges; i++) {
			assert_string_equal(seen[i].method, truth[i].method);
			assert_string_equal(seen[i].target, truth[i].target);
			assert_string_equal(seen[i].xff, truth[i].xff);
			assert_int_equal(seen[i].status, truth[i].status);
			assert_false(seen[i].truncated);
		}
	}
	assert_int_equal(counter(XFFW_CNT_GAPS), gaps);
	assert_int_equal(counter(XFFW_CNT_DESYNC), desyncs);
}

/* Records say on which hook they were seen: egress when the packet is leaving. */
void test_hook_direction(void **state)
{
	static const char head[] = "GET /hook HTTP/1.1\r\n\r\n";
	unsigned int nic;
	struct conn c;

	(void)state;
	conn_open(&c, 4, 42010);
	conn_send(&c, CLIENT, S(head));
	assert_false(got_rec(0)->hdr.flags & XFFW_REC_F_EGRESS);
	run_on_egress = true;
	conn_send(&c, CLIENT, S(head));
	conn_send(&c, SERVER, S(ok_empty));
	run_on_egress = false;
	assert_int_equal(ngot, 3);
	assert_true(got_rec(1)->hdr.flags & XFFW_REC_F_EGRESS);
	assert_true(got_rec(2)->hdr.flags & XFFW_REC_F_EGRESS);
	assert_int_equal(got_rec(2)->hdr.type, XFFW_REC_RESPONSE);

	/* Loopback is watched at egress; each packet comes straight back in: ingress. */
	nic = run_ifindex;
	run_ifindex = 1;
	run_on_egress = true;
	got_reset();
	conn_send(&c, CLIENT, S(head));
	run_on_egress = false;
	run_ifindex = nic;
	assert_int_equal(ngot, 1);
	assert_false(got_rec(0)->hdr.flags & XFFW_REC_F_EGRESS);
}

static void assert_socks(const struct xffw_record *r, __u8 peer, __u8 app)
{
	assert_int_equal(r->hdr.sock[XFFW_DIR_REQUEST].seen, peer);
	assert_int_equal(r->hdr.sock[XFFW_DIR_RESPONSE].seen, app);
	for (int i = 0; i < 2; i++) {
		/* Test runs carry no socket: nothing but the state is ever filled. */
		assert_int_equal(r->hdr.sock[i].uid, 0);
		assert_int_equal(r->hdr.sock[i].cgroup_id, 0);
		assert_memory_equal(r->hdr.sock[i].pad, "\0\0\0", 3);
	}
}

/*
 * The sockets' owners ride in every record of the flow, as its SYN and
 * SYN-ACK found them: without a socket (from the wire, or from another
 * namespace) "none"; an end not seen yet, "unseen". (Real sockets: the live
 * loopback test.)
 */
void test_socket_identity_states(void **state)
{
	static const char head[] = "GET /who HTTP/1.1\r\n\r\n";
	struct pkt_spec s = { .family = 6,
			      .saddr = "fd00::5",
			      .daddr = "fd00::6",
			      .sport = 43100,
			      .dport = WATCHED_PORT,
			      .seq = 1000 };
	struct conn c;

	(void)state;
	conn_open(&c, 4, 42020);
	conn_send(&c, CLIENT, S(head));
	conn_send(&c, SERVER, S(ok_empty));
	assert_int_equal(ngot, 2);
	assert_socks(got_rec(0), XFFW_SOCK_NONE, XFFW_SOCK_NONE);
	assert_socks(got_rec(1), XFFW_SOCK_NONE, XFFW_SOCK_NONE);

	/* An egress hook, a packet that came in elsewhere (forwarded): the same. */
	run_on_egress = true;
	run_egress_from = 1;
	conn_open(&c, 6, 42021);
	got_reset();
	conn_send(&c, CLIENT, S(head));
	run_on_egress = false;
	run_egress_from = 0;
	assert_int_equal(ngot, 1);
	assert_socks(got_rec(0), XFFW_SOCK_NONE, XFFW_SOCK_NONE);

	/* A SYN without its SYN-ACK yet (TCP Fast Open data): the app's end unseen. */
	s.tcp_flags = PKT_SYN;
	got_reset();
	assert_int_equal(run_spec(&s, S(head)), 1);
	assert_socks(got_rec(0), XFFW_SOCK_NONE, XFFW_SOCK_UNSEEN);

	/*
	 * Picked up mid-stream: each end's owner from its first packet seen (so
	 * that pushing one's own flow out of the table gains nothing), the app's
	 * unseen until it sends.
	 */
	s.sport = 43101;
	s.tcp_flags = PKT_ACK;
	got_reset();
	assert_int_equal(run_spec(&s, S(head)), 1);
	assert_socks(got_rec(0), XFFW_SOCK_NONE, XFFW_SOCK_UNSEEN);
	{
		struct pkt_spec r = s;

		r.saddr = s.daddr;
		r.daddr = s.saddr;
		r.sport = s.dport;
		r.dport = s.sport;
		r.seq = 5000;
		got_reset();
		assert_int_equal(run_spec(&r, S(ok_empty)), 1);
		assert_socks(got_rec(0), XFFW_SOCK_NONE, XFFW_SOCK_NONE);
	}
}

/* A response to no request seen still has its body passed over by its status. */
void test_orphans_keep_framing(void **state)
{
	static const char get_a[] = "GET /a HTTP/1.1\r\n\r\n", get_b[] = "GET /b HTTP/1.1\r\n\r\n";
	static const char ok_body[] = "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nabc";
	static const char *const orphans[] = {
		"HTTP/1.1 304 Not Modified\r\nETag: \"x\"\r\n\r\n",
		"HTTP/1.1 204 No Content\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n12345",
	};
	struct conn c;

	(void)state;
	for (size_t i = 0; i < sizeof(orphans) / sizeof(orphans[0]); i++) {
		conn_open(&c, 4, 42011);
		conn_send(&c, SERVER, orphans[i], strlen(orphans[i]));
		conn_send(&c, CLIENT, S(get_a));
		conn_send(&c, SERVER, S(ok_body));
		conn_send(&c, CLIENT, S(get_b));
		conn_send(&c, SERVER, S(ok_empty));
		assert_int_equal(assemble(), 2);
		assert_int_equal(seen[0].status, 200);
		assert_int_equal(seen[1].status, 200);
	}
}

/* A value that runs on past the head budget stops there: the budget bounds what leaves. */
void test_budget_bounds_long_values(void **state)
{
	static char head[60000];
	size_t n = (size_t)sprintf(head, "GET /ua HTTP/1.1\r\nUser-Agent: ");
	size_t pos = 0, data = 0;
	struct conn c;

	(void)state;
	while (n < 50000)
		head[n++] = 'u';
	n += (size_t)sprintf(head + n, "\r\nX-Forwarded-For: 192.0.2.77\r\n\r\n");
	conn_open(&c, 4, 42012);
	while (pos < n) {
		size_t k = n - pos < 1400 ? n - pos : 1400;

		conn_send(&c, CLIENT, head + pos, k);
		pos += k;
	}
	for (int i = 0; i < ngot; i++)
		data += got_rec(i)->hdr.data_len;
	assert_true(data <= XFFW_HEAD_BUDGET);
	conn_send(&c, SERVER, S(ok_empty));
	assert_int_equal(assemble(), 1);
	assert_string_equal(seen[0].xff, "");
	assert_true(seen[0].truncated);
	assert_true(seen[0].rec_flags & XFFW_REC_F_BUDGET);
	assert_int_equal(seen[0].status, 200);
}

/* Data on the SYN (TCP Fast Open), and late duplicates of the handshake. */
void test_handshake_edges(void **state)
{
	static const char head[] = "GET /tfo HTTP/1.1\r\nX-Forwarded-For: 192.0.2.80\r\n\r\n";
	static const char next[] = "GET /next HTTP/1.1\r\n\r\n";
	uint64_t desyncs = counter(XFFW_CNT_DESYNC), gaps = counter(XFFW_CNT_GAPS);
	struct pkt_spec s;
	struct conn c;

	(void)state;
	/* A SYN that carries the request. */
	conn_open(&c, 4, 42013);
	s = c.c2s;
	s.seq = c.cseq + 100000;
	s.tcp_flags = PKT_SYN;
	got_reset();
	assert_int_equal(run_spec(&s, S(head)), 2); /* the old flow's end, the request */
	assert_int_equal(got_rec(1)->hdr.type, XFFW_REC_REQUEST);
	c.cseq = s.seq + 1 + (uint32_t)sizeof(head) - 1;
	conn_send(&c, SERVER, S(ok_empty));

	/* Late copies of the SYN-ACK and of the SYN change nothing. */
	s = c.s2c;
	s.seq = c.sisn;
	s.tcp_flags = PKT_SYN | PKT_ACK;
	assert_int_equal(run_spec(&s, NULL, 0), 0);
	conn_send(&c, CLIENT, S(next));
	conn_send(&c, SERVER, S(ok_empty));
	s = c.c2s;
	s.seq = c.cseq - (uint32_t)sizeof(next) + 1 - (uint32_t)sizeof(head) + 1 - 1;
	s.tcp_flags = PKT_SYN;
	assert_int_equal(run_spec(&s, NULL, 0), 0);
	conn_send(&c, CLIENT, S(next));
	conn_send(&c, SERVER, S(ok_empty));
	assert_int_equal(assemble(), 3);
	assert_string_equal(seen[0].target, "/tfo");
	assert_string_equal(seen[0].xff, "192.0.2.80");
	for (int i = 0; i < 3; i++)
		assert_int_equal(seen[i].status, 200);
	assert_int_equal(counter(XFFW_CNT_DESYNC), desyncs);
	assert_int_equal(counter(XFFW_CNT_GAPS), gaps);
}
