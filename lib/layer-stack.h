/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A container's layer stack, files and rows together (lib/layer-stack.c). */
#ifndef SYSCTR_LAYER_STACK_H
#define SYSCTR_LAYER_STACK_H

#include "context.h"
#include "store.h"

/* containers.pending: a layer switch committed in the registry whose
 * files still have to move, "KIND LAYER" */
#define PENDING_FREEZE "freeze " /* the upper becomes LAYER */
#define PENDING_COPY "copy "	 /* overlay/snap.copy becomes LAYER */
#define PENDING_FLAT "flat "	 /* overlay/flat.next becomes LAYER */
#define PENDING_IMPORT "import"	 /* each import/layers/NAME becomes NAME */

/* CONTAINERS/NAME/REL */
char *sysctr_stack_path(struct sysctr *s, const char *name, const char *rel);
/* Move the files of row->pending's switch into place and clear it. */
int sysctr_stack_finish(struct sysctr *s, const struct sysctr_ct_row *row,
			struct sysctr_error **err);
/* For the holder of the container's lock, before anything uses its files:
 * finish a layer switch that a killed sysctr left (row->pending), or
 * remove what a cut that never committed made. */
int sysctr_stack_repair(struct sysctr *s, const struct sysctr_ct_row *row,
			struct sysctr_error **err);
/* The overlayfs lower directories of the container, top first: its layer
 * stack, then image_lower. A layer another container's pending switch
 * makes is finished first, under that container's lock. */
int sysctr_stack_lowers(struct sysctr *s, const struct sysctr_ct_row *row,
			const char *image_lower, char ***dirs,
			struct sysctr_error **err);
/* In the caller's transaction: the layers nothing uses any more leave the
 * registry; their names are returned for sysctr_stack_remove() once it
 * commits. */
int sysctr_stack_release(struct sysctr *s, char ***names,
			 struct sysctr_error **err);
/* Remove those layers' files, and any layer directory without a row. */
void sysctr_stack_remove(struct sysctr *s, char **names);

#endif
