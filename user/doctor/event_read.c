// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "doctor/event_read.h"
#include "identity/owner_cache.h"
#include "trust/rules.h"
#include "util/text_hash.h"

/* Copies a JSON string into @out (cut to fit); "" when absent or not a string. */
static void copy_value(json_t *v, char *out, size_t outlen)
{
	size_t n;

	out[0] = '\0';
	if (!json_is_string(v))
		return;
	n = json_string_length(v);
	if (n >= outlen)
		n = outlen - 1;
	memcpy(out, json_string_value(v), n);
	out[n] = '\0';
	/* A NUL inside (\u0000) ends it: what follows is not an address anyway. */
}

/* The same for the member @key of @obj. */
static void copy_str(json_t *obj, const char *key, char *out, size_t outlen)
{
	copy_value(json_object_get(obj, key), out, outlen);
}

static json_t *path2(json_t *root, const char *a, const char *b)
{
	return json_object_get(json_object_get(root, a), b);
}

static void read_addr(json_t *obj, struct obs_addr *a)
{
	copy_str(obj, "ip", a->text, sizeof(a->text));
	a->is_addr = ip_parse(a->text, strlen(a->text), &a->addr) == 0;
}

/* "2026-11-27T11:49:40.602241Z" as nanoseconds since the epoch, or 0. */
static uint64_t parse_time(const char *s)
{
	struct tm tm;
	const char *p;
	uint64_t ns = 0, scale = 1000000000ULL;

	memset(&tm, 0, sizeof(tm));
	p = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm);
	if (!p)
		return 0;
	if (*p == '.')
		for (p++; *p >= '0' && *p <= '9'; p++)
			if (scale > 1) {
				scale /= 10;
				ns += (uint64_t)(*p - '0') * scale;
			}
	if (*p != 'Z')
		return 0;
	time_t t = timegm(&tm);
	if (t < 0)
		return 0;
	return (uint64_t)t * 1000000000ULL + ns;
}

static unsigned int header_id(const char *key)
{
	return strcmp(key, "peer") ? field_by_key(key) : 0;
}

static void read_trust(json_t *root, struct observation *o)
{
	json_t *trust = path2(root, "xffwatch", "trust");
	json_t *chain = json_object_get(trust, "chain"),
	       *len = json_object_get(trust, "chain_length");
	char key[32];
	size_t n = json_array_size(chain), first = 0;

	o->peer_trusted = json_is_true(json_object_get(trust, "peer_trusted"));
	o->peer_by_owner =
		json_is_string(json_object_get(trust, "peer_rule")) &&
		!strcmp(json_string_value(json_object_get(trust, "peer_rule")), "trust-local");
	copy_str(trust, "header", key, sizeof(key));
	o->header = header_id(key);
	o->client_from_pp = !strcmp(key, "proxy-protocol");
	if (n > OBS_HOPS_MAX)
		first = n - OBS_HOPS_MAX;
	for (size_t i = first; i < n; i++)
		copy_value(json_array_get(chain, i), o->hops[o->nhops++], OBS_HOP_TEXT);
	o->chain_length = n;
	/* More hops than a request can hold (one byte and a comma each) is not an event's. */
	if (json_is_integer(len) && json_integer_value(len) > (json_int_t)n &&
	    json_integer_value(len) <= REQ_DATA_MAX)
		o->chain_length = (size_t)json_integer_value(len);
}

/* A uid as the event writes it ("33"): decimal, below 2^32 - 1. */
static bool parse_uid(const char *s, uint32_t *uid)
{
	uint64_t n = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		n = n * 10 + (uint64_t)(*s - '0');
		if (n >= UINT32_MAX)
			return false;
	}
	*uid = (uint32_t)n;
	return true;
}

/* The peer's socket's owner: xffwatch.identity.source, source.user. */
static void read_owner(json_t *root, struct observation *o)
{
	json_t *id = json_object_get(path2(root, "xffwatch", "identity"), "source");
	json_t *user = path2(root, "source", "user");
	struct obs_owner *w = &o->owner;
	char seen[16], uid[16];

	if (!json_is_object(id))
		return;
	w->given = true;
	copy_str(id, "seen", seen, sizeof(seen));
	w->seen = sock_seen_by_name(seen);
	if (w->seen != XFFW_SOCK_LOCAL)
		return;
	copy_str(user, "id", uid, sizeof(uid));
	w->uid_known = parse_uid(uid, &w->uid);
	copy_str(user, "name", w->user, sizeof(w->user));
	copy_str(json_object_get(id, "cgroup"), "path", w->cgroup, sizeof(w->cgroup));
	copy_str(id, "unit", w->unit, sizeof(w->unit));
	copy_str(json_object_get(id, "container"), "id", w->container, sizeof(w->container));
}

static void read_findings(json_t *root, struct observation *o)
{
	json_t *f = path2(root, "xffwatch", "findings");
	size_t i;
	json_t *v;

	json_array_foreach(f, i, v)
	{
		if (!json_is_string(v))
			continue;
		for (unsigned int b = 0; b < FINDING__MAX; b++)
			if (!strcmp(json_string_value(v), finding_name(b)))
				o->findings |= 1U << b;
	}
}

const char *const obs_pp_finding_names[OBS_PP__MAX] = {
#define OBS_PP_NAME_(id, name) [OBS_PP_##id] = name,
	OBS_PP_FINDINGS(OBS_PP_NAME_)
#undef OBS_PP_NAME_
};

static void read_pp_findings(json_t *root, struct observation *o)
{
	size_t i;
	json_t *v;

	json_array_foreach(path2(root, "xffwatch", "findings"), i, v)
	{
		if (!json_is_string(v))
			continue;
		for (unsigned int b = 0; b < OBS_PP__MAX; b++)
			if (!strcmp(json_string_value(v), obs_pp_finding_names[b]))
				o->pp_findings |= 1U << b;
	}
}

/* The index of @s in @names (@n of them, NUL-terminated @s), or @none. */
static uint8_t name_index(const char *s, const char *const *names, uint8_t n, uint8_t none)
{
	for (uint8_t i = 0; i < n; i++)
		if (names[i] && !strcmp(s, names[i]))
			return i;
	return none;
}

const char *const obs_pp_command_names[OBS_PP_COMMANDS] = {
	[PP_CMD_PROXY] = "PROXY",
	[PP_CMD_LOCAL] = "LOCAL",
	[PP_CMD_UNKNOWN] = "UNKNOWN",
};

/* xffwatch.proxy_protocol (docs/audit-event.md): what the doctor needs of it. */
static void read_pp(json_t *root, struct observation *o)
{
	static const char *const states[] = {
		[REQ_PP_OK] = "ok",
		[REQ_PP_MALFORMED] = "malformed",
		[REQ_PP_TRUNCATED] = "truncated",
		[REQ_PP_LOST] = "lost",
	};
	json_t *pp = path2(root, "xffwatch", "proxy_protocol");
	json_t *version = json_object_get(pp, "version"), *src = json_object_get(pp, "source");
	json_t *port = json_object_get(src, "port");
	char text[16];
	struct obs_pp *p = &o->pp;

	if (!json_is_object(pp))
		return;
	copy_str(pp, "state", text, sizeof(text));
	/* An object with a state it does not know: a preamble all the same, not parsed. */
	p->state = name_index(text, states, sizeof(states) / sizeof(states[0]), REQ_PP_MALFORMED);
	if (json_is_integer(version) &&
	    (json_integer_value(version) == 1 || json_integer_value(version) == 2))
		p->version = (uint8_t)json_integer_value(version);
	copy_str(pp, "command", text, sizeof(text));
	p->command = name_index(text, obs_pp_command_names, OBS_PP_COMMANDS, 0);
	copy_str(pp, "error", p->error, sizeof(p->error));
	if (!json_is_object(src))
		return;
	p->has_addr = true;
	read_addr(src, &p->source);
	if (json_is_integer(port) && json_integer_value(port) >= 0 &&
	    json_integer_value(port) <= 65535)
		p->sport = (unsigned int)json_integer_value(port);
}

static void read_forwarded(json_t *root, struct observation *o)
{
	json_t *fw = path2(root, "xffwatch", "forwarded");
	const char *key;
	json_t *v;

	json_object_foreach(fw, key, v)
	{
		unsigned int id = field_by_key(key);

		if (id && json_array_size(v))
			o->present |= 1U << id;
	}
	copy_value(json_array_get(json_object_get(fw, "x-forwarded-for"), 0), o->xff_raw,
		   sizeof(o->xff_raw));
	o->nclient_raw = 0;
	for (size_t i = 0; i < TRUST_MAX_HEADERS; i++) {
		unsigned int id = trust_client_headers[i];
		char *raw = o->client_raw[o->nclient_raw];

		if (id == TRUST_PROXY_PROTOCOL || !(o->present & (1U << id)))
			continue;
		copy_value(json_array_get(json_object_get(fw, field_key(id)), 0), raw,
			   OBS_RAW_TEXT);
		if (raw[0])
			o->client_raw_id[o->nclient_raw++] = id;
	}
}

/* FNV-1a of the User-Agent: enough to count distinct ones. */
static void read_user_agent(json_t *root, struct observation *o)
{
	json_t *ua = path2(root, "user_agent", "original");

	if (!json_is_string(ua))
		return;
	o->ua_hash = text_hash(json_string_value(ua), json_string_length(ua));
	o->has_ua = true;
}

static void read_listener(json_t *root, struct observation *o)
{
	json_t *obs = json_object_get(root, "observer");
	json_t *port = path2(root, "destination", "port");

	o->port = json_is_integer(port) && json_integer_value(port) > 0 &&
				  json_integer_value(port) <= 65535
			  ? (unsigned int)json_integer_value(port)
			  : 0;
	json_t *dir = json_object_get(obs, "ingress");
	if (!dir)
		dir = json_object_get(obs, "egress");
	copy_str(json_object_get(dir, "interface"), "name", o->iface, sizeof(o->iface));
}

int observation_read(const char *line, size_t len, struct observation *o)
{
	json_error_t err;
	json_t *root, *ev, *status;
	char dataset[32];
	int rc = -EBADMSG;

	memset(o, 0, sizeof(*o));
	if (len > OBS_LINE_MAX)
		return -EBADMSG;
	root = json_loadb(line, len, 0, &err);
	if (!json_is_object(root))
		goto out;
	ev = json_object_get(root, "event");
	copy_str(ev, "dataset", dataset, sizeof(dataset));
	if (strcmp(dataset, "xffwatch.audit") || !json_is_object(json_object_get(root, "source")))
		goto out;
	copy_str(root, "@timestamp", o->timestamp, sizeof(o->timestamp));
	o->ts_ns = parse_time(o->timestamp);
	read_addr(json_object_get(root, "source"), &o->source);
	read_addr(json_object_get(root, "client"), &o->client);
	read_listener(root, o);
	read_trust(root, o);
	read_owner(root, o);
	read_findings(root, o);
	read_pp_findings(root, o);
	read_pp(root, o);
	read_forwarded(root, o);
	copy_str(path2(root, "http", "request"), "method", o->method, sizeof(o->method));
	copy_str(json_object_get(root, "url"), "path", o->path, sizeof(o->path));
	status = json_object_get(path2(root, "http", "response"), "status_code");
	if (json_is_integer(status) && json_integer_value(status) >= 0 &&
	    json_integer_value(status) < 1000)
		o->status = (unsigned int)json_integer_value(status);
	o->pseudonymized = json_is_object(path2(root, "xffwatch", "pseudonymized"));
	read_user_agent(root, o);
	rc = o->port ? 0 : -EBADMSG;
out:
	json_decref(root);
	return rc;
}

bool observation_pp_usable(const struct observation *o)
{
	return o->pp.state == REQ_PP_OK && o->pp.command == PP_CMD_PROXY && o->pp.has_addr;
}

bool observation_has_client_header(const struct observation *o)
{
	return observation_pp_usable(o) || observation_has_forwarding_header(o);
}

bool observation_has_forwarding_header(const struct observation *o)
{
	for (size_t i = 0; i < TRUST_MAX_HEADERS; i++)
		/* (proxy-protocol, past the field ids, is no header: the preamble is apart) */
		if (trust_client_headers[i] < XFFW_F__MAX &&
		    (o->present & (1U << trust_client_headers[i])))
			return true;
	/* Pseudonymised events leave the raw headers out: the chain of the header the rule read remains. */
	return o->chain_length > 0 || o->header != 0;
}
