/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel program (bpf/xffwatch.bpf.c) compiled a second time as native
 * C: frames in, records out exactly as the kernel writes them to its ring
 * buffer, and the same counters. No privileges, no BPF. See docs/design.md,
 * "The kernel program, compiled twice".
 */
#ifndef XFFW_NATIVE_PROG_H
#define XFFW_NATIVE_PROG_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "xffwatch_abi.h"

struct native_prog;

struct native_prog_config {
	struct xffw_port_set ports; /* watched ports */
	uint32_t head_budget;	    /* as --head-budget */
	uint32_t flows;		    /* flow table bound, as --flows */
};

/* Records exactly as the kernel writes them to the ring buffer (struct xffw_record_hdr ...). */
typedef void (*native_record_fn)(void *ctx, const void *data, size_t len);

/* A program with its own maps; NULL on a bad config (no flows) or out of memory. */
struct native_prog *native_prog_new(const struct native_prog_config *cfg, native_record_fn fn,
				    void *ctx);
void native_prog_free(struct native_prog *p);

/*
 * One Ethernet frame (as the TC hook sees it: 14-byte Ethernet header first,
 * VLAN tags allowed); @ts_ns is what bpf_ktime_get_ns() returns during it (the
 * capture's time). Records are handed to the callback before it returns.
 */
void native_prog_run(struct native_prog *p, const uint8_t *frame, size_t len, uint32_t ifindex,
		     uint64_t ts_ns);
/*
 * The same with the hook's view spelled out: @ingress_ifindex is the skb's
 * (equal to @ifindex on ingress; anything else marks the records egress).
 */
void native_prog_run_hook(struct native_prog *p, const uint8_t *frame, size_t len, uint32_t ifindex,
			  uint32_t ingress_ifindex, uint64_t ts_ns);

/* The program's per-CPU counters, summed (enum xffw_counter). */
void native_prog_counters(const struct native_prog *p, uint64_t out[XFFW_CNT__MAX]);
/* Flow ids given out so far (the kernel's last_flow_id): ids are 1 to this. */
uint64_t native_prog_flow_ids(const struct native_prog *p);
/* Entries in the flow table. */
uint32_t native_prog_live_flows(const struct native_prog *p);

#endif
