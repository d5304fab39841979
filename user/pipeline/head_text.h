/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A request head given as text, through the kernel parser's twin and the
 * daemon's tracker: the request the daemon would see for it. Used by
 * `xffwatch resolve`, the unit tests and the fuzzer.
 */
#ifndef XFFW_HEAD_EXCHANGE_H
#define XFFW_HEAD_EXCHANGE_H

#include <stddef.h>
#include <stdint.h>

#include "pipeline/extract_twin.h"
#include "pipeline/tracker.h"

/*
 * Runs @head (@len bytes, the first segment of a connection) through
 * head_extract() with @budget, completes each record with the tuple of @tuple
 * (family, addresses, ports, timestamp), and hands the request to @fn, as an
 * exchange without a response (no_response NR_SHUTDOWN). Returns what
 * head_extract() returned; @fn is called once when that is HEAD_OK.
 */
enum head_status head_exchange(const uint8_t *head, size_t len, uint32_t budget,
			       const struct xffw_record_hdr *tuple, exchange_fn fn, void *ctx);

/*
 * The same for a connection that began with the PROXY preamble @preamble
 * (@plen bytes, its whole frame): it goes to the tracker as the kernel's
 * PROXY record (cut at XFFW_PP_KEEP bytes), so the request carries it as on
 * the wire.
 */
enum head_status head_exchange_after(const uint8_t *preamble, size_t plen, const uint8_t *head,
				     size_t len, uint32_t budget,
				     const struct xffw_record_hdr *tuple, exchange_fn fn,
				     void *ctx);

#endif
