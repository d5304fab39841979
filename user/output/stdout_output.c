// SPDX-License-Identifier: BSD-2-Clause
/* Standard output ("-"): a stream that is never opened or closed, only written. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "util/log.h"
#include "output/sink_backend.h"

struct stdout_sink {
	struct sink s;
	int saved_flags; /* restored at close */
};

static struct sink *stdout_open(const char *target, const struct output_settings *set,
				const struct file_ops *fops)
{
	struct stdout_sink *o = calloc(1, sizeof(*o));
	struct stat st;

	(void)target;
	(void)fops;
	if (!o)
		return NULL;
	sink_init(&o->s, &stdout_output_ops, set);
	snprintf(o->s.name, sizeof(o->s.name), "standard output");
	o->s.fd = STDOUT_FILENO;
	o->saved_flags = fcntl(o->s.fd, F_GETFL);
	/* A pipe's reader must not block us; a terminal or file is left alone. */
	if (!fstat(o->s.fd, &st) && (S_ISFIFO(st.st_mode) || S_ISSOCK(st.st_mode)))
		fcntl(o->s.fd, F_SETFL, o->saved_flags | O_NONBLOCK);
	return &o->s;
}

static void stdout_write_failed(struct sink *s, int err)
{
	if (err != EPIPE) {
		sink_failed(s, err, "write failed");
		return;
	}
	log_error("output %s: closed by its reader", s->name);
	s->broken = true;
}

/* Not closed: the descriptor is the process's. */
static bool stdout_close(struct sink *s, uint64_t until_ms)
{
	struct stdout_sink *o = (struct stdout_sink *)s;

	(void)until_ms;
	if (o->saved_flags >= 0)
		fcntl(s->fd, F_SETFL, o->saved_flags);
	s->fd = -1;
	return true;
}

static ssize_t stdout_write_rest(struct sink *s, const char *p, size_t n)
{
	return write(s->fd, p, n);
}

const struct sink_ops stdout_output_ops = {
	.kind = "stdout",
	.open = stdout_open,
	.write_failed = stdout_write_failed,
	.write_rest = stdout_write_rest,
	.close = stdout_close,
};
