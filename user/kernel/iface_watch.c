// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"
#include "kernel/iface_watch.h"

bool watch_matches(const char *pattern, const char *name)
{
	return !fnmatch(pattern, name, 0);
}

static bool is_glob(const char *pattern)
{
	return strpbrk(pattern, "*?[") != NULL;
}

static struct watch_link *find(struct watch_link *tab, size_t ntab, int ifindex)
{
	for (size_t i = 0; i < ntab; i++)
		if (tab[i].info.ifindex == ifindex)
			return &tab[i];
	return NULL;
}

unsigned int watch_hooks_for(const struct watch_patterns *p, const struct watch_link *tab,
			     size_t ntab, const struct link_info *link)
{
	const struct watch_link *bridge = NULL;
	unsigned int hooks = 0;

	if (link->master)
		bridge = find((struct watch_link *)tab, ntab, link->master);
	if (bridge && strcmp(bridge->info.kind, "bridge"))
		bridge = NULL;
	for (size_t i = 0; i < p->n; i++) {
		if (watch_matches(p->names[i], link->name)) {
			/* Loopback at egress: each packet once, its socket still attached. */
			if (link->loopback)
				hooks |= HOOKS_EGRESS;
			else if (!strcmp(link->kind, "bridge"))
				hooks |= HOOKS_INGRESS;
			else
				hooks |= HOOKS_BOTH;
		}
		/* A port of a watched bridge: what leaves it reaches a container. */
		if (bridge && watch_matches(p->names[i], bridge->info.name))
			hooks |= HOOKS_EGRESS;
	}
	return hooks;
}

static void release(struct watcher *w, struct watch_link *l)
{
	if (!l->hooks)
		return;
	w->attacher->release(w->attacher, l->info.ifindex);
	l->hooks = 0;
	w->nattached--;
	w->detaches++;
}

/* Makes the attachments match what the patterns say of the interfaces known now. */
static void reconcile(struct watcher *w)
{
	for (size_t i = 0; i < w->ntab; i++) {
		struct watch_link *l = &w->tab[i];
		unsigned int want = watch_hooks_for(&w->patterns, w->tab, w->ntab, &l->info);

		if (want == l->hooks || (want && want == l->failed))
			continue;
		release(w, l);
		l->failed = 0;
		if (!want)
			continue;
		if (w->nattached >= WATCH_MAX_ATTACH) {
			if (!w->refused++)
				log_warn("more than %d interfaces to attach to: %s and later ones "
					 "are "
					 "not watched",
					 WATCH_MAX_ATTACH, l->info.name);
			continue;
		}
		if (w->attacher->attach(w->attacher, &l->info, want, &l->meta)) {
			l->failed = want;
			w->failures++;
			continue;
		}
		l->hooks = want;
		w->nattached++;
		w->attaches++;
		log_info("watching %s %s%s%s%s", l->info.name,
			 want == HOOKS_BOTH    ? "ingress and egress"
			 : want & HOOKS_EGRESS ? "egress"
					       : "ingress",
			 l->meta.container_name[0] || l->meta.netns[0] ? " (peer: " : "",
			 l->meta.container_name[0] ? l->meta.container_name : l->meta.netns,
			 l->meta.container_name[0] || l->meta.netns[0] ? ")" : "");
	}
}

static void on_link(void *ctx, const struct link_info *info, bool gone)
{
	struct watcher *w = ctx;
	struct watch_link *l = find(w->tab, w->ntab, info->ifindex);

	if (gone) {
		if (!l)
			return;
		if (l->hooks)
			log_info("%s is gone: detached", l->info.name);
		release(w, l);
		*l = w->tab[--w->ntab];
		return;
	}
	if (!l) {
		if (w->ntab == WATCH_MAX_LINKS) {
			if (!w->refused++)
				log_warn("more than %d interfaces: %s is not looked at",
					 WATCH_MAX_LINKS, info->name);
			return;
		}
		l = &w->tab[w->ntab++];
		memset(l, 0, sizeof(*l));
	} else if (strcmp(l->info.name, info->name) && l->hooks) {
		/* Renamed: attachments and their messages go by name; start over. */
		release(w, l);
	}
	if (memcmp(&l->info, info, sizeof(*info)))
		l->failed = 0; /* changed: worth another try */
	l->info = *info;
	l->gen = w->gen;
}

/* Forgets the interfaces the last full listing did not show. */
static void sweep(struct watcher *w)
{
	for (size_t i = 0; i < w->ntab;) {
		if (w->tab[i].gen == w->gen) {
			i++;
			continue;
		}
		release(w, &w->tab[i]);
		w->tab[i] = w->tab[--w->ntab];
	}
}

int watch_start(struct watcher *w, const struct watch_patterns *p, struct attacher *attacher)
{
	int err;

	memset(w, 0, sizeof(*w));
	w->patterns = *p;
	w->attacher = attacher;
	w->tab = calloc(WATCH_MAX_LINKS, sizeof(*w->tab));
	w->links = links_open();
	if (!w->tab || !w->links) {
		err = -errno;
		log_error("cannot follow the interfaces (rtnetlink): %s", strerror(errno));
		return err ? err : -ENOMEM;
	}
	err = links_dump(w->links, on_link, w);
	if (err) {
		log_error("cannot list the interfaces: %s", strerror(-err));
		return err;
	}
	for (size_t i = 0; i < p->n; i++) {
		bool found = false;

		for (size_t k = 0; k < w->ntab && !found; k++)
			found = watch_matches(p->names[i], w->tab[k].info.name);
		if (!found && !is_glob(p->names[i])) {
			log_error("%s: no such interface", p->names[i]);
			return -ENODEV;
		}
		if (!found)
			log_info("%s: no interface matches yet; watching for one", p->names[i]);
	}
	reconcile(w);
	/* Named interfaces that could not be attached are an error at start. */
	if (w->failures)
		return -EBUSY;
	return 0;
}

int watch_fd(const struct watcher *w)
{
	return links_fd(w->links);
}

void watch_update(struct watcher *w)
{
	int err = links_read(w->links, on_link, w);

	if (err == -ENOBUFS) {
		/* Changes were lost: read the whole list again. */
		log_warn("interface changes overflowed; reading the list again");
		w->gen++;
		err = links_dump(w->links, on_link, w);
		if (!err)
			sweep(w);
	}
	if (err)
		log_warn("cannot read interface changes: %s", strerror(-err));
	reconcile(w);
}

const struct watch_link *watch_link(struct watcher *w, int ifindex)
{
	struct watch_link *l;

	if (w->last < w->ntab && w->tab[w->last].info.ifindex == ifindex)
		return &w->tab[w->last];
	l = find(w->tab, w->ntab, ifindex);
	if (l)
		w->last = (size_t)(l - w->tab);
	return l;
}

const struct watch_link *watch_bridge_of(struct watcher *w, const struct watch_link *l)
{
	const struct watch_link *b;

	if (!l || !l->info.master)
		return NULL;
	b = find(w->tab, w->ntab, l->info.master);
	return b && !strcmp(b->info.kind, "bridge") ? b : NULL;
}

size_t watch_attached(const struct watcher *w)
{
	return w->nattached;
}

void watch_stop(struct watcher *w)
{
	for (size_t i = 0; i < w->ntab; i++)
		release(w, &w->tab[i]);
	links_close(w->links);
	free(w->tab);
	memset(w, 0, sizeof(*w));
}
