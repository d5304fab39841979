/* SPDX-License-Identifier: BSD-2-Clause */
/* The hops of a forwarding header, leftmost (oldest) first. */
#ifndef XFFW_CHAIN_H
#define XFFW_CHAIN_H

#include <stdbool.h>

#include "request.h"

/* Hops kept per chain: the rightmost ones, since the trust walk starts there. */
#define CHAIN_MAX 64

struct chain {
	struct str hop[CHAIN_MAX];
	size_t n;
	/* Hops left of hop[0] exist but were not kept (cut by the kernel or CHAIN_MAX). */
	bool cut_left;
};

/*
 * Collects the hops of list header @id (X-Forwarded-For and the single-IP
 * headers): all lines in wire order, each split as nginx does (runs of ',',
 * SP and, unlike nginx, HTAB between entries; a separator at the very start
 * of a line belongs to the first entry; an empty line is one empty entry).
 * A line the kernel cut at its start loses its first, partial hop and every
 * hop left of it.
 */
void chain_from_list_header(struct chain *c, const struct http_request *req, unsigned int id);

#endif
