// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <libmnl/libmnl.h>
#include <linux/if_link.h>
#include <linux/net_namespace.h>
#include <linux/rtnetlink.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "kernel/rtnl_links.h"

struct links {
	struct mnl_socket *events;  /* subscribed to RTMGRP_LINK, non-blocking */
	struct mnl_socket *request; /* dumps and queries */
	unsigned int seq;
	char buf[32768];
};

struct parse {
	link_fn fn;
	void *ctx;
	int nsid; /* RTM_NEWNSID answers */
};

/* An attribute table to fill: entries 0..max, indexed by type. */
struct attr_table {
	const struct nlattr **tb;
	int max;
};

static int keep_attr(const struct nlattr *a, void *data)
{
	const struct attr_table *t = data;

	if (mnl_attr_type_valid(a, (uint16_t)t->max) > 0)
		t->tb[mnl_attr_get_type(a)] = a;
	return MNL_CB_OK;
}

static int on_message(const struct nlmsghdr *nlh, void *data)
{
	struct parse *p = data;
	const struct nlattr *tb[IFLA_MAX + 1] = { 0 };
	const struct ifinfomsg *ifi;
	struct link_info link = { .peer_nsid = -1 };

	if (nlh->nlmsg_type == RTM_NEWNSID) {
		const struct nlattr *nb[NETNSA_MAX + 1] = { 0 };

		mnl_attr_parse(nlh, sizeof(struct rtgenmsg), keep_attr,
			       &(struct attr_table){ nb, NETNSA_MAX });
		if (nb[NETNSA_NSID])
			p->nsid = (int)mnl_attr_get_u32(nb[NETNSA_NSID]);
		return MNL_CB_OK;
	}
	if (nlh->nlmsg_type != RTM_NEWLINK && nlh->nlmsg_type != RTM_DELLINK)
		return MNL_CB_OK;
	if (mnl_nlmsg_get_payload_len(nlh) < sizeof(*ifi))
		return MNL_CB_OK;
	ifi = mnl_nlmsg_get_payload(nlh);
	/*
	 * Bridges also speak of their ports (AF_BRIDGE): a port leaving its
	 * bridge is an RTM_DELLINK of that kind, not the port going away.
	 */
	if (ifi->ifi_family != AF_UNSPEC)
		return MNL_CB_OK;
	mnl_attr_parse(nlh, sizeof(*ifi), keep_attr, &(struct attr_table){ tb, IFLA_MAX });
	link.ifindex = ifi->ifi_index;
	link.loopback = ifi->ifi_flags & IFF_LOOPBACK;
	if (tb[IFLA_IFNAME] && !mnl_attr_validate(tb[IFLA_IFNAME], MNL_TYPE_STRING))
		snprintf(link.name, sizeof(link.name), "%s", mnl_attr_get_str(tb[IFLA_IFNAME]));
	if (tb[IFLA_MASTER] && !mnl_attr_validate(tb[IFLA_MASTER], MNL_TYPE_U32))
		link.master = (int)mnl_attr_get_u32(tb[IFLA_MASTER]);
	if (tb[IFLA_LINK] && !mnl_attr_validate(tb[IFLA_LINK], MNL_TYPE_U32))
		link.peer_ifindex = (int)mnl_attr_get_u32(tb[IFLA_LINK]);
	if (tb[IFLA_LINK_NETNSID] && !mnl_attr_validate(tb[IFLA_LINK_NETNSID], MNL_TYPE_U32))
		link.peer_nsid = (int)mnl_attr_get_u32(tb[IFLA_LINK_NETNSID]);
	if (tb[IFLA_LINKINFO]) {
		const struct nlattr *ib[IFLA_INFO_MAX + 1] = { 0 };

		mnl_attr_parse_nested(tb[IFLA_LINKINFO], keep_attr,
				      &(struct attr_table){ ib, IFLA_INFO_MAX });
		if (ib[IFLA_INFO_KIND] && !mnl_attr_validate(ib[IFLA_INFO_KIND], MNL_TYPE_STRING))
			snprintf(link.kind, sizeof(link.kind), "%s",
				 mnl_attr_get_str(ib[IFLA_INFO_KIND]));
	}
	if (!link.ifindex || !link.name[0])
		return MNL_CB_OK;
	if (p->fn)
		p->fn(p->ctx, &link, nlh->nlmsg_type == RTM_DELLINK);
	return MNL_CB_OK;
}

struct links *links_open(void)
{
	struct links *l = calloc(1, sizeof(*l));
	int fd;

	if (!l)
		return NULL;
	l->events = mnl_socket_open(NETLINK_ROUTE);
	l->request = mnl_socket_open(NETLINK_ROUTE);
	if (!l->events || !l->request ||
	    mnl_socket_bind(l->events, RTMGRP_LINK, MNL_SOCKET_AUTOPID) ||
	    mnl_socket_bind(l->request, 0, MNL_SOCKET_AUTOPID))
		goto fail;
	fd = mnl_socket_get_fd(l->events);
	if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK))
		goto fail;
	l->seq = (unsigned int)time(NULL);
	return l;
fail:
	links_close(l);
	return NULL;
}

void links_close(struct links *l)
{
	int saved = errno;

	if (!l)
		return;
	if (l->events)
		mnl_socket_close(l->events);
	if (l->request)
		mnl_socket_close(l->request);
	free(l);
	errno = saved;
}

int links_fd(const struct links *l)
{
	return mnl_socket_get_fd(l->events);
}

/* Sends @nlh on the request socket and runs the answers through on_message. */
static int request(struct links *l, struct nlmsghdr *nlh, struct parse *p)
{
	unsigned int portid = mnl_socket_get_portid(l->request);
	ssize_t n;
	int ret;

	nlh->nlmsg_seq = ++l->seq;
	if (mnl_socket_sendto(l->request, nlh, nlh->nlmsg_len) < 0)
		return -errno;
	do {
		n = mnl_socket_recvfrom(l->request, l->buf, sizeof(l->buf));
		if (n < 0)
			return -errno;
		ret = mnl_cb_run(l->buf, (size_t)n, l->seq, portid, on_message, p);
	} while (ret > MNL_CB_STOP);
	return ret < 0 ? -errno : 0;
}

/*
 * A request of @type into @buf, its family header (struct ifinfomsg or
 * rtgenmsg, whose first byte is the family) AF_UNSPEC.
 */
static struct nlmsghdr *put_request(char *buf, uint16_t type, uint16_t flags, size_t family_hdr)
{
	struct nlmsghdr *nlh = mnl_nlmsg_put_header(buf);
	unsigned char *family;

	nlh->nlmsg_type = type;
	nlh->nlmsg_flags = flags;
	family = mnl_nlmsg_put_extra_header(nlh, family_hdr);
	*family = AF_UNSPEC;
	return nlh;
}

int links_dump(struct links *l, link_fn fn, void *ctx)
{
	char buf[8192];
	struct parse p = { fn, ctx, -1 };

	return request(
		l,
		put_request(buf, RTM_GETLINK, NLM_F_REQUEST | NLM_F_DUMP, sizeof(struct ifinfomsg)),
		&p);
}

int links_read(struct links *l, link_fn fn, void *ctx)
{
	struct parse p = { fn, ctx, -1 };

	for (;;) {
		ssize_t n = mnl_socket_recvfrom(l->events, l->buf, sizeof(l->buf));

		if (n < 0)
			return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : -errno;
		if (mnl_cb_run(l->buf, (size_t)n, 0, 0, on_message, &p) < 0 && errno != ENOENT)
			return -errno;
	}
}

int links_nsid_of(struct links *l, int ns_fd)
{
	char buf[8192];
	struct parse p = { NULL, NULL, -1 };
	/* (The acknowledgement ends the exchange: a single answer has no NLMSG_DONE.) */
	struct nlmsghdr *nlh =
		put_request(buf, RTM_GETNSID, NLM_F_REQUEST | NLM_F_ACK, sizeof(struct rtgenmsg));

	mnl_attr_put_u32(nlh, NETNSA_FD, (uint32_t)ns_fd);
	if (request(l, nlh, &p))
		return -1;
	return p.nsid;
}
