/* SPDX-License-Identifier: BSD-2-Clause */
/* One frame as capture_next() hands it out (capture.h), ready for the kernel program's parser. */
#ifndef XFFW_CAPTURE_FRAME_H
#define XFFW_CAPTURE_FRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct capture_frame {
	const uint8_t *eth; /* 14-byte Ethernet header first; valid until the next capture_next() */
	size_t len;	    /* bytes at eth */
	size_t wire_len;    /* the frame's length on the wire (> len when cut) */
	uint64_t ts_ns;	    /* capture time, UTC nanoseconds */
	uint32_t ifindex;   /* SLL2's interface index, else 0 */
	uint16_t file;	    /* index of its file in capture_open()'s list */
	uint8_t pkttype;    /* SLL/SLL2 PACKET_* type, else LINK_PKT_NONE (link_frames.h) */
	/*
	 * Cut by the capture length (len < wire_len): never data. The caller must
	 * not run the parser on it; it tells which flow lost bytes (for a finding).
	 */
	bool cut;
	bool reordered; /* was held back and put in sequence order */
	bool gap;	/* released out of order (window, time or flow bound, or end of input) */
};

#endif
