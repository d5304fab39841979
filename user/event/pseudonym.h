/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Pseudonymised client addresses (docs/privacy.md): cut to their network
 * (IPv4 /24, IPv6 /48), or replaced by HMAC-SHA256 under a secret key
 * (OpenSSL's libcrypto), as a stable hex token.
 */
#ifndef XFFW_PSEUDO_H
#define XFFW_PSEUDO_H

#include <stddef.h>

#include "util/ipaddr.h"

#define PSEUDO_KEY_MIN	 16
#define PSEUDO_KEY_MAX	 256
/* Hex digits of a token: the first 16 bytes of the MAC. */
#define PSEUDO_TOKEN_HEX 32
/* Room for a pseudonymised address's text. */
#define PSEUDO_TEXT_MAX	 (IP_STR_MAX > PSEUDO_TOKEN_HEX + 1 ? IP_STR_MAX : PSEUDO_TOKEN_HEX + 1)

/* How client addresses are written (docs/privacy.md). */
enum pseudonymize {
	PSEUDO_NONE,
	PSEUDO_TRUNCATE, /* IPv4 to its /24, IPv6 to its /48 */
	PSEUDO_HMAC,	 /* HMAC-SHA256 under a secret key, as a hex token */
	PSEUDO__MAX,
};

/* Each mode's name in settings: "none", "truncate", "hmac". */
extern const char *const pseudonymize_names[PSEUDO__MAX];

struct pseudo {
	enum pseudonymize mode;
	unsigned char key[PSEUDO_KEY_MAX];
	size_t keylen;
	char key_id[9]; /* which key made the tokens (docs/privacy.md: key rotation) */
};

/*
 * Sets @p up for @mode; for hmac, reads the key from @key_file: it must be a
 * regular file no one but its owner can read or write, holding 16 to 256
 * bytes (a trailing newline is not part of the key). 0, or -errno with the
 * reason in @err.
 */
int pseudo_init(struct pseudo *p, enum pseudonymize mode, const char *key_file, char *err,
		size_t errlen);

/* @a as this mode writes it (@p NULL: as it is), into @out (PSEUDO_TEXT_MAX); its length. */
size_t pseudo_addr(const struct pseudo *p, const struct ip_addr *a, char *out);

#endif
