// SPDX-License-Identifier: BSD-2-Clause
/* A socket's owner from its uid and cgroup id, cached and bounded (owner_cache.h). */
#include <errno.h>
#include <grp.h>
#include <limits.h>
#include <pwd.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "identity/cgroup_tree.h"
#include "identity/owner_cache.h"

#define USER_BUCKETS   (2 * OWNER_USERS_MAX)
#define NSS_BUF_MAX    (1 << 20) /* getpwuid_r's buffer grows to this at most */
#define GROUPS_ASK_MAX 65536	 /* NGROUPS_MAX: what getgrouplist may answer */

struct user_entry {
	uint32_t uid;
	int32_t next; /* in its bucket's chain, -1 ends */
	uint64_t fetched_ns;
	bool known, referenced; /* referenced: the clock's second chance */
	uint16_t ngids;
	char name[OWNER_NAME_MAX + 1];
	uint32_t gids[OWNER_GROUPS_MAX];
};

struct owner_cache {
	char root[PATH_MAX]; /* "" when no cgroup2 mount is known */
	struct cgroup_tree tree;
	bool scanned;
	uint64_t scanned_ns;
	uint64_t rescan_ns; /* the least time between two scans: OWNER_RESCAN_NS, or more */

	struct user_entry *users; /* OWNER_USERS_MAX */
	size_t nusers, hand;
	int32_t buckets[USER_BUCKETS];
	char *nss_buf;
	size_t nss_len;
	gid_t *groups;
	int groups_cap;

	struct owner_cache_stats stats;
};

struct owner_cache *owner_cache_new(const struct owner_cache_config *cfg)
{
	struct owner_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->users = calloc(OWNER_USERS_MAX, sizeof(*c->users));
	c->nss_len = 16384;
	c->nss_buf = malloc(c->nss_len);
	c->groups_cap = OWNER_GROUPS_MAX;
	c->groups = calloc((size_t)c->groups_cap, sizeof(*c->groups));
	if (!c->users || !c->nss_buf || !c->groups) {
		owner_cache_free(c);
		return NULL;
	}
	for (size_t i = 0; i < USER_BUCKETS; i++)
		c->buckets[i] = -1;
	if (cfg && cfg->cgroup_root) {
		if (strlen(cfg->cgroup_root) < sizeof(c->root))
			strcpy(c->root, cfg->cgroup_root);
	} else if (cgroup_mount_find("/proc/self/mountinfo", c->root, sizeof(c->root))) {
		c->root[0] = '\0';
	}
	return c;
}

void owner_cache_free(struct owner_cache *c)
{
	if (!c)
		return;
	cgroup_tree_release(&c->tree);
	free(c->users);
	free(c->nss_buf);
	free(c->groups);
	free(c);
}

const struct owner_cache_stats *owner_cache_stats(const struct owner_cache *c)
{
	return &c->stats;
}

const char *owner_cache_cgroup_root(const struct owner_cache *c)
{
	return c->root;
}

/* The tree scanned again; on failure the last table stays. */
static void cgroups_rescan(struct owner_cache *c, uint64_t now_ns)
{
	struct cgroup_tree t;

	struct timespec t0, t1;
	uint64_t took;
	int err;

	c->scanned = true;
	c->scanned_ns = now_ns;
	c->stats.rescans++;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	err = cgroup_tree_scan(c->root, OWNER_CGROUPS_MAX, &t, &c->stats.cgroups_over);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* A tree that takes long to read is read less often: at most 5 % of the time. */
	took = (uint64_t)(t1.tv_sec - t0.tv_sec) * 1000000000ULL + (uint64_t)t1.tv_nsec -
	       (uint64_t)t0.tv_nsec;
	c->rescan_ns = took * OWNER_RESCAN_SHARE > OWNER_RESCAN_NS ? took * OWNER_RESCAN_SHARE
								   : OWNER_RESCAN_NS;
	if (err)
		return;
	cgroup_tree_release(&c->tree);
	c->tree = t;
}

static const struct cgroup_node *cgroup_lookup(struct owner_cache *c, uint64_t id, uint64_t now_ns)
{
	const struct cgroup_node *nd;

	if (!c->root[0])
		return NULL;
	if (!c->scanned)
		cgroups_rescan(c, now_ns);
	nd = cgroup_tree_find(&c->tree, id);
	if (!nd && now_ns >= c->scanned_ns && now_ns - c->scanned_ns >= c->rescan_ns) {
		cgroups_rescan(c, now_ns);
		nd = cgroup_tree_find(&c->tree, id);
	}
	return nd;
}

static size_t bucket_of(uint32_t uid)
{
	return (size_t)((uid * 0x9e3779b9U) >> 16) % USER_BUCKETS;
}

/* The passwd entry of @uid, growing the buffer as getpwuid_r asks; NULL: none or error. */
static struct passwd *passwd_of(struct owner_cache *c, uint32_t uid, struct passwd *pw)
{
	struct passwd *res = NULL;
	int err;

	while ((err = getpwuid_r(uid, pw, c->nss_buf, c->nss_len, &res)) == ERANGE &&
	       c->nss_len < NSS_BUF_MAX) {
		char *p = realloc(c->nss_buf, 2 * c->nss_len);

		if (!p)
			return NULL;
		c->nss_buf = p;
		c->nss_len *= 2;
	}
	return err ? NULL : res;
}

/* @e's groups: the primary first, then the others getgrouplist() knows, OWNER_GROUPS_MAX kept. */
static void groups_of(struct owner_cache *c, const struct passwd *pw, struct user_entry *e)
{
	int n = c->groups_cap;

	e->gids[0] = pw->pw_gid;
	e->ngids = 1;
	if (getgrouplist(pw->pw_name, pw->pw_gid, c->groups, &n) < 0 && n > c->groups_cap &&
	    n <= GROUPS_ASK_MAX) {
		gid_t *p = reallocarray(c->groups, (size_t)n, sizeof(*p));

		if (!p)
			return;
		c->groups = p;
		c->groups_cap = n;
		if (getgrouplist(pw->pw_name, pw->pw_gid, c->groups, &n) < 0)
			return;
	}
	for (int i = 0; i < n && i < c->groups_cap && e->ngids < OWNER_GROUPS_MAX; i++)
		if (c->groups[i] != pw->pw_gid)
			e->gids[e->ngids++] = c->groups[i];
}

/* Asks the user database about e->uid; a name too long to keep is left "". */
static void user_fetch(struct owner_cache *c, struct user_entry *e, uint64_t now_ns)
{
	struct passwd pw, *res = passwd_of(c, e->uid, &pw);

	e->fetched_ns = now_ns;
	e->known = res != NULL;
	e->name[0] = '\0';
	e->ngids = 0;
	if (!res)
		return;
	if (strlen(res->pw_name) <= OWNER_NAME_MAX)
		strcpy(e->name, res->pw_name);
	groups_of(c, res, e);
}

/* A free entry, or the first one the clock finds unreferenced since its last pass. */
static struct user_entry *user_slot(struct owner_cache *c)
{
	struct user_entry *e;
	int32_t *link;

	if (c->nusers < OWNER_USERS_MAX)
		return &c->users[c->nusers++];
	while (c->users[c->hand].referenced) {
		c->users[c->hand].referenced = false;
		c->hand = (c->hand + 1) % OWNER_USERS_MAX;
	}
	e = &c->users[c->hand];
	c->hand = (c->hand + 1) % OWNER_USERS_MAX;
	for (link = &c->buckets[bucket_of(e->uid)]; *link != e - c->users;
	     link = &c->users[*link].next)
		;
	*link = e->next;
	c->stats.users_evicted++;
	return e;
}

static const struct user_entry *user_lookup(struct owner_cache *c, uint32_t uid, uint64_t now_ns)
{
	size_t b = bucket_of(uid);
	struct user_entry *e;

	for (int32_t i = c->buckets[b]; i >= 0; i = c->users[i].next) {
		e = &c->users[i];
		if (e->uid != uid)
			continue;
		if (now_ns >= e->fetched_ns && now_ns - e->fetched_ns >= OWNER_USER_TTL_NS)
			user_fetch(c, e, now_ns);
		e->referenced = true;
		return e;
	}
	e = user_slot(c);
	e->uid = uid;
	e->referenced = true;
	e->next = c->buckets[b];
	c->buckets[b] = (int32_t)(e - c->users);
	user_fetch(c, e, now_ns);
	return e;
}

/* @out's user part: @uid, its name and groups. */
static void owner_user(struct owner_cache *c, uint32_t uid, uint64_t now_ns, struct sock_owner *out)
{
	const struct user_entry *u = user_lookup(c, uid, now_ns);

	out->uid = uid;
	out->user_known = u->known;
	if (!u->known)
		c->stats.users_unknown++;
	memcpy(out->user, u->name, sizeof(out->user));
	memcpy(out->gids, u->gids, u->ngids * sizeof(out->gids[0]));
	out->ngids = u->ngids;
}

/* With their lengths: every event writes two. */
static const struct str seen_names[] = { [XFFW_SOCK_UNSEEN] = STR_LIT("unseen"),
					 [XFFW_SOCK_LOCAL] = STR_LIT("local"),
					 [XFFW_SOCK_NONE] = STR_LIT("none") };

const char *sock_seen_name(unsigned int seen)
{
	return sock_seen_str(seen).p;
}

struct str sock_seen_str(unsigned int seen)
{
	return seen_names[seen <= XFFW_SOCK_NONE ? seen : XFFW_SOCK_UNSEEN];
}

uint8_t sock_seen_by_name(const char *name)
{
	for (uint8_t s = 0; s <= XFFW_SOCK_NONE; s++)
		if (!strcmp(name, seen_names[s].p))
			return s;
	return XFFW_SOCK_UNSEEN;
}

void owner_given(struct owner_cache *c, uint32_t uid, const char *cgroup, struct sock_owner *out)
{
	memset(out, 0, sizeof(*out));
	out->seen = XFFW_SOCK_LOCAL;
	out->uid = OWNER_UID_NONE;
	if (uid != OWNER_UID_NONE)
		owner_user(c, uid, 0, out);
	if (cgroup[0] && strlen(cgroup) <= CGROUP_PATH_MAX) {
		out->cgroup_known = true;
		strcpy(out->cgroup, cgroup);
		cgroup_path_facts(out->cgroup, strlen(out->cgroup), &out->facts);
	}
}

/*
 * @out emptied as memset would leave it for its readers: every field but the
 * strings' tails past their first byte. It runs twice per event, where
 * clearing the whole ~1 KB struct cost 4-5 % of the daemon's time.
 */
#if UINTPTR_MAX == UINT64_MAX
/*
 * owner_empty() names every field of both structs: one added to either
 * changes its size here, and must be reset there before this is updated.
 */
_Static_assert(sizeof(struct sock_owner) == 1208 && sizeof(struct cgroup_facts) == 336,
	       "a field of sock_owner or cgroup_facts was added: reset it in owner_empty()");
#endif

static void owner_empty(struct sock_owner *out, uint8_t seen)
{
	out->seen = seen;
	out->uid = 0;
	out->cgroup_id = 0;
	out->user_known = false;
	out->user[0] = '\0';
	out->ngids = 0;
	out->cgroup_known = false;
	out->cgroup[0] = '\0';
	out->facts.unit[0] = '\0';
	out->facts.container_id[0] = '\0';
	out->facts.runtime = NULL;
}

void owner_resolve(struct owner_cache *c, const struct xffw_sock_id *id, uint64_t now_ns,
		   struct sock_owner *out)
{
	const struct cgroup_node *nd;

	/* A value the kernel does not write is not guessed at. */
	owner_empty(out, id->seen <= XFFW_SOCK_NONE ? id->seen : XFFW_SOCK_UNSEEN);
	if (out->seen != XFFW_SOCK_LOCAL)
		return;
	c->stats.resolved++;
	out->cgroup_id = id->cgroup_id;
	owner_user(c, id->uid, now_ns, out);

	nd = cgroup_lookup(c, id->cgroup_id, now_ns);
	if (!nd) {
		c->stats.cgroups_unknown++;
		return;
	}
	out->cgroup_known = true;
	memcpy(out->cgroup, c->tree.paths + nd->path_off, nd->path_len + 1u);
	cgroup_spans_facts(out->cgroup, &nd->spans, &out->facts);
}
