/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Merging a stack of overlayfs layers into one (lib/flatten.c). */
#ifndef SYSCTR_FLATTEN_H
#define SYSCTR_FLATTEN_H

#include <stdbool.h>

#include "sysctr.h"

/* A container's layer stack is flattened into one layer when it grows
 * past this many: lookups stay fast and overlayfs' mount options (one
 * page) hold the paths. */
#define SYSCTR_LAYERS_MAX 16

/* Apply the layers (their directories, top first) onto the empty
 * directory out, so that out over base (the image's rootfs) shows what
 * the stack over base shows. privileged: the layers keep overlayfs'
 * attributes as trusted.overlay.*, else user.overlay.* (userxattr). */
int sysctr_layers_merge(char *const *layers, const char *base, const char *out,
			bool privileged, struct sysctr_error **err);

#endif
