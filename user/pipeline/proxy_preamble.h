/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * PROXY protocol preambles, v1 and v2 (haproxy doc/proxy-protocol.txt): a
 * strict parser of the bytes a connection began with. What the spec forbids
 * is malformed, with a short phrase saying which rule was broken.
 */
#ifndef XFFW_PROXY_PREAMBLE_H
#define XFFW_PROXY_PREAMBLE_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xffwatch_abi.h"
#include "pipeline/request.h"
#include "util/ipaddr.h"

/* The v2 signature: the preamble's first 12 bytes. */
#define PP_V2_SIG_LEN	 12
/* The spec's cap on a v2 unique id (PP2_TYPE_UNIQUE_ID). */
#define PP_UNIQUE_ID_MAX 128

enum pp_result {
	PP_OK = 0,
	PP_TRUNCATED = 1, /* the bytes end before the preamble does */
	PP_MALFORMED = 2, /* it breaks the spec: pp_info.error says how */
};

enum pp_command {
	PP_CMD_PROXY = 1,   /* v1 TCP4/TCP6, v2 PROXY: addresses follow */
	PP_CMD_LOCAL = 2,   /* v2 LOCAL: the proxy's own connection (a health check) */
	PP_CMD_UNKNOWN = 3, /* v1 UNKNOWN: the receiver uses the connection's own addresses */
};

enum pp_crc {
	PP_CRC_ABSENT = 0,	/* no CRC32C TLV */
	PP_CRC_OK = 1,		/* present and right (a wrong one is PP_MALFORMED) */
	PP_CRC_NOT_CHECKED = 2, /* present, but the preamble was cut (@cut): not all bytes seen */
};

/* PP2_TYPE_SSL and its sub-TLVs. */
struct pp_ssl {
	bool present;
	uint8_t client;	 /* PP2_CLIENT_* bits */
	uint32_t verify; /* 0: the client certificate was verified */
	struct str version, cn, cipher, sig_alg, key_alg; /* p NULL when absent */
};

/*
 * A parsed preamble. The struct str members point into the parsed bytes:
 * they live as long as those do.
 */
struct pp_info {
	uint8_t version; /* 1 or 2 */
	uint8_t command; /* enum pp_command */
	/* v1: the same byte for its transport: TCP4 0x11, TCP6 0x21, UNKNOWN 0. */
	uint8_t v2_family; /* v2: the address family and transport byte (0x11 TCP over IPv4 ...) */
	/* src, dst and the ports are set: v1 TCP4/TCP6, or v2 PROXY over TCP (INET, INET6). */
	bool has_addr;
	struct ip_addr src, dst;
	uint16_t sport, dport;
	/* Bytes of the preamble on the wire: the v1 line with its CRLF; v2: 16 + its length field. */
	size_t len;
	uint8_t crc; /* enum pp_crc */
	/* v2 TLVs kept (the first of each type); p NULL when absent. */
	struct str alpn, authority, unique_id, netns;
	struct pp_ssl ssl;
	/* TLVs of other types (NOOP, custom, unassigned): counted, their values never kept. */
	uint32_t other_tlvs;
	/* PP_TRUNCATED, PP_MALFORMED: what is wrong, a static phrase ("v1: port 0080 has a leading zero"). */
	const char *error;
};

/*
 * Does @b (@len bytes) begin with a preamble's signature: a v1 line's
 * "PROXY TCP4 ", "PROXY TCP6 ", or "PROXY UNKNOWN" and a space, CR or LF
 * (returns 1; the kernel looks for the same), or the v2 signature (returns
 * 2)? 0 when it does not, or not yet (@len too short to tell).
 */
int pp_signature(const uint8_t *b, size_t len);

/* Are @len bytes the start of a signature, too few yet to be one? */
bool pp_signature_prefix(const uint8_t *b, size_t len);

/*
 * Parses the preamble at the start of @b (@len bytes; they may go on past it,
 * as the head does on `xffwatch resolve`'s input). @cut: @b is only the first
 * @len bytes of a longer preamble (the kernel copies XFFW_PP_KEEP): what
 * lies past them is not an error, and a CRC32C is not checked. Fills @out
 * (zeroed first); returns enum pp_result.
 *
 * With @cut, a TLV (or the address block) that runs past @len is dropped,
 * not an error; what lies before @len is checked as usual, so a cut copy is
 * PP_OK or PP_MALFORMED from 16 bytes on. A cut copy that holds the whole
 * preamble is parsed as not cut (its CRC32C is checked). On PP_TRUNCATED and
 * PP_MALFORMED only version, command, v2_family and len (when the bytes
 * said it: a v1 line's LF, a v2 length field) are kept, with error.
 * Bytes read: at most @len, and for v1 at most XFFW_PP_V1_MAX.
 */
int pp_parse(const uint8_t *b, size_t len, bool cut, struct pp_info *out);

/*
 * Names for events. pp_command_name: "PROXY", "LOCAL", "UNKNOWN"; "?" for 0
 * (a preamble malformed before its command). pp_transport_name: v2 "unspec",
 * "tcp4", "udp4", "tcp6", "udp6", "unix-stream", "unix-dgram"; v1 "tcp4",
 * "tcp6", "unknown" ("unknown" too before the transport was read).
 */
const char *pp_command_name(unsigned int command);
const char *pp_transport_name(const struct pp_info *pp);

/* CRC32C (Castagnoli), as the v2 CRC32C TLV carries it; @crc is 0 to start. */
uint32_t pp_crc32c(uint32_t crc, const uint8_t *b, size_t len);

#endif
