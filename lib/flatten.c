/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Merge a stack of overlayfs layers into one, so that the merged layer
 * over the image shows what the stack over the image shows (a container's
 * stack would otherwise grow by one layer with every snapshot).
 *
 * The layers are applied bottom up onto an empty directory, as overlayfs
 * would see them: an entry of a higher layer replaces the one below; a
 * whiteout (a 0/0 character device, or a file with the overlay.whiteout
 * xattr) removes what is below and stays a whiteout (it must still hide
 * the image's entry); an opaque directory (overlay.opaque = "y") replaces
 * the directory below with its own content and stays opaque; a directory
 * made where a layer below had a whiteout becomes opaque. Owners, modes,
 * times, xattrs (file capabilities, ACLs) and hard links within a layer
 * are kept; overlayfs' own bookkeeping xattrs (origin, impure, ...) are
 * not: they describe the layers that no longer exist. Redirects and
 * metacopy files do not occur: sysctr's mounts enable neither. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "error.h"
#include "flatten.h"
#include "util.h"

struct merge {
	const char *opaque_xattr; /* "user.overlay.opaque" or trusted.* */
	/* hard links of the layer being applied: source inode -> the path
	 * (relative to the merged root) of its first copy */
	dev_t *dev;
	ino_t *ino;
	char **path;
	size_t nlinks, cap;
	int root; /* the merged directory */
	int base; /* the image's rootfs, under the merged layer */
};

/* Does the image have rel (any type)? A whiteout or an opaque directory
 * is needed only to hide something of it. */
static bool base_has(struct merge *m, const char *rel)
{
	struct stat st;

	return fstatat(m->base, rel, &st, AT_SYMLINK_NOFOLLOW) == 0;
}

static bool is_overlay_xattr(const char *name)
{
	return str_starts_with(name, "user.overlay.") ||
	       str_starts_with(name, "trusted.overlay.");
}

/* Does the entry have xattr, with that value (NULL: any)? */
static bool has_xattr_value(int dfd, const char *name, const char *xattr,
			    const char *value)
{
	char path[64], buf[8];
	ssize_t n;
	int fd = openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return false;
	/* through the fd's magic link, which leads to the entry itself */
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = getxattr(path, xattr, buf, sizeof(buf) - 1);
	close(fd);
	if (n < 0)
		return false;
	buf[n] = '\0';
	return value == NULL || strcmp(buf, value) == 0;
}

static bool is_whiteout(int dfd, const char *name, const struct stat *st)
{
	if (S_ISCHR(st->st_mode) && st->st_rdev == makedev(0, 0))
		return true;
	return S_ISREG(st->st_mode) && st->st_size == 0 &&
	       (has_xattr_value(dfd, name, "user.overlay.whiteout", "") ||
		has_xattr_value(dfd, name, "trusted.overlay.whiteout", ""));
}

/* Copy the xattrs of src (an open fd, or a path for a link) but
 * overlayfs' own, after the owner (a chown drops file capabilities). */
static int copy_xattrs(const char *src, const char *dst, bool link,
		       struct sysctr_error **err)
{
	char names[4096];
	ssize_t len;

	/* a symbolic link's xattrs (never user.*) are not kept */
	if (link)
		return 0;
	len = listxattr(src, names, sizeof(names));

	if (len < 0)
		return errno == ENOTSUP
			   ? 0
			   : sysctr_err(err, SYSCTR_E_FAILED, errno,
					"xattrs of %s", src);
	for (char *n = names; n < names + len; n += strlen(n) + 1) {
		char value[65536];
		ssize_t v;

		if (is_overlay_xattr(n))
			continue;
		v = getxattr(src, n, value, sizeof(value));
		if (v < 0)
			continue;
		if (setxattr(dst, n, value, (size_t)v, 0) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "set %s on %s", n, dst);
	}
	return 0;
}

/* Owner, then mode (a chown clears setuid bits), then xattrs, of the
 * entry at dst (relative to dfd) from st and src's path. */
static int copy_meta(int sfd, const char *sname, int dfd, const char *dname,
		     const struct stat *st, struct sysctr_error **err)
{
	char src[64], dst[64];
	bool link = S_ISLNK(st->st_mode);
	int s = openat(sfd, sname, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int d = openat(dfd, dname, O_PATH | O_NOFOLLOW | O_CLOEXEC);
	int ret = 0;

	if (s < 0 || d < 0) {
		ret = sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s", dname);
		goto out;
	}
	snprintf(src, sizeof(src), "/proc/self/fd/%d", s);
	snprintf(dst, sizeof(dst), "/proc/self/fd/%d", d);
	if (fchownat(d, "", st->st_uid, st->st_gid,
		     AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW) < 0) {
		ret =
		    sysctr_err(err, SYSCTR_E_FAILED, errno, "chown %s", dname);
		goto out;
	}
	if (!link && chmod(dst, st->st_mode & 07777) < 0) {
		ret =
		    sysctr_err(err, SYSCTR_E_FAILED, errno, "chmod %s", dname);
		goto out;
	}
	ret = copy_xattrs(src, dst, link, err);
out:
	if (s >= 0)
		close(s);
	if (d >= 0)
		close(d);
	return ret;
}

static int set_times(int dfd, const char *name, const struct stat *st,
		     struct sysctr_error **err)
{
	struct timespec ts[2] = { st->st_atim, st->st_mtim };

	if (utimensat(dfd, name, ts, AT_SYMLINK_NOFOLLOW) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "times of %s",
				  name);
	return 0;
}

/* Remove whatever is at name below dfd (a tree, a file); absent is fine. */
static int remove_at(int dfd, const char *name, struct sysctr_error **err)
{
	char path[64];
	int fd;
	int ret;

	if (unlinkat(dfd, name, 0) == 0 || errno == ENOENT)
		return 0;
	if (errno != EISDIR && errno != EPERM)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "remove %s",
				  name);
	fd = openat(dfd, name, O_PATH | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "remove %s",
				  name);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	{
		cleanup_free char *real = realpath(path, NULL);

		close(fd);
		if (real == NULL)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "remove %s", name);
		ret = rm_rf(real, err);
	}
	return ret;
}

static int copy_data(int sfd, const char *name, int dfd, const struct stat *st,
		     struct sysctr_error **err)
{
	cleanup_close int in =
	    openat(sfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	cleanup_close int out = -1;
	off_t left = st->st_size;

	if (in < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s", name);
	out =
	    openat(dfd, name,
		   O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (out < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  name);
	while (left > 0) {
		ssize_t n =
		    copy_file_range(in, NULL, out, NULL, (size_t)left, 0);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return sysctr_err(err, SYSCTR_E_FAILED,
					  n < 0 ? errno : EIO, "copy %s", name);
		left -= n;
	}
	return 0;
}

/* rel: the entry's path below the merged root, for hard links. */
static int copy_entry(struct merge *m, int sfd, int dfd, const char *name,
		      const char *rel, const struct stat *st,
		      struct sysctr_error **err)
{
	if (!S_ISDIR(st->st_mode) && st->st_nlink > 1) {
		for (size_t i = 0; i < m->nlinks; i++)
			if (m->dev[i] == st->st_dev &&
			    m->ino[i] == st->st_ino) {
				if (linkat(m->root, m->path[i], dfd, name, 0) ==
				    0)
					return 0;
				break; /* replaced since: a copy then */
			}
		if (m->nlinks == m->cap) {
			m->cap = m->cap ? m->cap * 2 : 32;
			m->dev = xrealloc(m->dev, m->cap * sizeof(*m->dev));
			m->ino = xrealloc(m->ino, m->cap * sizeof(*m->ino));
			m->path = xrealloc(m->path, m->cap * sizeof(*m->path));
		}
		m->dev[m->nlinks] = st->st_dev;
		m->ino[m->nlinks] = st->st_ino;
		m->path[m->nlinks++] = xstrdup(rel);
	}
	if (S_ISREG(st->st_mode)) {
		if (copy_data(sfd, name, dfd, st, err) < 0)
			return -1;
	} else if (S_ISLNK(st->st_mode)) {
		char target[4096];
		ssize_t n = readlinkat(sfd, name, target, sizeof(target) - 1);

		if (n < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "read link %s", name);
		target[n] = '\0';
		if (symlinkat(target, dfd, name) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "link %s", name);
	} else if (mknodat(dfd, name, st->st_mode & S_IFMT, st->st_rdev) < 0) {
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "make %s", name);
	}
	if (copy_meta(sfd, name, dfd, name, st, err) < 0)
		return -1;
	return set_times(dfd, name, st, err);
}

static int apply_dir(struct merge *m, int sfd, int dfd, const char *rel,
		     bool visible, struct sysctr_error **err);

static int set_opaque(struct merge *m, int dfd, const char *name,
		      struct sysctr_error **err)
{
	char path[64];
	cleanup_close int fd =
	    openat(dfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);

	if (fd < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s", name);
	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	if (setxattr(path, m->opaque_xattr, "y", 1, 0) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "mark %s opaque",
				  name);
	return 0;
}

/* visible: the image's entries at this level show through (no opaque
 * directory above, and the image has the directory). */
static int apply_subdir(struct merge *m, int sfd, int dfd, const char *name,
			const char *rel, const struct stat *st, bool visible,
			struct sysctr_error **err)
{
	struct stat dst;
	bool opaque = has_xattr_value(sfd, name, m->opaque_xattr, "y");
	bool had = fstatat(dfd, name, &dst, AT_SYMLINK_NOFOLLOW) == 0;
	bool was_whiteout = had && is_whiteout(dfd, name, &dst);
	cleanup_close int s = -1;
	cleanup_close int d = -1;

	if (had && (opaque || !S_ISDIR(dst.st_mode))) {
		if (remove_at(dfd, name, err) < 0)
			return -1;
		had = false;
	}
	if (!had) {
		if (mkdirat(dfd, name, 0700) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "create %s", rel);
		/* below it, nothing of the image may show through */
		if ((opaque || was_whiteout) && visible && base_has(m, rel) &&
		    set_opaque(m, dfd, name, err) < 0)
			return -1;
	}
	visible = visible && base_has(m, rel) &&
		  !has_xattr_value(dfd, name, m->opaque_xattr, "y");
	if (copy_meta(sfd, name, dfd, name, st, err) < 0)
		return -1;
	s = openat(sfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	d = openat(dfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (s < 0 || d < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s", rel);
	if (apply_dir(m, s, d, rel, visible, err) < 0)
		return -1;
	return set_times(dfd, name, st, err);
}

static int apply_dir(struct merge *m, int sfd, int dfd, const char *rel,
		     bool visible, struct sysctr_error **err)
{
	cleanup_closedir DIR *d = NULL;
	struct dirent *de;
	int fd = dup(sfd);

	if (fd < 0 || (d = fdopendir(fd)) == NULL) {
		if (fd >= 0)
			close(fd);
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "read %s",
				  rel[0] ? rel : "/");
	}
	while ((de = readdir(d)) != NULL) {
		cleanup_free char *sub = NULL;
		struct stat st;
		int ret;

		if (strcmp(de->d_name, ".") == 0 ||
		    strcmp(de->d_name, "..") == 0)
			continue;
		sub = rel[0] ? xasprintf("%s/%s", rel, de->d_name)
			     : xstrdup(de->d_name);
		if (fstatat(sfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "stat %s", sub);
		if (S_ISDIR(st.st_mode)) {
			ret = apply_subdir(m, sfd, dfd, de->d_name, sub, &st,
					   visible, err);
		} else {
			ret = remove_at(dfd, de->d_name, err);
			if (ret == 0 && is_whiteout(sfd, de->d_name, &st)) {
				/* stays a whiteout where it hides the image's
				 * entry; one in a directory the image lacks
				 * would be listed as a device node */
				if (!visible || !base_has(m, sub))
					continue;
				if (mknodat(dfd, de->d_name, S_IFCHR | 0000,
					    makedev(0, 0)) < 0)
					ret = sysctr_err(err, SYSCTR_E_FAILED,
							 errno, "whiteout %s",
							 sub);
				else
					ret = copy_meta(sfd, de->d_name, dfd,
							de->d_name, &st, err);
			} else if (ret == 0) {
				ret = copy_entry(m, sfd, dfd, de->d_name, sub,
						 &st, err);
			}
		}
		if (ret < 0)
			return -1;
	}
	return 0;
}

int sysctr_layers_merge(char *const *layers, const char *base, const char *out,
			bool privileged, struct sysctr_error **err)
{
	struct merge m = { 0 };
	size_t n = strv_length(layers);
	int ret = 0;

	m.opaque_xattr =
	    privileged ? "trusted.overlay.opaque" : "user.overlay.opaque";
	m.base = open(base, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (m.base < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s", base);
	m.root = open(out, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
	if (m.root < 0) {
		close(m.base);
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s", out);
	}
	/* bottom up: the top layer last, so it wins */
	for (size_t i = n; ret == 0 && i-- > 0;) {
		cleanup_close int src = open(
		    layers[i], O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		struct stat st;

		if (src < 0 || fstat(src, &st) < 0) {
			ret = sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s",
					 layers[i]);
			break;
		}
		/* the root directory's own attributes: the top layer's */
		if (fchown(m.root, st.st_uid, st.st_gid) < 0 ||
		    fchmod(m.root, st.st_mode & 07777) < 0) {
			ret = sysctr_err(err, SYSCTR_E_FAILED, errno,
					 "set up %s", out);
			break;
		}
		ret = apply_dir(&m, src, m.root, "", true, err);
		for (size_t k = 0; k < m.nlinks; k++)
			free(m.path[k]);
		m.nlinks = 0; /* hard links do not span layers */
	}
	free(m.dev);
	free(m.ino);
	free(m.path);
	close(m.root);
	close(m.base);
	return ret;
}
