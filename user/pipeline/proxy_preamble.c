// SPDX-License-Identifier: BSD-2-Clause
/* Placeholder until the parser lands: every preamble is malformed. */
#include <string.h>

#include "pipeline/proxy_preamble.h"

int pp_signature(const uint8_t *b, size_t len)
{
	(void)b;
	(void)len;
	return 0;
}

int pp_parse(const uint8_t *b, size_t len, bool cut, struct pp_info *out)
{
	(void)b;
	(void)len;
	(void)cut;
	memset(out, 0, sizeof(*out));
	out->error = "not implemented";
	return PP_MALFORMED;
}

const char *pp_command_name(unsigned int command)
{
	(void)command;
	return "?";
}

const char *pp_transport_name(const struct pp_info *pp)
{
	(void)pp;
	return "?";
}

uint32_t pp_crc32c(uint32_t crc, const uint8_t *b, size_t len)
{
	(void)b;
	(void)len;
	return crc;
}
