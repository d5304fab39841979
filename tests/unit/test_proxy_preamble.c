// SPDX-License-Identifier: BSD-2-Clause
/*
 * The PROXY protocol parser: every case of tests/vectors/proxy-protocol.jsonl
 * (or the file in $XFFW_PP_VECTORS), each placed against a PROT_NONE guard
 * page so that a read past the input faults; every prefix of each; the
 * kernel's cut copies; and the bounds, at and one past.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "pipeline/proxy_preamble.h"

#define DEFAULT_VECTORS "tests/vectors/proxy-protocol.jsonl"
/* The longest v2 preamble (16 + 65535) with room for what follows it. */
#define GUARD_ROOM	(80 * 1024)

/* Bytes that end where a PROT_NONE page begins. */
static uint8_t *guard_map;
static size_t guard_len, page;

static int guard_setup(void **state)
{
	(void)state;
	page = (size_t)sysconf(_SC_PAGESIZE);
	guard_len = GUARD_ROOM + page;
	guard_map =
		mmap(NULL, guard_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (guard_map == MAP_FAILED)
		return -1;
	return mprotect(guard_map + GUARD_ROOM, page, PROT_NONE);
}

static int guard_teardown(void **state)
{
	(void)state;
	return munmap(guard_map, guard_len);
}

/* @n bytes of @b copied right before the guard page; returns where they start. */
static const uint8_t *at_guard(const uint8_t *b, size_t n)
{
	uint8_t *p = guard_map + GUARD_ROOM - n;

	assert_true(n <= GUARD_ROOM);
	if (n)
		memmove(p, b, n);
	return p;
}

/* pp_parse of @n bytes of @b placed against the guard page; *@at is where they went. */
static int parse_guarded(const uint8_t *b, size_t n, bool cut, struct pp_info *out,
			 const uint8_t **at)
{
	const uint8_t *p = at_guard(b, n);

	if (at)
		*at = p;
	return pp_parse(p, n, cut, out);
}

/* Every view of @pp lies inside the @n bytes at @b. */
static void views_inside(const struct pp_info *pp, const uint8_t *b, size_t n)
{
	const struct str *v[] = { &pp->alpn,	   &pp->authority,   &pp->unique_id,
				  &pp->netns,	   &pp->ssl.version, &pp->ssl.cn,
				  &pp->ssl.cipher, &pp->ssl.sig_alg, &pp->ssl.key_alg };

	for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		if (!v[i]->p)
			continue;
		assert_true((const uint8_t *)v[i]->p >= b);
		assert_true((const uint8_t *)v[i]->p + v[i]->len <= b + n);
	}
}

static bool same_view(struct str a, const uint8_t *base_a, struct str b, const uint8_t *base_b)
{
	if (!a.p || !b.p)
		return !a.p && !b.p;
	return a.len == b.len && (const uint8_t *)a.p - base_a == (const uint8_t *)b.p - base_b;
}

/* Two parses of the same preamble at different places say the same. */
static void same_info(const struct pp_info *a, const uint8_t *base_a, const struct pp_info *b,
		      const uint8_t *base_b)
{
	assert_int_equal(a->version, b->version);
	assert_int_equal(a->command, b->command);
	assert_int_equal(a->v2_family, b->v2_family);
	assert_int_equal(a->has_addr, b->has_addr);
	if (a->has_addr) {
		assert_true(ip_equal(&a->src, &b->src) && ip_equal(&a->dst, &b->dst));
		assert_int_equal(a->sport, b->sport);
		assert_int_equal(a->dport, b->dport);
	}
	assert_int_equal(a->len, b->len);
	assert_int_equal(a->crc, b->crc);
	assert_int_equal(a->other_tlvs, b->other_tlvs);
	assert_true(same_view(a->alpn, base_a, b->alpn, base_b));
	assert_true(same_view(a->authority, base_a, b->authority, base_b));
	assert_true(same_view(a->unique_id, base_a, b->unique_id, base_b));
	assert_true(same_view(a->netns, base_a, b->netns, base_b));
	assert_int_equal(a->ssl.present, b->ssl.present);
	assert_true(same_view(a->ssl.cn, base_a, b->ssl.cn, base_b));
	assert_true(same_view(a->ssl.version, base_a, b->ssl.version, base_b));
}

static size_t unhex(const char *hex, uint8_t *out)
{
	size_t n = strlen(hex) / 2;

	for (size_t i = 0; i < n; i++) {
		unsigned int byte;

		assert_int_equal(sscanf(hex + 2 * i, "%2x", &byte), 1);
		out[i] = (uint8_t)byte;
	}
	return n;
}

/* A string key of @row against the view @v: equal when the key is there, absent when not. */
static void want_view(const json_t *row, const char *key, struct str v)
{
	const char *want = json_string_value(json_object_get(row, key));

	if (!want) {
		if (v.p)
			fail_msg("%s: %s present (%zu bytes), not expected",
				 json_string_value(json_object_get(row, "name")), key, v.len);
		return;
	}
	if (!v.p || v.len != strlen(want) || memcmp(v.p, want, v.len))
		fail_msg("%s: %s is \"%.*s\", expected \"%s\"",
			 json_string_value(json_object_get(row, "name")), key, v.p ? (int)v.len : 0,
			 v.p ? v.p : "", want);
}

static void want_int(const json_t *row, const char *key, long long got)
{
	json_t *v = json_object_get(row, key);

	if (v && json_integer_value(v) != got)
		fail_msg("%s: %s is %lld, expected %lld",
			 json_string_value(json_object_get(row, "name")), key, got,
			 json_integer_value(v));
}

static void want_addr(const json_t *row, const char *key, const struct ip_addr *got)
{
	const char *want = json_string_value(json_object_get(row, key));
	struct ip_addr a;

	assert_non_null(want);
	assert_int_equal(ip_parse(want, strlen(want), &a), 0);
	if (!ip_equal(&a, got))
		fail_msg("%s: %s differs from %s", json_string_value(json_object_get(row, "name")),
			 key, want);
}

static const char *const results[] = { "ok", "truncated", "malformed" };
static const char *const crcs[] = { "absent", "ok", "not-checked" };

/* Every key of the vector @row against what pp_parse says of @b (@n bytes). */
static void check_keys(const json_t *row, const struct pp_info *pp, int r, const uint8_t *b,
		       size_t n)
{
	const char *name = json_string_value(json_object_get(row, "name"));
	const char *want = json_string_value(json_object_get(row, "result"));
	const char *s;

	if (strcmp(results[r], want))
		fail_msg("%s: %s (%s), expected %s", name, results[r], pp->error ? pp->error : "",
			 want);
	want_int(row, "version", pp->version);
	if (r != PP_OK) {
		s = json_string_value(json_object_get(row, "error_contains"));
		assert_non_null(pp->error);
		if (s && !strstr(pp->error, s))
			fail_msg("%s: error \"%s\" does not say \"%s\"", name, pp->error, s);
		assert_false(pp->has_addr);
		return;
	}
	assert_null(pp->error);
	want_int(row, "len", (long long)pp->len);
	assert_true(json_object_get(row, "len") != NULL);
	if ((s = json_string_value(json_object_get(row, "command"))))
		assert_string_equal(pp_command_name(pp->command), s);
	if ((s = json_string_value(json_object_get(row, "transport"))))
		assert_string_equal(pp_transport_name(pp), s);
	if (json_object_get(row, "src")) {
		assert_true(pp->has_addr);
		want_addr(row, "src", &pp->src);
		want_addr(row, "dst", &pp->dst);
		want_int(row, "sport", pp->sport);
		want_int(row, "dport", pp->dport);
	} else if (pp->has_addr) {
		fail_msg("%s: addresses not expected", name);
	}
	want_view(row, "alpn", pp->alpn);
	want_view(row, "authority", pp->authority);
	want_view(row, "netns", pp->netns);
	if ((s = json_string_value(json_object_get(row, "unique_id_hex")))) {
		uint8_t id[PP_UNIQUE_ID_MAX + 1];
		size_t idn = unhex(s, id);

		assert_non_null(pp->unique_id.p);
		assert_int_equal(pp->unique_id.len, idn);
		assert_memory_equal(pp->unique_id.p, id, idn);
	} else {
		assert_null(pp->unique_id.p);
	}
	if ((s = json_string_value(json_object_get(row, "crc32c"))))
		assert_string_equal(crcs[pp->crc], s);
	want_int(row, "other_tlvs", pp->other_tlvs);
	assert_int_equal(pp->ssl.present, json_object_get(row, "ssl_client") != NULL);
	want_int(row, "ssl_client", pp->ssl.client);
	want_int(row, "ssl_verify", pp->ssl.verify);
	want_view(row, "ssl_version", pp->ssl.version);
	want_view(row, "ssl_cn", pp->ssl.cn);
	want_view(row, "ssl_cipher", pp->ssl.cipher);
	want_view(row, "ssl_sig_alg", pp->ssl.sig_alg);
	want_view(row, "ssl_key_alg", pp->ssl.key_alg);
	views_inside(pp, b, n);
}

/*
 * Every prefix of a whole (not cut) input: truncated until the preamble is
 * whole, then the same answer as for all the bytes; a preamble that is OK
 * stays the same wherever its bytes are cut after it.
 */
static void check_prefixes(const uint8_t *b, size_t n, int r_all, const struct pp_info *all,
			   const uint8_t *all_at)
{
	struct pp_info pp;
	const uint8_t *at;
	int settled = -1;

	for (size_t k = 0; k <= n; k++) {
		int r = parse_guarded(b, k, false, &pp, &at);

		if (r_all == PP_OK && k < all->len)
			assert_int_equal(r, PP_TRUNCATED);
		else if (r_all == PP_OK)
			same_info(&pp, at, all, all_at);
		if (settled >= 0)
			assert_int_equal(r, settled);
		else if (r != PP_TRUNCATED)
			settled = r;
		assert_true(r == PP_TRUNCATED || r == r_all);
		assert_non_null(r == PP_OK ? "ok" : pp.error);
	}
}

/*
 * The kernel's cut copies of a v2 input: from 16 bytes on, a cut copy is OK
 * or malformed by what lies before the cut (so it stays malformed), and an
 * OK one keeps a subset of what the whole one keeps.
 */
static void check_cuts(const uint8_t *b, size_t n, int r_all, const struct pp_info *all,
		       const uint8_t *all_at)
{
	struct pp_info pp;
	const uint8_t *at;
	bool malformed = false;

	if (pp_signature(b, n) != 2)
		return;
	for (size_t k = XFFW_PP_V2_HDR; k <= n; k++) {
		int r = parse_guarded(b, k, true, &pp, &at);

		assert_true(r == PP_OK || r == PP_MALFORMED);
		if (malformed)
			assert_int_equal(r, PP_MALFORMED);
		malformed = r == PP_MALFORMED;
		if (r_all == PP_OK)
			assert_int_equal(r, PP_OK);
		if (r_all != PP_OK || r != PP_OK)
			continue;
		views_inside(&pp, at, k);
		if (k >= all->len) {
			same_info(&pp, at, all, all_at);
			continue;
		}
		assert_int_equal(pp.len, all->len);
		assert_true(pp.other_tlvs <= all->other_tlvs);
		assert_true(pp.crc == PP_CRC_ABSENT || pp.crc == PP_CRC_NOT_CHECKED);
		if (pp.crc)
			assert_int_not_equal(all->crc, PP_CRC_ABSENT);
		if (pp.has_addr)
			assert_true(ip_equal(&pp.src, &all->src) && pp.sport == all->sport);
		if (pp.alpn.p)
			assert_true(same_view(pp.alpn, at, all->alpn, all_at));
		if (pp.authority.p)
			assert_true(same_view(pp.authority, at, all->authority, all_at));
		if (pp.unique_id.p)
			assert_true(same_view(pp.unique_id, at, all->unique_id, all_at));
		if (pp.ssl.cn.p)
			assert_true(same_view(pp.ssl.cn, at, all->ssl.cn, all_at));
	}
	if (r_all == PP_MALFORMED && all->len && all->len <= n)
		assert_true(malformed);
}

static void test_vectors(void **state)
{
	const char *path = getenv("XFFW_PP_VECTORS") ? getenv("XFFW_PP_VECTORS") : DEFAULT_VECTORS;
	FILE *f = fopen(path, "r");
	static uint8_t bytes[GUARD_ROOM];
	char *line = NULL;
	size_t cap = 0;
	int count = 0, ok = 0;

	(void)state;
	if (!f)
		fail_msg("cannot open %s", path);
	while (getline(&line, &cap, f) > 0) {
		json_error_t err;
		json_t *row = json_loads(line, 0, &err);
		struct pp_info all;
		const uint8_t *at;
		bool cut;
		size_t n;
		int r;

		if (!row)
			fail_msg("%s: %s", path, err.text);
		assert_true(strlen(json_string_value(json_object_get(row, "hex"))) / 2 <=
			    GUARD_ROOM);
		n = unhex(json_string_value(json_object_get(row, "hex")), bytes);
		cut = json_is_true(json_object_get(row, "cut"));
		r = parse_guarded(bytes, n, cut, &all, &at);
		check_keys(row, &all, r, at, n);
		if (!cut) {
			check_prefixes(bytes, n, r, &all, at);
			/* check_prefixes moved the bytes: parse them where they are now. */
			r = parse_guarded(bytes, n, false, &all, &at);
			check_cuts(bytes, n, r, &all, at);
		}
		ok += r == PP_OK;
		count++;
		json_decref(row);
	}
	free(line);
	fclose(f);
	/* The file is whole: the spec's cases are all there. */
	assert_true(count >= 100);
	assert_true(ok >= 35);
}

/* A v1 line of @n bytes (with its CRLF): "PROXY UNKNOWN " then 'a's. */
static size_t v1_unknown(uint8_t *b, size_t n, bool crlf)
{
	memset(b, 'a', n);
	memcpy(b, "PROXY UNKNOWN ", 14);
	if (crlf)
		memcpy(b + n - 2, "\r\n", 2);
	return n;
}

static void test_v1_bounds(void **state)
{
	static uint8_t b[XFFW_PP_KEEP + 64];
	struct pp_info pp;

	(void)state;
	assert_int_equal(parse_guarded(b, v1_unknown(b, 107, true), false, &pp, NULL), PP_OK);
	assert_int_equal(pp.len, 107);
	/* One past the spec's bound: delimited (what follows is read), but malformed. */
	assert_int_equal(parse_guarded(b, v1_unknown(b, 108, true), false, &pp, NULL),
			 PP_MALFORMED);
	assert_string_equal(pp.error, "v1: longer than 107 bytes");
	assert_int_equal(pp.len, 108);
	/* The CR is the 107th byte: without its LF the line is not over, and too long already. */
	v1_unknown(b, 108, true);
	assert_int_equal(parse_guarded(b, 107, false, &pp, NULL), PP_TRUNCATED);
	assert_int_equal(parse_guarded(b, 108, false, &pp, NULL), PP_MALFORMED);
	v1_unknown(b, 200, false);
	assert_int_equal(parse_guarded(b, 107, false, &pp, NULL), PP_TRUNCATED);
	assert_int_equal(parse_guarded(b, 108, false, &pp, NULL), PP_MALFORMED);
	assert_string_equal(pp.error, "v1: longer than 107 bytes");
	/* The CRLF is looked for within XFFW_PP_KEEP bytes, as the kernel does: at and one past. */
	v1_unknown(b, XFFW_PP_KEEP, true);
	assert_int_equal(parse_guarded(b, XFFW_PP_KEEP, false, &pp, NULL), PP_MALFORMED);
	assert_int_equal(pp.len, XFFW_PP_KEEP);
	v1_unknown(b, XFFW_PP_KEEP + 1, true);
	assert_int_equal(parse_guarded(b, XFFW_PP_KEEP + 1, false, &pp, NULL), PP_MALFORMED);
	assert_string_equal(pp.error, "v1: no CRLF within 2048 bytes");
	/* Whatever follows a line does not matter: 200 bytes, the line's 107 first. */
	v1_unknown(b, 200, false);
	memcpy(b + 105, "\r\n", 2);
	assert_int_equal(parse_guarded(b, 200, false, &pp, NULL), PP_OK);
	assert_int_equal(pp.len, 107);
	assert_int_equal(parse_guarded(b, 15, false, &pp, NULL), PP_TRUNCATED);
	assert_int_equal(parse_guarded((const uint8_t *)"PROXY UNKNOWN\r\n", 15, false, &pp, NULL),
			 PP_OK);
	assert_int_equal(pp.len, 15);
	/* A bare LF ends nothing: an UNKNOWN line ignores it, a TCP4 line may not hold it. */
	assert_int_equal(
		parse_guarded((const uint8_t *)"PROXY UNKNOWN \nx\r\n", 18, false, &pp, NULL),
		PP_OK);
	assert_int_equal(pp.len, 18);
	assert_int_equal(parse_guarded((const uint8_t *)"PROXY TCP4 1.2.3.4\n5.6.7.8 1 2\r\n", 33,
				       false, &pp, NULL),
			 PP_MALFORMED);
}

/* A v2 PROXY over TCP/IPv4 whose length field is @length, filled with one NOOP. */
static size_t v2_noop(uint8_t *b, size_t length)
{
	static const uint8_t head[] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a,
					0x51, 0x55, 0x49, 0x54, 0x0a, 0x21, 0x11 };
	size_t noop = length - 12 - 3;

	memcpy(b, head, sizeof(head));
	b[14] = (uint8_t)(length >> 8);
	b[15] = (uint8_t)length;
	memset(b + 16, 7, 12);
	b[28] = 0x04;
	b[29] = (uint8_t)(noop >> 8);
	b[30] = (uint8_t)noop;
	memset(b + 31, 0, noop);
	return 16 + length;
}

static void test_v2_bounds(void **state)
{
	static uint8_t b[GUARD_ROOM];
	struct pp_info pp;
	size_t n = v2_noop(b, 0xffff);

	(void)state;
	assert_int_equal(n, 65551);
	assert_int_equal(parse_guarded(b, n, false, &pp, NULL), PP_OK);
	assert_int_equal(pp.len, 65551);
	assert_int_equal(pp.other_tlvs, 1);
	assert_int_equal(parse_guarded(b, n - 1, false, &pp, NULL), PP_TRUNCATED);
	assert_int_equal(parse_guarded(b, n - 1, true, &pp, NULL), PP_OK);
	assert_int_equal(parse_guarded(b, XFFW_PP_KEEP, true, &pp, NULL), PP_OK);
	assert_int_equal(pp.len, 65551);
	assert_int_equal(pp.other_tlvs, 0);
	assert_true(pp.has_addr);
	/* The length field one short of the NOOP, one past it. */
	b[15] = 0xfe;
	assert_int_equal(parse_guarded(b, n, false, &pp, NULL), PP_MALFORMED);
	n = v2_noop(b, 0xfffe);
	b[15] = 0xff;
	assert_int_equal(parse_guarded(b, n + 1, false, &pp, NULL), PP_MALFORMED);
	assert_int_equal(parse_guarded(b, n, false, &pp, NULL), PP_TRUNCATED);
}

static void test_signature(void **state)
{
	static const uint8_t v2[] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
				      0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

	(void)state;
	/* A v1 signature names its transport: "PROXY " alone may be an HTTP method. */
	assert_int_equal(pp_signature((const uint8_t *)"PROXY ", 6), 0);
	assert_int_equal(pp_signature((const uint8_t *)"PROXY TCP4", 10), 0);
	assert_int_equal(pp_signature((const uint8_t *)"PROXY TCP4 ", 11), 1);
	assert_int_equal(pp_signature((const uint8_t *)"PROXY TCP6 ", 11), 1);
	assert_int_equal(pp_signature((const uint8_t *)"PROXY TCP5 ", 11), 0);
	assert_int_equal(pp_signature((const uint8_t *)"PROXY UNKNOWN", 13), 0);
	assert_int_equal(pp_signature((const uint8_t *)"PROXY UNKNOWN ", 14), 1);
	assert_int_equal(pp_signature((const uint8_t *)"PROXY UNKNOWN\r", 14), 1);
	assert_int_equal(pp_signature((const uint8_t *)"PROXY UNKNOWN\n", 14), 1);
	assert_int_equal(pp_signature((const uint8_t *)"PROXY UNKNOWN:", 14), 0);
	assert_int_equal(pp_signature((const uint8_t *)"PROXY UNKNOW", 12), 0);
	assert_int_equal(pp_signature((const uint8_t *)"PROXY /x HTTP/1.1", 17), 0);
	assert_int_equal(pp_signature((const uint8_t *)"PROXY", 5), 0);
	assert_int_equal(pp_signature((const uint8_t *)"PROXYX", 6), 0);
	assert_int_equal(pp_signature((const uint8_t *)"GET / ", 6), 0);
	assert_int_equal(pp_signature(v2, 12), 2);
	assert_int_equal(pp_signature(v2, 11), 0);
	assert_int_equal(pp_signature(v2, 0), 0);
}

static void test_crc32c(void **state)
{
	const uint8_t *s = (const uint8_t *)"123456789";

	(void)state;
	assert_int_equal(pp_crc32c(0, s, 9), 0xE3069283);
	assert_int_equal(pp_crc32c(pp_crc32c(0, s, 4), s + 4, 5), 0xE3069283);
	assert_int_equal(pp_crc32c(0, s, 0), 0);
}

static void test_names(void **state)
{
	static const struct {
		uint8_t version, fam;
		const char *name;
	} t[] = { { 2, 0x00, "unspec" },     { 2, 0x11, "tcp4" },    { 2, 0x12, "udp4" },
		  { 2, 0x21, "tcp6" },	     { 2, 0x22, "udp6" },    { 2, 0x31, "unix-stream" },
		  { 2, 0x32, "unix-dgram" }, { 1, 0x00, "unknown" }, { 1, 0x11, "tcp4" },
		  { 1, 0x21, "tcp6" },	     { 0, 0x00, "unknown" } };

	(void)state;
	assert_string_equal(pp_command_name(PP_CMD_PROXY), "PROXY");
	assert_string_equal(pp_command_name(PP_CMD_LOCAL), "LOCAL");
	assert_string_equal(pp_command_name(PP_CMD_UNKNOWN), "UNKNOWN");
	assert_string_equal(pp_command_name(0), "?");
	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct pp_info pp = { .version = t[i].version, .v2_family = t[i].fam };

		assert_string_equal(pp_transport_name(&pp), t[i].name);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_signature), cmocka_unit_test(test_crc32c),
		cmocka_unit_test(test_names),	  cmocka_unit_test(test_v1_bounds),
		cmocka_unit_test(test_v2_bounds), cmocka_unit_test(test_vectors),
	};

	return cmocka_run_group_tests_name("proxy_preamble", tests, guard_setup, guard_teardown);
}
