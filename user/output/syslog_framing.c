// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event/syslog_message.h"
#include "output/output_settings.h"
#include "output/syslog_framing.h"

/* The smallest --queue takes the longest event and its syslog framing. */
_Static_assert(AUDIT_EVENT_MAX + 1 + SYSLOG_OVERHEAD_MAX + 64 <= OPT_QUEUE_MIN,
	       "an event fits the smallest output queue");
_Static_assert(AUDIT_SHORT_MAX + SYSLOG_OVERHEAD_MAX <= SYSLOG_DGRAM_MAX,
	       "a short event fits a datagram");

static char hostname[256];

void syslog_framing_init(void)
{
	if (!hostname[0] && gethostname(hostname, sizeof(hostname) - 1))
		strcpy(hostname, "-");
}

size_t syslog_frame_dgram(char *frame, const struct sink_event *e, int facility, bool *shortened)
{
	const struct sink_event *brief;
	size_t n = syslog_format(frame, SYSLOG_DGRAM_MAX, e, facility, hostname, getpid());

	if (n || !e->shorten)
		return n;
	brief = e->shorten(e->shorten_ctx);
	if (!brief)
		return 0;
	/* Short enough by construction (AUDIT_SHORT_MAX + SYSLOG_OVERHEAD_MAX < a datagram). */
	n = syslog_format(frame, SYSLOG_DGRAM_MAX, brief, facility, hostname, getpid());
	*shortened = n > 0;
	return n;
}

int syslog_frame_stream(struct syslog_frame *f, const struct sink_event *e, int facility)
{
	/* A stream takes any length: room for the event and all a message adds to it. */
	if (e->len + SYSLOG_OVERHEAD_MAX > f->cap) {
		char *m = realloc(f->msg, e->len + SYSLOG_OVERHEAD_MAX);

		if (!m)
			return -ENOMEM;
		f->msg = m;
		f->cap = e->len + SYSLOG_OVERHEAD_MAX;
	}
	f->len = syslog_format(f->msg, f->cap, e, facility, hostname, getpid());
	if (!f->len)
		return -ENOMEM; /* cannot happen: the overhead is bounded */
	f->prefix_len = (size_t)snprintf(f->prefix, sizeof(f->prefix), "%zu ", f->len);
	return 0;
}

void syslog_frame_free(struct syslog_frame *f)
{
	free(f->msg);
	memset(f, 0, sizeof(*f));
}
