// SPDX-License-Identifier: BSD-2-Clause
/* xffwatch: the observer, and its subcommands. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "daemon.h"
#include "log.h"
#include "status.h"

int main(int argc, char **argv)
{
	struct options opts;

	if (argc > 1 && !strcmp(argv[1], "status"))
		return status_main(argc - 1, argv + 1);

	options_defaults(&opts);
	switch (cli_parse(argc, argv, &opts)) {
	case CLI_EXIT_OK:
		return 0;
	case CLI_USAGE_ERROR:
		return 2;
	case CLI_RUN:
		break;
	}
	log_set_level(opts.verbosity ? LL_DEBUG : LL_INFO);
	log_route_libbpf(opts.verbosity > 1);
	return daemon_run(&opts);
}
