/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A trust rule as configured (the global one, or a listener's), its values'
 * syntax, and the rule built from it (docs/trust.md). A listener inherits
 * from the global rule what it does not set.
 */
#ifndef XFFW_RULE_SETTINGS_H
#define XFFW_RULE_SETTINGS_H

#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>

#include "identity/owner_spec.h"
#include "util/ipaddr.h"
#include "trust/rules.h"

/* CIDRs in one list of trusted or external proxies. */
#define TRUST_MAX_CIDRS 256
/* --hops: a bound on configuration only; the walk itself takes any chain. */
#define TRUST_MAX_HOPS	64
/* --trust-local owners in one rule. */
#define TRUST_MAX_LOCAL 32

struct rule_settings {
	unsigned int port;	 /* listeners: app port matched (0: any) */
	char iface[IF_NAMESIZE]; /* listeners: interface matched ("": any) */
	struct ip_cidr trusted[TRUST_MAX_CIDRS];
	size_t ntrusted;
	/* Apache's RemoteIPTrustedProxy: trusted, but what they present must be public. */
	struct ip_cidr external[TRUST_MAX_CIDRS];
	size_t nexternal;
	unsigned int headers[TRUST_MAX_HEADERS];
	size_t nheaders;
	bool recursive;
	int hops;				  /* -1: CIDR trust */
	struct owner_spec local[TRUST_MAX_LOCAL]; /* --trust-local */
	size_t nlocal;
	int proxy_protocol; /* enum trust_pp_mode */
	/* Which of the above a listener set itself (the rest it inherits). */
	bool set_trusted, set_external, set_headers, set_recursive, set_hops, set_local,
		set_proxy_protocol;
};

/*
 * Value parsers shared by the command line and the configuration file. Each
 * returns 0, or -EINVAL (-ENOSPC when a list is full) with a short reason in
 * @why, which names the bad item.
 */
/* "CIDR[,CIDR...]" appended to @list (@n entries), or "none" (nothing). */
int rule_parse_cidrs(const char *s, struct ip_cidr *list, size_t *n, char *why, size_t whylen);
/* "NAME[,NAME...]" appended to @ids (@n entries): each a client header or proxy-protocol, once. */
int rule_parse_headers(const char *s, unsigned int ids[TRUST_MAX_HEADERS], size_t *n, char *why,
		       size_t whylen);
/* One owner SPEC (identity/owner_spec.h) appended to @list (@n entries), or "none" (nothing). */
int rule_parse_local(const char *s, struct owner_spec *list, size_t *n, char *why, size_t whylen);
/* "N" (0 to TRUST_MAX_HOPS) or "off" (-1: CIDR trust). */
int rule_parse_hops(const char *s, int *hops, char *why, size_t whylen);

/* Fills in what listener @l did not set from the global rule @g. */
void rule_inherit(struct rule_settings *l, const struct rule_settings *g);

/* The rule @r describes; it points into @r, which must outlive it. */
void rule_build(struct trust_rule *t, const struct rule_settings *r);

#endif
