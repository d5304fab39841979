// SPDX-License-Identifier: BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "util/log.h"
#include "output/file_ops.h"
#include "event/audit_event.h"
#include "event/syslog_message.h"
#include "output/outputs.h"

/* Records written per system call (writev, sendmmsg). */
#define BATCH		     64
/* A failing output says so at most this often. */
#define ERROR_LOG_INTERVAL_S 60
/* Reconnection back-off bounds, seconds. */
#define RECONNECT_MIN_S	     1
#define RECONNECT_MAX_S	     30
/* Where local syslog listens. */
#define SYSLOG_SOCKET	     "/dev/log"
/* Retention is enforced this often too: rotation may be rare. */
#define SWEEP_INTERVAL_S     3600
/* A file that could not be opened is tried again after this long. */
#define REOPEN_RETRY_S	     1
/* TCP: data unacknowledged this long, or a silent idle peer, ends the connection. */
#define TCP_TIMEOUT_S	     120
/* At exit, a record half written to a stream gets this much more time, ms. */
#define FINISH_RECORD_MS     1000

/* The smallest --queue takes the longest event and its syslog framing. */
_Static_assert(AUDIT_EVENT_MAX + 1 + SYSLOG_OVERHEAD_MAX + 64 <= OPT_QUEUE_MIN,
	       "an event fits the smallest output queue");
_Static_assert(AUDIT_SHORT_MAX + SYSLOG_OVERHEAD_MAX <= SYSLOG_DGRAM_MAX,
	       "a short event fits a datagram");

/* Queue records: a length, then the bytes. */
struct rec {
	uint32_t len;
};

struct sink {
	enum sink_kind kind;
	char name[PATH_MAX + 16];
	char path[PATH_MAX]; /* files */
	char host[256], port[8];
	struct addrinfo hints, *addrs,
		*addr;	  /* remote syslog: resolved addresses, the one in use */
	struct gaicb gai; /* resolution in progress (getaddrinfo_a) */
	bool resolving;
	int facility;
	const struct file_opts *files;
	const struct file_ops *ops;
	int fd;
	bool connecting; /* TCP: connect() in progress */
	int saved_flags; /* standard output's flags, restored at close */
	char *q;
	size_t head, len, cap, max;
	size_t nrecs;	/* records queued */
	size_t partial; /* bytes of the head record already written */
	struct sink_stats st;
	bool failing, reopen, broken;
	bool full_tried; /* written to make room since the last flush, and still full */
	int last_errno, last_warn_errno;
	uint64_t file_size;
	long day; /* UTC day of the file's first write, for daily rotation */
	bool dirty;
	unsigned int backoff;
	/* Deadlines on the monotonic clock: a clock step must not delay them. */
	time_t last_err_log, last_warn_log, next_sweep, next_open, next_rotate, next_connect;
	uint64_t fsync_due_ms;
};

static char hostname[256];

static uint64_t mono_ms(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000 + (uint64_t)t.tv_nsec / 1000000;
}

static time_t mono_s(void)
{
	return (time_t)(mono_ms() / 1000);
}

/*
 * A failure that stops writing, logged once a minute at most (or when the
 * reason changes); what was lost is in the counters. @key tells reasons apart.
 */
static void failed_because(struct sink *s, int key, const char *what, const char *why)
{
	time_t now = mono_s();

	s->st.errors++;
	if (!s->failing || key != s->last_errno || now - s->last_err_log >= ERROR_LOG_INTERVAL_S) {
		log_error("output %s: %s: %s (%llu events dropped so far); retrying", s->name, what,
			  why, (unsigned long long)s->st.dropped);
		s->last_err_log = now;
	}
	s->failing = true;
	s->last_errno = key;
}

static void failed(struct sink *s, int err, const char *what)
{
	failed_because(s, err, what, strerror(err));
}

/* Trouble that does not stop writing (a rotation or reopening that failed). */
static void warned(struct sink *s, int err, const char *what)
{
	time_t now = mono_s();

	s->st.errors++;
	if (err != s->last_warn_errno || now - s->last_warn_log >= ERROR_LOG_INTERVAL_S) {
		log_warn("output %s: %s: %s; still writing to the file already open", s->name, what,
			 strerror(err));
		s->last_warn_log = now;
	}
	s->last_warn_errno = err;
}

static void recovered(struct sink *s)
{
	if (s->failing)
		log_info("output %s: writing again", s->name);
	s->failing = false;
}

/* ---- the queue ---- */

static struct rec *rec_at(struct sink *s, size_t off)
{
	return (struct rec *)(s->q + off);
}

static bool queue_put(struct sink *s, const char *a, size_t na, const char *b, size_t nb)
{
	size_t need = sizeof(struct rec) + na + nb;
	struct rec r = { (uint32_t)(na + nb) };

	if (s->len - s->head + need > s->max) {
		s->st.dropped++;
		return false;
	}
	if (s->len + need > s->cap) {
		/* Compact first; grow only when that is not enough. */
		if (s->head) {
			memmove(s->q, s->q + s->head, s->len - s->head);
			s->len -= s->head;
			s->head = 0;
		}
		if (s->len + need > s->cap) {
			size_t cap = s->cap ? s->cap : 65536;
			char *q;

			while (cap < s->len + need)
				cap *= 2;
			q = realloc(s->q, cap);
			if (!q) {
				s->st.dropped++;
				return false;
			}
			s->q = q;
			s->cap = cap;
		}
	}
	s->nrecs++;
	memcpy(s->q + s->len, &r, sizeof(r));
	memcpy(s->q + s->len + sizeof(r), a, na);
	if (nb)
		memcpy(s->q + s->len + sizeof(r) + na, b, nb);
	s->len += need;
	return true;
}

/* Drops the head record: written (@done) or not. */
static void queue_pop(struct sink *s, bool done)
{
	struct rec r;

	memcpy(&r, rec_at(s, s->head), sizeof(r));
	s->head += sizeof(r) + r.len;
	s->partial = 0;
	s->nrecs--;
	if (done)
		s->st.events++;
	else
		s->st.dropped++;
	if (s->head == s->len)
		s->head = s->len = 0;
}

/* ---- files ---- */

static long day_of(time_t t);

/*
 * Opens the file by its name (again). The descriptor in use, if any, is
 * closed only once the new one is open: when opening fails, events keep
 * going to the file already open. -EAGAIN while waiting to try again.
 */
static int open_file(struct sink *s)
{
	struct stat st;
	int fd;

	if (mono_s() < s->next_open)
		return -EAGAIN;
	fd = s->ops->open(s->ops->ctx, s->path);
	if (fd < 0) {
		s->next_open = mono_s() + REOPEN_RETRY_S;
		return fd;
	}
	if (s->fd >= 0) {
		if (s->dirty)
			fdatasync(s->fd);
		close(s->fd);
	}
	s->fd = fd;
	s->dirty = false;
	s->file_size = 0;
	s->day = day_of(time(NULL));
	if (!fstat(fd, &st) && st.st_size > 0) {
		s->file_size = (uint64_t)st.st_size;
		/* A file written on an earlier day is rotated before today's events. */
		s->day = day_of(st.st_mtime);
	}
	return 0;
}

static void close_fd(struct sink *s)
{
	if (s->fd >= 0 && s->kind != SINK_STDOUT)
		close(s->fd);
	s->fd = -1;
	s->connecting = false;
}

static long day_of(time_t t)
{
	return (long)(t / 86400);
}

/* Deletes this output's rotated files older than retain_days. */
static void sweep(struct sink *s)
{
	if (s->files->retain_days) {
		int n = s->ops->sweep(s->ops->ctx, s->path);

		if (n > 0)
			log_info("output %s: deleted %d rotated file%s older than %u days", s->name,
				 n, n == 1 ? "" : "s", s->files->retain_days);
	}
	s->next_sweep = mono_s() + SWEEP_INTERVAL_S;
}

static void rotate(struct sink *s, time_t now)
{
	char to[PATH_MAX + 32];
	int err;

	if (mono_s() < s->next_rotate)
		return;
	if (s->dirty) {
		fdatasync(s->fd);
		s->dirty = false;
	}
	err = s->ops->rotate(s->ops->ctx, s->path, to, sizeof(to));
	if (err == -ENOENT) {
		/* The file was deleted or moved away without a SIGHUP: start it again. */
		warned(s, -err, "nothing to rotate, creating the file again");
		s->reopen = true;
		return;
	}
	if (err) {
		/* Not every poll: the conditions that asked for it still hold. */
		warned(s, -err, "cannot rotate");
		s->next_rotate = mono_s() + ERROR_LOG_INTERVAL_S;
		return;
	}
	s->st.rotations++;
	/* The descriptor writes to the renamed file until the new one is open. */
	err = open_file(s);
	if (err) {
		warned(s, -err, "cannot open after rotating");
		s->reopen = true;
	}
	s->day = day_of(now);
	sweep(s);
}

/* ---- connections ---- */

static void back_off(struct sink *s)
{
	s->backoff = s->backoff ? s->backoff * 2 : RECONNECT_MIN_S;
	if (s->backoff > RECONNECT_MAX_S)
		s->backoff = RECONNECT_MAX_S;
	s->next_connect = mono_s() + s->backoff;
}

static void forget_addresses(struct sink *s)
{
	if (s->addrs)
		freeaddrinfo(s->addrs);
	s->addrs = s->addr = NULL;
}

/* The next address to try; after the last one, wait, then resolve the name again. */
static void next_address(struct sink *s)
{
	s->addr = s->addr ? s->addr->ai_next : NULL;
	if (s->addr)
		return;
	forget_addresses(s);
	back_off(s);
}

/*
 * The collector's addresses. The name is resolved in the background
 * (getaddrinfo_a), so that a slow or failing DNS never holds up events:
 * -EINPROGRESS until it is done.
 */
static int resolve(struct sink *s)
{
	int e;

	if (s->addrs)
		return 0;
	if (!s->resolving) {
		struct gaicb *list[1] = { &s->gai };

		memset(&s->gai, 0, sizeof(s->gai));
		s->hints =
			(struct addrinfo){ .ai_socktype = s->kind == SINK_SYSLOG_TCP ? SOCK_STREAM
										     : SOCK_DGRAM };
		s->gai.ar_name = s->host;
		s->gai.ar_service = s->port;
		s->gai.ar_request = &s->hints;
		e = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
		if (e) {
			failed_because(s, -1000 + e, "cannot resolve", gai_strerror(e));
			back_off(s);
			return -EAGAIN;
		}
		s->resolving = true;
	}
	e = gai_error(&s->gai);
	if (e == EAI_INPROGRESS)
		return -EINPROGRESS;
	s->resolving = false;
	if (e) {
		failed_because(s, -1000 + e, "cannot resolve", gai_strerror(e));
		back_off(s);
		return -EAGAIN;
	}
	s->addrs = s->addr = s->gai.ar_result;
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

/* Starts a connection: 0, or -EAGAIN (waiting, resolving) or the error. */
static int connect_remote(struct sink *s)
{
	int fd, err;

	if (mono_s() < s->next_connect)
		return -EAGAIN;
	if (s->kind == SINK_SYSLOG_UNIX) {
		struct sockaddr_un un = { .sun_family = AF_UNIX };

		/* The options checked the length (SYSLOG_PATH_MAX). */
		memcpy(un.sun_path, s->path, strnlen(s->path, sizeof(un.sun_path) - 1));
		fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
		if (fd < 0) {
			err = -errno;
			failed(s, -err, "cannot create a socket");
			back_off(s);
			return err;
		}
		if (connect(fd, (struct sockaddr *)&un, sizeof(un))) {
			err = -errno;
			close(fd);
			failed(s, -err, "cannot connect");
			back_off(s);
			return err;
		}
		s->fd = fd;
		return 0;
	}
	err = resolve(s);
	if (err)
		return -EAGAIN;
	fd = socket(s->addr->ai_family, s->addr->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		err = -errno;
		goto next;
	}
	if (s->kind == SINK_SYSLOG_TCP)
		tcp_timeouts(fd);
	if (connect(fd, s->addr->ai_addr, s->addr->ai_addrlen) && errno != EINPROGRESS) {
		err = -errno;
		close(fd);
		goto next;
	}
	s->fd = fd;
	s->connecting = s->kind == SINK_SYSLOG_TCP;
	return 0;
next:
	failed(s, -err, "cannot connect");
	next_address(s);
	return err;
}

/* A TCP connection in progress: 0 once up, -EAGAIN while waiting, else the error. */
static int connect_done(struct sink *s)
{
	struct pollfd p = { .fd = s->fd, .events = POLLOUT };
	int err = 0;
	socklen_t len = sizeof(err);

	if (poll(&p, 1, 0) == 0)
		return -EAGAIN;
	if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &err, &len) || err)
		return -(err ? err : errno);
	s->connecting = false;
	s->backoff = 0;
	return 0;
}

static void disconnect(struct sink *s, int err, const char *what)
{
	close_fd(s);
	/*
	 * A record cut off in the middle goes again whole on the next connection
	 * (the collector discards the incomplete frame of a closed connection).
	 */
	s->partial = 0;
	failed(s, err, what);
	next_address(s);
}

/* ---- writing ---- */

/*
 * A file took only part of a record (its disk is full): the part is cut off
 * again, so no half line stays in the file, and the record goes whole later.
 */
static bool cut_partial(struct sink *s)
{
	struct stat st;

	if (fstat(s->fd, &st) || (uint64_t)st.st_size < s->partial ||
	    ftruncate(s->fd, st.st_size - (off_t)s->partial))
		return false;
	s->file_size = (uint64_t)st.st_size - s->partial;
	s->partial = 0;
	return true;
}

/* Stream outputs (stdout, files, TCP): up to BATCH records per writev. */
static int write_stream(struct sink *s)
{
	while (s->head < s->len) {
		struct iovec iov[BATCH];
		size_t off = s->head, total = 0;
		int n = 0;
		ssize_t w;

		while (n < BATCH && off < s->len && total < 1024 * 1024) {
			struct rec r;
			size_t skip = n ? 0 : s->partial;

			memcpy(&r, rec_at(s, off), sizeof(r));
			iov[n].iov_base = s->q + off + sizeof(r) + skip;
			iov[n].iov_len = r.len - skip;
			total += iov[n].iov_len;
			off += sizeof(r) + r.len;
			n++;
		}
		w = writev(s->fd, iov, n);
		if (w < 0)
			return errno == EINTR ? 0 : -errno;
		s->dirty = true;
		if (s->kind == SINK_FILE)
			s->file_size += (uint64_t)w;
		/* Pop what was written whole; note how far into the next it got. */
		for (int i = 0; i < n && w > 0; i++) {
			if ((size_t)w >= iov[i].iov_len) {
				w -= (ssize_t)iov[i].iov_len;
				queue_pop(s, true);
			} else {
				s->partial += (size_t)w;
				w = 0;
			}
		}
		if (s->partial) {
			/* A short write: a file has no room; anything else takes the rest later. */
			if (s->kind == SINK_FILE && cut_partial(s))
				return -ENOSPC;
			return -EAGAIN;
		}
	}
	return 0;
}

/* Datagram outputs (local socket, UDP): up to BATCH records per sendmmsg. */
static int write_dgram(struct sink *s)
{
	while (s->head < s->len) {
		struct mmsghdr msgs[BATCH];
		struct iovec iov[BATCH];
		size_t off = s->head;
		int n = 0, sent;

		memset(msgs, 0, sizeof(msgs));
		while (n < BATCH && off < s->len) {
			struct rec r;

			memcpy(&r, rec_at(s, off), sizeof(r));
			iov[n].iov_base = s->q + off + sizeof(r);
			iov[n].iov_len = r.len;
			msgs[n].msg_hdr.msg_iov = &iov[n];
			msgs[n].msg_hdr.msg_iovlen = 1;
			off += sizeof(r) + r.len;
			n++;
		}
		sent = sendmmsg(s->fd, msgs, (unsigned int)n, MSG_DONTWAIT);
		if (sent < 0) {
			if (errno == EMSGSIZE) {
				queue_pop(s, false);
				continue;
			}
			return errno == EINTR ? 0 : -errno;
		}
		for (int i = 0; i < sent; i++)
			queue_pop(s, true);
		if (sent < n)
			return -EAGAIN;
	}
	return 0;
}

static void flush_one(struct sink *s, const struct timespec *now)
{
	int err;

	if (s->broken) {
		while (s->head < s->len)
			queue_pop(s, false);
		return;
	}
	if (s->kind == SINK_FILE) {
		/* Never between two parts of a record. */
		if ((s->reopen || s->fd < 0) && !s->partial) {
			err = open_file(s);
			if (!err)
				s->reopen = false;
			else if (err != -EAGAIN && s->fd < 0)
				failed(s, -err, "cannot open");
			else if (err != -EAGAIN)
				warned(s, -err, "cannot reopen");
		}
		if (s->fd < 0)
			return;
		if (mono_s() >= s->next_sweep)
			sweep(s);
		if (!s->partial && !s->reopen && s->head < s->len &&
		    ((s->files->rotate_size && s->file_size >= s->files->rotate_size) ||
		     (s->files->rotate_daily && day_of(now->tv_sec) != s->day)))
			rotate(s, now->tv_sec);
	} else if (s->kind != SINK_STDOUT) {
		if (s->fd < 0 && connect_remote(s))
			return;
		if (s->connecting) {
			err = connect_done(s);
			if (err == -EAGAIN)
				return;
			if (err) {
				disconnect(s, -err, "cannot connect");
				return;
			}
		}
	}
	if (s->head == s->len)
		goto sync;
	err = s->kind == SINK_SYSLOG_UNIX || s->kind == SINK_SYSLOG_UDP ? write_dgram(s)
									: write_stream(s);
	if (!err) {
		recovered(s);
		s->backoff = 0; /* a receiver that restarts later is tried again at once */
	} else if (err != -EAGAIN && err != -EWOULDBLOCK) {
		if (err == -EPIPE && s->kind == SINK_STDOUT) {
			log_error("output %s: closed by its reader", s->name);
			s->broken = true;
		} else if (s->kind == SINK_SYSLOG_TCP || s->kind == SINK_SYSLOG_UNIX ||
			   s->kind == SINK_SYSLOG_UDP) {
			disconnect(s, -err, "connection lost");
		} else {
			failed(s, -err, "write failed");
		}
	}
sync:
	if (s->kind == SINK_FILE && s->dirty && s->files->fsync_ms && s->fd >= 0 &&
	    mono_ms() >= s->fsync_due_ms) {
		fdatasync(s->fd);
		s->dirty = false;
		s->fsync_due_ms = mono_ms() + s->files->fsync_ms;
	}
}

/* ---- the set of outputs ---- */

static struct sink *sink_new(enum sink_kind kind, const char *target,
			     const struct output_settings *o)
{
	struct sink *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->kind = kind;
	s->fd = -1;
	s->max = o->queue_bytes;
	s->facility = o->syslog_facility;
	s->files = &o->files;
	switch (kind) {
	case SINK_STDOUT:
		snprintf(s->name, sizeof(s->name), "standard output");
		break;
	case SINK_FILE:
		snprintf(s->path, sizeof(s->path), "%s", target);
		snprintf(s->name, sizeof(s->name), "%s", target);
		break;
	default:
		snprintf(s->name, sizeof(s->name), "syslog %s", target);
		if (kind == SINK_SYSLOG_UNIX)
			snprintf(s->path, sizeof(s->path), "%s",
				 strcmp(target, "local") ? target + 5 : SYSLOG_SOCKET);
		else {
			const char *hp = target + 6, *colon = strrchr(hp, ':');
			size_t n = (size_t)(colon - hp);

			if (n && hp[0] == '[' && hp[n - 1] == ']') {
				hp++;
				n -= 2;
			}
			snprintf(s->host, sizeof(s->host), "%.*s", (int)n, hp);
			snprintf(s->port, sizeof(s->port), "%s", colon + 1);
		}
		break;
	}
	return s;
}

int sinks_open(struct sinks *all, const struct output_settings *o, const struct file_ops *ops)
{
	size_t n = o->noutputs + o->nsyslogs;
	int err;

	memset(all, 0, sizeof(*all));
	all->s = calloc(n ? n : 1, sizeof(*all->s));
	if (!all->s)
		return -ENOMEM;
	if (!hostname[0] && gethostname(hostname, sizeof(hostname) - 1))
		strcpy(hostname, "-");
	for (size_t i = 0; i < o->noutputs; i++) {
		bool out = !strcmp(o->outputs[i], "-");
		struct sink *s = sink_new(out ? SINK_STDOUT : SINK_FILE, o->outputs[i], o);

		if (!s)
			goto fail;
		all->s[all->n++] = s;
		if (out) {
			struct stat st;

			s->fd = STDOUT_FILENO;
			s->saved_flags = fcntl(s->fd, F_GETFL);
			/* A pipe's reader must not block us; a terminal or file is left alone. */
			if (!fstat(s->fd, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
				fcntl(s->fd, F_SETFL, s->saved_flags | O_NONBLOCK);
			continue;
		}
		s->ops = ops;
		err = open_file(s);
		if (err) {
			log_error("cannot open %s: %s", o->outputs[i], strerror(-err));
			goto fail;
		}
	}
	for (size_t i = 0; i < o->nsyslogs; i++) {
		const char *t = o->syslogs[i];
		enum sink_kind kind = !strcmp(t, "local") || !strncmp(t, "unix:", 5)
					      ? SINK_SYSLOG_UNIX
				      : !strncmp(t, "tcp://", 6) ? SINK_SYSLOG_TCP
								 : SINK_SYSLOG_UDP;
		struct sink *s = sink_new(kind, t, o);

		if (!s)
			goto fail;
		all->s[all->n++] = s;
		all->structured = true;
	}
	return 0;
fail:
	sinks_close(all, 0);
	return -EINVAL;
}

/*
 * A full queue is written out before an event is dropped: a batch larger than
 * the queue must not lose events to a healthy output, nor one that has just
 * recovered. An output that stays full is tried once per flush, not per event.
 */
static void enqueue(struct sink *s, const char *a, size_t na, const char *b, size_t nb)
{
	size_t need = sizeof(struct rec) + na + nb;

	if (s->len - s->head + need > s->max && !s->full_tried) {
		struct timespec now;

		clock_gettime(CLOCK_REALTIME, &now);
		flush_one(s, &now);
		s->full_tried = s->len - s->head + need > s->max;
	}
	queue_put(s, a, na, b, nb);
}

/*
 * The event as one datagram: its short form, structured data included, if the
 * whole one does not fit. The length, or 0 if neither fits.
 */
static size_t dgram_format(struct sink *s, char *frame, const struct sink_event *e)
{
	const struct sink_event *brief;
	size_t n = syslog_format(frame, SYSLOG_DGRAM_MAX, e, s->facility, hostname, getpid());

	if (n || !e->shorten)
		return n;
	brief = e->shorten(e->shorten_ctx);
	if (!brief)
		return 0;
	/* Short enough by construction (AUDIT_SHORT_MAX + SYSLOG_OVERHEAD_MAX < a datagram). */
	n = syslog_format(frame, SYSLOG_DGRAM_MAX, brief, s->facility, hostname, getpid());
	if (n)
		s->st.shortened++;
	return n;
}

void sinks_put(struct sinks *all, const struct sink_event *e)
{
	char dgram[SYSLOG_DGRAM_MAX], prefix[24];

	for (size_t i = 0; i < all->n; i++) {
		struct sink *s = all->s[i];
		size_t n;
		int k;

		if (e->is_short)
			s->st.shortened++;
		if (s->kind == SINK_STDOUT || s->kind == SINK_FILE) {
			enqueue(s, e->line, e->len, NULL, 0);
			continue;
		}
		if (s->kind != SINK_SYSLOG_TCP) {
			n = dgram_format(s, dgram, e);
			if (!n)
				s->st.dropped++; /* no short form to fall back on */
			else
				enqueue(s, dgram, n, NULL, 0);
			continue;
		}
		/* A stream takes any length: room for the event and all a message adds to it. */
		if (e->len + SYSLOG_OVERHEAD_MAX > all->frame_cap) {
			char *f = realloc(all->frame, e->len + SYSLOG_OVERHEAD_MAX);

			if (!f) {
				s->st.dropped++;
				continue;
			}
			all->frame = f;
			all->frame_cap = e->len + SYSLOG_OVERHEAD_MAX;
		}
		n = syslog_format(all->frame, all->frame_cap, e, s->facility, hostname, getpid());
		if (!n) {
			s->st.dropped++; /* cannot happen: the overhead is bounded */
			continue;
		}
		/* RFC 6587 octet counting: "LEN SP MSG". */
		k = snprintf(prefix, sizeof(prefix), "%zu ", n);
		enqueue(s, prefix, (size_t)k, all->frame, n);
	}
}

void sinks_flush(struct sinks *all, const struct timespec *now)
{
	for (size_t i = 0; i < all->n; i++) {
		all->s[i]->full_tried = false;
		flush_one(all->s[i], now);
	}
}

void sinks_reopen(struct sinks *all)
{
	for (size_t i = 0; i < all->n; i++) {
		struct sink *s = all->s[i];

		if (s->kind == SINK_FILE) {
			s->reopen = true;
			s->next_open = 0;
		}
	}
}

bool sinks_broken(const struct sinks *all)
{
	for (size_t i = 0; i < all->n; i++)
		if (!all->s[i]->broken)
			return false;
	return all->n > 0;
}

/* The rest of the record a stream output has begun, and nothing after it: 0 or -errno. */
static int finish_record(struct sink *s)
{
	struct rec r;
	ssize_t w;

	memcpy(&r, rec_at(s, s->head), sizeof(r));
	w = s->kind == SINK_SYSLOG_TCP
		    ? send(s->fd, s->q + s->head + sizeof(r) + s->partial, r.len - s->partial,
			   MSG_NOSIGNAL | MSG_DONTWAIT)
		    : write(s->fd, s->q + s->head + sizeof(r) + s->partial, r.len - s->partial);
	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	s->partial += (size_t)w;
	if (s->partial == r.len)
		queue_pop(s, true);
	return 0;
}

void sinks_drain(struct sinks *all, unsigned int deadline_ms)
{
	struct timespec now, end;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += deadline_ms / 1000;
	end.tv_nsec += (long)(deadline_ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		bool pending = false;

		clock_gettime(CLOCK_REALTIME, &now);
		sinks_flush(all, &now);
		for (size_t i = 0; i < all->n; i++)
			pending |= all->s[i]->head < all->s[i]->len && !all->s[i]->broken;
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (!pending || now.tv_sec > end.tv_sec ||
		    (now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			break;
		usleep(10000);
	}
	/* A record half written to a stream is finished, if it can be soon: no cut line. */
	for (int t = 0; t < FINISH_RECORD_MS / 10; t++) {
		bool started = false;

		for (size_t i = 0; i < all->n; i++) {
			struct sink *s = all->s[i];

			if (s->partial && s->fd >= 0 && !s->broken && s->kind != SINK_FILE &&
			    !finish_record(s))
				started |= s->partial > 0;
		}
		if (!started)
			break;
		usleep(10000);
	}
	for (size_t i = 0; i < all->n; i++) {
		struct sink *s = all->s[i];

		/* What could not be written in time is lost, and counted. */
		if (s->head < s->len)
			log_warn("output %s: %zu bytes not written in time", s->name,
				 s->len - s->head);
		while (s->head < s->len)
			queue_pop(s, false);
		if (s->kind == SINK_FILE && s->fd >= 0)
			fdatasync(s->fd);
	}
}

/* A resolution that was cancelled or waited for: true once it is over, its result freed. */
static bool end_resolution(struct sink *s)
{
	if (gai_error(&s->gai) == EAI_INPROGRESS)
		return false;
	if (s->gai.ar_result)
		freeaddrinfo(s->gai.ar_result);
	s->resolving = false;
	return true;
}

void sinks_close(struct sinks *all, unsigned int deadline_ms)
{
	const struct gaicb *pending[OPT_MAX_OUTPUTS * 2];
	struct timespec wait = { 1, 0 };
	int npending = 0;

	sinks_drain(all, deadline_ms);
	/* Resolutions still running: all cancelled, then waited for together (1 s at most). */
	for (size_t i = 0; i < all->n; i++)
		if (all->s[i]->resolving && gai_cancel(&all->s[i]->gai) == EAI_NOTCANCELED &&
		    npending < (int)(sizeof(pending) / sizeof(pending[0])))
			pending[npending++] = &all->s[i]->gai;
	if (npending)
		gai_suspend(pending, npending, &wait);
	for (size_t i = 0; i < all->n; i++) {
		struct sink *s = all->s[i];

		if (s->kind == SINK_STDOUT && s->saved_flags >= 0)
			fcntl(s->fd, F_SETFL, s->saved_flags);
		close_fd(s);
		if (s->resolving && !end_resolution(s))
			continue; /* still in glibc's hands: not freed */
		forget_addresses(s);
		free(s->q);
		free(s);
	}
	free(all->s);
	free(all->frame);
	memset(all, 0, sizeof(*all));
}

const char *sink_name(const struct sinks *all, size_t i)
{
	return i < all->n ? all->s[i]->name : NULL;
}

void sink_stats(const struct sinks *all, size_t i, struct sink_stats *st)
{
	memset(st, 0, sizeof(*st));
	if (i >= all->n)
		return;
	*st = all->s[i]->st;
	st->queued = all->s[i]->len - all->s[i]->head;
	st->queued_events = all->s[i]->nrecs;
}
