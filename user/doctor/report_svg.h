/* SPDX-License-Identifier: BSD-2-Clause */
/* The HTML report's inline SVG: the timeline's charts and each listener's topology diagram. */
#ifndef XFFW_REPORT_SVG_H
#define XFFW_REPORT_SVG_H

#include <jansson.h>
#include <stddef.h>
#include <stdio.h>

/* Nodes per column of a topology diagram (proxies, direct peers); past them one "N more". */
#define SVG_DIAGRAM_NODES 8
/* Buckets a chart draws at most (the timeline holds TIMELINE_BUCKETS). */
#define SVG_BUCKETS_MAX	  120

/* Requests per bucket of /timeline as bars, with axes and labels. */
void svg_requests_chart(FILE *f, json_t *doc);
/* One line per finding seen in /timeline, with a legend. Whether any finding was seen. */
int svg_findings_chart(FILE *f, json_t *doc);
/* /topology/listeners/@l as clients -> proxies -> app port. */
void svg_topology(FILE *f, json_t *doc, size_t l);

#endif
