// SPDX-License-Identifier: BSD-2-Clause
/*
 * User-space cost per event, one core:
 *  - resolutions per second (decode + resolve + JSON) over a mixed corpus of
 *    records: nginx-style heads with 1 to 3 hop chains, IPv4 and IPv6 peers,
 *    X-Forwarded-For, X-Real-IP, Forwarded, a forged chain, an untrusted peer;
 *  - why the event has its own JSON writer: the same event built with jansson
 *    (a json_t tree, then json_dumpb) against user/jsonw.c.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit.h"
#include "output.h"
#include "head_extract.h"
#include "tracker.h"
#include "trust.h"

#ifndef ROUNDS
#define ROUNDS 180000
#endif
#define TRIALS 9

static const struct {
	const char *peer;
	const char *head;
} corpus[] = {
	{ "127.0.0.1", "GET /api/v1/items?page=2 HTTP/1.0\r\nHost: shop.example\r\n"
		       "X-Real-IP: 198.18.0.1\r\nX-Forwarded-For: 198.18.0.1\r\n"
		       "X-Forwarded-Proto: https\r\nConnection: close\r\n"
		       "User-Agent: Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Firefox/128.0\r\n"
		       "Accept: text/html\r\n\r\n" },
	{ "127.0.0.1", "POST /login HTTP/1.0\r\nHost: shop.example\r\n"
		       "X-Real-IP: 198.18.0.7\r\nX-Forwarded-For: 203.0.113.9, 198.18.0.7\r\n"
		       "X-Forwarded-Proto: https\r\nContent-Length: 20\r\n"
		       "User-Agent: curl/7.88.1\r\nCookie: session=abcdef0123456789\r\n\r\n" },
	{ "127.0.0.1",
	  "GET /static/app.js HTTP/1.1\r\nHost: shop.example\r\n"
	  "X-Forwarded-For: 198.51.100.23, 10.0.0.2, 10.0.0.3\r\n"
	  "User-Agent: Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) Safari/605.1.15\r\n"
	  "Accept-Encoding: gzip, br\r\n\r\n" },
	{ "::1", "GET / HTTP/1.1\r\nHost: [fd00::2]:8080\r\nX-Forwarded-For: 2001:db8::7\r\n"
		 "X-Real-IP: 2001:db8::7\r\nUser-Agent: Go-http-client/1.1\r\n\r\n" },
	{ "127.0.0.1", "PUT /v2/blob HTTP/1.1\r\nHost: registry.example\r\n"
		       "Forwarded: for=192.0.2.60;proto=https, for=\"[2001:db8:cafe::17]:4711\"\r\n"
		       "X-Forwarded-For: 192.0.2.60, 2001:db8:cafe::17\r\n"
		       "User-Agent: docker/24.0\r\n\r\n" },
	{ "198.18.0.9", "GET /admin HTTP/1.1\r\nHost: 198.18.0.2:5000\r\n"
			"X-Forwarded-For: 127.0.0.1\r\nUser-Agent: python-requests/2.31\r\n\r\n" },
	{ "127.0.0.1",
	  "GET /health HTTP/1.0\r\nHost: localhost\r\nUser-Agent: kube-probe/1.29\r\n\r\n" },
	{ "127.0.0.1", "DELETE /items/7 HTTP/1.0\r\nHost: shop.example\r\n"
		       "X-Forwarded-For: 6.6.6.6, 203.0.113.77, 10.0.0.2\r\n"
		       "X-Real-IP: 203.0.113.77\r\nUser-Agent: okhttp/4.12\r\n\r\n" },
};

#define NCORPUS (sizeof(corpus) / sizeof(corpus[0]))

static struct xffw_record recs[NCORPUS];
static size_t sizes[NCORPUS];

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void first_record(void *ctx, const struct xffw_record *rec, size_t size)
{
	struct xffw_record *out = ctx;

	if (!out->hdr.abi_version)
		memcpy(out, rec, size);
}

static void build_corpus(void)
{
	for (size_t i = 0; i < NCORPUS; i++) {
		struct xffw_record *r = &recs[i];
		int v6 = strchr(corpus[i].peer, ':') != NULL;

		head_extract((const uint8_t *)corpus[i].head, strlen(corpus[i].head), ~0U,
			     XFFW_HEAD_BUDGET, first_record, r);
		r->hdr.family = v6 ? XFFW_FAMILY_IPV6 : XFFW_FAMILY_IPV4;
		inet_pton(v6 ? AF_INET6 : AF_INET, corpus[i].peer, r->hdr.saddr);
		inet_pton(v6 ? AF_INET6 : AF_INET, v6 ? "::1" : "127.0.0.1", r->hdr.daddr);
		r->hdr.sport = 40000;
		r->hdr.dport = 5000;
		r->hdr.ts_ns = 1;
		sizes[i] = sizeof(r->hdr) + r->hdr.data_len;
	}
}

/* The daemon's path for a whole exchange: tracker, then resolve and JSON. */
struct exchange_bench {
	struct output *out; /* NULL: the JSON is not written anywhere */
	uint64_t batch;	    /* events in j, as the daemon batches them */
	struct trust_rule *rule;
	struct resolution *res;
	struct audit_meta *meta;
	struct jsonw *j;
	size_t bytes;
};

static void on_exchange(void *ctx, const struct exchange *x)
{
	struct exchange_bench *b = ctx;
	size_t start = b->j->len;

	b->meta->status = x->status;
	b->meta->duration_ns = x->response_ns - x->req->ts_ns;
	trust_resolve(b->rule, x->req, b->res, NULL);
	if (!b->out)
		jsonw_reset(b->j);
	start = b->j->len;
	audit_format(b->j, x->req, b->res, b->meta);
	b->bytes += b->j->len - start;
	b->batch++;
	/* The daemon's way: events one after another, written when the buffer is large. */
	if (b->out && b->j->len >= OUTPUT_FLUSH_AT) {
		output_write(b->out, b->j->buf, b->j->len, b->batch);
		b->batch = 0;
		jsonw_reset(b->j);
	}
}

static void write_batch(struct exchange_bench *b)
{
	if (b->batch)
		output_write(b->out, b->j->buf, b->j->len, b->batch);
	b->batch = 0;
	jsonw_reset(b->j);
}

static json_t *str(const struct str *s)
{
	return json_stringn(s->p, s->len);
}

/* The main fields of audit_format(), built as a jansson tree. */
static size_t jansson_event(const struct http_request *req, const struct resolution *res, char *buf,
			    size_t cap)
{
	char ip[IP_STR_MAX], ts[32];
	struct timespec when = { 1795779600, 123456000 };
	json_t *ev = json_object(), *o, *t, *a;
	const struct req_field *ua, *host;
	struct str path = url_path(req->target);
	size_t n;

	audit_timestamp(&when, ts);
	json_object_set_new(ev, "@timestamp", json_string(ts));
	o = json_pack("{s:s,s:s,s:[s],s:[s]}", "dataset", "xffwatch.audit", "kind", "event",
		      "category", "web", "type", "access");
	json_object_set_new(ev, "event", o);
	ip_format(&res->client, ip);
	json_object_set_new(ev, "client", json_pack("{s:s}", "ip", ip));
	ip_format(&req->saddr, ip);
	json_object_set_new(ev, "source", json_pack("{s:s,s:i}", "ip", ip, "port", req->sport));
	ip_format(&req->daddr, ip);
	json_object_set_new(ev, "destination",
			    json_pack("{s:s,s:i}", "ip", ip, "port", req->dport));
	json_object_set_new(ev, "network",
			    json_pack("{s:s,s:s}", "transport", "tcp", "type", "ipv4"));
	o = json_object();
	json_object_set_new(o, "request", json_pack("{s:o}", "method", str(&req->method)));
	json_object_set_new(o, "version", str(&req->version));
	json_object_set_new(ev, "http", o);
	o = json_object();
	json_object_set_new(o, "path", str(&path));
	if (req_field_count(req, XFFW_F_HOST, &host)) {
		struct str v = str_trim_ows(host->value);

		json_object_set_new(o, "domain", str(&v));
	}
	json_object_set_new(ev, "url", o);
	if (req_field_count(req, XFFW_F_USER_AGENT, &ua)) {
		struct str v = str_trim_ows(ua->value);

		json_object_set_new(ev, "user_agent", json_pack("{s:o}", "original", str(&v)));
	}
	json_object_set_new(ev, "observer",
			    json_pack("{s:{s:{s:s}}}", "ingress", "interface", "name", "lo"));
	t = json_object();
	json_object_set_new(t, "header", json_string("x-forwarded-for"));
	json_object_set_new(t, "peer_trusted", json_boolean(res->peer_trusted));
	a = json_array();
	for (size_t i = 0; i < res->chain.n; i++)
		json_array_append_new(a, str(&res->chain.hop[i].text));
	json_object_set_new(t, "chain", a);
	o = json_object();
	json_object_set_new(o, "trust", t);
	json_object_set_new(o, "findings", json_array());
	json_object_set_new(ev, "xffwatch", o);
	n = json_dumpb(ev, buf, cap, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(ev);
	return n;
}

int main(void)
{
	static struct http_request req;
	static struct resolution res;
	static char buf[8192];
	struct ip_cidr trusted[3];
	struct trust_rule rule = { .trusted = trusted,
				   .ntrusted = 3,
				   .headers = { XFFW_F_X_FORWARDED_FOR },
				   .nheaders = 1,
				   .recursive = true,
				   .hops = -1 };
	struct audit_meta meta = { .when = { 1795779600, 123456000 }, .ifname = "lo" };
	size_t events = 0, total = 0;

	(void)events;
	struct jsonw j;
	double t0, t_json, t_jansson, rate[TRIALS], xrate[TRIALS], frate[TRIALS];

	ip_cidr_parse("127.0.0.0/8", 11, &trusted[0], NULL);
	ip_cidr_parse("::1", 3, &trusted[1], NULL);
	ip_cidr_parse("10.0.0.0/8", 10, &trusted[2], NULL);
	build_corpus();
	jsonw_init(&j);

	/*
	 * The daemon's per-record path, in TRIALS runs: this machine's speed
	 * drifts, so the median and the best run are reported.
	 */
	for (int trial = 0; trial < TRIALS; trial++) {
		t0 = now();
		for (int r = 0; r < ROUNDS / TRIALS; r++) {
			for (size_t i = 0; i < NCORPUS; i++) {
				record_decode(&recs[i], sizes[i], &req);
				meta.when.tv_nsec = (long)(r * 1000 + (int)i) % 1000000000;
				trust_resolve(&rule, &req, &res, NULL);
				jsonw_reset(&j);
				audit_format(&j, &req, &res, &meta);
				total += j.len;
				events++;
			}
		}
		rate[trial] = (double)(ROUNDS / TRIALS * NCORPUS) / (now() - t0);
	}
	qsort(rate, TRIALS, sizeof(rate[0]), cmp_double);

	/*
	 * Whole exchanges: a request record and its response record through the
	 * tracker, resolved, formatted; then the same written to a file as the
	 * daemon writes them (a batch written per 64 exchanges, as the daemon does
	 * per ring-buffer poll).
	 */
	for (int to_file = 0; to_file < 2; to_file++) {
		struct tracker_config cfg = { .response_timeout_ns = 1000000000,
					      .max_pending = 1024,
					      .max_per_flow = 64 };
		struct output out = { .fd = -1 };
		struct exchange_bench b = { to_file ? &out : NULL, 0, &rule, &res, &meta, &j, 0 };
		struct tracker *t = tracker_new(&cfg, on_exchange, &b);
		double *rates = to_file ? frate : xrate;
		char path[] = "/dev/shm/xffwatch-bench-XXXXXX";
		struct xffw_record_hdr resp;
		uint64_t flow = 1;
		int fd = -1;

		if (to_file) {
			fd = mkstemp(path);
			close(fd);
			if (output_open(&out, path)) {
				perror(path);
				return 1;
			}
		}
		for (int trial = 0; trial < TRIALS; trial++) {
			t0 = now();
			for (int r = 0; r < ROUNDS / TRIALS; r++) {
				for (size_t i = 0; i < NCORPUS; i++, flow++) {
					recs[i].hdr.flow_id = flow;
					tracker_record(t, &recs[i], sizes[i], 10);
					resp = recs[i].hdr;
					resp.type = XFFW_REC_RESPONSE;
					resp.flags = 0;
					resp.data_len = 0;
					resp.status = 200;
					resp.ts_ns = 5000;
					tracker_record(t, &resp, sizeof(resp), 10);
				}
				if (to_file && r % 8 == 0)
					write_batch(&b);
			}
			if (to_file)
				write_batch(&b);
			rates[trial] = (double)(ROUNDS / TRIALS * NCORPUS) / (now() - t0);
		}
		qsort(rates, TRIALS, sizeof(rates[0]), cmp_double);
		total += b.bytes;
		tracker_free(t);
		if (to_file) {
			output_close(&out);
			unlink(path);
		}
	}

	/* JSON alone, the writer against jansson, on the first record. */
	record_decode(&recs[1], sizes[1], &req);
	trust_resolve(&rule, &req, &res, NULL);
	t0 = now();
	for (int r = 0; r < ROUNDS * 4; r++) {
		jsonw_reset(&j);
		audit_format(&j, &req, &res, &meta);
		total += j.len;
	}
	t_json = now() - t0;
	t0 = now();
	for (int r = 0; r < ROUNDS; r++)
		total += jansson_event(&req, &res, buf, sizeof(buf));
	t_jansson = now() - t0;

	printf("| %-52s | %12s | %9s |\n", "user space, one core", "per second", "ns each");
	printf("|------------------------------------------------------|--------------|-----------|"
	       "\n");
	printf("| %-52s | %12.0f | %9.0f |\n", "resolutions: decode + resolve + JSON (median)",
	       rate[TRIALS / 2], 1e9 / rate[TRIALS / 2]);
	printf("| %-52s | %12.0f | %9.0f |\n", "resolutions: decode + resolve + JSON (best run)",
	       rate[TRIALS - 1], 1e9 / rate[TRIALS - 1]);
	printf("| %-52s | %12.0f | %9.0f |\n",
	       "exchanges: request + response records, tracker (median)", xrate[TRIALS / 2],
	       1e9 / xrate[TRIALS / 2]);
	printf("| %-52s | %12.0f | %9.0f |\n", "exchanges written to a file (median)",
	       frate[TRIALS / 2], 1e9 / frate[TRIALS / 2]);
	printf("| %-52s | %12.0f | %9.0f |\n", "exchanges written to a file (best run)",
	       frate[TRIALS - 1], 1e9 / frate[TRIALS - 1]);
	printf("| %-52s | %12.0f | %9.0f |\n", "JSON event with user/jsonw.c", ROUNDS * 4 / t_json,
	       t_json * 1e9 / (ROUNDS * 4));
	printf("| %-52s | %12.0f | %9.0f |\n", "JSON event with jansson (tree + json_dumpb)",
	       ROUNDS / t_jansson, t_jansson * 1e9 / ROUNDS);
	jsonw_free(&j);
	return total == 0;
}
