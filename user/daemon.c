// SPDX-License-Identifier: BSD-2-Clause
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include "attach.h"
#include "audit.h"
#include "clock.h"
#include "counters.h"
#include "daemon.h"
#include "log.h"
#include "output.h"
#include "request.h"
#include "trust.h"
#include "xffwatch.skel.h"

struct daemon {
	const struct options *opts;
	struct xffwatch_bpf *skel;
	struct ring_buffer *rb;
	struct attachment att[OPT_MAX_IFACES];
	size_t natt;
	struct output out;
	struct jsonw json;
	int64_t mono_to_real;
	int epfd, sigfd, timerfd;
	bool stop;
	uint64_t decode_errors;
	struct http_request req; /* reused: too big for the stack of a callback */
	struct resolution res;
};

static const char *ifname_of(const struct daemon *d, uint32_t ifindex)
{
	for (size_t i = 0; i < d->natt; i++)
		if ((uint32_t)d->att[i].ifindex == ifindex)
			return d->att[i].ifname;
	return NULL;
}

/* Ring-buffer callback: one record in, one JSON line out. */
static int on_record(void *ctx, void *data, size_t size)
{
	struct daemon *d = ctx;
	struct audit_meta meta;

	if (record_decode(data, size, &d->req)) {
		if (!d->decode_errors++)
			log_warn("dropping a malformed record from the kernel (%zu bytes)", size);
		return 0;
	}
	meta.when = clock_to_real(d->req.ts_ns, d->mono_to_real);
	meta.ifname = ifname_of(d, d->req.ifindex);
	trust_resolve(trust_pick(d->opts->rules, d->opts->nrules, d->req.dport, meta.ifname),
		      &d->req, &d->res, NULL);
	jsonw_reset(&d->json);
	audit_format(&d->json, &d->req, &d->res, &meta);
	if (d->json.failed) {
		d->out.dropped++;
		return 0;
	}
	output_line(&d->out, d->json.buf, d->json.len);
	return 0;
}

static void print_counters(struct daemon *d)
{
	uint64_t k[XFFW_CNT__MAX];
	char line[512];
	size_t n = 0;

	if (counters_read(bpf_map__fd(d->skel->maps.counters), k)) {
		log_warn("cannot read the kernel counters");
		return;
	}
	for (unsigned int i = 0; i < XFFW_CNT__MAX; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s=%llu ", counter_name(i),
				      (unsigned long long)k[i]);
	snprintf(line + n, sizeof(line) - n,
		 "events_written=%llu events_dropped=%llu decode_errors=%llu",
		 (unsigned long long)d->out.lines, (unsigned long long)d->out.dropped,
		 (unsigned long long)d->decode_errors);
	log_msg(LL_INFO, "counters: %s", line);
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
	for (size_t i = 0; i < d->natt; i++)
		log_info("watching %s ingress (%s)", d->att[i].ifname,
			 d->att[i].kind == ATTACH_TCX ? "tcx link" : "clsact filter");
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
	log_info("ports %s; events to %s", ports,
		 strcmp(o->output, "-") ? o->output : "standard output");
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
	return 0;
}

static int setup_fds(struct daemon *d)
{
	struct itimerspec every_second = { { 1, 0 }, { 1, 0 } };
	struct epoll_event ev = { .events = EPOLLIN };
	sigset_t mask;

	sigemptyset(&mask);
	sigaddset(&mask, SIGINT);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGUSR1);
	sigaddset(&mask, SIGHUP);
	if (sigprocmask(SIG_BLOCK, &mask, NULL))
		return -errno;
	signal(SIGPIPE, SIG_IGN);
	d->sigfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
	d->timerfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC | TFD_NONBLOCK);
	d->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (d->sigfd < 0 || d->timerfd < 0 || d->epfd < 0)
		return -errno;
	if (timerfd_settime(d->timerfd, 0, &every_second, NULL))
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
		default:
			break;
		}
	}
}

static void on_timer(struct daemon *d)
{
	uint64_t ticks;

	if (read(d->timerfd, &ticks, sizeof(ticks)) < 0)
		return;
	d->mono_to_real = clock_mono_to_real_offset();
}

static int consume(struct daemon *d)
{
	int n = ring_buffer__consume(d->rb);

	output_flush(&d->out);
	if (d->out.broken) {
		log_error("output closed by its reader; stopping");
		d->stop = true;
	}
	return n;
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
		}
	}
	return 0;
}

int daemon_run(const struct options *o)
{
	struct daemon d = { .opts = o, .epfd = -1, .sigfd = -1, .timerfd = -1 };
	int err, status = 1;

	jsonw_init(&d.json);
	d.out.fd = -1;
	d.mono_to_real = clock_mono_to_real_offset();

	err = output_open(&d.out, o->output);
	if (err) {
		log_error("cannot open %s: %s", o->output, strerror(-err));
		goto cleanup;
	}
	if (load(&d))
		goto cleanup;
	d.rb = ring_buffer__new(bpf_map__fd(d.skel->maps.events), on_record, &d, NULL);
	if (!d.rb) {
		log_error("cannot set up the ring buffer: %s", strerror(errno));
		goto cleanup;
	}
	if (setup_fds(&d)) {
		log_error("cannot set up the event loop: %s", strerror(errno));
		goto cleanup;
	}
	for (size_t i = 0; i < o->nifaces; i++) {
		if (attach_prog(bpf_program__fd(d.skel->progs.xffwatch_tc), o->ifaces[i], o->attach,
				&d.att[d.natt]))
			goto cleanup;
		d.natt++;
	}
	describe(&d);

	if (!loop(&d))
		status = 0;

cleanup:
	/* Detach first, then drain: nothing new arrives while the rest is written. */
	while (d.natt)
		attach_release(&d.att[--d.natt]);
	if (d.rb) {
		consume(&d);
		print_counters(&d);
	}
	output_close(&d.out);
	ring_buffer__free(d.rb);
	xffwatch_bpf__destroy(d.skel);
	jsonw_free(&d.json);
	if (d.epfd >= 0)
		close(d.epfd);
	if (d.sigfd >= 0)
		close(d.sigfd);
	if (d.timerfd >= 0)
		close(d.timerfd);
	return status;
}
