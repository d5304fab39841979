/* SPDX-License-Identifier: BSD-2-Clause */
/* Kinds of addresses the doctor tells apart (docs/doctor.md). */
#ifndef XFFW_ADDRESS_RANGES_H
#define XFFW_ADDRESS_RANGES_H

#include <stdbool.h>

#include "util/ipaddr.h"

/* Is @a one of the CDN's published ranges? */
bool cdn_contains(const struct ip_addr *a);

/*
 * Is @a not on the Internet: private-use, shared (CGNAT), loopback,
 * link-local, benchmarking (198.18.0.0/15), IPv6 ULA? A TCP peer from the
 * Internet cannot have such a source.
 */
bool address_private(const struct ip_addr *a);

/*
 * Is @a infrastructure's rather than the Internet's: private-use, shared,
 * loopback, link-local, benchmarking (198.18.0.0/15, test labs), IPv6 ULA,
 * or a CDN's? The only addresses the doctor ever says to trust.
 */
bool address_internal(const struct ip_addr *a);

/* 127.0.0.0/8 or ::1. */
bool address_loopback(const struct ip_addr *a);

#endif
