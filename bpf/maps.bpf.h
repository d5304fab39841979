/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/*
 * What the program shares with the daemon, besides the counters: settings
 * fixed at load, the ring buffer of records, the watched ports and the flow
 * table.
 */
#ifndef XFFW_MAPS_BPF_H
#define XFFW_MAPS_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include "xffwatch_abi.h"

/*
 * The native build (user/capture/native_prog.c) gives each instance its own
 * settings and flow ids instead of these globals.
 */
#ifndef XFFW_NATIVE
/* Fields the daemon wants (bit per enum xffw_field_id); set before load. */
const volatile __u32 field_mask = ~0U;
/* Bytes of a request head whose fields are copied; set before load. */
const volatile __u32 head_budget = XFFW_HEAD_BUDGET;
/* Flow ids: unique for the life of the loaded program. */
__u64 last_flow_id = 0;
#endif

/* Records for the daemon (struct xffw_record_hdr, and data for requests). */
struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, XFFW_RINGBUF_SIZE);
} events SEC(".maps");

/* The watched ports, set by the daemon at run time. */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct xffw_port_set);
} watched_ports SEC(".maps");

/* The daemon may resize it before load (--flows). */
struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, XFFW_FLOWS_DEFAULT);
	__type(key, struct xffw_flow_key);
	__type(value, struct xffw_flow);
} flows SEC(".maps");

/* Is @port (host order) one the daemon watches? */
static __always_inline bool port_watched(__u16 port)
{
	__u32 zero = 0;
	struct xffw_port_set *set = bpf_map_lookup_elem(&watched_ports, &zero);

	if (!set)
		return false;
	return (set->bits[(port >> 6) & (XFFW_PORT_WORDS - 1)] >> (port & 63)) & 1;
}

/* A flow id not given out before. */
static __always_inline __u64 new_flow_id(void)
{
	return __sync_fetch_and_add(&last_flow_id, 1) + 1;
}

#endif
