// SPDX-License-Identifier: BSD-2-Clause
/*
 * Kernel-program tests: crafted frames through BPF_PROG_TEST_RUN, and heads
 * too big for it (the kernel caps test input at PKT_TEST_RUN_MAX bytes) over a
 * real TCP connection on loopback in a private network namespace. Every
 * record the kernel writes is compared byte for byte with the user-space
 * twin of the extractor (user/head_extract.c).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <linux/types.h>
#include <net/if.h>
#include <netinet/in.h>
#include <sched.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "counters.h"
#include "head_extract.h"
#include "packet.h"
#include "xffwatch.skel.h"

#define WATCHED_PORT	   5000
#define MAX_GOT		   64
#define TC_ACT_UNSPEC	   (-1)
#define BPF_TCX_INGRESS_NR 46

static struct xffwatch_bpf *skel;
static struct ring_buffer *rb;
static struct {
	uint8_t data[sizeof(struct xffw_record)];
	size_t size;
} got[MAX_GOT];
static int ngot;

static int collect(void *ctx, void *data, size_t size)
{
	(void)ctx;
	if (ngot < MAX_GOT && size <= sizeof(got[0].data)) {
		memcpy(got[ngot].data, data, size);
		got[ngot].size = size;
	}
	ngot++;
	return 0;
}

static int setup(void **state)
{
	struct xffw_port_set ports = { 0 };
	__u32 zero = 0;

	(void)state;
	skel = xffwatch_bpf__open_and_load();
	if (!skel)
		return -1;
	ports.bits[WATCHED_PORT / 64] |= 1ULL << (WATCHED_PORT % 64);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.watched_ports), &zero, &ports, BPF_ANY))
		return -1;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), collect, NULL, NULL);
	return rb ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	ring_buffer__free(rb);
	xffwatch_bpf__destroy(skel);
	return 0;
}

static uint64_t counter(unsigned int idx)
{
	uint64_t c[XFFW_CNT__MAX];

	assert_int_equal(counters_read(bpf_map__fd(skel->maps.counters), c), 0);
	return c[idx];
}

/* Runs one frame; asserts it passed unchanged; returns the number of records. */
static int run_frame(const uint8_t *frame, size_t len)
{
	static uint8_t out[PKT_TEST_RUN_MAX + 256];
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .repeat = 1);

	ngot = 0;
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xffwatch_tc), &opts),
			 0);
	assert_int_equal((int)opts.retval, TC_ACT_UNSPEC);
	assert_int_equal(opts.data_size_out, len);
	assert_memory_equal(out, frame, len);
	ring_buffer__consume(rb);
	return ngot;
}

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

static int run_payload(const struct pkt_spec *spec, const char *payload, size_t len)
{
	static uint8_t frame[PKT_TEST_RUN_MAX];
	size_t off, n = pkt_build(spec, payload, len, frame, sizeof(frame), &off);

	assert_true(n > 0);
	return run_frame(frame, n);
}

/* The kernel's record @idx equals the twin's for @payload, and carries @spec's tuple. */
static void expect_twin(int idx, const struct pkt_spec *spec, const void *payload, size_t len)
{
	static struct xffw_record want;
	const struct xffw_record *rec = (const struct xffw_record *)got[idx].data;
	uint8_t addr[16] = { 0 };

	memset(&want, 0, sizeof(want));
	assert_int_equal(head_extract(payload, len, ~0U, &want), HEAD_OK);
	assert_int_equal(got[idx].size, sizeof(rec->hdr) + rec->hdr.data_len);
	assert_int_equal(rec->hdr.abi_version, XFFW_ABI_VERSION);
	assert_int_equal(rec->hdr.type, XFFW_REC_REQUEST);
	assert_int_equal(rec->hdr.flags, want.hdr.flags);
	assert_int_equal(rec->hdr.head_len, want.hdr.head_len);
	assert_int_equal(rec->hdr.payload_len, want.hdr.payload_len);
	assert_int_equal(rec->hdr.data_len, want.hdr.data_len);
	assert_memory_equal(rec->data, want.data, want.hdr.data_len);
	assert_true(rec->hdr.ts_ns > 0);
	if (!spec)
		return;
	assert_int_equal(rec->hdr.family, spec->family);
	assert_int_equal(rec->hdr.sport, spec->sport);
	assert_int_equal(rec->hdr.dport, spec->dport);
	assert_int_equal(rec->hdr.seq, spec->seq);
	inet_pton(spec->family == 4 ? AF_INET : AF_INET6, spec->saddr, addr);
	assert_memory_equal(rec->hdr.saddr, addr, 16);
	inet_pton(spec->family == 4 ? AF_INET : AF_INET6, spec->daddr, addr);
	assert_memory_equal(rec->hdr.daddr, addr, 16);
}

/* Value of the @nth line of field @id in record @idx, or NULL. */
static const char *field(int idx, unsigned int id, int nth, size_t *len, uint8_t *flags)
{
	const struct xffw_record *rec = (const struct xffw_record *)got[idx].data;
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

static void test_ipv4_request(void **state)
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

static void test_ipv6_request(void **state)
{
	static const char head[] = "POST /api HTTP/1.0\nHost: [fd00::2]:5000\n"
				   "Forwarded: for=\"[2001:db8::7]\"\n\nbody";
	struct pkt_spec hbh = v6;

	(void)state;
	assert_int_equal(run_payload(&v6, HEAD(head)), 1);
	expect_twin(0, &v6, HEAD(head));
	expect_field(0, XFFW_F_FORWARDED, 0, " for=\"[2001:db8::7]\"");

	hbh.ipv6_hop_by_hop = 1;
	assert_int_equal(run_payload(&hbh, HEAD(head)), 1);
	expect_twin(0, &hbh, HEAD(head));
}

static void test_vlan_tags(void **state)
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

static void test_non_http_payloads(void **state)
{
	static const char tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
	static const char *const payloads[] = {
		"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", /* HTTP/2 prior knowledge */
		"GET /\r\n",			    /* HTTP/0.9 */
		"get / HTTP/1.1\r\n\r\n",	    /* methods are case-sensitive */
		"GET / HTTP/2.0\r\n\r\n",
		"GET /HTTP/1.1\r\n\r\n",
		"HTTP/1.1 200 OK\r\n\r\n", /* a response, on a request port */
		"GE",
		"\r\nGET / HTTP/1.1\r\n\r\n",
		"VERYLONGMETHODNAME / HTTP/1.1\r\n\r\n",
		"GETGET HTTP/1.1\r\n\r\n", /* no target */
	};
	uint64_t before = counter(XFFW_CNT_NOT_HTTP);

	(void)state;
	assert_int_equal(run_payload(&v4, tls, sizeof(tls) - 1), 0);
	for (size_t i = 0; i < sizeof(payloads) / sizeof(payloads[0]); i++) {
		struct xffw_record twin;

		assert_int_equal(run_payload(&v4, payloads[i], strlen(payloads[i])), 0);
		assert_int_not_equal(
			head_extract((const uint8_t *)payloads[i], strlen(payloads[i]), ~0U, &twin),
			HEAD_OK);
	}
	assert_int_equal(counter(XFFW_CNT_NOT_HTTP),
			 before + 1 + sizeof(payloads) / sizeof(payloads[0]));
}

static void test_unwatched_port_and_pure_ack(void **state)
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
static void test_truncated_frames(void **state)
{
	static const char head[] = "GET /cut HTTP/1.1\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n";
	const struct pkt_spec *specs[] = { &v4, &v6 };
	uint8_t frame[512];

	(void)state;
	for (size_t k = 0; k < 2; k++) {
		size_t off, n = pkt_build(specs[k], HEAD(head), frame, sizeof(frame), &off);

		/* BPF_PROG_TEST_RUN refuses frames shorter than Ethernet + IP header. */
		for (size_t cut = 14 + (specs[k]->family == 4 ? 20 : 40); cut <= n; cut++) {
			int records = run_frame(frame, cut);

			if (cut <= off) {
				assert_int_equal(records, 0);
			} else if (records) {
				assert_int_equal(records, 1);
				expect_twin(0, specs[k], head, cut - off);
			}
		}
	}
}

static void test_lying_lengths(void **state)
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

static void test_fragments_skipped(void **state)
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

static void test_mixed_case_and_repeated_lines(void **state)
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

static void test_forbidden_headers_stay_in_kernel(void **state)
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
	rec = (const struct xffw_record *)got[0].data;
	for (size_t i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++)
		assert_null(memmem(got[0].data, got[0].size, secrets[i], strlen(secrets[i])));
	/* Only the request line, Host and X-Forwarded-For: nothing else was copied. */
	assert_int_equal(rec->hdr.data_len, 4 + strlen("POST /login HTTP/1.1") + 4 + 2 + 4 + 10);
}

/* Segments without a line end: only a plausible request-line start is a request. */
static void test_cut_request_lines(void **state)
{
	static const char *const not_requests[] = {
		"SECRET password=hunter2&card=4111111111111111",
		"UPDATE users SET x=1",
		"GET ",
		"POST =body",
	};
	static const char *const requests[] = {
		"GET /very/long/path/that/continues",
		"OPTIONS *",
		"GET http://example.test/x",
		"CONNECT example.test:443",
	};
	struct pkt_spec ah = v6;

	(void)state;
	for (size_t i = 0; i < sizeof(not_requests) / sizeof(not_requests[0]); i++)
		assert_int_equal(run_payload(&v4, not_requests[i], strlen(not_requests[i])), 0);
	for (size_t i = 0; i < sizeof(requests) / sizeof(requests[0]); i++) {
		assert_int_equal(run_payload(&v4, requests[i], strlen(requests[i])), 1);
		expect_twin(0, &v4, requests[i], strlen(requests[i]));
		assert_true(((struct xffw_record *)got[0].data)->hdr.flags &
			    XFFW_REC_F_HEAD_INCOMPLETE);
	}
	/* IPv6 with an authentication header before TCP. */
	ah.ipv6_ah = 1;
	assert_int_equal(run_payload(&ah, HEAD("GET / HTTP/1.1\r\n\r\n")), 1);
	expect_twin(0, &ah, HEAD("GET / HTTP/1.1\r\n\r\n"));
}

static void test_big_head_in_one_frame(void **state)
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

static void test_long_values_are_cut_and_flagged(void **state)
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
	/* Chains keep their end: the trust walk starts there. */
	v = field(0, XFFW_F_X_FORWARDED_FOR, 0, &len, &flags);
	assert_non_null(v);
	assert_int_equal(len, XFFW_VALUE_MAX);
	assert_int_equal(flags, XFFW_FIELD_F_TRUNC_HEAD);
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

static void test_head_flags(void **state)
{
	static char head[PKT_TEST_RUN_MAX];
	static const char no_blank[] = "GET / HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 1.2.3.4\r\n";
	static const char fold[] =
		"GET / HTTP/1.1\r\nX-Forwarded-For: 1.2.3.4,\r\n 5.6.7.8\r\n\r\n";
	static const char bare_lf_cr[] = "GET / HTTP/1.1\nHost: a\r\rb\n\n";
	const struct xffw_record *rec = (const struct xffw_record *)got[0].data;
	size_t n = 0;

	(void)state;
	assert_int_equal(run_payload(&v4, HEAD(no_blank)), 1);
	expect_twin(0, &v4, HEAD(no_blank));
	assert_true(rec->hdr.flags & XFFW_REC_F_HEAD_INCOMPLETE);

	assert_int_equal(run_payload(&v4, HEAD(fold)), 1);
	expect_twin(0, &v4, HEAD(fold));
	assert_true(rec->hdr.flags & XFFW_REC_F_OBS_FOLD);

	assert_int_equal(run_payload(&v4, HEAD(bare_lf_cr)), 1);
	expect_twin(0, &v4, HEAD(bare_lf_cr));

	n += (size_t)sprintf(head, "GET / HTTP/1.1\r\n");
	for (int i = 0; i < XFFW_MAX_LINES + 5; i++)
		n += (size_t)sprintf(head + n, "a:\r\n");
	n += (size_t)sprintf(head + n, "X-Forwarded-For: 9.9.9.9\r\n\r\n");
	assert_int_equal(run_payload(&v4, head, n), 1);
	expect_twin(0, &v4, head, n);
	assert_true(rec->hdr.flags & XFFW_REC_F_LINES_LIMIT);
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

static void test_random_heads_match_twin(void **state)
{
	static char head[PKT_TEST_RUN_MAX];

	(void)state;
	for (int i = 0; i < 2000; i++) {
		const struct pkt_spec *spec = rnd(2) ? &v4 : &v6;
		size_t n = random_head(head, PKT_TEST_RUN_MAX - 200);
		struct xffw_record twin;
		int records = run_payload(spec, head, n);

		if (head_extract((const uint8_t *)head, n, ~0U, &twin) == HEAD_OK) {
			assert_int_equal(records, 1);
			expect_twin(0, spec, head, n);
		} else {
			assert_int_equal(records, 0);
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

/* Sends @head over a new connection to 127.0.0.1:WATCHED_PORT; returns the records seen. */
static int send_live(int listener, const char *head, size_t len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(WATCHED_PORT) };
	static char sink[65536];
	size_t done = 0;
	int c, s;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	s = accept(listener, NULL, NULL);
	assert_true(s >= 0);
	assert_int_equal(send(c, head, len, 0), (ssize_t)len);
	while (done < len) {
		ssize_t n = recv(s, sink, sizeof(sink), 0);

		assert_true(n > 0);
		done += (size_t)n;
	}
	close(c);
	close(s);
	ngot = 0;
	ring_buffer__consume(rb);
	return ngot;
}

static void test_live_loopback_large_heads(void **state)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(WATCHED_PORT) };
	static char head[16384];
	int listener, link_fd, one = 1;
	size_t n;

	(void)state;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(lo_up(), 0);
	link_fd = bpf_link_create(bpf_program__fd(skel->progs.xffwatch_tc),
				  (int)if_nametoindex("lo"), BPF_TCX_INGRESS_NR, NULL);
	if (link_fd < 0) {
		/* No TCX (kernel < 6.6): a clsact filter, gone with this namespace. */
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = (int)if_nametoindex("lo"),
			    .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .prog_fd = bpf_program__fd(skel->progs.xffwatch_tc));

		assert_int_equal(errno, EINVAL);
		assert_int_equal(bpf_tc_hook_create(&hook), 0);
		assert_int_equal(bpf_tc_attach(&hook, &opts), 0);
	}
	listener = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(listener, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	assert_int_equal(bind(listener, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(listener, 4), 0);

	/* 4 KiB and 7 KiB heads, forwarded header at the end: found. */
	for (size_t size = 4096; size <= 7168; size += 3072) {
		n = (size_t)sprintf(head, "GET /live HTTP/1.1\r\nHost: a\r\nCookie: ");
		while (n < size - 40)
			head[n++] = 'k';
		n += (size_t)sprintf(head + n, "\r\nX-Forwarded-For: 198.51.100.4\r\n\r\n");
		assert_int_equal(send_live(listener, head, n), 1);
		expect_twin(0, NULL, head, n);
		expect_field(0, XFFW_F_X_FORWARDED_FOR, 0, " 198.51.100.4");
	}

	/* Past the scan window: flagged, never a made-up value. */
	n = (size_t)sprintf(head, "GET /huge HTTP/1.1\r\nCookie: ");
	while (n < XFFW_SCAN_MAX + 1000)
		head[n++] = 'k';
	n += (size_t)sprintf(head + n, "\r\nX-Forwarded-For: 198.51.100.5\r\n\r\n");
	assert_int_equal(send_live(listener, head, n), 1);
	expect_twin(0, NULL, head, n);
	assert_int_equal(((struct xffw_record *)got[0].data)->hdr.flags,
			 XFFW_REC_F_HEAD_INCOMPLETE | XFFW_REC_F_SCAN_LIMIT);

	/* More chain data than a record holds: the field area fills and says so. */
	n = (size_t)sprintf(head, "GET /full HTTP/1.1\r\n");
	for (int line = 0; line < 5; line++) {
		n += (size_t)sprintf(head + n, "X-Forwarded-For: ");
		for (int k = 0; k < 1600; k++)
			head[n++] = k % 12 == 11 ? ',' : '7';
		n += (size_t)sprintf(head + n, "\r\n");
	}
	n += (size_t)sprintf(head + n, "\r\n");
	assert_int_equal(send_live(listener, head, n), 1);
	expect_twin(0, NULL, head, n);
	assert_true(((struct xffw_record *)got[0].data)->hdr.flags & XFFW_REC_F_DATA_FULL);

	close(listener);
	if (link_fd >= 0)
		close(link_fd);
}

/* A full ring buffer: the record is counted as lost and the packet still passes unchanged. */
static void test_ring_buffer_full_counts_loss(void **state)
{
	static char head[1200];
	static uint8_t frame[PKT_TEST_RUN_MAX], out[PKT_TEST_RUN_MAX];
	const __u32 runs = 20000; /* far more 1 KiB records than 4 MiB hold */
	uint64_t req0 = counter(XFFW_CNT_REQUESTS), lost0 = counter(XFFW_CNT_RINGBUF_LOSS);
	uint64_t written, lost;
	size_t n = (size_t)sprintf(
		head, "GET /flood HTTP/1.1\r\nX-Forwarded-For: 192.0.2.1\r\nUser-Agent: ");
	size_t off, len;

	(void)state;
	while (n < 1100)
		head[n++] = 'u';
	n += (size_t)sprintf(head + n, "\r\n\r\n");
	len = pkt_build(&v4, head, n, frame, sizeof(frame), &off);
	{
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (__u32)len,
			    .data_out = out, .data_size_out = sizeof(out), .repeat = runs);

		assert_int_equal(
			bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xffwatch_tc), &opts), 0);
		assert_int_equal((int)opts.retval, TC_ACT_UNSPEC);
		assert_memory_equal(out, frame, len);
	}
	written = counter(XFFW_CNT_REQUESTS) - req0;
	lost = counter(XFFW_CNT_RINGBUF_LOSS) - lost0;
	assert_true(lost > 0);
	assert_int_equal(written + lost, runs);
	/* Every record counted as written is in the buffer. */
	ngot = 0;
	ring_buffer__consume(rb);
	assert_int_equal(ngot, written);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ipv4_request),
		cmocka_unit_test(test_ipv6_request),
		cmocka_unit_test(test_vlan_tags),
		cmocka_unit_test(test_non_http_payloads),
		cmocka_unit_test(test_unwatched_port_and_pure_ack),
		cmocka_unit_test(test_truncated_frames),
		cmocka_unit_test(test_lying_lengths),
		cmocka_unit_test(test_fragments_skipped),
		cmocka_unit_test(test_mixed_case_and_repeated_lines),
		cmocka_unit_test(test_forbidden_headers_stay_in_kernel),
		cmocka_unit_test(test_cut_request_lines),
		cmocka_unit_test(test_big_head_in_one_frame),
		cmocka_unit_test(test_long_values_are_cut_and_flagged),
		cmocka_unit_test(test_head_flags),
		cmocka_unit_test(test_random_heads_match_twin),
		cmocka_unit_test(test_live_loopback_large_heads),
		cmocka_unit_test(test_ring_buffer_full_counts_loss),
	};

	if (geteuid() != 0) {
		fprintf(stderr,
			"bpf_prog_test: needs root (BPF_PROG_TEST_RUN, network namespaces)\n");
		return 77;
	}
	/* A private network namespace: the live tests own its loopback. */
	if (unshare(CLONE_NEWNET)) {
		perror("unshare(CLONE_NEWNET)");
		return 1;
	}
	return cmocka_run_group_tests_name("bpf_prog", tests, setup, teardown);
}
