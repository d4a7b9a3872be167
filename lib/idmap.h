/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Unprivileged containers: root inside is uid/gid idmap.base on the host.
 * overlayfs cannot be idmapped on LXC 5.0 here, so each image keeps a copy
 * of its rootfs whose ownership is shifted once into the map's range;
 * every unprivileged container of that image uses it as its lower layer. */
#ifndef SYSCTR_IDMAP_H
#define SYSCTR_IDMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "context.h"
#include "idmap-shift.h"

/* Make sure IMAGE_DIR has a rootfs shifted into sysctr.conf's range
 * (builds it under the image's lock if not). */
int sysctr_idmap_prepare(struct sysctr *s, const char *image_dir,
			 struct sysctr_error **err);

/* Make sure /etc/subuid and /etc/subgid give root sysctr.conf's id range
 * (appending it when there is no entry); an overlap with another user's
 * range is an error. */
int sysctr_idmap_reserve(struct sysctr *s, struct sysctr_error **err);

/* Does the text of a subuid or subgid file (named file in errors) give
 * root the whole range [base, base + size)? *has says so. Another user's
 * range overlapping it is an error (SYSCTR_E_FAILED naming that user):
 * their ids would be the containers'. */
int sysctr_idmap_subid_parse(const char *text, const char *file, long long base,
			     long long size, bool *has,
			     struct sysctr_error **err);
/* The same of the file itself; a missing file has no range. */
int sysctr_idmap_subid_check(const char *file, long long base, long long size,
			     bool *has, struct sysctr_error **err);

/* The name of an image's shifted rootfs beside its rootfs
 * ("rootfs.idmap-BASE-SIZE"). */
char *sysctr_idmap_dir_name(struct sysctr *s);
/* Path of the shifted rootfs of IMAGE_DIR; SYSCTR_E_FAILED if it was never
 * prepared. */
int sysctr_idmap_lower(struct sysctr *s, const char *image_dir, char **lower,
		       struct sysctr_error **err);

#endif
