/* SPDX-License-Identifier: BSD-2-Clause */
/* The hops of a forwarding header, leftmost (oldest) first. */
#ifndef XFFW_CHAIN_H
#define XFFW_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "pipeline/request.h"

/* Hops an event's chain field shows: the rightmost ones (the trust walk covers every hop). */
#define CHAIN_EVENT_MAX 64

/* How a list header is split into hops: the anchor whose rules are followed. */
enum chain_split {
	/*
	 * nginx realip: every line split at runs of ',' and SP (and HTAB, where
	 * nginx does not); a line's first byte is never a separator (",1.2.3.4"
	 * is one bad hop); an empty line is one empty hop.
	 */
	SPLIT_NGINX,
	/*
	 * Werkzeug ProxyFix under gunicorn: the lines joined with ',', split at
	 * commas outside quoted-strings, items stripped and unquoted, empty
	 * items kept (but not an empty last one), an unclosed quote runs to the
	 * end.
	 */
	SPLIT_PROXYFIX,
};

enum {
	/* Not a node: a Forwarded element without (or with two) for=, or broken quoting. */
	HOP_F_BAD = 1 << 0,
};

struct hop {
	/* The hop as shown: an X-Forwarded-For entry, or the unquoted for= value. */
	struct str text;
	uint8_t flags; /* HOP_F_* */
	/* Forwarded only: the other parameters of the element, unquoted (empty if absent). */
	struct str by, host, proto;
};

/*
 * Every hop of a header, in storage sized from the request before parsing:
 * a hop takes at least one byte of value or one line, and the text written
 * (unquoted values, joined lines) is never longer than the values plus one
 * comma per line, so neither can run out (chain_bounds). The storage grows
 * to the largest request seen and is kept: no allocation per request.
 */
struct chain {
	unsigned int id; /* the header */
	struct hop *hop;
	size_t n, hop_cap;
	/* Hops left of hop[0] exist but were not seen (the kernel cut the value's start). */
	bool cut_left;
	/* Out of memory: no hops were collected (reported as truncated). */
	bool failed;
	/* Unquoted values and joined lines live here. */
	char *text;
	size_t text_used, text_cap;
};

/* Releases a chain's storage; it may be built again after. */
void chain_free(struct chain *c);

/* The most hops and text bytes chain_build can produce for header @id of @req. */
void chain_bounds(const struct http_request *req, unsigned int id, size_t *hops, size_t *text);

/*
 * Collects the hops of header @id from every line of it, in wire order.
 *
 * X-Forwarded-For and the single-IP headers (X-Real-IP, CF-Connecting-IP,
 * True-Client-IP): as @split says.
 *
 * Forwarded (RFC 7239): elements split at ',' outside quoted-strings (a line
 * that ends inside an open quote is split at every comma instead, so that a
 * client's stray quote cannot swallow what proxies appended), pairs at ';',
 * parameter names case-insensitive, quoted-strings unescaped; an element
 * without exactly one for=, or with by, host or proto twice (RFC 7239 §4),
 * is a bad hop.
 *
 * A line the kernel cut at its start loses its first, partial hop and every
 * hop left of it (cut_left). Nothing else limits the hops: a chain is as long
 * as the head the tracker kept (TRACKER_DATA_MAX).
 */
void chain_build(struct chain *c, const struct http_request *req, unsigned int id,
		 enum chain_split split);

/*
 * The address of hop @i. X-Forwarded-For-like entries are parsed as nginx
 * does (ip_parse_xff_entry); Forwarded nodes as RFC 7239 has them: IPv4,
 * [IPv6], with an optional port, IPv6 without brackets tolerated, an
 * obfuscated port (":_x") ignored. Returns 0 or -EINVAL ("unknown",
 * obfuscated nodes, host names, zones, garbage, bad hops).
 */
int chain_address(const struct chain *c, size_t i, struct ip_addr *out);

/*
 * The address a hop's text names in header @id, as chain_address reads a hop
 * that is not bad (an event's chain shows hops as this text). Returns 0 or -EINVAL.
 */
int chain_text_address(unsigned int id, struct str text, struct ip_addr *out);

/* The address of an RFC 7239 node ("192.0.2.1:80", "[2001:db8::1]", obfuscated port allowed): 0 or -errno. */
int forwarded_node_address(struct str t, struct ip_addr *out);

/*
 * Is @t an RFC 7239 obfuscated node ("_" 1*(ALPHA / DIGIT / "." / "_" / "-")),
 * with an optional port (digits, or obfuscated too)?
 */
bool forwarded_obfnode(struct str t);

#endif
