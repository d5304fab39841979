// SPDX-License-Identifier: BSD-2-Clause
/* Mirrors the TC program (bpf/http_head.bpf.h, records.bpf.h) rule for rule: keep in step. */
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "pipeline/extract_twin.h"
#include "pipeline/request.h"

static const struct {
	const char *name; /* with the colon */
	uint8_t id;
} wanted[] = {
#define WANTED(NAME, id, wire, key, ...) { key ":", XFFW_F_##NAME },
	XFFW_HEADER_FIELDS(WANTED)
#undef WANTED
};

struct extract {
	const uint8_t *buf; /* the current window */
	uint32_t field_mask, budget;
	head_record_fn emit;
	void *ctx;
	struct xffw_record rec;
	uint32_t data_len;
	uint16_t hflags; /* XFFW_HF_* the twin needs */
	uint16_t part;
	uint8_t cont;
	bool line_done, bad;
	size_t head_bytes, carried;
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
	case HEAD_TOO_LONG:
		return "the head is longer than the kernel follows";
	}
	return "unknown";
}

/* Mirrors method_space() in the kernel: the index of the SP after the method, or 0. */
static size_t method_space(const uint8_t *b, size_t len)
{
	for (size_t i = 0; i < XFFW_METHOD_SCAN && i < len; i++) {
		uint8_t c = b[i];

		if (c == ' ')
			return i >= 3 ? i : 0;
		if (!((c >= 'A' && c <= 'Z') || c == '-' || c == '_'))
			return 0;
	}
	return 0;
}

/* Mirrors request_prefix_ok(): nothing in the first bytes says "not a request". */
static bool request_prefix_ok(const uint8_t *b, size_t n)
{
	for (size_t i = 0; i < XFFW_METHOD_SCAN; i++) {
		if (i >= n)
			return true;
		if (b[i] == ' ')
			return i >= 3;
		if (!((b[i] >= 'A' && b[i] <= 'Z') || b[i] == '-' || b[i] == '_'))
			return false;
	}
	return false;
}

/* Mirrors request_start_ok(): "METHOD SP" and a plausible target start. */
static bool request_start_ok(const uint8_t *b, size_t n)
{
	size_t sp = method_space(b, n < XFFW_METHOD_SCAN ? n : XFFW_METHOD_SCAN);

	if (!sp || sp + 1 >= n)
		return false;
	if (sp == 7 && !memcmp(b, "CONNECT", 7))
		return true;
	return b[sp + 1] == '/' || b[sp + 1] == '*' || b[sp + 1] == 'h' || b[sp + 1] == 'H';
}

/* "METHOD SP target SP HTTP/1.x": the method's space must not be the version's. */
static bool is_request_line(const uint8_t *buf, size_t to)
{
	const uint8_t *sp;

	if (to < XFFW_MIN_REQUEST_LINE ||
	    !method_space(buf, to < XFFW_METHOD_SCAN ? to : XFFW_METHOD_SCAN))
		return false;
	sp = memchr(buf, ' ', to);
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

static uint16_t rec_flags_of(uint16_t hflags)
{
	return (uint16_t)((hflags & XFFW_HF_BUDGET ? XFFW_REC_F_BUDGET : 0) |
			  (hflags & XFFW_HF_OBS_FOLD ? XFFW_REC_F_OBS_FOLD : 0));
}

static void emit_part(struct extract *x, uint16_t flags)
{
	x->rec.hdr.abi_version = XFFW_ABI_VERSION;
	x->rec.hdr.type = XFFW_REC_REQUEST;
	/* A connection's first segment: its start was seen, and it held no PROXY preamble. */
	x->rec.hdr.flags = (uint16_t)(flags | rec_flags_of(x->hflags) | XFFW_REC_F_PP_SEEN);
	x->rec.hdr.data_len = (uint16_t)x->data_len;
	x->rec.hdr.msg = 0;
	x->rec.hdr.part = x->part++;
	x->emit(x->ctx, &x->rec, sizeof(x->rec.hdr) + x->data_len);
	x->data_len = 0;
}

static void emit_chunk(struct extract *x, unsigned int id, size_t from, size_t to, uint8_t flags)
{
	size_t len = to - from;
	struct xffw_field_hdr fh;

	if (x->data_len + sizeof(fh) + len > XFFW_DATA_MAX)
		emit_part(x, 0);
	fh = (struct xffw_field_hdr){ .id = (uint8_t)id, .flags = flags, .len = (uint16_t)len };
	memcpy(x->rec.data + x->data_len, &fh, sizeof(fh));
	memcpy(x->rec.data + x->data_len + sizeof(fh), x->buf + from, len);
	x->data_len += (uint32_t)(sizeof(fh) + len);
}

/* Mirrors emit_piece(): chains and single-IP headers go whole, in joined chunks. */
static void emit_piece(struct extract *x, unsigned int id, size_t from, size_t to, uint8_t flags)
{
	if (to - from > XFFW_VALUE_MAX && !field_keeps_tail(id)) {
		emit_chunk(x, id, from, from + XFFW_VALUE_MAX, flags | XFFW_FIELD_F_TRUNC_TAIL);
		return;
	}
	for (int i = 0;; i++) {
		size_t end = to - from > XFFW_VALUE_MAX ? from + XFFW_VALUE_MAX : to;

		emit_chunk(x, id, from, end,
			   (uint8_t)(flags | (i ? XFFW_FIELD_F_CONTINUED : 0) |
				     (end < to ? XFFW_FIELD_F_CONT : 0)));
		if (end == to)
			break;
		from = end;
	}
}

/* Mirrors first_line(). */
static void first_line(struct extract *x, size_t to, bool cut)
{
	x->line_done = true;
	if (cut ? !request_start_ok(x->buf, XFFW_METHOD_SCAN) : !is_request_line(x->buf, to)) {
		x->bad = true;
		return;
	}
	emit_piece(x, XFFW_F_REQUEST_LINE, 0, to, cut ? XFFW_FIELD_F_CONT : 0);
	if (cut)
		x->cont = XFFW_F_REQUEST_LINE;
}

/* Mirrors header_line(): framing headers are not copied, so only the wanted ones matter. */
static void header_line(struct extract *x, size_t from, size_t to, bool cut)
{
	size_t name_len = 0;
	unsigned int id;

	if (cut)
		x->cont = XFFW_CONT_SKIP;
	if (x->buf[from] == ' ' || x->buf[from] == '\t') {
		x->hflags |= XFFW_HF_OBS_FOLD;
		return;
	}
	id = match_header(x->buf + from, to - from, &name_len);
	if (!id || !(x->field_mask & (1U << id)))
		return;
	if (x->head_bytes + (to - x->carried) > x->budget) {
		x->hflags |= XFFW_HF_BUDGET;
		return;
	}
	emit_piece(x, id, from + name_len, to, cut ? XFFW_FIELD_F_CONT : 0);
	if (cut)
		x->cont = (uint8_t)id;
}

/* Mirrors xffw_line(). */
static void one_line(struct extract *x, size_t from, size_t to, bool cut)
{
	if (to > from && x->buf[to - 1] == '\r')
		to--;
	if (from == 0 && x->cont) {
		unsigned int id = x->cont;

		if (!cut)
			x->cont = XFFW_CONT_NONE;
		if (id >= XFFW_F__MAX || to <= from)
			return;
		if (x->head_bytes + (to - x->carried) > x->budget) {
			/* A value that runs past the budget is cut there like any other. */
			x->hflags |= XFFW_HF_BUDGET;
			if (cut)
				x->cont = XFFW_CONT_SKIP;
			return;
		}
		emit_piece(x, id, from, to, XFFW_FIELD_F_CONTINUED | (cut ? XFFW_FIELD_F_CONT : 0));
		return;
	}
	if (!x->line_done) {
		if (from == 0)
			first_line(x, to, cut);
		return;
	}
	header_line(x, from, to, cut);
}

enum head_status head_extract(const uint8_t *payload, size_t len, uint32_t field_mask,
			      uint32_t budget, head_record_fn emit, void *ctx)
{
	struct extract *x = calloc(1, sizeof(*x));
	enum head_status status = HEAD_OK;
	size_t pos = 0;

	if (!x)
		return HEAD_TOO_LONG;
	x->field_mask = field_mask;
	x->budget = budget;
	x->emit = emit;
	x->ctx = ctx;
	/* step_idle(): empty lines before a message are passed over. */
	while (pos < len && (payload[pos] == '\r' || payload[pos] == '\n'))
		pos++;
	while (pos < len) {
		size_t take = len - pos < XFFW_SCAN_MAX ? len - pos : XFFW_SCAN_MAX;
		size_t nlines = 0, head_end = 0, last, used;
		size_t line_start = x->cont ? SIZE_MAX : 0;
		bool seg_end = pos + take == len;

		x->buf = payload + pos;
		if (!x->line_done && !x->cont && !request_prefix_ok(x->buf, take)) {
			status = HEAD_NOT_METHOD;
			goto out;
		}
		/* Each line as its end is found, up to the blank line (xffw_newlines()). */
		for (size_t i = 0; i < take; i++) {
			if (x->buf[i] != '\n')
				continue;
			if (i == line_start || (line_start != SIZE_MAX && i == line_start + 1 &&
						x->buf[i - 1] == '\r')) {
				head_end = i + 1;
				break;
			}
			one_line(x, line_start == SIZE_MAX ? 0 : line_start, i, false);
			if (x->bad)
				break;
			nlines++;
			line_start = i + 1;
		}
		if (x->bad) {
			status = HEAD_NOT_HTTP1_LINE;
			goto out;
		}
		if (head_end) {
			x->head_bytes += head_end;
			emit_part(x, XFFW_REC_F_HEAD_END);
			goto out;
		}
		last = nlines ? line_start : 0;
		if (nlines && !seg_end) {
			used = last;
		} else if (seg_end && take - last <= XFFW_CARRY_MAX && (nlines || !x->cont)) {
			used = take; /* the kernel carries it to the next segment */
		} else {
			one_line(x, last, take, true);
			if (x->bad) {
				status = HEAD_NOT_HTTP1_LINE;
				goto out;
			}
			used = take;
		}
		pos += used;
		x->head_bytes += used;
		if (x->head_bytes > XFFW_HEAD_HARD_MAX) {
			status = HEAD_TOO_LONG;
			goto out;
		}
	}
	if (x->data_len)
		emit_part(x, 0);
out:
	free(x);
	return status;
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
