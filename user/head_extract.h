/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The kernel extractor's twin in user space: turns the payload of a segment
 * into the record bpf/xffwatch.bpf.c would write, with the same limits and
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
};

/* Why @status was returned, as a short phrase for error messages. */
const char *head_status_str(enum head_status status);

/*
 * Fills the data area and the head-related header fields (flags, data_len,
 * head_len, payload_len) of @rec from @len payload bytes, keeping the fields
 * whose bit is set in @field_mask. The tuple and timestamp are left alone.
 */
enum head_status head_extract(const uint8_t *payload, size_t len, uint32_t field_mask,
			      struct xffw_record *rec);

/*
 * Checks a request head given as text (`xffwatch resolve`): a request line
 * "METHOD TARGET HTTP/1.x", then "Name: value" lines (no obsolete folding, no
 * NUL), up to a blank line or the end of @buf. On success *@len is the length
 * up to and including the blank line, one appended (within @cap) if missing.
 * Returns 0, or -EINVAL with "line N: what is wrong" in @err.
 */
int head_validate(char *buf, size_t *len, size_t cap, char *err, size_t errlen);

#endif
