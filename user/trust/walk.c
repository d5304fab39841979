// SPDX-License-Identifier: BSD-2-Clause
/*
 * CIDR mode follows nginx's realip module (ngx_http_get_forwarded_addr):
 * hops are taken from the right while the address reached so far is
 * trusted; an entry that does not parse stops the walk at the address
 * reached so far. Hop mode follows Werkzeug's ProxyFix (values[-x_for]).
 * Differences are listed in docs/trust.md.
 */
#include <stdio.h>
#include <string.h>

#include "trust/walk.h"

struct walk_hops walk_hops_of_chain(const struct chain *c)
{
	return (struct walk_hops){ .id = c->id, .n = c->n, .cut_left = c->cut_left, .chain = c };
}

/* Hops to walk in CIDR mode: the header's and the tail. */
static size_t hops_total(const struct walk_hops *h)
{
	return h->n + (h->tail != NULL);
}

static int hop_address(const struct walk_hops *h, size_t i, struct ip_addr *out)
{
	if (h->tail && i == h->n) {
		*out = *h->tail; /* (an address by construction: the parser's) */
		return 0;
	}
	return h->chain ? chain_address(h->chain, i, out)
			: chain_text_address(h->id, h->text[i], out);
}

static struct str hop_text(const struct walk_hops *h, size_t i)
{
	return h->chain ? h->chain->hop[i].text : h->text[i];
}

int walk_match(const struct ip_cidr *list, size_t n, const struct ip_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (ip_cidr_match(&list[i], a))
			return (int)i;
	return -1;
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

bool walk_trusted_hop(const struct trust_rule *rule, const struct ip_addr *a, struct walk *w,
		      struct trust_trace *t, size_t hop)
{
	char what[32] = "peer";
	int m = walk_match(rule->trusted, rule->ntrusted, a);

	if (t && hop)
		snprintf(what, sizeof(what), "hop %zu", hop);
	if (m >= 0) {
		trace_note(t, "%s %s: trusted (%s)", what, trace_addr(a),
			   trace_cidr(rule->trusted, m));
		return true;
	}
	m = walk_match(rule->external, rule->nexternal, a);
	if (m >= 0) {
		trace_note(t, "%s %s: an external proxy (%s); hops left of it must be public", what,
			   trace_addr(a), trace_cidr(rule->external, m));
		w->external = true;
		return true;
	}
	return false;
}

/* nginx realip: from the right, while the address reached is trusted. */
static void walk_cidr(const struct trust_rule *rule, const struct walk_hops *h, struct walk *w,
		      struct trust_trace *t)
{
	size_t i = hops_total(h);

	for (;;) {
		struct ip_addr hop;

		if (i == 0) {
			if (h->cut_left) {
				w->findings |= 1U << FINDING_TRUNCATED;
				trace_note(t,
					   "the hops left of here were cut: stop at %s (truncated)",
					   trace_addr(&w->addr));
			} else {
				w->findings |= 1U << FINDING_ALL_HOPS_TRUSTED;
				trace_note(t,
					   "every hop is trusted: the leftmost, %s, is the client "
					   "(all-hops-trusted)",
					   trace_addr(&w->addr));
			}
			return;
		}
		i--;
		if (hop_address(h, i, &hop)) {
			struct str text = hop_text(h, i);

			w->findings |= 1U << FINDING_INVALID_ENTRY;
			w->invalid = true;
			trace_note(t,
				   "hop %zu \"%.*s\" is not an address: stop at %s (invalid-entry)",
				   i + 1, (int)text.len, text.p, trace_addr(&w->addr));
			return;
		}
		if (w->external && !is_public(&hop)) {
			w->findings |= 1U << FINDING_INVALID_ENTRY;
			w->not_public = true;
			trace_note(t,
				   "hop %zu %s is not public, and an external proxy presented it: "
				   "stop at %s (invalid-entry)",
				   i + 1, trace_addr(&hop), trace_addr(&w->addr));
			return;
		}
		w->addr = hop;
		w->moved = true;
		w->at = i;
		if (!rule->recursive) {
			trace_note(t, "hop %zu %s: not recursive, the rightmost hop is the client",
				   i + 1, trace_addr(&hop));
			return;
		}
		if (!walk_trusted_hop(rule, &hop, w, t, i + 1)) {
			trace_note(t, "hop %zu %s: not trusted, the client", i + 1,
				   trace_addr(&hop));
			return;
		}
		w->passed++;
	}
}

/*
 * ProxyFix x_for=N: the N-th hop from the right of the header, whatever the
 * peer; else REMOTE_ADDR, which gunicorn --proxy-protocol set to the tail.
 */
static void walk_count(const struct trust_rule *rule, const struct walk_hops *h, struct walk *w,
		       struct trust_trace *t)
{
	const char *fallback = h->tail ? "the preamble's source" : "the peer";
	size_t n = (size_t)rule->hops;
	struct ip_addr hop;

	if (h->tail) {
		w->addr = *h->tail;
		w->moved = true;
		w->at = h->n;
	}
	if (n == 0) {
		trace_note(t, "hops = 0: %s is the client", fallback);
		return;
	}
	/* The preamble alone: no header, so no chain to be short (gunicorn keeps REMOTE_ADDR). */
	if (rule->nheaders == 1 && rule->headers[0] == TRUST_PROXY_PROTOCOL) {
		trace_note(t, "hops = %zu, and the rule reads no header: %s is the client", n,
			   fallback);
		return;
	}
	if (h->n < n) {
		w->findings |=
			1U << (h->cut_left ? FINDING_TRUNCATED : FINDING_CHAIN_SHORTER_THAN_HOPS);
		trace_note(t, "%zu hops, fewer than %zu: %s is the client (%s)", h->n, n, fallback,
			   h->cut_left ? "truncated" : "chain-shorter-than-hops");
		return;
	}
	if (hop_address(h, h->n - n, &hop)) {
		struct str text = hop_text(h, h->n - n);

		w->findings |= 1U << FINDING_INVALID_ENTRY;
		w->invalid = true;
		trace_note(t,
			   "hop %zu \"%.*s\" (%zu from the right) is not an address: %s is "
			   "the client (invalid-entry)",
			   h->n - n + 1, (int)text.len, text.p, n, fallback);
		return;
	}
	w->addr = hop;
	w->moved = true;
	w->at = h->n - n;
	w->passed = n - 1;
	trace_note(t, "hop %zu %s, %zu from the right: the client", h->n - n + 1, trace_addr(&hop),
		   n);
}

void walk_run(const struct trust_rule *rule, const struct walk_hops *h, const struct ip_addr *peer,
	      bool peer_external, struct walk *w, struct trust_trace *t)
{
	*w = (struct walk){ .addr = *peer, .external = peer_external, .at = hops_total(h) };
	if (rule->hops >= 0)
		walk_count(rule, h, w, t);
	else
		walk_cidr(rule, h, w, t);
}
