/* SPDX-License-Identifier: BSD-2-Clause */
/* `xffwatch resolve`: the event for one request head from standard input. */
#ifndef XFFW_RESOLVE_H
#define XFFW_RESOLVE_H

struct options;
struct command_args;

/* The event for the head on standard input under @o and @r: 0, or 1 or 2 after an error line. */
int resolve_run(const struct options *o, const struct command_args *r);

#endif
