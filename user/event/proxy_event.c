// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>

#include "event/proxy_event.h"
#include "pipeline/proxy_preamble.h"
#include "util/escape.h"

static const char *const state_names[] = {
	[REQ_PP_OK] = "ok",
	[REQ_PP_MALFORMED] = "malformed",
	[REQ_PP_TRUNCATED] = "truncated",
	[REQ_PP_LOST] = "lost",
};

/* A text from a TLV, when there is one: the sender's bytes, escaped and cut. */
static void tlv_text(struct jsonw *j, const char *key, struct str s)
{
	if (!s.p)
		return;
	jsonw_string(j, key, s.p, s.len > PP_EVENT_TEXT_MAX ? PP_EVENT_TEXT_MAX : s.len);
}

/* The unique id as lowercase hex: its bytes are binary by the spec's word. */
static void unique_id(struct jsonw *j, struct str s)
{
	char hex[2 * PP_UNIQUE_ID_MAX];
	size_t n = s.len > PP_UNIQUE_ID_MAX ? PP_UNIQUE_ID_MAX : s.len;

	if (!s.p)
		return;
	hex_lower(hex, s.p, n);
	jsonw_string(j, "unique_id", hex, 2 * n);
}

/* A name the parser gives (static text), when it gives one. */
static void name(struct jsonw *j, const char *key, const char *v)
{
	if (v)
		jsonw_cstring(j, key, v);
}

static void address(struct jsonw *j, const char *key, const struct ip_addr *a, uint16_t port,
		    const struct pseudo *pseudo)
{
	char text[PSEUDO_TEXT_MAX];
	size_t n = pseudo_addr(pseudo, a, text);

	jsonw_object_begin(j, key);
	jsonw_string(j, "ip", text, n);
	jsonw_uint(j, "port", port);
	jsonw_object_end(j);
}

/* @hide: pseudonymised events leave out the CN, often a person's name (docs/privacy.md). */
static void ssl(struct jsonw *j, const struct pp_ssl *s, bool hide)
{
	jsonw_object_begin(j, "ssl");
	jsonw_uint(j, "client", s->client);
	jsonw_uint(j, "verify", s->verify);
	tlv_text(j, "version", s->version);
	if (!hide)
		tlv_text(j, "cn", s->cn);
	tlv_text(j, "cipher", s->cipher);
	tlv_text(j, "sig_alg", s->sig_alg);
	tlv_text(j, "key_alg", s->key_alg);
	jsonw_object_end(j);
}

void audit_proxy_protocol(struct jsonw *j, const struct http_request *req,
			  const struct pseudo *pseudo, bool shorten)
{
	const struct pp_info *pp = req->pp;
	/* Pseudonyms hide the client: so must what carries its address or name. */
	bool hide = pseudo && pseudo->mode != PSEUDO_NONE;

	if (req->pp_state < REQ_PP_OK || req->pp_state > REQ_PP_LOST)
		return;
	jsonw_object_begin(j, "proxy_protocol");
	jsonw_cstring(j, "state", state_names[req->pp_state]);
	/* (lost: the preamble was never held; a malformed one says what was read of it.) */
	if (req->pp_state == REQ_PP_LOST || !pp) {
		jsonw_object_end(j);
		return;
	}
	if (pp->version)
		jsonw_uint(j, "version", pp->version);
	name(j, "command", pp->command ? pp_command_name(pp->command) : NULL);
	if (!shorten)
		name(j, "transport", pp->command ? pp_transport_name(pp) : NULL);
	if (pp->has_addr) {
		/* The preamble's source is a client's address; its destination is ours. */
		address(j, "source", &pp->src, pp->sport, pseudo);
		if (!shorten)
			address(j, "destination", &pp->dst, pp->dport, NULL);
	}
	if (shorten) {
		jsonw_object_end(j);
		return;
	}
	tlv_text(j, "alpn", pp->alpn);
	tlv_text(j, "authority", pp->authority);
	/* (HAProxy's documented unique-id-format holds the client's address and port.) */
	if (!hide)
		unique_id(j, pp->unique_id);
	tlv_text(j, "netns", pp->netns);
	if (pp->ssl.present)
		ssl(j, &pp->ssl, hide);
	if (pp->crc == PP_CRC_OK)
		jsonw_cstring(j, "crc32c", "ok");
	else if (pp->crc == PP_CRC_NOT_CHECKED)
		jsonw_cstring(j, "crc32c", "not-checked");
	if (pp->other_tlvs)
		jsonw_uint(j, "other_tlvs", pp->other_tlvs);
	if (req->pp_state != REQ_PP_OK && pp->error)
		tlv_text(j, "error", (struct str){ pp->error, strlen(pp->error) });
	jsonw_object_end(j);
}
