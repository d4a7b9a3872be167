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

/* Shift the ownership of every entry below path by +base (ids at or above
 * size become the map's nobody), keeping setuid/setgid bits and file
 * capabilities (rewritten as namespaced v3 capabilities for rootid base). */
int sysctr_idmap_shift_tree(const char *path, uint32_t base, uint32_t size,
			    struct sysctr_error **err);

/* The pieces of the shift, for the trees that move between hosts
 * (export and import): a container's id into the map at base (ids at or
 * above size become the map's nobody); a security.capability value
 * rewritten as v3 naming rootid (v has room for v3), or a v3 naming rootid
 * as the plain v2 it is inside, returning the new length (len when it is
 * not such a value); a POSIX ACL value's user and group ids through map. */
uint32_t sysctr_idmap_up(uint32_t id, uint32_t base, uint32_t size);
size_t sysctr_idmap_caps_v3(unsigned char *v, size_t len, uint32_t rootid);
size_t sysctr_idmap_caps_v2(unsigned char *v, size_t len, uint32_t rootid);
void sysctr_idmap_acl_ids(unsigned char *v, size_t len,
			  uint32_t (*map)(uint32_t id, const void *data),
			  const void *data);
#endif
