// SPDX-License-Identifier: BSD-2-Clause
/*
 * Why the audit event has its own JSON writer: the same event built with
 * jansson (a json_t tree, then json_dumpb) against user/jsonw.c, on one core.
 * Also times the whole user-space path per record: decode, resolve, format.
 */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "audit.h"
#include "head_extract.h"
#include "trust.h"

#ifndef N
#define N 1000000
#endif

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static json_t *str(const struct str *s)
{
	return json_stringn(s->p, s->len);
}

/* The same fields as audit_format(), built as a jansson tree. */
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
	static const char head[] =
		"GET /api/v1/items?page=2 HTTP/1.1\r\n"
		"Host: shop.example\r\n"
		"X-Real-IP: 198.18.0.1\r\n"
		"X-Forwarded-For: 203.0.113.9, 198.18.0.1\r\n"
		"X-Forwarded-Proto: https\r\n"
		"User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0\r\n\r\n";
	static struct xffw_record rec;
	static struct http_request req;
	static struct resolution res;
	static char buf[8192];
	struct ip_cidr lo;
	struct trust_rule cfg = { .trusted = &lo,
				  .ntrusted = 1,
				  .headers = { XFFW_F_X_FORWARDED_FOR },
				  .nheaders = 1,
				  .recursive = true,
				  .hops = -1 };
	struct audit_meta meta = { .when = { 1795779600, 123456000 }, .ifname = "lo" };
	struct jsonw j;
	size_t size, total = 0;
	double t0, t_jansson, t_jsonw, t_path;

	ip_cidr_parse("127.0.0.0/8", 11, &lo, NULL);
	head_extract((const uint8_t *)head, sizeof(head) - 1, ~0U, &rec);
	rec.hdr.family = XFFW_FAMILY_IPV4;
	rec.hdr.saddr[0] = rec.hdr.daddr[0] = 127;
	rec.hdr.saddr[3] = rec.hdr.daddr[3] = 1;
	rec.hdr.sport = 40000;
	rec.hdr.dport = 5000;
	size = sizeof(rec.hdr) + rec.hdr.data_len;
	record_decode(&rec, size, &req);
	trust_resolve(&cfg, &req, &res, NULL);
	jsonw_init(&j);

	t0 = now();
	for (int i = 0; i < N; i++)
		total += jansson_event(&req, &res, buf, sizeof(buf));
	t_jansson = now() - t0;

	t0 = now();
	for (int i = 0; i < N; i++) {
		jsonw_reset(&j);
		audit_format(&j, &req, &res, &meta);
		total += j.len;
	}
	t_jsonw = now() - t0;

	t0 = now();
	for (int i = 0; i < N; i++) {
		record_decode(&rec, size, &req);
		trust_resolve(&cfg, &req, &res, NULL);
		jsonw_reset(&j);
		audit_format(&j, &req, &res, &meta);
		total += j.len;
	}
	t_path = now() - t0;

	printf("| %-44s | %12s | %9s |\n", "user space, one core, 2-hop X-Forwarded-For",
	       "events/s", "ns/event");
	printf("|----------------------------------------------|--------------|-----------|\n");
	printf("| %-44s | %12.0f | %9.0f |\n", "JSON event with jansson (tree + json_dumpb)",
	       N / t_jansson, t_jansson * 1e9 / N);
	printf("| %-44s | %12.0f | %9.0f |\n", "JSON event with user/jsonw.c", N / t_jsonw,
	       t_jsonw * 1e9 / N);
	printf("| %-44s | %12.0f | %9.0f |\n", "decode + resolve + JSON (jsonw)", N / t_path,
	       t_path * 1e9 / N);
	jsonw_free(&j);
	return total == 0;
}
