/* SPDX-License-Identifier: BSD-2-Clause */
/* `xffwatch status`: which interfaces have an xffwatch program attached. */
#ifndef XFFW_STATUS_H
#define XFFW_STATUS_H

int status_main(int argc, char **argv);

#endif
