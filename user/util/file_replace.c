// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/file_replace.h"

int replace_check(const char *path)
{
	struct stat st;

	if (strlen(path) + sizeof(".XXXXXX") > REPLACE_TMP_MAX)
		return -ENAMETOOLONG;
	if (lstat(path, &st))
		return errno == ENOENT ? 0 : -errno;
	if (S_ISLNK(st.st_mode))
		return -ELOOP;
	if (S_ISDIR(st.st_mode))
		return -EISDIR;
	return S_ISREG(st.st_mode) ? 0 : -EINVAL;
}

const char *replace_why(int err)
{
	switch (err) {
	case -ELOOP:
		return "a symbolic link (name the file it points to)";
	case -EISDIR:
		return "a directory";
	case -EINVAL:
		return "not a regular file (a device, FIFO or socket)";
	case -ENAMETOOLONG:
		return "name too long";
	default:
		return strerror(-err);
	}
}

int replace_open(struct replace *r, const char *path, mode_t mode)
{
	int fd, err;

	r->path = path;
	r->f = NULL;
	if (snprintf(r->tmp, sizeof(r->tmp), "%s.XXXXXX", path) >= (int)sizeof(r->tmp))
		return -ENAMETOOLONG;
	/* O_EXCL and 0600 from the start: nobody else's file, nobody else reads it. */
	fd = mkostemp(r->tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, mode) || !(r->f = fdopen(fd, "w"))) {
		err = -errno;
		close(fd);
		unlink(r->tmp);
		return err;
	}
	return 0;
}

int replace_probe(const char *path)
{
	struct replace r;
	int rc = replace_open(&r, path, 0600);

	if (!rc)
		replace_abort(&r);
	return rc;
}

int replace_commit(struct replace *r)
{
	int rc = 0;

	if (fflush(r->f) || fsync(fileno(r->f)))
		rc = -errno;
	if (fclose(r->f) && !rc)
		rc = -errno;
	r->f = NULL;
	/* Again right before the rename: what appeared meanwhile is not replaced either. */
	if (!rc)
		rc = replace_check(r->path);
	if (!rc && rename(r->tmp, r->path))
		rc = -errno;
	if (rc)
		unlink(r->tmp);
	return rc;
}

void replace_abort(struct replace *r)
{
	if (r->f)
		fclose(r->f);
	r->f = NULL;
	unlink(r->tmp);
}
