/* SPDX-License-Identifier: BSD-2-Clause */
/* The hops of a forwarding header, leftmost (oldest) first. */
#ifndef XFFW_CHAIN_H
#define XFFW_CHAIN_H

#include <stdbool.h>
#include <stdint.h>

#include "request.h"

/* Hops kept per chain: the rightmost ones, since the trust walk starts there. */
#define CHAIN_MAX 64

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

struct chain {
	unsigned int id; /* the header */
	struct hop hop[CHAIN_MAX];
	size_t n;
	/* Hops left of hop[0] exist but were not kept (cut by the kernel or CHAIN_MAX). */
	bool cut_left;
	/* Unquoted values and joined lines live here. */
	char text[2 * XFFW_DATA_MAX];
	size_t text_used;
};

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
 * without exactly one for= is a bad hop.
 *
 * A line the kernel cut at its start loses its first, partial hop and every
 * hop left of it (cut_left).
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

/* The address of an RFC 7239 node ("192.0.2.1:80", "[2001:db8::1]", obfuscated port allowed): 0 or -errno. */
int forwarded_node_address(struct str t, struct ip_addr *out);

/*
 * Is @t an RFC 7239 obfuscated node ("_" 1*(ALPHA / DIGIT / "." / "_" / "-")),
 * with an optional port (digits, or obfuscated too)?
 */
bool forwarded_obfnode(struct str t);

#endif
