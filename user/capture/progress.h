/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The progress line of a long replay: packets, bytes, percent of the files,
 * rate and events, redrawn with \r on a terminal at most 4 times a second,
 * ended with a newline. Nothing when the descriptor is not a terminal or the
 * caller is quiet.
 */
#ifndef XFFW_PROGRESS_H
#define XFFW_PROGRESS_H

#include <stdbool.h>
#include <stdint.h>

#include "capture/capture.h"

struct progress;

/* A reporter on @fd (2: stderr); inactive unless isatty(@fd) and not @quiet. NULL: no memory. */
struct progress *progress_new(int fd, bool quiet);

/* Cheap enough to call for every frame: looks at the clock once in 1,024 calls. */
void progress_update(struct progress *p, const struct capture *c, uint64_t events);

/* The last line, ended by a newline (if anything was drawn or @c is done). Accepts NULL. */
void progress_done(struct progress *p, const struct capture *c, uint64_t events);

/* Accepts NULL. */
void progress_free(struct progress *p);

/* The line for these counts into @buf (for tests). Returns its length. */
int progress_format(char *buf, size_t len, const struct capture_counters *k, uint64_t events,
		    double seconds);

#endif
