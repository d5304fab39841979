// SPDX-License-Identifier: BSD-2-Clause
/*
 * Process identity: cgroup paths' units and containers, --trust-local specs,
 * the owner cache over a cgroup tree made in a temporary directory, and over
 * this machine's cgroup2 mount.
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <cmocka.h>

#include "identity/cgroup_path.h"
#include "identity/cgroup_tree.h"
#include "identity/owner_cache.h"
#include "identity/owner_spec.h"

#define SEC 1000000000ULL

#define H     "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
#define H63   "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde"
#define H65   H "0"
#define HUP   "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef"
#define POD   "pod1b2c3d4e_5f60_7182_93a4_b5c6d7e8f901"
#define PODFS "pod1b2c3d4e-5f60-7182-93a4-b5c6d7e8f901"
#define KUBE  "/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-" POD ".slice/"
#define USERM "/user.slice/user-1000.slice/user@1000.service/"

/* The unit is the outermost: below a user's manager, its names are the user's choice. */
static const struct facts_case {
	const char *path;
	const char *unit, *container, *runtime;
} facts_cases[] = {
	{ "/system.slice/nginx.service", "nginx.service", "", NULL },
	{ "/system.slice/nginx.service/worker", "nginx.service", "", NULL },
	{ "/user.slice/user-1000.slice/session-3.scope", "session-3.scope", "", NULL },
	{ USERM "app.slice/app-gnome-foo-1234.scope", "user@1000.service", "", NULL },
	{ USERM "init.scope", "user@1000.service", "", NULL },
	{ "/", "", "", NULL },
	{ "/user.slice", "", "", NULL },
	/* Docker: systemd driver, cgroupfs driver, docker in docker */
	{ "/system.slice/docker-" H ".scope", "docker-" H ".scope", H, "docker" },
	{ "/docker/" H, "", H, "docker" },
	{ "/docker/" H63 "0/docker/" H, "", H, "docker" },
	/* containerd under kubepods: systemd layout, cgroupfs layout (runtime not said) */
	{ KUBE "cri-containerd-" H ".scope", "cri-containerd-" H ".scope", H, "containerd" },
	{ "/kubepods/besteffort/" PODFS "/" H, "", H, NULL },
	{ "/kubepods/" PODFS "/" H, "", H, NULL },
	/* cri-o, and its monitor that is no container */
	{ KUBE "crio-" H ".scope", "crio-" H ".scope", H, "cri-o" },
	{ KUBE "crio-conmon-" H ".scope", "crio-conmon-" H ".scope", "", NULL },
	/* podman: rootful, split /container child, rootless, cgroupfs, conmon */
	{ "/machine.slice/libpod-" H ".scope", "libpod-" H ".scope", H, "podman" },
	{ "/machine.slice/libpod-" H ".scope/container", "libpod-" H ".scope", H, "podman" },
	{ USERM "user.slice/libpod-" H ".scope", "user@1000.service", H, "podman" },
	{ "/libpod_parent/libpod-" H, "", H, "podman" },
	{ "/machine.slice/libpod-conmon-" H ".scope", "libpod-conmon-" H ".scope", "", NULL },
	/* not a container id: 63, 65 hex chars, upper case, a suffix that is not .scope */
	{ "/docker/" H63, "", "", NULL },
	{ "/docker/" H65, "", "", NULL },
	{ "/docker/" HUP, "", "", NULL },
	{ "/system.slice/docker-" H63 ".scope", "docker-" H63 ".scope", "", NULL },
	{ "/system.slice/docker-" H65 ".scope", "docker-" H65 ".scope", "", NULL },
	{ "/system.slice/docker-" HUP ".scope", "docker-" HUP ".scope", "", NULL },
	{ "/system.slice/docker-" H ".slice", "", "", NULL },
	{ "/system.slice/docker-" H ".scopes", "", "", NULL },
	{ "/system.slice/containerd.service/" H63, "containerd.service", "", NULL },
	/* a name that is only the suffix is no unit */
	{ "/system.slice/.service", "", "", NULL },
	{ "//system.slice//nginx.service/", "nginx.service", "", NULL },
	/* a unit only below slices: not below a container manager's directory */
	{ "/lxc.payload.c1/system.slice/nginx.service", "", "", NULL },
	{ "/docker/" H "/system.slice/nginx.service", "", H, "docker" },
};

static void test_cgroup_facts(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(facts_cases) / sizeof(facts_cases[0]); i++) {
		const struct facts_case *k = &facts_cases[i];
		struct cgroup_facts f;

		memset(&f, 0x5a, sizeof(f));
		cgroup_path_facts(k->path, strlen(k->path), &f);
		if (strcmp(f.unit, k->unit) || strcmp(f.container_id, k->container) ||
		    (f.runtime == NULL) != (k->runtime == NULL) ||
		    (f.runtime && strcmp(f.runtime, k->runtime)))
			fail_msg("%s: unit '%s' container '%s' runtime %s", k->path, f.unit,
				 f.container_id, f.runtime ? f.runtime : "NULL");
	}
}

/* Pointer and length: bytes past @len are not the path's. */
static void test_cgroup_facts_bounds(void **state)
{
	static const char nested[] = "/system.slice/nginx.service/worker.scope";
	char path[CGROUP_PATH_MAX + 2];
	struct cgroup_facts f;
	size_t n;

	(void)state;
	cgroup_path_facts(nested, strlen("/system.slice/nginx.service"), &f);
	assert_string_equal(f.unit, "nginx.service");
	cgroup_path_facts("/docker/" H, strlen("/docker/" H) - 1, &f);
	assert_string_equal(f.container_id, "");

	/* "/system.slice/aaaa...a.slice/docker-<id>.scope", CGROUP_PATH_MAX bytes in all */
	n = strlen("/system.slice/") + strlen(".slice/docker-" H ".scope");
	memset(path, 0, sizeof(path));
	strcpy(path, "/system.slice/");
	memset(path + strlen(path), 'a', CGROUP_PATH_MAX - n);
	strcat(path, ".slice/docker-" H ".scope");
	assert_int_equal(strlen(path), CGROUP_PATH_MAX);
	cgroup_path_facts(path, CGROUP_PATH_MAX, &f);
	assert_string_equal(f.unit, "docker-" H ".scope");
	assert_string_equal(f.container_id, H);
	assert_string_equal(f.runtime, "docker");

	/* one byte more: the path is not kept, nothing is said about it */
	memmove(path + 1, path, CGROUP_PATH_MAX + 1);
	path[0] = '/';
	cgroup_path_facts(path, CGROUP_PATH_MAX + 1, &f);
	assert_string_equal(f.unit, "");
	assert_string_equal(f.container_id, "");
	assert_null(f.runtime);

	/* a component longer than a unit name can be */
	memset(path, 'b', sizeof(path));
	path[0] = '/';
	memcpy(path + OWNER_UNIT_MAX + 1 - strlen(".service"), ".service", 8);
	cgroup_path_facts(path, OWNER_UNIT_MAX + 1, &f);
	assert_string_equal(f.unit, "");
	cgroup_path_facts(path + 1, OWNER_UNIT_MAX, &f); /* OWNER_UNIT_MAX bytes: no room for NUL */
	assert_string_equal(f.unit, "");
	cgroup_path_facts(path + 2, OWNER_UNIT_MAX - 1, &f);
	assert_int_equal(strlen(f.unit), OWNER_UNIT_MAX - 1);
}

static const struct under_case {
	const char *path, *prefix;
	bool under;
} under_cases[] = {
	{ "/a/b", "/a/b", true },  { "/a/b/c", "/a/b", true },	{ "/a/bc", "/a/b", false },
	{ "/a", "/a/b", false },   { "/a/b", "/", true },	{ "/", "/", true },
	{ "/a/b", "/a/b/", true }, { "/a/bc", "/a/b/", false }, { "/a/b", "/a/", true },
	{ "/a/b", "a/b", false },  { "/a/b", "", false },	{ "/", "/a", false },
	{ "/ab/c", "/a", false },  { "/a/b", "//", true },
};

static const struct unit_case {
	const char *path, *unit;
	bool in;
} unit_cases[] = {
	{ "/system.slice/nginx.service/worker", "nginx.service", true },
	{ "/system.slice/nginx.service", "nginx.service", true },
	{ "/system.slice/nginx.service", "system.slice", true },
	{ "/system.slice/nginx.service", "nginx", false },
	{ "/system.slice/nginx.services", "nginx.service", false },
	{ "/system.slice/xnginx.service", "nginx.service", false },
	{ "/", "nginx.service", false },
	{ "/system.slice/nginx.service", "", false },
	{ "/system.slice/nginx.service", "slice/nginx.service", false },
	/* Only the outermost unit, or a slice above it: what a user may not name. */
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/nginx.service", "nginx.service",
	  false },
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/nginx.service",
	  "user@1000.service", true },
	{ "/user.slice/user-1000.slice/user@1000.service/system.slice/x.service", "system.slice",
	  false },
	{ "/user.slice/user-1000.slice/user@1000.service/app.slice/x.service", "user.slice", true },
	{ "/system.slice/docker-" H ".scope/system.slice/nginx.service", "nginx.service", false },
	{ "/user.slice/user-1000.slice/session-3.scope", "session-3.scope", true },
	/* Below anything but slices, no unit: a container manager's or a delegated directory */
	{ "/lxc.payload.c1/system.slice/nginx.service", "nginx.service", false },
	{ "/lxc.payload.c1/system.slice/nginx.service", "system.slice", false },
	{ "/docker/" H "/system.slice/nginx.service", "nginx.service", false },
	{ "/kubepods/besteffort/pod1/nginx.service", "nginx.service", false },
};

static void test_cgroup_match(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(under_cases) / sizeof(under_cases[0]); i++)
		if (cgroup_path_under(under_cases[i].path, under_cases[i].prefix) !=
		    under_cases[i].under)
			fail_msg("under('%s', '%s') is not %d", under_cases[i].path,
				 under_cases[i].prefix, under_cases[i].under);
	for (size_t i = 0; i < sizeof(unit_cases) / sizeof(unit_cases[0]); i++)
		if (cgroup_path_in_unit(unit_cases[i].path, unit_cases[i].unit) != unit_cases[i].in)
			fail_msg("in_unit('%s', '%s') is not %d", unit_cases[i].path,
				 unit_cases[i].unit, unit_cases[i].in);
}

static const struct spec_case {
	const char *spec;
	int kind; /* 0: refused, with @why containing @text */
	uint32_t id;
	const char *text;
} spec_cases[] = {
	{ "user=root", OWNER_USER, 0, "root" },
	{ "user=0", OWNER_USER, 0, "0" },
	{ "user=33", OWNER_USER, 33, "33" },
	{ "user=4294967294", OWNER_USER, 4294967294u, "4294967294" },
	{ "user=4294967295", 0, 0, "user=4294967295 is past the largest id" },
	{ "user=99999999999999999999", 0, 0, "past the largest id" },
	{ "user=wwwdata-nobody", 0, 0, "no user 'wwwdata-nobody' in the user database" },
	{ "group=root", OWNER_GROUP, 0, "root" },
	{ "group=33", OWNER_GROUP, 33, "33" },
	{ "group=wwwdata-nobody", 0, 0, "no group 'wwwdata-nobody' in the group database" },
	{ "unit=nginx", OWNER_UNIT, 0, "nginx.service" },
	{ "unit=nginx.service", OWNER_UNIT, 0, "nginx.service" },
	{ "unit=session-3.scope", OWNER_UNIT, 0, "session-3.scope" },
	{ "unit=getty@tty1.service", OWNER_UNIT, 0, "getty@tty1.service" },
	{ "unit=systemd-fsck@dev-disk-by\\x2duuid-1.service", OWNER_UNIT, 0,
	  "systemd-fsck@dev-disk-by\\x2duuid-1.service" },
	{ "unit=ngi nx", 0, 0, "unit=ngi nx: ' ' is not allowed in unit names" },
	{ "unit=a/b.service", 0, 0, "'/' is not allowed" },
	{ "unit=nginx;rm", 0, 0, "';' is not allowed" },
	{ "cgroup=/system.slice/nginx.service", OWNER_CGROUP, 0, "/system.slice/nginx.service" },
	{ "cgroup=/", OWNER_CGROUP, 0, "/" },
	{ "cgroup=//", OWNER_CGROUP, 0, "/" },
	{ "cgroup=/a//b", OWNER_CGROUP, 0, "/a/b" },
	{ "cgroup=//a/b//", OWNER_CGROUP, 0, "/a/b" },
	{ "cgroup=/a/b/", OWNER_CGROUP, 0, "/a/b" },
	{ "cgroup=/a/.b/..c", OWNER_CGROUP, 0, "/a/.b/..c" },
	{ "cgroup=system.slice", 0, 0, "cgroup= must start with /" },
	{ "cgroup=/a/../b", 0, 0, "cgroup=/a/../b: no . or .. components" },
	{ "cgroup=/a/..", 0, 0, "no . or .. components" },
	{ "cgroup=/./a", 0, 0, "no . or .. components" },
	{ "user", 0, 0, "'user' is not user=NAME|UID, group=NAME|GID, unit=NAME or cgroup=PATH" },
	{ "uid=0", 0, 0, "unknown kind 'uid' (user, group, unit or cgroup)" },
	{ "=root", 0, 0, "unknown kind ''" },
	{ "user=", 0, 0, "user= needs a value" },
	{ "cgroup=", 0, 0, "cgroup= needs a value" },
	{ "unit=a\tb", 0, 0, "unit= has a control character" },
};

static void check_spec(const char *spec, int kind, uint32_t id, const char *text)
{
	struct owner_spec s, again;
	char why[256] = "", printed[CGROUP_PATH_MAX + 16];
	int rc = owner_spec_parse(spec, &s, why, sizeof(why));

	if (!kind) {
		if (rc != -EINVAL || !strstr(why, text))
			fail_msg("%.60s: rc %d, why '%s', wanted '%s'", spec, rc, why, text);
		return;
	}
	if (rc || (int)s.kind != kind || s.id != id || strcmp(s.text, text))
		fail_msg("%.60s: rc %d (%s) kind %d id %u text '%s'", spec, rc, why, s.kind, s.id,
			 s.text);
	/* printed as check-config does, and parsed back to the same */
	owner_spec_format(&s, printed, sizeof(printed));
	assert_int_equal(owner_spec_parse(printed, &again, why, sizeof(why)), 0);
	assert_int_equal(again.kind, s.kind);
	assert_int_equal(again.id, s.id);
	assert_string_equal(again.text, s.text);
}

static void test_spec_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(spec_cases) / sizeof(spec_cases[0]); i++)
		check_spec(spec_cases[i].spec, spec_cases[i].kind, spec_cases[i].id,
			   spec_cases[i].text);
}

/* "KEY=" and @n times @ch, then @tail. */
static const char *spec_of(const char *key, size_t n, char ch, const char *tail)
{
	static char buf[2 * CGROUP_PATH_MAX];

	snprintf(buf, sizeof(buf), "%s=", key);
	memset(buf + strlen(buf), ch, n);
	buf[strlen(key) + 1 + n] = '\0';
	strcat(buf, tail);
	return buf;
}

static void test_spec_bounds(void **state)
{
	char want[CGROUP_PATH_MAX + 2];

	(void)state;
	/* names: at the bound they are looked up, past it refused */
	check_spec(spec_of("user", OWNER_NAME_MAX, 'u', ""), 0, 0, "in the user database");
	check_spec(spec_of("user", OWNER_NAME_MAX + 1, 'u', ""), 0, 0, "longer than 64 bytes");
	check_spec(spec_of("group", OWNER_NAME_MAX, 'g', ""), 0, 0, "in the group database");
	check_spec(spec_of("group", OWNER_NAME_MAX + 1, 'g', ""), 0, 0, "longer than 64 bytes");
	/* units: OWNER_UNIT_MAX - 1 bytes, ".service" added included */
	snprintf(want, sizeof(want), "%s", spec_of("unit", OWNER_UNIT_MAX - 7, 'n', ".scope") + 5);
	check_spec(spec_of("unit", OWNER_UNIT_MAX - 7, 'n', ".scope"), OWNER_UNIT, 0, want);
	check_spec(spec_of("unit", OWNER_UNIT_MAX - 6, 'n', ".scope"), 0, 0,
		   "longer than 255 bytes");
	snprintf(want, sizeof(want), "%s.service",
		 spec_of("unit", OWNER_UNIT_MAX - 9, 'n', "") + 5);
	check_spec(spec_of("unit", OWNER_UNIT_MAX - 9, 'n', ""), OWNER_UNIT, 0, want);
	check_spec(spec_of("unit", OWNER_UNIT_MAX - 8, 'n', ""), 0, 0, "longer than 255 bytes");
	/* cgroup prefixes: CGROUP_PATH_MAX bytes as given */
	want[0] = '/';
	memset(want + 1, 'c', CGROUP_PATH_MAX - 1);
	want[CGROUP_PATH_MAX] = '\0';
	check_spec(spec_of("cgroup", CGROUP_PATH_MAX - 1, 'c', ""), 0, 0, "must start with /");
	{
		char spec[CGROUP_PATH_MAX + 16] = "cgroup=";

		strcat(spec, want);
		assert_int_equal(strlen(want), CGROUP_PATH_MAX);
		check_spec(spec, OWNER_CGROUP, 0, want);
		strcat(spec, "c");
		check_spec(spec, 0, 0, "longer than 512 bytes");
	}
}

static void test_spec_matches(void **state)
{
	static const struct {
		const char *spec;
		bool local, local_no_cgroup;
	} cases[] = {
		{ "user=33", true, true },
		{ "user=0", false, false },
		{ "group=33", true, true },
		{ "group=4", true, true },
		{ "group=5", false, false },
		{ "unit=nginx", true, false },
		{ "unit=nginx.service", true, false },
		{ "unit=worker.service", false, false },
		{ "unit=system.slice", true, false },
		{ "cgroup=/system.slice", true, false },
		{ "cgroup=/system.slice/nginx.service/worker", true, false },
		{ "cgroup=/system.slice/nginx", false, false },
		{ "cgroup=/", true, false },
	};
	struct sock_owner o = { .seen = XFFW_SOCK_LOCAL,
				.uid = 33,
				.cgroup_id = 77,
				.user_known = true,
				.user = "www-data",
				.gids = { 33, 4 },
				.ngids = 2,
				.cgroup_known = true,
				.cgroup = "/system.slice/nginx.service/worker" };
	struct sock_owner none = o, unseen = o, no_cgroup = o;

	(void)state;
	none.seen = XFFW_SOCK_NONE;
	unseen.seen = XFFW_SOCK_UNSEEN;
	no_cgroup.cgroup_known = false;
	no_cgroup.cgroup[0] = '\0';
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct owner_spec s;
		char why[128];

		assert_int_equal(owner_spec_parse(cases[i].spec, &s, why, sizeof(why)), 0);
		if (owner_spec_matches(&s, &o) != cases[i].local ||
		    owner_spec_matches(&s, &no_cgroup) != cases[i].local_no_cgroup)
			fail_msg("%s: local %d, no cgroup %d", cases[i].spec,
				 owner_spec_matches(&s, &o), owner_spec_matches(&s, &no_cgroup));
		/* a remote peer or an unseen start is never a local process */
		assert_false(owner_spec_matches(&s, &none));
		assert_false(owner_spec_matches(&s, &unseen));
		assert_false(owner_spec_matches(&s, NULL));
	}
}

/* The cgroup tree of the owner cache tests: a temporary directory. */
static char tree[64];

static const char *const tree_dirs[] = {
	"system.slice",
	"system.slice/nginx.service",
	"system.slice/nginx.service/worker",
	"system.slice/docker-" H ".scope",
	"user.slice",
	"user.slice/user-1000.slice",
	"user.slice/user-1000.slice/session-3.scope",
};

static int remove_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int tree_setup(void **state)
{
	char path[256];

	(void)state;
	strcpy(tree, "/tmp/xffw-identity-XXXXXX");
	if (!mkdtemp(tree))
		return -1;
	for (size_t i = 0; i < sizeof(tree_dirs) / sizeof(tree_dirs[0]); i++) {
		snprintf(path, sizeof(path), "%s/%s", tree, tree_dirs[i]);
		if (mkdir(path, 0755))
			return -1;
	}
	/* not cgroups: a file, and a link that is not followed */
	snprintf(path, sizeof(path), "%s/system.slice/cgroup.procs", tree);
	close(open(path, O_CREAT | O_WRONLY, 0644));
	snprintf(path, sizeof(path), "%s/link", tree);
	return symlink("system.slice", path);
}

static int tree_teardown(void **state)
{
	(void)state;
	return nftw(tree, remove_one, 16, FTW_DEPTH | FTW_PHYS);
}

/* The cgroup id of @rel ("" the root) below the tree: its inode number. */
static uint64_t id_of(const char *root, const char *rel)
{
	char path[4096];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", root, rel);
	assert_int_equal(stat(path, &st), 0);
	return st.st_ino;
}

static struct sock_owner owner; /* 1.2 KB: not on the stack of every test */

static void resolve(struct owner_cache *c, uint64_t cgroup_id, uint32_t uid, uint64_t now)
{
	struct xffw_sock_id id = { .cgroup_id = cgroup_id, .uid = uid, .seen = XFFW_SOCK_LOCAL };

	owner_resolve(c, &id, now, &owner);
}

static void test_cache_known(void **state)
{
	struct owner_cache_config cfg = { .cgroup_root = tree };
	struct owner_cache *c = owner_cache_new(&cfg);
	bool has_root = false;

	(void)state;
	assert_non_null(c);
	assert_string_equal(owner_cache_cgroup_root(c), tree);
	resolve(c, id_of(tree, "system.slice/nginx.service"), 0, 10 * SEC);
	assert_int_equal(owner.seen, XFFW_SOCK_LOCAL);
	assert_true(owner.cgroup_known);
	assert_string_equal(owner.cgroup, "/system.slice/nginx.service");
	assert_string_equal(owner.facts.unit, "nginx.service");
	assert_string_equal(owner.facts.container_id, "");
	/* uid 0 is root, whose primary group 0 comes first */
	assert_true(owner.user_known);
	assert_string_equal(owner.user, "root");
	assert_true(owner.ngids >= 1);
	for (size_t i = 0; i < owner.ngids; i++)
		has_root |= owner.gids[i] == 0;
	assert_true(has_root);
	assert_int_equal(owner.gids[0], 0);

	resolve(c, id_of(tree, "system.slice/nginx.service/worker"), 0, 10 * SEC);
	assert_string_equal(owner.cgroup, "/system.slice/nginx.service/worker");
	assert_string_equal(owner.facts.unit, "nginx.service");
	resolve(c, id_of(tree, "system.slice/docker-" H ".scope"), 0, 10 * SEC);
	assert_string_equal(owner.facts.container_id, H);
	assert_string_equal(owner.facts.runtime, "docker");
	resolve(c, id_of(tree, "user.slice/user-1000.slice/session-3.scope"), 0, 10 * SEC);
	assert_string_equal(owner.facts.unit, "session-3.scope");
	resolve(c, id_of(tree, ""), 0, 10 * SEC);
	assert_string_equal(owner.cgroup, "/");
	assert_string_equal(owner.facts.unit, "");

	assert_int_equal(owner_cache_stats(c)->resolved, 5);
	assert_int_equal(owner_cache_stats(c)->rescans, 1);
	assert_int_equal(owner_cache_stats(c)->cgroups_unknown, 0);
	assert_int_equal(owner_cache_stats(c)->users_unknown, 0);
	assert_int_equal(owner_cache_stats(c)->cgroups_over, 0);
	owner_cache_free(c);
}

static void test_cache_unknown_and_rescan(void **state)
{
	struct owner_cache_config cfg = { .cgroup_root = tree };
	struct owner_cache *c = owner_cache_new(&cfg);
	const struct owner_cache_stats *st = owner_cache_stats(c);
	const uint64_t nowhere = 0xfedcba9876543210ULL;
	char path[256];
	uint64_t fresh;

	(void)state;
	/* the first resolution scans; a miss right after does not scan again */
	resolve(c, nowhere, 0, 10 * SEC);
	assert_int_equal(owner.seen, XFFW_SOCK_LOCAL);
	assert_false(owner.cgroup_known);
	assert_string_equal(owner.cgroup, "");
	assert_true(owner.user_known);
	assert_int_equal(st->rescans, 1);
	assert_int_equal(st->cgroups_unknown, 1);
	/* a second later it rescans, and the id is still unknown */
	resolve(c, nowhere, 0, 11 * SEC);
	assert_false(owner.cgroup_known);
	assert_int_equal(st->rescans, 2);
	assert_int_equal(st->cgroups_unknown, 2);

	/* a cgroup made after the scan: not before the interval, then found */
	snprintf(path, sizeof(path), "%s/system.slice/late.service", tree);
	assert_int_equal(mkdir(path, 0755), 0);
	fresh = id_of(tree, "system.slice/late.service");
	resolve(c, fresh, 0, 11 * SEC + SEC / 2);
	assert_false(owner.cgroup_known);
	assert_int_equal(st->rescans, 2);
	resolve(c, fresh, 0, 12 * SEC - 1);
	assert_false(owner.cgroup_known);
	assert_int_equal(st->rescans, 2);
	resolve(c, fresh, 0, 12 * SEC);
	assert_true(owner.cgroup_known);
	assert_string_equal(owner.cgroup, "/system.slice/late.service");
	assert_string_equal(owner.facts.unit, "late.service");
	assert_int_equal(st->rescans, 3);
	assert_int_equal(st->cgroups_unknown, 4);
	/* a hit does not rescan, however late */
	resolve(c, fresh, 0, 100 * SEC);
	assert_true(owner.cgroup_known);
	assert_int_equal(st->rescans, 3);
	owner_cache_free(c);
}

static void test_cache_not_local(void **state)
{
	struct owner_cache_config cfg = { .cgroup_root = tree };
	struct owner_cache *c = owner_cache_new(&cfg);
	const uint8_t seen[] = { XFFW_SOCK_UNSEEN, XFFW_SOCK_NONE, 3, 255 };
	const uint8_t want[] = { XFFW_SOCK_UNSEEN, XFFW_SOCK_NONE, XFFW_SOCK_UNSEEN,
				 XFFW_SOCK_UNSEEN };

	(void)state;
	for (size_t i = 0; i < sizeof(seen); i++) {
		struct xffw_sock_id id = { .cgroup_id = id_of(tree, ""),
					   .uid = 0,
					   .seen = seen[i] };

		owner_resolve(c, &id, 10 * SEC, &owner);
		assert_int_equal(owner.seen, want[i]);
		assert_int_equal(owner.uid, 0);
		assert_int_equal(owner.cgroup_id, 0);
		assert_false(owner.user_known);
		assert_false(owner.cgroup_known);
		assert_string_equal(owner.user, "");
	}
	assert_int_equal(owner_cache_stats(c)->resolved, 0);
	assert_int_equal(owner_cache_stats(c)->rescans, 0);
	owner_cache_free(c);
}

/* An owner written over what an earlier event left: each field its reader sees is rewritten. */
static void expect_emptied_local(uint32_t uid)
{
	assert_int_equal(owner.seen, XFFW_SOCK_LOCAL);
	assert_int_equal(owner.uid, uid);
	assert_false(owner.cgroup_known);
	assert_string_equal(owner.cgroup, "");
	assert_string_equal(owner.facts.unit, "");
	assert_string_equal(owner.facts.container_id, "");
	assert_null(owner.facts.runtime);
}

static void test_cache_overwrites(void **state)
{
	struct owner_cache_config cfg = { .cgroup_root = tree };
	struct owner_cache *c = owner_cache_new(&cfg);
	struct xffw_sock_id none = { .cgroup_id = 7, .uid = 33, .seen = XFFW_SOCK_NONE };

	(void)state;
	/* a known container's owner, then garbage: what is not found says so */
	resolve(c, id_of(tree, "system.slice/docker-" H ".scope"), 0, 10 * SEC);
	assert_string_equal(owner.facts.runtime, "docker");
	resolve(c, 0xfedcba9876543210ULL, 4000000, 10 * SEC);
	expect_emptied_local(4000000);
	assert_false(owner.user_known);
	assert_string_equal(owner.user, "");
	assert_int_equal(owner.ngids, 0);
	memset(&owner, 0xa5, sizeof(owner));
	resolve(c, 0xfedcba9876543210ULL, 4000000, 10 * SEC);
	expect_emptied_local(4000000);
	assert_int_equal(owner.cgroup_id, 0xfedcba9876543210ULL);
	assert_false(owner.user_known);
	assert_string_equal(owner.user, "");
	assert_int_equal(owner.ngids, 0);

	memset(&owner, 0xa5, sizeof(owner));
	owner_resolve(c, &none, 10 * SEC, &owner);
	assert_int_equal(owner.seen, XFFW_SOCK_NONE);
	assert_int_equal(owner.uid, 0);
	assert_int_equal(owner.cgroup_id, 0);
	assert_false(owner.user_known);
	assert_string_equal(owner.user, "");
	assert_int_equal(owner.ngids, 0);
	assert_false(owner.cgroup_known);
	assert_string_equal(owner.cgroup, "");
	assert_string_equal(owner.facts.unit, "");
	assert_string_equal(owner.facts.container_id, "");
	assert_null(owner.facts.runtime);
	owner_cache_free(c);
}

static void test_cache_users(void **state)
{
	struct owner_cache_config cfg = { .cgroup_root = tree };
	struct owner_cache *c = owner_cache_new(&cfg);
	const struct owner_cache_stats *st = owner_cache_stats(c);
	uint64_t root = id_of(tree, "");

	(void)state;
	/* a uid nobody has: unknown, its cgroup still resolved */
	resolve(c, root, 4000000, 10 * SEC);
	assert_false(owner.user_known);
	assert_string_equal(owner.user, "");
	assert_int_equal(owner.ngids, 0);
	assert_int_equal(owner.uid, 4000000);
	assert_true(owner.cgroup_known);
	assert_int_equal(st->users_unknown, 1);
	/* the negative answer is kept, and asked again after a minute */
	resolve(c, root, 4000000, 11 * SEC);
	resolve(c, root, 4000000, 80 * SEC);
	assert_false(owner.user_known);
	assert_int_equal(st->users_unknown, 3);

	/* OWNER_USERS_MAX uids kept: the ones past it evict, counted */
	for (uint32_t i = 0; i < OWNER_USERS_MAX + 10; i++)
		resolve(c, root, 4100000 + i, 90 * SEC);
	assert_int_equal(st->users_evicted, 11);
	/* and the table still answers, old and new */
	for (uint32_t i = 0; i < OWNER_USERS_MAX + 10; i += 97)
		resolve(c, root, 4100000 + i, 90 * SEC);
	resolve(c, root, 0, 90 * SEC);
	assert_true(owner.user_known);
	assert_string_equal(owner.user, "root");
	assert_int_equal(st->resolved, 3 + OWNER_USERS_MAX + 10 + 11 + 1);
	owner_cache_free(c);
}

/* The scan's bounds: depth, path length, count; links are not followed. */
static void test_tree_bounds(void **state)
{
	struct cgroup_tree t;
	uint64_t over = 0;
	char path[4096], name[201];
	int n;

	(void)state;
	/* the tree as made: the root and its seven directories, not the link */
	assert_int_equal(cgroup_tree_scan(tree, OWNER_CGROUPS_MAX, &t, &over), 0);
	assert_int_equal(t.n, 1 + sizeof(tree_dirs) / sizeof(tree_dirs[0]));
	assert_int_equal(over, 0);
	assert_null(cgroup_tree_find(&t, 0xfedcba9876543210ULL));
	cgroup_tree_release(&t);

	/* three kept; of the other five, those met are counted (not what is below them) */
	assert_int_equal(cgroup_tree_scan(tree, 3, &t, &over), 0);
	assert_int_equal(t.n, 3);
	assert_in_range(over, 1, 5);
	cgroup_tree_release(&t);

	/* "/" + 200 + "/" + 200 fits, the third level ("/" + 200 more, 603 bytes) does not */
	memset(name, 'x', 200);
	name[200] = '\0';
	n = snprintf(path, sizeof(path), "%s/%s", tree, name);
	assert_int_equal(mkdir(path, 0755), 0);
	n += snprintf(path + n, sizeof(path) - (size_t)n, "/%s", name);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path + n, sizeof(path) - (size_t)n, "/%s", name);
	assert_int_equal(mkdir(path, 0755), 0);
	over = 0;
	assert_int_equal(cgroup_tree_scan(tree, OWNER_CGROUPS_MAX, &t, &over), 0);
	assert_int_equal(t.n, 1 + sizeof(tree_dirs) / sizeof(tree_dirs[0]) + 2);
	assert_int_equal(over, 1);
	cgroup_tree_release(&t);

	/* CGROUP_TREE_DEPTH levels below the root kept, the next one counted */
	n = snprintf(path, sizeof(path), "%s/deep", tree);
	assert_int_equal(mkdir(path, 0755), 0);
	for (int level = 2; level <= CGROUP_TREE_DEPTH + 1; level++) {
		n += snprintf(path + n, sizeof(path) - (size_t)n, "/d");
		assert_int_equal(mkdir(path, 0755), 0);
	}
	over = 0;
	assert_int_equal(cgroup_tree_scan(tree, OWNER_CGROUPS_MAX, &t, &over), 0);
	assert_int_equal(t.n, 1 + sizeof(tree_dirs) / sizeof(tree_dirs[0]) + 2 + CGROUP_TREE_DEPTH);
	assert_int_equal(over, 2);
	cgroup_tree_release(&t);

	over = 0;
	assert_int_equal(cgroup_tree_scan("/nonexistent-xffw", 10, &t, &over), -ENOENT);
	assert_int_equal(t.n, 0);
	assert_null(cgroup_tree_find(&t, 1));
}

/*
 * A user floods its delegated subtree (owned by it, not root) with cgroups:
 * what root made is still all in the table, whatever the order of the
 * directories; the user's own come after, as far as the bound allows.
 */
static void test_tree_delegated_last(void **state)
{
	char path[4200], first[4096];
	struct cgroup_tree t;
	uint64_t over = 0;
	size_t root_made;

	(void)state;
	/* "aaa.service", read before the rest, is a user's: delegated */
	snprintf(first, sizeof(first), "%s/aaa.service", tree);
	assert_int_equal(mkdir(first, 0755), 0);
	assert_int_equal(chown(first, 1000, 1000), 0);
	for (int i = 0; i < 40; i++) {
		snprintf(path, sizeof(path), "%s/junk%d", first, i);
		assert_int_equal(mkdir(path, 0755), 0);
	}
	root_made = 1 + sizeof(tree_dirs) / sizeof(tree_dirs[0]) + 1; /* with aaa.service */
	assert_int_equal(cgroup_tree_scan(tree, root_made + 5, &t, &over), 0);
	assert_int_equal(t.n, root_made + 5);
	for (size_t i = 0; i < sizeof(tree_dirs) / sizeof(tree_dirs[0]); i++)
		assert_non_null(cgroup_tree_find(&t, id_of(tree, tree_dirs[i])));
	assert_non_null(cgroup_tree_find(&t, id_of(tree, "aaa.service")));
	assert_int_equal(over, 40 - 5);
	cgroup_tree_release(&t);
	/* with room, everything, the delegated paths right */
	over = 0;
	assert_int_equal(cgroup_tree_scan(tree, OWNER_CGROUPS_MAX, &t, &over), 0);
	assert_int_equal(t.n, root_made + 40);
	assert_int_equal(over, 0);
	assert_string_equal(
		t.paths + cgroup_tree_find(&t, id_of(tree, "aaa.service/junk7"))->path_off,
		"/aaa.service/junk7");
	cgroup_tree_release(&t);
}

/* A mountinfo file written for the test: escapes undone, cgroup v1 passed over. */
static void test_mountinfo(void **state)
{
	static const char lines[] =
		"31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
		"32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
		"41 31 0:38 / /sys/fs/cgroup/my\\040cgroup2 rw,relatime shared:9 - cgroup2 "
		"cgroup2 rw\n"
		"42 31 0:39 / /other rw - cgroup2 cgroup2 rw\n";
	char file[256], buf[64];
	FILE *f;

	(void)state;
	snprintf(file, sizeof(file), "%s/mountinfo", tree);
	f = fopen(file, "w");
	assert_non_null(f);
	fputs(lines, f);
	fclose(f);
	assert_int_equal(cgroup_mount_find(file, buf, sizeof(buf)), 0);
	assert_string_equal(buf, "/sys/fs/cgroup/my cgroup2");
	/* the first cgroup2 decides, even when it is too long to keep */
	assert_int_equal(cgroup_mount_find(file, buf, 20), -ENAMETOOLONG);

	/* no cgroup2 at all */
	f = fopen(file, "w");
	assert_non_null(f);
	fputs("32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n", f);
	fclose(f);
	assert_int_equal(cgroup_mount_find(file, buf, sizeof(buf)), -ENOENT);
	assert_int_equal(cgroup_mount_find("/nonexistent-xffw", buf, sizeof(buf)), -ENOENT);
}

/* This machine: the cgroup2 mount from mountinfo, its root and our own cgroup. */
static void test_cache_this_machine(void **state)
{
	struct owner_cache *c = owner_cache_new(NULL);
	char line[CGROUP_PATH_MAX + 16], mine[sizeof(line)] = "";
	const char *root;
	struct statfs fs;
	FILE *f;

	(void)state;
	assert_non_null(c);
	root = owner_cache_cgroup_root(c);
	if (!root[0]) {
		owner_cache_free(c);
		skip(); /* no cgroup2 mounted */
	}
	assert_int_equal(statfs(root, &fs), 0);
	assert_int_equal(fs.f_type, 0x63677270); /* CGROUP2_SUPER_MAGIC */

	resolve(c, id_of(root, ""), getuid(), 10 * SEC);
	assert_true(owner.cgroup_known);
	assert_string_equal(owner.cgroup, "/");

	f = fopen("/proc/self/cgroup", "re");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, "0::", 3)) {
			line[strcspn(line, "\n")] = '\0';
			snprintf(mine, sizeof(mine), "%s", line + 3);
		}
	fclose(f);
	assert_true(mine[0] == '/');
	resolve(c, id_of(root, mine + 1), getuid(), 10 * SEC);
	assert_true(owner.cgroup_known);
	assert_string_equal(owner.cgroup, mine);
	assert_true(owner.user_known);
	owner_cache_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cgroup_facts),
		cmocka_unit_test(test_cgroup_facts_bounds),
		cmocka_unit_test(test_cgroup_match),
		cmocka_unit_test(test_spec_parse),
		cmocka_unit_test(test_spec_bounds),
		cmocka_unit_test(test_spec_matches),
		cmocka_unit_test_setup_teardown(test_cache_known, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_cache_unknown_and_rescan, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_cache_overwrites, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_cache_not_local, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_cache_users, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_tree_bounds, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_tree_delegated_last, tree_setup,
						tree_teardown),
		cmocka_unit_test_setup_teardown(test_mountinfo, tree_setup, tree_teardown),
		cmocka_unit_test(test_cache_this_machine),
	};

	return cmocka_run_group_tests_name("identity", tests, NULL, NULL);
}
