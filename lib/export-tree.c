/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The trees of an export archive (see export-tree.h, and export.c for the
 * archive's layout). */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <time.h>
#include <unistd.h>

#include "archive-format.h"
#include "archive-lib.h"
#include "conf.h"
#include "container.h"
#include "error.h"
#include "export-tree.h"
#include "idmap.h"
#include "image.h"
#include "layer-stack.h"
#include "layers.h"
#include "lock.h"
#include "log.h"
#include "snapshot.h"
#include "store.h"
#include "util.h"

int export_ar_fail(struct export_tree *x, const char *what,
		   struct sysctr_error **err)
{
	return sysctr_err(err, SYSCTR_E_FAILED, 0, "%s: %s", what,
			  SYSCTR_AR->archive_error_string(x->a));
}

static void progress(struct export_tree *x)
{
	if (x->done - x->reported < 16 * 1024 * 1024)
		return;
	x->reported = x->done;
	sysctr_progress(x->s, "export (MiB)", (int)(x->done >> 20),
			(int)(x->total >> 20));
}

/* The image's own rootfs is not shifted: only the layers and the upper
 * of an unprivileged container are. */
static bool shifted(const struct export_tree *x)
{
	return x->unpriv && !x->image_area;
}

static uint32_t down_id(struct export_tree *x, uint32_t id)
{
	if (!shifted(x))
		return id;
	if (id >= x->base && id - x->base < x->size)
		return id - x->base;
	return SYSCTR_AR_NOBODY;
}

static uint32_t down_id_cb(uint32_t id, const void *data)
{
	return down_id((struct export_tree *)data, id);
}

/* overlayfs's bookkeeping of one mount (file handles of its lowers, its
 * uuid): meaningless over the layers an import makes. What a layer's
 * content means (opaque directories, redirects) is kept. */
static bool overlay_private(const char *xn)
{
	static const char *const drop[] = { "origin", "impure", "uuid", "nlink",
					    "upper" };
	const char *rest = NULL;

	if (str_starts_with(xn, "trusted.overlay."))
		rest = xn + strlen("trusted.overlay.");
	else if (str_starts_with(xn, "user.overlay."))
		rest = xn + strlen("user.overlay.");
	for (size_t i = 0; rest != NULL && i < ARRAY_SIZE(drop); i++)
		if (strcmp(rest, drop[i]) == 0)
			return true;
	return false;
}

/* The xattrs of an entry: through fd when one is open (files and
 * directories: no path lookup), else by its name under dirfd. */
static int add_xattrs(struct export_tree *x, int fd, int dirfd,
		      const char *name, struct sysctr_error **err)
{
	char path[64 + NAME_MAX];
	char names[16384];
	unsigned char val[65536];
	ssize_t n;

	if (fd < 0)
		snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", dirfd,
			 name);
	n = fd >= 0 ? flistxattr(fd, names, sizeof(names))
		    : llistxattr(path, names, sizeof(names));
	if (n < 0)
		return (errno == ENOTSUP || errno == ENODATA)
			   ? 0
			   : sysctr_err(err, SYSCTR_E_FAILED, errno,
					"list the xattrs of %s", name);
	for (ssize_t off = 0; off < n;
	     off += (ssize_t)strlen(names + off) + 1) {
		const char *xn = names + off;
		ssize_t len;

		if (overlay_private(xn))
			continue;
		len = fd >= 0 ? fgetxattr(fd, xn, val, sizeof(val))
			      : lgetxattr(path, xn, val, sizeof(val));
		if (len < 0) {
			if (errno == ENODATA)
				continue;
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "read xattr %s of %s", xn, name);
		}
		/* an unprivileged container's mapped root becomes its own,
		 * as its owners do */
		if (shifted(x) && strcmp(xn, "security.capability") == 0)
			len = (ssize_t)sysctr_idmap_caps_v2(val, (size_t)len,
							    x->base);
		else if (shifted(x) && str_starts_with(xn, "system.posix_acl_"))
			sysctr_idmap_acl_ids(val, (size_t)len, down_id_cb, x);
		SYSCTR_AR->archive_entry_xattr_add_entry(x->e, xn, val,
							 (size_t)len);
	}
	return 0;
}

/* The first name of an inode with several links, or NULL (then
 * remembered under path). */
static const char *link_first(struct export_tree *x, const struct stat *st,
			      const char *path)
{
	if (st->st_nlink < 2)
		return NULL;
	for (size_t i = 0; i < x->nlinks; i++)
		if (x->links[i].ino == st->st_ino &&
		    x->links[i].dev == st->st_dev)
			return x->links[i].path;
	if (x->nlinks == x->caplinks) {
		x->caplinks = x->caplinks ? 2 * x->caplinks : 64;
		x->links = xrealloc(x->links, x->caplinks * sizeof(*x->links));
	}
	x->links[x->nlinks].dev = st->st_dev;
	x->links[x->nlinks].ino = st->st_ino;
	x->links[x->nlinks].path = xstrdup(path);
	x->nlinks++;
	return NULL;
}

static int write_data(struct export_tree *x, int fd, const char *apath,
		      off_t size, struct sysctr_error **err)
{
	struct sysctr_sha256 h;
	char hex[65];
	off_t left = size;

	sysctr_sha256_init(&h);
	while (left > 0) {
		size_t want =
		    left < EXPORT_BUF_SIZE ? (size_t)left : EXPORT_BUF_SIZE;
		ssize_t n = read(fd, x->buf, want);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			sysctr_sha256_drop(&h);
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "read %s", apath);
		}
		if (n == 0) {
			/* shrank while read: the header said size bytes */
			log_warn("%s shrank while it was exported", apath);
			memset(x->buf, 0, want);
			n = (ssize_t)want;
		}
		sysctr_sha256_update(&h, x->buf, (size_t)n);
		if (SYSCTR_AR->archive_write_data(x->a, x->buf, (size_t)n) !=
		    n) {
			sysctr_sha256_drop(&h);
			return export_ar_fail(x, "write the archive", err);
		}
		left -= n;
		x->done += n;
		progress(x);
	}
	sysctr_sha256_hex(&h, hex);
	json_object_object_add(x->sums, apath, json_object_new_string(hex));
	return 0;
}

static int put_dir(struct export_tree *x, int fd, const char *apath,
		   struct sysctr_error **err);

/* One entry name of the directory dirfd, as member apath. */
static int put_entry(struct export_tree *x, int dirfd, const char *name,
		     const char *apath, const struct stat *st,
		     struct sysctr_error **err)
{
	struct archive_entry *e = x->e;
	const char *first = NULL;
	cleanup_close int fd = -1;
	char target[4096];
	int ret;

	if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		bool whiteout = S_ISCHR(st->st_mode) && st->st_rdev == 0;

		if (x->image_area
			? !(S_ISCHR(st->st_mode) &&
			    sysctr_ar_harmless_dev(major(st->st_rdev),
						   minor(st->st_rdev)))
			: !whiteout) {
			log_warn("%s: device node not exported", apath);
			return 0;
		}
	} else if (S_ISSOCK(st->st_mode)) {
		return 0; /* a socket is made by whoever listens */
	}
	if (S_ISDIR(st->st_mode) && st->st_dev != x->area_dev) {
		log_warn("%s: another filesystem, not exported", apath);
		return 0;
	}

	SYSCTR_AR->archive_entry_clear(e);
	SYSCTR_AR->archive_entry_set_pathname(e, apath);
	SYSCTR_AR->archive_entry_set_filetype(e, st->st_mode & S_IFMT);
	SYSCTR_AR->archive_entry_set_perm(e, st->st_mode & 07777);
	SYSCTR_AR->archive_entry_set_uid(e, down_id(x, st->st_uid));
	SYSCTR_AR->archive_entry_set_gid(e, down_id(x, st->st_gid));
	SYSCTR_AR->archive_entry_set_mtime(e, st->st_mtim.tv_sec,
					   st->st_mtim.tv_nsec);
	if (S_ISREG(st->st_mode)) {
		first = link_first(x, st, apath);
		if (first != NULL) {
			SYSCTR_AR->archive_entry_set_hardlink(e, first);
			SYSCTR_AR->archive_entry_set_size(e, 0);
		} else {
			fd = openat(dirfd, name,
				    O_RDONLY | O_NOFOLLOW | O_CLOEXEC |
					O_NOATIME);
			if (fd < 0)
				return sysctr_err(err, SYSCTR_E_FAILED, errno,
						  "open %s", apath);
			SYSCTR_AR->archive_entry_set_size(e, st->st_size);
		}
	} else if (S_ISLNK(st->st_mode)) {
		ssize_t n = readlinkat(dirfd, name, target, sizeof(target) - 1);

		if (n < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "read link %s", apath);
		target[n] = '\0';
		SYSCTR_AR->archive_entry_set_symlink(e, target);
	} else if (S_ISCHR(st->st_mode) || S_ISBLK(st->st_mode)) {
		SYSCTR_AR->archive_entry_set_rdevmajor(e, major(st->st_rdev));
		SYSCTR_AR->archive_entry_set_rdevminor(e, minor(st->st_rdev));
	}
	if (S_ISDIR(st->st_mode)) {
		fd = openat(dirfd, name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "open %s", apath);
	}
	if (first == NULL && add_xattrs(x, fd, dirfd, name, err) < 0)
		return -1;
	ret = SYSCTR_AR->archive_write_header(x->a, e);
	if (ret < ARCHIVE_WARN)
		return export_ar_fail(x, apath, err);
	if (S_ISREG(st->st_mode) && fd >= 0)
		return write_data(x, fd, apath, st->st_size, err);
	if (S_ISDIR(st->st_mode) && !x->root_only)
		return put_dir(x, steal_fd(&fd), apath, err);
	return 0;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The entries of the directory fd (taken), in name order so the same tree
 * gives the same archive. */
static int put_dir(struct export_tree *x, int fd, const char *apath,
		   struct sysctr_error **err)
{
	cleanup_closedir DIR *d = fdopendir(fd);
	cleanup_strv char **names = NULL;
	struct dirent *de;
	size_t n;

	if (d == NULL) {
		close(fd);
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "read %s",
				  apath);
	}
	names = xcalloc(1, sizeof(*names));
	while ((de = readdir(d)) != NULL)
		if (strcmp(de->d_name, ".") != 0 &&
		    strcmp(de->d_name, "..") != 0)
			strv_push(&names, de->d_name);
	n = strv_length(names);
	qsort(names, n, sizeof(*names), name_cmp);
	for (size_t i = 0; i < n; i++) {
		cleanup_free char *p = xasprintf("%s/%s", apath, names[i]);
		struct stat st;

		if (fstatat(dirfd(d), names[i], &st, AT_SYMLINK_NOFOLLOW) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "stat %s", p);
		if (put_entry(x, dirfd(d), names[i], p, &st, err) < 0)
			return -1;
	}
	return 0;
}

/* The tree at path as the members apath/... (apath itself its root;
 * only that with root_only). */
int export_put_tree(struct export_tree *x, const char *path, const char *apath,
		    bool image, bool root_only, struct sysctr_error **err)
{
	cleanup_free char *parent = xstrdup(path);
	char *slash = strrchr(parent, '/');
	cleanup_close int pfd = -1;
	struct stat st;

	*slash = '\0';
	pfd =
	    open(parent[0] ? parent : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (pfd < 0 || fstatat(pfd, slash + 1, &st, AT_SYMLINK_NOFOLLOW) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s", path);
	if (!S_ISDIR(st.st_mode))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "%s: not a directory", path);
	x->area_dev = st.st_dev;
	x->image_area = image;
	x->root_only = root_only;
	return put_entry(x, pfd, slash + 1, apath, &st, err);
}

/* A member from memory (index.json, container.conf, checksums.json),
 * root's, 0600. */
int export_put_text(struct export_tree *x, const char *apath, const char *text,
		    bool sum, struct sysctr_error **err)
{
	struct archive_entry *e = x->e;
	size_t len = strlen(text);

	SYSCTR_AR->archive_entry_clear(e);
	SYSCTR_AR->archive_entry_set_pathname(e, apath);
	SYSCTR_AR->archive_entry_set_filetype(e, AE_IFREG);
	SYSCTR_AR->archive_entry_set_perm(e, 0600);
	SYSCTR_AR->archive_entry_set_size(e, (la_int64_t)len);
	SYSCTR_AR->archive_entry_set_mtime(e, time(NULL), 0);
	if (SYSCTR_AR->archive_write_header(x->a, e) < ARCHIVE_WARN ||
	    SYSCTR_AR->archive_write_data(x->a, text, len) != (la_ssize_t)len)
		return export_ar_fail(x, apath, err);
	if (sum) {
		struct sysctr_sha256 h;
		char hex[65];

		sysctr_sha256_init(&h);
		sysctr_sha256_update(&h, text, len);
		sysctr_sha256_hex(&h, hex);
		json_object_object_add(x->sums, apath,
				       json_object_new_string(hex));
	}
	return 0;
}
