// SPDX-License-Identifier: BSD-2-Clause
/*
 * The fixes for the proxies: nginx, HAProxy, Apache. Two sides of the link:
 * the proxy in front sends the forwarding headers ("_send", "_edge", "_agree",
 * "_cdn"); a proxy listening on the app port itself takes the client from them
 * ("realip", "set_src", "remoteip", "listen", "bind"). Every text is valid as
 * printed where "where" says (tests/unit/check_fix_snippets.py checks it).
 */
#include <string.h>

#include "doctor/fix_draft.h"

/* The header a proxy reads the chain from: none of them reads Forwarded (RFC 7239). */
static const char *chain_header(const struct fix_ctx *c)
{
	return strcmp(c->header_key, "forwarded") ? c->header : "X-Forwarded-For";
}

static bool reads(const struct fix_ctx *c, const char *key)
{
	return !strcmp(c->header_key, key);
}

static const char *cdn_header(const struct fix_ctx *c)
{
	return c->cdn_header ? c->cdn_header : "CF-Connecting-IP";
}

/* ---- nginx ------------------------------------------------------------------------------ */

static void nginx_where_front(const struct fix_ctx *c, struct fix_draft *d, const char *which)
{
	draft_where(d,
		    "nginx %s: the location that proxy_passes to port %u (proxy_set_header there "
		    "replaces all inherited from server or http: keep the others alongside)",
		    which, c->port);
}

bool nginx_realip(const struct fix_ctx *c, struct fix_draft *d)
{
	draft_where(d,
		    "nginx listening on port %u (behind the link): its server block; replace the "
		    "set_real_ip_from, real_ip_header and real_ip_recursive lines there",
		    c->port);
	if (!c->ntrust) {
		draft_text(d, "# Trust no peer: remove every set_real_ip_from line (realip then "
			      "changes nothing).\n");
		return true;
	}
	draft_text(d, "# realip: the client is the rightmost %s entry that is not one of these.\n",
		   chain_header(c));
	draft_addrs(d, c->trust, c->ntrust, false, "set_real_ip_from ", "", ";\n");
	draft_text(d, "real_ip_header %s;\nreal_ip_recursive on;\n", chain_header(c));
	if (reads(c, "forwarded"))
		draft_text(d, "# nginx reads no Forwarded header: the proxies must send "
			      "X-Forwarded-For.\n");
	return true;
}

/* X-Forwarded-For as the only proxy (replace) or one of several (append). */
static void nginx_xff(const struct fix_ctx *c, struct fix_draft *d)
{
	if (c->depth == 1)
		draft_text(d, "# The only proxy: the client's address, replacing what the client "
			      "sent.\nproxy_set_header X-Forwarded-For $remote_addr;\n");
	else
		draft_text(d, "# Append the peer to the chain the proxies in front sent.\n"
			      "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n");
}

bool nginx_send_xff(const struct fix_ctx *c, struct fix_draft *d)
{
	nginx_where_front(c, d, "in front");
	nginx_xff(c, d);
	if (reads(c, "x-real-ip"))
		draft_text(d, c->depth == 1 ? "proxy_set_header X-Real-IP $remote_addr;\n"
					    : "# X-Real-IP is set by the edge proxy "
					      "(proxy_set_header X-Real-IP $remote_addr there).\n");
	return true;
}

bool nginx_edge_xff(const struct fix_ctx *c, struct fix_draft *d)
{
	nginx_where_front(c, d, "at the edge (clients connect to it)");
	draft_text(d, "# The edge proxy: the client's address, replacing what the client sent.\n"
		      "proxy_set_header X-Forwarded-For $remote_addr;\n");
	if (c->depth > 1)
		draft_text(d, "# Proxies behind the edge append instead:\n"
			      "#   proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;\n");
	return true;
}

bool nginx_agree(const struct fix_ctx *c, struct fix_draft *d)
{
	nginx_where_front(c, d, "in front");
	draft_text(d, "# Overwrite the client-naming headers a client may have sent, so that they "
		      "agree.\n");
	nginx_xff(c, d);
	if (c->depth == 1)
		draft_text(d, "proxy_set_header X-Real-IP $remote_addr;\n");
	else if (!reads(c, "x-real-ip"))
		draft_text(d, "proxy_set_header X-Real-IP \"\";\n");
	if (!reads(c, "forwarded"))
		draft_text(d, "proxy_set_header Forwarded \"\";\n");
	return true;
}

bool nginx_cdn(const struct fix_ctx *c, struct fix_draft *d)
{
	nginx_where_front(c, d, "in front");
	draft_text(
		d,
		"# Pass on no %s header the CDN did not write, and name the peer (not that\n"
		"# header: never $http_%s) as the client.\n"
		"proxy_set_header %s \"\";\n"
		"proxy_set_header X-Real-IP $remote_addr;\n"
		"# If the CDN is in front, take the client from its header only when the peer is\n"
		"# the CDN (one set_real_ip_from per range it publishes); $remote_addr is then "
		"it:\n"
		"#   set_real_ip_from <CDN range>;\n"
		"#   real_ip_header %s;\n",
		cdn_header(c),
		!strcmp(cdn_header(c), "CF-Connecting-IP") ? "cf_connecting_ip" : "true_client_ip",
		cdn_header(c), cdn_header(c));
	return true;
}

bool nginx_listen(const struct fix_ctx *c, struct fix_draft *d)
{
	bool v4, v6;

	if (!c->port || !fix_all_loopback(c, &v4, &v6))
		return false;
	draft_where(d,
		    "nginx listening on port %u (behind the link): its server block; replace its "
		    "listen lines for that port",
		    c->port);
	draft_text(d, "# The proxies are on this host: listen on loopback only.\n");
	if (v4)
		draft_text(d, "listen 127.0.0.1:%u;\n", c->port);
	if (v6)
		draft_text(d, "listen [::1]:%u;\n", c->port);
	return true;
}

/* ---- HAProxy ---------------------------------------------------------------------------- */

/* hdr_ip(name,-N) takes N up to this (HAProxy's MAX_HDR_HISTORY; haproxy -c says so). */
#define HAPROXY_HDR_HISTORY 10

static void haproxy_where_front(const struct fix_ctx *c, struct fix_draft *d, const char *which)
{
	draft_where(d, "HAProxy %s: the backend that sends to port %u (or its listen section)",
		    which, c->port);
}

bool haproxy_set_src(const struct fix_ctx *c, struct fix_draft *d)
{
	bool chain = !strcmp(chain_header(c), "X-Forwarded-For");
	unsigned int from_right = chain ? c->depth : 1;

	draft_where(d,
		    "HAProxy listening on port %u (behind the link): the frontend that binds it; "
		    "replace any http-request set-src rule there",
		    c->port);
	if (!c->ntrust) {
		draft_text(d, "# Trust no peer: remove the http-request set-src rule.\n");
		return true;
	}
	if (from_right > HAPROXY_HDR_HISTORY) {
		draft_text(
			d,
			"# HAProxy counts at most %d entries from the right (hdr_ip), and the\n"
			"# client is entry %u: let the edge proxy name it in X-Real-IP instead.\n",
			HAPROXY_HDR_HISTORY, from_right);
		return true;
	}
	draft_text(d,
		   "# The client is %s entry %u from the right, only when the peer is a proxy.\n"
		   "http-request set-src hdr_ip(%s,-%u) if { src ",
		   chain_header(c), from_right, chain_header(c), from_right);
	draft_addrs(d, c->trust, c->ntrust, false, "", " ", "");
	draft_text(d, " }\n");
	return true;
}

static void haproxy_xff(const struct fix_ctx *c, struct fix_draft *d)
{
	if (c->depth == 1)
		draft_text(d, "# The only proxy: the client's address, replacing what the client "
			      "sent.\nhttp-request set-header X-Forwarded-For %%[src]\n");
	else
		draft_text(d,
			   "# Append the peer (a new X-Forwarded-For line).\noption forwardfor\n");
}

bool haproxy_send_xff(const struct fix_ctx *c, struct fix_draft *d)
{
	haproxy_where_front(c, d, "in front");
	haproxy_xff(c, d);
	if (reads(c, "x-real-ip"))
		draft_text(d, c->depth == 1
				      ? "http-request set-header X-Real-IP %%[src]\n"
				      : "# X-Real-IP is set by the edge proxy "
					"(http-request set-header X-Real-IP %%[src] there).\n");
	return true;
}

bool haproxy_edge_xff(const struct fix_ctx *c, struct fix_draft *d)
{
	haproxy_where_front(c, d, "at the edge (clients connect to it)");
	draft_text(d, "# The edge proxy: the client's address, replacing what the client sent\n"
		      "# (in place of option forwardfor, which keeps it).\n"
		      "http-request set-header X-Forwarded-For %%[src]\n");
	return true;
}

bool haproxy_agree(const struct fix_ctx *c, struct fix_draft *d)
{
	haproxy_where_front(c, d, "in front");
	draft_text(d, "# Overwrite the client-naming headers a client may have sent, so that they "
		      "agree.\n");
	haproxy_xff(c, d);
	if (c->depth == 1)
		draft_text(d, "http-request set-header X-Real-IP %%[src]\n");
	else if (!reads(c, "x-real-ip"))
		draft_text(d, "http-request del-header X-Real-IP\n");
	if (!reads(c, "forwarded"))
		draft_text(d, "http-request del-header Forwarded\n");
	return true;
}

bool haproxy_cdn(const struct fix_ctx *c, struct fix_draft *d)
{
	haproxy_where_front(c, d, "in front");
	draft_text(d,
		   "# Pass on no %s header the CDN did not write. If the CDN is in front, keep\n"
		   "# its own: end the line with  unless { src <CDN ranges> }\n"
		   "http-request del-header %s\n",
		   cdn_header(c), cdn_header(c));
	return true;
}

bool haproxy_bind(const struct fix_ctx *c, struct fix_draft *d)
{
	bool v4, v6;

	if (!c->port || !fix_all_loopback(c, &v4, &v6))
		return false;
	draft_where(d,
		    "HAProxy listening on port %u (behind the link): the frontend that binds it; "
		    "replace its bind lines for that port",
		    c->port);
	draft_text(d, "# The proxies are on this host: listen on loopback only.\n");
	if (v4)
		draft_text(d, "bind 127.0.0.1:%u\n", c->port);
	if (v6)
		draft_text(d, "bind [::1]:%u\n", c->port);
	return true;
}

/* ---- Apache ----------------------------------------------------------------------------- */

static void apache_where_front(const struct fix_ctx *c, struct fix_draft *d, const char *which,
			       const char *modules)
{
	draft_where(d, "Apache %s (%s): the <VirtualHost> whose ProxyPass sends to port %u", which,
		    modules, c->port);
}

bool apache_remoteip(const struct fix_ctx *c, struct fix_draft *d)
{
	draft_where(d,
		    "Apache listening on port %u (behind the link): its <VirtualHost> (a2enmod "
		    "remoteip; log %%a, the client); replace the RemoteIP lines there",
		    c->port);
	if (!c->ntrust) {
		draft_text(d,
			   "# Trust no peer: remove RemoteIPHeader and every RemoteIP*Proxy line\n"
			   "# (with no proxy listed, mod_remoteip trusts every peer).\n");
		return true;
	}
	draft_text(
		d,
		"# mod_remoteip: the client from %s, walked from the right past these proxies\n"
		"# (a public one, such as a CDN's, only as RemoteIPTrustedProxy: what it presents\n"
		"# must be a public address).\n"
		"RemoteIPHeader %s\n",
		chain_header(c), chain_header(c));
	for (size_t i = 0; i < c->ntrust; i++)
		draft_text(d, "RemoteIP%sProxy %s\n", c->trust[i].internal ? "Internal" : "Trusted",
			   c->trust[i].cidr);
	return true;
}

bool apache_send_xff(const struct fix_ctx *c, struct fix_draft *d)
{
	apache_where_front(c, d, "in front", "mod_proxy, mod_headers");
	draft_text(d, "# mod_proxy appends the peer to X-Forwarded-For unless this is off.\n"
		      "ProxyAddHeaders On\n");
	if (c->depth == 1)
		draft_text(d,
			   "# The only proxy: drop what the client sent, so that the client's "
			   "address is all there is.\nRequestHeader unset X-Forwarded-For early\n");
	if (reads(c, "x-real-ip"))
		draft_text(d, c->depth == 1
				      ? "RequestHeader set X-Real-IP \"expr=%%{REMOTE_ADDR}\"\n"
				      : "# X-Real-IP is set by the edge proxy.\n");
	return true;
}

bool apache_edge_xff(const struct fix_ctx *c, struct fix_draft *d)
{
	apache_where_front(c, d, "at the edge (clients connect to it)", "mod_proxy, mod_headers");
	draft_text(d, "# The edge proxy: drop what the client sent; mod_proxy then writes the\n"
		      "# client's address alone.\n"
		      "RequestHeader unset X-Forwarded-For early\n");
	return true;
}

bool apache_agree(const struct fix_ctx *c, struct fix_draft *d)
{
	apache_where_front(c, d, "in front", "mod_proxy, mod_headers");
	draft_text(d, "# Overwrite the client-naming headers a client may have sent, so that they "
		      "agree.\n");
	if (c->depth == 1)
		draft_text(d, "RequestHeader unset X-Forwarded-For early\n"
			      "RequestHeader set X-Real-IP \"expr=%%{REMOTE_ADDR}\"\n");
	else if (!reads(c, "x-real-ip"))
		draft_text(d, "RequestHeader unset X-Real-IP early\n");
	if (!reads(c, "forwarded"))
		draft_text(d, "RequestHeader unset Forwarded early\n");
	return true;
}

bool apache_cdn(const struct fix_ctx *c, struct fix_draft *d)
{
	apache_where_front(c, d, "in front", "mod_proxy, mod_headers");
	draft_text(
		d,
		"# Pass on no %s header the CDN did not write.\n"
		"RequestHeader unset %s early\n"
		"# If the CDN is in front, instead of that line (a2enmod remoteip; one line per\n"
		"# range the CDN publishes):\n"
		"#   RemoteIPHeader %s\n"
		"#   RemoteIPTrustedProxy <CDN range>\n",
		cdn_header(c), cdn_header(c), cdn_header(c));
	return true;
}

bool apache_listen(const struct fix_ctx *c, struct fix_draft *d)
{
	bool v4, v6;

	if (!c->port || !fix_all_loopback(c, &v4, &v6))
		return false;
	draft_where(d,
		    "Apache listening on port %u (behind the link): ports.conf; replace its Listen "
		    "line for that port",
		    c->port);
	draft_text(d, "# The proxies are on this host: listen on loopback only.\n");
	if (v4)
		draft_text(d, "Listen 127.0.0.1:%u\n", c->port);
	if (v6)
		draft_text(d, "Listen [::1]:%u\n", c->port);
	return true;
}
