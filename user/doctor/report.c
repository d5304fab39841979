// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "doctor/addr_shown.h"
#include "doctor/forwarded_shown.h"
#include "doctor/report.h"
#include "event/jsonw.h"
#include "util/escape.h"

static const char *const role_names[] = {
	[ROLE_UNKNOWN] = "few requests",
	[ROLE_PROXY] = "proxy",
	[ROLE_CLIENT] = "client",
};

const char *report_addr(const struct report *r, const struct obs_addr *a, bool infra,
			char buf[PSEUDO_TEXT_MAX])
{
	return addr_shown(r->pseudo, a, infra, buf);
}

/* A hop of a chain as shown: an address as a client's, else "unknown", "_obf" or "invalid". */
static const char *hop_shown(const struct report *r, const char *hop, char buf[PSEUDO_TEXT_MAX])
{
	struct ip_addr a;

	if (!addr_pseudonymised(r->pseudo))
		return hop;
	if (!ip_parse_xff_entry(hop, strlen(hop), &a, NULL)) {
		pseudo_addr(r->pseudo, &a, buf);
		return buf;
	}
	return addr_placeholder(hop);
}

/*
 * Text the traffic chose (paths, hops, interface names, summaries that quote
 * them), as a terminal may show it: control bytes, escape sequences and
 * bidirectional controls escaped (log_escape), one line.
 */
#define SHOW_MAX 1024
static const char *esc(char buf[SHOW_MAX], const char *s)
{
	log_escape(buf, SHOW_MAX, s, strlen(s), false);
	return buf;
}

/* Events on PROXY LOCAL connections: the senders' health checks, no client's requests. */
static uint64_t health_checks(const struct topology *t)
{
	uint64_t n = 0;

	for (size_t i = 0; i < t->n; i++)
		n += t->listeners[i].pp.health;
	return n;
}

uint64_t report_requests(const struct topology *t)
{
	return t->events - health_checks(t);
}

/* docs/doctor.md's size table computes the page's bound from this number: keep both in step. */
_Static_assert(REPORT_VALUE_MAX == 2592, "docs/doctor.md says REPORT_VALUE_MAX is 54 x 48 = 2592");

const char *report_value(const struct report *r, unsigned int header, const char *value,
			 char buf[REPORT_VALUE_MAX])
{
	char hop[OBS_HOP_TEXT], b[PSEUDO_TEXT_MAX];
	size_t len = 0;

	if (!r->pseudo || r->pseudo->mode == PSEUDO_NONE)
		return value;
	if (header == XFFW_F_FORWARDED)
		return forwarded_shown(r->pseudo, value, buf, REPORT_VALUE_MAX);
	buf[0] = '\0';
	for (const char *p = value;;) {
		size_t n = strcspn(p, ",");

		/* (FORGER_VALUE_TEXT / 3 + 1 hops at most: each one byte and ", ".) */
		snprintf(hop, sizeof(hop), "%.*s", (int)n, p);
		len += (size_t)snprintf(buf + len, REPORT_VALUE_MAX - len, "%s%s",
					p == value ? "" : ", ",
					!strcmp(hop, FORGER_CUT) ? hop : hop_shown(r, hop, b));
		if (!p[n] || len >= REPORT_VALUE_MAX - 1)
			break;
		p += n + 1;
		p += *p == ' ';
	}
	return buf;
}

/* qsort: most requests first, then by address text. */
static int by_client_requests(const void *a, const void *b)
{
	const struct report_client *x = a, *y = b;

	if (x->requests != y->requests)
		return x->requests > y->requests ? -1 : 1;
	return strcmp(x->address, y->address);
}

size_t report_top_clients(const struct report *r, struct report_client out[RANK_SHOWN])
{
	static struct report_client all[RANK_TRACKED];
	const struct client_rank *rk = &r->t->rank;
	char buf[PSEUDO_TEXT_MAX];
	size_t n = 0;

	for (size_t i = 0; i < rk->n; i++) {
		const char *a = report_addr(r, &rk->e[i].addr, false, buf);
		size_t k;

		for (k = 0; k < n && strcmp(all[k].address, a); k++)
			;
		if (k == n) {
			snprintf(all[n].address, sizeof(all[n].address), "%s", a);
			all[n++].requests = 0;
		}
		all[k].requests += rank_requests(&rk->e[i]);
	}
	qsort(all, n, sizeof(all[0]), by_client_requests);
	if (n > RANK_SHOWN)
		n = RANK_SHOWN;
	memcpy(out, all, n * sizeof(all[0]));
	return n;
}

size_t report_forger_values(const struct report *r, const struct forger *f,
			    struct report_value out[FORGER_VALUES])
{
	char buf[REPORT_VALUE_MAX];
	size_t n = 0;

	for (size_t i = 0; i < f->nvalues; i++) {
		const char *v = report_value(r, f->values[i].header, f->values[i].text, buf);
		size_t k;

		for (k = 0;
		     k < n && (out[k].header != f->values[i].header || strcmp(out[k].text, v)); k++)
			;
		if (k == n) {
			out[n].header = f->values[i].header;
			snprintf(out[n].text, sizeof(out[n].text), "%s", v);
			out[n++].requests = 0;
		}
		out[k].requests += f->values[i].requests;
	}
	return n;
}

size_t report_forgers(const struct report *r, const struct forger *out[FORGERS_MAX])
{
	const struct client_rank *rk = &r->t->rank;
	size_t n = 0;

	/* Insertion by requests: stable, so ties keep the order first seen. */
	for (size_t i = 0; i < rk->nforgers; i++) {
		size_t k = n++;

		for (; k && out[k - 1]->requests < rk->forgers[i].requests; k--)
			out[k] = out[k - 1];
		out[k] = &rk->forgers[i];
	}
	return n;
}

const char *report_time(uint64_t secs, char buf[REPORT_TIME_MAX])
{
	time_t t = (time_t)secs;
	struct tm tm;

	if (!gmtime_r(&t, &tm) || !strftime(buf, REPORT_TIME_MAX, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, REPORT_TIME_MAX, "%" PRIu64, secs);
	return buf;
}

static void stack_names_text(const struct report_stack *s, char *buf, size_t len)
{
	buf[0] = '\0';
	for (int i = 0; i < STACK__MAX; i++)
		if (s->mask & (1U << i))
			snprintf(buf + strlen(buf), len - strlen(buf), "%s%s", buf[0] ? ", " : "",
				 stack_names[i]);
	if (!buf[0])
		snprintf(buf, len, "none");
}

void stack_guess(const struct topology *t, struct report_stack *s)
{
	const uint64_t *h = t->proxy_headers;
	uint64_t xff = h[XFFW_F_X_FORWARDED_FOR];

	memset(s, 0, sizeof(*s));
	s->guessed = true;
	/* nginx configurations set X-Real-IP next to X-Forwarded-For; Apache's mod_proxy sets X-Forwarded-Host. */
	if (h[XFFW_F_X_REAL_IP] * 2 >= xff && h[XFFW_F_X_REAL_IP])
		s->mask |= 1U << STACK_NGINX;
	else if (h[XFFW_F_X_FORWARDED_HOST] * 2 >= xff && h[XFFW_F_X_FORWARDED_HOST])
		s->mask |= 1U << STACK_APACHE;
	else if (xff)
		s->mask |= 1U << STACK_NGINX | 1U << STACK_HAPROXY;
	for (size_t i = 0; i < t->n; i++) {
		if (t->listeners[i].port == 5000)
			s->mask |= 1U << STACK_WERKZEUG;
		if (t->listeners[i].port == 8000)
			s->mask |= 1U << STACK_GUNICORN | 1U << STACK_UVICORN;
	}
	if (!s->mask)
		s->mask = (1U << STACK__MAX) - 1;
	snprintf(s->why, sizeof(s->why), "%s",
		 s->mask == (1U << STACK__MAX) - 1
			 ? "nothing in the traffic tells: fixes for every stack"
			 : "from the headers the proxies add (X-Real-IP: nginx; X-Forwarded-Host: "
			   "Apache) and the app ports (5000: Flask/Werkzeug; 8000: gunicorn, "
			   "uvicorn)");
}

/* ---- text ---- */

static void text_peer(FILE *f, const struct report *r, const struct topo_peer *p, const char *name)
{
	char buf[PSEUDO_TEXT_MAX], e[SHOW_MAX];
	bool infra = addr_peer_as_is(p), first = true;

	/* (A usable preamble names a client as a header does: it counts with them.) */
	fprintf(f,
		"    %-24s %s, %s: %" PRIu64 " requests, %" PRIu64 "%% with forwarding headers%s",
		name ? name : esc(e, report_addr(r, &p->addr, infra, buf)), role_names[p->role],
		p->trusted ? "trusted" : "not trusted", p->requests,
		p->requests ? p->with_header * 100 / p->requests : 0,
		p->pp_usable ? " or PROXY preambles" : "");
	for (unsigned int id = 1; id < XFFW_F__MAX; id++)
		if (p->headers[id] && trust_is_client_header(id)) {
			fprintf(f, "%s%s", first ? " (" : ", ", field_key(id));
			first = false;
		}
	fputs(first ? "" : ")", f);
	if (p->pp || p->pp_health)
		fprintf(f,
			"; PROXY preambles on %" PRIu64 " (%" PRIu64 " usable), %" PRIu64
			" health checks (LOCAL)",
			p->pp, p->pp_usable, p->pp_health);
	fputc('\n', f);
	if (!p->min_chain || p->role != ROLE_PROXY)
		return;
	fprintf(f, "%28s chain lengths:", "");
	for (size_t b = 0; b < TOPO_CHAIN_BUCKETS; b++)
		if (p->chain_len[b])
			fprintf(f, " %zu%s: %" PRIu64, b, b == TOPO_CHAIN_BUCKETS - 1 ? "+" : "",
				p->chain_len[b]);
	fprintf(f, "; the proxies append %zu\n", p->depth);
}

/* The local processes that sent forwarding headers to @l. */
static void text_owners(FILE *f, const struct topo_listener *l)
{
	char e1[SHOW_MAX], e2[SHOW_MAX], e3[SHOW_MAX];

	if (!l->nowners)
		return;
	fprintf(f, "    local processes sending forwarding headers (%" PRIu64 " requests):\n",
		l->local_headers);
	for (size_t i = 0; i < l->nowners; i++) {
		const struct topo_owner *w = &l->owners[i];

		fprintf(f, "      user %s", esc(e1, w->who.user[0] ? w->who.user : "?"));
		if (w->who.uid_known)
			fprintf(f, " (uid %u)", w->who.uid);
		fprintf(f, ", unit %s, cgroup %s: %" PRIu64 " requests, %zu%s clients\n",
			esc(e2, w->who.unit[0] ? w->who.unit : "none"),
			esc(e3, w->who.cgroup[0] ? w->who.cgroup : "unknown"), w->requests,
			w->distinct, w->distinct >= TOPO_OWNER_DISTINCT ? "+" : "");
	}
	if (l->owners_other)
		fprintf(f, "      (others: %" PRIu64 " requests)\n", l->owners_other);
}

static const char *const pp_state_names[] = {
	[REQ_PP_UNKNOWN] = "unknown",	  [REQ_PP_NONE] = "none",	    [REQ_PP_OK] = "ok",
	[REQ_PP_MALFORMED] = "malformed", [REQ_PP_TRUNCATED] = "truncated", [REQ_PP_LOST] = "lost",
};

/* Is @name a finding enum finding knows (so x->findings shows it already)? */
static bool trust_finding(const char *name)
{
	for (unsigned int b = 0; b < FINDING__MAX; b++)
		if (!strcmp(finding_name(b), name))
			return true;
	return false;
}

/* ", preamble v2 PROXY from SRC:PORT" or ", preamble malformed: ERROR": an example's preamble. */
static void text_example_pp(FILE *f, const struct report *r, const struct topo_example *x)
{
	char b[PSEUDO_TEXT_MAX], e[SHOW_MAX];

	if (x->pp.state == REQ_PP_UNKNOWN || x->pp.state >= sizeof(pp_state_names) / sizeof(char *))
		return;
	fprintf(f, ", preamble %s", pp_state_names[x->pp.state]);
	if (x->pp.version)
		fprintf(f, " v%u", x->pp.version);
	if (x->pp.command)
		fprintf(f, " %s", obs_pp_command_names[x->pp.command]);
	if (x->pp.has_addr)
		fprintf(f, " from %s:%u", esc(e, report_addr(r, &x->pp.source, false, b)),
			x->pp.sport);
	if (x->pp.error[0])
		fprintf(f, ": %s", esc(e, x->pp.error));
}

static void text_example(FILE *f, const struct report *r, const struct topo_example *x)
{
	char b1[PSEUDO_TEXT_MAX], b2[PSEUDO_TEXT_MAX], b3[PSEUDO_TEXT_MAX];
	char e1[SHOW_MAX], e2[SHOW_MAX], e3[SHOW_MAX], e4[SHOW_MAX], e5[SHOW_MAX];

	fprintf(f, "      %s %s %s from %s, client %s", esc(e1, x->timestamp), esc(e2, x->method),
		esc(e3, x->path),
		esc(e4, report_addr(r, &x->source, addr_trusted_obs(r->t, &x->source), b1)),
		esc(e5, report_addr(r, &x->client, false, b2)));
	if (x->chain_length) {
		fprintf(f, ", chain [%s", x->chain_length > x->nchain ? "..., " : "");
		for (size_t i = 0; i < x->nchain; i++)
			fprintf(f, "%s%s", i ? ", " : "", esc(e1, hop_shown(r, x->chain[i], b3)));
		fputc(']', f);
	}
	text_example_pp(f, r, x);
	unsigned int first = 1;
	for (unsigned int b = 0; b < FINDING__MAX; b++)
		if (x->findings & (1U << b)) {
			fprintf(f, "%s%s", first ? "; " : ", ", finding_name(b));
			first = 0;
		}
	for (unsigned int b = 0; b < OBS_PP__MAX; b++)
		if ((x->pp_findings & (1U << b)) && !trust_finding(obs_pp_finding_names[b])) {
			fprintf(f, "%s%s", first ? "; " : ", ", obs_pp_finding_names[b]);
			first = 0;
		}
	fputc('\n', f);
}

/*
 * The fixes of @d for the stacks on the path (none where no proxy is: nothing
 * to trust), each proxy the rule does not trust written as a client's address.
 */
static size_t fixes_of(const struct report *r, const struct diagnosis *d, struct fix *out)
{
	struct fix_params p = d->fix;

	p.pseudo = r->pseudo;
	for (size_t i = 0; i < p.nproxies; i++) {
		struct ip_cidr c;

		p.proxy_as_is[i] = !ip_cidr_parse(p.proxies[i], strlen(p.proxies[i]), &c, NULL) &&
				   addr_trusted_peer(r->t, &c.net);
	}
	return fixes_make(&p, d->no_stack_fixes ? 0 : r->stack->mask, out);
}

static void text_fixes(FILE *f, const struct report *r, const struct diagnosis *d)
{
	static struct fix fixes[FIXES_MAX];
	size_t n = fixes_of(r, d, fixes);
	char e[SHOW_MAX];

	for (size_t i = 0; i < n; i++) {
		const struct fix *x = &fixes[i];

		/* (The where line names the stack; the text shows the flags of args.) */
		fprintf(f, "  Fix, %s\n", esc(e, x->where));
		for (const char *p = x->text; *p;) {
			size_t len = strcspn(p, "\n");

			char line[SHOW_MAX];

			snprintf(line, sizeof(line), "%.*s", (int)len, p);
			fprintf(f, "      %s\n", esc(e, line));
			p += len + (p[len] == '\n');
		}
	}
}

static void text_diagnoses(FILE *f, const struct report *r, bool advice);

/* The preamble errors seen on a listener, the first distinct ones. */
static void text_pp_errors(FILE *f, const struct topo_pp *pp)
{
	char e[SHOW_MAX];

	for (size_t i = 0; i < pp->nerrors; i++)
		fprintf(f, "      error \"%s\": %" PRIu64 " requests\n", esc(e, pp->errors[i].text),
			pp->errors[i].count);
	if (pp->errors_other)
		fprintf(f, "      other errors: %" PRIu64 " requests\n", pp->errors_other);
}

void report_text(FILE *f, const struct report *r)
{
	const struct topology *t = r->t;
	char stack[128];

	fprintf(f, "xffwatch doctor: %" PRIu64 " requests on %zu listener%s",
		t->events - health_checks(t), t->n, t->n == 1 ? "" : "s");
	if (health_checks(t))
		fprintf(f, " (and %" PRIu64 " health checks: PROXY LOCAL)", health_checks(t));
	if (!strcmp(r->src->kind, "live"))
		fprintf(f, ", watched live for %.0f s%s\n", r->src->seconds,
			r->src->interrupted ? " (ended early)" : "");
	else
		fprintf(f, " from %s, spanning %.*f s\n",
			!strcmp(r->src->kind, "pcap") ? "a capture" : "an event file",
			r->src->seconds < 10 ? 1 : 0, r->src->seconds);
	if (t->skipped)
		fprintf(f, "  (%" PRIu64 " lines were not xffwatch events and were skipped)\n",
			t->skipped);
	stack_names_text(r->stack, stack, sizeof(stack));
	fprintf(f, "Stack: %s%s%s%s\n\nTopology\n", stack, r->stack->guessed ? " (guessed " : "",
		r->stack->guessed ? r->stack->why : "",
		r->stack->guessed ? "; name it with --stack)" : "");
	for (size_t i = 0; i < t->n; i++) {
		const struct topo_listener *l = &t->listeners[i];
		char e[SHOW_MAX];

		fprintf(f,
			"  port %u%s%s: %" PRIu64 " requests, %" PRIu64 " prox%s, %" PRIu64
			" direct client%s\n",
			l->port, l->iface[0] ? " on " : "", esc(e, l->iface), l->requests,
			l->proxies, l->proxies == 1 ? "y" : "ies", l->clients,
			l->clients == 1 ? "" : "s");
		if (l->pp.preambles || l->pp.lost)
			fprintf(f,
				"    PROXY protocol: %" PRIu64 " requests on connections with a "
				"preamble (of all preambles, health checks included: v1 %" PRIu64
				", v2 %" PRIu64 "), %" PRIu64 " usable; %" PRIu64
				" health checks (LOCAL, not requests); %" PRIu64 " lost\n",
				l->pp.preambles - l->pp.health, l->pp.v1, l->pp.v2, l->pp.usable,
				l->pp.health, l->pp.lost);
		for (size_t k = 0; k < l->npeers; k++)
			text_peer(f, r, &l->peers[k], NULL);
		if (l->other.requests) {
			char name[64];

			snprintf(name, sizeof(name), "(%zu+ more peers)", l->peers_omitted);
			text_peer(f, r, &l->other, name);
		}
		text_owners(f, l);
	}
	if (t->listeners_omitted)
		fprintf(f, "  (%" PRIu64 " requests on more listeners than the %d followed)\n",
			t->listeners_omitted, TOPO_LISTENERS_MAX);
	if (!t->events)
		fputs("  no requests seen\n", f);
	if (r->ds->n == r->ds->suggestions)
		fputs("\nNo diagnoses: nothing to fix in the traffic seen.\n", f);
	else
		fprintf(f, "\nDiagnoses: %zu (%zu high, %zu medium, %zu low)\n",
			r->ds->n - r->ds->suggestions, r->ds->count[LEVEL_HIGH],
			r->ds->count[LEVEL_MEDIUM], r->ds->count[LEVEL_LOW]);
	text_diagnoses(f, r, false);
	if (r->ds->suggestions) {
		fprintf(f, "\nSuggestions: %zu\n", r->ds->suggestions);
		text_diagnoses(f, r, true);
	}
}

/* The diagnoses (@advice false) or the suggestions. */
static void text_diagnoses(FILE *f, const struct report *r, bool advice)
{
	for (size_t i = 0; i < r->ds->n; i++) {
		const struct diagnosis *d = &r->ds->d[i];
		char e[SHOW_MAX];

		if ((d->severity == LEVEL_LOW) != advice)
			continue;
		fprintf(f, "\n[%s] %s: %s (confidence %s)\n  %s.\n",
			advice ? "advice" : level_names[d->severity], diagnosis_names[d->id],
			diagnosis_titles[d->id], level_names[d->confidence], esc(e, d->summary));
		fprintf(f, "  Evidence: %" PRIu64 " of %" PRIu64 " requests (%.1f%%)\n",
			d->requests, d->of,
			d->of ? 100.0 * (double)d->requests / (double)d->of : 0.0);
		if (d->id == DIAG_PP_MALFORMED)
			text_pp_errors(f, &r->t->listeners[d->listener].pp);
		for (size_t k = 0; k < d->examples.n; k++)
			text_example(f, r, &d->examples.ex[k]);
		text_fixes(f, r, d);
	}
}

/* ---- JSON ---- */

static void json_addr(struct jsonw *j, const char *key, const struct report *r,
		      const struct obs_addr *a, bool infra)
{
	char buf[PSEUDO_TEXT_MAX];

	jsonw_cstring(j, key, report_addr(r, a, infra, buf));
}

static void json_example(struct jsonw *j, const struct report *r, const struct topo_example *x)
{
	char buf[PSEUDO_TEXT_MAX];

	jsonw_object_begin(j, NULL);
	jsonw_cstring(j, "@timestamp", x->timestamp);
	json_addr(j, "source", r, &x->source, addr_trusted_obs(r->t, &x->source));
	json_addr(j, "client", r, &x->client, false);
	jsonw_cstring(j, "method", x->method);
	jsonw_cstring(j, "path", x->path);
	jsonw_array_begin(j, "chain");
	for (size_t i = 0; i < x->nchain; i++)
		jsonw_cstring(j, NULL, hop_shown(r, x->chain[i], buf));
	jsonw_array_end(j);
	jsonw_uint(j, "chain_length", x->chain_length);
	jsonw_array_begin(j, "findings");
	for (unsigned int b = 0; b < FINDING__MAX; b++)
		if (x->findings & (1U << b))
			jsonw_cstring(j, NULL, finding_name(b));
	for (unsigned int b = 0; b < OBS_PP__MAX; b++)
		if ((x->pp_findings & (1U << b)) && !trust_finding(obs_pp_finding_names[b]))
			jsonw_cstring(j, NULL, obs_pp_finding_names[b]);
	jsonw_array_end(j);
	if (x->pp.state != REQ_PP_UNKNOWN &&
	    x->pp.state < sizeof(pp_state_names) / sizeof(pp_state_names[0])) {
		jsonw_object_begin(j, "proxy_protocol");
		jsonw_cstring(j, "state", pp_state_names[x->pp.state]);
		if (x->pp.version)
			jsonw_uint(j, "version", x->pp.version);
		if (x->pp.command)
			jsonw_cstring(j, "command", obs_pp_command_names[x->pp.command]);
		if (x->pp.has_addr) {
			json_addr(j, "source", r, &x->pp.source, false);
			jsonw_uint(j, "source_port", x->pp.sport);
		}
		if (x->pp.error[0])
			jsonw_cstring(j, "error", x->pp.error);
		jsonw_object_end(j);
	}
	jsonw_object_end(j);
}

/* A listener's or a peer's PROXY-protocol counts. */
static void json_pp_counts(struct jsonw *j, uint64_t preambles, uint64_t usable, uint64_t health,
			   uint64_t untrusted)
{
	jsonw_object_begin(j, "proxy_protocol");
	jsonw_uint(j, "requests", preambles);
	jsonw_uint(j, "usable", usable);
	jsonw_uint(j, "health_checks", health);
	jsonw_uint(j, "untrusted", untrusted);
}

static void json_peer(struct jsonw *j, const struct report *r, const struct topo_peer *p)
{
	char key[8];

	jsonw_object_begin(j, NULL);
	json_addr(j, "address", r, &p->addr, addr_peer_as_is(p));
	jsonw_bool(j, "trusted", p->trusted);
	jsonw_cstring(j, "role",
		      p->role == ROLE_PROXY    ? "proxy"
		      : p->role == ROLE_CLIENT ? "client"
					       : "unknown");
	jsonw_uint(j, "requests", p->requests);
	jsonw_uint(j, "with_header", p->with_header);
	jsonw_object_begin(j, "headers");
	for (unsigned int id = 1; id < XFFW_F__MAX; id++)
		if (p->headers[id])
			jsonw_uint(j, field_key(id), p->headers[id]);
	jsonw_object_end(j);
	jsonw_object_begin(j, "chain_lengths");
	for (size_t b = 0; b < TOPO_CHAIN_BUCKETS; b++)
		if (p->chain_len[b]) {
			snprintf(key, sizeof(key), "%zu%s", b,
				 b == TOPO_CHAIN_BUCKETS - 1 ? "+" : "");
			/* Digits and '+': a key that needs no escaping. */
			jsonw_uint(j, key, p->chain_len[b]);
		}
	jsonw_object_end(j);
	jsonw_uint(j, "depth", p->depth);
	jsonw_uint(j, "clients", p->distinct);
	jsonw_bool(j, "clients_capped", p->distinct >= TOPO_DISTINCT);
	if (p->pp || p->pp_health || p->pp_untrusted) {
		json_pp_counts(j, p->pp, p->pp_usable, p->pp_health, p->pp_untrusted);
		jsonw_object_end(j);
	}
	jsonw_object_end(j);
}

static void json_owner(struct jsonw *j, const struct topo_owner *w)
{
	char uid[16];

	jsonw_object_begin(j, NULL);
	if (w->who.uid_known) {
		snprintf(uid, sizeof(uid), "%u", w->who.uid);
		jsonw_cstring(j, "uid", uid);
	}
	if (w->who.user[0])
		jsonw_cstring(j, "user", w->who.user);
	if (w->who.unit[0])
		jsonw_cstring(j, "unit", w->who.unit);
	if (w->who.cgroup[0])
		jsonw_cstring(j, "cgroup", w->who.cgroup);
	if (w->who.container[0])
		jsonw_cstring(j, "container", w->who.container);
	jsonw_uint(j, "requests", w->requests);
	jsonw_uint(j, "untrusted", w->untrusted);
	jsonw_uint(j, "clients", w->distinct);
	jsonw_object_end(j);
}

static void json_fixes(struct jsonw *j, const struct report *r, const struct diagnosis *d)
{
	static struct fix fixes[FIXES_MAX];
	size_t n = fixes_of(r, d, fixes);

	jsonw_array_begin(j, "fixes");
	for (size_t i = 0; i < n; i++) {
		jsonw_object_begin(j, NULL);
		jsonw_cstring(j, "for", fixes[i].stack);
		jsonw_cstring(j, "where", fixes[i].where);
		jsonw_cstring(j, "text", fixes[i].text);
		if (fixes[i].nargs) {
			jsonw_array_begin(j, "args");
			for (size_t a = 0; a < fixes[i].nargs; a++)
				jsonw_cstring(j, NULL, fixes[i].args[a]);
			jsonw_array_end(j);
		}
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
}

static void json_diagnosis(struct jsonw *j, const struct report *r, const struct diagnosis *d)
{
	const struct topo_listener *l = &r->t->listeners[d->listener];

	jsonw_object_begin(j, NULL);
	jsonw_cstring(j, "id", diagnosis_names[d->id]);
	jsonw_cstring(j, "title", diagnosis_titles[d->id]);
	jsonw_cstring(j, "severity", level_names[d->severity]);
	jsonw_cstring(j, "confidence", level_names[d->confidence]);
	jsonw_object_begin(j, "listener");
	jsonw_uint(j, "port", l->port);
	jsonw_cstring(j, "interface", l->iface);
	jsonw_object_end(j);
	jsonw_cstring(j, "summary", d->summary);
	jsonw_object_begin(j, "evidence");
	jsonw_uint(j, "requests", d->requests);
	jsonw_uint(j, "of", d->of);
	jsonw_member(j, "share");
	{
		char share[32];
		int n = snprintf(share, sizeof(share), "%.4f",
				 d->of ? (double)d->requests / (double)d->of : 0.0);

		jsonw_raw(j, share, (size_t)n);
	}
	jsonw_array_begin(j, "addresses");
	for (size_t i = 0; i < d->naddrs; i++)
		json_addr(j, NULL, r, &d->addrs[i], addr_trusted_obs(r->t, &d->addrs[i]));
	jsonw_array_end(j);
	if (d->depth)
		jsonw_uint(j, "proxy_depth", d->depth);
	if (d->fix.hops_now >= 0)
		jsonw_uint(j, "hops", (uint64_t)d->fix.hops_now);
	if (d->distinct)
		jsonw_uint(j, "distinct_forged_values", d->distinct);
	if (d->unnamed)
		jsonw_bool(j, "proxies_unnamed", true);
	if (d->owners || d->owners_other) {
		jsonw_array_begin(j, "local_owners");
		for (size_t i = 0; i < l->nowners; i++)
			if (d->owners & (1U << i))
				json_owner(j, &l->owners[i]);
		jsonw_array_end(j);
		if (d->owners_other)
			jsonw_uint(j, "local_owners_other_requests", l->owners_other);
	}
	if (d->local_spec[0])
		jsonw_cstring(j, "trust_local", d->local_spec);
	if (d->id == DIAG_PP_MALFORMED) {
		jsonw_array_begin(j, "proxy_protocol_errors");
		for (size_t i = 0; i < l->pp.nerrors; i++) {
			jsonw_object_begin(j, NULL);
			jsonw_cstring(j, "error", l->pp.errors[i].text);
			jsonw_uint(j, "requests", l->pp.errors[i].count);
			jsonw_object_end(j);
		}
		jsonw_array_end(j);
		jsonw_uint(j, "proxy_protocol_other_errors", l->pp.errors_other);
	}
	jsonw_array_begin(j, "examples");
	for (size_t i = 0; i < d->examples.n; i++)
		json_example(j, r, &d->examples.ex[i]);
	jsonw_array_end(j);
	jsonw_object_end(j);
	json_fixes(j, r, d);
	jsonw_object_end(j);
}

/* Requests and findings over time: the buckets from the earliest request's to the latest's. */
static void json_timeline(struct jsonw *j, const struct timeline *tl)
{
	char when[REPORT_TIME_MAX];
	size_t used = timeline_used(tl);

	jsonw_object_begin(j, "timeline");
	jsonw_uint(j, "bucket_seconds", timeline_seconds(tl));
	if (used) {
		jsonw_cstring(j, "start", report_time(timeline_start(tl, 0), when));
	} else {
		jsonw_member(j, "start");
		jsonw_literal(j, "null");
	}
	jsonw_array_begin(j, "buckets");
	for (size_t i = 0; i < used; i++) {
		const struct timeline_bucket *b = &tl->b[i];

		jsonw_object_begin(j, NULL);
		jsonw_cstring(j, "start", report_time(timeline_start(tl, i), when));
		jsonw_uint(j, "requests", b->requests);
		jsonw_object_begin(j, "findings");
		for (unsigned int f = 0; f < FINDING__MAX; f++)
			if (b->findings[f])
				jsonw_uint(j, finding_name(f), b->findings[f]);
		jsonw_object_end(j);
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
	jsonw_uint(j, "undated", tl->undated);
	jsonw_uint(j, "outside", tl->outside);
	jsonw_object_end(j);
}

static void json_top_clients(struct jsonw *j, const struct report *r)
{
	const struct client_rank *rk = &r->t->rank;
	struct report_client top[RANK_SHOWN];
	size_t n = report_top_clients(r, top);

	jsonw_object_begin(j, "top_clients");
	jsonw_bool(j, "exact", rank_exact(rk));
	jsonw_array_begin(j, "clients");
	for (size_t i = 0; i < n; i++) {
		jsonw_object_begin(j, NULL);
		jsonw_cstring(j, "address", top[i].address);
		jsonw_uint(j, "requests", top[i].requests);
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
	jsonw_uint(j, "distinct_at_least", rank_distinct(rk));
	jsonw_uint(j, "unnamed", rk->unnamed);
	jsonw_object_end(j);
}

static void json_forger(struct jsonw *j, const struct report *r, const struct forger *f)
{
	static struct report_value values[FORGER_VALUES];
	size_t n = report_forger_values(r, f, values);

	jsonw_object_begin(j, NULL);
	/* A forger is a client, whatever its role: never shown as it is when pseudonymised. */
	json_addr(j, "address", r, &f->addr, false);
	jsonw_uint(j, "listener", f->port);
	jsonw_uint(j, "requests", f->requests);
	jsonw_array_begin(j, "findings");
	for (unsigned int b = 0; b < FINDING__MAX; b++)
		if (f->findings & (1U << b))
			jsonw_cstring(j, NULL, finding_name(b));
	jsonw_array_end(j);
	jsonw_array_begin(j, "headers");
	for (unsigned int id = 1; id <= TRUST_PROXY_PROTOCOL; id++)
		if ((f->headers & (1U << id)) && trust_source_key(id))
			jsonw_cstring(j, NULL, trust_source_key(id));
	jsonw_array_end(j);
	jsonw_array_begin(j, "values");
	for (size_t i = 0; i < n; i++) {
		jsonw_object_begin(j, NULL);
		jsonw_cstring(j, "header", trust_source_key(values[i].header) ?: "");
		jsonw_cstring(j, "value", values[i].text);
		jsonw_uint(j, "requests", values[i].requests);
		jsonw_object_end(j);
	}
	jsonw_array_end(j);
	jsonw_uint(j, "values_other", f->values_other);
	jsonw_object_end(j);
}

static void json_forgers(struct jsonw *j, const struct report *r)
{
	const struct client_rank *rk = &r->t->rank;
	const struct forger *fs[FORGERS_MAX];
	size_t n = report_forgers(r, fs);

	jsonw_object_begin(j, "forgers");
	jsonw_array_begin(j, "forgers");
	for (size_t i = 0; i < n; i++)
		json_forger(j, r, fs[i]);
	jsonw_array_end(j);
	jsonw_uint(j, "omitted", rank_forgers_omitted(rk));
	jsonw_uint(j, "omitted_requests", rk->forgers_omitted_requests);
	jsonw_object_end(j);
}

int report_json(FILE *f, const struct report *r)
{
	const struct topology *t = r->t;
	struct jsonw j;
	char secs[32];
	int n;

	jsonw_init(&j);
	jsonw_object_begin(&j, NULL);
	jsonw_cstring(&j, "schema", "xffwatch.doctor/1");
	jsonw_object_begin(&j, "source");
	jsonw_cstring(&j, "kind", r->src->kind);
	jsonw_array_begin(&j, "files");
	for (size_t i = 0; i < r->src->nfiles; i++)
		jsonw_cstring(&j, NULL, r->src->files[i]);
	jsonw_array_end(&j);
	n = snprintf(secs, sizeof(secs), "%.3f", r->src->seconds);
	jsonw_member(&j, "seconds");
	jsonw_raw(&j, secs, (size_t)n);
	jsonw_bool(&j, "interrupted", r->src->interrupted);
	jsonw_cstring(&j, "ended_by", r->src->ended_by ? r->src->ended_by : "end");
	jsonw_uint(&j, "events", t->events);
	jsonw_uint(&j, "skipped_lines", t->skipped);
	jsonw_object_end(&j);
	jsonw_object_begin(&j, "stack");
	jsonw_array_begin(&j, "names");
	for (int i = 0; i < STACK__MAX; i++)
		if (r->stack->mask & (1U << i))
			jsonw_cstring(&j, NULL, stack_names[i]);
	jsonw_array_end(&j);
	jsonw_bool(&j, "guessed", r->stack->guessed);
	if (r->stack->guessed)
		jsonw_cstring(&j, "why", r->stack->why);
	jsonw_object_end(&j);
	jsonw_object_begin(&j, "topology");
	jsonw_array_begin(&j, "listeners");
	for (size_t i = 0; i < t->n; i++) {
		const struct topo_listener *l = &t->listeners[i];

		jsonw_object_begin(&j, NULL);
		jsonw_uint(&j, "port", l->port);
		jsonw_cstring(&j, "interface", l->iface);
		jsonw_uint(&j, "requests", l->requests);
		jsonw_array_begin(&j, "peers");
		for (size_t k = 0; k < l->npeers; k++)
			json_peer(&j, r, &l->peers[k]);
		jsonw_array_end(&j);
		jsonw_uint(&j, "peers_omitted", l->peers_omitted);
		jsonw_uint(&j, "omitted_requests", l->other.requests);
		jsonw_uint(&j, "local_requests_with_header", l->local_headers);
		jsonw_array_begin(&j, "local_owners");
		for (size_t k = 0; k < l->nowners; k++)
			json_owner(&j, &l->owners[k]);
		jsonw_array_end(&j);
		jsonw_uint(&j, "local_owners_other_requests", l->owners_other);
		json_pp_counts(&j, l->pp.preambles - l->pp.health, l->pp.usable, l->pp.health,
			       l->pp.untrusted);
		jsonw_uint(&j, "v1", l->pp.v1);
		jsonw_uint(&j, "v2", l->pp.v2);
		jsonw_uint(&j, "lost", l->pp.lost);
		jsonw_object_end(&j);
		jsonw_object_end(&j);
	}
	jsonw_array_end(&j);
	jsonw_uint(&j, "listeners_omitted_requests", t->listeners_omitted);
	jsonw_object_end(&j);
	jsonw_array_begin(&j, "diagnoses");
	for (size_t i = 0; i < r->ds->n; i++)
		if (r->ds->d[i].severity != LEVEL_LOW)
			json_diagnosis(&j, r, &r->ds->d[i]);
	jsonw_array_end(&j);
	jsonw_array_begin(&j, "suggestions");
	for (size_t i = 0; i < r->ds->n; i++)
		if (r->ds->d[i].severity == LEVEL_LOW)
			json_diagnosis(&j, r, &r->ds->d[i]);
	jsonw_array_end(&j);
	jsonw_object_begin(&j, "summary");
	jsonw_uint(&j, "diagnoses", r->ds->n - r->ds->suggestions);
	jsonw_uint(&j, "suggestions", r->ds->suggestions);
	jsonw_uint(&j, "high", r->ds->count[LEVEL_HIGH]);
	jsonw_uint(&j, "medium", r->ds->count[LEVEL_MEDIUM]);
	jsonw_uint(&j, "low", r->ds->count[LEVEL_LOW]);
	jsonw_uint(&j, "health_checks", health_checks(t));
	jsonw_uint(&j, "requests", report_requests(t));
	jsonw_uint(&j, "clients", rank_distinct(&t->rank));
	jsonw_uint(&j, "forged_requests", t->rank.forged_requests);
	jsonw_object_end(&j);
	json_timeline(&j, &t->timeline);
	json_top_clients(&j, r);
	json_forgers(&j, r);
	jsonw_object_end(&j);
	jsonw_newline(&j);
	n = j.failed ? -ENOMEM : 0;
	if (!n)
		fwrite(j.buf, 1, j.len, f);
	jsonw_free(&j);
	return n;
}
