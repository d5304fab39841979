// SPDX-License-Identifier: BSD-2-Clause
#include <arpa/inet.h>
#include <net/if.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/bpf_counters.h"
#include "harness.h"
#include "pipeline/proxy_preamble.h"

struct xffwatch_bpf *skel;
struct native_prog *native;
long native_frames;
struct got_record got[MAX_GOT];
int ngot;
struct seen seen[MAX_SEEN];
int nseen;

static struct ring_buffer *rb;
static int written; /* by the current frame */

/* One frame's records from each side, for the comparison. */
#define FRAME_MAX 64
struct frame_records {
	struct got_record rec[FRAME_MAX];
	int n;
};
static struct frame_records kframe, nframe;
static bool native_in_step = true;
static uint64_t kcounters[XFFW_CNT__MAX]; /* the kernel's, after the last frame */

static void frame_add(struct frame_records *f, const void *data, size_t size)
{
	assert_true(f->n < FRAME_MAX);
	assert_true(size <= sizeof(f->rec[0].data));
	memcpy(f->rec[f->n].data, data, size);
	f->rec[f->n].size = size;
	f->n++;
}

static void on_native(void *ctx, const void *data, size_t len)
{
	(void)ctx;
	frame_add(&nframe, data, len);
}

void native_off_step(void)
{
	native_in_step = false;
}

static int collect(void *ctx, void *data, size_t size)
{
	(void)ctx;
	written++;
	if (kframe.n < FRAME_MAX)
		frame_add(&kframe, data, size);
	if (ngot < MAX_GOT && size <= sizeof(got[0].data)) {
		memcpy(got[ngot].data, data, size);
		got[ngot].size = size;
		ngot++;
	}
	return 0;
}

int harness_setup(void **state)
{
	static struct native_prog_config cfg = { .head_budget = XFFW_HEAD_BUDGET };
	struct xffw_port_set ports = { 0 };
	__u32 zero = 0;

	(void)state;
	/*
	 * Frames run "on" a NIC-like interface of the test's own namespace (the
	 * kernel wants it to exist); loopback is interface 1 and special.
	 */
	if (system("ip link add xffwt0 type veth peer name xffwt1") ||
	    !(run_ifindex = if_nametoindex("xffwt0")))
		return -1;
	skel = xffwatch_bpf__open_and_load();
	if (!skel)
		return -1;
	ports.bits[WATCHED_PORT / 64] |= 1ULL << (WATCHED_PORT % 64);
	if (bpf_map_update_elem(bpf_map__fd(skel->maps.watched_ports), &zero, &ports, BPF_ANY))
		return -1;
	cfg.ports = ports;
	cfg.flows = bpf_map__max_entries(skel->maps.flows);
	native = native_prog_new(&cfg, on_native, NULL);
	if (!native || counters_read(bpf_map__fd(skel->maps.counters), kcounters))
		return -1;
	rb = ring_buffer__new(bpf_map__fd(skel->maps.events), collect, NULL, NULL);
	return rb ? 0 : -1;
}

int harness_teardown(void **state)
{
	(void)state;
	fprintf(stderr, "harness: %ld frames, native twin identical to the kernel\n",
		native_frames);
	native_prog_free(native);
	ring_buffer__free(rb);
	xffwatch_bpf__destroy(skel);
	return 0;
}

uint64_t counter(unsigned int idx)
{
	uint64_t c[XFFW_CNT__MAX];

	assert_int_equal(counters_read(bpf_map__fd(skel->maps.counters), c), 0);
	return c[idx];
}

void got_reset(void)
{
	ring_buffer__consume(rb);
	ngot = 0;
}

int got_count(unsigned int type)
{
	int n = 0;

	for (int i = 0; i < ngot; i++)
		n += got_rec(i)->hdr.type == type;
	return n;
}

void got_collect(void)
{
	ring_buffer__consume(rb);
}

int consume_count(void)
{
	written = 0;
	ring_buffer__consume(rb);
	return written;
}

bool run_on_egress;
unsigned int run_ifindex;
unsigned int run_egress_from;

/* The frame's records and counter increments, kernel and native, all but ts_ns. */
static void compare_native(const uint64_t nbefore[XFFW_CNT__MAX])
{
	uint64_t kafter[XFFW_CNT__MAX], nafter[XFFW_CNT__MAX];

	if (kframe.n != nframe.n)
		fprintf(stderr, "native twin: %d records, the kernel %d\n", nframe.n, kframe.n);
	assert_int_equal(nframe.n, kframe.n);
	for (int i = 0; i < kframe.n; i++) {
		const struct got_record *k = &kframe.rec[i], *n = &nframe.rec[i];
		const size_t ts = sizeof(((struct xffw_record_hdr *)0)->ts_ns);

		assert_int_equal(n->size, k->size);
		assert_true(k->size >= sizeof(struct xffw_record_hdr));
		for (size_t b = ts; b < k->size; b++)
			if (k->data[b] != n->data[b]) {
				fprintf(stderr,
					"native twin: record %d (type %u) differs at byte %zu\n", i,
					k->data[ts + 10], b);
				fail();
			}
	}
	assert_int_equal(native_prog_flow_ids(native), skel->bss->last_flow_id);
	assert_int_equal(counters_read(bpf_map__fd(skel->maps.counters), kafter), 0);
	native_prog_counters(native, nafter);
	for (int i = 0; i < XFFW_CNT__MAX; i++) {
		if (kafter[i] - kcounters[i] != nafter[i] - nbefore[i])
			fprintf(stderr, "native twin: counter %s +%llu, the kernel +%llu\n",
				counter_name((unsigned int)i),
				(unsigned long long)(nafter[i] - nbefore[i]),
				(unsigned long long)(kafter[i] - kcounters[i]));
		assert_int_equal(nafter[i] - nbefore[i], kafter[i] - kcounters[i]);
	}
	memcpy(kcounters, kafter, sizeof(kcounters));
	native_frames++;
}

static int run(const uint8_t *frame, size_t len, bool consume)
{
	static uint8_t out[PKT_TEST_RUN_MAX + 256];
	/*
	 * As on a NIC's ingress, the packet came in on the interface it is on; on
	 * its egress, a packet this host sent has no input interface (the test run
	 * then gives it a dummy socket, which the native twin has not: twin tests
	 * keep to frames that came in somewhere).
	 */
	struct __sk_buff ctx = { .ifindex = run_ifindex,
				 .ingress_ifindex = run_on_egress ? run_egress_from : run_ifindex };
	LIBBPF_OPTS(bpf_test_run_opts, opts, .data_in = frame, .data_size_in = (__u32)len,
		    .data_out = out, .data_size_out = sizeof(out), .ctx_in = &ctx,
		    .ctx_size_in = sizeof(ctx), .repeat = 1);

	uint64_t nbefore[XFFW_CNT__MAX];
	static uint64_t ts;

	written = 0;
	kframe.n = nframe.n = 0;
	native_prog_counters(native, nbefore);
	assert_int_equal(bpf_prog_test_run_opts(bpf_program__fd(skel->progs.xffwatch_tc), &opts),
			 0);
	assert_int_equal((int)opts.retval, TC_ACT_UNSPEC);
	assert_int_equal(opts.data_size_out, len);
	assert_memory_equal(out, frame, len);
	/* The twin runs every frame, to stay in step; it is compared when the records are here. */
	ts += 1000;
	native_prog_run_hook(native, frame, len, ctx.ifindex, ctx.ingress_ifindex, ts);
	if (consume)
		ring_buffer__consume(rb);
	if (consume && native_in_step)
		compare_native(nbefore);
	else
		native_in_step = false; /* records left in the ring buffer may be lost there */
	return written;
}

int run_frame(const uint8_t *frame, size_t len)
{
	return run(frame, len, true);
}

static int spec_frame(const struct pkt_spec *spec, const void *payload, size_t len, bool consume)
{
	static uint8_t frame[PKT_TEST_RUN_MAX];
	size_t off, n = pkt_build(spec, payload, len, frame, sizeof(frame), &off);

	assert_true(n > 0);
	return run(frame, n, consume);
}

int run_spec(const struct pkt_spec *spec, const void *payload, size_t len)
{
	return spec_frame(spec, payload, len, true);
}

void run_spec_no_consume(const struct pkt_spec *spec, const void *payload, size_t len)
{
	spec_frame(spec, payload, len, false);
}

void conn_open(struct conn *c, int family, uint16_t cport)
{
	static uint32_t opens;
	struct pkt_spec s;

	memset(c, 0, sizeof(*c));
	c->c2s.family = c->s2c.family = family;
	c->c2s.saddr = c->s2c.daddr = family == 4 ? "198.18.0.1" : "fd00::1";
	c->c2s.daddr = c->s2c.saddr = family == 4 ? "198.18.0.2" : "fd00::2";
	c->c2s.sport = c->s2c.dport = cport;
	c->c2s.dport = c->s2c.sport = WATCHED_PORT;
	/* A new ISN each time; the server's wraps around soon, to exercise the arithmetic. */
	opens++;
	c->cseq = 0x10000000u + cport * 7919u + opens * 1000003u;
	c->sseq = 0xfffff000u - cport * 104729u - opens * 7u;
	c->cisn = c->cseq;
	c->sisn = c->sseq;

	s = c->c2s;
	s.seq = c->cseq++;
	s.tcp_flags = PKT_SYN;
	run_spec(&s, NULL, 0);
	s = c->s2c;
	s.seq = c->sseq++;
	s.tcp_flags = PKT_SYN | PKT_ACK;
	run_spec(&s, NULL, 0);
	got_reset();
}

int conn_send_at(struct conn *c, enum side side, uint32_t seq, const void *data, size_t len)
{
	struct pkt_spec s = side == CLIENT ? c->c2s : c->s2c;

	s.seq = seq;
	return run_spec(&s, data, len);
}

int conn_send(struct conn *c, enum side side, const void *data, size_t len)
{
	uint32_t *seq = side == CLIENT ? &c->cseq : &c->sseq;
	int n = conn_send_at(c, side, *seq, data, len);

	*seq += (uint32_t)len;
	return n;
}

void conn_close(struct conn *c)
{
	struct pkt_spec s = c->c2s;

	s.seq = c->cseq++;
	s.tcp_flags = PKT_FIN | PKT_ACK;
	run_spec(&s, NULL, 0);
	s = c->s2c;
	s.seq = c->sseq++;
	s.tcp_flags = PKT_FIN | PKT_ACK;
	run_spec(&s, NULL, 0);
}

static void copy_str(char *dst, size_t cap, struct str s)
{
	size_t n = s.len < cap - 1 ? s.len : cap - 1;

	memcpy(dst, s.p, n);
	dst[n] = '\0';
}

static void on_exchange(void *ctx, const struct exchange *x)
{
	const struct http_request *req = x->req;
	struct seen *s;
	size_t n = 0;

	(void)ctx;
	if (nseen == MAX_SEEN)
		return;
	s = &seen[nseen++];
	memset(s, 0, sizeof(*s));
	copy_str(s->method, sizeof(s->method), req->method);
	copy_str(s->target, sizeof(s->target), req->target);
	for (size_t i = 0; i < req->nfields; i++) {
		const struct req_field *f = &req->fields[i];
		struct str v = str_trim_ows(f->value);

		if (f->id == XFFW_F_HOST)
			copy_str(s->host, sizeof(s->host), v);
		if (f->id != XFFW_F_X_FORWARDED_FOR || n + v.len + 3 > sizeof(s->xff))
			continue;
		if (n)
			n += (size_t)sprintf(s->xff + n, ", ");
		memcpy(s->xff + n, v.p, v.len);
		n += v.len;
		s->xff[n] = '\0';
	}
	s->status = x->status;
	s->no_response = x->no_response;
	s->rec_flags = req->rec_flags;
	s->truncated = req_head_incomplete(req) || req->line_truncated ||
		       req_field_truncated(req, XFFW_F_X_FORWARDED_FOR);
	s->pp_state = req->pp_state;
	if (req->pp) {
		char addr[IP_STR_MAX];

		s->pp_version = req->pp->version;
		s->pp_command = req->pp->command;
		s->pp_error = req->pp->error;
		if (req->pp->has_addr) {
			ip_format(&req->pp->src, addr);
			snprintf(s->pp_src, sizeof(s->pp_src), "%s %u", addr, req->pp->sport);
		}
	}
}

struct tracker_pp_stats assembled_pp;

int assemble(void)
{
	struct tracker_config cfg = { .response_timeout_ns = 1,
				      .max_pending = 4096,
				      .max_per_flow = 64 };
	struct tracker *t = tracker_new(&cfg, on_exchange, NULL);

	assert_non_null(t);
	nseen = 0;
	for (int i = 0; i < ngot; i++)
		assert_true(tracker_record(t, got[i].data, got[i].size, 0) > 0);
	tracker_flush(t, NR_SHUTDOWN);
	assert_int_equal(tracker_stats(t)->bad_records, 0);
	assembled_pp = tracker_stats(t)->pp;
	tracker_free(t);
	return nseen;
}
