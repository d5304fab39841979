// SPDX-License-Identifier: BSD-2-Clause
/*
 * Fuzz target: an event file for `xffwatch doctor --events`. The input is
 * split into lines, each read as an event and added to the model; the first
 * byte picks the rule it is judged by. topology_add also feeds the timeline
 * and the client ranks (doctor/timeline.c, doctor/client_rank.c). Then the
 * diagnoses and both reports (to /dev/null), pseudonymised or not; the
 * aggregates' invariants are checked (every request counted once).
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "doctor/report.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct topology t;
	static struct diagnoses ds;
	static struct observation o;
	static struct pseudo pseudo = { .mode = PSEUDO_TRUNCATE };
	static FILE *null;
	struct report_source src = { .kind = "events" };
	struct report_stack stack;
	struct report r;
	const char *p = (const char *)data, *end = p + size;

	if (size < 1)
		return 0;
	fuzz_init_rules();
	if (!null)
		null = fopen("/dev/null", "w");
	if (topology_init(&t, &fuzz_rules[data[0] % 4], 1) || diagnoses_init(&ds))
		abort();
	for (p++; p < end;) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t len = nl ? (size_t)(nl - p) : (size_t)(end - p);

		if (observation_read(p, len, &o))
			t.skipped++;
		else
			topology_add(&t, &o);
		p += len + 1;
	}
	topology_finish(&t);
	diagnose(&t, &ds);
	stack_guess(&t, &stack);
	if (data[0] & 0x10)
		stack.mask = (1U << STACK__MAX) - 1;
	r = (struct report){ .t = &t,
			     .ds = &ds,
			     .src = &src,
			     .stack = &stack,
			     .pseudo = data[0] & 0x20 ? &pseudo : NULL };
	/* Every request is in a bucket, undated or outside; ranked with a client or unnamed. */
	if (t.timeline.dated + t.timeline.undated + t.timeline.outside != report_requests(&t) ||
	    t.rank.requests + t.rank.unnamed != report_requests(&t) ||
	    timeline_used(&t.timeline) > TIMELINE_BUCKETS)
		abort();
	report_text(null, &r);
	if (report_json(null, &r))
		abort();
	/* The page is drawn from that JSON: it must read back whatever the events. */
	if (report_html(null, &r))
		abort();
	diagnoses_free(&ds);
	topology_free(&t);
	return 0;
}
