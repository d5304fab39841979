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
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "event/audit_event.h"
#include "identity/cgroup_tree.h"
#include "pipeline/clock.h"
#include "kernel/bpf_counters.h"
#include "cmd/daemon.h"
#include "cmd/event_writer.h"
#include "cmd/version.h"
#include "util/log.h"
#include "kernel/privsep.h"
#include "event/pseudonym.h"
#include "pipeline/request.h"
#include "output/outputs.h"
#include "output/daemon_stats.h"
#include "output/metrics_page.h"
#include "output/metrics_server.h"
#include "pipeline/tracker.h"
#include "trust/rules.h"
#include "kernel/iface_watch.h"
#include "xffwatch.skel.h"

/* How long records of a flow that ended may still come from other CPUs. */
#define END_GRACE_NS  (1000ULL * 1000 * 1000)
#define STATS_EVERY_S 10
#define TICKS_PER_S   (1000 / XFFW_POLL_MS)
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
	struct event_writer w;	    /* records to events, to the outputs */
	int epfd, sigfd, timerfd;
	int events_fd; /* the ring buffer's map, when the program's object is closed here */
	bool stop;
	pid_t helper_pid; /* the privileged helper, 0 when there is none */
	bool helper_died; /* nothing can be attached or opened any more: exit 1 */
	unsigned int ticks;
	uint64_t drain_ns;		/* the clock when this drain of the ring buffer began */
	struct metrics_server *metrics; /* --metrics, NULL when off */
	double start_time;		/* seconds since the epoch, for the metrics */
	/* The flow table's last walk (walk_flows): its size (-1: none yet) and the evictions. */
	long flows_live;
	uint64_t flow_evictions;
};

static double now_real_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* The interface a record came by, as the watcher knows it. */
static void link_of(void *ctx, uint32_t ifindex, struct event_link *out)
{
	struct watcher *watch = ctx;
	const struct watch_link *link = watch_link(watch, (int)ifindex);
	const struct watch_link *bridge = watch_bridge_of(watch, link);

	out->ifname = link ? link->info.name : NULL;
	out->bridge = bridge ? bridge->info.name : NULL;
	out->peer = link ? &link->meta : NULL;
}

/*
 * Ring-buffer callback: records go to the tracker, and on to the outputs.
 * The clock is read once per drain, not per record: it only dates a flow's
 * end, whose grace period then starts when the drain began. Every record the
 * drain reads is handled before the grace is checked, so only a drain held up
 * for a large part of the grace (a blocked write) shortens it for records
 * written after the drain began.
 */
static int on_record(void *ctx, void *data, size_t size)
{
	struct daemon *d = ctx;

	event_writer_record(&d->w, data, size, d->drain_ns);
	return 0;
}

/*
 * A walk of the flow table, O(table): only every STATS_EVERY_S on the timer
 * with --stats, on SIGUSR1 and at exit, never per scrape. Its size and the evictions it
 * proves are kept for the counters read in between.
 */
static void walk_flows(struct daemon *d)
{
	uint64_t before[XFFW_CNT__MAX], after[XFFW_CNT__MAX];
	long live = -1;

	if (!d->attacher || d->attacher->counters(d->attacher, before, NULL) ||
	    d->attacher->counters(d->attacher, after, &live))
		return;
	if (live < 0) {
		log_debug("flow table walk: %s; its figures stay", strerror((int)-live));
		return;
	}
	d->flows_live = live;
	d->flow_evictions = stats_flow_evictions(d->flow_evictions, before[XFFW_CNT_FLOWS],
						 after[XFFW_CNT_FLOW_ENDS], live);
}

/* The counters now; the flow table's figures as of its last walk. */
static void collect_stats(struct daemon *d, struct stats *s)
{
	memset(s, 0, sizeof(*s));
	if (!d->attacher || d->attacher->counters(d->attacher, s->kernel, NULL))
		log_warn("cannot read the kernel counters");
	s->flows_live = d->flows_live;
	s->flow_evictions = d->flow_evictions;
	event_writer_stats(&d->w, s);
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

	walk_flows(d);
	collect_stats(d, &s);
	jsonw_init(&j);
	stats_json(&j, &s);
	log_msg(LL_INFO, "counters: %.*s", (int)j.len, j.buf);
	jsonw_free(&j);
	write_stats_file(d, &s);
}

/* A scrape of /metrics: the counters (no walk of the flow table), then the page. */
static int metrics_scrape(void *ctx, char **out, size_t *len)
{
	struct daemon *d = ctx;
	const struct metrics_info info = { .version = XFFWATCH_VERSION,
					   .abi = XFFW_ABI_VERSION,
					   .start_time = d->start_time };
	struct stats s;

	collect_stats(d, &s);
	return metrics_page(&s, &d->w.tally, &info, out, len);
}

/*
 * The metrics server: its socket bound now, while still privileged (a port
 * below 1024 works) and after the helper is forked (which must not hold it);
 * its connections are served from the loop. 0 or -1 after logging.
 */
static int start_metrics(struct daemon *d)
{
	char why[256];

	if (!d->opts->metrics[0])
		return 0;
	d->metrics = metrics_server_new(d->opts->metrics, metrics_scrape, d, why, sizeof(why));
	if (!d->metrics) {
		log_error("%s", why);
		return -1;
	}
	/* Under --netns that address is the watched namespace's, not the host's. */
	if (d->opts->netns[0])
		log_info("metrics at http://%s/metrics in network namespace %s",
			 metrics_server_address(d->metrics), d->opts->netns);
	else
		log_info("metrics at http://%s/metrics", metrics_server_address(d->metrics));
	return 0;
}

/* What the daemon is doing, in a few log lines. */
/* The headers a rule reads, in its order: "proxy-protocol,x-forwarded-for". */
static void headers_text(const struct trust_rule *r, char *buf, size_t len)
{
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < r->nheaders && n < len; i++)
		n += (size_t)snprintf(buf + n, len - n, "%s%s", i ? "," : "",
				      trust_source_key(r->headers[i]));
}

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
		char where[64] = "default rule", heads[256];

		if (r->port || r->iface[0])
			snprintf(where, sizeof(where), "port %u%s%s", r->port,
				 r->iface[0] ? " on " : "", r->iface);
		headers_text(r, heads, sizeof(heads));
		if (r->hops >= 0)
			log_info("%s: %s, %d hops from the right%s", where, heads, r->hops,
				 r->nlocal ? "; peers on this host by their owner" : "");
		else
			log_info("%s: %s from %zu trusted CIDRs, %s%s", where, heads, r->ntrusted,
				 r->recursive ? "recursive" : "rightmost hop",
				 r->nlocal ? "; peers on this host by their owner" : "");
	}
	{
		char to[1024];
		size_t m = 0;

		to[0] = '\0';
		for (size_t i = 0; i < d->w.sinks.n && m < sizeof(to); i++)
			m += (size_t)snprintf(to + m, sizeof(to) - m, "%s%s", i ? ", " : "",
					      sink_name(&d->w.sinks, i));
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

/* Do events go to standard output, and is it a pipe or a socket? */
static bool stdout_is_pipe(const struct options *o)
{
	struct stat st;
	bool named = false;

	for (size_t i = 0; i < o->noutputs; i++)
		named |= !strcmp(o->outputs[i], "-");
	return named && !fstat(STDOUT_FILENO, &st) &&
	       (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode));
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
	if (d->metrics) {
		ev.data.fd = metrics_server_fd(d->metrics);
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, ev.data.fd, &ev))
			return -errno;
	}
	/*
	 * Events to a pipe (xffwatch doctor, `| head`): its reader gone is seen
	 * at once (EPOLLERR), not at the next event, which on a quiet port may
	 * never come.
	 */
	if (stdout_is_pipe(d->opts)) {
		ev.events = 0;
		ev.data.fd = STDOUT_FILENO;
		if (epoll_ctl(d->epfd, EPOLL_CTL_ADD, STDOUT_FILENO, &ev))
			return -errno;
	}
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
			sinks_reopen(&d->w.sinks);
			event_writer_flush(&d->w);
			break;
		default:
			break;
		}
	}
}

static int consume(struct daemon *d)
{
	int n;

	d->drain_ns = now_ns();
	n = ring_buffer__consume(d->rb);
	tracker_expire(d->w.tracker, now_ns());
	event_writer_flush(&d->w);
	if (sinks_broken(&d->w.sinks)) {
		log_error("every output is gone; stopping");
		d->stop = true;
	}
	return n;
}

static void on_timer(struct daemon *d)
{
	struct stats s;
	uint64_t ticks;

	if (read(d->timerfd, &ticks, sizeof(ticks)) < 0)
		return;
	consume(d);
	/* Its connections time out only when it runs. */
	if (d->metrics)
		metrics_server_run(d->metrics);
	if (++d->ticks % TICKS_PER_S)
		return;
	d->w.to_real = clock_mono_to_real_offset();
	/*
	 * Only for --stats, as before /metrics: with a million flows a walk holds
	 * this loop for over a second (records are lost meanwhile), too dear to
	 * pay every 10 s for a gauge nobody asked for.
	 */
	if (d->opts->stats[0] && d->ticks % (TICKS_PER_S * STATS_EVERY_S) == 0) {
		walk_flows(d);
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
			else if (d->metrics && evs[i].data.fd == metrics_server_fd(d->metrics))
				metrics_server_run(d->metrics);
			else if (evs[i].data.fd == STDOUT_FILENO) {
				log_info("standard output was closed by its reader; stopping");
				d->stop = true;
			}
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

int daemon_run(const struct options *o)
{
	struct daemon d = {
		.opts = o, .epfd = -1, .sigfd = -1, .timerfd = -1, .events_fd = -1, .flows_live = -1
	};
	struct epoll_event ev = { .events = EPOLLIN };
	uid_t uid = 0;
	gid_t gid = 0;
	char err[PATH_MAX + 128];
	sigset_t chld;
	bool drop;
	int status = 1;

	d.w.to_real = clock_mono_to_real_offset();
	d.start_time = now_real_s();
	d.w.link = link_of;
	d.w.link_ctx = &d.watch;

	if (o->netns[0] && enter_netns(o->netns))
		goto cleanup;
	if (privsep_lookup(o->user, &uid, &gid, err, sizeof(err))) {
		log_error("%s", err);
		goto cleanup;
	}
	drop = uid != 0;
	if (event_writer_init(&d.w, o, END_GRACE_NS, err, sizeof(err))) {
		log_error("%s", err);
		goto cleanup;
	}
	/* Sockets' owners: the cgroup2 tree and the user database stay readable unprivileged. */
	d.w.owners = owner_cache_new(&(struct owner_cache_config){
		.cgroup_root = o->cgroup_root[0] ? o->cgroup_root : NULL });
	if (!d.w.owners) {
		log_error("out of memory");
		goto cleanup;
	}
	if (o->cgroup_root[0] && !cgroup_root_valid(o->cgroup_root)) {
		log_error("--cgroup-root %s: not the root of a cgroup2 file system",
			  o->cgroup_root);
		goto cleanup;
	}
	if (!owner_cache_cgroup_root(d.w.owners)[0])
		log_warn(
			"no cgroup2 file system mounted: sockets' cgroups stay ids, without paths");
	/* A helper that dies early is still noticed: SIGCHLD waits for the signalfd. */
	sigemptyset(&chld);
	sigaddset(&chld, SIGCHLD);
	sigprocmask(SIG_BLOCK, &chld, NULL);
	if (options_file_settings(o, &d.files) || load(&d) || start_privileged(&d, drop) ||
	    sinks_open(&d.w.sinks, &o->output, &d.attacher->files) || start_metrics(&d))
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
	/* The flow table's figures from the start (it is near empty now). */
	if (o->stats[0])
		walk_flows(&d);

	if (!loop(&d) && !d.helper_died)
		status = 0;

cleanup:
	/* Closed first: nothing runs it any more, and the drain may take DRAIN_MS. */
	metrics_server_free(d.metrics);
	d.metrics = NULL;
	/* Detach first, then drain: nothing new arrives while the rest is written. */
	if (d.watching)
		watch_stop(&d.watch);
	if (d.rb) {
		consume(&d);
		/* What still waits for a response is written now, not lost. */
		tracker_flush(d.w.tracker, NR_SHUTDOWN);
		sinks_drain(&d.w.sinks, DRAIN_MS);
		print_counters(&d);
	}
	/* The outputs may still reopen a file through the helper: they go first. */
	sinks_close(&d.w.sinks, 0);
	if (d.attacher)
		d.attacher->close(d.attacher);
	ring_buffer__free(d.rb);
	if (!d.skel && d.events_fd >= 0)
		close(d.events_fd);
	xffwatch_bpf__destroy(d.skel);
	event_writer_free(&d.w);
	if (d.epfd >= 0)
		close(d.epfd);
	if (d.sigfd >= 0)
		close(d.sigfd);
	if (d.timerfd >= 0)
		close(d.timerfd);
	return status;
}
