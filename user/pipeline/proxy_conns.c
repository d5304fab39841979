// SPDX-License-Identifier: BSD-2-Clause
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "pipeline/proxy_conns.h"
#include "pipeline/proxy_preamble.h"

/* Hash buckets to start with; doubled as connections come, up to one per connection. */
#define BUCKETS_MIN 64
#define BUCKETS_MAX (1U << 22)

/* Preamble bytes a connection holds without an allocation of its own (v1, and most v2). */
#define RAW_INLINE 128

struct pp_conn {
	struct pp_conn *next;	    /* hash chain */
	TAILQ_ENTRY(pp_conn) age;   /* all, least recently begun or used first */
	TAILQ_ENTRY(pp_conn) ended; /* ended, by end time */
	uint64_t conn_id;
	uint64_t end_ns; /* 0 while open */
	uint32_t next_part;
	bool done;	 /* the last part came, or the connection ended: parsed */
	bool parts_lost; /* a part never came */
	uint8_t state;	 /* enum req_pp_state, once done */
	struct pp_info info;
	struct pp_named named;
	size_t len, cap;
	uint8_t *raw; /* the bytes joined: inline, or allocated up to XFFW_PP_KEEP */
	uint8_t inline_raw[RAW_INLINE];
};

struct pp_conns {
	struct pp_conn **buckets;
	size_t nbuckets; /* a power of two */
	size_t n, max;
	TAILQ_HEAD(age_list, pp_conn) by_age;
	TAILQ_HEAD(ended_list, pp_conn) ended;
	struct tracker_pp_stats *st;
};

struct pp_conns *pp_conns_new(size_t max, struct tracker_pp_stats *st)
{
	struct pp_conns *t = calloc(1, sizeof(*t));
	size_t n = BUCKETS_MIN;

	if (!t)
		return NULL;
	t->max = max ? max : PP_CONNS_DEFAULT;
	t->buckets = calloc(n, sizeof(*t->buckets));
	if (!t->buckets) {
		free(t);
		return NULL;
	}
	t->nbuckets = n;
	t->st = st;
	TAILQ_INIT(&t->by_age);
	TAILQ_INIT(&t->ended);
	return t;
}

static struct pp_conn **bucket(struct pp_conns *t, uint64_t conn_id)
{
	/* Connection ids are sequential: a multiplicative hash spreads them. */
	return &t->buckets[(conn_id * 0x9E3779B97F4A7C15ULL) >> 40 & (t->nbuckets - 1)];
}

static struct pp_conn *find(struct pp_conns *t, uint64_t conn_id)
{
	for (struct pp_conn *c = *bucket(t, conn_id); c; c = c->next)
		if (c->conn_id == conn_id)
			return c;
	return NULL;
}

static void conn_free(struct pp_conns *t, struct pp_conn *c)
{
	for (struct pp_conn **pp = bucket(t, c->conn_id); *pp; pp = &(*pp)->next) {
		if (*pp == c) {
			*pp = c->next;
			break;
		}
	}
	TAILQ_REMOVE(&t->by_age, c, age);
	if (c->end_ns)
		TAILQ_REMOVE(&t->ended, c, ended);
	if (c->raw != c->inline_raw)
		free(c->raw);
	free(c);
	t->n--;
	t->st->conns = t->n;
}

/* Twice the buckets, when that is possible: chains stay short whatever the bound. */
static void grow(struct pp_conns *t)
{
	size_t old = t->nbuckets;
	struct pp_conn **was = t->buckets;

	if (old >= BUCKETS_MAX || !(t->buckets = calloc(2 * old, sizeof(*t->buckets)))) {
		t->buckets = was;
		return;
	}
	t->nbuckets = 2 * old;
	for (size_t i = 0; i < old; i++) {
		while (was[i]) {
			struct pp_conn *c = was[i], **b = bucket(t, c->conn_id);

			was[i] = c->next;
			c->next = *b;
			*b = c;
		}
	}
	free(was);
}

static struct pp_conn *conn_add(struct pp_conns *t, uint64_t conn_id)
{
	struct pp_conn **b, *c;

	if (t->n >= t->max) {
		/* One that ended (only waiting out its grace), else the least recently used. */
		struct pp_conn *old = TAILQ_FIRST(&t->ended);

		if (!old)
			old = TAILQ_FIRST(&t->by_age);
		t->st->evicted++;
		conn_free(t, old);
	}
	if (t->n >= t->nbuckets)
		grow(t);
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	c->conn_id = conn_id;
	c->raw = c->inline_raw;
	c->cap = RAW_INLINE;
	b = bucket(t, conn_id);
	c->next = *b;
	*b = c;
	TAILQ_INSERT_TAIL(&t->by_age, c, age);
	t->n++;
	t->st->conns = t->n;
	return c;
}

/* Appends @n bytes, within XFFW_PP_KEEP (the kernel never sends more). */
static void append(struct pp_conn *c, const uint8_t *b, size_t n)
{
	if (n > XFFW_PP_KEEP - c->len) {
		c->parts_lost = true; /* more than the kernel copies: not its records */
		n = XFFW_PP_KEEP - c->len;
	}
	if (c->len + n > c->cap) {
		uint8_t *raw = malloc(XFFW_PP_KEEP);

		if (!raw) {
			c->parts_lost = true;
			return;
		}
		memcpy(raw, c->raw, c->len);
		c->raw = raw;
		c->cap = XFFW_PP_KEEP;
	}
	memcpy(c->raw + c->len, b, n);
	c->len += n;
}

/* The preamble is complete (or will never be): parse it once. */
static void conclude(struct pp_conns *t, struct pp_conn *c, bool cut)
{
	struct tracker_pp_stats *st = t->st;
	int r;

	if (c->done)
		return;
	c->done = true;
	if (c->parts_lost) {
		st->parts_lost++;
		c->state = REQ_PP_LOST;
		return;
	}
	st->preambles++;
	r = pp_parse(c->raw, c->len, cut, &c->info);
	if (r == PP_OK && !cut && c->info.len != c->len) {
		/* The kernel and the parser disagree on where it ends: trust neither. */
		r = PP_MALFORMED;
		c->info.error = "its end is not where the kernel found it";
	}
	c->state = r == PP_OK ? REQ_PP_OK : r == PP_TRUNCATED ? REQ_PP_TRUNCATED : REQ_PP_MALFORMED;
	if (c->info.version == 1)
		st->v1++;
	else if (c->info.version == 2)
		st->v2++;
	if (r == PP_MALFORMED)
		st->malformed++;
	else if (r == PP_TRUNCATED)
		st->truncated++;
	else if (c->info.command == PP_CMD_LOCAL)
		st->local++;
	else if (c->info.command == PP_CMD_UNKNOWN)
		st->unknown++;
	if (r == PP_OK && c->info.crc == PP_CRC_OK)
		st->crc_ok++;
}

void pp_conns_part(struct pp_conns *t, const struct xffw_record_hdr *h, const uint8_t *data)
{
	struct pp_conn *c = find(t, h->conn_id);

	if (!c) {
		c = conn_add(t, h->conn_id);
		if (!c)
			return;
		/* A first part that is not part 0: the preamble's start was lost. */
		c->parts_lost = h->part != 0;
	} else if (c->done) {
		return; /* a part after the last: not from our kernel */
	} else if (h->part != c->next_part) {
		c->parts_lost = true;
	}
	c->next_part = h->part + 1U;
	append(c, data, h->data_len);
	if (h->flags & XFFW_REC_F_PP_END)
		conclude(t, c, h->flags & XFFW_REC_F_PP_CUT);
}

void pp_conns_end(struct pp_conns *t, uint64_t conn_id, uint64_t now_ns)
{
	struct pp_conn *c = find(t, conn_id);

	if (!c || c->end_ns)
		return;
	/* Closed inside its preamble: what came is all there is. */
	conclude(t, c, false);
	c->end_ns = now_ns ? now_ns : 1;
	TAILQ_INSERT_TAIL(&t->ended, c, ended);
}

void pp_conns_expire(struct pp_conns *t, uint64_t until_ns)
{
	struct pp_conn *c;

	while ((c = TAILQ_FIRST(&t->ended)) && c->end_ns <= until_ns)
		conn_free(t, c);
}

void pp_conns_attach(struct pp_conns *t, struct http_request *req)
{
	struct pp_conn *c;

	req->pp = NULL;
	req->pp_named = NULL;
	if (req->pp_state != REQ_PP_LOST)
		return; /* no preamble, or not known: nothing to look up */
	c = find(t, req->conn_id);
	if (!c || !c->done || c->state == REQ_PP_LOST) {
		t->st->lost++;
		return;
	}
	/* In use: the last the bound pushes out. */
	TAILQ_REMOVE(&t->by_age, c, age);
	TAILQ_INSERT_TAIL(&t->by_age, c, age);
	req->pp_state = c->state;
	req->pp = &c->info;
	req->pp_named = &c->named;
}

void pp_conns_free(struct pp_conns *t)
{
	if (!t)
		return;
	while (!TAILQ_EMPTY(&t->by_age))
		conn_free(t, TAILQ_FIRST(&t->by_age));
	free(t->buckets);
	free(t);
}
