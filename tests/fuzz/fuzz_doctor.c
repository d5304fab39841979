// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: an event file for `xffwatch doctor --events`. The input is
 * split into lines, each read as an event and added to the model; the first
 * byte picks the rule it is judged by. topology_add also feeds the timeline
 * and the client ranks (doctor/timeline.c, doctor/client_rank.c). Then the
 * diagnoses and both reports (to /dev/null), pseudonymised or not; the
 * aggregates' invariants are checked (every request counted once).
 */
#include <stddef.h>
#include <stdint.h>
#include <ctype.h>
#include <stdbool.h>
#include <strings.h>
#include <stdio.h>

#include "doctor/report.h"
#include "fuzz_common.h"

/* The tags the page is made of: any other one came from the events, unescaped. */
static const char *const page_tags[] = {
	"!DOCTYPE", "html",   "head",	"meta",	    "title",   "style", "body",	 "header",
	"nav",	    "main",   "footer", "section",  "article", "h1",	"h2",	 "h3",
	"h4",	    "p",      "div",	"span",	    "a",       "ul",	"li",	 "table",
	"tr",	    "th",     "td",	"details",  "summary", "pre",	"code",	 "svg",
	"defs",	    "marker", "path",	"polyline", "line",    "rect",	"text",	 "g",
	"thead",    "tbody",  "small",	"strong",   "em",      "br",	"tspan", "circle",
};

/* Is there "url(" not followed by '#' in @n bytes at @p? */
static bool outside_url(const char *p, size_t n)
{
	for (const char *u = p; (u = memmem(u, n - (size_t)(u - p), "url(", 4)); u += 4)
		if (u + 4 >= p + n || u[4] != '#')
			return true;
	return false;
}

/*
 * Aborts unless every tag of @html is one of page_tags and its attributes
 * reach nothing outside the page: no on...= handler, no src, an href only to
 * #, a style with url(#...) only; nor does the style sheet.
 */
static void page_check(const char *html, size_t len)
{
	const char *end = html + len, *css = memmem(html, len, "<style>", 7), *css_end;

	css_end = css ? memmem(css, (size_t)(end - css), "</style>", 8) : NULL;
	if (css && (!css_end || outside_url(css, (size_t)(css_end - css))))
		abort();
	for (const char *p = memchr(html, '<', len); p; p = memchr(p, '<', (size_t)(end - p))) {
		const char *name = p + 1 + (p + 1 < end && p[1] == '/');
		size_t n = 0, k;

		while (name + n < end && (isalnum((unsigned char)name[n]) || name[n] == '!'))
			n++;
		for (k = 0; k < sizeof(page_tags) / sizeof(page_tags[0]); k++)
			if (strlen(page_tags[k]) == n && !strncmp(page_tags[k], name, n))
				break;
		if (k == sizeof(page_tags) / sizeof(page_tags[0]))
			abort();
		/* The attributes: name, and a quoted value (the page always quotes with "). */
		for (p = name + n; p < end && *p != '>';) {
			const char *an = p, *v = NULL;
			size_t al = 0, vl = 0;

			if (isspace((unsigned char)*p) || *p == '/') {
				p++;
				continue;
			}
			while (p < end && (isalnum((unsigned char)*p) || *p == '-' || *p == ':'))
				p++;
			al = (size_t)(p - an);
			if (!al && *p != '>')
				abort(); /* a byte no attribute name has */
			if (p < end && *p == '=') {
				if (++p >= end || *p != '"')
					abort();
				v = ++p;
				while (p < end && *p != '"')
					p++;
				vl = (size_t)(p - v);
				p += p < end;
			}
			if ((al > 2 && !strncasecmp(an, "on", 2)) ||
			    (al == 3 && !strncasecmp(an, "src", 3)))
				abort();
			if (al == 4 && !strncasecmp(an, "href", 4) && (!v || !vl || v[0] != '#'))
				abort();
			if (v && outside_url(v, vl))
				abort();
		}
		if (p >= end)
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct topology t;
	static struct diagnoses ds;
	static struct observation o;
	static struct pseudo pseudo = { .mode = PSEUDO_TRUNCATE };
	static FILE *null;
	struct report_source src = { .kind = "events" };
	struct report_stack stack;
	struct report r;
	char *html = NULL;
	size_t html_len = 0;
	FILE *page;
	const char *p = (const char *)data, *end = p + size;

	if (size < 1)
		return 0;
	fuzz_init_rules();
	if (!null)
		null = fopen("/dev/null", "w");
	if (topology_init(&t, &fuzz_rules[data[0] % 4], 1) || diagnoses_init(&ds))
		abort();
	for (p++; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (observation_read(p, len, &o))
			t.skipped++;
		else
			topology_add(&t, &o);
		p += len + 1;
	}
	topology_finish(&t);
	diagnose(&t, &ds);
	stack_guess(&t, &stack);
	if (data[0] & 0x10)
		stack.mask = (1U << STACK__MAX) - 1;
	r = (struct report){ .t = &t,
			     .ds = &ds,
			     .src = &src,
			     .stack = &stack,
			     .pseudo = data[0] & 0x20 ? &pseudo : NULL };
	/* Every request is in a bucket, undated or outside; ranked with a client or unnamed. */
	if (t.timeline.dated + t.timeline.undated + t.timeline.outside != report_requests(&t) ||
	    t.rank.requests + t.rank.unnamed != report_requests(&t) ||
	    timeline_used(&t.timeline) > TIMELINE_BUCKETS)
		abort();
	report_text(null, &r);
	if (report_json(null, &r))
		abort();
	/* The page is drawn from that JSON: it must read back whatever the events. */
	page = open_memstream(&html, &html_len);
	if (!page || report_html(page, &r) || fclose(page))
		abort();
	page_check(html, html_len);
	free(html);
	diagnoses_free(&ds);
	topology_free(&t);
	return 0;
}
