/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Who is on the other end of a veth port: the peer's interface name, its
 * network namespace's name (`ip netns`), and the container when a runtime's
 * state can be read (Docker: /var/run/docker/netns, /var/lib/docker/containers).
 * Read once when a port is attached; nothing here is required to run.
 */
#ifndef XFFW_PEERS_H
#define XFFW_PEERS_H

#include <net/if.h>

#include "kernel/rtnl_links.h"

struct link_meta {
	char peer_ifname[IF_NAMESIZE]; /* "" when unknown */
	char netns[64];		       /* the peer namespace's name, "" when it has none */
	char container_id[72];	       /* "" when no runtime knows it */
	char container_name[128];
	char runtime[16]; /* "docker", or "" */
};

/* Where the runtimes keep their state (tests point these elsewhere). */
struct peer_paths {
	const char *ip_netns;	       /* /var/run/netns */
	const char *docker_netns;      /* /var/run/docker/netns */
	const char *docker_containers; /* /var/lib/docker/containers */
};

extern const struct peer_paths peer_paths_default;

/* Fills @m for @link (empty fields when nothing is known). */
void peers_resolve(struct links *l, const struct peer_paths *paths, const struct link_info *link,
		   struct link_meta *m);

/*
 * The container whose config.v2.json (under @containers) names @sandbox_key
 * as its network namespace: its id and name into @m. 0, or -ENOENT.
 */
int peers_docker_container(const char *containers, const char *sandbox_key, struct link_meta *m);

#endif
