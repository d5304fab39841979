// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: the daemon's own path, from kernel records to syslog messages.
 *
 * The input is a configuration and a script. The script becomes kernel
 * records on a few flows (request heads through the extractor twin, request
 * parts as they are, responses, flow ends, time passing) that go to the
 * tracker as the ring-buffer callback hands them over; each exchange it gives
 * back goes the way cmd/daemon.c's on_exchange() takes it: the rule trust_pick()
 * finds, trust_resolve(), audit_event_make() (the event the outputs take: the
 * short form past AUDIT_EVENT_MAX), the short form through sink_event.shorten
 * for every exchange, and syslog_format() into a buffer of the fuzzed datagram
 * size, into one the message always fits, and the short form's into
 * SYSLOG_DGRAM_MAX.
 *
 *   byte 0   the resolution mode (enum mode)
 *   byte 1   its parameter: hops, header, recursive or not
 *   byte 2   bits 0-1 pseudonymisation (none, truncate, hmac), bit 2 keep the
 *            query, bit 3 no user agent, bit 4 a trust trace, bits 5-7 the
 *            datagram size
 *   byte 3   the flows' peers, ports and interfaces
 *   then operations: an opcode byte (mod OP__MAX) and its operands
 *   OP_HEAD      flags, repeat, text to a blank line: a head through head_extract(),
 *                its last line repeated (0-127, then 16 to 2048 times) more times
 *   OP_PART      flags, count, then per field: id, flags, repeat, value to '\n'
 *   OP_RESPONSE  flow, which request, status
 *   OP_FLOW_END  flow, reason
 *   OP_TIME      n: n * 10 ms pass
 *   OP_NOT_HTTP  flow, reason
 *   an opcode byte from OP_OWNER_BYTE up: OWNER, see op_owner(): the sockets'
 *                owners the flow's records carry, and every rule's --trust-local
 *   an opcode byte from OP_PREAMBLE_BYTE to OP_OWNER_BYTE: PREAMBLE, see
 *                op_preamble(): a part of a flow's PROXY preamble, raw bytes, and
 *                every rule's --proxy-protocol mode
 *
 * Besides not crashing: each event is one line of valid JSON with client.ip
 * as audit_format() reported it, and each syslog message that fits is one
 * line with no NUL that ends in the event. The short form is at most
 * AUDIT_SHORT_MAX bytes, says xffwatch.shortened and truncated (in the JSON
 * and in the structured data), and always fits a datagram. With
 * --trust-local, a local peer's owner alone decides (check_by_owner()).
 */
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event/audit_event.h"
#include "pipeline/extract_twin.h"
#include "event/pseudonym.h"
#include "cmd/options.h"
#include "event/syslog_message.h"
#include "output/syslog_framing.h"
#include "pipeline/tracker.h"
#include "trust/rule_settings.h"
#include "trust/rules.h"

#define FLOWS	  4
#define MS	  1000000ULL
/* Bytes of heads and values built from one input: bounds the time per input. */
#define WORK_MAX  (4U << 20)
/* Longest head built (the kernel gives up on a head at XFFW_HEAD_HARD_MAX). */
#define HEAD_MAX  (XFFW_HEAD_HARD_MAX + 16384)
/* Records one head may become. */
#define PARTS_MAX 64
/* 2026-11-27T11:40:00Z, the realtime clock when the monotonic one was 0. */
#define EPOCH	  1795779600

enum mode {
	MODE_HOPS,	 /* --hops N: X-Forwarded-For or Forwarded */
	MODE_RECURSIVE,	 /* CIDR trust, real_ip_recursive on */
	MODE_RIGHTMOST,	 /* --no-recursive */
	MODE_FORWARDED,	 /* --header forwarded */
	MODE_SINGLE_IP,	 /* X-Real-IP, CF-Connecting-IP or True-Client-IP */
	MODE_EXTERNAL,	 /* --external-proxy */
	MODE_LISTENERS,	 /* several --listener rules, by port and interface, and the global one */
	MODE_PREFERENCE, /* every client header, in an order of preference */
	MODE__MAX,
};

enum op { OP_HEAD, OP_PART, OP_RESPONSE, OP_FLOW_END, OP_TIME, OP_NOT_HTTP, OP__MAX };
/* Opcode bytes from this one up are OWNER (the others are taken mod OP__MAX, as before). */
#define OP_OWNER_BYTE	 0xf0
/* Opcode bytes from this one to OP_OWNER_BYTE are PREAMBLE. */
#define OP_PREAMBLE_BYTE 0xe0

struct flow {
	uint64_t id;
	uint32_t msg;	   /* the request being built, or the next one */
	uint32_t answered; /* the next request to answer */
	uint16_t part;	   /* next part of the request being built */
	bool open;	   /* a request is being built part by part */
	unsigned int peer, port, link;
	struct xffw_sock_id sock[2]; /* what its records say of the sockets (OP_OWNER) */
	uint64_t conn;		     /* its connection: the first id, kept across a desync */
	uint16_t pp_flags; /* XFFW_REC_F_PP_SEEN, _PROXIED: its records say (OP_PREAMBLE) */
	uint16_t pp_part;  /* the next part of its preamble */
};

/* Interfaces by ifindex; ifindex 5 is one the daemon does not know. */
static const struct {
	const char *name, *bridge;
} links[] = {
	{ NULL, NULL },	     { "lo", NULL }, { "eth0", NULL }, { "veth1a2b", "docker0" },
	{ "docker0", NULL }, { NULL, NULL },
};
#define NLINKS (sizeof(links) / sizeof(links[0]) - 1)

static const char *const peers[] = {
	"127.0.0.1", "10.1.2.3", "198.51.100.7", "192.0.2.10",
	"::1",	     "fc00::5",	 "2001:db8::9",	 "::ffff:10.0.0.1",
};
#define NPEERS (sizeof(peers) / sizeof(peers[0]))

static const uint16_t ports[] = { 5000, 8000, 8080, 443 };
static const uint16_t statuses[16] = { 200, 204,   304, 101, 404, 500, 100, 0,
				       999, 65535, 301, 503, 206, 418, 103, 200 };
static const size_t datagrams[8] = { 480, 1024, 1472, 2048, 4096, 8192, 16384, 65507 };

static struct ip_cidr trusted[4], external[2];
static struct ip_addr peer_addr[NPEERS];
static const struct link_meta container = { .peer_ifname = "eth0",
					    .container_id = "0123456789ab",
					    .container_name = "app-1",
					    .runtime = "docker" };
static const struct pseudo pseudo_none = { .mode = PSEUDO_NONE };
static const struct pseudo pseudo_truncate = { .mode = PSEUDO_TRUNCATE };
static const struct pseudo pseudo_hmac = {
	.mode = PSEUDO_HMAC, .key = "fuzz-key-0123456789", .keylen = 19, .key_id = "00000000"
};

/*
 * The sockets' owners OP_OWNER picks from: uids (some in this host's user
 * database, some not) and cgroup ids, each id the index + 1 of its path here
 * (0 and ids past the table: a cgroup not found).
 */
static const uint32_t owner_uids[8] = { 0, 33, 1000, 65534, 4, 12345, UINT32_MAX - 1, 1 };
static const char *const owner_cgroups[] = {
	"/system.slice/nginx.service",
	"/system.slice/nginx.service/worker",
	"/user.slice/user-1000.slice/session-3.scope",
	"/system.slice/"
	"docker-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.scope",
	"/kubepods/besteffort/pod1/"
	"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef",
	"/system.slice/nginx.serviced",
	"/",
};
#define NCGROUPS (sizeof(owner_cgroups) / sizeof(owner_cgroups[0]))
/* The --trust-local specs OP_OWNER gives every rule a subset of. */
static const char *const local_specs[] = { "user=33", "group=4", "unit=nginx",
					   "cgroup=/system.slice" };
#define NSPECS (sizeof(local_specs) / sizeof(local_specs[0]))
static struct owner_spec local_spec[NSPECS];

/* Large: kept out of the stack. resolution_free() ends each input. */
static struct resolution res;
static struct trust_trace trace;
static struct audit_event event;
/* XFFW_FUZZ_PRINT=1: each event and syslog message to stderr, to see what a seed does. */
static bool print;

static struct fuzz {
	struct trust_rule rules[5];
	size_t nrules;
	struct owner_spec local[NSPECS]; /* the rules' --trust-local */
	size_t nlocal;
	const struct pseudo *pseudo;
	bool keep_query, hide_user_agent, trace;
	size_t datagram;
	struct flow flow[FLOWS];
	uint64_t now;
	size_t work;
	struct tracker *tracker;
} F;

static void init_once(void)
{
	static const char *const cidrs[] = { "127.0.0.0/8", "::1/128", "10.0.0.0/8", "fc00::/7" };
	static const char *const ext[] = { "192.0.2.0/24", "2001:db8::/48" };
	static bool done;

	if (done)
		return;
	done = true;
	for (size_t i = 0; i < 4; i++)
		if (ip_cidr_parse(cidrs[i], strlen(cidrs[i]), &trusted[i], NULL))
			abort();
	for (size_t i = 0; i < 2; i++)
		if (ip_cidr_parse(ext[i], strlen(ext[i]), &external[i], NULL))
			abort();
	for (size_t i = 0; i < NPEERS; i++)
		if (ip_parse(peers[i], strlen(peers[i]), &peer_addr[i]))
			abort();
	for (size_t i = 0; i < NSPECS; i++)
		if (owner_spec_parse(local_specs[i], &local_spec[i], NULL, 0))
			abort();
	audit_event_init(&event);
	print = getenv("XFFW_FUZZ_PRINT");
}

static struct trust_rule rule(unsigned int port, const char *iface, int hops, bool recursive,
			      const unsigned int *headers, size_t nheaders)
{
	struct trust_rule r = { .port = port,
				.trusted = trusted,
				.ntrusted = 4,
				.nheaders = nheaders,
				.recursive = recursive,
				.hops = hops };

	if (iface)
		strcpy(r.iface, iface);
	memcpy(r.headers, headers, nheaders * sizeof(headers[0]));
	return r;
}

/* The rules of @mode with parameter @p, the last one for any port and interface. */
static void set_rules(enum mode mode, unsigned int p)
{
	static const unsigned int xff[] = { XFFW_F_X_FORWARDED_FOR }, fwd[] = { XFFW_F_FORWARDED },
				  single[] = { XFFW_F_X_REAL_IP, XFFW_F_CF_CONNECTING_IP,
					       XFFW_F_TRUE_CLIENT_IP },
				  xff_real[] = { XFFW_F_X_FORWARDED_FOR, XFFW_F_X_REAL_IP },
				  real_xff[] = { XFFW_F_X_REAL_IP, XFFW_F_X_FORWARDED_FOR },
				  cdn[] = { XFFW_F_CF_CONNECTING_IP, XFFW_F_TRUE_CLIENT_IP,
					    XFFW_F_X_FORWARDED_FOR };
	struct trust_rule *r = F.rules;
	unsigned int all[TRUST_MAX_HEADERS];

	F.nrules = 1;
	switch (mode) {
	case MODE_HOPS:
		/* --hops accepts 0 to TRUST_MAX_HOPS. */
		r[0] = rule(0, NULL, (int)((p & 0x7f) % (TRUST_MAX_HOPS + 1)), true,
			    p & 0x80 ? fwd : xff, 1);
		break;
	case MODE_RECURSIVE:
		r[0] = rule(0, NULL, -1, true, p & 1 ? xff_real : xff, p & 1 ? 2 : 1);
		break;
	case MODE_RIGHTMOST:
		r[0] = rule(0, NULL, -1, false, p & 1 ? xff_real : xff, p & 1 ? 2 : 1);
		break;
	case MODE_FORWARDED:
		r[0] = rule(0, NULL, -1, !(p & 1), fwd, 1);
		break;
	case MODE_SINGLE_IP:
		r[0] = rule(0, NULL, -1, !(p & 4), &single[p % 3], 1);
		break;
	case MODE_EXTERNAL:
		r[0] = rule(0, NULL, -1, !(p & 4),
			    p & 2   ? fwd
			    : p & 1 ? real_xff
				    : xff,
			    p & 1 && !(p & 2) ? 2 : 1);
		r[0].ntrusted = 2; /* loopback only */
		r[0].external = external;
		r[0].nexternal = 2;
		break;
	case MODE_LISTENERS:
		r[0] = rule(8080, NULL, (int)(p % 4), true, xff, 1);
		r[1] = rule(0, "eth0", -1, false, fwd, 1);
		r[2] = rule(5000, "docker0", -1, true, real_xff, 2);
		r[2].external = external;
		r[2].nexternal = 2;
		r[3] = rule(8000, NULL, -1, !(p & 8), cdn, 3);
		r[4] = rule(0, NULL, -1, true, trust_client_headers, TRUST_MAX_HEADERS);
		F.nrules = 5;
		break;
	default:
		/* A rotation of the client headers, some of them. */
		for (size_t i = 0; i < TRUST_MAX_HEADERS; i++)
			all[i] = trust_client_headers[(i + p) % TRUST_MAX_HEADERS];
		r[0] = rule(0, NULL, -1, !(p & 0x80), all, 1 + (p >> 3) % TRUST_MAX_HEADERS);
		break;
	}
}

/* client.ip's text: an address (cut to its network or not), or an HMAC token. */
static bool client_text_ok(const char *t)
{
	struct ip_addr a;
	char again[IP_STR_MAX];
	size_t n = strlen(t);

	if (F.pseudo->mode == PSEUDO_HMAC)
		return n == PSEUDO_TOKEN_HEX && strspn(t, "0123456789abcdef") == n;
	if (ip_parse(t, n, &a))
		return false;
	/* As written without pseudonymisation: the resolved client, formatted. */
	return F.pseudo->mode != PSEUDO_NONE ||
	       (ip_format(&res.client, again) == n && !memcmp(again, t, n));
}

/* Is @word one of the space-separated words of @list? */
static bool has_word(const char *list, const char *word)
{
	size_t n = strlen(word);

	for (const char *p = list; (p = strstr(p, word)); p += n)
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || !p[n]))
			return true;
	return false;
}

/*
 * An event: one line, no NUL, valid JSON, and client.ip as audit_format()
 * said. The short form (@brief): at most AUDIT_SHORT_MAX bytes, with
 * xffwatch.shortened and finding truncated; the whole one without shortened.
 */
static void check_event(const struct jsonw *j, const char *client, const char *source, bool brief)
{
	json_error_t err;
	json_t *doc, *ip, *xw, *findings, *f;
	bool truncated = false;
	size_t i;

	if (j->failed || !j->len || j->buf[j->len - 1] != '\n' ||
	    memchr(j->buf, '\n', j->len - 1) || memchr(j->buf, '\0', j->len))
		abort();
	if (brief && j->len > AUDIT_SHORT_MAX)
		abort();
	doc = json_loadb(j->buf, j->len, JSON_ALLOW_NUL, &err);
	if (!doc || !json_is_object(doc))
		abort();
	ip = json_object_get(json_object_get(doc, "client"), "ip");
	if (!json_is_string(ip) || strcmp(json_string_value(ip), client) || !client_text_ok(client))
		abort();
	ip = json_object_get(json_object_get(doc, "source"), "ip");
	if (!json_is_string(ip) || strcmp(json_string_value(ip), source))
		abort();
	/* Pseudonymised: the raw headers, which hold the addresses, are not written. */
	xw = json_object_get(doc, "xffwatch");
	if (!json_is_object(xw) ||
	    (F.pseudo->mode != PSEUDO_NONE && json_object_get(xw, "forwarded")))
		abort();
	findings = json_object_get(xw, "findings");
	if (!json_is_array(findings))
		abort();
	for (i = 0; i < json_array_size(findings); i++) {
		f = json_array_get(findings, i);
		truncated |= json_is_string(f) && !strcmp(json_string_value(f), "truncated");
	}
	if (brief && (!json_is_true(json_object_get(xw, "shortened")) || !truncated ||
		      json_object_get(xw, "forwarded")))
		abort();
	if (!brief && json_object_get(xw, "shortened"))
		abort();
	json_decref(doc);
}

/*
 * The RFC 5424 message into exactly @cap bytes (so that ASan sees a write
 * past them): if it fits, one line without NUL whose message is the event,
 * and whose structured data lists e->findings.
 */
static void check_syslog(const struct sink_event *e, size_t cap, bool must_fit)
{
	char *buf = malloc(cap), sd[AUDIT_FINDINGS_TEXT_MAX + 16];
	size_t n = syslog_format(buf, cap, e, 16, "fuzz-host", 4242);
	size_t msg = e->len - 1;

	if (must_fit && !n)
		abort();
	if (print && n && must_fit)
		fprintf(stderr, "%.*s\n", (int)n, buf);
	if (n && (n > cap || buf[0] != '<' || memchr(buf, '\n', n) || memchr(buf, '\0', n) ||
		  n < msg || memcmp(buf + n - msg, e->line, msg)))
		abort();
	snprintf(sd, sizeof(sd), " findings=\"%s\"] ", e->findings);
	if (n && e->findings[0] && !memmem(buf, n, sd, strlen(sd)))
		abort();
	free(buf);
}

/*
 * What the owner cache would say of @id, the cgroup tree being
 * owner_cgroups[] and the user database this host's (as the daemon has it).
 */
static void owner_of(const struct xffw_sock_id *id, struct sock_owner *o)
{
	static struct owner_cache *cache;

	if (!cache)
		cache = owner_cache_new(
			&(struct owner_cache_config){ .cgroup_root = "/nonexistent" });
	if (!cache)
		abort();
	if (id->seen != XFFW_SOCK_LOCAL) {
		owner_resolve(cache, id, F.now, o);
		if (o->seen != id->seen || o->user_known || o->cgroup_known)
			abort();
		return;
	}
	owner_given(cache, id->uid,
		    id->cgroup_id && id->cgroup_id <= NCGROUPS ? owner_cgroups[id->cgroup_id - 1]
							       : "",
		    o);
	o->cgroup_id = id->cgroup_id;
	if (o->uid != id->uid || o->seen != XFFW_SOCK_LOCAL)
		abort();
}

/* --trust-local as docs/trust.md says it: the owner decides for a local peer, and only then. */
static void check_by_owner(const struct trust_rule *r, const struct http_request *req,
			   const struct sock_owner *peer)
{
	bool local = r->nlocal && peer->seen == XFFW_SOCK_LOCAL, match = false;

	for (size_t i = 0; i < r->nlocal; i++)
		match |= owner_spec_matches(&r->local[i], peer);
	if (res.peer_by_owner != local)
		abort();
	if (!local) {
		if (res.findings & (1U << FINDING_UNEXPECTED_LOCAL_PROCESS))
			abort();
		return;
	}
	if (res.peer_trusted != match || res.peer_external)
		abort();
	if (!match) {
		/* The client is the peer; its headers are reported as from a local process. */
		if (!ip_equal(&res.client, &req->saddr) || res.source ||
		    (res.findings &
		     (1U << FINDING_SPOOFED_HEADER | 1U << FINDING_HOPS_FROM_UNTRUSTED_PEER)))
			abort();
	} else if (res.findings & (1U << FINDING_UNEXPECTED_LOCAL_PROCESS |
				   1U << FINDING_HOPS_FROM_UNTRUSTED_PEER)) {
		abort();
	}
}

/* What cmd/daemon.c's on_exchange() does (audit_event_make), with every output checked. */
static void on_exchange(void *ctx, const struct exchange *x)
{
	const struct http_request *req = x->req;
	unsigned int li = req->ifindex < NLINKS ? req->ifindex : 0;
	struct audit_meta meta = { 0 };
	const struct sink_event *e, *brief;
	const struct trust_rule *r;
	static struct sock_owner owner[2];

	(void)ctx;
	meta.when = (struct timespec){ EPOCH + (time_t)(req->ts_ns / 1000000000),
				       (long)(req->ts_ns % 1000000000) };
	meta.ifname = links[li].name;
	meta.bridge = links[li].bridge;
	meta.peer = meta.bridge ? &container : NULL;
	meta.egress = req->rec_flags & XFFW_REC_F_EGRESS;
	meta.status = x->status;
	meta.pseudo = F.pseudo;
	meta.keep_query = F.keep_query;
	meta.hide_user_agent = F.hide_user_agent;
	if (x->status && x->response_ns > req->ts_ns)
		meta.duration_ns = x->response_ns - req->ts_ns;
	for (int i = 0; i < 2; i++) {
		owner_of(&req->sock[i], &owner[i]);
		meta.owner[i] = &owner[i];
	}
	/* A rule for a bridge covers its ports; the last rule takes everything. */
	r = trust_pick(F.rules, F.nrules, req->dport, meta.bridge ? meta.bridge : meta.ifname);
	if (!r)
		abort();
	if (F.trace)
		memset(&trace, 0, sizeof(trace));
	trust_resolve(r, req, meta.owner[XFFW_DIR_REQUEST], &res, F.trace ? &trace : NULL);
	if (trace.len >= sizeof(trace.text) || strlen(trace.text) != trace.len)
		abort();
	check_by_owner(r, req, meta.owner[XFFW_DIR_REQUEST]);
	if (!x->status) {
		res.findings |= 1U << FINDING_NO_RESPONSE;
		meta.no_response = no_response_reason_name(x->no_response);
	}
	/* The event every output takes: the whole one, unless it is too long for a queue. */
	e = audit_event_make(&event, req, &res, &meta, true);
	if (!e || e->is_short != (event.whole.len > AUDIT_EVENT_MAX) ||
	    strlen(event.findings) >= sizeof(event.findings))
		abort();
	check_event(&event.whole, event.client, event.source, false);
	/* The short form, as a datagram output asks for it (or past AUDIT_EVENT_MAX). */
	brief = e->is_short ? e : e->shorten(e->shorten_ctx);
	if (!brief || brief != audit_event_short(&event) || !event.short_made)
		abort();
	check_event(&event.brief, event.client, event.source, true);
	if (strlen(event.short_findings) >= sizeof(event.short_findings) ||
	    !has_word(event.short_findings, "truncated"))
		abort();
	/* Whatever the whole event's size, its short form fits a datagram. */
	check_syslog(brief, SYSLOG_DGRAM_MAX, true);
	check_syslog(e, F.datagram, false);
	/* Room for the message, the parameters escaped (method and path are in it too). */
	check_syslog(e, 3 * e->len + 4096, true);
}

/* A record of the flow at @f, the tuple filled in. */
static void record_hdr(struct xffw_record_hdr *h, uint8_t type, const struct flow *f)
{
	const struct ip_addr *a = &peer_addr[f->peer];
	static const uint8_t app4[4] = { 127, 0, 0, 1 }, app6[16] = { [15] = 1 };

	memset(h, 0, sizeof(*h));
	h->ts_ns = F.now;
	h->flow_id = f->id;
	h->abi_version = XFFW_ABI_VERSION;
	h->type = type;
	h->family = a->family == 4 ? XFFW_FAMILY_IPV4 : XFFW_FAMILY_IPV6;
	memcpy(h->saddr, a->b, 16);
	memcpy(h->daddr, a->family == 4 ? app4 : app6, a->family == 4 ? 4 : 16);
	h->ifindex = f->link;
	h->sport = (uint16_t)(40000 + f->id);
	h->dport = ports[f->port];
	h->conn_id = f->conn;
	h->flags = f->pp_flags;
	memcpy(h->sock, f->sock, sizeof(h->sock));
}

/* To the tracker in a copy of exactly its size, so that ASan sees any read past it. */
static void feed(const struct xffw_record_hdr *h, const uint8_t *data, size_t len)
{
	uint8_t *copy = malloc(sizeof(*h) + len);

	memcpy(copy, h, sizeof(*h));
	if (len)
		memcpy(copy + sizeof(*h), data, len);
	tracker_record(F.tracker, copy, sizeof(*h) + len, F.now);
	free(copy);
}

static void flow_renew(struct flow *f)
{
	f->id += FLOWS;
	f->conn = f->id;
	f->pp_flags = 0;
	f->pp_part = 0;
	f->msg = f->answered = 0;
	f->part = 0;
	f->open = false;
}

struct parts {
	struct xffw_record *rec[PARTS_MAX];
	size_t size[PARTS_MAX], n;
};

static void collect(void *ctx, const struct xffw_record *rec, size_t size)
{
	struct parts *ps = ctx;

	if (ps->n == PARTS_MAX)
		return;
	ps->rec[ps->n] = malloc(size);
	memcpy(ps->rec[ps->n], rec, size);
	ps->size[ps->n++] = size;
}

/* Where the head's text ends: after its blank line, or at @end. */
static const uint8_t *head_end(const uint8_t *p, const uint8_t *end)
{
	for (const uint8_t *q = p; q < end; q++) {
		if (*q != '\n')
			continue;
		if (q + 1 < end && q[1] == '\n')
			return q + 2;
		if (q + 2 < end && q[1] == '\r' && q[2] == '\n')
			return q + 3;
	}
	return end;
}

/*
 * OP_HEAD: flags (bits 0-1 flow, 2 egress, 3 resync, 4 a 512-byte budget,
 * 5-7 what becomes of the parts: 4 first lost, 5 last lost, 6 each twice,
 * 7 in reverse), repeat, text.
 */
static const uint8_t *op_head(const uint8_t *p, const uint8_t *end)
{
	struct flow *f;
	const uint8_t *text, *stop;
	size_t len, body, line, k, n = 0, order[2 * PARTS_MAX], norder = 0;
	struct parts ps = { .n = 0 };
	enum head_status st;
	uint8_t s, *head;

	if (end - p < 2)
		return end;
	s = *p++;
	/* 0-127 times, then in steps of 16 up to 2048: long heads from short inputs. */
	k = *p < 128 ? *p : (size_t)(*p - 127) * 16;
	p++;
	f = &F.flow[s & 3];
	text = p;
	stop = head_end(p, end);
	len = (size_t)(stop - text);
	/* The last line before the blank one is repeated k more times. */
	body = len;
	if (len >= 2 && text[len - 1] == '\n' && text[len - 2] == '\n')
		body = len - 1;
	else if (len >= 3 && text[len - 1] == '\n' && text[len - 2] == '\r' &&
		 text[len - 3] == '\n')
		body = len - 2;
	line = body && text[body - 1] == '\n' ? body - 1 : body;
	while (line && text[line - 1] != '\n')
		line--;
	if (body > line && len + k * (body - line) > HEAD_MAX)
		k = len < HEAD_MAX ? (HEAD_MAX - len) / (body - line) : 0;
	/* Exactly its size: ASan sees the twin read past the payload. */
	head = malloc(len + k * (body - line) ? len + k * (body - line) : 1);
	memcpy(head, text, body);
	n = body;
	for (size_t i = 0; i < k; i++, n += body - line)
		memcpy(head + n, text + line, body - line);
	memcpy(head + n, text + body, len - body);
	n += len - body;
	F.work += n;

	st = head_extract(head, n, ~0U, s & 0x10 ? 512 : XFFW_HEAD_BUDGET, collect, &ps);
	free(head);
	if (f->open)
		f->msg++;
	f->open = false;
	for (size_t i = 0; i < ps.n; i++) {
		switch (s >> 5) {
		case 4:
			if (i == 0 && ps.n > 1)
				continue;
			break;
		case 5:
			if (i == ps.n - 1 && ps.n > 1)
				continue;
			break;
		case 6:
			order[norder++] = i;
			break;
		case 7:
			order[norder++] = ps.n - 1 - i;
			continue;
		}
		order[norder++] = i;
	}
	for (size_t i = 0; i < norder; i++) {
		struct xffw_record *rec = ps.rec[order[i]];
		struct xffw_record_hdr h;

		record_hdr(&h, XFFW_REC_REQUEST, f);
		h.flags = (uint16_t)(h.flags | rec->hdr.flags | (s & 4 ? XFFW_REC_F_EGRESS : 0) |
				     (s & 8 ? XFFW_REC_F_RESYNC : 0));
		h.data_len = rec->hdr.data_len;
		h.msg = f->msg;
		h.part = rec->hdr.part;
		feed(&h, rec->data, ps.size[order[i]] - sizeof(rec->hdr));
	}
	for (size_t i = 0; i < ps.n; i++)
		free(ps.rec[i]);
	f->msg++;
	/* What the kernel does with a flow that is not HTTP/1.x after all. */
	if (st != HEAD_OK) {
		struct xffw_record_hdr h;

		record_hdr(&h, st == HEAD_NOT_METHOD ? XFFW_REC_NOT_HTTP : XFFW_REC_FLOW_END, f);
		h.reason = st == HEAD_NOT_METHOD ? XFFW_NOT_HTTP_OTHER : XFFW_END_DESYNC;
		feed(&h, NULL, 0);
		flow_renew(f);
	}
	return stop;
}

/*
 * OP_PART: flags (bits 0-1 flow, 2 a new request, 3 a part lost before,
 * 4 head end, 5 budget, 6 obsolete fold, 7 egress), count (fields: 1 to 8),
 * then per field: id, flags, repeat, value up to '\n'.
 */
static const uint8_t *op_part(const uint8_t *p, const uint8_t *end)
{
	static uint8_t data[XFFW_DATA_MAX];
	struct xffw_record_hdr h;
	struct flow *f;
	size_t len = 0, nfields;
	uint8_t s;

	if (end - p < 2)
		return end;
	s = *p++;
	nfields = (size_t)(*p++ % 8) + 1;
	f = &F.flow[s & 3];
	for (size_t i = 0; i < nfields && end - p >= 3 && len + 4 <= sizeof(data); i++) {
		struct xffw_field_hdr fh = { .id = (uint8_t)(p[0] % (XFFW_F__MAX - 1) + 1),
					     .flags = (uint8_t)(p[1] & 0xf) };
		size_t repeat = (size_t)p[2] + 1, vlen;
		const uint8_t *v = p + 3, *nl;

		p += 3;
		nl = memchr(p, '\n', (size_t)(end - p));
		vlen = (size_t)((nl ? nl : end) - v);
		p = nl ? nl + 1 : end;
		len += sizeof(fh);
		for (size_t r = 0; r < repeat && vlen && len < sizeof(data); r++) {
			size_t take = vlen < sizeof(data) - len ? vlen : sizeof(data) - len;

			memcpy(data + len, v, take);
			len += take;
			fh.len = (uint16_t)(fh.len + take);
		}
		memcpy(data + len - fh.len - sizeof(fh), &fh, sizeof(fh));
	}
	F.work += len;
	if (!f->open || (s & 4)) {
		if (f->open)
			f->msg++;
		f->open = true;
		f->part = 0;
	}
	if (s & 8)
		f->part++;
	record_hdr(&h, XFFW_REC_REQUEST, f);
	h.flags = (uint16_t)(h.flags | (s & 0x10 ? XFFW_REC_F_HEAD_END : 0) |
			     (s & 0x20 ? XFFW_REC_F_BUDGET : 0) |
			     (s & 0x40 ? XFFW_REC_F_OBS_FOLD : 0) |
			     (s & 0x80 ? XFFW_REC_F_EGRESS : 0));
	h.data_len = (uint16_t)len;
	h.msg = f->msg;
	h.part = f->part++;
	feed(&h, data, len);
	if (s & 0x10) {
		f->open = false;
		f->msg++;
	}
	return p;
}

/* OP_RESPONSE: bits 0-1 flow, 2-3 which (the next, one later, one earlier, the newest), 4-7 status. */
static const uint8_t *op_response(const uint8_t *p, const uint8_t *end)
{
	struct xffw_record_hdr h;
	struct flow *f;
	uint32_t msg;
	uint8_t s;

	if (p == end)
		return end;
	s = *p++;
	f = &F.flow[s & 3];
	msg = f->answered;
	switch (s >> 2 & 3) {
	case 1:
		msg++;
		break;
	case 2:
		msg = msg ? msg - 1 : 0;
		break;
	case 3:
		msg = f->msg ? f->msg - 1 : 0;
		break;
	}
	record_hdr(&h, XFFW_REC_RESPONSE, f);
	h.msg = msg;
	h.status = statuses[s >> 4];
	feed(&h, NULL, 0);
	f->answered = msg + 1;
	return p;
}

/* OP_FLOW_END, OP_NOT_HTTP: bits 0-1 flow, 2-5 reason, 6 records still come on the old flow. */
static const uint8_t *op_flow(const uint8_t *p, const uint8_t *end, uint8_t type)
{
	struct xffw_record_hdr h;
	struct flow *f;
	uint8_t s;

	if (p == end)
		return end;
	s = *p++;
	f = &F.flow[s & 3];
	record_hdr(&h, type, f);
	h.reason = (uint16_t)((s >> 2 & 15) % 6);
	feed(&h, NULL, 0);
	if (!(s & 0x40))
		flow_renew(f);
	return p;
}

/*
 * PREAMBLE: flags (bits 0-1 flow, 2 the last part, 3 cut, 4 the flow's
 * records say PP_SEEN, 5 and PROXIED, 6-7 every rule's --proxy-protocol mode,
 * mod 3), a length (0-255) and as many raw bytes: one PROXY record of the
 * flow's connection, the next part (or one later, bit 2 of the length byte
 * set with bit 3 of flags: a lost part).
 */
static const uint8_t *op_preamble(const uint8_t *p, const uint8_t *end)
{
	struct xffw_record_hdr h;
	struct flow *f;
	uint8_t s;
	size_t n;

	if (end - p < 2)
		return end;
	s = *p++;
	n = *p++;
	if (n > (size_t)(end - p))
		n = (size_t)(end - p);
	f = &F.flow[s & 3];
	f->pp_flags = (uint16_t)((s & 0x10 ? XFFW_REC_F_PP_SEEN : 0) |
				 (s & 0x20 ? XFFW_REC_F_PROXIED : 0));
	for (size_t i = 0; i < F.nrules; i++)
		F.rules[i].proxy_protocol = (s >> 6) % TRUST_PP__MAX;
	record_hdr(&h, XFFW_REC_PROXY, f);
	h.flags |= (uint16_t)((s & 4 ? XFFW_REC_F_PP_END : 0) | (s & 8 ? XFFW_REC_F_PP_CUT : 0));
	if ((s & 8) && (n & 4))
		f->pp_part++;
	h.part = f->pp_part++;
	h.data_len = (uint16_t)n;
	F.work += n;
	feed(&h, p, n);
	return p + n;
}

/*
 * OWNER: a flow's socket ids from now on, and the rules' trust-local. Bytes:
 * flow (bits 0-1), side (bit 2: the app's), seen (bits 3-4, mod 3, 3 is a
 * bad value); uid (index, bits 0-2) and cgroup id (bits 3-7: 0 to 31);
 * the specs every rule takes (bits 0-3), none when 0.
 */
static const uint8_t *op_owner(const uint8_t *p, const uint8_t *end)
{
	struct xffw_sock_id *id;
	uint8_t s, u, m;

	if (end - p < 3)
		return end;
	s = *p++;
	u = *p++;
	m = *p++;
	id = &F.flow[s & 3].sock[s >> 2 & 1];
	id->seen = (uint8_t)(s >> 3 & 3);
	id->uid = owner_uids[u & 7];
	id->cgroup_id = u >> 3;
	F.nlocal = 0;
	for (size_t i = 0; i < NSPECS; i++)
		if (m & (1U << i))
			F.local[F.nlocal++] = local_spec[i];
	for (size_t i = 0; i < F.nrules; i++) {
		F.rules[i].local = F.local;
		F.rules[i].nlocal = F.nlocal;
	}
	return p;
}

static void run_config(const uint8_t *c)
{
	static const struct pseudo *const modes[] = { &pseudo_none, &pseudo_truncate, &pseudo_hmac,
						      &pseudo_none };

	set_rules((enum mode)(c[0] % MODE__MAX), c[1]);
	F.pseudo = modes[c[2] & 3];
	F.keep_query = c[2] & 4;
	F.hide_user_agent = c[2] & 8;
	F.trace = c[2] & 16;
	F.datagram = datagrams[c[2] >> 5];
	for (unsigned int i = 0; i < FLOWS; i++) {
		F.flow[i] = (struct flow){ .id = i + 1,
					   .conn = i + 1,
					   .peer = (c[3] + i * 3) % NPEERS,
					   .port = ((c[3] >> 3) + i) % 4,
					   .link = ((c[3] >> 5) + i) % NLINKS + 1 };
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tracker_config cfg = { .response_timeout_ns = 1000 * MS,
				      .end_grace_ns = 50 * MS,
				      .max_pending = 8,
				      .max_per_flow = 4 };
	const uint8_t *p = data + 4, *end = data + size;

	if (size < 4)
		return 0;
	init_once();
	memset(&F, 0, sizeof(F));
	run_config(data);
	F.now = 1000 * MS;
	F.tracker = tracker_new(&cfg, on_exchange, NULL);
	if (!F.tracker)
		abort();
	while (p < end && F.work < WORK_MAX) {
		if (*p >= OP_OWNER_BYTE) {
			p = op_owner(p + 1, end);
			F.now += MS;
			tracker_expire(F.tracker, F.now);
			continue;
		}
		if (*p >= OP_PREAMBLE_BYTE) {
			p = op_preamble(p + 1, end);
			F.now += MS;
			tracker_expire(F.tracker, F.now);
			continue;
		}
		switch (*p++ % OP__MAX) {
		case OP_HEAD:
			p = op_head(p, end);
			break;
		case OP_PART:
			p = op_part(p, end);
			break;
		case OP_RESPONSE:
			p = op_response(p, end);
			break;
		case OP_FLOW_END:
			p = op_flow(p, end, XFFW_REC_FLOW_END);
			break;
		case OP_TIME:
			if (p < end)
				F.now += *p++ * 10 * MS;
			break;
		default:
			p = op_flow(p, end, XFFW_REC_NOT_HTTP);
			break;
		}
		F.now += MS;
		tracker_expire(F.tracker, F.now);
	}
	/* As at shutdown: every request still waiting is written. */
	tracker_flush(F.tracker, NR_SHUTDOWN);
	tracker_free(F.tracker);
	resolution_free(&res);
	return 0;
}
