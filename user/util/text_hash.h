/* SPDX-License-Identifier: BSD-2-Clause */
/* FNV-1a over a string: to tell values apart in bounded tables, not for security. */
#ifndef XFFW_TEXT_HASH_H
#define XFFW_TEXT_HASH_H

#include <stddef.h>
#include <stdint.h>

static inline uint64_t text_hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;

	for (size_t i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ULL;
	return h;
}

#endif
