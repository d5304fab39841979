// SPDX-License-Identifier: BSD-2-Clause
/*
 * A chained hash table over a fixed array of clients, with the clients also
 * on a list from most to least recently noted, so that eviction is O(1).
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "trust/rotation_window.h"

#define NONE UINT32_MAX

struct seen_value {
	uint64_t value;
	uint64_t seen; /* the latest time it was noted */
};

struct client {
	uint64_t key;
	uint32_t next_in_bucket;
	uint32_t newer, older; /* the recency list */
	uint32_t n;	       /* values[0..n) are used */
	struct seen_value values[ROTATION_DISTINCT_MAX];
};

struct rotation_window {
	struct client *clients;
	uint32_t max, used;
	uint32_t *bucket; /* first client of each bucket, or NONE */
	unsigned int bucket_bits;
	uint32_t newest, oldest;
	uint64_t window_ns;
	uint64_t evicted;
};

struct rotation_window *rotation_window_new(size_t max_clients, uint64_t window_ns)
{
	struct rotation_window *w;
	unsigned int bits = 1;

	if (max_clients == 0 || max_clients > ROTATION_CLIENTS_MAX) {
		errno = EINVAL;
		return NULL;
	}
	/* At least two buckets per client: chains stay short. */
	while ((1UL << bits) < 2 * max_clients)
		bits++;
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	w->clients = calloc(max_clients, sizeof(*w->clients));
	w->bucket = malloc(sizeof(*w->bucket) << bits);
	if (!w->clients || !w->bucket) {
		rotation_window_free(w);
		errno = ENOMEM;
		return NULL;
	}
	for (size_t i = 0; i < 1UL << bits; i++)
		w->bucket[i] = NONE;
	w->max = (uint32_t)max_clients;
	w->bucket_bits = bits;
	w->newest = w->oldest = NONE;
	w->window_ns = window_ns;
	return w;
}

void rotation_window_free(struct rotation_window *w)
{
	if (!w)
		return;
	free(w->clients);
	free(w->bucket);
	free(w);
}

uint64_t rotation_window_evicted(const struct rotation_window *w)
{
	return w->evicted;
}

size_t rotation_window_clients(const struct rotation_window *w)
{
	return w->used;
}

/* The caller's hashes may be weak in their low bits: mix before taking the top ones. */
static uint32_t *bucket_of(struct rotation_window *w, uint64_t key)
{
	return &w->bucket[(key * 0x9e3779b97f4a7c15ULL) >> (64 - w->bucket_bits)];
}

static void list_unlink(struct rotation_window *w, uint32_t i)
{
	struct client *c = &w->clients[i];

	if (c->newer != NONE)
		w->clients[c->newer].older = c->older;
	else
		w->newest = c->older;
	if (c->older != NONE)
		w->clients[c->older].newer = c->newer;
	else
		w->oldest = c->newer;
}

static void list_push_newest(struct rotation_window *w, uint32_t i)
{
	struct client *c = &w->clients[i];

	c->newer = NONE;
	c->older = w->newest;
	if (w->newest != NONE)
		w->clients[w->newest].newer = i;
	else
		w->oldest = i;
	w->newest = i;
}

static void bucket_unlink(struct rotation_window *w, uint32_t i)
{
	uint32_t *p = bucket_of(w, w->clients[i].key);

	while (*p != i)
		p = &w->clients[*p].next_in_bucket;
	*p = w->clients[i].next_in_bucket;
}

/* The client's entry, made (evicting the least recently noted) when new; marked newest. */
static struct client *client_slot(struct rotation_window *w, uint64_t key)
{
	uint32_t *head = bucket_of(w, key);
	uint32_t i;

	for (i = *head; i != NONE; i = w->clients[i].next_in_bucket)
		if (w->clients[i].key == key)
			break;
	if (i != NONE) {
		list_unlink(w, i);
	} else {
		if (w->used < w->max) {
			i = w->used++;
		} else {
			i = w->oldest;
			list_unlink(w, i);
			bucket_unlink(w, i);
			w->evicted++;
		}
		w->clients[i].key = key;
		w->clients[i].n = 0;
		w->clients[i].next_in_bucket = *head;
		*head = i;
	}
	list_push_newest(w, i);
	return &w->clients[i];
}

/* Has a value last seen at @seen left the window that ends at @now? Never wraps. */
static bool expired(const struct rotation_window *w, uint64_t seen, uint64_t now)
{
	return now > seen && now - seen > w->window_ns;
}

/* The value seen longest ago, to make room in a full client. */
static uint32_t oldest_value(const struct client *c)
{
	uint32_t oldest = 0;

	for (uint32_t i = 1; i < c->n; i++)
		if (c->values[i].seen < c->values[oldest].seen)
			oldest = i;
	return oldest;
}

unsigned int rotation_window_note(struct rotation_window *w, uint64_t client, uint64_t value,
				  uint64_t ts_ns)
{
	struct client *c = client_slot(w, client);
	struct seen_value nv = { value, ts_ns };
	bool found = false;

	for (uint32_t i = 0; i < c->n;) {
		struct seen_value *v = &c->values[i];

		if (v->value == value) {
			found = true;
			if (ts_ns > v->seen)
				v->seen = ts_ns;
		} else if (expired(w, v->seen, ts_ns)) {
			*v = c->values[--c->n]; /* the one moved here is looked at next */
			continue;
		}
		i++;
	}
	if (found)
		return c->n;
	if (c->n < ROTATION_DISTINCT_MAX)
		c->values[c->n++] = nv;
	else
		c->values[oldest_value(c)] = nv;
	return c->n;
}
