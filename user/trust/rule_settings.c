// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <string.h>

#include "trust/rule_settings.h"
#include "util/refuse.h"

int rule_parse_cidrs(const char *s, struct ip_cidr *list, size_t *n, char *why, size_t whylen)
{
	if (!strcmp(s, "none"))
		return 0; /* an empty list, on purpose */
	for (;;) {
		size_t len = strcspn(s, ",");

		if (*n == TRUST_MAX_CIDRS)
			return refuse(why, whylen, -ENOSPC, "more than %d CIDRs", TRUST_MAX_CIDRS);
		if (ip_cidr_parse(s, len, &list[*n], NULL))
			return refuse(why, whylen, -EINVAL, "'%.*s' is not an IP address or CIDR",
				      (int)len, s);
		(*n)++;
		if (!s[len])
			return 0;
		s += len + 1;
	}
}

/* ", proxy-protocol, x-forwarded-for, forwarded, ...": the sources' keys, as listed. */
#define KEY_IF_0(key)
#define KEY_IF_1(key)						    ", " key
#define CLIENT_KEY(NAME, id, wire, key, keeps_tail, echoed, client) KEY_IF_##client(key)
static const char client_header_keys[] = ", proxy-protocol" XFFW_HEADER_FIELDS(CLIENT_KEY);
#undef CLIENT_KEY
#undef KEY_IF_1
#undef KEY_IF_0

int rule_parse_headers(const char *s, unsigned int ids[TRUST_MAX_HEADERS], size_t *n, char *why,
		       size_t whylen)
{
	for (;;) {
		size_t len = strcspn(s, ",");
		unsigned int id = trust_source_by_key(s, len);

		if (!id)
			return refuse(why, whylen, -EINVAL, "'%.*s' is not one of %s", (int)len, s,
				      client_header_keys + 2);
		for (size_t i = 0; i < *n; i++)
			if (ids[i] == id)
				return refuse(why, whylen, -EINVAL, "'%.*s' is listed twice",
					      (int)len, s);
		ids[(*n)++] = id;
		if (!s[len])
			return 0;
		s += len + 1;
	}
}

int rule_parse_hops(const char *s, int *hops, char *why, size_t whylen)
{
	int v = 0;

	if (!strcmp(s, "off")) {
		*hops = -1; /* back to CIDR trust */
		return 0;
	}
	if (!*s || strlen(s) > 3)
		return refuse(why, whylen, -EINVAL, "'%s' is not a hop count (0-%d)", s,
			      TRUST_MAX_HOPS);
	for (const char *p = s; *p; p++) {
		if (*p < '0' || *p > '9')
			return refuse(why, whylen, -EINVAL,
				      "'%s' is not a hop count (0-%d, or off)", s, TRUST_MAX_HOPS);
		v = v * 10 + (*p - '0');
	}
	if (v > TRUST_MAX_HOPS)
		return refuse(why, whylen, -EINVAL, "'%s' is more than %d hops", s, TRUST_MAX_HOPS);
	*hops = v;
	return 0;
}

void rule_inherit(struct rule_settings *l, const struct rule_settings *g)
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
	if (!l->set_local) {
		memcpy(l->local, g->local, sizeof(g->local[0]) * g->nlocal);
		l->nlocal = g->nlocal;
	}
	if (!l->set_proxy_protocol)
		l->proxy_protocol = g->proxy_protocol;
}

void rule_build(struct trust_rule *t, const struct rule_settings *r)
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
	t->local = r->local;
	t->nlocal = r->nlocal;
	t->proxy_protocol = r->proxy_protocol;
}

int rule_parse_local(const char *s, struct owner_spec *list, size_t *n, char *why, size_t whylen)
{
	if (!strcmp(s, "none"))
		return 0;
	if (*n >= TRUST_MAX_LOCAL)
		return refuse(why, whylen, -ENOSPC, "at most %d trust-local owners",
			      TRUST_MAX_LOCAL);
	if (owner_spec_parse(s, &list[*n], why, whylen))
		return -EINVAL;
	(*n)++;
	return 0;
}
