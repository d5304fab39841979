// SPDX-License-Identifier: BSD-2-Clause
/*
 * The address ranges Cloudflare publishes for its edge (https://www.cloudflare.com/ips/,
 * as of 2026-12): the only senders whose CF-Connecting-IP (or, on its
 * Enterprise plans, True-Client-IP) can be believed. Akamai publishes no
 * fixed list for True-Client-IP; docs/doctor.md says so.
 */
#include <string.h>

#include "doctor/topology.h"

static const char *const cdn_cidrs[] = {
	"173.245.48.0/20",  "103.21.244.0/22",	"103.22.200.0/22", "103.31.4.0/22",
	"141.101.64.0/18",  "108.162.192.0/18", "190.93.240.0/20", "188.114.96.0/20",
	"197.234.240.0/22", "198.41.128.0/17",	"162.158.0.0/15",  "104.16.0.0/13",
	"104.24.0.0/14",    "172.64.0.0/13",	"131.0.72.0/22",   "2400:cb00::/32",
	"2606:4700::/32",   "2803:f800::/32",	"2405:b500::/32",  "2405:8100::/32",
	"2a06:98c0::/29",   "2c0f:f248::/32",
};

bool cdn_contains(const struct ip_addr *a)
{
	for (size_t i = 0; i < sizeof(cdn_cidrs) / sizeof(cdn_cidrs[0]); i++) {
		struct ip_cidr c;

		if (!ip_cidr_parse(cdn_cidrs[i], strlen(cdn_cidrs[i]), &c, NULL) &&
		    ip_cidr_match(&c, a))
			return true;
	}
	return false;
}
