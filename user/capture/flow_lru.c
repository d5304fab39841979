// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capture/flow_lru.h"

#define NIL UINT32_MAX

/* Entries live in one array, linked by index: a hash chain and the LRU list. */
struct node {
	uint32_t chain;	     /* next in the bucket */
	uint32_t prev, next; /* LRU list: head is the most recent */
	uint32_t hash;
	/* key then value, each rounded up to 8 bytes */
};

struct flow_lru {
	size_t key_size, value_size, value_off, stride;
	uint32_t max, count, mask;
	uint32_t lru_head, lru_tail, free;
	uint32_t *buckets;
	unsigned char *nodes;
};

static size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

static struct node *node_at(const struct flow_lru *t, uint32_t i)
{
	return (struct node *)(t->nodes + (size_t)i * t->stride);
}

static unsigned char *key_of(struct node *n)
{
	return (unsigned char *)(n + 1);
}

struct flow_lru *flow_lru_new(size_t key_size, size_t value_size, uint32_t max_entries)
{
	struct flow_lru *t;
	uint32_t nb = 1;

	if (!max_entries || !key_size || max_entries > (1U << 30))
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	while (nb < max_entries)
		nb <<= 1;
	t->key_size = key_size;
	t->value_size = value_size;
	t->value_off = sizeof(struct node) + round8(key_size);
	t->stride = t->value_off + round8(value_size);
	t->max = max_entries;
	t->mask = nb - 1;
	t->buckets = malloc(nb * sizeof(*t->buckets));
	t->nodes = calloc(max_entries, t->stride);
	if (!t->buckets || !t->nodes) {
		flow_lru_free(t);
		return NULL;
	}
	memset(t->buckets, 0xff, nb * sizeof(*t->buckets));
	/* The free list is threaded through chain. */
	for (uint32_t i = 0; i < max_entries; i++)
		node_at(t, i)->chain = i + 1 < max_entries ? i + 1 : NIL;
	t->free = 0;
	t->lru_head = t->lru_tail = NIL;
	return t;
}

void flow_lru_free(struct flow_lru *t)
{
	if (!t)
		return;
	free(t->buckets);
	free(t->nodes);
	free(t);
}

uint32_t flow_lru_count(const struct flow_lru *t)
{
	return t->count;
}

/* A 64-bit multiply-xorshift mix of the key, word by word. */
static uint32_t hash_key(const struct flow_lru *t, const void *key)
{
	const unsigned char *k = key;
	uint64_t h = 0x9e3779b97f4a7c15ULL ^ t->key_size;
	size_t i = 0;

	for (; i + 8 <= t->key_size; i += 8) {
		uint64_t w;

		memcpy(&w, k + i, 8);
		h = (h ^ w) * 0xff51afd7ed558ccdULL;
		h ^= h >> 32;
	}
	for (; i < t->key_size; i++)
		h = (h ^ k[i]) * 0x100000001b3ULL;
	h ^= h >> 29;
	h *= 0xc4ceb9fe1a85ec53ULL;
	return (uint32_t)(h ^ (h >> 32));
}

static void lru_unlink(struct flow_lru *t, uint32_t i)
{
	struct node *n = node_at(t, i);

	if (n->prev != NIL)
		node_at(t, n->prev)->next = n->next;
	else
		t->lru_head = n->next;
	if (n->next != NIL)
		node_at(t, n->next)->prev = n->prev;
	else
		t->lru_tail = n->prev;
}

static void lru_push(struct flow_lru *t, uint32_t i)
{
	struct node *n = node_at(t, i);

	n->prev = NIL;
	n->next = t->lru_head;
	if (t->lru_head != NIL)
		node_at(t, t->lru_head)->prev = i;
	else
		t->lru_tail = i;
	t->lru_head = i;
}

static void touch(struct flow_lru *t, uint32_t i)
{
	if (t->lru_head == i)
		return;
	lru_unlink(t, i);
	lru_push(t, i);
}

/* Index of @key's entry, or NIL; *@link is where it hangs in its chain. */
static uint32_t find(const struct flow_lru *t, const void *key, uint32_t hash, uint32_t **link)
{
	uint32_t *l = &t->buckets[hash & t->mask];

	while (*l != NIL) {
		struct node *n = node_at(t, *l);

		if (n->hash == hash && !memcmp(key_of(n), key, t->key_size))
			break;
		l = &n->chain;
	}
	if (link)
		*link = l;
	return *l;
}

static void remove_at(struct flow_lru *t, uint32_t *link, uint32_t i)
{
	struct node *n = node_at(t, i);

	*link = n->chain;
	lru_unlink(t, i);
	n->chain = t->free;
	t->free = i;
	t->count--;
}

void *flow_lru_lookup(struct flow_lru *t, const void *key)
{
	uint32_t i = find(t, key, hash_key(t, key), NULL);

	if (i == NIL)
		return NULL;
	touch(t, i);
	return (unsigned char *)node_at(t, i) + t->value_off;
}

int flow_lru_update(struct flow_lru *t, const void *key, const void *value, int noexist)
{
	uint32_t hash = hash_key(t, key), *link, i = find(t, key, hash, &link);
	struct node *n;

	if (i != NIL) {
		if (noexist)
			return -EEXIST;
		touch(t, i);
		memmove((unsigned char *)node_at(t, i) + t->value_off, value, t->value_size);
		return 0;
	}
	if (t->free == NIL) {
		/* Full: the least recently used entry goes, without a word. */
		uint32_t old = t->lru_tail;
		struct node *o = node_at(t, old);

		find(t, key_of(o), o->hash, &link);
		remove_at(t, link, old);
	}
	i = t->free;
	n = node_at(t, i);
	t->free = n->chain;
	n->hash = hash;
	memcpy(key_of(n), key, t->key_size);
	memcpy((unsigned char *)n + t->value_off, value, t->value_size);
	n->chain = t->buckets[hash & t->mask];
	t->buckets[hash & t->mask] = i;
	lru_push(t, i);
	t->count++;
	return 0;
}

int flow_lru_delete(struct flow_lru *t, const void *key)
{
	uint32_t *link, i = find(t, key, hash_key(t, key), &link);

	if (i == NIL)
		return -ENOENT;
	remove_at(t, link, i);
	return 0;
}
