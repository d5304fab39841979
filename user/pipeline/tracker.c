// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>

#include "pipeline/tracker.h"

#define NO_FIELD       SIZE_MAX
/* Field bytes a request holds without an allocation of its own (most heads). */
#define PENDING_INLINE 768
/* Freed requests and flows kept for reuse (each kind): no malloc per request. */
#define POOL_MAX       1024

/* A request waiting for the rest of its head or for its response. */
struct pending {
	TAILQ_ENTRY(pending) in_flow; /* its flow's requests, in order */
	TAILQ_ENTRY(pending) by_age;  /* all requests, oldest first */
	struct tflow *flow;
	struct xffw_record_hdr hdr; /* of the first part that came */
	uint16_t rec_flags;	    /* XFFW_REC_F_* of all parts */
	uint16_t req_flags;	    /* REQ_F_* */
	uint32_t next_part;
	bool head_done;
	size_t last; /* offset of the last field's header in data[], or NO_FIELD */
	size_t len, cap;
	uint8_t *data; /* field area, continued pieces joined: inline, or allocated */
	uint8_t inline_data[PENDING_INLINE];
};

struct tflow {
	struct tflow *next; /* hash chain */
	uint64_t flow_id;
	TAILQ_HEAD(pending_list, pending) pending;
	size_t npending;
	uint64_t end_ns; /* when its FLOW_END came; 0 while open */
	enum no_response_reason end_reason;
	TAILQ_ENTRY(tflow) ended;
};

/* Freed objects of one kind, each holding the link to the next in its first bytes. */
struct pool {
	struct pool_node {
		struct pool_node *next;
	} * head;
	size_t n;
};

struct tracker {
	struct tracker_config cfg;
	exchange_fn fn;
	void *ctx;
	struct tflow **buckets;
	size_t nbuckets; /* a power of two */
	TAILQ_HEAD(age_list, pending) by_age;
	TAILQ_HEAD(ended_list, tflow) ended;
	struct tracker_stats st;
	struct pool free_pending, free_flows;
	struct pp_conns *pp;	 /* connections that began with a PROXY preamble */
	struct http_request req; /* decoded for the exchange function */
};

static const char *const reason_names[NR__MAX] = {
	[NR_NONE] = "none",	    [NR_TIMEOUT] = "timeout",	      [NR_FLOW_END] = "flow-end",
	[NR_DESYNC] = "desync",	    [NR_SKIPPED] = "skipped",	      [NR_OVERFLOW] = "overflow",
	[NR_SHUTDOWN] = "shutdown", [NR_CAPTURE_END] = "capture-end",
};

const char *no_response_reason_name(enum no_response_reason r)
{
	return r < NR__MAX ? reason_names[r] : "?";
}

struct tracker *tracker_new(const struct tracker_config *cfg, exchange_fn fn, void *ctx)
{
	struct tracker *t = calloc(1, sizeof(*t));
	size_t n = 1024;

	if (!t)
		return NULL;
	t->cfg = *cfg;
	if (!t->cfg.max_pending)
		t->cfg.max_pending = 1;
	if (!t->cfg.max_per_flow)
		t->cfg.max_per_flow = 1;
	while (n < t->cfg.max_pending && n < (1U << 22))
		n <<= 1;
	t->nbuckets = n;
	t->buckets = calloc(n, sizeof(*t->buckets));
	t->pp = pp_conns_new(t->cfg.max_pp_conns, &t->st.pp);
	if (!t->buckets || !t->pp) {
		pp_conns_free(t->pp);
		free(t->buckets);
		free(t);
		return NULL;
	}
	t->fn = fn;
	t->ctx = ctx;
	TAILQ_INIT(&t->by_age);
	TAILQ_INIT(&t->ended);
	return t;
}

/* A zeroed object of @size bytes, or a reused one with its first @clear bytes zeroed; NULL. */
static void *pool_get(struct pool *pool, size_t size, size_t clear)
{
	struct pool_node *node = pool->head;

	if (!node)
		return calloc(1, size);
	pool->head = node->next;
	pool->n--;
	memset(node, 0, clear);
	return node;
}

/* Keeps @obj for reuse, or frees it when the pool is full. */
static void pool_put(struct pool *pool, void *obj)
{
	struct pool_node *node = obj;

	if (pool->n >= POOL_MAX) {
		free(obj);
		return;
	}
	node->next = pool->head;
	pool->head = node;
	pool->n++;
}

static void pool_drain(struct pool *pool)
{
	while (pool->head) {
		struct pool_node *node = pool->head;

		pool->head = node->next;
		free(node);
	}
	pool->n = 0;
}

static struct tflow **bucket(struct tracker *t, uint64_t flow_id)
{
	/* Flow ids are sequential: a multiplicative hash spreads them. */
	return &t->buckets[(flow_id * 0x9E3779B97F4A7C15ULL) >> 40 & (t->nbuckets - 1)];
}

static struct tflow *flow_find(struct tracker *t, uint64_t flow_id)
{
	for (struct tflow *f = *bucket(t, flow_id); f; f = f->next)
		if (f->flow_id == flow_id)
			return f;
	return NULL;
}

static struct tflow *flow_add(struct tracker *t, uint64_t flow_id)
{
	struct tflow **b = bucket(t, flow_id),
		     *f = pool_get(&t->free_flows, sizeof(*f), sizeof(*f));

	if (!f)
		return NULL;
	f->flow_id = flow_id;
	TAILQ_INIT(&f->pending);
	f->next = *b;
	*b = f;
	return f;
}

/* A flow is kept only while requests wait on it. */
static void flow_release(struct tracker *t, struct tflow *f)
{
	struct tflow **pp;

	if (f->npending)
		return;
	for (pp = bucket(t, f->flow_id); *pp; pp = &(*pp)->next) {
		if (*pp == f) {
			*pp = f->next;
			break;
		}
	}
	if (f->end_ns)
		TAILQ_REMOVE(&t->ended, f, ended);
	pool_put(&t->free_flows, f);
}

static struct xffw_field_hdr *field_at(struct pending *p, size_t off)
{
	return (struct xffw_field_hdr *)(p->data + off);
}

/* The last field is complete: a new one follows, or the head ended. */
static void close_last(struct pending *p)
{
	if (p->last != NO_FIELD) {
		struct xffw_field_hdr fh;

		memcpy(&fh, field_at(p, p->last), sizeof(fh));
		fh.flags &= (uint8_t)~XFFW_FIELD_F_CONT;
		memcpy(field_at(p, p->last), &fh, sizeof(fh));
	}
}

static bool reserve(struct pending *p, size_t more)
{
	size_t cap = p->cap;
	uint8_t *d;

	if (p->len + more <= p->cap)
		return true;
	if (p->len + more > TRACKER_DATA_MAX) {
		p->req_flags |= REQ_F_CAPPED;
		return false;
	}
	while (cap < p->len + more)
		cap *= 2;
	if (cap > TRACKER_DATA_MAX)
		cap = TRACKER_DATA_MAX;
	d = realloc(p->data == p->inline_data ? NULL : p->data, cap);
	if (!d) {
		p->req_flags |= REQ_F_CAPPED;
		return false;
	}
	if (p->data == p->inline_data)
		memcpy(d, p->inline_data, p->len);
	p->data = d;
	p->cap = cap;
	return true;
}

/* The longest value of field @id kept (TRACKER_VALUE_MAX, TRACKER_CHAIN_MAX). */
static size_t value_cap(unsigned int id)
{
	return field_keeps_tail(id) ? TRACKER_CHAIN_MAX : TRACKER_VALUE_MAX;
}

static void add_field(struct pending *p, uint8_t id, uint8_t flags, const uint8_t *v, size_t n)
{
	struct xffw_field_hdr fh = { .id = id, .flags = flags };
	size_t cap = value_cap(id);

	if (n > cap) {
		if (field_keeps_tail(id)) {
			v += n - cap;
			fh.flags |= XFFW_FIELD_F_TRUNC_HEAD;
		} else {
			fh.flags |= XFFW_FIELD_F_TRUNC_TAIL;
		}
		n = cap;
	}
	if (!reserve(p, sizeof(fh) + n)) {
		p->last = NO_FIELD;
		return;
	}
	fh.len = (uint16_t)n;
	memcpy(p->data + p->len, &fh, sizeof(fh));
	memcpy(p->data + p->len + sizeof(fh), v, n);
	p->last = p->len;
	p->len += sizeof(fh) + n;
}

/* Joins a continued piece to the last field, within its value_cap(). */
static void join_piece(struct pending *p, uint8_t flags, const uint8_t *v, size_t n)
{
	struct xffw_field_hdr fh;
	size_t have, keep, cap;
	uint8_t *value;

	memcpy(&fh, field_at(p, p->last), sizeof(fh));
	cap = value_cap(fh.id);
	value = p->data + p->last + sizeof(fh);
	have = fh.len;
	fh.flags = (uint8_t)((fh.flags & ~XFFW_FIELD_F_CONT) | (flags & XFFW_FIELD_F_CONT));
	if (fh.flags & XFFW_FIELD_F_TRUNC_TAIL) {
		/* Its end was already cut away: nothing after it can join up. */
		memcpy(field_at(p, p->last), &fh, sizeof(fh));
		return;
	}
	if (flags & XFFW_FIELD_F_TRUNC_HEAD) {
		/* The kernel kept only this piece's end: the bytes before no longer join up. */
		have = 0;
		fh.flags |= XFFW_FIELD_F_TRUNC_HEAD;
	}
	fh.flags |= flags & XFFW_FIELD_F_TRUNC_TAIL;
	if (have + n > cap) {
		if (field_keeps_tail(fh.id)) {
			if (n >= cap) {
				v += n - cap;
				n = cap;
				have = 0;
			} else {
				keep = cap - n;
				memmove(value, value + have - keep, keep);
				have = keep;
			}
			fh.flags |= XFFW_FIELD_F_TRUNC_HEAD;
		} else {
			n = cap - have;
			fh.flags |= XFFW_FIELD_F_TRUNC_TAIL;
		}
	}
	p->len = p->last + sizeof(fh) + have;
	if (n && !reserve(p, n)) {
		/* This piece and what follows are lost: the value's end, whatever it is. */
		fh.flags |= XFFW_FIELD_F_TRUNC_TAIL;
		n = 0;
	}
	memcpy(p->data + p->len, v, n);
	p->len += n;
	fh.len = (uint16_t)(have + n);
	memcpy(field_at(p, p->last), &fh, sizeof(fh));
}

/* Adds a part's field area to the request. */
static int add_fields(struct pending *p, const uint8_t *d, size_t len)
{
	const uint8_t *end = d + len;

	while (d < end) {
		struct xffw_field_hdr fh, last;
		const uint8_t *v;

		if (field_next(&d, end, &fh, &v))
			return -EBADMSG;
		if (fh.flags & XFFW_FIELD_F_CONTINUED) {
			if (p->last != NO_FIELD) {
				memcpy(&last, field_at(p, p->last), sizeof(last));
				if (last.id == fh.id && (last.flags & XFFW_FIELD_F_CONT)) {
					join_piece(p, fh.flags, v, fh.len);
					continue;
				}
			}
			/* What it continues was lost: it is the end of a value. */
			fh.flags = (uint8_t)((fh.flags & ~XFFW_FIELD_F_CONTINUED) |
					     XFFW_FIELD_F_TRUNC_HEAD);
		}
		close_last(p);
		add_field(p, fh.id, fh.flags, v, fh.len);
	}
	return 0;
}

static void pending_free(struct tracker *t, struct pending *p)
{
	struct tflow *f = p->flow;

	TAILQ_REMOVE(&f->pending, p, in_flow);
	TAILQ_REMOVE(&t->by_age, p, by_age);
	f->npending--;
	t->st.pending--;
	if (p->data != p->inline_data)
		free(p->data);
	pool_put(&t->free_pending, p);
}

/* Hands the request to the exchange function and forgets it. */
static void finish(struct tracker *t, struct pending *p, uint16_t status, uint64_t response_ns,
		   enum no_response_reason why)
{
	struct http_request *req = &t->req;
	struct exchange x = { .req = req,
			      .status = status,
			      .response_ns = response_ns,
			      .no_response = status ? NR_NONE : why };

	if (p->head_done)
		close_last(p);
	request_from_hdr(req, &p->hdr);
	req->rec_flags = p->rec_flags;
	req->flags = p->req_flags;
	if (fields_decode(p->data, p->len, req, false)) {
		t->st.unusable_heads++;
	} else {
		pp_conns_attach(t->pp, req);
		if (req_head_incomplete(req))
			t->st.truncated++;
		if (status)
			t->st.paired++;
		else
			t->st.no_response[why]++;
		t->fn(t->ctx, &x);
	}
	pending_free(t, p);
}

static struct pending *pending_new(struct tracker *t, struct tflow *f,
				   const struct xffw_record_hdr *h)
{
	struct pending *p;

	/* Room first: the oldest waiting request on the flow, then anywhere, gives way. */
	if (f->npending >= t->cfg.max_per_flow)
		finish(t, TAILQ_FIRST(&f->pending), 0, 0, NR_OVERFLOW);
	if (t->st.pending >= t->cfg.max_pending) {
		struct pending *old = TAILQ_FIRST(&t->by_age);
		struct tflow *of = old->flow;

		finish(t, old, 0, 0, NR_OVERFLOW);
		if (of != f)
			flow_release(t, of);
	}
	/* (The inline bytes need no clearing: len says what is used.) */
	p = pool_get(&t->free_pending, sizeof(*p), offsetof(struct pending, inline_data));
	if (!p)
		return NULL;
	p->data = p->inline_data;
	p->cap = PENDING_INLINE;
	p->flow = f;
	p->hdr = *h;
	p->last = NO_FIELD;
	TAILQ_INSERT_TAIL(&f->pending, p, in_flow);
	TAILQ_INSERT_TAIL(&t->by_age, p, by_age);
	f->npending++;
	t->st.pending++;
	t->st.requests++;
	return p;
}

static int on_request(struct tracker *t, const struct xffw_record_hdr *h, const uint8_t *data)
{
	struct tflow *f = flow_find(t, h->flow_id);
	struct pending *p;

	if (!f && !(f = flow_add(t, h->flow_id)))
		return -ENOMEM;
	p = TAILQ_LAST(&f->pending, pending_list);
	if (p && p->hdr.msg > h->msg) {
		t->st.bad_records++;
		return 0;
	}
	if (!p || p->hdr.msg != h->msg) {
		p = pending_new(t, f, h);
		if (!p) {
			flow_release(t, f);
			return -ENOMEM;
		}
		if (h->part) {
			p->req_flags |= REQ_F_PARTS_LOST;
			t->st.parts_lost += h->part;
		}
	} else if (p->head_done || h->part < p->next_part) {
		t->st.bad_records++;
		return 0;
	} else if (h->part > p->next_part) {
		p->req_flags |= REQ_F_PARTS_LOST;
		t->st.parts_lost += h->part - p->next_part;
	}
	p->next_part = h->part + 1U;
	p->rec_flags |= h->flags;
	if (add_fields(p, data, h->data_len)) {
		t->st.bad_records++;
		p->req_flags |= REQ_F_PARTS_LOST;
	}
	if (h->flags & XFFW_REC_F_HEAD_END) {
		p->head_done = true;
		close_last(p);
	}
	return 0;
}

static void on_response(struct tracker *t, const struct xffw_record_hdr *h)
{
	struct tflow *f = flow_find(t, h->flow_id);
	struct pending *p;

	t->st.responses++;
	if (!f) {
		t->st.late_responses++;
		return;
	}
	/* Responses come in request order: earlier requests waiting lost theirs. */
	while ((p = TAILQ_FIRST(&f->pending)) && p->hdr.msg < h->msg)
		finish(t, p, 0, 0, NR_SKIPPED);
	if (p && p->hdr.msg == h->msg)
		finish(t, p, h->status, h->ts_ns, NR_NONE);
	else
		t->st.late_responses++;
	flow_release(t, f);
}

static void on_flow_end(struct tracker *t, const struct xffw_record_hdr *h, uint64_t now_ns)
{
	struct tflow *f = flow_find(t, h->flow_id);

	t->st.flow_ends++;
	if (h->reason == XFFW_END_DESYNC)
		t->st.desyncs++;
	else
		pp_conns_end(t->pp, h->conn_id,
			     now_ns); /* (a desync goes on on the same connection) */
	if (!f || f->end_ns)
		return;
	/* Records from other CPUs may still be on their way: give them a moment. */
	f->end_ns = now_ns ? now_ns : 1;
	f->end_reason = h->reason == XFFW_END_DESYNC ? NR_DESYNC : NR_FLOW_END;
	TAILQ_INSERT_TAIL(&t->ended, f, ended);
	if (!f->npending)
		flow_release(t, f);
}

int tracker_record(struct tracker *t, const void *data, size_t size, uint64_t now_ns)
{
	const struct xffw_record_hdr *h = data;
	int type = record_check(data, size);

	if (type < 0) {
		t->st.bad_records++;
		return type;
	}
	switch (type) {
	case XFFW_REC_REQUEST:
		if (on_request(t, h, (const uint8_t *)data + sizeof(*h)) == -ENOMEM)
			t->st.no_response[NR_OVERFLOW]++;
		break;
	case XFFW_REC_RESPONSE:
		on_response(t, h);
		break;
	case XFFW_REC_FLOW_END:
		on_flow_end(t, h, now_ns);
		break;
	case XFFW_REC_PROXY:
		pp_conns_part(t->pp, h, (const uint8_t *)data + sizeof(*h));
		break;
	case XFFW_REC_NOT_HTTP:
		if (h->reason < sizeof(t->st.not_http) / sizeof(t->st.not_http[0]))
			t->st.not_http[h->reason]++;
		break;
	}
	return type;
}

static void flow_finish_all(struct tracker *t, struct tflow *f, enum no_response_reason why)
{
	struct pending *p;

	while ((p = TAILQ_FIRST(&f->pending)))
		finish(t, p, 0, 0, why);
	flow_release(t, f);
}

void tracker_expire(struct tracker *t, uint64_t now_ns)
{
	struct tflow *f;
	struct pending *p;

	while ((f = TAILQ_FIRST(&t->ended)) && f->end_ns + t->cfg.end_grace_ns <= now_ns)
		flow_finish_all(t, f, f->end_reason);
	while ((p = TAILQ_FIRST(&t->by_age)) &&
	       p->hdr.ts_ns + t->cfg.response_timeout_ns <= now_ns) {
		f = p->flow;
		finish(t, p, 0, 0, NR_TIMEOUT);
		flow_release(t, f);
	}
	/* After the requests of the flows that ended: they may still have needed their preamble. */
	pp_conns_expire(t->pp, now_ns > t->cfg.end_grace_ns ? now_ns - t->cfg.end_grace_ns : 0);
}

void tracker_flush(struct tracker *t, enum no_response_reason why)
{
	struct tflow *f;
	struct pending *p;

	/* Flows that ended keep the reason they ended for. */
	while ((f = TAILQ_FIRST(&t->ended)))
		flow_finish_all(t, f, f->end_reason);
	while ((p = TAILQ_FIRST(&t->by_age))) {
		struct tflow *f = p->flow;

		finish(t, p, 0, 0, why);
		flow_release(t, f);
	}
	pp_conns_expire(t->pp, UINT64_MAX);
}

const struct tracker_stats *tracker_stats(const struct tracker *t)
{
	return &t->st;
}

void tracker_free(struct tracker *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nbuckets; i++) {
		while (t->buckets[i]) {
			struct tflow *f = t->buckets[i];
			struct pending *p;

			t->buckets[i] = f->next;
			while ((p = TAILQ_FIRST(&f->pending))) {
				TAILQ_REMOVE(&f->pending, p, in_flow);
				if (p->data != p->inline_data)
					free(p->data);
				free(p);
			}
			free(f);
		}
	}
	pool_drain(&t->free_pending);
	pool_drain(&t->free_flows);
	pp_conns_free(t->pp);
	free(t->buckets);
	free(t);
}

uint64_t tracker_oldest_ns(const struct tracker *t)
{
	const struct pending *p = TAILQ_FIRST(&t->by_age);

	return p ? p->hdr.ts_ns : UINT64_MAX;
}
