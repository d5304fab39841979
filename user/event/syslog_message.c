// SPDX-License-Identifier: BSD-2-Clause
/*
 * RFC 5424 messages. libc's syslog(3) writes the older BSD format to the
 * local socket only, with no structured data and no TCP: the header is a
 * handful of fields, written here; the transport is plain sockets.
 */
#include <stdio.h>
#include <string.h>

#include "event/syslog_message.h"
#include "pipeline/clock.h"

/*
 * The SD-ID's enterprise number: 32473 is the one RFC 5612 reserves for
 * documentation and examples; xffwatch has none of its own.
 */
#define SD_ID "xffwatch@32473"

struct out {
	char *p;
	size_t n, cap;
	bool full;
};

static void put(struct out *o, const char *s, size_t n)
{
	if (o->n + n > o->cap) {
		o->full = true;
		return;
	}
	memcpy(o->p + o->n, s, n);
	o->n += n;
}

static void puts_(struct out *o, const char *s)
{
	put(o, s, strlen(s));
}

/* An SD-PARAM value: '"', '\' and ']' escaped; controls and non-ASCII as '?'. */
static void param(struct out *o, const char *name, const char *v, size_t n)
{
	put(o, " ", 1);
	puts_(o, name);
	put(o, "=\"", 2);
	for (size_t i = 0; i < n && !o->full; i++) {
		unsigned char c = (unsigned char)v[i];

		if (c == '"' || c == '\\' || c == ']')
			put(o, "\\", 1);
		if (c < 0x20 || c >= 0x7f)
			c = '?';
		put(o, (const char *)&c, 1);
	}
	put(o, "\"", 1);
}

size_t syslog_format(char *buf, size_t cap, const struct sink_event *e, int facility,
		     const char *hostname, int pid)
{
	struct out o = { buf, 0, cap, false };
	char head[64], ts[32], num[16];
	size_t len = e->len;

	clock_rfc3339(&e->when, ts);
	/* Severity 6 (informational). */
	snprintf(head, sizeof(head), "<%d>1 %s ", facility * 8 + 6, ts);
	puts_(&o, head);
	/* RFC 5424 HOSTNAME is at most 255 printable bytes. */
	put(&o, hostname && hostname[0] ? hostname : "-",
	    hostname && hostname[0] ? strnlen(hostname, 255) : 1);
	snprintf(head, sizeof(head), " xffwatch %d audit [" SD_ID, pid);
	puts_(&o, head);
	param(&o, "client", e->client, strlen(e->client));
	param(&o, "source", e->source, strlen(e->source));
	snprintf(num, sizeof(num), "%u", e->dport);
	param(&o, "dport", num, strlen(num));
	/* The request's own text is cut: the whole of it is in the JSON message. */
	param(&o, "method", e->method,
	      e->method_len < SYSLOG_SD_TEXT ? e->method_len : SYSLOG_SD_TEXT);
	param(&o, "path", e->path, e->path_len < SYSLOG_SD_TEXT ? e->path_len : SYSLOG_SD_TEXT);
	if (e->status) {
		snprintf(num, sizeof(num), "%u", e->status);
		param(&o, "status", num, strlen(num));
	}
	if (e->findings && e->findings[0])
		param(&o, "findings", e->findings, strlen(e->findings));
	put(&o, "] ", 2);
	/* The JSON event is the message, without its newline. */
	if (len && e->line[len - 1] == '\n')
		len--;
	put(&o, e->line, len);
	return o.full ? 0 : o.n;
}
