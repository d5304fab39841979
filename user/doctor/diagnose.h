/* SPDX-License-Identifier: BSD-2-Clause */
/* From the model to diagnoses: each rule's thresholds (docs/doctor.md, "Diagnoses"). */
#ifndef XFFW_DIAGNOSE_H
#define XFFW_DIAGNOSE_H

#include <stddef.h>
#include <stdint.h>

#include "doctor/diagnosis.h"
#include "doctor/fixes.h"
#include "doctor/topology.h"
#include "event/pseudonym.h"

/* At most one of each per listener. */
#define DIAGNOSES_MAX	  (DIAG__MAX * TOPO_LISTENERS_MAX)
/* A diagnosis needs at least this many requests showing it. */
#define DIAG_MIN_REQUESTS 5
#define DIAG_NAT_MIN	  50
#define DIAG_NAT_SHARE	  95
#define CIDR_TEXT_MAX	  (IP_STR_MAX + 5)
/* The local proxy's share of local forwarding headers for trust-local-available (percent). */
#define DIAG_LOCAL_SHARE  99

struct diagnosis {
	enum diagnosis_id id;
	enum diag_level severity, confidence;
	size_t listener; /* index in the topology */
	char summary[1024];
	uint64_t requests; /* showing it */
	uint64_t of;	   /* the listener's requests */
	/* The addresses it is about (proxies, direct peers, clients), as the events show them. */
	struct obs_addr addrs[FIX_ADDRS_MAX];
	size_t naddrs;
	uint64_t depth;	      /* proxies seen in front (hops they append), 0 if unknown */
	uint64_t distinct;    /* rotation: forged values in one window */
	bool unnamed;	      /* a proxy to name in the fixes is a pseudonym */
	bool public_left_out; /* a public address was left out of the fixes' trust */
	bool no_stack_fixes;  /* no proxy: nothing for a stack to trust */
	struct topo_examples examples;
	/* Local owners it is about (bit i: the listener's owners[i]), and the others past them. */
	unsigned int owners;
	bool owners_other;
	char local_spec[FIX_LOCAL_MAX + 1]; /* the --trust-local SPEC for the fixes */
	/* What the fixes are made from; the strings live below. */
	struct fix_params fix;
	char proxy_text[FIX_ADDRS_MAX][CIDR_TEXT_MAX];
	char trusted_text[FIX_ADDRS_MAX][CIDR_TEXT_MAX];
};

struct diagnoses {
	struct diagnosis *d; /* DIAGNOSES_MAX */
	size_t n;
	size_t count[3];    /* by severity (suggestions not counted) */
	size_t suggestions; /* LEVEL_LOW: advice, reported apart, exit status 0 */
	/* Addresses in the summaries as the report shows them (addr_shown); NULL: as they are. */
	const struct pseudo *pseudo;
};

/* 0 or -ENOMEM; no pseudonyms (set ds->pseudo before diagnose to have them). */
int diagnoses_init(struct diagnoses *ds);
void diagnoses_free(struct diagnoses *ds);

/* Every diagnosis of @t (finished), by severity then listener. */
void diagnose(const struct topology *t, struct diagnoses *ds);

#endif
