/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Putting the TC program on an interface's hooks, and taking it off: ingress
 * and egress, so that both directions of a connection are seen; loopback
 * only on ingress, where every packet passes once.
 * TCX links (kernel 6.6+) vanish with the daemon's last fd, so a killed run
 * leaves nothing behind; clsact filters are the fallback, at a fixed handle
 * and priority of our own. One daemon per interface and network namespace:
 * each holds a lock file in XFFW_RUN_DIR while it runs, so that a program of
 * ours found where no lock is held is known to be stale and is replaced.
 */
#ifndef XFFW_ATTACH_H
#define XFFW_ATTACH_H

#include <linux/types.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* Name the kernel shows for our program (BPF_OBJ_NAME_LEN limits it to 15). */
#define XFFW_PROG_NAME	 "xffwatch_tc"
/* Our clsact filter: handle and priority no one else is likely to pick. */
#define XFFW_TC_HANDLE	 0x7866
#define XFFW_TC_PRIORITY 0x7866
/* Lock files, one per namespace and interface ("net-INODE-if-INDEX.lock"). */
#define XFFW_RUN_DIR	 "/run/xffwatch"

/* How the program is attached: --attach, and what an attachment turned out to be. */
enum attach_mode {
	ATTACH_AUTO, /* TCX link, clsact filter where the kernel has no TCX */
	ATTACH_TCX,
	ATTACH_TC,
	ATTACH__MAX,
};

/* Each mode's name in settings: "auto", "tcx", "tc". */
extern const char *const attach_mode_names[ATTACH__MAX];

enum hook_dir {
	HOOK_INGRESS,
	HOOK_EGRESS,
	HOOK__MAX,
};

struct hook {
	bool used;
	enum attach_mode kind; /* ATTACH_TCX or ATTACH_TC once attached */
	int link_fd;	       /* TCX */
};

struct attachment {
	char ifname[IF_NAMESIZE];
	int ifindex;
	enum attach_mode kind; /* ATTACH_TCX or ATTACH_TC once attached */
	struct hook hooks[HOOK__MAX];
	int lock_fd; /* our claim on the interface */
	char lock_path[128];
};

/* "ingress" or "egress". */
const char *hook_dir_name(enum hook_dir dir);

/* Hook sets for attach_prog(): bits (1 << enum hook_dir). */
#define HOOKS_INGRESS (1U << HOOK_INGRESS)
#define HOOKS_EGRESS  (1U << HOOK_EGRESS)
#define HOOKS_BOTH    (HOOKS_INGRESS | HOOKS_EGRESS)

/*
 * Attaches @prog_fd to the @hooks of interface @ifindex (named @ifname) as
 * @mode asks. Refuses when a live xffwatch is attached there already;
 * replaces a stale one. Returns 0 or a negative errno, after logging why.
 */
/* The pid the lock files name, when not this process's (the privileged helper's daemon). */
void attach_set_owner(pid_t pid);

int attach_prog(int prog_fd, const char *ifname, int ifindex, unsigned int hooks,
		enum attach_mode mode, struct attachment *a);

/* Which hooks @a holds (HOOKS_*). */
unsigned int attach_hooks(const struct attachment *a);

/*
 * Detaches our program (and only it: a clsact qdisc stays), drops the claim
 * and removes its lock file. Quiet when the interface is gone already.
 */
void attach_release(struct attachment *a);

struct attach_entry {
	int ifindex;
	enum hook_dir dir;
	enum attach_mode kind;
	__u32 link_id; /* TCX only */
	__u32 prog_id;
};

/*
 * Lists xffwatch programs on the hooks of @ifindex in this network
 * namespace: TCX links and our clsact filter. Returns the number found (at
 * most @max stored).
 */
int attach_list(int ifindex, struct attach_entry *out, size_t max);

#endif
