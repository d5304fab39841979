// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/address_ranges.h"
#include "doctor/topology.h"
#include "trust/hop_walk.h"
#include "util/text_hash.h"

/* A forged leftmost value counts as rotation from this many distinct ones in a window. */
#define ROTATION_THRESHOLD 10
#define PEER_SLOTS	   (2 * TOPO_PEERS_MAX)

/* A NUL-terminated text's hash. */
static uint64_t str_hash(const char *s)
{
	return text_hash(s, strlen(s));
}

int topology_init(struct topology *t, const struct trust_rule *rules, size_t nrules)
{
	memset(t, 0, sizeof(*t));
	t->rules = rules;
	t->nrules = nrules;
	t->rotation = rotation_window_new(TOPO_ROTATION_CLIENTS, TOPO_ROTATION_WINDOW_NS);
	return t->rotation ? 0 : -ENOMEM;
}

void topology_free(struct topology *t)
{
	for (size_t i = 0; i < t->n; i++) {
		free(t->listeners[i].peers);
		free(t->listeners[i].slots);
	}
	rotation_window_free(t->rotation);
	memset(t, 0, sizeof(*t));
}

static struct topo_listener *listener_of(struct topology *t, const struct observation *o)
{
	struct topo_listener *l;

	for (size_t i = 0; i < t->n; i++)
		if (t->listeners[i].port == o->port && !strcmp(t->listeners[i].iface, o->iface))
			return &t->listeners[i];
	if (t->n == TOPO_LISTENERS_MAX)
		return NULL;
	l = &t->listeners[t->n];
	l->peers = calloc(TOPO_PEERS_MAX, sizeof(*l->peers));
	l->slots = calloc(PEER_SLOTS, sizeof(*l->slots));
	if (!l->peers || !l->slots) {
		free(l->peers);
		free(l->slots);
		memset(l, 0, sizeof(*l));
		return NULL;
	}
	t->n++;
	l->port = o->port;
	strcpy(l->iface, o->iface);
	l->rule = trust_pick(t->rules, t->nrules, o->port, o->iface);
	return l;
}

/* The peer's entry, made on first sight; the shared "other" one past TOPO_PEERS_MAX. */
static struct topo_peer *peer_of(struct topo_listener *l, const struct obs_addr *a)
{
	uint64_t h = str_hash(a->text);
	size_t s = h % PEER_SLOTS;
	struct topo_peer *p;

	for (size_t probe = 0; probe < PEER_SLOTS; probe++, s = (s + 1) % PEER_SLOTS) {
		if (!l->slots[s])
			break;
		p = &l->peers[l->slots[s] - 1];
		if (!strcmp(p->addr.text, a->text))
			return p;
	}
	if (l->npeers == TOPO_PEERS_MAX) {
		size_t bit = (size_t)(h % (sizeof(l->omitted_seen) * 8));

		if (!(l->omitted_seen[bit / 8] & (1U << (bit % 8)))) {
			l->omitted_seen[bit / 8] |= (uint8_t)(1U << (bit % 8));
			l->peers_omitted++;
		}
		return &l->other;
	}
	p = &l->peers[l->npeers++];
	p->addr = *a;
	l->slots[s] = (uint16_t)l->npeers;
	return p;
}

static void example_add(struct topo_examples *e, const struct observation *o)
{
	struct topo_example *x;
	size_t first;

	if (e->n == TOPO_EXAMPLES)
		return;
	x = &e->ex[e->n++];
	memset(x, 0, sizeof(*x));
	strcpy(x->timestamp, o->timestamp);
	x->source = o->source;
	x->client = o->client;
	strcpy(x->method, o->method);
	strcpy(x->path, o->path);
	first = o->nhops > 4 ? o->nhops - 4 : 0;
	for (size_t i = first; i < o->nhops; i++)
		strcpy(x->chain[x->nchain++], o->hops[i]);
	x->chain_length = o->chain_length;
	x->findings = o->findings;
	x->pp = o->pp;
	x->pp_findings = o->pp_findings;
}

/* Misra-Gries: each count is a lower bound of the value's true count. */
static void heavy_add(struct topo_heavy *h, size_t n, const struct obs_addr *v)
{
	size_t empty = n;

	for (size_t i = 0; i < n; i++) {
		if (h[i].count && !strcmp(h[i].value.text, v->text)) {
			h[i].count++;
			return;
		}
		if (!h[i].count && empty == n)
			empty = i;
	}
	if (empty < n) {
		h[empty].value = *v;
		h[empty].count = 1;
		return;
	}
	for (size_t i = 0; i < n; i++)
		h[i].count--;
}

static void distinct_add(struct topo_peer *p, const char *text)
{
	uint64_t h = str_hash(text);

	for (size_t i = 0; i < p->distinct; i++)
		if (p->distinct_hash[i] == h)
			return;
	if (p->distinct < TOPO_DISTINCT)
		p->distinct_hash[p->distinct++] = h;
}

static size_t bucket(size_t n)
{
	return n < TOPO_CHAIN_BUCKETS - 1 ? n : TOPO_CHAIN_BUCKETS - 1;
}

/* An event as the doctor's own rule judges it: the events may come from other settings. */
struct judged {
	bool trusted;		/* the peer */
	struct obs_addr client; /* the rule's client */
	size_t client_index;	/* the client's hop; nhops: the peer; SIZE_MAX: not known */
	bool leftmost_differs;	/* the first hop is not the client */
	bool by_owner;		/* trusted was decided by the peer socket's owner (--trust-local) */
	bool pp_used;		/* the walk went through the preamble's source */
};

/*
 * Header ids past the fields' are not headers: trust/rules.h gives the
 * preamble's source (proxy-protocol) such an id.
 */
bool topology_rule_reads_pp(const struct trust_rule *rule)
{
	for (size_t i = 0; rule && i < rule->nheaders; i++)
		if (rule->headers[i] >= XFFW_F__MAX)
			return true;
	return false;
}

/* @text as an address's obs_addr: canonical text when it is one (a port dropped). */
static void addr_of_hop(const char *text, unsigned int header, struct obs_addr *a)
{
	size_t len = strlen(text);

	a->is_addr = (header == XFFW_F_FORWARDED
			      ? forwarded_node_address((struct str){ text, len }, &a->addr)
			      : ip_parse_xff_entry(text, len, &a->addr, NULL)) == 0;
	if (a->is_addr) {
		ip_format(&a->addr, a->text);
		return;
	}
	if (len >= sizeof(a->text))
		len = sizeof(a->text) - 1;
	memcpy(a->text, text, len);
	a->text[len] = '\0';
}

/* The event's owner as trust_resolve saw it (what owner_spec_matches reads). */
void obs_owner_sock(const struct obs_owner *w, struct sock_owner *s)
{
	memset(s, 0, sizeof(*s));
	s->seen = w->seen;
	s->uid = w->uid_known ? w->uid : OWNER_UID_NONE;
	s->user_known = w->user[0] != '\0';
	snprintf(s->user, sizeof(s->user), "%s", w->user);
	s->cgroup_known = w->cgroup[0] == '/';
	snprintf(s->cgroup, sizeof(s->cgroup), "%s", w->cgroup);
	snprintf(s->facts.unit, sizeof(s->facts.unit), "%s", w->unit);
	snprintf(s->facts.container_id, sizeof(s->facts.container_id), "%s", w->container);
}

/*
 * --trust-local, as trust_resolve judges a local peer: some spec matches its
 * owner. Events carry no groups: a group= spec is taken as the event's own
 * verdict when the event was judged by owner too.
 */
bool topology_owner_trusted(const struct trust_rule *rule, const struct observation *o)
{
	struct sock_owner s;

	obs_owner_sock(&o->owner, &s);
	for (size_t i = 0; i < rule->nlocal; i++) {
		if (rule->local[i].kind == OWNER_GROUP) {
			if (o->peer_by_owner && o->peer_trusted)
				return true;
		} else if (owner_spec_matches(&rule->local[i], &s)) {
			return true;
		}
	}
	return false;
}

static void judge(const struct topo_listener *l, const struct observation *o, struct judged *j)
{
	struct str hops[OBS_HOPS_MAX];
	unsigned int header = o->header ? o->header : XFFW_F_X_FORWARDED_FOR;
	bool by_owner = l->rule && l->rule->nlocal && o->owner.seen == XFFW_SOCK_LOCAL;
	struct hop_walk_in in;
	struct hop_walk w;

	/* An event without an address returns early: judged as it says, the preamble too. */
	*j = (struct judged){ .pp_used = o->client_from_pp };
	j->trusted = o->peer_trusted;
	j->client = o->client;
	j->client_index = SIZE_MAX;
	j->leftmost_differs = o->findings & (1U << FINDING_LEFTMOST_DIFFERS);
	/* Pseudonyms, or a chain the event shortened: as the event says. */
	if (by_owner)
		j->trusted = topology_owner_trusted(l->rule, o);
	j->by_owner = by_owner;
	if (!l->rule || !o->source.is_addr)
		return;
	if (!by_owner)
		j->trusted = trust_contains(l->rule, &o->source.addr);
	/*
	 * A usable preamble from a trusted peer, under a rule that reads it:
	 * its source is the rightmost hop (docs/trust.md). Walked as the peer
	 * of the header's hops, it is that: untrusted, it is the client;
	 * trusted, the walk goes on into the header. Not recursive, or
	 * counting hops with none to take, it is the client.
	 */
	j->pp_used = j->trusted && observation_pp_usable(o) && o->pp.source.is_addr &&
		     topology_rule_reads_pp(l->rule);
	if (o->nhops != o->chain_length)
		return;
	for (size_t i = 0; i < o->nhops; i++)
		hops[i] = (struct str){ o->hops[i], strlen(o->hops[i]) };
	/* trust_resolve's own walk, the preamble's source included (trust/hop_walk.h). */
	in = (struct hop_walk_in){ .peer = &o->source.addr,
				   .owner_verdict = by_owner ? j->trusted : -1,
				   .id = header,
				   .hops = hops,
				   .n = o->nhops,
				   .pp_src = observation_pp_usable(o) && o->pp.source.is_addr
						     ? &o->pp.source.addr
						     : NULL,
				   .pp_declines = o->pp.state != REQ_PP_NONE &&
						  o->pp.state != REQ_PP_UNKNOWN &&
						  !observation_pp_usable(o) };
	hop_walk_run(l->rule, &in, &w);
	j->pp_used = w.pp_used;
	j->client_index = w.client;
	if (w.client < o->nhops)
		addr_of_hop(o->hops[w.client], header, &j->client);
	else
		j->client = j->pp_used ? o->pp.source : o->source;
	if (o->nhops) {
		struct obs_addr first;

		addr_of_hop(o->hops[0], header, &first);
		j->leftmost_differs = strcmp(first.text, j->client.text) != 0;
	}
}

/*
 * Did someone outside the CDN send its header? The sender is whoever
 * connected to the first proxy of ours: the rule's client when the CDN is not
 * trusted, the hop right of it (or the peer) when it is. Neither in the CDN's
 * ranges: an outsider. Unknown (false) without addresses to go by.
 */
static bool cdn_outsider(const struct observation *o, const struct judged *j)
{
	struct obs_addr right;

	if (!j->trusted)
		return o->source.is_addr && !cdn_contains(&o->source.addr);
	if (j->client_index == SIZE_MAX || j->client_index >= o->nhops)
		return false;
	if (j->client.is_addr && cdn_contains(&j->client.addr))
		return false;
	if (j->client_index + 1 < o->nhops)
		addr_of_hop(o->hops[j->client_index + 1], o->header, &right);
	else
		right = o->source;
	return !(right.is_addr && cdn_contains(&right.addr));
}

/*
 * The leftmost hop a rate limiter keyed on the first entry sees: the chain's
 * first, or, when the event shows only its right end, the first entry of the
 * raw X-Forwarded-For (padding the chain past what events show hides nothing).
 */
static bool leftmost_of(const struct observation *o, char *out, size_t len)
{
	if (o->nhops && o->nhops == o->chain_length) {
		snprintf(out, len, "%s", o->hops[0]);
		return true;
	}
	if (!o->xff_raw[0] || o->header != XFFW_F_X_FORWARDED_FOR)
		return false;
	snprintf(out, len, "%.*s", (int)strcspn(o->xff_raw, ","), o->xff_raw);
	return true;
}

static void note_rotation(struct topology *t, size_t li, const struct observation *o,
			  const struct judged *j)
{
	char first[OBS_HOP_TEXT];
	unsigned int distinct;
	struct topo_offender *f = NULL;

	if (!j->leftmost_differs || !o->ts_ns || !leftmost_of(o, first, sizeof(first)))
		return;
	distinct = rotation_window_note(t->rotation, str_hash(j->client.text), str_hash(first),
					o->ts_ns);
	if (distinct < ROTATION_THRESHOLD)
		return;
	for (size_t i = 0; i < t->noffenders; i++)
		if (t->offenders[i].listener == li &&
		    !strcmp(t->offenders[i].client.text, j->client.text))
			f = &t->offenders[i];
	if (!f) {
		if (t->noffenders == TOPO_OFFENDERS)
			return;
		f = &t->offenders[t->noffenders++];
		memset(f, 0, sizeof(*f));
		f->client = j->client;
		f->listener = li;
	}
	f->requests++;
	if (distinct > f->distinct)
		f->distinct = distinct;
	example_add(&f->ex, o);
}

/* The values at each position from the right of a whole chain, and where the rule's walk stops. */
static void note_positions(struct topo_listener *l, struct topo_peer *p,
			   const struct observation *o, const struct judged *j)
{
	if (!o->nhops || o->nhops != o->chain_length)
		return;
	for (size_t k = 0; k < TOPO_POSITIONS && k < o->nhops; k++) {
		struct obs_addr a;

		addr_of_hop(o->hops[o->nhops - 1 - k], o->header, &a);
		heavy_add(p->pos[k].top, TOPO_POSITION_HEAVY, &a);
		p->pos[k].seen++;
		if (a.is_addr && l->rule && trust_contains(l->rule, &a.addr))
			p->pos[k].trusted++;
	}
	if (j->trusted && j->client_index != SIZE_MAX)
		p->walk_stop[bucket(j->client_index < o->nhops ? o->nhops - j->client_index : 0)]++;
}

static bool same_owner(const struct obs_owner *a, const struct obs_owner *b)
{
	return a->uid_known == b->uid_known && a->uid == b->uid && !strcmp(a->cgroup, b->cgroup);
}

static void hash_add(uint64_t *set, size_t *n, size_t max, uint64_t h)
{
	for (size_t i = 0; i < *n; i++)
		if (set[i] == h)
			return;
	if (*n < max)
		set[(*n)++] = h;
}

/* A request with a forwarding header from a local process: to its owner's entry. */
static void note_owner(struct topo_listener *l, const struct observation *o, const struct judged *j)
{
	struct topo_owner *w = NULL;

	l->local_headers++;
	if (!j->trusted && j->by_owner)
		l->unexpected_local++;
	for (size_t i = 0; i < l->nowners && !w; i++)
		if (same_owner(&l->owners[i].who, &o->owner))
			w = &l->owners[i];
	if (!w) {
		if (l->nowners == TOPO_OWNERS) {
			l->owners_other++;
			return;
		}
		w = &l->owners[l->nowners++];
		w->who = o->owner;
	}
	w->requests++;
	w->untrusted += !j->trusted;
	hash_add(w->hop_hash, &w->distinct, TOPO_OWNER_DISTINCT,
		 str_hash(o->nhops ? o->hops[o->nhops - 1] : o->client.text));
	if (o->has_ua)
		hash_add(w->ua_hash, &w->uas, TOPO_UAS, o->ua_hash);
	example_add(&w->ex, o);
}

static void ua_add(struct topo_peer *p, const struct observation *o)
{
	if (!o->has_ua)
		return;
	for (size_t i = 0; i < p->uas; i++)
		if (p->ua_hash[i] == o->ua_hash)
			return;
	if (p->uas < TOPO_UAS)
		p->ua_hash[p->uas++] = o->ua_hash;
}

/* A preamble's error to the listener's first distinct ones. */
static void pp_error_add(struct topo_pp *pp, const char *text)
{
	for (size_t i = 0; i < pp->nerrors; i++)
		if (!strcmp(pp->errors[i].text, text)) {
			pp->errors[i].count++;
			return;
		}
	if (pp->nerrors == TOPO_PP_ERRORS) {
		pp->errors_other++;
		return;
	}
	snprintf(pp->errors[pp->nerrors].text, sizeof(pp->errors[0].text), "%s", text);
	pp->errors[pp->nerrors++].count = 1;
}

/*
 * The request's PROXY preamble, and the PROXY-protocol findings. Returns
 * true for a LOCAL one: the sender's own connection (a health check),
 * which names no client and is no request of the peer's.
 */
static bool note_pp(struct topo_listener *l, struct topo_peer *p, const struct observation *o,
		    const struct judged *j)
{
	struct topo_pp *pp = &l->pp;
	uint8_t s = o->pp.state;
	bool preamble = s == REQ_PP_OK || s == REQ_PP_MALFORMED || s == REQ_PP_TRUNCATED;
	bool local = preamble && o->pp.command == PP_CMD_LOCAL;

	pp->lost += s == REQ_PP_LOST;
	if (preamble) {
		pp->preambles++;
		pp->v1 += o->pp.version == 1;
		pp->v2 += o->pp.version == 2;
		if (!j->trusted) {
			pp->untrusted++;
			p->pp_untrusted++;
			example_add(&pp->untrusted_ex, o);
		}
	}
	if (local) {
		pp->health++;
		p->pp_health++;
		return true;
	}
	p->pp += preamble;
	if (observation_pp_usable(o)) {
		pp->usable++;
		p->pp_usable++;
		p->pp_only += !observation_has_forwarding_header(o);
		/*
		 * Trusted, but the rule reads something else: its client is the
		 * proxy, or a header's hop other than the preamble's source (a
		 * layer-4 sender writes no header: that one is the client's own).
		 */
		if (j->trusted && !j->pp_used && o->pp.source.is_addr &&
		    strcmp(j->client.text, o->pp.source.text)) {
			pp->not_read++;
			pp->not_read_header += strcmp(j->client.text, o->source.text) != 0;
			example_add(&pp->not_read_ex, o);
		}
	}
	if (o->pp_findings & (1U << OBS_PP_MISSING)) {
		pp->missing++;
		p->pp_missing++;
		example_add(&pp->missing_ex, o);
	}
	if (o->pp_findings & (1U << OBS_PP_UNEXPECTED)) {
		pp->unexpected++;
		example_add(&pp->unexpected_ex, o);
	}
	if ((o->pp_findings & (1U << OBS_PP_MALFORMED)) || s == REQ_PP_MALFORMED ||
	    s == REQ_PP_TRUNCATED) {
		pp->malformed++;
		p->pp_malformed++;
		pp_error_add(pp, o->pp.error[0] ? o->pp.error : "(no error given)");
		example_add(&pp->malformed_ex, o);
	}
	if (o->pp_findings & (1U << OBS_PP_SHARED)) {
		pp->shared++;
		p->pp_shared++;
		example_add(&pp->shared_ex, o);
	}
	return false;
}

/* A request (no health check) over time and by who sent it: what the report ranks and charts. */
static void aggregate_add(struct topology *t, const struct observation *o)
{
	timeline_add(&t->timeline, o->ts_ns, o->findings);
	rank_add(&t->rank, o, trust_pick(t->rules, t->nrules, o->port, o->iface));
}

void topology_add(struct topology *t, const struct observation *o)
{
	struct topo_listener *l;
	struct topo_peer *p;
	bool header = observation_has_client_header(o);
	struct judged j;

	t->events++;
	if (o->pseudonymized)
		t->pseudonymized = true;
	if (o->ts_ns && (!t->first_ns || o->ts_ns < t->first_ns))
		t->first_ns = o->ts_ns;
	if (o->ts_ns > t->last_ns)
		t->last_ns = o->ts_ns;
	l = listener_of(t, o);
	if (!l) {
		t->listeners_omitted++;
		aggregate_add(t, o);
		return;
	}
	judge(l, o, &j);
	p = peer_of(l, &o->source);
	/* Health checks: counted apart, never a request of the peer's nor a client. */
	if (note_pp(l, p, o, &j))
		return;
	aggregate_add(t, o);
	l->requests++;
	p->requests++;
	p->trusted |= j.trusted;
	ua_add(p, o);
	l->identity_given += o->owner.given;
	p->local += o->owner.seen == XFFW_SOCK_LOCAL;
	if (header && o->owner.seen == XFFW_SOCK_LOCAL)
		note_owner(l, o, &j);
	for (unsigned int id = 1; id < XFFW_F__MAX; id++)
		if (o->present & (1U << id))
			p->headers[id]++;
	if (header) {
		p->with_header++;
		example_add(&p->with, o);
		heavy_add(p->heavy, TOPO_HEAVY, &j.client);
		/* What the proxy appended (or its preamble's source) names its client, trusted or not. */
		distinct_add(p, o->nhops		   ? o->hops[o->nhops - 1]
				: observation_pp_usable(o) ? o->pp.source.text
							   : o->client.text);
		if (o->nhops) {
			struct obs_addr last;

			addr_of_hop(o->hops[o->nhops - 1], o->header, &last);
			p->internal_hops += last.is_addr && address_internal(&last.addr) &&
					    !address_loopback(&last.addr);
		}
		for (unsigned int id = 1; id < XFFW_F__MAX; id++)
			if (o->present & (1U << id))
				t->proxy_headers[id]++;
		if (!j.trusted)
			p->forged++;
	} else {
		example_add(&p->without, o);
	}
	if (o->chain_length) {
		/* (Examples of long chains: longer than the shortest so far, or than one hop.) */
		if (o->chain_length > (p->min_chain ? p->min_chain : 1))
			example_add(&l->long_chain, o);
		p->chain_len[bucket(o->chain_length)]++;
		if (!p->min_chain || o->chain_length < p->min_chain)
			p->min_chain = o->chain_length;
	}
	note_positions(l, p, o, &j);
	if (o->findings & (1U << FINDING_HEADER_CONFLICT)) {
		p->conflict++;
		example_add(&l->conflict, o);
	}
	if (o->present & ((1U << XFFW_F_CF_CONNECTING_IP) | (1U << XFFW_F_TRUE_CLIENT_IP))) {
		if (cdn_outsider(o, &j)) {
			p->cdn_outside++;
			example_add(&l->cdn, o);
		}
	}
	note_rotation(t, (size_t)(l - t->listeners), o, &j);
}

/* The more frequent of a position's values. */
static const struct topo_heavy *top_of(const struct topo_position *pos)
{
	const struct topo_heavy *t = &pos->top[0];

	for (size_t i = 1; i < TOPO_POSITION_HEAVY; i++)
		if (pos->top[i].count > t->count)
			t = &pos->top[i];
	return t;
}

/* Share of @pos's chains its most frequent value has, at least (percent). */
static unsigned int top_share(const struct topo_position *pos)
{
	return pos->seen ? (unsigned int)(top_of(pos)->count * 100 / pos->seen) : 0;
}

/*
 * Does position @k hold a proxy's address? Trusted on 95 % of the chains; or
 * infrastructure's addresses (address_internal: private, a CDN's) on 90 % of
 * them, one proxy or a balanced tier of them. A public address that is not a
 * CDN's is a client's or an upstream's we do not run, however regular: the
 * doctor never counts it as a proxy of ours (a client forging from a pool of
 * values looks like a proxy with clients behind it). Counting hops, the rule
 * decides a single value (within N).
 */
static bool proxy_position(const struct topo_peer *p, size_t k, int hops)
{
	const struct topo_position *pos = &p->pos[k];
	uint64_t internal = 0;

	if (!pos->seen)
		return false;
	if (pos->trusted * 100 >= 95 * pos->seen)
		return true;
	for (size_t i = 0; i < TOPO_POSITION_HEAVY; i++)
		if (pos->top[i].value.is_addr && address_internal(&pos->top[i].value.addr))
			internal += pos->top[i].count;
	if (internal * 100 >= 90 * pos->seen)
		return true;
	return hops >= 0 && k + 1 < (size_t)hops && top_share(pos) >= 90;
}

/*
 * The shortest chain that is not rare (a tenth of them or more as short):
 * a proxy's own health checks through the next one are short and few.
 */
static size_t usual_shortest(const struct topo_peer *p)
{
	uint64_t total = 0, seen = 0;

	for (size_t b = 1; b < TOPO_CHAIN_BUCKETS; b++)
		total += p->chain_len[b];
	for (size_t b = 1; b < TOPO_CHAIN_BUCKETS; b++) {
		seen += p->chain_len[b];
		if (seen * 10 >= total)
			return b;
	}
	return 0;
}

static void peer_depth_finish(struct topo_peer *p, int hops)
{
	size_t stop = 0;

	size_t cap = usual_shortest(p);

	p->depth = cap ? 1 : 0;
	for (size_t k = 0; k < TOPO_POSITIONS && p->depth < cap; k++) {
		if (!proxy_position(p, k, hops))
			break;
		p->depth++;
	}
	p->longer = 0;
	for (size_t b = bucket(p->depth) + 1; b < TOPO_CHAIN_BUCKETS; b++)
		p->longer += p->chain_len[b];
	/*
	 * Where the walk mostly stops: on a hop the proxies append (not the
	 * client's, the depth-th), it stopped on an untrusted proxy.
	 */
	for (size_t b = 1; b < TOPO_CHAIN_BUCKETS; b++)
		if (p->walk_stop[b] > p->walk_stop[stop])
			stop = b;
	p->ninner = 0;
	p->inner_requests = 0;
	if (stop < 1 || stop >= p->depth || stop > TOPO_POSITIONS ||
	    p->walk_stop[stop] * 2 < p->with_header)
		return;
	/* The proxy there, or each of a balanced tier (a tenth of the chains or more). */
	for (size_t i = 0; i < TOPO_POSITION_HEAVY; i++) {
		const struct topo_heavy *h = &p->pos[stop - 1].top[i];

		if (h->value.is_addr && address_internal(&h->value.addr) &&
		    h->count * 10 >= p->pos[stop - 1].seen)
			p->inner[p->ninner++] = h;
	}
	if (p->ninner)
		p->inner_requests = p->walk_stop[stop];
}

/*
 * A peer acts as a proxy when 80 % of its requests carry a header naming a
 * client, and it is trusted, or behaves as one: its appended hops name
 * several clients, who use several User-Agents or make half the listener's
 * traffic; or, internal itself, it appends internal addresses. A client
 * that forges one value on every request is not a proxy; and what the doctor
 * says to trust is internal anyway (diagnose.c).
 */
static void peer_finish(struct topo_peer *p, const struct topo_listener *l)
{
	bool carries = p->distinct >= 2 && (p->uas >= 2 || p->requests * 2 >= l->requests);
	/*
	 * An internal peer whose appended hops are mostly internal too (a
	 * bridge's gateway, hosts of the same network): a proxy with few
	 * clients. One that appends a public value it never varies may as well
	 * be a client forging it ("X-Forwarded-For: 203.0.113.42" to the app).
	 */
	bool behind_internal = p->addr.is_addr && address_internal(&p->addr.addr) &&
			       p->internal_hops * 2 >= p->with_header;

	peer_depth_finish(p, l->rule ? l->rule->hops : -1);
	p->carries_clients = carries;
	if (p->requests < TOPO_MIN_REQUESTS)
		p->role = ROLE_UNKNOWN;
	else if (p->with_header * 100 >= (uint64_t)TOPO_PROXY_SHARE * p->requests &&
		 (p->trusted || carries || behind_internal))
		p->role = ROLE_PROXY;
	else
		p->role = ROLE_CLIENT;
}

void topology_finish(struct topology *t)
{
	for (size_t i = 0; i < t->n; i++) {
		struct topo_listener *l = &t->listeners[i];

		l->proxies = l->clients = 0;
		for (size_t k = 0; k < l->npeers; k++) {
			peer_finish(&l->peers[k], l);
			l->proxies += l->peers[k].role == ROLE_PROXY;
			l->clients += l->peers[k].role == ROLE_CLIENT;
		}
		peer_finish(&l->other, l);
		/* Past the table, peers are many: clients, whatever they send. */
		l->other.role = l->other.requests ? ROLE_CLIENT : ROLE_UNKNOWN;
	}
}
