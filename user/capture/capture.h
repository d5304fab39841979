/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Capture files as Ethernet frames for the kernel program's parser
 * (xffwatch replay): read with libpcap and merged in timestamp order
 * (pcap_files.c), each link type made an Ethernet frame (link_frames.c),
 * the loopback copy of a cooked capture skipped, duplicates dropped and TCP
 * segments put back in order within bounds (reorder.c).
 *
 * Usage: capture_open(), then capture_next() until it returns 0 (or < 0:
 * print @err, exit 2), capture_counters() for the counts, capture_close().
 */
#ifndef XFFW_CAPTURE_H
#define XFFW_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "capture/frame.h"
#include "capture/reorder.h"

/* The longest error line capture_open()/capture_next() write (with a file name). */
#define CAPTURE_ERR_MAX 4352

struct capture_limits {
	struct reorder_limits reorder; /* zeros: the defaults in reorder.h */
	/* Where a one-line warning goes (a file cut short at its end); NULL: log_warn(). */
	void (*warn)(void *ctx, const char *line);
	void *warn_ctx;
};

struct capture_counters {
	uint64_t packets;	  /* records read from the files */
	uint64_t bytes;		  /* their captured bytes */
	uint64_t frames;	  /* frames handed out, cut ones included */
	uint64_t cut;		  /* packets cut by the capture length (frames with .cut) */
	uint64_t twice;		  /* a cooked capture's outgoing copy on loopback, skipped */
	uint64_t short_frames;	  /* shorter than their link header, skipped */
	uint64_t not_ip;	  /* NULL/LOOP or raw packets that are not IP, skipped */
	uint64_t duplicates;	  /* exact duplicates of a flow's previous segment, skipped */
	uint64_t reordered;	  /* segments held and put back in order */
	uint64_t gaps;		  /* segments released out of order, beyond the bounds */
	uint64_t flows_evicted;	  /* flows the reorder forgot to stay within its flow bound */
	uint64_t truncated_files; /* files cut short at their end (a warning each) */
	uint64_t file_done;	  /* bytes of the files read so far */
	uint64_t file_size;	  /* their total size; 0 when unknown (standard input) */
};

struct capture;

/*
 * Opens @n (>= 1, <= 65,535) capture files; "-" is standard input. @lim may
 * be NULL. On error writes one line naming the file (and the offset where it
 * can be told) into @err and returns NULL: an empty file, one cut in its
 * header, not a capture, a directory, an unreadable one, an unsupported link
 * type (named).
 */
struct capture *capture_open(char *const files[], size_t n, const struct capture_limits *lim,
			     char *err, size_t errlen);

/*
 * The next frame into *@f; its bytes stay valid until the next call.
 * Returns 1, 0 at the end of the input (everything held flushed), or < 0
 * (-EIO: a corrupt record) with one line in @err. A frame with .cut set
 * was cut by the capture length and must not be parsed as data.
 */
int capture_next(struct capture *c, struct capture_frame *f, char *err, size_t errlen);

void capture_counters(const struct capture *c, struct capture_counters *out);

/* Do all the files count time in nanoseconds? Then events may say so (else microseconds). */
bool capture_nanoseconds(const struct capture *c);

/* Accepts NULL. */
void capture_close(struct capture *c);

#endif
