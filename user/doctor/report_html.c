// SPDX-License-Identifier: BSD-2-Clause
/*
 * The doctor's HTML page. It is drawn from the doctor's JSON document (made
 * by report_json from the same struct report), read back: every figure on
 * the page is fetched by its RFC 6901 pointer and carries it as data-json, so
 * the page cannot show a number the JSON does not have. No script, no URL:
 * inline CSS and SVG under a Content-Security-Policy that forbids the rest.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "doctor/html_write.h"
#include "doctor/report.h"
#include "doctor/report_svg.h"
#include "doctor/timeline.h"

static const char css[] =
	":root{--fg:#1c2430;--mut:#5b6675;--line:#d9dee5;--bg:#f6f8fa;--acc:#2471a3;"
	"--high:#b03a2e;--med:#b9770e;--low:#2e86c1}"
	"*{box-sizing:border-box}"
	"body{margin:0;font:15px/1.5 system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;"
	"color:var(--fg);background:#fff}"
	"main{max-width:1100px;margin:0 auto;padding:0 20px 40px}"
	"header{background:#1c2430;color:#fff;padding:22px 20px}"
	"header .in{max-width:1100px;margin:0 auto}"
	"header h1{margin:0;font-size:24px;font-weight:600}"
	"header p{margin:4px 0 0;color:#c9d1dc;font-size:14px}"
	"nav{display:flex;flex-wrap:wrap;gap:4px 16px;margin:16px 0;font-size:14px}"
	"nav a{color:var(--acc);text-decoration:none}"
	"h2{font-size:20px;margin:34px 0 10px;padding-bottom:6px;border-bottom:2px solid "
	"var(--line)}"
	"h3{font-size:16px;margin:22px 0 8px}"
	".cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(150px,1fr));gap:10px}"
	".card{background:var(--bg);border:1px solid var(--line);border-radius:8px;padding:10px "
	"14px}"
	".card .v{display:block;font-size:26px;font-weight:600;font-variant-numeric:tabular-nums}"
	".card .k{color:var(--mut);font-size:13px}"
	".card.bad .v{color:var(--high)}strong.bad{color:var(--high)}"
	"table{border-collapse:collapse;width:100%;font-size:14px;margin:6px 0}"
	"th,td{text-align:left;padding:6px 10px;border-bottom:1px solid var(--line);"
	"vertical-align:top;overflow-wrap:anywhere}"
	"th{background:var(--bg);font-weight:600}"
	"td.n,th.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
	"td.addr{white-space:nowrap}th.rank{width:3em}"
	/* Headings and names (x-forwarded-for, a finding's) break between words only. */
	"th,td.words{overflow-wrap:normal}td.words code{white-space:nowrap}"
	".wide{overflow-x:auto}"
	"code,.addr,pre{font-family:ui-monospace,'DejaVu Sans Mono',Menlo,Consolas,monospace}"
	"pre{background:#1c2430;color:#e8edf3;padding:12px 14px;border-radius:6px;"
	"overflow-x:auto;font-size:13px;line-height:1.45;white-space:pre}"
	"details{margin:8px 0}summary{cursor:pointer;color:var(--acc)}"
	"svg{width:100%;height:auto;display:block;margin:6px 0}"
	"svg text{font-size:12px;fill:var(--fg)}"
	/* A bidirectional control in a value reorders that value only, not its neighbours. */
	"td,th,li,code,pre,summary,svg text{unicode-bidi:isolate}"
	"[data-bidi]::before{content:\"[holds direction controls: shown reordered] \";"
	"color:var(--high);font-family:sans-serif}"
	/* Zero-width and invisible characters: a value that looks like another is said to. */
	"[data-invisible]::after{content:\" [holds invisible characters]\";"
	"color:var(--high);font-family:sans-serif}"
	"svg .tick{fill:var(--mut);font-size:11px}svg .label{fill:var(--mut);font-size:12px}"
	"svg .grid{stroke:#eceff3}svg .axis{stroke:#8a94a3}"
	"svg .bar{fill:var(--acc)}svg .series{fill:none;stroke-width:2}"
	"svg .node{fill:#fff;stroke:#8a94a3;stroke-width:1.2}"
	"svg .node.proxy{fill:#eaf4ea;stroke:#1e8449}"
	"svg .node.untrusted{fill:#fdecea;stroke:var(--high)}"
	"svg .node.app{fill:#e8f1f8;stroke:var(--acc)}svg "
	".node.more{fill:var(--bg);stroke-dasharray:4 3}"
	"svg .node.behind{fill:var(--bg)}"
	"svg .addr{font-family:ui-monospace,'DejaVu Sans "
	"Mono',monospace;font-size:13px;font-weight:600}"
	"svg .sub{fill:var(--mut);font-size:12px}svg .col{font-weight:600;fill:var(--mut)}"
	"svg .edge{fill:none;stroke:#8a94a3;stroke-width:1.6}svg "
	".edge.untrusted{stroke:var(--high);"
	"stroke-dasharray:6 4}svg .edge.trusted{stroke:#1e8449}svg .arrowhead{fill:#8a94a3}"
	".diag{border:1px solid var(--line);border-left:5px solid var(--low);border-radius:6px;"
	"padding:10px 16px;margin:14px 0}"
	".diag.high{border-left-color:var(--high)}.diag.medium{border-left-color:var(--med)}"
	".diag h3{margin:4px 0}"
	".badge{display:inline-block;font-size:12px;font-weight:600;text-transform:uppercase;"
	"padding:1px 8px;border-radius:10px;color:#fff;background:var(--low);margin-right:6px}"
	".badge.high{background:var(--high)}.badge.medium{background:var(--med)}"
	".mut{color:var(--mut);font-size:13px}"
	"ul.vals{margin:0;padding-left:18px;min-width:16em}.hdr{color:var(--mut)}"
	"footer{color:var(--mut);font-size:12px;margin-top:40px;border-top:1px solid var(--line);"
	"padding-top:10px}"
	"@media (max-width:600px){body{font-size:14px}main{padding:0 10px 30px}"
	"header{padding:16px 10px}.card .v{font-size:21px}th,td{padding:5px 6px}"
	"svg.chart,svg.topo{min-width:620px}}"
	"@media print{header{background:#fff;color:#000;padding:0}header p{color:#333}"
	"nav{display:none}details{display:block}details>*{display:block}"
	".diag,svg,tr{break-inside:avoid}pre{background:#f3f3f3;color:#000;white-space:pre-wrap}"
	"h2{break-after:avoid}}";

/* The summary's figures: pointer and label; members R1's aggregation adds show when present. */
static const struct {
	const char *ptr, *label;
	bool bad;
} cards[] = {
	{ "/summary/requests", "requests", false },
	{ "/source/events", "events read", false },
	{ "/summary/clients", "distinct clients (at least)", false },
	{ "/summary/forged_requests", "requests with forged headers", true },
	{ "/summary/diagnoses", "diagnoses", true },
	{ "/summary/high", "high severity", true },
	{ "/summary/medium", "medium severity", true },
	{ "/summary/suggestions", "suggestions", false },
	{ "/summary/health_checks", "health checks (PROXY LOCAL)", false },
};

/*
 * The sections whose size grows with what was seen are written in full while
 * they are under these many bytes; past that, each further item is one short
 * line (the text and JSON reports have it all). With the tables' own bounds
 * they bound the page (docs/doctor.md, "HTML report").
 */
#define HTML_TOPOLOGY_BUDGET  (192 * 1024)
#define HTML_FORGERS_BUDGET   (192 * 1024)
#define HTML_DIAGNOSES_BUDGET (384 * 1024)

/* Has @f grown past @budget bytes since @start? */
static bool spent(FILE *f, long start, long budget)
{
	return ftell(f) - start > budget;
}

static void head(FILE *f, json_t *doc)
{
	json_t *files = html_at(doc, "/source/files");

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; img-src data:\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<meta name=\"referrer\" content=\"no-referrer\">\n"
	      "<title>xffwatch doctor report</title>\n<style>",
	      f);
	fputs(css, f);
	fputs("</style></head>\n<body>\n<header><div class=\"in\"><h1>xffwatch doctor "
	      "report</h1><p>",
	      f);
	html_value(f, doc, "span", NULL, "/source/kind");
	fputs(" source", f);
	for (size_t i = 0; i < json_array_size(files) && i < 4; i++) {
		fputs(i ? ", " : ": ", f);
		html_value(f, doc, "code", NULL, "/source/files/%zu", i);
	}
	if (json_array_size(files) > 4)
		fprintf(f, " and %zu more", json_array_size(files) - 4);
	fputs(" &middot; ended by ", f);
	html_value(f, doc, "span", NULL, "/source/ended_by");
	fputs(" &middot; stack ", f);
	for (size_t i = 0; i < json_array_size(html_at(doc, "/stack/names")); i++) {
		fputs(i ? ", " : "", f);
		html_value(f, doc, "span", NULL, "/stack/names/%zu", i);
	}
	if (json_is_true(html_at(doc, "/stack/guessed")))
		fputs(" (guessed)", f);
	fputs("</p></div></header>\n<main>\n<nav><a href=\"#summary\">Summary</a>"
	      "<a href=\"#time\">Over time</a><a href=\"#topology\">Topology</a>"
	      "<a href=\"#clients\">Top clients</a><a href=\"#forgers\">Forgers</a>"
	      "<a href=\"#diagnoses\">Diagnoses</a></nav>\n",
	      f);
}

static void summary(FILE *f, json_t *doc)
{
	fputs("<section id=\"summary\"><h2>Summary</h2><div class=\"cards\">\n", f);
	for (size_t i = 0; i < sizeof(cards) / sizeof(cards[0]); i++) {
		json_t *v = html_at(doc, cards[i].ptr);

		if (!json_is_integer(v))
			continue;
		fprintf(f, "<div class=\"card%s\">",
			cards[i].bad && json_integer_value(v) ? " bad" : "");
		html_value(f, doc, "span", "class=\"v\"", "%s", cards[i].ptr);
		fprintf(f, "<span class=\"k\">%s</span></div>\n", cards[i].label);
	}
	fputs("</div>\n", f);
	if (json_is_string(html_at(doc, "/stack/why"))) {
		fputs("<p class=\"mut\">Stack guessed: ", f);
		html_value(f, doc, "span", NULL, "/stack/why");
		fputs("; name it with <code>--stack</code>.</p>\n", f);
	}
	fputs("</section>\n", f);
}

/* The timeline's numbers: one row per bucket, one column per finding seen. */
static void timeline_table(FILE *f, json_t *doc)
{
	json_t *b = html_at(doc, "/timeline/buckets");
	size_t n = json_array_size(b);
	bool seen[FINDING__MAX] = { false };

	if (n > SVG_BUCKETS_MAX)
		n = SVG_BUCKETS_MAX;
	for (size_t i = 0; i < n; i++)
		for (unsigned int k = 0; k < FINDING__MAX; k++)
			seen[k] |= html_int(doc, "/timeline/buckets/%zu/findings/%s", i,
					    finding_name(k)) > 0;
	fputs("<details><summary>The numbers</summary><div class=\"wide\"><table><tr>"
	      "<th>start</th><th class=\"n\">requests</th>",
	      f);
	for (unsigned int k = 0; k < FINDING__MAX; k++)
		if (seen[k])
			fprintf(f, "<th class=\"n\">%s</th>", finding_name(k));
	fputs("</tr>\n", f);
	for (size_t i = 0; i < n; i++) {
		fputs("<tr>", f);
		html_value(f, doc, "td", NULL, "/timeline/buckets/%zu/start", i);
		html_value(f, doc, "td", "class=\"n\"", "/timeline/buckets/%zu/requests", i);
		for (unsigned int k = 0; k < FINDING__MAX; k++) {
			if (!seen[k])
				continue;
			if (html_int(doc, "/timeline/buckets/%zu/findings/%s", i, finding_name(k)))
				html_value(f, doc, "td", "class=\"n\"",
					   "/timeline/buckets/%zu/findings/%s", i, finding_name(k));
			else
				fputs("<td class=\"n\">0</td>", f);
		}
		fputs("</tr>\n", f);
	}
	fputs("</table></div></details>\n", f);
}

/* The requests the charts leave out: undated, and dated too far from the others to fit. */
static void not_charted(FILE *f, json_t *doc)
{
	bool far = html_int(doc, "/timeline/outside") > 0;

	fputs("Not in the charts: requests without a readable time, ", f);
	html_value(f, doc, "span", NULL, "/timeline/undated");
	fprintf(f, "; requests dated more than %d weeks from the ones before them, %s",
		TIMELINE_BUCKETS, far ? "<strong class=\"bad\">" : "");
	html_value(f, doc, "span", NULL, "/timeline/outside");
	fputs(far ? "</strong> (a clock that was wrong when they were written?)." : ".", f);
}

static void timeline(FILE *f, json_t *doc)
{
	fputs("<section id=\"time\"><h2>Over time</h2>\n", f);
	if (!json_is_object(html_at(doc, "/timeline"))) {
		fputs("<p class=\"mut\">No timeline in this report.</p></section>\n", f);
		return;
	}
	if (!json_array_size(html_at(doc, "/timeline/buckets"))) {
		fputs("<p class=\"mut\">No dated requests. ", f);
		not_charted(f, doc);
		fputs("</p></section>\n", f);
		return;
	}
	fputs("<h3>Requests</h3>\n", f);
	fputs("<div class=\"wide\">", f);
	svg_requests_chart(f, doc);
	fputs("</div>", f);
	fputs("<h3>Findings</h3>\n", f);
	fputs("<div class=\"wide\">", f);
	if (!svg_findings_chart(f, doc))
		fputs("<p class=\"mut\">No request carried a finding.</p>\n", f);
	fputs("</div>", f);
	timeline_table(f, doc);
	fputs("<p class=\"mut\">Bars of ", f);
	html_value(f, doc, "span", NULL, "/timeline/bucket_seconds");
	fputs(" s from ", f);
	html_value(f, doc, "span", NULL, "/timeline/start");
	fputs(". ", f);
	not_charted(f, doc);
	fputs("</p></section>\n", f);
}

static void topology(FILE *f, json_t *doc)
{
	size_t n = json_array_size(html_at(doc, "/topology/listeners"));
	long start = ftell(f);

	fputs("<section id=\"topology\"><h2>Topology</h2>\n"
	      "<p class=\"mut\">Per listener (app port): the TCP peers seen, proxies in the middle "
	      "with the clients behind them, direct peers on the left. The app port and the peers "
	      "the rule trusts as they are; every other address as the privacy settings say.</p>\n",
	      f);
	for (size_t i = 0; i < n; i++) {
		fputs("<h3>Port ", f);
		html_value(f, doc, "span", NULL, "/topology/listeners/%zu/port", i);
		fputs(" on ", f);
		html_value(f, doc, "code", NULL, "/topology/listeners/%zu/interface", i);
		fputs("</h3>\n", f);
		if (!spent(f, start, HTML_TOPOLOGY_BUDGET)) {
			fputs("<div class=\"wide\">", f);
			svg_topology(f, doc, i);
			fputs("</div>", f);
			continue;
		}
		fputs("<p>", f);
		html_value(f, doc, "span", NULL, "/topology/listeners/%zu/requests", i);
		fputs(" requests; the diagram is left out (the page's size is bounded).</p>\n", f);
	}
	if (!n)
		fputs("<p>No requests seen.</p>\n", f);
	if (html_int(doc, "/topology/listeners_omitted_requests")) {
		fputs("<p class=\"mut\">Requests on more listeners than followed: ", f);
		html_value(f, doc, "span", NULL, "/topology/listeners_omitted_requests");
		fputs("</p>\n", f);
	}
	fputs("</section>\n", f);
}

/* At most this many rows of the top clients (the JSON holds RANK_SHOWN). */
#define HTML_CLIENTS_MAX 20

static void clients(FILE *f, json_t *doc)
{
	size_t n = json_array_size(html_at(doc, "/top_clients/clients"));

	fputs("<section id=\"clients\"><h2>Top real clients</h2>\n", f);
	if (!n) {
		fputs("<p class=\"mut\">No clients in this report.</p></section>\n", f);
		return;
	}
	if (!json_is_true(html_at(doc, "/top_clients/exact")))
		fprintf(f,
			"<p><strong class=\"bad\">Approximate.</strong> More distinct clients "
			"than the %d the doctor follows: each count below is a lower bound (the "
			"client sent at least that many), and where no client stands out, the "
			"order and even which clients are listed may be arbitrary.</p>\n",
			RANK_TRACKED);
	fputs("<div class=\"wide\"><table><tr><th class=\"n rank\">#</th><th>client</th>"
	      "<th class=\"n\">requests</th></tr>\n",
	      f);
	for (size_t i = 0; i < n && i < HTML_CLIENTS_MAX; i++) {
		fprintf(f, "<tr><td class=\"n\">%zu</td>", i + 1);
		html_value(f, doc, "td", "class=\"addr\"", "/top_clients/clients/%zu/address", i);
		html_value(f, doc, "td", "class=\"n\"", "/top_clients/clients/%zu/requests", i);
		fputs("</tr>\n", f);
	}
	fputs("</table></div>\n<p class=\"mut\">Counts are ", f);
	fputs(json_is_true(html_at(doc, "/top_clients/exact")) ? "exact."
							       : "lower bounds (see above).",
	      f);
	fputs(" Distinct clients, at least: ", f);
	html_value(f, doc, "span", NULL, "/top_clients/distinct_at_least");
	fputs(".</p></section>\n", f);
}

/* At most this many forgers and values each (the JSON holds FORGERS_MAX, FORGER_VALUES). */
#define HTML_FORGERS_MAX 32
#define HTML_VALUES_MAX	 8

/* The strings of the array at @member of forger @i, comma-separated. */
static void forger_list(FILE *f, json_t *doc, size_t i, const char *member)
{
	char ptr[HTML_POINTER_MAX];
	size_t n;

	snprintf(ptr, sizeof(ptr), "/forgers/forgers/%zu/%s", i, member);
	n = json_array_size(html_at(doc, ptr));
	fputs("<td class=\"words\">", f);
	for (size_t k = 0; k < n && k < FINDING__MAX; k++) {
		fputs(k ? ", " : "", f);
		html_value(f, doc, "code", NULL, "%s/%zu", ptr, k);
	}
	fputs("</td>", f);
}

static void forgers(FILE *f, json_t *doc)
{
	size_t n = json_array_size(html_at(doc, "/forgers/forgers"));
	long start = ftell(f);

	fputs("<section id=\"forgers\"><h2>Clients that forged headers</h2>\n", f);
	if (!n) {
		fputs("<p class=\"mut\">No forged headers in this report.</p></section>\n", f);
		return;
	}
	fputs("<p class=\"mut\">TCP peers whose forwarding headers or PROXY preambles were not "
	      "trusted, and the values they sent (as the events show them).</p>\n"
	      "<div class=\"wide\"><table><tr><th>peer</th><th class=\"n\">port</th>"
	      "<th class=\"n\">requests</th><th>findings</th><th>headers</th>"
	      "<th>values used (header: value (requests))</th></tr>\n",
	      f);
	for (size_t i = 0; i < n && i < HTML_FORGERS_MAX; i++) {
		char ptr[HTML_POINTER_MAX];
		size_t nv;

		snprintf(ptr, sizeof(ptr), "/forgers/forgers/%zu/values", i);
		nv = json_array_size(html_at(doc, ptr));
		fputs("<tr>", f);
		html_value(f, doc, "td", "class=\"addr\"", "/forgers/forgers/%zu/address", i);
		if (html_int(doc, "/forgers/forgers/%zu/listener/port", i))
			html_value(f, doc, "td", "class=\"n\"",
				   "/forgers/forgers/%zu/listener/port", i);
		else
			html_value(f, doc, "td", "class=\"n\"", "/forgers/forgers/%zu/listener", i);
		html_value(f, doc, "td", "class=\"n\"", "/forgers/forgers/%zu/requests", i);
		if (spent(f, start, HTML_FORGERS_BUDGET)) {
			fputs("<td colspan=\"3\" class=\"mut\">left out (the page's size is "
			      "bounded)</td></tr>\n",
			      f);
			continue;
		}
		forger_list(f, doc, i, "findings");
		forger_list(f, doc, i, "headers");
		fputs("<td><ul class=\"vals\">", f);
		for (size_t k = 0; k < nv && k < HTML_VALUES_MAX; k++) {
			char hdr[HTML_POINTER_MAX + 32];

			fputs("<li>", f);
			snprintf(hdr, sizeof(hdr), "%s/%zu/header", ptr, k);
			if (html_at(doc, hdr)) {
				html_value(f, doc, "span", "class=\"hdr\"", "%s", hdr);
				fputs(": ", f);
			}
			html_value(f, doc, "code", NULL, "%s/%zu/value", ptr, k);
			fputs(" (", f);
			html_value(f, doc, "span", NULL, "%s/%zu/requests", ptr, k);
			fputs(")</li>", f);
		}
		if (html_int(doc, "/forgers/forgers/%zu/values_other", i)) {
			fputs("<li>other values: ", f);
			html_value(f, doc, "span", NULL, "/forgers/forgers/%zu/values_other", i);
			fputs("</li>", f);
		}
		fputs("</ul></td></tr>\n", f);
	}
	fputs("</table></div>\n", f);
	if (html_int(doc, "/forgers/omitted")) {
		fputs("<p class=\"mut\">More forgers, not listed: ", f);
		html_value(f, doc, "span", NULL, "/forgers/omitted");
		fputs(" (", f);
		html_value(f, doc, "span", NULL, "/forgers/omitted_requests");
		fputs(" requests).</p>\n", f);
	}
	fputs("</section>\n", f);
}

static void diagnosis(FILE *f, json_t *doc, const char *list, size_t i, bool brief)
{
	char d[64];
	const char *level;
	char badge[32];
	json_t *sev;
	size_t nf, na;

	snprintf(d, sizeof(d), "/%s/%zu/severity", list, i);
	sev = html_at(doc, d);
	snprintf(d, sizeof(d), "/%s/%zu", list, i);
	/* A class from the three levels only, whatever the document says. */
	level = json_is_string(sev) && (!strcmp(json_string_value(sev), "high") ||
					!strcmp(json_string_value(sev), "medium"))
			? json_string_value(sev)
			: "low";
	snprintf(badge, sizeof(badge), "class=\"badge %s\"", level);
	fprintf(f, "<article class=\"diag %s\"><h3>", level);
	html_value(f, doc, "span", badge, "%s/severity", d);
	html_value(f, doc, "span", NULL, "%s/title", d);
	fputs("</h3><p class=\"mut\">", f);
	html_value(f, doc, "code", NULL, "%s/id", d);
	fputs(" &middot; port ", f);
	html_value(f, doc, "span", NULL, "%s/listener/port", d);
	fputs(" &middot; confidence ", f);
	html_value(f, doc, "span", NULL, "%s/confidence", d);
	fputs(" &middot; ", f);
	html_value(f, doc, "span", NULL, "%s/evidence/requests", d);
	fputs(" of ", f);
	html_value(f, doc, "span", NULL, "%s/evidence/of", d);
	fputs(" requests</p>\n", f);
	if (brief) {
		fputs("<p class=\"mut\">Details and fixes: in <code>--format text</code> or "
		      "<code>json</code> (this page's size is bounded).</p></article>\n",
		      f);
		return;
	}
	html_value(f, doc, "p", NULL, "%s/summary", d);
	{
		char p[HTML_POINTER_MAX];

		snprintf(p, sizeof(p), "%s/evidence/addresses", d);
		na = json_array_size(html_at(doc, p));
		if (na) {
			fputs("<p>Addresses: ", f);
			for (size_t k = 0; k < na; k++) {
				fputs(k ? ", " : "", f);
				html_value(f, doc, "code", NULL, "%s/%zu", p, k);
			}
			fputs("</p>\n", f);
		}
		snprintf(p, sizeof(p), "%s/fixes", d);
		nf = json_array_size(html_at(doc, p));
		for (size_t k = 0; k < nf; k++) {
			fputs("<h4>Fix for ", f);
			html_value(f, doc, "span", NULL, "%s/%zu/for", p, k);
			fputs(": ", f);
			html_value(f, doc, "span", "class=\"mut\"", "%s/%zu/where", p, k);
			fputs("</h4>", f);
			html_value(f, doc, "pre", NULL, "%s/%zu/text", p, k);
			fputc('\n', f);
		}
	}
	fputs("</article>\n", f);
}

static void diagnoses(FILE *f, json_t *doc)
{
	long start = ftell(f);
	static const char *const lists[] = { "diagnoses", "suggestions" };

	fputs("<section id=\"diagnoses\"><h2>Diagnoses</h2>\n", f);
	for (size_t l = 0; l < 2; l++) {
		char ptr[32];
		size_t n;

		snprintf(ptr, sizeof(ptr), "/%s", lists[l]);
		n = json_array_size(html_at(doc, ptr));
		if (l == 1 && n)
			fputs("<h2>Suggestions</h2>\n", f);
		if (l == 0 && !n)
			fputs("<p>No diagnoses: nothing to fix in the traffic seen.</p>\n", f);
		for (size_t i = 0; i < n; i++)
			diagnosis(f, doc, lists[l], i, spent(f, start, HTML_DIAGNOSES_BUDGET));
	}
	fputs("</section>\n", f);
}

int report_html_json(FILE *out, const char *json, size_t len)
{
	json_error_t jerr;
	json_t *doc = json_loadb(json, len, 0, &jerr);
	char *page = NULL;
	size_t size = 0;
	FILE *f;
	int rc = 0;

	if (!doc)
		return -EINVAL;
	f = open_memstream(&page, &size);
	if (!f) {
		json_decref(doc);
		return -ENOMEM;
	}
	head(f, doc);
	summary(f, doc);
	timeline(f, doc);
	topology(f, doc);
	clients(f, doc);
	forgers(f, doc);
	diagnoses(f, doc);
	fputs("<footer>Made by <code>xffwatch doctor --html</code> &middot; ", f);
	html_value(f, doc, "span", NULL, "/schema");
	fputs(" &middot; every figure carries its JSON pointer (<code>data-json</code>)."
	      "</footer>\n</main>\n</body></html>\n",
	      f);
	if (fclose(f))
		rc = -ENOMEM;
	else if (fwrite(page, 1, size, out) != size)
		rc = -EIO;
	free(page);
	json_decref(doc);
	return rc;
}

int report_html(FILE *out, const struct report *r)
{
	char *json = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&json, &len);
	int rc;

	if (!f)
		return -ENOMEM;
	rc = report_json(f, r);
	if (fclose(f) && !rc)
		rc = -ENOMEM;
	if (!rc)
		rc = report_html_json(out, json, len);
	free(json);
	return rc;
}
