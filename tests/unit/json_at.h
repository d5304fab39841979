/* SPDX-License-Identifier: BSD-2-Clause */
/* Shared by the unit tests that read events: members by dotted path. Include after cmocka.h. */
#ifndef XFFW_TEST_JSON_AT_H
#define XFFW_TEST_JSON_AT_H

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* The member at a dotted @path ("url.domain"), or NULL. */
static inline json_t *at(json_t *doc, const char *path)
{
	char buf[128], *save = NULL;
	json_t *v = doc;

	snprintf(buf, sizeof(buf), "%s", path);
	for (char *k = strtok_r(buf, ".", &save); k && v; k = strtok_r(NULL, ".", &save))
		v = json_object_get(v, k);
	return v;
}

static inline const char *str_at(json_t *doc, const char *path)
{
	json_t *v = at(doc, path);

	if (!json_is_string(v))
		fail_msg("%s is not a string", path);
	return json_string_value(v);
}

#endif
