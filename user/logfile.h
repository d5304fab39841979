/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The file operations of the file outputs that need the directory's
 * permissions: open (creating), rotate (rename), delete old ones. They run
 * in this process, or in the privileged helper once the daemon has dropped
 * its privileges (user/privsep.c), which is why they are a table.
 */
#ifndef XFFW_LOGFILE_H
#define XFFW_LOGFILE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

struct file_ops {
	/*
	 * Opens @path for appending; when it does not exist, creates it with
	 * @mode (whatever the umask) and owner @uid/@gid (-1: unchanged).
	 * A descriptor, or -errno.
	 */
	int (*open)(void *ctx, const char *path, unsigned int mode, uid_t uid, gid_t gid);
	/* Renames @path to its rotated name for @now, never over another file: 0 or -errno. */
	int (*rotate)(void *ctx, const char *path, time_t now, char *to, size_t tolen);
	/* Deletes rotated files of @path last written more than @days before @now: how many. */
	int (*sweep)(void *ctx, const char *path, unsigned int days, time_t now);
	void *ctx;
};

/* The operations done here, with this process's permissions. */
extern const struct file_ops file_ops_local;

int logfile_open(const char *path, unsigned int mode, uid_t uid, gid_t gid);
int logfile_rotate(const char *path, time_t now, char *to, size_t tolen);
int logfile_sweep(const char *path, unsigned int days, time_t now);

/* The name a rotated file gets: @path.YYYYMMDD-HHMMSS (UTC of @t). */
void rotated_name(char *out, size_t len, const char *path, time_t t);

/* Is @name (no directory) a rotated file of @base: "@base.YYYYMMDD-HHMMSS[-N]"? */
bool is_rotated_name(const char *name, const char *base);

#endif
