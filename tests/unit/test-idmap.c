/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The ownership shift of an image for unprivileged containers. Needs root
 * (chown, mknod, security.* xattrs): skipped without it. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include <cmocka.h>

#include "error.h"
#include "idmap.h"
#include "util.h"

#define BASE 100000u
#define SIZE 65536u

static char *dir;

static char *path(const char *rel)
{
	/* two at a time for link(): a ring of buffers */
	static char buf[4][512];
	static int next;
	char *b = buf[next++ % 4];

	snprintf(b, sizeof(buf[0]), "%s/%s", dir, rel);
	return b;
}

static int setup(void **state)
{
	char tmpl[] = "/tmp/sysctr-idmap-XXXXXX";

	(void)state;
	if (geteuid() != 0)
		return 0;
	dir = xstrdup(mkdtemp(tmpl));
	return 0;
}

static int teardown(void **state)
{
	struct sysctr_error *e = NULL;

	(void)state;
	if (dir != NULL && rm_rf(dir, &e) < 0)
		sysctr_error_free(e);
	free(dir);
	dir = NULL;
	return 0;
}

/* v2 capability xattr: cap_net_raw (bit 13) permitted + effective */
static const unsigned char caps[20] = { 0x01, 0x00, 0x00, 0x02, 0x00, 0x20 };
/* ACL: user::rwx, user:1000:r--, group::r-x, mask::r-x, other::--- */
static const unsigned char acl[4 + 5 * 8] = {
	0x02, 0,    0,	  0,	0x01, 0,    0x07, 0,	0xff, 0xff, 0xff,
	0xff, 0x02, 0,	  0x04, 0,    0xe8, 0x03, 0,	0,    0x04, 0,
	0x05, 0,    0xff, 0xff, 0xff, 0xff, 0x10, 0,	0x05, 0,    0xff,
	0xff, 0xff, 0xff, 0x20, 0,    0,    0,	  0xff, 0xff, 0xff, 0xff,
};

static void test_shift(void **state)
{
	unsigned char got[64];
	struct sysctr_error *e = NULL;
	struct stat st;
	ssize_t len;
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	fd = creat(path("suid"), 0755);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(chmod(path("suid"), 04755), 0);
	fd = creat(path("cap"), 0755);
	close(fd);
	assert_int_equal(
	    setxattr(path("cap"), "security.capability", caps, sizeof(caps), 0),
	    0);
	fd = creat(path("acl"), 0640);
	close(fd);
	assert_int_equal(chown(path("acl"), 1000, 1000), 0);
	assert_int_equal(setxattr(path("acl"), "system.posix_acl_access", acl,
				  sizeof(acl), 0),
			 0);
	assert_int_equal(mknod(path("null"), S_IFCHR | 0666, makedev(1, 3)), 0);
	assert_int_equal(symlink("suid", path("link")), 0);
	assert_int_equal(link(path("suid"), path("hard")), 0);
	fd = creat(path("big-id"), 0644);
	close(fd);
	assert_int_equal(chown(path("big-id"), 70000, 70000), 0);

	assert_int_equal(sysctr_idmap_shift_tree(dir, BASE, SIZE, &e), 0);

	assert_int_equal(lstat(dir, &st), 0);
	assert_int_equal(st.st_uid, BASE);
	assert_int_equal(lstat(path("suid"), &st), 0);
	assert_int_equal(st.st_uid, BASE);
	assert_int_equal(st.st_gid, BASE);
	assert_int_equal(st.st_mode & 07777, 04755); /* setuid kept */
	assert_int_equal(lstat(path("hard"), &st), 0);
	assert_int_equal(st.st_mode & 07777, 04755);
	assert_int_equal(lstat(path("link"), &st), 0);
	assert_true(S_ISLNK(st.st_mode));
	assert_int_equal(st.st_uid, BASE);
	assert_int_equal(lstat(path("null"), &st), 0);
	assert_true(S_ISCHR(st.st_mode));
	assert_int_equal(st.st_rdev, makedev(1, 3));
	assert_int_equal(st.st_uid, BASE);
	assert_int_equal(lstat(path("acl"), &st), 0);
	assert_int_equal(st.st_uid, BASE + 1000);
	/* ids past the map become its nobody, never a host id */
	assert_int_equal(lstat(path("big-id"), &st), 0);
	assert_int_equal(st.st_uid, BASE + 65534);

	/* the capability is now namespaced: v3 with rootid BASE */
	len = getxattr(path("cap"), "security.capability", got, sizeof(got));
	assert_int_equal(len, 24);
	assert_int_equal(got[3], 0x03);
	assert_int_equal(got[5], 0x20);
	assert_int_equal(got[20] | got[21] << 8 | got[22] << 16 | got[23] << 24,
			 BASE);

	/* the ACL's named user moved with everything else */
	len =
	    getxattr(path("acl"), "system.posix_acl_access", got, sizeof(got));
	assert_int_equal(len, sizeof(acl));
	assert_int_equal(got[4 + 8 + 4] | got[4 + 8 + 5] << 8 |
			     got[4 + 8 + 6] << 16 | got[4 + 8 + 7] << 24,
			 BASE + 1000);
}

/* Shifting up then down gives the tree back: owners, setuid, the v2
 * capability byte for byte, the ACL's ids (what an imported image's
 * rootfs is made of, lib/image.c). */
static void test_unshift(void **state)
{
	unsigned char got[64];
	struct sysctr_error *e = NULL;
	struct stat st;
	ssize_t len;
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	fd = creat(path("cap"), 0755);
	close(fd);
	assert_int_equal(chown(path("cap"), 0, 42), 0);
	assert_int_equal(chmod(path("cap"), 02755), 0);
	assert_int_equal(
	    setxattr(path("cap"), "security.capability", caps, sizeof(caps), 0),
	    0);
	assert_int_equal(mkdir(path("d"), 0700), 0);
	assert_int_equal(chown(path("d"), 1000, 1001), 0);
	assert_int_equal(
	    setxattr(path("d"), "system.posix_acl_access", acl, sizeof(acl), 0),
	    0);

	assert_int_equal(sysctr_idmap_shift_tree(dir, BASE, SIZE, &e), 0);
	assert_int_equal(sysctr_idmap_unshift_tree(dir, BASE, SIZE, &e), 0);

	assert_int_equal(lstat(path("cap"), &st), 0);
	assert_int_equal(st.st_uid, 0);
	assert_int_equal(st.st_gid, 42);
	assert_int_equal(st.st_mode & 07777, 02755);
	len = getxattr(path("cap"), "security.capability", got, sizeof(got));
	assert_int_equal(len, sizeof(caps));
	assert_memory_equal(got, caps, sizeof(caps));
	assert_int_equal(lstat(path("d"), &st), 0);
	assert_int_equal(st.st_uid, 1000);
	assert_int_equal(st.st_gid, 1001);
	len = getxattr(path("d"), "system.posix_acl_access", got, sizeof(got));
	assert_int_equal(len, sizeof(acl));
	assert_memory_equal(got, acl, sizeof(acl));
}

static void test_down(void **state)
{
	(void)state;
	assert_int_equal(sysctr_idmap_down(BASE, BASE, SIZE), 0);
	assert_int_equal(sysctr_idmap_down(BASE + 65535, BASE, SIZE), 65535);
	for (uint32_t id = 0; id < SIZE; id += 997)
		assert_int_equal(
		    sysctr_idmap_down(sysctr_idmap_up(id, BASE, SIZE), BASE,
				      SIZE),
		    id);
	/* a host id outside the range is nobody, never a container's root */
	assert_int_equal(sysctr_idmap_down(0, BASE, SIZE), 65534);
	assert_int_equal(sysctr_idmap_down(BASE - 1, BASE, SIZE), 65534);
	assert_int_equal(sysctr_idmap_down(BASE + SIZE, BASE, SIZE), 65534);
}

/* The shifted copy is found by its name, whatever its map; a file or a
 * name with anything after the numbers is not one. */
static void test_twin_find(void **state)
{
	char *twin = NULL, *name = sysctr_idmap_twin_name(200000, 1000);
	uint32_t base = 0, size = 0;
	int fd;

	(void)state;
	if (geteuid() != 0)
		skip();
	assert_string_equal(name, "rootfs.idmap-200000-1000");
	assert_int_equal(sysctr_idmap_twin_find(dir, &twin, &base, &size), 0);
	assert_int_equal(mkdir(path("rootfs.idmap-5-6.tmp"), 0755), 0);
	fd = creat(path("rootfs.idmap-7-8"), 0644);
	close(fd);
	assert_int_equal(sysctr_idmap_twin_find(dir, &twin, &base, &size), 0);
	assert_int_equal(mkdir(path(name), 0755), 0);
	assert_int_equal(sysctr_idmap_twin_find(dir, &twin, &base, &size), 1);
	assert_string_equal(twin, path(name));
	assert_int_equal(base, 200000);
	assert_int_equal(size, 1000);
	free(twin);
	free(name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_shift, setup, teardown),
		cmocka_unit_test_setup_teardown(test_unshift, setup, teardown),
		cmocka_unit_test(test_down),
		cmocka_unit_test_setup_teardown(test_twin_find, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
