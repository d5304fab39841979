/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The interfaces of this network namespace, from rtnetlink (Debian's libmnl):
 * a dump, then the changes as they happen, so that bridge ports and
 * interfaces matching a pattern are followed while containers come and go.
 */
#ifndef XFFW_LINKS_H
#define XFFW_LINKS_H

#include <net/if.h>
#include <stdbool.h>

struct link_info {
	int ifindex;
	char name[IF_NAMESIZE];
	char kind[16];	  /* "bridge", "veth", ... ("" for a device without one) */
	int master;	  /* ifindex of its bridge (or other master), 0 for none */
	bool loopback;	  /* IFF_LOOPBACK */
	int peer_ifindex; /* veth: the other end's ifindex, in its own namespace; 0 if unknown */
	int peer_nsid;	  /* veth: the other end's namespace, as an nsid of ours; -1 if here */
};

struct links;

/* A change: @link was added or changed (@gone false), or removed (@gone true). */
typedef void (*link_fn)(void *ctx, const struct link_info *link, bool gone);

/* A netlink socket subscribed to link changes. NULL with errno set on failure. */
struct links *links_open(void);
void links_close(struct links *l);

/* The descriptor to poll for changes. */
int links_fd(const struct links *l);

/* Every interface now, through @fn. 0 or -errno. */
int links_dump(struct links *l, link_fn fn, void *ctx);

/*
 * The changes waiting on the socket, through @fn. Returns 0, or -ENOBUFS when
 * the kernel dropped notifications (the caller should dump again), or -errno.
 */
int links_read(struct links *l, link_fn fn, void *ctx);

/*
 * The nsid this namespace gives to the namespace of @ns_fd, or -1 (none
 * assigned, or not a namespace).
 */
int links_nsid_of(struct links *l, int ns_fd);

#endif
