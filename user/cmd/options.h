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
#include "event/pseudonym.h"
#include "kernel/privileged_files.h"
#include "kernel/tc_attach.h"
#include "output/metrics_server.h"
#include "output/output_settings.h"
#include "util/ipaddr.h"
#include "trust/rule_settings.h"
#include "trust/rules.h"

#define OPT_MAX_IFACES	    64
#define OPT_MAX_LISTENERS   32
#define DEFAULT_CONFIG_PATH "/etc/xffwatch/xffwatch.conf"

/* How long a request waits for its response (nginx's proxy_read_timeout default). */
#define OPT_RESPONSE_TIMEOUT_MS_DEFAULT 60000
#define OPT_RESPONSE_TIMEOUT_MS_MAX	(24U * 3600 * 1000)
#define OPT_HEAD_BUDGET_MIN		1024
#define OPT_FLOWS_MIN			1024
#define OPT_FLOWS_MAX			(1U << 24)

struct privacy_opts {
	enum pseudonymize pseudonymize;
	char hmac_key[PATH_MAX]; /* file holding the key (mode 0600 or stricter) */
	bool keep_query;	 /* url.query in events */
	bool user_agent;	 /* user_agent.original in events */
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
	char metrics[METRICS_ADDR_MAX]; /* /metrics served at ADDR:PORT (in full), "" for off */
	char cgroup_root
		[PATH_MAX];   /* the cgroup2 mount to name cgroups by; "": the first mounted */
	char netns[PATH_MAX]; /* network namespace to watch in ("" for ours): name or path */
	enum attach_mode attach;
	int verbosity;			  /* 0 info, 1 debug, 2 debug with libbpf */
	unsigned int response_timeout_ms; /* then a request is written with no-response */
	unsigned int head_budget;	  /* bytes of a request head whose fields are kept */
	unsigned int flows;		  /* size of the kernel's flow table */

	struct rule_settings global;
	struct rule_settings listeners[OPT_MAX_LISTENERS];
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

/*
 * How event files are made (mode, retention, owner): the observer's and
 * replay's outputs both. 0, or -1 after logging why (an unknown owner).
 */
int options_file_settings(const struct options *o, struct file_settings *set);

/* Number of watched ports. */
size_t options_port_count(const struct options *o);

/*
 * Value parsers of the settings (settings.c puts them in rows). Each returns
 * 0, or -EINVAL (-ENOSPC when a list is full) with a short reason in @why,
 * which names the bad item.
 */
/* "N", "N-M", and lists of them ("80,8000-8080"), added to @set. */
int parse_port_list(const char *s, struct xffw_port_set *set, char *why, size_t whylen);
/* One port, 1-65535. */
int parse_port(const char *s, unsigned int *port, char *why, size_t whylen);
/* on/off, true/false, yes/no, 1/0. */
int parse_bool(const char *s, bool *v, char *why, size_t whylen);
/* Seconds, with up to three decimals ("2.5"), into milliseconds. */
int parse_seconds(const char *s, unsigned int *ms, unsigned int max_ms, char *why, size_t whylen);
/* A decimal number in [@min, @max]. */
int parse_uint_range(const char *s, unsigned int min, unsigned int max, unsigned int *v, char *why,
		     size_t whylen);
int add_iface(struct options *o, const char *name, char *why, size_t whylen);
/* "-" or a file name, appended to the outputs (which no longer hold the default). */
int add_output(struct options *o, const char *s, char *why, size_t whylen);
/*
 * A syslog target ("local", "unix:PATH", "udp://HOST:PORT", "tcp://HOST:PORT"),
 * appended; the default output (standard output) goes unless named too.
 */
int add_syslog(struct options *o, const char *s, char *why, size_t whylen);
/* A syslog facility name ("local0", "auth", ...) into its number. */
int parse_facility(const char *s, int *facility, char *why, size_t whylen);
/* A facility's name. */
const char *facility_name(int facility);
/* A size: bytes, or with K, M or G (powers of 1024). */
int parse_size(const char *s, uint64_t min, uint64_t max, uint64_t *v, char *why, size_t whylen);
/* An octal file mode, 0 to 0777. */
int parse_mode(const char *s, unsigned int *mode, char *why, size_t whylen);
/* "USER" or "USER:GROUP" (names or numbers) into @owner and @group. */
int parse_owner(const char *s, char *owner, size_t olen, char *group, size_t glen, char *why,
		size_t whylen);
/* Seconds between fdatasyncs; "0": at rotation and exit only. */
int parse_fsync_interval(const char *s, unsigned int *ms, unsigned int max_ms, char *why,
			 size_t whylen);
/* A user or group name (or number) into @out; @what says which in the error. */
int parse_account(const char *s, char *out, size_t outlen, const char *what, char *why,
		  size_t whylen);
/* --metrics: "off", or ADDR:PORT in full form ("127.0.0.1:9877") into @out. */
int parse_metrics(const char *s, char *out, size_t outlen, char *why, size_t whylen);
/* A network namespace: an `ip netns` name or an absolute path, into @out. */
int parse_netns(const char *s, char *out, size_t outlen, char *why, size_t whylen);
int check_iface_name(const char *name, char *why, size_t whylen);

static inline bool port_set_has(const struct xffw_port_set *set, unsigned int port)
{
	return (set->bits[port / 64] >> (port % 64)) & 1;
}

static inline void port_set_add(struct xffw_port_set *set, unsigned int port)
{
	set->bits[port / 64] |= 1ULL << (port % 64);
}

#endif
