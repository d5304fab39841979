// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "cmd/options.h"
#include "kernel/privsep.h"
#include "util/log.h"
#include "util/refuse.h"

static const unsigned int default_ports[] = { 5000, 8000, 8080 };
static const char *const default_trusted[] = { "127.0.0.0/8", "::1/128" };

void options_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	strcpy(o->ifaces[o->nifaces++], "lo");
	for (size_t i = 0; i < sizeof(default_ports) / sizeof(default_ports[0]); i++)
		port_set_add(&o->ports, default_ports[i]);
	for (size_t i = 0; i < sizeof(default_trusted) / sizeof(default_trusted[0]); i++)
		ip_cidr_parse(default_trusted[i], strlen(default_trusted[i]),
			      &o->global.trusted[o->global.ntrusted++], NULL);
	/* No preamble: it is read only where a sender is known to write it (docs/trust.md). */
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

static int port_number(const char *s, size_t len, unsigned int *out)
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
			if (port_number(s, (size_t)(dash - s), &lo) ||
			    port_number(dash + 1, len - (size_t)(dash + 1 - s), &hi))
				return refuse(why, whylen, -EINVAL,
					      "'%.*s' is not a port range (N-M, 1-65535)", (int)len,
					      s);
			if (lo > hi)
				return refuse(why, whylen, -EINVAL,
					      "'%.*s' is a range that runs backwards", (int)len, s);
		} else if (port_number(s, len, &lo)) {
			return refuse(why, whylen, -EINVAL, "'%.*s' is not a port number (1-65535)",
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

int parse_port(const char *s, unsigned int *port, char *why, size_t whylen)
{
	if (port_number(s, strlen(s), port))
		return refuse(why, whylen, -EINVAL, "'%s' is not a port number (1-65535)", s);
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
		return refuse(why, whylen, -EINVAL, "'%s' is not on or off", s);
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
			return refuse(why, whylen, -EINVAL,
				      "'%s' is not a number of seconds (up to three decimals)", s);
		v = v * 10 + (unsigned long long)(*p - '0');
		if (decimals >= 0)
			decimals++;
	}
	if (p == s || (decimals == 0))
		return refuse(why, whylen, -EINVAL,
			      "'%s' is not a number of seconds (up to three decimals)", s);
	for (int d = decimals < 0 ? 0 : decimals; d < 3; d++)
		v *= 10;
	if (v == 0 || v > max_ms)
		return refuse(why, whylen, -EINVAL, "'%s' is out of range (0.001 to %u seconds)", s,
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
			return refuse(why, whylen, -EINVAL, "'%s' is not a whole number", s);
		if (n <= 0xffffffffULL) /* past it, out of range whatever follows */
			n = n * 10 + (unsigned long long)(*p - '0');
	}
	if (p == s)
		return refuse(why, whylen, -EINVAL, "'%s' is not a whole number", s);
	if (n < min || n > max)
		return refuse(why, whylen, -EINVAL, "'%s' is out of range (%u to %u)", s, min, max);
	*v = (unsigned int)n;
	return 0;
}

int add_output(struct options *o, const char *s, char *why, size_t whylen)
{
	if (!s[0] || strlen(s) >= sizeof(o->outputs[0]))
		return refuse(why, whylen, -EINVAL, "'%s' is not a file name or \"-\"", s);
	o->outputs_default = false;
	for (size_t i = 0; i < o->noutputs; i++)
		if (!strcmp(o->outputs[i], s))
			return refuse(why, whylen, -EINVAL, "'%s' is named twice", s);
	if (o->noutputs == OPT_MAX_OUTPUTS)
		return refuse(why, whylen, -ENOSPC, "at most %d outputs", OPT_MAX_OUTPUTS);
	strcpy(o->outputs[o->noutputs++], s);
	return 0;
}

int add_syslog(struct options *o, const char *s, char *why, size_t whylen)
{
	const char *hp = NULL, *colon;

	if (!strncmp(s, "udp://", 6) || !strncmp(s, "tcp://", 6))
		hp = s + 6;
	if (!strncmp(s, "unix:", 5) && (s[5] != '/' || strlen(s + 5) >= SYSLOG_PATH_MAX))
		return refuse(
			why, whylen, -EINVAL,
			"'%s': expected an absolute socket path shorter than %d bytes after unix:",
			s, SYSLOG_PATH_MAX);
	if (strcmp(s, "local") && strncmp(s, "unix:", 5) && !hp)
		return refuse(
			why, whylen, -EINVAL,
			"'%s' is not \"local\", unix:PATH, udp://HOST:PORT or tcp://HOST:PORT", s);
	if (hp) {
		unsigned int port;

		colon = strrchr(hp, ':');
		if (!colon || colon == hp ||
		    parse_uint_range(colon + 1, 1, 65535, &port, why, whylen))
			return refuse(why, whylen, -EINVAL, "'%s': expected HOST:PORT after %.6s",
				      s, s);
	}
	if (strlen(s) >= sizeof(o->syslogs[0]))
		return refuse(why, whylen, -EINVAL, "'%s' is too long", s);
	/* Events go where they are sent: standard output only when asked for too. */
	if (o->outputs_default)
		o->noutputs = 0;
	o->outputs_default = false;
	if (o->nsyslogs == OPT_MAX_OUTPUTS)
		return refuse(why, whylen, -ENOSPC, "at most %d syslog targets", OPT_MAX_OUTPUTS);
	strcpy(o->syslogs[o->nsyslogs++], s);
	return 0;
}

static const char *const facilities[SYSLOG_FACILITIES] = {
	"kern",	  "user",   "mail",	"daemon", "auth",   "syslog", "lpr",	"news",
	"uucp",	  "cron",   "authpriv", "ftp",	  "ntp",    "audit",  "alert",	"clock",
	"local0", "local1", "local2",	"local3", "local4", "local5", "local6", "local7",
};

int parse_facility(const char *s, int *facility, char *why, size_t whylen)
{
	for (int i = 0; i < SYSLOG_FACILITIES; i++) {
		if (!strcmp(s, facilities[i])) {
			*facility = i;
			return 0;
		}
	}
	return refuse(why, whylen, -EINVAL,
		      "'%s' is not a syslog facility (local0-local7, auth, ...)", s);
}

const char *facility_name(int facility)
{
	return facility >= 0 && facility < SYSLOG_FACILITIES ? facilities[facility] : "?";
}

int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *v, char *why, size_t whylen)
{
	uint64_t n = 0, unit = 1;
	const char *p = s;

	for (; *p >= '0' && *p <= '9'; p++) {
		if (n > (1ULL << 50))
			return refuse(why, whylen, -EINVAL, "'%s' is too large", s);
		n = n * 10 + (uint64_t)(*p - '0');
	}
	if (p == s)
		return refuse(why, whylen, -EINVAL, "'%s' is not a size (bytes, or with K, M, G)",
			      s);
	if (*p) {
		unit = *p == 'K' || *p == 'k'	? 1ULL << 10
		       : *p == 'M' || *p == 'm' ? 1ULL << 20
		       : *p == 'G' || *p == 'g' ? 1ULL << 30
						: 0;
		if (!unit || p[1])
			return refuse(why, whylen, -EINVAL,
				      "'%s' is not a size (bytes, or with K, M, G)", s);
	}
	/* Checked before multiplying: 17179869185G is 2^64 + 1G, not 1G. */
	if (n > max / unit || (n *= unit) < min || n > max)
		return refuse(why, whylen, -EINVAL, "'%s' is out of range (%llu to %llu bytes)", s,
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
		return refuse(why, whylen, -EINVAL, "'%s' is not a file mode (octal, like 0640)",
			      s);
	*mode = m;
	return 0;
}

int parse_owner(const char *s, char *owner, size_t olen, char *group, size_t glen, char *why,
		size_t whylen)
{
	const char *colon = strchr(s, ':');
	size_t n = colon ? (size_t)(colon - s) : strlen(s);

	if (!n || n >= olen || (colon && (!colon[1] || strlen(colon + 1) >= glen)) ||
	    strpbrk(s, " /\t\n"))
		return refuse(why, whylen, -EINVAL, "'%s' is not USER or USER:GROUP", s);
	memcpy(owner, s, n);
	owner[n] = '\0';
	if (colon)
		strcpy(group, colon + 1);
	return 0;
}

int parse_fsync_interval(const char *s, unsigned int *ms, unsigned int max_ms, char *why,
			 size_t whylen)
{
	if (!strcmp(s, "0")) {
		*ms = 0;
		return 0;
	}
	return parse_seconds(s, ms, max_ms, why, whylen);
}

int parse_account(const char *s, char *out, size_t outlen, const char *what, char *why,
		  size_t whylen)
{
	if (!s[0] || strlen(s) >= outlen || strpbrk(s, " /:"))
		return refuse(why, whylen, -EINVAL, "'%s' is not a %s name", s, what);
	strcpy(out, s);
	return 0;
}

int parse_metrics(const char *s, char *out, size_t outlen, char *why, size_t whylen)
{
	if (!strcmp(s, "off")) {
		out[0] = '\0';
		return 0;
	}
	return metrics_server_parse(s, NULL, out, outlen, why, whylen);
}

int parse_netns(const char *s, char *out, size_t outlen, char *why, size_t whylen)
{
	if (!s[0] || strlen(s) >= outlen ||
	    (s[0] != '/' && (strchr(s, '/') || !strcmp(s, ".") || !strcmp(s, ".."))))
		return refuse(why, whylen, -EINVAL,
			      "'%s' is not a namespace name (ip netns) or an absolute path", s);
	strcpy(out, s);
	return 0;
}

int check_iface_name(const char *name, char *why, size_t whylen)
{
	if (!name[0] || strlen(name) >= IF_NAMESIZE || strpbrk(name, " /\t\n"))
		return refuse(why, whylen, -EINVAL, "'%s' is not an interface name", name);
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
		return refuse(why, whylen, -ENOSPC, "more than %d interfaces", OPT_MAX_IFACES);
	strcpy(o->ifaces[o->nifaces++], name);
	return 0;
}

int options_finish(struct options *o, char *err, size_t errlen)
{
	o->nrules = 0;
	for (size_t i = 0; i < o->nlisteners; i++) {
		struct rule_settings *l = &o->listeners[i];
		int e;

		rule_inherit(l, &o->global);
		if (l->port)
			port_set_add(&o->ports, l->port);
		if (l->iface[0]) {
			e = add_iface(o, l->iface, err, errlen);
			if (e)
				return e;
		}
		rule_build(&o->rules[o->nrules++], l);
	}
	if (!o->global.nheaders)
		return refuse(err, errlen, -EINVAL, "no header to read the client from");
	if (!options_port_count(o))
		return refuse(err, errlen, -EINVAL, "no port to watch");
	if (!o->nifaces)
		return refuse(err, errlen, -EINVAL, "no interface to watch");
	if (o->privacy.pseudonymize == PSEUDO_HMAC && !o->privacy.hmac_key[0])
		return refuse(err, errlen, -EINVAL,
			      "pseudonymize hmac needs a key file (--hmac-key, privacy.hmac_key)");
	if (!o->noutputs && !o->nsyslogs)
		return refuse(err, errlen, -EINVAL, "no output for the events");
	rule_build(&o->rules[o->nrules++], &o->global);
	return 0;
}

int options_file_settings(const struct options *o, struct file_settings *set)
{
	char err[256];

	*set = (struct file_settings){ .mode = o->files.mode, .retain_days = o->files.retain_days };
	if (privsep_owner(o->files.owner, o->files.group, &set->uid, &set->gid, err, sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	return 0;
}
