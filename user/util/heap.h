/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A binary min-heap over an array the caller owns: items of @size bytes (at
 * most 16: an index, a pointer),
 * ordered by @less. Used to merge capture files by time and to hold replay's
 * events in request order.
 */
#ifndef XFFW_HEAP_H
#define XFFW_HEAP_H

#include <stdbool.h>
#include <stddef.h>

/* Does item @a come before item @b? */
typedef bool (*heap_less_fn)(const void *ctx, const void *a, const void *b);

/* Item @i, just placed, moves up to its place. */
void heap_up(void *items, size_t size, size_t i, heap_less_fn less, const void *ctx);

/* Item @i, just replaced, moves down to its place among @n items. */
void heap_down(void *items, size_t size, size_t n, size_t i, heap_less_fn less, const void *ctx);

#endif
