// SPDX-License-Identifier: BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <string.h>
#include <strings.h>

#include "chain.h"

/*
 * Appends a hop, keeping the rightmost CHAIN_MAX: hop[] is used as a ring
 * while collecting (c->n counts all pushed) and put in order at the end.
 */
static void push(struct chain *c, const struct hop *h)
{
	c->hop[c->n % CHAIN_MAX] = *h;
	c->n++;
}

static void push_text(struct chain *c, const char *p, size_t len)
{
	struct hop h = { .text = { p, len } };

	push(c, &h);
}

static void linearize(struct chain *c)
{
	struct hop tmp[CHAIN_MAX];
	size_t start;

	if (c->n <= CHAIN_MAX)
		return;
	start = c->n % CHAIN_MAX;
	for (size_t i = 0; i < CHAIN_MAX; i++)
		tmp[i] = c->hop[(start + i) % CHAIN_MAX];
	memcpy(c->hop, tmp, sizeof(tmp));
	c->n = CHAIN_MAX;
	c->cut_left = true;
}

/* Room for @n more bytes of text; never short (text[] holds two records). */
static char *text_room(struct chain *c, size_t n)
{
	return c->text_used + n <= sizeof(c->text) ? c->text + c->text_used : NULL;
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

/*
 * urllib.request.parse_http_list over the lines as gunicorn joins them
 * ("line1,line2": values left-stripped, a bare comma between), written into
 * the chain's text as the parts are read (escapes inside quotes dropped).
 */
static void proxyfix_split(struct chain *c, const struct http_request *req, unsigned int id,
			   size_t first, const char *from)
{
	bool quote = false, escape = false, any = false;
	char *part = text_room(c, 0);
	size_t len = 0;

	for (size_t i = first; i < req->nfields; i++) {
		const struct req_field *f = &req->fields[i];
		const char *p = f->value.p, *end = p + f->value.len;

		if (f->id != id)
			continue;
		if (any) {
			/* The comma gunicorn puts between two lines. */
			if (quote || escape) {
				part[len++] = ',';
				escape = false;
			} else {
				proxyfix_item(c, part, len);
				c->text_used += len;
				part = text_room(c, 0);
				len = 0;
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
				proxyfix_item(c, part, len);
				c->text_used += len;
				part = text_room(c, 0);
				len = 0;
				continue;
			} else if (ch == '"') {
				quote = true;
			}
			part[len++] = ch;
		}
	}
	/* The last part counts only if it is not empty before stripping. */
	if (len) {
		proxyfix_item(c, part, len);
		c->text_used += len;
	}
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

static void forwarded_pair(struct chain *c, struct str pair, struct hop *h, int *fors)
{
	const char *eq = memchr(pair.p, '=', pair.len);
	struct str name, value;

	if (!eq || eq == pair.p) {
		h->flags |= HOP_F_BAD;
		return;
	}
	name = trim(pair.p, eq);
	if (pair_value(c, trim(eq + 1, pair.p + pair.len), &value)) {
		h->flags |= HOP_F_BAD;
		return;
	}
	if (name.len == 3 && !strncasecmp(name.p, "for", 3)) {
		(*fors)++;
		h->text = value;
	} else if (name.len == 2 && !strncasecmp(name.p, "by", 2)) {
		h->by = value;
	} else if (name.len == 4 && !strncasecmp(name.p, "host", 4)) {
		h->host = value;
	} else if (name.len == 5 && !strncasecmp(name.p, "proto", 5)) {
		h->proto = value;
	}
}

static void forwarded_element(struct chain *c, const char *p, const char *end, bool quotes)
{
	struct str elem = trim(p, end);
	struct hop h = { 0 };
	int fors = 0;

	if (!elem.len)
		return; /* an empty list element (",,"), allowed by the list syntax */
	end = elem.p + elem.len;
	for (p = elem.p;; p++) {
		const char *pe = item_end(p, end, ';', quotes);
		struct str pair = trim(p, pe);

		if (pair.len)
			forwarded_pair(c, pair, &h, &fors);
		p = pe;
		if (p == end)
			break;
	}
	if (fors != 1) {
		h.flags |= HOP_F_BAD;
		if (!fors)
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

void chain_build(struct chain *c, const struct http_request *req, unsigned int id,
		 enum chain_split split)
{
	size_t first = 0;
	const char *from = NULL;

	c->id = id;
	c->n = 0;
	c->cut_left = false;
	c->text_used = 0;
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
	linearize(c);
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

int chain_address(const struct chain *c, size_t i, struct ip_addr *out)
{
	const struct hop *h = &c->hop[i];

	if (h->flags & HOP_F_BAD)
		return -EINVAL;
	if (c->id != XFFW_F_FORWARDED)
		return ip_parse_xff_entry(h->text.p, h->text.len, out, NULL);
	return forwarded_node_address(h->text, out);
}
