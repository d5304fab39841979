/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Pseudonymised client addresses (docs/privacy.md): cut to their network
 * (IPv4 /24, IPv6 /48), or replaced by HMAC-SHA256 under a secret key
 * (OpenSSL's libcrypto), as a stable hex token.
 */
#ifndef XFFW_PSEUDO_H
#define XFFW_PSEUDO_H

#include <stddef.h>

#include "trust/ipaddr.h"
#include "cmd/options.h"

#define PSEUDO_KEY_MIN	 16
#define PSEUDO_KEY_MAX	 256
/* Hex digits of a token: the first 16 bytes of the MAC. */
#define PSEUDO_TOKEN_HEX 32
/* Room for a pseudonymised address's text. */
#define PSEUDO_TEXT_MAX	 (IP_STR_MAX > PSEUDO_TOKEN_HEX + 1 ? IP_STR_MAX : PSEUDO_TOKEN_HEX + 1)

struct pseudo {
	enum pseudonymize mode;
	unsigned char key[PSEUDO_KEY_MAX];
	size_t keylen;
	char key_id[9]; /* which key made the tokens (docs/privacy.md: key rotation) */
};

/*
 * Reads the key file for hmac: it must be a regular file no one but its
 * owner can read or write, holding 16 to 256 bytes (a trailing newline is not
 * part of the key). 0, or -errno with the reason in @err.
 */
int pseudo_init(struct pseudo *p, const struct privacy_opts *o, char *err, size_t errlen);

/* @a as this mode writes it (@p NULL: as it is), into @out (PSEUDO_TEXT_MAX); its length. */
size_t pseudo_addr(const struct pseudo *p, const struct ip_addr *a, char *out);

#endif
