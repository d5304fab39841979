// SPDX-License-Identifier: BSD-2-Clause
/* A cgroup v2 path's systemd unit and container (cgroup_path.h). */
#include <string.h>

#include "identity/cgroup_path.h"

/*
 * Components that hold a container, as the runtimes name them with the
 * systemd driver ("docker-<id>.scope") and the cgroupfs one ("libpod-<id>",
 * no suffix). Podman's monitor "libpod-conmon-<id>.scope" and cri-o's
 * "crio-conmon-<id>.scope" are not containers: "conmon-" is not hex.
 */
static const struct {
	const char *prefix;
	const char *runtime;
} container_shapes[] = {
	{ "docker-", "docker" },
	{ "cri-containerd-", "containerd" },
	{ "libpod-", "podman" },
	{ "crio-", "cri-o" },
};

static bool is_lower_hex(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!((p[i] >= '0' && p[i] <= '9') || (p[i] >= 'a' && p[i] <= 'f')))
			return false;
	return true;
}

static bool ends_with(const char *p, size_t n, const char *suffix)
{
	size_t s = strlen(suffix);

	return n > s && !memcmp(p + n - s, suffix, s);
}

/* A unit that holds processes: a service or a scope. */
static bool is_unit(const char *p, size_t n)
{
	return ends_with(p, n, ".service") || ends_with(p, n, ".scope");
}

static bool equals(const char *p, size_t n, const char *word)
{
	return strlen(word) == n && !memcmp(p, word, n);
}

/*
 * What the system manager made at the top of @path[0..@len): the leading
 * slices, which end at *@slices_end, and the service or scope right below
 * them (*@unit_off, *@unit_len; a length of 0: none). Below that unit, or
 * below anything else (/docker/ID, /lxc.payload.c1), names may be a
 * delegated user's or a container manager's choice.
 */
static void managed_top(const char *path, size_t len, size_t *slices_end, size_t *unit_off,
			size_t *unit_len)
{
	*slices_end = *unit_off = *unit_len = 0;
	for (size_t i = 0; i < len;) {
		const char *c = path + i;
		size_t n = 0;

		while (i + n < len && c[n] != '/')
			n++;
		if (n && is_unit(c, n)) {
			*unit_off = i;
			*unit_len = n;
			return;
		}
		if (n && !ends_with(c, n, ".slice"))
			return;
		i += n + 1;
		*slices_end = i < len ? i : len;
	}
}

/* Offset of the container id in component @p[0..@n), or -1; *@runtime set when named. */
static int container_in(const char *p, size_t n, const char *parent, size_t parent_len,
			const char **runtime)
{
	if (n == CONTAINER_ID_MAX && is_lower_hex(p, n)) {
		/* Docker's cgroupfs driver: /docker/<id>. Under kubepods the runtime is not said. */
		*runtime = equals(parent, parent_len, "docker") ? "docker" : NULL;
		return 0;
	}
	for (size_t i = 0; i < sizeof(container_shapes) / sizeof(container_shapes[0]); i++) {
		size_t pl = strlen(container_shapes[i].prefix);
		size_t rest;

		if (n < pl + CONTAINER_ID_MAX || memcmp(p, container_shapes[i].prefix, pl))
			continue;
		rest = n - pl - CONTAINER_ID_MAX;
		if (rest && !equals(p + pl + CONTAINER_ID_MAX, rest, ".scope"))
			continue;
		if (!is_lower_hex(p + pl, CONTAINER_ID_MAX))
			continue;
		*runtime = container_shapes[i].runtime;
		return (int)pl;
	}
	return -1;
}

void cgroup_path_spans(const char *path, size_t len, struct cgroup_spans *out)
{
	const char *parent = "";
	size_t parent_len = 0, slices_end, unit_off, unit_len;

	memset(out, 0, sizeof(*out));
	if (len > CGROUP_PATH_MAX)
		return;
	managed_top(path, len, &slices_end, &unit_off, &unit_len);
	if (unit_len < OWNER_UNIT_MAX) {
		out->unit_off = (uint16_t)unit_off;
		out->unit_len = (uint16_t)unit_len;
	}
	for (size_t i = 0; i < len;) {
		const char *c = path + i;
		size_t n = 0;
		const char *runtime;
		int at;

		while (i + n < len && c[n] != '/')
			n++;
		at = n ? container_in(c, n, parent, parent_len, &runtime) : -1;
		if (at >= 0) {
			out->container_off = (uint16_t)(i + (size_t)at);
			out->container_len = CONTAINER_ID_MAX;
			out->runtime = runtime;
		}
		if (n) {
			parent = c;
			parent_len = n;
		}
		i += n + 1;
	}
}

void cgroup_spans_facts(const char *path, const struct cgroup_spans *sp, struct cgroup_facts *out)
{
	memcpy(out->unit, path + sp->unit_off, sp->unit_len);
	out->unit[sp->unit_len] = '\0';
	memcpy(out->container_id, path + sp->container_off, sp->container_len);
	out->container_id[sp->container_len] = '\0';
	out->runtime = sp->runtime;
}

void cgroup_path_facts(const char *path, size_t len, struct cgroup_facts *out)
{
	struct cgroup_spans sp;

	cgroup_path_spans(path, len, &sp);
	cgroup_spans_facts(path, &sp, out);
}

bool cgroup_path_outer_unit(const char *path, char *buf, size_t len)
{
	size_t slices_end, off, n;

	managed_top(path, strlen(path), &slices_end, &off, &n);
	if (!n || n >= len)
		return false;
	memcpy(buf, path + off, n);
	buf[n] = '\0';
	return true;
}

bool cgroup_path_in_unit(const char *path, const char *unit)
{
	size_t ulen = strlen(unit), slices_end, off, n;

	if (!ulen)
		return false;
	managed_top(path, strlen(path), &slices_end, &off, &n);
	if (n == ulen && !memcmp(path + off, unit, n))
		return true;
	/* Or one of the slices above it. */
	for (size_t i = 0; i < slices_end;) {
		size_t k = strcspn(path + i, "/");

		if (k == ulen && !memcmp(path + i, unit, k))
			return true;
		i += k + 1;
	}
	return false;
}

bool cgroup_path_under(const char *path, const char *prefix)
{
	size_t plen = strlen(prefix);

	if (prefix[0] != '/')
		return false;
	while (plen && prefix[plen - 1] == '/')
		plen--;
	if (!plen)
		return true; /* "/" */
	return !strncmp(path, prefix, plen) && (path[plen] == '\0' || path[plen] == '/');
}
