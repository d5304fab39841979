/* SPDX-License-Identifier: BSD-2-Clause */
/* Command lines of the observer and its subcommands. */
#ifndef XFFW_CLI_H
#define XFFW_CLI_H

#include <stdbool.h>
#include <stdint.h>

#include "cmd/options.h"
#include "cmd/settings.h"
#include "identity/owner_spec.h"
#include "util/ipaddr.h"

enum cli_result {
	CLI_RUN = 0,	 /* options parsed: go on */
	CLI_EXIT_OK,	 /* --help or --version was printed */
	CLI_USAGE_ERROR, /* a one-line error was printed: exit 2 */
};

/* Files one doctor run reads at most. */
#define DOCTOR_FILES_MAX       64
/* The longest live doctor run: a day. */
#define DOCTOR_DURATION_MS_MAX (24U * 3600 * 1000)

enum doctor_source { DOCTOR_LIVE, DOCTOR_PCAP, DOCTOR_EVENTS };
enum doctor_format { DOCTOR_TEXT, DOCTOR_JSON, DOCTOR__FORMATS };
extern const char *const doctor_format_names[DOCTOR__FORMATS];

/* What subcommands need beyond the settings. */
struct command_args {
	/* resolve */
	struct ip_addr peer, destination;
	uint16_t peer_port, destination_port;
	bool have_peer, have_destination;
	char iface[IF_NAMESIZE]; /* "" unless --iface */
	bool explain;
	/* The peer is a socket of this host: its owner's user and cgroup, as options say. */
	struct owner_spec peer_user, peer_cgroup;
	bool have_peer_user, have_peer_cgroup;
	/* replay: the capture files (in argv), and no progress line */
	char *const *files;
	size_t nfiles;
	bool quiet;
	/* doctor: its source (live, or files of captures or events), limits, stacks, format */
	int doctor_source; /* enum doctor_source */
	char *doctor_files[DOCTOR_FILES_MAX];
	size_t ndoctor_files;
	unsigned int duration_ms, requests;
	bool have_duration;
	unsigned int stacks; /* 1 << enum stack; 0: guess */
	int format;	     /* enum doctor_format */
	char html[PATH_MAX]; /* --html FILE: the page too; "" none */
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
