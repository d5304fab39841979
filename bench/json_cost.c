// SPDX-License-Identifier: BSD-2-Clause
/*
 * User-space cost per event, one core:
 *  - resolutions per second (decode + resolve + JSON) over a mixed corpus of
 *    records: nginx-style heads with 1 to 3 hop chains, IPv4 and IPv6 peers,
 *    X-Forwarded-For, X-Real-IP, Forwarded, a forged chain, an untrusted peer;
 *  - whole exchanges (request and response records through the tracker) with
 *    no output, and written by each output as the daemon writes them: a file
 *    on tmpfs, a file in /var/tmp (a disk, fdatasync every second, the
 *    default), syslog over UDP and over TCP to a receiver thread on loopback
 *    that reads and counts (what arrives is checked, not assumed);
 *  - why the event has its own JSON writer: the same event built with jansson
 *    (a json_t tree, then json_dumpb) against user/event/jsonw.c.
 */
#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cmd/options.h"
#include "event/audit_event.h"
#include "pipeline/extract_twin.h"
#include "output/outputs.h"
#include "pipeline/clock.h"
#include "pipeline/tracker.h"
#include "trust/rules.h"

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

/* The outputs measured: none, a file, syslog over UDP, syslog over TCP. */
enum { K_NONE, K_FILE, K_DISK, K_UDP, K_TCP, NKINDS };

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

/* The daemon's path for a whole exchange: tracker, then resolve, JSON and outputs. */
struct exchange_bench {
	struct sinks *out; /* NULL: the JSON is not written anywhere */
	struct trust_rule *rule;
	struct resolution *res;
	struct audit_meta *meta;
	struct jsonw *j;
	size_t bytes, unflushed;
};

static void flush(struct exchange_bench *b)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	sinks_flush(b->out, &ts);
	b->unflushed = 0;
}

static void on_exchange(void *ctx, const struct exchange *x)
{
	struct exchange_bench *b = ctx;
	char client[PSEUDO_TEXT_MAX], source[PSEUDO_TEXT_MAX], findings[512];
	struct sink_event e = { 0 };

	b->meta->status = x->status;
	b->meta->duration_ns = x->response_ns - x->req->ts_ns;
	b->meta->client_text = b->out && b->out->structured ? client : NULL;
	b->meta->source_text = b->out && b->out->structured ? source : NULL;
	trust_resolve(b->rule, x->req, NULL, b->res, NULL);
	jsonw_reset(b->j);
	audit_format(b->j, x->req, b->res, b->meta);
	b->bytes += b->j->len;
	if (!b->out)
		return;
	/* As the daemon does: the summary syslog's structured data carries, then every output. */
	e.line = b->j->buf;
	e.len = b->j->len;
	if (b->out->structured)
		audit_summary(&e, x->req, b->res, b->meta, findings, sizeof(findings));
	/* The buffers are this call's. */
	b->meta->client_text = b->meta->source_text = NULL;
	sinks_put(b->out, &e);
	b->unflushed += e.len;
	if (b->unflushed >= 256 * 1024)
		flush(b);
}

/* A syslog receiver on loopback: reads until told to stop, counting bytes and messages. */
struct receiver {
	int fd, type;
	unsigned short port;
	volatile int stop;
	uint64_t bytes, dgrams;
	pthread_t thread;
};

static void *receive(void *arg)
{
	static char buf[1 << 16];
	struct receiver *r = arg;
	int fd = r->fd;

	if (r->type == SOCK_STREAM)
		fd = accept(r->fd, NULL, NULL);
	while (fd >= 0) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		if (poll(&p, 1, 50) == 0) {
			if (r->stop)
				break;
			continue;
		}
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0)
			break;
		r->bytes += (uint64_t)n;
		r->dgrams++;
	}
	if (fd != r->fd && fd >= 0)
		close(fd);
	return NULL;
}

static int receiver_start(struct receiver *r, int type)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int big = 16 << 20;

	memset(r, 0, sizeof(*r));
	r->type = type;
	r->fd = socket(AF_INET, type, 0);
	setsockopt(r->fd, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	if (r->fd < 0 || bind(r->fd, (struct sockaddr *)&a, sizeof(a)) ||
	    (type == SOCK_STREAM && listen(r->fd, 1)) ||
	    getsockname(r->fd, (struct sockaddr *)&a, &len))
		return -1;
	r->port = ntohs(a.sin_port);
	return pthread_create(&r->thread, NULL, receive, r);
}

static void receiver_stop(struct receiver *r)
{
	r->stop = 1;
	pthread_join(r->thread, NULL);
	close(r->fd);
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

	clock_rfc3339(&when, ts);
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
	double t0, t_json, t_jansson, rate[TRIALS], xrate[NKINDS][TRIALS];
	uint64_t dropped[NKINDS] = { 0 }, written[NKINDS] = { 0 }, received[NKINDS] = { 0 };

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
				trust_resolve(&rule, &req, NULL, &res, NULL);
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
	 * tracker, resolved, formatted; with no output, then written by each
	 * output as the daemon writes them (queued, then written per 64
	 * exchanges, as the daemon does per ring-buffer poll).
	 */
	for (int kind = 0; kind < NKINDS; kind++) {
		struct tracker_config cfg = { .response_timeout_ns = 1000000000,
					      .max_pending = 1024,
					      .max_per_flow = 64 };
		struct sinks out;
		struct exchange_bench b = { kind ? &out : NULL, &rule, &res, &meta, &j, 0, 0 };
		struct tracker *t = tracker_new(&cfg, on_exchange, &b);
		char path[64];
		struct xffw_record_hdr resp;
		struct receiver rcv = { .fd = -1 };
		static struct options o;
		struct file_settings set = { .uid = (uid_t)-1, .gid = (gid_t)-1 };
		struct file_ops files;
		uint64_t flow = 1, sent = 0;

		options_defaults(&o);
		o.noutputs = 0;
		o.files.fsync_ms = 0;
		snprintf(path, sizeof(path), "%s/xffwatch-bench-XXXXXX",
			 kind == K_DISK ? "/var/tmp" : "/dev/shm");
		if (kind == K_FILE || kind == K_DISK) {
			o.files.fsync_ms = kind == K_DISK ? 1000 : 0;
			close(mkstemp(path));
			strcpy(o.outputs[o.noutputs++], path);
		} else if (kind == K_UDP || kind == K_TCP) {
			if (receiver_start(&rcv, kind == K_UDP ? SOCK_DGRAM : SOCK_STREAM)) {
				perror("receiver");
				return 1;
			}
			snprintf(o.syslogs[o.nsyslogs++], sizeof(o.syslogs[0]), "%s://127.0.0.1:%u",
				 kind == K_UDP ? "udp" : "tcp", rcv.port);
		}
		set.mode = o.files.mode;
		files = file_ops_local(&set);
		if (kind && sinks_open(&out, &o.output, &files))
			return 1;
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
				if (kind && r % 8 == 0)
					flush(&b);
			}
			if (kind)
				flush(&b);
			xrate[kind][trial] = (double)(ROUNDS / TRIALS * NCORPUS) / (now() - t0);
			sent += ROUNDS / TRIALS * NCORPUS;
		}
		qsort(xrate[kind], TRIALS, sizeof(xrate[kind][0]), cmp_double);
		total += b.bytes;
		tracker_free(t);
		if (kind) {
			struct sink_stats st;

			sinks_drain(&out, 5000);
			sink_stats(&out, 0, &st);
			dropped[kind] = st.dropped;
			written[kind] = st.events;
			sinks_close(&out, 0);
		}
		if (kind == K_FILE || kind == K_DISK)
			unlink(path);
		if (kind == K_UDP || kind == K_TCP) {
			usleep(200000);
			receiver_stop(&rcv);
			received[kind] = kind == K_UDP ? rcv.dgrams : rcv.bytes;
		}
		(void)sent;
	}

	/* JSON alone, the writer against jansson, on the first record. */
	record_decode(&recs[1], sizes[1], &req);
	trust_resolve(&rule, &req, NULL, &res, NULL);
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
	{
		static const char *const what[NKINDS] = {
			"exchanges: records, tracker, no output (median)",
			"exchanges written to a file on tmpfs (median)",
			"exchanges written to a file on disk (median)",
			"exchanges to syslog, UDP on loopback (median)",
			"exchanges to syslog, TCP on loopback (median)",
		};

		for (int k = 0; k < NKINDS; k++)
			printf("| %-52s | %12.0f | %9.0f |\n", what[k], xrate[k][TRIALS / 2],
			       1e9 / xrate[k][TRIALS / 2]);
	}
	printf("| %-52s | %12.0f | %9.0f |\n", "JSON event with user/event/jsonw.c",
	       ROUNDS * 4 / t_json, t_json * 1e9 / (ROUNDS * 4));
	printf("| %-52s | %12.0f | %9.0f |\n", "JSON event with jansson (tree + json_dumpb)",
	       ROUNDS / t_jansson, t_jansson * 1e9 / ROUNDS);
	printf("\nOutputs: events written whole, dropped (queue full or unsendable), and what the\n"
	       "receiver got: file %llu written, %llu dropped; disk %llu written, %llu dropped;\n"
	       "UDP %llu sent, %llu dropped, %llu datagrams received; TCP %llu sent, %llu "
	       "dropped,\n"
	       "%llu bytes received.\n",
	       (unsigned long long)written[K_FILE], (unsigned long long)dropped[K_FILE],
	       (unsigned long long)written[K_DISK], (unsigned long long)dropped[K_DISK],
	       (unsigned long long)written[K_UDP], (unsigned long long)dropped[K_UDP],
	       (unsigned long long)received[K_UDP], (unsigned long long)written[K_TCP],
	       (unsigned long long)dropped[K_TCP], (unsigned long long)received[K_TCP]);
	jsonw_free(&j);
	return total == 0;
}
