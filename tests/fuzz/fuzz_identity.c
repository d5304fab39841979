// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: process identity (user/identity/). The input is an owner's
 * header, then lines split at '\n':
 *
 *   byte 0     seen state (mod 3), cgroup known (0x04), user known (0x08),
 *              a raw spec's kind (bits 4-6, 0 to 7: bad kinds included)
 *   bytes 1-4  uid; bytes 5-12: two gids (little-endian)
 *   line 1     a cgroup path: cgroup_path_facts() on exactly its bytes, and
 *              the owner's cgroup when it fits
 *   line 2     a --trust-local SPEC: parsed, printed, parsed again (equal),
 *              and matched against the owner
 *   line 3     a unit and a prefix for cgroup_path_in_unit/_under, and the
 *              text of a raw spec of any kind, printed and matched
 *
 * Invariants: a container id is "" or 64 lower-case hex digits, a unit is
 * "" or ends in ".service" or ".scope", a runtime is NULL or one of the
 * four names (and comes with an id); printing never writes past its
 * buffer; a match is what the spec's definition says.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "identity/cgroup_path.h"
#include "identity/owner_cache.h"
#include "identity/owner_spec.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n > k && !strcmp(s + n - k, suffix);
}

static void check_facts(const char *path, size_t len, const struct cgroup_facts *f)
{
	static const char *const runtimes[] = { "docker", "containerd", "podman", "cri-o" };
	size_t n = strlen(f->container_id);

	CHECK(n == 0 || n == CONTAINER_ID_MAX);
	for (size_t i = 0; i < n; i++)
		CHECK((f->container_id[i] >= '0' && f->container_id[i] <= '9') ||
		      (f->container_id[i] >= 'a' && f->container_id[i] <= 'f'));
	CHECK(strlen(f->unit) < OWNER_UNIT_MAX);
	/* (A NUL cuts the unit's text short: real paths, file names, have none.) */
	CHECK(!f->unit[0] || memchr(path, '\0', len) || ends_with(f->unit, ".service") ||
	      ends_with(f->unit, ".scope"));
	CHECK(!strchr(f->unit, '/'));
	if (f->runtime) {
		bool known = false;

		for (size_t i = 0; i < sizeof(runtimes) / sizeof(runtimes[0]); i++)
			known |= !strcmp(f->runtime, runtimes[i]);
		CHECK(known && n);
	}
	if (len > CGROUP_PATH_MAX)
		CHECK(!f->unit[0] && !n && !f->runtime);
	/* Both are the path's own bytes. */
	CHECK(!f->unit[0] || memmem(path, len, f->unit, strlen(f->unit)));
	CHECK(!n || memmem(path, len, f->container_id, n));
}

/* owner_spec_format into @len bytes, and nothing past them. */
static void format_bounded(const struct owner_spec *s, size_t len, char *out)
{
	char buf[CGROUP_PATH_MAX + 32 + 16];

	memset(buf, 0xa5, sizeof(buf));
	owner_spec_format(s, buf, len);
	for (size_t i = len; i < sizeof(buf); i++)
		CHECK((unsigned char)buf[i] == 0xa5);
	if (len)
		CHECK(memchr(buf, '\0', len));
	if (out && len)
		memcpy(out, buf, len);
}

/*
 * What owner_spec_matches() must never say: a match its definition rules out
 * (checked from the outside, not by a second copy of the function).
 */
static void check_match(const struct owner_spec *s, const struct sock_owner *o)
{
	bool got = owner_spec_matches(s, o);

	if (o->seen != XFFW_SOCK_LOCAL)
		CHECK(!got);
	if (!got)
		return;
	switch (s->kind) {
	case OWNER_USER:
		CHECK(o->uid == s->id);
		break;
	case OWNER_GROUP:
		CHECK(o->ngids > 0);
		break;
	case OWNER_UNIT:
		CHECK(o->cgroup_known && strstr(o->cgroup, s->text));
		break;
	case OWNER_CGROUP: {
		/* (A raw spec is not normalised: its trailing '/' do not count.) */
		size_t plen = strlen(s->text);

		while (plen && s->text[plen - 1] == '/')
			plen--;
		CHECK(o->cgroup_known && !strncmp(o->cgroup, s->text, plen));
		break;
	}
	}
}

/* Line @k (0-based) of @data[@size): its start in *@at, its length returned. */
static size_t line(const uint8_t *data, size_t size, int k, const uint8_t **at)
{
	size_t start = 0;

	for (int i = 0; i < k; i++) {
		const uint8_t *nl = memchr(data + start, '\n', size - start);

		if (!nl) {
			start = size;
			break;
		}
		start = (size_t)(nl - data) + 1;
	}
	*at = data + start;
	{
		const uint8_t *nl = memchr(data + start, '\n', size - start);

		return nl ? (size_t)(nl - (data + start)) : size - start;
	}
}

/* @p[0..@n) NUL-terminated in @buf[@len], cut to fit. */
static void cstr(char *buf, size_t len, const uint8_t *p, size_t n)
{
	if (n >= len)
		n = len - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct sock_owner o;
	static struct owner_spec spec, again, raw;
	static char text[CGROUP_PATH_MAX + 64], printed[CGROUP_PATH_MAX + 32];
	static char unit[OWNER_UNIT_MAX + 64], prefix[CGROUP_PATH_MAX + 64];
	struct cgroup_facts f;
	const uint8_t *p;
	char why[256];
	size_t n;
	char *path;
	uint8_t flags;

	if (size < 13)
		return 0;
	flags = data[0];
	memset(&o, 0, sizeof(o));
	o.seen = data[0] % 3;
	memcpy(&o.uid, data + 1, 4);
	memcpy(&o.gids[0], data + 5, 4);
	memcpy(&o.gids[1], data + 9, 4);
	o.ngids = 2;
	o.user_known = data[0] & 0x08;
	data += 13;
	size -= 13;

	/* 1: the path, on a buffer of exactly its size (no NUL after it). */
	n = line(data, size, 0, &p);
	path = malloc(n ? n : 1);
	memcpy(path, p, n);
	cgroup_path_facts(path, n, &f);
	check_facts(path, n, &f);
	free(path);
	if ((flags & 0x04) && n <= CGROUP_PATH_MAX && !memchr(p, '\0', n)) {
		o.cgroup_known = true;
		cstr(o.cgroup, sizeof(o.cgroup), p, n);
		cgroup_path_facts(o.cgroup, n, &o.facts);
		/* Its own unit is on it; any path is under "/" and under itself. */
		CHECK(!o.facts.unit[0] || cgroup_path_in_unit(o.cgroup, o.facts.unit));
		CHECK(cgroup_path_under(o.cgroup, "/"));
		if (o.cgroup[0] == '/')
			CHECK(cgroup_path_under(o.cgroup, o.cgroup));
	}

	/* 2: a SPEC, and its printed form parsed again. */
	n = line(data, size, 1, &p);
	cstr(text, sizeof(text), p, n);
	if (!owner_spec_parse(text, &spec, why, sizeof(why))) {
		CHECK(spec.kind >= OWNER_USER && spec.kind <= OWNER_CGROUP);
		CHECK(strlen(spec.text) <= CGROUP_PATH_MAX);
		format_bounded(&spec, sizeof(printed), printed);
		CHECK(!owner_spec_parse(printed, &again, why, sizeof(why)));
		CHECK(again.kind == spec.kind && again.id == spec.id &&
		      !strcmp(again.text, spec.text));
		for (size_t len = 0; len < 24; len++)
			format_bounded(&spec, len, NULL);
		check_match(&spec, &o);
		if (spec.kind == OWNER_CGROUP)
			CHECK(spec.text[0] == '/' && !strstr(spec.text, "//") &&
			      (!spec.text[1] || !ends_with(spec.text, "/")));
	} else {
		CHECK(why[0] && !strchr(why, '\n'));
	}

	/* 3: a unit, a prefix and a raw spec of any kind. */
	n = line(data, size, 2, &p);
	cstr(unit, sizeof(unit), p, n);
	cstr(prefix, sizeof(prefix), p, n);
	if (o.cgroup_known) {
		bool in = cgroup_path_in_unit(o.cgroup, unit);
		bool under = cgroup_path_under(o.cgroup, prefix);

		CHECK(!in || unit[0]);
		CHECK(!under || prefix[0] == '/');
	}
	memset(&raw, 0, sizeof(raw));
	raw.kind = (enum owner_kind)((flags >> 4) & 7);
	raw.id = o.uid;
	cstr(raw.text, sizeof(raw.text), p, n);
	format_bounded(&raw, sizeof(printed), NULL);
	for (size_t len = 0; len < 24; len++)
		format_bounded(&raw, len, NULL);
	check_match(&raw, &o);
	CHECK(!owner_spec_matches(&raw, NULL));
	return 0;
}
