// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/addr_shown.h"
#include "doctor/address_ranges.h"
#include "doctor/diagnose.h"
#include "doctor/diagnose_draft.h"

int diagnoses_init(struct diagnoses *ds)
{
	memset(ds, 0, sizeof(*ds));
	ds->d = calloc(DIAGNOSES_MAX, sizeof(*ds->d));
	return ds->d ? 0 : -ENOMEM;
}

void diagnoses_free(struct diagnoses *ds)
{
	free(ds->d);
	memset(ds, 0, sizeof(*ds));
}

/* Percent of @part in @whole, rounded down. */
static unsigned int pct(uint64_t part, uint64_t whole)
{
	return whole ? (unsigned int)(part * 100 / whole) : 0;
}

static bool internal(const struct obs_addr *a)
{
	return a->is_addr && address_internal(&a->addr);
}

static bool is_loopback(const struct obs_addr *a)
{
	return a->is_addr && address_loopback(&a->addr);
}

/*
 * One of our proxies: acts as one, and is trusted or internal. A public
 * address that acts as one is a client forging headers, or an upstream we do
 * not run: never one to trust or to let through a firewall.
 */
bool diag_is_proxy(const struct topo_peer *p)
{
	return p->role == ROLE_PROXY && (p->trusted || internal(&p->addr));
}

/* The first header @r reads that is one (not the preamble, proxy-protocol); X-Forwarded-For if none. */
static unsigned int rule_first_header(const struct trust_rule *r)
{
	for (size_t i = 0; r && i < r->nheaders; i++)
		if (r->headers[i] && r->headers[i] < XFFW_F__MAX)
			return r->headers[i];
	return XFFW_F_X_FORWARDED_FOR;
}

struct diagnosis *diag_add(struct diagnoses *ds, const struct topology *t,
			   const struct topo_listener *l, enum diagnosis_id id,
			   enum diag_level severity, enum diag_level confidence)
{
	struct diagnosis *d;
	const struct trust_rule *r = l->rule;

	if (ds->n == DIAGNOSES_MAX)
		return NULL;
	d = &ds->d[ds->n++];
	memset(d, 0, sizeof(*d));
	d->id = id;
	d->severity = severity;
	d->confidence = confidence;
	d->listener = (size_t)(l - t->listeners);
	d->of = l->requests;
	d->fix.diag = id;
	d->fix.port = l->port;
	d->fix.iface = l->iface;
	/* A listener's own rule decided (the global one is the last): the fix is a listener's. */
	d->fix.listener_rule = t->nrules && r && r != &t->rules[t->nrules - 1];
	d->fix.hops_now = r ? r->hops : -1;
	d->fix.header = field_wire_name(rule_first_header(r));
	d->fix.header_key = field_key(rule_first_header(r));
	for (size_t i = 0; r && i < r->ntrusted && i < FIX_ADDRS_MAX; i++)
		ip_cidr_format(&r->trusted[i], d->trusted_text[d->fix.ntrusted++]);
	return d;
}

/* Adds @a to the proxies @d's fixes name, as a host CIDR: internal addresses only. */
void diag_fix_proxy(struct diagnosis *d, const struct obs_addr *a)
{
	char *s;
	size_t n;

	if (!a->is_addr) {
		d->unnamed = true;
		return;
	}
	if (!internal(a)) {
		d->public_left_out = true;
		return;
	}
	if (d->fix.nproxies == FIX_ADDRS_MAX)
		return;
	s = d->proxy_text[d->fix.nproxies];
	n = ip_format(&a->addr, s);
	snprintf(s + n, CIDR_TEXT_MAX - n, "/%d", a->addr.family == 4 ? 32 : 128);
	d->fix.nproxies++;
}

/* Adds @a to what @d is about, and to the proxies its fixes name when @proxy. */
void diag_about(struct diagnosis *d, const struct obs_addr *a, bool proxy)
{
	if (d->naddrs < FIX_ADDRS_MAX)
		d->addrs[d->naddrs++] = *a;
	if (proxy)
		diag_fix_proxy(d, a);
}

const char *diag_addr(const struct diagnoses *ds, const struct topology *t,
		      const struct obs_addr *a, char buf[PSEUDO_TEXT_MAX])
{
	return addr_shown_in(ds->pseudo, t, a, buf);
}

void diag_examples(struct diagnosis *d, const struct topo_examples *e)
{
	for (size_t i = 0; i < e->n && d->examples.n < TOPO_EXAMPLES; i++)
		d->examples.ex[d->examples.n++] = e->ex[i];
}

/* The proxies of @l: trusted ones if any, else the untrusted ones; to the fix, and what @d is about when @about. */
static void proxies_to(struct diagnosis *d, const struct topo_listener *l, bool about_them)
{
	bool trusted = false;

	for (size_t i = 0; i < l->npeers; i++)
		trusted |= diag_is_proxy(&l->peers[i]) && l->peers[i].trusted;
	for (size_t i = 0; i < l->npeers; i++)
		if (diag_is_proxy(&l->peers[i]) && l->peers[i].trusted == trusted) {
			if (about_them)
				diag_about(d, &l->peers[i].addr, true);
			else
				diag_fix_proxy(d, &l->peers[i].addr);
		}
}

static void about_proxies(struct diagnosis *d, const struct topo_listener *l)
{
	proxies_to(d, l, true);
}

/* The proxies, for the fixes only: the diagnosis is about someone else. */
static void fix_proxies(struct diagnosis *d, const struct topo_listener *l)
{
	proxies_to(d, l, false);
}

/* The busiest proxy of @l, or NULL. */
static const struct topo_peer *main_proxy(const struct topo_listener *l)
{
	const struct topo_peer *best = NULL;

	for (size_t i = 0; i < l->npeers; i++)
		if (diag_is_proxy(&l->peers[i]) && (!best || l->peers[i].requests > best->requests))
			best = &l->peers[i];
	return best;
}

static bool any_proxy(const struct topo_listener *l, bool trusted)
{
	for (size_t i = 0; i < l->npeers; i++)
		if (diag_is_proxy(&l->peers[i]) && l->peers[i].trusted == trusted)
			return true;
	return false;
}

const char *diag_listener_text(const struct topo_listener *l, char *buf, size_t len)
{
	snprintf(buf, len, "port %u%s%s", l->port, l->iface[0] ? " on " : "", l->iface);
	return buf;
}

/*
 * An untrusted proxy whose connections carry usable PROXY preambles (most
 * of its requests): proxy-protocol-untrusted-sender is about it
 * (diagnose_pp.c). Its headers may be its clients' own (a layer-4 sender
 * writes none): no fix here may believe them.
 */
static bool header_proxy_untrusted(const struct topo_peer *p)
{
	return diag_is_proxy(p) && !p->trusted &&
	       !(p->pp_usable && p->pp_usable * 2 >= p->requests);
}

static bool any_header_proxy_untrusted(const struct topo_listener *l)
{
	for (size_t i = 0; i < l->npeers; i++)
		if (header_proxy_untrusted(&l->peers[i]))
			return true;
	return false;
}

/* Forwarding headers from proxies outside the rules; or a walk that stops on an inner proxy. */
static void proxy_not_trusted(struct diagnoses *ds, const struct topology *t,
			      const struct topo_listener *l, bool *inner_found)
{
	struct diagnosis *d = NULL;
	uint64_t n = 0, distinct = 0;
	char where[64], shown[PSEUDO_TEXT_MAX];

	diag_listener_text(l, where, sizeof(where));
	if (any_header_proxy_untrusted(l)) {
		const struct topo_peer *top = NULL;

		for (size_t i = 0; i < l->npeers; i++) {
			const struct topo_peer *p = &l->peers[i];

			if (!header_proxy_untrusted(p))
				continue;
			n += p->requests;
			if (p->distinct > distinct)
				distinct = p->distinct;
			if (!top || p->requests > top->requests)
				top = p;
		}
		/* Next to trusted ones (a balanced pair, one left out), or carrying the listener. */
		d = diag_add(ds, t, l, DIAG_PROXY_NOT_TRUSTED, LEVEL_HIGH,
			     (n * 2 >= l->requests || any_proxy(l, true)) && distinct >= 2
				     ? LEVEL_HIGH
				     : LEVEL_MEDIUM);
		if (!d)
			return;
		for (size_t i = 0; i < l->npeers; i++)
			if (header_proxy_untrusted(&l->peers[i])) {
				diag_about(d, &l->peers[i].addr, true);
				diag_examples(d, &l->peers[i].with);
			}
		/* What the trust list must keep: the trusted proxies stay in it (fixes.c adds them). */
		d->requests = n;
		d->depth = top->depth;
		snprintf(d->summary, sizeof(d->summary),
			 "%s sends forwarding headers on %u%% of its %" PRIu64
			 " requests to %s but is not a trusted proxy: the app logs the proxy, "
			 "not the client (and xffwatch does too)",
			 diag_addr(ds, t, &top->addr, shown), pct(top->with_header, top->requests),
			 top->requests, where);
		return;
	}
	if (l->rule && l->rule->hops >= 0)
		return;
	for (size_t i = 0; i < l->npeers; i++) {
		const struct topo_peer *p = &l->peers[i];

		if (!diag_is_proxy(p) || !p->trusted || !p->ninner ||
		    p->inner_requests < DIAG_MIN_REQUESTS)
			continue;
		if (!d) {
			d = diag_add(ds, t, l, DIAG_PROXY_NOT_TRUSTED, LEVEL_HIGH, LEVEL_HIGH);
			if (!d)
				return;
			d->depth = p->depth;
			diag_examples(d, &p->with);
		}
		for (size_t k = 0; k < p->ninner; k++)
			diag_about(d, &p->inner[k]->value, true);
		d->requests += p->inner_requests;
		*inner_found = true;
	}
	if (d)
		snprintf(d->summary, sizeof(d->summary),
			 "the proxies in front of %s append %" PRIu64
			 " hops, but the trust walk stops at %s, a proxy's own address that is "
			 "not trusted: %" PRIu64 " requests resolve to it instead of the client",
			 where, d->depth, diag_addr(ds, t, &d->addrs[0], shown), d->requests);
}

/* Trusted peers that send no forwarding header, where no trusted peer does. */
static void proxy_sends_no_header(struct diagnoses *ds, const struct topology *t,
				  const struct topo_listener *l)
{
	struct diagnosis *d = NULL;
	char where[64], shown[PSEUDO_TEXT_MAX];

	if (any_proxy(l, true))
		return;
	for (size_t i = 0; i < l->npeers; i++) {
		const struct topo_peer *p = &l->peers[i];

		if (!p->trusted || p->requests < TOPO_MIN_REQUESTS ||
		    p->with_header * 2 >= p->requests)
			continue;
		if (!d &&
		    !(d = diag_add(ds, t, l, DIAG_PROXY_SENDS_NO_HEADER, LEVEL_HIGH, LEVEL_HIGH)))
			return;
		diag_about(d, &p->addr, true);
		d->requests += p->requests - p->with_header;
		diag_examples(d, &p->without);
	}
	if (!d)
		return;
	if (d->requests < DIAG_MIN_REQUESTS) {
		ds->n--;
		return;
	}
	d->depth = 1;
	if (d->requests * 2 < l->requests)
		d->confidence = LEVEL_MEDIUM;
	snprintf(d->summary, sizeof(d->summary),
		 "%s is a trusted proxy for %s, but %" PRIu64 " of its requests carry no %s: "
		 "the app sees the proxy's address as the client",
		 diag_addr(ds, t, &d->addrs[0], shown), diag_listener_text(l, where, sizeof(where)),
		 d->requests, d->fix.header);
}

/* Peers that are not the proxy reach the app port. */
static void app_reached_directly(struct diagnoses *ds, const struct topology *t,
				 const struct topo_listener *l)
{
	bool trusted_proxy = any_proxy(l, true), loopback_proxy = false;
	uint64_t n = 0, forged = 0, peers = 0;
	struct diagnosis *d;
	char where[64];

	if (!trusted_proxy && !any_proxy(l, false))
		return;
	for (size_t i = 0; i < l->npeers; i++)
		loopback_proxy |= diag_is_proxy(&l->peers[i]) && is_loopback(&l->peers[i].addr);
	d = diag_add(ds, t, l, DIAG_APP_REACHED_DIRECTLY, LEVEL_MEDIUM,
		     trusted_proxy ? LEVEL_HIGH : LEVEL_MEDIUM);
	if (!d)
		return;
	for (size_t i = 0; i <= l->npeers; i++) {
		const struct topo_peer *p = i < l->npeers ? &l->peers[i] : &l->other;

		/*
		 * Everyone but our proxies: clients, trusted or not, and public header
		 * senders; not the app's own health checks on loopback when the proxy
		 * comes from elsewhere.
		 */
		if (!p->requests || diag_is_proxy(p) ||
		    (!loopback_proxy && !p->with_header && is_loopback(&p->addr)))
			continue;
		n += p->requests;
		forged += p->with_header;
		peers += i < l->npeers ? 1 : l->peers_omitted;
		if (i < l->npeers)
			diag_about(d, &p->addr, false);
		diag_examples(d, p->with.n ? &p->with : &p->without);
	}
	if (n < DIAG_MIN_REQUESTS) {
		ds->n--;
		return;
	}
	if (forged)
		d->severity = LEVEL_HIGH;
	d->requests = n;
	/* The fix lets every proxy of ours through, trusted or not yet, and no one else. */
	d->fix.nproxies = 0;
	for (size_t i = 0; i < l->npeers; i++)
		if (diag_is_proxy(&l->peers[i]))
			diag_fix_proxy(d, &l->peers[i].addr);
	snprintf(d->summary, sizeof(d->summary),
		 "%" PRIu64 " requests from %" PRIu64
		 " peer%s that %s not the proxy reached %s directly, %" PRIu64
		 " of them with forwarding headers of their own",
		 n, peers, peers == 1 ? "" : "s", peers == 1 ? "is" : "are",
		 diag_listener_text(l, where, sizeof(where)), forged);
}

/* Chains longer than the proxies' own hops: the leftmost entries are the clients'. */
static void client_headers_pass_through(struct diagnoses *ds, const struct topology *t,
					const struct topo_listener *l)
{
	uint64_t n = 0, of = 0;
	struct diagnosis *d;
	char where[64];

	for (size_t i = 0; i < l->npeers; i++)
		if (diag_is_proxy(&l->peers[i])) {
			n += l->peers[i].longer;
			of += l->peers[i].with_header;
		}
	if (n < DIAG_MIN_REQUESTS)
		return;
	d = diag_add(ds, t, l, DIAG_CLIENT_HEADERS_PASS_THROUGH, LEVEL_MEDIUM, LEVEL_HIGH);
	if (!d)
		return;
	about_proxies(d, l);
	d->requests = n;
	d->depth = main_proxy(l)->depth;
	diag_examples(d, &l->long_chain);
	snprintf(d->summary, sizeof(d->summary),
		 "%" PRIu64 " of %" PRIu64
		 " requests through the proxy to %s carry more than the %" PRIu64
		 " hop%s the proxies append: the leftmost entries come from the client, so "
		 "code that takes the first entry can be fooled",
		 n, of, diag_listener_text(l, where, sizeof(where)), d->depth,
		 d->depth == 1 ? "" : "s");
}

/* Hop counting (ProxyFix x_for) that does not match the proxies seen. */
static void hops_mismatch(struct diagnoses *ds, const struct topology *t,
			  const struct topo_listener *l, bool *found)
{
	const struct topo_peer *p = main_proxy(l);
	struct diagnosis *d;
	char where[64];

	if (!l->rule || l->rule->hops < 0 || !p || !p->depth || (size_t)l->rule->hops == p->depth)
		return;
	/* Confidence: most chains are exactly the proxies' hops. */
	d = diag_add(ds, t, l, DIAG_HOPS_MISMATCH, LEVEL_HIGH,
		     p->depth < TOPO_CHAIN_BUCKETS && p->chain_len[p->depth] * 2 >= p->with_header
			     ? LEVEL_HIGH
			     : LEVEL_MEDIUM);
	if (!d)
		return;
	about_proxies(d, l);
	d->requests = p->with_header;
	d->depth = p->depth;
	diag_examples(d, &p->with);
	*found = true;
	snprintf(d->summary, sizeof(d->summary),
		 "hops = %d, but the proxies in front of %s append %" PRIu64
		 " hop%s: the client is taken %s",
		 l->rule->hops, diag_listener_text(l, where, sizeof(where)), d->depth,
		 d->depth == 1 ? "" : "s",
		 (size_t)l->rule->hops > d->depth
			 ? "from an entry the client wrote itself (forgeable)"
			 : "from a proxy's own hop (the app logs a proxy)");
}

static bool rule_trusts_all(const struct trust_rule *r)
{
	for (size_t i = 0; r && i < r->ntrusted; i++)
		if (r->trusted[i].prefix == 0)
			return true;
	return false;
}

/*
 * A trusted peer that acts as a client: mostly without headers, and not this
 * host's loopback that never sends any (health checks, harmless).
 */
static bool trusted_client(const struct topo_peer *p)
{
	return p->trusted && p->requests >= TOPO_MIN_REQUESTS && p->with_header * 2 < p->requests &&
	       !(is_loopback(&p->addr) && !p->with_header);
}

/* Trust that covers everyone, or trusted peers that act as clients. */
static void trust_too_broad(struct diagnoses *ds, const struct topology *t,
			    const struct topo_listener *l)
{
	bool all = rule_trusts_all(l->rule);
	uint64_t clients = 0, n = 0;
	const struct topo_peer *busiest = main_proxy(l);
	struct diagnosis *d;
	char where[64];

	if (!any_proxy(l, true) && !all)
		return;
	for (size_t i = 0; i < l->npeers; i++) {
		const struct topo_peer *p = &l->peers[i];

		if (trusted_client(p)) {
			clients++;
			n += p->requests;
		}
	}
	if (!all && n < DIAG_MIN_REQUESTS)
		return;
	d = diag_add(ds, t, l, DIAG_TRUST_TOO_BROAD, all ? LEVEL_HIGH : LEVEL_MEDIUM,
		     all ? LEVEL_HIGH : LEVEL_MEDIUM);
	if (!d)
		return;
	/* The proxies to keep trusting: those that carry several clients, else the busiest. */
	for (size_t i = 0; i < l->npeers; i++) {
		const struct topo_peer *p = &l->peers[i];

		/* Under a /0 anyone sending headers is "trusted": keep those that carry clients. */
		if (diag_is_proxy(p) && p->trusted && (!all || p->carries_clients || p == busiest))
			diag_fix_proxy(d, &p->addr);
	}
	/* It is about the trusted peers that act as clients. */
	for (size_t i = 0; i < l->npeers; i++) {
		const struct topo_peer *p = &l->peers[i];

		if (trusted_client(p)) {
			diag_about(d, &p->addr, false);
			diag_examples(d, &p->without);
		}
	}
	d->requests = all ? l->requests : n;
	snprintf(d->summary, sizeof(d->summary),
		 all ? "the rule for %s trusts every address (a /0): anyone who reaches the port "
		       "chooses the client address the app logs"
		     : "the trusted ranges for %s include %" PRIu64
		       " peers that act as clients (%" PRIu64 " requests without forwarding "
		       "headers): their forged headers would be believed",
		 diag_listener_text(l, where, sizeof(where)), clients, n);
}

/* A CDN's client header sent by someone outside the CDN. */
static void cdn_header_not_from_cdn(struct diagnoses *ds, const struct topology *t,
				    const struct topo_listener *l)
{
	uint64_t n = 0, cf = 0, tci = 0;
	struct diagnosis *d;
	char where[64];

	for (size_t i = 0; i <= l->npeers; i++) {
		const struct topo_peer *p = i < l->npeers ? &l->peers[i] : &l->other;

		n += p->cdn_outside;
		cf += p->headers[XFFW_F_CF_CONNECTING_IP];
		tci += p->headers[XFFW_F_TRUE_CLIENT_IP];
	}
	if (n < DIAG_MIN_REQUESTS)
		return;
	d = diag_add(ds, t, l, DIAG_CDN_HEADER_NOT_FROM_CDN, LEVEL_HIGH, LEVEL_MEDIUM);
	if (!d)
		return;
	about_proxies(d, l);
	d->requests = n;
	d->fix.cdn_header =
		field_wire_name(cf >= tci ? XFFW_F_CF_CONNECTING_IP : XFFW_F_TRUE_CLIENT_IP);
	diag_examples(d, &l->cdn);
	snprintf(d->summary, sizeof(d->summary),
		 "%" PRIu64 " requests to %s carry %s from senders outside the CDN's published "
		 "ranges: whoever sends it chooses the client address",
		 n, diag_listener_text(l, where, sizeof(where)), d->fix.cdn_header);
}

/* The client-naming headers name different clients (finding header-conflict). */
static void headers_disagree(struct diagnoses *ds, const struct topology *t,
			     const struct topo_listener *l)
{
	uint64_t n = 0;
	struct diagnosis *d;
	char where[64];

	for (size_t i = 0; i < l->npeers; i++)
		if (l->peers[i].trusted)
			n += l->peers[i].conflict;
	if (n < DIAG_MIN_REQUESTS)
		return;
	d = diag_add(ds, t, l, DIAG_HEADERS_DISAGREE, LEVEL_MEDIUM, LEVEL_HIGH);
	if (!d)
		return;
	about_proxies(d, l);
	d->requests = n;
	d->depth = main_proxy(l) ? main_proxy(l)->depth : 0;
	diag_examples(d, &l->conflict);
	snprintf(d->summary, sizeof(d->summary),
		 "on %" PRIu64 " requests to %s, the forwarding headers name different clients "
		 "(X-Real-IP, X-Forwarded-For, Forwarded): an app reading another header than "
		 "%s logs someone else",
		 n, diag_listener_text(l, where, sizeof(where)), d->fix.header);
}

/* Is @a one of @l's proxies, or an inner proxy one of them has in front? */
static bool is_peer_proxy(const struct topo_listener *l, const struct obs_addr *a)
{
	for (size_t i = 0; i < l->npeers; i++) {
		const struct topo_peer *p = &l->peers[i];

		if (!diag_is_proxy(p))
			continue;
		if (!strcmp(p->addr.text, a->text))
			return true;
		for (size_t k = 0; k < p->ninner; k++)
			if (!strcmp(p->inner[k]->value.text, a->text))
				return true;
	}
	return false;
}

/* Clients that rotate forged leftmost values. */
static void leftmost_rotation(struct diagnoses *ds, const struct topology *t,
			      const struct topo_listener *l)
{
	struct diagnosis *d = NULL;
	size_t li = (size_t)(l - t->listeners);
	char where[64];

	for (size_t i = 0; i < t->noffenders; i++) {
		const struct topo_offender *f = &t->offenders[i];

		/*
		 * A proxy's "client" (it is not trusted) passes its clients' hops on:
		 * not rotation; nor a CDN's edge, which does the same.
		 */
		if (f->listener != li || is_peer_proxy(l, &f->client) ||
		    (f->client.is_addr && cdn_contains(&f->client.addr)))
			continue;
		if (!d &&
		    !(d = diag_add(ds, t, l, DIAG_LEFTMOST_ROTATION, LEVEL_MEDIUM, LEVEL_HIGH)))
			return;
		diag_about(d, &f->client, false);
		d->requests += f->requests;
		if (f->distinct > d->distinct)
			d->distinct = f->distinct;
		diag_examples(d, &f->ex);
	}
	if (!d)
		return;
	fix_proxies(d, l);
	/* No proxy in front: no stack should read the header at all, let alone trust a hop. */
	d->no_stack_fixes = !any_proxy(l, true) && !any_proxy(l, false);
	snprintf(d->summary, sizeof(d->summary),
		 "a client (the evidence's addresses) sent %" PRIu64
		 "%s different forged leftmost X-Forwarded-For values within "
		 "%u s to %s: the usual way around rate limits keyed on the first entry",
		 d->distinct, d->distinct >= ROTATION_DISTINCT_MAX ? " or more" : "",
		 (unsigned int)(TOPO_ROTATION_WINDOW_NS / 1000000000ULL),
		 diag_listener_text(l, where, sizeof(where)));
}

/*
 * Is @a on @peer's own network: its /24 (IPv6 /64), as a bridge's gateway
 * is to the containers behind it? Never loopback (a local client).
 */
static bool gateway_like(const struct obs_addr *a, const struct obs_addr *peer)
{
	return a->is_addr && !is_loopback(a) && peer->is_addr &&
	       peer->addr.family == a->addr.family &&
	       !memcmp(a->addr.b, peer->addr.b, a->addr.family == 4 ? 3 : 8);
}

/* Nearly every request through a proxy resolves to one gateway address. */
static void clients_behind_nat(struct diagnoses *ds, const struct topology *t,
			       const struct topo_listener *l)
{
	char where[64], shown[PSEUDO_TEXT_MAX];

	for (size_t i = 0; i < l->npeers; i++) {
		const struct topo_peer *p = &l->peers[i];
		const struct topo_heavy *top = &p->heavy[0];
		struct diagnosis *d;

		if (!diag_is_proxy(p) || !p->trusted || p->with_header < DIAG_NAT_MIN)
			continue;
		for (size_t k = 1; k < TOPO_HEAVY; k++)
			if (p->heavy[k].count > top->count)
				top = &p->heavy[k];
		if (top->count * 100 < (uint64_t)DIAG_NAT_SHARE * p->with_header ||
		    !top->value.is_addr || !gateway_like(&top->value, &p->addr))
			continue;
		d = diag_add(ds, t, l, DIAG_CLIENTS_BEHIND_NAT, LEVEL_MEDIUM, LEVEL_MEDIUM);
		if (!d)
			return;
		diag_about(d, &top->value, false);
		diag_about(d, &p->addr, true);
		d->requests = top->count;
		d->depth = p->depth;
		diag_examples(d, &p->with);
		snprintf(d->summary, sizeof(d->summary),
			 "%u%% of the %" PRIu64
			 " requests through %s to %s resolve to one address on the "
			 "proxy's own network (the evidence's first address): the clients are "
			 "behind a NAT or a userland proxy (Docker's) that hides them",
			 pct(top->count, p->with_header), p->with_header,
			 diag_addr(ds, t, &p->addr, shown),
			 diag_listener_text(l, where, sizeof(where)));
		return;
	}
}

/* Does @w carry clients, as a proxy does: several, with several User-Agents or half the traffic? */
static bool owner_carries(const struct topo_owner *w, const struct topo_listener *l)
{
	return w->distinct >= 2 && (w->uas >= 2 || w->requests * 2 >= l->requests);
}

/* A person's login session or user manager: whatever they run from a shell. */
static bool login_unit(const char *unit)
{
	return !strncmp(unit, "session-", 8) || !strncmp(unit, "user@", 5);
}

/*
 * The --trust-local SPEC that names @w: its systemd unit (the one unit=
 * matches), else its user (not root, who is every system process), else its
 * cgroup (not the root cgroup). False when none fits, and for a login
 * session's process: a proxy run from a shell is not told apart from the
 * same person's curl.
 */
static bool owner_spec_of(const struct obs_owner *w, struct owner_spec *s)
{
	memset(s, 0, sizeof(*s));
	if (w->cgroup[0] == '/' && cgroup_path_outer_unit(w->cgroup, s->text, OWNER_UNIT_MAX)) {
		if (login_unit(s->text))
			return false;
		s->kind = OWNER_UNIT;
	}
	/* Odd characters are no argument to copy: the next kind, a name's number. */
	if (s->kind && fix_plain(s->text))
		return true;
	if (w->uid_known && w->uid != 0) {
		s->kind = OWNER_USER;
		s->id = w->uid;
		if (w->user[0] && fix_plain(w->user))
			snprintf(s->text, sizeof(s->text), "%s", w->user);
		else
			snprintf(s->text, sizeof(s->text), "%u", w->uid);
	} else if (w->cgroup[0] == '/' && w->cgroup[1] && fix_plain(w->cgroup)) {
		s->kind = OWNER_CGROUP;
		snprintf(s->text, sizeof(s->text), "%s", w->cgroup);
	} else {
		return false;
	}
	return true;
}

static bool owner_matches(const struct owner_spec *s, const struct topo_owner *w)
{
	struct sock_owner o;

	obs_owner_sock(&w->who, &o);
	return owner_spec_matches(s, &o);
}

/* "user www-data (uid 33), unit nginx.service", as the summary names an owner. */
static void owner_words(const struct obs_owner *w, char *buf, size_t len)
{
	snprintf(buf, len, "user %s", w->user[0] ? w->user : "?");
	if (w->uid_known)
		snprintf(buf + strlen(buf), len - strlen(buf), " (uid %u)", w->uid);
	if (w->unit[0])
		snprintf(buf + strlen(buf), len - strlen(buf), ", unit %s", w->unit);
	else if (w->cgroup[0])
		snprintf(buf + strlen(buf), len - strlen(buf), ", cgroup %s", w->cgroup);
}

/*
 * Local processes and the proxy among them (docs/doctor.md): one owner that
 * carries clients is the local proxy; other owners sending forwarding headers
 * forge them (high); none: --trust-local can name the proxy (advice).
 */
static void local_owners(struct diagnoses *ds, const struct topology *t,
			 const struct topo_listener *l)
{
	const struct topo_owner *proxy = NULL, *first = NULL;
	uint64_t matched = 0, others = l->owners_other;
	bool local_proxy = false, local_set = l->rule && l->rule->nlocal;
	unsigned int forgers = 0;
	struct owner_spec spec;
	struct diagnosis *d;
	char where[64], who[OWNER_NAME_MAX + OWNER_UNIT_MAX + CGROUP_PATH_MAX + 48];
	char proxy_who[sizeof(who)];

	for (size_t i = 0; i < l->npeers; i++)
		local_proxy |= l->peers[i].local && diag_is_proxy(&l->peers[i]);
	if (!local_proxy || l->local_headers < TOPO_MIN_REQUESTS)
		return;
	for (size_t i = 0; i < l->nowners; i++)
		if (owner_carries(&l->owners[i], l) &&
		    (!proxy || l->owners[i].requests > proxy->requests))
			proxy = &l->owners[i];
	if (!proxy || !owner_spec_of(&proxy->who, &spec))
		return;
	for (size_t i = 0; i < l->nowners; i++) {
		const struct topo_owner *w = &l->owners[i];

		if (owner_matches(&spec, w)) {
			matched += w->requests;
			continue;
		}
		/* Two owners carrying clients: two proxies, or a forger that varies; not told apart. */
		if (owner_carries(w, l))
			return;
		others += w->requests;
		forgers |= 1U << i;
		if (!first || w->requests > first->requests)
			first = w;
	}
	diag_listener_text(l, where, sizeof(where));
	owner_words(&proxy->who, proxy_who, sizeof(proxy_who));
	if (others >= DIAG_MIN_REQUESTS) {
		d = diag_add(ds, t, l, DIAG_LOCAL_PROCESS_FORGES, LEVEL_HIGH, LEVEL_HIGH);
		if (!d)
			return;
		d->owners = forgers;
		d->owners_other = l->owners_other > 0;
		d->requests = others;
		for (size_t i = 0; i < l->nowners; i++)
			if (forgers & (1U << i))
				diag_examples(d, &l->owners[i].ex);
		if (first)
			owner_words(&first->who, who, sizeof(who));
		else
			snprintf(who, sizeof(who), "local processes past the %d followed",
				 TOPO_OWNERS);
		snprintf(d->summary, sizeof(d->summary),
			 "%.200s sent %" PRIu64
			 " requests with forwarding headers of its own to %s, "
			 "where the proxy is %.200s (%" PRIu64
			 " requests): by address both are this "
			 "host, so whatever trusts the address believes the forged client%s",
			 who, first ? first->requests : others, where, proxy_who, matched,
			 others > (first ? first->requests : 0)
				 ? " (more local processes did the same: the evidence)"
				 : "");
	} else if (!local_set && matched * 100 >= (uint64_t)DIAG_LOCAL_SHARE * l->local_headers) {
		d = diag_add(ds, t, l, DIAG_TRUST_LOCAL_AVAILABLE, LEVEL_LOW, LEVEL_HIGH);
		if (!d)
			return;
		d->owners = 1U << (proxy - l->owners);
		d->requests = matched;
		diag_examples(d, &proxy->ex);
		owner_spec_format(&spec, d->local_spec, sizeof(d->local_spec));
		snprintf(d->summary, sizeof(d->summary),
			 "forwarding headers to %s from this host come only from %.200s (%" PRIu64
			 " requests): trust it by who it is (--trust-local %.200s), since by "
			 "address "
			 "any local process can send them",
			 where, proxy_who, matched, d->local_spec);
		return;
	} else {
		return;
	}
	owner_spec_format(&spec, d->local_spec, sizeof(d->local_spec));
	d->fix.local_set = local_set;
}

static int by_severity(const void *a, const void *b)
{
	const struct diagnosis *x = a, *y = b;

	if (x->severity != y->severity)
		return x->severity > y->severity ? -1 : 1;
	if (x->listener != y->listener)
		return x->listener < y->listener ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

void diagnose(const struct topology *t, struct diagnoses *ds)
{
	ds->n = 0;
	ds->suggestions = 0;
	memset(ds->count, 0, sizeof(ds->count));
	for (size_t i = 0; i < t->n; i++) {
		const struct topo_listener *l = &t->listeners[i];
		bool inner = false, hops = false, pp_unread;

		proxy_not_trusted(ds, t, l, &inner);
		proxy_sends_no_header(ds, t, l);
		app_reached_directly(ds, t, l);
		client_headers_pass_through(ds, t, l);
		hops_mismatch(ds, t, l, &hops);
		trust_too_broad(ds, t, l);
		cdn_header_not_from_cdn(ds, t, l);
		headers_disagree(ds, t, l);
		leftmost_rotation(ds, t, l);
		local_owners(ds, t, l);
		pp_unread = diagnose_pp(ds, t, l);
		/* A walk that stops on a proxy (or ignores its preamble) makes every client it: not a NAT. */
		if (!inner && !hops && !pp_unread)
			clients_behind_nat(ds, t, l);
	}
	qsort(ds->d, ds->n, sizeof(ds->d[0]), by_severity);
	for (size_t i = 0; i < ds->n; i++) {
		struct diagnosis *d = &ds->d[i];

		/* The fix's strings are the diagnosis's own: point at them where it ends up. */
		for (size_t k = 0; k < d->fix.nproxies; k++)
			d->fix.proxies[k] = d->proxy_text[k];
		for (size_t k = 0; k < d->fix.ntrusted; k++)
			d->fix.trusted[k] = d->trusted_text[k];
		d->fix.depth = (unsigned int)d->depth;
		d->fix.local_owner = d->local_spec[0] ? d->local_spec : NULL;
		if (d->public_left_out) {
			size_t n = strlen(d->summary);

			snprintf(
				d->summary + n, sizeof(d->summary) - n,
				" (a public address that acts as a proxy is left out of the fixes: "
				"trust it only if it is yours)");
		}
		if (d->unnamed) {
			size_t n = strlen(d->summary);

			snprintf(d->summary + n, sizeof(d->summary) - n,
				 " (the events hide addresses behind pseudonyms: the fixes cannot "
				 "name the proxy, add its address yourself)");
		}
		if (d->severity == LEVEL_LOW)
			ds->suggestions++;
		else
			ds->count[d->severity]++;
	}
}
