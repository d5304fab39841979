// SPDX-License-Identifier: BSD-2-Clause
/*
 * `xffwatch resolve`: the observer's answer for one request head read from
 * standard input. The head goes through the same extractor (the kernel's
 * twin), decoder, trust walk and formatter as on the wire, so the event is
 * the one the daemon would write; only the timestamp is the current time.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event/audit_event.h"
#include "cmd/cli.h"
#include "pipeline/head_text.h"
#include "util/log.h"
#include "event/pseudonym.h"
#include "cmd/cmd_resolve.h"

/* Input beyond this is refused: a head the kernel would cut long before. */
#define RESOLVE_INPUT_MAX (64 * 1024)

/* One line on stderr, whatever bytes of the head it quotes escaped (log_escape); @status. */
#define head_error(status, fmt, ...) \
	(log_line(stderr, "xffwatch resolve: " fmt, ##__VA_ARGS__), (status))

/* Reads standard input up to the blank line (or its end). Returns the length or -errno. */
static ssize_t read_head(char *buf, size_t cap)
{
	size_t len = 0;

	while (len < cap) {
		ssize_t n = read(STDIN_FILENO, buf + len, cap - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			return (ssize_t)len;
		len += (size_t)n;
		if (memmem(buf, len, "\n\n", 2) || memmem(buf, len, "\n\r\n", 3))
			return (ssize_t)len;
	}
	return -EFBIG;
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
	rule = trust_pick(run->o->rules, run->o->nrules, x->req->dport, meta.ifname);
	trust_resolve(rule, x->req, run->owner[XFFW_DIR_REQUEST], &res,
		      run->r->explain ? &trace : NULL);
	jsonw_init(&j);
	audit_format(&j, x->req, &res, &meta);
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
	static char buf[RESOLVE_INPUT_MAX + 2];
	static struct pseudo pseudo;
	struct resolve_run run = { .o = o, .r = r, .pseudo = &pseudo };
	struct xffw_record_hdr tuple = { 0 };
	struct ip_addr dest;
	enum head_status hs;
	char err[160];
	size_t len;
	ssize_t n;
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

	n = read_head(buf, RESOLVE_INPUT_MAX);
	if (n == -EFBIG)
		return head_error(2, "the head is longer than %d bytes", RESOLVE_INPUT_MAX);
	if (n < 0)
		return head_error(2, "cannot read standard input: %s", strerror((int)-n));
	len = (size_t)n;
	if (head_validate(buf, &len, sizeof(buf), err, sizeof(err)))
		return head_error(2, "%s", err);

	dest = r->destination;
	if (!r->have_destination)
		loopback(&dest, family);
	tuple.family = (uint8_t)(family == 4 ? XFFW_FAMILY_IPV4 : XFFW_FAMILY_IPV6);
	memcpy(tuple.saddr, r->peer.b, 16);
	memcpy(tuple.daddr, dest.b, 16);
	tuple.sport = r->peer_port;
	tuple.dport = (uint16_t)(r->destination_port ? r->destination_port : first_port(o));

	hs = head_exchange((const uint8_t *)buf, len, o->head_budget, &tuple, on_resolved, &run);
	if (hs != HEAD_OK || run.printed != 1)
		return head_error(2, "line 1: not an HTTP/1.x request line");
	return 0; /* main() closes standard output and says if the event was not written */
}
