// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <getopt.h>
#include <net/if.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "version.h"

static const char usage[] =
	"Usage: xffwatch [OPTION]...\n"
	"Watch plaintext HTTP on the proxy-to-app link and write one JSON audit event\n"
	"per request, naming the real client behind the reverse proxy.\n"
	"\n"
	"With no options: watch lo, ports 5000, 8000 and 8080, trust loopback peers\n"
	"(127.0.0.0/8, ::1) - nginx on the same host in front of an app on 127.0.0.1.\n"
	"\n"
	"  -i, --iface IF          interface to watch (repeat for more; default lo)\n"
	"  -p, --port N[,N|N-M...] app ports to watch (repeatable; default 5000,8000,8080)\n"
	"  -t, --trust CIDR[,CIDR...]\n"
	"                          trusted proxy addresses (repeatable; default\n"
	"                          127.0.0.0/8,::1/128); forwarded headers count only\n"
	"                          when the TCP peer is one of them\n"
	"  -o, --output -|FILE     where events go: - is standard output (default);\n"
	"                          a FILE is appended to, created with mode 0640\n"
	"      --attach auto|tcx|tc\n"
	"                          TCX link (kernel 6.6+), clsact filter, or the first\n"
	"                          that works (default auto)\n"
	"  -v, --verbose           debug messages (twice: libbpf's too)\n"
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n"
	"\n"
	"Signals: SIGUSR1 prints the counters to stderr; SIGINT/SIGTERM detach and exit\n"
	"(the counters are printed then too). Exit status: 0 on a clean stop, 1 when\n"
	"the observer cannot run, 2 for a bad option or value.\n"
	"Events are described in docs/audit-event.md.\n";

enum {
	OPT_ATTACH = 256,
};

static const struct option long_options[] = {
	{ "iface", required_argument, NULL, 'i' },
	{ "port", required_argument, NULL, 'p' },
	{ "trust", required_argument, NULL, 't' },
	{ "output", required_argument, NULL, 'o' },
	{ "attach", required_argument, NULL, OPT_ATTACH },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static enum cli_result usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static enum cli_result usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("xffwatch: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs(" (see --help)\n", stderr);
	return CLI_USAGE_ERROR;
}

/* The option as the user spelled it, for error messages. */
static const char *spelled(char **argv, int index)
{
	const char *a = argv[index];

	return a && a[0] == '-' ? a : "option";
}

enum cli_result cli_parse(int argc, char **argv, struct options *o)
{
	bool seen_iface = false, seen_port = false, seen_trust = false;
	int c, index = 0;

	opterr = 0;
	optind = 0; /* 0, not 1: glibc then also resets its scanning state */
	while ((c = getopt_long(argc, argv, ":i:p:t:o:vhV", long_options, &index)) != -1) {
		const char *why = NULL;
		char bad[64];

		switch (c) {
		case 'i':
			if (!seen_iface)
				o->nifaces = 0;
			seen_iface = true;
			if (!optarg[0] || strlen(optarg) >= IF_NAMESIZE)
				return usage_error("--iface: '%s' is not an interface name",
						   optarg);
			if (o->nifaces == OPT_MAX_IFACES)
				return usage_error("--iface: at most %d interfaces",
						   OPT_MAX_IFACES);
			o->ifaces[o->nifaces++] = optarg;
			break;
		case 'p':
			if (!seen_port) {
				memset(&o->ports, 0, sizeof(o->ports));
				o->nports = 0;
			}
			seen_port = true;
			c = parse_port_list(optarg, &o->ports, &why);
			if (c < 0)
				return usage_error("--port: '%s' %s", optarg, why);
			o->nports += (size_t)c;
			break;
		case 't':
			if (!seen_trust)
				o->ntrusted = 0;
			seen_trust = true;
			c = parse_cidr_list(optarg, o->trusted, OPT_MAX_TRUSTED, &o->ntrusted, bad,
					    sizeof(bad));
			if (c == -ENOSPC)
				return usage_error("--trust: at most %d CIDRs", OPT_MAX_TRUSTED);
			if (c)
				return usage_error("--trust: '%s' is not an IP address or CIDR",
						   bad);
			break;
		case 'o':
			if (!optarg[0])
				return usage_error("--output: empty file name");
			o->output = optarg;
			break;
		case OPT_ATTACH:
			if (!strcmp(optarg, "auto"))
				o->attach = ATTACH_AUTO;
			else if (!strcmp(optarg, "tcx"))
				o->attach = ATTACH_TCX;
			else if (!strcmp(optarg, "tc"))
				o->attach = ATTACH_TC;
			else
				return usage_error("--attach: '%s' is not one of auto, tcx, tc",
						   optarg);
			break;
		case 'v':
			o->verbosity++;
			break;
		case 'h':
			fputs(usage, stdout);
			return CLI_EXIT_OK;
		case 'V':
			printf("xffwatch %s\n", XFFWATCH_VERSION);
			return CLI_EXIT_OK;
		case ':':
			return usage_error("%s needs a value", spelled(argv, optind - 1));
		default:
			if (optopt)
				return usage_error("unknown option '-%c'", optopt);
			return usage_error("unknown option '%s'", spelled(argv, optind - 1));
		}
	}
	if (optind < argc)
		return usage_error("unexpected argument '%s'", argv[optind]);
	return CLI_RUN;
}
