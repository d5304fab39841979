// SPDX-License-Identifier: BSD-2-Clause
/*
 * The PROXY-protocol diagnoses (docs/doctor.md, "PROXY protocol"): from the
 * preambles the events carry (xffwatch.proxy_protocol) and their findings.
 * LOCAL preambles are health checks: topology.c counts them apart.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "doctor/address_ranges.h"
#include "doctor/diagnose_draft.h"

/* Adds @a to the senders @d's network fix blocks: any address, public ones too. */
static void block(struct diagnosis *d, const struct obs_addr *a)
{
	char *s;
	size_t n;

	if (!a->is_addr) {
		d->unnamed = true;
		return;
	}
	if (d->fix.nproxies == FIX_ADDRS_MAX)
		return;
	s = d->proxy_text[d->fix.nproxies++];
	n = ip_format(&a->addr, s);
	snprintf(s + n, CIDR_TEXT_MAX - n, "/%d", a->addr.family == 4 ? 32 : 128);
}

/* Does @p send the rule's forwarding header next to its preambles (on a tenth of them or more)? */
static bool sends_header_too(const struct topo_peer *p)
{
	return p->pp_usable && (p->pp_usable - p->pp_only) * 10 >= p->pp_usable;
}

/*
 * Preambles from peers the doctor's rule does not trust. The busiest such
 * sender, internal and carrying half the listener's connections (health
 * checks included), looks like its proxy: the fix trusts it and reads the
 * preamble. Otherwise they are someone else: block them.
 */
static void untrusted_sender(struct diagnoses *ds, const struct topology *t,
			     const struct topo_listener *l)
{
	const struct topo_peer *top = NULL;
	struct diagnosis *d;
	bool proxy_like;
	uint64_t senders = 0;
	char where[64], shown[PSEUDO_TEXT_MAX];

	if (l->pp.untrusted < DIAG_MIN_REQUESTS)
		return;
	for (size_t i = 0; i < l->npeers; i++) {
		const struct topo_peer *p = &l->peers[i];

		senders += p->pp_untrusted > 0;
		if (p->pp_untrusted && (!top || p->pp_untrusted > top->pp_untrusted))
			top = p;
	}
	proxy_like = top && top->addr.is_addr && address_internal(&top->addr.addr) &&
		     (top->requests + top->pp_health) * 2 >= l->requests + l->pp.health;
	d = diag_add(ds, t, l, DIAG_PP_UNTRUSTED_SENDER, LEVEL_HIGH,
		     proxy_like || !top ? LEVEL_HIGH : LEVEL_MEDIUM);
	if (!d)
		return;
	for (size_t i = 0; i < l->npeers; i++) {
		const struct topo_peer *p = &l->peers[i];

		if (!p->pp_untrusted)
			continue;
		diag_about(d, &p->addr, proxy_like && p == top);
		if (!proxy_like)
			block(d, &p->addr);
	}
	if (l->other.pp_untrusted)
		senders += l->peers_omitted;
	/* Their health checks count too (a preamble of any command): out of all the listener saw. */
	d->requests = l->pp.untrusted;
	d->of = l->requests + l->pp.health;
	d->fix.pp_block = !proxy_like;
	d->fix.pp_with_header = proxy_like && sends_header_too(top);
	diag_examples(d, &l->pp.untrusted_ex);
	diag_listener_text(l, where, sizeof(where));
	if (proxy_like)
		snprintf(
			d->summary, sizeof(d->summary),
			"%s begins its connections to %s with PROXY preambles (%" PRIu64
			" requests, health checks included: %u%% of the listener's) but is not "
			"trusted: "
			"xffwatch takes it as the client, not the preamble's source; it looks like "
			"the listener's proxy: trust it and read its preambles",
			diag_addr(ds, t, &top->addr, shown), where, top->pp_untrusted,
			(unsigned int)((top->requests + top->pp_health) * 100 /
				       (l->requests + l->pp.health)));
	else
		snprintf(
			d->summary, sizeof(d->summary),
			"%" PRIu64 " requests to %s came on connections that %" PRIu64
			" untrusted peer%s (the evidence's addresses) began with a PROXY preamble: "
			"whoever sends one chooses the client an app that believes it logs; none "
			"of them carries the listener's traffic as its proxy would: block them",
			d->requests, where, senders, senders == 1 ? "" : "s");
}

/* Usable preambles from trusted peers, and a rule that reads no preamble: the client is the proxy. */
static bool not_read(struct diagnoses *ds, const struct topology *t, const struct topo_listener *l)
{
	struct diagnosis *d;
	bool with_header = false;
	char where[64], shown[PSEUDO_TEXT_MAX];

	if (l->pp.not_read < DIAG_MIN_REQUESTS)
		return false;
	/* Clients taken from a header the sender does not write: anyone can name one. */
	d = diag_add(ds, t, l, DIAG_PP_NOT_READ, l->pp.not_read_header ? LEVEL_HIGH : LEVEL_MEDIUM,
		     LEVEL_HIGH);
	if (!d)
		return true;
	for (size_t i = 0; i < l->npeers; i++) {
		const struct topo_peer *p = &l->peers[i];

		if (!p->trusted || !p->pp_usable)
			continue;
		diag_about(d, &p->addr, true);
		with_header |= sends_header_too(p);
	}
	d->requests = l->pp.not_read;
	d->fix.pp_with_header = with_header;
	diag_examples(d, &l->pp.not_read_ex);
	snprintf(d->summary, sizeof(d->summary),
		 "%s, a trusted proxy, begins its connections to %s with PROXY preambles that "
		 "name the client, but the rule does not read them (proxy-protocol is not among "
		 "its headers): %" PRIu64 " requests resolve to %s",
		 d->naddrs ? diag_addr(ds, t, &d->addrs[0], shown) : "a trusted peer",
		 diag_listener_text(l, where, sizeof(where)), d->requests,
		 l->pp.not_read_header ? "a header's address that is not the preamble's: one the "
					 "client wrote, behind a sender that writes none"
				       : "the proxy's address");
	return true;
}

/* Finding proxy-protocol-missing: the rule requires a preamble, these connections had none. */
static void missing(struct diagnoses *ds, const struct topology *t, const struct topo_listener *l)
{
	struct diagnosis *d;
	uint64_t peers = 0;
	char where[64];

	if (l->pp.missing < DIAG_MIN_REQUESTS)
		return;
	d = diag_add(ds, t, l, DIAG_PP_MISSING, LEVEL_MEDIUM, LEVEL_HIGH);
	if (!d)
		return;
	for (size_t i = 0; i < l->npeers; i++)
		if (l->peers[i].pp_missing) {
			diag_about(d, &l->peers[i].addr, false);
			peers++;
		}
	if (l->other.pp_missing)
		peers += l->peers_omitted;
	d->requests = l->pp.missing;
	diag_examples(d, &l->pp.missing_ex);
	snprintf(d->summary, sizeof(d->summary),
		 "%" PRIu64 " requests to %s came from %" PRIu64
		 " peer%s on connections without the PROXY preamble the rule requires: a "
		 "server that requires it refuses them; the proxy does not send one, or they "
		 "reach the app around it",
		 d->requests, diag_listener_text(l, where, sizeof(where)), peers,
		 peers == 1 ? "" : "s");
}

/* Finding proxy-protocol-unexpected: preambles where the rule's mode is off. */
static void unexpected(struct diagnoses *ds, const struct topology *t,
		       const struct topo_listener *l)
{
	struct diagnosis *d;
	char where[64];

	if (l->pp.unexpected < DIAG_MIN_REQUESTS)
		return;
	d = diag_add(ds, t, l, DIAG_PP_UNEXPECTED, LEVEL_MEDIUM, LEVEL_HIGH);
	if (!d)
		return;
	for (size_t i = 0; i < l->npeers; i++)
		if (l->peers[i].pp)
			diag_about(d, &l->peers[i].addr, true);
	d->requests = l->pp.unexpected;
	/* Every connection had one: the listener can require it; else a mix, optional. */
	d->fix.pp_mode = l->pp.unexpected >= l->requests ? "required" : "optional";
	diag_examples(d, &l->pp.unexpected_ex);
	snprintf(d->summary, sizeof(d->summary),
		 "%" PRIu64 " of %" PRIu64
		 " requests to %s came on connections that began with a PROXY preamble, but "
		 "the rule says none arrives there (proxy-protocol off)",
		 d->requests, l->requests, diag_listener_text(l, where, sizeof(where)));
}

/* Malformed or truncated preambles, with the errors seen. */
static void malformed(struct diagnoses *ds, const struct topology *t, const struct topo_listener *l)
{
	struct diagnosis *d;
	char where[64];

	if (l->pp.malformed < DIAG_MIN_REQUESTS)
		return;
	d = diag_add(ds, t, l, DIAG_PP_MALFORMED, LEVEL_MEDIUM, LEVEL_HIGH);
	if (!d)
		return;
	for (size_t i = 0; i < l->npeers; i++)
		if (l->peers[i].pp_malformed)
			diag_about(d, &l->peers[i].addr, false);
	d->requests = l->pp.malformed;
	diag_examples(d, &l->pp.malformed_ex);
	snprintf(d->summary, sizeof(d->summary),
		 "%" PRIu64 " requests to %s came on connections whose PROXY preamble is "
		 "malformed or cut short (%zu%s distinct error%s, the first: %.100s): xffwatch "
		 "takes the peer as the client, and a server that reads the preamble refuses "
		 "them or, if more lenient, believes it",
		 d->requests, diag_listener_text(l, where, sizeof(where)), l->pp.nerrors,
		 l->pp.errors_other ? "+" : "", l->pp.nerrors == 1 ? "" : "s",
		 l->pp.nerrors ? l->pp.errors[0].text : "none given");
}

/* Finding proxy-protocol-shared-connection: a sender multiplexes clients on one connection. */
static void shared_connection(struct diagnoses *ds, const struct topology *t,
			      const struct topo_listener *l)
{
	const struct topo_peer *top = NULL;
	struct diagnosis *d;
	char where[64], shown[PSEUDO_TEXT_MAX];

	if (l->pp.shared < DIAG_MIN_REQUESTS)
		return;
	d = diag_add(ds, t, l, DIAG_PP_SHARED_CONNECTION, LEVEL_HIGH, LEVEL_HIGH);
	if (!d)
		return;
	for (size_t i = 0; i < l->npeers; i++) {
		const struct topo_peer *p = &l->peers[i];

		if (!p->pp_shared)
			continue;
		diag_about(d, &p->addr, true);
		if (!top || p->pp_shared > top->pp_shared)
			top = p;
	}
	d->requests = l->pp.shared;
	/*
	 * Only the sender can fix it: reading the header instead would believe
	 * what a client writes wherever the link is layer 4 (docs/trust.md).
	 */
	diag_examples(d, &l->pp.shared_ex);
	snprintf(d->summary, sizeof(d->summary),
		 "%s sends requests of different clients on one PROXY connection to %s (%" PRIu64
		 " requests whose forwarding header names another client than the connection's "
		 "first, which named the preamble's source): the preamble names one client per "
		 "connection, so whatever takes the client from it logs the wrong one; stop "
		 "connection reuse at the sender",
		 top ? diag_addr(ds, t, &top->addr, shown) : "a sender",
		 diag_listener_text(l, where, sizeof(where)), d->requests);
}

bool diagnose_pp(struct diagnoses *ds, const struct topology *t, const struct topo_listener *l)
{
	bool unread;

	untrusted_sender(ds, t, l);
	unread = not_read(ds, t, l);
	missing(ds, t, l);
	unexpected(ds, t, l);
	malformed(ds, t, l);
	shared_connection(ds, t, l);
	return unread;
}
