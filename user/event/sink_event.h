/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One event as the outputs take it: the line to write, and what syslog's
 * structured data carries next to it. event/audit_event.c makes it; the
 * outputs (output/outputs.h) only read it.
 */
#ifndef XFFW_SINK_EVENT_H
#define XFFW_SINK_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * Over this, an event is written in its short form (to every output), so
 * that it always fits the smallest output queue (--queue 64k) with its
 * syslog framing.
 */
#define AUDIT_EVENT_MAX 49152
/*
 * The longest short event: its fixed members, and each text at the worst
 * escaping (6 bytes a byte, "\u0001"). tests/unit/test_audit.c fills every
 * text to its cut with such bytes, sets every finding, and checks the bound
 * holds: 5,165 bytes with the PROXY protocol's object and findings (issue 18;
 * 5 KiB before), so 5.5 KiB, which with SYSLOG_OVERHEAD_MAX still fits a
 * datagram.
 */
#define AUDIT_SHORT_MAX 5632

struct sink_event {
	const char *line; /* the JSON event and its newline */
	size_t len;
	struct timespec when;
	const char *client, *source; /* address text */
	unsigned int dport;
	const char *method, *path; /* not NUL-terminated: lengths below */
	size_t method_len, path_len;
	unsigned int status;  /* 0: none */
	const char *findings; /* space-separated */
	/*
	 * The event's short form (event/audit_event.h, at most AUDIT_SHORT_MAX bytes and its
	 * newline) with its own structured data (its findings include truncated),
	 * for an output that cannot take the line: a syslog datagram. Made on
	 * first call; NULL when there is none.
	 */
	const struct sink_event *(*shorten)(void *ctx);
	void *shorten_ctx;
	bool is_short; /* the line is the short form already: each output counts it shortened */
};

#endif
