/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel extractor's twin in user space: turns the payload of a segment
 * into the record the TC program (bpf/) would write, with the same limits and
 * flags. `xffwatch resolve` uses it so that its answer is the daemon's, and
 * the kernel-program tests compare the two byte for byte.
 */
#ifndef XFFW_HEAD_EXTRACT_H
#define XFFW_HEAD_EXTRACT_H

#include <linux/types.h>
#include <stddef.h>
#include <stdint.h>

#include "xffwatch_abi.h"

enum head_status {
	HEAD_OK = 0,
	HEAD_NOT_METHOD,     /* does not start with a method token and a space */
	HEAD_NOT_HTTP1_LINE, /* the request line does not end in " HTTP/1.x" */
	HEAD_TOO_LONG,	     /* no blank line within XFFW_HEAD_HARD_MAX bytes */
};

/* Receives each record the extractor writes (@size bytes at @rec). */
typedef void (*head_record_fn)(void *ctx, const struct xffw_record *rec, size_t size);

/* Why @status was returned, as a short phrase for error messages. */
const char *head_status_str(enum head_status status);

/*
 * The REQUEST records the kernel writes for @len payload bytes that are the
 * first segment of a new connection, keeping the fields whose bit is set in
 * @field_mask and @budget bytes of head: each goes to @emit. Only the record
 * header's abi_version, type, flags, data_len, msg and part are set; the rest
 * (tuple, times, flow) is zero.
 */
enum head_status head_extract(const uint8_t *payload, size_t len, uint32_t field_mask,
			      uint32_t budget, head_record_fn emit, void *ctx);

/*
 * Checks a request head given as text (`xffwatch resolve`): a request line
 * "METHOD TARGET HTTP/1.x", then "Name: value" lines (no obsolete folding, no
 * NUL), up to a blank line or the end of @buf. On success *@len is the length
 * up to and including the blank line, one appended (within @cap) if missing.
 * Returns 0, or -EINVAL with "line N: what is wrong" in @err.
 */
int head_validate(char *buf, size_t *len, size_t cap, char *err, size_t errlen);

#endif
