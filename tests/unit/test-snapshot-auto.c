/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* lib/snapshot-auto.c's rules: which scheduled snapshot is due, which
 * ones retention keeps. In UTC, so the periods do not depend on the
 * machine's zone. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

#include <cmocka.h>

#include "snapshot-auto.h"

#define H 3600
#define D (24 * H)
/* Tuesday 2026-12-01 00:00:00 UTC */
#define T0 ((int64_t)1796083200)

static int setup_utc(void **state)
{
	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	return 0;
}

/* kept as a string of 0 and 1, newest first */
static void expect_kept(const int64_t *times, size_t n, int hourly, int daily,
			int weekly, int monthly, const char *want)
{
	const int keep[4] = { hourly, daily, weekly, monthly };
	bool kept[32];
	char got[33];

	assert_true(n < 32);
	sysctr_retention(times, n, keep, kept);
	for (size_t i = 0; i < n; i++)
		got[i] = kept[i] ? '1' : '0';
	got[n] = '\0';
	assert_string_equal(got, want);
}

static void test_hourly(void **state)
{
	int64_t t[7];

	(void)state;
	for (int i = 0; i < 7; i++)
		t[i] = T0 + (6 - i) * H + 1800; /* newest first */
	expect_kept(t, 7, 3, 0, 0, 0, "1110000");
	expect_kept(t, 7, 0, 0, 0, 0, "0000000");
	expect_kept(t, 7, 10, 0, 0, 0, "1111111");
}

static void test_two_in_one_hour(void **state)
{
	/* the newest of an hour stands for it; the older one goes */
	const int64_t t[] = { T0 + 2 * H + 50, T0 + 2 * H + 10, T0 + H };

	(void)state;
	expect_kept(t, 3, 2, 0, 0, 0, "101");
}

static void test_each_counted_once(void **state)
{
	/* three days, three snapshots a day (newest first) */
	const int64_t t[] = {
		T0 + 2 * D + 20 * H, T0 + 2 * D + 10 * H, T0 + 2 * D + 1 * H,
		T0 + 1 * D + 20 * H, T0 + 1 * D + 10 * H, T0 + 1 * D + 1 * H,
		T0 + 20 * H,	     T0 + 10 * H,	  T0 + 1 * H,
	};

	(void)state;
	/* hourly keeps the newest two; daily then finds day 3 taken by
	 * them and keeps the newest of days 2 and 1 */
	expect_kept(t, 9, 2, 2, 0, 0, "110100100");
	/* daily alone: the newest of each day */
	expect_kept(t, 9, 0, 3, 0, 0, "100100100");
	expect_kept(t, 9, 0, 2, 0, 0, "100100000");
}

static void test_weekly_monthly(void **state)
{
	/* Tuesdays a week apart, back from 2026-12-29 over 8 weeks, in two
	 * months and a half */
	int64_t t[8];

	(void)state;
	for (int i = 0; i < 8; i++)
		t[i] = T0 + (4 - i) * 7 * D + 12 * H;
	/* 12-29, 12-22, 12-15, 12-08, 12-01, 11-24, 11-17, 11-10 */
	expect_kept(t, 8, 0, 0, 3, 0, "11100000");
	expect_kept(t, 8, 0, 0, 0, 2, "10000100");
	/* weekly takes four of December; monthly then keeps November's
	 * newest */
	expect_kept(t, 8, 0, 0, 4, 2, "11110100");
}

static void test_due(void **state)
{
	(void)state;
	assert_true(sysctr_auto_due("hourly", 0, T0));
	assert_false(sysctr_auto_due("hourly", T0 + 60, T0 + 3000));
	assert_true(sysctr_auto_due("hourly", T0 + 3000, T0 + H + 60));
	assert_false(sysctr_auto_due("daily", T0 + H, T0 + 23 * H));
	assert_true(sysctr_auto_due("daily", T0 + 23 * H, T0 + D + 60));
	/* Tuesday to the Sunday after: the same ISO week */
	assert_false(sysctr_auto_due("weekly", T0, T0 + 5 * D));
	/* to the Monday after: a new week */
	assert_true(sysctr_auto_due("weekly", T0, T0 + 6 * D));
	assert_false(sysctr_auto_due("", 0, T0));
	assert_false(sysctr_auto_due("monthly", 0, T0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hourly),
		cmocka_unit_test(test_two_in_one_hour),
		cmocka_unit_test(test_each_counted_once),
		cmocka_unit_test(test_weekly_monthly),
		cmocka_unit_test(test_due),
	};

	return cmocka_run_group_tests(tests, setup_utc, NULL);
}
