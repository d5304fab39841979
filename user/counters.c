// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "counters.h"

static const char *const names[XFFW_CNT__MAX] = {
	[XFFW_CNT_SEGMENTS] = "segments",
	[XFFW_CNT_REQUESTS] = "requests",
	[XFFW_CNT_RINGBUF_LOSS] = "ringbuf_lost",
	[XFFW_CNT_NOT_HTTP] = "not_http",
	[XFFW_CNT_HEAD_INCOMPLETE] = "head_incomplete",
	[XFFW_CNT_TRUNCATED] = "truncated",
	[XFFW_CNT_FRAGMENTS] = "ip_fragments",
	[XFFW_CNT_MALFORMED] = "malformed",
	[XFFW_CNT_LOAD_FAILED] = "load_failed",
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
