/* SPDX-License-Identifier: BSD-2-Clause */
/* Why a value was refused: the short reason that value parsers hand back. */
#ifndef XFFW_REFUSE_H
#define XFFW_REFUSE_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

static inline int refuse(char *why, size_t whylen, int err, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Writes the reason into @why (@whylen bytes) and returns @err (a negative errno). */
static inline int refuse(char *why, size_t whylen, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return err;
}

#endif
