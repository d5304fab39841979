// SPDX-License-Identifier: BSD-2-Clause
/*
 * The trust stage's helpers for xffwatch doctor: hop_walk at its edges (its
 * agreement with trust_resolve is checked on every case of test_trust.c),
 * and the rotation window at its bounds.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "trust/hop_walk.h"
#include "trust/rotation_window.h"

/* --- hop_walk --- */

struct walk_case {
	const char *name;
	const char *peer;
	const char *hops[6]; /* leftmost first, NULL-terminated */
	const char *trusted; /* comma-separated CIDRs */
	const char *external;
	bool not_recursive;
	int hop_count;	     /* rule->hops */
	unsigned int header; /* 0: hop_walk (X-Forwarded-For) */
	struct hop_walk want;
};

#define LOOP "127.0.0.0/8,::1/128"
#define PRIV LOOP ",10.0.0.0/8,172.16.0.0/12,192.168.0.0/16,fc00::/7"

static size_t cidrs_of(const char *text, struct ip_cidr *out, size_t max)
{
	char list[256];
	size_t n = 0;

	snprintf(list, sizeof(list), "%s", text ? text : "");
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		assert_true(n < max);
		assert_int_equal(ip_cidr_parse(tok, strlen(tok), &out[n++], NULL), 0);
	}
	return n;
}

static void run_walk_case(const struct walk_case *c)
{
	struct ip_cidr trusted[8], external[4];
	struct trust_rule rule = { .trusted = trusted,
				   .external = external,
				   .recursive = !c->not_recursive,
				   .hops = c->hop_count };
	struct str hops[6];
	struct ip_addr peer;
	struct hop_walk out;
	size_t n = 0;

	rule.ntrusted = cidrs_of(c->trusted, trusted, 8);
	rule.nexternal = cidrs_of(c->external, external, 4);
	assert_int_equal(ip_parse(c->peer, strlen(c->peer), &peer), 0);
	for (; c->hops[n]; n++)
		hops[n] = (struct str){ c->hops[n], strlen(c->hops[n]) };
	memset(&out, 0xa5, sizeof(out));
	if (c->header)
		hop_walk_header(&rule, &peer, c->header, hops, n, &out);
	else
		hop_walk(&rule, &peer, hops, n, &out);
	if (out.client != c->want.client || out.trusted != c->want.trusted ||
	    out.invalid != c->want.invalid || out.not_public != c->want.not_public)
		fail_msg("%s: client %zu trusted %zu invalid %d not_public %d; expected %zu %zu %d "
			 "%d",
			 c->name, out.client, out.trusted, out.invalid, out.not_public,
			 c->want.client, c->want.trusted, c->want.invalid, c->want.not_public);
}

static void test_hop_walk_edges(void **state)
{
	static const struct walk_case cases[] = {
		{ .name = "no hops, trusted peer",
		  .peer = "127.0.0.1",
		  .trusted = LOOP,
		  .hop_count = -1,
		  .want = { .trusted = 0, .client = 0 } },
		{ .name = "no hops, untrusted peer",
		  .peer = "198.51.100.1",
		  .trusted = LOOP,
		  .hop_count = -1,
		  .want = { .trusted = 0, .client = 0 } },
		{ .name = "untrusted peer: its hops are not read",
		  .peer = "198.51.100.1",
		  .hops = { "203.0.113.7", "10.0.0.2" },
		  .trusted = PRIV,
		  .hop_count = -1,
		  .want = { .trusted = 0, .client = 2 } },
		{ .name = "one proxy hop",
		  .peer = "127.0.0.1",
		  .hops = { "203.0.113.7", "10.0.0.2" },
		  .trusted = PRIV,
		  .hop_count = -1,
		  .want = { .trusted = 1, .client = 0 } },
		{ .name = "all hops trusted: the leftmost is the client",
		  .peer = "127.0.0.1",
		  .hops = { "10.0.0.3", "10.0.0.2" },
		  .trusted = PRIV,
		  .hop_count = -1,
		  .want = { .trusted = 2, .client = 0 } },
		{ .name = "an invalid hop stops the walk at the hop right of it",
		  .peer = "127.0.0.1",
		  .hops = { "203.0.113.7", "garbage", "10.0.0.2" },
		  .trusted = PRIV,
		  .hop_count = -1,
		  .want = { .trusted = 1, .client = 2, .invalid = true } },
		{ .name = "an invalid rightmost hop: the peer",
		  .peer = "127.0.0.1",
		  .hops = { "203.0.113.7", "unknown" },
		  .trusted = LOOP,
		  .hop_count = -1,
		  .want = { .trusted = 0, .client = 2, .invalid = true } },
		{ .name = "not recursive: the rightmost hop",
		  .peer = "127.0.0.1",
		  .hops = { "203.0.113.7", "10.0.0.2" },
		  .trusted = PRIV,
		  .not_recursive = true,
		  .hop_count = -1,
		  .want = { .trusted = 0, .client = 1 } },
		{ .name = "hops=2 of 3, whatever the peer",
		  .peer = "198.51.100.1",
		  .hops = { "6.6.6.6", "203.0.113.7", "10.0.0.2" },
		  .trusted = "",
		  .hop_count = 2,
		  .want = { .trusted = 1, .client = 1 } },
		{ .name = "hops=3 of 3",
		  .peer = "127.0.0.1",
		  .hops = { "6.6.6.6", "203.0.113.7", "10.0.0.2" },
		  .trusted = "",
		  .hop_count = 3,
		  .want = { .trusted = 2, .client = 0 } },
		{ .name = "hops=4, more than the hops: the peer",
		  .peer = "127.0.0.1",
		  .hops = { "6.6.6.6", "203.0.113.7", "10.0.0.2" },
		  .trusted = "",
		  .hop_count = 4,
		  .want = { .trusted = 0, .client = 3 } },
		{ .name = "hops=0: the peer",
		  .peer = "127.0.0.1",
		  .hops = { "203.0.113.7" },
		  .trusted = "",
		  .hop_count = 0,
		  .want = { .trusted = 0, .client = 1 } },
		{ .name = "hops=1, no hops: the peer",
		  .peer = "127.0.0.1",
		  .trusted = "",
		  .hop_count = 1,
		  .want = { .trusted = 0, .client = 0 } },
		{ .name = "hops=2 on an invalid hop: the peer",
		  .peer = "127.0.0.1",
		  .hops = { "unknown", "10.0.0.2" },
		  .trusted = "",
		  .hop_count = 2,
		  .want = { .trusted = 0, .client = 2, .invalid = true } },
		{ .name = "external proxy passed, public hop left of it",
		  .peer = "127.0.0.1",
		  .hops = { "203.0.113.7", "198.51.100.5" },
		  .trusted = LOOP,
		  .external = "198.51.100.0/24",
		  .hop_count = -1,
		  .want = { .trusted = 1, .client = 0 } },
		{ .name = "external proxy presents a private hop",
		  .peer = "127.0.0.1",
		  .hops = { "203.0.113.7", "10.1.2.3", "198.51.100.5" },
		  .trusted = LOOP,
		  .external = "198.51.100.0/24",
		  .hop_count = -1,
		  .want = { .trusted = 1, .client = 2, .not_public = true } },
		{ .name = "the peer is an external proxy presenting a private hop",
		  .peer = "198.51.100.9",
		  .hops = { "10.1.2.3" },
		  .trusted = LOOP,
		  .external = "198.51.100.0/24",
		  .hop_count = -1,
		  .want = { .trusted = 0, .client = 1, .not_public = true } },
		{ .name = "IPv6 with a port, as nginx reads an entry",
		  .peer = "::1",
		  .hops = { "203.0.113.7", "[fd00::2]:8080" },
		  .trusted = PRIV,
		  .hop_count = -1,
		  .want = { .trusted = 1, .client = 0 } },
		{ .name = "Forwarded for= values",
		  .peer = "::1",
		  .hops = { "203.0.113.7", "[fd00::2]:8080" },
		  .trusted = PRIV,
		  .hop_count = -1,
		  .header = XFFW_F_FORWARDED,
		  .want = { .trusted = 1, .client = 0 } },
		{ .name = "Forwarded: an obfuscated node is not an address",
		  .peer = "::1",
		  .hops = { "203.0.113.7", "_hidden", "fd00::2" },
		  .trusted = PRIV,
		  .hop_count = -1,
		  .header = XFFW_F_FORWARDED,
		  .want = { .trusted = 1, .client = 2, .invalid = true } },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		run_walk_case(&cases[i]);
}

/* --- rotation_window --- */

#define WINDOW 1000

static void test_rotation_new_bounds(void **state)
{
	(void)state;
	errno = 0;
	assert_null(rotation_window_new(0, WINDOW));
	assert_int_equal(errno, EINVAL);
	errno = 0;
	assert_null(rotation_window_new((size_t)ROTATION_CLIENTS_MAX + 1, WINDOW));
	assert_int_equal(errno, EINVAL);
	rotation_window_free(NULL);
}

static void test_rotation_clients_bound(void **state)
{
	struct rotation_window *w = rotation_window_new(4, WINDOW);

	(void)state;
	assert_non_null(w);
	/* Exactly max_clients clients: all held, nobody evicted. */
	for (uint64_t c = 1; c <= 4; c++)
		assert_int_equal(rotation_window_note(w, c, 100, 10), 1);
	assert_int_equal(rotation_window_clients(w), 4);
	assert_int_equal(rotation_window_evicted(w), 0);
	/* Client 1 noted again: client 2 is now the least recently noted. */
	assert_int_equal(rotation_window_note(w, 1, 101, 11), 2);
	/* One more client evicts client 2, and is counted. */
	assert_int_equal(rotation_window_note(w, 5, 100, 12), 1);
	assert_int_equal(rotation_window_clients(w), 4);
	assert_int_equal(rotation_window_evicted(w), 1);
	/* Client 1 kept its values; client 2 starts over (evicting client 3). */
	assert_int_equal(rotation_window_note(w, 1, 102, 13), 3);
	assert_int_equal(rotation_window_note(w, 2, 101, 14), 1);
	assert_int_equal(rotation_window_evicted(w), 2);
	assert_int_equal(rotation_window_note(w, 4, 101, 15), 2);
	rotation_window_free(w);
}

static void test_rotation_one_client_table(void **state)
{
	struct rotation_window *w = rotation_window_new(1, WINDOW);

	(void)state;
	assert_non_null(w);
	assert_int_equal(rotation_window_note(w, 7, 1, 0), 1);
	assert_int_equal(rotation_window_note(w, 7, 2, 0), 2);
	assert_int_equal(rotation_window_note(w, 8, 1, 0), 1);
	assert_int_equal(rotation_window_note(w, 7, 3, 0), 1);
	assert_int_equal(rotation_window_evicted(w), 2);
	rotation_window_free(w);
}

static void test_rotation_distinct_cap(void **state)
{
	struct rotation_window *w = rotation_window_new(2, WINDOW);

	(void)state;
	assert_non_null(w);
	for (unsigned int v = 1; v <= ROTATION_DISTINCT_MAX; v++)
		assert_int_equal(rotation_window_note(w, 1, v, v), v);
	/* One more, and more still: capped. */
	assert_int_equal(rotation_window_note(w, 1, 1000, 40), ROTATION_DISTINCT_MAX);
	assert_int_equal(rotation_window_note(w, 1, 1001, 41), ROTATION_DISTINCT_MAX);
	/* The values seen longest ago made room: value 1 counts as new again. */
	assert_int_equal(rotation_window_note(w, 1, 1, 42), ROTATION_DISTINCT_MAX);
	/* Another client is not affected. */
	assert_int_equal(rotation_window_note(w, 2, 1, 42), 1);
	rotation_window_free(w);
}

static void test_rotation_repeats(void **state)
{
	struct rotation_window *w = rotation_window_new(2, WINDOW);

	(void)state;
	assert_non_null(w);
	for (uint64_t t = 0; t < 100; t++)
		assert_int_equal(rotation_window_note(w, 1, 42, t), 1);
	assert_int_equal(rotation_window_note(w, 1, 43, 100), 2);
	assert_int_equal(rotation_window_note(w, 1, 42, 101), 2);
	rotation_window_free(w);
}

static void test_rotation_window_edge(void **state)
{
	struct rotation_window *w = rotation_window_new(2, WINDOW);

	(void)state;
	assert_non_null(w);
	assert_int_equal(rotation_window_note(w, 1, 1, 5000), 1);
	/* Exactly window_ns later: value 1 still counts. */
	assert_int_equal(rotation_window_note(w, 1, 2, 5000 + WINDOW), 2);
	/* One past it: value 1 is gone, value 2 is not. */
	assert_int_equal(rotation_window_note(w, 1, 3, 5000 + WINDOW + 1), 2);
	/* A repeat refreshes: value 2 seen again, value 3 expires first. */
	assert_int_equal(rotation_window_note(w, 1, 2, 5000 + 2 * WINDOW + 1), 2);
	assert_int_equal(rotation_window_note(w, 1, 4, 5000 + 2 * WINDOW + 2), 2);
	/* Long after: only the value just noted. */
	assert_int_equal(rotation_window_note(w, 1, 5, UINT64_MAX), 1);
	rotation_window_free(w);
}

static void test_rotation_time_backwards(void **state)
{
	struct rotation_window *w = rotation_window_new(2, WINDOW);
	struct rotation_window *all = rotation_window_new(2, UINT64_MAX);

	(void)state;
	assert_non_null(w);
	assert_non_null(all);
	assert_int_equal(rotation_window_note(w, 1, 1, 10000), 1);
	/* Earlier than what was seen: value 1 is "in the future", so in the window. */
	assert_int_equal(rotation_window_note(w, 1, 2, 10), 2);
	/* Its last-seen time does not move back: 10000 + WINDOW still counts it. */
	assert_int_equal(rotation_window_note(w, 1, 1, 20), 2);
	assert_int_equal(rotation_window_note(w, 1, 3, 10000 + WINDOW), 2);
	/* From 0 to the largest time and back, with an unbounded window: nothing expires. */
	assert_int_equal(rotation_window_note(all, 1, 1, 0), 1);
	assert_int_equal(rotation_window_note(all, 1, 2, UINT64_MAX), 2);
	assert_int_equal(rotation_window_note(all, 1, 3, 0), 3);
	rotation_window_free(w);
	rotation_window_free(all);
}

/* Against a direct count over everything noted, times only going forward. */
static void test_rotation_against_model(void **state)
{
	enum { NOTES = 4000, CLIENTS = 2, VALUES = 64 };
	static struct {
		uint64_t client, value, ts;
	} notes[NOTES];
	struct rotation_window *w = rotation_window_new(CLIENTS, WINDOW);
	uint64_t seed = 12345, ts = 0;
	unsigned int capped = 0;

	(void)state;
	assert_non_null(w);
	for (size_t i = 0; i < NOTES; i++) {
		bool seen[VALUES] = { false };
		unsigned int want = 0;

		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		ts += (seed >> 60) * 2; /* 0..30 ns later: counts reach the cap */
		notes[i].client = (seed >> 20) % CLIENTS;
		notes[i].value = (seed >> 33) % VALUES;
		notes[i].ts = ts;
		for (size_t j = 0; j <= i; j++)
			if (notes[j].client == notes[i].client && ts - notes[j].ts <= WINDOW &&
			    !seen[notes[j].value]) {
				seen[notes[j].value] = true;
				want++;
			}
		if (want >= ROTATION_DISTINCT_MAX) {
			want = ROTATION_DISTINCT_MAX;
			capped++;
		}
		assert_int_equal(rotation_window_note(w, notes[i].client, notes[i].value, ts),
				 want);
	}
	assert_true(capped > 0 && capped < NOTES / 2);
	assert_int_equal(rotation_window_evicted(w), 0);
	rotation_window_free(w);
}

/* Many more clients than room, keys alike in their low bits: the table stays sound. */
static void test_rotation_churn(void **state)
{
	struct rotation_window *w = rotation_window_new(64, WINDOW);

	(void)state;
	assert_non_null(w);
	for (uint64_t i = 0; i < 10000; i++) {
		unsigned int got = rotation_window_note(w, (i % 1000) << 32, i, i);

		assert_true(got >= 1 && got <= ROTATION_DISTINCT_MAX);
	}
	assert_int_equal(rotation_window_clients(w), 64);
	assert_int_equal(rotation_window_evicted(w), 10000 - 64);
	rotation_window_free(w);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hop_walk_edges),
		cmocka_unit_test(test_rotation_new_bounds),
		cmocka_unit_test(test_rotation_clients_bound),
		cmocka_unit_test(test_rotation_one_client_table),
		cmocka_unit_test(test_rotation_distinct_cap),
		cmocka_unit_test(test_rotation_repeats),
		cmocka_unit_test(test_rotation_window_edge),
		cmocka_unit_test(test_rotation_time_backwards),
		cmocka_unit_test(test_rotation_against_model),
		cmocka_unit_test(test_rotation_churn),
	};

	return cmocka_run_group_tests_name("doctor-trust", tests, NULL, NULL);
}
