// SPDX-License-Identifier: BSD-2-Clause
/*
 * Packets per second of the kernel program's native build
 * (capture/native_prog.c) on one core: kernel_cost's frames, run in a loop,
 * sequence numbers moving on as on a keep-alive connection so that every
 * request is a new one. No root. Prints a Markdown table: the median of
 * ROUNDS rounds of PACKETS packets each.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "capture/native_prog.h"
#include "packet.h"

#define ROUNDS	7
#define PACKETS 400000

static uint64_t records, record_bytes;

static void on_record(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	(void)data;
	records++;
	record_bytes += len;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* A frame whose TCP sequence number can be moved on in place. */
struct seg {
	uint8_t frame[PKT_TEST_RUN_MAX];
	size_t len, seq_off, payload;
	uint32_t seq;
};

static void seg_build(struct seg *s, const struct pkt_spec *spec, const char *payload, size_t len)
{
	size_t off;

	s->len = pkt_build(spec, payload, len, s->frame, sizeof(s->frame), &off);
	if (!s->len)
		abort();
	s->seq_off = off - 20 - (size_t)spec->tcp_options_words * 4 + 4;
	s->payload = len;
	s->seq = spec->seq;
}

/* Runs @s, then moves its sequence number past its payload (@advance) for the next run. */
static void seg_run(struct native_prog *p, struct seg *s, uint64_t ts, int advance)
{
	native_prog_run(p, s->frame, s->len, 1, ts);
	if (advance) {
		s->seq += (uint32_t)s->payload;
		s->frame[s->seq_off] = (uint8_t)(s->seq >> 24);
		s->frame[s->seq_off + 1] = (uint8_t)(s->seq >> 16);
		s->frame[s->seq_off + 2] = (uint8_t)(s->seq >> 8);
		s->frame[s->seq_off + 3] = (uint8_t)s->seq;
	}
}

/*
 * @n frames in turn, @adv[i] saying which move on: one exchange (or one
 * packet) per turn. Prints packets/s and ns per packet.
 */
static void measure(const char *what, struct seg *segs, const int *adv, int n)
{
	static struct native_prog_config cfg = { .head_budget = XFFW_HEAD_BUDGET,
						 .flows = XFFW_FLOWS_DEFAULT };
	double pps[ROUNDS];
	uint64_t ts = 1, recs = records;
	struct native_prog *p;

	cfg.ports.bits[5000 / 64] |= 1ULL << (5000 % 64);
	p = native_prog_new(&cfg, on_record, NULL);
	if (!p)
		abort();
	for (int r = 0; r < ROUNDS; r++) {
		uint64_t t0 = now_ns();

		for (int i = 0; i < PACKETS / n; i++)
			for (int k = 0; k < n; k++)
				seg_run(p, &segs[k], ts++, adv[k]);
		pps[r] = (double)(PACKETS / n * n) * 1e9 / (double)(now_ns() - t0);
	}
	qsort(pps, ROUNDS, sizeof(pps[0]), cmp_double);
	printf("| %-44s | %6zu | %10.0f | %7.0f | %7.2f |\n", what, segs[0].len, pps[ROUNDS / 2],
	       1e9 / pps[ROUNDS / 2], (double)(records - recs) / (ROUNDS * (PACKETS / n * n)));
	native_prog_free(p);
}

int main(void)
{
	static char head[4096];
	static struct seg segs[4];
	static const int same[] = { 0 }, next[] = { 1 }, all[] = { 1, 1, 0, 0 };
	static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n";
	struct pkt_spec spec = PKT_SPEC_BENCH;
	struct pkt_spec back;
	size_t len;

	printf("| %-44s | %6s | %10s | %7s | %7s |\n", "frame (IPv4, TCP timestamps)", "bytes",
	       "packets/s", "ns/pkt", "rec/pkt");
	printf("|----------------------------------------------|--------|------------|---------|-"
	       "--------|\n");
	len = pkt_nginx_head(head, 512);
	spec.dport = 6000;
	seg_build(&segs[0], &spec, head, len);
	measure("unwatched port, 512 B request", segs, same, 1);
	spec.dport = 5000;
	seg_build(&segs[0], &spec, "", 0);
	measure("watched port, pure ACK", segs, same, 1);
	seg_build(&segs[0], &spec, head, len);
	measure("request, 512 B head (keep-alive)", segs, next, 1);
	seg_build(&segs[0], &spec, head, pkt_nginx_head(head, 1024));
	measure("request, 1 KiB head (keep-alive)", segs, next, 1);
	seg_build(&segs[0], &spec, head, pkt_nginx_head(head, 3500));
	measure("request, 3.5 KiB head (keep-alive)", segs, next, 1);
	spec.family = 6;
	spec.saddr = spec.daddr = "::1";
	seg_build(&segs[0], &spec, head, pkt_nginx_head(head, 1024));
	measure("request, 1 KiB head, IPv6 (keep-alive)", segs, next, 1);
	/* An exchange: the request, its response, and each side's ACK. */
	spec.family = 4;
	spec.saddr = spec.daddr = "127.0.0.1";
	back = spec;
	back.sport = spec.dport;
	back.dport = spec.sport;
	back.seq = 5;
	seg_build(&segs[0], &spec, head, pkt_nginx_head(head, 1024));
	seg_build(&segs[1], &back, ok, sizeof(ok) - 1);
	seg_build(&segs[2], &spec, "", 0);
	seg_build(&segs[3], &back, "", 0);
	measure("exchange: 1 KiB request, response, 2 ACKs", segs, all, 4);
	return 0;
}
