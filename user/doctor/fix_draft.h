/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Inside the doctor's fixes (fixes.c, fixes_servers.c, fixes_apps.c): the
 * checked view of struct fix_params, and a fix being written within its
 * bounds.
 */
#ifndef XFFW_FIX_DRAFT_H
#define XFFW_FIX_DRAFT_H

#include <stdbool.h>
#include <stddef.h>

#include "doctor/fixes.h"

/* A CIDR of the params, checked and in canonical form. */
struct fix_addr {
	char cidr[FIX_CIDR_MAX + 1]; /* "172.18.0.2/32" */
	char host[FIX_CIDR_MAX + 1]; /* "172.18.0.2" for a single address, else the CIDR */
	int family;		     /* 4 or 6 */
	bool loopback;
	bool internal;	/* not a public address: mod_remoteip's RemoteIPInternalProxy */
	bool pseudonym; /* host and cidr are the pseudonym of the real one */
};

struct fix_ctx {
	const struct fix_params *p;
	unsigned int port, depth;
	const char *iface;	/* "" when unknown */
	const char *header;	/* wire spelling of the forwarding header: "X-Forwarded-For" */
	const char *header_key; /* xffwatch's name of it: "x-forwarded-for" */
	const char *cdn_header; /* "CF-Connecting-IP", "True-Client-IP", or NULL */
	const char *local;	/* the --trust-local SPEC, checked; NULL when none */
	bool pp_read;		/* the fix reads the PROXY preamble (--header proxy-protocol) */
	const char *pp_mode;	/* PP_UNEXPECTED: "required" or "optional" */
	struct fix_addr proxies[FIX_ADDRS_MAX];
	size_t nproxies;
	/* Whom the fix trusts: the trusted list and the proxies, or (trust-too-broad) the proxies. */
	struct fix_addr trust[2 * FIX_ADDRS_MAX];
	size_t ntrust;
};

/* A fix being written: what does not fit marks it spoilt, and it is left out. */
struct fix_draft {
	struct fix *f;
	size_t where_len, text_len;
	bool spoilt;
};

void draft_where(struct fix_draft *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void draft_text(struct fix_draft *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A list of addresses into the text: @before each, @sep between, @after each (host forms if @host). */
void draft_addrs(struct fix_draft *d, const struct fix_addr *a, size_t n, bool host,
		 const char *before, const char *sep, const char *after);

/*
 * A writer of one fix for one diagnosis and one target. Returns false when
 * that target has nothing to change (the draft is then dropped).
 */
typedef bool fix_writer(const struct fix_ctx *c, struct fix_draft *d);

/* The proxies in front of the app (nginx, HAProxy, Apache): fixes_servers.c. */
fix_writer nginx_realip, nginx_send_xff, nginx_edge_xff, nginx_agree, nginx_cdn, nginx_listen;
fix_writer haproxy_set_src, haproxy_send_xff, haproxy_edge_xff, haproxy_agree, haproxy_cdn,
	haproxy_bind;
fix_writer apache_remoteip, apache_send_xff, apache_edge_xff, apache_agree, apache_cdn,
	apache_listen;
/* Sending and reading PROXY preambles: fixes_pp.c. */
fix_writer nginx_pp_realip, haproxy_pp_expect, haproxy_send_pp, haproxy_no_reuse, gunicorn_pp;
/* The app servers: fixes_apps.c. */
fix_writer werkzeug_proxyfix, gunicorn_allow, gunicorn_bind, uvicorn_proxy_headers, uvicorn_bind;

/* Whether every proxy is on loopback (the app can then listen there only). */
bool fix_all_loopback(const struct fix_ctx *c, bool *v4, bool *v6);

#endif
