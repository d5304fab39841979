// SPDX-License-Identifier: BSD-2-Clause
/* The progress line (progress.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "capture/progress.h"

#define PROGRESS_EVERY_NS 250000000ull
#define PROGRESS_CHECK	  1024

struct progress {
	int fd;
	bool active, drawn;
	uint32_t calls;
	uint64_t start_ns, last_ns;
	int last_len;
};

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* @v with a k/M/G suffix. */
static void human(char *out, size_t len, double v)
{
	static const char *const unit[] = { "", "k", "M", "G", "T" };
	int u = 0;

	while (v >= 1000 && u < 4) {
		v /= 1000;
		u++;
	}
	snprintf(out, len, u ? "%.1f%s" : "%.0f%s", v, unit[u]);
}

int progress_format(char *buf, size_t len, const struct capture_counters *k, uint64_t events,
		    double seconds)
{
	char pk[16], by[16], rate[16], pct[16] = "";

	human(pk, sizeof(pk), (double)k->packets);
	human(by, sizeof(by), (double)k->bytes);
	human(rate, sizeof(rate), seconds > 0 ? (double)k->packets / seconds : 0);
	if (k->file_size)
		snprintf(pct, sizeof(pct), ", %.0f%%",
			 100.0 * (double)k->file_done / (double)k->file_size);
	return snprintf(buf, len, "replay: %s packets, %sB%s, %s packets/s, %llu events", pk, by,
			pct, rate, (unsigned long long)events);
}

static void draw(struct progress *p, const struct capture *c, uint64_t events, uint64_t now,
		 bool last)
{
	struct capture_counters k;
	char line[256];
	int n, pad;

	capture_counters(c, &k);
	n = progress_format(line + 1, sizeof(line) - 3, &k, events,
			    (double)(now - p->start_ns) / 1e9);
	if (n < 0)
		return;
	if (n > (int)sizeof(line) - 4)
		n = (int)sizeof(line) - 4;
	line[0] = '\r';
	/* Spaces over what a longer previous line left. */
	pad = p->last_len > n ? p->last_len - n : 0;
	if (pad > (int)sizeof(line) - 3 - n)
		pad = (int)sizeof(line) - 3 - n;
	memset(line + 1 + n, ' ', (size_t)pad);
	p->last_len = n + pad;
	n += 1 + pad;
	if (last)
		line[n++] = '\n';
	if (write(p->fd, line, (size_t)n) < 0)
		p->active = false; /* a terminal gone: no more lines */
	p->drawn = true;
}

struct progress *progress_new(int fd, bool quiet)
{
	struct progress *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->fd = fd;
	p->active = !quiet && isatty(fd);
	p->start_ns = p->last_ns = now_ns();
	return p;
}

void progress_update(struct progress *p, const struct capture *c, uint64_t events)
{
	uint64_t now;

	if (!p || !p->active || ++p->calls % PROGRESS_CHECK)
		return;
	now = now_ns();
	if (now - p->last_ns < PROGRESS_EVERY_NS)
		return;
	p->last_ns = now;
	draw(p, c, events, now, false);
}

void progress_done(struct progress *p, const struct capture *c, uint64_t events)
{
	if (!p || !p->active)
		return;
	draw(p, c, events, now_ns(), true);
	p->active = false;
}

void progress_free(struct progress *p)
{
	free(p);
}
