// SPDX-License-Identifier: BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "trust/chain.h"

/*
 * Appends a hop. The storage was sized by chain_bounds, so it cannot be full;
 * should the bound ever be wrong, the hop is refused and the chain marked
 * failed (reported as truncated) rather than written out of bounds.
 */
static void push(struct chain *c, const struct hop *h)
{
	if (c->n >= c->hop_cap) {
		c->failed = true;
		return;
	}
	c->hop[c->n++] = *h;
}

static void push_text(struct chain *c, const char *p, size_t len)
{
	struct hop h = { .text = { p, len } };

	push(c, &h);
}

/* Room for @n more bytes of text: sized by chain_bounds, NULL (and failed) past it. */
static char *text_room(struct chain *c, size_t n)
{
	if (c->text_used + n > c->text_cap) {
		c->failed = true;
		return NULL;
	}
	return c->text + c->text_used;
}

static bool is_ows(char ch)
{
	return ch == ' ' || ch == '\t';
}

static struct str trim(const char *p, const char *end)
{
	while (p < end && is_ows(*p))
		p++;
	while (end > p && is_ows(end[-1]))
		end--;
	return (struct str){ p, (size_t)(end - p) };
}

/* --- X-Forwarded-For and the single-IP headers, as nginx splits them --- */

static bool is_separator(char ch)
{
	return ch == ',' || is_ows(ch);
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
		push_text(c, start, (size_t)(p - start));
	}
}

/*
 * One whole line, as nginx's ngx_http_get_forwarded_addr_internal walks it:
 * it never looks at the first byte as a separator, so a leading ',' sticks
 * to the first entry, and an empty line is one empty entry.
 */
static void nginx_line(struct chain *c, const char *p, const char *end)
{
	struct str v = trim(p, end); /* nginx's header parser drops the blanks around a value */
	const char *q;

	if (!v.len) {
		push_text(c, v.p, 0);
		return;
	}
	for (q = v.p + 1; q < v.p + v.len && !is_separator(*q); q++)
		;
	push_text(c, v.p, (size_t)(q - v.p));
	split_entries(c, q, v.p + v.len);
}

/* --- The same headers as Werkzeug's parse_list_header sees them under gunicorn --- */

/* Python's str.isspace() over the Latin-1 range: what str.strip() removes. */
static bool py_space(unsigned char ch)
{
	return ch == ' ' || (ch >= '\t' && ch <= '\r') || (ch >= 0x1c && ch <= 0x1f) ||
	       ch == 0x85 || ch == 0xa0;
}

/* parse_list_header's treatment of one item of parse_http_list: strip, unquote. */
static void proxyfix_item(struct chain *c, char *p, size_t len)
{
	size_t w = 0;

	while (len && py_space((unsigned char)p[0])) {
		p++;
		len--;
	}
	while (len && py_space((unsigned char)p[len - 1]))
		len--;
	if (len && p[0] == '"' && p[len - 1] == '"') {
		/* item[1:-1], then unquote_header_value() of that */
		p++;
		len = len >= 2 ? len - 2 : 0;
		if (len && p[0] == '"' && p[len - 1] == '"') {
			p++;
			len = len >= 2 ? len - 2 : 0;
			for (size_t r = 0; r < len; r++) {
				if (p[r] == '\\' && r + 1 < len &&
				    (p[r + 1] == '\\' || p[r + 1] == '"'))
					r++;
				p[w++] = p[r];
			}
			len = w;
		}
	}
	push_text(c, p, len);
}

/* One more byte of the part being read, which lives at the end of the chain's text. */
static bool part_put(struct chain *c, size_t *len, char ch)
{
	if (c->text_used + *len >= c->text_cap) {
		c->failed = true; /* cannot happen: chain_bounds counts every byte */
		return false;
	}
	c->text[c->text_used + (*len)++] = ch;
	return true;
}

/* The part read so far is an item: strip, unquote, push; the next part starts after it. */
static void part_end(struct chain *c, size_t *len)
{
	proxyfix_item(c, c->text + c->text_used, *len);
	c->text_used += *len;
	*len = 0;
}

/*
 * urllib.request.parse_http_list over the lines as gunicorn joins them
 * ("line1,line2": values left-stripped, a bare comma between), written into
 * the chain's text as the parts are read (escapes inside quotes dropped).
 */
static void proxyfix_split(struct chain *c, const struct http_request *req, unsigned int id,
			   size_t first, const char *from)
{
	bool quote = false, escape = false, any = false;
	size_t len = 0;

	for (size_t i = first; i < req->nfields && !c->failed; i++) {
		const struct req_field *f = &req->fields[i];
		const char *p = f->value.p, *end = p + f->value.len;

		if (f->id != id)
			continue;
		if (any) {
			/* The comma gunicorn puts between two lines. */
			if (quote || escape) {
				if (!part_put(c, &len, ','))
					return;
				escape = false;
			} else {
				part_end(c, &len);
			}
		}
		any = true;
		if (i == first && from)
			p = from; /* the cut line: after its partial first item */
		while (p < end && is_ows(*p))
			p++;
		for (; p < end; p++) {
			char ch = *p;

			if (escape) {
				escape = false;
			} else if (quote) {
				if (ch == '\\') {
					escape = true;
					continue;
				}
				if (ch == '"')
					quote = false;
			} else if (ch == ',') {
				part_end(c, &len);
				continue;
			} else if (ch == '"') {
				quote = true;
			}
			if (!part_put(c, &len, ch))
				return;
		}
	}
	/* The last part counts only if it is not empty before stripping. */
	if (len)
		part_end(c, &len);
}

/* --- Forwarded (RFC 7239) --- */

/* Does @p end inside a quoted-string? (Escapes count only inside quotes.) */
static bool ends_in_open_quote(const char *p, const char *end)
{
	bool quoted = false;

	for (; p < end; p++) {
		if (quoted && *p == '\\' && p + 1 < end)
			p++;
		else if (*p == '"')
			quoted = !quoted;
	}
	return quoted;
}

/* End of the item that starts at @p: the next @sep outside quotes (or @end). */
static const char *item_end(const char *p, const char *end, char sep, bool quotes)
{
	bool quoted = false;

	for (; p < end; p++) {
		if (quotes && quoted && *p == '\\' && p + 1 < end)
			p++;
		else if (quotes && *p == '"')
			quoted = !quoted;
		else if (*p == sep && !quoted)
			return p;
	}
	return end;
}

/*
 * A parameter value: a quoted-string (unescaped into the chain's text) or a
 * bare value. 0, or -EINVAL for broken quoting.
 */
static int pair_value(struct chain *c, struct str v, struct str *out)
{
	char *dst;
	size_t n = 0;

	if (!v.len || v.p[0] != '"') {
		/* RFC 7239 wants ':' and '[' quoted; take them bare all the same. */
		if (memchr(v.p, '"', v.len))
			return -EINVAL;
		*out = v;
		return 0;
	}
	if (v.len < 2 || v.p[v.len - 1] != '"')
		return -EINVAL;
	dst = text_room(c, v.len);
	if (!dst)
		return -EINVAL;
	for (size_t i = 1; i + 1 < v.len; i++) {
		char ch = v.p[i];

		if (ch == '\\') {
			if (i + 2 == v.len)
				return -EINVAL; /* the closing quote was escaped */
			ch = v.p[++i];
		} else if (ch == '"') {
			return -EINVAL;
		}
		dst[n++] = ch;
	}
	c->text_used += n;
	*out = (struct str){ dst, n };
	return 0;
}

enum { PARAM_FOR = 1 << 0, PARAM_BY = 1 << 1, PARAM_HOST = 1 << 2, PARAM_PROTO = 1 << 3 };

/* The registered parameter @name is (PARAM_*), or 0 for an extension. */
static unsigned int param_of(struct str name)
{
	static const struct {
		const char *name;
		size_t len;
		unsigned int bit;
	} params[] = {
		{ "for", 3, PARAM_FOR },
		{ "by", 2, PARAM_BY },
		{ "host", 4, PARAM_HOST },
		{ "proto", 5, PARAM_PROTO },
	};

	for (size_t i = 0; i < sizeof(params) / sizeof(params[0]); i++)
		if (name.len == params[i].len && !strncasecmp(name.p, params[i].name, name.len))
			return params[i].bit;
	return 0;
}

/*
 * One name=value pair into @h. A registered parameter seen twice in one
 * element makes it bad (RFC 7239 §4: "MUST NOT occur more than once");
 * extension parameters are not checked, which would need a list of names.
 */
static void forwarded_pair(struct chain *c, struct str pair, struct hop *h, unsigned int *seen)
{
	const char *eq = memchr(pair.p, '=', pair.len);
	struct str value;
	unsigned int param;

	if (!eq || eq == pair.p) {
		h->flags |= HOP_F_BAD;
		return;
	}
	param = param_of(trim(pair.p, eq));
	if (pair_value(c, trim(eq + 1, pair.p + pair.len), &value)) {
		h->flags |= HOP_F_BAD;
		return;
	}
	if (*seen & param)
		h->flags |= HOP_F_BAD;
	*seen |= param;
	if (param == PARAM_FOR && !h->text.p)
		h->text = value;
	else if (param == PARAM_BY && !h->by.p)
		h->by = value;
	else if (param == PARAM_HOST && !h->host.p)
		h->host = value;
	else if (param == PARAM_PROTO && !h->proto.p)
		h->proto = value;
}

static void forwarded_element(struct chain *c, const char *p, const char *end, bool quotes)
{
	struct str elem = trim(p, end);
	struct hop h = { 0 };
	unsigned int seen = 0;

	if (!elem.len)
		return; /* an empty list element (",,"), allowed by the list syntax */
	end = elem.p + elem.len;
	for (p = elem.p;; p++) {
		const char *pe = item_end(p, end, ';', quotes);
		struct str pair = trim(p, pe);

		if (pair.len)
			forwarded_pair(c, pair, &h, &seen);
		p = pe;
		if (p == end)
			break;
	}
	if (!(seen & PARAM_FOR)) {
		h.flags |= HOP_F_BAD;
		h.text = elem;
	}
	push(c, &h);
}

static void forwarded_line(struct chain *c, const char *p, const char *end)
{
	/* An open quote at the end: a client's, most likely. Split at every comma. */
	bool quotes = !ends_in_open_quote(p, end);

	for (;;) {
		const char *e = item_end(p, end, ',', quotes);

		forwarded_element(c, p, e, quotes);
		if (e == end)
			break;
		p = e + 1;
	}
}

/* Past the first @sep of a value the kernel cut at its start (its first item is partial). */
static const char *skip_partial(const char *p, const char *end, bool (*is_sep)(char))
{
	while (p < end && !is_sep(*p))
		p++;
	return p;
}

static bool is_comma(char ch)
{
	return ch == ',';
}

void chain_bounds(const struct http_request *req, unsigned int id, size_t *hops, size_t *text)
{
	size_t bytes = 0, lines = 0;

	for (size_t i = 0; i < req->nfields; i++) {
		if (req->fields[i].id == id) {
			bytes += req->fields[i].value.len;
			lines++;
		}
	}
	/*
	 * Hops: each takes a byte of its own or is an empty line's (nginx) or the
	 * empty item before a comma gunicorn adds between lines (ProxyFix).
	 * Text: at most every byte, and gunicorn's commas between lines.
	 */
	*hops = bytes + lines;
	*text = bytes + lines;
}

/* Storage for @hops hops and @text bytes (at least one of each): 0 or -ENOMEM. */
static int reserve(struct chain *c, size_t hops, size_t text)
{
	hops = hops ? hops : 1;
	text = text ? text : 1;
	if (hops > c->hop_cap) {
		struct hop *h = realloc(c->hop, hops * sizeof(*h));

		if (!h)
			return -ENOMEM;
		c->hop = h;
		c->hop_cap = hops;
	}
	if (text > c->text_cap) {
		char *t = realloc(c->text, text);

		if (!t)
			return -ENOMEM;
		c->text = t;
		c->text_cap = text;
	}
	return 0;
}

void chain_free(struct chain *c)
{
	free(c->hop);
	free(c->text);
	c->hop = NULL;
	c->text = NULL;
	c->n = c->hop_cap = c->text_used = c->text_cap = 0;
}

void chain_build(struct chain *c, const struct http_request *req, unsigned int id,
		 enum chain_split split)
{
	size_t first = 0, max_hops, max_text;
	const char *from = NULL;

	c->id = id;
	c->n = 0;
	c->cut_left = false;
	c->failed = false;
	c->text_used = 0;
	chain_bounds(req, id, &max_hops, &max_text);
	if (reserve(c, max_hops, max_text)) {
		c->failed = true;
		return;
	}
	for (size_t i = 0; i < req->nfields; i++) {
		const struct req_field *f = &req->fields[i];
		const char *p = f->value.p, *end = p + f->value.len;

		if (f->id != id)
			continue;
		if (f->flags & XFFW_FIELD_F_TRUNC_HEAD) {
			/* Everything left of the cut is gone, the partial item with it. */
			c->n = 0;
			c->text_used = 0;
			c->cut_left = true;
			if (id == XFFW_F_FORWARDED) {
				p = skip_partial(p, end, is_comma);
				forwarded_line(c, p < end ? p + 1 : p, end);
			} else if (split == SPLIT_NGINX) {
				split_entries(c, skip_partial(p, end, is_separator), end);
			} else {
				first = i;
				from = skip_partial(p, end, is_comma);
				from = from < end ? from + 1 : from;
			}
			continue;
		}
		if (id == XFFW_F_FORWARDED)
			forwarded_line(c, p, end);
		else if (split == SPLIT_NGINX)
			nginx_line(c, p, end);
	}
	if (id != XFFW_F_FORWARDED && split == SPLIT_PROXYFIX)
		proxyfix_split(c, req, id, first, from);
	if (c->failed)
		c->n = 0; /* never a partial chain: the walk would start from a wrong hop */
}

int forwarded_node_address(struct str t, struct ip_addr *out)
{
	const char *colon;

	/* An obfuscated port (RFC 7239 obfport, ":_abc") says nothing about the address. */
	colon = t.len ? memrchr(t.p, ':', t.len) : NULL;
	if (colon && colon + 1 < t.p + t.len && colon[1] == '_' &&
	    (t.p[0] == '[' ? colon > t.p && colon[-1] == ']'
			   : !memchr(t.p, ':', (size_t)(colon - t.p))))
		t.len = (size_t)(colon - t.p);
	return ip_parse_endpoint(t.p, t.len, out, NULL);
}

/* "_" 1*(ALPHA / DIGIT / "." / "_" / "-"): an obfnode or obfport. */
static bool obfuscated(const char *p, size_t n)
{
	if (n < 2 || p[0] != '_')
		return false;
	for (size_t i = 1; i < n; i++)
		if (!isalnum((unsigned char)p[i]) && p[i] != '.' && p[i] != '_' && p[i] != '-')
			return false;
	return true;
}

bool forwarded_obfnode(struct str t)
{
	const char *colon = t.len ? memchr(t.p, ':', t.len) : NULL;
	size_t n, digits = 0;

	if (!colon)
		return obfuscated(t.p, t.len);
	/* node ":" port, the port a number of at most 5 digits or obfuscated too */
	n = (size_t)(colon - t.p);
	while (n + 1 + digits < t.len && isdigit((unsigned char)colon[1 + digits]))
		digits++;
	return obfuscated(t.p, n) && ((digits && digits <= 5 && n + 1 + digits == t.len) ||
				      obfuscated(colon + 1, t.len - n - 1));
}

int chain_text_address(unsigned int id, struct str text, struct ip_addr *out)
{
	if (id != XFFW_F_FORWARDED)
		return ip_parse_xff_entry(text.p, text.len, out, NULL);
	return forwarded_node_address(text, out);
}

int chain_address(const struct chain *c, size_t i, struct ip_addr *out)
{
	const struct hop *h = &c->hop[i];

	if (h->flags & HOP_F_BAD)
		return -EINVAL;
	return chain_text_address(c->id, h->text, out);
}
