// SPDX-License-Identifier: BSD-2-Clause
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/prom_text.h"

void prom_init(struct prom_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void prom_free(struct prom_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* Room for @n more bytes (and a NUL); false once the page failed. */
static bool reserve(struct prom_buf *b, size_t n)
{
	size_t cap = b->cap ? b->cap : 4096;
	char *p;

	if (b->failed)
		return false;
	if (n > b->max || b->len + n + 1 > b->max) {
		b->failed = true;
		return false;
	}
	if (b->len + n + 1 <= b->cap)
		return true;
	while (cap < b->len + n + 1)
		cap *= 2;
	if (cap > b->max)
		cap = b->max;
	p = realloc(b->p, cap);
	if (!p) {
		b->failed = true;
		return false;
	}
	b->p = p;
	b->cap = cap;
	return true;
}

static void put(struct prom_buf *b, const char *s, size_t n)
{
	if (!reserve(b, n))
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void puts_(struct prom_buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* @s with backslash and newline escaped, and the double quote when @quote (label values). */
static void put_escaped(struct prom_buf *b, const char *s, bool quote)
{
	for (; *s; s++) {
		if (*s == '\\')
			put(b, "\\\\", 2);
		else if (*s == '\n')
			put(b, "\\n", 2);
		else if (*s == '"' && quote)
			put(b, "\\\"", 2);
		else
			put(b, s, 1);
	}
}

void prom_family(struct prom_buf *b, const char *name, const char *type, const char *help)
{
	puts_(b, "# HELP ");
	puts_(b, name);
	put(b, " ", 1);
	put_escaped(b, help ? help : "", false);
	puts_(b, "\n# TYPE ");
	puts_(b, name);
	put(b, " ", 1);
	puts_(b, type);
	put(b, "\n", 1);
}

static void series(struct prom_buf *b, const char *name, const struct prom_label *labels, size_t n)
{
	puts_(b, name);
	for (size_t i = 0; i < n; i++) {
		put(b, i ? "," : "{", 1);
		puts_(b, labels[i].name);
		put(b, "=\"", 2);
		put_escaped(b, labels[i].value, true);
		put(b, "\"", 1);
	}
	if (n)
		put(b, "}", 1);
	put(b, " ", 1);
}

void prom_uint(struct prom_buf *b, const char *name, const struct prom_label *labels, size_t n,
	       uint64_t v)
{
	char num[24];

	series(b, name, labels, n);
	put(b, num, (size_t)snprintf(num, sizeof(num), "%" PRIu64 "\n", v));
}

size_t prom_format_double(double v, char *out, size_t len)
{
	char text[40] = "NaN";

	if (!len)
		return 0;
	if (isinf(v))
		snprintf(text, sizeof(text), v > 0 ? "+Inf" : "-Inf");
	/*
	 * As Go's FormatFloat(v, 'g', -1, 64): the fewest digits that read back
	 * exactly, with an exponent below 1e-4 and from 1e6 on.
	 */
	for (int digits = 1; digits <= 17 && isfinite(v); digits++) {
		int exp;

		snprintf(text, sizeof(text), "%.*e", digits - 1, v);
		if (strtod(text, NULL) != v && digits < 17)
			continue;
		exp = atoi(strchr(text, 'e') + 1);
		if (exp >= -4 && exp < 6)
			snprintf(text, sizeof(text), "%.*f",
				 digits - 1 - exp > 0 ? digits - 1 - exp : 0, v);
		break;
	}
	return (size_t)snprintf(out, len, "%s", text) < len ? strlen(out) : len - 1;
}

void prom_double(struct prom_buf *b, const char *name, const struct prom_label *labels, size_t n,
		 double v)
{
	char num[40];
	size_t len = prom_format_double(v, num, sizeof(num) - 1);

	series(b, name, labels, n);
	num[len++] = '\n';
	put(b, num, len);
}
