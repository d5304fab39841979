/* SPDX-License-Identifier: BSD-2-Clause */
/* `xffwatch check-config`: validate the configuration, print the effective settings. */
#ifndef XFFW_CHECKCONF_H
#define XFFW_CHECKCONF_H

struct options;
struct command_args;

/* Prints the settings @o (parsed, finished) with warnings; 0. */
int check_config_run(const struct options *o, const struct command_args *r);

#endif
