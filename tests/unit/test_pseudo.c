// SPDX-License-Identifier: BSD-2-Clause
/* Pseudonymised addresses: exact truncation, stable HMAC tokens, and a key file that must be private. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "event/pseudonym.h"

#define KEY_A "0123456789abcdef-test-key"
#define KEY_B "0123456789abcdef-test-kez"

static char key_path[64];

static void write_key(const char *key, mode_t mode)
{
	FILE *f;

	snprintf(key_path, sizeof(key_path), "/tmp/xffw-test-key.%d", (int)getpid());
	unlink(key_path);
	f = fopen(key_path, "w");
	assert_non_null(f);
	fputs(key, f);
	fclose(f);
	assert_int_equal(chmod(key_path, mode), 0);
}

static int init_hmac(struct pseudo *p, const char *key, mode_t mode, char *err, size_t errlen)
{
	int e;

	write_key(key, mode);
	e = pseudo_init(p, PSEUDO_HMAC, key_path, err, errlen);
	unlink(key_path);
	return e;
}

static const char *pseudo_of(const struct pseudo *p, const char *text)
{
	static char out[PSEUDO_TEXT_MAX];
	struct ip_addr a;
	size_t n;

	assert_int_equal(ip_parse(text, strlen(text), &a), 0);
	n = pseudo_addr(p, &a, out);
	assert_int_equal(n, strlen(out));
	return out;
}

static void test_truncate(void **state)
{
	struct pseudo p = { .mode = PSEUDO_TRUNCATE };

	(void)state;
	assert_string_equal(pseudo_of(&p, "203.0.113.77"), "203.0.113.0");
	assert_string_equal(pseudo_of(&p, "198.51.100.255"), "198.51.100.0");
	assert_string_equal(pseudo_of(&p, "192.0.2.0"), "192.0.2.0");
	/* IPv6 keeps its /48: three groups. */
	assert_string_equal(pseudo_of(&p, "2001:db8:abcd:12:34:56:78:9"), "2001:db8:abcd::");
	assert_string_equal(pseudo_of(&p, "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"),
			    "2001:db8:ffff::");
	assert_string_equal(pseudo_of(&p, "2001:db8::1"), "2001:db8::");
	/* An IPv4 client in an IPv6 socket is cut like IPv4, not to a /48 that keeps it whole. */
	assert_string_equal(pseudo_of(&p, "::ffff:203.0.113.9"), "::ffff:203.0.113.0");
}

static void test_none(void **state)
{
	struct pseudo p = { .mode = PSEUDO_NONE };

	(void)state;
	assert_string_equal(pseudo_of(&p, "203.0.113.77"), "203.0.113.77");
	assert_string_equal(pseudo_of(NULL, "2001:db8::7"), "2001:db8::7");
}

static void test_hmac_tokens(void **state)
{
	struct pseudo a, a2, b;
	char err[256], tok[PSEUDO_TEXT_MAX];

	(void)state;
	assert_int_equal(init_hmac(&a, KEY_A, 0600, err, sizeof(err)), 0);
	assert_int_equal(init_hmac(&a2, KEY_A "\n", 0400, err, sizeof(err)), 0);
	assert_int_equal(init_hmac(&b, KEY_B, 0600, err, sizeof(err)), 0);
	/* HMAC-SHA256 of the address's text, first 16 bytes in hex (python's hmac agrees). */
	assert_string_equal(pseudo_of(&a, "203.0.113.7"), "5b1c3af33baf13b99a9099f06b88db75");
	assert_string_equal(pseudo_of(&a, "2001:db8::7"), "a0abf870243218c8ab3557fe0d566602");
	assert_string_equal(a.key_id, "fcca81b2");
	/* Same address, same key: same token; a trailing newline is not part of the key. */
	snprintf(tok, sizeof(tok), "%s", pseudo_of(&a, "203.0.113.7"));
	assert_string_equal(pseudo_of(&a2, "203.0.113.7"), tok);
	assert_string_equal(a2.key_id, a.key_id);
	/* Another key: another token, another key id. */
	assert_string_not_equal(pseudo_of(&b, "203.0.113.7"), tok);
	assert_string_not_equal(b.key_id, a.key_id);
	/* Only one line end goes: a second newline (or a key's own last byte) stays key. */
	assert_int_equal(init_hmac(&b, KEY_A "\r\n", 0600, err, sizeof(err)), 0);
	assert_string_equal(b.key_id, a.key_id);
	assert_int_equal(init_hmac(&b, KEY_A "\n\n", 0600, err, sizeof(err)), 0);
	assert_string_not_equal(b.key_id, a.key_id);
	assert_int_equal(init_hmac(&b, KEY_B, 0600, err, sizeof(err)), 0);
	/* Another address: another token; the same address spelled differently: the same. */
	assert_string_not_equal(pseudo_of(&a, "203.0.113.8"), tok);
	snprintf(tok, sizeof(tok), "%s", pseudo_of(&a, "2001:db8::7"));
	assert_string_equal(pseudo_of(&a, "2001:0db8:0:0::0:7"), tok);
	assert_int_equal(strlen(tok), PSEUDO_TOKEN_HEX);
	assert_int_equal(strspn(tok, "0123456789abcdef"), PSEUDO_TOKEN_HEX);
}

static void test_key_file(void **state)
{
	struct pseudo p;
	char err[512];

	(void)state;
	/* Readable by others: refused, and the error says why. */
	assert_int_equal(init_hmac(&p, KEY_A, 0644, err, sizeof(err)), -EPERM);
	assert_non_null(strstr(err, "0600"));
	assert_int_equal(init_hmac(&p, KEY_A, 0660, err, sizeof(err)), -EPERM);
	/* Too short to be a secret. */
	assert_int_equal(init_hmac(&p, "short\n", 0600, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "16"));
	/* Missing, or not given. */
	assert_int_equal(pseudo_init(&p, PSEUDO_HMAC, "/nonexistent/key", err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/key"));
	assert_int_equal(pseudo_init(&p, PSEUDO_HMAC, "", err, sizeof(err)), -EINVAL);
	/* A directory is not a key file. */
	assert_int_not_equal(pseudo_init(&p, PSEUDO_HMAC, "/tmp", err, sizeof(err)), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncate),
		cmocka_unit_test(test_none),
		cmocka_unit_test(test_hmac_tokens),
		cmocka_unit_test(test_key_file),
	};

	return cmocka_run_group_tests_name("pseudo", tests, NULL, NULL);
}
