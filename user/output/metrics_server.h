/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The /metrics endpoint: libmicrohttpd on our own listening socket, driven
 * from the daemon's one epoll loop (no thread of its own).
 */
#ifndef XFFW_METRICS_SERVER_H
#define XFFW_METRICS_SERVER_H

#include <netinet/in.h>
#include <stddef.h>
#include <sys/socket.h>

/* "[IPv6]:PORT" at its longest, with its NUL; the size of options.metrics. */
#define METRICS_ADDR_MAX       64
/* Where a bare port listens: loopback unless told otherwise. */
#define METRICS_DEFAULT_HOST   "127.0.0.1"
/* Bounds of the server: a scraper needs one connection, a few more are spare. */
#define METRICS_CONNECTIONS    8
/* Idle this long, a connection is closed (libmicrohttpd's own timeout). */
#define METRICS_TIMEOUT_S      10
/* And this long after it was accepted, whatever it sends (a trickle never idles). */
#define METRICS_DEADLINE_S     10
/* Runs of libmicrohttpd in one metrics_server_run() while it has more to do at once. */
#define METRICS_RUN_ROUNDS     4
/* Memory of one connection: its request head (a scrape's is a few hundred bytes). */
#define METRICS_CONN_MEMORY    (16 * 1024)
/* Connections the kernel queues while all METRICS_CONNECTIONS are busy. */
#define METRICS_LISTEN_BACKLOG 16

struct metrics_addr {
	union {
		struct sockaddr sa;
		struct sockaddr_in v4;
		struct sockaddr_in6 v6;
	} u;
	socklen_t len;
};

/*
 * Parses --metrics: "PORT" or ":PORT" (both 127.0.0.1:PORT), "A.B.C.D:PORT"
 * or "[IPv6]:PORT"; numeric addresses only, port 1-65535. Fills @a (may be
 * NULL) and, when @text is not NULL, writes the address in its full form
 * ("127.0.0.1:9877") into @text (@textlen bytes, METRICS_ADDR_MAX is enough).
 * Returns 0, or -EINVAL with a one-line reason naming the bad part in @why.
 */
int metrics_server_parse(const char *s, struct metrics_addr *a, char *text, size_t textlen,
			 char *why, size_t whylen);

/*
 * Makes the page: a malloc'd buffer into *@out (the server frees it) and its
 * length into *@len. 0 or a negative errno.
 */
typedef int (*metrics_page_fn)(void *ctx, char **out, size_t *len);

struct metrics_server;

/*
 * Listens on @addr (as metrics_server_parse() takes it) and starts the
 * server, which calls @page for each GET or HEAD of /metrics. Call it while
 * still privileged (ports below 1024). NULL with the reason in @why
 * ("cannot listen on 127.0.0.1:9877: Address already in use").
 */
struct metrics_server *metrics_server_new(const char *addr, metrics_page_fn page, void *ctx,
					  char *why, size_t whylen);

/* Where it listens, in full: "127.0.0.1:9877", "[::1]:9877". */
const char *metrics_server_address(const struct metrics_server *m);

/* The file descriptor to watch for input (the server's epoll set). */
int metrics_server_fd(const struct metrics_server *m);

/* Connections open now (at most METRICS_CONNECTIONS). */
unsigned int metrics_server_connections(const struct metrics_server *m);

/*
 * Does what is ready: accepts, reads, answers, times out, and shuts down the
 * connections accepted METRICS_DEADLINE_S ago or more. Never blocks. Call it
 * when metrics_server_fd() is ready and on a timer (the timeouts).
 */
void metrics_server_run(struct metrics_server *m);

/* Stops the server and closes its connections and socket. NULL is fine. */
void metrics_server_free(struct metrics_server *m);

#endif
