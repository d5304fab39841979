/* SPDX-License-Identifier: BSD-2-Clause */
/* The doctor's report: readable text, or one JSON object (docs/doctor.md, "Output"). */
#ifndef XFFW_REPORT_H
#define XFFW_REPORT_H

#include <stdbool.h>
#include <stdio.h>

#include "doctor/diagnose.h"
#include "doctor/topology.h"
#include "event/pseudonym.h"

/* Where the events came from. */
struct report_source {
	const char *kind; /* "live", "pcap", "events" */
	char *const *files;
	size_t nfiles;
	double seconds;	      /* live: how long it watched; else the events' span */
	bool interrupted;     /* live: Ctrl-C, SIGTERM, or the observer stopped on its own */
	const char *ended_by; /* "duration", "requests", "interrupt", "observer", "end"; NULL */
};

/* What runs on the path: named with --stack, or guessed from the traffic. */
struct report_stack {
	unsigned int mask; /* 1 << enum stack */
	bool guessed;
	char why[256];
};

/* Guesses the stack from @t (headers proxies add, app ports) into @s. */
void stack_guess(const struct topology *t, struct report_stack *s);

struct report {
	const struct topology *t;
	const struct diagnoses *ds;
	const struct report_source *src;
	const struct report_stack *stack;
	const struct pseudo *pseudo; /* client addresses written as this says; NULL: as they are */
};

/* Requests seen: events, health checks (PROXY LOCAL) apart. */
uint64_t report_requests(const struct topology *t);

/*
 * @a as the report shows it (addr_shown): a trusted peer's (@infra) as it is,
 * any other as a client's, as the privacy settings say. a->text, @buf holding
 * the pseudonym, or "invalid".
 */
const char *report_addr(const struct report *r, const struct obs_addr *a, bool infra,
			char buf[PSEUDO_TEXT_MAX]);

/* A forger's value as shown: at most one pseudonym per ", "-separated hop, and the separators. */
#define REPORT_VALUE_MAX ((FORGER_VALUE_TEXT / 3 + 1) * (PSEUDO_TEXT_MAX + 2))

/*
 * A forger's value (struct forger_value's header and text) as the report
 * shows it: each hop as a client's address is (pseudonymised as the
 * settings say), "..." as it is; a Forwarded value element by element
 * (forwarded_shown). @buf (REPORT_VALUE_MAX), or @value itself when shown
 * as it is.
 */
const char *report_value(const struct report *r, unsigned int header, const char *value,
			 char buf[REPORT_VALUE_MAX]);

/* A top client as the report shows it (pseudonymised: the clients one pseudonym covers, merged). */
struct report_client {
	char address[PSEUDO_TEXT_MAX];
	uint64_t requests; /* exact when the rank is (rank_exact), else a lower bound */
};

/* The top clients as shown, most requests first (ties: address text), into @out. How many. */
size_t report_top_clients(const struct report *r, struct report_client out[RANK_SHOWN]);

/* A forger's value as shown (values that show alike, merged). */
struct report_value {
	unsigned int header; /* a field id, or TRUST_PROXY_PROTOCOL */
	char text[REPORT_VALUE_MAX];
	uint64_t requests;
};

/* @f's values as shown, in the order first seen, into @out. How many. */
size_t report_forger_values(const struct report *r, const struct forger *f,
			    struct report_value out[FORGER_VALUES]);

/* The forgers, most requests first (ties: first seen), as pointers into r->t->rank, in @out. How many. */
size_t report_forgers(const struct report *r, const struct forger *out[FORGERS_MAX]);

/* @secs (since the epoch) as RFC 3339 UTC, "2026-11-27T11:49:40Z", into @buf; @buf. */
#define REPORT_TIME_MAX 32
const char *report_time(uint64_t secs, char buf[REPORT_TIME_MAX]);

void report_text(FILE *f, const struct report *r);
/* 0, or -ENOMEM. */
int report_json(FILE *f, const struct report *r);
/*
 * The HTML page (docs/doctor.md, "HTML report"), drawn from report_json's
 * document: 0, -ENOMEM, or -EIO when @f refused the bytes.
 */
int report_html(FILE *f, const struct report *r);
/* The page from the doctor's JSON text: 0, -EINVAL (not JSON), -ENOMEM or -EIO. */
int report_html_json(FILE *f, const char *json, size_t len);

#endif
