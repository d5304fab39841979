/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The values of `--trust-local SPEC`: which local process may send forwarded
 * headers, by user, group, systemd unit or cgroup path prefix.
 */
#ifndef XFFW_OWNER_SPEC_H
#define XFFW_OWNER_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "identity/cgroup_path.h"
#include "identity/owner_cache.h"

enum owner_kind { OWNER_USER = 1, OWNER_GROUP, OWNER_UNIT, OWNER_CGROUP };

struct owner_spec {
	enum owner_kind kind;
	uint32_t id; /* USER: uid, GROUP: gid */
	char text[CGROUP_PATH_MAX +
		  1]; /* as given (name or number) for USER/GROUP; unit; path prefix */
};

/*
 * SPEC: user=NAME|UID, group=NAME|GID, unit=NAME, cgroup=PATH-PREFIX. Names
 * are looked up here, once; a number is taken as is. unit=NAME without a '.'
 * is NAME.service; a cgroup prefix has "//" collapsed and a trailing '/'
 * dropped. Returns 0, or -EINVAL with a one-line reason in @why naming the bad
 * part ("no user 'wwwdata' in the user database", "cgroup= must start with /").
 * Values longer than OWNER_NAME_MAX (user, group), OWNER_UNIT_MAX - 1 (unit)
 * or CGROUP_PATH_MAX (cgroup, as given) are refused.
 */
int owner_spec_parse(const char *s, struct owner_spec *out, char *why, size_t whylen);
/* As check-config prints it, parsable again: "user=www-data", "unit=nginx.service", "cgroup=/a/b". */
void owner_spec_format(const struct owner_spec *s, char *buf, size_t len);
/*
 * Whether @o is what @s asks for. Only a XFFW_SOCK_LOCAL owner can match;
 * unit and cgroup specs need its cgroup known, group specs its groups.
 */
bool owner_spec_matches(const struct owner_spec *s, const struct sock_owner *o);

#endif
