/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A streaming JSON writer for one event at a time into a reusable buffer.
 * Strings are written as valid JSON whatever their bytes: quotes, backslashes
 * and control characters are escaped, and invalid UTF-8 becomes U+FFFD, so a
 * forged header can neither break a line nor inject one.
 */
#ifndef XFFW_JSON_H
#define XFFW_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JSON_MAX_DEPTH 8

struct json {
	char *buf;
	size_t len, cap;
	bool failed; /* out of memory or nesting too deep; the output is unusable */
	int depth;
	bool first[JSON_MAX_DEPTH]; /* no member written yet at this depth */
};

void json_init(struct json *j);
void json_free(struct json *j);
/* Empties the buffer for the next document, keeping its memory. */
void json_reset(struct json *j);

/* @key is NULL inside arrays and for the top-level value. */
void json_object_begin(struct json *j, const char *key);
void json_object_end(struct json *j);
void json_array_begin(struct json *j, const char *key);
void json_array_end(struct json *j);
void json_string(struct json *j, const char *key, const char *s, size_t len);
void json_cstring(struct json *j, const char *key, const char *s);
void json_uint(struct json *j, const char *key, uint64_t v);
void json_bool(struct json *j, const char *key, bool v);

/* Appends a raw newline: the end of a JSON-lines record. */
void json_newline(struct json *j);

/* Appends @len bytes escaped as the inside of a JSON string (no quotes). */
void json_escape(struct json *j, const char *s, size_t len);

#endif
