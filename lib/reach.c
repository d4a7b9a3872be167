/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <limits.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "reach.h"
#include "util.h"

static bool in_map(uint32_t id, uint32_t base, uint32_t size)
{
	return id >= base && id - base < size;
}

/* The kernel's rule for a search (x) by uid/gid BASE with no supplementary
 * groups. Root of the container holds CAP_DAC_OVERRIDE in its namespace,
 * which counts for inodes whose owner and group are both mapped. A
 * directory with an access ACL is taken as reachable: its ACL, not its
 * mode, decides, and refusing a start on a guess would be worse than
 * liblxc's own error. */
static bool can_search(const char *dir, const struct stat *st, uint32_t base,
		       uint32_t size)
{
	if (in_map(st->st_uid, base, size) && in_map(st->st_gid, base, size))
		return true;
	if (st->st_uid == base)
		return (st->st_mode & S_IXUSR) != 0;
	if (st->st_gid == base)
		return (st->st_mode & S_IXGRP) != 0;
	if ((st->st_mode & S_IXOTH) != 0)
		return true;
	return getxattr(dir, "system.posix_acl_access", NULL, 0) > 0;
}

static int check_one(const char *dir, const char *path, uint32_t base,
		     uint32_t size, const char *what, struct sysctr_error **err)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "%s", dir);
	if (can_search(dir, &st, base, size))
		return 0;
	return sysctr_err(err, SYSCTR_E_FAILED, 0,
			  "the container's root (uid %u) cannot reach %s %s: "
			  "%s is mode %04o, owner %u:%u; let others search it "
			  "(chmod o+x %s) or keep sysctr's directories "
			  "elsewhere",
			  (unsigned)base, what, path, dir,
			  (unsigned)(st.st_mode & 07777), (unsigned)st.st_uid,
			  (unsigned)st.st_gid, dir);
}

int sysctr_reach_check(const char *path, uint32_t base, uint32_t size,
		       const char *what, struct sysctr_error **err)
{
	cleanup_free char *real = realpath(path, NULL);
	cleanup_free char *dir = NULL;
	int ret;

	if (real == NULL)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "%s %s", what,
				  path);
	ret = sysctr_reach_blocker(real, base, size, &dir, err);
	if (ret <= 0)
		return ret;
	return check_one(dir, path, base, size, what, err);
}

/* 1 with *blocker when dir stops BASE, 0 when it does not. */
static int stops(const char *dir, uint32_t base, uint32_t size, char **blocker,
		 struct sysctr_error **err)
{
	struct stat st;

	if (stat(dir, &st) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "%s", dir);
	if (can_search(dir, &st, base, size))
		return 0;
	*blocker = xstrdup(dir);
	return 1;
}

int sysctr_reach_blocker(const char *path, uint32_t base, uint32_t size,
			 char **blocker, struct sysctr_error **err)
{
	cleanup_free char *real = realpath(path, NULL);
	int ret;

	*blocker = NULL;
	if (real == NULL)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "%s", path);
	ret = stops("/", base, size, blocker, err);
	/* each prefix /a, /a/b, ... then the whole path */
	for (char *slash = strchr(real + 1, '/'); ret == 0 && slash != NULL;
	     slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		ret = stops(real, base, size, blocker, err);
		*slash = '/';
	}
	if (ret == 0 && real[1] != '\0')
		ret = stops(real, base, size, blocker, err);
	return ret;
}
