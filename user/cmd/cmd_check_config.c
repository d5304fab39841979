// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "cmd/cmd_check_config.h"
#include "cmd/cli.h"
#include "cmd/config_file.h"
#include "util/log.h"

/* "port 8080 on eth0", "everything else": which requests a rule is for, as check-config lists it. */
static const char *rule_where(const struct trust_rule *r, char *buf, size_t len)
{
	if (!r->port && !r->iface[0])
		snprintf(buf, len, "everything else (the global rule)");
	else if (!r->iface[0])
		snprintf(buf, len, "port %u", r->port);
	else if (!r->port)
		snprintf(buf, len, "interface %s", r->iface);
	else
		snprintf(buf, len, "port %u on %s", r->port, r->iface);
	return buf;
}

/* Settings that are valid but almost certainly not what was meant. */
static void warn(const struct options *o)
{
	for (size_t i = 0; i < o->nrules; i++) {
		const struct trust_rule *r = &o->rules[i];
		char where[IF_NAMESIZE + 48];

		if (r->hops < 0 && !r->ntrusted && !r->nexternal && !r->nlocal)
			log_line(stderr,
				 "xffwatch: warning: a rule trusts no proxy: its forwarding "
				 "headers never count");
		if (r->proxy_protocol == TRUST_PP_REQUIRED && !trust_reads(r, TRUST_PROXY_PROTOCOL))
			log_line(stderr,
				 "xffwatch: warning: the rule for %s requires a PROXY protocol "
				 "preamble but does not read it: add proxy-protocol to its headers",
				 rule_where(r, where, sizeof(where)));
		for (size_t k = 0; k < r->ntrusted; k++) {
			static const uint8_t mapped[12] = { [10] = 0xff, [11] = 0xff };
			const struct ip_cidr *c = &r->trusted[k];

			if (c->net.family == 6 && c->prefix >= 96 && !memcmp(c->net.b, mapped, 12))
				log_line(stderr, "xffwatch: warning: an IPv4-mapped CIDR never "
						 "matches (as in nginx): write it as IPv4");
		}
	}
}

int check_config_run(const struct options *o, const struct command_args *r)
{
	(void)r;
	warn(o);
	conf_print(stdout, o);
	return 0; /* main() closes standard output and says if the settings were not written */
}
