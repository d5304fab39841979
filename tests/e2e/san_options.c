// SPDX-License-Identifier: BSD-2-Clause
/*
 * Linked into the sanitizer build of the daemon only (make san). GCC's UBSan
 * runtime reads UBSAN_OPTIONS when it reports its first error, from
 * /proc/self/environ, which the daemon can no longer open by then: it runs as
 * nobody and is not dumpable. The options (log_path, abort_on_error,
 * print_stacktrace) would be lost. The runtime asks this hook first, and
 * getenv() reads the process's own memory.
 */
#include <stdlib.h>

const char *__ubsan_default_options(void);

const char *__ubsan_default_options(void)
{
	const char *o = getenv("UBSAN_OPTIONS");

	return o ? o : "";
}
