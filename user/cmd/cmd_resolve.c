// SPDX-License-Identifier: BSD-2-Clause
/*
 * `xffwatch resolve`: the observer's answer for one request head read from
 * standard input. The head goes through the same extractor (the kernel's
 * twin), decoder, trust walk and formatter as on the wire, so the event is
 * the one the daemon would write; only the timestamp is the current time.
 * The input may begin with a PROXY protocol preamble (v1 or v2), as a
 * connection would: it is parsed, and the head read after it.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event/audit_event.h"
#include "cmd/cli.h"
#include "pipeline/head_text.h"
#include "pipeline/proxy_preamble.h"
#include "util/log.h"
#include "event/pseudonym.h"
#include "cmd/cmd_resolve.h"

/* Input beyond this is refused: a head the kernel would cut long before. */
#define RESOLVE_INPUT_MAX (64 * 1024)
/* The longest PROXY preamble, before the head: a v2 header and its length field's most. */
#define RESOLVE_PP_MAX	  (XFFW_PP_V2_HDR + 65535)

/* One line on stderr, whatever bytes of the head it quotes escaped (log_escape); @status. */
#define head_error(status, fmt, ...) \
	(log_line(stderr, "xffwatch resolve: " fmt, ##__VA_ARGS__), (status))

/* preamble_frame(): the bytes so far cannot tell; a v1 line with no end where it must have one. */
#define FRAME_MORE    (-1)
#define FRAME_ENDLESS (-2)

/*
 * The length of the PROXY preamble the input begins with, by its framing
 * alone, as the kernel finds it (the v1 line up to its first CR LF; v2: 16
 * bytes and its length field), whether or not it is well formed: 0 when there
 * is none; FRAME_MORE when @len bytes cannot tell yet; FRAME_ENDLESS for a v1
 * line with no CR LF within XFFW_PP_KEEP bytes. A v2 length may exceed @len.
 */
static ssize_t preamble_frame(const char *b, size_t len)
{
	size_t scan = len < XFFW_PP_KEEP ? len : XFFW_PP_KEEP;
	const char *crlf;

	switch (pp_signature((const uint8_t *)b, len)) {
	case 1:
		crlf = memmem(b, scan, "\r\n", 2);
		if (crlf)
			return crlf - b + 2;
		return len < XFFW_PP_KEEP ? FRAME_MORE : FRAME_ENDLESS;
	case 2:
		if (len < XFFW_PP_V2_HDR)
			return FRAME_MORE;
		return XFFW_PP_V2_HDR + ((size_t)(uint8_t)b[14] << 8 | (uint8_t)b[15]);
	}
	if (len && pp_signature_prefix((const uint8_t *)b, len))
		return FRAME_MORE;
	return 0;
}

/*
 * Reads standard input up to the blank line that ends the head (or the
 * input's end). The blank line is looked for only after a preamble: the v2
 * signature itself begins with CRLF CRLF. *@frame: preamble_frame() of what
 * was read. Returns the length, -EFBIG for a head (after the preamble) of
 * more than RESOLVE_INPUT_MAX bytes, or -errno.
 */
static ssize_t read_input(char *buf, ssize_t *frame)
{
	size_t len = 0;

	for (;;) {
		size_t limit;
		ssize_t n;

		*frame = preamble_frame(buf, len);
		if (*frame == FRAME_ENDLESS)
			return (ssize_t)len;
		if (*frame >= 0 && (size_t)*frame <= len) {
			const char *head = buf + *frame;
			size_t hlen = len - (size_t)*frame;

			if (memmem(head, hlen, "\n\n", 2) || memmem(head, hlen, "\n\r\n", 3))
				return (ssize_t)len;
		}
		limit = (*frame > 0 ? (size_t)*frame : 0) + RESOLVE_INPUT_MAX;
		if (len >= limit)
			return -EFBIG;
		n = read(STDIN_FILENO, buf + len, limit - len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return (ssize_t)len;
		len += (size_t)n;
	}
}

/*
 * Where the head begins after the preamble of @buf (@len bytes, all the
 * input): 0 without one. Returns -1 after an error line naming what keeps
 * the preamble's end from being found.
 */
static ssize_t take_preamble(const char *buf, size_t len, ssize_t frame)
{
	if (frame == FRAME_ENDLESS)
		return head_error(-1, "the PROXY protocol v1 line has no CRLF within %d bytes",
				  XFFW_PP_KEEP);
	if (frame == FRAME_MORE) {
		/* Only a signature's start, then the end: not a preamble; the head check says why. */
		if (!pp_signature((const uint8_t *)buf, len))
			return 0;
		if (pp_signature((const uint8_t *)buf, len) == 1)
			return head_error(-1, "the input ends inside the PROXY protocol v1 line "
					      "(no CRLF)");
		return head_error(
			-1, "the input ends inside the PROXY protocol v2 header (%zu of %d bytes)",
			len, XFFW_PP_V2_HDR);
	}
	if ((size_t)frame > len)
		return head_error(
			-1,
			"the PROXY protocol v2 preamble is %zd bytes by its length field; "
			"the input ends after %zu",
			frame, len);
	return frame;
}

static void loopback(struct ip_addr *a, int family)
{
	static const uint8_t v4[4] = { 127, 0, 0, 1 };
	static const uint8_t v6[16] = { [15] = 1 };

	ip_from_bytes(a, family, family == 4 ? v4 : v6);
}

struct resolve_run {
	const struct options *o;
	const struct command_args *r;
	const struct pseudo *pseudo;
	/* The peer's owner and the app's ([XFFW_DIR_*]) when options name the peer's. */
	const struct sock_owner *owner[2];
	int printed;
};

static void on_resolved(void *ctx, const struct exchange *x)
{
	static struct resolution res;
	static struct trust_trace trace;
	const struct http_request *req = x->req;
	struct resolve_run *run = ctx;
	const struct trust_rule *rule;
	struct audit_meta meta = { 0 };
	struct jsonw j;

	meta.ifname = run->r->iface[0] ? run->r->iface : run->o->ifaces[0];
	clock_gettime(CLOCK_REALTIME, &meta.when);
	meta.pseudo = run->pseudo;
	meta.keep_query = run->o->privacy.keep_query;
	meta.hide_user_agent = !run->o->privacy.user_agent;
	meta.owner[XFFW_DIR_REQUEST] = run->owner[XFFW_DIR_REQUEST];
	meta.owner[XFFW_DIR_RESPONSE] = run->owner[XFFW_DIR_RESPONSE];
	rule = trust_pick(run->o->rules, run->o->nrules, req->dport, meta.ifname);
	trust_resolve(rule, req, run->owner[XFFW_DIR_REQUEST], &res,
		      run->r->explain ? &trace : NULL);
	jsonw_init(&j);
	audit_format(&j, req, &res, &meta);
	/* One line per step; header values in it are the sender's bytes. */
	if (run->r->explain)
		log_lines(stderr, trace.text, strlen(trace.text));
	fwrite(j.buf, 1, j.len, stdout);
	jsonw_free(&j);
	run->printed++;
}

static unsigned int first_port(const struct options *o)
{
	for (unsigned int p = 1; p <= 65535; p++)
		if (port_set_has(&o->ports, p))
			return p;
	return 0;
}

int resolve_run(const struct options *o, const struct command_args *r)
{
	/* A preamble, then the head: head_validate() may append a CRLF to it. */
	static char buf[RESOLVE_PP_MAX + RESOLVE_INPUT_MAX + 2];
	static struct pseudo pseudo;
	struct resolve_run run = { .o = o, .r = r, .pseudo = &pseudo };
	struct xffw_record_hdr tuple = { 0 };
	struct ip_addr dest;
	enum head_status hs;
	char err[160];
	ssize_t n, frame, at;
	size_t len;
	char *head;
	int family;

	/* The event as the daemon would write it, pseudonymised the same way. */
	if (pseudo_init(&pseudo, o->privacy.pseudonymize, o->privacy.hmac_key, err, sizeof(err)))
		return head_error(1, "%s", err);
	family = r->peer.family;
	if (r->have_destination && r->destination.family != family)
		return head_error(2, "--peer and --destination are not the same address family");

	if (r->have_peer_user || r->have_peer_cgroup) {
		/* The peer's socket as the kernel would report it; the app's is not known. */
		static const struct sock_owner app = { .seen = XFFW_SOCK_UNSEEN };
		static struct sock_owner peer;
		/* (A cgroup given by path: no tree to read, "" says so.) */
		struct owner_cache *cache =
			owner_cache_new(&(struct owner_cache_config){ .cgroup_root = "" });

		if (!cache)
			return head_error(1, "out of memory");
		owner_given(cache, r->have_peer_user ? r->peer_user.id : OWNER_UID_NONE,
			    r->have_peer_cgroup ? r->peer_cgroup.text : "", &peer);
		owner_cache_free(cache);
		run.owner[XFFW_DIR_REQUEST] = &peer;
		run.owner[XFFW_DIR_RESPONSE] = &app;
	}

	n = read_input(buf, &frame);
	if (n == -EFBIG)
		return head_error(2, "the head is longer than %d bytes", RESOLVE_INPUT_MAX);
	if (n < 0)
		return head_error(2, "cannot read standard input: %s", strerror((int)-n));
	at = take_preamble(buf, (size_t)n, frame);
	if (at < 0)
		return 2;
	head = buf + at;
	len = (size_t)(n - at);
	if (head_validate(head, &len, RESOLVE_INPUT_MAX + 2, err, sizeof(err)))
		return head_error(2, "%s%s", err, at ? " (after the PROXY protocol preamble)" : "");

	dest = r->destination;
	if (!r->have_destination)
		loopback(&dest, family);
	tuple.family = (uint8_t)(family == 4 ? XFFW_FAMILY_IPV4 : XFFW_FAMILY_IPV6);
	memcpy(tuple.saddr, r->peer.b, 16);
	memcpy(tuple.daddr, dest.b, 16);
	tuple.sport = r->peer_port;
	tuple.dport = (uint16_t)(r->destination_port ? r->destination_port : first_port(o));

	/* The preamble and the head through the tracker, as the kernel's records. */
	hs = head_exchange_after((const uint8_t *)buf, (size_t)at, (const uint8_t *)head, len,
				 o->head_budget, &tuple, on_resolved, &run);
	if (hs != HEAD_OK || run.printed != 1)
		return head_error(2, "line 1: not an HTTP/1.x request line");
	return 0; /* main() closes standard output and says if the event was not written */
}
