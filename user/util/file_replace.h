/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Replacing a regular file whole: a new file of a unique name in the same
 * directory, made exclusively, filled, synced, then renamed over the old one.
 * A reader never sees half a file, and nobody else's file becomes ours.
 */
#ifndef XFFW_FILE_REPLACE_H
#define XFFW_FILE_REPLACE_H

#include <limits.h>
#include <stdio.h>
#include <sys/types.h>

/* Room for PATH and ".XXXXXX". */
#define REPLACE_TMP_MAX (PATH_MAX + 8)

struct replace {
	const char *path;
	char tmp[REPLACE_TMP_MAX];
	FILE *f;
};

/*
 * May @path be replaced: missing, or a regular file that is no symbolic link?
 * 0; -ELOOP (a symbolic link), -EISDIR (a directory), -EINVAL (a device,
 * FIFO or socket), -ENAMETOOLONG, or lstat's other -errno.
 */
int replace_check(const char *path);

/* Why replace_check refused, as words for a message. */
const char *replace_why(int err);

/*
 * Starts replacing @path (replace_check'ed): @r->f writes to a new file
 * PATH.XXXXXX made with O_EXCL and mode 0600, then set to @mode. 0 or -errno.
 */
int replace_open(struct replace *r, const char *path, mode_t mode);

/*
 * Could @path be replaced now: makes and removes a new file as replace_open
 * does, so that a missing or unwritable directory, or a name too long for
 * the new file, shows before a long run rather than after. 0 or -errno.
 */
int replace_probe(const char *path);

/*
 * Ends it: flushes, syncs and closes @r->f, checks @r->path again (as
 * replace_check) and renames the new file over it. 0 or -errno; on failure
 * the new file is removed and @r->path left as it was.
 */
int replace_commit(struct replace *r);

/* Gives up: closes and removes the new file. */
void replace_abort(struct replace *r);

#endif
