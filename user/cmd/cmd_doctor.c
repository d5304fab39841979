// SPDX-License-Identifier: BSD-2-Clause
/*
 * `xffwatch doctor`: events in, a diagnosis out. Live and from captures, the
 * events come from the observer or `replay` run as a child with the same
 * settings (handed over as a configuration file, check-config's printout),
 * writing to a pipe; from an event file, they are read as they are. One
 * reader (doctor/event_read.c) takes all three, so the same traffic gives the
 * same diagnoses.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/cmd_doctor.h"
#include "cmd/config_file.h"
#include "doctor/diagnose.h"
#include "doctor/report.h"
#include "pipeline/clock.h"
#include "util/file_replace.h"
#include "util/log.h"

const char *const doctor_format_names[DOCTOR__FORMATS] = { "text", "json" };

#define DOCTOR_DURATION_MS_DEFAULT 60000
/* After the end is asked for, how long the child may take to write what it holds. */
#define CHILD_DRAIN_MS		   10000

static volatile sig_atomic_t interrupted;

static void on_interrupt(int sig)
{
	(void)sig;
	interrupted = 1;
}

/* Lines of events, from a descriptor, into the model. */
struct line_reader {
	char *buf;
	size_t len;
	bool skipping; /* inside a line longer than OBS_LINE_MAX (its newline not counted) */
	struct observation obs;
};

static void take_line(struct topology *t, struct line_reader *lr, const char *p, size_t n)
{
	if (n && p[n - 1] == '\r')
		n--;
	if (!n)
		return;
	if (observation_read(p, n, &lr->obs))
		t->skipped++;
	else
		topology_add(t, &lr->obs);
}

/* Takes the complete lines of @n new bytes at lr->buf + lr->len. */
static void feed(struct topology *t, struct line_reader *lr, size_t n)
{
	char *start = lr->buf, *end = lr->buf + lr->len + n, *nl;

	while ((nl = memchr(start, '\n', (size_t)(end - start)))) {
		if (lr->skipping)
			lr->skipping = false;
		else
			take_line(t, lr, start, (size_t)(nl - start));
		start = nl + 1;
	}
	lr->len = (size_t)(end - start);
	memmove(lr->buf, start, lr->len);
	if (lr->len > OBS_LINE_MAX) { /* no newline in sight: drop it, and its rest */
		if (!lr->skipping)
			t->skipped++;
		lr->skipping = true;
		lr->len = 0;
	}
}

/* Reads what @fd has: 1 at its end, 0 for more later, -errno. */
static int read_some(int fd, struct topology *t, struct line_reader *lr)
{
	ssize_t n = read(fd, lr->buf + lr->len, OBS_LINE_MAX + 1 - lr->len);

	if (n < 0)
		return errno == EINTR || errno == EAGAIN ? 0 : -errno;
	if (n == 0) {
		if (lr->len && !lr->skipping)
			take_line(t, lr, lr->buf, lr->len);
		lr->len = 0;
		return 1;
	}
	feed(t, lr, (size_t)n);
	return 0;
}

/* The event files in turn; Ctrl-C stops reading (a pipe that never ends) and the report follows. */
static int read_event_files(const struct command_args *a, struct topology *t,
			    struct line_reader *lr, struct report_source *src)
{
	for (size_t i = 0; i < a->ndoctor_files; i++) {
		const char *path = a->doctor_files[i];
		int fd = strcmp(path, "-") ? open(path, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
		int rc;

		if (fd < 0) {
			log_line(stderr, "xffwatch: %s: %s", path, strerror(errno));
			return -1;
		}
		lr->len = 0;
		lr->skipping = false;
		while (!(rc = read_some(fd, t, lr)) && !interrupted)
			;
		if (fd != STDIN_FILENO)
			close(fd);
		if (interrupted) {
			src->interrupted = true;
			src->ended_by = "interrupt";
			return 0;
		}
		if (rc < 0) {
			log_line(stderr, "xffwatch: %s: %s", path, strerror(-rc));
			return -1;
		}
	}
	return 0;
}

/*
 * The settings as a configuration file in memory for the child: the doctor's
 * own, with events to standard output only, whole addresses (the report
 * pseudonymises what it shows), no counters file. The descriptor, or -1.
 */
static int child_config(const struct options *o)
{
	static struct options c;
	int fd = memfd_create("xffwatch-doctor.conf", 0);
	FILE *f;

	if (fd < 0)
		return -1;
	c = *o;
	strcpy(c.outputs[0], "-");
	c.noutputs = 1;
	c.nsyslogs = 0;
	c.stats[0] = '\0';
	c.metrics[0] = '\0'; /* the doctor's child serves nothing */
	c.privacy.pseudonymize = PSEUDO_NONE;
	c.privacy.hmac_key[0] = '\0';
	f = fdopen(dup(fd), "w");
	if (!f) {
		close(fd);
		return -1;
	}
	conf_print(f, &c);
	if (fclose(f)) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Starts the observer (or replay, with @a's captures) writing events to *@out. Its pid, or -1. */
static pid_t start_child(const struct options *o, const struct command_args *a, int *out)
{
	char conf[64], *argv[DOCTOR_FILES_MAX + 8];
	int p[2], cfd = child_config(o);
	size_t n = 0;
	pid_t pid;

	if (cfd < 0 || pipe2(p, O_CLOEXEC)) {
		log_line(stderr, "xffwatch: doctor: cannot set up the observer: %s",
			 strerror(errno));
		if (cfd >= 0)
			close(cfd);
		return -1;
	}
	snprintf(conf, sizeof(conf), "/proc/self/fd/%d", cfd);
	argv[n++] = "xffwatch";
	if (a->doctor_source == DOCTOR_PCAP)
		argv[n++] = "replay";
	argv[n++] = "--config";
	argv[n++] = conf;
	if (o->verbosity)
		argv[n++] = "-v";
	if (a->quiet && a->doctor_source == DOCTOR_PCAP)
		argv[n++] = "-q";
	if (a->doctor_source == DOCTOR_PCAP) {
		argv[n++] = "--";
		for (size_t i = 0; i < a->ndoctor_files; i++)
			argv[n++] = a->doctor_files[i];
	}
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		log_line(stderr, "xffwatch: doctor: fork: %s", strerror(errno));
		close(cfd);
		close(p[0]);
		close(p[1]);
		return -1;
	}
	if (pid == 0) {
		/* The doctor gone, the observer goes too: it would watch for no one. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (dup2(p[1], STDOUT_FILENO) < 0)
			_exit(127);
		fcntl(cfd, F_SETFD, 0);
		signal(SIGINT, SIG_DFL);
		execv("/proc/self/exe", argv);
		_exit(127);
	}
	close(cfd);
	close(p[1]);
	*out = p[0];
	return pid;
}

static void progress(const struct command_args *a, const struct topology *t, uint64_t start_ms,
		     bool done)
{
	static uint64_t last_ms;
	uint64_t now = clock_mono_ms();

	if (a->quiet || !isatty(STDERR_FILENO))
		return;
	if (done) {
		fputs("\r\033[K", stderr);
		return;
	}
	if (now - last_ms < 1000)
		return;
	last_ms = now;
	fprintf(stderr, "\r\033[Kdoctor: %llu s of %u, %llu requests (Ctrl-C ends early)",
		(unsigned long long)((now - start_ms) / 1000), a->duration_ms / 1000,
		(unsigned long long)t->events);
}

/* Reads the child's events until it ends; asks it to end at the deadline or request count. */
static int read_child(const struct command_args *a, pid_t pid, int fd, struct topology *t,
		      struct line_reader *lr, struct report_source *src)
{
	bool live = a->doctor_source == DOCTOR_LIVE, asked = false;
	uint64_t start = clock_mono_ms(), stop_at = start + a->duration_ms, asked_at = 0;
	int st, rc = 0;

	for (;;) {
		uint64_t now = clock_mono_ms();
		struct pollfd pfd = { .fd = fd, .events = POLLIN };

		if (!asked) {
			if (interrupted)
				src->ended_by = "interrupt";
			else if (a->requests && t->events >= a->requests)
				src->ended_by = "requests";
			else if (live && now >= stop_at)
				src->ended_by = "duration";
		}
		if (!asked && src->ended_by) {
			kill(pid, SIGTERM);
			asked = true;
			asked_at = now;
			src->interrupted = interrupted;
		}
		if (asked && now - asked_at > CHILD_DRAIN_MS) {
			kill(pid, SIGKILL);
			break;
		}
		if (live)
			progress(a, t, start, false);
		if (poll(&pfd, 1, 200) < 0 && errno != EINTR)
			break;
		if (pfd.revents && (rc = read_some(fd, t, lr)) != 0)
			break;
	}
	if (live)
		progress(a, t, start, true);
	close(fd);
	src->seconds = (double)(clock_mono_ms() - start) / 1000.0;
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (rc < 0) {
		log_line(stderr, "xffwatch: doctor: reading events: %s", strerror(-rc));
		return -1;
	}
	if (!asked && !(WIFEXITED(st) && WEXITSTATUS(st) == 0)) {
		log_line(stderr, "xffwatch: doctor: the %s stopped (%s %d): see its message above",
			 live ? "observer" : "replay", WIFSIGNALED(st) ? "signal" : "status",
			 WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st));
		return -1;
	}
	if (!asked) {
		src->ended_by = live ? "observer" : "end";
		src->interrupted = live;
	}
	return 0;
}

static int gather(const struct options *o, const struct command_args *a, struct topology *t,
		  struct report_source *src)
{
	static struct line_reader lr;
	struct sigaction sa = { .sa_handler = on_interrupt };
	int fd, rc;
	pid_t pid;

	/* A line of OBS_LINE_MAX bytes and its newline fit. */
	lr.buf = malloc(OBS_LINE_MAX + 1);
	if (!lr.buf) {
		log_line(stderr, "xffwatch: doctor: out of memory");
		return -1;
	}
	sa.sa_flags = 0; /* no SA_RESTART: a read in progress ends with EINTR */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (a->doctor_source == DOCTOR_EVENTS) {
		rc = read_event_files(a, t, &lr, src);
	} else {
		signal(SIGPIPE, SIG_IGN);
		pid = start_child(o, a, &fd);
		rc = pid < 0 ? -1 : read_child(a, pid, fd, t, &lr, src);
	}
	/* From files, the time their events span; live, how long it watched (read_child). */
	if (a->doctor_source != DOCTOR_LIVE)
		src->seconds =
			t->last_ns > t->first_ns ? (double)(t->last_ns - t->first_ns) / 1e9 : 0;
	free(lr.buf);
	return rc;
}

/*
 * --html FILE: the page, written to a new file beside FILE and renamed over
 * it (file_replace), so a reader never sees half a page. Mode 0644 when
 * client addresses are pseudonymised, 0600 when the page holds them as they
 * are (as an event file would). 0, or -1 with the error printed.
 */
static int write_html(const char *path, const struct report *r)
{
	bool raw = !r->pseudo || r->pseudo->mode == PSEUDO_NONE;
	struct replace w;
	int rc;

	rc = replace_open(&w, path, raw ? 0600 : 0644);
	if (!rc && (rc = report_html(w.f, r))) {
		replace_abort(&w);
	} else if (!rc) {
		rc = replace_commit(&w);
	}
	if (rc) {
		log_line(stderr, "xffwatch: cannot write %s: %s", path, replace_why(rc));
		return -1;
	}
	return 0;
}

int doctor_run(const struct options *o, const struct command_args *a)
{
	static struct topology t;
	static struct diagnoses ds;
	static const char *const kinds[] = { "live", "pcap", "events" };
	struct report_source src = { .kind = kinds[a->doctor_source],
				     .files = a->doctor_files,
				     .nfiles = a->ndoctor_files };
	struct command_args args = *a;
	struct report_stack stack = { .mask = a->stacks };
	struct pseudo pseudo;
	struct report r;
	char err[512];
	int rc = 2;

	if (!args.have_duration)
		args.duration_ms = DOCTOR_DURATION_MS_DEFAULT;
	if (args.doctor_source == DOCTOR_LIVE && !args.duration_ms) {
		log_line(stderr, "xffwatch: --duration must be more than 0");
		return 2;
	}
	/* Before any work: the page replaces a regular file or nothing (never /dev/null). */
	if (a->html[0] && (rc = replace_check(a->html))) {
		log_line(stderr, "xffwatch: --html %s: %s: refused", a->html, replace_why(rc));
		return 2;
	}
	/* And a new file can be made beside it: a live run is not wasted on a bad directory. */
	if (a->html[0] && (rc = replace_probe(a->html))) {
		log_line(stderr, "xffwatch: --html %s: cannot make a file there: %s", a->html,
			 replace_why(rc));
		return 2;
	}
	rc = 2;
	if (pseudo_init(&pseudo, o->privacy.pseudonymize, o->privacy.hmac_key, err, sizeof(err))) {
		log_line(stderr, "xffwatch: %s", err);
		return 2;
	}
	if (topology_init(&t, o->rules, o->nrules) || diagnoses_init(&ds)) {
		log_line(stderr, "xffwatch: doctor: out of memory");
		goto out;
	}
	if (gather(o, &args, &t, &src))
		goto out;
	topology_finish(&t);
	ds.pseudo = &pseudo;
	diagnose(&t, &ds);
	if (!stack.mask)
		stack_guess(&t, &stack);
	r = (struct report){ .t = &t, .ds = &ds, .src = &src, .stack = &stack, .pseudo = &pseudo };
	if (a->format == DOCTOR_JSON) {
		if (report_json(stdout, &r)) {
			log_line(stderr, "xffwatch: doctor: out of memory");
			goto out;
		}
	} else {
		report_text(stdout, &r);
	}
	if (a->html[0] && write_html(a->html, &r))
		goto out;
	/* Suggestions (advice) alone leave nothing to fix. */
	rc = ds.n > ds.suggestions ? 1 : 0;
	if (!t.events) {
		/* Nothing seen is not "nothing to fix": a gate must not pass on it. */
		log_line(stderr,
			 "xffwatch: doctor: no requests seen: nothing to judge (wrong port, "
			 "interface or file?)");
		rc = 2;
	}
out:
	diagnoses_free(&ds);
	topology_free(&t);
	return rc;
}
