// SPDX-License-Identifier: BSD-2-Clause
/*
 * bpf/xffwatch.bpf.c, included whole and compiled as native C over
 * capture/bpf_shim.h (the Makefile puts native_inc/ first on the include path
 * for this file only), with its maps as one instance's memory: the work area
 * and counters as plain arrays (one "CPU"), the watched ports as given, the
 * flow table as an LRU hash with the configured bound, and the ring buffer as
 * a direct call to the caller's function.
 */
#include <stdlib.h>

#include "capture/flow_lru.h"
#include "capture/native_prog.h"

/* Its globals get a prefix here: they share the daemon's link. */
#define LICENSE	      xffw_native_license
#define events	      xffw_native_events
#define watched_ports xffw_native_watched_ports
#define flows	      xffw_native_flows
#define work_area     xffw_native_work_area
#define counters      xffw_native_counters
#define xffwatch_tc   xffw_native_tc

#include "xffwatch.bpf.c"

/* The program's names stop here; below, its maps are reached through the aliases. */
#undef field_mask
#undef head_budget
#undef last_flow_id
#undef flows

struct native_prog {
	struct xffw_native_env env; /* first: the shim's pointer is to it */
	struct work work;
	struct xffw_port_set ports;
	__u64 counters[XFFW_CNT__MAX];
	struct flow_lru *flows;
	native_record_fn fn;
	void *ctx;
};

static inline struct native_prog *current(void)
{
	return (struct native_prog *)xffw_native_env;
}

/* The maps, told apart by address; always inlined, so each call folds to its map. */
static __always_inline void *bpf_map_lookup_elem(void *map, const void *key)
{
	struct native_prog *p = current();
	__u32 idx = *(const __u32 *)key;

	if (map == &work_area)
		return idx == 0 ? &p->work : NULL;
	if (map == &counters)
		return idx < XFFW_CNT__MAX ? &p->counters[idx] : NULL;
	if (map == &watched_ports)
		return idx == 0 ? &p->ports : NULL;
	if (map == &xffw_native_flows)
		return flow_lru_lookup(p->flows, key);
	return NULL;
}

static __always_inline long bpf_map_update_elem(void *map, const void *key, const void *value,
						__u64 flags)
{
	if (map != &xffw_native_flows)
		return -EINVAL; /* the program updates no other map */
	return flow_lru_update(current()->flows, key, value, flags == BPF_NOEXIST);
}

static __always_inline long bpf_map_delete_elem(void *map, const void *key)
{
	if (map != &xffw_native_flows)
		return -EINVAL;
	return flow_lru_delete(current()->flows, key);
}

static inline long bpf_ringbuf_output(void *ringbuf, void *data, __u64 size, __u64 flags)
{
	struct native_prog *p = current();

	(void)ringbuf;
	(void)flags;
	p->fn(p->ctx, data, size);
	return 0;
}

struct native_prog *native_prog_new(const struct native_prog_config *cfg, native_record_fn fn,
				    void *ctx)
{
	struct native_prog *p;

	if (!cfg || !fn || !cfg->flows)
		return NULL;
	p = calloc(1, sizeof(*p));
	if (!p)
		return NULL;
	p->flows = flow_lru_new(sizeof(struct xffw_flow_key), sizeof(struct xffw_flow), cfg->flows);
	if (!p->flows) {
		free(p);
		return NULL;
	}
	/* What the daemon writes into rodata before load (kernel/ loader): all fields. */
	p->env.field_mask = ~0U;
	p->env.head_budget = cfg->head_budget;
	p->ports = cfg->ports;
	p->fn = fn;
	p->ctx = ctx;
	return p;
}

void native_prog_free(struct native_prog *p)
{
	if (!p)
		return;
	flow_lru_free(p->flows);
	free(p);
}

void native_prog_run_hook(struct native_prog *p, const uint8_t *frame, size_t len, uint32_t ifindex,
			  uint32_t ingress_ifindex, uint64_t ts_ns)
{
	struct __sk_buff skb = {
		.data = (unsigned long)frame,
		.data_end = (unsigned long)(frame + len),
		.len = (__u32)len,
		.ifindex = ifindex,
		.ingress_ifindex = ingress_ifindex,
	};
	struct xffw_native_env *saved = xffw_native_env;

	/* An skb is at most 4 GiB; a longer "frame" is cut as a packet would be. */
	if (len > UINT32_MAX)
		skb.len = UINT32_MAX;
	skb.data_end = skb.data + skb.len;
	p->env.now = ts_ns;
	xffw_native_env = &p->env;
	xffwatch_tc(&skb);
	xffw_native_env = saved;
}

void native_prog_run(struct native_prog *p, const uint8_t *frame, size_t len, uint32_t ifindex,
		     uint64_t ts_ns)
{
	native_prog_run_hook(p, frame, len, ifindex, ifindex, ts_ns);
}

void native_prog_counters(const struct native_prog *p, uint64_t out[XFFW_CNT__MAX])
{
	for (int i = 0; i < XFFW_CNT__MAX; i++)
		out[i] = p->counters[i];
}

uint64_t native_prog_flow_ids(const struct native_prog *p)
{
	return p->env.last_flow_id;
}

uint32_t native_prog_live_flows(const struct native_prog *p)
{
	return flow_lru_count(p->flows);
}
