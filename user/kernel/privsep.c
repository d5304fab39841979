// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <grp.h>
#include <linux/capability.h>
#include <pwd.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "util/log.h"
#include "kernel/privileged_files.h"
#include "kernel/privsep.h"

enum {
	OP_ATTACH = 1,
	OP_RELEASE = 2,
	OP_COUNTERS = 3,
	OP_OPEN = 4,
	OP_ROTATE = 5,
	OP_SWEEP = 6,
	OP_STATS = 7
};

/* Room for the counters as JSON. */
#define STATS_JSON_MAX	 16384
/* How long the daemon waits for the helper's answer. */
#define HELPER_TIMEOUT_S 5

struct request {
	uint64_t seq; /* echoed in the reply: a late answer is never taken for the next one */
	int op;
	unsigned int hooks;
	bool walk; /* OP_COUNTERS: walk the flow table too */
	struct link_info link;
	/* Files: one of the configured outputs; owner, mode, clock and retention are the helper's. */
	char path[PATH_MAX];
	size_t len;
	char data[STATS_JSON_MAX];
};

struct reply {
	uint64_t seq;
	int err;
	struct link_meta meta;
	uint64_t counters[XFFW_CNT__MAX];
	long flows_live;
	char to[PATH_MAX + 32]; /* the rotated file's name */
};

struct remote {
	struct attacher ops;
	int sock;
	pid_t helper;
	uint64_t seq;
};

int privsep_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw;

	errno = 0;
	pw = getpwnam(user);
	if (!pw) {
		snprintf(err, errlen, "--user %s: %s", user,
			 errno ? strerror(errno) : "no such user");
		return errno ? -errno : -ENOENT;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return 0;
}

/* A user or group: a name, or a number. */
static int id_of(const char *s, bool group, unsigned int *id)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (s[0] >= '0' && s[0] <= '9' && !*end && !errno && v < (unsigned long)UINT_MAX) {
		*id = (unsigned int)v;
		return 0;
	}
	errno = 0;
	if (group) {
		struct group *g = getgrnam(s);

		if (g)
			*id = g->gr_gid;
		return g ? 0 : errno ? -errno : -ENOENT;
	} else {
		struct passwd *pw = getpwnam(s);

		if (pw)
			*id = pw->pw_uid;
		return pw ? 0 : errno ? -errno : -ENOENT;
	}
}

/* @name's id into @out (left alone for ""), or -errno with the reason in @err. */
static int owner_id(const char *name, bool group, unsigned int *out, char *err, size_t errlen)
{
	unsigned int id;
	int e;

	if (!name[0])
		return 0;
	e = id_of(name, group, &id);
	if (e) {
		snprintf(err, errlen, "file %s %s: %s", group ? "group" : "owner", name,
			 e != -ENOENT ? strerror(-e)
			 : group      ? "no such group"
				      : "no such user");
		return e;
	}
	*out = id;
	return 0;
}

int privsep_owner(const char *owner, const char *group, uid_t *uid, gid_t *gid, char *err,
		  size_t errlen)
{
	unsigned int u = (unsigned int)-1, g = (unsigned int)-1;
	int e = owner_id(owner, false, &u, err, errlen);

	if (!e)
		e = owner_id(group, true, &g, err, errlen);
	*uid = (uid_t)u;
	*gid = (gid_t)g;
	return e;
}

/* The helper: answers requests until the daemon's end of the socket closes. */
/* Is @path one of the outputs configured? Nothing else is opened for the daemon. */
static bool is_output(const struct privsep_paths *o, const char *path)
{
	for (size_t i = 0; i < o->noutputs; i++)
		if (strcmp(o->outputs[i], "-") && !strcmp(o->outputs[i], path))
			return true;
	return false;
}

/*
 * A file operation for the daemon: the descriptor opened, or -1. Only the
 * path comes from the request, and only a configured one is accepted: the
 * owner, mode, time and retention are the helper's own, so that a daemon
 * that is not to be trusted any more cannot widen what it may do to files.
 */
static int file_op(const struct privsep_paths *o, const struct file_ops *files, struct request *rq,
		   struct reply *rp)
{
	int fd;

	rq->path[sizeof(rq->path) - 1] = '\0';
	if (!is_output(o, rq->path)) {
		rp->err = -EACCES;
		return -1;
	}
	switch (rq->op) {
	case OP_OPEN:
		fd = files->open(files->ctx, rq->path);
		rp->err = fd < 0 ? fd : 0;
		return fd < 0 ? -1 : fd;
	case OP_ROTATE:
		rp->err = files->rotate(files->ctx, rq->path, rp->to, sizeof(rp->to));
		return -1;
	default:
		rp->err = files->sweep(files->ctx, rq->path);
		return -1;
	}
}

/* The reply, with @fd passed along when there is one. */
static int send_reply(int sock, struct reply *rp, int fd)
{
	union {
		char buf[CMSG_SPACE(sizeof(int))];
		struct cmsghdr align;
	} u;
	struct iovec iov = { rp, sizeof(*rp) };
	struct msghdr m = { .msg_iov = &iov, .msg_iovlen = 1 };

	if (fd >= 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = sizeof(u.buf);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int));
		memcpy(CMSG_DATA(c), &fd, sizeof(int));
	}
	return sendmsg(sock, &m, MSG_NOSIGNAL) == (ssize_t)sizeof(*rp) ? 0 : -1;
}

/*
 * The helper keeps what its requests need and sheds the rest (changing
 * users, setting capabilities, killing, tracing...), also from its bounding set.
 */
static const int helper_caps[] = {
	CAP_BPF,	  CAP_PERFMON,	       CAP_NET_ADMIN, CAP_SYS_ADMIN,   CAP_CHOWN,
	CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH, CAP_FOWNER,    CAP_SYS_RESOURCE
};

static void helper_shed_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { 0 };
	uint32_t keep[_LINUX_CAPABILITY_U32S_3] = { 0 };

	if (syscall(SYS_capget, &h, d))
		return;
	for (size_t i = 0; i < sizeof(helper_caps) / sizeof(helper_caps[0]); i++)
		keep[helper_caps[i] / 32] |= 1U << (helper_caps[i] % 32);
	for (int cap = 0; cap <= 63; cap++)
		if (!(keep[cap / 32] & (1U << (cap % 32))) &&
		    prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno == EINVAL)
			break;
	for (int i = 0; i < _LINUX_CAPABILITY_U32S_3; i++) {
		d[i].effective &= keep[i];
		d[i].permitted &= keep[i];
		d[i].inheritable = 0;
	}
	if (syscall(SYS_capset, &h, d))
		log_warn("the helper could not shed capabilities: %s", strerror(errno));
}

static void helper_main(int sock, const struct attacher_fds *fds, enum attach_mode mode,
			const struct privsep_paths *o, const struct file_settings *files)
{
	struct attacher *local = attacher_local(fds, mode, files);
	struct request rq;
	sigset_t all;
	int null;

	helper_shed_capabilities();
	/* Signals are for the daemon; this one ends when the daemon does. */
	sigfillset(&all);
	sigprocmask(SIG_BLOCK, &all, NULL);
	prctl(PR_SET_NAME, "xffwatch-priv");
	attach_set_owner(getppid());
	/* Standard output carries the daemon's events: only the daemon holds it. */
	null = open("/dev/null", O_RDWR | O_CLOEXEC);
	if (null >= 0) {
		dup2(null, STDIN_FILENO);
		dup2(null, STDOUT_FILENO);
		close(null);
	}
	if (!local)
		_exit(1);
	for (;;) {
		ssize_t n = recv(sock, &rq, sizeof(rq), 0);
		struct reply rp = { 0 };
		int fd = -1;

		if (n == 0 || (n < 0 && errno != EINTR))
			break;
		if (n != sizeof(rq))
			continue;
		rp.seq = rq.seq;
		if (rq.op == OP_ATTACH) {
			rq.link.name[sizeof(rq.link.name) - 1] = '\0';
			rp.err = local->attach(local, &rq.link, rq.hooks, &rp.meta);
		} else if (rq.op == OP_RELEASE) {
			local->release(local, rq.link.ifindex);
		} else if (rq.op == OP_COUNTERS) {
			rp.err = local->counters(local, rp.counters,
						 rq.walk ? &rp.flows_live : NULL);
		} else if (rq.op >= OP_OPEN && rq.op <= OP_SWEEP) {
			fd = file_op(o, &local->files, &rq, &rp);
		} else if (rq.op == OP_STATS) {
			/* Only the file configured. */
			rp.err = o->stats[0] && rq.len <= sizeof(rq.data)
					 ? stats_file_write(o->stats, rq.data, rq.len)
					 : -EACCES;
		}
		if (send_reply(sock, &rp, fd))
			break;
		if (fd >= 0)
			close(fd);
	}
	local->close(local);
	_exit(0);
}

/*
 * One request, its reply, and the descriptor that came with it into @fd (if
 * not NULL). A reply that comes after its request gave up (HELPER_TIMEOUT_S)
 * is recognised by its sequence number and thrown away, descriptor and all.
 */
static int ask_fd(struct remote *r, struct request *rq, struct reply *rp, int *fd)
{
	if (fd)
		*fd = -1;
	rq->seq = ++r->seq;
	if (send(r->sock, rq, sizeof(*rq), MSG_NOSIGNAL) != sizeof(*rq))
		return errno == EAGAIN ? -ETIMEDOUT : -errno;
	for (;;) {
		union {
			char buf[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} u;
		struct iovec iov = { rp, sizeof(*rp) };
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = u.buf,
				    .msg_controllen = sizeof(u.buf) };
		int got = -1;
		ssize_t n = recvmsg(r->sock, &m, MSG_CMSG_CLOEXEC);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			log_error("the privileged helper did not answer within %d s",
				  HELPER_TIMEOUT_S);
			return -ETIMEDOUT;
		}
		if (n != sizeof(*rp))
			return n < 0 ? -errno : -EPIPE;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS)
				memcpy(&got, CMSG_DATA(c), sizeof(int));
		if (rp->seq == rq->seq && fd) {
			*fd = got;
			return 0;
		}
		if (got >= 0)
			close(got);
		if (rp->seq == rq->seq)
			return 0;
	}
}

static int ask(struct remote *r, struct request *rq, struct reply *rp)
{
	return ask_fd(r, rq, rp, NULL);
}

static int remote_attach(struct attacher *a, const struct link_info *link, unsigned int hooks,
			 struct link_meta *meta)
{
	struct remote *r = (struct remote *)a;
	struct request rq = { .op = OP_ATTACH, .hooks = hooks, .link = *link };
	struct reply rp = { 0 };
	int err = ask(r, &rq, &rp);

	if (err) {
		log_error("the privileged helper is gone (%s): %s is not watched", strerror(-err),
			  link->name);
		return err;
	}
	*meta = rp.meta;
	return rp.err;
}

static void remote_release(struct attacher *a, int ifindex)
{
	struct remote *r = (struct remote *)a;
	struct request rq = { .op = OP_RELEASE, .link = { .ifindex = ifindex } };
	struct reply rp = { 0 };

	ask(r, &rq, &rp);
}

static int remote_counters(struct attacher *a, uint64_t out[XFFW_CNT__MAX], long *flows_live)
{
	struct remote *r = (struct remote *)a;
	struct request rq = { .op = OP_COUNTERS, .walk = flows_live != NULL };
	struct reply rp = { 0 };
	int err = ask(r, &rq, &rp);

	if (err)
		return err;
	memcpy(out, rp.counters, sizeof(rp.counters));
	if (flows_live)
		*flows_live = rp.flows_live;
	return rp.err;
}

/* The file operations ask the helper, which applies its own settings. */
static int remote_open(void *ctx, const char *path)
{
	struct request rq = { .op = OP_OPEN };
	struct reply rp = { 0 };
	int fd, err;

	snprintf(rq.path, sizeof(rq.path), "%s", path);
	err = ask_fd(ctx, &rq, &rp, &fd);
	if (err)
		return err;
	if (rp.err)
		return rp.err;
	return fd >= 0 ? fd : -EBADF;
}

static int remote_rotate(void *ctx, const char *path, char *to, size_t tolen)
{
	struct request rq = { .op = OP_ROTATE };
	struct reply rp = { 0 };
	int err;

	snprintf(rq.path, sizeof(rq.path), "%s", path);
	err = ask(ctx, &rq, &rp);
	if (err)
		return err;
	snprintf(to, tolen, "%s", rp.to);
	return rp.err;
}

static int remote_sweep(void *ctx, const char *path)
{
	struct request rq = { .op = OP_SWEEP };
	struct reply rp = { 0 };

	snprintf(rq.path, sizeof(rq.path), "%s", path);
	return ask(ctx, &rq, &rp) ? 0 : rp.err;
}

static int remote_write_stats(struct attacher *a, const char *path, const char *json, size_t len)
{
	struct remote *r = (struct remote *)a;
	struct request *rq;
	struct reply rp = { 0 };
	int err;

	(void)path; /* the helper writes the file it was given */
	if (len > sizeof(rq->data))
		return -E2BIG;
	rq = calloc(1, sizeof(*rq));
	if (!rq)
		return -ENOMEM;
	rq->op = OP_STATS;
	rq->len = len;
	memcpy(rq->data, json, len);
	err = ask(r, rq, &rp);
	free(rq);
	return err ? err : rp.err;
}

static void remote_close(struct attacher *a)
{
	struct remote *r = (struct remote *)a;

	/* The helper detaches everything when its end of the socket closes. */
	close(r->sock);
	waitpid(r->helper, NULL, 0);
	free(r);
}

pid_t privsep_helper_pid(const struct attacher *a)
{
	return ((const struct remote *)a)->helper;
}

struct attacher *privsep_start(const struct attacher_fds *fds, enum attach_mode mode,
			       const struct privsep_paths *paths, const struct file_settings *files)
{
	struct remote *r = calloc(1, sizeof(*r));
	int sv[2];

	if (!r)
		return NULL;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv)) {
		free(r);
		return NULL;
	}
	r->helper = fork();
	if (r->helper < 0) {
		close(sv[0]);
		close(sv[1]);
		free(r);
		return NULL;
	}
	if (r->helper == 0) {
		close(sv[0]);
		helper_main(sv[1], fds, mode, paths, files);
	}
	close(sv[1]);
	r->sock = sv[0];
	{
		/* A helper that hangs must not hang the daemon's event loop for long. */
		struct timeval limit = { HELPER_TIMEOUT_S, 0 };

		setsockopt(r->sock, SOL_SOCKET, SO_RCVTIMEO, &limit, sizeof(limit));
		setsockopt(r->sock, SOL_SOCKET, SO_SNDTIMEO, &limit, sizeof(limit));
	}
	r->ops = (struct attacher){
		remote_attach,	    remote_release, remote_counters,
		remote_write_stats, remote_close,   { remote_open, remote_rotate, remote_sweep, r }
	};
	return &r->ops;
}

/* Empties the bounding set while we may (CAP_SETPCAP): nothing can be regained. */
static void drop_bounding_set(void)
{
	for (int cap = 0; cap <= 63; cap++)
		if (prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) && errno == EINVAL)
			break; /* past the kernel's last capability */
}

/* Setting the uid clears the effective, permitted and ambient sets, not the inheritable. */
static int clear_capabilities(void)
{
	struct __user_cap_header_struct h = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct d[_LINUX_CAPABILITY_U32S_3] = { 0 };

	return syscall(SYS_capset, &h, d) ? -errno : 0;
}

int privsep_drop(uid_t uid, gid_t gid)
{
	int err;

	drop_bounding_set();
	if (setgroups(0, NULL) || setresgid(gid, gid, gid) || setresuid(uid, uid, uid))
		return -errno;
	err = clear_capabilities();
	if (err)
		return err;
	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
		return -errno;
	if (uid && (setuid(0) == 0 || !getuid()))
		return -EPERM; /* privileges could be regained: refuse to go on */
	return 0;
}
