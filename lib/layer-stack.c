/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* A container's layer stack as its files and its registry rows must
 * agree (see lib/snapshot.c for how they change): finishing a switch a
 * killed sysctr left, the lower directories a start mounts, and layers
 * that nothing uses any more. Below both the container lifecycle and
 * the snapshot commands, which call it; it calls neither. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "error.h"
#include "layer-stack.h"
#include "layers.h"
#include "lock.h"
#include "log.h"
#include "store.h"
#include "util.h"

char *sysctr_stack_path(struct sysctr *s, const char *name, const char *rel)
{
	return xasprintf("%s/%s/%s", s->containers_dir, name, rel);
}

/* ---- finishing a switch ------------------------------------------------ */

/* An import's layers (lib/import.c) move from the container's directory
 * into the layer store, each as its registered name. */
static int finish_import(struct sysctr *s, const struct sysctr_ct_row *row,
			 struct sysctr_error **err)
{
	cleanup_free char *staging = sysctr_stack_path(s, row->name, "import");
	cleanup_free char *dir = xasprintf("%s/layers", staging);
	cleanup_closedir DIR *d = opendir(dir);
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL) {
		cleanup_free char *fs = NULL, *from = NULL;

		if (de->d_name[0] == '.')
			continue;
		fs = sysctr_layer_fs(s, de->d_name);
		from = xasprintf("%s/%s/fs", dir, de->d_name);
		if (!path_exists(fs) &&
		    sysctr_layer_take(s, de->d_name, from, NULL, err) < 0)
			return -1;
	}
	if (rm_rf(staging, err) < 0)
		return -1;
	return sysctr_store_ct_set_pending(s->store, row->id, NULL, err);
}

int sysctr_stack_finish(struct sysctr *s, const struct sysctr_ct_row *row,
			struct sysctr_error **err)
{
	cleanup_free char *upper =
	    sysctr_stack_path(s, row->name, "overlay/delta");
	cleanup_free char *next =
	    sysctr_stack_path(s, row->name, "overlay/delta.next");
	cleanup_free char *copy =
	    sysctr_stack_path(s, row->name, "overlay/snap.copy");
	cleanup_free char *staged =
	    sysctr_stack_path(s, row->name, "overlay/layer.next");
	const char *p = row->pending;
	bool freeze = str_starts_with(p, PENDING_FREEZE);
	const char *layer =
	    p + (freeze ? strlen(PENDING_FREEZE) : strlen(PENDING_COPY));
	cleanup_free char *fs = NULL;

	if (strcmp(p, PENDING_IMPORT) == 0)
		return finish_import(s, row, err);
	if (str_starts_with(p, PENDING_FLAT)) {
		/* the merged layer was made whole before the commit */
		cleanup_free char *flat =
		    sysctr_stack_path(s, row->name, "overlay/flat.next");
		cleanup_free char *flat_fs = xasprintf("%s/fs", flat);

		layer = p + strlen(PENDING_FLAT);
		fs = sysctr_layer_fs(s, layer);
		if (!path_exists(fs)) {
			if (sysctr_layer_take(s, layer, flat_fs, NULL, err) < 0)
				return -1;
			rmdir(flat);
		}
		return sysctr_store_ct_set_pending(s->store, row->id, NULL,
						   err);
	}
	if (!freeze && !str_starts_with(p, PENDING_COPY))
		return sysctr_err(err, SYSCTR_E_FAILED, 0,
				  "unknown pending change '%s' in the "
				  "registry",
				  p);
	fs = sysctr_layer_fs(s, layer);
	if (!path_exists(fs)) {
		const char *from = freeze ? upper : copy;

		if (!path_exists(from))
			return sysctr_err(err, SYSCTR_E_FAILED, 0,
					  "cannot finish the snapshot: "
					  "neither %s nor %s exists",
					  fs, from);
		if (sysctr_layer_take(s, layer, from, staged, err) < 0)
			return -1;
	}
	if (freeze && path_exists(next)) {
		if (path_exists(upper))
			return sysctr_err(err, SYSCTR_E_FAILED, 0,
					  "cannot finish the snapshot: both "
					  "%s and %s exist",
					  upper, next);
		if (rename(next, upper) < 0)
			return sysctr_err(err, SYSCTR_E_FAILED, errno,
					  "move %s to %s", next, upper);
	}
	return sysctr_store_ct_set_pending(s->store, row->id, NULL, err);
}

int sysctr_stack_repair(struct sysctr *s, const struct sysctr_ct_row *row,
			struct sysctr_error **err)
{
	const char *leftovers[] = { "overlay/delta.next", "overlay/layer.next",
				    "overlay/snap.copy", "overlay/flat.next",
				    "import" };

	if (row->pending != NULL) {
		log_info("%s: finishing an interrupted snapshot change (%s)",
			 row->name, row->pending);
		return sysctr_stack_finish(s, row, err);
	}
	/* made before a commit that never came */
	for (size_t i = 0; i < ARRAY_SIZE(leftovers); i++) {
		cleanup_free char *p =
		    sysctr_stack_path(s, row->name, leftovers[i]);

		if (path_exists(p))
			rm_rf_or_warn(p, "remove a half-made snapshot");
	}
	return 0;
}

/* ---- the lowers of a start --------------------------------------------- */

/* A layer a clone shares with its source is made by the source's pending
 * switch when sysctr was killed before it moved the files: finish that
 * one, under the source's lock (waited for as any lock). */
static int finish_owner(struct sysctr *s, const char *layer,
			struct sysctr_error **err)
{
	cleanup_free char *owner = NULL;
	cleanup_ct_row struct sysctr_ct_row row = { 0 };
	cleanup_lock int lock = -1;
	int ret;

	ret = sysctr_store_layer_pending_owner(s->store, layer, &owner, err);
	if (ret <= 0)
		return ret;
	lock = sysctr_lock(s, owner, s->cfg->timeouts.lock, err);
	if (lock < 0 || sysctr_store_ct_get(s->store, owner, &row, err) < 0)
		return -1;
	return sysctr_stack_repair(s, &row, err);
}

int sysctr_stack_lowers(struct sysctr *s, const struct sysctr_ct_row *row,
			const char *image_lower, char ***dirs,
			struct sysctr_error **err)
{
	cleanup_strv char **layers = NULL;
	cleanup_strv char **v = NULL;

	if (sysctr_store_ct_layers(s->store, row->id, &layers, err) < 0)
		return -1;
	v = xcalloc(1, sizeof(*v));
	for (size_t i = 0; layers[i] != NULL; i++) {
		cleanup_free char *fs = sysctr_layer_fs(s, layers[i]);

		if (!is_dir(fs) && finish_owner(s, layers[i], err) < 0)
			return -1;
		if (!is_dir(fs))
			return sysctr_err(err, SYSCTR_E_FAILED, 0,
					  "layer %s of its snapshots is "
					  "missing (%s)",
					  layers[i], fs);
		strv_push(&v, fs);
	}
	strv_push(&v, image_lower);
	*dirs = steal_ptr(&v);
	return 0;
}

/* Remove the files of layers the registry let go of. */
static void remove_layers(struct sysctr *s, char **names)
{
	for (size_t i = 0; names != NULL && names[i] != NULL; i++) {
		struct sysctr_error *e = NULL;

		if (sysctr_layer_remove(s, names[i], &e) < 0)
			sysctr_log_warn_error(e, "remove an unused layer");
	}
}

int sysctr_stack_release(struct sysctr *s, char ***names,
			 struct sysctr_error **err)
{
	return sysctr_store_layers_unused_take(s->store, names, err);
}

/* Layer directories without a registry row: what a removal that was
 * killed after its commit left. The directory is read before the
 * registry: a layer appears in the store only after the commit that
 * registers it, so one made meanwhile is either unseen or registered. */
static void sweep_layers(struct sysctr *s)
{
	cleanup_free char *dir = xasprintf("%s/.layers", s->containers_dir);
	cleanup_closedir DIR *d = opendir(dir);
	cleanup_strv char **seen = NULL;
	cleanup_strv char **known = NULL;
	struct sysctr_error *e = NULL;
	struct dirent *de;

	while (d != NULL && (de = readdir(d)) != NULL)
		if (de->d_name[0] != '.')
			strv_push(&seen, de->d_name);
	if (seen == NULL)
		return;
	if (sysctr_store_layer_names(s->store, &known, &e) < 0) {
		sysctr_log_warn_error(e, "list the layers");
		return;
	}
	for (size_t i = 0; seen[i] != NULL; i++) {
		if (strv_contains(known, seen[i]))
			continue;
		log_info("removing layer %s: no container or snapshot has it",
			 seen[i]);
		if (sysctr_layer_remove(s, seen[i], &e) < 0)
			sysctr_log_warn_error(e, "remove an unused layer");
	}
}

void sysctr_stack_remove(struct sysctr *s, char **names)
{
	remove_layers(s, names);
	sweep_layers(s);
}
