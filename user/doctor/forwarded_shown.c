// SPDX-License-Identifier: BSD-2-Clause
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "doctor/client_rank.h"
#include "doctor/forwarded_shown.h"
#include "trust/chain.h"

/* A parameter name as shown: letters, '-' and '_' (RFC 7239 names are tokens, never addresses). */
#define TOKEN "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ-_"

/* A value at most this long is unquoted and looked at; a longer one is no node. */
#define NODE_TEXT_MAX 128

/* Bytes from @p to the next @sep (outside quoted-strings when @quotes) or the end. */
static size_t span_to(const char *p, size_t len, char sep, bool quotes)
{
	bool quoted = false;
	size_t i;

	for (i = 0; i < len && (quoted || p[i] != sep); i++) {
		if (quotes && quoted && p[i] == '\\' && i + 1 < len)
			i++;
		else if (quotes && p[i] == '"')
			quoted = !quoted;
	}
	return i;
}

/* Does a quoted-string in @p (@len bytes) run to the end? */
static bool unclosed(const char *p, size_t len)
{
	bool quoted = false;

	for (size_t i = 0; i < len; i++) {
		if (quoted && p[i] == '\\' && i + 1 < len)
			i++;
		else if (p[i] == '"')
			quoted = !quoted;
	}
	return quoted;
}

/* @v (@len bytes) unquoted into @out (NODE_TEXT_MAX); its length, or -1 when it does not fit. */
static int unquote(const char *v, size_t len, char out[NODE_TEXT_MAX])
{
	size_t n = 0;

	if (len >= 2 && v[0] == '"' && v[len - 1] == '"') {
		v++;
		len -= 2;
	}
	for (size_t i = 0; i < len; i++) {
		if (v[i] == '\\' && i + 1 < len)
			i++;
		if (n == NODE_TEXT_MAX - 1)
			return -1;
		out[n++] = v[i];
	}
	out[n] = '\0';
	return (int)n;
}

/* Appends @len bytes of @s to @out (@cap), cut there. */
static void put(char *out, size_t cap, size_t *used, const char *s, size_t len)
{
	if (*used + 1 >= cap)
		return;
	if (len > cap - 1 - *used)
		len = cap - 1 - *used;
	memcpy(out + *used, s, len);
	*used += len;
	out[*used] = '\0';
}

/* One pair, blanks trimmed, as shown. */
static void pair_value(const struct pseudo *ps, const char *p, size_t len, char *out, size_t cap,
		       size_t *used)
{
	const char *eq = memchr(p, '=', len);
	size_t name = eq ? (size_t)(eq - p) : 0;
	const char *v = eq ? eq + 1 : p;
	size_t vlen = len - (size_t)(v - p);
	bool node = eq && ((name == 3 && !strncasecmp(p, "for", 3)) ||
			   (name == 2 && !strncasecmp(p, "by", 2)));
	char text[NODE_TEXT_MAX], shown[PSEUDO_TEXT_MAX];
	int n = unquote(v, vlen, text);
	struct ip_addr a;

	/* A name is a token; anything else (an address before '=') is shown as no pair. */
	if (eq && (!name || strspn(p, TOKEN) < name)) {
		put(out, cap, used, "invalid", 7);
		return;
	}
	put(out, cap, used, p, eq ? name + 1 : 0);
	if (n >= 0 && !forwarded_node_address((struct str){ text, (size_t)n }, &a)) {
		pseudo_addr(ps, &a, shown);
		put(out, cap, used, shown, strlen(shown));
	} else if (eq && !node) {
		put(out, cap, used, v, vlen);
	} else if (node && n >= 0 &&
		   (!strcasecmp(text, "unknown") ||
		    forwarded_obfnode((struct str){ text, (size_t)n }))) {
		put(out, cap, used, v, vlen);
	} else {
		put(out, cap, used, "invalid", 7);
	}
}

/* One pair (@len bytes at @p) as shown. */
static void pair_shown(const struct pseudo *ps, const char *p, size_t len, char *out, size_t cap,
		       size_t *used)
{
	size_t lead = strspn(p, " \t") < len ? strspn(p, " \t") : len;

	put(out, cap, used, p, lead);
	p += lead;
	len -= lead;
	while (len && (p[len - 1] == ' ' || p[len - 1] == '\t'))
		len--;
	if (len == strlen(FORGER_CUT) && !memcmp(p, FORGER_CUT, len)) {
		put(out, cap, used, p, len);
		return;
	}
	pair_value(ps, p, len, out, cap, used);
}

const char *forwarded_shown(const struct pseudo *ps, const char *value, char *out, size_t cap)
{
	size_t used = 0, len = strlen(value);
	/* An unclosed quote: split at every ',' and ';', as the trust chain splits such a line. */
	bool quotes = !unclosed(value, len);

	out[0] = '\0';
	for (size_t i = 0; i < len;) {
		size_t e = span_to(value + i, len - i, ',', quotes);

		if (i)
			put(out, cap, &used, ", ", 2);
		for (size_t k = 0; k < e;) {
			size_t pl = span_to(value + i + k, e - k, ';', quotes);

			if (k)
				put(out, cap, &used, ";", 1);
			pair_shown(ps, value + i + k, pl, out, cap, &used);
			k += pl + (k + pl < e);
		}
		i += e + (i + e < len);
		i += value[i] == ' ';
	}
	return out;
}
