/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Inside the doctor's diagnoses (diagnose.c, diagnose_pp.c): a diagnosis
 * being made, and what it is about.
 */
#ifndef XFFW_DIAGNOSE_DRAFT_H
#define XFFW_DIAGNOSE_DRAFT_H

#include "doctor/diagnose.h"

/* One of our proxies: acts as one, and is trusted or internal. */
bool diag_is_proxy(const struct topo_peer *p);

/* A new diagnosis of @l, with the rule's settings filled in for its fixes; NULL when full. */
struct diagnosis *diag_add(struct diagnoses *ds, const struct topology *t,
			   const struct topo_listener *l, enum diagnosis_id id,
			   enum diag_level severity, enum diag_level confidence);

/* Adds @a to the proxies @d's fixes name, as a host CIDR: internal addresses only. */
void diag_fix_proxy(struct diagnosis *d, const struct obs_addr *a);

/* Adds @a to what @d is about, and to the proxies its fixes name when @proxy. */
void diag_about(struct diagnosis *d, const struct obs_addr *a, bool proxy);

/*
 * @a as a summary quotes it: as the report shows it (addr_shown_in, with
 * ds->pseudo). a->text or @buf.
 */
const char *diag_addr(const struct diagnoses *ds, const struct topology *t,
		      const struct obs_addr *a, char buf[PSEUDO_TEXT_MAX]);

/* @e's examples to @d's, up to TOPO_EXAMPLES. */
void diag_examples(struct diagnosis *d, const struct topo_examples *e);

/* "port 5000 on lo", into @buf; returns @buf. */
const char *diag_listener_text(const struct topo_listener *l, char *buf, size_t len);

/* The PROXY-protocol diagnoses of @l (diagnose_pp.c); whether the preamble goes unread. */
bool diagnose_pp(struct diagnoses *ds, const struct topology *t, const struct topo_listener *l);

#endif
