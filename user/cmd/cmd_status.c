// SPDX-License-Identifier: BSD-2-Clause
#include <net/if.h>
#include <stdio.h>
#include <string.h>

#include "kernel/tc_attach.h"
#include "util/log.h"
#include "cmd/cmd_status.h"

static const char usage[] =
	"Usage: xffwatch status [--iface IF]...\n"
	"List the xffwatch programs attached to interfaces, one line each:\n"
	"  IFACE ingress|egress tcx link LINK_ID prog PROG_ID\n"
	"  IFACE ingress|egress tc handle HANDLE prio PRIO prog PROG_ID\n"
	"Without --iface, every interface of this network namespace is looked at.\n"
	"Exit status: 0 when something is attached, 1 when nothing is, 2 on bad usage.\n";

static int show(int ifindex)
{
	struct attach_entry e[64];
	int n = attach_list(ifindex, e, 64);

	for (int i = 0; i < n && i < 64; i++) {
		char name[IF_NAMESIZE] = "?";

		if_indextoname((unsigned int)e[i].ifindex, name);
		if (e[i].kind == ATTACH_TCX)
			printf("%s %s tcx link %u prog %u\n", name, hook_dir_name(e[i].dir),
			       e[i].link_id, e[i].prog_id);
		else
			printf("%s %s tc handle %#x prio %#x prog %u\n", name,
			       hook_dir_name(e[i].dir), XFFW_TC_HANDLE, XFFW_TC_PRIORITY,
			       e[i].prog_id);
	}
	return n;
}

int status_main(int argc, char **argv)
{
	int found = 0, ifaces = 0;

	for (int i = 1; i < argc; i++) {
		unsigned int ifindex;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return 0;
		}
		if ((strcmp(argv[i], "--iface") && strcmp(argv[i], "-i")) || i + 1 == argc) {
			log_line(stderr, "xffwatch status: unexpected argument '%s' (see --help)",
				 argv[i]);
			return 2;
		}
		ifindex = if_nametoindex(argv[++i]);
		if (!ifindex) {
			log_line(stderr, "xffwatch status: %s: no such interface", argv[i]);
			return 2;
		}
		ifaces++;
		found += show((int)ifindex);
	}
	if (!ifaces) {
		struct if_nameindex *all = if_nameindex();

		for (struct if_nameindex *it = all; it && it->if_index; it++)
			found += show((int)it->if_index);
		if_freenameindex(all);
	}
	return found > 0 ? 0 : 1;
}
