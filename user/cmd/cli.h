/* SPDX-License-Identifier: BSD-2-Clause */
/* Command lines of the observer and its subcommands. */
#ifndef XFFW_CLI_H
#define XFFW_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd/options.h"
#include "cmd/settings.h"
#include "util/ipaddr.h"

enum cli_result {
	CLI_RUN = 0,	 /* options parsed: go on */
	CLI_EXIT_OK,	 /* --help or --version was printed */
	CLI_USAGE_ERROR, /* a one-line error was printed: exit 2 */
};

/* What subcommands need beyond the settings. */
struct command_args {
	/* resolve */
	struct ip_addr peer, destination;
	uint16_t peer_port, destination_port;
	bool have_peer, have_destination;
	char iface[IF_NAMESIZE]; /* "" unless --iface */
	bool explain;
	/* replay: the capture files (in argv), and no progress line */
	char *const *files;
	size_t nfiles;
	bool quiet;
};

/*
 * Parses @argv (argv[0] is the program or subcommand name) for @cmd into
 * @o: the embedded defaults, then the configuration file (--config FILE, the
 * FILE argument of check-config, or DEFAULT_CONFIG_PATH if it exists), then
 * the flags. @r is filled for CMD_RESOLVE. On CLI_RUN the settings are
 * finished (options_finish). A bad flag, value or configuration file (one
 * that is not a regular file too, or an hmac key file that is not) gets a
 * one-line error on stderr, its outside bytes escaped (log_escape), and
 * CLI_USAGE_ERROR.
 */
enum cli_result cli_parse(enum cli_command cmd, int argc, char **argv, struct options *o,
			  struct command_args *r);

#endif
