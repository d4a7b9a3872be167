/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The per-container lock: exclusive, a bounded wait that ends in busy,
 * the holder's pid in the file, and gone with the holder's fd or the
 * holder itself. No root needed. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "context.h"
#include "error.h"
#include "lock.h"
#include "util.h"

static char *dir;
static char *lockfile;

static int setup(void **state)
{
	char tmpl[] = "/tmp/sysctr-lock-XXXXXX";

	(void)state;
	dir = xstrdup(mkdtemp(tmpl));
	lockfile = xasprintf("%s/web1.lock", dir);
	return 0;
}

static int teardown(void **state)
{
	struct sysctr_error *e = NULL;

	(void)state;
	if (rm_rf(dir, &e) < 0)
		sysctr_error_free(e);
	free(lockfile);
	free(dir);
	dir = lockfile = NULL;
	return 0;
}

/* Whether another open file description of the lock file can take it:
 * what another sysctr process would see. */
static bool free_for_others(void)
{
	cleanup_close int fd = open(lockfile, O_RDWR | O_CLOEXEC);

	assert_true(fd >= 0);
	if (flock(fd, LOCK_EX | LOCK_NB) == 0)
		return true;
	assert_int_equal(errno, EWOULDBLOCK);
	return false;
}

static void test_exclusive(void **state)
{
	struct sysctr_error *e = NULL;
	int fd, again;

	(void)state;
	fd = sysctr_lock_path(lockfile, 0, &e);
	assert_true(fd >= 0);
	assert_null(e);
	assert_false(free_for_others());

	/* a second taker in the same process is refused too: the lock
	 * belongs to the open file, not to the process */
	again = sysctr_lock_path(lockfile, 0, &e);
	assert_int_equal(again, -1);
	assert_non_null(e);
	assert_int_equal(e->kind, SYSCTR_E_BUSY);
	sysctr_error_free(steal_ptr(&e));

	sysctr_unlock(fd);
	assert_true(free_for_others());
}

/* The key names a file in the context's locks directory. */
static void test_key_in_locks_dir(void **state)
{
	struct sysctr s = { .locks_dir = NULL };
	struct sysctr_error *e = NULL;
	cleanup_lock int fd = -1;

	(void)state;
	s.locks_dir = dir;
	fd = sysctr_lock(&s, "web1", 0, &e);
	assert_true(fd >= 0);
	assert_true(path_exists(lockfile));
	assert_false(free_for_others());
}

static void test_wait_then_busy(void **state)
{
	struct sysctr_error *e = NULL;
	cleanup_lock int fd = -1;
	double t0, waited;

	(void)state;
	fd = sysctr_lock_path(lockfile, 0, &e);
	assert_true(fd >= 0);
	t0 = now_monotonic();
	assert_int_equal(sysctr_lock_path(lockfile, 1, &e), -1);
	waited = now_monotonic() - t0;
	assert_non_null(e);
	assert_int_equal(e->kind, SYSCTR_E_BUSY);
	/* the holder is this test program, no sysctr: not named */
	assert_string_equal(e->msg, "busy: another sysctr holds its lock");
	sysctr_error_free(steal_ptr(&e));
	assert_true(waited >= 1.0);
	assert_true(waited < 3.0);
}

/* A waiter gets the lock as soon as its holder lets go, inside the wait. */
static void test_wait_then_taken(void **state)
{
	struct sysctr_error *e = NULL;
	cleanup_lock int fd = -1;
	int ready[2], status;
	char c;
	pid_t child;
	double t0;

	(void)state;
	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int held = sysctr_lock_path(lockfile, 0, NULL);

		if (held < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		usleep(300 * 1000);
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_false(free_for_others());
	t0 = now_monotonic();
	fd = sysctr_lock_path(lockfile, 10, &e);
	assert_true(fd >= 0);
	assert_null(e);
	/* the kernel dropped it with the child, long before the deadline */
	assert_true(now_monotonic() - t0 < 5.0);
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static long pid_in_file(void)
{
	cleanup_free char *text = NULL;
	struct sysctr_error *e = NULL;

	assert_int_equal(read_file(lockfile, &text, NULL, &e), 0);
	return strtol(text, NULL, 10);
}

/* The holder writes its pid, over a longer one of an earlier holder, and
 * a busy lock names it while that holder is a live sysctr. */
static void test_holder_pid(void **state)
{
	struct sysctr_error *e = NULL;
	cleanup_free char *want = NULL;
	int fd, ready[2], status;
	char c;
	pid_t child;

	(void)state;
	assert_int_equal(
	    write_file_atomic(lockfile, "2147483647999999\n", 17, 0600, &e), 0);
	fd = sysctr_lock_path(lockfile, 0, &e);
	assert_true(fd >= 0);
	assert_int_equal(pid_in_file(), (long)getpid());
	sysctr_unlock(fd);

	assert_int_equal(pipe(ready), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int held;

		/* what /proc/PID/comm says of a real sysctr */
		prctl(PR_SET_NAME, "sysctr", 0, 0, 0);
		held = sysctr_lock_path(lockfile, 0, NULL);
		if (held < 0 || write(ready[1], "x", 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &c, 1), 1);
	close(ready[0]);
	assert_int_equal(pid_in_file(), (long)child);
	assert_int_equal(sysctr_lock_path(lockfile, 0, &e), -1);
	assert_int_equal(e->kind, SYSCTR_E_BUSY);
	want = xasprintf("busy: sysctr (pid %d) holds its lock since more "
			 "than 0 s",
			 (int)child);
	assert_string_equal(e->msg, want);
	sysctr_error_free(steal_ptr(&e));
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, &status, 0), child);

	/* a dead holder leaves its pid behind but no lock */
	assert_int_equal(pid_in_file(), (long)child);
	fd = sysctr_lock_path(lockfile, 0, &e);
	assert_true(fd >= 0);
	sysctr_unlock(fd);
}

/* Closing the fd is the release; nothing else is needed. */
static void test_released_on_close(void **state)
{
	struct sysctr_error *e = NULL;
	int fd, fd2;

	(void)state;
	fd = sysctr_lock_path(lockfile, 0, &e);
	assert_true(fd >= 0);
	close(fd);
	assert_true(free_for_others());
	fd2 = sysctr_lock_path(lockfile, 0, &e);
	assert_true(fd2 >= 0);
	{
		cleanup_lock int scoped = fd2;

		assert_false(free_for_others());
	}
	assert_true(free_for_others());
}

/* A link planted where the lock file goes is not followed. */
static void test_no_symlink(void **state)
{
	struct sysctr_error *e = NULL;
	cleanup_free char *target = xasprintf("%s/elsewhere", dir);

	(void)state;
	assert_int_equal(symlink(target, lockfile), 0);
	assert_int_equal(sysctr_lock_path(lockfile, 0, &e), -1);
	assert_non_null(e);
	assert_int_equal(e->kind, SYSCTR_E_FAILED);
	assert_int_equal(e->sys_errno, ELOOP);
	sysctr_error_free(steal_ptr(&e));
	assert_false(path_exists(target));
}

/* doctor --fix removes a lock file only while nobody holds it. */
static void test_free_and_remove(void **state)
{
	struct sysctr s = { .locks_dir = NULL };
	struct sysctr_error *e = NULL;
	cleanup_strv char **keys = NULL;
	int fd;

	(void)state;
	s.locks_dir = dir;
	fd = sysctr_lock(&s, "web1", 0, &e);
	assert_true(fd >= 0);
	keys = sysctr_lock_keys(&s);
	assert_non_null(keys[0]);
	assert_string_equal(keys[0], "web1");
	assert_null(keys[1]);
	assert_int_equal(sysctr_lock_free(&s, "web1", true, &e), 0);
	assert_true(path_exists(lockfile));
	sysctr_unlock(fd);
	assert_int_equal(sysctr_lock_free(&s, "web1", false, &e), 1);
	assert_true(path_exists(lockfile));
	assert_int_equal(sysctr_lock_free(&s, "web1", true, &e), 1);
	assert_false(path_exists(lockfile));
	assert_int_equal(sysctr_lock_free(&s, "web1", true, &e), 1);
	assert_null(e);
}

/* A waiter that opened the file before its holder removed it (as doctor
 * --fix does, holding the lock) does not keep the lock of the unlinked
 * file: it takes the new one, which a later taker contends for. */
static void test_removed_while_waited(void **state)
{
	struct sysctr_error *e = NULL;
	int fd, res[2], status;
	struct stat st;
	ino_t got = 0;
	pid_t child;

	(void)state;
	fd = sysctr_lock_path(lockfile, 0, &e);
	assert_true(fd >= 0);
	assert_int_equal(pipe(res), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int held;
		struct stat mine;

		/* the parent's lock is its open file, which the child
		 * shares until it lets go of it */
		close(fd);
		held = sysctr_lock_path(lockfile, 10, NULL);
		if (held < 0 || fstat(held, &mine) < 0 ||
		    write(res[1], &mine.st_ino, sizeof(mine.st_ino)) !=
			sizeof(mine.st_ino))
			_exit(1);
		usleep(300 * 1000);
		_exit(0);
	}
	close(res[1]);
	/* the child is waiting on the old file by now */
	usleep(200 * 1000);
	assert_int_equal(unlink(lockfile), 0);
	sysctr_unlock(fd);
	assert_int_equal(read(res[0], &got, sizeof(got)), sizeof(got));
	close(res[0]);
	assert_int_equal(stat(lockfile, &st), 0);
	assert_true(got == st.st_ino);
	assert_false(free_for_others());
	assert_int_equal(waitpid(child, &status, 0), child);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exclusive, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_key_in_locks_dir, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wait_then_busy, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_wait_then_taken, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_holder_pid, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_released_on_close, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_symlink, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_free_and_remove, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_removed_while_waited,
						setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
