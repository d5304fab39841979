// SPDX-License-Identifier: BSD-2-Clause
/*
 * Kernel cost per packet of the TC program, by BPF_PROG_TEST_RUN with repeat:
 * the kernel times `repeat` runs of the same frame and reports the mean.
 * Records are drained between batches so that every request run takes the
 * full path (ring buffer included), never the cheaper "buffer full" one.
 * Prints a Markdown table; the median of the batches is reported.
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/types.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"
#include "packet.h"
#include "xffwatch.skel.h"

#define BATCHES 101
#define REPEAT	1000

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

/* A head of about @size bytes: nginx-like headers, padded with an Accept-Language line. */
static size_t make_head(char *buf, size_t size)
{
	size_t n =
		(size_t)sprintf(buf, "GET /api/v1/items?page=2 HTTP/1.1\r\n"
				     "Host: shop.example\r\n"
				     "X-Real-IP: 198.18.0.1\r\n"
				     "X-Forwarded-For: 198.18.0.1\r\n"
				     "X-Forwarded-Proto: https\r\n"
				     "Connection: close\r\n"
				     "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0\r\n"
				     "Accept: text/html,application/xhtml+xml\r\n"
				     "Accept-Language: ");
	while (n < size - 4)
		buf[n++] = 'a';
	memcpy(buf + n, "\r\n\r\n", 4);
	return n + 4;
}

static void measure(struct xffwatch_bpf *skel, struct ring_buffer *rb, const char *what,
		    const struct pkt_spec *spec, const char *payload, size_t len)
{
	static uint8_t frame[PKT_TEST_RUN_MAX];
	uint32_t ns[BATCHES];
	size_t off, n = pkt_build(spec, payload, len, frame, sizeof(frame), &off);
	uint64_t before[XFFW_CNT__MAX], after[XFFW_CNT__MAX];

	counters_read(bpf_map__fd(skel->maps.counters), before);
	for (int b = 0; b < BATCHES; b++) {
		LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (__u32)n,
			    .repeat = REPEAT);

		if (bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xffwatch_tc), &opts)) {
			perror("BPF_PROG_TEST_RUN");
			exit(1);
		}
		ns[b] = opts.duration;
		ring_buffer__consume(rb);
	}
	counters_read(bpf_map__fd(skel->maps.counters), after);
	qsort(ns, BATCHES, sizeof(ns[0]), cmp_u32);
	printf("| %-40s | %6zu | %7u | %7u | %7u | %8llu |\n", what, n, ns[BATCHES / 10],
	       ns[BATCHES / 2], ns[BATCHES - 1 - BATCHES / 10],
	       (unsigned long long)(after[XFFW_CNT_RINGBUF_LOSS] - before[XFFW_CNT_RINGBUF_LOSS]));
}

int main(void)
{
	static const char tls[] = "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03";
	static char head[4096];
	struct pkt_spec spec = { .family = 4,
				 .saddr = "127.0.0.1",
				 .daddr = "127.0.0.1",
				 .sport = 40000,
				 .dport = 5000,
				 .seq = 1,
				 .tcp_options_words = 3 };
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

	printf("| %-40s | %6s | %7s | %7s | %7s | %8s |\n", "frame (IPv4, TCP timestamps)", "bytes",
	       "p10 ns", "p50 ns", "p90 ns", "rb lost");
	printf("|------------------------------------------|--------|---------|---------|---------|"
	       "----------|\n");
	len = make_head(head, 512);
	spec.dport = 6000;
	measure(skel, rb, "unwatched port, 512 B request", &spec, head, len);
	spec.dport = 5000;
	measure(skel, rb, "watched port, pure ACK", &spec, "", 0);
	measure(skel, rb, "watched port, TLS record (not HTTP)", &spec, tls, sizeof(tls) - 1);
	measure(skel, rb, "request, 512 B head", &spec, head, len);
	len = make_head(head, 1024);
	measure(skel, rb, "request, 1 KiB head", &spec, head, len);
	len = make_head(head, 3500);
	measure(skel, rb, "request, 3.5 KiB head", &spec, head, len);
	spec.family = 6;
	spec.saddr = "::1";
	spec.daddr = "::1";
	len = make_head(head, 1024);
	measure(skel, rb, "request, 1 KiB head, IPv6", &spec, head, len);

	ring_buffer__free(rb);
	xffwatch_bpf__destroy(skel);
	return 0;
}
