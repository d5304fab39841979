// SPDX-License-Identifier: BSD-2-Clause
/* check-config's printout: the effective settings in the configuration file's syntax. */
#include <stdio.h>
#include <string.h>

#include "cmd/config_file.h"
#include "cmd/setting_types.h"

/* One line in plain words: what the rule does. */
static void describe_rule(FILE *f, const struct trust_rule *r)
{
	fputs("#   ", f);
	if (r->port || r->iface[0]) {
		if (r->port)
			fprintf(f, "port %u", r->port);
		if (r->iface[0]) {
			fputs(r->port ? " on " : "on ", f);
			print_escaped(f, r->iface, strlen(r->iface));
		}
	} else {
		fputs("everything else", f);
	}
	fputs(": ", f);
	if (r->hops >= 0) {
		fprintf(f, "the client is hop %d from the right of ", r->hops);
	} else {
		fprintf(f, "%zu trusted CIDR%s", r->ntrusted, r->ntrusted == 1 ? "" : "s");
		if (r->nexternal)
			fprintf(f, " and %zu external", r->nexternal);
		fputs("; ", f);
		fprintf(f, "%s walk of ", r->recursive ? "recursive" : "rightmost-only");
	}
	/* A preamble is the hop next to the peer, whatever its place in the list. */
	if (trust_reads(r, TRUST_PROXY_PROTOCOL))
		fputs(r->nheaders > 1 ? "a PROXY preamble's source, then "
				      : "a PROXY preamble's source",
		      f);
	for (size_t i = 0, n = 0; i < r->nheaders; i++) {
		if (r->headers[i] == TRUST_PROXY_PROTOCOL)
			continue;
		fprintf(f, "%s%s", n ? " or " : "", trust_source_key(r->headers[i]));
		n++;
	}
	fputs(r->nheaders - trust_reads(r, TRUST_PROXY_PROTOCOL) > 1 ? " (first present)" : "", f);
	if (r->nlocal)
		fprintf(f, "; peers on this host by their owner (%zu trust-local)", r->nlocal);
	if (r->proxy_protocol != TRUST_PP_OPTIONAL)
		fprintf(f, "; PROXY protocol %s", trust_pp_mode_names[r->proxy_protocol]);
	fputc('\n', f);
}

/* "key = value;" for row @s, unless it is to be left out while unset. */
static void print_row(FILE *f, const struct setting *s, const void *base, const char *indent)
{
	if (!s->key || !s->type->print || ((s->flags & S_OMIT_UNSET) && s->type->unset(s, base)))
		return;
	fprintf(f, "%s%s = ", indent, s->key);
	s->type->print(f, s, base);
	fputs(";\n", f);
}

/* The members of a group (or a listener): rows of @place, in their order. */
static void print_members(FILE *f, enum setting_place place, const void *base, const char *indent)
{
	for (size_t i = 0; i < settings_count; i++)
		if (settings[i].place == place)
			print_row(f, &settings[i], base, indent);
}

static void print_listeners(FILE *f, const struct options *o)
{
	fputs("listeners = (\n", f);
	for (size_t i = 0; i < o->nlisteners; i++) {
		fputs("  {\n", f);
		print_members(f, PLACE_LISTENER, &o->listeners[i], "    ");
		print_members(f, PLACE_TRUST, &o->listeners[i], "    ");
		fprintf(f, "  }%s\n", i + 1 < o->nlisteners ? "," : "");
	}
	fputs(");\n", f);
}

/* Row @i at the top: a setting, or its group when it is the group's first; then its followers. */
static void print_top(FILE *f, const struct options *o, size_t i)
{
	const struct setting *s = &settings[i];
	const void *base = s->base == BASE_RULE ? (const void *)&o->global : o;

	if (!s->key)
		return;
	if (s->place == PLACE_TOP && s->type->shape == SHAPE_LISTENERS) {
		if (!s->type->unset(s, o))
			print_listeners(f, o);
	} else if (s->place == PLACE_TOP) {
		print_row(f, s, base, "");
	} else if (setting_place_names[s->place]) {
		for (size_t k = 0; k < i; k++)
			if (settings[k].place == s->place)
				return; /* printed with the first */
		fprintf(f, "%s = {\n", setting_place_names[s->place]);
		print_members(f, s->place, base, "  ");
		fputs("};\n", f);
	}
	for (size_t k = 0; k < settings_count; k++)
		if (settings[k].print_after && !strcmp(settings[k].print_after, s->key))
			print_top(f, o, k);
}

void conf_print(FILE *f, const struct options *o)
{
	fputs("# Effective settings (defaults, then the configuration file, then flags).\n", f);
	fputs("# Rules, in the order they are tried:\n", f);
	for (size_t i = 0; i < o->nrules; i++)
		describe_rule(f, &o->rules[i]);
	for (size_t i = 0; i < settings_count; i++)
		if (!settings[i].print_after)
			print_top(f, o, i);
}
