/* SPDX-License-Identifier: BSD-2-Clause */
#ifndef XFFW_VERSION_H
#define XFFW_VERSION_H

#define XFFWATCH_VERSION "0.1.0"

#endif
