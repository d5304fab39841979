// SPDX-License-Identifier: BSD-2-Clause
/*
 * Connections for the scale benchmark, on loopback: KEEP keep-alive
 * connections opened (each from its own 127.1.x.y source address), one
 * request each, held open until standard input closes or says anything;
 * then SHORT connections, each from another distinct source address
 * (127.2.x.y on), one request and close. Every request carries an
 * X-Forwarded-For naming a distinct client. Prints what it did.
 *
 *   conn_flood PORT KEEP SHORT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

static int request(int fd, unsigned int n)
{
	char buf[512];
	int len = snprintf(buf, sizeof(buf),
			   "GET /scale/%u HTTP/1.1\r\nHost: scale\r\n"
			   "X-Forwarded-For: 203.0.%u.%u, 127.0.0.1\r\n\r\n",
			   n, (n >> 8) & 0xff, n & 0xff);
	ssize_t got;

	if (write(fd, buf, (size_t)len) != len)
		return -1;
	got = read(fd, buf, sizeof(buf)); /* the answer is small: one read */
	return got > 0 ? 0 : -1;
}

/* A connection from 127.B.x.y (x.y from @n) to 127.0.0.1:@port. */
static int connect_from(unsigned int b, unsigned int n, unsigned int port)
{
	struct sockaddr_in src = { .sin_family = AF_INET }, dst = { .sin_family = AF_INET };
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	if (fd < 0)
		return -1;
	src.sin_addr.s_addr = htonl(127u << 24 | (b + (n >> 16)) << 16 | (n & 0xffff));
	dst.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	dst.sin_port = htons((uint16_t)port);
	if (bind(fd, (struct sockaddr *)&src, sizeof(src)) ||
	    connect(fd, (struct sockaddr *)&dst, sizeof(dst))) {
		close(fd);
		return -1;
	}
	return fd;
}

int main(int argc, char **argv)
{
	unsigned int port, keep, nshort, failed = 0;
	struct rlimit nofile;
	int *fds;
	char c;

	if (argc != 4) {
		fprintf(stderr, "usage: conn_flood PORT KEEP SHORT\n");
		return 2;
	}
	port = (unsigned int)atoi(argv[1]);
	keep = (unsigned int)atoi(argv[2]);
	nshort = (unsigned int)atoi(argv[3]);
	nofile.rlim_cur = nofile.rlim_max = keep + 1024;
	if (setrlimit(RLIMIT_NOFILE, &nofile))
		perror("setrlimit");
	fds = calloc(keep ? keep : 1, sizeof(*fds));
	for (unsigned int i = 0; i < keep; i++) {
		fds[i] = connect_from(1, i + 1, port);
		if (fds[i] < 0 || request(fds[i], i)) {
			failed++;
			if (fds[i] >= 0)
				close(fds[i]);
			fds[i] = -1;
		}
	}
	printf("keep-alive connections open: %u (failed %u)\n", keep - failed, failed);
	fflush(stdout);
	/* Held until told to go on. */
	if (read(STDIN_FILENO, &c, 1) < 0)
		perror("stdin");
	for (unsigned int i = 0; i < keep; i++)
		if (fds[i] >= 0)
			close(fds[i]);
	failed = 0;
	for (unsigned int i = 0; i < nshort; i++) {
		int fd = connect_from(2, i + 1, port);

		if (fd < 0 || request(fd, i))
			failed++;
		if (fd >= 0)
			close(fd);
	}
	printf("short connections from distinct addresses: %u (failed %u)\n", nshort - failed,
	       failed);
	free(fds);
	return 0;
}
