// SPDX-License-Identifier: BSD-2-Clause
/*
 * Syslog outputs: datagrams to the local socket ("local", "unix:PATH") or
 * over UDP, a stream over TCP. Connections are made when first written and
 * made again after a failure, with a back-off; a collector's name is resolved
 * in the background. Framing is output/syslog_framing.c's.
 */
#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "output/sink_backend.h"
#include "output/syslog_framing.h"

/* Reconnection back-off bounds, seconds. */
#define RECONNECT_MIN_S 1
#define RECONNECT_MAX_S 30
/* Where local syslog listens. */
#define SYSLOG_SOCKET	"/dev/log"
/* TCP: data unacknowledged this long, or a silent idle peer, ends the connection. */
#define TCP_TIMEOUT_S	120

struct net_sink {
	struct sink s;
	bool local;  /* the local socket: path, not host and port */
	bool stream; /* TCP */
	char path[PATH_MAX];
	char host[256], port[8];
	struct addrinfo hints, *addrs, *addr; /* resolved addresses, the one in use */
	struct gaicb gai;		      /* resolution in progress (getaddrinfo_a) */
	bool resolving;
	bool connecting; /* TCP: connect() in progress */
	unsigned int backoff;
	time_t next_connect; /* monotonic */
	int facility;
	struct syslog_frame frame; /* TCP */
};

static struct net_sink *net_of(struct sink *s)
{
	return (struct net_sink *)s;
}

static struct sink *net_open(const char *target, const struct output_settings *set,
			     const struct file_ops *fops)
{
	struct net_sink *n = calloc(1, sizeof(*n));

	(void)fops;
	if (!n)
		return NULL;
	syslog_framing_init();
	sink_init(&n->s, &syslog_output_ops, set);
	n->facility = set->syslog_facility;
	n->stream = !strncmp(target, "tcp://", 6);
	n->local = !strcmp(target, "local") || !strncmp(target, "unix:", 5);
	snprintf(n->s.name, sizeof(n->s.name), "syslog %s", target);
	if (n->local) {
		snprintf(n->path, sizeof(n->path), "%s",
			 strcmp(target, "local") ? target + 5 : SYSLOG_SOCKET);
	} else {
		const char *hp = target + 6, *colon = strrchr(hp, ':');
		size_t len = (size_t)(colon - hp);

		if (len && hp[0] == '[' && hp[len - 1] == ']') {
			hp++;
			len -= 2;
		}
		snprintf(n->host, sizeof(n->host), "%.*s", (int)len, hp);
		snprintf(n->port, sizeof(n->port), "%s", colon + 1);
	}
	return &n->s;
}

/* ---- framing ---- */

static void put_dgram(struct sink *s, const struct sink_event *e)
{
	char dgram[SYSLOG_DGRAM_MAX];
	bool shortened = false;
	size_t len = syslog_frame_dgram(dgram, e, net_of(s)->facility, &shortened);

	s->st.shortened += shortened;
	if (!len)
		sink_drop(s, SINK_DROP_UNSENDABLE); /* no short form to fall back on */
	else
		sink_enqueue(s, dgram, len, NULL, 0);
}

static void put_stream(struct sink *s, const struct sink_event *e)
{
	struct syslog_frame *f = &net_of(s)->frame;

	if (syslog_frame_stream(f, e, net_of(s)->facility))
		sink_drop(s, SINK_DROP_UNSENDABLE);
	else
		sink_enqueue(s, f->prefix, f->prefix_len, f->msg, f->len);
}

static void net_put(struct sink *s, const struct sink_event *e)
{
	if (net_of(s)->stream)
		put_stream(s, e);
	else
		put_dgram(s, e);
}

/* ---- connections ---- */

static void back_off(struct net_sink *n)
{
	n->backoff = n->backoff ? n->backoff * 2 : RECONNECT_MIN_S;
	if (n->backoff > RECONNECT_MAX_S)
		n->backoff = RECONNECT_MAX_S;
	n->next_connect = mono_s() + n->backoff;
}

static void forget_addresses(struct net_sink *n)
{
	if (n->addrs)
		freeaddrinfo(n->addrs);
	n->addrs = n->addr = NULL;
}

/* The next address to try; after the last one, wait, then resolve the name again. */
static void next_address(struct net_sink *n)
{
	n->addr = n->addr ? n->addr->ai_next : NULL;
	if (n->addr)
		return;
	forget_addresses(n);
	back_off(n);
}

/*
 * The collector's addresses. The name is resolved in the background
 * (getaddrinfo_a), so that a slow or failing DNS never holds up events:
 * -EINPROGRESS until it is done.
 */
static int resolve(struct net_sink *n)
{
	int e;

	if (n->addrs)
		return 0;
	if (!n->resolving) {
		struct gaicb *list[1] = { &n->gai };

		memset(&n->gai, 0, sizeof(n->gai));
		n->hints = (struct addrinfo){ .ai_socktype = n->stream ? SOCK_STREAM : SOCK_DGRAM };
		n->gai.ar_name = n->host;
		n->gai.ar_service = n->port;
		n->gai.ar_request = &n->hints;
		e = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
		if (e) {
			sink_failed_because(&n->s, -1000 + e, "cannot resolve", gai_strerror(e));
			back_off(n);
			return -EAGAIN;
		}
		n->resolving = true;
	}
	e = gai_error(&n->gai);
	if (e == EAI_INPROGRESS)
		return -EINPROGRESS;
	n->resolving = false;
	if (e) {
		sink_failed_because(&n->s, -1000 + e, "cannot resolve", gai_strerror(e));
		back_off(n);
		return -EAGAIN;
	}
	n->addrs = n->addr = n->gai.ar_result;
	return 0;
}

/* TCP: a collector that stops acknowledging is noticed in TCP_TIMEOUT_S, not minutes. */
static void tcp_timeouts(int fd)
{
	int on = 1, idle = TCP_TIMEOUT_S / 2, intvl = TCP_TIMEOUT_S / 6, cnt = 3;
	unsigned int user_timeout = TCP_TIMEOUT_S * 1000;

	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof(on));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof(user_timeout));
}

/* The local socket: 0 or the error. */
static int connect_local(struct net_sink *n)
{
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	int fd, err;

	/* The options checked the length (SYSLOG_PATH_MAX). */
	memcpy(un.sun_path, n->path, strnlen(n->path, sizeof(un.sun_path) - 1));
	fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		sink_failed(&n->s, -err, "cannot create a socket");
		back_off(n);
		return err;
	}
	if (connect(fd, (struct sockaddr *)&un, sizeof(un))) {
		err = -errno;
		close(fd);
		sink_failed(&n->s, -err, "cannot connect");
		back_off(n);
		return err;
	}
	n->s.fd = fd;
	return 0;
}

/* Starts a connection: 0, or -EAGAIN (waiting, resolving) or the error. */
static int connect_remote(struct net_sink *n)
{
	int fd, err;

	if (mono_s() < n->next_connect)
		return -EAGAIN;
	if (n->local)
		return connect_local(n);
	err = resolve(n);
	if (err)
		return -EAGAIN;
	fd = socket(n->addr->ai_family, n->addr->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto next;
	}
	if (n->stream)
		tcp_timeouts(fd);
	if (connect(fd, n->addr->ai_addr, n->addr->ai_addrlen) && errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		goto next;
	}
	n->s.fd = fd;
	n->connecting = n->stream;
	return 0;
next:
	sink_failed(&n->s, -err, "cannot connect");
	next_address(n);
	return err;
}

/* A TCP connection in progress: 0 once up, -EAGAIN while waiting, else the error. */
static int connect_done(struct net_sink *n)
{
	struct pollfd p = { .fd = n->s.fd, .events = POLLOUT };
	int err = 0;
	socklen_t len = sizeof(err);

	if (poll(&p, 1, 0) == 0)
		return -EAGAIN;
	if (getsockopt(n->s.fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		return -(err ? err : errno);
	n->connecting = false;
	n->backoff = 0;
	return 0;
}

static void close_fd(struct net_sink *n)
{
	if (n->s.fd >= 0)
		close(n->s.fd);
	n->s.fd = -1;
	n->connecting = false;
}

static void disconnect(struct sink *s, int err, const char *what)
{
	close_fd(net_of(s));
	/*
	 * A record cut off in the middle goes again whole on the next connection
	 * (the collector discards the incomplete frame of a closed connection).
	 */
	s->partial = 0;
	sink_failed(s, err, what);
	next_address(net_of(s));
}

/* Connected, or connecting when due: 0 when it can be written now. */
static int net_prepare(struct sink *s, const struct timespec *now)
{
	struct net_sink *n = net_of(s);
	int err;

	(void)now;
	if (s->fd < 0 && connect_remote(n))
		return -EAGAIN;
	if (!n->connecting)
		return 0;
	err = connect_done(n);
	if (err && err != -EAGAIN)
		disconnect(s, -err, "cannot connect");
	return err;
}

static int net_write(struct sink *s)
{
	int err = net_of(s)->stream ? sink_write_stream(s, NULL) : sink_write_dgram(s);

	if (!err)
		net_of(s)->backoff = 0; /* a receiver that restarts later is tried again at once */
	return err;
}

static void net_write_failed(struct sink *s, int err)
{
	disconnect(s, err, "connection lost");
}

/* TCP's: a datagram is never written in part. */
static ssize_t net_write_rest(struct sink *s, const char *p, size_t n)
{
	return send(s->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
}

static void net_cancel(struct sink *s)
{
	struct net_sink *n = net_of(s);

	if (n->resolving)
		gai_cancel(&n->gai);
}

/* Frees the resolution's result once it is over: false while glibc still holds it. */
static bool net_close(struct sink *s, uint64_t until_ms)
{
	struct net_sink *n = net_of(s);

	close_fd(n);
	if (n->resolving) {
		const struct gaicb *list[1] = { &n->gai };
		uint64_t now = clock_mono_ms();

		if (now < until_ms && gai_error(&n->gai) == EAI_INPROGRESS) {
			struct timespec wait = { (time_t)((until_ms - now) / 1000),
						 (long)((until_ms - now) % 1000) * 1000000 };

			gai_suspend(list, 1, &wait);
		}
		if (gai_error(&n->gai) == EAI_INPROGRESS)
			return false; /* still in glibc's hands: not freed */
		if (n->gai.ar_result)
			freeaddrinfo(n->gai.ar_result);
		n->resolving = false;
	}
	forget_addresses(n);
	syslog_frame_free(&n->frame);
	return true;
}

/* "local", "unix:PATH", "udp://HOST:PORT", "tcp://HOST:PORT" */
const struct sink_ops syslog_output_ops = {
	.kind = "syslog",
	.structured = true,
	.open = net_open,
	.put = net_put,
	.prepare = net_prepare,
	.write = net_write,
	.write_failed = net_write_failed,
	.write_rest = net_write_rest,
	.cancel = net_cancel,
	.close = net_close,
};
