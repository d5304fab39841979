/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The cgroup2 tree as a table from cgroup id (the inode number of a cgroup's
 * directory) to its path relative to the mount, built by one scan. The owner
 * cache (owner_cache.h) rebuilds it when an id is missing.
 */
#ifndef XFFW_CGROUP_TREE_H
#define XFFW_CGROUP_TREE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "identity/cgroup_path.h"

#define CGROUP_TREE_DEPTH 64 /* levels below the root scanned */

struct cgroup_node {
	uint64_t id;
	uint32_t path_off; /* in cgroup_tree.paths, NUL-terminated */
	uint16_t path_len;
	struct cgroup_spans spans; /* its unit and container, found once at the scan */
};

struct cgroup_tree {
	struct cgroup_node *nodes;
	size_t n;
	uint32_t *slots; /* open addressing: node index + 1, 0 empty; mask + 1 slots */
	size_t mask;
	char *paths;
};

/*
 * Scans the tree below the directory @root (CGROUP_TREE_DEPTH levels at most,
 * @max_nodes cgroups at most, no symbolic link followed) into *@out, which
 * the caller releases. Directories passed over (too deep, path longer than
 * CGROUP_PATH_MAX, past @max_nodes, unreadable) are added to *@over; what is
 * below them is not looked at.
 * Returns 0, or -errno when @root cannot be read (*@out is then empty).
 */
int cgroup_tree_scan(const char *root, size_t max_nodes, struct cgroup_tree *out, uint64_t *over);
/* The node of cgroup @id, or NULL. */
const struct cgroup_node *cgroup_tree_find(const struct cgroup_tree *t, uint64_t id);
void cgroup_tree_release(struct cgroup_tree *t);

/*
 * Whether @dir is the root of a cgroup2 hierarchy: paths from anywhere else
 * (a subtree, a cgroup namespace's view) would name cgroups wrongly.
 */
bool cgroup_root_valid(const char *dir);

/*
 * The mount point of the first cgroup2 file system in @mountinfo (the format
 * of /proc/self/mountinfo) into @buf[@len]. Returns 0, -ENOENT when there is
 * none, or -errno.
 */
int cgroup_mount_find(const char *mountinfo, char *buf, size_t len);

#endif
