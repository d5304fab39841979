// SPDX-License-Identifier: BSD-2-Clause
/* Mirrors bpf/xffwatch.bpf.c rule for rule; keep the two in step. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "head_extract.h"

#define MIN_REQUEST_LINE 14

static const struct {
	const char *name; /* with the colon */
	uint8_t id;
} wanted[] = {
	{ "host:", XFFW_F_HOST },
	{ "via:", XFFW_F_VIA },
	{ "user-agent:", XFFW_F_USER_AGENT },
	{ "forwarded:", XFFW_F_FORWARDED },
	{ "true-client-ip:", XFFW_F_TRUE_CLIENT_IP },
	{ "cf-connecting-ip:", XFFW_F_CF_CONNECTING_IP },
	{ "x-real-ip:", XFFW_F_X_REAL_IP },
	{ "x-forwarded-for:", XFFW_F_X_FORWARDED_FOR },
	{ "x-forwarded-host:", XFFW_F_X_FORWARDED_HOST },
	{ "x-forwarded-port:", XFFW_F_X_FORWARDED_PORT },
	{ "x-forwarded-proto:", XFFW_F_X_FORWARDED_PROTO },
};

struct extract {
	const uint8_t *buf;
	struct xffw_record *rec;
	uint32_t data_len;
	uint16_t rec_flags;
};

const char *head_status_str(enum head_status status)
{
	switch (status) {
	case HEAD_OK:
		return "ok";
	case HEAD_NOT_METHOD:
		return "does not start with a method token followed by a space";
	case HEAD_NOT_HTTP1_LINE:
		return "request line does not end in \" HTTP/1.x\"";
	}
	return "unknown";
}

/* Mirrors method_space() in the kernel: the index of the SP after the method, or 0. */
static size_t method_space(const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < 16 && i < len; i++) {
		uint8_t c = b[i];

		if (c == ' ')
			return i >= 3 ? i : 0;
		if (!((c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
			return 0;
	}
	return 0;
}

/* Mirrors plausible_target() in the kernel: what may follow "METHOD " on a cut line. */
static bool plausible_target(const uint8_t *b, size_t sp, size_t len)
{
	if (sp + 1 >= len)
		return false; /* nothing after the method */
	if (sp == 7 && !memcmp(b, "CONNECT", 7))
		return true;
	return b[sp + 1] == '/' || b[sp + 1] == '*' || b[sp + 1] == 'h' || b[sp + 1] == 'H';
}

static bool is_chain_field(unsigned int id)
{
	return id == XFFW_F_X_FORWARDED_FOR || id == XFFW_F_FORWARDED || id == XFFW_F_VIA ||
	       id == XFFW_F_X_REAL_IP || id == XFFW_F_CF_CONNECTING_IP ||
	       id == XFFW_F_TRUE_CLIENT_IP;
}

static void emit_field(struct extract *x, unsigned int id, size_t from, size_t to)
{
	size_t off = x->data_len, len = to > from ? to - from : 0, room;
	struct xffw_field_hdr fh = { .id = (uint8_t)id };

	if (len > XFFW_VALUE_MAX) {
		if (is_chain_field(id)) {
			from = to - XFFW_VALUE_MAX;
			fh.flags |= XFFW_FIELD_F_TRUNC_HEAD;
		} else {
			fh.flags |= XFFW_FIELD_F_TRUNC_TAIL;
		}
		len = XFFW_VALUE_MAX;
	}
	if (off + sizeof(fh) >= XFFW_DATA_MAX) {
		x->rec_flags |= XFFW_REC_F_DATA_FULL;
		return;
	}
	room = XFFW_DATA_MAX - off - sizeof(fh);
	if (len > room) {
		if (is_chain_field(id)) {
			from += len - room;
			fh.flags |= XFFW_FIELD_F_TRUNC_HEAD;
		} else {
			fh.flags |= XFFW_FIELD_F_TRUNC_TAIL;
		}
		len = room;
	}
	fh.len = (uint16_t)len;
	memcpy(x->rec->data + off, &fh, sizeof(fh));
	memcpy(x->rec->data + off + sizeof(fh), x->buf + from, len);
	x->data_len = (uint32_t)(off + sizeof(fh) + len);
}

/* "METHOD SP target SP HTTP/1.x": the method's space must not be the version's. */
static bool is_request_line(const uint8_t *buf, size_t from, size_t to)
{
	const uint8_t *sp;

	if (to - from < MIN_REQUEST_LINE)
		return false;
	sp = memchr(buf + from, ' ', to - from);
	return !memcmp(buf + to - 9, " HTTP/1.", 8) && buf[to - 1] >= '0' && buf[to - 1] <= '9' &&
	       sp && sp + 1 < buf + to - 9;
}

static unsigned int match_header(const uint8_t *line, size_t len, size_t *name_len)
{
	for (size_t i = 0; i < sizeof(wanted) / sizeof(wanted[0]); i++) {
		size_t n = strlen(wanted[i].name);

		if (len >= n && !strncasecmp((const char *)line, wanted[i].name, n)) {
			*name_len = n;
			return wanted[i].id;
		}
	}
	return 0;
}

enum head_status head_extract(const uint8_t *payload, size_t len, uint32_t field_mask,
			      struct xffw_record *rec)
{
	size_t n = len < XFFW_SCAN_MAX ? len : XFFW_SCAN_MAX;
	struct extract x = { .buf = payload, .rec = rec };
	size_t line_start = 0, head_end = 0, nlines = 0, sp;
	size_t ends[XFFW_MAX_LINES] = { 0 };

	if (len < 4 || !(sp = method_space(payload, len < 16 ? len : 16)))
		return HEAD_NOT_METHOD;

	for (size_t pos = 0; pos < n; pos++) {
		if (payload[pos] != '\n')
			continue;
		if (pos == line_start || (pos == line_start + 1 && payload[pos - 1] == '\r')) {
			head_end = pos + 1;
			break;
		}
		if (nlines >= XFFW_MAX_LINES) {
			x.rec_flags |= XFFW_REC_F_LINES_LIMIT;
			break;
		}
		ends[nlines++] = pos;
		line_start = pos + 1;
	}
	if (!head_end) {
		x.rec_flags |= XFFW_REC_F_HEAD_INCOMPLETE;
		if (len > XFFW_SCAN_MAX)
			x.rec_flags |= XFFW_REC_F_SCAN_LIMIT;
	}

	for (size_t i = 0; i < nlines; i++) {
		size_t from = i ? ends[i - 1] + 1 : 0, to = ends[i], name_len = 0;
		unsigned int id;

		if (to > from && payload[to - 1] == '\r')
			to--;
		if (i == 0) {
			if (!is_request_line(payload, from, to))
				return HEAD_NOT_HTTP1_LINE;
			emit_field(&x, XFFW_F_REQUEST_LINE, from, to);
			continue;
		}
		if (payload[from] == ' ' || payload[from] == '\t') {
			x.rec_flags |= XFFW_REC_F_OBS_FOLD;
			continue;
		}
		id = match_header(payload + from, to - from, &name_len);
		if (id && (field_mask & (1U << id)))
			emit_field(&x, id, from + name_len, to);
	}
	if (!nlines) {
		if (!plausible_target(payload, sp, n))
			return HEAD_NOT_HTTP1_LINE;
		emit_field(&x, XFFW_F_REQUEST_LINE, 0, n);
	}

	rec->hdr.abi_version = XFFW_ABI_VERSION;
	rec->hdr.type = XFFW_REC_REQUEST;
	rec->hdr.flags = x.rec_flags;
	rec->hdr.data_len = (uint16_t)x.data_len;
	rec->hdr.payload_len = (uint32_t)len;
	rec->hdr.head_len = (uint16_t)(head_end ? head_end : n);
	return HEAD_OK;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_tchar(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c) != NULL);
}

int head_validate(char *buf, size_t *len, size_t cap, char *err, size_t errlen)
{
	size_t pos = 0;
	int line = 0;

	if (*len == 0)
		return fail(err, errlen, "no input: expected a request line on standard input");
	while (pos < *len) {
		char *nl = memchr(buf + pos, '\n', *len - pos);
		size_t end = nl ? (size_t)(nl - buf) : *len, eol = end;

		line++;
		if (eol > pos && buf[eol - 1] == '\r')
			eol--;
		if (eol == pos) {
			if (line == 1)
				return fail(err, errlen, "line 1: empty; expected a request line");
			if (!nl) /* a lone '\r' at the very end: end the line it starts */
				break;
			*len = end + 1; /* the blank line ends the head */
			return 0;
		}
		if (memchr(buf + pos, '\0', eol - pos))
			return fail(err, errlen, "line %d: contains a NUL byte", line);
		if (line == 1) {
			char *sp1 = memchr(buf + pos, ' ', eol - pos);
			size_t n = eol - pos;

			if (!sp1 || sp1 == buf + pos)
				return fail(err, errlen,
					    "line 1: expected \"METHOD TARGET HTTP/1.x\"");
			/* What the kernel takes for a method (starts_like_request): no more, no less. */
			if (sp1 - (buf + pos) < 3 || sp1 - (buf + pos) > 15)
				return fail(err, errlen,
					    "line 1: the method must be 3 to 15 characters long");
			for (char *m = buf + pos; m < sp1; m++)
				if (!((*m >= 'A' && *m <= 'Z') || *m == '-' || *m == '_'))
					return fail(err, errlen,
						    "line 1: the method must be capital letters, "
						    "'-' or '_'");
			if (n < 9 || memcmp(buf + eol - 9, " HTTP/1.", 8) || buf[eol - 1] < '0' ||
			    buf[eol - 1] > '9' || buf + eol - 9 <= sp1 + 1)
				return fail(err, errlen,
					    "line 1: expected \"METHOD TARGET HTTP/1.x\"");
		} else {
			char *colon = memchr(buf + pos, ':', eol - pos);

			if (buf[pos] == ' ' || buf[pos] == '\t')
				return fail(err, errlen,
					    "line %d: starts with white space (obsolete line "
					    "folding is not accepted)",
					    line);
			if (!colon || colon == buf + pos)
				return fail(err, errlen,
					    "line %d: not a header line (\"Name: value\")", line);
			for (char *c = buf + pos; c < colon; c++)
				if (!is_tchar((unsigned char)*c))
					return fail(err, errlen,
						    "line %d: the header name has a "
						    "character that is not allowed",
						    line);
		}
		if (!nl)
			break;
		pos = end + 1;
	}
	/* The input ended without a blank line: the head ends there. */
	if (*len + 2 > cap)
		return fail(err, errlen, "the head is longer than %zu bytes", cap - 2);
	if (buf[*len - 1] != '\n')
		buf[(*len)++] = '\n';
	buf[(*len)++] = '\n';
	return 0;
}
