/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Reading an import's archive (see export.c for its layout).
 *
 * The archive is not trusted. Its members are extracted by this file, not
 * by libarchive's disk writer, into a staging directory inside the new
 * container's temporary directory (which a killed import leaves for the
 * next create of the name to remove):
 * - a member's name must map into one of the areas (layers/KEY for a KEY
 *   the index lists, upper, image/...): no absolute path, no "." or ".."
 *   component, nothing else;
 * - its directory is opened with openat2(RESOLVE_BENEATH |
 *   RESOLVE_NO_SYMLINKS), so no symbolic link the archive made earlier is
 *   ever followed, and the entry is made with O_EXCL semantics (a name
 *   given twice is an error);
 * - device nodes: overlayfs whiteouts (0:0) in layers and upper, the
 *   harmless ones debootstrap makes (null, zero, ...) in an image; any
 *   other is refused; a hard link must point at a regular file of its own
 *   area;
 * - every regular file's SHA-256 is computed as it is written and the set
 *   must equal checksums.json, the last member; a truncated or corrupted
 *   stream fails in libarchive or in that comparison.
 * An unprivileged container's image is written once, shifted into the id
 * range (rootfs.idmap-*, its overlay lower here), and its own rootfs is
 * made from that copy only when something needs it
 * (sysctr_image_rootfs()). That is exact as long as shifting back gives
 * what the archive holds; from the first member for which it would not
 * (an owner beyond the range, a capability of another root), the rootfs
 * is made of what came so far and written beside the copy from then on.
 * Only then is anything registered, in one transaction; the layers move
 * into the layer store after its commit (containers.pending = "import",
 * finished by lib/layer-stack.c if sysctr is killed in between). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "archive-format.h"
#include "archive-lib.h"
#include "import-stream.h"
#include "conf.h"
#include "container.h"
#include "create.h"
#include "error.h"
#include "idmap.h"
#include "image.h"
#include "layer-stack.h"
#include "layers.h"
#include "lock.h"
#include "log.h"
#include "names.h"
#include "snapshot.h"
#include "store.h"
#include "util.h"

#define BUF_SIZE (1024 * 1024)

static int corrupt(struct import_stream *m, const char *what,
		   struct sysctr_error **err)
{
	return sysctr_err(err, SYSCTR_E_FAILED, 0,
			  "the archive is truncated or corrupt (%s: %s)", what,
			  SYSCTR_AR->archive_error_string(m->a));
}

static int refuse(const char *member, const char *why,
		  struct sysctr_error **err)
{
	return sysctr_err(err, SYSCTR_E_FAILED, 0,
			  "refused: member '%s' %s; nothing was imported",
			  member, why);
}

/* ---- names -------------------------------------------------------------- */

/* A relative name of plain components. */
static bool plain_path(const char *p)
{
	if (p[0] == '\0' || p[0] == '/' || strlen(p) >= 4000)
		return false;
	for (const char *c = p; *c != '\0';) {
		size_t n = strcspn(c, "/");

		if (n == 0 || (n == 1 && c[0] == '.') ||
		    (n == 2 && c[0] == '.' && c[1] == '.'))
			return false;
		c += n;
		if (*c == '/')
			c++;
	}
	return true;
}

enum area { AREA_NONE, AREA_LAYER, AREA_UPPER, AREA_IMAGE_META, AREA_IMAGE };

/* The staging path of member p, NULL if it has no place; *area and, for
 * a layer, *key (which area it is in: a hard link stays in its own). */
static char *map_member(struct import_stream *m, const char *p, enum area *area,
			const char **key)
{
	size_t n;

	*area = AREA_NONE;
	*key = NULL;
	if (!plain_path(p))
		return NULL;
	if (str_starts_with(p, SYSCTR_AR_LAYERS)) {
		const char *k = p + strlen(SYSCTR_AR_LAYERS);

		n = strcspn(k, "/");
		for (size_t i = 0; m->keys[i] != NULL; i++)
			if (strlen(m->keys[i]) == n &&
			    strncmp(k, m->keys[i], n) == 0) {
				*area = AREA_LAYER;
				*key = m->keys[i];
				return xasprintf("layers/%.*s/fs%s", (int)n, k,
						 k + n);
			}
		return NULL;
	}
	n = strlen(SYSCTR_AR_UPPER);
	if (strncmp(p, SYSCTR_AR_UPPER, n) == 0 &&
	    (p[n] == '\0' || p[n] == '/')) {
		*area = AREA_UPPER;
		return xstrdup(p);
	}
	if (!m->image)
		return NULL;
	if (strcmp(p, SYSCTR_AR_IMAGE_META) == 0) {
		*area = AREA_IMAGE_META;
		return xstrdup(p);
	}
	n = strlen(SYSCTR_AR_IMAGE_ROOTFS);
	if (strncmp(p, SYSCTR_AR_IMAGE_ROOTFS, n) == 0 &&
	    (p[n] == '\0' || p[n] == '/')) {
		*area = AREA_IMAGE;
		return xstrdup(p);
	}
	return NULL;
}

/* The directory of staging path rel, never through a symbolic link;
 * *base: its last component. -1 with errno. */
static int open_parent(struct import_stream *m, char *rel, const char **base)
{
	char *slash = strrchr(rel, '/');
	struct open_how how = {
		.flags = O_RDONLY | O_DIRECTORY | O_CLOEXEC,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
			   RESOLVE_NO_MAGICLINKS | RESOLVE_NO_XDEV,
	};
	long fd;

	if (slash == NULL) {
		*base = rel;
		return dup(m->stagefd);
	}
	*slash = '\0';
	*base = slash + 1;
	fd = syscall(SYS_openat2, m->stagefd, rel, &how, sizeof(how));
	*slash = '/';
	return (int)fd;
}

/* ---- one member ---------------------------------------------------------- */

static char *strip_slash(const char *name)
{
	char *p = xstrdup(name);
	size_t n = strlen(p);

	while (n > 1 && p[n - 1] == '/')
		p[--n] = '\0';
	return p;
}

/* The member's data into fd (and fd2 when >= 0; nowhere when fd < 0),
 * its SHA-256 into the sums either way. */
static int write_data(struct import_stream *m, int fd, int fd2,
		      const char *member, struct sysctr_error **err)
{
	struct sysctr_sha256 h;
	char hex[65];
	int64_t want = SYSCTR_AR->archive_entry_size(m->e), got = 0;

	sysctr_sha256_init(&h);
	for (;;) {
		const void *buf;
		size_t len;
		la_int64_t off;
		int r =
		    SYSCTR_AR->archive_read_data_block(m->a, &buf, &len, &off);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK) {
			sysctr_sha256_drop(&h);
			return corrupt(m, member, err);
		}
		/* pax sparse files come as blocks at offsets: a hole hashes
		 * as the zeros it reads as */
		while (got < off) {
			size_t z = (size_t)(off - got) < BUF_SIZE
				       ? (size_t)(off - got)
				       : BUF_SIZE;

			memset(m->buf, 0, z);
			sysctr_sha256_update(&h, m->buf, z);
			got += (int64_t)z;
		}
		sysctr_sha256_update(&h, buf, len);
		if (fd >= 0 && (pwrite(fd, buf, len, off) != (ssize_t)len ||
				(fd2 >= 0 &&
				 pwrite(fd2, buf, len, off) != (ssize_t)len))) {
			sysctr_sha256_drop(&h);
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "write %s", member);
		}
		got = off + (int64_t)len;
		m->bytes += (int64_t)len;
	}
	while (got < want) {
		size_t z = (size_t)(want - got) < BUF_SIZE
			       ? (size_t)(want - got)
			       : BUF_SIZE;

		memset(m->buf, 0, z);
		sysctr_sha256_update(&h, m->buf, z);
		got += (int64_t)z;
	}
	if (fd >= 0 && (ftruncate(fd, want) < 0 ||
			(fd2 >= 0 && ftruncate(fd2, want) < 0))) {
		sysctr_sha256_drop(&h);
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "write %s",
				  member);
	}
	sysctr_sha256_hex(&h, hex);
	json_object_object_add(m->sums, member, json_object_new_string(hex));
	return 0;
}

static uint32_t up_id(const struct import_stream *m, uint32_t id)
{
	return sysctr_idmap_up(id, m->base, m->size);
}

static uint32_t up_id_cb(uint32_t id, const void *data)
{
	return up_id(data, id);
}

/* security.capability of the container's root (v2, or v3 of root 0)
 * becomes v3 of the mapped root; a POSIX ACL's ids move into the range.
 * val is a copy of at most XATTR_MAX bytes. */
#define XATTR_MAX 65536
static size_t shift_xattr(const struct import_stream *m, const char *name,
			  unsigned char *val, size_t len)
{
	if (strcmp(name, "security.capability") == 0)
		return sysctr_idmap_caps_v3(val, len, m->base);
	if (str_starts_with(name, "system.posix_acl_"))
		sysctr_idmap_acl_ids(val, len, up_id_cb, m);
	return len;
}

static int set_xattrs(struct import_stream *m, int fd, int pfd,
		      const char *base, bool link, bool shift,
		      const char *member, struct sysctr_error **err)
{
	const char *name;
	const void *val;
	size_t len;
	char path[64 + 4096];
	unsigned char copy[XATTR_MAX];

	snprintf(path, sizeof(path), "/proc/self/fd/%d/%s", pfd, base);
	SYSCTR_AR->archive_entry_xattr_reset(m->e);
	while (SYSCTR_AR->archive_entry_xattr_next(m->e, &name, &val, &len) ==
	       ARCHIVE_OK) {
		int r;

		if (len > XATTR_MAX)
			return refuse(member, "has an xattr too large", err);
		if (shift) {
			memcpy(copy, val, len);
			len = shift_xattr(m, name, copy, len);
			val = copy;
		}
		r = fd >= 0 ? fsetxattr(fd, name, val, len, 0)
			    : lsetxattr(path, name, val, len, 0);
		/* user.* cannot go on a symbolic link */
		if (r < 0 && link && (errno == EPERM || errno == ENOTSUP))
			continue;
		if (r < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "set xattr %s of %s", name, member);
	}
	return 0;
}

/* A member of an image this host has: its data is hashed for the
 * checksums, nothing is written. */
static int skip_member(struct import_stream *m, const char *member,
		       struct sysctr_error **err)
{
	if (SYSCTR_AR->archive_entry_filetype(m->e) != AE_IFREG ||
	    SYSCTR_AR->archive_entry_hardlink(m->e) != NULL)
		return 0;
	return write_data(m, -1, -1, member, err);
}

static int dir_remember(struct import_stream *m, const char *rel)
{
	if (m->ndirs == m->capdirs) {
		m->capdirs = m->capdirs ? 2 * m->capdirs : 256;
		m->dirs = xrealloc(m->dirs, m->capdirs * sizeof(*m->dirs));
	}
	m->dirs[m->ndirs].rel = xstrdup(rel);
	m->dirs[m->ndirs].mtime.tv_sec = SYSCTR_AR->archive_entry_mtime(m->e);
	m->dirs[m->ndirs].mtime.tv_nsec =
	    SYSCTR_AR->archive_entry_mtime_nsec(m->e);
	m->ndirs++;
	return 0;
}

/* Where one entry goes: its staging path, and whether its owners move
 * into the id range. An image's entry of an unprivileged container is
 * placed twice: as it is and shifted (the image's rootfs.idmap-*, which
 * lib/idmap.c would otherwise copy and shift afterwards). */
struct place {
	char *rel;
	bool shift;
	bool twin; /* the shifted copy of an image entry */
	int pfd, fd;
	const char *base;
	bool link; /* a symbolic link */
	bool done; /* a hard link: nothing more to set */
};

static void place_clear(struct place *p)
{
	if (p->pfd >= 0)
		close(p->pfd);
	if (p->fd >= 0)
		close(p->fd);
	free(p->rel);
}

/* image/rootfs[/...] -> image/rootfs.idmap-BASE-SIZE[/...] */
static char *twin_path(const struct import_stream *m, const char *rel)
{
	size_t n = strlen(SYSCTR_AR_IMAGE_ROOTFS);

	if (m->twin_dir == NULL ||
	    strncmp(rel, SYSCTR_AR_IMAGE_ROOTFS, n) != 0 ||
	    (rel[n] != '\0' && rel[n] != '/'))
		return NULL;
	return xasprintf("image/%s%s", m->twin_dir, rel + n);
}

static int link_member(struct import_stream *m, const char *member,
		       struct place *p, enum area area, const char *key,
		       struct sysctr_error **err)
{
	cleanup_free char *target =
	    strip_slash(SYSCTR_AR->archive_entry_hardlink(m->e));
	cleanup_free char *trel = NULL;
	cleanup_close int tpfd = -1;
	const char *tbase, *tkey;
	enum area tarea;
	struct stat st;

	trel = map_member(m, target, &tarea, &tkey);
	if (trel == NULL || tarea != area || tkey != key)
		return refuse(member, "is a hard link out of its own tree",
			      err);
	if (p->twin) {
		char *t = twin_path(m, trel);

		free(trel);
		trel = t;
	}
	tpfd = open_parent(m, trel, &tbase);
	if (tpfd < 0 || fstatat(tpfd, tbase, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
	    !S_ISREG(st.st_mode))
		return refuse(
		    member, "is a hard link to no regular file before it", err);
	if (linkat(tpfd, tbase, p->pfd, p->base, 0) < 0)
		return errno == EEXIST ? refuse(member, "appears twice", err)
				       : sysctr_err(err, SYSCTR_E_FAILED, errno,
						    "link %s", member);
	p->done = true;
	return 0;
}

/* Make the entry (a regular file empty and open in p->fd). */
static int place_open(struct import_stream *m, const char *member,
		      enum area area, const char *key, struct place *p,
		      struct sysctr_error **err)
{
	mode_t type = SYSCTR_AR->archive_entry_filetype(m->e);

	p->pfd = open_parent(m, p->rel, &p->base);
	if (p->pfd < 0 && errno == ENOSYS)
		return sysctr_err(
		    err, SYSCTR_E_FAILED, ENOSYS,
		    "import needs openat2() (Linux 5.6 or later)");
	if (p->pfd < 0)
		return errno == ELOOP || errno == EXDEV
			   ? refuse(member, "goes through a symbolic link", err)
			   : refuse(member, "has no directory before it", err);
	if (SYSCTR_AR->archive_entry_hardlink(m->e) != NULL)
		return link_member(m, member, p, area, key, err);

	if (type == AE_IFDIR) {
		struct stat st;

		if (mkdirat(p->pfd, p->base, 0700) < 0 &&
		    (errno != EEXIST ||
		     fstatat(p->pfd, p->base, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
		     !S_ISDIR(st.st_mode)))
			return errno == EEXIST
				   ? refuse(member, "appears twice", err)
				   : sysctr_err(err, SYSCTR_E_FAILED, errno,
						"create %s", member);
		p->fd = openat(p->pfd, p->base,
			       O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (p->fd < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "open %s", member);
		return dir_remember(m, p->rel);
	}
	if (type == AE_IFREG) {
		if (area == AREA_IMAGE_META &&
		    SYSCTR_AR->archive_entry_size(m->e) > SYSCTR_AR_TEXT_MAX)
			return refuse(member, "is too large", err);
		p->fd = openat(
		    p->pfd, p->base,
		    O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (p->fd < 0)
			return errno == EEXIST
				   ? refuse(member, "appears twice", err)
				   : sysctr_err(err, SYSCTR_E_FAILED, errno,
						"create %s", member);
		return 0;
	}
	if (type == AE_IFLNK) {
		const char *target = SYSCTR_AR->archive_entry_symlink(m->e);

		if (target == NULL || symlinkat(target, p->pfd, p->base) < 0)
			return errno == EEXIST
				   ? refuse(member, "appears twice", err)
				   : sysctr_err(err, SYSCTR_E_FAILED, errno,
						"create %s", member);
		p->link = true;
		return 0;
	}
	if (type == AE_IFCHR || type == AE_IFIFO) {
		unsigned ma = SYSCTR_AR->archive_entry_rdevmajor(m->e);
		unsigned mi = SYSCTR_AR->archive_entry_rdevminor(m->e);
		dev_t dev = 0;

		if (type == AE_IFCHR) {
			bool whiteout =
			    ma == 0 && mi == 0 &&
			    (area == AREA_LAYER || area == AREA_UPPER);

			if (!whiteout && !(area == AREA_IMAGE &&
					   sysctr_ar_harmless_dev(ma, mi)))
				return refuse(member,
					      "is a device node, which an "
					      "export never holds there",
					      err);
			dev = makedev(ma, mi);
		}
		if (mknodat(p->pfd, p->base, type | 0600, dev) < 0)
			return errno == EEXIST
				   ? refuse(member, "appears twice", err)
				   : sysctr_err(err, SYSCTR_E_FAILED, errno,
						"create %s", member);
		return 0;
	}
	return refuse(member,
		      "is a block device or another kind of file an export "
		      "never holds",
		      err);
}

/* Owner, xattrs, mode and time, once its data is written (a write would
 * drop file capabilities and setuid). */
static int place_finish(struct import_stream *m, const char *member,
			struct place *p, struct sysctr_error **err)
{
	uid_t uid = (uid_t)SYSCTR_AR->archive_entry_uid(m->e);
	gid_t gid = (gid_t)SYSCTR_AR->archive_entry_gid(m->e);
	mode_t perm = SYSCTR_AR->archive_entry_perm(m->e) & 07777;

	if (p->done)
		return 0;
	if (p->shift) {
		uid = up_id(m, uid);
		gid = up_id(m, gid);
	}
	if (fchownat(p->pfd, p->base, uid, gid, AT_SYMLINK_NOFOLLOW) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "chown %s",
				  member);
	/* after the chown, which drops file capabilities and setuid */
	if (set_xattrs(m, p->fd, p->pfd, p->base, p->link, p->shift, member,
		       err) < 0)
		return -1;
	if (!p->link && (p->fd >= 0 ? fchmod(p->fd, perm)
				    : fchmodat(p->pfd, p->base, perm, 0)) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "chmod %s",
				  member);
	if (SYSCTR_AR->archive_entry_filetype(m->e) != AE_IFDIR) {
		struct timespec t[2];

		t[0].tv_sec = t[1].tv_sec =
		    SYSCTR_AR->archive_entry_mtime(m->e);
		t[0].tv_nsec = t[1].tv_nsec =
		    SYSCTR_AR->archive_entry_mtime_nsec(m->e);
		utimensat(p->pfd, p->base, t, AT_SYMLINK_NOFOLLOW);
	}
	return 0;
}

static uint32_t down_id_cb(uint32_t id, const void *data)
{
	const struct import_stream *m = data;

	return sysctr_idmap_down(id, m->base, m->size);
}

/* Would shifting the current member into the range and back lose
 * anything: an owner, a capability's root, an ACL's id? */
static bool shift_loses(struct import_stream *m)
{
	const char *name;
	const void *val;
	size_t len;
	unsigned char v[XATTR_MAX];

	if (SYSCTR_AR->archive_entry_uid(m->e) >= m->size ||
	    SYSCTR_AR->archive_entry_gid(m->e) >= m->size)
		return true;
	SYSCTR_AR->archive_entry_xattr_reset(m->e);
	while (SYSCTR_AR->archive_entry_xattr_next(m->e, &name, &val, &len) ==
	       ARCHIVE_OK) {
		size_t n;

		if (len > XATTR_MAX)
			return false; /* refused when it is set */
		memcpy(v, val, len);
		n = shift_xattr(m, name, v, len);
		if (strcmp(name, "security.capability") == 0)
			n = sysctr_idmap_caps_v2(v, n, m->base);
		else if (str_starts_with(name, "system.posix_acl_"))
			sysctr_idmap_acl_ids(v, n, down_id_cb, m);
		if (n != len || memcmp(v, val, len) != 0)
			return true;
	}
	return false;
}

/* From now on the image's own rootfs is written too: make it of the
 * shifted copy so far (exact: every member before this one shifted back
 * losslessly), its directories' times to be set with the copy's. */
static int start_raw(struct import_stream *m, struct sysctr_error **err)
{
	cleanup_free char *twin = NULL, *raw = NULL;
	size_t ndirs = m->ndirs;
	size_t n = strlen("image/") + strlen(m->twin_dir);

	twin = xasprintf("%s/image/%s", m->staging, m->twin_dir);
	raw = xasprintf("%s/%s", m->staging, SYSCTR_AR_IMAGE_ROOTFS);
	log_info("import: the image's rootfs is written as it is too");
	m->raw_too = true;
	/* nothing came yet when it is the rootfs's own directory */
	if (!is_dir(twin))
		return 0;
	if (copy_tree(twin, raw, err) < 0 ||
	    sysctr_idmap_unshift_tree(raw, m->base, m->size, err) < 0)
		return -1;
	for (size_t i = 0; i < ndirs; i++) {
		const char *rel = m->dirs[i].rel;
		cleanup_free char *r = NULL;

		if (strncmp(rel, "image/", 6) != 0 ||
		    strncmp(rel + 6, m->twin_dir, n - 6) != 0 ||
		    (rel[n] != '\0' && rel[n] != '/'))
			continue;
		r = xasprintf("%s%s", SYSCTR_AR_IMAGE_ROOTFS, rel + n);
		if (dir_remember(m, r) < 0)
			return -1;
		m->dirs[m->ndirs - 1].mtime = m->dirs[i].mtime;
	}
	return 0;
}

static int extract(struct import_stream *m, const char *name,
		   struct sysctr_error **err)
{
	enum area area;
	const char *key;
	/* a directory's name may end in '/' */
	cleanup_free char *member = strip_slash(name);
	struct place p[2] = { { .pfd = -1, .fd = -1 },
			      { .pfd = -1, .fd = -1 } };
	size_t n = 1;
	int ret = -1;

	p[0].rel = map_member(m, member, &area, &key);
	if (p[0].rel == NULL) {
		refuse(member,
		       "has no place in a sysctr export (an absolute path, a "
		       "'..' or an unknown name)",
		       err);
		goto out;
	}
	if (m->skip_image && (area == AREA_IMAGE || area == AREA_IMAGE_META)) {
		ret = skip_member(m, member, err);
		goto out;
	}
	p[0].shift = m->shift && (area == AREA_LAYER || area == AREA_UPPER);
	if (area == AREA_IMAGE && m->twin_dir != NULL) {
		if (!m->raw_too && shift_loses(m) && start_raw(m, err) < 0)
			goto out;
		p[1].rel = twin_path(m, p[0].rel);
		p[1].shift = p[1].twin = true;
		if (p[1].rel != NULL && m->raw_too) {
			n = 2;
		} else if (p[1].rel != NULL) {
			/* the shifted copy alone */
			free(p[0].rel);
			p[0] = p[1];
			p[1] = (struct place){ .pfd = -1, .fd = -1 };
		}
	}
	for (size_t i = 0; i < n; i++)
		if (place_open(m, member, area, key, &p[i], err) < 0)
			goto out;
	if (p[0].fd >= 0 &&
	    SYSCTR_AR->archive_entry_filetype(m->e) == AE_IFREG &&
	    write_data(m, p[0].fd, n == 2 ? p[1].fd : -1, member, err) < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		if (place_finish(m, member, &p[i], err) < 0)
			goto out;
	ret = 0;
out:
	place_clear(&p[0]);
	place_clear(&p[1]);
	return ret;
}

/* ---- the stream -----------------------------------------------------------
 */

/* Next header; 0 at the end. */
static int next(struct import_stream *m, struct sysctr_error **err)
{
	int r = SYSCTR_AR->archive_read_next_header(m->a, &m->e);

	if (r == ARCHIVE_EOF)
		return 0;
	if (r != ARCHIVE_OK && r != ARCHIVE_WARN)
		return corrupt(m, "header", err);
	if (m->in_size > 0 &&
	    SYSCTR_AR->archive_filter_bytes(m->a, -1) - m->reported >
		16 * 1024 * 1024) {
		m->reported = SYSCTR_AR->archive_filter_bytes(m->a, -1);
		sysctr_progress(m->s, "import (MiB of the archive)",
				(int)(m->reported >> 20),
				(int)(m->in_size >> 20));
	}
	return 1;
}

/* A small member, expected by name, read whole (its hash into sums when
 * sum). */
int import_read_text(struct import_stream *m, const char *want, bool sum,
		     char **text, struct sysctr_error **err)
{
	int64_t size;
	cleanup_free char *buf = NULL;
	int r = next(m, err);

	if (r < 0)
		return -1;
	if (r == 0)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "the archive is truncated or corrupt (it "
				  "ends before %s)",
				  want);
	if (strcmp(SYSCTR_AR->archive_entry_pathname(m->e), want) != 0 ||
	    SYSCTR_AR->archive_entry_filetype(m->e) != AE_IFREG)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "not a sysctr export: '%s' where %s belongs",
				  SYSCTR_AR->archive_entry_pathname(m->e),
				  want);
	size = SYSCTR_AR->archive_entry_size(m->e);
	if (size < 0 || size > SYSCTR_AR_TEXT_MAX)
		return refuse(want, "is too large", err);
	buf = xmalloc((size_t)size + 1);
	if (SYSCTR_AR->archive_read_data(m->a, buf, (size_t)size) != size)
		return corrupt(m, want, err);
	buf[size] = '\0';
	if (strlen(buf) != (size_t)size)
		return refuse(want, "holds a NUL byte", err);
	if (sum) {
		struct sysctr_sha256 h;
		char hex[65];

		sysctr_sha256_init(&h);
		sysctr_sha256_update(&h, buf, (size_t)size);
		sysctr_sha256_hex(&h, hex);
		json_object_object_add(m->sums, want,
				       json_object_new_string(hex));
	}
	*text = steal_ptr(&buf);
	return 0;
}

/* ---- checks
 * ------------------------------------------------------------------ */

static int check_sums(struct import_stream *m, const char *text,
		      struct sysctr_error **err)
{
	json_object *root = json_tokener_parse(text), *want;
	int ret = 0;

	if (root == NULL || !json_object_object_get_ex(root, "sha256", &want) ||
	    !json_object_is_type(want, json_type_object)) {
		json_object_put(root);
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "the archive's checksums.json is damaged");
	}
	json_object_object_foreach(m->sums, member, got)
	{
		json_object *w;

		if (!json_object_object_get_ex(want, member, &w) ||
		    strcmp(json_object_get_string(w),
			   json_object_get_string(got)) != 0) {
			ret = sysctr_err(err, SYSCTR_E_FAILED, 0,
					 "the archive is corrupt: %s does not "
					 "match its checksum",
					 member);
			break;
		}
	}
	if (ret == 0 && json_object_object_length(want) !=
			    json_object_object_length(m->sums))
		ret = sysctr_err(err, SYSCTR_E_FAILED, 0,
				 "the archive is truncated or corrupt: "
				 "files listed in checksums.json are missing");
	json_object_put(root);
	return ret;
}

/* Directory times last: making their entries changed them. */
static void fix_dir_times(struct import_stream *m)
{
	for (size_t i = m->ndirs; i-- > 0;) {
		struct timespec t[2] = { m->dirs[i].mtime, m->dirs[i].mtime };

		utimensat(m->stagefd, m->dirs[i].rel, t, AT_SYMLINK_NOFOLLOW);
		free(m->dirs[i].rel);
	}
	free(m->dirs);
	m->dirs = NULL;
	m->ndirs = m->capdirs = 0;
}

/* Read everything after container.conf into the staging directory. */
int import_extract_all(struct import_stream *m, struct sysctr_error **err)
{
	cleanup_free char *sums_text = NULL;
	int r;

	for (;;) {
		const char *p;

		r = next(m, err);
		if (r < 0)
			return -1;
		if (r == 0)
			return sysctr_err(err, SYSCTR_E_FAILED, 0,
					  "the archive is truncated or "
					  "corrupt (it ends before "
					  "checksums.json)");
		p = SYSCTR_AR->archive_entry_pathname(m->e);
		if (p == NULL)
			return corrupt(m, "a member without a name", err);
		if (strcmp(p, SYSCTR_AR_SUMS) == 0)
			break;
		if (extract(m, p, err) < 0)
			return -1;
	}
	/* checksums.json was the header just read: read it as text */
	{
		int64_t size = SYSCTR_AR->archive_entry_size(m->e);

		if (size < 0 || size > SYSCTR_AR_TEXT_MAX)
			return refuse(SYSCTR_AR_SUMS, "is too large", err);
		sums_text = xmalloc((size_t)size + 1);
		if (SYSCTR_AR->archive_read_data(m->a, sums_text,
						 (size_t)size) != size)
			return corrupt(m, SYSCTR_AR_SUMS, err);
		sums_text[size] = '\0';
	}
	r = next(m, err);
	if (r < 0)
		return -1;
	if (r > 0)
		return refuse(SYSCTR_AR->archive_entry_pathname(m->e),
			      "comes after checksums.json", err);
	fix_dir_times(m);
	return check_sums(m, sums_text, err);
}

int import_stream_open(struct sysctr *s, struct import_stream *m, int fd,
		       struct sysctr_error **err)
{
	struct stat st;

	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode))
		m->in_size = st.st_size;
	m->s = s;
	m->stagefd = -1;
	m->sums = json_object_new_object();
	m->buf = xmalloc(BUF_SIZE);
	m->a = SYSCTR_AR->archive_read_new();
	if (m->a == NULL)
		abort();
	SYSCTR_AR->archive_read_support_filter_zstd(m->a);
	SYSCTR_AR->archive_read_support_format_tar(m->a);
	if (SYSCTR_AR->archive_read_open_fd(m->a, fd, 256 * 1024) != ARCHIVE_OK)
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "not a sysctr export (%s)",
				  SYSCTR_AR->archive_error_string(m->a));
	return 0;
}

void import_stream_close(struct import_stream *m)
{
	if (m->a != NULL)
		SYSCTR_AR->archive_read_free(m->a);
	json_object_put(m->sums);
	if (m->stagefd >= 0)
		close(m->stagefd);
	for (size_t i = 0; i < m->ndirs; i++)
		free(m->dirs[i].rel);
	free(m->dirs);
	free(m->buf);
	free(m->twin_dir);
	free(m->staging);
}

int import_make_staging(struct import_stream *m, const char *staging,
			char *const *keys, struct sysctr_error **err)
{
	cleanup_free char *layers = xasprintf("%s/layers", staging);

	m->staging = xstrdup(staging);
	if (mkdir(staging, 0700) < 0 || mkdir(layers, 0700) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  staging);
	for (size_t i = 0; keys[i] != NULL; i++) {
		cleanup_free char *k = xasprintf("%s/%s", layers, keys[i]);

		if (mkdir(k, 0700) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "create %s", k);
	}
	if (m->image) {
		cleanup_free char *img = xasprintf("%s/image", staging);

		if (mkdir(img, 0711) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "create %s", img);
	}
	m->stagefd = open(staging, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (m->stagefd < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "open %s",
				  staging);
	return 0;
}
