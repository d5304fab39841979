/* SPDX-License-Identifier: BSD-2-Clause */
/* The counters' file: written whole, for the privileged helper too (kernel/ sees only this). */
#ifndef XFFW_STATS_FILE_H
#define XFFW_STATS_FILE_H

#include <stddef.h>

/* Replaces @path whole with @len bytes of @buf (a temporary file renamed): 0 or -errno. */
int stats_file_write(const char *path, const char *buf, size_t len);

#endif
