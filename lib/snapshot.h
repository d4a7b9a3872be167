/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* Snapshots (lib/snapshot.c): what the rest of the library needs of them. */
#ifndef SYSCTR_SNAPSHOT_H
#define SYSCTR_SNAPSHOT_H

#include "context.h"
#include "store.h"

/* A snapshot name: [a-zA-Z0-9][a-zA-Z0-9._-]{0,63}, no "..". */
int sysctr_snap_name_check(const char *snap, struct sysctr_error **err);
/* sysctr_snapshot_create() with the snapshot's kind ("manual", "auto")
 * and creation time (0: now). */
int sysctr_snapshot_cut(struct sysctr *s, const char *name, const char *snap,
			const char *comment, const char *kind, int64_t created,
			struct sysctr_snapshot_result *res,
			struct sysctr_error **err);
/* For the holder of the container's lock (row): make its current state a
 * new layer, as a snapshot does but without a snapshot row (a stopped
 * container goes on over it, a running one is copied while frozen and
 * goes on as it was), and run extra(s, stack, data, err) in the
 * transaction that registers it, stack being the new layer over the
 * container's stack. *frozen_s: how long a running one was frozen, else
 * -1. */
int sysctr_snapshot_cut_layer(struct sysctr *s, const struct sysctr_ct_row *row,
			      int (*extra)(struct sysctr *s, char *const *stack,
					   void *data,
					   struct sysctr_error **err),
			      void *data, double *frozen_s,
			      struct sysctr_error **err);

#endif
