/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Moving a tree's owners into an id range and back (lib/idmap-shift.c):
 * the file work under lib/idmap.c's shifted image copies, which
 * lib/image.c also uses to make an image's rootfs from its copy. No
 * registry, no configuration: paths and numbers only. */
#ifndef SYSCTR_IDMAP_SHIFT_H
#define SYSCTR_IDMAP_SHIFT_H

#include <stddef.h>
#include <stdint.h>

#include "error.h"

/* The name of an image's rootfs shifted into [base, base + size), kept
 * beside its rootfs ("rootfs.idmap-BASE-SIZE"). */
char *sysctr_idmap_twin_name(long long base, long long size);
/* The first such copy in image_dir, whatever its map: its path and the
 * map's base and size. 1 when found, 0 when the image has none. */
int sysctr_idmap_twin_find(const char *image_dir, char **path, uint32_t *base,
			   uint32_t *size);

/* Shift the ownership of every entry below path by +base (ids at or above
 * size become the map's nobody), keeping setuid/setgid bits and file
 * capabilities (rewritten as namespaced v3 capabilities for rootid base). */
int sysctr_idmap_shift_tree(const char *path, uint32_t base, uint32_t size,
			    struct sysctr_error **err);
/* The reverse: ids in [base, base + size) down by base (others become
 * 65534), v3 capabilities of rootid base back to v2. */
int sysctr_idmap_unshift_tree(const char *path, uint32_t base, uint32_t size,
			      struct sysctr_error **err);

/* The pieces of the shift, for the trees that move between hosts
 * (export and import): a container's id into the map at base (ids at or
 * above size become the map's nobody); a security.capability value
 * rewritten as v3 naming rootid (v has room for v3), or a v3 naming rootid
 * as the plain v2 it is inside, returning the new length (len when it is
 * not such a value); a POSIX ACL value's user and group ids through map. */
uint32_t sysctr_idmap_up(uint32_t id, uint32_t base, uint32_t size);
uint32_t sysctr_idmap_down(uint32_t id, uint32_t base, uint32_t size);
size_t sysctr_idmap_caps_v3(unsigned char *v, size_t len, uint32_t rootid);
size_t sysctr_idmap_caps_v2(unsigned char *v, size_t len, uint32_t rootid);
void sysctr_idmap_acl_ids(unsigned char *v, size_t len,
			  uint32_t (*map)(uint32_t id, const void *data),
			  const void *data);
#endif
