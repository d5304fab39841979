// SPDX-License-Identifier: BSD-2-Clause
/* `--trust-local SPEC`: parsed, printed, matched (owner_spec.h). */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity/owner_spec.h"

#define LOOKUP_BUF_MAX (1 << 20) /* getpwnam_r/getgrnam_r buffers grow to this at most */

static const char *const kind_names[] = {
	[OWNER_USER] = "user",
	[OWNER_GROUP] = "group",
	[OWNER_UNIT] = "unit",
	[OWNER_CGROUP] = "cgroup",
};

__attribute__((format(printf, 3, 4))) static int refuse(char *why, size_t whylen, const char *fmt,
							...)
{
	va_list ap;

	if (whylen) {
		va_start(ap, fmt);
		vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return -EINVAL;
}

/* A uid or gid written in decimal: 0 and *@id, -1 when @v is not one. (uint32_t)-1 is no id. */
static int parse_id(const char *v, uint32_t *id)
{
	uint64_t n = 0;

	if (!*v)
		return -1;
	for (const char *p = v; *p; p++) {
		if (*p < '0' || *p > '9')
			return -1;
		n = n * 10 + (uint64_t)(*p - '0');
		if (n >= UINT32_MAX)
			return -1;
	}
	*id = (uint32_t)n;
	return 0;
}

/* getpwnam_r (@group false) or getgrnam_r: 1 found with *@id, 0 not found, -errno. */
static int name_lookup(const char *name, bool group, uint32_t *id)
{
	size_t len = 16384;
	char *buf = NULL;
	int err;

	for (;;) {
		char *p = realloc(buf, len);
		struct passwd pw, *pwr = NULL;
		struct group gr, *grr = NULL;

		if (!p) {
			err = ENOMEM;
			break;
		}
		buf = p;
		if (group) {
			err = getgrnam_r(name, &gr, buf, len, &grr);
			if (!err && grr)
				*id = grr->gr_gid;
		} else {
			err = getpwnam_r(name, &pw, buf, len, &pwr);
			if (!err && pwr)
				*id = pwr->pw_uid;
		}
		if (err != ERANGE || len >= LOOKUP_BUF_MAX) {
			if (!err)
				err = group ? (grr ? -1 : 0) : (pwr ? -1 : 0);
			break;
		}
		len *= 2;
	}
	free(buf);
	/* -1 above stands for found */
	return err == -1 ? 1 : err == 0 || err == ENOENT || err == ESRCH ? 0 : -err;
}

static int parse_account(const char *v, enum owner_kind kind, struct owner_spec *out, char *why,
			 size_t whylen)
{
	const char *what = kind == OWNER_USER ? "user" : "group";
	int r;

	if (strlen(v) > OWNER_NAME_MAX)
		return refuse(why, whylen, "%s= name longer than %d bytes", what, OWNER_NAME_MAX);
	if (parse_id(v, &out->id) == 0)
		return 0;
	if (v[strspn(v, "0123456789")] == '\0')
		return refuse(why, whylen, "%s=%s is past the largest id", what, v);
	r = name_lookup(v, kind == OWNER_GROUP, &out->id);
	if (r < 0)
		return refuse(why, whylen, "cannot look up %s '%s': %s", what, v, strerror(-r));
	if (!r)
		return refuse(why, whylen, "no %s '%s' in the %s database", what, v,
			      kind == OWNER_USER ? "user" : "group");
	return 0;
}

/* systemd's unit name characters; '\' for its escapes ("dev-disk-by\x2duuid"). */
static bool unit_char(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
	       (ch && strchr(":_.@\\-", ch));
}

static int parse_unit(const char *v, struct owner_spec *out, char *why, size_t whylen)
{
	size_t n = strlen(v);
	bool dot = strchr(v, '.') != NULL;

	for (size_t i = 0; i < n; i++)
		if (!unit_char(v[i]))
			return refuse(why, whylen, "unit=%s: '%c' is not allowed in unit names", v,
				      v[i]);
	if (n + (dot ? 0 : strlen(".service")) > OWNER_UNIT_MAX - 1)
		return refuse(why, whylen, "unit= name longer than %d bytes", OWNER_UNIT_MAX - 1);
	snprintf(out->text, sizeof(out->text), "%s%s", v, dot ? "" : ".service");
	return 0;
}

/* The prefix with "//" collapsed and the trailing '/' dropped; "." and ".." refused. */
static int parse_cgroup(const char *v, struct owner_spec *out, char *why, size_t whylen)
{
	size_t w = 0;

	if (v[0] != '/')
		return refuse(why, whylen, "cgroup= must start with /");
	if (strlen(v) > CGROUP_PATH_MAX)
		return refuse(why, whylen, "cgroup= path longer than %d bytes", CGROUP_PATH_MAX);
	for (const char *c = v; *c;) {
		size_t n;

		while (*c == '/')
			c++;
		n = strcspn(c, "/");
		if (!n)
			break;
		if ((n == 1 && c[0] == '.') || (n == 2 && c[0] == '.' && c[1] == '.'))
			return refuse(why, whylen, "cgroup=%s: no . or .. components", v);
		out->text[w++] = '/';
		memcpy(out->text + w, c, n);
		w += n;
		c += n;
	}
	if (!w)
		out->text[w++] = '/';
	out->text[w] = '\0';
	return 0;
}

int owner_spec_parse(const char *s, struct owner_spec *out, char *why, size_t whylen)
{
	const char *eq = strchr(s, '=');
	const char *v;
	size_t klen;

	memset(out, 0, sizeof(*out));
	if (!eq)
		return refuse(why, whylen,
			      "'%s' is not user=NAME|UID, group=NAME|GID, unit=NAME or cgroup=PATH",
			      s);
	klen = (size_t)(eq - s);
	for (int k = OWNER_USER; k <= OWNER_CGROUP; k++)
		if (strlen(kind_names[k]) == klen && !memcmp(s, kind_names[k], klen))
			out->kind = (enum owner_kind)k;
	if (!out->kind)
		return refuse(why, whylen, "unknown kind '%.*s' (user, group, unit or cgroup)",
			      (int)(klen > 32 ? 32 : klen), s);
	v = eq + 1;
	if (!*v)
		return refuse(why, whylen, "%s= needs a value", kind_names[out->kind]);
	for (const char *p = v; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return refuse(why, whylen, "%s= has a control character",
				      kind_names[out->kind]);
	switch (out->kind) {
	case OWNER_USER:
	case OWNER_GROUP:
		if (parse_account(v, out->kind, out, why, whylen))
			return -EINVAL;
		strcpy(out->text, v);
		return 0;
	case OWNER_UNIT:
		return parse_unit(v, out, why, whylen);
	case OWNER_CGROUP:
		return parse_cgroup(v, out, why, whylen);
	}
	return -EINVAL;
}

void owner_spec_format(const struct owner_spec *s, char *buf, size_t len)
{
	const char *kind =
		s->kind >= OWNER_USER && s->kind <= OWNER_CGROUP ? kind_names[s->kind] : "?";

	snprintf(buf, len, "%s=%s", kind, s->text);
}

bool owner_spec_matches(const struct owner_spec *s, const struct sock_owner *o)
{
	if (!o || o->seen != XFFW_SOCK_LOCAL)
		return false;
	switch (s->kind) {
	case OWNER_USER:
		return o->uid == s->id;
	case OWNER_GROUP:
		for (size_t i = 0; i < o->ngids && i < OWNER_GROUPS_MAX; i++)
			if (o->gids[i] == s->id)
				return true;
		return false;
	case OWNER_UNIT:
		return o->cgroup_known && cgroup_path_in_unit(o->cgroup, s->text);
	case OWNER_CGROUP:
		return o->cgroup_known && cgroup_path_under(o->cgroup, s->text);
	}
	return false;
}
