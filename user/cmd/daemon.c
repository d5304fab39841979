// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <limits.h>
#include <time.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event/audit_event.h"
#include "pipeline/clock.h"
#include "kernel/bpf_counters.h"
#include "cmd/daemon.h"
#include "util/log.h"
#include "kernel/privsep.h"
#include "event/pseudonym.h"
#include "pipeline/request.h"
#include "output/outputs.h"
#include "output/daemon_stats.h"
#include "pipeline/tracker.h"
#include "trust/rules.h"
#include "kernel/iface_watch.h"
#include "xffwatch.skel.h"

/* How long records of a flow that ended may still come from other CPUs. */
#define END_GRACE_NS  (1000ULL * 1000 * 1000)
/* Requests waiting for their responses, all flows, and on one flow. */
#define MAX_PENDING   262144
#define MAX_PER_FLOW  64
#define STATS_EVERY_S 10
#define TICKS_PER_S   (1000 / XFFW_POLL_MS)
/* Bytes queued since the last write that trigger one before the batch ends. */
#define FLUSH_AT      (256 * 1024)
/* How long slow outputs get at exit. */
#define DRAIN_MS      5000

struct daemon {
	const struct options *opts;
	struct xffwatch_bpf *skel;
	struct ring_buffer *rb;
	struct watcher watch;
	bool watching;
	struct attacher *attacher;  /* privileged operations: here, or in the helper */
	struct file_settings files; /* of event files, for whoever makes them */
	struct sinks sinks;
	struct pseudo pseudo;
	struct audit_event event; /* the event being written */
	int64_t mono_to_real;
	int epfd, sigfd, timerfd;
	int events_fd; /* the ring buffer's map, when the program's object is closed here */
	bool stop;
	pid_t helper_pid; /* the privileged helper, 0 when there is none */
	bool helper_died; /* nothing can be attached or opened any more: exit 1 */
	unsigned int ticks;
	uint64_t format_failures;  /* events that could not be formatted */
	uint64_t events_truncated; /* events with finding truncated, or written short anywhere */
	uint64_t events_shortened; /* events over AUDIT_EVENT_MAX, written short everywhere */
	size_t unflushed;	   /* bytes queued since the outputs last wrote */
	struct tracker *tracker;
	struct resolution res;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void flush_sinks(struct daemon *d)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	sinks_flush(&d->sinks, &now);
	d->unflushed = 0;
}

/* A request with its response, or given up on: one event on every output. */
static void on_exchange(void *ctx, const struct exchange *x)
{
	struct daemon *d = ctx;
	const struct http_request *req = x->req;
	struct audit_meta meta = { 0 };
	const struct sink_event *e;

	const struct watch_link *link = watch_link(&d->watch, (int)req->ifindex);
	const struct watch_link *bridge = watch_bridge_of(&d->watch, link);

	meta.when = clock_to_real(req->ts_ns, d->mono_to_real);
	meta.ifname = link ? link->info.name : NULL;
	meta.bridge = bridge ? bridge->info.name : NULL;
	meta.peer = link ? &link->meta : NULL;
	meta.egress = req->rec_flags & XFFW_REC_F_EGRESS;
	meta.status = x->status;
	meta.pseudo = &d->pseudo;
	meta.keep_query = d->opts->privacy.keep_query;
	meta.hide_user_agent = !d->opts->privacy.user_agent;
	if (x->status && x->response_ns > req->ts_ns)
		meta.duration_ns = x->response_ns - req->ts_ns;
	/* A rule for a bridge covers its ports. */
	trust_resolve(trust_pick(d->opts->rules, d->opts->nrules, req->dport,
				 meta.bridge ? meta.bridge : meta.ifname),
		      req, &d->res, NULL);
	if (!x->status) {
		d->res.findings |= 1U << FINDING_NO_RESPONSE;
		meta.no_response = no_response_reason_name(x->no_response);
	}
	e = audit_event_make(&d->event, req, &d->res, &meta, d->sinks.structured);
	if (!e) {
		d->format_failures++;
		return;
	}
	d->events_shortened += e->is_short;
	sinks_put(&d->sinks, e);
	/* Whole or short, once: a short form made for any output says truncated. */
	if ((d->res.findings & (1U << FINDING_TRUNCATED)) || d->event.short_made)
		d->events_truncated++;
	d->unflushed += e->len;
	if (d->unflushed >= FLUSH_AT)
		flush_sinks(d);
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

/* Ring-buffer callback: records go to the tracker, which calls on_exchange. */
static int on_record(void *ctx, void *data, size_t size)
{
	struct daemon *d = ctx;
	int type = tracker_record(d->tracker, data, size, now_ns());

	if (type == -EBADMSG && tracker_stats(d->tracker)->bad_records == 1)
		log_warn("dropping a malformed record from the kernel (%zu bytes)", size);
	if (type == XFFW_REC_NOT_HTTP)
		log_not_http(data);
	return 0;
}

static void collect_stats(struct daemon *d, struct stats *s)
{
	memset(s, 0, sizeof(*s));
	s->flows_live = -1;
	if (!d->attacher || d->attacher->counters(d->attacher, s->kernel, &s->flows_live))
		log_warn("cannot read the kernel counters");
	s->tracker = *tracker_stats(d->tracker);
	s->events_dropped = d->format_failures;
	s->events_truncated = d->events_truncated;
	s->events_shortened = d->events_shortened;
	for (size_t i = 0; i < d->sinks.n && i < STATS_MAX_OUTPUTS; i++) {
		struct stats_output *out = &s->outputs[s->noutputs++];

		out->name = sink_name(&d->sinks, i);
		sink_stats(&d->sinks, i, &out->st);
		s->events_written += out->st.events;
		s->events_dropped += out->st.dropped;
	}
}

/* The counters as JSON into the --stats file, replaced whole. */
static void write_stats_file(struct daemon *d, const struct stats *s)
{
	struct jsonw j;
	int err;

	if (!d->opts->stats[0] || !d->attacher)
		return;
	jsonw_init(&j);
	stats_json(&j, s);
	jsonw_newline(&j);
	err = j.failed ? -ENOMEM
		       : d->attacher->write_stats(d->attacher, d->opts->stats, j.buf, j.len);
	if (err)
		log_warn("cannot write %s: %s", d->opts->stats, strerror(-err));
	jsonw_free(&j);
}

static void print_counters(struct daemon *d)
{
	struct stats s;
	struct jsonw j;

	collect_stats(d, &s);
	jsonw_init(&j);
	stats_json(&j, &s);
	log_msg(LL_INFO, "counters: %.*s", (int)j.len, j.buf);
	jsonw_free(&j);
	write_stats_file(d, &s);
}

/* What the daemon is doing, in a few log lines. */
static void describe(const struct daemon *d)
{
	const struct options *o = d->opts;
	char ports[256];
	size_t n = 0;

	ports[0] = '\0';
	for (unsigned int p = 1; p <= 65535 && n < sizeof(ports) - 16; p++) {
		unsigned int q = p;

		if (!port_set_has(&o->ports, p))
			continue;
		while (q < 65535 && port_set_has(&o->ports, q + 1))
			q++;
		n += (size_t)snprintf(ports + n, sizeof(ports) - n, q > p ? "%s%u-%u" : "%s%u",
				      n ? "," : "", p, q);
		p = q;
	}
	log_info("responses awaited %u.%03u s; head budget %u bytes; flow table %u entries",
		 o->response_timeout_ms / 1000, o->response_timeout_ms % 1000, o->head_budget,
		 o->flows);
	for (size_t i = 0; i < o->nrules; i++) {
		const struct trust_rule *r = &o->rules[i];
		char where[64] = "default rule";

		if (r->port || r->iface[0])
			snprintf(where, sizeof(where), "port %u%s%s", r->port,
				 r->iface[0] ? " on " : "", r->iface);
		if (r->hops >= 0)
			log_info("%s: %s, %d hops from the right", where, field_key(r->headers[0]),
				 r->hops);
		else
			log_info("%s: %s from %zu trusted CIDRs, %s", where,
				 field_key(r->headers[0]), r->ntrusted,
				 r->recursive ? "recursive" : "rightmost hop");
	}
	{
		char to[1024];
		size_t m = 0;

		to[0] = '\0';
		for (size_t i = 0; i < d->sinks.n && m < sizeof(to); i++)
			m += (size_t)snprintf(to + m, sizeof(to) - m, "%s%s", i ? ", " : "",
					      sink_name(&d->sinks, i));
		log_info("ports %s; events to %s", ports, to);
	}
}

static int load(struct daemon *d)
{
	__u32 zero = 0;
	int err;

	d->skel = xffwatch_bpf__open();
	if (!d->skel) {
		log_error("cannot open the BPF object: %s", strerror(errno));
		return -errno;
	}
	d->skel->rodata->field_mask = ~0U;
	d->skel->rodata->head_budget = d->opts->head_budget;
	err = bpf_map__set_max_entries(d->skel->maps.flows, d->opts->flows);
	if (err) {
		log_error("cannot size the flow table: %s", strerror(-err));
		return err;
	}
	err = xffwatch_bpf__load(d->skel);
	if (err) {
		log_error("cannot load the BPF program: %s%s", strerror(-err),
			  err == -EPERM
				  ? " (run as root: needs CAP_BPF, CAP_NET_ADMIN, CAP_PERFMON)"
				  : "");
		return err;
	}
	err = bpf_map_update_elem(bpf_map__fd(d->skel->maps.watched_ports), &zero, &d->opts->ports,
				  BPF_ANY);
	if (err) {
		log_error("cannot fill the port map: %s", strerror(errno));
		return -errno;
	}
	/* The ports never change once running: not even a compromised daemon may widen them. */
	if (bpf_map_freeze(bpf_map__fd(d->skel->maps.watched_ports))) {
		log_error("cannot freeze the port map: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int setup_fds(struct daemon *d)
{
	/* The kernel does not wake us for every record: we look this often. */
	struct itimerspec every_tick = { { 0, XFFW_POLL_MS * 1000000L },
					 { 0, XFFW_POLL_MS * 1000000L } };
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGHUP);
	sigaddset(&mask, SIGCHLD);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	/* Errors instead: a reader gone (EPIPE), a file size limit reached (EFBIG). */
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sigfd < 0 || d->timerfd < 0 || d->epfd < 0)
		return -errno;
	if (timerfd_settime(d->timerfd, 0, &every_tick, NULL))
		return -errno;

	ev.data.fd = ring_buffer__epoll_fd(d->rb);
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
		return -errno;
	ev.data.fd = d->sigfd;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->sigfd, &ev))
		return -errno;
	ev.data.fd = d->timerfd;
	if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, d->timerfd, &ev))
		return -errno;
	return 0;
}

static void on_signal(struct daemon *d)
{
	struct signalfd_siginfo si;

	while (read(d->sigfd, &si, sizeof(si)) == sizeof(si)) {
		switch (si.ssi_signo) {
		case SIGINT:
		case SIGTERM:
			log_debug("signal %u: stopping", si.ssi_signo);
			d->stop = true;
			break;
		case SIGUSR1:
			print_counters(d);
			break;
		case SIGCHLD: {
			pid_t pid;
			int st;

			/* Children we did not start (inherited across exec) are only reaped. */
			while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
				if (!d->helper_pid || pid != d->helper_pid)
					continue;
				/* Its links went with it, and no file can be reopened. */
				log_error("the privileged helper ended (%s %d); stopping",
					  WIFSIGNALED(st) ? "signal" : "status",
					  WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
				d->helper_died = true;
				d->stop = true;
			}
			break;
		}
		case SIGHUP:
			log_info("SIGHUP: reopening the output files");
			sinks_reopen(&d->sinks);
			flush_sinks(d);
			break;
		default:
			break;
		}
	}
}

static int consume(struct daemon *d)
{
	int n = ring_buffer__consume(d->rb);

	tracker_expire(d->tracker, now_ns());
	flush_sinks(d);
	if (sinks_broken(&d->sinks)) {
		log_error("every output is gone; stopping");
		d->stop = true;
	}
	return n;
}

static void on_timer(struct daemon *d)
{
	uint64_t ticks;

	if (read(d->timerfd, &ticks, sizeof(ticks)) < 0)
		return;
	consume(d);
	if (++d->ticks % TICKS_PER_S)
		return;
	d->mono_to_real = clock_mono_to_real_offset();
	if (d->opts->stats[0] && d->ticks % (TICKS_PER_S * STATS_EVERY_S) == 0) {
		struct stats s;

		collect_stats(d, &s);
		write_stats_file(d, &s);
	}
}

static int loop(struct daemon *d)
{
	int ring_fd = ring_buffer__epoll_fd(d->rb);

	while (!d->stop) {
		struct epoll_event evs[4];
		int n = epoll_wait(d->epfd, evs, 4, -1);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			log_error("epoll_wait: %s", strerror(errno));
			return -errno;
		}
		for (int i = 0; i < n; i++) {
			if (evs[i].data.fd == ring_fd)
				consume(d);
			else if (evs[i].data.fd == d->sigfd)
				on_signal(d);
			else if (evs[i].data.fd == d->timerfd)
				on_timer(d);
			else if (evs[i].data.fd == watch_fd(&d->watch))
				watch_update(&d->watch);
		}
	}
	return 0;
}

/* Moves this process into the network namespace @spec (a name or a path). */
static int enter_netns(const char *spec)
{
	char path[PATH_MAX + 32];
	int fd, err = 0;

	snprintf(path, sizeof(path), "%s%s", spec[0] == '/' ? "" : "/var/run/netns/", spec);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0 || setns(fd, CLONE_NEWNET)) {
		err = -errno;
		log_error("--netns %s: %s", path, strerror(errno));
	}
	if (fd >= 0)
		close(fd);
	return err;
}

/*
 * The privileged operations: here when running as root, else in a helper
 * forked now, before anything else is opened. 0 or -1 after logging.
 */
static int start_privileged(struct daemon *d, bool drop)
{
	struct attacher_fds fds = {
		.prog = bpf_program__fd(d->skel->progs.xffwatch_tc),
		.counters = bpf_map__fd(d->skel->maps.counters),
		.flows = bpf_map__fd(d->skel->maps.flows),
	};
	/* What the helper may write for us: the outputs and the counters' file. */
	const struct privsep_paths paths = {
		.outputs = d->opts->outputs,
		.noutputs = d->opts->noutputs,
		.stats = d->opts->stats,
	};

	d->attacher = drop ? privsep_start(&fds, d->opts->attach, &paths, &d->files)
			   : attacher_local(&fds, d->opts->attach, &d->files);
	if (!d->attacher) {
		log_error("cannot start the privileged helper: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* How event files are made and kept, whoever makes them. 0 or -1 after logging. */
static int file_settings(struct daemon *d)
{
	const struct file_opts *f = &d->opts->files;
	char err[256];

	d->files = (struct file_settings){ .mode = f->mode, .retain_days = f->retain_days };
	if (privsep_owner(f->owner, f->group, &d->files.uid, &d->files.gid, err, sizeof(err))) {
		log_error("%s", err);
		return -1;
	}
	return 0;
}

int daemon_run(const struct options *o)
{
	struct daemon d = { .opts = o, .epfd = -1, .sigfd = -1, .timerfd = -1, .events_fd = -1 };
	struct epoll_event ev = { .events = EPOLLIN };
	struct tracker_config tc = {
		.response_timeout_ns = (uint64_t)o->response_timeout_ms * 1000000ULL,
		.end_grace_ns = END_GRACE_NS,
		.max_pending = MAX_PENDING,
		.max_per_flow = MAX_PER_FLOW,
	};
	uid_t uid = 0;
	gid_t gid = 0;
	char err[PATH_MAX + 128];
	sigset_t chld;
	bool drop;
	int status = 1;

	audit_event_init(&d.event);
	d.mono_to_real = clock_mono_to_real_offset();

	if (o->netns[0] && enter_netns(o->netns))
		goto cleanup;
	if (privsep_lookup(o->user, &uid, &gid, err, sizeof(err))) {
		log_error("%s", err);
		goto cleanup;
	}
	drop = uid != 0;
	if (pseudo_init(&d.pseudo, o->privacy.pseudonymize, o->privacy.hmac_key, err,
			sizeof(err))) {
		log_error("%s", err);
		goto cleanup;
	}
	d.tracker = tracker_new(&tc, on_exchange, &d);
	if (!d.tracker) {
		log_error("out of memory");
		goto cleanup;
	}
	/* A helper that dies early is still noticed: SIGCHLD waits for the signalfd. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	if (file_settings(&d) || load(&d) || start_privileged(&d, drop) ||
	    sinks_open(&d.sinks, &o->output, &d.attacher->files))
		goto cleanup;
	if (drop)
		d.helper_pid = privsep_helper_pid(d.attacher);
	if (drop) {
		/*
		 * The helper holds the program and its maps; this process keeps only
		 * the ring buffer, so that it can load, attach or change nothing.
		 */
		d.events_fd = fcntl(bpf_map__fd(d.skel->maps.events), F_DUPFD_CLOEXEC, 3);
		xffwatch_bpf__destroy(d.skel);
		d.skel = NULL;
	} else {
		d.events_fd = bpf_map__fd(d.skel->maps.events);
	}
	d.rb = d.events_fd >= 0 ? ring_buffer__new(d.events_fd, on_record, &d, NULL) : NULL;
	if (!d.rb) {
		log_error("cannot set up the ring buffer: %s", strerror(errno));
		goto cleanup;
	}
	if (setup_fds(&d)) {
		log_error("cannot set up the event loop: %s", strerror(errno));
		goto cleanup;
	}
	if (drop) {
		int e = privsep_drop(uid, gid);

		if (e) {
			log_error("cannot become user %s: %s (--user root keeps the privileges)",
				  o->user, strerror(-e));
			goto cleanup;
		}
		log_info("running as %s (uid %u), no capabilities; attaching through a helper",
			 o->user, (unsigned int)uid);
	}
	d.watching = true;
	if (watch_start(&d.watch, &(struct watch_patterns){ o->ifaces, o->nifaces }, d.attacher))
		goto cleanup;
	ev.data.fd = watch_fd(&d.watch);
	if (epoll_ctl(d.epfd, EPOLL_CTL_ADD, ev.data.fd, &ev)) {
		log_error("cannot set up the event loop: %s", strerror(errno));
		goto cleanup;
	}
	describe(&d);

	if (!loop(&d) && !d.helper_died)
		status = 0;

cleanup:
	/* Detach first, then drain: nothing new arrives while the rest is written. */
	if (d.watching)
		watch_stop(&d.watch);
	if (d.rb) {
		consume(&d);
		/* What still waits for a response is written now, not lost. */
		tracker_flush(d.tracker);
		sinks_drain(&d.sinks, DRAIN_MS);
		print_counters(&d);
	}
	/* The outputs may still reopen a file through the helper: they go first. */
	sinks_close(&d.sinks, 0);
	if (d.attacher)
		d.attacher->close(d.attacher);
	ring_buffer__free(d.rb);
	if (!d.skel && d.events_fd >= 0)
		close(d.events_fd);
	xffwatch_bpf__destroy(d.skel);
	tracker_free(d.tracker);
	audit_event_free(&d.event);
	resolution_free(&d.res);
	if (d.epfd >= 0)
		close(d.epfd);
	if (d.sigfd >= 0)
		close(d.sigfd);
	if (d.timerfd >= 0)
		close(d.timerfd);
	return status;
}
