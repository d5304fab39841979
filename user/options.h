/* SPDX-License-Identifier: BSD-2-Clause */
/* What the daemon was asked to do: interfaces, ports, trust, output. */
#ifndef XFFW_OPTIONS_H
#define XFFW_OPTIONS_H

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>

#include "xffwatch_abi.h"
#include "ipaddr.h"

#define OPT_MAX_IFACES	64
#define OPT_MAX_TRUSTED 256

enum attach_mode {
	ATTACH_AUTO, /* TCX link, clsact filter where the kernel has no TCX */
	ATTACH_TCX,
	ATTACH_TC,
};

struct options {
	const char *ifaces[OPT_MAX_IFACES];
	size_t nifaces;
	struct xffw_port_set ports;
	size_t nports;
	struct ip_cidr trusted[OPT_MAX_TRUSTED];
	size_t ntrusted;
	const char *output; /* "-" for standard output */
	enum attach_mode attach;
	int verbosity; /* 0 info, 1 debug, 2 debug with libbpf */
};

/* The embedded default: nginx on the same host, app on loopback. */
void options_defaults(struct options *o);

/*
 * Parses "5000,8000-8010" into @set, adding to it. Returns the number of
 * ports added, or -EINVAL with a reason in @why.
 */
int parse_port_list(const char *s, struct xffw_port_set *set, const char **why);

/*
 * Parses "CIDR[,CIDR...]" and appends to @out (capacity @cap, *@n used).
 * Returns 0, -EINVAL (bad item, copied to @bad of @badlen bytes) or -ENOSPC.
 */
int parse_cidr_list(const char *s, struct ip_cidr *out, size_t cap, size_t *n, char *bad,
		    size_t badlen);

static inline bool port_set_has(const struct xffw_port_set *set, unsigned int port)
{
	return (set->bits[port / 64] >> (port % 64)) & 1;
}

#endif
