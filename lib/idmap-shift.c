/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <ftw.h>
#include <linux/capability.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/xattr.h>

#include "error.h"
#include "idmap-shift.h"
#include "util.h"

#define CAPS_XATTR "security.capability"

char *sysctr_idmap_twin_name(long long base, long long size)
{
	return xasprintf("rootfs.idmap-%lld-%lld", base, size);
}

int sysctr_idmap_twin_find(const char *image_dir, char **path, uint32_t *base,
			   uint32_t *size)
{
	cleanup_closedir DIR *d = opendir(image_dir);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		unsigned long long b, n;
		int end = 0;

		if (sscanf(de->d_name, "rootfs.idmap-%llu-%llu%n", &b, &n,
			   &end) != 2 ||
		    de->d_name[end] != '\0' || b > UINT32_MAX || n > UINT32_MAX)
			continue;
		*path = xasprintf("%s/%s", image_dir, de->d_name);
		if (!is_dir(*path)) {
			free(steal_ptr(path));
			continue;
		}
		*base = (uint32_t)b;
		*size = (uint32_t)n;
		return 1;
	}
	return 0;
}

/* nftw() has no user pointer: the walk's parameters live here, set and
 * cleared around the one walk. */
static struct {
	uint32_t base, size;
	bool down; /* out of the range (an image's rootfs from its twin) */
	int err;
	char path[4096];
	/* inodes with more than one link, done already: a hard link is
	 * visited once per name and must be shifted only once */
	ino_t *seen;
	size_t nseen, capseen;
} walk;

static bool seen_before(const struct stat *st)
{
	if (S_ISDIR(st->st_mode) || st->st_nlink < 2)
		return false;
	for (size_t i = 0; i < walk.nseen; i++)
		if (walk.seen[i] == st->st_ino)
			return true;
	if (walk.nseen == walk.capseen) {
		walk.capseen = walk.capseen ? 2 * walk.capseen : 64;
		walk.seen = xrealloc(walk.seen, walk.capseen * sizeof(ino_t));
	}
	walk.seen[walk.nseen++] = st->st_ino;
	return false;
}

static uint32_t shift_id(uint32_t id)
{
	return walk.down ? sysctr_idmap_down(id, walk.base, walk.size)
			 : sysctr_idmap_up(id, walk.base, walk.size);
}

static uint32_t shift_id_cb(uint32_t id, const void *data)
{
	(void)data;
	return shift_id(id);
}

uint32_t sysctr_idmap_up(uint32_t id, uint32_t base, uint32_t size)
{
	if (id >= size)
		id = 65534 < size ? 65534 : size - 1;
	return base + id;
}

uint32_t sysctr_idmap_down(uint32_t id, uint32_t base, uint32_t size)
{
	if (id < base || id - base >= size)
		return 65534;
	return id - base;
}

size_t sysctr_idmap_caps_v3(unsigned char *v, size_t len, uint32_t rootid)
{
	if (len != XATTR_CAPS_SZ_2 && len != XATTR_CAPS_SZ_3)
		return len;
	/* little-endian on disk: the revision is the magic's top byte */
	v[3] = (unsigned char)(VFS_CAP_REVISION_3 >> 24);
	for (int i = 0; i < 4; i++)
		v[XATTR_CAPS_SZ_2 + i] = (unsigned char)(rootid >> (8 * i));
	return XATTR_CAPS_SZ_3;
}

size_t sysctr_idmap_caps_v2(unsigned char *v, size_t len, uint32_t rootid)
{
	uint32_t root = 0;

	if (len != XATTR_CAPS_SZ_3)
		return len;
	for (int i = 0; i < 4; i++)
		root |= (uint32_t)v[XATTR_CAPS_SZ_2 + i] << (8 * i);
	if (root != rootid)
		return len;
	v[3] = (unsigned char)(VFS_CAP_REVISION_2 >> 24);
	return XATTR_CAPS_SZ_2;
}

/* POSIX ACLs name users and groups by host id. The xattr is a 4-byte
 * version header, then 8-byte entries of tag, perm and id, little-endian
 * (the kernel's posix_acl_xattr format). */
#define ACL_XATTR_VERSION 2
#define ACL_TAG_USER 0x02
#define ACL_TAG_GROUP 0x08

void sysctr_idmap_acl_ids(unsigned char *v, size_t len,
			  uint32_t (*map)(uint32_t id, const void *data),
			  const void *data)
{
	if (len < 4 || (len - 4) % 8 != 0 || v[0] != ACL_XATTR_VERSION)
		return;
	for (size_t off = 4; off < len; off += 8) {
		unsigned tag = v[off] | (unsigned)v[off + 1] << 8;
		uint32_t id = 0;

		if (tag != ACL_TAG_USER && tag != ACL_TAG_GROUP)
			continue;
		for (int i = 0; i < 4; i++)
			id |= (uint32_t)v[off + 4 + i] << (8 * i);
		id = map(id, data);
		for (int i = 0; i < 4; i++)
			v[off + 4 + i] = (unsigned char)(id >> (8 * i));
	}
}

/* A v2 capability xattr names no root: inside a user namespace it would
 * not apply. Rewrite it as v3 with the map's root as rootid; back down,
 * the v3 of that root is the v2 it was. */
static int shift_caps(const char *path, const unsigned char *v, ssize_t len)
{
	unsigned char out[XATTR_CAPS_SZ_3];
	size_t n;

	if (len != XATTR_CAPS_SZ_2 && len != XATTR_CAPS_SZ_3)
		return 0;
	memcpy(out, v, (size_t)len);
	n = walk.down ? sysctr_idmap_caps_v2(out, (size_t)len, walk.base)
		      : sysctr_idmap_caps_v3(out, (size_t)len, walk.base);
	return lsetxattr(path, CAPS_XATTR, out, n, 0);
}

/* POSIX ACLs name users and groups by host id: shift those entries too. */
static int shift_acl(const char *path, const char *name)
{
	unsigned char buf[4 + 8 * 128];
	ssize_t len = lgetxattr(path, name, buf, sizeof(buf));

	if (len < 0)
		return (errno == ENODATA || errno == ENOTSUP) ? 0 : -1;
	sysctr_idmap_acl_ids(buf, (size_t)len, shift_id_cb, NULL);
	return lsetxattr(path, name, buf, (size_t)len, 0);
}

static int shift_one(const char *path, const struct stat *st, int type,
		     struct FTW *ftw)
{
	unsigned char caps[XATTR_CAPS_SZ_3];
	ssize_t caps_len = -1;
	bool link = S_ISLNK(st->st_mode);

	(void)type;
	(void)ftw;
	if (seen_before(st))
		return 0;
	if (!link)
		caps_len = lgetxattr(path, CAPS_XATTR, caps, sizeof(caps));
	if (lchown(path, shift_id(st->st_uid), shift_id(st->st_gid)) < 0)
		goto fail;
	/* chown() clears setuid and setgid bits: put them back. */
	if (!link && (st->st_mode & (S_ISUID | S_ISGID)) &&
	    chmod(path, st->st_mode & 07777) < 0)
		goto fail;
	if (caps_len > 0 && shift_caps(path, caps, caps_len) < 0)
		goto fail;
	if (!link && shift_acl(path, "system.posix_acl_access") < 0)
		goto fail;
	if (S_ISDIR(st->st_mode) &&
	    shift_acl(path, "system.posix_acl_default") < 0)
		goto fail;
	return 0;
fail:
	walk.err = errno;
	snprintf(walk.path, sizeof(walk.path), "%s", path);
	return 1;
}

/* The walk is by path, yet never leaves the tree: nftw() with FTW_PHYS
 * descends only into real directories and reports links as links, and
 * the tree is sysctr's own fresh copy under the image's lock, which no
 * container has seen yet, so nobody swaps a directory for a link while
 * it runs. */
static int walk_tree(const char *path, uint32_t base, uint32_t size, bool down,
		     struct sysctr_error **err)
{
	int ret;

	walk.base = base;
	walk.size = size;
	walk.down = down;
	walk.err = 0;
	walk.path[0] = '\0';
	ret = nftw(path, shift_one, 64, FTW_PHYS | FTW_MOUNT);
	free(walk.seen);
	walk.seen = NULL;
	walk.nseen = walk.capseen = 0;
	if (ret < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "walk %s", path);
	if (ret > 0)
		return sysctr_err(err, SYSCTR_E_FAILED, walk.err,
				  "shift ownership of %s", walk.path);
	return 0;
}

int sysctr_idmap_shift_tree(const char *path, uint32_t base, uint32_t size,
			    struct sysctr_error **err)
{
	return walk_tree(path, base, size, false, err);
}

int sysctr_idmap_unshift_tree(const char *path, uint32_t base, uint32_t size,
			      struct sysctr_error **err)
{
	return walk_tree(path, base, size, true, err);
}
