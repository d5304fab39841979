// SPDX-License-Identifier: BSD-2-Clause
/*
 * user/capture/: hand-made capture files (pcap in micro- and nanoseconds,
 * pcapng) of every link type, written here byte by byte into a temporary
 * folder, read back as Ethernet frames; reordering, duplicates, cut packets,
 * and every bad file.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "capture/capture.h"
#include "capture/link_frames.h"
#include "capture/progress.h"

#define LT_EN10MB 1
#define LT_NULL	  0
#define LT_RAW	  101
#define LT_LOOP	  108
#define LT_SLL	  113
#define LT_IPV4	  228
#define LT_IPV6	  229
#define LT_SLL2	  276
#define LT_80211  105

static char dir[64];
static char warned[512];
static int nwarn;

static void on_warn(void *ctx, const char *line)
{
	(void)ctx;
	snprintf(warned, sizeof(warned), "%s", line);
	nwarn++;
}

/* A growing byte buffer. */
struct buf {
	uint8_t b[1 << 16];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	memcpy(b->b + b->n, p, n);
	b->n += n;
}

static void put16be(struct buf *b, uint16_t v)
{
	uint8_t x[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	put(b, x, 2);
}

static void put32be(struct buf *b, uint32_t v)
{
	uint8_t x[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	put(b, x, 4);
}

static void put32(struct buf *b, uint32_t v)
{
	put(b, &v, 4);
}

static void put16(struct buf *b, uint16_t v)
{
	put(b, &v, 2);
}

/* IPv4 (or IPv6) + TCP from port @sport to 80 with @seq, @flags and @payload. */
static void ip_tcp(struct buf *b, int v6, uint16_t sport, uint32_t seq, uint8_t flags,
		   const char *payload)
{
	size_t plen = strlen(payload);

	if (!v6) {
		put(b, "\x45\x00", 2);
		put16be(b, (uint16_t)(20 + 20 + plen));
		put(b, "\x00\x01\x40\x00\x40\x06\x00\x00", 8);
		put(b, "\xc0\x00\x02\x01\xc0\x00\x02\x02", 8);
	} else {
		put(b, "\x60\x00\x00\x00", 4);
		put16be(b, (uint16_t)(20 + plen));
		put(b, "\x06\x40", 2);
		put(b, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x01", 16);
		put(b, "\x20\x01\x0d\xb8\0\0\0\0\0\0\0\0\0\0\0\x02", 16);
	}
	put16be(b, sport);
	put16be(b, 80);
	put32be(b, seq);
	put32be(b, 1);
	put(b, "\x50", 1);
	put(b, &flags, 1);
	put(b, "\xff\xff\x00\x00\x00\x00", 6);
	put(b, payload, plen);
}

static void eth_hdr(struct buf *b, uint16_t type)
{
	put(b, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02", 12);
	put16be(b, type);
}

/* One record of a capture being written. */
struct rec {
	uint64_t ts_ns;
	struct buf pkt;
	uint32_t wire_extra; /* len - caplen */
};

static struct rec recs[16];

/* A pcap file of @n records: microsecond or nanosecond magic. */
static void write_pcap(const char *path, uint32_t linktype, int nano, struct rec *r, size_t n)
{
	static struct buf f;
	FILE *fp;

	f.n = 0;
	put32(&f, nano ? 0xa1b23c4d : 0xa1b2c3d4);
	put16(&f, 2);
	put16(&f, 4);
	put32(&f, 0);
	put32(&f, 0);
	put32(&f, 65535);
	put32(&f, linktype);
	for (size_t i = 0; i < n; i++) {
		put32(&f, (uint32_t)(r[i].ts_ns / 1000000000));
		put32(&f,
		      (uint32_t)(nano ? r[i].ts_ns % 1000000000 : r[i].ts_ns % 1000000000 / 1000));
		put32(&f, (uint32_t)r[i].pkt.n);
		put32(&f, (uint32_t)r[i].pkt.n + r[i].wire_extra);
		put(&f, r[i].pkt.b, r[i].pkt.n);
	}
	fp = fopen(path, "wb");
	assert_non_null(fp);
	assert_int_equal(fwrite(f.b, 1, f.n, fp), f.n);
	fclose(fp);
}

static void pcapng_block(struct buf *f, uint32_t type, const struct buf *body)
{
	uint32_t len = (uint32_t)(12 + ((body->n + 3) & ~3u));

	put32(f, type);
	put32(f, len);
	put(f, body->b, body->n);
	put(f, "\0\0\0", (4 - body->n % 4) % 4);
	put32(f, len);
}

/* A pcapng file (one interface, nanosecond resolution) of @n records. */
static size_t make_pcapng(struct buf *f, uint32_t linktype, struct rec *r, size_t n)
{
	static struct buf body;

	f->n = 0;
	body.n = 0;
	put32(&body, 0x1a2b3c4d);
	put16(&body, 1);
	put16(&body, 0);
	put32(&body, 0xffffffff);
	put32(&body, 0xffffffff);
	pcapng_block(f, 0x0a0d0d0a, &body);
	body.n = 0;
	put16(&body, (uint16_t)linktype);
	put16(&body, 0);
	put32(&body, 65535);
	put16(&body, 9); /* if_tsresol: 10^-9 */
	put16(&body, 1);
	put(&body, "\x09\0\0\0", 4);
	put32(&body, 0); /* opt_endofopt */
	pcapng_block(f, 1, &body);
	for (size_t i = 0; i < n; i++) {
		body.n = 0;
		put32(&body, 0);
		put32(&body, (uint32_t)(r[i].ts_ns >> 32));
		put32(&body, (uint32_t)r[i].ts_ns);
		put32(&body, (uint32_t)r[i].pkt.n);
		put32(&body, (uint32_t)r[i].pkt.n + r[i].wire_extra);
		put(&body, r[i].pkt.b, r[i].pkt.n);
		pcapng_block(f, 6, &body);
	}
	return f->n;
}

static void write_bytes(const char *path, const void *p, size_t n)
{
	FILE *fp = fopen(path, "wb");

	assert_non_null(fp);
	assert_int_equal(fwrite(p, 1, n, fp), n);
	fclose(fp);
}

static const char *path(const char *name)
{
	static char p[4][128];
	static int i;

	i = (i + 1) % 4;
	snprintf(p[i], sizeof(p[i]), "%s/%s", dir, name);
	return p[i];
}

static struct capture *open1(const char *name, const struct capture_limits *lim, char *err)
{
	char *files[] = { (char *)path(name) };

	return capture_open(files, 1, lim, err, CAPTURE_ERR_MAX);
}

/* Reads every frame; returns how many, copies up to 16 of them out. */
struct got {
	struct capture_frame f[16];
	uint8_t bytes[16][2048];
	int n;
	struct capture_counters k;
};

static int read_all(struct capture *c, struct got *g)
{
	char err[CAPTURE_ERR_MAX];
	struct capture_frame f;
	int rc;

	g->n = 0;
	while ((rc = capture_next(c, &f, err, sizeof(err))) == 1) {
		if (g->n < 16) {
			g->f[g->n] = f;
			memcpy(g->bytes[g->n], f.eth, f.len < 2048 ? f.len : 2048);
		}
		g->n++;
	}
	capture_counters(c, &g->k);
	return rc;
}

static struct capture_limits warn_lim = { .warn = on_warn };

/* Every link type gives the same IP packet after a 14-byte header of the right ethertype. */
static void test_link_types(void **state)
{
	static const struct {
		uint32_t lt;
		const char *hdr; /* the link header before the IP packet */
		size_t hlen;
		int v6;
		uint32_t ifindex;
	} cases[] = {
		{ LT_RAW, "", 0, 0, 0 },
		{ LT_RAW, "", 0, 1, 0 },
		{ LT_IPV4, "", 0, 0, 0 },
		{ LT_IPV6, "", 0, 1, 0 },
		{ LT_NULL, "\x02\0\0\0", 4, 0, 0 }, /* host order, little-endian writer */
		{ LT_NULL, "\0\0\0\x02", 4, 0, 0 }, /* big-endian writer */
		{ LT_NULL, "\x1e\0\0\0", 4, 1, 0 }, /* macOS AF_INET6 30 */
		{ LT_LOOP, "\0\0\0\x18", 4, 1, 0 }, /* OpenBSD AF_INET6 24 */
		{ LT_LOOP, "\x1c\0\0\0", 4, 1, 0 }, /* FreeBSD 28, other order */
		{ LT_SLL, "\0\0\0\x01\0\x06\x02\0\0\0\0\x01\0\0\x08\x00", 16, 0, 0 },
		{ LT_SLL2, "\x86\xdd\0\0\0\0\0\x07\0\x01\0\x06\x02\0\0\0\0\x01\0\0", 20, 1, 7 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[CAPTURE_ERR_MAX] = "";
		struct buf ip = { .n = 0 };
		struct capture *c;
		static struct got g;

		ip_tcp(&ip, cases[i].v6, 1000, 1, 0x18, "GET / HTTP/1.1\r\n\r\n");
		recs[0].ts_ns = 1700000000123456000ull;
		recs[0].wire_extra = 0;
		recs[0].pkt.n = 0;
		put(&recs[0].pkt, cases[i].hdr, cases[i].hlen);
		put(&recs[0].pkt, ip.b, ip.n);
		write_pcap(path("link.pcap"), cases[i].lt, 0, recs, 1);
		c = open1("link.pcap", NULL, err);
		assert_non_null(c);
		assert_int_equal(read_all(c, &g), 0);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.f[0].len, 14 + ip.n);
		assert_int_equal(g.bytes[0][12], cases[i].v6 ? 0x86 : 0x08);
		assert_int_equal(g.bytes[0][13], cases[i].v6 ? 0xdd : 0x00);
		assert_memory_equal(g.bytes[0] + 14, ip.b, ip.n);
		assert_int_equal(g.f[0].ifindex, cases[i].ifindex);
		assert_true(g.f[0].ts_ns == 1700000000123456000ull);
		assert_false(g.f[0].cut);
		capture_close(c);
	}
}

/* Ethernet frames, tagged once or twice, are passed through untouched. */
static void test_ethernet_vlan(void **state)
{
	static const char *const tags[] = { "", "\x81\x00\x00\x0a",
					    "\x88\xa8\x00\x0a\x81\x00\x00\x14" };

	(void)state;
	for (int t = 0; t < 3; t++) {
		char err[CAPTURE_ERR_MAX];
		static struct got g;
		struct capture *c;

		recs[0].pkt.n = 0;
		recs[0].ts_ns = 1;
		put(&recs[0].pkt, "\x02\0\0\0\0\x01\x02\0\0\0\0\x02", 12);
		put(&recs[0].pkt, tags[t], (size_t)t * 4);
		put16be(&recs[0].pkt, 0x0800);
		ip_tcp(&recs[0].pkt, 0, 1000, 1, 0x18, "GET / HTTP/1.1\r\n\r\n");
		write_pcap(path("eth.pcap"), LT_EN10MB, 1, recs, 1);
		c = open1("eth.pcap", NULL, err);
		assert_non_null(c);
		assert_int_equal(read_all(c, &g), 0);
		assert_int_equal(g.n, 1);
		assert_int_equal(g.f[0].len, recs[0].pkt.n);
		assert_memory_equal(g.bytes[0], recs[0].pkt.b, recs[0].pkt.n);
		assert_true(g.f[0].ts_ns == 1);
		capture_close(c);
	}
}

static void sll2(struct rec *r, uint32_t ifindex, uint16_t hatype, uint8_t pkttype, uint32_t seq,
		 const char *payload)
{
	r->pkt.n = 0;
	r->wire_extra = 0;
	put16be(&r->pkt, 0x0800);
	put16be(&r->pkt, 0);
	put32be(&r->pkt, ifindex);
	put16be(&r->pkt, hatype);
	put(&r->pkt, &pkttype, 1);
	put(&r->pkt, "\x06\0\0\0\0\0\0\0\0", 9);
	ip_tcp(&r->pkt, 0, 1000, seq, 0x18, payload);
}

/*
 * "tcpdump -i any": a loopback packet leaving and entering counts once (the
 * incoming copy); a segment that enters one interface and leaves another is
 * the same segment again (the duplicate rule); on a NIC, outgoing is real.
 */
static void test_sll2_twice(void **state)
{
	char err[CAPTURE_ERR_MAX];
	static struct got g;
	struct capture *c;

	(void)state;
	sll2(&recs[0], 1, 772, 4, 1, "GET / HTTP/1.1\r\n");
	sll2(&recs[1], 1, 772, 0, 1, "GET / HTTP/1.1\r\n");
	sll2(&recs[2], 2, 1, 0, 17, "Host: a\r\n\r\n");
	sll2(&recs[3], 3, 1, 4, 17, "Host: a\r\n\r\n");
	sll2(&recs[4], 2, 1, 4, 28, "more");
	for (int i = 0; i < 5; i++)
		recs[i].ts_ns = 100 + (uint64_t)i;
	write_pcap(path("any.pcap"), LT_SLL2, 0, recs, 5);
	c = open1("any.pcap", NULL, err);
	assert_non_null(c);
	assert_int_equal(read_all(c, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.f[0].pkttype, 0);
	assert_int_equal(g.f[0].ifindex, 1);
	assert_int_equal(g.f[1].ifindex, 2);
	assert_int_equal(g.f[2].pkttype, 4);
	assert_int_equal(g.k.twice, 1);
	assert_int_equal(g.k.duplicates, 1);
	capture_close(c);
}

static void eth_seg(struct rec *r, uint64_t ts, uint16_t sport, uint32_t seq, const char *payload)
{
	r->pkt.n = 0;
	r->wire_extra = 0;
	r->ts_ns = ts;
	eth_hdr(&r->pkt, 0x0800);
	ip_tcp(&r->pkt, 0, sport, seq, 0x18, payload);
}

static uint32_t seq_of(const struct got *g, int i)
{
	const uint8_t *p = g->bytes[i] + 14 + 20 + 4;

	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Inside the window: put back in order; a duplicate is skipped. */
static void test_reorder_inside(void **state)
{
	char err[CAPTURE_ERR_MAX];
	static struct got g;
	struct capture *c;

	(void)state;
	eth_seg(&recs[0], 10, 1000, 100, "aaaa");
	eth_seg(&recs[1], 11, 1000, 108, "cccc");
	eth_seg(&recs[2], 12, 2000, 500, "other flow");
	eth_seg(&recs[3], 13, 1000, 104, "bbbb");
	eth_seg(&recs[4], 14, 1000, 104, "bbbb"); /* retransmitted: an exact duplicate */
	eth_seg(&recs[5], 15, 1000, 112, "dddd");
	write_pcap(path("ro.pcap"), LT_EN10MB, 1, recs, 6);
	c = open1("ro.pcap", NULL, err);
	assert_non_null(c);
	assert_int_equal(read_all(c, &g), 0);
	assert_int_equal(g.n, 5);
	assert_int_equal(seq_of(&g, 0), 100);
	assert_int_equal(seq_of(&g, 1), 500);
	assert_int_equal(seq_of(&g, 2), 104);
	assert_int_equal(seq_of(&g, 3), 108);
	assert_true(g.f[3].reordered);
	assert_true(g.f[3].ts_ns == 11); /* its own capture time */
	assert_int_equal(seq_of(&g, 4), 112);
	assert_int_equal(g.k.reordered, 1);
	assert_int_equal(g.k.duplicates, 1);
	assert_int_equal(g.k.gaps, 0);
	capture_close(c);
}

/* Beyond the window (2 segments a flow here): released as they are, counted; the end flushes. */
static void test_reorder_beyond(void **state)
{
	struct capture_limits lim = { .reorder = { .flow_segs = 2 } };
	char err[CAPTURE_ERR_MAX];
	static struct got g;
	struct capture *c;

	(void)state;
	eth_seg(&recs[0], 10, 1000, 100, "aaaa");
	eth_seg(&recs[1], 11, 1000, 108, "cccc"); /* 104 lost */
	eth_seg(&recs[2], 12, 1000, 112, "dddd");
	eth_seg(&recs[3], 13, 1000, 116, "eeee"); /* a third held: too many */
	eth_seg(&recs[4], 14, 1000, 124, "gggg"); /* 120 lost: held to the end */
	write_pcap(path("gap.pcap"), LT_EN10MB, 0, recs, 5);
	c = open1("gap.pcap", &lim, err);
	assert_non_null(c);
	assert_int_equal(read_all(c, &g), 0);
	assert_int_equal(g.n, 5);
	for (int i = 0; i < 5; i++) {
		static const uint32_t want[] = { 100, 108, 112, 116, 124 };

		assert_int_equal(seq_of(&g, i), want[i]);
	}
	assert_true(g.f[1].gap);
	assert_false(g.f[2].gap); /* in order after the first one */
	assert_true(g.f[3].gap);
	assert_true(g.f[4].gap); /* flushed at the end, past a gap */
	assert_int_equal(g.k.gaps, 3);
	capture_close(c);
}

/* A capture's time bound: a gap waited for longer than hold_ns is given up. */
static void test_reorder_time(void **state)
{
	struct capture_limits lim = { .reorder = { .hold_ns = 1000 } };
	char err[CAPTURE_ERR_MAX];
	static struct got g;
	struct capture *c;

	(void)state;
	eth_seg(&recs[0], 10, 1000, 100, "aaaa");
	eth_seg(&recs[1], 11, 1000, 108, "cccc");
	eth_seg(&recs[2], 5000, 2000, 1, "later");
	write_pcap(path("time.pcap"), LT_EN10MB, 1, recs, 3);
	c = open1("time.pcap", &lim, err);
	assert_non_null(c);
	assert_int_equal(read_all(c, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(seq_of(&g, 1), 108);
	assert_true(g.f[1].gap);
	assert_int_equal(seq_of(&g, 2), 1);
	capture_close(c);
}

/* A flow bound of 1: a second flow evicts the first, whose held segment goes out. */
static void test_reorder_evict(void **state)
{
	struct capture_limits lim = { .reorder = { .flows = 1 } };
	char err[CAPTURE_ERR_MAX];
	static struct got g;
	struct capture *c;

	(void)state;
	eth_seg(&recs[0], 10, 1000, 100, "aaaa");
	eth_seg(&recs[1], 11, 1000, 108, "cccc");
	eth_seg(&recs[2], 12, 2000, 1, "other");
	write_pcap(path("evict.pcap"), LT_EN10MB, 0, recs, 3);
	c = open1("evict.pcap", &lim, err);
	assert_non_null(c);
	assert_int_equal(read_all(c, &g), 0);
	assert_int_equal(g.n, 3);
	assert_int_equal(seq_of(&g, 1), 108);
	assert_int_equal(seq_of(&g, 2), 1);
	assert_int_equal(g.k.flows_evicted, 1);
	capture_close(c);
}

/* A packet cut by the snaplen is flagged and counted, never whole. */
static void test_cut(void **state)
{
	char err[CAPTURE_ERR_MAX];
	static struct got g;
	struct capture *c;

	(void)state;
	eth_seg(&recs[0], 10, 1000, 100, "aaaa");
	eth_seg(&recs[1], 11, 1000, 104, "bbbbbbbb");
	recs[1].pkt.n -= 6;
	recs[1].wire_extra = 6;
	eth_seg(&recs[2], 12, 1000, 112, "cccc");
	write_pcap(path("cut.pcap"), LT_EN10MB, 0, recs, 3);
	c = open1("cut.pcap", NULL, err);
	assert_non_null(c);
	assert_int_equal(read_all(c, &g), 0);
	assert_int_equal(g.n, 3);
	assert_false(g.f[0].cut);
	assert_true(g.f[1].cut);
	assert_int_equal(g.f[1].len + 6, g.f[1].wire_len);
	assert_false(g.f[2].cut);
	assert_false(g.f[2].gap); /* the cut segment's bytes count as passed */
	assert_int_equal(g.k.cut, 1);
	capture_close(c);
}

/* Nanosecond pcap, microsecond pcap and pcapng give the same times. */
static void test_precision(void **state)
{
	static struct buf f;
	char err[CAPTURE_ERR_MAX];
	static struct got g;
	struct capture *c;

	(void)state;
	eth_seg(&recs[0], 1700000000123456789ull, 1000, 100, "aaaa");
	write_pcap(path("ns.pcap"), LT_EN10MB, 1, recs, 1);
	write_pcap(path("us.pcap"), LT_EN10MB, 0, recs, 1);
	write_bytes(path("ns.pcapng"), f.b, make_pcapng(&f, LT_EN10MB, recs, 1));
	c = open1("ns.pcap", NULL, err);
	assert_int_equal(read_all(c, &g), 0);
	assert_true(g.f[0].ts_ns == 1700000000123456789ull);
	capture_close(c);
	c = open1("us.pcap", NULL, err);
	assert_int_equal(read_all(c, &g), 0);
	assert_true(g.f[0].ts_ns == 1700000000123456000ull);
	capture_close(c);
	c = open1("ns.pcapng", NULL, err);
	assert_non_null(c);
	assert_int_equal(read_all(c, &g), 0);
	assert_int_equal(g.n, 1);
	assert_true(g.f[0].ts_ns == 1700000000123456789ull);
	capture_close(c);
}

/* Two files read as one capture: by time, ties to the file named first. */
static void test_merge(void **state)
{
	char err[CAPTURE_ERR_MAX];
	static struct got g;
	struct capture *c;
	char *files[2];

	(void)state;
	eth_seg(&recs[0], 10, 1, 1, "a");
	eth_seg(&recs[1], 30, 1, 2, "b");
	eth_seg(&recs[2], 30, 1, 3, "c");
	write_pcap(path("m1.pcap"), LT_EN10MB, 1, recs, 3);
	eth_seg(&recs[0], 20, 2, 1, "d");
	eth_seg(&recs[1], 30, 2, 2, "e");
	eth_seg(&recs[2], 40, 2, 3, "f");
	write_pcap(path("m2.pcap"), LT_EN10MB, 1, recs, 3);
	files[0] = (char *)path("m1.pcap");
	files[1] = (char *)path("m2.pcap");
	c = capture_open(files, 2, NULL, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(read_all(c, &g), 0);
	assert_int_equal(g.n, 6);
	for (int i = 0; i < 6; i++) {
		static const char want[] = "adbcef";

		assert_int_equal(g.bytes[i][g.f[i].len - 1], want[i]);
	}
	assert_int_equal(g.f[1].file, 1);
	assert_true(g.k.file_done == g.k.file_size);
	capture_close(c);
}

/* Bad files at open: one line naming the file. */
static void test_bad_open(void **state)
{
	static struct buf f;
	char err[CAPTURE_ERR_MAX];

	(void)state;
	write_bytes(path("empty.pcap"), "", 0);
	assert_null(open1("empty.pcap", NULL, err));
	assert_non_null(strstr(err, "empty.pcap: empty file"));
	write_bytes(path("short.pcap"), "\xd4\xc3\xb2\xa1\x02\x00\x04\x00\0\0", 10);
	assert_null(open1("short.pcap", NULL, err));
	assert_non_null(strstr(err, "short.pcap: "));
	assert_non_null(strstr(err, "truncated"));
	write_bytes(path("text.pcap"), "hello, this is not a capture\n", 29);
	assert_null(open1("text.pcap", NULL, err));
	assert_non_null(
		strstr(err, "text.pcap: not a pcap or pcapng file (it starts with 0x68656c6c"));
	assert_int_equal(mkdir(path("adir"), 0700), 0);
	assert_null(open1("adir", NULL, err));
	assert_non_null(strstr(err, "adir: is a directory"));
	assert_null(open1("missing.pcap", NULL, err));
	assert_non_null(strstr(err, "missing.pcap: No such file or directory"));
	write_bytes(path("unreadable.pcap"), "\xd4\xc3\xb2\xa1", 4);
	chmod(path("unreadable.pcap"), 0);
	if (geteuid() != 0) { /* root reads it all the same */
		assert_null(open1("unreadable.pcap", NULL, err));
		assert_non_null(strstr(err, "Permission denied"));
	}
	eth_seg(&recs[0], 1, 1, 1, "a");
	write_pcap(path("wifi.pcap"), LT_80211, 0, recs, 1);
	assert_null(open1("wifi.pcap", NULL, err));
	assert_non_null(strstr(err, "wifi.pcap: link type IEEE802_11 (105) is not supported"));
	assert_null(strchr(err, '\n'));
	/* pcapng cut in its section header */
	write_bytes(path("short.pcapng"), f.b, make_pcapng(&f, LT_EN10MB, recs, 1) - 40 - 60);
	assert_null(open1("short.pcapng", NULL, err));
	assert_non_null(strstr(err, "short.pcapng: "));
}

/* A capture cut short at its end: read to its last whole packet, with a warning. */
static void test_truncated_end(void **state)
{
	static struct buf f;
	char err[CAPTURE_ERR_MAX], *whole;
	static struct got g;
	struct capture *c;
	long size;
	FILE *fp;

	(void)state;
	eth_seg(&recs[0], 1, 1, 1, "aaaa");
	eth_seg(&recs[1], 2, 1, 5, "bbbb");
	write_pcap(path("cut-end.pcap"), LT_EN10MB, 0, recs, 2);
	fp = fopen(path("cut-end.pcap"), "rb");
	fseek(fp, 0, SEEK_END);
	size = ftell(fp);
	rewind(fp);
	whole = malloc((size_t)size);
	assert_int_equal(fread(whole, 1, (size_t)size, fp), size);
	fclose(fp);
	/* In the last body, then in the last record header. */
	for (int k = 0; k < 2; k++) {
		size_t keep = k ? 24 + 16 + recs[0].pkt.n + 7 : (size_t)size - 3;

		write_bytes(path("cut-end.pcap"), whole, keep);
		nwarn = 0;
		c = open1("cut-end.pcap", &warn_lim, err);
		assert_non_null(c);
		assert_int_equal(read_all(c, &g), 0);
		assert_int_equal(g.n, 1);
		assert_int_equal(nwarn, 1);
		assert_non_null(
			strstr(warned, "cut-end.pcap: the record at offset 98 is cut short"));
		assert_int_equal(g.k.truncated_files, 1);
		capture_close(c);
	}
	free(whole);
	/* pcapng: the last block cut */
	make_pcapng(&f, LT_EN10MB, recs, 2);
	write_bytes(path("cut-end.pcapng"), f.b, f.n - 10);
	nwarn = 0;
	c = open1("cut-end.pcapng", &warn_lim, err);
	assert_non_null(c);
	assert_int_equal(read_all(c, &g), 0);
	assert_int_equal(g.n, 1);
	assert_int_equal(nwarn, 1);
	assert_non_null(strstr(warned, "cut-end.pcapng: cut short at offset"));
	capture_close(c);
}

/* A corrupt record or block: an error naming the file and the offset. */
static void test_corrupt(void **state)
{
	static struct buf f;
	char err[CAPTURE_ERR_MAX];
	static struct got g;
	struct capture *c;
	uint32_t bad = 0x7fffffff;

	(void)state;
	eth_seg(&recs[0], 1, 1, 1, "aaaa");
	eth_seg(&recs[1], 2, 1, 5, "bbbb");
	eth_seg(&recs[2], 3, 1, 9, "cccc");
	write_pcap(path("corrupt.pcap"), LT_EN10MB, 0, recs, 3);
	{
		FILE *fp = fopen(path("corrupt.pcap"), "r+b");

		/* the second record's caplen */
		fseek(fp, 24 + 16 + (long)recs[0].pkt.n + 8, SEEK_SET);
		fwrite(&bad, 4, 1, fp);
		fclose(fp);
	}
	c = open1("corrupt.pcap", NULL, err);
	assert_non_null(c);
	assert_int_equal(read_all(c, &g), -EIO);
	assert_int_equal(g.n, 1);
	capture_close(c);
	/* read_all's error line: read again to see it */
	c = open1("corrupt.pcap", NULL, err);
	{
		struct capture_frame fr;

		assert_int_equal(capture_next(c, &fr, err, sizeof(err)), 1);
		assert_int_equal(capture_next(c, &fr, err, sizeof(err)), -EIO);
		assert_non_null(strstr(err, "corrupt.pcap: corrupt record at offset 98: "));
		assert_null(strchr(err, '\n'));
	}
	capture_close(c);
	/* pcapng: the second packet block's trailing length differs */
	make_pcapng(&f, LT_EN10MB, recs, 3);
	{
		size_t epb = (12 + ((20 + recs[0].pkt.n + 3) & ~3u));
		size_t second = f.n - 2 * epb;

		memcpy(f.b + second + 4, &bad, 4);
	}
	write_bytes(path("corrupt.pcapng"), f.b, f.n);
	c = open1("corrupt.pcapng", NULL, err);
	assert_non_null(c);
	{
		struct capture_frame fr;

		assert_int_equal(capture_next(c, &fr, err, sizeof(err)), 1);
		assert_int_equal(capture_next(c, &fr, err, sizeof(err)), -EIO);
		assert_non_null(strstr(err, "corrupt.pcapng: corrupt at or before offset"));
	}
	capture_close(c);
}

/* The pure decoder: short frames and families that are not IP. */
static void test_link_pure(void **state)
{
	static uint8_t buf[LINK_FRAME_MAX];
	struct link_frame lf;

	(void)state;
	assert_int_equal(link_to_eth(1, (const uint8_t *)"abc", 3, 3, buf, sizeof(buf), &lf),
			 LINK_SHORT);
	assert_int_equal(
		link_to_eth(0, (const uint8_t *)"\x07\0\0\0\x45", 5, 5, buf, sizeof(buf), &lf),
		LINK_NOT_IP);
	assert_int_equal(link_to_eth(12, (const uint8_t *)"\x15", 1, 1, buf, sizeof(buf), &lf),
			 LINK_NOT_IP);
	assert_int_equal(link_to_eth(12, (const uint8_t *)"\x45\0", 2, 2, buf, 15, &lf), -E2BIG);
	assert_int_equal(link_to_eth(12, (const uint8_t *)"\x45\0", 2, 40, buf, 16, &lf), LINK_OK);
	assert_int_equal(lf.wire_len, 54);
	assert_false(link_supported(105));
}

static void test_progress(void **state)
{
	struct capture_counters k = {
		.packets = 1234567, .bytes = 987654321, .file_done = 50, .file_size = 200
	};
	struct progress *p;
	char line[256];

	(void)state;
	progress_format(line, sizeof(line), &k, 42, 2.0);
	assert_string_equal(line,
			    "replay: 1.2M packets, 987.7MB, 25%, 617.3k packets/s, 42 events");
	k.file_size = 0;
	progress_format(line, sizeof(line), &k, 0, 0);
	assert_null(strchr(line, '%'));
	/* Not a terminal here: nothing drawn, nothing to fail. */
	p = progress_new(STDERR_FILENO, false);
	progress_done(p, NULL, 0);
	progress_free(p);
	progress_free(NULL);
}

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/xffw-capture-XXXXXX");
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_link_types),     cmocka_unit_test(test_ethernet_vlan),
		cmocka_unit_test(test_sll2_twice),     cmocka_unit_test(test_reorder_inside),
		cmocka_unit_test(test_reorder_beyond), cmocka_unit_test(test_reorder_time),
		cmocka_unit_test(test_reorder_evict),  cmocka_unit_test(test_cut),
		cmocka_unit_test(test_precision),      cmocka_unit_test(test_merge),
		cmocka_unit_test(test_bad_open),       cmocka_unit_test(test_truncated_end),
		cmocka_unit_test(test_corrupt),	       cmocka_unit_test(test_link_pure),
		cmocka_unit_test(test_progress),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
