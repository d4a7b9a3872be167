/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "names.h"
#include "util.h"

static void test_valid_names(void **state)
{
	static const char *const good[] = {
		"a",
		"web1",
		"Web-1",
		"0",
		"a-b-c",
		"db01",
		"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij12"
		"3",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(good); i++)
		assert_true(sysctr_name_valid(good[i]));
}

static void test_invalid_names(void **state)
{
	static const char *const bad[] = {
		"",
		"-a",
		"..",
		".",
		"a/b",
		"/",
		"a b",
		"a_b",
		"a.b",
		"ä",
		"web1\n",
		"a\tb",
		"$(id)",
		"`x`",
		"a;b",
		/* 64 characters: one too many */
		"abcdefghijabcdefghijabcdefghijabcdefghijabcdefghijabcdefghij12"
		"34",
	};

	(void)state;
	for (size_t i = 0; i < ARRAY_SIZE(bad); i++)
		assert_false(sysctr_name_valid(bad[i]));
	assert_false(sysctr_name_valid(NULL));
}

static void test_name_check_error(void **state)
{
	struct sysctr_error *e = NULL;

	(void)state;
	assert_int_equal(sysctr_name_check("ok-name", &e), 0);
	assert_null(e);
	assert_int_equal(sysctr_name_check("../etc", &e), -1);
	assert_non_null(e);
	assert_int_equal(e->kind, SYSCTR_E_USAGE);
	assert_int_equal(sysctr_error_exit_code(e), 2);
	assert_non_null(strstr(e->msg, "invalid container name"));
	sysctr_error_free(e);
	e = NULL;
	assert_int_equal(sysctr_name_check("", &e), -1);
	assert_non_null(strstr(e->msg, "empty"));
	sysctr_error_free(e);
}

static void test_tokens(void **state)
{
	(void)state;
	assert_true(sysctr_token_valid("bookworm"));
	assert_true(sysctr_token_valid("1.35.0"));
	assert_true(sysctr_token_valid("ubuntu-22.04"));
	assert_false(sysctr_token_valid("../x"));
	assert_false(sysctr_token_valid("a..b"));
	assert_false(sysctr_token_valid("a/b"));
	assert_false(sysctr_token_valid(".hidden"));
	assert_false(sysctr_token_valid(""));
}

static void test_error_prefix(void **state)
{
	struct sysctr_error *e = NULL;

	(void)state;
	assert_int_equal(sysctr_err(&e, SYSCTR_E_STATE, 0, "not running"), -1);
	assert_int_equal(sysctr_err_prefix(&e, "%s", "web1"), -1);
	assert_string_equal(e->msg, "web1: not running");
	assert_int_equal(e->kind, SYSCTR_E_STATE);
	assert_int_equal(sysctr_err_suffix(&e, " (%d s)", 3), -1);
	assert_string_equal(e->msg, "web1: not running (3 s)");
	sysctr_error_free(e);
	e = NULL;
	sysctr_err(&e, SYSCTR_E_FAILED, 2, "open %s", "/x");
	assert_string_equal(e->msg, "open /x: No such file or directory");
	sysctr_error_free(e);
}

static void test_error_pass(void **state)
{
	struct sysctr_error *local = NULL, *e = NULL;

	(void)state;
	sysctr_err(&local, SYSCTR_E_NOT_FOUND, 0, "no such container");
	assert_int_equal(sysctr_err_pass(&e, &local), -1);
	assert_null(local);
	assert_string_equal(e->msg, "no such container");
	assert_int_equal(e->kind, SYSCTR_E_NOT_FOUND);
	sysctr_error_free(e);
	/* Passed to nobody: freed. */
	sysctr_err(&local, SYSCTR_E_FAILED, 0, "ignored");
	assert_int_equal(sysctr_err_pass(NULL, &local), -1);
	assert_null(local);
}

/* A second error on the same err is a bug: it would hide the first, real
 * cause. A build without NDEBUG (this one) stops there. */
static void test_error_set_twice(void **state)
{
	int status = 0;
	pid_t pid;

	(void)state;
#ifdef NDEBUG
	skip();
#endif
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct sysctr_error *e = NULL;
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		sysctr_err(&e, SYSCTR_E_STATE, 0, "not running");
		sysctr_err(&e, SYSCTR_E_FAILED, 0, "later");
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFSIGNALED(status));
	assert_int_equal(WTERMSIG(status), SIGABRT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_valid_names),
		cmocka_unit_test(test_invalid_names),
		cmocka_unit_test(test_name_check_error),
		cmocka_unit_test(test_tokens),
		cmocka_unit_test(test_error_prefix),
		cmocka_unit_test(test_error_pass),
		cmocka_unit_test(test_error_set_twice),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
