/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Settings: what to watch, whom to trust, where events go. They come from
 * the embedded defaults, then the configuration file, then the command line,
 * each overriding the one before (docs/configuration.md).
 */
#ifndef XFFW_OPTIONS_H
#define XFFW_OPTIONS_H

#include <limits.h>
#include <linux/types.h>
#include <net/if.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "xffwatch_abi.h"
#include "output/output_settings.h"
#include "trust/ipaddr.h"
#include "trust/rules.h"

#define OPT_MAX_IFACES	    64
#define OPT_MAX_TRUSTED	    256
#define OPT_MAX_LISTENERS   32
/* --hops: a bound on configuration only; the walk itself takes any chain. */
#define OPT_MAX_HOPS	    64
#define DEFAULT_CONFIG_PATH "/etc/xffwatch/xffwatch.conf"

/* How long a request waits for its response (nginx's proxy_read_timeout default). */
#define OPT_RESPONSE_TIMEOUT_MS_DEFAULT 60000
#define OPT_RESPONSE_TIMEOUT_MS_MAX	(24U * 3600 * 1000)
#define OPT_HEAD_BUDGET_MIN		1024
#define OPT_FLOWS_MIN			1024
#define OPT_FLOWS_MAX			(1U << 24)

/* How client addresses are written (docs/privacy.md). */
enum pseudonymize {
	PSEUDO_NONE,
	PSEUDO_TRUNCATE, /* IPv4 to its /24, IPv6 to its /48 */
	PSEUDO_HMAC,	 /* HMAC-SHA256 under a secret key, as a hex token */
};

struct privacy_opts {
	enum pseudonymize pseudonymize;
	char hmac_key[PATH_MAX]; /* file holding the key (mode 0600 or stricter) */
	bool keep_query;	 /* url.query in events */
	bool user_agent;	 /* user_agent.original in events */
};

enum attach_mode {
	ATTACH_AUTO, /* TCX link, clsact filter where the kernel has no TCX */
	ATTACH_TCX,
	ATTACH_TC,
};

/* The trust settings of one rule; a listener inherits what it does not set. */
struct rule_opts {
	unsigned int port;	 /* listeners: app port matched (0: any) */
	char iface[IF_NAMESIZE]; /* listeners: interface matched ("": any) */
	struct ip_cidr trusted[OPT_MAX_TRUSTED];
	size_t ntrusted;
	/* Apache's RemoteIPTrustedProxy: trusted, but what they present must be public. */
	struct ip_cidr external[OPT_MAX_TRUSTED];
	size_t nexternal;
	unsigned int headers[TRUST_MAX_HEADERS];
	size_t nheaders;
	bool recursive;
	int hops; /* -1: CIDR trust */
	bool set_trusted, set_external, set_headers, set_recursive, set_hops;
};

struct options {
	char ifaces[OPT_MAX_IFACES][IF_NAMESIZE];
	size_t nifaces;
	struct xffw_port_set ports;
	/* Where events go: o->outputs, o->files, ... are o->output's members. */
	union {
		struct output_settings output;
		struct {
			OUTPUT_SETTINGS_MEMBERS
		};
	};
	bool outputs_default; /* still the default "-": a syslog target replaces it */
	struct privacy_opts privacy;
	char user[64];	      /* the user to run as once attached; "root" keeps privileges */
	char stats[PATH_MAX]; /* counters as JSON, "" for none */
	char netns[PATH_MAX]; /* network namespace to watch in ("" for ours): name or path */
	enum attach_mode attach;
	int verbosity;			  /* 0 info, 1 debug, 2 debug with libbpf */
	unsigned int response_timeout_ms; /* then a request is written with no-response */
	unsigned int head_budget;	  /* bytes of a request head whose fields are kept */
	unsigned int flows;		  /* size of the kernel's flow table */

	struct rule_opts global;
	struct rule_opts listeners[OPT_MAX_LISTENERS];
	size_t nlisteners;

	/* Derived by options_finish(): listeners first, the global rule last. */
	struct trust_rule rules[OPT_MAX_LISTENERS + 1];
	size_t nrules;
};

/* The embedded default: nginx on the same host, app on loopback, X-Forwarded-For. */
void options_defaults(struct options *o);

/*
 * Completes the settings: listeners inherit what they do not set from the
 * global rule; their ports and interfaces join the watched ones; the rules
 * are built. Returns 0 or -EINVAL with a reason in @err.
 */
int options_finish(struct options *o, char *err, size_t errlen);

/* Number of watched ports. */
size_t options_port_count(const struct options *o);

/*
 * Value parsers shared by the command line and the configuration file. Each
 * returns 0, or -EINVAL (-ENOSPC when a list is full) with a short reason in
 * @why, which names the bad item.
 */
int parse_port_list(const char *s, struct xffw_port_set *set, char *why, size_t whylen);
int parse_cidr_list(const char *s, struct ip_cidr *list, size_t *n, char *why, size_t whylen);
int parse_header_list(const char *s, struct rule_opts *r, char *why, size_t whylen);
int parse_hops(const char *s, int *hops, char *why, size_t whylen);
int parse_bool(const char *s, bool *v, char *why, size_t whylen);
int parse_attach(const char *s, enum attach_mode *mode, char *why, size_t whylen);
/* Seconds, with up to three decimals ("2.5"), into milliseconds. */
int parse_seconds(const char *s, unsigned int *ms, unsigned int max_ms, char *why, size_t whylen);
/* A decimal number in [@min, @max]. */
int parse_uint_range(const char *s, unsigned int min, unsigned int max, unsigned int *v, char *why,
		     size_t whylen);
int add_iface(struct options *o, const char *name, char *why, size_t whylen);
/* "-" or a file name, appended to the outputs (the first call replaces the default). */
int add_output(struct options *o, const char *s, bool *replaced, char *why, size_t whylen);
/*
 * A syslog target ("local", "udp://HOST:PORT", "tcp://HOST:PORT"), appended
 * likewise; the default output (standard output) goes unless named too.
 */
int add_syslog(struct options *o, const char *s, bool *replaced, char *why, size_t whylen);
/* A syslog facility name ("local0", "auth", ...) into its number. */
int parse_facility(const char *s, int *facility, char *why, size_t whylen);
/* A size: bytes, or with K, M or G (powers of 1024). */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *v, char *why, size_t whylen);
/* An octal file mode, 0 to 0777. */
int parse_mode(const char *s, unsigned int *mode, char *why, size_t whylen);
int parse_pseudonymize(const char *s, enum pseudonymize *p, char *why, size_t whylen);
/* "USER" or "USER:GROUP" (names or numbers) into @owner and @group. */
int parse_owner(const char *s, char *owner, size_t olen, char *group, size_t glen, char *why,
		size_t whylen);
/* A facility's name. */
const char *facility_name(int facility);
/* The settings that flags and the configuration file share, with their bounds. */
int parse_rotate_size(const char *s, uint64_t *v, char *why, size_t whylen);
int parse_queue_size(const char *s, uint64_t *v, char *why, size_t whylen);
int parse_retain_days(const char *s, unsigned int *days, char *why, size_t whylen);
/* Seconds between fdatasyncs; "0": at rotation and exit only. */
int parse_fsync_interval(const char *s, unsigned int *ms, char *why, size_t whylen);
/* A user or group name (or number) into @out; @what says which in the error. */
int parse_account(const char *s, char *out, size_t outlen, const char *what, char *why,
		  size_t whylen);

/* A network namespace: an `ip netns` name or an absolute path, into @out. */
int parse_netns(const char *s, char *out, size_t outlen, char *why, size_t whylen);
int check_iface_name(const char *name, char *why, size_t whylen);
/* "port=8000 iface=docker0 trust=... external=... header=... recursive=off hops=1" */
int parse_listener(const char *s, struct rule_opts *r, char *why, size_t whylen);

static inline bool port_set_has(const struct xffw_port_set *set, unsigned int port)
{
	return (set->bits[port / 64] >> (port % 64)) & 1;
}

static inline void port_set_add(struct xffw_port_set *set, unsigned int port)
{
	set->bits[port / 64] |= 1ULL << (port % 64);
}

#endif
