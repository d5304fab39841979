/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The file operations that need a directory's permissions: the file outputs'
 * open (creating), rotate (rename) and delete old ones, and replacing the
 * counters' file. They run in this process, or in the privileged helper once
 * the daemon has dropped its privileges (kernel/privsep.c), which is why the
 * outputs' are a table.
 */
#ifndef XFFW_PRIVILEGED_FILES_H
#define XFFW_PRIVILEGED_FILES_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>
#include <time.h>

/* How output files are made and kept: whoever does the operations holds these. */
struct file_settings {
	unsigned int mode;	  /* of new files, whatever the umask */
	unsigned int retain_days; /* rotated files older than this are deleted; 0 keeps them */
	uid_t uid;		  /* owner of new files, -1: unchanged */
	gid_t gid;
};

struct file_ops {
	/* Opens @path for appending, creating it as the settings say: a descriptor, or -errno. */
	int (*open)(void *ctx, const char *path);
	/* Renames @path to its rotated name for now, never over another file: 0 or -errno. */
	int (*rotate)(void *ctx, const char *path, char *to, size_t tolen);
	/* Deletes rotated files of @path older than the retention: how many. */
	int (*sweep)(void *ctx, const char *path);
	void *ctx;
};

/* The operations done here, with this process's permissions and @set (which must outlive them). */
struct file_ops file_ops_local(const struct file_settings *set);

int logfile_open(const char *path, unsigned int mode, uid_t uid, gid_t gid);
int logfile_rotate(const char *path, time_t now, char *to, size_t tolen);
int logfile_sweep(const char *path, unsigned int days, time_t now);

/* The name a rotated file gets: @path.YYYYMMDD-HHMMSS (UTC of @t). */
void rotated_name(char *out, size_t len, const char *path, time_t t);

/* Is @name (no directory) a rotated file of @base: "@base.YYYYMMDD-HHMMSS[-N]"? */
bool is_rotated_name(const char *name, const char *base);

/*
 * The counters' file (--stats): replaces @path whole with @len bytes of @buf
 * (a temporary file renamed). 0 or -errno.
 */
int stats_file_write(const char *path, const char *buf, size_t len);

#endif
