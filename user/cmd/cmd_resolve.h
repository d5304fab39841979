/* SPDX-License-Identifier: BSD-2-Clause */
/* `xffwatch resolve`: the event for one request head from standard input. */
#ifndef XFFW_RESOLVE_H
#define XFFW_RESOLVE_H

int resolve_main(int argc, char **argv);

#endif
