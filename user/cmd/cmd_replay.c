// SPDX-License-Identifier: BSD-2-Clause
/*
 * `xffwatch replay`: capture files through the kernel program's own parsing
 * code compiled natively (capture/native_prog.c), then through what the
 * observer does with the ring buffer's records (cmd/event_writer.c), on the
 * capture's clock. No privileges, no BPF (docs/replay.md).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "capture/capture.h"
#include "capture/native_prog.h"
#include "capture/progress.h"
#include "cmd/cli.h"
#include "cmd/cmd_replay.h"
#include "cmd/event_writer.h"
#include "kernel/privileged_files.h"
#include "util/log.h"

/* As live: how long records of a flow that ended may still come (none do here). */
#define END_GRACE_NS	   (1000ULL * 1000 * 1000)
/* The daemon drains its ring buffer every 20 ms: the tracker expires on that clock too. */
#define EXPIRE_EVERY_NS	   (20ULL * 1000 * 1000)
/* Frames between writes of the outputs. */
#define FLUSH_EVERY_FRAMES 4096
/* How long a slow output is waited for, each time its queue passes a quarter. */
#define WAIT_OUTPUT_MS	   5000
#define DRAIN_MS	   5000
/*
 * Events go out in the order their requests began: an event is held until no
 * request that began before it can still come, i.e. none is waiting for its
 * response and the capture's clock is past it by more than the reordering
 * holds a segment (capture/reorder.h: 500 ms).
 */
#define ORDER_SLACK_NS	   (1000ULL * 1000 * 1000)

struct replay {
	const struct options *opts;
	struct event_writer w;
	struct event_order order;
	/* How event files are made: the outputs keep a pointer to these for their life. */
	struct file_settings file_set;
	struct file_ops file_ops;
	struct native_prog *prog;
	struct capture *cap;
	struct progress *progress;
	uint64_t now_ns; /* the capture's clock: the time of the frame being parsed */
};

static void on_record(void *ctx, const void *data, size_t len)
{
	struct replay *r = ctx;

	event_writer_record(&r->w, data, len, r->now_ns);
}

/* Has an output a quarter of its queue waiting? */
static bool behind(const struct replay *r)
{
	for (size_t i = 0; i < r->w.sinks.n; i++) {
		struct sink_stats st;

		sink_stats(&r->w.sinks, i, &st);
		if (st.queued > r->opts->queue_bytes / 4)
			return true;
	}
	return false;
}

/* Lets the outputs write; one that falls behind is waited for: a capture has time. */
static void write_out(struct replay *r)
{
	event_writer_flush(&r->w);
	if (behind(r))
		sinks_drain(&r->w.sinks, WAIT_OUTPUT_MS);
}

/*
 * Held events that began before @horizon_ns to the outputs, one at a time,
 * writing whenever a queue is a quarter full: replay never drops an event
 * for a full queue (it has time to wait; live has not).
 */
static void release(struct replay *r, uint64_t horizon_ns)
{
	while (event_order_release(&r->order, &r->w.sinks, horizon_ns, 1))
		if (behind(r))
			write_out(r);
}

static void report(struct replay *r)
{
	struct capture_counters cc;
	struct stats s;
	struct jsonw j;

	memset(&s, 0, sizeof(s));
	s.flows_live = -1;
	native_prog_counters(r->prog, s.kernel);
	event_writer_stats(&r->w, &s);
	capture_counters(r->cap, &cc);
	s.capture = &cc;
	jsonw_init(&j);
	stats_json(&j, &s);
	log_msg(LL_INFO, "counters: %.*s", (int)j.len, j.buf);
	if (r->opts->stats[0] && !j.failed) {
		int err;

		jsonw_newline(&j);
		err = stats_file_write(r->opts->stats, j.buf, j.len);
		if (err)
			log_warn("cannot write %s: %s", r->opts->stats, strerror(-err));
	}
	jsonw_free(&j);
}

/* The outputs, their files made as the observer makes them, by this user. 0 or -1 after logging. */
static int open_outputs(struct replay *r)
{
	if (options_file_settings(r->opts, &r->file_set))
		return -1;
	r->file_ops = file_ops_local(&r->file_set);
	return sinks_open(&r->w.sinks, &r->opts->output, &r->file_ops) ? -1 : 0;
}

/* Every frame of the capture through the program. 0, or 2 after a one-line error. */
static int run(struct replay *r)
{
	char err[CAPTURE_ERR_MAX];
	uint64_t frames = 0, expired = 0;
	struct capture_frame f;
	int rc;

	while ((rc = capture_next(r->cap, &f, err, sizeof(err))) > 0) {
		/* A frame cut by the capture length is never data: the parser sees a gap. */
		if (f.ts_ns > r->now_ns)
			r->now_ns = f.ts_ns;
		if (!f.cut)
			native_prog_run(r->prog, f.eth, f.len, f.ifindex, f.ts_ns);
		if (r->now_ns - expired >= EXPIRE_EVERY_NS) {
			uint64_t oldest = tracker_oldest_ns(r->w.tracker);
			uint64_t horizon =
				r->now_ns > ORDER_SLACK_NS ? r->now_ns - ORDER_SLACK_NS : 0;

			tracker_expire(r->w.tracker, r->now_ns);
			expired = r->now_ns;
			release(r, oldest < horizon ? oldest : horizon);
		}
		if (++frames % FLUSH_EVERY_FRAMES == 0)
			write_out(r);
		progress_update(r->progress, r->cap, r->w.events);
	}
	if (rc < 0) {
		progress_done(r->progress, r->cap, r->w.events);
		log_line(stderr, "xffwatch replay: %s", err);
		return 2;
	}
	return 0;
}

int replay_run(const struct options *o, const struct command_args *a)
{
	struct replay r = { .opts = o };
	struct native_prog_config cfg = { .ports = o->ports,
					  .head_budget = o->head_budget,
					  .flows = o->flows };
	char err[CAPTURE_ERR_MAX];
	int status = 2;

	log_set_level(o->verbosity ? LL_DEBUG : LL_INFO);
	for (size_t i = 0; i < o->nrules; i++)
		if (o->rules[i].iface[0])
			log_warn("the rule for interface %s never applies: a capture names no "
				 "interfaces (docs/replay.md)",
				 o->rules[i].iface);
	r.cap = capture_open(a->files, a->nfiles, NULL, err, sizeof(err));
	if (!r.cap) {
		log_line(stderr, "xffwatch replay: %s", err);
		return 2;
	}
	/* Record times are the capture's wall clock already. */
	r.w.to_real = 0;
	r.w.order = &r.order;
	r.w.nanoseconds = capture_nanoseconds(r.cap);
	if (event_writer_init(&r.w, o, END_GRACE_NS, err, sizeof(err))) {
		log_error("%s", err);
		goto out;
	}
	r.prog = native_prog_new(&cfg, on_record, &r);
	if (!r.prog) {
		log_error("out of memory");
		goto out;
	}
	if (open_outputs(&r))
		goto out;
	r.progress = progress_new(2, a->quiet);
	status = run(&r);
	/* What still waits for a response is written, saying the capture ended first. */
	tracker_flush(r.w.tracker, NR_CAPTURE_END);
	release(&r, UINT64_MAX);
	if (r.order.forced)
		log_warn("%llu events were written before earlier ones to keep within %u events "
			 "or %llu MiB held",
			 (unsigned long long)r.order.forced, ORDER_MAX_EVENTS,
			 (unsigned long long)(ORDER_MAX_BYTES >> 20));
	if (status == 0)
		progress_done(r.progress, r.cap, r.w.events);
	sinks_drain(&r.w.sinks, DRAIN_MS);
	report(&r);
	if (sinks_broken(&r.w.sinks) && status == 0)
		status = 1;
out:
	sinks_close(&r.w.sinks, 0);
	progress_free(r.progress);
	native_prog_free(r.prog);
	if (r.w.tracker)
		event_writer_free(&r.w);
	event_order_free(&r.order);
	capture_close(r.cap);
	return status;
}
