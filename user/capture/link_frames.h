/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A captured packet of any supported link type as the Ethernet frame the TC
 * hook sees: a 14-byte Ethernet header first. Ethernet frames (802.1Q/QinQ
 * tags included) are passed through untouched; the others get a synthesized
 * header (zero MACs, the ethertype of what follows) in a caller's buffer.
 * Pure: no I/O, no allocation (fuzzed by tests/fuzz/fuzz_capture.c).
 */
#ifndef XFFW_LINK_FRAMES_H
#define XFFW_LINK_FRAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LINK_ETH_HLEN  14
/* The largest packet libpcap hands out (its MAXIMUM_SNAPLEN), plus our header. */
#define LINK_FRAME_MAX (262144 + LINK_ETH_HLEN)

/* Linux's PACKET_* types as SLL and SLL2 carry them; LINK_PKT_NONE elsewhere. */
#define LINK_PKT_HOST	     0
#define LINK_PKT_OUTGOING    4
#define LINK_PKT_NONE	     255
/* ARPHRD_LOOPBACK: a cooked capture's loopback device ("tcpdump -i any"). */
#define LINK_HATYPE_LOOPBACK 772

struct link_frame {
	const uint8_t *eth; /* the frame: into the packet, or into the caller's buffer */
	size_t len;	    /* captured bytes at eth */
	size_t wire_len;    /* the packet's length on the wire, counted the same way */
	uint32_t ifindex;   /* SLL2's interface index, else 0 */
	uint16_t hatype;    /* SLL/SLL2's ARPHRD_* type, else 0 */
	uint8_t pkttype;    /* LINK_PKT_* */
};

enum link_result {
	LINK_OK = 0,
	LINK_SHORT = -1,  /* shorter than its link header: not a frame */
	LINK_NOT_IP = -2, /* a NULL/LOOP family or raw version that is not IP */
};

/* Whether link_to_eth() reads this DLT_* link type. */
bool link_supported(int dlt);

/*
 * The Ethernet frame of one packet: @caplen bytes captured at @pkt of a
 * @wire_len-byte packet on a link of type @dlt (DLT_*; link_supported()).
 * Non-Ethernet packets are copied after a synthesized header into @buf
 * (@bufsz >= LINK_FRAME_MAX always suffices). Returns LINK_OK with *@out
 * filled, LINK_SHORT, LINK_NOT_IP, or -E2BIG when @buf is too small.
 */
int link_to_eth(int dlt, const uint8_t *pkt, size_t caplen, size_t wire_len, uint8_t *buf,
		size_t bufsz, struct link_frame *out);

#endif
