/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What a cgroup v2 path says about the processes in it (as /proc/PID/cgroup
 * writes it after "0::"): the systemd unit and the container, if any. Pure
 * parsing, no file is read.
 */
#ifndef XFFW_CGROUP_PATH_H
#define XFFW_CGROUP_PATH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CGROUP_PATH_MAX	 512 /* path bytes kept, longer: cgroup unknown (counted) */
#define OWNER_UNIT_MAX	 256
#define CONTAINER_ID_MAX 64

struct cgroup_facts {
	char unit[OWNER_UNIT_MAX];		 /* systemd unit: first component ending ".service"
	                              or ".scope", only slices above it; "" none */
	char container_id[CONTAINER_ID_MAX + 1]; /* full lower-case hex id (64 chars), "" none */
	const char *runtime; /* "docker", "containerd", "podman", "cri-o", NULL */
};

/*
 * The same facts as offsets into the path, so that a cache can keep them in
 * a few bytes per cgroup and hand them out by copying. A length of 0: none.
 */
struct cgroup_spans {
	uint16_t unit_off, unit_len;
	uint16_t container_off, container_len; /* container_len is 0 or CONTAINER_ID_MAX */
	const char *runtime;
};

/* @path[0..@len): the facts; all empty when @len > CGROUP_PATH_MAX. */
void cgroup_path_spans(const char *path, size_t len, struct cgroup_spans *out);
/* @out from @path and its spans (what cgroup_path_spans() found in it). */
void cgroup_spans_facts(const char *path, const struct cgroup_spans *sp, struct cgroup_facts *out);
/* cgroup_path_spans() and cgroup_spans_facts() in one. */
void cgroup_path_facts(const char *path, size_t len, struct cgroup_facts *out);

/*
 * The systemd unit of @path (NUL-terminated), into @buf: its first component
 * ending ".service" or ".scope", when only slices are above it. False when
 * there is none, or it does not fit @len bytes.
 */
bool cgroup_path_outer_unit(const char *path, char *buf, size_t len);
/*
 * Whether @path is in unit @unit: its outermost service or scope with only
 * slices above it, or one of those slices; what the system manager made.
 * Below that unit cgroups may be delegated to its own user
 * (user@1000.service, a container's scope), and a path through anything but
 * slices (/docker/ID, /lxc.payload.c1) is no systemd unit's: their owners may
 * name cgroups anything, "nginx.service" included.
 */
bool cgroup_path_in_unit(const char *path, const char *unit);
/*
 * Whether @path is @prefix or below it, at a component boundary ("/a/b" is
 * not under "/a/bc"). "/" is everything; a trailing '/' of @prefix is
 * ignored; a @prefix not starting with '/' matches nothing.
 */
bool cgroup_path_under(const char *path, const char *prefix);

#endif
