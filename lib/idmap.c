/* SPDX-License-Identifier: LGPL-2.1-or-later */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <linux/capability.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <sys/xattr.h>

#include "error.h"
#include "idmap.h"
#include "image.h"
#include "lock.h"
#include "log.h"
#include "util.h"

#define CAPS_XATTR "security.capability"

char *sysctr_idmap_dir_name(struct sysctr *s)
{
	return xasprintf("rootfs.idmap-%lld-%lld",
			 (long long)s->cfg->idmap.base,
			 (long long)s->cfg->idmap.size);
}

static char *shifted_path(struct sysctr *s, const char *image_dir)
{
	cleanup_free char *name = sysctr_idmap_dir_name(s);

	return xasprintf("%s/%s", image_dir, name);
}

int sysctr_idmap_lower(struct sysctr *s, const char *image_dir, char **lower,
		       struct sysctr_error **err)
{
	cleanup_free char *p = shifted_path(s, image_dir);

	if (!is_dir(p))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "image %s has no rootfs for the id map "
				  "%lld:%lld (recreate the container)",
				  image_dir, (long long)s->cfg->idmap.base,
				  (long long)s->cfg->idmap.size);
	*lower = steal_ptr(&p);
	return 0;
}

/* nftw() has no user pointer: the walk's parameters live here, set and
 * cleared around the one walk. */
static struct {
	uint32_t base, size;
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
	return sysctr_idmap_up(id, walk.base, walk.size);
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

size_t sysctr_idmap_caps_v3(unsigned char *v, size_t len, uint32_t rootid)
{
	uint32_t magic;

	if (len != XATTR_CAPS_SZ_2 && len != XATTR_CAPS_SZ_3)
		return len;
	memcpy(&magic, v, 4);
	magic = (magic & ~VFS_CAP_REVISION_MASK) | VFS_CAP_REVISION_3;
	memcpy(v, &magic, 4);
	/* little-endian on disk, like the rest of the structure */
	for (int i = 0; i < 4; i++)
		v[XATTR_CAPS_SZ_2 + i] = (unsigned char)(rootid >> (8 * i));
	return XATTR_CAPS_SZ_3;
}

size_t sysctr_idmap_caps_v2(unsigned char *v, size_t len, uint32_t rootid)
{
	uint32_t magic, root = 0;

	if (len != XATTR_CAPS_SZ_3)
		return len;
	for (int i = 0; i < 4; i++)
		root |= (uint32_t)v[XATTR_CAPS_SZ_2 + i] << (8 * i);
	if (root != rootid)
		return len;
	memcpy(&magic, v, 4);
	magic = (magic & ~VFS_CAP_REVISION_MASK) | VFS_CAP_REVISION_2;
	memcpy(v, &magic, 4);
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
 * not apply. Rewrite it as v3 with the map's root as rootid. */
static int shift_caps(const char *path, const unsigned char *v2, ssize_t len)
{
	unsigned char v3[XATTR_CAPS_SZ_3];

	if (len != XATTR_CAPS_SZ_2 && len != XATTR_CAPS_SZ_3)
		return 0;
	memcpy(v3, v2, (size_t)len);
	sysctr_idmap_caps_v3(v3, (size_t)len, walk.base);
	return lsetxattr(path, CAPS_XATTR, v3, sizeof(v3), 0);
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
int sysctr_idmap_shift_tree(const char *path, uint32_t base, uint32_t size,
			    struct sysctr_error **err)
{
	int ret;

	walk.base = base;
	walk.size = size;
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

int sysctr_idmap_subid_parse(const char *text, const char *file, long long base,
			     long long size, bool *has,
			     struct sysctr_error **err)
{
	*has = false;
	for (const char *line = text; line != NULL && *line != '\0';) {
		const char *next = strchr(line, '\n');
		char who[256];
		long long b, n;

		if (sscanf(line, "%255[^:\n]:%lld:%lld", who, &b, &n) == 3) {
			bool root =
			    strcmp(who, "root") == 0 || strcmp(who, "0") == 0;

			if (root && b <= base && base + size <= b + n)
				*has = true;
			/* another user's ids would be our container's */
			else if (!root && b < base + size && base < b + n)
				return sysctr_err(err, SYSCTR_E_FAILED, 0,
						  "%s: the id range %lld-%lld "
						  "of sysctr.conf overlaps "
						  "%s's",
						  file, base, base + size - 1,
						  who);
		}
		line = next == NULL ? NULL : next + 1;
	}
	return 0;
}

int sysctr_idmap_subid_check(const char *file, long long base, long long size,
			     bool *has, struct sysctr_error **err)
{
	cleanup_free char *text = NULL;
	cleanup_error struct sysctr_error *e = NULL;

	*has = false;
	if (read_file(file, &text, NULL, &e) < 0) {
		if (e->kind == SYSCTR_E_NOT_FOUND)
			return 0;
		return sysctr_err_pass(err, &e);
	}
	return sysctr_idmap_subid_parse(text, file, base, size, has, err);
}

/* liblxc maps ids through newuidmap when the host has it, and then
 * insists that root owns the range in /etc/subuid and /etc/subgid. A
 * fresh host has no entry for root: reserve sysctr.conf's range, as other
 * container managers do. */
int sysctr_idmap_reserve(struct sysctr *s, struct sysctr_error **err)
{
	static const char *const files[] = { "/etc/subuid", "/etc/subgid" };
	long long base = s->cfg->idmap.base, size = s->cfg->idmap.size;

	for (size_t i = 0; i < ARRAY_SIZE(files); i++) {
		cleanup_fclose FILE *f = NULL;
		bool has;

		if (sysctr_idmap_subid_check(files[i], base, size, &has, err) <
		    0)
			return -1;
		if (has)
			continue;
		f = fopen(files[i], "ae");
		if (f == NULL ||
		    fprintf(f, "root:%lld:%lld\n", base, size) < 0 ||
		    fflush(f) != 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "reserve ids in %s", files[i]);
		log_info("reserved ids %lld-%lld for root in %s", base,
			 base + size - 1, files[i]);
	}
	return 0;
}

int sysctr_idmap_prepare(struct sysctr *s, const char *image_dir,
			 struct sysctr_error **err)
{
	cleanup_free char *final = shifted_path(s, image_dir);
	cleanup_free char *from = xasprintf("%s/rootfs", image_dir);
	cleanup_free char *tmp = NULL;
	cleanup_lock int lock = -1;

	if (is_dir(final))
		return 0;
	lock = sysctr_image_lock(s, image_dir, err);
	if (lock < 0)
		return -1;
	if (is_dir(final))
		return 0;
	tmp = xasprintf("%s.tmp", final);
	if (rm_rf(tmp, err) < 0)
		return -1;
	sysctr_progress(s, "shift image ownership", 1, 2);
	if (copy_tree(from, tmp, err) < 0)
		goto undo_tmp;
	if (sysctr_idmap_shift_tree(tmp, (uint32_t)s->cfg->idmap.base,
				    (uint32_t)s->cfg->idmap.size, err) < 0)
		goto undo_tmp;
	if (rename(tmp, final) < 0) {
		sysctr_err(err, SYSCTR_E_FAILED, errno, "rename %s", tmp);
		goto undo_tmp;
	}
	sysctr_progress(s, "shift image ownership", 2, 2);
	return 0;

undo_tmp:
	rm_rf_or_warn(tmp, "remove unfinished id shift");
	return -1;
}
