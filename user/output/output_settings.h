/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * What the outputs are told: where events go and how files are kept. The
 * command line and the configuration file fill them in struct options
 * (cmd/options.h), which holds them as its own members too.
 */
#ifndef XFFW_OUTPUT_SETTINGS_H
#define XFFW_OUTPUT_SETTINGS_H

#include <limits.h>
#include <stdbool.h>
#include <stdint.h>

#define OPT_MAX_OUTPUTS		8
#define OPT_TARGET_MAX		280
/* A local syslog socket's path (sockaddr_un's sun_path). */
#define SYSLOG_PATH_MAX		108
#define OPT_QUEUE_DEFAULT	(8U << 20)
#define OPT_QUEUE_MIN		65536
#define OPT_RETAIN_DAYS_DEFAULT 30
#define OPT_QUEUE_MAX		(1ULL << 32)
#define OPT_ROTATE_SIZE_MIN	4096
#define OPT_ROTATE_SIZE_MAX	(1ULL << 40)
#define OPT_RETAIN_DAYS_MAX	36500
#define OPT_FSYNC_MS_MAX	3600000
#define SYSLOG_FACILITIES	24

/* Settings of the file outputs. */
struct file_opts {
	unsigned int mode;	  /* permissions of new files (0640) */
	char owner[64];		  /* user name or number, "" for the daemon's */
	char group[64];		  /* group name or number, "" for the daemon's */
	uint64_t rotate_size;	  /* rotate past this many bytes, 0 for never */
	bool rotate_daily;	  /* rotate when the day (UTC) changes */
	unsigned int retain_days; /* rotated files older than this are deleted; 0 keeps all */
	unsigned int fsync_ms;	  /* fdatasync at most this often when written to; 0 never */
};

/*
 * The members once, for struct output_settings and for struct options, which
 * holds them both as o->output and as its own (o->files): the union of two
 * structs with the same members is the kernel's struct_group().
 */
#define OUTPUT_SETTINGS_MEMBERS                                                       \
	char outputs[OPT_MAX_OUTPUTS][PATH_MAX]; /* files; "-" for standard output */ \
	size_t noutputs;                                                              \
	/* "local", "unix:PATH", "udp://HOST:PORT", "tcp://HOST:PORT" */              \
	char syslogs[OPT_MAX_OUTPUTS][OPT_TARGET_MAX];                                \
	size_t nsyslogs;                                                              \
	int syslog_facility; /* 0-23 (RFC 5424) */                                    \
	struct file_opts files;                                                       \
	uint64_t queue_bytes; /* per output: events waiting beyond this are dropped */

struct output_settings {
	OUTPUT_SETTINGS_MEMBERS
};

#endif
