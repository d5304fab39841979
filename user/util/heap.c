// SPDX-License-Identifier: BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "util/heap.h"

/* The items are small (an index, a pointer): swapped through a buffer that holds one. */
#define HEAP_ITEM_MAX 16

static void swap(char *items, size_t size, size_t i, size_t j)
{
	char t[HEAP_ITEM_MAX];

	if (size > sizeof(t))
		abort(); /* a caller's mistake, never the input's */
	memcpy(t, items + i * size, size);
	memcpy(items + i * size, items + j * size, size);
	memcpy(items + j * size, t, size);
}

void heap_up(void *items, size_t size, size_t i, heap_less_fn less, const void *ctx)
{
	char *it = items;

	while (i > 0 && less(ctx, it + i * size, it + (i - 1) / 2 * size)) {
		swap(it, size, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
}

void heap_down(void *items, size_t size, size_t n, size_t i, heap_less_fn less, const void *ctx)
{
	char *it = items;

	for (;;) {
		size_t l = 2 * i + 1, m = i;

		if (l < n && less(ctx, it + l * size, it + m * size))
			m = l;
		if (l + 1 < n && less(ctx, it + (l + 1) * size, it + m * size))
			m = l + 1;
		if (m == i)
			return;
		swap(it, size, i, m);
		i = m;
	}
}
