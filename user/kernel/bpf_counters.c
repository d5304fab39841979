// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/bpf_counters.h"

/* Each counter's name (JSON key and metric name) and what it counts (docs/counters.md). */
static const struct {
	const char *name;
	const char *help;
} counters[XFFW_CNT__MAX] = {
	[XFFW_CNT_SEGMENTS] = { "segments", "TCP segments with payload on watched flows" },
	[XFFW_CNT_REQUESTS] = { "request_heads", "Request heads parsed to their end" },
	[XFFW_CNT_RESPONSES] = { "responses", "Final responses to requests seen" },
	[XFFW_CNT_RINGBUF_LOSS] = { "ringbuf_lost", "Records lost: ring buffer full" },
	[XFFW_CNT_DUP_SEGMENTS] = { "duplicate_segments",
				    "Retransmitted or duplicated segments skipped" },
	[XFFW_CNT_GAPS] = { "gaps", "Sequence gaps (loss, reordering): the flow started over" },
	[XFFW_CNT_DESYNC] = { "desyncs",
			      "Framing the parser could not follow: the flow started over" },
	[XFFW_CNT_FLOWS] = { "flows_created", "Flow-table entries created" },
	[XFFW_CNT_FLOWS_FULL] = { "flows_refused", "Flow-table entries that could not be created" },
	[XFFW_CNT_NOT_HTTP_TLS] = { "not_http_tls", "Connections given up: TLS" },
	[XFFW_CNT_NOT_HTTP_H2] = { "not_http_h2", "Connections given up: HTTP/2 prior knowledge" },
	[XFFW_CNT_NOT_HTTP_OTHER] = { "not_http_other", "Connections given up: not HTTP/1.x" },
	[XFFW_CNT_NOT_HTTP_UNSYNCED] = { "not_http_unsynced",
					 "Connections given up: never seen at a message start" },
	[XFFW_CNT_ORPHAN_RESPONSES] = { "orphan_responses", "Responses to requests not seen" },
	[XFFW_CNT_OVER_BUDGET] = { "heads_over_budget",
				   "Request heads longer than the head budget" },
	[XFFW_CNT_STEP_LIMIT] = { "step_limit",
				  "Segments with more framing than the per-segment step bound" },
	[XFFW_CNT_FRAGMENTS] = { "ip_fragments", "IP fragments skipped" },
	[XFFW_CNT_MALFORMED] = { "malformed", "IP/TCP headers with impossible lengths" },
	[XFFW_CNT_LOAD_FAILED] = { "load_failed",
				   "Payload that could not be copied (should stay 0)" },
	[XFFW_CNT_FLOWS_ADOPTED] = { "flows_adopted", "Flows first seen mid-stream" },
	[XFFW_CNT_FLOW_ENDS] = { "flows_removed",
				 "Flow-table entries removed by FIN, RST or a reusing SYN" },
	[XFFW_CNT_PP_PREAMBLES] = { "pp_preambles",
				    "Connections that began with a PROXY protocol preamble" },
	[XFFW_CNT_PP_CUT] = { "pp_cut", "PROXY v2 preambles longer than the kernel copies" },
	[XFFW_CNT_PP_BAD] = { "pp_bad", "PROXY v1 lines with no CR LF within the copied bytes" },
};

const char *counter_name(unsigned int idx)
{
	return idx < XFFW_CNT__MAX ? counters[idx].name : NULL;
}

const char *counter_help(unsigned int idx)
{
	return idx < XFFW_CNT__MAX ? counters[idx].help : NULL;
}

int counters_read(int map_fd, uint64_t out[XFFW_CNT__MAX])
{
	int ncpus = libbpf_num_possible_cpus();
	uint64_t *values;

	if (ncpus <= 0)
		return ncpus < 0 ? ncpus : -EINVAL;
	values = calloc((size_t)ncpus, sizeof(*values));
	if (!values)
		return -ENOMEM;
	for (__u32 idx = 0; idx < XFFW_CNT__MAX; idx++) {
		out[idx] = 0;
		if (bpf_map_lookup_elem(map_fd, &idx, values))
			continue;
		for (int cpu = 0; cpu < ncpus; cpu++)
			out[idx] += values[cpu];
	}
	free(values);
	return 0;
}

long counters_live_flows(int map_fd, size_t key_size)
{
	struct bpf_map_info info;
	__u32 info_len = sizeof(info);
	unsigned char key[64], next[64];
	long n = 0, steps;
	void *prev = NULL;

	if (key_size > sizeof(key))
		return -EINVAL;
	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(map_fd, &info, &info_len))
		return -errno;
	steps = 2 * (long)info.max_entries;
	while (!bpf_map_get_next_key(map_fd, prev, next)) {
		if (n == steps)
			return -ERANGE;
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}
