/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* sysctr's own cgroups: the cgroup.procs file of each hierarchy that
 * /proc/self/cgroup names, found through mountinfo. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "cgroup-self.h"
#include "util.h"

/* this machine's layout: v1 controllers, cpu and cpuacct apart, systemd's
 * name=systemd and the unified hierarchy beside them */
static const char hybrid_mounts[] =
    "25 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs "
    "rw\n"
    "29 25 0:25 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs "
    "ro,mode=755\n"
    "30 29 0:26 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime "
    "shared:10 - cgroup2 cgroup2 rw,nsdelegate\n"
    "31 29 0:27 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime "
    "shared:11 - cgroup cgroup rw,xattr,name=systemd\n"
    "35 29 0:31 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime "
    "shared:15 - cgroup cgroup rw,blkio\n"
    "36 29 0:32 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime "
    "shared:16 - cgroup cgroup rw,cpu,cpuacct\n"
    "37 29 0:33 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime "
    "shared:17 - cgroup cgroup rw,memory\n";

static void test_hybrid(void **state)
{
	(void)state;
	cleanup_strv char **f = sysctr_cg_procs_files(
	    "12:blkio:/\n"
	    "4:memory:/process_api/83b5\n"
	    "3:cpu,cpuacct:/user.slice\n"
	    "1:name=systemd:/system.slice/sysctr.service\n"
	    "0::/system.slice/sysctr.service\n",
	    hybrid_mounts);

	assert_int_equal(strv_length(f), 5);
	assert_string_equal(f[0], "/sys/fs/cgroup/blkio/cgroup.procs");
	assert_string_equal(
	    f[1], "/sys/fs/cgroup/memory/process_api/83b5/cgroup.procs");
	/* co-mounted controllers: the mount that has both */
	assert_string_equal(
	    f[2], "/sys/fs/cgroup/cpu,cpuacct/user.slice/cgroup.procs");
	assert_string_equal(
	    f[3], "/sys/fs/cgroup/systemd/system.slice/sysctr.service/"
		  "cgroup.procs");
	assert_string_equal(
	    f[4], "/sys/fs/cgroup/unified/system.slice/sysctr.service/"
		  "cgroup.procs");
}

static void test_v2(void **state)
{
	(void)state;
	cleanup_strv char **f = sysctr_cg_procs_files(
	    "0::/system.slice/sysctr.service\n",
	    "30 29 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n");

	assert_int_equal(strv_length(f), 1);
	assert_string_equal(
	    f[0], "/sys/fs/cgroup/system.slice/sysctr.service/cgroup.procs");
}

static void test_left_out(void **state)
{
	(void)state;
	/* no mount of pids, a cgroup outside its mount's root, a line
	 * that is not one, a relative path */
	cleanup_strv char **f =
	    sysctr_cg_procs_files("8:pids:/\n"
				  "7:freezer:/elsewhere\n"
				  "garbage\n"
				  "6:devices:relative\n"
				  "5:cpuset:/lxc/c1/sub\n",
				  "40 29 0:40 /lxc/c1 /sys/fs/cgroup/freezer "
				  "rw - cgroup cgroup rw,freezer\n"
				  "41 29 0:41 /lxc/c1 /sys/fs/cgroup/cpuset rw "
				  "- cgroup cgroup rw,cpuset\n"
				  "42 29 0:42 / /sys/fs/cgroup/devices rw - "
				  "cgroup cgroup rw,devices\n");

	/* a subtree mount shows the path below its root */
	assert_int_equal(strv_length(f), 1);
	assert_string_equal(f[0], "/sys/fs/cgroup/cpuset/sub/cgroup.procs");
}

static void test_escaped_and_empty(void **state)
{
	(void)state;
	cleanup_strv char **none = sysctr_cg_procs_files(NULL, NULL);
	cleanup_strv char **f = sysctr_cg_procs_files(
	    "0::/a b\n",
	    "30 29 0:26 / /mnt/cg\\040two rw - cgroup2 cgroup2 rw\n");

	assert_non_null(none);
	assert_null(none[0]);
	assert_int_equal(strv_length(f), 1);
	assert_string_equal(f[0], "/mnt/cg two/a b/cgroup.procs");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hybrid),
		cmocka_unit_test(test_v2),
		cmocka_unit_test(test_left_out),
		cmocka_unit_test(test_escaped_and_empty),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
