// SPDX-License-Identifier: BSD-2-Clause
/* --metrics ADDR:PORT: each accepted form, each refusal and its reason, the port's bounds. */
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "output/metrics_server.h"

static void test_accepted(void **state)
{
	static const struct {
		const char *in, *text; /* given, and its full form */
		int family;
		unsigned int port;
	} cases[] = {
		{ "9877", "127.0.0.1:9877", AF_INET, 9877 },
		{ ":9877", "127.0.0.1:9877", AF_INET, 9877 },
		{ "127.0.0.1:9877", "127.0.0.1:9877", AF_INET, 9877 },
		{ "0.0.0.0:9877", "0.0.0.0:9877", AF_INET, 9877 },
		{ "198.18.0.1:1", "198.18.0.1:1", AF_INET, 1 },
		{ "1", "127.0.0.1:1", AF_INET, 1 },
		{ "65535", "127.0.0.1:65535", AF_INET, 65535 },
		{ "[::1]:9877", "[::1]:9877", AF_INET6, 9877 },
		{ "[::]:65535", "[::]:65535", AF_INET6, 65535 },
		{ "[fd00:0:0::1]:80", "[fd00::1]:80", AF_INET6, 80 },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct metrics_addr a;
		char text[METRICS_ADDR_MAX], why[256] = "";

		assert_int_equal(
			metrics_server_parse(cases[i].in, &a, text, sizeof(text), why, sizeof(why)),
			0);
		assert_string_equal(text, cases[i].text);
		assert_int_equal(a.u.sa.sa_family, cases[i].family);
		if (cases[i].family == AF_INET) {
			assert_int_equal(a.len, sizeof(a.u.v4));
			assert_int_equal(ntohs(a.u.v4.sin_port), cases[i].port);
		} else {
			assert_int_equal(a.len, sizeof(a.u.v6));
			assert_int_equal(ntohs(a.u.v6.sin6_port), cases[i].port);
		}
	}
}

/* A bare port means loopback, never every address. */
static void test_default_loopback(void **state)
{
	struct metrics_addr a;
	char why[256];

	(void)state;
	assert_int_equal(metrics_server_parse("9877", &a, NULL, 0, why, sizeof(why)), 0);
	assert_int_equal(ntohl(a.u.v4.sin_addr.s_addr), INADDR_LOOPBACK);
}

static void test_refused(void **state)
{
	static const struct {
		const char *in, *why;
	} cases[] = {
		{ "", "empty (ADDR:PORT, e.g. 127.0.0.1:9877)" },
		{ "127.0.0.1:", "'127.0.0.1:' has no port (ADDR:PORT, e.g. 127.0.0.1:9877)" },
		{ "127.0.0.1", "'127.0.0.1' has no port (ADDR:PORT, e.g. 127.0.0.1:9877)" },
		{ ":", "':' has no port (ADDR:PORT, e.g. 127.0.0.1:9877)" },
		{ "[::1]", "'[::1]' has no port (ADDR:PORT, e.g. 127.0.0.1:9877)" },
		{ "[::1]:", "'[::1]:' has no port (ADDR:PORT, e.g. 127.0.0.1:9877)" },
		{ "0", "'0': port 0 is not in 1-65535" },
		{ "127.0.0.1:0", "'127.0.0.1:0': port 0 is not in 1-65535" },
		{ "127.0.0.1:65536", "'127.0.0.1:65536': port 65536 is not in 1-65535" },
		{ "[::1]:65536", "'[::1]:65536': port 65536 is not in 1-65535" },
		{ "127.0.0.1:99999999999999999999", "'127.0.0.1:99999999999999999999': port "
						    "99999999999999999999 is not in 1-65535" },
		{ "127.0.0.1:09877", "'127.0.0.1:09877': port 09877 has a leading zero" },
		{ "127.0.0.1:x", "'127.0.0.1:x': the port 'x' is not a number" },
		{ "127.0.0.1:-1", "'127.0.0.1:-1': the port '-1' is not a number" },
		{ "127.0.0.1:+80", "'127.0.0.1:+80': the port '+80' is not a number" },
		{ "localhost:9877",
		  "'localhost' is not an IPv4 address (numbers only; IPv6 in [])" },
		{ "127.0.0.256:9877",
		  "'127.0.0.256' is not an IPv4 address (numbers only; IPv6 in [])" },
		{ "127.000.0.1:9877",
		  "'127.000.0.1' is not an IPv4 address (numbers only; IPv6 in [])" },
		{ "::1:9877", "'::1:9877': an IPv6 address goes in brackets ([::1]:9877)" },
		{ "[::1", "'[::1' has no ']' after the IPv6 address" },
		{ "[::1]9877", "'[::1]9877': ':' must follow ']'" },
		{ "[zz]:9877", "'zz' is not an IPv6 address" },
		{ "[]:9877", "'' is not an IPv6 address" },
		{ "[::1%lo]:9877", "'[::1%lo]:9877': zone ids (%...) are not supported" },
		{ "[fe80::1%lo]:9877", "'[fe80::1%lo]:9877': zone ids (%...) are not supported" },
		{ "[::ffff:127.0.0.1]:9877",
		  "'[::ffff:127.0.0.1]:9877': an IPv4-mapped address; give it as IPv4 "
		  "(127.0.0.1:9877)" },
		{ "[127.0.0.1]:9877", "'[127.0.0.1]:9877': brackets are for IPv6 addresses" },
		{ "[fd00:0000:0000:0000:0000:0000:0000:0001]:65535xxxxxxxxxxxxxxxxxxx",
		  "longer than 63 bytes (ADDR:PORT, e.g. 127.0.0.1:9877)" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct metrics_addr a;
		char text[METRICS_ADDR_MAX] = "untouched", why[256] = "";

		assert_int_equal(
			metrics_server_parse(cases[i].in, &a, text, sizeof(text), why, sizeof(why)),
			-EINVAL);
		assert_string_equal(why, cases[i].why);
		assert_null(strchr(why, '\n'));
		assert_string_equal(text, "untouched");
	}
}

/* The longest full form fits the setting's field. */
static void test_longest_fits(void **state)
{
	static const char longest[] = "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535";
	char text[METRICS_ADDR_MAX], why[256];

	(void)state;
	assert_true(sizeof(longest) <= METRICS_ADDR_MAX);
	assert_int_equal(metrics_server_parse(longest, NULL, text, sizeof(text), why, sizeof(why)),
			 0);
	assert_true(strlen(text) < METRICS_ADDR_MAX);
}

/* Rounds of the server's work a test waits for an answer: a guard against hanging, not a timing. */
#define ROUNDS_MAX 1000

static const char page_text[] = "xffwatch_build_info{version=\"t\",abi=\"4\"} 1\n";
static int page_calls, page_error;

static int page(void *ctx, char **out, size_t *len)
{
	(void)ctx;
	page_calls++;
	if (page_error)
		return page_error;
	*out = strdup(page_text);
	*len = strlen(page_text);
	return *out ? 0 : -ENOMEM;
}

/* A loopback port nobody listens on now (the kernel's pick; the server is refused 0). */
static unsigned int free_port(void)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	socklen_t len = sizeof(a);
	int fd = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
	close(fd);
	return ntohs(a.sin_port);
}

static int connect_to(unsigned int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET,
				 .sin_port = htons((uint16_t)port),
				 .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	assert_true(fd >= 0);
	/* Loopback: the handshake completes in the kernel, into the listen backlog. */
	if (connect(fd, (struct sockaddr *)&a, sizeof(a)) && errno != EINPROGRESS)
		fail_msg("connect: %s", strerror(errno));
	return fd;
}

/* Sends @req and runs the server until it closes the connection: the answer into @buf. */
static size_t exchange(struct metrics_server *m, unsigned int port, const char *req, char *buf,
		       size_t size)
{
	int fd = connect_to(port);
	size_t got = 0;

	for (int i = 0; i < ROUNDS_MAX; i++) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };

		metrics_server_run(m);
		if (poll(&p, 1, 10) == 1 && (p.revents & POLLOUT))
			break;
	}
	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	for (int i = 0; i < ROUNDS_MAX; i++) {
		struct pollfd p = { .fd = metrics_server_fd(m), .events = POLLIN };
		ssize_t n;

		poll(&p, 1, 10);
		metrics_server_run(m);
		n = read(fd, buf + got, size - 1 - got);
		if (n == 0)
			break;
		if (n > 0)
			got += (size_t)n;
	}
	close(fd);
	buf[got] = '\0';
	return got;
}

static void test_serving(void **state)
{
	unsigned int port = free_port();
	char addr[32], why[256] = "", buf[4096];
	struct metrics_server *m;

	(void)state;
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	m = metrics_server_new(addr, page, NULL, why, sizeof(why));
	if (!m)
		fail_msg("%s", why);
	assert_true(metrics_server_fd(m) >= 0);
	assert_string_equal(metrics_server_address(m), addr);

	exchange(m, port, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(buf, "Content-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_string_equal(strstr(buf, "\r\n\r\n") + 4, page_text);
	assert_int_equal(page_calls, 1);

	/* HEAD: the same head, no body. */
	exchange(m, port, "HEAD /metrics HTTP/1.1\r\nHost: t\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	assert_string_equal(strstr(buf, "\r\n\r\n") + 4, "");

	/* A query string does not change the path. */
	exchange(m, port, "GET /metrics?x=1 HTTP/1.0\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, " 200 OK\r\n"));

	exchange(m, port, "GET / HTTP/1.1\r\nHost: t\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(buf, "/metrics"));

	exchange(m, port, "GET /metrics/ HTTP/1.1\r\nHost: t\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 404 Not Found\r\n"));
	exchange(m, port, "POST /nope HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", buf,
		 sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 404 Not Found\r\n"));

	exchange(m, port, "POST /metrics HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n\r\n", buf,
		 sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 405 Method Not Allowed\r\n"));
	assert_non_null(strstr(buf, "Allow: GET, HEAD\r\n"));
	exchange(m, port, "DELETE / HTTP/1.1\r\nHost: t\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 405 Method Not Allowed\r\n"));

	/* The page cannot be made: 500, and the server goes on. */
	page_error = -ENOMEM;
	exchange(m, port, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 500 Internal Server Error\r\n"));
	page_error = 0;
	exchange(m, port, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));

	/* The same port again: taken, said in one line. */
	assert_null(metrics_server_new(addr, page, NULL, why, sizeof(why)));
	assert_non_null(strstr(why, "cannot listen on 127.0.0.1:"));
	assert_non_null(strstr(why, ": Address already in use"));
	metrics_server_free(m);
	metrics_server_free(NULL);
}

/* Serves what is ready, a few rounds (no timing: each round waits for readiness or 10 ms). */
static void run_rounds(struct metrics_server *m)
{
	for (int i = 0; i < 50; i++) {
		struct pollfd p = { .fd = metrics_server_fd(m), .events = POLLIN };

		poll(&p, 1, 10);
		metrics_server_run(m);
	}
}

/* Connections past METRICS_CONNECTIONS wait in the backlog: at the bound, and one past it. */
static void test_connection_limit(void **state)
{
	unsigned int port = free_port();
	int fds[METRICS_CONNECTIONS + 1];
	char addr[32], why[256] = "";
	struct metrics_server *m;

	(void)state;
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	m = metrics_server_new(addr, page, NULL, why, sizeof(why));
	if (!m)
		fail_msg("%s", why);
	for (size_t i = 0; i < METRICS_CONNECTIONS; i++)
		fds[i] = connect_to(port);
	run_rounds(m);
	assert_int_equal(metrics_server_connections(m), METRICS_CONNECTIONS);
	fds[METRICS_CONNECTIONS] = connect_to(port);
	run_rounds(m);
	assert_int_equal(metrics_server_connections(m), METRICS_CONNECTIONS);
	/* One goes: the waiting one is taken. */
	close(fds[0]);
	run_rounds(m);
	assert_int_equal(metrics_server_connections(m), METRICS_CONNECTIONS);
	for (size_t i = 1; i < METRICS_CONNECTIONS + 1; i++)
		close(fds[i]);
	run_rounds(m);
	assert_int_equal(metrics_server_connections(m), 0);
	metrics_server_free(m);
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* The server's end of @fd closed (EOF or reset)? Reads what it sent, never blocks. */
static bool closed_by_server(int fd)
{
	char buf[512];
	ssize_t n;

	while ((n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT)) > 0)
		;
	return n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
}

/*
 * Slowloris: METRICS_CONNECTIONS clients each sending a header line every
 * second never idle, yet each is closed METRICS_DEADLINE_S after its accept,
 * and /metrics answers again within the deadline and a tick (a second here).
 */
static void test_trickle_deadline(void **state)
{
	unsigned int port = free_port();
	int fds[METRICS_CONNECTIONS];
	bool open[METRICS_CONNECTIONS];
	char addr[32], why[256] = "", buf[4096];
	struct metrics_server *m;
	unsigned int left = METRICS_CONNECTIONS;
	double start;

	(void)state;
	snprintf(addr, sizeof(addr), "127.0.0.1:%u", port);
	m = metrics_server_new(addr, page, NULL, why, sizeof(why));
	if (!m)
		fail_msg("%s", why);
	for (size_t i = 0; i < METRICS_CONNECTIONS; i++) {
		fds[i] = connect_to(port);
		open[i] = true;
	}
	run_rounds(m);
	assert_int_equal(metrics_server_connections(m), METRICS_CONNECTIONS);
	start = mono_s();
	for (size_t i = 0; i < METRICS_CONNECTIONS; i++) {
		static const char head[] = "GET /metrics HTTP/1.1\r\nHost: t\r\n";

		assert_int_equal(send(fds[i], head, strlen(head), MSG_NOSIGNAL),
				 (ssize_t)strlen(head));
	}
	/* Generous slack for a loaded machine: without the deadline they would stay forever. */
	while (left && mono_s() - start < METRICS_DEADLINE_S + 10) {
		/* A second of ticks, then a line from each still open. */
		for (int t = 0; t < 50; t++) {
			struct pollfd p = { .fd = metrics_server_fd(m), .events = POLLIN };

			poll(&p, 1, 20);
			metrics_server_run(m);
		}
		for (size_t i = 0; i < METRICS_CONNECTIONS; i++) {
			if (open[i] && closed_by_server(fds[i])) {
				open[i] = false;
				left--;
			} else if (open[i]) {
				send(fds[i], "X: y\r\n", 6, MSG_NOSIGNAL);
			}
		}
	}
	assert_int_equal(left, 0);
	exchange(m, port, "GET /metrics HTTP/1.1\r\nHost: t\r\n\r\n", buf, sizeof(buf));
	assert_non_null(strstr(buf, "HTTP/1.1 200 OK\r\n"));
	for (size_t i = 0; i < METRICS_CONNECTIONS; i++)
		close(fds[i]);
	metrics_server_free(m);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_accepted),	 cmocka_unit_test(test_default_loopback),
		cmocka_unit_test(test_refused),		 cmocka_unit_test(test_longest_fits),
		cmocka_unit_test(test_serving),		 cmocka_unit_test(test_connection_limit),
		cmocka_unit_test(test_trickle_deadline),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
