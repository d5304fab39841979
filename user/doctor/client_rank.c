// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/client_rank.h"
#include "trust/rules.h"
#include "util/text_hash.h"

_Static_assert(RANK_SLOTS >= 2 * RANK_TRACKED && !(RANK_SLOTS & (RANK_SLOTS - 1)),
	       "slots: a power of two, half empty at most");

void rank_init(struct client_rank *r)
{
	memset(r, 0, sizeof(*r));
}

bool rank_forging(uint32_t findings)
{
	return findings &
	       (1U << FINDING_SPOOFED_HEADER | 1U << FINDING_HOPS_FROM_UNTRUSTED_PEER |
		1U << FINDING_UNEXPECTED_LOCAL_PROCESS | 1U << FINDING_PP_FROM_UNTRUSTED_PEER);
}

/* Where @text would be found first: its home slot. */
static size_t slot_of(const char *text)
{
	return text_hash(text, strlen(text)) & (RANK_SLOTS - 1);
}

/* The slot holding @text, or the empty one where it would go. */
static size_t slot_find(const struct client_rank *r, const char *text)
{
	size_t s = slot_of(text);

	while (r->slots[s] && strcmp(r->e[r->slots[s] - 1].addr.text, text))
		s = (s + 1) & (RANK_SLOTS - 1);
	return s;
}

/* Empties slot @s, moving later ones of the run back (linear probing's deletion). */
static void slot_remove(struct client_rank *r, size_t s)
{
	size_t next = s;

	r->slots[s] = 0;
	for (;;) {
		size_t home;

		next = (next + 1) & (RANK_SLOTS - 1);
		if (!r->slots[next])
			return;
		home = slot_of(r->e[r->slots[next] - 1].addr.text);
		/* Can it move to s: is s on the way from its home to where it is? */
		if (((next - home) & (RANK_SLOTS - 1)) >= ((next - s) & (RANK_SLOTS - 1))) {
			r->slots[s] = r->slots[next];
			r->slots[next] = 0;
			s = next;
		}
	}
}

/* The followed client with the smallest count (the first of them). */
static size_t smallest(const struct client_rank *r)
{
	size_t m = 0;

	for (size_t i = 1; i < r->n; i++)
		if (r->e[i].count < r->e[m].count)
			m = i;
	return m;
}

/* Space-Saving: a client not followed replaces the smallest, inheriting its count as error. */
static void client_add(struct client_rank *r, const struct obs_addr *a)
{
	uint64_t h = text_hash(a->text, strlen(a->text)) % RANK_DISTINCT_BITS;
	size_t s = slot_find(r, a->text), i;

	r->requests++;
	r->seen[h / 8] |= (uint8_t)(1U << (h % 8));
	if (r->slots[s]) {
		r->e[r->slots[s] - 1].count++;
		return;
	}
	if (r->n < RANK_TRACKED) {
		i = r->n++;
		r->e[i].count = r->e[i].error = 0;
	} else {
		i = smallest(r);
		slot_remove(r, slot_find(r, r->e[i].addr.text));
		s = slot_find(r, a->text);
		r->e[i].error = r->e[i].count;
		r->evicted = true;
	}
	r->e[i].addr = *a;
	r->e[i].count++;
	r->slots[s] = (uint16_t)(i + 1);
}

/* Appends @s to @out (@len used) when it fits with room for FORGER_CUT; false when not. */
static bool append(char out[FORGER_VALUE_TEXT], size_t *len, const char *s)
{
	size_t n = strlen(s) + (*len ? 2 : 0);

	if (*len + n + 2 + sizeof(FORGER_CUT) > FORGER_VALUE_TEXT)
		return false;
	*len += (size_t)snprintf(out + *len, FORGER_VALUE_TEXT - *len, "%s%s", *len ? ", " : "", s);
	return true;
}

/*
 * The forged chain as the event shows it, whole hops from the left, "..."
 * where the event left hops out or they do not fit.
 */
static void chain_value(const struct observation *o, char out[FORGER_VALUE_TEXT])
{
	size_t len = 0, i;

	out[0] = '\0';
	if (o->chain_length > o->nhops)
		append(out, &len, FORGER_CUT);
	for (i = 0; i < o->nhops && append(out, &len, o->hops[i]); i++)
		;
	if (i < o->nhops)
		snprintf(out + len, FORGER_VALUE_TEXT - len, "%s%s", len ? ", " : "", FORGER_CUT);
}

/* Do @s's quoted-strings all close (a backslash escapes the next byte inside one)? */
static bool quotes_close(const char *s)
{
	bool quoted = false;

	for (; *s; s++) {
		if (quoted && *s == '\\' && s[1])
			s++;
		else if (*s == '"')
			quoted = !quoted;
	}
	return !quoted;
}

/* Bytes from @p to the next ',' (outside quoted-strings when @quotes) or the end. */
static size_t item_len(const char *p, bool quotes)
{
	bool quoted = false;
	size_t i;

	for (i = 0; p[i] && (quoted || p[i] != ','); i++) {
		if (quotes && quoted && p[i] == '\\' && p[i + 1])
			i++;
		else if (quotes && p[i] == '"')
			quoted = !quoted;
	}
	return i;
}

/*
 * A forwarding header's raw line: its comma-separated items (Forwarded:
 * elements, split outside quoted-strings as the trust chain splits them
 * when the line's quotes close), whole from the left, as chain_value shows
 * hops.
 */
static void raw_value(unsigned int id, const char *raw, char out[FORGER_VALUE_TEXT])
{
	bool quotes = id == XFFW_F_FORWARDED && quotes_close(raw);
	char item[OBS_HOP_TEXT];
	size_t len = 0;

	out[0] = '\0';
	for (const char *p = raw; *p;) {
		size_t n;

		p += strspn(p, " \t");
		n = item_len(p, quotes);
		while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
			n--;
		if (n >= sizeof(item) ||
		    !append(out, &len, (snprintf(item, sizeof(item), "%.*s", (int)n, p), item))) {
			snprintf(out + len, FORGER_VALUE_TEXT - len, "%s%s", len ? ", " : "",
				 FORGER_CUT);
			return;
		}
		p += item_len(p, quotes);
		p += *p == ',';
	}
}

static void value_add(struct forger *f, unsigned int header, const char *text)
{
	for (size_t i = 0; i < f->nvalues; i++)
		if (f->values[i].header == header && !strcmp(f->values[i].text, text)) {
			f->values[i].requests++;
			return;
		}
	if (f->nvalues == FORGER_VALUES) {
		f->values_other++;
		return;
	}
	f->values[f->nvalues].header = header;
	snprintf(f->values[f->nvalues].text, FORGER_VALUE_TEXT, "%s", text);
	f->values[f->nvalues++].requests = 1;
}

/* @o's forger (its TCP peer on its listener), a new one, or NULL past FORGERS_MAX (counted). */
static struct forger *forger_of(struct client_rank *r, const struct observation *o)
{
	uint64_t h;

	for (size_t i = 0; i < r->nforgers; i++)
		if (r->forgers[i].port == o->port &&
		    !strcmp(r->forgers[i].addr.text, o->source.text))
			return &r->forgers[i];
	if (r->nforgers < FORGERS_MAX) {
		struct forger *f = &r->forgers[r->nforgers++];

		memset(f, 0, sizeof(*f));
		f->addr = o->source;
		f->port = o->port;
		return f;
	}
	h = text_hash(o->source.text, strlen(o->source.text)) ^ o->port;
	h %= sizeof(r->forgers_seen) * 8;
	r->forgers_seen[h / 8] |= (uint8_t)(1U << (h % 8));
	r->forgers_omitted_requests++;
	return NULL;
}

/*
 * The header whose hops the event's chain holds: the one client.ip came
 * from, else the first of @rule's headers the request carries, else
 * X-Forwarded-For when it carries it, else the first it carries.
 */
static unsigned int chain_header(const struct observation *o, const struct trust_rule *rule)
{
	if (o->header && o->header < XFFW_F__MAX)
		return o->header;
	for (size_t i = 0; rule && i < rule->nheaders; i++)
		if (rule->headers[i] < XFFW_F__MAX && (o->present & (1U << rule->headers[i])))
			return rule->headers[i];
	if ((o->present & (1U << XFFW_F_X_FORWARDED_FOR)) || !o->nclient_raw)
		return XFFW_F_X_FORWARDED_FOR;
	return o->client_raw_id[0];
}

static void forger_add(struct client_rank *r, const struct observation *o,
		       const struct trust_rule *rule)
{
	const uint32_t by_header = 1U << FINDING_SPOOFED_HEADER |
				   1U << FINDING_HOPS_FROM_UNTRUSTED_PEER |
				   1U << FINDING_UNEXPECTED_LOCAL_PROCESS;
	struct forger *f;
	char value[FORGER_VALUE_TEXT], raw[FORGER_VALUE_TEXT];

	r->forged_requests++;
	f = forger_of(r, o);
	if (!f)
		return;
	f->requests++;
	f->findings |= o->findings;
	f->headers |= o->present;
	if (o->findings & by_header) {
		unsigned int ch = chain_header(o, rule);

		/* The chain, for its header; pseudonymised events leave the raw lines out. */
		chain_value(o, value);
		if (value[0]) {
			f->headers |= 1U << ch;
			value_add(f, ch, value);
		}
		/* Every other client header sent: its first line (the chain's too when empty). */
		for (size_t i = 0; i < o->nclient_raw; i++) {
			if (o->client_raw_id[i] == ch && value[0])
				continue;
			raw_value(o->client_raw_id[i], o->client_raw[i], raw);
			f->headers |= 1U << o->client_raw_id[i];
			if (raw[0])
				value_add(f, o->client_raw_id[i], raw);
		}
	}
	if ((o->findings & 1U << FINDING_PP_FROM_UNTRUSTED_PEER) && o->pp.has_addr) {
		f->headers |= 1U << TRUST_PROXY_PROTOCOL;
		value_add(f, TRUST_PROXY_PROTOCOL, o->pp.source.text);
	}
}

void rank_add(struct client_rank *r, const struct observation *o, const struct trust_rule *rule)
{
	if (o->client.text[0])
		client_add(r, &o->client);
	else
		r->unnamed++;
	if (rank_forging(o->findings))
		forger_add(r, o, rule);
}

/* The bits set in @len bytes of @bits. */
static uint64_t popcount(const uint8_t *bits, size_t len)
{
	uint64_t n = 0;

	for (size_t i = 0; i < len; i++)
		n += (uint64_t)__builtin_popcount(bits[i]);
	return n;
}

uint64_t rank_distinct(const struct client_rank *r)
{
	uint64_t n = popcount(r->seen, sizeof(r->seen));

	/* Colliding hashes make the bitmap count fewer, never more. */
	return r->evicted ? (n > r->n ? n : r->n) : r->n;
}

uint64_t rank_forgers_omitted(const struct client_rank *r)
{
	return popcount(r->forgers_seen, sizeof(r->forgers_seen));
}

/* qsort: most requests first, then by address text. */
static int by_requests(const void *a, const void *b)
{
	const struct rank_entry *x = *(const struct rank_entry *const *)a;
	const struct rank_entry *y = *(const struct rank_entry *const *)b;

	if (rank_requests(x) != rank_requests(y))
		return rank_requests(x) > rank_requests(y) ? -1 : 1;
	return strcmp(x->addr.text, y->addr.text);
}

size_t rank_top(const struct client_rank *r, const struct rank_entry **out, size_t max)
{
	const struct rank_entry *all[RANK_TRACKED] = { NULL };

	for (size_t i = 0; i < r->n; i++)
		all[i] = &r->e[i];
	qsort(all, r->n, sizeof(all[0]), by_requests);
	if (max > r->n)
		max = r->n;
	memcpy(out, all, max * sizeof(out[0]));
	return max;
}
