// SPDX-License-Identifier: BSD-2-Clause
/*
 * PROXY protocol preambles, v1 and v2, parsed strictly (haproxy
 * doc/proxy-protocol.txt). Bounded by the bytes given: no allocation, no NUL
 * needed, nothing read at or past @len. Errors are static phrases, so that a
 * pp_info kept per connection never points at a buffer that is reused.
 */
#include <string.h>

#include "pipeline/proxy_preamble.h"

#define V1_SIG	   "PROXY "
#define V1_SIG_LEN 6

static const uint8_t v2_sig[PP_V2_SIG_LEN] = { 0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d,
					       0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a };

/* v2 TLV types (section 2.2) and the SSL TLV's fixed part: client (1) and verify (4). */
enum {
	PP2_TYPE_ALPN = 0x01,
	PP2_TYPE_AUTHORITY = 0x02,
	PP2_TYPE_CRC32C = 0x03,
	PP2_TYPE_UNIQUE_ID = 0x05,
	PP2_TYPE_SSL = 0x20,
	PP2_SUBTYPE_SSL_VERSION = 0x21,
	PP2_SUBTYPE_SSL_KEY_ALG = 0x25,
	PP2_TYPE_NETNS = 0x30,
	PP2_TLV_HDR = 3,
	PP2_SSL_FIXED = 5,
	PP2_CRC32C_LEN = 4,
};

/*
 * A v1 line begins with one of these (section 2.1), as the kernel finds it:
 * no HTTP request line can; "PROXY " alone may be the method of one, and
 * "PROXY UNKNOWN://h/" its absolute-form target.
 */
static const char *const v1_sigs[] = { "PROXY TCP4 ", "PROXY TCP6 ", "PROXY UNKNOWN ",
				       "PROXY UNKNOWN\r", "PROXY UNKNOWN\n" };

int pp_signature(const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < sizeof(v1_sigs) / sizeof(v1_sigs[0]); i++)
		if (len >= strlen(v1_sigs[i]) && !memcmp(b, v1_sigs[i], strlen(v1_sigs[i])))
			return 1;
	if (len >= PP_V2_SIG_LEN && !memcmp(b, v2_sig, PP_V2_SIG_LEN))
		return 2;
	return 0;
}

/* Could @len bytes still grow into the signature @sig? */
static bool sig_prefix(const uint8_t *b, size_t len, const void *sig, size_t sig_len)
{
	return len < sig_len && !memcmp(b, sig, len);
}

bool pp_signature_prefix(const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < sizeof(v1_sigs) / sizeof(v1_sigs[0]); i++)
		if (sig_prefix(b, len, v1_sigs[i], strlen(v1_sigs[i])))
			return true;
	return sig_prefix(b, len, v2_sig, PP_V2_SIG_LEN);
}

/*
 * Ends a parse that failed: what is known of the preamble's frame (version,
 * command, family, length) stays; addresses and TLV views go, so that nobody
 * uses half of a preamble. Returns @result.
 */
static int fail(struct pp_info *out, int result, const char *why)
{
	struct pp_info keep = { .version = out->version,
				.command = out->command,
				.v2_family = out->v2_family,
				.len = out->len,
				.error = why };

	*out = keep;
	return result;
}

/* v1 ---------------------------------------------------------------------------------------- */

/* Phrases for the source ([0]) and the destination ([1]). */
static const char *const v1_not_v4[2] = { "v1: TCP4 source is not an IPv4 address",
					  "v1: TCP4 destination is not an IPv4 address" };
static const char *const v1_not_v6[2] = { "v1: TCP6 source is not an IPv6 address",
					  "v1: TCP6 destination is not an IPv6 address" };
static const char *const v1_addr_zero[2] = { "v1: source address has a leading zero",
					     "v1: destination address has a leading zero" };
static const char *const v1_addr_zone[2] = { "v1: source address has a zone or brackets",
					     "v1: destination address has a zone or brackets" };
static const char *const v1_port_nan[2] = { "v1: source port is not a decimal number",
					    "v1: destination port is not a decimal number" };
static const char *const v1_port_zero[2] = { "v1: source port has a leading zero",
					     "v1: destination port has a leading zero" };
static const char *const v1_port_big[2] = { "v1: source port is above 65535",
					    "v1: destination port is above 65535" };

/* Does a dotted-decimal part of @s begin with '0' and go on with a digit ("010")? */
static bool v4_leading_zero(struct str s)
{
	for (size_t i = 0; i + 1 < s.len; i++) {
		bool part_start = i == 0 || s.p[i - 1] == '.';

		if (part_start && s.p[i] == '0' && s.p[i + 1] >= '0' && s.p[i + 1] <= '9')
			return true;
	}
	return false;
}

/* An address of @family (4 or 6) in canonical text; @dst picks the phrase. Returns NULL or why not. */
static const char *v1_addr(struct str s, int family, int dst, struct ip_addr *a)
{
	if (memchr(s.p, '%', s.len) || memchr(s.p, '[', s.len) || memchr(s.p, ']', s.len))
		return v1_addr_zone[dst];
	if (family == 4) {
		if (memchr(s.p, ':', s.len))
			return v1_not_v4[dst];
		if (v4_leading_zero(s))
			return v1_addr_zero[dst];
		if (ip_parse(s.p, s.len, a) || a->family != 4)
			return v1_not_v4[dst];
		return NULL;
	}
	if (!memchr(s.p, ':', s.len) || ip_parse(s.p, s.len, a) || a->family != 6)
		return v1_not_v6[dst];
	return NULL;
}

/* A port: 0..65535 in decimal, no leading zero ("0" itself is fine). Returns NULL or why not. */
static const char *v1_port(struct str s, int dst, uint16_t *port)
{
	uint32_t v = 0;

	if (!s.len)
		return v1_port_nan[dst];
	for (size_t i = 0; i < s.len; i++) {
		if (s.p[i] < '0' || s.p[i] > '9')
			return v1_port_nan[dst];
	}
	if (s.len > 1 && s.p[0] == '0')
		return v1_port_zero[dst];
	if (s.len > 5)
		return v1_port_big[dst];
	for (size_t i = 0; i < s.len; i++)
		v = v * 10 + (uint32_t)(s.p[i] - '0');
	if (v > 65535)
		return v1_port_big[dst];
	*port = (uint16_t)v;
	return NULL;
}

/*
 * "TCP4 " or "TCP6 " is behind us: exactly four fields, each after one space,
 * then the CRLF (already found). @f is the text from the first field to the CR.
 */
static int v1_fields(struct str f, int family, struct pp_info *out)
{
	struct str field[4];
	size_t n = 0, start = 0;
	const char *why;

	for (size_t i = 0; i <= f.len; i++) {
		if (i < f.len && f.p[i] != ' ')
			continue;
		if (i == start)
			return fail(out, PP_MALFORMED,
				    "v1: empty field (a double space or a space before the CRLF)");
		if (n == 4)
			return fail(out, PP_MALFORMED,
				    "v1: extra field after the destination port");
		field[n++] = (struct str){ f.p + start, i - start };
		start = i + 1;
	}
	if (n < 4)
		return fail(out, PP_MALFORMED, "v1: missing field (TCP4 and TCP6 take 4)");
	why = v1_addr(field[0], family, 0, &out->src);
	if (!why)
		why = v1_addr(field[1], family, 1, &out->dst);
	if (!why)
		why = v1_port(field[2], 0, &out->sport);
	if (!why)
		why = v1_port(field[3], 1, &out->dport);
	if (why)
		return fail(out, PP_MALFORMED, why);
	out->has_addr = true;
	return PP_OK;
}

/* The first CR LF in @b, or NULL. */
static const uint8_t *find_crlf(const uint8_t *b, size_t len)
{
	for (const uint8_t *lf = b; len && (lf = memchr(lf, '\n', len - (size_t)(lf - b))); lf++) {
		if (lf > b && lf[-1] == '\r')
			return lf - 1;
		if ((size_t)(lf - b) + 1 >= len)
			break;
	}
	return NULL;
}

/*
 * "PROXY " is at @b: the line up to its first CR LF (as nginx and the spec
 * end it; a bare LF does not), looked for within XFFW_PP_KEEP bytes as the
 * kernel does. The spec allows 107 bytes: a longer line is delimited, so that
 * what follows it is read, but malformed.
 */
static int parse_v1(const uint8_t *b, size_t len, struct pp_info *out)
{
	size_t scan = len < XFFW_PP_KEEP ? len : XFFW_PP_KEEP;
	const uint8_t *cr = find_crlf(b, scan);
	struct str text;

	out->version = 1;
	if (!cr) {
		if (len >= XFFW_PP_KEEP)
			return fail(out, PP_MALFORMED, "v1: no CRLF within 2048 bytes");
		if (len > XFFW_PP_V1_MAX)
			return fail(out, PP_MALFORMED, "v1: longer than 107 bytes");
		return fail(out, PP_TRUNCATED, "v1: the bytes end before the CRLF");
	}
	out->len = (size_t)(cr - b) + 2;
	text = (struct str){ (const char *)b + V1_SIG_LEN, out->len - V1_SIG_LEN - 2 };
	if (text.len >= 7 && !memcmp(text.p, "UNKNOWN", 7)) {
		out->command = PP_CMD_UNKNOWN;
		if (out->len > XFFW_PP_V1_MAX)
			return fail(out, PP_MALFORMED, "v1: longer than 107 bytes");
		/* Whatever comes before the CRLF is the receiver's to ignore (section 2.1). */
		/* (The signature has a space, CR or LF after "UNKNOWN": any of them is ignored.) */
		return PP_OK;
	}
	if (out->len > XFFW_PP_V1_MAX)
		return fail(out, PP_MALFORMED, "v1: longer than 107 bytes");
	if (memchr(text.p, '\r', text.len))
		return fail(out, PP_MALFORMED, "v1: a CR without LF inside the line");
	if (memchr(text.p, '\n', text.len))
		return fail(out, PP_MALFORMED, "v1: a bare LF inside the line");
	if (text.len < 4 || memcmp(text.p, "TCP", 3) || (text.p[3] != '4' && text.p[3] != '6') ||
	    (text.len > 4 && text.p[4] != ' '))
		return fail(out, PP_MALFORMED, "v1: transport is not TCP4, TCP6 or UNKNOWN");
	out->command = PP_CMD_PROXY;
	/* The v2 byte of the same transport, so that a bad line still names it. */
	out->v2_family = text.p[3] == '4' ? 0x11 : 0x21;
	if (text.len <= 5)
		return fail(out, PP_MALFORMED, "v1: missing field (TCP4 and TCP6 take 4)");
	return v1_fields((struct str){ text.p + 5, text.len - 5 }, text.p[3] == '4' ? 4 : 6, out);
}

/* v2 ---------------------------------------------------------------------------------------- */

static uint16_t be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The address block of a family/transport byte: 0, 12, 36, 216; -1 for a byte the spec does not define. */
static int v2_addr_block(uint8_t fam)
{
	switch (fam) {
	case 0x00:
		return 0;
	case 0x11:
	case 0x12:
		return 12;
	case 0x21:
	case 0x22:
		return 36;
	case 0x31:
	case 0x32:
		return 216;
	default:
		return -1;
	}
}

static const char *v2_short_phrase(uint8_t fam)
{
	switch (fam >> 4) {
	case 1:
		return "v2: length is shorter than the INET addresses (12)";
	case 2:
		return "v2: length is shorter than the INET6 addresses (36)";
	default:
		return "v2: length is shorter than the UNIX addresses (216)";
	}
}

static const char *v2_past_end_phrase(uint8_t type)
{
	switch (type) {
	case PP2_TYPE_ALPN:
		return "v2: TLV 0x01 (ALPN) runs past the end";
	case PP2_TYPE_AUTHORITY:
		return "v2: TLV 0x02 (AUTHORITY) runs past the end";
	case PP2_TYPE_CRC32C:
		return "v2: TLV 0x03 (CRC32C) runs past the end";
	case PP2_TYPE_UNIQUE_ID:
		return "v2: TLV 0x05 (UNIQUE_ID) runs past the end";
	case PP2_TYPE_SSL:
		return "v2: TLV 0x20 (SSL) runs past the end";
	case PP2_TYPE_NETNS:
		return "v2: TLV 0x30 (NETNS) runs past the end";
	default:
		return "v2: a TLV runs past the end";
	}
}

/* Keeps @v as *@view unless one came first (counted then). */
static void keep_view(struct str *view, const uint8_t *v, size_t n, struct pp_info *out)
{
	if (view->p) {
		out->other_tlvs++;
		return;
	}
	*view = (struct str){ (const char *)v, n };
}

/*
 * PP2_TYPE_SSL's value (@n bytes at @v): client, verify, then sub-TLVs that
 * tile the rest. Only the first SSL TLV is kept (@keep); every one is checked.
 * Returns NULL or why not.
 */
static const char *v2_ssl(const uint8_t *v, size_t n, bool keep, struct pp_info *out)
{
	struct str *sub[] = { &out->ssl.version, &out->ssl.cn, &out->ssl.cipher, &out->ssl.sig_alg,
			      &out->ssl.key_alg };

	if (n < PP2_SSL_FIXED)
		return "v2: SSL TLV is shorter than its client and verify fields (5)";
	for (size_t off = PP2_SSL_FIXED; off < n;) {
		size_t vlen;
		uint8_t type = v[off];

		if (n - off < PP2_TLV_HDR)
			return "v2: SSL sub-TLV header runs past the end of the SSL TLV";
		vlen = be16(v + off + 1);
		if (vlen > n - off - PP2_TLV_HDR)
			return "v2: SSL sub-TLV runs past the end of the SSL TLV";
		if (keep && type >= PP2_SUBTYPE_SSL_VERSION && type <= PP2_SUBTYPE_SSL_KEY_ALG)
			keep_view(sub[type - PP2_SUBTYPE_SSL_VERSION], v + off + PP2_TLV_HDR, vlen,
				  out);
		else if (keep)
			out->other_tlvs++;
		off += PP2_TLV_HDR + vlen;
	}
	if (keep) {
		out->ssl.present = true;
		out->ssl.client = v[0];
		out->ssl.verify = be32(v + 1);
	}
	return NULL;
}

/* One TLV's value (@n bytes at @v), whole in the bytes we have. Returns NULL or why not. */
static const char *v2_tlv(uint8_t type, const uint8_t *v, size_t n, struct pp_info *out)
{
	switch (type) {
	case PP2_TYPE_ALPN:
		keep_view(&out->alpn, v, n, out);
		return NULL;
	case PP2_TYPE_AUTHORITY:
		keep_view(&out->authority, v, n, out);
		return NULL;
	case PP2_TYPE_CRC32C:
		return NULL; /* checked once the whole preamble is seen */
	case PP2_TYPE_UNIQUE_ID:
		keep_view(&out->unique_id, v, n, out);
		return NULL;
	case PP2_TYPE_NETNS:
		keep_view(&out->netns, v, n, out);
		return NULL;
	case PP2_TYPE_SSL:
		if (out->ssl.present)
			out->other_tlvs++;
		return v2_ssl(v, n, !out->ssl.present, out);
	default:
		/* NOOP, custom, experimental, unassigned: counted, never kept. */
		out->other_tlvs++;
		return NULL;
	}
}

/* CRC32C of @total bytes with the 4 at @crc_off read as zeros (section 2.2.3). */
static uint32_t v2_crc(const uint8_t *b, size_t total, size_t crc_off)
{
	static const uint8_t zeros[PP2_CRC32C_LEN];
	uint32_t crc = pp_crc32c(0, b, crc_off);

	crc = pp_crc32c(crc, zeros, sizeof(zeros));
	return pp_crc32c(crc, b + crc_off + PP2_CRC32C_LEN, total - crc_off - PP2_CRC32C_LEN);
}

/*
 * The TLVs from @off to @total (the preamble's end), of which only the
 * first @have bytes are there (@have < @total: cut by the kernel's copy).
 */
static int v2_tlvs(const uint8_t *b, size_t off, size_t total, size_t have, struct pp_info *out)
{
	size_t crc_off = 0;
	const char *why;

	while (off < total) {
		size_t vlen;
		uint8_t type;

		if (total - off < PP2_TLV_HDR)
			return fail(out, PP_MALFORMED,
				    "v2: bytes after the last TLV are too few for a TLV header");
		if (have - off < PP2_TLV_HDR)
			break; /* cut: the rest was not copied */
		type = b[off];
		vlen = be16(b + off + 1);
		if (vlen > total - off - PP2_TLV_HDR)
			return fail(out, PP_MALFORMED, v2_past_end_phrase(type));
		if (type == PP2_TYPE_CRC32C) {
			if (vlen != PP2_CRC32C_LEN)
				return fail(out, PP_MALFORMED,
					    "v2: CRC32C TLV is not 4 bytes long");
			if (crc_off)
				return fail(out, PP_MALFORMED, "v2: a second CRC32C TLV");
			crc_off = off + PP2_TLV_HDR;
		}
		if (type == PP2_TYPE_UNIQUE_ID && vlen > PP_UNIQUE_ID_MAX)
			return fail(out, PP_MALFORMED, "v2: UNIQUE_ID is longer than 128 bytes");
		if (vlen > have - off - PP2_TLV_HDR)
			break; /* cut inside its value: dropped, not an error */
		why = v2_tlv(type, b + off + PP2_TLV_HDR, vlen, out);
		if (why)
			return fail(out, PP_MALFORMED, why);
		off += PP2_TLV_HDR + vlen;
	}
	if (!crc_off)
		return PP_OK;
	if (have < total) {
		out->crc = PP_CRC_NOT_CHECKED;
		return PP_OK;
	}
	if (v2_crc(b, total, crc_off) != be32(b + crc_off))
		return fail(out, PP_MALFORMED, "v2: CRC32C mismatch");
	out->crc = PP_CRC_OK;
	return PP_OK;
}

/* The v2 signature is at @b. Each header byte is checked as soon as it is there. */
static int parse_v2(const uint8_t *b, size_t len, bool cut, struct pp_info *out)
{
	size_t total, have;
	int block = 0;

	out->version = 2;
	if (len > 12) {
		if (b[12] >> 4 != 2)
			return fail(out, PP_MALFORMED, "v2: version is not 2");
		if ((b[12] & 0x0f) > 1)
			return fail(out, PP_MALFORMED,
				    "v2: command is neither LOCAL (0) nor PROXY (1)");
		out->command = (b[12] & 0x0f) ? PP_CMD_PROXY : PP_CMD_LOCAL;
	}
	if (len > 13) {
		block = v2_addr_block(b[13]);
		out->v2_family = b[13];
		/* LOCAL: "the protocol block including the family is ignored" (section 2.2). */
		if (block < 0 && out->command != PP_CMD_LOCAL)
			return fail(out, PP_MALFORMED,
				    "v2: family and transport byte is none the spec defines");
	}
	if (len < XFFW_PP_V2_HDR)
		return fail(out, PP_TRUNCATED, "v2: the bytes end inside the 16-byte header");
	total = XFFW_PP_V2_HDR + be16(b + 14);
	out->len = total;
	if (out->command == PP_CMD_LOCAL && (block < 0 || total - XFFW_PP_V2_HDR < (size_t)block)) {
		/* Its block ignored whole: no addresses to skip, no TLVs to find after them. */
		if (len < total && !cut)
			return fail(out, PP_TRUNCATED,
				    "v2: the bytes end before the length field says");
		return PP_OK;
	}
	if (total - XFFW_PP_V2_HDR < (size_t)block)
		return fail(out, PP_MALFORMED, v2_short_phrase(b[13]));
	if (len < total && !cut)
		return fail(out, PP_TRUNCATED, "v2: the bytes end before the length field says");
	/* A cut preamble is read up to the cut; one that fits whole is not cut at all. */
	have = len < total ? len : total;
	/* LOCAL: the addresses are the proxy's own, ignored; UDP and UNIX are not TCP peers. */
	if (out->command == PP_CMD_PROXY && (b[13] == 0x11 || b[13] == 0x21) &&
	    have >= XFFW_PP_V2_HDR + (size_t)block) {
		const uint8_t *a = b + XFFW_PP_V2_HDR;
		int alen = b[13] == 0x11 ? 4 : 16;

		ip_from_bytes(&out->src, alen == 4 ? 4 : 6, a);
		ip_from_bytes(&out->dst, alen == 4 ? 4 : 6, a + alen);
		out->sport = be16(a + 2 * alen);
		out->dport = be16(a + 2 * alen + 2);
		out->has_addr = true;
	}
	if (have < XFFW_PP_V2_HDR + (size_t)block)
		return PP_OK; /* cut inside the addresses */
	return v2_tlvs(b, XFFW_PP_V2_HDR + (size_t)block, total, have, out);
}

/* ------------------------------------------------------------------------------------------- */

int pp_parse(const uint8_t *b, size_t len, bool cut, struct pp_info *out)
{
	memset(out, 0, sizeof(*out));
	switch (pp_signature(b, len)) {
	case 1:
		return parse_v1(b, len, out);
	case 2:
		return parse_v2(b, len, cut, out);
	default:
		if (pp_signature_prefix(b, len))
			return fail(out, PP_TRUNCATED, "the bytes end inside the signature");
		return fail(out, PP_MALFORMED, "no PROXY protocol signature");
	}
}

const char *pp_command_name(unsigned int command)
{
	switch (command) {
	case PP_CMD_PROXY:
		return "PROXY";
	case PP_CMD_LOCAL:
		return "LOCAL";
	case PP_CMD_UNKNOWN:
		return "UNKNOWN";
	default:
		return "?";
	}
}

const char *pp_transport_name(const struct pp_info *pp)
{
	switch (pp->v2_family) {
	case 0x00:
		return pp->version == 2 ? "unspec" : "unknown";
	case 0x11:
		return "tcp4";
	case 0x12:
		return "udp4";
	case 0x21:
		return "tcp6";
	case 0x22:
		return "udp6";
	case 0x31:
		return "unix-stream";
	case 0x32:
		return "unix-dgram";
	default:
		return "unknown";
	}
}

/* CRC32C (Castagnoli, reflected polynomial 0x82f63b78), one table row per byte value. */
static const uint32_t crc32c_table[256] = {
	0x00000000, 0xf26b8303, 0xe13b70f7, 0x1350f3f4, 0xc79a971f, 0x35f1141c, 0x26a1e7e8,
	0xd4ca64eb, 0x8ad958cf, 0x78b2dbcc, 0x6be22838, 0x9989ab3b, 0x4d43cfd0, 0xbf284cd3,
	0xac78bf27, 0x5e133c24, 0x105ec76f, 0xe235446c, 0xf165b798, 0x030e349b, 0xd7c45070,
	0x25afd373, 0x36ff2087, 0xc494a384, 0x9a879fa0, 0x68ec1ca3, 0x7bbcef57, 0x89d76c54,
	0x5d1d08bf, 0xaf768bbc, 0xbc267848, 0x4e4dfb4b, 0x20bd8ede, 0xd2d60ddd, 0xc186fe29,
	0x33ed7d2a, 0xe72719c1, 0x154c9ac2, 0x061c6936, 0xf477ea35, 0xaa64d611, 0x580f5512,
	0x4b5fa6e6, 0xb93425e5, 0x6dfe410e, 0x9f95c20d, 0x8cc531f9, 0x7eaeb2fa, 0x30e349b1,
	0xc288cab2, 0xd1d83946, 0x23b3ba45, 0xf779deae, 0x05125dad, 0x1642ae59, 0xe4292d5a,
	0xba3a117e, 0x4851927d, 0x5b016189, 0xa96ae28a, 0x7da08661, 0x8fcb0562, 0x9c9bf696,
	0x6ef07595, 0x417b1dbc, 0xb3109ebf, 0xa0406d4b, 0x522bee48, 0x86e18aa3, 0x748a09a0,
	0x67dafa54, 0x95b17957, 0xcba24573, 0x39c9c670, 0x2a993584, 0xd8f2b687, 0x0c38d26c,
	0xfe53516f, 0xed03a29b, 0x1f682198, 0x5125dad3, 0xa34e59d0, 0xb01eaa24, 0x42752927,
	0x96bf4dcc, 0x64d4cecf, 0x77843d3b, 0x85efbe38, 0xdbfc821c, 0x2997011f, 0x3ac7f2eb,
	0xc8ac71e8, 0x1c661503, 0xee0d9600, 0xfd5d65f4, 0x0f36e6f7, 0x61c69362, 0x93ad1061,
	0x80fde395, 0x72966096, 0xa65c047d, 0x5437877e, 0x4767748a, 0xb50cf789, 0xeb1fcbad,
	0x197448ae, 0x0a24bb5a, 0xf84f3859, 0x2c855cb2, 0xdeeedfb1, 0xcdbe2c45, 0x3fd5af46,
	0x7198540d, 0x83f3d70e, 0x90a324fa, 0x62c8a7f9, 0xb602c312, 0x44694011, 0x5739b3e5,
	0xa55230e6, 0xfb410cc2, 0x092a8fc1, 0x1a7a7c35, 0xe811ff36, 0x3cdb9bdd, 0xceb018de,
	0xdde0eb2a, 0x2f8b6829, 0x82f63b78, 0x709db87b, 0x63cd4b8f, 0x91a6c88c, 0x456cac67,
	0xb7072f64, 0xa457dc90, 0x563c5f93, 0x082f63b7, 0xfa44e0b4, 0xe9141340, 0x1b7f9043,
	0xcfb5f4a8, 0x3dde77ab, 0x2e8e845f, 0xdce5075c, 0x92a8fc17, 0x60c37f14, 0x73938ce0,
	0x81f80fe3, 0x55326b08, 0xa759e80b, 0xb4091bff, 0x466298fc, 0x1871a4d8, 0xea1a27db,
	0xf94ad42f, 0x0b21572c, 0xdfeb33c7, 0x2d80b0c4, 0x3ed04330, 0xccbbc033, 0xa24bb5a6,
	0x502036a5, 0x4370c551, 0xb11b4652, 0x65d122b9, 0x97baa1ba, 0x84ea524e, 0x7681d14d,
	0x2892ed69, 0xdaf96e6a, 0xc9a99d9e, 0x3bc21e9d, 0xef087a76, 0x1d63f975, 0x0e330a81,
	0xfc588982, 0xb21572c9, 0x407ef1ca, 0x532e023e, 0xa145813d, 0x758fe5d6, 0x87e466d5,
	0x94b49521, 0x66df1622, 0x38cc2a06, 0xcaa7a905, 0xd9f75af1, 0x2b9cd9f2, 0xff56bd19,
	0x0d3d3e1a, 0x1e6dcdee, 0xec064eed, 0xc38d26c4, 0x31e6a5c7, 0x22b65633, 0xd0ddd530,
	0x0417b1db, 0xf67c32d8, 0xe52cc12c, 0x1747422f, 0x49547e0b, 0xbb3ffd08, 0xa86f0efc,
	0x5a048dff, 0x8ecee914, 0x7ca56a17, 0x6ff599e3, 0x9d9e1ae0, 0xd3d3e1ab, 0x21b862a8,
	0x32e8915c, 0xc083125f, 0x144976b4, 0xe622f5b7, 0xf5720643, 0x07198540, 0x590ab964,
	0xab613a67, 0xb831c993, 0x4a5a4a90, 0x9e902e7b, 0x6cfbad78, 0x7fab5e8c, 0x8dc0dd8f,
	0xe330a81a, 0x115b2b19, 0x020bd8ed, 0xf0605bee, 0x24aa3f05, 0xd6c1bc06, 0xc5914ff2,
	0x37faccf1, 0x69e9f0d5, 0x9b8273d6, 0x88d28022, 0x7ab90321, 0xae7367ca, 0x5c18e4c9,
	0x4f48173d, 0xbd23943e, 0xf36e6f75, 0x0105ec76, 0x12551f82, 0xe03e9c81, 0x34f4f86a,
	0xc69f7b69, 0xd5cf889d, 0x27a40b9e, 0x79b737ba, 0x8bdcb4b9, 0x988c474d, 0x6ae7c44e,
	0xbe2da0a5, 0x4c4623a6, 0x5f16d052, 0xad7d5351,
};

uint32_t pp_crc32c(uint32_t crc, const uint8_t *b, size_t len)
{
	crc = ~crc;
	for (size_t i = 0; i < len; i++)
		crc = crc32c_table[(crc ^ b[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}
