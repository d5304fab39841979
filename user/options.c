// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "options.h"

static const unsigned int default_ports[] = { 5000, 8000, 8080 };
static const char *const default_trusted[] = { "127.0.0.0/8", "::1/128" };

void options_defaults(struct options *o)
{
	memset(o, 0, sizeof(*o));
	o->ifaces[o->nifaces++] = "lo";
	for (size_t i = 0; i < sizeof(default_ports) / sizeof(default_ports[0]); i++) {
		unsigned int p = default_ports[i];

		o->ports.bits[p / 64] |= 1ULL << (p % 64);
		o->nports++;
	}
	for (size_t i = 0; i < sizeof(default_trusted) / sizeof(default_trusted[0]); i++)
		ip_cidr_parse(default_trusted[i], strlen(default_trusted[i]),
			      &o->trusted[o->ntrusted++], NULL);
	o->output = "-";
	o->attach = ATTACH_AUTO;
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

int parse_port_list(const char *s, struct xffw_port_set *set, const char **why)
{
	int added = 0;

	for (;;) {
		size_t len = strcspn(s, ",");
		const char *dash = memchr(s, '-', len);
		unsigned int lo, hi;

		if (dash) {
			if (parse_port(s, (size_t)(dash - s), &lo) ||
			    parse_port(dash + 1, len - (size_t)(dash + 1 - s), &hi)) {
				*why = "is not a port range (N-M, 1-65535)";
				return -EINVAL;
			}
			if (lo > hi) {
				*why = "is a range that runs backwards";
				return -EINVAL;
			}
		} else if (parse_port(s, len, &lo)) {
			*why = "is not a port number (1-65535)";
			return -EINVAL;
		} else {
			hi = lo;
		}
		for (unsigned int p = lo; p <= hi; p++) {
			if (!port_set_has(set, p))
				added++;
			set->bits[p / 64] |= 1ULL << (p % 64);
		}
		if (!s[len])
			return added;
		s += len + 1;
	}
}

int parse_cidr_list(const char *s, struct ip_cidr *out, size_t cap, size_t *n, char *bad,
		    size_t badlen)
{
	for (;;) {
		size_t len = strcspn(s, ",");

		if (*n == cap)
			return -ENOSPC;
		if (ip_cidr_parse(s, len, &out[*n], NULL)) {
			snprintf(bad, badlen, "%.*s", (int)len, s);
			return -EINVAL;
		}
		(*n)++;
		if (!s[len])
			return 0;
		s += len + 1;
	}
}
