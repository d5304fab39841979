// SPDX-License-Identifier: BSD-2-Clause
/*
 * Outputs: RFC 5424 framing, files (mode, rotation, retention, reopening),
 * bounded queues that drop and count rather than grow, and TCP syslog's
 * octet counting read back from a socket.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cmocka.h>

#include "cmd/options.h"
#include "event/syslog_message.h"
#include "kernel/privileged_files.h"
#include "output/outputs.h"
#include "output/sink_backend.h"
#include "output/syslog_framing.h"
#include "trust/rules.h"

static char dir[64];
static struct options opts;

static int setup(void **state)
{
	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/xffw-sink.XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	options_defaults(&opts);
	opts.noutputs = 0;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

/* File operations in this process, with the options' mode and retention as they are now. */
static const struct file_ops *files_here(void)
{
	static struct file_settings set;
	static struct file_ops ops;

	set = (struct file_settings){ .mode = opts.files.mode,
				      .retain_days = opts.files.retain_days,
				      .uid = (uid_t)-1,
				      .gid = (gid_t)-1 };
	ops = file_ops_local(&set);
	return &ops;
}

static void path_of(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", dir, name);
}

static struct sink_event event_n(char *line, size_t cap, int n)
{
	struct sink_event e = {
		.when = { 1795779600, 5000 },
		.client = "203.0.113.9",
		.source = "127.0.0.1",
		.dport = 8000,
		.method = "GET",
		.method_len = 3,
		.path = "/",
		.path_len = 1,
		.status = 200,
		.findings = "",
	};

	e.len = (size_t)snprintf(line, cap, "{\"n\":%d,\"pad\":\"%040d\"}\n", n, n);
	e.line = line;
	return e;
}

static void flush_now(struct sinks *s)
{
	struct timespec now;

	clock_gettime(CLOCK_REALTIME, &now);
	sinks_flush(s, &now);
}

/* Lines of @path; each must be whole. */
static int count_lines(const char *path)
{
	char line[4096];
	int n = 0;
	FILE *f = fopen(path, "r");

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);

		if (!l || line[l - 1] != '\n')
			fail_msg("%s: partial line \"%s\"", path, line);
		n++;
	}
	fclose(f);
	return n;
}

static void test_syslog_format(void **state)
{
	const char line[] = "{\"a\":1}\n";
	struct sink_event e = {
		.line = line,
		.len = sizeof(line) - 1,
		.when = { 1795779600, 123456789 },
		.client = "203.0.113.9",
		.source = "127.0.0.1",
		.dport = 8000,
		.method = "GET",
		.method_len = 3,
		.path = "/a\"b]c\\d\xc3\xa9",
		.path_len = 10,
		.status = 404,
		.findings = "spoofed-header leftmost-differs",
	};
	char buf[1024];
	size_t n;

	(void)state;
	n = syslog_format(buf, sizeof(buf), &e, 16, "host1", 42);
	buf[n] = '\0';
	/* local0.info = 16 * 8 + 6; SD values with '"', ']' and '\' escaped; UTF-8 as '?'. */
	assert_string_equal(buf, "<134>1 2026-11-27T11:40:00.123456Z host1 xffwatch 42 audit "
				 "[xffwatch@32473 client=\"203.0.113.9\" source=\"127.0.0.1\" "
				 "dport=\"8000\" method=\"GET\" path=\"/a\\\"b\\]c\\\\d??\" "
				 "status=\"404\" findings=\"spoofed-header leftmost-differs\"] "
				 "{\"a\":1}");
	/* No status, no findings: those parameters are left out. */
	e.status = 0;
	e.findings = "";
	n = syslog_format(buf, sizeof(buf), &e, 4, NULL, 1);
	buf[n] = '\0';
	assert_non_null(strstr(buf, "<38>1 "));
	assert_non_null(strstr(buf, " - xffwatch 1 audit "));
	assert_null(strstr(buf, "status="));
	assert_null(strstr(buf, "findings="));
	/* Too small: nothing, never a cut message. */
	assert_int_equal(syslog_format(buf, 40, &e, 16, "h", 1), 0);
}

static void test_rotated_names(void **state)
{
	char name[256], to[256], p[128];
	int fd;

	(void)state;
	rotated_name(name, sizeof(name), "/var/log/x.json", 1795779600);
	assert_string_equal(name, "/var/log/x.json.20261127-114000");
	assert_true(is_rotated_name("x.json.20261127-114000", "x.json"));
	assert_true(is_rotated_name("x.json.20261127-114000-3", "x.json"));
	assert_false(is_rotated_name("x.json.20261127-114000-", "x.json"));
	assert_false(is_rotated_name("x.json.2026112-114000", "x.json"));
	assert_false(is_rotated_name("x.json.20261127-114000.gz", "x.json"));
	assert_false(is_rotated_name("y.json.20261127-114000", "x.json"));
	assert_false(is_rotated_name("x.json", "x.json"));

	/* Two rotations in one second: the second does not replace the first. */
	path_of(p, sizeof(p), "r.json");
	for (int i = 0; i < 2; i++) {
		fd = logfile_open(p, 0640, (uid_t)-1, (gid_t)-1);
		assert_true(fd >= 0);
		close(fd);
		assert_int_equal(logfile_rotate(p, 1795779600, to, sizeof(to)), 0);
	}
	assert_non_null(strstr(to, "r.json.20261127-114000-1"));
	assert_int_equal(access(to, F_OK), 0);
	to[strlen(to) - 2] = '\0';
	assert_int_equal(access(to, F_OK), 0);
}

static void test_retention(void **state)
{
	const char *names[] = { "k.json.20261101-000000", "k.json.20261126-000000",
				"k.json.20261001-000000-2", "k.json.old", "other.20261001-000000" };
	const time_t now = 1795779600;
	char p[128];

	(void)state;
	for (int i = 0; i < 5; i++) {
		/* The first, third and last are 40 days old; the others a day. */
		time_t age = (i == 0 || i == 2 || i == 4) ? 40 * 86400 : 86400;
		struct timeval tv[2] = { { now - age, 0 }, { now - age, 0 } };
		FILE *f;

		path_of(p, sizeof(p), names[i]);
		f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
		assert_int_equal(utimes(p, tv), 0);
	}
	path_of(p, sizeof(p), "k.json");
	assert_int_equal(logfile_sweep(p, 30, now), 2);
	assert_int_equal(logfile_sweep(p, 0, now), 0); /* 0 keeps everything */
	for (int i = 0; i < 5; i++) {
		path_of(p, sizeof(p), names[i]);
		/* Only old rotated files of k.json went; "other" is not ours. */
		assert_int_equal(access(p, F_OK) == 0, !(i == 0 || i == 2));
	}

	/* A relative output name: its rotated files are found in the working directory. */
	{
		struct timeval tv[2] = { { now - 40 * 86400, 0 }, { now - 40 * 86400, 0 } };
		char cwd[PATH_MAX];
		FILE *f;

		path_of(p, sizeof(p), "k.json.20261002-000000");
		f = fopen(p, "w");
		assert_non_null(f);
		fclose(f);
		assert_int_equal(utimes(p, tv), 0);
		assert_non_null(getcwd(cwd, sizeof(cwd)));
		assert_int_equal(chdir(dir), 0);
		assert_int_equal(logfile_sweep("k.json", 30, now), 1);
		assert_int_equal(chdir(cwd), 0);
		assert_int_equal(access(p, F_OK), -1);
	}
}

static void test_file_mode_and_size_rotation(void **state)
{
	char p[128], line[256], cmd[256];
	struct sink_stats st;
	struct sinks s;
	struct stat sb;
	mode_t old = umask(077);
	int total = 0;
	FILE *ls;

	(void)state;
	path_of(p, sizeof(p), "events.json");
	strcpy(opts.outputs[0], p);
	opts.noutputs = 1;
	opts.files.rotate_size = 1000;
	assert_int_equal(sinks_open(&s, &opts.output, files_here()), 0);
	umask(old);
	/* 0640 whatever the umask. */
	assert_int_equal(stat(p, &sb), 0);
	assert_int_equal(sb.st_mode & 07777, 0640);
	for (int i = 0; i < 100; i++) {
		struct sink_event e = event_n(line, sizeof(line), i);

		sinks_put(&s, &e);
		if (i % 10 == 9)
			flush_now(&s);
	}
	sink_stats(&s, 0, &st);
	assert_int_equal(st.events, 100);
	assert_int_equal(st.dropped, 0);
	assert_true(st.rotations >= 4);
	sinks_close(&s, 1000);
	/* Every line once, in whole, across the files. */
	snprintf(cmd, sizeof(cmd), "ls %s", dir);
	ls = popen(cmd, "r");
	while (fgets(line, sizeof(line), ls)) {
		line[strcspn(line, "\n")] = '\0';
		if (strncmp(line, "events.json", 11))
			continue;
		path_of(p, sizeof(p), line);
		assert_int_equal(stat(p, &sb), 0);
		assert_int_equal(sb.st_mode & 07777, 0640);
		total += count_lines(p);
	}
	pclose(ls);
	assert_int_equal(total, 100);
	opts.files.rotate_size = 0;
}

static void test_reopen(void **state)
{
	char p[128], moved[128], line[256];
	struct sinks s;

	(void)state;
	path_of(p, sizeof(p), "h.json");
	path_of(moved, sizeof(moved), "h.json.1");
	strcpy(opts.outputs[0], p);
	opts.noutputs = 1;
	assert_int_equal(sinks_open(&s, &opts.output, files_here()), 0);
	for (int i = 0; i < 10; i++) {
		struct sink_event e = event_n(line, sizeof(line), i);

		sinks_put(&s, &e);
	}
	flush_now(&s);
	/* logrotate's way: rename, then SIGHUP. */
	assert_int_equal(rename(p, moved), 0);
	for (int i = 10; i < 15; i++) {
		struct sink_event e = event_n(line, sizeof(line), i);

		sinks_put(&s, &e);
	}
	flush_now(&s); /* still the old file: no SIGHUP yet */
	sinks_reopen(&s);
	for (int i = 15; i < 20; i++) {
		struct sink_event e = event_n(line, sizeof(line), i);

		sinks_put(&s, &e);
	}
	flush_now(&s);
	sinks_close(&s, 1000);
	assert_int_equal(count_lines(moved), 15);
	assert_int_equal(count_lines(p), 5);
}

/* put_range(s, FIRST, LAST): events FIRST..LAST-1 into every output. */
static void put_range(struct sinks *s, int first, int last)
{
	char line[256];

	for (int i = first; i < last; i++) {
		struct sink_event e = event_n(line, sizeof(line), i);

		sinks_put(s, &e);
	}
}

/* Daily rotation: a file last written on an earlier (UTC) day is rotated before today's events. */
static void test_daily_rotation(void **state)
{
	time_t yesterday = time(NULL) - 86400;
	struct timeval tv[2] = { { yesterday, 0 }, { yesterday, 0 } };
	char p[128], rotated[160];
	struct sink_stats st;
	struct sinks s;
	FILE *f;

	(void)state;
	path_of(p, sizeof(p), "daily.json");
	f = fopen(p, "w");
	assert_non_null(f);
	fputs("{\"old\":1}\n", f);
	fclose(f);
	assert_int_equal(utimes(p, tv), 0);
	strcpy(opts.outputs[0], p);
	opts.noutputs = 1;
	opts.files.rotate_daily = true;
	assert_int_equal(sinks_open(&s, &opts.output, files_here()), 0);
	put_range(&s, 0, 5);
	flush_now(&s);
	sink_stats(&s, 0, &st);
	assert_int_equal(st.rotations, 1);
	/* A second flush the same day does not rotate again. */
	put_range(&s, 5, 10);
	flush_now(&s);
	sink_stats(&s, 0, &st);
	assert_int_equal(st.rotations, 1);
	sinks_close(&s, 1000);
	opts.files.rotate_daily = false;
	assert_int_equal(count_lines(p), 10);
	/* Yesterday's line is in the rotated file, named after today's rotation time. */
	rotated_name(rotated, sizeof(rotated), p, time(NULL));
	rotated[strlen(rotated) - 6] =
		'\0'; /* the date and hour suffice: HHMMSS may have moved on */
	{
		char cmd[320], got[320];
		FILE *ls;

		snprintf(cmd, sizeof(cmd), "ls %s.* 2>/dev/null", p);
		ls = popen(cmd, "r");
		assert_non_null(fgets(got, sizeof(got), ls));
		pclose(ls);
		got[strcspn(got, "\n")] = '\0';
		assert_int_equal(strncmp(got, rotated, strlen(rotated)), 0);
		assert_int_equal(count_lines(got), 1);
	}
}

/* A reopening that fails keeps the file already open; it is tried again later. */
static void test_reopen_failure_keeps_writing(void **state)
{
	char d[128], d2[128], p[160], moved[160];
	struct sink_stats st;
	struct sinks s;

	(void)state;
	path_of(d, sizeof(d), "sub");
	path_of(d2, sizeof(d2), "sub.gone");
	assert_int_equal(mkdir(d, 0755), 0);
	snprintf(p, sizeof(p), "%s/r.json", d);
	snprintf(moved, sizeof(moved), "%s/r.json", d2);
	strcpy(opts.outputs[0], p);
	opts.noutputs = 1;
	assert_int_equal(sinks_open(&s, &opts.output, files_here()), 0);
	put_range(&s, 0, 10);
	flush_now(&s);
	/* The directory goes away (with the open file in it): reopening cannot work. */
	assert_int_equal(rename(d, d2), 0);
	sinks_reopen(&s);
	put_range(&s, 10, 20);
	flush_now(&s);
	sink_stats(&s, 0, &st);
	assert_int_equal(st.dropped, 0);
	assert_true(st.errors >= 1);
	assert_int_equal(count_lines(moved), 20);
	/* The directory is back: the next try (a second later) opens the file anew. */
	assert_int_equal(mkdir(d, 0755), 0);
	usleep(1100000);
	put_range(&s, 20, 25);
	flush_now(&s);
	sinks_close(&s, 1000);
	assert_int_equal(count_lines(moved), 20);
	assert_int_equal(count_lines(p), 5);
}

/* A file that cannot take anything: the queue stays within its bound and counts the rest. */
static void test_full_queue_drops(void **state)
{
	char line[256];
	struct sink_stats st;
	struct sinks s;

	(void)state;
	strcpy(opts.outputs[0], "/dev/full");
	opts.noutputs = 1;
	opts.queue_bytes = 4096;
	assert_int_equal(sinks_open(&s, &opts.output, files_here()), 0);
	for (int i = 0; i < 100; i++) {
		struct sink_event e = event_n(line, sizeof(line), i);

		sinks_put(&s, &e);
		flush_now(&s);
	}
	sink_stats(&s, 0, &st);
	assert_int_equal(st.events, 0);
	assert_true(st.queued <= 4096);
	assert_true(st.errors >= 1);
	/* Each event is written or dropped: none vanishes. */
	assert_int_equal(st.dropped + st.queued_events, 100);
	/* All for one reason (the metrics' label); what is still queued at close, another. */
	assert_int_equal(st.dropped_by[SINK_DROP_QUEUE_FULL], st.dropped);
	sinks_close(&s, 0);
	opts.queue_bytes = OPT_QUEUE_DEFAULT;
}

/* A batch far larger than the queue, to a healthy file: nothing is dropped. */
static void test_batch_larger_than_queue(void **state)
{
	char line[256], p[128];
	struct sink_stats st;
	struct sinks s;

	(void)state;
	path_of(p, sizeof(p), "batch.json");
	strcpy(opts.outputs[0], p);
	opts.noutputs = 1;
	opts.queue_bytes = 4096;
	assert_int_equal(sinks_open(&s, &opts.output, files_here()), 0);
	for (int i = 0; i < 1000; i++) {
		struct sink_event e = event_n(line, sizeof(line), i);

		sinks_put(&s, &e); /* no flush in between: one ring-buffer batch */
	}
	flush_now(&s);
	sink_stats(&s, 0, &st);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.events, 1000);
	sinks_close(&s, 0);
	assert_int_equal(count_lines(p), 1000);
	opts.queue_bytes = OPT_QUEUE_DEFAULT;
}

/*
 * SINK_STREAM_BATCH records go in one writev, one more in a second: standard
 * output is a SOCK_SEQPACKET socket here, which keeps each writev a message.
 */
static void test_stream_batch_bound(void **state)
{
	static char msg[SINK_STREAM_BATCH * 128];
	char line[256];
	int sv[2], saved;

	(void)state;
	strcpy(opts.outputs[0], "-");
	opts.noutputs = 1;
	for (int extra = 0; extra <= 1; extra++) {
		int total = SINK_STREAM_BATCH + extra, lines[2] = { 0, 0 }, n = 0;
		struct sink_stats st;
		struct sinks s;
		ssize_t got;

		assert_int_equal(socketpair(AF_UNIX, SOCK_SEQPACKET, 0, sv), 0);
		/* Room for the whole batch as one message. */
		setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &(int){ 4 << 20 }, sizeof(int));
		saved = dup(STDOUT_FILENO);
		dup2(sv[0], STDOUT_FILENO);
		assert_int_equal(sinks_open(&s, &opts.output, files_here()), 0);
		for (int i = 0; i < total; i++) {
			struct sink_event e = event_n(line, sizeof(line), i);

			sinks_put(&s, &e);
		}
		flush_now(&s);
		sink_stats(&s, 0, &st);
		sinks_close(&s, 0);
		dup2(saved, STDOUT_FILENO);
		close(saved);
		close(sv[0]);
		assert_int_equal(st.events, total);
		while (n < 2 && (got = recv(sv[1], msg, sizeof(msg), MSG_DONTWAIT)) > 0) {
			for (ssize_t i = 0; i < got; i++)
				lines[n] += msg[i] == '\n';
			n++;
		}
		/* No third message: the writer is closed, so the end. */
		assert_int_equal(recv(sv[1], msg, sizeof(msg), MSG_DONTWAIT), 0);
		close(sv[1]);
		assert_int_equal(n, 1 + extra);
		assert_int_equal(lines[0], SINK_STREAM_BATCH);
		assert_int_equal(lines[1], extra);
	}
}

/* A file that takes part of a record (its disk fills): the part is cut off, the record waits. */
static void test_short_write_keeps_lines_whole(void **state)
{
	struct rlimit old, lim;
	char p[128], line[256];
	struct sink_stats st;
	struct sinks s;
	struct stat sb;

	(void)state;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
	path_of(p, sizeof(p), "short.json");
	strcpy(opts.outputs[0], p);
	opts.noutputs = 1;
	assert_int_equal(sinks_open(&s, &opts.output, files_here()), 0);
	lim = old;
	lim.rlim_cur = 1000; /* writes past 1000 bytes are cut short, then fail */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	for (int i = 0; i < 30; i++) {
		struct sink_event e = event_n(line, sizeof(line), i);

		sinks_put(&s, &e);
	}
	flush_now(&s);
	sink_stats(&s, 0, &st);
	assert_true(st.events > 0 && st.events < 30);
	assert_int_equal(st.queued_events, 30 - st.events);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(count_lines(p), (int)st.events);
	assert_int_equal(stat(p, &sb), 0);
	assert_true(sb.st_size <= 1000);
	/* Room again: everything, in order, whole. */
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
	flush_now(&s);
	sink_stats(&s, 0, &st);
	assert_int_equal(st.events, 30);
	assert_int_equal(count_lines(p), 30);
	sinks_close(&s, 0);
	signal(SIGXFSZ, SIG_DFL);
}

/*
 * A disk that fills, for the outputs' writev (these definitions come before
 * libc's): it takes @room bytes more, then fails with ENOSPC; with
 * @truncate_after_short, the file is truncated right after a short write, as
 * logrotate's copytruncate or an administrator making room would.
 */
static struct {
	bool on;
	size_t room;
	bool truncate_after_short;
	bool truncate_before_cut; /* the same, just before the output cuts its part off */
} disk;

int ftruncate(int fd, off_t len)
{
	if (disk.truncate_before_cut) {
		disk.truncate_before_cut = false;
		assert_int_equal(syscall(SYS_ftruncate, fd, 0), 0);
	}
	return (int)syscall(SYS_ftruncate, fd, len);
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
	struct iovec part[64];
	size_t want = 0, left = disk.room;
	int k = 0;
	ssize_t w;

	if (!disk.on)
		return syscall(SYS_writev, fd, iov, n);
	for (int i = 0; i < n && i < 64; i++) {
		want += iov[i].iov_len;
		if (left) {
			part[k] = iov[i];
			part[k].iov_len = iov[i].iov_len < left ? iov[i].iov_len : left;
			left -= part[k++].iov_len;
		}
	}
	if (!k) {
		errno = ENOSPC;
		return -1;
	}
	w = syscall(SYS_writev, fd, part, k);
	if (w > 0)
		disk.room -= (size_t)w;
	if (w >= 0 && (size_t)w < want && disk.truncate_after_short) {
		disk.truncate_after_short = false;
		assert_int_equal(syscall(SYS_ftruncate, fd, 0), 0);
	}
	return w;
}

/* The file holds exactly the events @first to @last, each line whole. */
static void expect_events(const char *path, int first, int last)
{
	char want[256], got[4096];
	FILE *f = fopen(path, "r");
	int n = first;

	assert_non_null(f);
	while (fgets(got, sizeof(got), f)) {
		event_n(want, sizeof(want), n++);
		if (strcmp(got, want))
			fail_msg("%s: line \"%s\", expected \"%s\"", path, got, want);
	}
	fclose(f);
	assert_int_equal(n, last + 1);
}

/*
 * The file is truncated between a short write and its cut (the disk was
 * full, someone made room): the part written is gone with the truncation, so
 * the record goes again whole, never its tail alone at the file's start.
 */
static void short_write_then_truncated(bool before_cut)
{
	char p[128], line[256];
	struct sink_stats st;
	struct sinks s;

	path_of(p, sizeof(p), "truncated.json");
	strcpy(opts.outputs[0], p);
	opts.noutputs = 1;
	assert_int_equal(sinks_open(&s, &opts.output, files_here()), 0);
	put_range(&s, 0, 5);
	/* Room for event 0 and part of event 1. */
	disk = (typeof(disk)){ .on = true,
			       .room = event_n(line, sizeof(line), 0).len + 10,
			       .truncate_after_short = !before_cut,
			       .truncate_before_cut = before_cut };
	flush_now(&s);
	sink_stats(&s, 0, &st);
	assert_int_equal(st.events, 1);
	assert_int_equal(st.queued_events, 4);
	disk.on = false;
	flush_now(&s);
	sinks_close(&s, 0);
	expect_events(p, 1, 4);
	unlink(p);
}

static void test_short_write_then_truncated(void **state)
{
	(void)state;
	short_write_then_truncated(false);
	/* Between the output's look at the file and its cut: no hole of the old length either. */
	short_write_then_truncated(true);
}

/*
 * The short form (sink_event.shorten): its own line and structured data,
 * which the datagram must carry rather than the whole event's.
 */
static const struct sink_event *short_form(void *ctx)
{
	static struct sink_event brief;
	static const char line[] = "{\"short\":true}\n";

	brief = *(const struct sink_event *)ctx;
	brief.line = line;
	brief.len = sizeof(line) - 1;
	brief.findings = "leftmost-differs truncated";
	return &brief;
}

/* With a short form to fall back on (sink_event.shorten), when @with_short. */
static bool with_short;

/*
 * A receiver on loopback (SOCK_STREAM listening, or SOCK_DGRAM), and @s
 * sending syslog to it; then three events, the second @big_len bytes long.
 */
static int syslog_to_loopback(struct sinks *s, int type, char *big, size_t big_len)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t alen = sizeof(a);
	char line[256];
	int fd = socket(AF_INET, type, 0);

	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	if (type == SOCK_STREAM)
		assert_int_equal(listen(fd, 1), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &alen), 0);
	snprintf(opts.syslogs[0], sizeof(opts.syslogs[0]), "%s://127.0.0.1:%u",
		 type == SOCK_STREAM ? "tcp" : "udp", ntohs(a.sin_port));
	opts.nsyslogs = 1;
	opts.noutputs = 0;
	assert_int_equal(sinks_open(s, &opts.output, files_here()), 0);
	memset(big, 'x', big_len);
	memcpy(big, "{\"pad\":\"", 8);
	memcpy(big + big_len - 3, "\"}\n", 3);
	for (int i = 0; i < 3; i++) {
		struct sink_event e = event_n(line, sizeof(line), i);

		if (i == 1) {
			e.line = big;
			e.len = big_len;
			e.findings = "leftmost-differs";
			if (with_short) {
				e.shorten = short_form;
				e.shorten_ctx = &e;
			}
		}
		sinks_put(s, &e);
	}
	return fd;
}

static void test_tcp_octet_counting(void **state)
{
	static char big[20100], buf[65536];
	struct sink_stats st;
	struct sinks s;
	size_t got = 0, longest = 0;
	int lfd, cfd = -1, frames = 0;
	char *p;

	(void)state;
	/* The second event, far over a datagram's 8 KiB, still goes whole over TCP. */
	lfd = syslog_to_loopback(&s, SOCK_STREAM, big, sizeof(big));
	for (int i = 0; i < 400 && got < sizeof(buf) - 1; i++) {
		struct pollfd pf;
		ssize_t n;

		flush_now(&s);
		if (cfd < 0) {
			pf = (struct pollfd){ .fd = lfd, .events = POLLIN };
			if (poll(&pf, 1, 10) == 1)
				cfd = accept(lfd, NULL, NULL);
			continue;
		}
		pf = (struct pollfd){ .fd = cfd, .events = POLLIN };
		if (poll(&pf, 1, 10) != 1)
			continue;
		n = read(cfd, buf + got, sizeof(buf) - 1 - got);
		if (n <= 0)
			break;
		got += (size_t)n;
		sink_stats(&s, 0, &st);
		if (st.events == 3 && !st.queued) {
			/* All sent: whatever is left in flight arrives soon. */
			usleep(20000);
			n = recv(cfd, buf + got, sizeof(buf) - 1 - got, MSG_DONTWAIT);
			if (n > 0)
				got += (size_t)n;
			break;
		}
	}
	buf[got] = '\0';
	/* "LEN SP MSG", LEN the message's bytes exactly, no trailer. */
	for (p = buf; *p; frames++) {
		char *end;
		unsigned long len = strtoul(p, &end, 10);

		assert_true(end > p && *end == ' ');
		assert_true(len > 0 && (size_t)(end + 1 - buf) + len <= got);
		assert_memory_equal(end + 1, "<134>1 ", 7);
		assert_true(end[len] == '}'); /* the event's end, no newline, no cut */
		if (len > longest)
			longest = len;
		p = end + 1 + len;
	}
	assert_int_equal(frames, 3);
	assert_true(longest > sizeof(big));
	sink_stats(&s, 0, &st);
	assert_int_equal(st.dropped, 0);
	sinks_close(&s, 0);
	close(cfd);
	close(lfd);
	opts.nsyslogs = 0;
}

/* Over UDP an event past 8 KiB is not sent cut: it is dropped, and counted. */
static void test_udp_oversized_counted(void **state)
{
	static char big[9000], buf[16384];
	struct sink_stats st;
	struct sinks s;
	int rfd, got = 0;

	(void)state;
	rfd = syslog_to_loopback(&s, SOCK_DGRAM, big, sizeof(big));
	flush_now(&s);
	for (int i = 0; i < 50 && got < 2; i++) {
		struct pollfd pf = { .fd = rfd, .events = POLLIN };
		ssize_t n;

		if (poll(&pf, 1, 10) != 1) {
			flush_now(&s);
			continue;
		}
		n = recv(rfd, buf, sizeof(buf), 0);
		assert_true(n > 0 && n < 8192);
		assert_memory_equal(buf, "<134>1 ", 7);
		got++;
	}
	assert_int_equal(got, 2);
	sink_stats(&s, 0, &st);
	assert_int_equal(st.events, 2);
	assert_int_equal(st.dropped, 1);
	assert_int_equal(st.dropped_by[SINK_DROP_UNSENDABLE], 1);
	sinks_close(&s, 0);
	close(rfd);
	opts.nsyslogs = 0;
}

/* With a short form, the oversized event goes as that: nothing is dropped. */
static void test_udp_oversized_shortened(void **state)
{
	static const char short_msg[] =
		" findings=\"leftmost-differs truncated\"] {\"short\":true}";
	static char big[9000], buf[16384];
	struct sink_stats st;
	struct sinks s;
	int rfd, got = 0, shorts = 0;

	(void)state;
	with_short = true;
	rfd = syslog_to_loopback(&s, SOCK_DGRAM, big, sizeof(big));
	with_short = false;
	flush_now(&s);
	for (int i = 0; i < 50 && got < 3; i++) {
		struct pollfd pf = { .fd = rfd, .events = POLLIN };
		ssize_t n;

		if (poll(&pf, 1, 10) != 1) {
			flush_now(&s);
			continue;
		}
		n = recv(rfd, buf, sizeof(buf) - 1, 0);
		assert_true(n > 0 && n <= SYSLOG_DGRAM_MAX);
		buf[n] = '\0';
		/* The short form, with its own structured data. */
		shorts += strstr(buf, short_msg) != NULL;
		got++;
	}
	assert_int_equal(got, 3);
	assert_int_equal(shorts, 1);
	sink_stats(&s, 0, &st);
	assert_int_equal(st.events, 3);
	assert_int_equal(st.dropped, 0);
	assert_int_equal(st.shortened, 1);
	sinks_close(&s, 0);
	close(rfd);
	opts.nsyslogs = 0;
}

/* An event short already (too long for any queue) counts in each output's shortened. */
static void test_short_counted_everywhere(void **state)
{
	char p[128], line[256];
	struct sink_stats st;
	struct sinks s;

	(void)state;
	path_of(p, sizeof(p), "shortened.json");
	strcpy(opts.outputs[0], p);
	opts.noutputs = 1;
	assert_int_equal(sinks_open(&s, &opts.output, files_here()), 0);
	for (int i = 0; i < 3; i++) {
		struct sink_event e = event_n(line, sizeof(line), i);

		e.is_short = i == 1;
		sinks_put(&s, &e);
	}
	flush_now(&s);
	sink_stats(&s, 0, &st);
	assert_int_equal(st.events, 3);
	assert_int_equal(st.shortened, 1);
	sinks_close(&s, 0);
	assert_int_equal(count_lines(p), 3);
	opts.noutputs = 0;
}

/*
 * SYSLOG_OVERHEAD_MAX holds for the longest header and structured data: a
 * 255-byte host name, the longest addresses, every finding, and a method and
 * path of bytes that each take two (cut at SYSLOG_SD_TEXT), one byte past it too.
 */
static void test_syslog_overhead_bound(void **state)
{
	static char method[SYSLOG_SD_TEXT + 1], path[4096], host[300], findings[1024],
		buf[SYSLOG_OVERHEAD_MAX + 16];
	const char line[] = "{}\n";
	struct sink_event e = {
		.line = line,
		.len = sizeof(line) - 1,
		.when = { 1795779600, 123456789 },
		.client = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
		.source = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255",
		.dport = 65535,
		.method = method,
		.path = path,
		.status = 599,
		.findings = findings,
	};
	size_t n = 0, len;

	(void)state;
	memset(method, '"', sizeof(method));
	memset(path, ']', sizeof(path));
	memset(host, 'h', sizeof(host) - 1);
	for (unsigned int f = 0; f < FINDING__MAX; f++)
		n += (size_t)snprintf(findings + n, sizeof(findings) - n, "%s%s", f ? " " : "",
				      finding_name(f));
	for (size_t m = SYSLOG_SD_TEXT; m <= SYSLOG_SD_TEXT + 1; m++) {
		e.method_len = m;
		e.path_len = sizeof(path);
		len = syslog_format(buf, e.len + SYSLOG_OVERHEAD_MAX, &e, 23, host,
				    -2147483647 - 1);
		assert_true(len > 0);
		/* the method and path cut at the bound, escaped */
		assert_non_null(memmem(buf, len, "method=\"\\\"", 10));
		assert_true(len - (e.len - 1) <= SYSLOG_OVERHEAD_MAX);
		/* and the host name at 255 bytes */
		assert_non_null(memmem(buf, len, host, 255));
		assert_null(memmem(buf, len, host, 256));
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_syslog_format),
		cmocka_unit_test(test_syslog_overhead_bound),
		cmocka_unit_test(test_udp_oversized_shortened),
		cmocka_unit_test(test_short_counted_everywhere),
		cmocka_unit_test(test_rotated_names),
		cmocka_unit_test(test_retention),
		cmocka_unit_test(test_file_mode_and_size_rotation),
		cmocka_unit_test(test_reopen),
		cmocka_unit_test(test_daily_rotation),
		cmocka_unit_test(test_reopen_failure_keeps_writing),
		cmocka_unit_test(test_full_queue_drops),
		cmocka_unit_test(test_batch_larger_than_queue),
		cmocka_unit_test(test_stream_batch_bound),
		cmocka_unit_test(test_short_write_keeps_lines_whole),
		cmocka_unit_test(test_short_write_then_truncated),
		cmocka_unit_test(test_tcp_octet_counting),
		cmocka_unit_test(test_udp_oversized_counted),
	};

	return cmocka_run_group_tests_name("sink", tests, setup, teardown);
}
