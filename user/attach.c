// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "attach.h"
#include "log.h"

/* Not in Debian 12's UAPI headers (kernel 6.1); stable kernel ABI values. */
#define XFFW_BPF_TCX_INGRESS   46
#define XFFW_BPF_LINK_TYPE_TCX 11

/* struct bpf_link_info with the TCX member that 6.1 headers lack. */
struct tcx_link_info {
	__u32 type;
	__u32 id;
	__u32 prog_id;
	__u32 pad;
	__u32 ifindex;
	__u32 attach_type;
	__u8 rest[64]; /* the rest of the kernel's union */
};

static bool prog_is_ours(__u32 prog_id)
{
	struct bpf_prog_info info = { 0 };
	__u32 len = sizeof(info);
	bool ours;
	int fd;

	fd = bpf_prog_get_fd_by_id(prog_id);
	if (fd < 0)
		return false;
	ours = !bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(info.name, XFFW_PROG_NAME);
	close(fd);
	return ours;
}

static int list_tcx(int ifindex, struct attach_entry *out, size_t max)
{
	__u32 id = 0;
	int found = 0;

	while (!bpf_link_get_next_id(id, &id)) {
		struct tcx_link_info info;
		__u32 len = sizeof(info);
		int fd = bpf_link_get_fd_by_id(id);

		if (fd < 0)
			continue; /* gone meanwhile */
		memset(&info, 0, sizeof(info));
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    info.type == XFFW_BPF_LINK_TYPE_TCX &&
		    info.attach_type == XFFW_BPF_TCX_INGRESS &&
		    (!ifindex || (int)info.ifindex == ifindex) && prog_is_ours(info.prog_id)) {
			if ((size_t)found < max)
				out[found] = (struct attach_entry){ (int)info.ifindex, ATTACH_TCX,
								    info.id, info.prog_id };
			found++;
		}
		close(fd);
	}
	return found;
}

/* Our clsact filter on @ifindex, if any: its program id, 0 for none. */
static __u32 query_tc(int ifindex)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, q, .handle = XFFW_TC_HANDLE, .priority = XFFW_TC_PRIORITY);
	libbpf_print_fn_t saved;
	int err;

	/* No clsact qdisc is the normal case: keep libbpf from logging it as an error. */
	saved = libbpf_set_print(NULL);
	err = bpf_tc_query(&hook, &q);
	libbpf_set_print(saved);
	return err ? 0 : q.prog_id;
}

int attach_list(int ifindex, struct attach_entry *out, size_t max)
{
	int found = list_tcx(ifindex, out, max);
	__u32 prog_id;

	if (found < 0 || !ifindex)
		return found;
	prog_id = query_tc(ifindex);
	if (prog_id && prog_is_ours(prog_id)) {
		if ((size_t)found < max)
			out[found] = (struct attach_entry){ ifindex, ATTACH_TC, 0, prog_id };
		found++;
	}
	return found;
}

/* Removes a clsact filter of ours left by a run that was killed. */
static int remove_stale_tc(struct attachment *a)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XFFW_TC_HANDLE, .priority = XFFW_TC_PRIORITY);
	__u32 prog_id = query_tc(a->ifindex);
	int err;

	if (!prog_id)
		return 0;
	if (!prog_is_ours(prog_id)) {
		log_error(
			"%s: tc filter handle %#x priority %#x belongs to another program (id %u)",
			a->ifname, XFFW_TC_HANDLE, XFFW_TC_PRIORITY, prog_id);
		return -EBUSY;
	}
	log_warn("%s: removing a stale xffwatch tc filter (program id %u)", a->ifname, prog_id);
	err = bpf_tc_detach(&hook, &opts);
	if (err)
		log_error("%s: cannot remove the stale tc filter: %s", a->ifname, strerror(-err));
	return err;
}

static int attach_tcx(int prog_fd, struct attachment *a)
{
	int fd = bpf_link_create(prog_fd, a->ifindex, XFFW_BPF_TCX_INGRESS, NULL);

	if (fd < 0)
		return -errno;
	a->link_fd = fd;
	a->kind = ATTACH_TCX;
	return 0;
}

static int attach_tc(int prog_fd, struct attachment *a)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex, .attach_point = BPF_TC_INGRESS);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XFFW_TC_HANDLE, .priority = XFFW_TC_PRIORITY,
		    .prog_fd = prog_fd, .flags = BPF_TC_F_REPLACE);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		log_error("%s: cannot create the clsact qdisc: %s", a->ifname, strerror(-err));
		return err;
	}
	a->qdisc_created = !err;
	/* Replaces our own stale filter in place, if a killed run left one. */
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		log_error("%s: cannot attach the tc filter: %s", a->ifname, strerror(-err));
		if (a->qdisc_created)
			bpf_tc_hook_destroy(&hook);
		a->qdisc_created = false;
		return err;
	}
	a->kind = ATTACH_TC;
	return 0;
}

int attach_prog(int prog_fd, const char *ifname, enum attach_mode mode, struct attachment *a)
{
	struct attach_entry live;
	int err;

	memset(a, 0, sizeof(*a));
	a->link_fd = -1;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	a->ifindex = (int)if_nametoindex(ifname);
	if (!a->ifindex) {
		log_error("%s: no such interface", ifname);
		return -ENODEV;
	}
	if (list_tcx(a->ifindex, &live, 1) > 0) {
		log_error("%s: another xffwatch is attached already (TCX link %u, program %u)",
			  ifname, live.link_id, live.prog_id);
		return -EBUSY;
	}
	err = remove_stale_tc(a);
	if (err)
		return err;

	if (mode != ATTACH_TC) {
		err = attach_tcx(prog_fd, a);
		if (!err)
			return 0;
		if (mode == ATTACH_TCX || err != -EINVAL) {
			log_error("%s: cannot create a TCX link: %s", ifname, strerror(-err));
			return err;
		}
		log_info("%s: no TCX in this kernel, using a clsact filter", ifname);
	}
	return attach_tc(prog_fd, a);
}

void attach_release(struct attachment *a)
{
	if (a->kind == ATTACH_TCX && a->link_fd >= 0) {
		close(a->link_fd);
		a->link_fd = -1;
	} else if (a->kind == ATTACH_TC) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
			    .attach_point = BPF_TC_INGRESS);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XFFW_TC_HANDLE,
			    .priority = XFFW_TC_PRIORITY);
		int err = bpf_tc_detach(&hook, &opts);

		if (err && err != -ENOENT)
			log_warn("%s: cannot detach the tc filter: %s", a->ifname, strerror(-err));
		if (a->qdisc_created)
			bpf_tc_hook_destroy(&hook);
	}
	a->kind = ATTACH_AUTO;
}
