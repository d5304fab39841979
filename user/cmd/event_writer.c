// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <string.h>
#include <time.h>

#include "cmd/event_writer.h"
#include "event/syslog_message.h"
#include "output/syslog_framing.h"
#include "pipeline/clock.h"
#include "pipeline/request.h"
#include "util/log.h"

/* Requests waiting for their responses, all flows, and on one flow. */
#define MAX_PENDING  262144
#define MAX_PER_FLOW 64
/* Bytes queued since the last write that trigger one before the batch ends. */
#define FLUSH_AT     (256 * 1024)

void event_writer_flush(struct event_writer *w)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	sinks_flush(&w->sinks, &now);
	w->unflushed = 0;
}

/*
 * Held for the order of request starts. A datagram output may want the short
 * form later, when the event's bytes are gone: it is made now if the event
 * could be too long for a datagram, without counting it truncated until an
 * output takes it (event_order's late_truncated).
 */
static void hold(struct event_writer *w, const struct sink_event *e, const struct http_request *req)
{
	const struct sink_event *brief = NULL;

	if (e->shorten && w->sinks.structured && e->len + SYSLOG_OVERHEAD_MAX > SYSLOG_DGRAM_MAX)
		brief = audit_event_brief(&w->event);
	event_order_hold(w->order, &w->sinks, e, brief, req->ts_ns, req->flow_id,
			 (w->res.findings & (1U << FINDING_TRUNCATED)) || w->event.short_made);
}

/* A request with its response, or given up on: one event on every output. */
static void on_exchange(void *ctx, const struct exchange *x)
{
	struct event_writer *w = ctx;
	const struct options *o = w->opts;
	const struct http_request *req = x->req;
	struct event_link link = { 0 };
	struct audit_meta meta = { 0 };
	const struct sink_event *e;
	uint32_t findings;

	if (w->link)
		w->link(w->link_ctx, req->ifindex, &link);
	meta.when = clock_to_real(req->ts_ns, w->to_real);
	meta.nanoseconds = w->nanoseconds;
	meta.ifname = link.ifname;
	meta.bridge = link.bridge;
	meta.peer = link.peer;
	meta.egress = req->rec_flags & XFFW_REC_F_EGRESS;
	meta.status = x->status;
	meta.pseudo = &w->pseudo;
	meta.keep_query = o->privacy.keep_query;
	meta.hide_user_agent = !o->privacy.user_agent;
	if (x->status && x->response_ns > req->ts_ns)
		meta.duration_ns = x->response_ns - req->ts_ns;
	if (w->owners) {
		/* (Request times are CLOCK_MONOTONIC: the cache's clock, without a call.) */
		for (int i = 0; i < 2; i++) {
			owner_resolve(w->owners, &req->sock[i], req->ts_ns, &w->owner[i]);
			meta.owner[i] = &w->owner[i];
		}
	}
	/* A rule for a bridge covers its ports. */
	trust_resolve(trust_pick(o->rules, o->nrules, req->dport,
				 meta.bridge ? meta.bridge : meta.ifname),
		      req, meta.owner[XFFW_DIR_REQUEST], &w->res, NULL);
	if (!x->status) {
		w->res.findings |= 1U << FINDING_NO_RESPONSE;
		meta.no_response = no_response_reason_name(x->no_response);
	}
	e = audit_event_make(&w->event, req, &w->res, &meta, w->sinks.structured);
	if (!e) {
		w->format_failures++;
		return;
	}
	w->events++;
	w->events_shortened += e->is_short;
	if (w->order)
		hold(w, e, req);
	else
		sinks_put(&w->sinks, e);
	/* Whole or short, once: a short form made for any output says truncated. */
	findings = w->res.findings;
	if (w->event.short_made)
		findings |= 1U << FINDING_TRUNCATED;
	if (findings & (1U << FINDING_TRUNCATED))
		w->events_truncated++;
	/* What the event says, as events_truncated counts it: a short form says truncated. */
	metrics_tally_event(&w->tally, req->dport, x->status, meta.duration_ns, findings);
	w->unflushed += e->len;
	if (w->unflushed >= FLUSH_AT)
		event_writer_flush(w);
}

static void log_not_http(const struct xffw_record_hdr *h)
{
	static const char *const what[] = { "?", "TLS", "HTTP/2 (prior knowledge)", "not HTTP/1.x",
					    "never at a message start" };
	struct ip_addr s, a;
	char st[IP_STR_MAX], at[IP_STR_MAX];

	if (log_get_level() < LL_DEBUG)
		return;
	ip_from_bytes(&s, h->family, h->saddr);
	ip_from_bytes(&a, h->family, h->daddr);
	ip_format(&s, st);
	ip_format(&a, at);
	log_debug("flow %s port %u -> %s port %u ignored: %s", st, h->sport, at, h->dport,
		  what[h->reason < 5 ? h->reason : 0]);
}

int event_writer_record(struct event_writer *w, const void *data, size_t size, uint64_t now_ns)
{
	int type = tracker_record(w->tracker, data, size, now_ns);

	if (type == -EBADMSG && tracker_stats(w->tracker)->bad_records == 1)
		log_warn("dropping a malformed record from the kernel (%zu bytes)", size);
	if (type == XFFW_REC_NOT_HTTP)
		log_not_http(data);
	return type;
}

void event_writer_stats(struct event_writer *w, struct stats *s)
{
	s->tracker = *tracker_stats(w->tracker);
	s->identity = w->owners ? owner_cache_stats(w->owners) : NULL;
	s->events_dropped = w->format_failures;
	s->events_truncated = w->events_truncated + (w->order ? w->order->late_truncated : 0);
	s->events_shortened = w->events_shortened;
	s->events_unformattable = w->format_failures;
	for (size_t i = 0; i < w->sinks.n && i < STATS_MAX_OUTPUTS; i++) {
		struct stats_output *out = &s->outputs[s->noutputs++];

		out->name = sink_name(&w->sinks, i);
		out->kind = sink_kind(&w->sinks, i);
		sink_stats(&w->sinks, i, &out->st);
		s->events_written += out->st.events;
		s->events_dropped += out->st.dropped;
	}
}

int event_writer_init(struct event_writer *w, const struct options *o, uint64_t end_grace_ns,
		      char *err, size_t errlen)
{
	struct tracker_config tc = {
		.response_timeout_ns = (uint64_t)o->response_timeout_ms * 1000000ULL,
		.end_grace_ns = end_grace_ns,
		.max_pending = MAX_PENDING,
		.max_per_flow = MAX_PER_FLOW,
		/* A PROXY connection is held as long as the kernel follows it, at most. */
		.max_pp_conns = o->flows,
	};

	w->opts = o;
	metrics_tally_init(&w->tally);
	audit_event_init(&w->event);
	if (pseudo_init(&w->pseudo, o->privacy.pseudonymize, o->privacy.hmac_key, err, errlen))
		return -1;
	w->tracker = tracker_new(&tc, on_exchange, w);
	if (!w->tracker) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	return 0;
}

void event_writer_free(struct event_writer *w)
{
	tracker_free(w->tracker);
	w->tracker = NULL;
	owner_cache_free(w->owners);
	w->owners = NULL;
	audit_event_free(&w->event);
	resolution_free(&w->res);
}
