// SPDX-License-Identifier: BSD-2-Clause
/* xffwatch: the observer, and its subcommands. */
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/cmd_check_config.h"
#include "cmd/cmd_doctor.h"
#include "cmd/cmd_replay.h"
#include "cmd/cmd_resolve.h"
#include "cmd/cmd_status.h"
#include "cmd/daemon.h"
#include "util/log.h"

static int observe(const struct options *o, const struct command_args *r)
{
	(void)r;
	log_set_level(o->verbosity ? LL_DEBUG : LL_INFO);
	log_route_libbpf(o->verbosity > 1);
	return daemon_run(o);
}

/* The commands: argv[1] names one; the observer (the first) runs without a name. */
static const struct command {
	const char *name;
	enum cli_command cmd;
	int (*run)(const struct options *o, const struct command_args *r);
	int (*main)(int argc, char **argv); /* a command with its own few flags */
	const char *prints; /* what it writes to standard output; NULL: the observer's help */
} commands[] = {
	{ NULL, CMD_DAEMON, observe, NULL, NULL },
	{ "status", CMD_DAEMON, NULL, status_main, "status" },
	{ "resolve", CMD_RESOLVE, resolve_run, NULL, "events" },
	{ "check-config", CMD_CHECK_CONFIG, check_config_run, NULL, "settings" },
	{ "replay", CMD_REPLAY, replay_run, NULL, "events" },
	{ "doctor", CMD_DOCTOR, doctor_run, NULL, "the report" },
};

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
	static struct command_args args;
	/*
	 * What the commands print (help, an event, settings) fits in the buffer,
	 * so that a write error shows at the close with its reason. (The
	 * daemon's events go to the descriptor, not through this stream.)
	 */
	static char out[1 << 16];
	const struct command *c = &commands[0];

	setvbuf(stdout, out, _IOFBF, sizeof(out));
	for (size_t i = 1; i < sizeof(commands) / sizeof(commands[0]); i++)
		if (argc > 1 && !strcmp(argv[1], commands[i].name))
			c = &commands[i];
	if (c->name) {
		argc--;
		argv++;
	}
	if (c->main)
		return written(c->main(argc, argv), c->prints);
	switch (cli_parse(c->cmd, argc, argv, &opts, &args)) {
	case CLI_EXIT_OK: /* --help, --version */
		return written(0, c->prints ? c->prints : "standard output");
	case CLI_USAGE_ERROR:
		return 2;
	case CLI_RUN:
		break;
	}
	/* The observer's events go to the descriptor: it checks its own writes. */
	return c->prints ? written(c->run(&opts, &args), c->prints) : c->run(&opts, &args);
}
