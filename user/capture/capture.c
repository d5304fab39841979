// SPDX-License-Identifier: BSD-2-Clause
/* Capture files to Ethernet frames, in order (capture.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "capture/capture.h"
#include "capture/link_frames.h"
#include "capture/pcap_files.h"
#include "util/log.h"

struct capture {
	struct pcap_files *pf;
	struct reorder *ro;
	uint8_t *buf; /* the synthesized frame: one, reused for every packet */
	struct capture_counters cnt;
	bool eof;
};

static void warn_log(void *ctx, const char *line)
{
	(void)ctx;
	log_warn("%s", line);
}

struct capture *capture_open(char *const files[], size_t n, const struct capture_limits *lim,
			     char *err, size_t errlen)
{
	struct capture *c;

	if (!n || n > UINT16_MAX) {
		snprintf(err, errlen, "capture: between 1 and %u files, not %zu", UINT16_MAX, n);
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c || !(c->buf = malloc(LINK_FRAME_MAX)) ||
	    !(c->ro = reorder_new(lim ? &lim->reorder : NULL))) {
		snprintf(err, errlen, "capture: out of memory");
		capture_close(c);
		return NULL;
	}
	c->pf = pcap_files_open(files, n, lim && lim->warn ? lim->warn : warn_log,
				lim ? lim->warn_ctx : NULL, err, errlen);
	if (!c->pf) {
		capture_close(c);
		return NULL;
	}
	return c;
}

/*
 * Reads packets until one is queued in the reorder. Returns 1, 0 at the end
 * of the input, or < 0 with @err.
 */
static int read_one(struct capture *c, char *err, size_t errlen)
{
	struct raw_packet pkt;
	struct link_frame lf;
	struct capture_frame f;
	int rc;

	for (;;) {
		rc = pcap_files_next(c->pf, &pkt, err, errlen);
		if (rc <= 0)
			return rc;
		c->cnt.packets++;
		c->cnt.bytes += pkt.caplen;
		rc = link_to_eth(pkt.dlt, pkt.data, pkt.caplen, pkt.len, c->buf, LINK_FRAME_MAX,
				 &lf);
		if (rc == LINK_SHORT || rc == -E2BIG) {
			c->cnt.short_frames++;
			continue;
		}
		if (rc == LINK_NOT_IP) {
			c->cnt.not_ip++;
			continue;
		}
		/*
		 * "tcpdump -i any" sees a loopback packet twice: leaving (OUTGOING)
		 * and entering. Live, the program sees loopback at ingress only,
		 * once: the incoming copy is the one kept. Elsewhere both
		 * directions are real (one arrives, the other leaves); the same
		 * segment forwarded from one interface to another is dropped by
		 * the duplicate rule (reorder.c).
		 */
		if (lf.hatype == LINK_HATYPE_LOOPBACK && lf.pkttype == LINK_PKT_OUTGOING) {
			c->cnt.twice++;
			continue;
		}
		f = (struct capture_frame){
			.eth = lf.eth,
			.len = lf.len,
			.wire_len = lf.wire_len,
			.ts_ns = pkt.ts_ns,
			.ifindex = lf.ifindex,
			.file = pkt.file,
			.pkttype = lf.pkttype,
			.cut = lf.len < lf.wire_len,
		};
		c->cnt.cut += f.cut;
		rc = reorder_push(c->ro, &f);
		if (rc < 0) {
			snprintf(err, errlen, "capture: out of memory");
			return rc;
		}
		if (rc)
			return 1;
	}
}

int capture_next(struct capture *c, struct capture_frame *f, char *err, size_t errlen)
{
	for (;;) {
		int rc;

		if (reorder_pop(c->ro, f)) {
			c->cnt.frames++;
			return 1;
		}
		if (c->eof)
			return 0;
		rc = read_one(c, err, errlen);
		if (rc < 0)
			return rc;
		if (!rc) {
			reorder_flush(c->ro);
			c->eof = true;
		}
	}
}

void capture_counters(const struct capture *c, struct capture_counters *out)
{
	struct reorder_counters r;

	*out = c->cnt;
	reorder_counters(c->ro, &r);
	out->duplicates = r.duplicates;
	out->reordered = r.reordered;
	out->gaps = r.gaps;
	out->flows_evicted = r.evicted;
	out->truncated_files = pcap_files_truncated(c->pf);
	pcap_files_position(c->pf, &out->file_done, &out->file_size);
}

void capture_close(struct capture *c)
{
	if (!c)
		return;
	pcap_files_close(c->pf);
	reorder_free(c->ro);
	free(c->buf);
	free(c);
}

bool capture_nanoseconds(const struct capture *c)
{
	return pcap_files_nanoseconds(c->pf);
}
