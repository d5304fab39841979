/* SPDX-License-Identifier: BSD-2-Clause */
/* Command-line parsing for the observer. */
#ifndef XFFW_CLI_H
#define XFFW_CLI_H

#include "options.h"

enum cli_result {
	CLI_RUN = 0,	/* options parsed: go on */
	CLI_EXIT_OK,	/* --help or --version was printed */
	CLI_USAGE_ERROR /* a one-line error was printed: exit 2 */
};

enum cli_result cli_parse(int argc, char **argv, struct options *o);

#endif
