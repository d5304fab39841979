/* SPDX-License-Identifier: BSD-2-Clause */
/* The observer: load, attach, consume the ring buffer, write events. */
#ifndef XFFW_DAEMON_H
#define XFFW_DAEMON_H

#include "cmd/options.h"

/* Runs until SIGINT/SIGTERM. Returns the process exit status (0 or 1). */
int daemon_run(const struct options *o);

#endif
