// SPDX-License-Identifier: BSD-2-Clause
/* The cgroup2 tree as an id -> path table (cgroup_tree.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/magic.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include "identity/cgroup_tree.h"

struct scan {
	struct cgroup_tree *t;
	size_t cap, paths_len, paths_cap, max_nodes;
	uint64_t *over;
	/*
	 * Cgroups owned by another user than root: delegated (a user's manager,
	 * a container's), where that user may make any number of cgroups. Their
	 * subtrees wait until everything root made is in, so that no user can
	 * crowd the system's services out of the table.
	 */
	bool defer;
	uint32_t *deferred; /* node indexes */
	size_t ndeferred, deferred_cap;
	char path[CGROUP_PATH_MAX + 1];
};

/* Puts off the subtree of the node just added. -ENOMEM. */
static int scan_defer(struct scan *s)
{
	if (s->ndeferred == s->deferred_cap) {
		size_t cap = s->deferred_cap ? 2 * s->deferred_cap : 64;
		void *p = reallocarray(s->deferred, cap, sizeof(*s->deferred));

		if (!p)
			return -ENOMEM;
		s->deferred = p;
		s->deferred_cap = cap;
	}
	s->deferred[s->ndeferred++] = (uint32_t)(s->t->n - 1);
	return 0;
}

static size_t slot_of(uint64_t id, size_t mask)
{
	return (size_t)((id * 0x9e3779b97f4a7c15ULL) >> 32) & mask;
}

/* Keeps @id with the path in s->path[0..@len). -ENOMEM. */
static int scan_add(struct scan *s, uint64_t id, size_t len)
{
	struct cgroup_tree *t = s->t;
	struct cgroup_node *nd;

	if (t->n == s->cap) {
		size_t cap = s->cap ? 2 * s->cap : 64;
		void *p = reallocarray(t->nodes, cap, sizeof(*t->nodes));

		if (!p)
			return -ENOMEM;
		t->nodes = p;
		s->cap = cap;
	}
	if (s->paths_len + len + 1 > s->paths_cap) {
		size_t cap = s->paths_cap ? 2 * s->paths_cap : 4096;
		char *p;

		while (cap < s->paths_len + len + 1)
			cap *= 2;
		p = realloc(t->paths, cap);
		if (!p)
			return -ENOMEM;
		t->paths = p;
		s->paths_cap = cap;
	}
	nd = &t->nodes[t->n++];
	nd->id = id;
	nd->path_off = (uint32_t)s->paths_len;
	nd->path_len = (uint16_t)len;
	memcpy(t->paths + s->paths_len, s->path, len + 1);
	s->paths_len += len + 1;
	cgroup_path_spans(s->path, len, &nd->spans);
	return 0;
}

/*
 * The subdirectories of @dfd (whose path s->path[0..@plen) is), @depth
 * levels below the root; takes @dfd. -ENOMEM, else 0.
 */
static int scan_dir(struct scan *s, int dfd, size_t plen, unsigned depth)
{
	DIR *d = fdopendir(dfd);
	struct dirent *e;
	int err = 0;

	if (!d) {
		close(dfd);
		(*s->over)++;
		return 0;
	}
	while (!err && (e = readdir(d))) {
		size_t base = plen == 1 ? 0 : plen; /* the root's path is "/" */
		size_t nlen = strlen(e->d_name);
		struct stat st;
		int fd;

		if (e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
			continue;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if (depth >= CGROUP_TREE_DEPTH || base + 1 + nlen > CGROUP_PATH_MAX ||
		    s->t->n >= s->max_nodes) {
			(*s->over)++;
			continue;
		}
		fd = openat(dirfd(d), e->d_name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0) {
			/* DT_UNKNOWN: a file or a symbolic link is no cgroup */
			if (errno != ENOTDIR && errno != ELOOP)
				(*s->over)++;
			continue;
		}
		if (fstat(fd, &st)) {
			close(fd);
			(*s->over)++;
			continue;
		}
		s->path[base] = '/';
		memcpy(s->path + base + 1, e->d_name, nlen + 1);
		err = scan_add(s, st.st_ino, base + 1 + nlen);
		if (!err && s->defer && st.st_uid != 0) {
			err = scan_defer(s);
			close(fd);
		} else if (!err) {
			err = scan_dir(s, fd, base + 1 + nlen, depth + 1);
		} else {
			close(fd);
		}
		s->path[plen] = '\0';
	}
	closedir(d);
	return err;
}

static int tree_index(struct cgroup_tree *t)
{
	size_t cap = 16;

	while (cap < 2 * t->n)
		cap *= 2;
	t->slots = calloc(cap, sizeof(*t->slots));
	if (!t->slots)
		return -ENOMEM;
	t->mask = cap - 1;
	for (size_t i = 0; i < t->n; i++) {
		size_t k = slot_of(t->nodes[i].id, t->mask);

		while (t->slots[k])
			k = (k + 1) & t->mask;
		t->slots[k] = (uint32_t)i + 1;
	}
	return 0;
}

int cgroup_tree_scan(const char *root, size_t max_nodes, struct cgroup_tree *out, uint64_t *over)
{
	struct scan *s;
	struct stat st;
	int fd, err;

	memset(out, 0, sizeof(*out));
	fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &st)) {
		err = -errno;
		close(fd);
		return err;
	}
	s = calloc(1, sizeof(*s));
	if (!s) {
		close(fd);
		return -ENOMEM;
	}
	s->t = out;
	s->over = over;
	s->max_nodes = max_nodes;
	strcpy(s->path, "/");
	s->defer = true;
	err = max_nodes ? scan_add(s, st.st_ino, 1) : 0;
	if (!err)
		err = scan_dir(s, dup(fd), 1, 0);
	/* Then the delegated subtrees, as far as the bound allows. */
	s->defer = false;
	for (size_t i = 0; !err && i < s->ndeferred; i++) {
		const struct cgroup_node *nd = &out->nodes[s->deferred[i]];
		unsigned int depth = 0;
		int sub;

		memcpy(s->path, out->paths + nd->path_off, nd->path_len + 1u);
		for (size_t k = 0; k < nd->path_len; k++)
			depth += s->path[k] == '/';
		sub = openat(fd, s->path + 1, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (sub < 0) {
			(*over)++; /* gone since */
			continue;
		}
		err = scan_dir(s, sub, nd->path_len, depth);
	}
	close(fd);
	free(s->deferred);
	free(s);
	if (!err)
		err = tree_index(out);
	if (err)
		cgroup_tree_release(out);
	return err;
}

const struct cgroup_node *cgroup_tree_find(const struct cgroup_tree *t, uint64_t id)
{
	if (!t->slots)
		return NULL;
	for (size_t k = slot_of(id, t->mask); t->slots[k]; k = (k + 1) & t->mask)
		if (t->nodes[t->slots[k] - 1].id == id)
			return &t->nodes[t->slots[k] - 1];
	return NULL;
}

void cgroup_tree_release(struct cgroup_tree *t)
{
	free(t->nodes);
	free(t->slots);
	free(t->paths);
	memset(t, 0, sizeof(*t));
}

/* Undoes mountinfo's octal escapes ("\040" for a space) in place. */
static void unescape_octal(char *s)
{
	char *w = s;

	for (char *r = s; *r; r++) {
		if (r[0] == '\\' && r[1] >= '0' && r[1] <= '3' && r[2] >= '0' && r[2] <= '7' &&
		    r[3] >= '0' && r[3] <= '7') {
			*w++ = (char)((r[1] - '0') << 6 | (r[2] - '0') << 3 | (r[3] - '0'));
			r += 3;
		} else {
			*w++ = *r;
		}
	}
	*w = '\0';
}

/* Whether the mountinfo @line is a cgroup2 mount; its mount point (escaped) in *@point. */
static bool mountinfo_cgroup2(char *line, char **point)
{
	char *save = NULL, *tok, *sep;
	int i = 0;

	/* "36 35 0:29 / /sys/fs/cgroup rw,... shared:9 - cgroup2 cgroup2 rw" */
	sep = strstr(line, " - ");
	if (!sep || strncmp(sep + 3, "cgroup2 ", 8))
		return false;
	*sep = '\0';
	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (++i == 5) {
			*point = tok;
			return true;
		}
	return false;
}

int cgroup_mount_find(const char *mountinfo, char *buf, size_t len)
{
	FILE *f = fopen(mountinfo, "re");
	char *line = NULL, *point;
	size_t cap = 0;
	int err = -ENOENT;

	if (!f)
		return -errno;
	while (getline(&line, &cap, f) > 0) {
		line[strcspn(line, "\n")] = '\0';
		if (!mountinfo_cgroup2(line, &point))
			continue;
		unescape_octal(point);
		err = strlen(point) < len ? 0 : -ENAMETOOLONG;
		if (!err)
			strcpy(buf, point);
		break;
	}
	free(line);
	fclose(f);
	return err;
}

bool cgroup_root_valid(const char *dir)
{
	struct statfs fs;
	struct stat st;

	/* The root cgroup's id, its directory's inode number, is 1. */
	return !statfs(dir, &fs) && fs.f_type == CGROUP2_SUPER_MAGIC && !stat(dir, &st) &&
	       st.st_ino == 1;
}
