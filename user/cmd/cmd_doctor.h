/* SPDX-License-Identifier: BSD-2-Clause */
/* `xffwatch doctor`: the proxy setup diagnosed from the traffic (docs/doctor.md). */
#ifndef XFFW_CMD_DOCTOR_H
#define XFFW_CMD_DOCTOR_H

#include "cmd/options.h"

struct command_args;

/* 0: nothing to fix; 1: something to fix; 2: the events could not be had. */
int doctor_run(const struct options *o, const struct command_args *a);

#endif
