/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A streaming JSON writer for one event at a time into a reusable buffer.
 * Strings are written as valid JSON whatever their bytes: quotes, backslashes
 * and control characters are escaped, and invalid UTF-8 becomes U+FFFD, so a
 * forged header can neither break a line nor inject one.
 *
 * The small calls are inline: an event is some forty of them, and with the
 * keys being literals their lengths fold to constants (bench/json_cost.c).
 */
#ifndef XFFW_JSONW_H
#define XFFW_JSONW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

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
/* Drops what was written after @len (an event that failed) and starts a new value. */
void jsonw_rewind(struct jsonw *j, size_t len);
/* Makes room for @more bytes (the slow path of the writers below); false if out of memory. */
bool jsonw_grow(struct jsonw *j, size_t more);
/* Appends @len bytes escaped as the inside of a JSON string (no quotes). */
void jsonw_escape(struct jsonw *j, const char *s, size_t len);
/* Appends the decimal digits of @v. */
void jsonw_digits(struct jsonw *j, uint64_t v);

static inline __attribute__((always_inline)) bool jsonw_room(struct jsonw *j, size_t more)
{
	return (j->len + more <= j->cap && !j->failed) || jsonw_grow(j, more);
}

/* Appends @n raw bytes. */
static inline __attribute__((always_inline)) void jsonw_raw(struct jsonw *j, const char *s,
							    size_t n)
{
	if (!jsonw_room(j, n))
		return;
	memcpy(j->buf + j->len, s, n);
	j->len += n;
}

/* Appends a string literal of JSON text as it is (a whole constant value). */
#define jsonw_literal(j, lit) jsonw_raw(j, lit, sizeof(lit) - 1)

static inline __attribute__((always_inline)) void jsonw_char(struct jsonw *j, char c)
{
	if (jsonw_room(j, 1))
		j->buf[j->len++] = c;
}

/*
 * The separator and "key": before a value. @key is NULL inside arrays and for
 * the top-level value; keys are program literals, written as they are.
 */
/* The same with a key of @n bytes (one from a table that knows its length). */
static inline __attribute__((always_inline)) void jsonw_member_n(struct jsonw *j, const char *key,
								 size_t n)
{
	if (!j->first[j->depth])
		jsonw_char(j, ',');
	j->first[j->depth] = false;
	if (key) {
		if (!jsonw_room(j, n + 3))
			return;
		j->buf[j->len++] = '"';
		memcpy(j->buf + j->len, key, n);
		j->len += n;
		j->buf[j->len++] = '"';
		j->buf[j->len++] = ':';
	}
}

static inline __attribute__((always_inline)) void jsonw_member(struct jsonw *j, const char *key)
{
	jsonw_member_n(j, key, key ? strlen(key) : 0);
}

static inline __attribute__((always_inline)) void jsonw_open_n(struct jsonw *j, const char *key,
							       size_t n, char c)
{
	jsonw_member_n(j, key, n);
	jsonw_char(j, c);
	if (j->depth + 1 >= JSONW_MAX_DEPTH) {
		j->failed = true;
		return;
	}
	j->first[++j->depth] = true;
}

static inline __attribute__((always_inline)) void jsonw_open(struct jsonw *j, const char *key,
							     char c)
{
	jsonw_open_n(j, key, key ? strlen(key) : 0, c);
}

static inline __attribute__((always_inline)) void jsonw_close(struct jsonw *j, char c)
{
	if (j->depth > 0)
		j->depth--;
	jsonw_char(j, c);
}

static inline __attribute__((always_inline)) void jsonw_object_begin(struct jsonw *j,
								     const char *key)
{
	jsonw_open(j, key, '{');
}

static inline __attribute__((always_inline)) void jsonw_object_end(struct jsonw *j)
{
	jsonw_close(j, '}');
}

static inline __attribute__((always_inline)) void jsonw_array_begin(struct jsonw *j,
								    const char *key)
{
	jsonw_open(j, key, '[');
}

/* An array under a key of @n bytes. */
static inline __attribute__((always_inline)) void jsonw_array_begin_n(struct jsonw *j,
								      const char *key, size_t n)
{
	jsonw_open_n(j, key, n, '[');
}

static inline __attribute__((always_inline)) void jsonw_array_end(struct jsonw *j)
{
	jsonw_close(j, ']');
}

static inline __attribute__((always_inline)) void jsonw_string(struct jsonw *j, const char *key,
							       const char *s, size_t len)
{
	jsonw_member(j, key);
	jsonw_char(j, '"');
	jsonw_escape(j, s, len);
	jsonw_char(j, '"');
}

static inline __attribute__((always_inline)) void jsonw_cstring(struct jsonw *j, const char *key,
								const char *s)
{
	jsonw_string(j, key, s, strlen(s));
}

static inline __attribute__((always_inline)) void jsonw_uint(struct jsonw *j, const char *key,
							     uint64_t v)
{
	jsonw_member(j, key);
	jsonw_digits(j, v);
}

static inline __attribute__((always_inline)) void jsonw_bool(struct jsonw *j, const char *key,
							     bool v)
{
	jsonw_member(j, key);
	if (v)
		jsonw_raw(j, "true", 4);
	else
		jsonw_raw(j, "false", 5);
}

/* Raw "key":value members (a program literal) in the open object. */
static inline __attribute__((always_inline)) void jsonw_members_literal(struct jsonw *j,
									const char *s)
{
	if (!j->first[j->depth])
		jsonw_char(j, ',');
	j->first[j->depth] = false;
	jsonw_raw(j, s, strlen(s));
}

/* Appends a raw newline: the end of a JSON-lines record. */
static inline __attribute__((always_inline)) void jsonw_newline(struct jsonw *j)
{
	jsonw_char(j, '\n');
	j->first[0] = true;
}

#endif
