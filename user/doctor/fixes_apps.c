// SPDX-License-Identifier: BSD-2-Clause
/*
 * The fixes for the app servers: Werkzeug's ProxyFix (Python), gunicorn and
 * uvicorn (command-line flags). What each does with X-Forwarded-For is in
 * docs/doctor.md ("Fixes per stack"); the comments printed say it briefly.
 */
#include <string.h>

#include "doctor/fix_draft.h"

bool werkzeug_proxyfix(const struct fix_ctx *c, struct fix_draft *d)
{
	draft_where(d, "werkzeug: the Python module that makes the app, after app = Flask(...)");
	draft_text(
		d,
		"# ProxyFix sets REMOTE_ADDR to X-Forwarded-For entry %u from the right: one per\n"
		"# proxy in front. It checks no peer: only the proxies may reach the app.\n",
		c->depth);
	if (strcmp(c->header_key, "x-forwarded-for"))
		draft_text(d, "# It reads X-Forwarded-For only: the proxies must send that.\n");
	draft_text(d,
		   "from werkzeug.middleware.proxy_fix import ProxyFix\n\n"
		   "app.wsgi_app = ProxyFix(app.wsgi_app, x_for=%u)\n",
		   c->depth);
	return true;
}

/* The peers a --forwarded-allow-ips list names: bare addresses, which every version takes. */
static void allow_list(const struct fix_ctx *c, struct fix_draft *d)
{
	draft_text(d, "--forwarded-allow-ips=");
	draft_addrs(d, c->trust, c->ntrust, true, "", ",", "");
	draft_text(d, "\n");
}

static bool has_network(const struct fix_ctx *c)
{
	for (size_t i = 0; i < c->ntrust; i++)
		if (!strcmp(c->trust[i].host, c->trust[i].cidr)) /* not a single address */
			return true;
	return false;
}

bool gunicorn_allow(const struct fix_ctx *c, struct fix_draft *d)
{
	draft_where(d, "gunicorn: its command line (or forwarded_allow_ips in gunicorn.conf.py)");
	draft_text(d,
		   "# gunicorn never takes the client from X-Forwarded-For: REMOTE_ADDR stays\n"
		   "# the TCP peer (ProxyFix, werkzeug, names the client). --forwarded-allow-ips\n"
		   "# names the peers whose scheme headers (X-Forwarded-Proto, X-Forwarded-Ssl)\n"
		   "# it believes. With -k uvicorn.workers.UvicornWorker the list goes to\n"
		   "# uvicorn, which does read X-Forwarded-For: never '*' then (uvicorn takes\n"
		   "# the leftmost entry).\n");
	if (has_network(c))
		draft_text(d,
			   "# Networks (CIDR) need a gunicorn that takes them: Debian 12's 20.1\n"
			   "# compares exact addresses.\n");
	if (!c->ntrust)
		draft_text(d, "# No peer:\n");
	allow_list(c, d);
	return true;
}

bool uvicorn_proxy_headers(const struct fix_ctx *c, struct fix_draft *d)
{
	draft_where(d, "uvicorn: its command line (or proxy_headers, forwarded_allow_ips in "
		       "uvicorn.run)");
	draft_text(d, "# With --proxy-headers, when the peer is listed, uvicorn names the client\n"
		      "# from X-Forwarded-For: the rightmost entry that is not listed. With '*'\n"
		      "# it takes the leftmost entry instead, which any client can write.\n");
	if (has_network(c))
		draft_text(d, "# Networks (CIDR) need uvicorn 0.31 or later: Debian 12's 0.17\n"
			      "# compares exact addresses.\n");
	if (!c->ntrust)
		draft_text(d, "# No peer:\n");
	draft_text(d, "--proxy-headers ");
	allow_list(c, d);
	return true;
}

bool gunicorn_bind(const struct fix_ctx *c, struct fix_draft *d)
{
	bool v4, v6;

	if (!c->port || !fix_all_loopback(c, &v4, &v6))
		return false;
	draft_where(d, "gunicorn: its command line, in place of its --bind for port %u", c->port);
	draft_text(d, "# The proxies are on this host: listen on loopback only.\n");
	if (v4)
		draft_text(d, "--bind=127.0.0.1:%u%s", c->port, v6 ? " " : "\n");
	if (v6)
		draft_text(d, "--bind='[::1]:%u'\n", c->port);
	return true;
}

bool uvicorn_bind(const struct fix_ctx *c, struct fix_draft *d)
{
	bool v4, v6;

	if (!c->port || !fix_all_loopback(c, &v4, &v6))
		return false;
	draft_where(d, "uvicorn: its command line, in place of its --host and --port");
	draft_text(d, "# The proxies are on this host: listen on loopback only%s.\n",
		   v4 && v6 ? " (uvicorn takes one --host: the proxies on ::1 must use 127.0.0.1)"
			    : "");
	draft_text(d, "--host %s --port %u\n", v4 ? "127.0.0.1" : "::1", c->port);
	return true;
}
