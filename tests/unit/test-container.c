/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The container module's answer to "does it exist?" (the registry row,
 * not the directory), its leftovers, and the two ways to record an
 * action (in a transaction of its own, or in the caller's). A throwaway
 * store and containers directory; no root, no liblxc call. */
#include "config.h"

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

#include "container.h"
#include "error.h"
#include "log.h"
#include "util.h"

struct fixture {
	char dir[64];
	struct sysctr s;
};

static int setup(void **state)
{
	struct fixture *fx = xcalloc(1, sizeof(*fx));
	cleanup_free char *db = NULL;
	struct sysctr_error *err = NULL;

	snprintf(fx->dir, sizeof(fx->dir), "/tmp/sysctr-ct-XXXXXX");
	if (mkdtemp(fx->dir) == NULL)
		return -1;
	fx->s.containers_dir = xasprintf("%s/containers", fx->dir);
	fx->s.logs_dir = xasprintf("%s/logs", fx->dir);
	db = xasprintf("%s/sysctr.db", fx->dir);
	if (mkdir(fx->s.containers_dir, 0700) < 0 ||
	    sysctr_store_open(db, &fx->s.store, &err) < 0) {
		sysctr_error_free(err);
		return -1;
	}
	/* The record refused below is a warning: not in the test output. */
	sysctr_log_set_level(SYSCTR_LOG_ERROR);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *fx = *state;

	sysctr_store_close(fx->s.store);
	rm_rf_or_warn(fx->dir, "remove the test directory");
	free(fx->s.containers_dir);
	free(fx->s.logs_dir);
	free(fx);
	return 0;
}

static void add_row(struct sysctr *s, const char *name)
{
	struct sysctr_error *err = NULL;
	struct sysctr_ct_row row = {
		.name = (char *)name,
		.template = (char *)"busybox",
		.release = (char *)"1",
		.arch = (char *)"amd64",
	};

	assert_int_equal(sysctr_store_ct_insert(s->store, &row, &err), 0);
	assert_null(err);
}

static void add_dir(struct sysctr *s, const char *name)
{
	cleanup_free char *dir = sysctr_ct_dir(s, name);

	assert_int_equal(mkdir(dir, 0700), 0);
}

static size_t history_count(struct sysctr *s, const char *outcome)
{
	struct sysctr_history_row *rows = NULL;
	struct sysctr_error *err = NULL;
	size_t n = 0, count = 0;

	assert_int_equal(
	    sysctr_store_history_list(s->store, "web1", 0, &rows, &n, &err), 0);
	for (size_t i = 0; i < n; i++)
		if (outcome == NULL || strcmp(rows[i].outcome, outcome) == 0)
			count++;
	sysctr_history_rows_free(rows, n);
	return count;
}

static void test_exists_is_the_row(void **state)
{
	struct fixture *fx = *state;
	struct sysctr *s = &fx->s;
	struct sysctr_error *err = NULL;
	struct sysctr_store *st;

	/* a directory with a container.conf is not enough */
	add_dir(s, "web1");
	assert_int_equal(sysctr_ct_registered(s, "web1", &err), 0);
	assert_int_equal(sysctr_ct_must_exist(s, "web1", &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_NOT_FOUND);
	assert_string_equal(err->msg, "no such container");
	sysctr_error_free(steal_ptr(&err));

	/* the row is */
	add_row(s, "web1");
	assert_int_equal(sysctr_ct_registered(s, "web1", &err), 1);
	assert_int_equal(sysctr_ct_must_exist(s, "web1", &err), 0);
	assert_null(err);

	assert_int_equal(sysctr_ct_must_exist(s, "../web1", &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_USAGE);
	sysctr_error_free(steal_ptr(&err));

	/* without a registry there is no answer */
	st = steal_ptr(&s->store);
	assert_int_equal(sysctr_ct_must_exist(s, "web1", &err), -1);
	assert_int_equal(err->kind, SYSCTR_E_FAILED);
	sysctr_error_free(steal_ptr(&err));
	s->store = st;
}

static void test_leftovers(void **state)
{
	struct fixture *fx = *state;
	struct sysctr *s = &fx->s;
	struct sysctr_error *err = NULL;
	cleanup_free char *file = NULL;
	char **names = NULL;

	add_row(s, "web1");
	add_dir(s, "web1");
	add_dir(s, "zz-old");
	add_dir(s, "old");
	/* a create at work, a file: no leftovers of a container */
	add_dir(s, ".new-web2.Ab12Cd");
	file = xasprintf("%s/afile", s->containers_dir);
	assert_int_equal(write_file_atomic(file, "x", 1, 0600, &err), 0);
	/* a row without a directory is a container, not a leftover */
	add_row(s, "nodir");

	assert_int_equal(sysctr_ct_leftovers(s, &names, &err), 0);
	assert_null(err);
	assert_int_equal(strv_length(names), 2);
	assert_string_equal(names[0], "old");
	assert_string_equal(names[1], "zz-old");
	strv_free(names);
}

static void test_record_own_transaction(void **state)
{
	struct fixture *fx = *state;
	struct sysctr *s = &fx->s;
	struct sysctr_error *err = NULL, *failure = NULL;
	cleanup_ct_row struct sysctr_ct_row row = { 0 };

	add_row(s, "web1");
	sysctr_ct_record(s, "web1", "start", "RUNNING", NULL, NULL);
	assert_int_equal(sysctr_store_ct_get(s->store, "web1", &row, &err), 0);
	assert_string_equal(row.state, "RUNNING");
	assert_int_equal(history_count(s, "ok"), 1);

	/* a failure: its history row, the state stays */
	sysctr_err(&failure, SYSCTR_E_FAILED, 0, "it broke");
	sysctr_ct_record(s, "web1", "stop", "STOPPED", failure, NULL);
	sysctr_error_free(failure);
	sysctr_ct_row_clear(&row);
	assert_int_equal(sysctr_store_ct_get(s->store, "web1", &row, &err), 0);
	assert_string_equal(row.state, "RUNNING");
	assert_int_equal(history_count(s, "failed"), 1);
	assert_false(sysctr_store_in_tx(s->store));

	/* inside a caller's transaction it is refused, not folded in */
	assert_int_equal(sysctr_store_begin(s->store, &err), 0);
	sysctr_ct_record(s, "web1", "freeze", "FROZEN", NULL, NULL);
	assert_true(sysctr_store_in_tx(s->store));
	assert_int_equal(sysctr_store_commit(s->store, &err), 0);
	assert_int_equal(history_count(s, NULL), 2);
}

static void test_record_in_tx(void **state)
{
	struct fixture *fx = *state;
	struct sysctr *s = &fx->s;
	struct sysctr_error *err = NULL;

	/* lands, or not, with the caller's transaction */
	assert_int_equal(sysctr_store_begin(s->store, &err), 0);
	assert_int_equal(
	    sysctr_ct_record_in_tx(s, "web1", "create", "template x", &err), 0);
	sysctr_store_rollback(s->store);
	assert_int_equal(history_count(s, NULL), 0);

	assert_int_equal(sysctr_store_begin(s->store, &err), 0);
	add_row(s, "web1");
	assert_int_equal(
	    sysctr_ct_record_in_tx(s, "web1", "create", "template x", &err), 0);
	assert_int_equal(sysctr_store_commit(s->store, &err), 0);
	assert_null(err);
	assert_int_equal(history_count(s, "ok"), 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_exists_is_the_row, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_leftovers, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_record_own_transaction,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_record_in_tx, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
