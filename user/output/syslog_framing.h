/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * How a syslog message travels: alone in a datagram, at most
 * SYSLOG_DGRAM_MAX bytes, the event's short form when the whole one does not
 * fit; or on a stream with RFC 6587 octet counting ("LEN SP MSG"), any
 * length. The message itself is event/syslog_message.h's.
 */
#ifndef XFFW_SYSLOG_FRAMING_H
#define XFFW_SYSLOG_FRAMING_H

#include <stdbool.h>
#include <stddef.h>

#include "event/sink_event.h"

/*
 * Largest datagram written (UDP, the local socket): rsyslog's default
 * maxMessageSize. A longer event goes in its short form.
 */
#define SYSLOG_DGRAM_MAX 8192

/* A stream's frame, its buffer kept from one event to the next. */
struct syslog_frame {
	char prefix[24]; /* "LEN " */
	size_t prefix_len;
	char *msg;
	size_t len, cap;
};

/* Reads the host name that messages carry, once, before the first message. */
void syslog_framing_init(void);

/*
 * @e as one datagram into @frame (SYSLOG_DGRAM_MAX bytes): the whole event,
 * or its short form, structured data included, when the whole one does not
 * fit (then *@shortened is set). The length, or 0 when neither fits.
 */
size_t syslog_frame_dgram(char *frame, const struct sink_event *e, int facility, bool *shortened);

/* @e framed for a stream into @f: 0, or -ENOMEM. */
int syslog_frame_stream(struct syslog_frame *f, const struct sink_event *e, int facility);

void syslog_frame_free(struct syslog_frame *f);

#endif
