/* SPDX-License-Identifier: BSD-2-Clause */
/* IP addresses as they appear in forwarding headers, and trusted CIDRs. */
#ifndef XFFW_IPADDR_H
#define XFFW_IPADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Longest text form: a full IPv6 address with an embedded IPv4 address. */
#define IP_STR_MAX 46

struct ip_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t b[16];	/* IPv4 in b[0..3] */
};

struct ip_cidr {
	struct ip_addr net; /* host bits cleared */
	uint8_t prefix;
};

/*
 * Parses a bare IPv4 or IPv6 address from @len bytes (no NUL needed).
 * IPv4 is strictly dotted decimal: four octets 0..255, no leading zeros.
 * IPv6 zone ids ("%eth0") are rejected. Returns 0 or -EINVAL.
 */
int ip_parse(const char *s, size_t len, struct ip_addr *out);

/*
 * Parses an address with an optional port: a.b.c.d, a.b.c.d:port, v6, [v6],
 * [v6]:port; port is 1..65535 in at most five digits (RFC 7239 port,
 * 1*5DIGIT). *@port (may be NULL) is 0 when absent.
 * Returns 0 or -EINVAL.
 */
int ip_parse_endpoint(const char *s, size_t len, struct ip_addr *out, uint16_t *port);

/*
 * Parses an X-Forwarded-For entry as nginx's ngx_parse_addr_port does: the
 * whole entry as an address first; else "[v4 or v6]:port" or "a.b.c.d:port"
 * split at the first colon. Unlike ip_parse_endpoint(), "[v6]" without a
 * port is refused, and so is 255.255.255.255 (INADDR_NONE to nginx); a port
 * may have any number of leading zeros, as ngx_atoi reads it. Returns 0 or -EINVAL.
 */
int ip_parse_xff_entry(const char *s, size_t len, struct ip_addr *out, uint16_t *port);

/*
 * Parses "addr/prefix" or a bare address (a host route). Host bits set
 * below the prefix are cleared; *@had_host_bits (may be NULL) tells.
 * Returns 0 or -EINVAL.
 */
int ip_cidr_parse(const char *s, size_t len, struct ip_cidr *out, bool *had_host_bits);

/*
 * Is @a inside @c? As nginx's ngx_cidr_match: an IPv4-mapped IPv6 address
 * (::ffff:a.b.c.d) is its IPv4 address, so it matches IPv4 CIDRs and never
 * an IPv6 one (not even ::/0).
 */
bool ip_cidr_match(const struct ip_cidr *c, const struct ip_addr *a);

/* Same address, comparing an IPv4-mapped IPv6 address equal to its IPv4 form. */
bool ip_equal(const struct ip_addr *a, const struct ip_addr *b);

/* Canonical text (RFC 5952 for IPv6) into @buf of IP_STR_MAX bytes; returns its length. */
size_t ip_format(const struct ip_addr *a, char *buf);

/* Canonical "addr/prefix" into @buf of IP_STR_MAX + 4 bytes; returns its length. */
size_t ip_cidr_format(const struct ip_cidr *c, char *buf);

/* Builds an address from raw network-order bytes (4 or 16 of them). */
void ip_from_bytes(struct ip_addr *a, int family, const uint8_t *bytes);

#endif
