// SPDX-License-Identifier: BSD-2-Clause
/* xffwatch: the observer, and its subcommands. */
#include <string.h>

#include "checkconf.h"
#include "cli.h"
#include "daemon.h"
#include "log.h"
#include "resolve.h"
#include "status.h"

int main(int argc, char **argv)
{
	static struct options opts;

	if (argc > 1 && !strcmp(argv[1], "status"))
		return status_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "resolve"))
		return resolve_main(argc - 1, argv + 1);
	if (argc > 1 && !strcmp(argv[1], "check-config"))
		return check_config_main(argc - 1, argv + 1);

	switch (cli_parse(CMD_DAEMON, argc, argv, &opts, NULL)) {
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
