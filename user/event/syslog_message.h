/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * An event as an RFC 5424 message: header, structured data, the JSON event
 * as the message. Bytes only: how a message travels (a datagram, octet
 * counting on a stream) is the syslog output's (output/syslog_framing.h).
 */
#ifndef XFFW_SYSLOG_MESSAGE_H
#define XFFW_SYSLOG_MESSAGE_H

#include <stddef.h>

#include "event/sink_event.h"

/* The most an SD-PARAM value takes of the request's text (method, path): cut past it. */
#define SYSLOG_SD_TEXT	    128
/*
 * The most a message adds to its JSON event: header (hostname at most 255
 * bytes) and structured data, every value escaped at worst. Checked by
 * tests/unit/test_sink.c at the bound.
 */
#define SYSLOG_OVERHEAD_MAX 2048

/*
 * RFC 5424 for @e into @buf (at most @cap bytes, no trailer): the length, or
 * 0 when it does not fit, which cannot happen with @cap of at least
 * e->len + SYSLOG_OVERHEAD_MAX. @hostname and @pid as in the header.
 */
size_t syslog_format(char *buf, size_t cap, const struct sink_event *e, int facility,
		     const char *hostname, int pid);

#endif
