// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/topology.h"
#include "trust/hop_walk.h"

/* A forged leftmost value counts as rotation from this many distinct ones in a window. */
#define ROTATION_THRESHOLD 10
#define PEER_SLOTS	   (2 * TOPO_PEERS_MAX)

static uint64_t text_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 1099511628211ULL;
	return h;
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
	uint64_t h = text_hash(a->text);
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
	strcpy(x->source, o->source.text);
	strcpy(x->client, o->client.text);
	strcpy(x->method, o->method);
	strcpy(x->path, o->path);
	first = o->nhops > 4 ? o->nhops - 4 : 0;
	for (size_t i = first; i < o->nhops; i++)
		strcpy(x->chain[x->nchain++], o->hops[i]);
	x->chain_length = o->chain_length;
	x->findings = o->findings;
}

/* Misra-Gries: each count is a lower bound of the value's true count. */
static void heavy_add(struct topo_heavy *h, size_t n, uint64_t *seen, const struct obs_addr *v)
{
	size_t empty = n;

	(*seen)++;
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
	uint64_t h = text_hash(text);

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

/* Splits @s at commas into trimmed hops (nginx's way, enough to find a sender). */
static size_t split_list(const char *s, struct str *hops, size_t max)
{
	size_t n = 0;

	while (*s && n < max) {
		size_t len = strcspn(s, ",");
		struct str h = { s, len };

		hops[n++] = str_trim_ows(h);
		s += len;
		if (*s == ',')
			s++;
	}
	return n;
}

/*
 * Who sent a CDN's header: the first untrusted address the rule's walk of
 * X-Forwarded-For reaches (the peer when it is not trusted). False when it
 * cannot be told (no address to go by).
 */
static bool cdn_sender(const struct topo_listener *l, const struct observation *o,
		       struct ip_addr *out)
{
	struct str hops[OBS_HOPS_MAX] = { { 0 } };
	struct hop_walk w;
	size_t n;

	if (!o->peer_trusted) {
		*out = o->source.addr;
		return o->source.is_addr;
	}
	if (o->header == XFFW_F_X_FORWARDED_FOR || o->header == XFFW_F_FORWARDED) {
		*out = o->client.addr;
		return o->client.is_addr;
	}
	if (!o->xff_raw[0] || !l->rule || !o->source.is_addr)
		return false;
	n = split_list(o->xff_raw, hops, OBS_HOPS_MAX);
	hop_walk(l->rule, &o->source.addr, hops, n, &w);
	if (w.client >= n || w.invalid)
		return false;
	return ip_parse_xff_entry(hops[w.client].p, hops[w.client].len, out, NULL) == 0;
}

static void note_rotation(struct topology *t, size_t li, const struct observation *o)
{
	unsigned int distinct;
	struct topo_offender *f = NULL;

	if (!(o->findings & (1U << FINDING_LEFTMOST_DIFFERS)) || !o->nhops ||
	    o->nhops != o->chain_length || !o->ts_ns)
		return;
	distinct = rotation_window_note(t->rotation, text_hash(o->client.text),
					text_hash(o->hops[0]), o->ts_ns);
	if (distinct < ROTATION_THRESHOLD)
		return;
	for (size_t i = 0; i < t->noffenders; i++)
		if (!strcmp(t->offenders[i].client.text, o->client.text))
			f = &t->offenders[i];
	if (!f) {
		if (t->noffenders == TOPO_OFFENDERS)
			return;
		f = &t->offenders[t->noffenders++];
		memset(f, 0, sizeof(*f));
		f->client = o->client;
		f->listener = li;
	}
	f->requests++;
	if (distinct > f->distinct)
		f->distinct = distinct;
	example_add(&f->ex, o);
}

/* The values at each position from the right of a whole chain, and where the rule's walk stops. */
static void note_positions(struct topo_listener *l, struct topo_peer *p,
			   const struct observation *o)
{
	struct str hops[OBS_HOPS_MAX];
	struct hop_walk w;

	if (!o->nhops || o->nhops != o->chain_length)
		return;
	for (size_t k = 0; k < TOPO_POSITIONS && k < o->nhops; k++) {
		const char *hop = o->hops[o->nhops - 1 - k];
		struct obs_addr a = { .is_addr = false };
		size_t len = strlen(hop);

		if (len >= sizeof(a.text))
			len = sizeof(a.text) - 1;
		memcpy(a.text, hop, len);
		a.text[len] = '\0';
		a.is_addr = ip_parse_xff_entry(a.text, len, &a.addr, NULL) == 0;
		heavy_add(p->pos[k].top, 2, &p->pos[k].seen, &a);
		if (a.is_addr && l->rule && trust_contains(l->rule, &a.addr))
			p->pos[k].trusted++;
	}
	if (!l->rule || !o->source.is_addr || !o->peer_trusted)
		return;
	for (size_t i = 0; i < o->nhops; i++)
		hops[i] = (struct str){ o->hops[i], strlen(o->hops[i]) };
	hop_walk_header(l->rule, &o->source.addr, o->header ? o->header : XFFW_F_X_FORWARDED_FOR,
			hops, o->nhops, &w);
	p->walk_stop[bucket(w.client < o->nhops ? o->nhops - w.client : 0)]++;
}

void topology_add(struct topology *t, const struct observation *o)
{
	struct topo_listener *l;
	struct topo_peer *p;
	bool header = observation_has_client_header(o);

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
		return;
	}
	l->requests++;
	p = peer_of(l, &o->source);
	p->requests++;
	p->trusted |= o->peer_trusted;
	for (unsigned int id = 1; id < XFFW_F__MAX; id++)
		if (o->present & (1U << id))
			p->headers[id]++;
	if (header) {
		p->with_header++;
		example_add(&p->with, o);
		heavy_add(p->heavy, TOPO_HEAVY, &p->heavy_seen, &o->client);
		/* What the proxy appended names its client, trusted or not. */
		distinct_add(p, o->nhops ? o->hops[o->nhops - 1] : o->client.text);
		for (unsigned int id = 1; id < XFFW_F__MAX; id++)
			if (o->present & (1U << id))
				t->proxy_headers[id]++;
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
	note_positions(l, p, o);
	if (o->findings &
	    ((1U << FINDING_SPOOFED_HEADER) | (1U << FINDING_HOPS_FROM_UNTRUSTED_PEER)))
		p->forged++;
	if (o->findings & (1U << FINDING_HEADER_CONFLICT)) {
		p->conflict++;
		example_add(&l->conflict, o);
	}
	if (o->findings & (1U << FINDING_MISSING_FORWARDED_HEADER))
		p->missing++;
	if (o->present & ((1U << XFFW_F_CF_CONNECTING_IP) | (1U << XFFW_F_TRUE_CLIENT_IP))) {
		struct ip_addr sender;

		p->cdn++;
		if (cdn_sender(l, o, &sender) && !cdn_contains(&sender)) {
			p->cdn_outside++;
			example_add(&l->cdn, o);
		}
	}
	note_rotation(t, (size_t)(l - t->listeners), o);
}

/* The more frequent of a position's values. */
static const struct topo_heavy *top_of(const struct topo_position *pos)
{
	return pos->top[1].count > pos->top[0].count ? &pos->top[1] : &pos->top[0];
}

/* Does position @pos hold a proxy's address: trusted, or the same on 95 % of the chains? */
static bool proxy_position(const struct topo_position *pos)
{
	return pos->seen &&
	       (pos->trusted * 100 >= 95 * pos->seen || top_of(pos)->count * 100 >= 95 * pos->seen);
}

static void peer_depth_finish(struct topo_peer *p)
{
	size_t stop = 0;

	p->depth = p->min_chain ? 1 : 0;
	for (size_t k = 0; k < TOPO_POSITIONS && p->depth < p->min_chain; k++) {
		if (!proxy_position(&p->pos[k]))
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
	p->inner = NULL;
	p->inner_requests = 0;
	if (stop >= 1 && stop < p->depth && stop <= TOPO_POSITIONS &&
	    p->walk_stop[stop] * 2 >= p->with_header) {
		const struct topo_heavy *h = top_of(&p->pos[stop - 1]);

		if (h->value.is_addr && h->count * 2 >= p->pos[stop - 1].seen) {
			p->inner = h;
			p->inner_requests = p->walk_stop[stop];
		}
	}
}

static void peer_finish(struct topo_peer *p)
{
	peer_depth_finish(p);
	if (p->requests < TOPO_MIN_REQUESTS)
		p->role = ROLE_UNKNOWN;
	else if (p->with_header * 100 >= (uint64_t)TOPO_PROXY_SHARE * p->requests)
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
			peer_finish(&l->peers[k]);
			l->proxies += l->peers[k].role == ROLE_PROXY;
			l->clients += l->peers[k].role == ROLE_CLIENT;
		}
		peer_finish(&l->other);
		/* Past the table, peers are many: clients, whatever they send. */
		l->other.role = l->other.requests ? ROLE_CLIENT : ROLE_UNKNOWN;
	}
}
