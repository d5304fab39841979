// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "output/metrics_page.h"
#include "output/prom_text.h"

/* An output's labels: "stdout", "file1", "syslog2"; its kind; its configured target. */
struct page_output {
	char label[24];
	const char *kind;
	const char *target;
};

struct page {
	struct prom_buf b;
	const struct stats *s;
	const struct metrics_tally *t;
	const struct metrics_info *info;
	struct page_output out[STATS_MAX_OUTPUTS];
	size_t nout; /* the outputs shown: s->noutputs, at most STATS_MAX_OUTPUTS */
	char ports[METRICS_LISTENERS + 1][12]; /* the listener label values */
};

struct family;
typedef void (*emit_fn)(struct page *p, const struct family *f);

/* A metric family: its name, type and help, and what writes its samples. */
struct family {
	const char *name;
	const char *type;
	const char *help;
	emit_fn emit;
	uint64_t (*value)(const struct stats *s); /* one sample without labels (emit_value) */
};

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ---- the listeners' families, from the tally ---- */

/* Is row @i of the tally in use? The "other" row only once an event went there. */
static bool row_used(const struct metrics_tally *t, size_t i)
{
	return i < t->nports || (i == METRICS_LISTENERS && t->l[METRICS_LISTENERS].requests);
}

static void emit_requests(struct page *p, const struct family *f)
{
	for (size_t i = 0; i <= METRICS_LISTENERS; i++) {
		struct prom_label l[] = { { "listener", p->ports[i] } };

		if (row_used(p->t, i))
			prom_uint(&p->b, f->name, l, ARRAY_LEN(l), p->t->l[i].requests);
	}
}

static void emit_responses(struct page *p, const struct family *f)
{
	for (size_t i = 0; i <= METRICS_LISTENERS; i++) {
		for (unsigned int c = 0; c < MCC__MAX && row_used(p->t, i); c++) {
			struct prom_label l[] = { { "listener", p->ports[i] },
						  { "code_class", metrics_code_class_name(c) } };

			prom_uint(&p->b, f->name, l, ARRAY_LEN(l), p->t->l[i].responses[c]);
		}
	}
}

static void emit_findings(struct page *p, const struct family *f)
{
	for (size_t i = 0; i <= METRICS_LISTENERS; i++) {
		for (unsigned int n = 0; n < FINDING__MAX && row_used(p->t, i); n++) {
			struct prom_label l[] = { { "listener", p->ports[i] },
						  { "finding", finding_name(n) } };

			prom_uint(&p->b, f->name, l, ARRAY_LEN(l), p->t->l[i].findings[n]);
		}
	}
}

/* name_bucket{listener,le} (cumulative), name_sum and name_count. */
static void emit_durations(struct page *p, const struct family *f)
{
	char bucket[64], sum[64], count[64], le[32];

	snprintf(bucket, sizeof(bucket), "%s_bucket", f->name);
	snprintf(sum, sizeof(sum), "%s_sum", f->name);
	snprintf(count, sizeof(count), "%s_count", f->name);
	for (size_t i = 0; i <= METRICS_LISTENERS; i++) {
		const struct metrics_listener *r = &p->t->l[i];
		struct prom_label l[] = { { "listener", p->ports[i] }, { "le", le } };
		uint64_t below = 0;

		if (!row_used(p->t, i))
			continue;
		for (size_t b = 0; b <= METRICS_DURATION_BOUNDS; b++) {
			below += r->durations[b];
			if (b < METRICS_DURATION_BOUNDS)
				prom_format_double((double)metrics_duration_bounds_ns[b] / 1e9, le,
						   sizeof(le));
			else
				snprintf(le, sizeof(le), "+Inf");
			prom_uint(&p->b, bucket, l, ARRAY_LEN(l), below);
		}
		prom_double(&p->b, sum, l, 1, (double)r->duration_sum_ns / 1e9);
		prom_uint(&p->b, count, l, 1, below); /* the +Inf bucket: every duration */
	}
}

/* ---- the daemon's counters, the JSON counters' sources ---- */

static void emit_value(struct page *p, const struct family *f)
{
	prom_uint(&p->b, f->name, NULL, 0, f->value(p->s));
}

static void emit_build_info(struct page *p, const struct family *f)
{
	char abi[12];
	struct prom_label l[] = { { "version", p->info->version ? p->info->version : "" },
				  { "abi", abi } };

	snprintf(abi, sizeof(abi), "%u", p->info->abi);
	prom_uint(&p->b, f->name, l, ARRAY_LEN(l), 1);
}

static void emit_start_time(struct page *p, const struct family *f)
{
	prom_double(&p->b, f->name, NULL, 0, p->info->start_time);
}

static void emit_no_response(struct page *p, const struct family *f)
{
	for (unsigned int r = NR_TIMEOUT; r < NR__MAX; r++) {
		struct prom_label l[] = { { "reason", no_response_reason_name(r) } };

		prom_uint(&p->b, f->name, l, ARRAY_LEN(l), p->s->tracker.no_response[r]);
	}
}

/* The flow table's figures: only once a walk has made them (--stats, SIGUSR1). */
static void emit_flows(struct page *p, const struct family *f)
{
	if (p->s->flows_live >= 0)
		prom_uint(&p->b, f->name, NULL, 0, (uint64_t)p->s->flows_live);
}

static void emit_evictions(struct page *p, const struct family *f)
{
	if (p->s->flows_live >= 0)
		prom_uint(&p->b, f->name, NULL, 0, p->s->flow_evictions);
}

/* One sample per output of the sink_stats member at @off. */
static void outputs_member(struct page *p, const struct family *f, size_t off)
{
	for (size_t i = 0; i < p->nout; i++) {
		struct prom_label l[] = { { "output", p->out[i].label } };
		uint64_t v;

		memcpy(&v, (const char *)&p->s->outputs[i].st + off, sizeof(v));
		prom_uint(&p->b, f->name, l, ARRAY_LEN(l), v);
	}
}

#define OUTPUTS_MEMBER(fn, member)                                         \
	static void fn(struct page *p, const struct family *f)             \
	{                                                                  \
		outputs_member(p, f, offsetof(struct sink_stats, member)); \
	}
OUTPUTS_MEMBER(emit_written, events)
OUTPUTS_MEMBER(emit_errors, errors)
OUTPUTS_MEMBER(emit_queued_bytes, queued)
OUTPUTS_MEMBER(emit_rotations, rotations)

static void emit_dropped(struct page *p, const struct family *f)
{
	for (size_t i = 0; i < p->nout; i++) {
		for (unsigned int r = 0; r < SINK_DROP__MAX; r++) {
			struct prom_label l[] = { { "output", p->out[i].label },
						  { "reason", sink_drop_name(r) } };

			prom_uint(&p->b, f->name, l, ARRAY_LEN(l),
				  p->s->outputs[i].st.dropped_by[r]);
		}
	}
}

static void emit_output_info(struct page *p, const struct family *f)
{
	for (size_t i = 0; i < p->nout; i++) {
		struct prom_label l[] = { { "output", p->out[i].label },
					  { "kind", p->out[i].kind },
					  { "target", p->out[i].target } };

		prom_uint(&p->b, f->name, l, ARRAY_LEN(l), 1);
	}
}

static uint64_t events_unformattable(const struct stats *s)
{
	return s->events_unformattable;
}

static uint64_t events_shortened(const struct stats *s)
{
	return s->events_shortened;
}

static uint64_t events_truncated(const struct stats *s)
{
	return s->events_truncated;
}

static uint64_t pending(const struct stats *s)
{
	return s->tracker.pending;
}

static void emit_overflow(struct page *p, const struct family *f)
{
	prom_uint(&p->b, f->name, NULL, 0, p->t->l[METRICS_LISTENERS].requests);
}

/* The families with a name of their own, in page order (docs/metrics.md lists each). */
static const struct family families[] = {
	{ "xffwatch_build_info", "gauge", "Version and ABI of the running daemon (always 1)",
	  emit_build_info, NULL },
	{ "xffwatch_start_time_seconds", "gauge",
	  "When the daemon started, seconds since the epoch", emit_start_time, NULL },
	{ "xffwatch_requests_total", "counter", "Requests given an event, by app port",
	  emit_requests, NULL },
	{ "xffwatch_responses_total", "counter",
	  "Events with a response, by app port and status class", emit_responses, NULL },
	{ "xffwatch_no_response_total", "counter", "Events written without a response, by reason",
	  emit_no_response, NULL },
	{ "xffwatch_findings_total", "counter", "Events carrying each finding, by app port",
	  emit_findings, NULL },
	{ "xffwatch_request_duration_seconds", "histogram",
	  "Request start to response start, events with a response", emit_durations, NULL },
	{ "xffwatch_events_written_total", "counter", "Events written, by output", emit_written,
	  NULL },
	{ "xffwatch_events_dropped_total", "counter", "Events an output lost, by output and reason",
	  emit_dropped, NULL },
	{ "xffwatch_events_unformattable_total", "counter", "Events that could not be formatted",
	  emit_value, events_unformattable },
	{ "xffwatch_events_shortened_total", "counter",
	  "Events too long for the outputs, written in short form", emit_value, events_shortened },
	{ "xffwatch_events_truncated_total", "counter",
	  "Events some output took incomplete (finding truncated)", emit_value, events_truncated },
	{ "xffwatch_output_errors_total", "counter", "Failed writes, opens and connects, by output",
	  emit_errors, NULL },
	{ "xffwatch_output_queued_bytes", "gauge", "Bytes waiting for each output",
	  emit_queued_bytes, NULL },
	{ "xffwatch_output_rotations_total", "counter", "Built-in rotations of each file output",
	  emit_rotations, NULL },
	{ "xffwatch_output_info", "gauge", "Each output's kind and configured target (always 1)",
	  emit_output_info, NULL },
	{ "xffwatch_flow_evictions_total", "counter",
	  "Flow-table entries the LRU pushed out, at least (as of the last walk)", emit_evictions,
	  NULL },
	{ "xffwatch_flows", "gauge", "Entries in the kernel's flow table at the last walk",
	  emit_flows, NULL },
	{ "xffwatch_pending_requests", "gauge", "Requests waiting for their response now",
	  emit_value, pending },
	{ "xffwatch_metrics_listeners_overflow_total", "counter",
	  "Events whose listener label became \"other\"", emit_overflow, NULL },
};

/* ---- families named after the counters of a group's table ---- */

/* xffwatch_<group>_<key>_total (or a gauge without _total) = @v. */
static void counter_family(struct page *p, const char *group, const char *key, const char *help,
			   bool gauge, uint64_t v)
{
	char name[96];

	snprintf(name, sizeof(name), "xffwatch_%s_%s%s", group, key, gauge ? "" : "_total");
	prom_family(&p->b, name, gauge ? "gauge" : "counter", help);
	prom_uint(&p->b, name, NULL, 0, v);
}

static void table_families(struct page *p, const char *group, const void *base,
			   const struct stats_counter *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		counter_family(p, group, c[i].key, c[i].help, c[i].gauge,
			       stats_counter(base, &c[i]));
}

/* The outputs' labels: kind and ordinal; the target is the name but syslog's "syslog " prefix. */
static void name_outputs(struct page *p)
{
	unsigned int files = 0, syslogs = 0;

	for (size_t i = 0; i < p->nout; i++) {
		const struct stats_output *so = &p->s->outputs[i];
		struct page_output *o = &p->out[i];
		const char *name = so->name ? so->name : "";

		o->kind = so->kind ? so->kind : "file";
		o->target = name;
		if (!strcmp(o->kind, "stdout")) {
			snprintf(o->label, sizeof(o->label), "stdout");
			o->target = "-";
		} else if (!strcmp(o->kind, "syslog")) {
			snprintf(o->label, sizeof(o->label), "syslog%u", ++syslogs);
			if (!strncmp(name, "syslog ", 7))
				o->target = name + 7;
		} else {
			snprintf(o->label, sizeof(o->label), "file%u", ++files);
		}
	}
}

int metrics_page(const struct stats *s, const struct metrics_tally *t,
		 const struct metrics_info *info, char **out, size_t *len)
{
	struct page p = { .s = s, .t = t, .info = info };

	prom_init(&p.b, PROM_PAGE_MAX);
	p.nout = s->noutputs < STATS_MAX_OUTPUTS ? s->noutputs : STATS_MAX_OUTPUTS;
	name_outputs(&p);
	for (size_t i = 0; i < t->nports && i < METRICS_LISTENERS; i++)
		snprintf(p.ports[i], sizeof(p.ports[i]), "%u", t->ports[i]);
	snprintf(p.ports[METRICS_LISTENERS], sizeof(p.ports[0]), "other");
	for (size_t i = 0; i < ARRAY_LEN(families); i++) {
		prom_family(&p.b, families[i].name, families[i].type, families[i].help);
		families[i].emit(&p, &families[i]);
	}
	for (unsigned int i = 0; i < XFFW_CNT__MAX; i++)
		counter_family(&p, "kernel", counter_name(i), counter_help(i), false, s->kernel[i]);
	table_families(&p, "tracker", &s->tracker, stats_tracker_counters, stats_tracker_ncounters);
	table_families(&p, "proxy_protocol", &s->tracker.pp, stats_pp_counters, stats_pp_ncounters);
	if (s->identity)
		table_families(&p, "identity", s->identity, stats_identity_counters,
			       stats_identity_ncounters);
	if (p.b.failed) {
		prom_free(&p.b);
		return -ENOMEM;
	}
	*out = p.b.p;
	*len = p.b.len;
	return 0;
}
