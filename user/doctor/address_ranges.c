// SPDX-License-Identifier: BSD-2-Clause
/*
 * Kinds of addresses the doctor tells apart: a CDN's, infrastructure's
 * (internal), loopback. Each list is parsed once, on first use.
 */
#include <stdbool.h>
#include <string.h>

#include "doctor/address_ranges.h"
#include "trust/walk.h"

/*
 * The ranges Cloudflare publishes for its edge (https://www.cloudflare.com/ips/,
 * as of 2026-12): the only senders whose CF-Connecting-IP (or, on its
 * Enterprise plans, True-Client-IP) can be believed. Akamai publishes no
 * fixed list for True-Client-IP; docs/doctor.md says so.
 */
static const char *const cdn_texts[] = {
	"173.245.48.0/20",  "103.21.244.0/22",	"103.22.200.0/22", "103.31.4.0/22",
	"141.101.64.0/18",  "108.162.192.0/18", "190.93.240.0/20", "188.114.96.0/20",
	"197.234.240.0/22", "198.41.128.0/17",	"162.158.0.0/15",  "104.16.0.0/13",
	"104.24.0.0/14",    "172.64.0.0/13",	"131.0.72.0/22",   "2400:cb00::/32",
	"2606:4700::/32",   "2803:f800::/32",	"2405:b500::/32",  "2405:8100::/32",
	"2a06:98c0::/29",   "2c0f:f248::/32",
};

/* Private-use, shared, loopback, link-local, benchmarking (test labs), IPv6 ULA and link-local. */
static const char *const internal_texts[] = {
	"10.0.0.0/8",	  "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8",
	"169.254.0.0/16", "198.18.0.0/15", "fc00::/7",	     "fe80::/10",     "::1/128",
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct cidr_list {
	struct ip_cidr c[COUNT(cdn_texts)];
	size_t n;
};
_Static_assert(COUNT(internal_texts) <= COUNT(cdn_texts), "room in struct cidr_list");

static const struct cidr_list *parsed(struct cidr_list *l, const char *const *texts, size_t n)
{
	if (!l->n)
		for (size_t i = 0; i < n; i++)
			if (!ip_cidr_parse(texts[i], strlen(texts[i]), &l->c[l->n], NULL))
				l->n++;
	return l;
}

bool cdn_contains(const struct ip_addr *a)
{
	static struct cidr_list cdn;
	const struct cidr_list *l = parsed(&cdn, cdn_texts, COUNT(cdn_texts));

	return walk_match(l->c, l->n, a) >= 0;
}

bool address_private(const struct ip_addr *a)
{
	static struct cidr_list internal;
	const struct cidr_list *l = parsed(&internal, internal_texts, COUNT(internal_texts));

	return walk_match(l->c, l->n, a) >= 0;
}

bool address_internal(const struct ip_addr *a)
{
	return address_private(a) || cdn_contains(a);
}

bool address_loopback(const struct ip_addr *a)
{
	static const uint8_t loop6[16] = { [15] = 1 };

	return (a->family == 4 && a->b[0] == 127) || (a->family == 6 && !memcmp(a->b, loop6, 16));
}
