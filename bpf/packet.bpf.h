/* SPDX-License-Identifier: (GPL-2.0-only OR BSD-2-Clause) */
/* Ethernet / VLAN / IPv4 / IPv6 / TCP header parsing for the TC program. */
#ifndef XFFW_PACKET_BPF_H
#define XFFW_PACKET_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>
#include "xffwatch_abi.h"
#include "counters.bpf.h"

#define ETH_HLEN	  14
#define ETH_P_IP	  0x0800
#define ETH_P_IPV6	  0x86DD
#define ETH_P_8021Q	  0x8100
#define ETH_P_8021AD	  0x88A8
#define IPPROTO_TCP_NR	  6
#define IP_MF		  0x2000
#define IP_OFFSET	  0x1FFF
#define IPV6_MAX_EXT_HDRS 4

enum {
	TCP_FIN = 1 << 0,
	TCP_SYN = 1 << 1,
	TCP_RST = 1 << 2,
	TCP_ACK = 1 << 4,
};

struct pkt {
	__u32 payload_off;
	__u32 payload_len;
	__u32 seq;
	__u16 sport;
	__u16 dport;
	__u8 family;
	__u8 tcp_flags; /* TCP_* */
	__u8 saddr[16];
	__u8 daddr[16];
};

/* Room for a copy of a header that is not in the linear area. */
union hdr_buf {
	struct ethhdr eth;
	struct vlan_hdr vlan;
	struct iphdr ip4;
	struct ipv6hdr ip6;
	struct ipv6_opt_hdr opt;
	struct tcphdr tcp;
};

/*
 * Like the kernel's skb_header_pointer(): a direct pointer when the bytes are
 * in the linear area, else a copy in @buf. NULL when the packet is shorter.
 */
static __always_inline void *hdr_ptr(struct __sk_buff *skb, __u32 off, __u32 len,
				     union hdr_buf *buf)
{
	void *data = (void *)(long)skb->data;
	void *data_end = (void *)(long)skb->data_end;

	/* The verifier needs a known upper bound on the offset it adds to data. */
	if (off > 0xffff)
		return NULL;
	if (data + off + len <= data_end)
		return data + off;
	if (bpf_skb_load_bytes(skb, off, buf, len))
		return NULL;
	return buf;
}

/*
 * Each layer's parser reads the header at *@off and moves *@off past it; the
 * IP ones set *@l3_end, where the IP packet ends.
 */

/* L2: Ethernet and up to two VLAN tags. The EtherType that follows (network order), or 0. */
static __always_inline __u16 parse_eth(struct __sk_buff *skb, __u32 *off, union hdr_buf *buf)
{
	struct ethhdr *eth = hdr_ptr(skb, 0, sizeof(*eth), buf);
	__u16 proto;

	if (!eth)
		return 0;
	proto = eth->h_proto;
	*off = ETH_HLEN;
#pragma unroll
	for (int i = 0; i < 2; i++) {
		struct vlan_hdr *vh;

		if (proto != bpf_htons(ETH_P_8021Q) && proto != bpf_htons(ETH_P_8021AD))
			break;
		vh = hdr_ptr(skb, *off, sizeof(*vh), buf);
		if (!vh)
			return 0;
		proto = vh->h_vlan_encapsulated_proto;
		*off += sizeof(*vh);
	}
	return proto;
}

/* IPv4 carrying TCP, not a fragment: the addresses into @p. 0, or -1 to pass the packet. */
static __always_inline int parse_ipv4(struct __sk_buff *skb, __u32 *off, __u32 *l3_end,
				      union hdr_buf *buf, struct pkt *p)
{
	struct iphdr *ip = hdr_ptr(skb, *off, sizeof(*ip), buf);
	__u32 ihl, tot;

	if (!ip)
		return -1;
	if (ip->protocol != IPPROTO_TCP_NR)
		return -1;
	ihl = ip->ihl * 4;
	tot = bpf_ntohs(ip->tot_len);
	if (ip->version != 4 || ihl < sizeof(*ip)) {
		count(XFFW_CNT_MALFORMED);
		return -1;
	}
	if (ip->frag_off & bpf_htons(IP_MF | IP_OFFSET)) {
		count(XFFW_CNT_FRAGMENTS);
		return -1;
	}
	p->family = XFFW_FAMILY_IPV4;
	__builtin_memcpy(p->saddr, &ip->saddr, 4);
	__builtin_memcpy(p->daddr, &ip->daddr, 4);
	/* tot_len 0 is a GSO/BIG TCP packet: the skb length is the bound. */
	*l3_end = tot ? *off + tot : skb->len;
	*off += ihl;
	return 0;
}

/*
 * IPv6 carrying TCP, after at most IPV6_MAX_EXT_HDRS extension headers, not
 * a fragment: the addresses into @p. 0, or -1 to pass the packet.
 */
static __always_inline int parse_ipv6(struct __sk_buff *skb, __u32 *off, __u32 *l3_end,
				      union hdr_buf *buf, struct pkt *p)
{
	struct ipv6hdr *ip6 = hdr_ptr(skb, *off, sizeof(*ip6), buf);
	__u32 plen;
	__u8 next;

	if (!ip6)
		return -1;
	next = ip6->nexthdr;
	plen = bpf_ntohs(ip6->payload_len);
	p->family = XFFW_FAMILY_IPV6;
	__builtin_memcpy(p->saddr, &ip6->saddr, 16);
	__builtin_memcpy(p->daddr, &ip6->daddr, 16);
	*off += sizeof(*ip6);
	*l3_end = plen ? *off + plen : skb->len;
#pragma unroll
	for (int i = 0; i < IPV6_MAX_EXT_HDRS; i++) {
		struct ipv6_opt_hdr *opt;

		if (next == 44 /* fragment */) {
			count(XFFW_CNT_FRAGMENTS);
			return -1;
		}
		if (next != 0 /* hop-by-hop */ && next != 43 /* routing */ &&
		    next != 60 /* destination options */ && next != 51 /* AH */)
			break;
		opt = hdr_ptr(skb, *off, sizeof(*opt), buf);
		if (!opt)
			return -1;
		/* AH counts its length in 4-byte units, minus 2; the others in 8-byte units, minus 1. */
		*off += next == 51 ? (opt->hdrlen + 2) * 4 : (opt->hdrlen + 1) * 8;
		next = opt->nexthdr;
	}
	return next == IPPROTO_TCP_NR ? 0 : -1;
}

/* TCP: ports, sequence number, flags, and where the payload is, into @p. 0, or -1. */
static __always_inline int parse_tcp(struct __sk_buff *skb, __u32 off, __u32 l3_end,
				     union hdr_buf *buf, struct pkt *p)
{
	struct tcphdr *tcp = hdr_ptr(skb, off, sizeof(*tcp), buf);

	if (!tcp)
		return -1;
	p->sport = bpf_ntohs(tcp->source);
	p->dport = bpf_ntohs(tcp->dest);
	p->seq = bpf_ntohl(tcp->seq);
	p->tcp_flags = (tcp->fin ? TCP_FIN : 0) | (tcp->syn ? TCP_SYN : 0) |
		       (tcp->rst ? TCP_RST : 0) | (tcp->ack ? TCP_ACK : 0);
	if (tcp->doff < 5) {
		count(XFFW_CNT_MALFORMED);
		return -1;
	}
	off += tcp->doff * 4;
	if (l3_end > skb->len)
		l3_end = skb->len;
	if (off > l3_end) {
		count(XFFW_CNT_MALFORMED);
		return -1;
	}
	p->payload_off = off;
	p->payload_len = l3_end - off;
	return 0;
}

/* Parses Ethernet (up to two VLAN tags), IPv4/IPv6 and TCP. 0 on a TCP segment. */
static __always_inline int parse_packet(struct __sk_buff *skb, struct pkt *p)
{
	union hdr_buf buf;
	__u32 off, l3_end;
	__u16 proto = parse_eth(skb, &off, &buf);

	switch (proto) {
	case bpf_htons(ETH_P_IP):
		if (parse_ipv4(skb, &off, &l3_end, &buf, p))
			return -1;
		break;
	case bpf_htons(ETH_P_IPV6):
		if (parse_ipv6(skb, &off, &l3_end, &buf, p))
			return -1;
		break;
	default:
		return -1;
	}
	return parse_tcp(skb, off, l3_end, &buf, p);
}

#endif
