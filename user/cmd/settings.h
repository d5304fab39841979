/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One row per setting (after redis's static_configs[] and xdp-tools'
 * DEFINE_OPTION): its flag, configuration key, type, field, bounds, help
 * and the commands that take it. The command line (cli.c), the
 * configuration file and check-config's printout (config_file.c) and the
 * usage text all come from the rows, so that adding a setting is one row
 * in settings.c plus its use.
 */
#ifndef XFFW_SETTINGS_H
#define XFFW_SETTINGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "cmd/options.h"

enum cli_command {
	CMD_DAEMON,
	CMD_RESOLVE,
	CMD_CHECK_CONFIG,
	CMD_REPLAY,
	CMD_DOCTOR,
};

/* What the command line says besides settings: the BASE_CLI rows' fields. */
struct cli_state {
	enum cli_command cmd;
	const char *usage; /* the command's --help; NULL: the observer's (settings_usage) */
	const char *config;
	bool no_config;
};

struct command_args;

/* What a flag or key writes to: the struct its row's offset is into. */
enum setting_base {
	BASE_OPTIONS, /* struct options */
	BASE_RULE,    /* struct rule_settings: the global rule, or a listener's */
	BASE_ARGS,    /* struct command_args */
	BASE_CLI,     /* struct cli_state: where the configuration comes from */
};

/* Where the key sits in the configuration file. */
enum setting_place {
	PLACE_NONE, /* no key: a flag only */
	PLACE_TOP,
	PLACE_FILES,	/* files = { ... } */
	PLACE_PRIVACY,	/* privacy = { ... } */
	PLACE_TRUST,	/* trust = { ... }, and each listener */
	PLACE_LISTENER, /* each listener only */
	PLACE__MAX,
};

/* The group's name in the file ("files"), NULL for the top and the listeners. */
extern const char *const setting_place_names[PLACE__MAX];

/* How the configuration file writes a value (config_file.c reads each shape). */
enum setting_shape {
	SHAPE_NONE,	 /* no key */
	SHAPE_STRING,	 /* a string, for the flag's parser */
	SHAPE_PATH,	 /* a file name: a bad one is "expected ..." */
	SHAPE_NUMBER,	 /* an integer (a decimal with S_DECIMALS), for the flag's parser */
	SHAPE_BOOL,	 /* true or false */
	SHAPE_STRINGS,	 /* a string or a list of strings, one value each */
	SHAPE_PORTS,	 /* numbers and "N-M" strings */
	SHAPE_HOPS,	 /* a number or "off" */
	SHAPE_LISTENERS, /* ( { ... }, ... ): the PLACE_LISTENER and PLACE_TRUST rows */
};

/* Row flags. */
#define S_ALSO_TOP (1U << 0) /* a group's key also taken at the top (its first spelling) */
#define S_DECIMALS (1U << 1) /* SHAPE_NUMBER: the file may write 2.5 */
#define S_BARE_EXPECT \
	(1U << 2) /* a value of the wrong type is "expected X", not "is T; expected X" */
#define S_EMPTY_CLEARS (1U << 3) /* the file's "" empties the field (the flag's "" is refused) */
#define S_EMPTY_ANY    (1U << 4) /* SHAPE_STRINGS: anything but a string with no elements is empty */
#define S_OMIT_UNSET   (1U << 5) /* check-config leaves it out while unset */
#define S_FIRST_PASS   (1U << 6) /* read before the configuration file: where it comes from */

/* Which commands take the flag: 1 << enum cli_command. */
#define FOR_DAEMON   (1U << CMD_DAEMON)
#define FOR_RESOLVE  (1U << CMD_RESOLVE)
#define FOR_CHECK    (1U << CMD_CHECK_CONFIG)
#define FOR_REPLAY   (1U << CMD_REPLAY)
#define FOR_DOCTOR   (1U << CMD_DOCTOR)
/* What watches live: the observer, check-config for it, and the doctor (which runs it). */
#define FOR_OBSERVER (FOR_DAEMON | FOR_CHECK)
#define FOR_LIVE     (FOR_OBSERVER | FOR_DOCTOR)
/* What writes events: the observer, and replay (outputs, their files, the response timeout). */
#define FOR_WRITERS  (FOR_OBSERVER | FOR_REPLAY)
#define FOR_ALL	     (FOR_DAEMON | FOR_RESOLVE | FOR_CHECK | FOR_REPLAY | FOR_DOCTOR)

/* Sections of the observer's --help. */
enum usage_section {
	SECTION_NONE,
	SECTION_WATCH,
	SECTION_TRUST,
	SECTION_PRIVACY,
	SECTION_OTHER,
};

struct setting;

/* A parser's answer besides 0 and -errno: the flag did what was asked (--help); stop, successfully. */
#define SETTING_DONE 1

/* A kind of value: how it is parsed from text and printed back. */
struct setting_type {
	enum setting_shape shape;
	/*
	 * Parses @text (NULL for a flag that takes no value) into the row's
	 * field in @base. Returns 0, SETTING_DONE, or -EINVAL (-ENOSPC when a
	 * list is full) with a short reason in @why.
	 */
	int (*parse)(const struct setting *s, void *base, const char *text, char *why,
		     size_t whylen);
	/* Lists: emptied before the first value of a flag, or at the key. */
	void (*clear)(const struct setting *s, void *base);
	/* The value in the configuration file's syntax. */
	void (*print)(FILE *f, const struct setting *s, const void *base);
	/* With S_OMIT_UNSET: whether the value is its unset one. */
	bool (*unset)(const struct setting *s, const void *base);
};

struct setting {
	const char *flag; /* --flag, NULL for none */
	char short_flag;  /* -f, 0 for none */
	const char *arg;  /* the value in --help; NULL: the flag takes none */
	const char *key;  /* the configuration key, NULL for none */
	const char *spec; /* the key in a --listener SPEC, NULL for none */
	enum setting_place place;
	unsigned int commands; /* FOR_*: which commands take the flag */
	unsigned int flags;    /* S_* */
	enum setting_base base;
	size_t offset; /* of the field, in the base */
	size_t size;   /* of the field (strings); of one name (lists of names) */
	size_t count;  /* lists: offset of their length; endpoints: of their port */
	size_t mark;   /* offset of a bool set when the value is given (set_*, have_*), or 0 */
	const struct setting_type *type;
	/* Lists of names: adds one to the settings (they check it against the others). */
	int (*add)(struct options *o, const char *v, char *why, size_t whylen);
	unsigned long long min, max; /* bounds of numbers and sizes */
	int value;		     /* what a flag without a value sets */
	const char *const *names;    /* enumerations: each value's name, @max of them */
	const char *expect;	     /* the file's word for a value of the wrong type */
	const char *needs;	     /* a list that may not be empty: what the file's error says */
	const char *item;	     /* a list's rule for one item: "one CIDR per string" */
	const char *noun;	     /* what a name names, in its error ("user") */
	const char *print_after;     /* check-config prints it after this key (not in row order) */
	enum usage_section section;
	const char *help; /* lines of --help; NULL: on the line of the flag before */
};

/* Rows at most (the command line's tables are sized by it). */
#define SETTINGS_MAX 64

extern const struct setting settings[];
extern const size_t settings_count;

/* The fields a row may write: NULL where there is nothing of that kind. */
struct setting_target {
	struct options *o;
	struct rule_settings *rule;
	struct command_args *resolve;
	struct cli_state *cli;
};

/* The struct a row's offset is into, in @t. */
void *setting_base(const struct setting *s, const struct setting_target *t);

/*
 * Parses @text for row @s into @t, and sets its @mark (a listener's rule then
 * no longer inherits it). Returns what the type's parser does.
 */
int setting_parse(const struct setting *s, const struct setting_target *t, const char *text,
		  char *why, size_t whylen);

/* The --listener SPEC parser: "port=8000 iface=docker0 trust=... header=... hops=1". */
int parse_listener(const char *spec, struct rule_settings *r, char *why, size_t whylen);

/* The observer's --help, from the rows. */
void settings_usage(FILE *f);

/* @len bytes of @s as log_escape() writes them: no control byte reaches the terminal. */
void print_escaped(FILE *f, const char *s, size_t len);

#endif
