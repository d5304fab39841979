// SPDX-License-Identifier: BSD-2-Clause
/*
 * The kernel program's native build (capture/native_prog.c) alone, as an
 * ordinary user: records and counters for crafted frames, the flow table's
 * bound, instances apart, every cut of a frame. (tests/bpf/ checks it against
 * the loaded kernel program, byte for byte.) And its LRU hash against a plain
 * model.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "capture/flow_lru.h"
#include "capture/native_prog.h"

#define PORT 8080

struct got {
	struct xffw_record_hdr hdr[16];
	size_t size[16];
	int n;
};

static void on_record(void *ctx, const void *data, size_t len)
{
	struct got *g = ctx;

	assert_true(len >= sizeof(struct xffw_record_hdr));
	if (g->n < 16) {
		memcpy(&g->hdr[g->n], data, sizeof(g->hdr[0]));
		g->size[g->n] = len;
	}
	g->n++;
}

static struct native_prog *prog(uint32_t flows, struct got *g)
{
	struct native_prog_config cfg = { .head_budget = XFFW_HEAD_BUDGET, .flows = flows };

	cfg.ports.bits[PORT / 64] |= 1ULL << (PORT % 64);
	return native_prog_new(&cfg, on_record, g);
}

enum { FIN = 1, SYN = 2, RST = 4, ACK = 16 };

/* An Ethernet/IPv4/TCP frame between 10.0.0.@client and the app, 10.0.0.1:PORT. */
static size_t frame(uint8_t *f, uint8_t client, uint16_t sport, uint16_t dport, uint32_t seq,
		    uint8_t flags, const char *payload)
{
	size_t len = payload ? strlen(payload) : 0;
	uint16_t u16;
	uint32_t u32;

	memset(f, 0, 54);
	f[12] = 0x08; /* IPv4 */
	f[14] = 0x45;
	u16 = htons((uint16_t)(40 + len));
	memcpy(f + 16, &u16, 2);
	f[22] = 64;
	f[23] = 6;
	memcpy(f + (sport == PORT ? 30 : 26), (uint8_t[]){ 10, 0, 0, client }, 4);
	memcpy(f + (sport == PORT ? 26 : 30), (uint8_t[]){ 10, 0, 0, 1 }, 4);
	u16 = htons(sport);
	memcpy(f + 34, &u16, 2);
	u16 = htons(dport);
	memcpy(f + 36, &u16, 2);
	u32 = htonl(seq);
	memcpy(f + 38, &u32, 4);
	f[46] = 5 << 4;
	f[47] = flags;
	if (len)
		memcpy(f + 54, payload, len);
	return 54 + len;
}

static void seg(struct native_prog *p, uint8_t client, uint16_t sport, uint16_t dport, uint32_t seq,
		uint8_t flags, const char *payload, uint64_t ts)
{
	static uint8_t f[4096];

	native_prog_run(p, f, frame(f, client, sport, dport, seq, flags, payload), 7, ts);
}

static const char req[] = "GET /x HTTP/1.1\r\nHost: a\r\nX-Forwarded-For: 192.0.2.1\r\n\r\n";
static const char rsp[] = "HTTP/1.1 204 No Content\r\n\r\n";

static void test_exchange(void **state)
{
	struct got g = { 0 };
	struct native_prog *p = prog(16, &g);
	uint64_t c[XFFW_CNT__MAX];

	(void)state;
	assert_non_null(p);
	seg(p, 2, 40000, PORT, 99, SYN, NULL, 1000);
	seg(p, 2, PORT, 40000, 499, SYN | ACK, NULL, 1001);
	seg(p, 2, 40000, PORT, 100, ACK, NULL, 1002); /* a pure ACK: not looked at */
	seg(p, 2, 40000, PORT, 100, ACK, req, 2000);
	assert_int_equal(g.n, 1);
	assert_int_equal(g.hdr[0].type, XFFW_REC_REQUEST);
	assert_int_equal(g.hdr[0].ts_ns, 2000); /* the capture's clock */
	assert_int_equal(g.hdr[0].flow_id, 1);
	assert_int_equal(g.hdr[0].ifindex, 7);
	assert_int_equal(g.hdr[0].sport, 40000);
	assert_int_equal(g.hdr[0].seq, 100);
	assert_true(g.hdr[0].flags & XFFW_REC_F_HEAD_END);
	assert_false(g.hdr[0].flags & XFFW_REC_F_EGRESS);
	seg(p, 2, PORT, 40000, 500, ACK, rsp, 3000);
	assert_int_equal(g.n, 2);
	assert_int_equal(g.hdr[1].type, XFFW_REC_RESPONSE);
	assert_int_equal(g.hdr[1].status, 204);
	assert_int_equal(g.hdr[1].ts_ns, 3000);
	/* The same segment again is a retransmission. */
	seg(p, 2, PORT, 40000, 500, ACK, rsp, 3001);
	assert_int_equal(g.n, 2);
	seg(p, 2, 40000, PORT, 100 + sizeof(req) - 1, FIN | ACK, NULL, 4000);
	seg(p, 2, PORT, 40000, 500 + sizeof(rsp) - 1, FIN | ACK, NULL, 4001);
	assert_int_equal(g.n, 3);
	assert_int_equal(g.hdr[2].type, XFFW_REC_FLOW_END);
	assert_int_equal(g.hdr[2].reason, XFFW_END_FIN);
	assert_int_equal(native_prog_live_flows(p), 0);
	native_prog_counters(p, c);
	assert_int_equal(c[XFFW_CNT_REQUESTS], 1);
	assert_int_equal(c[XFFW_CNT_RESPONSES], 1);
	assert_int_equal(c[XFFW_CNT_SEGMENTS], 3);
	assert_int_equal(c[XFFW_CNT_DUP_SEGMENTS], 1);
	assert_int_equal(c[XFFW_CNT_FLOWS], 1);
	assert_int_equal(c[XFFW_CNT_FLOW_ENDS], 1);
	/* An unwatched port: nothing. */
	seg(p, 2, 40000, PORT + 1, 100, ACK, req, 5000);
	assert_int_equal(g.n, 3);
	assert_int_equal(native_prog_flow_ids(p), 1);
	native_prog_free(p);
}

/* The flow table keeps its bound: the least recently used flow just goes. */
static void test_flow_bound(void **state)
{
	struct got g = { 0 };
	struct native_prog *p = prog(2, &g);
	uint64_t c[XFFW_CNT__MAX];

	(void)state;
	seg(p, 2, 40000, PORT, 100, ACK, req, 1);
	seg(p, 3, 40000, PORT, 100, ACK, req, 2);
	seg(p, 2, 40000, PORT, 100 + sizeof(req) - 1, ACK, req, 3); /* 2 used, 3 is oldest */
	seg(p, 4, 40000, PORT, 100, ACK, req, 4);		    /* evicts 3, no record */
	assert_int_equal(g.n, 4);
	assert_int_equal(native_prog_live_flows(p), 2);
	seg(p, 3, 40000, PORT, 100 + sizeof(req) - 1, ACK, req, 5); /* picked up again */
	assert_int_equal(g.n, 5);
	assert_int_equal(g.hdr[4].flow_id, 4);
	native_prog_counters(p, c);
	assert_int_equal(c[XFFW_CNT_FLOWS_ADOPTED], 4);
	assert_int_equal(c[XFFW_CNT_FLOWS_FULL], 0);
	assert_int_equal(c[XFFW_CNT_FLOW_ENDS], 0);
	native_prog_free(p);
	assert_null(prog(0, &g));
	native_prog_free(NULL);
}

/* Two instances share nothing: flow ids, flows, counters, settings. */
static void test_instances_apart(void **state)
{
	struct got g1 = { 0 }, g2 = { 0 };
	struct native_prog *a = prog(8, &g1), *b = prog(8, &g2);
	uint64_t c[XFFW_CNT__MAX];

	(void)state;
	seg(a, 2, 40000, PORT, 100, ACK, req, 1);
	seg(a, 3, 40000, PORT, 100, ACK, req, 1);
	seg(b, 2, 40000, PORT, 100, ACK, req, 1);
	assert_int_equal(g1.n, 2);
	assert_int_equal(g2.n, 1);
	assert_int_equal(g2.hdr[0].flow_id, 1);
	native_prog_counters(b, c);
	assert_int_equal(c[XFFW_CNT_REQUESTS], 1);
	native_prog_free(a);
	native_prog_free(b);
}

/* Egress as the kernel tells it: the skb's input interface is not this one. */
static void test_egress(void **state)
{
	struct got g = { 0 };
	struct native_prog *p = prog(8, &g);
	uint8_t f[256];
	size_t n = frame(f, 2, 40000, PORT, 1, ACK, req);

	(void)state;
	native_prog_run_hook(p, f, n, 3, 0, 10);
	assert_int_equal(g.n, 1);
	assert_true(g.hdr[0].flags & XFFW_REC_F_EGRESS);
	native_prog_free(p);
}

/* Every cut of a frame (and VLAN tags): no read past it, under ASan, on an exact-size copy. */
static void test_every_cut(void **state)
{
	struct got g = { 0 };
	struct native_prog *p = prog(64, &g);
	uint8_t f[256], tagged[256];
	size_t n = frame(f, 2, 40000, PORT, 1, ACK, req);

	(void)state;
	for (size_t cut = 0; cut <= n; cut++) {
		uint8_t *copy = malloc(cut + 1);

		/* Each cut on its own connection. */
		n = frame(f, 2, (uint16_t)(40000 + cut), PORT, 1, ACK, req);
		memcpy(tagged, f, 12);
		memcpy(tagged + 12, (uint8_t[]){ 0x81, 0x00, 0, 5 }, 4);
		memcpy(tagged + 16, f + 12, n - 12);

		memcpy(copy, f, cut);
		native_prog_run(p, copy, cut, 1, cut);
		memcpy(copy, tagged, cut);
		native_prog_run(p, copy, cut, 1, cut);
		free(copy);
	}
	assert_true(g.n >= 2); /* at least the whole frame, tagged or not */
	native_prog_free(p);
}

/* Moves model[@at] to the end (the most recent). */
static void model_touch(uint32_t *model, int n, int at)
{
	uint32_t k = model[at];

	memmove(model + at, model + at + 1, (size_t)(n - at - 1) * sizeof(*model));
	model[n - 1] = k;
}

/* The LRU hash against a model: a list of keys, the least recently used first. */
static void test_lru_model(void **state)
{
	enum { MAX = 8, KEYS = 20 };
	struct flow_lru *t = flow_lru_new(5, 12, MAX);
	uint32_t model[MAX] = { 0 }, vals[KEYS] = { 0 }, rng = 1;
	int n = 0;

	(void)state;
	assert_non_null(t);
	for (int step = 1; step < 20000; step++) {
		uint8_t key[5] = { 0, 1, 2, 3, 0x5a };
		uint32_t k, v[3] = { (uint32_t)step }, *got;
		int at = -1, op;

		rng = rng * 1103515245u + 12345u;
		k = (rng >> 8) % KEYS;
		op = (int)((rng >> 20) % 4);
		key[0] = (uint8_t)k;
		for (int i = 0; i < n; i++)
			if (model[i] == k)
				at = i;
		switch (op) {
		case 0: /* lookup: a use */
			got = flow_lru_lookup(t, key);
			assert_int_equal(!!got, at >= 0);
			if (got) {
				assert_int_equal(got[0], vals[k]);
				model_touch(model, n, at);
			}
			break;
		case 1: /* update: a use; a new key in a full table evicts the oldest */
		case 2: /* insert only */
			if (op == 2 && at >= 0) {
				assert_int_equal(flow_lru_update(t, key, v, 1), -EEXIST);
				break;
			}
			assert_int_equal(flow_lru_update(t, key, v, op == 2), 0);
			vals[k] = v[0];
			if (at >= 0) {
				model_touch(model, n, at);
				break;
			}
			if (n == MAX) {
				memmove(model, model + 1, (MAX - 1) * sizeof(*model));
				n--;
			}
			model[n++] = k;
			break;
		default: /* delete */
			assert_int_equal(flow_lru_delete(t, key), at >= 0 ? 0 : -ENOENT);
			if (at >= 0) {
				memmove(model + at, model + at + 1,
					(size_t)(n - at - 1) * sizeof(*model));
				n--;
			}
		}
		assert_int_equal(flow_lru_count(t), n);
	}
	flow_lru_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exchange),	cmocka_unit_test(test_flow_bound),
		cmocka_unit_test(test_instances_apart), cmocka_unit_test(test_egress),
		cmocka_unit_test(test_every_cut),	cmocka_unit_test(test_lru_model),
	};

	return cmocka_run_group_tests_name("native_prog", tests, NULL, NULL);
}
