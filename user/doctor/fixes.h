/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The fix for a diagnosis: for xffwatch itself (flags that, passed to the
 * next run, make the diagnosis go away) and for each stack asked for
 * (snippets valid as printed: `nginx -t`, `haproxy -c`, `apachectl -t`,
 * Python). docs/doctor.md lists them.
 */
#ifndef XFFW_FIXES_H
#define XFFW_FIXES_H

#include <stdbool.h>
#include <stddef.h>

#include "doctor/diagnosis.h"
#include "event/pseudonym.h"

/*
 * Bounds. Every text is made within them: a CIDR of p is at most
 * FIX_CIDR_IN_MAX bytes and is printed in canonical form (at most
 * FIX_CIDR_MAX); a fix names at most 2 * FIX_ADDRS_MAX of them (the trusted
 * list and the proxies). tests/unit/test_fixes.c makes every fix at these
 * limits and checks that none is lost; a fix that did not fit would be left
 * out, never cut.
 */
#define FIX_ADDRS_MAX	16
#define FIX_CIDR_IN_MAX 64
#define FIX_CIDR_MAX	49  /* "ffff:...:255.255.255.255/128", without NUL */
#define FIX_HEADER_MAX	32  /* a header name of p, without NUL */
#define FIX_LOCAL_MAX	256 /* a --trust-local SPEC of p, without NUL */

/* Safe in a fix as it is: [A-Za-z0-9:_.@/=-] only, 1 to FIX_LOCAL_MAX bytes. */
bool fix_plain(const char *s);
#define FIX_TEXT_MAX  4096
#define FIX_WHERE_MAX 256
#define FIX_ARGS_MAX  4
#define FIX_ARG_MAX   2048
#define FIXES_MAX     (STACK__MAX + 2)

/*
 * What the fixes of one diagnosis are made from (every string NUL-terminated;
 * NULL or "" where the diagnosis has none).
 */
struct fix_params {
	enum diagnosis_id diag;
	unsigned int port; /* the app port (listener) */
	const char *iface; /* its interface, "" when unknown */
	bool listener_rule; /* the xffwatch fix is a --listener rule for port (several listeners seen) */
	/* The proxies the diagnosis is about, as CIDRs ("172.18.0.2/32", "::1/128"). */
	const char *proxies[FIX_ADDRS_MAX];
	size_t nproxies;
	/* The rule's trusted ranges now, as CIDRs (what --trust would have to keep). */
	const char *trusted[FIX_ADDRS_MAX];
	size_t ntrusted;
	const char
		*header; /* the forwarding header proxies send, wire spelling ("X-Forwarded-For") */
	const char *
		header_key; /* the same as xffwatch names it ("x-forwarded-for"); snippets spell it from this */
	unsigned int
		depth; /* proxies seen in front of the app: hops they append (1..64; 0 is read as 1) */
	int hops_now; /* the rule's --hops, -1 when it trusts by CIDR */
	const char
		*cdn_header; /* CDN_HEADER_NOT_FROM_CDN: "CF-Connecting-IP" or "True-Client-IP" */
	/*
	 * LOCAL_PROCESS_FORGES, TRUST_LOCAL_AVAILABLE: the --trust-local SPEC that
	 * names the proxy's process ("unit=nginx.service"); characters
	 * [A-Za-z0-9:_.@/=-] only, at most FIX_LOCAL_MAX (else no xffwatch fix).
	 */
	const char *local_owner;
	bool local_set; /* the rule judges local peers by owner already: nothing to add */
	/*
	 * PROXY protocol. pp_with_header: where the fix reads the preamble
	 * (--header proxy-protocol), the senders send header_key too: it
	 * follows. pp_block: PP_UNTRUSTED_SENDER's senders are not the
	 * listener's proxy, and proxies are the senders to block (any
	 * address). pp_mode: PP_UNEXPECTED's mode, "required" or "optional".
	 */
	bool pp_with_header, pp_block;
	const char *pp_mode;
	/*
	 * The report pseudonymises (NULL: it does not): each proxy not
	 * proxy_as_is[i] (a peer the rule trusts) is written as its pseudonym,
	 * and such a fix begins with a comment saying so.
	 */
	const struct pseudo *pseudo;
	bool proxy_as_is[FIX_ADDRS_MAX];
};

struct fix {
	char stack[16]; /* "xffwatch", "network", or a stack's name */
	char where
		[FIX_WHERE_MAX]; /* where the text goes, one line: "nginx: the server block that proxies to port 5000" */
	char text[FIX_TEXT_MAX];	      /* the snippet, lines ending in '\n' */
	char args[FIX_ARGS_MAX][FIX_ARG_MAX]; /* xffwatch only: the flags, one argv element each */
	size_t nargs;
};

/*
 * The fixes of @p's diagnosis into @out (FIXES_MAX): xffwatch's first (when
 * it has one), then "network" (when the fix is outside any program: a bind
 * address, a firewall), then one per stack in @stacks (bit 1 << enum stack)
 * that has something to change. Returns how many: 0 also when @p is not
 * valid (a count over FIX_ADDRS_MAX, a CIDR that is not one or is longer than
 * FIX_CIDR_IN_MAX, a header xffwatch does not read, an interface name that
 * is not one, depth outside 1..64, port over 65535).
 */
size_t fixes_make(const struct fix_params *p, unsigned int stacks, struct fix *out);

#endif
