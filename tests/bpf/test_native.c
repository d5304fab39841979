// SPDX-License-Identifier: BSD-2-Clause
/*
 * The kernel program and its native build (user/capture/native_prog.c) on
 * random streams: several connections at once, segments cut at random
 * points, retransmissions, reordering, data out of the window, FIN and RST,
 * responses, chunked bodies, long X-Forwarded-For chains going on over
 * segments. The harness compares every frame's records and counters
 * (run_frame()); this file makes the traffic and checks that it reached the
 * paths it is meant to.
 */
#include <stdio.h>
#include <string.h>

#include "harness.h"
#include "kernel/bpf_counters.h"
#include "tests.h"

#define CONNS	 6
#define BUF_SIZE 65536
#define SEG_MAX	 3400 /* payload per frame: BPF_PROG_TEST_RUN takes PKT_TEST_RUN_MAX */

static uint32_t rng = 0x5eed;

static uint32_t rnd(uint32_t n)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng % n;
}

/* One direction's bytes still to send. */
struct queue {
	char buf[BUF_SIZE];
	size_t len, pos;
};

struct stream {
	struct conn c;
	struct queue q[2]; /* CLIENT, SERVER */
	bool open;
};

static size_t put(struct queue *q, const char *fmt, const char *s)
{
	int n = snprintf(q->buf + q->len, BUF_SIZE - q->len, fmt, s);

	q->len += (size_t)n;
	return (size_t)n;
}

/* A chain of @hops addresses, some of them long enough to be sent in chunks. */
static void put_chain(struct queue *q, int hops)
{
	char hop[64];

	for (int i = 0; i < hops && q->len + 64 < BUF_SIZE / 2; i++) {
		snprintf(hop, sizeof(hop), "%s%u.%u.%u.%u", i ? ", " : "", 1 + rnd(223), rnd(256),
			 rnd(256), rnd(256));
		put(q, "%s", hop);
	}
}

static void put_body(struct queue *q, size_t body, bool chunked)
{
	while (body && q->len + body + 64 < BUF_SIZE) {
		size_t piece = chunked ? 1 + rnd((uint32_t)body) : body;
		char size[32];

		if (chunked) {
			snprintf(size, sizeof(size), "%zx%s\r\n", piece, rnd(4) ? "" : ";x=1");
			put(q, "%s", size);
		}
		for (size_t i = 0; i < piece; i++)
			q->buf[q->len++] = "GET / HTTP/1.1\r\nX-Forwarded-For: 1"[rnd(34)];
		if (chunked)
			put(q, "%s", "\r\n");
		body -= piece;
	}
	if (chunked)
		put(q, "%s", rnd(3) ? "0\r\n\r\n" : "0\r\nTrailer: t\r\n\r\n");
}

/* A request and its response, appended to the stream's queues. */
static void add_exchange(struct stream *s)
{
	static const char *const methods[] = { "GET", "POST", "HEAD", "PUT", "OPTIONS" };
	struct queue *req = &s->q[CLIENT], *rsp = &s->q[SERVER];
	const char *method = methods[rnd(5)];
	bool body = !strcmp(method, "POST") || !strcmp(method, "PUT");
	bool chunked = rnd(3) == 0;
	char line[128];

	if (req->len > BUF_SIZE / 4 || rsp->len > BUF_SIZE / 4)
		return;
	snprintf(line, sizeof(line), "%s /n/%u HTTP/1.1\r\nHost: h%u\r\n", method, rnd(99999),
		 rnd(9));
	put(req, "%s", line);
	for (int k = (int)rnd(4); k > 0; k--) {
		put(req, "%s", rnd(2) ? "X-Forwarded-For: " : "x-forwarded-for:");
		/* Now and then a chain longer than a record's piece: chunks marked to be joined. */
		put_chain(req, rnd(8) ? 1 + (int)rnd(6) : 150 + (int)rnd(400));
		put(req, "%s", "\r\n");
	}
	if (!rnd(4))
		put(req, "Forwarded: for=%s;proto=https\r\n", "\"[2001:db8::1]\"");
	if (!rnd(6)) {
		put(req, "%s", "Cookie: ");
		for (int i = (int)rnd(9000); i > 0; i--)
			req->buf[req->len++] = 'c';
		put(req, "%s", "\r\n");
	}
	if (body && chunked) {
		put(req, "%s", "Transfer-Encoding: chunked\r\n\r\n");
		put_body(req, rnd(3000), true);
	} else if (body) {
		size_t n = rnd(3000);

		snprintf(line, sizeof(line), "Content-Length: %zu\r\n\r\n", n);
		put(req, "%s", line);
		put_body(req, n, false);
	} else {
		put(req, "%s", "\r\n");
	}
	if (!rnd(8))
		put(rsp, "%s", "HTTP/1.1 100 Continue\r\n\r\n");
	chunked = rnd(3) == 0;
	snprintf(line, sizeof(line), "HTTP/1.1 %u X\r\nServer: t\r\n", 200 + rnd(4) * 100);
	put(rsp, "%s", line);
	if (chunked) {
		put(rsp, "%s", "Transfer-Encoding: chunked\r\n\r\n");
		if (strcmp(method, "HEAD"))
			put_body(rsp, rnd(4000), true);
	} else {
		size_t n = rnd(4000);

		snprintf(line, sizeof(line), "Content-Length: %zu\r\n\r\n", n);
		put(rsp, "%s", line);
		if (strcmp(method, "HEAD"))
			put_body(rsp, n, false);
	}
}

static void stream_open(struct stream *s, int i, uint16_t port)
{
	memset(s->q, 0, sizeof(s->q));
	conn_open(&s->c, rnd(2) ? 4 : 6, port);
	s->open = true;
	/* Now and then picked up mid-stream: the SYN went before the program saw it. */
	if (!rnd(8)) {
		s->c.c2s.sport = (uint16_t)(port + 1000 + i);
		s->c.s2c.dport = s->c.c2s.sport;
	}
}

/* The next piece of one side of @s, with the mishaps of a real network now and then. */
static void stream_step(struct stream *s)
{
	enum side side = rnd(2) ? CLIENT : SERVER;
	struct queue *q = &s->q[side];
	uint32_t *seq = side == CLIENT ? &s->c.cseq : &s->c.sseq;
	size_t n, left;
	uint32_t at;

	if (q->pos == q->len) {
		q->len = q->pos = 0;
		add_exchange(s);
		if (q->pos == q->len)
			return;
	}
	left = q->len - q->pos;
	n = 1 + rnd(rnd(3) ? SEG_MAX : 80);
	n = n < left ? n : left;
	at = *seq;
	switch (rnd(40)) {
	case 0: /* reordered: the next piece first, then this one */
		if (left > n + 1) {
			size_t m = 1 + rnd((uint32_t)(left - n < SEG_MAX ? left - n : SEG_MAX));

			conn_send_at(&s->c, side, at + (uint32_t)n, q->buf + q->pos + n, m);
			conn_send_at(&s->c, side, at, q->buf + q->pos, n);
			n += m;
			break;
		}
		conn_send_at(&s->c, side, at, q->buf + q->pos, n);
		break;
	case 1: /* bytes far out of the window, ahead and behind */
		conn_send_at(&s->c, side, at + 100000 + rnd(1 << 30), q->buf + q->pos, n);
		conn_send_at(&s->c, side, at - 70000 - rnd(1 << 30), q->buf + q->pos, n);
		break;
	case 2: /* a retransmission overlapping what was sent and what was not */
		conn_send_at(&s->c, side, at, q->buf + q->pos, n);
		if (q->pos >= 10)
			conn_send_at(&s->c, side, at - 10, q->buf + q->pos - 10,
				     n + 10 < left ? n + 10 : left);
		break;
	case 3: /* a RST ends the connection */
		s->c.c2s.tcp_flags = PKT_RST | PKT_ACK;
		conn_send_at(&s->c, CLIENT, s->c.cseq, NULL, 0);
		s->c.c2s.tcp_flags = 0;
		s->open = false;
		return;
	case 4: /* both sides close, the last data with the FIN */
		conn_send_at(&s->c, side, at, q->buf + q->pos, n);
		*seq += (uint32_t)n;
		conn_close(&s->c);
		s->open = false;
		return;
	default:
		conn_send_at(&s->c, side, at, q->buf + q->pos, n);
		if (!rnd(12)) /* the same segment again */
			conn_send_at(&s->c, side, at, q->buf + q->pos, n);
	}
	*seq += (uint32_t)n;
	q->pos += n;
}

void test_native_random_streams(void **state)
{
	static struct stream streams[CONNS];
	static const unsigned int expect[] = {
		XFFW_CNT_REQUESTS, XFFW_CNT_RESPONSES,	   XFFW_CNT_DUP_SEGMENTS,
		XFFW_CNT_GAPS,	   XFFW_CNT_FLOWS_ADOPTED, XFFW_CNT_FLOW_ENDS,
	};
	uint64_t before[XFFW_CNT__MAX], after[XFFW_CNT__MAX];
	long frames = native_frames;

	(void)state;
	native_prog_counters(native, before);
	for (int i = 0; i < CONNS; i++)
		stream_open(&streams[i], i, (uint16_t)(46000 + i));
	for (int step = 0; step < 20000; step++) {
		int i = (int)rnd(CONNS);

		if (!streams[i].open)
			stream_open(&streams[i], i, (uint16_t)(46000 + i));
		stream_step(&streams[i]);
		if (step % 256 == 0)
			got_reset();
	}
	native_prog_counters(native, after);
	/* Every frame was compared, and the traffic reached each path it is meant to. */
	assert_true(native_frames - frames > 20000);
	for (size_t k = 0; k < sizeof(expect) / sizeof(expect[0]); k++) {
		if (after[expect[k]] == before[expect[k]])
			fprintf(stderr, "random streams: no %s\n", counter_name(expect[k]));
		assert_true(after[expect[k]] > before[expect[k]]);
	}
	fprintf(stderr, "random streams: %ld frames, %llu requests, %llu parts cut by the budget\n",
		native_frames - frames,
		(unsigned long long)(after[XFFW_CNT_REQUESTS] - before[XFFW_CNT_REQUESTS]),
		(unsigned long long)(after[XFFW_CNT_OVER_BUDGET] - before[XFFW_CNT_OVER_BUDGET]));
}
