// SPDX-License-Identifier: BSD-2-Clause
#include "chain.h"

static bool is_separator(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

/*
 * Appends a hop, keeping the rightmost CHAIN_MAX: hop[] is used as a ring
 * while collecting (c->n counts all pushed) and put in order at the end.
 */
static void push(struct chain *c, struct str hop)
{
	c->hop[c->n % CHAIN_MAX] = hop;
	c->n++;
}

static void linearize(struct chain *c)
{
	struct str tmp[CHAIN_MAX];
	size_t start;

	if (c->n <= CHAIN_MAX)
		return;
	start = c->n % CHAIN_MAX;
	for (size_t i = 0; i < CHAIN_MAX; i++)
		tmp[i] = c->hop[(start + i) % CHAIN_MAX];
	for (size_t i = 0; i < CHAIN_MAX; i++)
		c->hop[i] = tmp[i];
	c->n = CHAIN_MAX;
	c->cut_left = true;
}

/* The plain split: runs of separators between entries, none kept. */
static void split_entries(struct chain *c, const char *p, const char *end)
{
	while (p < end) {
		const char *start;

		while (p < end && is_separator(*p))
			p++;
		if (p == end)
			break;
		start = p;
		while (p < end && !is_separator(*p))
			p++;
		push(c, (struct str){ start, (size_t)(p - start) });
	}
}

/*
 * One whole line, as nginx's ngx_http_get_forwarded_addr_internal splits it:
 * its walk never takes the first byte for a separator, so a leading ','
 * sticks to the first entry (",1.2.3.4" is one bad entry), and an empty
 * line is one empty, bad entry.
 */
static void split_line(struct chain *c, const char *p, const char *end)
{
	const char *q;

	/* nginx's header parser drops the blanks around a value. */
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	if (p == end) {
		push(c, (struct str){ p, 0 });
		return;
	}
	for (q = p + 1; q < end && !is_separator(*q); q++)
		;
	push(c, (struct str){ p, (size_t)(q - p) });
	split_entries(c, q, end);
}

void chain_from_list_header(struct chain *c, const struct http_request *req, unsigned int id)
{
	c->n = 0;
	c->cut_left = false;
	for (size_t i = 0; i < req->nfields; i++) {
		const struct req_field *f = &req->fields[i];
		const char *p = f->value.p, *end = p + f->value.len;

		if (f->id != id)
			continue;
		if (f->flags & XFFW_FIELD_F_TRUNC_HEAD) {
			/* The kept part may start inside a hop: skip it, and everything left of it. */
			while (p < end && !is_separator(*p))
				p++;
			c->n = 0;
			c->cut_left = true;
			split_entries(c, p, end);
		} else {
			split_line(c, p, end);
		}
	}
	linearize(c);
}
