// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "cmd/event_order.h"
#include "util/heap.h"

struct held_event {
	uint64_t start_ns, flow_id, seq;
	size_t size; /* of this allocation */
	struct sink_event e, brief;
	bool has_brief;
	bool brief_used; /* an output took the short form */
	bool truncated;	 /* counted truncated when it was held */
	char mem[];	 /* the copied bytes of both */
};

/* By request start, then flow, then arrival. */
static bool before(const void *ctx, const void *x, const void *y)
{
	const struct held_event *a = *(struct held_event *const *)x;
	const struct held_event *b = *(struct held_event *const *)y;

	(void)ctx;
	if (a->start_ns != b->start_ns)
		return a->start_ns < b->start_ns;
	if (a->flow_id != b->flow_id)
		return a->flow_id < b->flow_id;
	return a->seq < b->seq;
}

static size_t cstr_size(const char *s)
{
	return s ? strlen(s) + 1 : 0;
}

static size_t event_size(const struct sink_event *e)
{
	return e->len + e->method_len + e->path_len + cstr_size(e->client) + cstr_size(e->source) +
	       cstr_size(e->findings);
}

static const char *put(char **at, const char *s, size_t n)
{
	char *p = *at;

	if (!s)
		return NULL;
	memcpy(p, s, n);
	*at += n;
	return p;
}

/* @e's bytes into @at; the copy has no short form of its own (held_short gives it). */
static void copy_event(struct sink_event *to, const struct sink_event *e, char **at)
{
	*to = *e;
	to->line = put(at, e->line, e->len);
	to->method = put(at, e->method, e->method_len);
	to->path = put(at, e->path, e->path_len);
	to->client = put(at, e->client, cstr_size(e->client));
	to->source = put(at, e->source, cstr_size(e->source));
	to->findings = put(at, e->findings, cstr_size(e->findings));
	to->shorten = NULL;
	to->shorten_ctx = NULL;
}

static const struct sink_event *held_short(void *ctx)
{
	struct held_event *h = ctx;

	h->brief_used = true;
	return h->has_brief ? &h->brief : NULL;
}

/* The earliest held event to @sinks, and freed. */
static void release_first(struct event_order *o, struct sinks *sinks)
{
	struct held_event *h = o->heap[0];

	o->heap[0] = o->heap[--o->n];
	heap_down(o->heap, sizeof(o->heap[0]), o->n, 0, before, NULL);
	o->bytes -= h->size;
	sinks_put(sinks, &h->e);
	if (h->brief_used && !h->truncated)
		o->late_truncated++;
	free(h);
}

int event_order_hold(struct event_order *o, struct sinks *sinks, const struct sink_event *e,
		     const struct sink_event *brief, uint64_t start_ns, uint64_t flow_id,
		     bool truncated)
{
	size_t size = sizeof(struct held_event) + event_size(e) + (brief ? event_size(brief) : 0);
	struct held_event *h;
	char *at;

	if (o->n == o->cap) {
		size_t cap = o->cap ? 2 * o->cap : 1024;
		struct held_event **heap = realloc(o->heap, cap * sizeof(*heap));

		if (!heap) {
			sinks_put(sinks, e);
			return -ENOMEM;
		}
		o->heap = heap;
		o->cap = cap;
	}
	h = malloc(size);
	if (!h) {
		sinks_put(sinks, e);
		return -ENOMEM;
	}
	h->start_ns = start_ns;
	h->flow_id = flow_id;
	h->seq = o->seq++;
	h->size = size;
	h->brief_used = false;
	h->truncated = truncated;
	at = h->mem;
	copy_event(&h->e, e, &at);
	h->has_brief = brief != NULL;
	if (brief)
		copy_event(&h->brief, brief, &at);
	if (e->shorten) {
		h->e.shorten = held_short;
		h->e.shorten_ctx = h;
	}
	o->heap[o->n++] = h;
	heap_up(o->heap, sizeof(o->heap[0]), o->n - 1, before, NULL);
	o->bytes += size;
	while (o->n > ORDER_MAX_EVENTS || o->bytes > ORDER_MAX_BYTES) {
		release_first(o, sinks);
		o->forced++;
	}
	return 0;
}

size_t event_order_release(struct event_order *o, struct sinks *sinks, uint64_t horizon_ns,
			   size_t max)
{
	size_t n = 0;

	while (n < max && o->n && o->heap[0]->start_ns < horizon_ns) {
		release_first(o, sinks);
		n++;
	}
	return n;
}

void event_order_free(struct event_order *o)
{
	for (size_t i = 0; i < o->n; i++)
		free(o->heap[i]);
	free(o->heap);
	memset(o, 0, sizeof(*o));
}
