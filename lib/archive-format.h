/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The export archive's layout, shared by lib/export.c, which writes it,
 * and lib/import.c, which reads it (see export.c for the whole). */
#ifndef SYSCTR_ARCHIVE_FORMAT_H
#define SYSCTR_ARCHIVE_FORMAT_H
#include <stdbool.h>

#define SYSCTR_AR_FORMAT "sysctr-export"
#define SYSCTR_AR_VERSION 1

/* members, in the order they come */
#define SYSCTR_AR_INDEX "index.json"
#define SYSCTR_AR_CONF "container.conf"
#define SYSCTR_AR_LAYERS "layers/" /* + KEY, then the layer's tree */
#define SYSCTR_AR_UPPER "upper"
#define SYSCTR_AR_IMAGE_META "image/meta"
#define SYSCTR_AR_IMAGE_ROOTFS "image/rootfs"
#define SYSCTR_AR_SUMS "checksums.json"

/* The owner a mapped id outside the container's range gets. */
#define SYSCTR_AR_NOBODY 65534

/* Largest index.json, checksums.json, container.conf and image/meta an
 * import reads into memory. */
#define SYSCTR_AR_TEXT_MAX (4 * 1024 * 1024)
/* The device nodes an image may hold (debootstrap makes them, LXC mounts
 * its own /dev over them): null, zero, full, random, urandom, tty,
 * console, ptmx. Any other is neither exported nor imported. */
static inline bool sysctr_ar_harmless_dev(unsigned major, unsigned minor)
{
	return (major == 1 && (minor == 3 || minor == 5 || minor == 7 ||
			       minor == 8 || minor == 9)) ||
	       (major == 5 && minor <= 2);
}
#endif
