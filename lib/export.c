/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* export: one container, its snapshots and optionally its image as one
 * tar archive compressed with zstd, streamed through libarchive.
 *
 * The archive (its members in this order; lib/archive-format.h):
 *   index.json      what it holds: the container's row, its layer stack,
 *                   its snapshots and their stacks, the image it needs
 *   container.conf
 *   layers/KEY/...  each layer the container or a kept snapshot uses
 *   upper/...       the container's own upper directory
 *   image/meta, image/rootfs/...   with --with-image
 *   checksums.json  SHA-256 of every regular file member, last
 * Owners are container-relative (an unprivileged container's mapped ids
 * shifted back down, file capabilities made plain v2), so an archive
 * imports on a host with another id range.
 *
 * A stopped container is read under its lock; a running one from a
 * snapshot cut for the purpose (frozen while it is cut, like any
 * snapshot) and deleted afterwards, so it runs on meanwhile. The file
 * appears when it is whole: it is written unnamed (O_TMPFILE) in its
 * directory and linked into place at the end. */
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
#include "image.h"
#include "layer-stack.h"
#include "layers.h"
#include "lock.h"
#include "log.h"
#include "snapshot.h"
#include "store.h"
#include "util.h"

#define BUF_SIZE (1024 * 1024)

struct link_seen {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct ex {
	struct sysctr *s;
	struct archive *a;
	struct archive_entry *e;
	bool unpriv; /* shift owners down by base */
	uint32_t base, size;
	json_object *sums; /* member path -> sha256 */
	struct link_seen *links;
	size_t nlinks, caplinks;
	char *buf;
	int64_t done, total, reported; /* bytes, for the progress */
	dev_t area_dev;
	bool image_area;
	bool root_only; /* the area's root directory, not what is in it */
};

static int ar_fail(struct ex *x, const char *what, struct sysctr_error **err)
{
	return sysctr_err(err, SYSCTR_E_FAILED, 0, "%s: %s", what,
			  SYSCTR_AR->archive_error_string(x->a));
}

static void progress(struct ex *x)
{
	if (x->done - x->reported < 16 * 1024 * 1024)
		return;
	x->reported = x->done;
	sysctr_progress(x->s, "export", (int)(x->done >> 20),
			(int)(x->total >> 20));
}

/* The image's own rootfs is not shifted: only the layers and the upper
 * of an unprivileged container are. */
static bool shifted(const struct ex *x)
{
	return x->unpriv && !x->image_area;
}

static uint32_t down_id(struct ex *x, uint32_t id)
{
	if (!shifted(x))
		return id;
	if (id >= x->base && id - x->base < x->size)
		return id - x->base;
	return SYSCTR_AR_NOBODY;
}

/* security.capability of an unprivileged container: v3 naming its mapped
 * root becomes the plain v2 it is inside. */
static size_t caps_down(struct ex *x, unsigned char *v, size_t len)
{
	uint32_t magic, rootid = 0;

	if (!shifted(x) || len != XATTR_CAPS_SZ_3)
		return len;
	for (int i = 0; i < 4; i++)
		rootid |= (uint32_t)v[XATTR_CAPS_SZ_2 + i] << (8 * i);
	if (rootid != x->base)
		return len;
	memcpy(&magic, v, 4);
	magic = (magic & ~VFS_CAP_REVISION_MASK) | VFS_CAP_REVISION_2;
	memcpy(v, &magic, 4);
	return XATTR_CAPS_SZ_2;
}

/* A POSIX ACL names users and groups by host id (see lib/idmap.c). */
static void acl_down(struct ex *x, unsigned char *v, size_t len)
{
	if (!shifted(x) || len < 4 || (len - 4) % 8 != 0)
		return;
	for (size_t off = 4; off < len; off += 8) {
		unsigned tag = v[off] | (unsigned)v[off + 1] << 8;
		uint32_t id = 0;

		if (tag != 0x02 && tag != 0x08) /* ACL_USER, ACL_GROUP */
			continue;
		for (int i = 0; i < 4; i++)
			id |= (uint32_t)v[off + 4 + i] << (8 * i);
		id = down_id(x, id);
		for (int i = 0; i < 4; i++)
			v[off + 4 + i] = (unsigned char)(id >> (8 * i));
	}
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
static int add_xattrs(struct ex *x, int fd, int dirfd, const char *name,
		      struct sysctr_error **err)
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
		if (strcmp(xn, "security.capability") == 0)
			len = (ssize_t)caps_down(x, val, (size_t)len);
		else if (str_starts_with(xn, "system.posix_acl_"))
			acl_down(x, val, (size_t)len);
		SYSCTR_AR->archive_entry_xattr_add_entry(x->e, xn, val,
							 (size_t)len);
	}
	return 0;
}

/* The first name of an inode with several links, or NULL (then
 * remembered under path). */
static const char *link_first(struct ex *x, const struct stat *st,
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

static int write_data(struct ex *x, int fd, const char *apath, off_t size,
		      struct sysctr_error **err)
{
	struct sysctr_sha256 h;
	char hex[65];
	off_t left = size;

	sysctr_sha256_init(&h);
	while (left > 0) {
		size_t want = left < BUF_SIZE ? (size_t)left : BUF_SIZE;
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
			return ar_fail(x, "write the archive", err);
		}
		left -= n;
		x->done += n;
		progress(x);
	}
	sysctr_sha256_hex(&h, hex);
	json_object_object_add(x->sums, apath, json_object_new_string(hex));
	return 0;
}

/* Device nodes an image may hold (debootstrap makes them); LXC mounts its
 * own /dev over them. */
static bool harmless_dev(const struct stat *st)
{
	unsigned ma = major(st->st_rdev), mi = minor(st->st_rdev);

	return S_ISCHR(st->st_mode) &&
	       ((ma == 1 &&
		 (mi == 3 || mi == 5 || mi == 7 || mi == 8 || mi == 9)) ||
		(ma == 5 && mi <= 2));
}

static int put_dir(struct ex *x, int fd, const char *apath,
		   struct sysctr_error **err);

/* One entry name of the directory dirfd, as member apath. */
static int put_entry(struct ex *x, int dirfd, const char *name,
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

		if (x->image_area ? !harmless_dev(st) : !whiteout) {
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
		return ar_fail(x, apath, err);
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
static int put_dir(struct ex *x, int fd, const char *apath,
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
static int put_tree(struct ex *x, const char *path, const char *apath,
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
static int put_text(struct ex *x, const char *apath, const char *text, bool sum,
		    struct sysctr_error **err)
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
		return ar_fail(x, apath, err);
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

/* ---- what goes in ------------------------------------------------------- */

struct plan {
	struct sysctr_ct_row row;
	struct sysctr_image_row image; /* id 0: none */
	char *conf_text;
	bool privileged;
	char **stack;  /* the current state, top first */
	char **layers; /* every layer exported */
	struct sysctr_snap_row *snaps;
	char ***snap_stacks;
	size_t nsnaps;
	char *based_on;
	bool with_upper; /* false: the current state is a snapshot's stack */
};

static void plan_clear(struct plan *p)
{
	sysctr_ct_row_clear(&p->row);
	sysctr_image_row_clear(&p->image);
	free(p->conf_text);
	strv_free(p->stack);
	strv_free(p->layers);
	for (size_t i = 0; i < p->nsnaps; i++)
		strv_free(p->snap_stacks[i]);
	free(p->snap_stacks);
	sysctr_snap_rows_free(p->snaps, p->nsnaps);
	free(p->based_on);
}

static void add_layers(char ***all, char *const *stack)
{
	for (size_t i = 0; stack != NULL && stack[i] != NULL; i++)
		if (!strv_contains(*all, stack[i]))
			strv_push(all, stack[i]);
}

/* For the holder of the lock: the rows and files to export. skip: the
 * snapshot cut for the export (its stack is the current state). */
static int plan_make(struct sysctr *s, const char *name, const char *skip,
		     bool snapshots, struct plan *p, struct sysctr_error **err)
{
	cleanup_free char *conf = sysctr_ct_conf_path(s, name);
	cleanup_ctconf struct sysctr_ct_config *ct = NULL;
	struct sysctr_snap_row *all = NULL;
	size_t n = 0;

	if (sysctr_store_ct_get(s->store, name, &p->row, err) < 0 ||
	    sysctr_stack_repair(s, &p->row, err) < 0)
		return -1;
	if (p->row.storage != NULL && strcmp(p->row.storage, "overlay") != 0)
		return sysctr_err(err, SYSCTR_E_STATE, 0,
				  "a full copy (create --copy) cannot be "
				  "exported: only a container on overlay "
				  "layers");
	if (sysctr_conf_read(conf, false, &p->conf_text, err) < 0 ||
	    sysctr_ct_config_parse(p->conf_text, conf, &ct, err) < 0)
		return -1;
	p->privileged = ct->security.privileged;
	if (p->row.image_id != 0 &&
	    sysctr_store_image_get(s->store, p->row.image_id, &p->image, err) <
		0)
		return -1;
	if (sysctr_store_ct_layers(s->store, p->row.id, &p->stack, err) < 0 ||
	    sysctr_store_snap_list(s->store, p->row.id, &all, &n, err) < 0)
		return -1;
	p->layers = xcalloc(1, sizeof(char *));
	p->snaps = xcalloc(n + 1, sizeof(*p->snaps));
	p->snap_stacks = xcalloc(n + 1, sizeof(*p->snap_stacks));
	p->with_upper = skip == NULL;
	for (size_t i = 0; i < n; i++) {
		cleanup_strv char **st = NULL;
		cleanup_snap_row struct sysctr_snap_row one = { 0 };

		if (all[i].id == p->row.based_on)
			p->based_on = xstrdup(all[i].name);
		if (sysctr_store_snap_get(s->store, p->row.id, all[i].name,
					  &one, &st, err) < 0)
			goto fail;
		if (skip != NULL && strcmp(all[i].name, skip) == 0) {
			strv_free(p->stack);
			p->stack = steal_ptr(&st);
			continue;
		}
		if (!snapshots)
			continue;
		p->snaps[p->nsnaps] = one;
		memset(&one, 0, sizeof(one));
		p->snap_stacks[p->nsnaps++] = steal_ptr(&st);
	}
	sysctr_snap_rows_free(all, n);
	add_layers(&p->layers, p->stack);
	for (size_t i = 0; i < p->nsnaps; i++)
		add_layers(&p->layers, p->snap_stacks[i]);
	if (skip != NULL && p->based_on != NULL && !snapshots) {
		free(p->based_on);
		p->based_on = NULL;
	}
	return 0;
fail:
	sysctr_snap_rows_free(all, n);
	return -1;
}

static json_object *strv_json(char *const *v)
{
	json_object *a = json_object_new_array();

	for (size_t i = 0; v != NULL && v[i] != NULL; i++)
		json_object_array_add(a, json_object_new_string(v[i]));
	return a;
}

static json_object *str_or_null(const char *v)
{
	return v ? json_object_new_string(v) : NULL;
}

static char *index_json(const struct plan *p, bool with_image)
{
	json_object *o = json_object_new_object();
	json_object *img = json_object_new_object();
	json_object *snaps = json_object_new_array();
	char *text;

	json_object_object_add(o, "format",
			       json_object_new_string(SYSCTR_AR_FORMAT));
	json_object_object_add(o, "version",
			       json_object_new_int(SYSCTR_AR_VERSION));
	json_object_object_add(o, "name", json_object_new_string(p->row.name));
	json_object_object_add(o, "template",
			       json_object_new_string(p->row.template));
	json_object_object_add(o, "release",
			       json_object_new_string(p->row.release));
	json_object_object_add(o, "arch", json_object_new_string(p->row.arch));
	json_object_object_add(o, "created",
			       json_object_new_int64(p->row.created));
	json_object_object_add(o, "exported",
			       json_object_new_int64(now_realtime()));
	json_object_object_add(o, "privileged",
			       json_object_new_boolean(p->privileged));
	json_object_object_add(img, "included",
			       json_object_new_boolean(with_image));
	json_object_object_add(img, "hash", str_or_null(p->image.hash));
	json_object_object_add(img, "created",
			       json_object_new_int64(p->image.created));
	json_object_object_add(o, "image", img);
	json_object_object_add(o, "layers", strv_json(p->layers));
	json_object_object_add(o, "stack", strv_json(p->stack));
	json_object_object_add(o, "based_on", str_or_null(p->based_on));
	for (size_t i = 0; i < p->nsnaps; i++) {
		json_object *one = json_object_new_object();

		json_object_object_add(
		    one, "name", json_object_new_string(p->snaps[i].name));
		json_object_object_add(
		    one, "created", json_object_new_int64(p->snaps[i].created));
		json_object_object_add(one, "comment",
				       str_or_null(p->snaps[i].comment));
		json_object_object_add(one, "kind",
				       str_or_null(p->snaps[i].kind));
		json_object_object_add(one, "stack",
				       strv_json(p->snap_stacks[i]));
		json_object_array_add(snaps, one);
	}
	json_object_object_add(o, "snapshots", snaps);
	text = xstrdup(json_object_to_json_string_ext(
	    o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	return text;
}

/* ---- the file ------------------------------------------------------------ */

/* An unnamed file in file's directory (or, where O_TMPFILE is not
 * supported, a hidden temporary name), linked into place by
 * out_finish(). */
struct out {
	int fd;
	char *dir, *file, *tmpname;
};

static int out_open(struct out *o, const char *file, struct sysctr_error **err)
{
	cleanup_free char *copy = xstrdup(file);
	char *slash = strrchr(copy, '/');

	o->file = xstrdup(file);
	if (slash == NULL)
		o->dir = xstrdup(".");
	else if (slash == copy)
		o->dir = xstrdup("/");
	else {
		*slash = '\0';
		o->dir = xstrdup(copy);
	}
	if (is_dir(file))
		return sysctr_err(err, SYSCTR_E_USAGE, 0,
				  "%s is a directory: name the archive file",
				  file);
	o->fd = open(o->dir, O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
	if (o->fd >= 0)
		return 0;
	if (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL)
		return sysctr_err(err, SYSCTR_E_FAILED, errno,
				  "create a file in %s", o->dir);
	o->tmpname = xasprintf("%s/.%s.partial-XXXXXX", o->dir,
			       slash ? slash + 1 : file);
	o->fd = mkostemp(o->tmpname, O_CLOEXEC);
	if (o->fd < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "create %s",
				  o->tmpname);
	return 0;
}

static int out_finish(struct out *o, struct sysctr_error **err)
{
	cleanup_free char *proc = NULL;
	cleanup_free char *tmp = NULL;

	if (fsync(o->fd) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "write %s",
				  o->file);
	if (o->tmpname == NULL) {
		/* linkat() cannot replace: link to a fresh name, rename */
		proc = xasprintf("/proc/self/fd/%d", o->fd);
		tmp = xasprintf("%s.partial-%ld", o->file, (long)getpid());
		unlink(tmp);
		if (linkat(AT_FDCWD, proc, AT_FDCWD, tmp, AT_SYMLINK_FOLLOW) <
		    0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "link %s", tmp);
		o->tmpname = steal_ptr(&tmp);
	}
	if (rename(o->tmpname, o->file) < 0)
		return sysctr_err(err, SYSCTR_E_FAILED, errno, "rename to %s",
				  o->file);
	free(o->tmpname);
	o->tmpname = NULL;
	return 0;
}

static void out_close(struct out *o)
{
	if (o->fd >= 0)
		close(o->fd);
	if (o->tmpname != NULL)
		unlink(o->tmpname);
	free(o->tmpname);
	free(o->dir);
	free(o->file);
}

static int64_t plan_bytes(struct sysctr *s, const struct plan *p,
			  bool with_image)
{
	int64_t total = 0;

	for (size_t i = 0; p->layers[i] != NULL; i++) {
		cleanup_free char *fs = sysctr_layer_fs(s, p->layers[i]);

		total += sysctr_tree_size(fs);
	}
	if (p->with_upper) {
		cleanup_free char *up =
		    sysctr_stack_path(s, p->row.name, "overlay/delta");

		total += sysctr_tree_size(up);
	}
	if (with_image && p->image.path != NULL) {
		cleanup_free char *r = xasprintf("%s/rootfs", p->image.path);

		total += sysctr_tree_size(r);
	}
	return total;
}

static int write_archive(struct sysctr *s, const struct plan *p,
			 const struct sysctr_export_opts *o, int fd,
			 struct sysctr_export_result *res,
			 struct sysctr_error **err)
{
	struct ex x = { .s = s };
	cleanup_free char *index = index_json(p, o->with_image);
	cleanup_free char *sums_text = NULL;
	json_object *top;
	int ret = -1;

	x.unpriv = !p->privileged;
	x.base = (uint32_t)s->cfg->idmap.base;
	x.size = (uint32_t)s->cfg->idmap.size;
	x.sums = json_object_new_object();
	x.buf = xmalloc(BUF_SIZE);
	/* a walk of its own: only for somebody who watches */
	if (s->progress != NULL)
		x.total = plan_bytes(s, p, o->with_image);
	x.a = SYSCTR_AR->archive_write_new();
	x.e = SYSCTR_AR->archive_entry_new();
	if (x.a == NULL || x.e == NULL)
		abort();
	if (SYSCTR_AR->archive_write_add_filter_zstd(x.a) != ARCHIVE_OK ||
	    SYSCTR_AR->archive_write_set_format_pax(x.a) != ARCHIVE_OK) {
		ar_fail(&x, "set up the archive", err);
		goto out;
	}
	/* zstd's own worker thread: compression runs beside the reading */
	SYSCTR_AR->archive_write_set_filter_option(x.a, "zstd",
						   "compression-level", "3");
	SYSCTR_AR->archive_write_set_filter_option(x.a, "zstd", "threads", "2");
	SYSCTR_AR->archive_write_set_bytes_in_last_block(x.a, 1);
	if (SYSCTR_AR->archive_write_open_fd(x.a, fd) != ARCHIVE_OK) {
		ar_fail(&x, "open the archive", err);
		goto out;
	}
	if (put_text(&x, SYSCTR_AR_INDEX, index, true, err) < 0 ||
	    put_text(&x, SYSCTR_AR_CONF, p->conf_text, true, err) < 0)
		goto out;
	for (size_t i = 0; p->layers[i] != NULL; i++) {
		cleanup_free char *fs = sysctr_layer_fs(s, p->layers[i]);
		cleanup_free char *ap =
		    xasprintf(SYSCTR_AR_LAYERS "%s", p->layers[i]);

		if (put_tree(&x, fs, ap, false, false, err) < 0)
			goto out;
	}
	{
		/* a running container's current state is its snapshot's
		 * stack under an empty upper: the upper's root alone */
		cleanup_free char *up =
		    sysctr_stack_path(s, p->row.name, "overlay/delta");

		if (put_tree(&x, up, SYSCTR_AR_UPPER, false, !p->with_upper,
			     err) < 0)
			goto out;
	}
	if (o->with_image) {
		cleanup_free char *meta = NULL, *rootfs = NULL;
		cleanup_free char *meta_text = NULL;
		size_t len = 0;

		if (p->image.path == NULL) {
			sysctr_err(err, SYSCTR_E_FAILED, 0,
				   "--with-image: the container's image is "
				   "not in the registry");
			goto out;
		}
		meta = xasprintf("%s/meta", p->image.path);
		rootfs = xasprintf("%s/rootfs", p->image.path);
		if (read_file(meta, &meta_text, &len, err) < 0 ||
		    put_text(&x, SYSCTR_AR_IMAGE_META, meta_text, true, err) <
			0 ||
		    put_tree(&x, rootfs, SYSCTR_AR_IMAGE_ROOTFS, true, false,
			     err) < 0)
			goto out;
	}
	top = json_object_new_object();
	json_object_object_add(top, "sha256", json_object_get(x.sums));
	sums_text = xstrdup(json_object_to_json_string_ext(
	    top, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(top);
	if (put_text(&x, SYSCTR_AR_SUMS, sums_text, false, err) < 0)
		goto out;
	if (SYSCTR_AR->archive_write_close(x.a) != ARCHIVE_OK) {
		ar_fail(&x, "finish the archive", err);
		goto out;
	}
	res->bytes = x.done;
	res->layers = (int)strv_length(p->layers);
	res->snapshots = (int)p->nsnaps;
	ret = 0;
out:
	SYSCTR_AR->archive_write_free(x.a);
	SYSCTR_AR->archive_entry_free(x.e);
	json_object_put(x.sums);
	for (size_t i = 0; i < x.nlinks; i++)
		free(x.links[i].path);
	free(x.links);
	free(x.buf);
	return ret;
}

/* ---- export ------------------------------------------------------------- */

static char *export_snap_name(void)
{
	char stamp[32];
	time_t now = time(NULL);
	struct tm tm;

	localtime_r(&now, &tm);
	strftime(stamp, sizeof(stamp), "%Y%m%d-%H%M%S", &tm);
	return xasprintf("export-%s-%ld", stamp, (long)getpid());
}

SYSCTR_PUBLIC void sysctr_export_result_clear(struct sysctr_export_result *r)
{
	free(r->snapshot);
	memset(r, 0, sizeof(*r));
}

SYSCTR_PUBLIC int sysctr_ct_export(struct sysctr *s, const char *name,
				   const char *file,
				   const struct sysctr_export_opts *o,
				   struct sysctr_export_result *res,
				   struct sysctr_error **err)
{
	struct plan p = { 0 };
	struct out out = { .fd = -1 };
	cleanup_lock int lock = -1;
	cleanup_free char *snap = NULL;
	cleanup_free char *detail = NULL;
	struct sysctr_error *e = NULL;
	bool running;
	int ret = -1;

	memset(res, 0, sizeof(*res));
	res->frozen_s = -1;
	if (sysctr_archive_lib_load(err) < 0 ||
	    sysctr_ct_must_exist(s, name, err) < 0)
		return -1;
	running = sysctr_ct_is_active(s, name);
	if (running) {
		struct sysctr_snapshot_result sr = { 0 };

		snap = export_snap_name();
		if (sysctr_snapshot_cut(s, name, snap, "for an export",
					"export", 0, &sr, err) < 0)
			return -1;
		res->frozen_s = sr.frozen_s;
		res->snapshot = xstrdup(snap);
		sysctr_snapshot_result_clear(&sr);
	}
	lock = sysctr_ct_lock(s, name, err);
	if (lock < 0)
		goto out;
	if (!running && sysctr_ct_is_active(s, name)) {
		sysctr_err(err, SYSCTR_E_STATE, 0,
			   "it started while the export began: try again");
		goto out;
	}
	if (plan_make(s, name, snap, !o->no_snapshots, &p, err) < 0)
		goto out;
	/* the index names the image by its content, so that an import
	 * where it is cached already only checks it */
	if (o->with_image && p.image.path != NULL && p.image.hash == NULL)
		free(sysctr_image_hash(s, &p.image));
	/* a running container's layers are immutable: it may go on (and be
	 * stopped) meanwhile; a stopped one's upper is read under the lock */
	if (running)
		sysctr_unlock(steal_fd(&lock));
	if (out_open(&out, file, err) < 0 ||
	    write_archive(s, &p, o, out.fd, res, err) < 0 ||
	    out_finish(&out, err) < 0)
		goto out;
	ret = 0;
out:
	out_close(&out);
	plan_clear(&p);
	if (lock >= 0)
		sysctr_unlock(steal_fd(&lock));
	if (snap != NULL && sysctr_snapshot_delete(s, name, snap, &e) < 0)
		sysctr_log_warn_error(e, "remove the export's snapshot");
	detail =
	    xasprintf("%s%s", file, o->no_snapshots ? ", no snapshots" : "");
	sysctr_ct_record(s, name, "export", NULL, ret < 0 ? *err : NULL,
			 detail);
	return ret;
}
