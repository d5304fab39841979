// SPDX-License-Identifier: BSD-2-Clause
/*
 * File outputs: whole lines appended, the file reopened on SIGHUP, rotated by
 * size or day, rotated files deleted after retain_days, data synced every
 * fsync_ms. Opening, renaming and deleting go through struct file_ops, which
 * the privileged helper serves once the daemon has dropped its privileges.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "output/sink_backend.h"

/* Retention is enforced this often too: rotation may be rare. */
#define SWEEP_INTERVAL_S 3600
/* A file that could not be opened is tried again after this long. */
#define REOPEN_RETRY_S	 1

struct file_sink {
	struct sink s;
	char path[PATH_MAX];
	const struct file_opts *files;
	const struct file_ops *ops;
	uint64_t file_size;
	long day; /* UTC day of the file's first write, for daily rotation */
	bool dirty, reopen;
	int last_warn_errno;
	/* Deadlines on the monotonic clock: a clock step must not delay them. */
	time_t last_warn_log, next_sweep, next_open, next_rotate;
	uint64_t fsync_due_ms;
};

static struct file_sink *file_of(struct sink *s)
{
	return (struct file_sink *)s;
}

static long day_of(time_t t)
{
	return (long)(t / 86400);
}

/* Trouble that does not stop writing (a rotation or reopening that failed). */
static void warned(struct file_sink *f, int err, const char *what)
{
	time_t now = mono_s();

	f->s.st.errors++;
	if (err != f->last_warn_errno || now - f->last_warn_log >= ERROR_LOG_INTERVAL_S) {
		log_warn("output %s: %s: %s; still writing to the file already open", f->s.name,
			 what, strerror(err));
		f->last_warn_log = now;
	}
	f->last_warn_errno = err;
}

/*
 * Opens the file by its name (again). The descriptor in use, if any, is
 * closed only once the new one is open: when opening fails, events keep
 * going to the file already open. -EAGAIN while waiting to try again.
 */
static int open_file(struct file_sink *f)
{
	struct stat st;
	int fd;

	if (mono_s() < f->next_open)
		return -EAGAIN;
	fd = f->ops->open(f->ops->ctx, f->path);
	if (fd < 0) {
		f->next_open = mono_s() + REOPEN_RETRY_S;
		return fd;
	}
	if (f->s.fd >= 0) {
		if (f->dirty)
			fdatasync(f->s.fd);
		close(f->s.fd);
	}
	f->s.fd = fd;
	f->dirty = false;
	f->file_size = 0;
	f->day = day_of(time(NULL));
	if (!fstat(fd, &st) && st.st_size > 0) {
		f->file_size = (uint64_t)st.st_size;
		/* A file written on an earlier day is rotated before today's events. */
		f->day = day_of(st.st_mtime);
	}
	return 0;
}

/* Deletes this output's rotated files older than retain_days. */
static void sweep(struct file_sink *f)
{
	if (f->files->retain_days) {
		int n = f->ops->sweep(f->ops->ctx, f->path);

		if (n > 0)
			log_info("output %s: deleted %d rotated file%s older than %u days",
				 f->s.name, n, n == 1 ? "" : "s", f->files->retain_days);
	}
	f->next_sweep = mono_s() + SWEEP_INTERVAL_S;
}

static void rotate(struct file_sink *f, time_t now)
{
	char to[PATH_MAX + 32];
	int err;

	if (mono_s() < f->next_rotate)
		return;
	if (f->dirty) {
		fdatasync(f->s.fd);
		f->dirty = false;
	}
	err = f->ops->rotate(f->ops->ctx, f->path, to, sizeof(to));
	if (err == -ENOENT) {
		/* The file was deleted or moved away without a SIGHUP: start it again. */
		warned(f, -err, "nothing to rotate, creating the file again");
		f->reopen = true;
		return;
	}
	if (err) {
		/* Not every poll: the conditions that asked for it still hold. */
		warned(f, -err, "cannot rotate");
		f->next_rotate = mono_s() + ERROR_LOG_INTERVAL_S;
		return;
	}
	f->s.st.rotations++;
	/* The descriptor writes to the renamed file until the new one is open. */
	err = open_file(f);
	if (err) {
		warned(f, -err, "cannot open after rotating");
		f->reopen = true;
	}
	f->day = day_of(now);
	sweep(f);
}

static struct sink *file_open(const char *target, const struct output_settings *set,
			      const struct file_ops *fops)
{
	struct file_sink *f = calloc(1, sizeof(*f));
	int err;

	if (!f)
		return NULL;
	sink_init(&f->s, &file_output_ops, set);
	snprintf(f->path, sizeof(f->path), "%s", target);
	snprintf(f->s.name, sizeof(f->s.name), "%s", target);
	f->files = &set->files;
	f->ops = fops;
	err = open_file(f);
	if (err) {
		log_error("cannot open %s: %s", target, strerror(-err));
		free(f);
		return NULL;
	}
	return &f->s;
}

/* Opens, deletes old files and rotates as due; never between two parts of a record. */
static int file_prepare(struct sink *s, const struct timespec *now)
{
	struct file_sink *f = file_of(s);
	int err;

	if (s->hup) {
		s->hup = false;
		f->reopen = true;
		f->next_open = 0;
	}
	if ((f->reopen || s->fd < 0) && !s->partial) {
		err = open_file(f);
		if (!err)
			f->reopen = false;
		else if (err != -EAGAIN && s->fd < 0)
			sink_failed(s, -err, "cannot open");
		else if (err != -EAGAIN)
			warned(f, -err, "cannot reopen");
	}
	if (s->fd < 0)
		return -EBADF;
	if (mono_s() >= f->next_sweep)
		sweep(f);
	if (!s->partial && !f->reopen && s->head < s->len &&
	    ((f->files->rotate_size && f->file_size >= f->files->rotate_size) ||
	     (f->files->rotate_daily && day_of(now->tv_sec) != f->day)))
		rotate(f, now->tv_sec);
	return 0;
}

/*
 * A file took only part of a record (its disk is full). Its rest must not
 * follow later: had the file been truncated in between (by whoever made
 * room, or copytruncate), it would start with the tail of an event. So the
 * part is cut off again while the file still ends with it, and the record
 * goes whole later; if the file changed under us, the part went with the
 * truncation (or is not ours to cut) and the record goes whole as well. Only
 * a part that cannot be cut is finished later: a FIFO's (its reader has the
 * part) or an append-only file's (nobody can truncate that one either).
 * What file_write() returns.
 */
static int short_write(struct file_sink *f)
{
	off_t end = lseek(f->s.fd, 0, SEEK_CUR); /* after our part: O_APPEND */
	struct stat st;

	if (end < 0 || fstat(f->s.fd, &st) || !S_ISREG(st.st_mode))
		return -EAGAIN;
	if (st.st_size != end) {
		f->file_size = (uint64_t)st.st_size;
	} else {
		if (ftruncate(f->s.fd, end - (off_t)f->s.partial))
			return -EAGAIN;
		f->file_size = (uint64_t)end - f->s.partial;
		/* Emptied between fstat and ftruncate: that made it a hole; empty it again. */
		if (f->file_size && lseek(f->s.fd, 0, SEEK_DATA) < 0 && errno == ENXIO &&
		    !ftruncate(f->s.fd, 0))
			f->file_size = 0;
	}
	f->s.partial = 0;
	return -ENOSPC;
}

static int file_write(struct sink *s)
{
	struct file_sink *f = file_of(s);
	uint64_t before = f->file_size;
	int err = sink_write_stream(s, &f->file_size);

	f->dirty |= f->file_size != before;
	return err == -EAGAIN && s->partial ? short_write(f) : err;
}

static void file_sync(struct sink *s, bool final)
{
	struct file_sink *f = file_of(s);

	if (final && s->fd >= 0) {
		fdatasync(s->fd);
		return;
	}
	if (f->dirty && f->files->fsync_ms && s->fd >= 0 && clock_mono_ms() >= f->fsync_due_ms) {
		fdatasync(s->fd);
		f->dirty = false;
		f->fsync_due_ms = clock_mono_ms() + f->files->fsync_ms;
	}
}

const struct sink_ops file_output_ops = {
	.kind = "file",
	.open = file_open,
	.prepare = file_prepare,
	.write = file_write,
	.sync = file_sync,
};
