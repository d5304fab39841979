/* SPDX-License-Identifier: BSD-2-Clause */
/* `xffwatch replay`: the events of packet captures, as the observer would have written them. */
#ifndef XFFW_CMD_REPLAY_H
#define XFFW_CMD_REPLAY_H

struct options;
struct command_args;

int replay_run(const struct options *o, const struct command_args *a);

#endif
