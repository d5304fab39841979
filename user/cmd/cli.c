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
#include "util/log.h"
#include "cmd/version.h"

static const char usage_daemon[] =
	"Usage: xffwatch [OPTION]...\n"
	"       xffwatch resolve --peer IP[:PORT] [OPTION]... < request-head\n"
	"       xffwatch check-config [FILE] [OPTION]...\n"
	"       xffwatch status [--iface IF]...\n"
	"Watch plaintext HTTP on the proxy-to-app link and write one JSON audit event\n"
	"per request, naming the real client behind the reverse proxy.\n"
	"\n"
	"With no options: watch lo, ports 5000, 8000 and 8080, trust loopback peers\n"
	"(127.0.0.0/8, ::1), read X-Forwarded-For - nginx on the same host in front of\n"
	"an app on 127.0.0.1.\n"
	"\n"
	"What to watch:\n"
	"  -i, --iface IF          interface to watch (repeat for more; default lo): a\n"
	"                          name or a glob ('veth*'); a bridge means its ports\n"
	"                          too, followed as containers come and go\n"
	"      --netns NAME|PATH   watch inside this network namespace (`ip netns`\n"
	"                          name, or a path such as /proc/PID/ns/net)\n"
	"  -p, --port N[,N|N-M...] app ports to watch (repeatable; default 5000,8000,8080)\n"
	"  -o, --output -|FILE     where events go: - is standard output (default);\n"
	"                          a FILE is appended to, created with mode 0640;\n"
	"                          repeat for several\n"
	"      --syslog local|unix:PATH|udp://HOST:PORT|tcp://HOST:PORT\n"
	"                          send events as RFC 5424 syslog (repeatable): to\n"
	"                          /dev/log, another local socket, or a collector;\n"
	"                          with no --output too, not to standard output\n"
	"      --syslog-facility NAME\n"
	"                          local0-local7, auth, authpriv, ... (default local0)\n"
	"      --file-mode OCTAL, --file-owner USER[:GROUP]\n"
	"                          of new event files (default 0640, root's)\n"
	"      --rotate-size SIZE  rotate event files past SIZE (K, M, G; default never)\n"
	"      --rotate-daily      rotate event files when the day (UTC) changes\n"
	"      --retain-days N     delete rotated files older than N days (default 30;\n"
	"                          0 keeps them)\n"
	"      --fsync-interval S  fdatasync files at most every S seconds (default 1;\n"
	"                          0: only at rotation and exit)\n"
	"      --queue SIZE        events waiting per output before they are dropped\n"
	"                          and counted (default 8M)\n"
	"      --attach auto|tcx|tc\n"
	"                          TCX link (kernel 6.6+), clsact filter, or the first\n"
	"                          that works (default auto)\n"
	"      --response-timeout SECONDS\n"
	"                          write a request with finding no-response when no\n"
	"                          response has begun this long after it (default 60)\n"
	"      --head-budget BYTES bytes of a request head whose fields are kept; past\n"
	"                          them, finding truncated (default 16384, 1024-65536)\n"
	"      --flows N           connections the kernel follows at once (flow table\n"
	"                          size; default 65536)\n"
	"      --stats FILE        keep the counters in FILE as JSON (replaced every 10 s,\n"
	"                          on SIGUSR1 and at exit)\n"
	"Whom to trust (docs/trust.md):\n"
	"  -t, --trust CIDR[,CIDR...]\n"
	"                          trusted proxy addresses (repeatable; default\n"
	"                          127.0.0.0/8,::1/128; \"none\" for none); forwarding\n"
	"                          headers count only when the TCP peer is one of them\n"
	"      --external-proxy CIDR[,CIDR...]\n"
	"                          trusted proxies whose hops must be public addresses\n"
	"                          (Apache RemoteIPTrustedProxy; repeatable; default none)\n"
	"  -H, --header NAME[,NAME...]\n"
	"                          header the client is read from: x-forwarded-for,\n"
	"                          forwarded, x-real-ip, cf-connecting-ip,\n"
	"                          true-client-ip; repeat for an order of preference\n"
	"                          (the first present is used; default x-forwarded-for)\n"
	"      --recursive         walk past trusted hops, right to left (default; nginx\n"
	"                          real_ip_recursive on)\n"
	"      --no-recursive      take the rightmost hop (nginx real_ip_recursive off)\n"
	"      --hops N|off        trust exactly N hops from the right, whatever the\n"
	"                          peer (Werkzeug ProxyFix x_for=N); 0 means the peer;\n"
	"                          off goes back to CIDR trust\n"
	"      --listener SPEC     a rule for one app port and/or interface, e.g.\n"
	"                          'port=8080 trust=198.51.100.0/24 header=cf-connecting-ip'\n"
	"                          (keys: port, iface, trust, external, header,\n"
	"                          recursive, hops;\n"
	"                          repeatable; what it does not set comes from above)\n"
	"  -c, --config FILE       configuration file (default " DEFAULT_CONFIG_PATH ",\n"
	"                          if it exists); flags override it\n"
	"      --no-config         do not read the default configuration file\n"
	"Privacy (docs/privacy.md):\n"
	"      --pseudonymize none|truncate|hmac\n"
	"                          write client addresses as they are (default), cut\n"
	"                          to /24 (IPv4) and /48 (IPv6), or as HMAC-SHA256 tokens\n"
	"      --hmac-key FILE     the secret for hmac (a file of mode 0600)\n"
	"      --keep-query        write url.query (dropped by default)\n"
	"      --no-user-agent     do not write user_agent.original\n"
	"Other:\n"
	"      --user USER         run as USER once attached (default nobody; root keeps\n"
	"                          privileges); a privileged helper attaches new ports\n"
	"  -v, --verbose           debug messages (twice: libbpf's too)\n"
	"  -h, --help              show this help and exit\n"
	"  -V, --version           show the version and exit\n"
	"\n"
	"Signals: SIGUSR1 prints the counters to stderr; SIGHUP reopens the event files\n"
	"(after logrotate renamed them); SIGINT/SIGTERM detach, write what is queued\n"
	"(at most 5 s for slow outputs) and exit, printing the counters.\n"
	"Exit status: 0 on a clean stop, 1 when the observer cannot run, 2 for a bad\n"
	"option, value or configuration file.\n"
	"Events are described in docs/audit-event.md.\n";

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
	"      --explain           print the trust walk, step by step, to stderr\n"
	"  -t, --trust, --external-proxy, -H, --header, --recursive, --no-recursive,\n"
	"      --hops, --listener,\n"
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

enum {
	OPT_ATTACH = 256,
	OPT_RECURSIVE,
	OPT_NO_RECURSIVE,
	OPT_HOPS,
	OPT_LISTENER,
	OPT_NO_CONFIG,
	OPT_PEER,
	OPT_DESTINATION,
	OPT_EXPLAIN,
	OPT_EXTERNAL,
	OPT_RESPONSE_TIMEOUT,
	OPT_HEAD_BUDGET,
	OPT_FLOWS,
	OPT_STATS,
	OPT_NETNS,
	OPT_SYSLOG,
	OPT_FACILITY,
	OPT_FILE_MODE,
	OPT_FILE_OWNER,
	OPT_ROTATE_SIZE,
	OPT_ROTATE_DAILY,
	OPT_RETAIN_DAYS,
	OPT_FSYNC,
	OPT_QUEUE,
	OPT_PSEUDONYMIZE,
	OPT_HMAC_KEY,
	OPT_KEEP_QUERY,
	OPT_NO_USER_AGENT,
	OPT_USER,
};

static const struct option long_options[] = {
	{ "iface", required_argument, NULL, 'i' },
	{ "port", required_argument, NULL, 'p' },
	{ "output", required_argument, NULL, 'o' },
	{ "attach", required_argument, NULL, OPT_ATTACH },
	{ "response-timeout", required_argument, NULL, OPT_RESPONSE_TIMEOUT },
	{ "head-budget", required_argument, NULL, OPT_HEAD_BUDGET },
	{ "flows", required_argument, NULL, OPT_FLOWS },
	{ "stats", required_argument, NULL, OPT_STATS },
	{ "netns", required_argument, NULL, OPT_NETNS },
	{ "syslog", required_argument, NULL, OPT_SYSLOG },
	{ "syslog-facility", required_argument, NULL, OPT_FACILITY },
	{ "file-mode", required_argument, NULL, OPT_FILE_MODE },
	{ "file-owner", required_argument, NULL, OPT_FILE_OWNER },
	{ "rotate-size", required_argument, NULL, OPT_ROTATE_SIZE },
	{ "rotate-daily", no_argument, NULL, OPT_ROTATE_DAILY },
	{ "retain-days", required_argument, NULL, OPT_RETAIN_DAYS },
	{ "fsync-interval", required_argument, NULL, OPT_FSYNC },
	{ "queue", required_argument, NULL, OPT_QUEUE },
	{ "pseudonymize", required_argument, NULL, OPT_PSEUDONYMIZE },
	{ "hmac-key", required_argument, NULL, OPT_HMAC_KEY },
	{ "keep-query", no_argument, NULL, OPT_KEEP_QUERY },
	{ "no-user-agent", no_argument, NULL, OPT_NO_USER_AGENT },
	{ "user", required_argument, NULL, OPT_USER },
	{ "trust", required_argument, NULL, 't' },
	{ "external-proxy", required_argument, NULL, OPT_EXTERNAL },
	{ "header", required_argument, NULL, 'H' },
	{ "recursive", no_argument, NULL, OPT_RECURSIVE },
	{ "no-recursive", no_argument, NULL, OPT_NO_RECURSIVE },
	{ "hops", required_argument, NULL, OPT_HOPS },
	{ "listener", required_argument, NULL, OPT_LISTENER },
	{ "config", required_argument, NULL, 'c' },
	{ "no-config", no_argument, NULL, OPT_NO_CONFIG },
	{ "peer", required_argument, NULL, OPT_PEER },
	{ "destination", required_argument, NULL, OPT_DESTINATION },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "verbose", no_argument, NULL, 'v' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ NULL, 0, NULL, 0 },
};

static const char short_options[] = ":i:p:o:t:H:c:vhV";

static enum cli_result usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* One line on stderr, the argument in it escaped (log_escape), and CLI_USAGE_ERROR. */
static enum cli_result usage_error(const char *fmt, ...)
{
	char msg[4096];
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

/* Which options a command takes. */
static bool allowed(enum cli_command cmd, int c)
{
	switch (c) {
	case 'o':
	case OPT_ATTACH:
	case OPT_RESPONSE_TIMEOUT:
	case OPT_FLOWS:
	case OPT_STATS:
	case OPT_NETNS:
	case OPT_SYSLOG:
	case OPT_FACILITY:
	case OPT_FILE_MODE:
	case OPT_FILE_OWNER:
	case OPT_ROTATE_SIZE:
	case OPT_ROTATE_DAILY:
	case OPT_RETAIN_DAYS:
	case OPT_FSYNC:
	case OPT_QUEUE:
	case OPT_USER:
		return cmd != CMD_RESOLVE;
	case OPT_PEER:
	case OPT_DESTINATION:
	case OPT_EXPLAIN:
		return cmd == CMD_RESOLVE;
	default:
		return true;
	}
}

struct cli_state {
	const char *config;
	bool no_config;
	bool seen_iface, seen_port, seen_trust, seen_external, seen_header, seen_listener;
	bool seen_output, seen_syslog;
};

/* Pass 1: only where the configuration comes from. */
static void find_config(enum cli_command cmd, int argc, char **argv, struct cli_state *st)
{
	int c;

	opterr = 0;
	optind = 0; /* 0, not 1: glibc then also resets its scanning state */
	while ((c = getopt_long(argc, argv, short_options, long_options, NULL)) != -1) {
		if (c == 'c')
			st->config = optarg;
		else if (c == OPT_NO_CONFIG)
			st->no_config = true;
	}
	if (cmd == CMD_CHECK_CONFIG && optind < argc)
		st->config = argv[optind];
}

static int parse_endpoint_arg(const char *arg, struct ip_addr *a, uint16_t *port)
{
	return ip_parse_endpoint(arg, strlen(arg), a, port);
}

/* Pass 2: one flag. */
static enum cli_result apply(enum cli_command cmd, int c, char **argv, struct options *o,
			     struct resolve_args *r, struct cli_state *st)
{
	char why[256];

	switch (c) {
	case 'i':
		if (cmd == CMD_RESOLVE) {
			if (!optarg[0] || strlen(optarg) >= IF_NAMESIZE)
				return usage_error("--iface: '%s' is not an interface name",
						   optarg);
			strcpy(r->iface, optarg);
			break;
		}
		if (!st->seen_iface)
			o->nifaces = 0;
		st->seen_iface = true;
		if (add_iface(o, optarg, why, sizeof(why)))
			return usage_error("--iface: %s", why);
		break;
	case 'p':
		if (!st->seen_port)
			memset(&o->ports, 0, sizeof(o->ports));
		st->seen_port = true;
		if (parse_port_list(optarg, &o->ports, why, sizeof(why)))
			return usage_error("--port: %s", why);
		break;
	case 'o':
		if (add_output(o, optarg, &st->seen_output, why, sizeof(why)))
			return usage_error("--output: %s", why);
		break;
	case OPT_SYSLOG:
		if (add_syslog(o, optarg, &st->seen_syslog, why, sizeof(why)))
			return usage_error("--syslog: %s", why);
		break;
	case OPT_FACILITY:
		if (parse_facility(optarg, &o->syslog_facility, why, sizeof(why)))
			return usage_error("--syslog-facility: %s", why);
		break;
	case OPT_FILE_MODE:
		if (parse_mode(optarg, &o->files.mode, why, sizeof(why)))
			return usage_error("--file-mode: %s", why);
		break;
	case OPT_FILE_OWNER:
		o->files.group[0] = '\0';
		if (parse_owner(optarg, o->files.owner, sizeof(o->files.owner), o->files.group,
				sizeof(o->files.group), why, sizeof(why)))
			return usage_error("--file-owner: %s", why);
		break;
	case OPT_ROTATE_SIZE:
		if (parse_rotate_size(optarg, &o->files.rotate_size, why, sizeof(why)))
			return usage_error("--rotate-size: %s", why);
		break;
	case OPT_ROTATE_DAILY:
		o->files.rotate_daily = true;
		break;
	case OPT_RETAIN_DAYS:
		if (parse_retain_days(optarg, &o->files.retain_days, why, sizeof(why)))
			return usage_error("--retain-days: %s", why);
		break;
	case OPT_FSYNC:
		if (parse_fsync_interval(optarg, &o->files.fsync_ms, why, sizeof(why)))
			return usage_error("--fsync-interval: %s", why);
		break;
	case OPT_QUEUE:
		if (parse_queue_size(optarg, &o->queue_bytes, why, sizeof(why)))
			return usage_error("--queue: %s", why);
		break;
	case OPT_PSEUDONYMIZE:
		if (parse_pseudonymize(optarg, &o->privacy.pseudonymize, why, sizeof(why)))
			return usage_error("--pseudonymize: %s", why);
		break;
	case OPT_HMAC_KEY:
		if (!optarg[0] || strlen(optarg) >= sizeof(o->privacy.hmac_key))
			return usage_error("--hmac-key: '%s' is not a file name", optarg);
		strcpy(o->privacy.hmac_key, optarg);
		break;
	case OPT_KEEP_QUERY:
		o->privacy.keep_query = true;
		break;
	case OPT_NO_USER_AGENT:
		o->privacy.user_agent = false;
		break;
	case OPT_USER:
		if (parse_account(optarg, o->user, sizeof(o->user), "user", why, sizeof(why)))
			return usage_error("--user: %s", why);
		break;
	case OPT_ATTACH:
		if (parse_attach(optarg, &o->attach, why, sizeof(why)))
			return usage_error("--attach: %s", why);
		break;
	case OPT_RESPONSE_TIMEOUT:
		if (parse_seconds(optarg, &o->response_timeout_ms, OPT_RESPONSE_TIMEOUT_MS_MAX, why,
				  sizeof(why)))
			return usage_error("--response-timeout: %s", why);
		break;
	case OPT_HEAD_BUDGET:
		if (parse_uint_range(optarg, OPT_HEAD_BUDGET_MIN, XFFW_HEAD_HARD_MAX,
				     &o->head_budget, why, sizeof(why)))
			return usage_error("--head-budget: %s", why);
		break;
	case OPT_FLOWS:
		if (parse_uint_range(optarg, OPT_FLOWS_MIN, OPT_FLOWS_MAX, &o->flows, why,
				     sizeof(why)))
			return usage_error("--flows: %s", why);
		break;
	case OPT_STATS:
		if (!optarg[0] || strlen(optarg) >= sizeof(o->stats))
			return usage_error("--stats: '%s' is not a file name", optarg);
		strcpy(o->stats, optarg);
		break;
	case OPT_NETNS:
		if (parse_netns(optarg, o->netns, sizeof(o->netns), why, sizeof(why)))
			return usage_error("--netns: %s", why);
		break;
	case 't':
		if (!st->seen_trust)
			o->global.ntrusted = 0;
		st->seen_trust = true;
		if (parse_cidr_list(optarg, o->global.trusted, &o->global.ntrusted, why,
				    sizeof(why)))
			return usage_error("--trust: %s", why);
		break;
	case OPT_EXTERNAL:
		if (!st->seen_external)
			o->global.nexternal = 0;
		st->seen_external = true;
		if (parse_cidr_list(optarg, o->global.external, &o->global.nexternal, why,
				    sizeof(why)))
			return usage_error("--external-proxy: %s", why);
		break;
	case 'H':
		if (!st->seen_header)
			o->global.nheaders = 0;
		st->seen_header = true;
		if (parse_header_list(optarg, &o->global, why, sizeof(why)))
			return usage_error("--header: %s", why);
		break;
	case OPT_RECURSIVE:
	case OPT_NO_RECURSIVE:
		o->global.recursive = c == OPT_RECURSIVE;
		break;
	case OPT_HOPS:
		if (parse_hops(optarg, &o->global.hops, why, sizeof(why)))
			return usage_error("--hops: %s", why);
		break;
	case OPT_LISTENER:
		if (!st->seen_listener)
			o->nlisteners = 0;
		st->seen_listener = true;
		if (o->nlisteners == OPT_MAX_LISTENERS)
			return usage_error("--listener: at most %d listeners", OPT_MAX_LISTENERS);
		if (parse_listener(optarg, &o->listeners[o->nlisteners], why, sizeof(why)))
			return usage_error("--listener: %s", why);
		o->nlisteners++;
		break;
	case 'c':
	case OPT_NO_CONFIG:
		break; /* pass 1 */
	case OPT_PEER:
		if (parse_endpoint_arg(optarg, &r->peer, &r->peer_port))
			return usage_error(
				"--peer: '%s' is not an IP address (with an optional port)",
				optarg);
		r->have_peer = true;
		break;
	case OPT_DESTINATION:
		if (parse_endpoint_arg(optarg, &r->destination, &r->destination_port))
			return usage_error(
				"--destination: '%s' is not an IP address (with an optional port)",
				optarg);
		r->have_destination = true;
		break;
	case OPT_EXPLAIN:
		r->explain = true;
		break;
	case 'v':
		o->verbosity++;
		break;
	case 'h':
		fputs(cmd == CMD_RESOLVE	? usage_resolve
		      : cmd == CMD_CHECK_CONFIG ? usage_check
						: usage_daemon,
		      stdout);
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
	fd = open(p->hmac_key, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW);
	if (fd < 0)
		return true;
	if (!fstat(fd, &st) && !S_ISREG(st.st_mode)) {
		log_line(stderr, "xffwatch: %s: not a regular file", p->hmac_key);
		ok = false;
	}
	close(fd);
	return ok;
}

enum cli_result cli_parse(enum cli_command cmd, int argc, char **argv, struct options *o,
			  struct resolve_args *r)
{
	struct cli_state st = { 0 };
	struct resolve_args unused;
	char err[PATH_MAX + 768]; /* a message may quote the whole path of the file */
	int c, index, positional = cmd == CMD_CHECK_CONFIG ? 1 : 0;

	if (!r)
		r = &unused;
	memset(r, 0, sizeof(*r));
	options_defaults(o);
	find_config(cmd, argc, argv, &st);
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
		enum cli_result res;

		if (c != '?' && c != ':' && !allowed(cmd, c)) {
			/* (optind may have moved past the option's value already.) */
			if (index >= 0)
				return usage_error("--%s is not an option of this command",
						   long_options[index].name);
			return usage_error("-%c is not an option of this command", c);
		}
		res = apply(cmd, c, argv, o, r, &st);
		if (res != CLI_RUN)
			return res;
	}
	if (argc - optind > positional)
		return usage_error("unexpected argument '%s'", argv[optind + positional]);
	if (cmd == CMD_RESOLVE && !r->have_peer)
		return usage_error("resolve needs --peer IP[:PORT]");
	if (options_finish(o, err, sizeof(err))) {
		log_line(stderr, "xffwatch: %s", err);
		return CLI_USAGE_ERROR;
	}
	return key_file_ok(&o->privacy) ? CLI_RUN : CLI_USAGE_ERROR;
}
