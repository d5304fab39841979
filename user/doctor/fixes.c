// STUB
#include <stdio.h>
#include <string.h>
#include "doctor/fixes.h"
size_t fixes_make(const struct fix_params *p, unsigned int stacks, struct fix *out)
{
	(void)stacks;
	memset(out, 0, sizeof(*out));
	strcpy(out->stack, "xffwatch");
	strcpy(out->where, "flags");
	if (p->nproxies) {
		snprintf(out->args[0], FIX_ARG_MAX, "--trust");
		snprintf(out->args[1], FIX_ARG_MAX, "%s", p->proxies[0]);
		out->nargs = 2;
	}
	return 1;
}
