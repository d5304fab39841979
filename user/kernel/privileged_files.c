// SPDX-License-Identifier: BSD-2-Clause
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kernel/privileged_files.h"

/* Rotations within one second that get a "-N" suffix before giving up. */
#define ROTATE_SAME_SECOND_MAX 100

static bool is_regular(int fd)
{
	struct stat st;

	return !fstat(fd, &st) && S_ISREG(st.st_mode);
}

int logfile_open(const char *path, unsigned int mode, uid_t uid, gid_t gid)
{
	/* Never through a symbolic link: whoever may write to the directory cannot redirect us. */
	int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, mode);

	if (fd < 0 && errno == EEXIST) {
		fd = open(path, O_WRONLY | O_APPEND | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC);
		if (fd < 0)
			return -errno;
		/* A FIFO or terminal stays non-blocking: a slow reader must not hold us up. */
		if (is_regular(fd))
			fcntl(fd, F_SETFL, O_APPEND);
		return fd;
	}
	if (fd < 0)
		return -errno;
	/* The mode as asked whatever the umask; the owner as configured. */
	if (fchmod(fd, mode) || ((uid != (uid_t)-1 || gid != (gid_t)-1) && fchown(fd, uid, gid))) {
		int err = -errno;

		close(fd);
		unlink(path);
		return err;
	}
	return fd;
}

void rotated_name(char *out, size_t len, const char *path, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	snprintf(out, len, "%s.%04d%02d%02d-%02d%02d%02d", path, tm.tm_year + 1900, tm.tm_mon + 1,
		 tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

bool is_rotated_name(const char *name, const char *base)
{
	size_t n = strlen(base);
	const char *p = name + n;

	if (strncmp(name, base, n) || p[0] != '.')
		return false;
	p++;
	for (int i = 0; i < 15; i++)
		if (i == 8 ? p[i] != '-' : (p[i] < '0' || p[i] > '9'))
			return false;
	p += 15;
	if (*p == '-' && p[1])
		for (p++; *p >= '0' && *p <= '9'; p++)
			;
	return *p == '\0';
}

/* rename() that fails with EEXIST rather than replace @to. */
static int rename_noreplace(const char *from, const char *to)
{
	if (!renameat2(AT_FDCWD, from, AT_FDCWD, to, RENAME_NOREPLACE))
		return 0;
	if (errno != EINVAL)
		return -errno;
	/* A file system without RENAME_NOREPLACE: check first (one writer renames). */
	if (!access(to, F_OK))
		return -EEXIST;
	return rename(from, to) ? -errno : 0;
}

int logfile_rotate(const char *path, time_t now, char *to, size_t tolen)
{
	char base[PATH_MAX + 32];
	int err;

	rotated_name(base, sizeof(base), path, now);
	snprintf(to, tolen, "%s", base);
	err = rename_noreplace(path, to);
	for (int n = 1; err == -EEXIST && n <= ROTATE_SAME_SECOND_MAX; n++) {
		snprintf(to, tolen, "%s-%d", base, n);
		err = rename_noreplace(path, to);
	}
	return err;
}

int logfile_sweep(const char *path, unsigned int days, time_t now)
{
	char dir_buf[PATH_MAX], base_buf[PATH_MAX], file[PATH_MAX * 2];
	const char *dir, *base;
	struct dirent *e;
	int removed = 0;
	DIR *d;

	if (!days)
		return 0;
	snprintf(dir_buf, sizeof(dir_buf), "%s", path);
	snprintf(base_buf, sizeof(base_buf), "%s", path);
	/* Both may return a pointer into their argument, or a static ".". */
	dir = dirname(dir_buf);
	base = basename(base_buf);
	d = opendir(dir);
	if (!d)
		return 0;
	while ((e = readdir(d))) {
		struct stat st;

		if (!is_rotated_name(e->d_name, base))
			continue;
		snprintf(file, sizeof(file), "%s/%s", dir, e->d_name);
		if (!lstat(file, &st) && S_ISREG(st.st_mode) &&
		    st.st_mtime < now - (time_t)days * 86400 && !unlink(file))
			removed++;
	}
	closedir(d);
	return removed;
}

static int local_open(void *ctx, const char *path)
{
	const struct file_settings *set = ctx;

	return logfile_open(path, set->mode, set->uid, set->gid);
}

static int local_rotate(void *ctx, const char *path, char *to, size_t tolen)
{
	(void)ctx;
	return logfile_rotate(path, time(NULL), to, tolen);
}

static int local_sweep(void *ctx, const char *path)
{
	const struct file_settings *set = ctx;

	return logfile_sweep(path, set->retain_days, time(NULL));
}

struct file_ops file_ops_local(const struct file_settings *set)
{
	return (struct file_ops){ local_open, local_rotate, local_sweep, (void *)set };
}

int stats_file_write(const char *path, const char *buf, size_t len)
{
	char tmp[PATH_MAX + 8];
	int fd, err = 0;

	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		return -errno;
	if (write(fd, buf, len) != (ssize_t)len)
		err = errno ? -errno : -EIO;
	if (close(fd) && !err)
		err = -errno;
	if (!err && rename(tmp, path))
		err = -errno;
	if (err)
		unlink(tmp);
	return err;
}
