// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event/pseudonym.h"
#include "util/escape.h"
#include "util/file_open.h"

const char *const pseudonymize_names[PSEUDO__MAX] = {
	[PSEUDO_NONE] = "none",
	[PSEUDO_TRUNCATE] = "truncate",
	[PSEUDO_HMAC] = "hmac",
};

/* Names the key without revealing it: the MAC of a fixed text, 8 hex digits. */
static void key_id(struct pseudo *p)
{
	static const char label[] = "xffwatch key id";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;

	if (!HMAC(EVP_sha256(), p->key, (int)p->keylen, (const unsigned char *)label,
		  sizeof(label) - 1, mac, &maclen) ||
	    maclen < 4) {
		strcpy(p->key_id, "-");
		return;
	}
	hex_lower(p->key_id, mac, 4);
	p->key_id[8] = '\0';
}

int pseudo_init(struct pseudo *p, enum pseudonymize mode, const char *key_file, char *err,
		size_t errlen)
{
	struct stat st;
	ssize_t n;
	int fd;

	memset(p, 0, sizeof(*p));
	p->mode = mode;
	if (p->mode != PSEUDO_HMAC)
		return 0;
	if (!key_file[0]) {
		snprintf(err, errlen, "pseudonymize = hmac needs a key file (--hmac-key)");
		return -EINVAL;
	}
	/* A FIFO put there after the options were checked must not hang us. */
	fd = file_open_nonblocking(key_file, O_NOFOLLOW, &st);
	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", key_file, strerror(-fd));
		return fd;
	}
	if (!S_ISREG(st.st_mode) || (st.st_mode & 077)) {
		snprintf(err, errlen,
			 "%s: must be a regular file of mode 0600 or stricter (is %04o)", key_file,
			 (unsigned int)(st.st_mode & 07777));
		close(fd);
		return -EPERM;
	}
	n = read(fd, p->key, sizeof(p->key));
	close(fd);
	/* One text line's end (LF or CRLF) is not part of the key; any other byte is. */
	if (n > 0 && p->key[n - 1] == '\n') {
		n--;
		if (n > 0 && p->key[n - 1] == '\r')
			n--;
	}
	if (n < PSEUDO_KEY_MIN || (size_t)n >= sizeof(p->key)) {
		snprintf(err, errlen, "%s: a key is %d to %d bytes", key_file, PSEUDO_KEY_MIN,
			 PSEUDO_KEY_MAX - 1);
		memset(p->key, 0, sizeof(p->key));
		return -EINVAL;
	}
	p->keylen = (size_t)n;
	key_id(p);
	return 0;
}

size_t pseudo_addr(const struct pseudo *p, const struct ip_addr *a, char *out)
{
	struct ip_addr cut = *a;
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int maclen = 0;
	char text[IP_STR_MAX];
	size_t n;

	switch (p ? p->mode : PSEUDO_NONE) {
	case PSEUDO_TRUNCATE:
		if (a->family == 4) {
			cut.b[3] = 0;
		} else if (!memcmp(a->b, "\0\0\0\0\0\0\0\0\0\0\xff\xff", 12)) {
			cut.b[15] = 0; /* an IPv4 client in IPv6 clothes: its /24 */
		} else {
			memset(cut.b + 6, 0, 10);
		}
		return ip_format(&cut, out);
	case PSEUDO_HMAC:
		n = ip_format(a, text);
		if (!HMAC(EVP_sha256(), p->key, (int)p->keylen, (const unsigned char *)text, n, mac,
			  &maclen) ||
		    maclen < PSEUDO_TOKEN_HEX / 2) {
			memcpy(out, "-", 2);
			return 1;
		}
		hex_lower(out, mac, PSEUDO_TOKEN_HEX / 2);
		out[PSEUDO_TOKEN_HEX] = '\0';
		return PSEUDO_TOKEN_HEX;
	case PSEUDO_NONE:
	default:
		return ip_format(a, out);
	}
}
