/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Events held back and handed to the outputs in the order their requests
 * began (replay: a capture's events come out in request order, not in the
 * order their exchanges completed). Each event is copied whole, with its
 * syslog data and, when a datagram output may want it, its short form.
 * Bounded: past ORDER_MAX_EVENTS or ORDER_MAX_BYTES held, the earliest goes
 * out at once (counted).
 */
#ifndef XFFW_EVENT_ORDER_H
#define XFFW_EVENT_ORDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event/sink_event.h"
#include "output/outputs.h"

#define ORDER_MAX_EVENTS 262144
#define ORDER_MAX_BYTES	 (256ULL << 20)

struct held_event;

struct event_order {
	struct held_event **heap; /* by request start, then flow, then arrival */
	size_t n, cap;
	uint64_t bytes;	 /* held */
	uint64_t seq;	 /* arrivals, for a stable order */
	uint64_t forced; /* released early to stay within the bounds */
	/* Events a datagram output took in their short form, not counted truncated before. */
	uint64_t late_truncated;
};

/*
 * Holds a copy of @e, whose request began at @start_ns on flow @flow_id. With
 * @brief (the short form, for datagram outputs) copied too; @truncated: the
 * event is counted truncated already. 0, or -ENOMEM (the event is then handed
 * to @sinks at once).
 */
int event_order_hold(struct event_order *o, struct sinks *sinks, const struct sink_event *e,
		     const struct sink_event *brief, uint64_t start_ns, uint64_t flow_id,
		     bool truncated);

/*
 * Hands held events that began before @horizon_ns to @sinks, in order, at
 * most @max of them (the caller lets the outputs write between batches).
 * Returns how many.
 */
size_t event_order_release(struct event_order *o, struct sinks *sinks, uint64_t horizon_ns,
			   size_t max);

void event_order_free(struct event_order *o);

#endif
