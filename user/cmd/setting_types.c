// SPDX-License-Identifier: BSD-2-Clause
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "cmd/cli.h"
#include "cmd/setting_types.h"
#include "cmd/version.h"
#include "doctor/diagnosis.h"
#include "util/log.h"
#include "util/refuse.h"

/* A list's length: the field at the row's @count. */
static size_t *count_of(const struct setting *s, const void *base)
{
	return (size_t *)((char *)base + s->count);
}

void print_escaped(FILE *f, const char *s, size_t len)
{
	char buf[4 * PATH_MAX + 1]; /* the longest setting, every byte escaped */

	log_escape(buf, sizeof(buf), s, len, false);
	fputs(buf, f);
}

void print_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (;;) {
		size_t n = strcspn(s, "\"\\");

		print_escaped(f, s, n);
		if (!s[n])
			break;
		fputc('\\', f);
		fputc(s[n], f);
		s += n + 1;
	}
	fputc('"', f);
}

/* @n strings @stride bytes apart: "[ "a", "b" ]", or "[ ]". */
static void print_strs(FILE *f, const char *first, size_t stride, size_t n)
{
	fputc('[', f);
	for (size_t i = 0; i < n; i++) {
		fputs(i ? ", " : " ", f);
		print_str(f, first + i * stride);
	}
	fputs(" ]", f);
}

static bool unset_str(const struct setting *s, const void *base)
{
	return !*SETTING_FIELD(s, base, const char);
}

static void print_field_str(FILE *f, const struct setting *s, const void *base)
{
	print_str(f, SETTING_FIELD(s, base, const char));
}

/* A file name, or the file's "" for none. */
static int parse_path(const struct setting *s, void *base, const char *v, char *why, size_t whylen)
{
	if (!v[0] || strlen(v) >= s->size)
		return refuse(why, whylen, -EINVAL, "'%s' is not a file name", v);
	strcpy(SETTING_FIELD(s, base, char), v);
	return 0;
}

const struct setting_type type_path = { SHAPE_PATH, parse_path, NULL, print_field_str, unset_str };

static int parse_netns_field(const struct setting *s, void *base, const char *v, char *why,
			     size_t whylen)
{
	return parse_netns(v, SETTING_FIELD(s, base, char), s->size, why, whylen);
}

const struct setting_type type_netns = { SHAPE_STRING, parse_netns_field, NULL, print_field_str,
					 unset_str };

static int parse_metrics_field(const struct setting *s, void *base, const char *v, char *why,
			       size_t whylen)
{
	return parse_metrics(v, SETTING_FIELD(s, base, char), s->size, why, whylen);
}

const struct setting_type type_metrics = { SHAPE_STRING, parse_metrics_field, NULL, print_field_str,
					   unset_str };

/* A list of names in struct options: each added by the row's @add. */
static int parse_name(const struct setting *s, void *base, const char *v, char *why, size_t whylen)
{
	return s->add(base, v, why, whylen);
}

static void clear_list(const struct setting *s, void *base)
{
	*count_of(s, base) = 0;
}

static void print_names(FILE *f, const struct setting *s, const void *base)
{
	print_strs(f, SETTING_FIELD(s, base, const char), s->size, *count_of(s, base));
}

const struct setting_type type_names = { SHAPE_STRINGS, parse_name, clear_list, print_names, NULL };

static int parse_iface_name(const struct setting *s, void *base, const char *v, char *why,
			    size_t whylen)
{
	int err = check_iface_name(v, why, whylen);

	if (!err)
		strcpy(SETTING_FIELD(s, base, char), v);
	return err;
}

const struct setting_type type_iface = { SHAPE_STRING, parse_iface_name, NULL, print_field_str,
					 unset_str };

static int parse_resolve_iface(const struct setting *s, void *base, const char *v, char *why,
			       size_t whylen)
{
	if (!v[0] || strlen(v) >= s->size)
		return refuse(why, whylen, -EINVAL, "'%s' is not an interface name", v);
	strcpy(SETTING_FIELD(s, base, char), v);
	return 0;
}

const struct setting_type type_resolve_iface = { SHAPE_NONE, parse_resolve_iface, NULL, NULL,
						 NULL };

static int parse_ports(const struct setting *s, void *base, const char *v, char *why, size_t whylen)
{
	return parse_port_list(v, SETTING_FIELD(s, base, struct xffw_port_set), why, whylen);
}

static void clear_ports(const struct setting *s, void *base)
{
	memset(SETTING_FIELD(s, base, struct xffw_port_set), 0, sizeof(struct xffw_port_set));
}

/* A list, not an array: numbers and "N-M" strings may mix in it. */
static void print_ports(FILE *f, const struct setting *s, const void *base)
{
	const struct xffw_port_set *set = SETTING_FIELD(s, base, const struct xffw_port_set);
	bool first = true;

	fputs("( ", f);
	for (unsigned int p = 1; p <= 65535; p++) {
		unsigned int q = p;

		if (!port_set_has(set, p))
			continue;
		while (q < 65535 && port_set_has(set, q + 1))
			q++;
		if (q > p)
			fprintf(f, "%s\"%u-%u\"", first ? "" : ", ", p, q);
		else
			fprintf(f, "%s%u", first ? "" : ", ", p);
		first = false;
		p = q;
	}
	fputs(" )", f);
}

const struct setting_type type_ports = { SHAPE_PORTS, parse_ports, clear_ports, print_ports, NULL };

static int parse_port_field(const struct setting *s, void *base, const char *v, char *why,
			    size_t whylen)
{
	return parse_port(v, SETTING_FIELD(s, base, unsigned int), why, whylen);
}

static void print_uint(FILE *f, const struct setting *s, const void *base)
{
	fprintf(f, "%u", *SETTING_FIELD(s, base, const unsigned int));
}

static bool unset_uint(const struct setting *s, const void *base)
{
	return !*SETTING_FIELD(s, base, const unsigned int);
}

const struct setting_type type_port = { SHAPE_NUMBER, parse_port_field, NULL, print_uint,
					unset_uint };

static int parse_facility_field(const struct setting *s, void *base, const char *v, char *why,
				size_t whylen)
{
	return parse_facility(v, SETTING_FIELD(s, base, int), why, whylen);
}

static void print_facility(FILE *f, const struct setting *s, const void *base)
{
	fprintf(f, "\"%s\"", facility_name(*SETTING_FIELD(s, base, const int)));
}

const struct setting_type type_facility = { SHAPE_STRING, parse_facility_field, NULL,
					    print_facility, NULL };

static int parse_mode_field(const struct setting *s, void *base, const char *v, char *why,
			    size_t whylen)
{
	return parse_mode(v, SETTING_FIELD(s, base, unsigned int), why, whylen);
}

static void print_mode(FILE *f, const struct setting *s, const void *base)
{
	fprintf(f, "\"%04o\"", *SETTING_FIELD(s, base, const unsigned int));
}

const struct setting_type type_mode = { SHAPE_STRING, parse_mode_field, NULL, print_mode, NULL };

static int parse_owner_field(const struct setting *s, void *base, const char *v, char *why,
			     size_t whylen)
{
	struct file_opts *files = SETTING_FIELD(s, base, struct file_opts);

	files->group[0] = '\0';
	return parse_owner(v, files->owner, sizeof(files->owner), files->group,
			   sizeof(files->group), why, whylen);
}

const struct setting_type type_owner = { SHAPE_NONE, parse_owner_field, NULL, NULL, NULL };

static int parse_account_field(const struct setting *s, void *base, const char *v, char *why,
			       size_t whylen)
{
	return parse_account(v, SETTING_FIELD(s, base, char), s->size, s->noun, why, whylen);
}

const struct setting_type type_account = { SHAPE_STRING, parse_account_field, NULL, print_field_str,
					   unset_str };

static int parse_size_field(const struct setting *s, void *base, const char *v, char *why,
			    size_t whylen)
{
	return parse_size(v, s->min, s->max, SETTING_FIELD(s, base, uint64_t), why, whylen);
}

/* A size as parse_size() reads it: with the largest suffix that divides it. */
static void print_size(FILE *f, const struct setting *s, const void *base)
{
	static const char suffix[] = "GMK";
	uint64_t v = *SETTING_FIELD(s, base, const uint64_t);

	for (int i = 0; i < 3; i++) {
		uint64_t unit = 1ULL << (10 * (3 - i));

		if (v && v % unit == 0) {
			fprintf(f, "\"%" PRIu64 "%c\"", v / unit, suffix[i]);
			return;
		}
	}
	fprintf(f, "\"%" PRIu64 "\"", v);
}

static bool unset_size(const struct setting *s, const void *base)
{
	return !*SETTING_FIELD(s, base, const uint64_t);
}

const struct setting_type type_size = { SHAPE_STRING, parse_size_field, NULL, print_size,
					unset_size };

static int parse_bool_field(const struct setting *s, void *base, const char *v, char *why,
			    size_t whylen)
{
	bool *field = SETTING_FIELD(s, base, bool);

	if (!v) {
		*field = s->value;
		return 0;
	}
	return parse_bool(v, field, why, whylen);
}

static void print_bool(FILE *f, const struct setting *s, const void *base)
{
	fputs(*SETTING_FIELD(s, base, const bool) ? "true" : "false", f);
}

const struct setting_type type_bool = { SHAPE_BOOL, parse_bool_field, NULL, print_bool, NULL };

static int parse_count(const struct setting *s, void *base, const char *v, char *why, size_t whylen)
{
	(void)v, (void)why, (void)whylen;
	(*SETTING_FIELD(s, base, int))++;
	return 0;
}

const struct setting_type type_count = { SHAPE_NONE, parse_count, NULL, NULL, NULL };

static int parse_uint_field(const struct setting *s, void *base, const char *v, char *why,
			    size_t whylen)
{
	return parse_uint_range(v, (unsigned int)s->min, (unsigned int)s->max,
				SETTING_FIELD(s, base, unsigned int), why, whylen);
}

const struct setting_type type_uint = { SHAPE_NUMBER, parse_uint_field, NULL, print_uint, NULL };

static int parse_seconds_field(const struct setting *s, void *base, const char *v, char *why,
			       size_t whylen)
{
	return parse_seconds(v, SETTING_FIELD(s, base, unsigned int), (unsigned int)s->max, why,
			     whylen);
}

/* Milliseconds as seconds: whole ones without decimals. */
static void print_seconds(FILE *f, const struct setting *s, const void *base)
{
	unsigned int ms = *SETTING_FIELD(s, base, const unsigned int);

	if (ms % 1000)
		fprintf(f, "%u.%03u", ms / 1000, ms % 1000);
	else
		fprintf(f, "%u", ms / 1000);
}

const struct setting_type type_seconds = { SHAPE_NUMBER, parse_seconds_field, NULL, print_seconds,
					   NULL };

static int parse_interval_field(const struct setting *s, void *base, const char *v, char *why,
				size_t whylen)
{
	return parse_fsync_interval(v, SETTING_FIELD(s, base, unsigned int), (unsigned int)s->max,
				    why, whylen);
}

static void print_interval(FILE *f, const struct setting *s, const void *base)
{
	unsigned int ms = *SETTING_FIELD(s, base, const unsigned int);

	fprintf(f, "%u.%03u", ms / 1000, ms % 1000);
}

const struct setting_type type_interval = { SHAPE_NUMBER, parse_interval_field, NULL,
					    print_interval, NULL };

/* One of the row's @names: the enum's value is its index. */
static int parse_enum(const struct setting *s, void *base, const char *v, char *why, size_t whylen)
{
	size_t len;

	for (unsigned int i = 0; i < s->max; i++) {
		if (!strcmp(v, s->names[i])) {
			*SETTING_FIELD(s, base, int) = (int)i;
			return 0;
		}
	}
	len = (size_t)snprintf(why, whylen, "'%s' is not one of", v);
	for (unsigned int i = 0; i < s->max && len < whylen; i++)
		len += (size_t)snprintf(why + len, whylen - len, "%s %s", i ? "," : "",
					s->names[i]);
	return -EINVAL;
}

static void print_enum(FILE *f, const struct setting *s, const void *base)
{
	fprintf(f, "\"%s\"", s->names[*SETTING_FIELD(s, base, const int)]);
}

const struct setting_type type_enum = { SHAPE_STRING, parse_enum, NULL, print_enum, NULL };

static int parse_cidrs(const struct setting *s, void *base, const char *v, char *why, size_t whylen)
{
	return rule_parse_cidrs(v, SETTING_FIELD(s, base, struct ip_cidr), count_of(s, base), why,
				whylen);
}

/* @n quoted items, each the text @item gives (in @buf or its own): "[ "a", "b" ]", or "[ ]". */
static void print_items(FILE *f, const void *list, size_t n,
			const char *(*item)(const void *list, size_t i, char *buf))
{
	char buf[IP_STR_MAX + 4];

	fputs("[ ", f);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s\"%s\"", i ? ", " : "", item(list, i, buf));
	fputs(n ? " ]" : "]", f);
}

static const char *cidr_text(const void *list, size_t i, char *buf)
{
	ip_cidr_format(&((const struct ip_cidr *)list)[i], buf);
	return buf;
}

static void print_cidrs(FILE *f, const struct setting *s, const void *base)
{
	print_items(f, SETTING_FIELD(s, base, const struct ip_cidr), *count_of(s, base), cidr_text);
}

static bool unset_list(const struct setting *s, const void *base)
{
	return !*count_of(s, base);
}

const struct setting_type type_cidrs = { SHAPE_STRINGS, parse_cidrs, clear_list, print_cidrs,
					 unset_list };

static int parse_owner_specs(const struct setting *s, void *base, const char *v, char *why,
			     size_t whylen)
{
	return rule_parse_local(v, SETTING_FIELD(s, base, struct owner_spec), count_of(s, base),
				why, whylen);
}

/* As given, names or numbers: "[ "user=www-data", "unit=nginx.service" ]". */
static void print_owner_specs(FILE *f, const struct setting *s, const void *base)
{
	const struct owner_spec *list = SETTING_FIELD(s, base, const struct owner_spec);
	char buf[CGROUP_PATH_MAX + 16]; /* "cgroup=" and the longest path */

	fputc('[', f);
	for (size_t i = 0; i < *count_of(s, base); i++) {
		owner_spec_format(&list[i], buf, sizeof(buf));
		fputs(i ? ", " : " ", f);
		print_str(f, buf);
	}
	fputs(*count_of(s, base) ? " ]" : " \"none\" ]", f);
}

/* Unset unless given, if only as "none": a listener's "none" overrides the global list. */
static bool unset_owner_specs(const struct setting *s, const void *base)
{
	return !*count_of(s, base) && !(s->mark && *(const bool *)((const char *)base + s->mark));
}

const struct setting_type type_owner_specs = { SHAPE_STRINGS, parse_owner_specs, clear_list,
					       print_owner_specs, unset_owner_specs };

static int parse_headers(const struct setting *s, void *base, const char *v, char *why,
			 size_t whylen)
{
	return rule_parse_headers(v, SETTING_FIELD(s, base, unsigned int), count_of(s, base), why,
				  whylen);
}

static const char *header_text(const void *list, size_t i, char *buf)
{
	(void)buf;
	return trust_source_key(((const unsigned int *)list)[i]);
}

/* (Never empty: a rule reads at least one header.) */
static void print_headers(FILE *f, const struct setting *s, const void *base)
{
	print_items(f, SETTING_FIELD(s, base, const unsigned int), *count_of(s, base), header_text);
}

const struct setting_type type_headers = { SHAPE_STRINGS, parse_headers, clear_list, print_headers,
					   unset_list };

static int parse_hops(const struct setting *s, void *base, const char *v, char *why, size_t whylen)
{
	return rule_parse_hops(v, SETTING_FIELD(s, base, int), why, whylen);
}

static void print_hops(FILE *f, const struct setting *s, const void *base)
{
	fprintf(f, "%d", *SETTING_FIELD(s, base, const int));
}

static bool unset_hops(const struct setting *s, const void *base)
{
	return *SETTING_FIELD(s, base, const int) < 0;
}

const struct setting_type type_hops = { SHAPE_HOPS, parse_hops, NULL, print_hops, unset_hops };

static int parse_listener_field(const struct setting *s, void *base, const char *v, char *why,
				size_t whylen)
{
	struct options *o = base;
	int err;

	(void)s;
	if (o->nlisteners == OPT_MAX_LISTENERS)
		return refuse(why, whylen, -ENOSPC, "at most %d listeners", OPT_MAX_LISTENERS);
	err = parse_listener(v, &o->listeners[o->nlisteners], why, whylen);
	if (!err)
		o->nlisteners++;
	return err;
}

static void clear_listeners(const struct setting *s, void *base)
{
	(void)s;
	((struct options *)base)->nlisteners = 0;
}

static bool no_listeners(const struct setting *s, const void *base)
{
	(void)s;
	return !((const struct options *)base)->nlisteners;
}

/* The listeners themselves print from their rows: config_file.c. */
const struct setting_type type_listeners = { SHAPE_LISTENERS, parse_listener_field, clear_listeners,
					     NULL, no_listeners };

static int parse_config(const struct setting *s, void *base, const char *v, char *why,
			size_t whylen)
{
	(void)why, (void)whylen;
	*SETTING_FIELD(s, base, const char *) = v;
	return 0;
}

const struct setting_type type_config = { SHAPE_NONE, parse_config, NULL, NULL, NULL };

/* IP[:PORT]: the address at the row's offset, the port at its @count. */
static int parse_endpoint(const struct setting *s, void *base, const char *v, char *why,
			  size_t whylen)
{
	uint16_t *port = (uint16_t *)((char *)base + s->count);

	if (ip_parse_endpoint(v, strlen(v), SETTING_FIELD(s, base, struct ip_addr), port))
		return refuse(why, whylen, -EINVAL,
			      "'%s' is not an IP address (with an optional port)", v);
	return 0;
}

const struct setting_type type_endpoint = { SHAPE_NONE, parse_endpoint, NULL, NULL, NULL };

/* resolve's --peer-user and --peer-cgroup: the row's @value says which kind of owner spec. */
static int parse_peer_owner(const struct setting *s, void *base, const char *v, char *why,
			    size_t whylen)
{
	char spec[CGROUP_PATH_MAX + 16];

	if (strlen(v) > CGROUP_PATH_MAX)
		return refuse(why, whylen, -EINVAL, "longer than %d bytes", CGROUP_PATH_MAX);
	snprintf(spec, sizeof(spec), "%s=%s", s->value == OWNER_USER ? "user" : "cgroup", v);
	return owner_spec_parse(spec, SETTING_FIELD(s, base, struct owner_spec), why, whylen);
}

const struct setting_type type_peer_owner = { SHAPE_NONE, parse_peer_owner, NULL, NULL, NULL };

static int parse_help(const struct setting *s, void *base, const char *v, char *why, size_t whylen)
{
	const struct cli_state *st = base;

	(void)s, (void)v, (void)why, (void)whylen;
	if (st->usage)
		fputs(st->usage, stdout);
	else
		settings_usage(stdout);
	return SETTING_DONE;
}

const struct setting_type type_help = { SHAPE_NONE, parse_help, NULL, NULL, NULL };

static int parse_version(const struct setting *s, void *base, const char *v, char *why,
			 size_t whylen)
{
	(void)s, (void)base, (void)v, (void)why, (void)whylen;
	printf("xffwatch %s\n", XFFWATCH_VERSION);
	return SETTING_DONE;
}

const struct setting_type type_version = { SHAPE_NONE, parse_version, NULL, NULL, NULL };

/* doctor's --pcap FILE and --events FILE: the source they choose, and the file (argv's). */
static int parse_doctor_file(const struct setting *s, void *base, const char *v, char *why,
			     size_t whylen)
{
	struct command_args *a = base;

	if (a->ndoctor_files && a->doctor_source != s->value)
		return refuse(why, whylen, -EINVAL, "--pcap and --events cannot be mixed");
	if (!v[0])
		return refuse(why, whylen, -EINVAL, "a file name, not \"\"");
	if (a->ndoctor_files == DOCTOR_FILES_MAX)
		return refuse(why, whylen, -ENOSPC, "at most %d files", DOCTOR_FILES_MAX);
	a->doctor_source = s->value;
	a->doctor_files[a->ndoctor_files++] = (char *)v;
	return 0;
}

const struct setting_type type_doctor_file = { SHAPE_NONE, parse_doctor_file, NULL, NULL, NULL };

/* doctor's --stack nginx,werkzeug: a bit per stack. */
static int parse_stacks(const struct setting *s, void *base, const char *v, char *why,
			size_t whylen)
{
	unsigned int *mask = SETTING_FIELD(s, base, unsigned int);
	char name[32];

	*mask = 0;
	for (const char *p = v;; p++) {
		size_t len = strcspn(p, ",");
		int st;

		if (len >= sizeof(name))
			len = sizeof(name) - 1;
		memcpy(name, p, len);
		name[len] = '\0';
		st = stack_by_name(name);
		if (st < 0) {
			size_t n = (size_t)snprintf(why, whylen, "'%s' is not one of", name);

			for (int i = 0; i < STACK__MAX && n < whylen; i++)
				n += (size_t)snprintf(why + n, whylen - n, "%s %s", i ? "," : "",
						      stack_names[i]);
			return -EINVAL;
		}
		*mask |= 1U << st;
		p += strcspn(p, ",");
		if (!*p)
			return 0;
	}
}

const struct setting_type type_stacks = { SHAPE_NONE, parse_stacks, NULL, NULL, NULL };
