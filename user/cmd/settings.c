// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/setting_types.h"
#include "util/refuse.h"

#define FIELD_OF(type, field) offsetof(type, field), sizeof(((type *)0)->field)
/* A field of struct options, of the rule (the global one or a listener's), of resolve's. */
#define OPT(field)	      .base = BASE_OPTIONS, .offset = offsetof(struct options, field)
#define OPT_STR(field)	      .base = BASE_OPTIONS, FIELD_OF(struct options, field)
#define OPT_NAMES(field, n, adder)                                                             \
	.base = BASE_OPTIONS, .offset = offsetof(struct options, field),                       \
	.size = sizeof(((struct options *)0)->field[0]), .count = offsetof(struct options, n), \
	.type = &type_names, .add = adder
#define RULE(field, set)                                                    \
	.base = BASE_RULE, .offset = offsetof(struct rule_settings, field), \
	.mark = offsetof(struct rule_settings, set)
#define RULE_LIST(field, n, set) RULE(field, set), .count = offsetof(struct rule_settings, n)
#define ARG(field)		 .base = BASE_ARGS, FIELD_OF(struct command_args, field)
#define CLI(field)		 .base = BASE_CLI, .offset = offsetof(struct cli_state, field)
/* A setting of the files = { ... } group that is also a flag of the observer. */
#define FILES(field) \
	.place = PLACE_FILES, .commands = FOR_WRITERS, .section = SECTION_WATCH, OPT(files.field)

const char *const setting_place_names[PLACE__MAX] = {
	[PLACE_FILES] = "files",
	[PLACE_PRIVACY] = "privacy",
	[PLACE_TRUST] = "trust",
};

/*
 * In the order of --help, whose sections pick their rows from it, and of the
 * configuration file's names in its errors ("unknown setting (...)").
 */
const struct setting settings[] = {
	/* clang-format off */
	{ .flag = "iface", .short_flag = 'i', .arg = "IF", .key = "interfaces", .place = PLACE_TOP,
	  .commands = FOR_LIVE, OPT_NAMES(ifaces, nifaces, add_iface),
	  .needs = "needs at least one interface", .section = SECTION_WATCH, .help =
		"interface to watch (repeat for more; default lo): a\n"
		"name or a glob ('veth*'); a bridge means its ports\n"
		"too, followed as containers come and go" },
	{ .flag = "iface", .short_flag = 'i', .arg = "IF", .commands = FOR_RESOLVE, ARG(iface),
	  .type = &type_resolve_iface },
	{ .flag = "netns", .arg = "NAME|PATH", .key = "netns", .place = PLACE_TOP,
	  .commands = FOR_LIVE, .flags = S_BARE_EXPECT | S_EMPTY_CLEARS, OPT_STR(netns),
	  .type = &type_netns, .expect = "a namespace name or path, or \"\"",
	  .print_after = "stats", .section = SECTION_WATCH, .help =
		"watch inside this network namespace (`ip netns`\n"
		"name, or a path such as /proc/PID/ns/net)" },
	{ .flag = "port", .short_flag = 'p', .arg = "N[,N|N-M...]", .key = "ports",
	  .place = PLACE_TOP, .commands = FOR_ALL, OPT(ports), .type = &type_ports,
	  .expect = "a port number or a \"N-M\" range", .needs = "needs at least one port",
	  .item = "one port or range per item", .section = SECTION_WATCH, .help =
		"app ports to watch (repeatable; default 5000,8000,8080)" },
	{ .flag = "output", .short_flag = 'o', .arg = "-|FILE", .key = "output",
	  .place = PLACE_TOP, .commands = FOR_WRITERS, OPT_NAMES(outputs, noutputs, add_output),
	  .section = SECTION_WATCH, .help =
		"where events go: - is standard output (default);\n"
		"a FILE is appended to, created with mode 0640;\n"
		"repeat for several" },
	{ .flag = "syslog", .arg = "local|unix:PATH|udp://HOST:PORT|tcp://HOST:PORT",
	  .key = "syslog", .place = PLACE_TOP, .commands = FOR_WRITERS,
	  OPT_NAMES(syslogs, nsyslogs, add_syslog), .section = SECTION_WATCH, .help =
		"send events as RFC 5424 syslog (repeatable): to\n"
		"/dev/log, another local socket, or a collector;\n"
		"with no --output too, not to standard output" },
	{ .flag = "syslog-facility", .arg = "NAME", .key = "syslog_facility", .place = PLACE_TOP,
	  .commands = FOR_WRITERS, OPT(syslog_facility), .type = &type_facility,
	  .expect = "a facility name", .section = SECTION_WATCH, .help =
		"local0-local7, auth, authpriv, ... (default local0)" },
	{ .flag = "file-mode", .arg = "OCTAL", .key = "mode", FILES(mode),
	  .type = &type_mode, .expect = "a string", .help =
		"of new event files (default 0640, root's)" },
	{ .flag = "file-owner", .arg = "USER[:GROUP]", .commands = FOR_WRITERS, OPT(files),
	  .type = &type_owner, .section = SECTION_WATCH },
	{ .key = "owner", .place = PLACE_FILES, .flags = S_OMIT_UNSET, OPT_STR(files.owner),
	  .type = &type_account, .expect = "a string", .noun = "user or group" },
	{ .key = "group", .place = PLACE_FILES, .flags = S_OMIT_UNSET, OPT_STR(files.group),
	  .type = &type_account, .expect = "a string", .noun = "user or group" },
	{ .flag = "rotate-size", .arg = "SIZE", .key = "rotate_size", FILES(rotate_size),
	  .flags = S_ALSO_TOP | S_OMIT_UNSET, .type = &type_size, .min = OPT_ROTATE_SIZE_MIN,
	  .max = OPT_ROTATE_SIZE_MAX, .expect = "a string", .help =
		"rotate event files past SIZE (K, M, G; default never)" },
	{ .flag = "rotate-daily", .key = "rotate_daily", FILES(rotate_daily),
	  .flags = S_ALSO_TOP, .type = &type_bool, .value = true, .help =
		"rotate event files when the day (UTC) changes" },
	{ .flag = "retain-days", .arg = "N", .key = "retain_days", FILES(retain_days),
	  .flags = S_ALSO_TOP | S_DECIMALS, .type = &type_uint, .max = OPT_RETAIN_DAYS_MAX,
	  .expect = "a number", .help =
		"delete rotated files older than N days (default 30;\n"
		"0 keeps them)" },
	{ .flag = "fsync-interval", .arg = "S", .key = "fsync_interval", FILES(fsync_ms),
	  .flags = S_ALSO_TOP | S_DECIMALS, .type = &type_interval, .max = OPT_FSYNC_MS_MAX,
	  .expect = "a number", .help =
		"fdatasync files at most every S seconds (default 1;\n"
		"0: only at rotation and exit)" },
	{ .flag = "queue", .arg = "SIZE", .key = "queue", .place = PLACE_TOP,
	  .commands = FOR_WRITERS, OPT(queue_bytes), .type = &type_size, .min = OPT_QUEUE_MIN,
	  .max = OPT_QUEUE_MAX, .expect = "a size (\"8M\")", .section = SECTION_WATCH, .help =
		"events waiting per output before they are dropped\n"
		"and counted (default 8M)" },
	{ .flag = "pseudonymize", .arg = "none|truncate|hmac", .key = "pseudonymize",
	  .place = PLACE_PRIVACY, .commands = FOR_ALL, .flags = S_ALSO_TOP,
	  OPT(privacy.pseudonymize), .type = &type_enum, .names = pseudonymize_names,
	  .max = PSEUDO__MAX, .expect = "none, truncate or hmac", .section = SECTION_PRIVACY, .help =
		"write client addresses as they are (default), cut\n"
		"to /24 (IPv4) and /48 (IPv6), or as HMAC-SHA256 tokens" },
	{ .flag = "hmac-key", .arg = "FILE", .key = "hmac_key", .place = PLACE_PRIVACY,
	  .commands = FOR_ALL, .flags = S_ALSO_TOP | S_OMIT_UNSET, OPT_STR(privacy.hmac_key),
	  .type = &type_path, .expect = "a file name", .section = SECTION_PRIVACY, .help =
		"the secret for hmac (a file of mode 0600)" },
	{ .flag = "keep-query", .key = "keep_query", .place = PLACE_PRIVACY, .commands = FOR_ALL,
	  .flags = S_ALSO_TOP, OPT(privacy.keep_query), .type = &type_bool, .value = true,
	  .section = SECTION_PRIVACY, .help =
		"write url.query (dropped by default)" },
	{ .flag = "no-user-agent", .key = "user_agent", .place = PLACE_PRIVACY,
	  .commands = FOR_ALL, .flags = S_ALSO_TOP, OPT(privacy.user_agent), .type = &type_bool,
	  .value = false, .section = SECTION_PRIVACY, .help =
		"do not write user_agent.original" },
	{ .flag = "user", .arg = "USER", .key = "user", .place = PLACE_TOP,
	  .commands = FOR_LIVE, OPT_STR(user), .type = &type_account, .expect = "a user name",
	  .noun = "user", .section = SECTION_OTHER, .help =
		"run as USER once attached (default nobody; root keeps\n"
		"privileges); a privileged helper attaches new ports" },
	{ .flag = "attach", .arg = "auto|tcx|tc", .key = "attach", .place = PLACE_TOP,
	  .commands = FOR_LIVE, .flags = S_BARE_EXPECT, OPT(attach), .type = &type_enum,
	  .names = attach_mode_names, .max = ATTACH__MAX, .expect = "\"auto\", \"tcx\" or \"tc\"",
	  .section = SECTION_WATCH, .help =
		"TCX link (kernel 6.6+), clsact filter, or the first\n"
		"that works (default auto)" },
	{ .flag = "response-timeout", .arg = "SECONDS", .key = "response_timeout",
	  .place = PLACE_TOP, .commands = FOR_WRITERS | FOR_DOCTOR, .flags = S_DECIMALS,
	  OPT(response_timeout_ms), .type = &type_seconds, .max = OPT_RESPONSE_TIMEOUT_MS_MAX,
	  .expect = "a number of seconds", .section = SECTION_WATCH, .help =
		"write a request with finding no-response when no\n"
		"response has begun this long after it (default 60)" },
	{ .flag = "head-budget", .arg = "BYTES", .key = "head_budget", .place = PLACE_TOP,
	  .commands = FOR_ALL, OPT(head_budget), .type = &type_uint, .min = OPT_HEAD_BUDGET_MIN,
	  .max = XFFW_HEAD_HARD_MAX, .expect = "a number", .section = SECTION_WATCH, .help =
		"bytes of a request head whose fields are kept; past\n"
		"them, finding truncated (default 16384, 1024-65536)" },
	{ .flag = "flows", .arg = "N", .key = "flows", .place = PLACE_TOP,
	  .commands = FOR_WRITERS | FOR_DOCTOR, OPT(flows), .type = &type_uint, .min = OPT_FLOWS_MIN,
	  .max = OPT_FLOWS_MAX, .expect = "a number", .section = SECTION_WATCH, .help =
		"connections the kernel follows at once (flow table\n"
		"size; default 65536)" },
	{ .flag = "stats", .arg = "FILE", .key = "stats", .place = PLACE_TOP,
	  .commands = FOR_WRITERS, .flags = S_BARE_EXPECT | S_EMPTY_CLEARS, OPT_STR(stats),
	  .type = &type_path, .expect = "a file name, or \"\" for none", .print_after = "user",
	  .section = SECTION_WATCH, .help =
		"keep the counters in FILE as JSON (replaced every 10 s,\n"
		"on SIGUSR1 and at exit)" },
	{ .flag = "metrics", .arg = "ADDR:PORT", .key = "metrics", .place = PLACE_TOP,
	  .commands = FOR_OBSERVER, .flags = S_BARE_EXPECT | S_EMPTY_CLEARS, OPT_STR(metrics),
	  .type = &type_metrics, .expect = "\"ADDR:PORT\", or \"\" for off",
	  .print_after = "stats", .section = SECTION_WATCH, .help =
		"serve Prometheus metrics at http://ADDR:PORT/metrics\n"
		"(PORT alone: 127.0.0.1; [IPv6]:PORT; default off)" },
	{ .flag = "cgroup-root", .arg = "DIR", .key = "cgroup_root", .place = PLACE_TOP,
	  .commands = FOR_LIVE, .flags = S_BARE_EXPECT | S_EMPTY_CLEARS | S_OMIT_UNSET,
	  OPT_STR(cgroup_root), .type = &type_path,
	  .expect = "a directory, or \"\" for the first cgroup2 mounted", .section = SECTION_WATCH,
	  .help =
		"the cgroup2 file system to name sockets' cgroups by\n"
		"(default: the first one mounted; in a container, the\n"
		"host's, mounted in)" },
	/* A listener's own: which requests its rule is for. */
	{ .key = "port", .spec = "port", .place = PLACE_LISTENER, .flags = S_OMIT_UNSET,
	  .base = BASE_RULE, .offset = offsetof(struct rule_settings, port), .type = &type_port,
	  .expect = "a port number (1-65535)" },
	{ .key = "interface", .spec = "iface", .place = PLACE_LISTENER,
	  .flags = S_BARE_EXPECT | S_OMIT_UNSET, .base = BASE_RULE,
	  FIELD_OF(struct rule_settings, iface), .type = &type_iface,
	  .expect = "an interface name" },
	/* The trust settings of the global rule (the flags) and of each listener. */
	{ .flag = "trust", .short_flag = 't', .arg = "CIDR[,CIDR...]", .key = "proxies",
	  .spec = "trust", .place = PLACE_TRUST, .commands = FOR_ALL,
	  RULE_LIST(trusted, ntrusted, set_trusted), .type = &type_cidrs,
	  .item = "one CIDR per string", .section = SECTION_TRUST, .help =
		"trusted proxy addresses (repeatable; default\n"
		"127.0.0.0/8,::1/128; \"none\" for none); forwarding\n"
		"headers count only when the TCP peer is one of them" },
	{ .flag = "external-proxy", .arg = "CIDR[,CIDR...]", .key = "external_proxies",
	  .spec = "external", .place = PLACE_TRUST, .commands = FOR_ALL, .flags = S_OMIT_UNSET,
	  RULE_LIST(external, nexternal, set_external), .type = &type_cidrs,
	  .item = "one CIDR per string", .section = SECTION_TRUST, .help =
		"trusted proxies whose hops must be public addresses\n"
		"(Apache RemoteIPTrustedProxy; repeatable; default none)" },
	{ .flag = "trust-local", .arg = "SPEC", .key = "local_proxies", .spec = "trust-local",
	  .place = PLACE_TRUST, .commands = FOR_ALL, .flags = S_OMIT_UNSET,
	  RULE_LIST(local, nlocal, set_local), .type = &type_owner_specs,
	  .item = "one SPEC per string", .section = SECTION_TRUST, .help =
		"a proxy on this host by who runs it: user=NAME|UID,\n"
		"group=NAME|GID, unit=NAME or cgroup=PATH-PREFIX\n"
		"(repeatable; \"none\" for none); with any, a peer that\n"
		"is a socket of this host is a proxy if and only if\n"
		"its owner matches one (docs/trust.md, \"Identity\")" },
	{ .flag = "header", .short_flag = 'H', .arg = "NAME[,NAME...]", .key = "headers",
	  .spec = "header", .place = PLACE_TRUST, .commands = FOR_ALL, .flags = S_EMPTY_ANY,
	  RULE_LIST(headers, nheaders, set_headers), .type = &type_headers,
	  .needs = "needs at least one header", .item = "one header per string",
	  .section = SECTION_TRUST, .help =
		"header the client is read from: x-forwarded-for,\n"
		"forwarded, x-real-ip, cf-connecting-ip,\n"
		"true-client-ip; repeat for an order of preference\n"
		"(the first present is used); proxy-protocol: a PROXY\n"
		"preamble's source, walked right of the header\n"
		"(default x-forwarded-for)" },
	{ .flag = "recursive", .key = "recursive", .spec = "recursive", .place = PLACE_TRUST,
	  .commands = FOR_ALL, RULE(recursive, set_recursive), .type = &type_bool, .value = true,
	  .section = SECTION_TRUST, .help =
		"walk past trusted hops, right to left (default; nginx\n"
		"real_ip_recursive on)" },
	{ .flag = "no-recursive", .commands = FOR_ALL, RULE(recursive, set_recursive),
	  .type = &type_bool, .value = false, .section = SECTION_TRUST, .help =
		"take the rightmost hop (nginx real_ip_recursive off)" },
	{ .flag = "hops", .arg = "N|off", .key = "hops", .spec = "hops", .place = PLACE_TRUST,
	  .commands = FOR_ALL, .flags = S_OMIT_UNSET, RULE(hops, set_hops), .type = &type_hops,
	  .section = SECTION_TRUST, .help =
		"trust exactly N hops from the right, whatever the\n"
		"peer (Werkzeug ProxyFix x_for=N); 0 means the peer;\n"
		"off goes back to CIDR trust" },
	{ .flag = "proxy-protocol", .arg = "MODE", .key = "proxy_protocol",
	  .spec = "proxy-protocol", .place = PLACE_TRUST, .commands = FOR_ALL,
	  RULE(proxy_protocol, set_proxy_protocol), .type = &type_enum,
	  .names = trust_pp_mode_names, .max = TRUST_PP__MAX,
	  .expect = "\"optional\", \"required\" or \"off\"", .section = SECTION_TRUST, .help =
		"whether connections begin with a PROXY protocol\n"
		"preamble: required, off, or optional (default);\n"
		"findings proxy-protocol-missing, -unexpected (it is\n"
		"read with --header proxy-protocol)" },
	{ .flag = "listener", .arg = "SPEC", .key = "listeners", .place = PLACE_TOP,
	  .commands = FOR_ALL, .base = BASE_OPTIONS, .type = &type_listeners,
	  .flags = S_OMIT_UNSET, .section = SECTION_TRUST, .help =
		"a rule for one app port and/or interface, e.g.\n"
		"'port=8080 trust=198.51.100.0/24 header=cf-connecting-ip'\n"
		"(keys: port, iface, trust, external, trust-local,\n"
		"header, recursive, hops, proxy-protocol;\n"
		"repeatable; what it does not set comes from above)" },
	/* Where the settings come from: read before the file. */
	{ .flag = "config", .short_flag = 'c', .arg = "FILE", .commands = FOR_ALL,
	  .flags = S_FIRST_PASS, CLI(config), .type = &type_config, .section = SECTION_TRUST, .help =
		"configuration file (default " DEFAULT_CONFIG_PATH ",\n"
		"if it exists); flags override it" },
	{ .flag = "no-config", .commands = FOR_ALL, .flags = S_FIRST_PASS, CLI(no_config),
	  .type = &type_bool, .value = true, .section = SECTION_TRUST, .help =
		"do not read the default configuration file" },
	{ .flag = "verbose", .short_flag = 'v', .commands = FOR_ALL, OPT(verbosity),
	  .type = &type_count, .section = SECTION_OTHER, .help =
		"debug messages (twice: libbpf's too)" },
	{ .flag = "help", .short_flag = 'h', .commands = FOR_ALL, .base = BASE_CLI,
	  .type = &type_help, .section = SECTION_OTHER, .help =
		"show this help and exit" },
	{ .flag = "version", .short_flag = 'V', .commands = FOR_ALL, .type = &type_version,
	  .section = SECTION_OTHER, .help =
		"show the version and exit" },
	/* resolve's own (its --help is its own text). */
	{ .flag = "peer", .arg = "IP[:PORT]", .commands = FOR_RESOLVE, ARG(peer),
	  .count = offsetof(struct command_args, peer_port),
	  .mark = offsetof(struct command_args, have_peer), .type = &type_endpoint },
	{ .flag = "destination", .arg = "IP[:PORT]", .commands = FOR_RESOLVE, ARG(destination),
	  .count = offsetof(struct command_args, destination_port),
	  .mark = offsetof(struct command_args, have_destination), .type = &type_endpoint },
	{ .flag = "explain", .commands = FOR_RESOLVE, ARG(explain), .type = &type_bool,
	  .value = true },
	{ .flag = "peer-user", .arg = "NAME|UID", .commands = FOR_RESOLVE, ARG(peer_user),
	  .mark = offsetof(struct command_args, have_peer_user), .type = &type_peer_owner,
	  .value = OWNER_USER },
	{ .flag = "peer-cgroup", .arg = "PATH", .commands = FOR_RESOLVE, ARG(peer_cgroup),
	  .mark = offsetof(struct command_args, have_peer_cgroup), .type = &type_peer_owner,
	  .value = OWNER_CGROUP },
	{ .flag = "quiet", .short_flag = 'q', .commands = FOR_REPLAY | FOR_DOCTOR, ARG(quiet),
	  .type = &type_bool, .value = true },
	/* doctor's own (its --help is its own text). */
	{ .flag = "pcap", .arg = "FILE", .commands = FOR_DOCTOR, ARG(doctor_files),
	  .count = offsetof(struct command_args, ndoctor_files), .type = &type_doctor_file,
	  .value = DOCTOR_PCAP },
	{ .flag = "events", .arg = "FILE", .commands = FOR_DOCTOR, ARG(doctor_files),
	  .count = offsetof(struct command_args, ndoctor_files), .type = &type_doctor_file,
	  .value = DOCTOR_EVENTS },
	{ .flag = "duration", .arg = "S", .commands = FOR_DOCTOR, ARG(duration_ms),
	  .mark = offsetof(struct command_args, have_duration), .flags = S_DECIMALS, .type = &type_seconds, .max = DOCTOR_DURATION_MS_MAX },
	{ .flag = "requests", .arg = "N", .commands = FOR_DOCTOR, ARG(requests), .type = &type_uint,
	  .min = 1, .max = 1000000000 },
	{ .flag = "stack", .arg = "LIST", .commands = FOR_DOCTOR, ARG(stacks), .type = &type_stacks },
	{ .flag = "format", .arg = "text|json", .commands = FOR_DOCTOR, ARG(format),
	  .type = &type_enum, .names = doctor_format_names, .max = DOCTOR__FORMATS },
	{ .flag = "html", .arg = "FILE", .commands = FOR_DOCTOR, ARG(html), .type = &type_path },
	/* clang-format on */
};

const size_t settings_count = sizeof(settings) / sizeof(settings[0]);
_Static_assert(sizeof(settings) / sizeof(settings[0]) <= SETTINGS_MAX, "raise SETTINGS_MAX");

void *setting_base(const struct setting *s, const struct setting_target *t)
{
	switch (s->base) {
	case BASE_RULE:
		return t->rule;
	case BASE_ARGS:
		return t->resolve;
	case BASE_CLI:
		return t->cli;
	case BASE_OPTIONS:
	default:
		return t->o;
	}
}

int setting_parse(const struct setting *s, const struct setting_target *t, const char *text,
		  char *why, size_t whylen)
{
	void *base = setting_base(s, t);

	if (s->mark)
		*(bool *)((char *)base + s->mark) = true;
	return s->type->parse(s, base, text, why, whylen);
}

/* The row a --listener SPEC's @key names: its own, or a trust setting. */
static const struct setting *listener_row(const char *key)
{
	for (size_t i = 0; i < settings_count; i++) {
		const struct setting *s = &settings[i];

		if ((s->place == PLACE_LISTENER || s->place == PLACE_TRUST) && s->spec &&
		    (!strcmp(key, s->spec) || !strcmp(key, s->key)))
			return s;
	}
	return NULL;
}

int parse_listener(const char *spec, struct rule_settings *r, char *why, size_t whylen)
{
	struct setting_target t = { .rule = r };
	char buf[4096], *save = NULL, keys[160] = "";
	int err;

	memset(r, 0, sizeof(*r));
	r->hops = -1;
	if (strlen(spec) >= sizeof(buf))
		return refuse(why, whylen, -EINVAL, "listener description too long");
	strcpy(buf, spec);
	for (char *kv = strtok_r(buf, " \t", &save); kv; kv = strtok_r(NULL, " \t", &save)) {
		char *v = strchr(kv, '=');
		const struct setting *s;

		if (!v)
			return refuse(why, whylen, -EINVAL, "'%s' is not key=value", kv);
		*v++ = '\0';
		s = listener_row(kv);
		if (!s) {
			for (size_t i = 0; i < settings_count; i++)
				if (settings[i].spec)
					snprintf(keys + strlen(keys), sizeof(keys) - strlen(keys),
						 "%s%s", keys[0] ? ", " : "", settings[i].spec);
			return refuse(why, whylen, -EINVAL, "unknown key '%s' (%s)", kv, keys);
		}
		err = setting_parse(s, &t, v, why, whylen);
		if (err) {
			char reason[256];

			/* Say which key: "proxy-protocol=: 'on' is not one of ...". */
			snprintf(reason, sizeof(reason), "%s", why);
			return refuse(why, whylen, err, "%s=: %s", kv, reason);
		}
	}
	if (!r->port && !r->iface[0])
		return refuse(why, whylen, -EINVAL, "a listener needs port= or iface=");
	return 0;
}

static const char *const section_titles[] = {
	[SECTION_WATCH] = "What to watch:\n",
	[SECTION_TRUST] = "Whom to trust (docs/trust.md):\n",
	[SECTION_PRIVACY] = "Privacy (docs/privacy.md):\n",
	[SECTION_OTHER] = "Other:\n",
};

/* Where help text begins on its line. */
#define HELP_COLUMN 26

/* "--iface IF": a row's flag as --help shows it. */
static int flag_text(char *buf, size_t len, const struct setting *s)
{
	return snprintf(buf, len, "--%s%s%s", s->flag, s->arg ? " " : "", s->arg ? s->arg : "");
}

/* One entry of --help: the flags of row @i and of the help-less rows after it, and its help. */
static void usage_entry(FILE *f, size_t i)
{
	const struct setting *s = &settings[i];
	char flags[256];
	int n;

	n = snprintf(flags, sizeof(flags), "  %c%c%s", s->short_flag ? '-' : ' ',
		     s->short_flag ? s->short_flag : ' ', s->short_flag ? ", " : "  ");
	n += flag_text(flags + n, sizeof(flags) - (size_t)n, s);
	while (++i < settings_count && settings[i].flag && !settings[i].help &&
	       (settings[i].commands & FOR_DAEMON)) {
		n += snprintf(flags + n, sizeof(flags) - (size_t)n, ", ");
		n += flag_text(flags + n, sizeof(flags) - (size_t)n, &settings[i]);
	}
	fputs(flags, f);
	if (n < HELP_COLUMN)
		fprintf(f, "%*s", HELP_COLUMN - n, "");
	else
		fprintf(f, "\n%*s", HELP_COLUMN, "");
	for (const char *h = s->help;;) {
		size_t line = strcspn(h, "\n");

		fwrite(h, 1, line, f);
		fputc('\n', f);
		if (!h[line])
			break;
		h += line + 1;
		fprintf(f, "%*s", HELP_COLUMN, "");
	}
}

void settings_usage(FILE *f)
{
	fputs("Usage: xffwatch [OPTION]...\n"
	      "       xffwatch resolve --peer IP[:PORT] [OPTION]... < request-head\n"
	      "       xffwatch check-config [FILE] [OPTION]...\n"
	      "       xffwatch replay [OPTION]... CAPTURE-FILE...\n"
	      "       xffwatch doctor [--pcap FILE... | --events FILE...] [OPTION]...\n"
	      "       xffwatch status [--iface IF]...\n"
	      "Watch plaintext HTTP on the proxy-to-app link and write one JSON audit event\n"
	      "per request, naming the real client behind the reverse proxy.\n"
	      "\n"
	      "With no options: watch lo, ports 5000, 8000 and 8080, trust loopback peers\n"
	      "(127.0.0.0/8, ::1), read X-Forwarded-For - nginx on the same host in front of\n"
	      "an app on 127.0.0.1.\n"
	      "\n",
	      f);
	for (int sec = SECTION_WATCH; sec <= SECTION_OTHER; sec++) {
		fputs(section_titles[sec], f);
		for (size_t i = 0; i < settings_count; i++)
			if (settings[i].section == (enum usage_section)sec &&
			    (settings[i].commands & FOR_DAEMON) && settings[i].help)
				usage_entry(f, i);
	}
	fputs("\n"
	      "Signals: SIGUSR1 prints the counters to stderr; SIGHUP reopens the event files\n"
	      "(after logrotate renamed them); SIGINT/SIGTERM detach, write what is queued\n"
	      "(at most 5 s for slow outputs) and exit, printing the counters.\n"
	      "Exit status: 0 on a clean stop, 1 when the observer cannot run, 2 for a bad\n"
	      "option, value or configuration file.\n"
	      "Events are described in docs/audit-event.md.\n",
	      f);
}
