/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * How many distinct values has one client sent within a time window? For
 * "one real client sends many distinct forged leftmost values" (rotating the
 * address a per-IP rate limit keys on). Clients and values are 64-bit hashes
 * the caller makes. All memory is taken at creation: @max_clients clients of
 * ROTATION_DISTINCT_MAX values each (about 540 bytes a client); a new client
 * in a full table evicts the one noted least recently, and is counted.
 */
#ifndef XFFW_ROTATION_WINDOW_H
#define XFFW_ROTATION_WINDOW_H

#include <stddef.h>
#include <stdint.h>

/* Distinct values kept per client: the most rotation_window_note returns. */
#define ROTATION_DISTINCT_MAX 32
/* The most clients a window may hold (indexes stay 32-bit, sizes cannot overflow). */
#define ROTATION_CLIENTS_MAX  (1U << 22)

struct rotation_window;

/*
 * A window of @window_ns nanoseconds over at most @max_clients clients
 * (1..ROTATION_CLIENTS_MAX). Returns NULL with errno EINVAL (bad size) or
 * ENOMEM.
 */
struct rotation_window *rotation_window_new(size_t max_clients, uint64_t window_ns);
void rotation_window_free(struct rotation_window *w);

/*
 * Notes that @client sent @value at @ts_ns. Returns how many distinct values
 * @client sent in the window ending at @ts_ns, this one included: a value
 * last seen at s counts while ts_ns - s <= window_ns (a value seen exactly
 * window_ns ago still counts, one nanosecond more and it is gone). Capped at
 * ROTATION_DISTINCT_MAX: when all are in the window, a new value replaces the
 * one seen longest ago. Timestamps may go backwards (captures): a value seen
 * "later" than @ts_ns is in the window, and its last-seen time never moves
 * back.
 */
unsigned int rotation_window_note(struct rotation_window *w, uint64_t client, uint64_t value,
				  uint64_t ts_ns);

/* Clients evicted so far to make room for new ones (their counts started over). */
uint64_t rotation_window_evicted(const struct rotation_window *w);

/* Clients held now (at most max_clients). */
size_t rotation_window_clients(const struct rotation_window *w);

#endif
