/* SPDX-License-Identifier: BSD-2-Clause */
/* Crafted Ethernet/IP/TCP frames for BPF_PROG_TEST_RUN. */
#ifndef XFFW_TEST_PACKET_H
#define XFFW_TEST_PACKET_H

#include <stddef.h>
#include <stdint.h>

/* The kernel refuses larger skb inputs to BPF_PROG_TEST_RUN (one page minus room). */
#define PKT_TEST_RUN_MAX 3712

struct pkt_spec {
	int family; /* 4 or 6 */
	const char *saddr, *daddr;
	uint16_t sport, dport;
	uint32_t seq;
	int vlan_tags;	       /* 0..2 802.1Q tags before the IP header */
	int ipv6_hop_by_hop;   /* add an IPv6 hop-by-hop options header */
	int ipv6_ah;	       /* add an IPv6 authentication header (12-byte ICV) */
	int ip_fragment;       /* IPv4 MF flag / IPv6 fragment header */
	int tcp_options_words; /* 32-bit words of TCP options (NOPs) */
	int ip_len_delta;      /* added to the IP length field (lie about it) */
	int ihl_words;	       /* IPv4 header words; 0 means 5 */
	int doff_words;	       /* TCP data offset; 0 means the real one */
	uint8_t tcp_flags;     /* PKT_* flags; 0 means ACK (and PSH with a payload) */
};

/* The benchmarks' connection: loopback to app port 5000, with timestamps as Linux sends them. */
#define PKT_SPEC_BENCH                                                                   \
	{                                                                                \
		.family = 4, .saddr = "127.0.0.1", .daddr = "127.0.0.1", .sport = 40000, \
		.dport = 5000, .seq = 1, .tcp_options_words = 3                          \
	}

enum {
	PKT_FIN = 1 << 0,
	PKT_SYN = 1 << 1,
	PKT_RST = 1 << 2,
	PKT_PSH = 1 << 3,
	PKT_ACK = 1 << 4,
};

/*
 * Writes the frame for @spec carrying @payload into @buf (capacity @cap).
 * Returns the frame length, or 0 if it does not fit. Sets *@payload_off.
 */
size_t pkt_build(const struct pkt_spec *spec, const void *payload, size_t len, uint8_t *buf,
		 size_t cap, size_t *payload_off);

/*
 * A request head of about @size bytes into @buf: nginx-like headers (Host,
 * X-Real-IP, X-Forwarded-For, ...) padded with an Accept-Language line, as
 * the benchmarks time. Returns its length.
 */
size_t pkt_nginx_head(char *buf, size_t size);

#endif
