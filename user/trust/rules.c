// SPDX-License-Identifier: BSD-2-Clause
/*
 * CIDR mode follows nginx's realip module (ngx_http_get_forwarded_addr):
 * the header counts only if the TCP peer is trusted; hops are taken from the
 * right while the address reached so far is trusted; an entry that does not
 * parse stops the walk at the address reached so far. Hop mode follows
 * Werkzeug's ProxyFix (values[-x_for]). Differences are listed in docs/trust.md.
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "trust/rules.h"

static const char *const finding_names[FINDING__MAX] = {
#define TRUST_FINDING_NAME(id, name) [FINDING_##id] = name,
	TRUST_FINDINGS(TRUST_FINDING_NAME)
#undef TRUST_FINDING_NAME
};

/* A row's id when its column client is 1, nothing when 0. */
#define CLIENT_IF_0(NAME)
#define CLIENT_IF_1(NAME)					       XFFW_F_##NAME,
#define CLIENT_HEADER(NAME, id, wire, key, keeps_tail, echoed, client) CLIENT_IF_##client(NAME)
const unsigned int trust_client_headers[TRUST_MAX_HEADERS] = { XFFW_HEADER_FIELDS(CLIENT_HEADER) };
#undef CLIENT_HEADER
#undef CLIENT_IF_1
#undef CLIENT_IF_0

const char *finding_name(unsigned int finding)
{
	return finding < FINDING__MAX ? finding_names[finding] : NULL;
}

bool trust_is_client_header(unsigned int id)
{
	for (size_t i = 0; i < TRUST_MAX_HEADERS; i++)
		if (trust_client_headers[i] == id)
			return true;
	return false;
}

static void note_(struct trust_trace *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* A step of the trace; its arguments are not even computed when nobody asked for one. */
#define note(t, ...)                           \
	do {                                   \
		if (t)                         \
			note_(t, __VA_ARGS__); \
	} while (0)

#define TRACE_CUT "(the rest of the trace is cut)\n"

static void note_(struct trust_trace *t, const char *fmt, ...)
{
	/* Room kept at the end for the line that says the trace was cut. */
	size_t room = sizeof(t->text) - sizeof(TRACE_CUT);
	va_list ap;
	int n;

	if (t->cut)
		return;
	va_start(ap, fmt);
	n = t->len < room ? vsnprintf(t->text + t->len, room - t->len, fmt, ap) : -1;
	va_end(ap);
	if (n < 0 || t->len + (size_t)n + 1 >= room) {
		memcpy(t->text + t->len, TRACE_CUT, sizeof(TRACE_CUT));
		t->len += sizeof(TRACE_CUT) - 1;
		t->cut = true;
		return;
	}
	t->len += (size_t)n;
	t->text[t->len++] = '\n';
	t->text[t->len] = '\0';
}

/* Index of the first CIDR of @list containing @a, or -1. */
static int match_in(const struct ip_cidr *list, size_t n, const struct ip_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (ip_cidr_match(&list[i], a))
			return (int)i;
	return -1;
}

static int match(const struct trust_rule *rule, const struct ip_addr *a)
{
	return match_in(rule->trusted, rule->ntrusted, a);
}

bool trust_contains(const struct trust_rule *rule, const struct ip_addr *a)
{
	return match(rule, a) >= 0 || match_in(rule->external, rule->nexternal, a) >= 0;
}

/*
 * May an external proxy present @a? Apache mod_remoteip refuses 10/8, 127/8,
 * 169.254/16, 172.16/12, 192.168/16 and IPv6 outside 2000::/3.
 */
static bool is_public(const struct ip_addr *a)
{
	static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
	const uint8_t *v4 = a->family == 4 ? a->b : !memcmp(a->b, mapped, 12) ? a->b + 12 : NULL;

	if (!v4)
		return (a->b[0] & 0xe0) == 0x20;
	return !(v4[0] == 10 || v4[0] == 127 || (v4[0] == 169 && v4[1] == 254) ||
		 (v4[0] == 172 && (v4[1] & 0xf0) == 16) || (v4[0] == 192 && v4[1] == 168));
}

/* "203.0.113.9" or "127.0.0.0/8" into a static buffer, for the trace. */
static const char *addr_text(const struct ip_addr *a)
{
	/* A few buffers in turn: one trace line may show two addresses. */
	static char buf[4][IP_STR_MAX];
	static unsigned int next;
	char *b = buf[next++ % 4];

	ip_format(a, b);
	return b;
}

static const char *cidr_text(const struct ip_cidr *list, int i)
{
	static char buf[IP_STR_MAX + 4];

	ip_cidr_format(&list[i], buf);
	return buf;
}

struct walk {
	struct ip_addr addr; /* where the walk stands: the client when it ends */
	bool moved;	     /* addr came from the header */
	bool external;	     /* an external proxy was passed: hops must be public */
	uint32_t findings;
};

/*
 * Is @a a proxy to walk past? Notes why; turns on external mode when @a is
 * an external proxy (internal CIDRs are looked at first).
 */
static bool trusted_hop(const struct trust_rule *rule, const struct ip_addr *a, struct walk *w,
			struct trust_trace *t, size_t hop)
{
	char what[32] = "peer";
	int m = match(rule, a);

	if (t && hop)
		snprintf(what, sizeof(what), "hop %zu", hop);
	if (m >= 0) {
		note(t, "%s %s: trusted (%s)", what, addr_text(a), cidr_text(rule->trusted, m));
		return true;
	}
	m = match_in(rule->external, rule->nexternal, a);
	if (m >= 0) {
		note(t, "%s %s: an external proxy (%s); hops left of it must be public", what,
		     addr_text(a), cidr_text(rule->external, m));
		w->external = true;
		return true;
	}
	return false;
}

/* nginx realip: from the right, while the address reached is trusted. */
static void walk_cidr(const struct trust_rule *rule, const struct chain *c, struct walk *w,
		      struct trust_trace *t)
{
	size_t i = c->n;

	for (;;) {
		struct ip_addr hop;

		if (i == 0) {
			if (c->cut_left) {
				w->findings |= 1U << FINDING_TRUNCATED;
				note(t, "the hops left of here were cut: stop at %s (truncated)",
				     addr_text(&w->addr));
			} else {
				w->findings |= 1U << FINDING_ALL_HOPS_TRUSTED;
				note(t,
				     "every hop is trusted: the leftmost, %s, is the client "
				     "(all-hops-trusted)",
				     addr_text(&w->addr));
			}
			return;
		}
		i--;
		if (chain_address(c, i, &hop)) {
			w->findings |= 1U << FINDING_INVALID_ENTRY;
			note(t, "hop %zu \"%.*s\" is not an address: stop at %s (invalid-entry)",
			     i + 1, (int)c->hop[i].text.len, c->hop[i].text.p, addr_text(&w->addr));
			return;
		}
		if (w->external && !is_public(&hop)) {
			w->findings |= 1U << FINDING_INVALID_ENTRY;
			note(t,
			     "hop %zu %s is not public, and an external proxy presented it: stop "
			     "at %s (invalid-entry)",
			     i + 1, addr_text(&hop), addr_text(&w->addr));
			return;
		}
		w->addr = hop;
		w->moved = true;
		if (!rule->recursive) {
			note(t, "hop %zu %s: not recursive, the rightmost hop is the client", i + 1,
			     addr_text(&hop));
			return;
		}
		if (!trusted_hop(rule, &hop, w, t, i + 1)) {
			note(t, "hop %zu %s: not trusted, the client", i + 1, addr_text(&hop));
			return;
		}
	}
}

/* ProxyFix x_for=N: the N-th hop from the right, whatever the peer. */
static void walk_hops(const struct trust_rule *rule, const struct chain *c, struct walk *w,
		      struct trust_trace *t)
{
	size_t n = (size_t)rule->hops;
	struct ip_addr hop;

	if (n == 0) {
		note(t, "hops = 0: the peer is the client");
		return;
	}
	if (c->n < n) {
		w->findings |=
			1U << (c->cut_left ? FINDING_TRUNCATED : FINDING_CHAIN_SHORTER_THAN_HOPS);
		note(t, "%zu hops, fewer than %zu: the peer is the client (%s)", c->n, n,
		     c->cut_left ? "truncated" : "chain-shorter-than-hops");
		return;
	}
	if (chain_address(c, c->n - n, &hop)) {
		w->findings |= 1U << FINDING_INVALID_ENTRY;
		note(t,
		     "hop %zu \"%.*s\" (%zu from the right) is not an address: the peer is the "
		     "client (invalid-entry)",
		     c->n - n + 1, (int)c->hop[c->n - n].text.len, c->hop[c->n - n].text.p, n);
		return;
	}
	w->addr = hop;
	w->moved = true;
	note(t, "hop %zu %s, %zu from the right: the client", c->n - n + 1, addr_text(&hop), n);
}

static void walk(const struct trust_rule *rule, const struct chain *c, const struct ip_addr *peer,
		 bool peer_external, struct walk *w, struct trust_trace *t)
{
	w->addr = *peer;
	w->moved = false;
	w->external = peer_external;
	w->findings = 0;
	if (rule->hops >= 0)
		walk_hops(rule, c, w, t);
	else
		walk_cidr(rule, c, w, t);
}

/* Hop counting follows ProxyFix, CIDR trust follows nginx, down to how a header is split. */
static enum chain_split split_of(const struct trust_rule *rule)
{
	return rule->hops >= 0 ? SPLIT_PROXYFIX : SPLIT_NGINX;
}

/* The configured header to read: the first present, else the first configured. */
static unsigned int pick_header(const struct trust_rule *rule, const struct http_request *req,
				bool *present)
{
	for (size_t i = 0; i < rule->nheaders; i++) {
		if (req_field_count(req, rule->headers[i], NULL)) {
			*present = true;
			return rule->headers[i];
		}
	}
	*present = false;
	return rule->nheaders ? rule->headers[0] : XFFW_F_X_FORWARDED_FOR;
}

static bool request_truncated(const struct http_request *req)
{
	if (req_head_incomplete(req) || req->line_truncated)
		return true;
	for (size_t i = 0; i < req->nfields; i++)
		if (req->fields[i].flags)
			return true;
	return false;
}

static bool any_client_header(const struct http_request *req)
{
	for (size_t i = 0; i < TRUST_MAX_HEADERS; i++)
		if (req_field_count(req, trust_client_headers[i], NULL))
			return true;
	return false;
}

/* Would "take the first entry" name someone else? */
static bool leftmost_differs(const struct resolution *res)
{
	struct ip_addr first;

	if (res->chain.n == 0 || res->chain.cut_left)
		return false;
	return chain_address(&res->chain, 0, &first) || !ip_equal(&first, &res->client);
}

/* Do the other client headers present, read under the same rule, name someone else? */
static bool headers_conflict(const struct trust_rule *rule, const struct http_request *req,
			     struct resolution *res, struct trust_trace *t)
{
	for (size_t i = 0; i < TRUST_MAX_HEADERS; i++) {
		unsigned int id = trust_client_headers[i];
		struct walk w;

		if (id == res->header || !req_field_count(req, id, NULL))
			continue;
		chain_build(&res->other, req, id, split_of(rule));
		if (res->other.failed)
			continue; /* no hops to compare; the chain read is what counts */
		walk(rule, &res->other, &req->saddr, res->peer_external, &w, NULL);
		if (w.moved && !ip_equal(&w.addr, &res->client)) {
			note(t, "%s names %s instead (header-conflict)", field_key(id),
			     addr_text(&w.addr));
			return true;
		}
	}
	return false;
}

void trust_resolve(const struct trust_rule *rule, const struct http_request *req,
		   struct resolution *res, struct trust_trace *t)
{
	struct walk w = { .addr = req->saddr };
	bool present;

	res->source = 0;
	res->findings = 0;
	res->header = pick_header(rule, req, &present);
	chain_build(&res->chain, req, res->header, split_of(rule));

	if (req_field_count(req, res->header, NULL) > 1)
		res->findings |= 1U << FINDING_MULTIPLE_HEADER_LINES;
	if (request_truncated(req))
		res->findings |= 1U << FINDING_TRUNCATED;

	if (rule->hops >= 0) {
		res->peer_trusted = trust_contains(rule, &req->saddr);
		res->peer_external = false;
		note(t, "peer %s; hop counting: the peer is not checked", addr_text(&req->saddr));
	} else {
		res->peer_trusted = trusted_hop(rule, &req->saddr, &w, t, 0);
		res->peer_external = w.external;
		if (!res->peer_trusted)
			note(t, "peer %s is not a trusted proxy: it is the client",
			     addr_text(&req->saddr));
	}
	if (present)
		note(t, "reading %s: %zu hop%s%s", field_key(res->header), res->chain.n,
		     res->chain.n == 1 ? "" : "s",
		     res->chain.cut_left ? " (more were cut on the left)" : "");
	if (res->chain.failed) {
		res->findings |= 1U << FINDING_TRUNCATED;
		note(t, "no memory for the hops of %s (truncated)", field_key(res->header));
	}

	if (req_head_incomplete(req) && present && (rule->hops >= 0 || res->peer_trusted)) {
		/*
		 * Lines after what the kernel kept may be missing, a proxy's appended
		 * line among them: the visible hops could all be the client's own.
		 */
		res->findings |= 1U << FINDING_TRUNCATED;
		note(t, "the head may be missing lines (truncated): %s is not used",
		     field_key(res->header));
	} else if (rule->hops >= 0) {
		walk(rule, &res->chain, &req->saddr, false, &w, t);
		res->findings |= w.findings;
		if (w.moved && !res->peer_trusted) {
			/* ProxyFix checks no peer: whoever reaches the port picks the address. */
			res->findings |= 1U << FINDING_HOPS_FROM_UNTRUSTED_PEER;
			note(t,
			     "peer %s is not in the trusted proxies, yet hop counting took %s "
			     "from its header (hops-from-untrusted-peer)",
			     addr_text(&req->saddr), addr_text(&w.addr));
		}
	} else if (!res->peer_trusted) {
		if (any_client_header(req)) {
			res->findings |= 1U << FINDING_SPOOFED_HEADER;
			note(t, "forwarding headers from an untrusted peer are ignored "
				"(spoofed-header-from-untrusted-peer)");
		}
	} else if (!present) {
		/* With lines possibly missing, the header may well have been sent. */
		if (!req_head_incomplete(req)) {
			res->findings |= 1U << FINDING_MISSING_FORWARDED_HEADER;
			note(t, "no configured header: the peer is the client "
				"(missing-forwarded-header)");
		} else {
			note(t, "no configured header in what was seen: the peer is the client "
				"(truncated)");
		}
	} else if (res->chain.n == 0) {
		note(t, "%s has no hops: the peer is the client", field_key(res->header));
	} else {
		walk(rule, &res->chain, &req->saddr, res->peer_external, &w, t);
		res->findings |= w.findings;
	}
	res->client = w.addr;
	res->source = w.moved ? res->header : 0;

	if (leftmost_differs(res)) {
		res->findings |= 1U << FINDING_LEFTMOST_DIFFERS;
		note(t, "the first entry of %s is not the client (leftmost-differs)",
		     field_key(res->header));
	}
	if (res->source && headers_conflict(rule, req, res, t))
		res->findings |= 1U << FINDING_HEADER_CONFLICT;
	note(t, "client %s (%s)", addr_text(&res->client),
	     res->source ? field_key(res->source) : "the TCP peer");
}

void resolution_free(struct resolution *res)
{
	chain_free(&res->chain);
	chain_free(&res->other);
}

const struct trust_rule *trust_pick(const struct trust_rule *rules, size_t n, unsigned int port,
				    const char *iface)
{
	for (size_t i = 0; i < n; i++) {
		if (rules[i].port && rules[i].port != port)
			continue;
		if (rules[i].iface[0] && (!iface || strcmp(rules[i].iface, iface)))
			continue;
		return &rules[i];
	}
	return NULL;
}
