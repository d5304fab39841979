/* SPDX-License-Identifier: BSD-2-Clause */
/* Opening a file that we are told to read, whatever it turns out to be. */
#ifndef XFFW_FILE_OPEN_H
#define XFFW_FILE_OPEN_H

#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

/*
 * Opens @path for reading without blocking (a FIFO would wait for a writer
 * forever) and fstat()s it into @st, so that the caller can refuse what is
 * not a regular file (a directory, FIFO or device) before reading a byte.
 * @flags are added to O_RDONLY | O_NONBLOCK | O_CLOEXEC (O_NOFOLLOW, say).
 * Returns the descriptor or -errno.
 */
static inline int file_open_nonblocking(const char *path, int flags, struct stat *st)
{
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | flags);
	int err;

	if (fd < 0)
		return -errno;
	if (fstat(fd, st)) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

#endif
