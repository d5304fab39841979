// SPDX-License-Identifier: BSD-2-Clause
#include <stdio.h>
#include <string.h>

#include "cmd/cmd_check_config.h"
#include "cmd/cli.h"
#include "cmd/config_file.h"
#include "util/log.h"

/* Settings that are valid but almost certainly not what was meant. */
static void warn(const struct options *o)
{
	for (size_t i = 0; i < o->nrules; i++) {
		const struct trust_rule *r = &o->rules[i];

		if (r->hops < 0 && !r->ntrusted && !r->nexternal && !r->nlocal)
			log_line(stderr,
				 "xffwatch: warning: a rule trusts no proxy: its forwarding "
				 "headers never count");
		if (r->proxy_protocol == TRUST_PP_REQUIRED && !trust_reads(r, TRUST_PROXY_PROTOCOL))
			log_line(stderr,
				 "xffwatch: warning: a rule requires a PROXY protocol preamble but "
				 "does not read it: add proxy-protocol to its headers");
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
