// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "cmd/config_file.h"
#include "util/file_open.h"
#include "util/log.h"

static const char usage_resolve[] =
	"Usage: xffwatch resolve --peer IP[:PORT] [OPTION]... < request-head\n"
	"Read one HTTP/1.x request head (request line and header lines, up to a blank\n"
	"line or the end of input; CRLF or LF) and print the JSON event the observer\n"
	"would write for it, as if it came from the TCP peer IP.\n"
	"\n"
	"      --peer IP[:PORT]    the TCP peer: the proxy, or the client itself\n"
	"      --destination IP[:PORT]\n"
	"                          the app's address (default loopback, port of the\n"
	"                          first watched port); the port selects a listener rule\n"
	"  -i, --iface IF          the interface it arrived on (selects a listener rule)\n"
	"      --peer-user NAME|UID\n"
	"      --peer-cgroup PATH  the peer is a socket of this host, owned by this user\n"
	"                          and/or in this cgroup (for --trust-local rules;\n"
	"                          without either, its owner is not known)\n"
	"      --explain           print the trust walk, step by step, to stderr\n"
	"  -t, --trust, --external-proxy, --trust-local, -H, --header, --recursive,\n"
	"      --no-recursive, --hops, --proxy-protocol, --listener,\n"
	"  -c, --config, --no-config, -p, --port\n"
	"                          as for the observer (see xffwatch --help)\n"
	"\n"
	"Exit status: 0 when an event was printed, 2 for a malformed head, option or\n"
	"configuration file.\n";

static const char usage_check[] =
	"Usage: xffwatch check-config [FILE] [OPTION]...\n"
	"Validate a configuration file (default " DEFAULT_CONFIG_PATH ") and print the\n"
	"effective settings - defaults, then the file, then any flags - in the same\n"
	"syntax, with the rules in the order they are tried. The observer's flags are\n"
	"accepted. Exit status: 0 when valid, 2 with \"FILE:LINE: what is wrong\" when not.\n";

static const char usage_replay[] =
	"Usage: xffwatch replay [OPTION]... FILE...\n"
	"Read packet captures (pcap or pcapng, from tcpdump -w, Wireshark, ...) and\n"
	"write the events the observer would have written for their traffic, with the\n"
	"same trust rules, privacy settings and outputs. Several files are read as one\n"
	"capture, in time order. Needs no privileges (docs/replay.md).\n"
	"\n"
	"  -q, --quiet             no progress line on a terminal\n"
	"  -p, --port, -t, --trust, --external-proxy, -H, --header, --recursive,\n"
	"      --no-recursive, --hops, --proxy-protocol, --listener, --head-budget,\n"
	"      --response-timeout, --flows, -o, --output, --syslog, --syslog-facility,\n"
	"      --file-mode, --file-owner, --rotate-size, --rotate-daily, --retain-days,\n"
	"      --fsync-interval, --queue, --pseudonymize, --hmac-key, --keep-query,\n"
	"      --no-user-agent, --stats, -c, --config, --no-config, -v, --verbose\n"
	"                          as for the observer (see xffwatch --help)\n"
	"\n"
	"Exit status: 0 when every file was read, 2 for a file that is not a capture\n"
	"(or unreadable, or of a link type it cannot read) or a bad option.\n";

static const char usage_doctor[] =
	"Usage: xffwatch doctor [OPTION]...                  watch live (as root)\n"
	"       xffwatch doctor --pcap FILE... [OPTION]...   read captures\n"
	"       xffwatch doctor --events FILE... [OPTION]... read events xffwatch wrote\n"
	"Diagnose the proxy setup from the traffic: which peers act as proxies, whether\n"
	"the trust rules fit them, who forges headers; print each problem with its\n"
	"evidence and the fix for xffwatch and for the stack (docs/doctor.md).\n"
	"\n"
	"      --duration S        live: watch this long (default 60; Ctrl-C ends early)\n"
	"      --requests N        live: stop after N requests\n"
	"      --pcap FILE         read captures (pcap, pcapng) through replay\n"
	"      --events FILE       read JSON lines of audit events (- for standard input)\n"
	"      --stack LIST        what runs on the path, for fixes: nginx, haproxy,\n"
	"                          apache, werkzeug, gunicorn, uvicorn (default: guessed)\n"
	"      --format text|json  the report's form (default text)\n"
	"      --html FILE         also write the report as one HTML page to FILE\n"
	"                          (self-contained: no script, no URL; docs/doctor.md)\n"
	"  -q, --quiet             no progress line on a terminal\n"
	"  -i, --iface, --netns, -p, --port, -t, --trust, --external-proxy, -H, --header,\n"
	"      --recursive, --no-recursive, --hops, --proxy-protocol, --listener,\n"
	"      --head-budget, --response-timeout, --flows, --user, --attach,\n"
	"      --pseudonymize, --hmac-key, --keep-query, --no-user-agent, -c, --config,\n"
	"      --no-config, -v, --verbose\n"
	"                          as for the observer (see xffwatch --help): the\n"
	"                          trust rules are the ones the doctor judges by\n"
	"\n"
	"Exit status: 0 when nothing needs fixing, 1 when something does, 2 for a bad\n"
	"option, a file that cannot be read, an observer that could not run, or no\n"
	"requests seen at all.\n";

/* A usage error's message, the option's value quoted in it, is cut past this. */
#define USAGE_MSG_MAX 4096

static enum cli_result usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr, the argument in it escaped (log_escape), and CLI_USAGE_ERROR. */
static enum cli_result usage_error(const char *fmt, ...)
{
	char msg[USAGE_MSG_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_line(stderr, "xffwatch: %s (see --help)", msg);
	return CLI_USAGE_ERROR;
}

/* The option as the user spelled it, for error messages. */
static const char *spelled(char **argv, int index)
{
	const char *a = argv[index];

	return a && a[0] == '-' ? a : "option";
}

/* Long options: one per flag name (a flag may mean one thing to each command). */
static struct option long_options[SETTINGS_MAX + 1];
static char short_options[2 * SETTINGS_MAX + 2]; /* ":" and "f:" each */

/* The option's val: its short flag, or 256 + the index of its first row. */
static void build_options(void)
{
	size_t n = 0, ns = 0;

	if (long_options[0].name)
		return;
	short_options[ns++] = ':';
	for (size_t i = 0; i < settings_count; i++) {
		const struct setting *s = &settings[i];
		bool seen = !s->flag;

		for (size_t k = 0; k < n && !seen; k++)
			seen = !strcmp(long_options[k].name, s->flag);
		if (seen)
			continue;
		long_options[n++] =
			(struct option){ s->flag, s->arg ? required_argument : no_argument, NULL,
					 s->short_flag ? s->short_flag : 256 + (int)i };
		if (s->short_flag) {
			short_options[ns++] = s->short_flag;
			if (s->arg)
				short_options[ns++] = ':';
		}
	}
}

/* The row of option @c for @cmd, or NULL when @cmd does not take it. */
static const struct setting *row_of(enum cli_command cmd, int c)
{
	const struct setting *first = NULL;

	for (size_t i = 0; i < settings_count && !first; i++)
		if (c < 256 ? settings[i].short_flag == c : i == (size_t)(c - 256))
			first = &settings[i];
	for (size_t i = first ? (size_t)(first - settings) : settings_count; i < settings_count;
	     i++)
		if (settings[i].flag && !strcmp(settings[i].flag, first->flag) &&
		    (settings[i].commands & (1U << cmd)))
			return &settings[i];
	return NULL;
}

/* Pass 1: only where the configuration comes from. */
static void find_config(int argc, char **argv, struct cli_state *st)
{
	struct setting_target t = { .cli = st };
	char why[8];
	int c;

	opterr = 0;
	optind = 0; /* 0, not 1: glibc then also resets its scanning state */
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		const struct setting *s = c == '?' || c == ':' ? NULL : row_of(st->cmd, c);

		if (s && (s->flags & S_FIRST_PASS))
			setting_parse(s, &t, optarg, why, sizeof(why));
	}
	if (st->cmd == CMD_CHECK_CONFIG && optind < argc)
		st->config = argv[optind];
}

/* Pass 2: one flag. */
static enum cli_result apply(const struct setting *s, const struct setting_target *t, bool seen[])
{
	char why[USAGE_MSG_MAX]; /* a reason quotes the value: as long as the message may be */
	int err;

	if (s->flags & S_FIRST_PASS)
		return CLI_RUN;
	if (s->type->clear && !seen[s - settings])
		s->type->clear(s, setting_base(s, t));
	seen[s - settings] = true;
	err = setting_parse(s, t, optarg, why, sizeof(why));
	if (err == SETTING_DONE)
		return CLI_EXIT_OK;
	if (err)
		return usage_error("--%s: %s", s->flag, why);
	return CLI_RUN;
}

/*
 * The key file of hmac must not be a FIFO or device: reading it would hang or
 * never end. Opened without blocking and checked here, where a bad setting is
 * a usage error; what cannot be opened is left to pseudo_init() to report.
 * Returns false, with the one-line error printed, when it is not a regular file.
 */
static bool key_file_ok(const struct privacy_opts *p)
{
	struct stat st;
	bool ok = true;
	int fd;

	if (p->pseudonymize != PSEUDO_HMAC || !p->hmac_key[0])
		return true;
	fd = file_open_nonblocking(p->hmac_key, O_NOFOLLOW, &st);
	if (fd < 0)
		return true;
	if (!S_ISREG(st.st_mode)) {
		log_line(stderr, "xffwatch: %s: not a regular file", p->hmac_key);
		ok = false;
	}
	close(fd);
	return ok;
}

enum cli_result cli_parse(enum cli_command cmd, int argc, char **argv, struct options *o,
			  struct command_args *r)
{
	struct cli_state st = { .cmd = cmd,
				.usage = cmd == CMD_RESOLVE	   ? usage_resolve
					 : cmd == CMD_CHECK_CONFIG ? usage_check
					 : cmd == CMD_REPLAY	   ? usage_replay
					 : cmd == CMD_DOCTOR	   ? usage_doctor
								   : NULL };
	struct command_args unused = { 0 };
	struct setting_target t = { .o = o, .rule = &o->global, .cli = &st };
	bool seen[SETTINGS_MAX] = { false };
	char err[PATH_MAX + 768]; /* a message may quote the whole path of the file */
	int c, index, positional = cmd == CMD_CHECK_CONFIG ? 1 : 0;

	build_options();
	t.resolve = r ? r : &unused;
	memset(t.resolve, 0, sizeof(*t.resolve));
	options_defaults(o);
	find_config(argc, argv, &st);
	if (!st.no_config || st.config) {
		c = conf_load(o, st.config ? st.config : DEFAULT_CONFIG_PATH, st.config != NULL,
			      err, sizeof(err));
		if (c) {
			log_line(stderr, "xffwatch: %s", err);
			return CLI_USAGE_ERROR;
		}
	}

	opterr = 0;
	optind = 0;
	while ((index = -1, c = getopt_long(argc, argv, short_options, long_options, &index)) !=
	       -1) {
		const struct setting *s;
		enum cli_result res;

		if (c == ':')
			return usage_error("%s needs a value", spelled(argv, optind - 1));
		if (c == '?') {
			/* (A long option without a short one given a value: its val is past 255.) */
			if (optopt && optopt < 256)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", spelled(argv, optind - 1));
		}
		s = row_of(cmd, c);
		if (!s) {
			/* (optind may have moved past the option's value already.) */
			if (index >= 0)
				return usage_error("--%s is not an option of this command",
						   long_options[index].name);
			return usage_error("-%c is not an option of this command", c);
		}
		res = apply(s, &t, seen);
		if (res != CLI_RUN)
			return res;
	}
	if (cmd == CMD_REPLAY) {
		if (optind == argc)
			return usage_error("replay needs at least one capture FILE");
		t.resolve->files = argv + optind;
		t.resolve->nfiles = (size_t)(argc - optind);
	} else if (cmd == CMD_DOCTOR && t.resolve->ndoctor_files) {
		/* --pcap a b c: the files after the first are arguments. */
		for (; optind < argc; optind++) {
			if (t.resolve->ndoctor_files == DOCTOR_FILES_MAX)
				return usage_error("at most %d files", DOCTOR_FILES_MAX);
			t.resolve->doctor_files[t.resolve->ndoctor_files++] = argv[optind];
		}
		if (t.resolve->have_duration || t.resolve->requests)
			return usage_error("--duration and --requests are for live runs");
	} else if (argc - optind > positional) {
		return usage_error("unexpected argument '%s'", argv[optind + positional]);
	}
	if (cmd == CMD_DOCTOR && !strcmp(t.resolve->html, "-"))
		return usage_error("--html -: the page goes to a FILE, not standard output");
	if (cmd == CMD_RESOLVE && !t.resolve->have_peer)
		return usage_error("resolve needs --peer IP[:PORT]");
	if (options_finish(o, err, sizeof(err))) {
		log_line(stderr, "xffwatch: %s", err);
		return CLI_USAGE_ERROR;
	}
	return key_file_ok(&o->privacy) ? CLI_RUN : CLI_USAGE_ERROR;
}
