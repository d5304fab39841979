/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the fuzz targets: a few fixed rules, and the whole path from a record to an event. */
#ifndef XFFW_FUZZ_COMMON_H
#define XFFW_FUZZ_COMMON_H

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "event/audit_event.h"
#include "event/pseudonym.h"
#include "trust/rules.h"

static struct trust_rule fuzz_rules[4];
static struct ip_cidr fuzz_cidrs[3];

static void fuzz_init_rules(void)
{
	static int done;

	if (done)
		return;
	done = 1;
	ip_cidr_parse("127.0.0.0/8", 11, &fuzz_cidrs[0], NULL);
	ip_cidr_parse("10.0.0.0/8", 10, &fuzz_cidrs[1], NULL);
	ip_cidr_parse("fc00::/7", 8, &fuzz_cidrs[2], NULL);
	/* nginx recursive over every header; rightmost; ProxyFix x_for=2; external proxies. */
	fuzz_rules[0] = (struct trust_rule){ .trusted = fuzz_cidrs,
					     .ntrusted = 3,
					     .headers = { XFFW_F_X_FORWARDED_FOR, XFFW_F_FORWARDED,
							  XFFW_F_X_REAL_IP, XFFW_F_CF_CONNECTING_IP,
							  XFFW_F_TRUE_CLIENT_IP },
					     .nheaders = 5,
					     .recursive = true,
					     .hops = -1 };
	fuzz_rules[1] = (struct trust_rule){ .trusted = fuzz_cidrs,
					     .ntrusted = 3,
					     .headers = { XFFW_F_FORWARDED },
					     .nheaders = 1,
					     .recursive = false,
					     .hops = -1 };
	fuzz_rules[2] = (struct trust_rule){ .headers = { XFFW_F_X_FORWARDED_FOR },
					     .nheaders = 1,
					     .hops = 2 };
	fuzz_rules[3] =
		(struct trust_rule){ .external = fuzz_cidrs,
				     .nexternal = 3,
				     .headers = { XFFW_F_X_REAL_IP, XFFW_F_X_FORWARDED_FOR },
				     .nheaders = 2,
				     .recursive = true,
				     .hops = -1 };
}

/* Resolves @req under every rule and checks that each event is one valid JSON line. */
static inline void fuzz_resolve_all(const struct http_request *req)
{
	static struct resolution res;
	static struct trust_trace trace;
	/* Rules 2 and 3 write pseudonymised events: truncated, and HMAC tokens. */
	static const struct pseudo truncate = { .mode = PSEUDO_TRUNCATE };
	static struct pseudo hmac = { .mode = PSEUDO_HMAC,
				      .key = "fuzz-key-0123456789",
				      .keylen = 19,
				      .key_id = "00000000" };
	struct audit_meta meta = { .when = { 1795779600, 0 }, .ifname = "lo" };
	struct jsonw j;

	fuzz_init_rules();
	jsonw_init(&j);
	for (size_t i = 0; i < sizeof(fuzz_rules) / sizeof(fuzz_rules[0]); i++) {
		json_error_t err;
		json_t *doc;

		if (i == 0)
			memset(&trace, 0, sizeof(trace));
		trust_resolve(&fuzz_rules[i], req, NULL, &res, i == 0 ? &trace : NULL);
		meta.pseudo = i == 2 ? &truncate : i == 3 ? &hmac : NULL;
		meta.keep_query = i == 1;
		meta.hide_user_agent = i == 3;
		jsonw_reset(&j);
		audit_format(&j, req, &res, &meta);
		if (j.failed)
			abort();
		/* One line: the only newline is the last byte. */
		if (!j.len || j.buf[j.len - 1] != '\n' || memchr(j.buf, '\n', j.len - 1))
			abort();
		doc = json_loadb(j.buf, j.len, JSON_ALLOW_NUL, &err);
		if (!doc)
			abort();
		/* Pseudonymised: the raw headers, which hold the addresses, are not written. */
		if (meta.pseudo && json_object_get(json_object_get(doc, "xffwatch"), "forwarded"))
			abort();
		json_decref(doc);
	}
	jsonw_free(&j);
	/* Chains own their storage: released, so that a leak in it shows. */
	resolution_free(&res);
}

#endif
