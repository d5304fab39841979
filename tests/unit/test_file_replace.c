// SPDX-License-Identifier: BSD-2-Clause
/*
 * file_replace: only a regular file (or nothing) is replaced, never a device,
 * FIFO, directory, socket or symbolic link; the new file is ours, made
 * exclusively beside the target, whatever a FILE.tmp another user left.
 */
#include <dirent.h>
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <unistd.h>
#include <cmocka.h>

#include "util/file_replace.h"

static char dir[] = "/tmp/xffw-replace.XXXXXX";

static const char *at(const char *name)
{
	static char p[4][256];
	static int k;

	k = (k + 1) % 4;
	snprintf(p[k], sizeof(p[k]), "%s/%s", dir, name);
	return p[k];
}

/* Files in dir: how many. */
static int entries(void)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	int n = 0;

	while ((e = readdir(d)))
		n += e->d_name[0] != '.';
	closedir(d);
	return n;
}

/* Removes what a test left in dir (a device node made there included). */
static void empty_dir(void)
{
	char cmd[300];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'/*", dir);
	assert_int_equal(system(cmd), 0);
}

static int setup(void **state)
{
	(void)state;
	return mkdtemp(dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[300];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd);
}

static int write_page(const char *path, mode_t mode, const char *text)
{
	struct replace w;
	int rc = replace_open(&w, path, mode);

	if (rc)
		return rc;
	fputs(text, w.f);
	return replace_commit(&w);
}

static void test_regular_or_nothing(void **state)
{
	struct stat st;
	char buf[16] = "";
	FILE *f;

	(void)state;
	assert_int_equal(replace_check(at("new.html")), 0);
	assert_int_equal(write_page(at("new.html"), 0644, "one"), 0);
	assert_int_equal(write_page(at("new.html"), 0600, "two"), 0);
	assert_int_equal(lstat(at("new.html"), &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0600);
	f = fopen(at("new.html"), "r");
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "two");
	assert_int_equal(entries(), 1);
	unlink(at("new.html"));
}

/* Each kind of file that is not regular is refused, before and right before the rename. */
static void test_not_regular_refused(void **state)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int s = socket(AF_UNIX, SOCK_STREAM, 0);
	struct replace w;
	struct stat st;

	(void)state;
	assert_int_equal(mkfifo(at("fifo"), 0600), 0);
	assert_int_equal(replace_check(at("fifo")), -EINVAL);
	assert_int_equal(mkdir(at("dir"), 0700), 0);
	assert_int_equal(replace_check(at("dir")), -EISDIR);
	assert_int_equal(symlink("new.html", at("link")), 0);
	assert_int_equal(replace_check(at("link")), -ELOOP);
	assert_int_equal(symlink("nowhere", at("dangling")), 0);
	assert_int_equal(replace_check(at("dangling")), -ELOOP);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", at("sock"));
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(s);
	assert_int_equal(replace_check(at("sock")), -EINVAL);
	/* A device node of our own (the null device's numbers), as root only. */
	if (!mknod(at("null"), S_IFCHR | 0666, makedev(1, 3)))
		assert_int_equal(replace_check(at("null")), -EINVAL);
	else
		print_message("not root: no device node checked\n");

	/* A FIFO that appears at the name while the page is written is not replaced either. */
	assert_int_equal(replace_open(&w, at("late"), 0644), 0);
	fputs("page", w.f);
	assert_int_equal(mkfifo(at("late"), 0600), 0);
	assert_int_equal(replace_commit(&w), -EINVAL);
	assert_int_equal(lstat(at("late"), &st), 0);
	assert_true(S_ISFIFO(st.st_mode));
	if (!lstat(at("null"), &st)) {
		assert_true(S_ISCHR(st.st_mode));
		assert_int_equal(st.st_rdev, makedev(1, 3));
	}
	/* No new file left behind: fifo dir link dangling sock late (and null). */
	assert_int_equal(entries(), lstat(at("null"), &st) ? 6 : 7);
	empty_dir();
}

/*
 * A FILE.tmp made by another user in a shared directory (H4): the page is a
 * new file of ours, and that FILE.tmp stays as it was.
 */
static void test_others_tmp_not_taken(void **state)
{
	struct stat st;
	FILE *f;

	(void)state;
	f = fopen(at("page.html.tmp"), "w");
	fputs("theirs", f);
	fclose(f);
	if (geteuid() == 0)
		assert_int_equal(chown(at("page.html.tmp"), 65534, 65534), 0);
	assert_int_equal(write_page(at("page.html"), 0644, "ours"), 0);
	assert_int_equal(lstat(at("page.html"), &st), 0);
	assert_int_equal(st.st_uid, geteuid());
	assert_int_equal(st.st_nlink, 1);
	assert_int_equal(lstat(at("page.html.tmp"), &st), 0);
	assert_int_equal(st.st_size, 6);
	assert_int_equal(st.st_uid, geteuid() == 0 ? 65534 : geteuid());
	assert_int_equal(entries(), 2);
}

/* A failed write leaves nothing behind. */
static void test_abort_removes(void **state)
{
	struct replace w;

	(void)state;
	assert_int_equal(replace_open(&w, at("gone.html"), 0644), 0);
	fputs("half", w.f);
	replace_abort(&w);
	assert_int_equal(access(at("gone.html"), F_OK), -1);
	assert_int_equal(entries(), 2);
	assert_int_equal(replace_open(&w, at("missing/x.html"), 0644), -ENOENT);
}

/*
 * The probe (review B2 L4): a missing directory, an unwritable one, and a
 * name that fits NAME_MAX while the new file's (".XXXXXX" more) does not,
 * each fail before any work; a good one leaves nothing behind.
 */
static void test_probe(void **state)
{
	char name[sizeof(dir) + 300];
	size_t n;

	(void)state;
	empty_dir();
	assert_int_equal(replace_probe(at("page.html")), 0);
	assert_int_equal(entries(), 0);
	assert_int_equal(replace_probe(at("missing/page.html")), -ENOENT);
	n = (size_t)snprintf(name, sizeof(name), "%s/", dir);
	memset(name + n, 'a', 255 - 5);
	memcpy(name + n + 250, ".html", 6);
	assert_int_equal(replace_check(name), 0);
	assert_int_equal(replace_probe(name), -ENAMETOOLONG);
	if (geteuid()) { /* root writes anywhere */
		assert_int_equal(mkdir(at("ro"), 0500), 0);
		assert_int_equal(replace_probe(at("ro/page.html")), -EACCES);
		rmdir(at("ro"));
	}
	assert_int_equal(entries(), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_regular_or_nothing),
		cmocka_unit_test(test_not_regular_refused),
		cmocka_unit_test(test_others_tmp_not_taken),
		cmocka_unit_test(test_abort_removes),
		cmocka_unit_test(test_probe),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
