// SPDX-License-Identifier: BSD-2-Clause
#include <string.h>

#include "doctor/diagnosis.h"

#define DIAG_NAME_(id, name, title)  [DIAG_##id] = name,
#define DIAG_TITLE_(id, name, title) [DIAG_##id] = title,
#define STACK_NAME_(id, name)	     [STACK_##id] = name,

const char *const diagnosis_names[DIAG__MAX] = { DOCTOR_DIAGNOSES(DIAG_NAME_) };
const char *const diagnosis_titles[DIAG__MAX] = { DOCTOR_DIAGNOSES(DIAG_TITLE_) };
const char *const stack_names[STACK__MAX] = { DOCTOR_STACKS(STACK_NAME_) };
const char *const level_names[3] = {
	[LEVEL_LOW] = "low",
	[LEVEL_MEDIUM] = "medium",
	[LEVEL_HIGH] = "high",
};

int stack_by_name(const char *name)
{
	for (int i = 0; i < STACK__MAX; i++)
		if (!strcmp(name, stack_names[i]))
			return i;
	return -1;
}
