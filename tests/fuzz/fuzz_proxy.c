// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: PROXY protocol preambles (user/pipeline/proxy_preamble.c).
 * Bytes 0-1 pick a cut point k (big-endian, taken mod the rest's length + 1);
 * the rest is the connection's first bytes. pp_parse() reads them whole, as
 * `xffwatch resolve` does, the first k of them whole and as the kernel's cut
 * copy, and every answer is checked from the outside:
 *
 *  - the result is one of three, with an error phrase exactly when not OK;
 *  - the version follows pp_signature(); no signature is never OK;
 *  - OK: len <= the bytes; v1 is 15 to 107 bytes ending in its first CRLF,
 *    and TCP4/TCP6 written back from the parsed addresses is the same line
 *    (TCP4) or parses the same (TCP6); v2 is 16 + its length field; every
 *    view lies inside the preamble; addresses only with PROXY;
 *  - prefixes: truncated before the preamble ends, the same answer after;
 *  - cut copies (v2, k >= 16): OK or malformed, malformed stays malformed as
 *    the cut moves on, a whole preamble's cut copy is OK and keeps only what
 *    the whole one keeps, at the same bytes;
 *  - pp_crc32c is CRC32C bit by bit, and chains across a split.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pipeline/proxy_preamble.h"

#define CHECK(c)                 \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static uint32_t crc32c_bitwise(const uint8_t *b, size_t n)
{
	uint32_t crc = 0xffffffff;

	for (size_t i = 0; i < n; i++) {
		crc ^= b[i];
		for (int bit = 0; bit < 8; bit++)
			crc = crc & 1 ? (crc >> 1) ^ 0x82f63b78 : crc >> 1;
	}
	return ~crc;
}

static void view_inside(struct str v, const uint8_t *b, size_t n)
{
	if (v.p)
		CHECK((const uint8_t *)v.p >= b && (const uint8_t *)v.p + v.len <= b + n);
}

static void views_inside(const struct pp_info *pp, const uint8_t *b, size_t n)
{
	view_inside(pp->alpn, b, n);
	view_inside(pp->authority, b, n);
	view_inside(pp->unique_id, b, n);
	view_inside(pp->netns, b, n);
	view_inside(pp->ssl.version, b, n);
	view_inside(pp->ssl.cn, b, n);
	view_inside(pp->ssl.cipher, b, n);
	view_inside(pp->ssl.sig_alg, b, n);
	view_inside(pp->ssl.key_alg, b, n);
	CHECK(!pp->unique_id.p || pp->unique_id.len <= PP_UNIQUE_ID_MAX);
}

/* A view of a cut copy is absent or the whole one's (the same bytes). */
static bool subset(struct str cut, struct str all)
{
	return !cut.p || (cut.p == all.p && cut.len == all.len);
}

static bool same_addr(const struct pp_info *a, const struct pp_info *b)
{
	return a->has_addr == b->has_addr &&
	       (!a->has_addr || (ip_equal(&a->src, &b->src) && ip_equal(&a->dst, &b->dst) &&
				 a->sport == b->sport && a->dport == b->dport));
}

static bool same_info(const struct pp_info *a, const struct pp_info *b)
{
	return a->version == b->version && a->command == b->command &&
	       a->v2_family == b->v2_family && same_addr(a, b) && a->len == b->len &&
	       a->crc == b->crc && a->other_tlvs == b->other_tlvs && a->alpn.p == b->alpn.p &&
	       a->alpn.len == b->alpn.len && a->authority.p == b->authority.p &&
	       a->unique_id.p == b->unique_id.p && a->unique_id.len == b->unique_id.len &&
	       a->netns.p == b->netns.p && a->ssl.present == b->ssl.present &&
	       a->ssl.cn.p == b->ssl.cn.p && a->ssl.verify == b->ssl.verify;
}

static void check_answer(const uint8_t *b, size_t n, int r, const struct pp_info *pp)
{
	int sig = pp_signature(b, n);

	CHECK(r == PP_OK || r == PP_TRUNCATED || r == PP_MALFORMED);
	CHECK((r == PP_OK) == (pp->error == NULL));
	CHECK(!pp->error || (strlen(pp->error) > 4 && strlen(pp->error) < 100));
	CHECK(pp->version == sig);
	CHECK(sig || r != PP_OK);
	CHECK(pp_command_name(pp->command) && pp_transport_name(pp));
	if (r != PP_OK) {
		CHECK(!pp->has_addr && !pp->alpn.p && !pp->ssl.present);
		return;
	}
	CHECK(pp->has_addr ? pp->command == PP_CMD_PROXY : true);
	CHECK(strcmp(pp_command_name(pp->command), "?"));
	if (pp->version == 1) {
		CHECK(pp->len >= 15 && pp->len <= XFFW_PP_V1_MAX && pp->len <= n);
		CHECK(b[pp->len - 2] == '\r' && b[pp->len - 1] == '\n');
		/* Its first CR LF ends it; only an UNKNOWN line may hold a bare CR or LF. */
		CHECK(!memmem(b, pp->len - 1, "\r\n", 2));
		CHECK(!pp->has_addr ||
		      (!memchr(b, '\n', pp->len - 1) && !memchr(b, '\r', pp->len - 2)));
		CHECK(pp->command == (pp->has_addr ? PP_CMD_PROXY : PP_CMD_UNKNOWN));
	} else {
		CHECK(pp->len == XFFW_PP_V2_HDR + (size_t)(b[14] << 8 | b[15]));
		CHECK(pp->command == PP_CMD_PROXY || pp->command == PP_CMD_LOCAL);
		CHECK(pp->crc <= PP_CRC_NOT_CHECKED);
	}
	views_inside(pp, b, pp->len < n ? pp->len : n);
}

/* A v1 line written back from what was parsed: the same bytes (TCP4), or the same addresses. */
static void check_v1_roundtrip(const uint8_t *b, const struct pp_info *pp)
{
	char src[IP_STR_MAX], dst[IP_STR_MAX], line[2 * XFFW_PP_V1_MAX];
	struct pp_info again;
	int n;

	ip_format(&pp->src, src);
	ip_format(&pp->dst, dst);
	n = snprintf(line, sizeof(line), "PROXY TCP%c %s %s %u %u\r\n",
		     pp->v2_family == 0x11 ? '4' : '6', src, dst, pp->sport, pp->dport);
	if (pp->v2_family == 0x11) {
		CHECK((size_t)n == pp->len && !memcmp(line, b, pp->len));
		return;
	}
	if ((size_t)n > XFFW_PP_V1_MAX)
		return; /* canonical text can be longer than an embedded IPv4 address was */
	CHECK(pp_parse((const uint8_t *)line, (size_t)n, false, &again) == PP_OK);
	CHECK(same_addr(&again, pp));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pp_info all, pre, cut, longest;
	const uint8_t *b = data + 2;
	size_t n, k;
	int r, rp, rc, rl;

	if (size < 2)
		return 0;
	n = size - 2;
	k = (size_t)(data[0] << 8 | data[1]) % (n + 1);

	r = pp_parse(b, n, false, &all);
	check_answer(b, n, r, &all);
	if (r == PP_OK && all.version == 1 && all.has_addr)
		check_v1_roundtrip(b, &all);

	/* Prefixes: truncated until the preamble is whole, then the same answer. */
	rp = pp_parse(b, k, false, &pre);
	check_answer(b, k, rp, &pre);
	CHECK(rp == PP_TRUNCATED || rp == r);
	if (r == PP_TRUNCATED)
		CHECK(rp == PP_TRUNCATED);
	if (r == PP_OK) {
		CHECK(k < all.len ? rp == PP_TRUNCATED : same_info(&pre, &all));
		CHECK(pp_parse(b, all.len - 1, false, &pre) == PP_TRUNCATED);
	}

	/* Cut copies of a v2 preamble. */
	if (pp_signature(b, n) == 2 && k >= XFFW_PP_V2_HDR) {
		rc = pp_parse(b, k, true, &cut);
		rl = pp_parse(b, n, true, &longest);
		CHECK(rc == PP_OK || rc == PP_MALFORMED);
		CHECK(rl == PP_OK || rl == PP_MALFORMED);
		CHECK(rc != PP_MALFORMED || rl == PP_MALFORMED);
		if (rc == PP_OK)
			views_inside(&cut, b, k);
		if (rl != PP_TRUNCATED && n >= longest.len)
			CHECK(rl == r && (r != PP_OK || same_info(&longest, &all)));
		if (r == PP_OK) {
			CHECK(rc == PP_OK && cut.len == all.len);
			if (k >= all.len) {
				CHECK(same_info(&cut, &all));
			} else {
				CHECK(cut.other_tlvs <= all.other_tlvs);
				CHECK(cut.crc == PP_CRC_ABSENT || cut.crc == PP_CRC_NOT_CHECKED);
				CHECK(!cut.crc || all.crc);
				CHECK(!cut.has_addr || same_addr(&cut, &all));
				CHECK(subset(cut.alpn, all.alpn) &&
				      subset(cut.authority, all.authority) &&
				      subset(cut.unique_id, all.unique_id) &&
				      subset(cut.netns, all.netns) &&
				      subset(cut.ssl.cn, all.ssl.cn) &&
				      subset(cut.ssl.version, all.ssl.version));
			}
		}
	}

	/* Bit by bit is slow: the first 4 KiB are enough to compare the two. */
	CHECK(pp_crc32c(0, b, n < 4096 ? n : 4096) == crc32c_bitwise(b, n < 4096 ? n : 4096));
	CHECK(pp_crc32c(pp_crc32c(0, b, k), b + k, n - k) == pp_crc32c(0, b, n));
	return 0;
}
