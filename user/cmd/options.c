// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmd/options.h"

static const unsigned int default_ports[] = { 5000, 8000, 8080 };
static const char *const default_trusted[] = { "127.0.0.0/8", "::1/128" };

static int fail(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return err;
}

void options_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	strcpy(o->ifaces[o->nifaces++], "lo");
	for (size_t i = 0; i < sizeof(default_ports) / sizeof(default_ports[0]); i++)
		port_set_add(&o->ports, default_ports[i]);
	for (size_t i = 0; i < sizeof(default_trusted) / sizeof(default_trusted[0]); i++)
		ip_cidr_parse(default_trusted[i], strlen(default_trusted[i]),
			      &o->global.trusted[o->global.ntrusted++], NULL);
	o->global.headers[o->global.nheaders++] = XFFW_F_X_FORWARDED_FOR;
	o->global.recursive = true;
	o->global.hops = -1;
	strcpy(o->outputs[o->noutputs++], "-");
	o->outputs_default = true;
	o->syslog_facility = 16; /* local0 */
	o->files.mode = 0640;
	o->files.retain_days = OPT_RETAIN_DAYS_DEFAULT;
	o->files.fsync_ms = 1000;
	o->queue_bytes = OPT_QUEUE_DEFAULT;
	o->privacy.user_agent = true;
	strcpy(o->user, "nobody");
	o->attach = ATTACH_AUTO;
	o->response_timeout_ms = OPT_RESPONSE_TIMEOUT_MS_DEFAULT;
	o->head_budget = XFFW_HEAD_BUDGET;
	o->flows = XFFW_FLOWS_DEFAULT;
}

size_t options_port_count(const struct options *o)
{
	size_t n = 0;

	for (size_t i = 0; i < XFFW_PORT_WORDS; i++)
		n += (size_t)__builtin_popcountll(o->ports.bits[i]);
	return n;
}

static int parse_port(const char *s, size_t len, unsigned int *out)
{
	unsigned int v = 0;

	if (len == 0 || len > 5)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned int)(s[i] - '0');
	}
	if (v == 0 || v > 65535)
		return -EINVAL;
	*out = v;
	return 0;
}

int parse_port_list(const char *s, struct xffw_port_set *set, char *why, size_t whylen)
{
	for (;;) {
		size_t len = strcspn(s, ",");
		const char *dash = memchr(s, '-', len);
		unsigned int lo, hi;

		if (dash) {
			if (parse_port(s, (size_t)(dash - s), &lo) ||
			    parse_port(dash + 1, len - (size_t)(dash + 1 - s), &hi))
				return fail(why, whylen, -EINVAL,
					    "'%.*s' is not a port range (N-M, 1-65535)", (int)len,
					    s);
			if (lo > hi)
				return fail(why, whylen, -EINVAL,
					    "'%.*s' is a range that runs backwards", (int)len, s);
		} else if (parse_port(s, len, &lo)) {
			return fail(why, whylen, -EINVAL, "'%.*s' is not a port number (1-65535)",
				    (int)len, s);
		} else {
			hi = lo;
		}
		for (unsigned int p = lo; p <= hi; p++)
			port_set_add(set, p);
		if (!s[len])
			return 0;
		s += len + 1;
	}
}

int parse_cidr_list(const char *s, struct ip_cidr *list, size_t *n, char *why, size_t whylen)
{
	if (!strcmp(s, "none"))
		return 0; /* an empty list, on purpose */
	for (;;) {
		size_t len = strcspn(s, ",");

		if (*n == OPT_MAX_TRUSTED)
			return fail(why, whylen, -ENOSPC, "more than %d CIDRs", OPT_MAX_TRUSTED);
		if (ip_cidr_parse(s, len, &list[*n], NULL))
			return fail(why, whylen, -EINVAL, "'%.*s' is not an IP address or CIDR",
				    (int)len, s);
		(*n)++;
		if (!s[len])
			return 0;
		s += len + 1;
	}
}

int parse_header_list(const char *s, struct rule_opts *r, char *why, size_t whylen)
{
	for (;;) {
		size_t len = strcspn(s, ",");
		unsigned int id = 0;

		for (size_t i = 0; i < TRUST_MAX_HEADERS; i++) {
			const char *name = field_key(trust_client_headers[i]);

			if (strlen(name) == len && !strncasecmp(name, s, len))
				id = trust_client_headers[i];
		}
		if (!id)
			return fail(why, whylen, -EINVAL,
				    "'%.*s' is not one of x-forwarded-for, forwarded, x-real-ip, "
				    "cf-connecting-ip, true-client-ip",
				    (int)len, s);
		for (size_t i = 0; i < r->nheaders; i++)
			if (r->headers[i] == id)
				return fail(why, whylen, -EINVAL, "'%.*s' is listed twice",
					    (int)len, s);
		r->headers[r->nheaders++] = id;
		if (!s[len])
			return 0;
		s += len + 1;
	}
}

int parse_hops(const char *s, int *hops, char *why, size_t whylen)
{
	int v = 0;

	if (!strcmp(s, "off")) {
		*hops = -1; /* back to CIDR trust */
		return 0;
	}
	if (!*s || strlen(s) > 3)
		return fail(why, whylen, -EINVAL, "'%s' is not a hop count (0-%d)", s,
			    OPT_MAX_HOPS);
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return fail(why, whylen, -EINVAL, "'%s' is not a hop count (0-%d, or off)",
				    s, OPT_MAX_HOPS);
		v = v * 10 + (*p - '0');
	}
	if (v > OPT_MAX_HOPS)
		return fail(why, whylen, -EINVAL, "'%s' is more than %d hops", s, OPT_MAX_HOPS);
	*hops = v;
	return 0;
}

int parse_bool(const char *s, bool *v, char *why, size_t whylen)
{
	if (!strcasecmp(s, "on") || !strcasecmp(s, "true") || !strcasecmp(s, "yes") ||
	    !strcmp(s, "1"))
		*v = true;
	else if (!strcasecmp(s, "off") || !strcasecmp(s, "false") || !strcasecmp(s, "no") ||
		 !strcmp(s, "0"))
		*v = false;
	else
		return fail(why, whylen, -EINVAL, "'%s' is not on or off", s);
	return 0;
}

int parse_attach(const char *s, enum attach_mode *mode, char *why, size_t whylen)
{
	if (!strcmp(s, "auto"))
		*mode = ATTACH_AUTO;
	else if (!strcmp(s, "tcx"))
		*mode = ATTACH_TCX;
	else if (!strcmp(s, "tc"))
		*mode = ATTACH_TC;
	else
		return fail(why, whylen, -EINVAL, "'%s' is not one of auto, tcx, tc", s);
	return 0;
}

int parse_seconds(const char *s, unsigned int *ms, unsigned int max_ms, char *why, size_t whylen)
{
	unsigned long long v = 0;
	int decimals = -1;
	const char *p = s;

	for (; *p; p++) {
		if (*p == '.' && decimals < 0 && p != s) {
			decimals = 0;
			continue;
		}
		if (*p < '0' || *p > '9' || decimals >= 3 || v > 1000000000ULL)
			return fail(why, whylen, -EINVAL,
				    "'%s' is not a number of seconds (up to three decimals)", s);
		v = v * 10 + (unsigned long long)(*p - '0');
		if (decimals >= 0)
			decimals++;
	}
	if (p == s || (decimals == 0))
		return fail(why, whylen, -EINVAL,
			    "'%s' is not a number of seconds (up to three decimals)", s);
	for (int d = decimals < 0 ? 0 : decimals; d < 3; d++)
		v *= 10;
	if (v == 0 || v > max_ms)
		return fail(why, whylen, -EINVAL, "'%s' is out of range (0.001 to %u seconds)", s,
			    max_ms / 1000);
	*ms = (unsigned int)v;
	return 0;
}

int parse_uint_range(const char *s, unsigned int min, unsigned int max, unsigned int *v, char *why,
		     size_t whylen)
{
	unsigned long long n = 0;
	const char *p = s;

	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return fail(why, whylen, -EINVAL, "'%s' is not a whole number", s);
		if (n <= 0xffffffffULL) /* past it, out of range whatever follows */
			n = n * 10 + (unsigned long long)(*p - '0');
	}
	if (p == s)
		return fail(why, whylen, -EINVAL, "'%s' is not a whole number", s);
	if (n < min || n > max)
		return fail(why, whylen, -EINVAL, "'%s' is out of range (%u to %u)", s, min, max);
	*v = (unsigned int)n;
	return 0;
}

int add_output(struct options *o, const char *s, bool *replaced, char *why, size_t whylen)
{
	if (!s[0] || strlen(s) >= sizeof(o->outputs[0]))
		return fail(why, whylen, -EINVAL, "'%s' is not a file name or \"-\"", s);
	if (!*replaced)
		o->noutputs = 0;
	*replaced = true;
	o->outputs_default = false;
	for (size_t i = 0; i < o->noutputs; i++)
		if (!strcmp(o->outputs[i], s))
			return fail(why, whylen, -EINVAL, "'%s' is named twice", s);
	if (o->noutputs == OPT_MAX_OUTPUTS)
		return fail(why, whylen, -ENOSPC, "at most %d outputs", OPT_MAX_OUTPUTS);
	strcpy(o->outputs[o->noutputs++], s);
	return 0;
}

int add_syslog(struct options *o, const char *s, bool *replaced, char *why, size_t whylen)
{
	const char *hp = NULL, *colon;

	if (!strncmp(s, "udp://", 6) || !strncmp(s, "tcp://", 6))
		hp = s + 6;
	if (!strncmp(s, "unix:", 5) && (s[5] != '/' || strlen(s + 5) >= SYSLOG_PATH_MAX))
		return fail(
			why, whylen, -EINVAL,
			"'%s': expected an absolute socket path shorter than %d bytes after unix:",
			s, SYSLOG_PATH_MAX);
	if (strcmp(s, "local") && strncmp(s, "unix:", 5) && !hp)
		return fail(why, whylen, -EINVAL,
			    "'%s' is not \"local\", unix:PATH, udp://HOST:PORT or tcp://HOST:PORT",
			    s);
	if (hp) {
		unsigned int port;

		colon = strrchr(hp, ':');
		if (!colon || colon == hp ||
		    parse_uint_range(colon + 1, 1, 65535, &port, why, whylen))
			return fail(why, whylen, -EINVAL, "'%s': expected HOST:PORT after %.6s", s,
				    s);
	}
	if (strlen(s) >= sizeof(o->syslogs[0]))
		return fail(why, whylen, -EINVAL, "'%s' is too long", s);
	if (!*replaced)
		o->nsyslogs = 0;
	*replaced = true;
	/* Events go where they are sent: standard output only when asked for too. */
	if (o->outputs_default)
		o->noutputs = 0;
	o->outputs_default = false;
	if (o->nsyslogs == OPT_MAX_OUTPUTS)
		return fail(why, whylen, -ENOSPC, "at most %d syslog targets", OPT_MAX_OUTPUTS);
	strcpy(o->syslogs[o->nsyslogs++], s);
	return 0;
}

static const char *const facilities[24] = {
	"kern",	  "user",   "mail",	"daemon", "auth",   "syslog", "lpr",	"news",
	"uucp",	  "cron",   "authpriv", "ftp",	  "ntp",    "audit",  "alert",	"clock",
	"local0", "local1", "local2",	"local3", "local4", "local5", "local6", "local7",
};

int parse_facility(const char *s, int *facility, char *why, size_t whylen)
{
	for (int i = 0; i < 24; i++) {
		if (!strcmp(s, facilities[i])) {
			*facility = i;
			return 0;
		}
	}
	return fail(why, whylen, -EINVAL,
		    "'%s' is not a syslog facility (local0-local7, auth, ...)", s);
}

const char *facility_name(int facility)
{
	return facility >= 0 && facility < 24 ? facilities[facility] : "?";
}

int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *v, char *why, size_t whylen)
{
	uint64_t n = 0, unit = 1;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (1ULL << 50))
			return fail(why, whylen, -EINVAL, "'%s' is too large", s);
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return fail(why, whylen, -EINVAL, "'%s' is not a size (bytes, or with K, M, G)", s);
	if (*p) {
		unit = *p == 'K' || *p == 'k'	? 1ULL << 10
		       : *p == 'M' || *p == 'm' ? 1ULL << 20
		       : *p == 'G' || *p == 'g' ? 1ULL << 30
						: 0;
		if (!unit || p[1])
			return fail(why, whylen, -EINVAL,
				    "'%s' is not a size (bytes, or with K, M, G)", s);
	}
	/* Checked before multiplying: 17179869185G is 2^64 + 1G, not 1G. */
	if (n > max / unit || (n *= unit) < min || n > max)
		return fail(why, whylen, -EINVAL, "'%s' is out of range (%llu to %llu bytes)", s,
			    (unsigned long long)min, (unsigned long long)max);
	*v = n;
	return 0;
}

int parse_mode(const char *s, unsigned int *mode, char *why, size_t whylen)
{
	unsigned int m = 0;
	const char *p = s;

	for (; *p >= '0' && *p <= '7' && p - s < 4; p++)
		m = m * 8 + (unsigned int)(*p - '0');
	if (p == s || *p || m > 0777)
		return fail(why, whylen, -EINVAL, "'%s' is not a file mode (octal, like 0640)", s);
	*mode = m;
	return 0;
}

int parse_pseudonymize(const char *s, enum pseudonymize *p, char *why, size_t whylen)
{
	if (!strcmp(s, "none"))
		*p = PSEUDO_NONE;
	else if (!strcmp(s, "truncate"))
		*p = PSEUDO_TRUNCATE;
	else if (!strcmp(s, "hmac"))
		*p = PSEUDO_HMAC;
	else
		return fail(why, whylen, -EINVAL, "'%s' is not one of none, truncate, hmac", s);
	return 0;
}

int parse_owner(const char *s, char *owner, size_t olen, char *group, size_t glen, char *why,
		size_t whylen)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if (!n || n >= olen || (colon && (!colon[1] || strlen(colon + 1) >= glen)) ||
	    strpbrk(s, " /\t\n"))
		return fail(why, whylen, -EINVAL, "'%s' is not USER or USER:GROUP", s);
	memcpy(owner, s, n);
	owner[n] = '\0';
	if (colon)
		strcpy(group, colon + 1);
	return 0;
}

int parse_rotate_size(const char *s, uint64_t *v, char *why, size_t whylen)
{
	return parse_size(s, 4096, 1ULL << 40, v, why, whylen);
}

int parse_queue_size(const char *s, uint64_t *v, char *why, size_t whylen)
{
	return parse_size(s, OPT_QUEUE_MIN, 1ULL << 32, v, why, whylen);
}

int parse_retain_days(const char *s, unsigned int *days, char *why, size_t whylen)
{
	return parse_uint_range(s, 0, 36500, days, why, whylen);
}

int parse_fsync_interval(const char *s, unsigned int *ms, char *why, size_t whylen)
{
	if (!strcmp(s, "0")) {
		*ms = 0;
		return 0;
	}
	return parse_seconds(s, ms, 3600000, why, whylen);
}

int parse_account(const char *s, char *out, size_t outlen, const char *what, char *why,
		  size_t whylen)
{
	if (!s[0] || strlen(s) >= outlen || strpbrk(s, " /:"))
		return fail(why, whylen, -EINVAL, "'%s' is not a %s name", s, what);
	strcpy(out, s);
	return 0;
}

int parse_netns(const char *s, char *out, size_t outlen, char *why, size_t whylen)
{
	if (!s[0] || strlen(s) >= outlen ||
	    (s[0] != '/' && (strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, ".."))))
		return fail(why, whylen, -EINVAL,
			    "'%s' is not a namespace name (ip netns) or an absolute path", s);
	strcpy(out, s);
	return 0;
}

int check_iface_name(const char *name, char *why, size_t whylen)
{
	if (!name[0] || strlen(name) >= IF_NAMESIZE || strpbrk(name, " /\t\n"))
		return fail(why, whylen, -EINVAL, "'%s' is not an interface name", name);
	return 0;
}

int add_iface(struct options *o, const char *name, char *why, size_t whylen)
{
	int err = check_iface_name(name, why, whylen);

	if (err)
		return err;
	for (size_t i = 0; i < o->nifaces; i++)
		if (!strcmp(o->ifaces[i], name))
			return 0;
	if (o->nifaces == OPT_MAX_IFACES)
		return fail(why, whylen, -ENOSPC, "more than %d interfaces", OPT_MAX_IFACES);
	strcpy(o->ifaces[o->nifaces++], name);
	return 0;
}

int parse_listener(const char *spec, struct rule_opts *r, char *why, size_t whylen)
{
	char buf[4096], *save = NULL;
	int err = 0;

	memset(r, 0, sizeof(*r));
	r->hops = -1;
	if (strlen(spec) >= sizeof(buf))
		return fail(why, whylen, -EINVAL, "listener description too long");
	strcpy(buf, spec);
	for (char *kv = strtok_r(buf, " \t", &save); kv && !err;
	     kv = strtok_r(NULL, " \t", &save)) {
		char *v = strchr(kv, '=');

		if (!v)
			return fail(why, whylen, -EINVAL, "'%s' is not key=value", kv);
		*v++ = '\0';
		if (!strcmp(kv, "port")) {
			if (parse_port(v, strlen(v), &r->port))
				return fail(why, whylen, -EINVAL,
					    "'%s' is not a port number (1-65535)", v);
		} else if (!strcmp(kv, "iface") || !strcmp(kv, "interface")) {
			err = check_iface_name(v, why, whylen);
			if (!err)
				strcpy(r->iface, v);
		} else if (!strcmp(kv, "trust") || !strcmp(kv, "proxies")) {
			r->set_trusted = true;
			err = parse_cidr_list(v, r->trusted, &r->ntrusted, why, whylen);
		} else if (!strcmp(kv, "external") || !strcmp(kv, "external_proxies")) {
			r->set_external = true;
			err = parse_cidr_list(v, r->external, &r->nexternal, why, whylen);
		} else if (!strcmp(kv, "header") || !strcmp(kv, "headers")) {
			r->set_headers = true;
			err = parse_header_list(v, r, why, whylen);
		} else if (!strcmp(kv, "recursive")) {
			r->set_recursive = true;
			err = parse_bool(v, &r->recursive, why, whylen);
		} else if (!strcmp(kv, "hops")) {
			r->set_hops = true;
			err = parse_hops(v, &r->hops, why, whylen);
		} else {
			return fail(why, whylen, -EINVAL,
				    "unknown key '%s' (port, iface, trust, external, header, "
				    "recursive, hops)",
				    kv);
		}
	}
	if (err)
		return err;
	if (!r->port && !r->iface[0])
		return fail(why, whylen, -EINVAL, "a listener needs port= or iface=");
	return 0;
}

static void inherit(struct rule_opts *l, const struct rule_opts *g)
{
	if (!l->set_trusted) {
		memcpy(l->trusted, g->trusted, sizeof(g->trusted[0]) * g->ntrusted);
		l->ntrusted = g->ntrusted;
	}
	if (!l->set_external) {
		memcpy(l->external, g->external, sizeof(g->external[0]) * g->nexternal);
		l->nexternal = g->nexternal;
	}
	if (!l->set_headers) {
		memcpy(l->headers, g->headers, sizeof(l->headers));
		l->nheaders = g->nheaders;
	}
	if (!l->set_recursive)
		l->recursive = g->recursive;
	if (!l->set_hops)
		l->hops = g->hops;
}

static void build_rule(struct trust_rule *t, const struct rule_opts *r)
{
	memset(t, 0, sizeof(*t));
	t->port = r->port;
	memcpy(t->iface, r->iface, sizeof(t->iface));
	t->trusted = r->trusted;
	t->ntrusted = r->ntrusted;
	t->external = r->external;
	t->nexternal = r->nexternal;
	memcpy(t->headers, r->headers, sizeof(t->headers));
	t->nheaders = r->nheaders;
	t->recursive = r->recursive;
	t->hops = r->hops;
}

int options_finish(struct options *o, char *err, size_t errlen)
{
	o->nrules = 0;
	for (size_t i = 0; i < o->nlisteners; i++) {
		struct rule_opts *l = &o->listeners[i];
		int e;

		inherit(l, &o->global);
		if (l->port)
			port_set_add(&o->ports, l->port);
		if (l->iface[0]) {
			e = add_iface(o, l->iface, err, errlen);
			if (e)
				return e;
		}
		build_rule(&o->rules[o->nrules++], l);
	}
	if (!o->global.nheaders)
		return fail(err, errlen, -EINVAL, "no header to read the client from");
	if (!options_port_count(o))
		return fail(err, errlen, -EINVAL, "no port to watch");
	if (!o->nifaces)
		return fail(err, errlen, -EINVAL, "no interface to watch");
	if (o->privacy.pseudonymize == PSEUDO_HMAC && !o->privacy.hmac_key[0])
		return fail(err, errlen, -EINVAL,
			    "pseudonymize hmac needs a key file (--hmac-key, privacy.hmac_key)");
	if (!o->noutputs && !o->nsyslogs)
		return fail(err, errlen, -EINVAL, "no output for the events");
	build_rule(&o->rules[o->nrules++], &o->global);
	return 0;
}
