/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A hash table of fixed-size keys and values with a bound, like the kernel's
 * BPF_MAP_TYPE_LRU_HASH: inserting into a full table evicts the entry used
 * least recently (looked up or updated), which just goes. Exact LRU, where
 * the kernel's is approximate. All memory is taken at creation.
 */
#ifndef XFFW_FLOW_LRU_H
#define XFFW_FLOW_LRU_H

#include <stddef.h>
#include <stdint.h>

struct flow_lru;

/* A table of at most @max_entries (> 0); NULL when out of memory. */
struct flow_lru *flow_lru_new(size_t key_size, size_t value_size, uint32_t max_entries);
void flow_lru_free(struct flow_lru *t);

/* The value stored for @key (marked used), or NULL. Valid until the entry goes. */
void *flow_lru_lookup(struct flow_lru *t, const void *key);
/*
 * Stores @value for @key. @noexist: fail if the key is there. Returns 0, or
 * -EEXIST. A new key in a full table evicts the least recently used entry.
 */
int flow_lru_update(struct flow_lru *t, const void *key, const void *value, int noexist);
/* Removes @key: 0, or -ENOENT when it was not there. */
int flow_lru_delete(struct flow_lru *t, const void *key);
/* Entries in the table. */
uint32_t flow_lru_count(const struct flow_lru *t);

#endif
