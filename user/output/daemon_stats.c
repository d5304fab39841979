// SPDX-License-Identifier: BSD-2-Clause
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "output/daemon_stats.h"

uint64_t stats_flow_evictions(const struct stats *s)
{
	uint64_t created = s->kernel[XFFW_CNT_FLOWS], removed = s->kernel[XFFW_CNT_FLOW_ENDS];

	if (s->flows_live < 0 || created < removed + (uint64_t)s->flows_live)
		return 0;
	return created - removed - (uint64_t)s->flows_live;
}

static uint64_t sum(const uint64_t *v, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += v[i];
	return total;
}

/* An output's counters, in the order docs/counters.md lists them. */
static const struct {
	const char *key;
	size_t off;
} output_fields[] = {
	{ "events", offsetof(struct sink_stats, events) },
	{ "dropped", offsetof(struct sink_stats, dropped) },
	{ "errors", offsetof(struct sink_stats, errors) },
	{ "queued", offsetof(struct sink_stats, queued_events) },
	{ "queued_bytes", offsetof(struct sink_stats, queued) },
	{ "rotations", offsetof(struct sink_stats, rotations) },
	{ "shortened", offsetof(struct sink_stats, shortened) },
};

/* Replay's "capture" object: what was read, and what was not parsed as data. */
static void capture_json(struct jsonw *j, const struct capture_counters *c)
{
	static const struct {
		const char *key;
		size_t off;
	} fields[] = {
#define CAPTURE_FIELD(name) { #name, offsetof(struct capture_counters, name) }
		CAPTURE_FIELD(packets),	      CAPTURE_FIELD(bytes),
		CAPTURE_FIELD(frames),	      CAPTURE_FIELD(cut),
		CAPTURE_FIELD(twice),	      CAPTURE_FIELD(short_frames),
		CAPTURE_FIELD(not_ip),	      CAPTURE_FIELD(duplicates),
		CAPTURE_FIELD(reordered),     CAPTURE_FIELD(gaps),
		CAPTURE_FIELD(flows_evicted), CAPTURE_FIELD(truncated_files),
#undef CAPTURE_FIELD
	};

	jsonw_object_begin(j, "capture");
	for (size_t f = 0; f < sizeof(fields) / sizeof(fields[0]); f++) {
		uint64_t v;

		memcpy(&v, (const char *)c + fields[f].off, sizeof(v));
		jsonw_uint(j, fields[f].key, v);
	}
	jsonw_object_end(j);
}

void stats_json(struct jsonw *j, const struct stats *s)
{
	const struct tracker_stats *t = &s->tracker;

	jsonw_object_begin(j, NULL);
	/* The headline figures first. */
	jsonw_uint(j, "requests", t->requests);
	jsonw_uint(j, "responses", t->responses);
	jsonw_uint(j, "paired", t->paired);
	jsonw_uint(j, "timed_out", t->no_response[NR_TIMEOUT]);
	jsonw_uint(j, "no_response", sum(t->no_response, NR__MAX));
	jsonw_uint(j, "truncated", t->truncated);
	jsonw_uint(j, "non_http_flows",
		   sum(t->not_http, sizeof(t->not_http) / sizeof(t->not_http[0])));
	jsonw_uint(j, "ringbuf_lost", s->kernel[XFFW_CNT_RINGBUF_LOSS]);
	jsonw_uint(j, "flow_evictions", stats_flow_evictions(s));
	jsonw_uint(j, "events_written", s->events_written);
	jsonw_uint(j, "events_dropped", s->events_dropped);
	jsonw_uint(j, "events_truncated", s->events_truncated);
	jsonw_uint(j, "events_shortened", s->events_shortened);
	jsonw_uint(j, "pending", t->pending);

	jsonw_object_begin(j, "no_response_by_reason");
	for (unsigned int r = NR_TIMEOUT; r < NR__MAX; r++)
		jsonw_uint(j, no_response_reason_name(r), t->no_response[r]);
	jsonw_object_end(j);

	jsonw_object_begin(j, "tracker");
	jsonw_uint(j, "late_responses", t->late_responses);
	jsonw_uint(j, "unusable_heads", t->unusable_heads);
	jsonw_uint(j, "parts_lost", t->parts_lost);
	jsonw_uint(j, "flow_ends", t->flow_ends);
	jsonw_uint(j, "desyncs", t->desyncs);
	jsonw_uint(j, "bad_records", t->bad_records);
	jsonw_object_end(j);

	jsonw_object_begin(j, "kernel");
	for (unsigned int i = 0; i < XFFW_CNT__MAX; i++)
		jsonw_uint(j, counter_name(i), s->kernel[i]);
	if (s->flows_live >= 0)
		jsonw_uint(j, "flows_live", (uint64_t)s->flows_live);
	jsonw_object_end(j);

	jsonw_array_begin(j, "outputs");
	for (size_t i = 0; i < s->noutputs; i++) {
		jsonw_object_begin(j, NULL);
		jsonw_cstring(j, "name", s->outputs[i].name);
		for (size_t f = 0; f < sizeof(output_fields) / sizeof(output_fields[0]); f++) {
			uint64_t v;

			memcpy(&v, (const char *)&s->outputs[i].st + output_fields[f].off,
			       sizeof(v));
			jsonw_uint(j, output_fields[f].key, v);
		}
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
	if (s->capture)
		capture_json(j, s->capture);
	jsonw_object_end(j);
}
