// SPDX-License-Identifier: BSD-2-Clause
/*
 * Kernel-program tests, one segment at a time: crafted frames through
 * BPF_PROG_TEST_RUN, each the first segment of a new connection, and heads
 * too big for it (the kernel caps test input at PKT_TEST_RUN_MAX bytes) over a
 * real TCP connection on loopback in a private network namespace. Every
 * request record the kernel writes is compared byte for byte with the
 * user-space twin of the extractor (user/pipeline/extract_twin.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <limits.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "harness.h"
#include "pipeline/extract_twin.h"
#include "tests.h"

static const struct pkt_spec v4 = {
	.family = 4,
	.saddr = "127.0.0.1",
	.daddr = "127.0.0.1",
	.sport = 41000,
	.dport = WATCHED_PORT,
	.seq = 0x01020304,
};
static const struct pkt_spec v6 = {
	.family = 6,
	.saddr = "fd00::1",
	.daddr = "fd00::2",
	.sport = 41001,
	.dport = WATCHED_PORT,
	.seq = 0xfffffff0,
};

/*
 * A reset, then a SYN for @spec's tuple just before its sequence number: the
 * payload starts a new flow. (The same SYN again would be a retransmission.)
 */
static void fresh_flow(const struct pkt_spec *spec)
{
	struct pkt_spec syn = *spec;

	syn.seq = spec->seq - 1;
	syn.ip_len_delta = 0;
	syn.doff_words = 0;
	syn.ip_fragment = 0;
	syn.ihl_words = 0;
	syn.tcp_flags = PKT_RST;
	run_spec(&syn, NULL, 0);
	syn.tcp_flags = PKT_SYN;
	run_spec(&syn, NULL, 0);
	got_reset();
}

/* The payload as the first segment of a new connection; returns the records written. */
static int run_payload(const struct pkt_spec *spec, const void *payload, size_t len)
{
	fresh_flow(spec);
	return run_spec(spec, payload, len);
}

struct twin {
	struct xffw_record rec[8];
	size_t size[8];
	int n;
};

static void on_twin(void *ctx, const struct xffw_record *rec, size_t size)
{
	struct twin *t = ctx;

	assert_true(t->n < 8);
	memcpy(&t->rec[t->n], rec, size);
	t->size[t->n++] = size;
}

static enum head_status twin_of(const void *payload, size_t len, struct twin *t)
{
	memset(t, 0, sizeof(*t));
	return head_extract(payload, len, ~0U, XFFW_HEAD_BUDGET, on_twin, t);
}

/*
 * The kernel's records from @idx on are the twin's for @payload, and carry
 * @spec's tuple. Returns the number of records compared.
 */
static int expect_twin(int idx, const struct pkt_spec *spec, const void *payload, size_t len)
{
	static struct twin want;
	size_t skip = 0;

	assert_int_equal(twin_of(payload, len, &want), HEAD_OK);
	assert_int_equal(ngot - idx, want.n);
	while (skip < len &&
	       (((const char *)payload)[skip] == '\r' || ((const char *)payload)[skip] == '\n'))
		skip++;
	for (int i = 0; i < want.n; i++) {
		const struct xffw_record *rec = got_rec(idx + i), *w = &want.rec[i];
		uint8_t addr[16] = { 0 };

		assert_int_equal(got[idx + i].size, want.size[i]);
		assert_int_equal(rec->hdr.abi_version, XFFW_ABI_VERSION);
		assert_int_equal(rec->hdr.type, XFFW_REC_REQUEST);
		assert_int_equal(rec->hdr.flags, w->hdr.flags);
		assert_int_equal(rec->hdr.msg, 0);
		assert_int_equal(rec->hdr.part, w->hdr.part);
		assert_int_equal(rec->hdr.data_len, w->hdr.data_len);
		assert_memory_equal(rec->data, w->data, w->hdr.data_len);
		assert_true(rec->hdr.ts_ns > 0);
		assert_true(rec->hdr.flow_id > 0);
		if (!spec)
			continue;
		assert_int_equal(rec->hdr.family, spec->family);
		assert_int_equal(rec->hdr.sport, spec->sport);
		assert_int_equal(rec->hdr.dport, spec->dport);
		assert_int_equal(rec->hdr.seq, spec->seq + (uint32_t)skip);
		inet_pton(spec->family == 4 ? AF_INET : AF_INET6, spec->saddr, addr);
		assert_memory_equal(rec->hdr.saddr, addr, 16);
		inet_pton(spec->family == 4 ? AF_INET : AF_INET6, spec->daddr, addr);
		assert_memory_equal(rec->hdr.daddr, addr, 16);
	}
	return want.n;
}

/* Value of the @nth line of field @id in record @idx, or NULL. */
static const char *field(int idx, unsigned int id, int nth, size_t *len, uint8_t *flags)
{
	const struct xffw_record *rec = got_rec(idx);
	const uint8_t *p = rec->data, *end = p + rec->hdr.data_len;

	while (p + sizeof(struct xffw_field_hdr) <= end) {
		struct xffw_field_hdr fh;

		memcpy(&fh, p, sizeof(fh));
		if (fh.id == id && nth-- == 0) {
			*len = fh.len;
			if (flags)
				*flags = fh.flags;
			return (const char *)p + sizeof(fh);
		}
		p += sizeof(fh) + fh.len;
	}
	return NULL;
}

static void expect_field(int idx, unsigned int id, int nth, const char *value)
{
	size_t len = 0;
	const char *v = field(idx, id, nth, &len, NULL);

	assert_non_null(v);
	assert_int_equal(len, strlen(value));
	assert_memory_equal(v, value, len);
}

#define HEAD(s) s, sizeof(s) - 1

void test_ipv4_request(void **state)
{
	static const char head[] = "GET /hello?x=1 HTTP/1.1\r\n"
				   "Host: app.example\r\n"
				   "User-Agent: curl/7.88.1\r\n"
				   "Accept: */*\r\n"
				   "X-Forwarded-For: 203.0.113.9, 198.18.0.1\r\n"
				   "X-Real-IP: 198.18.0.1\r\n"
				   "\r\n";
	uint64_t before = counter(XFFW_CNT_REQUESTS);

	(void)state;
	assert_int_equal(run_payload(&v4, HEAD(head)), 1);
	expect_twin(0, &v4, HEAD(head));
	expect_field(0, XFFW_F_REQUEST_LINE, 0, "GET /hello?x=1 HTTP/1.1");
	expect_field(0, XFFW_F_HOST, 0, " app.example");
	expect_field(0, XFFW_F_USER_AGENT, 0, " curl/7.88.1");
	expect_field(0, XFFW_F_X_FORWARDED_FOR, 0, " 203.0.113.9, 198.18.0.1");
	expect_field(0, XFFW_F_X_REAL_IP, 0, " 198.18.0.1");
	assert_int_equal(counter(XFFW_CNT_REQUESTS), before + 1);
}

void test_ipv6_request(void **state)
{
	static const char head[] = "POST /api HTTP/1.0\nHost: [fd00::2]:5000\n"
				   "Forwarded: for=\"[2001:db8::7]\"\nContent-Length: 4\n\nbody";
	struct pkt_spec hbh = v6;

	(void)state;
	assert_int_equal(run_payload(&v6, HEAD(head)), 1);
	expect_twin(0, &v6, HEAD(head));
	expect_field(0, XFFW_F_FORWARDED, 0, " for=\"[2001:db8::7]\"");

	hbh.ipv6_hop_by_hop = 1;
	assert_int_equal(run_payload(&hbh, HEAD(head)), 1);
	expect_twin(0, &hbh, HEAD(head));
}

void test_vlan_tags(void **state)
{
	static const char head[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	struct pkt_spec s = v4;

	(void)state;
	for (s.vlan_tags = 1; s.vlan_tags <= 2; s.vlan_tags++) {
		assert_int_equal(run_payload(&s, HEAD(head)), 1);
		expect_twin(0, &s, HEAD(head));
	}
	/* Three tags are more than the parser follows: ignored, not misread. */
	s.vlan_tags = 3;
	assert_int_equal(run_payload(&s, HEAD(head)), 0);
}

void test_non_http_payloads(void **state)
{
	static const struct {
		const char *payload;
		size_t len;
		unsigned int reason;
	} cases[] = {
		{ "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03", 11, XFFW_NOT_HTTP_TLS },
		{ HEAD("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), XFFW_NOT_HTTP_H2 },
		{ HEAD("GET /\r\n"), XFFW_NOT_HTTP_OTHER }, /* HTTP/0.9 */
		{ HEAD("get / HTTP/1.1\r\n\r\n"), XFFW_NOT_HTTP_OTHER },
		{ HEAD("GET / HTTP/2.0\r\n\r\n"), XFFW_NOT_HTTP_OTHER },
		{ HEAD("GET /HTTP/1.1\r\n\r\n"), XFFW_NOT_HTTP_OTHER },
		{ HEAD("HTTP/1.1 200 OK\r\n\r\n"),
		  XFFW_NOT_HTTP_OTHER }, /* a response, sent to the app */
		{ HEAD("VERYLONGMETHODNAME / HTTP/1.1\r\n\r\n"), XFFW_NOT_HTTP_OTHER },
		{ HEAD("GETGET HTTP/1.1\r\n\r\n"), XFFW_NOT_HTTP_OTHER }, /* no target */
		{ HEAD("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n"), XFFW_NOT_HTTP_OTHER },
		{ "\x00\x01\x02\x03", 4, XFFW_NOT_HTTP_OTHER },
	};
	static const char more[] = "GET / HTTP/1.1\r\n\r\n";

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		static struct twin twin;
		unsigned int cnt = XFFW_CNT_NOT_HTTP_TLS + cases[i].reason - XFFW_NOT_HTTP_TLS;
		uint64_t before = counter(cnt);
		struct pkt_spec s = v4;

		assert_int_not_equal(twin_of(cases[i].payload, cases[i].len, &twin), HEAD_OK);
		/* One verdict for the flow, no request. */
		assert_int_equal(run_payload(&s, cases[i].payload, cases[i].len), 1);
		assert_int_equal(got_rec(0)->hdr.type, XFFW_REC_NOT_HTTP);
		assert_int_equal(got_rec(0)->hdr.reason, cases[i].reason);
		assert_int_equal(counter(cnt), before + 1);
		/* Later segments of the flow are not looked at, even if they look like HTTP. */
		s.seq += (uint32_t)cases[i].len;
		assert_int_equal(run_spec(&s, HEAD(more)), 0);
		assert_int_equal(counter(cnt), before + 1);
	}
}

/* Empty lines before a request are passed over, as nginx and RFC 9112 do. */
void test_leading_empty_lines(void **state)
{
	static const char head[] = "\r\n\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\n";

	(void)state;
	assert_int_equal(run_payload(&v4, HEAD(head)), 1);
	expect_twin(0, &v4, HEAD(head));
}

void test_unwatched_port_and_pure_ack(void **state)
{
	static const char head[] = "GET / HTTP/1.1\r\n\r\n";
	uint64_t segments = counter(XFFW_CNT_SEGMENTS);
	struct pkt_spec s = v4;

	(void)state;
	s.dport = WATCHED_PORT + 1;
	assert_int_equal(run_payload(&s, HEAD(head)), 0);
	s.dport = WATCHED_PORT;
	assert_int_equal(run_payload(&s, "", 0), 0);
	/* Neither counts as a segment to look at. */
	assert_int_equal(counter(XFFW_CNT_SEGMENTS), segments);
}

/* Every prefix of a frame: passes unchanged, never a record that disagrees with the twin. */
void test_truncated_frames(void **state)
{
	static const char head[] = "GET /cut HTTP/1.1\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n";
	const struct pkt_spec *specs[] = { &v4, &v6 };
	uint8_t frame[512];

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		size_t off, n = pkt_build(specs[k], HEAD(head), frame, sizeof(frame), &off);

		/* BPF_PROG_TEST_RUN refuses frames shorter than Ethernet + IP header. */
		for (size_t cut = 14 + (specs[k]->family == 4 ? 20 : 40); cut <= n; cut++) {
			int records;

			fresh_flow(specs[k]);
			records = run_frame(frame, cut);
			if (cut <= off)
				assert_int_equal(records, 0);
			else
				assert_int_equal(expect_twin(0, specs[k], head, cut - off),
						 records);
		}
	}
}

void test_lying_lengths(void **state)
{
	static const char head[] = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
	uint64_t malformed = counter(XFFW_CNT_MALFORMED);
	struct pkt_spec s = v4;

	(void)state;
	/* IP length beyond the frame: the frame is the bound. */
	s.ip_len_delta = 1000;
	assert_int_equal(run_payload(&s, HEAD(head)), 1);
	expect_twin(0, &s, HEAD(head));
	/* IP length shorter than the headers. */
	s.ip_len_delta = -(int)(sizeof(head) - 1) - 30;
	assert_int_equal(run_payload(&s, HEAD(head)), 0);
	/* IP length cuts the payload (Ethernet padding after it is not payload). */
	s.ip_len_delta = -10;
	assert_int_equal(run_payload(&s, HEAD(head)), 1);
	expect_twin(0, &s, head, sizeof(head) - 1 - 10);
	s = v4;
	s.ihl_words = 4;
	assert_int_equal(run_payload(&s, HEAD(head)), 0);
	s = v4;
	s.doff_words = 3;
	assert_int_equal(run_payload(&s, HEAD(head)), 0);
	s = v4;
	s.doff_words = 15; /* data offset past the end of the segment */
	assert_int_equal(run_payload(&s, "GET", 3), 0);
	assert_int_equal(counter(XFFW_CNT_MALFORMED), malformed + 4);
	/* TCP options are skipped, not read as payload. */
	s = v6;
	s.tcp_options_words = 3;
	assert_int_equal(run_payload(&s, HEAD(head)), 1);
	expect_twin(0, &s, HEAD(head));
}

void test_fragments_skipped(void **state)
{
	static const char head[] = "GET / HTTP/1.1\r\n\r\n";
	uint64_t frags = counter(XFFW_CNT_FRAGMENTS);
	struct pkt_spec s4 = v4, s6 = v6;

	(void)state;
	s4.ip_fragment = s6.ip_fragment = 1;
	assert_int_equal(run_payload(&s4, HEAD(head)), 0);
	assert_int_equal(run_payload(&s6, HEAD(head)), 0);
	assert_int_equal(counter(XFFW_CNT_FRAGMENTS), frags + 2);
}

void test_mixed_case_and_repeated_lines(void **state)
{
	static const char head[] = "GET / HTTP/1.1\r\n"
				   "hOST: a\r\n"
				   "x-FORWARDED-for: 203.0.113.1\r\n"
				   "Accept: x\r\n"
				   "X-FORWARDED-FOR:203.0.113.2\r\n"
				   "USER-agent: ua\r\n"
				   "x-forwarded-for: 203.0.113.3, 203.0.113.4\r\n"
				   "cf-connecting-ip: 1.1.1.1\r\n"
				   "TRUE-CLIENT-IP: 2.2.2.2\r\n"
				   "X-Forwarded-Proto: https\r\n"
				   "x-forwarded-HOST: h\r\n"
				   "X-Forwarded-Port: 443\r\n"
				   "VIA: 1.1 edge\r\n"
				   "X-Forwarded-Forx: not-me\r\n"
				   "X-Forwarded: not-me\r\n"
				   "Hosts: not-me\r\n"
				   "\r\n";
	size_t len;

	(void)state;
	assert_int_equal(run_payload(&v4, HEAD(head)), 1);
	expect_twin(0, &v4, HEAD(head));
	expect_field(0, XFFW_F_HOST, 0, " a");
	expect_field(0, XFFW_F_X_FORWARDED_FOR, 0, " 203.0.113.1");
	expect_field(0, XFFW_F_X_FORWARDED_FOR, 1, "203.0.113.2");
	expect_field(0, XFFW_F_X_FORWARDED_FOR, 2, " 203.0.113.3, 203.0.113.4");
	expect_field(0, XFFW_F_USER_AGENT, 0, " ua");
	expect_field(0, XFFW_F_CF_CONNECTING_IP, 0, " 1.1.1.1");
	expect_field(0, XFFW_F_TRUE_CLIENT_IP, 0, " 2.2.2.2");
	expect_field(0, XFFW_F_X_FORWARDED_PROTO, 0, " https");
	expect_field(0, XFFW_F_X_FORWARDED_HOST, 0, " h");
	expect_field(0, XFFW_F_X_FORWARDED_PORT, 0, " 443");
	expect_field(0, XFFW_F_VIA, 0, " 1.1 edge");
	assert_null(field(0, XFFW_F_X_FORWARDED_FOR, 3, &len, NULL));
	assert_null(field(0, XFFW_F_HOST, 1, &len, NULL));
}

void test_forbidden_headers_stay_in_kernel(void **state)
{
	static const char head[] = "POST /login HTTP/1.1\r\n"
				   "Host: a\r\n"
				   "Cookie: session=SECRET-COOKIE-1\r\n"
				   "Authorization: Bearer SECRET-TOKEN-2\r\n"
				   "Proxy-Authorization: Basic SECRET-PROXY-3\r\n"
				   "X-Api-Key: SECRET-KEY-4\r\n"
				   "X-Forwarded-For: 192.0.2.1\r\n"
				   "Content-Length: 20\r\n"
				   "\r\n"
				   "password=SECRET-BODY";
	static const char *const secrets[] = { "SECRET", "session", "Bearer", "Basic", "password" };
	const struct xffw_record *rec;

	(void)state;
	assert_int_equal(run_payload(&v4, HEAD(head)), 1);
	expect_twin(0, &v4, HEAD(head));
	rec = got_rec(0);
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		assert_null(memmem(got[0].data, got[0].size, secrets[i], strlen(secrets[i])));
	/* Only the request line, Host and X-Forwarded-For: nothing else was copied. */
	assert_int_equal(rec->hdr.data_len, 4 + strlen("POST /login HTTP/1.1") + 4 + 2 + 4 + 10);
}

/*
 * Segments that end inside a long first line: only a plausible request-line
 * start is a request; short ones wait for the next segment.
 */
void test_cut_request_lines(void **state)
{
	static const char *const not_requests[] = {
		"SECRET password=hunter2&card=4111111111111111",
		"UPDATE users SET x=1 WHERE name = 'someone'",
		"POST =body&more=body&even=more=body&and=more",
	};
	static const char *const requests[] = {
		"GET /very/long/path/that/continues/and/continues",
		"OPTIONS * and then some more bytes than a carry",
		"GET http://example.test/x/y/z/and/some/more/path",
		"CONNECT example.test:443 and then some more bytes",
	};
	static const char *const short_starts[] = { "GET ", "POST =body", "GE", "UPDATE users" };
	struct pkt_spec ah = v6;
	uint8_t flags;
	size_t len;

	(void)state;
	for (size_t i = 0; i < sizeof(not_requests) / sizeof(not_requests[0]); i++) {
		assert_int_equal(run_payload(&v4, not_requests[i], strlen(not_requests[i])), 1);
		assert_int_equal(got_rec(0)->hdr.type, XFFW_REC_NOT_HTTP);
	}
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		assert_int_equal(run_payload(&v4, requests[i], strlen(requests[i])), 1);
		expect_twin(0, &v4, requests[i], strlen(requests[i]));
		assert_false(got_rec(0)->hdr.flags & XFFW_REC_F_HEAD_END);
		assert_non_null(field(0, XFFW_F_REQUEST_LINE, 0, &len, &flags));
		assert_int_equal(flags, XFFW_FIELD_F_CONT);
		assert_int_equal(len, strlen(requests[i]));
	}
	/* Up to XFFW_CARRY_MAX bytes are kept for the next segment: no verdict yet. */
	for (size_t i = 0; i < sizeof(short_starts) / sizeof(short_starts[0]); i++)
		assert_int_equal(run_payload(&v4, short_starts[i], strlen(short_starts[i])), 0);
	/* IPv6 with an authentication header before TCP. */
	ah.ipv6_ah = 1;
	assert_int_equal(run_payload(&ah, HEAD("GET / HTTP/1.1\r\n\r\n")), 1);
	expect_twin(0, &ah, HEAD("GET / HTTP/1.1\r\n\r\n"));
}

void test_big_head_in_one_frame(void **state)
{
	static char head[PKT_TEST_RUN_MAX];
	size_t n = 0, len;
	struct pkt_spec s = v4;
	uint8_t flags;

	(void)state;
	n += (size_t)sprintf(head + n, "GET /big HTTP/1.1\r\nHost: a\r\nCookie: ");
	while (n < 3400)
		head[n++] = 'c';
	n += (size_t)sprintf(head + n, "\r\nX-Forwarded-For: 203.0.113.77\r\n\r\n");
	s.tcp_options_words = 3;
	assert_int_equal(run_payload(&s, head, n), 1);
	expect_twin(0, &s, head, n);
	expect_field(0, XFFW_F_X_FORWARDED_FOR, 0, " 203.0.113.77");
	assert_non_null(field(0, XFFW_F_REQUEST_LINE, 0, &len, &flags));
	assert_int_equal(flags, 0);
}

void test_long_values_are_chunked_or_cut(void **state)
{
	static char head[PKT_TEST_RUN_MAX];
	size_t n = 0, len;
	uint8_t flags;
	const char *v;

	(void)state;
	n += (size_t)sprintf(head + n, "GET / HTTP/1.1\r\nX-Forwarded-For: ");
	for (int i = 0; n < 3000; i++)
		n += (size_t)sprintf(head + n, "192.0.2.%d, ", i % 250 + 1);
	n += (size_t)sprintf(head + n, "203.0.113.99\r\n\r\n");
	assert_int_equal(run_payload(&v4, head, n), 1);
	expect_twin(0, &v4, head, n);
	/*
	 * Chains go whole, in chunks of XFFW_VALUE_MAX marked to be joined: the
	 * trust walk needs every hop.
	 */
	v = field(0, XFFW_F_X_FORWARDED_FOR, 0, &len, &flags);
	assert_non_null(v);
	assert_int_equal(len, XFFW_VALUE_MAX);
	assert_int_equal(flags, XFFW_FIELD_F_CONT);
	assert_memory_equal(v, head + 32, XFFW_VALUE_MAX);
	v = field(0, XFFW_F_X_FORWARDED_FOR, 1, &len, &flags);
	assert_non_null(v);
	assert_int_equal(flags, XFFW_FIELD_F_CONTINUED);
	assert_int_equal(32 + XFFW_VALUE_MAX + len, n - 4);
	assert_memory_equal(v + len - 12, "203.0.113.99", 12);

	n = (size_t)sprintf(head, "GET / HTTP/1.1\r\nUser-Agent: ");
	while (n < 3400)
		head[n++] = 'u';
	n += (size_t)sprintf(head + n, "\r\n\r\n");
	assert_int_equal(run_payload(&v4, head, n), 1);
	expect_twin(0, &v4, head, n);
	/* Other values keep their beginning. */
	v = field(0, XFFW_F_USER_AGENT, 0, &len, &flags);
	assert_non_null(v);
	assert_int_equal(len, XFFW_VALUE_MAX);
	assert_int_equal(flags, XFFW_FIELD_F_TRUNC_TAIL);
	assert_memory_equal(v, " uuu", 4);
}

void test_head_flags(void **state)
{
	static char head[PKT_TEST_RUN_MAX];
	static const char no_blank[] = "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.2.3.4\r\n";
	static const char fold[] =
		"GET / HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4,\r\n 5.6.7.8\r\n\r\n";
	static const char bare_lf_cr[] = "GET / HTTP/1.1\nHost: a\r\rb\n\n";
	const struct xffw_record *rec = got_rec(0);
	size_t n = 0;

	(void)state;
	assert_int_equal(run_payload(&v4, HEAD(no_blank)), 1);
	expect_twin(0, &v4, HEAD(no_blank));
	assert_false(rec->hdr.flags & XFFW_REC_F_HEAD_END);

	assert_int_equal(run_payload(&v4, HEAD(fold)), 1);
	expect_twin(0, &v4, HEAD(fold));
	assert_true(rec->hdr.flags & XFFW_REC_F_OBS_FOLD);

	assert_int_equal(run_payload(&v4, HEAD(bare_lf_cr)), 1);
	expect_twin(0, &v4, HEAD(bare_lf_cr));

	n += (size_t)sprintf(head, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < 600; i++)
		n += (size_t)sprintf(head + n, "a:\r\n");
	n += (size_t)sprintf(head + n, "X-Forwarded-For: 9.9.9.9\r\n\r\n");
	/* More lines than one pass indexes: the next pass goes on from the last. */
	assert_int_equal(run_payload(&v4, head, n), 1);
	expect_twin(0, &v4, head, n);
	assert_true(rec->hdr.flags & XFFW_REC_F_HEAD_END);
	expect_field(0, XFFW_F_X_FORWARDED_FOR, 0, " 9.9.9.9");
}

/* Small deterministic generator: the same heads on every run. */
static uint32_t rng_state = 12345;

static uint32_t rnd(uint32_t n)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return (rng_state >> 8) % n;
}

static size_t random_head(char *buf, size_t cap)
{
	static const char *const names[] = {
		"Host",
		"User-Agent",
		"X-Forwarded-For",
		"Forwarded",
		"X-Real-IP",
		"CF-Connecting-IP",
		"True-Client-IP",
		"X-Forwarded-Proto",
		"X-Forwarded-Host",
		"X-Forwarded-Port",
		"Via",
		"Cookie",
		"Authorization",
		"Accept",
		"X-Forwarded",
		"Hos",
		"Viaduct",
		"",
	};
	static const char *const methods[] = {
		"GET", "POST", "PUT", "DELETE", "OPTIONS", "M-SEARCH"
	};
	static const char alphabet[] = "0123456789abcdefABCDEF.:,; \t[]\"=_-/%\r\xc3\xff";
	size_t n = 0;
	int lines = (int)rnd(40);

	n += (size_t)snprintf(buf, cap, "%s /%u HTTP/1.%u%s", methods[rnd(6)], rnd(1000), rnd(2),
			      rnd(8) ? "\r\n" : "\n");
	for (int i = 0; i < lines && n + 400 < cap; i++) {
		const char *name = names[rnd(sizeof(names) / sizeof(names[0]))];
		size_t vlen = rnd(8) ? rnd(60) : rnd(300);

		if (!rnd(20))
			buf[n++] = rnd(2) ? ' ' : '\t';
		for (const char *c = name; *c; c++)
			buf[n++] = rnd(3) ? *c : (char)(*c ^ 0x20 * (*c >= 'A'));
		buf[n++] = ':';
		for (size_t k = 0; k < vlen; k++)
			buf[n++] = alphabet[rnd(sizeof(alphabet) - 1)];
		if (rnd(6)) {
			buf[n++] = '\r';
		}
		buf[n++] = '\n';
	}
	if (rnd(6)) {
		memcpy(buf + n, "\r\n", 2);
		n += 2;
	}
	return n;
}

void test_random_heads_match_twin(void **state)
{
	static char head[PKT_TEST_RUN_MAX];

	(void)state;
	for (int i = 0; i < 2000; i++) {
		const struct pkt_spec *spec = rnd(2) ? &v4 : &v6;
		size_t n = random_head(head, PKT_TEST_RUN_MAX - 200);
		static struct twin twin;
		int records = run_payload(spec, head, n);

		if (twin_of(head, n, &twin) == HEAD_OK) {
			assert_int_equal(expect_twin(0, spec, head, n), records);
		} else {
			assert_int_equal(records, 1);
			assert_int_equal(got_rec(0)->hdr.type, XFFW_REC_NOT_HTTP);
		}
	}
}

/* --- Heads larger than BPF_PROG_TEST_RUN takes: a real connection on loopback. --- */

static int lo_up(void)
{
	struct ifreq ifr = { 0 };
	int fd = socket(AF_INET, SOCK_DGRAM, 0), err;

	strcpy(ifr.ifr_name, "lo");
	err = ioctl(fd, SIOCGIFFLAGS, &ifr);
	ifr.ifr_flags |= IFF_UP;
	err = err ?: ioctl(fd, SIOCSIFFLAGS, &ifr);
	close(fd);
	return err;
}

/*
 * Sends @head over a new connection to 127.0.0.1:WATCHED_PORT, in one write
 * (@chunk 0: one GSO segment on loopback) or in writes of @chunk bytes with
 * TCP_NODELAY (a segment each). Returns the exchanges assembled.
 */
static int send_live(int listener, const char *head, size_t len, size_t chunk)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(WATCHED_PORT) };
	static char sink[65536];
	size_t done = 0, sent = 0;
	int c, s, one = 1;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	got_reset();
	c = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	s = accept(listener, NULL, NULL);
	assert_true(s >= 0);
	while (sent < len) {
		size_t n = chunk && len - sent > chunk ? chunk : len - sent;

		assert_int_equal(send(c, head + sent, n, 0), (ssize_t)n);
		sent += n;
		/* Let each write leave as its own segment. */
		while (chunk && done < sent) {
			ssize_t r = recv(s, sink, sizeof(sink), 0);

			assert_true(r > 0);
			done += (size_t)r;
		}
	}
	while (done < len) {
		ssize_t n = recv(s, sink, sizeof(sink), 0);

		assert_true(n > 0);
		done += (size_t)n;
	}
	assert_int_equal(send(s, "HTTP/1.1 204 No Content\r\n\r\n", 27, 0), 27);
	assert_true(recv(c, sink, sizeof(sink), 0) > 0);
	close(c);
	close(s);
	got_collect();
	return assemble();
}

static size_t big_head(char *head, size_t size, const char *xff)
{
	size_t n = (size_t)sprintf(head, "GET /live HTTP/1.1\r\nHost: a\r\nCookie: ");

	while (n < size - 40)
		head[n++] = 'k';
	n += (size_t)sprintf(head + n, "\r\nX-Forwarded-For: %s\r\n\r\n", xff);
	return n;
}

/*
 * The cgroup v2 id of this process: the inode of its directory under the
 * cgroup2 mount (/proc/self/cgroup's "0::" line). The root's (1) when none is
 * mounted: the kernel's default hierarchy has it anyway.
 */
static uint64_t own_cgroup_id(void)
{
	char line[4096], mnt[PATH_MAX] = "", rel[PATH_MAX] = "", path[2 * PATH_MAX + 2];
	FILE *f = fopen("/proc/self/mountinfo", "r");
	struct stat st;

	while (f && fgets(line, sizeof(line), f))
		if (strstr(line, " - cgroup2 ") && sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1)
			break;
	if (f)
		fclose(f);
	f = fopen("/proc/self/cgroup", "r");
	while (f && fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3) && sscanf(line + 3, "%4095s", rel) == 1)
			break;
	if (f)
		fclose(f);
	if (!mnt[0] || !rel[0])
		return 1;
	snprintf(path, sizeof(path), "%s%s", mnt, rel);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

/* Both ends are this process's sockets: its uid and cgroup, seen at their SYN and SYN-ACK. */
static void assert_own_sockets(const struct xffw_record *r)
{
	static uint64_t cgroup_id;

	if (!cgroup_id)
		cgroup_id = own_cgroup_id();
	for (int i = 0; i < 2; i++) {
		assert_int_equal(r->hdr.sock[i].seen, XFFW_SOCK_LOCAL);
		assert_int_equal(r->hdr.sock[i].uid, geteuid());
		assert_int_equal(r->hdr.sock[i].cgroup_id, cgroup_id);
	}
}

void test_live_loopback_large_heads(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(WATCHED_PORT) };
	static char head[32768];
	static const size_t chunks[] = { 0, 1448, 100 };
	int listener, link_fd, one = 1;
	size_t n;

	(void)state;
	/* Real traffic reaches the kernel only: from here the twin is not comparable. */
	native_off_step();
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(lo_up(), 0);
	/* Where the daemon watches loopback: its egress, sockets still attached. */
	link_fd = bpf_link_create(bpf_program__fd(skel->progs.xffwatch_tc),
				  (int)if_nametoindex("lo"), BPF_TCX_EGRESS_NR, NULL);
	if (link_fd < 0) {
		/* No TCX (kernel < 6.6): a clsact filter, gone with this namespace. */
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex("lo"),
			    .attach_point = BPF_TC_EGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(skel->progs.xffwatch_tc));

		assert_int_equal(errno, EINVAL);
		assert_int_equal(bpf_tc_hook_create(&hook), 0);
		assert_int_equal(bpf_tc_attach(&hook, &opts), 0);
	}
	listener = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(listener, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(listener, 4), 0);

	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		/* 4, 7 and 12 KiB heads, the forwarded header at the end: found. */
		for (size_t size = 4096; size <= 12288; size += size < 7168 ? 3072 : 5120) {
			n = big_head(head, size, "198.51.100.4");
			assert_int_equal(send_live(listener, head, n, chunks[k]), 1);
			assert_string_equal(seen[0].method, "GET");
			assert_string_equal(seen[0].target, "/live");
			assert_string_equal(seen[0].xff, "198.51.100.4");
			assert_int_equal(seen[0].status, 204);
			assert_false(seen[0].truncated);
			assert_own_sockets(got_rec(0));
		}
		/* Past the head budget: flagged, never a made-up value. */
		n = big_head(head, XFFW_HEAD_BUDGET + 2000, "198.51.100.5");
		assert_int_equal(send_live(listener, head, n, chunks[k]), 1);
		assert_string_equal(seen[0].xff, "");
		assert_true(seen[0].rec_flags & XFFW_REC_F_BUDGET);
		assert_true(seen[0].truncated);
		assert_int_equal(seen[0].status, 204);
	}

	/* Many short lines over several windows: each window goes on from the last line end. */
	n = (size_t)sprintf(head, "GET /lines HTTP/1.1\r\n");
	for (int line = 0; n < 14000; line++)
		n += (size_t)sprintf(head + n, "X-Pad-%d: %d\r\n", line, line);
	n += (size_t)sprintf(head + n, "X-Forwarded-For: 198.51.100.6\r\n\r\n");
	for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++) {
		assert_int_equal(send_live(listener, head, n, chunks[k]), 1);
		assert_string_equal(seen[0].xff, "198.51.100.6");
		assert_false(seen[0].truncated);
	}

	/* More chain data than a record holds: it goes on in further parts. */
	n = (size_t)sprintf(head, "GET /full HTTP/1.1\r\n");
	for (int line = 0; line < 5; line++) {
		n += (size_t)sprintf(head + n, "X-Forwarded-For: ");
		for (int k = 0; k < 1599; k++)
			head[n++] = k % 12 == 11 ? ',' : '7';
		head[n++] = (char)('0' + line);
		n += (size_t)sprintf(head + n, "\r\n");
	}
	n += (size_t)sprintf(head + n, "\r\n");
	assert_int_equal(send_live(listener, head, n, 0), 1);
	assert_true(got_count(XFFW_REC_REQUEST) > 1);
	assert_int_equal(strlen(seen[0].xff), 5 * 1600 + 4 * 2);
	assert_int_equal(seen[0].xff[strlen(seen[0].xff) - 1], '4');
	assert_false(seen[0].truncated);

	/*
	 * A flow pushed out of the table (here: deleted) and picked up again
	 * mid-stream keeps its owner: its first packet carries its socket.
	 */
	{
		static const char req[] = "GET /again HTTP/1.1\r\n\r\n";
		struct xffw_flow_key key;
		int c = socket(AF_INET, SOCK_STREAM, 0), srv, fd = bpf_map__fd(skel->maps.flows);
		char sink[256];

		assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
		srv = accept(listener, NULL, NULL);
		assert_true(srv >= 0);
		while (!bpf_map_get_next_key(fd, NULL, &key))
			assert_int_equal(bpf_map_delete_elem(fd, &key), 0);
		got_reset();
		assert_int_equal(send(c, req, sizeof(req) - 1, 0), (ssize_t)sizeof(req) - 1);
		assert_int_equal(recv(srv, sink, sizeof(sink), 0), (ssize_t)sizeof(req) - 1);
		assert_int_equal(send(srv, "HTTP/1.1 204 No Content\r\n\r\n", 27, 0), 27);
		assert_true(recv(c, sink, sizeof(sink), 0) > 0);
		close(c);
		close(srv);
		got_collect();
		assert_true(ngot >= 2);
		assert_true(got_rec(0)->hdr.flags & XFFW_REC_F_RESYNC);
		assert_own_sockets(got_rec(1));
	}

	close(listener);
	if (link_fd >= 0)
		close(link_fd);
}

/* A full ring buffer: records are counted as lost and the packets still pass unchanged. */
void test_ring_buffer_full_counts_loss(void **state)
{
	static char head[1200];
	const int runs = 20000; /* far more 1 KiB records than the ring buffer holds */
	uint64_t heads0 = counter(XFFW_CNT_REQUESTS), lost0 = counter(XFFW_CNT_RINGBUF_LOSS);
	uint64_t heads, lost;
	size_t n = (size_t)sprintf(
		head, "GET /flood HTTP/1.1\r\nX-Forwarded-For: 192.0.2.1\r\nUser-Agent: ");
	struct pkt_spec s = v4;

	(void)state;
	while (n < 1100)
		head[n++] = 'u';
	n += (size_t)sprintf(head + n, "\r\n\r\n");
	got_reset();
	/* Each from its own port: flows picked up mid-stream, each starting with a request. */
	for (int i = 0; i < runs; i++) {
		s.sport = (uint16_t)(20000 + i);
		run_spec_no_consume(&s, head, n);
	}
	heads = counter(XFFW_CNT_REQUESTS) - heads0;
	lost = counter(XFFW_CNT_RINGBUF_LOSS) - lost0;
	assert_int_equal(heads, (uint64_t)runs);
	assert_true(lost > 0);
	/* Every record not counted as lost is in the buffer. */
	assert_int_equal(consume_count(), runs - (int)lost);
}
