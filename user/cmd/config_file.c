// SPDX-License-Identifier: BSD-2-Clause
#include <ctype.h>
#include <errno.h>
#include <libconfig.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/config_file.h"
#include "cmd/setting_types.h"
#include "util/file_open.h"

/* A configuration file is a few KiB; this bounds what a wrong path makes us read. */
#define CONF_SIZE_MAX (1 << 20)

struct loader {
	const char *path;
	struct options *o;
	struct setting_target t; /* where rows write: the global rule, or a listener's */
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

/* A value of the wrong type: "is a number; expected X" (or "expected X"). */
static int wrong_type(struct loader *l, const config_setting_t *cs, const struct setting *s)
{
	if (s->flags & S_BARE_EXPECT)
		return bad(l, cs, "expected %s", s->expect);
	return bad(l, cs, "is %s; expected %s", type_name(cs), s->expect);
}

/* @text through the row's parser (the flag's), its reason the error. */
static int parse_text(struct loader *l, const config_setting_t *cs, const struct setting *s,
		      const char *text)
{
	char why[256];

	if (!setting_parse(s, &l->t, text, why, sizeof(why)))
		return 0;
	if (s->type->shape == SHAPE_PATH)
		return bad(l, cs, "expected %s", s->expect);
	return bad(l, cs, "%s", why);
}

/* One item of a list: a string, or for ports a number too. */
static int list_item(struct loader *l, const config_setting_t *cs, const struct setting *s)
{
	const char *v = config_setting_get_string(cs);
	char text[32];

	if (s->type->shape == SHAPE_PORTS && number_text(cs, false, text))
		return parse_text(l, cs, s, text);
	if (!v && s->type->shape == SHAPE_PORTS)
		return wrong_type(l, cs, s);
	if (!v)
		return bad(l, cs, "is %s; expected a string", type_name(cs));
	if (s->item && strchr(v, ','))
		return bad(l, cs, "'%s': %s", v, s->item);
	return parse_text(l, cs, s, v);
}

/* A list: a string or an array/list of strings (ports: of numbers and "N-M" strings too). */
static int list(struct loader *l, const config_setting_t *cs, const struct setting *s)
{
	bool many = config_setting_is_array(cs) || config_setting_is_list(cs);
	int n = config_setting_length(cs), err;

	if (s->type->clear)
		s->type->clear(s, setting_base(s, &l->t));
	if (s->needs && !n &&
	    ((s->flags & S_EMPTY_ANY) ? config_setting_type(cs) != CONFIG_TYPE_STRING : many))
		return bad(l, cs, "%s", s->needs);
	if (!many && s->type->shape != SHAPE_PORTS && config_setting_type(cs) != CONFIG_TYPE_STRING)
		return bad(l, cs, "is %s; expected a string or a list of strings", type_name(cs));
	if (!many)
		return list_item(l, cs, s);
	for (int i = 0; i < n; i++) {
		err = list_item(l, config_setting_get_elem(cs, (unsigned int)i), s);
		if (err)
			return err;
	}
	return 0;
}

static int boolean(struct loader *l, const config_setting_t *cs, bool *v)
{
	if (config_setting_type(cs) != CONFIG_TYPE_BOOL)
		return bad(l, cs, "is %s; expected true or false", type_name(cs));
	*v = config_setting_get_bool(cs);
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
			   TRUST_MAX_HOPS);
	if (n < 0 || n > TRUST_MAX_HOPS)
		return bad(l, s, "%lld is not a hop count (0-%d)", n, TRUST_MAX_HOPS);
	*v = (int)n;
	return 0;
}

static int listeners(struct loader *l, const config_setting_t *cs);

/* The value of row @s, as its shape is written. */
static int value(struct loader *l, const config_setting_t *cs, const struct setting *s)
{
	void *base = setting_base(s, &l->t);
	const char *v = config_setting_get_string(cs);
	char text[32];

	if (s->mark)
		*(bool *)((char *)base + s->mark) = true;
	switch (s->type->shape) {
	case SHAPE_STRING:
	case SHAPE_PATH:
		if (!v)
			return wrong_type(l, cs, s);
		if (!v[0] && (s->flags & S_EMPTY_CLEARS)) {
			*SETTING_FIELD(s, base, char) = '\0';
			return 0;
		}
		return parse_text(l, cs, s, v);
	case SHAPE_NUMBER:
		if (!number_text(cs, s->flags & S_DECIMALS, text))
			return wrong_type(l, cs, s);
		return parse_text(l, cs, s, text);
	case SHAPE_BOOL:
		return boolean(l, cs, SETTING_FIELD(s, base, bool));
	case SHAPE_STRINGS:
	case SHAPE_PORTS:
		return list(l, cs, s);
	case SHAPE_HOPS:
		return hops(l, cs, SETTING_FIELD(s, base, int));
	case SHAPE_LISTENERS:
		return listeners(l, cs);
	case SHAPE_NONE:
	default:
		return -ENOENT;
	}
}

/* The row for @name in @place (at the top, also a group's S_ALSO_TOP ones), or NULL. */
static const struct setting *row_for(const char *name, enum setting_place place)
{
	for (size_t i = 0; i < settings_count; i++) {
		const struct setting *s = &settings[i];

		if (!s->key || strcmp(s->key, name))
			continue;
		if (s->place == place || (place == PLACE_TOP && (s->flags & S_ALSO_TOP)) ||
		    (place == PLACE_LISTENER && s->place == PLACE_TRUST))
			return s;
	}
	return NULL;
}

/* "unknown setting (a, b, ...)": the names @place takes, a group once by its name. */
static int unknown(struct loader *l, const config_setting_t *cs, enum setting_place place)
{
	char names[512] = "";
	bool listed[PLACE__MAX] = { false };

	for (size_t i = 0; i < settings_count; i++) {
		const struct setting *s = &settings[i];
		const char *name = s->key;

		if (!s->key)
			continue;
		if (place == PLACE_TOP && s->place != PLACE_TOP && setting_place_names[s->place]) {
			if (listed[s->place])
				continue;
			listed[s->place] = true;
			name = setting_place_names[s->place];
		} else if (s->place != place &&
			   !(place == PLACE_LISTENER && s->place == PLACE_TRUST)) {
			continue;
		}
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 names[0] ? ", " : "", name);
	}
	return bad(l, cs, "unknown setting (%s)", names);
}

/* The members of group @g, rows of @place; @what is the group as the error expects it. */
static int members(struct loader *l, const config_setting_t *g, enum setting_place place,
		   const char *what)
{
	int n, err;

	if (!config_setting_is_group(g))
		return bad(l, g, "is %s; expected %s", type_name(g), what);
	n = config_setting_length(g);
	for (int i = 0; i < n; i++) {
		const config_setting_t *cs = config_setting_get_elem(g, (unsigned int)i);
		const struct setting *s = row_for(config_setting_name(cs), place);

		err = s ? value(l, cs, s) : unknown(l, cs, place);
		if (err)
			return err;
	}
	return 0;
}

static int listener(struct loader *l, const config_setting_t *g, struct rule_settings *r)
{
	int err;

	memset(r, 0, sizeof(*r));
	r->hops = -1;
	l->t.rule = r;
	err = members(l, g, PLACE_LISTENER, "a group { port = ...; ... }");
	l->t.rule = &l->o->global;
	if (err)
		return err;
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

static int top_level(struct loader *l, const config_setting_t *cs)
{
	const char *name = config_setting_name(cs);
	const struct setting *s = row_for(name, PLACE_TOP);

	if (s)
		return value(l, cs, s);
	for (int p = 0; p < PLACE__MAX; p++)
		if (setting_place_names[p] && !strcmp(name, setting_place_names[p]))
			return members(l, cs, (enum setting_place)p, "a group { ... }");
	return unknown(l, cs, PLACE_TOP);
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

	fd = file_open_nonblocking(path, 0, &st);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(-fd));
		return fd;
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
	struct loader l = { .path = path,
			    .o = o,
			    .t = { .o = o, .rule = &o->global },
			    .err = err,
			    .errlen = errlen };
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
