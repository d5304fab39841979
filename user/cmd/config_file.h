/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The configuration file (libconfig syntax, docs/configuration.md): read it
 * into the settings, and print the effective settings back in the same syntax.
 */
#ifndef XFFW_CONF_H
#define XFFW_CONF_H

#include <stdbool.h>
#include <stdio.h>

#include "cmd/options.h"

/*
 * Applies the file at @path to @o. A missing file is an error only when
 * @must_exist (the default path may be absent); a path that is not a regular
 * file (a directory, FIFO or device) always is, "FILE: not a regular file",
 * and is never waited on. Integers are read as 64 bits and held to the
 * bounds of their flags. On error returns -EINVAL or -ENOENT with
 * "FILE:LINE: setting: what is wrong" (or "FILE: what is wrong") in @err.
 */
int conf_load(struct options *o, const char *path, bool must_exist, char *err, size_t errlen);

/* Writes @o (after options_finish) as a configuration file, with a summary of the rules. */
void conf_print(FILE *f, const struct options *o);

#endif
