// SPDX-License-Identifier: BSD-2-Clause
/*
 * Kernel cost per packet of the TC program, by BPF_PROG_TEST_RUN: the kernel
 * times each run. Stateless cases repeat one frame; requests advance the
 * sequence number each run, as on a keep-alive connection, so that every run
 * parses a new request (a repeated frame would be a retransmission); a
 * not-HTTP verdict needs a new connection each run. Records are drained
 * between runs so that every request takes the full path (ring buffer
 * included), never the cheaper "buffer full" one. Each stateful case runs a
 * second time with the caches cold: COLD_SWEEP bytes written between runs, as
 * nginx and the network stack evict the program's code and data between two
 * packets on a busy machine. Prints a Markdown table.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/bpf_counters.h"
#include "packet.h"
#include "xffwatch.skel.h"

#define BATCHES	     101
#define REPEAT	     1000
#define SAMPLES	     2001
/* Cold runs: fewer, each after a sweep of 16 times L2 (512 KiB a core here) and half the L3. */
#define COLD_SAMPLES 201
#define COLD_SWEEP   (8u << 20)

enum mode {
	SAME_FRAME, /* stateless: one frame, repeated */
	NEXT_SEQ,   /* the next request on the same connection */
	NEW_FLOW,   /* the first segment of a new connection */
	ANSWER,	    /* a response, each to a request sent (untimed) just before it */
	SYN,	    /* a SYN opening a new connection */
	SYN_ACK,    /* the SYN-ACK to a SYN sent (untimed) just before it */
	FIRST_DATA, /* a connection's first client bytes, its SYN sent (untimed) just before */
};

/*
 * A test run gives the packet a dummy socket. With no input interface, the
 * program takes it for one this host sent and reads its owner; with one, it
 * reads nothing: the two costs of a connection start, side by side.
 */
static unsigned int input_ifindex = 1;

/*
 * Pushes the program's code and data, the flow entry and the ring buffer's
 * lines out of L1 and L2 (the sweep stays in the L3, which keeps much of them).
 */
static void sweep_caches(void)
{
	static volatile uint8_t big[COLD_SWEEP];

	for (size_t i = 0; i < sizeof(big); i += 64)
		big[i]++;
}

/* The sysctl's value, -1 if unreadable. */
static int bpf_stats_enabled(void)
{
	FILE *f = fopen("/proc/sys/kernel/bpf_stats_enabled", "r");
	int v = -1;

	if (f) {
		if (fscanf(f, "%d", &v) != 1)
			v = -1;
		fclose(f);
	}
	return v;
}

static int discard(void *ctx, void *data, size_t size)
{
	(void)ctx;
	(void)data;
	(void)size;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static uint32_t run_once(struct xffwatch_bpf *skel, const uint8_t *frame, size_t n, int repeat)
{
	struct __sk_buff ctx = { .ifindex = 1, .ingress_ifindex = input_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (__u32)n,
		    .ctx_in = &ctx, .ctx_size_in = sizeof(ctx), .repeat = repeat);

	if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xffwatch_tc), &opts)) {
		perror("BPF_PROG_TEST_RUN");
		exit(1);
	}
	return opts.duration;
}

static void measure(struct xffwatch_bpf *skel, struct ring_buffer *rb, const char *what,
		    struct pkt_spec spec, const char *payload, size_t len, enum mode mode)
{
	static uint8_t frame[PKT_TEST_RUN_MAX];
	static uint32_t ns[SAMPLES + COLD_SAMPLES];
	uint64_t before[XFFW_CNT__MAX], after[XFFW_CNT__MAX];
	/* Repeated frames never leave the cache: no cold runs for them. */
	int samples = mode == SAME_FRAME ? BATCHES : SAMPLES;
	int cold_samples = mode == SAME_FRAME ? 0 : COLD_SAMPLES;
	char cold[16] = "-";
	size_t off, n = 0;

	/* Each case on its own connection. */
	static uint16_t next_port = 20000;

	static const char request[] = "GET /r HTTP/1.1\r\nHost: a\r\n\r\n";
	struct pkt_spec req = spec;

	if (mode != SAME_FRAME)
		*(spec.dport == 5000 ? &spec.sport : &spec.dport) = next_port += 2500;
	if (mode == SYN || mode == SYN_ACK) {
		/* The client's SYN; the SYN-ACK comes from the app's port. */
		req = spec;
		req.tcp_flags = PKT_SYN;
		spec.tcp_flags = mode == SYN ? PKT_SYN : PKT_SYN | PKT_ACK;
		if (mode == SYN_ACK) {
			spec.sport = req.dport;
			spec.dport = req.sport;
			spec.saddr = req.daddr;
			spec.daddr = req.saddr;
		}
	}
	/* The request side of the same connection: app port and client swapped. */
	if (mode != SYN && mode != SYN_ACK) {
		req.sport = spec.dport;
		req.dport = spec.sport;
		req.seq = 7;
	}
	counters_read(bpf_map__fd(skel->maps.counters), before);
	for (int i = 0; i < samples + cold_samples; i++) {
		if (mode == ANSWER) {
			n = pkt_build(&req, request, sizeof(request) - 1, frame, sizeof(frame),
				      &off);
			run_once(skel, frame, n, 1);
			req.seq += sizeof(request) - 1;
		}
		if (mode == SYN_ACK) {
			n = pkt_build(&req, "", 0, frame, sizeof(frame), &off);
			run_once(skel, frame, n, 1);
			req.sport++;
		}
		if (mode == FIRST_DATA) {
			struct pkt_spec syn = spec;

			syn.tcp_flags = PKT_SYN;
			syn.seq = spec.seq - 1;
			n = pkt_build(&syn, "", 0, frame, sizeof(frame), &off);
			run_once(skel, frame, n, 1);
		}
		if (!n || mode != SAME_FRAME) {
			n = pkt_build(&spec, payload, len, frame, sizeof(frame), &off);
			spec.seq += mode == NEXT_SEQ || mode == ANSWER ? (uint32_t)len : 0;
			spec.sport += mode == NEW_FLOW || mode == SYN || mode == FIRST_DATA ? 1 : 0;
			spec.dport += mode == SYN_ACK ? 1 : 0;
		}
		if (i >= samples)
			sweep_caches();
		ns[i] = run_once(skel, frame, n, mode == SAME_FRAME ? REPEAT : 1);
		ring_buffer__consume(rb);
	}
	counters_read(bpf_map__fd(skel->maps.counters), after);
	qsort(ns, (size_t)samples, sizeof(ns[0]), cmp_u32);
	qsort(ns + samples, (size_t)cold_samples, sizeof(ns[0]), cmp_u32);
	if (cold_samples)
		snprintf(cold, sizeof(cold), "%u", ns[samples + cold_samples / 2]);
	printf("| %-40s | %6zu | %7u | %7u | %7u | %8s | %8llu |\n", what, n, ns[samples / 10],
	       ns[samples / 2], ns[samples - 1 - samples / 10], cold,
	       (unsigned long long)(after[XFFW_CNT_RINGBUF_LOSS] - before[XFFW_CNT_RINGBUF_LOSS]));
}

int main(void)
{
	static const char tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
	static char head[4096];
	/* HAProxy's send-proxy and send-proxy-v2 (IPv4, an ALPN TLV) for one client. */
	static const char pp_v1[] = "PROXY TCP4 203.0.113.7 127.0.0.1 56324 5000\r\n";
	static const char pp_v2[] = "\r\n\r\n\0\r\nQUIT\n\x21\x11\x00\x15"
				    "\xcb\x00\x71\x07\x7f\x00\x00\x01\xdc\x04\x13\x88"
				    "\x01\x00\x06http/1";
	struct pkt_spec spec = PKT_SPEC_BENCH;
	struct xffw_port_set ports = { 0 };
	struct xffwatch_bpf *skel;
	struct ring_buffer *rb;
	__u32 zero = 0;
	size_t len;

	skel = xffwatch_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "cannot load the BPF program (root needed)\n");
		return 1;
	}
	ports.bits[5000 / 64] |= 1ULL << (5000 % 64);
	bpf_map_update_elem(bpf_map__fd(skel->maps.watched_ports), &zero, &ports, BPF_ANY);
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), discard, NULL, NULL);

	/* bpf_stats times every run of every program: about 40 ns a packet more. */
	printf("kernel.bpf_stats_enabled = %d\n\n", bpf_stats_enabled());
	printf("| %-40s | %6s | %7s | %7s | %7s | %8s | %8s |\n", "frame (IPv4, TCP timestamps)",
	       "bytes", "p10 ns", "p50 ns", "p90 ns", "cold p50", "rb lost");
	printf("|------------------------------------------|--------|---------|---------|---------|"
	       "----------|----------|\n");
	len = pkt_nginx_head(head, 512);
	spec.dport = 6000;
	measure(skel, rb, "unwatched port, 512 B request", spec, head, len, SAME_FRAME);
	spec.dport = 5000;
	measure(skel, rb, "watched port, pure ACK", spec, "", 0, SAME_FRAME);
	spec.sport = 30000;
	measure(skel, rb, "TLS record on a new flow (not HTTP)", spec, tls, sizeof(tls) - 1,
		NEW_FLOW);
	spec.sport = 40000;
	measure(skel, rb, "request, 512 B head", spec, head, len, NEXT_SEQ);
	len = pkt_nginx_head(head, 1024);
	measure(skel, rb, "request, 1 KiB head", spec, head, len, NEXT_SEQ);
	len = pkt_nginx_head(head, 3500);
	measure(skel, rb, "request, 3.5 KiB head", spec, head, len, NEXT_SEQ);
	spec.sport = 50000;
	measure(skel, rb, "request, 1 KiB head, new flow", spec, head, pkt_nginx_head(head, 1024),
		NEW_FLOW);
	spec.family = 6;
	spec.saddr = "::1";
	spec.daddr = "::1";
	len = pkt_nginx_head(head, 1024);
	measure(skel, rb, "request, 1 KiB head, IPv6", spec, head, len, NEXT_SEQ);
	spec.family = 4;
	spec.saddr = spec.daddr = "127.0.0.1";
	spec.sport = 5000;
	spec.dport = 40000;
	measure(skel, rb, "response status line, no request seen", spec,
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 38, NEXT_SEQ);
	measure(skel, rb, "response status line, to its request", spec,
		"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", 38, ANSWER);
	/* Connection starts: the only packets whose socket is looked at (issue 17). */
	spec = (struct pkt_spec)PKT_SPEC_BENCH;
	for (int round = 0; round < 2; round++) {
		input_ifindex = round ? 0 : 1;
		measure(skel, rb, round ? "SYN, owner read (sent here)" : "SYN, from elsewhere",
			spec, "", 0, SYN);
		measure(skel, rb,
			round ? "SYN-ACK, owner read (sent here)" : "SYN-ACK, from elsewhere", spec,
			"", 0, SYN_ACK);
	}
	input_ifindex = 1;
	/* A connection's first bytes: with and without a PROXY preamble before the head (issue 18). */
	spec = (struct pkt_spec)PKT_SPEC_BENCH;
	spec.sport = 10000;
	spec.seq = 1000;
	len = pkt_nginx_head(head, 1024);
	measure(skel, rb, "connection's first request, 1 KiB head", spec, head, len, FIRST_DATA);
	memmove(head + sizeof(pp_v1) - 1, head, len);
	memcpy(head, pp_v1, sizeof(pp_v1) - 1);
	measure(skel, rb, "the same after a PROXY v1 line", spec, head, len + sizeof(pp_v1) - 1,
		FIRST_DATA);
	memmove(head + sizeof(pp_v2) - 1, head + sizeof(pp_v1) - 1, len);
	memcpy(head, pp_v2, sizeof(pp_v2) - 1);
	measure(skel, rb, "the same after a PROXY v2 preamble", spec, head, len + sizeof(pp_v2) - 1,
		FIRST_DATA);

	ring_buffer__free(rb);
	xffwatch_bpf__destroy(skel);
	return 0;
}
