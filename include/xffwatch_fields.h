/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The header fields the kernel copies, one row each. The field id enum
 * (xffwatch_abi.h), the kernel's name matching (bpf/http_scan.bpf.h), its
 * user-space twin (user/pipeline/extract_twin.c) and the daemon's names and
 * cutting rules (user/pipeline/record_decode.c) are all expanded from this
 * list: adding a header is one row here, plus its use.
 *
 * Neither libc nor vmlinux.h: the TC program and user space both include it.
 *
 *   NAME        XFFW_F_<NAME> in enum xffw_field_id
 *   id          its number in records; ABI: never reused. Rows in id order,
 *               from 2 (1 is the request line) without holes.
 *   wire name   as it is usually written (messages, tests)
 *   event key   lower case: the name the kernel matches (with a colon, case
 *               folded), and the key in events, options and the config file
 *   keeps_tail  1: a value too long to keep is kept by its end (chains and
 *               single-IP headers: the trust walk starts at the right). The
 *               kernel sends it whole in joined chunks; the daemon caps it
 *               from the left. 0: its beginning is kept.
 *   echoed      1: echoed raw under "forwarded" in events, in row order
 *   client      1: names a client; the trust walk may take it from this
 *               header (--header), and by default tries these in row order
 */
#ifndef XFFWATCH_FIELDS_H
#define XFFWATCH_FIELDS_H

/* clang-format off */
#define XFFW_HEADER_FIELDS(X)                                                      \
	/* NAME, id, wire name, event key, keeps_tail, echoed, client */           \
	X(HOST,              2, "Host",              "host",              0, 0, 0) \
	X(USER_AGENT,        3, "User-Agent",        "user-agent",        0, 0, 0) \
	X(X_FORWARDED_FOR,   4, "X-Forwarded-For",   "x-forwarded-for",   1, 1, 1) \
	X(FORWARDED,         5, "Forwarded",         "forwarded",         1, 1, 1) \
	X(X_REAL_IP,         6, "X-Real-IP",         "x-real-ip",         1, 1, 1) \
	X(CF_CONNECTING_IP,  7, "CF-Connecting-IP",  "cf-connecting-ip",  1, 1, 1) \
	X(TRUE_CLIENT_IP,    8, "True-Client-IP",    "true-client-ip",    1, 1, 1) \
	X(X_FORWARDED_PROTO, 9, "X-Forwarded-Proto", "x-forwarded-proto", 0, 1, 0) \
	X(X_FORWARDED_HOST, 10, "X-Forwarded-Host",  "x-forwarded-host",  0, 1, 0) \
	X(X_FORWARDED_PORT, 11, "X-Forwarded-Port",  "x-forwarded-port",  0, 1, 0) \
	X(VIA,              12, "Via",               "via",               1, 1, 0)
/* clang-format on */

/* Masks of the fields whose row says so: bit (1 << id). */
#define XFFW_BIT_IF_(cond, id) | ((cond) ? 1U << (id) : 0U)
#define XFFW_KEEPS_TAIL_BIT_(NAME, id, wire, key, keeps_tail, echoed, client) \
	XFFW_BIT_IF_(keeps_tail, id)
#define XFFW_ECHOED_BIT_(NAME, id, wire, key, keeps_tail, echoed, client) XFFW_BIT_IF_(echoed, id)

#define XFFW_KEEPS_TAIL_MASK (0U XFFW_HEADER_FIELDS(XFFW_KEEPS_TAIL_BIT_))
#define XFFW_ECHOED_MASK     (0U XFFW_HEADER_FIELDS(XFFW_ECHOED_BIT_))

/* Is a cut value of field @id kept by its end? (See keeps_tail above.) */
#define XFFW_FIELD_KEEPS_TAIL(id) ((id) < 32 && (XFFW_KEEPS_TAIL_MASK >> (id)) & 1)

#endif /* XFFWATCH_FIELDS_H */
