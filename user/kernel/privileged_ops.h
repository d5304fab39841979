/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Who does what needs privileges: this process (it keeps them), or a
 * privileged helper process on its behalf (the daemon runs unprivileged once
 * started; user/kernel/privsep.c). Attach these hooks to an interface and say who is
 * on the other end, release them; read the kernel's counters; write the
 * counters file; open, rotate and delete output files.
 */
#ifndef XFFW_ATTACHER_H
#define XFFW_ATTACHER_H

#include <stdint.h>

#include "kernel/tc_attach.h"
#include "kernel/bpf_counters.h"
#include "kernel/rtnl_links.h"
#include "kernel/privileged_files.h"
#include "kernel/veth_peers.h"

struct attacher {
	/* 0, or a negative errno (logged by whoever attached). Fills @meta. */
	int (*attach)(struct attacher *a, const struct link_info *link, unsigned int hooks,
		      struct link_meta *meta);
	void (*release)(struct attacher *a, int ifindex);
	/*
	 * The kernel's counters; with @flows_live, also the flow table's size
	 * (counters_live_flows: a walk, O(table), or -errno) and the counters
	 * are read after the walk. @flows_live NULL: no walk, O(counters).
	 * Reading maps needs CAP_BPF on kernels before 6.5, hence here.
	 */
	int (*counters)(struct attacher *a, uint64_t out[XFFW_CNT__MAX], long *flows_live);
	/* Replaces the --stats file @path with @len bytes of @json: 0 or -errno. */
	int (*write_stats)(struct attacher *a, const char *path, const char *json, size_t len);
	void (*close)(struct attacher *a);
	/* Opening, rotating and deleting output files, where the directory allows it. */
	struct file_ops files;
};

/* The loaded program and the maps read at run time. */
struct attacher_fds {
	int prog;
	int counters;
	int flows;
};

/* An attacher in this process (which must be privileged); files made as @files says. */
struct attacher *attacher_local(const struct attacher_fds *fds, enum attach_mode mode,
				const struct file_settings *files);

#endif
