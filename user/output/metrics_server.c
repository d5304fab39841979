// SPDX-License-Identifier: BSD-2-Clause
#include <arpa/inet.h>
#include <errno.h>
#include <microhttpd.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "output/metrics_server.h"
#include "util/ipaddr.h"
#include "util/log.h"
#include "util/refuse.h"

/* Said after a value that is not ADDR:PORT at all. */
#define METRICS_FORM "(ADDR:PORT, e.g. 127.0.0.1:9877)"

#define CONTENT_TYPE_METRICS "text/plain; version=0.0.4; charset=utf-8"
#define CONTENT_TYPE_TEXT    "text/plain; charset=utf-8"

/* A connection open now, and when it was accepted (its deadline). */
struct metrics_conn {
	struct MHD_Connection *c; /* NULL: the slot is free */
	uint64_t since_ns;
	bool shut; /* past its deadline: shut down, MHD closes it */
};

struct metrics_server {
	struct MHD_Daemon *mhd;
	int epoll_fd; /* MHD's own epoll set, watched by the daemon's */
	metrics_page_fn page;
	void *ctx;
	struct metrics_conn conns[METRICS_CONNECTIONS];
	unsigned long closed;	     /* connections closed so far */
	char text[METRICS_ADDR_MAX]; /* where it listens, in full ("127.0.0.1:9877") */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The port after the colon: 1-65535 in decimal, without sign or leading zero. */
static int parse_port_text(const char *s, const char *p, unsigned int *port, char *why,
			   size_t whylen)
{
	unsigned long v = 0;

	if (!*p)
		return refuse(why, whylen, -EINVAL, "'%s' has no port " METRICS_FORM, s);
	for (const char *q = p; *q; q++) {
		if (*q < '0' || *q > '9')
			return refuse(why, whylen, -EINVAL, "'%s': the port '%s' is not a number",
				      s, p);
		if (v <= 65535)
			v = v * 10 + (unsigned long)(*q - '0');
	}
	if (v && p[0] == '0')
		return refuse(why, whylen, -EINVAL, "'%s': port %s has a leading zero", s, p);
	if (v < 1 || v > 65535)
		return refuse(why, whylen, -EINVAL, "'%s': port %s is not in 1-65535", s, p);
	*port = (unsigned int)v;
	return 0;
}

int metrics_server_parse(const char *s, struct metrics_addr *a, char *text, size_t textlen,
			 char *why, size_t whylen)
{
	const char *host = METRICS_DEFAULT_HOST, *port;
	size_t hostlen = strlen(METRICS_DEFAULT_HOST);
	bool bracketed = false;
	struct metrics_addr tmp = { 0 };
	struct ip_addr ip;
	struct in6_addr v6;
	char shown[IP_STR_MAX];
	unsigned int portnum;
	int err;

	if (!s[0])
		return refuse(why, whylen, -EINVAL, "empty " METRICS_FORM);
	if (strlen(s) >= METRICS_ADDR_MAX)
		return refuse(why, whylen, -EINVAL, "longer than %d bytes " METRICS_FORM,
			      METRICS_ADDR_MAX - 1);
	if (s[0] == '[') {
		const char *end = strchr(s, ']');

		if (!end)
			return refuse(why, whylen, -EINVAL,
				      "'%s' has no ']' after the IPv6 address", s);
		if (end[1] && end[1] != ':')
			return refuse(why, whylen, -EINVAL, "'%s': ':' must follow ']'", s);
		bracketed = true;
		host = s + 1;
		hostlen = (size_t)(end - host);
		port = end[1] ? end + 2 : end + 1;
	} else if (!strchr(s, ':')) {
		/* A bare port; anything else without a colon lacks one. */
		if (strspn(s, "0123456789") != strlen(s))
			return refuse(why, whylen, -EINVAL, "'%s' has no port " METRICS_FORM, s);
		port = s;
	} else if (strchr(s, ':') != strrchr(s, ':')) {
		return refuse(why, whylen, -EINVAL,
			      "'%s': an IPv6 address goes in brackets ([::1]:9877)", s);
	} else {
		port = strchr(s, ':') + 1;
		if (port - s > 1) {
			host = s;
			hostlen = (size_t)(port - 1 - s);
		}
	}
	err = parse_port_text(s, port, &portnum, why, whylen);
	if (err)
		return err;
	if (bracketed && memchr(host, '%', hostlen))
		return refuse(why, whylen, -EINVAL, "'%s': zone ids (%%...) are not supported", s);
	if (ip_parse(host, hostlen, &ip))
		return refuse(why, whylen, -EINVAL,
			      bracketed
				      ? "'%.*s' is not an IPv6 address"
				      : "'%.*s' is not an IPv4 address (numbers only; IPv6 in [])",
			      (int)hostlen, host);
	if (bracketed && ip.family == 4)
		return refuse(why, whylen, -EINVAL, "'%s': brackets are for IPv6 addresses", s);
	/* Its socket is IPv6 only (IPV6_V6ONLY): bind() would refuse it at start. */
	memcpy(&v6, ip.b, sizeof(v6));
	if (ip.family == 6 && IN6_IS_ADDR_V4MAPPED(&v6)) {
		inet_ntop(AF_INET, ip.b + 12, shown, sizeof(shown));
		return refuse(why, whylen, -EINVAL,
			      "'%s': an IPv4-mapped address; give it as IPv4 (%s:%u)", s, shown,
			      portnum);
	}
	if (ip.family == 4) {
		tmp.u.v4.sin_family = AF_INET;
		tmp.u.v4.sin_port = htons((uint16_t)portnum);
		memcpy(&tmp.u.v4.sin_addr, ip.b, 4);
		tmp.len = sizeof(tmp.u.v4);
	} else {
		tmp.u.v6.sin6_family = AF_INET6;
		tmp.u.v6.sin6_port = htons((uint16_t)portnum);
		memcpy(&tmp.u.v6.sin6_addr, ip.b, 16);
		tmp.len = sizeof(tmp.u.v6);
	}
	if (text) {
		inet_ntop(ip.family == 4 ? AF_INET : AF_INET6, ip.b, shown, sizeof(shown));
		snprintf(text, textlen, ip.family == 4 ? "%s:%u" : "[%s]:%u", shown, portnum);
	}
	if (a)
		*a = tmp;
	return 0;
}

/* libmicrohttpd's messages: a client's doing mostly, so only with --verbose. */
static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char buf[256];
	size_t n;

	(void)cls;
	vsnprintf(buf, sizeof(buf), fmt, ap);
	n = strlen(buf);
	while (n && buf[n - 1] == '\n')
		buf[--n] = '\0';
	log_debug("metrics: %s", buf);
}

/* A fixed text; @allow adds the Allow header of a 405. */
static enum MHD_Result reply_text(struct MHD_Connection *c, unsigned int code, const char *text,
				  bool allow)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(text), (void *)text, MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE_TEXT);
	if (allow)
		MHD_add_response_header(r, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
	ret = MHD_queue_response(c, code, r);
	MHD_destroy_response(r);
	return ret;
}

static enum MHD_Result reply_page(struct metrics_server *m, struct MHD_Connection *c)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	char *page = NULL;
	size_t len = 0;

	if (m->page(m->ctx, &page, &len))
		return reply_text(c, MHD_HTTP_INTERNAL_SERVER_ERROR, "cannot make the page\n",
				  false);
	r = MHD_create_response_from_buffer(len, page, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(page);
		return MHD_NO;
	}
	MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, CONTENT_TYPE_METRICS);
	ret = MHD_queue_response(c, MHD_HTTP_OK, r);
	MHD_destroy_response(r);
	return ret;
}

/* Paths first (404 whatever the method), then methods: GET and HEAD only. */
static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
				  const char *method, const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	bool metrics = !strcmp(url, "/metrics");

	(void)version, (void)upload_data, (void)upload_data_size, (void)req_cls;
	if (!metrics && strcmp(url, "/"))
		return reply_text(c, MHD_HTTP_NOT_FOUND, "not found: the metrics are at /metrics\n",
				  false);
	if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
		return reply_text(c, MHD_HTTP_METHOD_NOT_ALLOWED, "GET or HEAD only\n", true);
	if (!metrics)
		return reply_text(c, MHD_HTTP_OK, "xffwatch: the metrics are at /metrics\n", false);
	return reply_page(cls, c);
}

/* Ends connection @c: its socket shut down both ways, which MHD sees and closes. */
static void shut_connection(struct MHD_Connection *c)
{
	const union MHD_ConnectionInfo *info =
		MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);

	if (info)
		shutdown(info->connect_fd, SHUT_RDWR);
}

/* Connections accepted and closed: their accept time kept for the deadline. */
static void on_connection(void *cls, struct MHD_Connection *c, void **socket_context,
			  enum MHD_ConnectionNotificationCode toe)
{
	struct metrics_server *m = cls;
	struct metrics_conn *slot = *socket_context;

	if (toe == MHD_CONNECTION_NOTIFY_CLOSED) {
		if (slot)
			slot->c = NULL;
		m->closed++;
		return;
	}
	for (size_t i = 0; i < METRICS_CONNECTIONS; i++) {
		if (!m->conns[i].c) {
			m->conns[i] = (struct metrics_conn){ c, mono_ns(), false };
			*socket_context = &m->conns[i];
			return;
		}
	}
	/* More than MHD's limit lets in: none goes without a deadline. */
	shut_connection(c);
}

/* Shuts down the connections past their deadline. Returns how many. */
static unsigned int expire_connections(struct metrics_server *m)
{
	uint64_t now = mono_ns(), limit = (uint64_t)METRICS_DEADLINE_S * 1000000000ULL;
	unsigned int n = 0;

	for (size_t i = 0; i < METRICS_CONNECTIONS; i++) {
		struct metrics_conn *k = &m->conns[i];

		if (k->c && !k->shut && now - k->since_ns >= limit) {
			log_debug("metrics: a connection open for %d s closed", METRICS_DEADLINE_S);
			shut_connection(k->c);
			k->shut = true;
			n++;
		}
	}
	return n;
}

/* Our own socket: bound and listening before privileges go. The fd, or -errno. */
static int listen_on(const struct metrics_addr *a)
{
	int fd = socket(a->u.sa.sa_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int on = 1, err;

	if (fd < 0)
		return -errno;
	/* A restart binds at once, past the last run's connections in TIME_WAIT. */
	if (setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on)) ||
	    (a->u.sa.sa_family == AF_INET6 &&
	     setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &on, sizeof(on))) ||
	    bind(fd, &a->u.sa, a->len) || listen(fd, METRICS_LISTEN_BACKLOG)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

struct metrics_server *metrics_server_new(const char *addr, metrics_page_fn page, void *ctx,
					  char *why, size_t whylen)
{
	struct metrics_server *m;
	const union MHD_DaemonInfo *info;
	struct metrics_addr a;
	char text[METRICS_ADDR_MAX];
	int fd;

	if (metrics_server_parse(addr, &a, text, sizeof(text), why, whylen))
		return NULL;
	m = calloc(1, sizeof(*m));
	if (!m) {
		refuse(why, whylen, -ENOMEM, "out of memory");
		return NULL;
	}
	m->page = page;
	m->ctx = ctx;
	fd = listen_on(&a);
	if (fd < 0) {
		refuse(why, whylen, fd, "cannot listen on %s: %s", text, strerror(-fd));
		free(m);
		return NULL;
	}
	/* No thread: MHD_run() from the daemon's loop, when MHD's epoll set is ready. */
	m->mhd = MHD_start_daemon(MHD_USE_EPOLL | MHD_USE_ERROR_LOG, 0, NULL, NULL, on_request, m,
				  MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
				  MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_LIMIT,
				  (unsigned int)METRICS_CONNECTIONS, MHD_OPTION_CONNECTION_TIMEOUT,
				  (unsigned int)METRICS_TIMEOUT_S,
				  MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)METRICS_CONN_MEMORY,
				  MHD_OPTION_NOTIFY_CONNECTION, on_connection, m, MHD_OPTION_END);
	if (!m->mhd) {
		/* (The socket is left to MHD, which may have closed it already.) */
		refuse(why, whylen, -EIO, "cannot start the metrics server on %s", text);
		free(m);
		return NULL;
	}
	info = MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_EPOLL_FD);
	if (!info || info->epoll_fd < 0) {
		refuse(why, whylen, -EIO, "the metrics server on %s has no epoll set", text);
		metrics_server_free(m);
		return NULL;
	}
	m->epoll_fd = info->epoll_fd;
	snprintf(m->text, sizeof(m->text), "%s", text);
	return m;
}

const char *metrics_server_address(const struct metrics_server *m)
{
	return m->text;
}

int metrics_server_fd(const struct metrics_server *m)
{
	return m->epoll_fd;
}

unsigned int metrics_server_connections(const struct metrics_server *m)
{
	const union MHD_DaemonInfo *info =
		MHD_get_daemon_info(m->mhd, MHD_DAEMON_INFO_CURRENT_CONNECTIONS);

	return info ? info->num_connections : 0;
}

void metrics_server_run(struct metrics_server *m)
{
	/*
	 * Again while it closed a connection (at the limit, MHD takes its listening
	 * socket out of its epoll set and puts it back on the next run: a client
	 * waiting would wait for the next tick) or has more to do now, a few times.
	 */
	for (int i = 0; i < METRICS_RUN_ROUNDS; i++) {
		MHD_UNSIGNED_LONG_LONG ms = 1;
		unsigned long closed = m->closed;

		MHD_run(m->mhd);
		if (expire_connections(m) || m->closed != closed)
			continue;
		if (MHD_get_timeout(m->mhd, &ms) != MHD_YES || ms)
			break;
	}
}

void metrics_server_free(struct metrics_server *m)
{
	if (!m)
		return;
	if (m->mhd)
		MHD_stop_daemon(m->mhd);
	free(m);
}
