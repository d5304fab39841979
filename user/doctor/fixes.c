// SPDX-License-Identifier: BSD-2-Clause
/*
 * The fixes of a diagnosis (docs/doctor.md, "Fixes per stack"): which target
 * gets which writer, the checks on the params, and xffwatch's own fixes and
 * those outside any program. The stacks' snippets are in fixes_servers.c and
 * fixes_apps.c.
 */
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "doctor/fix_draft.h"
#include "util/ipaddr.h"

/* The listener spec of the longest xffwatch fix fits in one argument. */
_Static_assert(FIX_ARG_MAX >= 64 + IF_NAMESIZE + 2 * FIX_ADDRS_MAX * (FIX_CIDR_MAX + 1) +
				      sizeof(" trust-local=") + FIX_LOCAL_MAX,
	       "FIX_ARG_MAX too small for a listener rule of every address");
_Static_assert(IP_STR_MAX - 1 + 4 <= FIX_CIDR_MAX, "FIX_CIDR_MAX below ip_cidr_format()");
_Static_assert(PSEUDO_TEXT_MAX - 1 + 4 <= FIX_CIDR_MAX, "FIX_CIDR_MAX below a pseudonym's CIDR");

static void put(char *buf, size_t cap, size_t *len, bool *spoilt, const char *fmt, va_list ap)
	__attribute__((format(printf, 5, 0)));
static void put(char *buf, size_t cap, size_t *len, bool *spoilt, const char *fmt, va_list ap)
{
	int n;

	if (*spoilt)
		return;
	n = vsnprintf(buf + *len, cap - *len, fmt, ap);
	if (n < 0 || (size_t)n >= cap - *len) {
		*spoilt = true;
		buf[*len] = '\0';
		return;
	}
	*len += (size_t)n;
}

static void into(char *buf, size_t cap, size_t *len, bool *spoilt, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));
static void into(char *buf, size_t cap, size_t *len, bool *spoilt, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put(buf, cap, len, spoilt, fmt, ap);
	va_end(ap);
}

void draft_where(struct fix_draft *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put(d->f->where, sizeof(d->f->where), &d->where_len, &d->spoilt, fmt, ap);
	va_end(ap);
}

void draft_text(struct fix_draft *d, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	put(d->f->text, sizeof(d->f->text), &d->text_len, &d->spoilt, fmt, ap);
	va_end(ap);
}

void draft_addrs(struct fix_draft *d, const struct fix_addr *a, size_t n, bool host,
		 const char *before, const char *sep, const char *after)
{
	for (size_t i = 0; i < n; i++)
		draft_text(d, "%s%s%s%s", i ? sep : "", before, host ? a[i].host : a[i].cidr,
			   after);
}

/* Into an argument of the fix, within FIX_ARG_MAX. */
static void draft_arg(struct fix_draft *d, size_t *len, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void draft_arg(struct fix_draft *d, size_t *len, const char *fmt, ...)
{
	va_list ap;

	if (d->f->nargs >= FIX_ARGS_MAX) {
		d->spoilt = true;
		return;
	}
	va_start(ap, fmt);
	put(d->f->args[d->f->nargs], FIX_ARG_MAX, len, &d->spoilt, fmt, ap);
	va_end(ap);
}

bool fix_all_loopback(const struct fix_ctx *c, bool *v4, bool *v6)
{
	*v4 = *v6 = false;
	for (size_t i = 0; i < c->nproxies; i++) {
		if (!c->proxies[i].loopback)
			return false;
		*(c->proxies[i].family == 4 ? v4 : v6) = true;
	}
	return c->nproxies > 0;
}

/* ---- xffwatch ---------------------------------------------------------------------------- */

/* What a setting of the rule is, as a flag, a listener key and a line of the file. */
enum xff_setting { XFF_TRUST, XFF_HOPS, XFF_HEADER, XFF_PP_MODE };

static const struct {
	const char *flag, *spec, *conf;
} xff_settings[] = {
	[XFF_TRUST] = { "--trust", "trust", "proxies" },
	[XFF_HOPS] = { "--hops", "hops", "hops" },
	[XFF_HEADER] = { "--header", "header", "headers" },
	[XFF_PP_MODE] = { "--proxy-protocol", "proxy-protocol", "proxy_protocol" },
};

/* The value of setting @s as a flag takes it (@conf: as the configuration file does). */
static void xff_value(const struct fix_ctx *c, struct fix_draft *d, enum xff_setting s, bool conf,
		      size_t *arg_len)
{
	char v[FIX_ARG_MAX];
	size_t n = 0;
	bool spoilt = false;

#define V(...) into(v, sizeof(v), &n, &spoilt, __VA_ARGS__)
	switch (s) {
	case XFF_TRUST:
		if (!c->ntrust && !conf)
			V("none");
		if (conf)
			V("[ ");
		for (size_t i = 0; i < c->ntrust; i++)
			V(conf ? "%s\"%s\"" : "%s%s", i ? (conf ? ", " : ",") : "",
			  c->trust[i].cidr);
		if (conf)
			V(c->ntrust ? " ]" : "]");
		break;
	case XFF_HOPS:
		V("%u", c->depth);
		break;
	case XFF_HEADER:
		/* Reading the preamble: proxy-protocol, then the header the senders send too. */
		if (c->pp_read && c->p->pp_with_header)
			V(conf ? "[ \"proxy-protocol\", \"%s\" ]" : "proxy-protocol,%s",
			  c->header_key);
		else if (c->pp_read)
			V(conf ? "[ \"proxy-protocol\" ]" : "proxy-protocol");
		else
			V(conf ? "[ \"%s\" ]" : "%s", c->header_key);
		break;
	case XFF_PP_MODE:
		V(conf ? "\"%s\"" : "%s", c->pp_mode);
		break;
	}
#undef V
	if (spoilt)
		d->spoilt = true;
	else if (arg_len)
		draft_arg(d, arg_len, "%s", v);
	else
		draft_text(d, "%s", v);
}

/* "--listener" and the start of its SPEC, "port=N iface=X " (the rest is the caller's). */
static void listener_start(const struct fix_ctx *c, struct fix_draft *d, size_t *len)
{
	draft_arg(d, len, "--listener");
	d->f->nargs++;
	*len = 0;
	if (c->port)
		draft_arg(d, len, "port=%u ", c->port);
	if (c->iface[0])
		draft_arg(d, len, "iface=%s ", c->iface);
}

/* The SPEC done: the flag as text, then the configuration file's listener begun. */
static void listener_conf_start(const struct fix_ctx *c, struct fix_draft *d)
{
	d->f->nargs++;
	draft_text(d, "--listener '%s'\n", d->f->args[1]);
	draft_text(d, "# or in the configuration file, as the first listener for this port:\n"
		      "listeners = ( { ");
	if (c->port)
		draft_text(d, "port = %u; ", c->port);
	if (c->iface[0])
		draft_text(d, "interface = \"%s\"; ", c->iface);
}

/*
 * The fix is @n settings of the rule: flags, or a listener rule for the port
 * when the doctor saw several listeners; and the same in the configuration file.
 */
static void xff_rules(const struct fix_ctx *c, struct fix_draft *d, const enum xff_setting *s,
		      size_t n)
{
	bool listener = c->p->listener_rule && (c->port || c->iface[0]);
	size_t len = 0;

	draft_where(d,
		    "xffwatch: its command line (doctor or observer), or its configuration file");
	draft_text(d, "# flags:\n");
	if (listener) {
		listener_start(c, d, &len);
		for (size_t i = 0; i < n; i++) {
			draft_arg(d, &len, "%s%s=", i ? " " : "", xff_settings[s[i]].spec);
			xff_value(c, d, s[i], false, &len);
		}
		listener_conf_start(c, d);
		for (size_t i = 0; i < n; i++) {
			draft_text(d, "%s = ", xff_settings[s[i]].conf);
			xff_value(c, d, s[i], true, NULL);
			draft_text(d, "; ");
		}
		draft_text(d, "} );\n");
		return;
	}
	for (size_t i = 0; i < n; i++) {
		draft_arg(d, &len, "%s", xff_settings[s[i]].flag);
		d->f->nargs++;
		len = 0;
		xff_value(c, d, s[i], false, &len);
		d->f->nargs++;
		len = 0;
	}
	for (size_t i = 0; i < d->f->nargs; i++)
		draft_text(d, "%s%s", i ? " " : "", d->f->args[i]);
	draft_text(d, "\n# or in the configuration file:\ntrust = { ");
	for (size_t i = 0; i < n; i++) {
		draft_text(d, "%s = ", xff_settings[s[i]].conf);
		xff_value(c, d, s[i], true, NULL);
		draft_text(d, "; ");
	}
	draft_text(d, "};\n");
}

static void xff_rule(const struct fix_ctx *c, struct fix_draft *d, enum xff_setting s)
{
	xff_rules(c, d, &s, 1);
}

/* The rule must trust the proxies (and keep what it trusted). */
static bool xff_trust(const struct fix_ctx *c, struct fix_draft *d)
{
	xff_rule(c, d, XFF_TRUST);
	return true;
}

static bool xff_hops(const struct fix_ctx *c, struct fix_draft *d)
{
	xff_rule(c, d, XFF_HOPS);
	return true;
}

/* Read the header the own proxy writes, not a CDN's that anyone can send. */
static bool xff_header(const struct fix_ctx *c, struct fix_draft *d)
{
	xff_rule(c, d, XFF_HEADER);
	draft_text(
		d,
		"# A CDN's header counts only from the CDN's ranges: give the CDN its own\n"
		"# listener rule (trust=<its ranges> header=%s) if it reaches the app directly.\n",
		c->cdn_header ? c->cdn_header : "cf-connecting-ip");
	return true;
}

/*
 * Trust the local proxy by its process: --trust-local next to the trusted
 * list, which still judges the peers on other hosts.
 */
static bool xff_trust_local(const struct fix_ctx *c, struct fix_draft *d)
{
	bool listener = c->p->listener_rule && (c->port || c->iface[0]);
	size_t len = 0;

	if (c->p->local_set) {
		draft_where(d, "xffwatch: nothing to pass");
		draft_text(d, "# Nothing to change in xffwatch: it judges local peers by owner\n"
			      "# (--trust-local) and flags the others' headers\n"
			      "# (header-from-unexpected-local-process). The app, trusting the\n"
			      "# address, believes them: keep other processes off its port.\n");
		return true;
	}
	if (!c->local)
		return false;
	draft_where(d,
		    "xffwatch: its command line (doctor or observer), or its configuration file");
	draft_text(d, "# flags:\n");
	if (listener) {
		listener_start(c, d, &len);
		draft_arg(d, &len, "trust=");
		xff_value(c, d, XFF_TRUST, false, &len);
		draft_arg(d, &len, " trust-local=%s", c->local);
		listener_conf_start(c, d);
		draft_text(d, "proxies = ");
		xff_value(c, d, XFF_TRUST, true, NULL);
		draft_text(d, "; local_proxies = [ \"%s\" ]; } );\n", c->local);
	} else {
		draft_arg(d, &len, "--trust");
		d->f->nargs++;
		len = 0;
		xff_value(c, d, XFF_TRUST, false, &len);
		d->f->nargs++;
		len = 0;
		draft_arg(d, &len, "--trust-local");
		d->f->nargs++;
		len = 0;
		draft_arg(d, &len, "%s", c->local);
		d->f->nargs++;
		draft_text(d, "--trust %s --trust-local %s\n", d->f->args[1], c->local);
		draft_text(d, "# or in the configuration file:\ntrust = { proxies = ");
		xff_value(c, d, XFF_TRUST, true, NULL);
		draft_text(d, "; local_proxies = [ \"%s\" ]; };\n", c->local);
	}
	draft_text(d, "# By address, any process on this host can send the proxy's headers to\n"
		      "# the app; by owner, only the proxy's own process is believed.\n");
	return true;
}

/* Trust the preamble's sender and read its preambles; or, not our proxy, say why nothing changes. */
static bool xff_pp_trust(const struct fix_ctx *c, struct fix_draft *d)
{
	static const enum xff_setting both[] = { XFF_TRUST, XFF_HEADER };

	if (c->p->pp_block) {
		draft_where(d, "xffwatch: nothing to pass");
		draft_text(d,
			   "# Nothing to change in xffwatch: it believes no preamble from a peer\n"
			   "# it does not trust (proxy-protocol-from-untrusted-peer). An app that\n"
			   "# reads preambles from anyone does: block the senders (network).\n");
		return true;
	}
	xff_rules(c, d, both, 2);
	draft_text(d, "# The preamble's source is then the client, or the hop the walk goes on\n"
		      "# from into the header (docs/trust.md, \"PROXY protocol\").\n");
	return true;
}

/* Read the preamble the trusted proxy sends. */
static bool xff_pp_header(const struct fix_ctx *c, struct fix_draft *d)
{
	xff_rule(c, d, XFF_HEADER);
	return true;
}

/* The rule's PROXY-protocol mode for the listener: what arrives there. */
static bool xff_pp_mode(const struct fix_ctx *c, struct fix_draft *d)
{
	xff_rule(c, d, XFF_PP_MODE);
	if (!strcmp(c->pp_mode, "optional"))
		draft_text(d, "# Some connections came without one: optional, not required.\n");
	return true;
}

/* Diagnoses whose fix is not in xffwatch: why its rule is already right. */
static const char *const xff_notes[DIAG__MAX] = {
	[DIAG_PROXY_SENDS_NO_HEADER] =
		"# Nothing to change in xffwatch: its rule is right, the proxy must send the "
		"header\n"
		"# (below). Until it does, xffwatch and the app can only name the proxy.\n",
	[DIAG_APP_REACHED_DIRECTLY] =
		"# Nothing to change in xffwatch for the peers outside --trust: each is the "
		"client,\n"
		"# and its forwarding headers are flagged (spoofed-header-from-untrusted-peer).\n"
		"# With --hops N, xffwatch believes such peers as ProxyFix does\n"
		"# (hops-from-untrusted-peer). A trusted peer among them is trust-too-broad.\n"
		"# Close the port to everyone but the proxies (network).\n",
	[DIAG_CLIENT_HEADERS_PASS_THROUGH] = "# Nothing to change in xffwatch: it walks the chain "
					     "from the right and stops at the\n"
					     "# first hop it does not trust (or counts --hops N "
					     "from the right), so the entries a\n"
					     "# client wrote on the left are not believed. Code "
					     "that takes the leftmost entry is.\n",
	[DIAG_HEADERS_DISAGREE] =
		"# Nothing to change in xffwatch: it reads the first header of its rule and flags\n"
		"# the others when they disagree (header-conflict). Make the proxy overwrite "
		"them.\n",
	[DIAG_LEFTMOST_ROTATION] =
		"# Nothing to change in xffwatch: it names the client from the right of the "
		"chain,\n"
		"# so the rotating leftmost values do not change it. Rate limits keyed on the\n"
		"# leftmost entry are what this defeats: key them on the trusted answer.\n",
	[DIAG_CLIENTS_BEHIND_NAT] = "# Nothing to change in xffwatch: the proxy itself saw every "
				    "client as one address,\n"
				    "# so that address is all the chain holds. The fix is in front "
				    "of the proxy (network).\n",
	[DIAG_PP_MISSING] =
		"# Nothing to change in xffwatch if the port must receive PROXY protocol: it\n"
		"# flags each connection without it (proxy-protocol-missing). The sender must\n"
		"# begin every connection with one (below); peers that are not the proxy must\n"
		"# not reach the port. If both kinds belong there, say so: --proxy-protocol\n"
		"# optional.\n",
	[DIAG_PP_MALFORMED] =
		"# Nothing to change in xffwatch: it holds preambles to the specification and\n"
		"# takes the peer as the client of a broken one (proxy-protocol-malformed;\n"
		"# nginx is more lenient, docs/trust.md). The sender writes them: fix or\n"
		"# replace it, or block a peer that is no proxy.\n",
	[DIAG_PP_SHARED_CONNECTION] =
		"# Nothing to change in xffwatch: the preamble names the client its connection\n"
		"# was opened for, and the sender puts other clients' requests on it. Stop the\n"
		"# reuse at the sender (below). Reading its header instead is no fix: behind a\n"
		"# layer-4 link the header is the client's own.\n",
};

static bool xff_note(const struct fix_ctx *c, struct fix_draft *d)
{
	const char *note = xff_notes[c->p->diag];

	if (!note)
		return false;
	draft_where(d, "xffwatch: nothing to pass");
	draft_text(d, "%s", note);
	return true;
}

/* ---- outside any program ----------------------------------------------------------------- */

/* An nftables rule that lets only the proxies reach the app port. */
static bool net_guard(const struct fix_ctx *c, struct fix_draft *d)
{
	static const char table[] = "inet xffwatch_guard";
	bool v4, v6;

	if (!c->nproxies || !c->port)
		return false;
	draft_where(d, "network: the app's host, or the app container's network namespace "
		       "(nsenter -t <app pid> -n), as root");
	draft_text(d,
		   "# Only the proxies (and this host's own loopback, its health checks) may\n"
		   "# reach port %u; everyone else's packets are dropped.\n",
		   c->port);
	draft_text(d,
		   "nft 'add table %s; add chain %s port_%u { type filter hook input priority 0; "
		   "policy accept; }; add rule %s port_%u iif lo accept",
		   table, table, c->port, table, c->port);
	for (int f = 4; f <= 6; f += 2) {
		size_t n = 0;

		draft_text(d, "; add rule %s port_%u tcp dport %u ", table, c->port, c->port);
		for (size_t i = 0; i < c->nproxies; i++) {
			if (c->proxies[i].family != f)
				continue;
			draft_text(d, "%s%s",
				   n++	    ? ", "
				   : f == 4 ? "ip saddr != { "
					    : "ip6 saddr != { ",
				   c->proxies[i].cidr);
		}
		draft_text(d, n ? " } drop" : "meta nfproto %s drop", f == 4 ? "ipv4" : "ipv6");
	}
	draft_text(d, "'\n");
	if (fix_all_loopback(c, &v4, &v6))
		draft_text(
			d,
			"# Better still: let the app listen on loopback only (the fixes below).\n");
	else
		draft_text(d, "# Better still: let the app listen only on the address the proxies "
			      "reach it on.\n");
	return true;
}

/* The proxy saw every client as one address: the translation is in front of it. */
static bool net_nat(const struct fix_ctx *c, struct fix_draft *d)
{
	(void)c;
	draft_where(d, "network: the host in front of the proxy (Docker: /etc/docker/daemon.json)");
	draft_text(
		d,
		"# Something in front of the proxy translates client addresses to one. With "
		"Docker\n"
		"# it is docker-proxy, the userland proxy, which connects onward from the bridge\n"
		"# gateway. Let the kernel carry published ports instead (its DNAT keeps the "
		"address\n"
		"# of clients from other hosts): in /etc/docker/daemon.json set\n"
		"#   \"userland-proxy\": false\n"
		"# and restart dockerd; or run the edge proxy with host networking\n"
		"# (network_mode: host), where it sees clients' own addresses.\n");
	return true;
}

/* Drop the peers that sent preambles without being trusted. */
static bool net_block(const struct fix_ctx *c, struct fix_draft *d)
{
	static const char table[] = "inet xffwatch_block";

	if (!c->p->pp_block || !c->nproxies || !c->port)
		return false;
	draft_where(d, "network: the app's host, or the app container's network namespace "
		       "(nsenter -t <app pid> -n), as root");
	draft_text(d, "# These peers are no proxy of ours: drop what they send to port %u.\n",
		   c->port);
	draft_text(d,
		   "nft 'add table %s; add chain %s port_%u { type filter hook input priority 0; "
		   "policy accept; }",
		   table, table, c->port);
	for (int f = 4; f <= 6; f += 2) {
		size_t n = 0;

		for (size_t i = 0; i < c->nproxies; i++) {
			if (c->proxies[i].family != f)
				continue;
			if (!n++)
				draft_text(d, "; add rule %s port_%u tcp dport %u %s saddr { ",
					   table, c->port, c->port, f == 4 ? "ip" : "ip6");
			draft_text(d, "%s%s", n > 1 ? ", " : "", c->proxies[i].cidr);
		}
		if (n)
			draft_text(d, " } drop");
	}
	draft_text(d, "'\n");
	return true;
}

/* ---- which target gets which writer ---------------------------------------------------- */

struct diag_fixes {
	fix_writer *xffwatch, *network, *stack[STACK__MAX];
	/* The proxies' side of the link: only when no app server is named (it is then behind it). */
	bool stack_behind[STACK__MAX];
};

#define RECEIVERS \
	.stack_behind = { [STACK_NGINX] = true, [STACK_HAPROXY] = true, [STACK_APACHE] = true }

static const struct diag_fixes diag_fixes[DIAG__MAX] = {
	[DIAG_PROXY_NOT_TRUSTED] = {
		.xffwatch = xff_trust,
		.stack = { [STACK_NGINX] = nginx_realip, [STACK_HAPROXY] = haproxy_set_src,
			   [STACK_APACHE] = apache_remoteip, [STACK_WERKZEUG] = werkzeug_proxyfix,
			   [STACK_GUNICORN] = gunicorn_allow, [STACK_UVICORN] = uvicorn_proxy_headers },
		RECEIVERS,
	},
	[DIAG_PROXY_SENDS_NO_HEADER] = {
		.xffwatch = xff_note,
		.stack = { [STACK_NGINX] = nginx_send_xff, [STACK_HAPROXY] = haproxy_send_xff,
			   [STACK_APACHE] = apache_send_xff },
	},
	[DIAG_APP_REACHED_DIRECTLY] = {
		.xffwatch = xff_note,
		.network = net_guard,
		.stack = { [STACK_NGINX] = nginx_listen, [STACK_HAPROXY] = haproxy_bind,
			   [STACK_APACHE] = apache_listen, [STACK_GUNICORN] = gunicorn_bind,
			   [STACK_UVICORN] = uvicorn_bind },
		RECEIVERS,
	},
	[DIAG_CLIENT_HEADERS_PASS_THROUGH] = {
		.xffwatch = xff_note,
		.stack = { [STACK_NGINX] = nginx_edge_xff, [STACK_HAPROXY] = haproxy_edge_xff,
			   [STACK_APACHE] = apache_edge_xff, [STACK_WERKZEUG] = werkzeug_proxyfix,
			   [STACK_GUNICORN] = gunicorn_allow, [STACK_UVICORN] = uvicorn_proxy_headers },
	},
	[DIAG_HOPS_MISMATCH] = {
		.xffwatch = xff_hops,
		.stack = { [STACK_WERKZEUG] = werkzeug_proxyfix },
	},
	[DIAG_TRUST_TOO_BROAD] = {
		.xffwatch = xff_trust,
		.stack = { [STACK_NGINX] = nginx_realip, [STACK_HAPROXY] = haproxy_set_src,
			   [STACK_APACHE] = apache_remoteip, [STACK_GUNICORN] = gunicorn_allow,
			   [STACK_UVICORN] = uvicorn_proxy_headers },
		RECEIVERS,
	},
	[DIAG_CDN_HEADER_NOT_FROM_CDN] = {
		.xffwatch = xff_header,
		.stack = { [STACK_NGINX] = nginx_cdn, [STACK_HAPROXY] = haproxy_cdn,
			   [STACK_APACHE] = apache_cdn },
	},
	[DIAG_HEADERS_DISAGREE] = {
		.xffwatch = xff_note,
		.stack = { [STACK_NGINX] = nginx_agree, [STACK_HAPROXY] = haproxy_agree,
			   [STACK_APACHE] = apache_agree },
	},
	[DIAG_LEFTMOST_ROTATION] = {
		.xffwatch = xff_note,
		.stack = { [STACK_NGINX] = nginx_edge_xff, [STACK_HAPROXY] = haproxy_edge_xff,
			   [STACK_APACHE] = apache_edge_xff, [STACK_WERKZEUG] = werkzeug_proxyfix,
			   [STACK_GUNICORN] = gunicorn_allow, [STACK_UVICORN] = uvicorn_proxy_headers },
	},
	[DIAG_CLIENTS_BEHIND_NAT] = {
		.xffwatch = xff_note,
		.network = net_nat,
	},
	/* No stack can tell local processes apart: only xffwatch can. */
	[DIAG_LOCAL_PROCESS_FORGES] = { .xffwatch = xff_trust_local },
	[DIAG_TRUST_LOCAL_AVAILABLE] = { .xffwatch = xff_trust_local },
	/* PROXY protocol: the receivers read it from the senders; the senders send it right. */
	[DIAG_PP_UNTRUSTED_SENDER] = {
		.xffwatch = xff_pp_trust,
		.network = net_block,
		.stack = { [STACK_NGINX] = nginx_pp_realip, [STACK_HAPROXY] = haproxy_pp_expect,
			   [STACK_GUNICORN] = gunicorn_pp },
		RECEIVERS,
	},
	[DIAG_PP_NOT_READ] = {
		.xffwatch = xff_pp_header,
		.stack = { [STACK_NGINX] = nginx_pp_realip, [STACK_HAPROXY] = haproxy_pp_expect,
			   [STACK_GUNICORN] = gunicorn_pp },
		RECEIVERS,
	},
	[DIAG_PP_MISSING] = {
		.xffwatch = xff_note,
		.stack = { [STACK_HAPROXY] = haproxy_send_pp },
	},
	[DIAG_PP_UNEXPECTED] = {
		.xffwatch = xff_pp_mode,
		.stack = { [STACK_NGINX] = nginx_pp_realip, [STACK_HAPROXY] = haproxy_pp_expect,
			   [STACK_GUNICORN] = gunicorn_pp },
		RECEIVERS,
	},
	[DIAG_PP_MALFORMED] = { .xffwatch = xff_note },
	[DIAG_PP_SHARED_CONNECTION] = {
		.xffwatch = xff_note,
		.stack = { [STACK_HAPROXY] = haproxy_no_reuse },
	},
};

/* ---- the params, checked ----------------------------------------------------------------- */

/* The headers xffwatch reads, as they are spelled on the wire (nginx compares case-sensitively). */
static const char *const header_spellings[][2] = {
	{ "x-forwarded-for", "X-Forwarded-For" },
	{ "forwarded", "Forwarded" },
	{ "x-real-ip", "X-Real-IP" },
	{ "cf-connecting-ip", "CF-Connecting-IP" },
	{ "true-client-ip", "True-Client-IP" },
};

/* The entry of header_spellings @name is (either spelling, any case), or -1; NULL or "" is -2. */
static int header_index(const char *name)
{
	size_t len;

	if (!name || !name[0])
		return -2;
	len = strnlen(name, FIX_HEADER_MAX + 1);
	if (len > FIX_HEADER_MAX)
		return -1;
	for (size_t i = 0; i < sizeof(header_spellings) / sizeof(header_spellings[0]); i++)
		if (strlen(header_spellings[i][0]) == len &&
		    !strncasecmp(name, header_spellings[i][0], len))
			return (int)i;
	return -1;
}

/* Is @a not a public address? mod_remoteip's list (docs/trust.md, "External proxies"). */
static bool addr_internal(const struct ip_addr *a)
{
	const uint8_t *b = a->b;

	if (a->family == 6)
		return (b[0] & 0xe0) != 0x20; /* outside 2000::/3 */
	return b[0] == 10 || b[0] == 127 || (b[0] == 169 && b[1] == 254) ||
	       (b[0] == 172 && (b[1] & 0xf0) == 16) || (b[0] == 192 && b[1] == 168);
}

static const uint8_t loopback6[16] = { [15] = 1 };

/* @s as a checked, canonical address; false when it is not a CIDR of at most FIX_CIDR_IN_MAX. */
static bool addr_check(const char *s, struct fix_addr *out)
{
	struct ip_cidr cidr;
	size_t len;

	if (!s)
		return false;
	len = strnlen(s, FIX_CIDR_IN_MAX + 1);
	if (len > FIX_CIDR_IN_MAX || ip_cidr_parse(s, len, &cidr, NULL))
		return false;
	memset(out, 0, sizeof(*out));
	ip_cidr_format(&cidr, out->cidr);
	if (cidr.prefix == (cidr.net.family == 4 ? 32 : 128))
		ip_format(&cidr.net, out->host);
	else
		memcpy(out->host, out->cidr, sizeof(out->host));
	out->family = cidr.net.family;
	if (cidr.net.family == 4)
		out->loopback = cidr.net.b[0] == 127 && cidr.prefix >= 8;
	else
		out->loopback = cidr.prefix == 128 && !memcmp(cidr.net.b, loopback6, 16);
	out->internal = addr_internal(&cidr.net);
	return true;
}

/* @a (checked from @s) written as its pseudonym: host and CIDR, the flags of the real one. */
static void addr_pseudonym(const struct pseudo *ps, const char *s, struct fix_addr *a)
{
	struct ip_cidr cidr;
	char t[PSEUDO_TEXT_MAX];

	if (ip_cidr_parse(s, strlen(s), &cidr, NULL))
		return;
	pseudo_addr(ps, &cidr.net, t);
	snprintf(a->host, sizeof(a->host), "%s", t);
	snprintf(a->cidr, sizeof(a->cidr), "%s/%d", t, cidr.prefix);
}

static const char pseudonym_note[] = "# The addresses are pseudonymised (--pseudonymize): "
				     "replace them with the real ones before use.\n";

/* A fix naming a pseudonym begins with pseudonym_note; false when that does not fit. */
static bool note_pseudonyms(const struct fix_ctx *c, struct fix *f)
{
	size_t len = strlen(f->text), n = sizeof(pseudonym_note) - 1;
	bool named = false;

	for (size_t i = 0; i < c->nproxies && !named; i++)
		named = c->proxies[i].pseudonym && strstr(f->text, c->proxies[i].host);
	if (!named)
		return true;
	if (len + n >= sizeof(f->text))
		return false;
	memmove(f->text + n, f->text, len + 1);
	memcpy(f->text, pseudonym_note, n);
	return true;
}

/* Appends @a to @list unless it is there; returns the new count. */
static size_t addr_add(struct fix_addr *list, size_t n, const struct fix_addr *a)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(list[i].cidr, a->cidr))
			return n;
	list[n] = *a;
	return n + 1;
}

static bool iface_check(const char *s)
{
	size_t len = strnlen(s, IF_NAMESIZE);

	if (len >= IF_NAMESIZE)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-@",
			    s[i]))
			return false;
	return true;
}

/* A --trust-local SPEC that prints as it is: in a flag, single quotes and a string. */
bool fix_plain(const char *s)
{
	size_t len = strnlen(s, FIX_LOCAL_MAX + 1);

	if (!len || len > FIX_LOCAL_MAX)
		return false;
	for (size_t i = 0; i < len; i++)
		if (!strchr("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789:_.@/=-",
			    s[i]))
			return false;
	return true;
}

static bool local_check(const char *s)
{
	return !s || (fix_plain(s) && strchr(s, '='));
}

static bool ctx_make(const struct fix_params *p, struct fix_ctx *c)
{
	int h = header_index(p->header_key), cdn = header_index(p->cdn_header);

	memset(c, 0, sizeof(*c));
	c->p = p;
	if ((unsigned int)p->diag >= DIAG__MAX || p->nproxies > FIX_ADDRS_MAX ||
	    p->ntrusted > FIX_ADDRS_MAX || p->port > 65535 || p->depth > 64 || h == -1 ||
	    cdn == -1 || (p->iface && !iface_check(p->iface)))
		return false;
	/* A SPEC that does not print as is: no xffwatch fix (the diagnosis stays). */
	c->local = p->local_owner && p->local_owner[0] && local_check(p->local_owner)
			   ? p->local_owner
			   : NULL;
	if (p->pp_mode && strcmp(p->pp_mode, "required") && strcmp(p->pp_mode, "optional"))
		return false;
	c->pp_mode = p->pp_mode ? p->pp_mode : "optional";
	c->pp_read = p->diag == DIAG_PP_NOT_READ ||
		     (p->diag == DIAG_PP_UNTRUSTED_SENDER && !p->pp_block);
	c->port = p->port;
	c->depth = p->depth ? p->depth : 1;
	c->iface = p->iface ? p->iface : "";
	c->header_key = header_spellings[h < 0 ? 0 : h][0];
	c->header = header_spellings[h < 0 ? 0 : h][1];
	if (cdn >= 3) /* only the CDNs' own headers */
		c->cdn_header = header_spellings[cdn][1];
	for (size_t i = 0; i < p->nproxies; i++) {
		struct fix_addr a;

		if (!addr_check(p->proxies[i], &a))
			return false;
		if (p->pseudo && p->pseudo->mode != PSEUDO_NONE && !p->proxy_as_is[i]) {
			addr_pseudonym(p->pseudo, p->proxies[i], &a);
			a.pseudonym = true;
		}
		c->nproxies = addr_add(c->proxies, c->nproxies, &a);
	}
	if (p->diag != DIAG_TRUST_TOO_BROAD)
		for (size_t i = 0; i < p->ntrusted; i++) {
			struct fix_addr a;

			if (!addr_check(p->trusted[i], &a))
				return false;
			c->ntrust = addr_add(c->trust, c->ntrust, &a);
		}
	for (size_t i = 0; i < c->nproxies; i++)
		c->ntrust = addr_add(c->trust, c->ntrust, &c->proxies[i]);
	return true;
}

/* Writes one fix with @w into *@f; whether it has something (and fitted). */
static bool fix_write(fix_writer *w, const struct fix_ctx *c, const char *target, struct fix *f)
{
	struct fix_draft d = { .f = f };

	memset(f, 0, sizeof(*f));
	snprintf(f->stack, sizeof(f->stack), "%s", target);
	return w && w(c, &d) && !d.spoilt && note_pseudonyms(c, f);
}

size_t fixes_make(const struct fix_params *p, unsigned int stacks, struct fix *out)
{
	const struct diag_fixes *t;
	bool app_named =
		stacks & (1u << STACK_WERKZEUG | 1u << STACK_GUNICORN | 1u << STACK_UVICORN);
	struct fix_ctx c;
	size_t n = 0;

	if (!ctx_make(p, &c))
		return 0;
	t = &diag_fixes[p->diag];
	n += fix_write(t->xffwatch, &c, "xffwatch", &out[n]);
	n += fix_write(t->network, &c, "network", &out[n]);
	for (int s = 0; s < STACK__MAX; s++)
		if ((stacks & 1u << s) && !(t->stack_behind[s] && app_named))
			n += fix_write(t->stack[s], &c, stack_names[s], &out[n]);
	return n;
}
