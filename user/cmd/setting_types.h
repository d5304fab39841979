/* SPDX-License-Identifier: BSD-2-Clause */
/* The kinds of value a setting row may hold: each parses text and prints it back. */
#ifndef XFFW_SETTING_TYPES_H
#define XFFW_SETTING_TYPES_H

#include "cmd/settings.h"

/* The row's field in @base, as a @type. */
#define SETTING_FIELD(s, base, type) ((type *)((char *)(base) + (s)->offset))

extern const struct setting_type type_names; /* --iface, --output, --syslog: added by @add */
extern const struct setting_type type_resolve_iface; /* resolve's --iface: one name */
extern const struct setting_type type_ports;
extern const struct setting_type type_facility;
extern const struct setting_type type_mode;
extern const struct setting_type type_owner;   /* USER[:GROUP] into struct file_opts */
extern const struct setting_type type_account; /* a user or group name; @noun says which */
extern const struct setting_type type_size;
extern const struct setting_type type_bool; /* a flag without a value sets @value */
extern const struct setting_type type_count;
extern const struct setting_type type_uint;
extern const struct setting_type type_seconds;
extern const struct setting_type type_interval; /* seconds, or 0 for never */
extern const struct setting_type type_enum;	/* one of @names (enum fields) */
extern const struct setting_type type_path;
extern const struct setting_type type_netns;
extern const struct setting_type type_metrics;	   /* --metrics ADDR:PORT or off */
extern const struct setting_type type_owner_specs; /* --trust-local */
extern const struct setting_type type_cidrs;
extern const struct setting_type type_headers;
extern const struct setting_type type_hops;
extern const struct setting_type type_listeners;
extern const struct setting_type type_port;	   /* a listener's one port */
extern const struct setting_type type_iface;	   /* a listener's interface */
extern const struct setting_type type_config;	   /* --config FILE */
extern const struct setting_type type_peer_owner;  /* resolve --peer-user, --peer-cgroup */
extern const struct setting_type type_endpoint;	   /* resolve's --peer, --destination */
extern const struct setting_type type_doctor_file; /* doctor's --pcap, --events */
extern const struct setting_type type_stacks;	   /* doctor's --stack */
extern const struct setting_type type_help;
extern const struct setting_type type_version;

/* A string in libconfig syntax: quoted, escaped (print_escaped), '"' and '\\' with a backslash. */
void print_str(FILE *f, const char *s);

#endif
