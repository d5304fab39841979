/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A streaming JSON writer for one event at a time into a reusable buffer.
 * Strings are written as valid JSON whatever their bytes: quotes, backslashes
 * and control characters are escaped, and invalid UTF-8 becomes U+FFFD, so a
 * forged header can neither break a line nor inject one.
 */
#ifndef XFFW_JSONW_H
#define XFFW_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSONW_MAX_DEPTH 8

struct jsonw {
	char *buf;
	size_t len, cap;
	bool failed; /* out of memory or nesting too deep; the output is unusable */
	int depth;
	bool first[JSONW_MAX_DEPTH]; /* no member written yet at this depth */
};

void jsonw_init(struct jsonw *j);
void jsonw_free(struct jsonw *j);
/* Empties the buffer for the next document, keeping its memory. */
void jsonw_reset(struct jsonw *j);

/*
 * @key is NULL inside arrays and for the top-level value; keys are program
 * literals and written as they are (no escaping).
 */
void jsonw_object_begin(struct jsonw *j, const char *key);
void jsonw_object_end(struct jsonw *j);
void jsonw_array_begin(struct jsonw *j, const char *key);
void jsonw_array_end(struct jsonw *j);
void jsonw_string(struct jsonw *j, const char *key, const char *s, size_t len);
void jsonw_cstring(struct jsonw *j, const char *key, const char *s);
void jsonw_uint(struct jsonw *j, const char *key, uint64_t v);
void jsonw_bool(struct jsonw *j, const char *key, bool v);

/* Appends a raw newline: the end of a JSON-lines record. */
void jsonw_newline(struct jsonw *j);

/* Appends @len bytes escaped as the inside of a JSON string (no quotes). */
void jsonw_escape(struct jsonw *j, const char *s, size_t len);

#endif
