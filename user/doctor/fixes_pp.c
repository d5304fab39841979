// SPDX-License-Identifier: BSD-2-Clause
/*
 * The fixes about PROXY protocol: a server on the app port that reads the
 * preamble from the proxies only (nginx, HAProxy, gunicorn), and HAProxy in
 * front that sends it right. nginx sends preambles only from its stream
 * module, never in front of an HTTP app, so it has no sender fix. Checked as
 * printed by tests/unit/check_fix_snippets.py against Debian 12's nginx
 * 1.22, HAProxy 2.6 and gunicorn 20.1.
 */
#include <string.h>

#include "doctor/fix_draft.h"

/* nginx on the app port: the preamble's source is the client when the peer is listed. */
bool nginx_pp_realip(const struct fix_ctx *c, struct fix_draft *d)
{
	if (c->p->pp_block)
		return false;
	draft_where(d,
		    "nginx listening on port %u (behind the link): its server block; replace its "
		    "listen line for that port and the set_real_ip_from and real_ip_header lines",
		    c->port);
	draft_text(d, "# Every connection must then begin with a preamble (nginx refuses the\n"
		      "# others); realip takes the client from it when the peer is listed.\n");
	if (c->port)
		draft_text(d, "listen %u proxy_protocol;\n", c->port);
	else
		draft_text(d, "# Add proxy_protocol to the listen line of the app's port.\n");
	if (!c->ntrust) {
		draft_text(
			d,
			"# No peer to believe it from: list your proxy with set_real_ip_from.\n");
		return true;
	}
	draft_addrs(d, c->trust, c->ntrust, false, "set_real_ip_from ", "", ";\n");
	draft_text(d, "real_ip_header proxy_protocol;\n");
	return true;
}

/* HAProxy on the app port: a preamble only from the listed peers (accept-proxy takes anyone's). */
bool haproxy_pp_expect(const struct fix_ctx *c, struct fix_draft *d)
{
	if (c->p->pp_block)
		return false;
	draft_where(d,
		    "HAProxy listening on port %u (behind the link): the frontend that binds it; "
		    "in place of accept-proxy on its bind line",
		    c->port);
	if (!c->ntrust) {
		draft_text(d, "# No peer to take a preamble from: remove accept-proxy.\n");
		return true;
	}
	draft_text(d, "# A preamble is read (its source becomes src) only from these peers.\n"
		      "tcp-request connection expect-proxy layer4 if { src ");
	draft_addrs(d, c->trust, c->ntrust, false, "", " ", "");
	draft_text(d, " }\n");
	return true;
}

/* HAProxy in front: begin each connection to the app with a preamble. */
bool haproxy_send_pp(const struct fix_ctx *c, struct fix_draft *d)
{
	draft_where(d,
		    "HAProxy in front: the backend that sends to port %u (or its listen section), "
		    "before its server lines",
		    c->port);
	draft_text(d, "# A PROXY preamble (v2) on every connection to the app's servers; gunicorn\n"
		      "# reads v1 only: send-proxy there.\n"
		      "default-server send-proxy-v2\n");
	return true;
}

/* HAProxy in front: one client per server connection, as the preamble assumes. */
bool haproxy_no_reuse(const struct fix_ctx *c, struct fix_draft *d)
{
	draft_where(d,
		    "HAProxy in front: the backend that sends to port %u (or its listen section)",
		    c->port);
	draft_text(d, "# A connection's preamble names the client it was opened for: never let\n"
		      "# another client's requests use it (a new connection per client).\n"
		      "http-reuse never\n");
	return true;
}

/* gunicorn reading the preamble: its own PROXY v1 parser, from listed peers only. */
bool gunicorn_pp(const struct fix_ctx *c, struct fix_draft *d)
{
	if (c->p->pp_block)
		return false;
	draft_where(d, "gunicorn: its command line (or proxy_protocol, proxy_allow_ips in "
		       "gunicorn.conf.py)");
	draft_text(d, "# REMOTE_ADDR becomes the preamble's source when the peer is listed (exact\n"
		      "# addresses; 20.1 compares strings). gunicorn reads PROXY v1 only: the\n"
		      "# sender uses HAProxy send-proxy, not send-proxy-v2.\n");
	size_t hosts = 0;

	for (size_t i = 0; i < c->ntrust; i++)
		hosts += !strcmp(c->trust[i].host, c->trust[i].cidr) ? 0 : 1;
	if (hosts < c->ntrust)
		draft_text(d, "# Networks cannot be listed: name each proxy's address in them.\n");
	if (!hosts) {
		draft_text(d,
			   "# No single address to believe it from: leave --proxy-protocol off.\n");
		return true;
	}
	draft_text(d, "--proxy-protocol --proxy-allow-from=");
	for (size_t i = 0, n = 0; i < c->ntrust; i++)
		if (strcmp(c->trust[i].host, c->trust[i].cidr))
			draft_text(d, "%s%s", n++ ? "," : "", c->trust[i].host);
	draft_text(d, "\n");
	return true;
}
