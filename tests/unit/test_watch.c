// SPDX-License-Identifier: BSD-2-Clause
/* What to attach to: names, globs, bridges and their ports; who is behind a port. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "kernel/iface_watch.h"

static char names[2][IF_NAMESIZE];
static struct watch_patterns patterns = { names, 0 };

static void ifaces(const char *a, const char *b)
{
	patterns.n = 0;
	strcpy(names[patterns.n++], a);
	if (b)
		strcpy(names[patterns.n++], b);
}

static const struct watch_link tab[] = {
	{ .info = { .ifindex = 1, .name = "lo", .loopback = true, .peer_nsid = -1 } },
	{ .info = { .ifindex = 2, .name = "eth0", .peer_nsid = -1 } },
	{ .info = { .ifindex = 3, .name = "br0", .kind = "bridge", .peer_nsid = -1 } },
	{ .info = { .ifindex = 4, .name = "vapp1", .kind = "veth", .master = 3, .peer_nsid = 0 } },
	{ .info = { .ifindex = 5, .name = "vapp2", .kind = "veth", .master = 3, .peer_nsid = 1 } },
	{ .info = { .ifindex = 6, .name = "bond0", .kind = "bond", .peer_nsid = -1 } },
	{ .info = { .ifindex = 7, .name = "eth1", .kind = "", .master = 6, .peer_nsid = -1 } },
};

#define NTAB (sizeof(tab) / sizeof(tab[0]))

static unsigned int hooks(size_t i)
{
	return watch_hooks_for(&patterns, tab, NTAB, &tab[i].info);
}

static void test_matches(void **state)
{
	(void)state;
	assert_true(watch_matches("eth0", "eth0"));
	assert_false(watch_matches("eth0", "eth01"));
	assert_true(watch_matches("veth*", "veth1a2b"));
	assert_false(watch_matches("veth*", "eth0"));
	assert_true(watch_matches("vapp[12]", "vapp2"));
	assert_false(watch_matches("vapp?", "vapp10"));
}

static void test_hooks(void **state)
{
	(void)state;
	/* A bridge: its own ingress, its ports' egress; nothing else. */
	ifaces("br0", NULL);
	assert_int_equal(hooks(2), HOOKS_INGRESS);
	assert_int_equal(hooks(3), HOOKS_EGRESS);
	assert_int_equal(hooks(4), HOOKS_EGRESS);
	assert_int_equal(hooks(0), 0);
	assert_int_equal(hooks(1), 0);
	/* Loopback: egress (sockets still attached); another device: both; a bond is no bridge. */
	ifaces("lo", "eth0");
	assert_int_equal(hooks(0), HOOKS_EGRESS);
	assert_int_equal(hooks(1), HOOKS_BOTH);
	ifaces("bond0", NULL);
	assert_int_equal(hooks(5), HOOKS_BOTH);
	assert_int_equal(hooks(6), 0);
	/* A glob over ports: both ways on each; with their bridge too, the same. */
	ifaces("vapp*", NULL);
	assert_int_equal(hooks(3), HOOKS_BOTH);
	assert_int_equal(hooks(2), 0);
	ifaces("vapp*", "br0");
	assert_int_equal(hooks(3), HOOKS_BOTH);
	assert_int_equal(hooks(2), HOOKS_INGRESS);
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void test_docker_state(void **state)
{
	char dir[] = "/tmp/xffwatch-docker-XXXXXX", path[256];
	struct link_meta m = { 0 };

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/0123abcd", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/0123abcd/config.v2.json", dir);
	write_file(path, "{\"ID\":\"0123abcd\",\"Name\":\"/shop-web-1\",\"NetworkSettings\":"
			 "{\"SandboxKey\":\"/var/run/docker/netns/5f2a\"}}");
	snprintf(path, sizeof(path), "%s/ffff", dir);
	mkdir(path, 0700);
	snprintf(path, sizeof(path), "%s/ffff/config.v2.json", dir);
	write_file(path, "{ this is not json");

	assert_int_equal(peers_docker_container(dir, "/var/run/docker/netns/5f2a", &m), 0);
	assert_string_equal(m.container_id, "0123abcd");
	assert_string_equal(m.container_name, "shop-web-1");
	assert_string_equal(m.runtime, "docker");
	assert_int_not_equal(peers_docker_container(dir, "/var/run/docker/netns/none", &m), 0);
	assert_int_not_equal(peers_docker_container("/nonexistent", "/x", &m), 0);

	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches),
		cmocka_unit_test(test_hooks),
		cmocka_unit_test(test_docker_state),
	};

	return cmocka_run_group_tests_name("watch", tests, NULL, NULL);
}
