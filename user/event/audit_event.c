// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "event/audit_event.h"
#include "event/proxy_event.h"
#include "pipeline/clock.h"

struct str url_path(struct str t)
{
	const char *p = t.p, *end = t.p + t.len, *q;

	if (t.len && t.p[0] != '/') {
		const char *scheme = NULL;

		/* absolute-form "http://authority/path": skip to the path. */
		for (q = p; q + 2 < end; q++) {
			if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
				scheme = q;
				break;
			}
			if (q[0] == '/' || q[0] == '?')
				break;
		}
		if (!scheme) {
			/* "*", authority-form, or something odd: as it is, minus any query. */
			for (q = p; q < end && *q != '?' && *q != '#'; q++)
				;
			return (struct str){ p, (size_t)(q - p) };
		}
		p = scheme + 3;
		while (p < end && *p != '/' && *p != '?' && *p != '#')
			p++;
		if (p == end || *p != '/')
			return (struct str){ "/", 1 };
	}
	for (q = p; q < end && *q != '?' && *q != '#'; q++)
		;
	return (struct str){ p, (size_t)(q - p) };
}

struct str host_domain(struct str host, unsigned int *port)
{
	const char *colon = NULL;
	struct str name = host;

	*port = 0;
	if (host.len && host.p[0] == '[') {
		const char *close = memchr(host.p, ']', host.len);

		if (!close)
			return host;
		name = (struct str){ host.p + 1, (size_t)(close - host.p - 1) };
		if (close + 1 < host.p + host.len && close[1] == ':')
			colon = close + 1;
	} else {
		colon = memchr(host.p, ':', host.len);
		if (colon && memchr(colon + 1, ':', host.len - (size_t)(colon + 1 - host.p)))
			return host; /* bare IPv6 or garbage: keep it whole */
		if (colon)
			name.len = (size_t)(colon - host.p);
	}
	if (colon) {
		unsigned int v = 0;
		size_t n = host.len - (size_t)(colon + 1 - host.p);

		for (size_t i = 0; i < n && n <= 5; i++) {
			if (colon[1 + i] < '0' || colon[1 + i] > '9') {
				v = 0;
				break;
			}
			v = v * 10 + (unsigned int)(colon[1 + i] - '0');
		}
		*port = n <= 5 && v <= 65535 ? v : 0;
	}
	return name;
}

/*
 * For the helpers that take a key from their callers, each a literal: inlined,
 * its length folds to a constant instead of a strlen per member per event.
 */
#define KEYED inline __attribute__((always_inline))

/* @s, cut to @max bytes in the short form. */
static struct str cut(const struct audit_meta *m, struct str s, size_t max)
{
	if (m->shorten && s.len > max)
		s.len = max;
	return s;
}

/* A string of the host's (an interface's, a container's name), cut in the short form. */
static KEYED void host_string(struct jsonw *j, const char *key, const char *v,
			      const struct audit_meta *m)
{
	struct str t = cut(m, (struct str){ v, strlen(v) }, AUDIT_SHORT_TEXT);

	jsonw_string(j, key, t.p, t.len);
}

/*
 * A client's address, as the privacy settings want it written; its text
 * also into @out (PSEUDO_TEXT_MAX bytes) when not NULL.
 */
static KEYED void client_address(struct jsonw *j, const char *key, const struct ip_addr *a,
				 const struct pseudo *p, char *out)
{
	char text[PSEUDO_TEXT_MAX + 2];
	size_t n;

	if (!p || p->mode == PSEUDO_NONE) {
		/* Digits, hex letters, ':' and '.': nothing to escape. */
		n = ip_format(a, text + 1);
		text[0] = '"';
		text[n + 1] = '"';
		jsonw_member(j, key);
		jsonw_raw(j, text, n + 2);
	} else {
		n = pseudo_addr(p, a, text + 1);
		jsonw_string(j, key, text + 1, n);
	}
	if (out) {
		memcpy(out, text + 1, n);
		out[n] = '\0';
	}
}

/* ECS's user under source or destination: the owner of that end's socket, when local. */
static void socket_user(struct jsonw *j, const struct sock_owner *o, const struct audit_meta *m)
{
	/* (OWNER_UID_NONE: resolve --peer-cgroup without --peer-user; no uid to claim.) */
	if (!o || o->seen != XFFW_SOCK_LOCAL || o->uid == OWNER_UID_NONE)
		return;
	jsonw_object_begin(j, "user");
	/* The id as a string of digits, as ECS has it; no snprintf on every event. */
	jsonw_member(j, "id");
	jsonw_char(j, '"');
	jsonw_digits(j, o->uid);
	jsonw_char(j, '"');
	/* The short form keeps ids only: the host's names would not fit AUDIT_SHORT_MAX. */
	if (o->user_known && !m->shorten)
		host_string(j, "name", o->user, m);
	jsonw_object_end(j);
}

static KEYED void endpoint(struct jsonw *j, const char *key, const struct ip_addr *a, uint16_t port,
			   const struct pseudo *p, char *out, const struct sock_owner *o,
			   const struct audit_meta *m)
{
	jsonw_object_begin(j, key);
	client_address(j, "ip", a, p, out);
	jsonw_uint(j, "port", port);
	socket_user(j, o, m);
	jsonw_object_end(j);
}

/* xffwatch.identity.source|destination: what is known of that end's socket. */
static KEYED void socket_identity(struct jsonw *j, const char *key, const struct sock_owner *o,
				  const struct audit_meta *m)
{
	struct str seen = sock_seen_str(o->seen);

	jsonw_object_begin(j, key);
	jsonw_string(j, "seen", seen.p, seen.len);
	/* (A cgroup id 0 is resolve's: given by path, or not given.) */
	if (o->seen == XFFW_SOCK_LOCAL && (o->cgroup_id || (o->cgroup_known && !m->shorten))) {
		jsonw_object_begin(j, "cgroup");
		if (o->cgroup_id)
			jsonw_uint(j, "id", o->cgroup_id);
		if (o->cgroup_known && !m->shorten) /* (ids only: see socket_user) */
			host_string(j, "path", o->cgroup, m);
		jsonw_object_end(j);
	}
	if (o->seen == XFFW_SOCK_LOCAL) {
		if (o->facts.unit[0] && !m->shorten)
			host_string(j, "unit", o->facts.unit, m);
		if (o->facts.container_id[0]) {
			jsonw_object_begin(j, "container");
			host_string(j, "id", o->facts.container_id, m);
			if (o->facts.runtime)
				jsonw_cstring(j, "runtime", o->facts.runtime);
			jsonw_object_end(j);
		}
	}
	jsonw_object_end(j);
}

/*
 * A hop or node that is not an address, pseudonymised: "unknown" stays; an
 * obfuscated identifier becomes "_obfuscated" (a client may forge one with
 * anything in it); anything else "invalid".
 */
static void non_address(struct jsonw *j, const char *key, struct str t)
{
	if (t.len == 7 && !memcmp(t.p, "unknown", 7))
		jsonw_cstring(j, key, "unknown");
	else if (forwarded_obfnode(t))
		jsonw_cstring(j, key, "_obfuscated");
	else
		jsonw_cstring(j, key, "invalid");
}

/* Hop @i of a chain, as the privacy settings want it written. */
static void hop_text(struct jsonw *j, const char *key, const struct chain *c, size_t i,
		     const struct audit_meta *m)
{
	const struct pseudo *p = m->pseudo;
	const struct str *t = &c->hop[i].text;
	struct ip_addr a;

	if (!p || p->mode == PSEUDO_NONE) {
		struct str v = cut(m, *t, AUDIT_SHORT_HOP);

		jsonw_string(j, key, v.p, v.len);
	} else if (!chain_address(c, i, &a))
		client_address(j, key, &a, p, NULL);
	else
		non_address(j, key, *t);
}

/* A Forwarded by= node: the proxy's side, but a client can forge whole elements. */
static void by_text(struct jsonw *j, struct str by, const struct pseudo *p)
{
	struct ip_addr a;

	if (!p || p->mode == PSEUDO_NONE)
		jsonw_string(j, "by", by.p, by.len);
	else if (!forwarded_node_address(by, &a))
		client_address(j, "by", &a, p, NULL);
	else
		non_address(j, "by", by);
}

static KEYED void field_value(struct jsonw *j, const char *key, const struct req_field *f,
			      const struct audit_meta *m)
{
	struct str v = cut(m, str_trim_ows(f->value), AUDIT_SHORT_TEXT);

	jsonw_string(j, key, v.p, v.len);
}

static void url(struct jsonw *j, const struct http_request *req, const struct audit_meta *m)
{
	const struct req_field *host;
	struct str path = cut(m, url_path(req->target), AUDIT_SHORT_TEXT);

	jsonw_object_begin(j, "url");
	jsonw_string(j, "path", path.p, path.len);
	if (m->keep_query && !m->shorten) {
		const char *q = memchr(req->target.p, '?', req->target.len), *end;

		if (q) {
			end = memchr(q, '#', req->target.len - (size_t)(q - req->target.p));
			if (!end)
				end = req->target.p + req->target.len;
			jsonw_string(j, "query", q + 1, (size_t)(end - q - 1));
		}
	}
	if (req_field_count(req, XFFW_F_HOST, &host)) {
		unsigned int port;
		struct str domain = host_domain(str_trim_ows(host->value), &port);

		domain = cut(m, domain, AUDIT_SHORT_TEXT);
		jsonw_string(j, "domain", domain.p, domain.len);
		if (port)
			jsonw_uint(j, "port", port);
	}
	jsonw_object_end(j);
}

static void trust(struct jsonw *j, const struct resolution *res, const struct audit_meta *m)
{
	/* The rightmost hops only: the walk starts there, and the raw values are echoed whole. */
	size_t keep = m->shorten ? AUDIT_SHORT_HOPS : CHAIN_EVENT_MAX;
	size_t from = res->chain.n > keep ? res->chain.n - keep : 0;

	jsonw_object_begin(j, "trust");
	if (res->source) {
		struct str key = trust_source_str(res->source);

		jsonw_string(j, "header", key.p, key.len);
	} else {
		jsonw_cstring(j, "header", "peer");
	}
	jsonw_bool(j, "peer_trusted", res->peer_trusted);
	if (res->peer_by_owner)
		jsonw_cstring(j, "peer_rule", "trust-local");
	jsonw_array_begin(j, "chain");
	for (size_t i = from; i < res->chain.n; i++)
		hop_text(j, NULL, &res->chain, i, m);
	jsonw_array_end(j);
	if (from) {
		jsonw_bool(j, "chain_shortened", true);
		jsonw_uint(j, "chain_length", res->chain.n);
	}
	if (res->chain.id == XFFW_F_FORWARDED && res->chain.n && !m->shorten) {
		/* The other parameters of each Forwarded element, in the same order. */
		jsonw_array_begin(j, "elements");
		for (size_t i = from; i < res->chain.n; i++) {
			const struct hop *h = &res->chain.hop[i];

			jsonw_object_begin(j, NULL);
			if (!(h->flags & HOP_F_BAD))
				hop_text(j, "for", &res->chain, i, m);
			if (h->by.p)
				by_text(j, h->by, m->pseudo);
			if (h->host.p)
				jsonw_string(j, "host", h->host.p, h->host.len);
			if (h->proto.p)
				jsonw_string(j, "proto", h->proto.p, h->proto.len);
			jsonw_object_end(j);
		}
		jsonw_array_end(j);
	}
	jsonw_object_end(j);
}

static void forwarded(struct jsonw *j, const struct http_request *req, const struct audit_meta *m)
{
	bool any = false;

	/* The forwarding headers echoed raw (include/xffwatch_fields.h), in id order. */
	for (unsigned int id = 1; id < XFFW_F__MAX; id++) {
		struct str key;

		if (!(XFFW_ECHOED_MASK >> id & 1) || !req_field_count(req, id, NULL))
			continue;
		if (!any)
			jsonw_object_begin(j, "forwarded");
		any = true;
		key = field_key_str(id);
		jsonw_array_begin_n(j, key.p, key.len);
		for (size_t i = 0; i < req->nfields; i++)
			if (req->fields[i].id == id)
				field_value(j, NULL, &req->fields[i], m);
		jsonw_array_end(j);
	}
	if (any)
		jsonw_object_end(j);
}

/* The findings an event under @meta lists: its short form says truncated too. */
static uint32_t event_findings(const struct resolution *res, const struct audit_meta *meta)
{
	return res->findings | (meta->shorten ? 1U << FINDING_TRUNCATED : 0);
}

/* The findings' names, space-separated. */
static void findings_text(uint32_t findings, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (unsigned int f = 0; f < 32 && n < len; f++)
		if (findings & (1U << f))
			n += (size_t)snprintf(buf + n, len - n, "%s%s", n ? " " : "",
					      finding_name(f));
}

void audit_summary(struct sink_event *e, const struct http_request *req,
		   const struct resolution *res, const struct audit_meta *meta, char *findings,
		   size_t findings_len)
{
	struct str path = url_path(req->target);

	findings_text(event_findings(res, meta), findings, findings_len);
	e->when = meta->when;
	e->client = meta->client_text;
	e->source = meta->source_text;
	e->dport = req->dport;
	e->method = req->method.p;
	e->method_len = req->method.len;
	e->path = path.p;
	e->path_len = path.len;
	e->status = meta->status;
	e->findings = findings;
}

void audit_format(struct jsonw *j, const struct http_request *req, const struct resolution *res,
		  const struct audit_meta *meta)
{
	const struct req_field *ua;
	char ts[32];

	jsonw_object_begin(j, NULL);
	jsonw_string(j, "@timestamp", ts,
		     clock_rfc3339_digits(&meta->when, ts, meta->nanoseconds ? 9 : 6));

	/* Constant members, written whole. */
	jsonw_object_begin(j, "event");
	jsonw_members_literal(j, "\"dataset\":\"xffwatch.audit\",\"kind\":\"event\","
				 "\"category\":[\"web\"],\"type\":[\"access\"]");
	if (meta->status)
		jsonw_uint(j, "duration", meta->duration_ns);
	jsonw_object_end(j);

	jsonw_object_begin(j, "client");
	client_address(j, "ip", &res->client, meta->pseudo, meta->client_text);
	jsonw_object_end(j);
	/* An untrusted peer is a client itself. */
	endpoint(j, "source", &req->saddr, req->sport, res->peer_trusted ? NULL : meta->pseudo,
		 meta->source_text, meta->owner[XFFW_DIR_REQUEST], meta);
	endpoint(j, "destination", &req->daddr, req->dport, NULL, NULL,
		 meta->owner[XFFW_DIR_RESPONSE], meta);

	jsonw_member(j, "network");
	if (req->saddr.family == 4)
		jsonw_literal(j, "{\"transport\":\"tcp\",\"type\":\"ipv4\"}");
	else
		jsonw_literal(j, "{\"transport\":\"tcp\",\"type\":\"ipv6\"}");

	jsonw_object_begin(j, "http");
	jsonw_object_begin(j, "request");
	{
		struct str method = cut(meta, req->method, AUDIT_SHORT_TEXT);

		jsonw_string(j, "method", method.p, method.len);
	}
	jsonw_object_end(j);
	if (meta->status) {
		jsonw_object_begin(j, "response");
		jsonw_uint(j, "status_code", meta->status);
		jsonw_object_end(j);
	}
	if (req->version.len) {
		struct str version = cut(meta, req->version, AUDIT_SHORT_HOP);

		jsonw_string(j, "version", version.p, version.len);
	}
	jsonw_object_end(j);

	url(j, req, meta);

	if (!meta->hide_user_agent && req_field_count(req, XFFW_F_USER_AGENT, &ua)) {
		jsonw_object_begin(j, "user_agent");
		field_value(j, "original", ua, meta);
		jsonw_object_end(j);
	}

	if (meta->ifname) {
		jsonw_object_begin(j, "observer");
		if (meta->egress) /* (literal keys: no strlen) */
			jsonw_object_begin(j, "egress");
		else
			jsonw_object_begin(j, "ingress");
		jsonw_object_begin(j, "interface");
		host_string(j, "name", meta->ifname, meta);
		jsonw_object_end(j);
		jsonw_object_end(j);
		jsonw_object_end(j);
	}
	if (meta->peer && meta->peer->container_id[0]) {
		jsonw_object_begin(j, "container");
		host_string(j, "id", meta->peer->container_id, meta);
		if (meta->peer->container_name[0])
			host_string(j, "name", meta->peer->container_name, meta);
		if (meta->peer->runtime[0])
			host_string(j, "runtime", meta->peer->runtime, meta);
		jsonw_object_end(j);
	}

	jsonw_object_begin(j, "xffwatch");
	if (meta->no_response)
		jsonw_cstring(j, "no_response", meta->no_response);
	if (meta->bridge)
		host_string(j, "bridge", meta->bridge, meta);
	if (meta->peer && (meta->peer->netns[0] || meta->peer->peer_ifname[0])) {
		jsonw_object_begin(j, "peer");
		if (meta->peer->netns[0])
			host_string(j, "netns", meta->peer->netns, meta);
		if (meta->peer->peer_ifname[0])
			host_string(j, "interface", meta->peer->peer_ifname, meta);
		jsonw_object_end(j);
	}
	if (meta->owner[XFFW_DIR_REQUEST] && meta->owner[XFFW_DIR_RESPONSE]) {
		jsonw_object_begin(j, "identity");
		socket_identity(j, "source", meta->owner[XFFW_DIR_REQUEST], meta);
		socket_identity(j, "destination", meta->owner[XFFW_DIR_RESPONSE], meta);
		jsonw_object_end(j);
	}
	if (meta->shorten)
		jsonw_bool(j, "shortened", true);
	audit_proxy_protocol(j, req, meta->pseudo, meta->shorten);
	trust(j, res, meta);
	jsonw_array_begin(j, "findings");
	for (unsigned int f = 0; f < FINDING__MAX; f++) {
		if (event_findings(res, meta) & (1U << f)) {
			struct str name = finding_str(f);

			jsonw_string(j, NULL, name.p, name.len);
		}
	}
	jsonw_array_end(j);
	/* The raw header values hold the very addresses pseudonymisation hides. */
	if (!meta->pseudo || meta->pseudo->mode == PSEUDO_NONE) {
		if (!meta->shorten)
			forwarded(j, req, meta);
	} else {
		jsonw_object_begin(j, "pseudonymized");
		if (meta->pseudo->mode == PSEUDO_TRUNCATE) {
			jsonw_cstring(j, "method", "truncate");
		} else {
			jsonw_cstring(j, "method", "hmac-sha256");
			jsonw_cstring(j, "key_id", meta->pseudo->key_id);
		}
		jsonw_object_end(j);
	}
	jsonw_object_end(j);

	jsonw_object_end(j);
	jsonw_newline(j);
}

void audit_event_init(struct audit_event *ev)
{
	memset(ev, 0, sizeof(*ev));
	jsonw_init(&ev->whole);
	jsonw_init(&ev->brief);
}

void audit_event_free(struct audit_event *ev)
{
	jsonw_free(&ev->whole);
	jsonw_free(&ev->brief);
}

const struct sink_event *audit_event_brief(struct audit_event *ev)
{
	if (!ev->brief_made) {
		ev->brief_made = true;
		ev->meta.shorten = true;
		jsonw_reset(&ev->brief);
		audit_format(&ev->brief, ev->req, ev->res, &ev->meta);
		ev->short_e = (struct sink_event){ .line = ev->brief.buf,
						   .len = ev->brief.len,
						   .is_short = true };
		audit_summary(&ev->short_e, ev->req, ev->res, &ev->meta, ev->short_findings,
			      sizeof(ev->short_findings));
		ev->meta.shorten = false;
	}
	return ev->brief.failed ? NULL : &ev->short_e;
}

const struct sink_event *audit_event_short(void *ctx)
{
	struct audit_event *ev = ctx;

	ev->short_made = true;
	return audit_event_brief(ev);
}

const struct sink_event *audit_event_make(struct audit_event *ev, const struct http_request *req,
					  const struct resolution *res,
					  const struct audit_meta *meta, bool structured)
{
	ev->req = req;
	ev->res = res;
	ev->meta = *meta;
	ev->meta.shorten = false;
	/* Structured data only for syslog outputs: files and stdout take the line alone. */
	ev->meta.client_text = structured ? ev->client : NULL;
	ev->meta.source_text = structured ? ev->source : NULL;
	ev->brief_made = ev->short_made = false;
	jsonw_reset(&ev->whole);
	audit_format(&ev->whole, req, res, &ev->meta);
	/* Too long for some queue (or no memory for it): the short form, everywhere. */
	if (ev->whole.failed || ev->whole.len > AUDIT_EVENT_MAX)
		return audit_event_short(ev);
	ev->e = (struct sink_event){ .line = ev->whole.buf,
				     .len = ev->whole.len,
				     .shorten = audit_event_short,
				     .shorten_ctx = ev };
	if (structured)
		audit_summary(&ev->e, req, res, &ev->meta, ev->findings, sizeof(ev->findings));
	return &ev->e;
}
