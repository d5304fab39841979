// SPDX-License-Identifier: BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "util/log.h"
#include "kernel/veth_peers.h"

/* Directory entries looked at per directory: a bound on a slow scan. */
#define PEERS_SCAN_MAX 4096

const struct peer_paths peer_paths_default = {
	.ip_netns = "/var/run/netns",
	.docker_netns = "/var/run/docker/netns",
	.docker_containers = "/var/lib/docker/containers",
};

int peers_docker_container(const char *containers, const char *sandbox_key, struct link_meta *m)
{
	DIR *dir = opendir(containers);
	struct dirent *e;
	int seen = 0, found = -ENOENT;

	if (!dir)
		return -ENOENT;
	while (found && (e = readdir(dir)) && seen++ < PEERS_SCAN_MAX) {
		char path[PATH_MAX];
		json_t *doc, *name;
		const char *key;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s/config.v2.json", containers, e->d_name);
		doc = json_load_file(path, JSON_DISABLE_EOF_CHECK, NULL);
		if (!doc)
			continue;
		key = json_string_value(
			json_object_get(json_object_get(doc, "NetworkSettings"), "SandboxKey"));
		name = json_object_get(doc, "Name");
		if (key && !strcmp(key, sandbox_key)) {
			const char *n = json_string_value(name);

			snprintf(m->container_id, sizeof(m->container_id), "%.71s", e->d_name);
			snprintf(m->container_name, sizeof(m->container_name), "%s",
				 n ? (n[0] == '/' ? n + 1 : n) : "");
			snprintf(m->runtime, sizeof(m->runtime), "docker");
			found = 0;
		}
		json_decref(doc);
	}
	closedir(dir);
	return found;
}

/* The name of interface @ifindex inside the namespace @ns_fd, into @name. */
static void name_in(int ns_fd, int ifindex, char name[IF_NAMESIZE])
{
	int self = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);

	if (self < 0)
		return;
	if (!setns(ns_fd, CLONE_NEWNET)) {
		if (!if_indextoname((unsigned int)ifindex, name))
			name[0] = '\0';
		/* Back home; failing that, nothing else here would work either. */
		if (setns(self, CLONE_NEWNET))
			log_error("cannot return to the daemon's network namespace: %s",
				  strerror(errno));
	}
	close(self);
}

/*
 * Looks in @dir for the namespace file whose nsid (as this namespace sees it)
 * is @nsid. On a match: its name into @name, its path into @path, an open fd
 * returned. -1 when none.
 */
static int find_netns(struct links *l, const char *dir, int nsid, char *name, size_t namelen,
		      char *path, size_t pathlen)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int seen = 0, fd = -1;

	if (!d)
		return -1;
	while (fd < 0 && (e = readdir(d)) && seen++ < PEERS_SCAN_MAX) {
		int f;

		if (e->d_name[0] == '.')
			continue;
		snprintf(path, pathlen, "%s/%s", dir, e->d_name);
		f = open(path, O_RDONLY | O_CLOEXEC);
		if (f < 0)
			continue;
		if (links_nsid_of(l, f) == nsid) {
			snprintf(name, namelen, "%s", e->d_name);
			fd = f;
		} else {
			close(f);
		}
	}
	closedir(d);
	return fd;
}

void peers_resolve(struct links *l, const struct peer_paths *paths, const struct link_info *link,
		   struct link_meta *m)
{
	char name[256], path[PATH_MAX];
	int fd;

	memset(m, 0, sizeof(*m));
	if (link->peer_nsid < 0 || !link->peer_ifindex)
		return;
	fd = find_netns(l, paths->ip_netns, link->peer_nsid, name, sizeof(name), path,
			sizeof(path));
	if (fd >= 0) {
		snprintf(m->netns, sizeof(m->netns), "%.63s", name);
	} else {
		fd = find_netns(l, paths->docker_netns, link->peer_nsid, name, sizeof(name), path,
				sizeof(path));
		if (fd >= 0)
			peers_docker_container(paths->docker_containers, path, m);
	}
	if (fd < 0)
		return;
	name_in(fd, link->peer_ifindex, m->peer_ifname);
	close(fd);
}
