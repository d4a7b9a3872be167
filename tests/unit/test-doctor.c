/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* doctor's pure part: mountinfo (mounts left behind, the cgroup layout),
 * root's range in subuid/subgid text, the thresholds, the report; and
 * the first directory the mapped root cannot search. No root needed. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "doctor.h"
#include "error.h"
#include "idmap.h"
#include "reach.h"
#include "util.h"

/* The mountinfo of a host with a root in /tmp/r: a running container
 * c1 and a stopped one c2 with mounts below their directories, a mount
 * point with a blank (escaped), one in the run directory, and the
 * directories themselves mounted (not below: never stale). */
static const char mountinfo[] =
    "22 1 0:21 / / rw,relatime shared:1 - ext4 /dev/vda rw\n"
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "40 22 0:40 / /tmp/r/var/lib/sysctr/containers rw - tmpfs none rw\n"
    "41 40 0:41 / /tmp/r/var/lib/sysctr/containers/c1/mnt rw - tmpfs none "
    "rw\n"
    "42 40 0:42 / /tmp/r/var/lib/sysctr/containers/c2/mnt rw shared:7 "
    "master:2 - tmpfs none rw\n"
    "43 42 0:43 / /tmp/r/var/lib/sysctr/containers/c2/mnt/deep rw - tmpfs "
    "none rw\n"
    "44 40 0:44 / /tmp/r/var/lib/sysctr/containers/c2/my\\040dir rw - tmpfs "
    "none rw\n"
    "45 22 0:45 / /tmp/r/run/sysctr/net/x rw - tmpfs none rw\n"
    "46 22 0:46 / /tmp/r/run/sysctrx rw - tmpfs none rw\n"
    "47 40 0:47 / /tmp/r/var/lib/sysctr/containers/c10 rw - tmpfs none "
    "rw\n"
    "48 40 0:48 / /tmp/r/var/lib/sysctr/containers/c2/mnt rw - tmpfs none "
    "rw\n"
    "garbage line\n";

static void test_stale_mounts(void **state)
{
	char *dirs[] = { (char *)"/tmp/r/var/lib/sysctr/containers",
			 (char *)"/tmp/r/run/sysctr/", NULL };
	char *running[] = { (char *)"c1", NULL };
	cleanup_strv char **m = NULL;

	(void)state;
	m = sysctr_doctor_stale_mounts(
	    mountinfo, dirs, "/tmp/r/var/lib/sysctr/containers", running);
	/* c1's goes (it runs), and c10 is not c1's; deepest first, then
	 * the later of one depth first (c2/mnt is mounted twice) */
	assert_int_equal(strv_length(m), 6);
	assert_string_equal(m[0], "/tmp/r/var/lib/sysctr/containers/c2/mnt/"
				  "deep");
	assert_string_equal(m[1], "/tmp/r/var/lib/sysctr/containers/c2/mnt");
	assert_string_equal(m[2], "/tmp/r/var/lib/sysctr/containers/c2/"
				  "my dir");
	assert_string_equal(m[3], "/tmp/r/var/lib/sysctr/containers/c2/mnt");
	assert_string_equal(m[4], "/tmp/r/var/lib/sysctr/containers/c10");
	assert_string_equal(m[5], "/tmp/r/run/sysctr/net/x");
	strv_free(steal_ptr(&m));

	/* nothing runs: c1's is stale too */
	m = sysctr_doctor_stale_mounts(
	    mountinfo, dirs, "/tmp/r/var/lib/sysctr/containers", NULL);
	assert_int_equal(strv_length(m), 7);
	assert_true(strv_contains(m, "/tmp/r/var/lib/sysctr/containers/c1/"
				     "mnt"));
	strv_free(steal_ptr(&m));

	/* an empty or unreadable mountinfo has none */
	m = sysctr_doctor_stale_mounts("", dirs, "/x", running);
	assert_null(m[0]);
}

static void test_cgroup_roots(void **state)
{
	static const char info[] =
	    "30 22 0:27 / /sys/fs/cgroup rw - tmpfs tmpfs rw,mode=755\n"
	    "31 30 0:28 / /sys/fs/cgroup/cpu,cpuacct rw - cgroup cgroup "
	    "rw,cpu,cpuacct\n"
	    "32 30 0:29 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n"
	    "33 30 0:30 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
	    /* a container's view of its own subtree: not a whole hierarchy */
	    "34 40 0:30 /lxc.payload.c1 /var/lib/x/pids rw - cgroup cgroup "
	    "rw,pids\n"
	    /* the same hierarchy mounted twice: once */
	    "35 30 0:30 / /sys/fs/cgroup/pids rw - cgroup cgroup rw,pids\n"
	    "garbage\n";
	cleanup_strv char **r = NULL;

	(void)state;
	r = sysctr_doctor_cgroup_roots(info);
	assert_int_equal(strv_length(r), 3);
	assert_string_equal(r[0], "/sys/fs/cgroup/cpu,cpuacct");
	assert_string_equal(r[1], "/sys/fs/cgroup/unified");
	assert_string_equal(r[2], "/sys/fs/cgroup/pids");
	strv_free(steal_ptr(&r));
	r = sysctr_doctor_cgroup_roots(NULL);
	assert_null(r[0]);
}

static void test_cgroup_stale(void **state)
{
	char *registered[] = { (char *)"web1", (char *)"db", NULL };
	char *running[] = { (char *)"db", NULL };

	(void)state;
	assert_true(sysctr_doctor_cgroup_stale("lxc.monitor.web1", registered,
					       running));
	assert_true(sysctr_doctor_cgroup_stale("lxc.payload.web1", registered,
					       running));
	/* a running container's are its own */
	assert_false(
	    sysctr_doctor_cgroup_stale("lxc.monitor.db", registered, running));
	/* a name sysctr does not know is another tool's */
	assert_false(
	    sysctr_doctor_cgroup_stale("lxc.payload.web", registered, running));
	assert_false(sysctr_doctor_cgroup_stale("lxc.payload.web10", registered,
						running));
	assert_false(
	    sysctr_doctor_cgroup_stale("lxc.pivot", registered, running));
	assert_false(
	    sysctr_doctor_cgroup_stale("system.slice", registered, running));
	assert_false(
	    sysctr_doctor_cgroup_stale("lxc.monitor.", registered, running));
	/* nothing runs */
	assert_true(
	    sysctr_doctor_cgroup_stale("lxc.monitor.db", registered, NULL));
}

static const char v1_mounts[] =
    "30 22 0:27 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n"
    "31 30 0:28 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
    "32 30 0:29 / /sys/fs/cgroup/cpuacct rw - cgroup cgroup rw,cpuacct\n"
    "33 30 0:30 / /sys/fs/cgroup/cpuset rw - cgroup cgroup rw,cpuset\n"
    "34 30 0:31 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n"
    "37 30 0:34 / /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n"
    "39 30 0:36 / /sys/fs/cgroup/systemd rw - cgroup cgroup "
    "rw,xattr,name=systemd\n";

static void test_cgroups(void **state)
{
	size_t n;
	const struct sysctr_doctor_ctl *ctls = sysctr_doctor_ctls(&n);
	cleanup_free char *hybrid = NULL;
	unsigned have, all = (1u << n) - 1;

	(void)state;
	assert_int_equal(n, 5);
	assert_string_equal(ctls[4].v1, "blkio");
	assert_string_equal(ctls[4].v2, "io");
	assert_string_equal(ctls[3].keys, "resources.pids");

	/* v1 without pids */
	assert_int_equal(sysctr_doctor_cgroups(v1_mounts, false, NULL, &have),
			 SYSCTR_DOCTOR_CG_V1);
	assert_int_equal(have, all & ~(1u << 3));

	/* hybrid: pids co-mounted with others, a cgroup2 mount beside */
	hybrid = xasprintf(
	    "%s"
	    "38 30 0:35 / /sys/fs/cgroup/pids rw - cgroup cgroup "
	    "rw,pids,net_cls\n"
	    "40 30 0:37 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 "
	    "rw,nsdelegate\n",
	    v1_mounts);
	assert_int_equal(sysctr_doctor_cgroups(hybrid, false, NULL, &have),
			 SYSCTR_DOCTOR_CG_HYBRID);
	assert_int_equal(have, all);

	/* v2: what cgroup.controllers lists; "cpu" is not "cpuset" */
	assert_int_equal(
	    sysctr_doctor_cgroups("", true, "cpuset io pids\n", &have),
	    SYSCTR_DOCTOR_CG_V2);
	assert_int_equal(have, (1u << 2) | (1u << 3) | (1u << 4));
	assert_int_equal(sysctr_doctor_cgroups("", true, "memory cpu\n", &have),
			 SYSCTR_DOCTOR_CG_V2);
	assert_int_equal(have, (1u << 0) | (1u << 1));
	assert_int_equal(sysctr_doctor_cgroups("", true, NULL, &have),
			 SYSCTR_DOCTOR_CG_V2);
	assert_int_equal(have, 0);

	/* nothing mounted */
	assert_int_equal(sysctr_doctor_cgroups(mountinfo, false, NULL, &have),
			 SYSCTR_DOCTOR_CG_NONE);
	assert_int_equal(have, 0);
}

static void test_subid(void **state)
{
	struct sysctr_error *e = NULL;
	bool has = true;

	(void)state;
	/* none for root: a fresh host */
	assert_int_equal(sysctr_idmap_subid_parse("", "/etc/subuid", 100000,
						  65536, &has, &e),
			 0);
	assert_false(has);
	assert_int_equal(sysctr_idmap_subid_parse("alice:165536:65536\n",
						  "/etc/subuid", 100000, 65536,
						  &has, &e),
			 0);
	assert_false(has);
	/* root's, by name or uid, a wider range too */
	assert_int_equal(sysctr_idmap_subid_parse("root:100000:65536\n",
						  "/etc/subuid", 100000, 65536,
						  &has, &e),
			 0);
	assert_true(has);
	assert_int_equal(sysctr_idmap_subid_parse("# comment\n0:0:4294967295",
						  "/etc/subuid", 100000, 65536,
						  &has, &e),
			 0);
	assert_true(has);
	/* one that covers only a part is none */
	assert_int_equal(sysctr_idmap_subid_parse("root:100000:1000\n",
						  "/etc/subuid", 100000, 65536,
						  &has, &e),
			 0);
	assert_false(has);
	/* another user's range overlapping: an error naming them */
	assert_int_equal(sysctr_idmap_subid_parse("root:100000:65536\n"
						  "bob:150000:65536\n",
						  "/etc/subgid", 100000, 65536,
						  &has, &e),
			 -1);
	assert_non_null(e);
	assert_int_equal(e->kind, SYSCTR_E_FAILED);
	assert_non_null(strstr(e->msg, "/etc/subgid"));
	assert_non_null(strstr(e->msg, "bob"));
	sysctr_error_free(steal_ptr(&e));
	/* a missing file has no range, and is no error */
	assert_int_equal(sysctr_idmap_subid_check("/nonexistent/subuid", 100000,
						  65536, &has, &e),
			 0);
	assert_false(has);
	assert_null(e);
}

static void test_thresholds(void **state)
{
	char buf[32];

	(void)state;
	assert_int_equal(sysctr_doctor_inotify_status(128), SYSCTR_DOCTOR_WARN);
	assert_int_equal(sysctr_doctor_inotify_status(1023),
			 SYSCTR_DOCTOR_WARN);
	assert_int_equal(sysctr_doctor_inotify_status(1024), SYSCTR_DOCTOR_OK);
	assert_int_equal(sysctr_doctor_space_status(100ULL << 20),
			 SYSCTR_DOCTOR_FAIL);
	assert_int_equal(sysctr_doctor_space_status((512ULL << 20) - 1),
			 SYSCTR_DOCTOR_FAIL);
	assert_int_equal(sysctr_doctor_space_status(512ULL << 20),
			 SYSCTR_DOCTOR_WARN);
	assert_int_equal(sysctr_doctor_space_status((2ULL << 30) - 1),
			 SYSCTR_DOCTOR_WARN);
	assert_int_equal(sysctr_doctor_space_status(2ULL << 30),
			 SYSCTR_DOCTOR_OK);
	sysctr_doctor_bytes(3ULL << 29, buf, sizeof(buf));
	assert_string_equal(buf, "1.5 GiB");
	sysctr_doctor_bytes(512, buf, sizeof(buf));
	assert_string_equal(buf, "512 B");
	sysctr_doctor_bytes(5ULL << 40, buf, sizeof(buf));
	assert_string_equal(buf, "5.0 TiB");
}

static void test_report(void **state)
{
	struct sysctr_doctor_report r = { 0 };

	(void)state;
	sysctr_doctor_add(&r, "a", SYSCTR_DOCTOR_OK, NULL, "fine %d", 1);
	sysctr_doctor_add(&r, "b", SYSCTR_DOCTOR_FAIL, "do this", "broken");
	sysctr_doctor_add(&r, "c", SYSCTR_DOCTOR_FIXED, NULL, "fixed: it");
	sysctr_doctor_add(&r, "d", SYSCTR_DOCTOR_OK, NULL, "fine");
	assert_int_equal(r.n, 4);
	assert_int_equal(r.count[SYSCTR_DOCTOR_OK], 2);
	assert_int_equal(r.count[SYSCTR_DOCTOR_WARN], 0);
	assert_int_equal(r.count[SYSCTR_DOCTOR_FAIL], 1);
	assert_int_equal(r.count[SYSCTR_DOCTOR_FIXED], 1);
	assert_string_equal(r.checks[0].message, "fine 1");
	assert_null(r.checks[0].hint);
	assert_string_equal(r.checks[1].hint, "do this");
	assert_string_equal(sysctr_doctor_status_name(r.checks[2].status),
			    "fixed");
	assert_string_equal(sysctr_doctor_status_name(SYSCTR_DOCTOR_WARN),
			    "warn");
	sysctr_doctor_report_clear(&r);
	assert_int_equal(r.n, 0);
	assert_null(r.checks);
	sysctr_doctor_report_clear(&r);
}

/* The first directory that stops the mapped root, from / down. */
static void test_reach_blocker(void **state)
{
	char tmpl[] = "/tmp/sysctr-doctor-XXXXXX";
	cleanup_free char *top = NULL, *a = NULL, *b = NULL, *blk = NULL;
	struct sysctr_error *e = NULL;

	(void)state;
	top = xstrdup(mkdtemp(tmpl));
	a = xasprintf("%s/a", top);
	b = xasprintf("%s/a/b", top);
	assert_int_equal(mkdir(a, 0700), 0);
	assert_int_equal(mkdir(b, 0755), 0);
	assert_int_equal(chmod(top, 0711), 0);
	assert_int_equal(sysctr_reach_blocker(b, 100000, 65536, &blk, &e), 1);
	assert_string_equal(blk, a);
	free(steal_ptr(&blk));
	assert_int_equal(chmod(a, 0701), 0);
	assert_int_equal(sysctr_reach_blocker(b, 100000, 65536, &blk, &e), 0);
	assert_null(blk);
	/* the path itself counts */
	assert_int_equal(chmod(b, 0700), 0);
	assert_int_equal(sysctr_reach_blocker(b, 100000, 65536, &blk, &e), 1);
	assert_string_equal(blk, b);
	free(steal_ptr(&blk));
	assert_int_equal(
	    sysctr_reach_blocker("/nonexistent/x", 100000, 65536, &blk, &e),
	    -1);
	assert_non_null(e);
	sysctr_error_free(steal_ptr(&e));
	assert_int_equal(rm_rf(top, &e), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stale_mounts),
		cmocka_unit_test(test_cgroup_roots),
		cmocka_unit_test(test_cgroup_stale),
		cmocka_unit_test(test_cgroups),
		cmocka_unit_test(test_subid),
		cmocka_unit_test(test_thresholds),
		cmocka_unit_test(test_report),
		cmocka_unit_test(test_reach_blocker),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
