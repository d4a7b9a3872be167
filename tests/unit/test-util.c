/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* File helpers that must stay inside a tree someone else made: writes
 * beneath a root whose links point out of it, a removal deeper than the
 * open files allowed, and a removal that neither follows a link nor
 * enters a mount. The mount tests need root (they mount in a private
 * mount namespace of their own); without it they are skipped, or fail
 * when SYSCTR_TESTS_MUST_RUN=1, as the integration tests do. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "util.h"

static char *dir;

static char *path(const char *rel)
{
	static char buf[4][4096];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir, rel);
	return b;
}

static void put(const char *rel, const char *text)
{
	FILE *f = fopen(path(rel), "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static char *get(const char *rel)
{
	char *text = NULL;

	if (read_file(path(rel), &text, NULL, NULL) < 0)
		return NULL;
	return text;
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/sysctr-util-XXXXXX";

	(void)state;
	dir = xstrdup(mkdtemp(tmpl));
	return 0;
}

static int teardown(void **state)
{
	struct sysctr_error *e = NULL;

	(void)state;
	if (rm_rf(dir, &e) < 0)
		sysctr_error_free(e);
	free(dir);
	dir = NULL;
	return 0;
}

/* root/ is the tree, outside/ the host; root's links point out. */
static int open_root(void)
{
	int fd;

	assert_int_equal(mkdir(path("root"), 0755), 0);
	assert_int_equal(mkdir(path("outside"), 0755), 0);
	put("outside/hostname", "host\n");
	fd = open(path("root"), O_PATH | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	return fd;
}

static void test_write_beneath(void **state)
{
	cleanup_close int root = -1;
	struct sysctr_error *e = NULL;
	cleanup_free char *text = NULL, *host = NULL;

	(void)state;
	root = open_root();
	assert_int_equal(
	    mkdir_beneath(root, "etc", 0755, getuid(), getgid(), &e), 0);
	assert_int_equal(
	    mkdir_beneath(root, "etc", 0755, getuid(), getgid(), &e), 1);
	/* a link that was the file is replaced, not followed */
	assert_int_equal(
	    symlink(path("outside/hostname"), path("root/etc/hostname")), 0);
	assert_int_equal(write_file_beneath(root, "etc/hostname", "ct\n", 3,
					    0644, getuid(), getgid(), &e),
			 0);
	assert_null(e);
	text = get("root/etc/hostname");
	assert_string_equal(text, "ct\n");
	host = get("outside/hostname");
	assert_string_equal(host, "host\n");
}

static void test_links_stay_inside(void **state)
{
	cleanup_close int root = -1;
	cleanup_free char *text = NULL, *host = NULL;
	struct sysctr_error *e = NULL;
	cleanup_free char *up = NULL;

	(void)state;
	root = open_root();
	/* absolute: the tree's own /outside, which does not exist */
	assert_int_equal(symlink(path("outside"), path("root/etc")), 0);
	assert_int_equal(write_file_beneath(root, "etc/hostname", "ct\n", 3,
					    0644, getuid(), getgid(), &e),
			 -1);
	assert_non_null(e);
	assert_int_equal(e->sys_errno, ENOENT);
	sysctr_error_free(steal_ptr(&e));
	assert_int_equal(
	    mkdir_beneath(root, "etc", 0755, getuid(), getgid(), &e), -1);
	sysctr_error_free(steal_ptr(&e));

	/* relative, climbing: ".." stops at the tree's top */
	assert_int_equal(unlink(path("root/etc")), 0);
	up = xasprintf("../../../../../../../../../../../../../../..%s",
		       path("outside"));
	assert_int_equal(symlink(up, path("root/etc")), 0);
	assert_int_equal(write_file_beneath(root, "etc/hostname", "ct\n", 3,
					    0644, getuid(), getgid(), &e),
			 -1);
	sysctr_error_free(steal_ptr(&e));

	/* a link to the tree's top: the file lands there */
	assert_int_equal(unlink(path("root/etc")), 0);
	assert_int_equal(symlink("/", path("root/etc")), 0);
	assert_int_equal(write_file_beneath(root, "etc/hostname", "ct\n", 3,
					    0644, getuid(), getgid(), &e),
			 0);
	text = get("root/hostname");
	assert_string_equal(text, "ct\n");
	host = get("outside/hostname");
	assert_string_equal(host, "host\n");
	assert_int_equal(
	    open_beneath(root, "etc/../../outside/hostname", O_RDONLY, 0) < 0,
	    true);
}

/* Deeper than the open files allowed: rm_rf holds one directory at a
 * time, and follows none of the links. */
static void test_rm_rf_deep(void **state)
{
	struct rlimit old, low = { .rlim_cur = 16 };
	struct sysctr_error *e = NULL;
	cleanup_free char *victim = NULL;
	int fd;

	(void)state;
	assert_int_equal(mkdir(path("outside"), 0755), 0);
	put("outside/keep", "keep\n");
	assert_int_equal(mkdir(path("tree"), 0755), 0);
	fd = open(path("tree"), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	assert_true(fd >= 0);
	for (int i = 0; i < 3000; i++) {
		int sub;

		assert_int_equal(symlinkat(path("outside"), fd, "out"), 0);
		assert_int_equal(symlinkat("../../../../../..", fd, "up"), 0);
		if (i % 100 == 0) {
			int f = openat(fd, "file", O_WRONLY | O_CREAT, 0644);

			assert_true(f >= 0);
			close(f);
			assert_int_equal(mkdirat(fd, "sibling", 0755), 0);
		}
		assert_int_equal(mkdirat(fd, "d", 0755), 0);
		sub = openat(fd, "d", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		assert_true(sub >= 0);
		close(fd);
		fd = sub;
	}
	close(fd);

	assert_int_equal(getrlimit(RLIMIT_NOFILE, &old), 0);
	low.rlim_max = old.rlim_max;
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &low), 0);
	assert_int_equal(rm_rf(path("tree"), &e), 0);
	assert_int_equal(setrlimit(RLIMIT_NOFILE, &old), 0);
	assert_null(e);
	assert_false(path_exists(path("tree")));
	victim = get("outside/keep");
	assert_string_equal(victim, "keep\n");
	/* a missing path is success */
	assert_int_equal(rm_rf(path("tree"), &e), 0);
}

/* Both sides of a pipe fail: one error (the first side's), set once. */
static void test_run_pipe_fails_once(void **state)
{
	char *f[] = { (char *)"/bin/false", NULL };
	char *t[] = { (char *)"/bin/true", NULL };
	char *cat[] = { (char *)"/bin/cat", NULL };
	char *echo[] = { (char *)"/bin/echo", (char *)"hi", NULL };
	struct sysctr_error *e = NULL;
	char *out = NULL;

	(void)state;
	assert_int_equal(run_pipe(f, f, &out, &e), -1);
	assert_non_null(e);
	assert_non_null(strstr(e->msg, "/bin/false failed (exit status 1)"));
	assert_null(out);
	sysctr_error_free(e);
	e = NULL;
	assert_int_equal(run_pipe(t, f, &out, &e), -1);
	assert_non_null(e);
	sysctr_error_free(e);
	e = NULL;
	assert_int_equal(run_pipe(echo, cat, &out, &e), 0);
	assert_null(e);
	assert_string_equal(out, "hi\n");
	free(out);
}

/* The top is a link: the link goes, never what it points at. */
static void test_rm_rf_top_link(void **state)
{
	struct sysctr_error *e = NULL;
	cleanup_free char *keep = NULL;

	(void)state;
	assert_int_equal(mkdir(path("outside"), 0755), 0);
	put("outside/keep", "keep\n");
	assert_int_equal(symlink(path("outside"), path("link")), 0);
	assert_int_equal(rm_rf(path("link"), &e), 0);
	assert_null(e);
	assert_false(path_exists(path("link")));
	keep = get("outside/keep");
	assert_string_equal(keep, "keep\n");

	/* links inside, to a directory and to a file: only the links go */
	assert_int_equal(mkdir(path("tree"), 0755), 0);
	assert_int_equal(symlink(path("outside"), path("tree/dir")), 0);
	assert_int_equal(symlink(path("outside/keep"), path("tree/file")), 0);
	assert_int_equal(rm_rf(path("tree"), &e), 0);
	assert_false(path_exists(path("tree")));
	free(keep);
	keep = get("outside/keep");
	assert_string_equal(keep, "keep\n");
}

/* Mounting needs root; the tests mount in a mount namespace of their
 * own, so nothing they mount can outlive them or reach the host's
 * mounts. */
static void need_mount_ns(void)
{
	static int done; /* 1 in a private namespace, -1 failed */
	const char *must = getenv("SYSCTR_TESTS_MUST_RUN");

	if (done == 0) {
		done = -1;
		if (geteuid() == 0 && unshare(CLONE_NEWNS) == 0 &&
		    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) == 0)
			done = 1;
	}
	if (done == 1)
		return;
	if (must != NULL && strcmp(must, "1") == 0)
		fail_msg("cannot run: mounting needs root and a mount "
			 "namespace (SYSCTR_TESTS_MUST_RUN=1)");
	fprintf(stderr, "skipped: mounting needs root and a mount namespace\n");
	skip();
}

static bool mounted_below(const char *top)
{
	cleanup_fclose FILE *f = fopen("/proc/self/mountinfo", "re");
	cleanup_free char *line = NULL;
	size_t cap = 0, len = strlen(top);
	bool found = false;

	assert_non_null(f);
	while (getline(&line, &cap, f) > 0) {
		char mnt[4096];

		if (sscanf(line, "%*s %*s %*s %*s %4095s", mnt) == 1 &&
		    strncmp(mnt, top, len) == 0 &&
		    (mnt[len] == '\0' || mnt[len] == '/'))
			found = true;
	}
	return found;
}

/* A tmpfs and a bind mount of the host's files left in a tree: rm_rf
 * detaches both and removes nothing of what they showed. */
static void test_rm_rf_detaches_mounts(void **state)
{
	struct sysctr_error *e = NULL;
	cleanup_free char *keep = NULL;

	(void)state;
	need_mount_ns();
	assert_int_equal(mkdir(path("outside"), 0755), 0);
	put("outside/keep", "keep\n");
	assert_int_equal(mkdir(path("tree"), 0755), 0);
	assert_int_equal(mkdir(path("tree/tmp"), 0755), 0);
	assert_int_equal(mkdir(path("tree/host"), 0755), 0);
	assert_int_equal(mount("tmpfs", path("tree/tmp"), "tmpfs", 0, NULL), 0);
	put("tree/tmp/inside", "x\n");
	assert_int_equal(
	    mount(path("outside"), path("tree/host"), NULL, MS_BIND, NULL), 0);
	assert_true(path_exists(path("tree/host/keep")));

	assert_int_equal(rm_rf(path("tree"), &e), 0);
	assert_null(e);
	assert_false(path_exists(path("tree")));
	assert_false(mounted_below(path("tree")));
	keep = get("outside/keep");
	assert_string_equal(keep, "keep\n");
}

/* A mount rm_rf cannot know of (it was given a path through a link, so
 * the mount table names another one): the walk stops at the mount and
 * fails instead of removing what the mount shows. */
static void check_stops_at(const char *fstype)
{
	struct sysctr_error *e = NULL;
	cleanup_free char *keep = NULL;

	assert_int_equal(mkdir(path("outside"), 0755), 0);
	put("outside/keep", "keep\n");
	assert_int_equal(mkdir(path("tree"), 0755), 0);
	assert_int_equal(mkdir(path("tree/m"), 0755), 0);
	put("tree/file", "x\n");
	if (fstype != NULL) {
		assert_int_equal(mount(fstype, path("tree/m"), fstype, 0, NULL),
				 0);
		put("tree/m/keep", "keep\n");
	} else {
		assert_int_equal(
		    mount(path("outside"), path("tree/m"), NULL, MS_BIND, NULL),
		    0);
	}
	assert_int_equal(symlink(dir, path("alias")), 0);

	assert_int_equal(rm_rf(path("alias/tree"), &e), -1);
	assert_non_null(e);
	if (strstr(e->msg, "a mount point") == NULL)
		fail_msg("unexpected error: %s", e->msg);
	sysctr_error_free(steal_ptr(&e));
	keep = get("tree/m/keep");
	assert_non_null(keep);
	assert_string_equal(keep, "keep\n");
	free(keep);
	keep = get("outside/keep");
	assert_string_equal(keep, "keep\n");

	/* through its real path it knows the mount, and finishes */
	assert_int_equal(rm_rf(path("tree"), &e), 0);
	assert_false(path_exists(path("tree")));
	free(keep);
	keep = get("outside/keep");
	assert_string_equal(keep, "keep\n");
}

/* another filesystem: a different device */
static void test_rm_rf_stops_at_other_fs(void **state)
{
	(void)state;
	need_mount_ns();
	check_stops_at("tmpfs");
}

/* a bind mount of the same filesystem: the same device, still a mount */
static void test_rm_rf_stops_at_bind_mount(void **state)
{
	(void)state;
	need_mount_ns();
	check_stops_at(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_write_beneath, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_links_stay_inside, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rm_rf_deep, setup,
						teardown),
		cmocka_unit_test(test_run_pipe_fails_once),
		cmocka_unit_test_setup_teardown(test_rm_rf_top_link, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_rm_rf_detaches_mounts,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm_rf_stops_at_other_fs,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_rm_rf_stops_at_bind_mount,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
