/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* The layer store on disk: CONTAINERS/.layers/NAME/fs holds one immutable
 * overlayfs layer (what a container's upper directory held when it was
 * frozen). Beside the containers, so freezing a container's upper is a
 * rename on one filesystem, and inside the directory that already keeps
 * other users out (0710, the mapped root's group). Which layers exist and
 * who uses them is the registry's (store-snap.c); this file only moves,
 * measures and removes their files. */
#ifndef SYSCTR_LAYERS_H
#define SYSCTR_LAYERS_H

#include <stdint.h>

#include "context.h"

/* CONTAINERS/.layers, made (0710, root, the mapped root's group) when
 * missing. */
int sysctr_layers_dir(struct sysctr *s, char **out, struct sysctr_error **err);
/* The content directory of layer name: what overlayfs takes as a lower. */
char *sysctr_layer_fs(struct sysctr *s, const char *name);
/* A fresh name: 16 random hex digits. */
char *sysctr_layer_new_name(void);
/* Make layer name out of the directory from (renamed, so same
 * filesystem); its own directory is staged (an empty directory made
 * beforehand, moved into place) when that exists, else made now. A layer
 * whose content is there already is left as it is. */
int sysctr_layer_take(struct sysctr *s, const char *name, const char *from,
		      const char *staged, struct sysctr_error **err);
/* Remove layer name's files; absent is fine. */
int sysctr_layer_remove(struct sysctr *s, const char *name,
			struct sysctr_error **err);
#endif
