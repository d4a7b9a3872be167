/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* resources { } as cgroup files: v1 and v2, at start and live. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cgroup-limits.h"
#include "conf-check.h"

static struct sysctr_cg_host v1 = { .swap = true,
				    .io_key = "blkio.bfq.weight",
				    .cpus_all = (char *)"0-3" };
static struct sysctr_cg_host v2 = { .cgroup2 = true,
				    .swap = true,
				    .io_key = "io.weight",
				    .cpus_all = (char *)"0-3" };

static void unset(struct sysctr_resources *r)
{
	memset(r, 0, sizeof(*r));
	r->memory_swap = -1;
	r->cpus = (char *)"";
}

/* The value written to key, or NULL when items has no such file. */
static const char *value_of(const struct sysctr_cg_items *items,
			    const char *key)
{
	for (size_t i = 0; i < items->n; i++)
		if (strcmp(items->item[i].key, key) == 0)
			return items->item[i].value;
	return NULL;
}

static void test_nothing_set(void **state)
{
	struct sysctr_resources r;
	struct sysctr_cg_items items;

	(void)state;
	unset(&r);
	sysctr_cg_items_of(&r, &v1, false, &items);
	assert_int_equal(items.n, 0);
	sysctr_cg_items_of(&r, &v2, false, &items);
	assert_int_equal(items.n, 0);
}

static void test_v1(void **state)
{
	struct sysctr_resources r;
	struct sysctr_cg_items items;

	(void)state;
	unset(&r);
	r.memory = 512 << 20;
	r.memory_swap = 256 << 20;
	r.cpus = (char *)"1";
	r.cpu_weight = 200;
	r.cpu_max = 50000;
	r.pids = 100;
	r.io_weight = 300;
	sysctr_cg_items_of(&r, &v1, false, &items);
	assert_string_equal(value_of(&items, "memory.limit_in_bytes"),
			    "536870912");
	/* memsw is memory and swap together */
	assert_string_equal(value_of(&items, "memory.memsw.limit_in_bytes"),
			    "805306368");
	assert_string_equal(value_of(&items, "cpuset.cpus"), "1");
	assert_string_equal(value_of(&items, "cpu.shares"), "2048");
	assert_string_equal(value_of(&items, "cpu.cfs_period_us"), "100000");
	assert_string_equal(value_of(&items, "cpu.cfs_quota_us"), "50000");
	assert_string_equal(value_of(&items, "pids.max"), "100");
	assert_string_equal(value_of(&items, "blkio.bfq.weight"), "300");
	/* memory before memsw: liblxc writes them in this order */
	assert_string_equal(items.item[0].key, "memory.limit_in_bytes");
	assert_string_equal(items.item[0].conf_key, "resources.memory");
	sysctr_cg_items_clear(&items);
}

static void test_v2(void **state)
{
	struct sysctr_resources r;
	struct sysctr_cg_items items;

	(void)state;
	unset(&r);
	r.memory = 512 << 20;
	r.memory_swap = 0;
	r.cpu_max = 150000;
	r.io_weight = 50;
	sysctr_cg_items_of(&r, &v2, false, &items);
	assert_string_equal(value_of(&items, "memory.max"), "536870912");
	assert_string_equal(value_of(&items, "memory.swap.max"), "0");
	assert_string_equal(value_of(&items, "cpu.max"), "150000 100000");
	assert_string_equal(value_of(&items, "io.weight"), "default 50");
	assert_null(value_of(&items, "cpu.weight"));
	assert_null(value_of(&items, "pids.max"));
	sysctr_cg_items_clear(&items);
}

/* Live: a limit removed from container.conf is lifted to the default. */
static void test_lift(void **state)
{
	struct sysctr_resources r;
	struct sysctr_cg_items items;

	(void)state;
	unset(&r);
	sysctr_cg_items_of(&r, &v1, true, &items);
	assert_string_equal(value_of(&items, "memory.limit_in_bytes"), "-1");
	assert_string_equal(value_of(&items, "memory.memsw.limit_in_bytes"),
			    "-1");
	assert_string_equal(value_of(&items, "cpuset.cpus"), "0-3");
	assert_string_equal(value_of(&items, "cpu.shares"), "1024");
	assert_string_equal(value_of(&items, "cpu.cfs_quota_us"), "-1");
	assert_string_equal(value_of(&items, "pids.max"), "max");
	assert_string_equal(value_of(&items, "blkio.bfq.weight"), "100");
	sysctr_cg_items_clear(&items);
	sysctr_cg_items_of(&r, &v2, true, &items);
	assert_string_equal(value_of(&items, "memory.max"), "max");
	assert_string_equal(value_of(&items, "memory.swap.max"), "max");
	assert_string_equal(value_of(&items, "cpuset.cpus"), "");
	assert_string_equal(value_of(&items, "cpu.weight"), "100");
	assert_string_equal(value_of(&items, "cpu.max"), "max 100000");
	assert_string_equal(value_of(&items, "io.weight"), "default 100");
	sysctr_cg_items_clear(&items);
}

static void test_weights_on_v1_scales(void **state)
{
	struct sysctr_cg_host cfq = v1;
	struct sysctr_resources r;
	struct sysctr_cg_items items;

	(void)state;
	unset(&r);
	r.cpu_weight = 1;
	r.io_weight = 10000;
	snprintf(cfq.io_key, sizeof(cfq.io_key), "blkio.weight");
	sysctr_cg_items_of(&r, &cfq, false, &items);
	assert_string_equal(value_of(&items, "cpu.shares"), "10");
	assert_string_equal(value_of(&items, "blkio.weight"), "1000");
	sysctr_cg_items_clear(&items);
	r.io_weight = 1;
	sysctr_cg_items_of(&r, &cfq, false, &items);
	assert_string_equal(value_of(&items, "blkio.weight"), "10");
	sysctr_cg_items_clear(&items);
}

static void test_unsupported(void **state)
{
	struct sysctr_cg_host bare = { .cpus_all = (char *)"0" };
	struct sysctr_resources r;
	struct sysctr_cg_items items;
	bool fatal = false;

	(void)state;
	unset(&r);
	assert_null(sysctr_cg_unsupported(&r, &bare, &fatal));
	r.memory_swap = 0;
	assert_non_null(strstr(sysctr_cg_unsupported(&r, &v1, &fatal),
			       "needs resources.memory"));
	assert_true(fatal);
	r.memory = 64 << 20;
	assert_null(sysctr_cg_unsupported(&r, &v1, &fatal));
	assert_non_null(strstr(sysctr_cg_unsupported(&r, &bare, &fatal),
			       "does not account swap"));
	assert_true(fatal);
	unset(&r);
	r.io_weight = 200;
	assert_non_null(strstr(sysctr_cg_unsupported(&r, &bare, &fatal),
			       "io_weight is not applied"));
	assert_false(fatal);
	/* and no file is written that the host lacks */
	sysctr_cg_items_of(&r, &bare, true, &items);
	assert_null(value_of(&items, "memory.memsw.limit_in_bytes"));
	assert_null(value_of(&items, "blkio.bfq.weight"));
	sysctr_cg_items_clear(&items);
}

static void test_cpu_max_parse(void **state)
{
	static const struct {
		const char *text;
		int64_t us;
	} good[] = {
		{ "", 0 },	    { "50%", 50000 },
		{ "1.5", 150000 },  { "1", 100000 },
		{ "12.5%", 12500 }, { "0.01", 1000 },
		{ "200%", 200000 }, { "1%", 1000 },
		{ "0.25", 25000 },  { "1024", 102400000 },
	};
	static const char *const bad[] = { "x",	   "%",	    ".",       "0",
					   "0.5%", "1.5.1", "-1",      "50 %",
					   "1025", "0.001", "1.000001" };
	int64_t us;

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(sysctr_conf_parse_cpu_max(good[i].text, &us),
				 0);
		assert_int_equal(us, good[i].us);
	}
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(sysctr_conf_parse_cpu_max(bad[i], &us), -1);
}

/* /proc/PID/cgroup of a container's init: this host (v1 hybrid), and
 * a cgroup2 host where systemd inside moved its init to init.scope */
static void test_payload_path(void **state)
{
	const char *hybrid = "12:freezer:/lxc.payload.web1\n"
			     "11:memory:/lxc.payload.web1\n"
			     "4:cpu,cpuacct:/lxc.payload.web1\n"
			     "1:name=systemd:/lxc.payload.web1/init.scope\n"
			     "0::/lxc.payload.web1/init.scope\n";
	const char *unified = "0::/lxc.payload.web1/init.scope\n";
	const char *nested = "0::/machine.slice/lxc.payload.web1/a/b";
	char *p;

	(void)state;
	p = sysctr_cg_payload_path(hybrid, "memory", "lxc.payload.web1");
	assert_string_equal(p, "/lxc.payload.web1");
	free(p);
	p = sysctr_cg_payload_path(hybrid, "cpuacct", "lxc.payload.web1");
	assert_string_equal(p, "/lxc.payload.web1");
	free(p);
	p = sysctr_cg_payload_path(unified, NULL, "lxc.payload.web1");
	assert_string_equal(p, "/lxc.payload.web1");
	free(p);
	p = sysctr_cg_payload_path(nested, NULL, "lxc.payload.web1");
	assert_string_equal(p, "/machine.slice/lxc.payload.web1");
	free(p);
	/* a name that only starts the same is another container */
	assert_null(sysctr_cg_payload_path(unified, NULL, "lxc.payload.web"));
	assert_null(
	    sysctr_cg_payload_path(hybrid, "blkio", "lxc.payload.web1"));
	assert_null(sysctr_cg_payload_path("0::/user.slice\n", NULL,
					   "lxc.payload.web1"));
	assert_null(sysctr_cg_payload_path("", NULL, "lxc.payload.web1"));
}

static void test_working_set(void **state)
{
	(void)state;
	assert_int_equal(
	    sysctr_cg_working_set(1000,
				  "cache 10\ninactive_file 5\ntotal_cache 300\n"
				  "total_inactive_file 200\n",
				  false),
	    800);
	assert_int_equal(
	    sysctr_cg_working_set(1000, "anon 500\ninactive_file 300\n", true),
	    700);
	/* nothing to take off, or more than the usage: the usage */
	assert_int_equal(sysctr_cg_working_set(1000, "anon 500\n", true), 1000);
	assert_int_equal(
	    sysctr_cg_working_set(100, "inactive_file 300\n", true), 100);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_nothing_set),
		cmocka_unit_test(test_v1),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_lift),
		cmocka_unit_test(test_weights_on_v1_scales),
		cmocka_unit_test(test_unsupported),
		cmocka_unit_test(test_cpu_max_parse),
		cmocka_unit_test(test_working_set),
		cmocka_unit_test(test_payload_path),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
