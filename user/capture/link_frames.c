// SPDX-License-Identifier: BSD-2-Clause
/* Link types to Ethernet frames (link_frames.h). */
#include <errno.h>
#include <string.h>

#include <pcap/dlt.h>

#include "capture/link_frames.h"

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd

/* Cooked headers (pcap-linktype(7)): SLL v1 is 16 bytes, SLL2 20. */
#define SLL_HLEN  16
#define SLL2_HLEN 20
/* NULL/LOOP: a 4-byte address family. */
#define NULL_HLEN 4

/* DLT_IPV4/DLT_IPV6 are not defined by every libpcap; their values are fixed. */
#ifndef DLT_IPV4
#define DLT_IPV4 228
#endif
#ifndef DLT_IPV6
#define DLT_IPV6 229
#endif
#ifndef DLT_LINUX_SLL2
#define DLT_LINUX_SLL2 276
#endif

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

bool link_supported(int dlt)
{
	switch (dlt) {
	case DLT_EN10MB:
	case DLT_LINUX_SLL:
	case DLT_LINUX_SLL2:
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
	case DLT_NULL:
	case DLT_LOOP:
		return true;
	default:
		return false;
	}
}

/* The ethertype of a raw IP packet, from its version nibble; 0 if not IP. */
static uint16_t raw_ethertype(const uint8_t *p, size_t len)
{
	if (len < 1)
		return 0;
	switch (p[0] >> 4) {
	case 4:
		return ETH_P_IPV4;
	case 6:
		return ETH_P_IPV6;
	default:
		return 0;
	}
}

/*
 * The ethertype of a NULL/LOOP family. The writer's byte order is unknown
 * for DLT_NULL (host order) and LOOP may be written either way by odd tools:
 * a family is small, so the order that gives a value below 256 is the one.
 * AF_INET is 2 everywhere; AF_INET6 is 24 (NetBSD, OpenBSD), 28 (FreeBSD),
 * 30 (macOS), and 10 (Linux) for good measure.
 */
static uint16_t null_ethertype(const uint8_t *p)
{
	uint32_t v = be32(p);

	if (v > 0xff)
		v = (uint32_t)p[3] << 24 | (uint32_t)p[2] << 16 | (uint32_t)p[1] << 8 | p[0];
	switch (v) {
	case 2:
		return ETH_P_IPV4;
	case 10:
	case 24:
	case 28:
	case 30:
		return ETH_P_IPV6;
	default:
		return 0;
	}
}

int link_to_eth(int dlt, const uint8_t *pkt, size_t caplen, size_t wire_len, uint8_t *buf,
		size_t bufsz, struct link_frame *out)
{
	size_t hlen = 0;
	uint16_t type = 0;

	memset(out, 0, sizeof(*out));
	out->pkttype = LINK_PKT_NONE;
	switch (dlt) {
	case DLT_EN10MB:
		if (caplen < LINK_ETH_HLEN)
			return LINK_SHORT;
		out->eth = pkt;
		out->len = caplen;
		out->wire_len = wire_len;
		return LINK_OK;
	case DLT_LINUX_SLL:
		if (caplen < SLL_HLEN)
			return LINK_SHORT;
		out->pkttype = (uint8_t)be16(pkt);
		out->hatype = be16(pkt + 2);
		type = be16(pkt + 14);
		hlen = SLL_HLEN;
		break;
	case DLT_LINUX_SLL2:
		if (caplen < SLL2_HLEN)
			return LINK_SHORT;
		type = be16(pkt);
		out->ifindex = be32(pkt + 4);
		out->hatype = be16(pkt + 8);
		out->pkttype = pkt[10];
		hlen = SLL2_HLEN;
		break;
	case DLT_RAW:
	case DLT_IPV4:
	case DLT_IPV6:
		type = raw_ethertype(pkt, caplen);
		if (!type)
			return caplen ? LINK_NOT_IP : LINK_SHORT;
		break;
	case DLT_NULL:
	case DLT_LOOP:
		if (caplen < NULL_HLEN)
			return LINK_SHORT;
		type = null_ethertype(pkt);
		if (!type)
			return LINK_NOT_IP;
		hlen = NULL_HLEN;
		break;
	default:
		return LINK_NOT_IP;
	}
	/* The link header is replaced by an Ethernet one: a copy, as the packet is read-only. */
	if (caplen - hlen + LINK_ETH_HLEN > bufsz)
		return -E2BIG;
	memset(buf, 0, 12);
	buf[12] = (uint8_t)(type >> 8);
	buf[13] = (uint8_t)type;
	memcpy(buf + LINK_ETH_HLEN, pkt + hlen, caplen - hlen);
	out->eth = buf;
	out->len = caplen - hlen + LINK_ETH_HLEN;
	out->wire_len = wire_len >= hlen ? wire_len - hlen + LINK_ETH_HLEN : out->len;
	return LINK_OK;
}
