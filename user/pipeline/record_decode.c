// SPDX-License-Identifier: BSD-2-Clause
/* Decoding of the kernel's request records (include/xffwatch_abi.h). */
#include <errno.h>
#include <string.h>

#include "pipeline/request.h"

/* The header names come from include/xffwatch_fields.h. */
static const struct {
	const char *wire;
	struct str key;
} field_names[XFFW_F__MAX] = {
	[XFFW_F_REQUEST_LINE] = { "(request line)", STR_LIT("request-line") },
/* clang-format off */
#define FIELD_NAMES(NAME, id, wire, key, ...) [XFFW_F_##NAME] = { wire, STR_LIT(key) },
	XFFW_HEADER_FIELDS(FIELD_NAMES)
#undef FIELD_NAMES
	/* clang-format on */
};

const char *field_wire_name(unsigned int id)
{
	return id > 0 && id < XFFW_F__MAX ? field_names[id].wire : NULL;
}

const char *field_key(unsigned int id)
{
	return field_key_str(id).p;
}

struct str field_key_str(unsigned int id)
{
	return id > 0 && id < XFFW_F__MAX ? field_names[id].key : (struct str){ NULL, 0 };
}

unsigned int field_by_key(const char *key)
{
	for (unsigned int id = XFFW_F_HOST; id < XFFW_F__MAX; id++)
		if (!strcmp(field_names[id].key.p, key))
			return id;
	return 0;
}

struct str str_trim_ows(struct str s)
{
	while (s.len && (s.p[0] == ' ' || s.p[0] == '\t')) {
		s.p++;
		s.len--;
	}
	while (s.len && (s.p[s.len - 1] == ' ' || s.p[s.len - 1] == '\t'))
		s.len--;
	return s;
}

/* "METHOD SP target SP HTTP/x.y"; a cut line keeps what it has. */
static int split_request_line(struct http_request *req, struct str line, bool cut)
{
	const char *sp1 = memchr(line.p, ' ', line.len);
	const char *end = line.p + line.len;
	const char *sp2 = NULL;

	if (!sp1 || sp1 == line.p)
		return -EBADMSG;
	req->method = (struct str){ line.p, (size_t)(sp1 - line.p) };
	for (const char *q = end; q > sp1 + 1; q--) {
		if (q[-1] == ' ') {
			sp2 = q - 1;
			break;
		}
	}
	if (sp2 && (size_t)(end - sp2) == 9 && !memcmp(sp2 + 1, "HTTP/", 5)) {
		req->target = (struct str){ sp1 + 1, (size_t)(sp2 - sp1 - 1) };
		req->version = (struct str){ sp2 + 6, 3 };
		return 0;
	}
	/* A cut line: its target must at least start like one (as the kernel checks). */
	if (!cut || sp1 + 1 == end ||
	    !(sp1[1] == '/' || sp1[1] == '*' || sp1[1] == 'h' || sp1[1] == 'H' ||
	      (req->method.len == 7 && !memcmp(req->method.p, "CONNECT", 7))))
		return -EBADMSG;
	req->target = (struct str){ sp1 + 1, (size_t)(end - sp1 - 1) };
	req->version = (struct str){ NULL, 0 };
	req->line_truncated = true;
	return 0;
}

int record_check(const void *data, size_t size)
{
	const struct xffw_record_hdr *h = data;

	if (size < sizeof(*h) || h->abi_version != XFFW_ABI_VERSION)
		return -EBADMSG;
	if (h->type < XFFW_REC_REQUEST || h->type > XFFW_REC_PROXY)
		return -EBADMSG;
	if (h->data_len > size - sizeof(*h) || h->data_len > XFFW_DATA_MAX)
		return -EBADMSG;
	if (h->type == XFFW_REC_PROXY && h->data_len > XFFW_PP_KEEP)
		return -EBADMSG;
	if (h->type != XFFW_REC_REQUEST && h->type != XFFW_REC_PROXY && h->data_len)
		return -EBADMSG;
	if (h->family != XFFW_FAMILY_IPV4 && h->family != XFFW_FAMILY_IPV6)
		return -EBADMSG;
	return h->type;
}

void request_from_hdr(struct http_request *req, const struct xffw_record_hdr *h)
{
	memset(req, 0, offsetof(struct http_request, fields));
	/* (count[] and first[] are zeroed with the rest of the head of the struct.) */
	req->ts_ns = h->ts_ns;
	req->flow_id = h->flow_id;
	req->msg = h->msg;
	req->ifindex = h->ifindex;
	req->seq = h->seq;
	req->rec_flags = h->flags;
	ip_from_bytes(&req->saddr, h->family, h->saddr);
	ip_from_bytes(&req->daddr, h->family, h->daddr);
	req->sport = h->sport;
	req->dport = h->dport;
	req->conn_id = h->conn_id;
	/* (The tracker tells LOST from the others once it has looked the connection up.) */
	req->pp_state = !(h->flags & XFFW_REC_F_PP_SEEN)   ? REQ_PP_UNKNOWN
			: !(h->flags & XFFW_REC_F_PROXIED) ? REQ_PP_NONE
							   : REQ_PP_LOST;
	for (size_t i = 0; i < 2; i++) {
		req->sock[i] = h->sock[i];
		/* Only our program writes records; still, an unknown state is not trusted. */
		if (req->sock[i].seen > XFFW_SOCK_NONE)
			req->sock[i].seen = XFFW_SOCK_UNSEEN;
	}
}

int field_next(const uint8_t **p, const uint8_t *end, struct xffw_field_hdr *fh,
	       const uint8_t **value)
{
	if ((size_t)(end - *p) < sizeof(*fh))
		return -EBADMSG;
	memcpy(fh, *p, sizeof(*fh));
	if (fh->len > (size_t)(end - *p) - sizeof(*fh) || fh->id == 0 || fh->id >= XFFW_F__MAX)
		return -EBADMSG;
	*value = *p + sizeof(*fh);
	*p = *value + fh->len;
	return 0;
}

int fields_decode(const uint8_t *p, size_t len, struct http_request *req, bool line_optional)
{
	const uint8_t *end = len ? p + len : p;
	bool have_line = false;

	req->nfields = 0;
	memset(req->count, 0, sizeof(req->count));
	while (len && p < end) {
		struct xffw_field_hdr fh;
		struct str value;
		const uint8_t *v;

		if (field_next(&p, end, &fh, &v))
			return -EBADMSG;
		value = (struct str){ (const char *)v, fh.len };

		if (fh.id == XFFW_F_REQUEST_LINE) {
			/* (A lost part may have held the line's end.) */
			bool cut = fh.flags & (XFFW_FIELD_F_TRUNC_TAIL | XFFW_FIELD_F_CONT) ||
				   !(req->rec_flags & XFFW_REC_F_HEAD_END) ||
				   (req->flags & REQ_F_PARTS_LOST);

			if (have_line || split_request_line(req, value, cut))
				return -EBADMSG;
			have_line = true;
			continue;
		}
		if (req->nfields == REQ_MAX_FIELDS) {
			req->flags |= REQ_F_TOO_MANY_FIELDS;
			continue;
		}
		if (!req->count[fh.id]++)
			req->first[fh.id] = (uint16_t)req->nfields;
		req->fields[req->nfields++] = (struct req_field){ fh.id, fh.flags, value };
	}
	return have_line || line_optional ? 0 : -EBADMSG;
}

int record_decode(const void *data, size_t size, struct http_request *req)
{
	const struct xffw_record_hdr *h = data;

	if (record_check(data, size) != XFFW_REC_REQUEST)
		return -EBADMSG;
	request_from_hdr(req, h);
	return fields_decode((const uint8_t *)data + sizeof(*h), h->data_len, req, false);
}

bool req_field_truncated(const struct http_request *req, unsigned int id)
{
	for (size_t i = 0; i < req->nfields; i++)
		if (req->fields[i].id == id && req->fields[i].flags)
			return true;
	return false;
}

bool req_head_incomplete(const struct http_request *req)
{
	/*
	 * An obsolete folded line was skipped: it may have continued a forwarding
	 * header (RFC 9112 §5.2 has proxies unfold or refuse them; not all do).
	 */
	return !(req->rec_flags & XFFW_REC_F_HEAD_END) ||
	       (req->rec_flags & (XFFW_REC_F_BUDGET | XFFW_REC_F_OBS_FOLD)) ||
	       (req->flags & (REQ_F_TOO_MANY_FIELDS | REQ_F_PARTS_LOST | REQ_F_CAPPED));
}
