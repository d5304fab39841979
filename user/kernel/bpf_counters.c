// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/bpf_counters.h"

static const char *const names[XFFW_CNT__MAX] = {
	[XFFW_CNT_SEGMENTS] = "segments",
	[XFFW_CNT_REQUESTS] = "request_heads",
	[XFFW_CNT_RESPONSES] = "responses",
	[XFFW_CNT_RINGBUF_LOSS] = "ringbuf_lost",
	[XFFW_CNT_DUP_SEGMENTS] = "duplicate_segments",
	[XFFW_CNT_GAPS] = "gaps",
	[XFFW_CNT_DESYNC] = "desyncs",
	[XFFW_CNT_FLOWS] = "flows_created",
	[XFFW_CNT_FLOWS_FULL] = "flows_refused",
	[XFFW_CNT_NOT_HTTP_TLS] = "not_http_tls",
	[XFFW_CNT_NOT_HTTP_H2] = "not_http_h2",
	[XFFW_CNT_NOT_HTTP_OTHER] = "not_http_other",
	[XFFW_CNT_NOT_HTTP_UNSYNCED] = "not_http_unsynced",
	[XFFW_CNT_ORPHAN_RESPONSES] = "orphan_responses",
	[XFFW_CNT_OVER_BUDGET] = "heads_over_budget",
	[XFFW_CNT_STEP_LIMIT] = "step_limit",
	[XFFW_CNT_FRAGMENTS] = "ip_fragments",
	[XFFW_CNT_MALFORMED] = "malformed",
	[XFFW_CNT_LOAD_FAILED] = "load_failed",
	[XFFW_CNT_FLOWS_ADOPTED] = "flows_adopted",
	[XFFW_CNT_FLOW_ENDS] = "flows_removed",
	[XFFW_CNT_PP_PREAMBLES] = "pp_preambles",
	[XFFW_CNT_PP_CUT] = "pp_cut",
	[XFFW_CNT_PP_BAD] = "pp_bad",
};

const char *counter_name(unsigned int idx)
{
	return idx < XFFW_CNT__MAX ? names[idx] : NULL;
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
	unsigned char key[64], next[64];
	long n = 0;
	void *prev = NULL;

	if (key_size > sizeof(key))
		return -EINVAL;
	/* Keys may vanish while we walk: an approximate count, good for a gauge. */
	while (!bpf_map_get_next_key(map_fd, prev, next)) {
		memcpy(key, next, key_size);
		prev = key;
		n++;
	}
	return n;
}
