/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/autostart-plan.c: levels from `after` and `order`, the worst-case
 * times, and the errors that name what is wrong. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "autostart-plan.h"

static char *none[] = { NULL };

static struct sysctr_as_entry ent(const char *name, int order, char **after)
{
	struct sysctr_as_entry e = { .name = name,
				     .enabled = true,
				     .order = order,
				     .after = after ? after : none,
				     .ready = "started",
				     .timeout = 60,
				     .group = "" };
	return e;
}

/* The plan as "a b|c|d": levels split by '|', names sorted in a level as
 * the entries are. */
static char *plan_text(const struct sysctr_as_entry *e,
		       const struct sysctr_as_plan *p)
{
	char buf[512] = "";

	for (size_t l = 0; l < p->nlevels; l++) {
		if (l > 0)
			strcat(buf, "|");
		for (size_t k = 0; k < p->level_len[l]; k++) {
			if (k > 0)
				strcat(buf, " ");
			strcat(buf, e[p->levels[l][k]].name);
		}
	}
	return xstrdup(buf);
}

static void expect_plan(const struct sysctr_as_entry *e, size_t n,
			const char *group, const char *want)
{
	struct sysctr_as_plan p;
	struct sysctr_error *err = NULL;
	char *got;

	assert_int_equal(sysctr_as_plan_make(e, n, group, 5, &p, &err), 0);
	got = plan_text(e, &p);
	assert_string_equal(got, want);
	free(got);
	sysctr_as_plan_free(&p);
}

static void expect_error(const struct sysctr_as_entry *e, size_t n,
			 const char *has)
{
	struct sysctr_as_plan p;
	struct sysctr_error *err = NULL;

	assert_int_equal(sysctr_as_plan_make(e, n, NULL, 5, &p, &err), -1);
	assert_non_null(err);
	assert_int_equal(err->kind, SYSCTR_E_USAGE);
	if (strstr(err->msg, has) == NULL)
		fail_msg("'%s' not in '%s'", has, err->msg);
	assert_int_equal(p.nlevels, 0);
	sysctr_error_free(err);
}

static void test_order_levels(void **state)
{
	struct sysctr_as_entry e[] = { ent("web", 20, NULL),
				       ent("db", 10, NULL),
				       ent("cache", 10, NULL),
				       ent("mon", 90, NULL) };

	(void)state;
	/* lower order first; the same order together */
	expect_plan(e, 4, NULL, "db cache|web|mon");
}

static void test_after_before_order(void **state)
{
	char *after_db[] = { (char *)"db", NULL };
	struct sysctr_as_entry e[] = { ent("db", 50, NULL),
				       ent("web", 10, after_db),
				       ent("other", 10, NULL) };

	(void)state;
	/* web's order is lower, but it waits for db; other need not */
	expect_plan(e, 3, NULL, "other|db|web");
}

static void test_parallel_chains(void **state)
{
	char *a1[] = { (char *)"a", NULL };
	char *b1[] = { (char *)"b", NULL };
	char *ab[] = { (char *)"a", (char *)"b", NULL };
	struct sysctr_as_entry e[] = { ent("a", 50, NULL), ent("b", 50, NULL),
				       ent("a2", 50, a1), ent("b2", 50, b1),
				       ent("both", 50, ab) };

	(void)state;
	expect_plan(e, 5, NULL, "a b|a2 b2 both");
}

static void test_disabled_left_out(void **state)
{
	struct sysctr_as_entry e[] = { ent("on", 50, NULL),
				       ent("off", 10, NULL) };

	(void)state;
	e[1].enabled = false;
	expect_plan(e, 2, NULL, "on");
}

static void test_group(void **state)
{
	struct sysctr_as_entry e[] = { ent("a", 50, NULL), ent("b", 10, NULL),
				       ent("c", 20, NULL) };

	(void)state;
	e[0].group = "web";
	e[2].group = "web";
	expect_plan(e, 3, "web", "c|a");
	expect_plan(e, 3, NULL, "b|c|a");
}

static void test_worst_case(void **state)
{
	char *after_db[] = { (char *)"db", NULL };
	struct sysctr_as_entry e[] = { ent("db", 10, NULL),
				       ent("web", 20, after_db),
				       ent("cache", 10, NULL) };
	struct sysctr_as_plan p;
	struct sysctr_error *err = NULL;

	(void)state;
	e[0].timeout = 90;
	e[0].delay = 5;
	e[1].timeout = 30;
	e[2].timeout = 20;
	assert_int_equal(sysctr_as_plan_make(e, 3, NULL, 5, &p, &err), 0);
	/* level 1: db and cache, the slower 90 s and db's 5 s delay; level
	 * 2: web 30 s */
	assert_int_equal(p.boot_worst_s, 90 + 5 + 30);
	/* shutdown: each level's slowest timeout (its stop timeout) and the
	 * 5 s kill, levels in turn */
	assert_int_equal(p.shutdown_worst_s, (90 + 5) + (30 + 5));
	sysctr_as_plan_free(&p);
}

static void test_cycle_named(void **state)
{
	char *after_b[] = { (char *)"b", NULL };
	char *after_c[] = { (char *)"c", NULL };
	char *after_a[] = { (char *)"a", NULL };
	struct sysctr_as_entry e[] = { ent("free", 50, NULL),
				       ent("a", 50, after_b),
				       ent("b", 50, after_c),
				       ent("c", 50, after_a) };

	(void)state;
	expect_error(e, 4, "a -> b -> c -> a");
}

static void test_after_missing(void **state)
{
	char *after_x[] = { (char *)"nosuch", NULL };
	struct sysctr_as_entry e[] = { ent("web", 50, after_x) };

	(void)state;
	expect_error(e, 1,
		     "web: autostart.after names nosuch, which does "
		     "not exist");
}

static void test_after_disabled(void **state)
{
	char *after_db[] = { (char *)"db", NULL };
	struct sysctr_as_entry e[] = { ent("web", 50, after_db),
				       ent("db", 50, NULL) };

	(void)state;
	e[1].enabled = false;
	expect_error(e, 2, "db, which does not start at boot");
}

static void test_after_itself(void **state)
{
	char *after_me[] = { (char *)"me", NULL };
	struct sysctr_as_entry e[] = { ent("me", 50, after_me) };

	(void)state;
	expect_error(e, 1, "me: autostart.after names itself");
}

static void test_empty(void **state)
{
	struct sysctr_as_plan p;
	struct sysctr_error *err = NULL;

	(void)state;
	assert_int_equal(sysctr_as_plan_make(NULL, 0, NULL, 5, &p, &err), 0);
	assert_int_equal(p.nlevels, 0);
	assert_int_equal(p.boot_worst_s, 0);
	sysctr_as_plan_free(&p);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_order_levels),
		cmocka_unit_test(test_after_before_order),
		cmocka_unit_test(test_parallel_chains),
		cmocka_unit_test(test_disabled_left_out),
		cmocka_unit_test(test_group),
		cmocka_unit_test(test_worst_case),
		cmocka_unit_test(test_cycle_named),
		cmocka_unit_test(test_after_missing),
		cmocka_unit_test(test_after_disabled),
		cmocka_unit_test(test_after_itself),
		cmocka_unit_test(test_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
