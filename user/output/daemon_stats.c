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

/* A counter of a struct: its JSON key and where it is. */
struct counter_field {
	const char *key;
	size_t off;
};

#define FIELD(type, key, member)            \
	{                                   \
		key, offsetof(type, member) \
	}

/* An output's counters, in the order docs/counters.md lists them. */
static const struct counter_field output_fields[] = {
	FIELD(struct sink_stats, "events", events),
	FIELD(struct sink_stats, "dropped", dropped),
	FIELD(struct sink_stats, "errors", errors),
	FIELD(struct sink_stats, "queued", queued_events),
	FIELD(struct sink_stats, "queued_bytes", queued),
	FIELD(struct sink_stats, "rotations", rotations),
	FIELD(struct sink_stats, "shortened", shortened),
};

/* PROXY protocol preambles and their connections: the member names as keys. */
static const struct counter_field pp_fields[] = {
	FIELD(struct tracker_pp_stats, "preambles", preambles),
	FIELD(struct tracker_pp_stats, "v1", v1),
	FIELD(struct tracker_pp_stats, "v2", v2),
	FIELD(struct tracker_pp_stats, "local", local),
	FIELD(struct tracker_pp_stats, "unknown", unknown),
	FIELD(struct tracker_pp_stats, "malformed", malformed),
	FIELD(struct tracker_pp_stats, "truncated", truncated),
	FIELD(struct tracker_pp_stats, "crc_ok", crc_ok),
	FIELD(struct tracker_pp_stats, "parts_lost", parts_lost),
	FIELD(struct tracker_pp_stats, "lost", lost),
	FIELD(struct tracker_pp_stats, "evicted", evicted),
	FIELD(struct tracker_pp_stats, "conns", conns),
};

/* The sockets' owners (live only): what the user database and the cgroup tree did not know. */
static const struct counter_field identity_fields[] = {
	FIELD(struct owner_cache_stats, "resolved", resolved),
	FIELD(struct owner_cache_stats, "users_unknown", users_unknown),
	FIELD(struct owner_cache_stats, "cgroups_unknown", cgroups_unknown),
	FIELD(struct owner_cache_stats, "cgroup_scans", rescans),
	FIELD(struct owner_cache_stats, "users_evicted", users_evicted),
	FIELD(struct owner_cache_stats, "cgroups_passed_over", cgroups_over),
};

/* Replay's capture counters: what was read, and what was not parsed as data. */
static const struct counter_field capture_fields[] = {
	FIELD(struct capture_counters, "packets", packets),
	FIELD(struct capture_counters, "bytes", bytes),
	FIELD(struct capture_counters, "frames", frames),
	FIELD(struct capture_counters, "cut", cut),
	FIELD(struct capture_counters, "twice", twice),
	FIELD(struct capture_counters, "short_frames", short_frames),
	FIELD(struct capture_counters, "not_ip", not_ip),
	FIELD(struct capture_counters, "duplicates", duplicates),
	FIELD(struct capture_counters, "reordered", reordered),
	FIELD(struct capture_counters, "gaps", gaps),
	FIELD(struct capture_counters, "flows_evicted", flows_evicted),
	FIELD(struct capture_counters, "truncated_files", truncated_files),
};

/* The @n counters of @fields in @base, as members of the open object. */
static void counters_json(struct jsonw *j, const void *base, const struct counter_field *fields,
			  size_t n)
{
	for (size_t f = 0; f < n; f++) {
		uint64_t v;

		memcpy(&v, (const char *)base + fields[f].off, sizeof(v));
		jsonw_uint(j, fields[f].key, v);
	}
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

	jsonw_object_begin(j, "proxy_protocol");
	counters_json(j, &t->pp, pp_fields, sizeof(pp_fields) / sizeof(pp_fields[0]));
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
		counters_json(j, &s->outputs[i].st, output_fields,
			      sizeof(output_fields) / sizeof(output_fields[0]));
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
	if (s->identity) {
		jsonw_object_begin(j, "identity");
		counters_json(j, s->identity, identity_fields,
			      sizeof(identity_fields) / sizeof(identity_fields[0]));
		jsonw_object_end(j);
	}
	if (s->capture) {
		jsonw_object_begin(j, "capture");
		counters_json(j, s->capture, capture_fields,
			      sizeof(capture_fields) / sizeof(capture_fields[0]));
		jsonw_object_end(j);
	}
	jsonw_object_end(j);
}
