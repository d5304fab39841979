/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Least privilege. Once the program is loaded, the daemon forks a small
 * privileged helper, opens its outputs through it, and becomes an unprivileged user
 * with no capabilities: it reads the ring buffer, resolves, writes events,
 * and follows interfaces over rtnetlink (none of which needs privileges).
 * Attaching and detaching (CAP_NET_ADMIN, CAP_BPF), reading who is on the
 * other end of a port (entering namespaces, reading Docker's state) and
 * reading the kernel's counters (map reads need CAP_BPF before Linux 6.5),
 * and creating, rotating and deleting output files in directories the user
 * may not write to, stay
 * with the helper, which does nothing else: it answers requests on a socket
 * pair, and when the daemon goes away, however it goes, it detaches
 * everything and exits.
 */
#ifndef XFFW_PRIVSEP_H
#define XFFW_PRIVSEP_H

#include <limits.h>
#include <sys/types.h>

#include "kernel/privileged_ops.h"

/* The user to become: uid, gid and name checked. 0 or -errno with @err. */
int privsep_lookup(const char *user, uid_t *uid, gid_t *gid, char *err, size_t errlen);

/* The owner of new output files: names or numbers, "" (-1) for unchanged. */
int privsep_owner(const char *owner, const char *group, uid_t *uid, gid_t *gid, char *err,
		  size_t errlen);

/* The only files the helper writes for the daemon. */
struct privsep_paths {
	const char (*outputs)[PATH_MAX]; /* event files; "-" (standard output) is none */
	size_t noutputs;
	const char *stats; /* the counters' file, "" for none */
};

/*
 * Forks the helper with @fds; returns an attacher that asks it, or NULL
 * (errno set). The helper opens, rotates and deletes only the output files
 * that @paths names, as @files says. The caller should drop its privileges next.
 */
struct attacher *privsep_start(const struct attacher_fds *fds, enum attach_mode mode,
			       const struct privsep_paths *paths,
			       const struct file_settings *files);

/* The helper's pid (of an attacher privsep_start() returned). */
pid_t privsep_helper_pid(const struct attacher *a);

/*
 * Becomes @uid/@gid with no supplementary groups and no capabilities, for
 * good (no_new_privs). 0 or -errno.
 */
int privsep_drop(uid_t uid, gid_t gid);

#endif
