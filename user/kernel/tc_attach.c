// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "kernel/tc_attach.h"
#include "util/log.h"

/* Not in Debian 12's UAPI headers (kernel 6.1); stable kernel ABI values. */
#define XFFW_BPF_TCX_INGRESS 46
#define XFFW_BPF_TCX_EGRESS  47

static const __u32 tcx_type[HOOK__MAX] = { XFFW_BPF_TCX_INGRESS, XFFW_BPF_TCX_EGRESS };
static const enum bpf_tc_attach_point tc_point[HOOK__MAX] = { BPF_TC_INGRESS, BPF_TC_EGRESS };

const char *const attach_mode_names[ATTACH__MAX] = {
	[ATTACH_AUTO] = "auto",
	[ATTACH_TCX] = "tcx",
	[ATTACH_TC] = "tc",
};

const char *hook_dir_name(enum hook_dir dir)
{
	return dir == HOOK_EGRESS ? "egress" : "ingress";
}

/* BPF_PROG_QUERY's attributes as kernel 6.6+ has them (link ids for TCX). */
struct prog_query_attr {
	__u32 target_ifindex;
	__u32 attach_type;
	__u32 query_flags;
	__u32 attach_flags;
	__aligned_u64 prog_ids;
	__u32 count;
	__u32 pad;
	__aligned_u64 prog_attach_flags;
	__aligned_u64 link_ids;
	__aligned_u64 link_attach_flags;
	__u64 revision;
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

/*
 * Our TCX links on a hook of @ifindex, in this network namespace (the query
 * names the device by ifindex in the caller's namespace; a walk over all
 * links would mix up every namespace's lo). Returns the number found, or a
 * negative errno (-EINVAL where the kernel has no TCX).
 */
static int list_tcx(int ifindex, enum hook_dir dir, struct attach_entry *out, size_t max)
{
	__u32 prog_ids[64], link_ids[64];
	struct prog_query_attr attr = {
		.target_ifindex = (__u32)ifindex,
		.attach_type = tcx_type[dir],
		.prog_ids = (__u64)(unsigned long)prog_ids,
		.count = 64,
		.link_ids = (__u64)(unsigned long)link_ids,
	};
	int found = 0;

	if (syscall(__NR_bpf, BPF_PROG_QUERY, &attr, sizeof(attr)))
		return -errno;
	for (__u32 i = 0; i < attr.count && i < 64; i++) {
		if (!link_ids[i] || !prog_is_ours(prog_ids[i]))
			continue;
		if ((size_t)found < max)
			out[found] = (struct attach_entry){ ifindex, dir, ATTACH_TCX, link_ids[i],
							    prog_ids[i] };
		found++;
	}
	return found;
}

/* Our clsact filter on a hook of @ifindex, if any: its program id, 0 for none. */
static __u32 query_tc(int ifindex, enum hook_dir dir)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = ifindex, .attach_point = tc_point[dir]);
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
	int found = 0;

	for (int dir = 0; dir < HOOK__MAX; dir++) {
		int n = list_tcx(ifindex, (enum hook_dir)dir,
				 out + ((size_t)found < max ? (size_t)found : max),
				 (size_t)found < max ? max - (size_t)found : 0);
		__u32 prog_id;

		if (n > 0)
			found += n; /* (n < 0: no TCX in this kernel) */
		prog_id = query_tc(ifindex, (enum hook_dir)dir);
		if (prog_id && prog_is_ours(prog_id)) {
			if ((size_t)found < max)
				out[found] = (struct attach_entry){ ifindex, (enum hook_dir)dir,
								    ATTACH_TC, 0, prog_id };
			found++;
		}
	}
	return found;
}

/* The daemon the lock files name: this process, or the one a helper works for. */
static pid_t owner_pid;

void attach_set_owner(pid_t pid)
{
	owner_pid = pid;
}

/*
 * One daemon per interface: an exclusive lock on a file named after this
 * network namespace and the ifindex, held as long as the daemon runs. A
 * program of ours found on an interface whose lock is free is stale.
 */
static int take_lock(struct attachment *a)
{
	char path[128], pid[32] = "";
	struct stat ns;
	int fd;

	if (stat("/proc/self/ns/net", &ns))
		return -errno;
	if (mkdir(XFFW_RUN_DIR, 0755) && errno != EEXIST) {
		log_error("cannot create %s: %s", XFFW_RUN_DIR, strerror(errno));
		return -errno;
	}
	snprintf(path, sizeof(path), "%s/net-%llu-if-%d.lock", XFFW_RUN_DIR,
		 (unsigned long long)ns.st_ino, a->ifindex);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (fd < 0) {
		log_error("cannot open %s: %s", path, strerror(errno));
		return -errno;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		ssize_t n = pread(fd, pid, sizeof(pid) - 1, 0);

		pid[n > 0 ? n : 0] = '\0';
		pid[strcspn(pid, "\n")] = '\0';
		log_error("%s: another xffwatch is attached already (pid %s)", a->ifname,
			  pid[0] ? pid : "unknown");
		close(fd);
		return -EBUSY;
	}
	snprintf(pid, sizeof(pid), "%d\n", owner_pid ? owner_pid : getpid());
	if (ftruncate(fd, 0) || pwrite(fd, pid, strlen(pid), 0) < 0)
		log_warn("cannot write %s: %s", path, strerror(errno));
	a->lock_fd = fd;
	snprintf(a->lock_path, sizeof(a->lock_path), "%s", path);
	return 0;
}

/* Removes programs of ours that no live daemon owns (we hold the lock now). */
static int remove_stale(struct attachment *a, enum hook_dir dir)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex, .attach_point = tc_point[dir]);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XFFW_TC_HANDLE, .priority = XFFW_TC_PRIORITY);
	struct attach_entry links[8];
	int n = list_tcx(a->ifindex, dir, links, 8), err;
	__u32 prog_id;

	for (int i = 0; i < n && i < 8; i++) {
		int fd = bpf_link_get_fd_by_id(links[i].link_id);

		log_warn("%s: removing a stale xffwatch TCX link on %s (link id %u)", a->ifname,
			 hook_dir_name(dir), links[i].link_id);
		if (fd < 0 || bpf_link_detach(fd))
			log_error("%s: cannot remove TCX link %u: %s", a->ifname, links[i].link_id,
				  strerror(errno));
		if (fd >= 0)
			close(fd);
	}
	prog_id = query_tc(a->ifindex, dir);
	if (!prog_id)
		return 0;
	if (!prog_is_ours(prog_id)) {
		log_error("%s: tc filter handle %#x priority %#x on %s belongs to another program "
			  "(id %u)",
			  a->ifname, XFFW_TC_HANDLE, XFFW_TC_PRIORITY, hook_dir_name(dir), prog_id);
		return -EBUSY;
	}
	log_warn("%s: removing a stale xffwatch tc filter on %s (program id %u)", a->ifname,
		 hook_dir_name(dir), prog_id);
	err = bpf_tc_detach(&hook, &opts);
	if (err)
		log_error("%s: cannot remove the stale tc filter: %s", a->ifname, strerror(-err));
	return err;
}

static int attach_tcx(int prog_fd, struct attachment *a, enum hook_dir dir)
{
	int fd = bpf_link_create(prog_fd, a->ifindex, tcx_type[dir], NULL);

	if (fd < 0)
		return -errno;
	a->hooks[dir] = (struct hook){ .used = true, .kind = ATTACH_TCX, .link_fd = fd };
	return 0;
}

static int attach_tc(int prog_fd, struct attachment *a, enum hook_dir dir)
{
	LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex, .attach_point = tc_point[dir]);
	LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XFFW_TC_HANDLE, .priority = XFFW_TC_PRIORITY,
		    .prog_fd = prog_fd);
	int err;

	err = bpf_tc_hook_create(&hook);
	if (err && err != -EEXIST) {
		log_error("%s: cannot create the clsact qdisc: %s", a->ifname, strerror(-err));
		return err;
	}
	err = bpf_tc_attach(&hook, &opts);
	if (err) {
		log_error("%s: cannot attach the tc filter on %s: %s", a->ifname,
			  hook_dir_name(dir), strerror(-err));
		return err;
	}
	a->hooks[dir] = (struct hook){ .used = true, .kind = ATTACH_TC, .link_fd = -1 };
	return 0;
}

static void release_hook(struct attachment *a, enum hook_dir dir)
{
	struct hook *h = &a->hooks[dir];

	if (!h->used)
		return;
	if (h->kind == ATTACH_TCX && h->link_fd >= 0) {
		close(h->link_fd);
	} else if (h->kind == ATTACH_TC) {
		LIBBPF_OPTS(bpf_tc_hook, hook, .ifindex = a->ifindex,
			    .attach_point = tc_point[dir]);
		LIBBPF_OPTS(bpf_tc_opts, opts, .handle = XFFW_TC_HANDLE,
			    .priority = XFFW_TC_PRIORITY);
		int err = bpf_tc_detach(&hook, &opts);

		/*
		 * Only our filter goes. The clsact qdisc stays even if this run made
		 * it: destroying it would take any filter added since with it.
		 */
		if (err && err != -ENOENT && err != -ENODEV && err != -EINVAL)
			log_warn("%s: cannot detach the tc filter on %s: %s", a->ifname,
				 hook_dir_name(dir), strerror(-err));
	}
	*h = (struct hook){ .link_fd = -1 };
}

int attach_prog(int prog_fd, const char *ifname, int ifindex, unsigned int hooks,
		enum attach_mode mode, struct attachment *a)
{
	int err;

	memset(a, 0, sizeof(*a));
	a->lock_fd = -1;
	for (int dir = 0; dir < HOOK__MAX; dir++)
		a->hooks[dir].link_fd = -1;
	snprintf(a->ifname, sizeof(a->ifname), "%s", ifname);
	a->ifindex = ifindex;
	err = take_lock(a);
	for (int dir = 0; !err && dir < HOOK__MAX; dir++)
		err = remove_stale(a, (enum hook_dir)dir);
	if (err)
		goto fail;

	a->kind = mode == ATTACH_TC ? ATTACH_TC : ATTACH_TCX;
	for (int dir = 0; dir < HOOK__MAX; dir++) {
		if (!(hooks & (1U << dir)))
			continue;
		if (a->kind == ATTACH_TCX) {
			err = attach_tcx(prog_fd, a, (enum hook_dir)dir);
			if (!err)
				continue;
			if (mode == ATTACH_TCX || err != -EINVAL || attach_hooks(a)) {
				log_error("%s: cannot create a TCX link on %s: %s", ifname,
					  hook_dir_name((enum hook_dir)dir), strerror(-err));
				goto fail;
			}
			log_info("%s: no TCX in this kernel, using clsact filters", ifname);
			a->kind = ATTACH_TC;
		}
		err = attach_tc(prog_fd, a, (enum hook_dir)dir);
		if (err)
			goto fail;
	}
	return 0;
fail:
	attach_release(a);
	return err;
}

unsigned int attach_hooks(const struct attachment *a)
{
	unsigned int hooks = 0;

	for (int dir = 0; dir < HOOK__MAX; dir++)
		if (a->hooks[dir].used)
			hooks |= 1U << dir;
	return hooks;
}

void attach_release(struct attachment *a)
{
	for (int dir = 0; dir < HOOK__MAX; dir++)
		release_hook(a, (enum hook_dir)dir);
	if (a->lock_fd >= 0) {
		/* Ours while we hold it: no one else can be using this file now. */
		if (a->lock_path[0])
			unlink(a->lock_path);
		close(a->lock_fd);
	}
	a->lock_fd = -1;
	a->lock_path[0] = '\0';
	a->kind = ATTACH_AUTO;
}
