// SPDX-License-Identifier: BSD-2-Clause
#include <arpa/inet.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <linux/tcp.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "packet.h"

size_t pkt_build(const struct pkt_spec *s, const void *payload, size_t len, uint8_t *buf,
		 size_t cap, size_t *payload_off)
{
	size_t ip_hdr = s->family == 4 ? 4u * (s->ihl_words ? (unsigned)s->ihl_words : 5u) : 40;
	size_t ext = s->family == 6 ? (s->ipv6_hop_by_hop ? 8 : 0) + (s->ipv6_ah ? 24 : 0) +
					      (s->ip_fragment ? 8 : 0)
				    : 0;
	size_t tcp_len = sizeof(struct tcphdr) + 4u * (unsigned)s->tcp_options_words;
	size_t off = ETH_HLEN + 4u * (unsigned)s->vlan_tags;
	size_t total = off + ip_hdr + ext + tcp_len + len;
	struct ethhdr *eth = (struct ethhdr *)buf;
	uint8_t *p;

	if (total > cap)
		return 0;
	memset(buf, 0, total);
	eth->h_dest[5] = 2;
	eth->h_source[5] = 1;
	/* EtherType chain: [outer TPID] [TCI, next type]... then IP. */
	{
		uint16_t ip_type = htons(s->family == 4 ? ETH_P_IP : ETH_P_IPV6);
		uint8_t *type = (uint8_t *)&eth->h_proto;

		p = buf + ETH_HLEN;
		for (int i = 0; i < s->vlan_tags; i++) {
			uint16_t tpid =
				htons(i == 0 && s->vlan_tags > 1 ? ETH_P_8021AD : ETH_P_8021Q);
			uint16_t tci = htons((uint16_t)(10 + i));

			memcpy(type, &tpid, 2);
			memcpy(p, &tci, 2);
			type = p + 2;
			p += 4;
		}
		memcpy(type, &ip_type, 2);
	}

	/* Headers are built in aligned locals and copied: frame offsets are not aligned. */
	if (s->family == 4) {
		struct iphdr ip = { 0 };

		ip.version = 4;
		ip.ihl = (unsigned)(ip_hdr / 4) & 0xf;
		ip.ttl = 64;
		ip.protocol = IPPROTO_TCP;
		ip.tot_len = htons((uint16_t)((int)(ip_hdr + tcp_len + len) + s->ip_len_delta));
		if (s->ip_fragment)
			ip.frag_off = htons(0x2000);
		inet_pton(AF_INET, s->saddr, &ip.saddr);
		inet_pton(AF_INET, s->daddr, &ip.daddr);
		memcpy(p, &ip, sizeof(ip));
		p += ip_hdr;
	} else {
		struct ipv6hdr ip6 = { 0 };
		uint8_t *next = p + offsetof(struct ipv6hdr, nexthdr);

		ip6.version = 6;
		ip6.hop_limit = 64;
		ip6.payload_len = htons((uint16_t)((int)(ext + tcp_len + len) + s->ip_len_delta));
		inet_pton(AF_INET6, s->saddr, &ip6.saddr);
		inet_pton(AF_INET6, s->daddr, &ip6.daddr);
		memcpy(p, &ip6, sizeof(ip6));
		p += 40;
		if (s->ipv6_hop_by_hop) {
			*next = 0;
			next = p;
			p[1] = 0; /* 8 bytes */
			p[2] = 1; /* PadN */
			p[3] = 4;
			p += 8;
		}
		if (s->ipv6_ah) {
			*next = 51;
			next = p;
			p[1] = 4; /* (4 + 2) * 4 = 24 bytes: 12 fixed, 12 of ICV */
			p += 24;
		}
		if (s->ip_fragment) {
			*next = 44;
			next = p;
			p += 8;
		}
		*next = IPPROTO_TCP;
	}

	{
		struct tcphdr tcp = { 0 };

		tcp.source = htons(s->sport);
		tcp.dest = htons(s->dport);
		tcp.seq = htonl(s->seq);
		tcp.doff = (unsigned)(s->doff_words ? s->doff_words : (int)(tcp_len / 4)) & 0xf;
		if (s->tcp_flags) {
			tcp.fin = !!(s->tcp_flags & PKT_FIN);
			tcp.syn = !!(s->tcp_flags & PKT_SYN);
			tcp.rst = !!(s->tcp_flags & PKT_RST);
			tcp.psh = !!(s->tcp_flags & PKT_PSH);
			tcp.ack = !!(s->tcp_flags & PKT_ACK);
		} else {
			tcp.ack = 1;
			tcp.psh = len > 0;
		}
		tcp.window = htons(512);
		memcpy(p, &tcp, sizeof(tcp));
		memset(p + sizeof(tcp), 1 /* NOP */, tcp_len - sizeof(tcp));
		p += tcp_len;
	}
	if (len)
		memcpy(p, payload, len);
	*payload_off = (size_t)(p - buf);
	return total;
}

size_t pkt_nginx_head(char *buf, size_t size)
{
	size_t n =
		(size_t)sprintf(buf, "GET /api/v1/items?page=2 HTTP/1.1\r\n"
				     "Host: shop.example\r\n"
				     "X-Real-IP: 198.18.0.1\r\n"
				     "X-Forwarded-For: 198.18.0.1\r\n"
				     "X-Forwarded-Proto: https\r\n"
				     "Connection: close\r\n"
				     "User-Agent: Mozilla/5.0 (X11; Linux x86_64) Firefox/128.0\r\n"
				     "Accept: text/html,application/xhtml+xml\r\n"
				     "Accept-Language: ");

	while (n < size - 4)
		buf[n++] = 'a';
	memcpy(buf + n, "\r\n\r\n", 4);
	return n + 4;
}
