// SPDX-License-Identifier: BSD-2-Clause
#include <stdlib.h>
#include <string.h>

#include "doctor/html_write.h"
#include "doctor/report_svg.h"
#include "doctor/topology.h"
#include "trust/rules.h"

/* The plot's frame in viewBox units. */
#define CW 760
#define CH 240
#define ML 64
#define MR 16
#define MT 16
#define MB 44

static const char *const palette[] = { "#c0392b", "#2471a3", "#d68910", "#7d3c98",
				       "#17a589", "#a04000", "#2e4053", "#b03a7a" };
#define NPALETTE (sizeof(palette) / sizeof(palette[0]))

/* A round step for about four ticks up to @max: 1, 2 or 5 times a power of ten. */
static json_int_t tick_step(json_int_t max)
{
	json_int_t p = 1;

	while (p * 10 <= max / 4)
		p *= 10;
	for (json_int_t s = 1;; s = s == 1 ? 2 : s == 2 ? 5 : 10)
		if (s * p * 4 >= max || s == 10)
			return s * p;
}

/* A bucket's start as a short label into @buf: the time of day, and the date for spans of days. */
static void time_label(char buf[16], json_t *doc, size_t i, json_int_t width)
{
	char ptr[64];
	json_t *v;
	const char *s;

	snprintf(ptr, sizeof(ptr), "/timeline/buckets/%zu/start", i);
	v = html_at(doc, ptr);
	s = json_is_string(v) ? json_string_value(v) : "";
	buf[0] = '\0';
	if (strlen(s) < 19)
		return;
	/* RFC 3339 "YYYY-MM-DDTHH:MM:SSZ" */
	if (width >= 86400)
		snprintf(buf, 16, "%.5s", s + 5);
	else if (width >= 3600)
		snprintf(buf, 16, "%.5s %.5s", s + 5, s + 11);
	else if (width >= 60)
		snprintf(buf, 16, "%.5s", s + 11);
	else
		snprintf(buf, 16, "%.8s", s + 11);
}

static size_t buckets(json_t *doc)
{
	size_t n = json_array_size(html_at(doc, "/timeline/buckets"));

	return n > SVG_BUCKETS_MAX ? SVG_BUCKETS_MAX : n;
}

/* Axes, grid and labels of a chart whose y axis ends at @top; @h: its height. */
static void axes(FILE *f, json_t *doc, size_t n, json_int_t top, json_int_t step,
		 const char *ylabel)
{
	json_int_t width = html_int(doc, "/timeline/bucket_seconds");
	int pw = CW - ML - MR, ph = CH - MT - MB;

	for (json_int_t v = 0; v <= top; v += step) {
		double y = MT + ph - (double)ph * (double)v / (double)top;

		fprintf(f,
			"<line class=\"grid\" x1=\"%d\" x2=\"%d\" y1=\"%.1f\" y2=\"%.1f\"/>"
			"<text class=\"tick\" x=\"%d\" y=\"%.1f\" "
			"text-anchor=\"end\">%" JSON_INTEGER_FORMAT "</text>\n",
			ML, ML + pw, y, y, ML - 6, y + 4, v);
	}
	fprintf(f,
		"<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>"
		"<line class=\"axis\" x1=\"%d\" x2=\"%d\" y1=\"%d\" y2=\"%d\"/>\n",
		ML, ML, MT, MT + ph, ML, ML + pw, MT + ph, MT + ph);
	for (size_t k = 0; n && k < 6 && k < n; k++) {
		size_t i = n < 6 ? k : k * (n - 1) / 5;
		double x = ML + (double)pw * ((double)i + 0.5) / (double)n, half;
		char label[16];

		time_label(label, doc, i, width);
		/* Kept inside the viewBox: half the label's width at 11 px (0.6 em a character). */
		half = (double)strlen(label) * 11 * 0.6 / 2;
		if (x + half > CW - 2)
			x = CW - 2 - half;
		fprintf(f, "<text class=\"tick\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\">", x,
			MT + ph + 16);
		html_esc(f, label);
		fputs("</text>\n", f);
	}
	fprintf(f,
		"<text class=\"label\" x=\"14\" y=\"%d\" transform=\"rotate(-90 14 %d)\" "
		"text-anchor=\"middle\">%s</text>"
		"<text class=\"label\" x=\"%d\" y=\"%d\" text-anchor=\"middle\">time (UTC), "
		"%" JSON_INTEGER_FORMAT " s per bar</text>\n",
		MT + ph / 2, MT + ph / 2, ylabel, ML + pw / 2, CH - 6, width);
}

void svg_requests_chart(FILE *f, json_t *doc)
{
	size_t n = buckets(doc);
	json_int_t max = 1, step, top;
	int pw = CW - ML - MR, ph = CH - MT - MB;

	for (size_t i = 0; i < n; i++) {
		json_int_t v = html_int(doc, "/timeline/buckets/%zu/requests", i);

		max = v > max ? v : max;
	}
	step = tick_step(max);
	top = (max + step - 1) / step * step;
	fprintf(f,
		"<svg class=\"chart\" viewBox=\"0 0 %d %d\" role=\"img\" "
		"aria-label=\"Requests over time\">\n",
		CW, CH);
	axes(f, doc, n, top, step, "requests");
	for (size_t i = 0; i < n; i++) {
		json_int_t v = html_int(doc, "/timeline/buckets/%zu/requests", i);
		double bw = (double)pw / (double)n, h = (double)ph * (double)v / (double)top;

		fprintf(f,
			"<rect class=\"bar\" x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\">"
			"<title>%" JSON_INTEGER_FORMAT " requests</title></rect>\n",
			ML + bw * (double)i + bw * 0.1, MT + ph - h, bw * 0.8, h, v);
	}
	fputs("</svg>\n", f);
}

int svg_findings_chart(FILE *f, json_t *doc)
{
	size_t n = buckets(doc), lines = 0;
	json_int_t max = 1, step, top, total[FINDING__MAX] = { 0 };
	int pw = CW - ML - MR, ph = CH - MT - MB;

	for (size_t i = 0; i < n; i++)
		for (unsigned int b = 0; b < FINDING__MAX; b++) {
			json_int_t v = html_int(doc, "/timeline/buckets/%zu/findings/%s", i,
						finding_name(b));

			total[b] += v;
			max = v > max ? v : max;
		}
	for (unsigned int b = 0; b < FINDING__MAX; b++)
		lines += total[b] > 0;
	if (!lines)
		return 0;
	step = tick_step(max);
	top = (max + step - 1) / step * step;
	fprintf(f,
		"<svg class=\"chart\" viewBox=\"0 0 %d %zu\" role=\"img\" "
		"aria-label=\"Findings over time\">\n",
		CW, (size_t)CH + 8 + (lines + 1) / 2 * 20);
	axes(f, doc, n, top, step, "requests with the finding");
	lines = 0;
	for (unsigned int b = 0; b < FINDING__MAX; b++) {
		const char *color = palette[lines % NPALETTE];

		if (!total[b])
			continue;
		fprintf(f, "<polyline class=\"series\" stroke=\"%s\"%s points=\"", color,
			lines >= NPALETTE ? " stroke-dasharray=\"6 3\"" : "");
		for (size_t i = 0; i < n; i++) {
			json_int_t v = html_int(doc, "/timeline/buckets/%zu/findings/%s", i,
						finding_name(b));

			fprintf(f, "%s%.1f,%.1f", i ? " " : "",
				ML + (double)pw * ((double)i + 0.5) / (double)n,
				MT + ph - (double)ph * (double)v / (double)top);
		}
		fputs("\"/>\n", f);
		/* The legend: two columns under the axis label. */
		fprintf(f,
			"<rect x=\"%d\" y=\"%zu\" width=\"14\" height=\"4\" fill=\"%s\"/>"
			"<text class=\"legend\" x=\"%d\" y=\"%zu\">%s (%" JSON_INTEGER_FORMAT
			")</text>\n",
			ML + (int)(lines % 2) * 340, (size_t)CH + 8 + lines / 2 * 20, color,
			ML + 20 + (int)(lines % 2) * 340, (size_t)CH + 13 + lines / 2 * 20,
			finding_name(b), total[b]);
		lines++;
	}
	fputs("</svg>\n", f);
	return 1;
}

/* ---- topology ---- */

#define TW    760
#define ROW   60
#define BOXH  44
#define COLW  230
#define XLEFT 10
#define XMID  290
#define XAPP  590
#define APPW  160
#define TOP   34

/*
 * Characters of a box's first line (13 px monospace, 0.6 em a character, in
 * COLW less the margins); a longer text (an IPv6 address, a 32-digit token)
 * shows NODE_TEXT_HEAD of its first ones, an ellipsis and its last ones.
 */
#define NODE_TEXT_MAX  26
#define NODE_TEXT_HEAD 13

/* Is @v a string longer than a box holds (in characters, as UTF-8)? */
static bool too_long(json_t *v)
{
	const char *s = json_string_value(v);
	size_t n = 0;

	for (; s && *s; s++)
		n += ((unsigned char)*s & 0xc0) != 0x80;
	return n > NODE_TEXT_MAX;
}

/* The first (@head) or last @n characters of @s, escaped; whole UTF-8 sequences only. */
static void esc_part(FILE *f, const char *s, size_t n, bool head)
{
	char buf[4 * NODE_TEXT_MAX + 1];
	size_t len = strlen(s), from = 0, to = len, k = 0;

	if (head)
		for (to = 0; to < len && (k < n || ((unsigned char)s[to] & 0xc0) == 0x80); to++)
			k += ((unsigned char)s[to] & 0xc0) != 0x80;
	else
		for (from = len; from > 0 && k < n;)
			k += ((unsigned char)s[--from] & 0xc0) != 0x80;
	snprintf(buf, sizeof(buf), "%.*s", (int)(to - from), s + from);
	html_esc(f, buf);
}

/* A box with two lines: the first from @p1 (a pointer, or NULL: @text1), the second @line2. */
static void node(FILE *f, json_t *doc, int x, int y, int w, const char *cls, const char *p1,
		 const char *text1, const char *p2, const char *unit)
{
	fprintf(f,
		"<rect class=\"node %s\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"6\"/>",
		cls, x, y, w, BOXH);
	if (p1 && !too_long(html_at(doc, p1))) {
		char attrs[96];

		snprintf(attrs, sizeof(attrs), "class=\"addr\" x=\"%d\" y=\"%d\"", x + 10, y + 18);
		html_value(f, doc, "text", attrs, "%s", p1);
	} else if (p1) {
		/* Cut in the middle (both ends of an address tell); whole in the tooltip. */
		const char *s = json_string_value(html_at(doc, p1));

		fprintf(f, "<text class=\"addr\" x=\"%d\" y=\"%d\">", x + 10, y + 18);
		html_value(f, doc, "title", NULL, "%s", p1);
		esc_part(f, s, NODE_TEXT_HEAD, true);
		fputs("\xe2\x80\xa6", f);
		esc_part(f, s, NODE_TEXT_MAX - NODE_TEXT_HEAD - 1, false);
		fputs("</text>", f);
	} else {
		fprintf(f, "<text class=\"addr\" x=\"%d\" y=\"%d\">", x + 10, y + 18);
		html_esc(f, text1);
		fputs("</text>", f);
	}
	if (p2) {
		char attrs[96];

		fprintf(f, "<text class=\"sub\" x=\"%d\" y=\"%d\">", x + 10, y + 35);
		snprintf(attrs, sizeof(attrs), "class=\"num\"");
		html_value(f, doc, "tspan", attrs, "%s", p2);
		fprintf(f, " %s</text>", unit);
	}
	fputc('\n', f);
}

static void edge(FILE *f, size_t l, int x1, int y1, int x2, int y2, const char *cls)
{
	fprintf(f,
		"<path class=\"edge %s\" d=\"M%d,%d C%d,%d %d,%d %d,%d\" "
		"marker-end=\"url(#arrow%zu)\"/>\n",
		cls, x1, y1, (x1 + x2) / 2, y1, (x1 + x2) / 2, y2, x2, y2, l);
}

static bool role_is(json_t *peer, const char *role)
{
	return !strcmp(json_string_value(json_object_get(peer, "role")) ?: "", role);
}

/* qsort_r over indices of @peers: most requests first, then by address. */
static int by_requests(const void *a, const void *b, void *peers)
{
	json_t *x = json_array_get(peers, *(const size_t *)a),
	       *y = json_array_get(peers, *(const size_t *)b);
	json_int_t rx = json_integer_value(json_object_get(x, "requests")),
		   ry = json_integer_value(json_object_get(y, "requests"));

	if (rx != ry)
		return rx > ry ? -1 : 1;
	return strcmp(json_string_value(json_object_get(x, "address")) ?: "",
		      json_string_value(json_object_get(y, "address")) ?: "");
}

/* The indices of @peers (at most TOPO_PEERS_MAX) busiest first into @order; how many. */
static size_t busy_peers(json_t *peers, size_t order[TOPO_PEERS_MAX])
{
	size_t n = json_array_size(peers);

	if (n > TOPO_PEERS_MAX)
		n = TOPO_PEERS_MAX;
	for (size_t i = 0; i < n; i++)
		order[i] = i;
	qsort_r(order, n, sizeof(order[0]), by_requests, peers);
	return n;
}

void svg_topology(FILE *f, json_t *doc, size_t l)
{
	size_t order[TOPO_PEERS_MAX];
	char base[64], p1[HTML_POINTER_MAX], p2[HTML_POINTER_MAX];
	json_t *peers;
	size_t np, proxies = 0, direct = 0, rows, shown_p = 0, shown_d = 0, row = 0;
	int h, appy;

	snprintf(base, sizeof(base), "/topology/listeners/%zu", l);
	snprintf(p1, sizeof(p1), "%s/peers", base);
	peers = html_at(doc, p1);
	np = busy_peers(peers, order);
	for (size_t k = 0; k < np; k++)
		role_is(json_array_get(peers, k), "proxy") ? proxies++ : direct++;
	shown_p = proxies > SVG_DIAGRAM_NODES ? SVG_DIAGRAM_NODES : proxies;
	shown_d = direct > SVG_DIAGRAM_NODES ? SVG_DIAGRAM_NODES : direct;
	rows = shown_p + shown_d + (proxies > shown_p) +
	       (direct > shown_d || html_int(doc, "%s/peers_omitted", base));
	if (!rows)
		rows = 1;
	h = TOP + (int)rows * ROW + 10;
	appy = TOP + ((int)rows * ROW - BOXH) / 2;
	fprintf(f,
		"<svg class=\"topo\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"Topology of "
		"listener %zu\">\n<defs><marker id=\"arrow%zu\" viewBox=\"0 0 10 10\" refX=\"9\" "
		"refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" orient=\"auto\"><path d=\"M0,0 "
		"L10,5 L0,10 z\" class=\"arrowhead\"/></marker></defs>\n"
		"<text class=\"col\" x=\"%d\" y=\"18\">Clients</text><text class=\"col\" x=\"%d\" "
		"y=\"18\">Proxies</text><text class=\"col\" x=\"%d\" y=\"18\">App</text>\n",
		TW, h, l, l, XLEFT, XMID, XAPP);
	snprintf(p1, sizeof(p1), "%s/port", base);
	snprintf(p2, sizeof(p2), "%s/requests", base);
	fprintf(f,
		"<rect class=\"node app\" x=\"%d\" y=\"%d\" width=\"%d\" height=\"%d\" rx=\"6\"/>"
		"<text class=\"addr\" x=\"%d\" y=\"%d\">port ",
		XAPP, appy, APPW, BOXH, XAPP + 10, appy + 18);
	html_value(f, doc, "tspan", NULL, "%s", p1);
	fprintf(f, "</text><text class=\"sub\" x=\"%d\" y=\"%d\">", XAPP + 10, appy + 35);
	html_value(f, doc, "tspan", "class=\"num\"", "%s", p2);
	fputs(" requests</text>\n", f);
	for (size_t pass = 0; pass < 2; pass++) {
		size_t seen = 0, count = pass ? direct : proxies, cap = pass ? shown_d : shown_p;

		for (size_t i = 0; i < np && seen < cap; i++) {
			size_t k = order[i];
			json_t *p = json_array_get(peers, k);
			int y = TOP + (int)row * ROW;
			bool proxy = role_is(p, "proxy"),
			     trusted = json_is_true(json_object_get(p, "trusted"));
			char clients[HTML_POINTER_MAX];

			if (proxy == (pass == 1))
				continue;
			seen++;
			row++;
			snprintf(p1, sizeof(p1), "%s/peers/%zu/address", base, k);
			snprintf(p2, sizeof(p2), "%s/peers/%zu/requests", base, k);
			if (!proxy) {
				/* Headers from a peer the rule does not trust: forged. */
				bool forges =
					!trusted &&
					json_integer_value(json_object_get(p, "with_header")) > 0;

				node(f, doc, XLEFT, y, COLW, forges ? "client untrusted" : "client",
				     p1, NULL, p2,
				     forges ? "requests, direct, with headers"
					    : "requests, direct");
				edge(f, l, XLEFT + COLW, y + BOXH / 2, XAPP - 2, appy + BOXH / 2,
				     "direct");
				continue;
			}
			snprintf(clients, sizeof(clients), "%s/peers/%zu/clients", base, k);
			fprintf(f,
				"<rect class=\"node behind\" x=\"%d\" y=\"%d\" width=\"%d\" "
				"height=\"%d\" rx=\"6\"/>"
				"<text class=\"addr\" x=\"%d\" y=\"%d\">",
				XLEFT + 40, y, COLW - 40, BOXH, XLEFT + 50, y + 27);
			html_value(f, doc, "tspan", "class=\"num\"", "%s", clients);
			snprintf(clients, sizeof(clients), "%s/peers/%zu/clients_capped", base, k);
			fprintf(f, "%s clients</text>\n",
				json_is_true(html_at(doc, clients)) ? "+" : "");
			node(f, doc, XMID, y, COLW, trusted ? "proxy" : "proxy untrusted", p1, NULL,
			     p2, trusted ? "requests, trusted" : "requests, NOT trusted");
			edge(f, l, XLEFT + COLW, y + BOXH / 2, XMID - 2, y + BOXH / 2, "behind");
			edge(f, l, XMID + COLW, y + BOXH / 2, XAPP - 2, appy + BOXH / 2,
			     trusted ? "trusted" : "untrusted");
		}
		if (count > cap || (pass && html_int(doc, "%s/peers_omitted", base))) {
			int y = TOP + (int)row * ROW;
			char more[96];

			row++;
			if (pass)
				snprintf(more, sizeof(more), "%zu more direct peers",
					 count - cap +
						 (size_t)html_int(doc, "%s/peers_omitted", base));
			else
				snprintf(more, sizeof(more), "%zu more proxies", count - cap);
			node(f, doc, pass ? XLEFT : XMID, y, COLW, "more", NULL, more, NULL, NULL);
		}
	}
	if (!np)
		fprintf(f, "<text class=\"sub\" x=\"%d\" y=\"%d\">no peers seen</text>\n", XLEFT,
			TOP + 26);
	fputs("</svg>\n", f);
}
