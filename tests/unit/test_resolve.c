// SPDX-License-Identifier: BSD-2-Clause
/* `xffwatch resolve` with a PROXY protocol preamble before the head on standard input. */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "json_at.h"
#include <jansson.h>

#include "cmd/cli.h"
#include "cmd/cmd_resolve.h"
#include "cmd/settings.h"
#include "pipeline/proxy_preamble.h"

static struct options opts;
static struct command_args rargs;
/* What the last resolve() wrote to standard output and standard error. */
static char out[1 << 17], err[4096];

/* Reads what @f holds into @buf (@cap bytes, NUL-terminated). */
static void slurp(FILE *f, char *buf, size_t cap)
{
	size_t n;

	rewind(f);
	n = fread(buf, 1, cap - 1, f);
	buf[n] = '\0';
	fclose(f);
}

/*
 * Runs `xffwatch resolve --peer 127.0.0.1` on @input (@len bytes), written
 * into a pipe in two pieces @split bytes apart (0: at once) by a child, as a
 * slow sender would. Returns its exit status.
 */
static int resolve(const void *input, size_t len, size_t split)
{
	char *argv[] = { "xffwatch", "--no-config", "--peer", "127.0.0.1", NULL };
	int fds[2], saved[3], status;
	FILE *o = tmpfile(), *e = tmpfile();
	pid_t child;

	assert_non_null(o);
	assert_non_null(e);
	assert_int_equal(cli_parse(CMD_RESOLVE, 4, argv, &opts, &rargs), CLI_RUN);
	assert_int_equal(pipe(fds), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		close(fds[0]);
		if (split && split < len) {
			if (write(fds[1], input, split) != (ssize_t)split)
				_exit(1);
			usleep(50 * 1000);
			input = (const char *)input + split;
			len -= split;
		}
		_exit(write(fds[1], input, len) == (ssize_t)len ? 0 : 1);
	}
	close(fds[1]);
	fflush(stdout);
	fflush(stderr);
	saved[0] = dup(STDIN_FILENO);
	saved[1] = dup(STDOUT_FILENO);
	saved[2] = dup(STDERR_FILENO);
	dup2(fds[0], STDIN_FILENO);
	dup2(fileno(o), STDOUT_FILENO);
	dup2(fileno(e), STDERR_FILENO);
	status = resolve_run(&opts, &rargs);
	fflush(stdout);
	fflush(stderr);
	for (int i = 0; i < 3; i++) {
		dup2(saved[i], i);
		close(saved[i]);
	}
	close(fds[0]);
	assert_int_equal(waitpid(child, NULL, 0), child);
	slurp(o, out, sizeof(out));
	slurp(e, err, sizeof(err));
	return status;
}

/* The event resolve printed, parsed; the run must have succeeded. */
static json_t *event_of(const void *input, size_t len, size_t split)
{
	json_error_t jerr;
	json_t *doc;

	if (resolve(input, len, split) != 0)
		fail_msg("resolve failed: %s", err);
	doc = json_loads(out, 0, &jerr);
	if (!doc)
		fail_msg("invalid event (%s): %s", jerr.text, out);
	return doc;
}

/* One error line, naming @what, exit status 2 and no event. */
static void expect_error(const void *input, size_t len, const char *what)
{
	assert_int_equal(resolve(input, len, 0), 2);
	assert_string_equal(out, "");
	if (!strstr(err, what))
		fail_msg("error \"%s\" does not say \"%s\"", err, what);
	assert_ptr_equal(strchr(err, '\n'), err + strlen(err) - 1);
}

static const char head[] = "GET /x HTTP/1.1\r\nHost: shop.example\r\n\r\n";

/* A head alone: as before, and a connection known to have begun without a preamble. */
static void test_no_preamble(void **state)
{
	json_t *doc;

	(void)state;
	doc = event_of(head, strlen(head), 0);
	assert_string_equal(str_at(doc, "url.path"), "/x");
	assert_null(at(doc, "xffwatch.proxy_protocol"));
	json_decref(doc);
}

static void test_v1(void **state)
{
	static const char in[] = "PROXY TCP4 203.0.113.7 198.51.100.1 51000 443\r\n"
				 "GET /x HTTP/1.1\r\nHost: shop.example\r\n\r\n";
	json_t *doc;

	(void)state;
	/* At once, and cut after "PROXY " and inside the line. */
	for (size_t split = 0; split < 20; split += 6) {
		doc = event_of(in, strlen(in), split);
		assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.state"), "ok");
		assert_int_equal(json_integer_value(at(doc, "xffwatch.proxy_protocol.version")), 1);
		assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.command"), "PROXY");
		assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.source.ip"),
				    "203.0.113.7");
		assert_string_equal(str_at(doc, "url.path"), "/x");
		json_decref(doc);
	}
}

/* v2 over TCP/IPv4 with an ALPN TLV; its bytes hold blank lines of their own. */
static size_t v2_preamble(uint8_t *b, uint8_t command)
{
	static const uint8_t p[] = {
		0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51,
		0x55, 0x49, 0x54, 0x0a, /* signature */
		0x20, 0x11, 0x00, 0x11, /* v2, command (below), TCP over IPv4, 17 bytes follow */
		203,  0,    113,  7,	198,  51,   100,  1, /* source, destination */
		0x0a, 0x0a, 0x01, 0xbb,			     /* ports 2570 ("\n\n") and 443 */
		0x01, 0x00, 0x02, 'h',	'2',		     /* ALPN "h2" */
	};

	memcpy(b, p, sizeof(p));
	b[12] |= command;
	return sizeof(p);
}

static void test_v2(void **state)
{
	uint8_t in[256];
	size_t n = v2_preamble(in, 1);
	json_t *doc;

	(void)state;
	memcpy(in + n, head, strlen(head));
	n += strlen(head);
	/* At once; after the signature's CRLF CRLF; after the whole signature. */
	for (size_t split = 0; split <= 12; split += split ? 8 : 4) {
		doc = event_of(in, n, split);
		assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.state"), "ok");
		assert_int_equal(json_integer_value(at(doc, "xffwatch.proxy_protocol.version")), 2);
		assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.source.ip"),
				    "203.0.113.7");
		assert_int_equal(json_integer_value(at(doc, "xffwatch.proxy_protocol.source.port")),
				 2570);
		assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.alpn"), "h2");
		assert_string_equal(str_at(doc, "url.path"), "/x");
		json_decref(doc);
	}
	/* LOCAL: a health check's preamble, its addresses not the client's. */
	n = v2_preamble(in, 0);
	memcpy(in + n, head, strlen(head));
	doc = event_of(in, n + strlen(head), 0);
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.command"), "LOCAL");
	assert_null(at(doc, "xffwatch.proxy_protocol.source"));
	json_decref(doc);
}

/* A preamble that breaks the spec but whose end is known: the event says malformed. */
static void test_malformed(void **state)
{
	static const char in[] = "PROXY TCP4 203.0.113.7 198.51.100.1 051000 443\r\n"
				 "GET /x HTTP/1.1\r\n\r\n";
	json_t *doc;

	(void)state;
	doc = event_of(in, strlen(in), 0);
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.state"), "malformed");
	assert_true(strlen(str_at(doc, "xffwatch.proxy_protocol.error")) > 0);
	assert_string_equal(str_at(doc, "url.path"), "/x");
	json_decref(doc);
}

/* The v1 line at its longest (107 bytes with CRLF), and one past: no end found. */
static void test_v1_bound(void **state)
{
	static char in[XFFW_PP_KEEP + 256];
	size_t n;
	json_t *doc;

	(void)state;
	n = (size_t)sprintf(in, "PROXY UNKNOWN ");
	memset(in + n, 'x', XFFW_PP_V1_MAX - 2 - n);
	n = XFFW_PP_V1_MAX - 2;
	n += (size_t)sprintf(in + n, "\r\n%s", head);
	doc = event_of(in, n, 0);
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.command"), "UNKNOWN");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.state"), "ok");
	json_decref(doc);

	/* One byte more: found as the kernel finds it, malformed, the head read after it. */
	n = (size_t)sprintf(in, "PROXY UNKNOWN ");
	memset(in + n, 'x', XFFW_PP_V1_MAX - 1 - n);
	n = XFFW_PP_V1_MAX - 1;
	n += (size_t)sprintf(in + n, "\r\n%s", head);
	doc = event_of(in, n, 0);
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.state"), "malformed");
	assert_string_equal(str_at(doc, "xffwatch.proxy_protocol.error"),
			    "v1: longer than 107 bytes");
	json_decref(doc);

	/* No CR LF within XFFW_PP_KEEP bytes: the end cannot be found. */
	n = (size_t)sprintf(in, "PROXY UNKNOWN ");
	memset(in + n, 'x', XFFW_PP_KEEP + 1 - n);
	n = XFFW_PP_KEEP + 1;
	n += (size_t)sprintf(in + n, "\r\n%s", head);
	expect_error(in, n, "no CRLF within 2048 bytes");
}

/* Inputs whose preamble never ends: one line each, status 2. */
static void test_endless(void **state)
{
	static const char v1[] = "PROXY TCP4 203.0.113.7 198.51.100.1";
	uint8_t in[256];
	size_t n = v2_preamble(in, 1);

	(void)state;
	expect_error(v1, strlen(v1), "inside the PROXY protocol v1 line");
	/* The v2 length says 17 bytes: one short. */
	expect_error(in, n - 1, "33 bytes by its length field; the input ends after 32");
	expect_error(in, 14, "inside the PROXY protocol v2 header (14 of 16 bytes)");
	/* A preamble, and no head after it. */
	expect_error(in, n, "(after the PROXY protocol preamble)");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_preamble), cmocka_unit_test(test_v1),
		cmocka_unit_test(test_v2),	    cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_v1_bound),    cmocka_unit_test(test_endless),
	};

	return cmocka_run_group_tests_name("resolve", tests, NULL, NULL);
}
