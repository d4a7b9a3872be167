/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Writing trees and texts into an export archive (lib/export-tree.c): the
 * members in name order, owners shifted down for an unprivileged
 * container, xattrs kept (overlayfs's per-mount ones dropped), hard links
 * as links, every regular file's SHA-256 kept for checksums.json. */
#ifndef SYSCTR_EXPORT_TREE_H
#define SYSCTR_EXPORT_TREE_H
#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "archive-lib.h"
#include "context.h"

#define EXPORT_BUF_SIZE (1024 * 1024)

struct link_seen {
	dev_t dev;
	ino_t ino;
	char *path;
};

struct export_tree {
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

/* An error from libarchive, about what. */
int export_ar_fail(struct export_tree *x, const char *what,
		   struct sysctr_error **err);
/* The tree at path as the members apath/... (apath itself its root; only
 * that with root_only); image: an image's rootfs (its owners are not
 * shifted, and the device nodes debootstrap makes are kept). */
int export_put_tree(struct export_tree *x, const char *path, const char *apath,
		    bool image, bool root_only, struct sysctr_error **err);
/* A member from memory, root's, 0600 (its hash kept when sum). */
int export_put_text(struct export_tree *x, const char *apath, const char *text,
		    bool sum, struct sysctr_error **err);
#endif
