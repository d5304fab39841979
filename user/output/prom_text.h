/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Prometheus's text exposition format (version 0.0.4): families' HELP and
 * TYPE lines and their samples, into a buffer that grows up to a bound.
 */
#ifndef XFFW_PROM_TEXT_H
#define XFFW_PROM_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest page: far above what the metrics' bounds allow (docs/metrics.md). */
#define PROM_PAGE_MAX (4u << 20)

struct prom_buf {
	char *p;
	size_t len, cap;
	size_t max;
	bool failed; /* out of memory, or past @max: the page is not whole */
};

struct prom_label {
	const char *name;
	const char *value;
};

void prom_init(struct prom_buf *b, size_t max);
void prom_free(struct prom_buf *b);

/* "# HELP @name @help" and "# TYPE @name @type" (counter, gauge, histogram). */
void prom_family(struct prom_buf *b, const char *name, const char *type, const char *help);

/* A sample "@name{labels} @v": @n labels (0: no braces). */
void prom_uint(struct prom_buf *b, const char *name, const struct prom_label *labels, size_t n,
	       uint64_t v);
void prom_double(struct prom_buf *b, const char *name, const struct prom_label *labels, size_t n,
		 double v);

/*
 * @v as the shortest text that reads back as the same double ("0.005",
 * "1e+21", "+Inf", "NaN") into @out of @len bytes (32 is enough). Its length.
 */
size_t prom_format_double(double v, char *out, size_t len);

#endif
