// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kernel/privileged_ops.h"
#include "util/log.h"
#include "kernel/privileged_files.h"

#define LOCAL_MAX 1024

struct local {
	struct attacher ops;
	struct attacher_fds fds;
	enum attach_mode mode;
	struct links *links; /* namespace ids, for the peers */
	struct file_settings files;
	struct attachment att[LOCAL_MAX];
	bool used[LOCAL_MAX];
};

static int local_attach(struct attacher *a, const struct link_info *link, unsigned int hooks,
			struct link_meta *meta)
{
	struct local *l = (struct local *)a;
	int slot = -1, err;

	memset(meta, 0, sizeof(*meta));
	for (int i = 0; i < LOCAL_MAX && slot < 0; i++)
		if (!l->used[i])
			slot = i;
	if (slot < 0)
		return -ENOSPC;
	err = attach_prog(l->fds.prog, link->name, link->ifindex, hooks, l->mode, &l->att[slot]);
	if (err)
		return err;
	l->used[slot] = true;
	if (l->links)
		peers_resolve(l->links, &peer_paths_default, link, meta);
	return 0;
}

static void local_release(struct attacher *a, int ifindex)
{
	struct local *l = (struct local *)a;

	for (int i = 0; i < LOCAL_MAX; i++) {
		if (l->used[i] && l->att[i].ifindex == ifindex) {
			attach_release(&l->att[i]);
			l->used[i] = false;
		}
	}
}

static int local_counters(struct attacher *a, uint64_t out[XFFW_CNT__MAX], long *flows_live)
{
	struct local *l = (struct local *)a;

	/* The walk first: the counters then bound what it may have missed (evictions). */
	if (flows_live)
		*flows_live = counters_live_flows(l->fds.flows, sizeof(struct xffw_flow_key));
	return counters_read(l->fds.counters, out);
}

static int local_write_stats(struct attacher *a, const char *path, const char *json, size_t len)
{
	(void)a;
	return stats_file_write(path, json, len);
}

static void local_close(struct attacher *a)
{
	struct local *l = (struct local *)a;

	for (int i = 0; i < LOCAL_MAX; i++)
		if (l->used[i])
			attach_release(&l->att[i]);
	links_close(l->links);
	free(l);
}

struct attacher *attacher_local(const struct attacher_fds *fds, enum attach_mode mode,
				const struct file_settings *files)
{
	struct local *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->files = *files;
	l->ops = (struct attacher){ local_attach,      local_release, local_counters,
				    local_write_stats, local_close,   file_ops_local(&l->files) };
	l->fds = *fds;
	l->mode = mode;
	l->links = links_open();
	if (!l->links)
		log_warn("cannot open rtnetlink for namespace ids: %s", strerror(errno));
	return &l->ops;
}
