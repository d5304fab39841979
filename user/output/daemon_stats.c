// SPDX-License-Identifier: BSD-2-Clause
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "output/daemon_stats.h"

uint64_t stats_flow_evictions(uint64_t known, uint64_t created_before, uint64_t removed_after,
			      long live)
{
	uint64_t gone;

	if (live < 0 || created_before < removed_after ||
	    created_before - removed_after <= (uint64_t)live)
		return known;
	gone = created_before - removed_after - (uint64_t)live;
	return gone > known ? gone : known;
}

static uint64_t sum(const uint64_t *v, size_t n)
{
	uint64_t total = 0;

	for (size_t i = 0; i < n; i++)
		total += v[i];
	return total;
}

/* A counter no metric shows; with the metric's help text; a level (docs/counters.md says more). */
#define FIELD(type, key, member)                         \
	{                                                \
		key, offsetof(type, member), NULL, false \
	}
#define HFIELD(type, key, member, help)                  \
	{                                                \
		key, offsetof(type, member), help, false \
	}
#define GAUGE(type, key, member, help)                  \
	{                                               \
		key, offsetof(type, member), help, true \
	}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

uint64_t stats_counter(const void *base, const struct stats_counter *c)
{
	uint64_t v;

	memcpy(&v, (const char *)base + c->off, sizeof(v));
	return v;
}

/* The tracker's own counters (its "tracker" object). */
const struct stats_counter stats_tracker_counters[] = {
	HFIELD(struct tracker_stats, "late_responses", late_responses,
	       "Responses with no request waiting"),
	HFIELD(struct tracker_stats, "unusable_heads", unusable_heads,
	       "Requests dropped because their request line never arrived"),
	HFIELD(struct tracker_stats, "parts_lost", parts_lost, "Head parts that never arrived"),
	HFIELD(struct tracker_stats, "flow_ends", flow_ends, "Flow-end records"),
	HFIELD(struct tracker_stats, "desyncs", desyncs,
	       "Flow ends where the kernel lost its place in the connection"),
	HFIELD(struct tracker_stats, "bad_records", bad_records,
	       "Malformed records from the kernel (should stay 0)"),
};
const size_t stats_tracker_ncounters = COUNT(stats_tracker_counters);

/* An output's counters, in the order docs/counters.md lists them. */
static const struct stats_counter output_fields[] = {
	FIELD(struct sink_stats, "events", events),
	FIELD(struct sink_stats, "dropped", dropped),
	FIELD(struct sink_stats, "errors", errors),
	FIELD(struct sink_stats, "queued", queued_events),
	FIELD(struct sink_stats, "queued_bytes", queued),
	FIELD(struct sink_stats, "rotations", rotations),
	FIELD(struct sink_stats, "shortened", shortened),
};

/* PROXY protocol preambles and their connections: the member names as keys. */
const struct stats_counter stats_pp_counters[] = {
	HFIELD(struct tracker_pp_stats, "preambles", preambles, "PROXY protocol preambles parsed"),
	HFIELD(struct tracker_pp_stats, "v1", v1, "PROXY protocol v1 preambles"),
	HFIELD(struct tracker_pp_stats, "v2", v2, "PROXY protocol v2 preambles"),
	HFIELD(struct tracker_pp_stats, "local", local, "PROXY protocol v2 LOCAL preambles"),
	HFIELD(struct tracker_pp_stats, "unknown", unknown, "PROXY protocol v1 UNKNOWN preambles"),
	HFIELD(struct tracker_pp_stats, "malformed", malformed,
	       "PROXY protocol preambles that broke the spec"),
	HFIELD(struct tracker_pp_stats, "truncated", truncated,
	       "PROXY protocol preambles ended early by the connection's close"),
	HFIELD(struct tracker_pp_stats, "crc_ok", crc_ok,
	       "PROXY protocol v2 preambles with a checked, right CRC32C"),
	HFIELD(struct tracker_pp_stats, "parts_lost", parts_lost,
	       "PROXY protocol preambles a part of which never arrived"),
	HFIELD(struct tracker_pp_stats, "lost", lost,
	       "Requests on a connection whose preamble is not there"),
	HFIELD(struct tracker_pp_stats, "evicted", evicted,
	       "PROXY connections pushed out of the daemon's table"),
	GAUGE(struct tracker_pp_stats, "conns", conns, "PROXY connections held now"),
};
const size_t stats_pp_ncounters = COUNT(stats_pp_counters);

/* The sockets' owners (live only): what the user database and the cgroup tree did not know. */
const struct stats_counter stats_identity_counters[] = {
	HFIELD(struct owner_cache_stats, "resolved", resolved,
	       "Ends of requests whose socket was this host's"),
	HFIELD(struct owner_cache_stats, "users_unknown", users_unknown,
	       "Of which: uid not in the user database"),
	HFIELD(struct owner_cache_stats, "cgroups_unknown", cgroups_unknown,
	       "Of which: cgroup id not in the last scan"),
	HFIELD(struct owner_cache_stats, "cgroup_scans", rescans, "Scans of the cgroup2 tree"),
	HFIELD(struct owner_cache_stats, "users_evicted", users_evicted,
	       "Users dropped from the full cache"),
	HFIELD(struct owner_cache_stats, "cgroups_passed_over", cgroups_over,
	       "Cgroup directories skipped by the scans"),
};
const size_t stats_identity_ncounters = COUNT(stats_identity_counters);

/* Replay's capture counters: what was read, and what was not parsed as data. */
static const struct stats_counter capture_fields[] = {
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
static void counters_json(struct jsonw *j, const void *base, const struct stats_counter *fields,
			  size_t n)
{
	for (size_t f = 0; f < n; f++)
		jsonw_uint(j, fields[f].key, stats_counter(base, &fields[f]));
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
	jsonw_uint(j, "flow_evictions", s->flow_evictions);
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
	counters_json(j, t, stats_tracker_counters, stats_tracker_ncounters);
	jsonw_object_end(j);

	jsonw_object_begin(j, "proxy_protocol");
	counters_json(j, &t->pp, stats_pp_counters, stats_pp_ncounters);
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
		counters_json(j, &s->outputs[i].st, output_fields, COUNT(output_fields));
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
	if (s->identity) {
		jsonw_object_begin(j, "identity");
		counters_json(j, s->identity, stats_identity_counters, stats_identity_ncounters);
		jsonw_object_end(j);
	}
	if (s->capture) {
		jsonw_object_begin(j, "capture");
		counters_json(j, s->capture, capture_fields, COUNT(capture_fields));
		jsonw_object_end(j);
	}
	jsonw_object_end(j);
}
