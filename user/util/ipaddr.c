// SPDX-License-Identifier: BSD-2-Clause
#include <arpa/inet.h>
#include <endian.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "util/ipaddr.h"

/* Strict dotted decimal: inet_pton would do, but we must not need a NUL. */
static int parse_v4(const char *s, size_t len, uint8_t out[4])
{
	size_t i = 0;

	for (int octet = 0; octet < 4; octet++) {
		unsigned int v = 0;
		size_t start = i;

		if (octet > 0) {
			if (i >= len || s[i] != '.')
				return -EINVAL;
			start = ++i;
		}
		while (i < len && s[i] >= '0' && s[i] <= '9' && i - start < 4)
			v = v * 10 + (unsigned int)(s[i++] - '0');
		if (i == start || i - start > 3 || v > 255)
			return -EINVAL;
		/* "010" is 10 to nginx and 8 to inet_aton: refuse the ambiguity. */
		if (i - start > 1 && s[start] == '0')
			return -EINVAL;
		out[octet] = (uint8_t)v;
	}
	return i == len ? 0 : -EINVAL;
}

static int parse_v6(const char *s, size_t len, uint8_t out[16])
{
	char buf[IP_STR_MAX + 1];

	if (len < 2 || len > IP_STR_MAX)
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		char c = s[i];

		/* Only hex digits, ':' and '.' (embedded IPv4); this also refuses zones. */
		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F') ||
		      c == ':' || c == '.'))
			return -EINVAL;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';
	return inet_pton(AF_INET6, buf, out) == 1 ? 0 : -EINVAL;
}

int ip_parse(const char *s, size_t len, struct ip_addr *out)
{
	struct ip_addr a = { 0 };

	if (memchr(s, ':', len)) {
		if (parse_v6(s, len, a.b))
			return -EINVAL;
		a.family = 6;
	} else {
		if (parse_v4(s, len, a.b))
			return -EINVAL;
		a.family = 4;
	}
	*out = a;
	return 0;
}

/*
 * Decimal port 1..65535 of at most @max_digits digits (0: any number, leading
 * zeros allowed as ngx_atoi reads them: "00000000080" is 80).
 */
static int parse_port(const char *s, size_t len, size_t max_digits, uint16_t *port)
{
	unsigned long v = 0;

	if (len == 0 || (max_digits && len > max_digits))
		return -EINVAL;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -EINVAL;
		v = v * 10 + (unsigned long)(s[i] - '0');
		if (v > 65535)
			return -EINVAL; /* and stays so: no overflow on long digit runs */
	}
	if (v == 0)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* RFC 7239's port and the command line's: 1*5DIGIT. */
#define ENDPOINT_PORT_DIGITS 5

int ip_parse_endpoint(const char *s, size_t len, struct ip_addr *out, uint16_t *port)
{
	uint16_t p = 0;
	const char *colon;

	if (len > 0 && s[0] == '[') {
		const char *close = memchr(s, ']', len);
		size_t rest;

		if (!close)
			return -EINVAL;
		rest = len - (size_t)(close + 1 - s);
		if (rest > 0 &&
		    (close[1] != ':' || parse_port(close + 2, rest - 1, ENDPOINT_PORT_DIGITS, &p)))
			return -EINVAL;
		if (parse_v6(s + 1, (size_t)(close - s - 1), out->b))
			return -EINVAL;
		out->family = 6;
	} else {
		colon = memchr(s, ':', len);
		/* One colon: IPv4 with a port. More: a bare IPv6 address. */
		if (colon && !memchr(colon + 1, ':', len - (size_t)(colon + 1 - s))) {
			if (parse_port(colon + 1, len - (size_t)(colon + 1 - s),
				       ENDPOINT_PORT_DIGITS, &p) ||
			    parse_v4(s, (size_t)(colon - s), out->b))
				return -EINVAL;
			out->family = 4;
		} else if (ip_parse(s, len, out)) {
			return -EINVAL;
		}
	}
	if (port)
		*port = p;
	return 0;
}

/*
 * What ngx_inet6_addr refuses and inet_pton takes (checked against nginx
 * 1.22.1): a trailing "::" standing for a single group ("1:2:3:4:5:6:7::"),
 * and an embedded 255.255.255.255 (INADDR_NONE to ngx_inet_addr).
 */
static bool nginx_refuses_v6(const char *s, size_t len, const struct ip_addr *a)
{
	static const uint8_t none[4] = { 255, 255, 255, 255 };
	const char *dc = len >= 2 ? memmem(s, len, "::", 2) : NULL;
	size_t groups = 0;

	if (memchr(s, '.', len) && !memcmp(a->b + 12, none, 4))
		return true;
	if (!dc || dc + 2 != s + len)
		return false;
	for (size_t i = 0; i < len;) {
		size_t end = i;

		while (end < len && s[end] != ':')
			end++;
		/* Each written group counts one; an embedded IPv4 address two. */
		if (end > i)
			groups += memchr(s + i, '.', end - i) ? 2 : 1;
		i = end + 1;
	}
	return groups == 7;
}

int ip_parse_xff_entry(const char *s, size_t len, struct ip_addr *out, uint16_t *port)
{
	static const uint8_t none[4] = { 255, 255, 255, 255 };
	const char *colon, *close;
	uint16_t p = 0;

	if (!ip_parse(s, len, out)) {
		/* ngx_inet_addr returns INADDR_NONE for it, which means "not an address". */
		if (out->family == 4 && !memcmp(out->b, none, 4))
			return -EINVAL;
		if (out->family == 6 && nginx_refuses_v6(s, len, out))
			return -EINVAL;
		if (port)
			*port = 0;
		return 0;
	}
	if (len && s[0] == '[') {
		close = memchr(s, ']', len);
		/* "[addr]" needs ":port" after it: nginx refuses a bare "[v6]". */
		if (!close || close + 1 == s + len || close[1] != ':')
			return -EINVAL;
		colon = close + 1;
		if (ip_parse(s + 1, (size_t)(close - s - 1), out) ||
		    (out->family == 6 && nginx_refuses_v6(s + 1, (size_t)(close - s - 1), out)))
			return -EINVAL;
	} else {
		colon = memchr(s, ':', len);
		if (!colon || parse_v4(s, (size_t)(colon - s), out->b))
			return -EINVAL;
		out->family = 4;
	}
	if (parse_port(colon + 1, len - (size_t)(colon + 1 - s), 0, &p))
		return -EINVAL;
	if (out->family == 4 && !memcmp(out->b, none, 4))
		return -EINVAL;
	if (port)
		*port = p;
	return 0;
}

static void clear_host_bits(uint8_t *b, int nbytes, unsigned int prefix, bool *had)
{
	for (int i = 0; i < nbytes; i++) {
		unsigned int bit = (unsigned int)i * 8;
		uint8_t mask;

		if (bit >= prefix)
			mask = 0;
		else if (prefix - bit >= 8)
			mask = 0xff;
		else
			mask = (uint8_t)(0xff << (8 - (prefix - bit)));
		if (b[i] & ~mask)
			*had = true;
		b[i] &= mask;
	}
}

int ip_cidr_parse(const char *s, size_t len, struct ip_cidr *out, bool *had_host_bits)
{
	const char *slash = memchr(s, '/', len);
	struct ip_cidr c = { 0 };
	unsigned int prefix, max;
	bool had = false;

	if (ip_parse(s, slash ? (size_t)(slash - s) : len, &c.net))
		return -EINVAL;
	max = c.net.family == 4 ? 32 : 128;
	if (slash) {
		size_t n = len - (size_t)(slash + 1 - s);

		prefix = 0;
		if (n == 0 || n > 3)
			return -EINVAL;
		for (size_t i = 0; i < n; i++) {
			char d = slash[1 + i];

			if (d < '0' || d > '9')
				return -EINVAL;
			prefix = prefix * 10 + (unsigned int)(d - '0');
		}
		if (prefix > max || (n > 1 && slash[1] == '0'))
			return -EINVAL;
	} else {
		prefix = max;
	}
	clear_host_bits(c.net.b, c.net.family == 4 ? 4 : 16, prefix, &had);
	c.prefix = (uint8_t)prefix;
	if (had_host_bits)
		*had_host_bits = had;
	*out = c;
	return 0;
}

static bool is_v4_mapped(const struct ip_addr *a)
{
	uint64_t hi;
	uint32_t mid;

	if (a->family != 6)
		return false;
	memcpy(&hi, a->b, 8);
	memcpy(&mid, a->b + 8, 4);
	return !hi && mid == htonl(0xffff);
}

/* The IPv4 view of @a if it is IPv4 or IPv4-mapped; false otherwise. */
static bool as_v4(const struct ip_addr *a, uint8_t out[4])
{
	if (a->family == 4) {
		memcpy(out, a->b, 4);
		return true;
	}
	if (is_v4_mapped(a)) {
		memcpy(out, a->b + 12, 4);
		return true;
	}
	return false;
}

/* Do @x and @y agree on their first @prefix bits? Eight bytes at a time. */
static bool prefix_equal(const uint8_t *x, const uint8_t *y, unsigned int prefix)
{
	for (unsigned int off = 0; prefix; off += 8) {
		unsigned int bits = prefix < 64 ? prefix : 64;
		uint64_t a = 0, b = 0, mask = bits == 64 ? ~0ULL : ~(~0ULL >> bits);
		size_t n = (bits + 7) / 8;

		memcpy(&a, x + off, n);
		memcpy(&b, y + off, n);
		if ((be64toh(a) ^ be64toh(b)) & mask)
			return false;
		prefix -= bits;
	}
	return true;
}

bool ip_cidr_match(const struct ip_cidr *c, const struct ip_addr *a)
{
	uint8_t v4[4];

	if (c->net.family == 4)
		return as_v4(a, v4) && prefix_equal(c->net.b, v4, c->prefix);
	return a->family == 6 && !is_v4_mapped(a) && prefix_equal(c->net.b, a->b, c->prefix);
}

bool ip_equal(const struct ip_addr *a, const struct ip_addr *b)
{
	uint8_t x[4], y[4];

	if (as_v4(a, x) && as_v4(b, y))
		return !memcmp(x, y, 4);
	return a->family == b->family && !memcmp(a->b, b->b, a->family == 4 ? 4 : 16);
}

/* Dotted decimal by hand: glibc's inet_ntop goes through sprintf for IPv4. */
static size_t format_v4(const uint8_t *b, char *buf)
{
	char *p = buf;

	for (int i = 0; i < 4; i++) {
		unsigned int v = b[i];

		if (i)
			*p++ = '.';
		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
	}
	*p = '\0';
	return (size_t)(p - buf);
}

/*
 * RFC 5952 by hand (glibc's inet_ntop goes through sprintf per group), with
 * the same choices as glibc and nginx: the longest run of two or more zero
 * groups (the first of equals) becomes "::", and an address whose first 96
 * bits are zero but the last 32 are not one of ::, ::1, or one that is
 * IPv4-mapped (::ffff:0:0/96) ends in dotted IPv4.
 */
static size_t format_v6(const uint8_t *b, char *buf)
{
	static const char hex[] = "0123456789abcdef";
	uint16_t w[8];
	int best = -1, best_len = 0, run = -1, run_len = 0;
	char *p = buf;

	for (int i = 0; i < 8; i++) {
		w[i] = (uint16_t)(b[2 * i] << 8 | b[2 * i + 1]);
		if (!w[i]) {
			if (run < 0) {
				run = i;
				run_len = 0;
			}
			if (++run_len > best_len) {
				best = run;
				best_len = run_len;
			}
		} else {
			run = -1;
		}
	}
	if (best_len < 2)
		best = -1;
	for (int i = 0; i < 8; i++) {
		if (best >= 0 && i >= best && i < best + best_len) {
			if (i == best)
				*p++ = ':';
			continue;
		}
		if (i)
			*p++ = ':';
		/* The embedded-IPv4 forms: ::a.b.c.d and ::ffff:a.b.c.d. */
		if (i == 6 && best == 0 &&
		    (best_len == 6 || (best_len == 7 && w[7] != 1) ||
		     (best_len == 5 && w[5] == 0xffff)))
			return (size_t)(p - buf) + format_v4(b + 12, p);
		for (int shift = 12, started = 0; shift >= 0; shift -= 4) {
			int d = (w[i] >> shift) & 15;

			if (d || started || !shift) {
				*p++ = hex[d];
				started = 1;
			}
		}
	}
	if (best >= 0 && best + best_len == 8)
		*p++ = ':';
	*p = '\0';
	return (size_t)(p - buf);
}

size_t ip_format(const struct ip_addr *a, char *buf)
{
	return a->family == 4 ? format_v4(a->b, buf) : format_v6(a->b, buf);
}

size_t ip_cidr_format(const struct ip_cidr *c, char *buf)
{
	size_t n = ip_format(&c->net, buf);

	return n + (size_t)snprintf(buf + n, 5, "/%u", c->prefix);
}

void ip_from_bytes(struct ip_addr *a, int family, const uint8_t *bytes)
{
	memset(a, 0, sizeof(*a));
	a->family = (uint8_t)family;
	memcpy(a->b, bytes, family == 4 ? 4 : 16);
}
