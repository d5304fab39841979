// SPDX-License-Identifier: BSD-2-Clause
/*
 * The generic part of the outputs: the set of them, each one's bounded queue
 * of records, and writing records in batches. What differs by kind (opening,
 * rotating, connecting, framing) is behind struct sink_ops, one file per
 * kind (output/sink_backend.h); nothing here asks which kind an output is.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include "util/log.h"
#include "output/sink_backend.h"

/* Datagrams sent per sendmmsg. */
#define DGRAM_BATCH	 64
/* Bytes written per writev at most, whatever the records. */
#define STREAM_BYTES_MAX (1024 * 1024)
/* At exit, a record half written to a stream gets this much more time, ms. */
#define FINISH_RECORD_MS 1000
/* At exit, name resolutions still running get this much time together, ms. */
#define CANCEL_WAIT_MS	 1000

_Static_assert(SINK_STREAM_BATCH <= UIO_MAXIOV, "more iovecs than one writev takes");

/* Queue records: a length, then the bytes. */
struct rec {
	uint32_t len;
};

/* Events @st lost, whatever the reason: the sum of dropped_by. */
static uint64_t dropped_total(const struct sink_stats *st)
{
	uint64_t n = 0;

	for (size_t i = 0; i < SINK_DROP__MAX; i++)
		n += st->dropped_by[i];
	return n;
}

void sink_failed_because(struct sink *s, int key, const char *what, const char *why)
{
	time_t now = mono_s();

	s->st.errors++;
	if (!s->failing || key != s->last_errno || now - s->last_err_log >= ERROR_LOG_INTERVAL_S) {
		log_error("output %s: %s: %s (%llu events dropped so far); retrying", s->name, what,
			  why, (unsigned long long)dropped_total(&s->st));
		s->last_err_log = now;
	}
	s->failing = true;
	s->last_errno = key;
}

void sink_failed(struct sink *s, int err, const char *what)
{
	sink_failed_because(s, err, what, strerror(err));
}

static void recovered(struct sink *s)
{
	if (s->failing)
		log_info("output %s: writing again", s->name);
	s->failing = false;
}

void sink_init(struct sink *s, const struct sink_ops *ops, const struct output_settings *set)
{
	s->ops = ops;
	s->fd = -1;
	s->max = set->queue_bytes;
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
		sink_drop(s, SINK_DROP_QUEUE_FULL);
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
				sink_drop(s, SINK_DROP_QUEUE_FULL);
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
static void queue_pop(struct sink *s, bool done, enum sink_drop why)
{
	struct rec r;

	memcpy(&r, rec_at(s, s->head), sizeof(r));
	s->head += sizeof(r) + r.len;
	s->partial = 0;
	s->nrecs--;
	if (done)
		s->st.events++;
	else
		sink_drop(s, why);
	if (s->head == s->len)
		s->head = s->len = 0;
}

static void queue_drop_all(struct sink *s, enum sink_drop why)
{
	while (s->head < s->len)
		queue_pop(s, false, why);
}

/* ---- writing ---- */

int sink_write_stream(struct sink *s, uint64_t *written)
{
	while (s->head < s->len) {
		struct iovec iov[SINK_STREAM_BATCH];
		size_t off = s->head, total = 0;
		int n = 0;
		ssize_t w;

		while (n < SINK_STREAM_BATCH && off < s->len && total < STREAM_BYTES_MAX) {
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
		if (written)
			*written += (uint64_t)w;
		/* Pop what was written whole; note how far into the next it got. */
		for (int i = 0; i < n && w > 0; i++) {
			if ((size_t)w >= iov[i].iov_len) {
				w -= (ssize_t)iov[i].iov_len;
				queue_pop(s, true, 0);
			} else {
				s->partial += (size_t)w;
				w = 0;
			}
		}
		if (s->partial)
			return -EAGAIN;
	}
	return 0;
}

int sink_write_dgram(struct sink *s)
{
	while (s->head < s->len) {
		struct mmsghdr msgs[DGRAM_BATCH];
		struct iovec iov[DGRAM_BATCH];
		size_t off = s->head;
		int n = 0, sent;

		memset(msgs, 0, sizeof(msgs));
		while (n < DGRAM_BATCH && off < s->len) {
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
				queue_pop(s, false, SINK_DROP_UNSENDABLE);
				continue;
			}
			return errno == EINTR ? 0 : -errno;
		}
		for (int i = 0; i < sent; i++)
			queue_pop(s, true, 0);
		if (sent < n)
			return -EAGAIN;
	}
	return 0;
}

static void flush_one(struct sink *s, const struct timespec *now)
{
	int err;

	if (s->broken) {
		queue_drop_all(s, SINK_DROP_READER_GONE);
		return;
	}
	if (s->ops->prepare && s->ops->prepare(s, now))
		return;
	if (s->head < s->len) {
		err = s->ops->write ? s->ops->write(s) : sink_write_stream(s, NULL);
		if (!err)
			recovered(s);
		else if (err != -EAGAIN && err != -EWOULDBLOCK && s->ops->write_failed)
			s->ops->write_failed(s, -err);
		else if (err != -EAGAIN && err != -EWOULDBLOCK)
			sink_failed(s, -err, "write failed");
	}
	if (s->ops->sync)
		s->ops->sync(s, false);
}

/*
 * A full queue is written out before an event is dropped: a batch larger than
 * the queue must not lose events to a healthy output, nor one that has just
 * recovered. An output that stays full is tried once per flush, not per event.
 */
void sink_enqueue(struct sink *s, const char *a, size_t na, const char *b, size_t nb)
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

/* ---- the set of outputs ---- */

static int add(struct sinks *all, const struct sink_ops *ops, const char *target,
	       const struct output_settings *o, const struct file_ops *fops)
{
	struct sink *s = ops->open(target, o, fops);

	if (!s)
		return -EINVAL;
	all->s[all->n++] = s;
	all->structured |= ops->structured;
	return 0;
}

int sinks_open(struct sinks *all, const struct output_settings *o, const struct file_ops *ops)
{
	size_t n = o->noutputs + o->nsyslogs;

	memset(all, 0, sizeof(*all));
	all->s = calloc(n ? n : 1, sizeof(*all->s));
	if (!all->s)
		return -ENOMEM;
	for (size_t i = 0; i < o->noutputs; i++) {
		const char *t = o->outputs[i];

		if (add(all, strcmp(t, "-") ? &file_output_ops : &stdout_output_ops, t, o, ops))
			goto fail;
	}
	for (size_t i = 0; i < o->nsyslogs; i++)
		if (add(all, &syslog_output_ops, o->syslogs[i], o, ops))
			goto fail;
	return 0;
fail:
	sinks_close(all, 0);
	return -EINVAL;
}

void sinks_put(struct sinks *all, const struct sink_event *e)
{
	for (size_t i = 0; i < all->n; i++) {
		struct sink *s = all->s[i];

		if (e->is_short)
			s->st.shortened++;
		if (s->ops->put)
			s->ops->put(s, e);
		else
			sink_enqueue(s, e->line, e->len, NULL, 0);
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
	for (size_t i = 0; i < all->n; i++)
		all->s[i]->hup = true;
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
	w = s->ops->write_rest(s, s->q + s->head + sizeof(r) + s->partial, r.len - s->partial);
	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -errno;
	s->partial += (size_t)w;
	if (s->partial == r.len)
		queue_pop(s, true, 0);
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

			if (s->partial && s->fd >= 0 && !s->broken && s->ops->write_rest &&
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
		queue_drop_all(s, SINK_DROP_EXIT_DEADLINE);
		if (s->ops->sync)
			s->ops->sync(s, true);
	}
}

void sinks_close(struct sinks *all, unsigned int deadline_ms)
{
	uint64_t until;

	sinks_drain(all, deadline_ms);
	/* Background work is stopped everywhere first, then waited for together. */
	for (size_t i = 0; i < all->n; i++)
		if (all->s[i]->ops->cancel)
			all->s[i]->ops->cancel(all->s[i]);
	until = clock_mono_ms() + CANCEL_WAIT_MS;
	for (size_t i = 0; i < all->n; i++) {
		struct sink *s = all->s[i];

		if (!s->ops->close && s->fd >= 0)
			close(s->fd);
		if (!s->ops->close || s->ops->close(s, until)) {
			free(s->q);
			free(s);
		}
	}
	free(all->s);
	memset(all, 0, sizeof(*all));
}

const char *sink_drop_name(unsigned int why)
{
#define SINK_DROP_NAME(id, name) [SINK_DROP_##id] = name,
	static const char *const names[SINK_DROP__MAX] = { SINK_DROP_REASONS(SINK_DROP_NAME) };
#undef SINK_DROP_NAME

	return why < SINK_DROP__MAX ? names[why] : NULL;
}

const char *sink_kind(const struct sinks *all, size_t i)
{
	return i < all->n ? all->s[i]->ops->kind : NULL;
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
	st->dropped = dropped_total(st);
	st->queued = all->s[i]->len - all->s[i]->head;
	st->queued_events = all->s[i]->nrecs;
}
