// SPDX-License-Identifier: BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/config_file.h"
#include "util/log.h"

/* A configuration file is a few KiB; this bounds what a wrong path makes us read. */
#define CONF_SIZE_MAX (1 << 20)

struct loader {
	const char *path;
	struct options *o;
	char *err;
	size_t errlen;
};

/* "trust.proxies[1]" for a setting, for error messages. */
static void setting_path(const config_setting_t *s, char *buf, size_t len)
{
	const config_setting_t *parent = config_setting_parent(s);
	char up[256] = "";
	const char *name = config_setting_name(s);

	if (!parent || config_setting_is_root(parent)) {
		snprintf(buf, len, "%s", name ? name : "");
		return;
	}
	setting_path(parent, up, sizeof(up));
	if (name)
		snprintf(buf, len, "%s%s%s", up, up[0] ? "." : "", name);
	else
		snprintf(buf, len, "%s[%d]", up, config_setting_index(s));
}

static int bad(struct loader *l, const config_setting_t *s, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int bad(struct loader *l, const config_setting_t *s, const char *fmt, ...)
{
	char path[256], msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	setting_path(s, path, sizeof(path));
	snprintf(l->err, l->errlen, "%s:%u: %s: %s", l->path, config_setting_source_line(s), path,
		 msg);
	return -EINVAL;
}

static const char *type_name(const config_setting_t *s)
{
	switch (config_setting_type(s)) {
	case CONFIG_TYPE_GROUP:
		return "a group";
	case CONFIG_TYPE_INT:
	case CONFIG_TYPE_INT64:
		return "a number";
	case CONFIG_TYPE_FLOAT:
		return "a decimal number";
	case CONFIG_TYPE_STRING:
		return "a string";
	case CONFIG_TYPE_BOOL:
		return "true or false";
	case CONFIG_TYPE_ARRAY:
		return "an array";
	case CONFIG_TYPE_LIST:
		return "a list";
	}
	return "something else";
}

/*
 * An integer setting's value. Every integer literal is read as 64 bits (see
 * widen_integers), so a value past 32 bits is itself, not modulo 2^32, and
 * the same bounds as the flag's apply. Returns false for another type.
 */
static bool integer_of(const config_setting_t *s, long long *v)
{
	if (config_setting_type(s) != CONFIG_TYPE_INT &&
	    config_setting_type(s) != CONFIG_TYPE_INT64)
		return false;
	*v = config_setting_get_int64(s);
	return true;
}

/*
 * A number setting as the text its flag takes, for the flag's own parser and
 * bounds; decimals only when @decimals. Returns false for another type.
 */
static bool number_text(const config_setting_t *s, bool decimals, char text[32])
{
	long long v;

	if (integer_of(s, &v))
		snprintf(text, 32, "%lld", v);
	else if (decimals && config_setting_type(s) == CONFIG_TYPE_FLOAT)
		snprintf(text, 32, "%.3f", config_setting_get_float(s));
	else
		return false;
	return true;
}

/* A string, or an array/list of strings: calls @fn on each (the setting of each for errors). */
static int each_string(struct loader *l, const config_setting_t *s,
		       int (*fn)(struct loader *, const config_setting_t *, const char *, void *),
		       void *arg)
{
	int n, err;

	if (config_setting_type(s) == CONFIG_TYPE_STRING)
		return fn(l, s, config_setting_get_string(s), arg);
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return bad(l, s, "is %s; expected a string or a list of strings", type_name(s));
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		const config_setting_t *e = config_setting_get_elem(s, (unsigned int)i);

		if (config_setting_type(e) != CONFIG_TYPE_STRING)
			return bad(l, e, "is %s; expected a string", type_name(e));
		err = fn(l, e, config_setting_get_string(e), arg);
		if (err)
			return err;
	}
	return 0;
}

static int one_iface(struct loader *l, const config_setting_t *s, const char *v, void *arg)
{
	char why[256];

	(void)arg;
	return add_iface(l->o, v, why, sizeof(why)) ? bad(l, s, "%s", why) : 0;
}

struct cidr_target {
	struct ip_cidr *list;
	size_t *n;
};

static int one_cidr(struct loader *l, const config_setting_t *s, const char *v, void *arg)
{
	struct cidr_target *t = arg;
	char why[256];

	if (strchr(v, ','))
		return bad(l, s, "'%s': one CIDR per string", v);
	return parse_cidr_list(v, t->list, t->n, why, sizeof(why)) ? bad(l, s, "%s", why) : 0;
}

static int one_header(struct loader *l, const config_setting_t *s, const char *v, void *arg)
{
	char why[256];

	if (strchr(v, ','))
		return bad(l, s, "'%s': one header per string", v);
	return parse_header_list(v, arg, why, sizeof(why)) ? bad(l, s, "%s", why) : 0;
}

static int one_port(struct loader *l, const config_setting_t *s)
{
	char why[256], buf[32];

	if (number_text(s, false, buf)) {
		/* the flag's parser: 1-65535 */
	} else if (config_setting_type(s) == CONFIG_TYPE_STRING) {
		snprintf(buf, sizeof(buf), "%s", config_setting_get_string(s));
		if (strchr(buf, ','))
			return bad(l, s, "'%s': one port or range per item", buf);
	} else {
		return bad(l, s, "is %s; expected a port number or a \"N-M\" range", type_name(s));
	}
	return parse_port_list(buf, &l->o->ports, why, sizeof(why)) ? bad(l, s, "%s", why) : 0;
}

static int ports(struct loader *l, const config_setting_t *s)
{
	int n, err;

	memset(&l->o->ports, 0, sizeof(l->o->ports));
	if (!config_setting_is_array(s) && !config_setting_is_list(s))
		return one_port(l, s);
	n = config_setting_length(s);
	for (int i = 0; i < n; i++) {
		err = one_port(l, config_setting_get_elem(s, (unsigned int)i));
		if (err)
			return err;
	}
	return 0;
}

static int one_output(struct loader *l, const config_setting_t *s, const char *v, void *arg)
{
	char why[256];

	return add_output(l->o, v, arg, why, sizeof(why)) ? bad(l, s, "%s", why) : 0;
}

static int one_syslog(struct loader *l, const config_setting_t *s, const char *v, void *arg)
{
	char why[256];

	return add_syslog(l->o, v, arg, why, sizeof(why)) ? bad(l, s, "%s", why) : 0;
}

/* A string setting's value, or an error naming what was expected. */
static const char *string_of(struct loader *l, const config_setting_t *s, const char *what)
{
	const char *v = config_setting_get_string(s);

	if (!v)
		bad(l, s, "is %s; expected %s", type_name(s), what);
	return v;
}

static int boolean(struct loader *l, const config_setting_t *s, bool *v);

/* One setting of the files group; -ENOENT when @s is not one. */
static int files_member(struct loader *l, const config_setting_t *s)
{
	struct file_opts *f = &l->o->files;
	const char *name = config_setting_name(s), *v;
	char why[256], text[32];
	int err = 0;

	if (!strcmp(name, "rotate_daily"))
		return boolean(l, s, &f->rotate_daily);
	if (!strcmp(name, "retain_days") || !strcmp(name, "fsync_interval")) {
		if (!number_text(s, true, text))
			return bad(l, s, "is %s; expected a number", type_name(s));
		if (name[0] == 'r')
			err = parse_retain_days(text, &f->retain_days, why, sizeof(why));
		else
			err = parse_fsync_interval(text, &f->fsync_ms, why, sizeof(why));
		return err ? bad(l, s, "%s", why) : 0;
	}
	if (!strcmp(name, "mode") || !strcmp(name, "owner") || !strcmp(name, "group") ||
	    !strcmp(name, "rotate_size")) {
		if (!(v = string_of(l, s, "a string")))
			return -EINVAL;
		if (name[0] == 'm')
			err = parse_mode(v, &f->mode, why, sizeof(why));
		else if (name[0] == 'r')
			err = parse_rotate_size(v, &f->rotate_size, why, sizeof(why));
		else
			err = parse_account(v, name[0] == 'o' ? f->owner : f->group,
					    sizeof(f->owner), "user or group", why, sizeof(why));
		return err ? bad(l, s, "%s", why) : 0;
	}
	return -ENOENT;
}

/* Each member of group @g through @member; @names lists them for an unknown one. */
static int group_members(struct loader *l, const config_setting_t *g,
			 int (*member)(struct loader *, const config_setting_t *),
			 const char *names)
{
	int n, err;

	if (!config_setting_is_group(g))
		return bad(l, g, "is %s; expected a group { ... }", type_name(g));
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned int)i);

		err = member(l, s);
		if (err == -ENOENT)
			return bad(l, s, "unknown setting (%s)", names);
		if (err)
			return err;
	}
	return 0;
}

static int files_group(struct loader *l, const config_setting_t *g)
{
	return group_members(l, g, files_member,
			     "mode, owner, group, rotate_size, rotate_daily, retain_days, "
			     "fsync_interval");
}

/* One setting of the privacy group; -ENOENT when @s is not one. */
static int privacy_member(struct loader *l, const config_setting_t *s)
{
	struct privacy_opts *p = &l->o->privacy;
	const char *name = config_setting_name(s), *v;
	char why[256];

	if (!strcmp(name, "keep_query"))
		return boolean(l, s, &p->keep_query);
	if (!strcmp(name, "user_agent"))
		return boolean(l, s, &p->user_agent);
	if (!strcmp(name, "pseudonymize")) {
		if (!(v = string_of(l, s, "none, truncate or hmac")))
			return -EINVAL;
		if (parse_pseudonymize(v, &p->pseudonymize, why, sizeof(why)))
			return bad(l, s, "%s", why);
		return 0;
	}
	if (!strcmp(name, "hmac_key")) {
		if (!(v = string_of(l, s, "a file name")))
			return -EINVAL;
		if (!v[0] || strlen(v) >= sizeof(p->hmac_key))
			return bad(l, s, "expected a file name");
		strcpy(p->hmac_key, v);
		return 0;
	}
	return -ENOENT;
}

static int privacy_group(struct loader *l, const config_setting_t *g)
{
	return group_members(l, g, privacy_member,
			     "pseudonymize, hmac_key, keep_query, user_agent");
}

static int boolean(struct loader *l, const config_setting_t *s, bool *v)
{
	if (config_setting_type(s) != CONFIG_TYPE_BOOL)
		return bad(l, s, "is %s; expected true or false", type_name(s));
	*v = config_setting_get_bool(s);
	return 0;
}

static int hops(struct loader *l, const config_setting_t *s, int *v)
{
	long long n;

	if (config_setting_type(s) == CONFIG_TYPE_STRING &&
	    !strcmp(config_setting_get_string(s), "off")) {
		*v = -1;
		return 0;
	}
	if (!integer_of(s, &n))
		return bad(l, s, "is %s; expected a hop count (0-%d) or \"off\"", type_name(s),
			   OPT_MAX_HOPS);
	if (n < 0 || n > OPT_MAX_HOPS)
		return bad(l, s, "%lld is not a hop count (0-%d)", n, OPT_MAX_HOPS);
	*v = (int)n;
	return 0;
}

/* The trust settings shared by `trust` and each listener. -ENOENT: @s is not one of them. */
static int rule_member(struct loader *l, const config_setting_t *s, struct rule_opts *r)
{
	const char *name = config_setting_name(s);

	if (!strcmp(name, "proxies")) {
		struct cidr_target t = { r->trusted, &r->ntrusted };

		r->ntrusted = 0;
		r->set_trusted = true;
		return each_string(l, s, one_cidr, &t);
	}
	if (!strcmp(name, "external_proxies")) {
		struct cidr_target t = { r->external, &r->nexternal };

		r->nexternal = 0;
		r->set_external = true;
		return each_string(l, s, one_cidr, &t);
	}
	if (!strcmp(name, "headers")) {
		r->nheaders = 0;
		r->set_headers = true;
		if (!config_setting_length(s) && config_setting_type(s) != CONFIG_TYPE_STRING)
			return bad(l, s, "needs at least one header");
		return each_string(l, s, one_header, r);
	}
	if (!strcmp(name, "recursive")) {
		r->set_recursive = true;
		return boolean(l, s, &r->recursive);
	}
	if (!strcmp(name, "hops")) {
		r->set_hops = true;
		return hops(l, s, &r->hops);
	}
	return -ENOENT;
}

static int global_rule_member(struct loader *l, const config_setting_t *s)
{
	return rule_member(l, s, &l->o->global);
}

static int trust_group(struct loader *l, const config_setting_t *g)
{
	return group_members(l, g, global_rule_member,
			     "proxies, external_proxies, headers, recursive, hops");
}

static int listener(struct loader *l, const config_setting_t *g, struct rule_opts *r)
{
	int n, err;

	memset(r, 0, sizeof(*r));
	r->hops = -1;
	if (!config_setting_is_group(g))
		return bad(l, g, "is %s; expected a group { port = ...; ... }", type_name(g));
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *s = config_setting_get_elem(g, (unsigned int)i);
		const char *name = config_setting_name(s);
		char why[256];

		if (!strcmp(name, "port")) {
			long long p;

			if (!integer_of(s, &p))
				return bad(l, s, "is %s; expected a port number (1-65535)",
					   type_name(s));
			if (p < 1 || p > 65535)
				return bad(l, s, "'%lld' is not a port number (1-65535)", p);
			r->port = (unsigned int)p;
		} else if (!strcmp(name, "interface")) {
			const char *v = config_setting_get_string(s);

			if (!v)
				return bad(l, s, "expected an interface name");
			if (check_iface_name(v, why, sizeof(why)))
				return bad(l, s, "%s", why);
			strcpy(r->iface, v);
		} else {
			err = rule_member(l, s, r);
			if (err == -ENOENT)
				return bad(l, s,
					   "unknown setting (port, interface, proxies, "
					   "external_proxies, headers, "
					   "recursive, hops)");
			if (err)
				return err;
		}
	}
	if (!r->port && !r->iface[0])
		return bad(l, g, "a listener needs a port or an interface");
	return 0;
}

static int listeners(struct loader *l, const config_setting_t *s)
{
	int n, err;

	if (!config_setting_is_list(s))
		return bad(l, s, "is %s; expected a list ( { ... }, ... )", type_name(s));
	n = config_setting_length(s);
	if (n > OPT_MAX_LISTENERS)
		return bad(l, s, "more than %d listeners", OPT_MAX_LISTENERS);
	l->o->nlisteners = 0;
	for (int i = 0; i < n; i++) {
		err = listener(l, config_setting_get_elem(s, (unsigned int)i),
			       &l->o->listeners[l->o->nlisteners]);
		if (err)
			return err;
		l->o->nlisteners++;
	}
	return 0;
}

static int top_level(struct loader *l, const config_setting_t *s)
{
	const char *name = config_setting_name(s);
	struct options *o = l->o;
	char why[256];

	if (!strcmp(name, "interfaces")) {
		o->nifaces = 0;
		if ((config_setting_is_array(s) || config_setting_is_list(s)) &&
		    !config_setting_length(s))
			return bad(l, s, "needs at least one interface");
		return each_string(l, s, one_iface, NULL);
	}
	if (!strcmp(name, "ports")) {
		if ((config_setting_is_array(s) || config_setting_is_list(s)) &&
		    !config_setting_length(s))
			return bad(l, s, "needs at least one port");
		return ports(l, s);
	}
	if (!strcmp(name, "output")) {
		bool replaced = true;

		/* An empty list means no file and no standard output (syslog only). */
		o->noutputs = 0;
		o->outputs_default = false;
		return each_string(l, s, one_output, &replaced);
	}
	if (!strcmp(name, "syslog")) {
		bool replaced = false;

		o->nsyslogs = 0;
		replaced = true;
		return each_string(l, s, one_syslog, &replaced);
	}
	if (!strcmp(name, "syslog_facility")) {
		const char *v = string_of(l, s, "a facility name");

		if (!v)
			return -EINVAL;
		return parse_facility(v, &o->syslog_facility, why, sizeof(why))
			       ? bad(l, s, "%s", why)
			       : 0;
	}
	if (!strcmp(name, "queue")) {
		const char *v = string_of(l, s, "a size (\"8M\")");

		if (!v)
			return -EINVAL;
		return parse_queue_size(v, &o->queue_bytes, why, sizeof(why)) ? bad(l, s, "%s", why)
									      : 0;
	}
	if (!strcmp(name, "user")) {
		const char *v = string_of(l, s, "a user name");

		if (!v)
			return -EINVAL;
		return parse_account(v, o->user, sizeof(o->user), "user", why, sizeof(why))
			       ? bad(l, s, "%s", why)
			       : 0;
	}
	/* The names the audit-trail settings were specified with also work at the top. */
	if (!strcmp(name, "pseudonymize") || !strcmp(name, "hmac_key") ||
	    !strcmp(name, "keep_query") || !strcmp(name, "user_agent"))
		return privacy_member(l, s);
	if (!strcmp(name, "retain_days") || !strcmp(name, "rotate_size") ||
	    !strcmp(name, "rotate_daily") || !strcmp(name, "fsync_interval"))
		return files_member(l, s);
	if (!strcmp(name, "files"))
		return files_group(l, s);
	if (!strcmp(name, "privacy"))
		return privacy_group(l, s);
	if (!strcmp(name, "attach")) {
		const char *v = config_setting_get_string(s);

		if (!v)
			return bad(l, s, "expected \"auto\", \"tcx\" or \"tc\"");
		return parse_attach(v, &o->attach, why, sizeof(why)) ? bad(l, s, "%s", why) : 0;
	}
	if (!strcmp(name, "response_timeout")) {
		char text[32];

		if (!number_text(s, true, text))
			return bad(l, s, "is %s; expected a number of seconds", type_name(s));
		return parse_seconds(text, &o->response_timeout_ms, OPT_RESPONSE_TIMEOUT_MS_MAX,
				     why, sizeof(why))
			       ? bad(l, s, "%s", why)
			       : 0;
	}
	if (!strcmp(name, "head_budget") || !strcmp(name, "flows")) {
		bool budget = name[0] == 'h';
		char text[32];

		if (!number_text(s, false, text))
			return bad(l, s, "is %s; expected a number", type_name(s));
		return parse_uint_range(text, budget ? OPT_HEAD_BUDGET_MIN : OPT_FLOWS_MIN,
					budget ? XFFW_HEAD_HARD_MAX : OPT_FLOWS_MAX,
					budget ? &o->head_budget : &o->flows, why, sizeof(why))
			       ? bad(l, s, "%s", why)
			       : 0;
	}
	if (!strcmp(name, "netns")) {
		const char *v = config_setting_get_string(s);

		if (!v)
			return bad(l, s, "expected a namespace name or path, or \"\"");
		if (!v[0]) {
			o->netns[0] = '\0';
			return 0;
		}
		return parse_netns(v, o->netns, sizeof(o->netns), why, sizeof(why))
			       ? bad(l, s, "%s", why)
			       : 0;
	}
	if (!strcmp(name, "stats")) {
		const char *v = config_setting_get_string(s);

		if (!v || strlen(v) >= sizeof(o->stats))
			return bad(l, s, "expected a file name, or \"\" for none");
		strcpy(o->stats, v);
		return 0;
	}
	if (!strcmp(name, "trust"))
		return trust_group(l, s);
	if (!strcmp(name, "listeners"))
		return listeners(l, s);
	return bad(l, s,
		   "unknown setting (interfaces, netns, ports, output, syslog, syslog_facility, "
		   "files, queue, privacy, user, attach, response_timeout, head_budget, flows, "
		   "stats, trust, listeners)");
}

static size_t count_digits(const char *t, size_t len, size_t i, bool hex)
{
	size_t j = i;

	while (j < len && ((t[j] >= '0' && t[j] <= '9') ||
			   (hex && ((t[j] >= 'a' && t[j] <= 'f') || (t[j] >= 'A' && t[j] <= 'F')))))
		j++;
	return j - i;
}

/* Length of libconfig's [eE][-+]?[0-9]+ at @i, or 0. */
static size_t exponent_len(const char *t, size_t len, size_t i)
{
	size_t j = i + 1, d;

	if (i >= len || (t[i] != 'e' && t[i] != 'E'))
		return 0;
	if (j < len && (t[j] == '-' || t[j] == '+'))
		j++;
	d = count_digits(t, len, j, false);
	return d ? j + d - i : 0;
}

/* Length of libconfig's float at @i ("1.5", "-.5", "2e3", "7."), or 0. */
static size_t float_len(const char *t, size_t len, size_t i)
{
	size_t j = i, d, e;

	if (j < len && (t[j] == '-' || t[j] == '+'))
		j++;
	d = count_digits(t, len, j, false);
	j += d;
	if (j < len && t[j] == '.') {
		j++;
		j += count_digits(t, len, j, false);
		return j + exponent_len(t, len, j) - i;
	}
	e = d ? exponent_len(t, len, j) : 0;
	return e ? j + e - i : 0;
}

/*
 * libconfig's integer at @i: [-+]?[0-9]+ or 0[Xx][0-9A-Fa-f]+, then L or LL.
 * Returns its length (0: none), the length without the suffix in @core, and
 * whether its value fits in 64 bits in @fits.
 */
static size_t integer_len(const char *t, size_t len, size_t i, size_t *core, bool *fits)
{
	bool hex = i + 2 < len && t[i] == '0' && (t[i + 1] == 'x' || t[i + 1] == 'X') &&
		   count_digits(t, len, i + 2, true);
	unsigned long long v = 0, limit = (unsigned long long)LLONG_MAX;
	size_t j = i, d, n;

	if (hex) {
		j += 2;
	} else if (j < len && (t[j] == '-' || t[j] == '+')) {
		if (t[j] == '-')
			limit++; /* -2^63 */
		j++;
	}
	d = count_digits(t, len, j, hex);
	if (!d)
		return 0;
	*fits = true;
	for (size_t k = j; k < j + d; k++) {
		unsigned int digit = t[k] <= '9' ? (unsigned int)(t[k] - '0')
						 : (unsigned int)((t[k] | 0x20) - 'a' + 10);

		if (v > (limit - digit) / (hex ? 16 : 10)) {
			*fits = false;
			break;
		}
		v = v * (hex ? 16 : 10) + digit;
	}
	n = *core = j + d - i;
	if (i + n < len && t[i + n] == 'L')
		n++;
	if (n > *core && i + n < len && t[i + n] == 'L')
		n++;
	return n;
}

/*
 * The text of a configuration file with every integer literal marked 64-bit
 * ("L"): Debian's libconfig 1.5 reads a plain one into 32 bits, modulo 2^32
 * (hops = 4294967297 would be 1), and an array may not mix the two widths.
 * The scan follows libconfig's scanner: strings, comments and names are
 * copied as they are; of two readings the longer one wins, as in flex. Also
 * refuses what the scan cannot vouch for: NUL bytes, literals beyond 64 bits,
 * and @include (a file libconfig would open itself, unchecked). Writes the
 * new text, NUL-terminated, to @out (2 * @len + 1 bytes). Returns 0, or
 * -EINVAL with "LINE: what" in @why.
 */
static int widen_integers(const char *t, size_t len, char *out, char *why, size_t whylen)
{
	const char *nul = memchr(t, '\0', len);
	unsigned int line = 1;
	char *w = out;
	size_t i = 0;

	if (nul) {
		for (const char *c = t; c < nul; c++)
			line += *c == '\n';
		snprintf(why, whylen, "%u: a NUL byte", line);
		return -EINVAL;
	}
	while (i < len) {
		size_t from = i, n = 1, core = 0, fl, il;
		bool fits = true;
		char c = t[i];

		if (c == '"') {
			for (n = 1; i + n < len && t[i + n] != '"'; n++)
				if (t[i + n] == '\\' && i + n + 1 < len)
					n++;
			n = i + n < len ? n + 1 : n;
		} else if (c == '#' || (c == '/' && i + 1 < len && t[i + 1] == '/')) {
			while (i + n < len && t[i + n] != '\n')
				n++;
		} else if (c == '/' && i + 1 < len && t[i + 1] == '*') {
			const char *end = memmem(t + i + 2, len - i - 2, "*/", 2);

			n = end ? (size_t)(end + 2 - (t + i)) : len - i;
		} else if (isalpha((unsigned char)c) || c == '*') {
			while (i + n < len &&
			       (isalnum((unsigned char)t[i + n]) || t[i + n] == '-' ||
				t[i + n] == '_' || t[i + n] == '*'))
				n++;
		} else if (c == '@' && len - i >= 8 && !memcmp(t + i, "@include", 8)) {
			snprintf(why, whylen, "%u: @include is not supported", line);
			return -EINVAL;
		} else if ((il = integer_len(t, len, i, &core, &fits)) &&
			   il >= (fl = float_len(t, len, i))) {
			if (!fits) {
				snprintf(why, whylen,
					 "%u: %.*s%s: a number out of the 64-bit range", line,
					 (int)(core > 40 ? 40 : core), t + i,
					 core > 40 ? "..." : "");
				return -EINVAL;
			}
			n = il;
			memcpy(w, t + i, n);
			w += n;
			if (n == core)
				*w++ = 'L';
			i += n;
			continue;
		} else if ((fl = float_len(t, len, i))) {
			n = fl;
		}
		for (i = from; i < from + n; i++)
			if (t[i] == '\n')
				line++;
		memcpy(w, t + from, n);
		w += n;
	}
	*w = '\0';
	return 0;
}

/*
 * Opens @path without blocking (a FIFO would wait for a writer forever) and
 * reads it whole, if it is a regular file: libconfig's scanner exits the
 * process on a directory. Returns 0 with the text in *@text (to free), or
 * -errno with "PATH: what" in @err.
 */
static int read_regular(const char *path, char **text, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	size_t have = 0;
	char *buf = NULL;
	int fd, rc = 0;

	fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		return rc;
	}
	if (fstat(fd, &st)) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(-rc));
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		rc = -EINVAL;
		goto out;
	}
	if (st.st_size > CONF_SIZE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, CONF_SIZE_MAX);
		rc = -EFBIG;
		goto out;
	}
	/* One byte more than the limit: a file that grew since fstat is caught too. */
	buf = malloc(CONF_SIZE_MAX + 1);
	if (!buf) {
		rc = -ENOMEM;
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		goto out;
	}
	for (;;) {
		ssize_t n = read(fd, buf + have, CONF_SIZE_MAX + 1 - have);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(-rc));
			goto out;
		}
		if (n == 0)
			break;
		have += (size_t)n;
		if (have > CONF_SIZE_MAX) {
			snprintf(err, errlen, "%s: larger than %d bytes", path, CONF_SIZE_MAX);
			rc = -EFBIG;
			goto out;
		}
	}
	*text = buf;
	*len = have;
	buf = NULL;
out:
	free(buf);
	close(fd);
	return rc;
}

int conf_load(struct options *o, const char *path, bool must_exist, char *err, size_t errlen)
{
	struct loader l = { .path = path, .o = o, .err = err, .errlen = errlen };
	const config_setting_t *root;
	char *text = NULL, *wide = NULL, why[160];
	config_t cfg;
	size_t len = 0;
	int rc;

	rc = read_regular(path, &text, &len, err, errlen);
	if (rc == -ENOENT && !must_exist)
		return 0;
	if (rc)
		return rc == -ENOENT ? -ENOENT : -EINVAL;
	wide = malloc(2 * len + 1);
	if (!wide) {
		free(text);
		snprintf(err, errlen, "%s: %s", path, strerror(ENOMEM));
		return -EINVAL;
	}
	rc = widen_integers(text, len, wide, why, sizeof(why));
	free(text);
	if (rc) {
		free(wide);
		snprintf(err, errlen, "%s:%s", path, why);
		return rc;
	}
	config_init(&cfg);
	if (!config_read_string(&cfg, wide)) {
		snprintf(err, errlen, "%s:%d: %s", path, config_error_line(&cfg),
			 config_error_text(&cfg));
		rc = -EINVAL;
		goto cleanup;
	}
	root = config_root_setting(&cfg);
	for (int i = 0; i < config_setting_length(root) && !rc; i++)
		rc = top_level(&l, config_setting_get_elem(root, (unsigned int)i));

cleanup:
	config_destroy(&cfg);
	free(wide);
	return rc;
}

/* A size as parse_size() reads it: with the largest suffix that divides it. */
static void print_size(char out[32], uint64_t v)
{
	static const char suffix[] = "GMK";

	for (int i = 0; i < 3; i++) {
		uint64_t unit = 1ULL << (10 * (3 - i));

		if (v && v % unit == 0) {
			snprintf(out, 32, "%llu%c", (unsigned long long)(v / unit), suffix[i]);
			return;
		}
	}
	snprintf(out, 32, "%llu", (unsigned long long)v);
}

/* @len bytes of @s as log_escape() writes them: no control byte reaches the terminal. */
static void print_escaped(FILE *f, const char *s, size_t len)
{
	char buf[4 * PATH_MAX + 1]; /* the longest setting, every byte escaped */

	log_escape(buf, sizeof(buf), s, len, false);
	fputs(buf, f);
}

/*
 * A string in libconfig syntax: quoted, '"' and '\\' escaped with a backslash,
 * the rest as print_escaped() writes it (libconfig reads \n, \t, \r and \xNN
 * back).
 */
static void print_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (;;) {
		size_t n = strcspn(s, "\"\\");

		print_escaped(f, s, n);
		if (!s[n])
			break;
		fputc('\\', f);
		fputc(s[n], f);
		s += n + 1;
	}
	fputc('"', f);
}

static void print_cidrs(FILE *f, const struct ip_cidr *c, size_t n)
{
	fputs("[ ", f);
	for (size_t i = 0; i < n; i++) {
		char buf[IP_STR_MAX + 4];

		ip_cidr_format(&c[i], buf);
		fprintf(f, "%s\"%s\"", i ? ", " : "", buf);
	}
	fputs(n ? " ]" : "]", f);
}

static void print_headers(FILE *f, const unsigned int *h, size_t n)
{
	fputs("[ ", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", field_key(h[i]));
	fputs(" ]", f);
}

static void print_rule_body(FILE *f, const struct trust_rule *r, const char *indent)
{
	fprintf(f, "%sproxies = ", indent);
	print_cidrs(f, r->trusted, r->ntrusted);
	if (r->nexternal) {
		fprintf(f, ";\n%sexternal_proxies = ", indent);
		print_cidrs(f, r->external, r->nexternal);
	}
	fprintf(f, ";\n%sheaders = ", indent);
	print_headers(f, r->headers, r->nheaders);
	fprintf(f, ";\n%srecursive = %s;\n", indent, r->recursive ? "true" : "false");
	if (r->hops >= 0)
		fprintf(f, "%shops = %d;\n", indent, r->hops);
}

/* One line in plain words: what the rule does. */
static void describe_rule(FILE *f, const struct trust_rule *r)
{
	fputs("#   ", f);
	if (r->port || r->iface[0]) {
		if (r->port)
			fprintf(f, "port %u", r->port);
		if (r->iface[0]) {
			fputs(r->port ? " on " : "on ", f);
			print_escaped(f, r->iface, strlen(r->iface));
		}
	} else {
		fputs("everything else", f);
	}
	fputs(": ", f);
	if (r->hops >= 0) {
		fprintf(f, "the client is hop %d from the right of ", r->hops);
	} else {
		fprintf(f, "%zu trusted CIDR%s", r->ntrusted, r->ntrusted == 1 ? "" : "s");
		if (r->nexternal)
			fprintf(f, " and %zu external", r->nexternal);
		fputs("; ", f);
		fprintf(f, "%s walk of ", r->recursive ? "recursive" : "rightmost-only");
	}
	for (size_t i = 0; i < r->nheaders; i++)
		fprintf(f, "%s%s", i ? (i + 1 == r->nheaders ? " or " : ", ") : "",
			field_key(r->headers[i]));
	fputs(r->nheaders > 1 ? " (first present)\n" : "\n", f);
}

void conf_print(FILE *f, const struct options *o)
{
	char size[32];
	static const char *const attach[] = { "auto", "tcx", "tc" };
	const struct trust_rule *g = &o->rules[o->nrules - 1];
	bool first = true;

	fputs("# Effective settings (defaults, then the configuration file, then flags).\n", f);
	fputs("# Rules, in the order they are tried:\n", f);
	for (size_t i = 0; i < o->nrules; i++)
		describe_rule(f, &o->rules[i]);
	fputs("interfaces = [ ", f);
	for (size_t i = 0; i < o->nifaces; i++) {
		fputs(i ? ", " : "", f);
		print_str(f, o->ifaces[i]);
	}
	/* A list, not an array: numbers and "N-M" strings may mix in it. */
	fputs(" ];\nports = ( ", f);
	for (unsigned int p = 1; p <= 65535; p++) {
		unsigned int q = p;

		if (!port_set_has(&o->ports, p))
			continue;
		while (q < 65535 && port_set_has(&o->ports, q + 1))
			q++;
		if (q > p)
			fprintf(f, "%s\"%u-%u\"", first ? "" : ", ", p, q);
		else
			fprintf(f, "%s%u", first ? "" : ", ", p);
		first = false;
		p = q;
	}
	fputs(" );\noutput = [", f);
	for (size_t i = 0; i < o->noutputs; i++) {
		fputs(i ? ", " : " ", f);
		print_str(f, o->outputs[i]);
	}
	fputs(" ];\nsyslog = [", f);
	for (size_t i = 0; i < o->nsyslogs; i++) {
		fputs(i ? ", " : " ", f);
		print_str(f, o->syslogs[i]);
	}
	fprintf(f, " ];\nsyslog_facility = \"%s\";\nfiles = {\n  mode = \"%04o\";\n",
		facility_name(o->syslog_facility), o->files.mode);
	if (o->files.owner[0]) {
		fputs("  owner = ", f);
		print_str(f, o->files.owner);
		fputs(";\n", f);
	}
	if (o->files.group[0]) {
		fputs("  group = ", f);
		print_str(f, o->files.group);
		fputs(";\n", f);
	}
	if (o->files.rotate_size) {
		print_size(size, o->files.rotate_size);
		fprintf(f, "  rotate_size = \"%s\";\n", size);
	}
	fprintf(f, "  rotate_daily = %s;\n  retain_days = %u;\n  fsync_interval = %u.%03u;\n};\n",
		o->files.rotate_daily ? "true" : "false", o->files.retain_days,
		o->files.fsync_ms / 1000, o->files.fsync_ms % 1000);
	print_size(size, o->queue_bytes);
	fprintf(f, "queue = \"%s\";\nprivacy = {\n  pseudonymize = \"%s\";\n", size,
		o->privacy.pseudonymize == PSEUDO_HMAC	     ? "hmac"
		: o->privacy.pseudonymize == PSEUDO_TRUNCATE ? "truncate"
							     : "none");
	if (o->privacy.hmac_key[0]) {
		fputs("  hmac_key = ", f);
		print_str(f, o->privacy.hmac_key);
		fputs(";\n", f);
	}
	fprintf(f, "  keep_query = %s;\n  user_agent = %s;\n};\nuser = ",
		o->privacy.keep_query ? "true" : "false", o->privacy.user_agent ? "true" : "false");
	print_str(f, o->user);
	fputs(";\nstats = ", f);
	print_str(f, o->stats);
	fputs(";\nnetns = ", f);
	print_str(f, o->netns);
	fprintf(f, ";\nattach = \"%s\";\n", attach[o->attach]);
	if (o->response_timeout_ms % 1000)
		fprintf(f, "response_timeout = %u.%03u;\n", o->response_timeout_ms / 1000,
			o->response_timeout_ms % 1000);
	else
		fprintf(f, "response_timeout = %u;\n", o->response_timeout_ms / 1000);
	fprintf(f, "head_budget = %u;\nflows = %u;\ntrust = {\n", o->head_budget, o->flows);
	print_rule_body(f, g, "  ");
	fputs("};\n", f);
	if (!o->nlisteners)
		return;
	fputs("listeners = (\n", f);
	for (size_t i = 0; i + 1 < o->nrules; i++) {
		const struct trust_rule *r = &o->rules[i];

		fputs("  {\n", f);
		if (r->port)
			fprintf(f, "    port = %u;\n", r->port);
		if (r->iface[0]) {
			fputs("    interface = ", f);
			print_str(f, r->iface);
			fputs(";\n", f);
		}
		print_rule_body(f, r, "    ");
		fprintf(f, "  }%s\n", i + 2 < o->nrules ? "," : "");
	}
	fputs(");\n", f);
}
