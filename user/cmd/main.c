// SPDX-License-Identifier: BSD-2-Clause
/* xffwatch: the observer, and its subcommands. */
#include <stdio.h>
#include <string.h>

#include "cmd/cmd_check_config.h"
#include "cmd/cli.h"
#include "cmd/daemon.h"
#include "util/log.h"
#include "cmd/cmd_resolve.h"
#include "cmd/cmd_status.h"

/*
 * A command that prints @what to standard output has not succeeded until it
 * is written: a full disk or a closed pipe is one line and status 1.
 */
static int written(int rc, const char *what)
{
	if (log_close_stdout(what))
		return rc ? rc : 1;
	return rc;
}

int main(int argc, char **argv)
{
	static struct options opts;
	/*
	 * What the commands print (help, an event, settings) fits in the buffer,
	 * so that a write error shows at the close with its reason. (The
	 * daemon's events go to the descriptor, not through this stream.)
	 */
	static char out[1 << 16];

	setvbuf(stdout, out, _IOFBF, sizeof(out));

	if (argc > 1 && !strcmp(argv[1], "status"))
		return written(status_main(argc - 1, argv + 1), "status");
	if (argc > 1 && !strcmp(argv[1], "resolve"))
		return written(resolve_main(argc - 1, argv + 1), "events");
	if (argc > 1 && !strcmp(argv[1], "check-config"))
		return written(check_config_main(argc - 1, argv + 1), "settings");

	switch (cli_parse(CMD_DAEMON, argc, argv, &opts, NULL)) {
	case CLI_EXIT_OK:
		return written(0, "standard output"); /* --help, --version */
	case CLI_USAGE_ERROR:
		return 2;
	case CLI_RUN:
		break;
	}
	log_set_level(opts.verbosity ? LL_DEBUG : LL_INFO);
	log_route_libbpf(opts.verbosity > 1);
	return daemon_run(&opts);
}
