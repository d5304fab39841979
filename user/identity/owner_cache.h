/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Who owns a socket the kernel saw: its uid as a user name and groups, its
 * cgroup id as a cgroup path, systemd unit and container. Both are cached and
 * bounded; a cache hit is a hash lookup and a copy, no system call.
 *
 * cgroup ids are the inode numbers of the cgroups' directories under the
 * cgroup2 mount. The tree is scanned into a table, rebuilt wholesale by a
 * rescan; an id not in the table rescans at most once per OWNER_RESCAN_NS.
 * Users come from the user database (NSS), answers (negative too) kept for
 * OWNER_USER_TTL_NS. Works unprivileged: the cgroup tree is world-readable.
 */
#ifndef XFFW_OWNER_CACHE_H
#define XFFW_OWNER_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <linux/types.h>

#include "xffwatch_abi.h"
#include "identity/cgroup_path.h"
#include "pipeline/request.h" /* struct str */

#define OWNER_NAME_MAX	   64	 /* user names (Linux: 32) */
#define OWNER_GROUPS_MAX   64	 /* groups kept per user, primary first */
#define OWNER_USERS_MAX	   1024	 /* uids cached (clock eviction, counted) */
#define OWNER_CGROUPS_MAX  16384 /* cgroup ids known after a scan; more: counted, rest unknown */
#define OWNER_RESCAN_NS	   (1000ull * 1000 * 1000) /* a miss rescans the tree at most once a second */
#define OWNER_RESCAN_SHARE 20 /* ... and no sooner than 20 times the last scan took */
#define OWNER_USER_TTL_NS  (60ull * 1000 * 1000 * 1000) /* a user's answer is asked again after */

/* (A field added here is also emptied in owner_cache.c's owner_empty.) */
struct sock_owner {
	uint8_t seen; /* enum xffw_sock_seen; the rest only when XFFW_SOCK_LOCAL */
	uint32_t uid;
	uint64_t cgroup_id;
	bool user_known;		 /* uid is in the user database */
	char user[OWNER_NAME_MAX + 1];	 /* "" when unknown or longer than OWNER_NAME_MAX */
	uint32_t gids[OWNER_GROUPS_MAX]; /* primary first, from the user database */
	size_t ngids;
	bool cgroup_known;		  /* cgroup_id was found in the cgroup2 tree */
	char cgroup[CGROUP_PATH_MAX + 1]; /* "/system.slice/nginx.service" */
	struct cgroup_facts facts;
};

struct owner_cache_config {
	const char
		*cgroup_root; /* cgroup2 mount; NULL: the first cgroup2 in /proc/self/mountinfo */
};

struct owner_cache_stats {
	uint64_t resolved;	  /* LOCAL owners resolved */
	uint64_t users_unknown;	  /* ... whose uid is not in the user database */
	uint64_t cgroups_unknown; /* ... whose cgroup id was not found, even after a rescan */
	uint64_t rescans;	  /* scans of the cgroup tree, the first included */
	uint64_t users_evicted;	  /* users dropped from a full cache */
	uint64_t cgroups_over;	  /* directories a scan passed over (and what is below them):
	                             path too long, too deep, OWNER_CGROUPS_MAX reached, unreadable */
};

struct owner_cache;

/* NULL: ENOMEM. No cgroup2 mount found is not an error: ids stay unresolved. */
struct owner_cache *owner_cache_new(const struct owner_cache_config *cfg);
void owner_cache_free(struct owner_cache *c); /* NULL ok */
/* Fills *out from what the kernel recorded; never fails (unknowns say so). now_ns: CLOCK_MONOTONIC. */
void owner_resolve(struct owner_cache *c, const struct xffw_sock_id *id, uint64_t now_ns,
		   struct sock_owner *out);
/* What events call each enum xffw_sock_seen: "local", "none", "unseen" (any other value too). */
const char *sock_seen_name(unsigned int seen);
/* The same with its length. */
struct str sock_seen_str(unsigned int seen);
/* The state an event's name says; XFFW_SOCK_UNSEEN for anything else. */
uint8_t sock_seen_by_name(const char *name);

/* No uid: what owner_given() says when none was given (never a user's: user= refuses it). */
#define OWNER_UID_NONE UINT32_MAX

/*
 * A local owner given rather than recorded (`resolve --peer-user`,
 * `--peer-cgroup`): @uid's user and groups from the user database
 * (OWNER_UID_NONE: not given), and @cgroup as written ("": not given).
 */
void owner_given(struct owner_cache *c, uint32_t uid, const char *cgroup, struct sock_owner *out);

const struct owner_cache_stats *owner_cache_stats(const struct owner_cache *c);
/* The cgroup2 mount point found (or configured), "" when none: ids stay unresolved. */
const char *owner_cache_cgroup_root(const struct owner_cache *c);

#endif
